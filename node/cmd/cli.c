/*
 * cli.c - the citynode command line: global options and command dispatch.
 *
 * Each command lives in node/cmd/cmd_<name>.c and reports failure through
 * the cn_error message; exit_status.c turns that into one line on stderr and
 * the exit status of DESIGN.md §7 (0 ok, 1 operational, 2 usage/invalid,
 * 3 verify).
 */
#include "node/cmd/cli.h"
#include "core/error.h"
#include "core/git.h"
#include "node/cmd/commands.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    int (*run)(const char *home, int argc, char **argv);
    const char *synopsis;
} command;

static int run_validate(const char *home, int argc, char **argv)
{
    (void)home;
    return cn_cmd_validate(argc, argv);
}

static const command commands[] = {
    {"init", cn_cmd_init,
     "init --name NAME [--url BASE_URL] [--country CC] [--code AGS] [--programme NAME]..."},
    {"validate", run_validate, "validate PATH [--json]"},
    {"publish", cn_cmd_publish, "publish DIR|URL [--ref TAG|BRANCH] [--version V] [--quiet]"},
    {"withdraw", cn_cmd_withdraw, "withdraw ITEM[@V] --reason TEXT"},
    {"verify", cn_cmd_verify, "verify [NODE/ITEM[@V] | --all] [--quiet]"},
    {"export", cn_cmd_export, "export OUTDIR [--quiet]"},
    {"serve", cn_cmd_serve, "serve [--listen HOST:PORT] [--threads N]"},
    {"show", cn_cmd_show, "show NODE/ITEM[@V] [--json | --api]"},
    {"search", cn_cmd_search, "search [QUERY] [--FACET VALUE]... [--sort S] [--page N] [--json]"},
    {"allowed-signers", cn_cmd_allowed_signers, "allowed-signers [NODE]"},
    {"keys", cn_cmd_keys, "keys list | keys rotate ROLE"},
    {"peer", cn_cmd_peer,
     "peer add URL [--policy mirror|index] [--expect NODE_ID] | peer list [--candidates] [--json] "
     "| peer remove NODE"},
    {"sync", cn_cmd_sync, "sync [NODE...] [--quiet]"},
    {"replicate", cn_cmd_replicate, "replicate NODE/ITEM[@V] DEST [--as ITEM] [--quiet]"},
    {"network", cn_cmd_network,
     "network publish FILE | network trust NODE [--policy mirror|index] [--quiet]"},
    {"tuf-client", cn_cmd_tuf_client,
     "tuf-client --metadata-dir DIR [--metadata-url URL] [--target-name PATH]... "
     "[--target-base-url URL] [--target-dir DIR] init ROOT | refresh | download"},
};

static void usage(FILE *f)
{
    size_t i;

    fprintf(f, "usage: citynode [--home DIR] COMMAND [ARGS...]\n\ncommands:\n");
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %s\n", commands[i].synopsis);
    fprintf(f, "\nThe node directory is --home DIR, else $CITYNODE_HOME, else "
               "~/.local/share/citynode.\n"
               "Exit status: 0 success, 1 operational error, 2 usage error or invalid input,\n"
               "3 verification failed.\n"
               "publish, sync, verify --all, export, replicate and network trust show their\n"
               "progress on stderr when it is a terminal; --quiet turns it off.\n");
}

int cn_cli_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"home", required_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *home = NULL;
    size_t i;
    int c, rc;

    /* '+': stop at the command name; its own options are parsed by it. */
    while ((c = getopt_long(argc, argv, "+H:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'H':
            home = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("citynode %s\n", CN_VERSION_STRING);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[optind], commands[i].name) != 0)
            continue;
        if (cn_git_init() != 0) {
            fprintf(stderr, "citynode: %s\n", cn_error_message());
            return 1;
        }
        cn_error_clear();
        rc = commands[i].run(home, argc - optind, argv + optind);
        git_libgit2_shutdown();
        return rc;
    }
    fprintf(stderr, "citynode: '%s' is not a command\n", argv[optind]);
    usage(stderr);
    return 2;
}
