/*
 * buf.h - the one way citynode reads untrusted bytes, and a growable writer.
 *
 * cn_reader walks a byte range with a cursor. Every get checks the remaining
 * length first and fails with CN_EINVAL (message names what was short) instead
 * of reading past the end; a failed get leaves the cursor where it was. No
 * other code does pointer arithmetic on bytes that came from outside.
 *
 * cn_buf is an owned, growable byte buffer that is always NUL-terminated
 * (the NUL is not counted in len), with an optional hard cap on its size.
 */
#ifndef CN_BUF_H
#define CN_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const unsigned char *data;
    size_t len;
    size_t pos;
} cn_reader;

void cn_reader_init(cn_reader *r, const void *data, size_t len);
size_t cn_reader_remaining(const cn_reader *r);
/* Pointer to the unread bytes (valid for cn_reader_remaining() bytes). */
const unsigned char *cn_reader_peek(const cn_reader *r);

int cn_reader_get_u8(cn_reader *r, uint8_t *out);
/* Big-endian 32-bit integer (SSH wire format). */
int cn_reader_get_u32(cn_reader *r, uint32_t *out);
/* n raw bytes; *out points into the reader's data. */
int cn_reader_get_bytes(cn_reader *r, const unsigned char **out, size_t n);
/* SSH "string": u32 length then that many bytes; fails if length > max. */
int cn_reader_get_string(cn_reader *r, const unsigned char **out, size_t *outlen, size_t max);
/* Consume exactly the literal bytes lit[0..n), or fail without moving. */
int cn_reader_expect(cn_reader *r, const void *lit, size_t n);
/* Read a line up to '\n' (excluded from the result, but consumed).
 * Fails if no '\n' occurs within max bytes. */
int cn_reader_get_line(cn_reader *r, const char **out, size_t *outlen, size_t max);

typedef struct {
    unsigned char *data;
    size_t len;
    size_t cap;
    size_t max; /* 0: unbounded; otherwise appends past max fail with CN_ELIMIT */
} cn_buf;

#define CN_BUF_INIT                                                                                \
    {                                                                                              \
        NULL, 0, 0, 0                                                                              \
    }

int cn_buf_grow(cn_buf *b, size_t extra);
int cn_buf_put(cn_buf *b, const void *data, size_t n);
int cn_buf_puts(cn_buf *b, const char *s);
int cn_buf_put_u32(cn_buf *b, uint32_t v);
/* SSH "string": u32 length then the bytes. */
int cn_buf_put_string(cn_buf *b, const void *data, size_t n);
int cn_buf_printf(cn_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the bytes to the caller (who frees them with free()); b is reset. */
char *cn_buf_detach(cn_buf *b, size_t *len);
void cn_buf_reset(cn_buf *b);
/* Free, wiping the contents first (for buffers that held secrets). */
void cn_buf_free_secret(cn_buf *b);
void cn_buf_free(cn_buf *b);

/* Lowercase hex of n bytes into out (2n+1 bytes with NUL). */
void cn_hex_encode(char *out, const unsigned char *in, size_t n);
/* Value of one hex digit (either case), or -1. */
int cn_hex_digit(char c);
/* Decode exactly 2n hex digits; fails with CN_EINVAL on any other input. */
int cn_hex_decode(unsigned char *out, size_t n, const char *hex, size_t hexlen);
/*
 * 1 if the n bytes at s are all lowercase hex digits (the form of every node
 * id, sha256 and git object id on the wire), else 0. Reads exactly n bytes.
 */
int cn_hex_is_lower(const char *s, size_t n);
/* 1 if s is a NUL-terminated string of exactly n lowercase hex digits; NULL is 0. */
int cn_hex_is_lower_str(const char *s, size_t n);

#endif
