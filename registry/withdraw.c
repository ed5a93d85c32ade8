/*
 * withdraw.c - what the registry stops showing: withdrawn versions and
 * attestations, the sweep after a full listing (what a peer's signed targets
 * no longer name is withdrawn) and the removal of a node with all it
 * published.
 *
 * Every public function here is one unit of work (cn_reg_write_begin/end),
 * as in ingest.c, and refreshes the derived state of what it touched.
 */
#include "core/error.h"
#include "registry/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Run sql with text bound to ?1. */
static int exec_sql(cn_registry *reg, const char *sql, const char *what, const char *text)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(reg->db, sql, -1, &st, NULL) != SQLITE_OK)
        return cn_reg_sqlite_error(reg, what);
    sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return cn_reg_sqlite_error(reg, what);
    return 0;
}

/* ---- withdrawal ---- */

int cn_registry_withdraw(cn_registry *reg, const char *node_id, const char *item,
                         const char *version, int64_t at, const char *reason)
{
    sqlite3_stmt *st = NULL;
    int64_t item_id;
    int err, rc;

    if ((err = cn_reg_check_node_id(node_id, "node")) != 0)
        return err;
    if (reason && strlen(reason) > CN_REGISTRY_REASON_MAX)
        return cn_error_set(CN_EINVAL, "withdrawal reason: at most %d bytes",
                            CN_REGISTRY_REASON_MAX);
    if ((err = cn_reg_write_begin(reg)) != 0)
        return err;
    if ((err = cn_reg_item_id(&item_id, reg, node_id, item)) != 0)
        goto out;
    /* A version already withdrawn keeps its first time and reason. */
    if (sqlite3_prepare_v2(reg->db,
                           "UPDATE reg_versions SET withdrawn = 1, withdrawn_at = ?3,"
                           " withdrawn_reason = ?4 WHERE item = ?1 AND withdrawn = 0"
                           " AND (?2 IS NULL OR version = ?2)",
                           -1, &st, NULL) != SQLITE_OK) {
        err = cn_reg_sqlite_error(reg, "withdrawing");
        goto out;
    }
    sqlite3_bind_int64(st, 1, item_id);
    if (version)
        sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, at);
    if (reason)
        sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
    if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
        err = cn_reg_sqlite_error(reg, "withdrawing");
        goto out;
    }
    if (version && sqlite3_changes(reg->db) == 0) {
        /* Either unknown or already withdrawn. */
        sqlite3_finalize(st);
        st = NULL;
        if (sqlite3_prepare_v2(reg->db,
                               "SELECT 1 FROM reg_versions WHERE item = ?1 AND version = ?2", -1,
                               &st, NULL) != SQLITE_OK) {
            err = cn_reg_sqlite_error(reg, "withdrawing");
            goto out;
        }
        sqlite3_bind_int64(st, 1, item_id);
        sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_ROW) {
            err = cn_error_set(CN_ENOTFOUND, "version %.12s/%s@%s is not in the registry", node_id,
                               item, version);
            goto out;
        }
    }
    err = cn_reg_refresh_item(reg, item_id);
out:
    sqlite3_finalize(st);
    return cn_reg_write_end(reg, err);
}

/* Withdraw the live attestations of by_node that match cond (SQL that may
 * use ?2, bound to id) and cn_reg_recount their subjects; count grows by how many. */
