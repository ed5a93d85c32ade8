/*
 * download_routes.c - downloads in `serve`: a verified target file of this
 * node or a mirrored peer, byte for byte (/download/<node>/<item>/<version>/
 * <file>), and a version's files as a ZIP built from its signed tag's tree
 * (files.zip); docs/PROTOCOL.md §15.
 */
#include "node/http/server_internal.h"
#include "core/error.h"
#include "core/hash.h"
#include "core/name.h"
#include "core/semver.h"
#include "core/zip.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZIP_MAX_CONTENT (32 << 20) /* bytes of files in one files.zip */
#define ZIP_MAX_DEPTH   64         /* directory levels in one files.zip */

static const char zip_busy[] = "this archive is being built, or too many are; try again shortly\n";

/* ---- downloads ------------------------------------------------------- */

/* ---- a version's files as a ZIP --------------------------------------- */

typedef struct {
    cn_zip *zip;
    git_repository *repo;
    size_t total; /* bytes of file content so far */
} zip_walk;

/* Add the regular files below tree to the archive, their paths under prefix. */
static int zip_tree(zip_walk *w, const git_tree *tree, const char *prefix, int depth)
{
    size_t i, n = git_tree_entrycount(tree);
    int err = 0;

    if (depth > ZIP_MAX_DEPTH)
        return cn_error_set(CN_ELIMIT, "directories nested deeper than %d", ZIP_MAX_DEPTH);
    for (i = 0; i < n && err == 0; i++) {
        const git_tree_entry *e = git_tree_entry_byindex(tree, i);
        git_filemode_t mode = git_tree_entry_filemode(e);
        char path[CN_ZIP_MAX_NAME + 1];
        git_tree *sub = NULL;
        git_blob *blob = NULL;

        if ((size_t)snprintf(path, sizeof(path), "%s%s", prefix, git_tree_entry_name(e)) >=
            sizeof(path))
            return cn_error_set(CN_ELIMIT, "a path longer than %d bytes", CN_ZIP_MAX_NAME);
        if (mode == GIT_FILEMODE_TREE) {
            if (git_tree_lookup(&sub, w->repo, git_tree_entry_id(e)) != 0)
                return cn_error_set(CN_ERROR, "%s: tree missing from the repository", path);
            if (strlen(path) + 1 >= sizeof(path))
                err = cn_error_set(CN_ELIMIT, "a path longer than %d bytes", CN_ZIP_MAX_NAME);
            else {
                strcat(path, "/");
                err = zip_tree(w, sub, path, depth + 1);
            }
            git_tree_free(sub);
        } else if (mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE) {
            size_t size;
            if (git_blob_lookup(&blob, w->repo, git_tree_entry_id(e)) != 0)
                return cn_error_set(CN_ERROR, "%s: blob missing from the repository", path);
            size = (size_t)git_blob_rawsize(blob);
            if (size > ZIP_MAX_CONTENT || w->total + size > ZIP_MAX_CONTENT)
                err = cn_error_set(CN_ELIMIT,
                                   "the files of this version are larger than %d MiB: download "
                                   "full.bundle or use git clone",
                                   ZIP_MAX_CONTENT >> 20);
            else
                err = cn_zip_add(w->zip, path, git_blob_rawcontent(blob), size,
                                 mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0755 : 0644);
            w->total += size;
            git_blob_free(blob);
        }
        /* Symlinks and submodules are left out: git clone has them. */
    }
    return err;
}

/* Claim one of the CN_ZIP_BUILDS build slots for tag (hex id); 0 if they
 * are all taken or tag is being built already (the caller answers 503). */
static int zip_claim(cn_server *srv, const char *tag)
{
    int ok = 0, free_slot = -1;

    pthread_mutex_lock(&srv->zip_lock);
    for (int i = 0; i < CN_ZIP_BUILDS; i++) {
        if (strcmp(srv->zip_building[i], tag) == 0)
            goto out;
        if (srv->zip_building[i][0] == '\0' && free_slot < 0)
            free_slot = i;
    }
    if (free_slot >= 0) {
        snprintf(srv->zip_building[free_slot], sizeof(srv->zip_building[0]), "%s", tag);
        ok = 1;
    }
out:
    pthread_mutex_unlock(&srv->zip_lock);
    return ok;
}

static void zip_release(cn_server *srv, const char *tag)
{
    pthread_mutex_lock(&srv->zip_lock);
    for (int i = 0; i < CN_ZIP_BUILDS; i++)
        if (strcmp(srv->zip_building[i], tag) == 0)
            srv->zip_building[i][0] = '\0';
    pthread_mutex_unlock(&srv->zip_lock);
}

