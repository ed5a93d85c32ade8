/*
 * git_fetch.c - one ref of a remote repository fetched with libgit2, every
 * byte through a bounded socket.
 *
 * libgit2 1.5 connects and reads with blocking calls and no timeout
 * (GIT_OPT_SET_SERVER_TIMEOUT came in 1.7); its callbacks can cancel a
 * fetch, but only when data arrives, and the list of refs comes before any
 * of them is called. So cn_git_fetch registers a stream of its own as
 * libgit2's GIT_STREAM_STANDARD for its duration: libgit2 opens every TCP
 * connection through it, for git:// and http:// and under its TLS stream
 * for https://. The stream's socket is non-blocking and each connect, read
 * and write waits in poll() with a timeout, so every bound holds whatever
 * the server does:
 *
 *  - connect: connect_timeout_s for the whole connect, across addresses
 *    (resolving the name aside: getaddrinfo keeps the resolver's own
 *    timeouts, 5 s per try by default);
 *  - rate: curl's low-speed rule as sync applies it (low_speed_bytes per
 *    second over low_speed_time_s), counted only over the time spent
 *    waiting on the server, so the client's own work (indexing, resolving
 *    deltas) never counts against it. A server that accepts and sends
 *    nothing, or stops after a burst, is cut off low_speed_time_s later;
 *    one that drips, once low_speed_time_s of waiting brought less;
 *  - the refs: the server's ref advertisement (which libgit2 holds in
 *    memory) must be complete within refs_timeout_s and max_refs_bytes;
 *  - bytes: at most max_bytes received over all connections;
 *  - objects: the pack goes through core/pack.h's scan before libgit2's
 *    indexer sees it (a backend of the repository's object database that
 *    only writes packs), so no object larger than max_object is inflated,
 *    as sync bounds a bundle's.
 *
 * A stream that hits a bound records why; the fetch reports that instead of
 * libgit2's generic "error receiving data".
 */
#include "core/git_fetch.h"
#include "core/error.h"
#include "core/git.h"
#include "core/pack.h"

#include <git2/sys/odb_backend.h>
#include <git2/sys/stream.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_CONNECT_TIMEOUT_S 10
#define DEFAULT_LOW_SPEED_BYTES   1024
#define DEFAULT_LOW_SPEED_TIME_S  15
#define DEFAULT_REFS_TIMEOUT_S    300
#define DEFAULT_MAX_BYTES         ((uint64_t)4 << 30)
#define DEFAULT_MAX_REFS_BYTES    ((uint64_t)32 << 20)

/* The bounds of the fetch under way and what it used of them. */
typedef struct {
    int64_t connect_ms, low_ms, low_bytes;
    int64_t deadline; /* monotonic ms the refs must have come by, 0: none */
    int64_t refs_s;
    uint64_t max_bytes, max_refs_bytes, received;
    int listing;           /* the refs are not listed yet: refs_s and max_refs_bytes hold */
    int64_t window_waited; /* ms waited on the server in this rate window */
    uint64_t window_bytes; /* bytes moved in it */
    int code;              /* the bound that ended the fetch, 0: none */
    char why[256];
    const cn_progress *progress;
    int resolving;
    uint64_t max_object;
} bounds;

/* libgit2's stream registry is process-wide: one fetch at a time, whose
 * bounds the streams libgit2 opens meanwhile find here. */
static pthread_mutex_t fetch_lock = PTHREAD_MUTEX_INITIALIZER;
static bounds *active;

