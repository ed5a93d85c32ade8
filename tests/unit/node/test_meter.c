/*
 * test_meter.c - the progress meter (node/cmd/meter.h): the lines it writes,
 * byte for byte, and when, with a clock the test moves (no sleeps) and a
 * memory stream for the terminal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "node/cmd/meter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MS 1000000ull
#define S  1000000000ull

typedef struct {
    uint64_t now;
    char *text;
    size_t len;
    FILE *out;
    cn_meter *m;
    const cn_progress *p;
} rig;

static uint64_t rig_clock(void *ctx)
{
    return ((rig *)ctx)->now;
}

static void rig_open(rig *r, uint64_t delay_ns, unsigned columns)
{
    cn_meter_options o = CN_METER_OPTIONS_INIT;

    memset(r, 0, sizeof(*r));
    r->now = 1000 * S; /* any start: only differences count */
    assert_non_null(r->out = open_memstream(&r->text, &r->len));
    o.out = r->out;
    o.now_ns = rig_clock;
    o.clock_ctx = r;
    o.delay_ns = delay_ns;
    o.columns = columns;
    assert_int_equal(cn_meter_new(&r->m, &o), 0);
    r->p = cn_meter_progress(r->m);
}

static void rig_close(rig *r)
{
    cn_meter_free(r->m);
    fclose(r->out);
    free(r->text);
}

static void expect_output(rig *r, const char *want)
{
    fflush(r->out);
    assert_string_equal(r->text ? r->text : "", want);
}

static void test_percentages_and_done(void **state)
{
    rig r;

    (void)state;
    rig_open(&r, 0, 80);
    cn_progress_report(r.p, "Counting objects", 1234, 2740);
    cn_progress_report(r.p, "Counting objects", 1235, 2740); /* still 45%: no line */
    r.now += 10 * MS;
    cn_progress_report(r.p, "Counting objects", 1400, 2740);
    cn_progress_report(r.p, "Counting objects", 2740, 2740); /* done == total ends it */
    expect_output(&r, "Counting objects:  45% (1234/2740)\r"
                      "Counting objects:  51% (1400/2740)\r"
                      "Counting objects: 100% (2740/2740)\r"
                      "Counting objects: 100% (2740/2740), done.\n");
    rig_close(&r);
}

static void test_tick_rewrites_same_percentage(void **state)
{
    rig r;

    (void)state;
    rig_open(&r, 0, 80);
    cn_progress_report(r.p, "Writing objects", 10, 1000);
    r.now += 999 * MS;
    cn_progress_report(r.p, "Writing objects", 11, 1000); /* 1%, no tick yet */
    r.now += 1 * MS;
    cn_progress_report(r.p, "Writing objects", 12, 1000); /* the tick */
    r.now += 500 * MS;
    cn_progress_report(r.p, "Writing objects", 13, 1000); /* next tick not due */
    cn_progress_end(r.p, "Writing objects");
    expect_output(&r, "Writing objects:   1% (10/1000)\r"
                      "Writing objects:   1% (12/1000)\r"
                      "Writing objects:   1% (13/1000), done.\n");
    rig_close(&r);
}

static void test_delay(void **state)
{
    rig r;

    (void)state;
    rig_open(&r, 1 * S, 80);
    /* A phase over within its delay prints nothing, not even "done". */
    cn_progress_report(r.p, "Verifying items", 1, 3);
    r.now += 900 * MS;
    cn_progress_report(r.p, "Verifying items", 3, 3);
    expect_output(&r, "");
    /* A longer one appears at its first tick past the delay. */
    cn_progress_report(r.p, "Verifying mirrors", 1, 10);
    r.now += 999 * MS;
    cn_progress_report(r.p, "Verifying mirrors", 2, 10);
    expect_output(&r, "");
    r.now += 1 * MS;
    cn_progress_report(r.p, "Verifying mirrors", 2, 10);
    r.now += 1 * MS;
    cn_progress_report(r.p, "Verifying mirrors", 3, 10);
    cn_progress_end(r.p, "Verifying mirrors");
    expect_output(&r, "Verifying mirrors:  20% (2/10)\r"
                      "Verifying mirrors:  30% (3/10)\r"
                      "Verifying mirrors:  30% (3/10), done.\n");
    rig_close(&r);
}

static void test_unknown_total(void **state)
{
    rig r;

    (void)state;
    rig_open(&r, 0, 80);
    cn_progress_report(r.p, "Checking bundles", 1, 0); /* a count alone: at ticks only */
    r.now += 400 * MS;
    cn_progress_report(r.p, "Checking bundles", 2, 0);
    expect_output(&r, "");
    r.now += 600 * MS;
    cn_progress_report(r.p, "Checking bundles", 3, 0);
    r.now += 100 * MS;
    cn_progress_report(r.p, "Checking bundles", 4, 0);
    cn_progress_end(r.p, "Checking bundles");
    expect_output(&r, "Checking bundles: 3\rChecking bundles: 4, done.\n");
    rig_close(&r);
}

