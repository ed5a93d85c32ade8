/*
 * delta.h - encode git's pack delta format (the payload of OFS_DELTA and
 * REF_DELTA pack entries), so a pack can carry a changed object as the
 * difference from an object the receiver already has.
 *
 * The format (git's Documentation/gitformat-pack.txt, "Deltified
 * representation"):
 *
 *   <base size varint> <result size varint> <instruction>*
 *
 * Each varint holds 7 bits per byte, least significant first, the high bit
 * set on every byte but the last. An instruction whose first byte has the
 * high bit set copies from the base: bits 0-3 say which of the four offset
 * bytes follow, bits 4-6 which of the three size bytes (little-endian, absent
 * bytes are zero; a size of zero means 0x10000). A first byte of 1..127
 * inserts that many literal bytes, which follow. 0 is reserved.
 *
 * libgit2 has a delta applier but no public encoder; this one is a small
 * block-index encoder, not a match for git's, but enough for the edits of one
 * version to the next.
 */
#ifndef CN_DELTA_H
#define CN_DELTA_H

#include "core/buf.h"

#include <stddef.h>

/* Largest base or target cn_delta_create accepts (larger objects are sent
 * whole). The base's index takes about base_len / 2 bytes. */
#define CN_DELTA_MAX_SIZE (64 * 1024 * 1024)

/* Append to out a delta that turns base (base_len bytes) into target
 * (target_len bytes). Fails with CN_ELIMIT, leaving out's contents
 * unspecified, if either input exceeds CN_DELTA_MAX_SIZE or the delta would
 * grow beyond max_delta bytes (0: no bound but the inputs' caps); callers then
 * send the target whole. Memory is bounded by the inputs' caps. */
int cn_delta_create(cn_buf *out, const void *base, size_t base_len, const void *target,
                    size_t target_len, size_t max_delta);

#endif
