/*
 * pack_scan.c - a pack stream read before libgit2's indexer sees it
 * (pack.h, "reading"): entry headers parsed with a bound on every field,
 * each entry's zlib stream inflated into a fixed buffer, and every object's
 * size checked against the limit the caller derived from what was signed.
 *
 * Memory: one ZCHUNK output buffer and zlib's state, whatever the pack.
 *
 * A delta's own header states the size of its instructions; the size of the
 * object it makes is the second varint of the instructions. An edit of a
 * large file is a small delta making a large object, which is why a delta
 * may make an object past max_object when its base is that large: it may
 * grow its base, and the growth so allowed across the whole pack is at
 * most max_object, so a chain of deltas cannot grow an object without
 * bound. The growth is not bounded by the instructions' size: a copy may
 * repeat any part of the base (appended rows like earlier ones). The base
 * size a delta states is checked against the real base before libgit2
 * allocates the result (git_delta_apply), so a delta cannot lie its way
 * past the allowance.
 */
#include "core/buf.h"
#include "core/error.h"
#include "core/pack.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define ZCHUNK          (64 * 1024)
#define PACK_HEADER_LEN 12
#define TRAILER_LEN     20
#define MAX_ENTRY_HDR   (10 + 10 + GIT_OID_RAWSZ)
#define OBJ_OFS_DELTA   6
#define OBJ_REF_DELTA   7

enum { S_PACK_HEADER, S_ENTRY_HEADER, S_DATA, S_TRAILER, S_DONE, S_FAILED };

struct cn_pack_scan {
    uint64_t max_object;
    uint64_t growth; /* allowed past max_object by deltas so far */
    int state;
    unsigned char hdr[MAX_ENTRY_HDR]; /* the pack header, an entry's or the trailer */
    size_t hlen;
    uint32_t count, index;
    uint64_t offset, entry_offset;
    int type;
    uint64_t size, out; /* stated and inflated so far */
    unsigned char dhdr[CN_PACK_SCAN_MAX_DELTA_HEADER];
    size_t dlen;
    int delta_checked;
    z_stream z;
    int zinit;
    unsigned char *zbuf;
};

