/*
 * test_attestations.c - the target names of replication attestations
 * (docs/PROTOCOL.md §11): what a version's '+' becomes, and what is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "node/federation/attestations.h"

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static void test_attestation_path(void **state)
{
    char path[CN_ATTESTATION_PATH_MAX];
    (void)state;

    assert_int_equal(cn_attestation_path(path, ID_A, "smart-lighting", "2.1.0"), 0);
    assert_string_equal(path, "attestations/replicates-aaaaaaaaaaaaaaaa-smart-lighting-2.1.0.json");
    assert_int_equal(cn_attestation_path(path, ID_A, "cut", "1.0.0-rc.1+build.5"), 0);
    assert_string_equal(path,
                        "attestations/replicates-aaaaaaaaaaaaaaaa-cut-1.0.0-rc.1_build.5.json");
    assert_int_equal(cn_attestation_path(path, ID_A, "../etc", "1.0.0"), CN_EINVAL);
    assert_int_equal(cn_attestation_path(path, ID_A, "cut", "1.0"), CN_EINVAL);
    assert_int_equal(cn_attestation_path(path, ID_A, "cut", "1.0.0/x"), CN_EINVAL);
    assert_int_equal(cn_attestation_path(path, "aaaa", "cut", "1.0.0"), CN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attestation_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