typedef struct {
    git_stream parent;
    char *host, *port;
    int fd;
} bounded_stream;

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* End the fetch: remember why, and tell libgit2 (which wraps it at most). */
static int stop(bounds *b, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int stop(bounds *b, int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(b->why, sizeof(b->why), fmt, ap);
    va_end(ap);
    b->code = code;
    git_error_set_str(GIT_ERROR_NET, b->why);
    return -1;
}

/* Charge waited ms and moved bytes to the rate window. A window that
 * moved low_bytes for each second of it starts anew at once, so a server
 * that stalls after a burst is cut off low_ms after the burst; one that
 * waited low_ms without moving that much stops the fetch. 0, or -1 when
 * stopped. */
static int charge(bounds *b, int64_t waited, uint64_t moved)
{
    uint64_t need = (uint64_t)b->low_bytes * (uint64_t)b->low_ms / 1000;

    b->window_waited += waited;
    b->window_bytes += moved;
    if (b->window_bytes >= need) {
        b->window_waited = 0;
        b->window_bytes = 0;
        return 0;
    }
    if (b->window_waited < b->low_ms)
        return 0;
    if (b->window_bytes == 0)
        return stop(b, CN_ENET, "no data from the server for %" PRId64 " s", b->low_ms / 1000);
    return stop(b, CN_ENET, "the server sent less than %" PRId64 " bytes/s for %" PRId64 " s",
                b->low_bytes, b->low_ms / 1000);
}

/* Wait until fd is ready for events, within the rate window and the refs
 * deadline, or (until not 0, for a connect) until then. 1 ready, 0 until
 * passed, -1 stopped or failed. */
static int wait_for(bounds *b, int fd, short events, int64_t until)
{
    for (;;) {
        struct pollfd p = {fd, events, 0};
        int64_t start = now_ms(), left = b->low_ms - b->window_waited;
        int r;

        if (b->deadline && b->deadline - start < left)
            left = b->deadline - start;
        if (until && until - start < left)
            left = until - start;
        if (b->deadline && start >= b->deadline)
            return stop(b, CN_ENET, "the server did not list its refs within %" PRId64 " s",
                        b->refs_s);
        if (until && start >= until)
            return 0;
        r = poll(&p, 1, (int)(left < 0 ? 0 : left > INT32_MAX ? INT32_MAX : left));
        if (r < 0 && errno != EINTR) {
            git_error_set(GIT_ERROR_OS, "poll: %s", strerror(errno));
            return -1;
        }
        /* A connect's wait is its own bound, not the server's rate. */
        if (!until && charge(b, now_ms() - start, 0) != 0)
            return -1;
        if (r > 0)
            return 1;
    }
}

static ssize_t stream_read(git_stream *stream, void *data, size_t len)
{
    bounded_stream *st = (bounded_stream *)stream;
    bounds *b = active;
    uint64_t cap = b->listing ? b->max_refs_bytes : b->max_bytes;
    uint64_t room = cap > b->received ? cap - b->received : 0;

    if (len > room + 1) /* one past the cap, to see it crossed */
        len = (size_t)(room + 1);
    for (;;) {
        ssize_t n = recv(st->fd, data, len, 0);
        if (n > 0) {
            b->received += (uint64_t)n;
            if (b->received > cap && b->listing)
                return stop(b, CN_ELIMIT,
                            "the server's list of refs is larger than %" PRIu64 " bytes", cap);
            if (b->received > cap)
                return stop(b, CN_ELIMIT,
                            "the server sent more than %" PRIu64
                            " bytes, the limit of a fetch: the repository is too large to publish",
                            cap);
            return charge(b, 0, (uint64_t)n) != 0 ? -1 : n;
        }
        if (n == 0)
            return 0;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            git_error_set(GIT_ERROR_NET, "error receiving data: %s", strerror(errno));
            return -1;
        }
        if (wait_for(b, st->fd, POLLIN, 0) < 0)
            return -1;
    }
}

static ssize_t stream_write(git_stream *stream, const char *data, size_t len, int flags)
{
    bounded_stream *st = (bounded_stream *)stream;
    bounds *b = active;
    size_t done = 0;

    (void)flags;
    while (done < len) {
        ssize_t n = send(st->fd, data + done, len - done, MSG_NOSIGNAL);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            git_error_set(GIT_ERROR_NET, "error sending data: %s", strerror(errno));
            return -1;
        }
        if (wait_for(b, st->fd, POLLOUT, 0) < 0)
            return -1;
    }
    return (ssize_t)len;
}

