/*
 * cli_doc.c - what is made of cli_table.c's text: the terminal help, the man
 * page citynode(1) and the bash completion (cli_opts.h).
 *
 * The man page and the completion are written at build time by the hidden
 * `citynode help --man` and `citynode help --bash-completion` (CMakeLists.txt),
 * so they cannot drift from what --help says.
 */
#include "node/cmd/cli_opts.h"
#include "node/cmd/commands.h"

#include <ctype.h>
#include <string.h>

/* "  --ref TAG|BRANCH" or "  -q, --quiet", as the options column shows it. */
static int option_label(char *out, size_t size, const cn_cli_option *o)
{
    if (o->letter)
        return snprintf(out, size, "-%c, --%s%s%s", o->letter, o->name, o->arg ? " " : "",
                        o->arg ? o->arg : "");
    return snprintf(out, size, "    --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

static int is_sub_of(const cn_cli_command *c, const cn_cli_command *group)
{
    size_t n = strlen(group->name);
    return strncmp(c->name, group->name, n) == 0 && c->name[n] == ' ';
}

/* text in lines of at most width columns (bytes; the table's text is
 * ASCII but for a few words), broken at blanks; every line after the first
 * indented by indent spaces (the first starts where the cursor is). */
static void print_wrapped(FILE *f, const char *text, size_t width, size_t indent)
{
    while (*text) {
        size_t n = strlen(text), cut = n;
        if (n > width) {
            for (cut = width; cut > 0 && text[cut] != ' '; cut--)
                ;
            if (cut == 0)
                cut = strcspn(text, " ");
        }
        fprintf(f, "%.*s\n", (int)cut, text);
        text += cut;
        while (*text == ' ')
            text++;
        if (*text)
            fprintf(f, "%*s", (int)indent, "");
    }
}

void cn_cli_print_help(FILE *f, const cn_cli_command *cmd)
{
    static const cn_cli_option help = {"help", 'h', NULL, "show this help"};
    const cn_cli_option *o;
    char label[96];
    size_t i;
    int first = 1;

    if (cmd->group) {
        for (i = 0; i < cn_cli_ncommands; i++)
            if (is_sub_of(&cn_cli_commands[i], cmd)) {
                fprintf(f, "%s citynode %s\n",
                        first ? "usage:" : "   or:", cn_cli_commands[i].usage);
                first = 0;
            }
    } else {
        fprintf(f, "usage: citynode %s\n", cmd->usage);
    }
    fprintf(f, "\n%c%s.\n", toupper((unsigned char)cmd->summary[0]), cmd->summary + 1);
    if (cmd->details)
        print_wrapped(f, cmd->details, 78, 0);
    if (cmd->group) {
        fprintf(f, "\nSubcommands:\n");
        for (i = 0; i < cn_cli_ncommands; i++)
            if (is_sub_of(&cn_cli_commands[i], cmd))
                fprintf(f, "  %-10s %s\n", cn_cli_commands[i].name + strlen(cmd->name) + 1,
                        cn_cli_commands[i].summary);
        fprintf(f, "\nRun 'citynode %s SUBCOMMAND --help' for a subcommand's options.\n",
                cmd->name);
    }
    fprintf(f, "\nOptions:\n");
    for (o = cmd->options; o->name != NULL; o++) {
        if (o->help == NULL)
            continue; /* hidden */
        option_label(label, sizeof(label), o);
        if (strlen(label) > 28) /* the help on a line of its own */
            fprintf(f, "  %s\n  %-28s ", label, "");
        else
            fprintf(f, "  %-28s ", label);
        print_wrapped(f, o->help, 78 - 31, 31);
    }
    option_label(label, sizeof(label), &help);
    fprintf(f, "  %-28s %s\n", label, help.help);
    fprintf(f, "\nExample:\n  citynode %s\n", cmd->example);
}

void cn_cli_print_commands(FILE *f)
{
    const cn_cli_option *o;
    char label[96];

    fprintf(f, "usage: citynode [--home DIR] COMMAND [ARGS...]\n\nCommands:\n");
    for (size_t i = 0; i < cn_cli_ncommands; i++)
        if (strchr(cn_cli_commands[i].name, ' ') == NULL)
            fprintf(f, "  %-16s %s\n", cn_cli_commands[i].name, cn_cli_commands[i].summary);
    fprintf(f, "\nOptions:\n");
    for (o = cn_cli_global_options; o->name != NULL; o++) {
        option_label(label, sizeof(label), o);
        fprintf(f, "  %-20s %s\n", label, o->help);
    }
    fprintf(f, "\nRun 'citynode help COMMAND' or 'citynode COMMAND --help' for a command's usage,\n"
               "options and an example; 'man citynode' has them all.\n"
               "Exit status: 0 success, 1 operational error, 2 usage error or invalid input,\n"
               "3 verification failed.\n"
               "publish, sync, verify --all, export, replicate and network trust show their\n"
               "progress on stderr when it is a terminal; --quiet turns it off.\n");
}

/* Text for roff: backslashes, hyphens as \-, a leading dot or quote kept. */
static void roff(FILE *f, const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", f);
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", f);
        else if (*s == '-')
            fputs("\\-", f);
        else
            fputc(*s, f);
    }
}

/* ".TP" with "-q, --quiet" or "--ref TAG|BRANCH" as its tag (bold option,
 * italic argument), the option's line as its body. Hidden options (no help
 * text) are left out. */
static void man_option(FILE *f, const cn_cli_option *o)
{
    if (o->help == NULL)
        return;
    fputs(".TP\n.BI \"", f);
    if (o->letter)
        fprintf(f, "\\-%c\" \", \" \"", o->letter);
    fputs("\\-\\-", f);
    roff(f, o->name);
    fputs(o->arg ? " \" \"" : "\"", f);
    if (o->arg) {
        roff(f, o->arg);
        fputc('"', f);
    }
    fputc('\n', f);
    roff(f, o->help);
    fputc('\n', f);
}

static void man_command(FILE *f, const cn_cli_command *c)
{
    static const cn_cli_option help = {"help", 'h', NULL, "show the command's help"};
    const cn_cli_option *o;

    fputs(".SS \"", f);
    roff(f, c->name);
    fputs("\"\n.B citynode\n", f);
    roff(f, c->usage);
    fputs("\n.PP\n", f);
    fprintf(f, "%c", toupper((unsigned char)c->summary[0]));
    roff(f, c->summary + 1);
    fputs(".\n", f);
    if (c->details) {
        roff(f, c->details);
        fputc('\n', f);
    }
    for (o = c->options; o->name != NULL; o++)
        man_option(f, o);
    man_option(f, &help);
    fputs(".PP\nExample:\n.PP\n.RS\n.EX\ncitynode ", f);
    roff(f, c->example);
    fputs("\n.EE\n.RE\n", f);
}

void cn_cli_print_man(FILE *f)
{
    const cn_cli_option *o;

    fprintf(f, ".TH CITYNODE 1 \"\" \"citynode %s\" \"User Commands\"\n", CN_VERSION_STRING);
    fputs(".SH NAME\ncitynode \\- publish, mirror and search cities' reusable solutions, "
          "datasets and strategies\n"
          ".SH SYNOPSIS\n.B citynode\n[\\-\\-home\n.IR DIR ]\n.I COMMAND\n"
          ".RI [ ARGS ...]\n"
          ".SH DESCRIPTION\n"
          "citynode is the node a city runs to share what others can reuse: it publishes "
          "items as signed versions, follows other cities' nodes, mirrors and verifies what "
          "they publish, and serves a registry with a web page and a JSON API.\n"
          ".PP\nEvery command takes \\-h or \\-\\-help, and \\fBcitynode help\\fR "
          "\\fICOMMAND\\fR prints the same help.\n"
          ".SH OPTIONS\n",
          f);
    for (o = cn_cli_global_options; o->name != NULL; o++)
        man_option(f, o);
    fputs(".SH COMMANDS\n", f);
    for (size_t i = 0; i < cn_cli_ncommands; i++)
        man_command(f, &cn_cli_commands[i]);
    fputs(".SH ENVIRONMENT\n.TP\n.B CITYNODE_HOME\nthe node's directory when \\-\\-home is "
          "not given (default ~/.local/share/citynode)\n"
          ".TP\n.B CITYNODE_PROGRESS_DELAY\nseconds a phase runs before its progress is shown "
          "(default 1)\n"
          ".SH EXIT STATUS\n0 success, 1 operational error (I/O, network, peer unreachable), "
          "2 usage error or invalid input, 3 verification failed.\n"
          ".SH FILES\n.TP\n.I config.yml\nthe node's settings in its directory (see "
          "\\fBcitynode config\\fR)\n",
          f);
}

/* The words completed after a command (or "group sub"): its options, or a
 * group's subcommands. */
static void completion_words(FILE *f, const cn_cli_command *c)
{
    const cn_cli_option *o;

    if (c->group)
        for (size_t i = 0; i < cn_cli_ncommands; i++)
            if (is_sub_of(&cn_cli_commands[i], c))
                fprintf(f, "%s ", cn_cli_commands[i].name + strlen(c->name) + 1);
    if (strcmp(c->name, "help") == 0) /* help COMMAND */
        for (size_t i = 0; i < cn_cli_ncommands; i++)
            if (strchr(cn_cli_commands[i].name, ' ') == NULL)
                fprintf(f, "%s ", cn_cli_commands[i].name);
    for (o = c->options; o->name != NULL; o++)
        if (o->help != NULL) /* hidden options are not offered */
            fprintf(f, "--%s ", o->name);
    fputs("--help", f);
}

void cn_cli_print_bash_completion(FILE *f)
{
    const cn_cli_option *o;
    size_t i;

    fputs("# bash completion for citynode, written by `citynode help --bash-completion`\n"
          "_citynode()\n{\n"
          "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
          "    local cmd='' sub='' w i\n"
          "    case $prev in\n        --home",
          f);
    for (i = 0; i < cn_cli_ncommands; i++)
        for (o = cn_cli_commands[i].options; o->name != NULL; o++)
            if (o->arg)
                fprintf(f, "|--%s", o->name);
    fputs(")\n            COMPREPLY=($(compgen -f -- \"$cur\"))\n            return ;;\n"
          "    esac\n"
          "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
          "        w=${COMP_WORDS[i]}\n"
          "        case $w in\n"
          "            --home) ((i++)); continue ;;\n"
          "            -*) continue ;;\n"
          "        esac\n"
          "        if [[ -z $cmd ]]; then cmd=$w; elif [[ -z $sub ]]; then sub=$w; fi\n"
          "    done\n"
          "    local words\n"
          "    case \"$cmd/$sub\" in\n"
          "        /*) words='",
          f);
    for (i = 0; i < cn_cli_ncommands; i++)
        if (strchr(cn_cli_commands[i].name, ' ') == NULL)
            fprintf(f, "%s ", cn_cli_commands[i].name);
    fputs("--home --help --version' ;;\n", f);
    for (i = 0; i < cn_cli_ncommands; i++) {
        const cn_cli_command *c = &cn_cli_commands[i];
        const char *space = strchr(c->name, ' ');
        if (space != NULL)
            fprintf(f, "        %.*s/%s) words='", (int)(space - c->name), c->name, space + 1);
        else
            fprintf(f, "        %s/%s) words='", c->name, c->group ? "" : "*");
        completion_words(f, c);
        fputs("' ;;\n", f);
    }
    fputs("        *) words='--help' ;;\n"
          "    esac\n"
          "    COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
          "    if [[ ${#COMPREPLY[@]} -eq 0 && $cur != -* ]]; then\n"
          "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
          "    fi\n"
          "    return 0\n"
          "}\n"
          "complete -F _citynode citynode\n",
          f);
}
