/*
 * sync_download.c - a peer's downloads (PROTOCOL §8.5): target files into
 * <tmp>/sync/<id>/, resumed with Range, capped at the signed length and
 * checked against the signed sha256; and the loop that downloads and
 * applies until every item reached its goal.
 */
#include "core/error.h"
#include "core/file.h"
#include "core/git.h"
#include "core/hash.h"
#include "peers/sync_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cn_sync_usable(const tfile *f)
{
    return f->stored || f->state == TF_OK;
}

static int want(tfile *f, cn_http_request ***reqs, size_t *n, const char *base)
{
    cn_http_request **grown;
    char *rel = NULL;
    int err;

    if (cn_sync_usable(f) || f->state != TF_IDLE)
        return 0;
    if ((grown = realloc(*reqs, (*n + 1) * sizeof(*grown))) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    *reqs = grown;
    if ((err = cn_tuf_target_consistent_path(&rel, f->info->path, f->info->sha256)) != 0)
        return err;
    free((char *)f->req.url);
    f->req.url = cn_sync_url_join(base, rel);
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

/* The downloads in reqs, reported through opts->phases in bytes: what the
 * files hold already (a resume) and what arrives, of their signed lengths. */
static int download(peer_run *pr, cn_http_request **reqs, size_t n)
{
    cn_http_reporting r = {pr->opts->phases, CN_SYNC_PHASE_FILES, 1, 0, 0};
    size_t i;
    int err;

    for (i = 0; i < n && r.progress; i++) {
        struct stat st;
        r.total += reqs[i]->max_body;
        if (stat(reqs[i]->file, &st) == 0 && (uint64_t)st.st_size <= reqs[i]->max_body)
            r.base += (uint64_t)st.st_size;
    }
    err = cn_http_perform_reporting(pr->http, reqs, n, &r);
    cn_progress_end(pr->opts->phases, CN_SYNC_PHASE_FILES);
    return err;
}

/* A check of w's bundles failed (PROTOCOL §8): w stops here, none of its
 * downloads is stored, and the peer's other items go on. */
static int fail_item(item_work *w)
{
    size_t i;

    free(w->failure);
    if ((w->failure = strdup(cn_error_message())) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    for (i = 0; i < w->nv; i++) {
        if (w->v[i].full)
            w->v[i].full->downloaded = 0;
        if (w->v[i].delta)
            w->v[i].delta->downloaded = 0;
    }
    cn_error_clear();
    w->done = 1;
    return 0;
}

/* The manifest of w's version v from the tag a bundle brought, when the tag
 * message is the signed bytes (the message ends with a newline the
 * manifest may lack); otherwise it is downloaded. */
static int take_manifest(peer_run *pr, item_work *w, iversion *v)
{
    tfile *f = v->manifest;
    unsigned char *msg = NULL;
    char digest[CN_SHA256_HEX_LEN + 1];
    size_t len = 0;
    int err;

    f->from_tag = 0;
    if (!v->has_tag || w->q == NULL || w->failure)
        return 0;
    if (cn_git_tag_message(&msg, &len, w->q, &v->tag) != 0) {
        cn_error_clear();
        return 0;
    }
    if (len > 0 && (uint64_t)len == f->info->length + 1 && msg[len - 1] == '\n')
        len--;
    cn_sha256_hex(digest, msg, len);
    if ((uint64_t)len != f->info->length || strcmp(digest, f->info->sha256) != 0) {
        free(msg);
        return 0;
    }
    err = cn_mkdir_p(pr->tdir, 0700);
    if (err == 0)
        err = cn_file_write_atomic(f->tmp, msg, len, 0644);
    free(msg);
    if (err != 0)
        return err;
    f->state = TF_OK;
    f->downloaded = 1;
    pr->fetched++;
    if (pr->opts->progress) {
        char line[CN_TUF_MAX_TARGET_PATH + 64];
        snprintf(line, sizeof(line), "took %s from its signed tag (%" PRIu64 " bytes)",
                 f->info->path, f->info->length);
        pr->opts->progress(pr->opts->progress_ctx, pr->node_id, line);
    }
    return 0;
}

/* Each manifest waiting for its tag (tfile.from_tag) is taken from it, or
 * left to download. */
static int take_manifests(peer_run *pr)
{
    size_t i, j;
    int err;

    for (i = 0; i < pr->nitems; i++)
        for (j = 0; j < pr->items[i].nv; j++) {
            iversion *v = &pr->items[i].v[j];
            if (v->manifest && v->manifest->from_tag &&
                (err = take_manifest(pr, &pr->items[i], v)) != 0)
                return err;
        }
    return 0;
}

/* 1 if a manifest is left to download (the loop goes on), else 0. */
static int take_manifests_left(const peer_run *pr)
{
    size_t i;

    for (i = 0; i < pr->nfiles; i++)
        if (!pr->files[i].bundle && !cn_sync_usable(&pr->files[i]) &&
            pr->files[i].state == TF_IDLE && pr->only_item == NULL)
            return 1;
    return 0;
}

/* Download and apply until every item reached its goal or failed a check. */
int cn_sync_fetch_all(peer_run *pr)
{
    char first[1024];
    cn_http_request **reqs = NULL;
    size_t i, j, n;
    int err = 0;

    for (;;) {
        n = 0;
        for (i = 0; i < pr->nfiles && err == 0; i++)
            if (!pr->files[i].bundle && !pr->files[i].from_tag && pr->only_item == NULL)
                err = want(&pr->files[i], &reqs, &n, pr->base);
        for (i = 0; i < pr->nfiles && err == 0; i++)
            if (pr->files[i].keep)
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
            if ((err = cn_mkdir_p(pr->tdir, 0700)) != 0 || (err = download(pr, reqs, n)) != 0)
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
            if ((err = cn_sync_advance_item(pr, &pr->items[i])) != 0 &&
                cn_sync_classify(err) == CN_EVERIFY)
                err = fail_item(&pr->items[i]);
        if (err != 0)
            break;
        for (i = 0; i < pr->nitems && pr->items[i].done; i++)
            ;
        if (i == pr->nitems) {
            /* Every bundle is in: the manifests they did not bring are
             * downloaded after all, in one more pass. */
            if ((err = take_manifests(pr)) != 0 || (err = take_manifests_left(pr)) == 0)
                break;
            err = 0;
            continue;
        }
        if (n == 0) {
            err = cn_error_set(CN_ERROR, "sync of %.12s: no progress on %s", pr->node_id,
                               pr->items[i].item);
            break;
        }
    }
    free(reqs);
    return err;
}
