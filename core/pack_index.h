/*
 * pack_index.h - one git pack and its index (.idx version 2), read so that
 * its entries can be copied into another pack as they are, and written for
 * a pack citynode made itself.
 *
 * The index (git's Documentation/gitformat-pack.txt, "Version 2 pack-*.idx
 * files"): "\377tOc", version 2, a fan-out table of 256 cumulative counts,
 * the sorted object names, a CRC-32 of each packed entry, each entry's
 * offset (31 bits, or with the top bit set an index into a table of 64-bit
 * offsets), then the pack's and the index's SHA-1.
 *
 * An entry's length is not stored: it is the distance to the next entry in
 * offset order (the last one ends where the pack's trailing SHA-1 starts),
 * so opening an index sorts the offsets once.
 *
 * An index is read whole and checked before anything trusts it (sizes,
 * the fan-out, names in order, offsets inside the pack, its checksum and
 * the pack's header and trailer agreeing with it), so a damaged or foreign
 * file is refused with CN_EINVAL naming it, not followed.
 */
#ifndef CN_PACK_INDEX_H
#define CN_PACK_INDEX_H

#include <git2.h>
#include <stddef.h>
#include <stdint.h>

/* Entries one index may hold; an index stating more is refused. */
#define CN_PACK_INDEX_MAX_OBJECTS (64u * 1024 * 1024)

typedef struct cn_pack_index cn_pack_index;

/* Open the pack at pack_path ("…/pack-<hash>.pack") and read its index
 * (the same path ending in .idx). CN_ENOTFOUND when either is missing,
 * CN_EUNSUPPORTED for a version 1 index, CN_EINVAL naming the file when it
 * is damaged, CN_ELIMIT past CN_PACK_INDEX_MAX_OBJECTS. */
int cn_pack_index_open(cn_pack_index **out, const char *pack_path);

void cn_pack_index_free(cn_pack_index *ix);

/* Number of objects in the pack. */
size_t cn_pack_index_count(const cn_pack_index *ix);

/* The pack's path, as given to cn_pack_index_open. */
const char *cn_pack_index_path(const cn_pack_index *ix);

/* An open, read-only descriptor of the pack (owned by ix). */
int cn_pack_index_fd(const cn_pack_index *ix);

/* Where oid is in the index's name order: 1 and *pos, or 0 if the pack does
 * not hold it. */
int cn_pack_index_find(uint32_t *pos, const cn_pack_index *ix, const git_oid *oid);

/* The object at name-order position pos (< count): its name, the offset of
 * its entry in the pack, the entry's length in bytes (header and data) and
 * the CRC-32 the index records for those bytes. */
void cn_pack_index_oid(git_oid *out, const cn_pack_index *ix, uint32_t pos);
uint64_t cn_pack_index_offset(const cn_pack_index *ix, uint32_t pos);
uint64_t cn_pack_index_entry_len(const cn_pack_index *ix, uint32_t pos);
uint32_t cn_pack_index_crc(const cn_pack_index *ix, uint32_t pos);

/* The name-order position of the entry starting exactly at offset (an
 * OFS_DELTA's base): 1 and *pos, or 0 if no entry starts there. */
int cn_pack_index_at_offset(uint32_t *pos, const cn_pack_index *ix, uint64_t offset);

/* ---- writing ---------------------------------------------------------- */

typedef struct {
    git_oid oid;
    uint64_t offset; /* where its entry starts in the pack */
    uint32_t crc;    /* CRC-32 of the entry's bytes */
} cn_pack_index_entry;

/* Write the version 2 index of a pack whose entries are entries[0..n) and
 * whose trailing SHA-1 is pack_sha, to fd (the caller names, syncs and
 * renames the file). entries is sorted by name in place; an object listed
 * twice is CN_EINVAL. */
int cn_pack_index_write(int fd, cn_pack_index_entry *entries, size_t n,
                        const unsigned char pack_sha[GIT_OID_RAWSZ]);

#endif
