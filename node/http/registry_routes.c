/*
 * registry_routes.c - the registry in `serve`: the web page at / (node/web/,
 * built into the binary), the JSON documents of /api/v1/ (docs/api.yaml),
 * a solution's publiccode.yml, the Atom feeds, the DCAT-AP and ADMS-AP
 * catalogs and an item's page with its JSON-LD; downloads of verified target
 * files and ZIPs are download_routes.c's.
 *
 * Each server thread keeps its own registry handle (registry/registry.h:
 * a handle is not thread-safe, and each keeps its in-memory copy of the
 * index current by itself), opened on the thread's first request.
 */
#include "node/http/server_internal.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/file.h"
#include "core/hash.h"
#include "core/tuf.h"
#include "node/http/web_assets.h"
#include "registry/registry.h"
#include "schemas/yaml.h"

#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PUBLICCODE_MAX (1024 * 1024) /* bytes of a publiccode.yml we send */
#define HOST_MAX       255

/* The page is a program that reads the registry's documents: nothing but
 * its own files and the API, no inline script or style, no framing. */
static const char page_csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; connect-src 'self'; "
                               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

static void free_registry(void *reg)
{
    cn_registry_free(reg);
}

/* The directory files.zip archives are built in and sent from: <tmp_dir>/zip,
 * emptied at start (an archive left by an older build of this program, or
 * half-written by a crash, is never sent). */
