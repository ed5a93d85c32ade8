/*
 * snapshot.c - the FTS5 glue (the API, the tokenizer, registering
 * cn_match()) and the in-memory copy of the index that search reads.
 *
 * Why a copy: a broad query ("smart", "stadt") matches most of 100,000
 * items. Counting facets over that many rows in SQL means one index lookup
 * per row and facet (hundreds of milliseconds), and FTS5's bm25() reads
 * each row's size from its docsize table (tens of milliseconds). The copy
 * holds, per item, what those lookups would fetch: sort keys, the document
 * length and the facet value ids, about 32 bytes per item plus 4 per facet
 * value. It is reloaded when what it holds changed: PRAGMA data_version
 * (cheap, read on every search) moves when another connection commits
 * anything to state.db; then reg_meta's generation, which triggers on the
 * tables the copy is made of bump (registry/tables.c), says whether that
 * commit touched them. So a sync round that only records its results in
 * the peers tables costs no reload. Also reloaded after this handle wrote.
 *
 * The document length is counted when an item is indexed, with the
 * tokenizer FTS5 uses and the rule it uses (colocated tokens do not
 * count); FTS5 itself gives it to auxiliary functions of MATCH queries
 * only, one docsize lookup per row.
 */
#include "core/error.h"
#include "registry/internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- FTS5 API ---- */

static fts5_api *fts5_api_of(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;

    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(st);
    sqlite3_finalize(st);
    return api;
}

static int count_token(void *ctx, int flags, const char *token, int n, int start, int end)
{
    (void)token;
    (void)n;
    (void)start;
    (void)end;
    /* What FTS5 counts into a column's size (fts5StorageInsertCallback). */
    if ((flags & FTS5_TOKEN_COLOCATED) == 0)
        (*(int64_t *)ctx)++;
    return SQLITE_OK;
}

int cn_reg_count_tokens(int64_t *out, cn_registry *reg, const char *text, size_t len)
{
    int rc;

    *out = 0;
    if (len == 0)
        return 0;
    if (len > INT32_MAX)
        return cn_error_set(CN_ELIMIT, "registry: text too long to index");
    rc = reg->tok_api.xTokenize(reg->tokenizer, out, FTS5_TOKENIZE_DOCUMENT, text, (int)len,
                                count_token);
    return rc == SQLITE_OK ? 0 : cn_error_set(CN_ERROR, "registry: the tokenizer failed (%d)", rc);
}

int cn_reg_fts_init(cn_registry *reg)
{
    const char *args[] = {"remove_diacritics", "2"};
    void *tok_ctx = NULL;

    if ((reg->fts = fts5_api_of(reg->db)) == NULL || reg->fts->iVersion < 2)
        return cn_error_set(CN_EUNSUPPORTED, "this SQLite has no FTS5 (the registry needs it)");
    if (reg->fts->xCreateFunction(reg->fts, "cn_match", reg, cn_reg_match_function, NULL) !=
        SQLITE_OK)
        return cn_reg_sqlite_error(reg, "registering FTS5 functions");
    if (reg->fts->xFindTokenizer(reg->fts, "unicode61", &tok_ctx, &reg->tok_api) != SQLITE_OK ||
        reg->tok_api.xCreate(tok_ctx, args, 2, &reg->tokenizer) != SQLITE_OK) {
        reg->tokenizer = NULL;
        return cn_error_set(CN_EUNSUPPORTED, "FTS5's unicode61 tokenizer is not available");
    }
    return 0;
}

/* ---- the snapshot ---- */

void cn_reg_snapshot_free(cn_snapshot *snap)
{
    size_t i;

    if (snap == NULL)
        return;
    for (i = 0; i < snap->nvalues; i++)
        free(snap->values[i].value);
    free(snap->values);
    free(snap->items);
    free(snap->facet_ids);
    free(snap);
}

static int facet_of_name(const char *name)
{
    int f;

    for (f = 0; f < CN_FACET_COUNT; f++)
        if (strcmp(name, cn_registry_facet_name((cn_registry_facet)f)) == 0)
            return f;
    return -1;
}

static int single_int(int64_t *out, cn_registry *reg, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(reg->db, sql, -1, &st, NULL) != SQLITE_OK)
        return cn_reg_sqlite_error(reg, "loading the index");
    rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return cn_reg_sqlite_error(reg, "loading the index");
    return 0;
}

