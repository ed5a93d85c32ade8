/*
 * cli_opts.c - the one option check every command line passes before its
 * command runs (cli_opts.h): getopt_long over the options of the command's
 * row in cli_table.c, -h/--help, a group's subcommand, and the number of
 * operands.
 *
 * It works on a copy of argv (getopt_long permutes what it reads), so the
 * command parses its own values from the argv it was given, knowing that
 * every option in it is one of its row's and has its argument.
 */
#include "node/cmd/cli_opts.h"
#include "core/term.h"

#include <assert.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define CN_CLI_OPTIONS_MAX 32
#define PASS_HELP          (-2) /* pass(): -h or --help was given */

/* The one line of a usage error, pointing to the row's help ("peer add",
 * "publish"); returns the row's usage status. */
static int usage_line(const cn_cli_command *cmd, const char *problem)
{
    cn_term_fprintf(stderr, "citynode: %s (see 'citynode %s --help')\n", problem, cmd->name);
    return cmd->usage_status;
}

/* getopt_long's tables for the row's options and -h/--help. Long options
 * return 256 + their index, short ones their letter. */
static void build(const cn_cli_command *cmd, struct option *longs, char *shorts, int stop)
{
    size_t n = 0, s = 0;

    shorts[s++] = stop ? '+' : '-';
    shorts[s++] = ':';
    shorts[s++] = 'h';
    for (const cn_cli_option *o = cmd->options; o->name != NULL; o++, n++) {
        assert(n < CN_CLI_OPTIONS_MAX); /* cli_table.c's rows stay below it */
        longs[n].name = o->name;
        longs[n].has_arg = o->arg ? required_argument : no_argument;
        longs[n].flag = NULL;
        longs[n].val = 256 + (int)n;
        if (o->letter) {
            shorts[s++] = o->letter;
            if (o->arg)
                shorts[s++] = ':';
        }
    }
    longs[n].name = "help";
    longs[n].has_arg = no_argument;
    longs[n].flag = NULL;
    longs[n].val = 'h';
    memset(&longs[n + 1], 0, sizeof(longs[n + 1]));
    shorts[s] = '\0';
}

/* The option getopt_long just refused, as the user wrote it ("--foo", "-x"). */
static void refused(char *out, size_t size, char **argv, int at)
{
    const char *arg = at > 0 ? argv[at - 1] : "";
    size_t n;

    if (optopt != 0 && optopt < 256 && !(arg[0] == '-' && arg[1] == '-')) {
        snprintf(out, size, "-%c", optopt);
        return;
    }
    n = strcspn(arg, "=");
    snprintf(out, size, "%.*s", (int)(n < 64 ? n : 64), arg);
}

/* One pass of getopt_long over args. Operands are gathered into ops (in
 * order, "-" mode), or, with stop, the pass ends at the first one, whose
 * index *first gets. Returns PASS_HELP for help, 0 for "go on", else the
 * usage status after the line was printed. */
static int pass(const cn_cli_command *cmd, int argc, char **args, int stop, char **ops, int *nops,
                int *first)
{
    struct option longs[CN_CLI_OPTIONS_MAX + 2];
    char shorts[2 * CN_CLI_OPTIONS_MAX + 8], bad[80], msg[128];
    int c, help = 0, problem = 0;

    build(cmd, longs, shorts, stop);
    optind = 0;
    opterr = 0;
    *nops = 0;
    *first = argc;
    while ((c = getopt_long(argc, args, shorts, longs, NULL)) != -1) {
        if (c == 'h') {
            help = 1;
        } else if (c == 1) {
            ops[(*nops)++] = optarg;
        } else if ((c == '?' || c == ':') && problem == 0) {
            refused(bad, sizeof(bad), args, optind);
            /* "--quiet=1": a known flag given a value */
            problem = c == '?' && optopt >= 256 ? '=' : c;
        }
    }
    if (stop)
        *first = optind;
    else
        while (optind < argc) /* after "--" */
            ops[(*nops)++] = args[optind++];
    optind = 0;
    if (help)
        return PASS_HELP;
    if (problem == '?')
        snprintf(msg, sizeof(msg), "unknown option '%s'", bad);
    else if (problem == ':')
        snprintf(msg, sizeof(msg), "option '%s' needs an argument", bad);
    else if (problem == '=')
        snprintf(msg, sizeof(msg), "option '%s' takes no argument", bad);
    return problem ? usage_line(cmd, msg) : 0;
    return 0;
}

static void list_subcommands(const cn_cli_command *group, char *out, size_t size)
{
    size_t n = strlen(group->name), len = 0;

    out[0] = '\0';
    for (size_t i = 0; i < cn_cli_ncommands; i++) {
        const char *name = cn_cli_commands[i].name;
        if (strncmp(name, group->name, n) == 0 && name[n] == ' ' && len < size)
            len += (size_t)snprintf(out + len, size - len, "%s%s", len ? ", " : "", name + n + 1);
    }
}

static int check_operands(const cn_cli_command *cmd, int nops, char **ops)
{
    char msg[128];

    if (nops < cmd->min_operands) {
        snprintf(msg, sizeof(msg), "missing %s", cmd->operands ? cmd->operands : "operand");
        return usage_line(cmd, msg);
    }
    if (cmd->max_operands >= 0 && nops > cmd->max_operands) {
        snprintf(msg, sizeof(msg), "unexpected operand '%.64s'", ops[cmd->max_operands]);
        return usage_line(cmd, msg);
    }
    return CN_CLI_RUN;
}

int cn_cli_check(const cn_cli_command *cmd, int argc, char **argv)
{
    char **args, **ops, subs[200], msg[300];
    const cn_cli_command *sub;
    int rc, nops, first, i, n;

    if ((args = calloc((size_t)argc + 1, sizeof(*args))) == NULL ||
        (ops = calloc((size_t)argc + 1, sizeof(*ops))) == NULL) {
        free(args);
        fputs("citynode: out of memory\n", stderr);
        return 1;
    }
    memcpy(args, argv, (size_t)argc * sizeof(*args));
    rc = pass(cmd, argc, args, cmd->group, ops, &nops, &first);
    if (rc == PASS_HELP) {
        cn_cli_print_help(stdout, cmd);
        rc = 0;
    } else if (rc == 0 && !cmd->group) {
        rc = check_operands(cmd, nops, ops);
    } else if (rc == 0) {
        list_subcommands(cmd, subs, sizeof(subs));
        if (first >= argc) {
            snprintf(msg, sizeof(msg), "missing subcommand (%s)", subs);
            rc = usage_line(cmd, msg);
        } else if ((sub = cn_cli_find_sub(cmd, args[first])) == NULL) {
            snprintf(msg, sizeof(msg), "unknown subcommand '%.64s' (%s)", args[first], subs);
            rc = usage_line(cmd, msg);
        } else {
            /* The subcommand's own check: argv without the subcommand's word
             * (tuf-client's options come before it, peer's after). */
            for (i = 0, n = 0; i < argc; i++)
                if (i != first)
                    args[n++] = argv[i];
            args[n] = NULL;
            rc = pass(sub, n, args, 0, ops, &nops, &first);
            if (rc == PASS_HELP) {
                cn_cli_print_help(stdout, sub);
                rc = 0;
            } else if (rc == 0) {
                rc = check_operands(sub, nops, ops);
            }
        }
    }
    free(ops);
    free(args);
    return rc;
}
