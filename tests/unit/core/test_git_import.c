/*
 * test_git_import.c - cn_git_import (core/git_import.c): one pack and its
 * index written into the node's repository by reuse, checked with stock
 * git.
 *
 * A first import copies the whole history and hands back its plan (which
 * writes a whole pack from the node's repository); a second copies only
 * what is new, whether the node's refs say what it has or only its objects
 * do; a repository already holding some objects (packed and loose) gets
 * only the rest; an import of what is there already writes nothing; a
 * damaged source or a hostile tree leaves no pack, no index and no
 * temporary file behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "support_repo.h"

#include "core/bundle.h"
#include "core/error.h"
#include "core/file.h"
#include "core/git.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* src: versions 1 to 4 packed, 5 and 6 loose. */
static const char source[] = "git init -q -b main src && cd src && " REPO_EDIT
                             "for i in 1 2 3 4; do edit $i; done && git repack -adq && "
                             "for i in 5 6; do edit $i; done";

static git_repository *open_node(const char *dir)
{
    git_repository *node = NULL;
    char *path = cn_path_join(dir, "node.git");

    assert_non_null(path);
    assert_int_equal(cn_git_open_bare(&node, path), 0);
    free(path);
    return node;
}

/* Import spec (a commit of src) into node; returns cn_git_import's result. */
static int import(const char *dir, git_repository *node, const char *spec, cn_pack_plan **history)
{
    git_repository *src = repo_open(dir, "src");
    char *path = cn_path_join(dir, "src");
    git_oid commit;
    int r;

    repo_oid(&commit, src, spec);
    git_repository_free(src);
    r = cn_git_import(node, path, &commit, NULL, history);
    free(path);
    return r;
}

/* Note which packs node.git has, for check_node to tell the new one. */
static void mark_packs(const char *dir)
{
    assert_int_equal(repo_sh(dir, "mkdir -p node.git/objects/pack && "
                                  "ls node.git/objects/pack | sort >packs.before"),
                     0);
}

/* node.git has packs packs, holding between them exactly the objects of
 * `git rev-list --objects tip` in src, each once, and nothing loose or
 * temporary; the one pack new since mark_packs holds exactly those of
 * new_revs. */
static void check_node(const char *dir, int packs, const char *tip, const char *new_revs)
{
    assert_int_equal(
        repo_sh(dir,
                "cd node.git && test \"$(ls objects/pack/*.pack | wc -l)\" -eq %d && "
                "test \"$(ls objects/pack/*.idx | wc -l)\" -eq %d && "
                "! ls objects/pack | grep -v '^pack-[0-9a-f]*\\.\\(pack\\|idx\\)$' && "
                "! find objects/?? -type f 2>/dev/null | grep -q . && "
                "for i in objects/pack/*.idx; do git verify-pack $i; done && "
                "for i in objects/pack/*.idx; do git show-index <$i; done | cut -d' ' -f2 | "
                "  sort >../got && "
                "git -C ../src rev-list --objects %s | cut -c1-40 | sort >../want && "
                "cmp ../want ../got && "
                "ls objects/pack | sort | comm -13 ../packs.before - | grep 'idx$' >../new && "
                "test \"$(wc -l <../new)\" -eq 1 && "
                "git show-index <objects/pack/$(cat ../new) | cut -d' ' -f2 | sort >../got-new && "
                "git -C ../src rev-list --objects %s | cut -c1-40 | sort >../want-new && "
                "cmp ../want-new ../got-new && "
                "git update-ref refs/heads/check $(git -C ../src rev-parse %s) && "
                "git fsck --strict --no-dangling 2>&1 && git update-ref -d refs/heads/check",
                packs, packs, tip, new_revs, tip),
        0);
}

/* A first import of main~2 into an empty repository hands back its whole
 * history; a second of main, with a ref on main~2, copies only v5 and v6. */
static void test_import_twice_copies_only_the_new(void **state)
{
    const char *dir = *state;
    git_repository *node;
    cn_pack_plan *history = NULL;
    unsigned char sha[20];

    assert_int_equal(repo_sh(dir, "%s", source), 0);
    node = open_node(dir);
    mark_packs(dir);
    assert_int_equal(import(dir, node, "main~2", &history), 0);
    check_node(dir, 1, "main~2", "main~2");
    /* the plan handed back is the whole history, found in node.git */
    assert_non_null(history);
    assert_int_equal(atol(repo_sh_line(dir, "git -C src rev-list --objects main~2 | wc -l")),
                     cn_pack_plan_count(history));
    assert_int_equal(repo_sh(dir, "mv src src.away"), 0);
    assert_int_equal(repo_write_plan(history, dir, "history.pack", NULL, sha), 0);
    assert_int_equal(repo_sh(dir, "mv src.away src && "
                                  "git init -q --bare -b main chk.git && "
                                  "git -C chk.git index-pack --strict --stdin <history.pack "
                                  ">/dev/null && "
                                  "git -C chk.git update-ref refs/heads/main "
                                  "$(git -C src rev-parse main~2) && "
                                  "git -C chk.git fsck --strict --no-dangling 2>&1"),
                     0);
    cn_pack_plan_free(history);
    history = NULL;

    /* the node says what it has by a ref, as publishing leaves it */
    assert_int_equal(repo_sh(dir, "git -C node.git update-ref refs/heads/main "
                                  "$(git -C src rev-parse main~2)"),
                     0);
    mark_packs(dir);
    assert_int_equal(import(dir, node, "main", &history), 0);
    assert_null(history); /* not the whole history */
    check_node(dir, 2, "main", "main ^main~2");
    git_repository_free(node);
}

