/*
 * test_pack.c - the delta encoder (core/delta.c) and the thin pack writer
 * (core/pack.c).
 *
 * Deltas are applied with a decoder written here from git's format
 * description, independent of the encoder, over edited, binary, empty,
 * repetitive and random inputs. Thin packs are written for a history made
 * with stock git (edits, binary and empty files, a large file over the delta
 * cap, an executable bit, a symlink, a rename, a deletion, a directory that
 * becomes a file), then indexed by stock `git index-pack --fix-thin` into a
 * repository holding only the old version (fsck --strict must be clean and
 * the pack must hold deltas) and by libgit2's indexer against that
 * repository's odb.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/delta.h"
#include "core/error.h"
#include "core/file.h"
#include "core/git.h"
#include "core/pack.h"
#include "core/pack_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- an independent delta decoder ------------------------------------- */

static int get_varint(cn_reader *r, size_t *out)
{
    uint8_t b;
    size_t v = 0;
    int shift = 0;

    do {
        if (cn_reader_get_u8(r, &b) != 0 || shift > 56)
            return -1;
        v |= (size_t)(b & 0x7f) << shift;
        shift += 7;
    } while (b & 0x80);
    *out = v;
    return 0;
}

/* Apply delta to base into out; -1 on any malformed or inconsistent delta. */
static int apply_delta(cn_buf *out, const unsigned char *base, size_t base_len,
                       const unsigned char *delta, size_t delta_len)
{
    cn_reader r;
    const unsigned char *lit;
    size_t bsize, rsize, off, len;
    uint8_t op, b;
    int k;

    cn_reader_init(&r, delta, delta_len);
    if (get_varint(&r, &bsize) != 0 || bsize != base_len || get_varint(&r, &rsize) != 0)
        return -1;
    while (cn_reader_remaining(&r) > 0) {
        if (cn_reader_get_u8(&r, &op) != 0)
            return -1;
        if (op & 0x80) {
            off = len = 0;
            for (k = 0; k < 4; k++)
                if (op & (1 << k)) {
                    if (cn_reader_get_u8(&r, &b) != 0)
                        return -1;
                    off |= (size_t)b << (8 * k);
                }
            for (k = 0; k < 3; k++)
                if (op & (0x10 << k)) {
                    if (cn_reader_get_u8(&r, &b) != 0)
                        return -1;
                    len |= (size_t)b << (8 * k);
                }
            if (len == 0)
                len = 0x10000;
            if (off > base_len || len > base_len - off)
                return -1;
            if (cn_buf_put(out, base + off, len) != 0)
                return -1;
        } else if (op != 0) {
            if (cn_reader_get_bytes(&r, &lit, op) != 0 || cn_buf_put(out, lit, op) != 0)
                return -1;
        } else {
            return -1; /* reserved */
        }
    }
    return out->len == rsize ? 0 : -1;
}

/* Encode, decode, compare; returns the delta's size. */
static size_t round_trip(const unsigned char *base, size_t base_len, const unsigned char *target,
                         size_t target_len)
{
    cn_buf d = CN_BUF_INIT, r = CN_BUF_INIT;
    size_t n;

    assert_int_equal(cn_delta_create(&d, base, base_len, target, target_len, 0), 0);
    assert_int_equal(apply_delta(&r, base, base_len, d.data, d.len), 0);
    assert_int_equal(r.len, target_len);
    if (target_len > 0)
        assert_memory_equal(r.data, target, target_len);
    n = d.len;
    cn_buf_free(&d);
    cn_buf_free(&r);
    return n;
}

static uint32_t rng_state = 12345;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void fill_text(unsigned char *p, size_t n)
{
    static const char words[] = "city data platform lighthouse eindhoven manchester stavanger \n";
    size_t i;

    for (i = 0; i < n; i++)
        p[i] = (unsigned char)words[rng() % (sizeof(words) - 1)];
}

