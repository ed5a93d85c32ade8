/*
 * search_index.h - keeping the registry (registry/registry.h) current with what this
 * node publishes and what its peers' verified mirrors hold.
 *
 * Each function opens its own registry connection to <home>/state.db and
 * indexes one node per transaction: the node from its signed node.json, then
 * cn_registry_mark_node, every manifest target as a version and every
 * attestation target, then cn_registry_sweep_node, so that what left the
 * signed targets shows as withdrawn. A manifest or attestation the registry
 * refuses is skipped (the rest of the node is still indexed) and reported
 * through the return value. Nothing here prints.
 */
#ifndef CN_NODE_SEARCH_INDEX_H
#define CN_NODE_SEARCH_INDEX_H

#include "node/node.h"
#include "peers/sync.h"

/* Re-index this node's own items from its TUF targets and published tree. */
int cn_node_index_self(cn_node *node);
/* cn_node_index_self when the registry does not hold this node yet: a node
 * that has published nothing is then in its own registry too, so that its
 * page, GET /api/v1/ and its (empty) catalogs name it. */
int cn_node_index_self_missing(cn_node *node);

/* Index from its verified mirror (peers/mirror.h) every peer (policy mirror
 * or index; blocked peers are left alone) whose trusted metadata changed in
 * report (may be NULL), and every mirrored peer the registry does not know
 * yet (mirrored before the node had a registry, or whose indexing failed);
 * and once, every peer and this node's own items, when a migration of the
 * registry asks for it (cn_registry_reindex_pending: a state.db from
 * registry schema 1 lacks the versions' trees). Returns 0, or the first error after trying them
 * all. */
int cn_node_index_peers(cn_node *node, const cn_sync_report *report);

/* Index one peer from its verified mirror now, whether or not its metadata
 * changed: after `replicate` fetched an index peer's bundles on demand, its
 * repository holds the tags and trees the registry had no way to read
 * (the versions' swh:1:dir: SWHIDs). A blocked or never synced peer is left
 * alone. */
int cn_node_index_peer(cn_node *node, const char *node_id);

/* Drop a peer and everything it published from the registry (peer remove).
 * A node the registry never knew is fine. */
int cn_node_index_forget(cn_node *node, const char *node_id);

#endif
