/*
 * discovery.c - peers.json and network.json documents, and the networks this
 * node trusts (docs/PROTOCOL.md §10).
 *
 * Table (state.db, next to peers.c's):
 *   network_trust  one row per trusted coordinator: the policy its members
 *                  get, and the sha256 of the last network.json whose members
 *                  were all handled (so an unchanged document costs nothing
 *                  after a sync round, and a member the user removed is not
 *                  added back until the coordinator changes its list)
 */
#include "peers/discovery.h"
#include "core/error.h"
#include "core/json.h"
#include "core/tuf.h"
#include "peers/mirror.h"
#include "schemas/manifest.h"
#include "schemas/schema.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define NETWORK_SCHEMA "network.schema.json"
#define NETWORK_TARGET "network.json"

/* A heap copy of s with control characters replaced by '?', so a name from
 * another node cannot drive the terminal. */
static char *dup_printable(const char *s)
{
    char *d = strdup(s), *p;

    for (p = d; p && *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return d;
}

/* An http(s) URL of at most CN_DISCOVERY_URL_MAX bytes with no whitespace or
 * control characters. */
static int url_ok(const char *url)
{
    size_t i, n = strnlen(url, CN_DISCOVERY_URL_MAX + 1);

    if (n > CN_DISCOVERY_URL_MAX ||
        (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0))
        return 0;
    for (i = 0; i < n; i++)
        if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f)
            return 0;
    return n > 8;
}

/* ---- peers.json ---------------------------------------------------------- */

void cn_peers_doc_free(cn_peers_doc_entry *entries, size_t n)
{
    size_t i;

    for (i = 0; entries && i < n; i++) {
        free(entries[i].name);
        free(entries[i].url);
    }
    free(entries);
}

static int peers_entry(cn_peers_doc_entry *e, const json_t *o, const char *what, size_t i)
{
    const char *node = json_string_value(json_object_get(o, "node"));
    const char *url = json_string_value(json_object_get(o, "url"));
    const json_t *name = json_object_get(o, "name"), *policy = json_object_get(o, "policy");

    if (!json_is_object(o) || node == NULL || !cn_peer_is_node_id(node))
        return cn_error_set(CN_EINVAL, "%s: peers[%zu].node must be a node id (64 hex digits)",
                            what, i);
    if (url == NULL || !url_ok(url))
        return cn_error_set(CN_EINVAL, "%s: peers[%zu].url must be an http(s) URL", what, i);
    if (name != NULL && !json_is_null(name) &&
        (!json_is_string(name) || json_string_length(name) > CN_DISCOVERY_NAME_MAX))
        return cn_error_set(CN_EINVAL, "%s: peers[%zu].name must be a string of at most %d bytes",
                            what, i, CN_DISCOVERY_NAME_MAX);
    e->policy = CN_POLICY_MIRROR;
    if (policy != NULL && (!json_is_string(policy) ||
                           cn_peer_policy_parse(&e->policy, json_string_value(policy)) != 0))
        return cn_error_set(CN_EINVAL, "%s: peers[%zu].policy must be mirror, index or block", what,
                            i);
    memcpy(e->node_id, node, CN_PEER_ID_HEX + 1);
    if ((e->url = strdup(url)) == NULL ||
        (json_is_string(name) && (e->name = dup_printable(json_string_value(name))) == NULL))
        return cn_error_set(CN_ENOMEM, "out of memory");
    return 0;
}

