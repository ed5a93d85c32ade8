/*
 * test_term.c - escaping text from outside for a terminal (core/term.h):
 * controls, bidirectional marks and broken UTF-8 never pass through; the
 * printf-like formatter escapes its arguments and keeps its own text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/term.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* s (len bytes) escaped, compared with want. */
static void expect_escape(const char *s, size_t len, const char *want)
{
    cn_buf b = CN_BUF_INIT;

    assert_int_equal(cn_term_escape(&b, s, len), 0);
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.data, want, b.len);
    cn_buf_free(&b);
}

#define ESCAPE(lit, want) expect_escape(lit, sizeof(lit) - 1, want)

static void printable_text_passes_unchanged(void **state)
{
    (void)state;
    ESCAPE("", "");
    ESCAPE("Connected Urban Twins", "Connected Urban Twins");
    ESCAPE("M\xc3\xbcnchen \xe2\x9c\x94 \xf0\x9f\x8f\x99 a\\x", "M\xc3\xbcnchen \xe2\x9c\x94 "
                                                                "\xf0\x9f\x8f\x99 a\\x");
    /* U+200D (zero-width joiner) and U+00A0 are not controls. */
    ESCAPE("\xe2\x80\x8d\xc2\xa0", "\xe2\x80\x8d\xc2\xa0");
}

static void c0_controls_and_del_are_escaped(void **state)
{
    (void)state;
    ESCAPE("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07");
    ESCAPE("\x1b[2J\x1b[1A", "\\x1b[2J\\x1b[1A");
    ESCAPE("a\nverified\r\tb", "a\\nverified\\r\\tb");
    ESCAPE("\x7f\x01\x00z", "\\x7f\\x01\\x00z");
}

static void c1_and_bidi_controls_are_escaped(void **state)
{
    (void)state;
    ESCAPE("\xc2\x80\xc2\x9b"
           "2J\xc2\x9f",
           "\\u0080\\u009B2J\\u009F");
    ESCAPE("gnp\xe2\x80\xae.exe", "gnp\\u202E.exe");
    ESCAPE("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad", "\\u202A\\u202B\\u202C\\u202D");
    ESCAPE("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", "\\u2066\\u2067\\u2068\\u2069");
    ESCAPE("\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", "\\u200E\\u200F\\u061C");
}

static void broken_utf8_becomes_replacement_characters(void **state)
{
    (void)state;
    /* A lone continuation byte, a Latin-1 byte, a cut sequence at the end. */
    ESCAPE("a\x80"
           "b",
           "a\xef\xbf\xbd"
           "b");
    ESCAPE("caf\xe9", "caf\xef\xbf\xbd");
    ESCAPE("\xe2\x80", "\xef\xbf\xbd\xef\xbf\xbd");
    /* ESC written overlong in two and in three bytes: never decoded into
     * the control it hides. */
    ESCAPE("\xc0\x9b", "\xef\xbf\xbd\xef\xbf\xbd");
    ESCAPE("\xe0\x80\x9b", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    /* A surrogate and a code point past U+10FFFF. */
    ESCAPE("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    ESCAPE("\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

static void expect_format(const char *want, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void expect_format(const char *want, const char *fmt, ...)
{
    cn_buf b = CN_BUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    assert_int_equal(cn_term_vformat(&b, fmt, ap), 0);
    va_end(ap);
    assert_string_equal(b.len ? (const char *)b.data : "", want);
    cn_buf_free(&b);
}

static void format_escapes_arguments_and_keeps_its_own_text(void **state)
{
    (void)state;
    expect_format("title:    Twins\\x1b[2J\\n\xe2\x9c\x94 verified\n", "title:    %s\n",
                  "Twins\x1b[2J\n\xe2\x9c\x94 verified");
    expect_format("100% \\x07 x\n", "100%% %c %s\n", '\a', "x");
    /* Widths pad the escaped text; precisions cut whole characters. */
    expect_format("[ab   ][   ab]", "[%-5s][%5s]", "ab", "ab");
    expect_format("[\\x1bx]", "[%3s]", "\x1bx");
    expect_format("abcdef123456|M", "%.12s|%.2s", "abcdef1234567890", "M\xc3\xbc");
    expect_format("[ab   ]", "[%-*s]", 5, "ab");
    expect_format("[x]", "[%.*s]", 1, "xyz");
}

static void format_passes_numbers_to_printf(void **state)
{
    (void)state;
    expect_format("-7 42 ff 0X1F 17 3.50", "%d %zu %x %#X %o %.2f", -7, (size_t)42, 255u, 31u, 15u,
                  3.5);
    expect_format("18446744073709551615 -9 -1 255", "%llu %ld %hhd %hhu", 18446744073709551615ull,
                  -9l, (signed char)-1, (unsigned char)255);
    expect_format("   12|12   |0012", "%5lld|%-5jd|%04d", 12ll, (intmax_t)12, 12);
}

/* %n would write through an argument: refused, nothing printed. The format
 * is a variable so that the compiler's own check lets it by. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"
static void format_refuses_what_it_cannot_escape(void **state)
{
    const char *fmt = "%n";
    int n = 0;

    (void)state;
    assert_int_equal(cn_term_fprintf(stdout, fmt, &n), CN_EINVAL);
    assert_non_null(strstr(cn_error_message(), "'%n'"));
    cn_error_clear();
}
#pragma GCC diagnostic pop

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(printable_text_passes_unchanged),
        cmocka_unit_test(c0_controls_and_del_are_escaped),
        cmocka_unit_test(c1_and_bidi_controls_are_escaped),
        cmocka_unit_test(broken_utf8_becomes_replacement_characters),
        cmocka_unit_test(format_escapes_arguments_and_keeps_its_own_text),
        cmocka_unit_test(format_passes_numbers_to_printf),
        cmocka_unit_test(format_refuses_what_it_cannot_escape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
