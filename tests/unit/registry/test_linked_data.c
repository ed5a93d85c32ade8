/*
 * test_linked_data.c - an item version as schema.org JSON-LD
 * (cn_registry_item_schemaorg) and a solution as CodeMeta 3.0
 * (cn_registry_item_codemeta) over a real registry in a temporary state.db:
 * licences as SPDX URLs or expressions, development statuses as
 * repostatus.org URLs, descriptions cut at a character boundary, base URLs,
 * the SWHIDs a version has (a tree not known: two), and what each refuses.
 * The served page and the comparison with git are t0916-linked-data.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "registry/registry.h"
#include "support_registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMMIT "0123456789abcdef0123456789abcdef01234567" /* support_registry.c's */
#define TAG    "89abcdef0123456789abcdef0123456789abcdef"

typedef temp_registry fixture;

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* Put solution id with licence and status (NULL: left out) from Leipzig. */
static void put_solution(cn_registry *reg, const char *id, const char *license, const char *status)
{
    json_t *m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s}, s:{s:{s:s}}}", "kind",
                          "solution", "id", id, "version", "1.0.0", "publiccodeYmlVersion", "0",
                          "name", "Twin", "url", "https://example.org/twin.git", "legal", "license",
                          license, "description", "en", "shortDescription", "Short");

    if (status)
        json_object_set_new(m, "developmentStatus", json_string(status));
    assert_int_equal(put_manifest(reg, "Leipzig", m, 1700000000), 0);
    json_decref(m);
}

static json_t *codemeta(cn_registry *reg, const char *item, const char *base)
{
    char id[65];
    json_t *doc = NULL;
    int err;

    node_id_of(id, "Leipzig");
    err = cn_registry_item_codemeta(&doc, reg, id, item, NULL, base);
    if (err)
        fail_msg("codemeta of %s: %s", item, cn_error_message());
    return doc;
}

static void licences_and_statuses_follow_the_crosswalk(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *item, *license, *status, *want_license, *want_status;
    } cases[] = {
        {"one-id", "EUPL-1.2", "stable", "https://spdx.org/licenses/EUPL-1.2.html",
         "https://www.repostatus.org/#active"},
        {"an-expression", "MIT OR Apache-2.0", "beta", "MIT OR Apache-2.0",
         "https://www.repostatus.org/#wip"},
        {"with-exception", "GPL-2.0-only WITH Classpath-exception-2.0", "obsolete",
         "GPL-2.0-only WITH Classpath-exception-2.0", "https://www.repostatus.org/#unsupported"},
        {"a-url", "https://example.org/licence", "concept", "https://example.org/licence",
         "https://www.repostatus.org/#concept"},
        {"no-status", "0BSD", NULL, "https://spdx.org/licenses/0BSD.html", NULL},
    };

    put_node(f->reg, "Leipzig", "DE", NULL);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *cm;

        put_solution(f->reg, cases[i].item, cases[i].license, cases[i].status);
        cm = codemeta(f->reg, cases[i].item, NULL);
        assert_string_equal(str(cm, "@context"), "https://w3id.org/codemeta/3.0");
        assert_string_equal(str(cm, "license"), cases[i].want_license);
        if (cases[i].want_status)
            assert_string_equal(str(cm, "developmentStatus"), cases[i].want_status);
        else
            assert_null(json_object_get(cm, "developmentStatus"));
        json_decref(cm);
    }
}

static void swhids_are_those_the_version_has(void **state)
{
    fixture *f = *state;
    json_t *cm, *ld = NULL;
    char id[65];

    put_node(f->reg, "Leipzig", "DE", NULL);
    put_solution(f->reg, "twin", "EUPL-1.2", "stable");
    node_id_of(id, "Leipzig");
    /* support_registry.c puts commit and tag, no tree: no swh:1:dir:. */
    cm = codemeta(f->reg, "twin", NULL);
    assert_int_equal(json_array_size(json_object_get(cm, "identifier")), 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(cm, "identifier"), 0)),
                        "swh:1:rel:" TAG);
    assert_string_equal(json_string_value(json_array_get(json_object_get(cm, "identifier"), 1)),
                        "swh:1:rev:" COMMIT);
    json_decref(cm);
    assert_int_equal(cn_registry_item_schemaorg(&ld, f->reg, id, "twin", NULL, NULL), 0);
    assert_int_equal(json_array_size(json_object_get(ld, "identifier")), 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(ld, "archivedAt"), 1)),
                        "https://archive.softwareheritage.org/swh:1:rev:" COMMIT);
    json_decref(ld);
}

