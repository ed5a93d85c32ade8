/*
 * buf.c - bounded reader over untrusted bytes and a growable writer.
 */
#include "core/buf.h"
#include "core/error.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cn_reader_init(cn_reader *r, const void *data, size_t len)
{
    r->data = data;
    r->len = data ? len : 0;
    r->pos = 0;
}

size_t cn_reader_remaining(const cn_reader *r)
{
    return r->len - r->pos;
}

const unsigned char *cn_reader_peek(const cn_reader *r)
{
    return r->data + r->pos;
}

static int short_read(size_t want, size_t have)
{
    return cn_error_set(CN_EINVAL, "truncated data: needed %zu more bytes, %zu left", want, have);
}

int cn_reader_get_u8(cn_reader *r, uint8_t *out)
{
    if (cn_reader_remaining(r) < 1)
        return short_read(1, 0);
    *out = r->data[r->pos++];
    return 0;
}

int cn_reader_get_u32(cn_reader *r, uint32_t *out)
{
    const unsigned char *p;

    if (cn_reader_remaining(r) < 4)
        return short_read(4, cn_reader_remaining(r));
    p = r->data + r->pos;
    *out = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
    r->pos += 4;
    return 0;
}

int cn_reader_get_bytes(cn_reader *r, const unsigned char **out, size_t n)
{
    if (cn_reader_remaining(r) < n)
        return short_read(n, cn_reader_remaining(r));
    *out = r->data + r->pos;
    r->pos += n;
    return 0;
}

int cn_reader_get_string(cn_reader *r, const unsigned char **out, size_t *outlen, size_t max)
{
    size_t start = r->pos;
    uint32_t n = 0;
    int err;

    if ((err = cn_reader_get_u32(r, &n)) != 0)
        return err;
    if (n > max) {
        r->pos = start;
        return cn_error_set(CN_EINVAL, "string of %u bytes exceeds the limit of %zu", n, max);
    }
    if ((err = cn_reader_get_bytes(r, out, n)) != 0) {
        r->pos = start;
        return err;
    }
    *outlen = n;
    return 0;
}

int cn_reader_expect(cn_reader *r, const void *lit, size_t n)
{
    if (cn_reader_remaining(r) < n || memcmp(r->data + r->pos, lit, n) != 0)
        return cn_error_set(CN_EINVAL, "unexpected bytes at offset %zu", r->pos);
    r->pos += n;
    return 0;
}

int cn_reader_get_line(cn_reader *r, const char **out, size_t *outlen, size_t max)
{
    size_t avail = cn_reader_remaining(r);
    size_t scan = avail < max + 1 ? avail : max + 1;
    const unsigned char *nl = memchr(r->data + r->pos, '\n', scan);

    if (nl == NULL) {
        if (avail > max)
            return cn_error_set(CN_EINVAL, "line at offset %zu is longer than %zu bytes", r->pos,
                                max);
        return cn_error_set(CN_EINVAL, "unterminated line at offset %zu", r->pos);
    }
    *out = (const char *)(r->data + r->pos);
    *outlen = (size_t)(nl - (r->data + r->pos));
    r->pos += *outlen + 1;
    return 0;
}

int cn_buf_grow(cn_buf *b, size_t extra)
{
    size_t need, cap;
    unsigned char *p;

    if (extra > SIZE_MAX - b->len - 1)
        return cn_error_set(CN_ENOMEM, "buffer size overflow");
    need = b->len + extra + 1;
    if (b->max != 0 && need - 1 > b->max)
        return cn_error_set(CN_ELIMIT, "data exceeds the limit of %zu bytes", b->max);
    if (need <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if ((p = realloc(b->data, cap)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    b->data = p;
    b->cap = cap;
    return 0;
}

int cn_buf_put(cn_buf *b, const void *data, size_t n)
{
    int err;

    if ((err = cn_buf_grow(b, n)) != 0)
        return err;
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int cn_buf_puts(cn_buf *b, const char *s)
{
    return cn_buf_put(b, s, strlen(s));
}

int cn_buf_put_u32(cn_buf *b, uint32_t v)
{
    unsigned char p[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    return cn_buf_put(b, p, 4);
}

int cn_buf_put_string(cn_buf *b, const void *data, size_t n)
{
    int err;

    if (n > UINT32_MAX)
        return cn_error_set(CN_ELIMIT, "string too long for the SSH wire format");
    if ((err = cn_buf_put_u32(b, (uint32_t)n)) != 0)
        return err;
    return cn_buf_put(b, data, n);
}

int cn_buf_printf(cn_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n, err;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return cn_error_set(CN_ERROR, "format error");
    if ((err = cn_buf_grow(b, (size_t)n)) != 0)
        return err;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

char *cn_buf_detach(cn_buf *b, size_t *len)
{
    char *p;

    if (b->data == NULL && cn_buf_grow(b, 0) != 0)
        return NULL;
    p = (char *)b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void cn_buf_reset(cn_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void cn_buf_free_secret(cn_buf *b)
{
    if (b->data)
        OPENSSL_cleanse(b->data, b->cap);
    cn_buf_free(b);
}

void cn_buf_free(cn_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void cn_hex_encode(char *out, const unsigned char *in, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int cn_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int cn_hex_is_lower(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

int cn_hex_is_lower_str(const char *s, size_t n)
{
    return s != NULL && strnlen(s, n + 1) == n && cn_hex_is_lower(s, n);
}

int cn_hex_decode(unsigned char *out, size_t n, const char *hex, size_t hexlen)
{
    size_t i;

    if (hexlen != 2 * n)
        return cn_error_set(CN_EINVAL, "expected %zu hex digits, got %zu", 2 * n, hexlen);
    for (i = 0; i < n; i++) {
        int hi = cn_hex_digit(hex[2 * i]), lo = cn_hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return cn_error_set(CN_EINVAL, "invalid hex digit");
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}
