/*
 * test_xml.c - text from outside written into XML (core/xml.h): markup
 * characters escaped, and what XML 1.0 cannot carry (controls, U+FFFE,
 * broken UTF-8) replaced, so that no manifest can make a feed ill-formed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/xml.h"

#include <string.h>

#define FFFD "\xEF\xBF\xBD"

/* s (len bytes) escaped (as an attribute when attr), compared with want. */
static void expect_xml(const char *s, size_t len, int attr, const char *want)
{
    cn_buf b = CN_BUF_INIT;

    assert_int_equal(cn_xml_escape(&b, s, len, attr), 0);
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.data, want, b.len);
    cn_buf_free(&b);
}

static void test_markup_is_escaped(void **state)
{
    (void)state;
    expect_xml("a < b & c > d", 13, 0, "a &lt; b &amp; c &gt; d");
    expect_xml("<script>\"x\"</script>", 20, 0, "&lt;script&gt;&quot;x&quot;&lt;/script&gt;");
    expect_xml("]]>", 3, 0, "]]&gt;");
    expect_xml("'", 1, 1, "'"); /* attributes are quoted with '"' */
    expect_xml("", 0, 0, "");
}

static void test_text_passes_unchanged(void **state)
{
    (void)state;
    expect_xml("Mobilität in Straße", strlen("Mobilität in Straße"), 0, "Mobilität in Straße");
    expect_xml("\xF0\x9F\x9A\xB2 bike", 9, 0, "\xF0\x9F\x9A\xB2 bike"); /* U+1F6B2 */
    expect_xml("line\nnext\ttab", 13, 0, "line\nnext\ttab");
    expect_xml("\xC2\x85", 2, 0, "\xC2\x85"); /* U+0085 is an XML 1.0 Char */
}

static void test_white_space_in_attributes(void **state)
{
    (void)state;
    expect_xml("a\nb\tc\rd", 7, 1, "a&#10;b&#9;c&#13;d");
    expect_xml("a\rb", 3, 0, "a&#13;b"); /* a parser would turn a bare CR into LF */
}

static void test_what_xml_cannot_carry_is_replaced(void **state)
{
    (void)state;
    expect_xml("a\x01z", 3, 0, "a" FFFD "z");
    expect_xml("\x1b[2J", 4, 0, FFFD "[2J");
    expect_xml("nul\0byte", 8, 0, "nul" FFFD "byte");
    expect_xml("\xEF\xBF\xBE\xEF\xBF\xBF", 6, 0, FFFD FFFD);   /* U+FFFE, U+FFFF */
    expect_xml("\xC0\xBC", 2, 0, FFFD FFFD);                   /* overlong '<' */
    expect_xml("\xED\xA0\x80", 3, 0, FFFD FFFD FFFD);          /* a surrogate */
    expect_xml("\xF4\x90\x80\x80", 4, 0, FFFD FFFD FFFD FFFD); /* past U+10FFFF */
    expect_xml("cut \xE2\x82", 6, 0, "cut " FFFD FFFD);
    expect_xml("\xFF<", 2, 0, FFFD "&lt;");
}

static void test_puts(void **state)
{
    cn_buf b = CN_BUF_INIT;

    (void)state;
    assert_int_equal(cn_xml_puts(&b, NULL, 0), 0);
    assert_int_equal(b.len, 0);
    assert_int_equal(cn_xml_puts(&b, "a&b", 1), 0);
    assert_int_equal(b.len, 7);
    assert_memory_equal(b.data, "a&amp;b", 7);
    cn_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_markup_is_escaped),
        cmocka_unit_test(test_text_passes_unchanged),
        cmocka_unit_test(test_white_space_in_attributes),
        cmocka_unit_test(test_what_xml_cannot_carry_is_replaced),
        cmocka_unit_test(test_puts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
