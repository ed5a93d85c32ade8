/*
 * test_hint_many.c - hints to many peers (cn_hint_send_peers, after a round
 * that changed something, to every followed peer): each is given its 5 s
 * from its own start, and what is in flight, not the number of peers, sets
 * the memory they take.
 *
 * 384 peers point at one holding server (support_holding.h) that answers
 * 202 to the connections it holds, 64 at a time, once the first of them
 * has waited a second: six batches, six seconds in all. A hint timed from
 * the first one's start would run out in the sixth batch.
 */
#include "core/buf.h"
#include "core/error.h"
#include "core/file.h"
#include "peers/hint.h"
#include "peers/peers.h"
#include "support_holding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define NPEERS  384
#define AT_ONCE 64 /* hint.c's CN_HINT_MAX_PARALLEL */
#define HOLD_MS 1000

static const char accepted[] =
    "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

static void hints_to_many_peers_each_get_their_time(void **state)
{
    char dir[] = "/tmp/cn-hint-many-XXXXXX", path[96], self[CN_PEER_ID_HEX + 1];
    cn_buf failures = CN_BUF_INIT;
    holding_server *srv;
    cn_peers *db = NULL;
    size_t sent = 0, held, heap, heap0, answered;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/state.db", dir);
    assert_int_equal(cn_peers_open(&db, path), 0);
    srv = holding_start(AT_ONCE, HOLD_MS, accepted);
    holding_add_peers(db, srv, NPEERS, NULL);
    cn_peers_free(db);

    snprintf(self, sizeof(self), "%064x", 0xc17u);
    heap0 = heap_in_use();
    assert_int_equal(cn_hint_send_peers(&sent, &failures, path, self, 7), 0);
    held = holding_stop(srv, &heap, &answered);
    if (failures.len > 0)
        print_message("%.*s", (int)(failures.len < 300 ? failures.len : 300),
                      (const char *)failures.data);
    print_message("%zu hints sent, %zu answered, at most %zu at once, heap then %zu bytes over "
                  "the start\n",
                  sent, answered, held, heap > heap0 ? heap - heap0 : 0);
    assert_int_equal(sent, NPEERS);
    assert_int_equal(failures.len, 0);
    assert_int_equal(held, AT_ONCE);
    /* 64 transfers with their buffers (some 35 KB each; all 384 made at
     * once took 4.8 MB). */
    assert_true(heap < heap0 + AT_ONCE * 48 * 1024);
    cn_buf_free(&failures);
    cn_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hints_to_many_peers_each_get_their_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