static void test_next_phase_ends_the_last(void **state)
{
    rig r;

    (void)state;
    rig_open(&r, 0, 80);
    cn_progress_report(r.p, "Fetching metadata", 0, 0);
    r.now += 1 * S;
    cn_progress_report(r.p, "Fetching metadata", 5, 0);
    cn_progress_report(r.p, "Checking peers", 1, 2);
    cn_progress_end(r.p, "Fetching metadata"); /* not the phase running: nothing */
    cn_progress_report(r.p, "Checking peers", 2, 2);
    expect_output(&r, "Fetching metadata: 5\rFetching metadata: 5, done.\n"
                      "Checking peers:  50% (1/2)\rChecking peers: 100% (2/2)\r"
                      "Checking peers: 100% (2/2), done.\n");
    rig_close(&r);
}

static void test_restart_and_unfinished_line(void **state)
{
    rig r;

    (void)state;
    rig_open(&r, 0, 80);
    cn_progress_report(r.p, "Counting", 100000, 0);
    r.now += 1 * S;
    cn_progress_report(r.p, "Counting", 100000, 0);
    r.now += 1 * S;
    /* A new phase with the same title after an end starts again. */
    cn_progress_end(r.p, "Counting");
    cn_progress_report(r.p, "Counting", 7, 0);
    r.now += 1 * S;
    cn_progress_report(r.p, "Counting", 7, 0);
    cn_meter_free(r.m); /* never ended: the line is finished, no "done" */
    r.m = NULL;
    expect_output(&r, "Counting: 100000\rCounting: 100000, done.\nCounting: 7\r\n");
    rig_close(&r);
}

static void test_bytes_and_rate(void **state)
{
    rig r;

    (void)state;
    rig_open(&r, 0, 80);
    cn_meter_count_bytes(r.m, "Receiving files");
    cn_progress_report(r.p, "Receiving files", 0, 26 << 20);
    r.now += 600 * MS;
    cn_progress_report(r.p, "Receiving files", 12 << 20, 26 << 20);
    r.now += 400 * MS;
    cn_progress_report(r.p, "Receiving files", 13 << 20, 26 << 20);
    r.now += 1 * S;
    cn_progress_report(r.p, "Receiving files", 26 << 20, 26 << 20);
    /* 12 MiB in 0.6 s: 20.01 MiB/s; the next sample (1 MiB in 0.4 s) is too
     * close to count; the last, 14 MiB in 1.4 s more; at the end the
     * phase's average, 26 MiB in 2 s. */
    expect_output(&r, "Receiving files:   0% (0 bytes/26.00 MiB)\r"
                      "Receiving files:  46% (12.00 MiB/26.00 MiB) | 20.01 MiB/s\r"
                      "Receiving files:  50% (13.00 MiB/26.00 MiB) | 20.01 MiB/s\r"
                      "Receiving files: 100% (26.00 MiB/26.00 MiB) | 13.01 MiB/s\r"
                      "Receiving files: 100% (26.00 MiB/26.00 MiB) | 13.01 MiB/s, done.\n");
    rig_close(&r);
}

static void test_humanised_sizes(void **state)
{
    rig r;

    (void)state;
    rig_open(&r, 0, 80);
    cn_meter_count_bytes(r.m, "Writing files");
    cn_progress_report(r.p, "Writing files", 1, 3 * 1024 + 512);
    cn_progress_report(r.p, "Writing files", 1024, 3 * 1024 + 512);
    cn_progress_report(r.p, "Writing files", 1025, 3 * 1024 + 512); /* 28%: no line */
    cn_progress_report(r.p, "Writing files", 1100, 3 * 1024 + 512);
    cn_progress_report(r.p, "Writing files", 3 * 1024 + 512, 3 * 1024 + 512);
    cn_progress_report(r.p, "Writing", 5, 0); /* not a byte phase */
    cn_progress_end(r.p, "Writing");
    expect_output(&r, "Writing files:   0% (1 byte/3.50 KiB)\r"
                      "Writing files:  28% (1024 bytes/3.50 KiB)\r"
                      "Writing files:  30% (1.07 KiB/3.50 KiB)  \r" /* shorter: padded */
                      "Writing files: 100% (3.50 KiB/3.50 KiB)\r"
                      "Writing files: 100% (3.50 KiB/3.50 KiB) | 3.50 MiB/s, done.\n"
                      "Writing: 5, done.\n"); /* reported, never drawn: its end is */
    rig_close(&r);
}

