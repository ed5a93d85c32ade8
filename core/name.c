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

/* Latin letters as ASCII, for ids derived from names (docs/PROTOCOL.md
 * §"Item ids"). One table for U+00C0-U+017F (Latin-1 Supplement and Latin
 * Extended-A): the German umlauts and the Nordic letters become two letters
 * as those languages write them without the mark (ä ae, ö ø oe, ü ue, å aa,
 * æ ae, œ oe, ß ss, þ th, ĳ ij), Hungarian ő ű follow ö ü, every other letter
 * loses its accent (é è ê ë e, ç c, ñ n, ł l, č c, ř r, ...). NULL: a
 * separator (× ÷ and the rest that are no letters). */
/* clang-format off */
static const char *const latin[0x180 - 0xc0] = {
    /* U+00C0 */ "a", "a", "a", "a", "ae", "aa", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    /* U+00D0 */ "d", "n", "o", "o", "o", "o", "oe", NULL, "oe", "u", "u", "u", "ue", "y", "th", "ss",
    /* U+00E0 */ "a", "a", "a", "a", "ae", "aa", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    /* U+00F0 */ "d", "n", "o", "o", "o", "o", "oe", NULL, "oe", "u", "u", "u", "ue", "y", "th", "y",
    /* U+0100 */ "a", "a", "a", "a", "a", "a", "c", "c", "c", "c", "c", "c", "c", "c", "d", "d",
    /* U+0110 */ "d", "d", "e", "e", "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g",
    /* U+0120 */ "g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i", "i", "i", "i", "i",
    /* U+0130 */ "i", "i", "ij", "ij", "j", "j", "k", "k", "k", "l", "l", "l", "l", "l", "l", "l",
    /* U+0140 */ "l", "l", "l", "n", "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o",
    /* U+0150 */ "oe", "oe", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s", "s", "s", "s", "s",
    /* U+0160 */ "s", "s", "t", "t", "t", "t", "t", "t", "u", "u", "u", "u", "u", "u", "u", "u",
    /* U+0170 */ "ue", "ue", "u", "u", "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s",
};
/* clang-format on */

/* One code point of well-formed UTF-8 at s (at most 4 bytes), its length in
 * *len; -1 and *len = 1 for a byte that starts none. */
static long utf8_next(const unsigned char *s, size_t *len)
{
    unsigned char c = s[0];
    long cp;
    size_t n, i;

    *len = 1;
    if (c < 0x80)
        return c;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, cp = c & 0x07;
    else
        return -1;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return -1;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    *len = n;
    return cp;
}

typedef struct {
    char *out;
    size_t n;
    int dash;
} slug_out;

static void slug_put(slug_out *o, const char *ascii)
{
    for (; *ascii && o->n < CN_SLUG_MAX; ascii++) {
        if (o->dash && o->n > 0 && o->n < CN_SLUG_MAX - 1)
            o->out[o->n++] = '-';
        o->dash = 0;
        o->out[o->n++] = *ascii;
    }
}

static int slugify(char out[CN_SLUG_MAX + 1], const char *text, int transliterate)
{
    const unsigned char *p = (const unsigned char *)text;
    slug_out o = {out, 0, 0};
    char one[2] = {0, 0};
    size_t len;

    while (*p && o.n < CN_SLUG_MAX) {
        long cp = transliterate ? utf8_next(p, &len) : (len = 1, *p);
        if (cp >= 'A' && cp <= 'Z')
            cp = cp - 'A' + 'a';
        if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
            one[0] = (char)cp;
            slug_put(&o, one);
        } else if (transliterate && cp >= 0xc0 && cp < 0x180 && latin[cp - 0xc0]) {
            slug_put(&o, latin[cp - 0xc0]);
        } else if (transliterate && cp == 0x1e9e) { /* capital sharp s */
            slug_put(&o, "ss");
        } else if (transliterate && cp >= 0x300 && cp <= 0x36f) {
            /* A combining mark (decomposed text, as macOS writes file
             * names): a diaeresis on a, o, u is the umlaut's e, others go. */
            if (cp == 0x308 && o.n > 0 && !o.dash && strchr("aou", o.out[o.n - 1]))
                slug_put(&o, "e");
        } else {
            o.dash = 1;
        }
        p += len;
    }
    out[o.n] = '\0';
    if (o.n == 0)
        return cn_error_set(CN_EINVAL,
                            "cannot derive an id from '%.80s': it has no Latin letter or digit "
                            "— add `id:` (a-z, 0-9 and '-') to the manifest",
                            text);
    return 0;
}

int cn_name_slugify(char out[CN_SLUG_MAX + 1], const char *text)
{
    return slugify(out, text, 1);
}

int cn_name_slugify_ascii(char out[CN_SLUG_MAX + 1], const char *text)
{
    return slugify(out, text, 0);
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
