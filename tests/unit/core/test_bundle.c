/*
 * test_bundle.c - git bundle v2: write full and delta bundles from real
 * repositories (a delta bundle's changed file as a delta against the
 * prerequisite's), read them into fresh bare repositories, refuse bundles whose
 * prerequisites are missing or whose pack is corrupt, and parse the header
 * cases kept as files under tests/data/bundle/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/bundle.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/file.h"
#include "core/git.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATA_DIR CN_TEST_DATA "/bundle"

typedef struct {
    char dir[64];
    git_repository *src;
    git_oid c[4]; /* a chain of commits, c[0] the root */
    git_oid tag1, tag2;
} fixture;

static char *path_in(const fixture *f, const char *name)
{
    char *p = cn_path_join(f->dir, name);

    assert_non_null(p);
    return p;
}

/* Commit a file "name" with contents onto parent's tree (parent may be NULL). */
static void commit_file(git_oid *out, git_repository *repo, const git_oid *parent, const char *name,
                        const char *contents, int n)
{
    git_signature *sig = NULL;
    git_commit *pc = NULL;
    git_tree *ptree = NULL, *tree = NULL;
    git_treebuilder *tb = NULL;
    git_oid blob, tree_oid;
    char msg[64];
    const git_commit *parents[1];

    if (parent) {
        assert_int_equal(git_commit_lookup(&pc, repo, parent), 0);
        assert_int_equal(git_commit_tree(&ptree, pc), 0);
    }
    assert_int_equal(git_blob_create_from_buffer(&blob, repo, contents, strlen(contents)), 0);
    assert_int_equal(git_treebuilder_new(&tb, repo, ptree), 0);
    assert_int_equal(git_treebuilder_insert(NULL, tb, name, &blob, GIT_FILEMODE_BLOB), 0);
    assert_int_equal(git_treebuilder_write(&tree_oid, tb), 0);
    assert_int_equal(git_tree_lookup(&tree, repo, &tree_oid), 0);
    assert_int_equal(git_signature_new(&sig, "Lighthouse", "city@example.org", 1700000000 + n, 60),
                     0);
    snprintf(msg, sizeof(msg), "Change %d\n\nBody of change %d.\n", n, n);
    parents[0] = pc;
    assert_int_equal(
        git_commit_create(out, repo, NULL, sig, sig, NULL, msg, tree, pc ? 1 : 0, parents), 0);
    git_signature_free(sig);
    git_tree_free(tree);
    git_treebuilder_free(tb);
    git_tree_free(ptree);
    git_commit_free(pc);
}

static void make_tag(git_oid *out, git_repository *repo, const char *name, const git_oid *commit)
{
    git_signature *sig = NULL;
    git_object *target = NULL;

    assert_int_equal(git_signature_new(&sig, "Lighthouse", "city@example.org", 1700001000, 60), 0);
    assert_int_equal(git_object_lookup(&target, repo, commit, GIT_OBJECT_COMMIT), 0);
    assert_int_equal(git_tag_create(out, repo, name, target, sig, "release\n", 0), 0);
    git_object_free(target);
    git_signature_free(sig);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    char *src;
    int i;

    if (f == NULL || cn_git_init() != 0)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/cn-test-bundle-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    src = path_in(f, "src.git");
    assert_int_equal(cn_git_open_bare(&f->src, src), 0);
    free(src);
    for (i = 0; i < 4; i++) {
        char name[32], contents[64];
        snprintf(name, sizeof(name), "file%d.txt", i % 2);
        snprintf(contents, sizeof(contents), "contents of version %d\n", i);
        commit_file(&f->c[i], f->src, i ? &f->c[i - 1] : NULL, name, contents, i);
    }
    make_tag(&f->tag1, f->src, "v1.0.0", &f->c[1]);
    make_tag(&f->tag2, f->src, "v2.0.0", &f->c[3]);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    git_repository_free(f->src);
    cn_rmtree(f->dir);
    free(f);
    git_libgit2_shutdown();
    return 0;
}

static void write_bundle(fixture *f, const char *name, const char *tagref, const git_oid *head,
                         const git_oid *prereq)
{
    const char *refs[1] = {tagref};
    cn_bundle_write_opts o = {refs, 1, *head, prereq, NULL, NULL};
    char *p = path_in(f, name);

    assert_int_equal(cn_bundle_write(f->src, p, &o), 0);
    free(p);
}

static git_repository *fresh_repo(fixture *f, const char *name)
{
    git_repository *r = NULL;
    char *p = path_in(f, name);

    assert_int_equal(cn_git_open_bare(&r, p), 0);
    free(p);
    return r;
}

