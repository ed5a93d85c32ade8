/*
 * test_registry.c - the registry (registry/registry.h) over a real SQLite
 * file in a temporary directory: ingest, search (diacritics, prefixes,
 * German spellings, facets, filters, sorting, paging, withdrawn items),
 * hostile search text, bad parameters, items, nodes, the replication graph
 * and the API routes. Part of the data is the sample manifests under
 * examples/ (the 2020 cohort of "Modellprojekte Smart Cities" and Leipzig
 * in Triangulum), loaded as `publish` loads them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/file.h"
#include "core/hash.h"
#include "registry/internal.h" /* the in-memory copy, for one white-box test */
#include "registry/registry.h"
#include "schemas/manifest.h"
#include "temp_registry.h"

#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXAMPLES CN_TEST_DATA "/../../examples"

/* Each test gets a registry of its own in a fresh directory. */
typedef temp_registry fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));

    if (f == NULL || temp_registry_open(f, "registry") != 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    temp_registry_close(*state);
    free(*state);
    return 0;
}

/* ---- helpers ---- */

static void node_id_of(char out[65], const char *name)
{
    cn_sha256_hex(out, name, strlen(name));
}

static void put_node(cn_registry *reg, const char *name, const char *country, const char *programme)
{
    cn_registry_node_info info = CN_REGISTRY_NODE_INFO_INIT;
    char id[65];
    json_t *profile = json_pack("{s:s, s:s}", "name", name, "country", country);
    int err;

    node_id_of(id, name);
    if (programme)
        json_object_set_new(profile, "programmes", json_pack("[s]", programme));
    info.node_id = id;
    info.profile = profile;
    info.url = "http://127.0.0.1:8470";
    info.source = CN_REGISTRY_MIRROR;
    info.verified_at = 1700000000;
    err = cn_registry_put_node(reg, &info);
    if (err)
        fprintf(stderr, "put_node: %s\n", cn_error_message());
    assert_int_equal(err, 0);
    json_decref(profile);
}

static int put_manifest(cn_registry *reg, const char *node, const json_t *m, int64_t published)
{
    cn_registry_version_info info = CN_REGISTRY_VERSION_INFO_INIT;
    const char *signers[] = {"6c1f0cb7d1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c"};
    json_t *custom = json_pack("{s:s, s:s}", "commit", "0123456789abcdef0123456789abcdef01234567",
                               "tag", "89abcdef0123456789abcdef0123456789abcdef");
    char id[65];
    int err;

    node_id_of(id, node);
    info.node_id = id;
    info.manifest = m;
    info.custom = custom;
    info.signers = signers;
    info.nsigners = 1;
    info.published = published;
    info.verified_at = published + 60;
    err = cn_registry_put_version(reg, &info);
    json_decref(custom);
    return err;
}

/* Put a manifest given as JSON text; fails the test on error. */
static void put_json(cn_registry *reg, const char *node, const char *json, int64_t published)
{
    json_error_t jerr;
    json_t *m = json_loads(json, 0, &jerr);
    int err;

    if (m == NULL)
        fail_msg("bad test JSON: %s: %s", jerr.text, json);
    err = put_manifest(reg, node, m, published);
    if (err)
        fprintf(stderr, "put: %s\n", cn_error_message());
    assert_int_equal(err, 0);
    json_decref(m);
}

static void put_strategy(cn_registry *reg, const char *node, const char *id, const char *title,
                         const char *summary, int64_t published)
{
    char json[2048];

    snprintf(json, sizeof(json),
             "{\"kind\":\"strategy\",\"id\":\"%s\",\"version\":\"1.0.0\",\"title\":\"%s\","
             "\"summary\":\"%s\",\"programme\":\"Triangulum\",\"role\":\"follower\"}",
             id, title, summary);
    put_json(reg, node, json, published);
}

static json_t *search(cn_registry *reg, const char *qs)
{
    cn_registry_query q = CN_REGISTRY_QUERY_INIT;
    json_t *doc = NULL;
    int err;

    err = cn_registry_query_parse(&q, qs);
    if (err == 0)
        err = cn_registry_search(&doc, reg, &q);
    if (err)
        fail_msg("search '%s': %s", qs, cn_error_message());
    cn_registry_query_clear(&q);
    return doc;
}

/* The error of a search (parsing included); the message is left in
 * cn_error_message(). */
static int search_error(cn_registry *reg, const char *qs)
{
    cn_registry_query q = CN_REGISTRY_QUERY_INIT;
    json_t *doc = NULL;
    int err;

    err = cn_registry_query_parse(&q, qs);
    if (err == 0)
        err = cn_registry_search(&doc, reg, &q);
    json_decref(doc);
    cn_registry_query_clear(&q);
    return err;
}

static json_int_t total(const json_t *doc)
{
    return json_integer_value(json_object_get(doc, "total"));
}

static const char *result_item(const json_t *doc, size_t i)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(doc, "results"), i), "item"));
}

/* 1 if some result has item id item. */
static int has_item(const json_t *doc, const char *item)
{
    size_t i;

    for (i = 0; i < json_array_size(json_object_get(doc, "results")); i++)
        if (strcmp(result_item(doc, i), item) == 0)
            return 1;
    return 0;
}

/* The count of a facet bucket, -1 if the bucket is not there. */
static json_int_t facet_count(const json_t *doc, const char *facet, const char *value)
{
    json_t *b;
    size_t i;

    json_array_foreach(json_object_get(json_object_get(doc, "facets"), facet), i, b)
    {
        if (strcmp(json_string_value(json_object_get(b, "value")), value) == 0)
            return json_integer_value(json_object_get(b, "count"));
    }
    return -1;
}

static void expect_search_error(cn_registry *reg, const char *qs, int code, const char *needle)
{
    int err = search_error(reg, qs);

    if (err != code || strstr(cn_error_message(), needle) == NULL)
        fail_msg("search '%s': got %d '%s', expected %d with '%s'", qs, err, cn_error_message(),
                 code, needle);
}

/* Load every sample under examples/ into reg: one node per strategy
 * (named after the lead partner, programme "Modellprojekte Smart Cities"),
 * and Stadt Leipzig with the Triangulum strategy, the solutions and the
 * dataset. Returns the number of items. */
static int load_examples(cn_registry *reg)
{
    static const char *const kinds[] = {"strategies", "solutions", "datasets"};
    int count = 0;
    size_t k;

    put_node(reg, "Stadt Leipzig", "DE", "Triangulum");
    for (k = 0; k < 3; k++) {
        char dir[512];
        DIR *d;
        struct dirent *e;
        snprintf(dir, sizeof(dir), "%s/%s", EXAMPLES, kinds[k]);
        assert_non_null(d = opendir(dir));
        while ((e = readdir(d)) != NULL) {
            char path[1024];
            cn_manifest *m = NULL;
            cn_diagnostics diags = CN_DIAGNOSTICS_INIT;
            const char *node = "Stadt Leipzig";
            const json_t *partner;
            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            if (cn_manifest_load(&m, &diags, path) != 0)
                fail_msg("%s: %s", path, cn_error_message());
            partner = json_array_get(json_object_get(m->doc, "partners"), 0);
            if (k == 0 && strcmp(e->d_name, "leipzig-triangulum") != 0 && partner) {
                node = json_string_value(json_object_get(partner, "name"));
                put_node(reg, node, "DE", "Modellprojekte Smart Cities");
            }
            {
                cn_registry_version_info info = CN_REGISTRY_VERSION_INFO_INIT;
                char id[65];
                node_id_of(id, node);
                info.node_id = id;
                info.item = m->id;
                info.item_version = m->version;
                info.manifest = m->doc;
                info.published = 1600000000 + count;
                if (cn_registry_put_version(reg, &info) != 0)
                    fail_msg("%s: %s", path, cn_error_message());
            }
            count++;
            cn_manifest_free(m);
            cn_diagnostics_free(&diags);
        }
        closedir(d);
    }
    return count;
}

/* ---- opening and schema ---- */

