/*
 * key.c - ed25519 keys on OpenSSL 3's EVP interface.
 *
 * A cn_key wraps one EVP_PKEY of type ED25519 and caches its 32 raw public
 * bytes. Private keys travel to and from disk only as PKCS#8 PEM, through a
 * secure-memory BIO that OpenSSL wipes on free, and the file is written with
 * mode 0600. Loading checks the mode on the opened descriptor (not the path),
 * so the file checked is the file read.
 */
#include "core/key.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/file.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A PKCS#8 PEM ed25519 key is about 120 bytes; anything much larger is not ours. */
#define KEY_FILE_MAX 16384

struct cn_key {
    EVP_PKEY *pkey;
    unsigned char pub[CN_ED25519_PUB_LEN];
    int has_private;
};

/* Record an OpenSSL failure (with OpenSSL's reason) and empty its error queue,
 * so a stale entry cannot be mistaken for a later failure. */
static int ossl_error(int code, const char *what)
{
    unsigned long e = ERR_peek_last_error();
    const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;

    ERR_clear_error();
    if (reason == NULL)
        return cn_error_set(code, "%s", what);
    return cn_error_set(code, "%s: %s", what, reason);
}

/* Wrap pkey (ownership passes to the new key) after checking it is ed25519. */
static int key_wrap(cn_key **out, EVP_PKEY *pkey, int has_private)
{
    cn_key *key = NULL;
    size_t publen = CN_ED25519_PUB_LEN;
    int err = CN_ERROR;

    *out = NULL;
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_ED25519) {
        err = cn_error_set(CN_EINVAL, "not an ed25519 key");
        goto out;
    }
    if ((key = calloc(1, sizeof(*key))) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if (EVP_PKEY_get_raw_public_key(pkey, key->pub, &publen) != 1 || publen != CN_ED25519_PUB_LEN) {
        err = ossl_error(CN_ERROR, "cannot extract the ed25519 public key");
        goto out;
    }
    key->pkey = pkey;
    key->has_private = has_private;
    pkey = NULL;
    *out = key;
    key = NULL;
    err = 0;
out:
    free(key);
    EVP_PKEY_free(pkey);
    return err;
}

int cn_key_generate(cn_key **out)
{
    EVP_PKEY *pkey = NULL;

    *out = NULL;
    if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL)
        return ossl_error(CN_ERROR, "cannot generate an ed25519 key");
    return key_wrap(out, pkey, 1);
}

/* Never prompt for a passphrase: our key files are not encrypted. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

/* Open path for reading and check it is a regular file no one else can access.
 * The checks run on the descriptor, so they hold for the file then read. */
static int open_private_file(int *out, const char *path)
{
    struct stat st;
    int fd, err;

    *out = -1;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
        return cn_error_set(errno == ENOENT ? CN_ENOTFOUND : CN_ERROR, "%s: %s", path,
                            strerror(errno));
    if (fstat(fd, &st) != 0) {
        err = cn_error_set(CN_ERROR, "%s: %s", path, strerror(errno));
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        err = cn_error_set(CN_EINVAL, "%s: not a regular file", path);
        goto fail;
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        err = cn_error_set(CN_EINVAL,
                           "%s: private key is accessible by group or others (mode %03o); "
                           "run chmod 600 %s",
                           path, (unsigned)(st.st_mode & 0777), path);
        goto fail;
    }
    *out = fd;
    return 0;
fail:
    close(fd);
    return err;
}

/* Read at most max bytes of fd into buf; more than that is an error. */
static int read_bounded(size_t *outlen, int fd, char *buf, size_t max, const char *path)
{
    size_t len = 0;

    for (;;) {
        ssize_t n = read(fd, buf + len, max + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return cn_error_set(CN_ERROR, "%s: %s", path, strerror(errno));
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > max)
            return cn_error_set(CN_ELIMIT, "%s: larger than %zu bytes, not a key file", path, max);
    }
    *outlen = len;
    return 0;
}

int cn_key_load_private(cn_key **out, const char *path)
{
    char *pem = NULL;
    size_t pemlen = 0;
    BIO *bio = NULL;
    EVP_PKEY *pkey = NULL;
    int fd = -1, err;

    *out = NULL;
    if ((err = open_private_file(&fd, path)) != 0)
        goto out;
    if ((pem = malloc(KEY_FILE_MAX + 1)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = read_bounded(&pemlen, fd, pem, KEY_FILE_MAX, path)) != 0)
        goto out;
    if ((bio = BIO_new_mem_buf(pem, (int)pemlen)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL)) == NULL) {
        ossl_error(CN_EINVAL, "not an unencrypted PEM PKCS#8 private key");
        err = cn_error_wrap(CN_EINVAL, "%s", path);
        goto out;
    }
    err = key_wrap(out, pkey, 1);
    pkey = NULL;
    if (err != 0)
        cn_error_wrap(err, "%s", path);
out:
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    if (pem != NULL)
        OPENSSL_clear_free(pem, KEY_FILE_MAX + 1);
    if (fd >= 0)
        close(fd);
    return err;
}

