/*
 * test_peers_db.c - cn_peers_db_exists tells a state.db that holds the
 * peers tables from one that is missing, emptied or started afresh, and
 * creates nothing while it looks.
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
#include <sys/stat.h>
#include <unistd.h>

static void remove_db(const char *path)
{
    char p[128];

    unlink(path);
    snprintf(p, sizeof(p), "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", path);
    unlink(p);
}

static void db_exists_only_with_the_peers_tables(void **state)
{
    char dir[] = "/tmp/cn-peers-db-XXXXXX", path[64];
    cn_peers *db = NULL;
    sqlite3 *other = NULL;
    struct stat st;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/state.db", dir);
    /* Missing: 0, and still missing. */
    assert_int_equal(cn_peers_db_exists(path), 0);
    assert_int_equal(stat(path, &st), -1);
    /* Emptied (0 bytes): 0, and still empty. */
    assert_non_null(f = fopen(path, "w"));
    fclose(f);
    assert_int_equal(cn_peers_db_exists(path), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 0);
    /* A database with other tables only (the registry started it). */
    assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "CREATE TABLE items (id TEXT)", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(other);
    assert_int_equal(cn_peers_db_exists(path), 0);
    /* Once the peers tables are there: 1. */
    assert_int_equal(cn_peers_open(&db, path), 0);
    assert_int_equal(cn_peers_db_exists(path), 1);
    cn_peers_free(db);
    assert_int_equal(cn_peers_db_exists(path), 1);
    remove_db(path);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(db_exists_only_with_the_peers_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
