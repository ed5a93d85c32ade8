/*
 * test_tuf.c - TUF metadata, repository writer and client workflow, on real
 * files in a temporary directory. Attacks (rollback, freeze, mix-and-match,
 * bad rotation, tampered targets) are built by re-signing real metadata with
 * the repository's own keys, so only the attacked property is wrong.
 */
#include "core/error.h"
#include "core/file.h"
#include "core/json.h"
#include "core/key.h"
#include "core/tuf.h"
#include "core/tuf_internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

typedef struct {
    char dir[64];
    cn_key *key;
    cn_tuf_keys keys;
    cn_tuf_repo *repo;
    time_t now;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    cn_tuf_repo_options opts = CN_TUF_REPO_OPTIONS_INIT;

    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/cn-test-tuf-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(cn_key_generate(&f->key), 0);
    cn_tuf_keys_single(&f->keys, f->key);
    f->now = time(NULL);
    opts.now = f->now;
    assert_int_equal(cn_tuf_repo_init(&f->repo, f->dir, &f->keys, &opts), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    cn_tuf_repo_free(f->repo);
    cn_key_free(f->key);
    cn_rmtree(f->dir);
    free(f);
    return 0;
}

static unsigned char *read_rel(const fixture *f, const char *rel, size_t *len)
{
    char path[4096];
    unsigned char *data = NULL;

    snprintf(path, sizeof(path), "%s/%s", f->dir, rel);
    assert_int_equal(cn_file_read(&data, len, path, CN_TUF_MAX_METADATA_LEN), 0);
    return data;
}

static void write_rel(const fixture *f, const char *rel, const void *data, size_t len)
{
    char path[4096];

    snprintf(path, sizeof(path), "%s/%s", f->dir, rel);
    assert_int_equal(cn_file_write_atomic(path, data, len, 0644), 0);
}

/* A fresh client from tuf/1.root.json, refreshed; returns the refresh result. */
static int client_refresh(cn_tuf_client **out, const fixture *f, time_t now)
{
    unsigned char *root;
    size_t len;
    int err;

    root = read_rel(f, "tuf/1.root.json", &len);
    assert_int_equal(cn_tuf_client_new(out, root, len, now), 0);
    free(root);
    err = cn_tuf_client_refresh(*out, cn_tuf_fetch_dir, (void *)f->dir);
    return err;
}

/* The "signed" part of a file, as a modifiable deep copy. */
static json_t *signed_of(const fixture *f, const char *rel)
{
    unsigned char *data;
    size_t len;
    json_t *env, *s;

    data = read_rel(f, rel, &len);
    assert_int_equal(cn_json_parse(&env, data, len, CN_JSON_MAX_DEPTH, rel), 0);
    s = json_deep_copy(json_object_get(env, "signed"));
    json_decref(env);
    free(data);
    return s;
}

/* Sign s with rk (and extra) and write it to rel; s is consumed. */
static void sign_write(const fixture *f, const char *rel, json_t *s, const cn_tuf_role_keys *rk,
                       const cn_tuf_role_keys *extra)
{
    char *bytes;
    size_t len;

    assert_int_equal(cn_tuf_sign_envelope(&bytes, &len, s, rk, extra), 0);
    write_rel(f, rel, bytes, len);
    free(bytes);
    json_decref(s);
}

/* {version, length, hashes} for the file at rel. */
static json_t *meta_of(const fixture *f, const char *rel, json_int_t version)
{
    unsigned char *data;
    char hex[CN_SHA256_HEX_LEN + 1];
    size_t len;
    json_t *m;

    data = read_rel(f, rel, &len);
    cn_sha256_hex(hex, data, len);
    m = json_pack("{s:I, s:I, s:{s:s}}", "version", version, "length", (json_int_t)len, "hashes",
                  "sha256", hex);
    free(data);
    return m;
}

/* A new timestamp (version v) naming snapshot file rel as version sv. */
static void write_timestamp(const fixture *f, json_int_t v, const char *snaprel, json_int_t sv)
{
    json_t *ts = signed_of(f, "tuf/timestamp.json");

    json_object_set_new(ts, "version", json_integer(v));
    json_object_set_new(ts, "meta", json_pack("{s:o}", "snapshot.json", meta_of(f, snaprel, sv)));
    sign_write(f, "tuf/timestamp.json", ts, &f->keys.role[CN_TUF_TIMESTAMP], NULL);
}

static void add_demo(fixture *f, const char *path, const char *content)
{
    json_t *custom = json_pack("{s:s, s:s}", "kind", "solution", "version", "1.0.0");

    assert_int_equal(cn_tuf_repo_add_target(f->repo, path, content, strlen(content), custom), 0);
    json_decref(custom);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_init_add_commit_refresh(void **state)
{
    fixture *f = *state;
    const cn_tuf_target_info *info;
    cn_tuf_client *c = NULL;
    cn_tuf_repo *again = NULL;
    unsigned char *data, *got;
    char id[CN_SHA256_HEX_LEN + 1], hex[CN_SHA256_HEX_LEN + 1], rel[256];
    size_t len, rootlen, gotlen;
    const unsigned char *rootbytes;
    json_t *env;

    add_demo(f, "items/demo/1.0.0/manifest.json", "{\"name\":\"demo\"}");
    add_demo(f, "node.json", "{\"city\":\"Leipzig\"}");
    assert_int_equal(cn_tuf_repo_commit(f->repo), 0);
    assert_int_equal(cn_tuf_repo_version(f->repo, CN_TUF_TARGETS), 2);
    assert_int_equal(cn_tuf_repo_version(f->repo, CN_TUF_SNAPSHOT), 2);
    assert_int_equal(cn_tuf_repo_version(f->repo, CN_TUF_TIMESTAMP), 2);
    assert_int_equal(cn_tuf_repo_version(f->repo, CN_TUF_ROOT), 1);

    /* Files under consistent names, metadata written as canonical JSON. */
    cn_sha256_hex(hex, "{\"name\":\"demo\"}", strlen("{\"name\":\"demo\"}"));
    snprintf(rel, sizeof(rel), "targets/items/demo/1.0.0/%s.manifest.json", hex);
    free(read_rel(f, rel, &len));
    assert_int_equal(len, strlen("{\"name\":\"demo\"}"));
    free(read_rel(f, "tuf/1.targets.json", &len));
    free(read_rel(f, "tuf/2.snapshot.json", &len));
    data = read_rel(f, "tuf/1.root.json", &len);
    {
        char *canon;
        size_t clen;
        assert_int_equal(cn_json_parse(&env, data, len, CN_JSON_MAX_DEPTH, "root"), 0);
        assert_int_equal(cn_json_canonical(&canon, &clen, env), 0);
        assert_int_equal(clen, len);
        assert_memory_equal(canon, data, len);
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(env, "signed"), "spec_version")),
            "1.0.31");
        free(canon);
        json_decref(env);
    }
    assert_int_equal(cn_tuf_repo_node_id(id, f->repo), 0);
    cn_sha256_hex(hex, data, len);
    assert_string_equal(id, hex);
    rootbytes = cn_tuf_repo_root_bytes(f->repo, &rootlen);
    assert_int_equal(rootlen, len);
    assert_memory_equal(rootbytes, data, len);
    free(data);

    /* A follower sees both targets with their custom fields. */
    assert_int_equal(client_refresh(&c, f, f->now + 60), 0);
    assert_int_equal(cn_tuf_client_target_count(c), 2);
    assert_string_equal(cn_tuf_client_target_at(c, 0)->path, "items/demo/1.0.0/manifest.json");
    assert_string_equal(cn_tuf_client_target_at(c, 1)->path, "node.json");
    assert_int_equal(cn_tuf_client_get_target_info(&info, c, "node.json"), 0);
    assert_string_equal(json_string_value(json_object_get(info->custom, "kind")), "solution");
    assert_int_equal(cn_tuf_client_fetch_target(&got, &gotlen, c, info, cn_tuf_fetch_dir, f->dir),
                     0);
    assert_int_equal(gotlen, strlen("{\"city\":\"Leipzig\"}"));
    assert_memory_equal(got, "{\"city\":\"Leipzig\"}", gotlen);
    free(got);
    assert_int_equal(cn_tuf_client_get_target_info(&info, c, "nope"), CN_ENOTFOUND);
    assert_int_equal(cn_tuf_client_version(c, CN_TUF_TIMESTAMP), 2);
    assert_int_equal(cn_tuf_client_metadata_bytes(&rootbytes, &rootlen, c, CN_TUF_SNAPSHOT), 0);
    data = read_rel(f, "tuf/2.snapshot.json", &len);
    assert_int_equal(rootlen, len);
    assert_memory_equal(rootbytes, data, len);
    free(data);
    cn_tuf_client_free(c);

    assert_int_equal(cn_tuf_verify_dir(f->dir, f->now + 60), 0);

    /* Reopening reads the published state back. */
    assert_int_equal(cn_tuf_repo_open(&again, f->dir, &f->keys, NULL), 0);
    assert_int_equal(cn_tuf_repo_target_count(again), 2);
    assert_int_equal(cn_tuf_repo_get_target(&info, again, "items/demo/1.0.0/manifest.json"), 0);
    assert_int_equal(info->length, strlen("{\"name\":\"demo\"}"));
    assert_int_equal(cn_tuf_repo_version(again, CN_TUF_TARGETS), 2);
    assert_int_equal(cn_tuf_repo_remove_target(again, "node.json"), 0);
    assert_int_equal(cn_tuf_repo_remove_target(again, "node.json"), CN_ENOTFOUND);
    assert_int_equal(cn_tuf_repo_commit(again), 0);
    cn_tuf_repo_free(again);
    assert_int_equal(client_refresh(&c, f, f->now + 60), 0);
    assert_int_equal(cn_tuf_client_target_count(c), 1);
    assert_int_equal(cn_tuf_client_version(c, CN_TUF_TARGETS), 3);
    cn_tuf_client_free(c);

    /* Init refuses an existing repository. */
    assert_int_equal(cn_tuf_repo_init(&again, f->dir, &f->keys, NULL), CN_EEXISTS);
}

