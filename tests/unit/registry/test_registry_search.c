/*
 * test_registry_search.c - searching the registry (registry/registry.h)
 * over a real SQLite file in a temporary directory: search text
 * (diacritics, prefixes, hostile text, bad parameters, query strings),
 * facets, filters, sorting and paging, scores that are FTS5's bm25() in the
 * order plain SQL gives, and the sample manifests under examples/ found by
 * German words. The indexing side is test_registry_index.c.
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

/* Each test gets a registry of its own in a fresh directory. */
typedef temp_registry fixture;

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(umlauts_match_with_and_without_diacritics,
                                        temp_registry_setup, temp_registry_teardown),
        cmocka_unit_test_setup_teardown(last_word_is_a_prefix, temp_registry_setup,
                                        temp_registry_teardown),
        cmocka_unit_test_setup_teardown(hostile_search_text_is_only_ever_words, temp_registry_setup,
                                        temp_registry_teardown),
        cmocka_unit_test_setup_teardown(bad_parameters_are_refused_by_name, temp_registry_setup,
                                        temp_registry_teardown),
        cmocka_unit_test(query_strings_decode_like_forms),
        cmocka_unit_test_setup_teardown(facets_count_every_value_and_filters_narrow,
                                        temp_registry_setup, temp_registry_teardown),
        cmocka_unit_test_setup_teardown(sorting_by_relevance_recency_and_replications,
                                        temp_registry_setup, temp_registry_teardown),
        cmocka_unit_test_setup_teardown(pages_split_the_results_with_a_total, temp_registry_setup,
                                        temp_registry_teardown),
        cmocka_unit_test_setup_teardown(relevance_equals_fts5_bm25_and_the_plain_sql_order,
                                        temp_registry_setup, temp_registry_teardown),
        cmocka_unit_test_setup_teardown(samples_are_found_by_german_words, temp_registry_setup,
                                        temp_registry_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
