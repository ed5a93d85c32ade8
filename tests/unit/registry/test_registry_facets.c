/*
 * test_registry_facets.c - the facets of issue 14 (category, scope,
 * platform, keyword) over a real SQLite file: their counts, filters, how
 * they combine with the other facets and with text, an unknown value; the
 * schema 2 -> 3 migration that derives them for items indexed before; and
 * a node's logo (registry/logo.c): what its bytes may be, its record, and
 * the node documents that name it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "registry/registry.h"
#include "support_registry.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef temp_registry fixture;

/* Two solutions and two datasets beside load_mixed's four items. */
static void load_catalogue(cn_registry *reg)
{
    load_mixed(reg);
    put_json(reg, "Stadt Leipzig",
             "{\"publiccodeYmlVersion\":\"0.4\",\"id\":\"urban-platform\",\"version\":\"1.0.0\","
             "\"name\":\"Urban data platform\",\"url\":\"https://git.example.org/up.git\","
             "\"developmentStatus\":\"beta\",\"legal\":{\"license\":\"EUPL-1.2\"},"
             "\"categories\":[\"data-analytics\",\"geographic-information-systems\"],"
             "\"platforms\":[\"web\",\"linux\"],"
             "\"intendedAudience\":{\"scope\":[\"local-authorities\",\"environment\"]},"
             "\"description\":{\"de\":{\"shortDescription\":\"Urbane Datenplattform\"}}}",
             5000);
    put_json(reg, "Köln",
             "{\"publiccodeYmlVersion\":\"0.4\",\"id\":\"participation\",\"version\":\"0.3.0\","
             "\"name\":\"Beteiligung\",\"url\":\"https://git.example.org/beteiligung.git\","
             "\"developmentStatus\":\"development\",\"legal\":{\"license\":\"AGPL-3.0-only\"},"
             "\"categories\":[\"e-democracy\",\"data-analytics\"],\"platforms\":[\"web\"],"
             "\"intendedAudience\":{\"scope\":[\"society\"]},"
             "\"description\":{\"de\":{\"shortDescription\":\"Bürgerbeteiligung online\"}}}",
             6000);
    put_json(
        reg, "Köln",
        "{\"kind\":\"dataset\",\"id\":\"trees\",\"version\":\"1.0.0\",\"title\":\"Baumkataster\","
        "\"description\":\"Jeder Straßenbaum\",\"publisher\":{\"name\":\"Stadt Köln\"},"
        "\"keywords\":[\"Bäume\",\"Umwelt\",\"Klima\"],\"theme\":[\"ENVI\"],"
        "\"license\":\"http://dcat-ap.de/def/licenses/dl-by-de/2.0\","
        "\"distributions\":[{\"format\":\"CSV\",\"url\":\"https://example.org/b.csv\"}]}",
        7000);
    put_json(reg, "Eindhoven",
             "{\"kind\":\"dataset\",\"id\":\"air\",\"version\":\"1.0.0\",\"title\":\"Air quality\","
             "\"description\":\"Sensors\",\"publisher\":{\"name\":\"Gemeente Eindhoven\"},"
             "\"keywords\":[\"Klima\",\"air\"],\"theme\":[\"ENVI\"],"
             "\"license\":\"http://dcat-ap.de/def/licenses/dl-by-de/2.0\","
             "\"distributions\":[{\"format\":\"JSON\",\"url\":\"https://example.org/a.json\"}]}",
             8000);
}

