/*
 * server_internal.h - what the rooms of the HTTP server share: the server
 * state, the answers of responses.c, and each room's entry point. server.c
 * dispatches a request to tree_routes.c (the published tree, mirrors),
 * git_routes.c (dumb-HTTP git), inbox.c (hints) or registry_routes.c (the
 * /api/v1/ documents, the web page, downloads and exports); those call
 * responses.c and nothing in server.c.
 */
#ifndef CN_HTTP_SERVER_INTERNAL_H
#define CN_HTTP_SERVER_INTERNAL_H

#include "node/http/server.h"
#include "node/item.h"
#include "registry/registry.h"

#include <git2.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>

#define CN_SERVE_MAX_PATH 1024
#define CN_NODE_ID_LEN    64
#define CN_INBOX_ADDRS    512 /* client addresses tracked at once */
#define CN_INBOX_PEERS    256 /* followed peers tracked at once */
#define CN_ZIP_BUILDS     2   /* files.zip archives built at once */

typedef struct {
    unsigned char addr[16];
    int family; /* 0: slot unused */
    int64_t start;
    unsigned count;
} rate_slot;

typedef struct {
    char id[CN_NODE_ID_LEN + 1]; /* "": slot unused */
    int64_t start;
    unsigned count;
} peer_slot;

struct cn_conn;

struct cn_server {
    struct MHD_Daemon *daemon;
    pthread_mutex_t conn_lock; /* guards conns, nconns, sweep_stop */
    pthread_cond_t sweep_wake;
    int conn_lock_ok;
    struct cn_conn *conns; /* open connections (server.c) */
    unsigned nconns;
    pthread_t sweeper;
    int sweeper_ok, sweep_stop;
    char *index_html; /* the fallback page when no web page is built in */
    size_t index_len;
    int root_fd; /* public_dir, opened once; files are opened relative to it */
    char *mirrors_dir;
    char *repos_dir;
    char *node_id;
    char *state_db;        /* NULL: no registry (the /api/v1/ routes answer 404) */
    char *base_url;        /* the node's public URL, for exports; may be NULL */
    char *legal[3];        /* imprint, privacy, accessibility (http(s) URLs or NULL) */
    int public;            /* it listens on an address other than loopback */
    pthread_key_t reg_key; /* each server thread's registry handle */
    int reg_key_ok;
    char *zip_dir; /* where files.zip archives are built and kept; NULL: none */
    int zip_dir_fd;
    pthread_mutex_t zip_lock; /* guards zip_building */
    int zip_lock_ok;
    char zip_building[CN_ZIP_BUILDS][41]; /* tag ids being built; "": slot free */
    size_t files_inflight;                /* bytes of single files held by answers (zip_lock) */
    cn_server_hint_fn on_hint;
    cn_server_peer_fn is_peer;
    void *hint_ctx;
    pthread_mutex_t rate_lock;
    int rate_lock_ok;
    int64_t global_start;
    unsigned global_count;
    rate_slot slots[CN_INBOX_ADDRS];
    peer_slot peer_slots[CN_INBOX_PEERS];
};

/* ---- responses.c ---- */

/* Answer with a short plain-text body (a static string). */
enum MHD_Result cn_serve_text(struct MHD_Connection *c, unsigned status, const char *text);

/* Answer with status and no body. */
enum MHD_Result cn_serve_empty(struct MHD_Connection *c, unsigned status);

/* 1 if s starts with "<64 lowercase hex>/" (a node id's directory). */
int cn_serve_node_id_dir(const char *s);

/* Open rel below dir_fd one component at a time with O_NOFOLLOW, so neither
 * ".." (refused earlier) nor a symlink can lead outside it. A new fd, or -1. */
int cn_serve_open_below(int dir_fd, const char *rel);

/* How cn_serve_file answers, or'ed together. */
#define CN_SERVE_IMMUTABLE 1u /* the name is the content's hash: cache for a year */
#define CN_SERVE_GZIP      2u /* gzip it when the client accepts it (small files) */

/* Largest file CN_SERVE_GZIP compresses (bigger ones go as they are). */
#define CN_SERVE_GZIP_MAX (1024u * 1024u)

