/*
 * profile.c - node.json, the node's logo target and the .well-known pointer.
 */
#include "node/profile.h"
#include "core/error.h"
#include "core/file.h"
#include "core/hash.h"
#include "core/json.h"
#include "registry/registry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* Read the logo file: CN_EINVAL naming it and what to do unless it is a
 * regular file of 1 to CN_REGISTRY_LOGO_MAX bytes of a logo type. */
static int read_logo(unsigned char **data, size_t *len, const char **ext, const char *path)
{
    struct stat st;
    int err;

    *data = NULL;
    if (stat(path, &st) != 0)
        return cn_error_set(CN_EINVAL,
                            "logo: %s: %s; set logo: in config.yml to the path of the "
                            "city's logo (absolute, or relative to the node's directory)",
                            path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return cn_error_set(CN_EINVAL, "logo: %s is not a regular file", path);
    if (st.st_size == 0 || st.st_size > CN_REGISTRY_LOGO_MAX)
        return cn_error_set(CN_EINVAL,
                            "logo: %s has %lld bytes; a logo may have at most %d KiB (256 KiB): "
                            "use an SVG or a smaller PNG, JPEG or WebP",
                            path, (long long)st.st_size, CN_REGISTRY_LOGO_MAX / 1024);
    if ((err = cn_file_read(data, len, path, CN_REGISTRY_LOGO_MAX)) != 0)
        return cn_error_wrap(err, "logo");
    if ((*ext = cn_registry_logo_sniff(*data, *len)) == NULL) {
        free(*data);
        *data = NULL;
        return cn_error_set(CN_EINVAL,
                            "logo: %s is not a PNG, JPEG, WebP or SVG image (judged by its first "
                            "bytes, not its name); convert it to one of those",
                            path);
    }
    return 0;
}

int cn_profile_publish_logo(cn_tuf_repo *tuf, const char *home_root, const cn_config *cfg,
                            int *changed)
{
    static const char *const exts[] = {"png", "jpg", "webp", "svg"};
    unsigned char *data = NULL;
    char *file = NULL, target[32], sha[CN_SHA256_HEX_LEN + 1];
    const char *ext = NULL;
    const cn_tuf_target_info *t;
    json_t *custom = NULL;
    size_t len = 0, i;
    int err = 0, same = 0;

    if (changed)
        *changed = 0;
    if (cfg->logo != NULL) {
        file = cfg->logo[0] == '/' ? strdup(cfg->logo) : cn_path_join(home_root, cfg->logo);
        if (file == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        if ((err = read_logo(&data, &len, &ext, file)) != 0)
            goto out;
        snprintf(target, sizeof(target), "node-logo.%s", ext);
        cn_sha256_hex(sha, data, len);
        same = cn_tuf_repo_get_target(&t, tuf, target) == 0 && t->length == len &&
               strcmp(t->sha256, sha) == 0;
        cn_error_clear();
    }
    /* Every other logo target leaves (a new type has a new path). */
    for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
        char other[32];
        snprintf(other, sizeof(other), "node-logo.%s", exts[i]);
        if (ext && strcmp(ext, exts[i]) == 0)
            continue;
        if ((err = cn_tuf_repo_remove_target(tuf, other)) == 0) {
            if (changed)
                *changed = 1;
        } else if (err == CN_ENOTFOUND) {
            cn_error_clear();
            err = 0;
        } else {
            goto out;
        }
    }
    if (ext == NULL || same)
        goto out;
    if ((custom = json_pack("{s:s, s:s}", "kind", "node-logo", "type",
                            cn_registry_logo_type(target))) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = cn_tuf_repo_add_target(tuf, target, data, len, custom)) == 0 && changed)
        *changed = 1;
out:
    json_decref(custom);
    free(data);
    free(file);
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
