/*
 * test_registry_index.c - what the registry (registry/registry.h) keeps
 * and shows over a real SQLite file in a temporary directory: the schema
 * and its version, withdrawn items and versions, what ingest refuses
 * (running out of memory included), syncs as one transaction and the
 * in-memory copy that follows them, renamed nodes, item documents, the
 * directory of nodes, the replication graph and the API routes. Searching
 * is test_registry_search.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "registry/internal.h" /* the in-memory copy, for one white-box test */
#include "registry/registry.h"
#include "support_registry.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each test gets a registry of its own in a fresh directory. */
typedef temp_registry fixture;

/* ---- opening and schema ---- */

static void schema_has_a_version_and_leaves_other_tables_alone(void **state)
{
    fixture *f = *state;
    sqlite3 *db;
    sqlite3_stmt *st;
    cn_registry *again = NULL;

    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE peers (node_id TEXT); INSERT INTO peers "
                                  "VALUES ('x')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT value FROM reg_meta WHERE key = 'schema_version'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "3");
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);

    /* Opening again is fine and keeps the other module's table. */
    assert_int_equal(cn_registry_open(&again, f->db), 0);
    cn_registry_free(again);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM peers", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    sqlite3_finalize(st);

    /* A newer schema is refused rather than misread. */
    assert_int_equal(sqlite3_exec(db,
                                  "UPDATE reg_meta SET value = '99' WHERE key = "
                                  "'schema_version'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(cn_registry_open(&again, f->db), CN_EUNSUPPORTED);
    assert_non_null(strstr(cn_error_message(), "schema version 99"));
    sqlite3_close(db);
}

/* ---- SWHIDs and the migration that made room for them ---- */

#define COMMIT "0123456789abcdef0123456789abcdef01234567"
#define TAG    "89abcdef0123456789abcdef0123456789abcdef"
#define TREE   "fedcba9876543210fedcba9876543210fedcba98"

/* Put version of sample-twin with the given commit and tree. */
static int put_with_tree(cn_registry *reg, const char *version, const char *commit,
                         const char *tree)
{
    cn_registry_version_info info = CN_REGISTRY_VERSION_INFO_INIT;
    json_t *m = json_pack("{s:s, s:s, s:s, s:s}", "kind", "dataset", "id", "sample-twin", "title",
                          "Sample twin", "version", version);
    json_t *custom = json_pack("{s:s, s:s}", "commit", commit, "tag", TAG);
    char id[65];
    int err;

    node_id_of(id, "Leipzig");
    info.node_id = id;
    info.manifest = m;
    info.custom = custom;
    info.tree = tree;
    err = cn_registry_put_version(reg, &info);
    json_decref(custom);
    json_decref(m);
    return err;
}

static const json_t *shown_swhids(json_t **doc, cn_registry *reg, const char *version)
{
    cn_registry_query q = CN_REGISTRY_QUERY_INIT;
    char id[65];

    node_id_of(id, "Leipzig");
    assert_int_equal(cn_registry_query_set(&q, "version", version, strlen(version)), 0);
    assert_int_equal(cn_registry_item(doc, reg, id, "sample-twin", &q), 0);
    cn_registry_query_clear(&q);
    return json_object_get(json_object_get(*doc, "version"), "swhids");
}

static void versions_carry_swhids_and_schema_1_is_migrated(void **state)
{
    fixture *f = *state;
    sqlite3 *db;
    json_t *doc = NULL;
    const json_t *s;
    char id[65];

    node_id_of(id, "Leipzig");
    /* A state.db as schema version 1 left it: a version without tree_id. */
    put_node(f->reg, "Leipzig", "DE", NULL);
    assert_int_equal(put_with_tree(f->reg, "1.0.0", COMMIT, NULL), 0);
    cn_registry_free(f->reg);
    f->reg = NULL;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "ALTER TABLE reg_versions DROP COLUMN tree_id;"
                                  "ALTER TABLE reg_nodes DROP COLUMN logo;"
                                  "UPDATE reg_meta SET value = '1' WHERE key = 'schema_version'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);

    /* Opened, it is migrated: the version stays, its tree unknown. */
    assert_int_equal(cn_registry_open(&f->reg, f->db), 0);
    s = shown_swhids(&doc, f->reg, "1.0.0");
    assert_string_equal(json_string_value(json_object_get(s, "rev")), "swh:1:rev:" COMMIT);
    assert_string_equal(json_string_value(json_object_get(s, "rel")), "swh:1:rel:" TAG);
    assert_true(json_is_null(json_object_get(s, "dir")));
    json_decref(doc);
    /* The migration asks for every node to be indexed again, once. */
    assert_int_equal(cn_registry_reindex_pending(f->reg), 1);
    assert_int_equal(cn_registry_reindex_done(f->reg), 0);
    assert_int_equal(cn_registry_reindex_pending(f->reg), 0);

    /* Indexed again with its tree: all three, and nothing lacks a tree. */
    assert_int_equal(put_with_tree(f->reg, "1.0.0", COMMIT, TREE), 0);
    s = shown_swhids(&doc, f->reg, "1.0.0");
    assert_string_equal(json_string_value(json_object_get(s, "dir")), "swh:1:dir:" TREE);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "version"), "tree")),
                        TREE);
    json_decref(doc);

    /* Put again without the tree (its repository gone): the same commit
     * keeps the tree it had. */
    assert_int_equal(put_with_tree(f->reg, "1.0.0", COMMIT, NULL), 0);
    s = shown_swhids(&doc, f->reg, "1.0.0");
    assert_string_equal(json_string_value(json_object_get(s, "dir")), "swh:1:dir:" TREE);
    json_decref(doc);

    /* A tree that is no object id of the commit's format is not kept, and a
     * SHA-256 repository has no v1 identifiers: null, never a wrong one. */
    assert_int_equal(put_with_tree(f->reg, "1.1.0", COMMIT, "not-a-tree"), 0);
    s = shown_swhids(&doc, f->reg, "1.1.0");
    assert_true(json_is_null(json_object_get(s, "dir")));
    json_decref(doc);
    assert_int_equal(put_with_tree(f->reg, "1.2.0", COMMIT "012345678901234567890123",
                                   TREE "012345678901234567890123"),
                     0);
    s = shown_swhids(&doc, f->reg, "1.2.0");
    assert_true(json_is_null(json_object_get(s, "rev")) && json_is_null(json_object_get(s, "dir")));
    assert_non_null(json_string_value(
        json_object_get(json_object_get(doc, "version"), "tree"))); /* the id itself is shown */
    json_decref(doc);
}

