/*
 * hint.h - telling other nodes that this node has something new
 * (docs/PROTOCOL.md §12): POST <base url>/inbox with
 * {"node": "<this node's id>", "timestamp": <timestamp version>}.
 *
 * Best effort: a hint only makes the receiver sync sooner, so it never fails
 * the work that sent it. Every request is capped at 5 s in all, follows no
 * redirect and speaks only http and https; the answer's body is ignored.
 */
#ifndef CN_HINT_H
#define CN_HINT_H

#include "core/buf.h"

#include <stddef.h>
#include <stdint.h>

/* Send one hint. 0 when the receiver answered 2xx (202 taken, 204 ignored),
 * CN_ENET (with a message naming the URL) otherwise. Safe to call from any
 * thread. */
int cn_hint_send(const char *base_url, const char *self_id, uint64_t timestamp_version);

/* Send a hint to the URL of every followed peer (policy mirror or index)
 * recorded in the state.db at db_path, 64 at a time, each given its 5 s
 * from its own start (memory does not grow with the number of peers). No
 * state.db means no peers: nothing is sent and the file is not created. A
 * peer added through a mirror's URL (".../mirrors/<its id>") is skipped: its
 * own server is not known. *sent (may be NULL) is the number of peers that
 * answered 2xx; failures (may be NULL) gets a line "URL: what happened" for
 * each other peer. Returns 0 unless state.db cannot be read. */
int cn_hint_send_peers(size_t *sent, cn_buf *failures, const char *db_path, const char *self_id,
                       uint64_t timestamp_version);

#endif
