/*
 * support_server.h - the HTTP server the peers layer's unit tests talk to:
 * libmicrohttpd in the test process on 127.0.0.1 (an ephemeral port),
 * serving /file (BODY_LEN known bytes, with ETag and Range), /endless,
 * /norange, /missing, /500, /redirect, /gzip (GZIP_LEN bytes of text sent
 * gzip'ed), /gzbomb (GZBOMB_LEN zero bytes sent gzip'ed, about 1,000 times
 * smaller on the wire), and the files of a directory under /tree/. Compiled into every test of
 * tests/unit/peers/.
 */
#ifndef CN_TEST_SUPPORT_SERVER_H
#define CN_TEST_SUPPORT_SERVER_H

#include <microhttpd.h>

#define BODY_LEN   100000
#define GZIP_LEN   20000
#define GZBOMB_LEN (64u << 20)

typedef struct {
    struct MHD_Daemon *daemon;
    unsigned short port;
    char root[256]; /* files under /tree/ come from here */
    unsigned char body[BODY_LEN];
    unsigned requests;
    unsigned not_modified;
    char accept_encoding[64];     /* the last request's Accept-Encoding, "" for none */
    unsigned char *gzip, *gzbomb; /* the gzip'ed bodies of /gzip and /gzbomb */
    size_t gzip_len, gzbomb_len;
} server;

/* Start serving root (may be NULL: no /tree/); fails the test if it cannot. */
server *server_start(const char *root);
void server_stop(server *s);
/* "http://127.0.0.1:<port><path>", in one of four rotating static buffers. */
char *url_of(const server *s, const char *path);

#endif
