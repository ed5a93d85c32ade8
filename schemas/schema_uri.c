/*
 * schema_uri.c - how a schema names a place: URI references resolved
 * against a base (RFC 3986 section 5.2, for $id and $ref) and JSON pointers
 * (RFC 6901, the fragment of a $ref).
 */
#include "schemas/schema_internal.h"
#include "core/buf.h"
#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- URIs (RFC 3986 section 5.2) ---------- */

typedef struct {
    const char *scheme, *authority, *path, *query, *fragment;
    size_t scheme_len, authority_len, path_len, query_len, fragment_len;
    int has_scheme, has_authority, has_query, has_fragment;
} uri_parts;

static void uri_split(uri_parts *u, const char *s)
{
    const char *p = s, *q;

    memset(u, 0, sizeof(*u));
    for (q = s; *q && *q != ':' && *q != '/' && *q != '?' && *q != '#'; q++)
        ;
    if (*q == ':' && q != s) {
        u->has_scheme = 1;
        u->scheme = s;
        u->scheme_len = (size_t)(q - s);
        p = q + 1;
    }
    if (p[0] == '/' && p[1] == '/') {
        p += 2;
        u->has_authority = 1;
        u->authority = p;
        while (*p && *p != '/' && *p != '?' && *p != '#')
            p++;
        u->authority_len = (size_t)(p - u->authority);
    }
    u->path = p;
    while (*p && *p != '?' && *p != '#')
        p++;
    u->path_len = (size_t)(p - u->path);
    if (*p == '?') {
        u->has_query = 1;
        u->query = ++p;
        while (*p && *p != '#')
            p++;
        u->query_len = (size_t)(p - u->query);
    }
    if (*p == '#') {
        u->has_fragment = 1;
        u->fragment = p + 1;
        u->fragment_len = strlen(p + 1);
    }
}

/* remove_dot_segments of RFC 3986 5.2.4, appending the result to out. */
static int remove_dots(cn_buf *out, const char *in, size_t len)
{
    cn_buf b = CN_BUF_INIT;
    size_t i = 0;
    int err = 0;

    while (i < len && err == 0) {
        const char *s = in + i;
        size_t rest = len - i, seg;
        if (rest >= 3 && strncmp(s, "../", 3) == 0) {
            i += 3;
        } else if (rest >= 2 && strncmp(s, "./", 2) == 0) {
            i += 2;
        } else if ((rest >= 3 && strncmp(s, "/./", 3) == 0) ||
                   (rest == 2 && strncmp(s, "/.", 2) == 0)) {
            /* "/./" becomes "/": the next segment starts with that slash */
            i += 2;
            if (rest == 2)
                err = cn_buf_put(&b, "/", 1);
        } else if ((rest >= 4 && strncmp(s, "/../", 4) == 0) ||
                   (rest == 3 && strncmp(s, "/..", 3) == 0)) {
            i += 3;
            while (b.len > 0 && b.data[b.len - 1] != '/')
                b.len--;
            if (b.len > 0)
                b.len--;
            if (rest == 3)
                err = cn_buf_put(&b, "/", 1);
        } else if ((rest == 1 && s[0] == '.') || (rest == 2 && strncmp(s, "..", 2) == 0)) {
            i = len;
        } else {
            seg = s[0] == '/' ? 1 : 0;
            while (seg < rest && s[seg] != '/')
                seg++;
            err = cn_buf_put(&b, s, seg);
            i += seg;
        }
    }
    if (err == 0)
        err = cn_buf_put(out, b.data ? (const char *)b.data : "", b.len);
    cn_buf_free(&b);
    return err;
}

