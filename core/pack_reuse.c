/*
 * pack_reuse.c - write a planned pack (pack_plan.h) by copying the entries
 * its objects already have in the repository's packs.
 *
 * The objects go out in the order they lie in their source packs (loose
 * objects and inserted tags last), so an OFS_DELTA's base, which lies
 * before it in its pack, is written before it. Source bytes are read
 * through one window of IO_WINDOW bytes per call, forward through each
 * pack; output goes through one buffer of the same size, hashed (the
 * pack's trailing SHA-1) and CRC'd (each entry's, for the index) on the
 * way.
 */
#include "core/buf.h"
#include "core/delta.h"
#include "core/error.h"
#include "core/git.h"
#include "core/pack_plan.h"
#include "core/pack_plan_internal.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define IO_WINDOW (1024 * 1024)
#define ZCHUNK    (64 * 1024)
/* zlib takes at most UINT_MAX bytes per call; feed it a bounded slice. */
#define ZSLICE ((size_t)1 << 30)
/* Longest entry header: type and a 64-bit size (10 bytes), then an
 * OFS_DELTA's offset (10) or a REF_DELTA's base id (20). */
#define MAX_ENTRY_HEADER 32

#define OBJ_OFS_DELTA 6
#define OBJ_REF_DELTA 7

/* ---- output ------------------------------------------------------------- */

typedef struct {
    cn_pack_write_fn fn;
    void *payload;
    EVP_MD_CTX *sha;
    unsigned char *buf;
    size_t len;
    uint64_t offset; /* bytes written so far */
    uint32_t crc;    /* of the current entry */
} pack_out;

static int out_flush(pack_out *o)
{
    if (o->len == 0)
        return 0;
    if (EVP_DigestUpdate(o->sha, o->buf, o->len) != 1)
        return cn_error_set(CN_ERROR, "SHA-1 failed");
    if (o->fn(o->payload, o->buf, o->len) != 0)
        return cn_error_set(CN_ERROR, "cannot write pack");
    o->len = 0;
    return 0;
}

/* Append len bytes to the pack, outside the current entry's CRC. A long
 * run goes to fn as it is, not through the buffer. */
static int out_raw(pack_out *o, const void *data, size_t len)
{
    const unsigned char *p = data;
    size_t n;
    int err;

    o->offset += len;
    if (len >= IO_WINDOW / 4) {
        if ((err = out_flush(o)) != 0)
            return err;
        if (EVP_DigestUpdate(o->sha, data, len) != 1)
            return cn_error_set(CN_ERROR, "SHA-1 failed");
        return o->fn(o->payload, data, len) != 0 ? cn_error_set(CN_ERROR, "cannot write pack") : 0;
    }
    while (len > 0) {
        n = IO_WINDOW - o->len < len ? IO_WINDOW - o->len : len;
        memcpy(o->buf + o->len, p, n);
        o->len += n;
        p += n;
        len -= n;
        if (o->len == IO_WINDOW && (err = out_flush(o)) != 0)
            return err;
    }
    return 0;
}

/* Append len bytes of the current entry (its CRC includes them). */
static int out_put(void *payload, const void *data, size_t len)
{
    pack_out *o = payload;

    o->crc = (uint32_t)crc32_z(o->crc, data, len);
    return out_raw(o, data, len);
}

/* An entry's header: type in bits 4-6 of the first byte, then the
 * inflated size, 4 bits in the first byte and 7 in each further one. */
static size_t entry_header(unsigned char *h, int type, uint64_t size)
{
    size_t n = 0;

    h[n] = (unsigned char)((type << 4) | (size & 0x0f));
    for (size >>= 4; size > 0; size >>= 7) {
        h[n++] |= 0x80;
        h[n] = (unsigned char)(size & 0x7f);
    }
    return n + 1;
}

/* An OFS_DELTA's distance back to its base, as git encodes it. */
static size_t ofs_encode(unsigned char *h, uint64_t dist)
{
    unsigned char tmp[10];
    size_t n = sizeof(tmp) - 1, len;

    tmp[n] = (unsigned char)(dist & 0x7f);
    while (dist >>= 7)
        tmp[--n] = (unsigned char)(0x80 | (--dist & 0x7f));
    len = sizeof(tmp) - n;
    memcpy(h, tmp + n, len);
    return len;
}

