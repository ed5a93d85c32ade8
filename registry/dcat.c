/*
 * dcat.c - the datasets a node publishes, as a DCAT-AP catalog in JSON-LD
 * (GET /dcat/catalog.jsonld), for CKAN's DCAT harvester (ckanext-dcat) and
 * the other portals that harvest DCAT-AP.
 *
 * One dcat:Dataset per dataset item of the node that is not withdrawn,
 * described by its newest version that is not withdrawn (the version the
 * registry describes the item by). Withdrawn datasets are left out, so a
 * harvester that mirrors the catalog deletes them on its next run.
 * docs/DCAT.md has the mapping from manifest keys to DCAT-AP properties.
 *
 * Every IRI written is absolute: the node's base URL and what the registry
 * builds from it (ids, slugs and versions only), IRIs of the EU vocabularies
 * and DCAT-AP.de, and the manifest's URLs, licence URIs and e-mail
 * addresses only when they pass the validator's own RFC 3986 check (a URL
 * that does not is left out, never rewritten). Strings reach the document
 * through jansson, which escapes them.
 */
#include "core/error.h"
#include "registry/dcat_internal.h"
#include "registry/internal.h"
#include "schemas/format.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Bounds on one catalog (and dcat_internal.h's): datasets. */
#define DCAT_DATASETS_MAX     10000
#define DCAT_IRI_MAX          2048
#define DCAT_KEYWORDS_MAX     200
#define DCAT_DISTRIBUTION_MAX 200

#define EU_AUTHORITY   "http://publications.europa.eu/resource/authority/"
#define IANA_MEDIA     "https://www.iana.org/assignments/media-types/"
#define DCATDE_GEOCOD  "http://dcat-ap.de/def/politicalGeocoding/"
#define DCATDE_LICENSE "http://dcat-ap.de/def/licenses/"

/* ---- building blocks ---- */

/* Add value to obj under key, stealing it; remember a failed allocation
 * (value NULL). */
void cn_dcat_put(cn_dcat_ctx *c, json_t *obj, const char *key, json_t *value)
{
    if (value == NULL || json_object_set_new(obj, key, value) != 0)
        c->oom = 1;
}

/* cn_dcat_put() of a value that may be NULL: nothing to add (an IRI that did not
 * pass, whose helper has set c->oom if it ran out of memory). */
void cn_dcat_put_opt(cn_dcat_ctx *c, json_t *obj, const char *key, json_t *value)
{
    if (value != NULL)
        cn_dcat_put(c, obj, key, value);
}

/* Append value to the array under key (created on first use); NULL is
 * nothing to add, as for cn_dcat_put_opt(). */
void cn_dcat_add(cn_dcat_ctx *c, json_t *obj, const char *key, json_t *value)
{
    json_t *list = json_object_get(obj, key);

    if (value == NULL)
        return;
    if (list == NULL && json_object_set_new(obj, key, list = json_array()) != 0)
        list = NULL;
    if (list == NULL || json_array_append_new(list, value) != 0)
        c->oom = 1;
}

static const char *str_at(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s && *s ? s : NULL;
}

/* 1 if s is an absolute URI by RFC 3986 (the manifest validator's check)
 * and not longer than DCAT_IRI_MAX. */
static int is_iri(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n > 0 && n <= DCAT_IRI_MAX && cn_format_check("uri", s, n);
}

/* {"@id": iri}; NULL when iri is not an absolute URI, or when out of
 * memory (then c->oom is set). */
json_t *cn_dcat_ref(cn_dcat_ctx *c, const char *iri)
{
    json_t *o;

    if (!is_iri(iri))
        return NULL;
    if ((o = json_pack("{s:s}", "@id", iri)) == NULL)
        c->oom = 1;
    return o;
}

json_t *cn_dcat_ref_printf(cn_dcat_ctx *c, const char *fmt, ...)
{
    json_t *s, *o;
    va_list ap;

    va_start(ap, fmt);
    s = json_vsprintf(fmt, ap);
    va_end(ap);
    if (s == NULL) {
        c->oom = 1;
        return NULL;
    }
    o = cn_dcat_ref(c, json_string_value(s));
    json_decref(s);
    return o;
}

/* A JSON string (c->oom set when out of memory). */
json_t *cn_dcat_text(cn_dcat_ctx *c, const char *s)
{
    json_t *o = json_string(s);

    if (o == NULL)
        c->oom = 1;
    return o;
}

