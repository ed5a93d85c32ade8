/*
 * profile.c - node.json and the .well-known pointer.
 */
#include "node/profile.h"
#include "core/error.h"
#include "core/file.h"
#include "core/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CN_POINTER_VERSION 1

static int add_optional(json_t *obj, const char *key, const char *value)
{
    if (value == NULL)
        return 0;
    return json_object_set_new(obj, key, json_string(value)) == 0
               ? 0
               : cn_error_set(CN_EINVAL, "%s is not valid UTF-8", key);
}

int cn_profile_publish(cn_tuf_repo *tuf, const char *node_id, const cn_config *cfg)
{
    json_t *profile = json_object(), *custom = NULL;
    char *bytes = NULL;
    size_t len;
    int err;

    if (profile == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if ((err = add_optional(profile, "name", cfg->name)) != 0 ||
        (err = add_optional(profile, "url", cfg->url)) != 0 ||
        (err = add_optional(profile, "country", cfg->country)) != 0 ||
        (err = add_optional(profile, "code", cfg->code)) != 0 ||
        (err = add_optional(profile, "node", node_id)) != 0)
        goto out;
    if (cfg->nprogrammes > 0) {
        json_t *list = json_array();
        if (list == NULL || json_object_set_new(profile, "programmes", list) != 0) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < cfg->nprogrammes; i++)
            if (json_array_append_new(list, json_string(cfg->programmes[i])) != 0) {
                err = cn_error_set(CN_EINVAL, "programme '%s' is not valid UTF-8",
                                   cfg->programmes[i]);
                goto out;
            }
    }
    if ((err = cn_json_pretty(&bytes, &len, profile)) != 0)
        goto out;
    custom = json_pack("{s:s}", "kind", "node");
    err = cn_tuf_repo_add_target(tuf, "node.json", bytes, len, custom);
out:
    json_decref(custom);
    json_decref(profile);
    free(bytes);
    return err;
}

int cn_profile_pointer_bytes(char **out, size_t *len, const char *node_id, const cn_config *cfg)
{
    char metadata[600], targets[600];
    json_t *ptr;
    int err;

    *out = NULL;
    snprintf(metadata, sizeof(metadata), "%s/tuf/", cfg->url);
    snprintf(targets, sizeof(targets), "%s/targets/", cfg->url);
    ptr = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:[]}", "citynode", CN_POINTER_VERSION, "node",
                    node_id, "name", cfg->name, "url", cfg->url, "metadata", metadata, "targets",
                    targets, "mirrors");
    if (ptr == NULL)
        return cn_error_set(CN_EINVAL, "node name or URL is not valid UTF-8");
    err = cn_json_pretty(out, len, ptr);
    json_decref(ptr);
    return err;
}

int cn_profile_write_pointer(const char *public_dir, const char *node_id, const cn_config *cfg)
{
    char *dir = cn_path_join(public_dir, ".well-known"), *path = NULL, *bytes = NULL;
    size_t len;
    int err;

    if (dir == NULL || (path = cn_path_join(dir, "citynode.json")) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = cn_profile_pointer_bytes(&bytes, &len, node_id, cfg)) != 0 ||
        (err = cn_mkdir_p(dir, 0755)) != 0)
        goto out;
    err = cn_file_write_atomic(path, bytes, len, 0644);
out:
    free(bytes);
    free(path);
    free(dir);
    return err;
}
