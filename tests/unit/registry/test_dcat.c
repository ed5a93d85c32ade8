/*
 * test_dcat.c - the DCAT-AP catalog of a node's datasets
 * (cn_registry_dcat_catalog) over a real registry in a temporary state.db:
 * the mapping of every manifest key docs/DCAT.md lists, which version
 * describes a dataset, withdrawn datasets left out, other kinds and other
 * nodes' items left out, base URLs, index peers without bundles, and
 * manifest values that are not IRIs kept out of IRI positions. The sample
 * dataset of Leipzig under examples/ is loaded as `publish` loads it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/file.h"
#include "registry/registry.h"
#include "schemas/format.h"
#include "schemas/manifest.h"
#include "support_registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXAMPLES CN_TEST_DATA "/../../examples"
#define BASE     "https://leipzig.citynode.example"
#define EU       "http://publications.europa.eu/resource/authority/"

typedef struct {
    temp_registry t;
    char leipzig[65];
    char prague[65];
} fixture;

/* put_unsigned_manifest of a manifest given as JSON text. */
static void put_unsigned_json(cn_registry *reg, const char *node, const char *json,
                              int64_t published)
{
    json_error_t jerr;
    json_t *m = json_loads(json, 0, &jerr);

    if (m == NULL)
        fail_msg("bad test JSON: %s: %s", jerr.text, json);
    put_unsigned_manifest(reg, node, m, published);
    json_decref(m);
}

/* The manifest in directory path, loaded and validated as publish loads
 * it. */
static json_t *load_manifest(const char *path)
{
    cn_diagnostics diags = CN_DIAGNOSTICS_INIT;
    cn_manifest *m = NULL;
    json_t *doc;

    if (cn_manifest_load(&m, &diags, path) != 0)
        fail_msg("%s: %s", path, cn_error_message());
    doc = json_incref(m->doc);
    cn_manifest_free(m);
    cn_diagnostics_free(&diags);
    return doc;
}

/* The sample dataset of examples/. */
static json_t *load_sample(void)
{
    return load_manifest(EXAMPLES "/datasets/leipzig-west-beteiligung-2016");
}

/* A second dataset with the keys the sample leaves out: URL distributions,
 * a contact point, a maintainer, dates, a landing page, a spatial URI, and
 * a keyword that JSON and HTML would both have to escape. */
static const char mobility_json[] =
    "{\"kind\":\"dataset\",\"id\":\"parking-occupancy\",\"version\":\"2.1.0\","
    "\"title\":\"Parkhausbelegung \\\"live\\\" (sample)\","
    "\"description\":\"Occupancy of the car parks, every five minutes.\","
    "\"publisher\":{\"name\":\"Stadt Leipzig\",\"url\":\"https://www.leipzig.de\","
    "\"email\":\"open.data@leipzig.de\"},"
    "\"contactPoint\":{\"name\":\"Mobility office\",\"email\":\"mobil@leipzig.de\","
    "\"url\":\"https://www.leipzig.de/mobilitaet\"},"
    "\"maintainer\":{\"name\":\"Leipziger Verkehrsbetriebe\"},"
    "\"theme\":[\"TRAN\",\"ENVI\",\"REGI\"],"
    "\"license\":\"http://dcat-ap.de/def/licenses/cc-by/4.0\","
    "\"spatial\":\"https://www.geonames.org/2879139\","
    "\"keywords\":[\"Parken\",\"</script><b>\\\"\\\\\"],"
    "\"issued\":\"2019-03-01\",\"modified\":\"2024-05-17\","
    "\"accrualPeriodicity\":\"continuous\","
    "\"landingPage\":\"https://opendata.leipzig.de/dataset/parkhaeuser\","
    "\"language\":[\"de-DE\",\"gsw\"],"
    "\"distributions\":["
    "{\"title\":\"Live API\",\"format\":\"GeoJSON\",\"mediaType\":\"application/geo+json\","
    "\"url\":\"https://api.leipzig.de/parken.geojson\",\"license\":"
    "\"http://dcat-ap.de/def/licenses/dl-zero-de/2.0\"},"
    "{\"format\":\"Feather\",\"url\":\"https://api.leipzig.de/parken.feather\"}]}";

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));

    if (f == NULL || temp_registry_open(&f->t, "dcat") != 0) {
        free(f);
        return -1;
    }
    node_id_of(f->leipzig, "Leipzig (sample)");
    node_id_of(f->prague, "Prague (sample)");
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

static json_t *catalog(fixture *f, const char *node, const char *base)
{
    json_t *doc = NULL;

    if (cn_registry_dcat_catalog(&doc, f->t.reg, node, base) != 0)
        fail_msg("catalog: %s", cn_error_message());
    assert_non_null(doc);
    return doc;
}

