/*
 * sync.h - one sync round over the followed peers (docs/PROTOCOL.md §8).
 *
 * Every peer is refreshed in parallel over libcurl's multi interface: one
 * conditional request for timestamp.json per peer (If-None-Match /
 * If-Modified-Since from the last answer), then, for a peer with something
 * new, the TUF client workflow, the downloads its policy wants (capped at
 * the signed length, resumable, checked against the signed hash), the
 * bundles indexed into <repos_dir>/<node id>/<item>.git with their tags'
 * signatures checked, and finally refs and trusted metadata moved, metadata
 * last, timestamp.json last of all. One peer's failure never stops another.
 *
 * Peers with something new are refreshed, downloaded and indexed on up to
 * max_parallel (at most 8) threads; SQLite and the progress callback are only
 * used on the calling thread. A peer whose server fails (transport errors,
 * 404, 5xx) is tried through its fallback sources, mirrors of it learnt from
 * the verified peers.json of the nodes that vouch for it.
 *
 * Errors: a peer's result is CN_ENET for anything the server could not
 * deliver and CN_EVERIFY for anything that failed a check (including bodies
 * longer than their cap and malformed metadata), each with a one-line
 * message naming the URL, file, role or version.
 *
 * The caller holds the node directory's lock for the whole round.
 */
#ifndef CN_SYNC_H
#define CN_SYNC_H

#include <stddef.h> /* core/progress.h uses NULL without including it */

#include "core/progress.h"
#include "peers/peers.h"

#include <stdint.h>
#include <time.h>

typedef struct {
    unsigned int version;    /* CN_SYNC_OPTIONS_VERSION */
    const char *mirrors_dir; /* <home>/mirrors */
    const char *repos_dir;   /* <home>/repos */
    const char *tmp_dir;     /* <home>/tmp: partial downloads live here between runs */
    const char *self_id;     /* this node's id */
    time_t now;              /* 0: the real clock */
    long connect_timeout_s;  /* 0: default 10 */
    long low_speed_bytes;    /* abort a transfer slower than this many bytes/s ... */
    long low_speed_time_s;   /* ... for this long; 0/0: defaults 1024 B/s for 15 s */
    /* Transfers in flight at once per HTTP client (0: 16 downloads, and 256
     * timestamp checks, 16 to one host, fewer when RLIMIT_NOFILE is under
     * 1,024), and peers with something new synced at once on threads (0: 8;
     * never more than 8). */
    unsigned max_parallel;
    /* Progress for a terminal (may be NULL): called from the calling thread. */
    void (*progress)(void *ctx, const char *node_id, const char *message);
    void *progress_ctx;
    /* The largest object a bundle may make, whatever its signed length (0:
     * CN_BUNDLE_OBJECT_CEILING); below it, core/bundle.h's bound relative to
     * the signed length holds. */
    uint64_t max_object;
    /* How far the round got, in phases (may be NULL; calling thread only):
     * CN_SYNC_PHASE_PEERS, then for a peer synced on the calling thread
     * CN_SYNC_PHASE_METADATA and CN_SYNC_PHASE_FILES (counted in bytes), or
     * CN_SYNC_PHASE_CHANGED while several peers sync on worker threads. */
    const cn_progress *phases;
} cn_sync_options;

#define CN_SYNC_PHASE_PEERS    "Checking peers"    /* timestamp answers of the peers */
#define CN_SYNC_PHASE_METADATA "Fetching metadata" /* metadata files of one peer */
#define CN_SYNC_PHASE_FILES    "Receiving files"   /* bytes of target files and bundles */
#define CN_SYNC_PHASE_CHANGED  "Syncing peers"     /* peers with something new, done */

#define CN_SYNC_OPTIONS_VERSION 1
#define CN_SYNC_OPTIONS_INIT                                                                       \
    {                                                                                              \
        CN_SYNC_OPTIONS_VERSION, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, 0, NULL        \
    }

typedef struct {
    char node_id[CN_PEER_ID_HEX + 1];
    int err;     /* 0, or the CN_E* code the round ended with */
    char *error; /* its message, or NULL */
    int changed; /* 1 if new trusted metadata was stored */
    uint64_t timestamp_version;
    size_t targets_fetched; /* target files downloaded and stored */
    size_t requests;        /* HTTP requests made */
    uint64_t bytes;         /* body bytes received */
    char *source;           /* base URL the round used (the peer's, or a mirror's) */
    char **new_items;       /* "item@version" stored this round, NULL-terminated, or NULL */
} cn_sync_peer_result;

typedef struct {
    cn_sync_peer_result *peers;
    size_t npeers;
} cn_sync_report;

/* Sync the peers named in refs (ids, prefixes or aliases; all followed peers
 * when n is 0). Each peer's outcome is in the report and in its cn_peer row
 * (last_sync, last_result, last_error). Returns 0 if every peer synced,
 * otherwise the most severe code among them (CN_EVERIFY over CN_ENET over
 * others); *out is filled either way and freed with cn_sync_report_free. */
int cn_sync_round(cn_sync_report **out, cn_peers *db, const char *const *refs, size_t n,
                  const cn_sync_options *opts);
void cn_sync_report_free(cn_sync_report *report);

/* Fetch and store the bundles of one item version of a peer on demand (an
 * `index` peer, before `replicate`); version NULL for the newest. Same checks
 * and commit order as a round. */
int cn_sync_fetch_item(cn_peers *db, const char *node_id, const char *item, const char *version,
                       const cn_sync_options *opts);

#endif
