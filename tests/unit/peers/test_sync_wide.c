/*
 * test_sync_wide.c - a round asks its peers for their timestamp.json many
 * at once, not 16 at a time: over the Internet a check costs round trips,
 * and 10,800 peers asked 16 at a time would take a minute.
 *
 * A server on 127.0.0.1 holds every connection it accepts without
 * answering until 64 are open at once (or none came for a while), then
 * answers them all 404; it remembers the most it held. The 64 peers have
 * host names of their own (pNN.localhost, which libcurl takes to be
 * 127.0.0.1), as cities' servers do; what one host is asked at once stays
 * limited, and is checked too. So is the heap the checks in flight take:
 * the server runs in the same process, and reads it as it holds them.
 */
#include "core/error.h"
#include "core/file.h"
#include "peers/peers.h"
#include "peers/sync.h"

#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define NPEERS   64
#define QUIET_MS 500 /* no new connection for this long: answer those held */

typedef struct {
    int fd;
    unsigned short port;
    int stop;
    size_t held_max;  /* the most connections held open at once */
    size_t heap_held; /* the client's heap in use then (same process) */
    pthread_mutex_t lock;
    pthread_t thread;
} holding_server;

/* Heap in use, large blocks (mmap'd) included. */
static size_t heap_in_use(void)
{
    struct mallinfo2 m = mallinfo2();

    return m.uordblks + m.hblkhd;
}

static long ms_since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void answer_all(int *held, size_t *n)
{
    static const char reply[] =
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    char buf[4096];
    size_t i;

    for (i = 0; i < *n; i++) {
        if (recv(held[i], buf, sizeof(buf), 0) > 0 &&
            send(held[i], reply, sizeof(reply) - 1, MSG_NOSIGNAL) < 0)
            perror("send");
        close(held[i]);
    }
    *n = 0;
}

static void *serve(void *arg)
{
    holding_server *s = arg;
    int held[4 * NPEERS];
    size_t n = 0;
    struct timespec last;

    clock_gettime(CLOCK_MONOTONIC, &last);
    for (;;) {
        struct pollfd p = {s->fd, POLLIN, 0};
        int stop;
        pthread_mutex_lock(&s->lock);
        stop = s->stop;
        pthread_mutex_unlock(&s->lock);
        if (stop)
            break;
        if (poll(&p, 1, 50) == 1 && n < sizeof(held) / sizeof(held[0])) {
            int c = accept(s->fd, NULL, NULL);
            if (c >= 0) {
                held[n++] = c;
                clock_gettime(CLOCK_MONOTONIC, &last);
                pthread_mutex_lock(&s->lock);
                if (n > s->held_max) {
                    s->held_max = n;
                    s->heap_held = heap_in_use();
                }
                pthread_mutex_unlock(&s->lock);
            }
        }
        if (n == NPEERS || (n > 0 && ms_since(&last) > QUIET_MS))
            answer_all(held, &n);
    }
    answer_all(held, &n);
    return NULL;
}

static holding_server *holding_start(void)
{
    holding_server *s = calloc(1, sizeof(*s));
    struct sockaddr_in a;
    socklen_t len = sizeof(a);

    assert_non_null(s);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true((s->fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s->fd, 4 * NPEERS), 0);
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &len), 0);
    s->port = ntohs(a.sin_port);
    pthread_mutex_init(&s->lock, NULL);
    assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
    return s;
}

static size_t holding_stop(holding_server *s, size_t *heap_held)
{
    size_t held;

    pthread_mutex_lock(&s->lock);
    s->stop = 1;
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    close(s->fd);
    pthread_mutex_destroy(&s->lock);
    held = s->held_max;
    *heap_held = s->heap_held;
    free(s);
    return held;
}

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
    sqlite3_stmt *st = NULL;
    size_t heap0, heap_held, held;
    unsigned i;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/state.db", dir);
    snprintf(mirrors, sizeof(mirrors), "%s/mirrors", dir);
    snprintf(repos, sizeof(repos), "%s/repos", dir);
    snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
    assert_int_equal(cn_mkdir_p(mirrors, 0755), 0);
    assert_int_equal(cn_peers_open(&db, path), 0);
    srv = holding_start();
    assert_int_equal(sqlite3_prepare_v2(cn_peers_sqlite(db),
                                        "INSERT INTO peers (node_id, alias, name, url, policy,"
                                        " added) VALUES (?1, ?2, ?2, ?3, 'mirror', 0)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    for (i = 0; i < NPEERS; i++) {
        char id[CN_PEER_ID_HEX + 1], alias[16], url[96];
        snprintf(id, sizeof(id), "%064x", i + 1);
        snprintf(alias, sizeof(alias), "city-%02u", i);
        snprintf(url, sizeof(url), "http://p%02u.localhost:%u/city-%02u", host_of(i), srv->port, i);
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, alias, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, url, -1, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);

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
    held = holding_stop(srv, &heap_held);
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