static int withdraw_attestations(size_t *count, cn_registry *reg, const char *by_node,
                                 const char *cond, const char *id, int64_t at)
{
    sqlite3_stmt *st = NULL;
    char sql[256];
    json_t *subjects = json_array(), *e;
    size_t i;
    int rc, err = 0;

    if (subjects == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    snprintf(sql, sizeof(sql),
             "UPDATE reg_attestations SET withdrawn = 1, withdrawn_at = ?3 WHERE by_node = ?1"
             " AND withdrawn = 0 AND %s RETURNING subject_node, subject_item",
             cond);
    if (sqlite3_prepare_v2(reg->db, sql, -1, &st, NULL) != SQLITE_OK) {
        json_decref(subjects);
        return cn_reg_sqlite_error(reg, "withdrawing attestations");
    }
    sqlite3_bind_text(st, 1, by_node, -1, SQLITE_STATIC);
    if (id)
        sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, at);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(subjects,
                              json_pack("[s, s]", (const char *)sqlite3_column_text(st, 0),
                                        (const char *)sqlite3_column_text(st, 1)));
    if (rc != SQLITE_DONE)
        err = cn_reg_sqlite_error(reg, "withdrawing attestations");
    sqlite3_finalize(st);
    json_array_foreach(subjects, i, e)
    {
        if (err == 0)
            err = cn_reg_recount_subject(reg, json_string_value(json_array_get(e, 0)),
                                         json_string_value(json_array_get(e, 1)));
    }
    if (count)
        *count += json_array_size(subjects);
    json_decref(subjects);
    return err;
}

int cn_registry_withdraw_attestation(cn_registry *reg, const char *by_node, const char *id,
                                     int64_t at)
{
    sqlite3_stmt *st = NULL;
    int err;

    if ((err = cn_reg_check_node_id(by_node, "node")) != 0 ||
        (err = cn_reg_check_attestation_id(id)) != 0)
        return err;
    if ((err = cn_reg_write_begin(reg)) != 0)
        return err;
    if (sqlite3_prepare_v2(reg->db, "SELECT 1 FROM reg_attestations WHERE by_node = ?1 AND id = ?2",
                           -1, &st, NULL) != SQLITE_OK) {
        err = cn_reg_sqlite_error(reg, "reading attestations");
        goto out;
    }
    sqlite3_bind_text(st, 1, by_node, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW)
        err =
            cn_error_set(CN_ENOTFOUND, "attestation %.12s/%s is not in the registry", by_node, id);
    else
        err = withdraw_attestations(NULL, reg, by_node, "id = ?2", id, at);
out:
    sqlite3_finalize(st);
    return cn_reg_write_end(reg, err);
}

/* ---- mark and sweep ---- */

int cn_registry_mark_node(cn_registry *reg, const char *node_id)
{
    int err;

    if ((err = cn_reg_check_node_id(node_id, "node")) != 0 || (err = cn_reg_write_begin(reg)) != 0)
        return err;
    if ((err = cn_reg_node_known(reg, node_id)) == 0 &&
        (err = exec_sql(reg,
                        "UPDATE reg_versions SET seen = 0 WHERE item IN (SELECT i.id FROM"
                        " reg_items i JOIN reg_nodes n ON n.id = i.node WHERE n.node_id = ?1)"
                        "",
                        "marking versions", node_id)) == 0)
        err = exec_sql(reg, "UPDATE reg_attestations SET seen = 0 WHERE by_node = ?1",
                       "marking attestations", node_id);
    return cn_reg_write_end(reg, err);
}

/* The versions of node ?1 a listing did not see, withdrawn at ?2. */
#define SWEEP_SQL                                                                                  \
    "UPDATE reg_versions SET withdrawn = 1, withdrawn_at = ?2,"                                    \
    " withdrawn_reason = 'no longer in the signed targets'"                                        \
    " WHERE seen = 0 AND withdrawn = 0 AND item IN (SELECT i.id FROM"                              \
    " reg_items i JOIN reg_nodes n ON n.id = i.node WHERE n.node_id = ?1)"
/* ... but not those of an item the listing saw another version of. */
#define SWEEP_KEEP_SUPERSEDED " AND item NOT IN (SELECT item FROM reg_versions WHERE seen = 1)"

/* The sweep; with superseded, a version unseen while another version of
 * its item was seen stays as it is (layout 2 lists an item's newest version
 * alone, PROTOCOL §4.1). */