/* ---- withdrawn ---- */

static void withdrawn_items_and_versions_are_shown_as_such(void **state)
{
    fixture *f = *state;
    char id[65];
    json_t *doc, *v;
    size_t withdrawn;

    put_node(f->reg, "Stadt Leipzig", "DE", NULL);
    node_id_of(id, "Stadt Leipzig");
    put_json(f->reg, "Stadt Leipzig",
             "{\"kind\":\"strategy\",\"id\":\"s\",\"version\":\"1.0.0\",\"title\":\"Alt\","
             "\"programme\":\"P\",\"role\":\"follower\"}",
             1000);
    put_json(f->reg, "Stadt Leipzig",
             "{\"kind\":\"strategy\",\"id\":\"s\",\"version\":\"1.1.0\",\"title\":\"Neu\","
             "\"programme\":\"P\",\"role\":\"follower\"}",
             2000);
    put_strategy(f->reg, "Stadt Leipzig", "other", "Other", "x", 500);

    /* The newest version describes the item. */
    doc = search(f->reg, "q=neu");
    assert_int_equal(total(doc), 1);
    json_decref(doc);

    /* Withdrawing 1.1.0: the item falls back to 1.0.0, not withdrawn. */
    assert_int_equal(cn_registry_withdraw(f->reg, id, "s", "1.1.0", 3000, "wrong numbers"), 0);
    doc = search(f->reg, "q=alt");
    assert_int_equal(total(doc), 1);
    assert_true(json_is_false(
        json_object_get(json_array_get(json_object_get(doc, "results"), 0), "withdrawn")));
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(doc, "results"), 0), "version")),
                        "1.0.0");
    json_decref(doc);
    assert_int_equal(cn_registry_versions(&doc, f->reg, id, "s"), 0);
    v = json_array_get(json_object_get(doc, "versions"), 0);
    assert_string_equal(json_string_value(json_object_get(v, "version")), "1.1.0");
    assert_true(json_is_true(json_object_get(v, "withdrawn")));
    assert_string_equal(json_string_value(json_object_get(v, "withdrawn_reason")), "wrong numbers");
    assert_string_equal(json_string_value(json_object_get(v, "withdrawn_at")),
                        "1970-01-01T00:50:00Z");
    json_decref(doc);

    /* All versions withdrawn: still found (described by the newest), marked. */
    assert_int_equal(cn_registry_withdraw(f->reg, id, "s", NULL, 4000, NULL), 0);
    doc = search(f->reg, "q=neu");
    assert_int_equal(total(doc), 1);
    assert_true(json_is_true(
        json_object_get(json_array_get(json_object_get(doc, "results"), 0), "withdrawn")));
    json_decref(doc);
    doc = search(f->reg, "withdrawn=exclude");
    assert_int_equal(total(doc), 1);
    assert_string_equal(result_item(doc, 0), "other");
    json_decref(doc);
    doc = search(f->reg, "withdrawn=only");
    assert_int_equal(total(doc), 1);
    assert_string_equal(result_item(doc, 0), "s");
    json_decref(doc);

    /* Published again: no longer withdrawn. */
    put_json(f->reg, "Stadt Leipzig",
             "{\"kind\":\"strategy\",\"id\":\"s\",\"version\":\"1.1.0\",\"title\":\"Neu\","
             "\"programme\":\"P\",\"role\":\"follower\"}",
             2000);
    doc = search(f->reg, "withdrawn=only");
    assert_int_equal(total(doc), 0);
    json_decref(doc);

    /* Mark and sweep: what a full listing no longer has is withdrawn. */
    assert_int_equal(cn_registry_begin(f->reg), 0);
    assert_int_equal(cn_registry_mark_node(f->reg, id), 0);
    put_strategy(f->reg, "Stadt Leipzig", "other", "Other", "x", 500);
    assert_int_equal(cn_registry_sweep_node(f->reg, id, 6000, &withdrawn), 0);
    assert_int_equal(cn_registry_commit(f->reg), 0);
    assert_int_equal(withdrawn, 1); /* s@1.1.0; 1.0.0 was withdrawn already */
    assert_int_equal(cn_registry_item(&doc, f->reg, id, "s", NULL), 0);
    assert_true(json_is_true(json_object_get(doc, "withdrawn")));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(doc, "version"), "withdrawn_reason")),
        "no longer in the signed targets");
    json_decref(doc);

    assert_int_equal(cn_registry_withdraw(f->reg, id, "s", "9.9.9", 1, NULL), CN_ENOTFOUND);
    assert_int_equal(cn_registry_withdraw(f->reg, id, "nope", NULL, 1, NULL), CN_ENOTFOUND);
}

