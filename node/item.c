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

#include "core/buf.h"
#include "core/name.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

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
        return cn_error_set(CN_ENOTFOUND,
                            "%s%s%s is not published on this node — `citynode search "
                            "--node %.12s` lists its items",
                            only_item, only_version ? "@" : "", only_version ? only_version : "",
                            node->home->node_id);
    return only_version ? 0 : verify_no_unsigned_tags(node, only_item);
}

/* ---- a version's files ------------------------------------------------ */

int cn_item_tree_open(cn_item_tree *v, const char *repos_dir, const char *node, const char *item,
                      const char *version)
{
    char path[4096], ref[300];

    memset(v, 0, sizeof(*v));
    snprintf(path, sizeof(path), "%s/%s/%s.git", repos_dir ? repos_dir : "", node, item);
    snprintf(ref, sizeof(ref), "refs/tags/v%s", version);
    if (repos_dir == NULL || git_repository_open_bare(&v->repo, path) != 0 ||
        git_revparse_single(&v->tag, v->repo, ref) != 0 ||
        git_object_peel((git_object **)&v->commit, v->tag, GIT_OBJECT_COMMIT) != 0 ||
        git_commit_tree(&v->tree, v->commit) != 0) {
        git_error_clear();
        cn_item_tree_close(v); /* what was opened before the step that failed */
        memset(v, 0, sizeof(*v));
        return CN_ENOTFOUND;
    }
    return 0;
}

void cn_item_tree_close(cn_item_tree *v)
{
    git_tree_free(v->tree);
    git_commit_free(v->commit);
    git_object_free(v->tag);
    git_repository_free(v->repo);
}

static const cn_item_file_type types[] = {
    {".png", "image/png", "image", 1, 0},
    {".jpg", "image/jpeg", "image", 1, 0},
    {".jpeg", "image/jpeg", "image", 1, 0},
    {".gif", "image/gif", "image", 1, 0},
    {".webp", "image/webp", "image", 1, 0},
    {".svg", "image/svg+xml", "image", 1, 0},
    {".csv", "text/csv", "csv", 0, 1},
    {".tsv", "text/tab-separated-values", "csv", 0, 1},
    {".txt", "text/plain; charset=utf-8", NULL, 0, 1},
    {".md", "text/markdown; charset=utf-8", "markdown", 0, 1},
    {".markdown", "text/markdown; charset=utf-8", "markdown", 0, 1},
    {".json", "application/json", NULL, 0, 0},
    {".pdf", "application/pdf", NULL, 0, 0},
};

static const cn_item_file_type octets = {"", "application/octet-stream", NULL, 0, 0};

const cn_item_file_type *cn_item_file_type_of(const char *path)
{
    const char *base = strrchr(path, '/'), *dot;

    base = base ? base + 1 : path;
    if ((dot = strrchr(base, '.')) == NULL)
        return &octets;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcasecmp(dot, types[i].ext) == 0)
            return &types[i];
    return &octets;
}

/* path percent-encoded for a URL, '/' kept (RFC 3986 unreserved kept too). */
static int url_path(cn_buf *out, const char *path)
{
    int err = 0;

    for (const unsigned char *p = (const unsigned char *)path; *p && err == 0; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~' || *p == '/')
            err = cn_buf_put(out, p, 1);
        else
            err = cn_buf_printf(out, "%%%02X", *p);
    }
    return err;
}

json_t *cn_item_file_url(const char *node, const char *item, const char *version, const char *path)
{
    cn_buf u = CN_BUF_INIT;
    json_t *s = NULL;

    if (cn_buf_printf(&u, "/download/%s/%s/%s/files/", node, item, version) == 0 &&
        url_path(&u, path) == 0)
        s = json_string((char *)u.data);
    cn_buf_free(&u);
    return s;
}

/* 1 if path names a regular file of v's tree. */
static int tree_has_file(const cn_item_tree *v, const char *path)
{
    git_tree_entry *e = NULL;
    int found = git_tree_entry_bypath(&e, v->tree, path) == 0 &&
                (git_tree_entry_filemode(e) == GIT_FILEMODE_BLOB ||
                 git_tree_entry_filemode(e) == GIT_FILEMODE_BLOB_EXECUTABLE);

    git_tree_entry_free(e);
    git_error_clear();
    return found;
}

/* The version an item document shows. */
typedef struct {
    const char *node, *item, *version;
    const json_t *manifest;
} version_ref;

/* The download URL of the image a manifest names at value (a path from the
 * top of the repository, "./" or "/" before it allowed), when it is an
 * image file of v's tree; else NULL (an absolute URL, a path that is not
 * there: never a URL that would answer 404). */