static void test_open_refuses_foreign_key(void **state)
{
    fixture *f = *state;
    cn_tuf_keys other;
    cn_tuf_repo *r = NULL;
    cn_key *k;

    assert_int_equal(cn_key_generate(&k), 0);
    cn_tuf_keys_single(&other, k);
    assert_int_equal(cn_tuf_repo_open(&r, f->dir, &other, NULL), CN_EVERIFY);
    assert_non_null(strstr(cn_error_message(), "is not a root key"));
    assert_int_equal(cn_tuf_repo_open(&r, f->dir, NULL, NULL), 0);
    assert_int_equal(cn_tuf_repo_commit(r), CN_EINVAL);
    cn_tuf_repo_free(r);
    cn_key_free(k);
}

static void test_add_target_refuses_bad_input(void **state)
{
    fixture *f = *state;
    json_t *real = json_pack("{s:f}", "x", 1.5), *arr = json_array();

    assert_int_equal(cn_tuf_repo_add_target(f->repo, "a/../b", "x", 1, NULL), CN_EINVAL);
    assert_int_equal(cn_tuf_repo_add_target(f->repo, "a.json", "x", 1, real), CN_EINVAL);
    assert_non_null(strstr(cn_error_message(), "a.json: custom metadata"));
    assert_int_equal(cn_tuf_repo_add_target(f->repo, "a.json", "x", 1, arr), CN_EINVAL);
    assert_int_equal(cn_tuf_repo_target_count(f->repo), 0);
    assert_int_equal(cn_tuf_repo_add_target_file(f->repo, "a.json", "/nonexistent/file", NULL),
                     CN_ENOTFOUND);
    /* replacing a target keeps one entry */
    assert_int_equal(cn_tuf_repo_add_target(f->repo, "a.json", "x", 1, NULL), 0);
    assert_int_equal(cn_tuf_repo_add_target(f->repo, "a.json", "yy", 2, NULL), 0);
    assert_int_equal(cn_tuf_repo_target_count(f->repo), 1);
    assert_int_equal(cn_tuf_repo_target_at(f->repo, 0)->length, 2);
    json_decref(real);
    json_decref(arr);
}

