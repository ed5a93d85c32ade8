/*
 * hash.c - SHA-2 digests through OpenSSL's EVP interface.
 */
#include "core/hash.h"
#include "core/buf.h"
#include "core/error.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

void cn_sha256(unsigned char out[CN_SHA256_LEN], const void *data, size_t len)
{
    SHA256(data, len, out);
}

void cn_sha512(unsigned char out[CN_SHA512_LEN], const void *data, size_t len)
{
    SHA512(data, len, out);
}

void cn_sha256_hex(char out[CN_SHA256_HEX_LEN + 1], const void *data, size_t len)
{
    unsigned char md[CN_SHA256_LEN];
    cn_sha256(md, data, len);
    cn_hex_encode(out, md, sizeof(md));
}

int cn_sha256_file_hex(char out[CN_SHA256_HEX_LEN + 1], size_t *len, const char *path, size_t max)
{
    unsigned char chunk[65536], md[CN_SHA256_LEN];
    EVP_MD_CTX *ctx = NULL;
    FILE *f;
    size_t n, total = 0;
    int err = CN_ERROR;

    if ((f = fopen(path, "rb")) == NULL) {
        if (errno == ENOENT)
            return cn_error_set(CN_ENOTFOUND, "%s: no such file", path);
        return cn_error_set(CN_ERROR, "%s: %s", path, strerror(errno));
    }
    if ((ctx = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        err = cn_error_set(CN_ENOMEM, "cannot start SHA-256");
        goto out;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        total += n;
        if (total > max) {
            err = cn_error_set(CN_ELIMIT, "%s exceeds the limit of %zu bytes", path, max);
            goto out;
        }
        EVP_DigestUpdate(ctx, chunk, n);
    }
    if (ferror(f)) {
        err = cn_error_set(CN_ERROR, "%s: read error", path);
        goto out;
    }
    EVP_DigestFinal_ex(ctx, md, NULL);
    cn_hex_encode(out, md, sizeof(md));
    if (len)
        *len = total;
    err = 0;
out:
    EVP_MD_CTX_free(ctx);
    fclose(f);
    return err;
}
