/*
 * xml.c - escaping text from outside for XML 1.0 documents (core/xml.h).
 */
#include "core/xml.h"

#include <stdint.h>
#include <string.h>

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* The length of the well-formed UTF-8 sequence at s (at most n bytes) and
 * its code point, or 0 when s does not start one (RFC 3629 §4: no overlong
 * forms, no surrogates, nothing past U+10FFFF). */
static size_t utf8_sequence(uint32_t *cp, const unsigned char *s, size_t n)
{
    size_t len, i;
    uint32_t c;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        len = 2;
        c = s[0] & 0x1Fu;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        len = 3;
        c = s[0] & 0x0Fu;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        len = 4;
        c = s[0] & 0x07u;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3Fu);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
        (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

/* 1 if XML 1.0's Char production allows cp (§2.2). */
static int xml_char(uint32_t cp)
{
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
           (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

int cn_xml_escape(cn_buf *out, const char *s, size_t len, int attr)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0; /* bytes at p + i - run .. p + i copied as they are */
    int err = 0;

    while (i < len && err == 0) {
        const char *rep = NULL;
        uint32_t cp = 0;
        size_t n = utf8_sequence(&cp, p + i, len - i);

        if (n == 0 || !xml_char(cp))
            rep = replacement;
        else if (cp == '&')
            rep = "&amp;";
        else if (cp == '<')
            rep = "&lt;";
        else if (cp == '>')
            rep = "&gt;";
        else if (cp == '"')
            rep = "&quot;";
        else if (cp == '\r')
            rep = "&#13;";
        else if (attr && cp == '\t')
            rep = "&#9;";
        else if (attr && cp == '\n')
            rep = "&#10;";
        if (rep == NULL) {
            i += n;
            run += n;
            continue;
        }
        if (run > 0)
            err = cn_buf_put(out, p + i - run, run);
        if (err == 0)
            err = cn_buf_puts(out, rep);
        i += n ? n : 1; /* a broken byte is replaced one at a time */
        run = 0;
    }
    if (err == 0 && run > 0)
        err = cn_buf_put(out, p + i - run, run);
    return err;
}

int cn_xml_puts(cn_buf *out, const char *s, int attr)
{
    return s ? cn_xml_escape(out, s, strlen(s), attr) : 0;
}
