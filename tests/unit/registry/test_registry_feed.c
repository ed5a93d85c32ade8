/*
 * test_registry_feed.c - the registry's Atom feeds (cn_registry_feed): one
 * entry per version with ids that depend only on node, item and version,
 * the updated time of publication or withdrawal, text from manifests that
 * can neither inject markup nor make the XML ill-formed, the bound on
 * entries, and the errors of the API.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/hash.h"
#include "registry/registry.h"
#include "support_registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef temp_registry fixture;

#define BASE "http://registry.example"

/* The feed at path (and query string qs, may be NULL) as a NUL-terminated
 * string the caller frees; fails the test on an error. */
static char *feed(cn_registry *reg, const char *path, const char *qs, int64_t *updated)
{
    cn_registry_query q = CN_REGISTRY_QUERY_INIT;
    cn_buf out = CN_BUF_INIT;
    int64_t when;
    size_t len;
    int err;

    if (qs)
        assert_int_equal(cn_registry_query_parse(&q, qs), 0);
    err = cn_registry_feed(&out, &when, reg, path, &q, BASE, path);
    cn_registry_query_clear(&q);
    if (err != 0)
        fail_msg("%s: %s", path, cn_error_message());
    if (updated)
        *updated = when;
    assert_int_equal(cn_buf_put(&out, "", 1), 0);
    return cn_buf_detach(&out, &len);
}

static int feed_error(cn_registry *reg, const char *path, const char *qs)
{
    cn_registry_query q = CN_REGISTRY_QUERY_INIT;
    cn_buf out = CN_BUF_INIT;
    int64_t when;
    int err;

    if (qs)
        assert_int_equal(cn_registry_query_parse(&q, qs), 0);
    err = cn_registry_feed(&out, &when, reg, path, &q, BASE, path);
    cn_registry_query_clear(&q);
    cn_buf_free(&out);
    return err;
}

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;

    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* The n-th (0-based) entry's text, from "<entry>" to "</entry>", copied into buf. */
static const char *entry(char *buf, size_t buflen, const char *xml, size_t n)
{
    const char *p = strstr(xml, "<entry>"), *end;

    while (p && n--)
        p = strstr(p + 1, "<entry>");
    assert_non_null(p);
    end = strstr(p, "</entry>");
    assert_non_null(end);
    snprintf(buf, buflen, "%.*s", (int)(end - p), p);
    return buf;
}

static void put_version(cn_registry *reg, const char *node, const char *item, const char *version,
                        const char *title, int64_t published)
{
    char json[1024];

    snprintf(json, sizeof(json),
             "{\"kind\":\"strategy\",\"id\":\"%s\",\"version\":\"%s\",\"title\":\"%s\","
             "\"programme\":\"P\",\"role\":\"follower\",\"summary\":\"About %s\"}",
             item, version, title, item);
    put_json(reg, node, json, published);
}

static void an_item_feed_has_one_entry_per_version_newest_first(void **state)
{
    fixture *f = *state;
    char id[65], path[256], e0[4096], name[256], want[64];
    unsigned char h[CN_SHA256_LEN];
    char hex[65], *xml;
    int64_t updated;

    put_node(f->reg, "Stadt Leipzig", "DE", NULL);
    node_id_of(id, "Stadt Leipzig");
    put_version(f->reg, "Stadt Leipzig", "plan", "1.0.0", "Plan", 1700000000);
    put_version(f->reg, "Stadt Leipzig", "plan", "1.1.0", "Plan", 1700000100);
    put_version(f->reg, "Stadt Leipzig", "plan", "2.0.0", "Plan zwei", 1700000200);
    put_version(f->reg, "Stadt Leipzig", "other", "1.0.0", "Other", 1700000300);
    snprintf(path, sizeof(path), "/api/v1/items/%s/plan/versions.atom", id);
    xml = feed(f->reg, path, NULL, &updated);

    assert_int_equal(strncmp(xml,
                             "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed "
                             "xmlns=\"http://www.w3.org/2005/Atom\">",
                             81),
                     0);
    assert_int_equal(count(xml, "<entry>"), 3);
    assert_int_equal(updated, 1700000200);
    assert_non_null(strstr(xml, "<updated>2023-11-14T22:16:40Z</updated>\n  <author>"));
    entry(e0, sizeof(e0), xml, 0);
    assert_non_null(strstr(e0, "<title>Plan zwei 2.0.0</title>"));
    assert_non_null(strstr(e0, "<published>2023-11-14T22:16:40Z</published>"));
    assert_non_null(strstr(e0, "<author><name>Stadt Leipzig</name>"));
    assert_non_null(strstr(e0, "<category term=\"strategy\"/>"));
    assert_non_null(strstr(e0, "href=\"" BASE "/?item="));
    assert_non_null(strstr(e0, "/plan&amp;version=2.0.0\"/>"));
    assert_non_null(strstr(e0, "/api/v1/items/"));
    assert_non_null(strstr(xml, "<title>Plan 1.0.0</title>"));
    assert_null(strstr(xml, "Other"));

    /* The id: urn:uuid of SHA-256("citynode:<node>/<item>/<version>"),
     * version 8, RFC 9562 variant. */
    snprintf(name, sizeof(name), "citynode:%s/plan/2.0.0", id);
    cn_sha256(h, name, strlen(name));
    h[6] = (unsigned char)((h[6] & 0x0F) | 0x80);
    h[8] = (unsigned char)((h[8] & 0x3F) | 0x80);
    cn_hex_encode(hex, h, 16);
    snprintf(want, sizeof(want), "<id>urn:uuid:%.8s-%.4s-%.4s-%.4s-%.12s</id>", hex, hex + 8,
             hex + 12, hex + 16, hex + 20);
    assert_non_null(strstr(e0, want));
    assert_int_equal(want[27], '8'); /* <id>urn:uuid:xxxxxxxx-xxxx-8 */
    free(xml);
}

