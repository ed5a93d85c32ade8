/*
 * bundle.h - git bundle v2 files: write (full or delta) and read.
 *
 * Written bundles pass stock `git clone`, `git fetch` and `git fsck --strict`:
 *
 *   # v2 git bundle\n
 *   -<prerequisite commit> <subject>\n     (delta bundles only)
 *   <commit> HEAD\n
 *   <tag object> refs/tags/<name>\n        (one line per annotated tag included)
 *   \n
 *   <packfile>
 *
 * The pack holds every commit, tree and blob reachable from the tip and not
 * from the prerequisite, plus every annotated tag object listed. Both
 * packs are written by reuse (core/pack_plan.h): the entries and deltas the
 * repository's packs hold are copied as they are. A delta bundle's pack is
 * thin, as `git bundle create` writes it: its deltas may have bases in the
 * prerequisite's tree, and a blob or tree whose path that tree holds with
 * another id travels as a delta against that object when that is smaller.
 *
 * Reading parses the header through cn_reader with fixed caps, checks that the
 * prerequisites exist in the target repository, scans the pack's entries for
 * objects inflating past a bound, indexes the pack with libgit2's indexer,
 * and checks the commits and trees it carries itself (libgit2 1.5's
 * verifying indexer demands a submodule's commit, which a repository with a
 * submodule never holds). It never moves refs: the caller updates refs only
 * after its own checks pass.
 */
#ifndef CN_BUNDLE_H
#define CN_BUNDLE_H

#include "core/pack.h"
#include "core/pack_plan.h"
#include "core/progress.h"

#include <git2.h>
#include <stddef.h>
#include <stdint.h>

#define CN_BUNDLE_MAX_HEADER  (64 * 1024)
#define CN_BUNDLE_MAX_REFS    1024
#define CN_BUNDLE_MAX_PREREQS 64

typedef struct {
    /* Tag refs to include, e.g. "refs/tags/v1.0.0", each naming an annotated tag
     * that points (possibly through tags) at a commit. The HEAD line is
     * written for head_commit. */
    const char **tag_refs;
    size_t ntag_refs;
    git_oid head_commit;
    /* NULL for a full bundle; else the prerequisite commit of a delta bundle. */
    const git_oid *prerequisite;
    /* "Counting objects", "Writing objects"; NULL: no one listens. */
    const cn_progress *progress;
    /* A full bundle's history counted already (cn_git_import's), which the
     * bundle's tags are added to; NULL: counted here. Still the caller's. */
    cn_pack_plan *history;
} cn_bundle_write_opts;

/* Write a bundle atomically (temporary file, fsync, rename) to path. */
int cn_bundle_write(git_repository *repo, const char *path, const cn_bundle_write_opts *opts);

typedef struct {
    git_oid oid;
    char *name;
} cn_bundle_ref;

typedef struct {
    cn_bundle_ref *refs;
    size_t nrefs;
    git_oid *prereqs;
    size_t nprereqs;
    size_t pack_offset; /* where the pack starts in the file */
} cn_bundle_header;

/* Parse the header of a bundle held in memory (len may cover only a prefix
 * that contains the whole header). CN_EINVAL names what is wrong. */
int cn_bundle_header_parse(cn_bundle_header **out, const void *data, size_t len);

/* How large an object a bundle of bundle_len bytes may make (core/pack.h's
 * scan): CN_BUNDLE_INFLATE_RATIO times its length, at least
 * CN_BUNDLE_OBJECT_FLOOR, at most ceiling (0: CN_BUNDLE_OBJECT_CEILING, the
 * largest object a publisher writes). A follower's sync passes the length
 * the publisher signed, so a small bundle cannot make a huge object. */
#define CN_BUNDLE_INFLATE_RATIO  64
#define CN_BUNDLE_OBJECT_FLOOR   ((uint64_t)32 << 20)
#define CN_BUNDLE_OBJECT_CEILING ((uint64_t)CN_PACK_MAX_OBJECT)
uint64_t cn_bundle_object_limit(uint64_t bundle_len, uint64_t ceiling);

/* Read a bundle file into repo: parse header, check prerequisites are present
 * (CN_EVERIFY naming the missing commit otherwise), scan the pack's entries
 * (CN_ELIMIT naming the limit when an object would inflate past
 * cn_bundle_object_limit(file length, ceiling)), index it, and check what
 * it carries: every ref's object present, every commit from its refs down
 * to its prerequisites parsed, and their trees checked by core/tree_check.h
 * (names, modes, connectivity; a gitlink's commit is not demanded).
 * CN_EINVAL naming a hostile path, CN_EVERIFY naming a missing object,
 * CN_ERROR for I/O (a full disk among them). Refs are not touched. *out (if
 * not NULL) receives the parsed header. */
int cn_bundle_unbundle(cn_bundle_header **out, git_repository *repo, const char *path,
                       uint64_t ceiling, const cn_progress *progress);

/* The phases cn_bundle_unbundle reports through its progress (may be NULL):
 * objects indexed and deltas resolved (libgit2's indexer), then the
 * history checked (commits and trees, counted). */
#define CN_BUNDLE_PHASE_INDEX  "Indexing objects"
#define CN_BUNDLE_PHASE_DELTAS "Resolving deltas"
#define CN_BUNDLE_PHASE_CHECK  "Checking history"

void cn_bundle_header_free(cn_bundle_header *h);

#endif
