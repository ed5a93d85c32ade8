/*
 * schema_compile.c - check and prepare a JSON Schema 2020-12 document (the
 * subset of schema.h) for validation.
 *
 * Compiling walks every subschema once: it refuses keywords outside the
 * subset, checks keyword values, compiles regular expressions (PCRE2) and
 * resolves every $ref to the JSON node it names. Validation
 * (schema_validate.c) then walks the schema JSON directly, looking those
 * up. Nothing is resolved lazily, so a compiled schema never meets a
 * keyword it does not understand.
 */
#include "schemas/schema_internal.h"
#include "schemas/format.h"
#include "core/buf.h"
#include "core/error.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIALECT_2020_12 "https://json-schema.org/draft/2020-12/schema"
#define DEFAULT_BASE    "cn:/schema.json"

/* ---------- small growable arrays ---------- */

static int grow(void **items, size_t count, size_t size)
{
    void *p;

    /* Grow at powers of two (count is the current number of items). */
    if (count != 0 && (count & (count - 1)) != 0)
        return 0;
    p = realloc(*items, (count ? count * 2 : 4) * size);
    if (p == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    *items = p;
    return 0;
}

static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (const json_t *const *)a,
              y = (uintptr_t) * (const json_t *const *)b;
    return x < y ? -1 : x > y;
}

int cn_schema_ref_cmp(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const cn_schema_ref *)a)->from;
    uintptr_t y = (uintptr_t)((const cn_schema_ref *)b)->from;
    return x < y ? -1 : x > y;
}

int cn_schema_regex_cmp(const void *a, const void *b)
{
    return strcmp(((const cn_schema_regex *)a)->text, ((const cn_schema_regex *)b)->text);
}

/* ---------- compiling ---------- */

typedef struct {
    cn_schema *s;
    cn_buf path; /* schema path of the node being checked, like "#/properties/a" */
} compiler;

static int unsupported(compiler *c, const char *what, const char *name)
{
    return cn_error_set(CN_EUNSUPPORTED, "schema %s: unsupported %s '%s'",
                        c->path.len ? (const char *)c->path.data : "#", what, name);
}

static int malformed(compiler *c, const char *key, const char *problem)
{
    return cn_error_set(CN_EINVAL, "schema %s/%s: %s",
                        c->path.len ? (const char *)c->path.data : "#", key, problem);
}

/* ECMA-262 (JSON Schema's regex dialect) names Unicode categories in long
 * form, \p{Letter}; PCRE2 10.42 knows the short ones. Rewrite those. */
static int ecma_to_pcre(cn_buf *out, const char *text)
{
    static const char *const names[][2] = {
        {"Letter", "L"},
        {"Lowercase_Letter", "Ll"},
        {"Uppercase_Letter", "Lu"},
        {"Titlecase_Letter", "Lt"},
        {"Modifier_Letter", "Lm"},
        {"Other_Letter", "Lo"},
        {"Mark", "M"},
        {"Number", "N"},
        {"Decimal_Number", "Nd"},
        {"digit", "Nd"},
        {"Letter_Number", "Nl"},
        {"Other_Number", "No"},
        {"Punctuation", "P"},
        {"punct", "P"},
        {"Symbol", "S"},
        {"Separator", "Z"},
        {"Space_Separator", "Zs"},
        {"Other", "C"},
        {"Control", "Cc"},
        {"cntrl", "Cc"},
        {"Format", "Cf"},
    };
    size_t i, k;
    int err = 0;

    for (i = 0; text[i] != '\0' && err == 0; i++) {
        if (text[i] == '\\' && (text[i + 1] == 'p' || text[i + 1] == 'P') && text[i + 2] == '{') {
            const char *name = text + i + 3, *end = strchr(name, '}');
            for (k = 0; end != NULL && k < sizeof(names) / sizeof(names[0]); k++) {
                if (strlen(names[k][0]) == (size_t)(end - name) &&
                    strncmp(name, names[k][0], (size_t)(end - name)) == 0) {
                    err = cn_buf_printf(out, "\\%c{%s}", text[i + 1], names[k][1]);
                    i = (size_t)(end - text);
                    break;
                }
            }
            if (end != NULL && k < sizeof(names) / sizeof(names[0]))
                continue;
        }
        if (text[i] == '\\' && text[i + 1] != '\0') {
            err = cn_buf_put(out, text + i, 2);
            i++;
        } else {
            err = cn_buf_put(out, text + i, 1);
        }
    }
    if (err == 0 && out->data == NULL)
        err = cn_buf_puts(out, "");
    return err;
}

