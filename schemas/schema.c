/*
 * schema.c - compile and apply JSON Schema 2020-12 (the subset of schema.h).
 *
 * Compiling walks every subschema once: it refuses keywords outside the
 * subset, checks keyword values, compiles regular expressions (PCRE2) and
 * resolves every $ref to the JSON node it names. Validation then walks the
 * schema JSON directly, looking those up. Nothing is resolved lazily, so a
 * compiled schema never meets a keyword it does not understand.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "schemas/schema.h"
#include "schemas/format.h"
#include "core/buf.h"
#include "core/error.h"

#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIALECT_2020_12 "https://json-schema.org/draft/2020-12/schema"
#define DEFAULT_BASE    "cn:/schema.json"

typedef struct {
    char *text;
    pcre2_code *code;
} regex_entry;

typedef struct {
    const json_t *from; /* the schema object holding $ref */
    const json_t *to;
} ref_entry;

typedef struct {
    char *uri; /* absolute, without fragment */
    const json_t *node;
} resource;

typedef struct {
    const json_t *obj;
    char *uri;
} pending_ref;

struct cn_schema {
    json_t *root;
    unsigned flags;
    regex_entry *regexes;
    size_t nregexes;
    ref_entry *refs;
    size_t nrefs;
    resource *resources;
    size_t nresources;
    const json_t **visited;
    size_t nvisited, capvisited;
    pending_ref *pending;
    size_t npending;
};

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

static int cmp_ref(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const ref_entry *)a)->from;
    uintptr_t y = (uintptr_t)((const ref_entry *)b)->from;
    return x < y ? -1 : x > y;
}

static int cmp_regex(const void *a, const void *b)
{
    return strcmp(((const regex_entry *)a)->text, ((const regex_entry *)b)->text);
}

/* ---------- URIs (RFC 3986 section 5.2) ---------- */

typedef struct {
    const char *scheme, *authority, *path, *query, *fragment;
    size_t scheme_len, authority_len, path_len, query_len, fragment_len;
    int has_scheme, has_authority, has_query, has_fragment;
} uri_parts;

static void uri_split(uri_parts *u, const char *s)
{
    const char *p = s, *q;

    memset(u, 0, sizeof(*u));
    for (q = s; *q && *q != ':' && *q != '/' && *q != '?' && *q != '#'; q++)
        ;
    if (*q == ':' && q != s) {
        u->has_scheme = 1;
        u->scheme = s;
        u->scheme_len = (size_t)(q - s);
        p = q + 1;
    }
    if (p[0] == '/' && p[1] == '/') {
        p += 2;
        u->has_authority = 1;
        u->authority = p;
        while (*p && *p != '/' && *p != '?' && *p != '#')
            p++;
        u->authority_len = (size_t)(p - u->authority);
    }
    u->path = p;
    while (*p && *p != '?' && *p != '#')
        p++;
    u->path_len = (size_t)(p - u->path);
    if (*p == '?') {
        u->has_query = 1;
        u->query = ++p;
        while (*p && *p != '#')
            p++;
        u->query_len = (size_t)(p - u->query);
    }
    if (*p == '#') {
        u->has_fragment = 1;
        u->fragment = p + 1;
        u->fragment_len = strlen(p + 1);
    }
}

/* remove_dot_segments of RFC 3986 5.2.4, appending the result to out. */
static int remove_dots(cn_buf *out, const char *in, size_t len)
{
    cn_buf b = CN_BUF_INIT;
    size_t i = 0;
    int err = 0;

    while (i < len && err == 0) {
        const char *s = in + i;
        size_t rest = len - i, seg;
        if (rest >= 3 && strncmp(s, "../", 3) == 0) {
            i += 3;
        } else if (rest >= 2 && strncmp(s, "./", 2) == 0) {
            i += 2;
        } else if ((rest >= 3 && strncmp(s, "/./", 3) == 0) ||
                   (rest == 2 && strncmp(s, "/.", 2) == 0)) {
            /* "/./" becomes "/": the next segment starts with that slash */
            i += 2;
            if (rest == 2)
                err = cn_buf_put(&b, "/", 1);
        } else if ((rest >= 4 && strncmp(s, "/../", 4) == 0) ||
                   (rest == 3 && strncmp(s, "/..", 3) == 0)) {
            i += 3;
            while (b.len > 0 && b.data[b.len - 1] != '/')
                b.len--;
            if (b.len > 0)
                b.len--;
            if (rest == 3)
                err = cn_buf_put(&b, "/", 1);
        } else if ((rest == 1 && s[0] == '.') || (rest == 2 && strncmp(s, "..", 2) == 0)) {
            i = len;
        } else {
            seg = s[0] == '/' ? 1 : 0;
            while (seg < rest && s[seg] != '/')
                seg++;
            err = cn_buf_put(&b, s, seg);
            i += seg;
        }
    }
    if (err == 0)
        err = cn_buf_put(out, b.data ? (const char *)b.data : "", b.len);
    cn_buf_free(&b);
    return err;
}

