/*
 * cmd_serve.c - `citynode serve [--listen HOST:PORT]`.
 *
 * Serves the published tree and keeps it fresh: the timestamp has a short
 * expiry (1 day), so the server re-signs it before it expires. Re-signing
 * takes the node lock only for the moment it writes, so `citynode publish`
 * can run while the server is up.
 */
#include "core/error.h"
#include "core/file.h"
#include "node/commands.h"
#include "node/config.h"
#include "node/node.h"
#include "node/serve.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char synopsis[] = "serve [--listen HOST:PORT]";

#define CN_RESIGN_CHECK_S 60

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* Re-sign what expires within margin. A busy lock (publish running) is not an
 * error: the next round tries again. */
static void resign_round(const char *home, int64_t margin)
{
    cn_node *node = NULL;
    int resigned = 0, err;

    err = cn_node_open(&node, home, CN_NODE_WRITE);
    if (err == CN_ELOCKED)
        return;
    if (err == 0)
        err = cn_tuf_repo_resign_expiring(&resigned, node->tuf, margin);
    if (err != 0)
        fprintf(stderr, "citynode serve: cannot re-sign the timestamp: %s\n", cn_error_message());
    else if (resigned)
        fprintf(stderr, "citynode serve: re-signed timestamp (version %llu)\n",
                (unsigned long long)cn_tuf_repo_version(node->tuf, CN_TUF_TIMESTAMP));
    cn_node_free(node);
}

int cn_cmd_serve(const char *home_flag, int argc, char **argv)
{
    static const struct option opts[] = {{"listen", required_argument, NULL, 'l'},
                                         {NULL, 0, NULL, 0}};
    cn_server_options so = {0};
    cn_server *srv = NULL;
    cn_home *h = NULL;
    cn_config *cfg = NULL;
    struct sigaction sa;
    const char *listen = NULL;
    char *home = NULL, host[256];
    time_t next_check = 0;
    int c, err;

    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
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
    if ((err = cn_server_parse_listen(host, sizeof(host), &so.port,
                                      listen ? listen : cfg->listen)) != 0)
        goto out;
    so.host = host;
    so.public_dir = h->public_dir;
    so.mirrors_dir = h->mirrors_dir;
    so.repos_dir = h->repos_dir;
    so.node_id = h->node_id;
    so.node_name = cfg->name;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    resign_round(home, cfg->timestamp_margin);
    if ((err = cn_server_start(&srv, &so)) != 0)
        goto out;
    printf("serving node %.12s (%s) at http://%s%s%s:%u/\n", h->node_id, cfg->name,
           strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", cn_server_port(srv));
    fflush(stdout);
    next_check = time(NULL) + CN_RESIGN_CHECK_S;
    while (!stop_requested) {
        sleep(1);
        if (time(NULL) >= next_check) {
            resign_round(home, cfg->timestamp_margin);
            next_check = time(NULL) + CN_RESIGN_CHECK_S;
        }
    }
    fprintf(stderr, "citynode serve: stopping\n");
out:
    cn_server_stop(srv);
    cn_config_free(cfg);
    cn_home_free(h);
    free(home);
    return err ? cn_cli_fail(err) : 0;
}
