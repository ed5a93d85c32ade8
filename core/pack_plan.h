/*
 * pack_plan.h - write git packs by reuse, as `git pack-objects` does: count
 * the objects a pack must carry, find where each already lies packed, and
 * copy those entries (their compressed bytes and their deltas) into the new
 * pack instead of inflating and compressing every object again.
 *
 * Counting walks the history from the tips down, leaving out the commits
 * the hidden commits reach (not the trees and blobs those reach: an import
 * drops what the repository has with cn_pack_plan_exclude_present, and a
 * thin plan leaves out the prerequisite's tree), and each tree once (core/tree_check.h's walker, so
 * a publisher's rules can be applied on the way). Each object is then
 * looked up in the repository's pack indexes (its own objects/pack and its
 * alternates'): an object found there is copied; a loose one is read and
 * compressed once.
 *
 * Writing keeps the source packs' order (so an OFS_DELTA's base, which lies
 * before it, is written before it) and:
 *   - copies a whole entry as it is;
 *   - copies a delta whose base is in the new pack, as an OFS_DELTA against
 *     the base's new offset when the base is already written, else as a
 *     REF_DELTA;
 *   - in a thin pack, copies a delta whose base the receiver has (the
 *     prerequisite's tree) as a REF_DELTA, and sends a changed file whole
 *     in the source as a delta against the prerequisite's version at the
 *     same path when that is clearly smaller (core/delta.h);
 *   - writes every other object whole: a delta whose base the new pack
 *     will not carry is inflated and compressed again.
 * Every copied entry's bytes are checked against the CRC-32 the source
 * index records, so damage on disk is not spread; a whole object's type is
 * checked against the one the walk expected (a delta's, against its
 * base's).
 *
 * Memory: a record of about 40 bytes per object, the source indexes, one
 * buffer of IO size, and one object at a time where an object must be
 * inflated. Nothing holds a whole pack.
 */
#ifndef CN_PACK_PLAN_H
#define CN_PACK_PLAN_H

#include "core/pack.h"
#include "core/pack_index.h"
#include "core/progress.h"

#include <git2.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cn_pack_plan cn_pack_plan;

typedef struct {
    /* Commits whose history the pack carries (at least one). */
    const git_oid *tips;
    size_t ntips;
    /* Commits whose history the pack leaves out: the receiver has them. */
    const git_oid *hide;
    size_t nhide;
    /* A thin pack: nhide must be 1 (the prerequisite); the objects of its
     * tree are left out too and serve as delta bases outside the pack. */
    int thin;
    /* Every tree the walk reads is checked by core/tree_check.h's rules
     * (names, modes, every entry present; a full plan also depth; CN_EINVAL
     * names the commit, or the path, and the entry). With check_blob_types,
     * every blob a tree names is also looked up to be a blob (once each):
     * what a receiver checks before anything it received is trusted. */
    int check_blob_types;
    /* "Counting objects" while walking; may be NULL. */
    const cn_progress *progress;
} cn_pack_plan_opts;

/* Count the objects of a pack over repo's history. */
int cn_pack_plan_new(cn_pack_plan **out, git_repository *repo, const cn_pack_plan_opts *opts);

/* Add one object the walk does not reach (an annotated tag, typically) of
 * the given type; an object already in the plan is not added twice. */
int cn_pack_plan_insert(cn_pack_plan *plan, const git_oid *oid, git_object_t type);

/* Drop from the plan every object repo already has (an import into repo
 * copies only what it lacks). */
int cn_pack_plan_exclude_present(cn_pack_plan *plan, git_repository *repo);

/* Find every object of the plan in repo instead (which must hold them
 * all): a history counted in the repository it was imported from is
 * written from the one it was imported into. On failure the plan is
 * unchanged. */
int cn_pack_plan_relocate(cn_pack_plan *plan, git_repository *repo);

/* Objects the pack will hold. */
size_t cn_pack_plan_count(const cn_pack_plan *plan);

/* Write the pack through fn (in chunks of up to a megabyte), reporting
 * "Writing objects" through progress (may be NULL). With entries non-NULL,
 * *entries receives (heap-allocated, cn_pack_plan_count long) each
 * object's offset and CRC-32, for cn_pack_index_write; sha receives the
 * pack's trailing SHA-1. CN_EVERIFY when a source entry's bytes do not
 * match its index's CRC-32 or an object's type is not the one expected;
 * CN_ELIMIT for an object over CN_PACK_MAX_OBJECT to inflate; CN_ERROR when
 * fn fails. */
int cn_pack_plan_write(cn_pack_plan *plan, cn_pack_write_fn fn, void *payload,
                       const cn_progress *progress, cn_pack_index_entry **entries,
                       unsigned char sha[GIT_OID_RAWSZ]);

void cn_pack_plan_free(cn_pack_plan *plan);

#endif
