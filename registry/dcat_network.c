/*
 * dcat_network.c - the datasets of the whole network a node's registry
 * knows as one DCAT-AP catalog, paged as ckanext-dcat pages its catalog
 * (hydra:PagedCollection), and each dataset's dcat:CatalogRecord at its
 * own URL (GET /dcat/network.jsonld|ttl, /dcat/datasets/<node>/<item>.…).
 *
 * A dataset is described as its publisher's own catalog describes it (its
 * IRIs under the publisher's URL), so the descriptions that several
 * catalogs give of it merge instead of duplicating; the record says where
 * this catalog got it: dct:source, the record of the publisher's catalog,
 * which a harvest of this catalog keeps. docs/DCAT.md, "The network".
 */
#include "core/error.h"
#include "registry/dcat_internal.h"
#include "registry/internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Every live dataset the registry knows, of every node, in a stable order,
 * with its publisher; ?3/?4 narrow it to one node's item (NULL: all). */
static const char network_sql[] =
    "SELECT n.node_id, n.url, n.source, i.item, i.latest, v.manifest, v.published,"
    " v.verified_at,"
    " (SELECT min(w.published) FROM reg_versions w WHERE w.item = i.id AND w.withdrawn = 0"
    "  AND w.published > 0)"
    " FROM reg_items i JOIN reg_nodes n ON n.id = i.node"
    " JOIN reg_versions v ON v.item = i.id AND v.version = i.latest"
    " WHERE i.kind = 'dataset' AND i.withdrawn = 0"
    " AND (?3 IS NULL OR (n.node_id = ?3 AND i.item = ?4))"
    " ORDER BY n.node_id, i.item LIMIT ?1 OFFSET ?2";

/* A record's IRI: its own document on the node at base. */
static json_t *record_iri(const char *base, const char *node_id, const char *item)
{
    return json_sprintf("%s/dcat/datasets/%s/%s.jsonld", base, node_id, item);
}

/* A record's foaf:primaryTopic: the dataset ds, said to be a dcat:Resource
 * as well (DCAT-AP.de's shapes check that class without the DCAT ontology
 * that makes every dcat:Dataset one). */
static json_t *primary_topic(cn_dcat_ctx *c, const json_t *ds)
{
    json_t *o = cn_dcat_ref(c, json_string_value(json_object_get(ds, "@id")));

    if (o != NULL)
        cn_dcat_put(c, o, "@type", cn_dcat_text(c, "dcat:Resource"));
    return o;
}

/* The dcat:CatalogRecord of dataset d (already built as ds) in the catalog
 * of the node at serving: when it was issued and last changed here, and,
 * unless this catalog is the original (the node's own dataset, or a peer's
 * without a URL to name its catalog by), dct:source: the record of the
 * publisher's own catalog, which is what keeps the provenance when
 * catalogs harvest each other (DCAT-AP, "Catalogue Record"). */
static json_t *record(cn_dcat_ctx *c, const char *serving, const cn_dcat_item *d, const json_t *ds,
                      int original, int64_t verified_at)
{
    json_t *o = json_pack("{s:o, s:s}", "@id", record_iri(serving, c->node_id, d->item), "@type",
                          "dcat:CatalogRecord"),
           *src;

    if (o == NULL) {
        c->oom = 1;
        return NULL;
    }
    cn_dcat_put_opt(c, o, "foaf:primaryTopic", primary_topic(c, ds));
    cn_dcat_put_opt(c, o, "dct:issued", cn_dcat_date_time(c, d->first_published));
    cn_dcat_put_opt(c, o, "dct:conformsTo", cn_dcat_ref(c, DCAT_AP_3));
    if (original) {
        cn_dcat_put_opt(c, o, "dct:modified", cn_dcat_date_time(c, d->published));
        return o;
    }
    cn_dcat_put_opt(c, o, "dct:modified",
                    cn_dcat_date_time(c, verified_at > 0 ? verified_at : d->published));
    src = json_pack("{s:o, s:s}", "@id", record_iri(c->base, c->node_id, d->item), "@type",
                    "dcat:CatalogRecord");
    if (src == NULL) {
        c->oom = 1;
        return o;
    }
    cn_dcat_put_opt(c, src, "foaf:primaryTopic", primary_topic(c, ds));
    cn_dcat_put_opt(c, src, "dct:modified", cn_dcat_date_time(c, d->published));
    cn_dcat_put(c, o, "dct:source", src);
    return o;
}

