/*
 * test_dcat_network.c - the network catalog (cn_registry_dcat_network), a
 * dataset's record at its own URL (cn_registry_dcat_record) and the Turtle
 * writer (cn_registry_dcat_turtle) over a real registry in a temporary
 * state.db: every node's datasets and only datasets, described under their
 * publisher's URL, this node's mirrored bundle as a distribution of its own,
 * records naming the publisher's record as their source, hydra paging as
 * ckanext-dcat pages, and Turtle that escapes what a manifest could say.
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

#define BASE "https://leipzig.citynode.example"

typedef struct {
    temp_registry t;
    char leipzig[65], prague[65], brno[65];
} fixture;

static void put_dataset(cn_registry *reg, const char *node, const char *item, int64_t published)
{
    char text[512];
    json_t *m;

    snprintf(text, sizeof(text),
             "{\"kind\":\"dataset\",\"id\":\"%s\",\"version\":\"1.0.0\",\"title\":\"%s\","
             "\"description\":\"d\",\"publisher\":{\"name\":\"%s\"},\"theme\":[\"ENVI\"],"
             "\"license\":\"https://creativecommons.org/licenses/by/4.0/\","
             "\"distributions\":[{\"format\":\"CSV\",\"file\":\"a.csv\"}]}",
             item, item, node);
    assert_non_null(m = json_loads(text, 0, NULL));
    put_unsigned_manifest(reg, node, m, published);
    json_decref(m);
}

/* Leipzig (this node) with a dataset and a strategy; Prague, a mirror
 * peer, and Brno, an index peer, with a dataset each. */
static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));

    if (f == NULL || temp_registry_open(&f->t, "dcatnet") != 0) {
        free(f);
        return -1;
    }
    node_id_of(f->leipzig, "Leipzig");
    node_id_of(f->prague, "Praha");
    node_id_of(f->brno, "Brno");
    put_node_at(f->t.reg, "Leipzig", "http://127.0.0.1:8470", CN_REGISTRY_SELF);
    put_node_at(f->t.reg, "Praha", "https://praha.citynode.example/", CN_REGISTRY_MIRROR);
    put_node_at(f->t.reg, "Brno", "https://brno.citynode.example", CN_REGISTRY_INDEX);
    put_dataset(f->t.reg, "Leipzig", "trees", 1700000000);
    put_json(f->t.reg, "Leipzig",
             "{\"kind\":\"strategy\",\"id\":\"s\",\"version\":\"1.0.0\",\"title\":\"S\","
             "\"summary\":\"s\"}",
             1700000000);
    put_dataset(f->t.reg, "Praha", "air", 1700000100);
    put_dataset(f->t.reg, "Brno", "noise", 1700000200);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    temp_registry_close(&f->t);
    free(f);
    return 0;
}

/* ---- helpers ---- */

static const char *id_of(const json_t *v)
{
    return json_string_value(json_object_get(v, "@id"));
}

static json_t *network(fixture *f, size_t page, size_t per_page, const char *ext)
{
    cn_registry_dcat_page opts = CN_REGISTRY_DCAT_PAGE_INIT;
    json_t *doc = NULL;

    opts.base_url = BASE;
    opts.page = page;
    opts.per_page = per_page;
    opts.ext = ext;
    if (cn_registry_dcat_network(&doc, f->t.reg, f->leipzig, &opts) != 0)
        fail_msg("network: %s", cn_error_message());
    return doc;
}

static json_t *in_list(const json_t *list, const char *iri)
{
    const json_t *v;
    size_t i;

    json_array_foreach(list, i, v)
    {
        if (id_of(v) && strcmp(id_of(v), iri) == 0)
            return (json_t *)v;
    }
    return NULL;
}

/* ---- tests ---- */

