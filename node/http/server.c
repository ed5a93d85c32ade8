/*
 * server.c - the node's HTTP server: the daemon, its limits, and the
 * dispatch of each request to its room (tree_routes.c: the published tree
 * and mirrors; git_routes.c: dumb-HTTP git; inbox.c: hints;
 * registry_routes.c: the registry, its page and its documents).
 *
 * Every path is unescaped here (unescape_url) and must pass
 * cn_name_check_relpath before any route sees it; every file is then opened
 * below a directory fd one component at a time with O_NOFOLLOW
 * (responses.c), so neither ".." nor a symlink can lead anywhere else.
 */
#include "node/http/server.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/name.h"
#include "node/http/server_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CN_SERVE_DEFAULT_THREADS  4
#define CN_SERVE_CONNECTION_LIMIT 1024
#define CN_SERVE_PER_IP_LIMIT     256 /* one address may hold a quarter of the connections */
#define CN_SERVE_TIMEOUT_S        30  /* idle */
/* A request's headers must be complete this long after its connection was
 * accepted (or its previous request answered), however slowly they come:
 * the idle timeout alone lets a byte every few seconds hold a connection
 * for ever (slowloris). */
#define CN_SERVE_HEADER_TIMEOUT_S 10
/* Once this many connections are open, an address that holds
 * CN_SERVE_BUSY_PER_IP of them gets no more, so a few addresses cannot
 * take the last quarter of the connections from everyone else. */
#define CN_SERVE_BUSY        (CN_SERVE_CONNECTION_LIMIT / 4 * 3)
#define CN_SERVE_BUSY_PER_IP 32

/* *req_cls of every request that is not a POST /inbox. */
static char plain_request;

/* ---- connections: the header deadline and the busy limit ---- */

/* One open connection (libmicrohttpd's socket context). */
struct cn_conn {
    struct cn_conn *prev, *next;
    int fd;
    int family;
    unsigned char addr[16];
    int64_t phase_start; /* when it began waiting for a request's headers (ms) */
    int in_request;      /* its current request's headers are complete */
    int cut;             /* shut down by the sweeper */
};

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The address of sa in a 16-byte key; its family, or 0. */
static int addr_key(unsigned char key[16], const struct sockaddr *sa)
{
    memset(key, 0, 16);
    if (sa != NULL && sa->sa_family == AF_INET) {
        memcpy(key, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return AF_INET;
    }
    if (sa != NULL && sa->sa_family == AF_INET6) {
        memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
        return AF_INET6;
    }
    return 0;
}

/* MHD_AcceptPolicyCallback: refuse a connection from an address that holds
 * CN_SERVE_BUSY_PER_IP connections while the server is busy. */
static enum MHD_Result accept_policy(void *cls, const struct sockaddr *sa, socklen_t len)
{
    cn_server *srv = cls;
    unsigned char key[16];
    int family = addr_key(key, sa);
    unsigned same = 0;

    (void)len;
    pthread_mutex_lock(&srv->conn_lock);
    if (srv->nconns >= CN_SERVE_BUSY)
        for (struct cn_conn *k = srv->conns; k != NULL; k = k->next)
            if (k->family == family && memcmp(k->addr, key, 16) == 0)
                same++;
    pthread_mutex_unlock(&srv->conn_lock);
    return same >= CN_SERVE_BUSY_PER_IP ? MHD_NO : MHD_YES;
}

/* MHD_NotifyConnectionCallback: track each connection from its start to
 * its close (libmicrohttpd closes the socket after this CLOSED call). */
static void notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                              enum MHD_ConnectionNotificationCode toe)
{
    cn_server *srv = cls;
    struct cn_conn *k = *socket_context;

    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *fd =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        const union MHD_ConnectionInfo *ad =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (fd == NULL || (k = calloc(1, sizeof(*k))) == NULL)
            return; /* untracked: only the idle timeout applies */
        k->fd = fd->connect_fd;
        k->family = addr_key(k->addr, ad ? ad->client_addr : NULL);
        k->phase_start = now_ms();
        pthread_mutex_lock(&srv->conn_lock);
        k->next = srv->conns;
        if (srv->conns)
            srv->conns->prev = k;
        srv->conns = k;
        srv->nconns++;
        pthread_mutex_unlock(&srv->conn_lock);
        *socket_context = k;
        return;
    }
    if (k == NULL)
        return;
    pthread_mutex_lock(&srv->conn_lock);
    if (k->prev)
        k->prev->next = k->next;
    else
        srv->conns = k->next;
    if (k->next)
        k->next->prev = k->prev;
    srv->nconns--;
    pthread_mutex_unlock(&srv->conn_lock);
    free(k);
    *socket_context = NULL;
}

