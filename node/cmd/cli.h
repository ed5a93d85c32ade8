/*
 * cli.h - the citynode command line (DESIGN.md §7).
 */
#ifndef CN_CLI_H
#define CN_CLI_H

/* Parse argv, run the command, return the process exit status. */
int cn_cli_main(int argc, char **argv);

#endif