/* Append value (stolen; NULL is nothing) to the array list. */
static void append(cn_dcat_ctx *c, json_t *list, json_t *value)
{
    if (value != NULL && json_array_append_new(list, value) != 0)
        c->oom = 1;
}

/* What network_rows() adds to: the catalog's lists, or the record's. */
typedef struct {
    const char *self_id;
    const char *serving; /* the serving node's base */
    json_t *datasets;    /* dcat:Dataset nodes */
    json_t *records;     /* dcat:CatalogRecord nodes */
    int64_t modified;
} dcat_network;

/* n for the node self_id serving at base, with empty lists. */
static int network_start(dcat_network *n, const char *self_id, const char *base)
{
    n->self_id = self_id;
    n->serving = base;
    n->datasets = json_array();
    n->records = json_array();
    return n->datasets && n->records ? 0 : cn_error_set(CN_ENOMEM, "out of memory");
}

/* Add the datasets and records of network_sql's rows (limit, offset, and
 * optionally one node's item) to n. Each dataset is described as its
 * publisher's catalog describes it (its IRIs under the publisher's URL),
 * with this node's mirrored bundle as one more distribution. */
static int network_rows(dcat_network *n, cn_registry *reg, int64_t limit, int64_t offset,
                        const char *node_id, const char *item)
{
    sqlite3_stmt *st = NULL;
    size_t bytes = 0;
    int rc, err = 0;

    if (sqlite3_prepare_v2(reg->db, network_sql, -1, &st, NULL) != SQLITE_OK)
        return cn_reg_sqlite_error(reg, "reading the network's datasets");
    sqlite3_bind_int64(st, 1, limit);
    sqlite3_bind_int64(st, 2, offset);
    if (node_id != NULL) {
        sqlite3_bind_text(st, 3, node_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, item, -1, SQLITE_STATIC);
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        const char *source = (const char *)sqlite3_column_text(st, 2);
        cn_dcat_item d = {(const char *)sqlite3_column_text(st, 3),
                          (const char *)sqlite3_column_text(st, 4), NULL,
                          sqlite3_column_int64(st, 8), sqlite3_column_int64(st, 6)};
        cn_dcat_ctx c = {n->serving, id, 1, NULL, 0};
        char *pub = NULL;
        json_t *m, *ds;

        bytes += (size_t)sqlite3_column_bytes(st, 5);
        if (bytes > DCAT_MANIFEST_BYTES) {
            err = cn_error_set(CN_ELIMIT, "catalog: the manifests add up to more than %d MiB",
                               DCAT_MANIFEST_BYTES / (1024 * 1024));
            goto out;
        }
        if (id == NULL || d.item == NULL || d.version == NULL)
            continue;
        /* Another publisher's dataset is named under its own URL; without a
         * usable one, under this node's, with the bundles only if here. */
        if (strcmp(id, n->self_id) != 0) {
            if (cn_dcat_base_url(&pub, NULL, (const char *)sqlite3_column_text(st, 1)) == 0) {
                c.base = pub;
                if (source == NULL || strcmp(source, "index") != 0)
                    c.mirror_base = n->serving;
            } else {
                cn_error_clear();
                c.has_files = source == NULL || strcmp(source, "index") != 0;
            }
        }
        if ((m = cn_reg_column_json(st, 5)) == NULL) {
            free(pub);
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
        d.manifest = m;
        if (json_is_object(m) && (ds = cn_dcat_dataset_json(&c, &d)) != NULL) {
            append(&c, n->records,
                   record(&c, n->serving, &d, ds, pub == NULL, sqlite3_column_int64(st, 7)));
            append(&c, n->datasets, ds);
        }
        json_decref(m);
        free(pub);
        if (d.published > n->modified)
            n->modified = d.published;
        if (c.oom) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
    }
    if (rc != SQLITE_DONE)
        err = cn_reg_sqlite_error(reg, "reading the network's datasets");
out:
    sqlite3_finalize(st);
    return err;
}

int cn_dcat_serving_node(char id[65], int64_t *rowid, char **name, char **base, cn_registry *reg,
                         const char *self, const char *given)
{
    sqlite3_stmt *st = NULL;
    int err;

    *name = *base = NULL;
    *rowid = -1;
    if ((err = cn_reg_resolve_node(id, rowid, reg, self)) == CN_ENOTFOUND &&
        cn_reg_is_node_id(self, strlen(self))) {
        /* A node that follows others but publishes nothing is not in its
         * own registry: named by its id, at the base URL it was given. */
        cn_error_clear();
        snprintf(id, 65, "%s", self);
        if ((err = cn_dcat_base_url(base, given, NULL)) != 0)
            return err;
        if ((*name = malloc(32)) == NULL) {
            free(*base);
            *base = NULL;
            return cn_error_set(CN_ENOMEM, "out of memory");
        }
        snprintf(*name, 32, "citynode node %.12s", self);
        return 0;
    }
    if (err != 0)
        return err;
    if (sqlite3_prepare_v2(reg->db, "SELECT name, url FROM reg_nodes WHERE id = ?1", -1, &st,
                           NULL) != SQLITE_OK ||
        sqlite3_bind_int64(st, 1, *rowid) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
        err = cn_reg_sqlite_error(reg, "reading a node");
        goto out;
    }
    if ((err = cn_dcat_base_url(base, given, (const char *)sqlite3_column_text(st, 1))) != 0)
        goto out;
    *name = strdup(sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : id);
    if (*name == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
out:
    sqlite3_finalize(st);
    if (err != 0) {
        free(*base);
        *base = NULL;
    }
    return err;
}

/* hydra's view of page of last, as ckanext-dcat pages its catalog. */
#define PAGE_URL "%s/dcat/network.%s?page=%" PRId64 "%s"
static json_t *hydra_page(cn_dcat_ctx *c, const char *base, const char *ext, const char *size,
                          int64_t page, int64_t last, int64_t total, int64_t per_page)
{
    json_t *o =
        json_pack("{s:o, s:s, s:I, s:I, s:o, s:o}", "@id",
                  json_sprintf(PAGE_URL, base, ext, page, size), "@type", "hydra:PagedCollection",
                  "hydra:totalItems", (json_int_t)total, "hydra:itemsPerPage", (json_int_t)per_page,
                  "hydra:firstPage", json_sprintf(PAGE_URL, base, ext, (int64_t)1, size),
                  "hydra:lastPage", json_sprintf(PAGE_URL, base, ext, last, size));

    if (o == NULL) {
        c->oom = 1;
        return NULL;
    }
    if (page < last)
        cn_dcat_put(c, o, "hydra:nextPage", json_sprintf(PAGE_URL, base, ext, page + 1, size));
    if (page > 1)
        cn_dcat_put(c, o, "hydra:previousPage", json_sprintf(PAGE_URL, base, ext, page - 1, size));
    return o;
}

int cn_registry_dcat_network(json_t **out, cn_registry *reg, const char *self_id,
                             const cn_registry_dcat_page *opts)
{
    int64_t self_row;
    cn_dcat_ctx c = {NULL, NULL, 0, NULL, 0};
    dcat_network n = {NULL, NULL, NULL, NULL, 0};
    sqlite3_stmt *st = NULL;
    char id[65], iri[DCAT_BASE_URL_MAX + 32], *name = NULL, *b = NULL;
    const char *ext = opts->ext ? opts->ext : "jsonld";
    int64_t per_page = opts->per_page ? (int64_t)opts->per_page : CN_REGISTRY_DCAT_PER_PAGE;
    int64_t page = opts->page ? (int64_t)opts->page : 1, total, last;
    char size[32] = ""; /* "&per_page=N" when asked for, so that every page keeps it */
    json_t *catalog = NULL, *doc = NULL;
    int err, began;

    *out = NULL;
    if (per_page > CN_REGISTRY_DCAT_PER_PAGE_MAX || opts->page > INT32_MAX ||
        (strcmp(ext, "jsonld") != 0 && strcmp(ext, "ttl") != 0))
        return cn_error_set(CN_EINVAL,
                            "network catalog: at most %d datasets a page, pages up to "
                            "2^31, formats jsonld and ttl",
                            CN_REGISTRY_DCAT_PER_PAGE_MAX);
    if (opts->per_page)
        snprintf(size, sizeof(size), "&per_page=%" PRId64, per_page);
    if ((err = cn_reg_read_begin(reg, &began)) != 0)
        return err;
    if ((err = cn_dcat_serving_node(id, &self_row, &name, &b, reg, self_id, opts->base_url)) != 0)
        goto out;
    if (sqlite3_prepare_v2(
            reg->db, "SELECT count(*) FROM reg_items WHERE kind = 'dataset' AND withdrawn = 0", -1,
            &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        err = cn_reg_sqlite_error(reg, "counting the network's datasets");
        goto out;
    }
    total = sqlite3_column_int64(st, 0);
    last = total > 0 ? (total + per_page - 1) / per_page : 1;
    if (page > last) {
        err = cn_error_set(
            CN_ENOTFOUND, "network catalog: no page %" PRId64 ", the last is %" PRId64, page, last);
        goto out;
    }
    if ((err = network_start(&n, id, b)) != 0)
        goto out;
    if ((err = network_rows(&n, reg, per_page, (page - 1) * per_page, NULL, NULL)) != 0)
        goto out;
    snprintf(iri, sizeof(iri), "%s/dcat/network.jsonld", b);
    catalog =
        cn_dcat_catalog_head(&c, NULL, iri, b, name,
                             json_sprintf("The datasets of the citynode network that %s knows: its "
                                          "own and those of the nodes it follows, each with a "
                                          "record naming the record of its publisher's catalog.",
                                          name));
    if (catalog != NULL) {
        cn_dcat_put(&c, catalog, "dcat:dataset", json_incref(n.datasets));
        if (json_array_size(n.records) > 0)
            cn_dcat_put(&c, catalog, "dcat:record", json_incref(n.records));
        cn_dcat_put_opt(&c, catalog, "dct:modified", cn_dcat_date_time(&c, n.modified));
    }
    doc = json_pack("{s:o, s:[O, o]}", "@context", cn_dcat_context(), "@graph", catalog,
                    hydra_page(&c, b, ext, size, page, last, total, per_page));
    if (doc == NULL || c.oom)
        err = cn_error_set(CN_ENOMEM, "out of memory");
out:
    sqlite3_finalize(st);
    cn_reg_read_end(reg, began);
    json_decref(catalog);
    json_decref(n.datasets);
    json_decref(n.records);
    free(name);
    free(b);
    if (err == 0)
        *out = doc;
    else
        json_decref(doc);
    return err;
}

int cn_registry_dcat_record(json_t **out, cn_registry *reg, const char *self_id,
                            const char *base_url, const char *node_id, const char *item)
{
    dcat_network n = {NULL, NULL, NULL, NULL, 0};
    char id[65], publisher[65], *name = NULL, *b = NULL;
    json_t *doc = NULL;
    int64_t self_row;
    int err, began;

    *out = NULL;
    if ((err = cn_reg_read_begin(reg, &began)) != 0)
        return err;
    if ((err = cn_dcat_serving_node(id, &self_row, &name, &b, reg, self_id, base_url)) != 0 ||
        (err = cn_reg_resolve_node(publisher, NULL, reg, node_id)) != 0)
        goto out;
    if ((err = network_start(&n, id, b)) != 0)
        goto out;
    if ((err = network_rows(&n, reg, 1, 0, publisher, item)) != 0)
        goto out;
    if (json_array_size(n.datasets) == 0) {
        err = cn_error_set(CN_ENOTFOUND, "no dataset %.64s/%.64s in the registry", publisher, item);
        goto out;
    }
    doc = json_pack("{s:o, s:[O, O]}", "@context", cn_dcat_context(), "@graph",
                    json_array_get(n.records, 0), json_array_get(n.datasets, 0));
    if (doc == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
out:
    cn_reg_read_end(reg, began);
    json_decref(n.datasets);
    json_decref(n.records);
    free(name);
    free(b);
    if (err == 0)
        *out = doc;
    return err;
}
