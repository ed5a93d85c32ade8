/*
 * cli.c - command dispatch.
 */
#include "node/cli.h"

#include <stdio.h>

int cn_cli_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "citynode: not yet\n");
    return 1;
}
