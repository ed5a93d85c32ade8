/*
 * sync_plan.c - planning a peer's phase 2: which target files, which
 * bundles in which order (PROTOCOL §8.4), and the check that a publisher
 * never rewrites a published version.
 *
 * Every lookup here is by hash (jansson objects) and every list grows by
 * doubling: a peer may validly sign a 16 MiB targets file, about 100,000
 * targets, and planning it must cost O(n log n), not minutes of CPU.
 *
 * The re-planning loop. Per item (item_work), over v[0..nv) in ascending
 * semver order, these hold from cn_sync_plan_items to the commit:
 *
 *   held  the newest version whose refs/tags/v<version> in the mirror
 *         repository is the signed custom.tag, -1 for none. It does not
 *         change during phase 2: nothing is written to the mirror
 *         repository before the commit.
 *   goal  the newest version (the asked one, for fetch_item with a version)
 *         with a full or delta bundle among the signed targets, -1 for none.
 *         Fixed once planned. An item with goal <= held, or of an `index`
 *         peer in a round, is done before anything is fetched.
 *   base  the newest version whose objects the quarantine or the mirror
 *         repository holds: held at first, then the version of each step
 *         applied. base only grows, and held <= base <= goal while the
 *         item is not done.
 *   steps the plan from base to goal (cn_sync_plan): versions strictly
 *         ascending, all above base, the last one goal. When base is -1 the
 *         first is the full bundle of the newest version <= goal whose full
 *         bundle is usable; every later version takes its delta if usable,
 *         else its full bundle. No step's file is unusable when planned.
 *   next  steps[0..next) are applied in quarantine, so base is
 *         steps[next - 1].vi when next > 0; done once next == nsteps.
 *
 * Per target file (tfile):
 *
 *   unusable   set when the server answered 404 for it, or, for a delta,
 *              when its prerequisite commit is in neither the quarantine nor
 *              the mirror repository (missing_prereq says which). It is never
 *              cleared within a run, and cn_sync_plan never picks such a
 *              file. cn_sync_advance_item replans from base only when a step
 *              of the current plan turned unusable, so each replan has
 *              strictly fewer files to choose from: there are at most as
 *              many replans as bundle files, and the last one either plans
 *              or fails (CN_EVERIFY naming the missing prerequisite when a
 *              delta was refused for it and no full bundle is left, CN_ENET
 *              when the files are absent).
 *   restarted  a download resumed from bytes an earlier run left in tmp/
 *              that does not hash is deleted and fetched once more, whole,
 *              from this server (state back to TF_IDLE, so the next pass
 *              wants it again); a whole download that does not hash is
 *              CN_EVERIFY. A file is downloaded at most twice per run, and a
 *              stale partial never blames the server in use.
 *
 * cn_sync_fetch_all makes passes: each wants every file not yet usable of
 * the unapplied steps [next, nsteps) of the unfinished items (and, in a
 * round, every other target), downloads them all at once, checks them, and
 * advances every item as far as its downloaded steps go. A pass that wants
 * nothing while an item is unfinished fails ("no progress") rather than
 * loop. Nothing here writes outside the peer's tmp/ directory.
 */
#include "core/error.h"
#include "core/file.h"
#include "core/hash.h"
#include "core/json.h"
#include "core/name.h"
#include "core/semver.h"
#include "peers/mirror.h"
#include "peers/sync_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* p grown to hold more than *cap elements of size bytes (doubling), or NULL
 * on overflow or OOM with p untouched. Lists that grow by one per signed
 * target must not be reallocated once per target. */
static void *grow(void *p, size_t *cap, size_t size)
{
    size_t n = *cap ? *cap * 2 : 16;
    void *q;

    if (n > SIZE_MAX / size || (q = realloc(p, n * size)) == NULL)
        return NULL;
    *cap = n;
    return q;
}