static void the_network_holds_every_nodes_datasets_under_their_publishers_urls(void **state)
{
    fixture *f = *state;
    json_t *doc = network(f, 1, 0, "jsonld"), *cat, *dists, *d, *r, *src;
    char want[512];

    assert_non_null(json_object_get(doc, "@context"));
    cat = json_array_get(json_object_get(doc, "@graph"), 0);
    assert_string_equal(id_of(cat), BASE "/dcat/network.jsonld");
    assert_string_equal(json_string_value(json_object_get(cat, "@type")), "dcat:Catalog");
    assert_int_equal(json_array_size(json_object_get(cat, "dcat:dataset")), 3);
    assert_int_equal(json_array_size(json_object_get(cat, "dcat:record")), 3);

    /* Our own dataset: under our URL, no source. */
    snprintf(want, sizeof(want), BASE "/api/v1/items/%s/trees", f->leipzig);
    assert_non_null(in_list(json_object_get(cat, "dcat:dataset"), want));
    snprintf(want, sizeof(want), BASE "/dcat/datasets/%s/trees.jsonld", f->leipzig);
    assert_non_null(r = in_list(json_object_get(cat, "dcat:record"), want));
    assert_null(json_object_get(r, "dct:source"));

    /* A mirror peer's: under its URL (its trailing '/' dropped), with our
     * verified copy of the bundle as one more distribution. */
    snprintf(want, sizeof(want), "https://praha.citynode.example/api/v1/items/%s/air", f->prague);
    assert_non_null(d = in_list(json_object_get(cat, "dcat:dataset"), want));
    dists = json_object_get(d, "dcat:distribution");
    assert_int_equal(json_array_size(dists), 3);
    snprintf(want, sizeof(want), "https://praha.citynode.example/api/v1/items/%s/air#bundle",
             f->prague);
    assert_non_null(in_list(dists, want));
    snprintf(want, sizeof(want), BASE "/api/v1/items/%s/air#bundle", f->prague);
    assert_non_null(d = in_list(dists, want));
    snprintf(want, sizeof(want), BASE "/download/%s/air/1.0.0/full.bundle", f->prague);
    assert_string_equal(id_of(json_object_get(d, "dcat:downloadURL")), want);
    /* Its record names the record of Prague's own catalog. */
    snprintf(want, sizeof(want), BASE "/dcat/datasets/%s/air.jsonld", f->prague);
    assert_non_null(r = in_list(json_object_get(cat, "dcat:record"), want));
    src = json_object_get(r, "dct:source");
    snprintf(want, sizeof(want), "https://praha.citynode.example/dcat/datasets/%s/air.jsonld",
             f->prague);
    assert_string_equal(id_of(src), want);
    assert_string_equal(json_string_value(json_object_get(src, "@type")), "dcat:CatalogRecord");
    snprintf(want, sizeof(want), "https://praha.citynode.example/api/v1/items/%s/air", f->prague);
    assert_string_equal(id_of(json_object_get(src, "foaf:primaryTopic")), want);
    assert_string_equal(id_of(json_object_get(r, "foaf:primaryTopic")), want);
    assert_non_null(json_object_get(r, "dct:modified"));

    /* An index peer's: its own bundle only, none of ours. */
    snprintf(want, sizeof(want), "https://brno.citynode.example/api/v1/items/%s/noise", f->brno);
    assert_non_null(d = in_list(json_object_get(cat, "dcat:dataset"), want));
    assert_int_equal(json_array_size(json_object_get(d, "dcat:distribution")), 2);
    json_decref(doc);
}