static void test_narrow_terminal_splits(void **state)
{
    rig r;

    (void)state;
    rig_open(&r, 0, 24);
    cn_progress_report(r.p, "Verifying items", 1, 10);
    cn_progress_report(r.p, "Verifying items", 10, 10);
    /* "Verifying items:  10% (1/10)" is 28 columns: the counters go on the
     * next line, the title's line padded to the width, as git does. */
    expect_output(&r, "Verifying items:        \n   10% (1/10)\r"
                      "  100% (10/10)\r"
                      "  100% (10/10), done.\n");
    rig_close(&r);
}

static void test_title_escaped(void **state)
{
    rig r;

    (void)state;
    rig_open(&r, 0, 80);
    cn_progress_report(r.p, "Mirror \x1b]0;pwned\x07of x", 1, 2);
    cn_progress_report(r.p, "Mirror \x1b]0;pwned\x07of x", 2, 2);
    expect_output(&r, "Mirror \\x1b]0;pwned\\x07of x:  50% (1/2)\r"
                      "Mirror \\x1b]0;pwned\\x07of x: 100% (2/2)\r"
                      "Mirror \\x1b]0;pwned\\x07of x: 100% (2/2), done.\n");
    rig_close(&r);
}

static void test_clear_line_and_redraw(void **state)
{
    rig r;

    (void)state;
    rig_open(&r, 0, 80);
    cn_progress_report(r.p, "Syncing peers", 1, 4);
    cn_meter_clear_line(r.m);
    fputs("note: a line of the command's own\n", r.out);
    cn_progress_report(r.p, "Syncing peers", 1, 4); /* same percentage, drawn again */
    cn_meter_clear_line(r.m);
    cn_meter_clear_line(r.m); /* nothing left to clear */
    cn_progress_report(r.p, "Syncing peers", 4, 4);
    expect_output(&r, "Syncing peers:  25% (1/4)\r"
                      "\r                         \r"
                      "note: a line of the command's own\n"
                      "Syncing peers:  25% (1/4)\r"
                      "\r                         \r"
                      "Syncing peers: 100% (4/4)\r"
                      "Syncing peers: 100% (4/4), done.\n");
    rig_close(&r);
}

static void test_null_and_backwards(void **state)
{
    rig r;

    (void)state;
    assert_null(cn_meter_progress(NULL));
    cn_progress_report(NULL, "x", 1, 2); /* no one listens */
    cn_meter_clear_line(NULL);
    cn_meter_free(NULL);
    cn_meter_count_bytes(NULL, "x");
    rig_open(&r, 0, 80);
    cn_progress_report(r.p, "Indexing", 50, 100);
    cn_progress_report(r.p, "Indexing", 40, 100); /* never shown going back */
    r.now += 1 * S;
    cn_progress_report(r.p, "Indexing", 40, 100);
    cn_progress_report(r.p, "Indexing", 200, 100); /* past the total: 100%, done */
    expect_output(&r, "Indexing:  50% (50/100)\rIndexing:  50% (50/100)\r"
                      "Indexing: 100% (200/100)\rIndexing: 100% (200/100), done.\n");
    rig_close(&r);
}

static void test_end_before_the_outcome(void **state)
{
    rig r;

    (void)state;
    rig_open(&r, 0, 80);
    cn_progress_report(r.p, "Writing objects", 3, 10);
    cn_meter_end(r.m); /* the command prints its outcome next */
    cn_meter_end(r.m); /* nothing running: nothing */
    cn_meter_free(r.m);
    r.m = NULL;
    expect_output(&r, "Writing objects:  30% (3/10)\rWriting objects:  30% (3/10), done.\n");
    rig_close(&r);
}

/* Off a terminal (stderr a pipe here), or quiet, a command has no meter:
 * what it passes down is NULL and stderr stays as it was. */
static void test_no_meter_off_a_terminal(void **state)
{
    int fd[2], keep;

    (void)state;
    assert_int_equal(pipe(fd), 0);
    fflush(stderr);
    assert_true((keep = dup(2)) >= 0);
    assert_true(dup2(fd[1], 2) >= 0);
    assert_null(cn_meter_for_stderr(0));
    assert_null(cn_meter_for_stderr(1));
    assert_true(dup2(keep, 2) >= 0);
    close(keep);
    close(fd[0]);
    close(fd[1]);
    cn_meter_end(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percentages_and_done),
        cmocka_unit_test(test_tick_rewrites_same_percentage),
        cmocka_unit_test(test_delay),
        cmocka_unit_test(test_unknown_total),
        cmocka_unit_test(test_next_phase_ends_the_last),
        cmocka_unit_test(test_restart_and_unfinished_line),
        cmocka_unit_test(test_bytes_and_rate),
        cmocka_unit_test(test_humanised_sizes),
        cmocka_unit_test(test_narrow_terminal_splits),
        cmocka_unit_test(test_title_escaped),
        cmocka_unit_test(test_clear_line_and_redraw),
        cmocka_unit_test(test_null_and_backwards),
        cmocka_unit_test(test_end_before_the_outcome),
        cmocka_unit_test(test_no_meter_off_a_terminal),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
