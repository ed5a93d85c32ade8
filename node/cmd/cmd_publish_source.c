/*
 * cmd_publish_source.c - which commit (or directory) a publish takes, and the
 * manifest read from it (cmd_publish_source.h).
 *
 * A git source is published as one commit, so the manifest validated and
 * signed is that commit's: for DIR's HEAD the working tree must agree with
 * it (no uncommitted changes to tracked files); for a ref, local or remote,
 * the working tree is not looked at, and the files the manifest names (a
 * logo, screenshots, a dataset's files) are looked up in the commit's tree.
 */
#include "node/cmd/cmd_publish_source.h"
#include "core/error.h"
#include "core/file.h"
#include "core/git.h"
#include "core/git_fetch.h"
#include "core/tree_check.h"
#include "node/config.h"
#include "peers/http.h"
#include "schemas/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest file a manifest names whose first bytes are read from a commit
 * (to tell an image): libgit2 inflates a blob whole. */
#define CN_PUBLISH_SNIFF_MAX (64u * 1024 * 1024)

static int is_git_repository(const char *dir)
{
    git_repository *r = NULL;
    int yes = git_repository_open_ext(&r, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) == 0;
    git_repository_free(r);
    return yes;
}

/* The tree of commit in src passes core/tree_check.h's rules; the message
 * of a refusal names label and the hostile path. */
static int check_commit_tree(git_repository *src, const git_oid *commit, const char *label)
{
    cn_tree_walk *walk = NULL;
    git_commit *c = NULL;
    int err;

    if (git_commit_lookup(&c, src, commit) < 0)
        return cn_git_error(CN_EINVAL, label);
    /* A hostile entry or a missing object in the source is invalid input. */
    if ((err = cn_tree_walk_new(&walk, src)) == 0 &&
        (err = cn_tree_walk_check(walk, git_commit_tree_id(c))) != 0 &&
        (err == CN_EINVAL || err == CN_EVERIFY))
        err = cn_error_wrap(CN_EINVAL, "%s", label);
    cn_tree_walk_free(walk);
    git_commit_free(c);
    return err;
}

/* "DIR: uncommitted changes to a, b and 3 more: ..." */
static int refuse_uncommitted(const char *dir, const git_strarray *changed)
{
    char list[512] = "";
    size_t i, used = 0;

    for (i = 0; i < changed->count && i < 5; i++) {
        int n =
            snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", changed->strings[i]);
        if (n < 0 || (size_t)n >= sizeof(list) - used)
            break;
        used += (size_t)n;
    }
    return cn_error_set(CN_EINVAL,
                        "%s: uncommitted changes to %s%s%s: a git repository is published as "
                        "its HEAD commit; commit or stash them first (or publish a tag or "
                        "branch with --ref)",
                        dir, list, i < changed->count ? " and more, " : "",
                        i < changed->count ? "see git status" : "");
}

/* The files a manifest names, looked up in a commit's tree. */
typedef struct {
    git_repository *repo;
    git_tree *tree;
    const char *label;
} tree_files;

static int tree_find(void *ctx, const char *rel, unsigned char *head, size_t n, size_t *got)
{
    tree_files *t = ctx;
    git_tree_entry *e = NULL;
    git_blob *blob = NULL;
    git_odb *odb = NULL;
    git_object_t type;
    size_t size = 0;
    char path[1024];
    int err = 1;

    *got = 0;
    while (strncmp(rel, "./", 2) == 0)
        rel += 2;
    if (snprintf(path, sizeof(path), "%s", rel) >= (int)sizeof(path))
        return 0;
    if (git_tree_entry_bypath(&e, t->tree, path) < 0 || git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
        git_tree_entry_free(e);
        git_error_clear();
        return 0;
    }
    if (n > 0) {
        if (git_repository_odb(&odb, t->repo) < 0 ||
            git_odb_read_header(&size, &type, odb, git_tree_entry_id(e)) < 0)
            err = cn_git_error(CN_ERROR, path);
        else if (size > CN_PUBLISH_SNIFF_MAX)
            err = cn_error_set(CN_ELIMIT, "%s: %s is larger than %u bytes", t->label, path,
                               CN_PUBLISH_SNIFF_MAX);
        else if (git_blob_lookup(&blob, t->repo, git_tree_entry_id(e)) < 0)
            err = cn_git_error(CN_ERROR, path);
        else {
            *got = size < n ? size : n;
            memcpy(head, git_blob_rawcontent(blob), *got);
        }
    }
    git_blob_free(blob);
    git_odb_free(odb);
    git_tree_entry_free(e);
    return err;
}

