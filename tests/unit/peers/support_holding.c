/*
 * support_holding.c - the holding server of support_holding.h.
 */
#include "support_holding.h"
#include "peers/peers.h"

#include <sqlite3.h>

#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
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

#define MAX_HELD 1024
#define QUIET_MS 500 /* no new connection for this long: answer those held */

struct holding_server {
    int fd;
    unsigned short port;
    size_t batch;
    long hold_ms;
    const char *reply;
    int stop;
    size_t held_max;  /* the most connections held open at once */
    size_t heap_held; /* the process's heap in use then */
    size_t answered;
    int held[MAX_HELD];
    pthread_mutex_t lock;
    pthread_t thread;
};

#if defined(__SANITIZE_ADDRESS__)
#define HEAP_FROM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HEAP_FROM_ASAN 1
#endif
#endif

#ifdef HEAP_FROM_ASAN
/* From the sanitizer runtime (sanitizer/allocator_interface.h, a header
 * not every compiler installs). */
size_t __sanitizer_get_current_allocated_bytes(void);

/* AddressSanitizer's allocator replaces glibc's, whose mallinfo2 then says
 * nothing: ask it instead (every thread's allocations, as asked for). */
size_t heap_in_use(void)
{
    return __sanitizer_get_current_allocated_bytes();
}

void heap_count_all_threads(void)
{
}
#else
size_t heap_in_use(void)
{
    struct mallinfo2 m = mallinfo2();

    return m.uordblks + m.hblkhd;
}

void heap_count_all_threads(void)
{
    assert_int_equal(mallopt(M_ARENA_MAX, 1), 1);
}
#endif

static long ms_since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void answer_all(holding_server *s, int *held, size_t *n)
{
    char buf[4096];
    size_t i;

    for (i = 0; i < *n; i++) {
        if (recv(held[i], buf, sizeof(buf), 0) > 0 &&
            send(held[i], s->reply, strlen(s->reply), MSG_NOSIGNAL) > 0)
            s->answered++;
        close(held[i]);
    }
    *n = 0;
}

static void *serve(void *arg)
{
    holding_server *s = arg;
    int *held = s->held;
    size_t n = 0;
    struct timespec last, first;

    clock_gettime(CLOCK_MONOTONIC, &last);
    first = last;
    for (;;) {
        struct pollfd p = {s->fd, POLLIN, 0};
        int stop;
        pthread_mutex_lock(&s->lock);
        stop = s->stop;
        pthread_mutex_unlock(&s->lock);
        if (stop)
            break;
        if (poll(&p, 1, 20) == 1 && n < MAX_HELD) {
            int c = accept(s->fd, NULL, NULL);
            if (c >= 0) {
                if (n == 0)
                    clock_gettime(CLOCK_MONOTONIC, &first);
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
        if ((n >= s->batch && ms_since(&first) >= s->hold_ms) ||
            (n > 0 && ms_since(&last) > QUIET_MS && ms_since(&first) >= s->hold_ms))
            answer_all(s, held, &n);
    }
    answer_all(s, held, &n);
    return NULL;
}

holding_server *holding_start(size_t batch, long hold_ms, const char *reply)
{
    holding_server *s = calloc(1, sizeof(*s));
    struct sockaddr_in a;
    socklen_t len = sizeof(a);

    assert_non_null(s);
    s->batch = batch;
    s->hold_ms = hold_ms;
    s->reply = reply;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true((s->fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s->fd, MAX_HELD), 0);
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &len), 0);
    s->port = ntohs(a.sin_port);
    pthread_mutex_init(&s->lock, NULL);
    assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
    return s;
}

unsigned short holding_port(const holding_server *s)
{
    return s->port;
}

size_t holding_stop(holding_server *s, size_t *heap_held, size_t *answered)
{
    size_t held;

    pthread_mutex_lock(&s->lock);
    s->stop = 1;
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    close(s->fd);
    pthread_mutex_destroy(&s->lock);
    held = s->held_max;
    if (heap_held)
        *heap_held = s->heap_held;
    if (answered)
        *answered = s->answered;
    free(s);
    return held;
}

void holding_add_peers(struct cn_peers *db, const holding_server *s, unsigned n,
                       unsigned (*host_of)(unsigned))
{
    sqlite3_stmt *st = NULL;
    unsigned i;

    assert_int_equal(sqlite3_prepare_v2(cn_peers_sqlite(db),
                                        "INSERT INTO peers (node_id, alias, name, url, policy,"
                                        " added) VALUES (?1, ?2, ?2, ?3, 'mirror', 0)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    for (i = 0; i < n; i++) {
        char id[CN_PEER_ID_HEX + 1], alias[16], host[32], url[96];
        snprintf(id, sizeof(id), "%064x", i + 1);
        snprintf(alias, sizeof(alias), "city-%03u", i);
        if (host_of)
            snprintf(host, sizeof(host), "p%02u.localhost", host_of(i));
        else
            snprintf(host, sizeof(host), "127.0.0.1");
        snprintf(url, sizeof(url), "http://%s:%u/city-%03u", host, holding_port(s), i);
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, alias, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, url, -1, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
}
