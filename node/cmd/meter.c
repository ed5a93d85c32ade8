/*
 * meter.c - the progress meter (meter.h): git's progress.c with a clock in
 * place of its SIGALRM.
 *
 * git arms a one-second interval timer whose signal sets a flag; the next
 * display() consumes it. Here every report reads the clock and a tick is due
 * once a second after the phase began: the same lines at the same moments
 * (a report is what triggers a display in both), without a signal handler
 * in a process that also runs libcurl and worker threads, and testable with
 * an injected clock. What git does, this does: a delayed phase is invisible
 * until its first tick past the delay, a line is rewritten when the
 * percentage moves or a tick is due, a shorter line is padded over the
 * longer one, a line wider than the terminal is split after its title, the
 * rate is a moving average of the last eight samples at least half a second
 * apart, and the last line's rate is the phase's average.
 */
#include "node/cmd/meter.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/term.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_S        1000000000ull
#define TICK_NS         NS_PER_S
#define RATE_SAMPLE_NS  500000000ull /* git: "only update throughput every 0.5 s" */
#define RATE_SAMPLES    8            /* git's TP_IDX_MAX */
#define COUNTERS_MAX    160
#define DEFAULT_COLUMNS 80
#define DELAY_MAX_S     3600
#define SHOWN_MAX       (4 * CN_METER_TITLE_MAX)

typedef struct {
    uint64_t curr_total, prev_total, prev_ns;
    uint64_t avg_bytes, avg_misecs; /* misecs: 1/1024 s, so bytes/misecs is KiB/s */
    uint64_t last_bytes[RATE_SAMPLES], last_misecs[RATE_SAMPLES];
    unsigned idx;
    int started;
    char display[64]; /* " | 3.10 MiB/s", or "" before the first sample */
} throughput;

struct cn_meter {
    cn_progress progress;
    FILE *out;
    uint64_t (*now_ns)(void *ctx);
    void *clock_ctx;
    uint64_t delay_ns;
    unsigned columns;
    int foreground_only;
    char byte_phases[CN_METER_BYTE_PHASES][CN_METER_TITLE_MAX + 1];
    size_t nbyte_phases;

    /* The phase running, if active. */
    int active;
    char title[CN_METER_TITLE_MAX + 1]; /* as reported (cut), to recognise it */
    cn_buf shown;                       /* the title escaped for the terminal */
    int bytes;
    uint64_t total, last_value, highest;
    int have_value; /* shown at least once: its end prints "done" */
    unsigned last_percent;
    int have_percent;
    uint64_t start_ns, next_tick_ns;
    int armed;  /* the delay is over */
    int split;  /* the title is on a line of its own */
    int redraw; /* the line was cleared: draw it at the next report */
    char counters[COUNTERS_MAX];
    size_t counters_len;
    size_t line_width; /* columns of the unfinished line on the terminal, 0: none */
    throughput tp;
};

