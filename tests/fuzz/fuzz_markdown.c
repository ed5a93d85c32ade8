/*
 * fuzz_markdown.c - libFuzzer harness for core/markdown.h.
 *
 * The input is any README a publisher could write. Whatever it is, the
 * HTML must hold no raw HTML element a page could run (no <script, no
 * event handler attribute: cmark's safe mode writes no tag it did not
 * make) and no javascript: URL; and the input taken as a link's URL is
 * either left alone or rewritten below the version's files, never above.
 */
#include "core/markdown.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BASE "/download/n/i/1.0.0/files/"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 if the segment s (n bytes) is ".." spelt with '.' and "%2e". */
static int dot_dot(const char *s, size_t n)
{
    int dots = 0;

    while (n > 0) {
        if (*s == '.')
            s++, n--;
        else if (n >= 3 && s[0] == '%' && s[1] == '2' && (s[2] == 'e' || s[2] == 'E'))
            s += 3, n -= 3;
        else
            return 0;
        dots++;
    }
    return dots == 2;
}

/* Abort if a tag of html is one a page could run, or has an event handler
 * attribute or a javascript: URL in href or src (attribute values, in
 * double quotes, are skipped when looking for attribute names: alt text
 * may say " onload=" or "javascript:").
 */
static void check_html(const char *html)
{
    for (const char *lt = html; (lt = strchr(lt, '<')) != NULL; lt++) {
        int quoted = 0;

        if (strncasecmp(lt, "<script", 7) == 0 || strncasecmp(lt, "<iframe", 7) == 0 ||
            strncasecmp(lt, "<svg", 4) == 0 || strncasecmp(lt, "<object", 7) == 0)
            abort();
        for (const char *p = lt + 1; *p && (quoted || *p != '>'); p++) {
            if (*p == '"') {
                /* a URL attribute's value; alt text may say anything */
                if (!quoted && strncasecmp(p + 1, "javascript:", 11) == 0 &&
                    ((p - lt >= 5 && strncasecmp(p - 5, "href=", 5) == 0) ||
                     (p - lt >= 4 && strncasecmp(p - 4, "src=", 4) == 0)))
                    abort();
                quoted = !quoted;
            } else if (!quoted && strncasecmp(p, " on", 3) == 0) {
                size_t k = strspn(p + 3, "abcdefghijklmnopqrstuvwxyz");
                if (k > 0 && p[3 + k] == '=')
                    abort();
            }
        }
    }
}

static void check_url(const uint8_t *data, size_t size)
{
    char *url = malloc(size + 1), *out = NULL;
    const char *p;

    if (url == NULL)
        abort();
    memcpy(url, data, size);
    url[size] = '\0';
    if (cn_markdown_rewrite_url(&out, url, BASE, "docs") != 0)
        abort();
    if (out != NULL && strcmp(out, "#") != 0) {
        if (strncmp(out, BASE, strlen(BASE)) != 0)
            abort();
        for (p = out + strlen(BASE); *p && *p != '#';) {
            size_t n = strcspn(p, "/#");
            if (dot_dot(p, n))
                abort();
            p += n;
            if (*p == '/')
                p++;
        }
    }
    free(out);
    free(url);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *html = NULL;
    int truncated;

    if (cn_markdown_render(&html, &truncated, (const char *)data, size, BASE, "docs") != 0 ||
        html == NULL)
        abort();
    check_html(html);
    free(html);
    check_url(data, size);
    return 0;
}