static int count_emit(void *payload, const void *data, size_t len)
{
    (void)data;
    *(size_t *)payload += len;
    return 0;
}

static int buf_emit(void *payload, const void *data, size_t len)
{
    return cn_buf_put(payload, data, len);
}

/* zlib-compress data into fn, ZCHUNK bytes of output at a time. */
static int deflate_to(cn_pack_write_fn fn, void *payload, const void *data, size_t len)
{
    unsigned char *chunk = NULL;
    const unsigned char *p = data;
    z_stream zs;
    size_t n;
    int r, err = CN_ENOMEM;

    memset(&zs, 0, sizeof(zs));
    if ((chunk = malloc(ZCHUNK)) == NULL || deflateInit(&zs, Z_DEFAULT_COMPRESSION) != Z_OK) {
        free(chunk);
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    do {
        if (zs.avail_in == 0 && len > 0) {
            n = len > ZSLICE ? ZSLICE : len;
            zs.next_in = (unsigned char *)(uintptr_t)p;
            zs.avail_in = (uInt)n;
            p += n;
            len -= n;
        }
        zs.next_out = chunk;
        zs.avail_out = ZCHUNK;
        r = deflate(&zs, len > 0 ? Z_NO_FLUSH : Z_FINISH);
        if (r == Z_STREAM_ERROR) {
            err = cn_error_set(CN_ERROR, "zlib deflate failed");
            goto out;
        }
        if ((err = fn(payload, chunk, ZCHUNK - zs.avail_out)) != 0)
            goto out;
    } while (r != Z_STREAM_END);
    err = 0;
out:
    deflateEnd(&zs);
    free(chunk);
    return err;
}

/* ---- input -------------------------------------------------------------- */

/* A window onto one source pack at a time. */
typedef struct {
    const cn_pack_index *pack;
    unsigned char *buf;
    uint64_t start; /* pack offset of buf[0] */
    size_t len;
} pack_in;

/* Point *data at len (<= IO_WINDOW) bytes of pack at offset. */
static int in_view(const unsigned char **data, pack_in *in, const cn_pack_index *pack,
                   uint64_t offset, size_t len)
{
    size_t got = 0;
    ssize_t n;

    if (in->pack != pack || offset < in->start || offset + len > in->start + in->len) {
        in->pack = pack;
        in->start = offset;
        in->len = 0;
        while (got < IO_WINDOW) {
            n = pread(cn_pack_index_fd(pack), in->buf + got, IO_WINDOW - got,
                      (off_t)(offset + got));
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return cn_error_set(CN_ERROR, "%s: %s", cn_pack_index_path(pack), strerror(errno));
            if (n == 0)
                break;
            got += (size_t)n;
        }
        in->len = got;
        if (len > got)
            return cn_error_set(CN_EVERIFY, "%s: truncated pack", cn_pack_index_path(pack));
    }
    *data = in->buf + (offset - in->start);
    return 0;
}

/* A source entry's header. */
typedef struct {
    int type;
    uint64_t size;
    size_t len;       /* header bytes, with an OFS offset or a REF id */
    uint64_t base_at; /* OFS_DELTA: the base entry's offset */
    git_oid base;     /* REF_DELTA: the base's id */
} entry_head;

static int parse_head(entry_head *h, const unsigned char *p, size_t avail, uint64_t offset,
                      const char *path)
{
    size_t n = 0;
    unsigned shift = 4;
    uint64_t dist;

    if (avail == 0)
        goto bad;
    h->type = (p[0] >> 4) & 7;
    h->size = p[0] & 0x0f;
    while (p[n] & 0x80) {
        if (++n >= avail || shift > 57)
            goto bad;
        h->size |= (uint64_t)(p[n] & 0x7f) << shift;
        shift += 7;
    }
    n++;
    if (h->type == OBJ_OFS_DELTA) {
        if (n >= avail)
            goto bad;
        dist = p[n] & 0x7f;
        while (p[n] & 0x80) {
            if (++n >= avail || dist > (UINT64_MAX >> 7) - 1)
                goto bad;
            dist = ((dist + 1) << 7) | (p[n] & 0x7f);
        }
        n++;
        if (dist == 0 || dist > offset)
            goto bad;
        h->base_at = offset - dist;
    } else if (h->type == OBJ_REF_DELTA) {
        if (n + GIT_OID_RAWSZ > avail)
            goto bad;
        git_oid_fromraw(&h->base, p + n);
        n += GIT_OID_RAWSZ;
    } else if (h->type < GIT_OBJECT_COMMIT || h->type > GIT_OBJECT_TAG) {
        goto bad;
    }
    h->len = n;
    return 0;
bad:
    return cn_error_set(CN_EVERIFY, "%s: bad entry header at offset %llu", path,
                        (unsigned long long)offset);
}

/* ---- one object --------------------------------------------------------- */

typedef struct {
    cn_pack_plan *plan;
    pack_out out;
    pack_in in;
    cn_buf delta, zdelta;
} writer;

static int type_mismatch(const plan_object *o, int actual)
{
    char hex[GIT_OID_HEXSZ + 1];

    git_oid_tostr(hex, sizeof(hex), &o->oid);
    return cn_error_set(CN_EVERIFY, "object %s is a %s, but the history names it as a %s", hex,
                        git_object_type2string((git_object_t)actual),
                        git_object_type2string((git_object_t)o->type));
}

/* The delta of obj against base_oid, zlib'd, when its entry would take at
 * most three quarters of the whole object's (zwhole bytes); zdelta->len is
 * 0 otherwise. */
static int try_delta(writer *w, git_odb_object *obj, const git_oid *base_oid, size_t zwhole)
{
    git_odb_object *base = NULL;
    size_t size = git_odb_object_size(obj);
    int err = 0;

    cn_buf_reset(&w->delta);
    cn_buf_reset(&w->zdelta);
    if (size > CN_DELTA_MAX_SIZE)
        return 0;
    if (git_odb_read(&base, w->plan->odb, base_oid) < 0) {
        git_error_clear(); /* the receiver has it, we may not: send whole */
        return 0;
    }
    if (git_odb_object_size(base) > CN_DELTA_MAX_SIZE)
        goto out;
    if (cn_delta_create(&w->delta, git_odb_object_data(base), git_odb_object_size(base),
                        git_odb_object_data(obj), size, size / 2) != 0) {
        cn_error_clear();
        goto out; /* too large, or not worth it */
    }
    if ((err = deflate_to(buf_emit, &w->zdelta, w->delta.data, w->delta.len)) != 0)
        goto out;
    if (zwhole == 0 && (err = deflate_to(count_emit, &zwhole, git_odb_object_data(obj), size)) != 0)
        goto out;
    if (GIT_OID_RAWSZ + w->zdelta.len > zwhole - zwhole / 4)
        cn_buf_reset(&w->zdelta);
out:
    git_odb_object_free(base);
    return err;
}

/* Is base a delta base a thin plan's object may use: one the receiver has
 * or one already written (so no two objects are each other's base)? */
static int usable_base(const cn_pack_plan *p, const git_oid *base)
{
    long bi;

    if (git_oid_is_zero(base))
        return 0;
    bi = cn_oid_index_find(&p->index, p->v, sizeof(*p->v), base);
    return bi >= 0 ? p->v[bi].written : cn_pack_plan_has(p, base);
}

/* Write the object of plan entry i from its inflated content: as a delta
 * against its path base (thin plans) when worth it, else whole. zwhole is
 * the size of a compressed whole entry if known (0: not). 1 if a delta was
 * written, 0 if not (nothing written then when whole_ok is 0), <0 error. */
static int write_inflated(writer *w, size_t i, size_t zwhole, int whole_ok)
{
    cn_pack_plan *p = w->plan;
    plan_object *o = &p->v[i];
    unsigned char h[MAX_ENTRY_HEADER];
    git_odb_object *obj = NULL;
    char hex[GIT_OID_HEXSZ + 1];
    int err, wrote_delta = 0;

    if (git_odb_read(&obj, p->odb, &o->oid) < 0) {
        git_oid_tostr(hex, sizeof(hex), &o->oid);
        return cn_git_error(CN_ERROR, hex);
    }
    if ((int)git_odb_object_type(obj) != o->type) {
        err = type_mismatch(o, (int)git_odb_object_type(obj));
        goto out;
    }
    o->actual = o->type;
    if (git_odb_object_size(obj) > CN_PACK_MAX_OBJECT) {
        git_oid_tostr(hex, sizeof(hex), &o->oid);
        err =
            cn_error_set(CN_ELIMIT, "object %s is larger than %zu bytes", hex, CN_PACK_MAX_OBJECT);
        goto out;
    }
    cn_buf_reset(&w->zdelta);
    if (p->thin && usable_base(p, &p->bases[i]) &&
        (err = try_delta(w, obj, &p->bases[i], zwhole)) != 0)
        goto out;
    err = 0;
    w->out.crc = 0;
    if (w->zdelta.len > 0) {
        wrote_delta = 1;
        if ((err = out_put(&w->out, h, entry_header(h, OBJ_REF_DELTA, w->delta.len))) == 0 &&
            (err = out_put(&w->out, p->bases[i].id, GIT_OID_RAWSZ)) == 0)
            err = out_put(&w->out, w->zdelta.data, w->zdelta.len);
    } else if (whole_ok) {
        if ((err = out_put(&w->out, h, entry_header(h, o->type, git_odb_object_size(obj)))) == 0)
            err = deflate_to(out_put, &w->out, git_odb_object_data(obj), git_odb_object_size(obj));
    }
out:
    git_odb_object_free(obj);
    return err < 0 ? err : wrote_delta;
}

/* Stream len bytes of pack from offset through the input window: CRC'd
 * into *crc when crc is not NULL, and copied to the output, as the end of
 * the current entry (whose CRC they extend), when copy is set. When the
 * source and the new entry are the same bytes (crc NULL), the output's CRC
 * serves both. */
static int stream_bytes(writer *w, const cn_pack_index *pack, uint64_t offset, uint64_t len,
                        uint32_t *crc, int copy)
{
    const unsigned char *data;
    size_t n;
    int err;

    while (len > 0) {
        n = len > IO_WINDOW ? IO_WINDOW : (size_t)len;
        if ((err = in_view(&data, &w->in, pack, offset, n)) != 0)
            return err;
        if (crc)
            *crc = (uint32_t)crc32_z(*crc, data, n);
        if (copy && (err = out_put(&w->out, data, n)) != 0)
            return err;
        offset += n;
        len -= n;
    }
    return 0;
}

static int crc_mismatch(const cn_pack_index *pack, const plan_object *o);

/* The source entry of o (at offset, len bytes) matches its index's CRC-32:
 * checked before an entry is inflated instead of copied, so damage is
 * reported as damage, naming the pack and the object. */
static int check_entry_crc(writer *w, const cn_pack_index *pack, const plan_object *o,
                           uint64_t offset, uint64_t len)
{
    uint32_t crc = 0;
    int err;

    if ((err = stream_bytes(w, pack, offset, len, &crc, 0)) != 0)
        return err;
    return crc == cn_pack_index_crc(pack, o->pos) ? 0 : crc_mismatch(pack, o);
}

/* o, a delta whose base is not written yet, is the type the history
 * names it (libgit2 follows the chain's headers). */
static int check_delta_type(writer *w, plan_object *o)
{
    git_object_t type;
    size_t size;

    if (git_odb_read_header(&size, &type, w->plan->odb, &o->oid) < 0) {
        char hex[GIT_OID_HEXSZ + 1];
        git_oid_tostr(hex, sizeof(hex), &o->oid);
        return cn_git_error(CN_EVERIFY, hex);
    }
    if ((int)type != o->type)
        return type_mismatch(o, (int)type);
    o->actual = o->type;
    return 0;
}

static int crc_mismatch(const cn_pack_index *pack, const plan_object *o)
{
    char hex[GIT_OID_HEXSZ + 1];

    git_oid_tostr(hex, sizeof(hex), &o->oid);
    return cn_error_set(CN_EVERIFY,
                        "%s: the entry of object %s does not match its index's CRC-32; the "
                        "repository is damaged (git fsck tells more)",
                        cn_pack_index_path(pack), hex);
}

/* Write plan entry i from its source pack entry. */
static int write_packed(writer *w, size_t i)
{
    cn_pack_plan *p = w->plan;
    plan_object *o = &p->v[i];
    const cn_pack_index *pack = p->store.packs[o->pack - 1];
    uint64_t offset = cn_pack_index_offset(pack, o->pos);
    uint64_t len = cn_pack_index_entry_len(pack, o->pos);
    const unsigned char *raw;
    unsigned char h[MAX_ENTRY_HEADER];
    uint32_t crc = 0, base_pos;
    entry_head eh;
    size_t hn;
    long bi = -1;
    int err;

    if ((err = in_view(&raw, &w->in, pack, offset,
                       len < MAX_ENTRY_HEADER ? (size_t)len : MAX_ENTRY_HEADER)) != 0 ||
        (err = parse_head(&eh, raw, len < MAX_ENTRY_HEADER ? (size_t)len : MAX_ENTRY_HEADER, offset,
                          cn_pack_index_path(pack))) != 0)
        return err;
    if (eh.type == OBJ_OFS_DELTA) {
        if (!cn_pack_index_at_offset(&base_pos, pack, eh.base_at))
            return cn_error_set(CN_EVERIFY, "%s: a delta at offset %llu has no base",
                                cn_pack_index_path(pack), (unsigned long long)offset);
        cn_pack_index_oid(&eh.base, pack, base_pos);
    }
    if (eh.type < OBJ_OFS_DELTA) {
        if (eh.type != o->type)
            return type_mismatch(o, eh.type);
        o->actual = (uint8_t)eh.type;
        if (p->thin && usable_base(p, &p->bases[i])) {
            /* A changed file the source keeps whole: a delta against the
             * receiver's version may be much smaller. */
            if ((err = check_entry_crc(w, pack, o, offset, len)) != 0 ||
                (err = write_inflated(w, i, (size_t)(len - eh.len), 0)) != 0)
                return err < 0 ? err : 0;
        }
        w->out.crc = 0;
        hn = 0;
    } else if ((bi = cn_oid_index_find(&p->index, p->v, sizeof(*p->v), &eh.base)) >= 0 &&
               p->v[bi].written) {
        if (p->v[bi].actual != o->type)
            return type_mismatch(o, p->v[bi].actual);
        o->actual = o->type;
        hn = entry_header(h, OBJ_OFS_DELTA, eh.size);
        hn += ofs_encode(h + hn, w->out.offset - p->v[bi].out_offset);
    } else if ((bi >= 0 && !p->thin && p->v[bi].pack == o->pack) ||
               (bi < 0 && p->thin && cn_pack_plan_has(p, &eh.base))) {
        /* A base later in the same source pack, or one the receiver has.
         * Forward, only the source's own deltas are followed, and they
         * form no cycle within one pack; a base from another pack is not
         * referred forward (two packs may hold A as a delta of B and B as
         * a delta of A), nor in a thin pack, whose objects may be written
         * as new deltas against earlier ones (A as a delta of B copied,
         * then B made a delta of A). */
        if ((err = check_delta_type(w, o)) != 0)
            return err;
        hn = entry_header(h, OBJ_REF_DELTA, eh.size);
        memcpy(h + hn, eh.base.id, GIT_OID_RAWSZ);
        hn += GIT_OID_RAWSZ;
    } else {
        /* Its base stays behind: send the object whole. */
        if ((err = check_entry_crc(w, pack, o, offset, len)) != 0)
            return err;
        err = write_inflated(w, i, 0, 1);
        return err < 0 ? err : 0;
    }
    if (eh.type >= OBJ_OFS_DELTA) {
        /* The source header is replaced: CRC it apart from the output. */
        crc = (uint32_t)crc32_z(0, raw, eh.len);
        w->out.crc = 0;
        if ((err = out_put(&w->out, h, hn)) != 0)
            return err;
        offset += eh.len;
        len -= eh.len;
    }
    if ((err = stream_bytes(w, pack, offset, len, eh.type >= OBJ_OFS_DELTA ? &crc : NULL, 1)) != 0)
        return err;
    if ((eh.type >= OBJ_OFS_DELTA ? crc : w->out.crc) != cn_pack_index_crc(pack, o->pos))
        return crc_mismatch(pack, o);
    return 0;
}

/* ---- the pack ------------------------------------------------------------ */

/* Where an object lies: its source pack order key. */
typedef struct {
    uint32_t pack; /* 1 + pack index; UINT32_MAX for an unpacked object */
    uint32_t index;
    uint64_t offset;
} location;

/* Source pack order: by pack, then offset; unpacked objects last, in plan
 * order. */
static int cmp_location(const void *a, const void *b)
{
    const location *x = a, *y = b;

    if (x->pack != y->pack)
        return x->pack < y->pack ? -1 : 1;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int write_order(uint32_t **out, const cn_pack_plan *p)
{
    location *loc;
    uint32_t *order;
    size_t i;

    *out = NULL;
    if ((loc = malloc((p->len ? p->len : 1) * sizeof(*loc))) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if ((order = malloc((p->len ? p->len : 1) * sizeof(*order))) == NULL) {
        free(loc);
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    for (i = 0; i < p->len; i++) {
        const plan_object *o = &p->v[i];
        loc[i].index = (uint32_t)i;
        if (p->thin) {
            /* Oldest first, as walked: each version before the next. */
            loc[i].pack = 0;
            loc[i].offset = i;
            continue;
        }
        loc[i].pack = o->pack ? o->pack : UINT32_MAX;
        loc[i].offset = o->pack ? cn_pack_index_offset(p->store.packs[o->pack - 1], o->pos) : 0;
    }
    qsort(loc, p->len, sizeof(*loc), cmp_location);
    for (i = 0; i < p->len; i++)
        order[i] = loc[i].index;
    free(loc);
    *out = order;
    return 0;
}

int cn_pack_plan_write(cn_pack_plan *p, cn_pack_write_fn fn, void *payload,
                       const cn_progress *progress, cn_pack_index_entry **entries,
                       unsigned char sha[GIT_OID_RAWSZ])
{
    unsigned char hdr[12] = {'P', 'A', 'C', 'K', 0, 0, 0, 2}, digest[EVP_MAX_MD_SIZE];
    writer w;
    cn_pack_index_entry *ents = NULL;
    uint32_t *order = NULL;
    unsigned int shalen = 0;
    size_t i, k;
    int err = CN_ENOMEM;

    memset(&w, 0, sizeof(w));
    w.plan = p;
    w.out.fn = fn;
    w.out.payload = payload;
    if (entries)
        *entries = NULL;
    if ((w.out.buf = malloc(IO_WINDOW)) == NULL || (w.in.buf = malloc(IO_WINDOW)) == NULL ||
        (entries && (ents = calloc(p->len ? p->len : 1, sizeof(*ents))) == NULL)) {
        cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((w.out.sha = EVP_MD_CTX_new()) == NULL ||
        EVP_DigestInit_ex(w.out.sha, EVP_sha1(), NULL) != 1) {
        err = cn_error_set(CN_ERROR, "SHA-1 unavailable");
        goto out;
    }
    if ((err = write_order(&order, p)) != 0)
        goto out;
    for (i = 0; i < 4; i++)
        hdr[8 + i] = (unsigned char)(p->len >> (8 * (3 - i)));
    if ((err = out_put(&w.out, hdr, sizeof(hdr))) != 0)
        goto out;
    for (k = 0; k < p->len; k++) {
        plan_object *o = &p->v[order[k]];
        o->out_offset = w.out.offset;
        if (o->pack != 0)
            err = write_packed(&w, order[k]);
        else if ((err = write_inflated(&w, order[k], 0, 1)) > 0)
            err = 0;
        if (err != 0)
            goto out;
        o->written = 1;
        if (ents) {
            git_oid_cpy(&ents[k].oid, &o->oid);
            ents[k].offset = o->out_offset;
            ents[k].crc = w.out.crc;
        }
        if ((k & 0xff) == 0)
            cn_progress_report(progress, "Writing objects", k, p->len);
    }
    if ((err = out_flush(&w.out)) != 0)
        goto out;
    if (EVP_DigestFinal_ex(w.out.sha, digest, &shalen) != 1 || shalen != GIT_OID_RAWSZ) {
        err = cn_error_set(CN_ERROR, "SHA-1 failed");
        goto out;
    }
    if (fn(payload, digest, shalen) != 0) {
        err = cn_error_set(CN_ERROR, "cannot write pack");
        goto out;
    }
    memcpy(sha, digest, GIT_OID_RAWSZ);
    cn_progress_report(progress, "Writing objects", p->len, p->len);
    cn_progress_end(progress, "Writing objects");
    if (entries) {
        *entries = ents;
        ents = NULL;
    }
    err = 0;
out:
    for (i = 0; i < p->len; i++)
        p->v[i].written = 0;
    EVP_MD_CTX_free(w.out.sha);
    free(w.out.buf);
    free(w.in.buf);
    free(order);
    free(ents);
    cn_buf_free(&w.delta);
    cn_buf_free(&w.zdelta);
    return err;
}
