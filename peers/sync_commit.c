/*
 * sync_commit.c - the commit of a peer's phase 2 (PROTOCOL §8.6), run only
 * when every check passed: target files renamed into the mirror tree, packs
 * moved from quarantine, refs moved, info files rewritten, then new roots,
 * targets, snapshot, the pointer and timestamp.json last.
 */
#include "core/error.h"
#include "core/file.h"
#include "core/git.h"
#include "core/json.h"
#include "peers/sync_internal.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* core's cn_git_error ("what: libgit2's message") on one line: libgit2 ends
 * some messages with ": " and an empty reason, as when a lock file exists;
 * say what that means instead. */
static int git_fail(int code, int git_err, const char *what)
{
    char msg[1024];
    size_t n;

    cn_git_error(code, what);
    git_error_clear();
    snprintf(msg, sizeof(msg), "%s", cn_error_message());
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == ' ' || msg[n - 1] == ':' || msg[n - 1] == '\n'))
        msg[--n] = '\0';
    if (git_err == GIT_ELOCKED || strstr(msg, "failed to lock") != NULL)
        return cn_error_set(code, "%s (the lock file exists: another writer holds it)", msg);
    return cn_error_set(code, "%s", msg);
}
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
    for (i = 0; i < (int)w->nhistory; i++) {
        snprintf(name, sizeof(name), "refs/tags/v%s", w->history[i].version);
        if ((err = set_ref(&changed, repo, name, &w->history[i].tag, 0)) != 0) {
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
    char name[CN_TUF_MAX_ROLE_NAME * 3 + 64], *tuf = cn_path_join(pr->mdir, "tuf");
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
    /* Delegated roles (layout 2, PROTOCOL §4.1) before the snapshot that
     * names them; one whose version is stored already is left as it is. */
    for (i = 0; i < cn_tuf_client_delegated_count(pr->c) && err == 0; i++) {
        char *file = NULL;
        if ((err = cn_tuf_client_delegated_bytes(&b, &len, pr->c, i)) != 0 ||
            (err = cn_tuf_role_file_name(&file, cn_tuf_client_delegated_at(pr->c, i),
                                         consistent ? cn_tuf_client_delegated_version(pr->c, i)
                                                    : 0)) != 0)
            break;
        snprintf(name, sizeof(name), "tuf/%s", file);
        free(file);
        err = strlen(name) + 1 >= sizeof(name)
                  ? cn_error_set(CN_EINVAL, "delegated role %s: name too long",
                                 cn_tuf_client_delegated_at(pr->c, i))
                  : write_metadata(pr, name, b, len);
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

int cn_sync_commit_all(peer_run *pr)
{
    size_t i;
    int err;

    for (i = 0; i < pr->nfiles; i++) {
        tfile *f = &pr->files[i];
        if (f->downloaded && (err = rename_durably(f->tmp, f->final)) != 0)
            return err;
    }
    for (i = 0; i < pr->nitems; i++)
        if (!pr->items[i].failure && (err = commit_item(pr, &pr->items[i])) != 0)
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
    pr->committed = 1;
    return 0;
}
