/*
 * ingest.c - what the node tells the registry: nodes, item versions,
 * attestations, withdrawals, and the mark-and-sweep of a full listing.
 *
 * Every public function here is one unit of work (cn_reg_write_begin/end):
 * it either changes everything it set out to or nothing. The derived state
 * of an item (its row in reg_items, facets, FTS row, isBasedOn edges and the
 * replication counts it touches) is recomputed from its versions by
 * refresh_item whenever any of them changes.
 */
#include "core/error.h"
#include "core/name.h"
#include "core/semver.h"
#include "registry/internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MANIFEST_MAX    (1024 * 1024)
#define SIGNERS_MAX     16
#define ATTESTATION_MAX 200 /* bytes of an attestation id */

/* ---- small helpers ---- */

typedef struct {
    int64_t *v;
    size_t n, cap;
} id_list;

static int ids_add(id_list *l, int64_t id)
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
static int ids_collect(id_list *l, cn_registry *reg, sqlite3_stmt *st)
{
    int rc, err = 0;

    while (err == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
        err = ids_add(l, sqlite3_column_int64(st, 0));
    if (err == 0 && rc != SQLITE_DONE)
        err = cn_reg_sqlite_error(reg, "reading items");
    sqlite3_reset(st);
    return err;
}

/* Step a bound write statement to completion. */
static int step_done(cn_registry *reg, sqlite3_stmt *st, const char *what)
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

static char *json_text(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

/* ---- derived state ---- */

static int recount(cn_registry *reg, int64_t item_id)
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
    return step_done(reg, st, "counting replications");
}

static int recount_all(cn_registry *reg, const id_list *l)
{
    size_t i;
    int err;

    for (i = 0; i < l->n; i++)
        if ((err = recount(reg, l->v[i])) != 0)
            return err;
    return 0;
}

static int based_on_targets(id_list *l, cn_registry *reg, int64_t item_id)
{
    sqlite3_stmt *st = cn_reg_stmt(reg, ST_BASED_ON_TARGETS);

    if (st == NULL)
        return CN_ERROR;
    sqlite3_bind_int64(st, 1, item_id);
    return ids_collect(l, reg, st);
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
        if (v == NULL || cn_semver_check(v) != 0)
            continue;
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
    cn_error_clear();
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
    int rc;

    if (st == NULL)
        return CN_ERROR;
    sqlite3_bind_text(st, 1, facet, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        return 0;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return cn_reg_sqlite_error(reg, "reading facet values");
    if ((st = cn_reg_stmt(reg, ST_FACET_VALUE_INSERT)) == NULL)
        return CN_ERROR;
    sqlite3_bind_text(st, 1, facet, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    if (step_done(reg, st, "adding a facet value") != 0)
        return CN_ERROR;
    *out = sqlite3_last_insert_rowid(reg->db);
    return 0;
}

static int write_facets(cn_registry *reg, int64_t item_id, const json_t *facets)
{
    sqlite3_stmt *st = cn_reg_stmt(reg, ST_ITEM_FACETS_DELETE);
    json_t *pair;
    size_t i;
    int err;

    if (st == NULL)
        return CN_ERROR;
    sqlite3_bind_int64(st, 1, item_id);
    if ((err = step_done(reg, st, "writing facets")) != 0)
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
        if ((err = step_done(reg, st, "writing facets")) != 0)
            return err;
    }
    return 0;
}

static int write_fts(int64_t *doclen, cn_registry *reg, int64_t item_id, const cn_reg_extract *x)
{
    const cn_buf *cols[3] = {&x->fts_title, &x->fts_description, &x->fts_keywords};
    sqlite3_stmt *st = cn_reg_stmt(reg, ST_FTS_DELETE);
    size_t i;
    int err;

    if (st == NULL)
        return CN_ERROR;
    sqlite3_bind_int64(st, 1, item_id);
    if ((err = step_done(reg, st, "updating the search index")) != 0)
        return err;
    if ((st = cn_reg_stmt(reg, ST_FTS_INSERT)) == NULL)
        return CN_ERROR;
    sqlite3_bind_int64(st, 1, item_id);
    for (i = 0; i < 3; i++)
        sqlite3_bind_text(st, (int)i + 2, cols[i]->data ? (const char *)cols[i]->data : "",
                          (int)cols[i]->len, SQLITE_STATIC);
    if ((err = step_done(reg, st, "updating the search index")) != 0)
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
    sqlite3_stmt *st = cn_reg_stmt(reg, ST_BASED_ON_DELETE);
    json_t *e;
    size_t i;
    int err, k;

    if (st == NULL)
        return CN_ERROR;
    sqlite3_bind_int64(st, 1, item_id);
    if ((err = step_done(reg, st, "writing isBasedOn")) != 0)
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
        if ((err = step_done(reg, st, "writing isBasedOn")) != 0)
            return err;
    }
    return 0;
}

/* Recompute everything derived from an item's versions (see the top). */
static int refresh_item(cn_registry *reg, int64_t item_id)
{
    sqlite3_stmt *st;
    cn_reg_node_fields node = {NULL, NULL, NULL};
    cn_reg_extract x;
    latest_version latest;
    json_t *manifest = NULL, *programmes = NULL;
    char *name = NULL, *country = NULL, *item = NULL, *kind = NULL;
    id_list targets = {NULL, 0, 0};
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
    if ((err = step_done(reg, st, "updating an item")) != 0 || (err = recount(reg, item_id)) != 0)
        goto out;
    err = recount_all(reg, &targets);
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

/* ---- nodes ---- */

const char *cn_registry_source_name(cn_registry_source source)
{
    switch (source) {
    case CN_REGISTRY_SELF:
        return "self";
    case CN_REGISTRY_MIRROR:
        return "mirror";
    case CN_REGISTRY_INDEX:
        return "index";
    }
    return "unknown";
}

/* A short string field of a profile, or NULL; CN_EINVAL when present but
 * not a string or too long. */
static int profile_string(const char **out, const json_t *profile, const char *key, size_t max)
{
    const json_t *v = json_object_get(profile, key);

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_string(v) || json_string_length(v) > max)
        return cn_error_set(CN_EINVAL, "node.json: %s: expected a string of at most %zu bytes", key,
                            max);
    *out = json_string_value(v);
    return 0;
}

/* The programmes of a profile as stored: a JSON array of the strings
 * (at most 32, each at most 200 bytes). */
static char *programmes_text(const json_t *progs)
{
    json_t *list = json_array(), *e;
    char *text;
    size_t i;

    if (list == NULL)
        return NULL;
    json_array_foreach(progs, i, e)
    {
        if (json_array_size(list) < 32 && json_is_string(e) && json_string_length(e) <= 200)
            json_array_append(list, e);
    }
    text = json_text(list);
    json_decref(list);
    return text;
}

static int same_text(const unsigned char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == NULL && b == NULL;
    return strcmp((const char *)a, b) == 0;
}

int cn_registry_put_node(cn_registry *reg, const cn_registry_node_info *info)
{
    const char *name, *url, *country, *code;
    const json_t *progs;
    char *programmes = NULL, *profile = NULL;
    sqlite3_stmt *st;
    id_list items = {NULL, 0, 0};
    int64_t node_rowid = 0;
    int err, rc, exists = 0, changed = 0;
    size_t i;

    if ((err = cn_reg_check_node_id(info->node_id, "node")) != 0)
        return err;
    if (info->profile != NULL && !json_is_object(info->profile))
        return cn_error_set(CN_EINVAL, "node.json: expected an object");
    if ((err = profile_string(&name, info->profile, "name", 200)) != 0 ||
        (err = profile_string(&url, info->profile, "url", 2048)) != 0 ||
        (err = profile_string(&country, info->profile, "country", 8)) != 0 ||
        (err = profile_string(&code, info->profile, "code", 64)) != 0)
        return err;
    if (info->name)
        name = info->name;
    if (info->url)
        url = info->url;
    if (name == NULL || *name == '\0' || strlen(name) > 200)
        return cn_error_set(CN_EINVAL, "node %.12s: a name of 1 to 200 bytes is required",
                            info->node_id);
    progs = json_object_get(info->profile, "programmes");
    if (progs && !json_is_array(progs))
        return cn_error_set(CN_EINVAL, "node.json: programmes: expected a list");
    programmes = programmes_text(progs);
    profile = info->profile ? json_text(info->profile) : NULL;
    if (programmes == NULL || (info->profile && profile == NULL)) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto done;
    }

    if ((err = cn_reg_write_begin(reg)) != 0)
        goto done;
    if ((st = cn_reg_stmt(reg, ST_NODE_BY_ID)) == NULL) {
        err = CN_ERROR;
        goto out;
    }
    sqlite3_bind_text(st, 1, info->node_id, -1, SQLITE_STATIC);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        exists = 1;
        node_rowid = sqlite3_column_int64(st, 0);
        changed = !same_text(sqlite3_column_text(st, 1), name) ||
                  !same_text(sqlite3_column_text(st, 2), country) ||
                  !same_text(sqlite3_column_text(st, 3), programmes);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        err = cn_reg_sqlite_error(reg, "reading a node");
        goto out;
    }
    if ((st = cn_reg_stmt(reg, exists ? ST_NODE_UPDATE : ST_NODE_INSERT)) == NULL) {
        err = CN_ERROR;
        goto out;
    }
    sqlite3_bind_text(st, 1, info->node_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    if (url)
        sqlite3_bind_text(st, 3, url, -1, SQLITE_STATIC);
    if (country)
        sqlite3_bind_text(st, 4, country, -1, SQLITE_STATIC);
    if (code)
        sqlite3_bind_text(st, 5, code, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, programmes, -1, SQLITE_STATIC);
    if (profile)
        sqlite3_bind_text(st, 7, profile, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, cn_registry_source_name(info->source), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, info->verified_at);
    sqlite3_bind_int64(st, 10, (int64_t)time(NULL));
    if ((err = step_done(reg, st, "writing a node")) != 0 || !changed)
        goto out;
    /* Name, country and programmes are facets and search text of every
     * item of the node. */
    if ((st = cn_reg_stmt(reg, ST_NODE_ITEMS)) == NULL) {
        err = CN_ERROR;
        goto out;
    }
    sqlite3_bind_int64(st, 1, node_rowid);
    if ((err = ids_collect(&items, reg, st)) != 0)
        goto out;
    for (i = 0; i < items.n && err == 0; i++)
        err = refresh_item(reg, items.v[i]);
out:
    err = cn_reg_write_end(reg, err);
done:
    free(items.v);
    free(programmes);
    free(profile);
    return err;
}

