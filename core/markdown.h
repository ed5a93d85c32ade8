/*
 * markdown.h - a Markdown file of an item (its README) as HTML for the
 * registry's page (GET /api/v1/items/<node>/<item>/preview/<path>,
 * docs/api.yaml).
 *
 * The text is a publisher's, so the HTML must carry nothing a page could
 * run: it is rendered by cmark (CommonMark) in its safe mode (without
 * CMARK_OPT_UNSAFE): raw HTML is replaced by a comment, and links and
 * images whose URL is javascript:, vbscript:, file: or data: (but for
 * data:image/png, gif, jpeg and webp) lose their URL. Invalid UTF-8 becomes
 * U+FFFD. Relative links and images point at files of the same version:
 * each is resolved against the directory of the Markdown file and becomes
 * base followed by that path (base is the URL of the version's files,
 * "/download/<node>/<item>/<version>/files/"); a relative URL that climbs
 * above the top of the tree becomes "#". Absolute URLs, paths from the
 * host's root, fragments and queries are left as they are.
 *
 * Pure functions: no I/O, no global state, safe from any thread.
 */
#ifndef CN_MARKDOWN_H
#define CN_MARKDOWN_H

#include <stddef.h>

#define CN_MARKDOWN_READ_MAX (256 * 1024) /* bytes of a Markdown file rendered */

/* text (len bytes; only the first CN_MARKDOWN_READ_MAX are rendered, cut at
 * a line break when there is one in the last 4 KiB) as HTML into *out (a
 * malloc'ed NUL-terminated string the caller frees). dir is the directory
 * of the file in the tree ("" at the top, else "docs" or "docs/en", no
 * trailing slash); base as above. *truncated is set when text was longer
 * than what was rendered. CN_ENOMEM is the only failure. */
int cn_markdown_render(char **out, int *truncated, const char *text, size_t len, const char *base,
                       const char *dir);

/* The URL a link or image of a Markdown file in dir points at, as
 * cn_markdown_render rewrites it, into *out (malloc'ed); NULL when url is
 * left as it is. CN_ENOMEM is the only failure. */
int cn_markdown_rewrite_url(char **out, const char *url, const char *base, const char *dir);

#endif
