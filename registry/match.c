/*
 * match.c - cn_match(), the FTS5 function through which search walks the
 * matches of its text and hands each one to cn_reg_consider
 * (registry/search.c), with its BM25 score when the order is relevance.
 *
 *   SELECT cn_match(reg_fts, w_title, w_description, w_keywords)
 *     FROM reg_fts WHERE reg_fts MATCH ?
 *
 * The score is FTS5's bm25() (fts5_aux.c: k1 = 1.2, b = 0.75, the same IDF
 * with its floor of 1e-6, the same arithmetic in the same order, so the
 * scores are equal bit for bit, which the unit tests check), as a positive
 * number, except that the document length comes from the in-memory copy
 * instead of one docsize lookup per row.
 *
 * bm25() needs each phrase's number of matching rows before any score, and
 * counts them by walking each phrase (xQueryPhrase). cn_match() makes that
 * walk the only one: on its first call it keeps every row of every phrase
 * (rowid, weighted instance count, length), merges them as the expression
 * (words AND-ed, each an OR of its spellings) says and scores them, with no
 * SQL step per row. Without scores, one phrase is walked the same way; for
 * several, FTS5's own evaluation finds the rows (it skips ahead in long
 * lists) and cn_match() is called once per row.
 */
#include "core/error.h"
#include "registry/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define K1 1.2
#define B  0.75

static double bm25_term(double idf, double freq, double doclen, double avgdl)
{
    return idf * ((freq * (K1 + 1.0)) / (freq + K1 * (1 - B + B * doclen / avgdl)));
}

static double bm25_idf(sqlite3_int64 nrow, sqlite3_int64 hits)
{
    double idf = log((nrow - hits + 0.5) / (hits + 0.5));

    return idf <= 0.0 ? 1e-6 : idf;
}

/* The document length of the current row: from the copy, else FTS5's. */
static int row_length(double *out, const cn_registry *reg, const Fts5ExtensionApi *api,
                      Fts5Context *fts, sqlite3_int64 rowid)
{
    const cn_snapshot *snap = reg->snap;
    int n = 0, rc;

    if (snap && rowid >= 0 && (size_t)rowid < snap->nitems && snap->items[rowid].present) {
        *out = (double)snap->items[rowid].doclen;
        return SQLITE_OK;
    }
    rc = api->xColumnSize(fts, -1, &n);
    *out = (double)n;
    return rc;
}

/* The weighted number of instances of phrase in the current row: what
 * bm25() sums over xInst, walked per phrase (sums of small whole numbers,
 * so the order of the additions does not change them). */
static int phrase_freq(double *out, const Fts5ExtensionApi *api, Fts5Context *fts, int phrase,
                       const double w[3])
{
    Fts5PhraseIter it;
    int col, off, rc;
    double f = 0.0;

    if ((rc = api->xPhraseFirst(fts, phrase, &it, &col, &off)) != SQLITE_OK)
        return rc;
    for (; col >= 0; api->xPhraseNext(fts, &it, &col, &off))
        f += col < 3 ? w[col] : 1.0;
    *out = f;
    return SQLITE_OK;
}

static int average_length(double *out, const Fts5ExtensionApi *api, Fts5Context *fts,
                          sqlite3_int64 *nrow)
{
    sqlite3_int64 ntoken = 0;
    int rc;

    if ((rc = api->xRowCount(fts, nrow)) != SQLITE_OK)
        return rc;
    if (*nrow <= 0)
        *nrow = 1;
    if ((rc = api->xColumnTotalSize(fts, -1, &ntoken)) != SQLITE_OK)
        return rc;
    *out = (double)ntoken / (double)*nrow;
    return SQLITE_OK;
}

/* ---- walking phrases ---- */

typedef struct {
    cn_registry *reg;
    cn_reg_search *search;
    const double *w;
    int ranked;
    size_t n; /* rows kept in reg->matches */
} phrase_walk;

static int keep_row(const Fts5ExtensionApi *api, Fts5Context *fts, void *ctx)
{
    phrase_walk *pw = ctx;
    cn_registry *reg = pw->reg;
    sqlite3_int64 rowid = api->xRowid(fts);
    cn_reg_match *m;
    int rc;

    if (!pw->ranked) {
        cn_reg_consider(pw->search, rowid, 0.0);
        return SQLITE_OK;
    }
    if (pw->n == reg->matches_cap) {
        size_t cap = reg->matches_cap ? 2 * reg->matches_cap : 4096;
        cn_reg_match *v = realloc(reg->matches, cap * sizeof(*v));
        if (v == NULL)
            return SQLITE_NOMEM;
        reg->matches = v;
        reg->matches_cap = cap;
    }
    m = &reg->matches[pw->n];
    m->rowid = rowid;
    /* Inside xQueryPhrase the walked phrase is phrase 0. */
    if ((rc = phrase_freq(&m->freq, api, fts, 0, pw->w)) != SQLITE_OK ||
        (rc = row_length(&m->doclen, reg, api, fts, rowid)) != SQLITE_OK)
        return rc;
    pw->n++;
    return SQLITE_OK;
}

