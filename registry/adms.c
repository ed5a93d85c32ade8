/*
 * adms.c - the solutions a node publishes, as an ADMS-AP 2.0 catalog in
 * JSON-LD (GET /adms/catalog.jsonld, Turtle at /adms/catalog.ttl), as the
 * Interoperable Europe Portal (Joinup) federates reusable solutions.
 *
 * Each solution item is an asset (dcat:Dataset) described by its newest
 * version, with one release (a dcat:Dataset, dct:isVersionOf the asset) per
 * version, each with its distributions: the signed git bundle, the ZIP of
 * its files and the git repository. docs/ADMS.md maps each publiccode.yml
 * key to its property. What SEMIC's ADMS-AP validation rules ask (a contact
 * point with an e-mail address, a licence document with a licence type,
 * every concept typed skos:Concept) is written where the manifest gives it;
 * a solution whose publiccode.yml names no contact e-mail lacks
 * dcat:contactPoint's vcard:hasEmail, which the rules report.
 *
 * IRIs: the asset is the item's API URL, as the DCAT catalog names
 * datasets; a release is that URL with ?version=. Strings reach the
 * document through jansson, which escapes them.
 */
#include "core/error.h"
#include "registry/dcat_internal.h"
#include "registry/internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Bounds on one catalog: solutions, versions of one solution, keywords. */
#define ADMS_SOLUTIONS_MAX 10000
#define ADMS_VERSIONS_MAX  1000
#define ADMS_KEYWORDS_MAX  200

#define EU_AUTHORITY "http://publications.europa.eu/resource/authority/"
#define ADMS_STATUS  "http://purl.org/adms/status/"
#define ADMS_LICTYPE "http://purl.org/adms/licencetype/"

/* SPDX identifiers and their codes in the EU licence authority table, with
 * the ADMS licence type: copyleft licences ViralEffect-ShareAlike, public
 * domain dedications PublicDomain, the rest Attribution. A licence not here
 * is named by its SPDX page (docs/ADMS.md). */
static const struct {
    const char *spdx, *eu, *type;
} licences[] = {
    {"EUPL-1.2", "EUPL_1_2", "ViralEffect-ShareAlike"},
    {"EUPL-1.1", "EUPL_1_1", "ViralEffect-ShareAlike"},
    {"AGPL-3.0-only", "AGPL_3_0", "ViralEffect-ShareAlike"},
    {"AGPL-3.0-or-later", "AGPL_3_0", "ViralEffect-ShareAlike"},
    {"GPL-3.0-only", "GPL_3_0", "ViralEffect-ShareAlike"},
    {"GPL-3.0-or-later", "GPL_3_0", "ViralEffect-ShareAlike"},
    {"GPL-2.0-only", "GPL_2_0", "ViralEffect-ShareAlike"},
    {"GPL-2.0-or-later", "GPL_2_0", "ViralEffect-ShareAlike"},
    {"LGPL-3.0-only", "LGPL_3_0", "ViralEffect-ShareAlike"},
    {"LGPL-3.0-or-later", "LGPL_3_0", "ViralEffect-ShareAlike"},
    {"LGPL-2.1-only", "LGPL_2_1", "ViralEffect-ShareAlike"},
    {"LGPL-2.1-or-later", "LGPL_2_1", "ViralEffect-ShareAlike"},
    {"MPL-2.0", "MPL_2_0", "ViralEffect-ShareAlike"},
    {"Apache-2.0", "APACHE_2_0", "Attribution"},
    {"MIT", "MIT", "Attribution"},
    {"BSD-2-Clause", "BSD_2_CLAUSE", "Attribution"},
    {"BSD-3-Clause", "BSD_3_CLAUSE", "Attribution"},
    {"CC-BY-4.0", "CC_BY_4_0", "Attribution"},
    {"CC0-1.0", "CC0", "PublicDomain"},
};

/* publiccode.yml developmentStatus and its ADMS status. */
static const char *const statuses[][2] = {
    {"stable", "Completed"},
    {"beta", "UnderDevelopment"},
    {"development", "UnderDevelopment"},
    {"concept", "UnderDevelopment"},
    {"obsolete", "Deprecated"},
};

