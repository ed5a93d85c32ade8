/*
 * serve.c - static file serving for the published tree.
 */
#include "node/serve.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/name.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CN_SERVE_MAX_PATH         1024
#define CN_SERVE_DEFAULT_THREADS  4
#define CN_SERVE_CONNECTION_LIMIT 1024
#define CN_SERVE_TIMEOUT_S        30

struct cn_server {
    struct MHD_Daemon *daemon;
    char *index_html;
    size_t index_len;
    int root_fd; /* public_dir, opened once; files are opened relative to it */
};

static enum MHD_Result respond_text(struct MHD_Connection *c, unsigned status, const char *text)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret;

    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static const char *content_type(const char *path)
{
    const char *dot = strrchr(path, '.');

    if (dot == NULL)
        return "application/octet-stream";
    if (strcmp(dot, ".json") == 0)
        return "application/json";
    if (strcmp(dot, ".bundle") == 0)
        return "application/x-git-bundle";
    if (strcmp(dot, ".html") == 0)
        return "text/html; charset=utf-8";
    return "application/octet-stream";
}

/* Open rel below the root fd one component at a time with O_NOFOLLOW, so
 * neither ".." (refused earlier) nor a symlink can lead outside public/. */
static int open_below(int root_fd, const char *rel)
{
    char buf[CN_SERVE_MAX_PATH + 1], *part, *save = NULL, *next;
    int fd = dup(root_fd);

    snprintf(buf, sizeof(buf), "%s", rel);
    for (part = strtok_r(buf, "/", &save); part && fd >= 0; part = next) {
        int child;
        next = strtok_r(NULL, "/", &save);
        child = openat(fd, part, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (next ? O_DIRECTORY : 0));
        close(fd);
        fd = child;
    }
    return fd;
}

/* Parse a single "bytes=a-b", "bytes=a-" or "bytes=-n" range. Returns 1 and
 * sets [*start, *end] (inclusive) if satisfiable, 0 to serve the whole file
 * (absent or unsupported header), -1 if unsatisfiable. */
static int parse_range(const char *h, uint64_t size, uint64_t *start, uint64_t *end)
{
    char *e;
    unsigned long long a, b;

    if (h == NULL || strncmp(h, "bytes=", 6) != 0 || strchr(h, ',') != NULL)
        return 0;
    h += 6;
    if (*h == '-') {
        errno = 0;
        b = strtoull(h + 1, &e, 10);
        if (errno || *e || e == h + 1)
            return 0;
        if (b == 0 || size == 0)
            return -1;
        *start = b >= size ? 0 : size - b;
        *end = size - 1;
        return 1;
    }
    errno = 0;
    a = strtoull(h, &e, 10);
    if (errno || e == h || *e != '-')
        return 0;
    h = e + 1;
    if (*h == '\0') {
        b = size ? size - 1 : 0;
    } else {
        b = strtoull(h, &e, 10);
        if (errno || *e)
            return 0;
        if (b >= size)
            b = size ? size - 1 : 0;
    }
    if (a >= size || a > b)
        return -1;
    *start = a;
    *end = b;
    return 1;
}

static enum MHD_Result serve_file(cn_server *srv, struct MHD_Connection *c, const char *rel)
{
    struct MHD_Response *r;
    struct stat st;
    char etag[128], lastmod[64], crange[96];
    const char *inm, *range;
    uint64_t start = 0, end = 0;
    unsigned status = MHD_HTTP_OK;
    enum MHD_Result ret;
    int fd, immutable = strncmp(rel, "targets/", 8) == 0, rr;
    struct tm tm;