/* A node in layout 2 lists each item's newest version alone: the sweep for
 * it keeps superseded versions and withdraws only an item that is gone. */
static void superseded_versions_stay_in_layout_2(void **state)
{
    fixture *f = *state;
    char id[65];
    json_t *doc, *versions;
    size_t withdrawn, i;

    put_node(f->reg, "Stadt Leipzig", "DE", NULL);
    node_id_of(id, "Stadt Leipzig");
    put_json(f->reg, "Stadt Leipzig",
             "{\"kind\":\"strategy\",\"id\":\"s\",\"version\":\"1.0.0\",\"title\":\"Alt\","
             "\"programme\":\"P\",\"role\":\"follower\"}",
             1000);
    put_strategy(f->reg, "Stadt Leipzig", "gone", "Gone", "x", 500);
    /* The next listing has s@1.1.0 alone, and no "gone". */
    assert_int_equal(cn_registry_begin(f->reg), 0);
    assert_int_equal(cn_registry_mark_node(f->reg, id), 0);
    put_json(f->reg, "Stadt Leipzig",
             "{\"kind\":\"strategy\",\"id\":\"s\",\"version\":\"1.1.0\",\"title\":\"Neu\","
             "\"programme\":\"P\",\"role\":\"follower\"}",
             2000);
    assert_int_equal(cn_registry_sweep_node_items(f->reg, id, 6000, &withdrawn), 0);
    assert_int_equal(cn_registry_commit(f->reg), 0);
    assert_int_equal(withdrawn, 1); /* gone@x */
    assert_int_equal(cn_registry_item(&doc, f->reg, id, "s", NULL), 0);
    assert_false(json_is_true(json_object_get(doc, "withdrawn")));
    versions = json_object_get(doc, "versions");
    assert_int_equal(json_array_size(versions), 2);
    for (i = 0; i < 2; i++)
        assert_false(json_is_true(json_object_get(json_array_get(versions, i), "withdrawn")));
    json_decref(doc);
    assert_int_equal(cn_registry_item(&doc, f->reg, id, "gone", NULL), 0);
    assert_true(json_is_true(json_object_get(doc, "withdrawn")));
    json_decref(doc);
}

/* ---- ingest checks and transactions ---- */

static void ingest_refuses_what_does_not_fit(void **state)
{
    fixture *f = *state;
    json_t *m, *att;
    char leipzig[65], other[65];

    m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kind", "strategy", "id", "x", "version",
                  "1.0.0", "title", "X", "programme", "P", "role", "follower");
    /* The node must be known first. */
    assert_int_equal(put_manifest(f->reg, "Stadt Leipzig", m, 1), CN_ENOTFOUND);
    assert_non_null(strstr(cn_error_message(), "put the node"));
    put_node(f->reg, "Stadt Leipzig", "DE", NULL);
    node_id_of(leipzig, "Stadt Leipzig");

    json_object_set_new(m, "version", json_string("1.0"));
    assert_int_equal(put_manifest(f->reg, "Stadt Leipzig", m, 1), CN_EINVAL);
    json_object_set_new(m, "version", json_string("1.0.0"));
    json_object_set_new(m, "kind", json_string("recipe"));
    assert_int_equal(put_manifest(f->reg, "Stadt Leipzig", m, 1), CN_EINVAL);
    assert_non_null(strstr(cn_error_message(), "kind"));
    json_object_set_new(m, "kind", json_string("strategy"));
    json_object_set_new(m, "id", json_string("Not A Slug"));
    assert_int_equal(put_manifest(f->reg, "Stadt Leipzig", m, 1), CN_EINVAL);
    json_object_set_new(m, "id", json_string("x"));
    assert_int_equal(put_manifest(f->reg, "Stadt Leipzig", m, 1), 0);
    /* An item keeps its kind. */
    json_object_set_new(m, "kind", json_string("dataset"));
    json_object_set_new(m, "version", json_string("2.0.0"));
    assert_int_equal(put_manifest(f->reg, "Stadt Leipzig", m, 1), CN_EINVAL);
    assert_non_null(strstr(cn_error_message(), "is a strategy"));
    json_decref(m);

    /* Attestations: only for oneself, only replicates, well formed. */
    node_id_of(other, "Eindhoven");
    att = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}}", "type", "replicates", "by", other, "subject",
                    "node", leipzig, "item", "x", "version", "1.0.0");
    assert_int_equal(cn_registry_put_attestation(f->reg, leipzig, "a", att, 1), CN_EVERIFY);
    json_object_set_new(att, "by", json_string(leipzig));
    assert_int_equal(cn_registry_put_attestation(f->reg, leipzig, "../a", att, 1), CN_EINVAL);
    json_object_set_new(att, "type", json_string("uses"));
    assert_int_equal(cn_registry_put_attestation(f->reg, leipzig, "a", att, 1), CN_EINVAL);
    json_object_set_new(att, "type", json_string("replicates"));
    json_object_set_new(att, "as", json_integer(3));
    assert_int_equal(cn_registry_put_attestation(f->reg, leipzig, "a", att, 1), CN_EINVAL);
    json_object_del(att, "as");
    assert_int_equal(cn_registry_put_attestation(f->reg, leipzig, "a", att, 1), 0);
    json_decref(att);
}