/* Without a ref the node's objects say what it has: the second pack is the
 * same. */
static void test_import_twice_without_refs(void **state)
{
    const char *dir = *state;
    git_repository *node;
    cn_pack_plan *history = NULL;

    assert_int_equal(repo_sh(dir, "%s", source), 0);
    node = open_node(dir);
    assert_int_equal(import(dir, node, "main~2", NULL), 0);
    mark_packs(dir);
    assert_int_equal(import(dir, node, "main", &history), 0);
    assert_null(history);
    check_node(dir, 2, "main", "main ^main~2");
    git_repository_free(node);
}

/* A node already holding part of the history, packed (v1's) and loose
 * (v2..v3's): the import's pack holds the rest, each object once. */
static void test_import_into_repository_with_some_objects(void **state)
{
    const char *dir = *state;
    git_repository *node;
    cn_pack_plan *history = NULL;

    assert_int_equal(repo_sh(dir, "%s", source), 0);
    assert_int_equal(
        repo_sh(dir, "git init -q --bare -b main node.git && "
                     "git -C src rev-list --objects main~5 | cut -c1-40 | "
                     "  git -C src pack-objects -q --stdout | "
                     "  git -C node.git index-pack --stdin >/dev/null && "
                     "git -C src rev-list --objects main~3 ^main~5 | cut -c1-40 | "
                     "  git -C src pack-objects -q --stdout | git -C node.git unpack-objects -q && "
                     "find node.git/objects/?? -type f | grep -q . && "
                     "ls node.git/objects/pack | sort >packs.before"),
        0);
    node = open_node(dir);
    assert_int_equal(import(dir, node, "main", &history), 0);
    assert_null(history); /* some of it was there already */
    /* nothing is duplicated: packed v1, loose v2..v3, the new pack the rest */
    assert_int_equal(
        repo_sh(dir,
                "cd node.git && test \"$(ls objects/pack/*.pack | wc -l)\" -eq 2 && "
                "ls objects/pack | sort | comm -13 ../packs.before - | grep 'idx$' >../new && "
                "git show-index <objects/pack/$(cat ../new) | cut -d' ' -f2 | sort >../got && "
                "git -C ../src rev-list --objects main ^main~3 | cut -c1-40 | sort >../want && "
                "cmp ../want ../got && "
                "git update-ref refs/heads/main $(git -C ../src rev-parse main) && "
                "git fsck --strict --no-dangling 2>&1"),
        0);
    git_repository_free(node);
}

/* Importing what the node has already writes nothing. */
static void test_import_of_present_commit_writes_nothing(void **state)
{
    const char *dir = *state;
    git_repository *node;
    cn_pack_plan *history = NULL;

    assert_int_equal(repo_sh(dir, "%s", source), 0);
    node = open_node(dir);
    mark_packs(dir);
    assert_int_equal(import(dir, node, "main", NULL), 0);
    assert_int_equal(import(dir, node, "main", &history), 0);
    assert_null(history);
    assert_int_equal(import(dir, node, "main~3", &history), 0);
    assert_null(history);
    check_node(dir, 1, "main", "main");
    git_repository_free(node);
}

/* The history an import hands back writes a full bundle stock git clones,
 * and the node's single pack a delta bundle git fetches. */
