/*
 * discovery.h - the node's side of discovery (docs/PROTOCOL.md §10, §11):
 * publishing peers.json and network.json, listing candidate peers from the
 * peers' own peers.json, trusting a coordinator's network, and reading the
 * replication attestations peers published about an item.
 *
 * Functions that publish need the node open with CN_NODE_WRITE (they add a
 * target and commit the TUF repository). Functions named print_ or that take
 * a FILE write human-readable lines; the rest do not print.
 */
#ifndef CN_DISCOVERY_H
#define CN_DISCOVERY_H

#include "node/node.h"
#include "peers/discovery.h"
#include "peers/peers.h"
#include "schemas/diag.h"

#include <jansson.h>
#include <stdio.h>

/* Publish the peers this node follows (every peer not blocked, by node id:
 * node, name, url, policy) as the target peers.json, and commit, unless the
 * published peers.json already says exactly that (then nothing is written).
 * Nothing is published for a node that never followed anyone. */
int cn_discovery_publish_peers(cn_node *node, cn_peers *db);

/* Candidate peers: the nodes named in the verified peers.json of the peers
 * this node follows that are not peers here (any policy) and not this node.
 * *out is a new array of {"node", "name", "url", "vouched_by": [{"node",
 * "alias"}]} ordered by node id. A peer whose peers.json cannot be read is
 * skipped, and its problem written to warn (may be NULL). */
int cn_discovery_candidates(json_t **out, const cn_home *home, cn_peers *db, FILE *warn);

/* Print the candidates as a table (or JSON with as_json) on stdout. */
int cn_discovery_print_candidates(const cn_home *home, cn_peers *db, int as_json);

/* Read a network document written by people (YAML, or JSON) from path,
 * validate it against schemas/network.schema.json and publish it as the
 * target network.json (compact JSON, keys sorted), unless it is unchanged.
 * CN_EINVAL with one diagnostic per problem in diags (file, line, column,
 * key path) for an invalid document; nothing is written then. *network (may
 * be NULL) gets the network's name and *nmembers its member count. */
int cn_discovery_publish_network(cn_node *node, const char *path, cn_diagnostics *diags,
                                 char **network, size_t *nmembers);

/* Trust the network published by the followed peer `ref` (id, prefix or
 * alias): record it (members get policy) and add every member it lists
 * that is not a peer yet, pinned to its listed id and marked
 * via "network:<coordinator id>"; then republish peers.json. The
 * coordinator is synced first, so what is trusted is its current verified
 * network.json (CN_EUSAGE if it publishes none; the sync's code if the sync
 * fails; nothing is recorded then). Prints one line per member on out.
 * Returns 0, CN_EVERIFY if a
 * member's root does not hash to its listed id (that member is not added),
 * or the code of what else failed. */
int cn_discovery_trust_network(cn_node *node, cn_peers *db, const char *ref, cn_peer_policy policy,
                               FILE *out);

/* After a sync round (the hook node/sync.c calls): for every trusted
 * coordinator whose network.json changed since it was last handled, add its
 * new members (as above) and republish peers.json if anything was added.
 * Each member added, refused or not reachable is reported through progress
 * (ctx, member id, message); without progress, refusals go to stderr, as a
 * refused member is a verification failure someone must see. A refused or
 * unreachable member does not fail the round (the peers it synced are
 * fine): returns 0, or a code for what stops the node from recording
 * anything (state.db, publishing). */
int cn_discovery_after_sync(cn_node *node, cn_peers *db,
                            void (*progress)(void *ctx, const char *node_id, const char *message),
                            void *ctx);

/* The verified replication attestations (§11) that peers published about
 * node_id/item: a new array of {"by", "by_name", "as", "version", "date",
 * "commit", "tag", "attestation"} ordered by version then replicating node.
 * Only attestations whose "by" is the node that signed them are counted.
 * When the subject is this node (node_id == home->node_id), expected_tags
 * (may be NULL) maps version -> tag id the node published; an attestation
 * naming another tag is left out. */
int cn_discovery_replications(json_t **out, const cn_home *home, cn_peers *db, const char *node_id,
                              const char *item, const json_t *expected_tags);

/* The target path "attestations/<id>.json" of this node's attestation that
 * it replicated node_id/item@version, with id
 * "replicates-<first 16 digits of node_id>-<item>-<version>" and a '+' of
 * the version (build metadata) written as '_'. */
#define CN_ATTESTATION_PATH_MAX 200
int cn_discovery_attestation_path(char out[CN_ATTESTATION_PATH_MAX], const char *node_id,
                                  const char *item, const char *version);

/* Publish (add as a target and commit) the attestation §11 that this node
 * replicated node_id/item@version (commit and tag: 40 hex digits each) as
 * `as` (an item id of this node, or NULL), dated now. Replaces an earlier
 * attestation of the same subject. path gets the target path. */
int cn_discovery_publish_replication(char path[CN_ATTESTATION_PATH_MAX], cn_node *node,
                                     const char *node_id, const char *item, const char *version,
                                     const char *commit, const char *tag, const char *as);

#endif