/* Write the archive of v's tree to <zip dir>/name, whole or not at all: it
 * is written to a temporary file (memory holds one file of the tree at a
 * time), flushed, then renamed. */
static int zip_build(cn_server *srv, const cn_serve_version_tree *v, const char *name)
{
    char tmp[GIT_OID_HEXSZ + 64];
    zip_walk w = {0};
    int fd, err;

    snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", name, (long)getpid());
    if ((fd = openat(srv->zip_dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                     0600)) < 0)
        return cn_error_set(CN_ERROR, "%s/%s: %s", srv->zip_dir, tmp, strerror(errno));
    w.repo = v->repo;
    if ((err = cn_zip_new_fd(&w.zip, (time_t)git_commit_time(v->commit), fd)) == 0 &&
        (err = zip_tree(&w, v->tree, "", 0)) == 0 && (err = cn_zip_finish_fd(w.zip)) == 0 &&
        fsync(fd) != 0)
        err = cn_error_set(CN_ERROR, "%s/%s: %s", srv->zip_dir, tmp, strerror(errno));
    close(fd);
    if (err == 0 && renameat(srv->zip_dir_fd, tmp, srv->zip_dir_fd, name) != 0)
        err = cn_error_set(CN_ERROR, "%s/%s: %s", srv->zip_dir, name, strerror(errno));
    if (err != 0)
        unlinkat(srv->zip_dir_fd, tmp, 0);
    cn_zip_free(w.zip);
    return err;
}

/* download/<node>/<item>/<version>/files.zip: the tree of the version's
 * signed tag, for people without git. Deterministic (the commit's time on
 * every entry), so the tag id is its ETag, and it is built once per tag
 * into the zip directory and then sent from there like any file (sendfile,
 * ranges): a slow reader costs a descriptor, not the archive in memory.
 * At most CN_ZIP_BUILDS archives are built at once; a request beyond, or
 * for an archive being built, gets 503 with Retry-After. */
static enum MHD_Result serve_zip(cn_server *srv, struct MHD_Connection *c, const char *node,
                                 const char *item, const char *version)
{
    char etag[GIT_OID_HEXSZ + 8], name[GIT_OID_HEXSZ + 8], tag[GIT_OID_HEXSZ + 1], disp[300];
    cn_serve_version_tree v;
    struct stat st;
    const char *inm;
    struct MHD_Response *r;
    enum MHD_Result ret;
    int err = 0;

    if (srv->zip_dir == NULL)
        return cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    if (cn_serve_version_tree_open(&v, srv->repos_dir, node, item, version) != 0) {
        cn_error_clear();
        ret = cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
        goto out;
    }
    git_oid_tostr(tag, sizeof(tag), git_object_id(v.tag));
    snprintf(etag, sizeof(etag), "\"%s.zip\"", tag);
    snprintf(name, sizeof(name), "%s.zip", tag);
    snprintf(disp, sizeof(disp), "%s-%s.zip", item, version);
    inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    if (inm != NULL && strcmp(inm, etag) == 0) {
        if ((r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT)) == NULL) {
            ret = MHD_NO;
            goto out;
        }
        MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
        ret = MHD_queue_response(c, MHD_HTTP_NOT_MODIFIED, r);
        MHD_destroy_response(r);
        goto out;
    }
    if (fstatat(srv->zip_dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (!zip_claim(srv, tag)) {
            if ((r = MHD_create_response_from_buffer(strlen(zip_busy), (void *)zip_busy,
                                                     MHD_RESPMEM_PERSISTENT)) == NULL) {
                ret = MHD_NO;
                goto out;
            }
            MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
            MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "2");
            ret = MHD_queue_response(c, MHD_HTTP_SERVICE_UNAVAILABLE, r);
            MHD_destroy_response(r);
            goto out;
        }
        err = zip_build(srv, &v, name);
        zip_release(srv, tag);
        if (err != 0) {
            ret = cn_serve_send_error(c, err);
            goto out;
        }
    }
    ret = cn_serve_file(c, srv->zip_dir_fd, name, "application/zip", 0, disp, etag);
out:
    cn_serve_version_tree_close(&v);
    return ret;
}

/* download/<node>/<item>/<version>/<file>: the verified target
 * items/<item>/<version>/<file> of the node (this one's published tree, or
 * a peer's mirror), found under its consistent name <sha256>.<file>. */
