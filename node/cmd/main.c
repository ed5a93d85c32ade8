/*
 * main.c - the citynode program's entry point.
 */
#include "node/cmd/cli.h"

int main(int argc, char **argv)
{
    return cn_cli_main(argc, argv);
}