static void test_threshold_counts_distinct_keys(void **state)
{
    fixture *f = *state;
    cn_tuf_metadata *root = NULL, *md = NULL;
    cn_tuf_role_keys two = {{f->key, NULL}, 2, 2};
    cn_key *k2;
    unsigned char *data;
    size_t len;
    char *bytes;
    json_t *rs, *env, *sigs;

    assert_int_equal(cn_key_generate(&k2), 0);
    two.keys[1] = k2;
    /* Timestamp needs 2 of {key, k2}. */
    assert_int_equal(cn_tuf_repo_rotate_keys(f->repo, CN_TUF_TIMESTAMP, &two), 0);
    data = read_rel(f, "tuf/2.root.json", &len);
    assert_int_equal(cn_tuf_metadata_parse(&root, data, len, len, CN_TUF_ROOT, "2.root.json"), 0);
    free(data);
    data = read_rel(f, "tuf/timestamp.json", &len);
    assert_int_equal(cn_tuf_metadata_parse(&md, data, len, len, CN_TUF_TIMESTAMP, "timestamp.json"),
                     0);
    assert_int_equal(cn_tuf_metadata_verify(md, root, CN_TUF_TIMESTAMP), 0);
    cn_tuf_metadata_free(md);
    /* A repository holding only one of the two timestamp keys refuses to publish. */
    {
        cn_tuf_repo *r = NULL;
        assert_int_equal(cn_tuf_repo_open(&r, f->dir, &f->keys, NULL), 0);
        assert_int_equal(cn_tuf_repo_commit(r), CN_EVERIFY);
        assert_non_null(strstr(cn_error_message(), "1 of 2 required signatures valid"));
        cn_tuf_repo_free(r);
    }

    /* Drop the second signature and list the first one twice. */
    assert_int_equal(cn_json_parse(&env, data, len, CN_JSON_MAX_DEPTH, "ts"), 0);
    free(data);
    sigs = json_object_get(env, "signatures");
    assert_int_equal(json_array_size(sigs), 2);
    json_array_set(sigs, 1, json_array_get(sigs, 0));
    assert_int_equal(cn_json_canonical(&bytes, &len, env), 0);
    json_decref(env);
    /* A keyid may sign only once (spec §4.1): refused before counting. */
    assert_int_equal(
        cn_tuf_metadata_parse(&md, bytes, len, len, CN_TUF_TIMESTAMP, "timestamp.json"),
        CN_EVERIFY);
    assert_non_null(strstr(cn_error_message(), "more than one signature"));
    assert_null(md);
    free(bytes);

    /* A root listing the same keyid twice with threshold 2 is not satisfied by one key. */
    rs = json_deep_copy(cn_tuf_metadata_signed(root));
    {
        json_t *r = json_object_get(json_object_get(rs, "roles"), "timestamp");
        json_t *ids = json_object_get(r, "keyids");
        json_array_set(ids, 1, json_array_get(ids, 0));
    }
    cn_tuf_metadata_free(root);
    assert_int_equal(cn_tuf_sign_envelope(&bytes, &len, rs, &f->keys.role[CN_TUF_ROOT], NULL), 0);
    json_decref(rs);
    /* ... nor accepted at all: a role's keyids must be distinct. */
    assert_int_equal(cn_tuf_metadata_parse(&root, bytes, len, len, CN_TUF_ROOT, "root"), CN_EINVAL);
    assert_non_null(strstr(cn_error_message(), "distinct keyids"));
    free(bytes);
    cn_key_free(k2);
}