static int add_regex(compiler *c, const char *key, const char *text)
{
    cn_schema *s = c->s;
    cn_schema_regex *e;
    pcre2_code *code;
    cn_buf pcre = CN_BUF_INIT;
    int errcode, err;
    PCRE2_SIZE erroff;
    size_t i;

    for (i = 0; i < s->nregexes; i++)
        if (strcmp(s->regexes[i].text, text) == 0)
            return 0;
    if ((err = ecma_to_pcre(&pcre, text)) != 0) {
        cn_buf_free(&pcre);
        return err;
    }
    /* No PCRE2_UCP: as in ECMA-262, \d and \w stay ASCII. */
    code = pcre2_compile((PCRE2_SPTR)pcre.data, pcre.len, PCRE2_UTF, &errcode, &erroff, NULL);
    cn_buf_free(&pcre);
    if (code == NULL) {
        PCRE2_UCHAR buf[160];
        pcre2_get_error_message(errcode, buf, sizeof(buf));
        return cn_error_set(CN_EINVAL, "schema %s/%s: bad regular expression at offset %zu: %s",
                            c->path.len ? (const char *)c->path.data : "#", key, (size_t)erroff,
                            (const char *)buf);
    }
    if ((err = grow((void **)&s->regexes, s->nregexes, sizeof(*s->regexes))) != 0) {
        pcre2_code_free(code);
        return err;
    }
    e = &s->regexes[s->nregexes];
    if ((e->text = strdup(text)) == NULL) {
        pcre2_code_free(code);
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    e->code = code;
    s->nregexes++;
    return 0;
}

static int check_schema(compiler *c, const json_t *node, const char *base);

/* Descend into a subschema at path segment seg (appended to c->path). */
static int check_sub(compiler *c, const json_t *node, const char *base, const char *seg1,
                     const char *seg2)
{
    size_t saved = c->path.len;
    int err;

    if (c->path.len == 0 && (err = cn_buf_puts(&c->path, "#")) != 0)
        return err;
    if ((err = cn_buf_printf(&c->path, "/%s", seg1)) != 0 ||
        (seg2 && (err = cn_buf_printf(&c->path, "/%s", seg2)) != 0))
        return err;
    err = check_schema(c, node, base);
    c->path.len = saved;
    if (c->path.data)
        c->path.data[saved] = '\0';
    return err;
}

/* Whether a double has no fractional part (all doubles past 2^53 have none). */
int cn_schema_is_integral(double d)
{
    if (d >= 9007199254740992.0 || d <= -9007199254740992.0)
        return d == d;
    return d == (double)(long long)d;
}

static int is_nonneg_int(const json_t *v)
{
    if (json_is_integer(v))
        return json_integer_value(v) >= 0;
    if (json_is_real(v)) {
        double d = json_real_value(v);
        return d >= 0 && d < 9e15 && cn_schema_is_integral(d);
    }
    return 0;
}

static int is_type_name(const char *t)
{
    static const char *const names[] = {"null",   "boolean", "object", "array",
                                        "number", "string",  "integer"};
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(t, names[i]) == 0)
            return 1;
    return 0;
}