static int zip_dir_init(cn_server *srv, const char *tmp_dir)
{
    int err;

    if (pthread_mutex_init(&srv->zip_lock, NULL) != 0)
        return cn_error_set(CN_ERROR, "cannot create a mutex");
    srv->zip_lock_ok = 1;
    srv->zip_dir_fd = -1;
    if (tmp_dir == NULL)
        return 0;
    if ((srv->zip_dir = malloc(strlen(tmp_dir) + 5)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    sprintf(srv->zip_dir, "%s/zip", tmp_dir);
    if ((err = cn_rmtree(srv->zip_dir)) != 0 || (err = cn_mkdir_p(srv->zip_dir, 0700)) != 0)
        return err;
    if ((srv->zip_dir_fd = open(srv->zip_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return cn_error_set(CN_ERROR, "%s: %s", srv->zip_dir, strerror(errno));
    return 0;
}

int cn_serve_registry_init(cn_server *srv, const cn_server_options *opts)
{
    int err;

    if ((err = zip_dir_init(srv, opts->tmp_dir)) != 0)
        return err;
    if (opts->state_db == NULL)
        return 0;
    if ((srv->state_db = strdup(opts->state_db)) == NULL ||
        (opts->base_url != NULL && (srv->base_url = strdup(opts->base_url)) == NULL) ||
        (opts->imprint && (srv->legal[0] = strdup(opts->imprint)) == NULL) ||
        (opts->privacy && (srv->legal[1] = strdup(opts->privacy)) == NULL) ||
        (opts->accessibility && (srv->legal[2] = strdup(opts->accessibility)) == NULL))
        return cn_error_set(CN_ENOMEM, "out of memory");
    srv->public = opts->host != NULL && !cn_server_host_is_loopback(opts->host);
    if (pthread_key_create(&srv->reg_key, free_registry) != 0)
        return cn_error_set(CN_ERROR, "cannot create a thread key");
    srv->reg_key_ok = 1;
    return 0;
}

void cn_serve_registry_free(cn_server *srv)
{
    /* Called after the daemon stopped: its threads have exited and freed
     * their handles through the key's destructor. */
    if (srv->reg_key_ok)
        pthread_key_delete(srv->reg_key);
    if (srv->zip_lock_ok)
        pthread_mutex_destroy(&srv->zip_lock);
    if (srv->zip_dir_fd >= 0)
        close(srv->zip_dir_fd);
    free(srv->zip_dir);
    free(srv->state_db);
    free(srv->base_url);
    for (size_t i = 0; i < sizeof(srv->legal) / sizeof(srv->legal[0]); i++)
        free(srv->legal[i]);
}

/* This thread's registry handle, opened on first use; NULL with the error
 * logged. */
static cn_registry *thread_registry(cn_server *srv)
{
    cn_registry *reg = pthread_getspecific(srv->reg_key);

    if (reg != NULL)
        return reg;
    if (cn_registry_open(&reg, srv->state_db) != 0) {
        fprintf(stderr, "citynode serve: registry: %s\n", cn_error_message());
        return NULL;
    }
    if (pthread_setspecific(srv->reg_key, reg) != 0) {
        cn_registry_free(reg);
        return NULL;
    }
    return reg;
}

static void common_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
}

/* Bodies shorter than this go as they are: gzip would save little. */
#define GZIP_MIN 256

/* 1 when the answer to c goes gzip'ed: the client takes gzip and a body
 * of len bytes is worth it. */
static int wants_gzip(struct MHD_Connection *c, size_t len)
{
    return len >= GZIP_MIN && cn_serve_accepts_gzip(c);
}

/* The ETag of the gzip'ed representation of etag ("…" → "…-gzip"): another
 * representation has its own strong validator (RFC 9110 §8.8.3). */
static void gzip_etag(char *out, size_t size, const char *etag, int gz)
{
    size_t n = strlen(etag);

    if (gz && n >= 2 && etag[n - 1] == '"')
        snprintf(out, size, "%.*s-gzip\"", (int)(n - 1), etag);
    else
        snprintf(out, size, "%s", etag);
}

/* A response of len bytes of data, gzip'ed when gz (then saying so): NULL
 * when out of memory. data is copied unless owned (then it is taken
 * over, freed either way). Every answer that may go gzip'ed says Vary. */
static struct MHD_Response *body_response(const void *data, size_t len, int owned, int gz)
{
    struct MHD_Response *r = NULL;
    unsigned char *z = NULL;
    size_t zlen = 0;

    if (gz && cn_serve_gzip(&z, &zlen, data, len) == 0) {
        if ((r = MHD_create_response_from_buffer(zlen, z, MHD_RESPMEM_MUST_FREE)) == NULL)
            free(z);
        else
            MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
        if (owned)
            free((void *)data);
    } else if (owned) {
        if ((r = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_FREE)) == NULL)
            free((void *)data);
    } else {
        r = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_PERSISTENT);
    }
    if (r != NULL)
        MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
    return r;
}

/* ---- the web page ---------------------------------------------------- */

static const char *asset_type(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".json", "application/json"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(name, '.');

    for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

static const cn_web_asset *find_asset(const char *name)
{
    for (const cn_web_asset *a = cn_web_assets; a->name; a++)
        if (strcmp(a->name, name) == 0)
            return a;
    return NULL;
}

static enum MHD_Result serve_asset(struct MHD_Connection *c, const cn_web_asset *a)
{
    const char *inm =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    int gz = wants_gzip(c, a->len), not_modified;
    struct MHD_Response *r;
    enum MHD_Result ret;
    char etag[128];

    gzip_etag(etag, sizeof(etag), a->etag, gz);
    not_modified = inm && strcmp(inm, etag) == 0;
    r = not_modified ? MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT)
                     : body_response(a->data, a->len, 0, gz);
    if (r == NULL)
        return MHD_NO;
    if (not_modified)
        MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
    MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
    /* Revalidated on every load, so a new binary's page is seen at once. */
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    if (!not_modified)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, asset_type(a->name));
    if (strcmp(a->name, "index.html") == 0)
        MHD_add_response_header(r, "Content-Security-Policy", page_csp);
    common_headers(r);
    ret = MHD_queue_response(c, not_modified ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

/* ---- JSON documents -------------------------------------------------- */

/* Send text (heap, len bytes; taken over) as a public document of the
 * registry: no-cache, readable by other origins' pages (the registry is
 * public data). disposition may be NULL. */
static enum MHD_Result send_document(struct MHD_Connection *c, unsigned status, char *text,
                                     size_t len, const char *ctype, const char *disposition)
{
    struct MHD_Response *r = body_response(text, len, 1, wants_gzip(c, len));
    enum MHD_Result ret;

    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    if (disposition != NULL)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disposition);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(r, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    common_headers(r);
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, const json_t *doc,
                                 const char *ctype)
{
    char *text = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);

    if (text == NULL)
        return cn_serve_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    return send_document(c, status, text, strlen(text), ctype, NULL);
}

enum MHD_Result cn_serve_send_json(struct MHD_Connection *c, unsigned status, const json_t *doc)
{
    return send_json(c, status, doc, "application/json; charset=utf-8");
}

enum MHD_Result cn_serve_send_error(struct MHD_Connection *c, int err)
{
    int status = cn_registry_http_status(err);
    json_t *doc;
    enum MHD_Result ret;

    if (status == 500)
        fprintf(stderr, "citynode serve: registry: %s\n", cn_error_message());
    doc = cn_registry_error_json(status, status == 500 ? "internal error in the registry"
                                                       : cn_error_message());
    if (doc == NULL)
        return cn_serve_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    ret = send_json(c, (unsigned)status, doc, "application/json; charset=utf-8");
    json_decref(doc);
    cn_error_clear();
    return ret;
}

typedef struct {
    cn_registry_query *q;
    cn_buf *echo; /* NULL, or the parameters again as a query string ("?k=v&...") */
    size_t bytes;
    int err;
} args_ctx;

/* key=value appended to a URL's query string (with '?' before the first,
 * '&' before the others), both percent-encoded. */
static int echo_arg(cn_buf *echo, const char *key, const char *value, size_t value_size)
{
    char *k = NULL, *v = NULL, *vcopy = NULL;
    int err;

    if ((err = cn_tuf_quote(&k, key)) != 0)
        return err;
    if (value != NULL &&
        ((vcopy = strndup(value, value_size)) == NULL || (err = cn_tuf_quote(&v, vcopy)) != 0))
        err = err ? err : cn_error_set(CN_ENOMEM, "out of memory");
    if (err == 0)
        err = cn_buf_printf(echo, "%c%s%s%s",
                            echo->len && memchr(echo->data, '?', echo->len) ? '&' : '?', k,
                            v ? "=" : "", v ? v : "");
    free(k);
    free(v);
    free(vcopy);
    return err;
}

static enum MHD_Result take_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                size_t key_size, const char *value, size_t value_size)
{
    args_ctx *a = cls;

    (void)kind;
    if (a->err != 0)
        return MHD_NO;
    a->bytes += key_size + value_size + 2;
    if (a->bytes > CN_REGISTRY_QUERY_STRING_MAX) {
        a->err = cn_error_set(CN_ELIMIT, "the query string is longer than %d bytes",
                              CN_REGISTRY_QUERY_STRING_MAX);
        return MHD_NO;
    }
    if (strlen(key) != key_size) { /* an escaped NUL in a name */
        a->err = cn_error_set(CN_EINVAL, "a parameter name contains a NUL byte");
        return MHD_NO;
    }
    a->err = cn_registry_query_set(a->q, key, value, value ? value_size : 0);
    if (a->err == 0 && a->echo != NULL)
        a->err = echo_arg(a->echo, key, value, value_size);
    return a->err == 0 ? MHD_YES : MHD_NO;
}

/* The request's parameters into q (libmicrohttpd has split and decoded
 * them; the lengths it gives let an embedded NUL be refused), and when
 * echo is not NULL, again as a query string in the order given. */
static int read_args_echo(cn_registry_query *q, cn_buf *echo, struct MHD_Connection *c)
{
    args_ctx a = {q, echo, 0, 0};

    MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, take_arg, &a);
    return a.err;
}

