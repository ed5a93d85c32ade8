/*
 * cli_opts.h - the command line's one table: every command and subcommand,
 * its usage, a one-line description, its options and an example.
 *
 * The table (cli_table.c) is the only place the command line's text lives.
 * From it come the terminal help (`citynode help [COMMAND [SUBCOMMAND]]`,
 * `citynode COMMAND --help`), the man page citynode(1) and the bash
 * completion (cli_doc.c, written by the hidden `citynode help --man` and
 * `citynode help --bash-completion` at build time), and the check every
 * command line passes before its command runs (cli_opts.c): options over
 * getopt_long, -h/--help, and the number of operands. A problem there is one
 * line on stderr naming the option or operand and pointing to the command's
 * --help, and the command's usage exit status (2; tuf-client's 1).
 */
#ifndef CN_CLI_OPTS_H
#define CN_CLI_OPTS_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    const char *name; /* the long option, without "--"; NULL ends a list */
    char letter;      /* its short form, or 0 */
    const char *arg;  /* the argument's placeholder; NULL: a flag */
    const char *help; /* one line; NULL: a hidden option (help --man) */
} cn_cli_option;

/* The command may run with what it was given: cn_cli_check's "go on". */
#define CN_CLI_RUN (-1)

typedef struct {
    /* "publish"; a subcommand's row is "peer add" and follows its group's
     * row ("peer"), which has subcommands and no operands of its own. */
    const char *name;
    const char *usage;   /* after "citynode " */
    const char *summary; /* one line, no full stop */
    const char *details; /* a few more lines for man and --help, or NULL */
    const cn_cli_option *options;
    const char *operands; /* placeholders named when one is missing */
    int min_operands;
    int max_operands;    /* -1: any number */
    const char *example; /* after "citynode " */
    /* The command (NULL for a subcommand's row: its group's runs). */
    int (*run)(const char *home, int argc, char **argv);
    int usage_status; /* exit status of a usage error: 2, or tuf-client's 1 */
    int group;        /* 1: the row has subcommands, chosen by its first operand */
} cn_cli_command;

extern const cn_cli_command cn_cli_commands[];
extern const size_t cn_cli_ncommands;
/* The options before the command: --home, --help, --version. */
extern const cn_cli_option cn_cli_global_options[];

/* The row named name ("peer" or "peer add"), or NULL. */
const cn_cli_command *cn_cli_find(const char *name);
/* The row of group's subcommand sub, or NULL. */
const cn_cli_command *cn_cli_find_sub(const cn_cli_command *group, const char *sub);

/* Check a command's argv (argv[0] its name) against its row: print its help
 * on stdout and return 0 if -h or --help is among its options; one line on
 * stderr and its usage status for an unknown option, an option without its
 * argument, a missing or unknown subcommand, or too few or too many
 * operands; CN_CLI_RUN when the command may run. argv is not changed. */
int cn_cli_check(const cn_cli_command *cmd, int argc, char **argv);

/* The help of a command or subcommand row, as --help prints it. */
void cn_cli_print_help(FILE *f, const cn_cli_command *cmd);
/* The command list with one-line descriptions, as `citynode --help` prints it. */
void cn_cli_print_commands(FILE *f);
/* citynode(1) in roff (man(7)), every command a section. */
void cn_cli_print_man(FILE *f);
/* A bash completion script for commands, subcommands and options. */
void cn_cli_print_bash_completion(FILE *f);

#endif