static void schema_has_a_version_and_leaves_other_tables_alone(void **state)
{
    fixture *f = *state;
    sqlite3 *db;
    sqlite3_stmt *st;
    cn_registry *again = NULL;

    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE peers (node_id TEXT); INSERT INTO peers "
                                  "VALUES ('x')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT value FROM reg_meta WHERE key = 'schema_version'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "1");
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);

    /* Opening again is fine and keeps the other module's table. */
    assert_int_equal(cn_registry_open(&again, f->db), 0);
    cn_registry_free(again);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM peers", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    sqlite3_finalize(st);

    /* A newer schema is refused rather than misread. */
    assert_int_equal(sqlite3_exec(db,
                                  "UPDATE reg_meta SET value = '99' WHERE key = "
                                  "'schema_version'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(cn_registry_open(&again, f->db), CN_EUNSUPPORTED);
    assert_non_null(strstr(cn_error_message(), "schema version 99"));
    sqlite3_close(db);
}

/* ---- search text ---- */

static void umlauts_match_with_and_without_diacritics(void **state)
{
    fixture *f = *state;
    json_t *doc;

    put_node(f->reg, "Stadt Leipzig", "DE", "Triangulum");
    put_strategy(f->reg, "Stadt Leipzig", "mobil", "Mobilität im Quartier",
                 "Neue Wege für die Straße", 1000);
    put_strategy(f->reg, "Stadt Leipzig", "other", "Energie", "Wärme aus der Region", 1000);

    static const char *const finds_mobil[] = {
        "q=Mobilit%C3%A4t", "q=Mobilitat",   "q=mobilitaet", "q=MOBILIT%C3%84T",
        "q=Mobilitaet+im",  "q=Stra%C3%9Fe", "q=Strasse"};
    for (size_t i = 0; i < sizeof(finds_mobil) / sizeof(finds_mobil[0]); i++) {
        doc = search(f->reg, finds_mobil[i]);
        if (total(doc) != 1 || strcmp(result_item(doc, 0), "mobil") != 0)
            fail_msg("%s found %lld items", finds_mobil[i], (long long)total(doc));
        json_decref(doc);
    }
    doc = search(f->reg, "q=waerme");
    assert_int_equal(total(doc), 1);
    assert_string_equal(result_item(doc, 0), "other");
    /* The words the tokenizer made of the text are echoed. */
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(json_object_get(doc, "query"), "terms"), 0)),
                        "waerme");
    json_decref(doc);
}

static void last_word_is_a_prefix(void **state)
{
    fixture *f = *state;
    json_t *doc;

    put_node(f->reg, "Stadt Leipzig", "DE", NULL);
    put_strategy(f->reg, "Stadt Leipzig", "mobil", "Mobilitätsstationen", "Quartier", 1000);
    put_strategy(f->reg, "Stadt Leipzig", "digi", "Digitaler Zwilling", "Quartier", 1000);

    doc = search(f->reg, "q=mob");
    assert_int_equal(total(doc), 1);
    assert_true(json_is_true(json_object_get(json_object_get(doc, "query"), "prefix")));
    json_decref(doc);
    doc = search(f->reg, "q=quartier+digit");
    assert_int_equal(total(doc), 1);
    assert_string_equal(result_item(doc, 0), "digi");
    json_decref(doc);
    /* Only the last word is a prefix. */
    doc = search(f->reg, "q=quart+digitaler");
    assert_int_equal(total(doc), 0);
    json_decref(doc);
    /* A trailing space ends the word: no prefix. */
    doc = search(f->reg, "q=mob+");
    assert_int_equal(total(doc), 0);
    assert_true(json_is_false(json_object_get(json_object_get(doc, "query"), "prefix")));
    json_decref(doc);
    /* One letter is not a prefix (it would match half the index). */
    doc = search(f->reg, "q=m");
    assert_int_equal(total(doc), 0);
    json_decref(doc);
}

static void hostile_search_text_is_only_ever_words(void **state)
{
    fixture *f = *state;
    static const char *const texts[] = {
        "%22",                          /* " */
        "%22%22%22",                    /* """ */
        "*",                            /* * */
        "mobil*",                       /* explicit prefix syntax */
        "NEAR(mobilit%C3%A4t",          /* NEAR( */
        "NEAR(a+b)",                    /* NEAR(a b) */
        "OR",                           /* a bare operator */
        "mobilit%C3%A4t+OR",            /* trailing OR */
        "-mobilit%C3%A4t",              /* negation */
        "mobilit%C3%A4t+NOT+quartier",  /* NOT */
        "title%3Amobilit%C3%A4t",       /* column filter */
        "%7Btitle+description%7D%3A+x", /* {cols}: */
        "%5Emobilit%C3%A4t",            /* ^ initial token */
        "(((",                          /* parentheses */
        "%22+OR+1%3D1+--",              /* SQL-ish */
        "%27%3B+DROP+TABLE+reg_items%3B+--",
        "AND+AND+AND",
        "%E2%80%9E%E2%80%9C+%E2%80%93", /* „“ – (punctuation only) */
    };
    json_t *doc;
    size_t i;

    put_node(f->reg, "Stadt Leipzig", "DE", NULL);
    put_strategy(f->reg, "Stadt Leipzig", "mobil", "Mobilität im Quartier", "Wege", 1000);
    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        char qs[256];
        snprintf(qs, sizeof(qs), "q=%s", texts[i]);
        if (search_error(f->reg, qs) != 0)
            fail_msg("q=%s failed: %s", texts[i], cn_error_message());
    }
    /* Operators are plain words: "mobilität OR" needs the word "or". */
    doc = search(f->reg, "q=mobilit%C3%A4t+OR+");
    assert_int_equal(total(doc), 0);
    json_decref(doc);
    /* "-mobilität" is the word, not its negation. */
    doc = search(f->reg, "q=-mobilit%C3%A4t");
    assert_int_equal(total(doc), 1);
    json_decref(doc);
    /* "title:mobilität" is two words (title, mobilität), not a column filter. */
    doc = search(f->reg, "q=title%3Amobilit%C3%A4t");
    assert_int_equal(total(doc), 0);
    json_decref(doc);
    /* Text without word characters is no text: everything, newest first. */
    doc = search(f->reg, "q=%22*%22");
    assert_int_equal(total(doc), 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "query"), "sort")),
                        "recent");
    json_decref(doc);
    /* Sixteen words with many spellings each stay a bounded query. */
    assert_int_equal(search_error(f->reg, "q=aeoeuess+aeoeuess+aeoeuess+aeoeuess+aeoeuess+"
                                          "aeoeuess+aeoeuess+aeoeuess+aeoeuess+aeoeuess+"
                                          "aeoeuess+aeoeuess+aeoeuess+aeoeuess+aeoeuess+"
                                          "mobilitaet"),
                     0);
    /* The table is still there. */
    doc = search(f->reg, "q=Quartier");
    assert_int_equal(total(doc), 1);
    json_decref(doc);
}

static void bad_parameters_are_refused_by_name(void **state)
{
    fixture *f = *state;
    char long_q[400];

    put_node(f->reg, "Stadt Leipzig", "DE", NULL);
    expect_search_error(f->reg, "per_page=0", CN_EINVAL, "per_page: expected a whole number");
    expect_search_error(f->reg, "per_page=101", CN_EINVAL, "from 1 to 100, got '101'");
    expect_search_error(f->reg, "per_page=-1", CN_EINVAL, "per_page");
    expect_search_error(f->reg, "page=abc", CN_EINVAL, "page: expected a whole number");
    expect_search_error(f->reg, "page=1e3", CN_EINVAL, "page");
    expect_search_error(f->reg, "page=600&per_page=20", CN_EINVAL, "first 10000 results");
    expect_search_error(f->reg, "sort=popular", CN_EINVAL,
                        "sort: expected relevance, recent or replications, got 'popular'");
    expect_search_error(f->reg, "withdrawn=no", CN_EINVAL, "withdrawn: expected include");
    expect_search_error(f->reg, "kind=software", CN_EINVAL,
                        "kind: expected solution, dataset or strategy");
    expect_search_error(f->reg, "colour=red", CN_EINVAL, "unknown parameter 'colour'");
    expect_search_error(f->reg, "q=a&q=b", CN_EINVAL, "q: given more than once");
    expect_search_error(f->reg, "sort=recent&sort=recent", CN_EINVAL, "given more than once");
    expect_search_error(f->reg, "q=%FF%FE", CN_EINVAL, "q: not valid UTF-8");
    expect_search_error(f->reg, "q=%C3", CN_EINVAL, "not valid UTF-8");
    expect_search_error(f->reg, "q=a%0Ab", CN_EINVAL, "q: control characters");
    expect_search_error(f->reg, "q=a%00b", CN_EINVAL, "NUL");
    expect_search_error(f->reg, "q=%G0", CN_EINVAL, "malformed %-escape");
    expect_search_error(f->reg, "q=%4", CN_EINVAL, "malformed %-escape");
    expect_search_error(f->reg, "node=xyz", CN_EINVAL, "node: expected a node id");
    expect_search_error(f->reg, "node=abcdef", CN_EINVAL, "at least 8");
    expect_search_error(f->reg, "node=0123456789abcdef", CN_ENOTFOUND, "not in the registry");
    expect_search_error(f->reg, "version=1.0.0", CN_EINVAL, "'version' is not accepted here");
    expect_search_error(f->reg,
                        "theme=a&theme=b&theme=c&theme=d&theme=e&theme=f&theme=g&theme=h&theme=i",
                        CN_EINVAL, "theme: at most 8 values");
    expect_search_error(f->reg, "q=a+b+c+d+e+f+g+h+i+j+k+l+m+n+o+p+q", CN_EINVAL,
                        "q: too many words (at most 16)");
    memset(long_q, 'a', sizeof(long_q));
    memcpy(long_q, "q=", 2);
    long_q[2 + CN_REGISTRY_Q_MAX + 1] = '\0';
    expect_search_error(f->reg, long_q, CN_EINVAL, "q: too long (257 bytes, at most 256)");
    long_q[2 + CN_REGISTRY_Q_MAX] = '\0';
    assert_int_equal(search_error(f->reg, long_q), 0);
}

