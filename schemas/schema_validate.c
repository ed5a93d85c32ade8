/*
 * schema_validate.c - apply a compiled JSON Schema (schema_compile.c) to a
 * document: each keyword's check, the messages they report, and the walk
 * through subschemas, $ref targets and combinators.
 */
#include "schemas/schema_internal.h"
#include "schemas/format.h"
#include "schemas/suggest.h"
#include "core/buf.h"
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- validating ---------- */

typedef struct {
    const cn_schema *s;
    cn_diagnostics *diags; /* NULL while probing (anyOf, oneOf, not, if) */
    pcre2_match_data *match;
    unsigned depth;
    /* Why a false schema at depth why_depth refuses a key: the unmet `if`
     * of the `else` branch being validated ("'type' is \"contract\""). */
    const char *why;
    unsigned why_depth;
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
        return json_is_real(v) && cn_schema_is_integral(json_real_value(v));
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
    cn_schema_regex key = {(char *)pattern, NULL};
    const cn_schema_regex *e =
        bsearch(&key, c->s->regexes, c->s->nregexes, sizeof(*c->s->regexes), cn_schema_regex_cmp);

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

/* A string where a boolean or a list was expected, with what to write. */
static int type_hint(vctx *c, const char *want, const char *s, const char *path)
{
    int word = cn_suggest_is_boolean_word(s);

    if (strcmp(want, "boolean") == 0 && word != 0)
        return report(c, path,
                      "expected boolean, got the string '%.40s'; use true or false (here: %s)", s,
                      word == 1 ? "true" : "false");
    if (strcmp(want, "boolean") == 0)
        return report(c, path, "expected boolean, got the string '%.40s'; use true or false", s);
    if (strcmp(want, "array") == 0 && s[0] == '-' && s[1] != ' ')
        return report(c, path,
                      "expected array, got the string '%.40s'; a list item needs a space after "
                      "'-': write '- %.40s'",
                      s, s + 1);
    if (strcmp(want, "array") == 0 && strchr(s, '\n') == NULL)
        return report(c, path,
                      "expected array, got the string '%.40s'; write it as a list, each item on "
                      "its own line after '- '",
                      s);
    return report(c, path, "expected %s, got string", want);
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
        if (json_is_string(inst))
            return type_hint(c, json_string_value(t), json_string_value(inst), path);
        if (json_is_null(inst)) /* a key written without a value: a template's blank */
            return report(c, path, "is empty: fill it in (expected %s)", json_string_value(t));
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
    if (err == 0 && json_is_null(inst))
        err = report(c, path, "is empty: fill it in (expected %s)",
                     names.data ? (char *)names.data : "a value");
    else if (err == 0)
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
    char *shown = NULL, hint[100] = "";
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
    if (json_is_string(inst)) {
        cn_suggestion near = CN_SUGGESTION_INIT(json_string_value(inst));
        for (i = 0; i < json_array_size(e); i++)
            cn_suggest_consider(&near, json_string_value(json_array_get(e, i)));
        if (near.best != NULL)
            snprintf(hint, sizeof(hint), "; did you mean \"%.80s\"?", near.best);
    }
    if (json_is_null(inst) && title != NULL) {
        err = report(c, path, "is empty: fill it in with a valid %s", title);
    } else if (json_is_null(inst) && json_array_size(e) > 10) {
        err = report(c, path, "is empty: fill it in with one of the %zu allowed values",
                     json_array_size(e));
    } else if (title != NULL) {
        err = report(c, path, "%s is not a valid %s%s", shown ? shown : "value", title, hint);
    } else if (json_array_size(e) > 10) {
        err = report(c, path, "%s is not one of the %zu allowed values%s", shown ? shown : "value",
                     json_array_size(e), hint);
    } else {
        for (i = 0; i < json_array_size(e) && err == 0; i++) {
            char *one = short_value(json_array_get(e, i));
            err = cn_buf_printf(&list, "%s%s", i ? ", " : "", one ? one : "?");
            free(one);
        }
        if (err == 0 && json_is_null(inst))
            err = report(c, path, "is empty: fill it in with one of: %s",
                         list.data ? (char *)list.data : "");
        else if (err == 0)
            err = report(c, path, "must be one of: %s (not %s)%s",
                         list.data ? (char *)list.data : "", shown ? shown : "this value", hint);
    }
    free(shown);
    cn_buf_free(&list);
    return err;
}

/* Typing slips in a URL or a name: spaces around it, ";//" for "://". */
static void typo_hint(char *out, size_t n, const char *s)
{
    size_t len = strlen(s);

    out[0] = '\0';
    if (len > 0 && (s[0] == ' ' || s[0] == '\t'))
        snprintf(out, n, " (remove the space at its start)");
    else if (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        snprintf(out, n, " (remove the space at its end)");
    else if (strstr(s, ";//") != NULL)
        snprintf(out, n, " (write '://' for ';//')");
}

/* What to write instead of s, a value refused by format, as " (...)" or
 * "; did you mean ...?", or "". */
static void format_hint(char *out, size_t n, const char *format, const char *s)
{
    char iso[11];
    const char *id;

    out[0] = '\0';
    if (strcmp(format, "date") == 0) {
        if (cn_suggest_iso_date(iso, s))
            snprintf(out, n, " (write it as YYYY-MM-DD, e.g. %s)", iso);
        else
            snprintf(out, n, " (write it as YYYY-MM-DD, e.g. 2024-12-07)");
    } else if (strcmp(format, "spdx-expression") == 0 && (id = cn_suggest_spdx(s)) != NULL) {
        snprintf(out, n, "; did you mean '%s'?", id);
    } else if (strcmp(format, "spdx-expression") == 0) {
        snprintf(out, n, " (use an id from https://spdx.org/licenses/, e.g. EUPL-1.2)");
    } else {
        typo_hint(out, n, s);
    }
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
        if (title != NULL) {
            char hint[60];
            typo_hint(hint, sizeof(hint), s);
            err = report(c, path, "'%.80s' is not a valid %s%s", s, title, hint);
        } else if (json_string_length(v) > 60)
            err = report(c, path, "'%.80s' does not have the expected form", s);
        else
            err = report(c, path, "'%.80s' does not match %s", s, json_string_value(v));
    }
    if (err == 0 && (v = json_object_get(schema, "format")) != NULL &&
        !(c->s->flags & CN_SCHEMA_FORMAT_ANNOTATE) &&
        !cn_format_check(json_string_value(v), s, len)) {
        char hint[160];
        *valid = 0;
        format_hint(hint, sizeof(hint), json_string_value(v), s);
        err = report(c, path, "'%.80s' is not a valid %s%s", s,
                     title ? title : json_string_value(v), hint);
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

/* Every property name anywhere in schema node (bounded depth), as candidates. */
static void consider_all_keys(cn_suggestion *near, const json_t *node, unsigned depth)
{
    const char *k;
    const json_t *v;
    size_t i;

    if (depth > 32)
        return;
    if (json_is_array(node)) {
        json_array_foreach(node, i, v) consider_all_keys(near, v, depth + 1);
        return;
    }
    if (!json_is_object(node))
        return;
    json_object_foreach((json_t *)json_object_get(node, "properties"), k, v)
        cn_suggest_consider(near, k);
    json_object_foreach((json_t *)node, k, v)
    {
        if (json_is_object(v) || json_is_array(v))
            consider_all_keys(near, v, depth + 1);
    }
}

typedef struct {
    const json_t *root;
    const char *key;
    char home[200]; /* the first key path where key is allowed */
    unsigned found;
} key_home;

/* Walk the schema like a document: properties add ".name", items "[]",
 * patternProperties and additionalProperties "*"; $ref inside the schema is
 * followed. Bounded by depth (cycles through $ref end there). */
static void find_home(key_home *h, const json_t *node, const char *path, unsigned depth)
{
    static const char *const applicators[] = {"allOf", "anyOf", "oneOf", "then", "else", NULL};
    const json_t *v, *sub;
    const char *k;
    char next[200];
    size_t i;

    if (depth > 12 || h->found > 1 || !json_is_object(node))
        return;
    if (json_is_string(v = json_object_get(node, "$ref")) && json_string_value(v)[0] == '#')
        find_home(h, cn_schema_pointer_follow(h->root, json_string_value(v) + 1), path, depth + 1);
    json_object_foreach((json_t *)json_object_get(node, "properties"), k, sub)
    {
        if (json_is_false(sub))
            continue;
        if (strcmp(k, h->key) == 0) {
            if (h->found == 0)
                snprintf(h->home, sizeof(h->home), "%s", path);
            if (h->found == 0 || strcmp(h->home, path) != 0)
                h->found++;
        }
        snprintf(next, sizeof(next), "%s%s%s", path, *path ? "." : "", k);
        find_home(h, sub, next, depth + 1);
    }
    json_object_foreach((json_t *)json_object_get(node, "patternProperties"), k, sub)
    {
        snprintf(next, sizeof(next), "%s%s*", path, *path ? "." : "");
        find_home(h, sub, next, depth + 1);
    }
    if (json_is_object(v = json_object_get(node, "additionalProperties"))) {
        snprintf(next, sizeof(next), "%s%s*", path, *path ? "." : "");
        find_home(h, v, next, depth + 1);
    }
    if (json_is_object(v = json_object_get(node, "items"))) {
        snprintf(next, sizeof(next), "%s[]", path);
        find_home(h, v, next, depth + 1);
    }
    for (i = 0; applicators[i]; i++) {
        size_t j;
        v = json_object_get(node, applicators[i]);
        if (json_is_object(v))
            find_home(h, v, path, depth + 1);
        json_array_foreach(v, j, sub) find_home(h, sub, path, depth + 1);
    }
}

/* The allowed key nearest to an unknown one: among props first, else among
 * the keys allowed anywhere in the schema (landingUrl -> landingURL). */
static const char *near_key(const vctx *c, const json_t *props, const char *key)
{
    cn_suggestion near = CN_SUGGESTION_INIT(key);
    const char *k;
    const json_t *v;

    json_object_foreach((json_t *)props, k, v) cn_suggest_consider(&near, k);
    if (near.best == NULL) {
        consider_all_keys(&near, c->s->root, 0);
        if (near.best != NULL && near.score > 1)
            return NULL; /* elsewhere: only a difference of case or one letter */
    }
    return near.best;
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
                const char *near = near_key(c, props, key);
                key_home h = {c->s->root, key, "", 0};
                if (near == NULL)
                    find_home(&h, c->s->root, "", 0);
                if ((err = cn_keypath_key(&child, path, key)) != 0)
                    ;
                else if (near != NULL)
                    err = report(c, child, "unknown key '%s'; did you mean '%s'?", key, near);
                else if (h.found == 1 && h.home[0] == '\0')
                    err =
                        report(c, child, "unknown key '%s' here; it belongs at the top level", key);
                else if (h.found == 1)
                    err = report(c, child, "unknown key '%s' here; it belongs under '%s'", key,
                                 h.home);
                else
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

/* An `if` that tests members' const or enum values, in words, with what
 * inst has instead: `'type' is "contract" (here "internal")`. 0 if the
 * condition is of another shape. */
static int condition_text(char *out, size_t n, const json_t *cond, const json_t *inst)
{
    const json_t *props = json_object_get(cond, "properties"), *sub, *want, *have;
    const char *key;
    size_t used = 0;

    out[0] = '\0';
    if (!json_is_object(props) || json_object_size(cond) > 2)
        return 0;
    json_object_foreach((json_t *)props, key, sub)
    {
        char *w, *h;
        int k;
        if ((want = json_object_get(sub, "const")) == NULL &&
            (want = json_object_get(sub, "enum")) == NULL)
            return 0;
        have = json_object_get(inst, key);
        w = short_value(want);
        h = have ? short_value(have) : NULL;
        k = snprintf(out + used, n - used, "%s'%s' is %s%s%s%s%s", used ? " and " : "", key,
                     json_is_array(want) ? "one of " : "", w ? w : "?", h ? " (here " : "",
                     h ? h : "", h ? ")" : "");
        free(w);
        free(h);
        if (k < 0 || (size_t)k >= n - used)
            return 0;
        used += (size_t)k;
    }
    return used > 0;
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
        if (branch != NULL && !ok && c->diags != NULL) {
            char why[200];
            vctx saved = *c;
            if (condition_text(why, sizeof(why), v, inst)) {
                c->why = why;
                c->why_depth = c->depth + 1;
            }
            err = validate(c, branch, inst, path, valid);
            c->why = saved.why;
            c->why_depth = saved.why_depth;
            if (err != 0)
                return err;
        } else if (branch != NULL && (err = validate(c, branch, inst, path, valid)) != 0) {
            return err;
        }
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
        if (c->why != NULL && c->depth == c->why_depth && path && *path)
            return report(c, path, "key is allowed only when %s", c->why);
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
        cn_schema_ref key = {schema, NULL};
        const cn_schema_ref *e =
            bsearch(&key, c->s->refs, c->s->nrefs, sizeof(*c->s->refs), cn_schema_ref_cmp);
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
