/*
 * test_validate_command.c - `citynode validate` on sample manifests
 * (tests/data/manifests): what it prints on stdout and stderr, --json, and
 * its exit statuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "node/cmd/cmd_validate.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DATA CN_TEST_DATA "/manifests"

/* Run `citynode validate ARGS` with stdout and stderr captured to files. */
static int run_validate(const char *arg1, const char *arg2, char *out, size_t outcap, char *err,
                        size_t errcap)
{
    char *argv[] = {"validate", (char *)arg1, (char *)arg2, NULL};
    int argc = arg2 ? 3 : 2, rc, saved_out = dup(1), saved_err = dup(2);
    FILE *fo = tmpfile(), *fe = tmpfile();
    size_t n;

    fflush(stdout);
    fflush(stderr);
    dup2(fileno(fo), 1);
    dup2(fileno(fe), 2);
    rc = cn_cmd_validate(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    rewind(fo);
    rewind(fe);
    n = fread(out, 1, outcap - 1, fo);
    out[n] = '\0';
    n = fread(err, 1, errcap - 1, fe);
    err[n] = '\0';
    fclose(fo);
    fclose(fe);
    return rc;
}

static void test_validate_command(void **state)
{
    char out[8192], err[8192];
    json_error_t jerr;
    json_t *j;

    (void)state;
    assert_int_equal(
        run_validate(DATA "/valid/berlin-strategy", NULL, out, sizeof(out), err, sizeof(err)), 0);
    assert_string_equal(out, DATA "/valid/berlin-strategy: valid strategy "
                                  "berlin-lebenswert-smart@2.0.0\n");
    assert_string_equal(err, "");
    assert_int_equal(run_validate(DATA "/invalid/strategy-bad-measure.yml", NULL, out, sizeof(out),
                                  err, sizeof(err)),
                     2);
    assert_string_equal(out, "");
    assert_non_null(strstr(err, DATA "/invalid/strategy-bad-measure.yml:9:5: measures[0].status: "
                                     "must be one of"));
    assert_int_equal(run_validate(DATA "/invalid/strategy-bad-measure.yml", "--json", out,
                                  sizeof(out), err, sizeof(err)),
                     2);
    j = json_loads(out, 0, &jerr);
    assert_non_null(j);
    assert_true(json_is_false(json_object_get(j, "valid")));
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(json_object_get(j, "diagnostics"), 0), "line")),
                     9);
    json_decref(j);
    assert_int_equal(
        run_validate("/nonexistent/citynode.yml", NULL, out, sizeof(out), err, sizeof(err)), 1);
    assert_non_null(strstr(err, "citynode: "));
    assert_int_equal(run_validate("--bogus", NULL, out, sizeof(out), err, sizeof(err)), 2);
    assert_int_equal(
        run_validate(DATA "/valid/zukunftsforum", "--quiet", out, sizeof(out), err, sizeof(err)),
        0);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_command),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