/* Mark c's request as having its headers (in_request 1) or answered. */
static void conn_phase(cn_server *srv, struct MHD_Connection *c, int in_request)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct cn_conn *k = ci ? ci->socket_context : NULL;

    if (k == NULL)
        return;
    pthread_mutex_lock(&srv->conn_lock);
    k->in_request = in_request;
    if (!in_request)
        k->phase_start = now_ms();
    pthread_mutex_unlock(&srv->conn_lock);
}

/* The sweeper thread: once a second, shut down every connection whose
 * request headers are overdue; libmicrohttpd then sees the socket closed
 * and closes the connection in its own thread. The socket stays valid
 * while conn_lock is held: the CLOSED notification, which comes before
 * libmicrohttpd closes it, takes the lock too. */
static void *sweep_main(void *arg)
{
    cn_server *srv = arg;

    pthread_mutex_lock(&srv->conn_lock);
    while (!srv->sweep_stop) {
        struct timespec until;
        int64_t now = now_ms();
        for (struct cn_conn *k = srv->conns; k != NULL; k = k->next)
            if (!k->in_request && !k->cut &&
                now - k->phase_start > (int64_t)CN_SERVE_HEADER_TIMEOUT_S * 1000) {
                shutdown(k->fd, SHUT_RDWR);
                k->cut = 1;
            }
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&srv->sweep_wake, &srv->conn_lock, &until);
    }
    pthread_mutex_unlock(&srv->conn_lock);
    return NULL;
}

/* GET or HEAD of url (already unescaped by unescape_url). */
static enum MHD_Result route_get(cn_server *srv, struct MHD_Connection *c, const char *url)
{
    const char *rel = url[0] == '/' ? url + 1 : url;
    enum MHD_Result ret;

    /* "api/v1/" is the one path with a trailing slash (the API's root). */
    if (*rel != '\0' && strcmp(rel, "api/v1/") != 0 &&
        cn_name_check_relpath(rel, CN_SERVE_MAX_PATH) != 0) {
        cn_error_clear();
        return cn_serve_text(c, MHD_HTTP_BAD_REQUEST, "bad path\n");
    }
    if (cn_serve_registry(&ret, srv, c, rel) == 0)
        return ret;
    if (*rel == '\0') {
        struct MHD_Response *r = MHD_create_response_from_buffer(srv->index_len, srv->index_html,
                                                                 MHD_RESPMEM_PERSISTENT);
        if (r == NULL)
            return MHD_NO;
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
        ret = MHD_queue_response(c, MHD_HTTP_OK, r);
        MHD_destroy_response(r);
        return ret;
    }
    if (strncmp(rel, "git/", 4) == 0)
        return cn_serve_git(srv, c, rel);
    return cn_serve_tree(srv, c, rel);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **req_cls)
{
    cn_server *srv = cls;
    int inbox = strcmp(url, "/inbox") == 0;
    int get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;

    (void)version;
    if (*req_cls == NULL) { /* first call: headers only */
        conn_phase(srv, c, 1);
        if (inbox && strcmp(method, MHD_HTTP_METHOD_POST) == 0)
            return cn_inbox_begin(srv, c, req_cls);
        if (inbox) {
            struct MHD_Response *r = MHD_create_response_from_buffer(
                strlen("only POST\n"), (void *)"only POST\n", MHD_RESPMEM_PERSISTENT);
            enum MHD_Result ret;
            if (r == NULL)
                return MHD_NO;
            MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "POST");
            ret = MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
            MHD_destroy_response(r);
            return ret;
        }
        if (!get)
            return cn_serve_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
        *req_cls = &plain_request;
        return MHD_YES;
    }
    if (*req_cls != &plain_request) {
        if (*upload_data_size != 0)
            return cn_inbox_body(*req_cls, upload_data, upload_data_size);
        return cn_inbox_respond(srv, c, *req_cls);
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0; /* a GET with a body: the body is ignored */
        return MHD_YES;
    }
    return route_get(srv, c, url);
}

static void request_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                              enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    conn_phase(cls, c, 0);
    if (*req_cls != NULL && *req_cls != &plain_request)
        free(*req_cls);
    *req_cls = NULL;
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