static void query_strings_decode_like_forms(void **state)
{
    cn_registry_query q = CN_REGISTRY_QUERY_INIT;

    (void)state;
    assert_int_equal(cn_registry_query_parse(&q, "q=Digitaler+Zwilling%21&kind=dataset&kind="
                                                 "strategy&theme=&&page=2&per_page=5&sort="
                                                 "replications&withdrawn=exclude"),
                     0);
    assert_string_equal(q.q, "Digitaler Zwilling!");
    assert_int_equal(q.nfilters[CN_FACET_KIND], 2);
    assert_string_equal(q.filters[CN_FACET_KIND][1], "strategy");
    assert_int_equal(q.nfilters[CN_FACET_THEME], 0); /* empty values are no filter */
    assert_int_equal(q.page, 2);
    assert_int_equal(q.per_page, 5);
    assert_int_equal(q.sort, CN_REGISTRY_SORT_REPLICATIONS);
    assert_int_equal(q.withdrawn, CN_REGISTRY_WITHDRAWN_EXCLUDE);
    cn_registry_query_clear(&q);

    /* Decoded values from an HTTP library go in one by one, with lengths. */
    assert_int_equal(cn_registry_query_set(&q, "q", "a\0b", 3), CN_EINVAL);
    assert_int_equal(cn_registry_query_set(&q, "city", "K\xc3\xb6ln", 5), 0);
    assert_string_equal(q.filters[CN_FACET_CITY][0], "K\xc3\xb6ln");
    cn_registry_query_clear(&q);
}

/* ---- facets, filters, sorting, paging ---- */

static void load_mixed(cn_registry *reg)
{
    put_node(reg, "Eindhoven", "NL", "Triangulum");
    put_node(reg, "Stadt Leipzig", "DE", "Triangulum");
    put_node(reg, "Köln", "DE", "Modellprojekte Smart Cities");
    put_json(reg, "Eindhoven",
             "{\"kind\":\"dataset\",\"id\":\"traffic-counts\",\"version\":\"1.0.0\","
             "\"title\":\"Traffic counts\",\"description\":\"Bicycle and car counts per street\","
             "\"publisher\":{\"name\":\"Gemeente Eindhoven\"},\"theme\":[\"TRAN\",\"REGI\"],"
             "\"license\":\"http://dcat-ap.de/def/licenses/dl-by-de/2.0\","
             "\"distributions\":[{\"format\":\"CSV\",\"url\":\"https://example.org/t.csv\"}]}",
             3000);
    put_json(reg, "Stadt Leipzig",
             "{\"kind\":\"dataset\",\"id\":\"parking\",\"version\":\"2.0.0\","
             "\"title\":\"Parkplätze\",\"description\":\"Freie Parkplätze und Mobilität\","
             "\"publisher\":{\"name\":\"Stadt Leipzig\"},\"theme\":[\"tran\"],"
             "\"license\":\"http://dcat-ap.de/def/licenses/dl-by-de/2.0\","
             "\"distributions\":[{\"format\":\"JSON\",\"url\":\"https://example.org/p.json\"}]}",
             2000);
    put_json(
        reg, "Eindhoven",
        "{\"publiccodeYmlVersion\":\"0.2\",\"id\":\"smart-lighting\",\"version\":\"2.1.0\","
        "\"name\":\"Smart lighting\",\"url\":\"https://git.example.org/eindhoven/lighting.git\","
        "\"developmentStatus\":\"stable\",\"legal\":{\"license\":\"EUPL-1.2\"},"
        "\"intendedAudience\":{\"scope\":[\"energy\",\"transportation\"]},"
        "\"description\":{\"en\":{\"shortDescription\":\"Street lights that dim when "
        "nobody is there\",\"longDescription\":\"Mobility and energy.\"},\"de\":{"
        "\"shortDescription\":\"Straßenlaternen\"}}}",
        1000);
    put_json(reg, "Köln",
             "{\"kind\":\"strategy\",\"id\":\"unbox\",\"version\":\"1.0.0\",\"title\":\"un|box "
             "Cologne\",\"motto\":\"Deine Stadt, Deine Ideen\",\"programme\":\"Modellprojekte "
             "Smart Cities\",\"role\":\"model-project\",\"phase\":\"strategy\","
             "\"fieldsOfAction\":[\"Mobilität\",\"Beteiligung\"]}",
             4000);
}

static void facets_count_every_value_and_filters_narrow(void **state)
{
    fixture *f = *state;
    json_t *doc;

    load_mixed(f->reg);
    doc = search(f->reg, "");
    assert_int_equal(total(doc), 4);
    assert_int_equal(facet_count(doc, "kind", "dataset"), 2);
    assert_int_equal(facet_count(doc, "kind", "solution"), 1);
    assert_int_equal(facet_count(doc, "kind", "strategy"), 1);
    assert_int_equal(facet_count(doc, "theme", "TRAN"), 3); /* two datasets + transportation */
    assert_int_equal(facet_count(doc, "theme", "ENER"), 1); /* energy scope */
    assert_int_equal(facet_count(doc, "theme", "REGI"), 1);
    assert_int_equal(facet_count(doc, "field", "Mobilität"), 1);
    assert_int_equal(facet_count(doc, "city", "Eindhoven"), 2);
    assert_int_equal(facet_count(doc, "country", "DE"), 2);
    assert_int_equal(facet_count(doc, "country", "NL"), 2);
    assert_int_equal(facet_count(doc, "programme", "Triangulum"), 3);
    assert_int_equal(facet_count(doc, "programme", "Modellprojekte Smart Cities"), 1);
    assert_int_equal(facet_count(doc, "license", "EUPL-1.2"), 1);
    assert_int_equal(facet_count(doc, "license", "http://dcat-ap.de/def/licenses/dl-by-de/2.0"), 2);
    assert_int_equal(facet_count(doc, "status", "stable"), 1);
    assert_int_equal(facet_count(doc, "status", "strategy"), 1);
    /* Theme buckets carry the EU vocabulary's labels. */
    {
        json_t *b = json_array_get(json_object_get(json_object_get(doc, "facets"), "theme"), 0);
        assert_string_equal(json_string_value(json_object_get(b, "value")), "TRAN");
        assert_string_equal(json_string_value(json_object_get(json_object_get(b, "label"), "de")),
                            "Verkehr");
    }
    json_decref(doc);

    /* One filter per facet, values compared without ASCII case. */
    doc = search(f->reg, "kind=DATASET");
    assert_int_equal(total(doc), 2);
    /* Disjunctive: the kind facet still offers the other kinds ... */
    assert_int_equal(facet_count(doc, "kind", "solution"), 1);
    /* ... while the other facets count only datasets. */
    assert_int_equal(facet_count(doc, "theme", "TRAN"), 2);
    assert_int_equal(facet_count(doc, "theme", "ENER"), -1);
    json_decref(doc);
    doc = search(f->reg, "theme=tran&country=de");
    assert_int_equal(total(doc), 1);
    assert_string_equal(result_item(doc, 0), "parking");
    json_decref(doc);
    doc = search(f->reg, "kind=dataset&kind=strategy&city=K%C3%B6ln");
    assert_int_equal(total(doc), 1);
    assert_string_equal(result_item(doc, 0), "unbox");
    json_decref(doc);
    doc = search(f->reg, "programme=triangulum&status=stable");
    assert_int_equal(total(doc), 1);
    assert_string_equal(result_item(doc, 0), "smart-lighting");
    json_decref(doc);
    doc = search(f->reg, "license=EUPL-1.2&q=lights");
    assert_int_equal(total(doc), 1);
    json_decref(doc);
    doc = search(f->reg, "field=Mobilit%C3%A4t");
    assert_int_equal(total(doc), 1);
    json_decref(doc);
    /* The node filter takes an id prefix. */
    {
        char id[65], qs[128];
        node_id_of(id, "Eindhoven");
        snprintf(qs, sizeof(qs), "node=%.10s", id);
        doc = search(f->reg, qs);
        assert_int_equal(total(doc), 2);
        json_decref(doc);
    }
    /* A value nobody has: nothing, and the bucket is still shown, selected. */
    doc = search(f->reg, "theme=AGRI");
    assert_int_equal(total(doc), 0);
    assert_int_equal(facet_count(doc, "theme", "AGRI"), 0);
    json_decref(doc);
    /* Text and facets together. */
    doc = search(f->reg, "q=mobilitat");
    assert_int_equal(total(doc), 2);
    assert_int_equal(facet_count(doc, "kind", "dataset"), 1);
    assert_int_equal(facet_count(doc, "kind", "solution"), -1);
    json_decref(doc);
    doc = search(f->reg, "q=mobilit"); /* and "Mobility" */
    assert_int_equal(total(doc), 3);
    assert_int_equal(facet_count(doc, "kind", "solution"), 1);
    json_decref(doc);
}

