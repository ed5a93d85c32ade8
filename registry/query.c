/*
 * query.c - request parameters and the FTS5 expression for a search text.
 *
 * User text never reaches FTS5's query syntax: each white-space separated
 * word is run through the same tokenizer the index uses (unicode61,
 * remove_diacritics 2), and its tokens become one double-quoted phrase with
 * any '"' doubled. Only this file adds syntax: quotes, AND, OR,
 * parentheses and the prefix '*'.
 */
#include "core/error.h"
#include "core/name.h"
#include "core/semver.h"
#include "registry/internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const facet_names[CN_FACET_COUNT] = {
    "kind",    "theme",  "field",    "city",  "country",  "programme",
    "license", "status", "category", "scope", "platform", "keyword",
};

const char *cn_registry_facet_name(cn_registry_facet facet)
{
    return (unsigned)facet < CN_FACET_COUNT ? facet_names[facet] : "unknown";
}

static const char *const sort_names[] = {"default", "relevance", "recent", "replications"};
static const char *const withdrawn_names[] = {"include", "exclude", "only"};

const char *cn_reg_sort_name(cn_registry_sort sort)
{
    return (unsigned)sort < 4 ? sort_names[sort] : "unknown";
}

/* ---- parameters ---- */

static int parse_number(unsigned *out, const char *key, const char *v, unsigned max)
{
    unsigned long n = 0;
    size_t i, len = strlen(v);

    if (len == 0 || len > 6)
        goto bad;
    for (i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            goto bad;
        n = n * 10 + (unsigned long)(v[i] - '0');
    }
    if (n < 1 || n > max)
        goto bad;
    *out = (unsigned)n;
    return 0;
bad:
    return cn_error_set(CN_EINVAL, "%s: expected a whole number from 1 to %u, got '%.40s'", key,
                        max, v);
}

static int parse_word(int *out, const char *key, const char *v, const char *const *names,
                      size_t first, size_t n)
{
    size_t i;

    for (i = first; i < n; i++) {
        if (strcmp(v, names[i]) == 0) {
            *out = (int)i;
            return 0;
        }
    }
    if (n - first == 3)
        return cn_error_set(CN_EINVAL, "%s: expected %s, %s or %s, got '%.40s'", key, names[first],
                            names[first + 1], names[first + 2], v);
    return cn_error_set(CN_EINVAL, "%s: unexpected value '%.40s'", key, v);
}

/* Values must be UTF-8 text within max bytes, without control characters. */
static int check_value(const char *key, const char *v, size_t len, size_t max)
{
    return cn_text_check(key, v, len, max, 0);
}

static int once(cn_registry_query *q, int param, const char *key)
{
    if (q->given & (1u << param))
        return cn_error_set(CN_EINVAL, "%s: given more than once", key);
    q->given |= 1u << param;
    return 0;
}

