/*
 * json.c - depth-bounded parsing and OLPC canonical JSON.
 */
#include "core/json.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/file.h"

#include <stdlib.h>
#include <string.h>

/* jansson has no depth option of its own, so count nesting before parsing.
 * Brackets inside strings do not count; escapes inside strings are skipped. */
static int check_depth(const unsigned char *p, size_t len, size_t max_depth)
{
    size_t i, depth = 0;
    int in_string = 0;

    for (i = 0; i < len; i++) {
        unsigned char c = p[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth)
                return cn_error_set(CN_ELIMIT, "JSON nested deeper than %zu levels", max_depth);
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return 0;
}

int cn_json_parse(json_t **out, const void *data, size_t len, size_t max_depth, const char *what)
{
    json_error_t jerr;
    json_t *v;
    int err;

    *out = NULL;
    if ((err = check_depth(data, len, max_depth)) != 0)
        return cn_error_wrap(err, "%s", what);
    v = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (v == NULL)
        return cn_error_set(CN_EINVAL, "%s:%d:%d: %s", what, jerr.line, jerr.column, jerr.text);
    *out = v;
    return 0;
}

int cn_json_load_file(json_t **out, const char *path, size_t max)
{
    unsigned char *data;
    size_t len;
    int err;

    *out = NULL;
    if ((err = cn_file_read(&data, &len, path, max)) != 0)
        return err;
    err = cn_json_parse(out, data, len, CN_JSON_MAX_DEPTH, path);
    free(data);
    return err;
}

static int put_string(cn_buf *b, const char *s, size_t len)
{
    size_t i, start = 0;
    int err;

    if ((err = cn_buf_put(b, "\"", 1)) != 0)
        return err;
    for (i = 0; i < len; i++) {
        if (s[i] == '"' || s[i] == '\\') {
            if ((err = cn_buf_put(b, s + start, i - start)) != 0 ||
                (err = cn_buf_put(b, "\\", 1)) != 0)
                return err;
            start = i;
        }
    }
    if ((err = cn_buf_put(b, s + start, len - start)) != 0)
        return err;
    return cn_buf_put(b, "\"", 1);
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int encode(cn_buf *b, const json_t *v)
{
    int err = 0;

    switch (json_typeof(v)) {
    case JSON_NULL:
        return cn_buf_puts(b, "null");
    case JSON_TRUE:
        return cn_buf_puts(b, "true");
    case JSON_FALSE:
        return cn_buf_puts(b, "false");
    case JSON_INTEGER:
        return cn_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    case JSON_REAL:
        return cn_error_set(CN_EINVAL, "canonical JSON has no real numbers");
    case JSON_STRING:
        return put_string(b, json_string_value(v), json_string_length(v));
    case JSON_ARRAY: {
        size_t i;
        if ((err = cn_buf_put(b, "[", 1)) != 0)
            return err;
        for (i = 0; i < json_array_size(v); i++) {
            if ((i && (err = cn_buf_put(b, ",", 1)) != 0) ||
                (err = encode(b, json_array_get(v, i))) != 0)
                return err;
        }
        return cn_buf_put(b, "]", 1);
    }
    case JSON_OBJECT: {
        size_t n = json_object_size(v), i = 0;
        const char **keys = calloc(n ? n : 1, sizeof(*keys));
        const char *key;
        json_t *val;

        if (keys == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        json_object_foreach((json_t *)v, key, val) keys[i++] = key;
        qsort(keys, n, sizeof(*keys), key_cmp);
        err = cn_buf_put(b, "{", 1);
        for (i = 0; err == 0 && i < n; i++) {
            if (i)
                err = cn_buf_put(b, ",", 1);
            if (err == 0)
                err = put_string(b, keys[i], strlen(keys[i]));
            if (err == 0)
                err = cn_buf_put(b, ":", 1);
            if (err == 0)
                err = encode(b, json_object_get(v, keys[i]));
        }
        free(keys);
        return err ? err : cn_buf_put(b, "}", 1);
    }
    }
    return cn_error_set(CN_EINVAL, "unknown JSON type");
}

int cn_json_canonical(char **out, size_t *outlen, const json_t *value)
{
    cn_buf b = CN_BUF_INIT;
    int err;

    *out = NULL;
    if ((err = encode(&b, value)) != 0) {
        cn_buf_free(&b);
        return err;
    }
    *out = cn_buf_detach(&b, outlen);
    return *out ? 0 : cn_error_set(CN_ENOMEM, "out of memory");
}

int cn_json_pretty(char **out, size_t *outlen, const json_t *value)
{
    char *s = json_dumps(value, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    size_t n;
    char *p;

    *out = NULL;
    if (s == NULL)
        return cn_error_set(CN_ENOMEM, "cannot encode JSON");
    n = strlen(s);
    if ((p = realloc(s, n + 2)) == NULL) {
        free(s);
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    p[n] = '\n';
    p[n + 1] = '\0';
    *out = p;
    if (outlen)
        *outlen = n + 1;
    return 0;
}

int cn_json_array_sort(json_t *list, int (*cmp)(const void *, const void *))
{
    size_t i, count = json_array_size(list);
    json_t **sorted, *e;

    if (count < 2)
        return 0;
    if ((sorted = calloc(count, sizeof(*sorted))) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    json_array_foreach(list, i, e) sorted[i] = json_incref(e);
    qsort(sorted, count, sizeof(*sorted), cmp);
    json_array_clear(list);
    for (i = 0; i < count; i++)
        json_array_append_new(list, sorted[i]); /* cannot fail: the array had room */
    free(sorted);
    return 0;
}
