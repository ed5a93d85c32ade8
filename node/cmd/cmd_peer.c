/*
 * cmd_peer.c - `citynode peer add | list | remove`: the nodes this node
 * follows (docs/PROTOCOL.md §8.1).
 *
 *   peer add URL [--policy mirror|index] [--expect NODE_ID]
 *       first contact: fetch the pointer and 1.root.json, check the id, pin
 *       the root; prints the peer's full node id.
 *   peer list [--candidates] [--json]
 *       each peer's id, alias, policy, URL, last sync time, result, error.
 *       --candidates: instead, the nodes the peers' verified peers.json name
 *       that this node does not follow (node/discovery.h).
 *       --json: [{"node", "alias", "name", "url", "policy", "via", "added",
 *       "last_sync", "last_result", "last_error", "timestamp_version"}]
 *       (times as unix seconds, null when never).
 *   peer remove NODE
 *       forget the peer, its mirror and its mirrored repositories.
 *
 * add and remove change what the node follows, so they hold the node's lock
 * (cn_node_open with CN_NODE_WRITE) for their whole run, and republish the
 * node's peers.json (docs/PROTOCOL.md §10).
 */
#include "node/cmd/commands.h"
#include "core/error.h"
#include "core/term.h"
#include "node/federation/follow.h"
#include "node/federation/netdocs.h"
#include "node/federation/search_index.h"
#include "node/node.h"
#include "peers/peers.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char synopsis[] = "peer add URL [--policy mirror|index] [--expect NODE_ID] | "
                               "peer list [--candidates] [--json] | peer remove NODE";

static int peer_add(const char *home, int argc, char **argv)
{
    static const struct option opts[] = {{"policy", required_argument, NULL, 'p'},
                                         {"expect", required_argument, NULL, 'e'},
                                         {NULL, 0, NULL, 0}};
    cn_peer_add_options ao = CN_PEER_ADD_OPTIONS_INIT;
    cn_peers *db = NULL;
    cn_node *node = NULL;
    cn_peer peer = {0};
    int c, err;

    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'p') {
            if ((err = cn_peer_policy_parse(&ao.policy, optarg)) != 0 ||
                ao.policy == CN_POLICY_BLOCK)
                return cn_cli_usage_error(synopsis, "--policy takes mirror or index");
        } else if (c == 'e') {
            ao.expect = optarg;
        } else {
            return cn_cli_usage_error(synopsis, "unknown option");
        }
    }
    if (optind != argc - 1)
        return cn_cli_usage_error(synopsis, "peer add takes one URL");
    ao.url = argv[optind];
    if ((err = cn_node_open(&node, home, CN_NODE_WRITE | CN_NODE_WAIT)) != 0 ||
        (err = cn_node_peers_open(&db, node->home)) != 0)
        goto out;
    ao.mirrors_dir = node->home->mirrors_dir;
    ao.self_id = node->home->node_id;
    if ((err = cn_peers_add(&peer, db, &ao)) == CN_ENET) {
        /* Unreachable: say what to check before trying again. */
        char *msg = strdup(cn_error_message());
        err = cn_error_set(CN_ENET,
                           "cannot follow %s: %s — check the URL (the address its node "
                           "gives, its `url:`) and that the node is serving, then try again",
                           ao.url, msg ? msg : "unreachable");
        free(msg);
        goto out;
    }
    if (err != 0 || (err = cn_netdocs_publish_peers(node, db)) != 0)
        goto out;
    cn_term_fprintf(stdout, "%s\n", peer.node_id);
    cn_term_fprintf(stderr, "added peer %s (%s), policy %s; run 'citynode sync' to fetch it\n",
                    peer.alias, peer.name, cn_peer_policy_name(peer.policy));
out:
    cn_peer_clear(&peer);
    cn_peers_free(db);
    cn_node_free(node);
    return err ? cn_cli_fail(err) : 0;
}

static int peer_remove(const char *home, int argc, char **argv)
{
    cn_peers *db = NULL;
    cn_node *node = NULL;
    cn_peer peer = {0};
    int err;

    if (argc != 2)
        return cn_cli_usage_error(synopsis, "peer remove takes one NODE");
    if ((err = cn_node_open(&node, home, CN_NODE_WRITE | CN_NODE_WAIT)) != 0 ||
        (err = cn_node_peers_open(&db, node->home)) != 0 ||
        (err = cn_peers_get(&peer, db, argv[1])) != 0 ||
        (err = cn_peers_remove(db, peer.node_id, node->home->mirrors_dir, node->home->repos_dir)) !=
            0 ||
        (err = cn_netdocs_publish_peers(node, db)) != 0)
        goto out;
    cn_peers_free(db); /* one connection to state.db at a time */
    db = NULL;
    if ((err = cn_node_index_forget(node, peer.node_id)) != 0)
        goto out;
    cn_term_fprintf(stderr,
                    "removed peer %s (%.12s), its mirror, its repositories and its items in the "
                    "registry\n",
                    peer.alias, peer.node_id);
out:
    cn_peer_clear(&peer);
    cn_peers_free(db);
    cn_node_free(node);
    return err ? cn_cli_fail(err) : 0;
}

