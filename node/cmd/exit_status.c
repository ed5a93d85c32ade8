/*
 * exit_status.c - how a command ends: one line on stderr and the exit status
 * of DESIGN.md §7 (0 ok, 1 operational, 2 usage/invalid, 3 verify). Every
 * command calls these; cli.c's table calls the commands.
 */
#include "node/cmd/commands.h"
#include "core/error.h"
#include "core/term.h"

#include <stdio.h>
#include <string.h>

int cn_cli_usage_error(const char *synopsis, const char *problem)
{
    cn_term_fprintf(stderr, "citynode: %s (see 'citynode %.*s --help')\n", problem,
                    (int)strcspn(synopsis, " "), synopsis);
    return 2;
}

int cn_cli_fail(int err)
{
    const char *msg = cn_error_message();

    /* A failure always sets its message; one that did not is a bug to
     * report, never a bare "failed" (issue 15). */
    cn_term_fprintf(stderr, "citynode: %s\n",
                    *msg ? msg
                         : "failed without saying why — that is a bug in citynode: please "
                           "report the command you ran");
    return cn_error_exit_status(err);
}
