/*
 * sync_internal.h - what the parts of a sync round share (not a public
 * header: peers/sync.h is the module's face).
 *
 * A round (sync_round.c) asks every peer for timestamp.json and runs, for
 * each peer with something new, the per-peer pipeline (sync_peer.c):
 * the TUF refresh, planning (sync_plan.c), downloads (sync_download.c),
 * bundles indexed into quarantine (sync_quarantine.c), and the commit
 * (sync_commit.c). cn_sync_fetch_item runs the same pipeline for one item.
 *
 * Everything here works on one peer_run, owned by one thread at a time.
 */
#ifndef CN_SYNC_INTERNAL_H
#define CN_SYNC_INTERNAL_H

#include "core/bundle.h"
#include "core/name.h"
#include "core/tuf.h"
#include "peers/http.h"
#include "peers/sync.h"

#include <git2.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Longest wait for one metadata request (the pointer, TUF metadata). */
#define CN_SYNC_METADATA_TIMEOUT_S 300

/* ---------------------------------------------------------------------------
 * State of one peer's phase 2
 * ------------------------------------------------------------------------- */

typedef enum { TF_IDLE = 0, TF_WANTED, TF_OK, TF_MISSING } file_state;

typedef struct {
    const cn_tuf_target_info *info; /* borrowed from the client */
    char *tmp;                      /* download path in tmp/ */
    char *final;                    /* path in the mirror tree */
    file_state state;
    int stored;     /* in the mirror tree before this round */
    int downloaded; /* fetched this round */
    int bundle;     /* a full or delta bundle (fetched only when planned) */
    int unusable;   /* 404, or a delta whose prerequisite is missing */
    int restarted;  /* a resumed download that did not hash was fetched anew */
    int from_tag;   /* a manifest to take from its version's signed tag, not to download */
    int keep;       /* a bundle stored, not applied, so that a mirror can serve it (§4.1) */
    cn_http_request req;
} tfile;

typedef struct {
    const char *version; /* borrowed from the target's custom or path copy */
    char vbuf[128];
    const json_t *custom;
    tfile *full, *delta, *manifest;
    int has_tag; /* a verified tag for this version came in this round */
    git_oid tag;
} iversion;

typedef struct {
    int vi;
    int full;
} step;

typedef struct {
    char item[CN_SLUG_MAX + 1];
    iversion *v; /* ascending by semver */
    size_t nv, v_cap;
    json_t *version_index; /* version -> its index in v */
    int held;              /* newest version the mirror repository holds, -1 for none */
    int goal;              /* version to reach, -1 for nothing to do */
    int base;              /* newest version whose objects are in quarantine or held */
    step *steps;
    size_t nsteps, next, steps_cap;
    char *repo_path; /* <repos>/<id>/<item>.git */
    char *qpath;     /* quarantine repository */
    git_repository *q;
    int done;
    char *failure; /* why a check of this item's bundles failed: the item is skipped */
    /* Tags of older versions the bundles brought that the signed targets no
     * longer list (layout 2): publisher-signed, created beside the others. */
    struct history_tag {
        char version[128];
        git_oid tag;
    } * history;
    size_t nhistory;
    char missing_prereq[CN_TUF_MAX_TARGET_PATH + 128]; /* why a delta was unusable */
} item_work;

