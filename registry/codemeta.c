/*
 * codemeta.c - GET /api/v1/items/<node>/<item>/codemeta.json: a solution's
 * publiccode.yml crosswalked to CodeMeta 3.0 (docs/CODEMETA.md has the
 * table), with the version's SWHIDs as its identifiers, so that software
 * catalogues and archives that read codemeta.json (Software Heritage among
 * them) find the same facts as publiccode.yml readers.
 */
#include "core/error.h"
#include "registry/internal.h"

#include <stdio.h>
#include <string.h>

#define CM_DESCRIPTION_MAX 10000
#define CM_BASE_MAX        1024

/* publiccode.yml's developmentStatus as a repostatus.org status, the
 * vocabulary CodeMeta recommends: beta is not yet a stable release. */
static json_t *repostatus(const char *status)
{
    static const struct {
        const char *publiccode, *repostatus;
    } map[] = {
        {"concept", "concept"}, {"development", "wip"},      {"beta", "wip"},
        {"stable", "active"},   {"obsolete", "unsupported"},
    };
    char url[64];

    for (size_t i = 0; status && i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(status, map[i].publiccode) == 0) {
            snprintf(url, sizeof(url), "https://www.repostatus.org/#%s", map[i].repostatus);
            return json_string(url);
        }
    }
    return NULL;
}

/* An Organization of publiccode.yml ({name, uri}: fundedBy's entries,
 * organisation), or NULL without a name; uri becomes url when it is one. */
