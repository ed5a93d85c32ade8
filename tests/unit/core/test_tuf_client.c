/*
 * test_tuf_client.c - what the TUF client accepts beyond the repositories
 * citynode writes (issue 12, the tuf-conformance client): ECDSA and RSA
 * keys, sha512 target hashes, delegated targets roles (path patterns,
 * path_hash_prefixes, pre-order search, terminating delegations, the visit
 * limit, diamond delegations, listing mode with reuse of stored roles) and
 * the persist hook that stores each role as soon as it verifies.
 *
 * Repositories are built in memory: one ed25519 key signs every role unless
 * a test says otherwise, and a fetch callback serves the files and logs the
 * paths fetched, so a test can say what was (not) downloaded.
 */
#include "core/error.h"
#include "core/json.h"
#include "core/key.h"
#include "core/tuf.h"
#include "core/tuf_internal.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define EXPIRES   "2099-01-01T00:00:00Z"
#define MAX_FILES 128
#define LOG_SIZE  16384

typedef struct {
    char *path;
    char *data;
    size_t len;
} served;

typedef struct {
    served files[MAX_FILES];
    size_t nfiles;
    char log[LOG_SIZE]; /* paths fetched, each followed by a space */
    cn_key *key;
    char keyid[CN_SHA256_HEX_LEN + 1];
    cn_tuf_role_keys rk;
    json_t *delegated; /* name -> signed part of each delegated role */
    json_t *targets;   /* signed part of the top-level targets */
    uint64_t version;  /* of snapshot and timestamp, bumped by publish */
    time_t now;
} server;

static int setup(void **state)
{
    server *s = calloc(1, sizeof(*s));

    assert_non_null(s);
    assert_int_equal(cn_key_generate(&s->key), 0);
    assert_int_equal(cn_tuf_keyid(s->keyid, s->key), 0);
    s->rk.keys[0] = s->key;
    s->rk.nkeys = 1;
    s->rk.threshold = 1;
    s->delegated = json_object();
    s->now = time(NULL);
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    server *s = *state;
    size_t i;

    for (i = 0; i < s->nfiles; i++) {
        free(s->files[i].path);
        free(s->files[i].data);
    }
    json_decref(s->delegated);
    json_decref(s->targets);
    cn_key_free(s->key);
    free(s);
    return 0;
}

/* Serve bytes at path (replacing what was there). */
static void put_bytes(server *s, const char *path, char *bytes, size_t len)
{
    size_t i;

    for (i = 0; i < s->nfiles; i++) {
        if (strcmp(s->files[i].path, path) == 0) {
            free(s->files[i].data);
            s->files[i].data = bytes;
            s->files[i].len = len;
            return;
        }
    }
    assert_true(s->nfiles < MAX_FILES);
    s->files[s->nfiles].path = strdup(path);
    s->files[s->nfiles].data = bytes;
    s->files[s->nfiles].len = len;
    s->nfiles++;
}

/* Sign signed_ with rk and serve it at path; returns the bytes' length. */
static size_t put_signed(server *s, const char *path, const json_t *signed_,
                         const cn_tuf_role_keys *rk)
{
    char *bytes;
    size_t len;

    assert_int_equal(cn_tuf_sign_envelope(&bytes, &len, signed_, rk ? rk : &s->rk, NULL), 0);
    put_bytes(s, path, bytes, len);
    return len;
}

static const served *lookup(const server *s, const char *path)
{
    size_t i;

    for (i = 0; i < s->nfiles; i++)
        if (strcmp(s->files[i].path, path) == 0)
            return &s->files[i];
    return NULL;
}

/* Sign the file at path again, with a fresh key nobody trusts. */
static void stranger_sign(server *s, const char *path)
{
    cn_tuf_role_keys rk = {{NULL}, 1, 1};
    const served *f = lookup(s, path);
    cn_key *stranger;
    json_t *env;

    assert_non_null(f);
    assert_int_equal(cn_key_generate(&stranger), 0);
    rk.keys[0] = stranger;
    assert_int_equal(cn_json_parse(&env, f->data, f->len, CN_JSON_MAX_DEPTH, path), 0);
    put_signed(s, path, json_object_get(env, "signed"), &rk);
    json_decref(env);
    cn_key_free(stranger);
}

static int fetch(void *ctx, const char *path, size_t max_len, unsigned char **out, size_t *outlen)
{
    server *s = ctx;
    const served *f = lookup(s, path);

    *out = NULL;
    if (strlen(s->log) + strlen(path) + 2 < LOG_SIZE) {
        strcat(s->log, path);
        strcat(s->log, " ");
    }
    if (f == NULL)
        return cn_error_set(CN_ENOTFOUND, "%s: not found", path);
    if (f->len > max_len)
        return cn_error_set(CN_ELIMIT, "%s: too long", path);
    *out = malloc(f->len ? f->len : 1);
    memcpy(*out, f->data, f->len);
    *outlen = f->len;
    return 0;
}

/* A role object {keyids, threshold} for the server's key. */
static json_t *one_key_role(const server *s)
{
    return json_pack("{s:[s], s:i}", "keyids", s->keyid, "threshold", 1);
}

static json_t *key_json(const server *s)
{
    json_t *k;

    assert_int_equal(cn_tuf_key_json(&k, s->key), 0);
    return k;
}

