/*
 * sync_round.c - one sync round over the followed peers (sync.h, PROTOCOL §8).
 *
 * Phase 1 asks every peer at once for timestamp.json, conditionally (one
 * request, a 304, for a peer with nothing new). A peer whose server fails is
 * asked through its fallback sources (mirrors of it), one after another.
 *
 * Phase 2 runs, peer by peer, for those with something new:
 *   1. the TUF client workflow from the stored trusted state (the phase-1
 *      timestamp is served from memory; the rest is fetched on demand);
 *   2. the downloads the policy wants, all at once: target files into
 *      <tmp>/sync/<id>/ (resumed with Range, capped at the signed length,
 *      checked against the signed sha256), bundles indexed into a quarantine
 *      repository whose alternates point at the mirror repository, each tag
 *      checked (object id, commit, SSHSIG by a targets key of the publisher);
 *   3. only when every check passed, the commit: target files renamed into
 *      <mirrors>/<id>/targets/, packs moved from quarantine into
 *      <repos>/<id>/<item>.git, refs moved, info files rewritten, then new
 *      roots, targets, snapshot, the pointer and timestamp.json last.
 * A failure before step 3 leaves the mirror, the repositories and the trusted
 * metadata exactly as they were; partial downloads stay in tmp/ to resume.
 *
 * Phase 1, SQLite and the progress callback stay on the calling thread;
 * phase 1's requests run in parallel over libcurl's multi interface, up to
 * 256 at once and 16 to one host (an HTTP client of its own: phase 2's
 * downloads keep max_parallel). In phase 2 a single changed peer runs on
 * the calling thread; several run on up to max_parallel worker threads (at
 * most CN_SYNC_MAX_THREADS, 8), each peer with its own HTTP client and no
 * SQLite, their outcomes recorded on the calling thread once all are done,
 * in one transaction.
 */
#include "core/error.h"
#include "core/file.h"
#include "core/json.h"
#include "peers/discovery.h"
#include "peers/mirror.h"
#include "peers/sync_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define CN_SYNC_MAX_THREADS 8 /* phase 2 peers at once: indexing packs is CPU work */
/* Phase 1 waits on the network, not the CPU: a check is one small request
 * whose time is round trips (TCP, TLS, the request), some 100 ms to a city
 * across the country. 16 at a time, 10,800 peers would take a minute; 256
 * take 4 s. No one host is asked more than 16 at once, as before. */
#define CN_SYNC_CHECKS_AT_ONCE     256
#define CN_SYNC_CHECKS_AT_ONE_HOST 16

/* ---------------------------------------------------------------------------
 * The round
 * ------------------------------------------------------------------------- */

enum { PEER_FAILED, PEER_UNCHANGED, PEER_CHANGED };

typedef struct {
    cn_peer peer;
    cn_http_request ts;
    char **sources;
    size_t nsources, next_source;
    const char *base; /* where ts came from */
    int via_source;
    cn_sync_peer_result *res;
    /* phase 2 */
    int kind;
    int err;
    char *errmsg;
    /* What finish_peer needs of a committed peer's new trusted state (the
     * state itself is in the mirror): */
    int committed;
    uint64_t trusted_version;     /* its timestamp version */
    char *name;                   /* the name in its node.json, or NULL */
    char *url;                    /* the URL in its node.json, or NULL */
    int has_peers_doc;            /* it signs a peers.json of at most */
    cn_tuf_target_info peers_doc; /* CN_DISCOVERY_DOC_MAX bytes: length and sha256 */
    size_t fetched;
    uint64_t requests, bytes;
} round_peer;

static int stored_file(unsigned char **out, size_t *len, const char *mirrors_dir,
                       const char *node_id, const char *name, size_t max)
{
    char *dir = cn_path_join(mirrors_dir, node_id), *path = dir ? cn_path_join(dir, name) : NULL;
    int err = path ? cn_file_read(out, len, path, max) : cn_error_set(CN_ENOMEM, "out of memory");

    free(dir);
    free(path);
    return err;
}