int cn_peers_doc_parse(cn_peers_doc_entry **out, size_t *n, const void *data, size_t len,
                       const char *what)
{
    cn_peers_doc_entry *entries = NULL;
    const json_t *list;
    json_t *doc = NULL;
    size_t i, count = 0;
    int err;

    *out = NULL;
    *n = 0;
    if (len > CN_DISCOVERY_DOC_MAX)
        return cn_error_set(CN_ELIMIT, "%s: larger than %d bytes", what, CN_DISCOVERY_DOC_MAX);
    if ((err = cn_json_parse(&doc, data, len, CN_JSON_MAX_DEPTH, what)) != 0)
        return err;
    list = json_object_get(doc, "peers");
    if (!json_is_array(list)) {
        err = cn_error_set(CN_EINVAL, "%s: expected an object with a \"peers\" array", what);
        goto out;
    }
    if (json_array_size(list) > CN_DISCOVERY_MAX_ENTRIES) {
        err = cn_error_set(CN_ELIMIT, "%s: more than %d peers", what, CN_DISCOVERY_MAX_ENTRIES);
        goto out;
    }
    if (json_array_size(list) > 0 &&
        (entries = calloc(json_array_size(list), sizeof(*entries))) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < json_array_size(list); i++) {
        count = i + 1;
        if ((err = peers_entry(&entries[i], json_array_get(list, i), what, i)) != 0)
            goto out;
    }
    *out = entries;
    *n = count;
    entries = NULL;
    count = 0;
out:
    cn_peers_doc_free(entries, count);
    json_decref(doc);
    return err;
}

/* ---- network.json -------------------------------------------------------- */

int cn_network_doc_validate(const json_t *doc, cn_diagnostics *diags)
{
    const json_t *members = json_object_get(doc, "members");
    cn_schema *schema = NULL;
    size_t i, j;
    int err;

    if ((err = cn_schema_embedded(&schema, NETWORK_SCHEMA)) != 0)
        return err;
    err = cn_schema_validate(schema, doc, diags);
    cn_schema_free(schema);
    if (err != 0)
        return err;
    /* What JSON Schema cannot say: member ids are unique. */
    for (i = 0; i < json_array_size(members); i++) {
        const char *id = json_string_value(json_object_get(json_array_get(members, i), "node"));
        for (j = 0; j < i; j++) {
            const char *other =
                json_string_value(json_object_get(json_array_get(members, j), "node"));
            char path[64];
            if (strcmp(id, other) != 0)
                continue;
            snprintf(path, sizeof(path), "members[%zu].node", i);
            if (diags &&
                cn_diagnostics_add(diags, NULL, 0, 0, path, 0,
                                   "node %.12s is listed twice (also members[%zu])", id, j) != 0)
                return CN_ENOMEM;
            err = CN_EINVAL;
            break;
        }
    }
    return err;
}

void cn_network_doc_free(cn_network_doc *doc)
{
    size_t i;

    if (doc == NULL)
        return;
    for (i = 0; i < doc->nmembers; i++) {
        free(doc->members[i].name);
        free(doc->members[i].url);
    }
    free(doc->members);
    free(doc->network);
    free(doc->description);
    free(doc);
}

