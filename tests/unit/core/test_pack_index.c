/*
 * test_pack_index.c - a pack's version 2 index (core/pack_index.c), read
 * and written, against stock git.
 *
 * Packs made by `git repack` are opened and every object's offset, entry
 * length and CRC-32 compared with `git verify-pack -v` and `git
 * show-index`; a version 1 index is refused as unsupported; damaged copies
 * (each damage with the index's checksum made right again, so that the
 * check meant is the one that fires) are refused with CN_EINVAL naming the
 * damaged file; offsets past 2 GiB written with cn_pack_index_write read
 * back (a sparse pack) and as `git show-index` reads them; and an index we
 * write is byte for byte the one `git index-pack` writes for the same pack.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "support_repo.h"

#include "core/error.h"
#include "core/file.h"
#include "core/pack_index.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FANOUT   8    /* the fan-out table's offset in an index */
#define NAMES    1032 /* the first name's */
#define MAX_FILE (64u << 20)

/* A history with deltas, repacked into one pack: src/.git/objects/pack. */
static const char history[] =
    "git init -q -b main src && cd src && "
    "for i in $(seq 1 30); do "
    "  seq 1 $((i * 20)) | sed \"s/^/Stavanger reading $i /\" >f$((i % 7)).txt && "
    "  git add -A && git commit -q -m c$i; "
    "done && git repack -adq";

/* Copy the pack of src to dir/<sub>/pack-x.{pack,idx}; returns the pack's
 * path (heap). */
static char *copy_pack(const char *dir, const char *sub)
{
    char *path;

    assert_int_equal(repo_sh(dir,
                             "rm -rf %s && mkdir %s && "
                             "cp src/.git/objects/pack/pack-*.pack %s/pack-x.pack && "
                             "cp src/.git/objects/pack/pack-*.idx %s/pack-x.idx && chmod u+w %s/*",
                             sub, sub, sub, sub, sub),
                     0);
    assert_non_null(path = malloc(strlen(dir) + strlen(sub) + 16));
    sprintf(path, "%s/%s/pack-x.pack", dir, sub);
    return path;
}

