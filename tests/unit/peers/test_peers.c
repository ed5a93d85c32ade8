/*
 * test_peers.c - the peers store and sync rounds against a real HTTP server
 * in this process (support_server.h) serving a TUF repository written by
 * core/tuf: first contact and pinning, aliases, prefixes, sources, removal
 * in a real state.db; the pointer and a target's custom data; a first sync,
 * an unchanged round of one request, and rejected rounds (tampered target,
 * rolled-back timestamp, a bad leftover) that leave the trusted state byte
 * for byte as it was; a round's records in one commit; reading a target
 * within its cap.
 */
#include "core/error.h"
#include "core/file.h"
#include "core/hash.h"
#include "core/key.h"
#include "core/tuf.h"
#include "peers/mirror.h"
#include "peers/peers.h"
#include "peers/sync.h"
#include "peers/sync_internal.h"
#include "support_server.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* ---------------------------------------------------------------------------
 * A published tree to follow
 * ------------------------------------------------------------------------- */

typedef struct {
    char dir[64]; /* scratch: tree/, home/ */
    char tree[128], mirrors[128], repos[128], tmp[128], db_path[128];
    char id[CN_SHA256_HEX_LEN + 1];
    cn_key *key;
    cn_tuf_keys keys;
    cn_tuf_repo *repo;
    server *srv;
    cn_peers *db;
} world;

