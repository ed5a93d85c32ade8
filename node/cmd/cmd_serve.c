/*
 * cmd_serve.c - `citynode serve [--listen HOST:PORT]`.
 *
 * Serves the node (node/http/server.h) and keeps it fresh:
 *
 *  - the timestamp has a short expiry (1 day), so the main thread re-signs
 *    it before it expires, and renews root, targets and snapshot a quarter
 *    of their year ahead (node/keys.h), or warns when the root key is
 *    offline;
 *  - a sync thread runs a sync round over all followed peers every
 *    sync_interval seconds (config.yml), and a round of just the hinted peers
 *    about a second after a followed peer's hint (POST /inbox) says it has a
 *    newer timestamp than the one trusted here.
 *
 * Every log line goes through cn_term_fprintf: a sync's error may quote a
 * peer's bytes, and a log is read on a terminal.
 *
 * Both take the node lock only for their own work, so `citynode publish` and
 * `citynode sync` can run while the server is up; whoever finds the lock
 * taken skips that turn (a hinted round is retried a few seconds later).
 */
#include "core/error.h"
#include "core/file.h"
#include "core/term.h"
#include "node/cmd/commands.h"
#include "node/config.h"
#include "node/keys.h"
#include "node/node.h"
#include "node/profile.h"
#include "node/http/server.h"
#include "node/federation/follow.h"
#include "node/federation/search_index.h"
#include "peers/peers.h"
#include "peers/sync.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define CN_SERVE_THREADS_MAX 64

static const char synopsis[] = "serve [--listen HOST:PORT] [--threads N]";