static void test_delta_of_small_edits_is_small(void **state)
{
    size_t n = 64 * 1024, m, d;
    unsigned char *base = malloc(n), *target = malloc(n + 100);

    (void)state;
    assert_non_null(base);
    assert_non_null(target);
    fill_text(base, n);
    /* one line inserted in the middle, a few bytes replaced near the end */
    memcpy(target, base, n / 2);
    memcpy(target + n / 2, "a new line of the Leipzig sample data\n", 38);
    memcpy(target + n / 2 + 38, base + n / 2, n - n / 2);
    m = n + 38;
    memcpy(target + m - 1000, "XXXX", 4);
    d = round_trip(base, n, target, m);
    assert_true(d < 200);
    /* identical inputs: a handful of copies */
    assert_true(round_trip(base, n, base, n) < 20);
    /* prefix and suffix of the base */
    assert_true(round_trip(base, n, base, n / 3) < 20);
    assert_true(round_trip(base, n, base + n / 3, n - n / 3) < 30);
    free(base);
    free(target);
}

static void test_delta_edge_cases(void **state)
{
    unsigned char buf[4096], zeros[200000] = {0};
    cn_buf d = CN_BUF_INIT;

    (void)state;
    fill_text(buf, sizeof(buf));
    round_trip(buf, 0, buf, 0);
    round_trip(buf, sizeof(buf), buf, 0);
    round_trip(buf, 0, buf, sizeof(buf));
    round_trip(buf, 7, buf, 5);              /* shorter than a block */
    round_trip(buf, 15, buf, 16);            /* base shorter than a block */
    round_trip(buf, 17, buf + 1, 16);        /* one block, unaligned */
    round_trip(buf, sizeof(buf), buf, 4095); /* insert limit boundaries */
    /* long runs: copies longer than 0x10000, buckets full of equal blocks */
    assert_true(round_trip(zeros, sizeof(zeros), zeros, sizeof(zeros)) < 40);
    round_trip(zeros, 1000, zeros, sizeof(zeros));
    /* over the cap (the encoder must refuse before reading the bytes) */
    assert_int_equal(cn_delta_create(&d, buf, (size_t)CN_DELTA_MAX_SIZE + 1, buf, 1, 0), CN_ELIMIT);
    assert_int_equal(cn_delta_create(&d, buf, 1, buf, (size_t)CN_DELTA_MAX_SIZE + 1, 0), CN_ELIMIT);
    /* unrelated data cannot make a delta under half the target */
    cn_buf_reset(&d);
    assert_int_equal(cn_delta_create(&d, zeros, 4096, buf, sizeof(buf), sizeof(buf) / 2),
                     CN_ELIMIT);
    cn_buf_free(&d);
}

/* Random bases and targets made from them by random edits, and pure noise:
 * every delta must decode to its target. */
static void test_delta_random_edits(void **state)
{
    enum { N = 20000 };
    unsigned char *base = malloc(N), *target = malloc(4 * N);
    size_t blen, tlen, i, k, at, n;
    int round;

    (void)state;
    assert_non_null(base);
    assert_non_null(target);
    for (round = 0; round < 300; round++) {
        blen = rng() % N;
        for (i = 0; i < blen; i++)
            base[i] = (unsigned char)(round % 3 == 0 ? rng() : rng() % 4);
        tlen = 0;
        for (k = rng() % 12; k > 0 && tlen < 3 * N; k--) {
            at = blen ? rng() % blen : 0;
            n = blen - at < 2000 ? blen - at : rng() % 2000;
            memcpy(target + tlen, base + at, n); /* a piece of the base */
            tlen += n;
            for (n = rng() % 64; n > 0; n--) /* some new bytes */
                target[tlen++] = (unsigned char)rng();
        }
        round_trip(base, blen, target, tlen);
    }
    free(base);
    free(target);
}

/* ---- thin packs through stock git and libgit2 ------------------------- */

typedef struct {
    char dir[64];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));

    if (f == NULL || cn_git_init() != 0)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/cn-test-pack-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    cn_rmtree(f->dir);
    free(f);
    git_libgit2_shutdown();
    return 0;
}

/* Run a shell script in the fixture's directory with stock git isolated from
 * the user's configuration; returns its exit status. */
static int sh(const fixture *f, const char *script)
{
    cn_buf b = CN_BUF_INIT;
    int r;

    assert_int_equal(
        cn_buf_printf(&b,
                      "cd '%s' && export HOME=\"$PWD\" GIT_CONFIG_NOSYSTEM=1 "
                      "GIT_CONFIG_GLOBAL=/dev/null GIT_AUTHOR_NAME=Leipzig "
                      "GIT_AUTHOR_EMAIL=city@example.org GIT_COMMITTER_NAME=Leipzig "
                      "GIT_COMMITTER_EMAIL=city@example.org "
                      "GIT_AUTHOR_DATE='1700000000 +0100' GIT_COMMITTER_DATE='1700000000 +0100' "
                      "&& set -e && %s",
                      f->dir, script),
        0);
    r = system((const char *)b.data);
    cn_buf_free(&b);
    return r;
}

