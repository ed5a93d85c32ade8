/*
 * fuzz_registry.c - libFuzzer harness: the registry's HTTP surface. The
 * input is a request line, "PATH?QUERY" (bytes as a client may send them):
 * the query string goes through cn_registry_query_parse and the path through
 * cn_registry_api_get, against a small index built once (three sample nodes
 * of the Triangulum project, items with umlauts, a replication). Every
 * answer must be a JSON document with a status that matches the error
 * code; the search text reaches the FTS5 tokenizer, the umlaut variants and
 * the BM25 walk.
 */
#include "core/error.h"
#include "registry/registry.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cn_registry *reg;
static char db[64];

/* The index lives for the whole run; remove its files at the end. */
static void remove_index(void)
{
    char path[80];

    cn_registry_free(reg);
    unlink(db);
    snprintf(path, sizeof(path), "%s-wal", db);
    unlink(path);
    snprintf(path, sizeof(path), "%s-shm", db);
    unlink(path);
}

static const char *const node_ids[] = {
    "1111111111111111111111111111111111111111111111111111111111111111",
    "2222222222222222222222222222222222222222222222222222222222222222",
    "3333333333333333333333333333333333333333333333333333333333333333",
};
static const char *const node_names[] = {"Stadt Leipzig (sample)", "Eindhoven (sample)",
                                         "Praha (sample)"};

static void put(int node, const char *json, int64_t published)
{
    cn_registry_version_info v = CN_REGISTRY_VERSION_INFO_INIT;
    json_t *m = json_loads(json, 0, NULL);

    if (m == NULL)
        abort();
    v.node_id = node_ids[node];
    v.manifest = m;
    v.published = published;
    v.verified_at = published;
    if (cn_registry_put_version(reg, &v) != 0) {
        fprintf(stderr, "fuzz_registry: %s\n", cn_error_message());
        abort();
    }
    json_decref(m);
}

static void build_index(void)
{
    char path[] = "/tmp/fuzz-registry-XXXXXX";
    json_t *att;
    int fd = mkstemp(path);

    if (fd < 0)
        abort();
    close(fd);
    unlink(path);
    snprintf(db, sizeof(db), "%s.db", path);
    if (cn_registry_open(&reg, db) != 0)
        abort();
    atexit(remove_index);
    for (int i = 0; i < 3; i++) {
        cn_registry_node_info info = CN_REGISTRY_NODE_INFO_INIT;
        info.node_id = node_ids[i];
        info.name = node_names[i];
        info.url = "http://127.0.0.1:8470";
        info.source = i == 0 ? CN_REGISTRY_SELF : CN_REGISTRY_MIRROR;
        if (cn_registry_put_node(reg, &info) != 0)
            abort();
    }
    put(0,
        "{\"kind\":\"strategy\",\"id\":\"leipzig-west\",\"version\":\"1.0.0\",\"title\":"
        "\"Smart City Strategie Leipzig-West: Mobilität und Energie\",\"summary\":"
        "\"Straßenbahn, Quartiersspeicher, Bürgerbeteiligung\",\"programme\":\"Triangulum\"}",
        1600000000);
    put(1,
        "{\"publiccodeYmlVersion\":\"0.4\",\"name\":\"Connected Urban Twins\",\"url\":"
        "\"https://example.org/cut.git\",\"softwareVersion\":\"1.1.0\",\"developmentStatus\":"
        "\"beta\",\"legal\":{\"license\":\"EUPL-1.2\"},\"description\":{\"de\":{"
        "\"shortDescription\":\"Urbane digitale Zwillinge für die Stadtentwicklung\"}},"
        "\"id\":\"connected-urban-twins\",\"version\":\"1.1.0\"}",
        1610000000);
    put(2,
        "{\"kind\":\"dataset\",\"id\":\"praha-energie\",\"version\":\"2.0.0\",\"title\":"
        "\"Energiedaten Praha\",\"description\":\"Messwerte, Straße für Straße\","
        "\"theme\":[\"ENER\"],\"license\":\"CC-BY-4.0\"}",
        1620000000);
    att = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}, s:s}", "type", "replicates", "by", node_ids[0],
                    "subject", "node", node_ids[1], "item", "connected-urban-twins", "version",
                    "1.1.0", "as", "leipzig-twins");
    if (att == NULL || cn_registry_put_attestation(reg, node_ids[0], "a1", att, 1630000000) != 0)
        abort();
    json_decref(att);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cn_registry_query q = CN_REGISTRY_QUERY_INIT;
    char *line, *qs;
    json_t *doc = NULL;
    int status = 0, err;

    if (reg == NULL)
        build_index();
    if (size > 8192)
        return 0;
    if ((line = malloc(size + 1)) == NULL)
        return 0;
    memcpy(line, data, size);
    line[size] = '\0'; /* an embedded NUL ends the line, as in a C string */
    qs = strchr(line, '?');
    if (qs != NULL)
        *qs++ = '\0';
    err = qs ? cn_registry_query_parse(&q, qs) : 0;
    if (err == 0)
        err = cn_registry_api_get(&doc, &status, reg, line, &q);
    if (err == 0 && status != 200)
        abort();
    if (doc != NULL && (json_object_get(doc, "error") != NULL) != (status != 200))
        abort();
    if (doc != NULL && status == 200 && strncmp(line, "/api/v1/search", 14) == 0 &&
        !json_is_array(json_object_get(doc, "results")))
        abort();
    json_decref(doc);
    cn_registry_query_clear(&q);
    cn_error_clear();
    free(line);
    return 0;
}
