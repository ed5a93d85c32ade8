/*
 * git_import.c - copy a commit's history from a repository into the node's
 * bare repository by reusing its packed objects (core/pack_plan.h): one
 * pack, written with its index straight into the node's objects/pack.
 *
 * The walk checks every tree it reads by core/tree_check.h's rules before a
 * byte is written, so a hostile path is refused with nothing imported.
 * Objects the node already has (an earlier version's history) are left
 * out. The pack and its index are written under temporary names, synced,
 * and renamed into place, index last: a reader sees either no pack or a
 * whole one.
 */
#include "core/error.h"
#include "core/file.h"
#include "core/git.h"
#include "core/pack_index.h"
#include "core/pack_plan.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    int fd;
    int err; /* errno of the first failed write */
} pack_file;

static int write_cb(void *payload, const void *data, size_t len)
{
    pack_file *f = payload;
    const char *p = data;

    while (len > 0) {
        ssize_t n = write(f->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            f->err = errno;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The commits repo's refs point at that src also has: their history is
 * left out of the walk. */
static int known_commits(git_oid **out, size_t *n, git_repository *repo, git_odb *src_odb)
{
    git_reference_iterator *it = NULL;
    git_reference *ref = NULL;
    git_object *obj = NULL;
    git_oid *grown;
    size_t cap = 0;
    int r, err = 0;

    *out = NULL;
    *n = 0;
    if (git_reference_iterator_new(&it, repo) < 0)
        return cn_git_error(CN_ERROR, "cannot list references");
    while ((r = git_reference_next(&ref, it)) == 0) {
        if (git_reference_type(ref) == GIT_REFERENCE_DIRECT &&
            git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) == 0 &&
            git_odb_exists(src_odb, git_object_id(obj))) {
            if (*n == cap) {
                cap = cap ? cap * 2 : 16;
                if ((grown = realloc(*out, cap * sizeof(*grown))) == NULL) {
                    err = cn_error_set(CN_ENOMEM, "out of memory");
                    goto out;
                }
                *out = grown;
            }
            git_oid_cpy(&(*out)[(*n)++], git_object_id(obj));
        }
        git_object_free(obj);
        obj = NULL;
        git_error_clear();
        git_reference_free(ref);
        ref = NULL;
    }
    if (r != GIT_ITEROVER)
        err = cn_git_error(CN_ERROR, "cannot list references");
out:
    git_object_free(obj);
    git_reference_free(ref);
    git_reference_iterator_free(it);
    return err;
}

static int sync_close(int *fd, const char *path)
{
    int r = fsync(*fd) == 0 ? close(*fd) : -1;

    if (r != 0 && *fd >= 0 && errno != EBADF)
        close(*fd);
    *fd = -1;
    return r == 0 ? 0 : cn_error_set(CN_ERROR, "cannot write %s: %s", path, strerror(errno));
}

/* Write plan's pack and its index into pack_dir as pack-<sha>.{pack,idx}. */
static int write_pack(cn_pack_plan *plan, const char *pack_dir, const cn_progress *progress)
{
    char tmp_pack[PATH_MAX], tmp_idx[PATH_MAX], final[PATH_MAX];
    unsigned char sha[GIT_OID_RAWSZ];
    char hex[GIT_OID_HEXSZ + 1];
    cn_pack_index_entry *entries = NULL;
    pack_file pf = {-1, 0};
    int idx_fd = -1, err = CN_ERROR;
    git_oid name;

    snprintf(tmp_pack, sizeof(tmp_pack), "%s/tmp_pack_XXXXXX", pack_dir);
    snprintf(tmp_idx, sizeof(tmp_idx), "%s/tmp_idx_XXXXXX", pack_dir);
    if ((err = cn_mkdir_p(pack_dir, 0755)) != 0)
        return err;
    if ((pf.fd = mkstemp(tmp_pack)) < 0) {
        tmp_pack[0] = tmp_idx[0] = '\0';
        err = cn_error_set(CN_ERROR, "cannot create a pack in %s: %s", pack_dir, strerror(errno));
        goto out;
    }
    if ((idx_fd = mkstemp(tmp_idx)) < 0) {
        tmp_idx[0] = '\0';
        err = cn_error_set(CN_ERROR, "cannot create a pack index in %s: %s", pack_dir,
                           strerror(errno));
        goto out;
    }
    if ((err = cn_pack_plan_write(plan, write_cb, &pf, progress, &entries, sha)) != 0) {
        if (pf.err)
            err =
                cn_error_set(CN_ERROR, "cannot write a pack in %s: %s", pack_dir, strerror(pf.err));
        goto out;
    }
    if ((err = cn_pack_index_write(idx_fd, entries, cn_pack_plan_count(plan), sha)) != 0 ||
        (err = sync_close(&pf.fd, tmp_pack)) != 0 || (err = sync_close(&idx_fd, tmp_idx)) != 0)
        goto out;
    git_oid_fromraw(&name, sha);
    git_oid_tostr(hex, sizeof(hex), &name);
    snprintf(final, sizeof(final), "%s/pack-%s.pack", pack_dir, hex);
    if (chmod(tmp_pack, 0444) != 0 || chmod(tmp_idx, 0444) != 0 || rename(tmp_pack, final) != 0) {
        err = cn_error_set(CN_ERROR, "cannot store %s: %s", final, strerror(errno));
        goto out;
    }
    tmp_pack[0] = '\0';
    snprintf(final, sizeof(final), "%s/pack-%s.idx", pack_dir, hex);
    if (rename(tmp_idx, final) != 0) {
        err = cn_error_set(CN_ERROR, "cannot store %s: %s", final, strerror(errno));
        goto out;
    }
    tmp_idx[0] = '\0';
    err = cn_fsync_dir(pack_dir);
out:
    if (pf.fd >= 0)
        close(pf.fd);
    if (idx_fd >= 0)
        close(idx_fd);
    if (tmp_pack[0])
        unlink(tmp_pack);
    if (tmp_idx[0])
        unlink(tmp_idx);
    free(entries);
    return err;
}

int cn_git_import(git_repository *repo, const char *src_path, const git_oid *commit,
                  const cn_progress *progress, cn_pack_plan **history)
{
    cn_pack_plan_opts opts = {0};
    cn_pack_plan *plan = NULL;
    git_repository *src = NULL;
    git_odb *src_odb = NULL, *odb = NULL;
    git_oid *known = NULL;
    size_t nknown = 0;
    char *pack_dir = NULL;
    size_t counted;
    int err = CN_ERROR;

    if (history)
        *history = NULL;
    if (git_repository_open_ext(&src, src_path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
        return cn_git_error(CN_EINVAL, src_path);
    if (git_repository_is_shallow(src)) {
        err =
            cn_error_set(CN_EUNSUPPORTED, "%s: shallow repositories cannot be published", src_path);
        goto out;
    }
    if (git_repository_odb(&odb, repo) < 0 || git_repository_odb(&src_odb, src) < 0) {
        cn_git_error(CN_ERROR, "cannot open object database");
        goto out;
    }
    if (git_odb_exists(odb, commit)) {
        err = 0; /* already imported (objects are only ever added whole, by packs) */
        goto out;
    }
    if ((err = known_commits(&known, &nknown, repo, src_odb)) != 0)
        goto out;
    opts.tips = commit;
    opts.ntips = 1;
    opts.hide = known;
    opts.nhide = nknown;
    opts.progress = progress;
    if ((err = cn_pack_plan_new(&plan, src, &opts)) != 0) {
        /* A hostile tree or a hole in the history is the source's fault. */
        if (err == CN_EINVAL || err == CN_EVERIFY)
            err = cn_error_wrap(CN_EINVAL, "%s", src_path);
        goto out;
    }
    counted = cn_pack_plan_count(plan);
    if ((err = cn_pack_plan_exclude_present(plan, repo)) != 0)
        goto out;
    if (cn_pack_plan_count(plan) == 0)
        goto out;
    if ((err = cn_git_pack_dir(&pack_dir, repo)) != 0 ||
        (err = write_pack(plan, pack_dir, progress)) != 0)
        goto out;
    if (git_odb_refresh(odb) < 0) {
        err = cn_git_error(CN_ERROR, "cannot reload object database");
        goto out;
    }
    /* The whole history was counted and copied: the caller need not count
     * it again to write a full bundle. */
    if (history && nknown == 0 && cn_pack_plan_count(plan) == counted &&
        (err = cn_pack_plan_relocate(plan, repo)) == 0) {
        *history = plan;
        plan = NULL;
    }
out:
    free(pack_dir);
    free(known);
    cn_pack_plan_free(plan);
    git_odb_free(src_odb);
    git_odb_free(odb);
    git_repository_free(src);
    return err;
}
