/*
 * suggest.c - nearest known words, SPDX ids from licence names, ISO dates
 * from day-first dates: the "did you mean" behind the validator's messages.
 */
#include "schemas/suggest.h"
#include "schemas/format.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

extern const char *const cn_spdx_licenses[];
extern const size_t cn_spdx_licenses_count;

/* Levenshtein distance ignoring ASCII case, giving up past limit. */
static unsigned distance(const char *a, const char *b, unsigned limit)
{
    unsigned row[CN_SUGGEST_MAX_LEN + 1];
    size_t la = strlen(a), lb = strlen(b), i, j;

    if (la > CN_SUGGEST_MAX_LEN || lb > CN_SUGGEST_MAX_LEN)
        return limit + 1;
    if ((la > lb ? la - lb : lb - la) > limit)
        return limit + 1;
    for (j = 0; j <= lb; j++)
        row[j] = (unsigned)j;
    for (i = 1; i <= la; i++) {
        unsigned diag = row[0], best;
        row[0] = (unsigned)i;
        best = row[0];
        for (j = 1; j <= lb; j++) {
            unsigned up = row[j],
                     cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            unsigned v = diag + cost;
            if (up + 1 < v)
                v = up + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            row[j] = v;
            diag = up;
            if (v < best)
                best = v;
        }
        if (best > limit)
            return limit + 1;
    }
    return row[lb];
}

/* Whether word is one of the '-'-separated parts of candidate (any case). */
static int is_segment(const char *word, const char *candidate)
{
    size_t n = strlen(word);
    const char *start = candidate;

    for (;;) {
        const char *end = strchr(start, '-');
        size_t len = end ? (size_t)(end - start) : strlen(start);
        if (len == n && strncasecmp(start, word, n) == 0)
            return 1;
        if (end == NULL)
            return 0;
        start = end + 1;
    }
}

void cn_suggest_consider(cn_suggestion *s, const char *candidate)
{
    unsigned d;

    if (s->word == NULL || candidate == NULL || strcmp(s->word, candidate) == 0)
        return;
    if (strcasecmp(s->word, candidate) == 0) {
        d = 0;
    } else {
        /* Short words are too easy to reach: "id" is two edits from "url",
         * "y" one from "x". */
        size_t n = strlen(s->word);
        unsigned limit = n <= 2 ? 0 : n <= 3 ? 1 : 2;
        if ((d = distance(s->word, candidate, limit)) <= limit)
            d++; /* any edit ranks after a case-only difference */
        else if (n >= 4 && is_segment(s->word, candidate))
            d = limit + 2; /* "security" -> "it-security", after any near edit */
        else
            return;
    }
    if (d < s->score) {
        s->score = d;
        s->best = candidate;
    } else if (d == s->score && d >= 3) {
        s->best = NULL; /* two candidates share the part: no guess */
    }
}

/* Licence names as people write them, reduced to lowercase words joined by
 * '-': "Apache License, Version 2.0" -> "apache-2.0"; "GPLv3" -> "gpl-3". */
