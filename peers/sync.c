/*
 * sync.c - one sync round over the followed peers (sync.h, PROTOCOL §8).
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
 * Everything runs on the calling thread (SQLite included); parallelism comes
 * from libcurl's multi interface.
 */
#include "peers/sync.h"
#include "core/bundle.h"
#include "core/error.h"
#include "core/file.h"
#include "core/git.h"
#include "core/hash.h"
#include "core/json.h"
#include "core/name.h"
#include "core/semver.h"
#include "peers/http.h"
#include "peers/mirror.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define METADATA_TIMEOUT_S  300
#define PEERS_JSON_MAX      (1024 * 1024)
#define PEERS_JSON_ENTRIES  1024
#define TARGET_FILE_MAX     ((uint64_t)4 << 30)
#define CN_SYNC_MAX_THREADS 8 /* phase 2 peers at once: indexing packs is CPU work */

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
    cn_http_request req;
} tfile;

typedef struct {
    const char *version; /* borrowed from the target's custom or path copy */
    char vbuf[128];
    const json_t *custom;
    tfile *full, *delta;
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
    size_t nv;
    int held; /* newest version the mirror repository holds, -1 for none */
    int goal; /* version to reach, -1 for nothing to do */
    int base; /* newest version whose objects are in quarantine or held */
    step *steps;
    size_t nsteps, next;
    char *repo_path; /* <repos>/<id>/<item>.git */
    char *qpath;     /* quarantine repository */
    git_repository *q;
    int done;
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
    size_t nitems;
    unsigned char *pointer; /* fresh pointer bytes to store, or NULL */
    size_t pointer_len;
    /* Only the items named here (cn_sync_fetch_item), else all. */
    const char *only_item;
    const char *only_version;
    int metadata; /* commit trusted metadata (a round), or only bundles (fetch_item) */
    char **new_items;
    size_t nnew;
    size_t fetched;
    /* Item versions the trusted targets named before this round. */
    struct published *old;
    size_t nold;
} peer_run;

/* An item version as signed metadata published it. */
struct published {
    char item[CN_SLUG_MAX + 1];
    char version[128];
    char commit[GIT_OID_HEXSZ + 1];
    char tag[GIT_OID_HEXSZ + 1];
};

static void item_work_clear(item_work *w)
{
    git_repository_free(w->q);
    free(w->v);
    free(w->steps);
    free(w->repo_path);
    free(w->qpath);
    memset(w, 0, sizeof(*w));
}

static void peer_run_clear(peer_run *pr)
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
    pr->old = NULL;
    pr->nold = 0;
    pr->files = NULL;
    pr->items = NULL;
    pr->new_items = NULL;
    pr->c = NULL;
    pr->mdir = pr->tdir = pr->rdir = NULL;
    pr->pointer = NULL;
    pr->nfiles = pr->nitems = pr->nnew = 0;
}

static char *url_join(const char *base, const char *path)
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
static int classify(int err)
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

/* A libgit2 failure as a one-line message: libgit2 ends some messages with
 * ": " and an empty reason (a lock file that exists); say what it means. */
