/*
 * term.c - text for terminals: escaping what came from outside (term.h).
 *
 * cn_term_vformat walks the format itself so that it knows which bytes are
 * the caller's (kept) and which are an argument's (escaped); every conversion
 * but %s and %c is handed back to vsnprintf one at a time.
 */
#include "core/term.h"
#include "core/error.h"

#include <stdint.h>
#include <string.h>

/* The length of the well-formed UTF-8 sequence at p (n bytes left, n > 0)
 * and its code point, or 0 when the first byte starts none (Unicode 15,
 * table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF). */
static size_t utf8_decode(uint32_t *cp, const unsigned char *p, size_t n)
{
    unsigned char lo = 0x80, hi = 0xbf;
    size_t len, i;
    uint32_t c;

    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        len = 2;
        c = p[0] & 0x1fu;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        len = 3;
        c = p[0] & 0x0fu;
        if (p[0] == 0xe0)
            lo = 0xa0;
        else if (p[0] == 0xed)
            hi = 0x9f;
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        len = 4;
        c = p[0] & 0x07u;
        if (p[0] == 0xf0)
            lo = 0x90;
        else if (p[0] == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        unsigned char b = p[i];
        if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xbf))
            return 0;
        c = (c << 6) | (b & 0x3fu);
    }
    *cp = c;
    return len;
}

/* 1 for the code points a terminal must not be handed as they are, beyond
 * ASCII's controls: C1 controls and the bidirectional formatting marks. */
