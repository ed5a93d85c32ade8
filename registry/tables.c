/*
 * tables.c - the registry's tables in state.db and the SQL of the
 * statements every handle prepares once.
 *
 * Tables (all named reg_*, beside other modules' tables in the same file):
 *
 *   reg_meta          key/value: "schema_version" (CN_REGISTRY_SCHEMA_VERSION),
 *                     so that a later version can migrate; "reindex" while
 *                     a migration waits for every node to be indexed again
 *   reg_nodes         the directory: one row per known node, with its logo
 *                     target (path, type, length, sha256) when it has one
 *   reg_items         one row per (node, item), described by its newest
 *                     version that is not withdrawn; its id is the rowid of
 *                     the item's row in reg_fts; updated, replications and
 *                     doclen are search's sort keys and BM25 lengths
 *   reg_versions      one row per item version: manifest, target custom
 *                     data, the git objects (commit, tag, tree), signers,
 *                     times, withdrawn marks
 *   reg_facet_values  the distinct (facet, value) pairs
 *   reg_item_facets   which item has which facet value
 *   reg_based_on      an item's isBasedOn URLs, parsed when they name a
 *                     citynode repository
 *   reg_attestations  signed `replicates` attestations (docs/PROTOCOL.md §11)
 *   reg_fts           FTS5 over title, description, keywords
 *
 * Invariants: every reg_items row has exactly one reg_fts row with the same
 * rowid and at least one reg_versions row; reg_items.withdrawn is 1 exactly
 * when all its versions are; reg_items.doclen is the token count FTS5
 * stored for its row (what bm25() reads with xColumnSize).
 */
