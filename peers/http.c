/*
 * http.c - bounded HTTP GETs over libcurl's multi interface (see http.h).
 *
 * Every byte of a body passes through write_body(), which refuses the first
 * byte past the request's cap by returning 0: libcurl then aborts the
 * transfer at once, so a server sending endless data costs at most one
 * receive buffer beyond the cap. Status lines are checked before the first
 * body byte is stored, so an error page never lands in a download.
 */
#include "peers/http.h"
#include "core/buf.h"
#include "core/error.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_CONNECT_TIMEOUT_S 10
#define DEFAULT_LOW_SPEED_BYTES   1024
#define DEFAULT_LOW_SPEED_TIME_S  15
#define DEFAULT_MAX_PARALLEL      16
#define MAX_HEADER_VALUE          1024
#define RECV_BUFFER               (256L * 1024L) /* for downloads, which may be large */
#define RECV_BUFFER_SMALL         (16L * 1024L)  /* libcurl's default, for small documents */
#define SMALL_DOCUMENT            (64u * 1024u)  /* a timestamp.json, a pointer: at most this */
#define URL_MAX                   2048

struct cn_http {
    CURLM *multi;
    cn_http_options opts;
    uint64_t requests;
    uint64_t bytes;
};

enum { ABORT_NONE = 0, ABORT_LIMIT, ABORT_STATUS, ABORT_RANGE, ABORT_IO };

typedef struct {
    cn_http *http;
    cn_http_request *req;
    CURL *easy;
    struct curl_slist *headers;
    cn_buf body;
    int fd;
    uint64_t offset;  /* bytes the file held when the request started */
    uint64_t written; /* bytes the file (or body) holds now */
    int started;      /* the first body byte was seen */
    int abort;
    int io_errno;
    int retried;          /* a 416 already made us start over once */
    int range_ok;         /* a Content-Range header was seen ... */
    uint64_t range_start; /* ... starting here */
    char errbuf[CURL_ERROR_SIZE];
} transfer;

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int cn_http_url_userinfo(size_t *start, size_t *end, const char *url)
{
    const char *auth = strstr(url, "://"), *stop, *at = NULL, *p;

    if (auth == NULL)
        return 0;
    auth += 3;
    stop = auth + strcspn(auth, "/?#");
    for (p = auth; p < stop; p++)
        if (*p == '@')
            at = p;
    if (at == NULL)
        return 0;
    *start = (size_t)(auth - url);
    *end = (size_t)(at + 1 - url);
    return 1;
}

char *cn_http_url_public(const char *url)
{
    size_t start, end, n = strlen(url);
    char *out;

    if (!cn_http_url_userinfo(&start, &end, url))
        return strdup(url);
    if ((out = malloc(n - (end - start) + 1)) == NULL)
        return NULL;
    memcpy(out, url, start);
    memcpy(out + start, url + end, n - end + 1);
    return out;
}

/* A peer's URL is published in this node's signed peers.json (PROTOCOL
 * §10) and passed on by every node that reads it: a user name or password in
 * it would be given to the world. The message shows the URL without them,
 * never the password. */
static int check_no_userinfo(const char *url)
{
    size_t start, end;

    if (!cn_http_url_userinfo(&start, &end, url))
        return 0;
    return cn_error_set(CN_EUSAGE,
                        "a peer URL must not hold a user name or password: remove "
                        "'user:password@' and give %.*s%.64s (a peer's URL is published in "
                        "this node's peers.json)",
                        (int)start, url, url + end);
}

int cn_http_check_url(const char *url)
{
    size_t i, n = strlen(url);
    const char *host;

    if (check_no_userinfo(url) != 0)
        return CN_EUSAGE;
    if (strncmp(url, "http://", 7) == 0)
        host = url + 7;
    else if (strncmp(url, "https://", 8) == 0)
        host = url + 8;
    else
        return cn_error_set(CN_EUSAGE, "'%.64s': only http:// and https:// URLs are accepted", url);
    if (n > URL_MAX)
        return cn_error_set(CN_EUSAGE, "URL longer than %d bytes", URL_MAX);
    if (*host == '\0' || *host == '/')
        return cn_error_set(CN_EUSAGE, "'%.64s': the URL names no host", url);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= 0x20 || c >= 0x7f || strchr("\"<>\\^`{|}#?", c) != NULL)
            return cn_error_set(CN_EUSAGE, "'%.64s': character %zu is not allowed in a peer URL",
                                url, i + 1);
    }
    return 0;
}

