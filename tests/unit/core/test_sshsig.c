/*
 * test_sshsig.c - SSHSIG signing, parsing and verification.
 *
 * Malformed inputs are built field by field (struct blob_parts) so that each
 * case differs from a valid signature in exactly one way; the untouched parts
 * are checked to verify, so a case cannot pass by being broken elsewhere.
 * The OpenSSH vectors in tests/data/sshsig/ were written by ssh-keygen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/file.h"
#include "core/key.h"
#include "core/sshsig.h"

#include <openssl/evp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS "git"

static const char MSG[] = "tag v1.0.0 of the bike-lane dataset\n";

/* ---- helpers ------------------------------------------------------------ */

static unsigned char *read_data(size_t *len, const char *name)
{
    char path[512];
    unsigned char *data = NULL;

    snprintf(path, sizeof(path), "%s/sshsig/%s", CN_TEST_DATA, name);
    assert_int_equal(cn_file_read(&data, len, path, 1 << 20), 0);
    return data;
}

/* Armor bytes exactly as OpenSSH does, with base64 lines of width characters. */
static char *armor(const unsigned char *blob, size_t len, size_t width)
{
    size_t b64len = 4 * ((len + 2) / 3);
    unsigned char *b64 = malloc(b64len + 1);
    cn_buf out = CN_BUF_INIT;

    assert_non_null(b64);
    EVP_EncodeBlock(b64, blob, (int)len);
    assert_int_equal(cn_buf_puts(&out, "-----BEGIN SSH SIGNATURE-----\n"), 0);
    for (size_t off = 0; off < b64len; off += width) {
        size_t n = b64len - off < width ? b64len - off : width;
        assert_int_equal(cn_buf_put(&out, b64 + off, n), 0);
        assert_int_equal(cn_buf_puts(&out, "\n"), 0);
    }
    assert_int_equal(cn_buf_puts(&out, "-----END SSH SIGNATURE-----\n"), 0);
    free(b64);
    return cn_buf_detach(&out, NULL);
}

/* Decode an armored signature with OpenSSL (independently of sshsig.c). */
static unsigned char *dearmor(size_t *len, const char *armored)
{
    const char *begin = strchr(armored, '\n') + 1;
    const char *end = strstr(armored, "-----END");
    char *b64 = calloc(1, (size_t)(end - begin) + 1);
    unsigned char *blob;
    size_t n = 0;
    int outlen;

    assert_non_null(b64);
    for (const char *p = begin; p < end; p++)
        if (*p != '\n')
            b64[n++] = *p;
    blob = malloc(n);
    assert_non_null(blob);
    outlen = EVP_DecodeBlock(blob, (unsigned char *)b64, (int)n);
    assert_true(outlen >= 0);
    /* EVP_DecodeBlock counts the padding as zero bytes. */
    while (n > 0 && b64[n - 1] == '=') {
        outlen--;
        n--;
    }
    *len = (size_t)outlen;
    free(b64);
    return blob;
}

/* The fields of an SSHSIG blob; valid_parts() fills them from a real signature. */
struct blob_parts {
    const char *magic;
    uint32_t version;
    const char *keytype;
    unsigned char pub[CN_ED25519_PUB_LEN];
    size_t publen;
    const char *keytrailer;
    const char *ns;
    const char *reserved;
    const char *hash_alg;
    const char *sigtype;
    unsigned char sig[CN_ED25519_SIG_LEN];
    size_t siglen;
    const char *trailer;
};

static void valid_parts(struct blob_parts *p, const char *armored)
{
    cn_sshsig sig;

    assert_int_equal(cn_sshsig_parse(&sig, armored, strlen(armored)), 0);
    memset(p, 0, sizeof(*p));
    p->magic = "SSHSIG";
    p->version = 1;
    p->keytype = "ssh-ed25519";
    memcpy(p->pub, sig.public_key, sizeof(p->pub));
    p->publen = sizeof(p->pub);
    p->keytrailer = "";
    assert_string_equal(sig.ns, NS);
    p->ns = NS;
    p->reserved = "";
    p->hash_alg = "sha512";
    p->sigtype = "ssh-ed25519";
    memcpy(p->sig, sig.signature, sizeof(p->sig));
    p->siglen = sizeof(p->sig);
    p->trailer = "";
}

