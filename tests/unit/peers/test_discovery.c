/*
 * test_discovery.c - discovery documents and trust (docs/PROTOCOL.md §10):
 * peers.json and network.json parsed as untrusted input, the network schema
 * with key paths, unique member ids, and the network_trust table in a real
 * state.db. (Attestation names are tests/unit/node/test_attestations.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/file.h"
#include "peers/discovery.h"
#include "peers/peers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static int parse_peers(const char *text, cn_peers_doc_entry **e, size_t *n)
{
    return cn_peers_doc_parse(e, n, text, strlen(text), "peers.json");
}

static void test_peers_doc_valid(void **state)
{
    cn_peers_doc_entry *e = NULL;
    size_t n = 0;
    (void)state;

    assert_int_equal(parse_peers("{\"peers\":[{\"node\":\"" ID_A "\",\"name\":\"Eindhoven\","
                                 "\"url\":\"http://127.0.0.1:8471\",\"policy\":\"index\"},"
                                 "{\"node\":\"" ID_B "\",\"name\":\"Man\\u001bchester\","
                                 "\"url\":\"https://manchester.example\",\"extra\":1}]}",
                                 &e, &n),
                     0);
    assert_int_equal(n, 2);
    assert_string_equal(e[0].node_id, ID_A);
    assert_string_equal(e[0].name, "Eindhoven");
    assert_int_equal(e[0].policy, CN_POLICY_INDEX);
    /* A name cannot drive the terminal; a missing policy is mirror. */
    assert_string_equal(e[1].name, "Man?chester");
    assert_int_equal(e[1].policy, CN_POLICY_MIRROR);
    cn_peers_doc_free(e, n);

    assert_int_equal(parse_peers("{\"peers\":[]}", &e, &n), 0);
    assert_int_equal(n, 0);
    cn_peers_doc_free(e, n);
}

static void test_peers_doc_refused(void **state)
{
    static const char *const bad[] = {
        "[]",
        "{\"peers\":{}}",
        "{\"peers\":[1]}",
        "{\"peers\":[{\"node\":\"AAAA\",\"url\":\"http://x.example\"}]}",
        "{\"peers\":[{\"node\":\"" ID_A "\",\"url\":\"file:///etc/passwd\"}]}",
        "{\"peers\":[{\"node\":\"" ID_A "\",\"url\":\"http://x.example/a b\"}]}",
        "{\"peers\":[{\"node\":\"" ID_A "\"}]}",
        "{\"peers\":[{\"node\":\"" ID_A "\",\"url\":\"http://x.example\",\"policy\":\"all\"}]}",
        "{\"peers\":[{\"node\":\"" ID_A "\",\"url\":\"http://x.example\",\"name\":7}]}",
        "{\"peers\":[",
    };
    cn_peers_doc_entry *e = NULL;
    size_t n = 0, i;
    (void)state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int err = parse_peers(bad[i], &e, &n);
        if (err == 0)
            fail_msg("accepted: %s", bad[i]);
        assert_true(err == CN_EINVAL || err == CN_ELIMIT);
        assert_null(e);
        assert_int_equal(n, 0);
    }
}

static void test_peers_doc_caps(void **state)
{
    cn_peers_doc_entry *e = NULL;
    size_t n = 0, i, cap = 64 + (size_t)(CN_DISCOVERY_MAX_ENTRIES + 1) * 128;
    char *text = malloc(cap), *p = text;
    (void)state;

    assert_non_null(text);
    p += sprintf(p, "{\"peers\":[");
    for (i = 0; i <= CN_DISCOVERY_MAX_ENTRIES; i++)
        p += sprintf(p, "%s{\"node\":\"%s\",\"url\":\"http://x.example\"}", i ? "," : "", ID_A);
    sprintf(p, "]}");
    assert_int_equal(cn_peers_doc_parse(&e, &n, text, strlen(text), "peers.json"), CN_ELIMIT);
    assert_int_equal(cn_peers_doc_parse(&e, &n, text, CN_DISCOVERY_DOC_MAX + 1, "peers.json"),
                     CN_ELIMIT);
    free(text);
}

/* Validate a network document (JSON text): the number of problems, and the
 * first problem's key path and a part of its message when asked. */
static size_t check_network(const char *text, const char *path, const char *message_part)
{
    cn_diagnostics d = CN_DIAGNOSTICS_INIT;
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    size_t n;
    int err;

    assert_non_null(doc);
    err = cn_network_doc_validate(doc, &d);
    n = cn_diagnostics_errors(&d);
    assert_int_equal(err, n ? CN_EINVAL : 0);
    if (path) {
        assert_true(n > 0);
        assert_string_equal(d.items[0].path, path);
        if (strstr(d.items[0].message, message_part) == NULL)
            fail_msg("message '%s' lacks '%s'", d.items[0].message, message_part);
    }
    cn_diagnostics_free(&d);
    json_decref(doc);
    return n;
}

#define MEMBER(id, name)                                                                           \
    "{\"node\":\"" id "\",\"name\":\"" name "\",\"url\":\"http://127.0.0.1:1\"}"

