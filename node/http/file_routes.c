/*
 * file_routes.c - single files of a version's verified tree (the tree of
 * its signed tag, the one files.zip packs; docs/PROTOCOL.md §15):
 *
 *   GET|HEAD /download/<node>/<item>/<version>/files/<path>   the bytes
 *   GET /api/v1/items/<node>/<item>/files?version=V            the list
 *   GET /api/v1/items/<node>/<item>/preview/<path>?version=V   CSV, Markdown
 *
 * and what the item and search documents say about the files (readme,
 * logo, screenshots), which only the tree can tell.
 *
 * A file is a publisher's bytes and the browser must never run them: every
 * answer names a type from an allow-list (never HTML or a script type),
 * says nosniff, and carries a Content-Security-Policy with `sandbox`, so
 * even an SVG opened directly runs no script.
 */
#include "node/http/server_internal.h"
#include "core/csv.h"
#include "core/error.h"
#include "core/markdown.h"
#include "node/item.h"
#include "registry/registry.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define FILE_MAX       (64u << 20)  /* bytes of one file served or previewed */
#define FILES_INFLIGHT (256u << 20) /* bytes of files held for answers at once */
#define FILES_LIST_MAX 2000         /* entries of a files list */
#define FILE_CSP       "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; sandbox"

/* ---- answers ------------------------------------------------------------- */

/* A JSON error with a code (docs/api.yaml, Error). */
static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *code,
                                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *code,
                                  const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    json_t *doc;
    enum MHD_Result ret;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    doc = cn_registry_error_json((int)status, msg);
    if (doc == NULL ||
        json_object_set_new(json_object_get(doc, "error"), "code", json_string(code)) != 0) {
        json_decref(doc);
        return cn_serve_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    }
    ret = cn_serve_send_json(c, status, doc);
    json_decref(doc);
    cn_error_clear();
    return ret;
}

/* The tree of version, or an answer why not: 404 files_not_here when the
 * item's repository is not here (an index-only peer's item), 404 not_found
 * when the version is not in it. */
static int open_tree(enum MHD_Result *ret, cn_serve_version_tree *v, cn_server *srv,
                     struct MHD_Connection *c, const char *node, const char *item,
                     const char *version)
{
    char repo[CN_SERVE_MAX_PATH];
    struct stat st;

    if (cn_serve_version_tree_open(v, srv->repos_dir, node, item, version) == 0)
        return 0;
    snprintf(repo, sizeof(repo), "%s/%s/%s.git", srv->repos_dir ? srv->repos_dir : "", node, item);
    if (srv->repos_dir == NULL || stat(repo, &st) != 0)
        *ret = send_error(c, MHD_HTTP_NOT_FOUND, "files_not_here",
                          "the files of %.12s/%s are not stored on this node (it only indexes "
                          "that node): ask the node that published it",
                          node, item);
    else
        *ret =
            send_error(c, MHD_HTTP_NOT_FOUND, "not_found",
                       "version %s of %.12s/%s is not in its repository here", version, node, item);
    return -1;
}

/* The blob at path in v's tree (a regular file: not a directory, symlink or
 * submodule), or an answer why not. */
static int find_blob(enum MHD_Result *ret, git_blob **blob, const cn_serve_version_tree *v,
                     struct MHD_Connection *c, const char *path)
{
    git_tree_entry *e = NULL;
    git_filemode_t mode;
    int err = 0;

    *blob = NULL;
    if (strlen(path) > CN_SERVE_MAX_PATH || git_tree_entry_bypath(&e, v->tree, path) != 0 ||
        ((mode = git_tree_entry_filemode(e)) != GIT_FILEMODE_BLOB &&
         mode != GIT_FILEMODE_BLOB_EXECUTABLE)) {
        *ret = send_error(c, MHD_HTTP_NOT_FOUND, "not_found",
                          "no file %.300s in this version (directories are not files)", path);
        err = -1;
    } else if (git_blob_lookup(blob, v->repo, git_tree_entry_id(e)) != 0) {
        *ret = send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                          "%.300s: blob missing from the repository", path);
        err = -1;
    } else if (git_blob_rawsize(*blob) > FILE_MAX) {
        *ret = send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
                          "%.300s is larger than %u MiB, the most this node serves as a single "
                          "file: download full.bundle or use git clone",
                          path, FILE_MAX >> 20);
        git_blob_free(*blob);
        *blob = NULL;
        err = -1;
    }
    git_tree_entry_free(e);
    git_error_clear();
    return err;
}

