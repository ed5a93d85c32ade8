/*
 * sshsig.h - OpenSSH's SSHSIG signature format (PROTOCOL.sshsig), ed25519 only.
 *
 * Signatures are what `ssh-keygen -Y sign` writes and `git verify-tag` checks
 * with gpg.format=ssh: an armored blob between
 * "-----BEGIN SSH SIGNATURE-----" and "-----END SSH SIGNATURE-----".
 * Every byte of a signature to verify is read through cn_reader.
 */
#ifndef CN_SSHSIG_H
#define CN_SSHSIG_H

#include "core/key.h"

#include <stddef.h>

#define CN_SSHSIG_MAX_ARMORED 8192

/* Sign msg under namespace (e.g. "git") with hash sha512; *out is the armored
 * signature ending in a newline, NUL-terminated, heap-allocated. */
int cn_sshsig_sign(char **out, size_t *outlen, const cn_key *key, const char *ns, const void *msg,
                   size_t msglen);

/* Parsed, not yet verified, signature. */
typedef struct {
    unsigned char public_key[CN_ED25519_PUB_LEN];
    char ns[64];
    char hash_alg[16]; /* "sha256" or "sha512" */
    unsigned char signature[CN_ED25519_SIG_LEN];
} cn_sshsig;

/* Parse an armored signature (at most CN_SSHSIG_MAX_ARMORED bytes). Any
 * malformed, truncated, oversized or non-ed25519 input fails with CN_EINVAL.
 * Accepted: base64 lines of any width (no blank lines, no spaces or CRs), an
 * END line with or without its final newline, nothing after it; hash sha256 or
 * sha512; a namespace of 1..63 bytes without NUL. The reserved field's contents
 * are ignored, as OpenSSH does. Base64 must be canonical (zero pad bits). */
int cn_sshsig_parse(cn_sshsig *out, const void *armored, size_t len);

/* Parse and verify: namespace must equal ns and the signature must be valid
 * over msg by the key embedded in it. On success signer gets that public key
 * (the caller decides whether it is trusted). CN_EVERIFY on a bad signature,
 * CN_EINVAL on a malformed one. */
int cn_sshsig_verify(unsigned char signer[CN_ED25519_PUB_LEN], const void *armored, size_t len,
                     const char *ns, const void *msg, size_t msglen);

#endif