/* One address: a non-blocking connect, waited for until until. 0
 * connected, 1 failed (try the next address; errno says why), -1 stopped. */
static int connect_one(bounds *b, int fd, const struct addrinfo *a, int64_t until)
{
    socklen_t len = sizeof(int);
    int r, soerr = 0;

    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
        return 0;
    if (errno != EINPROGRESS && errno != EINTR)
        return 1;
    if ((r = wait_for(b, fd, POLLOUT, until)) < 0)
        return -1;
    if (r == 0) {
        errno = ETIMEDOUT;
        return 1;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
        return 1;
    errno = soerr;
    return soerr == 0 ? 0 : 1;
}

static int stream_connect(git_stream *stream)
{
    bounded_stream *st = (bounded_stream *)stream;
    bounds *b = active;
    struct addrinfo hints = {0}, *list = NULL, *a;
    int64_t until = now_ms() + b->connect_ms;
    int r, why = ECONNREFUSED;

    hints.ai_socktype = SOCK_STREAM;
    hints.ai_family = AF_UNSPEC;
    if ((r = getaddrinfo(st->host, st->port, &hints, &list)) != 0) {
        git_error_set(GIT_ERROR_NET, "cannot resolve %s: %s", st->host, gai_strerror(r));
        return -1;
    }
    for (a = list; a != NULL; a = a->ai_next) {
        int fd =
            socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            why = errno;
            continue;
        }
        if ((r = connect_one(b, fd, a, until)) == 0) {
            st->fd = fd;
            break;
        }
        why = errno;
        close(fd);
        if (r < 0 || now_ms() >= until)
            break;
    }
    freeaddrinfo(list);
    if (st->fd >= 0)
        return 0;
    if (b->code)
        return -1;
    if (why == ETIMEDOUT)
        return stop(b, CN_ENET, "cannot connect to %s port %s within %" PRId64 " s", st->host,
                    st->port, b->connect_ms / 1000);
    return stop(b, CN_ENET, "cannot connect to %s port %s: %s", st->host, st->port, strerror(why));
}

static int stream_close(git_stream *stream)
{
    bounded_stream *st = (bounded_stream *)stream;

    if (st->fd >= 0)
        close(st->fd);
    st->fd = -1;
    return 0;
}

static void stream_free(git_stream *stream)
{
    bounded_stream *st = (bounded_stream *)stream;

    if (st == NULL)
        return;
    stream_close(stream);
    free(st->host);
    free(st->port);
    free(st);
}

/* libgit2's constructor of a plain TCP stream while a fetch is under way. */
static int stream_new(git_stream **out, const char *host, const char *port)
{
    bounded_stream *st;

    if (active == NULL) {
        git_error_set_str(GIT_ERROR_NET, "no network outside a bounded fetch");
        return -1;
    }
    if ((st = calloc(1, sizeof(*st))) == NULL || (st->host = strdup(host)) == NULL ||
        (st->port = strdup(port)) == NULL) {
        stream_free((git_stream *)st);
        git_error_set_oom();
        return -1;
    }
    st->fd = -1;
    st->parent.version = GIT_STREAM_VERSION;
    st->parent.connect = stream_connect;
    st->parent.read = stream_read;
    st->parent.write = stream_write;
    st->parent.close = stream_close;
    st->parent.free = stream_free;
    *out = &st->parent;
    return 0;
}

/* The pack writer of the scratch repository: each received chunk goes
 * through a cn_pack_scan first, then to libgit2's pack backend. */
typedef struct {
    git_odb_backend parent;
    git_odb_backend *packs; /* libgit2's, writing into the same directory */
    bounds *b;
} scan_backend;

typedef struct {
    git_odb_writepack parent;
    git_odb_writepack *inner;
    cn_pack_scan *scan;
    bounds *b;
} scan_writepack;

/* A refusal of the scan ends the fetch with the scan's own message. */
static int scan_failed(bounds *b, int err)
{
    return stop(b, err == CN_ELIMIT ? CN_ELIMIT : CN_EINVAL, "the server's pack: %s",
                cn_error_message());
}