/* Relevance: keep every row of every phrase (rowid order), then merge them
 * as the expression says (a row matches when each word has a spelling in
 * it) and score: the sum over the phrases in the row, in phrase order, of
 * IDF times the BM25 term. A phrase absent from a row adds 0.0 in bm25(),
 * which changes no sum, so it is left out. */
static int walk_ranked(cn_registry *reg, cn_reg_search *s, const Fts5ExtensionApi *api,
                       Fts5Context *fts, const double w[3])
{
    const cn_reg_fts_query *q = cn_reg_search_query(s);
    size_t start[CN_REG_PHRASES_MAX + 1], pos[CN_REG_PHRASES_MAX], p, np = q->nphrases;
    int64_t cur[CN_REG_PHRASES_MAX]; /* each phrase's next rowid, INT64_MAX at its end */
    double idf[CN_REG_PHRASES_MAX], avgdl;
    uint32_t all = q->nwords >= 32 ? UINT32_MAX : (1u << q->nwords) - 1;
    phrase_walk pw = {reg, s, w, 1, 0};
    sqlite3_int64 nrow;
    int rc;

    if ((size_t)api->xPhraseCount(fts) != np || np == 0)
        return SQLITE_ERROR;
    for (p = 0; p < np; p++) {
        start[p] = pw.n;
        if ((rc = api->xQueryPhrase(fts, (int)p, &pw, keep_row)) != SQLITE_OK)
            return rc;
    }
    start[np] = pw.n;
    if ((rc = average_length(&avgdl, api, fts, &nrow)) != SQLITE_OK)
        return rc;
    for (p = 0; p < np; p++) {
        idf[p] = bm25_idf(nrow, (sqlite3_int64)(start[p + 1] - start[p]));
        pos[p] = start[p];
        cur[p] = pos[p] < start[p + 1] ? reg->matches[pos[p]].rowid : INT64_MAX;
    }
    for (;;) {
        int64_t row = INT64_MAX;
        uint32_t words = 0;
        double score = 0.0;
        size_t here[CN_REG_PHRASES_MAX], nhere = 0, h;
        for (p = 0; p < np; p++)
            if (cur[p] < row)
                row = cur[p];
        if (row == INT64_MAX)
            break;
        for (p = 0; p < np; p++) {
            if (cur[p] != row)
                continue;
            words |= 1u << q->word[p];
            here[nhere++] = p;
        }
        for (h = 0; h < nhere; h++) {
            p = here[h];
            if (words == all) {
                const cn_reg_match *m = &reg->matches[pos[p]];
                score += bm25_term(idf[p], m->freq, m->doclen, avgdl);
            }
            pos[p]++;
            cur[p] = pos[p] < start[p + 1] ? reg->matches[pos[p]].rowid : INT64_MAX;
        }
        if (words == all)
            cn_reg_consider(s, row, score);
    }
    return SQLITE_OK;
}

void cn_reg_match_function(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                           int nargs, sqlite3_value **args)
{
    cn_registry *reg = api->xUserData(fts);
    cn_reg_search *s = reg->search;
    double w[3];
    int i, rc = SQLITE_OK;

    if (s == NULL) {
        sqlite3_result_error(ctx, "cn_match() is only for the registry's search", -1);
        return;
    }
    if (cn_reg_search_done(s))
        return;
    for (i = 0; i < 3; i++)
        w[i] = nargs > i ? sqlite3_value_double(args[i]) : 1.0;
    if (cn_reg_search_ranked(s)) {
        rc = walk_ranked(reg, s, api, fts, w);
        cn_reg_search_set_done(s);
    } else if (api->xPhraseCount(fts) == 1) {
        phrase_walk pw = {reg, s, w, 0, 0};
        rc = api->xQueryPhrase(fts, 0, &pw, keep_row);
        cn_reg_search_set_done(s);
    } else {
        /* Several words, no scores: FTS5's own AND skips ahead in the
         * longer lists, so let it find the rows. */
        cn_reg_consider(s, api->xRowid(fts), 0.0);
    }
    if (rc != SQLITE_OK)
        sqlite3_result_error_code(ctx, rc);
}
