/*
 * inbox.c - POST /inbox: a peer's hint that its metadata changed
 * (docs/PROTOCOL.md §12), at most 1 KiB of {"node": <id>, "timestamp":
 * <version>}, rate-limited per followed peer it names, and otherwise per
 * client address and in all.
 */
#include "node/http/server_internal.h"
#include "core/buf.h"
#include "core/error.h"

#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* The inbox (docs/PROTOCOL.md §12). A hint costs the receiver a sync of one
 * peer at most, and only for a followed peer; the limits keep a flood from
 * costing more than a few requests per second in all. */
#define CN_INBOX_MAX_BODY    1024
#define CN_INBOX_DISCARD_MAX (64 * 1024) /* an oversized body is read this far */
#define CN_INBOX_PER_ADDR    10          /* anonymous hints per client address ... */
#define CN_INBOX_GLOBAL      600         /* ... and from all addresses together; */
#define CN_INBOX_PER_PEER    10          /* hints naming one followed peer; each ... */
#define CN_INBOX_WINDOW_S    60          /* ... per window of this many seconds */

/* The state of one POST /inbox while its body arrives. */
struct cn_inbox_request {
    size_t len;
    int too_large;
    char body[CN_INBOX_MAX_BODY + 1];
};

static int64_t monotonic_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

/* The client address of c (family 0 if it has none we know). */
static int client_addr(unsigned char addr[16], struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

    memset(addr, 0, 16);
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET) {
        memcpy(addr, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, 4);
        return AF_INET;
    }
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6) {
        memcpy(addr, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, 16);
        return AF_INET6;
    }
    return 0;
}

/* The slot of addr in its current window; with create, a new or expired
 * slot is taken for it. NULL if it has none (every slot busy). The caller
 * holds srv->rate_lock. */
static rate_slot *addr_slot(cn_server *srv, const unsigned char addr[16], int family, int64_t now,
                            int create)
{
    rate_slot *slot = NULL, *free_slot = NULL;

    for (size_t i = 0; i < CN_INBOX_ADDRS && slot == NULL; i++) {
        rate_slot *s = &srv->slots[i];
        if (s->family == family && memcmp(s->addr, addr, 16) == 0)
            slot = s;
        else if (free_slot == NULL && (s->family == 0 || now - s->start >= CN_INBOX_WINDOW_S))
            free_slot = s;
    }
    if (slot != NULL && now - slot->start >= CN_INBOX_WINDOW_S) {
        slot->start = now;
        slot->count = 0;
    }
    if (slot == NULL && create && (slot = free_slot) != NULL) {
        slot->family = family;
        memcpy(slot->addr, addr, 16);
        slot->start = now;
        slot->count = 0;
    }
    return slot;
}

/* 1 if the connection's address has used up its own allowance of anonymous
 * hints: refused before its body is read. Hints that name a followed peer
 * do not count here, so this never refuses another address's hints. */
static int addr_exhausted(cn_server *srv, struct MHD_Connection *c)
{
    unsigned char addr[16];
    int family = client_addr(addr, c), over;
    rate_slot *slot;

    if (family == 0)
        return 1;
    pthread_mutex_lock(&srv->rate_lock);
    slot = addr_slot(srv, addr, family, monotonic_seconds(), 0);
    over = slot != NULL && slot->count >= CN_INBOX_PER_ADDR;
    pthread_mutex_unlock(&srv->rate_lock);
    return over;
}

/* Count an anonymous hint (one that names no followed peer) from the
 * connection's client address; 0 if it is over the per-address or the
 * global limit (fixed windows of CN_INBOX_WINDOW_S). */
static int anonymous_admit(cn_server *srv, struct MHD_Connection *c)
{
    unsigned char addr[16];
    int family = client_addr(addr, c), ok = 0;
    int64_t now = monotonic_seconds();
    rate_slot *slot;

    if (family == 0)
        return 0;
    pthread_mutex_lock(&srv->rate_lock);
    if (now - srv->global_start >= CN_INBOX_WINDOW_S) {
        srv->global_start = now;
        srv->global_count = 0;
    }
    if (srv->global_count >= CN_INBOX_GLOBAL)
        goto out;
    /* more active addresses than tracked: refuse until a window ends */
    if ((slot = addr_slot(srv, addr, family, now, 1)) == NULL || slot->count >= CN_INBOX_PER_ADDR)
        goto out;
    slot->count++;
    srv->global_count++;
    ok = 1;
out:
    pthread_mutex_unlock(&srv->rate_lock);
    return ok;
}

/* Count a hint that names the followed peer node_id against that peer's own
 * allowance, whatever address it came from: the node field is not
 * authenticated, so a flood naming a peer costs at most CN_INBOX_PER_PEER
 * syncs of it a window, and a flood naming anyone else cannot touch it.
 * 1 admitted, 0 over the allowance, -1 no slot free (the hint is then
 * counted as anonymous). */
