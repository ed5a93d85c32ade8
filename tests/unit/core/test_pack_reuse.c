/*
 * test_pack_reuse.c - packs written by reuse (core/pack_plan.c,
 * core/pack_reuse.c) from repositories whose objects lie in awkward
 * places, each checked with stock git.
 *
 * Sources: several packs plus loose objects with objects in two packs; a
 * delta whose base lies only on another branch; two packs holding A as a
 * delta of B and B as a delta of A; REF_DELTA packs, among them a thin
 * pack completed by `git index-pack --fix-thin` (its bases appended after
 * the deltas); a clone sharing its objects through alternates (absolute
 * and relative, two deep). Each written pack must index with `git
 * index-pack --strict` in an empty repository, hold exactly the objects
 * `git rev-list --objects` lists, each once, and pass `git fsck --strict`.
 * A thin pack indexes with --fix-thin only where its prerequisite is. A
 * byte damaged inside a source entry fails the write with CN_EVERIFY
 * naming the pack and the object.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "support_repo.h"

#include "core/error.h"
#include "core/file.h"
#include "core/pack_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The pack dir/name indexes with `git index-pack --strict` in an empty
 * repository and holds exactly, each once, the objects `git rev-list
 * --objects revs` lists in dir/repo (count of them); with its tip as a
 * branch that repository passes `git fsck --strict`. */
static void check_pack(const char *dir, const char *name, const char *repo, const char *revs,
                       size_t count)
{
    assert_int_equal(
        repo_sh(
            dir,
            "rm -rf chk.git want got && git init -q --bare -b main chk.git && "
            "git -C chk.git index-pack --strict --stdin <%s >/dev/null && "
            "git -C %s rev-list --objects %s | cut -c1-40 | sort >want && "
            "cat chk.git/objects/pack/pack-*.idx | git show-index | cut -d' ' -f2 | sort >got && "
            "cmp want got && test \"$(wc -l <got)\" -eq %zu && "
            "git -C chk.git update-ref refs/heads/main \"$(git -C %s rev-parse %s)\" && "
            "git -C chk.git fsck --strict --no-dangling 2>&1",
            name, repo, revs, count, repo, revs),
        0);
}

/* Plan the history of tip in dir/repo (not thin, nothing hidden), write it
 * to dir/out.pack and check it; returns the number of objects. */
static size_t write_and_check(const char *dir, const char *repo, const char *tip)
{
    git_repository *r = repo_open(dir, repo);
    cn_pack_plan *plan = NULL;
    unsigned char sha[20];
    size_t n;

    if (repo_plan_new(&plan, r, tip, NULL, 0) != 0) {
        git_repository_free(r);
        fail_msg("cannot plan %s in %s: %s", tip, repo, cn_error_message());
    }
    n = cn_pack_plan_count(plan);
    assert_int_equal(repo_write_plan(plan, dir, "out.pack", NULL, sha), 0);
    check_pack(dir, "out.pack", repo, tip, n);
    cn_pack_plan_free(plan);
    git_repository_free(r);
    return n;
}

/* How many entries of the pack dir/name are deltas (git verify-pack). */
static long deltas_in(const char *dir, const char *name)
{
    return atol(repo_sh_line(dir,
                             "rm -rf vp.git && git init -q --bare vp.git && "
                             "git -C vp.git index-pack --stdin <%s >/dev/null && "
                             "git verify-pack -v vp.git/objects/pack/pack-*.idx | "
                             "awk 'NF == 7 && $1 ~ /^[0-9a-f]+$/' | wc -l",
                             name));
}

/* Three packs (the third repeating objects of the first two) and loose
 * objects: every object once, found wherever it lies. */
