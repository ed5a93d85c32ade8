/*
 * hash.h - SHA-256 and SHA-512 digests (OpenSSL) and their hex forms.
 */
#ifndef CN_HASH_H
#define CN_HASH_H

#include <stddef.h>

#define CN_SHA256_LEN     32
#define CN_SHA256_HEX_LEN 64
#define CN_SHA512_LEN     64

void cn_sha256(unsigned char out[CN_SHA256_LEN], const void *data, size_t len);
void cn_sha512(unsigned char out[CN_SHA512_LEN], const void *data, size_t len);
/* Lowercase hex digest into out (65 bytes with NUL). */
void cn_sha256_hex(char out[CN_SHA256_HEX_LEN + 1], const void *data, size_t len);
/* Digest of a file read in chunks; *len gets its size. Reads at most max bytes
 * and fails with CN_ELIMIT beyond that. */
int cn_sha256_file_hex(char out[CN_SHA256_HEX_LEN + 1], size_t *len, const char *path, size_t max);

#endif
