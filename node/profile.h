/*
 * profile.h - the city's profile target (node.json) and the unsigned pointer
 * /.well-known/citynode.json (DESIGN.md §4).
 */
#ifndef CN_PROFILE_H
#define CN_PROFILE_H

#include "core/tuf.h"
#include "node/config.h"
#include "node/home.h"

/* Add the node.json target (name, country, code, url) to the pending targets. */
int cn_profile_publish(cn_tuf_repo *tuf, const char *node_id, const cn_config *cfg);

/* Make the pending targets carry cfg's logo (docs/PROTOCOL.md §5): the file
 * cfg->logo (absolute, or relative to home_root) read, at most
 * CN_REGISTRY_LOGO_MAX bytes, recognised by its first bytes as PNG, JPEG,
 * WebP or SVG, as the target node-logo.<ext> with custom {"kind":
 * "node-logo", "type"}; any other node-logo.* target removed; without
 * cfg->logo, every node-logo.* target removed. *changed (may be NULL) says
 * whether the targets changed (the same bytes at the same path change
 * nothing). CN_EINVAL naming the file and what to do for a file that is
 * missing, too large or of another type, before anything is staged. */
int cn_profile_publish_logo(cn_tuf_repo *tuf, const char *home_root, const cn_config *cfg,
                            int *changed);

/* The bytes of the pointer for node_id and cfg (heap, caller frees): what
 * cn_profile_write_pointer writes, and what `verify` compares against. */
int cn_profile_pointer_bytes(char **out, size_t *len, const char *node_id, const cn_config *cfg);

/* Write public/.well-known/citynode.json: node id, name, and where the
 * metadata and targets are. */
int cn_profile_write_pointer(const char *public_dir, const char *node_id, const cn_config *cfg);

#endif