static void test_reuse_packs_and_loose_objects(void **state)
{
    const char *dir = *state;

    assert_int_equal(repo_sh(dir, "%s",
                             "git init -q -b main src && cd src && " REPO_EDIT
                             "for i in 1 2 3 4; do edit $i; done && git repack -dq && "
                             "for i in 5 6 7 8; do edit $i; done && git repack -dq && "
                             "git rev-list --objects HEAD~2 | cut -c1-40 | "
                             "git pack-objects -q --window=0 .git/objects/pack/pack >/dev/null && "
                             "for i in 9 10 11; do edit $i; done && "
                             /* what the test means: 3 packs, objects in two, loose ones */
                             "test \"$(ls .git/objects/pack/*.pack | wc -l)\" -eq 3 && "
                             "for i in .git/objects/pack/*.idx; do git show-index <$i; done | "
                             "cut -d' ' -f2 | sort | uniq -d | grep -q . && "
                             "find .git/objects/?? -type f | grep -q ."),
                     0);
    assert_true(write_and_check(dir, "src", "HEAD") > 40);
    assert_true(deltas_in(dir, "out.pack") > 0); /* deltas were copied */
}

/* main's blob W is a delta of X, which only the branch side holds: W must
 * go whole. Y (main's) is X's base, so the source's chain is W -> X -> Y. */
static void test_reuse_delta_base_on_another_branch(void **state)
{
    const char *dir = *state;

    assert_int_equal(
        repo_sh(dir, "%s",
                "git init -q -b main src && cd src && "
                "blob() { (seq 1 3000 | sed 's/^/Stavanger harbour sensor /'; "
                "  seq 1 $1 | sed 's/^/extra /') | git hash-object -w --stdin; } && "
                "X=$(blob 600) && W=$(blob 300) && Y=$(blob 0) && "
                "T=$(printf '100644 blob %s\\tw.txt\\n100644 blob %s\\ty.txt\\n' $W $Y | "
                "  git mktree) && "
                "git update-ref refs/heads/main $(git commit-tree -m main $T) && "
                "T=$(printf '100644 blob %s\\tx.txt\\n' $X | git mktree) && "
                "git update-ref refs/heads/side $(git commit-tree -m side $T) && "
                "git repack -adfq --window=50 --depth=50 && "
                /* what the test means: W's base is X, not on main */
                "git verify-pack -v .git/objects/pack/*.idx | "
                "awk -v w=$W -v x=$X '$1 == w && $7 == x {ok = 1} END {exit !ok}'"),
        0);
    assert_int_equal(write_and_check(dir, "src", "main"), 4);
    /* and side alone (X a delta of Y, which side lacks) */
    assert_int_equal(write_and_check(dir, "src", "side"), 3);
}

/* pack 1 holds B as a delta of A, pack 2 A as a delta of B (both the same
 * size, so git's order is the order it is given them in). */
static void test_reuse_cross_pack_delta_cycle(void **state)
{
    const char *dir = *state;

    assert_int_equal(repo_sh(dir, "%s",
                             "git init -q -b main src && cd src && "
                             "seq 1 2000 | sed 's/^/Stavanger quay /' >a.txt && "
                             "sed '1000s/quay/QUAY/' a.txt >b.txt && "
                             "A=$(git hash-object -w a.txt) && B=$(git hash-object -w b.txt) && "
                             "git add a.txt b.txt && git commit -q -m both && "
                             "P1=$(printf '%s\\n%s\\n' $A $B | "
                             "  git pack-objects --no-reuse-delta .git/objects/pack/pack) && "
                             "P2=$(printf '%s\\n%s\\n' $B $A | "
                             "  git pack-objects --no-reuse-delta .git/objects/pack/pack) && "
                             "git repack -dq && git prune-packed && "
                             /* what the test means: each pack deltifies the other way */
                             "git verify-pack -v .git/objects/pack/pack-$P1.idx | "
                             "awk -v a=$A -v b=$B '$1 == b && $7 == a {ok = 1} END {exit !ok}' && "
                             "git verify-pack -v .git/objects/pack/pack-$P2.idx | "
                             "awk -v a=$A -v b=$B '$1 == a && $7 == b {ok = 1} END {exit !ok}'"),
                     0);
    assert_int_equal(write_and_check(dir, "src", "main"), 4);
    assert_true(deltas_in(dir, "out.pack") == 1);
}

/* A pack of REF_DELTAs, and a thin pack completed by `index-pack
 * --fix-thin`: its deltas refer forward to bases appended at its end. */
