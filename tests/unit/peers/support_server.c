/*
 * support_server.c - the test server of support_server.h.
 */
#include "support_server.h"
#include "core/error.h"
#include "core/file.h"
#include "core/hash.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>
#include <arpa/inet.h>
#include <zlib.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static ssize_t endless(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)cls;
    (void)pos;
    memset(buf, 'x', max);
    return (ssize_t)max;
}

static enum MHD_Result queue(struct MHD_Connection *conn, unsigned status, const void *data,
                             size_t len, const char *etag, const char *range)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret;

    if (etag)
        MHD_add_response_header(r, "ETag", etag);
    MHD_add_response_header(r, "Last-Modified", "Sun, 22 Nov 2026 10:00:00 GMT");
    if (range)
        MHD_add_response_header(r, "Content-Range", range);
    ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Serve data with ETag/If-None-Match and single "bytes=N-" ranges. */
static enum MHD_Result serve_bytes(server *s, struct MHD_Connection *conn,
                                   const unsigned char *data, size_t len, int ranges)
{
    const char *inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match");
    const char *range = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Range");
    char etag[80], hex[CN_SHA256_HEX_LEN + 1], cr[96];
    unsigned long long start;

    cn_sha256_hex(hex, data, len);
    snprintf(etag, sizeof(etag), "\"%.16s\"", hex);
    if (inm && strcmp(inm, etag) == 0) {
        s->not_modified++;
        return queue(conn, MHD_HTTP_NOT_MODIFIED, "", 0, etag, NULL);
    }
    if (ranges && range && sscanf(range, "bytes=%llu-", &start) == 1) {
        if (start >= len) {
            snprintf(cr, sizeof(cr), "bytes */%zu", len);
            return queue(conn, MHD_HTTP_RANGE_NOT_SATISFIABLE, "", 0, NULL, cr);
        }
        snprintf(cr, sizeof(cr), "bytes %llu-%zu/%zu", start, len - 1, len);
        return queue(conn, MHD_HTTP_PARTIAL_CONTENT, data + start, len - (size_t)start, etag, cr);
    }
    return queue(conn, MHD_HTTP_OK, data, len, etag, NULL);
}

/* len bytes of data gzip'ed into *out (malloc'ed). */
static void gzip_bytes(unsigned char **out, size_t *outlen, const unsigned char *data, size_t len)
{
    z_stream zs;

    memset(&zs, 0, sizeof(zs));
    assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    *out = malloc(deflateBound(&zs, (uLong)len));
    assert_non_null(*out);
    zs.next_in = (unsigned char *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = *out;
    zs.avail_out = (uInt)deflateBound(&zs, (uLong)len);
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *outlen = zs.total_out;
    deflateEnd(&zs);
}

/* A body sent gzip'ed whatever the client asked for (a server may). */
static enum MHD_Result queue_gzip(struct MHD_Connection *conn, const unsigned char *z, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)z, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret;

    MHD_add_response_header(r, "Content-Encoding", "gzip");
    ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_len, void **req_cls)
{
    server *s = cls;
    struct MHD_Response *r;
    enum MHD_Result ret;

    (void)method;
    (void)version;
    (void)upload;
    (void)upload_len;
    (void)req_cls;
    s->requests++;
    {
        const char *ae = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding");
        snprintf(s->accept_encoding, sizeof(s->accept_encoding), "%s", ae ? ae : "");
    }
    if (strcmp(url, "/gzip") == 0)
        return queue_gzip(conn, s->gzip, s->gzip_len);
    if (strcmp(url, "/gzbomb") == 0) {
        if (s->gzbomb == NULL) { /* made on first use: 64 MiB to compress */
            unsigned char *zeros = calloc(1, GZBOMB_LEN);
            assert_non_null(zeros);
            gzip_bytes(&s->gzbomb, &s->gzbomb_len, zeros, GZBOMB_LEN);
            free(zeros);
        }
        return queue_gzip(conn, s->gzbomb, s->gzbomb_len);
    }
    if (strcmp(url, "/file") == 0)
        return serve_bytes(s, conn, s->body, BODY_LEN, 1);
    if (strcmp(url, "/norange") == 0)
        return serve_bytes(s, conn, s->body, BODY_LEN, 0);
    if (strcmp(url, "/small") == 0)
        return serve_bytes(s, conn, s->body, 50, 1);
    if (strcmp(url, "/500") == 0)
        return queue(conn, 500, "oops", 4, NULL, NULL);
    if (strcmp(url, "/redirect") == 0) {
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, "Location", "/file");
        ret = MHD_queue_response(conn, 302, r);
        MHD_destroy_response(r);
        return ret;
    }
    if (strcmp(url, "/endless") == 0) {
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, endless, NULL, NULL);
        ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
        MHD_destroy_response(r);
        return ret;
    }
    if (strncmp(url, "/tree/", 6) == 0 && strstr(url, "..") == NULL) {
        char path[1024];
        unsigned char *data = NULL;
        size_t len;
        snprintf(path, sizeof(path), "%s/%s", s->root, url + 6);
        if (cn_file_read(&data, &len, path, 64u << 20) == 0) {
            ret = serve_bytes(s, conn, data, len, 1);
            free(data);
            return ret;
        }
        cn_error_clear();
    }
    return queue(conn, MHD_HTTP_NOT_FOUND, "not found", 9, NULL, NULL);
}

server *server_start(const char *root)
{
    server *s = calloc(1, sizeof(*s));
    const union MHD_DaemonInfo *info;
    struct sockaddr_in addr;
    size_t i;

    assert_non_null(s);
    for (i = 0; i < BODY_LEN; i++)
        s->body[i] = (unsigned char)(i * 7 + i / 251);
    snprintf(s->root, sizeof(s->root), "%s", root ? root : "/nonexistent");
    {
        unsigned char text[GZIP_LEN];
        for (i = 0; i < GZIP_LEN; i++)
            text[i] = (unsigned char)"{\"signed\":{\"version\":1}}\n"[i % 25];
        gzip_bytes(&s->gzip, &s->gzip_len, text, GZIP_LEN);
    }
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->daemon =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, handle,
                         s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_END);
    assert_non_null(s->daemon);
    info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    assert_non_null(info);
    s->port = info->port;
    return s;
}

void server_stop(server *s)
{
    MHD_stop_daemon(s->daemon);
    free(s->gzip);
    free(s->gzbomb);
    free(s);
}

char *url_of(const server *s, const char *path)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof(buf[k]), "http://127.0.0.1:%u%s", s->port, path);
    return buf[k];
}