static void new_facets_count_filter_and_combine(void **state)
{
    fixture *f = *state;
    json_t *doc;

    load_catalogue(f->reg);
    doc = search(f->reg, "");
    assert_int_equal(total(doc), 8);
    /* Every item's raw codes, counted. */
    assert_int_equal(facet_count(doc, "category", "data-analytics"), 2);
    assert_int_equal(facet_count(doc, "category", "e-democracy"), 1);
    assert_int_equal(facet_count(doc, "category", "geographic-information-systems"), 1);
    assert_int_equal(facet_count(doc, "platform", "web"), 2);
    assert_int_equal(facet_count(doc, "platform", "linux"), 1);
    assert_int_equal(facet_count(doc, "scope", "local-authorities"), 1);
    assert_int_equal(facet_count(doc, "scope", "energy"), 1); /* load_mixed's smart-lighting */
    assert_int_equal(facet_count(doc, "scope", "society"), 1);
    assert_int_equal(facet_count(doc, "keyword", "Klima"), 2);
    assert_int_equal(facet_count(doc, "keyword", "Bäume"), 1);
    /* Every facet is in the answer, even where nothing has a value. */
    assert_true(json_is_array(json_object_get(json_object_get(doc, "facets"), "keyword")));
    json_decref(doc);

    /* A filter narrows; its own facet stays disjunctive. */
    doc = search(f->reg, "category=data-analytics");
    assert_int_equal(total(doc), 2);
    assert_true(has_item(doc, "urban-platform") && has_item(doc, "participation"));
    assert_int_equal(facet_count(doc, "category", "e-democracy"), 1);
    assert_int_equal(facet_count(doc, "platform", "linux"), 1);
    assert_int_equal(facet_count(doc, "kind", "dataset"), -1);
    json_decref(doc);
    /* Values within one parameter are OR-ed, parameters AND-ed, and the
     * comparison ignores ASCII case. */
    doc = search(f->reg, "platform=LINUX&platform=web&scope=society");
    assert_int_equal(total(doc), 1);
    assert_string_equal(result_item(doc, 0), "participation");
    json_decref(doc);
    /* With the old facets ... */
    doc = search(f->reg, "category=data-analytics&city=Stadt%20Leipzig&status=beta");
    assert_int_equal(total(doc), 1);
    assert_string_equal(result_item(doc, 0), "urban-platform");
    json_decref(doc);
    doc = search(f->reg, "keyword=klima&country=NL");
    assert_int_equal(total(doc), 1);
    assert_string_equal(result_item(doc, 0), "air");
    json_decref(doc);
    /* ... and with text. */
    doc = search(f->reg, "keyword=Klima&q=baum");
    assert_int_equal(total(doc), 1);
    assert_string_equal(result_item(doc, 0), "trees");
    json_decref(doc);
    /* scope is the raw code beside its theme. */
    doc = search(f->reg, "scope=environment&theme=ENVI");
    assert_int_equal(total(doc), 1);
    assert_string_equal(result_item(doc, 0), "urban-platform");
    json_decref(doc);

    /* A value nobody has: no results, the bucket shown and selected. */
    doc = search(f->reg, "category=no-such-category");
    assert_int_equal(total(doc), 0);
    assert_int_equal(facet_count(doc, "category", "no-such-category"), 0);
    assert_int_equal(facet_count(doc, "category", "data-analytics"), 2);
    json_decref(doc);
    /* Two facets that no item has together: nothing, each facet's counts
     * under the other's filter. */
    doc = search(f->reg, "category=data-analytics&keyword=Klima");
    assert_int_equal(total(doc), 0);
    assert_int_equal(facet_count(doc, "category", "data-analytics"), 0);
    assert_int_equal(facet_count(doc, "keyword", "Klima"), 0);
    json_decref(doc);
    /* The bounds of any filter hold for these too. */
    expect_search_error(f->reg,
                        "platform=a&platform=b&platform=c&platform=d&platform=e"
                        "&platform=f&platform=g&platform=h&platform=i",
                        CN_EINVAL, "platform: at most 8 values");
}

/* An item's values of one facet are capped: a manifest with 150 keywords
 * gets its first 100 as facet values (all of them stay searchable). */
static void an_item_gets_at_most_100_values_of_a_facet(void **state)
{
    fixture *f = *state;
    json_t *m, *kw = json_array(), *doc;
    char word[32];
    int i;

    put_node(f->reg, "Köln", "DE", NULL);
    for (i = 0; i < 150; i++) {
        snprintf(word, sizeof(word), "kw%03d", i);
        json_array_append_new(kw, json_string(word));
    }
    m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "kind", "dataset", "id", "many", "version",
                  "1.0.0", "title", "Many keywords", "description", "x", "keywords", kw);
    assert_int_equal(put_manifest(f->reg, "Köln", m, 1000), 0);
    json_decref(m);
    doc = search(f->reg, "keyword=kw099");
    assert_int_equal(total(doc), 1);
    json_decref(doc);
    doc = search(f->reg, "keyword=kw100");
    assert_int_equal(total(doc), 0);
    json_decref(doc);
    doc = search(f->reg, "q=kw149");
    assert_int_equal(total(doc), 1);
    assert_int_equal(
        (int)json_array_size(json_object_get(json_object_get(doc, "facets"), "keyword")), 100);
    json_decref(doc);
}

