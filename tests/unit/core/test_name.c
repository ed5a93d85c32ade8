/*
 * test_name.c - ids derived from names: the cases of tests/data/names/ids.tsv
 * (a name, a tab, the id cn_name_slugify derives), and the rule before
 * transliteration that keeps ids already published.
 */
#include "core/error.h"
#include "core/name.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static void ids_of_tsv(void **state)
{
    char line[512], slug[CN_SLUG_MAX + 1];
    FILE *f = fopen(CN_TEST_DATA "/names/ids.tsv", "r");
    unsigned cases = 0;

    (void)state;
    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');
        if (line[0] == '#' || line[0] == '\n')
            continue;
        assert_non_null(tab);
        if (nl)
            *nl = '\0';
        *tab = '\0';
        if (cn_name_slugify(slug, line) != 0)
            fail_msg("'%s': %s", line, cn_error_message());
        if (strcmp(slug, tab + 1) != 0)
            fail_msg("'%s' became '%s', not '%s'", line, slug, tab + 1);
        assert_int_equal(cn_name_check_slug(slug), 0);
        cases++;
    }
    fclose(f);
    assert_true(cases >= 25);
}

static void ids_bounds(void **state)
{
    char slug[CN_SLUG_MAX + 1], text[400];
    size_t i;

    (void)state;
    assert_int_equal(cn_name_slugify(slug, "§$% ×÷"), CN_EINVAL);
    assert_int_equal(cn_name_slugify(slug, "東京"), CN_EINVAL);
    /* Bytes that are no UTF-8 (a lone continuation byte, an overlong
     * form, a surrogate, a cut sequence) separate words like symbols. */
    assert_int_equal(cn_name_slugify(slug, "a\x80z\xc0\xafq\xed\xa0\x80r\xc3"), 0);
    assert_string_equal(slug, "a-z-q-r");
    /* 100 umlauts: cut at 63 letters */
    for (i = 0; i < 100; i++)
        memcpy(text + 2 * i, "\xc3\xa4", 2);
    text[200] = '\0';
    assert_int_equal(cn_name_slugify(slug, text), 0);
    assert_int_equal(strlen(slug), CN_SLUG_MAX);
    assert_int_equal(cn_name_check_slug(slug), 0);
    /* words: no trailing dash at the cut */
    for (i = 0; i < 130; i++)
        memcpy(text + 3 * i, "\xc3\x9f ", 3);
    text[390] = '\0';
    assert_int_equal(cn_name_slugify(slug, text), 0);
    assert_int_equal(cn_name_check_slug(slug), 0);
    assert_true(slug[strlen(slug) - 1] != '-');
}

static void ascii_rule_of_old_ids(void **state)
{
    char slug[CN_SLUG_MAX + 1];

    (void)state;
    assert_int_equal(cn_name_slugify_ascii(slug, "Mängelmelder"), 0);
    assert_string_equal(slug, "m-ngelmelder");
    assert_int_equal(cn_name_slugify_ascii(slug, "Straßen-Beleuchtung"), 0);
    assert_string_equal(slug, "stra-en-beleuchtung");
    assert_int_equal(cn_name_slugify_ascii(slug, "  Connected Urban Twins (CUT)! "), 0);
    assert_string_equal(slug, "connected-urban-twins-cut");
    assert_int_equal(cn_name_slugify_ascii(slug, "東京"), CN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ids_of_tsv),
        cmocka_unit_test(ids_bounds),
        cmocka_unit_test(ascii_rule_of_old_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