static void build_blob(cn_buf *b, const struct blob_parts *p)
{
    cn_buf key = CN_BUF_INIT, sig = CN_BUF_INIT;

    assert_int_equal(cn_buf_put_string(&key, p->keytype, strlen(p->keytype)), 0);
    assert_int_equal(cn_buf_put_string(&key, p->pub, p->publen), 0);
    assert_int_equal(cn_buf_puts(&key, p->keytrailer), 0);
    assert_int_equal(cn_buf_put_string(&sig, p->sigtype, strlen(p->sigtype)), 0);
    assert_int_equal(cn_buf_put_string(&sig, p->sig, p->siglen), 0);
    assert_int_equal(cn_buf_puts(b, p->magic), 0);
    assert_int_equal(cn_buf_put_u32(b, p->version), 0);
    assert_int_equal(cn_buf_put_string(b, key.data, key.len), 0);
    assert_int_equal(cn_buf_put_string(b, p->ns, strlen(p->ns)), 0);
    assert_int_equal(cn_buf_put_string(b, p->reserved, strlen(p->reserved)), 0);
    assert_int_equal(cn_buf_put_string(b, p->hash_alg, strlen(p->hash_alg)), 0);
    assert_int_equal(cn_buf_put_string(b, sig.data, sig.len), 0);
    assert_int_equal(cn_buf_puts(b, p->trailer), 0);
    cn_buf_free(&key);
    cn_buf_free(&sig);
}

/* Verify MSG under NS against the armored form of parts. */
static int verify_parts(const struct blob_parts *p)
{
    cn_buf blob = CN_BUF_INIT;
    char *armored;
    int rc;

    build_blob(&blob, p);
    armored = armor(blob.data, blob.len, 70);
    rc = cn_sshsig_verify(NULL, armored, strlen(armored), NS, MSG, sizeof(MSG) - 1);
    free(armored);
    cn_buf_free(&blob);
    return rc;
}

struct fixture {
    cn_key *key;
    char *sig;
    size_t siglen;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL || cn_key_generate(&f->key) != 0 ||
        cn_sshsig_sign(&f->sig, &f->siglen, f->key, NS, MSG, sizeof(MSG) - 1) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    cn_key_free(f->key);
    free(f->sig);
    free(f);
    return 0;
}

/* ---- signing and round trips -------------------------------------------- */

static void test_sign_format(void **state)
{
    struct fixture *f = *state;
    const char *p = f->sig;
    size_t lines = 0;

    assert_int_equal(f->siglen, strlen(f->sig));
    assert_int_equal(strncmp(p, "-----BEGIN SSH SIGNATURE-----\n", 30), 0);
    p += 30;
    while (strncmp(p, "-----END", 8) != 0) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        assert_true(nl - p <= 70);
        /* only the last base64 line may be short */
        if (strncmp(nl + 1, "-----END", 8) != 0)
            assert_int_equal(nl - p, 70);
        p = nl + 1;
        lines++;
    }
    assert_true(lines >= 3);
    assert_string_equal(p, "-----END SSH SIGNATURE-----\n");
}

static void test_sign_verify_roundtrip(void **state)
{
    struct fixture *f = *state;
    unsigned char signer[CN_ED25519_PUB_LEN], pub[CN_ED25519_PUB_LEN];
    cn_sshsig sig;

    memset(signer, 0, sizeof(signer));
    assert_int_equal(cn_sshsig_verify(signer, f->sig, f->siglen, NS, MSG, sizeof(MSG) - 1), 0);
    cn_key_public_raw(f->key, pub);
    assert_memory_equal(signer, pub, sizeof(pub));

    assert_int_equal(cn_sshsig_parse(&sig, f->sig, f->siglen), 0);
    assert_string_equal(sig.ns, NS);
    assert_string_equal(sig.hash_alg, "sha512");
    assert_memory_equal(sig.public_key, pub, sizeof(pub));
}