static size_t count_refs(git_repository *repo)
{
    git_strarray refs = {0};
    size_t n;

    assert_int_equal(git_reference_list(&refs, repo), 0);
    n = refs.count;
    git_strarray_dispose(&refs);
    return n;
}

static size_t count_packs(fixture *f, const char *repo)
{
    char path[256];
    DIR *d;
    struct dirent *de;
    size_t n = 0;

    snprintf(path, sizeof(path), "%s/%s/objects/pack", f->dir, repo);
    assert_non_null(d = opendir(path));
    while ((de = readdir(d)) != NULL)
        n += de->d_name[0] != '.';
    closedir(d);
    return n;
}

static int has_object(git_repository *repo, const git_oid *oid)
{
    git_odb *odb = NULL;
    int r;

    assert_int_equal(git_repository_odb(&odb, repo), 0);
    r = git_odb_exists(odb, oid);
    git_odb_free(odb);
    return r;
}

static void test_full_bundle_round_trips(void **state)
{
    fixture *f = *state;
    cn_bundle_header *h = NULL;
    git_repository *dst;
    git_commit *c = NULL;
    git_tree *t = NULL;
    char *p;
    int i;

    write_bundle(f, "full.bundle", "refs/tags/v2.0.0", &f->c[3], NULL);
    dst = fresh_repo(f, "dst.git");
    p = path_in(f, "full.bundle");
    assert_int_equal(cn_bundle_unbundle(&h, dst, p, 0, NULL), 0);
    assert_int_equal(h->nprereqs, 0);
    assert_int_equal(h->nrefs, 2);
    assert_string_equal(h->refs[0].name, "HEAD");
    assert_true(git_oid_equal(&h->refs[0].oid, &f->c[3]));
    assert_string_equal(h->refs[1].name, "refs/tags/v2.0.0");
    assert_true(git_oid_equal(&h->refs[1].oid, &f->tag2));
    /* every commit, its tree and the tag object arrived; no ref moved */
    for (i = 0; i < 4; i++) {
        assert_int_equal(git_commit_lookup(&c, dst, &f->c[i]), 0);
        assert_int_equal(git_commit_tree(&t, c), 0);
        git_tree_free(t);
        git_commit_free(c);
    }
    assert_true(has_object(dst, &f->tag2));
    assert_int_equal(count_refs(dst), 0);
    cn_bundle_header_free(h);
    free(p);
    git_repository_free(dst);
}

static void test_delta_bundle_applies_on_top_of_full(void **state)
{
    fixture *f = *state;
    cn_bundle_header *h = NULL;
    git_repository *dst;
    char *full = path_in(f, "full1.bundle"), *delta = path_in(f, "delta.bundle");
    unsigned char *data = NULL;
    size_t len = 0;
    char hex[GIT_OID_HEXSZ + 1], expect[128];

    write_bundle(f, "full1.bundle", "refs/tags/v1.0.0", &f->c[1], NULL);
    write_bundle(f, "delta.bundle", "refs/tags/v2.0.0", &f->c[3], &f->c[1]);
    /* the delta's header names its prerequisite with the commit's subject */
    assert_int_equal(cn_file_read(&data, &len, delta, 1 << 20), 0);
    git_oid_tostr(hex, sizeof(hex), &f->c[1]);
    snprintf(expect, sizeof(expect), "# v2 git bundle\n-%s Change 1\n", hex);
    assert_memory_equal(data, expect, strlen(expect));
    free(data);

    dst = fresh_repo(f, "dst.git");
    assert_int_equal(cn_bundle_unbundle(NULL, dst, full, 0, NULL), 0);
    assert_false(has_object(dst, &f->c[2]));
    assert_int_equal(cn_bundle_unbundle(&h, dst, delta, 0, NULL), 0);
    assert_int_equal(h->nprereqs, 1);
    assert_true(git_oid_equal(&h->prereqs[0], &f->c[1]));
    assert_true(has_object(dst, &f->c[3]));
    assert_true(has_object(dst, &f->tag2));
    assert_int_equal(cn_git_is_ancestor(dst, &f->c[0], &f->c[3]), 1);
    assert_int_equal(count_refs(dst), 0);
    cn_bundle_header_free(h);
    git_repository_free(dst);
    free(full);
    free(delta);
}

/* A delta bundle carries a changed file as a delta against the version the
 * prerequisite has (a thin pack), and libgit2's indexer, given the
 * receiver's odb, resolves it. */