/* The integer that name maps to in the object *index (created on first
 * use), or -1 if none; <-1 on OOM. jansson's objects are hash tables with
 * a per-process random seed: a lookup does not depend on how many targets
 * a peer signs, nor can a peer choose names that collide. */
static json_int_t index_get(json_t **index, const char *name)
{
    json_t *at;

    if (*index == NULL && (*index = json_object()) == NULL)
        return -2;
    at = json_object_get(*index, name);
    return at ? json_integer_value(at) : -1;
}

static int index_set(json_t *index, const char *name, size_t i)
{
    return json_object_set_new_nocheck(index, name, json_integer((json_int_t)i));
}

/* The item_work of item, appended (items keep the order the targets first
 * name them in) when it is new; NULL on OOM. */
static item_work *find_item(peer_run *pr, const char *item)
{
    json_int_t at = index_get(&pr->item_index, item);
    item_work *w;

    if (at >= 0)
        return &pr->items[at];
    if (at < -1)
        return NULL;
    if (pr->nitems == pr->items_cap) {
        item_work *grown = grow(pr->items, &pr->items_cap, sizeof(*grown));
        if (grown == NULL)
            return NULL;
        pr->items = grown;
    }
    if (index_set(pr->item_index, item, pr->nitems) != 0)
        return NULL;
    w = &pr->items[pr->nitems++];
    memset(w, 0, sizeof(*w));
    snprintf(w->item, sizeof(w->item), "%s", item);
    w->held = w->goal = w->base = -1;
    return w;
}

/* The iversion of version in w, appended when it is new; NULL on OOM. */
static iversion *find_version(item_work *w, const char *version)
{
    json_int_t at = index_get(&w->version_index, version);
    iversion *v;

    if (at >= 0)
        return &w->v[at];
    if (at < -1)
        return NULL;
    if (w->nv == w->v_cap) {
        iversion *grown = grow(w->v, &w->v_cap, sizeof(*grown));
        if (grown == NULL)
            return NULL;
        w->v = grown;
    }
    if (index_set(w->version_index, version, w->nv) != 0)
        return NULL;
    v = &w->v[w->nv++];
    memset(v, 0, sizeof(*v));
    snprintf(v->vbuf, sizeof(v->vbuf), "%s", version);
    return v;
}

int cn_sync_version_at(const item_work *w, const char *version)
{
    json_t *at = json_object_get(w->version_index, version);

    return at ? (int)json_integer_value(at) : -1;
}

static int version_cmp(const void *a, const void *b)
{
    return cn_semver_compare(((const iversion *)a)->vbuf, ((const iversion *)b)->vbuf);
}

/* One tfile per trusted target: where it goes, whether it is stored. */
int cn_sync_index_targets(peer_run *pr)
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
        if (t->length > CN_MIRROR_TARGET_FILE_MAX)
            return cn_error_set(CN_EVERIFY, "target %s: %" PRIu64 " bytes is more than accepted",
                                t->path, t->length);
    }
    return 0;
}