static void put_root(server *s)
{
    json_t *root =
        json_pack("{s:s, s:s, s:i, s:s, s:b, s:{s:o}, s:{s:o, s:o, s:o, s:o}}", "_type", "root",
                  "spec_version", "1.0.31", "version", 1, "expires", EXPIRES, "consistent_snapshot",
                  1, "keys", s->keyid, key_json(s), "roles", "root", one_key_role(s), "targets",
                  one_key_role(s), "snapshot", one_key_role(s), "timestamp", one_key_role(s));

    put_signed(s, "tuf/1.root.json", root, NULL);
    json_decref(root);
}

/* The signed part of a targets role listing `targets` (may be NULL). */
static json_t *targets_role(uint64_t version, json_t *targets)
{
    return json_pack("{s:s, s:s, s:I, s:s, s:o}", "_type", "targets", "spec_version", "1.0.31",
                     "version", (json_int_t)version, "expires", EXPIRES, "targets",
                     targets ? targets : json_object());
}

/* Add to role (a signed targets part) a target path with content data. */
static void add_target(json_t *role, const char *path, const char *data)
{
    char hex[CN_SHA256_HEX_LEN + 1];

    cn_sha256_hex(hex, data, strlen(data));
    json_object_set_new(
        json_object_get(role, "targets"), path,
        json_pack("{s:I, s:{s:s}}", "length", (json_int_t)strlen(data), "hashes", "sha256", hex));
}

/* parent delegates `name` (signed by the server's key) for patterns, a
 * comma-separated list of paths, or "#PREFIX" for one hash prefix. */
static void delegate(server *s, json_t *parent, const char *name, const char *patterns,
                     int terminating)
{
    json_t *d = json_object_get(parent, "delegations"), *r, *list = json_array();
    char buf[256], *p, *save = NULL;

    if (d == NULL) {
        d = json_pack("{s:{}, s:[]}", "keys", "roles");
        json_object_set_new(parent, "delegations", d);
    }
    json_object_set_new(json_object_get(d, "keys"), s->keyid, key_json(s));
    snprintf(buf, sizeof(buf), "%s", patterns);
    for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save))
        json_array_append_new(list, json_string(p[0] == '#' ? p + 1 : p));
    r = json_pack("{s:s, s:[s], s:i, s:b, s:o}", "name", name, "keyids", s->keyid, "threshold", 1,
                  "terminating", terminating, patterns[0] == '#' ? "path_hash_prefixes" : "paths",
                  list);
    json_array_append_new(json_object_get(d, "roles"), r);
}

/* A delegated role's signed part, registered under name (borrowed). */
static json_t *new_role(server *s, const char *name)
{
    json_object_set_new(s->delegated, name, targets_role(1, NULL));
    return json_object_get(s->delegated, name);
}

/* Serve every role as it stands: delegated roles and targets under their
 * consistent names, a new snapshot naming all of them and a new timestamp. */
static void publish(server *s)
{
    json_t *meta = json_object(), *snap, *ts, *v;
    char path[512], *file;
    const char *name;
    uint64_t tv = (uint64_t)json_integer_value(json_object_get(s->targets, "version"));

    json_object_foreach(s->delegated, name, v)
    {
        uint64_t dv = (uint64_t)json_integer_value(json_object_get(v, "version"));
        assert_int_equal(cn_tuf_role_file_name(&file, name, dv), 0);
        snprintf(path, sizeof(path), "tuf/%s", file);
        free(file);
        put_signed(s, path, v, NULL);
        snprintf(path, sizeof(path), "%s.json", name);
        json_object_set_new(meta, path, json_pack("{s:I}", "version", (json_int_t)dv));
    }
    snprintf(path, sizeof(path), "tuf/%llu.targets.json", (unsigned long long)tv);
    put_signed(s, path, s->targets, NULL);
    json_object_set_new(meta, "targets.json", json_pack("{s:I}", "version", (json_int_t)tv));
    s->version++;
    snap = json_pack("{s:s, s:s, s:I, s:s, s:o}", "_type", "snapshot", "spec_version", "1.0.31",
                     "version", (json_int_t)s->version, "expires", EXPIRES, "meta", meta);
    snprintf(path, sizeof(path), "tuf/%llu.snapshot.json", (unsigned long long)s->version);
    put_signed(s, path, snap, NULL);
    json_decref(snap);
    ts = json_pack("{s:s, s:s, s:I, s:s, s:{s:{s:I}}}", "_type", "timestamp", "spec_version",
                   "1.0.31", "version", (json_int_t)s->version, "expires", EXPIRES, "meta",
                   "snapshot.json", "version", (json_int_t)s->version);
    put_signed(s, "tuf/timestamp.json", ts, NULL);
    json_decref(ts);
}

/* A repository whose top-level targets (version 1) the test then fills. */
static void new_repo(server *s)
{
    put_root(s);
    s->targets = targets_role(1, NULL);
}

/* A refreshed client of s; the log is cleared afterwards. */
static cn_tuf_client *refreshed_client(server *s)
{
    const served *root = lookup(s, "tuf/1.root.json");
    cn_tuf_client *c = NULL;

    assert_int_equal(cn_tuf_client_new(&c, root->data, root->len, s->now), 0);
    assert_int_equal(cn_tuf_client_refresh(c, fetch, s), 0);
    s->log[0] = '\0';
    return c;
}