int cn_pack_scan_new(cn_pack_scan **out, uint64_t max_object)
{
    cn_pack_scan *s;

    *out = NULL;
    if ((s = calloc(1, sizeof(*s))) == NULL || (s->zbuf = malloc(ZCHUNK)) == NULL) {
        free(s);
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    if (inflateInit(&s->z) != Z_OK) {
        free(s->zbuf);
        free(s);
        return cn_error_set(CN_ENOMEM, "cannot start zlib");
    }
    s->zinit = 1;
    s->max_object = max_object;
    *out = s;
    return 0;
}

void cn_pack_scan_free(cn_pack_scan *s)
{
    if (s == NULL)
        return;
    if (s->zinit)
        inflateEnd(&s->z);
    free(s->zbuf);
    free(s);
}

static int fail(cn_pack_scan *s, int code)
{
    s->state = S_FAILED;
    return code;
}

/* A little-endian base-128 varint (git's delta header): 1 and *v, 0 if
 * the bytes end first, -1 past 10 bytes or 64 bits. */
static int delta_varint(cn_reader *r, uint64_t *v)
{
    unsigned shift = 0;
    uint8_t c;

    *v = 0;
    do {
        if (cn_reader_get_u8(r, &c) != 0)
            return 0;
        if (shift > 63 || (shift == 63 && (c & 0x7e)))
            return -1;
        *v |= (uint64_t)(c & 0x7f) << shift;
        shift += 7;
    } while (c & 0x80);
    return 1;
}

/* An entry header: 1 when complete, 0 if more bytes are needed, <0 on error. */
static int parse_entry_header(cn_pack_scan *s)
{
    cn_reader r;
    const unsigned char *id;
    unsigned shift = 4;
    uint8_t c;
    int i;

    cn_reader_init(&r, s->hdr, s->hlen);
    if (cn_reader_get_u8(&r, &c) != 0)
        return 0;
    s->type = (c >> 4) & 7;
    s->size = c & 15;
    while (c & 0x80) {
        if (cn_reader_get_u8(&r, &c) != 0)
            return 0;
        if (shift > 60 && (c & 0x7f) >> (64 - shift) != 0)
            return cn_error_set(CN_EINVAL, "pack entry %u: its size does not fit 64 bits",
                                s->index);
        s->size |= (uint64_t)(c & 0x7f) << shift;
        shift += 7;
    }
    if (s->type == OBJ_OFS_DELTA) {
        for (i = 0;; i++) {
            if (i == 10)
                return cn_error_set(CN_EINVAL, "pack entry %u: base offset too long", s->index);
            if (cn_reader_get_u8(&r, &c) != 0)
                return 0;
            if (!(c & 0x80))
                break;
        }
    } else if (s->type == OBJ_REF_DELTA) {
        if (cn_reader_get_bytes(&r, &id, GIT_OID_RAWSZ) != 0)
            return 0;
    } else if (s->type < 1 || s->type > 4) {
        return cn_error_set(CN_EINVAL, "pack entry %u at offset %llu: unknown type %d", s->index,
                            (unsigned long long)s->entry_offset, s->type);
    }
    return 1;
}

static int too_large(cn_pack_scan *s, uint64_t size, const char *what)
{
    return cn_error_set(CN_ELIMIT,
                        "pack entry %u at offset %llu: %s of %llu bytes exceeds the limit of %llu "
                        "bytes for this bundle (a decompression bomb?)",
                        s->index, (unsigned long long)s->entry_offset, what,
                        (unsigned long long)size, (unsigned long long)s->max_object);
}

static int entry_header_done(cn_pack_scan *s)
{
    if (s->size > s->max_object)
        return too_large(s, s->size, s->type >= OBJ_OFS_DELTA ? "a delta" : "an object");
    s->out = 0;
    s->dlen = 0;
    s->delta_checked = s->type < OBJ_OFS_DELTA;
    s->state = S_DATA;
    return 0;
}

/* Once a delta's two sizes are known: the object it makes is within the
 * limit, or grows its base by no more than its instructions and the pack's
 * growth allowance. */
static int check_delta(cn_pack_scan *s)
{
    uint64_t base, result;
    cn_reader r;
    int a, b;

    cn_reader_init(&r, s->dhdr, s->dlen);
    if ((a = delta_varint(&r, &base)) == 1)
        b = delta_varint(&r, &result);
    else
        b = a;
    if (a < 0 || b < 0 || (b == 0 && s->dlen == sizeof(s->dhdr)))
        return cn_error_set(CN_EINVAL, "pack entry %u: malformed delta header", s->index);
    if (b == 0)
        return 0; /* more output first */
    s->delta_checked = 1;
    if (result <= s->max_object)
        return 0;
    if (result > base && result - base > s->max_object - s->growth)
        return too_large(s, result, "a delta making an object");
    if (result > base)
        s->growth += result - base;
    return 0;
}

/* Inflate what data holds of the current entry; *used gets the bytes read. */
static int feed_data(cn_pack_scan *s, const unsigned char *data, size_t len, size_t *used)
{
    int ret, err;

    s->z.next_in = (unsigned char *)data;
    s->z.avail_in = len > UINT32_MAX ? UINT32_MAX : (uInt)len;
    for (;;) {
        size_t produced, take;
        uInt before = s->z.avail_in;
        s->z.next_out = s->zbuf;
        s->z.avail_out = ZCHUNK;
        ret = inflate(&s->z, Z_NO_FLUSH);
        produced = ZCHUNK - s->z.avail_out;
        if ((ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR) ||
            (ret == Z_BUF_ERROR && produced == 0 && s->z.avail_in == before && before > 0))
            return cn_error_set(CN_EINVAL, "pack entry %u: corrupt zlib stream", s->index);
        if (!s->delta_checked && produced > 0) {
            take = sizeof(s->dhdr) - s->dlen;
            take = take < produced ? take : produced;
            memcpy(s->dhdr + s->dlen, s->zbuf, take);
            s->dlen += take;
            if ((err = check_delta(s)) != 0)
                return err;
        }
        s->out += produced;
        if (s->out > s->size)
            return cn_error_set(CN_EINVAL, "pack entry %u inflates past the %llu bytes it states",
                                s->index, (unsigned long long)s->size);
        if (ret == Z_STREAM_END) {
            if (!s->delta_checked)
                return cn_error_set(CN_EINVAL, "pack entry %u: malformed delta header", s->index);
            if (s->out != s->size)
                return cn_error_set(CN_EINVAL, "pack entry %u inflates to %llu bytes, not %llu",
                                    s->index, (unsigned long long)s->out,
                                    (unsigned long long)s->size);
            inflateReset(&s->z);
            s->index++;
            s->hlen = 0;
            s->state = s->index == s->count ? S_TRAILER : S_ENTRY_HEADER;
            break;
        }
        if (s->z.avail_in == 0 && s->z.avail_out != 0)
            break;
    }
    *used = (size_t)(s->z.next_in - data);
    return 0;
}

static int pack_header_done(cn_pack_scan *s)
{
    cn_reader r;
    uint32_t version;

    cn_reader_init(&r, s->hdr, s->hlen);
    if (cn_reader_expect(&r, "PACK", 4) != 0 || cn_reader_get_u32(&r, &version) != 0 ||
        (version != 2 && version != 3) || cn_reader_get_u32(&r, &s->count) != 0)
        return cn_error_set(CN_EINVAL, "not a version 2 or 3 pack");
    if (s->count > CN_PACK_MAX_OBJECTS)
        return cn_error_set(CN_ELIMIT, "the pack holds %u objects, more than %u", s->count,
                            CN_PACK_MAX_OBJECTS);
    s->hlen = 0;
    s->state = s->count == 0 ? S_TRAILER : S_ENTRY_HEADER;
    return 0;
}

int cn_pack_scan_feed(cn_pack_scan *s, const void *data, size_t len)
{
    cn_reader in;
    const unsigned char *p;
    size_t used = 0;
    int r;

    if (s->state == S_FAILED)
        return cn_error_set(CN_EINVAL, "the pack scan failed earlier");
    cn_reader_init(&in, data, len);
    while (cn_reader_remaining(&in) > 0 && s->state != S_DONE) {
        r = 0;
        switch (s->state) {
        case S_PACK_HEADER:
        case S_TRAILER:
        case S_ENTRY_HEADER:
            if (s->hlen == 0)
                s->entry_offset = s->offset + in.pos;
            (void)cn_reader_get_bytes(&in, &p, 1);
            s->hdr[s->hlen++] = *p;
            if (s->state == S_PACK_HEADER && s->hlen == PACK_HEADER_LEN)
                r = pack_header_done(s);
            else if (s->state == S_TRAILER && s->hlen == TRAILER_LEN)
                s->state = S_DONE;
            else if (s->state == S_ENTRY_HEADER && (r = parse_entry_header(s)) == 1)
                r = entry_header_done(s);
            else if (s->state == S_ENTRY_HEADER && r == 0 && s->hlen == sizeof(s->hdr))
                r = cn_error_set(CN_EINVAL, "pack entry %u: header too long", s->index);
            if (r < 0)
                return fail(s, r);
            break;
        case S_DATA:
            if ((r = feed_data(s, cn_reader_peek(&in), cn_reader_remaining(&in), &used)) != 0)
                return fail(s, r);
            (void)cn_reader_get_bytes(&in, &p, used);
            break;
        default:
            break;
        }
    }
    /* Bytes after the trailer are the indexer's to refuse. */
    s->offset += len;
    return 0;
}

int cn_pack_scan_finish(cn_pack_scan *s)
{
    if (s->state == S_DONE)
        return 0;
    if (s->state == S_FAILED)
        return cn_error_set(CN_EINVAL, "the pack scan failed earlier");
    return fail(
        s, cn_error_set(CN_EINVAL, "the pack ends early, in entry %u of %u", s->index, s->count));
}
