/*
 * serve.c - the node's HTTP server: the published tree, re-served mirrors,
 * bare repositories for git's dumb HTTP protocol, and the hint inbox.
 *
 * Every file is opened below a directory fd one component at a time with
 * O_NOFOLLOW, after the whole path passed cn_name_check_relpath, so neither
 * ".." nor a symlink can lead anywhere else. Which paths exist at all is
 * decided before the file system is touched: the three prefixes of the
 * published tree, and for git the handful of files the dumb protocol reads.
 */
#include "node/http/server.h"
#include "node/http/server_internal.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/name.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CN_SERVE_DEFAULT_THREADS  4
#define CN_SERVE_CONNECTION_LIMIT 1024
#define CN_SERVE_PER_IP_LIMIT     256 /* one address may hold a quarter of the connections */
#define CN_SERVE_TIMEOUT_S        30

/* The inbox (docs/PROTOCOL.md §12). A hint costs the receiver a sync of one
 * peer at most, and only for a followed peer; the limits keep a flood from
 * costing more than a few requests per second in all. */
#define CN_INBOX_MAX_BODY    1024
#define CN_INBOX_DISCARD_MAX (64 * 1024) /* an oversized body is read this far */
#define CN_INBOX_PER_ADDR    10          /* hints per client address ... */
#define CN_INBOX_GLOBAL      600         /* ... and from all addresses together ... */
#define CN_INBOX_WINDOW_S    60          /* ... per window of this many seconds */

/* The state of one POST /inbox while its body arrives. */
typedef struct {
    size_t len;
    int too_large;
    char body[CN_INBOX_MAX_BODY + 1];
} inbox_request;

/* *req_cls of every request that is not a POST /inbox. */
static char plain_request;

enum MHD_Result cn_serve_text(struct MHD_Connection *c, unsigned status, const char *text)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret;

    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result respond_empty(struct MHD_Connection *c, unsigned status)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret;

    if (r == NULL)
        return MHD_NO;
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