/* Resolve ref against the absolute base; heap result in *out. */
int cn_schema_uri_resolve(char **out, const char *base, const char *ref)
{
    uri_parts b, r;
    cn_buf o = CN_BUF_INIT;
    int err = 0;

    *out = NULL;
    uri_split(&b, base);
    uri_split(&r, ref);
#define PUT(p, n) (err = err ? err : cn_buf_put(&o, (p), (n)))
    /* The scheme is the reference's, or else the base's. */
    if (r.has_scheme || b.has_scheme) {
        PUT(r.has_scheme ? r.scheme : b.scheme, r.has_scheme ? r.scheme_len : b.scheme_len);
        PUT(":", 1);
    }
    /* A reference with a scheme or an authority brings its own authority,
     * path and query; otherwise they are merged with the base's. */
    if (r.has_scheme || r.has_authority) {
        if (r.has_authority) {
            PUT("//", 2);
            PUT(r.authority, r.authority_len);
        }
        if (err == 0)
            err = remove_dots(&o, r.path, r.path_len);
        if (r.has_query) {
            PUT("?", 1);
            PUT(r.query, r.query_len);
        }
    } else {
        if (b.has_authority) {
            PUT("//", 2);
            PUT(b.authority, b.authority_len);
        }
        if (r.path_len == 0) {
            PUT(b.path, b.path_len);
            if (r.has_query) {
                PUT("?", 1);
                PUT(r.query, r.query_len);
            } else if (b.has_query) {
                PUT("?", 1);
                PUT(b.query, b.query_len);
            }
        } else {
            cn_buf merged = CN_BUF_INIT;
            if (r.path[0] == '/') {
                err = err ? err : cn_buf_put(&merged, r.path, r.path_len);
            } else {
                size_t keep = b.path_len;
                while (keep > 0 && b.path[keep - 1] != '/')
                    keep--;
                if (b.has_authority && b.path_len == 0)
                    err = err ? err : cn_buf_put(&merged, "/", 1);
                else
                    err = err ? err : cn_buf_put(&merged, b.path, keep);
                err = err ? err : cn_buf_put(&merged, r.path, r.path_len);
            }
            if (err == 0)
                err = remove_dots(&o, merged.data ? (const char *)merged.data : "", merged.len);
            cn_buf_free(&merged);
            if (r.has_query) {
                PUT("?", 1);
                PUT(r.query, r.query_len);
            }
        }
    }
    if (r.has_fragment) {
        PUT("#", 1);
        PUT(r.fragment, r.fragment_len);
    }
#undef PUT
    if (err == 0 && (*out = cn_buf_detach(&o, NULL)) == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
    cn_buf_free(&o);
    return err;
}

/* ---------- JSON pointers (RFC 6901) ---------- */

/* Percent-decode and unescape (~1, ~0) one JSON pointer token. */
static int pointer_token(char *out, size_t cap, const char *s, size_t len)
{
    size_t i, n = 0;

    for (i = 0; i < len; i++) {
        char ch = s[i];
        if (ch == '%' && i + 2 < len) {
            unsigned v;
            if (sscanf(s + i + 1, "%2x", &v) != 1)
                return -1;
            ch = (char)v;
            i += 2;
        }
        if (n + 1 >= cap)
            return -1;
        out[n++] = ch;
    }
    out[n] = '\0';
    /* Now ~1 and ~0 (after percent-decoding, as RFC 6901 section 6 says). */
    for (i = 0, n = 0; out[i]; i++) {
        if (out[i] == '~' && out[i + 1] == '1') {
            out[n++] = '/';
            i++;
        } else if (out[i] == '~' && out[i + 1] == '0') {
            out[n++] = '~';
            i++;
        } else if (out[i] == '~') {
            return -1;
        } else {
            out[n++] = out[i];
        }
    }
    out[n] = '\0';
    return 0;
}

const json_t *cn_schema_pointer_follow(const json_t *node, const char *ptr)
{
    char token[512];

    while (node != NULL && *ptr == '/') {
        const char *end = strchr(ptr + 1, '/');
        size_t len = end ? (size_t)(end - ptr - 1) : strlen(ptr + 1);
        if (pointer_token(token, sizeof(token), ptr + 1, len) != 0)
            return NULL;
        if (json_is_object(node)) {
            node = json_object_get(node, token);
        } else if (json_is_array(node)) {
            char *e;
            unsigned long i = strtoul(token, &e, 10);
            if (*token == '\0' || *e != '\0' || (token[0] == '0' && token[1] != '\0'))
                return NULL;
            node = json_array_get(node, i);
        } else {
            return NULL;
        }
        ptr += len + 1;
    }
    return *ptr == '\0' ? node : NULL;
}