static json_t *datasets(const json_t *cat)
{
    json_t *list = json_object_get(cat, "dcat:dataset");

    assert_true(json_is_array(list));
    return list;
}

/* The dataset whose dct:identifier ends in "/<item>". */
static json_t *dataset(const json_t *cat, const char *item)
{
    json_t *d;
    size_t i;

    json_array_foreach(datasets(cat), i, d)
    {
        const char *id = json_string_value(json_object_get(d, "dct:identifier"));
        const char *slash = id ? strrchr(id, '/') : NULL;
        if (slash && strcmp(slash + 1, item) == 0)
            return d;
    }
    return NULL;
}

static const char *id_of(const json_t *v)
{
    return json_string_value(json_object_get(v, "@id"));
}

static const char *value_of(const json_t *v)
{
    return json_string_value(json_object_get(v, "@value"));
}

/* The i-th @id of an array of references. */
static const char *ref_at(const json_t *obj, const char *key, size_t i)
{
    return id_of(json_array_get(json_object_get(obj, key), i));
}

/* Every "@id" anywhere in doc is an absolute URI; returns how many. */
static size_t check_ids(const json_t *doc)
{
    const char *key;
    json_t *v;
    size_t n = 0, i;

    if (json_is_array(doc)) {
        json_array_foreach(doc, i, v) n += check_ids(v);
        return n;
    }
    json_object_foreach((json_t *)doc, key, v)
    {
        if (strcmp(key, "@id") == 0) {
            const char *s = json_string_value(v);
            assert_non_null(s);
            if (!cn_format_check("uri", s, strlen(s)))
                fail_msg("not an absolute URI: %s", s);
            n++;
        } else if (json_is_object(v) || json_is_array(v)) {
            n += check_ids(v);
        }
    }
    return n;
}

static void load_leipzig(fixture *f)
{
    json_t *sample = load_sample();

    put_node_at(f->t.reg, "Leipzig (sample)", "http://127.0.0.1:8470", CN_REGISTRY_SELF);
    put_unsigned_manifest(f->t.reg, "Leipzig (sample)", sample, 1700000000);
    json_decref(sample);
    put_unsigned_json(f->t.reg, "Leipzig (sample)", mobility_json, 1700000100);
    put_unsigned_json(f->t.reg, "Leipzig (sample)",
                      "{\"kind\":\"strategy\",\"id\":\"leipzig-triangulum\",\"version\":\"1.0.0\","
                      "\"title\":\"Smart City Strategy Leipzig-West\",\"summary\":\"s\"}",
                      1700000200);
    put_node_at(f->t.reg, "Prague (sample)", "http://127.0.0.1:8471", CN_REGISTRY_MIRROR);
    put_unsigned_json(
        f->t.reg, "Prague (sample)",
        "{\"kind\":\"dataset\",\"id\":\"air-quality\",\"version\":\"1.0.0\",\"title\":"
        "\"Air quality\",\"description\":\"d\",\"publisher\":{\"name\":\"Praha\"},"
        "\"theme\":[\"ENVI\"],\"license\":\"https://creativecommons.org/licenses/by/4.0/\","
        "\"distributions\":[{\"format\":\"CSV\",\"file\":\"air.csv\"}]}",
        1700000300);
}

/* ---- tests ---- */