static void sorting_by_relevance_recency_and_replications(void **state)
{
    fixture *f = *state;
    json_t *doc, *att;
    char lighthouse[65], follower[65];

    put_node(f->reg, "Eindhoven", "NL", "Triangulum");
    put_node(f->reg, "Stadt Leipzig", "DE", "Triangulum");
    put_node(f->reg, "Prague", "CZ", "Triangulum");
    /* "Quartier" in the title beats "Quartier" in the description. */
    put_strategy(f->reg, "Eindhoven", "a-old", "Energie", "Quartier Quartier", 1000);
    put_strategy(f->reg, "Eindhoven", "b-new", "Quartier", "Energie", 3000);
    put_strategy(f->reg, "Eindhoven", "c-mid", "Wasser", "Quartier", 2000);

    doc = search(f->reg, "q=quartier");
    assert_int_equal(total(doc), 3);
    assert_string_equal(result_item(doc, 0), "b-new");
    assert_true(json_real_value(json_object_get(json_array_get(json_object_get(doc, "results"), 0),
                                                "score")) > 0);
    json_decref(doc);
    doc = search(f->reg, "q=quartier&sort=recent");
    assert_string_equal(result_item(doc, 0), "b-new");
    assert_string_equal(result_item(doc, 1), "c-mid");
    assert_string_equal(result_item(doc, 2), "a-old");
    assert_null(json_object_get(json_array_get(json_object_get(doc, "results"), 0), "score"));
    json_decref(doc);

    /* Two other nodes replicate a-old; one replicates c-mid. */
    node_id_of(lighthouse, "Eindhoven");
    node_id_of(follower, "Stadt Leipzig");
    att = json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s}, s:s}", "type", "replicates", "by", follower,
                    "date", "2024-01-01T00:00:00Z", "subject", "node", lighthouse, "item", "a-old",
                    "version", "1.0.0", "as", "a-west");
    assert_int_equal(cn_registry_put_attestation(f->reg, follower, "r1", att, 5000), 0);
    json_object_set_new(json_object_get(att, "subject"), "item", json_string("c-mid"));
    assert_int_equal(cn_registry_put_attestation(f->reg, follower, "r2", att, 5000), 0);
    node_id_of(follower, "Prague");
    json_object_set_new(att, "by", json_string(follower));
    json_object_set_new(json_object_get(att, "subject"), "item", json_string("a-old"));
    assert_int_equal(cn_registry_put_attestation(f->reg, follower, "r1", att, 5000), 0);
    json_decref(att);

    doc = search(f->reg, "sort=replications");
    assert_string_equal(result_item(doc, 0), "a-old");
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(json_object_get(doc, "results"), 0), "replications")),
                     2);
    assert_string_equal(result_item(doc, 1), "c-mid");
    assert_string_equal(result_item(doc, 2), "b-new");
    json_decref(doc);
    /* Without text, relevance means recent. */
    doc = search(f->reg, "sort=relevance");
    assert_string_equal(result_item(doc, 0), "b-new");
    json_decref(doc);
}

static void pages_split_the_results_with_a_total(void **state)
{
    fixture *f = *state;
    json_t *doc;
    char id[32], seen[7] = {0};
    int i;

    put_node(f->reg, "Stadt Leipzig", "DE", NULL);
    for (i = 0; i < 7; i++) {
        snprintf(id, sizeof(id), "item-%d", i);
        put_strategy(f->reg, "Stadt Leipzig", id, "Quartier", "Leipzig-West", 1000 + i);
    }
    for (i = 1; i <= 4; i++) {
        char qs[64];
        size_t k;
        snprintf(qs, sizeof(qs), "q=quartier&per_page=2&page=%d&sort=recent", i);
        doc = search(f->reg, qs);
        assert_int_equal(total(doc), 7);
        assert_int_equal(json_integer_value(json_object_get(doc, "pages")), 4);
        assert_int_equal(json_array_size(json_object_get(doc, "results")), i < 4 ? 2 : 1);
        for (k = 0; k < json_array_size(json_object_get(doc, "results")); k++) {
            int n = atoi(result_item(doc, k) + 5);
            assert_int_equal(n, 6 - (2 * (i - 1) + (int)k)); /* newest first */
            seen[n]++;
        }
        json_decref(doc);
    }
    for (i = 0; i < 7; i++)
        assert_int_equal(seen[i], 1);
    doc = search(f->reg, "q=quartier&per_page=2&page=9");
    assert_int_equal(total(doc), 7);
    assert_int_equal(json_array_size(json_object_get(doc, "results")), 0);
    json_decref(doc);
}

/* ---- the scores are FTS5's bm25() ---- */

/* The API's answer to qs against plain SQL with FTS5's bm25() over the
 * MATCH expression the search text becomes. */
static void same_as_plain_sql(fixture *f, const char *qs, const char *expr)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    json_t *doc, *r;
    size_t i = 0;

    doc = search(f->reg, qs);
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    /* The baseline's SQL (bench/search_bench.c): same scores, same order. */
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT n.node_id, i.item, -bm25(reg_fts, 10.0, 4.0, 1.0)"
                                        " FROM reg_fts JOIN reg_items i ON i.id = reg_fts.rowid"
                                        " JOIN reg_nodes n ON n.id = i.node"
                                        " WHERE reg_fts MATCH ?1"
                                        " ORDER BY bm25(reg_fts, 10.0, 4.0, 1.0), i.updated DESC,"
                                        " i.id",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        r = json_array_get(json_object_get(doc, "results"), i++);
        if (r == NULL)
            fail_msg("%s: SQL has more than %zu rows", qs, i - 1);
        assert_string_equal(json_string_value(json_object_get(r, "node")),
                            (const char *)sqlite3_column_text(st, 0));
        assert_string_equal(json_string_value(json_object_get(r, "item")),
                            (const char *)sqlite3_column_text(st, 1));
        if (json_real_value(json_object_get(r, "score")) != sqlite3_column_double(st, 2))
            fail_msg("%s: %s scores %.17g, bm25() %.17g", qs, sqlite3_column_text(st, 1),
                     json_real_value(json_object_get(r, "score")), sqlite3_column_double(st, 2));
    }
    if (i == 0 || i != (size_t)total(doc))
        fail_msg("%s: %zu SQL rows, %lld results", qs, i, (long long)total(doc));
    sqlite3_finalize(st);
    sqlite3_close(db);
    json_decref(doc);
}

static void relevance_equals_fts5_bm25_and_the_plain_sql_order(void **state)
{
    fixture *f = *state;

    assert_true(load_examples(f->reg) >= 36);
    /* One phrase, several words, spellings (OR), a phrase of two tokens. */
    same_as_plain_sql(f, "q=digital&per_page=100", "\"digital\"*");
    same_as_plain_sql(f, "q=digitale+stadt&per_page=100", "\"digitale\" AND \"stadt\"*");
    same_as_plain_sql(f, "q=buerger+", "(\"buerger\" OR \"burger\")");
    same_as_plain_sql(f, "q=Leipzig-West+Beteiligung", "\"leipzig west\" AND \"beteiligung\"*");
    same_as_plain_sql(f, "q=smart+city+zukunft&per_page=100",
                      "\"smart\" AND \"city\" AND \"zukunft\"*");
}

