/*
 * test_sync_steps.c - steps of a sync round driven directly (through
 * peers/sync_internal.h): a bundle header that arrives in pieces, the
 * planning of a peer that validly signs 100,000 targets, and where a plan
 * from nothing starts.
 */
#include "core/bundle.h"
#include "core/file.h"
#include "core/git.h"
#include "core/tuf.h"
#include "peers/sync.h"
#include "peers/sync_internal.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* ---------------------------------------------------------------------------
 * A bundle header that comes in pieces
 * ------------------------------------------------------------------------- */

typedef struct {
    const char *path;
    const char *data;
} trickle;

/* Write data into the FIFO at path a few bytes at a time, as a pipe or a
 * slow file system delivers it. */
static void *trickle_writer(void *arg)
{
    const trickle *t = arg;
    size_t len = strlen(t->data), off = 0;
    int fd = open(t->path, O_WRONLY);

    if (fd < 0)
        return NULL;
    while (off < len) {
        size_t n = len - off < 7 ? len - off : 7;
        if (write(fd, t->data + off, n) != (ssize_t)n)
            break;
        off += n;
        usleep(2000);
    }
    close(fd);
    return NULL;
}

/* A read that returns fewer bytes than asked is legal: the header of a
 * bundle is read until it is all in, not judged on the first read's bytes. */
static void test_bundle_header_short_reads(void **state)
{
    const char *header = "# v2 git bundle\n"
                         "-0123456789abcdef0123456789abcdef01234567 previous\n"
                         "89abcdef0123456789abcdef0123456789abcdef refs/tags/v1.1.0\n"
                         "89abcdef0123456789abcdef0123456789abcdef HEAD\n"
                         "\n";
    char dir[] = "/tmp/cn-test-trickle-XXXXXX", path[64];
    cn_bundle_header *h = NULL;
    trickle t;
    pthread_t writer;

    (void)state;
    signal(SIGPIPE, SIG_IGN); /* a reader that gives up early must not kill the writer */
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/delta.bundle", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    t.path = path;
    t.data = header;
    assert_int_equal(pthread_create(&writer, NULL, trickle_writer, &t), 0);
    assert_int_equal(cn_sync_bundle_header_read(&h, path), 0);
    assert_int_equal(pthread_join(writer, NULL), 0);
    assert_non_null(h);
    assert_int_equal(h->nprereqs, 1);
    assert_int_equal(h->nrefs, 2);
    assert_string_equal(h->refs[1].name, "HEAD");
    cn_bundle_header_free(h);
    cn_rmtree(dir);
}

/* ---------------------------------------------------------------------------
 * Planning a large signed targets set
 * ------------------------------------------------------------------------- */

#define PLAN_TARGETS 100000

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A peer that signs 100,000 item targets (one item in 50,000 versions, and
 * 50,000 items of one version: what a 16 MiB targets file can hold) is
 * planned in well under a second. Looking each target's item and version
 * up in a list took minutes of CPU, a cost any validly signing peer could
 * impose on its followers. */
