/*
 * test_markdown.c - a README as HTML for the registry's page
 * (core/markdown.h): raw HTML and script URLs never come through, relative
 * links and images point at the version's files and cannot climb out of
 * the tree, and hostile input (huge lines, deep nesting, broken UTF-8)
 * stays bounded and well-formed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/markdown.h"

#include <stdlib.h>
#include <string.h>

#define BASE "/download/n/i/1.0.0/files/"

static char *render(const char *md, const char *dir, int *truncated)
{
    char *html = NULL;
    int t = -1;

    assert_int_equal(cn_markdown_render(&html, &t, md, strlen(md), BASE, dir), 0);
    assert_non_null(html);
    if (truncated != NULL)
        *truncated = t;
    return html;
}

static void expect_url(const char *url, const char *dir, const char *want)
{
    char *out = NULL;

    assert_int_equal(cn_markdown_rewrite_url(&out, url, BASE, dir), 0);
    if (want == NULL)
        assert_null(out);
    else
        assert_string_equal(out, want);
    free(out);
}

static void test_raw_html_is_omitted(void **state)
{
    char *html;

    (void)state;
    html = render("# Title\n\n<script>alert(1)</script>\n\ntext <img src=x onerror=alert(1)> "
                  "and <b onclick=\"x()\">bold</b>\n",
                  "", NULL);
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "onerror"));
    assert_null(strstr(html, "onclick"));
    assert_null(strstr(html, "<b "));
    assert_non_null(strstr(html, "<h1>Title</h1>"));
    assert_non_null(strstr(html, "raw HTML omitted"));
    free(html);
}

static void test_script_urls_are_dropped(void **state)
{
    char *html;

    (void)state;
    html = render("[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](vbscript:x) "
                  "[d](data:text/html,<script>x</script>) ![e](javascript:alert(1)) "
                  "[f](https://example.org/x) <javascript:alert(1)>\n",
                  "", NULL);
    /* the URLs are gone; an autolink's text stays, as text */
    assert_null(strstr(html, "=\"javascript:"));
    assert_null(strstr(html, "=\"JaVaScRiPt:"));
    assert_null(strstr(html, "=\"vbscript:"));
    assert_null(strstr(html, "=\"data:text/html"));
    assert_non_null(strstr(html, "<a href=\"\">a</a>"));
    assert_non_null(strstr(html, "<img src=\"\" alt=\"e\" />"));
    assert_non_null(strstr(html, "<a href=\"https://example.org/x\">f</a>"));
    free(html);
}

static void test_relative_urls_point_at_the_files(void **state)
{
    char *html;

    (void)state;
    html = render("![shot](img/a.png) [data](./data/x.csv#top) [up](../README.md)\n", "docs", NULL);
    assert_non_null(strstr(html, "<img src=\"" BASE "docs/img/a.png\" alt=\"shot\" />"));
    assert_non_null(strstr(html, "<a href=\"" BASE "docs/data/x.csv#top\">data</a>"));
    assert_non_null(strstr(html, "<a href=\"" BASE "README.md\">up</a>"));
    free(html);
    /* a space in a path is escaped by cmark, never a broken attribute */
    html = render("[q](<my file\".csv>)\n", "", NULL);
    assert_non_null(strstr(html, "<a href=\"" BASE "my%20file%22.csv\">q</a>"));
    free(html);
}

static void test_urls_rewritten_or_left(void **state)
{
    (void)state;
    expect_url("a.png", "", BASE "a.png");
    expect_url("a/b/../c.png", "", BASE "a/c.png");
    expect_url("./a//b.png", "d", BASE "d/a/b.png");
    expect_url("x.md?raw=1#sec", "", BASE "x.md#sec");
    expect_url("sub/", "", BASE "sub/");
    /* out of the tree: "#", also spelt with %2e */
    expect_url("../x", "", "#");
    expect_url("a/../../x", "", "#");
    expect_url("%2e%2e/x", "", "#");
    expect_url(".%2E/secret", "", "#");
    expect_url("%2e%2e/%2e%2E/x", "d", "#");
    expect_url("d/%2e%2e/%2e%2e/x", "d", BASE "x");
    expect_url("d/%2e%2e/x", "", BASE "x");
    /* "..." is a name, not a step up */
    expect_url(".../x", "", BASE ".../x");
    /* left as they are */
    expect_url("https://example.org/a.png", "", NULL);
    expect_url("mailto:a@b.c", "", NULL);
    expect_url("/download/other", "", NULL);
    expect_url("//cdn.example/x", "", NULL);
    expect_url("#anchor", "", NULL);
    expect_url("?q", "", NULL);
    expect_url("", "", NULL);
}

static void test_hostile_input_stays_bounded(void **state)
{
    size_t n = CN_MARKDOWN_READ_MAX + 100000;
    char *md = malloc(n + 1), *html = NULL;
    int truncated = 0;

    (void)state;
    /* one huge line: cut at the bound, the cut said */
    memset(md, 'x', n);
    md[n] = '\0';
    assert_int_equal(cn_markdown_render(&html, &truncated, md, n, BASE, ""), 0);
    assert_true(truncated);
    assert_true(strlen(html) < CN_MARKDOWN_READ_MAX + 100);
    free(html);
    /* deep nesting of quotes and lists */
    for (size_t i = 0; i < n; i++)
        md[i] = i % 2 ? ' ' : '>';
    assert_int_equal(cn_markdown_render(&html, &truncated, md, n, BASE, ""), 0);
    free(html);
    /* many links: every one rewritten */
    for (size_t i = 0; i + 8 <= n; i += 8)
        memcpy(md + i, "[a](b)\n\n", 8);
    assert_int_equal(cn_markdown_render(&html, &truncated, md, n, BASE, ""), 0);
    assert_null(strstr(html, "href=\"b\""));
    free(html);
    /* broken UTF-8 becomes U+FFFD */
    html = render("caf\xE9 \xC0\xAF \xED\xA0\x80\n", "", NULL);
    assert_non_null(strstr(html, "caf\xEF\xBF\xBD"));
    assert_null(strstr(html, "\xC0\xAF"));
    free(html);
    /* a NUL byte in the text */
    assert_int_equal(cn_markdown_render(&html, &truncated, "a\0<script>", 10, BASE, ""), 0);
    assert_null(strstr(html, "<script"));
    free(html);
    free(md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raw_html_is_omitted),
        cmocka_unit_test(test_script_urls_are_dropped),
        cmocka_unit_test(test_relative_urls_point_at_the_files),
        cmocka_unit_test(test_urls_rewritten_or_left),
        cmocka_unit_test(test_hostile_input_stays_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