static json_t *peer_json(const cn_peer *p)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:I, s:o, s:s?, s:s?, s:I}", "node",
                     p->node_id, "alias", p->alias, "name", p->name, "url", p->url, "policy",
                     cn_peer_policy_name(p->policy), "via", p->via, "added", (json_int_t)p->added,
                     "last_sync", p->last_sync ? json_integer(p->last_sync) : json_null(),
                     "last_result", p->last_result, "last_error", p->last_error,
                     "timestamp_version", (json_int_t)p->timestamp_version);
}

static void print_peers(const cn_peer *peers, size_t n)
{
    size_t i;
    int w = 5; /* the alias column fits the longest alias */

    if (n == 0) {
        printf("no peers; add one with 'citynode peer add URL'\n");
        return;
    }
    for (i = 0; i < n; i++)
        if ((int)strlen(peers[i].alias) > w)
            w = (int)strlen(peers[i].alias);
    cn_term_fprintf(stdout, "%-12s  %-*s  %-6s  %-20s  %-9s  %s\n", "NODE", w, "ALIAS", "POLICY",
                    "LAST SYNC", "RESULT", "URL");
    for (i = 0; i < n; i++) {
        const cn_peer *p = &peers[i];
        char when[32] = "never";
        if (p->last_sync > 0) {
            time_t t = (time_t)p->last_sync;
            struct tm tm;
            strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
        }
        cn_term_fprintf(stdout, "%.12s  %-*s  %-6s  %-20s  %-9s  %s\n", p->node_id, w, p->alias,
                        cn_peer_policy_name(p->policy), when, p->last_result ? p->last_result : "-",
                        p->url);
        if (p->last_error)
            cn_term_fprintf(stdout, "%12s  error: %s\n", "", p->last_error);
    }
}

static int peer_list(const char *home_flag, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"candidates", no_argument, NULL, 'c'},
                                         {NULL, 0, NULL, 0}};
    cn_peers *db = NULL;
    cn_peer *peers = NULL;
    cn_home *h = NULL;
    char *home = NULL;
    json_t *list = NULL;
    size_t n = 0, i;
    int c, as_json = 0, candidates = 0, err;

    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'c')
            candidates = 1;
        else if (c == 'j')
            as_json = 1;
        else
            return cn_cli_usage_error(synopsis, "unknown option");
    }
    if (optind != argc)
        return cn_cli_usage_error(synopsis, "peer list takes no arguments");
    if ((err = cn_home_resolve(&home, home_flag)) != 0 ||
        (err = cn_home_open(&h, home, CN_HOME_MUST_EXIST)) != 0 ||
        (err = cn_node_peers_open(&db, h)) != 0)
        goto out;
    if (candidates) {
        err = cn_netdocs_print_candidates(h, db, as_json);
        goto out;
    }
    if ((err = cn_peers_list(&peers, &n, db)) != 0)
        goto out;
    if (!as_json) {
        print_peers(peers, n);
        goto out;
    }
    if ((list = json_array()) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < n; i++) {
        if (json_array_append_new(list, peer_json(&peers[i])) != 0) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
    }
    json_dumpf(list, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
    putchar('\n');
out:
    json_decref(list);
    cn_peer_list_free(peers, n);
    cn_peers_free(db);
    cn_home_free(h);
    free(home);
    return err ? cn_cli_fail(err) : 0;
}

int cn_cmd_peer(const char *home_flag, int argc, char **argv)
{
    char *home = NULL;
    int rc, err;

    if (argc < 2)
        return cn_cli_usage_error(synopsis, "missing subcommand (add, list or remove)");
    if (strcmp(argv[1], "list") == 0)
        return peer_list(home_flag, argc - 1, argv + 1);
    if (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "remove") != 0)
        return cn_cli_usage_error(synopsis, "unknown subcommand (expected add, list or remove)");
    if ((err = cn_home_resolve(&home, home_flag)) != 0)
        return cn_cli_fail(err);
    if (strcmp(argv[1], "add") == 0)
        rc = peer_add(home, argc - 1, argv + 1);
    else
        rc = peer_remove(home, argc - 1, argv + 1);
    free(home);
    return rc;
}