/* The manifest in commit's tree: the first of CN_MANIFEST_NAMES there. For
 * DIR's HEAD (dir set), it is named DIR/<name>, a manifest DIR has but the
 * commit lacks is refused as uncommitted, and the files it names are
 * looked up in DIR (which agrees with HEAD). Otherwise it is named
 * <label>@<ref>/<name> and the files are looked up in the commit. */
static int read_commit_manifest(cn_manifest **out, cn_diagnostics *diags, git_repository *src,
                                const git_oid *commit, const char *dir, const char *label,
                                const char *ref)
{
    static const char *const names[] = CN_MANIFEST_NAMES;
    tree_files files = {src, NULL, label};
    cn_manifest_files hook = {tree_find, &files};
    git_commit *c = NULL;
    unsigned char *data = NULL;
    char *file = NULL;
    size_t len = 0, i;
    int err = 0;

    for (i = 0; names[i] && file == NULL && err == 0; i++) {
        size_t n = strlen(label) + strlen(ref) + strlen(names[i]) + 3;
        if ((file = dir ? cn_path_join(dir, names[i]) : malloc(n)) == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        if (!dir)
            snprintf(file, n, "%s@%s/%s", label, ref, names[i]);
        err = cn_git_read_commit_file(&data, &len, src, commit, names[i], CN_YAML_MAX_BYTES);
        if (err == CN_ELIMIT)
            err = cn_error_set(CN_EINVAL, "%s: file is larger than %d bytes", file,
                               CN_YAML_MAX_BYTES);
        else if (err == CN_ENOTFOUND && dir && cn_file_exists(file))
            err = cn_error_set(CN_EINVAL,
                               "%s is not committed: a git repository is published as its HEAD "
                               "commit; commit it first",
                               file);
        else if (err == CN_ENOTFOUND) {
            cn_error_clear();
            err = 0;
            free(file);
            file = NULL;
        }
    }
    if (err == 0 && file == NULL)
        err = cn_error_set(CN_ENOTFOUND, "%s: no citynode.yml or publiccode.yml in %s", label,
                           dir ? "its HEAD commit" : ref);
    if (err == 0 && !dir &&
        (git_commit_lookup(&c, src, commit) < 0 || git_commit_tree(&files.tree, c) < 0))
        err = cn_git_error(CN_ERROR, label);
    if (err == 0)
        err = cn_manifest_parse_files(out, diags, data, len, file, dir ? NULL : &hook);
    git_tree_free(files.tree);
    git_commit_free(c);
    free(data);
    free(file);
    return err;
}

/* DIR's HEAD, with no uncommitted changes to tracked files. HEAD's tree is
 * checked first: a hostile path in it (.git/hooks/…) cannot be in an index,
 * so it would otherwise be reported as an uncommitted change. */
static int open_head(cn_publish_source *src, cn_manifest **m, cn_diagnostics *diags,
                     const char *dir)
{
    git_strarray changed = {0};
    git_repository *repo = NULL;
    int err;

    if ((err = cn_git_uncommitted_paths(&changed, &src->commit, dir)) != 0)
        return err;
    if (git_repository_open_ext(&repo, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
        err = cn_git_error(CN_EINVAL, dir);
    else if ((err = check_commit_tree(repo, &src->commit, dir)) == 0) {
        if (changed.count > 0)
            err = refuse_uncommitted(dir, &changed);
        else
            err = read_commit_manifest(m, diags, repo, &src->commit, dir, dir, "HEAD");
    }
    git_repository_free(repo);
    git_strarray_dispose(&changed);
    return err;
}

/* The commit ref names in the repository at src->repo_path (NULL: HEAD,
 * which a fetch resolved already into src->commit). */
static int open_ref(cn_publish_source *src, cn_manifest **m, cn_diagnostics *diags, const char *ref)
{
    git_repository *repo = NULL;
    int err;

    if (git_repository_open_ext(&repo, src->repo_path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
        return cn_git_error(CN_EINVAL, src->label);
    if (ref && !src->scratch && (err = cn_git_resolve_ref(&src->commit, repo, ref)) != 0)
        cn_error_wrap(err, "%s", src->label);
    else if ((err = check_commit_tree(repo, &src->commit, src->label)) == 0)
        err = read_commit_manifest(m, diags, repo, &src->commit, NULL, src->label,
                                   ref ? ref : "HEAD");
    git_repository_free(repo);
    return err;
}

/* Fetch ref of url into a new scratch repository, within config.yml's
 * sync bounds. */
static int fetch(cn_publish_source *src, const cn_node *node, const char *url, const char *ref,
                 const cn_progress *progress)
{
    cn_git_fetch_options opts = CN_GIT_FETCH_OPTIONS_INIT;
    git_repository *scratch = NULL;
    cn_config *cfg = NULL;
    int err;

    if (!cn_git_fetch_url_ok(url))
        return cn_error_set(CN_EUSAGE,
                            "%s: only http://, https:// and git:// URLs are fetched; publish a "
                            "local repository (or a clone) as publish [--ref REF] DIR",
                            src->label);
    if ((src->scratch = cn_path_join(node->home->tmp_dir, "publish-fetch")) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    /* A publish killed during its fetch left this; we hold the lock. */
    if ((err = cn_rmtree(src->scratch)) != 0 ||
        (err = cn_config_read(&cfg, node->home->config_path)) != 0 ||
        (err = cn_git_open_bare(&scratch, src->scratch)) != 0)
        goto out;
    opts.connect_timeout_s = (long)cfg->sync_connect_timeout;
    opts.low_speed_bytes = (long)cfg->sync_low_speed_limit;
    opts.low_speed_time_s = (long)cfg->sync_low_speed_time;
    opts.progress = progress;
    if ((err = cn_git_fetch(&src->commit, scratch, url, ref, &opts)) != 0)
        cn_error_wrap(err, "%s", src->label);
    else if ((src->repo_path = strdup(src->scratch)) == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
out:
    git_repository_free(scratch);
    cn_config_free(cfg);
    return err;
}

/* git's scp-like ssh address, [user@]host:path, which names no local path:
 * a ':' before any '/'. */
static int is_scp_like(const char *arg)
{
    const char *colon = strchr(arg, ':');

    return colon && colon > arg && memchr(arg, '/', (size_t)(colon - arg)) == NULL &&
           !cn_file_exists(arg) && !cn_dir_exists(arg);
}

int cn_publish_source_open(cn_publish_source *src, cn_manifest **m, cn_diagnostics *diags,
                           const cn_node *node, const char *arg, const char *ref,
                           const cn_progress *progress)
{
    int err;

    memset(src, 0, sizeof(*src));
    if ((src->label = strstr(arg, "://") ? cn_http_url_public(arg) : strdup(arg)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if (strstr(arg, "://"))
        return (err = fetch(src, node, arg, ref, progress)) != 0 ? err
                                                                 : open_ref(src, m, diags, ref);
    if (is_scp_like(arg))
        return cn_error_set(CN_EUSAGE,
                            "%s: repositories are not fetched over ssh; give an http(s):// or "
                            "git:// URL, or publish a clone as publish [--ref REF] DIR",
                            arg);
    if (!is_git_repository(arg)) {
        if (ref)
            return cn_error_set(CN_EUSAGE, "%s: --ref needs a git repository", arg);
        return cn_manifest_load(m, diags, arg);
    }
    if ((src->repo_path = strdup(arg)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    return ref ? open_ref(src, m, diags, ref) : open_head(src, m, diags, arg);
}

void cn_publish_source_close(cn_publish_source *src)
{
    if (src->scratch)
        cn_rmtree(src->scratch);
    free(src->scratch);
    free(src->repo_path);
    free(src->label);
    memset(src, 0, sizeof(*src));
}