static int check_keyword(compiler *c, const char *key, const json_t *v, const char *base,
                         const json_t *node)
{
    static const char *const annotations[] = {"$comment", "title",    "description", "default",
                                              "examples", "readOnly", "writeOnly",   NULL};
    static const char *const schema_maps[] = {"$defs", "properties", "patternProperties", NULL};
    static const char *const single[] = {
        "additionalProperties", "items", "not", "if", "then", "else", NULL};
    static const char *const arrays[] = {"prefixItems", "allOf", "anyOf", "oneOf", NULL};
    static const char *const counts[] = {"minLength",     "maxLength",     "minItems", "maxItems",
                                         "minProperties", "maxProperties", NULL};
    static const char *const numbers[] = {"minimum", "maximum", "exclusiveMinimum",
                                          "exclusiveMaximum", NULL};
    const char *const *k;
    const char *name;
    const json_t *sub;
    size_t i;
    int err;

    for (k = annotations; *k; k++)
        if (strcmp(key, *k) == 0)
            return 0;
    for (k = schema_maps; *k; k++) {
        if (strcmp(key, *k) != 0)
            continue;
        if (!json_is_object(v))
            return malformed(c, key, "must be an object");
        json_object_foreach((json_t *)v, name, sub)
        {
            if (strcmp(key, "patternProperties") == 0 && (err = add_regex(c, key, name)) != 0)
                return err;
            if ((err = check_sub(c, sub, base, key, name)) != 0)
                return err;
        }
        return 0;
    }
    for (k = single; *k; k++)
        if (strcmp(key, *k) == 0)
            return check_sub(c, v, base, key, NULL);
    for (k = arrays; *k; k++) {
        if (strcmp(key, *k) != 0)
            continue;
        if (!json_is_array(v) || json_array_size(v) == 0)
            return malformed(c, key, "must be a non-empty array");
        json_array_foreach(v, i, sub)
        {
            char idx[24];
            snprintf(idx, sizeof(idx), "%zu", i);
            if ((err = check_sub(c, sub, base, key, idx)) != 0)
                return err;
        }
        return 0;
    }
    for (k = counts; *k; k++)
        if (strcmp(key, *k) == 0)
            return is_nonneg_int(v) ? 0 : malformed(c, key, "must be a non-negative integer");
    for (k = numbers; *k; k++)
        if (strcmp(key, *k) == 0)
            return json_is_number(v) ? 0 : malformed(c, key, "must be a number");
    if (strcmp(key, "$schema") == 0) {
        if (!json_is_string(v))
            return malformed(c, key, "must be a string");
        if (strcmp(json_string_value(v), DIALECT_2020_12) != 0 &&
            strcmp(json_string_value(v), DIALECT_2020_12 "#") != 0)
            return unsupported(c, "dialect", json_string_value(v));
        return 0;
    }
    if (strcmp(key, "$id") == 0)
        return 0; /* handled by check_schema */
    if (strcmp(key, "deprecated") == 0 || strcmp(key, "uniqueItems") == 0)
        return json_is_boolean(v) ? 0 : malformed(c, key, "must be a boolean");
    if (strcmp(key, "type") == 0) {
        if (json_is_string(v))
            return is_type_name(json_string_value(v)) ? 0 : malformed(c, key, "unknown type");
        if (!json_is_array(v))
            return malformed(c, key, "must be a string or an array");
        json_array_foreach(v, i, sub) if (!json_is_string(sub) ||
                                          !is_type_name(json_string_value(
                                              sub))) return malformed(c, key, "unknown type");
        return 0;
    }
    if (strcmp(key, "enum") == 0)
        return json_is_array(v) ? 0 : malformed(c, key, "must be an array");
    if (strcmp(key, "const") == 0)
        return 0;
    if (strcmp(key, "required") == 0) {
        if (!json_is_array(v))
            return malformed(c, key, "must be an array of strings");
        json_array_foreach(v, i, sub) if (!json_is_string(sub)) return malformed(
            c, key, "must be an array of strings");
        return 0;
    }
    if (strcmp(key, "pattern") == 0) {
        if (!json_is_string(v))
            return malformed(c, key, "must be a string");
        return add_regex(c, key, json_string_value(v));
    }
    if (strcmp(key, "format") == 0) {
        if (!json_is_string(v))
            return malformed(c, key, "must be a string");
        if (!(c->s->flags & CN_SCHEMA_FORMAT_ANNOTATE) && !cn_format_known(json_string_value(v)))
            return unsupported(c, "format", json_string_value(v));
        return 0;
    }
    if (strcmp(key, "$ref") == 0) {
        cn_schema_pending_ref *p;
        if (!json_is_string(v))
            return malformed(c, key, "must be a string");
        if ((err = grow((void **)&c->s->pending, c->s->npending, sizeof(*c->s->pending))) != 0)
            return err;
        p = &c->s->pending[c->s->npending];
        p->obj = node;
        if ((err = cn_schema_uri_resolve(&p->uri, base, json_string_value(v))) != 0)
            return err;
        c->s->npending++;
        return 0;
    }
    return unsupported(c, "keyword", key);
}

