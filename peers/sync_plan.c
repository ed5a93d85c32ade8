/*
 * sync_plan.c - planning a peer's phase 2: which target files, which
 * bundles in which order (PROTOCOL §8.4), and the check that a publisher
 * never rewrites a published version.
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

#define TARGET_FILE_MAX ((uint64_t)4 << 30)

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
        if (t->length > TARGET_FILE_MAX)
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
int cn_sync_plan(item_work *w)
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
int cn_sync_collect_published(peer_run *pr)
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
int cn_sync_check_published(peer_run *pr)
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
            continue;
        }
        if ((err = cn_sync_plan(w)) != 0)
            return err;
    }
    if (pr->only_item && pr->nitems == 0)
        return cn_error_set(CN_ENOTFOUND, "%s is not in the signed targets of node %.12s",
                            pr->only_item, pr->node_id);
    return 0;
}
