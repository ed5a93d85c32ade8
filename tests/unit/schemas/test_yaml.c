/*
 * test_yaml.c - the YAML reader: typing, key-path positions, and refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "schemas/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cn_yaml_doc *parse_ok(const char *text)
{
    cn_diagnostics d = CN_DIAGNOSTICS_INIT;
    cn_yaml_doc *doc = NULL;

    assert_int_equal(cn_yaml_parse(&doc, &d, text, strlen(text), "t.yml", NULL), 0);
    assert_int_equal(d.count, 0);
    cn_diagnostics_free(&d);
    return doc;
}

/* Parse text that must fail with code; check the one diagnostic. */
static void parse_fails(const char *text, size_t len, int code, unsigned line, unsigned col,
                        const char *message_part)
{
    cn_diagnostics d = CN_DIAGNOSTICS_INIT;
    cn_yaml_doc *doc = NULL;

    assert_int_equal(cn_yaml_parse(&doc, &d, text, len, "t.yml", NULL), code);
    assert_null(doc);
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].file, "t.yml");
    assert_int_equal(d.items[0].line, line);
    assert_int_equal(d.items[0].col, col);
    assert_non_null(strstr(d.items[0].message, message_part));
    assert_non_null(strstr(cn_error_message(), message_part));
    cn_diagnostics_free(&d);
}

static void test_core_schema_typing(void **state)
{
    const char *text = "t1: true\nt2: True\nf: FALSE\nn1: null\nn2: ~\nn3:\n"
                       "i: -42\nh: 0x1F\no: 0o17\nr: 1.5\ne: 2e3\n"
                       "y: yes\nno_: no\non_: on\nd: 2017-04-15\nv: 1.0.0\n"
                       "q: \"true\"\ns: '12'\nb: |\n  block\ninf: .inf\nstr: !!str 12\n";
    cn_yaml_doc *doc = parse_ok(text);
    json_t *r = cn_yaml_doc_root(doc);

    (void)state;
    assert_true(json_is_true(json_object_get(r, "t1")));
    assert_true(json_is_true(json_object_get(r, "t2")));
    assert_true(json_is_false(json_object_get(r, "f")));
    assert_true(json_is_null(json_object_get(r, "n1")));
    assert_true(json_is_null(json_object_get(r, "n2")));
    assert_true(json_is_null(json_object_get(r, "n3")));
    assert_int_equal(json_integer_value(json_object_get(r, "i")), -42);
    assert_int_equal(json_integer_value(json_object_get(r, "h")), 31);
    assert_int_equal(json_integer_value(json_object_get(r, "o")), 15);
    assert_true(json_is_real(json_object_get(r, "r")));
    assert_true(json_real_value(json_object_get(r, "e")) == 2000.0);
    /* YAML 1.1 booleans and dates stay strings. */
    assert_string_equal(json_string_value(json_object_get(r, "y")), "yes");
    assert_string_equal(json_string_value(json_object_get(r, "no_")), "no");
    assert_string_equal(json_string_value(json_object_get(r, "on_")), "on");
    assert_string_equal(json_string_value(json_object_get(r, "d")), "2017-04-15");
    assert_string_equal(json_string_value(json_object_get(r, "v")), "1.0.0");
    assert_string_equal(json_string_value(json_object_get(r, "q")), "true");
    assert_string_equal(json_string_value(json_object_get(r, "s")), "12");
    assert_string_equal(json_string_value(json_object_get(r, "b")), "block\n");
    assert_string_equal(json_string_value(json_object_get(r, "inf")), ".inf");
    assert_string_equal(json_string_value(json_object_get(r, "str")), "12");
    cn_yaml_doc_free(doc);
}

static void expect_pos(cn_yaml_doc *doc, const char *path, unsigned line, unsigned col)
{
    unsigned l = 0, c = 0;

    assert_int_equal(cn_yaml_doc_position(doc, path, &l, &c), 0);
    assert_int_equal(l, line);
    assert_int_equal(c, col);
}