/*
 * A strdup that fails for one string, so that a test can reach the
 * registry's allocation failures. The program's own definition takes the
 * place of libc's for every caller; it fails only while armed, and only for
 * the string it was armed with.
 */
static const char *strdup_fails_for;

char *strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy;

    if (strdup_fails_for != NULL && strcmp(s, strdup_fails_for) == 0)
        return NULL;
    if ((copy = malloc(n)) != NULL)
        memcpy(copy, s, n);
    return copy;
}

static void out_of_memory_while_indexing_says_so(void **state)
{
    fixture *f = *state;
    json_t *m, *doc = NULL;
    char leipzig[65];
    int err;

    put_node(f->reg, "Stadt Leipzig", "DE", NULL);
    node_id_of(leipzig, "Stadt Leipzig");
    m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kind", "strategy", "id", "x", "version",
                  "4.0.4", "title", "X", "programme", "P", "role", "follower");
    /* Indexing a version copies the number of the item's newest one. */
    strdup_fails_for = "4.0.4";
    err = put_manifest(f->reg, "Stadt Leipzig", m, 1);
    strdup_fails_for = NULL;
    assert_int_equal(err, CN_ENOMEM);
    assert_int_equal(cn_error_last(), CN_ENOMEM);
    assert_string_equal(cn_error_message(), "out of memory");
    /* Nothing of the version was kept. */
    assert_int_equal(cn_registry_item(&doc, f->reg, leipzig, "x", NULL), CN_ENOTFOUND);
    assert_null(doc);
    json_decref(m);
}

static void a_sync_is_one_transaction(void **state)
{
    fixture *f = *state;
    cn_registry *reader = NULL;
    json_t *doc, *bad;

    put_node(f->reg, "Stadt Leipzig", "DE", NULL);
    assert_int_equal(cn_registry_open(&reader, f->db), 0);

    assert_int_equal(cn_registry_begin(f->reg), 0);
    assert_int_equal(cn_registry_begin(f->reg), CN_EINVAL);
    put_strategy(f->reg, "Stadt Leipzig", "one", "Eins", "x", 1);
    /* A failing put inside the transaction changes nothing and leaves it usable. */
    bad = json_pack("{s:s}", "kind", "strategy");
    assert_int_equal(put_manifest(f->reg, "Stadt Leipzig", bad, 1), CN_EINVAL);
    json_decref(bad);
    put_strategy(f->reg, "Stadt Leipzig", "two", "Zwei", "x", 2);
    /* Another handle does not see it before the commit ... */
    doc = search(reader, "");
    assert_int_equal(total(doc), 0);
    json_decref(doc);
    assert_int_equal(cn_registry_commit(f->reg), 0);
    /* ... and does after: its in-memory copy follows state.db. */
    doc = search(reader, "");
    assert_int_equal(total(doc), 2);
    json_decref(doc);

    assert_int_equal(cn_registry_begin(f->reg), 0);
    put_strategy(f->reg, "Stadt Leipzig", "three", "Drei", "x", 3);
    doc = search(f->reg, ""); /* the writer sees its own transaction */
    assert_int_equal(total(doc), 3);
    json_decref(doc);
    assert_int_equal(cn_registry_rollback(f->reg), 0);
    doc = search(f->reg, "");
    assert_int_equal(total(doc), 2);
    json_decref(doc);
    doc = search(reader, "q=drei");
    assert_int_equal(total(doc), 0);
    json_decref(doc);
    cn_registry_free(reader);
}

/* A handle's in-memory copy reloads when another connection changed what it
 * holds, and only then: a commit to other tables of state.db (the peers
 * tables, on every sync round) leaves it as it is. */