#include "core/error.h"
#include "registry/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS reg_meta ("
    " key TEXT PRIMARY KEY,"
    " value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS reg_nodes ("
    " id INTEGER PRIMARY KEY,"
    " node_id TEXT NOT NULL UNIQUE,"
    " name TEXT NOT NULL,"
    " url TEXT,"
    " country TEXT,"
    " code TEXT,"
    " programmes TEXT NOT NULL DEFAULT '[]',"
    " profile TEXT,"
    " source TEXT NOT NULL,"
    " verified_at INTEGER NOT NULL DEFAULT 0,"
    " updated_at INTEGER NOT NULL DEFAULT 0,"
    " logo TEXT);"
    "CREATE TABLE IF NOT EXISTS reg_items ("
    " id INTEGER PRIMARY KEY,"
    " node INTEGER NOT NULL,"
    " item TEXT NOT NULL,"
    " kind TEXT NOT NULL,"
    " latest TEXT NOT NULL,"
    " title TEXT NOT NULL,"
    " description TEXT NOT NULL,"
    " url_key TEXT,"
    " withdrawn INTEGER NOT NULL DEFAULT 0,"
    " updated INTEGER NOT NULL DEFAULT 0,"
    " replications INTEGER NOT NULL DEFAULT 0,"
    " doclen INTEGER NOT NULL DEFAULT 0,"
    " UNIQUE (node, item));"
    "CREATE INDEX IF NOT EXISTS reg_items_url ON reg_items (url_key) WHERE url_key IS NOT NULL;"
    "CREATE TABLE IF NOT EXISTS reg_versions ("
    " item INTEGER NOT NULL,"
    " version TEXT NOT NULL,"
    " title TEXT NOT NULL,"
    " manifest TEXT NOT NULL,"
    " custom TEXT,"
    " commit_id TEXT,"
    " tag_id TEXT,"
    " tree_id TEXT,"
    " signers TEXT NOT NULL DEFAULT '[]',"
    " published INTEGER NOT NULL DEFAULT 0,"
    " verified_at INTEGER NOT NULL DEFAULT 0,"
    " withdrawn INTEGER NOT NULL DEFAULT 0,"
    " withdrawn_at INTEGER,"
    " withdrawn_reason TEXT,"
    " seen INTEGER NOT NULL DEFAULT 1,"
    " PRIMARY KEY (item, version));"
    "CREATE TABLE IF NOT EXISTS reg_facet_values ("
    " id INTEGER PRIMARY KEY,"
    " facet TEXT NOT NULL,"
    " value TEXT NOT NULL,"
    " UNIQUE (facet, value));"
    "CREATE TABLE IF NOT EXISTS reg_item_facets ("
    " item INTEGER NOT NULL,"
    " value INTEGER NOT NULL,"
    " PRIMARY KEY (item, value)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS reg_item_facets_value ON reg_item_facets (value, item);"
    "CREATE TABLE IF NOT EXISTS reg_based_on ("
    " item INTEGER NOT NULL,"
    " url TEXT NOT NULL,"
    " url_key TEXT NOT NULL,"
    " ref_node TEXT,"
    " ref_item TEXT,"
    " PRIMARY KEY (item, url_key)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS reg_based_on_ref ON reg_based_on (ref_node, ref_item);"
    "CREATE INDEX IF NOT EXISTS reg_based_on_url ON reg_based_on (url_key);"
    "CREATE TABLE IF NOT EXISTS reg_attestations ("
    " by_node TEXT NOT NULL,"
    " id TEXT NOT NULL,"
    " subject_node TEXT NOT NULL,"
    " subject_item TEXT NOT NULL,"
    " subject_version TEXT NOT NULL,"
    " subject_commit TEXT,"
    " subject_tag TEXT,"
    " as_item TEXT,"
    " date TEXT,"
    " doc TEXT NOT NULL,"
    " verified_at INTEGER NOT NULL DEFAULT 0,"
    " withdrawn INTEGER NOT NULL DEFAULT 0,"
    " withdrawn_at INTEGER,"
    " seen INTEGER NOT NULL DEFAULT 1,"
    " PRIMARY KEY (by_node, id));"
    "CREATE INDEX IF NOT EXISTS reg_attestations_subject"
    " ON reg_attestations (subject_node, subject_item);"
    "CREATE INDEX IF NOT EXISTS reg_attestations_as ON reg_attestations (by_node, as_item);"
    "CREATE VIRTUAL TABLE IF NOT EXISTS reg_fts USING fts5 ("
    " title, description, keywords,"
    " tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4 5 6 7');"
    /* A new state.db starts at the current version; CN_REGISTRY_SCHEMA_VERSION
     * must follow this value. */
    "INSERT OR IGNORE INTO reg_meta (key, value) VALUES ('schema_version', '3');"
    /* The generation counts changes to what a handle's in-memory copy holds
     * (registry/snapshot.c): other writes to state.db (the peers tables on
     * every sync round, node rows, versions) leave the copies current. */
    "INSERT OR IGNORE INTO reg_meta (key, value) VALUES ('generation', '0');"
    "CREATE TRIGGER IF NOT EXISTS reg_items_gen_insert AFTER INSERT ON reg_items "
    "BEGIN UPDATE reg_meta SET value = value + 1 WHERE key = 'generation'; END;"
    "CREATE TRIGGER IF NOT EXISTS reg_items_gen_delete AFTER DELETE ON reg_items "
    "BEGIN UPDATE reg_meta SET value = value + 1 WHERE key = 'generation'; END;"
    "CREATE TRIGGER IF NOT EXISTS reg_item_facets_gen_insert AFTER INSERT ON reg_item_facets "
    "BEGIN UPDATE reg_meta SET value = value + 1 WHERE key = 'generation'; END;"
    "CREATE TRIGGER IF NOT EXISTS reg_item_facets_gen_delete AFTER DELETE ON reg_item_facets "
    "BEGIN UPDATE reg_meta SET value = value + 1 WHERE key = 'generation'; END;"
    "CREATE TRIGGER IF NOT EXISTS reg_item_facets_gen_update AFTER UPDATE ON reg_item_facets "
    "BEGIN UPDATE reg_meta SET value = value + 1 WHERE key = 'generation'; END;"
    "CREATE TRIGGER IF NOT EXISTS reg_facet_values_gen_insert AFTER INSERT ON reg_facet_values "
    "BEGIN UPDATE reg_meta SET value = value + 1 WHERE key = 'generation'; END;"
    "CREATE TRIGGER IF NOT EXISTS reg_facet_values_gen_delete AFTER DELETE ON reg_facet_values "
    "BEGIN UPDATE reg_meta SET value = value + 1 WHERE key = 'generation'; END;"
    "CREATE TRIGGER IF NOT EXISTS reg_facet_values_gen_update AFTER UPDATE ON reg_facet_values "
    "BEGIN UPDATE reg_meta SET value = value + 1 WHERE key = 'generation'; END;"
    "CREATE TRIGGER IF NOT EXISTS reg_items_gen_update"
    " AFTER UPDATE OF node, updated, replications, withdrawn, doclen ON reg_items"
    " WHEN OLD.node IS NOT NEW.node OR OLD.updated IS NOT NEW.updated"
    " OR OLD.replications IS NOT NEW.replications OR OLD.withdrawn IS NOT NEW.withdrawn"
    " OR OLD.doclen IS NOT NEW.doclen "
    "BEGIN UPDATE reg_meta SET value = value + 1 WHERE key = 'generation'; END;";

