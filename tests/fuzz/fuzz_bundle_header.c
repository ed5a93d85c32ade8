/*
 * fuzz_bundle_header.c - libFuzzer harness for the git bundle header parser.
 *
 * The input is the start of a bundle file. Anything may be refused (with one
 * of the parser's documented codes), nothing may crash, leak or read out of
 * bounds; a header that parses must respect the caps and describe only what
 * the input holds.
 */
#include "core/bundle.h"
#include "core/error.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cn_bundle_header *h = NULL;
    size_t i;
    int r = cn_bundle_header_parse(&h, data, size);

    if (r != 0) {
        if (h != NULL ||
            (r != CN_EINVAL && r != CN_ELIMIT && r != CN_EUNSUPPORTED && r != CN_ENOMEM))
            abort();
        return 0;
    }
    if (h->nrefs == 0 || h->nrefs > CN_BUNDLE_MAX_REFS || h->nprereqs > CN_BUNDLE_MAX_PREREQS ||
        h->pack_offset > size || h->pack_offset > CN_BUNDLE_MAX_HEADER ||
        data[h->pack_offset - 1] != '\n')
        abort();
    for (i = 0; i < h->nrefs; i++)
        if (strstr(h->refs[i].name, "..") != NULL || strlen(h->refs[i].name) == 0)
            abort();
    cn_bundle_header_free(h);
    return 0;
}