int cn_http_new(cn_http **out, const cn_http_options *opts)
{
    cn_http *h;

    *out = NULL;
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK)
        return cn_error_set(CN_ERROR, "libcurl: %s", curl_easy_strerror(global_rc));
    if ((h = calloc(1, sizeof(*h))) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if (opts)
        h->opts = *opts;
    if (h->opts.connect_timeout_s <= 0)
        h->opts.connect_timeout_s = DEFAULT_CONNECT_TIMEOUT_S;
    if (h->opts.low_speed_bytes <= 0 || h->opts.low_speed_time_s <= 0) {
        h->opts.low_speed_bytes = DEFAULT_LOW_SPEED_BYTES;
        h->opts.low_speed_time_s = DEFAULT_LOW_SPEED_TIME_S;
    }
    if (h->opts.max_parallel == 0)
        h->opts.max_parallel = DEFAULT_MAX_PARALLEL;
    if ((h->multi = curl_multi_init()) == NULL) {
        free(h);
        return cn_error_set(CN_ERROR, "libcurl: cannot create a multi handle");
    }
    /* Connections, busy or kept alive, are file descriptors: at most
     * max_parallel of them, whatever the number of hosts asked. */
    curl_multi_setopt(h->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)h->opts.max_parallel);
    if (h->opts.max_per_host > 0 && h->opts.max_per_host < h->opts.max_parallel)
        curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)h->opts.max_per_host);
    *out = h;
    return 0;
}

void cn_http_free(cn_http *http)
{
    if (http == NULL)
        return;
    curl_multi_cleanup(http->multi);
    free(http);
}

uint64_t cn_http_requests_made(const cn_http *http)
{
    return http->requests;
}

uint64_t cn_http_bytes_received(const cn_http *http)
{
    return http->bytes;
}

void cn_http_request_clear(cn_http_request *req)
{
    free(req->error);
    free(req->body);
    free(req->etag);
    free(req->last_modified);
    req->err = 0;
    req->error = NULL;
    req->status = 0;
    req->not_modified = 0;
    req->body = NULL;
    req->len = 0;
    req->file_size = 0;
    req->received = 0;
    req->etag = NULL;
    req->last_modified = NULL;
}

/* Record the request's outcome; the message always starts with the URL. */
static void fail(transfer *t, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(transfer *t, int code, const char *fmt, ...)
{
    char msg[URL_MAX + 512];
    int n;
    va_list ap;

    n = snprintf(msg, sizeof(msg), "%s: ", t->req->url);
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof(msg))
        vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
    va_end(ap);
    t->req->err = code;
    free(t->req->error);
    t->req->error = strdup(msg);
}

/* A header value copy, trimmed of surrounding blanks and CR/LF; NULL if too
 * long or not printable. */
static char *header_value(const char *v, size_t n)
{
    size_t i;
    char *s;

    while (n > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    if (n == 0 || n > MAX_HEADER_VALUE)
        return NULL;
    for (i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] >= 0x7f)
            return NULL;
    if ((s = malloc(n + 1)) == NULL)
        return NULL;
    memcpy(s, v, n);
    s[n] = '\0';
    return s;
}

static int header_is(const char *line, size_t n, const char *name, const char **value, size_t *vlen)
{
    size_t k = strlen(name);

    if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return 0;
    *value = line + k + 1;
    *vlen = n - k - 1;
    return 1;
}

