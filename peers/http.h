/*
 * http.h - the HTTP client peers use: libcurl's multi interface, many
 * requests in flight at once, every body bounded.
 *
 * A request either collects its body in memory or writes it to a file. A
 * file download resumes: when the file already holds bytes, the request asks
 * for the rest with Range; a 206 appends (its Content-Range must start where
 * the file ends), a 200 starts the file over, a 416 truncates the file and
 * asks once more from the start. No request ever holds or writes more than its
 * max_body bytes: the transfer is aborted the moment it would (CN_ELIMIT).
 *
 * A body in memory is asked for with Accept-Encoding: gzip and decoded as it
 * arrives; max_body counts the decoded bytes, so it also bounds how far a
 * compressed answer may inflate. A file is fetched as the server stores it.
 *
 * Only http and https, no redirects, a connect timeout, a minimum transfer
 * rate and an optional total timeout. Outcomes: 2xx and 304 are success
 * (not_modified is set for 304); 404 and 410 are CN_ENOTFOUND; 5xx, other
 * statuses, connect failures, timeouts and transfers slower than the minimum
 * rate are CN_ENET; each failure's message names the URL.
 *
 * A cn_http is used from one thread at a time.
 */
#ifndef CN_HTTP_H
#define CN_HTTP_H

#include <stddef.h> /* core/progress.h uses NULL without including it */

#include "core/progress.h"

#include <stdint.h>

typedef struct cn_http cn_http;

typedef struct {
    long connect_timeout_s; /* 0: 10 */
    long low_speed_bytes;   /* abort below this many bytes/s ... */
    long low_speed_time_s;  /* ... for this long; 0/0: 1024 B/s for 15 s */
    unsigned max_parallel;  /* transfers in flight at once; 0: 16 */
    unsigned max_per_host;  /* connections to one host at once; 0: max_parallel */
} cn_http_options;

#define CN_HTTP_OPTIONS_INIT                                                                       \
    {                                                                                              \
        0, 0, 0, 0, 0                                                                              \
    }

typedef struct {
    /* In. */
    const char *url;
    uint64_t max_body;             /* most body bytes accepted (for a file: its final size) */
    long timeout_s;                /* whole-request cap; 0: none (the rate floor still holds) */
    const char *if_none_match;     /* sent as If-None-Match, or NULL */
    const char *if_modified_since; /* sent as If-Modified-Since, or NULL */
    const char *file;              /* NULL: body in memory; else download into this file */
    void *user;                    /* for the caller */

    /* Out (reset by each perform; release with cn_http_request_clear). */
    int err;             /* 0 or CN_E* */
    char *error;         /* message naming the URL when err != 0 */
    long status;         /* HTTP status of the answer, 0 if none */
    int not_modified;    /* 1 for a 304 */
    unsigned char *body; /* memory mode: the body, NUL-terminated (NUL not counted) */
    size_t len;          /* memory mode: body length */
    uint64_t file_size;  /* file mode: bytes in the file afterwards */
    uint64_t received;   /* body bytes received (decoded, for a gzip'ed answer) */
    char *etag;          /* the answer's ETag, or NULL */
    char *last_modified; /* the answer's Last-Modified, or NULL */

    void *priv_; /* internal */
} cn_http_request;

int cn_http_new(cn_http **out, const cn_http_options *opts);
void cn_http_free(cn_http *http);

/* Run n requests to completion, at most max_parallel at once. Each request's
 * outcome is in its own fields; the return value is 0 unless the client itself
 * failed (out of memory, libcurl unusable). */
int cn_http_perform(cn_http *http, cn_http_request **reqs, size_t n);

/* What cn_http_perform_reporting reports through progress under phase: with
 * bytes, base plus the body bytes received since the call began; without,
 * the requests finished; against total (0: not known), never past it. The
 * phase is not ended: the caller ends it once it judged the outcomes. */
typedef struct {
    const cn_progress *progress;
    const char *phase;
    int bytes;
    uint64_t base, total;
} cn_http_reporting;

/* cn_http_perform, reporting as r says (NULL: as cn_http_perform) once per
 * pass of its loop, which wakes at least once a second. */
int cn_http_perform_reporting(cn_http *http, cn_http_request **reqs, size_t n,
                              const cn_http_reporting *r);

/* One request; returns its err (with its message set as the last error). */
int cn_http_get(cn_http *http, cn_http_request *req);

/* Free a request's outputs and reset them (inputs are kept). */
void cn_http_request_clear(cn_http_request *req);

/* Number of requests started and body bytes received by this client so far. */
uint64_t cn_http_requests_made(const cn_http *http);
uint64_t cn_http_bytes_received(const cn_http *http);

/* Check a base URL: http:// or https://, printable ASCII without spaces,
 * quotes, '#' or '?', no user name or password ("user:password@host": a
 * peer's URL is published), at most 2048 bytes. CN_EUSAGE naming it
 * otherwise; a refused password is never part of the message. */
int cn_http_check_url(const char *url);

/* 1 if url's authority holds "user:password@" (or "user@"), with its bytes
 * at url[*start, *end) (the '@' included), else 0. */
int cn_http_url_userinfo(size_t *start, size_t *end, const char *url);

/* url without its "user:password@", heap-allocated (NULL when out of
 * memory): what a message or a published document may show. */
char *cn_http_url_public(const char *url);

#endif
