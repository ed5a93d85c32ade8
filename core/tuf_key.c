/*
 * tuf_key.c - the public keys TUF metadata may list, and signature checks
 * with them (spec 1.0.31 §4.2 "KEYTYPE", "SCHEME"), on OpenSSL's EVP API:
 *
 *   keytype ed25519               scheme ed25519               keyval.public: 64 hex digits
 *   keytype ecdsa (or the legacy  scheme ecdsa-sha2-nistp256   keyval.public: PEM
 *     ecdsa-sha2-nistp256/384)           ecdsa-sha2-nistp384   SubjectPublicKeyInfo
 *   keytype rsa                   scheme rsassa-pss-sha256/384/512,
 *                                        rsa-pkcs1v15-sha256/384/512 (PEM)
 *
 * Signatures are hex: raw 64 bytes for ed25519, DER (r, s) for ECDSA, the
 * modulus-sized block for RSA. A PSS signature's salt length is recovered
 * from the signature (securesystemslib signs with the digest's length, other
 * signers with the maximum). Anything else is an unsupported key: the
 * verifier simply does not count it.
 */
#include "core/tuf_internal.h"

#include "core/buf.h"
#include "core/error.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <stdlib.h>
#include <string.h>

/* Largest key material and signature accepted (an RSA-8192 signature is 1 KiB). */
#define TUF_KEY_MAX_PEM 8192u
#define TUF_SIG_MAX     1024u

typedef enum { SCHEME_ED25519, SCHEME_ECDSA, SCHEME_RSA_PSS, SCHEME_RSA_PKCS1 } scheme_kind;

struct cn_tuf_pubkey {
    EVP_PKEY *pkey;
    scheme_kind kind;
    const EVP_MD *md;   /* NULL for ed25519 */
    unsigned char *der; /* SubjectPublicKeyInfo: the key's identity */
    size_t derlen;
};

typedef struct {
    const char *scheme;
    scheme_kind kind;
    const char *group; /* ECDSA curve, else NULL */
    const char *md;
} scheme_def;

static const scheme_def schemes[] = {
    {"ed25519", SCHEME_ED25519, NULL, NULL},
    {"ecdsa-sha2-nistp256", SCHEME_ECDSA, "prime256v1", "SHA256"},
    {"ecdsa-sha2-nistp384", SCHEME_ECDSA, "secp384r1", "SHA384"},
    {"rsassa-pss-sha256", SCHEME_RSA_PSS, NULL, "SHA256"},
    {"rsassa-pss-sha384", SCHEME_RSA_PSS, NULL, "SHA384"},
    {"rsassa-pss-sha512", SCHEME_RSA_PSS, NULL, "SHA512"},
    {"rsa-pkcs1v15-sha256", SCHEME_RSA_PKCS1, NULL, "SHA256"},
    {"rsa-pkcs1v15-sha384", SCHEME_RSA_PKCS1, NULL, "SHA384"},
    {"rsa-pkcs1v15-sha512", SCHEME_RSA_PKCS1, NULL, "SHA512"},
};

/* The scheme definition for a (keytype, scheme) pair, or NULL. */
static const scheme_def *find_scheme(const char *keytype, const char *scheme)
{
    size_t i;

    for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        const scheme_def *d = &schemes[i];
        if (strcmp(scheme, d->scheme) != 0)
            continue;
        if (d->kind == SCHEME_ED25519 && strcmp(keytype, "ed25519") == 0)
            return d;
        if (d->kind == SCHEME_ECDSA &&
            (strcmp(keytype, "ecdsa") == 0 || strcmp(keytype, d->scheme) == 0))
            return d;
        if ((d->kind == SCHEME_RSA_PSS || d->kind == SCHEME_RSA_PKCS1) &&
            strcmp(keytype, "rsa") == 0)
            return d;
    }
    return NULL;
}

static int unsupported(const char *why)
{
    ERR_clear_error();
    return cn_error_set(CN_EINVAL, "TUF key: %s", why);
}

static int load_pem(EVP_PKEY **out, const char *pem)
{
    size_t len = strnlen(pem, TUF_KEY_MAX_PEM + 1);
    BIO *bio;

    *out = NULL;
    if (len > TUF_KEY_MAX_PEM)
        return unsupported("public key PEM too long");
    if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    *out = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    return *out ? 0 : unsupported("keyval.public is not a PEM public key");
}