static void write_pointer(world *w, const char *name)
{
    char path[256], json[1024];

    snprintf(path, sizeof(path), "%s/.well-known", w->tree);
    assert_int_equal(cn_mkdir_p(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/.well-known/citynode.json", w->tree);
    snprintf(json, sizeof(json), "{\"citynode\":1,\"node\":\"%s\",\"name\":\"%s\"}", w->id, name);
    assert_int_equal(cn_file_write_atomic(path, json, strlen(json), 0644), 0);
}

static int world_setup(void **state)
{
    world *w = calloc(1, sizeof(*w));
    const char *profile = "{\"name\":\"Stavanger (sample)\"}";
    json_t *custom;

    assert_non_null(w);
    snprintf(w->dir, sizeof(w->dir), "/tmp/cn-test-peers-XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    snprintf(w->tree, sizeof(w->tree), "%s/tree", w->dir);
    snprintf(w->mirrors, sizeof(w->mirrors), "%s/home/mirrors", w->dir);
    snprintf(w->repos, sizeof(w->repos), "%s/home/repos", w->dir);
    snprintf(w->tmp, sizeof(w->tmp), "%s/home/tmp", w->dir);
    snprintf(w->db_path, sizeof(w->db_path), "%s/home/state.db", w->dir);
    assert_int_equal(cn_mkdir_p(w->mirrors, 0755), 0);
    assert_int_equal(cn_key_generate(&w->key), 0);
    cn_tuf_keys_single(&w->keys, w->key);
    assert_int_equal(cn_tuf_repo_init(&w->repo, w->tree, &w->keys, NULL), 0);
    assert_int_equal(cn_tuf_repo_node_id(w->id, w->repo), 0);
    custom = json_pack("{s:s}", "kind", "node");
    assert_non_null(custom);
    assert_int_equal(cn_tuf_repo_add_target(w->repo, "node.json", profile, strlen(profile), custom),
                     0);
    json_decref(custom);
    assert_int_equal(cn_tuf_repo_commit(w->repo), 0);
    write_pointer(w, "Stavanger (sample)");
    w->srv = server_start(w->tree);
    assert_int_equal(cn_peers_open(&w->db, w->db_path), 0);
    *state = w;
    return 0;
}

static int world_teardown(void **state)
{
    world *w = *state;

    cn_peers_free(w->db);
    server_stop(w->srv);
    cn_tuf_repo_free(w->repo);
    cn_key_free(w->key);
    cn_rmtree(w->dir);
    free(w);
    return 0;
}

static int add_peer(world *w, const char *expect, const char *self)
{
    cn_peer_add_options o = CN_PEER_ADD_OPTIONS_INIT;

    o.url = url_of(w->srv, "/tree/");
    o.mirrors_dir = w->mirrors;
    o.expect = expect;
    o.self_id = self;
    return cn_peers_add(NULL, w->db, &o);
}

/* A digest of everything trusted about the peer: mirror files. */
static void digest_dir(cn_buf *b, const char *dir)
{
    char cmd[512];
    FILE *p;
    char line[512];

    snprintf(cmd, sizeof(cmd),
             "cd %s 2>/dev/null && find . -type f -print0 | sort -z | xargs -0 -r sha256sum", dir);
    assert_non_null(p = popen(cmd, "r"));
    while (fgets(line, sizeof(line), p))
        cn_buf_puts(b, line);
    pclose(p);
}

static char *trusted_digest(world *w)
{
    cn_buf b = CN_BUF_INIT;
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", w->mirrors, w->id);
    digest_dir(&b, path);
    cn_buf_puts(&b, "--");
    return cn_buf_detach(&b, NULL);
}

/* ---------------------------------------------------------------------------
 * Peers store
 * ------------------------------------------------------------------------- */

static void test_peer_add_pins_the_root(void **state)
{
    world *w = *state;
    char path[256], other[CN_PEER_ID_HEX + 1];
    cn_peer p, *list = NULL;
    size_t n;

    memset(other, 'a', CN_PEER_ID_HEX);
    other[CN_PEER_ID_HEX] = '\0';
    /* --expect a different id: refused, nothing written. */
    assert_int_equal(add_peer(w, other, NULL), CN_EVERIFY);
    assert_int_equal(cn_peers_get(&p, w->db, w->id), CN_ENOTFOUND);
    snprintf(path, sizeof(path), "%s/%s", w->mirrors, w->id);
    assert_false(cn_dir_exists(path));
    /* Adding yourself is refused. */
    assert_int_equal(add_peer(w, NULL, w->id), CN_EINVAL);

    assert_int_equal(add_peer(w, w->id, NULL), 0);
    snprintf(path, sizeof(path), "%s/%s/tuf/1.root.json", w->mirrors, w->id);
    {
        char digest[CN_SHA256_HEX_LEN + 1];
        assert_int_equal(cn_sha256_file_hex(digest, NULL, path, 1 << 20), 0);
        assert_string_equal(digest, w->id);
    }
    assert_int_equal(add_peer(w, NULL, NULL), CN_EEXISTS);

    /* By alias, by 8-digit prefix, not by 7. */
    assert_int_equal(cn_peers_get(&p, w->db, "stavanger-sample"), 0);
    assert_string_equal(p.node_id, w->id);
    assert_string_equal(p.name, "Stavanger (sample)");
    assert_int_equal(p.policy, CN_POLICY_MIRROR);
    assert_int_equal(p.last_sync, 0);
    cn_peer_clear(&p);
    snprintf(path, sizeof(path), "%.8s", w->id);
    assert_int_equal(cn_peers_get(&p, w->db, path), 0);
    cn_peer_clear(&p);
    snprintf(path, sizeof(path), "%.7s", w->id);
    assert_int_equal(cn_peers_get(&p, w->db, path), CN_ENOTFOUND);
    assert_int_equal(cn_peers_is_followed(w->db, w->id), 1);
    assert_int_equal(cn_peers_is_followed(w->db, other), 0);

    assert_int_equal(cn_peers_list(&list, &n, w->db), 0);
    assert_int_equal(n, 1);
    cn_peer_list_free(list, n);
}

static void test_peer_add_refuses_a_root_that_is_not_the_id(void **state)
{
    world *w = *state;
    char path[256];

    /* The pointer names an id the root does not hash to. */
    memset(w->id, 'b', CN_PEER_ID_HEX);
    write_pointer(w, "Impostor");
    assert_int_equal(add_peer(w, NULL, NULL), CN_EVERIFY);
    assert_non_null(strstr(cn_error_message(), "does not match the node id"));
    snprintf(path, sizeof(path), "%s/%s", w->mirrors, w->id);
    assert_false(cn_dir_exists(path));
    /* A pointer that is not one. */
    snprintf(path, sizeof(path), "%s/.well-known/citynode.json", w->tree);
    assert_int_equal(cn_file_write_atomic(path, "[1,2]", 5, 0644), 0);
    assert_int_equal(add_peer(w, NULL, NULL), CN_EVERIFY);
}

static void test_peer_store(void **state)
{
    world *w = *state;
    cn_peer_sync_record rec = {0};
    char **src = NULL, *etag = NULL, *lm = NULL;
    char other[CN_PEER_ID_HEX + 1];
    cn_peer p;
    size_t n, i;

    assert_int_equal(add_peer(w, NULL, NULL), 0);
    memset(other, 'c', CN_PEER_ID_HEX);
    other[CN_PEER_ID_HEX] = '\0';
    assert_int_equal(cn_peers_add_source(w->db, w->id, "http://a.example/mirrors/x", other), 0);
    assert_int_equal(cn_peers_add_source(w->db, w->id, "http://a.example/mirrors/x", other), 0);
    assert_int_equal(cn_peers_add_source(w->db, w->id, "http://b.example/mirrors/x", other), 0);
    assert_int_equal(cn_peers_add_source(w->db, w->id, "file:///etc", other), CN_EINVAL);
    assert_int_equal(cn_peers_sources(&src, &n, w->db, w->id), 0);
    assert_int_equal(n, 2);
    for (i = 0; i < n; i++)
        free(src[i]);
    free(src);

    rec.time = 1234;
    rec.result = "failed";
    rec.error = "http://x/tuf/timestamp.json: timed out";
    rec.set_validators = 1;
    rec.etag = "\"e1\"";
    assert_int_equal(cn_peers_record_sync(w->db, w->id, &rec), 0);
    assert_int_equal(cn_peers_get(&p, w->db, w->id), 0);
    assert_int_equal(p.last_sync, 1234);
    assert_string_equal(p.last_result, "failed");
    assert_string_equal(p.last_error, rec.error);
    cn_peer_clear(&p);
    assert_int_equal(cn_peers_validators(&etag, &lm, w->db, w->id), 0);
    assert_string_equal(etag, "\"e1\"");
    assert_null(lm);
    free(etag);

    assert_int_equal(cn_peers_set_policy(w->db, w->id, CN_POLICY_BLOCK), 0);
    assert_int_equal(cn_peers_is_followed(w->db, w->id), 0);

    assert_int_equal(cn_peers_remove(w->db, "stavanger-sample", w->mirrors, w->repos), 0);
    assert_int_equal(cn_peers_get(&p, w->db, w->id), CN_ENOTFOUND);
    assert_int_equal(cn_peers_sources(&src, &n, w->db, w->id), 0);
    assert_int_equal(n, 0);
    free(src);
}

static void test_pointer_parse(void **state)
{
    char id[CN_PEER_ID_HEX + 1], *name = NULL, json[512];
    const char *good = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    (void)state;
    snprintf(json, sizeof(json), "{\"citynode\":1,\"node\":\"%s\",\"name\":\"A\\u0001B\"}", good);
    assert_int_equal(cn_peer_pointer_parse(id, &name, json, strlen(json), "p"), 0);
    assert_string_equal(id, good);
    assert_string_equal(name, "A?B");
    free(name);
    snprintf(json, sizeof(json), "{\"citynode\":2,\"node\":\"%s\"}", good);
    assert_int_equal(cn_peer_pointer_parse(id, NULL, json, strlen(json), "p"), CN_EINVAL);
    snprintf(json, sizeof(json), "{\"citynode\":1,\"node\":\"%.63sA\"}", good);
    assert_int_equal(cn_peer_pointer_parse(id, NULL, json, strlen(json), "p"), CN_EINVAL);
}

static int custom_ok(const char *path, const char *custom_json)
{
    cn_tuf_target_info t;
    json_t *custom = custom_json ? json_loads(custom_json, 0, NULL) : NULL;
    int err;

    memset(&t, 0, sizeof(t));
    t.path = path;
    t.custom = custom;
    err = cn_mirror_check_custom(&t);
    json_decref(custom);
    cn_error_clear();
    return err;
}

static void test_check_custom(void **state)
{
    const char *c = "\"commit\":\"0123456789abcdef0123456789abcdef01234567\","
                    "\"tag\":\"89abcdef0123456789abcdef0123456789abcdef\"";
    char good[512], bad[512];

    (void)state;
    snprintf(good, sizeof(good),
             "{\"kind\":\"dataset\",\"item\":\"lw-data\",\"version\":\"1.1.0\",\"file\":\"full\","
             "%s,\"previous\":\"1.0.0\",\"previous_commit\":"
             "\"fedcba9876543210fedcba9876543210fedcba98\"}",
             c);
    assert_int_equal(custom_ok("items/lw-data/1.1.0/full.bundle", good), 0);
    assert_int_equal(custom_ok("items/lw-data/1.1.0/delta.bundle", good), CN_EVERIFY);
    assert_int_equal(custom_ok("items/other/1.1.0/full.bundle", good), CN_EVERIFY);
    assert_int_equal(custom_ok("items/lw-data/1.2.0/full.bundle", good), CN_EVERIFY);
    assert_int_equal(custom_ok("items/lw-data/1.1.0/other.bin", good), CN_EVERIFY);
    assert_int_equal(custom_ok("items/lw-data/1.1.0/full.bundle", NULL), CN_EVERIFY);
    snprintf(bad, sizeof(bad),
             "{\"kind\":\"dataset\",\"item\":\"../../pwned\",\"version\":\"1.1.0\","
             "\"file\":\"full\",%s}",
             c);
    assert_int_equal(custom_ok("items/lw-data/1.1.0/full.bundle", bad), CN_EVERIFY);
    snprintf(bad, sizeof(bad),
             "{\"kind\":\"virus\",\"item\":\"lw-data\",\"version\":\"1.1.0\",\"file\":\"full\",%s}",
             c);
    assert_int_equal(custom_ok("items/lw-data/1.1.0/full.bundle", bad), CN_EVERIFY);
    assert_int_equal(custom_ok("items/lw-data/1.1.0/manifest.json",
                               "{\"kind\":\"dataset\",\"item\":\"lw-data\",\"version\":\"1.1.0\","
                               "\"file\":\"manifest\",\"commit\":\"ABC\",\"tag\":\"x\"}"),
                     CN_EVERIFY);
    snprintf(bad, sizeof(bad),
             "{\"kind\":\"dataset\",\"item\":\"lw-data\",\"version\":\"1.1.0\",\"file\":\"full\","
             "%s,\"previous\":\"1.2.0\",\"previous_commit\":"
             "\"fedcba9876543210fedcba9876543210fedcba98\"}",
             c);
    assert_int_equal(custom_ok("items/lw-data/1.1.0/full.bundle", bad), CN_EVERIFY);
    assert_int_equal(custom_ok("node.json", "{\"kind\":\"node\"}"), 0);
    assert_int_equal(custom_ok("node.json", "{\"kind\":\"peers\"}"), CN_EVERIFY);
    assert_int_equal(custom_ok("peers.json", "{\"kind\":\"peers\"}"), 0);
    assert_int_equal(custom_ok("network.json", "{\"kind\":\"network\"}"), 0);
    assert_int_equal(custom_ok("network.json", NULL), CN_EVERIFY);
    assert_int_equal(
        custom_ok("attestations/a.json", "{\"kind\":\"attestation\",\"type\":\"replicates\"}"), 0);
    assert_int_equal(custom_ok("attestations/a.json", "{\"kind\":\"attestation\"}"), CN_EVERIFY);
    assert_int_equal(custom_ok("README.txt", NULL), 0);
    assert_int_equal(custom_ok("README.txt", "{\"kind\":\"solution\"}"), CN_EVERIFY);
}

/* ---------------------------------------------------------------------------
 * Sync rounds
 * ------------------------------------------------------------------------- */

static int round_of(world *w, cn_sync_report **rep)
{
    cn_sync_options o = CN_SYNC_OPTIONS_INIT;

    o.mirrors_dir = w->mirrors;
    o.repos_dir = w->repos;
    o.tmp_dir = w->tmp;
    return cn_sync_round(rep, w->db, NULL, 0, &o);
}

/* An attestation-like target, with the custom sync demands of its path. */
static void publish_target(world *w, const char *path, const char *content)
{
    json_t *custom = json_pack("{s:s, s:s}", "kind", "attestation", "type", "replicates");

    assert_non_null(custom);
    assert_int_equal(cn_tuf_repo_add_target(w->repo, path, content, strlen(content), custom), 0);
    json_decref(custom);
    assert_int_equal(cn_tuf_repo_commit(w->repo), 0);
}

static void test_sync_round_then_unchanged(void **state)
{
    world *w = *state;
    cn_sync_report *rep = NULL;
    cn_tuf_client *c = NULL;
    unsigned char *data = NULL;
    size_t len;
    cn_peer p;

    assert_int_equal(add_peer(w, NULL, NULL), 0);
    publish_target(w, "attestations/a1.json", "{\"type\":\"replicates\"}");
    assert_int_equal(round_of(w, &rep), 0);
    assert_int_equal(rep->npeers, 1);
    assert_int_equal(rep->peers[0].err, 0);
    assert_int_equal(rep->peers[0].changed, 1);
    assert_int_equal(rep->peers[0].targets_fetched, 2);
    assert_int_equal(rep->peers[0].timestamp_version,
                     cn_tuf_repo_version(w->repo, CN_TUF_TIMESTAMP));
    cn_sync_report_free(rep);

    assert_int_equal(cn_mirror_load(&c, w->mirrors, w->id), 0);
    assert_int_equal(
        cn_mirror_read_target(&data, &len, w->mirrors, w->id, c, "attestations/a1.json"), 0);
    assert_int_equal(len, strlen("{\"type\":\"replicates\"}"));
    free(data);
    cn_tuf_client_free(c);
    assert_int_equal(cn_mirror_verify(w->mirrors, w->repos, w->id, NULL), 0);

    /* Nothing new: one request, answered 304 thanks to the stored ETag. */
    w->srv->requests = w->srv->not_modified = 0;
    assert_int_equal(round_of(w, &rep), 0);
    assert_int_equal(rep->peers[0].changed, 0);
    assert_int_equal(rep->peers[0].requests, 1);
    assert_int_equal(rep->peers[0].bytes, 0);
    assert_int_equal(w->srv->requests, 1);
    assert_int_equal(w->srv->not_modified, 1);
    cn_sync_report_free(rep);
    assert_int_equal(cn_peers_get(&p, w->db, w->id), 0);
    assert_string_equal(p.last_result, "unchanged");
    assert_null(p.last_error);
    cn_peer_clear(&p);
}

static void test_sync_rejects_a_tampered_target(void **state)
{
    world *w = *state;
    cn_sync_report *rep = NULL;
    const cn_tuf_target_info *t;
    char *rel = NULL, path[512], *before, *after;
    cn_peer p;

    assert_int_equal(add_peer(w, NULL, NULL), 0);
    assert_int_equal(round_of(w, &rep), 0);
    cn_sync_report_free(rep);
    before = trusted_digest(w);

    /* The server's copy of a newly signed target is altered. */
    publish_target(w, "attestations/a2.json", "{\"type\":\"replicates\",\"n\":2}");
    assert_int_equal(cn_tuf_repo_get_target(&t, w->repo, "attestations/a2.json"), 0);
    assert_int_equal(cn_tuf_target_consistent_path(&rel, t->path, t->sha256), 0);
    snprintf(path, sizeof(path), "%s/%s", w->tree, rel);
    free(rel);
    assert_int_equal(cn_file_write_atomic(path, "{\"type\":\"replicates\",\"n\":3}", 27, 0644), 0);
    assert_int_equal(round_of(w, &rep), CN_EVERIFY);
    assert_int_equal(rep->peers[0].err, CN_EVERIFY);
    assert_non_null(strstr(rep->peers[0].error, "attestations/a2.json"));
    cn_sync_report_free(rep);
    after = trusted_digest(w);
    assert_string_equal(before, after);
    free(after);
    assert_int_equal(cn_peers_get(&p, w->db, w->id), 0);
    assert_string_equal(p.last_result, "failed");
    assert_non_null(strstr(p.last_error, "attestations/a2.json"));
    cn_peer_clear(&p);
    assert_int_equal(cn_mirror_verify(w->mirrors, w->repos, w->id, NULL), 0);
    free(before);
}

static void test_sync_rejects_a_rollback(void **state)
{
    world *w = *state;
    cn_sync_report *rep = NULL;
    unsigned char *old = NULL;
    char path[256], *before, *after;
    size_t len;

    assert_int_equal(add_peer(w, NULL, NULL), 0);
    snprintf(path, sizeof(path), "%s/tuf/timestamp.json", w->tree);
    assert_int_equal(cn_file_read(&old, &len, path, 1 << 20), 0);
    publish_target(w, "attestations/a3.json", "{}");
    assert_int_equal(round_of(w, &rep), 0);
    cn_sync_report_free(rep);
    before = trusted_digest(w);

    /* The server answers with the older, still validly signed, timestamp. */
    assert_int_equal(cn_file_write_atomic(path, old, len, 0644), 0);
    assert_int_equal(round_of(w, &rep), CN_EVERIFY);
    assert_non_null(strstr(rep->peers[0].error, "rollback"));
    cn_sync_report_free(rep);
    after = trusted_digest(w);
    assert_string_equal(before, after);
    free(before);
    free(after);
    free(old);
}

/* Bytes left in tmp/ by an earlier round (here: a whole file of garbage, as
 * a lying server leaves) are fetched anew once, not reported as the
 * honest server's fault. */
static void test_sync_refetches_a_bad_leftover(void **state)
{
    world *w = *state;
    cn_sync_report *rep = NULL;
    const cn_tuf_target_info *t;
    char dir[512], path[600];
    const char *content = "{\"type\":\"replicates\",\"n\":4}";

    assert_int_equal(add_peer(w, NULL, NULL), 0);
    publish_target(w, "attestations/a4.json", content);
    assert_int_equal(cn_tuf_repo_get_target(&t, w->repo, "attestations/a4.json"), 0);
    snprintf(dir, sizeof(dir), "%s/sync/%s", w->tmp, w->id);
    assert_int_equal(cn_mkdir_p(dir, 0700), 0);
    snprintf(path, sizeof(path), "%s/%s.a4.json", dir, t->sha256);
    assert_int_equal(
        cn_file_write_atomic(path, "{\"type\":\"replicates\",\"n\":5}", strlen(content), 0644), 0);
    assert_int_equal(round_of(w, &rep), 0);
    assert_int_equal(rep->peers[0].err, 0);
    cn_sync_report_free(rep);
    assert_int_equal(cn_mirror_verify(w->mirrors, w->repos, w->id, NULL), 0);
}

static int count_commit(void *ctx)
{
    (*(unsigned *)ctx)++;
    return 0; /* let it commit */
}

/* A round records what it saw of every peer, and does so in one commit,
 * not one per peer: among thousands of peers, a commit each (a write of the
 * WAL each) would cost more than asking them. Here one peer is unchanged
 * and twenty others fail (their server answers 404). */
static void test_sync_records_every_peer_in_one_commit(void **state)
{
    world *w = *state;
    sqlite3 *sql = cn_peers_sqlite(w->db);
    cn_sync_report *rep = NULL;
    char id[CN_PEER_ID_HEX + 1], alias[32];
    unsigned commits = 0, i;
    cn_peer p;

    assert_int_equal(add_peer(w, NULL, NULL), 0);
    assert_int_equal(round_of(w, &rep), 0);
    cn_sync_report_free(rep);
    for (i = 0; i < 20; i++) {
        sqlite3_stmt *st = NULL;
        snprintf(id, sizeof(id), "%064x", i + 1);
        snprintf(alias, sizeof(alias), "gone-%u", i);
        assert_int_equal(sqlite3_prepare_v2(sql,
                                            "INSERT INTO peers (node_id, alias, name, url, policy,"
                                            " added) VALUES (?1, ?2, ?2, ?3, 'mirror', 0)",
                                            -1, &st, NULL),
                         SQLITE_OK);
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, alias, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, url_of(w->srv, "/missing"), -1, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
    }

    sqlite3_commit_hook(sql, count_commit, &commits);
    assert_int_not_equal(round_of(w, &rep), 0);
    sqlite3_commit_hook(sql, NULL, NULL);
    assert_int_equal(rep->npeers, 21);
    cn_sync_report_free(rep);
    assert_int_equal(commits, 1);

    assert_int_equal(cn_peers_get(&p, w->db, w->id), 0);
    assert_string_equal(p.last_result, "unchanged");
    cn_peer_clear(&p);
    for (i = 0; i < 20; i++) {
        snprintf(alias, sizeof(alias), "gone-%u", i);
        assert_int_equal(cn_peers_get(&p, w->db, alias), 0);
        assert_string_equal(p.last_result, "failed");
        assert_non_null(strstr(p.last_error, "404"));
        cn_peer_clear(&p);
    }
}

/* A document with a cap (peers.json, 1 MiB) is refused on its signed
 * length before a byte of it is read: a peer may validly sign a 4 GiB
 * peers.json, and reading it whole to then find it too long would hold
 * 4 GiB in memory. */
static void test_read_target_capped(void **state)
{
    world *w = *state;
    const char *doc = "{\"peers\":[]}";
    json_t *custom = json_pack("{s:s}", "kind", "peers");
    const cn_tuf_target_info *t;
    cn_sync_report *rep = NULL;
    cn_tuf_client *c = NULL;
    unsigned char *data = NULL;
    char *stored = NULL, bound[32];
    size_t len;

    assert_non_null(custom);
    assert_int_equal(cn_tuf_repo_add_target(w->repo, "peers.json", doc, strlen(doc), custom), 0);
    json_decref(custom);
    assert_int_equal(cn_tuf_repo_commit(w->repo), 0);
    assert_int_equal(add_peer(w, NULL, NULL), 0);
    assert_int_equal(round_of(w, &rep), 0);
    cn_sync_report_free(rep);
    assert_int_equal(cn_mirror_load(&c, w->mirrors, w->id), 0);

    assert_int_equal(
        cn_mirror_read_target_capped(&data, &len, w->mirrors, w->id, c, "peers.json", strlen(doc)),
        0);
    assert_int_equal(len, strlen(doc));
    free(data);
    assert_int_equal(cn_mirror_read_target_capped(&data, &len, w->mirrors, w->id, c, "peers.json",
                                                  strlen(doc) - 1),
                     CN_ELIMIT);
    assert_null(data);
    snprintf(bound, sizeof(bound), "%zu", strlen(doc) - 1);
    assert_non_null(strstr(cn_error_message(), "peers.json"));
    assert_non_null(strstr(cn_error_message(), bound));

    /* Refused without reading: with the stored file gone, the answer is the
     * same, where a read would have failed to find it. */
    assert_int_equal(cn_tuf_client_get_target_info(&t, c, "peers.json"), 0);
    assert_int_equal(cn_mirror_target_path(&stored, w->mirrors, w->id, t), 0);
    assert_int_equal(unlink(stored), 0);
    assert_int_equal(cn_mirror_read_target_capped(&data, &len, w->mirrors, w->id, c, "peers.json",
                                                  strlen(doc) - 1),
                     CN_ELIMIT);
    assert_int_not_equal(
        cn_mirror_read_target_capped(&data, &len, w->mirrors, w->id, c, "peers.json", 1 << 20), 0);
    free(stored);
    cn_tuf_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pointer_parse),
        cmocka_unit_test(test_check_custom),
        cmocka_unit_test_setup_teardown(test_peer_add_pins_the_root, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_peer_add_refuses_a_root_that_is_not_the_id,
                                        world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_peer_store, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_sync_round_then_unchanged, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(test_sync_rejects_a_tampered_target, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(test_sync_rejects_a_rollback, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_sync_refetches_a_bad_leftover, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(test_sync_records_every_peer_in_one_commit, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(test_read_target_capped, world_setup, world_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