static void test_unknown_keyid_ignored(void **state)
{
    fixture *f = *state;
    cn_tuf_metadata *root = NULL, *md = NULL;
    unsigned char *data;
    size_t len;
    char *bytes;
    json_t *env;

    data = read_rel(f, "tuf/1.root.json", &len);
    assert_int_equal(cn_tuf_metadata_parse(&root, data, len, len, CN_TUF_ROOT, "root"), 0);
    free(data);
    data = read_rel(f, "tuf/timestamp.json", &len);
    assert_int_equal(cn_json_parse(&env, data, len, CN_JSON_MAX_DEPTH, "ts"), 0);
    free(data);
    json_array_insert_new(json_object_get(env, "signatures"), 0,
                          json_pack("{s:s, s:s}", "keyid", "00ff", "sig", "zz"));
    assert_int_equal(cn_json_canonical(&bytes, &len, env), 0);
    json_decref(env);
    assert_int_equal(cn_tuf_metadata_parse(&md, bytes, len, len, CN_TUF_TIMESTAMP, "ts"), 0);
    assert_int_equal(cn_tuf_metadata_verify(md, root, CN_TUF_TIMESTAMP), 0);
    /* but it is not valid as snapshot (wrong role is a _type error first) */
    cn_tuf_metadata_free(md);
    assert_int_equal(cn_tuf_metadata_parse(&md, bytes, len, len, CN_TUF_SNAPSHOT, "ts"), CN_EINVAL);
    free(bytes);
    cn_tuf_metadata_free(root);
}

static void test_parse_errors_name_the_field(void **state)
{
    static const struct {
        const char *json;
        int code;
        const char *msg;
    } cases[] = {
        {"[]", CN_EINVAL, "top level"},
        {"{\"signatures\":[],\"signed\":{\"_type\":\"root\"}}", CN_EINVAL, "_type is \"root\""},
        {"{\"signatures\":{},\"signed\":{}}", CN_EINVAL, "signatures"},
        {"{\"signatures\":[],\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"2.0.0\"}}",
         CN_EINVAL, "spec_version 2.0.0"},
        {"{\"signatures\":[],\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1\"}}",
         CN_EINVAL, "spec_version"},
        {"{\"signatures\":[],\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1.0.\"}}",
         CN_EINVAL, "spec_version"},
        /* "1.0", as python-tuf once wrote it, is accepted: the next field fails. */
        {"{\"signatures\":[],\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1.0\"}}",
         CN_EINVAL, "signed.version"},
        {"{\"signatures\":[],\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1.0.31\"}}",
         CN_EINVAL, "signed.version"},
        {"{\"signatures\":[],\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1.0.31\","
         "\"version\":1,\"expires\":\"2030-01-01\"}}",
         CN_EINVAL, "signed.expires"},
        {"{\"signatures\":[],\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1.0.31\","
         "\"version\":1,\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{}}}",
         CN_EINVAL, "snapshot.json"},
        {"{\"signatures\":[],\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1.0.31\","
         "\"version\":1,\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{\"snapshot.json\":"
         "{\"version\":0}}}}",
         CN_EINVAL, "signed.meta[\"snapshot.json\"].version"},
        {"{\"signatures\":[],\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1.0.31\","
         "\"version\":1,\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{\"snapshot.json\":"
         "{\"version\":1,\"hashes\":{\"sha256\":\"abc\"}}}}}",
         CN_EINVAL, "sha256"},
        {"{\"signatures\":[],\"signed\":", CN_EINVAL, ""},
    };
    cn_tuf_metadata *md = NULL;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int err = cn_tuf_metadata_parse(&md, cases[i].json, strlen(cases[i].json), 4096,
                                        CN_TUF_TIMESTAMP, "timestamp.json");
        if (err != cases[i].code || strstr(cn_error_message(), cases[i].msg) == NULL)
            fail_msg("case %zu: got %d '%s'", i, err, cn_error_message());
        assert_null(md);
    }
    assert_int_equal(cn_tuf_metadata_parse(&md, cases[0].json, 2, 1, CN_TUF_TIMESTAMP, "t"),
                     CN_ELIMIT);
}

static void test_target_paths(void **state)
{
    static const char h[] = "ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12";
    static const char *good[] = {"node.json", "items/a/1.0.0/full.bundle", "a.b/c-d_e"};
    static const char *bad[] = {"",     "/abs", "a//b", "a/../b", "..",   "./a",     "a/",
                                "a\\b", "a?b",  "a#b",  "a b",    "a\nb", "\xc3\xa4"};
    char *p;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_int_equal(cn_tuf_target_path_check(good[i]), 0);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (cn_tuf_target_path_check(bad[i]) != CN_EINVAL)
            fail_msg("accepted '%s'", bad[i]);
    assert_int_equal(cn_tuf_target_consistent_path(&p, "items/a/1.0.0/full.bundle", h), 0);
    assert_string_equal(
        p, "targets/items/a/1.0.0/"
           "ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12.full.bundle");
    free(p);
    assert_int_equal(cn_tuf_target_consistent_path(&p, "node.json", h), 0);
    assert_string_equal(
        p, "targets/ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12.node.json");
    free(p);
}

