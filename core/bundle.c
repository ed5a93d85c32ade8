/*
 * bundle.c - git bundle v2 files: write them (full and delta bundles, their
 * packs written by reuse with core/pack_plan.h) and read them with a strict
 * header parser and libgit2's indexer.
 *
 * Writing streams the pack into a temporary file next to the target, then
 * fsyncs and renames it into place. Reading never trusts the file: the header
 * goes through cn_reader with fixed caps, the pack through the indexer with
 * object verification and the repository's odb (so a delta bundle's bases
 * resolve), and refs are left alone.
 */
#include "core/bundle.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/file.h"
#include "core/git.h"
#include "core/pack.h"
#include "core/pack_plan.h"
#include "core/tree_check.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIG_V2 "# v2 git bundle"
#define SIG_V3 "# v3 git bundle"
/* Longest header line: an oid, a space and a ref name or commit subject. */
#define CN_BUNDLE_MAX_LINE 4096
/* Longest chain of tags pointing at tags that a written bundle follows. */
#define CN_BUNDLE_MAX_TAG_CHAIN 16
#define IO_CHUNK                (256 * 1024)

/* ---- writing ---------------------------------------------------------- */

typedef struct {
    int fd;
    int err; /* errno of the first failed write */
} sink;

static int write_all(sink *s, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = write(s->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            s->err = errno;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int pack_chunk_cb(void *payload, const void *buf, size_t size)
{
    return write_all(payload, buf, size) < 0 ? -1 : 0;
}

/* The pack writer's "Writing objects", told as which bundle is written
 * (a publish writes three packs: the import, the full and the delta
 * bundle). */
typedef struct {
    const cn_progress *to;
    const char *phase;
} renamed_progress;

static void renamed_report(void *payload, const char *phase, uint64_t done, uint64_t total)
{
    renamed_progress *r = payload;

    (void)phase;
    cn_progress_report(r->to, r->phase, done, total);
}

static void renamed_end(void *payload, const char *phase)
{
    renamed_progress *r = payload;

    (void)phase;
    cn_progress_end(r->to, r->phase);
}

/* Add the annotated tag refname names, and any tags it points at, to plan
 * and the header; its commit must be in head's history. */
static int add_tag(cn_buf *hdr, cn_pack_plan *plan, git_repository *repo, const char *refname,
                   const git_oid *head)
{
    char hex[GIT_OID_HEXSZ + 1];
    git_reference *ref = NULL, *resolved = NULL;
    git_object *obj = NULL;
    git_tag *tag = NULL;
    const git_oid *oid;
    int i, r, err = CN_ERROR;

    if (strncmp(refname, "refs/tags/", 10) != 0) {
        return cn_error_set(CN_EINVAL, "%s: only refs/tags/ refs can be bundled", refname);
    }
    if (git_reference_lookup(&ref, repo, refname) < 0 ||
        git_reference_resolve(&resolved, ref) < 0) {
        err = cn_git_error(CN_ENOTFOUND, refname);
        goto out;
    }
    oid = git_reference_target(resolved);
    git_oid_tostr(hex, sizeof(hex), oid);
    if ((err = cn_buf_printf(hdr, "%s %s\n", hex, refname)) != 0)
        goto out;
    err = CN_ERROR;
    if (git_object_lookup(&obj, repo, oid, GIT_OBJECT_ANY) < 0) {
        cn_git_error(CN_ERROR, refname);
        goto out;
    }
    for (i = 0; git_object_type(obj) == GIT_OBJECT_TAG; i++) {
        if (i == CN_BUNDLE_MAX_TAG_CHAIN) {
            err = cn_error_set(CN_ELIMIT, "%s: tag chain longer than %d", refname,
                               CN_BUNDLE_MAX_TAG_CHAIN);
            goto out;
        }
        if ((err = cn_pack_plan_insert(plan, git_object_id(obj), GIT_OBJECT_TAG)) != 0)
            goto out;
        err = CN_ERROR;
        tag = (git_tag *)obj;
        r = git_tag_target(&obj, tag);
        git_tag_free(tag);
        if (r < 0) {
            obj = NULL;
            cn_git_error(CN_ERROR, refname);
            goto out;
        }
    }
    if (i == 0) {
        err = cn_error_set(CN_EINVAL, "%s is not an annotated tag", refname);
        goto out;
    }
    if (git_object_type(obj) != GIT_OBJECT_COMMIT) {
        err = cn_error_set(CN_EINVAL, "%s does not point at a commit", refname);
        goto out;
    }
    if ((r = cn_git_is_ancestor(repo, git_object_id(obj), head)) != 1) {
        err = r < 0 ? r
                    : cn_error_set(CN_EINVAL, "%s points at a commit outside the bundle's history",
                                   refname);
        goto out;
    }
    err = 0;
out:
    git_object_free(obj);
    git_reference_free(resolved);
    git_reference_free(ref);
    return err;
}

/* The header and a plan of everything the bundle carries. */
static int prepare(cn_buf *hdr, cn_pack_plan **plan, git_repository *repo,
                   const cn_bundle_write_opts *opts)
{
    char hex[GIT_OID_HEXSZ + 1];
    cn_pack_plan_opts popts = {0};
    git_commit *head = NULL, *prereq = NULL;
    const char *subject;
    size_t i;
    int r, err = CN_ERROR;

    *plan = NULL;
    if (git_commit_lookup(&head, repo, &opts->head_commit) < 0) {
        err = cn_git_error(CN_ENOTFOUND, "bundle head commit");
        goto out;
    }
    if ((err = cn_buf_puts(hdr, SIG_V2 "\n")) != 0)
        goto out;
    if (opts->prerequisite) {
        if (git_commit_lookup(&prereq, repo, opts->prerequisite) < 0) {
            err = cn_git_error(CN_ENOTFOUND, "bundle prerequisite commit");
            goto out;
        }
        if ((r = cn_git_is_ancestor(repo, opts->prerequisite, &opts->head_commit)) != 1) {
            err = r < 0 ? r
                        : cn_error_set(CN_EINVAL,
                                       "the prerequisite is not an ancestor of the bundle's head");
            goto out;
        }
        subject = git_commit_summary(prereq);
        git_oid_tostr(hex, sizeof(hex), opts->prerequisite);
        if ((err = cn_buf_printf(hdr, "-%s %s\n", hex, subject ? subject : "")) != 0)
            goto out;
        popts.hide = opts->prerequisite;
        popts.nhide = 1;
        popts.thin = 1;
    }
    git_oid_tostr(hex, sizeof(hex), &opts->head_commit);
    if ((err = cn_buf_printf(hdr, "%s HEAD\n", hex)) != 0)
        goto out;
    popts.tips = &opts->head_commit;
    popts.ntips = 1;
    popts.progress = opts->progress;
    if (opts->history && !opts->prerequisite)
        *plan = opts->history;
    else if ((err = cn_pack_plan_new(plan, repo, &popts)) != 0)
        goto out;
    for (i = 0; i < opts->ntag_refs; i++)
        if ((err = add_tag(hdr, *plan, repo, opts->tag_refs[i], &opts->head_commit)) != 0)
            goto out;
    if (hdr->len > CN_BUNDLE_MAX_HEADER) {
        err = cn_error_set(CN_ELIMIT, "bundle header exceeds %d bytes", CN_BUNDLE_MAX_HEADER);
        goto out;
    }
    if (cn_pack_plan_count(*plan) == 0) {
        err = cn_error_set(CN_EINVAL, "refusing to write an empty bundle");
        goto out;
    }
    err = cn_buf_puts(hdr, "\n");
out:
    if (err != 0) {
        if (*plan != opts->history)
            cn_pack_plan_free(*plan);
        *plan = NULL;
    }
    git_commit_free(prereq);
    git_commit_free(head);
    return err;
}

int cn_bundle_write(git_repository *repo, const char *path, const cn_bundle_write_opts *opts)
{
    char tmp[PATH_MAX], dir[PATH_MAX];
    unsigned char sha[GIT_OID_RAWSZ];
    renamed_progress renamed = {opts->progress, opts->prerequisite ? "Writing delta bundle"
                                                                   : "Writing full bundle"};
    cn_progress progress = {renamed_report, renamed_end, &renamed};
    cn_pack_plan *plan = NULL;
    cn_buf hdr = CN_BUF_INIT;
    sink s = {-1, 0};
    int err;

    if (opts->ntag_refs > CN_BUNDLE_MAX_REFS - 1)
        return cn_error_set(CN_ELIMIT, "too many refs for one bundle");
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
        return cn_error_set(CN_EINVAL, "path too long: %s", path);
    if ((err = prepare(&hdr, &plan, repo, opts)) != 0)
        goto out;
    err = CN_ERROR;
    if ((s.fd = mkstemp(tmp)) < 0) {
        tmp[0] = '\0';
        cn_error_set(CN_ERROR, "cannot create temporary file for %s: %s", path, strerror(errno));
        goto out;
    }
    if (fchmod(s.fd, 0644) != 0 || write_all(&s, hdr.data, hdr.len) != 0) {
        cn_error_set(CN_ERROR, "cannot write %s: %s", path, strerror(s.err ? s.err : errno));
        goto out;
    }
    if ((err = cn_pack_plan_write(plan, pack_chunk_cb, &s, opts->progress ? &progress : NULL, NULL,
                                  sha)) != 0) {
        if (s.err)
            err = cn_error_set(CN_ERROR, "cannot write bundle: %s", strerror(s.err));
        cn_error_wrap(err, "%s", path);
        goto out;
    }
    err = CN_ERROR;
    if (fsync(s.fd) != 0 || close(s.fd) != 0) {
        s.fd = -1;
        cn_error_set(CN_ERROR, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    s.fd = -1;
    if (rename(tmp, path) != 0) {
        cn_error_set(CN_ERROR, "cannot rename into %s: %s", path, strerror(errno));
        goto out;
    }
    tmp[0] = '\0';
    cn_path_dir(dir, sizeof(dir), path);
    err = cn_fsync_dir(dir);
out:
    if (s.fd >= 0)
        close(s.fd);
    if (tmp[0] != '\0' && err != 0)
        unlink(tmp);
    if (plan != opts->history)
        cn_pack_plan_free(plan);
    cn_buf_free(&hdr);
    return err;
}

/* ---- reading ---------------------------------------------------------- */

void cn_bundle_header_free(cn_bundle_header *h)
{
    size_t i;

    if (h == NULL)
        return;
    for (i = 0; i < h->nrefs; i++)
        free(h->refs[i].name);
    free(h->refs);
    free(h->prereqs);
    free(h);
}

/* Exactly 40 lowercase hex digits, as git writes them. */
static int parse_oid(git_oid *out, const char *s, size_t n, size_t lineno)
{
    size_t i;

    if (n < GIT_OID_HEXSZ)
        return cn_error_set(CN_EINVAL, "bundle header line %zu: object id too short", lineno);
    for (i = 0; i < GIT_OID_HEXSZ; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return cn_error_set(CN_EINVAL,
                                "bundle header line %zu: object id is not 40 "
                                "lowercase hex digits",
                                lineno);
    if (git_oid_fromstrn(out, s, GIT_OID_HEXSZ) < 0)
        return cn_error_set(CN_EINVAL, "bundle header line %zu: bad object id", lineno);
    return 0;
}

/* A ref name a bundle may carry: "HEAD" or a valid full ref name, no "..". */
static int check_ref_name(const char *name, size_t lineno)
{
    int valid = 0;

    if (strstr(name, "..") != NULL)
        return cn_error_set(CN_EINVAL, "bundle header line %zu: ref name contains \"..\"", lineno);
    if (strcmp(name, "HEAD") == 0)
        return 0;
    if (strncmp(name, "refs/", 5) != 0 || git_reference_name_is_valid(&valid, name) < 0 || !valid)
        return cn_error_set(CN_EINVAL, "bundle header line %zu: invalid ref name", lineno);
    return 0;
}

static int add_prereq(cn_bundle_header *h, const char *line, size_t n, size_t lineno)
{
    git_oid oid;
    int err;

    if (h->nprereqs == CN_BUNDLE_MAX_PREREQS)
        return cn_error_set(CN_ELIMIT, "bundle has more than %d prerequisites",
                            CN_BUNDLE_MAX_PREREQS);
    if (h->nrefs > 0)
        return cn_error_set(CN_EINVAL, "bundle header line %zu: prerequisite after a ref", lineno);
    if ((err = parse_oid(&oid, line + 1, n - 1, lineno)) != 0)
        return err;
    /* After the id: nothing, or a space and the commit's subject. */
    if (n > 1 + GIT_OID_HEXSZ && line[1 + GIT_OID_HEXSZ] != ' ')
        return cn_error_set(CN_EINVAL, "bundle header line %zu: junk after object id", lineno);
    git_oid_cpy(&h->prereqs[h->nprereqs++], &oid);
    return 0;
}

static int add_ref(cn_bundle_header *h, const char *line, size_t n, size_t lineno)
{
    cn_bundle_ref *ref;
    git_oid oid;
    char *name;
    size_t i, namelen;
    int err;

    if (h->nrefs == CN_BUNDLE_MAX_REFS)
        return cn_error_set(CN_ELIMIT, "bundle has more than %d refs", CN_BUNDLE_MAX_REFS);
    if ((err = parse_oid(&oid, line, n, lineno)) != 0)
        return err;
    if (n < GIT_OID_HEXSZ + 2 || line[GIT_OID_HEXSZ] != ' ')
        return cn_error_set(CN_EINVAL, "bundle header line %zu: expected \"<oid> <ref>\"", lineno);
    namelen = n - GIT_OID_HEXSZ - 1;
    if ((name = malloc(namelen + 1)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    memcpy(name, line + GIT_OID_HEXSZ + 1, namelen);
    name[namelen] = '\0';
    if ((err = check_ref_name(name, lineno)) != 0) {
        free(name);
        return err;
    }
    for (i = 0; i < h->nrefs; i++)
        if (strcmp(h->refs[i].name, name) == 0) {
            free(name);
            return cn_error_set(CN_EINVAL, "bundle header line %zu: ref listed twice", lineno);
        }
    ref = &h->refs[h->nrefs++];
    git_oid_cpy(&ref->oid, &oid);
    ref->name = name;
    return 0;
}

int cn_bundle_header_parse(cn_bundle_header **out, const void *data, size_t len)
{
    cn_bundle_header *h = NULL;
    cn_reader r;
    const char *line;
    size_t n, lineno = 1;
    int err;

    *out = NULL;
    /* Only the first CN_BUNDLE_MAX_HEADER bytes can hold the header. */
    cn_reader_init(&r, data, len > CN_BUNDLE_MAX_HEADER ? CN_BUNDLE_MAX_HEADER : len);
    if (cn_reader_get_line(&r, &line, &n, sizeof(SIG_V2)) != 0)
        return cn_error_set(CN_EINVAL, "not a git bundle (no signature line)");
    if (n == sizeof(SIG_V3) - 1 && memcmp(line, SIG_V3, n) == 0)
        return cn_error_set(CN_EUNSUPPORTED, "v3 git bundles are not supported");
    if (n != sizeof(SIG_V2) - 1 || memcmp(line, SIG_V2, n) != 0)
        return cn_error_set(CN_EINVAL, "not a v2 git bundle");
    if ((h = calloc(1, sizeof(*h))) == NULL ||
        (h->refs = calloc(CN_BUNDLE_MAX_REFS, sizeof(*h->refs))) == NULL ||
        (h->prereqs = calloc(CN_BUNDLE_MAX_PREREQS, sizeof(*h->prereqs))) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    for (;;) {
        lineno++;
        if (cn_reader_get_line(&r, &line, &n, CN_BUNDLE_MAX_LINE) != 0) {
            if (cn_reader_remaining(&r) > CN_BUNDLE_MAX_LINE)
                err = cn_error_set(CN_ELIMIT, "bundle header line %zu is longer than %d bytes",
                                   lineno, CN_BUNDLE_MAX_LINE);
            else if (r.len == CN_BUNDLE_MAX_HEADER)
                err =
                    cn_error_set(CN_ELIMIT, "bundle header exceeds %d bytes", CN_BUNDLE_MAX_HEADER);
            else
                err = cn_error_set(CN_EINVAL, "bundle header is not terminated by a blank line");
            goto out;
        }
        if (n == 0)
            break;
        if (memchr(line, '\0', n) != NULL) {
            err = cn_error_set(CN_EINVAL, "bundle header line %zu contains a NUL byte", lineno);
            goto out;
        }
        err = line[0] == '-' ? add_prereq(h, line, n, lineno) : add_ref(h, line, n, lineno);
        if (err != 0)
            goto out;
    }
    if (h->nrefs == 0) {
        err = cn_error_set(CN_EINVAL, "bundle lists no refs");
        goto out;
    }
    h->pack_offset = r.pos;
    *out = h;
    h = NULL;
    err = 0;
out:
    cn_bundle_header_free(h);
    return err;
}

static int read_some(int fd, unsigned char *buf, size_t want, size_t *got)
{
    *got = 0;
    while (*got < want) {
        ssize_t n = read(fd, buf + *got, want - *got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        *got += (size_t)n;
    }
    return 0;
}

static int check_prereqs(git_repository *repo, const cn_bundle_header *h)
{
    char hex[GIT_OID_HEXSZ + 1];
    git_commit *c = NULL;
    size_t i;

    for (i = 0; i < h->nprereqs; i++) {
        if (git_commit_lookup(&c, repo, &h->prereqs[i]) < 0) {
            git_oid_tostr(hex, sizeof(hex), &h->prereqs[i]);
            git_error_clear();
            return cn_error_set(
                CN_EVERIFY, "the bundle needs commit %s, which the repository does not have", hex);
        }
        git_commit_free(c);
    }
    return 0;
}

/* Why libgit2 failed, as a code: its OS errors (a full disk, an unreadable
 * file) are operational, anything else means the pack is bad. */
static int git_failure(const char *what)
{
    const git_error *e = git_error_last();

    return cn_git_error(e && e->klass == GIT_ERROR_OS ? CN_ERROR : CN_EINVAL, what);
}

/* libgit2's indexer says how far it got: objects indexed, then deltas
 * resolved, as git's index-pack prints them. */
typedef struct {
    const cn_progress *progress;
    int resolving;
} index_progress;

static int indexer_cb(const git_indexer_progress *stats, void *payload)
{
    index_progress *ip = payload;

    if (stats->total_deltas > 0 && stats->indexed_objects == stats->total_objects) {
        if (!ip->resolving) {
            cn_progress_report(ip->progress, CN_BUNDLE_PHASE_INDEX, stats->total_objects,
                               stats->total_objects);
            cn_progress_end(ip->progress, CN_BUNDLE_PHASE_INDEX);
            ip->resolving = 1;
        }
        cn_progress_report(ip->progress, CN_BUNDLE_PHASE_DELTAS, stats->indexed_deltas,
                           stats->total_deltas);
    } else if (!ip->resolving) {
        cn_progress_report(ip->progress, CN_BUNDLE_PHASE_INDEX, stats->indexed_objects,
                           stats->total_objects);
    }
    return 0;
}

/* Scan (core/pack.h) and index one slice of the pack; stats is the
 * indexer's running count, the same for every slice and the commit. */
static int index_slice(git_indexer *idx, git_indexer_progress *stats, cn_pack_scan *scan,
                       const void *data, size_t len, const char *path)
{
    int err;

    if ((err = cn_pack_scan_feed(scan, data, len)) != 0)
        return cn_error_wrap(err, "%s", path);
    if (git_indexer_append(idx, data, len, stats) < 0)
        return git_failure(path);
    return 0;
}

/* Feed the pack (first the bytes already read, then the rest of fd) to the
 * scan and then the indexer writing into repo's objects/pack. The
 * repository's odb resolves a thin pack's external delta bases. The
 * indexer's own verification stays off: libgit2 1.5's demands a gitlink's
 * commit, and holds every object whole in memory to parse it; what it would
 * check, check_history does, and the scan has bounded every object before
 * the indexer inflates it. */
static int index_pack(git_repository *repo, int fd, const unsigned char *head, size_t headlen,
                      unsigned char *chunk, const char *path, int self_contained,
                      uint64_t max_object, const cn_progress *progress)
{
    index_progress ip = {progress, 0};
    git_indexer_options iopts;
    git_indexer_progress stats;
    git_indexer *idx = NULL;
    cn_pack_scan *scan = NULL;
    git_odb *odb = NULL;
    char *packdir = NULL;
    size_t got;
    int err = CN_ERROR;

    git_indexer_options_init(&iopts, GIT_INDEXER_OPTIONS_VERSION);
    iopts.verify = 0;
    if (progress) {
        iopts.progress_cb = indexer_cb;
        iopts.progress_cb_payload = &ip;
    }
    /* A bundle without prerequisites must carry every object it refers to.
     * Index it against an empty object database: libgit2 1.5 then need not
     * ask the repository's database about every object it has not reached
     * yet (each miss re-reads objects/pack, which made a first sync several
     * times slower than git). */
    if ((self_contained ? git_odb_new(&odb) : git_repository_odb(&odb, repo)) < 0) {
        cn_git_error(CN_ERROR, "cannot open object database");
        goto out;
    }
    if ((err = cn_git_pack_dir(&packdir, repo)) != 0 ||
        (err = cn_pack_scan_new(&scan, max_object)) != 0)
        goto out;
    err = CN_ERROR;
    if (git_indexer_new(&idx, packdir, 0, odb, &iopts) < 0) {
        err = git_failure("cannot start indexing");
        goto out;
    }
    if (headlen > 0 && (err = index_slice(idx, &stats, scan, head, headlen, path)) != 0)
        goto out;
    for (;;) {
        if (read_some(fd, chunk, IO_CHUNK, &got) != 0) {
            err = cn_error_set(CN_ERROR, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (got == 0)
            break;
        if ((err = index_slice(idx, &stats, scan, chunk, got, path)) != 0)
            goto out;
    }
    if ((err = cn_pack_scan_finish(scan)) != 0) {
        cn_error_wrap(err, "%s", path);
        goto out;
    }
    if (git_indexer_commit(idx, &stats) < 0) {
        err = git_failure(path);
        goto out;
    }
    cn_progress_end(progress, ip.resolving ? CN_BUNDLE_PHASE_DELTAS : CN_BUNDLE_PHASE_INDEX);
    git_odb_free(odb);
    odb = NULL;
    err = CN_ERROR;
    if (git_repository_odb(&odb, repo) < 0 || git_odb_refresh(odb) < 0) {
        cn_git_error(CN_ERROR, "cannot reload object database");
        goto out;
    }
    err = 0;
out:
    git_indexer_free(idx);
    cn_pack_scan_free(scan);
    free(packdir);
    git_odb_free(odb);
    return err;
}

static int check_refs_present(git_repository *repo, const cn_bundle_header *h)
{
    char hex[GIT_OID_HEXSZ + 1];
    git_odb *odb = NULL;
    size_t i;
    int err = 0;

    if (git_repository_odb(&odb, repo) < 0)
        return cn_git_error(CN_ERROR, "cannot open object database");
    for (i = 0; i < h->nrefs; i++) {
        if (!git_odb_exists(odb, &h->refs[i].oid)) {
            git_oid_tostr(hex, sizeof(hex), &h->refs[i].oid);
            err = cn_error_set(CN_EVERIFY, "bundle ref %s names %s, which its pack lacks",
                               h->refs[i].name, hex);
            break;
        }
    }
    git_odb_free(odb);
    return err;
}

/* The commit a ref of the bundle names, through at most
 * CN_BUNDLE_MAX_TAG_CHAIN tags; 0 and *out, or CN_EVERIFY. */
static int ref_commit(git_oid *out, git_repository *repo, const cn_bundle_ref *ref)
{
    git_object *obj = NULL, *next = NULL;
    int i, err = 0;

    if (git_object_lookup(&obj, repo, &ref->oid, GIT_OBJECT_ANY) < 0)
        return cn_git_error(CN_EVERIFY, ref->name);
    for (i = 0; git_object_type(obj) == GIT_OBJECT_TAG; i++) {
        if (i == CN_BUNDLE_MAX_TAG_CHAIN || git_tag_target(&next, (git_tag *)obj) < 0) {
            err = i == CN_BUNDLE_MAX_TAG_CHAIN
                      ? cn_error_set(CN_EVERIFY, "%s: tag chain longer than %d", ref->name,
                                     CN_BUNDLE_MAX_TAG_CHAIN)
                      : cn_git_error(CN_EVERIFY, ref->name);
            goto out;
        }
        git_object_free(obj);
        obj = next;
        next = NULL;
    }
    if (git_object_type(obj) != GIT_OBJECT_COMMIT)
        err = cn_error_set(CN_EVERIFY, "%s does not point at a commit", ref->name);
    else
        git_oid_cpy(out, git_object_id(obj));
out:
    git_object_free(obj);
    return err;
}

/* What the indexer's verification would check, and the paths it would not:
 * every commit from the bundle's refs down to its prerequisites is present
 * and parses, and its tree passes core/tree_check.h's rules, each tree
 * once, every blob a blob: the count a pack of that history would make
 * (core/pack_plan.h), read through citynode's own pack reader. */
static int check_history(git_repository *repo, const cn_bundle_header *h,
                         const cn_progress *progress)
{
    renamed_progress renamed = {progress, CN_BUNDLE_PHASE_CHECK};
    cn_progress counting = {renamed_report, renamed_end, &renamed};
    cn_pack_plan_opts opts = {0};
    cn_pack_plan *plan = NULL;
    git_oid *tips;
    size_t i;
    int err = 0;

    if ((tips = calloc(h->nrefs, sizeof(*tips))) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    for (i = 0; i < h->nrefs && err == 0; i++)
        err = ref_commit(&tips[i], repo, &h->refs[i]);
    if (err == 0) {
        opts.tips = tips;
        opts.ntips = h->nrefs;
        opts.hide = h->prereqs;
        opts.nhide = h->nprereqs;
        opts.check_blob_types = 1;
        opts.progress = progress ? &counting : NULL;
        err = cn_pack_plan_new(&plan, repo, &opts);
    }
    cn_pack_plan_free(plan);
    free(tips);
    return err;
}

uint64_t cn_bundle_object_limit(uint64_t bundle_len, uint64_t ceiling)
{
    uint64_t limit;

    if (ceiling == 0)
        ceiling = CN_BUNDLE_OBJECT_CEILING;
    limit = bundle_len > UINT64_MAX / CN_BUNDLE_INFLATE_RATIO
                ? UINT64_MAX
                : bundle_len * CN_BUNDLE_INFLATE_RATIO;
    if (limit < CN_BUNDLE_OBJECT_FLOOR)
        limit = CN_BUNDLE_OBJECT_FLOOR;
    return limit < ceiling ? limit : ceiling;
}

int cn_bundle_unbundle(cn_bundle_header **out, git_repository *repo, const char *path,
                       uint64_t ceiling, const cn_progress *progress)
{
    cn_bundle_header *h = NULL;
    unsigned char *buf = NULL, *chunk = NULL;
    struct stat st;
    size_t got;
    int fd, err = CN_ERROR;

    if (out)
        *out = NULL;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        if (errno == ENOENT)
            return cn_error_set(CN_ENOTFOUND, "%s: no such file", path);
        return cn_error_set(CN_ERROR, "%s: %s", path, strerror(errno));
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        err = cn_error_set(CN_EINVAL, "%s: not a regular file", path);
        goto out;
    }
    if ((buf = malloc(CN_BUNDLE_MAX_HEADER)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if (read_some(fd, buf, CN_BUNDLE_MAX_HEADER, &got) != 0) {
        cn_error_set(CN_ERROR, "%s: %s", path, strerror(errno));
        goto out;
    }
    if ((err = cn_bundle_header_parse(&h, buf, got)) != 0) {
        cn_error_wrap(err, "%s", path);
        goto out;
    }
    if ((err = check_prereqs(repo, h)) != 0)
        goto out;
    if ((chunk = malloc(IO_CHUNK)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    err = index_pack(repo, fd, buf + h->pack_offset, got - h->pack_offset, chunk, path,
                     h->nprereqs == 0, cn_bundle_object_limit((uint64_t)st.st_size, ceiling),
                     progress);
    if (err != 0 || (err = check_refs_present(repo, h)) != 0 ||
        (err = check_history(repo, h, progress)) != 0)
        goto out;
    if (out) {
        *out = h;
        h = NULL;
    }
out:
    cn_bundle_header_free(h);
    free(chunk);
    free(buf);
    close(fd);
    return err;
}