static void test_delta_bundle_is_thin(void **state)
{
    fixture *f = *state;
    git_repository *dst;
    git_oid v1, v2;
    git_blob *blob = NULL;
    git_commit *c = NULL;
    git_tree *t = NULL;
    git_tree_entry *te = NULL;
    char *full = path_in(f, "big1.bundle"), *delta = path_in(f, "big-delta.bundle");
    char *text, line[64];
    const char *refs[1] = {"refs/tags/big2"};
    cn_bundle_write_opts o = {refs, 1, {{0}}, NULL, NULL, NULL};
    size_t i, n = 0, len;
    unsigned char *data = NULL;

    /* 16 KiB of lines zlib cannot shrink much: numbered hex digests */
    assert_non_null(text = malloc(32 * 1024));
    for (i = 0; n < 16 * 1024; i++) {
        snprintf(line, sizeof(line), "%zu %08lx%08lx\n", i, (unsigned long)(i * 2654435761u),
                 (unsigned long)(i * 40503u * 40503u));
        memcpy(text + n, line, strlen(line) + 1);
        n += strlen(line);
    }
    commit_file(&v1, f->src, &f->c[3], "readings.csv", text, 10);
    memcpy(text + n / 2, "Stavanger", 9);
    commit_file(&v2, f->src, &v1, "readings.csv", text, 11);
    make_tag(&f->tag1, f->src, "big1", &v1);
    make_tag(&f->tag2, f->src, "big2", &v2);
    o.head_commit = v1;
    refs[0] = "refs/tags/big1";
    assert_int_equal(cn_bundle_write(f->src, full, &o), 0);
    o.head_commit = v2;
    o.prerequisite = &v1;
    refs[0] = "refs/tags/big2";
    assert_int_equal(cn_bundle_write(f->src, delta, &o), 0);
    /* commit, tag, tree and blob, the blob as a small delta */
    assert_int_equal(cn_file_read(&data, &len, delta, 1 << 20), 0);
    assert_true(len < 1500);
    free(data);

    dst = fresh_repo(f, "dst.git");
    assert_int_equal(cn_bundle_unbundle(NULL, dst, full, 0, NULL), 0);
    assert_int_equal(cn_bundle_unbundle(NULL, dst, delta, 0, NULL), 0);
    assert_int_equal(git_commit_lookup(&c, dst, &v2), 0);
    assert_int_equal(git_commit_tree(&t, c), 0);
    assert_int_equal(git_tree_entry_bypath(&te, t, "readings.csv"), 0);
    assert_int_equal(git_blob_lookup(&blob, dst, git_tree_entry_id(te)), 0);
    assert_int_equal(git_blob_rawsize(blob), n);
    assert_memory_equal(git_blob_rawcontent(blob), text, n);
    assert_true(has_object(dst, &f->tag2));
    git_blob_free(blob);
    git_tree_entry_free(te);
    git_tree_free(t);
    git_commit_free(c);
    git_repository_free(dst);
    free(text);
    free(full);
    free(delta);
}

static void test_delta_bundle_without_prerequisite_is_refused(void **state)
{
    fixture *f = *state;
    git_repository *dst;
    char *delta = path_in(f, "delta.bundle");
    char hex[GIT_OID_HEXSZ + 1];

    write_bundle(f, "delta.bundle", "refs/tags/v2.0.0", &f->c[3], &f->c[1]);
    dst = fresh_repo(f, "dst.git");
    assert_int_equal(cn_bundle_unbundle(NULL, dst, delta, 0, NULL), CN_EVERIFY);
    git_oid_tostr(hex, sizeof(hex), &f->c[1]);
    assert_non_null(strstr(cn_error_message(), hex));
    assert_false(has_object(dst, &f->c[3]));
    assert_int_equal(count_packs(f, "dst.git"), 0);
    git_repository_free(dst);
    free(delta);
}

/* Flip one byte at offset (from the end if negative) of the bundle's pack. */
static void damage_pack(fixture *f, const char *name, long offset, int truncate)
{
    cn_bundle_header *h = NULL;
    unsigned char *data = NULL;
    size_t len = 0, at;
    char *p = path_in(f, name);

    assert_int_equal(cn_file_read(&data, &len, p, 1 << 24), 0);
    assert_int_equal(cn_bundle_header_parse(&h, data, len), 0);
    at = offset >= 0 ? h->pack_offset + (size_t)offset : len - (size_t)-offset;
    assert_true(at > h->pack_offset && at < len);
    data[at] ^= 0x5a;
    assert_int_equal(cn_file_write_atomic(p, data, truncate ? at : len, 0644), 0);
    cn_bundle_header_free(h);
    free(data);
    free(p);
}