static void the_copy_reloads_only_for_registry_changes(void **state)
{
    fixture *f = *state;
    cn_registry *reader = NULL;
    sqlite3 *other = NULL;
    int64_t generation, version;
    unsigned long loads;
    json_t *doc;

    put_node(f->reg, "Stadt Leipzig", "DE", NULL);
    put_strategy(f->reg, "Stadt Leipzig", "one", "Eins", "x", 1);
    assert_int_equal(cn_registry_open(&reader, f->db), 0);
    doc = search(reader, "");
    assert_int_equal(total(doc), 1);
    json_decref(doc);
    generation = reader->snap->generation;
    version = reader->snap->data_version;
    loads = reader->snap_loads;
    assert_int_equal(loads, 1);

    assert_int_equal(sqlite3_open(f->db, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other,
                                  "CREATE TABLE peers_like (x); INSERT INTO peers_like VALUES (1);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    doc = search(reader, "");
    assert_int_equal(total(doc), 1);
    json_decref(doc);
    assert_true(reader->snap->data_version != version); /* it noticed the commit ... */
    assert_int_equal(reader->snap_loads, loads);        /* ... and kept its copy */

    put_strategy(f->reg, "Stadt Leipzig", "two", "Zwei", "x", 2);
    doc = search(reader, "");
    assert_int_equal(total(doc), 2);
    json_decref(doc);
    assert_true(reader->snap->generation > generation);
    assert_int_equal(reader->snap_loads, loads + 1);
    generation = reader->snap->generation;

    /* Withdrawing changes what the copy holds, too. */
    {
        char id[65];
        node_id_of(id, "Stadt Leipzig");
        assert_int_equal(cn_registry_withdraw(f->reg, id, "two", NULL, 5, "test"), 0);
    }
    doc = search(reader, "withdrawn=exclude");
    assert_int_equal(total(doc), 1);
    json_decref(doc);
    assert_true(reader->snap->generation > generation);

    sqlite3_close(other);
    cn_registry_free(reader);
}

static void renaming_a_node_updates_its_items(void **state)
{
    fixture *f = *state;
    cn_registry_node_info info = CN_REGISTRY_NODE_INFO_INIT;
    char id[65];
    json_t *doc;

    put_node(f->reg, "Stadt Leipzig", "DE", NULL);
    put_strategy(f->reg, "Stadt Leipzig", "s", "Strategie", "x", 1);
    node_id_of(id, "Stadt Leipzig");
    info.node_id = id;
    info.name = "Leipzig (Sachsen)";
    assert_int_equal(cn_registry_put_node(f->reg, &info), 0);
    doc = search(f->reg, "city=Leipzig+%28Sachsen%29");
    assert_int_equal(total(doc), 1);
    assert_int_equal(facet_count(doc, "city", "Stadt Leipzig"), -1);
    json_decref(doc);
    doc = search(f->reg, "q=sachsen");
    assert_int_equal(total(doc), 1);
    json_decref(doc);
}

/* ---- items, nodes, graph ---- */

static void item_documents_carry_manifest_signers_and_versions(void **state)
{
    fixture *f = *state;
    cn_registry_query q = CN_REGISTRY_QUERY_INIT;
    char id[65], prefix[16];
    json_t *doc, *v;

    load_mixed(f->reg);
    node_id_of(id, "Eindhoven");
    snprintf(prefix, sizeof(prefix), "%.8s", id);
    assert_int_equal(cn_registry_item(&doc, f->reg, prefix, "smart-lighting", NULL), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "node"), "id")), id);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "node"), "name")),
                        "Eindhoven");
    assert_string_equal(json_string_value(json_object_get(doc, "kind")), "solution");
    assert_string_equal(json_string_value(json_object_get(doc, "title")), "Smart lighting");
    assert_string_equal(json_string_value(json_object_get(doc, "description")),
                        "Street lights that dim when nobody is there");
    v = json_object_get(doc, "version");
    assert_string_equal(json_string_value(json_object_get(v, "version")), "2.1.0");
    assert_string_equal(json_string_value(json_object_get(v, "commit")),
                        "0123456789abcdef0123456789abcdef01234567");
    assert_int_equal(json_array_size(json_object_get(v, "signers")), 1);
    assert_string_equal(json_string_value(json_object_get(v, "verified_at")),
                        "1970-01-01T00:17:40Z");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(v, "manifest"), "developmentStatus")),
        "stable");
    {
        char git[128];
        snprintf(git, sizeof(git), "/git/%s/smart-lighting.git", id);
        assert_string_equal(json_string_value(json_object_get(doc, "git")), git);
    }
    json_decref(doc);

    assert_int_equal(cn_registry_query_parse(&q, "version=9.0.0"), 0);
    assert_int_equal(cn_registry_item(&doc, f->reg, id, "smart-lighting", &q), CN_ENOTFOUND);
    cn_registry_query_clear(&q);
    assert_int_equal(cn_registry_item(&doc, f->reg, id, "nothing-here", NULL), CN_ENOTFOUND);
    assert_int_equal(cn_registry_item(&doc, f->reg, id, "Bad Id", NULL), CN_EINVAL);
    assert_int_equal(cn_registry_item(&doc, f->reg, "0000", "x", NULL), CN_EINVAL);
}

static void the_directory_lists_nodes_with_counts(void **state)
{
    fixture *f = *state;
    cn_registry_query q = CN_REGISTRY_QUERY_INIT;
    json_t *doc, *n;
    char id[65];

    load_mixed(f->reg);
    assert_int_equal(cn_registry_nodes(&doc, f->reg, NULL), 0);
    assert_int_equal(json_integer_value(json_object_get(doc, "total")), 3);
    n = json_array_get(json_object_get(doc, "nodes"), 0);
    assert_string_equal(json_string_value(json_object_get(n, "name")), "Eindhoven");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(n, "items"), "total")), 2);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(n, "items"), "solution")),
                     1);
    assert_string_equal(json_string_value(json_object_get(n, "source")), "mirror");
    json_decref(doc);

    assert_int_equal(cn_registry_query_parse(&q, "country=de&per_page=1&page=2"), 0);
    assert_int_equal(cn_registry_nodes(&doc, f->reg, &q), 0);
    assert_int_equal(json_integer_value(json_object_get(doc, "total")), 2);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(doc, "nodes"), 0), "name")),
                        "Stadt Leipzig");
    json_decref(doc);
    cn_registry_query_clear(&q);
    assert_int_equal(cn_registry_query_parse(&q, "q=LEIP"), 0);
    assert_int_equal(cn_registry_nodes(&doc, f->reg, &q), 0);
    assert_int_equal(json_integer_value(json_object_get(doc, "total")), 1);
    json_decref(doc);
    cn_registry_query_clear(&q);
    assert_int_equal(cn_registry_query_parse(&q, "kind=dataset"), 0);
    assert_int_equal(cn_registry_nodes(&doc, f->reg, &q), CN_EINVAL);
    assert_non_null(strstr(cn_error_message(), "'kind' is not accepted"));
    cn_registry_query_clear(&q);

    node_id_of(id, "Köln");
    assert_int_equal(cn_registry_node(&doc, f->reg, id), 0);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(doc, "profile"), "country")), "DE");
    json_decref(doc);
}

