/*
 * browse.c - the documents of GET /api/v1/items/… and /api/v1/nodes…:
 * one item with a version in full, an item's versions, the
 * directory of nodes and one node.
 *
 * Each answer is read inside one read transaction, so it is consistent even
 * while another process commits a sync.
 */
#include "core/error.h"
#include "core/json.h"
#include "core/name.h"
#include "core/semver.h"
#include "registry/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared plumbing ---- */

#define NODE_REPLICATED_MAX 200 /* replications listed in a node's document */

static int prep(sqlite3_stmt **out, cn_registry *reg, const char *sql)
{
    if (sqlite3_prepare_v2(reg->db, sql, -1, out, NULL) != SQLITE_OK)
        return cn_reg_sqlite_error(reg, "reading the registry");
    return 0;
}

static const char *col_text(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

/* The item row of node_ref/item: ids, and the node's full id. */
typedef struct {
    char node_id[65];
    int64_t node_rowid;
    int64_t item_id;
} item_ref;

static int resolve_item(item_ref *out, cn_registry *reg, const char *node_ref, const char *item)
{
    int err;

    if ((err = cn_reg_resolve_node(out->node_id, &out->node_rowid, reg, node_ref)) != 0)
        return err;
    if (item == NULL || cn_name_check_slug(item) != 0)
        return cn_error_set(CN_EINVAL, "item: expected an item id ([a-z0-9][a-z0-9-]{0,62})");
    return cn_reg_item_id(&out->item_id, reg, out->node_id, item);
}

/* {"id", "name", "url", "country", "code", "programmes", "source",
 * "verified_at"} of a reg_nodes row read as columns first.. first+7. */
static json_t *node_brief(sqlite3_stmt *st, int first)
{
    json_t *o = json_object();

    if (cn_reg_set(o, "id", cn_reg_column_json_string(st, first)) != 0 ||
        cn_reg_set(o, "name", cn_reg_column_json_string(st, first + 1)) != 0 ||
        cn_reg_set(o, "url", cn_reg_column_json_string(st, first + 2)) != 0 ||
        cn_reg_set(o, "country", cn_reg_column_json_string(st, first + 3)) != 0 ||
        cn_reg_set(o, "code", cn_reg_column_json_string(st, first + 4)) != 0 ||
        cn_reg_set(o, "programmes", cn_reg_column_json(st, first + 5)) != 0 ||
        cn_reg_set(o, "source", cn_reg_column_json_string(st, first + 6)) != 0 ||
        cn_reg_set(o, "verified_at", cn_reg_time_json(sqlite3_column_int64(st, first + 7))) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

#define NODE_COLUMNS                                                                               \
    "n.node_id, n.name, n.url, n.country, n.code, n.programmes, n.source, n.verified_at"

static int version_cmp_desc(const void *a, const void *b)
{
    const char *va = json_string_value(json_object_get(*(json_t *const *)a, "version"));
    const char *vb = json_string_value(json_object_get(*(json_t *const *)b, "version"));

    return cn_semver_compare(vb, va);
}

/* One reg_versions row, full (with_manifest) or without the manifest. */
#define VERSION_COLUMNS                                                                            \
    "version, title, commit_id, tag_id, signers, published, verified_at, withdrawn,"               \
    " withdrawn_at, withdrawn_reason, custom, manifest, tree_id"

/* "swh:1:<type>:<id>" for a SHA-1 git object id in column col, JSON null
 * otherwise. SWHID v1's rev, rel and dir identifiers are the git object ids
 * of the commit, the annotated tag and the tree (sha1_git); a repository in
 * git's SHA-256 object format has no v1 identifiers. */
static json_t *swhid_json(sqlite3_stmt *st, int col, const char *type)
{
    const char *id = (const char *)sqlite3_column_text(st, col);
    char swhid[64];

    if (id == NULL || strlen(id) != 40 || !cn_hex_is_lower(id, 40))
        return json_null();
    snprintf(swhid, sizeof(swhid), "swh:1:%s:%s", type, id);
    return json_string(swhid);
}

/* {"rev", "rel", "dir"} of a version: every member present, null when not
 * known (docs/api.yaml, Swhids). */
static json_t *swhids_json(sqlite3_stmt *st)
{
    return json_pack("{s:o, s:o, s:o}", "rev", swhid_json(st, 2, "rev"), "rel",
                     swhid_json(st, 3, "rel"), "dir", swhid_json(st, 12, "dir"));
}

static json_t *version_json(sqlite3_stmt *st, int with_manifest)
{
    json_t *o = json_object();
    int withdrawn = sqlite3_column_int(st, 7);

    if (cn_reg_set(o, "version", cn_reg_column_json_string(st, 0)) != 0 ||
        cn_reg_set(o, "title", cn_reg_column_json_string(st, 1)) != 0 ||
        cn_reg_set(o, "commit", cn_reg_column_json_string(st, 2)) != 0 ||
        cn_reg_set(o, "tag", cn_reg_column_json_string(st, 3)) != 0 ||
        cn_reg_set(o, "tree", cn_reg_column_json_string(st, 12)) != 0 ||
        cn_reg_set(o, "swhids", swhids_json(st)) != 0 ||
        cn_reg_set(o, "signers", cn_reg_column_json(st, 4)) != 0 ||
        cn_reg_set(o, "published", cn_reg_time_json(sqlite3_column_int64(st, 5))) != 0 ||
        cn_reg_set(o, "verified_at", cn_reg_time_json(sqlite3_column_int64(st, 6))) != 0 ||
        cn_reg_set(o, "withdrawn", json_boolean(withdrawn)) != 0 ||
        (withdrawn &&
         (cn_reg_set(o, "withdrawn_at", cn_reg_time_json(sqlite3_column_int64(st, 8))) != 0 ||
          cn_reg_set(o, "withdrawn_reason", cn_reg_column_json_string(st, 9)) != 0)) ||
        (with_manifest && (cn_reg_set(o, "custom", cn_reg_column_json(st, 10)) != 0 ||
                           cn_reg_set(o, "manifest", cn_reg_column_json(st, 11)) != 0))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/*
 * Gather the rows sql (with the item id as ?1) reads into the new JSON
 * container into (NULL: out of memory), handing each row to add; *out gets
 * into when every row was added, else into is freed. what names the read in
 * a SQLite error.
 */
static int item_rows(json_t **out, json_t *into, cn_registry *reg, const char *sql, int64_t item_id,
                     int (*add)(json_t *into, sqlite3_stmt *st), const char *what)
{
    sqlite3_stmt *st = NULL;
    int rc, err;

    *out = NULL;
    if (into == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if ((err = prep(&st, reg, sql)) != 0)
        goto out;
    sqlite3_bind_int64(st, 1, item_id);
    while (err == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
        err = add(into, st);
    if (err == 0 && rc != SQLITE_DONE)
        err = cn_reg_sqlite_error(reg, what);
out:
    sqlite3_finalize(st);
    if (err == 0)
        *out = into;
    else
        json_decref(into);
    return err;
}

static int add_version(json_t *list, sqlite3_stmt *st)
{
    json_t *v = version_json(st, 0);

    if (v == NULL || json_array_append_new(list, v) != 0)
        return cn_error_set(CN_ENOMEM, "out of memory");
    return 0;
}

/* The versions of an item, newest first, without their manifests. */
static int all_versions(json_t **out, cn_registry *reg, int64_t item_id)
{
    int err = item_rows(out, json_array(), reg,
                        "SELECT " VERSION_COLUMNS " FROM reg_versions WHERE item = ?1", item_id,
                        add_version, "reading versions");

    if (err == 0 && (err = cn_json_array_sort(*out, version_cmp_desc)) != 0) {
        json_decref(*out);
        *out = NULL;
    }
    return err;
}

static int add_facet_value(json_t *o, sqlite3_stmt *st)
{
    const char *facet = col_text(st, 0);
    json_t *list = json_object_get(o, facet);

    if (list == NULL && json_object_set_new(o, facet, list = json_array()) != 0)
        return cn_error_set(CN_ENOMEM, "out of memory");
    json_array_append_new(list, cn_reg_column_json_string(st, 1));
    return 0;
}

/* {"kind": ["solution"], "theme": [...], ...} of one item. */
static int item_facets(json_t **out, cn_registry *reg, int64_t item_id)
{
    return item_rows(out, json_object(), reg,
                     "SELECT v.facet, v.value FROM reg_item_facets f JOIN reg_facet_values v"
                     " ON v.id = f.value WHERE f.item = ?1 ORDER BY v.facet, v.value",
                     item_id, add_facet_value, "reading facets");
}

static int add_based_on(json_t *list, sqlite3_stmt *st)
{
    json_array_append_new(list,
                          json_pack("{s:o, s:o, s:o}", "url", cn_reg_column_json_string(st, 0),
                                    "node", cn_reg_column_json_string(st, 1), "item",
                                    cn_reg_column_json_string(st, 2)));
    return 0;
}

/* [{"url", "node", "item"}] of an item's isBasedOn, resolved where the
 * registry can. */
static int item_based_on(json_t **out, cn_registry *reg, int64_t item_id)
{
    return item_rows(out, json_array(), reg,
                     "SELECT b.url, coalesce(b.ref_node, (SELECT n.node_id FROM reg_items i"
                     " JOIN reg_nodes n ON n.id = i.node WHERE i.url_key = b.url_key ORDER BY"
                     " i.id LIMIT 1)), coalesce(b.ref_item, (SELECT i.item FROM reg_items i"
                     " WHERE i.url_key = b.url_key ORDER BY i.id LIMIT 1))"
                     " FROM reg_based_on b WHERE b.item = ?1 ORDER BY b.url",
                     item_id, add_based_on, "reading isBasedOn");
}

/* ---- items ---- */

static int item_doc(json_t **out, cn_registry *reg, const char *node_ref, const char *item,
                    const char *version)
{
    sqlite3_stmt *st = NULL, *vst = NULL;
    item_ref ref;
    json_t *doc = NULL, *node = NULL, *shown = NULL, *versions = NULL, *facets = NULL,
           *based_on = NULL;
    char git[256];
    int err, rc;

    *out = NULL;
    if ((err = resolve_item(&ref, reg, node_ref, item)) != 0)
        return err;
    if ((err = prep(&st, reg,
                    "SELECT " NODE_COLUMNS ", i.kind, i.latest, i.title, i.description,"
                    " i.withdrawn, i.updated, i.replications FROM reg_items i JOIN reg_nodes n"
                    " ON n.id = i.node WHERE i.id = ?1")) != 0)
        goto out;
    sqlite3_bind_int64(st, 1, ref.item_id);
    if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
        err = cn_reg_sqlite_error(reg, "reading an item");
        goto out;
    }
    if (version == NULL)
        version = col_text(st, 9);
    if ((err = prep(&vst, reg,
                    "SELECT " VERSION_COLUMNS " FROM reg_versions WHERE item = ?1 AND "
                    "version = ?2")) != 0)
        goto out;
    sqlite3_bind_int64(vst, 1, ref.item_id);
    sqlite3_bind_text(vst, 2, version, -1, SQLITE_STATIC);
    if ((rc = sqlite3_step(vst)) != SQLITE_ROW) {
        err = rc == SQLITE_DONE
                  ? cn_error_set(CN_ENOTFOUND, "version %s of %.12s/%s is not in the registry",
                                 version, ref.node_id, item)
                  : cn_reg_sqlite_error(reg, "reading a version");
        goto out;
    }
    if ((node = node_brief(st, 0)) == NULL || (shown = version_json(vst, 1)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = all_versions(&versions, reg, ref.item_id)) != 0 ||
        (err = item_facets(&facets, reg, ref.item_id)) != 0 ||
        (err = item_based_on(&based_on, reg, ref.item_id)) != 0)
        goto out;
    snprintf(git, sizeof(git), "/git/%s/%s.git", ref.node_id, item);
    /* "git" does not apply to an index-only peer's item: absent, not null
     * (docs/api.yaml, "Null and absent"). */
    doc = json_pack("{s:O, s:s, s:o, s:o, s:o, s:o, s:b, s:o, s:I, s:O, s:O, s:O, s:O, s:o*}",
                    "node", node, "item", item, "kind", cn_reg_column_json_string(st, 8), "latest",
                    cn_reg_column_json_string(st, 9), "title", cn_reg_column_json_string(st, 10),
                    "description", cn_reg_column_json_string(st, 11), "withdrawn",
                    sqlite3_column_int(st, 12), "updated",
                    cn_reg_time_json(sqlite3_column_int64(st, 13)), "replications",
                    (json_int_t)sqlite3_column_int64(st, 14), "version", shown, "versions",
                    versions, "facets", facets, "based_on", based_on, "git",
                    strcmp(col_text(st, 6), "index") != 0 ? json_string(git) : NULL);
    if (doc == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
out:
    sqlite3_finalize(st);
    sqlite3_finalize(vst);
    json_decref(node);
    json_decref(shown);
    json_decref(versions);
    json_decref(facets);
    json_decref(based_on);
    if (err == 0)
        *out = doc;
    return err;
}

int cn_registry_item(json_t **out, cn_registry *reg, const char *node, const char *item,
                     const cn_registry_query *query)
{
    int err, began;

    *out = NULL;
    if ((err = cn_reg_query_check_allowed(query, 1u << CN_REGISTRY_PARAM_VERSION,
                                          "/api/v1/items")) != 0 ||
        (err = cn_reg_read_begin(reg, &began)) != 0)
        return err;
    err = item_doc(out, reg, node, item, query ? query->version : NULL);
    cn_reg_read_end(reg, began);
    return err;
}

int cn_registry_versions(json_t **out, cn_registry *reg, const char *node, const char *item)
{
    sqlite3_stmt *st = NULL;
    item_ref ref;
    json_t *versions = NULL;
    int err, began;

    *out = NULL;
    if ((err = cn_reg_read_begin(reg, &began)) != 0)
        return err;
    if ((err = resolve_item(&ref, reg, node, item)) != 0 ||
        (err = prep(&st, reg, "SELECT kind, latest, withdrawn FROM reg_items WHERE id = ?1")))
        goto out;
    sqlite3_bind_int64(st, 1, ref.item_id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        err = cn_reg_sqlite_error(reg, "reading an item");
        goto out;
    }
    if ((err = all_versions(&versions, reg, ref.item_id)) != 0)
        goto out;
    *out = json_pack("{s:s, s:s, s:o, s:o, s:b, s:O}", "node", ref.node_id, "item", item, "kind",
                     cn_reg_column_json_string(st, 0), "latest", cn_reg_column_json_string(st, 1),
                     "withdrawn", sqlite3_column_int(st, 2), "versions", versions);
    if (*out == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
out:
    sqlite3_finalize(st);
    json_decref(versions);
    cn_reg_read_end(reg, began);
    return err;
}

/* ---- nodes ---- */

#define NODE_COUNTS                                                                                \
    "coalesce(k.total, 0), coalesce(k.solutions, 0), coalesce(k.datasets, 0),"                     \
    " coalesce(k.strategies, 0), coalesce(k.withdrawn, 0)"
#define NODE_COUNTS_JOIN                                                                           \
    " LEFT JOIN (SELECT node, count(*) AS total, sum(kind = 'solution') AS solutions,"             \
    " sum(kind = 'dataset') AS datasets, sum(kind = 'strategy') AS strategies,"                    \
    " sum(withdrawn) AS withdrawn FROM reg_items GROUP BY node) k ON k.node = n.id"

/* "logo": where the registry serves the node's logo (column col holds
 * reg_nodes.logo), or null. */
static json_t *node_logo_url(sqlite3_stmt *st, int col)
{
    char url[128];

    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return json_null();
    snprintf(url, sizeof(url), "/download/%s/logo", (const char *)sqlite3_column_text(st, 0));
    return json_string(url);
}

/* A row of NODE_COLUMNS, NODE_COUNTS and n.logo. */
static json_t *node_entry(sqlite3_stmt *st)
{
    json_t *o = node_brief(st, 0);

    if (o != NULL && cn_reg_set(o, "logo", node_logo_url(st, 13)) != 0) {
        json_decref(o);
        return NULL;
    }

    if (o == NULL || cn_reg_set(o, "items",
                                json_pack("{s:I, s:I, s:I, s:I, s:I}", "total",
                                          (json_int_t)sqlite3_column_int64(st, 8), "solution",
                                          (json_int_t)sqlite3_column_int64(st, 9), "dataset",
                                          (json_int_t)sqlite3_column_int64(st, 10), "strategy",
                                          (json_int_t)sqlite3_column_int64(st, 11), "withdrawn",
                                          (json_int_t)sqlite3_column_int64(st, 12))) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The values of a filter as a JSON array text for json_each, or NULL. */
static char *filter_array(const cn_registry_query *q, cn_registry_facet f)
{
    json_t *list;
    char *text;
    size_t i;

    if (q == NULL || q->nfilters[f] == 0)
        return NULL;
    if ((list = json_array()) == NULL)
        return NULL;
    for (i = 0; i < q->nfilters[f]; i++)
        json_array_append_new(list, json_string(q->filters[f][i]));
    text = json_dumps(list, JSON_COMPACT);
    json_decref(list);
    return text;
}

#define NODE_FILTERS                                                                               \
    " WHERE (?1 IS NULL OR instr(lower(n.name), lower(?1)) > 0)"                                   \
    " AND (?2 IS NULL OR upper(n.country) IN (SELECT upper(value) FROM json_each(?2)))"            \
    " AND (?3 IS NULL OR EXISTS (SELECT 1 FROM json_each(n.programmes) p"                          \
    "  WHERE lower(p.value) IN (SELECT lower(value) FROM json_each(?3))))"

static void bind_node_filters(sqlite3_stmt *st, const cn_registry_query *q, const char *countries,
                              const char *programmes)
{
    if (q && q->q)
        sqlite3_bind_text(st, 1, q->q, -1, SQLITE_STATIC);
    if (countries)
        sqlite3_bind_text(st, 2, countries, -1, SQLITE_STATIC);
    if (programmes)
        sqlite3_bind_text(st, 3, programmes, -1, SQLITE_STATIC);
}

int cn_registry_nodes(json_t **out, cn_registry *reg, const cn_registry_query *q)
{
    sqlite3_stmt *st = NULL, *cst = NULL;
    json_t *list = NULL, *e;
    char *countries = NULL, *programmes = NULL;
    unsigned page = q && q->page ? q->page : 1;
    unsigned per_page = q && q->per_page ? q->per_page : CN_REGISTRY_PER_PAGE_DEFAULT;
    int64_t total = 0;
    int err, rc, began = 0;
    size_t f;

    *out = NULL;
    if ((err = cn_reg_query_check_allowed(
             q,
             (1u << CN_REGISTRY_PARAM_Q) | (1u << CN_REGISTRY_PARAM_FILTER) |
                 (1u << CN_REGISTRY_PARAM_PAGE) | (1u << CN_REGISTRY_PARAM_PER_PAGE),
             "/api/v1/nodes")) != 0)
        return err;
    for (f = 0; q && f < CN_FACET_COUNT; f++)
        if (q->nfilters[f] && f != CN_FACET_COUNTRY && f != CN_FACET_PROGRAMME)
            return cn_error_set(CN_EINVAL, "/api/v1/nodes: parameter '%s' is not accepted here",
                                cn_registry_facet_name((cn_registry_facet)f));
    if ((size_t)page * per_page > CN_REGISTRY_WINDOW_MAX)
        return cn_error_set(CN_EINVAL, "page: only the first %d nodes can be paged through",
                            CN_REGISTRY_WINDOW_MAX);
    countries = filter_array(q, CN_FACET_COUNTRY);
    programmes = filter_array(q, CN_FACET_PROGRAMME);
    if ((list = json_array()) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = cn_reg_read_begin(reg, &began)) != 0 ||
        (err = prep(&cst, reg, "SELECT count(*) FROM reg_nodes n" NODE_FILTERS)) != 0 ||
        (err = prep(&st, reg,
                    "SELECT " NODE_COLUMNS ", " NODE_COUNTS
                    ", n.logo FROM reg_nodes n" NODE_COUNTS_JOIN NODE_FILTERS
                    " ORDER BY n.name COLLATE NOCASE, n.node_id"
                    " LIMIT ?4 OFFSET ?5")) != 0)
        goto out;
    bind_node_filters(cst, q, countries, programmes);
    if (sqlite3_step(cst) != SQLITE_ROW) {
        err = cn_reg_sqlite_error(reg, "counting nodes");
        goto out;
    }
    total = sqlite3_column_int64(cst, 0);
    bind_node_filters(st, q, countries, programmes);
    sqlite3_bind_int(st, 4, (int)per_page);
    sqlite3_bind_int64(st, 5, (int64_t)(page - 1) * per_page);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((e = node_entry(st)) == NULL || json_array_append_new(list, e) != 0) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
    }
    if (rc != SQLITE_DONE) {
        err = cn_reg_sqlite_error(reg, "listing nodes");
        goto out;
    }
    *out = json_pack("{s:I, s:I, s:I, s:I, s:O}", "total", (json_int_t)total, "page",
                     (json_int_t)page, "per_page", (json_int_t)per_page, "pages",
                     (json_int_t)((total + per_page - 1) / per_page), "nodes", list);
    if (*out == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
out:
    sqlite3_finalize(st);
    sqlite3_finalize(cst);
    cn_reg_read_end(reg, began);
    free(countries);
    free(programmes);
    json_decref(list);
    return err;
}

/* "replicated": what the node replicated from others, from the signed
 * `replicates` attestations it published (newest first, at most
 * NODE_REPLICATED_MAX), with the original's node name and title when the
 * registry has them. */
static int node_replicated(json_t *doc, cn_registry *reg, const char *node_id)
{
    sqlite3_stmt *st = NULL;
    json_t *list = json_array();
    int rc, err;

    if (list == NULL || cn_reg_set(doc, "replicated", list) != 0)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if ((err = prep(&st, reg,
                    "SELECT a.id, a.subject_node, a.subject_item, a.subject_version, a.as_item,"
                    " a.date, a.withdrawn, a.verified_at, n.name, i.title"
                    " FROM reg_attestations a"
                    " LEFT JOIN reg_nodes n ON n.node_id = a.subject_node"
                    " LEFT JOIN reg_items i ON i.node = n.id AND i.item = a.subject_item"
                    " WHERE a.by_node = ?1 ORDER BY a.date DESC, a.id LIMIT ?2")) != 0)
        return err;
    sqlite3_bind_text(st, 1, node_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, NODE_REPLICATED_MAX);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *e = json_pack(
            "{s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:o, s:o}", "attestation",
            cn_reg_column_json_string(st, 0), "node", cn_reg_column_json_string(st, 1), "item",
            cn_reg_column_json_string(st, 2), "version", cn_reg_column_json_string(st, 3), "as",
            cn_reg_column_json_string(st, 4), "date", cn_reg_column_json_string(st, 5), "withdrawn",
            sqlite3_column_int(st, 6), "verified_at", cn_reg_time_json(sqlite3_column_int64(st, 7)),
            "node_name", cn_reg_column_json_string(st, 8), "title",
            cn_reg_column_json_string(st, 9));
        if (e == NULL || json_array_append_new(list, e) != 0) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            break;
        }
    }
    if (err == 0 && rc != SQLITE_DONE)
        err = cn_reg_sqlite_error(reg, "reading a node's replications");
    sqlite3_finalize(st);
    return err;
}

int cn_registry_node(json_t **out, cn_registry *reg, const char *node)
{
    sqlite3_stmt *st = NULL;
    char node_id[65];
    json_t *doc;
    int err, began;

    *out = NULL;
    if ((err = cn_reg_read_begin(reg, &began)) != 0)
        return err;
    if ((err = cn_reg_resolve_node(node_id, NULL, reg, node)) != 0 ||
        (err = prep(&st, reg,
                    "SELECT " NODE_COLUMNS ", " NODE_COUNTS
                    ", n.logo, n.profile FROM reg_nodes n" NODE_COUNTS_JOIN
                    " WHERE n.node_id = ?1")) != 0)
        goto out;
    sqlite3_bind_text(st, 1, node_id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        err = cn_reg_sqlite_error(reg, "reading a node");
        goto out;
    }
    if ((doc = node_entry(st)) == NULL || cn_reg_set(doc, "profile", cn_reg_column_json(st, 14))) {
        json_decref(doc);
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = node_replicated(doc, reg, node_id)) != 0) {
        json_decref(doc);
        goto out;
    }
    *out = doc;
out:
    sqlite3_finalize(st);
    cn_reg_read_end(reg, began);
    return err;
}
