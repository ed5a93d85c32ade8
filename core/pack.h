/*
 * pack.h - write thin git packs: the objects a receiver that has one commit
 * lacks to reach another, with changed blobs and trees sent as REF_DELTAs
 * against the versions the receiver already has.
 *
 * libgit2 1.5's packbuilder deltifies only against objects inside the pack,
 * so a delta bundle built with it carries every changed file whole. A
 * cn_pack_thin holds the same objects the packbuilder's revwalk would pick
 * (commits reachable from head and not from the prerequisite, the trees and
 * blobs of those commits that the prerequisite's tree lacks, and any tag
 * objects added), and writes each blob or tree whose path exists in the
 * prerequisite's tree with another id as a delta against that object (REF_DELTA,
 * type 7) when the delta is clearly smaller; everything else whole.
 *
 * The pack is version 2: "PACK", version, object count, the entries, and the
 * SHA-1 of all of it. Its REF_DELTA bases live outside the pack, as in the
 * thin packs `git bundle create` and `git push` send: `git index-pack
 * --fix-thin` (what `git fetch` from a bundle runs) and libgit2's indexer
 * given the receiver's odb resolve them.
 */
#ifndef CN_PACK_H
#define CN_PACK_H

#include <git2.h>
#include <stddef.h>

/* Most objects one thin pack holds, and the largest object it writes (whole
 * objects are read into memory one at a time). */
#define CN_PACK_MAX_OBJECTS (4u * 1024 * 1024)
#define CN_PACK_MAX_OBJECT  ((size_t)1024 * 1024 * 1024)

typedef struct cn_pack_thin cn_pack_thin;

/* Receives the pack's bytes in order; returns 0, or non-zero to stop. */
typedef int (*cn_pack_write_fn)(void *payload, const void *data, size_t len);

/* Collect the commits, trees and blobs reachable from head and not from
 * prerequisite (which must be a commit; it need not be an ancestor). */
int cn_pack_thin_new(cn_pack_thin **out, git_repository *repo, const git_oid *head,
                     const git_oid *prerequisite);

/* Add one object (a tag object, typically) to the pack; an object already
 * included is not added twice. */
int cn_pack_thin_insert(cn_pack_thin *pack, const git_oid *oid);

/* Number of objects the pack will hold. */
size_t cn_pack_thin_count(const cn_pack_thin *pack);

/* Write the pack through fn: commits first, then other objects added with
 * cn_pack_thin_insert, then trees and blobs, one object in memory at a time.
 * A non-zero return of fn fails the call with CN_ERROR. */
int cn_pack_thin_write(cn_pack_thin *pack, cn_pack_write_fn fn, void *payload);

void cn_pack_thin_free(cn_pack_thin *pack);

#endif