static void a_node_feed_orders_by_publication_and_withdrawal(void **state)
{
    fixture *f = *state;
    char id[65], path[256], e0[4096], first_id[64], *xml, *again;
    int64_t updated;

    put_node(f->reg, "Stadt Leipzig", "DE", NULL);
    node_id_of(id, "Stadt Leipzig");
    put_version(f->reg, "Stadt Leipzig", "plan", "1.0.0", "Plan", 1000);
    put_version(f->reg, "Stadt Leipzig", "other", "1.0.0", "Other", 2000);
    snprintf(path, sizeof(path), "/api/v1/nodes/%.12s/versions.atom", id);
    xml = feed(f->reg, path, NULL, &updated);
    assert_int_equal(count(xml, "<entry>"), 2);
    assert_int_equal(updated, 2000);
    entry(e0, sizeof(e0), xml, 0);
    assert_non_null(strstr(e0, "<title>Other 1.0.0</title>"));
    free(xml);

    /* A withdrawal updates the version's entry and moves it first; the id stays. */
    xml = feed(f->reg, path, NULL, NULL);
    snprintf(first_id, sizeof(first_id), "%.45s", strstr(entry(e0, sizeof(e0), xml, 1), "<id>"));
    assert_int_equal(
        cn_registry_withdraw(f->reg, id, "plan", "1.0.0", 3000, "Replaced <soon> & gone"), 0);
    again = feed(f->reg, path, NULL, &updated);
    assert_int_equal(updated, 3000);
    assert_int_equal(count(again, "<entry>"), 2);
    entry(e0, sizeof(e0), again, 0);
    assert_non_null(strstr(e0, first_id));
    assert_non_null(strstr(e0, "<title>Plan 1.0.0 (withdrawn)</title>"));
    assert_non_null(strstr(e0, "<updated>1970-01-01T00:50:00Z</updated>"));
    assert_non_null(strstr(e0, "<published>1970-01-01T00:16:40Z</published>"));
    assert_non_null(strstr(e0, "<category term=\"withdrawn\"/>"));
    assert_non_null(strstr(e0, "Withdrawn: Replaced &lt;soon&gt; &amp; gone. About plan"));
    free(xml);
    free(again);
}

static void text_from_manifests_cannot_break_the_xml(void **state)
{
    fixture *f = *state;
    char id[65], path[256], *xml;

    put_node(f->reg, "Stadt Leipzig", "DE", NULL);
    node_id_of(id, "Stadt Leipzig");
    put_version(f->reg, "Stadt Leipzig", "plan", "1.0.0",
                "</title><script>x</script> \\u0001\\u001b[2J \\uffff & ]]>", 1000);
    snprintf(path, sizeof(path), "/api/v1/items/%s/plan/versions.atom", id);
    xml = feed(f->reg, path, NULL, NULL);
    assert_non_null(strstr(xml, "<title>&lt;/title&gt;&lt;script&gt;x&lt;/script&gt; \xEF\xBF\xBD"
                                "\xEF\xBF\xBD[2J \xEF\xBF\xBD &amp; ]]&gt; 1.0.0</title>"));
    assert_null(strchr(xml, '\x01'));
    assert_null(strchr(xml, '\x1b'));
    assert_null(strstr(xml, "<script>"));
    free(xml);
}

