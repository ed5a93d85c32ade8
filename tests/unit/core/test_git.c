/*
 * test_git.c - git operations: opening bare repositories, importing a working
 * repository's history, snapshotting directories into commits, signed
 * annotated tags (create, verify, refuse tampering), and the files of git's
 * dumb HTTP protocol (compared with stock `git update-server-info`).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/file.h"
#include "core/git.h"
#include "core/key.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    char dir[64];
    git_repository *repo; /* bare, at <dir>/node.git */
    git_signature *sig;
} fixture;

static char *path_in(const fixture *f, const char *name)
{
    char *p = cn_path_join(f->dir, name);

    assert_non_null(p);
    return p;
}

static void put_file(const fixture *f, const char *name, const char *contents, mode_t mode)
{
    char *p = path_in(f, name);

    assert_int_equal(cn_file_write_atomic(p, contents, strlen(contents), mode), 0);
    free(p);
}

static void make_dir(const fixture *f, const char *name)
{
    char *p = path_in(f, name);

    assert_int_equal(cn_mkdir_p(p, 0755), 0);
    free(p);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    char *p;

    if (f == NULL || cn_git_init() != 0)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/cn-test-git-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    p = path_in(f, "node.git");
    assert_int_equal(cn_git_open_bare(&f->repo, p), 0);
    free(p);
    assert_int_equal(
        git_signature_new(&f->sig, "Stadt Leipzig", "opendata@leipzig.example", 1700000000, 120),
        0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    git_signature_free(f->sig);
    git_repository_free(f->repo);
    cn_rmtree(f->dir);
    free(f);
    git_libgit2_shutdown();
    return 0;
}

static void test_open_bare_creates_and_reopens(void **state)
{
    fixture *f = *state;
    git_repository *r = NULL, *work = NULL;
    char *p = path_in(f, "node.git"), *w = path_in(f, "work");

    assert_int_equal(cn_git_open_bare(&r, p), 0);
    assert_true(git_repository_is_bare(r));
    git_repository_free(r);
    /* a working repository is not what the node stores */
    assert_int_equal(git_repository_init(&work, w, 0), 0);
    git_repository_free(work);
    assert_int_equal(cn_git_open_bare(&r, w), CN_EINVAL);
    assert_null(r);
    free(p);
    free(w);
}

/* Entry name, mode and (for blobs) contents in tree. */
static void expect_entry(git_repository *repo, git_tree *tree, const char *path,
                         git_filemode_t mode, const char *contents)
{
    git_tree_entry *e = NULL;
    git_blob *blob = NULL;

    if (git_tree_entry_bypath(&e, tree, path) != 0)
        fail_msg("missing tree entry %s", path);
    assert_int_equal(git_tree_entry_filemode(e), mode);
    if (contents) {
        assert_int_equal(git_blob_lookup(&blob, repo, git_tree_entry_id(e)), 0);
        assert_int_equal(git_blob_rawsize(blob), strlen(contents));
        assert_memory_equal(git_blob_rawcontent(blob), contents, strlen(contents));
        git_blob_free(blob);
    }
    git_tree_entry_free(e);
}

static void make_sample_dir(fixture *f)
{
    char *link;

    make_dir(f, "data/sub/deeper");
    make_dir(f, "data/empty");
    make_dir(f, "data/.git");
    put_file(f, "data/README.md", "# Smart lighting\n", 0644);
    put_file(f, "data/run.sh", "#!/bin/sh\necho on\n", 0755);
    put_file(f, "data/sub/deeper/readings.csv", "t,lux\n0,12\n", 0644);
    put_file(f, "data/.git/config", "[core]\n", 0644);
    link = path_in(f, "data/latest");
    assert_int_equal(symlink("sub/deeper/readings.csv", link), 0);
    free(link);
}

static void test_snapshot_keeps_modes_and_links(void **state)
{
    fixture *f = *state;
    git_oid first, second, again;
    git_commit *c = NULL;
    git_tree *t = NULL;
    git_tree_entry *e = NULL;
    char *dir = path_in(f, "data");

    make_sample_dir(f);
    assert_int_equal(cn_git_snapshot_dir(&first, f->repo, dir, NULL, f->sig, "First\n"), 0);
    assert_int_equal(git_commit_lookup(&c, f->repo, &first), 0);
    assert_int_equal(git_commit_parentcount(c), 0);
    assert_string_equal(git_commit_message(c), "First\n");
    assert_int_equal(git_commit_tree(&t, c), 0);
    expect_entry(f->repo, t, "README.md", GIT_FILEMODE_BLOB, "# Smart lighting\n");
    expect_entry(f->repo, t, "run.sh", GIT_FILEMODE_BLOB_EXECUTABLE, "#!/bin/sh\necho on\n");
    expect_entry(f->repo, t, "sub/deeper/readings.csv", GIT_FILEMODE_BLOB, "t,lux\n0,12\n");
    expect_entry(f->repo, t, "latest", GIT_FILEMODE_LINK, "sub/deeper/readings.csv");
    /* .git is skipped and empty directories are not stored, like git */
    assert_int_equal(git_tree_entry_bypath(&e, t, ".git"), GIT_ENOTFOUND);
    assert_int_equal(git_tree_entry_bypath(&e, t, "empty"), GIT_ENOTFOUND);
    assert_int_equal(git_tree_entrycount(t), 4);

    /* the same files give the same tree; the parent links versions */
    assert_int_equal(cn_git_snapshot_dir(&second, f->repo, dir, &first, f->sig, "Second\n"), 0);
    assert_int_equal(cn_git_snapshot_dir(&again, f->repo, dir, &first, f->sig, "Second\n"), 0);
    assert_true(git_oid_equal(&second, &again));
    git_tree_free(t);
    git_commit_free(c);
    assert_int_equal(git_commit_lookup(&c, f->repo, &second), 0);
    assert_int_equal(git_commit_parentcount(c), 1);
    assert_true(git_oid_equal(git_commit_parent_id(c, 0), &first));
    assert_int_equal(cn_git_is_ancestor(f->repo, &first, &second), 1);
    assert_int_equal(cn_git_is_ancestor(f->repo, &second, &first), 0);
    git_commit_free(c);
    free(dir);
}

static void test_snapshot_refuses_special_files(void **state)
{
    fixture *f = *state;
    git_oid oid;
    char *dir = path_in(f, "data"), *fifo = path_in(f, "data/pipe");

    make_dir(f, "data");
    put_file(f, "data/a.txt", "a\n", 0644);
    assert_int_equal(mkfifo(fifo, 0644), 0);
    assert_int_equal(cn_git_snapshot_dir(&oid, f->repo, dir, NULL, f->sig, "x\n"), CN_EINVAL);
    assert_non_null(strstr(cn_error_message(), "pipe"));
    free(fifo);
    free(dir);
}

static void test_snapshot_refuses_missing_parent(void **state)
{
    fixture *f = *state;
    git_oid oid, bogus;
    char *dir = path_in(f, "data");

    make_dir(f, "data");
    put_file(f, "data/a.txt", "a\n", 0644);
    memset(&bogus, 0x42, sizeof(bogus));
    assert_int_equal(cn_git_snapshot_dir(&oid, f->repo, dir, &bogus, f->sig, "x\n"), CN_ENOTFOUND);
    free(dir);
}

/* A working repository with n commits on its HEAD branch. */
static void make_work_repo(fixture *f, const char *name, int n, git_oid *head)
{
    git_repository *work = NULL;
    git_index *index = NULL;
    git_tree *tree = NULL;
    git_commit *parent = NULL;
    git_oid tree_oid;
    char *p = path_in(f, name), fname[64], contents[64];
    int i;

    assert_int_equal(git_repository_init(&work, p, 0), 0);
    if (git_revparse_single((git_object **)&parent, work, "HEAD^{commit}") != 0)
        parent = NULL; /* a new repository: the first commit is a root */
    for (i = 0; i < n; i++) {
        const git_commit *parents[1] = {parent};
        snprintf(fname, sizeof(fname), "%s/file%d.txt", name, i % 3);
        snprintf(contents, sizeof(contents), "revision %d\n", i);
        put_file(f, fname, contents, 0644);
        assert_int_equal(git_repository_index(&index, work), 0);
        snprintf(fname, sizeof(fname), "file%d.txt", i % 3);
        assert_int_equal(git_index_add_bypath(index, fname), 0);
        assert_int_equal(git_index_write(index), 0);
        assert_int_equal(git_index_write_tree(&tree_oid, index), 0);
        assert_int_equal(git_tree_lookup(&tree, work, &tree_oid), 0);
        assert_int_equal(git_commit_create(head, work, "HEAD", f->sig, f->sig, NULL, "change\n",
                                           tree, parent ? 1 : 0, parents),
                         0);
        git_commit_free(parent);
        assert_int_equal(git_commit_lookup(&parent, work, head), 0);
        git_tree_free(tree);
        git_index_free(index);
    }
    git_commit_free(parent);
    git_repository_free(work);
    free(p);
}

/* Import the history of src's HEAD, as publishing a working repository does. */
static int import_head(git_oid *out, git_repository *repo, const char *src)
{
    git_repository *r = NULL;
    git_object *head = NULL;
    int err;

    if (git_repository_open(&r, src) < 0)
        return CN_EINVAL;
    if (git_revparse_single(&head, r, "HEAD^{commit}") < 0) {
        git_repository_free(r);
        return CN_EINVAL;
    }
    git_oid_cpy(out, git_object_id(head));
    git_object_free(head);
    git_repository_free(r);
    err = cn_git_import(repo, src, out, NULL, NULL);
    return err;
}

static void test_import_copies_history(void **state)
{
    fixture *f = *state;
    git_oid head, imported, head2;
    git_revwalk *walk = NULL;
    git_oid oid;
    char *work = path_in(f, "work");
    int count = 0;

    make_work_repo(f, "work", 25, &head);
    assert_int_equal(import_head(&imported, f->repo, work), 0);
    assert_true(git_oid_equal(&imported, &head));
    /* the whole chain, with trees and blobs, is in the node's repo */
    assert_int_equal(git_revwalk_new(&walk, f->repo), 0);
    assert_int_equal(git_revwalk_push(walk, &head), 0);
    while (git_revwalk_next(&oid, walk) == 0) {
        git_commit *c = NULL;
        git_tree *t = NULL;
        assert_int_equal(git_commit_lookup(&c, f->repo, &oid), 0);
        assert_int_equal(git_commit_tree(&t, c), 0);
        git_tree_free(t);
        git_commit_free(c);
        count++;
    }
    assert_int_equal(count, 25);
    git_revwalk_free(walk);

    /* importing again after more commits adds just those; no refs are made */
    make_work_repo(f, "work", 3, &head2);
    assert_int_equal(import_head(&imported, f->repo, work), 0);
    assert_true(git_oid_equal(&imported, &head2));
    assert_int_equal(cn_git_is_ancestor(f->repo, &head, &head2), 1);
    free(work);
}

static void test_import_refuses_empty_repository(void **state)
{
    fixture *f = *state;
    git_repository *work = NULL;
    git_oid out;
    char *p = path_in(f, "empty");

    /* a commit the source does not hold is not there to import */
    assert_int_equal(git_repository_init(&work, p, 0), 0);
    git_repository_free(work);
    assert_int_equal(git_oid_fromstr(&out, "0123456789abcdef0123456789abcdef01234567"), 0);
    assert_int_equal(cn_git_import(f->repo, p, &out, NULL, NULL), CN_EINVAL);
    free(p);
    p = path_in(f, "does-not-exist");
    assert_int_equal(cn_git_import(f->repo, p, &out, NULL, NULL), CN_EINVAL);
    free(p);
}

static void snapshot_one(fixture *f, git_oid *out)
{
    char *dir = path_in(f, "data");

    make_dir(f, "data");
    put_file(f, "data/a.txt", "a\n", 0644);
    assert_int_equal(cn_git_snapshot_dir(out, f->repo, dir, NULL, f->sig, "Data\n"), 0);
    free(dir);
}

static void test_signed_tag_verifies(void **state)
{
    fixture *f = *state;
    unsigned char pub[CN_ED25519_PUB_LEN], signer[CN_ED25519_PUB_LEN];
    git_oid commit, tag_oid, again, target;
    git_odb *odb = NULL;
    git_odb_object *raw = NULL;
    git_reference *ref = NULL;
    cn_key *key = NULL;
    char hex[GIT_OID_HEXSZ + 1], expect[512];

    snapshot_one(f, &commit);
    assert_int_equal(cn_key_generate(&key), 0);
    assert_int_equal(
        cn_git_tag_signed(&tag_oid, f->repo, "v1.0.0", &commit, f->sig, "Release 1.0.0", key), 0);
    /* the object is what git writes: header, message with newline, signature */
    assert_int_equal(git_repository_odb(&odb, f->repo), 0);
    assert_int_equal(git_odb_read(&raw, odb, &tag_oid), 0);
    git_oid_tostr(hex, sizeof(hex), &commit);
    snprintf(expect, sizeof(expect),
             "object %s\ntype commit\ntag v1.0.0\ntagger Stadt Leipzig "
             "<opendata@leipzig.example> 1700000000 +0200\n\nRelease 1.0.0\n"
             "-----BEGIN SSH SIGNATURE-----\n",
             hex);
    assert_true(git_odb_object_size(raw) > strlen(expect));
    assert_memory_equal(git_odb_object_data(raw), expect, strlen(expect));
    git_odb_object_free(raw);
    git_odb_free(odb);
    assert_int_equal(git_reference_lookup(&ref, f->repo, "refs/tags/v1.0.0"), 0);
    assert_true(git_oid_equal(git_reference_target(ref), &tag_oid));
    git_reference_free(ref);

    assert_int_equal(cn_git_tag_verify(signer, &target, f->repo, &tag_oid), 0);
    cn_key_public_raw(key, pub);
    assert_memory_equal(signer, pub, sizeof(pub));
    assert_true(git_oid_equal(&target, &commit));

    /* a tag is created once */
    assert_int_equal(cn_git_tag_signed(&again, f->repo, "v1.0.0", &commit, f->sig, "x", key),
                     CN_EEXISTS);
    cn_key_free(key);
}

static void test_tag_message_is_what_was_signed(void **state)
{
    fixture *f = *state;
    static const char json[] = "{\"id\":\"x\",\"note\":\"a\\n\\nb\"}";
    git_oid commit, tag_oid;
    cn_key *key = NULL;
    unsigned char *msg = NULL;
    size_t len = 0;

    snapshot_one(f, &commit);
    assert_int_equal(cn_key_generate(&key), 0);
    /* A manifest without a final newline comes back with one added; the
     * signature block is not part of the message. */
    assert_int_equal(cn_git_tag_signed(&tag_oid, f->repo, "v1.0.0", &commit, f->sig, json, key), 0);
    assert_int_equal(cn_git_tag_message(&msg, &len, f->repo, &tag_oid), 0);
    assert_int_equal(len, strlen(json) + 1);
    assert_memory_equal(msg, json, strlen(json));
    assert_int_equal(msg[len - 1], '\n');
    free(msg);
    /* Lines of its own, an empty line inside: kept as they are. */
    assert_int_equal(
        cn_git_tag_signed(&tag_oid, f->repo, "v2.0.0", &commit, f->sig, "one\n\ntwo\n", key), 0);
    assert_int_equal(cn_git_tag_message(&msg, &len, f->repo, &tag_oid), 0);
    assert_int_equal(len, 9);
    assert_memory_equal(msg, "one\n\ntwo\n", 9);
    free(msg);
    /* Not a tag. */
    assert_int_equal(cn_git_tag_message(&msg, &len, f->repo, &commit), CN_EINVAL);
    assert_null(msg);
    cn_key_free(key);
}

static void test_tag_refuses_bad_names_and_messages(void **state)
{
    fixture *f = *state;
    git_oid commit, oid;
    cn_key *key = NULL;

    snapshot_one(f, &commit);
    assert_int_equal(cn_key_generate(&key), 0);
    assert_int_equal(cn_git_tag_signed(&oid, f->repo, "../v1", &commit, f->sig, "m", key),
                     CN_EINVAL);
    assert_int_equal(cn_git_tag_signed(&oid, f->repo, "v1 0", &commit, f->sig, "m", key),
                     CN_EINVAL);
    assert_int_equal(cn_git_tag_signed(&oid, f->repo, "", &commit, f->sig, "m", key), CN_EINVAL);
    assert_int_equal(cn_git_tag_signed(&oid, f->repo, "v1", &commit, f->sig,
                                       "text\n-----BEGIN SSH SIGNATURE-----\nforged\n", key),
                     CN_EINVAL);
    cn_key_free(key);
}

/* Write raw as a tag object and return its id. */
static void write_tag_object(git_oid *out, git_repository *repo, const char *raw, size_t len)
{
    git_odb *odb = NULL;

    assert_int_equal(git_repository_odb(&odb, repo), 0);
    assert_int_equal(git_odb_write(out, odb, raw, len, GIT_OBJECT_TAG), 0);
    git_odb_free(odb);
}

static void test_tampered_or_unsigned_tag_fails(void **state)
{
    fixture *f = *state;
    unsigned char signer[CN_ED25519_PUB_LEN];
    git_oid commit, tag_oid, bad_oid, target;
    git_odb *odb = NULL;
    git_odb_object *raw = NULL;
    cn_key *key = NULL;
    char *copy, *at;
    size_t len;

    snapshot_one(f, &commit);
    assert_int_equal(cn_key_generate(&key), 0);
    assert_int_equal(
        cn_git_tag_signed(&tag_oid, f->repo, "v1.0.0", &commit, f->sig, "Release\n", key), 0);
    assert_int_equal(git_repository_odb(&odb, f->repo), 0);
    assert_int_equal(git_odb_read(&raw, odb, &tag_oid), 0);
    len = git_odb_object_size(raw);
    assert_non_null(copy = malloc(len + 1));
    memcpy(copy, git_odb_object_data(raw), len);
    copy[len] = '\0';

    /* same signature, changed message */
    assert_non_null(at = strstr(copy, "Release"));
    at[0] = 'r';
    write_tag_object(&bad_oid, f->repo, copy, len);
    assert_int_equal(cn_git_tag_verify(signer, &target, f->repo, &bad_oid), CN_EVERIFY);
    at[0] = 'R';

    /* the signature cut off: an unsigned tag */
    at = strstr(copy, "-----BEGIN SSH SIGNATURE-----");
    write_tag_object(&bad_oid, f->repo, copy, (size_t)(at - copy));
    assert_int_equal(cn_git_tag_verify(signer, &target, f->repo, &bad_oid), CN_EVERIFY);

    /* a commit is not a tag */
    assert_int_equal(cn_git_tag_verify(signer, &target, f->repo, &commit), CN_EINVAL);
    free(copy);
    git_odb_object_free(raw);
    git_odb_free(odb);
    cn_key_free(key);
}

/* The whole of file name below dir (NUL-terminated), or NULL if absent. */
static char *slurp(const char *dir, const char *name)
{
    char *p = cn_path_join(dir, name);
    unsigned char *data = NULL;
    size_t len = 0;

    assert_non_null(p);
    if (cn_file_read(&data, &len, p, 1 << 20) != 0) {
        cn_error_clear();
        data = NULL;
    }
    free(p);
    return (char *)data;
}

/* Write the dumb-HTTP files with cn_git_update_server_info, then with stock
 * `git update-server-info` on the same repository, and compare. */
static void compare_with_stock_git(fixture *f, char **ours_refs, char **ours_packs, char **git_refs,
                                   char **git_packs)
{
    const char *gitdir = git_repository_path(f->repo);
    char cmd[512];

    assert_int_equal(cn_git_update_server_info(f->repo), 0);
    assert_non_null(*ours_refs = slurp(gitdir, "info/refs"));
    assert_non_null(*ours_packs = slurp(gitdir, "objects/info/packs"));
    /* without -f git keeps the order of an existing objects/info/packs */
    snprintf(cmd, sizeof(cmd),
             "cd '%s' && rm info/refs objects/info/packs && "
             "GIT_CONFIG_NOSYSTEM=1 git update-server-info",
             gitdir);
    assert_int_equal(system(cmd), 0);
    assert_non_null(*git_refs = slurp(gitdir, "info/refs"));
    assert_non_null(*git_packs = slurp(gitdir, "objects/info/packs"));
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of s, sorted, joined again (s is modified). */
static void sort_lines(char *s, char *out, size_t outlen)
{
    char *lines[64], *save = NULL, *l;
    size_t n = 0, i;

    out[0] = '\0';
    for (l = strtok_r(s, "\n", &save); l && n < 64; l = strtok_r(NULL, "\n", &save))
        lines[n++] = l;
    qsort(lines, n, sizeof(*lines), cmp_line);
    for (i = 0; i < n; i++) {
        strncat(out, lines[i], outlen - strlen(out) - 1);
        strncat(out, "\n", outlen - strlen(out) - 1);
    }
}

/* A plain directory published as a snapshot leaves only loose objects: the
 * pack directory is empty, and objects/info/packs is the lone blank line. */
static void test_server_info_without_packs(void **state)
{
    fixture *f = *state;
    git_oid commit;
    git_reference *ref = NULL;
    char *ours_refs, *ours_packs, *git_refs, *git_packs;

    snapshot_one(f, &commit);
    assert_int_equal(git_reference_create(&ref, f->repo, "refs/heads/main", &commit, 1, NULL), 0);
    git_reference_free(ref);
    compare_with_stock_git(f, &ours_refs, &ours_packs, &git_refs, &git_packs);
    assert_string_equal(ours_refs, git_refs);
    assert_string_equal(ours_packs, git_packs);
    assert_string_equal(ours_packs, "\n");
    free(ours_refs);
    free(ours_packs);
    free(git_refs);
    free(git_packs);
}

static void test_server_info_matches_stock_git(void **state)
{
    fixture *f = *state;
    git_oid head, commit, tag_oid, nested, again;
    git_object *tag_obj = NULL;
    git_reference *ref = NULL;
    cn_key *key = NULL;
    char *work = path_in(f, "work"), *ours_refs, *ours_packs, *git_refs, *git_packs;
    char a[4096], b[4096];

    /* one pack (the import), loose objects (a snapshot on top), refs of
     * every kind: a branch, a signed annotated tag, a lightweight tag and a
     * tag of a tag */
    make_work_repo(f, "work", 5, &head);
    assert_int_equal(import_head(&head, f->repo, work), 0);
    make_dir(f, "data");
    put_file(f, "data/a.txt", "a\n", 0644);
    free(work);
    work = path_in(f, "data");
    assert_int_equal(cn_git_snapshot_dir(&commit, f->repo, work, &head, f->sig, "Data\n"), 0);
    assert_int_equal(cn_key_generate(&key), 0);
    assert_int_equal(
        cn_git_tag_signed(&tag_oid, f->repo, "v1.0.0", &head, f->sig, "Release 1.0.0\n", key), 0);
    assert_int_equal(git_reference_create(&ref, f->repo, "refs/heads/main", &commit, 1, NULL), 0);
    git_reference_free(ref);
    assert_int_equal(git_repository_set_head(f->repo, "refs/heads/main"), 0);
    assert_int_equal(git_reference_create(&ref, f->repo, "refs/tags/light", &commit, 1, NULL), 0);
    git_reference_free(ref);
    assert_int_equal(git_object_lookup(&tag_obj, f->repo, &tag_oid, GIT_OBJECT_TAG), 0);
    assert_int_equal(git_tag_create(&nested, f->repo, "nested", tag_obj, f->sig, "Of a tag\n", 0),
                     0);

    compare_with_stock_git(f, &ours_refs, &ours_packs, &git_refs, &git_packs);
    assert_string_equal(ours_refs, git_refs);
    assert_string_equal(ours_packs, git_packs);
    assert_non_null(strstr(ours_refs, "\trefs/tags/v1.0.0^{}\n"));
    assert_non_null(strstr(ours_refs, "\trefs/tags/nested^{}\n"));
    assert_null(strstr(ours_refs, "\trefs/tags/light^{}"));
    assert_null(strstr(ours_refs, "HEAD"));
    assert_non_null(strstr(ours_packs, "P pack-"));
    free(ours_refs);
    free(ours_packs);
    free(git_refs);
    free(git_packs);

    /* a second pack: git lists packs in the order it found them in memory,
     * so the two files hold the same lines in an order of their own */
    make_work_repo(f, "work", 2, &again);
    free(work);
    work = path_in(f, "work");
    assert_int_equal(import_head(&again, f->repo, work), 0);
    compare_with_stock_git(f, &ours_refs, &ours_packs, &git_refs, &git_packs);
    assert_string_equal(ours_refs, git_refs);
    assert_int_equal(strlen(ours_packs), strlen(git_packs));
    sort_lines(ours_packs, a, sizeof(a));
    sort_lines(git_packs, b, sizeof(b));
    assert_string_equal(a, b);
    assert_non_null(strstr(strstr(a, "P pack-") + 1, "P pack-"));
    free(ours_refs);
    free(ours_packs);
    free(git_refs);
    free(git_packs);
    git_object_free(tag_obj);
    cn_key_free(key);
    free(work);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_bare_creates_and_reopens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_keeps_modes_and_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_refuses_special_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_refuses_missing_parent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_copies_history, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_refuses_empty_repository, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tag_message_is_what_was_signed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signed_tag_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tag_refuses_bad_names_and_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampered_or_unsigned_tag_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_info_matches_stock_git, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_info_without_packs, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