static int scan_append(git_odb_writepack *w, const void *data, size_t size,
                       git_indexer_progress *stats)
{
    scan_writepack *sw = (scan_writepack *)w;
    int err;

    if ((err = cn_pack_scan_feed(sw->scan, data, size)) != 0)
        return scan_failed(sw->b, err);
    return sw->inner->append(sw->inner, data, size, stats);
}

static int scan_commit(git_odb_writepack *w, git_indexer_progress *stats)
{
    scan_writepack *sw = (scan_writepack *)w;
    int err;

    if ((err = cn_pack_scan_finish(sw->scan)) != 0)
        return scan_failed(sw->b, err);
    return sw->inner->commit(sw->inner, stats);
}

static void scan_writepack_free(git_odb_writepack *w)
{
    scan_writepack *sw = (scan_writepack *)w;

    sw->inner->free(sw->inner);
    cn_pack_scan_free(sw->scan);
    free(sw);
}

static int scan_backend_writepack(git_odb_writepack **out, git_odb_backend *backend, git_odb *odb,
                                  git_indexer_progress_cb cb, void *payload)
{
    scan_backend *sb = (scan_backend *)backend;
    scan_writepack *sw = calloc(1, sizeof(*sw));

    if (sw == NULL || cn_pack_scan_new(&sw->scan, sb->b->max_object) != 0) {
        free(sw);
        git_error_set_oom();
        return -1;
    }
    if (sb->packs->writepack(&sw->inner, sb->packs, odb, cb, payload) < 0) {
        cn_pack_scan_free(sw->scan);
        free(sw);
        return -1;
    }
    sw->b = sb->b;
    sw->parent.backend = backend;
    sw->parent.append = scan_append;
    sw->parent.commit = scan_commit;
    sw->parent.free = scan_writepack_free;
    *out = &sw->parent;
    return 0;
}

static void scan_backend_free(git_odb_backend *backend)
{
    scan_backend *sb = (scan_backend *)backend;

    sb->packs->free(sb->packs);
    free(sb);
}

/* Put the scanning pack writer first in repo's object database, for the
 * fetch that b bounds (the odb owns it from then on). */
