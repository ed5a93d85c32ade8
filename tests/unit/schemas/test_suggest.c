/*
 * test_suggest.c - "did you mean": nearest words, licence names to SPDX ids,
 * day-first dates to ISO dates, words people write for booleans.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "schemas/suggest.h"
#include <string.h>

/* The suggestion for word among the NULL-terminated candidates, or NULL. */
static const char *nearest(const char *word, const char *const *candidates)
{
    cn_suggestion s = CN_SUGGESTION_INIT(word);

    for (; *candidates; candidates++)
        cn_suggest_consider(&s, *candidates);
    return s.best;
}

static void test_nearest_word(void **state)
{
    static const char *const keys[] = {"name",  "url", "landingURL", "softwareVersion",
                                       "title", "uri", NULL};
    static const char *const cats[] = {"it-security",     "it-development", "data-analytics",
                                       "data-collection", "collaboration",  NULL};

    (void)state;
    assert_string_equal(nearest("landingUrl", keys), "landingURL"); /* case first */
    assert_string_equal(nearest("softwareVersoin", keys), "softwareVersion");
    assert_string_equal(nearest("titel", keys), "title");
    assert_string_equal(nearest("URL", keys), "url");
    assert_null(nearest("creationDate", keys));
    assert_null(nearest("id", keys));   /* short words: case only */
    assert_null(nearest("name", keys)); /* the word itself is no suggestion */
    assert_string_equal(nearest("colaboration", cats), "collaboration");
    assert_string_equal(nearest("security", cats), "it-security"); /* one part of one value */
    assert_null(nearest("data", cats));                            /* part of two: no guess */
}

static void test_licence_names(void **state)
{
    (void)state;
    assert_string_equal(cn_suggest_spdx("EUPL 1.2"), "EUPL-1.2");
    assert_string_equal(cn_suggest_spdx("Apache License, Version 2.0"), "Apache-2.0");
    assert_string_equal(cn_suggest_spdx("apache 2"), "Apache-2.0");
    assert_string_equal(cn_suggest_spdx("GPLv3"), "GPL-3.0");
    assert_string_equal(cn_suggest_spdx("AGPL v3"), "AGPL-3.0");
    assert_string_equal(cn_suggest_spdx("mit license"), "MIT");
    assert_null(cn_suggest_spdx("Free for cities"));
    assert_null(cn_suggest_spdx("XXXXXXXXX"));
    assert_null(cn_suggest_spdx(""));
}

static void test_day_first_dates(void **state)
{
    char iso[11];

    (void)state;
    assert_true(cn_suggest_iso_date(iso, "07.12.2024"));
    assert_string_equal(iso, "2024-12-07");
    assert_true(cn_suggest_iso_date(iso, "1/4/2019"));
    assert_string_equal(iso, "2019-04-01");
    assert_true(cn_suggest_iso_date(iso, "29-02-2024"));
    assert_string_equal(iso, "2024-02-29");
    assert_false(cn_suggest_iso_date(iso, "29.02.2023")); /* no such day */
    assert_false(cn_suggest_iso_date(iso, "07.12/2024")); /* mixed separators */
    assert_false(cn_suggest_iso_date(iso, "07.12.24"));   /* two-digit year */
    assert_false(cn_suggest_iso_date(iso, "07.12.20245"));
    assert_false(cn_suggest_iso_date(iso, "2024-12-07"));
    assert_false(cn_suggest_iso_date(iso, "December 2024"));
}

static void test_boolean_words(void **state)
{
    (void)state;
    assert_int_equal(cn_suggest_is_boolean_word("yes"), 1);
    assert_int_equal(cn_suggest_is_boolean_word("No"), 2);
    assert_int_equal(cn_suggest_is_boolean_word("ja"), 1);
    assert_int_equal(cn_suggest_is_boolean_word("ON"), 1);
    assert_int_equal(cn_suggest_is_boolean_word("nein"), 2);
    assert_int_equal(cn_suggest_is_boolean_word("maybe"), 0);
    assert_int_equal(cn_suggest_is_boolean_word(""), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nearest_word),
        cmocka_unit_test(test_licence_names),
        cmocka_unit_test(test_day_first_dates),
        cmocka_unit_test(test_boolean_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
