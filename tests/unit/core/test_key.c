/*
 * test_key.c - ed25519 keys: sign/verify, public encodings, private key files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/buf.h"
#include "core/file.h"
#include "core/key.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A per-test scratch directory, removed afterwards. */
static int setup_dir(void **state)
{
    char *dir = strdup("/tmp/cn-test-key-XXXXXX");

    if (dir == NULL || mkdtemp(dir) == NULL) {
        free(dir);
        return -1;
    }
    *state = dir;
    return 0;
}

static int teardown_dir(void **state)
{
    cn_rmtree(*state);
    free(*state);
    return 0;
}

static void test_sign_verify_roundtrip(void **state)
{
    static const char msg[] = "the city publishes a dataset";
    unsigned char sig[CN_ED25519_SIG_LEN];
    cn_key *key = NULL;

    (void)state;
    assert_int_equal(cn_key_generate(&key), 0);
    assert_true(cn_key_has_private(key));
    assert_int_equal(cn_key_sign(sig, key, msg, sizeof(msg) - 1), 0);
    assert_int_equal(cn_key_verify(key, sig, sizeof(sig), msg, sizeof(msg) - 1), 0);
    cn_key_free(key);
}

static void test_verify_rejects_tampering(void **state)
{
    char msg[] = "the city publishes a dataset";
    unsigned char sig[CN_ED25519_SIG_LEN];
    cn_key *key = NULL, *other = NULL;

    (void)state;
    assert_int_equal(cn_key_generate(&key), 0);
    assert_int_equal(cn_key_generate(&other), 0);
    assert_int_equal(cn_key_sign(sig, key, msg, strlen(msg)), 0);

    /* wrong key */
    assert_int_equal(cn_key_verify(other, sig, sizeof(sig), msg, strlen(msg)), CN_EVERIFY);
    /* wrong length, both shorter and longer */
    assert_int_equal(cn_key_verify(key, sig, sizeof(sig) - 1, msg, strlen(msg)), CN_EVERIFY);
    assert_int_equal(cn_key_verify(key, sig, 0, msg, strlen(msg)), CN_EVERIFY);
    /* every bit of the signature matters */
    for (size_t i = 0; i < sizeof(sig); i++) {
        sig[i] ^= 0x01;
        assert_int_equal(cn_key_verify(key, sig, sizeof(sig), msg, strlen(msg)), CN_EVERIFY);
        sig[i] ^= 0x01;
    }
    /* a changed message */
    msg[0] = 'T';
    assert_int_equal(cn_key_verify(key, sig, sizeof(sig), msg, strlen(msg)), CN_EVERIFY);
    msg[0] = 't';
    assert_int_equal(cn_key_verify(key, sig, sizeof(sig), msg, strlen(msg)), 0);
    cn_key_free(key);
    cn_key_free(other);
}

static void test_public_only_key(void **state)
{
    static const char msg[] = "m";
    unsigned char pub[CN_ED25519_PUB_LEN], pub2[CN_ED25519_PUB_LEN], sig[CN_ED25519_SIG_LEN];
    char hex[2 * CN_ED25519_PUB_LEN + 1];
    cn_key *key = NULL, *pubkey = NULL, *hexkey = NULL;

    (void)state;
    assert_int_equal(cn_key_generate(&key), 0);
    cn_key_public_raw(key, pub);
    cn_key_public_hex(key, hex);
    assert_int_equal(strlen(hex), 64);

    assert_int_equal(cn_key_from_public_raw(&pubkey, pub), 0);
    assert_int_equal(cn_key_from_public_hex(&hexkey, hex), 0);
    assert_false(cn_key_has_private(pubkey));
    cn_key_public_raw(hexkey, pub2);
    assert_memory_equal(pub, pub2, sizeof(pub));

    assert_int_equal(cn_key_sign(sig, key, msg, 1), 0);
    assert_int_equal(cn_key_verify(pubkey, sig, sizeof(sig), msg, 1), 0);
    assert_int_equal(cn_key_verify(hexkey, sig, sizeof(sig), msg, 1), 0);
    assert_int_equal(cn_key_sign(sig, pubkey, msg, 1), CN_EINVAL);

    cn_key_free(key);
    cn_key_free(pubkey);
    cn_key_free(hexkey);
}

