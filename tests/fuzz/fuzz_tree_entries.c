/*
 * fuzz_tree_entries.c - libFuzzer harness for what a follower reads of a
 * bundle before libgit2 does: tree objects (core/tree_check.h) and pack
 * entry headers and zlib streams (core/pack.h's scan).
 *
 * The first byte picks the target: tree bytes, a path, a name with a mode,
 * or a pack stream fed in slices whose sizes come from the input too.
 * Anything may be refused with a documented code; nothing may crash, leak,
 * read out of bounds, or accept a name the rules refuse.
 */
#include "core/error.h"
#include "core/pack.h"
#include "core/tree_check.h"

#include <git2.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    git_libgit2_init();
    return 0;
}

static void check_code(int r)
{
    if (r != 0 && r != CN_EINVAL && r != CN_ELIMIT && r != CN_ENOMEM)
        abort();
}

static int has_double_slash(const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 1; i < n; i++)
        if (p[i] == '/' && p[i - 1] == '/')
            return 1;
    return 0;
}

static void fuzz_pack(const uint8_t *data, size_t size)
{
    cn_pack_scan *scan = NULL;
    size_t at = 0, step;
    int r = 0;

    if (size < 2 || cn_pack_scan_new(&scan, (uint64_t)data[0] << 12) != 0)
        return;
    step = (size_t)data[1] + 1;
    data += 2;
    size -= 2;
    while (at < size && r == 0) {
        size_t n = size - at < step ? size - at : step;
        r = cn_pack_scan_feed(scan, data + at, n);
        at += n;
    }
    check_code(r);
    if (r == 0)
        check_code(cn_pack_scan_finish(scan));
    cn_pack_scan_free(scan);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned int mode;
    int r;

    if (size == 0)
        return 0;
    switch (data[0] & 3) {
    case 0:
        check_code(cn_tree_check_raw(data + 1, size - 1));
        break;
    case 1:
        r = cn_tree_check_path((const char *)data + 1, size - 1);
        check_code(r);
        /* A path that passes has no empty, "..", "." or ".git" part. */
        if (r == 0 && (size == 1 || has_double_slash(data + 1, size - 1) || data[1] == '/' ||
                       data[size - 1] == '/' || memchr(data + 1, '\0', size - 1) != NULL))
            abort();
        break;
    case 2:
        if (size < 3)
            return 0;
        mode = (unsigned int)data[1] << 8 | data[2];
        r = cn_tree_check_name((const char *)data + 3, size - 3, mode);
        check_code(r);
        if (r == 0 && ((size - 3 == 4 && memcmp(data + 3, ".git", 4) == 0) ||
                       (size - 3 == 2 && memcmp(data + 3, "..", 2) == 0)))
            abort();
        break;
    default:
        fuzz_pack(data + 1, size - 1);
        break;
    }
    cn_error_clear();
    return 0;
}
