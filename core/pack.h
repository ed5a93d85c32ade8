/*
 * pack.h - what reading and writing git packs share, and the scan of a
 * pack's entries before libgit2's indexer sees them. Packs are written by
 * reuse (core/pack_plan.h).
 *
 * A pack is version 2: "PACK", version, object count, the entries, and the
 * SHA-1 of all of it (git's Documentation/gitformat-pack.txt).
 */
#ifndef CN_PACK_H
#define CN_PACK_H

#include <git2.h>
#include <stddef.h>
#include <stdint.h>

/* Most objects one pack holds, and the largest object written (an object
 * that cannot be copied as it lies is read into memory whole, one at a
 * time). */
#define CN_PACK_MAX_OBJECTS (4u * 1024 * 1024)
#define CN_PACK_MAX_OBJECT  ((size_t)1024 * 1024 * 1024)

/* Receives the pack's bytes in order; returns 0, or non-zero to stop. */
typedef int (*cn_pack_write_fn)(void *payload, const void *data, size_t len);

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
