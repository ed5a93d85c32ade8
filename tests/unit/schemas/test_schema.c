/*
 * test_schema.c - the JSON Schema subset: each keyword, messages and key
 * paths, refusal of keywords outside the subset, $ref, formats.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "schemas/format.h"
#include "schemas/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cn_schema *compile(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);
    cn_schema *s = NULL;
    int err;

    assert_non_null(j);
    err = cn_schema_compile(&s, j, 0);
    if (err != 0)
        fprintf(stderr, "compile: %s\n", cn_error_message());
    assert_int_equal(err, 0);
    json_decref(j);
    return s;
}

/* Validate instance (JSON text); returns the number of errors, and the first
 * error's path and message through the out parameters when wanted. */
static size_t check(const cn_schema *s, const char *instance, const char *path,
                    const char *message_part)
{
    cn_diagnostics d = CN_DIAGNOSTICS_INIT;
    json_error_t jerr;
    json_t *j = json_loads(instance, JSON_DECODE_ANY, &jerr);
    size_t n;
    int err;

    assert_non_null(j);
    err = cn_schema_validate(s, j, &d);
    n = cn_diagnostics_errors(&d);
    assert_int_equal(err, n ? CN_EINVAL : 0);
    /* The verdict without collecting is the same. */
    assert_int_equal(cn_schema_validate(s, j, NULL), err);
    if (path != NULL) {
        assert_true(n > 0);
        assert_string_equal(d.items[0].path, path);
        if (strstr(d.items[0].message, message_part) == NULL)
            fail_msg("message '%s' lacks '%s'", d.items[0].message, message_part);
    }
    cn_diagnostics_free(&d);
    json_decref(j);
    return n;
}

static void refused(const char *text, int code, const char *message_part)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);
    cn_schema *s = NULL;

    assert_non_null(j);
    assert_int_equal(cn_schema_compile(&s, j, 0), code);
    assert_null(s);
    if (strstr(cn_error_message(), message_part) == NULL)
        fail_msg("message '%s' lacks '%s'", cn_error_message(), message_part);
    json_decref(j);
}

static void test_type_enum_const(void **state)
{
    cn_schema *s = compile("{\"properties\": {\"a\": {\"type\": \"string\"},"
                           "\"b\": {\"type\": [\"integer\", \"null\"]},"
                           "\"c\": {\"enum\": [\"x\", 1]}, \"d\": {\"const\": 2}}}");

    (void)state;
    assert_int_equal(check(s, "{\"a\": \"s\", \"b\": null, \"c\": 1, \"d\": 2.0}", NULL, NULL), 0);
    assert_int_equal(check(s, "{\"b\": 3.0}", NULL, NULL), 0); /* 3.0 is an integer */
    check(s, "{\"a\": 5}", "a", "expected string, got integer");
    check(s, "{\"b\": 1.5}", "b", "expected integer or null, got number");
    check(s, "{\"c\": \"y\"}", "c", "must be one of: \"x\", 1");
    check(s, "{\"d\": 3}", "d", "must be 2");
    assert_int_equal(check(s, "{\"a\": 1, \"b\": \"\", \"c\": 2, \"d\": 1}", NULL, NULL), 4);
    cn_schema_free(s);
}

static void test_unknown_key_hints(void **state)
{
    cn_schema *s =
        compile("{\"type\": \"object\", \"additionalProperties\": false,"
                "\"properties\": {\"title\": {}, \"maintenance\": {\"type\": \"object\","
                "\"properties\": {\"contacts\": {}}, \"additionalProperties\": false}}}");

    (void)state;
    check(s, "{\"titel\": 1}", "titel", "unknown key 'titel'; did you mean 'title'?");
    check(s, "{\"Title\": 1}", "Title", "unknown key 'Title'; did you mean 'title'?");
    check(s, "{\"contacts\": 1}", "contacts",
          "unknown key 'contacts' here; it belongs under 'maintenance'");
    check(s, "{\"maintenance\": {\"title\": 1}}", "maintenance.title",
          "unknown key 'title' here; it belongs at the top level");
    check(s, "{\"maintenance\": {\"Contacts\": 1}}", "maintenance.Contacts",
          "did you mean 'contacts'?");
    check(s, "{\"creationDate\": 1}", "creationDate", "unknown key 'creationDate'");
    cn_schema_free(s);
}