/* ---- GET|HEAD /download/<node>/<item>/<version>/files/<path> --------------- */

/* What an answer's body holds on to until libmicrohttpd is done with it. */
typedef struct {
    cn_server *srv;
    cn_serve_version_tree v;
    git_blob *blob;
    size_t size;
} held_file;

static void held_free(void *cls)
{
    held_file *h = cls;

    pthread_mutex_lock(&h->srv->zip_lock);
    h->srv->files_inflight -= h->size;
    pthread_mutex_unlock(&h->srv->zip_lock);
    git_blob_free(h->blob);
    cn_serve_version_tree_close(&h->v);
    free(h);
}

/* Claim size bytes of the FILES_INFLIGHT budget; 0 if it is spent. */
static int inflight_claim(cn_server *srv, size_t size)
{
    int ok;

    pthread_mutex_lock(&srv->zip_lock);
    ok = srv->files_inflight + size <= FILES_INFLIGHT;
    if (ok)
        srv->files_inflight += size;
    pthread_mutex_unlock(&srv->zip_lock);
    return ok;
}

/* Content-Disposition for the file's base name: an ASCII fallback and the
 * name itself as RFC 8187 says (RFC 6266 §4.3). */
static void disposition(char *out, size_t outlen, const char *kind, const char *path)
{
    const char *base = strrchr(path, '/');
    cn_buf b = CN_BUF_INIT;
    int err;

    base = base ? base + 1 : path;
    err = cn_buf_printf(&b, "%s; filename=\"", kind);
    for (const unsigned char *p = (const unsigned char *)base; *p && err == 0; p++)
        err = cn_buf_put(&b,
                         *p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\' ? (const void *)"_"
                                                                            : (const void *)p,
                         1);
    if (err == 0)
        err = cn_buf_puts(&b, "\"; filename*=UTF-8''");
    for (const unsigned char *p = (const unsigned char *)base; *p && err == 0; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("!#$&+-.^_`|~", *p) != NULL)
            err = cn_buf_put(&b, p, 1);
        else
            err = cn_buf_printf(&b, "%%%02X", *p);
    }
    snprintf(out, outlen, "%s", err == 0 && b.len < outlen ? (char *)b.data : kind);
    cn_buf_free(&b);
}

/* The Content-Type of the blob: CSV with the charset its bytes are in. */
static void content_type(char *out, size_t outlen, const cn_item_file_type *t, const void *data,
                         size_t size)
{
    if (strcmp(t->preview ? t->preview : "", "csv") == 0) {
        size_t n = size < CN_CSV_READ_MAX ? size : CN_CSV_READ_MAX;
        snprintf(out, outlen, "%s; charset=%s", t->ctype, cn_csv_encoding(data, n, n < size));
    } else {
        snprintf(out, outlen, "%s", t->ctype);
    }
}

static int wants_inline(struct MHD_Connection *c)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "inline");

    return v != NULL && strcmp(v, "1") == 0;
}

void cn_serve_file_safe_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Content-Security-Policy", FILE_CSP);
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
}

