/*
 * refresh.c - an item's derived state: everything the index keeps about an
 * item besides its versions (its reg_items row, facets, FTS row, isBasedOn
 * edges, and the replication counts they touch), recomputed from its
 * versions by cn_reg_refresh_item whenever any of them changes; and the
 * lists of item ids the writers in ingest.c and withdraw.c collect.
 */
#include "core/error.h"
#include "core/semver.h"
#include "registry/internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- id lists ---- */

int cn_reg_ids_add(cn_reg_id_list *l, int64_t id)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        if (l->v[i] == id)
            return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        int64_t *v = realloc(l->v, cap * sizeof(*v));
        if (v == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = id;
    return 0;
}

/* Run st (bound) and add column 0 of each row to l. */
int cn_reg_ids_collect(cn_reg_id_list *l, cn_registry *reg, sqlite3_stmt *st)
{
    int rc, err = 0;

    while (err == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
        err = cn_reg_ids_add(l, sqlite3_column_int64(st, 0));
    if (err == 0 && rc != SQLITE_DONE)
        err = cn_reg_sqlite_error(reg, "reading items");
    sqlite3_reset(st);
    return err;
}

/* ---- derived state ---- */

int cn_reg_recount(cn_registry *reg, int64_t item_id)
{
    sqlite3_stmt *st = cn_reg_stmt(reg, ST_REPLICATIONS_COUNT);
    int64_t n;
    int rc;

    if (st == NULL)
        return CN_ERROR;
    sqlite3_bind_int64(st, 1, item_id);
    if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
        sqlite3_reset(st);
        return cn_reg_sqlite_error(reg, "counting replications");
    }
    n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if ((st = cn_reg_stmt(reg, ST_REPLICATIONS_SET)) == NULL)
        return CN_ERROR;
    sqlite3_bind_int64(st, 1, item_id);
    sqlite3_bind_int64(st, 2, n);
    return cn_reg_step_done(reg, st, "counting replications");
}

int cn_reg_recount_all(cn_registry *reg, const cn_reg_id_list *l)
{
    size_t i;
    int err;

    for (i = 0; i < l->n; i++)
        if ((err = cn_reg_recount(reg, l->v[i])) != 0)
            return err;
    return 0;
}

static int based_on_targets(cn_reg_id_list *l, cn_registry *reg, int64_t item_id)
{
    sqlite3_stmt *st = cn_reg_stmt(reg, ST_BASED_ON_TARGETS);

    if (st == NULL)
        return CN_ERROR;
    sqlite3_bind_int64(st, 1, item_id);
    return cn_reg_ids_collect(l, reg, st);
}

/* The version that describes an item: the newest by semver precedence
 * that is not withdrawn, or the newest if all are. */
typedef struct {
    char *version;
    char *manifest;
    int64_t published, verified_at;
    int all_withdrawn;
} latest_version;

