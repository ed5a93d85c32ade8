/*
 * hint.c - POST /inbox to other nodes (see hint.h).
 */
#include "peers/hint.h"
#include "core/error.h"
#include "peers/peers.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CN_HINT_TIMEOUT_MS   5000L /* a loaded peer still answers; a dead one fails at once */
#define CN_HINT_URL_MAX      2048
#define CN_HINT_MAX_PARALLEL 64L

typedef struct {
    CURL *easy; /* NULL: this slot is free */
    char url[CN_HINT_URL_MAX + 8];
    char errbuf[CURL_ERROR_SIZE];
} hint_transfer;

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* The answer's body is not needed: take it and drop it. */
static size_t discard(char *data, size_t size, size_t n, void *ctx)
{
    (void)data;
    (void)ctx;
    return size * n;
}

/* Set up t->easy to POST body to <base_url>/inbox. */
static int hint_prepare(hint_transfer *t, const char *base_url, const char *body,
                        struct curl_slist *headers)
{
    size_t n = strlen(base_url);

    while (n > 0 && base_url[n - 1] == '/')
        n--;
    if (n == 0 || n > CN_HINT_URL_MAX)
        return cn_error_set(CN_EINVAL, "'%.64s' is not a base URL", base_url);
    snprintf(t->url, sizeof(t->url), "%.*s/inbox", (int)n, base_url);
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK || (t->easy = curl_easy_init()) == NULL)
        return cn_error_set(CN_ERROR, "libcurl: cannot create a transfer");
    t->errbuf[0] = '\0';
    curl_easy_setopt(t->easy, CURLOPT_URL, t->url);
    curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(t->easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(t->easy, CURLOPT_USERAGENT, "citynode/0.1");
    curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, CN_HINT_TIMEOUT_MS);
    curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->errbuf);
    return 0;
}

/* The HTTP status of a finished transfer, 0 if there was no answer. */
static long hint_status(hint_transfer *t, CURLcode rc)
{
    long status = 0;

    if (rc != CURLE_OK)
        return 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

/* The outcome of a finished transfer: 0 for a 2xx answer. */
static int hint_result(hint_transfer *t, CURLcode rc)
{
    long status = hint_status(t, rc);

    if (rc != CURLE_OK)
        return cn_error_set(CN_ENET, "%s: %s", t->url,
                            t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc));
    if (status < 200 || status > 299)
        return cn_error_set(CN_ENET, "%s: HTTP %ld", t->url, status);
    return 0;
}

static int hint_body(char *out, size_t outlen, const char *self_id, uint64_t version)
{
    if (strlen(self_id) != CN_PEER_ID_HEX || strspn(self_id, "0123456789abcdef") != CN_PEER_ID_HEX)
        return cn_error_set(CN_EINVAL, "'%.64s' is not a node id", self_id);
    snprintf(out, outlen, "{\"node\":\"%s\",\"timestamp\":%" PRIu64 "}", self_id, version);
    return 0;
}

