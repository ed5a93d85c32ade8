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

/* The bytes of the pointer for node_id and cfg (heap, caller frees): what
 * cn_profile_write_pointer writes, and what `verify` compares against. */
int cn_profile_pointer_bytes(char **out, size_t *len, const char *node_id, const cn_config *cfg);

/* Write public/.well-known/citynode.json: node id, name, and where the
 * metadata and targets are. */
int cn_profile_write_pointer(const char *public_dir, const char *node_id, const cn_config *cfg);

#endif