/* Is there an edge from -> to of type in graph doc? */
static const json_t *find_edge(const json_t *doc, const char *from, const char *to,
                               const char *type)
{
    json_t *e;
    size_t i;

    json_array_foreach(json_object_get(doc, "edges"), i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "from")), from) == 0 &&
            strcmp(json_string_value(json_object_get(e, "to")), to) == 0 &&
            strcmp(json_string_value(json_object_get(e, "type")), type) == 0)
            return e;
    }
    return NULL;
}

static int has_edge(const json_t *doc, const char *from, const char *to, const char *type)
{
    return find_edge(doc, from, to, type) != NULL;
}

/* A replicates edge carries its attestation's data, seen from either end. */
static void assert_attestation_edge(const json_t *e, int withdrawn)
{
    assert_non_null(e);
    assert_string_equal(json_string_value(json_object_get(e, "attestation")),
                        "smart-lighting-2.1.0");
    assert_string_equal(json_string_value(json_object_get(e, "version")), "2.1.0");
    assert_string_equal(json_string_value(json_object_get(e, "date")), "2024-03-01T10:00:00Z");
    assert_int_equal(json_is_true(json_object_get(e, "withdrawn")), withdrawn);
    assert_true(json_is_string(json_object_get(e, "verified_at")));
}

static void the_graph_follows_attestations_and_is_based_on(void **state)
{
    fixture *f = *state;
    char eind[65], leip[65], prag[65], from[140], to[140], json[1024];
    json_t *att, *doc;

    load_mixed(f->reg);
    put_node(f->reg, "Prague", "CZ", "Triangulum");
    node_id_of(eind, "Eindhoven");
    node_id_of(leip, "Stadt Leipzig");
    node_id_of(prag, "Prague");
    /* Leipzig replicated Eindhoven's smart-lighting as smart-lighting-west ... */
    snprintf(json, sizeof(json),
             "{\"publiccodeYmlVersion\":\"0.2\",\"id\":\"smart-lighting-west\",\"version\":"
             "\"1.0.0\",\"name\":\"Smart lighting West\",\"url\":\"https://example.org/w.git\","
             "\"developmentStatus\":\"beta\",\"legal\":{\"license\":\"EUPL-1.2\"}}");
    put_json(f->reg, "Stadt Leipzig", json, 6000);
    att = json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s}, s:s}", "type", "replicates", "by",
                    leip, "date", "2024-03-01T10:00:00Z", "subject", "node", eind, "item",
                    "smart-lighting", "version", "2.1.0", "commit",
                    "0123456789abcdef0123456789abcdef01234567", "tag",
                    "89abcdef0123456789abcdef0123456789abcdef", "as", "smart-lighting-west");
    assert_int_equal(cn_registry_put_attestation(f->reg, leip, "smart-lighting-2.1.0", att, 7000),
                     0);
    json_decref(att);
    /* ... Prague based its version on Leipzig's git URL ... */
    snprintf(json, sizeof(json),
             "{\"publiccodeYmlVersion\":\"0.2\",\"id\":\"lampy\",\"version\":\"1.0.0\","
             "\"name\":\"Chytré lampy\",\"url\":\"https://example.org/lampy.git\","
             "\"isBasedOn\":[\"http://127.0.0.1:8470/git/%s/smart-lighting-west.git\","
             "\"https://github.com/example/unknown-upstream\"],"
             "\"developmentStatus\":\"beta\",\"legal\":{\"license\":\"EUPL-1.2\"}}",
             leip);
    put_json(f->reg, "Prague", json, 8000);
    /* ... and Köln on Eindhoven's publiccode url. */
    put_json(f->reg, "Köln",
             "{\"publiccodeYmlVersion\":\"0.2\",\"id\":\"licht\",\"version\":\"1.0.0\","
             "\"name\":\"Licht\",\"url\":\"https://example.org/licht.git\",\"isBasedOn\":"
             "\"https://GIT.example.org/eindhoven/lighting/\",\"developmentStatus\":\"beta\","
             "\"legal\":{\"license\":\"EUPL-1.2\"}}",
             9000);

    assert_int_equal(cn_registry_graph(&doc, f->reg, eind, "smart-lighting"), 0);
    snprintf(from, sizeof(from), "%s/smart-lighting", eind);
    snprintf(to, sizeof(to), "%s/smart-lighting-west", leip);
    assert_attestation_edge(find_edge(doc, from, to, "replicates"), 0);
    snprintf(to, sizeof(to), "%s/licht", eind);
    {
        char koeln[65];
        node_id_of(koeln, "Köln");
        snprintf(to, sizeof(to), "%s/licht", koeln);
    }
    assert_true(has_edge(doc, from, to, "isBasedOn"));
    /* Two steps away: Prague's lampy, from Leipzig's replica. */
    snprintf(from, sizeof(from), "%s/smart-lighting-west", leip);
    snprintf(to, sizeof(to), "%s/lampy", prag);
    assert_true(has_edge(doc, from, to, "isBasedOn"));
    /* Prague's other upstream is outside the registry. */
    assert_true(has_edge(doc, "url:https://github.com/example/unknown-upstream", to, "isBasedOn"));
    assert_true(json_is_false(json_object_get(doc, "truncated")));
    json_decref(doc);

    /* From the replica, the lighthouse is upstream. */
    assert_int_equal(cn_registry_graph(&doc, f->reg, leip, "smart-lighting-west"), 0);
    snprintf(from, sizeof(from), "%s/smart-lighting", eind);
    snprintf(to, sizeof(to), "%s/smart-lighting-west", leip);
    assert_attestation_edge(find_edge(doc, from, to, "replicates"), 0);
    json_decref(doc);

    /* Leipzig's own document lists what it replicated, with the original's names. */
    assert_int_equal(cn_registry_node(&doc, f->reg, leip), 0);
    {
        const json_t *r = json_array_get(json_object_get(doc, "replicated"), 0);
        assert_int_equal(json_array_size(json_object_get(doc, "replicated")), 1);
        assert_string_equal(json_string_value(json_object_get(r, "node")), eind);
        assert_string_equal(json_string_value(json_object_get(r, "node_name")), "Eindhoven");
        assert_string_equal(json_string_value(json_object_get(r, "item")), "smart-lighting");
        assert_string_equal(json_string_value(json_object_get(r, "version")), "2.1.0");
        assert_string_equal(json_string_value(json_object_get(r, "as")), "smart-lighting-west");
        assert_string_equal(json_string_value(json_object_get(r, "attestation")),
                            "smart-lighting-2.1.0");
        assert_true(json_is_false(json_object_get(r, "withdrawn")));
    }
    json_decref(doc);
    /* Eindhoven replicated nothing. */
    assert_int_equal(cn_registry_node(&doc, f->reg, eind), 0);
    assert_int_equal(json_array_size(json_object_get(doc, "replicated")), 0);
    json_decref(doc);

    /* Replications count other nodes: Leipzig (attestation) and Köln (url). */
    assert_int_equal(cn_registry_item(&doc, f->reg, eind, "smart-lighting", NULL), 0);
    assert_int_equal(json_integer_value(json_object_get(doc, "replications")), 2);
    json_decref(doc);
    /* A withdrawn attestation no longer counts, but stays in the graph. */
    assert_int_equal(cn_registry_withdraw_attestation(f->reg, leip, "smart-lighting-2.1.0", 9500),
                     0);
    assert_int_equal(cn_registry_item(&doc, f->reg, eind, "smart-lighting", NULL), 0);
    assert_int_equal(json_integer_value(json_object_get(doc, "replications")), 1);
    json_decref(doc);
    assert_int_equal(cn_registry_graph(&doc, f->reg, eind, "smart-lighting"), 0);
    assert_attestation_edge(find_edge(doc, from, to, "replicates"), 1);
    json_decref(doc);

    /* Forgetting Köln drops its edge and its count. */
    {
        char koeln[65];
        node_id_of(koeln, "Köln");
        assert_int_equal(cn_registry_has_node(f->reg, koeln), 1);
        assert_int_equal(cn_registry_remove_node(f->reg, koeln), 0);
        assert_int_equal(cn_registry_has_node(f->reg, koeln), 0);
        assert_int_equal(cn_registry_item(&doc, f->reg, eind, "smart-lighting", NULL), 0);
        assert_int_equal(json_integer_value(json_object_get(doc, "replications")), 0);
        json_decref(doc);
        assert_int_equal(cn_registry_node(&doc, f->reg, koeln), CN_ENOTFOUND);
    }
}