static void test_reuse_ref_deltas_and_fixed_thin_pack(void **state)
{
    const char *dir = *state;

    assert_int_equal(
        repo_sh(dir, "%s",
                REPO_SIX_VERSIONS
                "git -c repack.useDeltaBaseOffset=false repack -adfq && "
                "git verify-pack -v .git/objects/pack/*.idx | awk 'NF == 7' | grep -q . && "
                "cd .. && git init -q -b main fixed && cd fixed && "
                /* v3's history loose, then v3..v6 from a thin pack */
                "git -C ../src rev-list --objects main~3 | cut -c1-40 | "
                "  git -C ../src pack-objects -q --stdout | git unpack-objects -q && "
                "printf 'main\\n^main~3\\n' | "
                "  git -C ../src pack-objects -q --revs --thin --stdout >../thin.pack && "
                "git index-pack --stdin --fix-thin <../thin.pack >/dev/null && "
                "git update-ref refs/heads/main $(git -C ../src rev-parse main) && "
                /* what the test means: the only pack has deltas whose base
                 * lies after them */
                "test \"$(ls .git/objects/pack/*.pack | wc -l)\" -eq 1 && "
                "git verify-pack -v .git/objects/pack/*.idx | "
                "awk 'NF >= 5 && length($1) == 40 {at[$1] = $5} "
                "     NF == 7 {d[$1] = $7} "
                "     END {for (o in d) if (at[d[o]] > at[o]) n++; exit !n}'"),
        0);
    write_and_check(dir, "src", "main");
    write_and_check(dir, "fixed", "main");
}

/* A clone sharing its objects (git clone --shared), and a clone of that
 * clone whose alternates path is relative: objects from all three. */
static void test_reuse_alternates(void **state)
{
    const char *dir = *state;

    assert_int_equal(repo_sh(dir, "%s",
                             "git init -q -b main src && cd src && " REPO_EDIT
                             "for i in 1 2 3; do edit $i; done && git repack -adq && cd .. && "
                             "git clone -q --shared src mid && cd mid && " REPO_EDIT
                             "for i in 4 5; do edit $i; done && git repack -adlq && cd .. && "
                             "git clone -q --shared mid top && cd top && " REPO_EDIT
                             "for i in 6 7; do edit $i; done && "
                             "echo ../../../mid/.git/objects >.git/objects/info/alternates && "
                             "git fsck --no-dangling >/dev/null && "
                             "test \"$(ls .git/objects/pack/ | wc -l)\" -eq 0"),
                     0);
    write_and_check(dir, "mid", "HEAD");
    write_and_check(dir, "top", "HEAD");
}

/* Two repositories borrowing from each other (git skips an object store it
 * has already, so `git fsck` is clean in both): the plan is too. */
static void test_reuse_alternates_cycle(void **state)
{
    const char *dir = *state;

    assert_int_equal(repo_sh(dir, "%s",
                             "git init -q -b main src && cd src && " REPO_EDIT
                             "for i in 1 2 3; do edit $i; done && git repack -adq && cd .. && "
                             "git clone -q --shared src top && cd top && " REPO_EDIT
                             "edit 4 && git repack -adlq && "
                             "echo \"$PWD/.git/objects\" >../src/.git/objects/info/alternates && "
                             "git fsck --no-dangling >/dev/null 2>&1 && "
                             "git -C ../src fsck --no-dangling >/dev/null 2>&1"),
                     0);
    write_and_check(dir, "top", "HEAD");
}

/* A thin pack over a packed history: what copies as REF_DELTA against the
 * prerequisite's objects can only be indexed where they are. */
