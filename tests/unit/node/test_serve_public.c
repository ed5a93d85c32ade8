/*
 * test_serve_public.c - which listen addresses serve publicly
 * (cn_server_host_is_loopback, node/http/server.h): GET /api/v1 says
 * "public" and serve warns of missing legal pages for every address but
 * loopback. t0935 runs serve on 127.0.0.1 and 0.0.0.0; these are the rest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "node/http/server.h"

static void loopback_addresses_are_private(void **state)
{
    static const char *const loopback[] = {"127.0.0.1", "127.255.0.9", "::1", "::ffff:127.0.0.1",
                                           "0:0:0:0:0:0:0:1"};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++)
        assert_int_equal(cn_server_host_is_loopback(loopback[i]), 1);
}

static void every_other_address_is_public(void **state)
{
    static const char *const public[] = {"0.0.0.0",   "::",          "10.0.0.1",
                                         "192.0.2.7", "2001:db8::1", "::ffff:10.0.0.1",
                                         "128.0.0.1", "localhost",   ""};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(public) / sizeof(public[0]); i++)
        assert_int_equal(cn_server_host_is_loopback(public[i]), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loopback_addresses_are_private),
        cmocka_unit_test(every_other_address_is_public),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
