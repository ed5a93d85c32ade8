/*
 * meter.h - the progress meter: core/progress.h's reports on a terminal, as
 * git prints them (git's progress.c, followed closely).
 *
 *   Receiving files:  45% (12.00 MiB/26.66 MiB) | 3.10 MiB/s\r
 *   Verifying items: 100% (14/14), done.\n
 *   Checking bundles: 3, done.\n               (a phase whose total is not known)
 *
 * A phase's line is rewritten in place with \r and finished with ", done."
 * and a newline when the phase ends, so what a command prints next starts on
 * a clean line. Throttled as git's is: nothing of a phase before it has run
 * for the delay (git's GIT_PROGRESS_DELAY, 1 s); after that a new line only
 * when the percentage changes or at most once a second; a phase without a
 * total only once a second; a phase that ends before its delay prints
 * nothing at all. A phase counted in bytes (cn_meter_count_bytes) shows
 * sizes and, after its first half second, the rate of the last seconds.
 * A phase's title is escaped as text from outside (core/term.h). While
 * another process group has the terminal (the command was put in the
 * background), only a phase's last line is written, as git does.
 *
 * The rule for commands (cn_meter_for_stderr): a meter exists only when
 * stderr is a terminal and neither --quiet nor --json was given (a command
 * with --json passes quiet || json); otherwise the command passes a NULL
 * cn_progress down, the libraries skip their reports, and stderr carries
 * exactly what it did before the meter existed.
 *
 * A meter is used from one thread at a time.
 */
#ifndef CN_METER_H
#define CN_METER_H

#include <stddef.h> /* core/progress.h uses NULL without including it */

#include "core/progress.h"

#include <stdint.h>
#include <stdio.h>

typedef struct cn_meter cn_meter;

typedef struct {
    FILE *out; /* where the lines go; NULL: stderr */
    /* A monotonic clock in nanoseconds (NULL: CLOCK_MONOTONIC). */
    uint64_t (*now_ns)(void *ctx);
    void *clock_ctx;
    uint64_t delay_ns; /* a phase shows nothing before it has run this long */
    /* The terminal's width in columns: a line longer than that is split after
     * its title, as git does (0: $COLUMNS, else out's terminal, else 80). */
    unsigned columns;
    /* 1: while out is a terminal another process group has in the foreground,
     * write nothing but a phase's last line (git's is_foreground_fd). */
    int foreground_only;
} cn_meter_options;

#define CN_METER_OPTIONS_INIT                                                                      \
    {                                                                                              \
        NULL, NULL, NULL, 0, 0, 0                                                                  \
    }

/* The largest phase title kept (longer ones are cut, never a UTF-8
 * character in two), and how many phases cn_meter_count_bytes remembers. */
#define CN_METER_TITLE_MAX   96
#define CN_METER_BYTE_PHASES 8

/* A new meter (CN_ENOMEM with the error set). */
int cn_meter_new(cn_meter **out, const cn_meter_options *opts);

/* The meter for a command: on stderr when stderr is a terminal and quiet is
 * 0, the delay from $CITYNODE_PROGRESS_DELAY (seconds, as git's
 * GIT_PROGRESS_DELAY; default 1), foreground only. NULL otherwise (and when
 * memory runs out: a command runs on without its meter). */
cn_meter *cn_meter_for_stderr(int quiet);

/* Reports of the phase titled phase count bytes: shown as sizes, with a rate.
 * Up to CN_METER_BYTE_PHASES titles; more are shown as counts. */
void cn_meter_count_bytes(cn_meter *m, const char *phase);

/* What the libraries report through; NULL when m is NULL, so a command can
 * pass cn_meter_progress(meter) down whether it has a meter or not. */
const cn_progress *cn_meter_progress(const cn_meter *m);

/* Before a command prints a line of its own while a phase runs: the phase's
 * line is erased, and drawn again at the phase's next report. m may be NULL. */
void cn_meter_clear_line(cn_meter *m);

/* Ends the phase running as its end would (", done." if it was shown), before
 * a command prints its outcome. m may be NULL. */
void cn_meter_end(cn_meter *m);

/* Finishes a line left open by a phase that never ended (a failure stopped
 * it: its last counts stay, without "done") and frees m (NULL: nothing). */
void cn_meter_free(cn_meter *m);

#endif
