/*
 * responses.c - how the node's HTTP server answers: short texts, empty
 * answers, and files below a directory, with the rules of docs/PROTOCOL.md
 * §2 (strong ETags and 304, a single byte range, 206/416; every path
 * component opened with O_NOFOLLOW, so no symlink is ever followed), and
 * metadata gzip'ed for clients that take it (§8.3).
 */
#include "node/http/server_internal.h"
#include "core/buf.h"

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

enum MHD_Result cn_serve_text(struct MHD_Connection *c, unsigned status, const char *text)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret;

    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result cn_serve_empty(struct MHD_Connection *c, unsigned status)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret;

    if (r == NULL)
        return MHD_NO;
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

int cn_serve_node_id_dir(const char *s)
{
    return strlen(s) > CN_NODE_ID_LEN && cn_hex_is_lower(s, CN_NODE_ID_LEN) &&
           s[CN_NODE_ID_LEN] == '/';
}

int cn_serve_open_below(int dir_fd, const char *rel)
{
    char buf[CN_SERVE_MAX_PATH + 1], *part, *save = NULL, *next;
    int fd = dup(dir_fd);

    snprintf(buf, sizeof(buf), "%s", rel);
    for (part = strtok_r(buf, "/", &save); part && fd >= 0; part = next) {
        int child;
        next = strtok_r(NULL, "/", &save);
        child = openat(fd, part, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (next ? O_DIRECTORY : 0));
        close(fd);
        fd = child;
    }
    return fd;
}

/* Read the decimal digits at *p (at least one, nothing else: no sign, no
 * space, at most 19 digits so the value fits) and advance *p past them.
 * -1 if there are none or too many. */
static int range_number(const char **p, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    size_t n = 0;

    while (s[n] >= '0' && s[n] <= '9') {
        if (n == 19)
            return -1;
        v = v * 10 + (uint64_t)(s[n] - '0');
        n++;
    }
    if (n == 0)
        return -1;
    *out = v;
    *p = s + n;
    return 0;
}

int cn_serve_parse_range(const char *h, uint64_t size, uint64_t *start, uint64_t *end)
{
    uint64_t a, b;

    if (h == NULL || strncmp(h, "bytes=", 6) != 0)
        return 0;
    h += 6;
    if (*h == '-') {
        h++;
        if (range_number(&h, &b) != 0 || *h != '\0')
            return 0;
        if (b == 0 || size == 0)
            return -1;
        *start = b >= size ? 0 : size - b;
        *end = size - 1;
        return 1;
    }
    if (range_number(&h, &a) != 0 || *h++ != '-')
        return 0;
    if (*h == '\0') {
        b = size ? size - 1 : 0;
    } else {
        if (range_number(&h, &b) != 0 || *h != '\0' || b < a)
            return 0;
        if (b >= size)
            b = size ? size - 1 : 0;
    }
    if (a >= size)
        return -1;
    *start = a;
    *end = b;
    return 1;
}

/* The q of one Accept-Encoding element's parameters at p ("; q=0.5"): 0
 * when it is zero ("0", "0.", "0.000"), 1 otherwise (absent or malformed
 * counts as 1, as if the parameter were not there). */
static int q_nonzero(const char *p, const char *end)
{
    while (p < end) {
        while (p < end && (*p == ';' || *p == ' ' || *p == '\t'))
            p++;
        if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
            p += 2;
            if (p == end || *p != '0')
                return 1;
            for (p++; p < end && (*p == '.' || *p == '0'); p++)
                ;
            return p < end && *p >= '1' && *p <= '9';
        }
        while (p < end && *p != ';')
            p++;
    }
    return 1;
}