/* {"@value": value, "@type": type}. */
static json_t *typed(cn_dcat_ctx *c, const char *value, const char *type)
{
    json_t *o = json_pack("{s:s, s:s}", "@value", value, "@type", type);

    if (o == NULL)
        c->oom = 1;
    return o;
}

/* A unix time as xsd:dateTime, NULL for 0. */
json_t *cn_dcat_date_time(cn_dcat_ctx *c, int64_t t)
{
    json_t *s = t > 0 ? cn_reg_time_json(t) : NULL;
    json_t *o = json_is_string(s) ? typed(c, json_string_value(s), "xsd:dateTime") : NULL;

    json_decref(s);
    return o;
}

json_t *cn_dcat_mailto(cn_dcat_ctx *c, const char *email)
{
    static const char keep[] = "-._~!$'()*+,;=@";
    static const char hex[] = "0123456789ABCDEF";
    char buf[8 + 3 * 254 + 1];
    size_t n = email ? strlen(email) : 0, i, o = 7;

    if (n == 0 || n > 254 || !cn_format_check("email", email, n))
        return NULL;
    memcpy(buf, "mailto:", 7);
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)email[i];
        if (isalnum(ch) || (ch < 0x80 && strchr(keep, ch) != NULL)) {
            buf[o++] = (char)ch;
        } else {
            buf[o++] = '%';
            buf[o++] = hex[ch >> 4];
            buf[o++] = hex[ch & 15];
        }
    }
    buf[o] = '\0';
    return cn_dcat_ref(c, buf);
}

/* ---- vocabularies (dcat_vocab.c has the tables) ---- */

/* The EU file type IRI of a manifest format; NULL when it has none. */
static json_t *file_format(cn_dcat_ctx *c, const char *format)
{
    const char *code = cn_dcat_file_type(format);
    return code ? cn_dcat_ref_printf(c, EU_AUTHORITY "file-type/%s", code) : NULL;
}

/* The EU frequency IRI of an accrualPeriodicity; NULL when it has none. */
static json_t *frequency(cn_dcat_ctx *c, const char *f)
{
    const char *code = cn_dcat_frequency(f);
    return code ? cn_dcat_ref_printf(c, EU_AUTHORITY "frequency/%s", code) : NULL;
}

/* The EU language IRI of a BCP 47 tag; NULL when it has none. */
static json_t *language(cn_dcat_ctx *c, const char *tag)
{
    const char *code = cn_dcat_language(tag);
    return code ? cn_dcat_ref_printf(c, EU_AUTHORITY "language/%s", code) : NULL;
}

/* The licence IRI for a manifest's licence: DCAT-AP.de's when the table
 * knows the URL, else the URI as given; NULL when it is not an absolute
 * URI. */
static json_t *license_ref(cn_dcat_ctx *c, const char *uri)
{
    const char *path;

    if (!is_iri(uri))
        return NULL;
    path = cn_dcat_license(uri);
    return path ? cn_dcat_ref_printf(c, DCATDE_LICENSE "%s", path) : cn_dcat_ref(c, uri);
}

/* spatial as AGS/ARS digits -> DCAT-AP.de's political geocoding IRI for a
 * key of that length; NULL for other values. */
static json_t *geocoding(cn_dcat_ctx *c, const char *s)
{
    const char *vocab = cn_dcat_geocoding_key(s);
    return vocab ? cn_dcat_ref_printf(c, DCATDE_GEOCOD "%s/%s", vocab, s) : NULL;
}

/* ---- agents ---- */

/* A manifest agent {name, url, email} as a foaf:Agent (publisher,
 * maintainer); NULL without a name. */
static json_t *foaf_agent(cn_dcat_ctx *c, const json_t *agent)
{
    const char *name = str_at(agent, "name");
    json_t *o;

    if (name == NULL)
        return NULL;
    if ((o = json_pack("{s:s, s:s}", "@type", "foaf:Agent", "foaf:name", name)) == NULL) {
        c->oom = 1;
        return NULL;
    }
    cn_dcat_put_opt(c, o, "foaf:homepage", cn_dcat_ref(c, str_at(agent, "url")));
    cn_dcat_put_opt(c, o, "foaf:mbox", cn_dcat_mailto(c, str_at(agent, "email")));
    return o;
}