/* A concept of a controlled vocabulary, typed skos:Concept (the rules want
 * every concept typed): {"@id": <prefix><code>, "@type": "skos:Concept"}. */
static json_t *concept(cn_dcat_ctx *c, const char *prefix, const char *code)
{
    json_t *o = cn_dcat_ref_printf(c, "%s%s", prefix, code);

    if (o != NULL && json_object_set_new(o, "@type", json_string("skos:Concept")) != 0)
        c->oom = 1;
    return o;
}

/* The licence document of an SPDX id: the EU licence IRI when the table
 * knows it, else the id's SPDX page, typed dct:LicenseDocument with its
 * ADMS licence type. NULL without a licence or for an SPDX expression (A OR
 * B), which names no one document. */
static json_t *licence(cn_dcat_ctx *c, const char *spdx)
{
    static const char id_chars[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-+";
    const char *type = "Attribution";
    json_t *o = NULL;
    size_t i;

    if (spdx == NULL || *spdx == '\0')
        return NULL;
    for (i = 0; i < sizeof(licences) / sizeof(licences[0]) && o == NULL; i++)
        if (strcmp(spdx, licences[i].spdx) == 0) {
            o = cn_dcat_ref_printf(c, EU_AUTHORITY "licence/%s", licences[i].eu);
            type = licences[i].type;
        }
    if (o == NULL && strspn(spdx, id_chars) == strlen(spdx))
        o = cn_dcat_ref_printf(c, "https://spdx.org/licenses/%s.html", spdx);
    if (o == NULL)
        return NULL;
    cn_dcat_put(c, o, "@type", cn_dcat_text(c, "dct:LicenseDocument"));
    cn_dcat_put_opt(c, o, "dct:type", concept(c, ADMS_LICTYPE, type));
    return o;
}

/* adms:status of a version: Withdrawn when its publisher withdrew it, else
 * its developmentStatus's; NULL for a status the table lacks. */
static json_t *status(cn_dcat_ctx *c, const json_t *m, int withdrawn)
{
    const char *dev = cn_reg_str(m, "developmentStatus");
    size_t i;

    if (withdrawn)
    return concept(c, ADMS_STATUS, "Withdrawn");
    for (i = 0; dev && i < sizeof(statuses) / sizeof(statuses[0]); i++)
        if (strcmp(dev, statuses[i][0]) == 0)
    return concept(c, ADMS_STATUS, statuses[i][1]);
    return NULL;
}

/* dcat:contactPoint: the first of maintenance.contacts with an e-mail
 * address (else the first), as a vcard:Kind. */
static json_t *contact_point(cn_dcat_ctx *c, const json_t *m, const char *fallback_name)
{
    const json_t *contacts = json_object_get(json_object_get(m, "maintenance"), "contacts");
    const json_t *pick = NULL, *v;
    const char *name;
    json_t *o;
    size_t i;

    json_array_foreach(contacts, i, v)
    {
        if (pick == NULL || (cn_reg_str(pick, "email") == NULL && cn_reg_str(v, "email")))
            pick = v;
    }
    name = cn_reg_str(pick, "name") ? cn_reg_str(pick, "name") : fallback_name;
    if ((o = json_pack("{s:[s, s], s:s}", "@type", "vcard:Kind", "vcard:Organization", "vcard:fn",
                       name)) == NULL) {
        c->oom = 1;
        return NULL;
    }
    cn_dcat_put_opt(c, o, "vcard:hasEmail", cn_dcat_mailto(c, cn_reg_str(pick, "email")));
    cn_dcat_put_opt(c, o, "vcard:hasTelephone",
                    pick && cn_reg_str(pick, "phone") ? cn_dcat_text(c, cn_reg_str(pick, "phone"))
                                                      : NULL);
    return o;
}

/* What an asset and each of its releases share. */
typedef struct {
    const char *item;
    const char *name;  /* the node's */
    json_t *publisher; /* foaf:Agent, copied into each */
    const json_t *m;   /* the manifest of the version described */
    const char *version;
    int64_t published;
    int withdrawn;
} adms_subject;

/* dct:title, dct:description, publisher, contact point, keywords,
 * languages, status and dates of a solution version, into o. */
static void describe(cn_dcat_ctx *c, json_t *o, const adms_subject *s)
{
    const json_t *m = s->m, *lang = cn_reg_publiccode_lang(m), *v;
    const char *title = cn_reg_str(m, "name"), *text = NULL;
    size_t i;

    if (lang)
        text = cn_reg_str(lang, "longDescription") ? cn_reg_str(lang, "longDescription")
                                                   : cn_reg_str(lang, "shortDescription");
    cn_dcat_put(c, o, "dct:title", cn_dcat_text(c, title ? title : s->item));
    cn_dcat_put(c, o, "dct:description", cn_dcat_text(c, text ? text : title ? title : s->item));
    cn_dcat_put(c, o, "dct:publisher", json_deep_copy(s->publisher));
    cn_dcat_put_opt(c, o, "dcat:contactPoint", contact_point(c, m, s->name));
    json_array_foreach(json_object_get(m, "categories"), i, v)
    {
        if (i < ADMS_KEYWORDS_MAX && json_string_value(v) && *json_string_value(v))
            cn_dcat_add(c, o, "dcat:keyword", cn_dcat_text(c, json_string_value(v)));
    }
    json_array_foreach(json_object_get(json_object_get(m, "localisation"), "availableLanguages"), i,
                       v)
    {
        const char *code = json_string_value(v) ? cn_dcat_language(json_string_value(v)) : NULL;
        json_t *l = code ? cn_dcat_ref_printf(c, EU_AUTHORITY "language/%s", code) : NULL;
        if (l != NULL) {
            cn_dcat_put(c, l, "@type", cn_dcat_text(c, "dct:LinguisticSystem"));
            cn_dcat_add(c, o, "dct:language", l);
        }
    }
    cn_dcat_put_opt(c, o, "adms:status", status(c, m, s->withdrawn));
    cn_dcat_put(c, o, "owl:versionInfo", cn_dcat_text(c, s->version));
    cn_dcat_put_opt(c, o, "dct:modified", cn_dcat_date_time(c, s->published));
}

/* A distribution of a release: its IRI, title, access URL and licence. */
static json_t *distribution(cn_dcat_ctx *c, const char *iri, const char *title, json_t *url,
                            const char *spdx, const char *format)
{
    json_t *o =
        json_pack("{s:s, s:s, s:s}", "@id", iri, "@type", "dcat:Distribution", "dct:title", title);

    if (o == NULL) {
        c->oom = 1;
        json_decref(url);
        return NULL;
    }
    cn_dcat_put_opt(c, o, "dcat:downloadURL", json_deep_copy(url));
    cn_dcat_put_opt(c, o, "dcat:accessURL", url);
    cn_dcat_put_opt(c, o, "dct:license", licence(c, spdx));
    if (format) {
        json_t *f = cn_dcat_ref_printf(c, EU_AUTHORITY "file-type/%s", format);
        if (f != NULL)
            cn_dcat_put(c, f, "@type", cn_dcat_text(c, "dct:MediaTypeOrExtent"));
        cn_dcat_put_opt(c, o, "dct:format", f);
    }
    return o;
}

/* One version of a solution as an ADMS-AP release. */
static json_t *release(cn_dcat_ctx *c, const adms_subject *s, const char *asset_iri,
                       const json_t *swhids)
{
    const char *spdx = cn_reg_str(json_object_get(s->m, "legal"), "license");
    char iri[2048], part[2200];
    json_t *o, *v;
    const char *key;

    snprintf(iri, sizeof(iri), "%s?version=%s", asset_iri, s->version);
    if ((o = json_pack("{s:s, s:s, s:{s:s}}", "@id", iri, "@type", "dcat:Dataset",
                       "dct:isVersionOf", "@id", asset_iri)) == NULL) {
        c->oom = 1;
        return NULL;
    }
    describe(c, o, s);
    if (cn_reg_str(s->m, "releaseDate"))
        cn_dcat_put(c, o, "dct:issued",
                    json_pack("{s:s, s:s}", "@value", cn_reg_str(s->m, "releaseDate"), "@type",
                              "xsd:date"));
    json_object_foreach((json_t *)swhids, key, v)
    {
        if (json_string_value(v))
            cn_dcat_add(c, o, "adms:identifier",
                        json_pack("{s:s, s:s}", "@type", "adms:Identifier", "skos:notation",
                                  json_string_value(v)));
    }
    snprintf(part, sizeof(part), "%s#bundle", iri);
    cn_dcat_add(c, o, "dcat:distribution",
                distribution(c, part, "Signed git bundle (the history and the signed tag)",
                             cn_dcat_ref_printf(c, "%s/download/%s/%s/%s/full.bundle", c->base,
                                                c->node_id, s->item, s->version),
                             spdx, NULL));
    snprintf(part, sizeof(part), "%s#zip", iri);
    cn_dcat_add(c, o, "dcat:distribution",
                distribution(c, part, "The files of the version as a ZIP archive",
                             cn_dcat_ref_printf(c, "%s/download/%s/%s/%s/files.zip", c->base,
                                                c->node_id, s->item, s->version),
                             spdx, "ZIP"));
    snprintf(part, sizeof(part), "%s#git", iri);
    cn_dcat_add(
        c, o, "dcat:distribution",
        distribution(c, part, "The git repository (tag v<version>)",
                     cn_dcat_ref_printf(c, "%s/git/%s/%s.git", c->base, c->node_id, s->item), spdx,
                     NULL));
    return o;
}

/* The solutions of node ?1, each with its newest version's manifest. */
static const char solutions_sql[] =
    "SELECT i.id, i.item, i.latest, i.withdrawn, v.manifest, v.published"
    " FROM reg_items i JOIN reg_versions v ON v.item = i.id AND v.version = i.latest"
    " WHERE i.node = ?1 AND i.kind = 'solution' ORDER BY i.item LIMIT ?2";

/* The versions of item ?1, oldest first. */
static const char versions_sql[] =
    "SELECT version, manifest, published, withdrawn, tag_id, commit_id, tree_id"
    " FROM reg_versions WHERE item = ?1 ORDER BY published, version LIMIT ?2";

/* {"rel": "swh:1:rel:<tag>", "rev": …, "dir": …} of the ids a row has. */
static json_t *swhids(sqlite3_stmt *st, int tag_col)
{
    static const char *const kinds[] = {"rel", "rev", "dir"};
    json_t *o = json_object();
    int k;

    for (k = 0; o != NULL && k < 3; k++) {
        const char *id = (const char *)sqlite3_column_text(st, tag_col + k);
        if (id != NULL && strlen(id) == 40 &&
            json_object_set_new(o, kinds[k], json_sprintf("swh:1:%s:%s", kinds[k], id)) != 0) {
            json_decref(o);
            o = NULL;
        }
    }
    return o;
}

/* The releases of the solution of row id into asset (dct:hasVersion) and
 * the catalog's graph. */
static int add_releases(cn_dcat_ctx *c, json_t *graph, json_t *asset, cn_registry *reg, int64_t id,
                        adms_subject *s)
{
    const char *asset_iri = json_string_value(json_object_get(asset, "@id"));
    sqlite3_stmt *st = NULL;
    int rc, err = 0;

    if (sqlite3_prepare_v2(reg->db, versions_sql, -1, &st, NULL) != SQLITE_OK)
        return cn_reg_sqlite_error(reg, "reading a solution's versions");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, ADMS_VERSIONS_MAX);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        adms_subject r = *s;
        json_t *m = cn_reg_column_json(st, 1), *ids = swhids(st, 4), *rel;
        r.version = (const char *)sqlite3_column_text(st, 0);
        r.m = m;
        r.published = sqlite3_column_int64(st, 2);
        r.withdrawn = sqlite3_column_int(st, 3) != 0;
        if (m == NULL || ids == NULL) {
            json_decref(m);
            json_decref(ids);
            err = cn_error_set(CN_ENOMEM, "out of memory");
            break;
        }
        if (r.version != NULL && json_is_object(m) &&
            (rel = release(c, &r, asset_iri, ids)) != NULL) {
            cn_dcat_add(c, asset, "dct:hasVersion",
                        json_pack("{s:O}", "@id", json_object_get(rel, "@id")));
            cn_dcat_add(c, graph, "@graph", rel);
        }
        json_decref(ids);
        json_decref(m);
    }
    if (err == 0 && rc != SQLITE_DONE)
        err = cn_reg_sqlite_error(reg, "reading a solution's versions");
    sqlite3_finalize(st);
    return err;
}