/* ---- keys ---------------------------------------------------------------- */

/* A timestamp envelope signed with an OpenSSL key: scheme's digest and
 * padding; pss_salt is the PSS salt length (ignored otherwise). */
static cn_tuf_metadata *sign_with_evp(EVP_PKEY *pkey, const EVP_MD *md, int padding, int pss_salt,
                                      const char *keyid)
{
    json_t *signed_ =
        json_pack("{s:s, s:s, s:i, s:s, s:{s:{s:i}}}", "_type", "timestamp", "spec_version", "1.0",
                  "version", 1, "expires", EXPIRES, "meta", "snapshot.json", "version", 1);
    unsigned char sig[1024];
    char hex[2 * sizeof(sig) + 1], *msg, *bytes;
    size_t msglen, siglen = sizeof(sig), len;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    cn_tuf_metadata *out = NULL;
    json_t *env;

    assert_int_equal(cn_json_canonical(&msg, &msglen, signed_), 0);
    assert_int_equal(EVP_DigestSignInit(ctx, &pctx, md, NULL, pkey), 1);
    if (padding != 0)
        assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, padding), 1);
    if (padding == RSA_PKCS1_PSS_PADDING)
        assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, pss_salt), 1);
    assert_int_equal(EVP_DigestSign(ctx, sig, &siglen, (unsigned char *)msg, msglen), 1);
    cn_hex_encode(hex, sig, siglen);
    env = json_pack("{s:[{s:s, s:s}], s:o}", "signatures", "keyid", keyid, "sig", hex, "signed",
                    signed_);
    assert_int_equal(cn_json_canonical(&bytes, &len, env), 0);
    assert_int_equal(cn_tuf_metadata_parse(&out, bytes, len, len, CN_TUF_TIMESTAMP, "ts"), 0);
    json_decref(env);
    free(bytes);
    free(msg);
    EVP_MD_CTX_free(ctx);
    return out;
}

static char *pem_public(EVP_PKEY *pkey)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data, *out;
    long n;

    assert_int_equal(PEM_write_bio_PUBKEY(bio, pkey), 1);
    n = BIO_get_mem_data(bio, &data);
    out = strndup(data, (size_t)n);
    BIO_free(bio);
    return out;
}

/* 0 or CN_EVERIFY: md verified by the one key (keytype, scheme, pem). */
static int verify_one(const cn_tuf_metadata *md, const char *keytype, const char *scheme,
                      const char *pem)
{
    json_t *keys = json_pack("{s:{s:s, s:s, s:{s:s}}}", "k1", "keytype", keytype, "scheme", scheme,
                             "keyval", "public", pem);
    json_t *role = json_pack("{s:[s], s:i}", "keyids", "k1", "threshold", 1);
    int err = cn_tuf_verify_role(md, keys, role, "timestamp");

    json_decref(keys);
    json_decref(role);
    return err;
}

/* Flip one hex digit of md's first signature in place. */
static void tamper(cn_tuf_metadata *md)
{
    json_t *sig =
        json_object_get(json_array_get(json_object_get(md->json, "signatures"), 0), "sig");
    char *s = strdup(json_string_value(sig));

    s[10] = s[10] == '0' ? '1' : '0';
    json_string_set(sig, s);
    free(s);
}

static void test_ecdsa_p256_signatures_verify(void **state)
{
    EVP_PKEY *pkey = EVP_EC_gen("P-256");
    cn_tuf_metadata *md;
    char *pem = pem_public(pkey);

    (void)state;
    md = sign_with_evp(pkey, EVP_sha256(), 0, 0, "k1");
    assert_int_equal(verify_one(md, "ecdsa", "ecdsa-sha2-nistp256", pem), 0);
    /* The legacy keytype spelling securesystemslib once used works too. */
    assert_int_equal(verify_one(md, "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256", pem), 0);
    /* A P-256 key claiming the P-384 scheme is no key at all. */
    assert_int_equal(verify_one(md, "ecdsa", "ecdsa-sha2-nistp384", pem), CN_EVERIFY);
    tamper(md);
    assert_int_equal(verify_one(md, "ecdsa", "ecdsa-sha2-nistp256", pem), CN_EVERIFY);
    assert_non_null(strstr(cn_error_message(), "0 of 1 required signatures valid"));
    cn_tuf_metadata_free(md);
    free(pem);
    EVP_PKEY_free(pkey);
}