static void test_time(void **state)
{
    char s[21];
    time_t t;

    (void)state;
    assert_int_equal(cn_tuf_time_parse(&t, "2030-01-31T12:34:56Z"), 0);
    cn_tuf_time_format(s, t);
    assert_string_equal(s, "2030-01-31T12:34:56Z");
    assert_int_equal(cn_tuf_time_parse(&t, "1970-01-01T00:00:00Z"), 0);
    assert_int_equal(t, 0);
    assert_int_equal(cn_tuf_time_parse(&t, "2030-13-01T00:00:00Z"), CN_EINVAL);
    assert_int_equal(cn_tuf_time_parse(&t, "2030-01-01T00:00:00+01:00"), CN_EINVAL);
    assert_int_equal(cn_tuf_time_parse(&t, "2030-01-01 00:00:00Z"), CN_EINVAL);
}

static void test_rollback_timestamp(void **state)
{
    fixture *f = *state;
    cn_tuf_client *c = NULL;
    unsigned char *old;
    size_t oldlen;

    old = read_rel(f, "tuf/timestamp.json", &oldlen); /* version 1 */
    add_demo(f, "a.json", "a");
    assert_int_equal(cn_tuf_repo_commit(f->repo), 0);
    assert_int_equal(client_refresh(&c, f, f->now + 60), 0);
    assert_int_equal(cn_tuf_client_version(c, CN_TUF_TIMESTAMP), 2);
    write_rel(f, "tuf/timestamp.json", old, oldlen);
    assert_int_equal(cn_tuf_client_refresh(c, cn_tuf_fetch_dir, f->dir), CN_EVERIFY);
    assert_non_null(strstr(cn_error_message(), "rollback"));
    /* the failed refresh kept the trusted state */
    assert_int_equal(cn_tuf_client_version(c, CN_TUF_TIMESTAMP), 2);
    assert_int_equal(cn_tuf_client_target_count(c), 1);
    cn_tuf_client_free(c);
    free(old);
}

static void test_rollback_snapshot_in_timestamp(void **state)
{
    fixture *f = *state;
    cn_tuf_client *c = NULL;

    add_demo(f, "a.json", "a");
    assert_int_equal(cn_tuf_repo_commit(f->repo), 0);
    assert_int_equal(client_refresh(&c, f, f->now + 60), 0);
    /* timestamp v3 names the older snapshot v1 */
    write_timestamp(f, 3, "tuf/1.snapshot.json", 1);
    assert_int_equal(cn_tuf_client_refresh(c, cn_tuf_fetch_dir, f->dir), CN_EVERIFY);
    assert_non_null(strstr(cn_error_message(), "snapshot version 1 is older"));
    cn_tuf_client_free(c);
}

static void test_rollback_targets_in_snapshot(void **state)
{
    fixture *f = *state;
    cn_tuf_client *c = NULL;
    json_t *ss;

    add_demo(f, "a.json", "a");
    assert_int_equal(cn_tuf_repo_commit(f->repo), 0);
    assert_int_equal(client_refresh(&c, f, f->now + 60), 0);
    /* snapshot v3 names the older targets v1 */
    ss = signed_of(f, "tuf/2.snapshot.json");
    json_object_set_new(ss, "version", json_integer(3));
    json_object_set_new(ss, "meta",
                        json_pack("{s:o}", "targets.json", meta_of(f, "tuf/1.targets.json", 1)));
    sign_write(f, "tuf/3.snapshot.json", ss, &f->keys.role[CN_TUF_SNAPSHOT], NULL);
    write_timestamp(f, 3, "tuf/3.snapshot.json", 3);
    assert_int_equal(cn_tuf_client_refresh(c, cn_tuf_fetch_dir, f->dir), CN_EVERIFY);
    assert_non_null(strstr(cn_error_message(), "targets.json version 1 is older"));
    cn_tuf_client_free(c);

    /* A fresh client (no trusted snapshot) accepts it: nothing to compare with. */
    assert_int_equal(client_refresh(&c, f, f->now + 60), 0);
    assert_int_equal(cn_tuf_client_version(c, CN_TUF_TARGETS), 1);
    cn_tuf_client_free(c);
}

static void test_trusted_state_from_bytes(void **state)
{
    fixture *f = *state;
    cn_tuf_client *c = NULL;
    unsigned char *root, *ts;
    size_t rootlen, tslen;

    add_demo(f, "a.json", "a");
    assert_int_equal(cn_tuf_repo_commit(f->repo), 0);
    ts = read_rel(f, "tuf/timestamp.json", &tslen); /* version 2 */
    assert_int_equal(cn_tuf_repo_commit(f->repo), 0);
    root = read_rel(f, "tuf/1.root.json", &rootlen);
    assert_int_equal(cn_tuf_client_new(&c, root, rootlen, f->now + 60), 0);
    assert_int_equal(cn_tuf_client_set_trusted(c, CN_TUF_TIMESTAMP, ts, tslen), 0);
    assert_int_equal(cn_tuf_client_set_trusted(c, CN_TUF_SNAPSHOT, ts, tslen), CN_EINVAL);
    assert_int_equal(cn_tuf_client_refresh(c, cn_tuf_fetch_dir, f->dir), 0);
    assert_int_equal(cn_tuf_client_version(c, CN_TUF_TIMESTAMP), 3);
    cn_tuf_client_free(c);
    /* With a newer trusted timestamp (v3) the served v2 is a rollback. */
    free(ts);
    ts = read_rel(f, "tuf/timestamp.json", &tslen);
    write_timestamp(f, 2, "tuf/2.snapshot.json", 2);
    assert_int_equal(cn_tuf_client_new(&c, root, rootlen, f->now + 60), 0);
    assert_int_equal(cn_tuf_client_set_trusted(c, CN_TUF_TIMESTAMP, ts, tslen), 0);
    assert_int_equal(cn_tuf_client_refresh(c, cn_tuf_fetch_dir, f->dir), CN_EVERIFY);
    cn_tuf_client_free(c);
    free(ts);
    free(root);
}