/* A manifest agent as the vcard:Kind of dcat:contactPoint. */
static json_t *vcard_kind(cn_dcat_ctx *c, const json_t *agent)
{
    const char *name = str_at(agent, "name");
    json_t *o;

    if (name == NULL)
        return NULL;
    /* vcard:Kind too: DCAT-AP.de's shapes check the class without the
     * vCard ontology that makes an Organization a Kind. */
    if ((o = json_pack("{s:[s, s], s:s}", "@type", "vcard:Organization", "vcard:Kind", "vcard:fn",
                       name)) == NULL) {
        c->oom = 1;
        return NULL;
    }
    cn_dcat_put_opt(c, o, "vcard:hasEmail", cn_dcat_mailto(c, str_at(agent, "email")));
    cn_dcat_put_opt(c, o, "vcard:hasURL", cn_dcat_ref(c, str_at(agent, "url")));
    return o;
}

/* ---- datasets ---- */

/* dct:issued / dct:modified: the manifest's date, else the publication
 * time, else nothing. */
static void put_date(cn_dcat_ctx *c, json_t *o, const char *key, const char *date, int64_t t)
{
    if (date && cn_format_check("date", date, strlen(date)))
        cn_dcat_put(c, o, key, typed(c, date, "xsd:date"));
    else
        cn_dcat_put_opt(c, o, key, cn_dcat_date_time(c, t));
}

/* A new node {"@id": <dataset IRI><suffix>, "@type": type}. */
static json_t *node_of(cn_dcat_ctx *c, const cn_dcat_item *d, const char *suffix, const char *type)
{
    json_t *o =
        json_pack("{s:o, s:s}", "@id",
                  json_sprintf("%s/api/v1/items/%s/%s%s", c->base, c->node_id, d->item, suffix),
                  "@type", type);

    if (o == NULL)
        c->oom = 1;
    return o;
}

static json_t *bundle_url(cn_dcat_ctx *c, const cn_dcat_item *d)
{
    return cn_dcat_ref_printf(c, "%s/download/%s/%s/%s/full.bundle", c->base, c->node_id, d->item,
                              d->version);
}

static json_t *web_page(cn_dcat_ctx *c, const cn_dcat_item *d)
{
    return cn_dcat_ref_printf(c, "%s/?item=%s/%s", c->base, c->node_id, d->item);
}

/* One of the manifest's distributions (index counts from 0). */
static json_t *distribution(cn_dcat_ctx *c, const cn_dcat_item *d, const json_t *m, size_t index,
                            const char *dataset_license)
{
    const char *url = str_at(m, "url"), *file = str_at(m, "file"), *format = str_at(m, "format");
    const char *media = str_at(m, "mediaType"), *license = str_at(m, "license");
    const json_t *size = json_object_get(m, "byteSize");
    char suffix[32];
    json_t *o;

    snprintf(suffix, sizeof(suffix), "#distribution-%zu", index + 1);
    if ((o = node_of(c, d, suffix, "dcat:Distribution")) == NULL)
        return NULL;
    if (str_at(m, "title"))
        cn_dcat_put(c, o, "dct:title", cn_dcat_text(c, str_at(m, "title")));
    if (str_at(m, "description"))
        cn_dcat_put(c, o, "dct:description", cn_dcat_text(c, str_at(m, "description")));
    else if (file)
        cn_dcat_put(c, o, "dct:description",
                    json_sprintf("The file %s in the dataset's signed bundle (version %s).", file,
                                 d->version));
    if (is_iri(url)) {
        cn_dcat_put_opt(c, o, "dcat:accessURL", cn_dcat_ref(c, url));
        cn_dcat_put_opt(c, o, "dcat:downloadURL", cn_dcat_ref(c, url));
    } else if (c->has_files) {
        /* A file inside the bundle is reached through the bundle. */
        cn_dcat_put_opt(c, o, "dcat:accessURL", bundle_url(c, d));
    } else {
        cn_dcat_put_opt(c, o, "dcat:accessURL", web_page(c, d));
    }
    if (format)
        cn_dcat_put_opt(c, o, "dct:format", file_format(c, format));
    if (media)
        cn_dcat_put_opt(c, o, "dcat:mediaType", cn_dcat_ref_printf(c, IANA_MEDIA "%s", media));
    cn_dcat_put_opt(c, o, "dct:license",
                    license_ref(c, is_iri(license) ? license : dataset_license));
    if (json_is_integer(size) && json_integer_value(size) >= 0) {
        char n[32];
        snprintf(n, sizeof(n), "%" JSON_INTEGER_FORMAT, json_integer_value(size));
        cn_dcat_put(c, o, "dcat:byteSize", typed(c, n, "xsd:nonNegativeInteger"));
    }
    return o;
}