static void test_rsa_pss_and_pkcs1_signatures_verify(void **state)
{
    EVP_PKEY *pkey = EVP_RSA_gen(2048);
    cn_tuf_metadata *pss_digest, *pss_max, *pkcs1;
    char *pem = pem_public(pkey);

    (void)state;
    /* securesystemslib signs PSS with the digest's length as salt, others
     * with the maximum: both verify. */
    pss_digest =
        sign_with_evp(pkey, EVP_sha256(), RSA_PKCS1_PSS_PADDING, RSA_PSS_SALTLEN_DIGEST, "k1");
    pss_max = sign_with_evp(pkey, EVP_sha256(), RSA_PKCS1_PSS_PADDING, RSA_PSS_SALTLEN_MAX, "k1");
    pkcs1 = sign_with_evp(pkey, EVP_sha256(), RSA_PKCS1_PADDING, 0, "k1");
    assert_int_equal(verify_one(pss_digest, "rsa", "rsassa-pss-sha256", pem), 0);
    assert_int_equal(verify_one(pss_max, "rsa", "rsassa-pss-sha256", pem), 0);
    assert_int_equal(verify_one(pkcs1, "rsa", "rsa-pkcs1v15-sha256", pem), 0);
    /* The scheme is part of the key: a PKCS#1 signature is not a PSS one. */
    assert_int_equal(verify_one(pkcs1, "rsa", "rsassa-pss-sha256", pem), CN_EVERIFY);
    assert_int_equal(verify_one(pss_digest, "rsa", "rsa-pkcs1v15-sha256", pem), CN_EVERIFY);
    assert_int_equal(verify_one(pss_digest, "rsa", "rsassa-pss-sha512", pem), CN_EVERIFY);
    tamper(pss_digest);
    assert_int_equal(verify_one(pss_digest, "rsa", "rsassa-pss-sha256", pem), CN_EVERIFY);
    cn_tuf_metadata_free(pss_digest);
    cn_tuf_metadata_free(pss_max);
    cn_tuf_metadata_free(pkcs1);
    free(pem);
    EVP_PKEY_free(pkey);
}

static void test_ed25519_key_under_another_scheme_never_counts(void **state)
{
    server *s = *state;
    json_t *signed_ = targets_role(1, NULL), *keys, *role;
    cn_tuf_metadata *md;
    char *bytes, hex[2 * CN_ED25519_PUB_LEN + 1];
    size_t len;

    assert_int_equal(cn_tuf_sign_envelope(&bytes, &len, signed_, &s->rk, NULL), 0);
    assert_int_equal(cn_tuf_metadata_parse(&md, bytes, len, len, CN_TUF_TARGETS, "t"), 0);
    cn_key_public_hex(s->key, hex);
    role = json_pack("{s:[s], s:i}", "keyids", s->keyid, "threshold", 1);
    keys = json_pack("{s:{s:s, s:s, s:{s:s}}}", s->keyid, "keytype", "ed25519", "scheme", "ed25519",
                     "keyval", "public", hex);
    assert_int_equal(cn_tuf_verify_role(md, keys, role, "targets"), 0);
    json_decref(keys);
    keys = json_pack("{s:{s:s, s:s, s:{s:s}}}", s->keyid, "keytype", "ed25519", "scheme",
                     "rsassa-pss-sha256", "keyval", "public", hex);
    assert_int_equal(cn_tuf_verify_role(md, keys, role, "targets"), CN_EVERIFY);
    json_decref(keys);
    json_decref(role);
    json_decref(signed_);
    cn_tuf_metadata_free(md);
    free(bytes);
}

/* ---- hashes -------------------------------------------------------------- */

static void test_sha512_only_target_is_checked(void **state)
{
    static const char content[] = "target file contents";
    unsigned char d[CN_SHA512_LEN];
    char hex[2 * CN_SHA512_LEN + 1];
    json_t *t = targets_role(1, NULL);
    const cn_tuf_target_info *info;
    cn_tuf_metadata *md;
    char *bytes;
    size_t len;
    server *s = *state;

    cn_sha512(d, content, strlen(content));
    cn_hex_encode(hex, d, sizeof(d));
    json_object_set_new(
        json_object_get(t, "targets"), "a.txt",
        json_pack("{s:i, s:{s:s}}", "length", (int)strlen(content), "hashes", "sha512", hex));
    json_object_set_new(
        json_object_get(t, "targets"), "b.txt",
        json_pack("{s:i, s:{s:s}}", "length", (int)strlen(content), "hashes", "unknown-hash", hex));
    assert_int_equal(cn_tuf_sign_envelope(&bytes, &len, t, &s->rk, NULL), 0);
    assert_int_equal(cn_tuf_metadata_parse(&md, bytes, len, len, CN_TUF_TARGETS, "t"), 0);
    info = cn_tuf_targets_find(md->targets, md->ntargets, "a.txt");
    assert_non_null(info);
    assert_string_equal(info->sha256, "");
    assert_string_equal(info->sha512, hex);
    assert_int_equal(cn_tuf_verify_target_bytes(info, content, strlen(content)), 0);
    assert_int_equal(cn_tuf_verify_target_bytes(info, "target file content!", strlen(content)),
                     CN_EVERIFY);
    /* Listed with no hash the client knows: the metadata is fine, the
     * target can never be accepted. */
    info = cn_tuf_targets_find(md->targets, md->ntargets, "b.txt");
    assert_non_null(info);
    assert_int_equal(cn_tuf_verify_target_bytes(info, content, strlen(content)), CN_EVERIFY);
    assert_non_null(strstr(cn_error_message(), "no sha256 or sha512"));
    cn_tuf_metadata_free(md);
    json_decref(t);
    free(bytes);
}

/* ---- delegations: which paths a delegation covers ------------------------ */

static int covers(const char *key, const char *value, const char *path)
{
    json_t *r = json_pack("{s:[s]}", key, value);
    int yes = cn_tuf_delegation_covers(r, path);

    json_decref(r);
    return yes;
}