static int peer_admit(cn_server *srv, const char *node_id)
{
    int64_t now = monotonic_seconds();
    peer_slot *slot = NULL, *free_slot = NULL;
    int ok = 0;

    pthread_mutex_lock(&srv->rate_lock);
    for (size_t i = 0; i < CN_INBOX_PEERS && slot == NULL; i++) {
        peer_slot *s = &srv->peer_slots[i];
        if (s->id[0] != '\0' && strcmp(s->id, node_id) == 0)
            slot = s;
        else if (free_slot == NULL && (s->id[0] == '\0' || now - s->start >= CN_INBOX_WINDOW_S))
            free_slot = s;
    }
    if (slot == NULL) {
        if ((slot = free_slot) == NULL) {
            ok = -1;
            goto out;
        }
        memcpy(slot->id, node_id, sizeof(slot->id));
        slot->start = now;
        slot->count = 0;
    } else if (now - slot->start >= CN_INBOX_WINDOW_S) {
        slot->start = now;
        slot->count = 0;
    }
    if (slot->count < CN_INBOX_PER_PEER) {
        slot->count++;
        ok = 1;
    }
out:
    pthread_mutex_unlock(&srv->rate_lock);
    return ok;
}

/* {"node": "<64 lowercase hex>", "timestamp": <integer >= 0>}; other members
 * are ignored, so the hint can grow. */
static int parse_hint(char node[CN_NODE_ID_LEN + 1], uint64_t *version, const char *body,
                      size_t len)
{
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL), *n, *t;
    int ok = 0;

    if (doc == NULL)
        return 0;
    n = json_object_get(doc, "node");
    t = json_object_get(doc, "timestamp");
    if (json_is_object(doc) && json_is_string(n) && json_string_length(n) == CN_NODE_ID_LEN &&
        cn_hex_is_lower(json_string_value(n), CN_NODE_ID_LEN) && json_is_integer(t) &&
        json_integer_value(t) >= 0) {
        memcpy(node, json_string_value(n), CN_NODE_ID_LEN + 1);
        *version = (uint64_t)json_integer_value(t);
        ok = 1;
    }
    json_decref(doc);
    return ok;
}

enum MHD_Result cn_inbox_respond(cn_server *srv, struct MHD_Connection *c,
                                 const cn_inbox_request *req)
{
    char node[CN_NODE_ID_LEN + 1];
    uint64_t version = 0;
    int r = 0, followed = 0, admitted;

    if (req->too_large)
        return cn_serve_text(c, MHD_HTTP_CONTENT_TOO_LARGE, "a hint is at most 1 KiB\n");
    if (!parse_hint(node, &version, req->body, req->len))
        return cn_serve_text(c, MHD_HTTP_BAD_REQUEST,
                             "expected {\"node\": NODE_ID, \"timestamp\": VERSION}\n");
    /* A followed peer's hint is counted against that peer's allowance, any
     * other against its address's and the global one, so a flood of hints
     * naming strangers from many addresses leaves the peers' hints alone. */
    if (srv->is_peer != NULL && (followed = srv->is_peer(srv->hint_ctx, node)) < 0)
        return cn_serve_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot take the hint now\n");
    admitted = followed ? peer_admit(srv, node) : -1;
    if (admitted < 0)
        admitted = anonymous_admit(srv, c);
    if (!admitted)
        return cn_serve_text(c, MHD_HTTP_TOO_MANY_REQUESTS, "too many hints; try later\n");
    if (srv->on_hint)
        r = srv->on_hint(srv->hint_ctx, node, version);
    if (r < 0)
        return cn_serve_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot take the hint now\n");
    return cn_serve_empty(c, r ? MHD_HTTP_ACCEPTED : MHD_HTTP_NO_CONTENT);
}

enum MHD_Result cn_inbox_begin(cn_server *srv, struct MHD_Connection *c, void **req_cls)
{
    const char *cl =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    cn_inbox_request *req;

    if (addr_exhausted(srv, c))
        return cn_serve_text(c, MHD_HTTP_TOO_MANY_REQUESTS, "too many hints; try later\n");
    if (cl != NULL) {
        char *end;
        unsigned long long n;
        errno = 0;
        n = strtoull(cl, &end, 10);
        if (errno == 0 && *end == '\0' && n > CN_INBOX_MAX_BODY)
            return cn_serve_text(c, MHD_HTTP_CONTENT_TOO_LARGE, "a hint is at most 1 KiB\n");
    }
    if ((req = calloc(1, sizeof(*req))) == NULL)
        return MHD_NO;
    *req_cls = req;
    return MHD_YES;
}

enum MHD_Result cn_inbox_body(cn_inbox_request *req, const char *data, size_t *size)
{
    size_t n = *size;

    *size = 0;
    if (req->too_large || n > CN_INBOX_MAX_BODY - req->len) {
        req->too_large = 1;
        if (n > CN_INBOX_DISCARD_MAX - req->len)
            return MHD_NO;
        req->len += n;
        return MHD_YES;
    }
    memcpy(req->body + req->len, data, n);
    req->len += n;
    return MHD_YES;
}

int cn_inbox_init(cn_server *srv)
{
    if (pthread_mutex_init(&srv->rate_lock, NULL) != 0)
        return cn_error_set(CN_ERROR, "cannot create a mutex");
    srv->rate_lock_ok = 1;
    srv->global_start = monotonic_seconds();
    return 0;
}

void cn_inbox_free(cn_server *srv)
{
    if (srv->rate_lock_ok)
        pthread_mutex_destroy(&srv->rate_lock);
    srv->rate_lock_ok = 0;
}
