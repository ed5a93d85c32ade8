/*
 * item.h - how an item version appears in the published tree (DESIGN.md §4).
 *
 *   items/<item>/<version>/manifest.json   the validated manifest (canonical JSON)
 *   items/<item>/<version>/full.bundle     whole history up to the version
 *   items/<item>/<version>/delta.bundle    from the previous version's commit
 *
 * Each target's custom object carries {kind, item, version, file, commit, tag,
 * previous?}: what a follower needs before downloading.
 */
#ifndef CN_ITEM_H
#define CN_ITEM_H

#include "node/node.h"
#include "registry/registry.h"

#include <git2.h>
#include <jansson.h>
#include <stddef.h>

#define CN_ITEM_TARGET_MAX 256

/* "items/<item>/<version>/<file>" into out; CN_EINVAL if it does not fit. */
int cn_item_target_path(char out[CN_ITEM_TARGET_MAX], const char *item, const char *version,
                        const char *file);

/* Is path "items/<item>/<version>/manifest.json"? On 1, item and version get
 * pointers/lengths into path. */
int cn_item_is_manifest_target(const char *path, const char **item, size_t *item_len,
                               const char **version, size_t *version_len);

/* Is item@version named by the node's signed targets (its manifest target)? */
int cn_item_is_signed(const cn_node *node, const char *item, const char *version);

/* The tags v<version> of item's repository whose version the signed targets
 * do not name: left by a publish that was killed or failed before its commit
 * point (cmd_publish.c). out is filled as by git_tag_list_match; free it with
 * git_strarray_dispose. */
int cn_item_unsigned_tags(git_strarray *out, const cn_node *node, git_repository *repo,
                          const char *item);

/* Point refs/heads/main at commit (or remove it when commit is NULL: nothing
 * published), HEAD at refs/heads/main, and rewrite the files git's dumb HTTP
 * protocol reads (info/refs, objects/info/packs). */
int cn_item_repo_set_main(git_repository *repo, const git_oid *commit, const char *why);

/* Bring item's repository back to what the node's signed targets say, after
 * a publish was killed before its commit point: remove the stale lock and
 * temporary files it left, the tags of versions the targets do not name
 * (their names go to *removed, to be reported; free with
 * git_strarray_dispose), and point refs/heads/main at the newest signed
 * version's commit. Touches nothing when the repository already agrees.
 * The node must be open with CN_NODE_WRITE and its targets unchanged. */
int cn_item_repo_restore(git_strarray *removed, const cn_node *node, git_repository *repo,
                         const char *item);

/* ---- a version's files ------------------------------------------------ */

/* A version as its signed tag v<version> holds it, in the bare repository
 * <repos_dir>/<node>/<item>.git (the node's own items and mirrored peers'):
 * the tree files.zip packs and single files are served from. */
typedef struct {
    git_repository *repo;
    git_object *tag;
    git_commit *commit;
    git_tree *tree;
} cn_item_tree;

/* 0 and *v filled, or CN_ENOTFOUND (no such repository, tag or tree: an
 * index-only peer's item, or an unknown version) with nothing held and *v
 * zeroed (closing it then is harmless). repos_dir may be NULL. */
int cn_item_tree_open(cn_item_tree *v, const char *repos_dir, const char *node, const char *item,
                      const char *version);
void cn_item_tree_close(cn_item_tree *v);

/* What a file of a tree is to a browser, by its name's extension: an
 * allow-list of types (never HTML or a script type), what the page can
 * preview of it ("csv", "markdown", "image" or NULL), whether it is an
 * image (shown inline) or a text (inline on request). */
typedef struct {
    const char *ext, *ctype, *preview;
    int image, text;
} cn_item_file_type;

/* The type of path; application/octet-stream for anything not listed. */
const cn_item_file_type *cn_item_file_type_of(const char *path);

/* The URL "/download/<node>/<item>/<version>/files/<path>" (path
 * percent-encoded but for '/') as a new JSON string; NULL when out of memory. */
json_t *cn_item_file_url(const char *node, const char *item, const char *version, const char *path);

/* At most this many screenshots in an item document. */
#define CN_ITEM_SCREENSHOTS_MAX 10

/* Add to the registry's item document doc (cn_registry_item) what the tree
 * of its version tells (docs/api.yaml, Item): files_here (the tree is in
 * repos_dir), readme (the first of README.md, README.de.md, README.en.md,
 * readme.md, README.markdown at the top), logo (the manifest's logo) and
 * screenshots (its description's, per language, each once, at most
 * CN_ITEM_SCREENSHOTS_MAX) as download URLs, each only when it is an image
 * file of the tree: never a URL that would answer 404. */
int cn_item_describe_files(json_t *doc, const char *repos_dir);

/* Add "logo" to each result of a search document (cn_registry_search): a
 * solution's logo in its latest version, as cn_item_describe_files finds
 * it, when its files are in repos_dir; else null. */
int cn_item_describe_results(json_t *doc, cn_registry *reg, const char *repos_dir);

#endif