static void test_sign_is_deterministic_and_empty_message(void **state)
{
    struct fixture *f = *state;
    char *again = NULL, *empty = NULL;
    size_t len = 0;

    assert_int_equal(cn_sshsig_sign(&again, &len, f->key, NS, MSG, sizeof(MSG) - 1), 0);
    assert_string_equal(again, f->sig);
    assert_int_equal(cn_sshsig_sign(&empty, &len, f->key, NS, "", 0), 0);
    assert_int_equal(cn_sshsig_verify(NULL, empty, len, NS, "", 0), 0);
    assert_int_equal(cn_sshsig_verify(NULL, empty, len, NS, "x", 1), CN_EVERIFY);
    free(again);
    free(empty);
}

static void test_sign_refuses_bad_input(void **state)
{
    struct fixture *f = *state;
    unsigned char pub[CN_ED25519_PUB_LEN];
    cn_key *pubkey = NULL;
    char *out = (char *)1;
    size_t len = 1;

    assert_int_equal(cn_sshsig_sign(&out, &len, f->key, "", MSG, 1), CN_EINVAL);
    assert_null(out);
    assert_int_equal(cn_sshsig_sign(&out, &len, f->key,
                                    "a-namespace-much-longer-than-sixty-three-bytes-"
                                    "is-not-representable",
                                    MSG, 1),
                     CN_EINVAL);
    cn_key_public_raw(f->key, pub);
    assert_int_equal(cn_key_from_public_raw(&pubkey, pub), 0);
    assert_int_equal(cn_sshsig_sign(&out, &len, pubkey, NS, MSG, 1), CN_EINVAL);
    assert_null(out);
    cn_key_free(pubkey);
}

/* ---- tampering: well-formed but wrong → CN_EVERIFY ------------------------ */

static void test_tampered_message(void **state)
{
    struct fixture *f = *state;
    char msg[sizeof(MSG)];

    memcpy(msg, MSG, sizeof(MSG));
    for (size_t i = 0; i < sizeof(MSG) - 1; i++) {
        msg[i] ^= 0x20;
        assert_int_equal(cn_sshsig_verify(NULL, f->sig, f->siglen, NS, msg, sizeof(MSG) - 1),
                         CN_EVERIFY);
        msg[i] ^= 0x20;
    }
    assert_int_equal(cn_sshsig_verify(NULL, f->sig, f->siglen, NS, MSG, sizeof(MSG) - 2),
                     CN_EVERIFY);
    assert_int_equal(cn_sshsig_verify(NULL, f->sig, f->siglen, NS, msg, sizeof(MSG) - 1), 0);
}

static void test_wrong_namespace(void **state)
{
    struct fixture *f = *state;
    struct blob_parts p;

    assert_int_equal(cn_sshsig_verify(NULL, f->sig, f->siglen, "file", MSG, sizeof(MSG) - 1),
                     CN_EVERIFY);
    assert_int_equal(cn_sshsig_verify(NULL, f->sig, f->siglen, "gi", MSG, sizeof(MSG) - 1),
                     CN_EVERIFY);
    assert_int_equal(cn_sshsig_verify(NULL, f->sig, f->siglen, "git\n", MSG, sizeof(MSG) - 1),
                     CN_EVERIFY);
    /* the namespace is signed: relabelling the blob does not help */
    valid_parts(&p, f->sig);
    assert_int_equal(verify_parts(&p), 0);
    p.ns = "file";
    {
        cn_buf blob = CN_BUF_INIT;
        char *armored;

        build_blob(&blob, &p);
        armored = armor(blob.data, blob.len, 70);
        assert_int_equal(
            cn_sshsig_verify(NULL, armored, strlen(armored), "file", MSG, sizeof(MSG) - 1),
            CN_EVERIFY);
        free(armored);
        cn_buf_free(&blob);
    }
}

