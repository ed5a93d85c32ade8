/*
 * cli.c - the citynode command line: global options and command dispatch.
 *
 * Each command lives in node/cmd/cmd_<name>.c and reports failure through
 * the cn_error message; exit_status.c turns that into one line on stderr and
 * the exit status of DESIGN.md §7 (0 ok, 1 operational, 2 usage/invalid,
 * 3 verify). Which commands there are, and their options, is cli_table.c's
 * table; every command line passes its check (cli_opts.c) before the command
 * runs, so -h/--help answers on stdout and writes nothing anywhere.
 */
#include "node/cmd/cli.h"
#include "core/error.h"
#include "core/git.h"
#include "core/term.h"
#include "node/cmd/cli_opts.h"
#include "node/cmd/commands.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int cn_cmd_help(const char *home, int argc, char **argv)
{
    const cn_cli_command *cmd = NULL, *sub;
    int i;

    (void)home;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--man") == 0) {
            cn_cli_print_man(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--bash-completion") == 0) {
            cn_cli_print_bash_completion(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--commands") == 0) {
            for (size_t k = 0; k < cn_cli_ncommands; k++)
                printf("%s\n", cn_cli_commands[k].name);
            return 0;
        }
    }
    if (argc < 2) {
        cn_cli_print_commands(stdout);
        return 0;
    }
    if ((cmd = cn_cli_find(argv[1])) == NULL || strchr(argv[1], ' ') != NULL) {
        cn_term_fprintf(stderr, "citynode: '%s' is not a command (see 'citynode --help')\n",
                        argv[1]);
        return 2;
    }
    if (argc == 3) {
        if ((sub = cn_cli_find_sub(cmd, argv[2])) == NULL) {
            cn_term_fprintf(stderr,
                            "citynode: '%s' is not a subcommand of %s (see 'citynode %s --help')\n",
                            argv[2], cmd->name, cmd->name);
            return 2;
        }
        cmd = sub;
    }
    cn_cli_print_help(stdout, cmd);
    return 0;
}

int cn_cli_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"home", required_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const cn_cli_command *cmd;
    const char *home = NULL;
    int c, rc, first;

    /* '+': stop at the command name; its own options are checked by its row. */
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:H:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'H':
            home = optarg;
            break;
        case 'h':
            cn_cli_print_commands(stdout);
            return 0;
        case 'V':
            printf("citynode %s\n", CN_VERSION_STRING);
            return 0;
        case ':':
            cn_term_fprintf(stderr,
                            "citynode: option '%s' needs an argument (see 'citynode --help')\n",
                            argv[optind - 1]);
            return 2;
        default:
            if (optopt != 0 && optopt != 'H')
                fprintf(stderr, "citynode: unknown option '-%c' (see 'citynode --help')\n", optopt);
            else
                cn_term_fprintf(stderr, "citynode: unknown option '%.*s' (see 'citynode --help')\n",
                                (int)strcspn(argv[optind - 1], "="), argv[optind - 1]);
            return 2;
        }
    }
    if (optind >= argc) {
        cn_cli_print_commands(stderr);
        return 2;
    }
    if ((cmd = cn_cli_find(argv[optind])) == NULL || cmd->run == NULL) {
        cn_term_fprintf(stderr, "citynode: '%s' is not a command (see 'citynode --help')\n",
                        argv[optind]);
        return 2;
    }
    first = optind; /* cn_cli_check resets getopt */
    if ((rc = cn_cli_check(cmd, argc - first, argv + first)) != CN_CLI_RUN)
        return rc;
    if (cn_git_init() != 0) {
        fprintf(stderr, "citynode: %s\n", cn_error_message());
        return 1;
    }
    cn_error_clear();
    rc = cmd->run(home, argc - first, argv + first);
    git_libgit2_shutdown();
    return rc;
}
