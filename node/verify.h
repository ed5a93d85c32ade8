/*
 * verify.h - checking a node's published items against its signed metadata.
 */
#ifndef CN_VERIFY_H
#define CN_VERIFY_H

#include "node/node.h"

#include <stddef.h>

/* The whole published tree (see cmd_verify.c): CN_EVERIFY naming the first
 * file that fails, whether it was altered or does not parse. */
int cn_verify_tree(const cn_home *home);

/* For each published item version (filtered as above): the bare repo's tag
 * v<version> is the tag object the signed metadata names, carries a valid
 * SSHSIG by one of the node's targets keys, and points at the signed commit. */
int cn_verify_item_tags(const cn_node *node, const char *only_item, const char *only_version,
                        size_t *nverified);

#endif