static void expect_refused_cleanly(fixture *f, const char *name)
{
    git_repository *dst = fresh_repo(f, "dst.git");
    char *p = path_in(f, name);

    assert_true(cn_bundle_unbundle(NULL, dst, p, 0, NULL) < 0);
    assert_true(strlen(cn_error_message()) > 0);
    assert_false(has_object(dst, &f->c[3]));
    assert_int_equal(count_refs(dst), 0);
    assert_int_equal(count_packs(f, "dst.git"), 0);
    git_repository_free(dst);
    free(p);
}

static void test_corrupt_pack_is_refused(void **state)
{
    fixture *f = *state;

    write_bundle(f, "bad.bundle", "refs/tags/v2.0.0", &f->c[3], NULL);
    damage_pack(f, "bad.bundle", 40, 0); /* inside the first object's data */
    expect_refused_cleanly(f, "bad.bundle");
}

static void test_pack_with_bad_checksum_is_refused(void **state)
{
    fixture *f = *state;

    write_bundle(f, "bad.bundle", "refs/tags/v2.0.0", &f->c[3], NULL);
    damage_pack(f, "bad.bundle", -3, 0); /* inside the trailing SHA-1 */
    expect_refused_cleanly(f, "bad.bundle");
}

static void test_truncated_pack_is_refused(void **state)
{
    fixture *f = *state;

    write_bundle(f, "bad.bundle", "refs/tags/v2.0.0", &f->c[3], NULL);
    damage_pack(f, "bad.bundle", -30, 1);
    expect_refused_cleanly(f, "bad.bundle");
}

static void test_write_refuses_bad_input(void **state)
{
    fixture *f = *state;
    const char *light[1] = {"refs/tags/light"};
    const char *missing[1] = {"refs/tags/nope"};
    const char *v2[1] = {"refs/tags/v2.0.0"};
    cn_bundle_write_opts o = {light, 1, f->c[3], NULL, NULL, NULL};
    git_object *obj = NULL;
    git_reference *ref = NULL;
    char *p = path_in(f, "x.bundle");

    /* a lightweight tag is not an annotated tag */
    assert_int_equal(git_object_lookup(&obj, f->src, &f->c[2], GIT_OBJECT_COMMIT), 0);
    assert_int_equal(git_reference_create(&ref, f->src, "refs/tags/light", &f->c[2], 0, NULL), 0);
    assert_int_equal(cn_bundle_write(f->src, p, &o), CN_EINVAL);
    o.tag_refs = missing;
    assert_int_equal(cn_bundle_write(f->src, p, &o), CN_ENOTFOUND);
    /* a tag outside the bundle's history */
    o.tag_refs = v2;
    o.head_commit = f->c[1];
    assert_int_equal(cn_bundle_write(f->src, p, &o), CN_EINVAL);
    /* a prerequisite that is not an ancestor */
    o.head_commit = f->c[1];
    o.tag_refs = NULL;
    o.ntag_refs = 0;
    o.prerequisite = &f->c[3];
    assert_int_equal(cn_bundle_write(f->src, p, &o), CN_EINVAL);
    /* nothing to carry */
    o.prerequisite = &f->c[1];
    assert_int_equal(cn_bundle_write(f->src, p, &o), CN_EINVAL);
    assert_false(cn_file_exists(p));
    git_reference_free(ref);
    git_object_free(obj);
    free(p);
}

/* ---- header parser cases kept as data files ---------------------------- */

typedef struct {
    const char *file;
    int code;
} header_case;

static const header_case header_cases[] = {
    {"valid-full.bundle", 0},
    {"valid-delta.bundle", 0},
    {"valid-prerequisite-without-subject.bundle", 0},
    {"v3-signature.bundle", CN_EUNSUPPORTED},
    {"not-a-bundle.bundle", CN_EINVAL},
    {"empty.bundle", CN_EINVAL},
    {"oid-too-short.bundle", CN_EINVAL},
    {"oid-uppercase.bundle", CN_EINVAL},
    {"oid-not-hex.bundle", CN_EINVAL},
    {"prerequisite-with-junk-after-oid.bundle", CN_EINVAL},
    {"missing-blank-line.bundle", CN_EINVAL},
    {"ref-with-dotdot.bundle", CN_EINVAL},
    {"ref-with-nul.bundle", CN_EINVAL},
    {"ref-without-name.bundle", CN_EINVAL},
    {"ref-outside-refs.bundle", CN_EINVAL},
    {"ref-listed-twice.bundle", CN_EINVAL},
    {"prerequisite-after-ref.bundle", CN_EINVAL},
    {"no-refs.bundle", CN_EINVAL},
    {"line-too-long.bundle", CN_ELIMIT},
    {"too-many-prerequisites.bundle", CN_ELIMIT},
};

