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

#include <git2.h>
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

#endif
