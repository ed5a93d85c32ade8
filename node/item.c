/*
 * item.c - item target paths, the git tags behind them, and bringing an
 * item's repository back to what the signed targets say.
 */
#include "node/item.h"
#include "core/error.h"
#include "core/file.h"
#include "core/git.h"
#include "node/keys.h"
#include "node/verify.h"

#include <dirent.h>
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

int cn_item_is_signed(const cn_node *node, const char *item, const char *version)
{
    const cn_tuf_target_info *info;
    char target[CN_ITEM_TARGET_MAX];
    int yes;

    yes = cn_item_target_path(target, item, version, "manifest.json") == 0 &&
          cn_tuf_repo_get_target(&info, node->tuf, target) == 0;
    cn_error_clear();
    return yes;
}

int cn_item_unsigned_tags(git_strarray *out, const cn_node *node, git_repository *repo,
                          const char *item)
{
    size_t i, kept = 0;

    memset(out, 0, sizeof(*out));
    if (git_tag_list_match(out, "v*", repo) < 0)
        return cn_git_error(CN_ERROR, "cannot list tags");
    for (i = 0; i < out->count; i++) {
        if (cn_item_is_signed(node, item, out->strings[i] + 1))
            free(out->strings[i]);
        else
            out->strings[kept++] = out->strings[i];
    }
    out->count = kept;
    return 0;
}

int cn_item_repo_set_main(git_repository *repo, const git_oid *commit, const char *why)
{
    git_reference *ref = NULL;
    int r, err = 0;

    if (commit == NULL) {
        r = git_reference_lookup(&ref, repo, "refs/heads/main");
        if (r == 0 && git_reference_delete(ref) < 0)
            err = cn_git_error(CN_ERROR, "cannot remove refs/heads/main");
        else if (r < 0 && r != GIT_ENOTFOUND)
            err = cn_git_error(CN_ERROR, "cannot read refs/heads/main");
    } else if (git_reference_create(&ref, repo, "refs/heads/main", commit, 1, why) < 0) {
        err = cn_git_error(CN_ERROR, "cannot move refs/heads/main");
    }
    git_reference_free(ref);
    if (err == 0 && git_repository_set_head(repo, "refs/heads/main") < 0)
        err = cn_git_error(CN_ERROR, "cannot point HEAD at refs/heads/main");
    if (err == 0 && (err = cn_git_update_server_info(repo)) != 0)
        err = cn_error_wrap(err, "cannot update the repository's info/refs");
    return err;
}

/* Where refs/heads/main should be: the newest signed version's commit, or
 * nothing (*none) when the item was never published. */
static int signed_main(git_oid *out, int *none, const cn_node *node, const char *item)
{
    const json_t *custom = NULL;
    const char *hex;
    char *version = NULL;
    int err;

    *none = 0;
    if ((err = cn_node_latest_version(&version, &custom, node, item)) == CN_ENOTFOUND) {
        cn_error_clear();
        *none = 1;
        return 0;
    }
    if (err != 0)
        return err;
    hex = json_string_value(json_object_get(custom, "commit"));
    if (hex == NULL || git_oid_fromstr(out, hex) != 0)
        err = cn_error_set(CN_EVERIFY, "%s@%s: signed metadata lacks its commit id", item, version);
    free(version);
    return err;
}

