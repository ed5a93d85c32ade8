/*
 * delta.c - a block-index encoder for git's pack delta format (delta.h).
 *
 * The base is cut into non-overlapping BLOCK-byte blocks, each filed in a
 * hash table under a hash of its bytes. The target is scanned with a rolling
 * hash over a BLOCK-byte window; where the window's hash finds base blocks
 * with the same bytes, the longest of (at most MAX_CHAIN) candidates is
 * extended forward as far as the bytes agree and backward over the literals
 * not yet written, and becomes a copy. Bytes no block covers become inserts.
 * Every step looks at a bounded number of candidates, so time is linear in
 * the target for any input, and memory is the base's index plus the delta.
 */
#include "core/delta.h"
#include "core/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK      16      /* bytes per indexed base block; also the shortest copy */
#define MAX_CHAIN  64      /* candidates tried per target position */
#define MAX_COPY   0x10000 /* bytes per copy instruction, as git's encoder writes them */
#define MAX_INSERT 127     /* bytes per insert instruction (the format's limit) */
#define HASH_MULT  0x01000193u

typedef struct {
    uint32_t *head; /* bucket -> 1 + first block index, 0 for empty */
    uint32_t *next; /* block index -> 1 + next block index in its bucket, 0 for none */
    unsigned shift; /* 32 - log2(number of buckets) */
} block_index;

/* Hash of BLOCK bytes: sum of p[i] * HASH_MULT^(BLOCK-1-i), mod 2^32, so the
 * window can be rolled one byte at a time. */
static uint32_t window_hash(const unsigned char *p)
{
    uint32_t h = 0;
    int i;

    for (i = 0; i < BLOCK; i++)
        h = h * HASH_MULT + p[i];
    return h;
}

static uint32_t bucket_of(const block_index *ix, uint32_t h)
{
    return (h * 0x9E3779B1u) >> ix->shift;
}