static void the_catalog_names_the_node_and_lists_only_its_datasets(void **state)
{
    fixture *f = *state;
    json_t *cat, *ctx, *pub;

    load_leipzig(f);
    cat = catalog(f, f->leipzig, BASE "/");
    ctx = json_object_get(cat, "@context");
    assert_string_equal(json_string_value(json_object_get(ctx, "dcat")),
                        "http://www.w3.org/ns/dcat#");
    assert_string_equal(json_string_value(json_object_get(ctx, "dct")),
                        "http://purl.org/dc/terms/");
    assert_string_equal(json_string_value(json_object_get(ctx, "foaf")),
                        "http://xmlns.com/foaf/0.1/");
    assert_string_equal(json_string_value(json_object_get(ctx, "vcard")),
                        "http://www.w3.org/2006/vcard/ns#");
    assert_string_equal(json_string_value(json_object_get(cat, "@type")), "dcat:Catalog");
    assert_string_equal(id_of(cat), BASE "/dcat/catalog.jsonld");
    assert_string_equal(json_string_value(json_object_get(cat, "dct:title")), "Leipzig (sample)");
    assert_non_null(strstr(json_string_value(json_object_get(cat, "dct:description")), f->leipzig));
    pub = json_object_get(cat, "dct:publisher");
    assert_string_equal(json_string_value(json_object_get(pub, "foaf:name")), "Leipzig (sample)");
    assert_string_equal(id_of(json_object_get(cat, "foaf:homepage")), BASE "/");
    assert_string_equal(id_of(json_object_get(cat, "dcat:themeTaxonomy")), EU "data-theme");
    /* The newest publication of a listed dataset (2023-11-14T22:15:00Z). */
    assert_string_equal(value_of(json_object_get(cat, "dct:modified")), "2023-11-14T22:15:00Z");
    /* Two datasets, by item id; the strategy and Prague's dataset are not. */
    assert_int_equal(json_array_size(datasets(cat)), 2);
    assert_non_null(dataset(cat, "leipzig-west-beteiligung-2016"));
    assert_non_null(dataset(cat, "parking-occupancy"));
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(datasets(cat), 0), "dct:identifier")) + 65,
        "leipzig-west-beteiligung-2016");
    assert_true(check_ids(cat) > 30);
    /* What DCAT-AP recommends a catalog says: its datasets' languages, each
     * once (de, en; de-DE; gsw has no IRI), and its first publication. */
    assert_int_equal(json_array_size(json_object_get(cat, "dct:language")), 2);
    assert_string_equal(ref_at(cat, "dct:language", 0), EU "language/DEU");
    assert_string_equal(ref_at(cat, "dct:language", 1), EU "language/ENG");
    assert_string_equal(value_of(json_object_get(cat, "dct:issued")), "2023-11-14T22:13:20Z");
    assert_null(json_object_get(cat, "dct:spatial")); /* no AGS code yet */
    json_decref(cat);
    /* With the node's AGS code (init --code), the area the catalog covers. */
    {
        cn_registry_node_info info = CN_REGISTRY_NODE_INFO_INIT;
        json_t *profile = json_pack("{s:s, s:s}", "name", "Leipzig (sample)", "code", "14713000");
        info.node_id = f->leipzig;
        info.profile = profile;
        info.url = "http://127.0.0.1:8470";
        assert_int_equal(cn_registry_put_node(f->t.reg, &info), 0);
        json_decref(profile);
    }
    cat = catalog(f, f->leipzig, BASE);
    assert_string_equal(id_of(json_object_get(cat, "dct:spatial")),
                        "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/14713000");
    json_decref(cat);

    cat = catalog(f, f->prague, NULL);
    assert_int_equal(json_array_size(datasets(cat)), 1);
    assert_non_null(dataset(cat, "air-quality"));
    assert_string_equal(id_of(cat), "http://127.0.0.1:8471/dcat/catalog.jsonld");
    json_decref(cat);
}

