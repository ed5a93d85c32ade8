/*
 * format.c - format assertions: RFC 3339 dates, RFC 5321 mailboxes,
 * RFC 3986 URIs, and SPDX licence expressions (citynode's extension).
 *
 * Each checker reads the string with an index bounded by its length; none
 * allocates. Only ASCII is accepted where the grammars say so.
 */
#include "schemas/format.h"
#include "core/buf.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

extern const char *const cn_spdx_licenses[];
extern const size_t cn_spdx_licenses_count;
extern const char *const cn_spdx_exceptions[];
extern const size_t cn_spdx_exceptions_count;

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* n ASCII digits at s as a number, or -1. */
static int digits(const char *s, size_t n)
{
    int v = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* ---------- RFC 3339 ---------- */

static int valid_date(const char *s, size_t len)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d, max;

    if (len != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    y = digits(s, 4);
    m = digits(s + 5, 2);
    d = digits(s + 8, 2);
    if (y < 0 || m < 1 || m > 12 || d < 1)
        return 0;
    max = days[m - 1];
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        max = 29;
    return d <= max;
}

static int valid_date_time(const char *s, size_t len)
{
    int h, mi, sec, oh = 0, om = 0, sign = 0;
    size_t i;

    if (len < 20 || !valid_date(s, 10) || (s[10] != 'T' && s[10] != 't'))
        return 0;
    s += 11;
    len -= 11;
    if (s[2] != ':' || s[5] != ':')
        return 0;
    h = digits(s, 2);
    mi = digits(s + 3, 2);
    sec = digits(s + 6, 2);
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
        return 0;
    i = 8;
    if (i < len && s[i] == '.') {
        size_t start = ++i;
        while (i < len && is_digit(s[i]))
            i++;
        if (i == start)
            return 0;
    }
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i + 6 == len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        sign = s[i] == '+' ? 1 : -1;
        oh = digits(s + i + 1, 2);
        om = digits(s + i + 4, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return 0;
        i += 6;
    } else {
        return 0;
    }
    if (i != len)
        return 0;
    if (sec == 60) {
        /* A leap second happens at 23:59:60 UTC only. */
        int utc = ((h * 60 + mi - sign * (oh * 60 + om)) % 1440 + 1440) % 1440;
        if (utc != 23 * 60 + 59)
            return 0;
    }
    return 1;
}

/* ---------- RFC 3986 ---------- */

static int is_unreserved(char c)
{
    return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static int is_sub_delim(char c)
{
    return c != '\0' && strchr("!$&'()*+,;=", c) != NULL;
}

/* Check s[0..len) is made of unreserved, sub-delims, pct-encoded and the
 * characters in extra. */
static int chars_ok(const char *s, size_t len, const char *extra)
{
    size_t i;

    for (i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= len)
                return 0;
            if (cn_hex_digit(s[i + 1]) < 0 || cn_hex_digit(s[i + 2]) < 0)
                return 0;
            i += 2;
        } else if (!is_unreserved(c) && !is_sub_delim(c) && (c == '\0' || !strchr(extra, c))) {
            return 0;
        }
    }
    return 1;
}

static int valid_ip_literal(const char *s, size_t len)
{
    char buf[64];
    unsigned char addr[16];

    if (len > 0 && (s[0] == 'v' || s[0] == 'V')) {
        size_t i = 1;
        while (i < len && cn_hex_digit(s[i]) >= 0)
            i++;
        if (i == 1 || i >= len || s[i] != '.' || i + 1 == len)
            return 0;
        return chars_ok(s + i + 1, len - i - 1, ":") && memchr(s, '%', len) == NULL;
    }
    if (len == 0 || len >= sizeof(buf))
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return inet_pton(AF_INET6, buf, addr) == 1;
}

static int valid_authority(const char *s, size_t len)
{
    const char *at = memchr(s, '@', len), *host = s, *colon;
    size_t hlen = len, i;

    if (at != NULL) {
        if (!chars_ok(s, (size_t)(at - s), ":"))
            return 0;
        host = at + 1;
        hlen = len - (size_t)(host - s);
    }
    if (hlen > 0 && host[0] == '[') {
        const char *close = memchr(host, ']', hlen);
        if (close == NULL || !valid_ip_literal(host + 1, (size_t)(close - host - 1)))
            return 0;
        colon = close + 1;
        if (colon == host + hlen)
            return 1;
        if (*colon != ':')
            return 0;
    } else {
        colon = memchr(host, ':', hlen);
        if (!chars_ok(host, colon ? (size_t)(colon - host) : hlen, ""))
            return 0;
        if (colon == NULL)
            return 1;
    }
    for (i = (size_t)(colon + 1 - host); i < hlen; i++)
        if (!is_digit(host[i]))
            return 0;
    return 1;
}

