/*
 * netdocs.h - the network documents a node publishes and trusts
 * (docs/PROTOCOL.md §10): publishing peers.json and network.json, listing
 * candidate peers from the peers' own peers.json, and trusting a
 * coordinator's network. (Replication attestations, §11, are in
 * attestations.h; following peers is follow.h, which calls
 * cn_netdocs_after_sync after each round.)
 *
 * Functions that publish need the node open with CN_NODE_WRITE (they add a
 * target and commit the TUF repository). Functions named print_ or that take
 * a FILE write human-readable lines; the rest do not print.
 */
#ifndef CN_NODE_NETDOCS_H
#define CN_NODE_NETDOCS_H

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
int cn_netdocs_publish_peers(cn_node *node, cn_peers *db);

/* Candidate peers: the nodes named in the verified peers.json of the peers
 * this node follows that are not peers here (any policy) and not this node.
 * *out is a new array of {"node", "name", "url", "vouched_by": [{"node",
 * "alias"}]} ordered by node id. A peer whose peers.json cannot be read is
 * skipped, and its problem written to warn (may be NULL). */
int cn_netdocs_candidates(json_t **out, const cn_home *home, cn_peers *db, FILE *warn);

/* Print the candidates as a table (or JSON with as_json) on stdout. */
int cn_netdocs_print_candidates(const cn_home *home, cn_peers *db, int as_json);

/* Read a network document written by people (YAML, or JSON) from path,
 * validate it against schemas/network.schema.json and publish it as the
 * target network.json (compact JSON, keys sorted), unless it is unchanged.
 * CN_EINVAL with one diagnostic per problem in diags (file, line, column,
 * key path) for an invalid document; nothing is written then. *network (may
 * be NULL) gets the network's name and *nmembers its member count. */
int cn_netdocs_publish_network(cn_node *node, const char *path, cn_diagnostics *diags,
                               char **network, size_t *nmembers);

/* Trust the network published by the followed peer coordinator: record it
 * (members get policy) and add every member it lists that is not a peer yet,
 * pinned to its listed id and marked via "network:<coordinator id>"; then
 * republish peers.json. What is trusted is the coordinator's verified
 * network.json as mirrored now, so the caller syncs the coordinator first
 * (cn_node_sync_peer); CN_EUSAGE if it publishes none, and nothing is
 * recorded then. Prints one line per member on out. Returns 0, CN_EVERIFY
 * if a member's root does not hash to its listed id (that member is not
 * added), or the code of what else failed. */
int cn_netdocs_trust_network(cn_node *node, cn_peers *db, const cn_peer *coordinator,
                             cn_peer_policy policy, FILE *out);

/* After a sync round (the hook cn_node_sync calls): for every trusted
 * coordinator whose network.json changed since it was last handled, add its
 * new members (as above) and republish peers.json if anything was added.
 * Each member added, refused or not reachable is reported through progress
 * (ctx, member id, message); without progress, refusals go to stderr, as a
 * refused member is a verification failure someone must see. A refused or
 * unreachable member does not fail the round (the peers it synced are
 * fine): returns 0, or a code for what stops the node from recording
 * anything (state.db, publishing). */
int cn_netdocs_after_sync(cn_node *node, cn_peers *db,
                          void (*progress)(void *ctx, const char *node_id, const char *message),
                          void *ctx);

#endif