/* ---- versions ---- */

/* A string member that must agree with expected when present. */
static int check_agrees(const json_t *obj, const char *key, const char *expected, const char *where)
{
    const json_t *v = json_object_get(obj, key);

    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_string(v) || strcmp(json_string_value(v), expected) != 0)
        return cn_error_set(CN_EINVAL, "%s: %s: expected '%s'", where, key, expected);
    return 0;
}

static int signers_json(char **out, const cn_registry_version_info *info)
{
    json_t *list;
    size_t i, n;

    *out = NULL;
    if (info->nsigners > SIGNERS_MAX)
        return cn_error_set(CN_ELIMIT, "signers: at most %d", SIGNERS_MAX);
    if ((list = json_array()) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    for (i = 0; i < info->nsigners; i++) {
        const char *s = info->signers[i];
        if (s == NULL || (n = strlen(s)) == 0 || n > 128 || !cn_reg_is_hex(s, n)) {
            json_decref(list);
            return cn_error_set(CN_EINVAL, "signers: expected key ids in lowercase hex");
        }
        json_array_append_new(list, json_string(s));
    }
    *out = json_text(list);
    json_decref(list);
    return *out ? 0 : cn_error_set(CN_ENOMEM, "out of memory");
}

/* commit and tag of the target custom data, when they look like object ids. */
static const char *custom_oid(const json_t *custom, const char *key)
{
    const char *s = json_string_value(json_object_get(custom, key));
    size_t n = s ? strlen(s) : 0;

    return (n == 40 || n == 64) && cn_reg_is_hex(s, n) ? s : NULL;
}

/* The version a manifest names: "version", or a solution's semver
 * softwareVersion. */
static const char *manifest_version(const json_t *m)
{
    const char *v = json_string_value(json_object_get(m, "version"));

    if (v == NULL) {
        v = json_string_value(json_object_get(m, "softwareVersion"));
        if (v && cn_semver_check(v) != 0) {
            cn_error_clear();
            v = NULL;
        }
    }
    return v;
}

int cn_registry_put_version(cn_registry *reg, const cn_registry_version_info *info)
{
    const json_t *m = info->manifest, *custom = info->custom;
    const char *kind, *item, *version, *title;
    char *manifest = NULL, *custom_text = NULL, *signers = NULL;
    sqlite3_stmt *st;
    int64_t node_rowid, item_id = 0;
    int err, rc, found = 0;

    if ((err = cn_reg_check_node_id(info->node_id, "node")) != 0)
        return err;
    if (!json_is_object(m))
        return cn_error_set(CN_EINVAL, "manifest: expected an object");
    if (custom != NULL && !json_is_object(custom))
        return cn_error_set(CN_EINVAL, "custom: expected an object");
    if ((kind = cn_reg_manifest_kind(m)) == NULL)
        return cn_error_set(CN_EINVAL, "manifest: kind: expected solution, dataset or strategy "
                                       "(or a publiccode.yml)");
    item = info->item ? info->item : json_string_value(json_object_get(m, "id"));
    version = info->item_version ? info->item_version : manifest_version(m);
    if (item == NULL)
        return cn_error_set(CN_EINVAL, "manifest: id: missing, and no item id was given");
    if ((err = cn_name_check_slug(item)) != 0)
        return cn_error_wrap(err, "item");
    if (version == NULL)
        return cn_error_set(CN_EINVAL, "manifest: version: missing, and no version was given");
    if ((err = cn_semver_check(version)) != 0)
        return cn_error_wrap(err, "version");
    if ((err = check_agrees(m, "id", item, "manifest")) != 0 ||
        (err = check_agrees(m, "version", version, "manifest")) != 0 ||
        (err = check_agrees(custom, "kind", kind, "custom")) != 0 ||
        (err = check_agrees(custom, "item", item, "custom")) != 0 ||
        (err = check_agrees(custom, "version", version, "custom")) != 0)
        return err;
    title = json_string_value(json_object_get(m, strcmp(kind, "solution") ? "title" : "name"));
    if ((err = signers_json(&signers, info)) != 0)
        return err;
    manifest = json_text(m);
    custom_text = custom ? json_text(custom) : NULL;
    if (manifest == NULL || (custom && custom_text == NULL)) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto done;
    }
    if (strlen(manifest) > MANIFEST_MAX) {
        err = cn_error_set(CN_ELIMIT, "manifest of %s@%s: larger than %d bytes", item, version,
                           MANIFEST_MAX);
        goto done;
    }

    if ((err = cn_reg_write_begin(reg)) != 0)
        goto done;
    if ((st = cn_reg_stmt(reg, ST_NODE_BY_ID)) == NULL) {
        err = CN_ERROR;
        goto out;
    }
    sqlite3_bind_text(st, 1, info->node_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    node_rowid = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW) {
        err = rc == SQLITE_DONE ? cn_error_set(CN_ENOTFOUND,
                                               "node %.12s is not in the registry; put the node "
                                               "before its items",
                                               info->node_id)
                                : cn_reg_sqlite_error(reg, "reading a node");
        goto out;
    }
    if ((st = cn_reg_stmt(reg, ST_ITEM_KIND)) == NULL) {
        err = CN_ERROR;
        goto out;
    }
    sqlite3_bind_int64(st, 1, node_rowid);
    sqlite3_bind_text(st, 2, item, -1, SQLITE_STATIC);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        found = 1;
        item_id = sqlite3_column_int64(st, 0);
        if (strcmp((const char *)sqlite3_column_text(st, 1), kind) != 0)
            err = cn_error_set(CN_EINVAL, "item %s is a %s; version %s says %s", item,
                               (const char *)sqlite3_column_text(st, 1), version, kind);
    } else if (rc != SQLITE_DONE) {
        err = cn_reg_sqlite_error(reg, "reading an item");
    }
    sqlite3_reset(st);
    if (err != 0)
        goto out;
    if (!found) {
        if ((st = cn_reg_stmt(reg, ST_ITEM_INSERT)) == NULL) {
            err = CN_ERROR;
            goto out;
        }
        sqlite3_bind_int64(st, 1, node_rowid);
        sqlite3_bind_text(st, 2, item, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
        if ((err = step_done(reg, st, "adding an item")) != 0)
            goto out;
        item_id = sqlite3_last_insert_rowid(reg->db);
    }
    if ((st = cn_reg_stmt(reg, ST_VERSION_UPSERT)) == NULL) {
        err = CN_ERROR;
        goto out;
    }
    sqlite3_bind_int64(st, 1, item_id);
    sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, title ? title : item, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, manifest, -1, SQLITE_STATIC);
    if (custom_text)
        sqlite3_bind_text(st, 5, custom_text, -1, SQLITE_STATIC);
    if (custom_oid(custom, "commit"))
        sqlite3_bind_text(st, 6, custom_oid(custom, "commit"), -1, SQLITE_STATIC);
    if (custom_oid(custom, "tag"))
        sqlite3_bind_text(st, 7, custom_oid(custom, "tag"), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, signers, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, info->published);
    sqlite3_bind_int64(st, 10, info->verified_at);
    if ((err = step_done(reg, st, "writing a version")) != 0)
        goto out;
    err = refresh_item(reg, item_id);
