/*
 * test_sync_memory.c - a round that fills the mirrors of many peers does not
 * hold what it verified of each until the last one is done: the memory it
 * uses while it records its peers does not grow with their number (a
 * national registry's first round fills 10,800 mirrors).
 *
 * Forty peers, each a TUF repository of its own (its own key, so its own
 * node id) written by core/tuf and served by the test server under
 * /tree/pNN/, are added and synced in one round. The heap in use is read
 * (support_holding.h's heap_in_use, counting the workers' allocations too)
 * each time the round reports a peer's outcome, which it does once every
 * peer's phase 2 is over.
 */
#include "core/error.h"
#include "core/file.h"
#include "core/key.h"
#include "core/tuf.h"
#include "peers/peers.h"
#include "peers/sync.h"
#include "support_holding.h"
#include "support_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define NPEERS 40
/* Bytes of heap a peer may still hold while the round records: its
 * timestamp.json from phase 1, its report, its share of SQLite's page
 * cache (some 2 KB here), not its parsed metadata (23 KB more). */
#define MAX_BYTES_PER_PEER 8192

typedef struct {
    size_t baseline; /* heap in use when the round started */
    size_t peak;     /* the most seen while it reported peers */
    unsigned reported;
} heap_watch;

static void on_progress(void *ctx, const char *node_id, const char *message)
{
    heap_watch *h = ctx;
    size_t now = heap_in_use();

    (void)message;
    if (node_id == NULL)
        return; /* the round's own messages, before phase 2 */
    h->reported++;
    if (now > h->peak)
        h->peak = now;
}

/* Peer number i: a repository under <trees>/pNN with a node.json naming it
 * and a pointer, as `citynode init` would leave it. */
static void make_peer(const char *trees, unsigned i)
{
    char dir[256], path[320], id[CN_PEER_ID_HEX + 1], doc[512];
    cn_tuf_repo *repo = NULL;
    cn_tuf_keys keys;
    cn_key *key = NULL;
    json_t *custom;

    snprintf(dir, sizeof(dir), "%s/p%02u", trees, i);
    assert_int_equal(cn_key_generate(&key), 0);
    cn_tuf_keys_single(&keys, key);
    assert_int_equal(cn_tuf_repo_init(&repo, dir, &keys, NULL), 0);
    assert_int_equal(cn_tuf_repo_node_id(id, repo), 0);
    snprintf(doc, sizeof(doc), "{\"name\":\"City %02u (sample)\"}", i);
    assert_non_null(custom = json_pack("{s:s}", "kind", "node"));
    assert_int_equal(cn_tuf_repo_add_target(repo, "node.json", doc, strlen(doc), custom), 0);
    json_decref(custom);
    assert_int_equal(cn_tuf_repo_commit(repo), 0);
    snprintf(path, sizeof(path), "%s/.well-known", dir);
    assert_int_equal(cn_mkdir_p(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/.well-known/citynode.json", dir);
    snprintf(doc, sizeof(doc), "{\"citynode\":1,\"node\":\"%s\",\"name\":\"p%02u\"}", id, i);
    assert_int_equal(cn_file_write_atomic(path, doc, strlen(doc), 0644), 0);
    cn_tuf_repo_free(repo);
    cn_key_free(key);
}

static void round_of_many_holds_no_peer_until_the_end(void **state)
{
    char dir[] = "/tmp/cn-sync-memory-XXXXXX", trees[64], home[64], path[96];
    cn_sync_options so = CN_SYNC_OPTIONS_INIT;
    cn_sync_report *rep = NULL;
    heap_watch h = {0};
    cn_peers *db = NULL;
    server *srv;
    unsigned i;
    cn_peer p;

    (void)state;
    heap_count_all_threads();
    assert_non_null(mkdtemp(dir));
    snprintf(trees, sizeof(trees), "%s/trees", dir);
    snprintf(home, sizeof(home), "%s/home", dir);
    for (i = 0; i < NPEERS; i++)
        make_peer(trees, i);
    srv = server_start(trees);
    snprintf(path, sizeof(path), "%s/mirrors", home);
    assert_int_equal(cn_mkdir_p(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/state.db", home);
    assert_int_equal(cn_peers_open(&db, path), 0);
    for (i = 0; i < NPEERS; i++) {
        cn_peer_add_options ao = CN_PEER_ADD_OPTIONS_INIT;
        char rel[16];
        snprintf(path, sizeof(path), "%s/mirrors", home);
        snprintf(rel, sizeof(rel), "/tree/p%02u/", i);
        ao.url = url_of(srv, rel);
        ao.mirrors_dir = path;
        assert_int_equal(cn_peers_add(NULL, db, &ao), 0);
    }

    {
        char mirrors[96], repos[96], tmp[96];
        snprintf(mirrors, sizeof(mirrors), "%s/mirrors", home);
        snprintf(repos, sizeof(repos), "%s/repos", home);
        snprintf(tmp, sizeof(tmp), "%s/tmp", home);
        so.mirrors_dir = mirrors;
        so.repos_dir = repos;
        so.tmp_dir = tmp;
        so.progress = on_progress;
        so.progress_ctx = &h;
        h.baseline = h.peak = heap_in_use();
        assert_int_equal(cn_sync_round(&rep, db, NULL, 0, &so), 0);
    }
    assert_int_equal(rep->npeers, NPEERS);
    for (i = 0; i < NPEERS; i++) {
        assert_int_equal(rep->peers[i].err, 0);
        assert_int_equal(rep->peers[i].changed, 1);
    }
    cn_sync_report_free(rep);
    assert_int_equal(h.reported, NPEERS);
    print_message("heap while recording: %zu bytes over the start, %zu a peer\n",
                  h.peak - h.baseline, (h.peak - h.baseline) / NPEERS);
    assert_true(h.peak - h.baseline < (size_t)NPEERS * MAX_BYTES_PER_PEER);

    /* What the round learnt from each verified node.json is still recorded. */
    assert_int_equal(cn_peers_get(&p, db, "p07"), 0);
    assert_string_equal(p.name, "City 07 (sample)");
    assert_string_equal(p.last_result, "ok");
    cn_peer_clear(&p);

    cn_peers_free(db);
    server_stop(srv);
    cn_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_of_many_holds_no_peer_until_the_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
