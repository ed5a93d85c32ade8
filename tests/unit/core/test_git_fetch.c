/*
 * test_git_fetch.c - the bounds of core/git_fetch against hostile git://
 * servers on 127.0.0.1 (a thread of this process each): one that says
 * nothing, one that drips, one that stops after a burst, one that lists refs slowly, one whose list
 * of refs never ends, one whose pack never ends or holds too large an object, and one that never
 * accepts. Each fetch must end with the bound's own error; a real server's fetch is t1050's story.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/file.h"
#include "core/git.h"
#include "core/git_fetch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef enum { SILENT, DRIP, BURST, SLOW_REFS, ENDLESS_REFS, ENDLESS_PACK, BIG_OBJECT } behaviour;

typedef struct {
    int listener;
    int port;
    behaviour how;
    volatile int done; /* the test is over: stop writing */
    pthread_t thread;
} server;

typedef struct {
    char dir[64];
    git_repository *repo;
    server srv;
} fixture;

static const char oid_hex[] = "0123456789abcdef0123456789abcdef01234567";

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* One pkt-line: 4 hex digits of length, then the payload. */
static int send_pkt(int fd, const char *payload, size_t n)
{
    char head[5];

    snprintf(head, sizeof(head), "%04zx", n + 4);
    return send(fd, head, 4, MSG_NOSIGNAL) == 4 && send(fd, payload, n, MSG_NOSIGNAL) == (ssize_t)n
               ? 0
               : -1;
}

static void serve_one(server *s, int fd)
{
    char line[128];
    unsigned i = 0;

    switch (s->how) {
    case SILENT:
        while (!s->done)
            pause_ms(20);
        break;
    case DRIP: /* a 1000-byte line begun, then a byte every 300 ms: far below 1024 bytes/s */
        if (send(fd, "03e8", 4, MSG_NOSIGNAL) != 4)
            break;
        while (!s->done && send(fd, "x", 1, MSG_NOSIGNAL) == 1)
            pause_ms(300);
        break;
    case BURST: /* 64 KiB of refs at once, then nothing */
        while (!s->done && i < 1000) {
            int n = snprintf(line, sizeof(line), "%s refs/heads/b%08u\n", oid_hex, i++);
            if (send_pkt(fd, line, (size_t)n) != 0)
                break;
        }
        while (!s->done)
            pause_ms(20);
        break;
    case SLOW_REFS: /* 2 KiB/s of refs, above the rate floor, never finishing */
        while (!s->done) {
            int n = snprintf(line, sizeof(line), "%s refs/heads/b%06u-%s\n", oid_hex, i++,
                             "padding-padding-padding-padding-padding");
            if (send_pkt(fd, line, (size_t)n) != 0)
                break;
            pause_ms(50);
        }
        break;
    case ENDLESS_REFS:
        while (!s->done) {
            int n = snprintf(line, sizeof(line), "%s refs/heads/b%08u\n", oid_hex, i++);
            if (send_pkt(fd, line, (size_t)n) != 0)
                break;
        }
        break;
    case ENDLESS_PACK:
    case BIG_OBJECT: {
        /* One ref, then whatever the client asks, NAK and on side band 2
         * progress messages without end, or on band 1 a pack whose first
         * object says it is 2 MiB. */
        static const unsigned char pack[] = {
            1,    'P',  'A',  'C',  'K', 0, 0, 0, 2, 0, 0, 0, 1, /* band 1, header, 1 object */
            0xb0, 0x80, 0x80, 0x08, /* a blob of 2 MiB (type 3, size 0x200000) */
            0x78, 0x9c};            /* the start of its zlib stream */
        char buf[4096], progress[1001];
        int n = snprintf(line, sizeof(line), "%s HEAD%cside-band-64k\n", oid_hex, '\0');

        if (send_pkt(fd, line, (size_t)n) != 0 || send(fd, "0000", 4, MSG_NOSIGNAL) != 4)
            break;
        pause_ms(200);
        if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) < 0) { /* the wants, if here yet */
        }
        if (send_pkt(fd, "NAK\n", 4) != 0)
            break;
        if (s->how == BIG_OBJECT) {
            if (send_pkt(fd, (const char *)pack, sizeof(pack)) == 0)
                while (!s->done)
                    pause_ms(20);
            break;
        }
        memset(progress, 'x', sizeof(progress));
        progress[0] = 2;
        progress[sizeof(progress) - 1] = '\n';
        while (!s->done && send_pkt(fd, progress, sizeof(progress)) == 0) {
        }
        break;
    }
    }
}