/* Fill d from a document that passed cn_network_doc_validate. */
static int network_fill(cn_network_doc *d, const json_t *doc)
{
    const json_t *members = json_object_get(doc, "members"), *m;
    const char *description = json_string_value(json_object_get(doc, "description"));
    size_t i;

    if ((d->network = dup_printable(json_string_value(json_object_get(doc, "network")))) == NULL ||
        (description && (d->description = dup_printable(description)) == NULL))
        return cn_error_set(CN_ENOMEM, "out of memory");
    if (json_array_size(members) > 0 &&
        (d->members = calloc(json_array_size(members), sizeof(*d->members))) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    json_array_foreach(members, i, m)
    {
        cn_network_member *e = &d->members[i];
        d->nmembers = i + 1;
        memcpy(e->node_id, json_string_value(json_object_get(m, "node")), CN_PEER_ID_HEX + 1);
        if ((e->name = dup_printable(json_string_value(json_object_get(m, "name")))) == NULL ||
            (e->url = strdup(json_string_value(json_object_get(m, "url")))) == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        if (!url_ok(e->url))
            return cn_error_set(CN_EINVAL, "members[%zu].url: not a usable http(s) URL", i);
    }
    return 0;
}

int cn_network_doc_parse(cn_network_doc **out, const void *data, size_t len, const char *what)
{
    cn_diagnostics diags = CN_DIAGNOSTICS_INIT;
    cn_network_doc *d = NULL;
    json_t *doc = NULL;
    int err;

    *out = NULL;
    if (len > CN_DISCOVERY_DOC_MAX)
        return cn_error_set(CN_ELIMIT, "%s: larger than %d bytes", what, CN_DISCOVERY_DOC_MAX);
    if ((err = cn_json_parse(&doc, data, len, CN_JSON_MAX_DEPTH, what)) != 0)
        return err;
    if ((err = cn_network_doc_validate(doc, &diags)) != 0) {
        if (err == CN_EINVAL && diags.count > 0)
            cn_error_set(CN_EINVAL, "%s: %s%s%s", what, diags.items[0].path,
                         diags.items[0].path[0] ? ": " : "", diags.items[0].message);
        goto out;
    }
    if ((d = calloc(1, sizeof(*d))) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = network_fill(d, doc)) != 0) {
        cn_error_wrap(err, "%s", what);
        goto out;
    }
    *out = d;
    d = NULL;
out:
    cn_network_doc_free(d);
    cn_diagnostics_free(&diags);
    json_decref(doc);
    return err;
}

/* ---- the network_trust table --------------------------------------------- */

static const char trust_schema[] = "CREATE TABLE IF NOT EXISTS network_trust ("
                                   " coordinator TEXT PRIMARY KEY NOT NULL,"
                                   " policy TEXT NOT NULL,"
                                   " added INTEGER NOT NULL,"
                                   " applied_sha256 TEXT);";

static int db_error(sqlite3 *db, const char *what)
{
    return cn_error_set(CN_ERROR, "state.db: %s: %s", what, sqlite3_errmsg(db));
}

/* Prepare sql after making sure the table exists. */
static int prepare(sqlite3_stmt **st, cn_peers *peers, const char *sql)
{
    sqlite3 *db = cn_peers_sqlite(peers);
    char *msg = NULL;
    int err = 0;

    *st = NULL;
    if (sqlite3_exec(db, trust_schema, NULL, NULL, &msg) != SQLITE_OK) {
        err = cn_error_set(CN_ERROR, "state.db: network_trust: %s", msg ? msg : "cannot create");
        sqlite3_free(msg);
        return err;
    }
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
        return db_error(db, "network_trust");
    return 0;
}

int cn_network_trust_set(cn_peers *db, const char *coordinator, cn_peer_policy policy)
{
    sqlite3_stmt *st = NULL;
    int err;

    if (!cn_peer_is_node_id(coordinator))
        return cn_error_set(CN_EINVAL, "'%s' is not a full node id", coordinator);
    if ((err = prepare(&st, db,
                       "INSERT INTO network_trust (coordinator, policy, added, applied_sha256)"
                       " VALUES (?1, ?2, ?3, NULL) ON CONFLICT (coordinator) DO UPDATE"
                       " SET policy = excluded.policy, applied_sha256 = NULL")) != 0)
        return err;
    sqlite3_bind_text(st, 1, coordinator, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, cn_peer_policy_name(policy), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
    if (sqlite3_step(st) != SQLITE_DONE)
        err = db_error(cn_peers_sqlite(db), "trusting a network");
    sqlite3_finalize(st);
    return err;
}

void cn_network_trust_list_free(cn_network_trust *list, size_t n)
{
    size_t i;

    for (i = 0; list && i < n; i++)
        free(list[i].applied_sha256);
    free(list);
}

static int row_to_trust(cn_network_trust *t, sqlite3_stmt *st)
{
    const char *id = (const char *)sqlite3_column_text(st, 0);
    const char *policy = (const char *)sqlite3_column_text(st, 1);
    const char *applied = (const char *)sqlite3_column_text(st, 3);

    memset(t, 0, sizeof(*t));
    snprintf(t->coordinator, sizeof(t->coordinator), "%s", id ? id : "");
    t->policy = CN_POLICY_MIRROR;
    if (policy == NULL || cn_peer_policy_parse(&t->policy, policy) != 0)
        cn_error_clear();
    t->added = sqlite3_column_int64(st, 2);
    if (applied && (t->applied_sha256 = strdup(applied)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    return 0;
}

int cn_network_trust_list(cn_network_trust **out, size_t *n, cn_peers *db)
{
    cn_network_trust *list = NULL, *grown;
    sqlite3_stmt *st = NULL;
    size_t count = 0;
    int err, rc;

    *out = NULL;
    *n = 0;
    if ((err = prepare(&st, db,
                       "SELECT coordinator, policy, added, applied_sha256 FROM network_trust"
                       " ORDER BY coordinator")) != 0)
        return err;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((grown = realloc(list, (count + 1) * sizeof(*list))) == NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
        list = grown;
        count++;
        if ((err = row_to_trust(&list[count - 1], st)) != 0)
            goto out;
    }
    if (rc != SQLITE_DONE) {
        err = db_error(cn_peers_sqlite(db), "reading trusted networks");
        goto out;
    }
    *out = list;
    *n = count;
    list = NULL;
    count = 0;
out:
    sqlite3_finalize(st);
    cn_network_trust_list_free(list, count);
    return err;
}

static int trust_get(cn_network_trust *out, cn_peers *db, const char *coordinator)
{
    sqlite3_stmt *st = NULL;
    int err, rc;

    if ((err = prepare(&st, db,
                       "SELECT coordinator, policy, added, applied_sha256 FROM network_trust"
                       " WHERE coordinator = ?1")) != 0)
        return err;
    sqlite3_bind_text(st, 1, coordinator, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        err = row_to_trust(out, st);
    else if (rc == SQLITE_DONE)
        err = cn_error_set(CN_ENOTFOUND, "node %.12s is not a trusted network coordinator",
                           coordinator);
    else
        err = db_error(cn_peers_sqlite(db), "reading trusted networks");
    sqlite3_finalize(st);
    return err;
}

static int trust_set_applied(cn_peers *db, const char *coordinator, const char *sha256)
{
    sqlite3_stmt *st = NULL;
    int err;

    if ((err = prepare(&st, db,
                       "UPDATE network_trust SET applied_sha256 = ?2 WHERE coordinator = ?1")) != 0)
        return err;
    sqlite3_bind_text(st, 1, coordinator, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, sha256, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        err = db_error(cn_peers_sqlite(db), "recording a handled network document");
    sqlite3_finalize(st);
    return err;
}

/* ---- applying a trusted network ------------------------------------------- */

void cn_network_apply_result_clear(cn_network_apply_result *r)
{
    size_t i;

    if (r == NULL)
        return;
    for (i = 0; i < r->nmembers; i++) {
        free(r->members[i].name);
        free(r->members[i].url);
        free(r->members[i].error);
    }
    free(r->members);
    free(r->network);
    memset(r, 0, sizeof(*r));
}

/* CN_EVERIFY over CN_ENET over anything else. */
static int more_severe(int a, int b)
{
    if (a == CN_EVERIFY || b == CN_EVERIFY)
        return CN_EVERIFY;
    if (a == CN_ENET || b == CN_ENET)
        return CN_ENET;
    return a ? a : b;
}

static int add_member(cn_network_member_result *r, cn_peers *db, const cn_network_member *m,
                      const cn_network_trust *trust, const cn_network_apply_options *opts)
{
    cn_peer_add_options add = CN_PEER_ADD_OPTIONS_INIT;
    cn_peer known;
    char via[16 + CN_PEER_ID_HEX];
    int err;

    memcpy(r->node_id, m->node_id, sizeof(r->node_id));
    if ((r->name = strdup(m->name)) == NULL || (r->url = strdup(m->url)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if (strcmp(m->node_id, opts->self_id) == 0) {
        r->outcome = CN_MEMBER_SELF;
        return 0;
    }
    err = cn_peers_get(&known, db, m->node_id);
    if (err == 0) {
        cn_peer_clear(&known);
        r->outcome = CN_MEMBER_KNOWN;
        return 0;
    }
    if (err != CN_ENOTFOUND)
        return err;
    cn_error_clear();
    snprintf(via, sizeof(via), "network:%s", trust->coordinator);
    add.url = m->url;
    add.policy = trust->policy;
    add.expect = m->node_id;
    add.via = via;
    add.mirrors_dir = opts->mirrors_dir;
    add.self_id = opts->self_id;
    add.connect_timeout_s = opts->connect_timeout_s;
    add.timeout_s = opts->timeout_s;
    err = cn_peers_add(NULL, db, &add);
    if (err == 0) {
        r->outcome = CN_MEMBER_ADDED;
        return 0;
    }
    if (err == CN_EEXISTS) {
        cn_error_clear();
        r->outcome = CN_MEMBER_KNOWN;
        return 0;
    }
    r->outcome = err == CN_EVERIFY ? CN_MEMBER_REFUSED : CN_MEMBER_FAILED;
    r->err = err;
    if ((r->error = strdup(cn_error_message())) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    cn_error_clear();
    return 0;
}

int cn_network_apply(cn_network_apply_result *out, cn_peers *db, const char *coordinator,
                     const cn_network_apply_options *opts)
{
    const cn_tuf_target_info *info;
    cn_network_trust trust = {0};
    cn_tuf_client *client = NULL;
    cn_network_doc *doc = NULL;
    unsigned char *data = NULL;
    size_t len, i;
    int err, worst = 0, transient = 0;

    memset(out, 0, sizeof(*out));
    snprintf(out->coordinator, sizeof(out->coordinator), "%s", coordinator);
    if (opts == NULL || opts->version != CN_NETWORK_APPLY_OPTIONS_VERSION ||
        opts->mirrors_dir == NULL || opts->self_id == NULL)
        return cn_error_set(CN_EINVAL, "cn_network_apply: bad options");
    if ((err = trust_get(&trust, db, coordinator)) != 0)
        return err;
    if ((err = cn_mirror_load(&client, opts->mirrors_dir, coordinator)) != 0) {
        cn_error_wrap(err, "network coordinator %.12s", coordinator);
        goto out;
    }
    if (cn_tuf_client_get_target_info(&info, client, NETWORK_TARGET) != 0) {
        err = cn_error_set(CN_ENOTFOUND,
                           "node %.12s has not published network.json (or was not synced yet)",
                           coordinator);
        goto out;
    }
    if (!opts->force && trust.applied_sha256 && strcmp(trust.applied_sha256, info->sha256) == 0) {
        out->unchanged = 1;
        goto out;
    }
    if (info->length > CN_DISCOVERY_DOC_MAX) {
        /* Refused before it is read, in the words cn_network_doc_parse uses. */
        cn_error_set(CN_ELIMIT, "%s: larger than %d bytes", NETWORK_TARGET, CN_DISCOVERY_DOC_MAX);
        err = cn_error_wrap(CN_ELIMIT, "network coordinator %.12s", coordinator);
        goto out;
    }
    if ((err = cn_mirror_read_target(&data, &len, opts->mirrors_dir, coordinator, client,
                                     NETWORK_TARGET)) != 0)
        goto out;
    if ((err = cn_network_doc_parse(&doc, data, len, NETWORK_TARGET)) != 0) {
        cn_error_wrap(err, "network coordinator %.12s", coordinator);
        goto out;
    }
    if ((out->network = strdup(doc->network)) == NULL ||
        (doc->nmembers > 0 &&
         (out->members = calloc(doc->nmembers, sizeof(*out->members))) == NULL)) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < doc->nmembers; i++) {
        cn_network_member_result *r = &out->members[i];
        out->nmembers = i + 1;
        if ((err = add_member(r, db, &doc->members[i], &trust, opts)) != 0)
            goto out;
        worst = more_severe(worst, r->err);
        transient |= r->outcome == CN_MEMBER_FAILED;
    }
    /* A refused member stays refused for this document; an unreachable one
     * is tried again after the next round. */
    if (!transient && (err = trust_set_applied(db, coordinator, info->sha256)) != 0)
        goto out;
    err = worst;
    if (err != 0)
        cn_error_set(err, "network %s: %s", out->network,
                     err == CN_EVERIFY ? "a member's root does not hash to its listed id"
                                       : "a member could not be added");
out:
    free(data);
    cn_network_doc_free(doc);
    cn_tuf_client_free(client);
    free(trust.applied_sha256);
    return err;
}