static void test_public_hex_rejects_bad_input(void **state)
{
    cn_key *key = NULL;
    char hex[65];

    (void)state;
    memset(hex, 'a', 64);
    hex[64] = '\0';
    hex[63] = 'g';
    assert_int_equal(cn_key_from_public_hex(&key, hex), CN_EINVAL);
    assert_null(key);
    hex[63] = '\0';
    assert_int_equal(cn_key_from_public_hex(&key, hex), CN_EINVAL);
    assert_int_equal(cn_key_from_public_hex(&key, ""), CN_EINVAL);
    assert_null(key);
}

/* RFC 8032 test 1: a fixed public key gives a fixed OpenSSH public key line. */
static void test_ssh_public_line(void **state)
{
    static const char hex[] = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    static const char want[] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA"
                               "INdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea";
    cn_key *key = NULL;
    char *line = NULL;

    (void)state;
    assert_int_equal(cn_key_from_public_hex(&key, hex), 0);
    assert_int_equal(cn_key_ssh_public(&line, key), 0);
    assert_string_equal(line, want);
    free(line);
    cn_key_free(key);
}

/* RFC 8032 test 1 signature (empty message) verifies. */
static void test_rfc8032_vector(void **state)
{
    static const char pubhex[] = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    static const char sighex[] = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                                 "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
    unsigned char sig[CN_ED25519_SIG_LEN];
    cn_key *key = NULL;

    (void)state;
    assert_int_equal(cn_hex_decode(sig, sizeof(sig), sighex, strlen(sighex)), 0);
    assert_int_equal(cn_key_from_public_hex(&key, pubhex), 0);
    assert_int_equal(cn_key_verify(key, sig, sizeof(sig), "", 0), 0);
    assert_int_equal(cn_key_verify(key, sig, sizeof(sig), "x", 1), CN_EVERIFY);
    cn_key_free(key);
}

static void test_save_load_signs_identically(void **state)
{
    static const char msg[] = "deterministic";
    unsigned char sig1[CN_ED25519_SIG_LEN], sig2[CN_ED25519_SIG_LEN];
    unsigned char pub1[CN_ED25519_PUB_LEN], pub2[CN_ED25519_PUB_LEN];
    char *path = cn_path_join(*state, "targets.key");
    unsigned char *pem = NULL;
    size_t pemlen = 0;
    struct stat st;
    cn_key *key = NULL, *loaded = NULL;

    assert_non_null(path);
    assert_int_equal(cn_key_generate(&key), 0);
    assert_int_equal(cn_key_save_private(key, path), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(cn_file_read(&pem, &pemlen, path, 4096), 0);
    assert_non_null(strstr((char *)pem, "-----BEGIN PRIVATE KEY-----\n"));
    free(pem);

    assert_int_equal(cn_key_load_private(&loaded, path), 0);
    assert_true(cn_key_has_private(loaded));
    cn_key_public_raw(key, pub1);
    cn_key_public_raw(loaded, pub2);
    assert_memory_equal(pub1, pub2, sizeof(pub1));
    /* ed25519 is deterministic: the same key gives the same signature. */
    assert_int_equal(cn_key_sign(sig1, key, msg, sizeof(msg) - 1), 0);
    assert_int_equal(cn_key_sign(sig2, loaded, msg, sizeof(msg) - 1), 0);
    assert_memory_equal(sig1, sig2, sizeof(sig1));

    cn_key_free(key);
    cn_key_free(loaded);
    free(path);
}

static void test_load_refuses_open_permissions(void **state)
{
    static const mode_t bad[] = {0640, 0604, 0660, 0644, 0700 | 0070, 0601};
    char *path = cn_path_join(*state, "k");
    cn_key *key = NULL;

    assert_non_null(path);
    assert_int_equal(cn_key_generate(&key), 0);
    assert_int_equal(cn_key_save_private(key, path), 0);
    cn_key_free(key);
    key = NULL;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(chmod(path, bad[i]), 0);
        assert_int_equal(cn_key_load_private(&key, path), CN_EINVAL);
        assert_null(key);
        assert_non_null(strstr(cn_error_message(), "chmod 600"));
    }
    assert_int_equal(chmod(path, 0400), 0);
    assert_int_equal(cn_key_load_private(&key, path), 0);
    cn_key_free(key);
    free(path);
}