/* The signed bundle itself: every file with its history. */
static json_t *bundle_distribution(cn_dcat_ctx *c, const cn_dcat_item *d, const char *license)
{
    json_t *o = node_of(c, d, "#bundle", "dcat:Distribution");

    if (o == NULL)
        return NULL;
    cn_dcat_put(c, o, "dct:title", json_sprintf("Signed git bundle, version %s", d->version));
    cn_dcat_put(
        c, o, "dct:description",
        json_sprintf("All files of the dataset with their history, as a git bundle whose tag "
                     "v%s the publishing node signed (check it with `citynode verify`, or with "
                     "`git verify-tag` in a `git clone %s/git/%s/%s.git`).",
                     d->version, c->base, c->node_id, d->item));
    cn_dcat_put_opt(c, o, "dcat:accessURL", bundle_url(c, d));
    cn_dcat_put_opt(c, o, "dcat:downloadURL", bundle_url(c, d));
    /* No dct:format: the EU file types have no git bundle, and DCAT-AP
     * wants an IRI there. The title and description say what it is. */
    cn_dcat_put_opt(c, o, "dct:license", license_ref(c, license));
    /* A published version is immutable and its files stay, withdrawn or
     * not (PROTOCOL): the EU planned availability "stable". */
    cn_dcat_put_opt(c, o, "dcatap:availability",
                    cn_dcat_ref(c, EU_AUTHORITY "planned-availability/STABLE"));
    return o;
}

/* The same bundle as this node re-serves it from its verified mirror: a
 * distribution of its own (its IRI is under the mirror's base), so that
 * merging the catalogs of several mirrors adds their copies to the
 * publisher's description instead of changing it. */
static json_t *mirror_distribution(cn_dcat_ctx *c, const cn_dcat_item *d, const char *license)
{
    json_t *o =
        json_pack("{s:o, s:s}", "@id",
                  json_sprintf("%s/api/v1/items/%s/%s#bundle", c->mirror_base, c->node_id, d->item),
                  "@type", "dcat:Distribution");
    json_t *url;

    if (o == NULL) {
        c->oom = 1;
        return NULL;
    }
    cn_dcat_put(c, o, "dct:title",
                json_sprintf("Signed git bundle, version %s (verified mirror)", d->version));
    cn_dcat_put(
        c, o, "dct:description",
        json_sprintf("The publisher's signed git bundle of version %s, as a node that verified "
                     "it against the publisher's keys serves it (check it with `citynode "
                     "verify`, or with `git verify-tag` in a `git clone %s/git/%s/%s.git`).",
                     d->version, c->mirror_base, c->node_id, d->item));
    url = cn_dcat_ref_printf(c, "%s/download/%s/%s/%s/full.bundle", c->mirror_base, c->node_id,
                             d->item, d->version);
    cn_dcat_put_opt(c, o, "dcat:accessURL", json_deep_copy(url));
    cn_dcat_put_opt(c, o, "dcat:downloadURL", url);
    cn_dcat_put_opt(c, o, "dct:license", license_ref(c, license));
    return o;
}