static void the_sample_dataset_maps_to_dcat_ap(void **state)
{
    fixture *f = *state;
    json_t *cat, *d, *m = load_sample(), *dist, *bundle, *kw, *pub, *contact;
    char want[512];
    size_t i;

    load_leipzig(f);
    cat = catalog(f, f->leipzig, BASE);
    assert_non_null(d = dataset(cat, "leipzig-west-beteiligung-2016"));
    snprintf(want, sizeof(want), BASE "/api/v1/items/%s/leipzig-west-beteiligung-2016", f->leipzig);
    assert_string_equal(id_of(d), want);
    assert_string_equal(json_string_value(json_object_get(d, "@type")), "dcat:Dataset");
    snprintf(want, sizeof(want), "%s/leipzig-west-beteiligung-2016", f->leipzig);
    assert_string_equal(json_string_value(json_object_get(d, "dct:identifier")), want);
    assert_string_equal(json_string_value(json_object_get(d, "dct:title")),
                        json_string_value(json_object_get(m, "title")));
    assert_string_equal(json_string_value(json_object_get(d, "dct:description")),
                        json_string_value(json_object_get(m, "description")));
    assert_string_equal(json_string_value(json_object_get(d, "owl:versionInfo")), "1.0.0");
    assert_string_equal(json_string_value(json_object_get(d, "dcat:version")), "1.0.0");
    /* Keywords in the manifest's order, all of them. */
    kw = json_object_get(d, "dcat:keyword");
    assert_int_equal(json_array_size(kw), json_array_size(json_object_get(m, "keywords")));
    for (i = 0; i < json_array_size(kw); i++)
        assert_true(
            json_equal(json_array_get(kw, i), json_array_get(json_object_get(m, "keywords"), i)));
    assert_string_equal(json_string_value(json_array_get(kw, 0)), "Bürgerbeteiligung");
    assert_string_equal(ref_at(d, "dcat:theme", 0), EU "data-theme/GOVE");
    assert_string_equal(ref_at(d, "dcat:theme", 1), EU "data-theme/SOCI");
    assert_string_equal(id_of(json_object_get(d, "dct:license")),
                        "http://dcat-ap.de/def/licenses/dl-by-de/2.0");
    assert_string_equal(id_of(json_object_get(d, "dct:accessRights")), EU "access-right/PUBLIC");
    pub = json_object_get(d, "dct:publisher");
    assert_string_equal(json_string_value(json_object_get(pub, "@type")), "foaf:Agent");
    assert_string_equal(json_string_value(json_object_get(pub, "foaf:name")), "Stadt Leipzig");
    assert_string_equal(id_of(json_object_get(pub, "foaf:homepage")), "https://www.leipzig.de");
    contact = json_object_get(d, "dcat:contactPoint");
    /* vcard:Kind as well, for shapes that check the class without the vCard
     * ontology. */
    assert_string_equal(json_string_value(json_array_get(json_object_get(contact, "@type"), 0)),
                        "vcard:Organization");
    assert_string_equal(json_string_value(json_array_get(json_object_get(contact, "@type"), 1)),
                        "vcard:Kind");
    assert_string_equal(json_string_value(json_object_get(contact, "vcard:fn")),
                        "Stadt Leipzig, Digital City Unit");
    assert_string_equal(id_of(json_object_get(contact, "vcard:hasEmail")),
                        "mailto:digital@leipzig.de");
    /* spatial: an 8-digit AGS is a municipality key of DCAT-AP.de. */
    assert_string_equal(id_of(json_object_get(d, "dct:spatial")),
                        "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/14713000");
    /* DCAT-AP.de 3.0 deprecates dcatde:politicalGeocodingURI. */
    assert_null(json_object_get(d, "dcatde:politicalGeocodingURI"));
    assert_string_equal(ref_at(d, "dct:language", 0), EU "language/DEU");
    assert_string_equal(ref_at(d, "dct:language", 1), EU "language/ENG");
    assert_string_equal(id_of(json_object_get(d, "dct:accrualPeriodicity")), EU "frequency/NEVER");
    /* No dates in the manifest: the publication time. */
    assert_string_equal(value_of(json_object_get(d, "dct:issued")), "2023-11-14T22:13:20Z");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(d, "dct:issued"), "@type")),
        "xsd:dateTime");
    assert_string_equal(value_of(json_object_get(d, "dct:modified")), "2023-11-14T22:13:20Z");
    snprintf(want, sizeof(want), BASE "/?item=%s/leipzig-west-beteiligung-2016", f->leipzig);
    assert_string_equal(id_of(json_object_get(d, "dcat:landingPage")), want);

    /* The CSV inside the bundle, then the bundle. */
    assert_int_equal(json_array_size(json_object_get(d, "dcat:distribution")), 2);
    dist = json_array_get(json_object_get(d, "dcat:distribution"), 0);
    snprintf(want, sizeof(want),
             BASE "/api/v1/items/%s/leipzig-west-beteiligung-2016#distribution-1", f->leipzig);
    assert_string_equal(id_of(dist), want);
    assert_string_equal(json_string_value(json_object_get(dist, "@type")), "dcat:Distribution");
    assert_string_equal(json_string_value(json_object_get(dist, "dct:title")),
                        "Beteiligungsformate Leipzig-West 2016");
    assert_non_null(strstr(json_string_value(json_object_get(dist, "dct:description")),
                           "beteiligung-leipzig-west-2016.csv"));
    snprintf(want, sizeof(want),
             BASE "/download/%s/leipzig-west-beteiligung-2016/1.0.0/full.bundle", f->leipzig);
    assert_string_equal(id_of(json_object_get(dist, "dcat:accessURL")), want);
    assert_null(json_object_get(dist, "dcat:downloadURL"));
    assert_string_equal(id_of(json_object_get(dist, "dct:format")), EU "file-type/CSV");
    assert_string_equal(id_of(json_object_get(dist, "dcat:mediaType")),
                        "https://www.iana.org/assignments/media-types/text/csv");
    assert_string_equal(id_of(json_object_get(dist, "dct:license")),
                        "http://dcat-ap.de/def/licenses/dl-by-de/2.0");
    assert_string_equal(value_of(json_object_get(dist, "dcat:byteSize")), "1071");
    bundle = json_array_get(json_object_get(d, "dcat:distribution"), 1);
    assert_string_equal(id_of(json_object_get(bundle, "dcat:downloadURL")), want);
    assert_string_equal(id_of(json_object_get(bundle, "dcat:accessURL")), want);
    /* No file type IRI for a git bundle, and never a literal format. */
    assert_null(json_object_get(bundle, "dct:format"));
    assert_string_equal(id_of(json_object_get(bundle, "dcatap:availability")),
                        EU "planned-availability/STABLE");
    assert_string_equal(id_of(json_object_get(bundle, "dct:license")),
                        "http://dcat-ap.de/def/licenses/dl-by-de/2.0");
    json_decref(cat);
    json_decref(m);
}