static void test_import_history_writes_bundles(void **state)
{
    const char *dir = *state;
    cn_bundle_write_opts opts = {0};
    git_repository *node, *src;
    cn_pack_plan *history = NULL;
    git_oid prereq;
    char *path;

    assert_int_equal(repo_sh(dir, "%s", source), 0);
    node = open_node(dir);
    assert_int_equal(import(dir, node, "main", &history), 0);
    assert_non_null(history);
    src = repo_open(dir, "src");
    repo_oid(&opts.head_commit, src, "main");
    repo_oid(&prereq, src, "main~2");
    git_repository_free(src);
    opts.history = history;
    assert_non_null(path = cn_path_join(dir, "full.bundle"));
    assert_int_equal(cn_bundle_write(node, path, &opts), 0);
    free(path);
    cn_pack_plan_free(history);
    opts.history = NULL;
    opts.prerequisite = &prereq;
    assert_non_null(path = cn_path_join(dir, "delta.bundle"));
    assert_int_equal(cn_bundle_write(node, path, &opts), 0);
    free(path);
    git_repository_free(node);
    assert_int_equal(
        repo_sh(dir, "git -c advice.detachedHead=false clone -q full.bundle full && git -C full "
                     "fsck --strict --no-dangling 2>&1 && "
                     "git -C full rev-list --objects HEAD | sort >got && "
                     "git -C src rev-list --objects main | sort >want && cmp want got && "
                     "git clone -q --no-local src old && git -C old reset -q --hard main~2 && "
                     "git -C old bundle verify ../delta.bundle >/dev/null 2>&1 && "
                     "git -C old fetch -q ../delta.bundle HEAD:refs/heads/new && "
                     "test \"$(git -C old rev-parse new)\" = \"$(git -C src rev-parse main)\" && "
                     "git -C old fsck --strict --no-dangling 2>&1"),
        0);
}

/* A source sharing its objects with another (git clone --shared): what it
 * borrows is copied too. */
static void test_import_from_shared_clone(void **state)
{
    const char *dir = *state;
    git_repository *node;

    assert_int_equal(repo_sh(dir, "%s", source), 0);
    assert_int_equal(repo_sh(dir, "%s",
                             "mv src base && git clone -q --shared base src && cd src && " REPO_EDIT
                             "edit 7 && edit 8 && "
                             "test -s .git/objects/info/alternates"),
                     0);
    node = open_node(dir);
    mark_packs(dir);
    assert_int_equal(import(dir, node, "main", NULL), 0);
    check_node(dir, 1, "main", "main");
    git_repository_free(node);
}

/* No pack, index or temporary file is left by a failed import. */
static void check_nothing_written(const char *dir)
{
    assert_int_equal(repo_sh(dir, "test -z \"$(ls -A node.git/objects/pack)\" && "
                                  "! find node.git/objects -type f | grep -q ."),
                     0);
}

static void test_import_of_damaged_source_writes_nothing(void **state)
{
    const char *dir = *state;
    git_repository *node;
    cn_pack_plan *history = NULL;
    char hex[GIT_OID_HEXSZ + 1];
    const char *line;
    int r;

    assert_int_equal(repo_sh(dir, "%s", source), 0);
    line =
        repo_sh_line(dir, "%s", "cd src && git repack -adfq && " REPO_FLIP "flip main:guide.txt");
    assert_int_equal(repo_fields(line), 5); /* copied as it lies */
    snprintf(hex, sizeof(hex), "%s", line);
    node = open_node(dir);
    cn_error_clear();
    r = import(dir, node, "main", &history);
    git_repository_free(node);
    if (r != CN_EVERIFY || strstr(cn_error_message(), hex) == NULL)
        fail_msg("want CN_EVERIFY naming %s, got %d: %s", hex, r, cn_error_message());
    assert_null(history);
    check_nothing_written(dir);
}

static void test_import_of_hostile_tree_writes_nothing(void **state)
{
    const char *dir = *state;
    git_repository *node;
    cn_pack_plan *history = NULL;
    char *src;

    assert_int_equal(
        repo_sh(dir, "%s",
                "git init -q -b main src && cd src && " REPO_EDIT "edit 1 && git repack -adq && "
                "B=$(echo lamp | git hash-object -w --stdin) && "
                "T=$(printf '100644 blob %s\\t..\\n' $B | git mktree) && "
                "T=$(git ls-tree HEAD | { cat; printf '040000 tree %s\\tsub\\n' $T; } | "
                "  git mktree) && "
                "git update-ref refs/heads/main $(git commit-tree -p HEAD -m hostile $T)"),
        0);
    assert_non_null(src = cn_path_join(dir, "src"));
    node = open_node(dir);
    cn_error_clear();
    assert_int_equal(import(dir, node, "main", &history), CN_EINVAL);
    assert_non_null(strstr(cn_error_message(), src));
    assert_non_null(strstr(cn_error_message(), "sub"));
    assert_null(history);
    check_nothing_written(dir);
    git_repository_free(node);
    free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_import_twice_copies_only_the_new, repo_scratch_setup,
                                        repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_import_twice_without_refs, repo_scratch_setup,
                                        repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_import_into_repository_with_some_objects,
                                        repo_scratch_setup, repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_import_of_present_commit_writes_nothing,
                                        repo_scratch_setup, repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_import_history_writes_bundles, repo_scratch_setup,
                                        repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_import_from_shared_clone, repo_scratch_setup,
                                        repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_import_of_damaged_source_writes_nothing,
                                        repo_scratch_setup, repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_import_of_hostile_tree_writes_nothing,
                                        repo_scratch_setup, repo_scratch_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
