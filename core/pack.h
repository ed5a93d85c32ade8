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
#include <stdint.h>

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

/* ---- reading: a pack's entries, before the indexer sees them ----------
 *
 * libgit2's indexer inflates an object whole to hash or apply it, so an
 * entry that inflates to gigabytes from a few hundred kilobytes of pack
 * would cost gigabytes of memory. A cn_pack_scan reads the same bytes
 * first, streaming and in bounded memory: the pack header, each entry's
 * header (its type and the size it states), and its zlib stream, which it
 * inflates into a small buffer to find where the entry ends and to check
 * the stated size. An entry stating more than max_object bytes is refused
 * as soon as its header is read; a delta, whose header states the size of
 * its instructions, by the size of the object it makes (the second number
 * of its instructions), which may be larger than max_object only as far as
 * an ordinary delta's is: at most twice its base plus its instructions.
 */
#define CN_PACK_SCAN_MAX_DELTA_HEADER 20 /* two varints of at most 10 bytes */

typedef struct cn_pack_scan cn_pack_scan;

/* A scan refusing objects larger than max_object bytes. */
int cn_pack_scan_new(cn_pack_scan **out, uint64_t max_object);

/* The next len bytes of the pack (any split). CN_ELIMIT naming the entry
 * (its index and offset), the size it makes and max_object when an object
 * is too large; CN_EINVAL when the bytes are not a pack (bad header, an
 * entry's stream longer or shorter than it states, more than
 * CN_PACK_MAX_OBJECTS entries). After a failure every call fails. */
int cn_pack_scan_feed(cn_pack_scan *scan, const void *data, size_t len);

/* The pack ended: CN_EINVAL if it stopped before its last entry and the
 * trailing checksum. */
int cn_pack_scan_finish(cn_pack_scan *scan);

void cn_pack_scan_free(cn_pack_scan *scan);

#endif