/* Keep in the order of cn_registry_stmt. */
static const char *const stmt_sql[ST_COUNT] = {
    [ST_NODE_BY_ID] = "SELECT id, name, country, programmes FROM reg_nodes WHERE node_id = ?1",
    [ST_NODE_INSERT] = "INSERT INTO reg_nodes (node_id, name, url, country, code, programmes,"
                       " profile, source, verified_at, updated_at, logo)"
                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [ST_NODE_UPDATE] = "UPDATE reg_nodes SET name = ?2, url = ?3, country = ?4, code = ?5,"
                       " programmes = ?6, profile = ?7, source = ?8, verified_at = ?9,"
                       " updated_at = ?10, logo = ?11 WHERE node_id = ?1",
    [ST_ITEM_LOOKUP] = "SELECT i.id FROM reg_items i JOIN reg_nodes n ON n.id = i.node"
                       " WHERE n.node_id = ?1 AND i.item = ?2",
    [ST_ITEM_INSERT] = "INSERT INTO reg_items (node, item, kind, latest, title, description)"
                       " VALUES (?1, ?2, ?3, '', '', '')",
    [ST_ITEM_UPDATE] = "UPDATE reg_items SET kind = ?2, latest = ?3, title = ?4,"
                       " description = ?5, url_key = ?6, withdrawn = ?7, updated = ?8,"
                       " doclen = ?9 WHERE id = ?1",
    [ST_VERSION_UPSERT] =
        "INSERT INTO reg_versions (item, version, title, manifest, custom, commit_id, tag_id,"
        " signers, published, verified_at, tree_id)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
        " ON CONFLICT (item, version) DO UPDATE SET title = excluded.title,"
        " manifest = excluded.manifest, custom = excluded.custom,"
        " commit_id = excluded.commit_id, tag_id = excluded.tag_id,"
        " tree_id = coalesce(excluded.tree_id, CASE WHEN commit_id IS excluded.commit_id"
        " THEN tree_id END),"
        " signers = excluded.signers, published = excluded.published,"
        " verified_at = excluded.verified_at, withdrawn = 0, withdrawn_at = NULL,"
        " withdrawn_reason = NULL, seen = 1",
    [ST_VERSIONS_OF_ITEM] = "SELECT version, withdrawn, manifest, published, verified_at"
                            " FROM reg_versions WHERE item = ?1",
    [ST_FACET_VALUE_ID] = "SELECT id FROM reg_facet_values WHERE facet = ?1 AND value = ?2",
    [ST_FACET_VALUE_INSERT] = "INSERT INTO reg_facet_values (facet, value) VALUES (?1, ?2)",
    [ST_ITEM_FACETS_DELETE] = "DELETE FROM reg_item_facets WHERE item = ?1",
    [ST_ITEM_FACET_INSERT] = "INSERT OR IGNORE INTO reg_item_facets (item, value) VALUES (?1, ?2)",
    [ST_FTS_DELETE] = "DELETE FROM reg_fts WHERE rowid = ?1",
    [ST_FTS_INSERT] = "INSERT INTO reg_fts (rowid, title, description, keywords)"
                      " VALUES (?1, ?2, ?3, ?4)",
    [ST_BASED_ON_DELETE] = "DELETE FROM reg_based_on WHERE item = ?1",
    [ST_BASED_ON_INSERT] = "INSERT OR IGNORE INTO reg_based_on (item, url, url_key, ref_node,"
                           " ref_item) VALUES (?1, ?2, ?3, ?4, ?5)",
    /* Distinct other nodes that replicated item ?1: by a live attestation
     * naming it, or by an item whose isBasedOn names it. */
    [ST_REPLICATIONS_COUNT] =
        "SELECT count(DISTINCT r) FROM ("
        " SELECT a.by_node AS r FROM reg_items i JOIN reg_nodes n ON n.id = i.node"
        "  JOIN reg_attestations a ON a.subject_node = n.node_id AND a.subject_item = i.item"
        "  WHERE i.id = ?1 AND a.withdrawn = 0 AND a.by_node <> n.node_id"
        " UNION ALL"
        " SELECT rn.node_id FROM reg_items i JOIN reg_nodes n ON n.id = i.node"
        "  JOIN reg_based_on b ON b.ref_node = n.node_id AND b.ref_item = i.item"
        "  JOIN reg_items ri ON ri.id = b.item JOIN reg_nodes rn ON rn.id = ri.node"
        "  WHERE i.id = ?1 AND ri.node <> i.node"
        " UNION ALL"
        " SELECT rn.node_id FROM reg_items i"
        "  JOIN reg_based_on b ON b.url_key = i.url_key"
        "  JOIN reg_items ri ON ri.id = b.item JOIN reg_nodes rn ON rn.id = ri.node"
        "  WHERE i.id = ?1 AND ri.node <> i.node)",
    [ST_REPLICATIONS_SET] =
        "UPDATE reg_items SET replications = ?2 WHERE id = ?1 AND replications <> ?2",
    [ST_ATTESTATION_UPSERT] =
        "INSERT INTO reg_attestations (by_node, id, subject_node, subject_item,"
        " subject_version, subject_commit, subject_tag, as_item, date, doc, verified_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
        " ON CONFLICT (by_node, id) DO UPDATE SET subject_node = excluded.subject_node,"
        " subject_item = excluded.subject_item, subject_version = excluded.subject_version,"
        " subject_commit = excluded.subject_commit, subject_tag = excluded.subject_tag,"
        " as_item = excluded.as_item, date = excluded.date, doc = excluded.doc,"
        " verified_at = excluded.verified_at, withdrawn = 0, withdrawn_at = NULL, seen = 1",
    [ST_ITEM_DISPLAY] =
        "SELECT n.node_id, n.name, n.country, i.item, i.kind, i.latest, i.title,"
        " i.description, i.withdrawn, i.updated, i.replications,"
        " (SELECT verified_at FROM reg_versions v WHERE v.item = i.id AND v.version = i.latest)"
        " FROM reg_items i JOIN reg_nodes n ON n.id = i.node WHERE i.id = ?1",
    [ST_DATA_VERSION] = "PRAGMA data_version",
    [ST_GENERATION] = "SELECT CAST(value AS INTEGER) FROM reg_meta WHERE key = 'generation'",
    /* The known items that item ?1's isBasedOn URLs name. */
    [ST_BASED_ON_TARGETS] =
        "SELECT i.id FROM reg_based_on b JOIN reg_nodes n ON n.node_id = b.ref_node"
        " JOIN reg_items i ON i.node = n.id AND i.item = b.ref_item WHERE b.item = ?1"
        " UNION SELECT i.id FROM reg_based_on b JOIN reg_items i ON i.url_key = b.url_key"
        " WHERE b.item = ?1",
    [ST_ITEM_NODE_FIELDS] = "SELECT n.name, n.country, n.programmes, i.item, i.kind"
                            " FROM reg_items i JOIN reg_nodes n ON n.id = i.node WHERE i.id = ?1",
    [ST_NODE_ITEMS] = "SELECT id FROM reg_items WHERE node = ?1",
    [ST_ITEM_KIND] = "SELECT id, kind FROM reg_items WHERE node = ?1 AND item = ?2",
    [ST_SEARCH] = "SELECT cn_match(reg_fts, ?2, ?3, ?4) FROM reg_fts WHERE reg_fts MATCH ?1",
};

