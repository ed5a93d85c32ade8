/*
 * pack_read.c - read whole objects (trees and commits, while counting)
 * from the packs of a pack_store, resolving delta chains, without going
 * through libgit2's object database.
 *
 * Counting a long history reads every tree once; most of them are deltas
 * against other trees. libgit2 1.5 pays, per object, an index search, a
 * fresh zlib stream and several allocations; here the index is the one
 * pack_plan.c already holds, one zlib stream is reset between entries,
 * and the bases of recent deltas stay in a small cache (git's
 * delta_base_cache does the same), so a chain shared by many trees is
 * inflated once.
 *
 * Bounds: an object is at most CN_PACK_READ_MAX bytes, a chain at most
 * MAX_CHAIN deep, the cache at most CACHE_BYTES; a delta's instructions
 * are checked against its base and result sizes before any byte is
 * copied.
 */
#include "core/error.h"
#include "core/pack_plan_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_CHAIN    10000
#define CACHE_SLOTS  4096
#define CACHE_BYTES  ((size_t)64 << 20)
#define ENTRY_HEADER 32

#define OBJ_OFS_DELTA 6
#define OBJ_REF_DELTA 7

typedef struct {
    uint16_t pack; /* 1 + pack index; 0: empty */
    uint64_t offset;
    int type;
    unsigned char *data;
    size_t len;
} cache_slot;

struct cn_pack_reader {
    const pack_store *store;
    z_stream zs;
    int zs_ready;
    unsigned char *in; /* compressed bytes of one entry */
    size_t in_cap;
    cache_slot *cache;
    size_t cached; /* bytes held by the cache */
};

