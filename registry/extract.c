/*
 * extract.c - what the registry reads out of a manifest: the title and
 * description people see in results, the searchable text per FTS column,
 * the facet values and the isBasedOn edges. The mapping is documented in
 * docs/api.yaml ("Facets" and "Search text"); keep the two in step.
 *
 * Every string taken from a manifest is capped (display title 300 bytes,
 * description 500, searchable text 64 KiB in all), cut on a UTF-8 boundary.
 */
#include "core/error.h"
#include "core/name.h"
#include "registry/internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TITLE_MAX       300
#define DESCRIPTION_MAX 500
#define FTS_TITLE_MAX   (4 * 1024)
#define FTS_DESC_MAX    (36 * 1024)
#define FTS_KEYS_MAX    (24 * 1024)

/* The EU data themes (http://publications.europa.eu/resource/authority/data-theme). */
static const struct {
    const char *code, *en, *de;
} themes[] = {
    {"AGRI", "Agriculture, fisheries, forestry and food",
     "Landwirtschaft, Fischerei, Forstwirtschaft und Nahrungsmittel"},
    {"ECON", "Economy and finance", "Wirtschaft und Finanzen"},
    {"EDUC", "Education, culture and sport", "Bildung, Kultur und Sport"},
    {"ENER", "Energy", "Energie"},
    {"ENVI", "Environment", "Umwelt"},
    {"GOVE", "Government and public sector", "Regierung und öffentlicher Sektor"},
    {"HEAL", "Health", "Gesundheit"},
    {"INTR", "International issues", "Internationale Themen"},
    {"JUST", "Justice, legal system and public safety",
     "Justiz, Rechtssystem und öffentliche Sicherheit"},
    {"REGI", "Regions and cities", "Regionen und Städte"},
    {"SOCI", "Population and society", "Bevölkerung und Gesellschaft"},
    {"TECH", "Science and technology", "Wissenschaft und Technologie"},
    {"TRAN", "Transport", "Verkehr"},
};

/* publiccode.yml's intendedAudience.scope, mapped onto the EU data themes
 * (a scope not listed has no theme). */
static const struct {
    const char *scope, *theme;
} scope_themes[] = {
    {"agriculture", "AGRI"},
    {"culture", "EDUC"},
    {"defence", "GOVE"},
    {"education", "EDUC"},
    {"emergency-services", "JUST"},
    {"employment", "ECON"},
    {"energy", "ENER"},
    {"environment", "ENVI"},
    {"finance-and-economic-development", "ECON"},
    {"foreign-affairs", "INTR"},
    {"government", "GOVE"},
    {"healthcare", "HEAL"},
    {"justice", "JUST"},
    {"local-authorities", "REGI"},
    {"manufacturing", "ECON"},
    {"research", "TECH"},
    {"science-and-technology", "TECH"},
    {"security", "JUST"},
    {"society", "SOCI"},
    {"sport", "EDUC"},
    {"tourism", "ECON"},
    {"transportation", "TRAN"},
    {"welfare", "SOCI"},
};

json_t *cn_reg_theme_label(const char *code)
{
    size_t i;

    for (i = 0; i < sizeof(themes) / sizeof(themes[0]); i++)
        if (strcmp(themes[i].code, code) == 0)
            return json_pack("{s:s, s:s}", "en", themes[i].en, "de", themes[i].de);
    return NULL;
}

static const char *theme_of_scope(const char *scope)
{
    size_t i;

    for (i = 0; i < sizeof(scope_themes) / sizeof(scope_themes[0]); i++)
        if (strcmp(scope_themes[i].scope, scope) == 0)
            return scope_themes[i].theme;
    return NULL;
}

/* Length of the longest prefix of s[0..n) that is at most max bytes and
 * does not end inside a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static char *capped_dup(const char *s, size_t max)
{
    size_t n = strlen(s), cut = utf8_cut(s, n, max);
    char *out = malloc(cut + 4);

    if (out == NULL)
        return NULL;
    memcpy(out, s, cut);
    if (cut < n)
        memcpy(out + cut, "\xe2\x80\xa6", 3), cut += 3; /* … */
    out[cut] = '\0';
    return out;
}