static void test_path_patterns_match_per_component(void **state)
{
    char hex[CN_SHA256_HEX_LEN + 1];

    (void)state;
    assert_true(covers("paths", "*", "file.txt"));
    assert_false(covers("paths", "*", "dir/file.txt")); /* '*' never crosses '/' */
    assert_true(covers("paths", "dir/*", "dir/file.txt"));
    assert_false(covers("paths", "dir/*", "dir/sub/file.txt"));
    assert_true(covers("paths", "dir/*/*.txt", "dir/sub/file.txt"));
    assert_true(covers("paths", "file?.txt", "file1.txt"));
    assert_false(covers("paths", "file?.txt", "file10.txt"));
    assert_true(covers("paths", "f[ab].txt", "fb.txt"));
    assert_false(covers("paths", "f[!ab].txt", "fb.txt"));
    assert_true(covers("paths", "a\\b", "a\\b")); /* no escapes, as python-tuf */
    assert_false(covers("paths", "targets/*", "other/targets/x"));
    cn_sha256_hex(hex, "file.txt", 8);
    hex[2] = '\0';
    assert_true(covers("path_hash_prefixes", hex, "file.txt"));
    hex[0] = hex[0] == '0' ? '1' : '0';
    assert_false(covers("path_hash_prefixes", hex, "file.txt"));
}

static void test_delegations_are_checked_at_parse(void **state)
{
    static const char *const bad[] = {
        /* both paths and path_hash_prefixes */
        "{\"keys\":{},\"roles\":[{\"name\":\"a\",\"keyids\":[],\"threshold\":1,"
        "\"terminating\":false,\"paths\":[],\"path_hash_prefixes\":[]}]}",
        /* neither */
        "{\"keys\":{},\"roles\":[{\"name\":\"a\",\"keyids\":[],\"threshold\":1,"
        "\"terminating\":false}]}",
        /* a top-level role's name */
        "{\"keys\":{},\"roles\":[{\"name\":\"snapshot\",\"keyids\":[],\"threshold\":1,"
        "\"terminating\":false,\"paths\":[]}]}",
        /* one name twice */
        "{\"keys\":{},\"roles\":[{\"name\":\"a\",\"keyids\":[],\"threshold\":1,"
        "\"terminating\":false,\"paths\":[]},{\"name\":\"a\",\"keyids\":[],\"threshold\":1,"
        "\"terminating\":false,\"paths\":[]}]}",
        /* threshold 0, terminating missing */
        "{\"keys\":{},\"roles\":[{\"name\":\"a\",\"keyids\":[],\"threshold\":0,"
        "\"terminating\":false,\"paths\":[]}]}",
        "{\"keys\":{},\"roles\":[{\"name\":\"a\",\"keyids\":[],\"threshold\":1,\"paths\":[]}]}",
        /* a keyid twice */
        "{\"keys\":{},\"roles\":[{\"name\":\"a\",\"keyids\":[\"k\",\"k\"],\"threshold\":1,"
        "\"terminating\":false,\"paths\":[]}]}",
        "{\"keys\":[],\"roles\":[]}",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *d = json_loads(bad[i], 0, NULL);
        assert_non_null(d);
        if (cn_tuf_delegations_check(d, "t.json") != CN_EINVAL)
            fail_msg("case %zu accepted", i);
        json_decref(d);
    }
}

/* ---- delegations: the search for one target ------------------------------ */

static void test_search_is_preorder_depth_first(void **state)
{
    server *s = *state;
    const cn_tuf_target_info *info;
    cn_tuf_client *c;
    json_t *a, *b, *cc;

    new_repo(s);
    delegate(s, s->targets, "A", "*", 0);
    delegate(s, s->targets, "B", "*", 0);
    a = new_role(s, "A");
    b = new_role(s, "B");
    delegate(s, a, "C", "*", 0);
    cc = new_role(s, "C");
    add_target(b, "x", "from B");
    add_target(cc, "x", "from C");
    publish(s);
    c = refreshed_client(s);
    /* A, then A's child C, before A's sibling B. */
    assert_int_equal(cn_tuf_client_find_target(&info, c, "x", fetch, s), 0);
    assert_string_equal(s->log, "tuf/1.A.json tuf/1.C.json ");
    assert_int_equal(info->length, strlen("from C"));
    assert_int_equal(cn_tuf_client_delegated_count(c), 2);
    /* What is trusted is not fetched again. */
    s->log[0] = '\0';
    assert_int_equal(cn_tuf_client_find_target(&info, c, "x", fetch, s), 0);
    assert_string_equal(s->log, "");
    /* A path nobody lists: every covering role is visited, then ENOTFOUND. */
    assert_int_equal(cn_tuf_client_find_target(&info, c, "y", fetch, s), CN_ENOTFOUND);
    assert_string_equal(s->log, "tuf/1.B.json ");
    cn_tuf_client_free(c);
}

static void test_search_stops_below_a_terminating_delegation(void **state)
{
    server *s = *state;
    const cn_tuf_target_info *info;
    cn_tuf_client *c;
    json_t *b;

    new_repo(s);
    delegate(s, s->targets, "A", "*", 0);
    delegate(s, s->targets, "T", "*", 1);
    delegate(s, s->targets, "B", "*", 0);
    new_role(s, "A");
    new_role(s, "T");
    b = new_role(s, "B");
    add_target(b, "x", "from B");
    publish(s);
    c = refreshed_client(s);
    /* A (a sibling before T) is still visited, then T; never B. */
    assert_int_equal(cn_tuf_client_find_target(&info, c, "x", fetch, s), CN_ENOTFOUND);
    assert_string_equal(s->log, "tuf/1.A.json tuf/1.T.json ");
    cn_tuf_client_free(c);
}

