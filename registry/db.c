/*
 * db.c - opening the registry, transactions, and the small helpers the other
 * files share (node references, times, JSON columns).
 */
#include "core/error.h"
#include "registry/internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BUSY_TIMEOUT_MS 5000
#define ATTESTATION_MAX 200 /* bytes of an attestation id */

int cn_reg_sqlite_error(cn_registry *reg, const char *what)
{
    return cn_error_set(CN_ERROR, "state.db: %s: %s", what,
                        reg->db ? sqlite3_errmsg(reg->db) : "not open");
}

int cn_registry_open(cn_registry **out, const char *db_path)
{
    cn_registry *reg;
    int err;

    *out = NULL;
    if ((reg = calloc(1, sizeof(*reg))) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if (sqlite3_open_v2(db_path, &reg->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        err = cn_error_set(CN_ERROR, "%s: %s", db_path,
                           reg->db ? sqlite3_errmsg(reg->db) : "cannot open");
        goto fail;
    }
    sqlite3_busy_timeout(reg->db, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(reg->db, 1);
    if (sqlite3_exec(reg->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL,
                     NULL) != SQLITE_OK) {
        err = cn_reg_sqlite_error(reg, "setting WAL mode");
        goto fail;
    }
    if ((err = cn_reg_fts_init(reg)) != 0 || (err = cn_reg_tables_create(reg)) != 0)
        goto fail;
    *out = reg;
    return 0;
fail:
    cn_error_wrap(err, "%s", db_path);
    cn_registry_free(reg);
    return err;
}

void cn_registry_free(cn_registry *reg)
{
    size_t i;

    if (reg == NULL)
        return;
    if (reg->in_txn)
        sqlite3_exec(reg->db, "ROLLBACK", NULL, NULL, NULL);
    for (i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(reg->stmts[i]);
    if (reg->tokenizer)
        reg->tok_api.xDelete(reg->tokenizer);
    cn_reg_snapshot_free(reg->snap);
    free(reg->matches);
    sqlite3_close(reg->db);
    free(reg);
}

/* ---- statements ---- */

int cn_reg_step_done(cn_registry *reg, sqlite3_stmt *st, const char *what)
{
    int rc;

    if (st == NULL)
        return CN_ERROR;
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return cn_reg_sqlite_error(reg, what);
    return 0;
}

int cn_reg_step_one(int64_t *out, cn_registry *reg, sqlite3_stmt *st, const char *what)
{
    int rc;

    if (st == NULL)
        return CN_ERROR;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && out != NULL)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc != SQLITE_DONE)
        return cn_reg_sqlite_error(reg, what);
    return 0;
}

/* ---- transactions ---- */

int cn_registry_begin(cn_registry *reg)
{
    if (reg->in_txn)
        return cn_error_set(CN_EINVAL, "registry: a transaction is already open");
    if (sqlite3_exec(reg->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return cn_reg_sqlite_error(reg, "begin");
    reg->in_txn = 1;
    return 0;
}

int cn_registry_commit(cn_registry *reg)
{
    if (!reg->in_txn)
        return cn_error_set(CN_EINVAL, "registry: no transaction is open");
    if (sqlite3_exec(reg->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        int err = cn_reg_sqlite_error(reg, "commit");
        sqlite3_exec(reg->db, "ROLLBACK", NULL, NULL, NULL);
        reg->in_txn = 0;
        reg->snap_stale = 1;
        return err;
    }
    reg->in_txn = 0;
    return 0;
}

int cn_registry_rollback(cn_registry *reg)
{
    if (!reg->in_txn)
        return cn_error_set(CN_EINVAL, "registry: no transaction is open");
    reg->in_txn = 0;
    reg->snap_stale = 1;
    if (sqlite3_exec(reg->db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
        return cn_reg_sqlite_error(reg, "rollback");
    return 0;
}

int cn_reg_write_begin(cn_registry *reg)
{
    const char *sql = reg->in_txn ? "SAVEPOINT cn_registry_put" : "BEGIN IMMEDIATE";

    if (sqlite3_exec(reg->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return cn_reg_sqlite_error(reg, "begin");
    return 0;
}

int cn_reg_write_end(cn_registry *reg, int err)
{
    reg->snap_stale = 1;
    if (err == 0) {
        const char *sql = reg->in_txn ? "RELEASE cn_registry_put" : "COMMIT";
        if (sqlite3_exec(reg->db, sql, NULL, NULL, NULL) == SQLITE_OK)
            return 0;
        err = cn_reg_sqlite_error(reg, "commit");
    }
    if (reg->in_txn)
        sqlite3_exec(reg->db, "ROLLBACK TO cn_registry_put; RELEASE cn_registry_put", NULL, NULL,
                     NULL);
    else
        sqlite3_exec(reg->db, "ROLLBACK", NULL, NULL, NULL);
    return err;
}

/* ---- references ---- */

int cn_reg_is_node_id(const char *s, size_t n)
{
    return n == 64 && cn_hex_is_lower(s, n);
}

int cn_reg_check_node_id(const char *id, const char *what)
{
    if (!cn_hex_is_lower_str(id, 64))
        return cn_error_set(CN_EINVAL, "%s: expected a node id (64 lowercase hex digits)", what);
    return 0;
}

int cn_reg_check_attestation_id(const char *id)
{
    size_t i, n = id ? strlen(id) : 0;

    if (n == 0 || n > ATTESTATION_MAX || id[0] == '.')
        goto bad;
    for (i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            goto bad;
    }
    return 0;
bad:
    return cn_error_set(CN_EINVAL,
                        "attestation id: expected 1 to %d letters, digits, '-', '_' "
                        "or '.'",
                        ATTESTATION_MAX);
}

int cn_reg_node_row(int64_t *rowid, cn_registry *reg, const char *node_id, const char *what)
{
    sqlite3_stmt *st = cn_reg_stmt(reg, ST_NODE_BY_ID);

    if (st == NULL)
        return CN_ERROR;
    sqlite3_bind_text(st, 1, node_id, -1, SQLITE_STATIC);
    return cn_reg_step_one(rowid, reg, st, what);
}

int cn_reg_node_known(cn_registry *reg, const char *node_id)
{
    int found = cn_reg_node_row(NULL, reg, node_id, "reading a node");

    if (found != 0)
        return found < 0 ? found : 0;
    return cn_error_set(CN_ENOTFOUND,
                        "node %.12s is not in the registry; put the node before what it "
                        "publishes",
                        node_id);
}

int cn_reg_resolve_node(char out[65], int64_t *rowid, cn_registry *reg, const char *ref)
{
    sqlite3_stmt *st = NULL;
    size_t n = ref ? strlen(ref) : 0;
    int rc, err = 0, found = 0;

    if (n < 8 || n > 64 || !cn_hex_is_lower(ref, n))
        return cn_error_set(CN_EINVAL,
                            "node: expected a node id or a prefix of at least 8 lowercase hex "
                            "digits");
    if (sqlite3_prepare_v2(reg->db,
                           "SELECT node_id, id FROM reg_nodes WHERE node_id >= ?1 AND "
                           "substr(node_id, 1, ?2) = ?1 ORDER BY node_id LIMIT 2",
                           -1, &st, NULL) != SQLITE_OK)
        return cn_reg_sqlite_error(reg, "looking up a node");
    sqlite3_bind_text(st, 1, ref, (int)n, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, (int)n);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (found++ == 0) {
            memcpy(out, sqlite3_column_text(st, 0), 64);
            out[64] = '\0';
            if (rowid)
                *rowid = sqlite3_column_int64(st, 1);
        }
    }
    if (rc != SQLITE_DONE)
        err = cn_reg_sqlite_error(reg, "looking up a node");
    else if (found == 0)
        err = cn_error_set(CN_ENOTFOUND, "node %s is not in the registry", ref);
    else if (found > 1)
        err = cn_error_set(CN_EUSAGE, "node id prefix %s is ambiguous; give more digits", ref);
    sqlite3_finalize(st);
    return err;
}

int cn_registry_has_node(cn_registry *reg, const char *node_id)
{
    return cn_reg_node_row(NULL, reg, node_id, "looking up a node");
}

int cn_registry_reindex_pending(cn_registry *reg)
{
    sqlite3_stmt *st = NULL;
    int rc, pending = 0;

    if (sqlite3_prepare_v2(reg->db, "SELECT 1 FROM reg_meta WHERE key = 'reindex'", -1, &st,
                           NULL) != SQLITE_OK)
        return cn_reg_sqlite_error(reg, "reading whether to index again");
    if ((rc = sqlite3_step(st)) == SQLITE_ROW)
        pending = 1;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return cn_reg_sqlite_error(reg, "reading whether to index again");
    return pending;
}

int cn_registry_reindex_done(cn_registry *reg)
{
    if (sqlite3_exec(reg->db, "DELETE FROM reg_meta WHERE key = 'reindex'", NULL, NULL, NULL) !=
        SQLITE_OK)
        return cn_reg_sqlite_error(reg, "clearing the mark to index again");
    return 0;
}

int cn_reg_item_id(int64_t *out, cn_registry *reg, const char *node_id, const char *item)
{
    sqlite3_stmt *st = cn_reg_stmt(reg, ST_ITEM_LOOKUP);
    int found;

    if (st == NULL)
        return CN_ERROR;
    sqlite3_bind_text(st, 1, node_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, item, -1, SQLITE_STATIC);
    if ((found = cn_reg_step_one(out, reg, st, "looking up an item")) != 0)
        return found < 0 ? found : 0;
    return cn_error_set(CN_ENOTFOUND, "item %.12s/%s is not in the registry", node_id, item);
}

/* ---- JSON helpers ---- */

json_t *cn_reg_time_json(int64_t t)
{
    char buf[32];
    struct tm tm;
    time_t tt = (time_t)t;

    if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return json_null();
    return json_string(buf);
}

json_t *cn_reg_column_json_string(sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);

    if (s == NULL)
        return json_null();
    return json_stringn((const char *)s, (size_t)sqlite3_column_bytes(st, col));
}

json_t *cn_reg_column_json(sqlite3_stmt *st, int col)
{
    const char *s = (const char *)sqlite3_column_text(st, col);
    json_t *v;

    if (s == NULL)
        return json_null();
    v = json_loadb(s, (size_t)sqlite3_column_bytes(st, col), JSON_DECODE_ANY, NULL);
    return v ? v : json_null();
}

int cn_reg_set(json_t *obj, const char *key, json_t *value)
{
    if (obj == NULL || value == NULL || json_object_set_new(obj, key, value) != 0) {
        json_decref(value);
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    return 0;
}

int cn_reg_read_begin(cn_registry *reg, int *began)
{
    *began = 0;
    if (reg->in_txn)
        return 0;
    if (sqlite3_exec(reg->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return cn_reg_sqlite_error(reg, "begin");
    *began = 1;
    return 0;
}

void cn_reg_read_end(cn_registry *reg, int began)
{
    if (began)
        sqlite3_exec(reg->db, "COMMIT", NULL, NULL, NULL);
}