static void base_urls_make_the_links(void **state)
{
    fixture *f = *state;
    cn_registry_query q = CN_REGISTRY_QUERY_INIT;
    json_t *doc = NULL;
    char id[65], want[200];

    put_node(f->reg, "Leipzig", "DE", NULL); /* url http://127.0.0.1:8470 */
    put_solution(f->reg, "twin", "EUPL-1.2", "stable");
    node_id_of(id, "Leipzig");

    /* The base given, its trailing '/' dropped. */
    assert_int_equal(
        cn_registry_item_schemaorg(&doc, f->reg, id, "twin", NULL, "https://leipzig.example//"), 0);
    snprintf(want, sizeof(want), "https://leipzig.example/?item=%s/twin", id);
    assert_string_equal(str(doc, "@id"), want);
    assert_string_equal(str(doc, "url"), want);
    json_decref(doc);

    /* None given: the node's url. */
    assert_int_equal(cn_registry_item_schemaorg(&doc, f->reg, id, "twin", NULL, NULL), 0);
    snprintf(want, sizeof(want), "http://127.0.0.1:8470/?item=%s/twin", id);
    assert_string_equal(str(doc, "@id"), want);
    json_decref(doc);

    /* The page of one version names it; a '+' of build metadata escaped. */
    put_json(f->reg, "Leipzig",
             "{\"kind\": \"solution\", \"id\": \"twin\", \"version\": \"1.1.0+b.2\","
             " \"publiccodeYmlVersion\": \"0\", \"name\": \"Twin\", \"url\":"
             " \"https://example.org/twin.git\", \"legal\":"
             " {\"license\": \"EUPL-1.2\"}}",
             1700000100);
    assert_int_equal(cn_registry_query_set(&q, "version", "1.1.0+b.2", 9), 0);
    assert_int_equal(cn_registry_item_schemaorg(&doc, f->reg, id, "twin", &q, NULL), 0);
    snprintf(want, sizeof(want), "http://127.0.0.1:8470/?item=%s/twin&version=1.1.0%%2Bb.2", id);
    assert_string_equal(str(doc, "@id"), want);
    assert_string_equal(str(doc, "version"), "1.1.0+b.2");
    json_decref(doc);
    cn_registry_query_clear(&q);

    /* Not a base: refused, never a link built on it. */
    assert_int_equal(
        cn_registry_item_schemaorg(&doc, f->reg, id, "twin", NULL, "https://leipzig.example/?x=1"),
        CN_EINVAL);
    assert_null(doc);
    assert_int_equal(
        cn_registry_item_schemaorg(&doc, f->reg, id, "twin", NULL, "javascript:alert(1)"),
        CN_EINVAL);
    assert_null(doc);

    /* codemeta.json without a usable base only lacks the page's link. */
    doc = codemeta(f->reg, "twin", "ftp://leipzig.example");
    assert_null(json_object_get(doc, "url"));
    assert_string_equal(str(doc, "codeRepository"), "https://example.org/twin.git");
    json_decref(doc);
}

static void descriptions_are_cut_at_a_character(void **state)
{
    fixture *f = *state;
    char *text = malloc(6001), id[65];
    json_t *m, *doc = NULL;
    const char *d;

    /* 4999 bytes, then "ä" across bytes 5000 and 5001: cut before it. */
    memset(text, 'a', 4999);
    memcpy(text + 4999, "\xc3\xa4", 2);
    memset(text + 5001, 'b', 999);
    text[6000] = '\0';
    put_node(f->reg, "Leipzig", "DE", NULL);
    m = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", "dataset", "id", "long", "version", "1.0.0",
                  "title", "Long", "description", text);
    assert_int_equal(put_manifest(f->reg, "Leipzig", m, 1700000000), 0);
    node_id_of(id, "Leipzig");
    assert_int_equal(cn_registry_item_schemaorg(&doc, f->reg, id, "long", NULL, NULL), 0);
    assert_string_equal(str(doc, "@type"), "Dataset");
    assert_non_null(d = str(doc, "description"));
    assert_int_equal(strlen(d), 4999);
    json_decref(doc);

    /* A dataset has no codemeta.json. */
    assert_int_equal(cn_registry_item_codemeta(&doc, f->reg, id, "long", NULL, NULL), CN_ENOTFOUND);
    assert_non_null(strstr(cn_error_message(), "only solutions"));
    json_decref(m);
    free(text);
}

static void manifest_text_is_kept_as_data(void **state)
{
    fixture *f = *state;
    json_t *doc = NULL;
    char id[65];

    /* The document holds the text as it is; escaping it for HTML is the
     * server's (t0916). A node's name is the publisher's. */
    put_node(f->reg, "Leipzig", "DE", NULL);
    put_json(f->reg, "Leipzig",
             "{\"kind\": \"strategy\", \"id\": \"s\", \"version\": \"1.0.0\", \"title\":"
             " \"</script><!--\", \"summary\": \"Sum\", \"phase\": \"implementation\","
             " \"startDate\": \"2020-01-01\"}",
             1700000000);
    node_id_of(id, "Leipzig");
    assert_int_equal(cn_registry_item_schemaorg(&doc, f->reg, id, "s", NULL, NULL), 0);
    assert_string_equal(str(doc, "@type"), "CreativeWork");
    assert_string_equal(str(doc, "name"), "</script><!--");
    assert_string_equal(str(doc, "temporalCoverage"), "2020-01-01/..");
    assert_string_equal(str(doc, "creativeWorkStatus"), "implementation");
    assert_string_equal(str(json_object_get(doc, "publisher"), "name"), "Leipzig");
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(licences_and_statuses_follow_the_crosswalk,
                                        temp_registry_setup, temp_registry_teardown),
        cmocka_unit_test_setup_teardown(swhids_are_those_the_version_has, temp_registry_setup,
                                        temp_registry_teardown),
        cmocka_unit_test_setup_teardown(base_urls_make_the_links, temp_registry_setup,
                                        temp_registry_teardown),
        cmocka_unit_test_setup_teardown(descriptions_are_cut_at_a_character, temp_registry_setup,
                                        temp_registry_teardown),
        cmocka_unit_test_setup_teardown(manifest_text_is_kept_as_data, temp_registry_setup,
                                        temp_registry_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
