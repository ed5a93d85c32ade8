/*
 * key.h - ed25519 keys (OpenSSL 3): generate, store, load, sign, verify.
 *
 * Private keys are stored as PKCS#8 PEM files with mode 0600; loading refuses
 * a private key file readable by group or others. Secrets are wiped before
 * they are freed.
 */
#ifndef CN_KEY_H
#define CN_KEY_H

#include "core/buf.h"

#include <stddef.h>

#define CN_ED25519_PUB_LEN 32
#define CN_ED25519_SIG_LEN 64

typedef struct cn_key cn_key;

int cn_key_generate(cn_key **out);
/* Load a private key (unencrypted PEM PKCS#8) written by cn_key_save_private.
 * CN_ENOTFOUND if path does not exist; CN_EINVAL if it is not a regular file,
 * if group or others have any access to it (the message says to chmod 600),
 * or if it is not an ed25519 PKCS#8 key; CN_ELIMIT if it is larger than 16 KiB. */
int cn_key_load_private(cn_key **out, const char *path);
/* Write the private key atomically with mode 0600. Fails on a public-only key. */
int cn_key_save_private(const cn_key *key, const char *path);
/* A public-only key from its 32 raw bytes. */
int cn_key_from_public_raw(cn_key **out, const unsigned char pub[CN_ED25519_PUB_LEN]);
/* A public-only key from 64 hex digits (TUF keyval.public). */
int cn_key_from_public_hex(cn_key **out, const char *hex);
void cn_key_public_raw(const cn_key *key, unsigned char out[CN_ED25519_PUB_LEN]);
/* 64 lowercase hex digits + NUL. */
void cn_key_public_hex(const cn_key *key, char out[2 * CN_ED25519_PUB_LEN + 1]);
/* "ssh-ed25519 AAAA..." (no comment), heap-allocated. */
int cn_key_ssh_public(char **out, const cn_key *key);
/* Append the SSH wire public key blob (string "ssh-ed25519", string pub) to out. */
int cn_key_ssh_public_blob(cn_buf *out, const cn_key *key);
int cn_key_has_private(const cn_key *key);
int cn_key_sign(unsigned char sig[CN_ED25519_SIG_LEN], const cn_key *key, const void *msg,
                size_t len);
/* 0 if sig is key's valid signature over msg; CN_EVERIFY otherwise. */
int cn_key_verify(const cn_key *key, const unsigned char *sig, size_t siglen, const void *msg,
                  size_t len);
void cn_key_free(cn_key *key);

#endif