json_t *cn_dcat_dataset_json(cn_dcat_ctx *c, const cn_dcat_item *d)
{
    const json_t *m = d->manifest, *v;
    const char *license = str_at(m, "license"), *spatial = str_at(m, "spatial");
    json_t *o, *geo;
    size_t i;

    if (!is_iri(license))
        license = NULL;
    if ((o = node_of(c, d, "", "dcat:Dataset")) == NULL)
        return NULL;
    cn_dcat_put(c, o, "dct:identifier", json_sprintf("%s/%s", c->node_id, d->item));
    cn_dcat_put(c, o, "dct:title",
                cn_dcat_text(c, str_at(m, "title") ? str_at(m, "title") : d->item));
    if (str_at(m, "description"))
        cn_dcat_put(c, o, "dct:description", cn_dcat_text(c, str_at(m, "description")));
    cn_dcat_put(c, o, "owl:versionInfo", cn_dcat_text(c, d->version));
    cn_dcat_put(c, o, "dcat:version", cn_dcat_text(c, d->version));
    if (is_iri(str_at(m, "landingPage")))
        cn_dcat_put_opt(c, o, "dcat:landingPage", cn_dcat_ref(c, str_at(m, "landingPage")));
    else
        cn_dcat_put_opt(c, o, "dcat:landingPage", web_page(c, d));
    json_array_foreach(json_object_get(m, "keywords"), i, v)
    {
        if (i < DCAT_KEYWORDS_MAX && json_string_value(v) && *json_string_value(v))
            cn_dcat_add(c, o, "dcat:keyword", cn_dcat_text(c, json_string_value(v)));
    }
    json_array_foreach(json_object_get(m, "theme"), i, v)
    {
        const char *code = json_string_value(v);
        if (code && strlen(code) == 4 && strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == 4)
            cn_dcat_add(c, o, "dcat:theme",
                        cn_dcat_ref_printf(c, EU_AUTHORITY "data-theme/%s", code));
    }
    cn_dcat_put_opt(c, o, "dct:publisher", foaf_agent(c, json_object_get(m, "publisher")));
    cn_dcat_put_opt(c, o, "dcat:contactPoint", vcard_kind(c, json_object_get(m, "contactPoint")));
    cn_dcat_put_opt(c, o, "dcatde:maintainer", foaf_agent(c, json_object_get(m, "maintainer")));
    cn_dcat_put_opt(c, o, "dct:license", license_ref(c, license));
    cn_dcat_put_opt(c, o, "dct:accessRights", cn_dcat_ref(c, EU_AUTHORITY "access-right/PUBLIC"));
    put_date(c, o, "dct:issued", str_at(m, "issued"), d->first_published);
    put_date(c, o, "dct:modified", str_at(m, "modified"), d->published);
    if (str_at(m, "accrualPeriodicity"))
        cn_dcat_put_opt(c, o, "dct:accrualPeriodicity",
                        frequency(c, str_at(m, "accrualPeriodicity")));
    json_array_foreach(json_object_get(m, "language"), i, v)
    {
        if (json_string_value(v) && *json_string_value(v))
            cn_dcat_add(c, o, "dct:language", language(c, json_string_value(v)));
    }
    if (spatial && (geo = geocoding(c, spatial)) != NULL) {
        /* DCAT-AP.de 3.0 deprecates dcatde:politicalGeocodingURI: the
         * geocoding IRI is the dct:spatial alone. */
        cn_dcat_put(c, o, "dct:spatial", geo);
    } else if (spatial) {
        cn_dcat_put_opt(c, o, "dct:spatial", cn_dcat_ref(c, spatial));
    }
    json_array_foreach(json_object_get(m, "distributions"), i, v)
    {
        if (i < DCAT_DISTRIBUTION_MAX && json_is_object(v))
            cn_dcat_add(c, o, "dcat:distribution", distribution(c, d, v, i, license));
    }
    if (c->has_files)
        cn_dcat_add(c, o, "dcat:distribution", bundle_distribution(c, d, license));
    if (c->mirror_base)
        cn_dcat_add(c, o, "dcat:distribution", mirror_distribution(c, d, license));
    return o;
}

/* ---- the catalog ---- */

json_t *cn_dcat_context(void)
{
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "dcat", "http://www.w3.org/ns/dcat#",
        "dct", "http://purl.org/dc/terms/", "foaf", "http://xmlns.com/foaf/0.1/", "vcard",
        "http://www.w3.org/2006/vcard/ns#", "owl", "http://www.w3.org/2002/07/owl#", "xsd",
        "http://www.w3.org/2001/XMLSchema#", "dcatde", "http://dcat-ap.de/def/dcatde/", "hydra",
        "http://www.w3.org/ns/hydra/core#", "dcatap", "http://data.europa.eu/r5r/");
}

/* The base URL without trailing '/': given, else the node's URL in the
 * registry; it must be an absolute http(s) URI. */