/* Append s and a newline to b unless b is full (its max); text past the
 * cap is dropped, cut on a UTF-8 boundary. */
static int add_text(cn_buf *b, const char *s)
{
    size_t n, room;

    if (s == NULL || *s == '\0' || b->len + 1 >= b->max)
        return 0;
    n = strlen(s);
    room = b->max - b->len - 1;
    n = utf8_cut(s, n, room);
    if (cn_buf_put(b, s, n) != 0 || cn_buf_put(b, "\n", 1) != 0)
        return cn_error_set(CN_ENOMEM, "out of memory");
    return 0;
}

static const char *str_at(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* Every string in v (a string, or an array of strings), into b. */
static int add_strings(cn_buf *b, const json_t *v)
{
    size_t i;
    json_t *e;
    int err;

    if (json_is_string(v))
        return add_text(b, json_string_value(v));
    json_array_foreach(v, i, e) if (json_is_string(e) &&
                                    (err = add_text(b, json_string_value(e)))) return err;
    return 0;
}

/* The string member key of every object in array v, into b. */
static int add_member_strings(cn_buf *b, const json_t *v, const char *key)
{
    size_t i;
    json_t *e;
    int err;

    json_array_foreach(v, i, e) if ((err = add_text(b, str_at(e, key))) != 0) return err;
    return 0;
}

static int add_facet(cn_reg_extract *x, cn_registry_facet facet, const char *value)
{
    size_t n;

    if (value == NULL || *value == '\0' || x->nfacet_values[facet] == CN_REG_ITEM_FACET_VALUES_MAX)
        return 0;
    x->nfacet_values[facet]++;
    n = utf8_cut(value, strlen(value), CN_REGISTRY_FILTER_MAX);
    if (json_array_append_new(x->facets, json_pack("[i, s%]", (int)facet, value, n)) != 0)
        return cn_error_set(CN_ENOMEM, "out of memory");
    return 0;
}

static int add_facet_upper(cn_reg_extract *x, cn_registry_facet facet, const char *value)
{
    char buf[CN_REGISTRY_FILTER_MAX + 1];
    size_t i;

    if (value == NULL)
        return 0;
    for (i = 0; value[i] && i < CN_REGISTRY_FILTER_MAX; i++)
        buf[i] = (char)toupper((unsigned char)value[i]);
    buf[i] = '\0';
    return add_facet(x, facet, buf);
}

static int add_facet_strings(cn_reg_extract *x, cn_registry_facet facet, const json_t *v)
{
    size_t i;
    json_t *e;
    int err;

    if (json_is_string(v))
        return add_facet(x, facet, json_string_value(v));
    json_array_foreach(v, i,
                       e) if ((err = add_facet(x, facet, json_string_value(e))) != 0) return err;
    return 0;
}

/* publiccode description: the language to show (en, then de, then the
 * first) and every language's text into the FTS columns. */
static int solution_text(cn_reg_extract *x, const json_t *m)
{
    const json_t *shown = cn_reg_publiccode_lang(m), *lang;
    const char *key, *s;
    int err = 0;

    json_object_foreach(json_object_get(m, "description"), key, lang)
    {
        if (!json_is_object(lang))
            continue;
        if ((err = add_text(&x->fts_title, str_at(lang, "localisedName"))) != 0 ||
            (err = add_text(&x->fts_description, str_at(lang, "shortDescription"))) != 0 ||
            (err = add_text(&x->fts_description, str_at(lang, "longDescription"))) != 0 ||
            (err = add_strings(&x->fts_keywords, json_object_get(lang, "features"))) != 0)
            return err;
    }
    if (shown && (s = str_at(shown, "shortDescription")) != NULL &&
        (x->description = capped_dup(s, DESCRIPTION_MAX)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    return 0;
}

static int solution_extract(cn_reg_extract *x, const json_t *m)
{
    const json_t *aud = json_object_get(m, "intendedAudience"), *v, *transfer;
    const char *url = str_at(m, "url");
    size_t i;
    int err;

    if ((err = solution_text(x, m)) != 0)
        return err;
    transfer = json_object_get(m, "transfer");
    if ((err = add_strings(&x->fts_keywords, json_object_get(m, "categories"))) != 0 ||
        (err = add_strings(&x->fts_keywords, json_object_get(m, "usedBy"))) != 0 ||
        (err = add_text(&x->fts_keywords, str_at(json_object_get(m, "organisation"), "name"))) ||
        (err = add_member_strings(&x->fts_keywords, json_object_get(m, "fundedBy"), "name")) ||
        (err = add_strings(&x->fts_keywords, json_object_get(transfer, "prerequisites"))) != 0 ||
        (err = add_text(&x->fts_keywords, str_at(transfer, "effort"))) != 0 ||
        (err = add_strings(&x->fts_keywords, json_object_get(transfer, "lessonsLearned"))) != 0)
        return err;
    json_array_foreach(json_object_get(aud, "scope"), i, v)
    {
        const char *scope = json_string_value(v);
        if (scope && ((err = add_facet(x, CN_FACET_THEME, theme_of_scope(scope))) != 0 ||
                      (err = add_facet(x, CN_FACET_SCOPE, scope)) != 0 ||
                      (err = add_text(&x->fts_keywords, scope)) != 0))
            return err;
    }
    if ((err = add_facet_strings(x, CN_FACET_CATEGORY, json_object_get(m, "categories"))) != 0 ||
        (err = add_facet_strings(x, CN_FACET_PLATFORM, json_object_get(m, "platforms"))) != 0)
        return err;
    if ((err = add_facet(x, CN_FACET_LICENSE, str_at(json_object_get(m, "legal"), "license"))) ||
        (err = add_facet(x, CN_FACET_STATUS, str_at(m, "developmentStatus"))) != 0)
        return err;
    if (url && (x->url = cn_reg_url_key(url)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    v = json_object_get(m, "isBasedOn");
    if (json_is_string(v) || json_is_array(v)) {
        json_t *list = json_is_string(v) ? json_pack("[O]", v) : json_incref((json_t *)v), *e;
        json_array_foreach(list, i, e)
        {
            char node[65], item[64], *key;
            const char *s = json_string_value(e);
            int git;
            if (s == NULL || strlen(s) > 2048)
                continue;
            git = cn_reg_parse_git_url(s, node, item);
            if ((key = cn_reg_url_key(s)) == NULL ||
                json_array_append_new(x->based_on,
                                      json_pack("[s, s, s?, s?]", s, key, git ? node : NULL,
                                                git ? item : NULL)) != 0) {
                free(key);
                json_decref(list);
                return cn_error_set(CN_ENOMEM, "out of memory");
            }
            free(key);
        }
        json_decref(list);
    }
    return 0;
}

static int dataset_extract(cn_reg_extract *x, const json_t *m)
{
    const char *desc = str_at(m, "description");
    json_t *v;
    size_t i;
    int err;

    if ((err = add_text(&x->fts_description, desc)) != 0 ||
        (err = add_strings(&x->fts_keywords, json_object_get(m, "keywords"))) != 0 ||
        (err = add_facet_strings(x, CN_FACET_KEYWORD, json_object_get(m, "keywords"))) != 0 ||
        (err = add_text(&x->fts_keywords, str_at(json_object_get(m, "publisher"), "name"))) ||
        (err = add_member_strings(&x->fts_keywords, json_object_get(m, "distributions"),
                                  "title")) != 0 ||
        (err = add_member_strings(&x->fts_keywords, json_object_get(m, "distributions"),
                                  "format")) != 0)
        return err;
    json_array_foreach(json_object_get(m, "theme"), i, v)
    {
        const char *code = json_string_value(v);
        size_t t;
        if (code == NULL)
            continue;
        if ((err = add_facet_upper(x, CN_FACET_THEME, code)) != 0)
            return err;
        for (t = 0; t < sizeof(themes) / sizeof(themes[0]); t++)
            if (strcasecmp(themes[t].code, code) == 0 &&
                ((err = add_text(&x->fts_keywords, themes[t].en)) != 0 ||
                 (err = add_text(&x->fts_keywords, themes[t].de)) != 0))
                return err;
    }
    if ((err = add_facet(x, CN_FACET_LICENSE, str_at(m, "license"))) != 0)
        return err;
    if (desc && (x->description = capped_dup(desc, DESCRIPTION_MAX)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    return 0;
}

static int strategy_extract(cn_reg_extract *x, const json_t *m)
{
    const char *summary = str_at(m, "summary"), *motto = str_at(m, "motto");
    const json_t *cohort = json_object_get(m, "cohort");
    json_t *measure;
    size_t i;
    int err;

    if ((err = add_text(&x->fts_description, summary)) != 0 ||
        (err = add_text(&x->fts_description, motto)) != 0 ||
        (err = add_text(&x->fts_keywords, str_at(m, "programme"))) != 0 ||
        (err = add_text(&x->fts_keywords, str_at(m, "cityCategory"))) != 0 ||
        (err = add_text(&x->fts_keywords, str_at(m, "role"))) != 0 ||
        (err = add_strings(&x->fts_keywords, json_object_get(m, "fieldsOfAction"))) != 0 ||
        (err = add_member_strings(&x->fts_keywords, json_object_get(m, "partners"), "name")))
        return err;
    if (json_is_integer(cohort)) {
        char year[32];
        snprintf(year, sizeof(year), "%lld", (long long)json_integer_value(cohort));
        if ((err = add_text(&x->fts_keywords, year)) != 0)
            return err;
    } else if ((err = add_text(&x->fts_keywords, json_string_value(cohort))) != 0) {
        return err;
    }
    json_array_foreach(json_object_get(m, "measures"), i, measure)
    {
        if ((err = add_text(&x->fts_keywords, str_at(measure, "title"))) != 0 ||
            (err = add_text(&x->fts_keywords, str_at(measure, "description"))) != 0 ||
            (err = add_facet(x, CN_FACET_FIELD, str_at(measure, "fieldOfAction"))) != 0)
            return err;
    }
    if ((err = add_facet_strings(x, CN_FACET_FIELD, json_object_get(m, "fieldsOfAction"))) != 0 ||
        (err = add_facet(x, CN_FACET_PROGRAMME, str_at(m, "programme"))) != 0 ||
        (err = add_facet(x, CN_FACET_STATUS, str_at(m, "phase"))) != 0)
        return err;
    if (summary == NULL)
        summary = motto;
    if (summary && (x->description = capped_dup(summary, DESCRIPTION_MAX)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    return 0;
}

const char *cn_reg_manifest_kind(const json_t *manifest)
{
    const char *kind = str_at(manifest, "kind");

    if (kind == NULL && json_object_get(manifest, "publiccodeYmlVersion") != NULL)
        return "solution";
    if (kind && (strcmp(kind, "solution") == 0 || strcmp(kind, "dataset") == 0 ||
                 strcmp(kind, "strategy") == 0))
        return kind;
    return NULL;
}

int cn_reg_extract_manifest(cn_reg_extract *x, const json_t *m, const char *kind,
                            const char *item_id, const cn_reg_node_fields *node)
{
    const char *title = str_at(m, strcmp(kind, "solution") == 0 ? "name" : "title");
    char idtext[CN_SLUG_MAX + 1];
    size_t i;
    int err;

    memset(x, 0, sizeof(*x));
    x->kind = kind;
    x->fts_title.max = FTS_TITLE_MAX;
    x->fts_description.max = FTS_DESC_MAX;
    x->fts_keywords.max = FTS_KEYS_MAX;
    x->facets = json_array();
    x->based_on = json_array();
    if (x->facets == NULL || x->based_on == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if (title == NULL || *title == '\0')
        title = item_id;
    if ((x->title = capped_dup(title, TITLE_MAX)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    /* The item id's words ("smart-lighting-west") are searchable too. */
    snprintf(idtext, sizeof(idtext), "%s", item_id);
    for (i = 0; idtext[i]; i++)
        if (idtext[i] == '-')
            idtext[i] = ' ';
    if ((err = add_text(&x->fts_title, title)) != 0 ||
        (err = add_text(&x->fts_keywords, node->name)) != 0 ||
        (err = add_text(&x->fts_keywords, idtext)) != 0 ||
        (err = add_facet(x, CN_FACET_KIND, kind)) != 0 ||
        (err = add_facet(x, CN_FACET_CITY, node->name)) != 0 ||
        (err = add_facet_upper(x, CN_FACET_COUNTRY, node->country)) != 0 ||
        (err = add_facet_strings(x, CN_FACET_PROGRAMME, node->programmes)) != 0)
        return err;
    if (strcmp(kind, "solution") == 0)
        err = solution_extract(x, m);
    else if (strcmp(kind, "dataset") == 0)
        err = dataset_extract(x, m);
    else
        err = strategy_extract(x, m);
    if (err == 0 && x->description == NULL && (x->description = strdup("")) == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
    return err;
}

void cn_reg_extract_clear(cn_reg_extract *x)
{
    free(x->title);
    free(x->description);
    free(x->url);
    cn_buf_free(&x->fts_title);
    cn_buf_free(&x->fts_description);
    cn_buf_free(&x->fts_keywords);
    json_decref(x->facets);
    json_decref(x->based_on);
    memset(x, 0, sizeof(*x));
}

char *cn_reg_url_key(const char *url)
{
    size_t n = strlen(url), i, host_end;
    const char *scheme_end = strstr(url, "://");
    char *out;

    while (n > 0 && url[n - 1] == '/')
        n--;
    if (n >= 4 && strncmp(url + n - 4, ".git", 4) == 0)
        n -= 4;
    while (n > 0 && url[n - 1] == '/')
        n--;
    if ((out = malloc(n + 1)) == NULL)
        return NULL;
    memcpy(out, url, n);
    out[n] = '\0';
    /* Scheme and host are case-insensitive; the path is not. */
    if (scheme_end && (size_t)(scheme_end - url) < n) {
        host_end = (size_t)(scheme_end - url) + 3;
        while (host_end < n && out[host_end] != '/')
            host_end++;
        for (i = 0; i < host_end; i++)
            out[i] = (char)tolower((unsigned char)out[i]);
    }
    return out;
}

int cn_reg_parse_git_url(const char *url, char node[65], char item[64])
{
    const char *p = NULL, *q = url, *slash, *end;
    size_t n, ilen;

    /* The last "/git/" in the URL starts the part we read. */
    while ((q = strstr(q, "/git/")) != NULL)
        p = q++;
    if (p == NULL)
        return 0;
    p += 5;
    if ((slash = strchr(p, '/')) == NULL || slash - p != 64 || !cn_reg_is_node_id(p, 64))
        return 0;
    end = slash + 1 + strlen(slash + 1);
    while (end > slash + 1 && end[-1] == '/')
        end--;
    n = (size_t)(end - (slash + 1));
    if (n < 5 || strncmp(end - 4, ".git", 4) != 0)
        return 0;
    ilen = n - 4;
    if (ilen > CN_SLUG_MAX)
        return 0;
    memcpy(item, slash + 1, ilen);
    item[ilen] = '\0';
    if (cn_name_check_slug(item) != 0) {
        cn_error_clear();
        return 0;
    }
    memcpy(node, p, 64);
    node[64] = '\0';
    return 1;
}
