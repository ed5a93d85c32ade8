/*
 * name.c - name and path checks.
 */
#include "core/name.h"
#include "core/error.h"

#include <jansson.h>

#include <string.h>

static int slug_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

int cn_name_check_slug(const char *s)
{
    size_t i, n = strlen(s);

    if (n == 0 || n > CN_SLUG_MAX || s[0] == '-')
        goto bad;
    for (i = 0; i < n; i++)
        if (!slug_char(s[i]))
            goto bad;
    return 0;
bad:
    return cn_error_set(CN_EINVAL,
                        "'%.80s' is not a valid id: use 1-63 of a-z, 0-9 and '-', "
                        "starting with a letter or digit",
                        s);
}

int cn_name_check_relpath(const char *s, size_t max)
{
    size_t i, n = strlen(s), start = 0;

    if (n == 0 || n > max)
        return cn_error_set(CN_EINVAL, "path is empty or longer than %zu bytes", max);
    for (i = 0; i <= n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '/' || c == '\0') {
            size_t len = i - start;
            if (len == 0 || (len == 1 && s[start] == '.') ||
                (len == 2 && s[start] == '.' && s[start + 1] == '.'))
                return cn_error_set(CN_EINVAL, "path '%.200s' has an empty, '.' or '..' part", s);
            start = i + 1;
        } else if (c < 0x20 || c == 0x7f || c == '\\' || c == '?' || c == '#') {
            return cn_error_set(CN_EINVAL, "path '%.200s' contains a forbidden character", s);
        }
    }
    return 0;
}

int cn_name_slugify(char out[CN_SLUG_MAX + 1], const char *text)
{
    const char *p;
    size_t n = 0;
    int dash = 0;

    for (p = text; *p && n < CN_SLUG_MAX; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            if (dash && n > 0 && n < CN_SLUG_MAX - 1)
                out[n++] = '-';
            dash = 0;
            out[n++] = c;
        } else {
            dash = 1;
        }
    }
    out[n] = '\0';
    if (n == 0)
        return cn_error_set(CN_EINVAL, "cannot derive an id from '%.80s'", text);
    return 0;
}

int cn_text_check(const char *what, const char *s, size_t len, size_t max, unsigned flags)
{
    json_t *probe;

    if (len > max)
        return cn_error_set(CN_EINVAL, "%s: too long (%zu bytes, at most %zu)", what, len, max);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && !(c == '\n' && (flags & CN_TEXT_LINES))) || c == 0x7f)
            return cn_error_set(CN_EINVAL, "%s: control characters are not allowed", what);
    }
    /* jansson refuses strings that are not well-formed UTF-8. */
    if ((probe = json_stringn(s, len)) == NULL)
        return cn_error_set(CN_EINVAL, "%s: not valid UTF-8", what);
    json_decref(probe);
    return 0;
}
