/*
 * markdown.c - a Markdown file as safe HTML with its relative links and
 * images pointed at the version's files (core/markdown.h), by cmark.
 */
#include "core/markdown.h"
#include "core/buf.h"
#include "core/error.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>

#define CUT_WINDOW 4096 /* bytes before the cut searched for a line break */

/* 1 if url starts with a scheme ("https:", "mailto:"): RFC 3986 §3.1. */
static int has_scheme(const char *url)
{
    const char *p = url;

    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
        return 0;
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
           *p == '+' || *p == '-' || *p == '.')
        p++;
    return *p == ':';
}

/* The segment s (n bytes) is "." or "..", in any mix of '.' and "%2e"
 * (a browser resolves "%2e%2e" as ".." too): its number of dots, else 0. */
static int dot_segment(const char *s, size_t n)
{
    int dots = 0;

    while (n > 0) {
        if (*s == '.') {
            s++, n--;
        } else if (n >= 3 && s[0] == '%' && s[1] == '2' && (s[2] == 'e' || s[2] == 'E')) {
            s += 3, n -= 3;
        } else {
            return 0;
        }
        if (++dots > 2)
            return 0;
    }
    return dots;
}

/* Drop the last segment of path ("a/b/" -> "a/"); -1 if there is none. */
static int pop_segment(cn_buf *path)
{
    size_t n = path->len;

    if (n == 0)
        return -1;
    n--; /* the segment's own '/' */
    while (n > 0 && path->data[n - 1] != '/')
        n--;
    path->len = n;
    path->data[n] = '\0';
    return 0;
}

int cn_markdown_rewrite_url(char **out, const char *url, const char *base, const char *dir)
{
    cn_buf path = CN_BUF_INIT;
    const char *p = url, *frag, *end;
    int err = 0, escapes = 0, trailing = 0;

    *out = NULL;
    if (*url == '\0' || *url == '/' || *url == '#' || *url == '?' || has_scheme(url))
        return 0;
    frag = strchr(url, '#');
    end = url + strcspn(url, "?#");
    if (*dir != '\0')
        err = cn_buf_printf(&path, "%s/", dir);
    while (err == 0 && p < end) {
        size_t n = strcspn(p, "/?#");
        int dots;
        if (p + n > end)
            n = (size_t)(end - p);
        dots = dot_segment(p, n);
        trailing = n == 0 || dots > 0;
        if (dots == 2)
            escapes = pop_segment(&path) != 0;
        else if (n > 0 && dots == 0)
            err = cn_buf_printf(&path, "%.*s/", (int)n, p);
        if (escapes)
            break;
        p += n;
        if (p < end && *p == '/')
            p++;
    }
    if (end > url && end[-1] == '/')
        trailing = 1;
    if (err == 0 && !escapes && !trailing && path.len > 0)
        path.data[--path.len] = '\0'; /* a file, not a directory */
    if (err == 0) {
        cn_buf u = CN_BUF_INIT;
        if (escapes)
            err = cn_buf_puts(&u, "#");
        else
            err = cn_buf_printf(&u, "%s%s%s", base, path.data ? (char *)path.data : "",
                                frag ? frag : "");
        if (err == 0)
            *out = cn_buf_detach(&u, NULL);
        cn_buf_free(&u);
    }
    cn_buf_free(&path);
    return err;
}

/* Rewrite every link's and image's URL below root. */
static int rewrite_urls(cmark_node *root, const char *base, const char *dir)
{
    cmark_iter *it = cmark_iter_new(root);
    cmark_event_type ev;
    int err = 0;

    if (it == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    while (err == 0 && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *n = cmark_iter_get_node(it);
        cmark_node_type t = cmark_node_get_type(n);
        const char *url;
        char *to = NULL;

        if (ev != CMARK_EVENT_ENTER || (t != CMARK_NODE_LINK && t != CMARK_NODE_IMAGE) ||
            (url = cmark_node_get_url(n)) == NULL)
            continue;
        if ((err = cn_markdown_rewrite_url(&to, url, base, dir)) == 0 && to != NULL &&
            !cmark_node_set_url(n, to))
            err = cn_error_set(CN_ENOMEM, "out of memory");
        free(to);
    }
    cmark_iter_free(it);
    return err;
}

int cn_markdown_render(char **out, int *truncated, const char *text, size_t len, const char *base,
                       const char *dir)
{
    cmark_node *doc;
    char *html;
    int err;

    *out = NULL;
    *truncated = len > CN_MARKDOWN_READ_MAX;
    if (*truncated) {
        size_t cut = CN_MARKDOWN_READ_MAX;
        while (cut > CN_MARKDOWN_READ_MAX - CUT_WINDOW && text[cut - 1] != '\n')
            cut--;
        len = text[cut - 1] == '\n' ? cut : CN_MARKDOWN_READ_MAX;
    }
    /* Safe mode is cmark's default since 0.29: CMARK_OPT_UNSAFE is never set. */
    doc = cmark_parse_document(text, len, CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8);
    if (doc == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if ((err = rewrite_urls(doc, base, dir)) == 0) {
        html = cmark_render_html(doc, CMARK_OPT_DEFAULT);
        if (html == NULL)
            err = cn_error_set(CN_ENOMEM, "out of memory");
        else
            *out = html;
    }
    cmark_node_free(doc);
    return err;
}
