/*
 * serve.h - the HTTP server over a node's published tree (libmicrohttpd).
 *
 * Serves public/ as static files with the rules of DESIGN.md §4: GET and
 * HEAD only; strong ETags and 304 on If-None-Match; single byte ranges
 * (206/416); immutable caching for targets (their names carry their hash);
 * no path outside public/ is ever opened (names are checked with
 * cn_name_check_relpath and symlinks are not followed).
 */
#ifndef CN_SERVE_H
#define CN_SERVE_H

#include <stddef.h>

typedef struct cn_server cn_server;

typedef struct {
    const char *public_dir;
    const char *host;    /* numeric IPv4 or IPv6 address to bind */
    unsigned short port; /* 0: an ephemeral port */
    unsigned threads;    /* worker threads; 0 for the default */
    const char *node_id;
    const char *node_name;
} cn_server_options;

int cn_server_start(cn_server **out, const cn_server_options *opts);
/* The port actually bound (useful with port 0). */
unsigned short cn_server_port(const cn_server *srv);
void cn_server_stop(cn_server *srv);

/* Split "HOST:PORT" or "[v6]:PORT"; host is copied into host (hostlen bytes). */
int cn_server_parse_listen(char *host, size_t hostlen, unsigned short *port, const char *listen);

#endif
