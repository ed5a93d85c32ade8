/*
 * peers.h - the nodes this node follows, kept in state.db (SQLite, WAL).
 *
 * A peer is added from a URL (its base URL or any mirror of it): the pointer
 * /.well-known/citynode.json names the node id, tuf/1.root.json is fetched
 * and checked against it (and against the expected id when one is given), and
 * that root is pinned at <mirrors_dir>/<node id>/tuf/1.root.json. From then on
 * only the TUF chain from the pinned root decides (docs/PROTOCOL.md §8).
 *
 * A cn_peers handle is not thread-safe; open one per thread. Several
 * processes may open state.db at once (WAL, busy timeout); writers of a node
 * directory still hold its lock (node/home.h).
 */
#ifndef CN_PEERS_H
#define CN_PEERS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CN_PEER_ID_HEX 64

typedef struct cn_peers cn_peers;

typedef enum {
    CN_POLICY_MIRROR = 0, /* fetch every target, re-serve it */
    CN_POLICY_INDEX,      /* metadata and manifests only; bundles on demand */
    CN_POLICY_BLOCK,      /* known, never synced */
} cn_peer_policy;

typedef struct {
    char node_id[CN_PEER_ID_HEX + 1];
    char *alias; /* slug of the peer's name, unique among peers */
    char *name;  /* from the peer's pointer / node.json */
    char *url;   /* base URL given to peer add (may be a mirror's) */
    cn_peer_policy policy;
    char *via;                  /* NULL, or how it was added: "network:<node id>" */
    int64_t added;              /* unix time */
    int64_t last_sync;          /* unix time of the last finished attempt, 0 if never */
    char *last_result;          /* NULL, "ok", "unchanged" or "failed" */
    char *last_error;           /* the error message of the last failed attempt, or NULL */
    uint64_t timestamp_version; /* trusted timestamp version, 0 if none */
} cn_peer;

/* Open (creating if needed) state.db at db_path and its peers tables. */
int cn_peers_open(cn_peers **out, const char *db_path);

/* 1 if db_path is a state.db that holds the peers tables, 0 if it is
 * missing, empty or holds none (cn_peers_open would start it afresh), <0
 * with the error set when it cannot be read. Creates nothing. */
int cn_peers_db_exists(const char *db_path);
void cn_peers_free(cn_peers *db);

/* The SQLite handle, for other modules keeping their own tables in state.db. */
struct sqlite3 *cn_peers_sqlite(cn_peers *db);

const char *cn_peer_policy_name(cn_peer_policy policy);
/* "mirror", "index" or "block"; CN_EUSAGE naming the word otherwise. */
int cn_peer_policy_parse(cn_peer_policy *out, const char *name);

typedef struct {
    unsigned int version;    /* CN_PEER_ADD_OPTIONS_VERSION */
    const char *url;         /* required */
    cn_peer_policy policy;   /* default CN_POLICY_MIRROR */
    const char *expect;      /* full node id the root must hash to, or NULL (trust on first use) */
    const char *via;         /* recorded as cn_peer.via, or NULL */
    const char *mirrors_dir; /* required: where the root is pinned */
    const char *self_id;     /* this node's id: adding yourself is refused */
    long connect_timeout_s;  /* 0: default 10 */
    long timeout_s;          /* whole-request cap; 0: default 60 */
} cn_peer_add_options;

#define CN_PEER_ADD_OPTIONS_VERSION 1
#define CN_PEER_ADD_OPTIONS_INIT                                                                   \
    {                                                                                              \
        CN_PEER_ADD_OPTIONS_VERSION, NULL, CN_POLICY_MIRROR, NULL, NULL, NULL, NULL, 0, 0          \
    }

