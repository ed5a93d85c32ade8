/*
 * test_peer_url.c - a peer's URL is published (peers.json), so one with a
 * user name or password is refused wherever a URL enters state.db: typed by
 * `peer add`, or learnt as a fallback source from a peer's peers.json.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "peers/http.h"
#include "peers/peers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void expect_refused(const char *url, const char *shown)
{
    assert_int_equal(cn_http_check_url(url), CN_EUSAGE);
    assert_non_null(strstr(cn_error_message(), "must not hold a user name or password"));
    assert_non_null(strstr(cn_error_message(), shown));
    assert_null(strstr(cn_error_message(), "s3cret"));
    cn_error_clear();
}

static void urls_with_credentials_are_refused(void **state)
{
    (void)state;
    expect_refused("http://alice:s3cret@example.org/city", "give http://example.org/city");
    expect_refused("https://s3cret@example.org", "give https://example.org");
    expect_refused("http://a:b@c:s3cret@example.org:8080/", "give http://example.org:8080/");
    /* Not http(s): still never echoed with its password. */
    expect_refused("ftp://bob:s3cret@example.org", "give ftp://example.org");
    /* An '@' past the host is part of the path. */
    assert_int_equal(cn_http_check_url("https://example.org/users/@city"), 0);
    assert_int_equal(cn_http_check_url("http://127.0.0.1:8080"), 0);
}

static void learnt_sources_with_credentials_are_refused(void **state)
{
    char dir[] = "/tmp/cn-peer-url-XXXXXX", path[64], id[65], voucher[65];
    cn_peers *db = NULL;
    char **src = NULL;
    size_t n = 0;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/state.db", dir);
    memset(id, 'a', 64);
    memset(voucher, 'b', 64);
    id[64] = voucher[64] = '\0';
    assert_int_equal(cn_peers_open(&db, path), 0);
    assert_int_equal(cn_peers_add_source(db, id, "http://u:s3cret@a.example/mirrors/x", voucher),
                     CN_EINVAL);
    assert_null(strstr(cn_error_message(), "s3cret"));
    cn_error_clear();
    assert_int_equal(cn_peers_sources(&src, &n, db, id), 0);
    assert_int_equal(n, 0);
    free(src);
    cn_peers_free(db);
    unlink(path);
    snprintf(path, sizeof(path), "%s/state.db-wal", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/state.db-shm", dir);
    unlink(path);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(urls_with_credentials_are_refused),
        cmocka_unit_test(learnt_sources_with_credentials_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