typedef struct {
    const cn_sync_options *opts;
    cn_http *http;
    char node_id[CN_PEER_ID_HEX + 1];
    cn_peer_policy policy;
    const char *base;             /* base URL in use (the peer's or a source's) */
    char *mdir;                   /* <mirrors>/<id> */
    char *tdir;                   /* <tmp>/sync/<id> */
    char *rdir;                   /* <repos>/<id> */
    const unsigned char *ts_body; /* phase-1 timestamp.json */
    size_t ts_len;
    cn_tuf_client *c;
    uint64_t old_root;
    tfile *files; /* one per trusted target, same order */
    size_t nfiles;
    item_work *items;
    size_t nitems, items_cap;
    json_t *item_index;     /* item -> its index in items */
    unsigned char *pointer; /* fresh pointer bytes to store, or NULL */
    size_t pointer_len;
    /* Only the items named here (cn_sync_fetch_item), else all. */
    const char *only_item;
    const char *only_version;
    int metadata; /* a round: refresh and commit trusted metadata; fetch_item: bundles only */
    uint64_t metadata_fetched; /* metadata files requested, for opts->phases */
    int committed;             /* the commit ran to its end (items that failed a check left out) */
    char **new_items;
    size_t nnew;
    size_t fetched;
    /* Item versions the trusted targets named before this round. */
    struct published *old;
    size_t nold, old_cap;
    json_t *old_index; /* "<item>/<version>" -> its index in old */
} peer_run;

/* An item version as signed metadata published it. */
struct published {
    char item[CN_SLUG_MAX + 1];
    char version[128];
    char commit[GIT_OID_HEXSZ + 1];
    char tag[GIT_OID_HEXSZ + 1];
};

/* "<base>/<path>", heap-allocated; NULL on OOM. */
char *cn_sync_url_join(const char *base, const char *path);

/* Errors of a peer's round: anything that failed a check is CN_EVERIFY (exit
 * 3), an unreachable or incomplete server CN_ENET (exit 1). */
int cn_sync_classify(int err);

/* Free everything pr owns and zero its lists (pr itself is the caller's). */
void cn_sync_peer_run_clear(peer_run *pr);

/* The HTTP client options a sync's options ask for. */
void cn_sync_http_options(cn_http_options *ho, const cn_sync_options *opts);

/* A zeroed peer_run for node_id through base (both borrowed, as opts and
 * http are): the caller sets what else it wants (the phase-1 timestamp,
 * metadata, only_item) before cn_sync_run_peer. */
void cn_sync_peer_run_init(peer_run *pr, const cn_sync_options *opts, cn_http *http,
                           const char *node_id, cn_peer_policy policy, const char *base);

/* The per-peer pipeline, the same for a round and cn_sync_fetch_item: the
 * peer's leftovers cleaned, its trusted state loaded (with pr->metadata,
 * refreshed over HTTP from pr->base; without, as stored), targets indexed,
 * published versions checked, items planned, downloaded and applied in
 * quarantine, then committed (metadata too with pr->metadata). The
 * quarantines are removed either way; downloads stay in tmp/ for a resume
 * when it fails. now is the clock for the refresh. */
int cn_sync_run_peer(peer_run *pr, time_t now);

/* sync_plan.c: the planning. */
int cn_sync_collect_published(peer_run *pr);
int cn_sync_published_add(peer_run *pr, const cn_tuf_target_info *t);
int cn_sync_index_targets(peer_run *pr);
int cn_sync_index_items(peer_run *pr);
int cn_sync_check_published(peer_run *pr);
int cn_sync_plan_items(peer_run *pr);
int cn_sync_plan(item_work *w);
/* The index in w->v of version, or -1 if the signed targets do not list it. */
int cn_sync_version_at(const item_work *w, const char *version);

/* sync_download.c: the downloads, and the loop that applies them. */
int cn_sync_usable(const tfile *f);
int cn_sync_fetch_all(peer_run *pr);

/* sync_quarantine.c: apply what is downloaded, in order, replanning. */
/* The header of the bundle file at path, from its first CN_BUNDLE_MAX_HEADER
 * bytes however many reads they take; CN_EVERIFY naming path if it is not
 * one. Free *out with cn_bundle_header_free. */
int cn_sync_bundle_header_read(cn_bundle_header **out, const char *path);
int cn_sync_advance_item(peer_run *pr, item_work *w);

/* sync_commit.c: target files, packs and refs, then metadata. */
int cn_sync_commit_all(peer_run *pr);

#endif