int cn_item_repo_restore(git_strarray *removed, const cn_node *node, git_repository *repo,
                         const char *item)
{
    git_reference *ref = NULL;
    git_oid main;
    size_t i;
    int none, moved = 0, r, err;

    memset(removed, 0, sizeof(*removed));
    if ((err = cn_file_remove_stale(git_repository_path(repo))) != 0 ||
        (err = cn_item_unsigned_tags(removed, node, repo, item)) != 0 ||
        (err = signed_main(&main, &none, node, item)) != 0)
        goto out;
    for (i = 0; i < removed->count; i++) {
        char name[160];
        snprintf(name, sizeof(name), "refs/tags/%s", removed->strings[i]);
        if (git_reference_lookup(&ref, repo, name) < 0 || git_reference_delete(ref) < 0) {
            err = cn_git_error(CN_ERROR, name);
            goto out;
        }
        git_reference_free(ref);
        ref = NULL;
    }
    r = git_reference_lookup(&ref, repo, "refs/heads/main");
    if (r < 0 && r != GIT_ENOTFOUND) {
        err = cn_git_error(CN_ERROR, "cannot read refs/heads/main");
        goto out;
    }
    if (none)
        moved = r == 0;
    else
        moved = r != 0 || git_reference_target(ref) == NULL ||
                !git_oid_equal(git_reference_target(ref), &main);
    if (moved || removed->count > 0)
        err =
            cn_item_repo_set_main(repo, none ? NULL : &main, "citynode: back to the signed state");
out:
    git_reference_free(ref);
    if (err != 0)
        git_strarray_dispose(removed);
    return err;
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

/* The repository of item holds no tag of a version the targets do not name. */
static int verify_no_unsigned_tag(const cn_node *node, const char *item)
{
    char *path = cn_home_repo_path(node->home, node->home->node_id, item);
    git_repository *repo = NULL;
    git_strarray tags = {0};
    int err = 0;

    if (path == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if (git_repository_open_bare(&repo, path) != 0) {
        err = cn_error_set(CN_EVERIFY, "%s: repository unreadable", path);
        goto out;
    }
    if ((err = cn_item_unsigned_tags(&tags, node, repo, item)) == 0 && tags.count > 0)
        err = cn_error_set(CN_EVERIFY,
                           "%s: tag %s has no signed target (left by an interrupted publish of "
                           "%s@%s): publish %s again to redo it, or remove the tag with "
                           "`git -C %s tag -d %s`",
                           path, tags.strings[0], item, tags.strings[0] + 1, item, path,
                           tags.strings[0]);
out:
    git_strarray_dispose(&tags);
    git_repository_free(repo);
    free(path);
    return err;
}

/* Every own item repository (repos/<node id>/<item>.git, or only_item's):
 * no tag without a signed target. */
static int verify_no_unsigned_tags(const cn_node *node, const char *only_item)
{
    char *dir = cn_path_join(node->home->repos_dir, node->home->node_id);
    struct dirent *e;
    DIR *d = NULL;
    int err = 0;

    if (dir == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if (only_item != NULL) {
        char *path = cn_home_repo_path(node->home, node->home->node_id, only_item);
        if (path == NULL)
            err = cn_error_set(CN_ENOMEM, "out of memory");
        else if (cn_dir_exists(path))
            err = verify_no_unsigned_tag(node, only_item);
        free(path);
        goto out;
    }
    if ((d = opendir(dir)) == NULL)
        goto out; /* nothing published yet */
    while (err == 0 && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        char item[256];
        if (e->d_name[0] == '.' || n <= 4 || n - 4 >= sizeof(item) ||
            strcmp(e->d_name + n - 4, ".git") != 0)
            continue;
        snprintf(item, sizeof(item), "%.*s", (int)(n - 4), e->d_name);
        err = verify_no_unsigned_tag(node, item);
    }
out:
    if (d)
        closedir(d);
    free(dir);
    return err;
}

/* The item version whose manifest is target t, into iname and vname
 * (128 bytes each), if it is one and passes the filter. */
static int selected_version(char *iname, char *vname, const cn_tuf_target_info *t,
                            const char *only_item, const char *only_version)
{
    const char *item, *version;
    size_t ilen, vlen;

    if (!cn_item_is_manifest_target(t->path, &item, &ilen, &version, &vlen) || ilen >= 128 ||
        vlen >= 128)
        return 0;
    snprintf(iname, 128, "%.*s", (int)ilen, item);
    snprintf(vname, 128, "%.*s", (int)vlen, version);
    return !(only_item && strcmp(only_item, iname) != 0) &&
           !(only_version && strcmp(only_version, vname) != 0);
}

int cn_verify_item_tags(const cn_node *node, const char *only_item, const char *only_version,
                        size_t *nverified, const cn_progress *progress)
{
    size_t i, n = cn_tuf_repo_target_count(node->tuf), total = 0;
    char iname[128], vname[128];
    int err;

    *nverified = 0;
    for (i = 0; i < n && progress; i++)
        total += (size_t)selected_version(iname, vname, cn_tuf_repo_target_at(node->tuf, i),
                                          only_item, only_version);
    if (total == 0)
        progress = NULL; /* nothing to check: no phase */
    for (i = 0; i < n; i++) {
        const cn_tuf_target_info *t = cn_tuf_repo_target_at(node->tuf, i);
        if (!selected_version(iname, vname, t, only_item, only_version))
            continue;
        cn_progress_report(progress, CN_VERIFY_PHASE_ITEMS, *nverified, total);
        if ((err = verify_one(node, iname, vname, t->custom)) != 0)
            return err;
        (*nverified)++;
    }
    cn_progress_report(progress, CN_VERIFY_PHASE_ITEMS, *nverified, total);
    cn_progress_end(progress, CN_VERIFY_PHASE_ITEMS);
    if (only_item && *nverified == 0)
        return cn_error_set(CN_ENOTFOUND, "%s%s%s is not published on this node", only_item,
                            only_version ? "@" : "", only_version ? only_version : "");
    return only_version ? 0 : verify_no_unsigned_tags(node, only_item);
}