static void urls_dates_contacts_and_escaping(void **state)
{
    fixture *f = *state;
    json_t *cat, *d, *dist, *contact;
    char *text;

    load_leipzig(f);
    cat = catalog(f, f->leipzig, BASE);
    assert_non_null(d = dataset(cat, "parking-occupancy"));
    assert_string_equal(json_string_value(json_object_get(d, "dct:title")),
                        "Parkhausbelegung \"live\" (sample)");
    assert_string_equal(json_string_value(json_array_get(json_object_get(d, "dcat:keyword"), 1)),
                        "</script><b>\"\\");
    assert_string_equal(id_of(json_object_get(d, "dcat:landingPage")),
                        "https://opendata.leipzig.de/dataset/parkhaeuser");
    assert_string_equal(value_of(json_object_get(d, "dct:issued")), "2019-03-01");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(d, "dct:issued"), "@type")), "xsd:date");
    assert_string_equal(value_of(json_object_get(d, "dct:modified")), "2024-05-17");
    assert_string_equal(id_of(json_object_get(d, "dct:accrualPeriodicity")), EU "frequency/CONT");
    assert_int_equal(json_array_size(json_object_get(d, "dcat:theme")), 3);
    assert_string_equal(ref_at(d, "dcat:theme", 2), EU "data-theme/REGI");
    /* de-DE is German; a language outside the table is left out, never a
     * literal where DCAT-AP wants an IRI. */
    assert_string_equal(ref_at(d, "dct:language", 0), EU "language/DEU");
    assert_int_equal(json_array_size(json_object_get(d, "dct:language")), 1);
    assert_string_equal(id_of(json_object_get(d, "dct:spatial")),
                        "https://www.geonames.org/2879139");
    assert_null(json_object_get(d, "dcatde:politicalGeocodingURI"));
    assert_string_equal(id_of(json_object_get(json_object_get(d, "dct:publisher"), "foaf:mbox")),
                        "mailto:open.data@leipzig.de");
    contact = json_object_get(d, "dcat:contactPoint");
    assert_string_equal(id_of(json_object_get(contact, "vcard:hasEmail")),
                        "mailto:mobil@leipzig.de");
    assert_string_equal(id_of(json_object_get(contact, "vcard:hasURL")),
                        "https://www.leipzig.de/mobilitaet");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(d, "dcatde:maintainer"), "foaf:name")),
        "Leipziger Verkehrsbetriebe");
    /* Two URL distributions and the bundle. */
    assert_int_equal(json_array_size(json_object_get(d, "dcat:distribution")), 3);
    dist = json_array_get(json_object_get(d, "dcat:distribution"), 0);
    assert_string_equal(id_of(json_object_get(dist, "dcat:accessURL")),
                        "https://api.leipzig.de/parken.geojson");
    assert_string_equal(id_of(json_object_get(dist, "dcat:downloadURL")),
                        "https://api.leipzig.de/parken.geojson");
    assert_string_equal(id_of(json_object_get(dist, "dct:format")), EU "file-type/GEOJSON");
    assert_string_equal(id_of(json_object_get(dist, "dcat:mediaType")),
                        "https://www.iana.org/assignments/media-types/application/geo+json");
    /* A distribution's own licence wins over the dataset's. */
    assert_string_equal(id_of(json_object_get(dist, "dct:license")),
                        "http://dcat-ap.de/def/licenses/dl-zero-de/2.0");
    dist = json_array_get(json_object_get(d, "dcat:distribution"), 1);
    assert_null(json_object_get(dist, "dct:format")); /* Feather: no EU file type */
    assert_string_equal(id_of(json_object_get(dist, "dct:license")),
                        "http://dcat-ap.de/def/licenses/cc-by/4.0");
    assert_null(json_object_get(dist, "dct:description"));
    /* What the JSON text says is what was meant: it parses back the same. */
    assert_non_null(text = json_dumps(cat, JSON_COMPACT));
    {
        json_t *back = json_loads(text, 0, NULL);
        assert_true(json_equal(back, cat));
        json_decref(back);
    }
    free(text);
    json_decref(cat);
}

/* A version of the dataset "trees". */
static void trees_version(char *out, size_t size, const char *version, const char *title)
{
    snprintf(out, size,
             "{\"kind\":\"dataset\",\"id\":\"trees\",\"version\":\"%s\",\"title\":"
             "\"Trees %s\",\"description\":\"d\",\"publisher\":{\"name\":\"Stadt Leipzig\"},"
             "\"theme\":[\"ENVI\"],\"license\":\"http://dcat-ap.de/def/licenses/cc-zero\","
             "\"distributions\":[{\"format\":\"CSV\",\"file\":\"trees.csv\"}]}",
             version, title);
}