static void test_expired_timestamp(void **state)
{
    fixture *f = *state;
    cn_tuf_client *c = NULL;
    int resigned = -1;

    assert_int_equal(client_refresh(&c, f, f->now + CN_TUF_DAY + 1), CN_EVERIFY);
    assert_non_null(strstr(cn_error_message(), "timestamp.json: expired"));
    cn_tuf_client_free(c);
    /* The server re-signs the timestamp before it expires. */
    cn_tuf_repo_set_now(f->repo, f->now + CN_TUF_DAY - 600);
    assert_int_equal(cn_tuf_repo_resign_expiring(&resigned, f->repo, 3600), 0);
    assert_int_equal(resigned, 1);
    assert_int_equal(cn_tuf_repo_version(f->repo, CN_TUF_TIMESTAMP), 2);
    assert_int_equal(cn_tuf_repo_version(f->repo, CN_TUF_SNAPSHOT), 1);
    assert_int_equal(cn_tuf_repo_resign_expiring(&resigned, f->repo, 3600), 0);
    assert_int_equal(resigned, 0);
    assert_int_equal(client_refresh(&c, f, f->now + CN_TUF_DAY + 1), 0);
    cn_tuf_client_free(c);
    /* A year later the snapshot and targets are re-signed too. */
    cn_tuf_repo_set_now(f->repo, f->now + CN_TUF_YEAR - 600);
    assert_int_equal(cn_tuf_repo_resign_expiring(&resigned, f->repo, 3600), 0);
    assert_int_equal(cn_tuf_repo_version(f->repo, CN_TUF_SNAPSHOT), 2);
    /* ... but the root expired: freeze */
    assert_int_equal(client_refresh(&c, f, f->now + CN_TUF_YEAR), CN_EVERIFY);
    assert_non_null(strstr(cn_error_message(), "root"));
    cn_tuf_client_free(c);
    assert_int_equal(cn_tuf_repo_rotate_keys(f->repo, CN_TUF_ROOT, NULL), 0);
    assert_int_equal(client_refresh(&c, f, f->now + CN_TUF_YEAR), 0);
    assert_int_equal(cn_tuf_client_version(c, CN_TUF_ROOT), 2);
    cn_tuf_client_free(c);
}

/* Renewal: root N+1 with the same keys, a client holding root 1 walks to it
 * after root 1 expired; targets and snapshot on their own margin; a root
 * whose keys are offline is not renewed but everything else is. */
static void test_renew(void **state)
{
    fixture *f = *state;
    const int64_t quarter = CN_TUF_YEAR / 4;
    const int64_t margins[CN_TUF_ROLE_COUNT] = {quarter, quarter, quarter, 3600};
    cn_tuf_keys offline = f->keys;
    cn_tuf_client *c = NULL;
    cn_tuf_repo *r = NULL;
    unsigned renewed = 99;
    json_t *a, *b;

    /* Nothing due a day later. */
    cn_tuf_repo_set_now(f->repo, f->now + 60);
    assert_int_equal(cn_tuf_repo_renew(&renewed, f->repo, margins), 0);
    assert_int_equal(renewed, 0);
    /* 300 days later: root, targets and snapshot (and so the timestamp). */
    cn_tuf_repo_set_now(f->repo, f->now + 300 * CN_TUF_DAY);
    assert_int_equal(cn_tuf_repo_renew(&renewed, f->repo, margins), 0);
    assert_int_equal(renewed, 0xfu);
    assert_int_equal(cn_tuf_repo_version(f->repo, CN_TUF_ROOT), 2);
    assert_int_equal(cn_tuf_repo_expires(f->repo, CN_TUF_ROOT),
                     f->now + 300 * CN_TUF_DAY + CN_TUF_YEAR);
    a = signed_of(f, "tuf/1.root.json");
    b = signed_of(f, "tuf/2.root.json");
    assert_true(json_equal(json_object_get(a, "keys"), json_object_get(b, "keys")));
    assert_true(json_equal(json_object_get(a, "roles"), json_object_get(b, "roles")));
    json_decref(a);
    json_decref(b);
    assert_int_equal(cn_tuf_repo_renew(&renewed, f->repo, margins), 0);
    assert_int_equal(renewed, 0);
    /* Past root 1's expiry only the timestamp is due, and a client pinning
     * root 1 walks to root 2. */
    cn_tuf_repo_set_now(f->repo, f->now + 370 * CN_TUF_DAY);
    assert_int_equal(cn_tuf_repo_renew(&renewed, f->repo, margins), 0);
    assert_int_equal(renewed, 1u << CN_TUF_TIMESTAMP);
    assert_int_equal(client_refresh(&c, f, f->now + 370 * CN_TUF_DAY), 0);
    assert_int_equal(cn_tuf_client_version(c, CN_TUF_ROOT), 2);
    cn_tuf_client_free(c);

    /* Root keys offline: the repository opens and re-signs the rest. */
    offline.role[CN_TUF_ROOT].nkeys = 0;
    assert_int_equal(cn_tuf_repo_open(&r, f->dir, &offline, NULL), 0);
    cn_tuf_repo_set_now(r, f->now + 600 * CN_TUF_DAY);
    assert_int_equal(cn_tuf_repo_renew(&renewed, r, margins), CN_EINVAL);
    assert_non_null(strstr(cn_error_message(), "cannot renew the root (version 2)"));
    assert_int_equal(renewed, 0);
    {
        const int64_t but_root[CN_TUF_ROLE_COUNT] = {CN_TUF_NEVER, quarter, quarter, 3600};
        assert_int_equal(cn_tuf_repo_renew(&renewed, r, but_root), 0);
        assert_int_equal(renewed, 0xeu);
    }
    assert_int_equal(cn_tuf_repo_version(r, CN_TUF_ROOT), 2);
    assert_int_equal(cn_tuf_repo_rotate_keys(r, CN_TUF_TIMESTAMP, NULL), CN_EINVAL);
    cn_tuf_repo_free(r);
}