static int read_args(cn_registry_query *q, struct MHD_Connection *c)
{
    args_ctx a = {q, NULL, 0, 0};

    MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, take_arg, &a);
    return a.err;
}

/* ---- a solution's publiccode.yml -------------------------------------- */

/* The file publiccode.yml (or .yaml) at the top of the tree of tag
 * v<version> in repos/<node>/<item>.git, if the repository and file exist;
 * *found says whether the file was there. */
static int read_publiccode(cn_buf *out, int *found, const char *repos_dir, const char *node,
                           const char *item, const char *version)
{
    cn_serve_version_tree v;
    git_blob *blob = NULL;
    const git_tree_entry *e;
    int err = 0;

    *found = 0;
    if (cn_serve_version_tree_open(&v, repos_dir, node, item, version) != 0)
        goto out; /* not mirrored here (an index-only peer) */
    if ((e = git_tree_entry_byname(v.tree, "publiccode.yml")) == NULL &&
        (e = git_tree_entry_byname(v.tree, "publiccode.yaml")) == NULL)
        goto out;
    if (git_tree_entry_type(e) != GIT_OBJECT_BLOB ||
        git_blob_lookup(&blob, v.repo, git_tree_entry_id(e)) != 0)
        goto out;
    if (git_blob_rawsize(blob) > PUBLICCODE_MAX) {
        err = cn_error_set(CN_ELIMIT, "%s's publiccode.yml is larger than %d bytes", item,
                           PUBLICCODE_MAX);
        goto out;
    }
    if ((err = cn_buf_put(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob))) == 0)
        *found = 1;
