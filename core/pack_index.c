/*
 * pack_index.c - read a pack's version 2 index, checked, with its entries
 * in offset order beside it; write one for a pack citynode wrote
 * (pack_index.h).
 */
#include "core/pack_index.h"
#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IDX_MAGIC    "\377tOc"
#define IDX_HEADER   8                       /* magic and version */
#define IDX_FANOUT   (256 * 4)               /* cumulative counts */
#define IDX_PER_OBJ  (GIT_OID_RAWSZ + 4 + 4) /* name, CRC-32, offset */
#define IDX_TRAILER  (2 * GIT_OID_RAWSZ)     /* pack and index SHA-1 */
#define PACK_HEADER  12
#define LARGE_OFFSET 0x80000000u

typedef struct {
    uint64_t offset;
    uint32_t pos; /* name-order position */
} by_offset;

struct cn_pack_index {
    char *path;
    int fd;
    uint64_t pack_size;
    unsigned char *idx; /* the whole index file */
    size_t idx_len;
    uint32_t count;
    const unsigned char *names, *crcs, *offsets, *large;
    size_t nlarge;
    by_offset *order; /* entries sorted by offset */
    uint32_t *rank;   /* name-order position -> index into order */
};

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

size_t cn_pack_index_count(const cn_pack_index *ix)
{
    return ix->count;
}

const char *cn_pack_index_path(const cn_pack_index *ix)
{
    return ix->path;
}

int cn_pack_index_fd(const cn_pack_index *ix)
{
    return ix->fd;
}

void cn_pack_index_oid(git_oid *out, const cn_pack_index *ix, uint32_t pos)
{
    git_oid_fromraw(out, ix->names + (size_t)pos * GIT_OID_RAWSZ);
}

uint32_t cn_pack_index_crc(const cn_pack_index *ix, uint32_t pos)
{
    return be32(ix->crcs + (size_t)pos * 4);
}

/* Offsets were checked when the index was opened. */
uint64_t cn_pack_index_offset(const cn_pack_index *ix, uint32_t pos)
{
    return ix->order[ix->rank[pos]].offset;
}

uint64_t cn_pack_index_entry_len(const cn_pack_index *ix, uint32_t pos)
{
    uint32_t r = ix->rank[pos];
    uint64_t end = r + 1 < ix->count ? ix->order[r + 1].offset : ix->pack_size - GIT_OID_RAWSZ;

    return end - ix->order[r].offset;
}

