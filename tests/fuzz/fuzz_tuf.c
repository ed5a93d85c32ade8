/*
 * fuzz_tuf.c - libFuzzer harness for TUF metadata parsing, signature
 * verification and the client workflow, against a fixed root.
 *
 * Input: one mode byte, then data. Modes 0-3 parse the data as root,
 * targets, snapshot or timestamp metadata and verify it against the fixed
 * root (and a parsed root against itself). Mode 4 runs a client refresh
 * from the fixed root where the repository serves the data split at "\xff\xff"
 * as timestamp, snapshot and targets, then searches its delegations (if
 * any) for a target and lists them. Anything may be refused, nothing may
 * crash, leak or read out of bounds, and every refusal is one of the
 * documented codes. Seeds: tests/data/tuf/fuzz-seeds/.
 */
#include "core/error.h"
#include "core/tuf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* tuf/1.root.json of a repository written by cn_tuf_tool (one ed25519 key). */
static const char fixed_root[] =
    "{\"signatures\":[{\"keyid\":\"d2eeee385468bbe598803414a0da5866551d497e30e42"
    "23141498786e4a9c0ba\",\"sig\":\"04289ca69f46076a540274cb8f1b89c89cc52ee64d"
    "eedae165cb27caf316acdd6c017a969606e31f274c6ad94cd266dc38e28f5c47621463"
    "fb2ce5e55dddcb0b\"}],\"signed\":{\"_type\":\"root\",\"consistent_snapshot\":tru"
    "e,\"expires\":\"2027-11-22T10:42:30Z\",\"keys\":{\"d2eeee385468bbe598803414a0"
    "da5866551d497e30e4223141498786e4a9c0ba\":{\"keytype\":\"ed25519\",\"keyval\":"
    "{\"public\":\"5e57b29b71f956bd63ab2d7e85a370e508d8c656b4e6212eb8f305a3d88"
    "bb555\"},\"scheme\":\"ed25519\"}},\"roles\":{\"root\":{\"keyids\":[\"d2eeee385468b"
    "be598803414a0da5866551d497e30e4223141498786e4a9c0ba\"],\"threshold\":1},\""
    "snapshot\":{\"keyids\":[\"d2eeee385468bbe598803414a0da5866551d497e30e42231"
    "41498786e4a9c0ba\"],\"threshold\":1},\"targets\":{\"keyids\":[\"d2eeee385468bb"
    "e598803414a0da5866551d497e30e4223141498786e4a9c0ba\"],\"threshold\":1},\"t"
    "imestamp\":{\"keyids\":[\"d2eeee385468bbe598803414a0da5866551d497e30e42231"
    "41498786e4a9c0ba\"],\"threshold\":1}},\"spec_version\":\"1.0.31\",\"version\":1"
    "}}";

#define FUZZ_NOW ((time_t)1700000000)

typedef struct {
    const uint8_t *part[3];
    size_t len[3];
} served;

static int fetch(void *ctx, const char *path, size_t max_len, unsigned char **out, size_t *outlen)
{
    const served *s = ctx;
    int i = -1;

    *out = NULL;
    if (strcmp(path, "tuf/timestamp.json") == 0)
        i = 0;
    else if (strstr(path, ".snapshot.json") != NULL)
        i = 1;
    else if (strstr(path, ".targets.json") != NULL)
        i = 2;
    if (i < 0)
        return cn_error_set(CN_ENOTFOUND, "%s: not served", path);
    if (s->len[i] > max_len)
        return cn_error_set(CN_ELIMIT, "%s: too long", path);
    if ((*out = malloc(s->len[i] + 1)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if (s->len[i])
        memcpy(*out, s->part[i], s->len[i]);
    *outlen = s->len[i];
    return 0;
}

static void check_code(int err)
{
    if (err != 0 && err != CN_EINVAL && err != CN_EVERIFY && err != CN_ELIMIT &&
        err != CN_ENOTFOUND && err != CN_ENOMEM)
        abort();
}

static void run_client(const uint8_t *data, size_t size)
{
    cn_tuf_client *c = NULL;
    served s;
    size_t i, n = 0, start = 0;

    memset(&s, 0, sizeof(s));
    for (i = 0; i + 1 < size && n < 2; i++) {
        if (data[i] == 0xff && data[i + 1] == 0xff) {
            s.part[n] = data + start;
            s.len[n++] = i - start;
            start = i + 2;
            i++;
        }
    }
    s.part[n] = data + start;
    s.len[n] = size - start;
    if (cn_tuf_client_new(&c, fixed_root, sizeof(fixed_root) - 1, FUZZ_NOW) != 0)
        abort();
    check_code(cn_tuf_client_refresh(c, fetch, &s));
    for (i = 0; i < cn_tuf_client_target_count(c); i++)
        if (cn_tuf_target_path_check(cn_tuf_client_target_at(c, i)->path) != 0)
            abort();
    /* Delegations the targets may name: a search and listing mode (the
     * repository serves no delegated role, so both end in a refusal). */
    if (cn_tuf_client_version(c, CN_TUF_TARGETS) != 0) {
        const cn_tuf_target_info *info;
        check_code(cn_tuf_client_find_target(&info, c, "items/x/1.0.0/manifest.json", fetch, &s));
        check_code(cn_tuf_client_load_delegations(c, fetch, &s));
    }
    cn_tuf_client_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cn_tuf_metadata *root = NULL, *md = NULL;
    cn_tuf_role role;
    int err;

    if (size < 1)
        return 0;
    if (data[0] >= CN_TUF_ROLE_COUNT) {
        run_client(data + 1, size - 1);
        return 0;
    }
    role = (cn_tuf_role)data[0];
    if (cn_tuf_metadata_parse(&root, fixed_root, sizeof(fixed_root) - 1, CN_TUF_MAX_ROOT_LEN,
                              CN_TUF_ROOT, "root.json") != 0)
        abort();
    err = cn_tuf_metadata_parse(&md, data + 1, size - 1, CN_TUF_MAX_METADATA_LEN, role, "fuzz");
    if (err != 0 && err != CN_EINVAL && err != CN_ELIMIT)
        abort();
    if (err == 0) {
        if (cn_tuf_metadata_role(md) != role || cn_tuf_metadata_version(md) < 1)
            abort();
        check_code(cn_tuf_metadata_verify(md, root, role));
        if (role == CN_TUF_ROOT)
            check_code(cn_tuf_metadata_verify(md, md, role));
        check_code(cn_tuf_metadata_check_expiry(md, FUZZ_NOW));
    }
    cn_tuf_metadata_free(md);
    cn_tuf_metadata_free(root);
    return 0;
}