static void test_objects(void **state)
{
    cn_schema *s = compile("{\"type\": \"object\", \"required\": [\"name\"], \"minProperties\": 1,"
                           "\"maxProperties\": 3, \"properties\": {\"name\": {\"minLength\": 2}},"
                           "\"patternProperties\": {\"^x-\": {\"type\": \"integer\"}},"
                           "\"additionalProperties\": false}");

    (void)state;
    assert_int_equal(check(s, "{\"name\": \"ab\", \"x-1\": 3}", NULL, NULL), 0);
    check(s, "{\"x-a\": 1}", "", "required key 'name' is missing");
    check(s, "{\"name\": \"ab\", \"foo\": 1}", "foo", "unknown key 'foo'");
    check(s, "{\"name\": \"ab\", \"x-b\": \"s\"}", "[x-b]", "expected integer");
    check(s, "{\"name\": \"ab\", \"x-1\": 1, \"x-2\": 2, \"x-3\": 3}", "", "at most 3 keys");
    check(s, "{\"name\": \"a\"}", "name", "at least 2 characters");
    check(s, "[]", "", "expected object, got array");
    cn_schema_free(s);
    /* Keys that are not letters are written in brackets. */
    s = compile("{\"additionalProperties\": {\"properties\": {\"v\": {\"type\": \"string\"}}}}");
    check(s, "{\"en-US\": {\"v\": 1}}", "[en-US].v", "expected string");
    cn_schema_free(s);
}

static void test_strings_count_code_points(void **state)
{
    cn_schema *s =
        compile("{\"minLength\": 3, \"maxLength\": 3, \"pattern\": \"^\\\\p{Letter}+$\"}");

    (void)state;
    assert_int_equal(check(s, "\"\\u00e4\\u00f6\\u00fc\"", NULL, NULL), 0); /* 3 chars, 6 bytes */
    check(s, "\"ab\"", "", "at least 3 characters long (is 2)");
    check(s, "\"abcd\"", "", "at most 3 characters long (is 4)");
    check(s, "\"a1b\"", "", "does not match");
    assert_int_equal(check(s, "5", NULL, NULL), 0); /* not a string: not checked */
    cn_schema_free(s);
}

static void test_numbers(void **state)
{
    cn_schema *s = compile("{\"minimum\": 1, \"maximum\": 10, \"exclusiveMinimum\": 0.5,"
                           "\"exclusiveMaximum\": 9.5}");

    (void)state;
    assert_int_equal(check(s, "1", NULL, NULL), 0);
    assert_int_equal(check(s, "9.4", NULL, NULL), 0);
    check(s, "0", "", "must be >= 1");
    check(s, "9.5", "", "must be < 9.5");
    cn_schema_free(s);
}

static void test_arrays(void **state)
{
    cn_schema *s =
        compile("{\"prefixItems\": [{\"type\": \"string\"}], \"items\": {\"type\": "
                "\"integer\"}, \"minItems\": 1, \"maxItems\": 3, \"uniqueItems\": true}");

    (void)state;
    assert_int_equal(check(s, "[\"a\", 1, 2]", NULL, NULL), 0);
    check(s, "[]", "", "at least 1 item");
    check(s, "[\"a\", 1, 2, 3]", "", "at most 3 items");
    check(s, "[\"a\", 1, 1.0]", "", "items 1 and 2 are equal");
    check(s, "[1]", "[0]", "expected string");
    check(s, "[\"a\", \"b\"]", "[1]", "expected integer");
    cn_schema_free(s);
}

