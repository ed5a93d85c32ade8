/*
 * serve_internal.h - what the files of the HTTP server share: the server
 * state and the helpers that answer with text or a file. serve.c has the
 * published tree, mirrors, git and the inbox; serve_registry.c the registry
 * (the /api/v1/ documents, the web page, downloads and exports).
 */
#ifndef CN_SERVE_INTERNAL_H
#define CN_SERVE_INTERNAL_H

#include "node/http/server.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>

#define CN_SERVE_MAX_PATH 1024
#define CN_NODE_ID_LEN    64
#define CN_INBOX_ADDRS    512 /* client addresses tracked at once */

typedef struct {
    unsigned char addr[16];
    int family; /* 0: slot unused */
    int64_t start;
    unsigned count;
} rate_slot;

struct cn_server {
    struct MHD_Daemon *daemon;
    char *index_html; /* the fallback page when no web page is built in */
    size_t index_len;
    int root_fd; /* public_dir, opened once; files are opened relative to it */
    char *mirrors_dir;
    char *repos_dir;
    char *node_id;
    char *state_db;        /* NULL: no registry (the /api/v1/ routes answer 404) */
    char *base_url;        /* the node's public URL, for exports; may be NULL */
    pthread_key_t reg_key; /* each server thread's registry handle */
    int reg_key_ok;
    cn_server_hint_fn on_hint;
    void *hint_ctx;
    pthread_mutex_t rate_lock;
    int rate_lock_ok;
    int64_t global_start;
    unsigned global_count;
    rate_slot slots[CN_INBOX_ADDRS];
};

/* Answer with a short plain-text body (a static string). */
enum MHD_Result cn_serve_text(struct MHD_Connection *c, unsigned status, const char *text);

/* 1 if s[0..n) are lowercase hex digits (node ids, sha256 file names). */
int cn_serve_is_hex(const char *s, size_t n);

/* Open rel below dir_fd one component at a time with O_NOFOLLOW. */
int cn_serve_open_below(int dir_fd, const char *rel);

/* Serve the regular file rel below dir_fd with ETag/304, Last-Modified and a
 * single Range; immutable files may be cached for a year. A filename makes
 * it a download (Content-Disposition: attachment). */
enum MHD_Result cn_serve_file(struct MHD_Connection *c, int dir_fd, const char *rel,
                              const char *ctype, int immutable, const char *filename);

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