#define CN_RESIGN_CHECK_S   60
#define CN_HINT_DEBOUNCE_MS 1000 /* hints arriving within this join one round */
#define CN_HINT_RETRY_MS    5000 /* a hinted round that found the lock taken */
#define CN_HINT_PENDING     64   /* peers waiting for a hinted round; beyond, all peers */
#define CN_STOP_WAIT_S      10   /* how long stopping waits for a running round */
#define CN_FD_LIMIT         4096 /* connections and the files they are sent */

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* What the sync thread and the hint callback (on the server's threads)
 * share; everything below `lock` is guarded by it. */
typedef struct {
    const char *home;
    char *db_path;    /* <home>/state.db */
    int64_t interval; /* ms between rounds over all peers; 0: none */
    pthread_mutex_t lock;
    pthread_cond_t wake; /* on CLOCK_MONOTONIC */
    cn_peers *db;        /* the hint callback's own handle (handles are not thread-safe) */
    char pending[CN_HINT_PENDING][CN_PEER_ID_HEX + 1];
    size_t npending;
    int pending_all;  /* more hinted peers than fit: sync them all */
    int64_t hint_due; /* when the hinted round runs (ms); 0: none pending */
    int stop;
    int running; /* the thread has not finished */
} syncer;

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int file_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* Queue node_id for the next hinted round; the caller holds s->lock. */
static void schedule_peer(syncer *s, const char *node_id, int64_t due)
{
    size_t i;

    for (i = 0; i < s->npending; i++)
        if (strcmp(s->pending[i], node_id) == 0)
            break;
    if (i == s->npending) {
        if (s->npending < CN_HINT_PENDING)
            memcpy(s->pending[s->npending++], node_id, CN_PEER_ID_HEX + 1);
        else
            s->pending_all = 1;
    }
    if (s->hint_due == 0 || due < s->hint_due)
        s->hint_due = due;
    pthread_cond_signal(&s->wake);
}

/* 1 if node_id is followed (with schedule, a sync is scheduled when the
 * hinted version is newer than the trusted one), 0 if not, -1 on error. A
 * node with no state.db follows nobody; the file is not created here. */
static int take_hint(syncer *s, const char *node_id, uint64_t version, int schedule)
{
    cn_peer peer = {0};
    int err, followed = 0;

    pthread_mutex_lock(&s->lock);
    if (s->db == NULL) {
        if (!file_exists(s->db_path))
            goto out;
        if ((err = cn_peers_open(&s->db, s->db_path)) != 0) {
            cn_term_fprintf(stderr, "citynode serve: cannot take a hint: %s\n", cn_error_message());
            followed = -1;
            goto out;
        }
    }
    err = cn_peers_get(&peer, s->db, node_id);
    if (err == CN_ENOTFOUND || err == CN_EUSAGE) {
        cn_error_clear();
        goto out;
    }
    if (err != 0) {
        cn_term_fprintf(stderr, "citynode serve: cannot take a hint: %s\n", cn_error_message());
        followed = -1;
        goto out;
    }
    if (peer.policy == CN_POLICY_BLOCK)
        goto out;
    followed = 1;
    if (schedule && version > peer.timestamp_version)
        schedule_peer(s, node_id, now_ms() + CN_HINT_DEBOUNCE_MS);
out:
    pthread_mutex_unlock(&s->lock);
    cn_peer_clear(&peer);
    return followed;
}

/* cn_server_hint_fn */
static int on_hint(void *ctx, const char *node_id, uint64_t version)
{
    return take_hint(ctx, node_id, version, 1);
}

/* cn_server_peer_fn */
static int is_peer(void *ctx, const char *node_id)
{
    return take_hint(ctx, node_id, 0, 0);
}

static void log_round(const cn_sync_report *report)
{
    size_t i;

    for (i = 0; report && i < report->npeers; i++) {
        const cn_sync_peer_result *p = &report->peers[i];
        if (p->err != 0)
            cn_term_fprintf(stderr, "citynode serve: sync %.12s: failed: %s\n", p->node_id,
                            p->error ? p->error : "unknown error");
        else if (p->changed)
            cn_term_fprintf(stderr,
                            "citynode serve: sync %.12s: updated to timestamp %" PRIu64
                            " (%zu files, %zu requests, %" PRIu64 " bytes)\n",
                            p->node_id, p->timestamp_version, p->targets_fetched, p->requests,
                            p->bytes);
        else
            cn_term_fprintf(stderr, "citynode serve: sync %.12s: unchanged (%zu requests)\n",
                            p->node_id, p->requests);
    }
}

/* One round over refs (all peers when n is 0) under the node lock.
 * CN_ELOCKED if a CLI command holds the lock. */
static int run_round(syncer *s, char (*refs)[CN_PEER_ID_HEX + 1], size_t n)
{
    const char *ids[CN_HINT_PENDING];
    cn_sync_report *report = NULL;
    cn_node *node = NULL;
    size_t i;
    int err;

    if (!file_exists(s->db_path))
        return 0; /* no state.db: no peers to sync */
    for (i = 0; i < n; i++)
        ids[i] = refs[i];
    if ((err = cn_node_open(&node, s->home, CN_NODE_WRITE)) == CN_ELOCKED) {
        cn_error_clear();
        return err;
    }
    if (err != 0) {
        cn_term_fprintf(stderr, "citynode serve: cannot sync: %s\n", cn_error_message());
        return err;
    }
    err = cn_node_sync(&report, node, ids, n, NULL, NULL, NULL);
    if (report == NULL && err != 0)
        cn_term_fprintf(stderr, "citynode serve: cannot sync: %s\n", cn_error_message());
    cn_node_free(node); /* the lock goes before the log says the round is over */
    log_round(report);
    cn_sync_report_free(report);
    cn_error_clear();
    return err;
}

/* Sleep on s->wake until due (ms, monotonic; 0: until woken). */
static void wait_until(syncer *s, int64_t due)
{
    struct timespec ts;

    if (due == 0) {
        pthread_cond_wait(&s->wake, &s->lock);
        return;
    }
    ts.tv_sec = (time_t)(due / 1000);
    ts.tv_nsec = (long)(due % 1000) * 1000000;
    pthread_cond_timedwait(&s->wake, &s->lock, &ts);
}

static void *sync_main(void *arg)
{
    syncer *s = arg;
    char refs[CN_HINT_PENDING][CN_PEER_ID_HEX + 1];
    int64_t next_round = s->interval > 0 ? now_ms() : 0; /* the first round at once */

    pthread_mutex_lock(&s->lock);
    while (!s->stop) {
        int64_t now = now_ms(), due = next_round;
        size_t n = 0;
        int hinted = 0, err;

        if (s->hint_due && (due == 0 || s->hint_due < due))
            due = s->hint_due;
        if (due == 0 || now < due) {
            wait_until(s, due);
            continue;
        }
        if (next_round && now >= next_round) {
            next_round = now + s->interval;
        } else if (!s->pending_all) {
            hinted = 1;
            n = s->npending;
            memcpy(refs, s->pending, n * sizeof(refs[0]));
        }
        /* a round over all peers covers every hinted one too */
        s->npending = 0;
        s->pending_all = 0;
        s->hint_due = 0;
        pthread_mutex_unlock(&s->lock);
        err = run_round(s, refs, n);
        pthread_mutex_lock(&s->lock);
        if (err == CN_ELOCKED && hinted) {
            size_t i;
            for (i = 0; i < n; i++)
                schedule_peer(s, refs[i], now_ms() + CN_HINT_RETRY_MS);
        }
    }
    s->running = 0;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static int syncer_init(syncer *s, const char *home, int64_t interval_s)
{
    pthread_condattr_t attr;

    memset(s, 0, sizeof(*s));
    s->home = home;
    s->interval = interval_s > 0 ? interval_s * 1000 : 0;
    if ((s->db_path = cn_path_join(home, "state.db")) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if (pthread_mutex_init(&s->lock, NULL) != 0)
        goto fail;
    if (pthread_condattr_init(&attr) != 0)
        goto fail_mutex;
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (pthread_cond_init(&s->wake, &attr) != 0) {
        pthread_condattr_destroy(&attr);
        goto fail_mutex;
    }
    pthread_condattr_destroy(&attr);
    return 0;
fail_mutex:
    pthread_mutex_destroy(&s->lock);
fail:
    free(s->db_path);
    return cn_error_set(CN_ERROR, "cannot create the sync thread's lock");
}

/* Ask the thread to stop and wait for it; 0 once it has, CN_ERROR if a round
 * is still running after CN_STOP_WAIT_S (the thread still uses s then). */
static int syncer_stop(syncer *s, pthread_t thread)
{
    int64_t give_up = now_ms() + CN_STOP_WAIT_S * 1000;

    pthread_mutex_lock(&s->lock);
    s->stop = 1;
    pthread_cond_broadcast(&s->wake);
    while (s->running && now_ms() < give_up)
        wait_until(s, give_up);
    if (s->running) {
        pthread_mutex_unlock(&s->lock);
        return CN_ERROR;
    }
    pthread_mutex_unlock(&s->lock);
    pthread_join(thread, NULL);
    return 0;
}

static void syncer_free(syncer *s)
{
    cn_peers_free(s->db);
    free(s->db_path);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
}

/* Renew what is due: the timestamp within margin, root, targets and
 * snapshot a quarter of their lifetime ahead (node/keys.h); warn, at most
 * once a day (*warned), when the root expires soon and cannot be renewed. A
 * busy lock (publish running) is not an error: the next round tries again. */
static void resign_round(const char *home, int64_t margin, time_t *warned)
{
    cn_node *node = NULL;
    int err;

    err = cn_node_open(&node, home, CN_NODE_WRITE);
    if (err == CN_ELOCKED)
        return;
    if (err != 0)
        cn_term_fprintf(stderr, "citynode serve: cannot re-sign: %s\n", cn_error_message());
    else
        cn_node_renew_report(node, "citynode serve: ", margin, warned);
    /* A node that has published nothing (a network's) is in its own
     * registry all the same, so that its pages name it. */
    if (err == 0 && cn_node_index_self_missing(node) != 0) {
        cn_term_fprintf(stderr, "citynode serve: cannot index this node: %s\n", cn_error_message());
        cn_error_clear();
    }
    cn_node_free(node);
}

/* At start: sign config.yml's logo (or its removal) when the published one
 * differs, as publish would, so that a node that publishes nothing of its
 * own (a network's) shows its logo too. A logo that cannot be published is
 * a warning: the node serves what it signed before. */
static void publish_logo(const char *home, const cn_config *cfg)
{
    cn_node *node = NULL;
    int err, changed = 0;

    /* Busy (a publish or sync holds the lock): the next start or publish
     * signs it; serving is not held up. */
    if ((err = cn_node_open(&node, home, CN_NODE_WRITE)) != 0) {
        if (err != CN_ELOCKED && cfg->logo != NULL)
            cn_term_fprintf(stderr, "citynode serve: warning: the logo is not published: %s\n",
                            cn_error_message());
        cn_error_clear();
        return;
    }
    if ((err = cn_profile_publish_logo(node->tuf, node->home->root, cfg, &changed)) == 0 &&
        changed && (err = cn_tuf_repo_commit(node->tuf)) == 0) {
        cn_term_fprintf(stderr, "citynode serve: published the logo %s\n",
                        cfg->logo ? cfg->logo : "(removed)");
        if (cn_node_index_self(node) != 0)
            cn_term_fprintf(stderr, "citynode serve: cannot index this node: %s\n",
                            cn_error_message());
    }
    if (err != 0)
        cn_term_fprintf(stderr, "citynode serve: warning: the logo is not published: %s\n",
                        cn_error_message());
    cn_error_clear();
    cn_node_free(node);
}

/* Room for every connection the server allows plus the files it sends. */
static void raise_fd_limit(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= CN_FD_LIMIT)
        return;
    rl.rlim_cur = rl.rlim_max < CN_FD_LIMIT ? rl.rlim_max : CN_FD_LIMIT;
    setrlimit(RLIMIT_NOFILE, &rl);
}

/* The host and port of an http(s) URL (port 80 or 443 when it names
 * none); -1 when it is no such URL. */
static int url_host_port(char *host, size_t hostlen, unsigned *port, const char *url)
{
    const char *a, *end, *colon;
    size_t n;

    if (strncmp(url, "http://", 7) == 0)
        a = url + 7, *port = 80;
    else if (strncmp(url, "https://", 8) == 0)
        a = url + 8, *port = 443;
    else
        return -1;
    end = a + strcspn(a, "/?#");
    if (*a == '[') {
        const char *close = memchr(a, ']', (size_t)(end - a));
        if (close == NULL)
            return -1;
        n = (size_t)(close - a - 1), a++;
        colon = close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = memchr(a, ':', (size_t)(end - a));
        n = (size_t)((colon ? colon : end) - a);
    }
    if (n == 0 || n >= hostlen)
        return -1;
    memcpy(host, a, n);
    host[n] = '\0';
    if (colon) {
        char *stop;
        unsigned long p = strtoul(colon + 1, &stop, 10);
        if (stop != end || stop == colon + 1 || p == 0 || p > 65535)
            return -1;
        *port = (unsigned)p;
    }
    return 0;
}

static int is_numeric(const char *host)
{
    struct in6_addr a;

    return inet_pton(AF_INET, host, &a) == 1 || inet_pton(AF_INET6, host, &a) == 1;
}

static int url_is_loopback(const char *url, unsigned *port)
{
    char host[256];

    if (url_host_port(host, sizeof(host), port, url) != 0)
        return 0;
    return strcasecmp(host, "localhost") == 0 || cn_server_host_is_loopback(host);
}

/* The address others are told (url: in config.yml, http://127.0.0.1:8470
 * when `init` had no --url) against the one serve listens on (docs/CONFIG.md
 * "url"). Listening beyond loopback with a loopback URL, every peer would
 * record an address that reaches nothing: refused, before anything starts.
 * Listening on loopback on another port than the URL's, a try-out on one
 * machine: a warning. Both say how to set the URL. */
static int check_public_url(const cn_config *cfg, const char *config_path, const char *host,
                            unsigned port, int started)
{
    int v6 = strchr(host, ':') != NULL;
    int wildcard = strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0;
    char suggest[300];
    unsigned url_port;

    if (!url_is_loopback(cfg->url, &url_port) || !is_numeric(host))
        return 0; /* a host name: the server refuses it (docs/CONFIG.md "listen") */
    if (wildcard)
        snprintf(suggest, sizeof(suggest),
                 "http://HOST:%u (HOST: the name or address other machines use for this one)",
                 port);
    else
        snprintf(suggest, sizeof(suggest), "http://%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "",
                 port);
    if (!cn_server_host_is_loopback(host) && !started)
        return cn_error_set(CN_EINVAL,
                            "serve: this node listens on %s%s%s:%u, reachable from other "
                            "machines, but tells peers it is at %s (url: in config.yml), an "
                            "address on this machine only; set the URL others reach it at with "
                            "`citynode config url %s`, or edit url: in %s",
                            v6 ? "[" : "", host, v6 ? "]" : "", port, cfg->url, suggest,
                            config_path);
    if (cn_server_host_is_loopback(host) && started && port != url_port)
        cn_term_fprintf(stderr,
                        "citynode serve: warning: this node tells peers it is at %s (url: in "
                        "config.yml) but listens on %s%s%s:%u; set the URL others reach it at with "
                        "`citynode config url %s`, or edit url: in %s\n",
                        cfg->url, v6 ? "[" : "", host, v6 ? "]" : "", port, suggest, config_path);
    return 0;
}

/* Serving publicly, a German public body must link its Impressum, its
 * Datenschutzerklärung and its Erklärung zur Barrierefreiheit (TMG/DDG §5,
 * DSGVO Art. 13, BITV 2.0 §7): one line on stderr for each that config.yml
 * does not name. The page shows the same (GET /api/v1, "legal"). */
static void warn_legal_pages(const cn_config *cfg, const char *config_path)
{
    const struct {
        const char *url, *key, *page, *duty;
    } pages[] = {
        {cfg->imprint, "imprint", "Impressum", "German public bodies must link one"},
        {cfg->privacy, "privacy", "Datenschutzerklärung (privacy policy)",
         "German public bodies must link one"},
        {cfg->accessibility, "accessibility",
         "Erklärung zur Barrierefreiheit (accessibility statement)",
         "German public bodies must link one (BITV 2.0)"},
    };

    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
        if (pages[i].url == NULL)
            cn_term_fprintf(stderr,
                            "citynode serve: warning: no %s configured (set %s: https://… in "
                            "%s); %s\n",
                            pages[i].page, pages[i].key, config_path, pages[i].duty);
}

int cn_cmd_serve(const char *home_flag, int argc, char **argv)
{
    static const struct option opts[] = {{"listen", required_argument, NULL, 'l'},
                                         {"threads", required_argument, NULL, 't'},
                                         {NULL, 0, NULL, 0}};
    cn_server_options so = {0};
    cn_server *srv = NULL;
    cn_home *h = NULL;
    cn_config *cfg = NULL;
    syncer sync;
    pthread_t sync_thread;
    struct sigaction sa;
    const char *listen = NULL;
    char *home = NULL, host[256];
    time_t next_check = 0, warned = 0;
    int c, err, have_syncer = 0;

    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 't') {
            /* HTTP worker threads: 4 by default; 1 for a small node (the
             * demo's model projects), more for a busy registry. */
            char *end;
            unsigned long n = strtoul(optarg, &end, 10);
            if (*optarg < '1' || *optarg > '9' || *end || n > CN_SERVE_THREADS_MAX)
                return cn_cli_usage_error(synopsis, "--threads takes a number from 1 to 64");
            so.threads = (unsigned)n;
            continue;
        }
        if (c != 'l')
            return cn_cli_usage_error(synopsis, "unknown option");
        listen = optarg;
    }
    if (optind != argc)
        return cn_cli_usage_error(synopsis, "unexpected argument");
    if ((err = cn_home_resolve(&home, home_flag)) != 0 ||
        (err = cn_home_open(&h, home, CN_HOME_MUST_EXIST)) != 0 ||
        (err = cn_config_read(&cfg, h->config_path)) != 0)
        goto out;
    /* A lost state.db: refuse, as every command does, rather than let the
     * first hint or round create an empty one that follows nobody. */
    if ((err = cn_node_state_check(h)) != 0)
        goto out;
    if ((err = cn_server_parse_listen(host, sizeof(host), &so.port,
                                      listen ? listen : cfg->listen)) != 0)
        goto out;
    if ((err = check_public_url(cfg, h->config_path, host, so.port, 0)) != 0)
        goto out;
    if ((err = syncer_init(&sync, home, cfg->sync_interval)) != 0)
        goto out;
    have_syncer = 1;
    so.host = host;
    so.public_dir = h->public_dir;
    so.mirrors_dir = h->mirrors_dir;
    so.repos_dir = h->repos_dir;
    so.tmp_dir = h->tmp_dir;
    so.node_id = h->node_id;
    so.node_name = cfg->name;
    so.state_db = sync.db_path;
    so.base_url = cfg->url;
    so.imprint = cfg->imprint;
    so.privacy = cfg->privacy;
    so.accessibility = cfg->accessibility;
    so.on_hint = on_hint;
    so.is_peer = is_peer;
    so.hint_ctx = &sync;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();

    publish_logo(home, cfg);
    resign_round(home, cfg->timestamp_margin, &warned);
    if ((err = cn_server_start(&srv, &so)) != 0)
        goto out;
    sync.running = 1;
    if (pthread_create(&sync_thread, NULL, sync_main, &sync) != 0) {
        sync.running = 0;
        err = cn_error_set(CN_ERROR, "cannot start the sync thread");
        goto out;
    }
    printf("serving node %.12s (%s) at http://%s%s%s:%u/\n", h->node_id, cfg->name,
           strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", cn_server_port(srv));
    fflush(stdout);
    check_public_url(cfg, h->config_path, host, cn_server_port(srv), 1);
    if (!cn_server_host_is_loopback(host))
        warn_legal_pages(cfg, h->config_path);
    next_check = time(NULL) + CN_RESIGN_CHECK_S;
    while (!stop_requested) {
        sleep(1);
        if (time(NULL) >= next_check) {
            resign_round(home, cfg->timestamp_margin, &warned);
            next_check = time(NULL) + CN_RESIGN_CHECK_S;
        }
    }
    cn_term_fprintf(stderr, "citynode serve: stopping\n");
out:
    cn_server_stop(srv); /* no more hints from here on */
    if (have_syncer && sync.running && syncer_stop(&sync, sync_thread) != 0) {
        /* A round is still downloading. Sync is crash-safe (the next round
         * resumes), so leave without waiting and without freeing what the
         * thread still uses. */
        cn_term_fprintf(stderr, "citynode serve: a sync round is still running; the next sync "
                                "resumes it\n");
        fflush(NULL);
        _exit(err ? cn_error_exit_status(err) : 0);
    }
    if (have_syncer)
        syncer_free(&sync);
    cn_config_free(cfg);
    cn_home_free(h);
    free(home);
    return err ? cn_cli_fail(err) : 0;
}