static void test_positions(void **state)
{
    const char *text = "# comment\n"
                       "description:\n"
                       "  en:\n"
                       "    shortDescription: x\n"
                       "  en-US:\n"
                       "    features:\n"
                       "      - a\n"
                       "      -   b\n"
                       "maintenance:\n"
                       "  contacts:\n"
                       "    - name: Rossi\n"
                       "      email: r@example.org\n"
                       "flow: {a: [1, 2]}\n";
    cn_yaml_doc *doc = parse_ok(text);
    unsigned l, c;

    (void)state;
    expect_pos(doc, "", 1, 1);
    expect_pos(doc, "description", 2, 1);
    expect_pos(doc, "description.en", 3, 3);
    expect_pos(doc, "description.en.shortDescription", 4, 5);
    expect_pos(doc, "description[en-US]", 5, 3);
    expect_pos(doc, "description[en-US].features[0]", 7, 9);
    expect_pos(doc, "description[en-US].features[1]", 8, 11);
    expect_pos(doc, "maintenance.contacts[0]", 11, 7);
    expect_pos(doc, "maintenance.contacts[0].name", 11, 7);
    expect_pos(doc, "maintenance.contacts[0].email", 12, 7);
    expect_pos(doc, "flow.a[1]", 13, 15);
    assert_int_equal(cn_yaml_doc_position(doc, "nope", &l, &c), CN_ENOTFOUND);
    assert_int_equal(cn_yaml_doc_nodes(doc), 17);
    cn_yaml_doc_free(doc);
}

static void test_number_texts(void **state)
{
    const char *text = "v: 0.4\nn: 14\nh: 0x1F\ns: '0.4'\nl: [1.10, x]\n";
    cn_yaml_doc *doc = NULL;

    (void)state;
    assert_int_equal(cn_yaml_parse(&doc, NULL, text, strlen(text), "t.yml", NULL), 0);
    assert_string_equal(cn_yaml_doc_text(doc, "v"), "0.4");
    assert_string_equal(cn_yaml_doc_text(doc, "n"), "14");
    assert_string_equal(cn_yaml_doc_text(doc, "h"), "0x1F");
    assert_string_equal(cn_yaml_doc_text(doc, "l[0]"), "1.10");
    assert_null(cn_yaml_doc_text(doc, "s")); /* a string, not a number */
    assert_null(cn_yaml_doc_text(doc, "l[1]"));
    assert_null(cn_yaml_doc_text(doc, "nope"));
    cn_yaml_doc_free(doc);
}

static void test_refusals(void **state)
{
    (void)state;
    parse_fails("a: 1\nb: 2\na: 3\n", 15, CN_EINVAL, 3, 1, "duplicate key 'a'");
    parse_fails("a: &x [1]\nb: *x\n", 16, CN_EINVAL, 2, 4, "aliases are not supported");
    parse_fails("a: 1\n---\nb: 2\n", 14, CN_EINVAL, 2, 1, "more than one YAML document");
    parse_fails("a: 1\nb: caf\xe9\n", 13, CN_EINVAL, 2, 7, "Invalid UTF-8");
    parse_fails("a: \xc0\xaf\n", 6, CN_EINVAL, 1, 4, "Invalid UTF-8");     /* overlong */
    parse_fails("a: \xed\xa0\x80\n", 7, CN_EINVAL, 1, 4, "Invalid UTF-8"); /* surrogate */
    parse_fails("a: 1\n  b: 2\n", 12, CN_EINVAL, 2, 3,
                "'b' is indented more than 'a' on line 1 (2 spaces, not 0)");
    parse_fails("? [a]\n: 1\n", 10, CN_EINVAL, 1, 3, "map keys must be scalars");
    /* Syntax errors where their cause is, with what to do. */
    parse_fails("a:\n\tb: 1\n", 9, CN_EINVAL, 2, 1, "a tab is used for indentation");
    parse_fails("a: 1\nb: 'two\nc: 3\n", 18, CN_EINVAL, 2, 4,
                "the quote ' opened here is never closed");
    parse_fails("a: \"x\nb: \"y\"\n", 13, CN_EINVAL, 1, 4,
                "the quote \" opened here is not closed on this line, so the value runs on to "
                "the next \" on line 2");
    parse_fails("a:\n    b: 1\n  c: 2\n", 19, CN_EINVAL, 3, 3,
                "'c' is indented less than 'b' on line 2 (2 spaces, not 4)");
    parse_fails("a:\n  b:\n- c\n", 12, CN_EINVAL, 3, 1,
                "the list starts at column 1, inside the map of 'b' on line 2");
    parse_fails("a:\n  b: >\nsome text\nmore text\n", 30, CN_EINVAL, 3, 1,
                "the text of 'b' (line 2) is not indented; indent each of its lines by 4 spaces");
    parse_fails("a: !custom x\n", 13, CN_EINVAL, 1, 4, "unsupported YAML tag");
}