/* The solutions of the node of row node_rowid called name into doc's graph
 * and catalog; *count counts them across calls. */
static int add_solutions(cn_dcat_ctx *c, json_t *doc, json_t *catalog, cn_registry *reg,
                         int64_t node_rowid, const char *name, json_t *publisher, size_t *count)
{
    sqlite3_stmt *st = NULL;
    int rc, err = 0;

    if (sqlite3_prepare_v2(reg->db, solutions_sql, -1, &st, NULL) != SQLITE_OK)
        return cn_reg_sqlite_error(reg, "reading the solutions");
    sqlite3_bind_int64(st, 1, node_rowid);
    sqlite3_bind_int(st, 2, ADMS_SOLUTIONS_MAX + 1);
    while (err == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        adms_subject s = {(const char *)sqlite3_column_text(st, 1),
                          name,
                          publisher,
                          NULL,
                          (const char *)sqlite3_column_text(st, 2),
                          sqlite3_column_int64(st, 5),
                          sqlite3_column_int(st, 3) != 0};
        json_t *m, *asset;
        if (++*count > ADMS_SOLUTIONS_MAX) {
            err =
                cn_error_set(CN_ELIMIT, "ADMS catalog: more than %d solutions", ADMS_SOLUTIONS_MAX);
            break;
        }
        if (s.item == NULL || s.version == NULL)
            continue;
        if ((m = cn_reg_column_json(st, 4)) == NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            break;
        }
        s.m = m;
        asset = json_is_object(m)
                    ? json_pack("{s:o, s:s}", "@id",
                                json_sprintf("%s/api/v1/items/%s/%s", c->base, c->node_id, s.item),
                                "@type", "dcat:Dataset")
                    : NULL;
        if (asset != NULL) {
            describe(c, asset, &s);
            cn_dcat_put(c, asset, "dct:identifier", json_sprintf("%s/%s", c->node_id, s.item));
            cn_dcat_put_opt(c, asset, "dcat:landingPage",
                            cn_dcat_ref(c, cn_reg_str(m, "landingURL")));
            if (json_object_get(asset, "dcat:landingPage") == NULL)
                cn_dcat_put_opt(
                    c, asset, "dcat:landingPage",
                    cn_dcat_ref_printf(c, "%s/?item=%s/%s", c->base, c->node_id, s.item));
            err = add_releases(c, doc, asset, reg, sqlite3_column_int64(st, 0), &s);
            cn_dcat_add(c, catalog, "dcat:dataset",
                        json_pack("{s:O}", "@id", json_object_get(asset, "@id")));
            cn_dcat_add(c, doc, "@graph", asset);
        }
        json_decref(m);
        if (c->oom)
            err = cn_error_set(CN_ENOMEM, "out of memory");
    }
    if (err == 0 && rc != SQLITE_DONE)
        err = cn_reg_sqlite_error(reg, "reading the solutions");
    sqlite3_finalize(st);
    return err;
}

