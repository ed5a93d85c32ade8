/*
 * test_core.c - the bounded reader, buffers, canonical JSON, semver, names
 * and atomic files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/file.h"
#include "core/json.h"
#include "core/name.h"
#include "core/semver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void reader_refuses_reads_past_the_end(void **state)
{
    const unsigned char data[] = {0, 0, 0, 5, 'a', 'b', 'c'};
    const unsigned char *p;
    cn_reader r;
    size_t n;
    uint32_t v;

    (void)state;
    cn_reader_init(&r, data, sizeof(data));
    /* declared length 5, only 3 bytes left: refused, cursor unchanged */
    assert_int_equal(cn_reader_get_string(&r, &p, &n, 100), CN_EINVAL);
    assert_int_equal(r.pos, 0);
    /* length over the caller's max is refused before reading */
    assert_int_equal(cn_reader_get_string(&r, &p, &n, 4), CN_EINVAL);
    assert_int_equal(r.pos, 0);
    assert_int_equal(cn_reader_get_u32(&r, &v), 0);
    assert_int_equal(v, 5);
    assert_int_equal(cn_reader_get_bytes(&r, &p, 4), CN_EINVAL);
    assert_int_equal(cn_reader_get_bytes(&r, &p, 3), 0);
    assert_memory_equal(p, "abc", 3);
    assert_int_equal(cn_reader_remaining(&r), 0);
    assert_int_equal(cn_reader_get_u32(&r, &v), CN_EINVAL);
}

static void reader_lines_are_bounded(void **state)
{
    const char text[] = "short\nthis line is too long\nno newline";
    const char *line;
    cn_reader r;
    size_t n;

    (void)state;
    cn_reader_init(&r, text, strlen(text));
    assert_int_equal(cn_reader_get_line(&r, &line, &n, 10), 0);
    assert_int_equal(n, 5);
    assert_memory_equal(line, "short", 5);
    assert_int_equal(cn_reader_get_line(&r, &line, &n, 10), CN_EINVAL);
    assert_non_null(strstr(cn_error_message(), "longer than 10"));
    assert_int_equal(cn_reader_get_line(&r, &line, &n, 100), 0);
    assert_int_equal(cn_reader_get_line(&r, &line, &n, 100), CN_EINVAL);
    assert_non_null(strstr(cn_error_message(), "unterminated"));
}

static void buf_respects_its_cap(void **state)
{
    cn_buf b = CN_BUF_INIT;

    (void)state;
    b.max = 8;
    assert_int_equal(cn_buf_puts(&b, "12345678"), 0);
    assert_int_equal(cn_buf_put(&b, "9", 1), CN_ELIMIT);
    assert_int_equal(b.len, 8);
    assert_string_equal((char *)b.data, "12345678");
    cn_buf_free(&b);
}

static void hex_round_trips_and_refuses_junk(void **state)
{
    unsigned char in[3] = {0x00, 0xab, 0xff}, out[3];
    char hex[7];

    (void)state;
    cn_hex_encode(hex, in, 3);
    assert_string_equal(hex, "00abff");
    assert_int_equal(cn_hex_decode(out, 3, hex, 6), 0);
    assert_memory_equal(in, out, 3);
    assert_int_equal(cn_hex_decode(out, 3, "00abfg", 6), CN_EINVAL);
    assert_int_equal(cn_hex_decode(out, 3, "00ab", 4), CN_EINVAL);
}

static void lowercase_hex_checks_length_and_case(void **state)
{
    (void)state;
    assert_true(cn_hex_is_lower("09af", 4));
    assert_true(cn_hex_is_lower("09afXYZ", 4));
    assert_false(cn_hex_is_lower("09aF", 4));
    assert_false(cn_hex_is_lower("09ag", 4));
    assert_true(cn_hex_is_lower_str("09af", 4));
    assert_false(cn_hex_is_lower_str("09a", 4));
    assert_false(cn_hex_is_lower_str("09afe", 4));
    assert_false(cn_hex_is_lower_str("09aF", 4));
    assert_false(cn_hex_is_lower_str(NULL, 4));
}

static void canonical_json_sorts_keys_and_escapes_minimally(void **state)
{
    static const char in[] = "{ \"b\": [1, true, null], \"a\": \"x\\\"y\\\\z\\n\", "
                             "\"\\u00e4\": {\"z\": 1, \"y\": -2} }";
    json_t *v;
    char *out;
    size_t len;

    (void)state;
    assert_int_equal(cn_json_parse(&v, in, strlen(in), 8, "test"), 0);
    assert_int_equal(cn_json_canonical(&out, &len, v), 0);
    /* newline and the umlaut pass through unescaped; only " and \ are escaped */
    assert_string_equal(out, "{\"a\":\"x\\\"y\\\\z\n\",\"b\":[1,true,null],"
                             "\"\xc3\xa4\":{\"y\":-2,\"z\":1}}");
    assert_int_equal(len, strlen(out));
    free(out);
    json_decref(v);
}

static void canonical_json_refuses_reals(void **state)
{
    json_t *v = json_pack("{s:f}", "x", 1.5);
    char *out;
    size_t len;

    (void)state;
    assert_int_equal(cn_json_canonical(&out, &len, v), CN_EINVAL);
    json_decref(v);
}