static void test_reuse_thin_pack_needs_its_prerequisite(void **state)
{
    const char *dir = *state;
    git_repository *src;
    cn_pack_plan *plan;
    unsigned char sha[20];
    size_t n;

    assert_int_equal(repo_sh(dir, "%s", REPO_SIX_VERSIONS "git repack -adfq"), 0);
    src = repo_open(dir, "src");
    plan = repo_plan(src, "main", "main~3", 1);
    n = cn_pack_plan_count(plan);
    assert_int_equal(repo_write_plan(plan, dir, "thin.pack", NULL, sha), 0);
    cn_pack_plan_free(plan);
    git_repository_free(src);
    assert_int_equal(repo_sh(dir, "git init -q --bare empty.git && "
                                  "! git -C empty.git index-pack --stdin --fix-thin "
                                  "<thin.pack >/dev/null 2>&1"),
                     0);
    assert_int_equal(
        repo_sh(dir,
                "git init -q --bare -b main dst.git && cd dst.git && "
                "git -C ../src branch old main~3 && git fetch -q ../src old && "
                "git index-pack --strict --stdin --fix-thin <../thin.pack >/dev/null && "
                "git update-ref refs/heads/main $(git -C ../src rev-parse main) && "
                "git fsck --strict --no-dangling 2>&1 && "
                /* it carries the new objects, and only those */
                "test \"$(git -C ../src rev-list --objects main ^main~3 | wc -l)\" -eq %zu && "
                "git verify-pack -v objects/pack/pack-*.idx | awk 'NF == 7' | grep -q .",
                n),
        0);
}

/* A full plan hiding a commit leaves out the commits it reaches
 * (pack_plan.h): the pack holds every object of `git rev-list --objects
 * main ^main~3` (the new commits' trees whole, so perhaps more), and
 * indexes where main~3 is. */
static void test_plan_hide_leaves_out_hidden_commits(void **state)
{
    const char *dir = *state;
    git_repository *src;
    cn_pack_plan *plan;
    unsigned char sha[20];
    size_t n;

    assert_int_equal(repo_sh(dir, "%s",
                             REPO_SIX_VERSIONS "git repack -adq && "
                                               "git branch old main~3"),
                     0);
    src = repo_open(dir, "src");
    plan = repo_plan(src, "main", "old", 0);
    n = cn_pack_plan_count(plan);
    assert_int_equal(repo_write_plan(plan, dir, "out.pack", NULL, sha), 0);
    cn_pack_plan_free(plan);
    git_repository_free(src);
    assert_int_equal(
        repo_sh(dir,
                "git init -q --bare -b main dst.git && cd dst.git && "
                "git fetch -q ../src old && "
                "git index-pack --strict --stdin <../out.pack >/dev/null && "
                "git update-ref refs/heads/main $(git -C ../src rev-parse main) && "
                "git fsck --strict --no-dangling 2>&1 && "
                "want=$(git -C ../src rev-list --objects main ^old | wc -l) && "
                "if [ \"$want\" -gt %zu ]; then "
                "  echo \"plan of main ^old: %zu objects, rev-list: $want\"; exit 1; fi",
                n, n),
        0);
}

/* Both kinds of plan check the trees they read:
 * a tree naming an entry ".git" is refused with CN_EINVAL naming it and
 * its path. */
static void test_plan_checks_trees(void **state)
{
    const char *dir = *state;
    cn_pack_plan_opts opts = {0};
    cn_pack_plan *plan = NULL;
    git_repository *src;
    git_oid ids[2];
    int thin, r, failures = 0;

    assert_int_equal(
        repo_sh(dir, "%s",
                "git init -q -b main src && cd src && " REPO_EDIT "edit 1 && "
                "B=$(echo lamp | git hash-object -w --stdin) && "
                "T=$(printf '100644 blob %s\t.git\n100644 blob %s\tok\n' $B $B | git mktree) && "
                "T=$(git ls-tree HEAD | { cat; printf '040000 tree %s\tsub\n' $T; } | "
                "  git mktree) && "
                "git update-ref refs/heads/main $(git commit-tree -p HEAD -m hostile $T)"),
        0);
    src = repo_open(dir, "src");
    repo_oid(&ids[0], src, "main");
    repo_oid(&ids[1], src, "main~1");
    for (thin = 0; thin <= 1; thin++) {
        opts.tips = &ids[0];
        opts.ntips = 1;
        opts.hide = &ids[1];
        opts.nhide = 1;
        opts.thin = thin;
            cn_error_clear();
        r = cn_pack_plan_new(&plan, src, &opts);
        cn_pack_plan_free(plan);
        plan = NULL;
        if (r != CN_EINVAL || strstr(cn_error_message(), "\"sub\"") == NULL ||
            strstr(cn_error_message(), "\".git\"") == NULL) {
            print_error("%s plan: want CN_EINVAL naming sub and .git, got %d: %s\n",
                        thin ? "thin" : "full", r, cn_error_message());
            failures++;
        }
    }
    git_repository_free(src);
    assert_int_equal(failures, 0);
}