static void
the_newest_live_version_describes_a_dataset_and_withdrawn_ones_are_left_out(void **state)
{
    fixture *f = *state;
    json_t *cat, *d;
    char json[1024];

    put_node_at(f->t.reg, "Leipzig (sample)", "http://127.0.0.1:8470", CN_REGISTRY_SELF);
    trees_version(json, sizeof(json), "1.0.0", "one");
    put_unsigned_json(f->t.reg, "Leipzig (sample)", json, 1600000000);
    trees_version(json, sizeof(json), "1.10.0", "ten");
    put_unsigned_json(f->t.reg, "Leipzig (sample)", json, 1600000500);
    trees_version(json, sizeof(json), "1.9.0", "nine");
    put_unsigned_json(f->t.reg, "Leipzig (sample)", json, 1600000900);

    cat = catalog(f, f->leipzig, BASE);
    d = dataset(cat, "trees");
    assert_string_equal(json_string_value(json_object_get(d, "owl:versionInfo")), "1.10.0");
    assert_string_equal(json_string_value(json_object_get(d, "dct:title")), "Trees ten");
    assert_string_equal(value_of(json_object_get(d, "dct:issued")), "2020-09-13T12:26:40Z");
    assert_string_equal(value_of(json_object_get(d, "dct:modified")), "2020-09-13T12:35:00Z");
    assert_non_null(
        strstr(id_of(json_object_get(json_array_get(json_object_get(d, "dcat:distribution"), 0),
                                     "dcat:accessURL")),
               "/trees/1.10.0/full.bundle"));
    json_decref(cat);

    assert_int_equal(
        cn_registry_withdraw(f->t.reg, f->leipzig, "trees", "1.10.0", 1600001000, "mistake"), 0);
    cat = catalog(f, f->leipzig, BASE);
    d = dataset(cat, "trees");
    assert_string_equal(json_string_value(json_object_get(d, "owl:versionInfo")), "1.9.0");
    assert_string_equal(json_string_value(json_object_get(d, "dct:title")), "Trees nine");
    json_decref(cat);

    assert_int_equal(cn_registry_withdraw(f->t.reg, f->leipzig, "trees", NULL, 1600002000, NULL),
                     0);
    cat = catalog(f, f->leipzig, BASE);
    assert_int_equal(json_array_size(datasets(cat)), 0);
    assert_null(json_object_get(cat, "dct:modified"));
    json_decref(cat);
}

static void an_index_peer_has_no_bundles_to_offer(void **state)
{
    fixture *f = *state;
    json_t *cat, *d, *dist;
    char want[512];

    put_node_at(f->t.reg, "Prague (sample)", "https://praha.citynode.example/", CN_REGISTRY_INDEX);
    put_unsigned_json(
        f->t.reg, "Prague (sample)",
        "{\"kind\":\"dataset\",\"id\":\"air-quality\",\"version\":\"1.0.0\",\"title\":"
        "\"Air quality\",\"description\":\"d\",\"publisher\":{\"name\":\"Praha\"},"
        "\"theme\":[\"ENVI\"],\"license\":\"https://creativecommons.org/licenses/by/4.0/\","
        "\"distributions\":[{\"format\":\"CSV\",\"file\":\"air.csv\"}]}",
        1700000300);
    cat = catalog(f, f->prague, NULL);
    assert_string_equal(id_of(cat), "https://praha.citynode.example/dcat/catalog.jsonld");
    d = dataset(cat, "air-quality");
    assert_int_equal(json_array_size(json_object_get(d, "dcat:distribution")), 1);
    dist = json_array_get(json_object_get(d, "dcat:distribution"), 0);
    snprintf(want, sizeof(want), "https://praha.citynode.example/?item=%s/air-quality", f->prague);
    assert_string_equal(id_of(json_object_get(dist, "dcat:accessURL")), want);
    json_decref(cat);
}