/* A new document {"@context", "@graph": [the catalog]} with *catalog its
 * dcat:Catalog (borrowed), described as description says (stolen); NULL
 * when out of memory. */
static json_t *catalog_doc(cn_dcat_ctx *c, json_t **catalog, const char *iri, const char *base,
                           const char *name, json_t *description)
{
    json_t *ctx = cn_dcat_context(), *doc;

    *catalog = cn_dcat_catalog_head(c, NULL, iri, base, name, description);
    if (ctx == NULL || *catalog == NULL || c->oom ||
        json_object_set_new(ctx, "adms", json_string("http://www.w3.org/ns/adms#")) != 0 ||
        json_object_set_new(ctx, "skos", json_string("http://www.w3.org/2004/02/skos/core#")) !=
            0) {
        json_decref(ctx);
        json_decref(*catalog);
        *catalog = NULL;
        return NULL;
    }
    /* "o" steals ctx and the catalog even when json_pack fails. */
    if ((doc = json_pack("{s:o, s:[o]}", "@context", ctx, "@graph", *catalog)) == NULL)
        *catalog = NULL;
    return doc;
}

/* The solutions of every node in the registry into doc's graph and
 * catalog, each node's under its own URL (else base). */
static int add_network(json_t *doc, json_t *catalog, cn_registry *reg, const char *base,
                       size_t *count)
{
    sqlite3_stmt *st = NULL;
    int rc, err = 0;

    if (sqlite3_prepare_v2(reg->db, "SELECT id, node_id, name, url FROM reg_nodes ORDER BY node_id",
                           -1, &st, NULL) != SQLITE_OK)
        return cn_reg_sqlite_error(reg, "reading the nodes");
    while (err == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *node = (const char *)sqlite3_column_text(st, 1);
        const char *node_name = (const char *)sqlite3_column_text(st, 2);
        cn_dcat_ctx pc = {NULL, node, 1, NULL, 0};
        char *pub = NULL;
        json_t *publisher;
        if (node == NULL)
            continue;
        /* Each solution under its publisher's URL, as the publisher's own
         * catalog names it; without a usable one, under this node's. */
        if (cn_dcat_base_url(&pub, NULL, (const char *)sqlite3_column_text(st, 3)) != 0)
            cn_error_clear();
        pc.base = pub ? pub : base;
        if (node_name == NULL)
            node_name = node;
        if ((publisher = json_pack("{s:s, s:s}", "@type", "foaf:Agent", "foaf:name", node_name)) ==
            NULL) {
            free(pub);
            err = cn_error_set(CN_ENOMEM, "out of memory");
            break;
        }
        cn_dcat_put_opt(&pc, publisher, "foaf:homepage", cn_dcat_ref_printf(&pc, "%s/", pc.base));
        err = add_solutions(&pc, doc, catalog, reg, sqlite3_column_int64(st, 0), node_name,
                            publisher, count);
        if (err == 0 && pc.oom)
            err = cn_error_set(CN_ENOMEM, "out of memory");
        json_decref(publisher);
        free(pub);
    }
    if (err == 0 && rc != SQLITE_DONE)
        err = cn_reg_sqlite_error(reg, "reading the nodes");
    sqlite3_finalize(st);
    return err;
}

