/*
 * schemaorg.c - an item version described in schema.org terms, as the
 * JSON-LD its page embeds for search engines (docs/SCHEMAORG.md): a
 * SoftwareSourceCode for a solution, a Dataset for a dataset, a CreativeWork
 * for a strategy; and the pieces codemeta.c shares (licences as SPDX URLs,
 * SWHIDs, people and organisations).
 *
 * Everything is built from the registry's item document (browse.c), so the
 * page, the API and the JSON-LD cannot disagree. Text from manifests stays
 * JSON string values here; making the document safe inside HTML is the
 * server's job (a "<" in a title is escaped when the script element is
 * written, node/http/registry_routes.c).
 */
#include "core/error.h"
#include "registry/internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes of a description kept (Google's Dataset guidelines: at most 5000). */
#define SO_DESCRIPTION_MAX 5000
#define SO_BASE_MAX        1024

const char *cn_reg_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

int cn_reg_set_opt(json_t *obj, const char *key, json_t *value)
{
    if (value == NULL || json_is_null(value) ||
        (json_is_array(value) && json_array_size(value) == 0) ||
        (json_is_string(value) && json_string_length(value) == 0)) {
        json_decref(value);
        return 0;
    }
    return json_object_set_new(obj, key, value) == 0 ? 0 : cn_error_set(CN_ENOMEM, "out of memory");
}

/* An http(s) URL without white space or control characters. */
static int is_http_url(const char *s)
{
    if (s == NULL || (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0))
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == 0x7f)
            return 0;
    return 1;
}

json_t *cn_reg_http_url(const char *s)
{
    return is_http_url(s) ? json_string(s) : NULL;
}

json_t *cn_reg_license_json(const char *license)
{
    char url[160];
    size_t n, i;

    if (license == NULL || *license == '\0')
        return NULL;
    if (is_http_url(license))
        return json_string(license);
    /* One SPDX licence id (the SPDX list's ids are letters, digits, '-', '.'
     * and '+'): its page. An expression (AND, OR, WITH) has no one URL and
     * stays as the text of the expression. */
    n = strlen(license);
    for (i = 0; i < n; i++)
        if (!isalnum((unsigned char)license[i]) && license[i] != '-' && license[i] != '.' &&
            license[i] != '+')
            return json_string(license);
    if (n + sizeof("https://spdx.org/licenses/.html") > sizeof(url))
        return json_string(license);
    snprintf(url, sizeof(url), "https://spdx.org/licenses/%s.html", license);
    return json_string(url);
}

json_t *cn_reg_swhid_list(const json_t *version)
{
    static const char *const order[] = {"rel", "rev", "dir"};
    const json_t *swhids = json_object_get(version, "swhids");
    json_t *list = json_array();
    size_t i;

    for (i = 0; list && i < sizeof(order) / sizeof(order[0]); i++) {
        const char *s = cn_reg_str(swhids, order[i]);
        if (s != NULL)
            json_array_append_new(list, json_string(s));
    }
    return list;
}