static void json_parse_is_depth_bounded(void **state)
{
    char deep[200];
    json_t *v;

    (void)state;
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    assert_int_equal(cn_json_parse(&v, deep, 200, 64, "deep"), CN_ELIMIT);
    assert_null(v);
    /* brackets inside strings do not count */
    assert_int_equal(cn_json_parse(&v, "[\"[[[[[[[[[[\"]", 14, 2, "s"), 0);
    json_decref(v);
    assert_int_equal(cn_json_parse(&v, "{\"a\":1,\"a\":2}", 13, 8, "dup"), CN_EINVAL);
    assert_non_null(strstr(cn_error_message(), "dup:"));
}

static void semver_checks_and_orders(void **state)
{
    static const char *valid[] = {"0.0.0",         "1.2.3",        "10.20.30", "1.0.0-alpha.1",
                                  "1.0.0+build.5", "1.0.0-rc.1+b", NULL};
    static const char *invalid[] = {"1",      "1.2",        "v1.2.3", "01.2.3",
                                    "1.2.3-", "1.2.3-01",   "1.2.3+", "1.2.3.4",
                                    "",       "1.2.3-a..b", NULL};
    /* ascending precedence, semver.org §11 */
    static const char *order[] = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
                                  "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
                                  "1.0.0-rc.1",  "1.0.0",         "1.0.1",
                                  "1.10.0",      "2.0.0",         NULL};
    size_t i;

    (void)state;
    for (i = 0; valid[i]; i++)
        assert_int_equal(cn_semver_check(valid[i]), 0);
    for (i = 0; invalid[i]; i++)
        assert_int_equal(cn_semver_check(invalid[i]), CN_EINVAL);
    for (i = 0; order[i + 1]; i++) {
        assert_true(cn_semver_compare(order[i], order[i + 1]) < 0);
        assert_true(cn_semver_compare(order[i + 1], order[i]) > 0);
    }
    assert_int_equal(cn_semver_compare("1.0.0+a", "1.0.0+b"), 0);
}

static void names_refuse_what_could_escape(void **state)
{
    static const char *bad_paths[] = {"../x", "a/../b", "a//b", "/a",    "a/", ".", "a/./b",
                                      "a\\b", "a?b",    "a#b",  "a\x01", "",   NULL};
    char slug[CN_SLUG_MAX + 1];
    size_t i;

    (void)state;
    for (i = 0; bad_paths[i]; i++)
        assert_int_equal(cn_name_check_relpath(bad_paths[i], 100), CN_EINVAL);
    assert_int_equal(cn_name_check_relpath("items/x/1.0.0/manifest.json", 100), 0);
    assert_int_equal(cn_name_check_slug("smart-lighting"), 0);
    assert_int_equal(cn_name_check_slug("-x"), CN_EINVAL);
    assert_int_equal(cn_name_check_slug("Upper"), CN_EINVAL);
    assert_int_equal(cn_name_check_slug("a/b"), CN_EINVAL);
    assert_int_equal(cn_name_slugify(slug, "  Connected Urban Twins (CUT)! "), 0);
    assert_string_equal(slug, "connected-urban-twins-cut");
    assert_int_equal(cn_name_slugify(slug, "§$%"), CN_EINVAL);
}

static void atomic_write_replaces_whole_files(void **state)
{
    char dir[] = "/tmp/cn-test-core-XXXXXX", *path;
    unsigned char *data;
    size_t len;
    struct stat st;

    (void)state;
    assert_non_null(mkdtemp(dir));
    path = cn_path_join(dir, "f");
    assert_int_equal(cn_file_write_atomic(path, "first", 5, 0600), 0);
    assert_int_equal(cn_file_write_atomic(path, "second", 6, 0644), 0);
    assert_int_equal(cn_file_read(&data, &len, path, 100), 0);
    assert_int_equal(len, 6);
    assert_string_equal((char *)data, "second");
    free(data);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(cn_file_read(&data, &len, path, 5), CN_ELIMIT);
    assert_null(data);
    free(path);
    path = cn_path_join(dir, "missing");
    assert_int_equal(cn_file_read(&data, &len, path, 5), CN_ENOTFOUND);
    free(path);
    assert_int_equal(cn_rmtree(dir), 0);
    assert_false(cn_dir_exists(dir));
}

static void exit_status_follows_the_design(void **state)
{
    (void)state;
    assert_int_equal(cn_error_exit_status(CN_OK), 0);
    assert_int_equal(cn_error_exit_status(CN_ERROR), 1);
    assert_int_equal(cn_error_exit_status(CN_ENET), 1);
    assert_int_equal(cn_error_exit_status(CN_EINVAL), 2);
    assert_int_equal(cn_error_exit_status(CN_EUSAGE), 2);
    assert_int_equal(cn_error_exit_status(CN_EVERIFY), 3);
    cn_error_set(CN_EINVAL, "inner");
    cn_error_wrap(CN_EVERIFY, "outer %d", 1);
    assert_string_equal(cn_error_message(), "outer 1: inner");
    assert_int_equal(cn_error_last(), CN_EVERIFY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reader_refuses_reads_past_the_end),
        cmocka_unit_test(reader_lines_are_bounded),
        cmocka_unit_test(buf_respects_its_cap),
        cmocka_unit_test(hex_round_trips_and_refuses_junk),
        cmocka_unit_test(lowercase_hex_checks_length_and_case),
        cmocka_unit_test(canonical_json_sorts_keys_and_escapes_minimally),
        cmocka_unit_test(canonical_json_refuses_reals),
        cmocka_unit_test(json_parse_is_depth_bounded),
        cmocka_unit_test(semver_checks_and_orders),
        cmocka_unit_test(names_refuse_what_could_escape),
        cmocka_unit_test(atomic_write_replaces_whole_files),
        cmocka_unit_test(exit_status_follows_the_design),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
