/*
 * follow.h - following peers: state.db of the node, and one sync round with
 * the node's directories and limits followed by what a round sets off (the
 * new members of trusted networks, netdocs.h; the search index,
 * search_index.h; hints to the peers, peers/hint.h).
 *
 * Nothing here prints: `citynode sync` and `serve`'s background thread both
 * call cn_node_sync and report as they see fit.
 */
#ifndef CN_NODE_FOLLOW_H
#define CN_NODE_FOLLOW_H

#include "core/buf.h"
#include "node/node.h"
#include "peers/peers.h"
#include "peers/sync.h"

#include <stddef.h>

/* 0 if <home>/state.db may be opened: it holds the peers tables, or it is
 * missing or empty on a node that never added a peer. When it is missing or
 * empty but mirrors/ holds the pinned root of a peer, the state was lost
 * (deleted, truncated): CN_ERROR naming state.db and how to recover, as
 * opening it would silently start a node that follows nobody. */
int cn_node_state_check(const cn_home *home);

/* Open <home>/state.db (created if missing), after cn_node_state_check. */
int cn_node_peers_open(cn_peers **out, const cn_home *home);

/* Sync options for this node: its mirrors/, repos/ and tmp/ directories and
 * config.yml's transfer limits (no progress callback). */
int cn_node_sync_options(cn_sync_options *out, const cn_node *node);

/* One sync round over the peers named in refs (all followed peers when n is
 * 0) with the node's mirrors/, repos/ and tmp/ directories. The caller holds
 * the node's lock. progress (a line per event) and phases (how far the round
 * got, cn_sync_options's phases) may be NULL; both are called on the calling
 * thread.
 * Returns what cn_sync_round returns; *out is filled either way (may be NULL
 * if the round could not start) and freed with cn_sync_report_free. */
int cn_node_sync(cn_sync_report **out, cn_node *node, const char *const *refs, size_t n,
                 void (*progress)(void *ctx, const char *node_id, const char *message), void *ctx,
                 const cn_progress *phases);

/* cn_node_sync for one peer alone, its phases reported through phases (may
 * be NULL); a failure's message names the peer (its alias) and says why its
 * sync failed. */
int cn_node_sync_peer(cn_node *node, const cn_peer *peer, const cn_progress *phases);

/* Hint every followed peer that this node's metadata changed (docs/PROTOCOL.md
 * §12), after a publish, withdraw or sync that brought something new. Best
 * effort: the command's outcome stands whatever the peers answer, and no
 * error is left set. Returns how many peers took the hint; failures (may
 * be NULL) gets a line for each peer that did not, saying why. */
size_t cn_node_hint_peers(const cn_node *node, cn_buf *failures);

/* cn_node_hint_peers for a command: prints "hinted N peers" and a note for
 * each peer the hint did not reach, on stderr. */
void cn_node_hint_peers_report(const cn_node *node);

#endif