static void test_limits(void **state)
{
    cn_yaml_limits small = {64, 3, 5};
    cn_diagnostics d = CN_DIAGNOSTICS_INIT;
    cn_yaml_doc *doc = NULL;
    char deep[400];
    size_t i, n = 0;

    (void)state;
    assert_int_equal(cn_yaml_parse(&doc, &d, "a: [[[[1]]]]\n", 13, "t", &small), CN_ELIMIT);
    assert_non_null(strstr(d.items[0].message, "nested too deeply"));
    cn_diagnostics_clear(&d);
    assert_int_equal(cn_yaml_parse(&doc, &d, "[1, 2, 3, 4, 5, 6]", 18, "t", &small), CN_ELIMIT);
    assert_non_null(strstr(d.items[0].message, "too many nodes"));
    cn_diagnostics_clear(&d);
    memset(deep, 'x', 100);
    assert_int_equal(cn_yaml_parse(&doc, &d, deep, 100, "t", &small), CN_ELIMIT);
    assert_non_null(strstr(d.items[0].message, "larger than 64 bytes"));
    cn_diagnostics_clear(&d);
    /* The default depth limit (64) with flow sequences 65 deep. */
    for (i = 0; i < 65; i++)
        deep[n++] = '[';
    for (i = 0; i < 65; i++)
        deep[n++] = ']';
    assert_int_equal(cn_yaml_parse(&doc, &d, deep, n, "t", NULL), CN_ELIMIT);
    assert_null(doc);
    cn_diagnostics_free(&d);
    /* 64 deep is fine. */
    assert_int_equal(cn_yaml_parse(&doc, NULL, deep + 1, n - 2, "t", NULL), 0);
    cn_yaml_doc_free(doc);
}

static void test_empty_and_scalar_documents(void **state)
{
    cn_yaml_doc *doc = parse_ok("");

    (void)state;
    assert_true(json_is_null(cn_yaml_doc_root(doc)));
    cn_yaml_doc_free(doc);
    doc = parse_ok("# only a comment\n");
    assert_true(json_is_null(cn_yaml_doc_root(doc)));
    cn_yaml_doc_free(doc);
    doc = parse_ok("--- hello\n");
    assert_string_equal(json_string_value(cn_yaml_doc_root(doc)), "hello");
    cn_yaml_doc_free(doc);
}

/* cn_yaml_write: what it writes reads back as the same value, strings that
 * would read as another type are quoted, and skip_key is left out. */
static void test_write_round_trip(void **state)
{
    static const char *const json_text =
        "{\"publiccodeYmlVersion\": \"0.4\", \"name\": \"Connected Urban Twins\","
        " \"kind\": \"solution\", \"looks\": [\"true\", \"no\", \"1.0\", \"0x1f\", \"\","
        " \"null\", \"~\", \"2017-04-15\", \"- dash\", \"a: b\", \"#hash\", \"Mobilit\u00e4t\","
        " \"line one\\nline two\\n\", \"  padded  \", \"'quote'\", \"\\\"dq\\\"\"],"
        " \"numbers\": [0, -7, 1.5, 1e300, 123456789012], \"flags\": [true, false, null],"
        " \"nested\": {\"empty_list\": [], \"empty_map\": {}, \"deep\": [[{\"x\": 1}]]}}";
    json_error_t jerr;
    json_t *want = json_loads(json_text, 0, &jerr), *got;
    cn_buf out = CN_BUF_INIT;
    cn_yaml_doc *doc;

    (void)state;
    assert_non_null(want);
    assert_int_equal(cn_yaml_write(&out, want, NULL), 0);
    assert_int_equal(cn_buf_put(&out, "", 1), 0);
    doc = parse_ok((const char *)out.data);
    got = cn_yaml_doc_root(doc);
    if (!json_equal(got, want)) {
        char *dump = json_dumps(got, JSON_ENCODE_ANY);
        fail_msg("round trip changed the value:\n%s\nread back as %s", (char *)out.data, dump);
    }
    /* The strings that would be typed are quoted; the plain ones are not. */
    assert_non_null(strstr((const char *)out.data, "\"true\""));
    assert_non_null(strstr((const char *)out.data, "\"1.0\""));
    assert_non_null(strstr((const char *)out.data, "name: Connected Urban Twins\n"));
    cn_yaml_doc_free(doc);
    cn_buf_free(&out);

    assert_int_equal(cn_yaml_write(&out, want, "kind"), 0);
    assert_int_equal(cn_buf_put(&out, "", 1), 0);
    doc = parse_ok((const char *)out.data);
    got = cn_yaml_doc_root(doc);
    assert_null(json_object_get(got, "kind"));
    assert_int_equal(json_object_size(got), json_object_size(want) - 1);
    cn_yaml_doc_free(doc);
    cn_buf_free(&out);
    json_decref(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_core_schema_typing),
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_number_texts),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_empty_and_scalar_documents),
        cmocka_unit_test(test_write_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