static void test_tampered_target(void **state)
{
    fixture *f = *state;
    const cn_tuf_target_info *info;
    char *rel;

    add_demo(f, "items/x/1.0.0/manifest.json", "{\"ok\":true}");
    assert_int_equal(cn_tuf_repo_commit(f->repo), 0);
    assert_int_equal(cn_tuf_verify_dir(f->dir, f->now + 60), 0);
    assert_int_equal(cn_tuf_repo_get_target(&info, f->repo, "items/x/1.0.0/manifest.json"), 0);
    assert_int_equal(cn_tuf_target_consistent_path(&rel, info->path, info->sha256), 0);
    write_rel(f, rel, "{\"ok\":fals}", 11); /* same length, other bytes */
    assert_int_equal(cn_tuf_verify_dir(f->dir, f->now + 60), CN_EVERIFY);
    assert_non_null(strstr(cn_error_message(), rel));
    assert_non_null(strstr(cn_error_message(), "sha256"));
    write_rel(f, rel, "{\"ok\":true }", 12);
    assert_int_equal(cn_tuf_verify_dir(f->dir, f->now + 60), CN_EVERIFY);
    assert_non_null(strstr(cn_error_message(), "items/x/1.0.0/manifest.json"));
    {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", f->dir, rel);
        unlink(path);
    }
    assert_int_equal(cn_tuf_verify_dir(f->dir, f->now + 60), CN_EVERIFY);
    assert_non_null(strstr(cn_error_message(), "items/x/1.0.0/manifest.json"));
    free(rel);
}

static void test_mix_and_match(void **state)
{
    fixture *f = *state;
    cn_tuf_client *c = NULL;
    json_t *ss;

    add_demo(f, "a.json", "a");
    assert_int_equal(cn_tuf_repo_commit(f->repo), 0);
    /* Replace 2.snapshot.json by another validly signed snapshot v2. */
    ss = signed_of(f, "tuf/2.snapshot.json");
    json_object_set_new(ss, "meta",
                        json_pack("{s:o}", "targets.json", meta_of(f, "tuf/1.targets.json", 1)));
    sign_write(f, "tuf/2.snapshot.json", ss, &f->keys.role[CN_TUF_SNAPSHOT], NULL);
    assert_int_equal(client_refresh(&c, f, f->now + 60), CN_EVERIFY);
    assert_non_null(strstr(cn_error_message(), "tuf/2.snapshot.json"));
    cn_tuf_client_free(c);
}

