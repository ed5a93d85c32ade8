/*
 * verify.c - the root chain of a TUF tree and the keys it authorized over
 * time.
 *
 * A node rotates keys (docs/PROTOCOL.md §13) but its git tags keep the key
 * that signed them, so "is this a targets key of that node" asks the whole
 * chain of roots, each verified against its predecessor as a client walks
 * it, not only the newest root.
 */
#include "node/verify.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/file.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cn_verify_root_chain_free(cn_tuf_metadata **roots, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        cn_tuf_metadata_free(roots[i]);
    free(roots);
}

/* Read and parse <tree_dir>/tuf/<version>.root.json; CN_ENOTFOUND if absent. */
static int load_root(cn_tuf_metadata **out, const char *tree_dir, size_t version)
{
    unsigned char *data = NULL;
    cn_buf path = CN_BUF_INIT;
    size_t len;
    int err;

    *out = NULL;
    if ((err = cn_buf_printf(&path, "%s/tuf/%zu.root.json", tree_dir, version)) != 0)
        return err;
    if ((err = cn_file_read(&data, &len, (const char *)path.data, CN_TUF_MAX_ROOT_LEN)) != 0)
        goto out;
    err = cn_tuf_metadata_parse(out, data, len, CN_TUF_MAX_ROOT_LEN, CN_TUF_ROOT,
                                (const char *)path.data);
    if (err == 0 && cn_tuf_metadata_version(*out) != version)
        err = cn_error_set(CN_EVERIFY, "%s: says version %" PRIu64, (const char *)path.data,
                           cn_tuf_metadata_version(*out));
    if (err == CN_EINVAL || err == CN_ELIMIT)
        err = CN_EVERIFY;
out:
    if (err != 0) {
        cn_tuf_metadata_free(*out);
        *out = NULL;
    }
    free(data);
    cn_buf_free(&path);
    return err;
}

int cn_verify_root_chain(cn_tuf_metadata ***out, size_t *n, const char *tree_dir)
{
    cn_tuf_metadata **roots = NULL, *md = NULL;
    size_t count = 0;
    int err = 0;

    *out = NULL;
    *n = 0;
    while (count < CN_TUF_MAX_ROOT_ROTATIONS) {
        cn_tuf_metadata **grown;
        err = load_root(&md, tree_dir, count + 1);
        if (err == CN_ENOTFOUND && count > 0) {
            cn_error_clear();
            err = 0;
            break;
        }
        if (err != 0)
            goto out;
        /* Each root is signed by its own keys and by its predecessor's. */
        if ((err = cn_tuf_metadata_verify(md, md, CN_TUF_ROOT)) != 0 ||
            (count > 0 && (err = cn_tuf_metadata_verify(md, roots[count - 1], CN_TUF_ROOT)) != 0)) {
            err = cn_error_wrap(CN_EVERIFY, "%s/tuf/%zu.root.json", tree_dir, count + 1);
            goto out;
        }
        if ((grown = realloc(roots, (count + 1) * sizeof(*grown))) == NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
        roots = grown;
        roots[count++] = md;
        md = NULL;
    }
    *out = roots;
    *n = count;
    roots = NULL;
    count = 0;
out:
    cn_tuf_metadata_free(md);
    cn_verify_root_chain_free(roots, count);
    return err;
}

/* Append the keys `root` gives role to list, merging with entries already
 * there (same keyid: only "until" moves). */
static int merge_role_keys(json_t *list, const cn_tuf_metadata *root, cn_tuf_role role)
{
    const json_t *signed_ = cn_tuf_metadata_signed(root);
    const json_t *keys = json_object_get(signed_, "keys");
    const json_t *ids = json_object_get(
        json_object_get(json_object_get(signed_, "roles"), cn_tuf_role_name(role)), "keyids");
    json_int_t version = (json_int_t)cn_tuf_metadata_version(root);
    const json_t *id;
    size_t i, j;

    json_array_foreach(ids, i, id)
    {
        json_t *key = json_object_get(keys, json_string_value(id)), *entry, *e;
        int seen = 0;
        if (key == NULL || !json_is_string(id))
            continue;
        json_array_foreach(list, j, e)
        {
            if (json_equal(json_object_get(e, "keyid"), id)) {
                json_object_set_new(e, "until", json_integer(version));
                seen = 1;
            }
        }
        if (seen)
            continue;
        entry = json_pack("{s:O, s:O, s:I, s:I}", "keyid", id, "key", key, "since", version,
                          "until", version);
        if (entry == NULL || json_array_append_new(list, entry) != 0)
            return cn_error_set(CN_ENOMEM, "out of memory");
    }
    return 0;
}

int cn_verify_chain_role_keys(json_t **out, const char *tree_dir, cn_tuf_role role)
{
    cn_tuf_metadata **roots = NULL;
    json_t *list = NULL;
    size_t n = 0, i;
    int err;

    *out = NULL;
    if ((err = cn_verify_root_chain(&roots, &n, tree_dir)) != 0)
        return err;
    if ((list = json_array()) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < n; i++)
        if ((err = merge_role_keys(list, roots[i], role)) != 0)
            goto out;
    *out = list;
    list = NULL;
out:
    json_decref(list);
    cn_verify_root_chain_free(roots, n);
    return err;
}

int cn_verify_chain_has_key(const char *tree_dir, cn_tuf_role role,
                            const unsigned char pub[CN_ED25519_PUB_LEN])
{
    char hex[2 * CN_ED25519_PUB_LEN + 1];
    json_t *keys = NULL, *entry;
    size_t i;
    int err, found = 0;

    cn_hex_encode(hex, pub, CN_ED25519_PUB_LEN);
    if ((err = cn_verify_chain_role_keys(&keys, tree_dir, role)) != 0)
        return err;
    json_array_foreach(keys, i, entry)
    {
        const json_t *key = json_object_get(entry, "key");
        const char *k =
            json_string_value(json_object_get(json_object_get(key, "keyval"), "public"));
        const char *type = json_string_value(json_object_get(key, "keytype"));
        if (k && type && strcmp(type, "ed25519") == 0 && strcmp(k, hex) == 0)
            found = 1;
    }
    json_decref(keys);
    return found;
}