static void samples_are_found_by_german_words(void **state)
{
    fixture *f = *state;
    json_t *doc;

    load_examples(f->reg);
    doc = search(f->reg, "q=B%C3%BCrgerbeteiligung");
    assert_true(has_item(doc, "leipzig-west-beteiligung-2016"));
    json_decref(doc);
    doc = search(f->reg, "q=Burgerbeteiligung");
    assert_true(has_item(doc, "leipzig-west-beteiligung-2016"));
    json_decref(doc);
    doc = search(f->reg, "q=Buergerbeteiligung");
    assert_true(has_item(doc, "leipzig-west-beteiligung-2016"));
    json_decref(doc);
    doc = search(f->reg, "q=zukunftslab");
    assert_true(has_item(doc, "zukunftsforum-zukunftslabor"));
    assert_true(has_item(doc, "leipzig-triangulum"));
    json_decref(doc);
    doc = search(f->reg, "q=Guetersloh&kind=strategy");
    assert_int_equal(total(doc), 1);
    json_decref(doc);
    doc = search(f->reg, "kind=strategy&programme=Modellprojekte+Smart+Cities");
    assert_int_equal(total(doc), 32);
    json_decref(doc);
    /* Theme labels are searchable: GOVE/SOCI in German. */
    doc = search(f->reg, "q=Bev%C3%B6lkerung+Gesellschaft");
    assert_true(has_item(doc, "leipzig-west-beteiligung-2016"));
    json_decref(doc);
}

/* ---- withdrawn ---- */

static void withdrawn_items_and_versions_are_shown_as_such(void **state)
{
    fixture *f = *state;
    char id[65];
    json_t *doc, *v;
    size_t withdrawn;

    put_node(f->reg, "Stadt Leipzig", "DE", NULL);
    node_id_of(id, "Stadt Leipzig");
    put_json(f->reg, "Stadt Leipzig",
             "{\"kind\":\"strategy\",\"id\":\"s\",\"version\":\"1.0.0\",\"title\":\"Alt\","
             "\"programme\":\"P\",\"role\":\"follower\"}",
             1000);
    put_json(f->reg, "Stadt Leipzig",
             "{\"kind\":\"strategy\",\"id\":\"s\",\"version\":\"1.1.0\",\"title\":\"Neu\","
             "\"programme\":\"P\",\"role\":\"follower\"}",
             2000);
    put_strategy(f->reg, "Stadt Leipzig", "other", "Other", "x", 500);

    /* The newest version describes the item. */
    doc = search(f->reg, "q=neu");
    assert_int_equal(total(doc), 1);
    json_decref(doc);

    /* Withdrawing 1.1.0: the item falls back to 1.0.0, not withdrawn. */
    assert_int_equal(cn_registry_withdraw(f->reg, id, "s", "1.1.0", 3000, "wrong numbers"), 0);
    doc = search(f->reg, "q=alt");
    assert_int_equal(total(doc), 1);
    assert_true(json_is_false(
        json_object_get(json_array_get(json_object_get(doc, "results"), 0), "withdrawn")));
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(doc, "results"), 0), "version")),
                        "1.0.0");
    json_decref(doc);
    assert_int_equal(cn_registry_versions(&doc, f->reg, id, "s"), 0);
    v = json_array_get(json_object_get(doc, "versions"), 0);
    assert_string_equal(json_string_value(json_object_get(v, "version")), "1.1.0");
    assert_true(json_is_true(json_object_get(v, "withdrawn")));
    assert_string_equal(json_string_value(json_object_get(v, "withdrawn_reason")), "wrong numbers");
    assert_string_equal(json_string_value(json_object_get(v, "withdrawn_at")),
                        "1970-01-01T00:50:00Z");
    json_decref(doc);

    /* All versions withdrawn: still found (described by the newest), marked. */
    assert_int_equal(cn_registry_withdraw(f->reg, id, "s", NULL, 4000, NULL), 0);
    doc = search(f->reg, "q=neu");
    assert_int_equal(total(doc), 1);
    assert_true(json_is_true(
        json_object_get(json_array_get(json_object_get(doc, "results"), 0), "withdrawn")));
    json_decref(doc);
    doc = search(f->reg, "withdrawn=exclude");
    assert_int_equal(total(doc), 1);
    assert_string_equal(result_item(doc, 0), "other");
    json_decref(doc);
    doc = search(f->reg, "withdrawn=only");
    assert_int_equal(total(doc), 1);
    assert_string_equal(result_item(doc, 0), "s");
    json_decref(doc);

    /* Published again: no longer withdrawn. */
    put_json(f->reg, "Stadt Leipzig",
             "{\"kind\":\"strategy\",\"id\":\"s\",\"version\":\"1.1.0\",\"title\":\"Neu\","
             "\"programme\":\"P\",\"role\":\"follower\"}",
             2000);
    doc = search(f->reg, "withdrawn=only");
    assert_int_equal(total(doc), 0);
    json_decref(doc);

    /* Mark and sweep: what a full listing no longer has is withdrawn. */
    assert_int_equal(cn_registry_begin(f->reg), 0);
    assert_int_equal(cn_registry_mark_node(f->reg, id), 0);
    put_strategy(f->reg, "Stadt Leipzig", "other", "Other", "x", 500);
    assert_int_equal(cn_registry_sweep_node(f->reg, id, 6000, &withdrawn), 0);
    assert_int_equal(cn_registry_commit(f->reg), 0);
    assert_int_equal(withdrawn, 1); /* s@1.1.0; 1.0.0 was withdrawn already */
    assert_int_equal(cn_registry_item(&doc, f->reg, id, "s", NULL), 0);
    assert_true(json_is_true(json_object_get(doc, "withdrawn")));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(doc, "version"), "withdrawn_reason")),
        "no longer in the signed targets");
    json_decref(doc);

    assert_int_equal(cn_registry_withdraw(f->reg, id, "s", "9.9.9", 1, NULL), CN_ENOTFOUND);
    assert_int_equal(cn_registry_withdraw(f->reg, id, "nope", NULL, 1, NULL), CN_ENOTFOUND);
}

/* ---- ingest checks and transactions ---- */

static void ingest_refuses_what_does_not_fit(void **state)
{
    fixture *f = *state;
    json_t *m, *att;
    char leipzig[65], other[65];

    m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kind", "strategy", "id", "x", "version",
                  "1.0.0", "title", "X", "programme", "P", "role", "follower");
    /* The node must be known first. */
    assert_int_equal(put_manifest(f->reg, "Stadt Leipzig", m, 1), CN_ENOTFOUND);
    assert_non_null(strstr(cn_error_message(), "put the node"));
    put_node(f->reg, "Stadt Leipzig", "DE", NULL);
    node_id_of(leipzig, "Stadt Leipzig");

    json_object_set_new(m, "version", json_string("1.0"));
    assert_int_equal(put_manifest(f->reg, "Stadt Leipzig", m, 1), CN_EINVAL);
    json_object_set_new(m, "version", json_string("1.0.0"));
    json_object_set_new(m, "kind", json_string("recipe"));
    assert_int_equal(put_manifest(f->reg, "Stadt Leipzig", m, 1), CN_EINVAL);
    assert_non_null(strstr(cn_error_message(), "kind"));
    json_object_set_new(m, "kind", json_string("strategy"));
    json_object_set_new(m, "id", json_string("Not A Slug"));
    assert_int_equal(put_manifest(f->reg, "Stadt Leipzig", m, 1), CN_EINVAL);
    json_object_set_new(m, "id", json_string("x"));
    assert_int_equal(put_manifest(f->reg, "Stadt Leipzig", m, 1), 0);
    /* An item keeps its kind. */
    json_object_set_new(m, "kind", json_string("dataset"));
    json_object_set_new(m, "version", json_string("2.0.0"));
    assert_int_equal(put_manifest(f->reg, "Stadt Leipzig", m, 1), CN_EINVAL);
    assert_non_null(strstr(cn_error_message(), "is a strategy"));
    json_decref(m);

    /* Attestations: only for oneself, only replicates, well formed. */
    node_id_of(other, "Eindhoven");
    att = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}}", "type", "replicates", "by", other, "subject",
                    "node", leipzig, "item", "x", "version", "1.0.0");
    assert_int_equal(cn_registry_put_attestation(f->reg, leipzig, "a", att, 1), CN_EVERIFY);
    json_object_set_new(att, "by", json_string(leipzig));
    assert_int_equal(cn_registry_put_attestation(f->reg, leipzig, "../a", att, 1), CN_EINVAL);
    json_object_set_new(att, "type", json_string("uses"));
    assert_int_equal(cn_registry_put_attestation(f->reg, leipzig, "a", att, 1), CN_EINVAL);
    json_object_set_new(att, "type", json_string("replicates"));
    json_object_set_new(att, "as", json_integer(3));
    assert_int_equal(cn_registry_put_attestation(f->reg, leipzig, "a", att, 1), CN_EINVAL);
    json_object_del(att, "as");
    assert_int_equal(cn_registry_put_attestation(f->reg, leipzig, "a", att, 1), 0);
    json_decref(att);
}

/*
 * A strdup that fails for one string, so that a test can reach the
 * registry's allocation failures. The program's own definition takes the
 * place of libc's for every caller; it fails only while armed, and only for
 * the string it was armed with.
 */
static const char *strdup_fails_for;

