/*
 * cmd_peer.c - `citynode peer`. PLACEHOLDER while issue 3 is built: its owner
 * replaces this file.
 */
#include "core/error.h"
#include "node/commands.h"

int cn_cmd_peer(const char *home, int argc, char **argv)
{
    (void)home;
    (void)argc;
    (void)argv;
    return cn_cli_fail(cn_error_set(CN_EUNSUPPORTED, "'peer' is not built yet"));
}