static int find_latest(latest_version *out, cn_registry *reg, int64_t item_id)
{
    sqlite3_stmt *st = cn_reg_stmt(reg, ST_VERSIONS_OF_ITEM);
    int rc, err = 0, best_withdrawn = 1;

    memset(out, 0, sizeof(*out));
    out->all_withdrawn = 1;
    if (st == NULL)
        return CN_ERROR;
    sqlite3_bind_int64(st, 1, item_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        int withdrawn = sqlite3_column_int(st, 1) != 0;
        int better;
        if (v == NULL || cn_semver_check(v) != 0) {
            cn_error_clear(); /* a stored version that is not semver is skipped */
            continue;
        }
        if (out->version == NULL)
            better = 1;
        else if (withdrawn != best_withdrawn)
            better = !withdrawn;
        else
            better = cn_semver_compare(v, out->version) > 0;
        if (!withdrawn)
            out->all_withdrawn = 0;
        if (!better)
            continue;
        free(out->version);
        free(out->manifest);
        out->version = strdup(v);
        out->manifest = strdup((const char *)sqlite3_column_text(st, 2));
        out->published = sqlite3_column_int64(st, 3);
        out->verified_at = sqlite3_column_int64(st, 4);
        best_withdrawn = withdrawn;
        if (out->version == NULL || out->manifest == NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            break;
        }
    }
    sqlite3_reset(st);
    if (err == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
        err = cn_reg_sqlite_error(reg, "reading versions");
    if (err == 0 && out->version == NULL)
        err = cn_error_set(CN_ERROR, "registry: item %lld has no versions", (long long)item_id);
    return err;
}

static void latest_clear(latest_version *l)
{
    free(l->version);
    free(l->manifest);
}

static int facet_value_id(int64_t *out, cn_registry *reg, const char *facet, const char *value)
{
    sqlite3_stmt *st = cn_reg_stmt(reg, ST_FACET_VALUE_ID);
    int found;

    if (st == NULL)
        return CN_ERROR;
    sqlite3_bind_text(st, 1, facet, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    if ((found = cn_reg_step_one(out, reg, st, "reading facet values")) != 0)
        return found < 0 ? found : 0;
    if ((st = cn_reg_stmt(reg, ST_FACET_VALUE_INSERT)) == NULL)
        return CN_ERROR;
    sqlite3_bind_text(st, 1, facet, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    if (cn_reg_step_done(reg, st, "adding a facet value") != 0)
        return CN_ERROR;
    *out = sqlite3_last_insert_rowid(reg->db);
    return 0;
}

/* Run the statement which, that deletes an item's rows of one table. */
static int delete_item_rows(cn_registry *reg, cn_registry_stmt which, int64_t item_id,
                            const char *what)
{
    sqlite3_stmt *st = cn_reg_stmt(reg, which);

    if (st == NULL)
        return CN_ERROR;
    sqlite3_bind_int64(st, 1, item_id);
    return cn_reg_step_done(reg, st, what);
}

static int write_facets(cn_registry *reg, int64_t item_id, const json_t *facets)
{
    sqlite3_stmt *st;
    json_t *pair;
    size_t i;
    int err;

    if ((err = delete_item_rows(reg, ST_ITEM_FACETS_DELETE, item_id, "writing facets")) != 0)
        return err;
    json_array_foreach(facets, i, pair)
    {
        int64_t vid = 0;
        int facet = (int)json_integer_value(json_array_get(pair, 0));
        if ((err = facet_value_id(&vid, reg, cn_registry_facet_name((cn_registry_facet)facet),
                                  json_string_value(json_array_get(pair, 1)))) != 0)
            return err;
        if ((st = cn_reg_stmt(reg, ST_ITEM_FACET_INSERT)) == NULL)
            return CN_ERROR;
        sqlite3_bind_int64(st, 1, item_id);
        sqlite3_bind_int64(st, 2, vid);
        if ((err = cn_reg_step_done(reg, st, "writing facets")) != 0)
            return err;
    }
    return 0;
}

static int write_fts(int64_t *doclen, cn_registry *reg, int64_t item_id, const cn_reg_extract *x)
{
    const cn_buf *cols[3] = {&x->fts_title, &x->fts_description, &x->fts_keywords};
    sqlite3_stmt *st;
    size_t i;
    int err;

    if ((err = delete_item_rows(reg, ST_FTS_DELETE, item_id, "updating the search index")) != 0)
        return err;
    if ((st = cn_reg_stmt(reg, ST_FTS_INSERT)) == NULL)
        return CN_ERROR;
    sqlite3_bind_int64(st, 1, item_id);
    for (i = 0; i < 3; i++)
        sqlite3_bind_text(st, (int)i + 2, cols[i]->data ? (const char *)cols[i]->data : "",
                          (int)cols[i]->len, SQLITE_STATIC);
    if ((err = cn_reg_step_done(reg, st, "updating the search index")) != 0)
        return err;
    /* bm25() needs the row's size; search keeps it in memory. */
    *doclen = 0;
    for (i = 0; i < 3; i++) {
        int64_t n;
        if ((err = cn_reg_count_tokens(&n, reg, (const char *)cols[i]->data, cols[i]->len)) != 0)
            return err;
        *doclen += n;
    }
    return 0;
}

static int write_based_on(cn_registry *reg, int64_t item_id, const json_t *based_on)
{
    sqlite3_stmt *st;
    json_t *e;
    size_t i;
    int err, k;

    if ((err = delete_item_rows(reg, ST_BASED_ON_DELETE, item_id, "writing isBasedOn")) != 0)
        return err;
    json_array_foreach(based_on, i, e)
    {
        if ((st = cn_reg_stmt(reg, ST_BASED_ON_INSERT)) == NULL)
            return CN_ERROR;
        sqlite3_bind_int64(st, 1, item_id);
        for (k = 0; k < 4; k++) {
            const char *s = json_string_value(json_array_get(e, (size_t)k));
            if (s)
                sqlite3_bind_text(st, k + 2, s, -1, SQLITE_STATIC);
        }
        if ((err = cn_reg_step_done(reg, st, "writing isBasedOn")) != 0)
            return err;
    }
    return 0;
}

/* Recompute everything derived from an item's versions (see the top). */
int cn_reg_refresh_item(cn_registry *reg, int64_t item_id)
{
    sqlite3_stmt *st;
    cn_reg_node_fields node = {NULL, NULL, NULL};
    cn_reg_extract x;
    latest_version latest;
    json_t *manifest = NULL, *programmes = NULL;
    char *name = NULL, *country = NULL, *item = NULL, *kind = NULL;
    cn_reg_id_list targets = {NULL, 0, 0};
    int64_t doclen = 0;
    int err, rc;

    memset(&x, 0, sizeof(x));
    if ((err = find_latest(&latest, reg, item_id)) != 0)
        goto out;
    if ((st = cn_reg_stmt(reg, ST_ITEM_NODE_FIELDS)) == NULL) {
        err = CN_ERROR;
        goto out;
    }
    sqlite3_bind_int64(st, 1, item_id);
    if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
        sqlite3_reset(st);
        err = cn_reg_sqlite_error(reg, "reading an item");
        goto out;
    }
#define DUP_COL(i)                                                                                 \
    (sqlite3_column_text(st, i) ? strdup((const char *)sqlite3_column_text(st, i)) : NULL)
    name = DUP_COL(0);
    country = DUP_COL(1);
    programmes = cn_reg_column_json(st, 2);
    item = DUP_COL(3);
    kind = DUP_COL(4);
#undef DUP_COL
    sqlite3_reset(st);
    if (name == NULL || item == NULL || kind == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    node.name = name;
    node.country = country;
    node.programmes = programmes;
    if ((manifest = json_loads(latest.manifest, 0, NULL)) == NULL) {
        err = cn_error_set(CN_ERROR, "registry: stored manifest of %s@%s is not JSON", item,
                           latest.version);
        goto out;
    }
    if ((err = cn_reg_extract_manifest(&x, manifest, kind, item, &node)) != 0 ||
        (err = based_on_targets(&targets, reg, item_id)) != 0 ||
        (err = write_facets(reg, item_id, x.facets)) != 0 ||
        (err = write_fts(&doclen, reg, item_id, &x)) != 0 ||
        (err = write_based_on(reg, item_id, x.based_on)) != 0 ||
        (err = based_on_targets(&targets, reg, item_id)) != 0)
        goto out;
    if ((st = cn_reg_stmt(reg, ST_ITEM_UPDATE)) == NULL) {
        err = CN_ERROR;
        goto out;
    }
    sqlite3_bind_int64(st, 1, item_id);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, latest.version, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, x.title, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, x.description, -1, SQLITE_STATIC);
    if (x.url)
        sqlite3_bind_text(st, 6, x.url, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 7, latest.all_withdrawn);
    sqlite3_bind_int64(st, 8, latest.published ? latest.published : latest.verified_at);
    sqlite3_bind_int64(st, 9, doclen);
    if ((err = cn_reg_step_done(reg, st, "updating an item")) != 0 ||
        (err = cn_reg_recount(reg, item_id)) != 0)
        goto out;
    err = cn_reg_recount_all(reg, &targets);
out:
    latest_clear(&latest);
    cn_reg_extract_clear(&x);
    json_decref(manifest);
    json_decref(programmes);
    free(name);
    free(country);
    free(item);
    free(kind);
    free(targets.v);
    return err;
}

/* Recount the item an attestation is about, if the registry knows it. */
int cn_reg_recount_subject(cn_registry *reg, const char *node, const char *item)
{
    int64_t id;
    int err = cn_reg_item_id(&id, reg, node, item);

    if (err == CN_ENOTFOUND) {
        cn_error_clear();
        return 0;
    }
    return err ? err : cn_reg_recount(reg, id);
}