static void a_feed_holds_the_newest_entries_only(void **state)
{
    fixture *f = *state;
    char id[65], path[256], version[32], e0[4096], *xml;

    put_node(f->reg, "Stadt Leipzig", "DE", NULL);
    node_id_of(id, "Stadt Leipzig");
    for (int i = 0; i < CN_REGISTRY_FEED_ENTRIES + 10; i++) {
        snprintf(version, sizeof(version), "1.%d.0", i);
        put_version(f->reg, "Stadt Leipzig", "plan", version, "Plan", 1000 + i);
    }
    snprintf(path, sizeof(path), "/api/v1/items/%s/plan/versions.atom", id);
    xml = feed(f->reg, path, NULL, NULL);
    assert_int_equal(count(xml, "<entry>"), CN_REGISTRY_FEED_ENTRIES);
    snprintf(version, sizeof(version), "Plan 1.%d.0<", CN_REGISTRY_FEED_ENTRIES + 9);
    assert_non_null(strstr(entry(e0, sizeof(e0), xml, 0), version));
    assert_null(strstr(xml, "Plan 1.9.0<"));
    free(xml);
}

static void search_feeds_have_an_entry_per_item(void **state)
{
    fixture *f = *state;
    char e0[4096], *xml;
    int64_t updated;

    put_node(f->reg, "Stadt Leipzig", "DE", NULL);
    put_version(f->reg, "Stadt Leipzig", "plan", "1.0.0", "Plan", 1000);
    put_version(f->reg, "Stadt Leipzig", "plan", "1.1.0", "Plan", 3000);
    put_version(f->reg, "Stadt Leipzig", "other", "1.0.0", "Other", 2000);

    xml = feed(f->reg, "/api/v1/items.atom", NULL, &updated);
    assert_int_equal(count(xml, "<entry>"), 2);
    assert_int_equal(updated, 3000);
    assert_non_null(strstr(xml, "<title>citynode: new items</title>"));
    entry(e0, sizeof(e0), xml, 0);
    assert_non_null(strstr(e0, "<title>Plan</title>"));
    assert_non_null(strstr(e0, "<summary type=\"text\">Version 1.1.0. About plan</summary>"));
    free(xml);

    xml = feed(f->reg, "/api/v1/search.atom", "q=other", NULL);
    assert_int_equal(count(xml, "<entry>"), 1);
    assert_non_null(strstr(xml, "<title>citynode: search for &quot;other&quot;</title>"));
    free(xml);

    xml = feed(f->reg, "/api/v1/search.atom", "q=nothing-like-this", &updated);
    assert_int_equal(count(xml, "<entry>"), 0);
    assert_int_equal(updated, 0);
    assert_non_null(strstr(xml, "<updated>1970-01-01T00:00:00Z</updated>"));
    free(xml);
}

static void feeds_refuse_what_the_api_refuses(void **state)
{
    fixture *f = *state;
    char id[65], path[256];

    put_node(f->reg, "Stadt Leipzig", "DE", NULL);
    node_id_of(id, "Stadt Leipzig");
    put_version(f->reg, "Stadt Leipzig", "plan", "1.0.0", "Plan", 1000);
    snprintf(path, sizeof(path), "/api/v1/nodes/%s/versions.atom", id);
    assert_int_equal(feed_error(f->reg, path, "q=x"), CN_EINVAL);
    assert_int_equal(feed_error(f->reg, "/api/v1/items.atom", "kind=strategy"), CN_EINVAL);
    assert_int_equal(feed_error(f->reg, "/api/v1/search.atom", "page=200&per_page=100"), CN_EINVAL);
    assert_int_equal(feed_error(f->reg, "/api/v1/nodes/00000000/versions.atom", NULL),
                     CN_ENOTFOUND);
    assert_int_equal(feed_error(f->reg, "/api/v1/nodes/xyz/versions.atom", NULL), CN_EINVAL);
    snprintf(path, sizeof(path), "/api/v1/items/%s/Bad_Id/versions.atom", id);
    assert_int_equal(feed_error(f->reg, path, NULL), CN_EINVAL);
    snprintf(path, sizeof(path), "/api/v1/items/%s/nothing/versions.atom", id);
    assert_int_equal(feed_error(f->reg, path, NULL), CN_ENOTFOUND);
    assert_int_equal(feed_error(f->reg, "/api/v1/nope.atom", NULL), CN_ENOTFOUND);
    assert_int_equal(feed_error(f->reg, "/elsewhere.atom", NULL), CN_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(an_item_feed_has_one_entry_per_version_newest_first,
                                        temp_registry_setup, temp_registry_teardown),
        cmocka_unit_test_setup_teardown(a_node_feed_orders_by_publication_and_withdrawal,
                                        temp_registry_setup, temp_registry_teardown),
        cmocka_unit_test_setup_teardown(text_from_manifests_cannot_break_the_xml,
                                        temp_registry_setup, temp_registry_teardown),
        cmocka_unit_test_setup_teardown(a_feed_holds_the_newest_entries_only, temp_registry_setup,
                                        temp_registry_teardown),
        cmocka_unit_test_setup_teardown(search_feeds_have_an_entry_per_item, temp_registry_setup,
                                        temp_registry_teardown),
        cmocka_unit_test_setup_teardown(feeds_refuse_what_the_api_refuses, temp_registry_setup,
                                        temp_registry_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