static void item_documents_list_the_new_facets(void **state)
{
    fixture *f = *state;
    json_t *doc = NULL, *facets;
    char id[65];

    load_catalogue(f->reg);
    node_id_of(id, "Stadt Leipzig");
    assert_int_equal(cn_registry_item(&doc, f->reg, id, "urban-platform", NULL), 0);
    facets = json_object_get(doc, "facets");
    assert_int_equal(json_array_size(json_object_get(facets, "category")), 2);
    assert_int_equal(json_array_size(json_object_get(facets, "platform")), 2);
    assert_int_equal(json_array_size(json_object_get(facets, "scope")), 2);
    json_decref(doc);
}

/* A state.db that schema 2 wrote knows neither the new facets nor node
 * logos: opened, it is migrated, every item's facets are derived again
 * from its stored manifest, and the next sync round is asked to read every
 * node again (for the logos). */
static void schema_2_is_migrated_and_items_get_the_new_facets(void **state)
{
    fixture *f = *state;
    sqlite3 *db;
    json_t *doc;

    load_catalogue(f->reg);
    cn_registry_free(f->reg);
    f->reg = NULL;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "DELETE FROM reg_item_facets WHERE value IN (SELECT id FROM "
                                  " reg_facet_values WHERE facet IN ('category', 'scope',"
                                  " 'platform', 'keyword'));"
                                  "DELETE FROM reg_facet_values WHERE facet IN ('category',"
                                  " 'scope', 'platform', 'keyword');"
                                  "ALTER TABLE reg_nodes DROP COLUMN logo;"
                                  "UPDATE reg_meta SET value = '2' WHERE key = 'schema_version'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);

    assert_int_equal(cn_registry_open(&f->reg, f->db), 0);
    doc = search(f->reg, "");
    assert_int_equal(total(doc), 8);
    assert_int_equal(facet_count(doc, "category", "data-analytics"), 2);
    assert_int_equal(facet_count(doc, "keyword", "Klima"), 2);
    json_decref(doc);
    doc = search(f->reg, "platform=web");
    assert_int_equal(total(doc), 2);
    json_decref(doc);
    assert_int_equal(cn_registry_reindex_pending(f->reg), 1);

    /* Opened again: nothing to migrate, the facets as they were. */
    cn_registry_free(f->reg);
    assert_int_equal(cn_registry_open(&f->reg, f->db), 0);
    doc = search(f->reg, "scope=society");
    assert_int_equal(total(doc), 1);
    json_decref(doc);
}

/* ---- node logos ---- */

static const char svg[] = "\xef\xbb\xbf<?xml version=\"1.0\"?>\n<!-- a comment -->\n"
                          "<!DOCTYPE svg>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>";

static void logo_bytes_are_known_by_their_first_bytes(void **state)
{
    static const unsigned char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    static const unsigned char jpg[] = "\xff\xd8\xff\xe0\0\x10JFIF";
    static const unsigned char webp[] = "RIFF\x24\0\0\0WEBPVP8 ";

    (void)state;
    assert_string_equal(cn_registry_logo_sniff(png, sizeof(png) - 1), "png");
    assert_string_equal(cn_registry_logo_sniff(jpg, sizeof(jpg) - 1), "jpg");
    assert_string_equal(cn_registry_logo_sniff(webp, sizeof(webp) - 1), "webp");
    assert_string_equal(cn_registry_logo_sniff((const unsigned char *)svg, sizeof(svg) - 1), "svg");
    assert_string_equal(cn_registry_logo_sniff((const unsigned char *)"<svg>", 5), "svg");
    /* Not a logo: HTML, a GIF, an SVG-ish name of another element, text
     * cut inside the prologue, nothing. */
    assert_null(cn_registry_logo_sniff((const unsigned char *)"<html><svg>", 11));
    assert_null(cn_registry_logo_sniff((const unsigned char *)"GIF89a", 6));
    assert_null(cn_registry_logo_sniff((const unsigned char *)"<svgfoo>", 8));
    assert_null(cn_registry_logo_sniff((const unsigned char *)"<!-- <svg>", 10));
    assert_null(cn_registry_logo_sniff((const unsigned char *)"<svg", 4));
    assert_null(cn_registry_logo_sniff((const unsigned char *)"", 0));

    assert_string_equal(cn_registry_logo_type("node-logo.svg"), "image/svg+xml");
    assert_string_equal(cn_registry_logo_type("node-logo.jpg"), "image/jpeg");
    assert_null(cn_registry_logo_type("node-logo.gif"));
    assert_null(cn_registry_logo_type("logo.svg"));
}