static void test_combinators(void **state)
{
    cn_schema *s = compile(
        "{\"properties\": {"
        "\"any\": {\"anyOf\": [{\"type\": \"string\"}, {\"type\": \"integer\"}]},"
        "\"one\": {\"oneOf\": [{\"minimum\": 1}, {\"maximum\": 5}]},"
        "\"all\": {\"allOf\": [{\"minimum\": 1}, {\"maximum\": 5}]},"
        "\"not\": {\"not\": {\"title\": \"a negative number\", \"maximum\": -1}},"
        "\"cond\": {\"if\": {\"properties\": {\"t\": {\"const\": \"c\"}}, \"required\": [\"t\"]},"
        "          \"then\": {\"required\": [\"contractors\"]},"
        "          \"else\": {\"properties\": {\"contractors\": false}}}}}");

    (void)state;
    check(s, "{\"any\": true}", "any", "at least one of 2 alternatives");
    check(s, "{\"one\": 3}", "one", "exactly one of 2 alternatives (matches 2)");
    assert_int_equal(check(s, "{\"one\": 7}", NULL, NULL), 0);
    check(s, "{\"all\": 7}", "all", "must be <= 5");
    check(s, "{\"not\": -3}", "not", "must not have a negative number");
    check(s, "{\"cond\": {\"t\": \"c\"}}", "cond", "required key 'contractors'");
    check(s, "{\"cond\": {\"t\": \"x\", \"contractors\": []}}", "cond.contractors",
          "key is allowed only when 't' is \"c\" (here \"x\")");
    assert_int_equal(check(s, "{\"cond\": {\"t\": \"c\", \"contractors\": []}}", NULL, NULL), 0);
    cn_schema_free(s);
}

static void test_refs(void **state)
{
    cn_schema *s = compile("{\"$id\": \"https://example.org/root.json\","
                           "\"properties\": {\"a\": {\"$ref\": \"#/$defs/slug\"},"
                           "                 \"b\": {\"$ref\": \"other.json\"},"
                           "                 \"c\": {\"$ref\": \"#/$defs/tilde~0and~1slash\"},"
                           "                 \"tree\": {\"$ref\": \"#\"}},"
                           "\"$defs\": {\"slug\": {\"pattern\": \"^[a-z]+$\"},"
                           "            \"tilde~and/slash\": {\"type\": \"boolean\"},"
                           "            \"o\": {\"$id\": \"other.json\", \"type\": \"integer\"}}}");

    (void)state;
    assert_int_equal(
        check(s, "{\"a\": \"abc\", \"b\": 1, \"c\": true, \"tree\": {\"a\": \"x\"}}", NULL, NULL),
        0);
    check(s, "{\"a\": \"A\"}", "a", "does not match");
    check(s, "{\"b\": \"1\"}", "b", "expected integer");
    check(s, "{\"c\": 1}", "c", "expected boolean");
    check(s, "{\"tree\": {\"tree\": {\"a\": \"B\"}}}", "tree.tree.a", "does not match");
    cn_schema_free(s);
    refused("{\"$ref\": \"https://example.org/elsewhere.json\"}", CN_EUNSUPPORTED,
            "names another document");
    refused("{\"$ref\": \"#/$defs/missing\"}", CN_EINVAL, "does not resolve");
}

static void test_refusals(void **state)
{
    (void)state;
    refused("{\"multipleOf\": 2}", CN_EUNSUPPORTED, "unsupported keyword 'multipleOf'");
    refused("{\"properties\": {\"a\": {\"items\": {\"unevaluatedProperties\": false}}}}",
            CN_EUNSUPPORTED, "#/properties/a/items: unsupported keyword 'unevaluatedProperties'");
    refused("{\"allOf\": [true, {\"$anchor\": \"x\"}]}", CN_EUNSUPPORTED, "#/allOf/1");
    refused("{\"format\": \"ipv4\"}", CN_EUNSUPPORTED, "unsupported format 'ipv4'");
    refused("{\"$schema\": \"http://json-schema.org/draft-07/schema#\"}", CN_EUNSUPPORTED,
            "unsupported dialect");
    refused("{\"pattern\": \"([a-z\"}", CN_EINVAL, "bad regular expression");
    refused("{\"minLength\": -1}", CN_EINVAL, "non-negative integer");
    refused("{\"type\": \"text\"}", CN_EINVAL, "unknown type");
    refused("{\"allOf\": []}", CN_EINVAL, "non-empty array");
    refused("[]", CN_EINVAL, "object or a boolean");
}