static void test_load_errors(void **state)
{
    char *missing = cn_path_join(*state, "missing");
    char *junk = cn_path_join(*state, "junk");
    char *pubonly = cn_path_join(*state, "pub");
    static const char pubhex[] = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    static const char pem_pub[] = "-----BEGIN PUBLIC KEY-----\n"
                                  "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
                                  "-----END PUBLIC KEY-----\n";
    unsigned char pub[CN_ED25519_PUB_LEN];
    cn_key *key = NULL;

    assert_int_equal(cn_hex_decode(pub, sizeof(pub), pubhex, strlen(pubhex)), 0);
    assert_int_equal(cn_key_load_private(&key, missing), CN_ENOTFOUND);
    assert_int_equal(cn_file_write_atomic(junk, "not a key\n", 10, 0600), 0);
    assert_int_equal(cn_key_load_private(&key, junk), CN_EINVAL);
    /* a public key PEM is not a private key */
    assert_int_equal(cn_file_write_atomic(pubonly, pem_pub, strlen(pem_pub), 0600), 0);
    assert_int_equal(cn_key_load_private(&key, pubonly), CN_EINVAL);
    assert_null(key);
    /* a directory is not a key file */
    assert_int_equal(cn_key_load_private(&key, *state), CN_EINVAL);

    /* saving a public-only key is refused and writes nothing */
    assert_int_equal(cn_key_from_public_raw(&key, pub), 0);
    assert_int_equal(cn_key_save_private(key, missing), CN_EINVAL);
    assert_false(cn_file_exists(missing));
    cn_key_free(key);
    free(missing);
    free(junk);
    free(pubonly);
}

/* An encrypted key is refused (never a passphrase prompt), and so is a huge file. */
static void test_load_encrypted_and_oversized(void **state)
{
    char *enc = cn_path_join(*state, "enc.key");
    char *big = cn_path_join(*state, "big.key");
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem = NULL, *huge;
    long pemlen;
    cn_key *key = NULL;

    assert_non_null(pkey);
    assert_non_null(bio);
    assert_int_equal(PEM_write_bio_PKCS8PrivateKey(bio, pkey, EVP_aes_256_cbc(), NULL, 0, NULL,
                                                   (void *)"passphrase"),
                     1);
    pemlen = BIO_get_mem_data(bio, &pem);
    assert_true(pemlen > 0);
    assert_non_null(strstr(pem, "ENCRYPTED PRIVATE KEY"));
    assert_int_equal(cn_file_write_atomic(enc, pem, (size_t)pemlen, 0600), 0);
    assert_int_equal(cn_key_load_private(&key, enc), CN_EINVAL);
    assert_null(key);

    huge = malloc(1 << 20);
    assert_non_null(huge);
    memset(huge, '\n', 1 << 20);
    assert_int_equal(cn_file_write_atomic(big, huge, 1 << 20, 0600), 0);
    assert_int_equal(cn_key_load_private(&key, big), CN_ELIMIT);
    assert_null(key);

    free(huge);
    BIO_free(bio);
    EVP_PKEY_free(pkey);
    free(enc);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_verify_roundtrip),
        cmocka_unit_test(test_verify_rejects_tampering),
        cmocka_unit_test(test_public_only_key),
        cmocka_unit_test(test_public_hex_rejects_bad_input),
        cmocka_unit_test(test_ssh_public_line),
        cmocka_unit_test(test_rfc8032_vector),
        cmocka_unit_test_setup_teardown(test_save_load_signs_identically, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_load_refuses_open_permissions, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_setup_teardown(test_load_errors, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_load_encrypted_and_oversized, setup_dir, teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