int cn_serve_is_hex(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* "<64 lowercase hex>/" at the start of s. */
static int is_node_id_dir(const char *s)
{
    return strlen(s) > CN_NODE_ID_LEN && cn_serve_is_hex(s, CN_NODE_ID_LEN) &&
           s[CN_NODE_ID_LEN] == '/';
}

/* The three parts of a published tree (docs/PROTOCOL.md §2). */
static int is_tree_path(const char *rel)
{
    return strncmp(rel, "tuf/", 4) == 0 || strncmp(rel, "targets/", 8) == 0 ||
           strncmp(rel, ".well-known/", 12) == 0;
}

/* Open rel below dir_fd one component at a time with O_NOFOLLOW, so neither
 * ".." (refused earlier) nor a symlink can lead outside it. */
int cn_serve_open_below(int dir_fd, const char *rel)
{
    char buf[CN_SERVE_MAX_PATH + 1], *part, *save = NULL, *next;
    int fd = dup(dir_fd);

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

/* Serve the regular file rel below dir_fd: ETag/304, Last-Modified, a
 * single Range. Targets and git objects are immutable (their names are
 * their hashes); everything else is revalidated. */
enum MHD_Result cn_serve_file(struct MHD_Connection *c, int dir_fd, const char *rel,
                              const char *ctype, int immutable, const char *filename)
{
    struct MHD_Response *r;
    struct stat st;
    char etag[128], lastmod[64], crange[96];
    const char *inm, *range;
    uint64_t start = 0, end = 0;
    unsigned status = MHD_HTTP_OK;
    enum MHD_Result ret;
    int fd, rr;
    struct tm tm;

    if ((fd = cn_serve_open_below(dir_fd, rel)) < 0)
        return cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
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
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    if (filename != NULL) {
        char disp[CN_SERVE_MAX_PATH];
        snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", filename);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
                            immutable ? "public, max-age=31536000, immutable" : "no-cache");
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Serve rel below the directory dir (opened per request, so a mirrors/ or
 * repos/ directory created after the server started is found). */
static enum MHD_Result serve_below(struct MHD_Connection *c, const char *dir, const char *rel,
                                   const char *ctype, int immutable)
{
    enum MHD_Result ret;
    int dir_fd;

    if (dir == NULL || (dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    ret = cn_serve_file(c, dir_fd, rel, ctype, immutable, NULL);
    close(dir_fd);
    return ret;
}

/* /mirrors/<node id>/<tree path>: a peer's verified files (docs/PROTOCOL.md
 * §9); rel is "mirrors/…" and has passed cn_name_check_relpath. */
static enum MHD_Result serve_mirror(cn_server *srv, struct MHD_Connection *c, const char *rel)
{
    const char *below = rel + strlen("mirrors/"), *tree;

    if (!is_node_id_dir(below))
        return cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    tree = below + CN_NODE_ID_LEN + 1;
    if (!is_tree_path(tree))
        return cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    return serve_below(c, srv->mirrors_dir, below, content_type(tree),
                       strncmp(tree, "targets/", 8) == 0);
}

/* The files of a bare repository that git's dumb HTTP client reads (see
 * gitprotocol-http(5), "Dumb Clients"). objects/info/alternates and
 * http-alternates are left out on purpose: a repository served here never
 * points the client elsewhere. Returns the content type, or NULL if path is
 * not one of them. */
static const char *git_file_type(const char *path, int *immutable)
{
    static const char pack_prefix[] = "objects/pack/pack-";
    size_t n = strlen(path), pp = sizeof(pack_prefix) - 1;

    *immutable = 0;
    if (strcmp(path, "HEAD") == 0 || strcmp(path, "info/refs") == 0 ||
        strcmp(path, "objects/info/packs") == 0)
        return "text/plain; charset=utf-8";
    *immutable = 1;
    if (strncmp(path, pack_prefix, pp) == 0 && cn_serve_is_hex(path + pp, 40)) {
        if (strcmp(path + pp + 40, ".pack") == 0 && n == pp + 45)
            return "application/x-git-packed-objects";
        if (strcmp(path + pp + 40, ".idx") == 0 && n == pp + 44)
            return "application/x-git-packed-objects-toc";
    }
    if (n == 8 + 2 + 1 + 38 && strncmp(path, "objects/", 8) == 0 && cn_serve_is_hex(path + 8, 2) &&
        path[10] == '/' && cn_serve_is_hex(path + 11, 38))
        return "application/x-git-loose-object";
    return NULL;
}

/* /git/<node id>/<item>.git/<file>: rel is "git/…" and has passed
 * cn_name_check_relpath. */
static enum MHD_Result serve_git(cn_server *srv, struct MHD_Connection *c, const char *rel)
{
    const char *below = rel + strlen("git/"), *repo, *slash, *ctype;
    char item[CN_SLUG_MAX + 1];
    size_t len;
    int immutable;

    if (!is_node_id_dir(below))
        return cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    repo = below + CN_NODE_ID_LEN + 1;
    if ((slash = strchr(repo, '/')) == NULL || (len = (size_t)(slash - repo)) <= 4 ||
        len - 4 > CN_SLUG_MAX || memcmp(slash - 4, ".git", 4) != 0)
        return cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    memcpy(item, repo, len - 4);
    item[len - 4] = '\0';
    if (cn_name_check_slug(item) != 0) {
        cn_error_clear();
        return cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    }
    if ((ctype = git_file_type(slash + 1, &immutable)) == NULL)
        return cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    return serve_below(c, srv->repos_dir, below, ctype, immutable);
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
    if (strncmp(rel, "mirrors/", 8) == 0)
        return serve_mirror(srv, c, rel);
    if (strncmp(rel, "git/", 4) == 0)
        return serve_git(srv, c, rel);
    if (!is_tree_path(rel))
        return cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    return cn_serve_file(c, srv->root_fd, rel, content_type(rel), strncmp(rel, "targets/", 8) == 0,
                         NULL);
}

static int64_t monotonic_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

/* Count one hint from the connection's client address; 0 if it is over the
 * per-address or the global limit (fixed windows of CN_INBOX_WINDOW_S). */
static int inbox_admit(cn_server *srv, struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    unsigned char addr[16] = {0};
    int family = 0, ok = 0;
    int64_t now = monotonic_seconds();
    rate_slot *slot = NULL, *free_slot = NULL;
    size_t i;

    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET) {
        family = AF_INET;
        memcpy(addr, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, 4);
    } else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6) {
        family = AF_INET6;
        memcpy(addr, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, 16);
    } else {
        return 0;
    }
    pthread_mutex_lock(&srv->rate_lock);
    if (now - srv->global_start >= CN_INBOX_WINDOW_S) {
        srv->global_start = now;
        srv->global_count = 0;
    }
    if (srv->global_count >= CN_INBOX_GLOBAL)
        goto out;
    for (i = 0; i < CN_INBOX_ADDRS && slot == NULL; i++) {
        rate_slot *s = &srv->slots[i];
        if (s->family == family && memcmp(s->addr, addr, sizeof(addr)) == 0)
            slot = s;
        else if (free_slot == NULL && (s->family == 0 || now - s->start >= CN_INBOX_WINDOW_S))
            free_slot = s;
    }
    if (slot == NULL) {
        if ((slot = free_slot) == NULL)
            goto out; /* more active addresses than tracked: refuse until a window ends */
        slot->family = family;
        memcpy(slot->addr, addr, sizeof(addr));
        slot->start = now;
        slot->count = 0;
    } else if (now - slot->start >= CN_INBOX_WINDOW_S) {
        slot->start = now;
        slot->count = 0;
    }
    if (slot->count >= CN_INBOX_PER_ADDR)
        goto out;
    slot->count++;
    srv->global_count++;
    ok = 1;
out:
    pthread_mutex_unlock(&srv->rate_lock);
    return ok;
}

/* {"node": "<64 lowercase hex>", "timestamp": <integer >= 0>}; other members
 * are ignored, so the hint can grow. */
static int parse_hint(char node[CN_NODE_ID_LEN + 1], uint64_t *version, const char *body,
                      size_t len)
{
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL), *n, *t;
    int ok = 0;

    if (doc == NULL)
        return 0;
    n = json_object_get(doc, "node");
    t = json_object_get(doc, "timestamp");
    if (json_is_object(doc) && json_is_string(n) && json_string_length(n) == CN_NODE_ID_LEN &&
        cn_serve_is_hex(json_string_value(n), CN_NODE_ID_LEN) && json_is_integer(t) &&
        json_integer_value(t) >= 0) {
        memcpy(node, json_string_value(n), CN_NODE_ID_LEN + 1);
        *version = (uint64_t)json_integer_value(t);
        ok = 1;
    }
    json_decref(doc);
    return ok;
}

static enum MHD_Result inbox_respond(cn_server *srv, struct MHD_Connection *c,
                                     const inbox_request *req)
{
    char node[CN_NODE_ID_LEN + 1];
    uint64_t version = 0;
    int r = 0;

    if (req->too_large)
        return cn_serve_text(c, MHD_HTTP_CONTENT_TOO_LARGE, "a hint is at most 1 KiB\n");
    if (!parse_hint(node, &version, req->body, req->len))
        return cn_serve_text(c, MHD_HTTP_BAD_REQUEST,
                             "expected {\"node\": NODE_ID, \"timestamp\": VERSION}\n");
    if (srv->on_hint)
        r = srv->on_hint(srv->hint_ctx, node, version);
    if (r < 0)
        return cn_serve_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot take the hint now\n");
    return respond_empty(c, r ? MHD_HTTP_ACCEPTED : MHD_HTTP_NO_CONTENT);
}

/* First call of a POST /inbox (headers only): limits that need no body. */
static enum MHD_Result inbox_begin(cn_server *srv, struct MHD_Connection *c, void **req_cls)
{
    const char *cl =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    inbox_request *req;

    if (!inbox_admit(srv, c))
        return cn_serve_text(c, MHD_HTTP_TOO_MANY_REQUESTS, "too many hints; try later\n");
    if (cl != NULL) {
        char *end;
        unsigned long long n;
        errno = 0;
        n = strtoull(cl, &end, 10);
        if (errno == 0 && *end == '\0' && n > CN_INBOX_MAX_BODY)
            return cn_serve_text(c, MHD_HTTP_CONTENT_TOO_LARGE, "a hint is at most 1 KiB\n");
    }
    if ((req = calloc(1, sizeof(*req))) == NULL)
        return MHD_NO;
    *req_cls = req;
    return MHD_YES;
}

/* A chunk of a hint's body, kept up to the limit. A body that grows past it
 * (a chunked body announces no length) is read on and dropped up to
 * CN_INBOX_DISCARD_MAX, then answered 413; beyond that the connection is
 * closed (libmicrohttpd 0.9 cannot answer while a body is arriving). */
static enum MHD_Result inbox_body(inbox_request *req, const char *data, size_t *size)
{
    size_t n = *size;

    *size = 0;
    if (req->too_large || n > CN_INBOX_MAX_BODY - req->len) {
        req->too_large = 1;
        if (n > CN_INBOX_DISCARD_MAX - req->len)
            return MHD_NO;
        req->len += n;
        return MHD_YES;
    }
    memcpy(req->body + req->len, data, n);
    req->len += n;
    return MHD_YES;
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
        if (inbox && strcmp(method, MHD_HTTP_METHOD_POST) == 0)
            return inbox_begin(srv, c, req_cls);
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
            return inbox_body(*req_cls, upload_data, upload_data_size);
        return inbox_respond(srv, c, *req_cls);
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
    (void)cls;
    (void)c;
    (void)toe;
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
    memset(&ss, 0, sizeof(ss));
    if (inet_pton(AF_INET, opts->host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
        ((struct sockaddr_in *)&ss)->sin_family = AF_INET;
        ((struct sockaddr_in *)&ss)->sin_port = htons(opts->port);
    } else if (inet_pton(AF_INET6, opts->host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
        ((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons(opts->port);
        flags |= MHD_USE_IPv6;
    } else {
        err = cn_error_set(CN_EUSAGE, "'%s' is not a numeric IP address", opts->host);
        goto fail;
    }
    if (pthread_mutex_init(&srv->rate_lock, NULL) != 0) {
        err = cn_error_set(CN_ERROR, "cannot create a mutex");
        goto fail;
    }
    srv->rate_lock_ok = 1;
    srv->global_start = monotonic_seconds();
    srv->on_hint = opts->on_hint;
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
        flags, opts->port, NULL, NULL, handle, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)(opts->threads ? opts->threads : CN_SERVE_DEFAULT_THREADS),
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)CN_SERVE_CONNECTION_LIMIT,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)CN_SERVE_PER_IP_LIMIT,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CN_SERVE_TIMEOUT_S, MHD_OPTION_NOTIFY_COMPLETED,
        request_completed, NULL, MHD_OPTION_UNESCAPE_CALLBACK, unescape_url, NULL, MHD_OPTION_END);
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
    cn_serve_registry_free(srv);
    if (srv->root_fd >= 0)
        close(srv->root_fd);
    if (srv->rate_lock_ok)
        pthread_mutex_destroy(&srv->rate_lock);
    free(srv->mirrors_dir);
    free(srv->repos_dir);
    free(srv->node_id);
    free(srv->index_html);
    free(srv);
}