    if ((fd = open_below(srv->root_fd, rel)) < 0)
        return respond_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return respond_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    }
    /* Files are replaced by rename, never rewritten in place, so inode, size
     * and mtime together identify one version of a file's bytes. */
    snprintf(etag, sizeof(etag), "\"%jx-%jx-%jx.%lx\"", (uintmax_t)st.st_ino, (uintmax_t)st.st_size,
             (uintmax_t)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
    gmtime_r(&st.st_mtim.tv_sec, &tm);
    strftime(lastmod, sizeof(lastmod), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    if (inm && (strcmp(inm, etag) == 0 || strcmp(inm, "*") == 0)) {
        close(fd);
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        if (r == NULL)
            return MHD_NO;
        MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
        ret = MHD_queue_response(c, MHD_HTTP_NOT_MODIFIED, r);
        MHD_destroy_response(r);
        return ret;
    }
    range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_RANGE);
    rr = parse_range(range, (uint64_t)st.st_size, &start, &end);
    if (rr < 0) {
        close(fd);
        snprintf(crange, sizeof(crange), "bytes */%jd", (intmax_t)st.st_size);
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        if (r == NULL)
            return MHD_NO;
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_RANGE, crange);
        ret = MHD_queue_response(c, MHD_HTTP_RANGE_NOT_SATISFIABLE, r);
        MHD_destroy_response(r);
        return ret;
    }
    if (rr == 0) {
        start = 0;
        end = st.st_size ? (uint64_t)st.st_size - 1 : 0;
    } else {
        status = MHD_HTTP_PARTIAL_CONTENT;
    }
    r = MHD_create_response_from_fd_at_offset64(st.st_size ? end - start + 1 : 0, fd, start);
    if (r == NULL) {
        close(fd);
        return MHD_NO;
    }
    if (status == MHD_HTTP_PARTIAL_CONTENT) {
        snprintf(crange, sizeof(crange), "bytes %" PRIu64 "-%" PRIu64 "/%jd", start, end,
                 (intmax_t)st.st_size);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_RANGE, crange);
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
    MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, lastmod);
    MHD_add_response_header(r, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type(rel));
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
                            immutable ? "public, max-age=31536000, immutable" : "no-cache");
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Percent-decoding for request URLs. libmicrohttpd's own decoder turns %00
 * into a NUL that silently cuts the path short; this one turns it, and any
 * malformed escape, into a control character that cn_name_check_relpath
 * refuses, so such a request gets 400 instead of another file. */
static size_t unescape_url(void *cls, struct MHD_Connection *c, char *s)
{
    char *in = s, *out = s;

    (void)cls;
    (void)c;
    while (*in) {
        if (*in == '%') {
            int hi = in[1] ? cn_hex_digit(in[1]) : -1,
                lo = hi >= 0 && in[2] ? cn_hex_digit(in[2]) : -1;
            int v = (hi >= 0 && lo >= 0) ? hi << 4 | lo : 0;
            *out++ = v == 0 ? '\x01' : (char)v;
            in += (hi >= 0 && lo >= 0) ? 3 : 1;
        } else {
            *out++ = *in++;
        }
    }
    *out = '\0';
    return (size_t)(out - s);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **req_cls)
{
    cn_server *srv = cls;
    const char *rel;

    (void)version;
    (void)upload_data;
    if (*req_cls == NULL) { /* first call: headers only */
        *req_cls = srv;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0; /* bodies are not accepted; discard */
        return MHD_YES;
    }
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return respond_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
    if (strcmp(url, "/") == 0) {
        struct MHD_Response *r = MHD_create_response_from_buffer(srv->index_len, srv->index_html,
                                                                 MHD_RESPMEM_PERSISTENT);
        enum MHD_Result ret;
        if (r == NULL)
            return MHD_NO;
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
        ret = MHD_queue_response(c, MHD_HTTP_OK, r);
        MHD_destroy_response(r);
        return ret;
    }
    rel = url[0] == '/' ? url + 1 : url;
    if (cn_name_check_relpath(rel, CN_SERVE_MAX_PATH) != 0)
        return respond_text(c, MHD_HTTP_BAD_REQUEST, "bad path\n");
    if (strncmp(rel, "tuf/", 4) != 0 && strncmp(rel, "targets/", 8) != 0 &&
        strncmp(rel, ".well-known/", 12) != 0)
        return respond_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    return serve_file(srv, c, rel);
}

int cn_server_parse_listen(char *host, size_t hostlen, unsigned short *port, const char *listen)
{
    const char *colon = strrchr(listen, ':');
    const char *h = listen;
    size_t n;
    char *end;
    unsigned long p;

    if (colon == NULL)
        goto bad;
    n = (size_t)(colon - listen);
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    if (n == 0 || n >= hostlen)
        goto bad;
    memcpy(host, h, n);
    host[n] = '\0';
    errno = 0;
    p = strtoul(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || p > 65535)
        goto bad;
    *port = (unsigned short)p;
    return 0;
bad:
    return cn_error_set(CN_EUSAGE, "listen address '%s' is not HOST:PORT", listen);
}

