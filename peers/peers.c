/*
 * peers.c - the peers a node follows, in state.db, and first contact with a
 * new peer (docs/PROTOCOL.md §8.1).
 *
 * Tables (SQLite, WAL, busy timeout so serve and a CLI sync can share it):
 *   peers         one row per followed node, keyed by node id
 *   peer_sources  fallback base URLs (mirrors of a node), learnt from the
 *                 verified peers.json of the nodes that vouch for it
 *
 * The trusted material of a peer is never in the database: it lives in
 * <mirrors_dir>/<node id>/ (the pinned 1.root.json and what sync verified).
 */
#include "peers/peers.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/file.h"
#include "core/hash.h"
#include "core/json.h"
#include "core/name.h"
#include "core/tuf.h"
#include "peers/http.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BUSY_TIMEOUT_MS 10000
#define NAME_MAX_BYTES  200
#define MAX_SOURCES     16

/* The statements a sync round runs once per peer, prepared on first use
 * and kept (see prepared()). */
enum { ST_GET_ALIAS, ST_GET_PREFIX, ST_VALIDATORS, ST_SOURCES, ST_RECORD_SYNC, ST_COUNT };

struct cn_peers {
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];
};

static const char schema[] = "CREATE TABLE IF NOT EXISTS peers ("
                             " node_id TEXT PRIMARY KEY NOT NULL,"
                             " alias TEXT NOT NULL UNIQUE,"
                             " name TEXT NOT NULL,"
                             " url TEXT NOT NULL,"
                             " policy TEXT NOT NULL,"
                             " via TEXT,"
                             " added INTEGER NOT NULL,"
                             " last_sync INTEGER NOT NULL DEFAULT 0,"
                             " last_result TEXT,"
                             " last_error TEXT,"
                             " timestamp_version INTEGER NOT NULL DEFAULT 0,"
                             " etag TEXT,"
                             " last_modified TEXT);"
                             "CREATE TABLE IF NOT EXISTS peer_sources ("
                             " node_id TEXT NOT NULL,"
                             " base_url TEXT NOT NULL,"
                             " vouched_by TEXT NOT NULL,"
                             " added INTEGER NOT NULL,"
                             " PRIMARY KEY (node_id, base_url));";

static int db_error(cn_peers *db, const char *what)
{
    return cn_error_set(CN_ERROR, "state.db: %s: %s", what, sqlite3_errmsg(db->db));
}

/* *out: statement `which` (always the same sql), prepared on its first use
 * and kept until cn_peers_free. Compiling a statement costs SQLite more
 * than running one of these: prepared each time, the five a round runs per
 * peer were 40% of an idle round's instructions. Give it back with done()
 * before returning, so that it holds no lock and no stale bindings. */
static int prepared(sqlite3_stmt **out, cn_peers *db, int which, const char *sql)
{
    if (db->st[which] == NULL && sqlite3_prepare_v3(db->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                                                    &db->st[which], NULL) != SQLITE_OK)
        return -1;
    *out = db->st[which];
    return 0;
}

