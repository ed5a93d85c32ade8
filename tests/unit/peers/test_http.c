/*
 * test_http.c - the peers layer's bounded HTTP client against a real server
 * in this process (support_server.h): bodies and validators, caps and
 * endless bodies, statuses and redirects, resume with 206, a server that
 * ignores Range, 416, and many requests at once.
 */
#include "core/error.h"
#include "core/file.h"
#include "peers/http.h"
#include "peers/sync_internal.h"
#include "support_server.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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

static void test_http_gzip(void **state)
{
    char dir[] = "/tmp/cn-test-peers-XXXXXX", path[128];
    server *s = server_start(NULL);
    cn_http *h = NULL;
    cn_http_request req = {0};
    size_t i;

    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(cn_http_new(&h, NULL), 0);
    /* A body in memory is asked for gzip'ed and arrives decoded. */
    assert_int_equal(get(h, &req, url_of(s, "/gzip"), GZIP_LEN), 0);
    assert_non_null(strstr(s->accept_encoding, "gzip"));
    assert_int_equal(req.len, GZIP_LEN);
    for (i = 0; i < GZIP_LEN; i++)
        assert_int_equal(req.body[i], "{\"signed\":{\"version\":1}}\n"[i % 25]);
    /* The cap counts decoded bytes: one byte short fails. */
    assert_int_equal(get(h, &req, url_of(s, "/gzip"), GZIP_LEN - 1), CN_ELIMIT);
    assert_null(req.body);
    /* A small answer that inflates to 64 MiB stops at the cap. */
    assert_true(s->gzip_len < 1024);
    assert_int_equal(get(h, &req, url_of(s, "/gzbomb"), 1u << 20), CN_ELIMIT);
    assert_non_null(strstr(req.error, "/gzbomb"));
    assert_true(req.received <= 1u << 20);
    /* A file is fetched as stored: no Accept-Encoding is sent. */
    snprintf(path, sizeof(path), "%s/file", dir);
    req.file = path;
    assert_int_equal(get(h, &req, url_of(s, "/file"), BODY_LEN), 0);
    assert_string_equal(s->accept_encoding, "");
    check_file(path, s->body, BODY_LEN);
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

typedef struct {
    char phase[32];
    uint64_t done[256], total;
    size_t n;
    int monotonic, ends;
} reports;

static void on_report(void *payload, const char *phase, uint64_t done, uint64_t total)
{
    reports *r = payload;

    snprintf(r->phase, sizeof(r->phase), "%s", phase);
    if (r->n > 0 && done < r->done[r->n < 256 ? r->n - 1 : 255])
        r->monotonic = 0;
    if (r->n < 256)
        r->done[r->n] = done;
    r->n++;
    r->total = total;
}

static void on_end(void *payload, const char *phase)
{
    (void)phase;
    ((reports *)payload)->ends++;
}

/* Reports in bytes: from base, only forward, never past the total even when
 * more arrives than the total says; in requests: one per request finished.
 * The phase is the caller's to end. */
static void test_http_reporting(void **state)
{
    server *s = server_start(NULL);
    reports r = {.monotonic = 1};
    cn_progress p = {on_report, on_end, &r};
    cn_http_reporting hr = {&p, "Receiving files", 1, 1000, 0};
    cn_http_request reqs[3], *ps[3];
    char urls[3][64];
    cn_http *h = NULL;
    size_t i;

    (void)state;
    assert_int_equal(cn_http_new(&h, NULL), 0);
    memset(reqs, 0, sizeof(reqs));
    for (i = 0; i < 3; i++) {
        snprintf(urls[i], sizeof(urls[i]), "%s", url_of(s, "/file"));
        reqs[i].url = urls[i];
        reqs[i].max_body = BODY_LEN;
        ps[i] = &reqs[i];
    }
    hr.total = 1000 + 3 * BODY_LEN;
    assert_int_equal(cn_http_perform_reporting(h, ps, 3, &hr), 0);
    assert_string_equal(r.phase, "Receiving files");
    assert_true(r.n >= 2);
    assert_int_equal(r.done[0], 1000);
    assert_int_equal(r.done[(r.n < 256 ? r.n : 256) - 1], hr.total);
    assert_true(r.monotonic);
    assert_int_equal(r.ends, 0);

    memset(&r, 0, sizeof(r));
    r.monotonic = 1;
    hr.base = 0;
    hr.total = 1000; /* less than what comes: capped */
    assert_int_equal(cn_http_perform_reporting(h, ps, 3, &hr), 0);
    assert_int_equal(r.done[(r.n < 256 ? r.n : 256) - 1], 1000);
    assert_true(r.monotonic);

    memset(&r, 0, sizeof(r));
    r.monotonic = 1;
    hr.bytes = 0;
    hr.total = 3;
    hr.phase = "Checking peers";
    assert_int_equal(cn_http_perform_reporting(h, ps, 3, &hr), 0);
    assert_string_equal(r.phase, "Checking peers");
    assert_int_equal(r.done[0], 0);
    assert_int_equal(r.done[r.n - 1], 3);
    assert_true(r.n <= 4 && r.monotonic);
    for (i = 0; i < 3; i++) {
        reqs[i].url = NULL;
        cn_http_request_clear(&reqs[i]);
    }
    cn_http_free(h);
    server_stop(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_body_and_validators),
        cmocka_unit_test(test_http_caps),
        cmocka_unit_test(test_http_gzip),
        cmocka_unit_test(test_http_statuses),
        cmocka_unit_test(test_http_resume),
        cmocka_unit_test(test_http_many_at_once),
        cmocka_unit_test(test_http_reporting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