static int add_scan_backend(git_repository *repo, bounds *b)
{
    git_buf objects = GIT_BUF_INIT;
    scan_backend *sb = calloc(1, sizeof(*sb));
    git_odb *odb = NULL;
    int err = 0;

    if (sb == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    sb->b = b;
    if (git_odb_init_backend(&sb->parent, GIT_ODB_BACKEND_VERSION) < 0 ||
        git_repository_item_path(&objects, repo, GIT_REPOSITORY_ITEM_OBJECTS) < 0 ||
        git_odb_backend_pack(&sb->packs, objects.ptr) < 0 || git_repository_odb(&odb, repo) < 0) {
        err = cn_git_error(CN_ERROR, "cannot set up the object database");
        goto out;
    }
    sb->parent.writepack = scan_backend_writepack;
    sb->parent.free = scan_backend_free;
    if (git_odb_add_backend(odb, &sb->parent, 1000) < 0)
        err = cn_git_error(CN_ERROR, "cannot set up the object database");
    else
        sb = NULL;
out:
    if (sb && sb->packs)
        sb->packs->free(sb->packs);
    free(sb);
    git_odb_free(odb);
    git_buf_dispose(&objects);
    return err;
}

int cn_git_fetch_url_ok(const char *url)
{
    return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0 ||
           strncasecmp(url, "git://", 6) == 0;
}

static int on_transfer(const git_indexer_progress *stats, void *payload)
{
    bounds *b = payload;

    if (b->code)
        return -1;
    if (stats->total_deltas > 0 && stats->received_objects == stats->total_objects) {
        if (!b->resolving)
            cn_progress_end(b->progress, "Receiving objects");
        b->resolving = 1;
        cn_progress_report(b->progress, "Resolving deltas", stats->indexed_deltas,
                           stats->total_deltas);
    } else {
        cn_progress_report(b->progress, "Receiving objects", stats->received_objects,
                           stats->total_objects);
    }
    return 0;
}

/* The fetch failed doing what: the bound that ended it, else libgit2's reason. */
static int fetch_error(const bounds *b, const char *what)
{
    const git_error *e = git_error_last();

    if (b->code)
        return cn_error_set(b->code, "%s", b->why);
    return cn_error_set(CN_ENET, "%s: %s", what, e && e->message ? e->message : "failed");
}

/* The i-th full name ref may stand for (git's order: tags before
 * branches; a name starting with "refs/" only stands for itself), into
 * name. 1 if there is one, 0 if not, CN_EUSAGE for an invalid name. */
static int ref_candidate(char *name, size_t size, const char *ref, int i)
{
    static const char *const prefixes[] = {"refs/tags/", "refs/heads/"};
    int len, valid = 0;

    if (i >= 2 || (i == 1 && strncmp(ref, "refs/", 5) == 0))
        return 0;
    len = strncmp(ref, "refs/", 5) == 0 ? snprintf(name, size, "%s", ref)
                                        : snprintf(name, size, "%s%s", prefixes[i], ref);
    if (len < 0 || (size_t)len >= size || git_reference_name_is_valid(&valid, name) < 0 || !valid)
        return cn_error_set(CN_EUSAGE, "'%.100s' is not a valid tag or branch name", ref);
    return 1;
}

/* The advertised ref the fetch wants, or NULL (message set). */
static const git_remote_head *pick(const git_remote_head **heads, size_t n, const char *ref)
{
    char name[1024];
    size_t i;
    int c, r;

    if (ref == NULL) {
        for (i = 0; i < n; i++)
            if (strcmp(heads[i]->name, "HEAD") == 0)
                return heads[i];
        cn_error_set(CN_EINVAL, "the remote repository has no HEAD (is it empty?): name a tag "
                                "or branch with --ref");
        return NULL;
    }
    for (c = 0; (r = ref_candidate(name, sizeof(name), ref, c)) == 1; c++)
        for (i = 0; i < n; i++)
            if (strcmp(heads[i]->name, name) == 0)
                return heads[i];
    if (r == 0)
        cn_error_set(CN_EINVAL, "the remote repository has no tag or branch '%s'", ref);
    return NULL;
}

int cn_git_resolve_ref(git_oid *out, git_repository *repo, const char *ref)
{
    git_object *obj = NULL;
    git_reference *r = NULL;
    char name[1024];
    int c, found = 0, err;

    for (c = 0; !found && (err = ref_candidate(name, sizeof(name), ref, c)) == 1; c++)
        found = git_reference_lookup(&r, repo, name) == 0;
    if (!found)
        return err < 0 ? err : cn_error_set(CN_EINVAL, "no tag or branch '%s'", ref);
    if (git_reference_peel(&obj, r, GIT_OBJECT_COMMIT) < 0)
        err = cn_error_set(CN_EINVAL, "%s names no commit", name);
    else {
        git_oid_cpy(out, git_object_id(obj));
        err = 0;
    }
    git_object_free(obj);
    git_reference_free(r);
    return err;
}

int cn_git_fetch(git_oid *out, git_repository *repo, const char *url, const char *ref,
                 const cn_git_fetch_options *opts)
{
    git_stream_registration reg = {GIT_STREAM_VERSION, stream_new, NULL};
    git_remote_callbacks cb;
    git_fetch_options fo;
    git_proxy_options proxy;
    git_remote_create_options copts;
    const git_remote_head **heads = NULL, *want;
    git_remote *remote = NULL;
    git_object *obj = NULL, *peeled = NULL;
    char spec[1100], *specp = spec;
    git_strarray specs = {&specp, 1};
    bounds b;
    size_t n = 0;
    int err = CN_ERROR;

    if (!cn_git_fetch_url_ok(url))
        return cn_error_set(CN_EUSAGE, "only http://, https:// and git:// repositories are "
                                       "fetched; a local repository is published by its "
                                       "directory");
    memset(&b, 0, sizeof(b));
    if (git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION) < 0 ||
        git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION) < 0 ||
        git_proxy_options_init(&proxy, GIT_PROXY_OPTIONS_VERSION) < 0 ||
        git_remote_create_options_init(&copts, GIT_REMOTE_CREATE_OPTIONS_VERSION) < 0)
        return cn_git_error(CN_ERROR, "libgit2");
    b.connect_ms =
        (opts->connect_timeout_s > 0 ? opts->connect_timeout_s : DEFAULT_CONNECT_TIMEOUT_S) * 1000;
    b.low_bytes = opts->low_speed_bytes > 0 ? opts->low_speed_bytes : DEFAULT_LOW_SPEED_BYTES;
    b.low_ms =
        (opts->low_speed_time_s > 0 ? opts->low_speed_time_s : DEFAULT_LOW_SPEED_TIME_S) * 1000;
    b.refs_s = opts->refs_timeout_s > 0 ? opts->refs_timeout_s : DEFAULT_REFS_TIMEOUT_S;
    b.max_bytes = opts->max_bytes ? opts->max_bytes : DEFAULT_MAX_BYTES;
    b.max_refs_bytes = opts->max_refs_bytes ? opts->max_refs_bytes : DEFAULT_MAX_REFS_BYTES;
    b.progress = opts->progress;
    b.max_object = opts->max_object ? opts->max_object : CN_PACK_MAX_OBJECT;

    if ((err = add_scan_backend(repo, &b)) != 0)
        return err;
    err = CN_ERROR;
    pthread_mutex_lock(&fetch_lock);
    active = &b;
    if (git_stream_register(GIT_STREAM_STANDARD, &reg) < 0) {
        cn_git_error(CN_ERROR, "cannot set up the network");
        goto out;
    }
    /* No url.<base>.insteadOf from the user's git config: the URL fetched
     * is the one given (and libgit2 1.5 leaks a regex match per entry). */
    copts.repository = repo;
    copts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
    if (git_remote_create_with_opts(&remote, url, &copts) < 0) {
        err = cn_error_set(CN_EUSAGE, "not a repository URL libgit2 can read");
        goto out;
    }
    cb.transfer_progress = on_transfer;
    cb.payload = &b;
    proxy.type = GIT_PROXY_NONE;
    b.deadline = now_ms() + b.refs_s * 1000;
    b.listing = 1;
    if (git_remote_connect(remote, GIT_DIRECTION_FETCH, &cb, &proxy, NULL) < 0 ||
        git_remote_ls(&heads, &n, remote) < 0) {
        err = fetch_error(&b, "cannot list the remote's refs");
        goto out;
    }
    b.deadline = 0;
    b.listing = 0;
    if ((want = pick(heads, n, ref)) == NULL) {
        err = cn_error_last();
        goto out;
    }
    snprintf(spec, sizeof(spec), "%s", want->name);
    fo.callbacks = cb;
    fo.proxy_opts = proxy;
    fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
    fo.update_fetchhead = 0;
    if (git_remote_download(remote, &specs, &fo) < 0) {
        err = fetch_error(&b, "cannot fetch");
        goto out;
    }
    cn_progress_end(b.progress, b.resolving ? "Resolving deltas" : "Receiving objects");
    if (git_object_lookup(&obj, repo, &want->oid, GIT_OBJECT_ANY) < 0) {
        err = cn_error_set(CN_ENET, "the server did not send %s", want->name);
        goto out;
    }
    if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0) {
        err = cn_error_set(CN_EINVAL, "%s names no commit", want->name);
        goto out;
    }
    git_oid_cpy(out, git_object_id(peeled));
    err = 0;
out:
    git_object_free(peeled);
    git_object_free(obj);
    git_remote_free(remote);
    git_stream_register(GIT_STREAM_STANDARD, NULL);
    active = NULL;
    pthread_mutex_unlock(&fetch_lock);
    return err;
}