out:
    git_error_clear();
    git_blob_free(blob);
    cn_serve_version_tree_close(&v);
    return err;
}

/* GET /api/v1/items/<node>/<item>/publiccode.yml[?version=V]: the file as
 * the publisher signed it when the item's repository is here; otherwise
 * (an index-only peer, or a solution described in citynode.yml) the
 * validated manifest written as YAML, without citynode's "kind" key. */
static enum MHD_Result serve_publiccode(cn_server *srv, struct MHD_Connection *c, cn_registry *reg,
                                        const char *node, const char *item)
{
    cn_registry_query q = CN_REGISTRY_QUERY_INIT;
    json_t *doc = NULL;
    const json_t *manifest;
    const char *id, *kind, *version;
    cn_buf body = CN_BUF_INIT;
    enum MHD_Result ret;
    int err, found = 0;
    size_t len;
    char *text;

    if ((err = read_args(&q, c)) != 0 || (err = cn_registry_item(&doc, reg, node, item, &q)) != 0)
        goto fail;
    id = json_string_value(json_object_get(json_object_get(doc, "node"), "id"));
    kind = json_string_value(json_object_get(doc, "kind"));
    version = json_string_value(json_object_get(json_object_get(doc, "version"), "version"));
    manifest = json_object_get(json_object_get(doc, "version"), "manifest");
    if (id == NULL || kind == NULL || version == NULL || !json_is_object(manifest)) {
        err = cn_error_set(CN_ERROR, "the registry's item document lacks node, kind or version");
        goto fail;
    }
    if (strcmp(kind, "solution") != 0) {
        err = cn_error_set(CN_ENOTFOUND, "%s is a %s; only solutions have a publiccode.yml", item,
                           kind);
        goto fail;
    }
    if (srv->repos_dir != NULL &&
        (err = read_publiccode(&body, &found, srv->repos_dir, id, item, version)) != 0)
        goto fail;
    if (!found && (err = cn_yaml_write(&body, manifest, "kind")) != 0)
        goto fail;
    text = cn_buf_detach(&body, &len);
    ret = send_document(c, MHD_HTTP_OK, text, len, "application/yaml; charset=utf-8",
                        "inline; filename=\"publiccode.yml\"");
    goto out;
fail:
    ret = cn_serve_send_error(c, err);
out:
    cn_buf_free(&body);
    json_decref(doc);
    cn_registry_query_clear(&q);
    return ret;
}

static int base_url(char *out, size_t outlen, cn_server *srv, struct MHD_Connection *c);

/* api/v1/<…>.atom: a feed (registry/registry.h, cn_registry_feed). Built
 * for every request (at most CN_REGISTRY_FEED_ENTRIES entries), sent with
 * a strong ETag of its bytes and its newest entry's time as Last-Modified,
 * and 304 to a client that has it. */