/* A 304 or a byte-identical answer: nothing new, but what is trusted must
 * still be fresh (a server that keeps answering 304 must not freeze us). */
static int check_unchanged(const cn_sync_options *opts, const char *node_id, time_t now)
{
    cn_tuf_metadata *md = NULL;
    unsigned char *data = NULL;
    size_t len;
    int err;

    if ((err = stored_file(&data, &len, opts->mirrors_dir, node_id, "tuf/timestamp.json",
                           CN_TUF_MAX_TIMESTAMP_LEN)) != 0)
        return err;
    if ((err = cn_tuf_metadata_parse(&md, data, len, CN_TUF_MAX_TIMESTAMP_LEN, CN_TUF_TIMESTAMP,
                                     "timestamp.json")) == 0)
        err = cn_tuf_metadata_check_expiry(md, now);
    cn_tuf_metadata_free(md);
    free(data);
    return err;
}

static void set_result_error(cn_sync_peer_result *res, int err)
{
    const char *msg = cn_error_message();

    res->err = err;
    free(res->error);
    res->error = strdup(*msg ? msg : "failed");
}

/* The peer's verified node.json, parsed; NULL when it is absent, signed as
 * longer than a discovery document may be, or malformed (what reads it
 * only refines what it already has). */
static json_t *verified_profile(const cn_sync_options *opts, const char *node_id,
                                const cn_tuf_client *c)
{
    unsigned char *data = NULL;
    json_t *doc = NULL;
    size_t len;

    if (cn_mirror_read_target_capped(&data, &len, opts->mirrors_dir, node_id, c, "node.json",
                                     CN_DISCOVERY_DOC_MAX) == 0)
        cn_json_parse(&doc, data, len, 8, "node.json");
    cn_error_clear();
    free(data);
    return doc;
}

/* Learn fallback sources from the verified peers.json of a committed peer:
 * every peer it lists with policy mirror is re-served by this peer at
 * <url>/mirrors/<id>, the URL its node.json names, else the one it was
 * added with. */
static void learn_sources(cn_peers *db, const cn_sync_options *opts, const round_peer *rp)
{
    const cn_peer *peer = &rp->peer;
    unsigned char *data = NULL;
    json_t *doc = NULL, *entry;
    const char *url = rp->url ? rp->url : peer->url;
    size_t len, i;

    if (!rp->has_peers_doc ||
        cn_mirror_read_target_info(&data, &len, opts->mirrors_dir, peer->node_id, &rp->peers_doc) !=
            0 ||
        cn_json_parse(&doc, data, len, 8, "peers.json") != 0)
        goto out;
    json_array_foreach(json_object_get(doc, "peers"), i, entry)
    {
        const char *id = json_string_value(json_object_get(entry, "node"));
        const char *policy = json_string_value(json_object_get(entry, "policy"));
        char src[2300];
        size_t n = strlen(url);
        if (i >= CN_DISCOVERY_MAX_ENTRIES)
            break;
        if (id == NULL || !cn_peer_is_node_id(id) || policy == NULL ||
            strcmp(policy, "mirror") != 0 || strcmp(id, peer->node_id) == 0 ||
            (opts->self_id && strcmp(id, opts->self_id) == 0))
            continue;
        while (n > 0 && url[n - 1] == '/')
            n--;
        snprintf(src, sizeof(src), "%.*s/mirrors/%s", (int)n, url, id);
        cn_peers_add_source(db, id, src, peer->node_id);
    }
out:
    cn_error_clear();
    json_decref(doc);
    free(data);
}

/* The name in the profile (may be NULL), control characters as '?'. */
static char *verified_name(const json_t *profile)
{
    const char *s = json_string_value(json_object_get(profile, "name"));
    char *name = NULL;
    size_t i;

    if (s != NULL && *s && strlen(s) < 200 && (name = strdup(s)) != NULL)
        for (i = 0; name[i]; i++)
            if ((unsigned char)name[i] < 0x20)
                name[i] = '?';
    return name;
}