char *strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy;

    if (strdup_fails_for != NULL && strcmp(s, strdup_fails_for) == 0)
        return NULL;
    if ((copy = malloc(n)) != NULL)
        memcpy(copy, s, n);
    return copy;
}

static void out_of_memory_while_indexing_says_so(void **state)
{
    fixture *f = *state;
    json_t *m, *doc = NULL;
    char leipzig[65];
    int err;

    put_node(f->reg, "Stadt Leipzig", "DE", NULL);
    node_id_of(leipzig, "Stadt Leipzig");
    m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kind", "strategy", "id", "x", "version",
                  "4.0.4", "title", "X", "programme", "P", "role", "follower");
    /* Indexing a version copies the number of the item's newest one. */
    strdup_fails_for = "4.0.4";
    err = put_manifest(f->reg, "Stadt Leipzig", m, 1);
    strdup_fails_for = NULL;
    assert_int_equal(err, CN_ENOMEM);
    assert_int_equal(cn_error_last(), CN_ENOMEM);
    assert_string_equal(cn_error_message(), "out of memory");
    /* Nothing of the version was kept. */
    assert_int_equal(cn_registry_item(&doc, f->reg, leipzig, "x", NULL), CN_ENOTFOUND);
    assert_null(doc);
    json_decref(m);
}

static void a_sync_is_one_transaction(void **state)
{
    fixture *f = *state;
    cn_registry *reader = NULL;
    json_t *doc, *bad;

    put_node(f->reg, "Stadt Leipzig", "DE", NULL);
    assert_int_equal(cn_registry_open(&reader, f->db), 0);

    assert_int_equal(cn_registry_begin(f->reg), 0);
    assert_int_equal(cn_registry_begin(f->reg), CN_EINVAL);
    put_strategy(f->reg, "Stadt Leipzig", "one", "Eins", "x", 1);
    /* A failing put inside the transaction changes nothing and leaves it usable. */
    bad = json_pack("{s:s}", "kind", "strategy");
    assert_int_equal(put_manifest(f->reg, "Stadt Leipzig", bad, 1), CN_EINVAL);
    json_decref(bad);
    put_strategy(f->reg, "Stadt Leipzig", "two", "Zwei", "x", 2);
    /* Another handle does not see it before the commit ... */
    doc = search(reader, "");
    assert_int_equal(total(doc), 0);
    json_decref(doc);
    assert_int_equal(cn_registry_commit(f->reg), 0);
    /* ... and does after: its in-memory copy follows state.db. */
    doc = search(reader, "");
    assert_int_equal(total(doc), 2);
    json_decref(doc);

    assert_int_equal(cn_registry_begin(f->reg), 0);
    put_strategy(f->reg, "Stadt Leipzig", "three", "Drei", "x", 3);
    doc = search(f->reg, ""); /* the writer sees its own transaction */
    assert_int_equal(total(doc), 3);
    json_decref(doc);
    assert_int_equal(cn_registry_rollback(f->reg), 0);
    doc = search(f->reg, "");
    assert_int_equal(total(doc), 2);
    json_decref(doc);
    doc = search(reader, "q=drei");
    assert_int_equal(total(doc), 0);
    json_decref(doc);
    cn_registry_free(reader);
}

/* A handle's in-memory copy reloads when another connection changed what it
 * holds, and only then: a commit to other tables of state.db (the peers
 * tables, on every sync round) leaves it as it is. */
static void the_copy_reloads_only_for_registry_changes(void **state)
{
    fixture *f = *state;
    cn_registry *reader = NULL;
    sqlite3 *other = NULL;
    int64_t generation, version;
    unsigned long loads;
    json_t *doc;

    put_node(f->reg, "Stadt Leipzig", "DE", NULL);
    put_strategy(f->reg, "Stadt Leipzig", "one", "Eins", "x", 1);
    assert_int_equal(cn_registry_open(&reader, f->db), 0);
    doc = search(reader, "");
    assert_int_equal(total(doc), 1);
    json_decref(doc);
    generation = reader->snap->generation;
    version = reader->snap->data_version;
    loads = reader->snap_loads;
    assert_int_equal(loads, 1);

    assert_int_equal(sqlite3_open(f->db, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other,
                                  "CREATE TABLE peers_like (x); INSERT INTO peers_like VALUES (1);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    doc = search(reader, "");
    assert_int_equal(total(doc), 1);
    json_decref(doc);
    assert_true(reader->snap->data_version != version); /* it noticed the commit ... */
    assert_int_equal(reader->snap_loads, loads);        /* ... and kept its copy */

    put_strategy(f->reg, "Stadt Leipzig", "two", "Zwei", "x", 2);
    doc = search(reader, "");
    assert_int_equal(total(doc), 2);
    json_decref(doc);
    assert_true(reader->snap->generation > generation);
    assert_int_equal(reader->snap_loads, loads + 1);
    generation = reader->snap->generation;

    /* Withdrawing changes what the copy holds, too. */
    {
        char id[65];
        node_id_of(id, "Stadt Leipzig");
        assert_int_equal(cn_registry_withdraw(f->reg, id, "two", NULL, 5, "test"), 0);
    }
    doc = search(reader, "withdrawn=exclude");
    assert_int_equal(total(doc), 1);
    json_decref(doc);
    assert_true(reader->snap->generation > generation);

    sqlite3_close(other);
    cn_registry_free(reader);
}

static void renaming_a_node_updates_its_items(void **state)
{
    fixture *f = *state;
    cn_registry_node_info info = CN_REGISTRY_NODE_INFO_INIT;
    char id[65];
    json_t *doc;

    put_node(f->reg, "Stadt Leipzig", "DE", NULL);
    put_strategy(f->reg, "Stadt Leipzig", "s", "Strategie", "x", 1);
    node_id_of(id, "Stadt Leipzig");
    info.node_id = id;
    info.name = "Leipzig (Sachsen)";
    assert_int_equal(cn_registry_put_node(f->reg, &info), 0);
    doc = search(f->reg, "city=Leipzig+%28Sachsen%29");
    assert_int_equal(total(doc), 1);
    assert_int_equal(facet_count(doc, "city", "Stadt Leipzig"), -1);
    json_decref(doc);
    doc = search(f->reg, "q=sachsen");
    assert_int_equal(total(doc), 1);
    json_decref(doc);
}

/* ---- items, nodes, graph ---- */

static void item_documents_carry_manifest_signers_and_versions(void **state)
{
    fixture *f = *state;
    cn_registry_query q = CN_REGISTRY_QUERY_INIT;
    char id[65], prefix[16];
    json_t *doc, *v;

    load_mixed(f->reg);
    node_id_of(id, "Eindhoven");
    snprintf(prefix, sizeof(prefix), "%.8s", id);
    assert_int_equal(cn_registry_item(&doc, f->reg, prefix, "smart-lighting", NULL), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "node"), "id")), id);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "node"), "name")),
                        "Eindhoven");
    assert_string_equal(json_string_value(json_object_get(doc, "kind")), "solution");
    assert_string_equal(json_string_value(json_object_get(doc, "title")), "Smart lighting");
    assert_string_equal(json_string_value(json_object_get(doc, "description")),
                        "Street lights that dim when nobody is there");
    v = json_object_get(doc, "version");
    assert_string_equal(json_string_value(json_object_get(v, "version")), "2.1.0");
    assert_string_equal(json_string_value(json_object_get(v, "commit")),
                        "0123456789abcdef0123456789abcdef01234567");
    assert_int_equal(json_array_size(json_object_get(v, "signers")), 1);
    assert_string_equal(json_string_value(json_object_get(v, "verified_at")),
                        "1970-01-01T00:17:40Z");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(v, "manifest"), "developmentStatus")),
        "stable");
    {
        char git[128];
        snprintf(git, sizeof(git), "/git/%s/smart-lighting.git", id);
        assert_string_equal(json_string_value(json_object_get(doc, "git")), git);
    }
    json_decref(doc);

    assert_int_equal(cn_registry_query_parse(&q, "version=9.0.0"), 0);
    assert_int_equal(cn_registry_item(&doc, f->reg, id, "smart-lighting", &q), CN_ENOTFOUND);
    cn_registry_query_clear(&q);
    assert_int_equal(cn_registry_item(&doc, f->reg, id, "nothing-here", NULL), CN_ENOTFOUND);
    assert_int_equal(cn_registry_item(&doc, f->reg, id, "Bad Id", NULL), CN_EINVAL);
    assert_int_equal(cn_registry_item(&doc, f->reg, "0000", "x", NULL), CN_EINVAL);
}