/* The node self's catalog, or with network the network's. */
static int adms_document(json_t **out, cn_registry *reg, const char *self, const char *base,
                         int network)
{
    cn_dcat_ctx c = {NULL, NULL, 1, NULL, 0};
    char id[65], iri[DCAT_BASE_URL_MAX + 32], *name = NULL, *b = NULL;
    json_t *doc = NULL, *catalog = NULL, *publisher;
    size_t count = 0;
    int64_t rowid;
    int err, began = 0;

    *out = NULL;
    if ((err = cn_reg_read_begin(reg, &began)) != 0)
        return err;
    if ((err = cn_dcat_serving_node(id, &rowid, &name, &b, reg, self, base)) != 0)
        goto out;
    c.base = b;
    c.node_id = id;
    snprintf(iri, sizeof(iri), "%s/adms/%s.jsonld", b, network ? "network" : "catalog");
    doc = catalog_doc(
        &c, &catalog, iri, b, name,
        network ? json_sprintf("The reusable solutions of the citynode network that %s knows: its "
                               "own and those of the nodes it follows, each described as its "
                               "publisher's catalog describes it (ADMS-AP 2.0).",
                               name)
                : json_sprintf("Reusable solutions that %s publishes as signed, versioned "
                               "bundles on its citynode node %s (ADMS-AP 2.0).",
                               name, id));
    if (doc == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if (network) {
        err = add_network(doc, catalog, reg, b, &count);
    } else if (rowid >= 0) {
        /* A node that publishes nothing (a network's) has an empty catalog. */
        publisher = json_object_get(catalog, "dct:publisher");
        err = add_solutions(&c, doc, catalog, reg, rowid, name, publisher, &count);
    }
out:
    cn_reg_read_end(reg, began);
    free(name);
    free(b);
    if (err == 0)
        *out = doc;
    else
        json_decref(doc);
    return err;
}

int cn_registry_adms_catalog(json_t **out, cn_registry *reg, const char *node_id, const char *base)
{
    return adms_document(out, reg, node_id, base, 0);
}

int cn_registry_adms_network(json_t **out, cn_registry *reg, const char *self_id, const char *base)
{
    return adms_document(out, reg, self_id, base, 1);
}