/* Entries larger than the writer's 1 MiB window, whole (4.5 MB of random
 * bytes) and as a delta (1.5 MB of new bytes between two copies); and the
 * same plan written twice gives the same pack. */
static void test_reuse_entries_larger_than_the_window(void **state)
{
    const char *dir = *state;
    git_repository *src;
    cn_pack_plan *plan;
    unsigned char sha[20], sha2[20];

    assert_int_equal(
        repo_sh(dir, "%s",
                "git init -q -b main src && cd src && "
                "head -c 1000000 /dev/urandom >../a && head -c 2000000 /dev/urandom >../c && "
                "for v in 1 2; do "
                "  { cat ../a; head -c 1500000 /dev/urandom; cat ../c; } >big.bin && "
                "  git add big.bin && git commit -q -m v$v; "
                "done && git repack -adfq && "
                /* what the test means: a whole entry and a delta over 1 MiB */
                "git verify-pack -v .git/objects/pack/*.idx | "
                "awk '$2 == \"blob\" && $4 > 1048576 {n[NF]++} END {exit !(n[5] && n[7])}'"),
        0);
    src = repo_open(dir, "src");
    plan = repo_plan(src, "main", NULL, 0);
    assert_int_equal(repo_write_plan(plan, dir, "out.pack", NULL, sha), 0);
    assert_int_equal(repo_write_plan(plan, dir, "again.pack", NULL, sha2), 0);
    assert_memory_equal(sha, sha2, 20);
    check_pack(dir, "out.pack", "src", "main", cn_pack_plan_count(plan));
    assert_int_equal(repo_sh(dir, "cmp out.pack again.pack"), 0);
    assert_true(deltas_in(dir, "out.pack") == 1);
    cn_pack_plan_free(plan);
    git_repository_free(src);
}

/* "On failure the plan is unchanged": a relocation into a repository that
 * lacks one object (v1's n1.txt, which the walk reaches last) fails, and
 * the plan still writes its pack from where it was counted. */
static void test_plan_relocate_failure_leaves_plan_unchanged(void **state)
{
    const char *dir = *state;
    git_repository *src, *part;
    cn_pack_plan *plan;
    unsigned char sha[20];
    int r;

    assert_int_equal(
        repo_sh(dir, "%s",
                REPO_SIX_VERSIONS
                "git repack -adq && cd .. && "
                "git init -q --bare -b main part.git && "
                "git -C src rev-list --objects main | cut -c1-40 | "
                "  grep -v \"$(git -C src rev-parse main~5:n1.txt)\" | "
                "  git -C src pack-objects -q ../part.git/objects/pack/pack >/dev/null && "
                "test \"$(git -C src rev-list --objects main | wc -l)\" -eq "
                "  $(( $(cat part.git/objects/pack/pack-*.idx | git show-index | wc -l) + 1 ))"),
        0);
    src = repo_open(dir, "src");
    part = repo_open(dir, "part.git");
    plan = repo_plan(src, "main", NULL, 0);
    cn_error_clear();
    r = cn_pack_plan_relocate(plan, part);
    git_repository_free(part);
    if (r == 0) {
        cn_pack_plan_free(plan);
        git_repository_free(src);
        fail_msg("relocating into a repository lacking an object succeeded");
    }
    r = repo_write_plan(plan, dir, "out.pack", NULL, sha);
    if (r != 0) {
        cn_pack_plan_free(plan);
        git_repository_free(src);
        fail_msg("the plan no longer writes after a failed relocation: %d %s", r,
                 cn_error_message());
    }
    check_pack(dir, "out.pack", "src", "main", cn_pack_plan_count(plan));
    cn_pack_plan_free(plan);
    git_repository_free(src);
}