static int load_items(cn_snapshot *snap, cn_registry *reg)
{
    sqlite3_stmt *st = NULL;
    int64_t max_id;
    int rc, err;

    if ((err = single_int(&max_id, reg, "SELECT coalesce(max(id), 0) FROM reg_items")) != 0)
        return err;
    if (max_id < 0 || max_id > UINT32_MAX)
        return cn_error_set(CN_ELIMIT, "registry: item ids beyond %u", UINT32_MAX);
    snap->nitems = (size_t)max_id + 1;
    if ((snap->items = calloc(snap->nitems, sizeof(*snap->items))) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if (sqlite3_prepare_v2(reg->db,
                           "SELECT id, node, updated, replications, withdrawn, doclen FROM "
                           "reg_items",
                           -1, &st, NULL) != SQLITE_OK)
        return cn_reg_sqlite_error(reg, "loading the index");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        cn_snap_item *it;
        if (id < 0 || (size_t)id >= snap->nitems)
            continue;
        it = &snap->items[id];
        it->node = (uint32_t)sqlite3_column_int64(st, 1);
        it->updated = sqlite3_column_int64(st, 2);
        it->replications = (uint32_t)sqlite3_column_int64(st, 3);
        it->withdrawn = sqlite3_column_int(st, 4) != 0;
        it->doclen = (uint32_t)sqlite3_column_int64(st, 5);
        it->present = 1;
        snap->count++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return cn_reg_sqlite_error(reg, "loading the index");
    return 0;
}

static int load_facets(cn_snapshot *snap, cn_registry *reg)
{
    sqlite3_stmt *st = NULL;
    int64_t max_vid, count, prev = -1;
    uint32_t *dense = NULL;
    int rc, err;

    if ((err = single_int(&max_vid, reg, "SELECT coalesce(max(id), 0) FROM reg_facet_values")) ||
        (err = single_int(&count, reg, "SELECT count(*) FROM reg_item_facets")) != 0)
        return err;
    if (max_vid > UINT32_MAX - 1 || count > UINT32_MAX)
        return cn_error_set(CN_ELIMIT, "registry: too many facet values");
    if ((dense = malloc(((size_t)max_vid + 1) * sizeof(*dense))) == NULL ||
        (snap->values = calloc((size_t)max_vid + 1, sizeof(*snap->values))) == NULL ||
        (snap->facet_ids = malloc(((size_t)count + 1) * sizeof(*snap->facet_ids))) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    memset(dense, 0xff, ((size_t)max_vid + 1) * sizeof(*dense));
    if (sqlite3_prepare_v2(reg->db, "SELECT id, facet, value FROM reg_facet_values", -1, &st,
                           NULL) != SQLITE_OK) {
        err = cn_reg_sqlite_error(reg, "loading the index");
        goto out;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        int facet = facet_of_name((const char *)sqlite3_column_text(st, 1));
        const char *value = (const char *)sqlite3_column_text(st, 2);
        cn_snap_value *v = &snap->values[snap->nvalues];
        if (id < 0 || id > max_vid || facet < 0 || value == NULL)
            continue;
        if ((v->value = strdup(value)) == NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
        v->facet = (uint8_t)facet;
        dense[id] = (uint32_t)snap->nvalues++;
    }
    if (rc != SQLITE_DONE) {
        err = cn_reg_sqlite_error(reg, "loading the index");
        goto out;
    }
    sqlite3_finalize(st);
    /* Grouped by item (the primary key's order, so no sort). */
    if (sqlite3_prepare_v2(reg->db, "SELECT item, value FROM reg_item_facets ORDER BY item", -1,
                           &st, NULL) != SQLITE_OK) {
        err = cn_reg_sqlite_error(reg, "loading the index");
        goto out;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && snap->nfacet_ids < (size_t)count) {
        int64_t item = sqlite3_column_int64(st, 0), vid = sqlite3_column_int64(st, 1);
        cn_snap_item *it;
        if (item < 0 || (size_t)item >= snap->nitems || vid < 0 || vid > max_vid ||
            dense[vid] == UINT32_MAX || !snap->items[item].present)
            continue;
        it = &snap->items[item];
        if (item != prev) {
            it->facet_off = (uint32_t)snap->nfacet_ids;
            it->nfacets = 0;
            prev = item;
        }
        if (it->nfacets == UINT16_MAX)
            continue;
        snap->facet_ids[snap->nfacet_ids++] = dense[vid];
        it->nfacets++;
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        err = cn_reg_sqlite_error(reg, "loading the index");
out:
    sqlite3_finalize(st);
    free(dense);
    return err;
}

static int read_generation(int64_t *out, cn_registry *reg)
{
    sqlite3_stmt *st = cn_reg_stmt(reg, ST_GENERATION);
    int rc;

    if (st == NULL)
        return CN_ERROR;
    rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return cn_reg_sqlite_error(reg, "reading the generation");
    return 0;
}

int cn_reg_snapshot_refresh(cn_registry *reg)
{
    sqlite3_stmt *st = cn_reg_stmt(reg, ST_DATA_VERSION);
    cn_snapshot *snap;
    int64_t version, generation;
    int rc, err;

    if (st == NULL)
        return CN_ERROR;
    rc = sqlite3_step(st);
    version = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return cn_reg_sqlite_error(reg, "reading the data version");
    if (reg->snap && !reg->snap_stale && reg->snap->data_version == version)
        return 0;
    /* Read before loading: a commit in between makes the copy newer than
     * its generation, which costs at most one more reload, never a stale
     * copy. */
    if ((err = read_generation(&generation, reg)) != 0)
        return err;
    if (reg->snap && !reg->snap_stale && reg->snap->generation == generation) {
        reg->snap->data_version = version;
        return 0;
    }
    cn_reg_snapshot_free(reg->snap);
    reg->snap = NULL;
    if ((snap = calloc(1, sizeof(*snap))) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if ((err = load_items(snap, reg)) != 0 || (err = load_facets(snap, reg)) != 0) {
        cn_reg_snapshot_free(snap);
        return err;
    }
    snap->data_version = version;
    snap->generation = generation;
    reg->snap = snap;
    reg->snap_loads++;
    reg->snap_stale = 0;
    return 0;
}