/* An answer without a body: status, one header, the safe headers. */
static enum MHD_Result empty_answer(struct MHD_Connection *c, unsigned status, const char *header,
                                    const char *value)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret;

    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, header, value);
    cn_serve_file_safe_headers(r);
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result cn_serve_version_file(cn_server *srv, struct MHD_Connection *c, const char *node,
                                      const char *item, const char *version, const char *path)
{
    held_file *h = NULL;
    git_blob *blob = NULL;
    const cn_item_file_type *t = cn_item_file_type_of(path);
    char etag[GIT_OID_HEXSZ + 3], ctype[96], disp[2 * CN_SERVE_MAX_PATH], crange[96];
    const char *range;
    struct MHD_Response *r;
    enum MHD_Result ret;
    uint64_t start = 0, end = 0;
    unsigned status = MHD_HTTP_OK;
    size_t size;
    int rr;

    if ((h = calloc(1, sizeof(*h))) == NULL)
        return cn_serve_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    h->srv = srv;
    if (open_tree(&ret, &h->v, srv, c, node, item, version) != 0) {
        free(h);
        return ret;
    }
    if (find_blob(&ret, &blob, &h->v, c, path) != 0)
        goto out;
    size = (size_t)git_blob_rawsize(blob);
    snprintf(etag, sizeof(etag), "\"%s\"", git_oid_tostr_s(git_blob_id(blob)));
    if (cn_serve_not_modified(c, etag, 0)) {
        ret = empty_answer(c, MHD_HTTP_NOT_MODIFIED, MHD_HTTP_HEADER_ETAG, etag);
        goto out;
    }
    range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_RANGE);
    if ((rr = cn_serve_parse_range(range, size, &start, &end)) < 0) {
        snprintf(crange, sizeof(crange), "bytes */%zu", size);
        ret =
            empty_answer(c, MHD_HTTP_RANGE_NOT_SATISFIABLE, MHD_HTTP_HEADER_CONTENT_RANGE, crange);
        goto out;
    }
    if (rr == 0) {
        start = 0;
        end = size ? size - 1 : 0;
    } else {
        status = MHD_HTTP_PARTIAL_CONTENT;
    }
    if (!inflight_claim(srv, size)) {
        ret = empty_answer(c, MHD_HTTP_SERVICE_UNAVAILABLE, MHD_HTTP_HEADER_RETRY_AFTER, "2");
        goto out;
    }
    h->blob = blob;
    h->size = size;
    blob = NULL;
    content_type(ctype, sizeof(ctype), t, git_blob_rawcontent(h->blob), size);
    /* The body points into the blob, which h keeps (with its repository)
     * until libmicrohttpd has sent it: held_free releases them. */
    r = MHD_create_response_from_buffer_with_free_callback_cls(
        size ? (size_t)(end - start + 1) : 0, (char *)git_blob_rawcontent(h->blob) + start,
        held_free, h);
    if (r == NULL) {
        held_free(h);
        return MHD_NO;
    }
    h = NULL;
    if (status == MHD_HTTP_PARTIAL_CONTENT) {
        snprintf(crange, sizeof(crange), "bytes %llu-%llu/%zu", (unsigned long long)start,
                 (unsigned long long)end, size);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_RANGE, crange);
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
    MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(r, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    cn_serve_file_safe_headers(r);
    if (!t->image) {
        disposition(disp, sizeof(disp), t->text && wants_inline(c) ? "inline" : "attachment", path);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
    }
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
out:
    git_blob_free(blob);
    if (h != NULL) {
        cn_serve_version_tree_close(&h->v);
        free(h);
    }
    return ret;
}

/* ---- the item's version, as the registry knows it ------------------------ */

typedef struct {
    json_t *doc; /* the registry's item document */
    const char *node, *item, *version, *kind;
    const json_t *manifest;
} item_version;

typedef struct {
    cn_registry_query *q;
    int err;
} version_args;

static enum MHD_Result take_version(void *cls, enum MHD_ValueKind kind, const char *key,
                                    size_t key_size, const char *value, size_t value_size)
{
    version_args *a = cls;

    (void)kind;
    if (a->err == 0 && strlen(key) != key_size)
        a->err = cn_error_set(CN_EINVAL, "a parameter name contains a NUL byte");
    if (a->err == 0)
        a->err = cn_registry_query_set(a->q, key, value, value ? value_size : 0);
    return a->err == 0 ? MHD_YES : MHD_NO;
}

/* The item document of node/item at the request's ?version= (default: the
 * latest), from the registry. */
