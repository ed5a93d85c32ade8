/*
 * attestations.h - replication attestations (docs/PROTOCOL.md §11): a signed
 * target "attestations/replicates-….json" saying that its publisher
 * replicated another node's item version.
 *
 * Publishing needs the node open with CN_NODE_WRITE (it adds a target and
 * commits the TUF repository). Nothing here prints.
 */
#ifndef CN_NODE_ATTESTATIONS_H
#define CN_NODE_ATTESTATIONS_H

#include "node/node.h"
#include "peers/peers.h"

#include <jansson.h>

/* The verified replication attestations (§11) that peers published about
 * node_id/item: a new array of {"by", "by_name", "as", "version", "date",
 * "commit", "tag", "attestation"} ordered by version then replicating node.
 * Only attestations whose "by" is the node that signed them are counted.
 * When the subject is this node (node_id == home->node_id), expected_tags
 * (may be NULL) maps version -> tag id the node published; an attestation
 * naming another tag is left out. */
int cn_attestation_list(json_t **out, const cn_home *home, cn_peers *db, const char *node_id,
                        const char *item, const json_t *expected_tags);

/* The target path "attestations/<id>.json" of this node's attestation that
 * it replicated node_id/item@version, with id
 * "replicates-<first 16 digits of node_id>-<item>-<version>" and a '+' of
 * the version (build metadata) written as '_'. */
#define CN_ATTESTATION_PATH_MAX 200
int cn_attestation_path(char out[CN_ATTESTATION_PATH_MAX], const char *node_id, const char *item,
                        const char *version);

/* Publish (add as a target and commit) the attestation §11 that this node
 * replicated node_id/item@version (commit and tag: 40 hex digits each) as
 * `as` (an item id of this node, or NULL), dated now. Replaces an earlier
 * attestation of the same subject. path gets the target path. */
int cn_attestation_publish(char path[CN_ATTESTATION_PATH_MAX], cn_node *node, const char *node_id,
                           const char *item, const char *version, const char *commit,
                           const char *tag, const char *as);

#endif