static int set_string(char **slot, const char *v, size_t len)
{
    char *s = malloc(len + 1);

    if (s == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    memcpy(s, v, len);
    s[len] = '\0';
    free(*slot);
    *slot = s;
    return 0;
}

int cn_registry_query_set(cn_registry_query *q, const char *key, const char *value,
                          size_t value_len)
{
    char small[CN_REGISTRY_FILTER_MAX + 1];
    int facet, word = 0, err;

    if (value == NULL) {
        value = "";
        value_len = 0;
    }
    if (key == NULL || *key == '\0')
        return cn_error_set(CN_EINVAL, "a query parameter without a name");
    if (strcmp(key, "q") == 0) {
        if ((err = check_value(key, value, value_len, CN_REGISTRY_Q_MAX)) != 0 ||
            (err = once(q, CN_REGISTRY_PARAM_Q, key)) != 0)
            return err;
        return value_len ? set_string(&q->q, value, value_len) : 0;
    }
    for (facet = 0; facet < CN_FACET_COUNT; facet++) {
        size_t *n = &q->nfilters[facet];
        if (strcmp(key, facet_names[facet]) != 0)
            continue;
        if ((err = check_value(key, value, value_len, CN_REGISTRY_FILTER_MAX)) != 0)
            return err;
        if (value_len == 0)
            return 0;
        if (*n == CN_REGISTRY_FILTER_VALUES_MAX)
            return cn_error_set(CN_EINVAL, "%s: at most %d values", key,
                                CN_REGISTRY_FILTER_VALUES_MAX);
        if (facet == CN_FACET_KIND) {
            static const char *const kinds[] = {"solution", "dataset", "strategy"};
            size_t i;
            for (i = 0; i < value_len; i++)
                small[i] = (char)tolower((unsigned char)value[i]);
            small[value_len] = '\0';
            if ((err = parse_word(&word, key, small, kinds, 0, 3)) != 0)
                return err;
            value = small;
        }
        if ((err = set_string(&q->filters[facet][*n], value, value_len)) != 0)
            return err;
        (*n)++;
        q->given |= 1u << CN_REGISTRY_PARAM_FILTER;
        return 0;
    }
    /* The remaining parameters are short words. */
    if ((err = check_value(key, value, value_len, 64)) != 0)
        return err;
    memcpy(small, value, value_len);
    small[value_len] = '\0';
    if (strcmp(key, "node") == 0) {
        if (value_len < 8 || !cn_hex_is_lower(small, value_len))
            return cn_error_set(CN_EINVAL, "node: expected a node id or a prefix of at least 8 "
                                           "lowercase hex digits");
        if ((err = once(q, CN_REGISTRY_PARAM_NODE, key)) != 0)
            return err;
        return set_string(&q->node, small, value_len);
    }
    if (strcmp(key, "version") == 0) {
        if (cn_semver_check(small) != 0)
            return cn_error_set(CN_EINVAL, "version: '%s' is not a semantic version", small);
        if ((err = once(q, CN_REGISTRY_PARAM_VERSION, key)) != 0)
            return err;
        return set_string(&q->version, small, value_len);
    }
    if (strcmp(key, "sort") == 0) {
        if ((err = parse_word(&word, key, small, sort_names, 1, 4)) != 0 ||
            (err = once(q, CN_REGISTRY_PARAM_SORT, key)) != 0)
            return err;
        q->sort = (cn_registry_sort)word;
        return 0;
    }
    if (strcmp(key, "withdrawn") == 0) {
        if ((err = parse_word(&word, key, small, withdrawn_names, 0, 3)) != 0 ||
            (err = once(q, CN_REGISTRY_PARAM_WITHDRAWN, key)) != 0)
            return err;
        q->withdrawn = (cn_registry_withdrawn)word;
        return 0;
    }
    if (strcmp(key, "page") == 0) {
        if ((err = parse_number(&q->page, key, small, CN_REGISTRY_WINDOW_MAX)) != 0)
            return err;
        return once(q, CN_REGISTRY_PARAM_PAGE, key);
    }
    if (strcmp(key, "per_page") == 0) {
        if ((err = parse_number(&q->per_page, key, small, CN_REGISTRY_PER_PAGE_MAX)) != 0)
            return err;
        return once(q, CN_REGISTRY_PARAM_PER_PAGE, key);
    }
    return cn_error_set(CN_EINVAL, "unknown parameter '%.40s'", key);
}

/* Percent-decode src[0..n) into dst (at least n + 1 bytes); '+' is a space. */
static int url_decode(char *dst, size_t *dlen, const char *src, size_t n)
{
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        if (src[i] == '+') {
            dst[o++] = ' ';
        } else if (src[i] == '%') {
            int hi, lo;
            if (i + 2 >= n)
                return cn_error_set(CN_EINVAL, "query string: malformed %%-escape");
            hi = cn_hex_digit(src[i + 1]);
            lo = cn_hex_digit(src[i + 2]);
            if (hi < 0 || lo < 0)
                return cn_error_set(CN_EINVAL, "query string: malformed %%-escape");
            if (hi == 0 && lo == 0)
                return cn_error_set(CN_EINVAL, "query string: NUL (%%00) is not allowed");
            dst[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            dst[o++] = src[i];
        }
    }
    dst[o] = '\0';
    *dlen = o;
    return 0;
}

int cn_registry_query_parse(cn_registry_query *q, const char *s)
{
    char key[CN_REGISTRY_QUERY_STRING_MAX + 1], value[CN_REGISTRY_QUERY_STRING_MAX + 1];
    size_t n = strlen(s), klen, vlen;
    const char *p = s, *end = s + n;
    int err;

    if (n > CN_REGISTRY_QUERY_STRING_MAX)
        return cn_error_set(CN_EINVAL, "query string: too long (%zu bytes, at most %d)", n,
                            CN_REGISTRY_QUERY_STRING_MAX);
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p)), *seg_end = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(seg_end - p));
        if (seg_end > p) {
            if ((err = url_decode(key, &klen, p, (size_t)((eq ? eq : seg_end) - p))) != 0)
                return err;
            vlen = 0;
            value[0] = '\0';
            if (eq && (err = url_decode(value, &vlen, eq + 1, (size_t)(seg_end - eq - 1))) != 0)
                return err;
            if (strlen(key) != klen)
                return cn_error_set(CN_EINVAL, "query string: NUL in a parameter name");
            if ((err = cn_registry_query_set(q, key, value, vlen)) != 0)
                return err;
        }
        p = seg_end + (amp ? 1 : 0);
    }
    return 0;
}