static int put_escaped(cn_buf *b, const char *s)
{
    int err = 0;

    for (; *s && err == 0; s++) {
        switch (*s) {
        case '<':
            err = cn_buf_puts(b, "&lt;");
            break;
        case '>':
            err = cn_buf_puts(b, "&gt;");
            break;
        case '&':
            err = cn_buf_puts(b, "&amp;");
            break;
        case '"':
            err = cn_buf_puts(b, "&quot;");
            break;
        default:
            err = cn_buf_put(b, s, 1);
        }
    }
    return err;
}

/* The registry page arrives with the registry; until then the root page names
 * the node and links its metadata. */
static int make_index(cn_server *srv, const cn_server_options *opts)
{
    const char *name = opts->node_name ? opts->node_name : "citynode";
    cn_buf b = CN_BUF_INIT;
    int err;

    if ((err = cn_buf_puts(&b, "<!doctype html><html><head><meta charset=\"utf-8\"><title>")) ||
        (err = put_escaped(&b, name)) || (err = cn_buf_puts(&b, "</title></head><body><h1>")) ||
        (err = put_escaped(&b, name)) || (err = cn_buf_puts(&b, "</h1><p>node ")) ||
        (err = put_escaped(&b, opts->node_id ? opts->node_id : "")) ||
        (err = cn_buf_puts(&b, "</p><ul><li><a href=\"/.well-known/citynode.json\">node "
                               "pointer</a></li><li><a href=\"/tuf/1.root.json\">root "
                               "metadata</a></li><li><a href=\"/tuf/timestamp.json\">"
                               "timestamp</a></li></ul></body></html>\n"))) {
        cn_buf_free(&b);
        return err;
    }
    srv->index_html = cn_buf_detach(&b, &srv->index_len);
    return 0;
}

int cn_server_start(cn_server **out, const cn_server_options *opts)
{
    cn_server *srv = calloc(1, sizeof(*srv));
    struct sockaddr_storage ss;
    socklen_t sslen;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
    int err;

    *out = NULL;
    if (srv == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    srv->root_fd = -1;
    memset(&ss, 0, sizeof(ss));
    if (inet_pton(AF_INET, opts->host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
        ((struct sockaddr_in *)&ss)->sin_family = AF_INET;
        ((struct sockaddr_in *)&ss)->sin_port = htons(opts->port);
        sslen = sizeof(struct sockaddr_in);
    } else if (inet_pton(AF_INET6, opts->host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
        ((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons(opts->port);
        sslen = sizeof(struct sockaddr_in6);
        flags |= MHD_USE_IPv6;
    } else {
        err = cn_error_set(CN_EUSAGE, "'%s' is not a numeric IP address", opts->host);
        goto fail;
    }
    (void)sslen;
    if ((srv->root_fd = open(opts->public_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        err = cn_error_set(CN_ERROR, "%s: %s", opts->public_dir, strerror(errno));
        goto fail;
    }
    if ((err = make_index(srv, opts)) != 0)
        goto fail;
    srv->daemon =
        MHD_start_daemon(flags, opts->port, NULL, NULL, handle, srv, MHD_OPTION_SOCK_ADDR,
                         (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE,
                         (unsigned)(opts->threads ? opts->threads : CN_SERVE_DEFAULT_THREADS),
                         MHD_OPTION_CONNECTION_LIMIT, (unsigned)CN_SERVE_CONNECTION_LIMIT,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CN_SERVE_TIMEOUT_S,
                         MHD_OPTION_UNESCAPE_CALLBACK, unescape_url, NULL, MHD_OPTION_END);
    if (srv->daemon == NULL) {
        err =
            cn_error_set(CN_ERROR, "cannot listen on %s port %u (in use?)", opts->host, opts->port);
        goto fail;
    }
    *out = srv;
    return 0;
fail:
    cn_server_stop(srv);
    return err;
}

unsigned short cn_server_port(const cn_server *srv)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}

void cn_server_stop(cn_server *srv)
{
    if (srv == NULL)
        return;
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    if (srv->root_fd >= 0)
        close(srv->root_fd);
    free(srv->index_html);
    free(srv);
}
