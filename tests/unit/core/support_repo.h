/*
 * support_repo.h - what the pack reuse tests share (tests/unit/core/): a
 * scratch directory per test, shell scripts run there with stock git
 * isolated from the user's configuration, and a plan written to a file.
 * Compiled into every test of tests/unit/core/.
 */
#ifndef CN_TEST_SUPPORT_REPO_H
#define CN_TEST_SUPPORT_REPO_H

#include "core/pack_index.h"
#include "core/pack_plan.h"

#include <git2.h>
#include <stddef.h>

/* cmocka setup/teardown: *state becomes a fresh directory under /tmp (a
 * char[64]), removed afterwards; libgit2 is initialised for the test. */
int repo_scratch_setup(void **state);
int repo_scratch_teardown(void **state);

/* Run the shell script fmt (printf-style) in dir under `set -e`, with git's
 * identity and dates fixed and no user or system configuration; returns
 * its exit status (0: success). */
int repo_sh(const char *dir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The first line the script prints (stdout, without its newline), in a
 * static buffer; fails the test when the script fails. */
const char *repo_sh_line(const char *dir, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* dir/rel opened with libgit2 (fails the test if it cannot be). */
git_repository *repo_open(const char *dir, const char *rel);

/* The object spec names in repo (git rev-parse syntax). */
void repo_oid(git_oid *out, git_repository *repo, const char *spec);

/* Write plan to dir/name; the index entries and the trailing SHA-1 come
 * back through entries (may be NULL) and sha. Returns cn_pack_plan_write's
 * result; nothing is left at dir/name when it fails. */
int repo_write_plan(cn_pack_plan *plan, const char *dir, const char *name,
                    cn_pack_index_entry **entries, unsigned char sha[GIT_OID_RAWSZ]);

/* A plan over repo of the history of tip (a rev-parse spec) without that of
 * hide (NULL: none), thin or not, trees checked: cn_pack_plan_new's result. */
int repo_plan_new(cn_pack_plan **out, git_repository *repo, const char *tip, const char *hide,
                  int thin);

/* The same, failing the test if the plan cannot be made. */
cn_pack_plan *repo_plan(git_repository *repo, const char *tip, const char *hide, int thin);

/* `edit N`, run in a work tree: commit version N of a small history of a small history; each
 * version grows a table by a few lines, edits one line of a document, and adds a file. */
#define REPO_EDIT                                                                                  \
    "edit() { seq 1 $((400 + $1 * 7)) | sed 's/^/Stavanger harbour reading /' >data.csv && "       \
    "seq 1 300 | sed \"s/^/guide line /;$(($1 * 11))s/$/ edited $1/\" >guide.txt && "              \
    "echo \"$1\" >n$(($1 % 3)).txt && git add -A && git commit -q -m \"v$1\"; } && "

/* A work repository src, versions 1 to 6 committed, the shell left in it. */
#define REPO_SIX_VERSIONS                                                                          \
    "git init -q -b main src && cd src && " REPO_EDIT "for i in 1 2 3 4 5 6; do edit $i; done && "

/* `flip SPEC`, run in a repository with one pack: flip a bit in the middle
 * of the packed entry of the object SPEC names (its index stays as it
 * was), and print that object's line of `git verify-pack -v`. */
#define REPO_FLIP                                                                                  \
    "flip() { o=$(git rev-parse \"$1\") && idx=$(ls .git/objects/pack/*.idx) && "                  \
    "  line=$(git verify-pack -v $idx | awk -v o=$o '$1 == o') && "                                \
    "  at=$(echo \"$line\" | awk '{print $5 + int($4 / 2)}') && "                                  \
    "  p=${idx%.idx}.pack && chmod u+w $p && "                                                     \
    "  perl -e 'open(F, \"+<\", $ARGV[0]) or die; seek(F, $ARGV[1], 0); read(F, $c, 1); "          \
    "    seek(F, $ARGV[1], 0); print F chr(ord($c) ^ 0x10); close(F) or die' $p $at && "           \
    "  echo \"$line\"; } && "

/* The number of space-separated fields of line (up to 8): a line of `git
 * verify-pack -v` has 7 for a delta, 5 for a whole object. */
int repo_fields(const char *line);

#endif