static void progress(const cn_sync_options *opts, const char *node_id, const char *msg)
{
    if (opts->progress)
        opts->progress(opts->progress_ctx, node_id, msg);
}

static int resolve_peers(round_peer **out, size_t *n, cn_peers *db, const char *const *refs,
                         size_t nrefs)
{
    cn_peer *all = NULL;
    round_peer *list = NULL;
    size_t count = 0, nall = 0, i, j;
    int err = 0;

    *out = NULL;
    *n = 0;
    if (nrefs == 0) {
        if ((err = cn_peers_list(&all, &nall, db)) != 0)
            return err;
        if ((list = calloc(nall ? nall : 1, sizeof(*list))) == NULL) {
            cn_peer_list_free(all, nall);
            return cn_error_set(CN_ENOMEM, "out of memory");
        }
        for (i = 0; i < nall; i++) {
            if (all[i].policy == CN_POLICY_BLOCK) {
                cn_peer_clear(&all[i]);
                continue;
            }
            list[count++].peer = all[i];
        }
        free(all);
    } else {
        if ((list = calloc(nrefs, sizeof(*list))) == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        for (i = 0; i < nrefs && err == 0; i++) {
            cn_peer p;
            if ((err = cn_peers_get(&p, db, refs[i])) != 0)
                break;
            for (j = 0; j < count && strcmp(list[j].peer.node_id, p.node_id) != 0; j++)
                ;
            if (j < count || p.policy == CN_POLICY_BLOCK)
                cn_peer_clear(&p);
            else
                list[count++].peer = p;
        }
        if (err != 0) {
            for (i = 0; i < count; i++)
                cn_peer_clear(&list[i].peer);
            free(list);
            return err;
        }
    }
    *out = list;
    *n = count;
    return 0;
}

static int start_timestamp(round_peer *rp, const char *base, cn_peers *db,
                           const cn_sync_options *opts, int conditional)
{
    unsigned char *stored = NULL;
    size_t len;
    char *etag = NULL, *lm = NULL;

    free((char *)rp->ts.url);
    free((char *)rp->ts.if_none_match);
    free((char *)rp->ts.if_modified_since);
    rp->ts.if_none_match = rp->ts.if_modified_since = NULL;
    rp->base = base;
    if ((rp->ts.url = cn_sync_url_join(base, "tuf/timestamp.json")) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    rp->ts.max_body = CN_TUF_MAX_TIMESTAMP_LEN;
    rp->ts.timeout_s = CN_SYNC_METADATA_TIMEOUT_S;
    /* Validators only make sense with a stored timestamp to fall back on. */
    if (conditional &&
        stored_file(&stored, &len, opts->mirrors_dir, rp->peer.node_id, "tuf/timestamp.json",
                    CN_TUF_MAX_TIMESTAMP_LEN) == 0 &&
        cn_peers_validators(&etag, &lm, db, rp->peer.node_id) == 0) {
        rp->ts.if_none_match = etag;
        rp->ts.if_modified_since = etag ? NULL : lm;
        if (etag)
            free(lm);
    } else {
        free(etag);
        free(lm);
    }
    cn_error_clear();
    free(stored);
    return 0;
}

/* Phase 1 through the fallback sources of every peer whose own server
 * failed: one source per peer at a time, all peers at once. */
static int try_sources(round_peer *rps, size_t n, cn_peers *db, const cn_sync_options *opts,
                       cn_http *http)
{
    cn_http_request **reqs = NULL;
    round_peer **who = NULL;
    size_t i, k;
    int err = 0;

    if ((reqs = calloc(n ? n : 1, sizeof(*reqs))) == NULL ||
        (who = calloc(n ? n : 1, sizeof(*who))) == NULL) {
        free(reqs);
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    for (;;) {
        k = 0;
        for (i = 0; i < n; i++) {
            round_peer *rp = &rps[i];
            int failed = rp->ts.err == CN_ENET || rp->ts.err == CN_ENOTFOUND;
            if (!failed || rp->next_source >= rp->nsources)
                continue;
            if (rp->res->error == NULL) {
                rp->res->err = CN_ENET;
                rp->res->error = strdup(rp->ts.error ? rp->ts.error : "unreachable");
            }
            if ((err = start_timestamp(rp, rp->sources[rp->next_source++], db, opts, 0)) != 0)
                goto out;
            rp->via_source = 1;
            who[k] = rp;
            reqs[k++] = &rp->ts;
        }
        if (k == 0)
            break;
        if ((err = cn_http_perform(http, reqs, k)) != 0)
            goto out;
        for (i = 0; i < k; i++) {
            who[i]->res->requests++;
            who[i]->res->bytes += who[i]->ts.received;
        }
    }
out:
    free(who);
    free(reqs);
    return err;
}

/* How many phase-1 checks may be in flight: opts->max_parallel when set,
 * else CN_SYNC_CHECKS_AT_ONCE, or a quarter of the file descriptors this
 * process may open should that be fewer (each check holds a socket; SQLite,
 * the mirror's files and libcurl's resolver need theirs). */
static unsigned checks_at_once(const cn_sync_options *opts)
{
    struct rlimit rl;
    unsigned n = CN_SYNC_CHECKS_AT_ONCE;

    if (opts->max_parallel > 0)
        return opts->max_parallel;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / 4 < n)
        n = rl.rlim_cur >= 4 ? (unsigned)(rl.rlim_cur / 4) : 1;
    return n;
}

static int worse(int a, int b)
{
    if (a == CN_EVERIFY || b == CN_EVERIFY)
        return CN_EVERIFY;
    if (a == CN_ENET || b == CN_ENET)
        return CN_ENET;
    return a ? a : b;
}

/* Phase 2 for one peer from its current base, falling back to its sources
 * on a transport failure. */
static int sync_changed(round_peer *rp, cn_peers *db, const cn_sync_options *opts, cn_http *http,
                        time_t now, cn_tuf_client **trusted, char ***new_items, size_t *fetched)
{
    peer_run pr;
    int err;

    for (;;) {
        cn_sync_peer_run_init(&pr, opts, http, rp->peer.node_id, rp->peer.policy, rp->base);
        pr.ts_body = rp->ts.body;
        pr.ts_len = rp->ts.len;
        pr.metadata = 1;
        err = cn_sync_run_peer(&pr, now);
        if (err == 0 || pr.committed) { /* committed: all but the items that failed */
            *trusted = pr.c;
            pr.c = NULL;
            *new_items = pr.new_items;
            pr.new_items = NULL;
            pr.nnew = 0;
            *fetched = pr.fetched;
        }
        if (err != 0)
            err = cn_sync_classify(err);
        cn_sync_peer_run_clear(&pr);
        if (err != CN_ENET)
            return err;
        /* A transport failure half-way: the next source, from its timestamp. */
        while (err == CN_ENET && rp->next_source < rp->nsources) {
            if (rp->res->error == NULL)
                set_result_error(rp->res, err);
            if ((err = start_timestamp(rp, rp->sources[rp->next_source++], db, opts, 0)) != 0)
                return err;
            rp->via_source = 1;
            if ((err = cn_http_get(http, &rp->ts)) == 0 && rp->ts.not_modified)
                err = cn_error_set(CN_ENET, "%s: answered 304 unasked", rp->ts.url);
            err = cn_sync_classify(err);
        }
        if (err != 0)
            return err; /* else run phase 2 again from the source that answered */
    }
}

/* What phase 1 found for a peer (decided on the calling thread). */
static void classify_peer(round_peer *rp, const cn_sync_options *opts, time_t now)
{
    unsigned char *stored = NULL;
    size_t slen = 0;

    rp->err = 0;
    if (rp->ts.err != 0) {
        rp->kind = PEER_FAILED;
        rp->err = cn_sync_classify(rp->ts.err);
        if (rp->res->error && rp->via_source) /* say why its own server failed too */
            cn_error_set(rp->err, "%s (and its own server: %s)", rp->ts.error, rp->res->error);
        else
            cn_error_set(rp->err, "%s", rp->ts.error ? rp->ts.error : "no answer");
        rp->errmsg = strdup(cn_error_message());
    } else if (rp->ts.not_modified ||
               (stored_file(&stored, &slen, opts->mirrors_dir, rp->peer.node_id,
                            "tuf/timestamp.json", CN_TUF_MAX_TIMESTAMP_LEN) == 0 &&
                slen == rp->ts.len && memcmp(stored, rp->ts.body, slen) == 0)) {
        rp->kind = PEER_UNCHANGED;
        cn_error_clear();
        if ((rp->err = check_unchanged(opts, rp->peer.node_id, now)) != 0) {
            rp->err = cn_error_wrap(cn_sync_classify(rp->err), "%s (stored)", rp->base);
            rp->errmsg = strdup(cn_error_message());
        }
    } else {
        rp->kind = PEER_CHANGED;
    }
    cn_error_clear();
    free(stored);
}

/* Keep what finish_peer needs of a committed peer's new trusted state c:
 * its version, name and URL, and its peers.json's signed length and
 * sha256 (the file is in the mirror). c itself is not kept: held until
 * every peer is done, the parsed metadata of each would add up over a
 * round that fills thousands of mirrors (some 23 KB a peer, 250 MB for
 * 10,800), and loading it again from the mirror would check its
 * signatures again (7 million instructions a peer). */
static void keep_committed(round_peer *rp, const cn_sync_options *opts, const cn_tuf_client *c)
{
    const cn_tuf_target_info *info;
    json_t *profile = verified_profile(opts, rp->peer.node_id, c);
    const char *u = json_string_value(json_object_get(profile, "url"));

    rp->committed = 1;
    rp->trusted_version = cn_tuf_client_version(c, CN_TUF_TIMESTAMP);
    rp->name = verified_name(profile);
    if (u && cn_http_check_url(u) == 0)
        rp->url = strdup(u);
    if (cn_tuf_client_get_target_info(&info, c, "peers.json") == 0 &&
        info->length <= CN_DISCOVERY_DOC_MAX) {
        rp->has_peers_doc = 1;
        rp->peers_doc.path = "peers.json";
        rp->peers_doc.length = info->length;
        memcpy(rp->peers_doc.sha256, info->sha256, sizeof(rp->peers_doc.sha256));
        rp->peers_doc.custom = NULL;
    }
    cn_error_clear();
    json_decref(profile);
}

/* Phase 2 of one changed peer with its own HTTP client; no SQLite, no
 * progress (it may run on a worker thread). */
static void run_changed(round_peer *rp, const cn_sync_options *opts, const cn_http_options *ho,
                        cn_http *shared, time_t now)
{
    cn_tuf_client *trusted = NULL;
    cn_http *http = shared;

    if (http == NULL && (rp->err = cn_http_new(&http, ho)) != 0) {
        rp->errmsg = strdup(cn_error_message());
        return;
    }
    rp->err = sync_changed(rp, NULL, opts, http, now, &trusted, &rp->res->new_items, &rp->fetched);
    if (rp->err != 0)
        rp->errmsg = strdup(cn_error_message());
    if (trusted) { /* committed; in a failed round, all but the items that failed a check */
        keep_committed(rp, opts, trusted);
        cn_tuf_client_free(trusted);
    }
    if (http != shared) {
        rp->requests = cn_http_requests_made(http);
        rp->bytes = cn_http_bytes_received(http);
        cn_http_free(http);
    }
}

typedef struct {
    round_peer **jobs;
    size_t njobs, next, finished;
    pthread_mutex_t lock;
    pthread_cond_t one_finished;
    const cn_sync_options *opts;
    const cn_http_options *ho;
    time_t now;
} job_queue;

static void *worker(void *arg)
{
    job_queue *q = arg;

    for (;;) {
        round_peer *rp = NULL;
        pthread_mutex_lock(&q->lock);
        if (q->next < q->njobs)
            rp = q->jobs[q->next++];
        pthread_mutex_unlock(&q->lock);
        if (rp == NULL)
            return NULL;
        run_changed(rp, q->opts, q->ho, NULL, q->now);
        pthread_mutex_lock(&q->lock);
        q->finished++;
        pthread_cond_signal(&q->one_finished);
        pthread_mutex_unlock(&q->lock);
    }
}

/* On the calling thread while the workers run: how many peers are done,
 * through phases, until all are. */
static void report_workers(job_queue *q, const cn_progress *phases)
{
    size_t finished = 0;

    pthread_mutex_lock(&q->lock);
    for (;;) {
        finished = q->finished;
        pthread_mutex_unlock(&q->lock);
        cn_progress_report(phases, CN_SYNC_PHASE_CHANGED, finished, q->njobs);
        pthread_mutex_lock(&q->lock);
        if (q->finished >= q->njobs)
            break;
        if (q->finished == finished) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 1; /* a tick of the meter, should no peer finish */
            pthread_cond_timedwait(&q->one_finished, &q->lock, &until);
        }
    }
    pthread_mutex_unlock(&q->lock);
    if (finished < q->njobs)
        cn_progress_report(phases, CN_SYNC_PHASE_CHANGED, q->njobs, q->njobs);
}

/* Phase 2 for every changed peer: one inline (with progress), several on
 * up to max_parallel threads. */
static int run_changed_peers(round_peer *rps, size_t np, const cn_sync_options *opts,
                             const cn_http_options *ho, cn_http *http, time_t now)
{
    cn_sync_options quiet = *opts;
    pthread_t threads[CN_SYNC_MAX_THREADS];
    job_queue q;
    size_t i, nthreads, started = 0;
    int rc, err = 0;

    memset(&q, 0, sizeof(q));
    if ((q.jobs = calloc(np ? np : 1, sizeof(*q.jobs))) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    for (i = 0; i < np; i++)
        if (rps[i].kind == PEER_CHANGED)
            q.jobs[q.njobs++] = &rps[i];
    if (q.njobs == 1) {
        uint64_t r0 = cn_http_requests_made(http), b0 = cn_http_bytes_received(http);
        run_changed(q.jobs[0], opts, ho, http, now);
        q.jobs[0]->requests = cn_http_requests_made(http) - r0;
        q.jobs[0]->bytes = cn_http_bytes_received(http) - b0;
        goto out;
    }
    quiet.progress = NULL;
    quiet.phases = NULL;
    q.opts = &quiet;
    q.ho = ho;
    q.now = now;
    if ((rc = pthread_mutex_init(&q.lock, NULL)) != 0) {
        err = cn_error_set(CN_ERROR, "cannot start the sync workers: %s", strerror(rc));
        goto out;
    }
    if ((rc = pthread_cond_init(&q.one_finished, NULL)) != 0) {
        pthread_mutex_destroy(&q.lock);
        err = cn_error_set(CN_ERROR, "cannot start the sync workers: %s", strerror(rc));
        goto out;
    }
    nthreads = ho->max_parallel ? ho->max_parallel : CN_SYNC_MAX_THREADS;
    if (nthreads > q.njobs)
        nthreads = q.njobs;
    if (nthreads > CN_SYNC_MAX_THREADS)
        nthreads = CN_SYNC_MAX_THREADS;
    for (i = 0; i < nthreads; i++) {
        if (pthread_create(&threads[i], NULL, worker, &q) != 0)
            break;
        started++;
    }
    if (started == 0)
        worker(&q); /* no thread to spare: do the work here */
    else if (opts->phases != NULL)
        report_workers(&q, opts->phases);
    for (i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    pthread_cond_destroy(&q.one_finished);
    pthread_mutex_destroy(&q.lock);
out:
    free(q.jobs);
    return err;
}

/* Record a peer's outcome (calling thread: SQLite, progress). */
static void finish_peer(round_peer *rp, cn_peers *db, const cn_sync_options *opts)
{
    cn_sync_peer_result *res = rp->res;
    cn_peer_sync_record rec = {0};
    char msg[256];

    rec.time = (int64_t)time(NULL);
    rec.result = rp->kind == PEER_UNCHANGED ? "unchanged" : "ok";
    /* Validators belong to the peer's own URL: a source's are not kept. */
    rec.set_validators = rp->kind == PEER_CHANGED || (!rp->ts.not_modified && !rp->via_source);
    res->requests += (size_t)rp->requests;
    res->bytes += rp->bytes;
    res->targets_fetched = rp->fetched;
    free(res->source);
    res->source = strdup(rp->base ? rp->base : rp->peer.url);
    if (rp->committed) {
        res->changed = 1;
        res->timestamp_version = rec.timestamp_version = rp->trusted_version;
        learn_sources(db, opts, rp);
        rec.name = rp->name;
    }
    if (rp->err != 0) {
        res->err = rp->err;
        free(res->error);
        res->error = strdup(rp->errmsg ? rp->errmsg : "failed");
        rec.result = "failed";
        rec.error = res->error;
        rec.set_validators = 0;
        snprintf(msg, sizeof(msg), "failed: %.200s", res->error);
    } else {
        res->err = 0;
        free(res->error);
        res->error = NULL;
        if (!rp->via_source && rec.set_validators) {
            rec.etag = rp->ts.etag;
            rec.last_modified = rp->ts.last_modified;
        }
        if (!rp->committed)
            res->timestamp_version = rec.timestamp_version = rp->peer.timestamp_version;
        snprintf(msg, sizeof(msg), "%s: %zu target%s, %" PRIu64 " bytes%s%s", rec.result,
                 res->targets_fetched, res->targets_fetched == 1 ? "" : "s", res->bytes,
                 rp->via_source ? " via " : "", rp->via_source ? rp->base : "");
    }
    if (cn_peers_record_sync(db, rp->peer.node_id, &rec) != 0)
        cn_error_clear();
    progress(opts, rp->peer.node_id, msg);
}

int cn_sync_round(cn_sync_report **out, cn_peers *db, const char *const *refs, size_t n,
                  const cn_sync_options *opts)
{
    cn_http_options ho = CN_HTTP_OPTIONS_INIT, co;
    cn_sync_report *report = NULL;
    cn_http_request **reqs = NULL;
    round_peer *rps = NULL;
    cn_http *check = NULL, *http = NULL;
    size_t np = 0, i;
    time_t now = opts->now ? opts->now : time(NULL);
    int err, worst = 0, in_transaction = 0;

    *out = NULL;
    if (opts->mirrors_dir == NULL || opts->repos_dir == NULL || opts->tmp_dir == NULL)
        return cn_error_set(CN_EINVAL, "sync needs the mirrors, repos and tmp directories");
    if ((report = calloc(1, sizeof(*report))) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    *out = report;
    if ((err = resolve_peers(&rps, &np, db, refs, n)) != 0)
        return err;
    if (np == 0) {
        free(rps);
        return 0;
    }
    if ((report->peers = calloc(np, sizeof(*report->peers))) == NULL ||
        (reqs = calloc(np, sizeof(*reqs))) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    report->npeers = np;
    /* Phase 1 asks every peer one small question, wide; phase 2 downloads,
     * max_parallel at a time. */
    cn_sync_http_options(&ho, opts);
    co = ho;
    co.max_parallel = checks_at_once(opts);
    co.max_per_host = CN_SYNC_CHECKS_AT_ONE_HOST;
    if ((err = cn_http_new(&check, &co)) != 0 || (err = cn_http_new(&http, &ho)) != 0)
        goto out;

    /* Phase 1: every peer's timestamp at once. */
    progress(opts, NULL, "checking peers");
    for (i = 0; i < np; i++) {
        rps[i].res = &report->peers[i];
        memcpy(rps[i].res->node_id, rps[i].peer.node_id, sizeof(rps[i].res->node_id));
        if ((err = start_timestamp(&rps[i], rps[i].peer.url, db, opts, 1)) != 0)
            goto out;
        reqs[i] = &rps[i].ts;
    }
    {
        cn_http_reporting hr = {opts->phases, CN_SYNC_PHASE_PEERS, 0, 0, 0};
        hr.total = np;
        err = cn_http_perform_reporting(check, reqs, np, &hr);
        cn_progress_end(opts->phases, CN_SYNC_PHASE_PEERS);
        if (err != 0)
            goto out;
    }
    for (i = 0; i < np; i++) {
        rps[i].res->requests = 1;
        rps[i].res->bytes = rps[i].ts.received;
        /* Sources serve a peer whose server fails, now or in phase 2. */
        if (cn_peers_sources(&rps[i].sources, &rps[i].nsources, db, rps[i].peer.node_id) != 0)
            cn_error_clear();
    }
    if ((err = try_sources(rps, np, db, opts, check)) != 0)
        goto out;

    /* Phase 2: the changed peers, then every outcome recorded. */
    for (i = 0; i < np; i++)
        classify_peer(&rps[i], opts, now);
    if ((err = run_changed_peers(rps, np, opts, &ho, http, now)) != 0)
        goto out;
    /* One transaction for every peer's record: a commit per peer would
     * append to the WAL and take and drop the write lock once per peer,
     * 10,800 times in a national round. A record is what the round saw,
     * not what is trusted (that is in the mirror), so a round whose records
     * cannot be written still happened: as before, a record that fails is
     * dropped. */
    if (cn_peers_begin(db) != 0)
        cn_error_clear(); /* each record then commits on its own */
    else
        in_transaction = 1;
    for (i = 0; i < np; i++) {
        finish_peer(&rps[i], db, opts);
        worst = worse(worst, rps[i].res->err);
    }
    if (in_transaction && cn_peers_commit(db) != 0)
        cn_error_clear();
    err = 0;
out:
    for (i = 0; rps && i < np; i++) {
        size_t k;
        cn_peer_clear(&rps[i].peer);
        free((char *)rps[i].ts.url);
        free((char *)rps[i].ts.if_none_match);
        free((char *)rps[i].ts.if_modified_since);
        cn_http_request_clear(&rps[i].ts);
        for (k = 0; k < rps[i].nsources; k++)
            free(rps[i].sources[k]);
        free(rps[i].sources);
        free(rps[i].errmsg);
        free(rps[i].name);
        free(rps[i].url);
    }
    free(rps);
    free(reqs);
    cn_http_free(check);
    cn_http_free(http);
    if (err != 0)
        return err;
    if (worst != 0) {
        for (i = 0; i < report->npeers; i++)
            if (report->peers[i].err == worst) {
                cn_error_set(worst, "%s", report->peers[i].error);
                break;
            }
    }
    return worst;
}

void cn_sync_report_free(cn_sync_report *report)
{
    size_t i, k;

    if (report == NULL)
        return;
    for (i = 0; i < report->npeers; i++) {
        cn_sync_peer_result *r = &report->peers[i];
        free(r->error);
        free(r->source);
        for (k = 0; r->new_items && r->new_items[k]; k++)
            free(r->new_items[k]);
        free(r->new_items);
    }
    free(report->peers);
    free(report);
}