static int add_resource(cn_schema *s, const char *uri, const json_t *node)
{
    size_t i;
    int err;

    for (i = 0; i < s->nresources; i++)
        if (strcmp(s->resources[i].uri, uri) == 0)
            return cn_error_set(CN_EINVAL, "schema: duplicate $id '%s'", uri);
    if ((err = grow((void **)&s->resources, s->nresources, sizeof(*s->resources))) != 0)
        return err;
    if ((s->resources[s->nresources].uri = strdup(uri)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    s->resources[s->nresources++].node = node;
    return 0;
}

static int check_schema(compiler *c, const json_t *node, const char *base)
{
    cn_schema *s = c->s;
    const json_t *id, *v;
    const char *key;
    char *newbase = NULL;
    int err = 0;

    if (json_is_boolean(node))
        return 0;
    if (!json_is_object(node))
        return cn_error_set(CN_EINVAL, "schema %s: a schema must be an object or a boolean",
                            c->path.len ? (const char *)c->path.data : "#");
    if ((err = grow((void **)&s->visited, s->nvisited, sizeof(*s->visited))) != 0)
        return err;
    s->visited[s->nvisited++] = node;
    if ((id = json_object_get(node, "$id")) != NULL) {
        char *hash;
        if (!json_is_string(id))
            return malformed(c, "$id", "must be a string");
        if ((err = cn_schema_uri_resolve(&newbase, base, json_string_value(id))) != 0)
            return err;
        if ((hash = strchr(newbase, '#')) != NULL) {
            if (hash[1] != '\0') {
                err = unsupported(c, "$id with a fragment", json_string_value(id));
                goto out;
            }
            *hash = '\0';
        }
        if ((err = add_resource(s, newbase, node)) != 0)
            goto out;
        base = newbase;
    }
    json_object_foreach((json_t *)node, key, v)
    {
        if ((err = check_keyword(c, key, v, base, node)) != 0)
            goto out;
    }
out:
    free(newbase);
    return err;
}

static int resolve_ref(compiler *c, const cn_schema_pending_ref *p)
{
    cn_schema *s = c->s;
    char *hash = strchr(p->uri, '#');
    const char *frag = hash ? hash + 1 : "";
    const json_t *target = NULL;
    size_t i, ulen = hash ? (size_t)(hash - p->uri) : strlen(p->uri);
    int err;

    for (i = 0; i < s->nresources; i++)
        if (strlen(s->resources[i].uri) == ulen && strncmp(s->resources[i].uri, p->uri, ulen) == 0)
            break;
    if (i == s->nresources)
        return cn_error_set(CN_EUNSUPPORTED, "schema: $ref '%s' names another document", p->uri);
    if (*frag == '\0')
        target = s->resources[i].node;
    else if (*frag == '/')
        target = cn_schema_pointer_follow(s->resources[i].node, frag);
    else
        return cn_error_set(CN_EUNSUPPORTED, "schema: $ref '%s' uses an anchor", p->uri);
    if (target == NULL)
        return cn_error_set(CN_EINVAL, "schema: $ref '%s' does not resolve", p->uri);
    if ((err = grow((void **)&s->refs, s->nrefs, sizeof(*s->refs))) != 0)
        return err;
    s->refs[s->nrefs].from = p->obj;
    s->refs[s->nrefs++].to = target;
    /* A target no keyword led to (e.g. inside an unknown place) is checked now. */
    if (json_is_object(target) &&
        bsearch(&target, s->visited, s->nvisited, sizeof(*s->visited), cmp_ptr) == NULL) {
        c->path.len = 0;
        if ((err = check_schema(c, target, s->resources[i].uri)) != 0)
            return err;
        qsort(s->visited, s->nvisited, sizeof(*s->visited), cmp_ptr);
    }
    return 0;
}

int cn_schema_compile(cn_schema **out, json_t *schema, unsigned flags)
{
    compiler c = {NULL, CN_BUF_INIT};
    cn_schema *s;
    size_t i;
    int err;

    *out = NULL;
    if ((s = calloc(1, sizeof(*s))) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    s->root = json_incref(schema);
    s->flags = flags;
    c.s = s;
    if ((err = add_resource(s, DEFAULT_BASE, schema)) != 0 ||
        (err = check_schema(&c, schema, DEFAULT_BASE)) != 0)
        goto out;
    if (s->nvisited)
        qsort(s->visited, s->nvisited, sizeof(*s->visited), cmp_ptr);
    /* resolve_ref may check more of the schema and so add pending refs. */
    for (i = 0; i < s->npending; i++)
        if ((err = resolve_ref(&c, &s->pending[i])) != 0)
            goto out;
    if (s->nrefs)
        qsort(s->refs, s->nrefs, sizeof(*s->refs), cn_schema_ref_cmp);
    if (s->nregexes)
        qsort(s->regexes, s->nregexes, sizeof(*s->regexes), cn_schema_regex_cmp);
out:
    cn_buf_free(&c.path);
    if (err != 0) {
        cn_schema_free(s);
        return err;
    }
    *out = s;
    return 0;
}

void cn_schema_free(cn_schema *s)
{
    size_t i;

    if (s == NULL)
        return;
    for (i = 0; i < s->nregexes; i++) {
        free(s->regexes[i].text);
        pcre2_code_free(s->regexes[i].code);
    }
    for (i = 0; i < s->nresources; i++)
        free(s->resources[i].uri);
    for (i = 0; i < s->npending; i++)
        free(s->pending[i].uri);
    free(s->regexes);
    free(s->refs);
    free(s->resources);
    free(s->visited);
    free(s->pending);
    json_decref(s->root);
    free(s);
}