/* v1 and v2 of a work repository (sample data of the Leipzig follower city),
 * tagged v1 and v2, covering every kind of change a path can go through. */
static const char history[] =
    "git init -q -b main src && cd src && "
    "mkdir -p data docs bin old && "
    "seq 1 3000 | sed 's/^/Leipzig sample sensor reading /' >data/readings.csv && "
    "head -c 30000 /dev/urandom >data/map.bin && "
    ": >data/empty && "
    "echo 'echo lamp' >bin/lamp.sh && "
    "ln -s docs/README.md README && "
    "seq 1 500 | sed 's/^/documentation line /' >docs/README.md && "
    "seq 1 400 | sed 's/^/renamed unchanged /' >docs/moved.md && "
    "seq 1 400 | sed 's/^/renamed and edited /' >docs/edited.md && "
    "echo gone >docs/deleted.md && "
    "echo x >old/file && "
    "yes 'a large file over the delta cap' | head -c 17000000 >large.txt && "
    "git add -A && git commit -q -m v1 && git tag -a -m v1 v1 && "
    "sed -i '1500a a new reading line' data/readings.csv && "
    "printf 'changed' | dd of=data/map.bin bs=1 seek=12000 conv=notrunc 2>/dev/null && "
    "echo 'no longer empty' >data/empty && "
    "chmod +x bin/lamp.sh && "
    "rm README && ln -s docs/moved-away.md README && "
    "sed -i '250a one more line of documentation' docs/README.md && "
    "git mv docs/moved.md docs/moved-away.md && "
    "git mv docs/edited.md edited-elsewhere.md && echo more >>edited-elsewhere.md && "
    "git rm -q docs/deleted.md && "
    "git rm -q -r old && echo 'now a file' >old && "
    "echo tail >>large.txt && "
    "git add -A && git commit -q -m v2 && git tag -a -m v2 v2";

static int file_write_cb(void *payload, const void *data, size_t len)
{
    return fwrite(data, 1, len, payload) == len ? 0 : -1;
}

static void write_thin(const fixture *f, git_oid *v1, git_oid *v2, git_oid *tag2)
{
    git_repository *src = NULL;
    git_object *obj = NULL;
    cn_pack_plan_opts opts = {0};
    cn_pack_plan *p = NULL;
    unsigned char sha[GIT_OID_RAWSZ];
    char *path;
    FILE *fp;

    path = cn_path_join(f->dir, "src/.git");
    assert_int_equal(git_repository_open(&src, path), 0);
    free(path);
    assert_int_equal(git_revparse_single(&obj, src, "v1^{commit}"), 0);
    git_oid_cpy(v1, git_object_id(obj));
    git_object_free(obj);
    assert_int_equal(git_revparse_single(&obj, src, "v2^{commit}"), 0);
    git_oid_cpy(v2, git_object_id(obj));
    git_object_free(obj);
    assert_int_equal(git_revparse_single(&obj, src, "v2"), 0);
    git_oid_cpy(tag2, git_object_id(obj));
    git_object_free(obj);

    opts.tips = v2;
    opts.ntips = 1;
    opts.hide = v1;
    opts.nhide = 1;
    opts.thin = 1;
    assert_int_equal(cn_pack_plan_new(&p, src, &opts), 0);
    assert_int_equal(cn_pack_plan_insert(p, tag2, GIT_OBJECT_TAG), 0);
    assert_int_equal(cn_pack_plan_insert(p, tag2, GIT_OBJECT_TAG), 0);  /* not twice */
    assert_int_equal(cn_pack_plan_insert(p, v2, GIT_OBJECT_COMMIT), 0); /* already in */
    /* commit, tag, root tree, data/, bin/, docs/, the new "old" file,
     * edited-elsewhere.md, readings.csv, map.bin, empty, README, docs/README.md,
     * large.txt */
    assert_int_equal(cn_pack_plan_count(p), 14);
    path = cn_path_join(f->dir, "thin.pack");
    assert_non_null(fp = fopen(path, "wb"));
    assert_int_equal(cn_pack_plan_write(p, file_write_cb, fp, NULL, NULL, sha), 0);
    assert_int_equal(fclose(fp), 0);
    free(path);
    cn_pack_plan_free(p);
    git_repository_free(src);
}