/* A tree naming a tree as a blob ("100644 not-a-blob" -> T), where T lies
 * packed as a delta (so its entry is copied, not inflated): git fsck
 * refuses the history, and so must the plan or the write, with
 * CN_EVERIFY or CN_EINVAL, before a pack comes out. */
static void test_reuse_refuses_tree_named_as_blob(void **state)
{
    const char *dir = *state;
    git_repository *src;
    cn_pack_plan_opts opts = {0};
    cn_pack_plan *plan = NULL;
    unsigned char sha[20];
    git_oid tip;
    int r;

    assert_int_equal(
        repo_sh(dir, "%s",
                "git init -q -b main src && cd src && "
                "for i in 1 2 3; do seq 1 $((100 * i)) | sed 's/^/Stavanger /' >f$i; done && "
                "git add . && git commit -q -m v1 && R=$(git rev-parse HEAD^{tree}) && "
                "echo more >>f3 && git add f3 && T=$(git write-tree) && "
                "X=$(perl -e 'print \"100644 not-a-blob\\0\", pack(\"H40\", $ARGV[0])' $T | "
                "  git hash-object -t tree -w --stdin) && "
                "git update-ref refs/heads/main $(git commit-tree -p HEAD -m v2 $X) && "
                "P=$(printf '%s\\n%s\\n' $R $T | "
                "  git pack-objects --window=10 .git/objects/pack/pack) && "
                /* what the test means: T is a delta, and git refuses this */
                "git verify-pack -v .git/objects/pack/pack-$P.idx | "
                "awk -v t=$T '$1 == t && NF == 7 {ok = 1} END {exit !ok}' && "
                "! git fsck --strict >/dev/null 2>&1"),
        0);
    src = repo_open(dir, "src");
    repo_oid(&tip, src, "main");
    opts.tips = &tip;
    opts.ntips = 1;
    cn_error_clear();
    if ((r = cn_pack_plan_new(&plan, src, &opts)) == 0)
        r = repo_write_plan(plan, dir, "out.pack", NULL, sha);
    cn_pack_plan_free(plan);
    git_repository_free(src);
    if (r != CN_EVERIFY && r != CN_EINVAL)
        fail_msg("want CN_EVERIFY or CN_EINVAL, got %d (%s)%s", r, cn_error_message(),
                 r == 0 ? ": a pack of a history git refuses was written" : "");
}

/* A source pack indexed in version 1 (git still reads it) is refused by
 * name with what to do, not read wrongly. */
static void test_plan_names_a_version_1_index(void **state)
{
    const char *dir = *state;
    cn_pack_plan_opts opts = {0};
    cn_pack_plan *plan = NULL;
    git_repository *src;
    git_oid tip;
    const char *idx;
    int r;

    assert_int_equal(repo_sh(dir, "%s",
                             REPO_SIX_VERSIONS "git repack -adq && "
                                               "p=$(ls .git/objects/pack/*.pack) && "
                                               "rm ${p%.pack}.idx && "
                                               "git index-pack --index-version=1 $p >/dev/null && "
                                               "git fsck --no-dangling >/dev/null"),
                     0);
    idx = repo_sh_line(dir, "ls -d $PWD/src/.git/objects/pack/*.idx");
    src = repo_open(dir, "src");
    repo_oid(&tip, src, "main");
    opts.tips = &tip;
    opts.ntips = 1;
    cn_error_clear();
    r = cn_pack_plan_new(&plan, src, &opts);
    cn_pack_plan_free(plan);
    git_repository_free(src);
    assert_int_equal(r, CN_EUNSUPPORTED);
    assert_non_null(strstr(cn_error_message(), idx));
    assert_non_null(strstr(cn_error_message(), "git repack"));
}

/* ---- damage in the source --------------------------------------------- */

/* Writing main's history from src fails with CN_EVERIFY naming the object
 * whose verify-pack line is line (its name first) and the pack. */