static enum MHD_Result serve_feed(cn_server *srv, struct MHD_Connection *c, cn_registry *reg,
                                  const char *rel)
{
    cn_registry_query q = CN_REGISTRY_QUERY_INIT;
    cn_buf self = CN_BUF_INIT, body = CN_BUF_INIT;
    char base[CN_SERVE_MAX_PATH], path[CN_SERVE_MAX_PATH + 2], plain[40], etag[48], hex[65];
    char lastmod[64];
    struct MHD_Response *r;
    enum MHD_Result ret;
    int64_t updated = 0;
    size_t len;
    unsigned status;
    int err, gz;

    snprintf(path, sizeof(path), "/%s", rel);
    if ((err = cn_buf_puts(&self, path)) != 0 || (err = read_args_echo(&q, &self, c)) != 0 ||
        (err = base_url(base, sizeof(base), srv, c)) != 0 ||
        (err = cn_registry_feed(&body, &updated, reg, path, &q, base, (const char *)self.data)))
        goto fail;
    cn_sha256_hex(hex, body.data, body.len);
    snprintf(plain, sizeof(plain), "\"%.32s\"", hex);
    gz = wants_gzip(c, body.len);
    gzip_etag(etag, sizeof(etag), plain, gz);
    cn_serve_http_date(lastmod, sizeof(lastmod), updated);
    status = cn_serve_not_modified(c, etag, updated) ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK;
    if (status == MHD_HTTP_NOT_MODIFIED) {
        cn_buf_free(&body);
        if ((r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT)) != NULL)
            MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
    } else {
        char *text = cn_buf_detach(&body, &len);
        r = body_response(text, len, 1, gz);
    }
    if (r == NULL) {
        ret = MHD_NO;
        goto out;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
    MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, lastmod);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(r, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    if (status == MHD_HTTP_OK)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                                "application/atom+xml; charset=utf-8");
    common_headers(r);
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    goto out;
fail:
    ret = cn_serve_send_error(c, err);
out:
    cn_buf_free(&self);
    cn_buf_free(&body);
    cn_registry_query_clear(&q);
    return ret;
}

/* GET /api/v1: what the registry does not know, from config.yml and the
 * listen address: the node's legal pages and whether it serves publicly. */
static int add_legal(json_t *doc, const cn_server *srv)
{
    json_t *legal = json_pack("{s:s?, s:s?, s:s?}", "imprint", srv->legal[0], "privacy",
                              srv->legal[1], "accessibility", srv->legal[2]);

    if (legal == NULL || json_object_set_new(doc, "legal", legal) != 0 ||
        json_object_set_new(doc, "public", json_boolean(srv->public)) != 0)
        return -1;
    return 0;
}

static enum MHD_Result serve_api(cn_server *srv, struct MHD_Connection *c, const char *rel)
{
    cn_registry_query q = CN_REGISTRY_QUERY_INIT;
    cn_registry *reg = NULL;
    json_t *doc = NULL;
    enum MHD_Result ret;
    char path[CN_SERVE_MAX_PATH + 2];
    int status = 200, err;

    if (srv->state_db == NULL || (reg = thread_registry(srv)) == NULL) {
        err = srv->state_db ? CN_ERROR : cn_error_set(CN_ENOTFOUND, "this node has no registry");
        return cn_serve_send_error(c, err);
    }
    /* api/v1/items/<node>/<item>/publiccode.yml */
    {
        static const char items[] = "api/v1/items/", suffix[] = "/publiccode.yml";
        size_t n = strlen(rel);
        if (strncmp(rel, items, sizeof(items) - 1) == 0 && n > sizeof(suffix) - 1 &&
            strcmp(rel + n - (sizeof(suffix) - 1), suffix) == 0) {
            char node[CN_SERVE_MAX_PATH], *item;
            snprintf(node, sizeof(node), "%.*s",
                     (int)(n - (sizeof(items) - 1) - (sizeof(suffix) - 1)),
                     rel + sizeof(items) - 1);
            if ((item = strchr(node, '/')) != NULL && strchr(item + 1, '/') == NULL) {
                *item++ = '\0';
                return serve_publiccode(srv, c, reg, node, item);
            }
        }
    }
    /* api/v1/items/<node>/<item>/files and …/preview/<path> (file_routes.c) */
    if (cn_serve_files_api(&ret, srv, c, reg, rel) == 0)
        return ret;
    if (strlen(rel) > 5 && strcmp(rel + strlen(rel) - 5, ".atom") == 0)
        return serve_feed(srv, c, reg, rel);
    if ((err = read_args(&q, c)) != 0) {
        cn_registry_query_clear(&q);
        return cn_serve_send_error(c, err);
    }
    snprintf(path, sizeof(path), "/%s", rel);
    if (cn_registry_api_get(&doc, &status, reg, path, &q) != 0 && status == 500)
        fprintf(stderr, "citynode serve: registry: %s\n", cn_error_message());
    else if (status == 200 && cn_serve_files_decorate(srv, reg, path, doc) != 0)
        fprintf(stderr, "citynode serve: files: %s\n", cn_error_message());
    cn_error_clear();
    if (status == 200 && (strcmp(rel, "api/v1") == 0 || strcmp(rel, "api/v1/") == 0) &&
        add_legal(doc, srv) != 0) {
        json_decref(doc);
        doc = NULL;
    }
    ret = doc ? send_json(c, (unsigned)status, doc, "application/json; charset=utf-8")
              : cn_serve_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    json_decref(doc);
    cn_registry_query_clear(&q);
    return ret;
}