static void test_boolean_schemas_and_deprecated(void **state)
{
    cn_schema *s = compile("true");
    cn_diagnostics d = CN_DIAGNOSTICS_INIT;
    json_t *j;

    (void)state;
    assert_int_equal(check(s, "{\"anything\": 1}", NULL, NULL), 0);
    cn_schema_free(s);
    s = compile("false");
    check(s, "1", "", "not allowed");
    cn_schema_free(s);
    s = compile("{\"properties\": {\"old\": {\"deprecated\": true}}}");
    j = json_pack("{s:i}", "old", 1);
    assert_int_equal(cn_schema_validate(s, j, &d), 0);
    assert_int_equal(d.count, 1);
    assert_true(d.items[0].is_warning);
    assert_string_equal(d.items[0].path, "old");
    json_decref(j);
    cn_diagnostics_free(&d);
    cn_schema_free(s);
}

static void test_formats(void **state)
{
    static const struct {
        const char *format, *value;
        int valid;
    } cases[] = {
        {"date", "2017-04-15", 1},
        {"date", "2021-02-29", 0},
        {"date", "2017-4-15", 0},
        {"date-time", "1998-12-31T23:59:60Z", 1},
        {"date-time", "1998-12-31T22:59:60Z", 0},
        {"date-time", "2020-01-01T10:00:00+01:00", 1},
        {"email", "francesco.rossi@example.org", 1},
        {"email", "te..st@example.com", 0},
        {"email", "joe@[IPv6:::1]", 1},
        {"uri", "https://developers.italia.it", 1},
        {"uri", "urn:x-italian-pa:pcm", 1},
        {"uri", "pcm", 0},
        {"uri", "http://example.com/%6G", 0},
        {"uri-reference", "../a/b?c#d", 1},
        {"uri-reference", "1:b", 0},
        {"spdx-expression", "AGPL-3.0-or-later", 1},
        {"spdx-expression", "MIT OR Apache-2.0", 1},
        {"spdx-expression", "(MIT AND BSD-2-Clause) OR GPL-2.0+", 1},
        {"spdx-expression", "GPL-2.0-or-later WITH Bison-exception-2.2", 1},
        {"spdx-expression", "LicenseRef-city-of-leipzig", 1},
        {"spdx-expression", "mit", 1},
        {"spdx-expression", "Not-A-Licence", 0},
        {"spdx-expression", "MIT OR", 0},
        {"spdx-expression", "(MIT", 0},
        {"spdx-expression", "MIT WITH MIT", 0},
        {"spdx-expression", "", 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = cn_format_check(cases[i].format, cases[i].value, strlen(cases[i].value));
        if (got != cases[i].valid)
            fail_msg("%s '%s': expected %d", cases[i].format, cases[i].value, cases[i].valid);
    }
    assert_true(cn_format_known("spdx-expression"));
    assert_false(cn_format_known("hostname"));
}

static void test_json_equality(void **state)
{
    json_t *a = json_pack("{s:[i,f,s], s:n}", "x", 1, 2.0, "s", "y");
    json_t *b = json_pack("{s:n, s:[f,i,s]}", "y", "x", 1.0, 2, "s");
    json_t *c = json_pack("{s:n, s:[f,i,s]}", "y", "x", 1.5, 2, "s");

    (void)state;
    assert_true(cn_json_schema_equal(a, b));
    assert_false(cn_json_schema_equal(a, c));
    json_decref(a);
    json_decref(b);
    json_decref(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_enum_const),
        cmocka_unit_test(test_objects),
        cmocka_unit_test(test_unknown_key_hints),
        cmocka_unit_test(test_strings_count_code_points),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_arrays),
        cmocka_unit_test(test_combinators),
        cmocka_unit_test(test_refs),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_boolean_schemas_and_deprecated),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_json_equality),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
