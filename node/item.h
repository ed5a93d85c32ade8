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

#include <stddef.h>

#define CN_ITEM_TARGET_MAX 256

/* "items/<item>/<version>/<file>" into out; CN_EINVAL if it does not fit. */
int cn_item_target_path(char out[CN_ITEM_TARGET_MAX], const char *item, const char *version,
                        const char *file);

/* Is path "items/<item>/<version>/manifest.json"? On 1, item and version get
 * pointers/lengths into path. */
int cn_item_is_manifest_target(const char *path, const char **item, size_t *item_len,
                               const char **version, size_t *version_len);

#endif