static void pages_are_hydra_paged_collections_as_ckanext_dcat_makes_them(void **state)
{
    fixture *f = *state;
    json_t *p1 = network(f, 1, 2, "ttl"), *p2 = network(f, 2, 2, "ttl"), *h, *seen = json_object();
    cn_registry_dcat_page opts = CN_REGISTRY_DCAT_PAGE_INIT;
    json_t *doc = NULL, *d;
    size_t i;

    h = json_array_get(json_object_get(p1, "@graph"), 1);
    assert_string_equal(id_of(h), BASE "/dcat/network.ttl?page=1&per_page=2");
    assert_string_equal(json_string_value(json_object_get(h, "@type")), "hydra:PagedCollection");
    assert_int_equal(json_integer_value(json_object_get(h, "hydra:totalItems")), 3);
    assert_int_equal(json_integer_value(json_object_get(h, "hydra:itemsPerPage")), 2);
    assert_string_equal(json_string_value(json_object_get(h, "hydra:firstPage")),
                        BASE "/dcat/network.ttl?page=1&per_page=2");
    assert_string_equal(json_string_value(json_object_get(h, "hydra:lastPage")),
                        BASE "/dcat/network.ttl?page=2&per_page=2");
    assert_string_equal(json_string_value(json_object_get(h, "hydra:nextPage")),
                        BASE "/dcat/network.ttl?page=2&per_page=2");
    assert_null(json_object_get(h, "hydra:previousPage"));
    h = json_array_get(json_object_get(p2, "@graph"), 1);
    assert_null(json_object_get(h, "hydra:nextPage"));
    assert_string_equal(json_string_value(json_object_get(h, "hydra:previousPage")),
                        BASE "/dcat/network.ttl?page=1&per_page=2");
    /* The pages together: every dataset once. */
    json_array_foreach(
        json_object_get(json_array_get(json_object_get(p1, "@graph"), 0), "dcat:dataset"), i, d)
    {
        assert_null(json_object_get(seen, id_of(d)));
        json_object_set_new(seen, id_of(d), json_true());
    }
    json_array_foreach(
        json_object_get(json_array_get(json_object_get(p2, "@graph"), 0), "dcat:dataset"), i, d)
    {
        assert_null(json_object_get(seen, id_of(d)));
        json_object_set_new(seen, id_of(d), json_true());
    }
    assert_int_equal(json_object_size(seen), 3);
    /* No page 3; no 1001 a page; no other format. */
    opts.base_url = BASE;
    opts.per_page = 2;
    opts.page = 3;
    assert_int_equal(cn_registry_dcat_network(&doc, f->t.reg, f->leipzig, &opts), CN_ENOTFOUND);
    assert_non_null(strstr(cn_error_message(), "the last is 2"));
    opts.page = 1;
    opts.per_page = CN_REGISTRY_DCAT_PER_PAGE_MAX + 1;
    assert_int_equal(cn_registry_dcat_network(&doc, f->t.reg, f->leipzig, &opts), CN_EINVAL);
    opts.per_page = 0;
    opts.ext = "xml";
    assert_int_equal(cn_registry_dcat_network(&doc, f->t.reg, f->leipzig, &opts), CN_EINVAL);
    assert_null(doc);
    json_decref(seen);
    json_decref(p1);
    json_decref(p2);
}

static void a_record_is_at_its_own_url(void **state)
{
    fixture *f = *state;
    json_t *doc = NULL, *graph;
    char want[512];

    assert_int_equal(cn_registry_dcat_record(&doc, f->t.reg, f->leipzig, BASE, f->prague, "air"),
                     0);
    graph = json_object_get(doc, "@graph");
    assert_int_equal(json_array_size(graph), 2);
    snprintf(want, sizeof(want), BASE "/dcat/datasets/%s/air.jsonld", f->prague);
    assert_string_equal(id_of(json_array_get(graph, 0)), want);
    assert_string_equal(json_string_value(json_object_get(json_array_get(graph, 1), "@type")),
                        "dcat:Dataset");
    json_decref(doc);
    /* A prefix of the node id works; a strategy or an unknown item is no
     * dataset. */
    assert_int_equal(cn_registry_dcat_record(&doc, f->t.reg, f->leipzig, BASE, "self", "x") != 0,
                     1);
    {
        char prefix[9];
        memcpy(prefix, f->leipzig, 8);
        prefix[8] = '\0';
        assert_int_equal(cn_registry_dcat_record(&doc, f->t.reg, f->leipzig, BASE, prefix, "trees"),
                         0);
        json_decref(doc);
    }
    assert_int_equal(cn_registry_dcat_record(&doc, f->t.reg, f->leipzig, BASE, f->leipzig, "s"),
                     CN_ENOTFOUND);
    assert_int_equal(cn_registry_dcat_record(&doc, f->t.reg, f->leipzig, BASE, f->brno, "air"),
                     CN_ENOTFOUND);
    assert_null(doc);
}

/* A node that publishes nothing is not in its own registry: its network
 * catalog is named by its id, at the base URL given (there is no other). */
static void a_node_that_publishes_nothing_serves_the_network(void **state)
{
    fixture *f = *state;
    cn_registry_dcat_page opts = CN_REGISTRY_DCAT_PAGE_INIT;
    char follower[65];
    json_t *doc = NULL, *cat;

    node_id_of(follower, "Follower");
    assert_int_equal(cn_registry_dcat_network(&doc, f->t.reg, follower, &opts), CN_EINVAL);
    opts.base_url = "http://127.0.0.1:9999/";
    assert_int_equal(cn_registry_dcat_network(&doc, f->t.reg, follower, &opts), 0);
    cat = json_array_get(json_object_get(doc, "@graph"), 0);
    assert_string_equal(id_of(cat), "http://127.0.0.1:9999/dcat/network.jsonld");
    assert_non_null(strstr(json_string_value(json_object_get(cat, "dct:title")), "citynode node "));
    assert_int_equal(json_array_size(json_object_get(cat, "dcat:dataset")), 3);
    json_decref(doc);
}