static int is_hidden_control(uint32_t c)
{
    return (c >= 0x80 && c <= 0x9f) || c == 0x061c || c == 0x200e || c == 0x200f ||
           (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

int cn_term_escape(cn_buf *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, start = 0, n;
    uint32_t c;
    int err = 0;

    while (i < len && err == 0) {
        n = utf8_decode(&c, p + i, len - i);
        if (n != 0 && c >= 0x20 && c != 0x7f && !is_hidden_control(c)) {
            i += n; /* printable: copied below, in one run */
            continue;
        }
        if ((err = cn_buf_put(out, p + start, i - start)) != 0)
            break;
        if (n == 0) {
            err = cn_buf_puts(out, "\xef\xbf\xbd"); /* U+FFFD */
            n = 1;
        } else if (c == '\n' || c == '\r' || c == '\t') {
            err = cn_buf_puts(out, c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t");
        } else if (c < 0x80) {
            err = cn_buf_printf(out, "\\x%02x", (unsigned)c);
        } else {
            err = cn_buf_printf(out, "\\u%04X", (unsigned)c);
        }
        i += n;
        start = i;
    }
    if (err == 0)
        err = cn_buf_put(out, p + start, i - start);
    return err;
}

/* One conversion specification of a format, parsed. */
typedef struct {
    char flags[8];
    int width, precision; /* -1: none given */
    char length[3];       /* "", "hh", "h", "l", "ll", "z", "j", "t", "L" */
    char conv;
} term_spec;

static const char *parse_spec(term_spec *sp, const char *f, va_list *ap)
{
    size_t nf = 0;

    memset(sp, 0, sizeof(*sp));
    sp->width = sp->precision = -1;
    while (*f && strchr("-+ #0", *f) && nf < sizeof(sp->flags) - 1)
        sp->flags[nf++] = *f++;
    if (*f == '*') {
        sp->width = va_arg(*ap, int);
        if (sp->width < 0) { /* printf: a negative width is '-' and its size */
            sp->width = -sp->width;
            if (nf < sizeof(sp->flags) - 1)
                sp->flags[nf++] = '-';
        }
        f++;
    } else {
        for (sp->width = *f >= '0' && *f <= '9' ? 0 : -1; *f >= '0' && *f <= '9'; f++)
            sp->width = sp->width * 10 + (*f - '0');
    }
    if (*f == '.') {
        f++;
        sp->precision = 0;
        if (*f == '*') {
            sp->precision = va_arg(*ap, int);
            f++;
        } else {
            for (; *f >= '0' && *f <= '9'; f++)
                sp->precision = sp->precision * 10 + (*f - '0');
        }
    }
    if ((f[0] == 'h' && f[1] == 'h') || (f[0] == 'l' && f[1] == 'l')) {
        memcpy(sp->length, f, 2);
        f += 2;
    } else if (*f && strchr("hlzjtL", *f)) {
        sp->length[0] = *f++;
    }
    sp->conv = *f;
    return *f ? f + 1 : f;
}

/* The argument of a %s or %c, escaped and padded to the width. */
static int put_text(cn_buf *out, const term_spec *sp, const char *s, size_t len)
{
    cn_buf esc = CN_BUF_INIT;
    size_t pad = 0;
    int err, left = strchr(sp->flags, '-') != NULL;

    if ((err = cn_term_escape(&esc, s, len)) != 0)
        goto out;
    if (sp->width > 0 && esc.len < (size_t)sp->width)
        pad = (size_t)sp->width - esc.len;
    for (; !left && pad > 0 && err == 0; pad--)
        err = cn_buf_put(out, " ", 1);
    if (err == 0)
        err = cn_buf_put(out, esc.data, esc.len);
    for (; pad > 0 && err == 0; pad--)
        err = cn_buf_put(out, " ", 1);
out:
    cn_buf_free(&esc);
    return err;
}

/* %s: at most precision bytes, cut back to a whole character. */
static int put_string(cn_buf *out, const term_spec *sp, const char *s)
{
    size_t len;

    if (s == NULL)
        s = "(null)";
    len = sp->precision >= 0 ? strnlen(s, (size_t)sp->precision) : strlen(s);
    if (s[len] != '\0')
        while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
            len--;
    return put_text(out, sp, s, len);
}

/* Any other conversion: the spec rebuilt with its width and precision
 * resolved, then vsnprintf's. The format is built here from a parsed spec,
 * never taken from the caller's arguments. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int put_number(cn_buf *out, const term_spec *sp, va_list *ap)
{
    char spec[64];
    int n = snprintf(spec, sizeof(spec), "%%%s", sp->flags);

    if (sp->width >= 0)
        n += snprintf(spec + n, sizeof(spec) - (size_t)n, "%d", sp->width);
    if (sp->precision >= 0)
        n += snprintf(spec + n, sizeof(spec) - (size_t)n, ".%d", sp->precision);
    switch (sp->conv) {
    case 'd':
    case 'i': {
        intmax_t v = !strcmp(sp->length, "l")    ? va_arg(*ap, long)
                     : !strcmp(sp->length, "ll") ? va_arg(*ap, long long)
                     : !strcmp(sp->length, "z")  ? (intmax_t)va_arg(*ap, size_t)
                     : !strcmp(sp->length, "j")  ? va_arg(*ap, intmax_t)
                     : !strcmp(sp->length, "t")  ? va_arg(*ap, ptrdiff_t)
                                                 : va_arg(*ap, int);
        if (!strcmp(sp->length, "hh"))
            v = (signed char)v;
        else if (!strcmp(sp->length, "h"))
            v = (short)v;
        snprintf(spec + n, sizeof(spec) - (size_t)n, "j%c", sp->conv);
        return cn_buf_printf(out, spec, v);
    }
    case 'u':
    case 'o':
    case 'x':
    case 'X': {
        uintmax_t v = !strcmp(sp->length, "l")    ? va_arg(*ap, unsigned long)
                      : !strcmp(sp->length, "ll") ? va_arg(*ap, unsigned long long)
                      : !strcmp(sp->length, "z")  ? va_arg(*ap, size_t)
                      : !strcmp(sp->length, "j")  ? va_arg(*ap, uintmax_t)
                      : !strcmp(sp->length, "t")  ? (uintmax_t)va_arg(*ap, ptrdiff_t)
                                                  : va_arg(*ap, unsigned);
        if (!strcmp(sp->length, "hh"))
            v = (unsigned char)v;
        else if (!strcmp(sp->length, "h"))
            v = (unsigned short)v;
        snprintf(spec + n, sizeof(spec) - (size_t)n, "j%c", sp->conv);
        return cn_buf_printf(out, spec, v);
    }
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G':
    case 'a':
    case 'A':
        if (!strcmp(sp->length, "L")) {
            snprintf(spec + n, sizeof(spec) - (size_t)n, "L%c", sp->conv);
            return cn_buf_printf(out, spec, va_arg(*ap, long double));
        }
        snprintf(spec + n, sizeof(spec) - (size_t)n, "%c", sp->conv);
        return cn_buf_printf(out, spec, va_arg(*ap, double));
    case 'p':
        snprintf(spec + n, sizeof(spec) - (size_t)n, "p");
        return cn_buf_printf(out, spec, va_arg(*ap, void *));
    default:
        return cn_error_set(CN_EINVAL, "format: conversion '%%%c' is not supported here",
                            sp->conv ? sp->conv : '?');
    }
}
#pragma GCC diagnostic pop

int cn_term_vformat(cn_buf *out, const char *fmt, va_list ap)
{
    term_spec sp;
    va_list aq;
    const char *f = fmt, *pct;
    int err = 0;

    va_copy(aq, ap);
    while (err == 0 && *f) {
        if ((pct = strchr(f, '%')) == NULL)
            pct = f + strlen(f);
        if ((err = cn_buf_put(out, f, (size_t)(pct - f))) != 0 || *pct == '\0')
            break;
        if (pct[1] == '%') {
            err = cn_buf_put(out, "%", 1);
            f = pct + 2;
            continue;
        }
        f = parse_spec(&sp, pct + 1, &aq);
        if ((sp.conv == 's' || sp.conv == 'c') && sp.length[0] != '\0') {
            err = cn_error_set(CN_EINVAL, "format: wide characters are not supported here");
        } else if (sp.conv == 's') {
            err = put_string(out, &sp, va_arg(aq, const char *));
        } else if (sp.conv == 'c') {
            char c = (char)va_arg(aq, int);
            err = put_text(out, &sp, &c, 1);
        } else {
            err = put_number(out, &sp, &aq);
        }
    }
    va_end(aq);
    return err;
}

int cn_term_fprintf(FILE *f, const char *fmt, ...)
{
    cn_buf b = CN_BUF_INIT;
    va_list ap;
    int err;

    va_start(ap, fmt);
    err = cn_term_vformat(&b, fmt, ap);
    va_end(ap);
    if (err == 0 && b.len > 0 && fwrite(b.data, 1, b.len, f) != b.len)
        err = cn_error_set(CN_ERROR, "cannot write to the terminal");
    cn_buf_free(&b);
    return err;
}