static json_t *image_url(const cn_item_tree *v, const version_ref *iv, const json_t *value)
{
    const char *path = json_string_value(value);

    if (path == NULL)
        return NULL;
    while (strncmp(path, "./", 2) == 0)
        path += 2;
    if (*path == '/')
        path++;
    if (*path == '\0' || cn_name_check_relpath(path, 4096) != 0) {
        cn_error_clear();
        return NULL;
    }
    if (!cn_item_file_type_of(path)->image || !tree_has_file(v, path))
        return NULL;
    return cn_item_file_url(iv->node, iv->item, iv->version, path);
}

static const char *const readmes[] = {"README.md", "README.de.md", "README.en.md", "readme.md",
                                      "README.markdown"};

/* The screenshots publiccode.yml names (per language of its description),
 * each image of the tree once, in the order of the languages, at most
 * CN_ITEM_SCREENSHOTS_MAX, appended to shots. */
static void add_screenshots(json_t *shots, const cn_item_tree *v, const version_ref *iv)
{
    json_t *desc = json_object_get(iv->manifest, "description");
    const char *lang;
    json_t *d;

    json_object_foreach(desc, lang, d)
    {
        json_t *list = json_object_get(d, "screenshots");
        for (size_t i = 0; i < json_array_size(list); i++) {
            json_t *u;
            size_t j;
            int seen = 0;
            if (json_array_size(shots) == CN_ITEM_SCREENSHOTS_MAX)
                return;
            if ((u = image_url(v, iv, json_array_get(list, i))) == NULL)
                continue;
            for (j = 0; j < json_array_size(shots); j++)
                seen |= json_equal(json_array_get(shots, j), u);
            if (seen)
                json_decref(u);
            else
                json_array_append_new(shots, u);
        }
        (void)lang;
    }
}

/* The version an item document shows, and its tree when its files are here
 * (1; close it), else 0. */
static int shown_version(version_ref *iv, cn_item_tree *v, const json_t *doc, const char *repos_dir)
{
    iv->node = json_string_value(json_object_get(json_object_get(doc, "node"), "id"));
    iv->item = json_string_value(json_object_get(doc, "item"));
    iv->version = json_string_value(json_object_get(json_object_get(doc, "version"), "version"));
    iv->manifest = json_object_get(json_object_get(doc, "version"), "manifest");
    return iv->node && iv->item && iv->version &&
           cn_item_tree_open(v, repos_dir, iv->node, iv->item, iv->version) == 0;
}

int cn_item_describe_files(json_t *doc, const char *repos_dir)
{
    version_ref iv;
    cn_item_tree v;
    json_t *shots = json_array(), *readme = json_null(), *logo = json_null();
    int here = shown_version(&iv, &v, doc, repos_dir);

    if (here) {
        json_t *u;
        size_t i;
        for (i = 0; i < sizeof(readmes) / sizeof(readmes[0]); i++)
            if (tree_has_file(&v, readmes[i])) {
                json_decref(readme);
                readme = json_string(readmes[i]);
                break;
            }
        if ((u = image_url(&v, &iv, json_object_get(iv.manifest, "logo"))) != NULL) {
            json_decref(logo);
            logo = u;
        }
        add_screenshots(shots, &v, &iv);
        cn_item_tree_close(&v);
    }
    if (json_object_set_new(doc, "files_here", json_boolean(here)) != 0 ||
        json_object_set_new(doc, "readme", readme) != 0 ||
        json_object_set_new(doc, "logo", logo) != 0 ||
        json_object_set_new(doc, "screenshots", shots) != 0)
        return cn_error_set(CN_ENOMEM, "out of memory");
    return 0;
}

int cn_item_describe_results(json_t *doc, cn_registry *reg, const char *repos_dir)
{
    json_t *r;
    size_t i;

    json_array_foreach(json_object_get(doc, "results"), i, r)
    {
        const char *node = json_string_value(json_object_get(r, "node"));
        const char *item = json_string_value(json_object_get(r, "item"));
        const char *kind = json_string_value(json_object_get(r, "kind"));
        json_t *logo = NULL, *item_doc = NULL;
        char repo[4096];
        struct stat st;
        version_ref iv;
        cn_item_tree v;

        snprintf(repo, sizeof(repo), "%s/%s/%s.git", repos_dir ? repos_dir : "", node ? node : "",
                 item ? item : "");
        /* Only a solution has a logo, and only one whose files are here
         * costs the registry's item document and one look into its tree
         * (not the readme and screenshots an item page needs). */
        if (node && item && kind && strcmp(kind, "solution") == 0 && repos_dir != NULL &&
            stat(repo, &st) == 0 && cn_registry_item(&item_doc, reg, node, item, NULL) == 0 &&
            shown_version(&iv, &v, item_doc, repos_dir)) {
            logo = image_url(&v, &iv, json_object_get(iv.manifest, "logo"));
            cn_item_tree_close(&v);
        }
        cn_error_clear();
        json_decref(item_doc);
        if (json_object_set_new(r, "logo", logo ? logo : json_null()) != 0)
            return cn_error_set(CN_ENOMEM, "out of memory");
    }
    return 0;
}
