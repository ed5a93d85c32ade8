/*
 * fuzz_pack_index.c - libFuzzer harness for cn_pack_index_open
 * (core/pack_index.h): arbitrary bytes as a pack's .idx beside a pack
 * whose header and trailer may agree with them.
 *
 * The first byte steers: bit 0 makes the index's trailing SHA-1 right
 * (else nearly every input would stop at the checksum), bit 1 makes the
 * pack's object count and trailing SHA-1 the ones the index states, and
 * the other six bits size the pack (256 bytes to 16 KiB of filler). The
 * rest is the index.
 *
 * Anything may be refused with a documented code. An index that opens
 * must keep the promises the writer relies on: every entry inside the
 * pack, entry lengths tiling the pack from the first entry to the
 * trailer, each name found at its position and each offset at its entry;
 * and cn_pack_index_write's index of the same entries opens to the same.
 */
#include "core/error.h"
#include "core/pack_index.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

/* The scratch directory goes when the fuzzer exits. */
static void remove_dir(void)
{
    static const char *const names[] = {"pack-f.pack", "pack-f.idx", "pack-g.pack", "pack-g.idx"};
    char path[128];
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    git_libgit2_init();
    snprintf(dir, sizeof(dir), "/tmp/cn-fuzz-pack-index-XXXXXX");
    if (mkdtemp(dir) == NULL || atexit(remove_dir) != 0)
        abort();
    return 0;
}

static void put(const char *name, const void *data, size_t len)
{
    char path[128];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if ((fp = fopen(path, "wb")) == NULL || fwrite(data, 1, len, fp) != len || fclose(fp) != 0)
        abort();
}

static void check_code(int r)
{
    if (r != 0 && r != CN_EINVAL && r != CN_ELIMIT && r != CN_EUNSUPPORTED && r != CN_ENOMEM)
        abort();
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The promises an opened index keeps; its entries into e (count long). */
static void check_index(const cn_pack_index *ix, uint64_t pack_size, cn_pack_index_entry *e)
{
    size_t n = cn_pack_index_count(ix), i;
    uint64_t first = UINT64_MAX, total = 0, off, len;
    uint32_t pos;

    for (i = 0; i < n; i++) {
        cn_pack_index_oid(&e[i].oid, ix, (uint32_t)i);
        off = e[i].offset = cn_pack_index_offset(ix, (uint32_t)i);
        e[i].crc = cn_pack_index_crc(ix, (uint32_t)i);
        len = cn_pack_index_entry_len(ix, (uint32_t)i);
        if (off < 12 || len == 0 || off + len > pack_size - 20)
            abort();
        if (!cn_pack_index_find(&pos, ix, &e[i].oid) || pos != i)
            abort();
        if (!cn_pack_index_at_offset(&pos, ix, off) || pos != i)
            abort();
        first = off < first ? off : first;
        total += len;
    }
    if (n > 0 && first + total != pack_size - 20)
        abort();
}

/* Write the index of e[0..n) beside a copy of the pack and open it: the
 * same entries come back. */
static void check_rewrite(cn_pack_index_entry *e, size_t n, const unsigned char *pack,
                          size_t pack_len)
{
    cn_pack_index *ix = NULL;
    char path[128];
    size_t i;
    uint32_t pos;
    int fd;

    put("pack-g.pack", pack, pack_len);
    snprintf(path, sizeof(path), "%s/pack-g.idx", dir);
    if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
        abort();
    if (cn_pack_index_write(fd, e, n, pack + pack_len - 20) != 0 || close(fd) != 0)
        abort();
    snprintf(path, sizeof(path), "%s/pack-g.pack", dir);
    if (cn_pack_index_open(&ix, path) != 0 || cn_pack_index_count(ix) != n)
        abort();
    for (i = 0; i < n; i++)
        if (!cn_pack_index_find(&pos, ix, &e[i].oid) ||
            cn_pack_index_offset(ix, pos) != e[i].offset || cn_pack_index_crc(ix, pos) != e[i].crc)
            abort();
    cn_pack_index_free(ix);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *idx, *pack;
    size_t len, pack_len, filler;
    unsigned int shalen = 0;
    cn_pack_index_entry *e;
    cn_pack_index *ix = NULL;
    char path[128];
    uint32_t count = 3;
    int r;

    if (size < 1)
        return 0;
    len = size - 1;
    filler = (size_t)((data[0] >> 2) + 1) * 256;
    pack_len = 12 + filler + 20;
    if ((idx = malloc(len ? len : 1)) == NULL || (pack = calloc(1, pack_len)) == NULL)
        abort();
    memcpy(idx, data + 1, len);
    if ((data[0] & 1) && len >= 20 &&
        (EVP_Digest(idx, len - 20, idx + len - 20, &shalen, EVP_sha1(), NULL) != 1 || shalen != 20))
        abort();
    if ((data[0] & 2) && len >= 8 + 1024 + 40) {
        count = be32(idx + 8 + 255 * 4);
        memcpy(pack + pack_len - 20, idx + len - 40, 20);
    }
    memcpy(pack, "PACK\0\0\0\2", 8);
    pack[8] = (unsigned char)(count >> 24);
    pack[9] = (unsigned char)(count >> 16);
    pack[10] = (unsigned char)(count >> 8);
    pack[11] = (unsigned char)count;
    put("pack-f.pack", pack, pack_len);
    put("pack-f.idx", idx, len);
    snprintf(path, sizeof(path), "%s/pack-f.pack", dir);
    r = cn_pack_index_open(&ix, path);
    check_code(r);
    if (r == 0) {
        if ((e = calloc(cn_pack_index_count(ix) + 1, sizeof(*e))) == NULL)
            abort();
        check_index(ix, pack_len, e);
        check_rewrite(e, cn_pack_index_count(ix), pack, pack_len);
        free(e);
    } else if (ix != NULL) {
        abort();
    }
    cn_pack_index_free(ix);
    cn_error_clear();
    free(idx);
    free(pack);
    return 0;
}