int cn_pack_index_find(uint32_t *pos, const cn_pack_index *ix, const git_oid *oid)
{
    uint32_t lo = oid->id[0] ? be32(ix->idx + IDX_HEADER + (oid->id[0] - 1) * 4) : 0;
    uint32_t hi = be32(ix->idx + IDX_HEADER + oid->id[0] * 4), mid;
    int c;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        c = memcmp(ix->names + (size_t)mid * GIT_OID_RAWSZ, oid->id, GIT_OID_RAWSZ);
        if (c == 0) {
            *pos = mid;
            return 1;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

int cn_pack_index_at_offset(uint32_t *pos, const cn_pack_index *ix, uint64_t offset)
{
    size_t lo = 0, hi = ix->count, mid;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (ix->order[mid].offset == offset) {
            *pos = ix->order[mid].pos;
            return 1;
        }
        if (ix->order[mid].offset < offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

void cn_pack_index_free(cn_pack_index *ix)
{
    if (ix == NULL)
        return;
    if (ix->fd >= 0)
        close(ix->fd);
    free(ix->path);
    free(ix->idx);
    free(ix->order);
    free(ix->rank);
    free(ix);
}

/* Sort v by offset (each below limit): a least-significant-digit radix
 * sort, 16 bits a pass, as many passes as limit needs (two below 4 GiB);
 * a pack index holds millions of entries and is opened on every publish. */
static int sort_by_offset(by_offset *v, size_t n, uint64_t limit)
{
    by_offset *tmp, *src = v, *dst;
    size_t *count, i;
    unsigned shift;
    int passes = 0;

    if (n < 2)
        return 0;
    if ((tmp = malloc(n * sizeof(*tmp))) == NULL ||
        (count = malloc(65536 * sizeof(*count))) == NULL) {
        free(tmp);
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    dst = tmp;
    for (shift = 0; shift < 64 && (limit >> shift) != 0; shift += 16, passes++) {
        size_t sum = 0, c;
        memset(count, 0, 65536 * sizeof(*count));
        for (i = 0; i < n; i++)
            count[(src[i].offset >> shift) & 0xffff]++;
        for (i = 0; i < 65536; i++) {
            c = count[i];
            count[i] = sum;
            sum += c;
        }
        for (i = 0; i < n; i++)
            dst[count[(src[i].offset >> shift) & 0xffff]++] = src[i];
        src = dst;
        dst = src == v ? tmp : v;
    }
    if (src != v)
        memcpy(v, src, n * sizeof(*v));
    free(count);
    free(tmp);
    return 0;
}

static int read_exact(int fd, void *buf, size_t len, uint64_t at)
{
    unsigned char *p = buf;

    while (len > 0) {
        ssize_t n = pread(fd, p, len, (off_t)at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        at += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

static int damaged(const char *file, const char *what)
{
    return cn_error_set(CN_EINVAL, "%s: %s; the repository is damaged (git fsck tells more)", file,
                        what);
}

/* Read the index file at path whole, bounded by what a pack may hold. */
static int read_idx(cn_pack_index *ix, const char *path)
{
    struct stat st;
    int fd, err = 0;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return cn_error_set(errno == ENOENT ? CN_ENOTFOUND : CN_ERROR, "%s: %s", path,
                            strerror(errno));
    if (fstat(fd, &st) != 0) {
        err = cn_error_set(CN_ERROR, "%s: %s", path, strerror(errno));
        goto out;
    }
    if ((uint64_t)st.st_size < IDX_HEADER + IDX_FANOUT + IDX_TRAILER ||
        (uint64_t)st.st_size > IDX_HEADER + IDX_FANOUT + IDX_TRAILER +
                                   (uint64_t)CN_PACK_INDEX_MAX_OBJECTS * (IDX_PER_OBJ + 8)) {
        err = st.st_size < IDX_HEADER + IDX_FANOUT + IDX_TRAILER
                  ? damaged(path, "too short for a pack index")
                  : cn_error_set(CN_ELIMIT, "%s: more than %u objects in one pack", path,
                                 CN_PACK_INDEX_MAX_OBJECTS);
        goto out;
    }
    ix->idx_len = (size_t)st.st_size;
    if ((ix->idx = malloc(ix->idx_len)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if (read_exact(fd, ix->idx, ix->idx_len, 0) != 0)
        err = cn_error_set(CN_ERROR, "%s: cannot read", path);
out:
    close(fd);
    return err;
}

/* The index's layout, sizes and checksum. */
static int check_idx(cn_pack_index *ix, const char *path)
{
    unsigned char sha[EVP_MAX_MD_SIZE];
    unsigned int shalen = 0;
    const unsigned char *fan = ix->idx + IDX_HEADER;
    size_t body;
    uint32_t i, prev = 0;

    if (memcmp(ix->idx, IDX_MAGIC, 4) != 0) {
        /* Version 1 has no magic: a fan-out table, then 24 bytes per
         * object, then two checksums. Anything else is damage. */
        uint64_t n = be32(ix->idx + IDX_FANOUT - 4);
        if ((uint64_t)ix->idx_len != IDX_FANOUT + 24 * n + IDX_TRAILER)
            return damaged(path, "not a pack index (bad magic)");
        return cn_error_set(CN_EUNSUPPORTED,
                            "%s: a version 1 pack index; run `git repack -a -d` in the "
                            "repository, then publish again",
                            path);
    }
    if (be32(ix->idx + 4) != 2)
        return damaged(path, "unknown pack index version");
    for (i = 0; i < 256; i++) {
        uint32_t n = be32(fan + i * 4);
        if (n < prev)
            return damaged(path, "fan-out table not in order");
        prev = n;
    }
    ix->count = prev;
    if (ix->count > CN_PACK_INDEX_MAX_OBJECTS)
        return cn_error_set(CN_ELIMIT, "%s: more than %u objects in one pack", path,
                            CN_PACK_INDEX_MAX_OBJECTS);
    body = IDX_HEADER + IDX_FANOUT + (size_t)ix->count * IDX_PER_OBJ;
    if (ix->idx_len < body + IDX_TRAILER || (ix->idx_len - body - IDX_TRAILER) % 8 != 0)
        return damaged(path, "size does not match its object count");
    ix->names = fan + IDX_FANOUT;
    ix->crcs = ix->names + (size_t)ix->count * GIT_OID_RAWSZ;
    ix->offsets = ix->crcs + (size_t)ix->count * 4;
    ix->large = ix->offsets + (size_t)ix->count * 4;
    ix->nlarge = (ix->idx_len - body - IDX_TRAILER) / 8;
    for (i = 1; i < ix->count; i++)
        if (memcmp(ix->names + (size_t)(i - 1) * GIT_OID_RAWSZ,
                   ix->names + (size_t)i * GIT_OID_RAWSZ, GIT_OID_RAWSZ) >= 0)
            return damaged(path, "object names not in order");
    for (i = 0; i < ix->count; i++) {
        unsigned b = ix->names[(size_t)i * GIT_OID_RAWSZ];
        if ((b > 0 && i < be32(fan + (b - 1) * 4)) || i >= be32(fan + b * 4))
            return damaged(path, "fan-out table does not match the names");
    }
    if (EVP_Digest(ix->idx, ix->idx_len - GIT_OID_RAWSZ, sha, &shalen, EVP_sha1(), NULL) != 1 ||
        shalen != GIT_OID_RAWSZ)
        return cn_error_set(CN_ERROR, "SHA-1 unavailable");
    if (memcmp(sha, ix->idx + ix->idx_len - GIT_OID_RAWSZ, GIT_OID_RAWSZ) != 0)
        return damaged(path, "checksum mismatch");
    return 0;
}

/* Offsets inside the pack, each once, sorted with their ranks. */
static int order_entries(cn_pack_index *ix, const char *path)
{
    uint32_t i, off;
    uint64_t o;
    int err;

    if ((ix->order = calloc(ix->count ? ix->count : 1, sizeof(*ix->order))) == NULL ||
        (ix->rank = calloc(ix->count ? ix->count : 1, sizeof(*ix->rank))) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    for (i = 0; i < ix->count; i++) {
        off = be32(ix->offsets + (size_t)i * 4);
        if (off & LARGE_OFFSET) {
            if ((off & ~LARGE_OFFSET) >= ix->nlarge)
                return damaged(path, "offset outside its large-offset table");
            o = be64(ix->large + (size_t)(off & ~LARGE_OFFSET) * 8);
        } else {
            o = off;
        }
        if (o < PACK_HEADER || o >= ix->pack_size - GIT_OID_RAWSZ)
            return damaged(path, "an entry's offset lies outside its pack");
        ix->order[i].offset = o;
        ix->order[i].pos = i;
    }
    if ((err = sort_by_offset(ix->order, ix->count, ix->pack_size)) != 0)
        return err;
    for (i = 0; i < ix->count; i++) {
        if (i > 0 && ix->order[i].offset == ix->order[i - 1].offset)
            return damaged(path, "two objects at one offset");
        ix->rank[ix->order[i].pos] = i;
    }
    return 0;
}

/* The pack's header names version 2 or 3 and the index's count; its
 * trailing SHA-1 is the one the index records. */
static int check_pack(cn_pack_index *ix)
{
    unsigned char hdr[PACK_HEADER], sha[GIT_OID_RAWSZ];
    struct stat st;

    if (fstat(ix->fd, &st) != 0)
        return cn_error_set(CN_ERROR, "%s: %s", ix->path, strerror(errno));
    ix->pack_size = (uint64_t)st.st_size;
    if (ix->pack_size < PACK_HEADER + GIT_OID_RAWSZ || read_exact(ix->fd, hdr, sizeof(hdr), 0) ||
        read_exact(ix->fd, sha, sizeof(sha), ix->pack_size - GIT_OID_RAWSZ))
        return damaged(ix->path, "truncated pack");
    if (memcmp(hdr, "PACK", 4) != 0 || (be32(hdr + 4) != 2 && be32(hdr + 4) != 3))
        return damaged(ix->path, "not a version 2 or 3 pack");
    if (be32(hdr + 8) != ix->count)
        return damaged(ix->path, "object count differs from its index");
    if (memcmp(sha, ix->idx + ix->idx_len - IDX_TRAILER, GIT_OID_RAWSZ) != 0)
        return damaged(ix->path, "checksum differs from its index");
    return 0;
}

int cn_pack_index_open(cn_pack_index **out, const char *pack_path)
{
    cn_pack_index *ix;
    size_t n = strlen(pack_path);
    char *idx_path = NULL;
    int err;

    *out = NULL;
    if (n < 5 || strcmp(pack_path + n - 5, ".pack") != 0)
        return cn_error_set(CN_EINVAL, "%s: not a .pack file", pack_path);
    if ((ix = calloc(1, sizeof(*ix))) == NULL || (ix->path = strdup(pack_path)) == NULL ||
        (idx_path = strdup(pack_path)) == NULL) {
        if (ix)
            free(ix->path);
        free(ix);
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    ix->fd = -1;
    memcpy(idx_path + n - 4, "idx", 4);
    if ((err = read_idx(ix, idx_path)) != 0 || (err = check_idx(ix, idx_path)) != 0)
        goto out;
    if ((ix->fd = open(pack_path, O_RDONLY | O_CLOEXEC)) < 0) {
        err = cn_error_set(errno == ENOENT ? CN_ENOTFOUND : CN_ERROR, "%s: %s", pack_path,
                           strerror(errno));
        goto out;
    }
    if ((err = check_pack(ix)) != 0 || (err = order_entries(ix, idx_path)) != 0)
        goto out;
    *out = ix;
    ix = NULL;
out:
    free(idx_path);
    cn_pack_index_free(ix);
    return err;
}

/* ---- writing ---------------------------------------------------------- */

static int cmp_entry(const void *a, const void *b)
{
    return git_oid_cmp(&((const cn_pack_index_entry *)a)->oid,
                       &((const cn_pack_index_entry *)b)->oid);
}

typedef struct {
    int fd;
    EVP_MD_CTX *sha;
    unsigned char buf[64 * 1024];
    size_t len;
    int failed; /* errno of a failed write, or -1 for SHA-1 */
} idx_out;

static void out_flush(idx_out *o)
{
    size_t done = 0;

    while (!o->failed && done < o->len) {
        ssize_t n = write(o->fd, o->buf + done, o->len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            o->failed = errno;
        else
            done += (size_t)n;
    }
    o->len = 0;
}

static void out_put(idx_out *o, const void *data, size_t len)
{
    const unsigned char *p = data;

    if (!o->failed && EVP_DigestUpdate(o->sha, data, len) != 1)
        o->failed = -1;
    while (len > 0 && !o->failed) {
        size_t n = sizeof(o->buf) - o->len < len ? sizeof(o->buf) - o->len : len;
        memcpy(o->buf + o->len, p, n);
        o->len += n;
        p += n;
        len -= n;
        if (o->len == sizeof(o->buf))
            out_flush(o);
    }
}

static void out_be32(idx_out *o, uint32_t v)
{
    unsigned char b[4];

    put_be32(b, v);
    out_put(o, b, 4);
}

int cn_pack_index_write(int fd, cn_pack_index_entry *entries, size_t n,
                        const unsigned char pack_sha[GIT_OID_RAWSZ])
{
    idx_out *o;
    unsigned char sha[EVP_MAX_MD_SIZE];
    unsigned int shalen = 0;
    size_t i, k, nlarge = 0;
    int err = 0;

    if (n > CN_PACK_INDEX_MAX_OBJECTS)
        return cn_error_set(CN_ELIMIT, "more than %u objects in one pack",
                            CN_PACK_INDEX_MAX_OBJECTS);
    if (n > 1)
        qsort(entries, n, sizeof(*entries), cmp_entry);
    for (i = 1; i < n; i++)
        if (git_oid_equal(&entries[i - 1].oid, &entries[i].oid))
            return cn_error_set(CN_EINVAL, "an object is listed twice for one pack index");
    if ((o = calloc(1, sizeof(*o))) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    o->fd = fd;
    if ((o->sha = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(o->sha, EVP_sha1(), NULL) != 1) {
        err = cn_error_set(CN_ERROR, "SHA-1 unavailable");
        goto out;
    }
    out_put(o, IDX_MAGIC, 4);
    out_be32(o, 2);
    for (k = 0, i = 0; k < 256; k++) {
        while (i < n && entries[i].oid.id[0] <= k)
            i++;
        out_be32(o, (uint32_t)i);
    }
    for (i = 0; i < n; i++)
        out_put(o, entries[i].oid.id, GIT_OID_RAWSZ);
    for (i = 0; i < n; i++)
        out_be32(o, entries[i].crc);
    for (i = 0; i < n; i++)
        out_be32(o, entries[i].offset < LARGE_OFFSET ? (uint32_t)entries[i].offset
                                                     : LARGE_OFFSET | (uint32_t)nlarge++);
    for (i = 0; i < n; i++)
        if (entries[i].offset >= LARGE_OFFSET) {
            out_be32(o, (uint32_t)(entries[i].offset >> 32));
            out_be32(o, (uint32_t)entries[i].offset);
        }
    out_put(o, pack_sha, GIT_OID_RAWSZ);
    if (!o->failed && (EVP_DigestFinal_ex(o->sha, sha, &shalen) != 1 || shalen != GIT_OID_RAWSZ))
        o->failed = -1;
    if (!o->failed) {
        /* The checksum itself is not part of what it sums. */
        EVP_MD_CTX_free(o->sha);
        o->sha = NULL;
        if (o->len + GIT_OID_RAWSZ > sizeof(o->buf))
            out_flush(o);
        memcpy(o->buf + o->len, sha, GIT_OID_RAWSZ);
        o->len += GIT_OID_RAWSZ;
        out_flush(o);
    }
    if (o->failed)
        err = o->failed < 0
                  ? cn_error_set(CN_ERROR, "SHA-1 failed")
                  : cn_error_set(CN_ERROR, "cannot write pack index: %s", strerror(o->failed));
out:
    EVP_MD_CTX_free(o->sha);
    free(o);
    return err;
}