static void test_tampered_signature_key_and_hash(void **state)
{
    struct fixture *f = *state;
    struct blob_parts p;
    cn_key *other = NULL;

    valid_parts(&p, f->sig);
    for (size_t i = 0; i < CN_ED25519_SIG_LEN; i++) {
        p.sig[i] ^= 0x80;
        assert_int_equal(verify_parts(&p), CN_EVERIFY);
        p.sig[i] ^= 0x80;
    }
    /* another signer's key */
    assert_int_equal(cn_key_generate(&other), 0);
    cn_key_public_raw(other, p.pub);
    assert_int_equal(verify_parts(&p), CN_EVERIFY);
    cn_key_free(other);
    valid_parts(&p, f->sig);
    /* the hash algorithm is signed too */
    p.hash_alg = "sha256";
    assert_int_equal(verify_parts(&p), CN_EVERIFY);
    p.hash_alg = "sha512";
    assert_int_equal(verify_parts(&p), 0);
}

/* As in OpenSSH, the reserved field's contents are ignored, not signed. */
static void test_reserved_field_ignored(void **state)
{
    struct fixture *f = *state;
    struct blob_parts p;

    valid_parts(&p, f->sig);
    p.reserved = "future-extension";
    assert_int_equal(verify_parts(&p), 0);
}

/* ---- malformed → CN_EINVAL ----------------------------------------------- */

static void test_malformed_fields(void **state)
{
    struct fixture *f = *state;
    struct blob_parts p;

#define EXPECT_EINVAL(field, value)                                                                \
    do {                                                                                           \
        valid_parts(&p, f->sig);                                                                   \
        p.field = value;                                                                           \
        assert_int_equal(verify_parts(&p), CN_EINVAL);                                             \
    } while (0)

    EXPECT_EINVAL(magic, "SSHSIH");
    EXPECT_EINVAL(magic, "SSHSI");
    EXPECT_EINVAL(magic, "");
    EXPECT_EINVAL(version, 0);
    EXPECT_EINVAL(version, 2);
    EXPECT_EINVAL(version, 0x01000000);
    EXPECT_EINVAL(keytype, "ssh-rsa");
    EXPECT_EINVAL(keytype, "ssh-ed25519-cert-v01@openssh.com");
    EXPECT_EINVAL(keytype, "sk-ssh-ed25519@openssh.com");
    EXPECT_EINVAL(keytype, "ssh-ed2551");
    EXPECT_EINVAL(publen, 31);
    EXPECT_EINVAL(publen, 0);
    EXPECT_EINVAL(keytrailer, "x");
    EXPECT_EINVAL(ns, "");
    EXPECT_EINVAL(ns, "a-namespace-much-longer-than-sixty-three-bytes-is-not-representable");
    EXPECT_EINVAL(hash_alg, "sha1");
    EXPECT_EINVAL(hash_alg, "SHA512");
    EXPECT_EINVAL(hash_alg, "sha5120");
    EXPECT_EINVAL(hash_alg, "");
    EXPECT_EINVAL(sigtype, "rsa-sha2-512");
    EXPECT_EINVAL(sigtype, "");
    EXPECT_EINVAL(siglen, 63);
    EXPECT_EINVAL(trailer, "x");
#undef EXPECT_EINVAL

    /* a namespace with an embedded NUL cannot be a C string */
    {
        cn_buf blob = CN_BUF_INIT;
        char *armored;
        cn_sshsig sig;

        valid_parts(&p, f->sig);
        build_blob(&blob, &p);
        /* "SSHSIG" u32 string(key: 4+51) then the namespace's u32 length and "git" */
        assert_memory_equal(blob.data + 6 + 4 + 4 + 51 + 4, "git", 3);
        blob.data[6 + 4 + 4 + 51 + 4 + 1] = '\0';
        armored = armor(blob.data, blob.len, 70);
        assert_int_equal(cn_sshsig_parse(&sig, armored, strlen(armored)), CN_EINVAL);
        free(armored);
        cn_buf_free(&blob);
    }
}