int cn_serve_accepts_gzip(struct MHD_Connection *c)
{
    const char *h =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
    int star = -1;

    while (h && *h) {
        const char *end = strchr(h, ','), *name, *name_end;
        if (end == NULL)
            end = h + strlen(h);
        for (name = h; name < end && (*name == ' ' || *name == '\t'); name++)
            ;
        for (name_end = name;
             name_end < end && *name_end != ';' && *name_end != ' ' && *name_end != '\t';
             name_end++)
            ;
        if ((name_end - name == 4 && strncasecmp(name, "gzip", 4) == 0) ||
            (name_end - name == 6 && strncasecmp(name, "x-gzip", 6) == 0))
            return q_nonzero(name_end, end);
        if (name_end - name == 1 && *name == '*')
            star = q_nonzero(name_end, end);
        h = *end ? end + 1 : end;
    }
    return star == 1;
}

int cn_serve_gzip(unsigned char **out, size_t *outlen, const void *in, size_t len)
{
    unsigned char *z = NULL;
    z_stream zs;
    uLong bound;

    *out = NULL;
    memset(&zs, 0, sizeof(zs));
    if (len > UINT_MAX || deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                                       Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    bound = deflateBound(&zs, (uLong)len);
    if ((z = malloc(bound)) != NULL) {
        zs.next_in = (Bytef *)in;
        zs.avail_in = (uInt)len;
        zs.next_out = z;
        zs.avail_out = (uInt)bound;
        if (deflate(&zs, Z_FINISH) == Z_STREAM_END) {
            *out = z;
            *outlen = zs.total_out;
            z = NULL;
        }
    }
    deflateEnd(&zs);
    free(z);
    return *out ? 0 : -1;
}

/* The len bytes read from fd, gzip'ed into *out (malloc'ed). -1 on failure. */
static int gzip_fd(unsigned char **out, size_t *outlen, int fd, size_t len)
{
    unsigned char *in = malloc(len ? len : 1);
    size_t got = 0;
    ssize_t n;
    int err;

    *out = NULL;
    if (in == NULL)
        return -1;
    while (got < len && (n = pread(fd, in + got, len - got, (off_t)got)) > 0)
        got += (size_t)n;
    err = got == len ? cn_serve_gzip(out, outlen, in, len) : -1;
    free(in);
    return err;
}

void cn_serve_http_date(char *out, size_t outlen, int64_t t)
{
    time_t tt = (time_t)(t > 0 ? t : 0);
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(out, outlen, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", RFC 9110 §5.6.7) as
 * seconds since the epoch; -1 for anything else (the obsolete forms too:
 * the header is then ignored, as §13.1.3 allows). */
static int64_t parse_http_date(const char *s)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char wday[4], mon[4], gmt[4];
    const char *m;
    struct tm tm;
    int n = 0;

    memset(&tm, 0, sizeof(tm));
    if (s == NULL || strlen(s) != 29 ||
        sscanf(s, "%3s, %2d %3s %4d %2d:%2d:%2d %3s%n", wday, &tm.tm_mday, mon, &tm.tm_year,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, gmt, &n) != 8 ||
        n != 29 || strcmp(gmt, "GMT") != 0 || strlen(mon) != 3 ||
        (m = strstr(months, mon)) == NULL || (m - months) % 3 != 0)
        return -1;
    tm.tm_mon = (int)((m - months) / 3);
    tm.tm_year -= 1900;
    return (int64_t)timegm(&tm);
}

int cn_serve_not_modified(struct MHD_Connection *c, const char *etag, int64_t last_modified)
{
    const char *inm =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    const char *ims;
    int64_t since;

    if (inm != NULL) /* RFC 9110 §13.2.2: If-None-Match wins over If-Modified-Since */
        return strcmp(inm, etag) == 0 || strcmp(inm, "*") == 0;
    ims = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
    return last_modified > 0 && (since = parse_http_date(ims)) >= 0 && last_modified <= since;
}

enum MHD_Result cn_serve_file(struct MHD_Connection *c, int dir_fd, const char *rel,
                              const char *ctype, unsigned flags, const char *filename,
                              const char *etag_of)
{
    struct MHD_Response *r;
    struct stat st;
    char etag[128], lastmod[64], crange[96];
    const char *inm, *range;
    uint64_t start = 0, end = 0;
    unsigned status = MHD_HTTP_OK;
    enum MHD_Result ret;
    int fd, rr, gz;

    if ((fd = cn_serve_open_below(dir_fd, rel)) < 0)
        return cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    }
    /* Files are replaced by rename, never rewritten in place, so inode, size
     * and mtime together identify one version of a file's bytes. */
    if (etag_of != NULL)
        snprintf(etag, sizeof(etag), "%s", etag_of);
    else
        snprintf(etag, sizeof(etag), "\"%jx-%jx-%jx.%lx\"", (uintmax_t)st.st_ino,
                 (uintmax_t)st.st_size, (uintmax_t)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
    cn_serve_http_date(lastmod, sizeof(lastmod), (int64_t)st.st_mtim.tv_sec);
    range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_RANGE);
    /* The gzip'ed answer is another representation: its own strong ETag. */
    gz = (flags & CN_SERVE_GZIP) && range == NULL && (uint64_t)st.st_size <= CN_SERVE_GZIP_MAX &&
         cn_serve_accepts_gzip(c);
    if (gz && strlen(etag) > 2 && strlen(etag) + 6 < sizeof(etag) && etag[strlen(etag) - 1] == '"')
        memcpy(etag + strlen(etag) - 1, "-gzip\"", 7);
    else
        gz = 0;
    inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    if (inm && (strcmp(inm, etag) == 0 || strcmp(inm, "*") == 0)) {
        close(fd);
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        if (r == NULL)
            return MHD_NO;
        MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
        if (flags & CN_SERVE_GZIP)
            MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
        ret = MHD_queue_response(c, MHD_HTTP_NOT_MODIFIED, r);
        MHD_destroy_response(r);
        return ret;
    }
    if (gz) {
        unsigned char *z;
        size_t zlen;
        int zerr = gzip_fd(&z, &zlen, fd, (size_t)st.st_size);

        close(fd);
        if (zerr != 0)
            return cn_serve_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read the file\n");
        if ((r = MHD_create_response_from_buffer(zlen, z, MHD_RESPMEM_MUST_FREE)) == NULL) {
            free(z);
            return MHD_NO;
        }
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
        goto headers;
    }
    rr = cn_serve_parse_range(range, (uint64_t)st.st_size, &start, &end);
    if (rr < 0) {
        close(fd);
        snprintf(crange, sizeof(crange), "bytes */%jd", (intmax_t)st.st_size);
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        if (r == NULL)
            return MHD_NO;
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_RANGE, crange);
        ret = MHD_queue_response(c, MHD_HTTP_RANGE_NOT_SATISFIABLE, r);
        MHD_destroy_response(r);
        return ret;
    }
    if (rr == 0) {
        start = 0;
        end = st.st_size ? (uint64_t)st.st_size - 1 : 0;
    } else {
        status = MHD_HTTP_PARTIAL_CONTENT;
    }
    r = MHD_create_response_from_fd_at_offset64(st.st_size ? end - start + 1 : 0, fd, start);
    if (r == NULL) {
        close(fd);
        return MHD_NO;
    }
    if (status == MHD_HTTP_PARTIAL_CONTENT) {
        snprintf(crange, sizeof(crange), "bytes %" PRIu64 "-%" PRIu64 "/%jd", start, end,
                 (intmax_t)st.st_size);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_RANGE, crange);
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
headers:
    MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
    MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, lastmod);
    if (flags & CN_SERVE_GZIP)
        MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    /* The type is the file's; a browser must not guess another. */
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (filename != NULL) {
        char disp[CN_SERVE_MAX_PATH];
        snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", filename);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
        MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
                            (flags & CN_SERVE_IMMUTABLE) ? "public, max-age=31536000, immutable"
                                                         : "no-cache");
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result cn_serve_below(struct MHD_Connection *c, const char *dir, const char *rel,
                               const char *ctype, unsigned flags)
{
    enum MHD_Result ret;
    int dir_fd;

    if (dir == NULL || (dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    ret = cn_serve_file(c, dir_fd, rel, ctype, flags, NULL, NULL);
    close(dir_fd);
    return ret;
}