/* Group item targets by item and version. */
int cn_sync_index_items(peer_run *pr)
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
        if ((w = find_item(pr, item)) == NULL || (v = find_version(w, version)) == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        if (strcmp(file, "full.bundle") == 0)
            v->full = f;
        else if (strcmp(file, "delta.bundle") == 0)
            v->delta = f;
        else if (strcmp(file, "manifest.json") == 0)
            v->manifest = f;
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
        for (j = 0; j < w->nv; j++) {
            w->v[j].version = w->v[j].vbuf;
            if (index_set(w->version_index, w->v[j].vbuf, j) != 0)
                return cn_error_set(CN_ENOMEM, "out of memory");
        }
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
    if (w->nsteps == w->steps_cap) {
        step *grown = grow(w->steps, &w->steps_cap, sizeof(*grown));
        if (grown == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        w->steps = grown;
    }
    w->steps[w->nsteps].vi = vi;
    w->steps[w->nsteps].full = full;
    w->nsteps++;
    return 0;
}

/* 1 if version vi's delta bundle can apply to what the mirror holds though
 * no listed version is held: its previous version is no longer listed
 * (layout 2 lists the newest alone, PROTOCOL §4.1) and the mirror
 * repository has that version's commit. */
static int delta_from_unlisted(const item_work *w, int vi)
{
    const char *prev = json_string_value(json_object_get(w->v[vi].custom, "previous"));
    const char *hex = json_string_value(json_object_get(w->v[vi].custom, "previous_commit"));
    git_repository *repo = NULL;
    git_odb *odb = NULL;
    git_oid commit;
    int held = 0;

    if (w->v[vi].delta == NULL || w->v[vi].delta->unusable || prev == NULL || hex == NULL ||
        cn_sync_version_at(w, prev) >= 0 || git_oid_fromstr(&commit, hex) != 0 ||
        !cn_dir_exists(w->repo_path) || git_repository_open_bare(&repo, w->repo_path) != 0) {
        git_error_clear();
        return 0;
    }
    if (git_repository_odb(&odb, repo) == 0)
        held = git_odb_exists(odb, &commit);
    git_error_clear();
    git_odb_free(odb);
    git_repository_free(repo);
    return held;
}

static int file_usable(const tfile *f)
{
    return f != NULL && !f->unusable;
}

/* Where a plan from nothing starts: the newest version up to goal with a
 * usable full bundle, or an older one whose full bundle and the usable
 * deltas of every version after it cost at most half as much again, the
 * oldest such: the checkpoint of layout 2 (PROTOCOL §4.1, Mirrors), from
 * which this mirror can serve new followers itself. -1 when no version from
 * the newest usable full bundle to goal has a usable delta chain. */
static int plan_start(const item_work *w)
{
    uint64_t chain = 0, limit = 0;
    int j, best = -1;

    for (j = w->goal; j >= 0; j--) {
        const tfile *full = w->v[j].full, *delta = w->v[j].delta;
        if (file_usable(full)) {
            if (best < 0) {
                best = j;
                limit = full->info->length + full->info->length / 2;
            } else if (full->info->length + chain <= limit) {
                best = j;
            }
        }
        if (!file_usable(delta))
            break;
        chain += delta->info->length;
    }
    return best;
}

/* Steps from w->base to w->goal (PROTOCOL §8.4): from nothing, the full
 * bundle plan_start picks, then deltas; otherwise the delta of each newer
 * version, or its full bundle where the delta is not usable. */
int cn_sync_plan(item_work *w)
{
    int k, j, err;

    w->nsteps = w->next = 0;
    k = w->base + 1;
    if (w->base < 0 && delta_from_unlisted(w, w->goal))
        return push_step(w, w->goal, 0); /* if its prerequisite is missing after all: replanned */
    if (w->base < 0) {
        if ((j = plan_start(w)) < 0)
            for (j = w->goal; j >= 0 && !file_usable(w->v[j].full); j--)
                ;
        if (j < 0 && w->missing_prereq[0])
            /* A delta from an unlisted version was refused (layout 2,
             * PROTOCOL §4.1): the server's bundle failed, not the network. */
            return cn_error_set(CN_EVERIFY, "%s, and no full bundle of %s@%s is available",
                                w->missing_prereq, w->item, w->v[w->goal].version);
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
int cn_sync_published_add(peer_run *pr, const cn_tuf_target_info *t)
{
    const char *commit = json_string_value(json_object_get(t->custom, "commit"));
    const char *tag = json_string_value(json_object_get(t->custom, "tag"));
    char item[CN_SLUG_MAX + 1], version[128];
    char key[sizeof(item) + sizeof(version)];
    struct published *o;
    const char *file;
    json_int_t at;

    if (!split_item_path(t->path, item, version, sizeof(version), &file) || commit == NULL ||
        tag == NULL || strlen(commit) != GIT_OID_HEXSZ || strlen(tag) != GIT_OID_HEXSZ)
        return 0;
    snprintf(key, sizeof(key), "%s/%s", item, version);
    if ((at = index_get(&pr->old_index, key)) >= 0)
        return 0; /* the first target of a version names it */
    if (at < -1)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if (pr->nold == pr->old_cap) {
        struct published *grown = grow(pr->old, &pr->old_cap, sizeof(*grown));
        if (grown == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        pr->old = grown;
    }
    if (index_set(pr->old_index, key, pr->nold) != 0)
        return cn_error_set(CN_ENOMEM, "out of memory");
    o = &pr->old[pr->nold++];
    snprintf(o->item, sizeof(o->item), "%s", item);
    snprintf(o->version, sizeof(o->version), "%s", version);
    memcpy(o->commit, commit, GIT_OID_HEXSZ + 1);
    memcpy(o->tag, tag, GIT_OID_HEXSZ + 1);
    return 0;
}

int cn_sync_collect_published(peer_run *pr)
{
    size_t i, n = cn_tuf_client_target_count(pr->c);
    int err;

    for (i = 0; i < n; i++)
        if ((err = cn_sync_published_add(pr, cn_tuf_client_target_at(pr->c, i))) != 0)
            return err;
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
int cn_sync_check_published(peer_run *pr)
{
    size_t i, j;
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
            char name[160], have[GIT_OID_HEXSZ + 1], key[sizeof(w->item) + sizeof(w->v[j].vbuf)];
            const json_t *at;
            if (commit == NULL || tag == NULL)
                continue;
            snprintf(key, sizeof(key), "%s/%s", w->item, w->v[j].version);
            if ((at = json_object_get(pr->old_index, key)) != NULL) {
                const struct published *o = &pr->old[json_integer_value(at)];
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

/* 1 if this mirror will hold f after the run: stored, kept, or a step. */
static int will_hold(const item_work *w, const tfile *f)
{
    size_t k;

    if (!file_usable(f))
        return 0;
    if (cn_sync_usable(f) || f->keep)
        return 1;
    for (k = 0; k < w->nsteps; k++)
        if ((w->steps[k].full ? w->v[w->steps[k].vi].full : w->v[w->steps[k].vi].delta) == f)
            return 1;
    return 0;
}

/* A mirror serves what it holds to followers new to the item: it must hold a
 * listed full bundle and the delta of every version after it up to goal.
 * When the plan leaves it without (it followed by deltas and the role lists
 * the checkpoint's full bundle, PROTOCOL §4.1, Mirrors), the files of the
 * chain plan_start picks are kept too: downloaded and stored, not applied. */
static void plan_keep(item_work *w)
{
    int j, start;

    for (j = w->goal; j >= 0; j--) {
        if (will_hold(w, w->v[j].full))
            return;
        if (!will_hold(w, w->v[j].delta))
            break;
    }
    if ((start = plan_start(w)) < 0)
        return;
    w->v[start].full->keep = !will_hold(w, w->v[start].full);
    for (j = start + 1; j <= w->goal; j++)
        if (!will_hold(w, w->v[j].delta))
            w->v[j].delta->keep = 1;
}

int cn_sync_plan_items(peer_run *pr)
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
            if (pr->only_item == NULL)
                plan_keep(w);
            continue;
        }
        if ((err = cn_sync_plan(w)) != 0)
            return err;
        if (pr->only_item == NULL)
            plan_keep(w);
        /* A manifest is its version's tag message, byte for byte (PROTOCOL
         * §7), and the bundles about to come carry the tags: take it from
         * there rather than download it (cn_sync_take_manifests). */
        for (j = 0; j < (int)w->nv; j++)
            if (w->v[j].manifest && !cn_sync_usable(w->v[j].manifest))
                w->v[j].manifest->from_tag = 1;
    }
    if (pr->only_item && pr->nitems == 0)
        return cn_error_set(CN_ENOTFOUND, "%s is not in the signed targets of node %.12s",
                            pr->only_item, pr->node_id);
    return 0;
}