/* Every proper prefix of a valid blob is rejected, and nothing crashes. */
static void test_truncated_blob_every_length(void **state)
{
    struct fixture *f = *state;
    unsigned char *blob;
    size_t len;
    cn_sshsig sig;

    blob = dearmor(&len, f->sig);
    {
        char *whole = armor(blob, len, 70);
        assert_string_equal(whole, f->sig);
        free(whole);
    }
    for (size_t n = 0; n < len; n++) {
        char *armored = armor(blob, n, 70);
        assert_int_equal(cn_sshsig_parse(&sig, armored, strlen(armored)), CN_EINVAL);
        assert_int_equal(cn_sshsig_verify(NULL, armored, strlen(armored), NS, MSG, sizeof(MSG) - 1),
                         CN_EINVAL);
        free(armored);
    }
    free(blob);
}

/* Every prefix of the armored text is rejected, save the one missing only the
 * final newline; a copy exactly as long as the prefix lets ASan catch overreads. */
static void test_truncated_armor_every_length(void **state)
{
    struct fixture *f = *state;
    cn_sshsig sig;

    for (size_t n = 0; n < f->siglen; n++) {
        char *copy = malloc(n ? n : 1);
        assert_non_null(copy);
        memcpy(copy, f->sig, n);
        assert_int_equal(cn_sshsig_parse(&sig, copy, n), n == f->siglen - 1 ? 0 : CN_EINVAL);
        free(copy);
    }
}

static void test_armor_variants(void **state)
{
    struct fixture *f = *state;
    unsigned char *blob;
    size_t len;
    char *s;
    cn_buf b = CN_BUF_INIT;
    cn_sshsig sig;

    blob = dearmor(&len, f->sig);
    /* other line widths are fine */
    static const size_t widths[] = {4, 64, 76, 1000};
    for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
        s = armor(blob, len, widths[i]);
        assert_int_equal(cn_sshsig_verify(NULL, s, strlen(s), NS, MSG, sizeof(MSG) - 1), 0);
        free(s);
    }
    /* trailing garbage, blank lines, spaces, CRLF, bad headers are not */
    static const struct {
        const char *before, *after;
    } wrapped[] = {
        {"", "x"}, {"", "\n"}, {"", "-----END SSH SIGNATURE-----\n"}, {" ", ""}, {"\n", ""},
    };
    for (size_t i = 0; i < sizeof(wrapped) / sizeof(wrapped[0]); i++) {
        cn_buf_reset(&b);
        assert_int_equal(cn_buf_puts(&b, wrapped[i].before), 0);
        assert_int_equal(cn_buf_puts(&b, f->sig), 0);
        assert_int_equal(cn_buf_puts(&b, wrapped[i].after), 0);
        assert_int_equal(cn_sshsig_parse(&sig, b.data, b.len), CN_EINVAL);
    }
    static const struct {
        const char *from, *to;
    } edits[] = {
        {"-----BEGIN SSH SIGNATURE-----\n", "-----BEGIN SSH SIGNATURE-----\n\n"},
        {"-----BEGIN SSH SIGNATURE-----\n", "-----BEGIN SSH SIGNATURE-----\r\n"},
        {"-----BEGIN SSH SIGNATURE-----\n", "-----BEGIN PGP SIGNATURE-----\n"},
        {"-----BEGIN SSH SIGNATURE-----\n", "-----BEGIN SSH SIGNATURE----- \n"},
        {"-----END SSH SIGNATURE-----\n", "-----END SSH SIGNATURE----\n"},
        {"-----END SSH SIGNATURE-----\n", ""},
        {"U1NIU0lH", "U1NIU0l!"},
        {"U1NIU0lH", "U1NI U0lH"},
        {"U1NIU0lH", "U1NIU0l"},
        {"U1NIU0lH", "U1NIU0lH="},
        {"U1NIU0lH", "U1NIU0lH\r"},
        {"=\n-----END", "==\n-----END"},
        {"=\n-----END", "\n-----END"},
    };
    for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        const char *at = strstr(f->sig, edits[i].from);
        assert_non_null(at);
        cn_buf_reset(&b);
        assert_int_equal(cn_buf_put(&b, f->sig, (size_t)(at - f->sig)), 0);
        assert_int_equal(cn_buf_puts(&b, edits[i].to), 0);
        assert_int_equal(cn_buf_puts(&b, at + strlen(edits[i].from)), 0);
        assert_int_equal(cn_sshsig_parse(&sig, b.data, b.len), CN_EINVAL);
    }
    cn_buf_free(&b);
    free(blob);
}