int cn_dcat_base_url(char **out, const char *given, const char *node_url)
{
    const char *b = given ? given : node_url;
    size_t n = b ? strlen(b) : 0;

    *out = NULL;
    if (b == NULL)
        return cn_error_set(CN_EINVAL, "base URL: the node has no URL in the registry; give one");
    while (n > 0 && b[n - 1] == '/')
        n--;
    if (n == 0 || n > DCAT_BASE_URL_MAX ||
        (strncmp(b, "http://", 7) != 0 && strncmp(b, "https://", 8) != 0) ||
        strpbrk(b, "?#") != NULL || (*out = strndup(b, n)) == NULL || !is_iri(*out)) {
        free(*out);
        *out = NULL;
        return cn_error_set(CN_EINVAL,
                            "base URL: expected an absolute http(s) URL without query or "
                            "fragment, got '%.80s'",
                            b);
    }
    return 0;
}

/* Every live dataset of the node, by item id, with the manifest of the
 * version the registry describes it by. */
static const char datasets_sql[] =
    "SELECT i.item, i.latest, v.manifest, v.published,"
    " (SELECT min(w.published) FROM reg_versions w WHERE w.item = i.id AND w.withdrawn = 0"
    "  AND w.published > 0)"
    " FROM reg_items i JOIN reg_versions v ON v.item = i.id AND v.version = i.latest"
    " WHERE i.node = ?1 AND i.kind = 'dataset' AND i.withdrawn = 0 ORDER BY i.item LIMIT ?2";

static int add_datasets(cn_dcat_ctx *c, json_t *catalog, int64_t times[2], cn_registry *reg,
                        int64_t node_rowid)
{
    sqlite3_stmt *st = NULL;
    size_t count = 0, bytes = 0;
    int rc, err = 0;

    if (sqlite3_prepare_v2(reg->db, datasets_sql, -1, &st, NULL) != SQLITE_OK)
        return cn_reg_sqlite_error(reg, "reading the datasets");
    sqlite3_bind_int64(st, 1, node_rowid);
    sqlite3_bind_int(st, 2, DCAT_DATASETS_MAX + 1);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cn_dcat_item d = {(const char *)sqlite3_column_text(st, 0),
                          (const char *)sqlite3_column_text(st, 1), NULL,
                          sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 3)};
        json_t *m;
        if (++count > DCAT_DATASETS_MAX) {
            err = cn_error_set(CN_ELIMIT, "catalog: more than %d datasets", DCAT_DATASETS_MAX);
            goto out;
        }
        bytes += (size_t)sqlite3_column_bytes(st, 2);
        if (bytes > DCAT_MANIFEST_BYTES) {
            err = cn_error_set(CN_ELIMIT, "catalog: the manifests add up to more than %d MiB",
                               DCAT_MANIFEST_BYTES / (1024 * 1024));
            goto out;
        }
        if (d.item == NULL || d.version == NULL)
            continue;
        if ((m = cn_reg_column_json(st, 2)) == NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
        d.manifest = m;
        if (json_is_object(m))
            cn_dcat_add(c, catalog, "dcat:dataset", cn_dcat_dataset_json(c, &d));
        json_decref(m);
        if (d.published > times[1])
            times[1] = d.published;
        if (d.first_published > 0 && (times[0] == 0 || d.first_published < times[0]))
            times[0] = d.first_published;
        if (c->oom) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
    }
    if (rc != SQLITE_DONE)
        err = cn_reg_sqlite_error(reg, "reading the datasets");
out:
    sqlite3_finalize(st);
    return err;
}

/* What DCAT-AP recommends a catalog says and its datasets give: the
 * languages of its datasets (each once), and, for a node with an AGS/ARS
 * code (init --code), the area it covers as DCAT-AP.de geocoding. */
static void catalog_coverage(cn_dcat_ctx *c, json_t *catalog, const char *code)
{
    json_t *seen = json_object(), *d, *lang;
    size_t i, j;

    if (seen == NULL) {
        c->oom = 1;
        return;
    }
    json_array_foreach(json_object_get(catalog, "dcat:dataset"), i, d)
    {
        json_array_foreach(json_object_get(d, "dct:language"), j, lang)
        {
            const char *iri = json_string_value(json_object_get(lang, "@id"));
            if (iri == NULL || json_object_get(seen, iri) != NULL)
                continue;
            if (json_object_set_new(seen, iri, json_true()) != 0)
                c->oom = 1;
            if ((lang = json_deep_copy(lang)) == NULL)
                c->oom = 1;
            cn_dcat_add(c, catalog, "dct:language", lang);
        }
    }
    json_decref(seen);
    if (code != NULL)
        cn_dcat_put_opt(c, catalog, "dct:spatial", geocoding(c, code));
}