static void test_plan_many_targets_is_fast(void **state)
{
    cn_sync_options o = CN_SYNC_OPTIONS_INIT;
    cn_tuf_target_info *infos = calloc(PLAN_TARGETS, sizeof(*infos));
    char **paths = calloc(PLAN_TARGETS, sizeof(*paths));
    json_t **customs = calloc(PLAN_TARGETS, sizeof(*customs));
    struct timespec t0;
    char newest[32];
    peer_run pr;
    size_t i, half = PLAN_TARGETS / 2;
    double took;

    (void)state;
    assert_non_null(infos);
    assert_non_null(paths);
    assert_non_null(customs);
    assert_int_equal(cn_git_init(), 0);
    o.mirrors_dir = o.repos_dir = o.tmp_dir = "/nonexistent/cn-test-plan";
    cn_sync_peer_run_init(&pr, &o, NULL,
                          "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                          CN_POLICY_MIRROR, "http://127.0.0.1:9");
    pr.rdir = strdup("/nonexistent/cn-test-plan/repos");
    pr.tdir = strdup("/nonexistent/cn-test-plan/tmp");
    pr.mdir = strdup("/nonexistent/cn-test-plan/mirrors");
    assert_non_null(pr.files = calloc(PLAN_TARGETS, sizeof(*pr.files)));
    pr.nfiles = PLAN_TARGETS;
    for (i = 0; i < PLAN_TARGETS; i++) {
        char path[128], hex[41];
        if (i < half)
            snprintf(path, sizeof(path), "items/big/%zu.%zu.0/full.bundle", i / 1000, i % 1000);
        else
            snprintf(path, sizeof(path), "items/item-%zu/1.0.0/full.bundle", i);
        snprintf(hex, sizeof(hex), "%040zx", i);
        assert_non_null(paths[i] = strdup(path));
        assert_non_null(customs[i] = json_pack("{s:s, s:s}", "commit", hex, "tag", hex));
        infos[i].path = paths[i];
        infos[i].length = 1;
        infos[i].custom = customs[i];
        memset(infos[i].sha256, 'a', CN_SHA256_HEX_LEN);
        pr.files[i].info = &infos[i];
    }

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (i = 0; i < PLAN_TARGETS; i++)
        assert_int_equal(cn_sync_published_add(&pr, &infos[i]), 0);
    assert_int_equal(cn_sync_index_items(&pr), 0);
    assert_int_equal(cn_sync_check_published(&pr), 0);
    assert_int_equal(cn_sync_plan_items(&pr), 0);
    took = seconds_since(&t0);
    print_message("planned %d targets in %.3f s\n", PLAN_TARGETS, took);

    assert_int_equal(pr.nold, PLAN_TARGETS);
    assert_int_equal(pr.nitems, half + 1);
    for (i = 0; i < pr.nitems; i++) {
        const item_work *w = &pr.items[i];
        if (strcmp(w->item, "big") == 0) {
            assert_int_equal(w->nv, half);
            assert_string_equal(w->v[0].version, "0.0.0");
            snprintf(newest, sizeof(newest), "%zu.999.0", half / 1000 - 1);
            assert_string_equal(w->v[w->nv - 1].version, newest);
        }
        /* Nothing held: one step, the newest full bundle. */
        assert_int_equal(w->nsteps, 1);
        assert_int_equal(w->steps[0].vi, (int)w->nv - 1);
        assert_int_equal(w->steps[0].full, 1);
    }
    /* Generous for a sanitizer build on a busy machine; quadratic took minutes. */
    assert_true(took < 10.0);

    cn_sync_peer_run_clear(&pr);
    for (i = 0; i < PLAN_TARGETS; i++) {
        free(paths[i]);
        json_decref(customs[i]);
    }
    free(paths);
    free(customs);
    free(infos);
}

/* One target of a planned peer: path, length, and the custom a sync reads. */
typedef struct {
    const char *path;
    uint64_t length;
} plan_target;

/* Plan a peer of targets from nothing held; pr is the caller's to clear,
 * infos and customs the caller's to free (n each). */
static void plan_from_nothing(peer_run *pr, cn_tuf_target_info *infos, json_t **customs,
                              const plan_target *targets, size_t n)
{
    static cn_sync_options o = CN_SYNC_OPTIONS_INIT;
    size_t i;

    assert_int_equal(cn_git_init(), 0);
    o.mirrors_dir = o.repos_dir = o.tmp_dir = "/nonexistent/cn-test-plan";
    cn_sync_peer_run_init(pr, &o, NULL,
                          "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                          CN_POLICY_MIRROR, "http://127.0.0.1:9");
    pr->rdir = strdup("/nonexistent/cn-test-plan/repos");
    pr->tdir = strdup("/nonexistent/cn-test-plan/tmp");
    pr->mdir = strdup("/nonexistent/cn-test-plan/mirrors");
    assert_non_null(pr->files = calloc(n, sizeof(*pr->files)));
    pr->nfiles = n;
    for (i = 0; i < n; i++) {
        /* Every target of a version names the same commit and tag. */
        const char *path = targets[i].path, *end = strrchr(path, '/');
        unsigned long h = 5381;
        char hex[41];
        while (path < end)
            h = h * 33 + (unsigned char)*path++;
        snprintf(hex, sizeof(hex), "%040lx", h);
        assert_non_null(customs[i] = json_pack("{s:s, s:s}", "commit", hex, "tag", hex));
        infos[i].path = (char *)targets[i].path;
        infos[i].length = targets[i].length;
        infos[i].custom = customs[i];
        memset(infos[i].sha256, 'a', CN_SHA256_HEX_LEN);
        pr->files[i].info = &infos[i];
        pr->files[i].bundle = strstr(targets[i].path, ".bundle") != NULL;
    }
    assert_int_equal(cn_sync_index_items(pr), 0);
    assert_int_equal(cn_sync_plan_items(pr), 0);
}

/* From nothing, a follower starts at a layout-2 role's checkpoint when its
 * full bundle and the deltas after it cost at most 1.5 times the newest
 * full bundle (it can then serve the item itself), else at the newest full
 * bundle (PROTOCOL §4.1, §8). */
static void test_plan_starts_at_the_checkpoint(void **state)
{
    static const plan_target targets[] = {
        /* Small deltas: 1,000 + 3 x 100 <= 1.5 x 1,300. */
        {"items/twin/1.0.0/full.bundle", 1000},
        {"items/twin/1.1.0/delta.bundle", 100},
        {"items/twin/1.2.0/delta.bundle", 100},
        {"items/twin/1.3.0/delta.bundle", 100},
        {"items/twin/1.3.0/full.bundle", 1300},
        {"items/twin/1.3.0/manifest.json", 10},
        /* Large deltas: 1,000 + 3 x 600 > 1.5 x 1,300. */
        {"items/lidar/1.0.0/full.bundle", 1000},
        {"items/lidar/1.1.0/delta.bundle", 600},
        {"items/lidar/1.2.0/delta.bundle", 600},
        {"items/lidar/1.3.0/delta.bundle", 600},
        {"items/lidar/1.3.0/full.bundle", 1300},
        {"items/lidar/1.3.0/manifest.json", 10},
    };
    enum { N = sizeof(targets) / sizeof(targets[0]) };
    cn_tuf_target_info infos[N];
    json_t *customs[N];
    peer_run pr;
    size_t i;

    (void)state;
    memset(infos, 0, sizeof(infos));
    plan_from_nothing(&pr, infos, customs, targets, N);
    assert_int_equal(pr.nitems, 2);
    for (i = 0; i < pr.nitems; i++) {
        const item_work *w = &pr.items[i];
        assert_int_equal(w->nv, 4);
        if (strcmp(w->item, "twin") == 0) {
            assert_int_equal(w->nsteps, 4);
            assert_int_equal(w->steps[0].vi, 0);
            assert_int_equal(w->steps[0].full, 1);
            assert_int_equal(w->steps[3].vi, 3);
            assert_int_equal(w->steps[3].full, 0);
        } else {
            assert_int_equal(w->nsteps, 1);
            assert_int_equal(w->steps[0].vi, 3);
            assert_int_equal(w->steps[0].full, 1);
        }
        /* Either way the follower will hold a listed full bundle and its
         * chain: nothing more to keep. */
        assert_int_equal(w->v[0].full->keep, 0);
    }
    cn_sync_peer_run_clear(&pr);
    for (i = 0; i < N; i++)
        json_decref(customs[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bundle_header_short_reads),
        cmocka_unit_test(test_plan_many_targets_is_fast),
        cmocka_unit_test(test_plan_starts_at_the_checkpoint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