static void the_graph_stops_after_four_steps_and_says_so(void **state)
{
    fixture *f = *state;
    char ids[6][65], names[6][16], items[6][16];
    json_t *doc;
    int i;

    /* A chain: each city replicates the previous one's item. */
    for (i = 0; i < 6; i++) {
        snprintf(names[i], sizeof(names[i]), "City %d", i);
        snprintf(items[i], sizeof(items[i]), "item-%d", i);
        put_node(f->reg, names[i], "DE", NULL);
        node_id_of(ids[i], names[i]);
        put_strategy(f->reg, names[i], items[i], "Kette", "x", 1000 + i);
        if (i > 0) {
            json_t *att = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}, s:s}", "type", "replicates",
                                    "by", ids[i], "subject", "node", ids[i - 1], "item",
                                    items[i - 1], "version", "1.0.0", "as", items[i]);
            assert_int_equal(cn_registry_put_attestation(f->reg, ids[i], "r", att, 1), 0);
            json_decref(att);
        }
    }
    assert_int_equal(cn_registry_graph(&doc, f->reg, ids[0], "item-0"), 0);
    assert_int_equal(json_array_size(json_object_get(doc, "nodes")), 5);
    assert_int_equal(json_array_size(json_object_get(doc, "edges")), 4);
    assert_true(json_is_true(json_object_get(doc, "truncated")));
    json_decref(doc);
    /* From the middle, every city is within four steps. */
    assert_int_equal(cn_registry_graph(&doc, f->reg, ids[2], "item-2"), 0);
    assert_int_equal(json_array_size(json_object_get(doc, "nodes")), 6);
    assert_int_equal(json_array_size(json_object_get(doc, "edges")), 5);
    assert_true(json_is_false(json_object_get(doc, "truncated")));
    json_decref(doc);
}

/* ---- the API routes ---- */

