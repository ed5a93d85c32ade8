/*
 * node.c - opening a node and reading what it published.
 */
#include "node/node.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/file.h"
#include "core/json.h"
#include "core/name.h"
#include "core/semver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CN_MANIFEST_MAX (1024 * 1024)

int cn_node_open(cn_node **out, const char *home_dir, int flags)
{
    cn_node *n = calloc(1, sizeof(*n));
    char *key_path = NULL;
    int err;

    *out = NULL;
    if (n == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    err = cn_home_open(&n->home, home_dir,
                       CN_HOME_MUST_EXIST | ((flags & CN_NODE_WRITE) ? CN_HOME_LOCK : 0));
    if (err != 0)
        goto out;
    if (flags & CN_NODE_WRITE) {
        if ((key_path = cn_path_join(n->home->keys_dir, CN_NODE_KEY_FILE)) == NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
        if ((err = cn_key_load_private(&n->key, key_path)) != 0)
            goto out;
        cn_tuf_keys_single(&n->keys, n->key);
    }
    err = cn_tuf_repo_open(&n->tuf, n->home->public_dir, n->key ? &n->keys : NULL, NULL);
    if (err != 0) {
        cn_error_wrap(err, "cannot open the published tree in %s", n->home->public_dir);
        goto out;
    }
    *out = n;
    n = NULL;
out:
    free(key_path);
    cn_node_free(n);
    return err;
}

void cn_node_free(cn_node *node)
{
    if (node == NULL)
        return;
    cn_tuf_repo_free(node->tuf);
    cn_key_free(node->key);
    cn_home_free(node->home);
    free(node);
}

int cn_node_read_manifest(json_t **out, const cn_node *node, const char *item, const char *version)
{
    const cn_tuf_target_info *info;
    char target[256], *rel = NULL, *path = NULL;
    unsigned char *data = NULL;
    size_t len;
    int err;

    *out = NULL;
    snprintf(target, sizeof(target), "items/%s/%s/manifest.json", item, version);
    if ((err = cn_tuf_repo_get_target(&info, node->tuf, target)) != 0)
        return cn_error_set(CN_ENOTFOUND, "%s@%s is not published", item, version);
    if ((err = cn_tuf_target_consistent_path(&rel, target, info->sha256)) != 0)
        return err;
    if ((path = cn_path_join(node->home->public_dir, rel)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = cn_file_read(&data, &len, path, CN_MANIFEST_MAX)) != 0)
        goto out;
    if ((err = cn_tuf_verify_target_bytes(info, data, len)) != 0)
        goto out;
    err = cn_json_parse(out, data, len, CN_JSON_MAX_DEPTH, path);
out:
    free(data);
    free(path);
    free(rel);
    return err;
}

int cn_node_latest_version(char **version, const json_t **custom, const cn_node *node,
                           const char *item)
{
    size_t i, n = cn_tuf_repo_target_count(node->tuf), plen;
    const char *best = NULL;
    const json_t *best_custom = NULL;
    char prefix[128];

    *version = NULL;
    snprintf(prefix, sizeof(prefix), "items/%s/", item);
    plen = strlen(prefix);
    for (i = 0; i < n; i++) {
        const cn_tuf_target_info *t = cn_tuf_repo_target_at(node->tuf, i);
        const char *v;
        if (strncmp(t->path, prefix, plen) != 0 || t->custom == NULL)
            continue;
        v = json_string_value(json_object_get(t->custom, "version"));
        if (v == NULL || cn_semver_check(v) != 0)
            continue;
        if (best == NULL || cn_semver_compare(v, best) > 0) {
            best = v;
            best_custom = t->custom;
        }
    }
    cn_error_clear();
    if (best == NULL)
        return cn_error_set(CN_ENOTFOUND, "item '%s' is not published on this node", item);
    if ((*version = strdup(best)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if (custom)
        *custom = best_custom;
    return 0;
}

int cn_node_parse_ref(char **item, char **version, const cn_node *node, const char *ref)
{
    const char *slash = strchr(ref, '/'), *at;
    size_t nlen;
    int err;

    *item = *version = NULL;
    if (slash == NULL)
        return cn_error_set(CN_EUSAGE, "'%s' is not NODE/ITEM[@VERSION]", ref);
    nlen = (size_t)(slash - ref);
    if (!(nlen == 4 && strncmp(ref, "self", 4) == 0) &&
        !(nlen >= 8 && nlen <= CN_NODE_ID_HEX && strncmp(ref, node->home->node_id, nlen) == 0))
        return cn_error_set(CN_ENOTFOUND, "'%.*s' is not a node known here (this node is %.12s)",
                            (int)nlen, ref, node->home->node_id);
    at = strchr(slash + 1, '@');
    *item = at ? strndup(slash + 1, (size_t)(at - slash - 1)) : strdup(slash + 1);
    if (*item == NULL || (at && (*version = strdup(at + 1)) == NULL)) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto fail;
    }
    if ((err = cn_name_check_slug(*item)) != 0 || (*version && (err = cn_semver_check(*version))))
        goto fail;
    return 0;
fail:
    free(*item);
    free(*version);
    *item = *version = NULL;
    return err;
}

/* The public keys the current root authorizes for role, as key objects. */
int cn_node_role_keys(json_t **out, const cn_node *node, cn_tuf_role role)
{
    const unsigned char *bytes;
    cn_tuf_metadata *root = NULL;
    const json_t *signed_, *keyids, *keys;
    json_t *list = json_array(), *id;
    size_t len, i;
    int err;

    *out = NULL;
    bytes = cn_tuf_repo_root_bytes(node->tuf, &len);
    if ((err = cn_tuf_metadata_parse(&root, bytes, len, CN_TUF_MAX_ROOT_LEN, CN_TUF_ROOT,
                                     "root.json")) != 0)
        goto out;
    signed_ = cn_tuf_metadata_signed(root);
    keys = json_object_get(signed_, "keys");
    keyids = json_object_get(
        json_object_get(json_object_get(signed_, "roles"), cn_tuf_role_name(role)), "keyids");
    json_array_foreach(keyids, i, id)
    {
        json_t *k = json_object_get(keys, json_string_value(id));
        if (k)
            json_array_append_new(list, json_pack("{s:O, s:O}", "keyid", id, "key", k));
    }
    *out = list;
    list = NULL;
out:
    json_decref(list);
    cn_tuf_metadata_free(root);
    return err;
}

int cn_node_is_role_key(const cn_node *node, cn_tuf_role role,
                        const unsigned char pub[CN_ED25519_PUB_LEN])
{
    char hex[2 * CN_ED25519_PUB_LEN + 1];
    json_t *keys = NULL, *entry;
    size_t i;
    int found = 0;

    cn_hex_encode(hex, pub, CN_ED25519_PUB_LEN);
    if (cn_node_role_keys(&keys, node, role) != 0)
        return 0;
    json_array_foreach(keys, i, entry)
    {
        const char *k = json_string_value(
            json_object_get(json_object_get(json_object_get(entry, "key"), "keyval"), "public"));
        if (k && strcmp(k, hex) == 0)
            found = 1;
    }
    json_decref(keys);
    return found;
}