static void test_header_cases_from_files(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(header_cases) / sizeof(header_cases[0]); i++) {
        char path[512];
        unsigned char *data = NULL;
        size_t len = 0;
        cn_bundle_header *h = NULL;
        int r;

        snprintf(path, sizeof(path), "%s/%s", DATA_DIR, header_cases[i].file);
        assert_int_equal(cn_file_read(&data, &len, path, 1 << 20), 0);
        r = cn_bundle_header_parse(&h, data, len);
        if (r != header_cases[i].code)
            fail_msg("%s: expected %d, got %d (%s)", header_cases[i].file, header_cases[i].code, r,
                     cn_error_message());
        if (r == 0) {
            assert_non_null(h);
            assert_true(h->pack_offset <= len);
            assert_memory_equal(data + h->pack_offset, "PACK", 4);
        } else {
            assert_null(h);
            assert_true(strlen(cn_error_message()) > 0);
        }
        cn_bundle_header_free(h);
        free(data);
    }
}

static void test_header_valid_delta_contents(void **state)
{
    unsigned char *data = NULL;
    size_t len = 0;
    cn_bundle_header *h = NULL;
    char hex[GIT_OID_HEXSZ + 1];

    (void)state;
    assert_int_equal(cn_file_read(&data, &len, DATA_DIR "/valid-delta.bundle", 1 << 20), 0);
    assert_int_equal(cn_bundle_header_parse(&h, data, len), 0);
    assert_int_equal(h->nprereqs, 1);
    git_oid_tostr(hex, sizeof(hex), &h->prereqs[0]);
    assert_string_equal(hex, "1111111111111111111111111111111111111111");
    assert_int_equal(h->nrefs, 2);
    assert_string_equal(h->refs[0].name, "HEAD");
    assert_string_equal(h->refs[1].name, "refs/tags/v2.0.0");
    git_oid_tostr(hex, sizeof(hex), &h->refs[1].oid);
    assert_string_equal(hex, "3333333333333333333333333333333333333333");
    /* a prefix that stops inside the header is truncated, not a header */
    cn_bundle_header_free(h);
    h = NULL;
    assert_int_equal(cn_bundle_header_parse(&h, data, 60), CN_EINVAL);
    assert_null(h);
    free(data);
}

/* Cases too large to keep as files: built here from their description. */
static void test_header_over_the_caps(void **state)
{
    cn_buf b = CN_BUF_INIT;
    cn_bundle_header *h = NULL;
    char subject[4001];
    int i;

    (void)state;
    /* 20 prerequisites with 4000-byte subjects: a header over 64 KiB */
    memset(subject, 's', sizeof(subject) - 1);
    subject[sizeof(subject) - 1] = '\0';
    assert_int_equal(cn_buf_puts(&b, "# v2 git bundle\n"), 0);
    for (i = 0; i < 20; i++)
        assert_int_equal(cn_buf_printf(&b, "-%040d %s\n", i, subject), 0);
    assert_int_equal(cn_buf_puts(&b, "2222222222222222222222222222222222222222 HEAD\n\nPACK"), 0);
    assert_true(b.len > CN_BUNDLE_MAX_HEADER);
    assert_int_equal(cn_bundle_header_parse(&h, b.data, b.len), CN_ELIMIT);
    assert_null(h);
    cn_buf_reset(&b);

    /* one ref more than CN_BUNDLE_MAX_REFS */
    assert_int_equal(cn_buf_puts(&b, "# v2 git bundle\n"), 0);
    for (i = 0; i <= CN_BUNDLE_MAX_REFS; i++)
        assert_int_equal(cn_buf_printf(&b, "%040d refs/tags/v%d\n", i, i), 0);
    assert_int_equal(cn_buf_puts(&b, "\nPACK"), 0);
    assert_true(b.len < CN_BUNDLE_MAX_HEADER);
    assert_int_equal(cn_bundle_header_parse(&h, b.data, b.len), CN_ELIMIT);
    assert_null(h);
    cn_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_full_bundle_round_trips, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delta_bundle_applies_on_top_of_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delta_bundle_is_thin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delta_bundle_without_prerequisite_is_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_pack_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pack_with_bad_checksum_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_pack_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_refuses_bad_input, setup, teardown),
        cmocka_unit_test(test_header_cases_from_files),
        cmocka_unit_test(test_header_valid_delta_contents),
        cmocka_unit_test(test_header_over_the_caps),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