static int git_fail(int code, int git_err, const char *what)
{
    const git_error *e = git_error_last();
    char msg[1024];
    size_t n;

    snprintf(msg, sizeof(msg), "%s", e && e->message ? e->message : "libgit2 error");
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == ' ' || msg[n - 1] == ':' || msg[n - 1] == '\n'))
        msg[--n] = '\0';
    git_error_clear();
    if (git_err == GIT_ELOCKED || strstr(msg, "failed to lock") != NULL)
        return cn_error_set(code, "%s: %s (the lock file exists: another writer holds it)", what,
                            msg);
    return cn_error_set(code, "%s: %s", what, msg);
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
    if ((req.url = url_join(pr->base, path)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    req.max_body = max_len;
    req.timeout_s = METADATA_TIMEOUT_S;
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
 * Planning: which target files, which bundles in which order
 * ------------------------------------------------------------------------- */

static int is_bundle_name(const char *file)
{
    return strcmp(file, "full.bundle") == 0 || strcmp(file, "delta.bundle") == 0;
}

/* Split "items/<item>/<version>/<file>" (checked names); 0 if it is not one. */
static int split_item_path(const char *path, char item[CN_SLUG_MAX + 1], char *version,
                           size_t vsize, const char **file)
{
    const char *a, *b, *c;

    if (strncmp(path, "items/", 6) != 0)
        return 0;
    a = path + 6;
    if ((b = strchr(a, '/')) == NULL || (c = strchr(b + 1, '/')) == NULL || strchr(c + 1, '/'))
        return 0;
    if ((size_t)(b - a) > CN_SLUG_MAX || (size_t)(c - b - 1) >= vsize)
        return 0;
    memcpy(item, a, (size_t)(b - a));
    item[b - a] = '\0';
    memcpy(version, b + 1, (size_t)(c - b - 1));
    version[c - b - 1] = '\0';
    *file = c + 1;
    if (cn_name_check_slug(item) != 0 || cn_semver_check(version) != 0) {
        cn_error_clear();
        return 0;
    }
    return 1;
}

static item_work *find_item(peer_run *pr, const char *item, int create)
{
    item_work *grown;
    size_t i;

    for (i = 0; i < pr->nitems; i++)
        if (strcmp(pr->items[i].item, item) == 0)
            return &pr->items[i];
    if (!create || (grown = realloc(pr->items, (pr->nitems + 1) * sizeof(*grown))) == NULL)
        return NULL;
    pr->items = grown;
    memset(&grown[pr->nitems], 0, sizeof(*grown));
    snprintf(grown[pr->nitems].item, sizeof(grown[pr->nitems].item), "%s", item);
    grown[pr->nitems].held = grown[pr->nitems].goal = grown[pr->nitems].base = -1;
    return &pr->items[pr->nitems++];
}

static iversion *find_version(item_work *w, const char *version)
{
    iversion *grown;
    size_t i;

    for (i = 0; i < w->nv; i++)
        if (strcmp(w->v[i].vbuf, version) == 0)
            return &w->v[i];
    if ((grown = realloc(w->v, (w->nv + 1) * sizeof(*grown))) == NULL)
        return NULL;
    w->v = grown;
    memset(&grown[w->nv], 0, sizeof(*grown));
    snprintf(grown[w->nv].vbuf, sizeof(grown[w->nv].vbuf), "%s", version);
    return &w->v[w->nv++];
}

static int version_cmp(const void *a, const void *b)
{
    return cn_semver_compare(((const iversion *)a)->vbuf, ((const iversion *)b)->vbuf);
}

/* One tfile per trusted target: where it goes, whether it is stored. */
static int index_targets(peer_run *pr)
{
    size_t i, n = cn_tuf_client_target_count(pr->c);
    struct stat st;

    if (n == 0)
        return 0;
    if ((pr->files = calloc(n, sizeof(*pr->files))) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    pr->nfiles = n;
    for (i = 0; i < n; i++) {
        tfile *f = &pr->files[i];
        const cn_tuf_target_info *t = cn_tuf_client_target_at(pr->c, i);
        const char *base = strrchr(t->path, '/');
        char *rel = NULL, name[CN_SHA256_HEX_LEN + 2 + CN_TUF_MAX_TARGET_PATH];
        int err;
        f->info = t;
        if ((err = cn_mirror_check_custom(t)) != 0 ||
            (err = cn_tuf_target_consistent_path(&rel, t->path, t->sha256)) != 0)
            return err;
        if ((err = cn_name_check_relpath(rel, CN_TUF_MAX_TARGET_PATH + 80)) != 0) {
            free(rel);
            return cn_error_wrap(CN_EVERIFY, "target %s", t->path);
        }
        f->final = cn_path_join(pr->mdir, rel);
        free(rel);
        snprintf(name, sizeof(name), "%s.%s", t->sha256, base ? base + 1 : t->path);
        if (f->final == NULL || (f->tmp = cn_path_join(pr->tdir, name)) == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        f->stored =
            stat(f->final, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == t->length;
        if (t->length > TARGET_FILE_MAX)
            return cn_error_set(CN_EVERIFY, "target %s: %" PRIu64 " bytes is more than accepted",
                                t->path, t->length);
    }
    return 0;
}

/* Group item targets by item and version. */
static int index_items(peer_run *pr)
{
    size_t i, j;

    for (i = 0; i < pr->nfiles; i++) {
        tfile *f = &pr->files[i];
        char item[CN_SLUG_MAX + 1], version[128];
        const char *file;
        item_work *w;
        iversion *v;
        if (!split_item_path(f->info->path, item, version, sizeof(version), &file))
            continue;
        f->bundle = is_bundle_name(file);
        if (pr->only_item && strcmp(pr->only_item, item) != 0)
            continue;
        if ((w = find_item(pr, item, 1)) == NULL || (v = find_version(w, version)) == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        if (strcmp(file, "full.bundle") == 0)
            v->full = f;
        else if (strcmp(file, "delta.bundle") == 0)
            v->delta = f;
        if (v->custom && f->info->custom) {
            static const char *const same[] = {"kind", "commit", "tag", "previous",
                                               "previous_commit"};
            size_t k;
            for (k = 0; k < sizeof(same) / sizeof(same[0]); k++) {
                const char *a = json_string_value(json_object_get(v->custom, same[k]));
                const char *b = json_string_value(json_object_get(f->info->custom, same[k]));
                if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0))
                    return cn_error_set(CN_EVERIFY,
                                        "%s@%s: its targets disagree on custom.%s (%s is not "
                                        "%.60s)",
                                        item, version, same[k], f->info->path, a ? a : "absent");
            }
        }
        if (f->info->custom && (v->custom == NULL || strcmp(file, "manifest.json") == 0))
            v->custom = f->info->custom;
    }
    for (i = 0; i < pr->nitems; i++) {
        item_work *w = &pr->items[i];
        qsort(w->v, w->nv, sizeof(*w->v), version_cmp);
        for (j = 0; j < w->nv; j++)
            w->v[j].version = w->v[j].vbuf;
    }
    return 0;
}

/* The newest version whose tag the mirror repository holds as signed. */
static int find_held(item_work *w)
{
    git_repository *repo = NULL;
    git_reference *ref = NULL;
    git_oid want;
    char name[160];
    int i, held = -1;

    if (!cn_dir_exists(w->repo_path) || git_repository_open_bare(&repo, w->repo_path) != 0) {
        git_error_clear();
        return -1;
    }
    for (i = (int)w->nv - 1; i >= 0 && held < 0; i--) {
        const char *tag = json_string_value(json_object_get(w->v[i].custom, "tag"));
        snprintf(name, sizeof(name), "refs/tags/v%s", w->v[i].version);
        if (tag && git_oid_fromstr(&want, tag) == 0 &&
            git_reference_lookup(&ref, repo, name) == 0 && git_reference_target(ref) &&
            git_oid_equal(git_reference_target(ref), &want))
            held = i;
        git_reference_free(ref);
        ref = NULL;
    }
    git_error_clear();
    git_repository_free(repo);
    return held;
}

static int push_step(item_work *w, int vi, int full)
{
    step *grown = realloc(w->steps, (w->nsteps + 1) * sizeof(*grown));

    if (grown == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    w->steps = grown;
    grown[w->nsteps].vi = vi;
    grown[w->nsteps].full = full;
    w->nsteps++;
    return 0;
}

/* Steps from w->base to w->goal (PROTOCOL §8.4): from nothing, the full
 * bundle of the newest version that has one, then deltas; otherwise the
 * delta of each newer version, or its full bundle where the delta is not
 * usable. */
static int plan(item_work *w)
{
    int k, j, err;

    w->nsteps = w->next = 0;
    k = w->base + 1;
    if (w->base < 0) {
        for (j = w->goal; j >= 0 && (w->v[j].full == NULL || w->v[j].full->unusable); j--)
            ;
        if (j < 0)
            return cn_error_set(CN_ENET, "%s: no full bundle of any version up to %s is available",
                                w->item, w->v[w->goal].version);
        if ((err = push_step(w, j, 1)) != 0)
            return err;
        k = j + 1;
    }
    for (; k <= w->goal; k++) {
        if (w->v[k].delta && !w->v[k].delta->unusable)
            err = push_step(w, k, 0);
        else if (w->v[k].full && !w->v[k].full->unusable)
            err = push_step(w, k, 1);
        else if (w->missing_prereq[0])
            err = cn_error_set(CN_EVERIFY, "%s, and no full bundle of %s@%s is available",
                               w->missing_prereq, w->item, w->v[k].version);
        else
            err = cn_error_set(CN_ENET, "%s@%s: neither its delta nor its full bundle is available",
                               w->item, w->v[k].version);
        if (err != 0)
            return err;
    }
    return 0;
}

/* <repos>/<id>/<item>.git and its quarantine <tmp>/sync/<id>/<item>.git. */
static int item_paths(peer_run *pr, item_work *w)
{
    char name[CN_SLUG_MAX + 8];

    if (w->repo_path && w->qpath)
        return 0;
    snprintf(name, sizeof(name), "%s.git", w->item);
    if ((w->repo_path = cn_path_join(pr->rdir, name)) == NULL ||
        (w->qpath = cn_path_join(pr->tdir, name)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    return 0;
}

/* The item versions the trusted targets name before the refresh. */
static int collect_published(peer_run *pr)
{
    size_t i, n = cn_tuf_client_target_count(pr->c);

    for (i = 0; i < n; i++) {
        const cn_tuf_target_info *t = cn_tuf_client_target_at(pr->c, i);
        const char *commit = json_string_value(json_object_get(t->custom, "commit"));
        const char *tag = json_string_value(json_object_get(t->custom, "tag"));
        char item[CN_SLUG_MAX + 1], version[128];
        struct published *grown;
        const char *file;
        size_t k;
        if (!split_item_path(t->path, item, version, sizeof(version), &file) || commit == NULL ||
            tag == NULL || strlen(commit) != GIT_OID_HEXSZ || strlen(tag) != GIT_OID_HEXSZ)
            continue;
        for (k = 0; k < pr->nold; k++)
            if (strcmp(pr->old[k].item, item) == 0 && strcmp(pr->old[k].version, version) == 0)
                break;
        if (k < pr->nold)
            continue;
        if ((grown = realloc(pr->old, (pr->nold + 1) * sizeof(*grown))) == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        pr->old = grown;
        snprintf(grown[pr->nold].item, sizeof(grown->item), "%s", item);
        snprintf(grown[pr->nold].version, sizeof(grown->version), "%s", version);
        memcpy(grown[pr->nold].commit, commit, GIT_OID_HEXSZ + 1);
        memcpy(grown[pr->nold].tag, tag, GIT_OID_HEXSZ + 1);
        pr->nold++;
    }
    return 0;
}

static int changed_version(const char *item, const char *version, const char *what, const char *was,
                           const char *now)
{
    return cn_error_set(CN_EVERIFY,
                        "%s@%s: the publisher changed a published version (%s %s -> %s)", item,
                        version, what, was, now);
}

/* A publisher never rewrites a version: every version the new targets name
 * keeps the commit and tag the trusted targets named, and the tag the
 * mirror repository holds as refs/tags/v<version>. */
static int check_published(peer_run *pr)
{
    size_t i, j, k;
    int err = 0;

    for (i = 0; i < pr->nitems && err == 0; i++) {
        item_work *w = &pr->items[i];
        git_repository *repo = NULL;
        if ((err = item_paths(pr, w)) != 0)
            break;
        if (cn_dir_exists(w->repo_path) && git_repository_open_bare(&repo, w->repo_path) != 0)
            repo = NULL;
        git_error_clear();
        for (j = 0; j < w->nv && err == 0; j++) {
            const char *commit = json_string_value(json_object_get(w->v[j].custom, "commit"));
            const char *tag = json_string_value(json_object_get(w->v[j].custom, "tag"));
            git_reference *ref = NULL;
            char name[160], have[GIT_OID_HEXSZ + 1];
            if (commit == NULL || tag == NULL)
                continue;
            for (k = 0; k < pr->nold && err == 0; k++) {
                const struct published *o = &pr->old[k];
                if (strcmp(o->item, w->item) != 0 || strcmp(o->version, w->v[j].version) != 0)
                    continue;
                if (strcmp(o->tag, tag) != 0)
                    err = changed_version(w->item, w->v[j].version, "tag", o->tag, tag);
                else if (strcmp(o->commit, commit) != 0)
                    err = changed_version(w->item, w->v[j].version, "commit", o->commit, commit);
            }
            snprintf(name, sizeof(name), "refs/tags/v%s", w->v[j].version);
            if (err == 0 && repo && git_reference_lookup(&ref, repo, name) == 0) {
                if (git_reference_target(ref) == NULL)
                    snprintf(have, sizeof(have), "(symbolic)");
                else
                    git_oid_tostr(have, sizeof(have), git_reference_target(ref));
                if (strcmp(have, tag) != 0)
                    err = changed_version(w->item, w->v[j].version, "tag", have, tag);
            }
            git_error_clear();
            git_reference_free(ref);
        }
        git_repository_free(repo);
    }
    return err;
}

static int plan_items(peer_run *pr)
{
    size_t i;
    int j, err;

    for (i = 0; i < pr->nitems; i++) {
        item_work *w = &pr->items[i];
        if ((err = item_paths(pr, w)) != 0)
            return err;
        w->held = w->base = find_held(w);
        w->goal = -1;
        if (pr->policy != CN_POLICY_MIRROR && pr->only_item == NULL) {
            w->done = 1; /* index policy: bundles on demand only */
            continue;
        }
        for (j = (int)w->nv - 1; j >= 0; j--) {
            if (pr->only_version && strcmp(w->v[j].version, pr->only_version) != 0)
                continue;
            if (w->v[j].full || w->v[j].delta) {
                w->goal = j;
                break;
            }
        }
        if (pr->only_version && w->goal < 0)
            return cn_error_set(CN_ENOTFOUND, "%s@%s has no bundle in the signed targets", w->item,
                                pr->only_version);
        if (w->goal <= w->held) {
            w->done = 1;
            continue;
        }
        if ((err = plan(w)) != 0)
            return err;
    }
    if (pr->only_item && pr->nitems == 0)
        return cn_error_set(CN_ENOTFOUND, "%s is not in the signed targets of node %.12s",
                            pr->only_item, pr->node_id);
    return 0;
}

/* ---------------------------------------------------------------------------
 * Downloads
 * ------------------------------------------------------------------------- */

static int usable(const tfile *f)
{
    return f->stored || f->state == TF_OK;
}

static int want(tfile *f, cn_http_request ***reqs, size_t *n, const char *base)
{
    cn_http_request **grown;
    char *rel = NULL;
    int err;

    if (usable(f) || f->state != TF_IDLE)
        return 0;
    if ((grown = realloc(*reqs, (*n + 1) * sizeof(*grown))) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    *reqs = grown;
    if ((err = cn_tuf_target_consistent_path(&rel, f->info->path, f->info->sha256)) != 0)
        return err;
    free((char *)f->req.url);
    f->req.url = url_join(base, rel);
    free(rel);
    if (f->req.url == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    f->req.file = f->tmp;
    f->req.max_body = f->info->length;
    f->req.timeout_s = 0;
    f->state = TF_WANTED;
    grown[(*n)++] = &f->req;
    return 0;
}

/* Check a finished download against the signed length and sha256. */
static int check_download(peer_run *pr, tfile *f)
{
    char digest[CN_SHA256_HEX_LEN + 1];
    size_t len = 0;
    int err;

    if (f->req.err == CN_ENOTFOUND) {
        f->state = TF_MISSING;
        f->unusable = 1;
        cn_error_clear();
        return 0;
    }
    if (f->req.err == CN_ELIMIT) {
        unlink(f->tmp); /* what came is not a prefix of the target */
        return cn_error_set(CN_EVERIFY, "target %s: %s (signed length %" PRIu64 ")", f->info->path,
                            f->req.error, f->info->length);
    }
    if (f->req.err != 0)
        return cn_error_set(f->req.err, "%s", f->req.error ? f->req.error : "download failed");
    if ((err = cn_sha256_file_hex(digest, &len, f->tmp, (size_t)f->info->length)) != 0 ||
        (uint64_t)len != f->info->length || strcmp(digest, f->info->sha256) != 0) {
        unlink(f->tmp); /* never resume from bytes that do not hash */
        if (f->req.received < f->info->length && !f->restarted) {
            /* Part of it came from an earlier run (maybe from a server that
             * lied then): judge only a whole download from this server. */
            f->restarted = 1;
            cn_error_clear();
            return 0;
        }
        return cn_error_set(CN_EVERIFY,
                            "target %s from %s: %zu bytes with sha256 %.16s..., signed %" PRIu64
                            " bytes with sha256 %.16s...",
                            f->info->path, f->req.url, len, err ? "(unreadable)" : digest,
                            f->info->length, f->info->sha256);
    }
    f->state = TF_OK;
    f->downloaded = 1;
    pr->fetched++;
    if (pr->opts->progress) {
        char msg[CN_TUF_MAX_TARGET_PATH + 64];
        snprintf(msg, sizeof(msg), "fetched %s (%" PRIu64 " bytes)", f->info->path,
                 f->info->length);
        pr->opts->progress(pr->opts->progress_ctx, pr->node_id, msg);
    }
    return 0;
}

/* ---------------------------------------------------------------------------
 * Bundles into quarantine
 * ------------------------------------------------------------------------- */

static int open_quarantine(item_work *w)
{
    char *alt = NULL, line[4200];
    int err;

    if (w->q)
        return 0;
    if ((err = cn_rmtree(w->qpath)) != 0 || (err = cn_git_open_bare(&w->q, w->qpath)) != 0)
        return err;
    if (!cn_dir_exists(w->repo_path))
        return 0;
    /* The mirror repository's objects are visible to the quarantine (a
     * delta's prerequisite), nothing is written to them. */
    git_repository_free(w->q);
    w->q = NULL;
    snprintf(line, sizeof(line), "%s/objects\n", w->repo_path);
    if ((alt = cn_path_join(w->qpath, "objects/info/alternates")) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    err = cn_file_write_atomic(alt, line, strlen(line), 0644);
    free(alt);
    if (err != 0)
        return err;
    if (git_repository_open_bare(&w->q, w->qpath) != 0)
        return cn_git_error(CN_ERROR, w->qpath);
    return 0;
}

/* 1 if every prerequisite of the bundle at path is in the quarantine (or
 * the mirror repository behind it), 0 if not, <0 on error; *header gets
 * the bundle's parsed header when 1. */
static int prerequisites_present(git_oid *missing, cn_bundle_header **header, item_work *w,
                                 const char *path)
{
    cn_bundle_header *h = NULL;
    unsigned char *buf = NULL;
    git_odb *odb = NULL;
    ssize_t got = 0;
    size_t i;
    int fd, r = 1;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return cn_error_set(CN_ERROR, "%s: %s", path, strerror(errno));
    if ((buf = malloc(CN_BUNDLE_MAX_HEADER)) == NULL) {
        r = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((got = read(fd, buf, CN_BUNDLE_MAX_HEADER)) < 0) {
        r = cn_error_set(CN_ERROR, "%s: %s", path, strerror(errno));
        goto out;
    }
    if ((r = cn_bundle_header_parse(&h, buf, (size_t)got)) != 0) {
        r = cn_error_wrap(CN_EVERIFY, "%s", path);
        goto out;
    }
    if (git_repository_odb(&odb, w->q) != 0) {
        r = cn_git_error(CN_ERROR, "cannot open the object database");
        goto out;
    }
    r = 1;
    for (i = 0; i < h->nprereqs && r == 1; i++)
        if (!git_odb_exists(odb, &h->prereqs[i])) {
            *missing = h->prereqs[i];
            r = 0;
        }
    if (r == 1) {
        *header = h;
        h = NULL;
    }
out:
    git_odb_free(odb);
    cn_bundle_header_free(h);
    free(buf);
    close(fd);
    return r;
}

typedef struct {
    git_odb *odb;
    int missing;
} tree_check;

static int tree_entry_present(const char *root, const git_tree_entry *entry, void *payload)
{
    tree_check *tc = payload;

    (void)root;
    if (git_tree_entry_type(entry) == GIT_OBJECT_COMMIT)
        return 0; /* a submodule's commit is not in this repository */
    if (!git_odb_exists(tc->odb, git_tree_entry_id(entry))) {
        tc->missing = 1;
        return -1;
    }
    return 0;
}

/* 1 if everything a delta bundle carries is already in the quarantine or
 * the mirror repository behind it (a resumed sync whose earlier run moved
 * the packs and was killed or failed before the refs): its refs, and every
 * commit, tree and blob from its HEAD down to its prerequisites. Indexing
 * it again would only re-read objects the database has. */
static int bundle_present(item_work *w, const cn_bundle_header *h)
{
    git_revwalk *walk = NULL;
    git_odb *odb = NULL;
    tree_check tc = {0};
    git_oid oid;
    size_t i;
    int present = 0;

    if (git_repository_odb(&odb, w->q) != 0)
        goto out;
    for (i = 0; i < h->nrefs; i++)
        if (!git_odb_exists(odb, &h->refs[i].oid))
            goto out;
    if (git_revwalk_new(&walk, w->q) != 0)
        goto out;
    for (i = 0; i < h->nrefs; i++)
        if (strcmp(h->refs[i].name, "HEAD") == 0 && git_revwalk_push(walk, &h->refs[i].oid) != 0)
            goto out;
    for (i = 0; i < h->nprereqs; i++)
        if (git_revwalk_hide(walk, &h->prereqs[i]) != 0)
            goto out;
    tc.odb = odb;
    for (;;) {
        git_commit *commit = NULL;
        git_tree *tree = NULL;
        int r = git_revwalk_next(&oid, walk);
        if (r == GIT_ITEROVER)
            break;
        if (r != 0 || git_commit_lookup(&commit, w->q, &oid) != 0 ||
            git_commit_tree(&tree, commit) != 0 ||
            git_tree_walk(tree, GIT_TREEWALK_PRE, tree_entry_present, &tc) != 0 || tc.missing) {
            git_tree_free(tree);
            git_commit_free(commit);
            goto out;
        }
        git_tree_free(tree);
        git_commit_free(commit);
    }
    present = 1;
out:
    git_error_clear();
    git_revwalk_free(walk);
    git_odb_free(odb);
    return present;
}

static int version_index(const item_work *w, const char *version)
{
    size_t i;

    for (i = 0; i < w->nv; i++)
        if (strcmp(w->v[i].version, version) == 0)
            return (int)i;
    return -1;
}

/* Index one bundle into quarantine and check every ref it carries. Returns
 * 1 if its prerequisite is missing (the caller plans around it). */
static int apply_bundle(peer_run *pr, item_work *w, const step *s, tfile *f)
{
    const char *path = f->stored ? f->final : f->tmp, *commit_hex;
    const iversion *v = &w->v[s->vi];
    cn_bundle_header *h = NULL;
    git_oid commit, missing = {{0}};
    size_t i;
    int r, err, own = 0;

    if ((err = open_quarantine(w)) != 0)
        return err;
    if ((r = prerequisites_present(&missing, &h, w, path)) <= 0) {
        char hex[GIT_OID_HEXSZ + 1];
        git_oid_tostr(hex, sizeof(hex), &missing);
        if (r == 0 && !s->full) {
            snprintf(w->missing_prereq, sizeof(w->missing_prereq),
                     "target %s: its prerequisite commit %s is missing from the mirror",
                     f->info->path, hex);
            return 1;
        }
        if (r == 0)
            return cn_error_set(CN_EVERIFY, "%s: a full bundle with a prerequisite", f->info->path);
        return r;
    }
    if (s->full || !bundle_present(w, h)) {
        cn_bundle_header_free(h);
        h = NULL;
        if ((err = cn_bundle_unbundle(&h, w->q, path)) != 0) {
            err = cn_error_wrap(err == CN_ERROR || err == CN_ENOMEM ? err : CN_EVERIFY, "target %s",
                                f->info->path);
            goto out;
        }
    }
    commit_hex = json_string_value(json_object_get(v->custom, "commit"));
    if (commit_hex == NULL || git_oid_fromstr(&commit, commit_hex) != 0) {
        git_error_clear();
        err = cn_error_set(CN_EVERIFY, "%s@%s: the signed metadata names no commit", w->item,
                           v->version);
        goto out;
    }
    for (i = 0; i < h->nrefs; i++) {
        const char *name = h->refs[i].name;
        int vi;
        if (strcmp(name, "HEAD") == 0) {
            if (!git_oid_equal(&h->refs[i].oid, &commit)) {
                err = cn_error_set(CN_EVERIFY,
                                   "target %s: its HEAD is not the commit the metadata signs",
                                   f->info->path);
                goto out;
            }
            continue;
        }
        if (strncmp(name, "refs/tags/v", 11) != 0 || (vi = version_index(w, name + 11)) < 0)
            continue; /* not a version the signed metadata lists: never referenced */
        if ((err = cn_mirror_check_tag(w->q, pr->c, w->item, name + 11, &h->refs[i].oid)) != 0) {
            cn_error_wrap(err, "target %s", f->info->path);
            goto out;
        }
        w->v[vi].has_tag = 1;
        w->v[vi].tag = h->refs[i].oid;
        own |= vi == s->vi;
    }
    if (!own)
        err = cn_error_set(CN_EVERIFY, "target %s: lacks refs/tags/v%s", f->info->path, v->version);
out:
    cn_bundle_header_free(h);
    return err;
}

/* Apply what is downloaded, in order; replan around missing files. */
static int advance_item(peer_run *pr, item_work *w)
{
    int err;

    while (!w->done && w->next < w->nsteps) {
        const step *s = &w->steps[w->next];
        tfile *f = s->full ? w->v[s->vi].full : w->v[s->vi].delta;
        if (f->state == TF_MISSING || f->unusable) {
            f->unusable = 1;
            if ((err = plan(w)) != 0)
                return err;
            continue;
        }
        if (!usable(f))
            return 0; /* to download first */
        if ((err = apply_bundle(pr, w, s, f)) < 0)
            return err;
        if (err == 1) {
            f->unusable = 1; /* its prerequisite is missing */
            if ((err = plan(w)) != 0)
                return err;
            continue;
        }
        w->base = s->vi;
        w->next++;
    }
    if (w->next >= w->nsteps)
        w->done = 1;
    return 0;
}

/* Download and apply until every item reached its goal. */
static int fetch_all(peer_run *pr)
{
    char first[1024];
    cn_http_request **reqs = NULL;
    size_t i, j, n;
    int err = 0;

    for (;;) {
        n = 0;
        for (i = 0; i < pr->nfiles && err == 0; i++)
            if (!pr->files[i].bundle && (pr->only_item == NULL))
                err = want(&pr->files[i], &reqs, &n, pr->base);
        for (i = 0; i < pr->nitems && err == 0; i++) {
            item_work *w = &pr->items[i];
            for (j = w->next; !w->done && j < w->nsteps && err == 0; j++) {
                const step *s = &w->steps[j];
                err = want(s->full ? w->v[s->vi].full : w->v[s->vi].delta, &reqs, &n, pr->base);
            }
        }
        if (err != 0)
            break;
        if (n > 0) {
            if ((err = cn_mkdir_p(pr->tdir, 0700)) != 0 ||
                (err = cn_http_perform(pr->http, reqs, n)) != 0)
                break;
            /* Every download is checked, so none that fails its hash stays
             * in tmp/ to be resumed; the first failure is reported. */
            for (i = 0; i < pr->nfiles; i++) {
                int e;
                if (pr->files[i].state != TF_WANTED)
                    continue;
                pr->files[i].state = TF_IDLE;
                if ((e = check_download(pr, &pr->files[i])) != 0 && err == 0) {
                    err = e;
                    snprintf(first, sizeof(first), "%s", cn_error_message());
                }
            }
            if (err != 0) {
                cn_error_set(err, "%s", first);
                break;
            }
        }
        for (i = 0; i < pr->nfiles; i++)
            if (!pr->files[i].bundle && pr->files[i].state == TF_MISSING && !pr->only_item) {
                err = cn_error_set(CN_ENET, "%s: the server lacks the signed target %s", pr->base,
                                   pr->files[i].info->path);
                break;
            }
        for (i = 0; i < pr->nitems && err == 0; i++)
            err = advance_item(pr, &pr->items[i]);
        if (err != 0)
            break;
        for (i = 0; i < pr->nitems && pr->items[i].done; i++)
            ;
        if (i == pr->nitems)
            break;
        if (n == 0) {
            err = cn_error_set(CN_ERROR, "sync of %.12s: no progress on %s", pr->node_id,
                               pr->items[i].item);
            break;
        }
    }
    free(reqs);
    return err;
}

/* ---------------------------------------------------------------------------
 * Commit
 * ------------------------------------------------------------------------- */

static int rename_durably(const char *from, const char *to)
{
    char *dir = strdup(to), *slash;
    int err;

    if (dir == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    if ((err = cn_mkdir_p(dir, 0755)) == 0) {
        if (rename(from, to) != 0)
            err = cn_error_set(CN_ERROR, "cannot move %s to %s: %s", from, to, strerror(errno));
        else
            err = cn_fsync_dir(dir);
    }
    free(dir);
    return err;
}

/* Move the quarantine's packs into the mirror repository: each .pack before
 * its .idx, so a reader never finds an index without its pack. */
static int move_packs(item_work *w, git_repository *repo)
{
    static const char *const order[] = {".pack", ".rev", ".idx"};
    char *from_dir = NULL, *to_dir = NULL;
    struct dirent *e;
    size_t k;
    DIR *d = NULL;
    int err;

    if ((err = cn_git_pack_dir(&from_dir, w->q)) != 0 ||
        (err = cn_git_pack_dir(&to_dir, repo)) != 0)
        goto out;
    for (k = 0; k < sizeof(order) / sizeof(order[0]) && err == 0; k++) {
        if ((d = opendir(from_dir)) == NULL) {
            err = cn_error_set(CN_ERROR, "%s: %s", from_dir, strerror(errno));
            goto out;
        }
        while (err == 0 && (e = readdir(d)) != NULL) {
            size_t n = strlen(e->d_name), m = strlen(order[k]);
            char *from, *to;
            if (strncmp(e->d_name, "pack-", 5) != 0 || n <= m ||
                strcmp(e->d_name + n - m, order[k]) != 0)
                continue;
            from = cn_path_join(from_dir, e->d_name);
            to = cn_path_join(to_dir, e->d_name);
            if (from == NULL || to == NULL)
                err = cn_error_set(CN_ENOMEM, "out of memory");
            else
                err = rename_durably(from, to);
            free(from);
            free(to);
        }
        closedir(d);
        d = NULL;
    }
out:
    free(from_dir);
    free(to_dir);
    return err;
}

static int add_new_item(peer_run *pr, const char *item, const char *version)
{
    char **grown = realloc(pr->new_items, (pr->nnew + 2) * sizeof(*grown));
    size_t n = strlen(item) + strlen(version) + 2;

    if (grown == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    pr->new_items = grown;
    if ((grown[pr->nnew] = malloc(n)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    snprintf(grown[pr->nnew], n, "%s@%s", item, version);
    grown[++pr->nnew] = NULL;
    return 0;
}

/* Set ref name to oid unless it is there already. A tag never moves: one
 * at another object is refused (check_published refuses that earlier). */
static int set_ref(int *changed, git_repository *repo, const char *name, const git_oid *oid,
                   int may_move)
{
    git_reference *ref = NULL;
    char have[GIT_OID_HEXSZ + 1], want[GIT_OID_HEXSZ + 1];
    int r;

    if ((r = git_reference_lookup(&ref, repo, name)) == 0) {
        int same = git_reference_target(ref) && git_oid_equal(git_reference_target(ref), oid);
        if (git_reference_target(ref))
            git_oid_tostr(have, sizeof(have), git_reference_target(ref));
        else
            snprintf(have, sizeof(have), "(symbolic)");
        git_reference_free(ref);
        ref = NULL;
        if (same)
            return 0;
        if (!may_move) {
            git_oid_tostr(want, sizeof(want), oid);
            return cn_error_set(CN_EVERIFY, "%s is %s, not %s: a published tag never moves", name,
                                have, want);
        }
    } else if (r != GIT_ENOTFOUND) {
        return git_fail(CN_ERROR, r, name);
    }
    git_error_clear();
    if ((r = git_reference_create(&ref, repo, name, oid, may_move, "citynode sync")) != 0)
        return git_fail(CN_ERROR, r, name);
    git_reference_free(ref);
    *changed = 1;
    return 0;
}

/* HEAD -> refs/heads/main, unless it is already. */
static int set_head(int *changed, git_repository *repo)
{
    git_reference *ref = NULL;
    int r;

    if (git_reference_lookup(&ref, repo, "HEAD") == 0 &&
        git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC &&
        strcmp(git_reference_symbolic_target(ref), "refs/heads/main") == 0) {
        git_reference_free(ref);
        return 0;
    }
    git_reference_free(ref);
    ref = NULL;
    git_error_clear();
    if ((r = git_reference_symbolic_create(&ref, repo, "HEAD", "refs/heads/main", 1,
                                           "citynode sync")) != 0)
        return git_fail(CN_ERROR, r, "HEAD");
    git_reference_free(ref);
    *changed = 1;
    return 0;
}

/* Packs in, new tags created, main (and HEAD) at the newest trusted version,
 * info files rewritten. main is set even when nothing new came: a sync
 * killed between the tags and main left it behind. A repository new here is
 * built in tmp/ and renamed into place whole. */
static int commit_item(peer_run *pr, item_work *w)
{
    git_repository *repo = NULL;
    char name[160], *fresh = NULL;
    git_oid commit;
    const char *commit_hex;
    int i, newest = w->held, changed = 0, err = 0;

    for (i = 0; i < (int)w->nv; i++)
        if (w->v[i].has_tag && i > newest)
            newest = i;
    if (newest < 0)
        return 0;
    if (!cn_dir_exists(w->repo_path)) {
        size_t n = strlen(w->qpath) + 5;
        if (w->q == NULL)
            return 0; /* nothing held, nothing came */
        if ((fresh = malloc(n)) == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        snprintf(fresh, n, "%s.new", w->qpath);
        if ((err = cn_rmtree(fresh)) != 0 || (err = cn_git_open_bare(&repo, fresh)) != 0)
            goto out;
        changed = 1;
    } else if ((i = git_repository_open_bare(&repo, w->repo_path)) != 0) {
        err = git_fail(CN_ERROR, i, w->repo_path);
        goto out;
    }
    if (w->q) {
        if ((err = move_packs(w, repo)) != 0)
            goto out;
        changed = 1;
        git_repository_free(repo); /* see the new packs */
        repo = NULL;
        if ((i = git_repository_open_bare(&repo, fresh ? fresh : w->repo_path)) != 0) {
            err = git_fail(CN_ERROR, i, fresh ? fresh : w->repo_path);
            goto out;
        }
    }
    for (i = 0; i < (int)w->nv; i++) {
        if (!w->v[i].has_tag)
            continue;
        snprintf(name, sizeof(name), "refs/tags/v%s", w->v[i].version);
        if ((err = set_ref(&changed, repo, name, &w->v[i].tag, 0)) != 0) {
            cn_error_wrap(err, "%s", w->item);
            goto out;
        }
    }
    commit_hex = json_string_value(json_object_get(w->v[newest].custom, "commit"));
    if (commit_hex == NULL || git_oid_fromstr(&commit, commit_hex) != 0) {
        git_error_clear();
        err = cn_error_set(CN_EVERIFY, "%s@%s: the signed metadata names no commit", w->item,
                           w->v[newest].version);
        goto out;
    }
    if ((err = set_ref(&changed, repo, "refs/heads/main", &commit, 1)) != 0 ||
        (err = set_head(&changed, repo)) != 0)
        goto out;
    if (changed && (err = cn_git_update_server_info(repo)) != 0)
        goto out;
    git_repository_free(repo);
    repo = NULL;
    if (fresh && (err = rename_durably(fresh, w->repo_path)) != 0)
        goto out;
    if (newest > w->held)
        err = add_new_item(pr, w->item, w->v[newest].version);
out:
    git_repository_free(repo);
    if (fresh) {
        if (err != 0)
            cn_rmtree(fresh);
        free(fresh);
    }
    return err;
}

/* Write a metadata file unless it is there already with these bytes. */
static int write_metadata(peer_run *pr, const char *name, const unsigned char *data, size_t len)
{
    unsigned char *old = NULL;
    size_t olen = 0;
    char *path = cn_path_join(pr->mdir, name);
    int err;

    if (path == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if (cn_file_read(&old, &olen, path, len) == 0 && olen == len && memcmp(old, data, len) == 0)
        err = 0;
    else
        err = cn_file_write_atomic(path, data, len, 0644);
    cn_error_clear();
    free(old);
    free(path);
    return err;
}

static int root_is_consistent(const cn_tuf_client *c)
{
    const unsigned char *b;
    cn_tuf_metadata *md = NULL;
    size_t len;
    int consistent = 1;

    if (cn_tuf_client_metadata_bytes(&b, &len, c, CN_TUF_ROOT) == 0 &&
        cn_tuf_metadata_parse(&md, b, len, CN_TUF_MAX_ROOT_LEN, CN_TUF_ROOT, "root.json") == 0)
        consistent =
            json_is_true(json_object_get(cn_tuf_metadata_signed(md), "consistent_snapshot"));
    cn_tuf_metadata_free(md);
    cn_error_clear();
    return consistent;
}

/* PROTOCOL §8.6: new roots, targets, snapshot, (pointer), timestamp last. */
static int commit_metadata(peer_run *pr)
{
    static const cn_tuf_role roles[] = {CN_TUF_TARGETS, CN_TUF_SNAPSHOT, CN_TUF_TIMESTAMP};
    const unsigned char *b;
    char name[96], *tuf = cn_path_join(pr->mdir, "tuf");
    uint64_t v, newest = cn_tuf_client_version(pr->c, CN_TUF_ROOT);
    int consistent = root_is_consistent(pr->c), err = 0;
    size_t len, i;

    if (tuf == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if ((err = cn_mkdir_p(tuf, 0755)) != 0)
        goto out;
    for (v = pr->old_root + 1; v <= newest && err == 0; v++) {
        snprintf(name, sizeof(name), "tuf/%" PRIu64 ".root.json", v);
        if ((err = cn_tuf_client_root_bytes(&b, &len, pr->c, v)) == 0)
            err = write_metadata(pr, name, b, len);
    }
    for (i = 0; i < sizeof(roles) / sizeof(roles[0]) && err == 0; i++) {
        cn_tuf_role r = roles[i];
        if (r == CN_TUF_TIMESTAMP && pr->pointer &&
            (err = write_metadata(pr, ".well-known/citynode.json", pr->pointer, pr->pointer_len)) !=
                0)
            break;
        if ((err = cn_tuf_client_metadata_bytes(&b, &len, pr->c, r)) != 0)
            break;
        if (r == CN_TUF_TIMESTAMP || !consistent)
            snprintf(name, sizeof(name), "tuf/%s.json", cn_tuf_role_name(r));
        else
            snprintf(name, sizeof(name), "tuf/%" PRIu64 ".%s.json", cn_tuf_client_version(pr->c, r),
                     cn_tuf_role_name(r));
        err = write_metadata(pr, name, b, len);
    }
out:
    free(tuf);
    return err;
}

static int commit_all(peer_run *pr)
{
    size_t i;
    int err;

    for (i = 0; i < pr->nfiles; i++) {
        tfile *f = &pr->files[i];
        if (f->downloaded && (err = rename_durably(f->tmp, f->final)) != 0)
            return err;
    }
    for (i = 0; i < pr->nitems; i++)
        if ((err = commit_item(pr, &pr->items[i])) != 0)
            return err;
    if (pr->metadata) {
        if (pr->pointer) {
            char *wk = cn_path_join(pr->mdir, ".well-known");
            err = wk ? cn_mkdir_p(wk, 0755) : cn_error_set(CN_ENOMEM, "out of memory");
            free(wk);
            if (err != 0)
                return err;
        }
        if ((err = commit_metadata(pr)) != 0)
            return err;
    }
    return 0;
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

/* A file libgit2, git or citynode leaves behind when killed mid-write:
 * *.lock, git's and libgit2's temporary pack and object files, and
 * cn_file_write_atomic's <name>.tmp.XXXXXX. */
static int is_stale_name(const char *name)
{
    static const char *const prefixes[] = {"tmp_pack_", "tmp_idx_", "tmp_rev_", "tmp_obj_"};
    size_t n = strlen(name), i;
    const char *g;

    if (n > 5 && strcmp(name + n - 5, ".lock") == 0)
        return 1;
    for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
        if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    if ((g = strstr(name, "_git2_")) != NULL && strlen(g + 6) == 6)
        return 1; /* libgit2's git_futils_mktmp */
    if ((g = strstr(name, ".tmp.")) != NULL && strlen(g + 5) == 6)
        return 1;
    return 0;
}

static int remove_stale(const char *dir, int depth)
{
    struct dirent *e;
    DIR *d;
    int err = 0;

    if ((d = opendir(dir)) == NULL)
        return 0;
    while (err == 0 && (e = readdir(d)) != NULL) {
        struct stat st;
        char *path;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if ((path = cn_path_join(dir, e->d_name)) == NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            break;
        }
        if (lstat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode) && depth < 8)
                err = remove_stale(path, depth + 1);
            else if (S_ISREG(st.st_mode) && is_stale_name(e->d_name) && unlink(path) != 0 &&
                     errno != ENOENT)
                err =
                    cn_error_set(CN_ERROR, "cannot remove the stale %s: %s", path, strerror(errno));
        }
        free(path);
    }
    closedir(d);
    return err;
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
                err = remove_stale(path, 0);
        }
        free(path);
    }
    closedir(d);
    return err;
}

/* The peer's pointer, kept fresh when it still names the peer. */
static void fetch_pointer(peer_run *pr)
{
    cn_http_request req = {0};
    char id[CN_PEER_ID_HEX + 1];

    if ((req.url = url_join(pr->base, ".well-known/citynode.json")) == NULL)
        return;
    req.max_body = CN_PEER_POINTER_MAX;
    req.timeout_s = METADATA_TIMEOUT_S;
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

/* Phase 2 of a round for one peer, from base with the phase-1 timestamp. */
static int run_peer(peer_run *pr, time_t now)
{
    size_t i;
    int err;

    if ((err = setup_dirs(pr)) != 0 || (err = clean_repos(pr)) != 0)
        return err;
    if ((err = cn_mirror_load_for_update(&pr->c, pr->opts->mirrors_dir, pr->node_id, now)) != 0 ||
        (err = collect_published(pr)) != 0)
        return err;
    pr->old_root = cn_tuf_client_version(pr->c, CN_TUF_ROOT);
    if ((err = cn_tuf_client_refresh(pr->c, fetch_remote, pr)) != 0)
        return cn_error_wrap(err, "%s", pr->base);
    fetch_pointer(pr);
    if ((err = index_targets(pr)) != 0 || (err = index_items(pr)) != 0 ||
        (err = check_published(pr)) != 0 || (err = plan_items(pr)) != 0 ||
        (err = fetch_all(pr)) != 0)
        goto out;
    err = commit_all(pr);
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
    cn_tuf_client *trusted; /* the new trusted state, when committed */
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

/* Learn fallback sources from a verified peers.json: every peer it lists
 * with policy mirror is re-served by this peer at <url>/mirrors/<id>. */
static void learn_sources(cn_peers *db, const cn_sync_options *opts, const cn_peer *peer,
                          const cn_tuf_client *c)
{
    unsigned char *data = NULL;
    json_t *doc = NULL, *entry, *profile = NULL;
    const char *url = peer->url;
    size_t len, i;

    if (cn_mirror_read_target(&data, &len, opts->mirrors_dir, peer->node_id, c, "node.json") == 0 &&
        cn_json_parse(&profile, data, len, 8, "node.json") == 0) {
        const char *u = json_string_value(json_object_get(profile, "url"));
        if (u && cn_http_check_url(u) == 0)
            url = u;
    }
    free(data);
    data = NULL;
    if (cn_mirror_read_target(&data, &len, opts->mirrors_dir, peer->node_id, c, "peers.json") !=
            0 ||
        len > PEERS_JSON_MAX || cn_json_parse(&doc, data, len, 8, "peers.json") != 0)
        goto out;
    json_array_foreach(json_object_get(doc, "peers"), i, entry)
    {
        const char *id = json_string_value(json_object_get(entry, "node"));
        const char *policy = json_string_value(json_object_get(entry, "policy"));
        char src[2300];
        size_t n = strlen(url);
        if (i >= PEERS_JSON_ENTRIES)
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
    json_decref(profile);
    free(data);
}

static char *verified_name(const cn_sync_options *opts, const char *node_id, const cn_tuf_client *c)
{
    unsigned char *data = NULL;
    json_t *doc = NULL;
    char *name = NULL;
    const char *s;
    size_t len;

    if (cn_mirror_read_target(&data, &len, opts->mirrors_dir, node_id, c, "node.json") == 0 &&
        cn_json_parse(&doc, data, len, 8, "node.json") == 0 &&
        (s = json_string_value(json_object_get(doc, "name"))) != NULL && *s && strlen(s) < 200) {
        size_t i;
        if ((name = strdup(s)) != NULL)
            for (i = 0; name[i]; i++)
                if ((unsigned char)name[i] < 0x20)
                    name[i] = '?';
    }
    cn_error_clear();
    json_decref(doc);
    free(data);
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
    if ((rp->ts.url = url_join(base, "tuf/timestamp.json")) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    rp->ts.max_body = CN_TUF_MAX_TIMESTAMP_LEN;
    rp->ts.timeout_s = METADATA_TIMEOUT_S;
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
        memset(&pr, 0, sizeof(pr));
        pr.opts = opts;
        pr.http = http;
        memcpy(pr.node_id, rp->peer.node_id, sizeof(pr.node_id));
        pr.policy = rp->peer.policy;
        pr.base = rp->base;
        pr.ts_body = rp->ts.body;
        pr.ts_len = rp->ts.len;
        pr.metadata = 1;
        err = run_peer(&pr, now);
        if (err == 0) {
            *trusted = pr.c;
            pr.c = NULL;
            *new_items = pr.new_items;
            pr.new_items = NULL;
            pr.nnew = 0;
            *fetched = pr.fetched;
        } else {
            err = classify(err);
        }
        peer_run_clear(&pr);
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
            err = classify(err);
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
        rp->err = classify(rp->ts.err);
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
            rp->err = cn_error_wrap(classify(rp->err), "%s (stored)", rp->base);
            rp->errmsg = strdup(cn_error_message());
        }
    } else {
        rp->kind = PEER_CHANGED;
    }
    cn_error_clear();
    free(stored);
}

/* Phase 2 of one changed peer with its own HTTP client; no SQLite, no
 * progress (it may run on a worker thread). */
static void run_changed(round_peer *rp, const cn_sync_options *opts, const cn_http_options *ho,
                        cn_http *shared, time_t now)
{
    cn_http *http = shared;

    if (http == NULL && (rp->err = cn_http_new(&http, ho)) != 0) {
        rp->errmsg = strdup(cn_error_message());
        return;
    }
    rp->err =
        sync_changed(rp, NULL, opts, http, now, &rp->trusted, &rp->res->new_items, &rp->fetched);
    if (rp->err != 0)
        rp->errmsg = strdup(cn_error_message());
    if (http != shared) {
        rp->requests = cn_http_requests_made(http);
        rp->bytes = cn_http_bytes_received(http);
        cn_http_free(http);
    }
}

typedef struct {
    round_peer **jobs;
    size_t njobs, next;
    pthread_mutex_t lock;
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
    }
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
    int err = 0;

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
    q.opts = &quiet;
    q.ho = ho;
    q.now = now;
    pthread_mutex_init(&q.lock, NULL);
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
    for (i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
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
    char *name = NULL, msg[256];

    rec.time = (int64_t)time(NULL);
    rec.result = rp->kind == PEER_UNCHANGED ? "unchanged" : "ok";
    /* Validators belong to the peer's own URL: a source's are not kept. */
    rec.set_validators = rp->kind == PEER_CHANGED || (!rp->ts.not_modified && !rp->via_source);
    res->requests += (size_t)rp->requests;
    res->bytes += rp->bytes;
    res->targets_fetched = rp->fetched;
    free(res->source);
    res->source = strdup(rp->base ? rp->base : rp->peer.url);
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
        if (rp->trusted) {
            res->changed = 1;
            res->timestamp_version = cn_tuf_client_version(rp->trusted, CN_TUF_TIMESTAMP);
            learn_sources(db, opts, &rp->peer, rp->trusted);
            name = verified_name(opts, rp->peer.node_id, rp->trusted);
            rec.name = name;
        } else {
            res->timestamp_version = rp->peer.timestamp_version;
        }
        rec.timestamp_version = res->timestamp_version;
        snprintf(msg, sizeof(msg), "%s: %zu target%s, %" PRIu64 " bytes%s%s", rec.result,
                 res->targets_fetched, res->targets_fetched == 1 ? "" : "s", res->bytes,
                 rp->via_source ? " via " : "", rp->via_source ? rp->base : "");
    }
    if (cn_peers_record_sync(db, rp->peer.node_id, &rec) != 0)
        cn_error_clear();
    progress(opts, rp->peer.node_id, msg);
    free(name);
}

int cn_sync_round(cn_sync_report **out, cn_peers *db, const char *const *refs, size_t n,
                  const cn_sync_options *opts)
{
    cn_http_options ho = CN_HTTP_OPTIONS_INIT;
    cn_sync_report *report = NULL;
    cn_http_request **reqs = NULL;
    round_peer *rps = NULL;
    cn_http *http = NULL;
    size_t np = 0, i;
    time_t now = opts->now ? opts->now : time(NULL);
    int err, worst = 0;

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
    ho.connect_timeout_s = opts->connect_timeout_s;
    ho.low_speed_bytes = opts->low_speed_bytes;
    ho.low_speed_time_s = opts->low_speed_time_s;
    ho.max_parallel = opts->max_parallel;
    if ((err = cn_http_new(&http, &ho)) != 0)
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
    if ((err = cn_http_perform(http, reqs, np)) != 0)
        goto out;
    for (i = 0; i < np; i++) {
        rps[i].res->requests = 1;
        rps[i].res->bytes = rps[i].ts.received;
        /* Sources serve a peer whose server fails, now or in phase 2. */
        if (cn_peers_sources(&rps[i].sources, &rps[i].nsources, db, rps[i].peer.node_id) != 0)
            cn_error_clear();
    }
    if ((err = try_sources(rps, np, db, opts, http)) != 0)
        goto out;

    /* Phase 2: the changed peers, then every outcome recorded. */
    for (i = 0; i < np; i++)
        classify_peer(&rps[i], opts, now);
    if ((err = run_changed_peers(rps, np, opts, &ho, http, now)) != 0)
        goto out;
    for (i = 0; i < np; i++) {
        finish_peer(&rps[i], db, opts);
        worst = worse(worst, rps[i].res->err);
    }
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
        cn_tuf_client_free(rps[i].trusted);
    }
    free(rps);
    free(reqs);
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
    ho.connect_timeout_s = opts->connect_timeout_s;
    ho.low_speed_bytes = opts->low_speed_bytes;
    ho.low_speed_time_s = opts->low_speed_time_s;
    ho.max_parallel = opts->max_parallel;
    if ((err = cn_http_new(&http, &ho)) != 0)
        goto out;
    if (cn_peers_sources(&sources, &nsources, db, peer.node_id) != 0)
        cn_error_clear();
    for (s = 0; s <= nsources; s++) {
        memset(&pr, 0, sizeof(pr));
        pr.opts = opts;
        pr.http = http;
        memcpy(pr.node_id, peer.node_id, sizeof(pr.node_id));
        pr.policy = CN_POLICY_MIRROR;
        pr.base = s == 0 ? peer.url : sources[s - 1];
        pr.only_item = item;
        pr.only_version = version;
        pr.metadata = 0;
        if ((err = setup_dirs(&pr)) == 0 && (err = clean_repos(&pr)) == 0 &&
            (err = cn_mirror_load(&pr.c, opts->mirrors_dir, peer.node_id)) == 0) {
            pr.old_root = cn_tuf_client_version(pr.c, CN_TUF_ROOT);
            if ((err = index_targets(&pr)) == 0 && (err = index_items(&pr)) == 0 &&
                (err = check_published(&pr)) == 0 && (err = plan_items(&pr)) == 0 &&
                (err = fetch_all(&pr)) == 0)
                err = commit_all(&pr);
            for (k = 0; k < pr.nitems; k++) {
                git_repository_free(pr.items[k].q);
                pr.items[k].q = NULL;
                if (pr.items[k].qpath)
                    cn_rmtree(pr.items[k].qpath);
            }
            if (err == 0)
                cn_rmtree(pr.tdir);
        }
        if (err != 0 && err != CN_ENOTFOUND)
            err = classify(err);
        peer_run_clear(&pr);
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
