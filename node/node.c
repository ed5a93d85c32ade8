/*
 * node.c - opening a node, reading what it published and publishing a target.
 */
#include "node/node.h"
#include "core/error.h"
#include "core/file.h"
#include "core/json.h"
#include "core/name.h"
#include "core/semver.h"
#include "node/config.h"
#include "node/keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The repository options config.yml asks for: metadata_layout 2 (the
 * default) writes a delegated role per item holding its newest version and
 * its checkpoint, the older versions' targets kept in history (<home>/targets-history.json;
 * docs/PROTOCOL.md §4.1). history is the caller's to free. */
static int repo_options(cn_tuf_repo_options *opts, char **history, const cn_home *home)
{
    cn_config *cfg = NULL;
    int err;

    if ((err = cn_config_read(&cfg, home->config_path)) != 0)
        return err;
    opts->delegate_items = cfg->metadata_layout == 2;
    cn_config_free(cfg);
    if ((*history = cn_path_join(home->root, "targets-history.json")) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    opts->history_path = *history;
    return 0;
}

int cn_node_open(cn_node **out, const char *home_dir, int flags)
{
    cn_tuf_repo_options opts = CN_TUF_REPO_OPTIONS_INIT;
    char *history = NULL;
    cn_node *n = calloc(1, sizeof(*n));
    unsigned finishing = 0;
    int err;

    *out = NULL;
    if (n == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    err = cn_home_open(&n->home, home_dir,
                       CN_HOME_MUST_EXIST | ((flags & CN_NODE_WRITE) ? CN_HOME_LOCK : 0) |
                           ((flags & CN_NODE_WAIT) ? CN_HOME_WAIT : 0));
    if (err != 0)
        goto out;
    if ((flags & CN_NODE_WRITE) && (err = cn_node_keys_load(n, &finishing)) != 0)
        goto out;
    if ((err = repo_options(&opts, &history, n->home)) != 0)
        goto out;
    err = cn_tuf_repo_open(&n->tuf, n->home->public_dir, n->key ? &n->keys : NULL, &opts);
    if (err != 0) {
        cn_error_wrap(err, "cannot open the published tree in %s", n->home->public_dir);
        goto out;
    }
    if ((flags & CN_NODE_WRITE) && (err = cn_node_keys_finish_rotations(n, finishing)) != 0)
        goto out;
    *out = n;
    n = NULL;
out:
    free(history);
    cn_node_free(n);
    return err;
}

void cn_node_free(cn_node *node)
{
    int r;

    if (node == NULL)
        return;
    cn_tuf_repo_free(node->tuf);
    for (r = 0; r < CN_TUF_ROLE_COUNT; r++)
        cn_key_free(node->role_key[r]);
    cn_home_free(node->home);
    free(node);
}

int cn_node_read_target(unsigned char **out, size_t *outlen, const cn_node *node,
                        const char *target, size_t max)
{
    const cn_tuf_target_info *info;
    char *rel = NULL, *path = NULL;
    unsigned char *data = NULL;
    size_t len;
    int err;

    *out = NULL;
    *outlen = 0;
    if ((err = cn_tuf_repo_get_target(&info, node->tuf, target)) != 0)
        return err;
    if ((err = cn_tuf_target_consistent_path(&rel, target, info->sha256)) != 0)
        return err;
    if ((path = cn_path_join(node->home->public_dir, rel)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = cn_file_read(&data, &len, path, max)) != 0 ||
        (err = cn_tuf_verify_target_bytes(info, data, len)) != 0)
        goto out;
    *out = data;
    *outlen = len;
    data = NULL;
out:
    free(data);
    free(path);
    free(rel);
    return err;
}

int cn_node_read_manifest(json_t **out, const cn_node *node, const char *item, const char *version)
{
    char target[256];
    unsigned char *data = NULL;
    size_t len;
    int err;

    *out = NULL;
    snprintf(target, sizeof(target), "items/%s/%s/manifest.json", item, version);
    err = cn_node_read_target(&data, &len, node, target, CN_NODE_MANIFEST_MAX);
    if (err == CN_ENOTFOUND)
        return cn_error_set(CN_ENOTFOUND, "%s@%s is not published", item, version);
    if (err == 0)
        err = cn_json_parse(out, data, len, CN_JSON_MAX_DEPTH, target);
    free(data);
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
        return cn_error_set(CN_ENOTFOUND,
                            "item '%s' is not published on this node — `citynode search "
                            "--node %.12s` lists its items",
                            item, node->home->node_id);
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

int cn_node_publish_target(int *changed, cn_node *node, const char *target_path, const char *data,
                           size_t len, const json_t *custom)
{
    const cn_tuf_target_info *info;
    char digest[CN_SHA256_HEX_LEN + 1];
    int err;

    if (changed)
        *changed = 0;
    cn_sha256_hex(digest, data, len);
    if (cn_tuf_repo_get_target(&info, node->tuf, target_path) == 0 && info->length == len &&
        strcmp(info->sha256, digest) == 0)
        return 0;
    cn_error_clear();
    if ((err = cn_tuf_repo_add_target(node->tuf, target_path, data, len, custom)) != 0 ||
        (err = cn_tuf_repo_commit(node->tuf)) != 0)
        return cn_error_wrap(err, "cannot publish %s", target_path);
    if (changed)
        *changed = 1;
    return 0;
}