static void expect_damage_refused(const char *dir, const char *line)
{
    git_repository *src = repo_open(dir, "src");
    cn_pack_plan *plan = repo_plan(src, "main", NULL, 0);
    unsigned char sha[20];
    char hex[GIT_OID_HEXSZ + 1];
    int r;

    snprintf(hex, sizeof(hex), "%s", line);
    cn_error_clear();
    r = repo_write_plan(plan, dir, "out.pack", NULL, sha);
    cn_pack_plan_free(plan);
    git_repository_free(src);
    if (r != CN_EVERIFY || strstr(cn_error_message(), hex) == NULL ||
        strstr(cn_error_message(), ".pack") == NULL)
        fail_msg("want CN_EVERIFY naming %s and its pack, got %d: %s", hex, r, cn_error_message());
}

static void test_reuse_damaged_entry_is_refused(void **state)
{
    const char *dir = *state;
    const char *line;

    assert_int_equal(repo_sh(dir, "%s",
                             REPO_SIX_VERSIONS "git repack -adfq && "
                                               "cp -r .git ../clean.git"),
                     0);
    /* a whole blob, copied as it is */
    line = repo_sh_line(dir, "%s", "cd src && " REPO_FLIP "flip main:guide.txt");
    assert_int_equal(repo_fields(line), 5); /* not a delta */
    expect_damage_refused(dir, line);
    /* a delta whose base the pack carries too, copied with a new header */
    assert_int_equal(repo_sh(dir, "rm -rf src/.git && cp -r clean.git src/.git"), 0);
    line = repo_sh_line(dir, "%s", "cd src && " REPO_FLIP "flip main~3:guide.txt");
    assert_int_equal(repo_fields(line), 7); /* a delta */
    expect_damage_refused(dir, line);
}

/* A thin plan inflates a changed file the source keeps whole, to try a
 * delta against the prerequisite's version: damage found that way is the
 * same damage, and fails the same way (CN_EVERIFY naming the object). */
static void test_reuse_damage_found_inflating(void **state)
{
    const char *dir = *state;
    git_repository *src;
    cn_pack_plan *plan;
    unsigned char sha[20];
    char hex[GIT_OID_HEXSZ + 1];
    const char *line;
    int r;

    assert_int_equal(repo_sh(dir, "%s", REPO_SIX_VERSIONS "git repack -adfq"), 0);
    line = repo_sh_line(dir, "%s", "cd src && " REPO_FLIP "flip main:guide.txt");
    assert_int_equal(repo_fields(line), 5); /* whole in the source */
    snprintf(hex, sizeof(hex), "%s", line);
    src = repo_open(dir, "src");
    plan = repo_plan(src, "main", "main~1", 1);
    cn_error_clear();
    r = repo_write_plan(plan, dir, "thin.pack", NULL, sha);
    cn_pack_plan_free(plan);
    git_repository_free(src);
    if (r != CN_EVERIFY || strstr(cn_error_message(), hex) == NULL)
        fail_msg("want CN_EVERIFY naming %s, got %d: %s", hex, r, cn_error_message());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reuse_packs_and_loose_objects, repo_scratch_setup,
                                        repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_reuse_delta_base_on_another_branch, repo_scratch_setup,
                                        repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_reuse_cross_pack_delta_cycle, repo_scratch_setup,
                                        repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_reuse_ref_deltas_and_fixed_thin_pack,
                                        repo_scratch_setup, repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_reuse_alternates, repo_scratch_setup,
                                        repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_reuse_alternates_cycle, repo_scratch_setup,
                                        repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_reuse_thin_pack_needs_its_prerequisite,
                                        repo_scratch_setup, repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_reuse_entries_larger_than_the_window,
                                        repo_scratch_setup, repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_plan_relocate_failure_leaves_plan_unchanged,
                                        repo_scratch_setup, repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_reuse_refuses_tree_named_as_blob, repo_scratch_setup,
                                        repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_plan_names_a_version_1_index, repo_scratch_setup,
                                        repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_plan_hide_leaves_out_hidden_commits,
                                        repo_scratch_setup, repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_plan_checks_trees, repo_scratch_setup,
                                        repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_reuse_damaged_entry_is_refused, repo_scratch_setup,
                                        repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_reuse_damage_found_inflating, repo_scratch_setup,
                                        repo_scratch_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