/* Add a peer (see the top of this file). The root is fetched from
 * <url>/tuf/1.root.json (the layout of PROTOCOL §2 under the URL given, so a
 * mirror's URL works even though its pointer copy names the publisher's
 * URLs). CN_EEXISTS if already a peer (its
 * row is left as is), CN_EVERIFY if the root does not hash to the pointer's or
 * the expected id, CN_ENET if the URL cannot be reached. On success *out (may
 * be NULL) is filled; free it with cn_peer_clear. Nothing is written on
 * failure. */
int cn_peers_add(cn_peer *out, cn_peers *db, const cn_peer_add_options *opts);

/* Find a peer by full id, unique id prefix (>= 8 hex digits) or alias.
 * CN_ENOTFOUND if none, CN_EUSAGE if the prefix is ambiguous. */
int cn_peers_get(cn_peer *out, cn_peers *db, const char *ref);

/* Every peer, ordered by alias. Free with cn_peer_list_free. */
int cn_peers_list(cn_peer **out, size_t *n, cn_peers *db);

/* 1 if node_id (full hex) is a peer not blocked, 0 if not, <0 on error. */
int cn_peers_is_followed(cn_peers *db, const char *node_id);

/* Fallback base URLs for a peer (mirrors of it: "<url>/mirrors/<node id>"),
 * learnt from the verified peers.json of other peers. */
int cn_peers_add_source(cn_peers *db, const char *node_id, const char *base_url,
                        const char *vouched_by);
int cn_peers_sources(char ***out, size_t *n, cn_peers *db, const char *node_id);

/* Stop following a peer: its row, its mirror directory and its mirrored
 * repositories are removed. */
int cn_peers_remove(cn_peers *db, const char *ref, const char *mirrors_dir, const char *repos_dir);

/* What a sync round records about a peer (cn_peers_record_sync). */
typedef struct {
    int64_t time;               /* when the attempt finished */
    const char *result;         /* "ok", "unchanged" or "failed" */
    const char *error;          /* message of a failed attempt, else NULL */
    uint64_t timestamp_version; /* 0: keep the stored one */
    int set_validators;         /* 1: store etag and last_modified (even NULL) */
    const char *etag;           /* the ETag timestamp.json was answered with */
    const char *last_modified;  /* its Last-Modified */
    const char *name;           /* the name from the verified node.json, or NULL to keep */
} cn_peer_sync_record;

int cn_peers_record_sync(cn_peers *db, const char *node_id, const cn_peer_sync_record *rec);

/* Make the writes between cn_peers_begin and cn_peers_commit one
 * transaction: a round records every peer it asked with one commit instead
 * of one per peer. cn_peers_begin takes the write lock (waiting up to the
 * busy timeout for another process's); cn_peers_commit commits, or rolls
 * back when it cannot, and says so. No nesting. */
int cn_peers_begin(cn_peers *db);
int cn_peers_commit(cn_peers *db);

/* The validators kept for the peer's timestamp.json (heap strings or NULL). */
int cn_peers_validators(char **etag, char **last_modified, cn_peers *db, const char *node_id);

/* Change a peer's policy. */
int cn_peers_set_policy(cn_peers *db, const char *node_id, cn_peer_policy policy);

/* Check the bytes of a pointer (/.well-known/citynode.json, at most
 * CN_PEER_POINTER_MAX): a JSON object with "citynode": 1, a "node" of 64
 * lowercase hex digits and an optional "name" string. node_id gets the id,
 * *name (may be NULL) a heap copy of the name with control characters
 * replaced, or NULL. CN_EINVAL naming `what` otherwise. */
#define CN_PEER_POINTER_MAX (64 * 1024)
#define CN_PEER_ROOT_MAX    (1024 * 1024)
int cn_peer_pointer_parse(char node_id[CN_PEER_ID_HEX + 1], char **name, const void *data,
                          size_t len, const char *what);

/* 1 if s is exactly 64 lowercase hex digits. */
int cn_peer_is_node_id(const char *s);

void cn_peer_clear(cn_peer *peer);
void cn_peer_list_free(cn_peer *peers, size_t n);

#endif