/* Base64 whose pad bits are not zero decodes to the same bytes under a lax
 * decoder; a strict one refuses it, so each blob has a single encoding. */
/* Set each pad bit of the last data character in turn: each must be refused. */
static void check_pad_bits(const char *armored, size_t npad)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t padbits = npad == 1 ? 2 : 4;
    char *s = strdup(armored);
    char *end, *last;
    cn_sshsig sig;
    size_t v;

    assert_non_null(s);
    end = strstr(s, "\n-----END");
    assert_non_null(end);
    last = end - npad - 1;
    for (size_t i = 0; i < npad; i++)
        assert_int_equal(last[1 + i], '=');
    assert_true(last[0] != '=');
    assert_int_equal(cn_sshsig_parse(&sig, s, strlen(s)), 0);
    v = (size_t)(strchr(alphabet, *last) - alphabet);
    assert_int_equal(v & ((1u << padbits) - 1), 0);
    for (size_t bit = 0; bit < padbits; bit++) {
        *last = alphabet[v | (1u << bit)];
        assert_int_equal(cn_sshsig_parse(&sig, s, strlen(s)), CN_EINVAL);
    }
    *last = alphabet[v];
    assert_int_equal(cn_sshsig_parse(&sig, s, strlen(s)), 0);
    free(s);
}

static void test_noncanonical_base64(void **state)
{
    struct fixture *f = *state;
    struct blob_parts p;
    cn_buf blob = CN_BUF_INIT;
    char *armored;

    /* our blob is 173 bytes (2 mod 3): one '=' */
    check_pad_bits(f->sig, 1);
    /* two more reserved bytes make it 175 (1 mod 3): two '=' */
    valid_parts(&p, f->sig);
    p.reserved = "xx";
    build_blob(&blob, &p);
    assert_int_equal(blob.len % 3, 1);
    armored = armor(blob.data, blob.len, 70);
    check_pad_bits(armored, 2);
    free(armored);
    cn_buf_free(&blob);
}

static void test_oversized(void **state)
{
    struct fixture *f = *state;
    unsigned char *blob, *big;
    size_t len;
    char *s;
    cn_sshsig sig;

    /* an armored text beyond the limit is refused before it is looked at */
    s = calloc(1, CN_SSHSIG_MAX_ARMORED + 2);
    assert_non_null(s);
    memcpy(s, f->sig, f->siglen);
    assert_int_equal(cn_sshsig_parse(&sig, s, CN_SSHSIG_MAX_ARMORED + 1), CN_EINVAL);
    free(s);

    /* a blob with a long trailer, still under the limit, is refused as trailing data */
    blob = dearmor(&len, f->sig);
    big = calloc(1, len + 4000);
    assert_non_null(big);
    memcpy(big, blob, len);
    s = armor(big, len + 4000, 70);
    assert_true(strlen(s) < CN_SSHSIG_MAX_ARMORED);
    assert_int_equal(cn_sshsig_parse(&sig, s, strlen(s)), CN_EINVAL);
    free(s);
    free(big);
    free(blob);
}

/* ---- OpenSSH interop: vectors written by ssh-keygen -Y sign ------------------- */