static void values_that_are_not_iris_stay_out_of_iri_positions(void **state)
{
    fixture *f = *state;
    json_t *cat, *d, *dist;

    put_node_at(f->t.reg, "Leipzig (sample)", "http://127.0.0.1:8470", CN_REGISTRY_SELF);
    /* Not validated against the schema at ingest: a peer's manifest could
     * carry anything in these places. */
    put_unsigned_json(
        f->t.reg, "Leipzig (sample)",
        "{\"kind\":\"dataset\",\"id\":\"odd\",\"version\":\"1.0.0\",\"title\":\"Odd\","
        "\"description\":\"d\",\"publisher\":{\"name\":\"P\",\"url\":\"javascript alert(1)\","
        "\"email\":\"not an address\"},"
        "\"contactPoint\":{\"name\":\"C\",\"email\":\"\\\"odd local\\\"@example.org\"},"
        "\"theme\":[\"envi\",\"TRAN\",\"../x\"],\"license\":\"CC-BY-4.0\","
        "\"spatial\":\"1234\",\"landingPage\":\"http://exa mple.org/<x>\","
        "\"language\":[\"de\"],\"issued\":\"yesterday\","
        "\"distributions\":[{\"format\":\"CSV\",\"url\":\"http://x/<script>\","
        "\"mediaType\":\"text/x^y\",\"byteSize\":-5}, 7]}",
        1700000000);
    cat = catalog(f, f->leipzig, BASE);
    check_ids(cat);
    d = dataset(cat, "odd");
    assert_null(json_object_get(json_object_get(d, "dct:publisher"), "foaf:homepage"));
    assert_null(json_object_get(json_object_get(d, "dct:publisher"), "foaf:mbox"));
    assert_string_equal(
        id_of(json_object_get(json_object_get(d, "dcat:contactPoint"), "vcard:hasEmail")),
        "mailto:%22odd%20local%22@example.org");
    assert_int_equal(json_array_size(json_object_get(d, "dcat:theme")), 1);
    assert_null(json_object_get(d, "dct:license"));
    assert_null(json_object_get(d, "dct:spatial"));
    assert_non_null(strstr(id_of(json_object_get(d, "dcat:landingPage")), "/?item="));
    assert_string_equal(value_of(json_object_get(d, "dct:issued")), "2023-11-14T22:13:20Z");
    /* The distribution that is not an object is skipped; the URL that is
     * not a URI leaves the bundle as the way to the data. */
    assert_int_equal(json_array_size(json_object_get(d, "dcat:distribution")), 2);
    dist = json_array_get(json_object_get(d, "dcat:distribution"), 0);
    assert_non_null(strstr(id_of(json_object_get(dist, "dcat:accessURL")), "/full.bundle"));
    assert_null(json_object_get(dist, "dcat:downloadURL"));
    assert_null(json_object_get(dist, "dcat:mediaType"));
    assert_null(json_object_get(dist, "dct:license"));
    assert_null(json_object_get(dist, "dcat:byteSize"));
    json_decref(cat);
}

/* The datasets of tests/data/dcat/ (the ones make conformance validates
 * against the SHACL shapes): what the schema accepts maps to the IRIs of
 * the EU vocabularies and DCAT-AP.de, and a value without one is left out
 * of its property, never written as a literal where DCAT-AP wants an IRI. */
static void the_vocabularies_map_what_the_schema_accepts(void **state)
{
    fixture *f = *state;
    json_t *every = load_manifest(CN_TEST_DATA "/dcat/every-key");
    json_t *unmapped = load_manifest(CN_TEST_DATA "/dcat/unmapped-values");
    json_t *cat, *d, *dists, *contact;

    put_node_at(f->t.reg, "Leipzig (sample)", "http://127.0.0.1:8470", CN_REGISTRY_SELF);
    put_unsigned_manifest(f->t.reg, "Leipzig (sample)", every, 1700000000);
    put_unsigned_manifest(f->t.reg, "Leipzig (sample)", unmapped, 1700000000);
    cat = catalog(f, f->leipzig, BASE);
    check_ids(cat);

    assert_non_null(d = dataset(cat, "dcat-every-key"));
    /* A Creative Commons URL as people write it: DCAT-AP.de's IRI. */
    assert_string_equal(id_of(json_object_get(d, "dct:license")),
                        "http://dcat-ap.de/def/licenses/cc-by/4.0");
    assert_int_equal(json_array_size(json_object_get(d, "dct:language")), 3);
    assert_string_equal(ref_at(d, "dct:language", 0), EU "language/DEU");
    assert_string_equal(ref_at(d, "dct:language", 1), EU "language/ENG");
    assert_string_equal(ref_at(d, "dct:language", 2), EU "language/FRA");
    assert_string_equal(id_of(json_object_get(d, "dct:accrualPeriodicity")), EU "frequency/ANNUAL");
    contact = json_object_get(d, "dcat:contactPoint");
    assert_string_equal(id_of(json_object_get(contact, "vcard:hasURL")),
                        "https://www.leipzig.de/digitalestadt");
    assert_string_equal(
        id_of(json_object_get(json_object_get(d, "dcatde:maintainer"), "foaf:mbox")),
        "mailto:digital@leipzig.de");
    dists = json_object_get(d, "dcat:distribution");
    assert_int_equal(json_array_size(dists), 4); /* three of the manifest, the bundle */
    /* Formats in any case; byte sizes typed; each distribution's licence. */
    assert_string_equal(id_of(json_object_get(json_array_get(dists, 0), "dct:format")),
                        EU "file-type/CSV");
    assert_string_equal(value_of(json_object_get(json_array_get(dists, 0), "dcat:byteSize")), "45");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(dists, 0), "dcat:byteSize"), "@type")),
                        "xsd:nonNegativeInteger");
    assert_string_equal(id_of(json_object_get(json_array_get(dists, 0), "dct:license")),
                        "http://dcat-ap.de/def/licenses/dl-zero-de/2.0");
    assert_string_equal(id_of(json_object_get(json_array_get(dists, 1), "dct:format")),
                        EU "file-type/GEOJSON");
    assert_string_equal(id_of(json_object_get(json_array_get(dists, 1), "dct:license")),
                        "http://dcat-ap.de/def/licenses/cc-zero");
    assert_string_equal(id_of(json_object_get(json_array_get(dists, 2), "dct:format")),
                        EU "file-type/PDF");
    assert_string_equal(id_of(json_object_get(json_array_get(dists, 2), "dct:license")),
                        "http://dcat-ap.de/def/licenses/cc-by/4.0");

    assert_non_null(d = dataset(cat, "dcat-unmapped-values"));
    /* A licence IRI outside DCAT-AP.de's list is written as given. */
    assert_string_equal(id_of(json_object_get(d, "dct:license")),
                        "https://example.org/licences/sample-1.0");
    /* ger (ISO 639-2/B) is German; Yoruba and Klingon have no IRI here. */
    assert_int_equal(json_array_size(json_object_get(d, "dct:language")), 1);
    assert_string_equal(ref_at(d, "dct:language", 0), EU "language/DEU");
    /* Four digits are no AGS/ARS key length, nor a URI. */
    assert_null(json_object_get(d, "dct:spatial"));
    dists = json_object_get(d, "dcat:distribution");
    assert_int_equal(json_array_size(dists), 3);
    assert_null(json_object_get(json_array_get(dists, 0), "dct:format"));
    assert_null(json_object_get(json_array_get(dists, 1), "dct:format"));
    assert_null(json_object_get(json_array_get(dists, 2), "dct:format"));
    json_decref(cat);
    json_decref(every);
    json_decref(unmapped);
}