/* ---- DCAT ------------------------------------------------------------ */

/* The base URL for the catalog's IRIs: the node's configured URL, or
 * http://<Host> of the request when it names a plausible host. */
static int base_url(char *out, size_t outlen, cn_server *srv, struct MHD_Connection *c)
{
    const char *host;

    if (srv->base_url != NULL && *srv->base_url) {
        snprintf(out, outlen, "%s", srv->base_url);
        return 0;
    }
    host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (host == NULL || *host == '\0' || strlen(host) > HOST_MAX ||
        strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") !=
            strlen(host))
        return cn_error_set(CN_EINVAL, "the request has no usable Host header and the node no url");
    snprintf(out, outlen, "http://%s", host);
    return 0;
}

/* A DCAT document as the format its path's extension asked for. */
static enum MHD_Result send_rdf(struct MHD_Connection *c, const json_t *doc, int turtle)
{
    char *text;

    if (!turtle)
        return send_json(c, MHD_HTTP_OK, doc, "application/ld+json");
    if (cn_registry_dcat_turtle(&text, doc) != 0)
        return cn_serve_send_error(c, CN_ERROR);
    return send_document(c, MHD_HTTP_OK, text, strlen(text), "text/turtle; charset=utf-8", NULL);
}

/* ?page=N or ?per_page=N of the network catalog: 1 to 9 digits; absent is
 * dflt; -1 when it is not a number (0 included). */
static long count_arg(struct MHD_Connection *c, const char *name, long dflt)
{
    const char *p = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
    size_t n = p ? strlen(p) : 0;

    if (p == NULL)
        return dflt;
    if (n == 0 || n > 9 || strspn(p, "0123456789") != n || strtol(p, NULL, 10) == 0)
        return -1;
    return strtol(p, NULL, 10);
}

/* /dcat/catalog.jsonld|ttl (the node's datasets), /dcat/network.jsonld|ttl
 * (the network's, paged) and /dcat/datasets/<node>/<item>.jsonld|ttl (one
 * record), docs/DCAT.md; with adms, /adms/catalog.jsonld|ttl (the node's
 * solutions) and /adms/network.jsonld|ttl (the network's), docs/ADMS.md.
 * -1 for another path. */