static void done(sqlite3_stmt *st)
{
    if (st == NULL)
        return;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

int cn_peers_open(cn_peers **out, const char *db_path)
{
    cn_peers *db = calloc(1, sizeof(*db));
    char *msg = NULL;
    int err;

    *out = NULL;
    if (db == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if (sqlite3_open_v2(db_path, &db->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        err = cn_error_set(CN_ERROR, "%s: %s", db_path,
                           db->db ? sqlite3_errmsg(db->db) : "cannot open");
        goto out;
    }
    sqlite3_busy_timeout(db->db, BUSY_TIMEOUT_MS);
    if (sqlite3_exec(db->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL,
                     &msg) != SQLITE_OK ||
        sqlite3_exec(db->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
        err = cn_error_set(CN_ERROR, "%s: %s", db_path, msg ? msg : "cannot set up");
        goto out;
    }
    *out = db;
    db = NULL;
    err = 0;
out:
    sqlite3_free(msg);
    cn_peers_free(db);
    return err;
}

int cn_peers_db_exists(const char *db_path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc, found = 0;

    /* Read-only, so a missing file stays missing; SQLite sees a file of 0
     * bytes as a database without tables. */
    rc = sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_CANTOPEN) {
        sqlite3_close(db);
        return 0;
    }
    if (rc != SQLITE_OK) {
        found = cn_error_set(CN_ERROR, "%s: %s", db_path, db ? sqlite3_errmsg(db) : "cannot open");
        goto out;
    }
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    if (sqlite3_prepare_v2(db,
                           "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'peers'",
                           -1, &st, NULL) != SQLITE_OK ||
        ((rc = sqlite3_step(st)) != SQLITE_ROW && rc != SQLITE_DONE)) {
        found = cn_error_set(CN_ERROR, "%s: %s", db_path, sqlite3_errmsg(db));
        goto out;
    }
    found = rc == SQLITE_ROW;
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return found;
}

void cn_peers_free(cn_peers *db)
{
    size_t i;

    if (db == NULL)
        return;
    for (i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(db->st[i]);
    sqlite3_close(db->db);
    free(db);
}

struct sqlite3 *cn_peers_sqlite(cn_peers *db)
{
    return db->db;
}

int cn_peer_is_node_id(const char *s)
{
    return cn_hex_is_lower_str(s, CN_PEER_ID_HEX);
}

static char *dup_or_null(const unsigned char *s)
{
    return s ? strdup((const char *)s) : NULL;
}

static int row_to_peer(cn_peer *p, sqlite3_stmt *st)
{
    const unsigned char *id = sqlite3_column_text(st, 0);
    cn_peer_policy pol = CN_POLICY_BLOCK;

    memset(p, 0, sizeof(*p));
    snprintf(p->node_id, sizeof(p->node_id), "%s", id ? (const char *)id : "");
    p->alias = dup_or_null(sqlite3_column_text(st, 1));
    p->name = dup_or_null(sqlite3_column_text(st, 2));
    p->url = dup_or_null(sqlite3_column_text(st, 3));
    if (cn_peer_policy_parse(&pol, (const char *)sqlite3_column_text(st, 4)) != 0)
        cn_error_clear();
    p->policy = pol;
    p->via = dup_or_null(sqlite3_column_text(st, 5));
    p->added = sqlite3_column_int64(st, 6);
    p->last_sync = sqlite3_column_int64(st, 7);
    p->last_result = dup_or_null(sqlite3_column_text(st, 8));
    p->last_error = dup_or_null(sqlite3_column_text(st, 9));
    p->timestamp_version = (uint64_t)sqlite3_column_int64(st, 10);
    if (p->alias == NULL || p->name == NULL || p->url == NULL) {
        cn_peer_clear(p);
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    return 0;
}

#define PEER_COLUMNS                                                                               \
    "node_id, alias, name, url, policy, via, added, last_sync, last_result, last_error,"           \
    " timestamp_version"

/* At least 8 and at most 64 lowercase hex digits: a node id or its prefix. */
static int is_hex_prefix(const char *s)
{
    size_t n = strnlen(s, CN_PEER_ID_HEX + 1);

    return n >= 8 && n <= CN_PEER_ID_HEX && cn_hex_is_lower(s, n);
}

int cn_peers_get(cn_peer *out, cn_peers *db, const char *ref)
{
    sqlite3_stmt *st = NULL;
    int rc, err, found = 0;

    memset(out, 0, sizeof(*out));
    /* An alias names one peer exactly; otherwise an id or an id prefix. */
    if (prepared(&st, db, ST_GET_ALIAS, "SELECT " PEER_COLUMNS " FROM peers WHERE alias = ?1") != 0)
        return db_error(db, "cannot read peers");
    sqlite3_bind_text(st, 1, ref, -1, SQLITE_TRANSIENT);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        err = row_to_peer(out, st);
        goto out;
    }
    done(st);
    st = NULL;
    if (!is_hex_prefix(ref)) {
        err = cn_error_set(CN_ENOTFOUND,
                           "no peer '%.80s' (a peer is named by its alias or at least 8 "
                           "hex digits of its node id) — `citynode peer list` shows the "
                           "followed peers; `citynode peer add URL` follows one",
                           ref);
        goto out;
    }
    /* The ids that start with ref are those from ref up to (not including)
     * ref followed by 'g', the digit after 'f': a range of the primary key's
     * index, so a lookup costs the same among ten peers as among ten
     * thousand (`citynode sync` looks up each peer of its round). */
    if (prepared(&st, db, ST_GET_PREFIX,
                 "SELECT " PEER_COLUMNS " FROM peers"
                 " WHERE node_id >= ?1 AND node_id < ?1 || 'g' ORDER BY node_id LIMIT 2") != 0)
        return db_error(db, "cannot read peers");
    sqlite3_bind_text(st, 1, ref, -1, SQLITE_TRANSIENT);
    err = 0;
    while (err == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (++found > 1) {
            cn_peer_clear(out);
            err = cn_error_set(CN_EUSAGE,
                               "'%s' is ambiguous: more than one peer's id starts so; "
                               "give more digits",
                               ref);
            break;
        }
        err = row_to_peer(out, st);
    }
    if (err == 0 && found == 0)
        err = cn_error_set(CN_ENOTFOUND,
                           "no peer's node id starts with %s — `citynode peer list` shows "
                           "the followed peers; `citynode peer add URL` follows one",
                           ref);
out:
    done(st);
    return err;
}

int cn_peers_list(cn_peer **out, size_t *n, cn_peers *db)
{
    sqlite3_stmt *st = NULL;
    cn_peer *list = NULL, *grown;
    size_t count = 0;
    int rc, err = 0;

    *out = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db->db, "SELECT " PEER_COLUMNS " FROM peers ORDER BY alias", -1, &st,
                           NULL) != SQLITE_OK)
        return db_error(db, "cannot read peers");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((grown = realloc(list, (count + 1) * sizeof(*list))) == NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
        list = grown;
        if ((err = row_to_peer(&list[count], st)) != 0)
            goto out;
        count++;
    }
    if (rc != SQLITE_DONE) {
        err = db_error(db, "cannot read peers");
        goto out;
    }
    *out = list;
    *n = count;
    list = NULL;
    count = 0;
out:
    cn_peer_list_free(list, count);
    sqlite3_finalize(st);
    return err;
}

int cn_peers_is_followed(cn_peers *db, const char *node_id)
{
    sqlite3_stmt *st = NULL;
    int rc, found;

    if (sqlite3_prepare_v2(db->db, "SELECT policy FROM peers WHERE node_id = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return db_error(db, "cannot read peers");
    sqlite3_bind_text(st, 1, node_id, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    found = rc == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "block") != 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_error(db, "cannot read peers");
    return found;
}

/* Run one statement with text parameters (NULL binds NULL). */
static int exec_text(cn_peers *db, const char *sql, const char *const *params, size_t n)
{
    sqlite3_stmt *st = NULL;
    size_t i;
    int rc;

    if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(db, "cannot prepare a statement");
    for (i = 0; i < n; i++)
        sqlite3_bind_text(st, (int)i + 1, params[i], -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_CONSTRAINT)
        return cn_error_set(CN_EEXISTS, "state.db: %s", sqlite3_errmsg(db->db));
    if (rc != SQLITE_DONE)
        return db_error(db, "cannot write");
    return 0;
}

int cn_peers_add_source(cn_peers *db, const char *node_id, const char *base_url,
                        const char *vouched_by)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (!cn_peer_is_node_id(node_id))
        return cn_error_set(CN_EINVAL, "not a source for a node: %.80s", base_url);
    /* The check's message names the URL without a password it may hold. */
    if (cn_http_check_url(base_url) != 0)
        return cn_error_wrap(CN_EINVAL, "not a source for node %.12s", node_id);
    if (sqlite3_prepare_v2(db->db,
                           "INSERT INTO peer_sources (node_id, base_url, vouched_by, added)"
                           " SELECT ?1, ?2, ?3, ?4 WHERE (SELECT count(*) FROM peer_sources"
                           " WHERE node_id = ?1) < ?5"
                           " ON CONFLICT (node_id, base_url) DO UPDATE SET vouched_by = ?3",
                           -1, &st, NULL) != SQLITE_OK)
        return db_error(db, "cannot record a source");
    sqlite3_bind_text(st, 1, node_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, base_url, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, vouched_by ? vouched_by : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
    sqlite3_bind_int(st, 5, MAX_SOURCES);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : db_error(db, "cannot record a source");
}

int cn_peers_sources(char ***out, size_t *n, cn_peers *db, const char *node_id)
{
    sqlite3_stmt *st = NULL;
    char **list = NULL, **grown;
    size_t count = 0, i;
    int rc, err = 0;

    *out = NULL;
    *n = 0;
    if (prepared(&st, db, ST_SOURCES,
                 "SELECT base_url FROM peer_sources WHERE node_id = ?1 ORDER BY added,"
                 " base_url") != 0)
        return db_error(db, "cannot read sources");
    sqlite3_bind_text(st, 1, node_id, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((grown = realloc(list, (count + 2) * sizeof(*list))) == NULL ||
            (grown[count] = strdup((const char *)sqlite3_column_text(st, 0))) == NULL) {
            if (grown)
                list = grown;
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
        list = grown;
        list[++count] = NULL;
    }
    if (rc != SQLITE_DONE) {
        err = db_error(db, "cannot read sources");
        goto out;
    }
    *out = list;
    *n = count;
    list = NULL;
out:
    if (list) {
        for (i = 0; i < count; i++)
            free(list[i]);
        free(list);
    }
    done(st);
    return err;
}

int cn_peers_remove(cn_peers *db, const char *ref, const char *mirrors_dir, const char *repos_dir)
{
    const char *params[1];
    char *mirror = NULL, *repos = NULL;
    cn_peer p;
    int err;

    if ((err = cn_peers_get(&p, db, ref)) != 0)
        return err;
    params[0] = p.node_id;
    if (sqlite3_exec(db->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        err = db_error(db, "cannot start a transaction");
        goto out;
    }
    if ((err = exec_text(db, "DELETE FROM peers WHERE node_id = ?1", params, 1)) != 0 ||
        (err = exec_text(db, "DELETE FROM peer_sources WHERE node_id = ?1 OR vouched_by = ?1",
                         params, 1)) != 0) {
        sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
        goto out;
    }
    if (sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        err = db_error(db, "cannot commit");
        goto out;
    }
    /* The row is gone first: a crash now leaves files nobody trusts, which
     * the next add of this node overwrites. */
    if ((mirrors_dir && (mirror = cn_path_join(mirrors_dir, p.node_id)) == NULL) ||
        (repos_dir && (repos = cn_path_join(repos_dir, p.node_id)) == NULL)) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((mirror && (err = cn_rmtree(mirror)) != 0) || (repos && (err = cn_rmtree(repos)) != 0))
        goto out;
out:
    free(mirror);
    free(repos);
    cn_peer_clear(&p);
    return err;
}

int cn_peers_record_sync(cn_peers *db, const char *node_id, const cn_peer_sync_record *rec)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (prepared(&st, db, ST_RECORD_SYNC,
                 "UPDATE peers SET last_sync = ?2, last_result = ?3, last_error = ?4,"
                 " timestamp_version = CASE WHEN ?5 > 0 THEN ?5 ELSE timestamp_version END,"
                 " etag = CASE WHEN ?6 THEN ?7 ELSE etag END,"
                 " last_modified = CASE WHEN ?6 THEN ?8 ELSE last_modified END,"
                 " name = coalesce(?9, name) WHERE node_id = ?1") != 0)
        return db_error(db, "cannot record a sync");
    sqlite3_bind_text(st, 1, node_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, rec->time);
    sqlite3_bind_text(st, 3, rec->result, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, rec->error, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)rec->timestamp_version);
    sqlite3_bind_int(st, 6, rec->set_validators);
    sqlite3_bind_text(st, 7, rec->etag, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 8, rec->last_modified, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 9, rec->name, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    done(st);
    return rc == SQLITE_DONE ? 0 : db_error(db, "cannot record a sync");
}

int cn_peers_begin(cn_peers *db)
{
    if (sqlite3_exec(db->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_error(db, "cannot start a transaction");
    return 0;
}

int cn_peers_commit(cn_peers *db)
{
    int err = 0;

    if (sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        err = db_error(db, "cannot commit");
        sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
    }
    return err;
}

int cn_peers_validators(char **etag, char **last_modified, cn_peers *db, const char *node_id)
{
    sqlite3_stmt *st = NULL;
    int rc, err = 0;

    *etag = *last_modified = NULL;
    if (prepared(&st, db, ST_VALIDATORS,
                 "SELECT etag, last_modified FROM peers WHERE node_id = ?1") != 0)
        return db_error(db, "cannot read peers");
    sqlite3_bind_text(st, 1, node_id, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *etag = dup_or_null(sqlite3_column_text(st, 0));
        *last_modified = dup_or_null(sqlite3_column_text(st, 1));
    } else if (rc != SQLITE_DONE) {
        err = db_error(db, "cannot read peers");
    }
    done(st);
    return err;
}

int cn_peers_set_policy(cn_peers *db, const char *node_id, cn_peer_policy policy)
{
    const char *params[2] = {node_id, cn_peer_policy_name(policy)};
    return exec_text(db, "UPDATE peers SET policy = ?2 WHERE node_id = ?1", params, 2);
}

/* ---------------------------------------------------------------------------
 * First contact
 * ------------------------------------------------------------------------- */

int cn_peer_pointer_parse(char node_id[CN_PEER_ID_HEX + 1], char **name, const void *data,
                          size_t len, const char *what)
{
    json_t *doc = NULL, *v;
    const char *id, *s;
    size_t i, n;
    int err;

    node_id[0] = '\0';
    if (name)
        *name = NULL;
    if (len > CN_PEER_POINTER_MAX)
        return cn_error_set(CN_ELIMIT, "%s: longer than %d bytes", what, CN_PEER_POINTER_MAX);
    if ((err = cn_json_parse(&doc, data, len, 8, what)) != 0)
        return err;
    err = CN_EINVAL;
    if (!json_is_object(doc)) {
        cn_error_set(CN_EINVAL, "%s: not a JSON object", what);
        goto out;
    }
    v = json_object_get(doc, "citynode");
    if (!json_is_integer(v) || json_integer_value(v) != 1) {
        cn_error_set(CN_EINVAL, "%s: not a citynode pointer (\"citynode\": 1 missing)", what);
        goto out;
    }
    id = json_string_value(json_object_get(doc, "node"));
    if (id == NULL || !cn_peer_is_node_id(id)) {
        cn_error_set(CN_EINVAL, "%s: \"node\" is not a node id (64 lowercase hex digits)", what);
        goto out;
    }
    memcpy(node_id, id, CN_PEER_ID_HEX + 1);
    s = json_string_value(json_object_get(doc, "name"));
    if (name && s && *s) {
        n = strlen(s) < NAME_MAX_BYTES ? strlen(s) : NAME_MAX_BYTES;
        if ((*name = malloc(n + 1)) == NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
        for (i = 0; i < n; i++)
            (*name)[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
        (*name)[n] = '\0';
    }
    err = 0;
out:
    json_decref(doc);
    return err;
}

static int alias_taken(cn_peers *db, const char *alias)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(db->db, "SELECT 1 FROM peers WHERE alias = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return db_error(db, "cannot read peers");
    sqlite3_bind_text(st, 1, alias, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : db_error(db, "cannot read peers");
}

/* A unique alias: the slug of the name, else "peer-<id prefix>", with
 * "-2", "-3", ... appended while taken. */
static int make_alias(char out[CN_SLUG_MAX + 1], cn_peers *db, const char *name,
                      const char *node_id)
{
    char base[CN_SLUG_MAX + 1];
    unsigned i;
    int r;

    if (name == NULL || cn_name_slugify(base, name) != 0 || cn_name_check_slug(base) != 0) {
        cn_error_clear();
        snprintf(base, sizeof(base), "peer-%.12s", node_id);
    }
    /* An alias that looks like an id prefix would shadow one. */
    if (is_hex_prefix(base))
        snprintf(base, sizeof(base), "peer-%.12s", node_id);
    snprintf(out, CN_SLUG_MAX + 1, "%s", base);
    for (i = 2; (r = alias_taken(db, out)) == 1 && i < 1000; i++)
        snprintf(out, CN_SLUG_MAX + 1, "%.*s-%u", CN_SLUG_MAX - 5, base, i);
    if (r < 0)
        return r;
    return r == 0 ? 0 : cn_error_set(CN_EEXISTS, "no free alias for '%s'", base);
}

static char *join_url(const char *base, const char *path)
{
    size_t n = strlen(base) + strlen(path) + 2;
    char *s = malloc(n);

    if (s)
        snprintf(s, n, "%s/%s", base, path);
    return s;
}

/* Store the pinned root and the pointer under <mirrors>/<id>/. */
static int pin(const char *mirrors_dir, const char *node_id, const cn_http_request *root,
               const cn_http_request *pointer)
{
    char *dir = NULL, *path = NULL, *sub = NULL;
    int err = CN_ENOMEM;

    if ((dir = cn_path_join(mirrors_dir, node_id)) == NULL ||
        (sub = cn_path_join(dir, "tuf")) == NULL ||
        (path = cn_path_join(sub, "1.root.json")) == NULL)
        goto oom;
    if ((err = cn_mkdir_p(sub, 0755)) != 0 ||
        (err = cn_file_write_atomic(path, root->body, root->len, 0644)) != 0)
        goto out;
    free(sub);
    free(path);
    path = NULL;
    if ((sub = cn_path_join(dir, ".well-known")) == NULL ||
        (path = cn_path_join(sub, "citynode.json")) == NULL)
        goto oom;
    if ((err = cn_mkdir_p(sub, 0755)) != 0 ||
        (err = cn_file_write_atomic(path, pointer->body, pointer->len, 0644)) != 0)
        goto out;
    err = 0;
    goto out;
oom:
    err = cn_error_set(CN_ENOMEM, "out of memory");
out:
    free(dir);
    free(sub);
    free(path);
    return err;
}

int cn_peers_add(cn_peer *out, cn_peers *db, const cn_peer_add_options *opts)
{
    cn_http_options ho = CN_HTTP_OPTIONS_INIT;
    cn_http_request preq = {0}, rreq = {0};
    cn_http *http = NULL;
    cn_tuf_client *client = NULL;
    char node_id[CN_PEER_ID_HEX + 1], digest[CN_SHA256_HEX_LEN + 1], alias[CN_SLUG_MAX + 1];
    char *base = NULL, *name = NULL, *added_s = NULL, *dir = NULL;
    const char *params[8];
    char added[32];
    size_t n;
    int err, existed = 0;

    if (out)
        memset(out, 0, sizeof(*out));
    if (opts == NULL || opts->url == NULL || opts->mirrors_dir == NULL)
        return cn_error_set(CN_EINVAL, "peer add needs a URL and a mirrors directory");
    if ((err = cn_http_check_url(opts->url)) != 0)
        return err;
    if (opts->expect && !cn_peer_is_node_id(opts->expect))
        return cn_error_set(CN_EUSAGE, "--expect takes a full node id (64 lowercase hex digits)");
    if ((base = strdup(opts->url)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    for (n = strlen(base); n > 0 && base[n - 1] == '/'; n--)
        base[n - 1] = '\0';

    ho.connect_timeout_s = opts->connect_timeout_s;
    if ((err = cn_http_new(&http, &ho)) != 0)
        goto out;
    preq.timeout_s = rreq.timeout_s = opts->timeout_s > 0 ? opts->timeout_s : 60;
    preq.max_body = CN_PEER_POINTER_MAX;
    rreq.max_body = CN_PEER_ROOT_MAX;
    if ((preq.url = join_url(base, ".well-known/citynode.json")) == NULL ||
        (rreq.url = join_url(base, "tuf/1.root.json")) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = cn_http_get(http, &preq)) != 0) {
        if (err == CN_ENOTFOUND)
            err = cn_error_set(CN_ENET,
                               "%s: no citynode pointer there (is this a citynode's "
                               "URL?)",
                               preq.url);
        else if (err == CN_ELIMIT)
            err = CN_EVERIFY;
        goto out;
    }
    if ((err = cn_peer_pointer_parse(node_id, &name, preq.body, preq.len, preq.url)) != 0) {
        err = CN_EVERIFY;
        goto out;
    }
    if (opts->expect && strcmp(opts->expect, node_id) != 0) {
        err = cn_error_set(CN_EVERIFY, "%s names node %s, not the expected %s", preq.url, node_id,
                           opts->expect);
        goto out;
    }
    if (opts->self_id && strcmp(opts->self_id, node_id) == 0) {
        err = cn_error_set(CN_EINVAL, "%s is this node itself", base);
        goto out;
    }
    if ((err = cn_peers_is_followed(db, node_id)) < 0)
        goto out;
    {
        cn_peer existing;
        if (cn_peers_get(&existing, db, node_id) == 0) {
            err = cn_error_set(CN_EEXISTS, "node %.12s is already a peer (%s)", node_id,
                               existing.alias);
            cn_peer_clear(&existing);
            goto out;
        }
        cn_error_clear();
    }
    /* The root is what the id certifies: anything else is refused. */
    if ((err = cn_http_get(http, &rreq)) != 0) {
        if (err == CN_ELIMIT)
            err = CN_EVERIFY;
        else if (err == CN_ENOTFOUND)
            err = CN_ENET;
        goto out;
    }
    cn_sha256_hex(digest, rreq.body, rreq.len);
    if (strcmp(digest, node_id) != 0) {
        err = cn_error_set(CN_EVERIFY, "%s: sha256 %s does not match the node id %s", rreq.url,
                           digest, node_id);
        goto out;
    }
    if ((err = cn_tuf_client_new(&client, rreq.body, rreq.len, time(NULL))) != 0) {
        err = cn_error_wrap(CN_EVERIFY, "%s", rreq.url);
        goto out;
    }
    if ((err = make_alias(alias, db, name, node_id)) != 0)
        goto out;
    if ((dir = cn_path_join(opts->mirrors_dir, node_id)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    existed = cn_dir_exists(dir);
    if ((err = pin(opts->mirrors_dir, node_id, &rreq, &preq)) != 0)
        goto out;
    snprintf(added, sizeof(added), "%lld", (long long)time(NULL));
    params[0] = node_id;
    params[1] = alias;
    params[2] = name ? name : alias;
    params[3] = base;
    params[4] = cn_peer_policy_name(opts->policy);
    params[5] = opts->via;
    params[6] = added;
    if ((err = exec_text(db,
                         "INSERT INTO peers (node_id, alias, name, url, policy, via, added)"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, CAST(?7 AS INTEGER))",
                         params, 7)) != 0) {
        if (!existed)
            cn_rmtree(dir);
        goto out;
    }
    if (out && (err = cn_peers_get(out, db, node_id)) != 0)
        goto out;
out:
    free((char *)preq.url);
    free((char *)rreq.url);
    cn_http_request_clear(&preq);
    cn_http_request_clear(&rreq);
    cn_http_free(http);
    cn_tuf_client_free(client);
    free(base);
    free(name);
    free(added_s);
    free(dir);
    return err;
}
