/*
 * sync_quarantine.c - bundles into quarantine (PROTOCOL §8.5): each bundle
 * is indexed into a repository under tmp/ whose alternates point at the
 * mirror repository, and every tag it carries is checked (object id,
 * commit, SSHSIG by a targets key of the publisher). Nothing the mirror
 * holds is written here.
 */
#include "core/bundle.h"
#include "core/error.h"
#include "core/file.h"
#include "core/git.h"
#include "core/json.h"
#include "core/semver.h"
#include "peers/mirror.h"
#include "peers/sync_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int cn_sync_bundle_header_read(cn_bundle_header **out, const char *path)
{
    unsigned char *buf = NULL;
    size_t got = 0;
    int fd, err = 0;

    *out = NULL;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return cn_error_set(CN_ERROR, "%s: %s", path, strerror(errno));
    if ((buf = malloc(CN_BUNDLE_MAX_HEADER)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    /* One read may return fewer bytes than asked, and legally so (a pipe, a
     * signal, a network file system): read until the header's bound is
     * filled or the file ends. */
    while (got < CN_BUNDLE_MAX_HEADER) {
        ssize_t n = read(fd, buf + got, CN_BUNDLE_MAX_HEADER - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = cn_error_set(CN_ERROR, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    if (cn_bundle_header_parse(out, buf, got) != 0)
        err = cn_error_wrap(CN_EVERIFY, "%s", path);
out:
    free(buf);
    close(fd);
    return err;
}

/* 1 if every prerequisite of the bundle at path is in the quarantine (or
 * the mirror repository behind it), 0 if not, <0 on error; *header gets
 * the bundle's parsed header when 1. */
static int prerequisites_present(git_oid *missing, cn_bundle_header **header, item_work *w,
                                 const char *path)
{
    cn_bundle_header *h = NULL;
    git_odb *odb = NULL;
    size_t i;
    int r;

    if ((r = cn_sync_bundle_header_read(&h, path)) != 0)
        return r;
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

/* Keep the tag of an older version `version` that the signed targets no
 * longer list, when it is older than the newest version they list and signed by
 * the publisher (PROTOCOL §4.1); anything else is left unreferenced. */
static int add_history_tag(peer_run *pr, item_work *w, const char *version, const git_oid *oid)
{
    struct history_tag *grown;
    size_t i;

    if (w->nv == 0 || strlen(version) >= sizeof(grown->version) || cn_semver_check(version) != 0 ||
        cn_semver_compare(version, w->v[w->nv - 1].version) >= 0 ||
        cn_mirror_check_history_tag(w->q, pr->c, version, oid) != 0) {
        cn_error_clear();
        return 0;
    }
    for (i = 0; i < w->nhistory; i++)
        if (strcmp(w->history[i].version, version) == 0)
            return 0;
    if ((grown = realloc(w->history, (w->nhistory + 1) * sizeof(*grown))) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    w->history = grown;
    snprintf(grown[w->nhistory].version, sizeof(grown->version), "%s", version);
    grown[w->nhistory++].tag = *oid;
    return 0;
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

    /* Only a check of the bundle fails the item alone (CN_EVERIFY): the
     * quarantine is the follower's own, so its failures fail the round. */
    if ((err = open_quarantine(w)) != 0)
        return err == CN_ENOMEM ? err : cn_error_wrap(CN_ERROR, "quarantine of %s", w->item);
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
        if ((err = cn_bundle_unbundle(&h, w->q, path, pr->opts->max_object, pr->opts->phases)) !=
            0) {
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
        if (strncmp(name, "refs/tags/v", 11) != 0)
            continue;
        if ((vi = cn_sync_version_at(w, name + 11)) < 0) {
            /* Not a version the signed metadata lists: an older one's tag
             * when the publisher signed it (layout 2), else never
             * referenced. */
            if ((err = add_history_tag(pr, w, name + 11, &h->refs[i].oid)) != 0)
                goto out;
            continue;
        }
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
int cn_sync_advance_item(peer_run *pr, item_work *w)
{
    int err;

    while (!w->done && w->next < w->nsteps) {
        const step *s = &w->steps[w->next];
        tfile *f = s->full ? w->v[s->vi].full : w->v[s->vi].delta;
        if (f->state == TF_MISSING || f->unusable) {
            f->unusable = 1;
            if ((err = cn_sync_plan(w)) != 0)
                return err;
            continue;
        }
        if (!cn_sync_usable(f))
            return 0; /* to download first */
        if ((err = apply_bundle(pr, w, s, f)) < 0)
            return err;
        if (err == 1) {
            f->unusable = 1; /* its prerequisite is missing */
            if ((err = cn_sync_plan(w)) != 0)
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
