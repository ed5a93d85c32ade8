/*
 * item.c - item target paths, and checking the git tags behind them.
 */
#include "node/item.h"
#include "core/error.h"
#include "core/git.h"
#include "node/keys.h"
#include "node/verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cn_item_target_path(char out[CN_ITEM_TARGET_MAX], const char *item, const char *version,
                        const char *file)
{
    int n = snprintf(out, CN_ITEM_TARGET_MAX, "items/%s/%s/%s", item, version, file);
    if (n < 0 || n >= CN_ITEM_TARGET_MAX)
        return cn_error_set(CN_EINVAL, "item target path too long");
    return 0;
}

int cn_item_is_manifest_target(const char *path, const char **item, size_t *item_len,
                               const char **version, size_t *version_len)
{
    const char *a, *b;

    if (strncmp(path, "items/", 6) != 0)
        return 0;
    a = path + 6;
    if ((b = strchr(a, '/')) == NULL)
        return 0;
    *item = a;
    *item_len = (size_t)(b - a);
    *version = b + 1;
    if ((a = strchr(b + 1, '/')) == NULL || strcmp(a, "/manifest.json") != 0)
        return 0;
    *version_len = (size_t)(a - (b + 1));
    return 1;
}

static int verify_one(const cn_node *node, const char *item, const char *version,
                      const json_t *custom)
{
    const char *commit_hex = json_string_value(json_object_get(custom, "commit"));
    const char *tag_hex = json_string_value(json_object_get(custom, "tag"));
    unsigned char signer[CN_ED25519_PUB_LEN];
    git_repository *repo = NULL;
    git_reference *ref = NULL;
    git_oid tag, commit, target;
    char *path = cn_home_repo_path(node->home, node->home->node_id, item);
    char refname[160];
    int err;

    if (path == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if (commit_hex == NULL || tag_hex == NULL || git_oid_fromstr(&commit, commit_hex) != 0 ||
        git_oid_fromstr(&tag, tag_hex) != 0) {
        err = cn_error_set(CN_EVERIFY, "%s@%s: signed metadata lacks the commit and tag ids", item,
                           version);
        goto out;
    }
    if (git_repository_open_bare(&repo, path) != 0) {
        err = cn_error_set(CN_EVERIFY, "%s: repository missing or unreadable", path);
        goto out;
    }
    snprintf(refname, sizeof(refname), "refs/tags/v%s", version);
    if (git_reference_lookup(&ref, repo, refname) != 0 || git_reference_target(ref) == NULL ||
        !git_oid_equal(git_reference_target(ref), &tag)) {
        err = cn_error_set(CN_EVERIFY, "%s: %s is not the tag the signed metadata names", path,
                           refname);
        goto out;
    }
    if ((err = cn_git_tag_verify(signer, &target, repo, &tag)) != 0) {
        err = cn_error_wrap(CN_EVERIFY, "%s: tag v%s", path, version);
        goto out;
    }
    if (!cn_node_is_role_key(node, CN_TUF_TARGETS, signer)) {
        err = cn_error_set(CN_EVERIFY, "%s: tag v%s is signed by a key that is not this node's",
                           path, version);
        goto out;
    }
    if (!git_oid_equal(&target, &commit))
        err = cn_error_set(CN_EVERIFY, "%s: tag v%s points at a commit the metadata does not name",
                           path, version);
out:
    git_reference_free(ref);
    git_repository_free(repo);
    free(path);
    return err;
}

int cn_verify_item_tags(const cn_node *node, const char *only_item, const char *only_version,
                        size_t *nverified)
{
    size_t i, n = cn_tuf_repo_target_count(node->tuf), ilen, vlen;
    int err;

    *nverified = 0;
    for (i = 0; i < n; i++) {
        const cn_tuf_target_info *t = cn_tuf_repo_target_at(node->tuf, i);
        const char *item, *version;
        char iname[128], vname[128];
        if (!cn_item_is_manifest_target(t->path, &item, &ilen, &version, &vlen) ||
            ilen >= sizeof(iname) || vlen >= sizeof(vname))
            continue;
        snprintf(iname, sizeof(iname), "%.*s", (int)ilen, item);
        snprintf(vname, sizeof(vname), "%.*s", (int)vlen, version);
        if ((only_item && strcmp(only_item, iname) != 0) ||
            (only_version && strcmp(only_version, vname) != 0))
            continue;
        if ((err = verify_one(node, iname, vname, t->custom)) != 0)
            return err;
        (*nverified)++;
    }
    if (only_item && *nverified == 0)
        return cn_error_set(CN_ENOTFOUND, "%s%s%s is not published on this node", only_item,
                            only_version ? "@" : "", only_version ? only_version : "");
    return 0;
}