static int valid_uri(const char *s, size_t len, int allow_relative)
{
    size_t i = 0, end, q;
    const char *hash, *quest;
    int has_scheme = 0;

    if (memchr(s, '\0', len) != NULL)
        return 0;
    /* scheme */
    if (len > 0 && is_alpha(s[0])) {
        i = 1;
        while (i < len &&
               (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
            i++;
        if (i < len && s[i] == ':') {
            has_scheme = 1;
            i++;
        } else {
            i = 0;
        }
    }
    if (!has_scheme && !allow_relative)
        return 0;
    hash = memchr(s + i, '#', len - i);
    end = hash ? (size_t)(hash - s) : len;
    if (hash && !chars_ok(hash + 1, len - end - 1, ":@/?"))
        return 0;
    quest = memchr(s + i, '?', end - i);
    q = quest ? (size_t)(quest - s) : end;
    if (quest && !chars_ok(quest + 1, end - q - 1, ":@/?"))
        return 0;
    /* hier-part or relative-part: s[i..q) */
    if (q - i >= 2 && s[i] == '/' && s[i + 1] == '/') {
        size_t a = i + 2, p = a;
        while (p < q && s[p] != '/')
            p++;
        if (!valid_authority(s + a, p - a))
            return 0;
        i = p;
    } else if (!has_scheme) {
        /* path-noscheme: no ':' in the first segment */
        size_t k;
        for (k = i; k < q && s[k] != '/'; k++)
            if (s[k] == ':')
                return 0;
    }
    return chars_ok(s + i, q - i, ":@/");
}

/* ---------- RFC 5321 mailbox ---------- */

static int is_atext(char c)
{
    return is_alpha(c) || is_digit(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static int valid_hostname(const char *s, size_t len)
{
    size_t i, label = 0;

    if (len == 0 || len > 253)
        return 0;
    for (i = 0; i < len; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0 || s[i - 1] == '-')
                return 0;
            label = 0;
        } else if (is_alpha(c) || is_digit(c) || c == '-') {
            if ((label == 0 && c == '-') || ++label > 63)
                return 0;
        } else {
            return 0;
        }
    }
    return label > 0 && s[len - 1] != '-';
}

static int valid_email(const char *s, size_t len)
{
    const char *at = NULL;
    size_t i, llen;
    char buf[64];
    unsigned char addr[16];

    for (i = len; i > 0; i--)
        if (s[i - 1] == '@') {
            at = s + i - 1;
            break;
        }
    if (at == NULL || at == s || at == s + len - 1)
        return 0;
    llen = (size_t)(at - s);
    if (s[0] == '"') {
        if (llen < 2 || s[llen - 1] != '"')
            return 0;
        for (i = 1; i < llen - 1; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c == '\\') {
                if (++i >= llen - 1 || (unsigned char)s[i] < 32 || (unsigned char)s[i] > 126)
                    return 0;
            } else if (c == '"' || c < 32 || c > 126) {
                return 0;
            }
        }
    } else {
        for (i = 0; i < llen; i++) {
            if (s[i] == '.') {
                if (i == 0 || i == llen - 1 || s[i - 1] == '.')
                    return 0;
            } else if (!is_atext(s[i])) {
                return 0;
            }
        }
    }
    s = at + 1;
    len -= llen + 1;
    if (s[0] != '[')
        return valid_hostname(s, len);
    if (s[len - 1] != ']' || len - 2 >= sizeof(buf))
        return 0;
    memcpy(buf, s + 1, len - 2);
    buf[len - 2] = '\0';
    if (strncmp(buf, "IPv6:", 5) == 0)
        return inet_pton(AF_INET6, buf + 5, addr) == 1;
    return inet_pton(AF_INET, buf, addr) == 1;
}

/* ---------- SPDX expressions ---------- */

static int id_cmp(const void *key, const void *elem)
{
    return strcasecmp((const char *)key, *(const char *const *)elem);
}

static int known(const char *const *table, size_t count, const char *id, size_t len)
{
    char buf[128];

    if (len == 0 || len >= sizeof(buf))
        return 0;
    memcpy(buf, id, len);
    buf[len] = '\0';
    return bsearch(buf, table, count, sizeof(*table), id_cmp) != NULL;
}

int cn_spdx_license_known(const char *id, size_t len)
{
    return known(cn_spdx_licenses, cn_spdx_licenses_count, id, len);
}

int cn_spdx_exception_known(const char *id, size_t len)
{
    return known(cn_spdx_exceptions, cn_spdx_exceptions_count, id, len);
}

typedef struct {
    const char *s;
    size_t len, pos;
    const char *tok; /* current token */
    size_t toklen;
    int depth;
} spdx_lexer;

static void spdx_next(spdx_lexer *l)
{
    while (l->pos < l->len && l->s[l->pos] == ' ')
        l->pos++;
    l->tok = l->s + l->pos;
    l->toklen = 0;
    if (l->pos >= l->len)
        return;
    if (strchr("()+", l->s[l->pos]) != NULL) {
        l->toklen = 1;
    } else {
        while (l->pos + l->toklen < l->len &&
               (is_alpha(l->tok[l->toklen]) || is_digit(l->tok[l->toklen]) ||
                l->tok[l->toklen] == '.' || l->tok[l->toklen] == '-' || l->tok[l->toklen] == ':'))
            l->toklen++;
        if (l->toklen == 0)
            l->toklen = 1; /* an invalid character: a token no rule accepts */
    }
    l->pos += l->toklen;
}

static int tok_is(const spdx_lexer *l, const char *word)
{
    return l->toklen == strlen(word) && memcmp(l->tok, word, l->toklen) == 0;
}

static int spdx_ref(const char *t, size_t n)
{
    size_t i;
    const char *colon = memchr(t, ':', n);

    if (colon != NULL) {
        if ((size_t)(colon - t) <= 12 || strncmp(t, "DocumentRef-", 12) != 0)
            return 0;
        n -= (size_t)(colon + 1 - t);
        t = colon + 1;
    }
    if (n <= 11 || strncmp(t, "LicenseRef-", 11) != 0)
        return 0;
    for (i = 11; i < n; i++)
        if (t[i] == ':')
            return 0;
    return 1;
}

static int spdx_or(spdx_lexer *l);

static int spdx_simple(spdx_lexer *l)
{
    if (tok_is(l, "(")) {
        if (++l->depth > 32)
            return 0;
        spdx_next(l);
        if (!spdx_or(l) || !tok_is(l, ")"))
            return 0;
        l->depth--;
        spdx_next(l);
        return 1;
    }
    if (l->toklen == 0 || memchr(l->tok, ':', l->toklen) != NULL) {
        if (l->toklen == 0 || !spdx_ref(l->tok, l->toklen))
            return 0;
    } else if (!spdx_ref(l->tok, l->toklen) && !cn_spdx_license_known(l->tok, l->toklen)) {
        return 0;
    }
    spdx_next(l);
    if (tok_is(l, "+"))
        spdx_next(l);
    if (tok_is(l, "WITH")) {
        spdx_next(l);
        if (!cn_spdx_exception_known(l->tok, l->toklen))
            return 0;
        spdx_next(l);
    }
    return 1;
}

static int spdx_and(spdx_lexer *l)
{
    if (!spdx_simple(l))
        return 0;
    while (tok_is(l, "AND")) {
        spdx_next(l);
        if (!spdx_simple(l))
            return 0;
    }
    return 1;
}

static int spdx_or(spdx_lexer *l)
{
    if (!spdx_and(l))
        return 0;
    while (tok_is(l, "OR")) {
        spdx_next(l);
        if (!spdx_and(l))
            return 0;
    }
    return 1;
}

static int valid_spdx(const char *s, size_t len)
{
    spdx_lexer l = {s, len, 0, NULL, 0, 0};

    if (memchr(s, '\0', len) != NULL)
        return 0;
    spdx_next(&l);
    return spdx_or(&l) && l.toklen == 0;
}

/* ---------- dispatch ---------- */

static const struct {
    const char *name;
    int (*check)(const char *s, size_t len);
} formats[] = {
    {"date", valid_date},
    {"date-time", valid_date_time},
    {"email", valid_email},
    {"spdx-expression", valid_spdx},
};

int cn_format_known(const char *name)
{
    size_t i;

    if (strcmp(name, "uri") == 0 || strcmp(name, "uri-reference") == 0)
        return 1;
    for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (strcmp(name, formats[i].name) == 0)
            return 1;
    return 0;
}

int cn_format_check(const char *name, const char *s, size_t len)
{
    size_t i;

    if (strcmp(name, "uri") == 0)
        return valid_uri(s, len, 0);
    if (strcmp(name, "uri-reference") == 0)
        return valid_uri(s, len, 1);
    for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (strcmp(name, formats[i].name) == 0)
            return formats[i].check(s, len);
    return 0;
}
