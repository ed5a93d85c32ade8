/*
 * mirror_history.c - the versions of a mirrored item that left its signed
 * targets (layout 2, docs/PROTOCOL.md §4.1, Older versions), as the mirror
 * repository proves them by their publisher-signed tags
 * (cn_mirror_check_history_tag, mirror.c): for show, replicate and the
 * registry.
 */
#include "peers/mirror.h"
#include "core/error.h"
#include "core/file.h"
#include "core/git.h"
#include "core/json.h"
#include "core/name.h"
#include "core/semver.h"
#include "peers/peers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* <repos_dir>/<node_id>/<item>.git opened, or NULL when it is not there. */
static git_repository *open_item_repo(const char *repos_dir, const char *node_id, const char *item)
{
    git_repository *repo = NULL;
    char rel[CN_PEER_ID_HEX + CN_SLUG_MAX + 8];
    char *path;

    snprintf(rel, sizeof(rel), "%s/%s.git", node_id, item);
    if ((path = cn_path_join(repos_dir, rel)) == NULL)
        return NULL;
    if (!cn_dir_exists(path) || git_repository_open_bare(&repo, path) != 0)
        repo = NULL;
    git_error_clear();
    free(path);
    return repo;
}

/* The message of a history tag is a manifest: at most this many bytes. */
#define HISTORY_MANIFEST_MAX (1024 * 1024)

/* refs/tags/v<version> of repo as cn_mirror_history_version checks it. */
static int history_tag(char commit[41], char tag[41], unsigned char **manifest,
                       size_t *manifest_len, git_repository *repo, const cn_tuf_client *trusted,
                       const char *item, const char *version)
{
    git_oid tag_oid;
    git_tag *t = NULL;
    char name[160];
    int err;

    snprintf(name, sizeof(name), "refs/tags/v%s", version);
    if (git_reference_name_to_id(&tag_oid, repo, name) != 0) {
        git_error_clear();
        return cn_error_set(CN_ENOTFOUND, "%s@%s is neither in the signed targets nor a tag here",
                            item, version);
    }
    if ((err = cn_mirror_check_history_tag(repo, trusted, version, &tag_oid)) != 0)
        return cn_error_wrap(err, "%s", item);
    if (git_tag_lookup(&t, repo, &tag_oid) != 0)
        return cn_git_error(CN_EVERIFY, "tag");
    git_oid_tostr(commit, 41, git_tag_target_id(t));
    git_oid_tostr(tag, 41, &tag_oid);
    git_tag_free(t);
    if (manifest == NULL)
        return 0;
    if ((err = cn_git_tag_message(manifest, manifest_len, repo, &tag_oid)) != 0)
        return err;
    if (*manifest_len > 0 && (*manifest)[*manifest_len - 1] == '\n')
        (*manifest_len)--;
    if (*manifest_len > HISTORY_MANIFEST_MAX) {
        free(*manifest);
        *manifest = NULL;
        return cn_error_set(CN_ELIMIT, "%s: tag v%s: a manifest of more than %d bytes", item,
                            version, HISTORY_MANIFEST_MAX);
    }
    return 0;
}

int cn_mirror_history_version(char commit[41], char tag[41], unsigned char **manifest,
                              size_t *manifest_len, const char *repos_dir, const char *node_id,
                              const cn_tuf_client *trusted, const char *item, const char *version)
{
    git_repository *repo = open_item_repo(repos_dir, node_id, item);
    int err;

    if (manifest)
        *manifest = NULL;
    if (repo == NULL)
        return cn_error_set(CN_ENOTFOUND, "%s@%s is neither in the signed targets nor a tag here",
                            item, version);
    err = history_tag(commit, tag, manifest, manifest_len, repo, trusted, item, version);
    git_repository_free(repo);
    return err;
}

static int version_cmp_json(const void *a, const void *b)
{
    return cn_semver_compare(json_string_value(json_object_get(*(json_t *const *)a, "version")),
                             json_string_value(json_object_get(*(json_t *const *)b, "version")));
}

/* One verified history tag as cn_mirror_history_versions lists it, or NULL
 * (left out: it does not verify, or its message is not a JSON object). */
static json_t *history_entry(git_repository *repo, const cn_tuf_client *trusted, const char *item,
                             const char *version, int with_manifest)
{
    unsigned char *bytes = NULL;
    char commit[41], tag[41];
    json_t *manifest = NULL, *entry = NULL;
    size_t len = 0;

    if (history_tag(commit, tag, with_manifest ? &bytes : NULL, &len, repo, trusted, item,
                    version) == 0 &&
        (!with_manifest ||
         (cn_json_parse(&manifest, (const char *)bytes, len, CN_JSON_MAX_DEPTH, "manifest") == 0 &&
          json_is_object(manifest))))
        entry = json_pack("{s:s, s:s, s:s, s:O?}", "version", version, "commit", commit, "tag", tag,
                          "manifest", manifest);
    cn_error_clear();
    json_decref(manifest);
    free(bytes);
    return entry;
}

int cn_mirror_history_versions(json_t **out, const char *repos_dir, const char *node_id,
                               const cn_tuf_client *trusted, const char *item, int with_manifest)
{
    git_repository *repo = open_item_repo(repos_dir, node_id, item);
    git_strarray tags = {NULL, 0};
    const cn_tuf_target_info *info;
    size_t i;
    int err = 0;

    if ((*out = json_array()) == NULL) {
        git_repository_free(repo);
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    if (repo == NULL)
        return 0;
    if (git_tag_list_match(&tags, "v*", repo) != 0) {
        err = cn_git_error(CN_ERROR, "cannot list the version tags");
        goto out;
    }
    for (i = 0; i < tags.count && err == 0; i++) {
        const char *version = tags.strings[i] + 1;
        char path[CN_TUF_MAX_TARGET_PATH + 1];
        json_t *entry;
        snprintf(path, sizeof(path), "items/%s/%s/manifest.json", item, version);
        if (cn_semver_check(version) != 0 ||
            cn_tuf_client_get_target_info(&info, trusted, path) == 0) {
            cn_error_clear();
            continue;
        }
        cn_error_clear();
        if ((entry = history_entry(repo, trusted, item, version, with_manifest)) != NULL &&
            json_array_append_new(*out, entry) != 0)
            err = cn_error_set(CN_ENOMEM, "out of memory");
    }
    if (err == 0)
        err = cn_json_array_sort(*out, version_cmp_json);
out:
    git_strarray_dispose(&tags);
    git_repository_free(repo);
    if (err != 0) {
        json_decref(*out);
        *out = NULL;
    }
    return err;
}
