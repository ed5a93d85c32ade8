/*
 * progress.h - how long work below node/ says how far it has got.
 *
 * Libraries below node/ never print, so a walk over a long history, a pack
 * being written or a round of downloads reports through a callback the
 * command supplies; node/ decides whether anything reaches a terminal (and
 * how, in git's "Counting objects:  45% (1234/2740)" style).
 *
 * A phase is a short title ("Counting objects", "Writing objects"); its
 * reports come in order, done never decreasing, total 0 while it is not
 * known. A phase ends with one report where done == total, or with the
 * first report of the next phase, or with cn_progress_end. Reports may be
 * frequent (once per object): the receiver throttles.
 */
#ifndef CN_PROGRESS_H
#define CN_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    /* Called with the phase's title, the count done so far and the total
     * (0: not known). Must not fail; must not call back into the reporter. */
    void (*fn)(void *payload, const char *phase, uint64_t done, uint64_t total);
    /* Called once when the phase titled phase is over (NULL: nothing to do). */
    void (*end)(void *payload, const char *phase);
    void *payload;
} cn_progress;

/* Report through p, which may be NULL (no one listens). */
static inline void cn_progress_report(const cn_progress *p, const char *phase, uint64_t done,
                                      uint64_t total)
{
    if (p != NULL && p->fn != NULL)
        p->fn(p->payload, phase, done, total);
}

/* The phase titled phase is over. */
static inline void cn_progress_end(const cn_progress *p, const char *phase)
{
    if (p != NULL && p->end != NULL)
        p->end(p->payload, phase);
}

#endif