static void test_terminating_delegation_ends_backtracking_above_it(void **state)
{
    server *s = *state;
    const cn_tuf_target_info *info;
    cn_tuf_client *c;
    json_t *p;

    new_repo(s);
    delegate(s, s->targets, "P", "*", 0);
    delegate(s, s->targets, "B", "*", 0);
    p = new_role(s, "P");
    delegate(s, p, "T", "*", 1);
    new_role(s, "T");
    add_target(new_role(s, "B"), "x", "from B");
    publish(s);
    c = refreshed_client(s);
    /* T ends the search: B, pending beside P, is never visited. */
    assert_int_equal(cn_tuf_client_find_target(&info, c, "x", fetch, s), CN_ENOTFOUND);
    assert_string_equal(s->log, "tuf/1.P.json tuf/1.T.json ");
    cn_tuf_client_free(c);
}

static void test_search_follows_only_covering_delegations(void **state)
{
    server *s = *state;
    char hex[CN_SHA256_HEX_LEN + 1], prefix[8];
    const cn_tuf_target_info *info;
    cn_tuf_client *c;
    json_t *bin;

    new_repo(s);
    cn_sha256_hex(hex, "bins/file", 9);
    snprintf(prefix, sizeof(prefix), "#%.2s", hex);
    delegate(s, s->targets, "docs", "docs/*", 0);
    delegate(s, s->targets, "bin-other", hex[0] == '0' ? "#1" : "#0", 0);
    delegate(s, s->targets, "bin", prefix, 0);
    new_role(s, "docs");
    new_role(s, "bin-other");
    bin = new_role(s, "bin");
    add_target(bin, "bins/file", "binned");
    publish(s);
    c = refreshed_client(s);
    assert_int_equal(cn_tuf_client_find_target(&info, c, "bins/file", fetch, s), 0);
    assert_string_equal(s->log, "tuf/1.bin.json ");
    cn_tuf_client_free(c);
}

static void test_search_visits_at_most_32_roles(void **state)
{
    server *s = *state;
    const cn_tuf_target_info *info;
    json_t *parent;
    cn_tuf_client *c;
    char name[16];
    size_t i, fetched = 0;
    const char *p;

    new_repo(s);
    parent = s->targets;
    /* A chain r0 -> r1 -> ... -> r39; r31 and r39 list a target. */
    for (i = 0; i < 40; i++) {
        snprintf(name, sizeof(name), "r%zu", i);
        delegate(s, parent, name, "*", 0);
        parent = new_role(s, name);
        if (i == 31)
            add_target(parent, "near", "31");
        if (i == 39)
            add_target(parent, "far", "39");
    }
    publish(s);
    c = refreshed_client(s);
    /* targets and r0..r31 are 33 visits: the 32nd delegated role is reached. */
    assert_int_equal(cn_tuf_client_find_target(&info, c, "near", fetch, s), 0);
    assert_int_equal(cn_tuf_client_find_target(&info, c, "far", fetch, s), CN_ENOTFOUND);
    for (p = s->log; (p = strstr(p, ".json")) != NULL; p++)
        fetched++;
    assert_int_equal(fetched, 32);
    assert_null(strstr(s->log, "r32"));
    cn_tuf_client_free(c);
}

static void test_delegated_role_names_are_percent_encoded(void **state)
{
    server *s = *state;
    const cn_tuf_target_info *info;
    cn_tuf_client *c;
    char *name;

    assert_int_equal(cn_tuf_role_file_name(&name, "../a b/?#", 3), 0);
    assert_string_equal(name, "3...%2Fa%20b%2F%3F%23.json");
    free(name);
    assert_int_equal(cn_tuf_role_file_name(&name, "targets", 0), 0);
    assert_string_equal(name, "targets.json");
    free(name);
    assert_int_equal(cn_tuf_role_file_name(&name, "", 0), CN_EINVAL);
    new_repo(s);
    delegate(s, s->targets, "team/a?", "*", 0);
    add_target(new_role(s, "team/a?"), "x", "x");
    publish(s);
    c = refreshed_client(s);
    assert_int_equal(cn_tuf_client_find_target(&info, c, "x", fetch, s), 0);
    assert_string_equal(s->log, "tuf/1.team%2Fa%3F.json ");
    cn_tuf_client_free(c);
}