static void test_thin_pack_indexes_in_stock_git(void **state)
{
    fixture *f = *state;
    git_oid v1, v2, tag2;
    char script[1024], hex[GIT_OID_HEXSZ + 1];

    assert_int_equal(sh(f, history), 0);
    write_thin(f, &v1, &v2, &tag2);
    git_oid_tostr(hex, sizeof(hex), &tag2);
    /* the pack is thin: without v1's objects stock git cannot index it */
    assert_int_not_equal(sh(f, "git init -q --bare empty.git && "
                               "git -C empty.git index-pack --stdin --fix-thin <thin.pack "
                               ">/dev/null 2>&1"),
                         0);
    snprintf(script, sizeof(script),
             "git init -q --bare dst.git && cd dst.git && "
             "git fetch -q ../src refs/tags/v1:refs/tags/v1 && "
             "git index-pack --stdin --fix-thin <../thin.pack >name && "
             "git update-ref refs/tags/v2 %s && "
             "git fsck --strict --no-dangling 2>&1 && "
             "test \"$(git rev-parse v2^{tree})\" = \"$(git -C ../src rev-parse v2^{tree})\" && "
             "git verify-pack -v objects/pack/pack-$(cut -f2 name).idx >../verify && "
             "grep -q 'chain length = 1: [3-9] objects' ../verify",
             hex);
    assert_int_equal(sh(f, script), 0);
}

static void test_thin_pack_indexes_in_libgit2(void **state)
{
    fixture *f = *state;
    git_repository *dst = NULL;
    git_indexer_options iopts;
    git_indexer_progress stats;
    git_indexer *idx = NULL;
    git_odb *odb = NULL;
    git_object *obj = NULL;
    git_oid v1, v2, tag2;
    unsigned char *data = NULL;
    char *path, *packdir = NULL, spec[GIT_OID_HEXSZ + 32];
    size_t len = 0;

    assert_int_equal(sh(f, history), 0);
    write_thin(f, &v1, &v2, &tag2);
    assert_int_equal(sh(f, "git init -q --bare dst.git && "
                           "git -C dst.git fetch -q ../src refs/tags/v1:refs/tags/v1"),
                     0);
    path = cn_path_join(f->dir, "dst.git");
    assert_int_equal(git_repository_open(&dst, path), 0);
    free(path);
    path = cn_path_join(f->dir, "thin.pack");
    assert_int_equal(cn_file_read(&data, &len, path, 64 << 20), 0);
    free(path);
    assert_int_equal(cn_git_pack_dir(&packdir, dst), 0);
    assert_int_equal(git_repository_odb(&odb, dst), 0);
    git_indexer_options_init(&iopts, GIT_INDEXER_OPTIONS_VERSION);
    iopts.verify = 1;
    assert_int_equal(git_indexer_new(&idx, packdir, 0, odb, &iopts), 0);
    assert_int_equal(git_indexer_append(idx, data, len, &stats), 0);
    assert_int_equal(git_indexer_commit(idx, &stats), 0);
    assert_true(stats.local_objects > 0); /* thin bases appended from the odb */
    assert_int_equal(git_odb_refresh(odb), 0);
    git_oid_tostr(spec, GIT_OID_HEXSZ + 1, &v2);
    strcat(spec, ":data/readings.csv");
    assert_int_equal(git_revparse_single(&obj, dst, spec), 0);
    assert_int_equal(git_object_type(obj), GIT_OBJECT_BLOB);
    git_object_free(obj);
    assert_int_equal(git_object_lookup(&obj, dst, &tag2, GIT_OBJECT_TAG), 0);
    git_object_free(obj);
    git_indexer_free(idx);
    git_odb_free(odb);
    git_repository_free(dst);
    free(packdir);
    free(data);
    assert_int_equal(sh(f, "cd dst.git && git fsck --strict --no-dangling 2>&1 && "
                           "git update-ref refs/tags/v2 \"$(git -C ../src rev-parse v2)\" && "
                           "git fsck --strict --no-dangling 2>&1"),
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delta_of_small_edits_is_small),
        cmocka_unit_test(test_delta_edge_cases),
        cmocka_unit_test(test_delta_random_edits),
        cmocka_unit_test_setup_teardown(test_thin_pack_indexes_in_stock_git, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thin_pack_indexes_in_libgit2, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