static int serve_dcat(enum MHD_Result *ret, cn_server *srv, struct MHD_Connection *c,
                      const char *rel, int adms)
{
    const char *dot = strrchr(rel, '.'), *slash;
    char stem[CN_SERVE_MAX_PATH], node[65], base[CN_SERVE_MAX_PATH];
    cn_registry_dcat_page page = CN_REGISTRY_DCAT_PAGE_INIT;
    int turtle, err;
    size_t n;
    cn_registry *reg;
    json_t *doc = NULL;

    if (dot == NULL || (strcmp(dot, ".jsonld") != 0 && strcmp(dot, ".ttl") != 0) ||
        (n = (size_t)(dot - rel)) >= sizeof(stem))
        return -1;
    turtle = strcmp(dot, ".ttl") == 0;
    memcpy(stem, rel, n);
    stem[n] = '\0';
    if (strcmp(stem, "catalog") != 0 && strcmp(stem, "network") != 0 &&
        (adms || strncmp(stem, "datasets/", 9) != 0))
        return -1;
    if (srv->state_db == NULL || srv->node_id == NULL) {
        *ret = cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
        return 0;
    }
    if ((reg = thread_registry(srv)) == NULL) {
        *ret = cn_serve_send_error(c, CN_ERROR);
        return 0;
    }
    if ((err = base_url(base, sizeof(base), srv, c)) != 0) {
        *ret = cn_serve_send_error(c, err);
        return 0;
    }
    if (adms) {
        err = strcmp(stem, "network") == 0
                  ? cn_registry_adms_network(&doc, reg, srv->node_id, base)
                  : cn_registry_adms_catalog(&doc, reg, srv->node_id, base);
    } else if (strcmp(stem, "catalog") == 0) {
        err = cn_registry_dcat_catalog(&doc, reg, srv->node_id, base);
    } else if (strcmp(stem, "network") == 0) {
        page.base_url = base;
        page.ext = turtle ? "ttl" : "jsonld";
        long p = count_arg(c, "page", 1), pp = count_arg(c, "per_page", 0);
        if (p < 0 || pp < 0) {
            err = cn_error_set(CN_EINVAL, "page, per_page: expected a number from 1");
        } else {
            page.page = (size_t)p;
            page.per_page = (size_t)pp;
            err = cn_registry_dcat_network(&doc, reg, srv->node_id, &page);
        }
    } else {
        /* datasets/<node>/<item>: one dataset's record. */
        slash = strchr(stem + 9, '/');
        n = slash ? (size_t)(slash - (stem + 9)) : 0;
        if (n == 0 || n >= sizeof(node) || strchr(slash + 1, '/') != NULL || slash[1] == '\0') {
            *ret = cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
            return 0;
        }
        memcpy(node, stem + 9, n);
        node[n] = '\0';
        err = cn_registry_dcat_record(&doc, reg, srv->node_id, base, node, slash + 1);
    }
    /* A catalog too large to build is this server's problem, not the
     * request's: 500 (logged), never a 400 or a partial catalog. */
    *ret =
        err ? cn_serve_send_error(c, err == CN_ELIMIT ? CN_ERROR : err) : send_rdf(c, doc, turtle);
    json_decref(doc);
    return 0;
}

/* ---- an item's page with its JSON-LD ---------------------------------- */

/* doc as the text of a <script type="application/ld+json"> element: JSON
 * whose '<', '>' and '&' are written \u003c, \u003e, \u0026 (they only
 * occur inside strings, where the escape means the same character), so no
 * manifest text can close the element or open a comment; JSON_ENSURE_ASCII
 * escapes U+2028 and U+2029 as well. */