static void test_diamond_role_verifies_with_each_delegator(void **state)
{
    server *s = *state;
    const cn_tuf_target_info *info;
    json_t *pa, *pb, *rel, *roles;
    cn_key *other;
    char other_id[CN_SHA256_HEX_LEN + 1];
    cn_tuf_client *c;

    new_repo(s);
    delegate(s, s->targets, "parent-a", "team-a/*", 0);
    delegate(s, s->targets, "parent-b", "team-b/*", 0);
    pa = new_role(s, "parent-a");
    pb = new_role(s, "parent-b");
    delegate(s, pa, "release", "team-a/*", 0);
    delegate(s, pb, "release", "team-b/*", 0);
    /* parent-b gives "release" another key, which does not sign it. */
    assert_int_equal(cn_key_generate(&other), 0);
    assert_int_equal(cn_tuf_keyid(other_id, other), 0);
    {
        json_t *k;
        assert_int_equal(cn_tuf_key_json(&k, other), 0);
        json_object_set_new(json_object_get(json_object_get(pb, "delegations"), "keys"), other_id,
                            k);
    }
    roles = json_object_get(json_object_get(pb, "delegations"), "roles");
    json_object_set_new(json_array_get(roles, 0), "keyids", json_pack("[s]", other_id));
    rel = new_role(s, "release");
    add_target(rel, "team-a/f", "trusted A");
    add_target(rel, "team-b/f", "malicious B");
    publish(s);
    c = refreshed_client(s);
    assert_int_equal(cn_tuf_client_find_target(&info, c, "team-a/f", fetch, s), 0);
    assert_int_equal(cn_tuf_client_find_target(&info, c, "team-b/f", fetch, s), CN_EVERIFY);
    cn_tuf_client_free(c);
    cn_key_free(other);
}

/* ---- listing mode -------------------------------------------------------- */

static void test_listing_loads_every_reachable_role(void **state)
{
    server *s = *state;
    const unsigned char *bytes;
    cn_tuf_client *c;
    json_t *a, *cc, *b;
    size_t len;

    new_repo(s);
    delegate(s, s->targets, "items.a", "a/*,a/*/*", 0);
    delegate(s, s->targets, "items.b", "b/*", 1);
    a = new_role(s, "items.a");
    b = new_role(s, "items.b");
    delegate(s, a, "items.a.c", "a/c/*", 0);
    cc = new_role(s, "items.a.c");
    add_target(a, "a/1", "one");
    add_target(a, "b/evil", "not delegated to items.a");
    add_target(cc, "a/c/2", "two");
    add_target(cc, "a/3", "outside a/c/*");
    add_target(b, "b/4", "four");
    publish(s);
    c = refreshed_client(s);
    assert_int_equal(cn_tuf_client_load_delegations(c, fetch, s), 0);
    assert_string_equal(s->log, "tuf/1.items.a.json tuf/1.items.a.c.json tuf/1.items.b.json ");
    assert_int_equal(cn_tuf_client_delegated_count(c), 3);
    assert_string_equal(cn_tuf_client_delegated_at(c, 0), "items.a");
    assert_string_equal(cn_tuf_client_delegated_at(c, 1), "items.a.c");
    assert_string_equal(cn_tuf_client_delegated_at(c, 2), "items.b");
    assert_null(cn_tuf_client_delegated_at(c, 3));
    assert_int_equal(cn_tuf_client_delegated_version(c, 1), 1);
    /* Each role's targets, as far as its delegation chain covers them. */
    assert_int_equal(cn_tuf_client_delegated_target_count(c, 0), 1);
    assert_string_equal(cn_tuf_client_delegated_target_at(c, 0, 0)->path, "a/1");
    assert_int_equal(cn_tuf_client_delegated_target_count(c, 1), 1);
    assert_string_equal(cn_tuf_client_delegated_target_at(c, 1, 0)->path, "a/c/2");
    assert_int_equal(cn_tuf_client_delegated_target_count(c, 2), 1);
    assert_null(cn_tuf_client_delegated_target_at(c, 2, 1));
    /* The bytes to persist are the bytes served. */
    assert_int_equal(cn_tuf_client_delegated_bytes(&bytes, &len, c, 1), 0);
    assert_int_equal(len, lookup(s, "tuf/1.items.a.c.json")->len);
    assert_memory_equal(bytes, lookup(s, "tuf/1.items.a.c.json")->data, len);
    assert_int_equal(cn_tuf_client_delegated_bytes(&bytes, &len, c, 3), CN_ENOTFOUND);
    cn_tuf_client_free(c);
}

static void test_listing_reuses_stored_roles_of_the_same_version(void **state)
{
    server *s = *state;
    const served *root, *f;
    cn_tuf_client *c;
    json_t *b;

    new_repo(s);
    delegate(s, s->targets, "items.a", "a/*", 0);
    delegate(s, s->targets, "items.b", "b/*", 0);
    add_target(new_role(s, "items.a"), "a/1", "one");
    b = new_role(s, "items.b");
    add_target(b, "b/1", "one");
    publish(s);
    /* items.b changes (version 2); items.a does not. */
    json_object_set_new(b, "version", json_integer(2));
    add_target(b, "b/2", "two");
    publish(s);

    root = lookup(s, "tuf/1.root.json");
    assert_int_equal(cn_tuf_client_new(&c, root->data, root->len, s->now), 0);
    f = lookup(s, "tuf/1.items.a.json");
    assert_int_equal(cn_tuf_client_set_trusted_delegated(c, "items.a", f->data, f->len), 0);
    f = lookup(s, "tuf/1.items.b.json");
    assert_int_equal(cn_tuf_client_set_trusted_delegated(c, "items.b", f->data, f->len), 0);
    assert_int_equal(cn_tuf_client_refresh(c, fetch, s), 0);
    s->log[0] = '\0';
    assert_int_equal(cn_tuf_client_load_delegations(c, fetch, s), 0);
    assert_string_equal(s->log, "tuf/2.items.b.json ");
    assert_int_equal(cn_tuf_client_delegated_version(c, 1), 2);
    assert_int_equal(cn_tuf_client_delegated_target_count(c, 1), 2);

    /* A refresh that changes nothing keeps them; a new snapshot keeps their
     * bytes, so nothing is downloaded again either. */
    assert_int_equal(cn_tuf_client_refresh(c, fetch, s), 0);
    assert_int_equal(cn_tuf_client_delegated_count(c), 2);
    publish(s);
    assert_int_equal(cn_tuf_client_refresh(c, fetch, s), 0);
    assert_int_equal(cn_tuf_client_delegated_count(c), 0);
    s->log[0] = '\0';
    assert_int_equal(cn_tuf_client_load_delegations(c, fetch, s), 0);
    assert_string_equal(s->log, "");
    assert_int_equal(cn_tuf_client_delegated_count(c), 2);
    cn_tuf_client_free(c);
}