/* The steps from each schema version to the next, run in order inside
 * cn_reg_tables_create's transaction: steps[v - 1] takes version v to
 * v + 1. A step is only the change; the version is written after the last. */
static const char *const migrations[CN_REGISTRY_SCHEMA_VERSION - 1] = {
    /* 1 -> 2: the tree of each version's commit, for its swh:1:dir: SWHID.
     * Only the repositories know the trees of existing versions: the mark
     * asks the next sync round to index every node again
     * (cn_registry_reindex_pending). */
    "ALTER TABLE reg_versions ADD COLUMN tree_id TEXT;"
    "INSERT OR REPLACE INTO reg_meta (key, value) VALUES ('reindex', '1');",
    /* 2 -> 3: the facets category, scope, platform and keyword, which the
     * stored manifests hold (migrate re-extracts every item from them:
     * reextract_all), and each node's logo target, which the next sync
     * round records as it reads each node's targets again. */
    "ALTER TABLE reg_nodes ADD COLUMN logo TEXT;"
    "INSERT OR REPLACE INTO reg_meta (key, value) VALUES ('reindex', '1');",
};

/* Derive every item's facets, search text and edges again from its stored
 * versions, for a schema step whose extraction changed. */
static int reextract_all(cn_registry *reg)
{
    int64_t *ids = NULL, *grown;
    size_t i, n = 0, cap = 0;
    sqlite3_stmt *st = NULL;
    int rc, err = 0;

    if (sqlite3_prepare_v2(reg->db, "SELECT id FROM reg_items ORDER BY id", -1, &st, NULL) !=
        SQLITE_OK)
        return cn_reg_sqlite_error(reg, "listing items to index again");
    while (err == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            if ((grown = realloc(ids, cap * sizeof(*ids))) == NULL) {
                err = cn_error_set(CN_ENOMEM, "out of memory");
                break;
            }
            ids = grown;
        }
        ids[n++] = sqlite3_column_int64(st, 0);
    }
    if (err == 0 && rc != SQLITE_DONE)
        err = cn_reg_sqlite_error(reg, "listing items to index again");
    sqlite3_finalize(st);
    for (i = 0; i < n && err == 0; i++)
        err = cn_reg_refresh_item(reg, ids[i]);
    free(ids);
    return err;
}

