/*
 * test_peers_lookup.c - the lookups a sync round makes once per peer go
 * through an index of state.db: their cost does not grow with the number of
 * peers followed (a national registry follows 10,800 municipalities).
 *
 * The statements a round runs per peer are compiled once and kept.
 *
 * The cost is counted in SQLite virtual machine steps (a progress handler
 * called at every one), which is exact and does not depend on the machine's
 * load: a scan of the peers table takes several steps per row, a search of
 * an index a few per level of the tree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "peers/peers.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NPEERS    5000
#define MAX_STEPS 300 /* an index search; a scan of 5,000 rows takes > 10,000 */

typedef struct {
    char dir[32];
    char path[64];
    cn_peers *db;
} fixture;

static int count_step(void *ctx)
{
    (*(unsigned long *)ctx)++;
    return 0;
}

/* Node id number i: 64 hex digits, distinct for every i, spread over the
 * whole range as sha256 ids are. */
static void node_id(char out[CN_PEER_ID_HEX + 1], unsigned i)
{
    unsigned x = i * 2654435761u, k;

    for (k = 0; k < CN_PEER_ID_HEX; k += 8)
        snprintf(out + k, 9, "%08x", x ^ (k * 0x9e3779b9u) ^ i);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    sqlite3 *sql;
    sqlite3_stmt *st = NULL;
    char id[CN_PEER_ID_HEX + 1], alias[32];
    unsigned i;

    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/cn-peers-lookup-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/state.db", f->dir);
    assert_int_equal(cn_peers_open(&f->db, f->path), 0);
    sql = cn_peers_sqlite(f->db);
    assert_int_equal(sqlite3_exec(sql, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(sql,
                                        "INSERT INTO peers (node_id, alias, name, url, policy,"
                                        " added) VALUES (?1, ?2, ?2, 'http://127.0.0.1/', "
                                        "'mirror', 0)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    for (i = 0; i < NPEERS; i++) {
        node_id(id, i);
        snprintf(alias, sizeof(alias), "city-%u", i);
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, alias, -1, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_exec(sql, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char p[96];

    cn_peers_free(f->db);
    unlink(f->path);
    snprintf(p, sizeof(p), "%s-wal", f->path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", f->path);
    unlink(p);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* cn_peers_get(ref) with SQLite's steps counted into *steps. */
static int get_counted(cn_peer *out, cn_peers *db, const char *ref, unsigned long *steps)
{
    int err;

    *steps = 0;
    sqlite3_progress_handler(cn_peers_sqlite(db), 1, count_step, steps);
    err = cn_peers_get(out, db, ref);
    sqlite3_progress_handler(cn_peers_sqlite(db), 0, NULL, NULL);
    return err;
}

static void get_by_full_id_searches_the_index(void **state)
{
    fixture *f = *state;
    char id[CN_PEER_ID_HEX + 1];
    unsigned long steps;
    cn_peer p;

    node_id(id, NPEERS - 1);
    assert_int_equal(get_counted(&p, f->db, id, &steps), 0);
    assert_string_equal(p.node_id, id);
    assert_string_equal(p.alias, "city-4999");
    cn_peer_clear(&p);
    assert_true(steps < MAX_STEPS);
}

static void get_by_id_prefix_searches_the_index(void **state)
{
    fixture *f = *state;
    char id[CN_PEER_ID_HEX + 1], prefix[17];
    unsigned long steps;
    cn_peer p;

    node_id(id, 1234);
    snprintf(prefix, sizeof(prefix), "%.16s", id);
    assert_int_equal(get_counted(&p, f->db, prefix, &steps), 0);
    assert_string_equal(p.node_id, id);
    cn_peer_clear(&p);
    assert_true(steps < MAX_STEPS);
}

static void get_by_alias_searches_the_index(void **state)
{
    fixture *f = *state;
    unsigned long steps;
    cn_peer p;

    assert_int_equal(get_counted(&p, f->db, "city-2500", &steps), 0);
    assert_string_equal(p.alias, "city-2500");
    cn_peer_clear(&p);
    assert_true(steps < MAX_STEPS);
}

/* The live statement of db whose SQL contains what, or NULL. */
static sqlite3_stmt *statement_with(cn_peers *db, const char *what)
{
    sqlite3_stmt *st = NULL;

    while ((st = sqlite3_next_stmt(cn_peers_sqlite(db), st)) != NULL)
        if (strstr(sqlite3_sql(st), what) != NULL)
            return st;
    return NULL;
}

/* The statement of db whose SQL contains what is still prepared, was run
 * runs times, and is reset (it holds no read transaction open). */
static void kept_and_run(cn_peers *db, const char *what, int runs)
{
    sqlite3_stmt *st = statement_with(db, what);

    assert_non_null(st);
    assert_int_equal(sqlite3_stmt_status(st, SQLITE_STMTSTATUS_RUN, 0), runs);
    assert_false(sqlite3_stmt_busy(st));
}

/* What a round runs once per peer is compiled once, not once a peer:
 * compiling cost more than running (40% of an idle round's instructions). */
static void per_peer_statements_are_compiled_once(void **state)
{
    fixture *f = *state;
    cn_peer_sync_record rec = {0};
    char id[CN_PEER_ID_HEX + 1], *etag = NULL, *lm = NULL, **sources = NULL;
    size_t nsources = 0;
    unsigned i;
    cn_peer p;

    rec.result = "unchanged";
    for (i = 0; i < 3; i++) {
        node_id(id, i);
        assert_int_equal(cn_peers_get(&p, f->db, id), 0);
        cn_peer_clear(&p);
        assert_int_equal(cn_peers_validators(&etag, &lm, f->db, id), 0);
        free(etag);
        free(lm);
        assert_int_equal(cn_peers_sources(&sources, &nsources, f->db, id), 0);
        free(sources);
        rec.time = i + 1;
        assert_int_equal(cn_peers_record_sync(f->db, id, &rec), 0);
    }
    kept_and_run(f->db, "WHERE alias = ?1", 3);
    kept_and_run(f->db, "WHERE node_id >= ?1", 3);
    kept_and_run(f->db, "SELECT etag, last_modified", 3);
    kept_and_run(f->db, "FROM peer_sources", 3);
    kept_and_run(f->db, "UPDATE peers SET last_sync", 3);
}

/* What the index must not change: a prefix two ids share is refused, one
 * no id has is not found, and the last hex digit 'f' still matches. */
static void get_by_prefix_keeps_its_answers(void **state)
{
    fixture *f = *state;
    sqlite3 *sql = cn_peers_sqlite(f->db);
    cn_peer p;

    assert_int_equal(sqlite3_exec(sql,
                                  "INSERT INTO peers (node_id, alias, name, url, policy, added)"
                                  " VALUES ('ffffffff00000000000000000000000000000000000000000000"
                                  "000000000001', 'twin-a', 'a', 'http://a/', 'mirror', 0),"
                                  " ('ffffffff0000000000000000000000000000000000000000000000"
                                  "0000000002', 'twin-b', 'b', 'http://b/', 'mirror', 0),"
                                  " ('ffffffffffffffffffffffffffffffffffffffffffffffffffffff"
                                  "ffffffffff', 'last', 'l', 'http://l/', 'mirror', 0)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(cn_peers_get(&p, f->db, "ffffffff00"), CN_EUSAGE);
    cn_error_clear();
    assert_int_equal(cn_peers_get(&p, f->db,
                                  "ffffffff0000000000000000000000000000000000000000000"
                                  "0000000000002"),
                     0);
    assert_string_equal(p.alias, "twin-b");
    cn_peer_clear(&p);
    assert_int_equal(cn_peers_get(&p, f->db, "ffffffffff"), 0);
    assert_string_equal(p.alias, "last");
    cn_peer_clear(&p);
    assert_int_equal(cn_peers_get(&p, f->db, "0000000000000000"), CN_ENOTFOUND);
    cn_error_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(get_by_full_id_searches_the_index, setup, teardown),
        cmocka_unit_test_setup_teardown(get_by_id_prefix_searches_the_index, setup, teardown),
        cmocka_unit_test_setup_teardown(get_by_alias_searches_the_index, setup, teardown),
        cmocka_unit_test_setup_teardown(get_by_prefix_keeps_its_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(per_peer_statements_are_compiled_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