static int index_build(block_index *ix, const unsigned char *base, size_t base_len)
{
    size_t nblocks = base_len / BLOCK, nbuckets = 16, i;
    unsigned bits = 4;

    while (nbuckets < nblocks) {
        nbuckets <<= 1;
        bits++;
    }
    ix->shift = 32 - bits;
    ix->head = calloc(nbuckets, sizeof(*ix->head));
    ix->next = calloc(nblocks ? nblocks : 1, sizeof(*ix->next));
    if (ix->head == NULL || ix->next == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    /* Filed last to first, so each bucket lists its blocks in base order. */
    for (i = nblocks; i-- > 0;) {
        uint32_t b = bucket_of(ix, window_hash(base + i * BLOCK));
        ix->next[i] = ix->head[b];
        ix->head[b] = (uint32_t)i + 1;
    }
    return 0;
}

static void index_free(block_index *ix)
{
    free(ix->head);
    free(ix->next);
}

static int put_varint(cn_buf *out, size_t v)
{
    unsigned char b[10];
    size_t n = 0;

    do {
        b[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v)
            b[n] |= 0x80;
        n++;
    } while (v);
    return cn_buf_put(out, b, n);
}

static int put_inserts(cn_buf *out, const unsigned char *p, size_t len)
{
    unsigned char op;
    size_t n;
    int err;

    while (len > 0) {
        n = len > MAX_INSERT ? MAX_INSERT : len;
        op = (unsigned char)n;
        if ((err = cn_buf_put(out, &op, 1)) != 0 || (err = cn_buf_put(out, p, n)) != 0)
            return err;
        p += n;
        len -= n;
    }
    return 0;
}

/* Copy instructions for base[off, off + len), MAX_COPY bytes at a time; only
 * the non-zero bytes of offset and size are written, flagged in the opcode. */
static int put_copies(cn_buf *out, size_t off, size_t len)
{
    unsigned char op[8];
    size_t n, i;
    int k, err;

    while (len > 0) {
        n = len > MAX_COPY ? MAX_COPY : len;
        op[0] = 0x80;
        i = 1;
        for (k = 0; k < 4; k++)
            if ((off >> (8 * k)) & 0xff) {
                op[i++] = (unsigned char)(off >> (8 * k));
                op[0] |= (unsigned char)(1 << k);
            }
        for (k = 0; k < 3; k++)
            if ((n >> (8 * k)) & 0xff) {
                op[i++] = (unsigned char)(n >> (8 * k));
                op[0] |= (unsigned char)(0x10 << k);
            }
        if ((err = cn_buf_put(out, op, i)) != 0)
            return err;
        off += n;
        len -= n;
    }
    return 0;
}

/* The longest match for target[t, t + BLOCK) among the blocks in h's bucket,
 * extended forward; 0 if none. */
static size_t longest_match(size_t *best_off, const block_index *ix, uint32_t h,
                            const unsigned char *base, size_t base_len, const unsigned char *target,
                            size_t target_len, size_t t)
{
    size_t best = 0, off, len;
    uint32_t e;
    int tries = 0;

    for (e = ix->head[bucket_of(ix, h)]; e != 0 && tries < MAX_CHAIN; e = ix->next[e - 1]) {
        tries++;
        off = (size_t)(e - 1) * BLOCK;
        if (memcmp(base + off, target + t, BLOCK) != 0)
            continue;
        len = BLOCK;
        while (off + len < base_len && t + len < target_len && base[off + len] == target[t + len])
            len++;
        if (len > best) {
            best = len;
            *best_off = off;
        }
    }
    return best;
}

int cn_delta_create(cn_buf *out, const void *base_p, size_t base_len, const void *target_p,
                    size_t target_len, size_t max_delta)
{
    const unsigned char *base = base_p, *target = target_p;
    block_index ix = {NULL, NULL, 0};
    size_t start = out->len, t = 0, lit = 0, off = 0, len;
    uint32_t h = 0, pow = 1;
    int i, err;

    if (base_len > CN_DELTA_MAX_SIZE || target_len > CN_DELTA_MAX_SIZE)
        return cn_error_set(CN_ELIMIT, "object too large to deltify");
    for (i = 0; i < BLOCK - 1; i++)
        pow *= HASH_MULT;
    if ((err = index_build(&ix, base, base_len)) != 0 || (err = put_varint(out, base_len)) != 0 ||
        (err = put_varint(out, target_len)) != 0)
        goto out;
    if (target_len >= BLOCK)
        h = window_hash(target);
    /* Invariant: target[0, lit) is encoded; target[lit, t) waits to be
     * inserted; h is the hash of target[t, t + BLOCK). */
    while (t + BLOCK <= target_len) {
        len = base_len >= BLOCK ? longest_match(&off, &ix, h, base, base_len, target, target_len, t)
                                : 0;
        if (len == 0) {
            if (t + BLOCK < target_len)
                h = (h - target[t] * pow) * HASH_MULT + target[t + BLOCK];
            t++;
            continue;
        }
        while (t > lit && off > 0 && base[off - 1] == target[t - 1]) {
            t--;
            off--;
            len++;
        }
        if ((err = put_inserts(out, target + lit, t - lit)) != 0 ||
            (err = put_copies(out, off, len)) != 0)
            goto out;
        t += len;
        lit = t;
        if (t + BLOCK <= target_len)
            h = window_hash(target + t);
        if (max_delta > 0 && out->len - start > max_delta) {
            err = cn_error_set(CN_ELIMIT, "delta larger than %zu bytes", max_delta);
            goto out;
        }
    }
    if ((err = put_inserts(out, target + lit, target_len - lit)) != 0)
        goto out;
    if (max_delta > 0 && out->len - start > max_delta)
        err = cn_error_set(CN_ELIMIT, "delta larger than %zu bytes", max_delta);
out:
    index_free(&ix);
    return err;
}