static void signer_pub(unsigned char out[CN_ED25519_PUB_LEN])
{
    size_t len;
    unsigned char *line = read_data(&len, "signer.pub");
    char *b64 = strchr((char *)line, ' ') + 1;
    unsigned char blob[64];
    int n;

    *strchr(b64, ' ') = '\0';
    n = EVP_DecodeBlock(blob, (unsigned char *)b64, (int)strlen(b64));
    assert_int_equal(n, 51); /* 4 + 11 + 4 + 32 */
    memcpy(out, blob + 19, CN_ED25519_PUB_LEN);
    free(line);
}

static void check_vector(const char *msgfile, const char *sigfile, const char *hash_alg)
{
    unsigned char want[CN_ED25519_PUB_LEN], got[CN_ED25519_PUB_LEN];
    size_t msglen, siglen;
    unsigned char *msg = read_data(&msglen, msgfile);
    unsigned char *sig = read_data(&siglen, sigfile);
    cn_sshsig parsed;

    signer_pub(want);
    memset(got, 0, sizeof(got));
    assert_int_equal(cn_sshsig_parse(&parsed, sig, siglen), 0);
    assert_string_equal(parsed.hash_alg, hash_alg);
    assert_string_equal(parsed.ns, "git");
    assert_int_equal(cn_sshsig_verify(got, sig, siglen, "git", msg, msglen), 0);
    assert_memory_equal(got, want, sizeof(want));
    /* and the same signature over a different message fails */
    assert_int_equal(cn_sshsig_verify(NULL, sig, siglen, "git", "x", 1), CN_EVERIFY);
    free(msg);
    free(sig);
}

static void test_openssh_vectors(void **state)
{
    (void)state;
    check_vector("msg1.txt", "msg1.txt.sig", "sha512");
    check_vector("msg1.txt", "msg1.txt.sha256.sig", "sha256");
    check_vector("empty.txt", "empty.txt.sig", "sha512");
    check_vector("binary.bin", "binary.bin.sig", "sha512");
}

static void test_openssh_vector_namespace(void **state)
{
    size_t msglen, siglen;
    unsigned char *msg = read_data(&msglen, "msg1.txt");
    unsigned char *sig = read_data(&siglen, "msg1.txt.ns-file.sig");

    (void)state;
    assert_int_equal(cn_sshsig_verify(NULL, sig, siglen, "git", msg, msglen), CN_EVERIFY);
    assert_int_equal(cn_sshsig_verify(NULL, sig, siglen, "file", msg, msglen), 0);
    free(msg);
    free(sig);
}

static void test_openssh_vectors_other_key_types(void **state)
{
    static const char *const files[] = {"msg1.txt.rsa.sig", "msg1.txt.ecdsa.sig"};
    size_t msglen, siglen;
    unsigned char *msg = read_data(&msglen, "msg1.txt");
    cn_sshsig parsed;

    (void)state;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        unsigned char *sig = read_data(&siglen, files[i]);
        assert_int_equal(cn_sshsig_parse(&parsed, sig, siglen), CN_EINVAL);
        assert_non_null(strstr(cn_error_message(), "ssh-ed25519"));
        assert_int_equal(cn_sshsig_verify(NULL, sig, siglen, "git", msg, msglen), CN_EINVAL);
        free(sig);
    }
    free(msg);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_sign_format),
        T(test_sign_verify_roundtrip),
        T(test_sign_is_deterministic_and_empty_message),
        T(test_sign_refuses_bad_input),
        T(test_tampered_message),
        T(test_wrong_namespace),
        T(test_tampered_signature_key_and_hash),
        T(test_reserved_field_ignored),
        T(test_malformed_fields),
        T(test_truncated_blob_every_length),
        T(test_truncated_armor_every_length),
        T(test_armor_variants),
        T(test_noncanonical_base64),
        T(test_oversized),
        cmocka_unit_test(test_openssh_vectors),
        cmocka_unit_test(test_openssh_vector_namespace),
        cmocka_unit_test(test_openssh_vectors_other_key_types),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
