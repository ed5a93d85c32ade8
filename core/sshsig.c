/*
 * sshsig.c - OpenSSH's SSHSIG signatures (PROTOCOL.sshsig), ed25519 only.
 *
 * The signature blob is
 *
 *     "SSHSIG" uint32(1) string(publickey) string(namespace) string(reserved)
 *     string(hash_algorithm) string(signature)
 *
 * and the ed25519 signature inside it covers
 *
 *     "SSHSIG" string(namespace) string("") string(hash_algorithm) string(H(message))
 *
 * wrapped in "-----BEGIN SSH SIGNATURE-----" armor with base64 lines of 70
 * characters. As OpenSSH does, a verifier ignores the contents of the reserved
 * field and signs over an empty one.
 *
 * Parsing reads every byte through cn_reader: the armor line by line, the
 * base64 with a strict decoder (no stray characters, canonical padding, zero
 * pad bits), and the blob field by field with a bound on each string. Input
 * left over anywhere is an error.
 */
#include "core/sshsig.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/hash.h"

#include <openssl/evp.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SSHSIG_MAGIC      "SSHSIG"
#define SSHSIG_MAGIC_LEN  (sizeof(SSHSIG_MAGIC) - 1)
#define SSHSIG_VERSION    1
#define SSHSIG_BEGIN      "-----BEGIN SSH SIGNATURE-----"
#define SSHSIG_END        "-----END SSH SIGNATURE-----"
#define SSHSIG_LINE_WIDTH 70
#define KEYTYPE_ED25519   "ssh-ed25519"
#define KEYTYPE_LEN       (sizeof(KEYTYPE_ED25519) - 1)
/* Bounds on the blob's strings; real ed25519 signatures are far smaller. */
#define KEYBLOB_MAX  1024
#define RESERVED_MAX 1024
#define SIGBLOB_MAX  1024

/* Namespace rules shared by signer and parser: non-empty, fits cn_sshsig.ns. */
static int check_namespace(const unsigned char *ns, size_t len)
{
    if (len == 0)
        return cn_error_set(CN_EINVAL, "SSHSIG namespace is empty");
    if (len >= sizeof(((cn_sshsig *)0)->ns))
        return cn_error_set(CN_EINVAL, "SSHSIG namespace is longer than %zu bytes",
                            sizeof(((cn_sshsig *)0)->ns) - 1);
    if (memchr(ns, '\0', len) != NULL)
        return cn_error_set(CN_EINVAL, "SSHSIG namespace contains a NUL byte");
    return 0;
}

/* The hash of msg named by alg ("sha256" or "sha512"); *hlen gets its size. */
static int hash_message(unsigned char h[CN_SHA512_LEN], size_t *hlen, const char *alg,
                        const void *msg, size_t msglen)
{
    if (strcmp(alg, "sha512") == 0) {
        cn_sha512(h, msg, msglen);
        *hlen = CN_SHA512_LEN;
    } else if (strcmp(alg, "sha256") == 0) {
        cn_sha256(h, msg, msglen);
        *hlen = CN_SHA256_LEN;
    } else {
        return cn_error_set(CN_EINVAL, "unsupported SSHSIG hash algorithm \"%s\"", alg);
    }
    return 0;
}

/* The bytes the ed25519 signature covers (PROTOCOL.sshsig, "Signed Data"). */
static int put_signed_data(cn_buf *out, const char *ns, const char *alg, const void *msg,
                           size_t msglen)
{
    unsigned char h[CN_SHA512_LEN];
    size_t hlen = 0;
    int err;

    if ((err = hash_message(h, &hlen, alg, msg, msglen)) != 0)
        return err;
    if ((err = cn_buf_put(out, SSHSIG_MAGIC, SSHSIG_MAGIC_LEN)) != 0 ||
        (err = cn_buf_put_string(out, ns, strlen(ns))) != 0 ||
        (err = cn_buf_put_string(out, "", 0)) != 0 ||
        (err = cn_buf_put_string(out, alg, strlen(alg))) != 0 ||
        (err = cn_buf_put_string(out, h, hlen)) != 0)
        return err;
    return 0;
}