static int item_version_read(item_version *iv, cn_registry *reg, struct MHD_Connection *c,
                             const char *node, const char *item)
{
    cn_registry_query q = CN_REGISTRY_QUERY_INIT;
    version_args a = {&q, 0};
    int err;

    memset(iv, 0, sizeof(*iv));
    MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, take_version, &a);
    if ((err = a.err) == 0)
        err = cn_registry_item(&iv->doc, reg, node, item, &q);
    cn_registry_query_clear(&q);
    if (err != 0)
        return err;
    iv->node = json_string_value(json_object_get(json_object_get(iv->doc, "node"), "id"));
    iv->item = json_string_value(json_object_get(iv->doc, "item"));
    iv->kind = json_string_value(json_object_get(iv->doc, "kind"));
    iv->version =
        json_string_value(json_object_get(json_object_get(iv->doc, "version"), "version"));
    iv->manifest = json_object_get(json_object_get(iv->doc, "version"), "manifest");
    if (iv->node == NULL || iv->item == NULL || iv->version == NULL || iv->kind == NULL)
        return cn_error_set(CN_ERROR, "the registry's item document lacks node, item or version");
    return 0;
}

/* ---- GET /api/v1/items/<node>/<item>/files -------------------------------- */

typedef struct {
    const item_version *iv;
    git_odb *odb;
    json_t *files;
    int truncated, err;
} list_walk;

static int list_entry(const char *root, const git_tree_entry *e, void *payload)
{
    list_walk *w = payload;
    git_filemode_t mode = git_tree_entry_filemode(e);
    char path[CN_SERVE_MAX_PATH * 2];
    const cn_item_file_type *t;
    size_t size = 0;
    git_object_t otype;
    json_t *f;

    if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE)
        return 0; /* directories are walked into; symlinks and submodules left out */
    if (json_array_size(w->files) == FILES_LIST_MAX) {
        w->truncated = 1;
        return -1;
    }
    if ((size_t)snprintf(path, sizeof(path), "%s%s", root, git_tree_entry_name(e)) >= sizeof(path))
        return 0; /* longer than any download URL can name */
    if (git_odb_read_header(&size, &otype, w->odb, git_tree_entry_id(e)) != 0) {
        w->err = cn_error_set(CN_ERROR, "%s: blob missing from the repository", path);
        return -1;
    }
    t = cn_item_file_type_of(path);
    f = json_pack("{s:s, s:I, s:s, s:s, s:o, s:s?}", "path", path, "size", (json_int_t)size, "blob",
                  git_oid_tostr_s(git_tree_entry_id(e)), "type", t->ctype, "url",
                  cn_item_file_url(w->iv->node, w->iv->item, w->iv->version, path), "preview",
                  t->preview);
    if (f != NULL && t->preview == NULL)
        json_object_set_new(f, "preview", json_null());
    if (f == NULL || json_array_append_new(w->files, f) != 0) {
        w->err = cn_error_set(CN_ENOMEM, "out of memory");
        return -1;
    }
    return 0;
}

static enum MHD_Result serve_list(cn_server *srv, struct MHD_Connection *c, const item_version *iv)
{
    cn_serve_version_tree v;
    list_walk w = {iv, NULL, NULL, 0, 0};
    json_t *doc = NULL;
    enum MHD_Result ret;

    if (open_tree(&ret, &v, srv, c, iv->node, iv->item, iv->version) != 0)
        return ret;
    if (git_repository_odb(&w.odb, v.repo) != 0 || (w.files = json_array()) == NULL) {
        ret = send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "cannot read the tree");
        goto out;
    }
    git_tree_walk(v.tree, GIT_TREEWALK_PRE, list_entry, &w);
    git_error_clear();
    if (w.err != 0) {
        ret = cn_serve_send_error(c, w.err);
        goto out;
    }
    doc = json_pack("{s:s, s:s, s:s, s:s, s:O, s:b}", "node", iv->node, "item", iv->item, "version",
                    iv->version, "tree", git_oid_tostr_s(git_tree_id(v.tree)), "files", w.files,
                    "truncated", w.truncated);
    ret = doc ? cn_serve_send_json(c, MHD_HTTP_OK, doc)
              : cn_serve_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
out:
    json_decref(doc);
    json_decref(w.files);
    git_odb_free(w.odb);
    cn_serve_version_tree_close(&v);
    return ret;
}

/* ---- GET /api/v1/items/<node>/<item>/preview/<path> ------------------------ */

