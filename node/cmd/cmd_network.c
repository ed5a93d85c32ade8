/*
 * cmd_network.c - `citynode network` (docs/PROTOCOL.md §10).
 *
 *   network publish FILE
 *       a coordinator publishes its member list: FILE is YAML (or JSON) with
 *       `network`, `description` and `members` [{node, name, url}], checked
 *       against schemas/network.schema.json (problems as FILE:LINE:COL:
 *       key.path: message, exit 2) and published as the target network.json.
 *   network trust NODE [--policy mirror|index]
 *       trust the network document of the followed peer NODE (synced first):
 *       each member it lists is added with its id pinned, now and after every
 *       sync round that brings a changed list. A member whose root does not
 *       hash to its listed id is refused (exit 3) and not added. On a
 *       terminal, and without --quiet, the coordinator's sync shows its
 *       phases on stderr (meter.h).
 *
 * Both change the node (a target, peers), so they hold its lock.
 */
#include "node/cmd/commands.h"
#include "node/cmd/meter.h"
#include "core/error.h"
#include "node/federation/follow.h"
#include "node/federation/netdocs.h"
#include "node/node.h"
#include "peers/sync.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char synopsis[] =
    "network publish FILE | network trust NODE [--policy mirror|index] [--quiet]";

static int network_publish(const char *home, int argc, char **argv)
{
    cn_diagnostics diags = CN_DIAGNOSTICS_INIT;
    cn_node *node = NULL;
    char *name = NULL;
    size_t n = 0, i;
    int err;

    if (argc != 2)
        return cn_cli_usage_error(synopsis, "network publish takes one FILE");
    if ((err = cn_node_open(&node, home, CN_NODE_WRITE | CN_NODE_WAIT)) != 0)
        goto out;
    err = cn_netdocs_publish_network(node, argv[1], &diags, &name, &n);
    for (i = 0; i < diags.count; i++) {
        char *line = NULL;
        if (cn_diagnostic_format(&line, &diags.items[i]) == 0)
            fprintf(stderr, "%s\n", line);
        free(line);
    }
    if (err != 0)
        goto out;
    printf("published network.json: network %s, %zu member%s\n", name, n, n == 1 ? "" : "s");
out:
    free(name);
    cn_diagnostics_free(&diags);
    cn_node_free(node);
    return err ? cn_cli_fail(err) : 0;
}

static int network_trust(const char *home, int argc, char **argv)
{
    static const struct option opts[] = {{"policy", required_argument, NULL, 'p'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {NULL, 0, NULL, 0}};
    cn_peer_policy policy = CN_POLICY_MIRROR;
    cn_peer coordinator = {0};
    cn_peers *db = NULL;
    cn_node *node = NULL;
    cn_meter *meter = NULL;
    int c, err, quiet = 0;

    optind = 0;
    while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
        if (c == 'q') {
            quiet = 1;
            continue;
        }
        if (c != 'p')
            return cn_cli_usage_error(synopsis, "unknown option");
        if (cn_peer_policy_parse(&policy, optarg) != 0 || policy == CN_POLICY_BLOCK)
            return cn_cli_usage_error(synopsis, "--policy takes mirror or index");
    }
    if (optind != argc - 1)
        return cn_cli_usage_error(synopsis, "network trust takes one NODE");
    if ((err = cn_node_open(&node, home, CN_NODE_WRITE | CN_NODE_WAIT)) != 0 ||
        (err = cn_node_peers_open(&db, node->home)) != 0)
        goto out;
    if ((err = cn_peers_get(&coordinator, db, argv[optind])) != 0) {
        if (err == CN_ENOTFOUND)
            err = cn_error_set(CN_EUSAGE,
                               "'%s' is not a peer: follow the coordinator first "
                               "(citynode peer add URL), then sync it",
                               argv[optind]);
        goto out;
    }
    /* Trust what the coordinator says now: one sync round for it first.
     * Nothing is recorded unless there is a verified document to trust. */
    if ((meter = cn_meter_for_stderr(quiet)) != NULL)
        cn_meter_count_bytes(meter, CN_SYNC_PHASE_FILES);
    err = cn_node_sync_peer(node, &coordinator, cn_meter_progress(meter));
    cn_meter_free(meter); /* the members' lines start on a clean line */
    if (err != 0)
        goto out;
    err = cn_netdocs_trust_network(node, db, &coordinator, policy, stdout);
out:
    cn_peer_clear(&coordinator);
    cn_peers_free(db);
    cn_node_free(node);
    return err ? cn_cli_fail(err) : 0;
}

int cn_cmd_network(const char *home_flag, int argc, char **argv)
{
    char *home = NULL;
    int rc, err;

    if (argc < 2 || (strcmp(argv[1], "publish") != 0 && strcmp(argv[1], "trust") != 0))
        return cn_cli_usage_error(synopsis, "expected 'network publish' or 'network trust'");
    if ((err = cn_home_resolve(&home, home_flag)) != 0)
        return cn_cli_fail(err);
    if (strcmp(argv[1], "publish") == 0)
        rc = network_publish(home, argc - 1, argv + 1);
    else
        rc = network_trust(home, argc - 1, argv + 1);
    free(home);
    return rc;
}