void cn_registry_query_clear(cn_registry_query *q)
{
    size_t f, i;

    if (q == NULL)
        return;
    free(q->q);
    free(q->node);
    free(q->version);
    for (f = 0; f < CN_FACET_COUNT; f++)
        for (i = 0; i < q->nfilters[f]; i++)
            free(q->filters[f][i]);
    memset(q, 0, sizeof(*q));
}

int cn_reg_query_check_allowed(const cn_registry_query *q, unsigned allowed, const char *endpoint)
{
    static const char *const names[] = {"q",    "a facet filter", "node", "version",
                                        "sort", "withdrawn",      "page", "per_page"};
    unsigned extra;
    int bit;

    if (q == NULL || (extra = q->given & ~allowed) == 0)
        return 0;
    for (bit = 0; bit < 8; bit++)
        if (extra & (1u << bit))
            break;
    if (bit == CN_REGISTRY_PARAM_FILTER) {
        int f;
        for (f = 0; f < CN_FACET_COUNT; f++)
            if (q->nfilters[f])
                return cn_error_set(CN_EINVAL, "%s: parameter '%s' is not accepted here", endpoint,
                                    facet_names[f]);
    }
    return cn_error_set(CN_EINVAL, "%s: parameter '%s' is not accepted here", endpoint,
                        bit < 8 ? names[bit] : "?");
}

/* ---- the FTS5 expression ---- */

typedef struct {
    cn_buf phrase; /* tokens of one word, space-separated */
    size_t ntokens;
    size_t last_len; /* code points of the last token */
    int err;
} token_sink;

static int on_token(void *ctx, int flags, const char *token, int n, int start, int end)
{
    token_sink *t = ctx;
    int i;

    (void)start;
    (void)end;
    if (flags & FTS5_TOKEN_COLOCATED)
        return SQLITE_OK;
    if (t->ntokens && cn_buf_put(&t->phrase, " ", 1) != 0)
        goto nomem;
    for (i = 0; i < n; i++) {
        /* Tokens of unicode61 never hold '"'; double it anyway. */
        if (token[i] == '"' && cn_buf_put(&t->phrase, "\"", 1) != 0)
            goto nomem;
        if (cn_buf_put(&t->phrase, token + i, 1) != 0)
            goto nomem;
    }
    t->last_len = 0;
    for (i = 0; i < n; i++)
        if (((unsigned char)token[i] & 0xC0) != 0x80)
            t->last_len++;
    t->ntokens++;
    return SQLITE_OK;
nomem:
    t->err = cn_error_set(CN_ENOMEM, "out of memory");
    return SQLITE_NOMEM;
}

/* The spellings a German word may have been typed in: "ae", "oe", "ue"
 * for ä, ö, ü (the index folds those to a, o, u), and "ss" for ß (which
 * the index keeps). Up to 3 digraphs are considered, each folded or not;
 * "ss" and "ß" are swapped all at once or not at all. */
static int add_unique(json_t *list, const char *s)
{
    size_t i;
    json_t *e;

    json_array_foreach(list, i, e)
    {
        if (strcmp(json_string_value(e), s) == 0)
            return 0;
    }
    return json_array_append_new(list, json_string(s)) == 0 ? 0 : CN_ENOMEM;
}