json_t *cn_reg_agent_json(const char *type, const json_t *agent)
{
    const char *name = cn_reg_str(agent, "name");
    json_t *o;

    if (name == NULL || *name == '\0' ||
        (o = json_pack("{s:s, s:s}", "@type", type, "name", name)) == NULL)
        return NULL;
    if (cn_reg_set_opt(o, "url", cn_reg_http_url(cn_reg_str(agent, "url"))) != 0 ||
        cn_reg_set_opt(o, "email", json_string(cn_reg_str(agent, "email"))) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *cn_reg_node_org(const json_t *doc)
{
    const json_t *node = json_object_get(doc, "node");

    return cn_reg_agent_json("GovernmentOrganization", node);
}

json_t *cn_reg_publiccode_maintainers(const json_t *manifest)
{
    const json_t *contacts = json_object_get(json_object_get(manifest, "maintenance"), "contacts");
    const json_t *c;
    json_t *list = json_array();
    size_t i;

    json_array_foreach(contacts, i, c)
    {
        json_t *p = cn_reg_agent_json("Person", c);

        if (p != NULL && list != NULL)
            json_array_append_new(list, p);
    }
    return list;
}

const json_t *cn_reg_publiccode_lang(const json_t *manifest)
{
    const json_t *desc = json_object_get(manifest, "description"), *shown = NULL, *lang;
    const char *key;

    json_object_foreach((json_t *)desc, key, lang)
    {
        if (!json_is_object(lang))
            continue;
        if (shown == NULL || strcmp(key, "en") == 0 ||
            (strcmp(key, "de") == 0 && json_object_get(desc, "en") == NULL))
            shown = lang;
    }
    return shown;
}

json_t *cn_reg_capped_string(const char *s, size_t max)
{
    size_t n;

    if (s == NULL)
        return NULL;
    n = strlen(s);
    if (n > max) { /* cut before a character, not inside a UTF-8 sequence */
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    /* YAML's folded and literal blocks end in a newline. */
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    return json_stringn(s, n);
}

/* The pieces of a version every kind shares. */
typedef struct {
    const json_t *doc;      /* the item document (browse.c) */
    const json_t *version;  /* doc.version */
    const json_t *manifest; /* doc.version.manifest */
    char base[SO_BASE_MAX]; /* base URL, no trailing '/' */
    char page[SO_BASE_MAX + 256];
} so_ctx;

/* {"@type": "PropertyValue", "propertyID": "SWHID", "value": ...} for
 * each known SWHID, and the archive's page of each. */
static int put_swhids(json_t *o, const so_ctx *c)
{
    json_t *ids = cn_reg_swhid_list(c->version), *values = json_array(), *archived = json_array(),
           *s;
    size_t i;
    int err;

    if (ids == NULL || values == NULL || archived == NULL) {
        json_decref(ids);
        json_decref(values);
        json_decref(archived);
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    json_array_foreach(ids, i, s)
    {
        char url[128];

        snprintf(url, sizeof(url), "https://archive.softwareheritage.org/%s", json_string_value(s));
        json_array_append_new(values, json_pack("{s:s, s:s, s:O}", "@type", "PropertyValue",
                                                "propertyID", "SWHID", "value", s));
        json_array_append_new(archived, json_string(url));
    }
    json_decref(ids);
    if ((err = cn_reg_set_opt(o, "identifier", values)) != 0) {
        json_decref(archived);
        return err;
    }
    return cn_reg_set_opt(o, "archivedAt", archived);
}

/* The members every kind has: type, ids, names, version, dates, publisher,
 * isBasedOn, SWHIDs. description: the kind's longer text, else the item's. */
static json_t *common(const so_ctx *c, const char *type, const char *description)
{
    const json_t *b;
    json_t *o, *urls = json_array();
    size_t i;

    o = json_pack("{s:s, s:s, s:s, s:s, s:O}", "@context", "https://schema.org", "@type", type,
                  "@id", c->page, "url", c->page, "name", json_object_get(c->doc, "title"));
    if (o == NULL || urls == NULL) {
        json_decref(o);
        json_decref(urls);
        return NULL;
    }
    json_array_foreach(json_object_get(c->doc, "based_on"), i, b)
    {
        json_t *u = cn_reg_http_url(cn_reg_str(b, "url"));
        if (u != NULL)
            json_array_append_new(urls, u);
    }
    if (cn_reg_set_opt(o, "isBasedOn", urls) != 0 ||
        cn_reg_set_opt(
            o, "description",
            cn_reg_capped_string(description ? description : cn_reg_str(c->doc, "description"),
                                 SO_DESCRIPTION_MAX)) != 0 ||
        cn_reg_set_opt(o, "version", json_string(cn_reg_str(c->version, "version"))) != 0 ||
        cn_reg_set_opt(o, "datePublished", json_string(cn_reg_str(c->version, "published"))) ||
        cn_reg_set_opt(o, "dateModified", json_string(cn_reg_str(c->doc, "updated"))) != 0 ||
        cn_reg_set_opt(o, "publisher", cn_reg_node_org(c->doc)) != 0 || put_swhids(o, c) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* <base>/git/<node>/<item>.git when the repository is on this node. */
static json_t *clone_url(const so_ctx *c)
{
    const char *git = cn_reg_str(c->doc, "git");
    char url[SO_BASE_MAX + 256];

    if (git == NULL)
        return NULL;
    snprintf(url, sizeof(url), "%s%s", c->base, git);
    return json_string(url);
}

static json_t *solution(const so_ctx *c)
{
    const json_t *m = c->manifest, *lang = cn_reg_publiccode_lang(m);
    json_t *o = common(c, "SoftwareSourceCode", cn_reg_str(lang, "longDescription"));
    json_t *repo = cn_reg_http_url(cn_reg_str(m, "url"));

    if (o == NULL)
        return NULL;
    if (repo == NULL)
        repo = clone_url(c);
    if (cn_reg_set_opt(o, "codeRepository", repo) != 0 ||
        cn_reg_set_opt(o, "softwareVersion", json_string(cn_reg_str(m, "softwareVersion"))) ||
        cn_reg_set_opt(o, "license",
                       cn_reg_license_json(cn_reg_str(json_object_get(m, "legal"), "license"))) ||
        cn_reg_set_opt(o, "applicationCategory",
                       json_deep_copy(json_object_get(m, "categories"))) ||
        cn_reg_set_opt(o, "keywords", json_deep_copy(json_object_get(m, "categories"))) != 0 ||
        cn_reg_set_opt(o, "runtimePlatform", json_deep_copy(json_object_get(m, "platforms"))) ||
        cn_reg_set_opt(o, "maintainer", cn_reg_publiccode_maintainers(m)) != 0 ||
        cn_reg_set_opt(o, "dateCreated", json_string(cn_reg_str(m, "releaseDate"))) != 0 ||
        cn_reg_set_opt(o, "inLanguage",
                       json_deep_copy(json_object_get(json_object_get(m, "localisation"),
                                                      "availableLanguages"))) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The manifest's distributions with a URL, and the version's files as a
 * ZIP when they are on this node. */
static json_t *dataset_downloads(const so_ctx *c)
{
    const json_t *dists = json_object_get(c->manifest, "distributions"), *d;
    json_t *list = json_array();
    size_t i;

    if (list == NULL)
        return NULL;
    json_array_foreach(dists, i, d)
    {
        json_t *url = cn_reg_http_url(cn_reg_str(d, "url")), *o;
        const char *format = cn_reg_str(d, "mediaType");

        if (url == NULL)
            continue;
        o = json_pack("{s:s, s:o, s:s?, s:s?}", "@type", "DataDownload", "contentUrl", url,
                      "encodingFormat", format ? format : cn_reg_str(d, "format"), "name",
                      cn_reg_str(d, "title"));
        if (o != NULL)
            json_array_append_new(list, o);
    }
    if (cn_reg_str(c->doc, "git") != NULL) {
        char url[SO_BASE_MAX + 256];

        snprintf(url, sizeof(url), "%s/download/%s/%s/%s/files.zip", c->base,
                 cn_reg_str(json_object_get(c->doc, "node"), "id"), cn_reg_str(c->doc, "item"),
                 cn_reg_str(c->version, "version"));
        json_array_append_new(list,
                              json_pack("{s:s, s:s, s:s}", "@type", "DataDownload", "contentUrl",
                                        url, "encodingFormat", "application/zip"));
    }
    return list;
}

static json_t *dataset(const so_ctx *c)
{
    const json_t *m = c->manifest, *node = json_object_get(c->doc, "node");
    json_t *o = common(c, "Dataset", cn_reg_str(m, "description"));
    char catalog[SO_BASE_MAX + 2];

    if (o == NULL)
        return NULL;
    snprintf(catalog, sizeof(catalog), "%s/", c->base);
    if (cn_reg_set_opt(o, "license", cn_reg_license_json(cn_reg_str(m, "license"))) != 0 ||
        cn_reg_set_opt(o, "keywords", json_deep_copy(json_object_get(m, "keywords"))) != 0 ||
        cn_reg_set_opt(o, "creator",
                       cn_reg_agent_json("Organization", json_object_get(m, "publisher"))) ||
        cn_reg_set_opt(o, "maintainer",
                       cn_reg_agent_json("Organization", json_object_get(m, "maintainer"))) ||
        cn_reg_set_opt(o, "spatialCoverage", json_string(cn_reg_str(m, "spatial"))) != 0 ||
        cn_reg_set_opt(o, "inLanguage", json_deep_copy(json_object_get(m, "language"))) != 0 ||
        cn_reg_set_opt(o, "dateCreated", json_string(cn_reg_str(m, "issued"))) != 0 ||
        cn_reg_set_opt(o, "sameAs", cn_reg_http_url(cn_reg_str(m, "landingPage"))) != 0 ||
        cn_reg_set_opt(o, "distribution", dataset_downloads(c)) != 0 ||
        cn_reg_set_opt(o, "isAccessibleForFree", json_true()) != 0 ||
        cn_reg_set_opt(o, "includedInDataCatalog",
                       json_pack("{s:s, s:O?, s:s}", "@type", "DataCatalog", "name",
                                 json_object_get(node, "name"), "url", catalog)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* "start/end" (ISO 8601 interval, ".." for an open end), or NULL. */
static json_t *temporal(const json_t *m)
{
    const char *start = cn_reg_str(m, "startDate"), *end = cn_reg_str(m, "endDate");
    char buf[80];

    if (start == NULL && end == NULL)
        return NULL;
    snprintf(buf, sizeof(buf), "%.32s/%.32s", start ? start : "..", end ? end : "..");
    return json_string(buf);
}

static json_t *strategy(const so_ctx *c)
{
    const json_t *m = c->manifest;
    json_t *o = common(c, "CreativeWork", cn_reg_str(m, "summary"));
    json_t *links = json_array(), *l;
    size_t i;

    if (o == NULL || links == NULL) {
        json_decref(o);
        json_decref(links);
        return NULL;
    }
    json_array_foreach(json_object_get(m, "links"), i, l)
    {
        json_t *u = cn_reg_http_url(json_string_value(l));
        if (u != NULL)
            json_array_append_new(links, u);
    }
    if (cn_reg_set_opt(o, "alternativeHeadline", json_string(cn_reg_str(m, "motto"))) != 0 ||
        cn_reg_set_opt(o, "keywords", json_deep_copy(json_object_get(m, "fieldsOfAction"))) ||
        cn_reg_set_opt(o, "creativeWorkStatus", json_string(cn_reg_str(m, "phase"))) != 0 ||
        cn_reg_set_opt(o, "temporalCoverage", temporal(m)) != 0 ||
        cn_reg_set_opt(o, "sameAs", links) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* "&version=V" after the page's URL, for a page asked for one version: a
 * semver's '+' (build metadata) written %2B, as a query string needs. */
static void page_add_version(char *page, size_t size, const char *version)
{
    size_t n = strlen(page);

    if (version == NULL || n + sizeof("&version=") > size)
        return;
    memcpy(page + n, "&version=", sizeof("&version="));
    n += sizeof("&version=") - 1;
    for (; *version && n + 4 < size; version++) {
        if (*version == '+') {
            memcpy(page + n, "%2B", 3);
            n += 3;
        } else {
            page[n++] = *version;
        }
    }
    page[n] = '\0';
}

int cn_reg_base_url(char *out, size_t outlen, const char *base_url, const json_t *doc)
{
    const char *b = base_url ? base_url : cn_reg_str(json_object_get(doc, "node"), "url");
    size_t n;

    if (!is_http_url(b) || strchr(b, '?') != NULL || strchr(b, '#') != NULL ||
        (n = strlen(b)) >= outlen)
        return cn_error_set(CN_EINVAL, "no usable base URL (http or https, without a query) for "
                                       "the item's links");
    memcpy(out, b, n + 1);
    while (n > 0 && out[n - 1] == '/')
        out[--n] = '\0';
    return 0;
}

int cn_registry_item_schemaorg(json_t **out, cn_registry *reg, const char *node, const char *item,
                               const cn_registry_query *query, const char *base_url)
{
    json_t *doc = NULL;
    so_ctx c;
    const char *kind;
    int err;

    *out = NULL;
    if ((err = cn_registry_item(&doc, reg, node, item, query)) != 0)
        return err;
    memset(&c, 0, sizeof(c));
    c.doc = doc;
    c.version = json_object_get(doc, "version");
    c.manifest = json_object_get(c.version, "manifest");
    if ((err = cn_reg_base_url(c.base, sizeof(c.base), base_url, doc)) != 0)
        goto out;
    snprintf(c.page, sizeof(c.page), "%s/?item=%s/%s", c.base,
             cn_reg_str(json_object_get(doc, "node"), "id"), cn_reg_str(doc, "item"));
    if (query != NULL && query->version != NULL)
        page_add_version(c.page, sizeof(c.page), cn_reg_str(c.version, "version"));
    kind = cn_reg_str(doc, "kind");
    if (kind != NULL && strcmp(kind, "solution") == 0)
        *out = solution(&c);
    else if (kind != NULL && strcmp(kind, "dataset") == 0)
        *out = dataset(&c);
    else
        *out = strategy(&c);
    if (*out == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
out:
    json_decref(doc);
    return err;
}