static uint64_t monotonic_ns(void *ctx)
{
    struct timespec ts;

    (void)ctx;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* git's term_columns(): $COLUMNS, else the terminal's width, else 80. */
static unsigned terminal_columns(FILE *out)
{
    const char *env = getenv("COLUMNS");
    struct winsize ws;
    long n;

    if (env && (n = strtol(env, NULL, 10)) > 0 && n < 100000)
        return (unsigned)n;
    if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return DEFAULT_COLUMNS;
}

/* git's is_foreground_fd(). */
static int is_foreground(FILE *out)
{
    pid_t tpgrp = tcgetpgrp(fileno(out));

    return tpgrp < 0 || tpgrp == getpgid(0);
}

/* Title phase cut to CN_METER_TITLE_MAX bytes, never inside a UTF-8 character. */
static void copy_title(char dst[CN_METER_TITLE_MAX + 1], const char *phase)
{
    size_t n = strlen(phase);

    if (n > CN_METER_TITLE_MAX) {
        n = CN_METER_TITLE_MAX;
        while (n > 0 && ((unsigned char)phase[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(dst, phase, n);
    dst[n] = '\0';
}

/* git's humanise_bytes (not compact): "245 bytes", "1.50 KiB", "3.10 MiB/s". */
static void humanise(char *buf, size_t cap, uint64_t bytes, int rate)
{
    if (bytes > (1u << 30)) {
        snprintf(buf, cap, "%" PRIu64 ".%2.2u %s", bytes >> 30,
                 (unsigned)((bytes & ((1u << 30) - 1)) / 10737419), rate ? "GiB/s" : "GiB");
    } else if (bytes > (1u << 20)) {
        uint64_t x = bytes + 5243; /* for rounding */
        snprintf(buf, cap, "%" PRIu64 ".%2.2u %s", x >> 20,
                 (unsigned)(((x & ((1u << 20) - 1)) * 100) >> 20), rate ? "MiB/s" : "MiB");
    } else if (bytes > (1u << 10)) {
        uint64_t x = bytes + 5;
        snprintf(buf, cap, "%" PRIu64 ".%2.2u %s", x >> 10,
                 (unsigned)(((x & ((1u << 10) - 1)) * 100) >> 10), rate ? "KiB/s" : "KiB");
    } else {
        snprintf(buf, cap, "%u %s", (unsigned)bytes,
                 rate ? (bytes == 1 ? "byte/s" : "bytes/s") : (bytes == 1 ? "byte" : "bytes"));
    }
}

static void throughput_string(throughput *tp, uint64_t rate_kib)
{
    char rate[32];

    humanise(rate, sizeof(rate), rate_kib * 1024, 1);
    snprintf(tp->display, sizeof(tp->display), " | %s", rate);
}

/* git's display_throughput(): a sample at least half a second after the
 * last one moves the average of the last RATE_SAMPLES samples. */
static void throughput_update(throughput *tp, uint64_t total, uint64_t now)
{
    uint64_t misecs, count;

    if (!tp->started) {
        tp->started = 1;
        tp->prev_total = tp->curr_total = total;
        tp->prev_ns = now;
        return;
    }
    tp->curr_total = total;
    if (now - tp->prev_ns <= RATE_SAMPLE_NS)
        return;
    /* 1/1024 s from nanoseconds: y * 1024 / 10^9 == (y * 4398) >> 32. */
    misecs = ((now - tp->prev_ns) * 4398) >> 32;
    count = total - tp->prev_total;
    tp->prev_total = total;
    tp->prev_ns = now;
    tp->avg_bytes += count;
    tp->avg_misecs += misecs;
    throughput_string(tp, tp->avg_bytes / (tp->avg_misecs ? tp->avg_misecs : 1));
    tp->avg_bytes -= tp->last_bytes[tp->idx];
    tp->avg_misecs -= tp->last_misecs[tp->idx];
    tp->last_bytes[tp->idx] = count;
    tp->last_misecs[tp->idx] = misecs;
    tp->idx = (tp->idx + 1) % RATE_SAMPLES;
}

static unsigned percent_of(uint64_t n, uint64_t total)
{
    if (n >= total)
        return 100;
    if (n <= UINT64_MAX / 100)
        return (unsigned)(n * 100 / total);
    return (unsigned)(n / (total / 100));
}

/* The counters: " 45% (1234/2740)", or sizes for a phase counting bytes. */
static void format_counters(cn_meter *m, uint64_t n, unsigned percent)
{
    char done[32], total[32];
    int len;

    if (m->bytes) {
        humanise(done, sizeof(done), n, 0);
        humanise(total, sizeof(total), m->total, 0);
    } else {
        snprintf(done, sizeof(done), "%" PRIu64, n);
        snprintf(total, sizeof(total), "%" PRIu64, m->total);
    }
    if (m->total)
        len = snprintf(m->counters, sizeof(m->counters), "%3u%% (%s/%s)%s", percent, done, total,
                       m->tp.display);
    else
        len = snprintf(m->counters, sizeof(m->counters), "%s%s", done, m->tp.display);
    m->counters_len = len < 0 ? 0 : strlen(m->counters);
}

static void write_line(cn_meter *m, const char *eol)
{
    size_t last_len = m->line_width ? m->line_width : 0, title_len = m->shown.len, width;
    /* What the new line leaves of the old one is padded over (git's clear_len). */
    int pad;
    const char *title = m->shown.data ? (const char *)m->shown.data : "";

    if (m->split) {
        width = 2 + m->counters_len;
        pad = last_len > width ? (int)(last_len - width + 1) : 0;
        fprintf(m->out, "  %s%*s", m->counters, pad, eol);
    } else if (!strchr(eol, '\n') && m->columns < title_len + m->counters_len + 2) {
        pad = title_len + 1 < m->columns ? (int)(m->columns - title_len - 1) : 0;
        fprintf(m->out, "%s:%*s\n  %s%s", title, pad, "", m->counters, eol);
        m->split = 1;
        width = 2 + m->counters_len;
    } else {
        width = title_len + 2 + m->counters_len;
        pad = last_len > width ? (int)(last_len - width + 1) : 0;
        fprintf(m->out, "%s: %s%*s", title, m->counters, pad, eol);
    }
    m->line_width = strchr(eol, '\n') ? 0 : width;
    fflush(m->out);
}

/* git's display(): a new line when the percentage moved or update (a tick,
 * the end) asks for one; eol NULL for "\r", else the end's ", done.\n". */
static void display(cn_meter *m, uint64_t n, const char *eol, int update)
{
    int show = 0;

    m->last_value = n;
    m->have_value = 1;
    if (m->total) {
        unsigned percent = percent_of(n, m->total);
        if (!m->have_percent || percent != m->last_percent || update) {
            m->last_percent = percent;
            m->have_percent = 1;
            format_counters(m, n, percent);
            show = 1;
        }
    } else if (update) {
        format_counters(m, n, 0);
        show = 1;
    }
    if (show && (eol != NULL || !m->foreground_only || is_foreground(m->out)))
        write_line(m, eol ? eol : "\r");
}

/* git's stop_progress(): a phase that was shown ends with its last counts,
 * its average rate and ", done.". */
static void finish(cn_meter *m, uint64_t now)
{
    if (m->have_value) {
        if (m->bytes && m->tp.started) {
            uint64_t misecs = ((now - m->start_ns) * 4398) >> 32;
            throughput_string(&m->tp, m->tp.curr_total / (misecs ? misecs : 1));
        }
        display(m, m->last_value, ", done.\n", 1);
    }
    m->active = 0;
}

static void start(cn_meter *m, const char *phase, uint64_t now)
{
    size_t i;

    copy_title(m->title, phase);
    cn_buf_reset(&m->shown);
    /* Never fails: shown has room for the longest escape (cn_meter_new). */
    cn_term_escape(&m->shown, m->title, strlen(m->title));
    m->bytes = 0;
    for (i = 0; i < m->nbyte_phases; i++)
        if (strcmp(m->byte_phases[i], m->title) == 0)
            m->bytes = 1;
    m->total = m->last_value = m->highest = 0;
    m->have_value = m->have_percent = m->armed = m->split = m->redraw = 0;
    m->last_percent = 0;
    m->start_ns = now;
    m->next_tick_ns = now + TICK_NS;
    m->counters[0] = '\0';
    m->counters_len = 0;
    m->line_width = 0;
    memset(&m->tp, 0, sizeof(m->tp));
    m->active = 1;
}

static void on_report(void *payload, const char *phase, uint64_t done, uint64_t total)
{
    cn_meter *m = payload;
    uint64_t now = m->now_ns(m->clock_ctx);
    int update = 0;

    if (phase == NULL)
        return;
    if (m->active && strncmp(m->title, phase, CN_METER_TITLE_MAX) != 0)
        finish(m, now); /* the first report of the next phase ends the last */
    if (!m->active)
        start(m, phase, now);
    if (done < m->highest) /* reports never go back; should one, it is not shown */
        done = m->highest;
    m->highest = done;
    m->total = total;
    if (m->bytes)
        throughput_update(&m->tp, done, now);
    if (now >= m->next_tick_ns) {
        update = 1;
        while (m->next_tick_ns <= now)
            m->next_tick_ns += TICK_NS;
    }
    if (!m->armed) {
        if (now - m->start_ns < m->delay_ns)
            goto end; /* git's delay: nothing yet, and no "done" should it end now */
        m->armed = 1;
        update |= m->delay_ns > 0;
    }
    if (m->redraw) {
        m->redraw = 0;
        update = 1;
    }
    display(m, done, NULL, update);
end:
    if (total != 0 && done >= total)
        finish(m, now);
}

static void on_end(void *payload, const char *phase)
{
    cn_meter *m = payload;

    if (m->active && (phase == NULL || strncmp(m->title, phase, CN_METER_TITLE_MAX) == 0))
        finish(m, m->now_ns(m->clock_ctx));
}

int cn_meter_new(cn_meter **out, const cn_meter_options *opts)
{
    cn_meter *m;

    *out = NULL;
    if ((m = calloc(1, sizeof(*m))) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    /* A title is escaped at a phase's start, and a report must neither fail
     * nor touch the error slot (the caller may be carrying an error): room
     * for the longest escape now, four bytes for one ("\x1b"). */
    if (cn_buf_grow(&m->shown, SHOWN_MAX) != 0) {
        free(m);
        return CN_ENOMEM;
    }
    m->out = opts && opts->out ? opts->out : stderr;
    m->now_ns = opts && opts->now_ns ? opts->now_ns : monotonic_ns;
    m->clock_ctx = opts ? opts->clock_ctx : NULL;
    m->delay_ns = opts ? opts->delay_ns : 0;
    m->columns = opts && opts->columns ? opts->columns : terminal_columns(m->out);
    m->foreground_only = opts ? opts->foreground_only : 0;
    m->progress.fn = on_report;
    m->progress.end = on_end;
    m->progress.payload = m;
    *out = m;
    return 0;
}

cn_meter *cn_meter_for_stderr(int quiet)
{
    cn_meter_options o = CN_METER_OPTIONS_INIT;
    const char *env = getenv("CITYNODE_PROGRESS_DELAY");
    cn_meter *m = NULL;
    long delay_s = 1;

    if (quiet || !isatty(STDERR_FILENO))
        return NULL;
    if (env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (*end == '\0' && v >= 0 && v <= DELAY_MAX_S)
            delay_s = v;
    }
    o.out = stderr;
    o.delay_ns = (uint64_t)delay_s * NS_PER_S;
    o.foreground_only = 1;
    if (cn_meter_new(&m, &o) != 0)
        cn_error_clear();
    return m;
}

void cn_meter_count_bytes(cn_meter *m, const char *phase)
{
    if (m == NULL || phase == NULL || m->nbyte_phases >= CN_METER_BYTE_PHASES)
        return;
    copy_title(m->byte_phases[m->nbyte_phases++], phase);
}

const cn_progress *cn_meter_progress(const cn_meter *m)
{
    return m ? &m->progress : NULL;
}

void cn_meter_clear_line(cn_meter *m)
{
    if (m == NULL || m->line_width == 0)
        return;
    fprintf(m->out, "\r%*s\r", (int)m->line_width, "");
    fflush(m->out);
    m->line_width = 0;
    m->split = 0;
    m->redraw = 1;
}

void cn_meter_end(cn_meter *m)
{
    if (m != NULL && m->active)
        finish(m, m->now_ns(m->clock_ctx));
}

void cn_meter_free(cn_meter *m)
{
    if (m == NULL)
        return;
    if (m->line_width > 0) {
        fputc('\n', m->out);
        fflush(m->out);
    }
    cn_buf_free(&m->shown);
    free(m);
}