int cn_server_host_is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;

    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6) || (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
    return 0;
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

/* The page at / when the binary was built without the web page (node/web/):
 * it names the node and links its metadata. */
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

static char *dup_or_null(const char *s, int *err)
{
    char *d;

    if (s == NULL)
        return NULL;
    if ((d = strdup(s)) == NULL)
        *err = cn_error_set(CN_ENOMEM, "out of memory");
    return d;
}

int cn_server_start(cn_server **out, const cn_server_options *opts)
{
    cn_server *srv = calloc(1, sizeof(*srv));
    struct sockaddr_storage ss;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
    int err = 0;

    *out = NULL;
    if (srv == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    srv->root_fd = -1;
    srv->zip_dir_fd = -1;
    memset(&ss, 0, sizeof(ss));
    if (inet_pton(AF_INET, opts->host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
        ((struct sockaddr_in *)&ss)->sin_family = AF_INET;
        ((struct sockaddr_in *)&ss)->sin_port = htons(opts->port);
    } else if (inet_pton(AF_INET6, opts->host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
        ((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons(opts->port);
        flags |= MHD_USE_IPv6;
    } else {
        err = cn_error_set(CN_EUSAGE,
                           "'%s' is not a numeric IP address — listen on one, e.g. "
                           "`--listen 127.0.0.1:8470` (this machine) or `--listen 0.0.0.0:8470` "
                           "(every address)",
                           opts->host);
        goto fail;
    }
    if (pthread_mutex_init(&srv->conn_lock, NULL) != 0 ||
        pthread_cond_init(&srv->sweep_wake, NULL) != 0) {
        err = cn_error_set(CN_ERROR, "cannot create a mutex");
        goto fail;
    }
    srv->conn_lock_ok = 1;
    if ((err = cn_inbox_init(srv)) != 0)
        goto fail;
    srv->on_hint = opts->on_hint;
    srv->is_peer = opts->is_peer;
    srv->hint_ctx = opts->hint_ctx;
    srv->mirrors_dir = dup_or_null(opts->mirrors_dir, &err);
    srv->repos_dir = dup_or_null(opts->repos_dir, &err);
    srv->node_id = dup_or_null(opts->node_id, &err);
    if (err != 0 || (err = cn_serve_registry_init(srv, opts)) != 0)
        goto fail;
    if ((srv->root_fd = open(opts->public_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        err = cn_error_set(CN_ERROR, "%s: %s", opts->public_dir, strerror(errno));
        goto fail;
    }
    if ((err = make_index(srv, opts)) != 0)
        goto fail;
    /* A pool of threads each running epoll (MHD_USE_AUTO picks it on Linux):
     * no select() limit on descriptors, and files go out with sendfile. */
    srv->daemon = MHD_start_daemon(
        flags, opts->port, accept_policy, srv, handle, srv, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)(opts->threads ? opts->threads : CN_SERVE_DEFAULT_THREADS),
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)CN_SERVE_CONNECTION_LIMIT,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)CN_SERVE_PER_IP_LIMIT,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CN_SERVE_TIMEOUT_S, MHD_OPTION_NOTIFY_COMPLETED,
        request_completed, srv, MHD_OPTION_NOTIFY_CONNECTION, notify_connection, srv,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape_url, NULL, MHD_OPTION_END);
    if (srv->daemon == NULL) {
        err = cn_error_set(CN_ERROR,
                           "cannot listen on %s port %u: in use, or not an address of this "
                           "machine — stop what serves there, or choose another with "
                           "`citynode serve --listen HOST:PORT` (listen: in config.yml)",
                           opts->host, opts->port);
        goto fail;
    }
    if (pthread_create(&srv->sweeper, NULL, sweep_main, srv) != 0) {
        err = cn_error_set(CN_ERROR, "cannot start the connection sweeper");
        goto fail;
    }
    srv->sweeper_ok = 1;
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
    if (srv->sweeper_ok) {
        pthread_mutex_lock(&srv->conn_lock);
        srv->sweep_stop = 1;
        pthread_cond_signal(&srv->sweep_wake);
        pthread_mutex_unlock(&srv->conn_lock);
        pthread_join(srv->sweeper, NULL);
    }
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    if (srv->conn_lock_ok) {
        pthread_mutex_destroy(&srv->conn_lock);
        pthread_cond_destroy(&srv->sweep_wake);
    }
    cn_serve_registry_free(srv);
    if (srv->root_fd >= 0)
        close(srv->root_fd);
    cn_inbox_free(srv);
    free(srv->mirrors_dir);
    free(srv->repos_dir);
    free(srv->node_id);
    free(srv->index_html);
    free(srv);
}