/* Armor blob: BEGIN line, base64 in lines of 70 characters, END line. */
static int put_armored(cn_buf *out, const unsigned char *blob, size_t bloblen)
{
    unsigned char *b64 = NULL;
    size_t b64len = 4 * ((bloblen + 2) / 3);
    int err;

    if ((b64 = malloc(b64len + 1)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    EVP_EncodeBlock(b64, blob, (int)bloblen);
    if ((err = cn_buf_puts(out, SSHSIG_BEGIN "\n")) != 0)
        goto out;
    for (size_t off = 0; off < b64len; off += SSHSIG_LINE_WIDTH) {
        size_t n = b64len - off < SSHSIG_LINE_WIDTH ? b64len - off : SSHSIG_LINE_WIDTH;
        if ((err = cn_buf_put(out, b64 + off, n)) != 0 || (err = cn_buf_puts(out, "\n")) != 0)
            goto out;
    }
    if ((err = cn_buf_puts(out, SSHSIG_END "\n")) != 0)
        goto out;
    err = 0;
out:
    free(b64);
    return err;
}

int cn_sshsig_sign(char **out, size_t *outlen, const cn_key *key, const char *ns, const void *msg,
                   size_t msglen)
{
    cn_buf tosign = CN_BUF_INIT, keyblob = CN_BUF_INIT, sigblob = CN_BUF_INIT;
    cn_buf blob = CN_BUF_INIT, armored = CN_BUF_INIT;
    unsigned char sig[CN_ED25519_SIG_LEN];
    int err;

    *out = NULL;
    if (outlen)
        *outlen = 0;
    if ((err = check_namespace((const unsigned char *)ns, strlen(ns))) != 0)
        goto out;
    if ((err = put_signed_data(&tosign, ns, "sha512", msg, msglen)) != 0 ||
        (err = cn_key_sign(sig, key, tosign.data, tosign.len)) != 0)
        goto out;
    if ((err = cn_key_ssh_public_blob(&keyblob, key)) != 0 ||
        (err = cn_buf_put_string(&sigblob, KEYTYPE_ED25519, KEYTYPE_LEN)) != 0 ||
        (err = cn_buf_put_string(&sigblob, sig, sizeof(sig))) != 0)
        goto out;
    if ((err = cn_buf_put(&blob, SSHSIG_MAGIC, SSHSIG_MAGIC_LEN)) != 0 ||
        (err = cn_buf_put_u32(&blob, SSHSIG_VERSION)) != 0 ||
        (err = cn_buf_put_string(&blob, keyblob.data, keyblob.len)) != 0 ||
        (err = cn_buf_put_string(&blob, ns, strlen(ns))) != 0 ||
        (err = cn_buf_put_string(&blob, "", 0)) != 0 ||
        (err = cn_buf_put_string(&blob, "sha512", 6)) != 0 ||
        (err = cn_buf_put_string(&blob, sigblob.data, sigblob.len)) != 0)
        goto out;
    if ((err = put_armored(&armored, blob.data, blob.len)) != 0)
        goto out;
    *out = cn_buf_detach(&armored, outlen);
    err = 0;
out:
    cn_buf_free(&tosign);
    cn_buf_free(&keyblob);
    cn_buf_free(&sigblob);
    cn_buf_free(&blob);
    cn_buf_free(&armored);
    return err;
}

/* The 6-bit value of a base64 character, or -1. */
static int b64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/*
 * Strictly decode the base64 text in r onto out: groups of four characters,
 * '=' only as the last one or two characters of the last group, and the pad
 * bits of a short group zero (so every blob has exactly one encoding).
 */
static int b64_decode(cn_buf *out, cn_reader *r)
{
    int err;

    if (cn_reader_remaining(r) % 4 != 0)
        return cn_error_set(CN_EINVAL, "SSHSIG base64 length is not a multiple of 4");
    while (cn_reader_remaining(r) > 0) {
        int last = cn_reader_remaining(r) == 4;
        uint8_t c[4];
        int v[4];
        unsigned char bytes[3];
        size_t nbytes = 3;
        uint32_t group;

        for (int i = 0; i < 4; i++) {
            if ((err = cn_reader_get_u8(r, &c[i])) != 0)
                return err;
            v[i] = b64_value(c[i]);
        }
        if (last && c[3] == '=')
            nbytes = c[2] == '=' ? 1 : 2;
        for (size_t i = 0; i < nbytes + 1; i++)
            if (v[i] < 0)
                return cn_error_set(CN_EINVAL, "invalid base64 character in SSHSIG");
        group = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12;
        if (nbytes >= 2)
            group |= (uint32_t)v[2] << 6;
        if (nbytes == 3)
            group |= (uint32_t)v[3];
        if ((nbytes == 1 && (group & 0xffff) != 0) || (nbytes == 2 && (group & 0xff) != 0))
            return cn_error_set(CN_EINVAL, "non-canonical base64 padding in SSHSIG");
        bytes[0] = (unsigned char)(group >> 16);
        bytes[1] = (unsigned char)(group >> 8);
        bytes[2] = (unsigned char)group;
        if ((err = cn_buf_put(out, bytes, nbytes)) != 0)
            return err;
    }
    return 0;
}

/* Strip the armor from armored and decode the base64 inside onto blob. */
static int dearmor(cn_buf *blob, const void *armored, size_t len)
{
    cn_buf b64 = CN_BUF_INIT;
    cn_reader r, text;
    const char *line;
    size_t linelen;
    int err;

    b64.max = CN_SSHSIG_MAX_ARMORED;
    cn_reader_init(&r, armored, len);
    if ((err = cn_reader_get_line(&r, &line, &linelen, sizeof(SSHSIG_BEGIN) - 1)) != 0 ||
        linelen != sizeof(SSHSIG_BEGIN) - 1 || memcmp(line, SSHSIG_BEGIN, linelen) != 0) {
        err = cn_error_set(CN_EINVAL, "SSHSIG does not start with \"%s\"", SSHSIG_BEGIN);
        goto out;
    }
    for (;;) {
        /* The END line may lack its final newline. */
        if (cn_reader_remaining(&r) == sizeof(SSHSIG_END) - 1 &&
            cn_reader_expect(&r, SSHSIG_END, sizeof(SSHSIG_END) - 1) == 0)
            break;
        if ((err = cn_reader_get_line(&r, &line, &linelen, CN_SSHSIG_MAX_ARMORED)) != 0) {
            err = cn_error_wrap(CN_EINVAL, "SSHSIG armor has no \"%s\" line", SSHSIG_END);
            goto out;
        }
        if (linelen == sizeof(SSHSIG_END) - 1 && memcmp(line, SSHSIG_END, linelen) == 0)
            break;
        if (linelen == 0) {
            err = cn_error_set(CN_EINVAL, "empty line inside SSHSIG armor");
            goto out;
        }
        if ((err = cn_buf_put(&b64, line, linelen)) != 0)
            goto out;
    }
    if (cn_reader_remaining(&r) != 0) {
        err = cn_error_set(CN_EINVAL, "%zu bytes of trailing data after SSHSIG armor",
                           cn_reader_remaining(&r));
        goto out;
    }
    cn_reader_init(&text, b64.data, b64.len);
    if ((err = b64_decode(blob, &text)) != 0)
        goto out;
    err = 0;
out:
    cn_buf_free(&b64);
    return err;
}

/* string(keytype) string(value) with keytype "ssh-ed25519" and value exactly n bytes,
 * and nothing after it: the layout of both the public key and the signature blob. */
static int get_ed25519_field(unsigned char *out, size_t n, const unsigned char *blob, size_t len,
                             const char *what)
{
    const unsigned char *type, *value;
    size_t typelen, valuelen;
    cn_reader r;

    cn_reader_init(&r, blob, len);
    if (cn_reader_get_string(&r, &type, &typelen, 64) != 0)
        return cn_error_wrap(CN_EINVAL, "SSHSIG %s", what);
    if (typelen != KEYTYPE_LEN || memcmp(type, KEYTYPE_ED25519, KEYTYPE_LEN) != 0)
        return cn_error_set(CN_EINVAL, "SSHSIG %s is not ssh-ed25519", what);
    if (cn_reader_get_string(&r, &value, &valuelen, n) != 0)
        return cn_error_wrap(CN_EINVAL, "SSHSIG %s", what);
    if (valuelen != n)
        return cn_error_set(CN_EINVAL, "SSHSIG %s is %zu bytes, expected %zu", what, valuelen, n);
    if (cn_reader_remaining(&r) != 0)
        return cn_error_set(CN_EINVAL, "trailing bytes in SSHSIG %s", what);
    memcpy(out, value, n);
    return 0;
}

/* Parse the decoded blob (see the top of this file) into out. */
static int parse_blob(cn_sshsig *out, const unsigned char *data, size_t len)
{
    const unsigned char *keyblob, *ns, *reserved, *alg, *sigblob;
    size_t keylen, nslen, reservedlen, alglen, siglen;
    uint32_t version;
    cn_reader r;
    int err;

    cn_reader_init(&r, data, len);
    if (cn_reader_expect(&r, SSHSIG_MAGIC, SSHSIG_MAGIC_LEN) != 0)
        return cn_error_set(CN_EINVAL, "SSHSIG blob does not start with \"SSHSIG\"");
    if ((err = cn_reader_get_u32(&r, &version)) != 0)
        return cn_error_wrap(CN_EINVAL, "SSHSIG version");
    if (version != SSHSIG_VERSION)
        return cn_error_set(CN_EINVAL, "unsupported SSHSIG version %u", version);
    if ((err = cn_reader_get_string(&r, &keyblob, &keylen, KEYBLOB_MAX)) != 0)
        return cn_error_wrap(CN_EINVAL, "SSHSIG public key");
    if ((err = cn_reader_get_string(&r, &ns, &nslen, sizeof(out->ns) - 1)) != 0)
        return cn_error_wrap(CN_EINVAL, "SSHSIG namespace");
    if ((err = cn_reader_get_string(&r, &reserved, &reservedlen, RESERVED_MAX)) != 0)
        return cn_error_wrap(CN_EINVAL, "SSHSIG reserved field");
    if ((err = cn_reader_get_string(&r, &alg, &alglen, sizeof(out->hash_alg) - 1)) != 0)
        return cn_error_wrap(CN_EINVAL, "SSHSIG hash algorithm");
    if ((err = cn_reader_get_string(&r, &sigblob, &siglen, SIGBLOB_MAX)) != 0)
        return cn_error_wrap(CN_EINVAL, "SSHSIG signature");
    if (cn_reader_remaining(&r) != 0)
        return cn_error_set(CN_EINVAL, "%zu bytes of trailing data in SSHSIG blob",
                            cn_reader_remaining(&r));

    if ((err = check_namespace(ns, nslen)) != 0)
        return err;
    if (!((alglen == 6 && memcmp(alg, "sha512", 6) == 0) ||
          (alglen == 6 && memcmp(alg, "sha256", 6) == 0)))
        return cn_error_set(CN_EINVAL, "unsupported SSHSIG hash algorithm");
    if ((err = get_ed25519_field(out->public_key, CN_ED25519_PUB_LEN, keyblob, keylen,
                                 "public key")) != 0 ||
        (err = get_ed25519_field(out->signature, CN_ED25519_SIG_LEN, sigblob, siglen,
                                 "signature")) != 0)
        return err;
    memcpy(out->ns, ns, nslen);
    out->ns[nslen] = '\0';
    memcpy(out->hash_alg, alg, alglen);
    out->hash_alg[alglen] = '\0';
    return 0;
}

int cn_sshsig_parse(cn_sshsig *out, const void *armored, size_t len)
{
    cn_buf blob = CN_BUF_INIT;
    cn_sshsig sig;
    int err;

    memset(out, 0, sizeof(*out));
    memset(&sig, 0, sizeof(sig));
    if (len > CN_SSHSIG_MAX_ARMORED) {
        err = cn_error_set(CN_EINVAL, "SSHSIG of %zu bytes exceeds the limit of %d", len,
                           CN_SSHSIG_MAX_ARMORED);
        goto out;
    }
    if ((err = dearmor(&blob, armored, len)) != 0 ||
        (err = parse_blob(&sig, blob.data, blob.len)) != 0) {
        /* Whatever went wrong inside, the input is what was at fault. */
        err = cn_error_wrap(CN_EINVAL, "malformed SSH signature");
        goto out;
    }
    *out = sig;
    err = 0;
out:
    cn_buf_free(&blob);
    return err;
}

int cn_sshsig_verify(unsigned char signer[CN_ED25519_PUB_LEN], const void *armored, size_t len,
                     const char *ns, const void *msg, size_t msglen)
{
    cn_buf signed_data = CN_BUF_INIT;
    cn_key *key = NULL;
    cn_sshsig sig;
    int err;

    if ((err = cn_sshsig_parse(&sig, armored, len)) != 0)
        goto out;
    if (strcmp(sig.ns, ns) != 0) {
        err =
            cn_error_set(CN_EVERIFY, "SSHSIG is for namespace \"%s\", expected \"%s\"", sig.ns, ns);
        goto out;
    }
    if ((err = put_signed_data(&signed_data, sig.ns, sig.hash_alg, msg, msglen)) != 0 ||
        (err = cn_key_from_public_raw(&key, sig.public_key)) != 0)
        goto out;
    if ((err = cn_key_verify(key, sig.signature, sizeof(sig.signature), signed_data.data,
                             signed_data.len)) != 0) {
        err = cn_error_set(CN_EVERIFY, "SSHSIG signature does not verify");
        goto out;
    }
    if (signer != NULL)
        memcpy(signer, sig.public_key, CN_ED25519_PUB_LEN);
    err = 0;
out:
    cn_buf_free(&signed_data);
    cn_key_free(key);
    return err;
}
