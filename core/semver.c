/*
 * semver.c - Semantic Versioning 2.0.0.
 */
#include "core/semver.h"
#include "core/error.h"

#include <ctype.h>
#include <string.h>

/* Numeric identifier: "0" or digits without a leading zero. */
static size_t numeric_len(const char *s)
{
    size_t n = 0;

    while (isdigit((unsigned char)s[n]))
        n++;
    if (n > 1 && s[0] == '0')
        return 0;
    return n;
}

static int ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '-';
}

/* Dot-separated identifiers up to a terminator in stop; numeric ones may not
 * have leading zeros when strict_numeric. Returns length consumed or 0. */
static size_t identifiers_len(const char *s, int strict_numeric)
{
    size_t i = 0;

    for (;;) {
        size_t start = i, digits = 0;
        while (ident_char(s[i])) {
            digits += isdigit((unsigned char)s[i]) ? 1 : 0;
            i++;
        }
        if (i == start)
            return 0;
        if (strict_numeric && digits == i - start && digits > 1 && s[start] == '0')
            return 0;
        if (s[i] != '.')
            return i;
        i++;
    }
}

int cn_semver_check(const char *s)
{
    size_t i = 0, n;
    int part;

    if (strlen(s) > CN_SEMVER_MAX)
        return cn_error_set(CN_EINVAL, "version '%.20s...' is longer than %d bytes", s,
                            CN_SEMVER_MAX);
    for (part = 0; part < 3; part++) {
        if ((n = numeric_len(s + i)) == 0)
            goto bad;
        i += n;
        if (part < 2 && s[i++] != '.')
            goto bad;
    }
    if (s[i] == '-') {
        if ((n = identifiers_len(s + i + 1, 1)) == 0)
            goto bad;
        i += n + 1;
    }
    if (s[i] == '+') {
        if ((n = identifiers_len(s + i + 1, 0)) == 0)
            goto bad;
        i += n + 1;
    }
    if (s[i] == '\0')
        return 0;
bad:
    return cn_error_set(CN_EINVAL, "'%s' is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.2.0)",
                        s);
}

/* Compare two numeric strings without leading zeros. */
static int numcmp(const char *a, size_t la, const char *b, size_t lb)
{
    if (la != lb)
        return la < lb ? -1 : 1;
    return strncmp(a, b, la);
}

static int is_numeric(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return n > 0;
}

int cn_semver_compare(const char *a, const char *b)
{
    int part, c;

    for (part = 0; part < 3; part++) {
        size_t la = strspn(a, "0123456789"), lb = strspn(b, "0123456789");
        if ((c = numcmp(a, la, b, lb)) != 0)
            return c;
        a += la;
        b += lb;
        if (part < 2) {
            a++;
            b++;
        }
    }
    /* A version without pre-release has higher precedence than one with. */
    if (*a != '-' || *b != '-')
        return (*a == '-') ? -1 : (*b == '-') ? 1 : 0;
    a++;
    b++;
    for (;;) {
        size_t la = strcspn(a, ".+"), lb = strcspn(b, ".+");
        int na = is_numeric(a, la), nb = is_numeric(b, lb);
        if (na && nb)
            c = numcmp(a, la, b, lb);
        else if (na != nb)
            c = na ? -1 : 1;
        else {
            c = strncmp(a, b, la < lb ? la : lb);
            if (c == 0 && la != lb)
                c = la < lb ? -1 : 1;
        }
        if (c != 0)
            return c;
        a += la;
        b += lb;
        if (*a != '.' || *b != '.')
            return (*a == '.') ? 1 : (*b == '.') ? -1 : 0;
        a++;
        b++;
    }
}