static void *server_main(void *arg)
{
    server *s = arg;

    while (!s->done) {
        int fd = accept(s->listener, NULL, NULL);
        if (fd < 0)
            break;
        serve_one(s, fd);
        close(fd);
    }
    return NULL;
}

static void server_start(server *s, behaviour how)
{
    struct sockaddr_in a = {0};
    socklen_t len = sizeof(a);

    s->how = how;
    s->done = 0;
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true((s->listener = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
    assert_int_equal(bind(s->listener, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s->listener, 4), 0);
    assert_int_equal(getsockname(s->listener, (struct sockaddr *)&a, &len), 0);
    s->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&s->thread, NULL, server_main, s), 0);
}

static void server_stop(server *s)
{
    s->done = 1;
    shutdown(s->listener, SHUT_RDWR);
    close(s->listener);
    pthread_join(s->thread, NULL);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    char path[96];

    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/cn_test_fetch_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(path, sizeof(path), "%s/scratch.git", f->dir);
    assert_int_equal(cn_git_init(), 0);
    assert_int_equal(cn_git_open_bare(&f->repo, path), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    git_repository_free(f->repo);
    cn_rmtree(f->dir);
    free(f);
    git_libgit2_shutdown();
    return 0;
}

/* Fetch HEAD of git://127.0.0.1:<port>/x.git from a server behaving how. */
static int fetch_from(fixture *f, behaviour how, const cn_git_fetch_options *opts)
{
    char url[64];
    git_oid out;
    int err;

    server_start(&f->srv, how);
    snprintf(url, sizeof(url), "git://127.0.0.1:%d/x.git", f->srv.port);
    err = cn_git_fetch(&out, f->repo, url, NULL, opts);
    server_stop(&f->srv);
    return err;
}

static void test_silent_server_ends_after_the_stall_time(void **state)
{
    cn_git_fetch_options opts = CN_GIT_FETCH_OPTIONS_INIT;

    opts.low_speed_time_s = 1;
    assert_int_equal(fetch_from(*state, SILENT, &opts), CN_ENET);
    assert_string_equal(cn_error_message(), "no data from the server for 1 s");
}

static void test_dripping_server_is_below_the_rate_floor(void **state)
{
    cn_git_fetch_options opts = CN_GIT_FETCH_OPTIONS_INIT;

    opts.low_speed_time_s = 1;
    assert_int_equal(fetch_from(*state, DRIP, &opts), CN_ENET);
    assert_string_equal(cn_error_message(), "the server sent less than 1024 bytes/s for 1 s");
}

static void test_server_stalling_after_a_burst_is_cut_off(void **state)
{
    cn_git_fetch_options opts = CN_GIT_FETCH_OPTIONS_INIT;

    opts.low_speed_time_s = 1;
    assert_int_equal(fetch_from(*state, BURST, &opts), CN_ENET);
    /* "no data ..." or, when the burst's tail came after its window was
     * full, "less than 1024 bytes/s": either way, after the stall time */
    assert_non_null(strstr(cn_error_message(), " for 1 s"));
}

static void test_refs_must_come_within_their_deadline(void **state)
{
    cn_git_fetch_options opts = CN_GIT_FETCH_OPTIONS_INIT;

    opts.low_speed_time_s = 1;
    opts.refs_timeout_s = 2;
    assert_int_equal(fetch_from(*state, SLOW_REFS, &opts), CN_ENET);
    assert_string_equal(cn_error_message(), "the server did not list its refs within 2 s");
}

static void test_endless_refs_are_cut_off(void **state)
{
    cn_git_fetch_options opts = CN_GIT_FETCH_OPTIONS_INIT;

    opts.max_refs_bytes = 64 * 1024;
    assert_int_equal(fetch_from(*state, ENDLESS_REFS, &opts), CN_ELIMIT);
    assert_string_equal(cn_error_message(), "the server's list of refs is larger than 65536 bytes");
}

static void test_endless_pack_is_cut_off(void **state)
{
    cn_git_fetch_options opts = CN_GIT_FETCH_OPTIONS_INIT;

    opts.max_bytes = 256 * 1024;
    assert_int_equal(fetch_from(*state, ENDLESS_PACK, &opts), CN_ELIMIT);
    assert_non_null(strstr(cn_error_message(), "the server sent more than 262144 bytes"));
}

static void test_pack_is_scanned_before_it_is_indexed(void **state)
{
    cn_git_fetch_options opts = CN_GIT_FETCH_OPTIONS_INIT;

    opts.max_object = 1024 * 1024;
    assert_int_equal(fetch_from(*state, BIG_OBJECT, &opts), CN_ELIMIT);
    assert_non_null(strstr(cn_error_message(), "the server's pack: "));
    assert_non_null(strstr(cn_error_message(), "1048576"));
}

/* A listener that never accepts, its backlog full: the kernel drops the
 * next SYN, so a connect hangs as to a host that does not answer. */
static void test_connect_ends_after_the_connect_timeout(void **state)
{
    cn_git_fetch_options opts = CN_GIT_FETCH_OPTIONS_INIT;
    struct sockaddr_in a = {0};
    socklen_t len = sizeof(a);
    fixture *f = *state;
    int listener, fill[4], i;
    char url[64], want[96];
    git_oid out;

    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true((listener = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
    assert_int_equal(bind(listener, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(listener, 0), 0);
    assert_int_equal(getsockname(listener, (struct sockaddr *)&a, &len), 0);
    for (i = 0; i < 4; i++) {
        assert_true((fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) >= 0);
        connect(fill[i], (struct sockaddr *)&a, sizeof(a));
    }
    pause_ms(100);
    snprintf(url, sizeof(url), "git://127.0.0.1:%d/x.git", ntohs(a.sin_port));
    snprintf(want, sizeof(want), "cannot connect to 127.0.0.1 port %d within 1 s",
             ntohs(a.sin_port));
    opts.connect_timeout_s = 1;
    assert_int_equal(cn_git_fetch(&out, f->repo, url, NULL, &opts), CN_ENET);
    assert_string_equal(cn_error_message(), want);
    for (i = 0; i < 4; i++)
        close(fill[i]);
    close(listener);
}

static void test_only_http_and_git_urls(void **state)
{
    cn_git_fetch_options opts = CN_GIT_FETCH_OPTIONS_INIT;
    fixture *f = *state;
    git_oid out;

    assert_true(cn_git_fetch_url_ok("https://example.org/x.git"));
    assert_true(cn_git_fetch_url_ok("HTTP://example.org/x.git"));
    assert_true(cn_git_fetch_url_ok("git://example.org/x.git"));
    assert_false(cn_git_fetch_url_ok("file:///srv/x.git"));
    assert_false(cn_git_fetch_url_ok("ssh://example.org/x.git"));
    assert_false(cn_git_fetch_url_ok("example.org:x.git"));
    assert_false(cn_git_fetch_url_ok("/srv/x.git"));
    assert_int_equal(cn_git_fetch(&out, f->repo, "file:///srv/x.git", NULL, &opts), CN_EUSAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_silent_server_ends_after_the_stall_time, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_dripping_server_is_below_the_rate_floor, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_server_stalling_after_a_burst_is_cut_off, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_refs_must_come_within_their_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_endless_refs_are_cut_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_endless_pack_is_cut_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pack_is_scanned_before_it_is_indexed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connect_ends_after_the_connect_timeout, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_only_http_and_git_urls, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