out:
    err = cn_reg_write_end(reg, err);
done:
    free(manifest);
    free(custom_text);
    free(signers);
    return err;
}

/* ---- attestations ---- */

static int check_attestation_id(const char *id)
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

/* Recount the item an attestation is about, if the registry knows it. */
static int recount_subject(cn_registry *reg, const char *node, const char *item)
{
    int64_t id;
    int err = cn_reg_item_id(&id, reg, node, item);

    if (err == CN_ENOTFOUND) {
        cn_error_clear();
        return 0;
    }
    return err ? err : recount(reg, id);
}

static int node_known(cn_registry *reg, const char *node_id)
{
    sqlite3_stmt *st = cn_reg_stmt(reg, ST_NODE_BY_ID);
    int rc;

    if (st == NULL)
        return CN_ERROR;
    sqlite3_bind_text(st, 1, node_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_DONE)
        return cn_error_set(CN_ENOTFOUND,
                            "node %.12s is not in the registry; put the node before what it "
                            "publishes",
                            node_id);
    return cn_reg_sqlite_error(reg, "reading a node");
}

int cn_registry_put_attestation(cn_registry *reg, const char *signed_by, const char *id,
                                const json_t *doc, int64_t verified_at)
{
    const json_t *subject = json_object_get(doc, "subject"), *as = json_object_get(doc, "as");
    const char *type = json_string_value(json_object_get(doc, "type"));
    const char *by = json_string_value(json_object_get(doc, "by"));
    const char *snode = json_string_value(json_object_get(subject, "node"));
    const char *sitem = json_string_value(json_object_get(subject, "item"));
    const char *sversion = json_string_value(json_object_get(subject, "version"));
    const char *date = json_string_value(json_object_get(doc, "date"));
    char *text = NULL;
    sqlite3_stmt *st;
    int err;

    if ((err = cn_reg_check_node_id(signed_by, "attestation signer")) != 0 ||
        (err = check_attestation_id(id)) != 0)
        return err;
    if (!json_is_object(doc))
        return cn_error_set(CN_EINVAL, "attestation %s: expected an object", id);
    if (type == NULL || strcmp(type, "replicates") != 0)
        return cn_error_set(CN_EINVAL, "attestation %s: type: expected 'replicates'", id);
    if (by == NULL || strcmp(by, signed_by) != 0)
        return cn_error_set(CN_EVERIFY,
                            "attestation %s: by: names %.12s, but %.12s signed it; a node can "
                            "only attest for itself",
                            id, by ? by : "nobody", signed_by);
    if (!json_is_object(subject))
        return cn_error_set(CN_EINVAL, "attestation %s: subject: expected an object", id);
    if ((err = cn_reg_check_node_id(snode, "attestation subject.node")) != 0)
        return err;
    if (sitem == NULL || cn_name_check_slug(sitem) != 0)
        return cn_error_set(CN_EINVAL, "attestation %s: subject.item: expected an item id", id);
    if (sversion == NULL || cn_semver_check(sversion) != 0)
        return cn_error_set(CN_EINVAL, "attestation %s: subject.version: expected a version", id);
    if (as && !json_is_null(as) &&
        (!json_is_string(as) || cn_name_check_slug(json_string_value(as)) != 0))
        return cn_error_set(CN_EINVAL, "attestation %s: as: expected an item id or null", id);
    if (date && strlen(date) > 64)
        return cn_error_set(CN_EINVAL, "attestation %s: date: too long", id);
    if ((text = json_text(doc)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if (strlen(text) > 64 * 1024) {
        free(text);
        return cn_error_set(CN_ELIMIT, "attestation %s: larger than 64 KiB", id);
    }

    if ((err = cn_reg_write_begin(reg)) != 0)
        goto done;
    if ((err = node_known(reg, signed_by)) != 0)
        goto out;
    if ((st = cn_reg_stmt(reg, ST_ATTESTATION_UPSERT)) == NULL) {
        err = CN_ERROR;
        goto out;
    }
    sqlite3_bind_text(st, 1, signed_by, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, snode, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, sitem, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, sversion, -1, SQLITE_STATIC);
    if (custom_oid(subject, "commit"))
        sqlite3_bind_text(st, 6, custom_oid(subject, "commit"), -1, SQLITE_STATIC);
    if (custom_oid(subject, "tag"))
        sqlite3_bind_text(st, 7, custom_oid(subject, "tag"), -1, SQLITE_STATIC);
    if (json_is_string(as))
        sqlite3_bind_text(st, 8, json_string_value(as), -1, SQLITE_STATIC);
    if (date)
        sqlite3_bind_text(st, 9, date, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 11, verified_at);
    if ((err = step_done(reg, st, "writing an attestation")) != 0)
        goto out;
    err = recount_subject(reg, snode, sitem);
out:
    err = cn_reg_write_end(reg, err);
done:
    free(text);
    return err;
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
    err = refresh_item(reg, item_id);
out:
    sqlite3_finalize(st);
    return cn_reg_write_end(reg, err);
}

/* Withdraw the live attestations of by_node that match cond (SQL that may
 * use ?2, bound to id) and recount their subjects; count grows by how many. */
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
            err = recount_subject(reg, json_string_value(json_array_get(e, 0)),
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

    if ((err = cn_reg_check_node_id(by_node, "node")) != 0 || (err = check_attestation_id(id)) != 0)
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
    if ((err = node_known(reg, node_id)) == 0 &&
        (err = exec_sql(reg,
                        "UPDATE reg_versions SET seen = 0 WHERE item IN (SELECT i.id FROM"
                        " reg_items i JOIN reg_nodes n ON n.id = i.node WHERE n.node_id = ?1)"
                        "",
                        "marking versions", node_id)) == 0)
        err = exec_sql(reg, "UPDATE reg_attestations SET seen = 0 WHERE by_node = ?1",
                       "marking attestations", node_id);
    return cn_reg_write_end(reg, err);
}

int cn_registry_sweep_node(cn_registry *reg, const char *node_id, int64_t at, size_t *withdrawn)
{
    sqlite3_stmt *st = NULL;
    id_list items = {NULL, 0, 0};
    size_t count = 0, i;
    int err, rc;

    if (withdrawn)
        *withdrawn = 0;
    if ((err = cn_reg_check_node_id(node_id, "node")) != 0 || (err = cn_reg_write_begin(reg)) != 0)
        return err;
    if ((err = node_known(reg, node_id)) != 0)
        goto out;
    if (sqlite3_prepare_v2(reg->db,
                           "UPDATE reg_versions SET withdrawn = 1, withdrawn_at = ?2,"
                           " withdrawn_reason = 'no longer in the signed targets'"
                           " WHERE seen = 0 AND withdrawn = 0 AND item IN (SELECT i.id FROM"
                           " reg_items i JOIN reg_nodes n ON n.id = i.node WHERE n.node_id = ?1)"
                           " RETURNING item",
                           -1, &st, NULL) != SQLITE_OK) {
        err = cn_reg_sqlite_error(reg, "sweeping versions");
        goto out;
    }
    sqlite3_bind_text(st, 1, node_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, at);
    while (err == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        count++;
        err = ids_add(&items, sqlite3_column_int64(st, 0));
    }
    if (err == 0 && rc != SQLITE_DONE)
        err = cn_reg_sqlite_error(reg, "sweeping versions");
    sqlite3_finalize(st);
    st = NULL;
    for (i = 0; err == 0 && i < items.n; i++)
        err = refresh_item(reg, items.v[i]);
    if (err == 0)
        err = withdraw_attestations(&count, reg, node_id, "seen = 0", NULL, at);
out:
    free(items.v);
    err = cn_reg_write_end(reg, err);
    if (err == 0 && withdrawn)
        *withdrawn = count;
    return err;
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
    id_list replicated = {NULL, 0, 0};
    size_t i;
    int err;

    if ((err = cn_reg_check_node_id(node_id, "node")) != 0 || (err = cn_reg_write_begin(reg)) != 0)
        return err;
    if ((err = node_known(reg, node_id)) != 0)
        goto out;
    for (i = 0; err == 0 && i < sizeof(deletes) / sizeof(deletes[0]); i++)
        err = exec_sql(reg, deletes[i], "removing a node", node_id);
    /* Whatever this node replicated counts one replication less. */
    if (err == 0 && sqlite3_prepare_v2(reg->db, "SELECT id FROM reg_items WHERE replications > 0",
                                       -1, &st, NULL) != SQLITE_OK)
        err = cn_reg_sqlite_error(reg, "removing a node");
    if (err == 0 && (err = ids_collect(&replicated, reg, st)) == 0)
        err = recount_all(reg, &replicated);
out:
    sqlite3_finalize(st);
    free(replicated.v);
    return cn_reg_write_end(reg, err);
}