static size_t on_header(char *line, size_t size, size_t nitems, void *ud)
{
    transfer *t = ud;
    size_t n = size * nitems, vlen;
    const char *v;

    if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        /* A new answer (e.g. after 100 Continue): forget the previous one's. */
        free(t->req->etag);
        free(t->req->last_modified);
        t->req->etag = t->req->last_modified = NULL;
        t->range_ok = 0;
    } else if (header_is(line, n, "ETag", &v, &vlen)) {
        free(t->req->etag);
        t->req->etag = header_value(v, vlen);
    } else if (header_is(line, n, "Last-Modified", &v, &vlen)) {
        free(t->req->last_modified);
        t->req->last_modified = header_value(v, vlen);
    } else if (header_is(line, n, "Content-Range", &v, &vlen)) {
        char buf[128];
        unsigned long long start;
        if (vlen < sizeof(buf)) {
            memcpy(buf, v, vlen);
            buf[vlen] = '\0';
            if (sscanf(buf, " bytes %llu-", &start) == 1) {
                t->range_ok = 1;
                t->range_start = start;
            }
        }
    }
    return n;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Decide, at the first body byte, whether this answer's body is wanted. */
static int first_body_bytes(transfer *t)
{
    long code = 0;

    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
    if (code != 200 && code != 206) {
        t->abort = ABORT_STATUS; /* an error page: not worth reading */
        return -1;
    }
    if (code == 206 && (t->offset == 0 || !t->range_ok || t->range_start != t->offset)) {
        t->abort = ABORT_RANGE;
        return -1;
    }
    if (code == 200 && t->offset > 0) {
        /* The server ignored our Range: the whole file comes again. */
        if (ftruncate(t->fd, 0) != 0 || lseek(t->fd, 0, SEEK_SET) != 0) {
            t->io_errno = errno;
            t->abort = ABORT_IO;
            return -1;
        }
        t->written = 0;
    }
    return 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    transfer *t = ud;
    size_t n = size * nmemb;

    if (!t->started) {
        t->started = 1;
        if (first_body_bytes(t) != 0)
            return 0;
    }
    if (n > t->req->max_body || t->written > t->req->max_body - n) {
        t->abort = ABORT_LIMIT;
        return 0;
    }
    if (t->req->file) {
        if (write_all(t->fd, data, n) != 0) {
            t->io_errno = errno;
            t->abort = ABORT_IO;
            return 0;
        }
    } else if (cn_buf_put(&t->body, data, n) != 0) {
        t->abort = ABORT_IO;
        t->io_errno = ENOMEM;
        return 0;
    }
    t->written += n;
    t->req->received += n;
    t->http->bytes += n;
    return n;
}

static void transfer_free(transfer *t)
{
    if (t == NULL)
        return;
    if (t->easy)
        curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    cn_buf_free(&t->body);
    if (t->fd >= 0)
        close(t->fd);
    free(t);
}