static void bad_base_urls_and_unknown_nodes_are_refused(void **state)
{
    fixture *f = *state;
    json_t *cat = NULL;
    char unknown[65];

    put_node_at(f->t.reg, "Leipzig (sample)", NULL, CN_REGISTRY_SELF);
    assert_int_equal(cn_registry_dcat_catalog(&cat, f->t.reg, f->leipzig, NULL), CN_EINVAL);
    assert_non_null(strstr(cn_error_message(), "base URL"));
    assert_int_equal(cn_registry_dcat_catalog(&cat, f->t.reg, f->leipzig, "ftp://x.example"),
                     CN_EINVAL);
    assert_int_equal(cn_registry_dcat_catalog(&cat, f->t.reg, f->leipzig, "http://x.example/?a=b"),
                     CN_EINVAL);
    assert_int_equal(cn_registry_dcat_catalog(&cat, f->t.reg, f->leipzig, "http://x y.example"),
                     CN_EINVAL);
    assert_int_equal(cn_registry_dcat_catalog(&cat, f->t.reg, f->leipzig, "/"), CN_EINVAL);
    assert_null(cat);
    node_id_of(unknown, "Nowhere");
    assert_int_equal(cn_registry_dcat_catalog(&cat, f->t.reg, unknown, BASE), CN_ENOTFOUND);
    assert_int_equal(cn_registry_dcat_catalog(&cat, f->t.reg, "xyz", BASE), CN_EINVAL);
    /* A prefix of the id is enough; an empty catalog is still a catalog. */
    {
        char prefix[9];
        memcpy(prefix, f->leipzig, 8);
        prefix[8] = '\0';
        cat = catalog(f, prefix, BASE);
        assert_string_equal(json_string_value(json_object_get(cat, "dct:title")),
                            "Leipzig (sample)");
        assert_int_equal(json_array_size(datasets(cat)), 0);
        json_decref(cat);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(the_catalog_names_the_node_and_lists_only_its_datasets,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(the_sample_dataset_maps_to_dcat_ap, setup, teardown),
        cmocka_unit_test_setup_teardown(urls_dates_contacts_and_escaping, setup, teardown),
        cmocka_unit_test_setup_teardown(
            the_newest_live_version_describes_a_dataset_and_withdrawn_ones_are_left_out, setup,
            teardown),
        cmocka_unit_test_setup_teardown(an_index_peer_has_no_bundles_to_offer, setup, teardown),
        cmocka_unit_test_setup_teardown(values_that_are_not_iris_stay_out_of_iri_positions, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_vocabularies_map_what_the_schema_accepts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(bad_base_urls_and_unknown_nodes_are_refused, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