static void test_network_schema(void **state)
{
    (void)state;
    assert_int_equal(
        check_network("{\"network\":\"Triangulum (sample)\",\"description\":\"d\","
                      "\"members\":[" MEMBER(ID_A, "Eindhoven") "," MEMBER(ID_B, "Manchester") "]}",
                      NULL, NULL),
        0);
    assert_int_equal(check_network("{\"network\":\"Empty\",\"members\":[]}", NULL, NULL), 0);
    check_network("{\"members\":[]}", "", "network");
    check_network("{\"network\":\"T\",\"members\":[{\"node\":\"ABC\",\"name\":\"x\","
                  "\"url\":\"http://x\"}]}",
                  "members[0].node", "not a valid node id");
    check_network("{\"network\":\"T\",\"members\":[{\"node\":\"" ID_A "\",\"name\":\"x\","
                  "\"url\":\"ftp://x\"}]}",
                  "members[0].url", "");
    check_network("{\"network\":\"T\",\"members\":[{\"node\":\"" ID_A "\",\"url\":\"http://x\"}]}",
                  "members[0]", "name");
    check_network("{\"network\":\"T\",\"members\":[],\"memebers\":[]}", "memebers", "");
    check_network("{\"network\":\"\",\"members\":[]}", "network", "");
    /* What the schema cannot say: an id listed twice. */
    check_network("{\"network\":\"T\",\"members\":[" MEMBER(ID_A, "a") "," MEMBER(
                      ID_B, "b") "," MEMBER(ID_A, "c") "]}",
                  "members[2].node", "listed twice");
}

static void test_network_parse(void **state)
{
    static const char doc[] =
        "{\"network\":\"Triangulum\",\"members\":[" MEMBER(ID_A, "Stavanger\\u0007") "]}";
    static const char bad[] = "{\"network\":1,\"members\":[]}";
    cn_network_doc *d = NULL;
    (void)state;

    assert_int_equal(cn_network_doc_parse(&d, doc, strlen(doc), "network.json"), 0);
    assert_string_equal(d->network, "Triangulum");
    assert_null(d->description);
    assert_int_equal(d->nmembers, 1);
    assert_string_equal(d->members[0].node_id, ID_A);
    assert_string_equal(d->members[0].name, "Stavanger?");
    assert_string_equal(d->members[0].url, "http://127.0.0.1:1");
    cn_network_doc_free(d);

    assert_int_equal(cn_network_doc_parse(&d, bad, strlen(bad), "network.json"), CN_EINVAL);
    assert_null(d);
    if (strstr(cn_error_message(), "network.json: network") == NULL)
        fail_msg("message: %s", cn_error_message());
    assert_int_equal(cn_network_doc_parse(&d, "{", 1, "network.json"), CN_EINVAL);
    assert_int_equal(cn_network_doc_parse(&d, doc, CN_DISCOVERY_DOC_MAX + 1, "network.json"),
                     CN_ELIMIT);
}

static void test_trust_table(void **state)
{
    char dir[] = "/tmp/cn-test-discovery-XXXXXX", *path;
    cn_network_apply_options opts = CN_NETWORK_APPLY_OPTIONS_INIT;
    cn_network_apply_result r;
    cn_network_trust *list = NULL;
    cn_peers *db = NULL;
    size_t n = 0;
    (void)state;

    assert_non_null(mkdtemp(dir));
    path = cn_path_join(dir, "state.db");
    assert_int_equal(cn_peers_open(&db, path), 0);
    assert_int_equal(cn_network_trust_list(&list, &n, db), 0);
    assert_int_equal(n, 0);
    assert_int_equal(cn_network_trust_set(db, "aaaa", CN_POLICY_MIRROR), CN_EINVAL);
    assert_int_equal(cn_network_trust_set(db, ID_B, CN_POLICY_MIRROR), 0);
    assert_int_equal(cn_network_trust_set(db, ID_A, CN_POLICY_MIRROR), 0);
    assert_int_equal(cn_network_trust_set(db, ID_A, CN_POLICY_INDEX), 0);
    assert_int_equal(cn_network_trust_list(&list, &n, db), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].coordinator, ID_A);
    assert_int_equal(list[0].policy, CN_POLICY_INDEX);
    assert_null(list[0].applied_sha256);
    assert_string_equal(list[1].coordinator, ID_B);
    assert_true(list[1].added > 0);
    cn_network_trust_list_free(list, n);

    /* A coordinator that is trusted but has no mirror here: nothing to apply. */
    opts.mirrors_dir = dir;
    opts.self_id = ID_B;
    assert_int_equal(cn_network_apply(&r, db, ID_A, &opts), CN_ENOTFOUND);
    assert_int_equal(r.nmembers, 0);
    cn_network_apply_result_clear(&r);
    /* One that is not trusted is refused before anything is read. */
    assert_int_equal(
        cn_network_apply(&r, db, "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
                         &opts),
        CN_ENOTFOUND);
    assert_non_null(strstr(cn_error_message(), "not a trusted network"));
    cn_network_apply_result_clear(&r);

    cn_peers_free(db);
    /* The table survives reopening. */
    assert_int_equal(cn_peers_open(&db, path), 0);
    assert_int_equal(cn_network_trust_list(&list, &n, db), 0);
    assert_int_equal(n, 2);
    cn_network_trust_list_free(list, n);
    cn_peers_free(db);
    free(path);
    assert_int_equal(cn_rmtree(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peers_doc_valid), cmocka_unit_test(test_peers_doc_refused),
        cmocka_unit_test(test_peers_doc_caps),  cmocka_unit_test(test_network_schema),
        cmocka_unit_test(test_network_parse),   cmocka_unit_test(test_trust_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