static void test_listing_fails_on_a_role_that_does_not_verify(void **state)
{
    server *s = *state;
    cn_tuf_client *c;

    new_repo(s);
    delegate(s, s->targets, "items.a", "a/*", 0);
    delegate(s, s->targets, "items.missing", "m/*", 0);
    add_target(new_role(s, "items.a"), "a/1", "one");
    publish(s);
    c = refreshed_client(s);
    /* The snapshot does not list items.missing. */
    assert_int_equal(cn_tuf_client_load_delegations(c, fetch, s), CN_EVERIFY);
    assert_non_null(strstr(cn_error_message(), "items.missing"));
    cn_tuf_client_free(c);

    /* A role signed by a key its delegator does not give it is refused. */
    json_array_remove(json_object_get(json_object_get(s->targets, "delegations"), "roles"), 1);
    json_object_del(s->delegated, "items.missing");
    publish(s);
    stranger_sign(s, "tuf/1.items.a.json");
    c = refreshed_client(s);
    assert_int_equal(cn_tuf_client_load_delegations(c, fetch, s), CN_EVERIFY);
    assert_non_null(strstr(cn_error_message(), "items.a.json"));
    cn_tuf_client_free(c);
}

/* ---- the persist hook ---------------------------------------------------- */

typedef struct {
    char names[512];
} persisted;

static int record(void *ctx, const char *role, const unsigned char *data, size_t len)
{
    persisted *p = ctx;

    (void)data;
    (void)len;
    strcat(p->names, role);
    strcat(p->names, " ");
    return 0;
}

static void test_persist_hook_sees_each_role_as_it_verifies(void **state)
{
    server *s = *state;
    const served *root;
    const cn_tuf_target_info *info;
    persisted p = {""};
    cn_tuf_client *c;
    char path[64];
    json_t *snap, *env;

    new_repo(s);
    delegate(s, s->targets, "A", "*", 0);
    add_target(new_role(s, "A"), "x", "x");
    publish(s);
    /* The snapshot is signed by a key the root does not know. */
    snprintf(path, sizeof(path), "tuf/%llu.snapshot.json", (unsigned long long)s->version);
    assert_int_equal(
        cn_json_parse(&env, lookup(s, path)->data, lookup(s, path)->len, CN_JSON_MAX_DEPTH, path),
        0);
    snap = json_incref(json_object_get(env, "signed"));
    json_decref(env);
    stranger_sign(s, path);
    root = lookup(s, "tuf/1.root.json");
    assert_int_equal(cn_tuf_client_new(&c, root->data, root->len, s->now), 0);
    cn_tuf_client_set_persist(c, record, &p);
    /* The timestamp verified and is told at once; the snapshot never is. */
    assert_int_equal(cn_tuf_client_refresh(c, fetch, s), CN_EVERIFY);
    assert_string_equal(p.names, "timestamp ");
    /* The client's own state changed all or nothing, as sync needs. */
    assert_int_equal(cn_tuf_client_version(c, CN_TUF_TIMESTAMP), 0);

    put_signed(s, path, snap, NULL);
    json_decref(snap);
    p.names[0] = '\0';
    assert_int_equal(cn_tuf_client_refresh(c, fetch, s), 0);
    assert_string_equal(p.names, "timestamp snapshot targets ");
    p.names[0] = '\0';
    assert_int_equal(cn_tuf_client_find_target(&info, c, "x", fetch, s), 0);
    assert_string_equal(p.names, "A ");
    cn_tuf_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ecdsa_p256_signatures_verify),
        cmocka_unit_test(test_rsa_pss_and_pkcs1_signatures_verify),
        cmocka_unit_test_setup_teardown(test_ed25519_key_under_another_scheme_never_counts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sha512_only_target_is_checked, setup, teardown),
        cmocka_unit_test(test_path_patterns_match_per_component),
        cmocka_unit_test(test_delegations_are_checked_at_parse),
        cmocka_unit_test_setup_teardown(test_search_is_preorder_depth_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_stops_below_a_terminating_delegation, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_terminating_delegation_ends_backtracking_above_it,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_follows_only_covering_delegations, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_search_visits_at_most_32_roles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delegated_role_names_are_percent_encoded, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_diamond_role_verifies_with_each_delegator, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_listing_loads_every_reachable_role, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listing_reuses_stored_roles_of_the_same_version, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_listing_fails_on_a_role_that_does_not_verify, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_persist_hook_sees_each_role_as_it_verifies, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
