/*
 * cmd_validate.h - `citynode validate PATH [--json] [--quiet]`.
 *
 * Checks a manifest (a file, or a directory holding citynode.yml or
 * publiccode.yml) without publishing it. Each diagnostic goes to stderr as
 * `FILE:LINE:COL: key.path: message` (warnings as `... warning: message`);
 * on success stdout gets `PATH: valid KIND ID@VERSION`. With --json, stdout
 * gets one JSON object instead (see docs/SCHEMAS.md). --quiet prints only
 * errors. Exit status: 0 valid, 2 invalid or bad usage, 1 I/O error.
 */
#ifndef CN_CMD_VALIDATE_H
#define CN_CMD_VALIDATE_H

/* argv[0] is "validate". Returns the process exit status. */
int cn_cmd_validate(int argc, char **argv);

#endif