int cn_hint_send(const char *base_url, const char *self_id, uint64_t timestamp_version)
{
    hint_transfer t = {0};
    struct curl_slist *headers = NULL;
    char body[128];
    int err;

    if ((err = hint_body(body, sizeof(body), self_id, timestamp_version)) != 0)
        return err;
    if ((headers = curl_slist_append(NULL, "Content-Type: application/json")) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if ((err = hint_prepare(&t, base_url, body, headers)) == 0)
        err = hint_result(&t, curl_easy_perform(t.easy));
    curl_easy_cleanup(t.easy);
    curl_slist_free_all(headers);
    return err;
}

/* A peer URL that names a mirror of the peer rather than the peer's own server. */
static int is_mirror_url(const cn_peer *p)
{
    size_t n = strlen(p->url);

    while (n > 0 && p->url[n - 1] == '/')
        n--;
    return n >= CN_PEER_ID_HEX + 9 &&
           strncmp(p->url + n - CN_PEER_ID_HEX - 9, "/mirrors/", 9) == 0 &&
           strncmp(p->url + n - CN_PEER_ID_HEX, p->node_id, CN_PEER_ID_HEX) == 0;
}

/* Hint every URL of urls, CN_HINT_MAX_PARALLEL at a time: a transfer is
 * made when it can start and freed when it ends, so that memory does not
 * grow with the number of peers (some 21 KB a transfer, with libcurl's
 * buffer) and each hint's 5 s run from its own start, not from the first
 * one's. Counts the 2xx answers and, when failures is not NULL, appends a
 * line "URL: what happened" for each other one. A peer that does not answer
 * is not the caller's failure. */
static int hint_run_all(size_t *sent, cn_buf *failures, const char *const *urls, size_t n,
                        const char *body, struct curl_slist *headers)
{
    hint_transfer *slots = calloc(CN_HINT_MAX_PARALLEL, sizeof(*slots)), *t;
    CURLM *multi = curl_multi_init();
    size_t next = 0, active = 0, i;
    CURLMsg *msg;
    int running = 0, left, err = 0;

    if (slots == NULL || multi == NULL) {
        err = cn_error_set(CN_ERROR, "libcurl: cannot create a transfer");
        goto out;
    }
    curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, CN_HINT_MAX_PARALLEL);
    while (next < n || active > 0) {
        CURLMcode mc;
        for (i = 0; i < CN_HINT_MAX_PARALLEL && next < n; i++) {
            if (slots[i].easy != NULL)
                continue;
            if (hint_prepare(&slots[i], urls[next++], body, headers) != 0) {
                cn_error_clear(); /* one unusable URL does not keep the others from theirs */
                curl_easy_cleanup(slots[i].easy);
                slots[i].easy = NULL;
                continue;
            }
            curl_easy_setopt(slots[i].easy, CURLOPT_PRIVATE, &slots[i]);
            curl_multi_add_handle(multi, slots[i].easy);
            active++;
        }
        mc = curl_multi_perform(multi, &running);
        while (mc == CURLM_OK && (msg = curl_multi_info_read(multi, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
            if (hint_result(t, msg->data.result) == 0)
                (*sent)++;
            else if (failures)
                cn_buf_printf(failures, "%s\n", cn_error_message());
            cn_error_clear();
            curl_multi_remove_handle(multi, t->easy);
            curl_easy_cleanup(t->easy);
            t->easy = NULL;
            active--;
        }
        if (mc == CURLM_OK && active > 0)
            mc = curl_multi_poll(multi, NULL, 0, 100, NULL);
        if (mc != CURLM_OK) {
            if (failures)
                cn_buf_printf(failures, "libcurl: %s\n", curl_multi_strerror(mc));
            break;
        }
    }
    /* Only after a failure of libcurl's loop: what was not answered. */
    for (i = 0; failures && i < CN_HINT_MAX_PARALLEL; i++)
        if (slots[i].easy != NULL)
            cn_buf_printf(failures, "%s: no answer\n", slots[i].url);
    for (; failures && next < n; next++)
        cn_buf_printf(failures, "%s/inbox: no answer\n", urls[next]);
out:
    for (i = 0; slots && i < CN_HINT_MAX_PARALLEL; i++)
        if (slots[i].easy != NULL) {
            curl_multi_remove_handle(multi, slots[i].easy);
            curl_easy_cleanup(slots[i].easy);
        }
    curl_multi_cleanup(multi);
    free(slots);
    return err;
}

int cn_hint_send_peers(size_t *sent, cn_buf *failures, const char *db_path, const char *self_id,
                       uint64_t timestamp_version)
{
    cn_peers *db = NULL;
    cn_peer *peers = NULL;
    const char **urls = NULL;
    struct curl_slist *headers = NULL;
    struct stat st;
    size_t npeers = 0, nurls = 0, ok = 0, i;
    char body[128];
    int err;

    if (sent)
        *sent = 0;
    if ((err = hint_body(body, sizeof(body), self_id, timestamp_version)) != 0)
        return err;
    if (stat(db_path, &st) != 0)
        return 0; /* no state.db: this node follows nobody */
    if ((err = cn_peers_open(&db, db_path)) != 0 || (err = cn_peers_list(&peers, &npeers, db)) != 0)
        goto out;
    if (npeers == 0)
        goto out;
    if ((urls = calloc(npeers, sizeof(*urls))) == NULL ||
        (headers = curl_slist_append(NULL, "Content-Type: application/json")) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < npeers; i++)
        if (peers[i].policy != CN_POLICY_BLOCK && !is_mirror_url(&peers[i]))
            urls[nurls++] = peers[i].url;
    if (nurls > 0)
        err = hint_run_all(&ok, failures, urls, nurls, body, headers);
out:
    free(urls);
    curl_slist_free_all(headers);
    cn_peer_list_free(peers, npeers);
    cn_peers_free(db);
    if (sent)
        *sent = ok;
    return err;
}