int cn_key_save_private(const cn_key *key, const char *path)
{
    BIO *bio = NULL;
    char *pem = NULL;
    long pemlen;
    int err = CN_ERROR;

    if (!key->has_private)
        return cn_error_set(CN_EINVAL, "cannot save a public-only key as a private key");
    /* secmem: OpenSSL wipes the PEM text when the BIO is freed. */
    if ((bio = BIO_new(BIO_s_secmem())) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if (PEM_write_bio_PrivateKey(bio, key->pkey, NULL, NULL, 0, NULL, NULL) != 1) {
        err = ossl_error(CN_ERROR, "cannot encode the private key");
        goto out;
    }
    if ((pemlen = BIO_get_mem_data(bio, &pem)) <= 0) {
        err = ossl_error(CN_ERROR, "cannot encode the private key");
        goto out;
    }
    if ((err = cn_file_write_atomic(path, pem, (size_t)pemlen, 0600)) != 0)
        goto out;
    err = 0;
out:
    BIO_free(bio);
    return err;
}

int cn_key_from_public_raw(cn_key **out, const unsigned char pub[CN_ED25519_PUB_LEN])
{
    EVP_PKEY *pkey;

    *out = NULL;
    pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, CN_ED25519_PUB_LEN);
    if (pkey == NULL)
        return ossl_error(CN_EINVAL, "invalid ed25519 public key");
    return key_wrap(out, pkey, 0);
}

int cn_key_from_public_hex(cn_key **out, const char *hex)
{
    unsigned char pub[CN_ED25519_PUB_LEN];

    *out = NULL;
    if (cn_hex_decode(pub, sizeof(pub), hex, strlen(hex)) != 0)
        return cn_error_set(CN_EINVAL, "ed25519 public key must be %d hex digits",
                            2 * CN_ED25519_PUB_LEN);
    return cn_key_from_public_raw(out, pub);
}

void cn_key_public_raw(const cn_key *key, unsigned char out[CN_ED25519_PUB_LEN])
{
    memcpy(out, key->pub, CN_ED25519_PUB_LEN);
}

void cn_key_public_hex(const cn_key *key, char out[2 * CN_ED25519_PUB_LEN + 1])
{
    cn_hex_encode(out, key->pub, CN_ED25519_PUB_LEN);
}

int cn_key_ssh_public_blob(cn_buf *out, const cn_key *key)
{
    int err;

    if ((err = cn_buf_put_string(out, "ssh-ed25519", 11)) != 0)
        return err;
    return cn_buf_put_string(out, key->pub, CN_ED25519_PUB_LEN);
}

int cn_key_ssh_public(char **out, const cn_key *key)
{
    cn_buf blob = CN_BUF_INIT;
    char *line = NULL;
    size_t b64len;
    int err;

    *out = NULL;
    if ((err = cn_key_ssh_public_blob(&blob, key)) != 0)
        goto out;
    b64len = 4 * ((blob.len + 2) / 3);
    if ((line = malloc(sizeof("ssh-ed25519 ") - 1 + b64len + 1)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    memcpy(line, "ssh-ed25519 ", sizeof("ssh-ed25519 ") - 1);
    EVP_EncodeBlock((unsigned char *)line + sizeof("ssh-ed25519 ") - 1, blob.data, (int)blob.len);
    *out = line;
    err = 0;
out:
    cn_buf_free(&blob);
    return err;
}

int cn_key_has_private(const cn_key *key)
{
    return key->has_private;
}

int cn_key_sign(unsigned char sig[CN_ED25519_SIG_LEN], const cn_key *key, const void *msg,
                size_t len)
{
    EVP_MD_CTX *ctx = NULL;
    size_t siglen = CN_ED25519_SIG_LEN;
    int err = CN_ERROR;

    if (!key->has_private)
        return cn_error_set(CN_EINVAL, "cannot sign with a public-only key");
    if ((ctx = EVP_MD_CTX_new()) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, key->pkey) != 1 ||
        EVP_DigestSign(ctx, sig, &siglen, msg, len) != 1 || siglen != CN_ED25519_SIG_LEN) {
        err = ossl_error(CN_ERROR, "ed25519 signing failed");
        goto out;
    }
    err = 0;
out:
    EVP_MD_CTX_free(ctx);
    return err;
}

int cn_key_verify(const cn_key *key, const unsigned char *sig, size_t siglen, const void *msg,
                  size_t len)
{
    EVP_MD_CTX *ctx = NULL;
    int err = CN_EVERIFY;

    if (siglen != CN_ED25519_SIG_LEN)
        return cn_error_set(CN_EVERIFY, "ed25519 signature must be %d bytes, got %zu",
                            CN_ED25519_SIG_LEN, siglen);
    if ((ctx = EVP_MD_CTX_new()) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key->pkey) != 1) {
        err = ossl_error(CN_ERROR, "cannot initialise ed25519 verification");
        goto out;
    }
    if (EVP_DigestVerify(ctx, sig, siglen, msg, len) != 1) {
        ERR_clear_error();
        err = cn_error_set(CN_EVERIFY, "ed25519 signature does not verify");
        goto out;
    }
    err = 0;
out:
    EVP_MD_CTX_free(ctx);
    return err;
}

void cn_key_free(cn_key *key)
{
    if (key == NULL)
        return;
    /* EVP_PKEY_free wipes the ed25519 private key material (OPENSSL_secure_clear_free). */
    EVP_PKEY_free(key->pkey);
    OPENSSL_cleanse(key, sizeof(*key));
    free(key);
}
