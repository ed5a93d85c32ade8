/*
 * test_peers.c - the peers layer against a real HTTP server in this process
 * (libmicrohttpd on 127.0.0.1, an ephemeral port): the bounded HTTP client
 * (caps, endless bodies, statuses, conditional requests, resume with 206,
 * a server that ignores Range, 416), the peers store in a real state.db
 * (first contact, pinning, aliases, prefixes, sources, removal), and sync
 * rounds over a TUF repository written by core/tuf: a first sync, an
 * unchanged round of one request, and rejected rounds (tampered target,
 * rolled-back timestamp) that leave the trusted state byte for byte as it was.
 */
#include "core/bundle.h"
#include "core/error.h"
#include "core/file.h"
#include "core/git.h"
#include "core/hash.h"
#include "core/json.h"
#include "core/key.h"
#include "core/tuf.h"
#include "peers/http.h"
#include "peers/mirror.h"
#include "peers/peers.h"
#include "peers/sync.h"
#include "peers/sync_internal.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define BODY_LEN 100000

/* ---------------------------------------------------------------------------
 * The test server
 * ------------------------------------------------------------------------- */

typedef struct {
    struct MHD_Daemon *daemon;
    unsigned short port;
    char root[256]; /* files under /tree/ come from here */
    unsigned char body[BODY_LEN];
    unsigned requests;
    unsigned not_modified;
} server;

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

static server *server_start(const char *root)
{
    server *s = calloc(1, sizeof(*s));
    const union MHD_DaemonInfo *info;
    struct sockaddr_in addr;
    size_t i;

    assert_non_null(s);
    for (i = 0; i < BODY_LEN; i++)
        s->body[i] = (unsigned char)(i * 7 + i / 251);
    snprintf(s->root, sizeof(s->root), "%s", root ? root : "/nonexistent");
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

static void server_stop(server *s)
{
    MHD_stop_daemon(s->daemon);
    free(s);
}

static char *url_of(const server *s, const char *path)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof(buf[k]), "http://127.0.0.1:%u%s", s->port, path);
    return buf[k];
}

/* ---------------------------------------------------------------------------
 * HTTP client
 * ------------------------------------------------------------------------- */

static int get(cn_http *h, cn_http_request *req, const char *url, uint64_t max)
{
    cn_http_request_clear(req);
    req->url = url;
    req->max_body = max;
    req->timeout_s = 20;
    return cn_http_get(h, req);
}

static void test_http_body_and_validators(void **state)
{
    server *s = server_start(NULL);
    cn_http *h = NULL;
    cn_http_request req = {0};

    (void)state;
    assert_int_equal(cn_http_new(&h, NULL), 0);
    assert_int_equal(get(h, &req, url_of(s, "/file"), BODY_LEN), 0);
    assert_int_equal(req.status, 200);
    assert_int_equal(req.len, BODY_LEN);
    assert_memory_equal(req.body, s->body, BODY_LEN);
    assert_non_null(req.etag);
    assert_string_equal(req.last_modified, "Sun, 22 Nov 2026 10:00:00 GMT");

    /* The ETag makes the next request a 304 without a body. */
    {
        char *etag = strdup(req.etag);
        cn_http_request_clear(&req);
        req.if_none_match = etag;
        assert_int_equal(get(h, &req, url_of(s, "/file"), BODY_LEN), 0);
        assert_int_equal(req.not_modified, 1);
        assert_int_equal(req.len, 0);
        assert_int_equal(req.received, 0);
        req.if_none_match = NULL;
        free(etag);
    }
    cn_http_request_clear(&req);
    cn_http_free(h);
    server_stop(s);
}

static void test_http_caps(void **state)
{
    server *s = server_start(NULL);
    cn_http *h = NULL;
    cn_http_request req = {0};

    (void)state;
    assert_int_equal(cn_http_new(&h, NULL), 0);
    /* One byte over the cap fails, naming the URL. */
    assert_int_equal(get(h, &req, url_of(s, "/file"), BODY_LEN - 1), CN_ELIMIT);
    assert_non_null(strstr(req.error, "/file"));
    assert_null(req.body);
    /* An endless body is cut off at the cap, not buffered. */
    assert_int_equal(get(h, &req, url_of(s, "/endless"), 65536), CN_ELIMIT);
    assert_true(req.received <= 65536);
    cn_http_request_clear(&req);
    cn_http_free(h);
    server_stop(s);
}

static void test_http_statuses(void **state)
{
    server *s = server_start(NULL);
    cn_http *h = NULL;
    cn_http_request req = {0};
    char closed[64];

    (void)state;
    assert_int_equal(cn_http_new(&h, NULL), 0);
    assert_int_equal(get(h, &req, url_of(s, "/missing"), 1000), CN_ENOTFOUND);
    assert_non_null(strstr(cn_error_message(), "/missing"));
    assert_int_equal(get(h, &req, url_of(s, "/500"), 1000), CN_ENET);
    assert_non_null(strstr(req.error, "500"));
    assert_int_equal(get(h, &req, url_of(s, "/redirect"), BODY_LEN), CN_ENET);
    assert_int_equal(req.status, 302);
    /* A port nobody listens on (the server's, once stopped). */
    snprintf(closed, sizeof(closed), "http://127.0.0.1:%u/x", s->port);
    server_stop(s);
    assert_int_equal(get(h, &req, closed, 1000), CN_ENET);
    assert_non_null(strstr(req.error, closed));
    assert_int_equal(cn_http_check_url("ftp://example.org"), CN_EUSAGE);
    assert_int_equal(cn_http_check_url("http://example.org/a b"), CN_EUSAGE);
    assert_int_equal(cn_http_check_url("http://example.org/?q"), CN_EUSAGE);
    assert_int_equal(cn_http_check_url("https://example.org/city"), 0);
    cn_http_request_clear(&req);
    cn_http_free(h);
}

