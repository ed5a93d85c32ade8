/*
 * verify.h - checking a node's published items against its signed metadata,
 * and the keys a root chain authorized over time.
 *
 * Tags keep the key that signed them (docs/PROTOCOL.md §13): a tag verifies
 * if its key was authorized for the targets role by any root of the chain,
 * not only by the newest one. The chain functions read a TUF tree laid out as
 * §2 (the node's public/ or a peer's mirror directory).
 */
#ifndef CN_VERIFY_H
#define CN_VERIFY_H

#include "core/tuf.h"
#include "node/node.h"

#include <jansson.h>
#include <stddef.h>

/* The phases of a verification (core/progress.h): the published files
 * hashed, in bytes; the item versions checked. */
#define CN_VERIFY_PHASE_FILES "Verifying files"
#define CN_VERIFY_PHASE_ITEMS "Verifying items"

/* The whole published tree (see cmd_verify.c): CN_EVERIFY naming the first
 * file that fails, whether it was altered or does not parse. The hashing of
 * its target files is reported through progress (may be NULL). */
int cn_verify_tree(const cn_home *home, const cn_progress *progress);

/* For each published item version (filtered as above): the bare repo's tag
 * v<version> is the tag object the signed metadata names, carries a valid
 * SSHSIG by one of the node's targets keys, and points at the signed commit.
 * Unless only_version is given, the item repositories (only_item's, or all
 * of the node's own) must hold no tag v<version> the targets do not name
 * (CN_EVERIFY naming it: an interrupted publish left it). Each version
 * checked is reported through progress (may be NULL). */
int cn_verify_item_tags(const cn_node *node, const char *only_item, const char *only_version,
                        size_t *nverified, const cn_progress *progress);

/* The root chain of the TUF tree at tree_dir: tuf/1.root.json, 2.root.json,
 * ... up to the first missing version (at most CN_TUF_MAX_ROOT_ROTATIONS),
 * each with the version its name says and signed by a threshold of its own
 * root keys and of its predecessor's. Expiry is not checked: old roots stay
 * valid history. *out is a heap array of *n parsed roots, oldest first;
 * free with cn_verify_root_chain_free. CN_ENOTFOUND if tuf/1.root.json is
 * missing, CN_EVERIFY naming the first root that fails. */
int cn_verify_root_chain(cn_tuf_metadata ***out, size_t *n, const char *tree_dir);
void cn_verify_root_chain_free(cn_tuf_metadata **roots, size_t n);

/* Every key some root of the chain at tree_dir authorized for role, each
 * once, in the order the chain first names them: a new JSON array of
 * {"keyid": HEX, "key": <TUF key object>, "since": first root version,
 * "until": last root version that lists it}. */
int cn_verify_chain_role_keys(json_t **out, const char *tree_dir, cn_tuf_role role);

/* 1 if some root of the chain at tree_dir authorized pub for role, 0 if
 * none did, a negative CN_E* code if the chain cannot be read. */
int cn_verify_chain_has_key(const char *tree_dir, cn_tuf_role role,
                            const unsigned char pub[CN_ED25519_PUB_LEN]);

#endif