static void the_directory_lists_nodes_with_counts(void **state)
{
    fixture *f = *state;
    cn_registry_query q = CN_REGISTRY_QUERY_INIT;
    json_t *doc, *n;
    char id[65];

    load_mixed(f->reg);
    assert_int_equal(cn_registry_nodes(&doc, f->reg, NULL), 0);
    assert_int_equal(json_integer_value(json_object_get(doc, "total")), 3);
    n = json_array_get(json_object_get(doc, "nodes"), 0);
    assert_string_equal(json_string_value(json_object_get(n, "name")), "Eindhoven");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(n, "items"), "total")), 2);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(n, "items"), "solution")),
                     1);
    assert_string_equal(json_string_value(json_object_get(n, "source")), "mirror");
    json_decref(doc);

    assert_int_equal(cn_registry_query_parse(&q, "country=de&per_page=1&page=2"), 0);
    assert_int_equal(cn_registry_nodes(&doc, f->reg, &q), 0);
    assert_int_equal(json_integer_value(json_object_get(doc, "total")), 2);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(doc, "nodes"), 0), "name")),
                        "Stadt Leipzig");
    json_decref(doc);
    cn_registry_query_clear(&q);
    assert_int_equal(cn_registry_query_parse(&q, "q=LEIP"), 0);
    assert_int_equal(cn_registry_nodes(&doc, f->reg, &q), 0);
    assert_int_equal(json_integer_value(json_object_get(doc, "total")), 1);
    json_decref(doc);
    cn_registry_query_clear(&q);
    assert_int_equal(cn_registry_query_parse(&q, "kind=dataset"), 0);
    assert_int_equal(cn_registry_nodes(&doc, f->reg, &q), CN_EINVAL);
    assert_non_null(strstr(cn_error_message(), "'kind' is not accepted"));
    cn_registry_query_clear(&q);

    node_id_of(id, "Köln");
    assert_int_equal(cn_registry_node(&doc, f->reg, id), 0);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(doc, "profile"), "country")), "DE");
    json_decref(doc);
}

/* Is there an edge from -> to of type in graph doc? */
static const json_t *find_edge(const json_t *doc, const char *from, const char *to,
                               const char *type)
{
    json_t *e;
    size_t i;

    json_array_foreach(json_object_get(doc, "edges"), i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "from")), from) == 0 &&
            strcmp(json_string_value(json_object_get(e, "to")), to) == 0 &&
            strcmp(json_string_value(json_object_get(e, "type")), type) == 0)
            return e;
    }
    return NULL;
}

static int has_edge(const json_t *doc, const char *from, const char *to, const char *type)
{
    return find_edge(doc, from, to, type) != NULL;
}

/* A replicates edge carries its attestation's data, seen from either end. */
static void assert_attestation_edge(const json_t *e, int withdrawn)
{
    assert_non_null(e);
    assert_string_equal(json_string_value(json_object_get(e, "attestation")),
                        "smart-lighting-2.1.0");
    assert_string_equal(json_string_value(json_object_get(e, "version")), "2.1.0");
    assert_string_equal(json_string_value(json_object_get(e, "date")), "2024-03-01T10:00:00Z");
    assert_int_equal(json_is_true(json_object_get(e, "withdrawn")), withdrawn);
    assert_true(json_is_string(json_object_get(e, "verified_at")));
}

static void the_graph_follows_attestations_and_is_based_on(void **state)
{
    fixture *f = *state;
    char eind[65], leip[65], prag[65], from[140], to[140], json[1024];
    json_t *att, *doc;

    load_mixed(f->reg);
    put_node(f->reg, "Prague", "CZ", "Triangulum");
    node_id_of(eind, "Eindhoven");
    node_id_of(leip, "Stadt Leipzig");
    node_id_of(prag, "Prague");
    /* Leipzig replicated Eindhoven's smart-lighting as smart-lighting-west ... */
    snprintf(json, sizeof(json),
             "{\"publiccodeYmlVersion\":\"0.2\",\"id\":\"smart-lighting-west\",\"version\":"
             "\"1.0.0\",\"name\":\"Smart lighting West\",\"url\":\"https://example.org/w.git\","
             "\"developmentStatus\":\"beta\",\"legal\":{\"license\":\"EUPL-1.2\"}}");
    put_json(f->reg, "Stadt Leipzig", json, 6000);
    att = json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s}, s:s}", "type", "replicates", "by",
                    leip, "date", "2024-03-01T10:00:00Z", "subject", "node", eind, "item",
                    "smart-lighting", "version", "2.1.0", "commit",
                    "0123456789abcdef0123456789abcdef01234567", "tag",
                    "89abcdef0123456789abcdef0123456789abcdef", "as", "smart-lighting-west");
    assert_int_equal(cn_registry_put_attestation(f->reg, leip, "smart-lighting-2.1.0", att, 7000),
                     0);
    json_decref(att);
    /* ... Prague based its version on Leipzig's git URL ... */
    snprintf(json, sizeof(json),
             "{\"publiccodeYmlVersion\":\"0.2\",\"id\":\"lampy\",\"version\":\"1.0.0\","
             "\"name\":\"Chytré lampy\",\"url\":\"https://example.org/lampy.git\","
             "\"isBasedOn\":[\"http://127.0.0.1:8470/git/%s/smart-lighting-west.git\","
             "\"https://github.com/example/unknown-upstream\"],"
             "\"developmentStatus\":\"beta\",\"legal\":{\"license\":\"EUPL-1.2\"}}",
             leip);
    put_json(f->reg, "Prague", json, 8000);
    /* ... and Köln on Eindhoven's publiccode url. */
    put_json(f->reg, "Köln",
             "{\"publiccodeYmlVersion\":\"0.2\",\"id\":\"licht\",\"version\":\"1.0.0\","
             "\"name\":\"Licht\",\"url\":\"https://example.org/licht.git\",\"isBasedOn\":"
             "\"https://GIT.example.org/eindhoven/lighting/\",\"developmentStatus\":\"beta\","
             "\"legal\":{\"license\":\"EUPL-1.2\"}}",
             9000);

    assert_int_equal(cn_registry_graph(&doc, f->reg, eind, "smart-lighting"), 0);
    snprintf(from, sizeof(from), "%s/smart-lighting", eind);
    snprintf(to, sizeof(to), "%s/smart-lighting-west", leip);
    assert_attestation_edge(find_edge(doc, from, to, "replicates"), 0);
    snprintf(to, sizeof(to), "%s/licht", eind);
    {
        char koeln[65];
        node_id_of(koeln, "Köln");
        snprintf(to, sizeof(to), "%s/licht", koeln);
    }
    assert_true(has_edge(doc, from, to, "isBasedOn"));
    /* Two steps away: Prague's lampy, from Leipzig's replica. */
    snprintf(from, sizeof(from), "%s/smart-lighting-west", leip);
    snprintf(to, sizeof(to), "%s/lampy", prag);
    assert_true(has_edge(doc, from, to, "isBasedOn"));
    /* Prague's other upstream is outside the registry. */
    assert_true(has_edge(doc, "url:https://github.com/example/unknown-upstream", to, "isBasedOn"));
    assert_true(json_is_false(json_object_get(doc, "truncated")));
    json_decref(doc);

    /* From the replica, the lighthouse is upstream. */
    assert_int_equal(cn_registry_graph(&doc, f->reg, leip, "smart-lighting-west"), 0);
    snprintf(from, sizeof(from), "%s/smart-lighting", eind);
    snprintf(to, sizeof(to), "%s/smart-lighting-west", leip);
    assert_attestation_edge(find_edge(doc, from, to, "replicates"), 0);
    json_decref(doc);

    /* Leipzig's own document lists what it replicated, with the original's names. */
    assert_int_equal(cn_registry_node(&doc, f->reg, leip), 0);
    {
        const json_t *r = json_array_get(json_object_get(doc, "replicated"), 0);
        assert_int_equal(json_array_size(json_object_get(doc, "replicated")), 1);
        assert_string_equal(json_string_value(json_object_get(r, "node")), eind);
        assert_string_equal(json_string_value(json_object_get(r, "node_name")), "Eindhoven");
        assert_string_equal(json_string_value(json_object_get(r, "item")), "smart-lighting");
        assert_string_equal(json_string_value(json_object_get(r, "version")), "2.1.0");
        assert_string_equal(json_string_value(json_object_get(r, "as")), "smart-lighting-west");
        assert_string_equal(json_string_value(json_object_get(r, "attestation")),
                            "smart-lighting-2.1.0");
        assert_true(json_is_false(json_object_get(r, "withdrawn")));
    }
    json_decref(doc);
    /* Eindhoven replicated nothing. */
    assert_int_equal(cn_registry_node(&doc, f->reg, eind), 0);
    assert_int_equal(json_array_size(json_object_get(doc, "replicated")), 0);
    json_decref(doc);

    /* Replications count other nodes: Leipzig (attestation) and Köln (url). */
    assert_int_equal(cn_registry_item(&doc, f->reg, eind, "smart-lighting", NULL), 0);
    assert_int_equal(json_integer_value(json_object_get(doc, "replications")), 2);
    json_decref(doc);
    /* A withdrawn attestation no longer counts, but stays in the graph. */
    assert_int_equal(cn_registry_withdraw_attestation(f->reg, leip, "smart-lighting-2.1.0", 9500),
                     0);
    assert_int_equal(cn_registry_item(&doc, f->reg, eind, "smart-lighting", NULL), 0);
    assert_int_equal(json_integer_value(json_object_get(doc, "replications")), 1);
    json_decref(doc);
    assert_int_equal(cn_registry_graph(&doc, f->reg, eind, "smart-lighting"), 0);
    assert_attestation_edge(find_edge(doc, from, to, "replicates"), 1);
    json_decref(doc);

    /* Forgetting Köln drops its edge and its count. */
    {
        char koeln[65];
        node_id_of(koeln, "Köln");
        assert_int_equal(cn_registry_has_node(f->reg, koeln), 1);
        assert_int_equal(cn_registry_remove_node(f->reg, koeln), 0);
        assert_int_equal(cn_registry_has_node(f->reg, koeln), 0);
        assert_int_equal(cn_registry_item(&doc, f->reg, eind, "smart-lighting", NULL), 0);
        assert_int_equal(json_integer_value(json_object_get(doc, "replications")), 0);
        json_decref(doc);
        assert_int_equal(cn_registry_node(&doc, f->reg, koeln), CN_ENOTFOUND);
    }
}