#define SHA "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"

static void put_logo(cn_registry *reg, const char *name, const cn_registry_logo *logo, int want)
{
    cn_registry_node_info info = CN_REGISTRY_NODE_INFO_INIT;
    char id[65];

    node_id_of(id, name);
    info.node_id = id;
    info.name = name;
    info.url = "https://example.org";
    info.source = CN_REGISTRY_MIRROR;
    info.logo = logo;
    assert_int_equal(cn_registry_put_node(reg, &info), want);
}

static void node_documents_name_the_logo(void **state)
{
    fixture *f = *state;
    cn_registry_logo logo = {"node-logo.svg", "image/svg+xml", SHA, 1234};
    json_t *doc = NULL, *list = NULL, *e;
    char id[65], url[128];
    size_t i;

    node_id_of(id, "Leipzig");
    snprintf(url, sizeof(url), "/download/%s/logo", id);
    put_logo(f->reg, "Leipzig", &logo, 0);
    put_logo(f->reg, "Köln", NULL, 0);

    assert_int_equal(cn_registry_node(&doc, f->reg, id), 0);
    assert_string_equal(json_string_value(json_object_get(doc, "logo")), url);
    json_decref(doc);
    assert_int_equal(cn_registry_nodes(&list, f->reg, NULL), 0);
    json_array_foreach(json_object_get(list, "nodes"), i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "name")), "Leipzig") == 0)
            assert_string_equal(json_string_value(json_object_get(e, "logo")), url);
        else
            assert_true(json_is_null(json_object_get(e, "logo")));
    }
    json_decref(list);
    assert_int_equal(cn_registry_node_logo(&doc, f->reg, id), 0);
    assert_string_equal(json_string_value(json_object_get(doc, "sha256")), SHA);
    assert_string_equal(json_string_value(json_object_get(doc, "type")), "image/svg+xml");
    assert_int_equal(json_integer_value(json_object_get(doc, "length")), 1234);
    json_decref(doc);

    /* Refused: a path, type, size or hash outside the rules. The node
     * keeps what it had. */
    {
        cn_registry_logo bad[] = {
            {"node-logo.gif", "image/gif", SHA, 10},
            {"node-logo.svg", "text/html", SHA, 10},
            {"node-logo.png", "image/png", SHA, CN_REGISTRY_LOGO_MAX + 1},
            {"node-logo.png", "image/png", SHA, 0},
            {"node-logo.png", "image/png", "ABC", 10},
        };
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
            put_logo(f->reg, "Leipzig", &bad[i], CN_EINVAL);
        assert_non_null(strstr(cn_error_message(), "sha256"));
    }
    assert_int_equal(cn_registry_node_logo(&doc, f->reg, id), 0);
    json_decref(doc);

    /* Put again without one (the publisher removed it): forgotten. */
    put_logo(f->reg, "Leipzig", NULL, 0);
    assert_int_equal(cn_registry_node_logo(&doc, f->reg, id), CN_ENOTFOUND);
    assert_int_equal(cn_registry_node(&doc, f->reg, id), 0);
    assert_true(json_is_null(json_object_get(doc, "logo")));
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(new_facets_count_filter_and_combine, temp_registry_setup,
                                        temp_registry_teardown),
        cmocka_unit_test_setup_teardown(an_item_gets_at_most_100_values_of_a_facet,
                                        temp_registry_setup, temp_registry_teardown),
        cmocka_unit_test_setup_teardown(item_documents_list_the_new_facets, temp_registry_setup,
                                        temp_registry_teardown),
        cmocka_unit_test_setup_teardown(schema_2_is_migrated_and_items_get_the_new_facets,
                                        temp_registry_setup, temp_registry_teardown),
        cmocka_unit_test(logo_bytes_are_known_by_their_first_bytes),
        cmocka_unit_test_setup_teardown(node_documents_name_the_logo, temp_registry_setup,
                                        temp_registry_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