/* Serve the regular file rel below dir_fd with ETag/304, Last-Modified and a
 * single Range; immutable files (CN_SERVE_IMMUTABLE: targets and git objects,
 * whose names are their hashes) may be cached for a year, everything else is
 * revalidated. With CN_SERVE_GZIP a file of at most CN_SERVE_GZIP_MAX bytes
 * goes gzip'ed (Content-Encoding: gzip, its own ETag, no ranges) to a client
 * whose Accept-Encoding takes gzip, and every answer says Vary:
 * Accept-Encoding. A filename makes it a download (Content-Disposition:
 * attachment). etag (a quoted string) names the file's content when the
 * caller knows it; NULL: the ETag is made of the file's inode, size and
 * mtime. */
enum MHD_Result cn_serve_file(struct MHD_Connection *c, int dir_fd, const char *rel,
                              const char *ctype, unsigned flags, const char *filename,
                              const char *etag);

/* Parse a single "bytes=a-b", "bytes=a-" or "bytes=-n" Range header h for
 * a body of size bytes (RFC 9110 §14.1.1): 1 and [*start, *end] (inclusive)
 * if satisfiable, 0 to send the whole body (absent, unsupported or invalid:
 * RFC 9110 §14.2 says to ignore it), -1 if unsatisfiable (416). */
int cn_serve_parse_range(const char *h, uint64_t size, uint64_t *start, uint64_t *end);

/* t (seconds since the epoch; <= 0 as the epoch) as an HTTP date, "Sun, 06
 * Nov 1994 08:49:37 GMT", into out (at least 30 bytes). */
void cn_serve_http_date(char *out, size_t outlen, int64_t t);

/* 1 if a conditional GET of a document with this ETag (a quoted string)
 * and last_modified (seconds; 0: unknown) is answered 304: If-None-Match
 * names etag or is "*", or, without If-None-Match, If-Modified-Since is an
 * IMF-fixdate not before last_modified (RFC 9110 §13.1.1-§13.1.3). */
int cn_serve_not_modified(struct MHD_Connection *c, const char *etag, int64_t last_modified);

/* in (len bytes) gzip'ed into *out (malloc'ed, *outlen bytes); -1 when out
 * of memory. */
int cn_serve_gzip(unsigned char **out, size_t *outlen, const void *in, size_t len);

/* 1 if the request's Accept-Encoding takes gzip (a "gzip" or "*" coding
 * whose q is not 0), else 0 (RFC 9110 §12.5.3). */
int cn_serve_accepts_gzip(struct MHD_Connection *c);

/* cn_serve_file below the directory dir, opened per request (so a mirrors/
 * or repos/ directory created after the server started is found); 404 when
 * dir is NULL or cannot be opened. */
enum MHD_Result cn_serve_below(struct MHD_Connection *c, const char *dir, const char *rel,
                               const char *ctype, unsigned flags);

/* ---- tree_routes.c, git_routes.c ---- */

/* GET of rel (which has passed cn_name_check_relpath): "mirrors/<id>/…" or
 * a path of the published tree; 404 for anything else. */
enum MHD_Result cn_serve_tree(cn_server *srv, struct MHD_Connection *c, const char *rel);

/* GET of rel = "git/<node id>/<item>.git/<file>" (passed cn_name_check_relpath). */
enum MHD_Result cn_serve_git(cn_server *srv, struct MHD_Connection *c, const char *rel);

/* ---- inbox.c ---- */

typedef struct cn_inbox_request cn_inbox_request;

/* Set up and tear down the inbox's rate limits (srv->rate_lock and counts). */
int cn_inbox_init(cn_server *srv);
void cn_inbox_free(cn_server *srv);

/* First call of a POST /inbox (headers only): the limits that need no body;
 * on MHD_YES *req_cls is a new cn_inbox_request (freed with free()). */
enum MHD_Result cn_inbox_begin(cn_server *srv, struct MHD_Connection *c, void **req_cls);

/* A chunk of a hint's body, kept up to the limit. A body that grows past it
 * (a chunked body announces no length) is read on and dropped up to
 * CN_INBOX_DISCARD_MAX, then answered 413; beyond that the connection is
 * closed (libmicrohttpd 0.9 cannot answer while a body is arriving). */