static char *idx_path_of(const char *pack)
{
    char *p = strdup(pack);

    assert_non_null(p);
    memcpy(p + strlen(p) - 4, "idx", 4);
    return p;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void set32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void sha1(unsigned char out[20], const void *data, size_t len)
{
    unsigned int n = 0;

    assert_int_equal(EVP_Digest(data, len, out, &n, EVP_sha1(), NULL), 1);
    assert_int_equal(n, 20);
}

static void load(unsigned char **data, size_t *len, const char *path)
{
    assert_int_equal(cn_file_read(data, len, path, MAX_FILE), 0);
}

static void save(const char *path, const unsigned char *data, size_t len)
{
    FILE *fp = fopen(path, "wb");

    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

/* ---- reading what git wrote ------------------------------------------- */

/* Run the command cmd followed by path, to read its output. */
static FILE *popen_path(const char *cmd_prefix, const char *path)
{
    char cmd[512];
    FILE *p;

    assert_true((size_t)snprintf(cmd, sizeof(cmd), "%s%s", cmd_prefix, path) < sizeof(cmd));
    assert_non_null(p = popen(cmd, "r"));
    return p;
}

static void test_index_agrees_with_verify_pack(void **state)
{
    const char *dir = *state;
    cn_pack_index *ix = NULL;
    char line[512], hex[GIT_OID_HEXSZ + 1], base[GIT_OID_HEXSZ + 1], type[16], *pack, *idx;
    unsigned long long size, in_pack, offset, depth;
    unsigned int crc;
    size_t seen = 0, deltas = 0;
    uint32_t pos, at;
    git_oid oid, back;
    FILE *p;
    int fields;

    assert_int_equal(repo_sh(dir, "%s", history), 0);
    pack = copy_pack(dir, "git");
    idx = idx_path_of(pack);
    assert_int_equal(cn_pack_index_open(&ix, pack), 0);
    assert_string_equal(cn_pack_index_path(ix), pack);
    assert_true(cn_pack_index_fd(ix) >= 0);
    /* "<name> <type> <size> <size in pack> <offset> [<depth> <base>]" */
    p = popen_path("git verify-pack -v ", idx);
    while (fgets(line, sizeof(line), p) != NULL) {
        fields = sscanf(line, "%40s %15s %llu %llu %llu %llu %40s", hex, type, &size, &in_pack,
                        &offset, &depth, base);
        if (fields < 5 || git_oid_fromstr(&oid, hex) != 0)
            continue;
        seen++;
        deltas += fields == 7;
        assert_int_equal(cn_pack_index_find(&pos, ix, &oid), 1);
        cn_pack_index_oid(&back, ix, pos);
        assert_true(git_oid_equal(&back, &oid));
        assert_int_equal(cn_pack_index_offset(ix, pos), offset);
        assert_int_equal(cn_pack_index_entry_len(ix, pos), in_pack);
        assert_int_equal(cn_pack_index_at_offset(&at, ix, offset), 1);
        assert_int_equal(at, pos);
        assert_int_equal(cn_pack_index_at_offset(&at, ix, offset + 1), 0);
    }
    assert_int_equal(pclose(p), 0);
    assert_int_equal(seen, cn_pack_index_count(ix));
    assert_true(seen > 60);
    assert_true(deltas > 10); /* entry lengths are not object sizes */
    /* CRC-32s as git's own reader reads them: "<offset> <name> (<crc>)" */
    p = popen_path("git show-index <", idx);
    seen = 0;
    while (fgets(line, sizeof(line), p) != NULL) {
        assert_int_equal(sscanf(line, "%llu %40s (%x)", &offset, hex, &crc), 3);
        assert_int_equal(git_oid_fromstr(&oid, hex), 0);
        assert_int_equal(cn_pack_index_find(&pos, ix, &oid), 1);
        assert_int_equal(cn_pack_index_offset(ix, pos), offset);
        assert_int_equal(cn_pack_index_crc(ix, pos), crc);
        seen++;
    }
    assert_int_equal(pclose(p), 0);
    assert_int_equal(seen, cn_pack_index_count(ix));
    /* names the pack does not hold, and offsets where no entry starts */
    memset(&oid, 0, sizeof(oid));
    assert_int_equal(cn_pack_index_find(&pos, ix, &oid), 0);
    memset(&oid, 0xff, sizeof(oid));
    assert_int_equal(cn_pack_index_find(&pos, ix, &oid), 0);
    assert_int_equal(cn_pack_index_at_offset(&at, ix, 0), 0);
    assert_int_equal(cn_pack_index_at_offset(&at, ix, 12), 1);
    assert_int_equal(cn_pack_index_at_offset(&at, ix, UINT64_MAX), 0);
    cn_pack_index_free(ix);
    free(idx);
    free(pack);
}

static void test_index_v1_is_unsupported(void **state)
{
    const char *dir = *state;
    cn_pack_index *ix = NULL;
    char *pack;

    assert_int_equal(repo_sh(dir, "%s", history), 0);
    pack = copy_pack(dir, "v1");
    assert_int_equal(repo_sh(dir, "rm v1/pack-x.idx && "
                                  "git index-pack --index-version=1 -o v1/pack-x.idx "
                                  "v1/pack-x.pack >/dev/null"),
                     0);
    assert_int_equal(cn_pack_index_open(&ix, pack), CN_EUNSUPPORTED);
    assert_null(ix);
    assert_non_null(strstr(cn_error_message(), "v1/pack-x.idx"));
    free(pack);
}

static void test_index_missing_files(void **state)
{
    const char *dir = *state;
    cn_pack_index *ix = NULL;
    char *pack, *idx;

    assert_int_equal(repo_sh(dir, "%s", history), 0);
    pack = copy_pack(dir, "gone");
    idx = idx_path_of(pack);
    assert_int_equal(repo_sh(dir, "mv gone/pack-x.idx gone/kept"), 0);
    assert_int_equal(cn_pack_index_open(&ix, pack), CN_ENOTFOUND);
    assert_int_equal(repo_sh(dir, "mv gone/kept gone/pack-x.idx"), 0);
    assert_int_equal(unlink(pack), 0);
    assert_int_equal(cn_pack_index_open(&ix, pack), CN_ENOTFOUND);
    assert_int_equal(cn_pack_index_open(&ix, idx), CN_EINVAL); /* not a .pack */
    assert_null(ix);
    free(idx);
    free(pack);
}

/* ---- damaged indexes and packs ---------------------------------------- */

typedef enum {
    BAD_MAGIC,
    BAD_VERSION,
    FANOUT_OUT_OF_ORDER,
    FANOUT_NOT_NAMES,
    NAMES_UNSORTED,
    TRUNCATED_BY_ONE,
    TRUNCATED_TABLES,
    TRUNCATED_TO_HEADER,
    EXTRA_BYTES,
    WRONG_CHECKSUM,
    OFFSET_PAST_PACK,
    OFFSET_IN_TRAILER,
    OFFSET_IN_HEADER,
    LARGE_OFFSET_NO_TABLE,
    LARGE_OFFSET_PAST_PACK,
    TWO_AT_ONE_OFFSET,
    PACK_SHA_DIFFERS,
    PACK_COUNT_DIFFERS,
    PACK_TRAILER_DIFFERS,
    PACK_NOT_A_PACK,
    PACK_TRUNCATED,
    NDAMAGE
} damage;

static const char *const damage_names[NDAMAGE] = {
    "bad magic",
    "bad version",
    "fan-out out of order",
    "fan-out not names",
    "names unsorted",
    "truncated by one",
    "truncated tables",
    "truncated to header",
    "extra bytes",
    "wrong checksum",
    "offset past the pack",
    "offset in the trailer",
    "offset in the header",
    "large offset, no table",
    "large offset past the pack",
    "two at one offset",
    "pack sha differs",
    "pack count differs",
    "pack trailer differs",
    "pack not a pack",
    "pack truncated",
};

/* Damage the index (d, *len) or the pack (p, *plen) as kind says; returns
 * 1 when the index's own checksum is to be made right again. */
static int apply_damage(damage kind, unsigned char *d, size_t *len, unsigned char *p, size_t *plen)
{
    uint32_t n = get32(d + FANOUT + 255 * 4), k;
    unsigned char *offsets = d + NAMES + (size_t)n * 24, tmp[20];

    switch (kind) {
    case BAD_MAGIC:
        d[1] ^= 0x01;
        return 1;
    case BAD_VERSION:
        set32(d + 4, 3);
        return 1;
    case FANOUT_OUT_OF_ORDER:
        set32(d + FANOUT, n); /* fan[0] above fan[1] */
        return 1;
    case FANOUT_NOT_NAMES:
        for (k = 0; k < 255 && get32(d + FANOUT + k * 4) == get32(d + FANOUT + k * 4 + 4); k++)
            ;
        assert_true(k < 255);
        set32(d + FANOUT + k * 4, get32(d + FANOUT + k * 4) + 1); /* still in order */
        return 1;
    case NAMES_UNSORTED:
        memcpy(tmp, d + NAMES, 20);
        memcpy(d + NAMES, d + NAMES + 20, 20);
        memcpy(d + NAMES + 20, tmp, 20);
        return 1;
    case TRUNCATED_BY_ONE:
        *len -= 1;
        return 0;
    case TRUNCATED_TABLES:
        *len = NAMES + 40;
        return 0;
    case TRUNCATED_TO_HEADER:
        *len = 8;
        return 0;
    case EXTRA_BYTES: /* four bytes more than the tables and trailer take */
        memmove(d + *len - 36, d + *len - 40, 40);
        memset(d + *len - 40, 0, 4);
        *len += 4;
        return 1;
    case WRONG_CHECKSUM:
        d[NAMES + (size_t)n * 20] ^= 0x80; /* a CRC-32 */
        return 0;
    case OFFSET_PAST_PACK:
        set32(offsets, (uint32_t)*plen);
        return 1;
    case OFFSET_IN_TRAILER:
        set32(offsets, (uint32_t)*plen - 20);
        return 1;
    case OFFSET_IN_HEADER:
        set32(offsets, 4);
        return 1;
    case LARGE_OFFSET_NO_TABLE:
        set32(offsets, 0x80000000u);
        return 1;
    case LARGE_OFFSET_PAST_PACK: /* a 64-bit table of one entry, 1 TiB in */
        memmove(d + *len - 32, d + *len - 40, 40);
        set32(d + *len - 40, 0x100);
        set32(d + *len - 36, 0);
        *len += 8;
        set32(offsets, 0x80000000u);
        return 1;
    case TWO_AT_ONE_OFFSET:
        memcpy(offsets + 4, offsets, 4);
        return 1;
    case PACK_SHA_DIFFERS:
        d[*len - 40] ^= 0x01;
        return 1;
    case PACK_COUNT_DIFFERS:
        set32(p + 8, n + 1);
        return 0;
    case PACK_TRAILER_DIFFERS:
        p[*plen - 1] ^= 0x01;
        return 0;
    case PACK_NOT_A_PACK:
        memcpy(p, "KCAP", 4);
        return 0;
    case PACK_TRUNCATED:
        *plen = 20;
        return 0;
    default:
        fail();
    }
    return 0;
}

static void test_index_damage_is_refused(void **state)
{
    const char *dir = *state;
    unsigned char *idx0 = NULL, *pack0 = NULL, *d, *p;
    size_t idx_len0, pack_len0, len, plen;
    cn_pack_index *ix = NULL;
    char *pack = NULL, *idx = NULL;
    int kind, failures = 0, r;

    assert_int_equal(repo_sh(dir, "%s", history), 0);
    pack = copy_pack(dir, "bad");
    idx = idx_path_of(pack);
    load(&idx0, &idx_len0, idx);
    load(&pack0, &pack_len0, pack);
    assert_non_null(d = malloc(idx_len0 + 64));
    assert_non_null(p = malloc(pack_len0));
    for (kind = 0; kind < NDAMAGE; kind++) {
        /* the index and the pack disagree on the pack's SHA-1: either may be
         * the one damaged, so naming either will do */
        int pack_side = kind >= PACK_SHA_DIFFERS;
        memcpy(d, idx0, idx_len0);
        memcpy(p, pack0, pack_len0);
        len = idx_len0;
        plen = pack_len0;
        if (apply_damage((damage)kind, d, &len, p, &plen))
            sha1(d + len - 20, d, len - 20);
        save(idx, d, len);
        save(pack, p, plen);
        cn_error_clear();
        r = cn_pack_index_open(&ix, pack);
        /* Each is refused as damage, naming the file that is damaged. */
        if (r != CN_EINVAL || ix != NULL ||
            (strstr(cn_error_message(), pack_side ? pack : idx) == NULL &&
             (kind != PACK_SHA_DIFFERS || strstr(cn_error_message(), idx) == NULL))) {
            print_error("%s: got %d (%s), want CN_EINVAL naming %s\n", damage_names[kind], r,
                        cn_error_message(), pack_side ? pack : idx);
            failures++;
        }
        cn_pack_index_free(ix);
        ix = NULL;
    }
    /* and the undamaged copy opens */
    save(idx, idx0, idx_len0);
    save(pack, pack0, pack_len0);
    assert_int_equal(cn_pack_index_open(&ix, pack), 0);
    cn_pack_index_free(ix);
    assert_int_equal(failures, 0);
    free(d);
    free(p);
    free(idx0);
    free(pack0);
    free(idx);
    free(pack);
}

/* An index stating more objects than one may hold is refused by its count,
 * before anything is sized by it. */
static void test_index_count_over_limit(void **state)
{
    const char *dir = *state;
    unsigned char *d = NULL;
    size_t len;
    cn_pack_index *ix = NULL;
    char *pack, *idx;

    assert_int_equal(repo_sh(dir, "%s", history), 0);
    pack = copy_pack(dir, "huge");
    idx = idx_path_of(pack);
    load(&d, &len, idx);
    set32(d + FANOUT + 255 * 4, 0xffffffffu);
    sha1(d + len - 20, d, len - 20);
    save(idx, d, len);
    assert_int_equal(cn_pack_index_open(&ix, pack), CN_ELIMIT);
    assert_non_null(strstr(cn_error_message(), idx));
    assert_null(ix);
    free(d);
    free(idx);
    free(pack);
}

/* ---- writing ------------------------------------------------------------ */

/* Offsets on both sides of 2^31 and past 2^32, in a sparse pack of
 * 8 GiB: they read back, and git's reader reads the same. */
static void test_index_large_offsets(void **state)
{
    const char *dir = *state;
    static const uint64_t offsets[] = {12, 0x7fffffffull, 0x80000000ull, 0x100000005ull,
                                       0x1ffffff00ull};
    const uint64_t pack_size = 0x200000000ull;
    cn_pack_index_entry e[5];
    unsigned char hdr[12] = {'P', 'A', 'C', 'K', 0, 0, 0, 2, 0, 0, 0, 5}, trailer[20];
    cn_pack_index *ix = NULL;
    char pack[128], idx[128], line[256], hex[GIT_OID_HEXSZ + 1];
    unsigned long long off;
    unsigned int crc;
    uint32_t pos;
    size_t i, lines = 0;
    int fd;
    FILE *p;

    memset(trailer, 0x5a, sizeof(trailer));
    for (i = 0; i < 5; i++) {
        memset(&e[i].oid, 0, sizeof(e[i].oid));
        e[i].oid.id[0] = (unsigned char)(0xf0 - 0x30 * i); /* not in name order */
        e[i].oid.id[19] = (unsigned char)i;
        e[i].offset = offsets[i];
        e[i].crc = 0xc0ffee00u + (uint32_t)i;
    }
    snprintf(pack, sizeof(pack), "%s/pack-big.pack", dir);
    snprintf(idx, sizeof(idx), "%s/pack-big.idx", dir);
    assert_true((fd = open(pack, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0);
    assert_int_equal(pwrite(fd, hdr, sizeof(hdr), 0), (ssize_t)sizeof(hdr));
    assert_int_equal(pwrite(fd, trailer, 20, (off_t)(pack_size - 20)), 20);
    assert_int_equal(close(fd), 0);
    assert_true((fd = open(idx, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0);
    assert_int_equal(cn_pack_index_write(fd, e, 5, trailer), 0);
    assert_int_equal(close(fd), 0);

    assert_int_equal(cn_pack_index_open(&ix, pack), 0);
    assert_int_equal(cn_pack_index_count(ix), 5);
    for (i = 0; i < 5; i++) {
        git_oid want;
        memset(&want, 0, sizeof(want));
        want.id[0] = (unsigned char)(0xf0 - 0x30 * i);
        want.id[19] = (unsigned char)i;
        assert_int_equal(cn_pack_index_find(&pos, ix, &want), 1);
        assert_int_equal(cn_pack_index_offset(ix, pos), offsets[i]);
        assert_int_equal(cn_pack_index_entry_len(ix, pos),
                         (i + 1 < 5 ? offsets[i + 1] : pack_size - 20) - offsets[i]);
        assert_int_equal(cn_pack_index_crc(ix, pos), 0xc0ffee00u + i);
        assert_int_equal(cn_pack_index_at_offset(&pos, ix, offsets[i]), 1);
        assert_int_equal(cn_pack_index_offset(ix, pos), offsets[i]);
    }
    cn_pack_index_free(ix);
    /* git reads the same offsets and CRC-32s */
    p = popen_path("git show-index <", idx);
    while (fgets(line, sizeof(line), p) != NULL) {
        git_oid oid;
        assert_int_equal(sscanf(line, "%llu %40s (%x)", &off, hex, &crc), 3);
        assert_int_equal(git_oid_fromstr(&oid, hex), 0);
        i = oid.id[19];
        assert_true(i < 5);
        assert_int_equal(off, offsets[i]);
        assert_int_equal(crc, 0xc0ffee00u + i);
        lines++;
    }
    assert_int_equal(pclose(p), 0);
    assert_int_equal(lines, 5);
}

/* Write the index of pack (given its entries) to out_idx. */
static void write_index(const char *out_idx, cn_pack_index_entry *e, size_t n,
                        const unsigned char sha[20])
{
    int fd = open(out_idx, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    assert_true(fd >= 0);
    assert_int_equal(cn_pack_index_write(fd, e, n, sha), 0);
    assert_int_equal(close(fd), 0);
}

/* git's own index of its pack, and `git index-pack`'s of a pack we wrote,
 * are what cn_pack_index_write writes, byte for byte. */
static void test_index_write_equals_git(void **state)
{
    const char *dir = *state;
    cn_pack_index *ix = NULL;
    cn_pack_index_entry *e = NULL;
    git_repository *src;
    cn_pack_plan *plan;
    unsigned char sha[20], *pack_bytes = NULL;
    size_t n, i, plen;
    char *pack, *idx, out[128];

    assert_int_equal(repo_sh(dir, "%s", history), 0);
    pack = copy_pack(dir, "git");
    idx = idx_path_of(pack);
    assert_int_equal(cn_pack_index_open(&ix, pack), 0);
    n = cn_pack_index_count(ix);
    assert_non_null(e = calloc(n, sizeof(*e)));
    for (i = 0; i < n; i++) {
        /* listed in reverse name order: the writer sorts */
        uint32_t pos = (uint32_t)(n - 1 - i);
        cn_pack_index_oid(&e[i].oid, ix, pos);
        e[i].offset = cn_pack_index_offset(ix, pos);
        e[i].crc = cn_pack_index_crc(ix, pos);
    }
    cn_pack_index_free(ix);
    load(&pack_bytes, &plen, pack);
    memcpy(sha, pack_bytes + plen - 20, 20);
    free(pack_bytes);
    snprintf(out, sizeof(out), "%s/ours.idx", dir);
    write_index(out, e, n, sha);
    assert_int_equal(repo_sh(dir, "cmp ours.idx '%s'", idx), 0);
    free(e);
    e = NULL;

    /* a pack written from a plan, indexed by us and by git */
    src = repo_open(dir, "src");
    plan = repo_plan(src, "HEAD", NULL, 0);
    assert_int_equal(repo_write_plan(plan, dir, "plan.pack", &e, sha), 0);
    write_index(out, e, cn_pack_plan_count(plan), sha);
    assert_int_equal(repo_sh(dir, "git index-pack --strict -o git.idx plan.pack >/dev/null && "
                                  "cmp ours.idx git.idx"),
                     0);
    cn_pack_plan_free(plan);
    git_repository_free(src);

    /* an empty pack */
    assert_int_equal(repo_sh(dir, "mkdir empty && cd empty && "
                                  "git -C ../src pack-objects ../empty/pack </dev/null >name && "
                                  "cp pack-$(cat name).pack pack-e.pack && "
                                  "tail -c 20 pack-e.pack >sha"),
                     0);
    {
        char shapath[128], epack[128];
        unsigned char *s = NULL;
        size_t slen;
        snprintf(shapath, sizeof(shapath), "%s/empty/sha", dir);
        load(&s, &slen, shapath);
        assert_int_equal(slen, 20);
        snprintf(out, sizeof(out), "%s/empty/pack-e.idx", dir);
        write_index(out, e, 0, s); /* e: not NULL, see test_index_write_empty_from_null */
        free(s);
        assert_int_equal(repo_sh(dir, "cd empty && cmp pack-e.idx pack-$(cat name).idx"), 0);
        snprintf(epack, sizeof(epack), "%s/empty/pack-e.pack", dir);
        assert_int_equal(cn_pack_index_open(&ix, epack), 0);
        assert_int_equal(cn_pack_index_count(ix), 0);
        cn_pack_index_free(ix);
    }
    free(e);
    free(idx);
    free(pack);
}

static void test_index_write_refuses_duplicates(void **state)
{
    const char *dir = *state;
    cn_pack_index_entry e[3];
    unsigned char sha[20] = {0};
    char path[128];
    struct stat st;
    int fd;

    memset(e, 0, sizeof(e));
    e[0].oid.id[0] = 0x10;
    e[0].offset = 12;
    e[1].oid.id[0] = 0x20;
    e[1].offset = 40;
    e[2].oid.id[0] = 0x10; /* e[0] again, elsewhere */
    e[2].offset = 80;
    snprintf(path, sizeof(path), "%s/dup.idx", dir);
    assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0);
    assert_int_equal(cn_pack_index_write(fd, e, 3, sha), CN_EINVAL);
    assert_int_equal(fstat(fd, &st), 0);
    assert_int_equal(st.st_size, 0); /* nothing written */
    assert_int_equal(close(fd), 0);
}

/* No entries at all may come as NULL (entries[0..0) is empty): the index
 * of an empty pack. Kept last: under UBSan a failure ends the program. */
static void test_index_write_empty_from_null(void **state)
{
    const char *dir = *state;
    unsigned char sha[20] = {0};
    unsigned char *d = NULL;
    char path[128];
    size_t len;
    int fd;

    snprintf(path, sizeof(path), "%s/empty.idx", dir);
    assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0);
    assert_int_equal(cn_pack_index_write(fd, NULL, 0, sha), 0);
    assert_int_equal(close(fd), 0);
    load(&d, &len, path);
    assert_int_equal(len, 8 + 1024 + 40);
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_index_agrees_with_verify_pack, repo_scratch_setup,
                                        repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_index_v1_is_unsupported, repo_scratch_setup,
                                        repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_index_missing_files, repo_scratch_setup,
                                        repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_index_damage_is_refused, repo_scratch_setup,
                                        repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_index_count_over_limit, repo_scratch_setup,
                                        repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_index_large_offsets, repo_scratch_setup,
                                        repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_index_write_equals_git, repo_scratch_setup,
                                        repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_index_write_refuses_duplicates, repo_scratch_setup,
                                        repo_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_index_write_empty_from_null, repo_scratch_setup,
                                        repo_scratch_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