/* A new dcat:Catalog iri of the node called name at base, its publisher,
 * with an empty dcat:dataset list; with an @context first when ctx (stolen,
 * as description is) is not NULL. */
json_t *cn_dcat_catalog_head(cn_dcat_ctx *c, json_t *ctx, const char *iri, const char *base,
                             const char *name, json_t *description)
{
    json_t *catalog = json_object(), *publisher;

    if (catalog == NULL) {
        c->oom = 1;
        json_decref(ctx);
        json_decref(description);
        return NULL;
    }
    if (ctx != NULL)
        cn_dcat_put(c, catalog, "@context", ctx);
    cn_dcat_put(c, catalog, "@id", cn_dcat_text(c, iri));
    cn_dcat_put(c, catalog, "@type", cn_dcat_text(c, "dcat:Catalog"));
    cn_dcat_put(c, catalog, "dct:title", cn_dcat_text(c, name));
    cn_dcat_put(c, catalog, "dct:description", description);
    if ((publisher = json_pack("{s:s, s:s}", "@type", "foaf:Agent", "foaf:name", name)) != NULL)
        cn_dcat_put_opt(c, publisher, "foaf:homepage", cn_dcat_ref_printf(c, "%s/", base));
    cn_dcat_put(c, catalog, "dct:publisher", publisher);
    cn_dcat_put_opt(c, catalog, "foaf:homepage", cn_dcat_ref_printf(c, "%s/", base));
    cn_dcat_put_opt(c, catalog, "dcat:themeTaxonomy", cn_dcat_ref(c, EU_AUTHORITY "data-theme"));
    cn_dcat_put(c, catalog, "dcat:dataset", json_array());
    return catalog;
}

int cn_registry_dcat_catalog(json_t **out, cn_registry *reg, const char *node_id, const char *base)
{
    sqlite3_stmt *st = NULL;
    cn_dcat_ctx c = {NULL, NULL, 0, NULL, 0};
    char id[65], *b = NULL, iri[DCAT_BASE_URL_MAX + 32];
    json_t *catalog = NULL;
    const char *name, *source;
    int64_t rowid, times[2] = {0, 0}; /* first publication, last */
    int err, began = 0;

    *out = NULL;
    if ((err = cn_reg_read_begin(reg, &began)) != 0)
        return err;
    if ((err = cn_reg_resolve_node(id, &rowid, reg, node_id)) != 0)
        goto out;
    if (sqlite3_prepare_v2(reg->db, "SELECT name, url, source, code FROM reg_nodes WHERE id = ?1",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_bind_int64(st, 1, rowid) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
        err = cn_reg_sqlite_error(reg, "reading a node");
        goto out;
    }
    name = (const char *)sqlite3_column_text(st, 0);
    source = (const char *)sqlite3_column_text(st, 2);
    if ((err = cn_dcat_base_url(&b, base, (const char *)sqlite3_column_text(st, 1))) != 0)
        goto out;
    if (name == NULL)
        name = id;
    c.base = b;
    c.node_id = id;
    c.has_files = source == NULL || strcmp(source, "index") != 0;
    snprintf(iri, sizeof(iri), "%s/dcat/catalog.jsonld", b);
    catalog =
        cn_dcat_catalog_head(&c, cn_dcat_context(), iri, b, name,
                             json_sprintf("Datasets that %s publishes as signed, versioned bundles "
                                          "on its citynode node %s.",
                                          name, id));
    if (c.oom) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = add_datasets(&c, catalog, times, reg, rowid)) != 0)
        goto out;
    cn_dcat_put_opt(&c, catalog, "dct:issued", cn_dcat_date_time(&c, times[0]));
    cn_dcat_put_opt(&c, catalog, "dct:modified", cn_dcat_date_time(&c, times[1]));
    catalog_coverage(&c, catalog, (const char *)sqlite3_column_text(st, 3));
    if (c.oom)
        err = cn_error_set(CN_ENOMEM, "out of memory");
out:
    sqlite3_finalize(st);
    cn_reg_read_end(reg, began);
    free(b);
    if (err == 0)
        *out = catalog;
    else
        json_decref(catalog);
    return err;
}