enum MHD_Result cn_inbox_body(cn_inbox_request *req, const char *data, size_t *size);

/* The whole body is in: parse the hint, pass it to srv->on_hint, answer
 * 202, 204, 400, 413 or 500. */
enum MHD_Result cn_inbox_respond(cn_server *srv, struct MHD_Connection *c,
                                 const cn_inbox_request *req);

/* ---- registry_routes.c ---- */

/* A version as its signed tag holds it (node/item.h, cn_item_tree). */
typedef cn_item_tree cn_serve_version_tree;

static inline int cn_serve_version_tree_open(cn_serve_version_tree *v, const char *repos_dir,
                                             const char *node, const char *item,
                                             const char *version)
{
    return cn_item_tree_open(v, repos_dir, node, item, version);
}

static inline void cn_serve_version_tree_close(cn_serve_version_tree *v)
{
    cn_item_tree_close(v);
}

/* The error document (docs/api.yaml, Error) of err, with its HTTP status. */
enum MHD_Result cn_serve_send_error(struct MHD_Connection *c, int err);

/* Send doc as application/json (no-cache, CORS, nosniff; gzip'ed for a
 * client that takes it). */
enum MHD_Result cn_serve_send_json(struct MHD_Connection *c, unsigned status, const json_t *doc);

/* ---- file_routes.c ---- */

struct cn_registry;

/* /download/<node>/<item>/<version>/files/<path>: the bytes of one file of
 * the version's tree, with ETag (its blob id), 304, one Range, a type from
 * an allow-list and the sandboxing headers (docs/api.yaml). */
enum MHD_Result cn_serve_version_file(cn_server *srv, struct MHD_Connection *c, const char *node,
                                      const char *item, const char *version, const char *path);

/* The headers that keep a browser from running a publisher's file, on
 * every answer of a single file (and fit for any file a node sends to be
 * shown): X-Content-Type-Options: nosniff, a Content-Security-Policy with
 * sandbox (an SVG runs no script, even opened directly), no referrer. */
void cn_serve_file_safe_headers(struct MHD_Response *r);

/* api/v1/items/<node>/<item>/files and …/preview/<path>: 0 and *ret when
 * rel is one of them, -1 when it is not. */
int cn_serve_files_api(enum MHD_Result *ret, cn_server *srv, struct MHD_Connection *c,
                       struct cn_registry *reg, const char *rel);

/* Add what the tree tells to the registry's document doc of path: an
 * item's files_here, readme, logo and screenshots; each search result's
 * logo. Other documents are left alone. */
int cn_serve_files_decorate(cn_server *srv, struct cn_registry *reg, const char *path, json_t *doc);

/* /download/<node>/<item>/<version>/<file> (download_routes.c). */
enum MHD_Result cn_serve_download(cn_server *srv, struct MHD_Connection *c, const char *rel);

/* ---- logo_routes.c ---- */

/* 1 with the node id in node when rel is "download/<node id>/logo". */
int cn_serve_is_logo_path(const char *rel, char node[CN_NODE_ID_LEN + 1]);

/* GET /download/<node>/logo: the node's verified logo (PROTOCOL §15), or
 * 404 as a JSON error when the registry records none or it is not here. */
enum MHD_Result cn_serve_logo(cn_server *srv, struct MHD_Connection *c, cn_registry *reg,
                              const char *node);

/* The registry's routes: rel is the unescaped path without its leading '/'
 * and has passed cn_name_check_relpath (or is ""). Returns 0 (and sets
 * *ret) when rel is one of them: "", index.html, assets/…, api/v1/…,
 * dcat/catalog.jsonld, download/…; -1 when it is not. */
int cn_serve_registry(enum MHD_Result *ret, cn_server *srv, struct MHD_Connection *c,
                      const char *rel);

/* Set up and tear down what cn_serve_registry needs (the per-thread
 * registry handles). */
int cn_serve_registry_init(cn_server *srv, const cn_server_options *opts);
void cn_serve_registry_free(cn_server *srv);

#endif