static void the_graph_stops_after_four_steps_and_says_so(void **state)
{
    fixture *f = *state;
    char ids[6][65], names[6][16], items[6][16];
    json_t *doc;
    int i;

    /* A chain: each city replicates the previous one's item. */
    for (i = 0; i < 6; i++) {
        snprintf(names[i], sizeof(names[i]), "City %d", i);
        snprintf(items[i], sizeof(items[i]), "item-%d", i);
        put_node(f->reg, names[i], "DE", NULL);
        node_id_of(ids[i], names[i]);
        put_strategy(f->reg, names[i], items[i], "Kette", "x", 1000 + i);
        if (i > 0) {
            json_t *att = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}, s:s}", "type", "replicates",
                                    "by", ids[i], "subject", "node", ids[i - 1], "item",
                                    items[i - 1], "version", "1.0.0", "as", items[i]);
            assert_int_equal(cn_registry_put_attestation(f->reg, ids[i], "r", att, 1), 0);
            json_decref(att);
        }
    }
    assert_int_equal(cn_registry_graph(&doc, f->reg, ids[0], "item-0"), 0);
    assert_int_equal(json_array_size(json_object_get(doc, "nodes")), 5);
    assert_int_equal(json_array_size(json_object_get(doc, "edges")), 4);
    assert_true(json_is_true(json_object_get(doc, "truncated")));
    json_decref(doc);
    /* From the middle, every city is within four steps. */
    assert_int_equal(cn_registry_graph(&doc, f->reg, ids[2], "item-2"), 0);
    assert_int_equal(json_array_size(json_object_get(doc, "nodes")), 6);
    assert_int_equal(json_array_size(json_object_get(doc, "edges")), 5);
    assert_true(json_is_false(json_object_get(doc, "truncated")));
    json_decref(doc);
}

/* ---- the API routes ---- */

static void api_routes_answer_with_documents_and_statuses(void **state)
{
    fixture *f = *state;
    cn_registry_query q = CN_REGISTRY_QUERY_INIT, none = CN_REGISTRY_QUERY_INIT;
    char id[65], path[256];
    json_t *doc;
    int status;

    load_mixed(f->reg);
    node_id_of(id, "Eindhoven");
    assert_int_equal(cn_registry_query_parse(&q, "q=traffic"), 0);
    assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, "/api/v1/search", &q), 0);
    assert_int_equal(status, 200);
    assert_int_equal(total(doc), 1);
    json_decref(doc);
    cn_registry_query_clear(&q);

    snprintf(path, sizeof(path), "/api/v1/items/%.12s/traffic-counts", id);
    assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, path, &none), 0);
    assert_string_equal(json_string_value(json_object_get(doc, "item")), "traffic-counts");
    json_decref(doc);
    snprintf(path, sizeof(path), "/api/v1/items/%s/traffic-counts/versions", id);
    assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, path, &none), 0);
    assert_int_equal(json_array_size(json_object_get(doc, "versions")), 1);
    json_decref(doc);
    snprintf(path, sizeof(path), "/api/v1/graph/%s/traffic-counts", id);
    assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, path, &none), 0);
    assert_int_equal(json_array_size(json_object_get(doc, "nodes")), 1);
    json_decref(doc);
    assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, "/api/v1/nodes", NULL), 0);
    json_decref(doc);
    /* /api/v1/ names the node kept as self: none among these mirrored ones ... */
    assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, "/api/v1/", NULL), CN_ENOTFOUND);
    assert_int_equal(status, 404);
    json_decref(doc);
    {
        cn_registry_node_info self = CN_REGISTRY_NODE_INFO_INIT;
        char self_id[65];
        node_id_of(self_id, "Stadt Leipzig (sample)");
        self.node_id = self_id;
        self.name = "Stadt Leipzig (sample)";
        assert_int_equal(cn_registry_put_node(f->reg, &self), 0);
        /* ... until this node is put. */
        assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, "/api/v1/", NULL), 0);
        assert_string_equal(json_string_value(json_object_get(doc, "api")), "v1");
        assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "node"), "id")),
                            self_id);
        json_decref(doc);
    }
    snprintf(path, sizeof(path), "/api/v1/nodes/%s", id);
    assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, path, NULL), 0);
    json_decref(doc);

    /* Errors: a document and a status. */
    assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, "/api/v1/nothing", NULL),
                     CN_ENOTFOUND);
    assert_int_equal(status, 404);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(doc, "error"), "message")),
        "no such API endpoint: /api/v1/nothing");
    json_decref(doc);
    assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, "/api/v1/items//x", NULL),
                     CN_ENOTFOUND);
    json_decref(doc);
    snprintf(path, sizeof(path), "/api/v1/items/%s/no-such-item", id);
    assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, path, NULL), CN_ENOTFOUND);
    assert_int_equal(status, 404);
    json_decref(doc);
    assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, "/api/v1/items/zz/x", NULL),
                     CN_EINVAL);
    assert_int_equal(status, 400);
    json_decref(doc);
    assert_int_equal(cn_registry_query_parse(&q, "per_page=500"), CN_EINVAL);
    cn_registry_query_clear(&q);
    assert_int_equal(cn_registry_query_parse(&q, "sort=recent"), 0);
    snprintf(path, sizeof(path), "/api/v1/graph/%s/traffic-counts", id);
    assert_int_equal(cn_registry_api_get(&doc, &status, f->reg, path, &q), CN_EINVAL);
    assert_int_equal(status, 400);
    assert_non_null(
        strstr(json_string_value(json_object_get(json_object_get(doc, "error"), "message")),
               "'sort' is not accepted"));
    json_decref(doc);
    cn_registry_query_clear(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(schema_has_a_version_and_leaves_other_tables_alone, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(umlauts_match_with_and_without_diacritics, setup, teardown),
        cmocka_unit_test_setup_teardown(last_word_is_a_prefix, setup, teardown),
        cmocka_unit_test_setup_teardown(hostile_search_text_is_only_ever_words, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_parameters_are_refused_by_name, setup, teardown),
        cmocka_unit_test(query_strings_decode_like_forms),
        cmocka_unit_test_setup_teardown(facets_count_every_value_and_filters_narrow, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(sorting_by_relevance_recency_and_replications, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(pages_split_the_results_with_a_total, setup, teardown),
        cmocka_unit_test_setup_teardown(relevance_equals_fts5_bm25_and_the_plain_sql_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(samples_are_found_by_german_words, setup, teardown),
        cmocka_unit_test_setup_teardown(withdrawn_items_and_versions_are_shown_as_such, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(ingest_refuses_what_does_not_fit, setup, teardown),
        cmocka_unit_test_setup_teardown(out_of_memory_while_indexing_says_so, setup, teardown),
        cmocka_unit_test_setup_teardown(a_sync_is_one_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(the_copy_reloads_only_for_registry_changes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(renaming_a_node_updates_its_items, setup, teardown),
        cmocka_unit_test_setup_teardown(item_documents_carry_manifest_signers_and_versions, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_directory_lists_nodes_with_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(the_graph_follows_attestations_and_is_based_on, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_graph_stops_after_four_steps_and_says_so, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(api_routes_answer_with_documents_and_statuses, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