static int migrate(cn_registry *reg, int from)
{
    char *msg = NULL, sql[96];
    int v, err;

    for (v = from; v < CN_REGISTRY_SCHEMA_VERSION; v++) {
        if (sqlite3_exec(reg->db, migrations[v - 1], NULL, NULL, &msg) != SQLITE_OK) {
            err = cn_error_set(CN_ERROR,
                               "state.db: migrating the registry from schema version %d to "
                               "%d: %s",
                               v, v + 1, msg ? msg : "unknown error");
            sqlite3_free(msg);
            return err;
        }
    }
    if (from < 3 && (err = reextract_all(reg)) != 0)
        return cn_error_wrap(err, "state.db: indexing the items again for registry schema 3");
    snprintf(sql, sizeof(sql), "UPDATE reg_meta SET value = '%d' WHERE key = 'schema_version'",
             CN_REGISTRY_SCHEMA_VERSION);
    if (sqlite3_exec(reg->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return cn_reg_sqlite_error(reg, "writing the registry schema version");
    return 0;
}

int cn_reg_tables_create(cn_registry *reg)
{
    sqlite3_stmt *st = NULL;
    char *msg = NULL;
    int err = 0, version;

    if (sqlite3_exec(reg->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return cn_reg_sqlite_error(reg, "begin");
    if (sqlite3_exec(reg->db, schema_sql, NULL, NULL, &msg) != SQLITE_OK) {
        err = cn_error_set(CN_ERROR, "state.db: creating the registry tables: %s",
                           msg ? msg : "unknown error");
        goto out;
    }
    if (sqlite3_prepare_v2(reg->db, "SELECT value FROM reg_meta WHERE key = 'schema_version'", -1,
                           &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        err = cn_reg_sqlite_error(reg, "reading the registry schema version");
        goto out;
    }
    version = sqlite3_column_int(st, 0);
    if (version > CN_REGISTRY_SCHEMA_VERSION || version < 1)
        err = cn_error_set(CN_EUNSUPPORTED,
                           "state.db: registry schema version %d is not supported (this "
                           "citynode knows version %d); use a newer citynode",
                           version, CN_REGISTRY_SCHEMA_VERSION);
    else if (version < CN_REGISTRY_SCHEMA_VERSION)
        err = migrate(reg, version);
out:
    sqlite3_finalize(st);
    sqlite3_free(msg);
    if (err == 0 && sqlite3_exec(reg->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        err = cn_reg_sqlite_error(reg, "commit");
    if (err != 0)
        sqlite3_exec(reg->db, "ROLLBACK", NULL, NULL, NULL);
    return err;
}

sqlite3_stmt *cn_reg_stmt(cn_registry *reg, cn_registry_stmt which)
{
    sqlite3_stmt *st = reg->stmts[which];

    if (st == NULL) {
        if (sqlite3_prepare_v3(reg->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
                               &reg->stmts[which], NULL) != SQLITE_OK) {
            cn_reg_sqlite_error(reg, "preparing a statement");
            return NULL;
        }
        return reg->stmts[which];
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}
