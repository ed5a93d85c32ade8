/*
 * sync_peer.c - phase 2 of a round for one peer (PROTOCOL §8.2-8.6), and
 * cn_sync_fetch_item: the per-peer pipeline from the stored trusted state
 * to the committed mirror. Leftovers of a killed writer are removed first,
 * then the TUF refresh over HTTP, planning, downloads, quarantine, commit.
 */
#include "core/error.h"
#include "core/file.h"
#include "core/name.h"
#include "core/semver.h"
#include "peers/mirror.h"
#include "peers/sync_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void item_work_clear(item_work *w)
{
    git_repository_free(w->q);
    json_decref(w->version_index);
    free(w->v);
    free(w->steps);
    free(w->repo_path);
    free(w->qpath);
    free(w->failure);
    free(w->history);
    memset(w, 0, sizeof(*w));
}

void cn_sync_peer_run_clear(peer_run *pr)
{
    size_t i;

    for (i = 0; i < pr->nfiles; i++) {
        free(pr->files[i].tmp);
        free(pr->files[i].final);
        free((char *)pr->files[i].req.url);
        cn_http_request_clear(&pr->files[i].req);
    }
    free(pr->files);
    for (i = 0; i < pr->nitems; i++)
        item_work_clear(&pr->items[i]);
    free(pr->items);
    for (i = 0; i < pr->nnew; i++)
        free(pr->new_items[i]);
    free(pr->new_items);
    cn_tuf_client_free(pr->c);
    free(pr->mdir);
    free(pr->tdir);
    free(pr->rdir);
    free(pr->pointer);
    free(pr->old);
    json_decref(pr->item_index);
    json_decref(pr->old_index);
    pr->item_index = pr->old_index = NULL;
    pr->old = NULL;
    pr->nold = pr->old_cap = pr->items_cap = 0;
    pr->files = NULL;
    pr->items = NULL;
    pr->new_items = NULL;
    pr->c = NULL;
    pr->mdir = pr->tdir = pr->rdir = NULL;
    pr->pointer = NULL;
    pr->nfiles = pr->nitems = pr->nnew = 0;
}

char *cn_sync_url_join(const char *base, const char *path)
{
    size_t n = strlen(base) + strlen(path) + 2;
    char *s = malloc(n);

    if (s)
        snprintf(s, n, "%s/%s", base, path);
    return s;
}
/* Errors of a peer's round: anything that failed a check is a verification
 * failure (exit 3); an unreachable or incomplete server is a transport
 * failure (exit 1). */
int cn_sync_classify(int err)
{
    switch (err) {
    case CN_EVERIFY:
    case CN_EINVAL:
    case CN_ELIMIT:
        return CN_EVERIFY;
    case CN_ENOTFOUND:
    case CN_ENET:
        return CN_ENET;
    default:
        return err;
    }
}
/* ---------------------------------------------------------------------------
 * The TUF refresh over HTTP
 * ------------------------------------------------------------------------- */

