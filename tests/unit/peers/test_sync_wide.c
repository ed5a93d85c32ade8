/*
 * test_sync_wide.c - a round asks its peers for their timestamp.json many
 * at once, not 16 at a time: over the Internet a check costs round trips,
 * and 10,800 peers asked 16 at a time would take a minute.
 *
 * A server on 127.0.0.1 (support_holding.h) holds every connection it
 * accepts without answering until 64 are open at once (or none came for a
 * while), then answers them all 404; it remembers the most it held. The 64 peers have
 * host names of their own (pNN.localhost, which libcurl takes to be
 * 127.0.0.1), as cities' servers do; what one host is asked at once stays
 * limited, and is checked too. So is the heap the checks in flight take:
 * the server runs in the same process, and reads it as it holds them.
 */
#include "core/error.h"
#include "core/file.h"
#include "peers/peers.h"
#include "peers/sync.h"
#include "support_holding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define NPEERS 64

static const char not_found[] =
    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/* A round over NPEERS peers at the server, peer i at host host_of(i); the
 * most connections the server held at once, and in *heap how much more
 * heap the process used then than when the round began. */
static size_t widest_round(unsigned (*host_of)(unsigned), size_t *heap)
{
    char dir[] = "/tmp/cn-sync-wide-XXXXXX", path[96], mirrors[96], repos[96], tmp[96];
    cn_sync_options so = CN_SYNC_OPTIONS_INIT;
    cn_sync_report *rep = NULL;
    holding_server *srv;
    cn_peers *db = NULL;
    size_t heap0, heap_held, held;
    unsigned i;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/state.db", dir);
    snprintf(mirrors, sizeof(mirrors), "%s/mirrors", dir);
    snprintf(repos, sizeof(repos), "%s/repos", dir);
    snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
    assert_int_equal(cn_mkdir_p(mirrors, 0755), 0);
    assert_int_equal(cn_peers_open(&db, path), 0);
    srv = holding_start(NPEERS, 0, not_found);
    holding_add_peers(db, srv, NPEERS, host_of);

    so.mirrors_dir = mirrors;
    so.repos_dir = repos;
    so.tmp_dir = tmp;
    heap0 = heap_in_use();
    assert_int_not_equal(cn_sync_round(&rep, db, NULL, 0, &so), 0);
    assert_int_equal(rep->npeers, NPEERS);
    for (i = 0; i < NPEERS; i++) {
        assert_int_not_equal(rep->peers[i].err, 0); /* every one was asked: 404 */
        assert_non_null(strstr(rep->peers[i].error, "404"));
    }
    cn_sync_report_free(rep);
    cn_error_clear();
    cn_peers_free(db);
    cn_rmtree(dir);
    held = holding_stop(srv, &heap_held, NULL);
    *heap = heap_held > heap0 ? heap_held - heap0 : 0;
    return held;
}

static unsigned own_host(unsigned i)
{
    return i;
}

static unsigned one_host(unsigned i)
{
    (void)i;
    return 0;
}

/* All at once, each with a receive buffer for a timestamp.json (16 KiB),
 * not one for a download (256 KiB: 64 MiB for 256 checks at once). */
static void round_asks_many_peers_at_once(void **state)
{
    size_t heap;

    (void)state;
    assert_int_equal(widest_round(own_host, &heap), NPEERS);
    print_message("heap with %d checks in flight: %zu bytes, %zu a check\n", NPEERS, heap,
                  heap / NPEERS);
    assert_true(heap < NPEERS * 64 * 1024);
}

/* Sixty-four cities hosted by one provider: 16 at a time, as before. */
static void round_asks_one_host_16_at_once(void **state)
{
    size_t heap;

    (void)state;
    assert_int_equal(widest_round(one_host, &heap), 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_asks_many_peers_at_once),
        cmocka_unit_test(round_asks_one_host_16_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