static int add_header(transfer *t, const char *name, const char *value)
{
    char line[MAX_HEADER_VALUE + 64];
    struct curl_slist *l;

    if (value == NULL)
        return 0;
    snprintf(line, sizeof(line), "%s: %s", name, value);
    if ((l = curl_slist_append(t->headers, line)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    t->headers = l;
    return 0;
}

/* Open (or reopen after a 416) the download file and learn how much it has. */
static int open_file(transfer *t)
{
    struct stat st;

    if (t->fd < 0 && (t->fd = open(t->req->file, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
        return cn_error_set(CN_ERROR, "%s: %s", t->req->file, strerror(errno));
    if (fstat(t->fd, &st) != 0)
        return cn_error_set(CN_ERROR, "%s: %s", t->req->file, strerror(errno));
    t->offset = (uint64_t)st.st_size;
    if (t->offset > t->req->max_body) {
        /* Longer than the file can be: it is not a prefix of it. */
        if (ftruncate(t->fd, 0) != 0)
            return cn_error_set(CN_ERROR, "%s: %s", t->req->file, strerror(errno));
        t->offset = 0;
    }
    if (lseek(t->fd, (off_t)t->offset, SEEK_SET) < 0)
        return cn_error_set(CN_ERROR, "%s: %s", t->req->file, strerror(errno));
    t->written = t->offset;
    return 0;
}

/* Set up the easy handle for t's (next) attempt. */
static int prepare(transfer *t)
{
    const cn_http_options *o = &t->http->opts;
    char range[32];
    CURL *e;

    if (t->easy == NULL && (t->easy = curl_easy_init()) == NULL)
        return cn_error_set(CN_ERROR, "libcurl: cannot create a transfer");
    e = t->easy;
    t->started = 0;
    t->abort = ABORT_NONE;
    t->range_ok = 0;
    t->errbuf[0] = '\0';
    curl_easy_setopt(e, CURLOPT_URL, t->req->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "citynode/0.1");
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, o->connect_timeout_s);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, o->low_speed_bytes);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, o->low_speed_time_s);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, t->req->timeout_s > 0 ? t->req->timeout_s : 0L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    /* A large receive buffer makes large downloads cheaper. A small document
     * does not need one, and a sync round checks 256 peers' timestamp.json
     * at once: 64 MiB of buffers, resident as far as each server fills them. */
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE,
                     t->req->max_body > 0 && t->req->max_body <= SMALL_DOCUMENT ? RECV_BUFFER_SMALL
                                                                                : RECV_BUFFER);
    /* Metadata (a body in memory) may come gzip'ed: max_body bounds the
     * decoded bytes, so it bounds how far the answer inflates too. Files
     * are fetched as stored: they resume with Range over the stored bytes. */
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, t->req->file ? NULL : "gzip");
    if (t->req->file && t->offset > 0) {
        snprintf(range, sizeof(range), "%" PRIu64 "-", t->offset);
        curl_easy_setopt(e, CURLOPT_RANGE, range);
    } else {
        curl_easy_setopt(e, CURLOPT_RANGE, NULL);
    }
    curl_slist_free_all(t->headers);
    t->headers = NULL;
    if (add_header(t, "If-None-Match", t->req->if_none_match) != 0 ||
        add_header(t, "If-Modified-Since", t->req->if_modified_since) != 0)
        return CN_ENOMEM;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    return 0;
}

/* Start a request: returns 1 if it is in flight, 0 if it finished at once
 * (nothing to fetch, or a local failure recorded in req). */
static int start(cn_http *http, cn_http_request *req)
{
    transfer *t = calloc(1, sizeof(*t));
    int err;

    cn_http_request_clear(req);
    req->priv_ = NULL;
    if (t == NULL) {
        req->err = CN_ENOMEM;
        req->error = strdup("out of memory");
        return 0;
    }
    t->http = http;
    t->req = req;
    t->fd = -1;
    if (req->file) {
        if ((err = open_file(t)) != 0)
            goto local_failure;
        if (t->offset == req->max_body) {
            /* Already complete from an earlier run: the caller checks it. */
            req->file_size = t->offset;
            transfer_free(t);
            return 0;
        }
    }
    if ((err = prepare(t)) != 0)
        goto local_failure;
    if (curl_multi_add_handle(http->multi, t->easy) != CURLM_OK) {
        err = cn_error_set(CN_ERROR, "libcurl: cannot start a transfer");
        goto local_failure;
    }
    http->requests++;
    req->priv_ = t;
    return 1;
local_failure:
    req->err = err;
    req->error = strdup(cn_error_message());
    transfer_free(t);
    return 0;
}

/* A transfer ended: record its outcome. Returns 1 if it was restarted (a
 * 416 on a resumed download), else 0. */
