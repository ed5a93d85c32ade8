/*
 * suggest.h - "did you mean": the nearest of a known set of words to what a
 * person wrote, and the hints that tell them how to write a value.
 *
 * A candidate is near when it differs only in case, or by at most two
 * single-character edits (insert, delete, replace; ASCII case ignored), or
 * when the word is one part of a hyphenated candidate ("security",
 * "it-security").
 * Words longer than CN_SUGGEST_MAX_LEN are never compared.
 */
#ifndef CN_SUGGEST_H
#define CN_SUGGEST_H

#include <stddef.h>

#define CN_SUGGEST_MAX_LEN 64

typedef struct {
    const char *word; /* what was written */
    const char *best; /* the nearest candidate so far, or NULL */
    unsigned score;   /* its distance (0: same but for case) */
} cn_suggestion;

#define CN_SUGGESTION_INIT(w)                                                                      \
    {                                                                                              \
        (w), NULL, ~0u                                                                             \
    }

/* Consider one candidate (not copied: it must outlive s). A candidate equal
 * to the word itself is ignored. */
void cn_suggest_consider(cn_suggestion *s, const char *candidate);

/* The licence id on the SPDX License List that text (not an SPDX id itself,
 * e.g. "EUPL 1.2", "Apache License, Version 2.0", "gplv3") names, or NULL. */
const char *cn_suggest_spdx(const char *text);

/* For a date written as D.M.Y, D/M/Y or D-M-Y (day first; 4-digit year),
 * the same day as YYYY-MM-DD in out (11 bytes); 0 if text is not such a date. */
int cn_suggest_iso_date(char out[11], const char *text);

/* Whether text is a word people write for a boolean: 1 for one meaning true
 * (yes, y, on, ja, si, oui ...), 2 for one meaning false (no, n, off, nein,
 * non ...), 0 for neither; any case. */
int cn_suggest_is_boolean_word(const char *text);

#endif
