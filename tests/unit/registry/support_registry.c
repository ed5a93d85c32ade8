/*
 * support_registry.c - the helpers the unit tests of registry/ share
 * (support_registry.h): a temporary registry, nodes and manifests put as
 * sync puts them, searches and their answers, and the data sets the tests
 * load. Compiled into every test program of tests/unit/registry/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "support_registry.h"

#include "core/error.h"
#include "core/file.h"
#include "core/hash.h"
#include "schemas/manifest.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXAMPLES CN_TEST_DATA "/../../examples"

int temp_registry_open(temp_registry *t, const char *name)
{
    const char *tmp = getenv("TMPDIR");

    snprintf(t->dir, sizeof(t->dir), "%s/cn-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
    if (mkdtemp(t->dir) == NULL)
        return -1;
    snprintf(t->db, sizeof(t->db), "%s/state.db", t->dir);
    if (cn_registry_open(&t->reg, t->db) != 0) {
        fprintf(stderr, "open: %s\n", cn_error_message());
        return -1;
    }
    return 0;
}

void temp_registry_close(temp_registry *t)
{
    cn_registry_free(t->reg);
    t->reg = NULL;
    cn_rmtree(t->dir);
}

int temp_registry_setup(void **state)
{
    temp_registry *t = calloc(1, sizeof(*t));

    if (t == NULL || temp_registry_open(t, "registry") != 0) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

int temp_registry_teardown(void **state)
{
    temp_registry_close(*state);
    free(*state);
    return 0;
}

void node_id_of(char out[65], const char *name)
{
    cn_sha256_hex(out, name, strlen(name));
}

void put_node(cn_registry *reg, const char *name, const char *country, const char *programme)
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

int put_manifest(cn_registry *reg, const char *node, const json_t *m, int64_t published)
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
void put_json(cn_registry *reg, const char *node, const char *json, int64_t published)
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

void put_strategy(cn_registry *reg, const char *node, const char *id, const char *title,
                  const char *summary, int64_t published)
{
    char json[2048];

    snprintf(json, sizeof(json),
             "{\"kind\":\"strategy\",\"id\":\"%s\",\"version\":\"1.0.0\",\"title\":\"%s\","
             "\"summary\":\"%s\",\"programme\":\"Triangulum\",\"role\":\"follower\"}",
             id, title, summary);
    put_json(reg, node, json, published);
}

/* Parse qs and search with it: the answer in *out, the error (parsing
 * included) returned and its message left in cn_error_message(). */
static int parse_and_search(json_t **out, cn_registry *reg, const char *qs)
{
    cn_registry_query q = CN_REGISTRY_QUERY_INIT;
    int err;

    err = cn_registry_query_parse(&q, qs);
    if (err == 0)
        err = cn_registry_search(out, reg, &q);
    cn_registry_query_clear(&q);
    return err;
}

json_t *search(cn_registry *reg, const char *qs)
{
    json_t *doc = NULL;

    if (parse_and_search(&doc, reg, qs) != 0)
        fail_msg("search '%s': %s", qs, cn_error_message());
    return doc;
}

/* The error of a search (parsing included); the message is left in
 * cn_error_message(). */
int search_error(cn_registry *reg, const char *qs)
{
    json_t *doc = NULL;
    int err = parse_and_search(&doc, reg, qs);

    json_decref(doc);
    return err;
}

json_int_t total(const json_t *doc)
{
    return json_integer_value(json_object_get(doc, "total"));
}

const char *result_item(const json_t *doc, size_t i)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(doc, "results"), i), "item"));
}

/* 1 if some result has item id item. */
int has_item(const json_t *doc, const char *item)
{
    size_t i;

    for (i = 0; i < json_array_size(json_object_get(doc, "results")); i++)
        if (strcmp(result_item(doc, i), item) == 0)
            return 1;
    return 0;
}

/* The count of a facet bucket, -1 if the bucket is not there. */
json_int_t facet_count(const json_t *doc, const char *facet, const char *value)
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

void expect_search_error(cn_registry *reg, const char *qs, int code, const char *needle)
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
int load_examples(cn_registry *reg)
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

void load_mixed(cn_registry *reg)
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

void put_node_at(cn_registry *reg, const char *name, const char *url, cn_registry_source source)
{
    cn_registry_node_info info = CN_REGISTRY_NODE_INFO_INIT;
    char id[65];

    node_id_of(id, name);
    info.node_id = id;
    info.name = name;
    info.url = url;
    info.source = source;
    if (cn_registry_put_node(reg, &info) != 0)
        fail_msg("put_node_at: %s", cn_error_message());
}

void put_unsigned_manifest(cn_registry *reg, const char *node, const json_t *m, int64_t published)
{
    cn_registry_version_info info = CN_REGISTRY_VERSION_INFO_INIT;
    char id[65];

    node_id_of(id, node);
    info.node_id = id;
    info.manifest = m;
    info.published = published;
    if (cn_registry_put_version(reg, &info) != 0)
        fail_msg("put_version: %s", cn_error_message());
}