static int finish(cn_http *http, transfer *t, CURLcode rc)
{
    cn_http_request *req = t->req;
    long code = 0;

    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
    req->status = code;
    curl_multi_remove_handle(http->multi, t->easy);
    if (t->abort == ABORT_LIMIT) {
        fail(t, CN_ELIMIT, "longer than the limit of %" PRIu64 " bytes", req->max_body);
    } else if (t->abort == ABORT_RANGE) {
        fail(t, CN_ENET, "the server answered a range request with other bytes");
    } else if (t->abort == ABORT_IO) {
        fail(t, t->io_errno == ENOMEM ? CN_ENOMEM : CN_ERROR, "cannot store the body in %s: %s",
             req->file ? req->file : "memory", strerror(t->io_errno));
    } else if (rc != CURLE_OK && t->abort != ABORT_STATUS) {
        fail(t, CN_ENET, "%s", t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc));
    } else if (code == 304) {
        req->not_modified = 1;
    } else if (code == 416 && req->file && t->offset > 0 && !t->retried) {
        /* Our partial file is not a prefix of what the server has. */
        if (ftruncate(t->fd, 0) == 0 && open_file(t) == 0 && prepare(t) == 0 &&
            curl_multi_add_handle(http->multi, t->easy) == CURLM_OK) {
            t->retried = 1;
            http->requests++;
            return 1;
        }
        fail(t, CN_ERROR, "cannot restart the download");
    } else if (code == 404 || code == 410) {
        fail(t, CN_ENOTFOUND, "not found (HTTP %ld)", code);
    } else if (code != 200 && code != 206) {
        fail(t, CN_ENET, "the server answered HTTP %ld", code);
    }
    if (req->err == 0 && req->file) {
        req->file_size = t->written;
    } else if (req->err == 0) {
        if (t->body.data == NULL && cn_buf_grow(&t->body, 1) != 0) {
            fail(t, CN_ENOMEM, "out of memory");
        } else {
            req->len = t->body.len;
            req->body = (unsigned char *)cn_buf_detach(&t->body, NULL);
        }
    }
    return 0;
}

/* One report of r's phase: the bytes received or the requests finished so
 * far, never past the total (a restarted download counts its bytes again),
 * and only when it moved. */
static void report(const cn_http_reporting *r, uint64_t *last, int *reported, uint64_t bytes,
                   uint64_t finished)
{
    uint64_t done = r->bytes ? r->base + bytes : finished;

    if (r->total != 0 && done > r->total)
        done = r->total;
    if (*reported && done <= *last)
        return;
    *reported = 1;
    *last = done;
    cn_progress_report(r->progress, r->phase, done, r->total);
}

int cn_http_perform(cn_http *http, cn_http_request **reqs, size_t n)
{
    return cn_http_perform_reporting(http, reqs, n, NULL);
}

int cn_http_perform_reporting(cn_http *http, cn_http_request **reqs, size_t n,
                              const cn_http_reporting *r)
{
    size_t next = 0, active = 0, finished = 0;
    uint64_t bytes0 = http->bytes, last = 0;
    int still = 0, reported = 0;

    if (r != NULL && r->progress == NULL)
        r = NULL;
    if (r != NULL)
        report(r, &last, &reported, 0, 0);

    while (next < n || active > 0) {
        CURLMsg *msg;
        int queued;

        while (active < http->opts.max_parallel && next < n)
            active += (size_t)start(http, reqs[next++]);
        if (active == 0)
            continue;
        if (curl_multi_perform(http->multi, &still) != CURLM_OK)
            return cn_error_set(CN_ERROR, "libcurl: the transfer loop failed");
        while ((msg = curl_multi_info_read(http->multi, &queued)) != NULL) {
            transfer *t = NULL;
            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
            if (finish(http, t, msg->data.result) == 0) {
                t->req->priv_ = NULL;
                transfer_free(t);
                active--;
                finished++;
            }
        }
        if (r != NULL)
            report(r, &last, &reported, http->bytes - bytes0, finished);
        if (active > 0 && still > 0 &&
            curl_multi_poll(http->multi, NULL, 0, 1000, NULL) != CURLM_OK)
            return cn_error_set(CN_ERROR, "libcurl: waiting for transfers failed");
    }
    return 0;
}

int cn_http_get(cn_http *http, cn_http_request *req)
{
    cn_http_request *one = req;
    int err;

    if ((err = cn_http_perform(http, &one, 1)) != 0)
        return err;
    if (req->err != 0)
        return cn_error_set(req->err, "%s", req->error ? req->error : "request failed");
    return 0;
}