/* The Turtle of a small document, byte for byte: prefixes, a subject per
 * node with an @id, blank nodes inline, typed literals, and escapes for
 * what could end a string or an IRI early. */
static void turtle_writes_the_same_triples_and_escapes_text(void **state)
{
    static const char json[] =
        "{\"@context\":{\"dct\":\"http://purl.org/dc/terms/\","
        "\"xsd\":\"http://www.w3.org/2001/XMLSchema#\"},"
        "\"@id\":\"http://e.example/a\",\"@type\":[\"dct:A\",\"dct:B\"],"
        "\"dct:title\":\"say \\\"hi\\\" \\\\ \\n\\t\\u0001 Maß\","
        "\"dct:issued\":{\"@value\":\"2024-01-02\",\"@type\":\"xsd:date\"},"
        "\"dct:n\":[7,{\"@id\":\"http://e.example/x>y\"}],"
        "\"dct:hasPart\":{\"@id\":\"http://e.example/b\",\"dct:title\":\"B\"},"
        "\"dct:creator\":{\"dct:title\":\"blank\"},"
        "\"dct:not-a-local\":\"x\"}";
    static const char want[] = "@prefix dct: <http://purl.org/dc/terms/> .\n"
                               "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
                               "\n"
                               "<http://e.example/a>\n"
                               "    a dct:A, dct:B ;\n"
                               "    dct:title \"say \\\"hi\\\" \\\\ \\n\\t\\u0001 Maß\" ;\n"
                               "    dct:issued \"2024-01-02\"^^xsd:date ;\n"
                               "    dct:n 7, <http://e.example/x\\u003Ey> ;\n"
                               "    dct:hasPart <http://e.example/b> ;\n"
                               "    dct:creator [\n"
                               "        dct:title \"blank\"\n"
                               "    ] ;\n"
                               "    <http://purl.org/dc/terms/not-a-local> \"x\" .\n"
                               "\n"
                               "<http://e.example/b>\n"
                               "    dct:title \"B\" .\n"
                               "\n";
    json_t *doc = json_loads(json, 0, NULL);
    char *text = NULL;

    (void)state;
    assert_non_null(doc);
    assert_int_equal(cn_registry_dcat_turtle(&text, doc), 0);
    assert_string_equal(text, want);
    free(text);
    /* A key outside the context, or no context, is refused. */
    json_object_set_new(doc, "foaf:name", json_string("x"));
    assert_int_equal(cn_registry_dcat_turtle(&text, doc), CN_EINVAL);
    assert_non_null(strstr(cn_error_message(), "no prefix 'foaf'"));
    json_object_del(doc, "@context");
    assert_int_equal(cn_registry_dcat_turtle(&text, doc), CN_EINVAL);
    assert_null(text);
    json_decref(doc);
}

static void the_network_catalog_turns_into_turtle(void **state)
{
    fixture *f = *state;
    json_t *doc = network(f, 1, 0, "ttl");
    char *text = NULL;

    assert_int_equal(cn_registry_dcat_turtle(&text, doc), 0);
    assert_non_null(strstr(text, "@prefix hydra: <http://www.w3.org/ns/hydra/core#> ."));
    assert_non_null(strstr(text, "<" BASE "/dcat/network.jsonld>\n    a dcat:Catalog ;"));
    assert_non_null(strstr(text, "    a hydra:PagedCollection ;\n    hydra:totalItems 3 ;"));
    assert_non_null(strstr(text, "    a dcat:CatalogRecord ;"));
    free(text);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            the_network_holds_every_nodes_datasets_under_their_publishers_urls, setup, teardown),
        cmocka_unit_test_setup_teardown(
            pages_are_hydra_paged_collections_as_ckanext_dcat_makes_them, setup, teardown),
        cmocka_unit_test_setup_teardown(a_record_is_at_its_own_url, setup, teardown),
        cmocka_unit_test_setup_teardown(a_node_that_publishes_nothing_serves_the_network, setup,
                                        teardown),
        cmocka_unit_test(turtle_writes_the_same_triples_and_escapes_text),
        cmocka_unit_test_setup_teardown(the_network_catalog_turns_into_turtle, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