static void test_root_rotation(void **state)
{
    fixture *f = *state;
    cn_tuf_role_keys newroot = {{NULL}, 1, 1}, oldroot = f->keys.role[CN_TUF_ROOT];
    cn_tuf_client *c = NULL;
    cn_key *k2;
    json_t *rs;
    unsigned char *good;
    size_t goodlen;

    assert_int_equal(cn_key_generate(&k2), 0);
    newroot.keys[0] = k2;
    assert_int_equal(cn_tuf_repo_rotate_keys(f->repo, CN_TUF_ROOT, &newroot), 0);
    assert_int_equal(cn_tuf_repo_version(f->repo, CN_TUF_ROOT), 2);
    good = read_rel(f, "tuf/2.root.json", &goodlen);

    /* Accepted when signed by old and new root keys. */
    assert_int_equal(client_refresh(&c, f, f->now + 60), 0);
    assert_int_equal(cn_tuf_client_version(c, CN_TUF_ROOT), 2);
    {
        const unsigned char *b;
        size_t n;
        assert_int_equal(cn_tuf_client_root_bytes(&b, &n, c, 1), 0);
        assert_int_equal(cn_tuf_client_root_bytes(&b, &n, c, 2), 0);
        assert_int_equal(n, goodlen);
        assert_int_equal(cn_tuf_client_root_bytes(&b, &n, c, 3), CN_ENOTFOUND);
    }
    cn_tuf_client_free(c);

    /* Signed by the old key only: the new root's own threshold fails. */
    rs = signed_of(f, "tuf/2.root.json");
    sign_write(f, "tuf/2.root.json", rs, &oldroot, NULL);
    assert_int_equal(client_refresh(&c, f, f->now + 60), CN_EVERIFY);
    assert_non_null(
        strstr(cn_error_message(), "tuf/2.root.json: signed by 0 of 1 keys of root 2 itself"));
    cn_tuf_client_free(c);

    /* Signed by the new key only: the trusted root's threshold fails. */
    rs = signed_of(f, "tuf/2.root.json");
    sign_write(f, "tuf/2.root.json", rs, &newroot, NULL);
    assert_int_equal(client_refresh(&c, f, f->now + 60), CN_EVERIFY);
    assert_non_null(strstr(cn_error_message(),
                           "tuf/2.root.json: signed by 0 of 1 keys of root 1 (the previous root)"));
    cn_tuf_client_free(c);

    /* Signed by both, but claiming version 3 in file 2.root.json. */
    rs = signed_of(f, "tuf/2.root.json");
    json_object_set_new(rs, "version", json_integer(3));
    sign_write(f, "tuf/2.root.json", rs, &oldroot, &newroot);
    assert_int_equal(client_refresh(&c, f, f->now + 60), CN_EVERIFY);
    assert_non_null(strstr(cn_error_message(), "expected 2"));
    cn_tuf_client_free(c);

    write_rel(f, "tuf/2.root.json", good, goodlen);
    assert_int_equal(cn_tuf_verify_dir(f->dir, f->now + 60), 0);
    free(good);
    /* The repository reopens with the new root key. */
    {
        cn_tuf_keys keys = f->keys;
        cn_tuf_repo *r = NULL;
        keys.role[CN_TUF_ROOT] = newroot;
        assert_int_equal(cn_tuf_repo_open(&r, f->dir, &keys, NULL), 0);
        assert_int_equal(cn_tuf_repo_version(r, CN_TUF_ROOT), 2);
        cn_tuf_repo_free(r);
        assert_int_equal(cn_tuf_repo_open(&r, f->dir, &f->keys, NULL), CN_EVERIFY);
    }
    cn_tuf_repo_free(f->repo);
    f->repo = NULL;
    cn_key_free(k2);
}

static void test_timestamp_key_rotation_fast_forward(void **state)
{
    fixture *f = *state;
    cn_tuf_role_keys nk = {{NULL}, 1, 1};
    cn_tuf_client *c = NULL;
    cn_key *k2;
    unsigned char *root, *ts;
    size_t rootlen, tslen;

    assert_int_equal(cn_key_generate(&k2), 0);
    nk.keys[0] = k2;
    /* A follower trusts a timestamp with a huge version (fast-forward attack
     * by a compromised timestamp key). */
    write_timestamp(f, 1000, "tuf/1.snapshot.json", 1);
    ts = read_rel(f, "tuf/timestamp.json", &tslen);
    root = read_rel(f, "tuf/1.root.json", &rootlen);
    assert_int_equal(cn_tuf_client_new(&c, root, rootlen, f->now + 60), 0);
    assert_int_equal(cn_tuf_client_set_trusted(c, CN_TUF_TIMESTAMP, ts, tslen), 0);
    /* The publisher rotates the timestamp key; timestamp versions continue at 2. */
    assert_int_equal(cn_tuf_repo_rotate_keys(f->repo, CN_TUF_TIMESTAMP, &nk), 0);
    assert_int_equal(cn_tuf_client_refresh(c, cn_tuf_fetch_dir, f->dir), 0);
    assert_int_equal(cn_tuf_client_version(c, CN_TUF_TIMESTAMP), 2);
    assert_int_equal(cn_tuf_client_version(c, CN_TUF_ROOT), 2);
    cn_tuf_client_free(c);
    free(ts);
    free(root);
    cn_key_free(k2);
}

static void test_fetch_dir_refuses_escape(void **state)
{
    fixture *f = *state;
    unsigned char *d = NULL;
    size_t n;

    assert_int_equal(cn_tuf_fetch_dir(f->dir, "../etc/passwd", 100, &d, &n), CN_EINVAL);
    assert_int_equal(cn_tuf_fetch_dir(f->dir, "/etc/passwd", 100, &d, &n), CN_EINVAL);
    assert_int_equal(cn_tuf_fetch_dir(f->dir, "tuf/9.root.json", 100, &d, &n), CN_ENOTFOUND);
    assert_int_equal(cn_tuf_fetch_dir(f->dir, "tuf/1.root.json", 10, &d, &n), CN_ELIMIT);
    assert_null(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_init_add_commit_refresh, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_refuses_foreign_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_target_refuses_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threshold_counts_distinct_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_keyid_ignored, setup, teardown),
        cmocka_unit_test(test_parse_errors_name_the_field),
        cmocka_unit_test(test_target_paths),
        cmocka_unit_test(test_time),
        cmocka_unit_test_setup_teardown(test_rollback_timestamp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_snapshot_in_timestamp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_targets_in_snapshot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trusted_state_from_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expired_timestamp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renew, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampered_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mix_and_match, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timestamp_key_rotation_fast_forward, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_dir_refuses_escape, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