static void api_routes_answer_with_documents_and_statuses(void **state)
{
    fixture *f = *state;
    cn_registry_query q = CN_REGISTRY_QUERY_INIT, none = CN_REGISTRY_QUERY_INIT;
    char id[65], path[256];
    json_t *doc;
    int status;

    load_mixed(f->reg);
    node_id_of(id, "Eindhoven");
    assert_int_equal(cn_registry_query_parse(&q, "q=traffic"), 0);
    assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, "/api/v1/search", &q), 0);
    assert_int_equal(status, 200);
    assert_int_equal(total(doc), 1);
    json_decref(doc);
    cn_registry_query_clear(&q);

    snprintf(path, sizeof(path), "/api/v1/items/%.12s/traffic-counts", id);
    assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, path, &none), 0);
    assert_string_equal(json_string_value(json_object_get(doc, "item")), "traffic-counts");
    json_decref(doc);
    snprintf(path, sizeof(path), "/api/v1/items/%s/traffic-counts/versions", id);
    assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, path, &none), 0);
    assert_int_equal(json_array_size(json_object_get(doc, "versions")), 1);
    json_decref(doc);
    snprintf(path, sizeof(path), "/api/v1/graph/%s/traffic-counts", id);
    assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, path, &none), 0);
    assert_int_equal(json_array_size(json_object_get(doc, "nodes")), 1);
    json_decref(doc);
    assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, "/api/v1/nodes", NULL), 0);
    json_decref(doc);
    /* /api/v1/ names the node kept as self: none among these mirrored ones ... */
    assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, "/api/v1/", NULL), CN_ENOTFOUND);
    assert_int_equal(status, 404);
    json_decref(doc);
    {
        cn_registry_node_info self = CN_REGISTRY_NODE_INFO_INIT;
        char self_id[65];
        node_id_of(self_id, "Stadt Leipzig (sample)");
        self.node_id = self_id;
        self.name = "Stadt Leipzig (sample)";
        assert_int_equal(cn_registry_put_node(f->reg, &self), 0);
        /* ... until this node is put. */
        assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, "/api/v1/", NULL), 0);
        assert_string_equal(json_string_value(json_object_get(doc, "api")), "v1");
        assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "node"), "id")),
                            self_id);
        json_decref(doc);
    }
    snprintf(path, sizeof(path), "/api/v1/nodes/%s", id);
    assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, path, NULL), 0);
    json_decref(doc);

    /* Errors: a document and a status. */
    assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, "/api/v1/nothing", NULL),
                     CN_ENOTFOUND);
    assert_int_equal(status, 404);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(doc, "error"), "message")),
        "no such API endpoint: /api/v1/nothing");
    json_decref(doc);
    assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, "/api/v1/items//x", NULL),
                     CN_ENOTFOUND);
    json_decref(doc);
    snprintf(path, sizeof(path), "/api/v1/items/%s/no-such-item", id);
    assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, path, NULL), CN_ENOTFOUND);
    assert_int_equal(status, 404);
    json_decref(doc);
    assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, "/api/v1/items/zz/x", NULL),
                     CN_EINVAL);
    assert_int_equal(status, 400);
    json_decref(doc);
    assert_int_equal(cn_registry_query_parse(&q, "per_page=500"), CN_EINVAL);
    cn_registry_query_clear(&q);
    assert_int_equal(cn_registry_query_parse(&q, "sort=recent"), 0);
    snprintf(path, sizeof(path), "/api/v1/graph/%s/traffic-counts", id);
    assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, path, &q), CN_EINVAL);
    assert_int_equal(status, 400);
    assert_non_null(
        strstr(json_string_value(json_object_get(json_object_get(doc, "error"), "message")),
               "'sort' is not accepted"));
    json_decref(doc);
    cn_registry_query_clear(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(schema_has_a_version_and_leaves_other_tables_alone,
                                        temp_registry_setup, temp_registry_teardown),
        cmocka_unit_test_setup_teardown(versions_carry_swhids_and_schema_1_is_migrated,
                                        temp_registry_setup, temp_registry_teardown),
        cmocka_unit_test_setup_teardown(withdrawn_items_and_versions_are_shown_as_such,
                                        temp_registry_setup, temp_registry_teardown),
        cmocka_unit_test_setup_teardown(superseded_versions_stay_in_layout_2, temp_registry_setup,
                                        temp_registry_teardown),
        cmocka_unit_test_setup_teardown(ingest_refuses_what_does_not_fit, temp_registry_setup,
                                        temp_registry_teardown),
        cmocka_unit_test_setup_teardown(out_of_memory_while_indexing_says_so, temp_registry_setup,
                                        temp_registry_teardown),
        cmocka_unit_test_setup_teardown(a_sync_is_one_transaction, temp_registry_setup,
                                        temp_registry_teardown),
        cmocka_unit_test_setup_teardown(the_copy_reloads_only_for_registry_changes,
                                        temp_registry_setup, temp_registry_teardown),
        cmocka_unit_test_setup_teardown(renaming_a_node_updates_its_items, temp_registry_setup,
                                        temp_registry_teardown),
        cmocka_unit_test_setup_teardown(item_documents_carry_manifest_signers_and_versions,
                                        temp_registry_setup, temp_registry_teardown),
        cmocka_unit_test_setup_teardown(the_directory_lists_nodes_with_counts, temp_registry_setup,
                                        temp_registry_teardown),
        cmocka_unit_test_setup_teardown(the_graph_follows_attestations_and_is_based_on,
                                        temp_registry_setup, temp_registry_teardown),
        cmocka_unit_test_setup_teardown(the_graph_stops_after_four_steps_and_says_so,
                                        temp_registry_setup, temp_registry_teardown),
        cmocka_unit_test_setup_teardown(api_routes_answer_with_documents_and_statuses,
                                        temp_registry_setup, temp_registry_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