static int jsonld_script(cn_buf *out, const json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
    int err;

    if (text == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    err = cn_buf_puts(out, "<script type=\"application/ld+json\" id=\"item-jsonld\">");
    for (const char *p = text; err == 0 && *p; p++) {
        if (*p == '<')
            err = cn_buf_puts(out, "\\u003c");
        else if (*p == '>')
            err = cn_buf_puts(out, "\\u003e");
        else if (*p == '&')
            err = cn_buf_puts(out, "\\u0026");
        else
            err = cn_buf_put(out, p, 1);
    }
    if (err == 0)
        err = cn_buf_puts(out, "</script>\n");
    free(text);
    return err;
}

/* Where "</head>" starts in the page (our own file, built in), or NULL. */
static const char *head_end(const cn_web_asset *a)
{
    const char *p = (const char *)a->data;

    for (size_t i = 0; i + 7 <= a->len; i++)
        if (memcmp(p + i, "</head>", 7) == 0)
            return p + i;
    return NULL;
}

/* index.html with the schema.org JSON-LD of the item the URL names
 * (/?item=<node>/<item>[&version=V], docs/SCHEMAORG.md) before </head>, so
 * that what a crawler gets without running the page's script describes the
 * item. NULL (error recorded) when there is no such item or no page. */
static int item_page(cn_buf *out, cn_server *srv, struct MHD_Connection *c, const cn_web_asset *a,
                     const char *ref)
{
    cn_registry_query q = CN_REGISTRY_QUERY_INIT;
    const char *version = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "version");
    const char *head = head_end(a);
    char node[CN_SERVE_MAX_PATH], base[CN_SERVE_MAX_PATH], *item;
    cn_registry *reg;
    json_t *doc = NULL;
    int err;

    snprintf(node, sizeof(node), "%s", ref);
    if (head == NULL || srv->state_db == NULL || (item = strchr(node, '/')) == NULL)
        return cn_error_set(CN_ENOTFOUND, "not an item page");
    *item++ = '\0';
    if ((reg = thread_registry(srv)) == NULL)
        return CN_ERROR;
    if ((version == NULL ||
         (err = cn_registry_query_set(&q, "version", version, strlen(version))) == 0) &&
        (err = base_url(base, sizeof(base), srv, c)) == 0 &&
        (err = cn_registry_item_schemaorg(&doc, reg, node, item, &q, base)) == 0 &&
        (err = cn_buf_put(out, a->data, (size_t)(head - (const char *)a->data))) == 0 &&
        (err = jsonld_script(out, doc)) == 0)
        err = cn_buf_put(out, head, a->len - (size_t)(head - (const char *)a->data));
    json_decref(doc);
    cn_registry_query_clear(&q);
    return err;
}

/* GET / and /index.html: the page; for an item's URL, with its JSON-LD.
 * That page varies with the registry, so it carries no ETag; a URL whose
 * item is unknown gets the plain page, which shows the error. */
static enum MHD_Result serve_page(cn_server *srv, struct MHD_Connection *c, const cn_web_asset *a)
{
    const char *ref = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "item");
    cn_buf page = CN_BUF_INIT;
    struct MHD_Response *r;
    enum MHD_Result ret;
    size_t len;

    if (ref == NULL || item_page(&page, srv, c, a, ref) != 0) {
        cn_error_clear();
        cn_buf_free(&page);
        return serve_asset(c, a);
    }
    len = page.len;
    if ((r = body_response(cn_buf_detach(&page, NULL), len, 1, wants_gzip(c, len))) == NULL)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, asset_type(a->name));
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(r, "Content-Security-Policy", page_csp);
    common_headers(r);
    ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

int cn_serve_registry(enum MHD_Result *ret, cn_server *srv, struct MHD_Connection *c,
                      const char *rel)
{
    const cn_web_asset *a;
    char node[CN_NODE_ID_LEN + 1];

    if (*rel == '\0' || strcmp(rel, "index.html") == 0) {
        if ((a = find_asset("index.html")) == NULL)
            return -1; /* built without the page: server.c's fallback */
        *ret = serve_page(srv, c, a);
        return 0;
    }
    if (strncmp(rel, "assets/", 7) == 0) {
        a = strchr(rel + 7, '/') == NULL ? find_asset(rel + 7) : NULL;
        *ret = a ? serve_asset(c, a) : cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
        return 0;
    }
    if (strncmp(rel, "api/", 4) == 0) {
        *ret = serve_api(srv, c, rel);
        return 0;
    }
    if (cn_serve_is_logo_path(rel, node)) {
        cn_registry *reg = srv->state_db ? thread_registry(srv) : NULL;
        *ret = reg ? cn_serve_logo(srv, c, reg, node)
                   : cn_serve_send_error(c, srv->state_db
                                                ? CN_ERROR
                                                : cn_error_set(CN_ENOTFOUND, "this node has no "
                                                                             "registry"));
        return 0;
    }
    if (strncmp(rel, "download/", 9) == 0) {
        *ret = cn_serve_download(srv, c, rel);
        return 0;
    }
    if (strncmp(rel, "dcat/", 5) == 0)
        return serve_dcat(ret, srv, c, rel + 5, 0);
    if (strncmp(rel, "adms/", 5) == 0)
        return serve_dcat(ret, srv, c, rel + 5, 1);
    return -1;
}
