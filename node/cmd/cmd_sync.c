/*
 * cmd_sync.c - `citynode sync [NODE...]`: one sync round now.
 *
 * Prints one line per peer:
 *   <id12>  <alias>  <result>  <n> targets  <bytes> bytes  [via <source>]
 * and, for a failed peer, its error. Exit status is the worst peer's: 0 all
 * synced, 1 a transport failure, 3 a verification failure.
 *
 * On a terminal, and without --quiet, stderr shows what happens meanwhile: a
 * line per peer event and git's progress lines for the round's phases
 * (meter.h).
 */
#include "core/error.h"
#include "core/term.h"
#include "node/cmd/commands.h"
#include "node/cmd/meter.h"
#include "node/node.h"
#include "node/federation/follow.h"

#include <inttypes.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char synopsis[] = "sync [NODE...] [--quiet]";

/* Progress on a terminal only: scripts read the summary lines. ctx is the
 * meter, whose line is cleared first. */
static void on_progress(void *ctx, const char *node_id, const char *message)
{
    if (node_id) {
        cn_meter_clear_line(ctx);
        cn_term_fprintf(stderr, "  %.12s %s\n", node_id, message);
    }
}

static const char *alias_of(cn_peers *db, const char *node_id, cn_peer *buf)
{
    if (cn_peers_get(buf, db, node_id) != 0) {
        cn_error_clear();
        return "?";
    }
    return buf->alias;
}

int cn_cmd_sync(const char *home_flag, int argc, char **argv)
{
    cn_sync_report *report = NULL;
    cn_meter *meter = NULL;
    cn_peers *db = NULL;
    cn_node *node = NULL;
    char *home = NULL;
    char **refs = NULL;
    size_t i, k, nrefs = 0;
    static const struct option opts[] = {{"quiet", no_argument, NULL, 'q'}, {NULL, 0, NULL, 0}};
    int c, err, round_err, rc = 0, quiet = 0;

    if ((refs = calloc((size_t)argc, sizeof(*refs))) == NULL)
        return cn_cli_fail(cn_error_set(CN_ENOMEM, "out of memory"));
    /* getopt_long's rules, as cli_opts.c checked them. */
    optind = 0;
    while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
        if (c != 'q') {
            free(refs);
            return cn_cli_usage_error(synopsis, "unknown option");
        }
        quiet = 1;
    }
    while (optind < argc)
        refs[nrefs++] = argv[optind++];
    if ((err = cn_home_resolve(&home, home_flag)) != 0 ||
        (err = cn_node_open(&node, home, CN_NODE_WRITE | CN_NODE_WAIT)) != 0)
        goto out;
    if ((meter = cn_meter_for_stderr(quiet)) != NULL)
        cn_meter_count_bytes(meter, CN_SYNC_PHASE_FILES);
    round_err = cn_node_sync(&report, node, (const char *const *)refs, nrefs,
                             isatty(STDERR_FILENO) && !quiet ? on_progress : NULL, meter,
                             cn_meter_progress(meter));
    cn_meter_free(meter); /* the summary starts on a clean line */
    if (report == NULL || (report->npeers == 0 && round_err != 0)) {
        err = round_err;
        goto out;
    }
    if (report->npeers == 0)
        printf("no peers to sync; add one with 'citynode peer add URL'\n");
    if ((err = cn_node_peers_open(&db, node->home)) != 0)
        goto out;
    for (i = 0; i < report->npeers; i++) {
        const cn_sync_peer_result *r = &report->peers[i];
        cn_peer p = {0};
        const char *result = r->err ? "failed" : r->changed ? "ok" : "unchanged";
        cn_term_fprintf(
            stdout, "%.12s  %-20s  %-9s  %zu target%s  %" PRIu64 " bytes  %zu request%s",
            r->node_id, alias_of(db, r->node_id, &p), result, r->targets_fetched,
            r->targets_fetched == 1 ? "" : "s", r->bytes, r->requests, r->requests == 1 ? "" : "s");
        if (r->source && strstr(r->source, "/mirrors/"))
            cn_term_fprintf(stdout, "  via %s", r->source);
        putchar('\n');
        for (k = 0; r->new_items && r->new_items[k]; k++)
            cn_term_fprintf(stdout, "    new %s\n", r->new_items[k]);
        /* A peer out of reach is retried by the next round; anything else
         * says what it found. */
        if (r->err)
            cn_term_fprintf(stderr, "citynode: %.12s: %s%s\n", r->node_id,
                            r->error ? r->error : "failed",
                            r->err == CN_ENET ? " — the next `citynode sync` (or serve's "
                                                "round) tries again"
                                              : "");
        cn_peer_clear(&p);
    }
    fflush(stdout);
    /* Every failure was reported above, one line per peer. */
    rc = cn_error_exit_status(round_err);
out:
    free(refs);
    cn_peers_free(db);
    cn_sync_report_free(report);
    cn_node_free(node);
    free(home);
    return err ? cn_cli_fail(err) : rc;
}