static void write_prefix(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

static void check_file(const char *path, const void *data, size_t n)
{
    unsigned char *got = NULL;
    size_t len;

    assert_int_equal(cn_file_read(&got, &len, path, n + 1), 0);
    assert_int_equal(len, n);
    assert_memory_equal(got, data, n);
    free(got);
}

static void test_http_resume(void **state)
{
    char dir[] = "/tmp/cn-test-peers-XXXXXX", path[128];
    server *s = server_start(NULL);
    cn_http *h = NULL;
    cn_http_request req = {0};

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/part", dir);
    assert_int_equal(cn_http_new(&h, NULL), 0);
    req.file = path;

    /* 206: only the rest is transferred. */
    write_prefix(path, s->body, 30000);
    assert_int_equal(get(h, &req, url_of(s, "/file"), BODY_LEN), 0);
    assert_int_equal(req.status, 206);
    assert_int_equal(req.received, BODY_LEN - 30000);
    assert_int_equal(req.file_size, BODY_LEN);
    check_file(path, s->body, BODY_LEN);

    /* Complete already: no request at all. */
    s->requests = 0;
    assert_int_equal(get(h, &req, url_of(s, "/file"), BODY_LEN), 0);
    assert_int_equal(s->requests, 0);

    /* A server that ignores Range: the file starts over. */
    write_prefix(path, "garbage", 7);
    assert_int_equal(get(h, &req, url_of(s, "/norange"), BODY_LEN), 0);
    assert_int_equal(req.status, 200);
    check_file(path, s->body, BODY_LEN);

    /* 416 (the partial file is longer than the server's): start over once. */
    write_prefix(path, s->body, 100);
    assert_int_equal(get(h, &req, url_of(s, "/small"), 200), 0);
    check_file(path, s->body, 50);

    /* A download over its cap stops at the cap. */
    unlink(path);
    assert_int_equal(get(h, &req, url_of(s, "/endless"), 10000), CN_ELIMIT);
    {
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_true(st.st_size <= 10000);
    }
    cn_http_request_clear(&req);
    cn_http_free(h);
    server_stop(s);
    cn_rmtree(dir);
}

static void test_http_many_at_once(void **state)
{
    server *s = server_start(NULL);
    cn_http_options o = CN_HTTP_OPTIONS_INIT;
    cn_http_request reqs[24], *p[24];
    char urls[24][64];
    cn_http *h = NULL;
    size_t i;

    (void)state;
    o.max_parallel = 8;
    assert_int_equal(cn_http_new(&h, &o), 0);
    memset(reqs, 0, sizeof(reqs));
    for (i = 0; i < 24; i++) {
        snprintf(urls[i], sizeof(urls[i]), "%s", url_of(s, i % 3 == 2 ? "/missing" : "/file"));
        reqs[i].url = urls[i];
        reqs[i].max_body = BODY_LEN;
        p[i] = &reqs[i];
    }
    assert_int_equal(cn_http_perform(h, p, 24), 0);
    for (i = 0; i < 24; i++) {
        if (i % 3 == 2) {
            assert_int_equal(reqs[i].err, CN_ENOTFOUND);
        } else {
            assert_int_equal(reqs[i].err, 0);
            assert_int_equal(reqs[i].len, BODY_LEN);
        }
        reqs[i].url = NULL;
        cn_http_request_clear(&reqs[i]);
    }
    assert_int_equal(cn_http_requests_made(h), 24);
    cn_http_free(h);
    server_stop(s);
}

/* ---------------------------------------------------------------------------
 * A published tree to follow
 * ------------------------------------------------------------------------- */

typedef struct {
    char dir[64]; /* scratch: tree/, home/ */
    char tree[128], mirrors[128], repos[128], tmp[128], db_path[128];
    char id[CN_SHA256_HEX_LEN + 1];
    cn_key *key;
    cn_tuf_keys keys;
    cn_tuf_repo *repo;
    server *srv;
    cn_peers *db;
} world;

static void write_pointer(world *w, const char *name)
{
    char path[256], json[1024];

    snprintf(path, sizeof(path), "%s/.well-known", w->tree);
    assert_int_equal(cn_mkdir_p(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/.well-known/citynode.json", w->tree);
    snprintf(json, sizeof(json), "{\"citynode\":1,\"node\":\"%s\",\"name\":\"%s\"}", w->id, name);
    assert_int_equal(cn_file_write_atomic(path, json, strlen(json), 0644), 0);
}

static int world_setup(void **state)
{
    world *w = calloc(1, sizeof(*w));
    const char *profile = "{\"name\":\"Stavanger (sample)\"}";
    json_t *custom;

    assert_non_null(w);
    snprintf(w->dir, sizeof(w->dir), "/tmp/cn-test-peers-XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    snprintf(w->tree, sizeof(w->tree), "%s/tree", w->dir);
    snprintf(w->mirrors, sizeof(w->mirrors), "%s/home/mirrors", w->dir);
    snprintf(w->repos, sizeof(w->repos), "%s/home/repos", w->dir);
    snprintf(w->tmp, sizeof(w->tmp), "%s/home/tmp", w->dir);
    snprintf(w->db_path, sizeof(w->db_path), "%s/home/state.db", w->dir);
    assert_int_equal(cn_mkdir_p(w->mirrors, 0755), 0);
    assert_int_equal(cn_key_generate(&w->key), 0);
    cn_tuf_keys_single(&w->keys, w->key);
    assert_int_equal(cn_tuf_repo_init(&w->repo, w->tree, &w->keys, NULL), 0);
    assert_int_equal(cn_tuf_repo_node_id(w->id, w->repo), 0);
    custom = json_pack("{s:s}", "kind", "node");
    assert_non_null(custom);
    assert_int_equal(cn_tuf_repo_add_target(w->repo, "node.json", profile, strlen(profile), custom),
                     0);
    json_decref(custom);
    assert_int_equal(cn_tuf_repo_commit(w->repo), 0);
    write_pointer(w, "Stavanger (sample)");
    w->srv = server_start(w->tree);
    assert_int_equal(cn_peers_open(&w->db, w->db_path), 0);
    *state = w;
    return 0;
}

static int world_teardown(void **state)
{
    world *w = *state;

    cn_peers_free(w->db);
    server_stop(w->srv);
    cn_tuf_repo_free(w->repo);
    cn_key_free(w->key);
    cn_rmtree(w->dir);
    free(w);
    return 0;
}

static int add_peer(world *w, const char *expect, const char *self)
{
    cn_peer_add_options o = CN_PEER_ADD_OPTIONS_INIT;

    o.url = url_of(w->srv, "/tree/");
    o.mirrors_dir = w->mirrors;
    o.expect = expect;
    o.self_id = self;
    return cn_peers_add(NULL, w->db, &o);
}

/* A digest of everything trusted about the peer: mirror files. */
static void digest_dir(cn_buf *b, const char *dir)
{
    char cmd[512];
    FILE *p;
    char line[512];

    snprintf(cmd, sizeof(cmd),
             "cd %s 2>/dev/null && find . -type f -print0 | sort -z | xargs -0 -r sha256sum", dir);
    assert_non_null(p = popen(cmd, "r"));
    while (fgets(line, sizeof(line), p))
        cn_buf_puts(b, line);
    pclose(p);
}

static char *trusted_digest(world *w)
{
    cn_buf b = CN_BUF_INIT;
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", w->mirrors, w->id);
    digest_dir(&b, path);
    cn_buf_puts(&b, "--");
    return cn_buf_detach(&b, NULL);
}

/* ---------------------------------------------------------------------------
 * Peers store
 * ------------------------------------------------------------------------- */

static void test_peer_add_pins_the_root(void **state)
{
    world *w = *state;
    char path[256], other[CN_PEER_ID_HEX + 1];
    cn_peer p, *list = NULL;
    size_t n;

    memset(other, 'a', CN_PEER_ID_HEX);
    other[CN_PEER_ID_HEX] = '\0';
    /* --expect a different id: refused, nothing written. */
    assert_int_equal(add_peer(w, other, NULL), CN_EVERIFY);
    assert_int_equal(cn_peers_get(&p, w->db, w->id), CN_ENOTFOUND);
    snprintf(path, sizeof(path), "%s/%s", w->mirrors, w->id);
    assert_false(cn_dir_exists(path));
    /* Adding yourself is refused. */
    assert_int_equal(add_peer(w, NULL, w->id), CN_EINVAL);

    assert_int_equal(add_peer(w, w->id, NULL), 0);
    snprintf(path, sizeof(path), "%s/%s/tuf/1.root.json", w->mirrors, w->id);
    {
        char digest[CN_SHA256_HEX_LEN + 1];
        assert_int_equal(cn_sha256_file_hex(digest, NULL, path, 1 << 20), 0);
        assert_string_equal(digest, w->id);
    }
    assert_int_equal(add_peer(w, NULL, NULL), CN_EEXISTS);

    /* By alias, by 8-digit prefix, not by 7. */
    assert_int_equal(cn_peers_get(&p, w->db, "stavanger-sample"), 0);
    assert_string_equal(p.node_id, w->id);
    assert_string_equal(p.name, "Stavanger (sample)");
    assert_int_equal(p.policy, CN_POLICY_MIRROR);
    assert_int_equal(p.last_sync, 0);
    cn_peer_clear(&p);
    snprintf(path, sizeof(path), "%.8s", w->id);
    assert_int_equal(cn_peers_get(&p, w->db, path), 0);
    cn_peer_clear(&p);
    snprintf(path, sizeof(path), "%.7s", w->id);
    assert_int_equal(cn_peers_get(&p, w->db, path), CN_ENOTFOUND);
    assert_int_equal(cn_peers_is_followed(w->db, w->id), 1);
    assert_int_equal(cn_peers_is_followed(w->db, other), 0);

    assert_int_equal(cn_peers_list(&list, &n, w->db), 0);
    assert_int_equal(n, 1);
    cn_peer_list_free(list, n);
}

static void test_peer_add_refuses_a_root_that_is_not_the_id(void **state)
{
    world *w = *state;
    char path[256];

    /* The pointer names an id the root does not hash to. */
    memset(w->id, 'b', CN_PEER_ID_HEX);
    write_pointer(w, "Impostor");
    assert_int_equal(add_peer(w, NULL, NULL), CN_EVERIFY);
    assert_non_null(strstr(cn_error_message(), "does not match the node id"));
    snprintf(path, sizeof(path), "%s/%s", w->mirrors, w->id);
    assert_false(cn_dir_exists(path));
    /* A pointer that is not one. */
    snprintf(path, sizeof(path), "%s/.well-known/citynode.json", w->tree);
    assert_int_equal(cn_file_write_atomic(path, "[1,2]", 5, 0644), 0);
    assert_int_equal(add_peer(w, NULL, NULL), CN_EVERIFY);
}

static void test_peer_store(void **state)
{
    world *w = *state;
    cn_peer_sync_record rec = {0};
    char **src = NULL, *etag = NULL, *lm = NULL;
    char other[CN_PEER_ID_HEX + 1];
    cn_peer p;
    size_t n, i;

    assert_int_equal(add_peer(w, NULL, NULL), 0);
    memset(other, 'c', CN_PEER_ID_HEX);
    other[CN_PEER_ID_HEX] = '\0';
    assert_int_equal(cn_peers_add_source(w->db, w->id, "http://a.example/mirrors/x", other), 0);
    assert_int_equal(cn_peers_add_source(w->db, w->id, "http://a.example/mirrors/x", other), 0);
    assert_int_equal(cn_peers_add_source(w->db, w->id, "http://b.example/mirrors/x", other), 0);
    assert_int_equal(cn_peers_add_source(w->db, w->id, "file:///etc", other), CN_EINVAL);
    assert_int_equal(cn_peers_sources(&src, &n, w->db, w->id), 0);
    assert_int_equal(n, 2);
    for (i = 0; i < n; i++)
        free(src[i]);
    free(src);

    rec.time = 1234;
    rec.result = "failed";
    rec.error = "http://x/tuf/timestamp.json: timed out";
    rec.set_validators = 1;
    rec.etag = "\"e1\"";
    assert_int_equal(cn_peers_record_sync(w->db, w->id, &rec), 0);
    assert_int_equal(cn_peers_get(&p, w->db, w->id), 0);
    assert_int_equal(p.last_sync, 1234);
    assert_string_equal(p.last_result, "failed");
    assert_string_equal(p.last_error, rec.error);
    cn_peer_clear(&p);
    assert_int_equal(cn_peers_validators(&etag, &lm, w->db, w->id), 0);
    assert_string_equal(etag, "\"e1\"");
    assert_null(lm);
    free(etag);

    assert_int_equal(cn_peers_set_policy(w->db, w->id, CN_POLICY_BLOCK), 0);
    assert_int_equal(cn_peers_is_followed(w->db, w->id), 0);

    assert_int_equal(cn_peers_remove(w->db, "stavanger-sample", w->mirrors, w->repos), 0);
    assert_int_equal(cn_peers_get(&p, w->db, w->id), CN_ENOTFOUND);
    assert_int_equal(cn_peers_sources(&src, &n, w->db, w->id), 0);
    assert_int_equal(n, 0);
    free(src);
}

static void test_pointer_parse(void **state)
{
    char id[CN_PEER_ID_HEX + 1], *name = NULL, json[512];
    const char *good = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    (void)state;
    snprintf(json, sizeof(json), "{\"citynode\":1,\"node\":\"%s\",\"name\":\"A\\u0001B\"}", good);
    assert_int_equal(cn_peer_pointer_parse(id, &name, json, strlen(json), "p"), 0);
    assert_string_equal(id, good);
    assert_string_equal(name, "A?B");
    free(name);
    snprintf(json, sizeof(json), "{\"citynode\":2,\"node\":\"%s\"}", good);
    assert_int_equal(cn_peer_pointer_parse(id, NULL, json, strlen(json), "p"), CN_EINVAL);
    snprintf(json, sizeof(json), "{\"citynode\":1,\"node\":\"%.63sA\"}", good);
    assert_int_equal(cn_peer_pointer_parse(id, NULL, json, strlen(json), "p"), CN_EINVAL);
}

static int custom_ok(const char *path, const char *custom_json)
{
    cn_tuf_target_info t;
    json_t *custom = custom_json ? json_loads(custom_json, 0, NULL) : NULL;
    int err;

    memset(&t, 0, sizeof(t));
    t.path = path;
    t.custom = custom;
    err = cn_mirror_check_custom(&t);
    json_decref(custom);
    cn_error_clear();
    return err;
}

static void test_check_custom(void **state)
{
    const char *c = "\"commit\":\"0123456789abcdef0123456789abcdef01234567\","
                    "\"tag\":\"89abcdef0123456789abcdef0123456789abcdef\"";
    char good[512], bad[512];

    (void)state;
    snprintf(good, sizeof(good),
             "{\"kind\":\"dataset\",\"item\":\"lw-data\",\"version\":\"1.1.0\",\"file\":\"full\","
             "%s,\"previous\":\"1.0.0\",\"previous_commit\":"
             "\"fedcba9876543210fedcba9876543210fedcba98\"}",
             c);
    assert_int_equal(custom_ok("items/lw-data/1.1.0/full.bundle", good), 0);
    assert_int_equal(custom_ok("items/lw-data/1.1.0/delta.bundle", good), CN_EVERIFY);
    assert_int_equal(custom_ok("items/other/1.1.0/full.bundle", good), CN_EVERIFY);
    assert_int_equal(custom_ok("items/lw-data/1.2.0/full.bundle", good), CN_EVERIFY);
    assert_int_equal(custom_ok("items/lw-data/1.1.0/other.bin", good), CN_EVERIFY);
    assert_int_equal(custom_ok("items/lw-data/1.1.0/full.bundle", NULL), CN_EVERIFY);
    snprintf(bad, sizeof(bad),
             "{\"kind\":\"dataset\",\"item\":\"../../pwned\",\"version\":\"1.1.0\","
             "\"file\":\"full\",%s}",
             c);
    assert_int_equal(custom_ok("items/lw-data/1.1.0/full.bundle", bad), CN_EVERIFY);
    snprintf(bad, sizeof(bad),
             "{\"kind\":\"virus\",\"item\":\"lw-data\",\"version\":\"1.1.0\",\"file\":\"full\",%s}",
             c);
    assert_int_equal(custom_ok("items/lw-data/1.1.0/full.bundle", bad), CN_EVERIFY);
    assert_int_equal(custom_ok("items/lw-data/1.1.0/manifest.json",
                               "{\"kind\":\"dataset\",\"item\":\"lw-data\",\"version\":\"1.1.0\","
                               "\"file\":\"manifest\",\"commit\":\"ABC\",\"tag\":\"x\"}"),
                     CN_EVERIFY);
    snprintf(bad, sizeof(bad),
             "{\"kind\":\"dataset\",\"item\":\"lw-data\",\"version\":\"1.1.0\",\"file\":\"full\","
             "%s,\"previous\":\"1.2.0\",\"previous_commit\":"
             "\"fedcba9876543210fedcba9876543210fedcba98\"}",
             c);
    assert_int_equal(custom_ok("items/lw-data/1.1.0/full.bundle", bad), CN_EVERIFY);
    assert_int_equal(custom_ok("node.json", "{\"kind\":\"node\"}"), 0);
    assert_int_equal(custom_ok("node.json", "{\"kind\":\"peers\"}"), CN_EVERIFY);
    assert_int_equal(custom_ok("peers.json", "{\"kind\":\"peers\"}"), 0);
    assert_int_equal(custom_ok("network.json", "{\"kind\":\"network\"}"), 0);
    assert_int_equal(custom_ok("network.json", NULL), CN_EVERIFY);
    assert_int_equal(
        custom_ok("attestations/a.json", "{\"kind\":\"attestation\",\"type\":\"replicates\"}"), 0);
    assert_int_equal(custom_ok("attestations/a.json", "{\"kind\":\"attestation\"}"), CN_EVERIFY);
    assert_int_equal(custom_ok("README.txt", NULL), 0);
    assert_int_equal(custom_ok("README.txt", "{\"kind\":\"solution\"}"), CN_EVERIFY);
}

/* ---------------------------------------------------------------------------
 * Sync rounds
 * ------------------------------------------------------------------------- */

static int round_of(world *w, cn_sync_report **rep)
{
    cn_sync_options o = CN_SYNC_OPTIONS_INIT;

    o.mirrors_dir = w->mirrors;
    o.repos_dir = w->repos;
    o.tmp_dir = w->tmp;
    return cn_sync_round(rep, w->db, NULL, 0, &o);
}

/* An attestation-like target, with the custom sync demands of its path. */
static void publish_target(world *w, const char *path, const char *content)
{
    json_t *custom = json_pack("{s:s, s:s}", "kind", "attestation", "type", "replicates");

    assert_non_null(custom);
    assert_int_equal(cn_tuf_repo_add_target(w->repo, path, content, strlen(content), custom), 0);
    json_decref(custom);
    assert_int_equal(cn_tuf_repo_commit(w->repo), 0);
}

static void test_sync_round_then_unchanged(void **state)
{
    world *w = *state;
    cn_sync_report *rep = NULL;
    cn_tuf_client *c = NULL;
    unsigned char *data = NULL;
    size_t len;
    cn_peer p;

    assert_int_equal(add_peer(w, NULL, NULL), 0);
    publish_target(w, "attestations/a1.json", "{\"type\":\"replicates\"}");
    assert_int_equal(round_of(w, &rep), 0);
    assert_int_equal(rep->npeers, 1);
    assert_int_equal(rep->peers[0].err, 0);
    assert_int_equal(rep->peers[0].changed, 1);
    assert_int_equal(rep->peers[0].targets_fetched, 2);
    assert_int_equal(rep->peers[0].timestamp_version,
                     cn_tuf_repo_version(w->repo, CN_TUF_TIMESTAMP));
    cn_sync_report_free(rep);

    assert_int_equal(cn_mirror_load(&c, w->mirrors, w->id), 0);
    assert_int_equal(
        cn_mirror_read_target(&data, &len, w->mirrors, w->id, c, "attestations/a1.json"), 0);
    assert_int_equal(len, strlen("{\"type\":\"replicates\"}"));
    free(data);
    cn_tuf_client_free(c);
    assert_int_equal(cn_mirror_verify(w->mirrors, w->repos, w->id), 0);

    /* Nothing new: one request, answered 304 thanks to the stored ETag. */
    w->srv->requests = w->srv->not_modified = 0;
    assert_int_equal(round_of(w, &rep), 0);
    assert_int_equal(rep->peers[0].changed, 0);
    assert_int_equal(rep->peers[0].requests, 1);
    assert_int_equal(rep->peers[0].bytes, 0);
    assert_int_equal(w->srv->requests, 1);
    assert_int_equal(w->srv->not_modified, 1);
    cn_sync_report_free(rep);
    assert_int_equal(cn_peers_get(&p, w->db, w->id), 0);
    assert_string_equal(p.last_result, "unchanged");
    assert_null(p.last_error);
    cn_peer_clear(&p);
}

static void test_sync_rejects_a_tampered_target(void **state)
{
    world *w = *state;
    cn_sync_report *rep = NULL;
    const cn_tuf_target_info *t;
    char *rel = NULL, path[512], *before, *after;
    cn_peer p;

    assert_int_equal(add_peer(w, NULL, NULL), 0);
    assert_int_equal(round_of(w, &rep), 0);
    cn_sync_report_free(rep);
    before = trusted_digest(w);

    /* The server's copy of a newly signed target is altered. */
    publish_target(w, "attestations/a2.json", "{\"type\":\"replicates\",\"n\":2}");
    assert_int_equal(cn_tuf_repo_get_target(&t, w->repo, "attestations/a2.json"), 0);
    assert_int_equal(cn_tuf_target_consistent_path(&rel, t->path, t->sha256), 0);
    snprintf(path, sizeof(path), "%s/%s", w->tree, rel);
    free(rel);
    assert_int_equal(cn_file_write_atomic(path, "{\"type\":\"replicates\",\"n\":3}", 27, 0644), 0);
    assert_int_equal(round_of(w, &rep), CN_EVERIFY);
    assert_int_equal(rep->peers[0].err, CN_EVERIFY);
    assert_non_null(strstr(rep->peers[0].error, "attestations/a2.json"));
    cn_sync_report_free(rep);
    after = trusted_digest(w);
    assert_string_equal(before, after);
    free(after);
    assert_int_equal(cn_peers_get(&p, w->db, w->id), 0);
    assert_string_equal(p.last_result, "failed");
    assert_non_null(strstr(p.last_error, "attestations/a2.json"));
    cn_peer_clear(&p);
    assert_int_equal(cn_mirror_verify(w->mirrors, w->repos, w->id), 0);
    free(before);
}

static void test_sync_rejects_a_rollback(void **state)
{
    world *w = *state;
    cn_sync_report *rep = NULL;
    unsigned char *old = NULL;
    char path[256], *before, *after;
    size_t len;

    assert_int_equal(add_peer(w, NULL, NULL), 0);
    snprintf(path, sizeof(path), "%s/tuf/timestamp.json", w->tree);
    assert_int_equal(cn_file_read(&old, &len, path, 1 << 20), 0);
    publish_target(w, "attestations/a3.json", "{}");
    assert_int_equal(round_of(w, &rep), 0);
    cn_sync_report_free(rep);
    before = trusted_digest(w);

    /* The server answers with the older, still validly signed, timestamp. */
    assert_int_equal(cn_file_write_atomic(path, old, len, 0644), 0);
    assert_int_equal(round_of(w, &rep), CN_EVERIFY);
    assert_non_null(strstr(rep->peers[0].error, "rollback"));
    cn_sync_report_free(rep);
    after = trusted_digest(w);
    assert_string_equal(before, after);
    free(before);
    free(after);
    free(old);
}

/* Bytes left in tmp/ by an earlier round (here: a whole file of garbage, as
 * a lying server leaves) are fetched anew once, not reported as the
 * honest server's fault. */
static void test_sync_refetches_a_bad_leftover(void **state)
{
    world *w = *state;
    cn_sync_report *rep = NULL;
    const cn_tuf_target_info *t;
    char dir[512], path[600];
    const char *content = "{\"type\":\"replicates\",\"n\":4}";

    assert_int_equal(add_peer(w, NULL, NULL), 0);
    publish_target(w, "attestations/a4.json", content);
    assert_int_equal(cn_tuf_repo_get_target(&t, w->repo, "attestations/a4.json"), 0);
    snprintf(dir, sizeof(dir), "%s/sync/%s", w->tmp, w->id);
    assert_int_equal(cn_mkdir_p(dir, 0700), 0);
    snprintf(path, sizeof(path), "%s/%s.a4.json", dir, t->sha256);
    assert_int_equal(
        cn_file_write_atomic(path, "{\"type\":\"replicates\",\"n\":5}", strlen(content), 0644), 0);
    assert_int_equal(round_of(w, &rep), 0);
    assert_int_equal(rep->peers[0].err, 0);
    cn_sync_report_free(rep);
    assert_int_equal(cn_mirror_verify(w->mirrors, w->repos, w->id), 0);
}

/* A document with a cap (peers.json, 1 MiB) is refused on its signed
 * length before a byte of it is read: a peer may validly sign a 4 GiB
 * peers.json, and reading it whole to then find it too long would hold
 * 4 GiB in memory. */
static void test_read_target_capped(void **state)
{
    world *w = *state;
    const char *doc = "{\"peers\":[]}";
    json_t *custom = json_pack("{s:s}", "kind", "peers");
    const cn_tuf_target_info *t;
    cn_sync_report *rep = NULL;
    cn_tuf_client *c = NULL;
    unsigned char *data = NULL;
    char *stored = NULL, bound[32];
    size_t len;

    assert_non_null(custom);
    assert_int_equal(cn_tuf_repo_add_target(w->repo, "peers.json", doc, strlen(doc), custom), 0);
    json_decref(custom);
    assert_int_equal(cn_tuf_repo_commit(w->repo), 0);
    assert_int_equal(add_peer(w, NULL, NULL), 0);
    assert_int_equal(round_of(w, &rep), 0);
    cn_sync_report_free(rep);
    assert_int_equal(cn_mirror_load(&c, w->mirrors, w->id), 0);

    assert_int_equal(
        cn_mirror_read_target_capped(&data, &len, w->mirrors, w->id, c, "peers.json", strlen(doc)),
        0);
    assert_int_equal(len, strlen(doc));
    free(data);
    assert_int_equal(cn_mirror_read_target_capped(&data, &len, w->mirrors, w->id, c, "peers.json",
                                                  strlen(doc) - 1),
                     CN_ELIMIT);
    assert_null(data);
    snprintf(bound, sizeof(bound), "%zu", strlen(doc) - 1);
    assert_non_null(strstr(cn_error_message(), "peers.json"));
    assert_non_null(strstr(cn_error_message(), bound));

    /* Refused without reading: with the stored file gone, the answer is the
     * same, where a read would have failed to find it. */
    assert_int_equal(cn_tuf_client_get_target_info(&t, c, "peers.json"), 0);
    assert_int_equal(cn_mirror_target_path(&stored, w->mirrors, w->id, t), 0);
    assert_int_equal(unlink(stored), 0);
    assert_int_equal(cn_mirror_read_target_capped(&data, &len, w->mirrors, w->id, c, "peers.json",
                                                  strlen(doc) - 1),
                     CN_ELIMIT);
    assert_int_not_equal(
        cn_mirror_read_target_capped(&data, &len, w->mirrors, w->id, c, "peers.json", 1 << 20), 0);
    free(stored);
    cn_tuf_client_free(c);
}

/* ---------------------------------------------------------------------------
 * A bundle header that comes in pieces
 * ------------------------------------------------------------------------- */

typedef struct {
    const char *path;
    const char *data;
} trickle;

/* Write data into the FIFO at path a few bytes at a time, as a pipe or a
 * slow file system delivers it. */
static void *trickle_writer(void *arg)
{
    const trickle *t = arg;
    size_t len = strlen(t->data), off = 0;
    int fd = open(t->path, O_WRONLY);

    if (fd < 0)
        return NULL;
    while (off < len) {
        size_t n = len - off < 7 ? len - off : 7;
        if (write(fd, t->data + off, n) != (ssize_t)n)
            break;
        off += n;
        usleep(2000);
    }
    close(fd);
    return NULL;
}

/* A read that returns fewer bytes than asked is legal: the header of a
 * bundle is read until it is all in, not judged on the first read's bytes. */
static void test_bundle_header_short_reads(void **state)
{
    const char *header = "# v2 git bundle\n"
                         "-0123456789abcdef0123456789abcdef01234567 previous\n"
                         "89abcdef0123456789abcdef0123456789abcdef refs/tags/v1.1.0\n"
                         "89abcdef0123456789abcdef0123456789abcdef HEAD\n"
                         "\n";
    char dir[] = "/tmp/cn-test-trickle-XXXXXX", path[64];
    cn_bundle_header *h = NULL;
    trickle t;
    pthread_t writer;

    (void)state;
    signal(SIGPIPE, SIG_IGN); /* a reader that gives up early must not kill the writer */
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/delta.bundle", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    t.path = path;
    t.data = header;
    assert_int_equal(pthread_create(&writer, NULL, trickle_writer, &t), 0);
    assert_int_equal(cn_sync_bundle_header_read(&h, path), 0);
    assert_int_equal(pthread_join(writer, NULL), 0);
    assert_non_null(h);
    assert_int_equal(h->nprereqs, 1);
    assert_int_equal(h->nrefs, 2);
    assert_string_equal(h->refs[1].name, "HEAD");
    cn_bundle_header_free(h);
    cn_rmtree(dir);
}

/* ---------------------------------------------------------------------------
 * Planning a large signed targets set
 * ------------------------------------------------------------------------- */

#define PLAN_TARGETS 100000

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A peer that signs 100,000 item targets (one item in 50,000 versions, and
 * 50,000 items of one version: what a 16 MiB targets file can hold) is
 * planned in well under a second. Looking each target's item and version
 * up in a list took minutes of CPU, a cost any validly signing peer could
 * impose on its followers. */
static void test_plan_many_targets_is_fast(void **state)
{
    cn_sync_options o = CN_SYNC_OPTIONS_INIT;
    cn_tuf_target_info *infos = calloc(PLAN_TARGETS, sizeof(*infos));
    char **paths = calloc(PLAN_TARGETS, sizeof(*paths));
    json_t **customs = calloc(PLAN_TARGETS, sizeof(*customs));
    struct timespec t0;
    char newest[32];
    peer_run pr;
    size_t i, half = PLAN_TARGETS / 2;
    double took;

    (void)state;
    assert_non_null(infos);
    assert_non_null(paths);
    assert_non_null(customs);
    assert_int_equal(cn_git_init(), 0);
    o.mirrors_dir = o.repos_dir = o.tmp_dir = "/nonexistent/cn-test-plan";
    cn_sync_peer_run_init(&pr, &o, NULL,
                          "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                          CN_POLICY_MIRROR, "http://127.0.0.1:9");
    pr.rdir = strdup("/nonexistent/cn-test-plan/repos");
    pr.tdir = strdup("/nonexistent/cn-test-plan/tmp");
    pr.mdir = strdup("/nonexistent/cn-test-plan/mirrors");
    assert_non_null(pr.files = calloc(PLAN_TARGETS, sizeof(*pr.files)));
    pr.nfiles = PLAN_TARGETS;
    for (i = 0; i < PLAN_TARGETS; i++) {
        char path[128], hex[41];
        if (i < half)
            snprintf(path, sizeof(path), "items/big/%zu.%zu.0/full.bundle", i / 1000, i % 1000);
        else
            snprintf(path, sizeof(path), "items/item-%zu/1.0.0/full.bundle", i);
        snprintf(hex, sizeof(hex), "%040zx", i);
        assert_non_null(paths[i] = strdup(path));
        assert_non_null(customs[i] = json_pack("{s:s, s:s}", "commit", hex, "tag", hex));
        infos[i].path = paths[i];
        infos[i].length = 1;
        infos[i].custom = customs[i];
        memset(infos[i].sha256, 'a', CN_SHA256_HEX_LEN);
        pr.files[i].info = &infos[i];
    }

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (i = 0; i < PLAN_TARGETS; i++)
        assert_int_equal(cn_sync_published_add(&pr, &infos[i]), 0);
    assert_int_equal(cn_sync_index_items(&pr), 0);
    assert_int_equal(cn_sync_check_published(&pr), 0);
    assert_int_equal(cn_sync_plan_items(&pr), 0);
    took = seconds_since(&t0);
    print_message("planned %d targets in %.3f s\n", PLAN_TARGETS, took);

    assert_int_equal(pr.nold, PLAN_TARGETS);
    assert_int_equal(pr.nitems, half + 1);
    for (i = 0; i < pr.nitems; i++) {
        const item_work *w = &pr.items[i];
        if (strcmp(w->item, "big") == 0) {
            assert_int_equal(w->nv, half);
            assert_string_equal(w->v[0].version, "0.0.0");
            snprintf(newest, sizeof(newest), "%zu.999.0", half / 1000 - 1);
            assert_string_equal(w->v[w->nv - 1].version, newest);
        }
        /* Nothing held: one step, the newest full bundle. */
        assert_int_equal(w->nsteps, 1);
        assert_int_equal(w->steps[0].vi, (int)w->nv - 1);
        assert_int_equal(w->steps[0].full, 1);
    }
    /* Generous for a sanitizer build on a busy machine; quadratic took minutes. */
    assert_true(took < 10.0);

    cn_sync_peer_run_clear(&pr);
    for (i = 0; i < PLAN_TARGETS; i++) {
        free(paths[i]);
        json_decref(customs[i]);
    }
    free(paths);
    free(customs);
    free(infos);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_body_and_validators),
        cmocka_unit_test(test_http_caps),
        cmocka_unit_test(test_http_statuses),
        cmocka_unit_test(test_http_resume),
        cmocka_unit_test(test_http_many_at_once),
        cmocka_unit_test(test_pointer_parse),
        cmocka_unit_test(test_check_custom),
        cmocka_unit_test(test_bundle_header_short_reads),
        cmocka_unit_test(test_plan_many_targets_is_fast),
        cmocka_unit_test_setup_teardown(test_peer_add_pins_the_root, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_peer_add_refuses_a_root_that_is_not_the_id,
                                        world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_peer_store, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_sync_round_then_unchanged, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(test_sync_rejects_a_tampered_target, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(test_sync_rejects_a_rollback, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_sync_refetches_a_bad_leftover, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(test_read_target_capped, world_setup, world_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