static int sweep(cn_registry *reg, const char *node_id, int64_t at, size_t *withdrawn,
                 int superseded)
{
    sqlite3_stmt *st = NULL;
    cn_reg_id_list items = {NULL, 0, 0};
    size_t count = 0, i;
    int err, rc;

    if (withdrawn)
        *withdrawn = 0;
    if ((err = cn_reg_check_node_id(node_id, "node")) != 0 || (err = cn_reg_write_begin(reg)) != 0)
        return err;
    if ((err = cn_reg_node_known(reg, node_id)) != 0)
        goto out;
    if (sqlite3_prepare_v2(reg->db,
                           superseded ? SWEEP_SQL SWEEP_KEEP_SUPERSEDED " RETURNING item"
                                      : SWEEP_SQL " RETURNING item",
                           -1, &st, NULL) != SQLITE_OK) {
        err = cn_reg_sqlite_error(reg, "sweeping versions");
        goto out;
    }
    sqlite3_bind_text(st, 1, node_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, at);
    while (err == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        count++;
        err = cn_reg_ids_add(&items, sqlite3_column_int64(st, 0));
    }
    if (err == 0 && rc != SQLITE_DONE)
        err = cn_reg_sqlite_error(reg, "sweeping versions");
    sqlite3_finalize(st);
    st = NULL;
    for (i = 0; err == 0 && i < items.n; i++)
        err = cn_reg_refresh_item(reg, items.v[i]);
    if (err == 0)
        err = withdraw_attestations(&count, reg, node_id, "seen = 0", NULL, at);
out:
    free(items.v);
    err = cn_reg_write_end(reg, err);
    if (err == 0 && withdrawn)
        *withdrawn = count;
    return err;
}

int cn_registry_sweep_node(cn_registry *reg, const char *node_id, int64_t at, size_t *withdrawn)
{
    return sweep(reg, node_id, at, withdrawn, 0);
}

int cn_registry_sweep_node_items(cn_registry *reg, const char *node_id, int64_t at,
                                 size_t *withdrawn)
{
    return sweep(reg, node_id, at, withdrawn, 1);
}

/* ---- removal ---- */

int cn_registry_remove_node(cn_registry *reg, const char *node_id)
{
    static const char *const deletes[] = {
        "DELETE FROM reg_item_facets WHERE item IN (SELECT i.id FROM reg_items i"
        " JOIN reg_nodes n ON n.id = i.node WHERE n.node_id = ?1)",
        "DELETE FROM reg_fts WHERE rowid IN (SELECT i.id FROM reg_items i"
        " JOIN reg_nodes n ON n.id = i.node WHERE n.node_id = ?1)",
        "DELETE FROM reg_based_on WHERE item IN (SELECT i.id FROM reg_items i"
        " JOIN reg_nodes n ON n.id = i.node WHERE n.node_id = ?1)",
        "DELETE FROM reg_versions WHERE item IN (SELECT i.id FROM reg_items i"
        " JOIN reg_nodes n ON n.id = i.node WHERE n.node_id = ?1)",
        "DELETE FROM reg_items WHERE node IN (SELECT id FROM reg_nodes WHERE node_id = ?1)"
        "",
        "DELETE FROM reg_attestations WHERE by_node = ?1",
        "DELETE FROM reg_nodes WHERE node_id = ?1",
    };
    sqlite3_stmt *st = NULL;
    cn_reg_id_list replicated = {NULL, 0, 0};
    size_t i;
    int err;

    if ((err = cn_reg_check_node_id(node_id, "node")) != 0 || (err = cn_reg_write_begin(reg)) != 0)
        return err;
    if ((err = cn_reg_node_known(reg, node_id)) != 0)
        goto out;
    for (i = 0; err == 0 && i < sizeof(deletes) / sizeof(deletes[0]); i++)
        err = exec_sql(reg, deletes[i], "removing a node", node_id);
    /* Whatever this node replicated counts one replication less. */
    if (err == 0 && sqlite3_prepare_v2(reg->db, "SELECT id FROM reg_items WHERE replications > 0",
                                       -1, &st, NULL) != SQLITE_OK)
        err = cn_reg_sqlite_error(reg, "removing a node");
    if (err == 0 && (err = cn_reg_ids_collect(&replicated, reg, st)) == 0)
        err = cn_reg_recount_all(reg, &replicated);
out:
    sqlite3_finalize(st);
    free(replicated.v);
    return cn_reg_write_end(reg, err);
}