static json_t *organisation(const json_t *org)
{
    const char *name = cn_reg_str(org, "name");
    json_t *o;

    if (name == NULL || *name == '\0' ||
        (o = json_pack("{s:s, s:s}", "@type", "Organization", "name", name)) == NULL)
        return NULL;
    if (cn_reg_set_opt(o, "url", cn_reg_http_url(cn_reg_str(org, "uri"))) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *funders(const json_t *m)
{
    const json_t *f;
    json_t *list = json_array(), *o;
    size_t i;

    json_array_foreach(json_object_get(m, "fundedBy"), i, f)
    {
        if (list != NULL && (o = organisation(f)) != NULL)
            json_array_append_new(list, o);
    }
    return list;
}

/* The names of the free software a solution depends on (dependsOn.open:
 * [{name, version?, versionMin?, ...}]), "name version" when one is given. */
static json_t *requirements(const json_t *m)
{
    const json_t *d;
    json_t *list = json_array();
    size_t i;

    json_array_foreach(json_object_get(json_object_get(m, "dependsOn"), "open"), i, d)
    {
        const char *name = cn_reg_str(d, "name"), *v = cn_reg_str(d, "version");
        char buf[256];

        if (name == NULL || list == NULL)
            continue;
        if (v == NULL && (v = cn_reg_str(d, "versionMin")) != NULL)
            snprintf(buf, sizeof(buf), "%.160s >= %.64s", name, v);
        else
            snprintf(buf, sizeof(buf), v ? "%.160s %.64s" : "%.160s", name, v);
        json_array_append_new(list, json_string(buf));
    }
    return list;
}

/* The date part (YYYY-MM-DD) of an RFC 3339 time of the item document. */
static json_t *date_of(const char *time)
{
    return time && strlen(time) >= 10 ? json_stringn(time, 10) : NULL;
}

static json_t *crosswalk(const json_t *doc, const char *base)
{
    const json_t *version = json_object_get(doc, "version");
    const json_t *m = json_object_get(version, "manifest"), *lang = cn_reg_publiccode_lang(m);
    const json_t *legal = json_object_get(m, "legal");
    const char *long_desc = cn_reg_str(lang, "longDescription");
    const char *owner = cn_reg_str(legal, "mainCopyrightOwner");
    const char *sv = cn_reg_str(m, "softwareVersion");
    json_t *o, *url = cn_reg_http_url(cn_reg_str(m, "landingURL"));
    char page[CM_BASE_MAX + 256];

    if (url == NULL && base != NULL) {
        snprintf(page, sizeof(page), "%s/?item=%s/%s", base,
                 cn_reg_str(json_object_get(doc, "node"), "id"), cn_reg_str(doc, "item"));
        url = json_string(page);
    }
    o = json_pack("{s:s, s:s, s:O}", "@context", "https://w3id.org/codemeta/3.0", "@type",
                  "SoftwareSourceCode", "name", json_object_get(doc, "title"));
    if (o == NULL) {
        json_decref(url);
        return NULL;
    }
    if (cn_reg_set_opt(o, "url", url) != 0 ||
        cn_reg_set_opt(o, "description",
                       cn_reg_capped_string(long_desc ? long_desc : cn_reg_str(doc, "description"),
                                            CM_DESCRIPTION_MAX)) != 0 ||
        cn_reg_set_opt(o, "version", json_string(cn_reg_str(version, "version"))) != 0 ||
        cn_reg_set_opt(o, "softwareVersion",
                       json_string(sv ? sv : cn_reg_str(version, "version"))) != 0 ||
        cn_reg_set_opt(o, "identifier", cn_reg_swhid_list(version)) != 0 ||
        cn_reg_set_opt(o, "license", cn_reg_license_json(cn_reg_str(legal, "license"))) != 0 ||
        cn_reg_set_opt(o, "codeRepository", cn_reg_http_url(cn_reg_str(m, "url"))) != 0 ||
        cn_reg_set_opt(o, "developmentStatus", repostatus(cn_reg_str(m, "developmentStatus"))) !=
            0 ||
        cn_reg_set_opt(o, "applicationCategory",
                       json_deep_copy(json_object_get(m, "categories"))) != 0 ||
        cn_reg_set_opt(o, "keywords", json_deep_copy(json_object_get(m, "categories"))) != 0 ||
        cn_reg_set_opt(o, "runtimePlatform", json_deep_copy(json_object_get(m, "platforms"))) ||
        cn_reg_set_opt(o, "maintainer", cn_reg_publiccode_maintainers(m)) != 0 ||
        cn_reg_set_opt(o, "copyrightHolder",
                       owner ? json_pack("{s:s, s:s}", "@type", "Organization", "name", owner)
                             : NULL) != 0 ||
        cn_reg_set_opt(o, "funder", funders(m)) != 0 ||
        cn_reg_set_opt(o, "producer", organisation(json_object_get(m, "organisation"))) != 0 ||
        cn_reg_set_opt(o, "softwareRequirements", requirements(m)) != 0 ||
        cn_reg_set_opt(o, "relatedLink", cn_reg_http_url(cn_reg_str(m, "roadmap"))) != 0 ||
        cn_reg_set_opt(o, "publisher", cn_reg_node_org(doc)) != 0 ||
        cn_reg_set_opt(o, "datePublished", json_string(cn_reg_str(m, "releaseDate"))) != 0 ||
        cn_reg_set_opt(o, "dateModified", date_of(cn_reg_str(version, "published"))) != 0 ||
        cn_reg_set_opt(o, "inLanguage",
                       json_deep_copy(json_object_get(json_object_get(m, "localisation"),
                                                      "availableLanguages"))) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int cn_registry_item_codemeta(json_t **out, cn_registry *reg, const char *node, const char *item,
                              const cn_registry_query *query, const char *base_url)
{
    json_t *doc = NULL;
    const char *kind;
    char base[CM_BASE_MAX];
    int err, have_base;

    *out = NULL;
    if ((err = cn_registry_item(&doc, reg, node, item, query)) != 0)
        return err;
    kind = cn_reg_str(doc, "kind");
    if (kind == NULL || strcmp(kind, "solution") != 0) {
        err = cn_error_set(CN_ENOTFOUND, "%s is a %s; only solutions have a codemeta.json", item,
                           kind ? kind : "item of unknown kind");
        goto out;
    }
    /* Without a base URL the document only lacks the page's link. */
    have_base = cn_reg_base_url(base, sizeof(base), base_url, doc) == 0;
    cn_error_clear();
    if ((*out = crosswalk(doc, have_base ? base : NULL)) == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
out:
    json_decref(doc);
    return err;
}