/* Resolve ref against the absolute base; heap result in *out. */
static int uri_resolve(char **out, const char *base, const char *ref)
{
    uri_parts b, r;
    cn_buf o = CN_BUF_INIT;
    int err = 0;

    *out = NULL;
    uri_split(&b, base);
    uri_split(&r, ref);
#define PUT(p, n) (err = err ? err : cn_buf_put(&o, (p), (n)))
    if (r.has_scheme) {
        PUT(r.scheme, r.scheme_len);
        PUT(":", 1);
        if (r.has_authority) {
            PUT("//", 2);
            PUT(r.authority, r.authority_len);
        }
        if (err == 0)
            err = remove_dots(&o, r.path, r.path_len);
        if (r.has_query) {
            PUT("?", 1);
            PUT(r.query, r.query_len);
        }
    } else {
        if (b.has_scheme) {
            PUT(b.scheme, b.scheme_len);
            PUT(":", 1);
        }
        if (r.has_authority) {
            PUT("//", 2);
            PUT(r.authority, r.authority_len);
            if (err == 0)
                err = remove_dots(&o, r.path, r.path_len);
            if (r.has_query) {
                PUT("?", 1);
                PUT(r.query, r.query_len);
            }
        } else {
            if (b.has_authority) {
                PUT("//", 2);
                PUT(b.authority, b.authority_len);
            }
            if (r.path_len == 0) {
                PUT(b.path, b.path_len);
                if (r.has_query) {
                    PUT("?", 1);
                    PUT(r.query, r.query_len);
                } else if (b.has_query) {
                    PUT("?", 1);
                    PUT(b.query, b.query_len);
                }
            } else {
                cn_buf merged = CN_BUF_INIT;
                if (r.path[0] == '/') {
                    err = err ? err : cn_buf_put(&merged, r.path, r.path_len);
                } else {
                    size_t keep = b.path_len;
                    while (keep > 0 && b.path[keep - 1] != '/')
                        keep--;
                    if (b.has_authority && b.path_len == 0)
                        err = err ? err : cn_buf_put(&merged, "/", 1);
                    else
                        err = err ? err : cn_buf_put(&merged, b.path, keep);
                    err = err ? err : cn_buf_put(&merged, r.path, r.path_len);
                }
                if (err == 0)
                    err = remove_dots(&o, merged.data ? (const char *)merged.data : "", merged.len);
                cn_buf_free(&merged);
                if (r.has_query) {
                    PUT("?", 1);
                    PUT(r.query, r.query_len);
                }
            }
        }
    }
    if (r.has_fragment) {
        PUT("#", 1);
        PUT(r.fragment, r.fragment_len);
    }
#undef PUT
    if (err == 0 && (*out = cn_buf_detach(&o, NULL)) == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
    cn_buf_free(&o);
    return err;
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
    regex_entry *e;
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
static int is_integral(double d)
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
        return d >= 0 && d < 9e15 && is_integral(d);
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
        pending_ref *p;
        if (!json_is_string(v))
            return malformed(c, key, "must be a string");
        if ((err = grow((void **)&c->s->pending, c->s->npending, sizeof(*c->s->pending))) != 0)
            return err;
        p = &c->s->pending[c->s->npending];
        p->obj = node;
        if ((err = uri_resolve(&p->uri, base, json_string_value(v))) != 0)
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
        if ((err = uri_resolve(&newbase, base, json_string_value(id))) != 0)
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

/* Percent-decode and unescape (~1, ~0) one JSON pointer token. */
static int pointer_token(char *out, size_t cap, const char *s, size_t len)
{
    size_t i, n = 0;

    for (i = 0; i < len; i++) {
        char ch = s[i];
        if (ch == '%' && i + 2 < len) {
            unsigned v;
            if (sscanf(s + i + 1, "%2x", &v) != 1)
                return -1;
            ch = (char)v;
            i += 2;
        }
        if (n + 1 >= cap)
            return -1;
        out[n++] = ch;
    }
    out[n] = '\0';
    /* Now ~1 and ~0 (after percent-decoding, as RFC 6901 section 6 says). */
    for (i = 0, n = 0; out[i]; i++) {
        if (out[i] == '~' && out[i + 1] == '1') {
            out[n++] = '/';
            i++;
        } else if (out[i] == '~' && out[i + 1] == '0') {
            out[n++] = '~';
            i++;
        } else if (out[i] == '~') {
            return -1;
        } else {
            out[n++] = out[i];
        }
    }
    out[n] = '\0';
    return 0;
}

static const json_t *follow_pointer(const json_t *node, const char *ptr)
{
    char token[512];

    while (node != NULL && *ptr == '/') {
        const char *end = strchr(ptr + 1, '/');
        size_t len = end ? (size_t)(end - ptr - 1) : strlen(ptr + 1);
        if (pointer_token(token, sizeof(token), ptr + 1, len) != 0)
            return NULL;
        if (json_is_object(node)) {
            node = json_object_get(node, token);
        } else if (json_is_array(node)) {
            char *e;
            unsigned long i = strtoul(token, &e, 10);
            if (*token == '\0' || *e != '\0' || (token[0] == '0' && token[1] != '\0'))
                return NULL;
            node = json_array_get(node, i);
        } else {
            return NULL;
        }
        ptr += len + 1;
    }
    return *ptr == '\0' ? node : NULL;
}

static int resolve_ref(compiler *c, const pending_ref *p)
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
        target = follow_pointer(s->resources[i].node, frag);
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
        qsort(s->refs, s->nrefs, sizeof(*s->refs), cmp_ref);
    if (s->nregexes)
        qsort(s->regexes, s->nregexes, sizeof(*s->regexes), cmp_regex);
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

/* ---------- validating ---------- */

typedef struct {
    const cn_schema *s;
    cn_diagnostics *diags; /* NULL while probing (anyOf, oneOf, not, if) */
    pcre2_match_data *match;
    unsigned depth;
} vctx;

int cn_json_schema_equal(const json_t *a, const json_t *b)
{
    const char *key;
    const json_t *v;
    size_t i;

    if (json_is_number(a) && json_is_number(b)) {
        if (json_is_integer(a) && json_is_integer(b))
            return json_integer_value(a) == json_integer_value(b);
        return json_number_value(a) == json_number_value(b);
    }
    if (json_typeof(a) != json_typeof(b))
        return 0;
    switch (json_typeof(a)) {
    case JSON_STRING:
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    case JSON_ARRAY:
        if (json_array_size(a) != json_array_size(b))
            return 0;
        for (i = 0; i < json_array_size(a); i++)
            if (!cn_json_schema_equal(json_array_get(a, i), json_array_get(b, i)))
                return 0;
        return 1;
    case JSON_OBJECT:
        if (json_object_size(a) != json_object_size(b))
            return 0;
        json_object_foreach((json_t *)a, key, v)
        {
            const json_t *w = json_object_get(b, key);
            if (w == NULL || !cn_json_schema_equal(v, w))
                return 0;
        }
        return 1;
    default:
        return 1; /* true, false, null: same type is same value */
    }
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    default:
        return "null";
    }
}

static int has_type(const json_t *v, const char *t)
{
    if (strcmp(t, "integer") == 0) {
        if (json_is_integer(v))
            return 1;
        return json_is_real(v) && is_integral(json_real_value(v));
    }
    if (strcmp(t, "number") == 0)
        return json_is_number(v);
    if (strcmp(t, "boolean") == 0)
        return json_is_boolean(v);
    return strcmp(t, type_name(v)) == 0;
}

/* -1, 0, 1 comparing two JSON numbers. */
static int num_cmp(const json_t *a, const json_t *b)
{
    if (json_is_integer(a) && json_is_integer(b)) {
        json_int_t x = json_integer_value(a), y = json_integer_value(b);
        return x < y ? -1 : x > y;
    } else {
        long double x = json_is_integer(a) ? (long double)json_integer_value(a)
                                           : (long double)json_real_value(a);
        long double y = json_is_integer(b) ? (long double)json_integer_value(b)
                                           : (long double)json_real_value(b);
        return x < y ? -1 : x > y;
    }
}

static size_t count_value(const json_t *v)
{
    return json_is_integer(v) ? (size_t)json_integer_value(v) : (size_t)json_real_value(v);
}

static size_t utf8_length(const char *s, size_t len)
{
    size_t i, n = 0;

    for (i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

/* A short rendering of a value for messages (heap). */
static char *short_value(const json_t *v)
{
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    if (s != NULL && strlen(s) > 60) {
        s[56] = '.';
        s[57] = '.';
        s[58] = '.';
        s[59] = '\0';
    }
    return s;
}

static int report(vctx *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int report(vctx *c, const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    if (c->diags == NULL)
        return 0;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return cn_diagnostics_add(c->diags, NULL, 0, 0, path, 0, "%s", msg);
}

static int validate(vctx *c, const json_t *schema, const json_t *inst, const char *path,
                    int *valid);

/* Validate a child value, building its path only when errors are collected. */
static int validate_child(vctx *c, const json_t *schema, const json_t *inst, const char *path,
                          const char *key, size_t index, int *valid)
{
    char *child = NULL;
    int err;

    if (c->diags != NULL) {
        err = key ? cn_keypath_key(&child, path, key) : cn_keypath_index(&child, path, index);
        if (err != 0)
            return err;
    }
    err = validate(c, schema, inst, child, valid);
    free(child);
    return err;
}

static int regex_match(vctx *c, const char *pattern, const char *s, size_t len)
{
    regex_entry key = {(char *)pattern, NULL};
    const regex_entry *e =
        bsearch(&key, c->s->regexes, c->s->nregexes, sizeof(*c->s->regexes), cmp_regex);

    if (e == NULL)
        return 0;
    return pcre2_match(e->code, (PCRE2_SPTR)s, len, 0, 0, c->match, NULL) >= 0;
}

/* A noun for messages: the schema's title, if any. */
static const char *title_of(const json_t *schema)
{
    const char *t = json_string_value(json_object_get(schema, "title"));
    return t;
}

static int check_type(vctx *c, const json_t *schema, const json_t *inst, const char *path,
                      int *valid)
{
    const json_t *t = json_object_get(schema, "type");
    cn_buf names = CN_BUF_INIT;
    size_t i;
    int err = 0;

    if (t == NULL)
        return 0;
    if (json_is_string(t)) {
        if (has_type(inst, json_string_value(t)))
            return 0;
        *valid = 0;
        return report(c, path, "expected %s, got %s", json_string_value(t), type_name(inst));
    }
    for (i = 0; i < json_array_size(t); i++)
        if (has_type(inst, json_string_value(json_array_get(t, i))))
            return 0;
    *valid = 0;
    if (c->diags == NULL)
        return 0;
    for (i = 0; i < json_array_size(t) && err == 0; i++)
        err = cn_buf_printf(&names, "%s%s", i == 0 ? "" : " or ",
                            json_string_value(json_array_get(t, i)));
    if (err == 0)
        err = report(c, path, "expected %s, got %s", names.data ? (char *)names.data : "nothing",
                     type_name(inst));
    cn_buf_free(&names);
    return err;
}

static int check_enum_const(vctx *c, const json_t *schema, const json_t *inst, const char *path,
                            int *valid)
{
    const json_t *e = json_object_get(schema, "enum"), *k = json_object_get(schema, "const");
    const char *title = title_of(schema);
    char *shown = NULL;
    cn_buf list = CN_BUF_INIT;
    size_t i;
    int err = 0;

    if (k != NULL && !cn_json_schema_equal(k, inst)) {
        *valid = 0;
        if (c->diags != NULL) {
            char *want = short_value(k);
            err = report(c, path, "must be %s", want ? want : "the constant value");
            free(want);
        }
    }
    if (err != 0 || e == NULL)
        return err;
    for (i = 0; i < json_array_size(e); i++)
        if (cn_json_schema_equal(json_array_get(e, i), inst))
            return 0;
    *valid = 0;
    if (c->diags == NULL)
        return 0;
    shown = short_value(inst);
    if (title != NULL) {
        err = report(c, path, "%s is not a valid %s", shown ? shown : "value", title);
    } else if (json_array_size(e) > 10) {
        err = report(c, path, "%s is not one of the %zu allowed values", shown ? shown : "value",
                     json_array_size(e));
    } else {
        for (i = 0; i < json_array_size(e) && err == 0; i++) {
            char *one = short_value(json_array_get(e, i));
            err = cn_buf_printf(&list, "%s%s", i ? ", " : "", one ? one : "?");
            free(one);
        }
        if (err == 0)
            err = report(c, path, "must be one of: %s", list.data ? (char *)list.data : "");
    }
    free(shown);
    cn_buf_free(&list);
    return err;
}

static int check_string(vctx *c, const json_t *schema, const json_t *inst, const char *path,
                        int *valid)
{
    const char *s = json_string_value(inst), *title = title_of(schema);
    size_t len = json_string_length(inst), n;
    const json_t *v;
    int err = 0;

    if ((v = json_object_get(schema, "minLength")) != NULL &&
        (n = utf8_length(s, len)) < count_value(v)) {
        *valid = 0;
        err = report(c, path, "must be at least %zu characters long (is %zu)", count_value(v), n);
    }
    if (err == 0 && (v = json_object_get(schema, "maxLength")) != NULL &&
        (n = utf8_length(s, len)) > count_value(v)) {
        *valid = 0;
        err = report(c, path, "must be at most %zu characters long (is %zu)", count_value(v), n);
    }
    if (err == 0 && (v = json_object_get(schema, "pattern")) != NULL &&
        !regex_match(c, json_string_value(v), s, len)) {
        *valid = 0;
        if (title != NULL)
            err = report(c, path, "'%.80s' is not a valid %s", s, title);
        else if (json_string_length(v) > 60)
            err = report(c, path, "'%.80s' does not have the expected form", s);
        else
            err = report(c, path, "'%.80s' does not match %s", s, json_string_value(v));
    }
    if (err == 0 && (v = json_object_get(schema, "format")) != NULL &&
        !(c->s->flags & CN_SCHEMA_FORMAT_ANNOTATE) &&
        !cn_format_check(json_string_value(v), s, len)) {
        *valid = 0;
        if (title != NULL)
            err = report(c, path, "'%.80s' is not a valid %s", s, title);
        else
            err = report(c, path, "'%.80s' is not a valid %s", s, json_string_value(v));
    }
    return err;
}

static int check_number(vctx *c, const json_t *schema, const json_t *inst, const char *path,
                        int *valid)
{
    static const struct {
        const char *key;
        int bad_if; /* comparison result (inst vs limit) that fails, or 2 for <= 0, 3 for >= 0 */
        const char *op;
    } rules[] = {{"minimum", -1, ">="},
                 {"maximum", 1, "<="},
                 {"exclusiveMinimum", 2, ">"},
                 {"exclusiveMaximum", 3, "<"}};
    size_t i;
    int err = 0;

    for (i = 0; i < sizeof(rules) / sizeof(rules[0]) && err == 0; i++) {
        const json_t *lim = json_object_get(schema, rules[i].key);
        int r;
        if (lim == NULL)
            continue;
        r = num_cmp(inst, lim);
        if ((rules[i].bad_if == -1 && r < 0) || (rules[i].bad_if == 1 && r > 0) ||
            (rules[i].bad_if == 2 && r <= 0) || (rules[i].bad_if == 3 && r >= 0)) {
            char *want = short_value(lim);
            *valid = 0;
            err = report(c, path, "must be %s %s", rules[i].op, want ? want : "the limit");
            free(want);
        }
    }
    return err;
}

static int check_array(vctx *c, const json_t *schema, const json_t *inst, const char *path,
                       int *valid)
{
    const json_t *prefix = json_object_get(schema, "prefixItems");
    const json_t *items = json_object_get(schema, "items"), *v;
    size_t n = json_array_size(inst), i, j, start = 0;
    int err = 0;

    if ((v = json_object_get(schema, "minItems")) != NULL && n < count_value(v)) {
        *valid = 0;
        err = report(c, path, "must have at least %zu item%s", count_value(v),
                     count_value(v) == 1 ? "" : "s");
    }
    if (err == 0 && (v = json_object_get(schema, "maxItems")) != NULL && n > count_value(v)) {
        *valid = 0;
        err = report(c, path, "must have at most %zu item%s", count_value(v),
                     count_value(v) == 1 ? "" : "s");
    }
    if (err == 0 && json_is_true(json_object_get(schema, "uniqueItems"))) {
        for (i = 0; i < n && err == 0; i++)
            for (j = i + 1; j < n; j++)
                if (cn_json_schema_equal(json_array_get(inst, i), json_array_get(inst, j))) {
                    *valid = 0;
                    err =
                        report(c, path, "items %zu and %zu are equal; items must be unique", i, j);
                    i = n;
                    break;
                }
    }
    if (prefix != NULL) {
        start = json_array_size(prefix);
        for (i = 0; i < start && i < n && err == 0 && (*valid || c->diags); i++)
            err = validate_child(c, json_array_get(prefix, i), json_array_get(inst, i), path, NULL,
                                 i, valid);
    }
    if (items != NULL)
        for (i = start; i < n && err == 0 && (*valid || c->diags); i++)
            err = validate_child(c, items, json_array_get(inst, i), path, NULL, i, valid);
    return err;
}

static int check_object(vctx *c, const json_t *schema, const json_t *inst, const char *path,
                        int *valid)
{
    const json_t *props = json_object_get(schema, "properties");
    const json_t *pattern = json_object_get(schema, "patternProperties");
    const json_t *additional = json_object_get(schema, "additionalProperties");
    const json_t *req = json_object_get(schema, "required"), *v, *sub;
    size_t n = json_object_size(inst), i;
    const char *key, *pk;
    int err = 0;

    if ((v = json_object_get(schema, "minProperties")) != NULL && n < count_value(v)) {
        *valid = 0;
        err = report(c, path, "must have at least %zu key%s", count_value(v),
                     count_value(v) == 1 ? "" : "s");
    }
    if (err == 0 && (v = json_object_get(schema, "maxProperties")) != NULL && n > count_value(v)) {
        *valid = 0;
        err = report(c, path, "must have at most %zu key%s", count_value(v),
                     count_value(v) == 1 ? "" : "s");
    }
    for (i = 0; i < json_array_size(req) && err == 0; i++) {
        const char *name = json_string_value(json_array_get(req, i));
        if (json_object_get(inst, name) == NULL) {
            *valid = 0;
            err = report(c, path, "required key '%s' is missing", name);
            if (c->diags == NULL)
                return 0;
        }
    }
    json_object_foreach((json_t *)inst, key, v)
    {
        int matched = 0;
        if (err != 0 || (!*valid && c->diags == NULL))
            break;
        if ((sub = json_object_get(props, key)) != NULL) {
            matched = 1;
            if ((err = validate_child(c, sub, v, path, key, 0, valid)) != 0)
                break;
        }
        json_object_foreach((json_t *)pattern, pk, sub)
        {
            if (!regex_match(c, pk, key, strlen(key)))
                continue;
            matched = 1;
            if ((err = validate_child(c, sub, v, path, key, 0, valid)) != 0)
                break;
        }
        if (err != 0 || matched || additional == NULL)
            continue;
        if (json_is_false(additional)) {
            char *child = NULL;
            *valid = 0;
            if (c->diags != NULL) {
                if ((err = cn_keypath_key(&child, path, key)) == 0)
                    err = report(c, child, "unknown key '%s'", key);
                free(child);
            }
        } else {
            err = validate_child(c, additional, v, path, key, 0, valid);
        }
    }
    return err;
}

/* Run sub in probe mode: no errors collected, just the verdict. */
static int probe(vctx *c, const json_t *sub, const json_t *inst, int *ok)
{
    vctx p = *c;

    p.diags = NULL;
    *ok = 1;
    return validate(&p, sub, inst, NULL, ok);
}

static int check_combinators(vctx *c, const json_t *schema, const json_t *inst, const char *path,
                             int *valid)
{
    const json_t *v, *sub;
    size_t i, matches;
    int ok, err = 0;

    if ((v = json_object_get(schema, "allOf")) != NULL)
        json_array_foreach(v, i, sub)
        {
            if ((err = validate(c, sub, inst, path, valid)) != 0)
                return err;
            if (!*valid && c->diags == NULL)
                return 0;
        }
    if ((v = json_object_get(schema, "anyOf")) != NULL) {
        matches = 0;
        json_array_foreach(v, i, sub)
        {
            if ((err = probe(c, sub, inst, &ok)) != 0)
                return err;
            if (ok) {
                matches = 1;
                break;
            }
        }
        if (!matches) {
            *valid = 0;
            if ((err = report(c, path, "must match at least one of %zu alternatives",
                              json_array_size(v))) != 0)
                return err;
        }
    }
    if ((v = json_object_get(schema, "oneOf")) != NULL) {
        matches = 0;
        json_array_foreach(v, i, sub)
        {
            if ((err = probe(c, sub, inst, &ok)) != 0)
                return err;
            matches += ok ? 1 : 0;
        }
        if (matches != 1) {
            *valid = 0;
            if ((err = report(c, path, "must match exactly one of %zu alternatives (matches %zu)",
                              json_array_size(v), matches)) != 0)
                return err;
        }
    }
    if ((v = json_object_get(schema, "not")) != NULL) {
        if ((err = probe(c, v, inst, &ok)) != 0)
            return err;
        if (ok) {
            const char *what = json_is_object(v) ? title_of(v) : NULL;
            *valid = 0;
            if (what != NULL)
                err = report(c, path, "must not have %s", what);
            else
                err = report(c, path, "must not match the schema under 'not'");
            if (err != 0)
                return err;
        }
    }
    if ((v = json_object_get(schema, "if")) != NULL) {
        const json_t *branch;
        if ((err = probe(c, v, inst, &ok)) != 0)
            return err;
        branch = json_object_get(schema, ok ? "then" : "else");
        if (branch != NULL && (err = validate(c, branch, inst, path, valid)) != 0)
            return err;
    }
    return 0;
}

static int validate(vctx *c, const json_t *schema, const json_t *inst, const char *path, int *valid)
{
    const json_t *ref;
    int err = 0;

    if (json_is_true(schema))
        return 0;
    if (json_is_false(schema)) {
        *valid = 0;
        return report(c, path, path && *path ? "key is not allowed here" : "value is not allowed");
    }
    if (++c->depth > CN_SCHEMA_MAX_DEPTH) {
        c->depth--;
        return cn_error_set(CN_ELIMIT, "schema validation nested deeper than %d levels",
                            CN_SCHEMA_MAX_DEPTH);
    }
    if (c->diags != NULL && json_is_true(json_object_get(schema, "deprecated")) && path && *path)
        err = cn_diagnostics_add(c->diags, NULL, 0, 0, path, 1,
                                 "this key is deprecated and may be dropped");
    if (err == 0 && json_object_get(schema, "$ref") != NULL) {
        ref_entry key = {schema, NULL};
        const ref_entry *e = bsearch(&key, c->s->refs, c->s->nrefs, sizeof(*c->s->refs), cmp_ref);
        if (e != NULL)
            ref = e->to;
        else
            ref = json_true(); /* cannot happen: every $ref was resolved */
        err = validate(c, ref, inst, path, valid);
    }
#define STEP(call)                                                                                 \
    if (err == 0 && (*valid || c->diags != NULL))                                                  \
    err = (call)
    STEP(check_type(c, schema, inst, path, valid));
    STEP(check_enum_const(c, schema, inst, path, valid));
    if (json_is_string(inst))
        STEP(check_string(c, schema, inst, path, valid));
    if (json_is_number(inst))
        STEP(check_number(c, schema, inst, path, valid));
    if (json_is_array(inst))
        STEP(check_array(c, schema, inst, path, valid));
    if (json_is_object(inst))
        STEP(check_object(c, schema, inst, path, valid));
    STEP(check_combinators(c, schema, inst, path, valid));
#undef STEP
    c->depth--;
    return err;
}

int cn_schema_validate(const cn_schema *s, const json_t *instance, cn_diagnostics *diags)
{
    vctx c;
    int valid = 1, err;

    memset(&c, 0, sizeof(c));
    c.s = s;
    c.diags = diags;
    if ((c.match = pcre2_match_data_create(1, NULL)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    err = validate(&c, s->root, instance, diags ? "" : NULL, &valid);
    pcre2_match_data_free(c.match);
    if (err != 0)
        return err;
    return valid ? 0 : cn_error_set(CN_EINVAL, "document does not match its schema");
}