static int fetch_remote(void *ctx, const char *path, size_t max_len, unsigned char **out,
                        size_t *outlen)
{
    peer_run *pr = ctx;
    cn_http_request req = {0};
    int err;

    *out = NULL;
    if (strcmp(path, "tuf/timestamp.json") == 0 && pr->ts_body) {
        /* Phase 1 already has it: no second request. */
        if (pr->ts_len > max_len)
            return cn_error_set(CN_ELIMIT, "timestamp.json: longer than %zu bytes", max_len);
        if ((*out = malloc(pr->ts_len + 1)) == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        memcpy(*out, pr->ts_body, pr->ts_len);
        *outlen = pr->ts_len;
        return 0;
    }
    if ((req.url = cn_sync_url_join(pr->base, path)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    req.max_body = max_len;
    req.timeout_s = CN_SYNC_METADATA_TIMEOUT_S;
    cn_progress_report(pr->opts->phases, CN_SYNC_PHASE_METADATA, pr->metadata_fetched++, 0);
    if ((err = cn_http_get(pr->http, &req)) == 0) {
        *out = req.body;
        *outlen = req.len;
        req.body = NULL;
    }
    free((char *)req.url);
    cn_http_request_clear(&req);
    return err;
}

/* ---------------------------------------------------------------------------
 * One peer's phase 2
 * ------------------------------------------------------------------------- */

static int setup_dirs(peer_run *pr)
{
    char sub[CN_PEER_ID_HEX + 8];

    snprintf(sub, sizeof(sub), "sync/%s", pr->node_id);
    if ((pr->mdir = cn_path_join(pr->opts->mirrors_dir, pr->node_id)) == NULL ||
        (pr->tdir = cn_path_join(pr->opts->tmp_dir, sub)) == NULL ||
        (pr->rdir = cn_path_join(pr->opts->repos_dir, pr->node_id)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    return 0;
}

/* Before a peer's round, under the node lock (no other writer runs): what a
 * killed writer left in the peer's repositories goes, lock files and
 * temporary files, and repositories whose creation was killed (nothing in
 * them is referenced; new ones are built in tmp/ now). */
static int clean_repos(peer_run *pr)
{
    struct dirent *e;
    DIR *d;
    int err = 0;

    if ((d = opendir(pr->rdir)) == NULL)
        return 0;
    while (err == 0 && (e = readdir(d)) != NULL) {
        struct stat st;
        char *path;
        if (e->d_name[0] == '.')
            continue;
        if ((path = cn_path_join(pr->rdir, e->d_name)) == NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            break;
        }
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (cn_mirror_repo_unborn(path))
                err = cn_rmtree(path);
            else
                err = cn_file_remove_stale(path);
        }
        free(path);
    }
    closedir(d);
    return err;
}

/* The peer's pointer, kept fresh when it still names the peer: fetched when
 * the round has none stored or node.json changed (load_trusted). */
static void fetch_pointer(peer_run *pr)
{
    cn_http_request req = {0};
    char id[CN_PEER_ID_HEX + 1];

    if ((req.url = cn_sync_url_join(pr->base, ".well-known/citynode.json")) == NULL)
        return;
    req.max_body = CN_PEER_POINTER_MAX;
    req.timeout_s = CN_SYNC_METADATA_TIMEOUT_S;
    cn_progress_report(pr->opts->phases, CN_SYNC_PHASE_METADATA, pr->metadata_fetched++, 0);
    if (cn_http_get(pr->http, &req) == 0 &&
        cn_peer_pointer_parse(id, NULL, req.body, req.len, req.url) == 0 &&
        strcmp(id, pr->node_id) == 0) {
        pr->pointer = req.body;
        pr->pointer_len = req.len;
        req.body = NULL;
    }
    cn_error_clear();
    free((char *)req.url);
    cn_http_request_clear(&req);
}

/* The signed sha256 of the trusted node.json, "" when there is none. The
 * pointer is written from the same profile as node.json (name, URL), so a
 * round fetches it again only when node.json changed. */
static void node_json_sha(char out[CN_SHA256_HEX_LEN + 1], const cn_tuf_client *c)
{
    const cn_tuf_target_info *info;

    out[0] = '\0';
    if (cn_tuf_client_get_target_info(&info, c, "node.json") == 0)
        memcpy(out, info->sha256, CN_SHA256_HEX_LEN + 1);
    cn_error_clear();
}

static int pointer_stored(const peer_run *pr)
{
    char *path = cn_path_join(pr->mdir, ".well-known/citynode.json");
    int stored = path != NULL && cn_file_exists(path);

    free(path);
    return stored;
}

/* The trusted state phase 2 starts from. A round refreshes it from the
 * stored state over HTTP (the phase-1 timestamp from memory) and keeps the
 * item versions the old targets named; fetch_item takes the stored state as
 * it is, no request made. */
static int load_trusted(peer_run *pr, time_t now)
{
    char before[CN_SHA256_HEX_LEN + 1], after[CN_SHA256_HEX_LEN + 1];
    int err;

    if (!pr->metadata) {
        if ((err = cn_mirror_load(&pr->c, pr->opts->mirrors_dir, pr->node_id)) != 0)
            return err;
        pr->old_root = cn_tuf_client_version(pr->c, CN_TUF_ROOT);
        return 0;
    }
    if ((err = cn_mirror_load_for_update(&pr->c, pr->opts->mirrors_dir, pr->node_id, now)) != 0 ||
        (err = cn_sync_collect_published(pr)) != 0)
        return err;
    pr->old_root = cn_tuf_client_version(pr->c, CN_TUF_ROOT);
    node_json_sha(before, pr->c);
    err = cn_tuf_client_refresh(pr->c, fetch_remote, pr);
    /* Every delegated role (layout 2: one per item); one whose version is
     * the stored one is not fetched again (cn_mirror_load_for_update). */
    if (err == 0)
        err = cn_tuf_client_load_delegations(pr->c, fetch_remote, pr);
    if (err == 0) { /* (node_json_sha clears the last error: the refresh's is kept) */
        node_json_sha(after, pr->c);
        if (strcmp(before, after) != 0 || !pointer_stored(pr))
            fetch_pointer(pr);
    }
    cn_progress_report(pr->opts->phases, CN_SYNC_PHASE_METADATA, pr->metadata_fetched, 0);
    cn_progress_end(pr->opts->phases, CN_SYNC_PHASE_METADATA);
    return err ? cn_error_wrap(err, "%s", pr->base) : 0;
}

void cn_sync_peer_run_init(peer_run *pr, const cn_sync_options *opts, cn_http *http,
                           const char *node_id, cn_peer_policy policy, const char *base)
{
    memset(pr, 0, sizeof(*pr));
    pr->opts = opts;
    pr->http = http;
    snprintf(pr->node_id, sizeof(pr->node_id), "%s", node_id);
    pr->policy = policy;
    pr->base = base;
}

void cn_sync_http_options(cn_http_options *ho, const cn_sync_options *opts)
{
    ho->connect_timeout_s = opts->connect_timeout_s;
    ho->low_speed_bytes = opts->low_speed_bytes;
    ho->low_speed_time_s = opts->low_speed_time_s;
    ho->max_parallel = opts->max_parallel;
}

/* After the commit: CN_EVERIFY naming every item a check failed for, or 0. */
static int report_failed_items(peer_run *pr)
{
    char msg[2048];
    size_t i, n = 0, at = 0;

    msg[0] = '\0';
    for (i = 0; i < pr->nitems; i++) {
        if (!pr->items[i].failure)
            continue;
        if (at < sizeof(msg))
            at += (size_t)snprintf(msg + at, sizeof(msg) - at, "%sitem %s failed: %s",
                                   n ? "; " : "", pr->items[i].item, pr->items[i].failure);
        n++;
    }
    return n == 0 ? 0 : cn_error_set(CN_EVERIFY, "%s", msg);
}

int cn_sync_run_peer(peer_run *pr, time_t now)
{
    size_t i;
    int err;

    if ((err = setup_dirs(pr)) != 0 || (err = clean_repos(pr)) != 0 ||
        (err = load_trusted(pr, now)) != 0)
        return err;
    if ((err = cn_sync_index_targets(pr)) != 0 || (err = cn_sync_index_items(pr)) != 0 ||
        (err = cn_sync_check_published(pr)) != 0 || (err = cn_sync_plan_items(pr)) != 0 ||
        (err = cn_sync_fetch_all(pr)) != 0)
        goto out;
    if ((err = cn_sync_commit_all(pr)) == 0)
        err = report_failed_items(pr);
out:
    /* Quarantines go either way; downloads stay for a resume on failure. */
    for (i = 0; i < pr->nitems; i++) {
        git_repository_free(pr->items[i].q);
        pr->items[i].q = NULL;
        if (pr->items[i].qpath)
            cn_rmtree(pr->items[i].qpath);
    }
    if (err == 0 && pr->tdir)
        cn_rmtree(pr->tdir);
    return err;
}

/* The round's pipeline for one item, from the stored trusted targets (no
 * refresh, no metadata written), through the peer's URL and then each of
 * its sources while the failure is the transport's. */
int cn_sync_fetch_item(cn_peers *db, const char *node_id, const char *item, const char *version,
                       const cn_sync_options *opts)
{
    cn_http_options ho = CN_HTTP_OPTIONS_INIT;
    cn_http *http = NULL;
    cn_peer peer = {0};
    char **sources = NULL;
    size_t nsources = 0, k, s;
    peer_run pr;
    int err;

    if ((err = cn_name_check_slug(item)) != 0 || (version && (err = cn_semver_check(version)) != 0))
        return err;
    if ((err = cn_peers_get(&peer, db, node_id)) != 0)
        return err;
    cn_sync_http_options(&ho, opts);
    if ((err = cn_http_new(&http, &ho)) != 0)
        goto out;
    if (cn_peers_sources(&sources, &nsources, db, peer.node_id) != 0)
        cn_error_clear();
    for (s = 0; s <= nsources; s++) {
        cn_sync_peer_run_init(&pr, opts, http, peer.node_id, CN_POLICY_MIRROR,
                              s == 0 ? peer.url : sources[s - 1]);
        pr.only_item = item;
        pr.only_version = version;
        err = cn_sync_run_peer(&pr, 0);
        if (err != 0 && err != CN_ENOTFOUND)
            err = cn_sync_classify(err);
        cn_sync_peer_run_clear(&pr);
        if (err != CN_ENET)
            break;
    }
out:
    for (k = 0; k < nsources; k++)
        free(sources[k]);
    free(sources);
    cn_http_free(http);
    cn_peer_clear(&peer);
    return err;
}