int cn_pack_reader_new(cn_pack_reader **out, const pack_store *store)
{
    cn_pack_reader *r;

    *out = NULL;
    if ((r = calloc(1, sizeof(*r))) == NULL ||
        (r->cache = calloc(CACHE_SLOTS, sizeof(*r->cache))) == NULL) {
        free(r);
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    r->store = store;
    *out = r;
    return 0;
}

void cn_pack_reader_free(cn_pack_reader *r)
{
    size_t i;

    if (r == NULL)
        return;
    for (i = 0; i < CACHE_SLOTS; i++)
        free(r->cache[i].data);
    if (r->zs_ready)
        inflateEnd(&r->zs);
    free(r->cache);
    free(r->in);
    free(r);
}

static int damaged(const cn_pack_index *pack, uint64_t offset, const char *what)
{
    return cn_error_set(CN_EVERIFY,
                        "%s: the entry at offset %llu %s; the repository is damaged (git fsck "
                        "tells more)",
                        cn_pack_index_path(pack), (unsigned long long)offset, what);
}

static cache_slot *slot_for(cn_pack_reader *r, uint16_t pack, uint64_t offset)
{
    return &r->cache[(offset * 0x9E3779B97F4A7C15ull + pack) >> 52 & (CACHE_SLOTS - 1)];
}

/* Keep a copy of an object that served as a base (best effort). */
static void cache_put(cn_pack_reader *r, uint16_t pack, uint64_t offset, int type,
                      const unsigned char *data, size_t len)
{
    cache_slot *s = slot_for(r, pack, offset);
    unsigned char *copy;

    if (len > CACHE_BYTES / 8 || (copy = malloc(len ? len : 1)) == NULL)
        return;
    memcpy(copy, data, len);
    if (s->pack) {
        r->cached -= s->len;
        free(s->data);
    }
    /* Over budget: empty the cache and start again (bases are recent). */
    if (r->cached + len > CACHE_BYTES) {
        size_t i;
        for (i = 0; i < CACHE_SLOTS; i++) {
            free(r->cache[i].data);
            r->cache[i].data = NULL;
            r->cache[i].pack = 0;
        }
        r->cached = 0;
    }
    s->pack = pack;
    s->offset = offset;
    s->type = type;
    s->data = copy;
    s->len = len;
    r->cached += len;
}

/* The entry at offset: its header and its compressed bytes in r->in. */
typedef struct {
    int type;
    uint64_t size;
    uint64_t base_at; /* OFS_DELTA */
    git_oid base;     /* REF_DELTA */
    size_t zlen;
} raw_entry;

static int read_entry(raw_entry *e, cn_pack_reader *r, const cn_pack_index *pack, uint32_t pos)
{
    uint64_t offset = cn_pack_index_offset(pack, pos), len = cn_pack_index_entry_len(pack, pos);
    unsigned char *p;
    size_t n = 0, got = 0;
    unsigned shift = 4;
    uint64_t dist;
    ssize_t k;

    if (len > CN_PACK_READ_MAX)
        return cn_error_set(CN_ELIMIT, "%s: the entry at offset %llu is larger than %zu bytes",
                            cn_pack_index_path(pack), (unsigned long long)offset,
                            (size_t)CN_PACK_READ_MAX);
    if (len > r->in_cap) {
        if ((p = realloc(r->in, (size_t)len)) == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        r->in = p;
        r->in_cap = (size_t)len;
    }
    while (got < len) {
        k = pread(cn_pack_index_fd(pack), r->in + got, (size_t)len - got, (off_t)(offset + got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return k < 0
                       ? cn_error_set(CN_ERROR, "%s: %s", cn_pack_index_path(pack), strerror(errno))
                       : damaged(pack, offset, "is truncated");
        got += (size_t)k;
    }
    p = r->in;
    e->type = (p[0] >> 4) & 7;
    e->size = p[0] & 0x0f;
    while (p[n] & 0x80) {
        if (++n >= len || shift > 57)
            return damaged(pack, offset, "has a bad header");
        e->size |= (uint64_t)(p[n] & 0x7f) << shift;
        shift += 7;
    }
    n++;
    if (e->type == OBJ_OFS_DELTA) {
        if (n >= len)
            return damaged(pack, offset, "has a bad header");
        dist = p[n] & 0x7f;
        while (p[n] & 0x80) {
            if (++n >= len || dist > (UINT64_MAX >> 7) - 1)
                return damaged(pack, offset, "has a bad header");
            dist = ((dist + 1) << 7) | (p[n] & 0x7f);
        }
        n++;
        if (dist == 0 || dist > offset)
            return damaged(pack, offset, "names a base outside its pack");
        e->base_at = offset - dist;
    } else if (e->type == OBJ_REF_DELTA) {
        if (n + GIT_OID_RAWSZ > len)
            return damaged(pack, offset, "has a bad header");
        git_oid_fromraw(&e->base, p + n);
        n += GIT_OID_RAWSZ;
    } else if (e->type < GIT_OBJECT_COMMIT || e->type > GIT_OBJECT_TAG) {
        return damaged(pack, offset, "has an unknown type");
    }
    if (e->size > CN_PACK_READ_MAX)
        return cn_error_set(CN_ELIMIT, "%s: the object at offset %llu is larger than %zu bytes",
                            cn_pack_index_path(pack), (unsigned long long)offset,
                            (size_t)CN_PACK_READ_MAX);
    memmove(r->in, r->in + n, (size_t)len - n);
    e->zlen = (size_t)len - n;
    return 0;
}

/* Inflate r->in (zlen bytes) into exactly size bytes at *out. */
static int inflate_entry(unsigned char **out, cn_pack_reader *r, size_t zlen, size_t size,
                         const cn_pack_index *pack, uint64_t offset)
{
    unsigned char *buf;
    int z;

    if (!r->zs_ready) {
        memset(&r->zs, 0, sizeof(r->zs));
        if (inflateInit(&r->zs) != Z_OK)
            return cn_error_set(CN_ENOMEM, "out of memory");
        r->zs_ready = 1;
    } else if (inflateReset(&r->zs) != Z_OK) {
        return cn_error_set(CN_ERROR, "zlib failed");
    }
    if ((buf = malloc(size ? size : 1)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    r->zs.next_in = r->in;
    r->zs.avail_in = (uInt)zlen;
    r->zs.next_out = buf;
    r->zs.avail_out = (uInt)size;
    z = inflate(&r->zs, Z_FINISH);
    if (z != Z_STREAM_END || r->zs.avail_out != 0) {
        free(buf);
        return damaged(pack, offset, "does not inflate to its stated size");
    }
    *out = buf;
    return 0;
}

static int delta_varint(uint64_t *v, const unsigned char **p, const unsigned char *end)
{
    unsigned shift = 0;

    *v = 0;
    do {
        if (*p >= end || shift > 63)
            return -1;
        *v |= (uint64_t)(**p & 0x7f) << shift;
        shift += 7;
    } while (*(*p)++ & 0x80);
    return 0;
}

/* Apply delta (len bytes) to base; the result is malloc'd. */
static int apply_delta(unsigned char **out, size_t *out_len, const unsigned char *base,
                       size_t base_len, const unsigned char *delta, size_t len,
                       const cn_pack_index *pack, uint64_t offset)
{
    const unsigned char *p = delta, *end = delta + len;
    unsigned char *res, *w;
    uint64_t bsize, rsize, off, n;
    int i;

    if (delta_varint(&bsize, &p, end) || delta_varint(&rsize, &p, end) || bsize != base_len ||
        rsize > CN_PACK_READ_MAX)
        return damaged(pack, offset, "is a delta that does not fit its base");
    if ((res = malloc(rsize ? (size_t)rsize : 1)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    w = res;
    while (p < end) {
        unsigned char op = *p++;
        if (op & 0x80) {
            off = n = 0;
            for (i = 0; i < 4; i++)
                if (op & (1 << i)) {
                    if (p >= end)
                        goto bad;
                    off |= (uint64_t)*p++ << (8 * i);
                }
            for (i = 0; i < 3; i++)
                if (op & (0x10 << i)) {
                    if (p >= end)
                        goto bad;
                    n |= (uint64_t)*p++ << (8 * i);
                }
            if (n == 0)
                n = 0x10000;
            if (off + n > base_len || (uint64_t)(w - res) + n > rsize)
                goto bad;
            memcpy(w, base + off, (size_t)n);
            w += n;
        } else if (op != 0) {
            if ((size_t)(end - p) < op || (uint64_t)(w - res) + op > rsize)
                goto bad;
            memcpy(w, p, op);
            w += op;
            p += op;
        } else {
            goto bad;
        }
    }
    if ((uint64_t)(w - res) != rsize)
        goto bad;
    *out = res;
    *out_len = (size_t)rsize;
    return 0;
bad:
    free(res);
    return damaged(pack, offset, "is a malformed delta");
}

/* One chain_link of a chain being resolved. */
typedef struct {
    uint16_t pack;
    uint32_t pos;
    uint64_t offset;
} chain_link;

int cn_pack_reader_read(cn_pack_reader *r, uint16_t pack, uint32_t pos, int *type,
                        unsigned char **data, size_t *len)
{
    chain_link *chain = NULL;
    size_t depth = 0, cap = 0;
    unsigned char *obj = NULL, *delta = NULL, *next = NULL;
    size_t obj_len = 0, next_len = 0;
    raw_entry e;
    int obj_type = 0, err = 0;
    cache_slot *hit;

    *data = NULL;
    /* Walk down the chain until a cached object or a whole one. */
    for (;;) {
        const cn_pack_index *ix = r->store->packs[pack - 1];
        uint64_t offset = cn_pack_index_offset(ix, pos);
        chain_link *grown;

        hit = slot_for(r, pack, offset);
        if (hit->pack == pack && hit->offset == offset && hit->data != NULL) {
            if ((obj = malloc(hit->len ? hit->len : 1)) == NULL) {
                err = cn_error_set(CN_ENOMEM, "out of memory");
                goto out;
            }
            memcpy(obj, hit->data, hit->len);
            obj_len = hit->len;
            obj_type = hit->type;
            break;
        }
        if (depth == MAX_CHAIN) {
            err = damaged(ix, offset, "heads a delta chain deeper than git makes");
            goto out;
        }
        if (depth == cap) {
            cap = cap ? cap * 2 : 16;
            if ((grown = realloc(chain, cap * sizeof(*chain))) == NULL) {
                err = cn_error_set(CN_ENOMEM, "out of memory");
                goto out;
            }
            chain = grown;
        }
        chain[depth].pack = pack;
        chain[depth].pos = pos;
        chain[depth].offset = offset;
        depth++;
        if ((err = read_entry(&e, r, ix, pos)) != 0)
            goto out;
        if (e.type < OBJ_OFS_DELTA) {
            if ((err = inflate_entry(&obj, r, e.zlen, (size_t)e.size, ix, offset)) != 0)
                goto out;
            obj_len = (size_t)e.size;
            obj_type = e.type;
            depth--; /* the whole object is not a delta to apply */
            if (depth > 0)
                cache_put(r, pack, offset, obj_type, obj, obj_len);
            break;
        }
        if (e.type == OBJ_OFS_DELTA) {
            if (!cn_pack_index_at_offset(&pos, ix, e.base_at)) {
                err = damaged(ix, offset, "names a base no entry starts at");
                goto out;
            }
        } else {
            size_t i;
            for (i = 0; i < r->store->npacks; i++)
                if (cn_pack_index_find(&pos, r->store->packs[i], &e.base))
                    break;
            if (i == r->store->npacks) {
                err = damaged(ix, offset, "is a delta whose base is in no pack");
                goto out;
            }
            pack = (uint16_t)(i + 1);
        }
    }
    /* Back up the chain: each delta applied to the object below it. */
    while (depth > 0) {
        chain_link *l = &chain[--depth];
        const cn_pack_index *ix = r->store->packs[l->pack - 1];
        if ((err = read_entry(&e, r, ix, l->pos)) != 0 ||
            (err = inflate_entry(&delta, r, e.zlen, (size_t)e.size, ix, l->offset)) != 0 ||
            (err = apply_delta(&next, &next_len, obj, obj_len, delta, (size_t)e.size, ix,
                               l->offset)) != 0)
            goto out;
        free(delta);
        delta = NULL;
        free(obj);
        obj = next;
        obj_len = next_len;
        if (depth > 0)
            cache_put(r, l->pack, l->offset, obj_type, obj, obj_len);
    }
    *type = obj_type;
    *data = obj;
    *len = obj_len;
    obj = NULL;
out:
    free(delta);
    free(obj);
    free(chain);
    return err;
}
