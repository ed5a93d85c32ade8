/*
 * server.h - the HTTP server of a node (libmicrohttpd).
 *
 * Serves, with the rules of docs/PROTOCOL.md §2 (GET and HEAD only; strong
 * ETags and 304 on If-None-Match; single byte ranges, 206/416; no path with
 * an empty, "." or ".." component, NUL, '\\', '?', '#' or a control
 * character; every component opened with O_NOFOLLOW, so no symlink is ever
 * followed):
 *
 *   /.well-known/…, /tuf/…, /targets/…   the published tree, from public_dir
 *   /mirrors/<node id>/…                 a peer's verified tree (§9), from
 *                                        <mirrors_dir>/<node id>/ (the same
 *                                        three prefixes only)
 *   /git/<node id>/<item>.git/…          a bare repository for git's dumb
 *                                        HTTP protocol, from
 *                                        <repos_dir>/<node id>/<item>.git/
 *                                        (HEAD, info/refs, objects/info/packs,
 *                                        packs and their indexes, loose objects)
 *   /, /assets/…                         the registry's web page (node/web/,
 *                                        built into the binary)
 *   /api/v1/…                            the registry's documents (docs/api.yaml)
 *   /download/<node id>/<item>/<version>/<file>
 *                                        an item's verified manifest.json,
 *                                        full.bundle or delta.bundle
 *   /dcat/catalog.jsonld                 the node's datasets as DCAT-AP
 *   POST /inbox                          a peer's hint (§12): at most 1 KiB of
 *                                        {"node": <id>, "timestamp": <version>},
 *                                        10 per minute per followed peer it
 *                                        names; otherwise 10 per minute per
 *                                        client address, 600 in all
 */
#ifndef CN_HTTP_SERVER_H
#define CN_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

typedef struct cn_server cn_server;

/* Called from a server thread for each well-formed hint within the rate
 * limits: return 1 if node_id is a followed peer (answered 202: a sync is
 * scheduled), 0 if not (204). Must be thread-safe and quick; a negative
 * return is answered 500. */
typedef int (*cn_server_hint_fn)(void *ctx, const char *node_id, uint64_t timestamp_version);

/* Called from a server thread before a well-formed hint is counted: 1 if
 * node_id is a followed peer, 0 if not; nothing is scheduled. A followed
 * peer's hints are counted against that peer's own allowance instead of the
 * per-address and global ones (so a flood of hints naming others cannot
 * crowd them out). Same thread-safety as cn_server_hint_fn; negative: 500. */
typedef int (*cn_server_peer_fn)(void *ctx, const char *node_id);

typedef struct {
    const char *public_dir;
    const char *mirrors_dir; /* NULL: /mirrors/ answers 404 */
    const char *repos_dir;   /* NULL: /git/ answers 404 */
    const char *tmp_dir;     /* the node's tmp/: files.zip archives are built and kept
                                in tmp/zip/ (emptied at start); NULL: files.zip
                                answers 404 */
    const char *host;        /* numeric IPv4 or IPv6 address to bind */
    unsigned short port;     /* 0: an ephemeral port */
    unsigned threads;        /* worker threads; 0 for the default */
    const char *node_id;
    const char *node_name;
    const char *state_db; /* the node's state.db: the registry behind /api/v1/, the
                             page at / and the exports; NULL: those answer 404 */
    const char *base_url; /* the node's public URL (config url), for exports; NULL:
                             taken from the request's Host header */
    const char *imprint;  /* the node's legal pages (config.yml), each an http(s)
                             URL or NULL; GET /api/v1 names them as "legal" */
    const char *privacy;
    const char *accessibility;
    cn_server_hint_fn on_hint; /* NULL: every hint is answered 204 */
    cn_server_peer_fn is_peer; /* NULL: every hint counts as anonymous */
    void *hint_ctx;
} cn_server_options;

/* Start serving; the server runs in its own threads until cn_server_stop. */
int cn_server_start(cn_server **out, const cn_server_options *opts);
/* The port actually bound (useful with port 0). */
unsigned short cn_server_port(const cn_server *srv);
/* Stop (waits for requests in flight, including on_hint calls) and free. */
void cn_server_stop(cn_server *srv);

/* 1 when host (a numeric address as cn_server_parse_listen gives it) is
 * a loopback address (127.0.0.0/8, ::1, ::ffff:127.x.y.z): only this
 * machine reaches the server. 0 for any other address, 0.0.0.0 and ::
 * included: the node serves publicly. */
int cn_server_host_is_loopback(const char *host);

/* Split "HOST:PORT" or "[v6]:PORT"; host is copied into host (hostlen bytes). */
int cn_server_parse_listen(char *host, size_t hostlen, unsigned short *port, const char *listen);

#endif