static enum MHD_Result serve_preview(cn_server *srv, struct MHD_Connection *c,
                                     const item_version *iv, const char *path)
{
    const cn_item_file_type *t = cn_item_file_type_of(path);
    cn_serve_version_tree v;
    git_blob *blob = NULL;
    json_t *doc = NULL;
    enum MHD_Result ret;
    int err = 0;

    if (t->preview == NULL || strcmp(t->preview, "image") == 0)
        return send_error(c, MHD_HTTP_BAD_REQUEST, "no_preview",
                          "%.300s has no preview: only CSV (.csv, .tsv) and Markdown (.md, "
                          ".markdown) files have one; download it instead",
                          path);
    if (open_tree(&ret, &v, srv, c, iv->node, iv->item, iv->version) != 0)
        return ret;
    if (find_blob(&ret, &blob, &v, c, path) != 0)
        goto out;
    if (strcmp(t->preview, "csv") == 0) {
        size_t size = (size_t)git_blob_rawsize(blob);
        json_t *csv = NULL;
        if ((err = cn_csv_preview(&csv, git_blob_rawcontent(blob),
                                  size < CN_CSV_READ_MAX ? size : CN_CSV_READ_MAX, size,
                                  strcmp(t->ext, ".tsv") == 0 ? '\t' : 0)) == 0) {
            json_object_set_new(csv, "path", json_string(path));
            json_object_set_new(csv, "kind", json_string("csv"));
            doc = csv;
        }
    } else {
        char base[CN_SERVE_MAX_PATH], dir[CN_SERVE_MAX_PATH], *html = NULL;
        const char *slash = strrchr(path, '/');
        int truncated;
        snprintf(base, sizeof(base), "/download/%s/%s/%s/files/", iv->node, iv->item, iv->version);
        snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 0, path);
        if ((err = cn_markdown_render(&html, &truncated, git_blob_rawcontent(blob),
                                      (size_t)git_blob_rawsize(blob), base, dir)) == 0 &&
            (doc = json_pack("{s:s, s:s, s:s, s:b}", "kind", "markdown", "path", path, "html", html,
                             "truncated", truncated)) == NULL)
            err = cn_error_set(CN_ENOMEM, "out of memory");
        free(html);
    }
    ret = err ? cn_serve_send_error(c, err) : cn_serve_send_json(c, MHD_HTTP_OK, doc);
out:
    json_decref(doc);
    git_blob_free(blob);
    cn_serve_version_tree_close(&v);
    return ret;
}

int cn_serve_files_api(enum MHD_Result *ret, cn_server *srv, struct MHD_Connection *c,
                       cn_registry *reg, const char *rel)
{
    static const char items[] = "api/v1/items/";
    char buf[CN_SERVE_MAX_PATH + 1], *node, *item, *what, *path = NULL;
    item_version iv;
    int err;

    if (strncmp(rel, items, sizeof(items) - 1) != 0)
        return -1;
    snprintf(buf, sizeof(buf), "%s", rel + sizeof(items) - 1);
    node = buf;
    if ((item = strchr(node, '/')) == NULL)
        return -1;
    *item++ = '\0';
    if ((what = strchr(item, '/')) == NULL)
        return -1;
    *what++ = '\0';
    if (strncmp(what, "preview/", 8) == 0)
        path = what + 8;
    else if (strcmp(what, "files") != 0)
        return -1;
    if ((err = item_version_read(&iv, reg, c, node, item)) != 0)
        *ret = cn_serve_send_error(c, err);
    else if (path != NULL)
        *ret = serve_preview(srv, c, &iv, path);
    else
        *ret = serve_list(srv, c, &iv);
    json_decref(iv.doc);
    return 0;
}

int cn_serve_files_decorate(cn_server *srv, cn_registry *reg, const char *path, json_t *doc)
{
    static const char items[] = "/api/v1/items/";
    const char *p = path + sizeof(items) - 1, *slash;

    if (strcmp(path, "/api/v1/search") == 0)
        return cn_item_describe_results(doc, reg, srv->repos_dir);
    if (strncmp(path, items, sizeof(items) - 1) == 0 && (slash = strchr(p, '/')) != NULL &&
        slash > p && slash[1] != '\0' && strchr(slash + 1, '/') == NULL)
        return cn_item_describe_files(doc, srv->repos_dir);
    return 0;
}