enum MHD_Result cn_serve_download(cn_server *srv, struct MHD_Connection *c, const char *rel)
{
    char buf[CN_SERVE_MAX_PATH + 1], *seg[5], *p, *save = NULL, dirpath[CN_SERVE_MAX_PATH];
    char found[CN_SERVE_MAX_PATH], filename[300];
    const char *ctype;
    size_t n = 0, flen;
    int base_fd = -1, dir_fd = -1, list_fd = -1, matches = 0;
    DIR *d = NULL;
    struct dirent *de;
    enum MHD_Result ret;

    snprintf(buf, sizeof(buf), "%s", rel);
    /* download/<node>/<item>/<version>/files/<path>: one file (file_routes.c) */
    for (p = buf, n = 0; n < 5 && (p = strchr(p, '/')) != NULL; p++, n++)
        seg[n] = p;
    if (n == 5 && strncmp(seg[3] + 1, "files/", 6) == 0) {
        *seg[0] = *seg[1] = *seg[2] = *seg[3] = *seg[4] = '\0';
        if (strlen(seg[0] + 1) == CN_NODE_ID_LEN && cn_hex_is_lower(seg[0] + 1, CN_NODE_ID_LEN) &&
            cn_name_check_slug(seg[1] + 1) == 0 && cn_semver_check(seg[2] + 1) == 0)
            return cn_serve_version_file(srv, c, seg[0] + 1, seg[1] + 1, seg[2] + 1, seg[4] + 1);
        cn_error_clear();
        return cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    }
    snprintf(buf, sizeof(buf), "%s", rel);
    n = 0;
    for (p = strtok_r(buf, "/", &save); p && n < 5; p = strtok_r(NULL, "/", &save))
        seg[n++] = p;
    if (n != 5 || p != NULL || strlen(seg[1]) != CN_NODE_ID_LEN ||
        !cn_hex_is_lower(seg[1], CN_NODE_ID_LEN) || cn_name_check_slug(seg[2]) != 0 ||
        cn_semver_check(seg[3]) != 0 ||
        (strcmp(seg[4], "manifest.json") != 0 && strcmp(seg[4], "full.bundle") != 0 &&
         strcmp(seg[4], "delta.bundle") != 0 && strcmp(seg[4], "files.zip") != 0)) {
        cn_error_clear();
        return cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    }
    if (strcmp(seg[4], "files.zip") == 0)
        return serve_zip(srv, c, seg[1], seg[2], seg[3]);
    if (srv->node_id != NULL && strcmp(seg[1], srv->node_id) == 0) {
        base_fd = dup(srv->root_fd);
    } else if (srv->mirrors_dir != NULL) {
        char mirror[CN_SERVE_MAX_PATH];
        snprintf(mirror, sizeof(mirror), "%s/%s", srv->mirrors_dir, seg[1]);
        base_fd = open(mirror, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    snprintf(dirpath, sizeof(dirpath), "targets/items/%s/%s", seg[2], seg[3]);
    /* fdopendir takes its descriptor only when it succeeds: the copy is
     * closed here when it fails (the version's path is not a directory). */
    if (base_fd < 0 || (dir_fd = cn_serve_open_below(base_fd, dirpath)) < 0 ||
        (list_fd = dup(dir_fd)) < 0 || (d = fdopendir(list_fd)) == NULL) {
        if (list_fd >= 0)
            close(list_fd);
        ret = cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
        goto out;
    }
    flen = strlen(seg[4]);
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len == CN_NODE_ID_LEN + 1 + flen && cn_hex_is_lower(de->d_name, CN_NODE_ID_LEN) &&
            de->d_name[CN_NODE_ID_LEN] == '.' &&
            strcmp(de->d_name + CN_NODE_ID_LEN + 1, seg[4]) == 0) {
            snprintf(found, sizeof(found), "%s", de->d_name);
            matches++;
        }
    }
    if (matches != 1) { /* versions are immutable: one file per target path */
        ret = cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
        goto out;
    }
    ctype = strcmp(seg[4], "manifest.json") == 0 ? "application/json" : "application/x-git-bundle";
    snprintf(filename, sizeof(filename), "%s-%s.%s", seg[2], seg[3], seg[4]);
    ret = cn_serve_file(c, dir_fd, found, ctype, CN_SERVE_IMMUTABLE, filename, NULL);
out:
    if (d != NULL)
        closedir(d);
    if (dir_fd >= 0)
        close(dir_fd);
    if (base_fd >= 0)
        close(base_fd);
    return ret;
}