/* Check that pkey is of the kind d names (and on its curve for ECDSA). */
static int check_kind(const EVP_PKEY *pkey, const scheme_def *d)
{
    char group[64];
    size_t glen = 0;

    switch (d->kind) {
    case SCHEME_ED25519:
        return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519 ? 0
                                                              : unsupported("not an ed25519 key");
    case SCHEME_ECDSA:
        if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC ||
            EVP_PKEY_get_group_name(pkey, group, sizeof(group), &glen) != 1 ||
            strcmp(group, d->group) != 0)
            return unsupported("ECDSA key not on the scheme's curve");
        return 0;
    case SCHEME_RSA_PSS:
    case SCHEME_RSA_PKCS1:
        if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA || EVP_PKEY_get_bits(pkey) < 2048)
            return unsupported("not an RSA key of at least 2048 bits");
        return 0;
    }
    return unsupported("unknown scheme");
}

int cn_tuf_pubkey_parse(cn_tuf_pubkey **out, const json_t *key)
{
    const char *keytype = json_string_value(json_object_get(key, "keytype"));
    const char *scheme = json_string_value(json_object_get(key, "scheme"));
    const char *pub = json_string_value(json_object_get(json_object_get(key, "keyval"), "public"));
    unsigned char raw[CN_ED25519_PUB_LEN], *p;
    const scheme_def *d;
    cn_tuf_pubkey *k = NULL;
    EVP_PKEY *pkey = NULL;
    int err, n;

    *out = NULL;
    if (keytype == NULL || scheme == NULL || pub == NULL)
        return unsupported("keytype, scheme or keyval.public missing");
    if ((d = find_scheme(keytype, scheme)) == NULL)
        return unsupported("unsupported keytype and scheme");
    if (d->kind == SCHEME_ED25519) {
        if (!cn_hex_is_lower_str(pub, 2 * CN_ED25519_PUB_LEN) ||
            cn_hex_decode(raw, sizeof(raw), pub, strlen(pub)) != 0)
            return unsupported("ed25519 keyval.public is not 64 lowercase hex digits");
        if ((pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, sizeof(raw))) ==
            NULL) {
            err = unsupported("invalid ed25519 public key");
            goto out;
        }
    } else if ((err = load_pem(&pkey, pub)) != 0) {
        goto out;
    }
    if ((err = check_kind(pkey, d)) != 0)
        goto out;
    if ((k = calloc(1, sizeof(*k))) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    k->kind = d->kind;
    k->md = d->md ? EVP_get_digestbyname(d->md) : NULL;
    if (d->md && k->md == NULL) {
        err = unsupported("digest unavailable");
        goto out;
    }
    if ((n = i2d_PUBKEY(pkey, NULL)) <= 0 || (k->der = malloc((size_t)n)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "cannot encode a public key");
        goto out;
    }
    p = k->der;
    k->derlen = (size_t)i2d_PUBKEY(pkey, &p);
    k->pkey = pkey;
    pkey = NULL;
    *out = k;
    k = NULL;
    err = 0;
out:
    EVP_PKEY_free(pkey);
    cn_tuf_pubkey_free(k);
    return err;
}

void cn_tuf_pubkey_free(cn_tuf_pubkey *k)
{
    if (k == NULL)
        return;
    EVP_PKEY_free(k->pkey);
    free(k->der);
    free(k);
}

const unsigned char *cn_tuf_pubkey_identity(const cn_tuf_pubkey *k, size_t *len)
{
    *len = k->derlen;
    return k->der;
}

int cn_tuf_pubkey_verify(const cn_tuf_pubkey *k, const char *sighex, const void *msg, size_t len)
{
    size_t hexlen = strnlen(sighex, 2 * TUF_SIG_MAX + 1);
    unsigned char *sig = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    EVP_MD_CTX *ctx = NULL;
    int ok = 0;

    if (hexlen == 0 || hexlen % 2 != 0 || hexlen > 2 * TUF_SIG_MAX)
        return 0;
    if ((sig = malloc(hexlen / 2)) == NULL || cn_hex_decode(sig, hexlen / 2, sighex, hexlen) != 0)
        goto out;
    if ((ctx = EVP_MD_CTX_new()) == NULL ||
        EVP_DigestVerifyInit(ctx, &pctx, k->md, NULL, k->pkey) != 1)
        goto out;
    if (k->kind == SCHEME_RSA_PSS &&
        (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1 ||
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, k->md) != 1))
        goto out;
    if (k->kind == SCHEME_RSA_PKCS1 && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
        goto out;
    ok = EVP_DigestVerify(ctx, sig, hexlen / 2, msg, len) == 1;
out:
    ERR_clear_error();
    EVP_MD_CTX_free(ctx);
    free(sig);
    return ok;
}
