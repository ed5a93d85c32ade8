/*
 * commands.h - one function per command of the command line.
 *
 * Each takes the --home flag value (NULL if not given) and the command's own
 * argv (argv[0] is the command name) and returns the process exit status.
 */
#ifndef CN_COMMANDS_H
#define CN_COMMANDS_H

#define CN_VERSION_STRING "0.1.0"

int cn_cmd_init(const char *home, int argc, char **argv);
int cn_cmd_validate(int argc, char **argv);
int cn_cmd_publish(const char *home, int argc, char **argv);
int cn_cmd_verify(const char *home, int argc, char **argv);
int cn_cmd_export(const char *home, int argc, char **argv);
int cn_cmd_serve(const char *home, int argc, char **argv);
int cn_cmd_show(const char *home, int argc, char **argv);
int cn_cmd_search(const char *home, int argc, char **argv);
int cn_cmd_allowed_signers(const char *home, int argc, char **argv);
int cn_cmd_keys(const char *home, int argc, char **argv);
int cn_cmd_peer(const char *home, int argc, char **argv);
int cn_cmd_sync(const char *home, int argc, char **argv);
int cn_cmd_replicate(const char *home, int argc, char **argv);
int cn_cmd_network(const char *home, int argc, char **argv);
int cn_cmd_withdraw(const char *home, int argc, char **argv);
int cn_cmd_tuf_client(const char *home, int argc, char **argv);
int cn_cmd_help(const char *home, int argc, char **argv);
int cn_cmd_config(const char *home, int argc, char **argv);
int cn_cmd_new(const char *home, int argc, char **argv);

/* Print "citynode: PROBLEM (see 'citynode COMMAND --help')", one line, COMMAND
 * the synopsis's first word; returns 2. */
int cn_cli_usage_error(const char *synopsis, const char *problem);
/* Print the last error message as one line; returns its exit status. */
int cn_cli_fail(int err);

#endif