static char *swap_sz(const char *s)
{
    size_t n = strlen(s), i, o = 0;
    char *out = malloc(2 * n + 1);

    if (out == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        if (s[i] == 's' && s[i + 1] == 's') {
            memcpy(out + o, "\xc3\x9f", 2); /* ß */
            o += 2;
            i++;
        } else if ((unsigned char)s[i] == 0xc3 && (unsigned char)s[i + 1] == 0x9f) {
            memcpy(out + o, "ss", 2);
            o += 2;
            i++;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

static int spellings(json_t *list, const char *phrase)
{
    size_t pos[3], npos = 0, i, n = strlen(phrase), listed;
    unsigned mask;
    char *buf = malloc(n + 1);
    int err = 0;

    if (buf == NULL)
        return CN_ENOMEM;
    for (i = 0; i + 1 < n && npos < 3; i++) {
        if (phrase[i + 1] == 'e' && (phrase[i] == 'a' || phrase[i] == 'o' || phrase[i] == 'u')) {
            pos[npos++] = i;
            i++;
        }
    }
    for (mask = 0; mask < (1u << npos) && err == 0; mask++) {
        size_t o = 0, k = 0;
        for (i = 0; i < n; i++) {
            buf[o++] = phrase[i];
            if (k < npos && pos[k] == i) {
                if (mask & (1u << k))
                    i++; /* drop the 'e' */
                k++;
            }
        }
        buf[o] = '\0';
        err = add_unique(list, buf);
    }
    listed = json_array_size(list);
    for (i = 0; i < listed && err == 0; i++) {
        char *swapped = swap_sz(json_string_value(json_array_get(list, i)));
        err = swapped ? add_unique(list, swapped) : CN_ENOMEM;
        free(swapped);
    }
    free(buf);
    return err;
}

static int append_alternatives(cn_buf *expr, const json_t *alts, int prefix)
{
    size_t i, n = json_array_size(alts);
    json_t *a;
    int err = 0;

    if (n > 1)
        err |= cn_buf_puts(expr, "(");
    json_array_foreach(alts, i, a)
    {
        const char *s = json_string_value(a);
        if (i)
            err |= cn_buf_puts(expr, " OR ");
        err |= cn_buf_puts(expr, "\"");
        for (; *s; s++)
            err |= *s == '"' ? cn_buf_puts(expr, "\"\"") : cn_buf_put(expr, s, 1);
        err |= cn_buf_puts(expr, prefix ? "\"*" : "\"");
    }
    if (n > 1)
        err |= cn_buf_puts(expr, ")");
    return err ? cn_error_set(CN_ENOMEM, "out of memory") : 0;
}

int cn_reg_fts_query_build(cn_reg_fts_query *out, cn_registry *reg, const char *text)
{
    json_t *words = json_array(), *alts = NULL, *w;
    cn_buf expr = CN_BUF_INIT;
    const char *p = text ? text : "", *end = p + strlen(p);
    size_t last_len = 0, i, k, n;
    int err = 0, rc, ends_in_space;

    memset(out, 0, sizeof(*out));
    if (words == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    ends_in_space = end > p && (end[-1] == ' ');
    while (p < end && err == 0) {
        const char *sp;
        token_sink sink = {CN_BUF_INIT, 0, 0, 0};
        while (p < end && *p == ' ')
            p++;
        if (p == end)
            break;
        sp = memchr(p, ' ', (size_t)(end - p));
        if (sp == NULL)
            sp = end;
        rc = reg->tok_api.xTokenize(reg->tokenizer, &sink, FTS5_TOKENIZE_QUERY, p, (int)(sp - p),
                                    on_token);
        if (sink.err)
            err = sink.err;
        else if (rc != SQLITE_OK)
            err = cn_error_set(CN_ERROR, "q: the tokenizer failed (%d)", rc);
        else if (sink.ntokens > 0 && json_array_size(words) == CN_REGISTRY_TERMS_MAX)
            err = cn_error_set(CN_EINVAL, "q: too many words (at most %d)", CN_REGISTRY_TERMS_MAX);
        else if (sink.ntokens > 0 &&
                 json_array_append_new(words, json_string((const char *)sink.phrase.data)) != 0)
            err = cn_error_set(CN_ENOMEM, "out of memory");
        if (sink.ntokens > 0)
            last_len = sink.last_len;
        cn_buf_free(&sink.phrase);
        p = sp;
    }
    n = json_array_size(words);
    if (err != 0 || n == 0)
        goto out;
    out->prefix = !ends_in_space && last_len >= 2;
    json_array_foreach(words, i, w)
    {
        if ((alts = json_array()) == NULL || spellings(alts, json_string_value(w)) != 0) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
        /* Each spelling is a walk of its own: keep their number bounded,
         * leaving room for one phrase per word still to come. */
        while (json_array_size(alts) > 1 &&
               out->nphrases + json_array_size(alts) + (n - 1 - i) > CN_REG_PHRASES_MAX)
            json_array_remove(alts, json_array_size(alts) - 1);
        if (i && cn_buf_puts(&expr, " AND ") != 0) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
        if ((err = append_alternatives(&expr, alts, out->prefix && i == n - 1)) != 0)
            goto out;
        /* FTS5 numbers the phrases in the order they appear. */
        for (k = 0; k < json_array_size(alts); k++)
            out->word[out->nphrases++] = (uint8_t)i;
        json_decref(alts);
        alts = NULL;
    }
    out->nwords = n;
    if ((out->expr = cn_buf_detach(&expr, NULL)) == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
out:
    json_decref(alts);
    cn_buf_free(&expr);
    if (err == 0) {
        out->terms = words;
    } else {
        json_decref(words);
        cn_reg_fts_query_clear(out);
    }
    return err;
}

void cn_reg_fts_query_clear(cn_reg_fts_query *q)
{
    free(q->expr);
    json_decref(q->terms);
    memset(q, 0, sizeof(*q));
}