static void normalise_licence(char *out, size_t n, const char *text)
{
    static const char *const drop[] = {"license", "licence", "version", "public", NULL};
    char word[64];
    size_t o = 0, w;
    const char *p = text;

    out[0] = '\0';
    while (*p != '\0') {
        int skip = 0;
        size_t k;
        while (*p == ' ' || *p == ',' || *p == '-' || *p == '_' || *p == '(' || *p == ')')
            p++;
        for (w = 0; p[w] != '\0' && p[w] != ' ' && p[w] != ',' && p[w] != '-' && p[w] != '_' &&
                    p[w] != '(' && p[w] != ')';
             w++)
            ;
        if (w == 0)
            break;
        if (w >= sizeof(word))
            return;
        for (k = 0; k < w; k++)
            word[k] = (char)tolower((unsigned char)p[k]);
        word[w] = '\0';
        p += w;
        for (k = 0; drop[k]; k++)
            skip |= strcmp(word, drop[k]) == 0;
        if (skip)
            continue;
        /* "v2", "v.2" -> "2"; "gplv3" -> "gpl", "3" */
        {
            char *v = word;
            size_t split = 0;
            if (v[0] == 'v' && (isdigit((unsigned char)v[1]) || v[1] == '.'))
                v += v[1] == '.' ? 2 : 1;
            for (k = 1; v[k] != '\0'; k++)
                if (v[k] == 'v' && isdigit((unsigned char)v[k + 1]) &&
                    isalpha((unsigned char)v[k - 1])) {
                    split = k;
                    break;
                }
            if (split) {
                v[split] = '\0';
                o += (size_t)snprintf(out + o, n - o, "%s%s-%s", o ? "-" : "", v, v + split + 1);
            } else {
                o += (size_t)snprintf(out + o, n - o, "%s%s", o ? "-" : "", v);
            }
            if (o >= n)
                return;
        }
    }
}

static const char *spdx_lookup(const char *id)
{
    size_t i;

    for (i = 0; i < cn_spdx_licenses_count; i++)
        if (strcasecmp(cn_spdx_licenses[i], id) == 0)
            return cn_spdx_licenses[i];
    return NULL;
}

const char *cn_suggest_spdx(const char *text)
{
    char norm[128], tried[140];
    const char *hit;
    size_t n;

    if (strlen(text) > 100)
        return NULL;
    normalise_licence(norm, sizeof(norm), text);
    if (norm[0] == '\0')
        return NULL;
    if ((hit = spdx_lookup(norm)) != NULL && strcmp(hit, text) != 0)
        return hit;
    /* "gpl-3" -> GPL-3.0-only is a guess about "only" or "or later"; only
     * add ".0" where the list has that id, e.g. "apache-2" -> Apache-2.0. */
    n = strlen(norm);
    if (n > 0 && isdigit((unsigned char)norm[n - 1]) && (n < 2 || norm[n - 2] == '-')) {
        snprintf(tried, sizeof(tried), "%s.0", norm);
        if ((hit = spdx_lookup(tried)) != NULL)
            return hit;
    }
    {
        cn_suggestion s = CN_SUGGESTION_INIT(text);
        size_t i;
        for (i = 0; i < cn_spdx_licenses_count; i++)
            cn_suggest_consider(&s, cn_spdx_licenses[i]);
        if (s.best != NULL && s.score <= 2 && strlen(text) > 4)
            return s.best;
    }
    return NULL;
}

int cn_suggest_iso_date(char out[11], const char *text)
{
    unsigned d, m, y;
    char s1, s2, end, buf[32];

    if (sscanf(text, "%2u%c%2u%c%4u%c", &d, &s1, &m, &s2, &y, &end) != 5)
        return 0;
    if (s1 != s2 || (s1 != '.' && s1 != '/' && s1 != '-') || strlen(text) < 8 ||
        !isdigit((unsigned char)text[strlen(text) - 4]) || y < 1000 || m < 1 || m > 12 || d < 1 ||
        d > 31)
        return 0;
    snprintf(buf, sizeof(buf), "%04u-%02u-%02u", y % 10000, m, d);
    memcpy(out, buf, 11);
    return cn_format_check("date", out, 10);
}

int cn_suggest_is_boolean_word(const char *text)
{
    static const char *const yes[] = {"yes", "y",    "on",   "ja", "si", "sì",
                                      "oui", "vero", "wahr", "1",  NULL};
    static const char *const no[] = {"no", "n", "off", "nein", "non", "falso", "falsch", "0", NULL};
    size_t i;

    for (i = 0; yes[i]; i++)
        if (strcasecmp(text, yes[i]) == 0)
            return 1;
    for (i = 0; no[i]; i++)
        if (strcasecmp(text, no[i]) == 0)
            return 2;
    return 0;
}
