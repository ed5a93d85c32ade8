/*
 * search_bench.c - the tool behind bench/search.sh.
 *
 *   cn_search_bench load DB ITEMS.jsonl
 *       Put the nodes, item versions and attestations of ITEMS.jsonl
 *       (bench/search_gen.py) into the registry at DB through the ingest API
 *       the node uses, one transaction per 1,000 lines (as a sync would);
 *       print the time it took and the file size.
 *
 *   cn_search_bench query [--direct-runs N] [--http URL [--clients N]]
 *                         DB RUNS QUERY...
 *       For each QUERY (a URL query string, as GET /api/v1/search?QUERY
 *       gets it), RUNS times on each path (the direct SQL N times, default
 *       RUNS: it is two orders of magnitude slower), measure:
 *
 *         api     cn_registry_query_parse + cn_registry_search + the JSON
 *                 text of the answer: everything /api/v1/search does but
 *                 the HTTP exchange, in this process
 *         direct  the same question as plain SQL on its own connection, as
 *                 one would ask the SQLite file directly: one statement for
 *                 the page (FTS5 MATCH, the filters, ORDER BY bm25() or the
 *                 sort keys, LIMIT/OFFSET), one for the total and the
 *                 GROUP BY statements of the facet counts (one per filtered
 *                 facet, the counts being disjunctive); prepared once per
 *                 query, outside the timing, rows stepped and read
 *         floor   the least any exact answer must do: step through the
 *                 rowids of the FTS5 matches (SELECT rowid FROM reg_fts
 *                 WHERE reg_fts MATCH ?), or of every item without a text
 *         http    with --http: GET URL/api/v1/search?QUERY from the
 *                 `citynode serve` at URL (whose state.db is DB), one
 *                 keep-alive connection, requests one after the other, each
 *                 timed around curl_easy_perform: the request out, the
 *                 whole answer in (the body is kept, not parsed)
 *
 *       and check that api, direct and http give the same total, the same
 *       page in the same order and the same facet counts. With --clients N
 *       (N > 1), N threads then each run every query RUNS times over their
 *       own keep-alive connection at once ("httpN", e.g. http2), after one
 *       untimed pass each. Prints a line per query,
 *       "RESULT <path> <p50 ms> <p99 ms> <max ms> <samples>" per path,
 *       "TAIL <path> <samples> <query>" for the queries that a path's samples
 *       at or above its p99 came from, "AFTER_WRITE_HTTP_MS <ms> <query>"
 *       and "AFTER_WRITE_API_MS <ms>" (the first query again on both paths
 *       right after a commit to DB, as a sync makes one: every handle then
 *       reloads its in-memory copy), then "CONNECTIONS <n>" (connections
 *       libcurl opened: 1 + N if every request was kept alive),
 *       "HTTP_RATE <requests/s of the N clients>"
 *       and "PEAK_RSS_KIB <n>" (this process).
 *
 * The first search of a handle loads its in-memory copy of the index; that
 * time is printed apart ("first search after open") and the timed runs
 * start after one untimed pass over the queries on every path (which, on
 * the http path, is the server thread's first search too).
 */
#include "core/error.h"
#include "registry/internal.h"
#include "registry/registry.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#define BATCH 1000

static double now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int die(const char *what)
{
    fprintf(stderr, "cn_search_bench: %s: %s\n", what, cn_error_message());
    return 1;
}

/* ---- load ---- */

static int load_line(cn_registry *reg, json_t *line, size_t counts[3])
{
    json_t *v;

    if ((v = json_object_get(line, "node")) != NULL) {
        cn_registry_node_info info = CN_REGISTRY_NODE_INFO_INIT;
        info.node_id = json_string_value(json_object_get(v, "id"));
        info.profile = v;
        info.source = CN_REGISTRY_MIRROR;
        info.verified_at = (int64_t)time(NULL);
        counts[0]++;
        return cn_registry_put_node(reg, &info);
    }
    if ((v = json_object_get(line, "version")) != NULL) {
        cn_registry_version_info info = CN_REGISTRY_VERSION_INFO_INIT;
        static const char *const signers[] = {
            "2b0c5d4e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c"};
        info.node_id = json_string_value(json_object_get(v, "node"));
        info.manifest = json_object_get(v, "manifest");
        info.published = json_integer_value(json_object_get(v, "published"));
        info.verified_at = info.published + 3600;
        info.signers = signers;
        info.nsigners = 1;
        counts[1]++;
        return cn_registry_put_version(reg, &info);
    }
    if ((v = json_object_get(line, "attestation")) != NULL) {
        counts[2]++;
        return cn_registry_put_attestation(reg, json_string_value(json_object_get(v, "by")),
                                           json_string_value(json_object_get(v, "id")),
                                           json_object_get(v, "doc"), (int64_t)time(NULL));
    }
    return cn_error_set(CN_EINVAL, "unknown line");
}

static int cmd_load(const char *db, const char *path)
{
    FILE *in = fopen(path, "r");
    cn_registry *reg = NULL;
    char *line = NULL;
    size_t cap = 0, n = 0, counts[3] = {0, 0, 0};
    double t0;
    struct stat sb;
    int err = 0;

    if (in == NULL) {
        perror(path);
        return 1;
    }
    if (cn_registry_open(&reg, db) != 0)
        return die(db);
    t0 = now_ms();
    while (err == 0 && getline(&line, &cap, in) > 0) {
        json_error_t jerr;
        json_t *j = json_loads(line, 0, &jerr);
        if (j == NULL) {
            fprintf(stderr, "%s: line %zu: %s\n", path, n + 1, jerr.text);
            err = 1;
            break;
        }
        if (n % BATCH == 0 && cn_registry_begin(reg) != 0)
            err = die("begin");
        if (err == 0 && load_line(reg, j, counts) != 0)
            err = die("put");
        json_decref(j);
        if (err == 0 && ++n % BATCH == 0 && cn_registry_commit(reg) != 0)
            err = die("commit");
    }
    if (err == 0 && n % BATCH != 0 && cn_registry_commit(reg) != 0)
        err = die("commit");
    if (err == 0) {
        double s = (now_ms() - t0) / 1000.0;
        cn_registry_free(reg);
        reg = NULL;
        sqlite3 *raw;
        /* Fold the WAL into the file so its size is the index's size. */
        if (sqlite3_open(db, &raw) == SQLITE_OK)
            sqlite3_exec(raw, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
        sqlite3_close(raw);
        stat(db, &sb);
        printf("LOAD %zu nodes, %zu item versions, %zu attestations in %.1f s (%.0f items/s)\n",
               counts[0], counts[1], counts[2], s, (double)counts[1] / s);
        printf("DB_SIZE_BYTES %lld\n", (long long)sb.st_size);
    }
    free(line);
    fclose(in);
    cn_registry_free(reg);
    return err;
}

/* ---- the direct SQL ---- */

typedef struct {
    sqlite3_stmt *floor; /* only walking the matches */
    sqlite3_stmt *page, *count;
    sqlite3_stmt *facets[CN_FACET_COUNT + 1];
    size_t nfacets;
    char *expr;
    int ranked;
} direct_query;

/* " AND i.id IN (items having a value of facet f among the filter's)" */
static char *facet_filter_sql(const cn_registry_query *q, int f)
{
    char *sql = sqlite3_mprintf(" AND i.id IN (SELECT fi.item FROM reg_item_facets fi JOIN "
                                "reg_facet_values fv ON fv.id = fi.value WHERE fv.facet = %Q AND "
                                "lower(fv.value) IN (",
                                cn_registry_facet_name((cn_registry_facet)f));
    size_t i;

    for (i = 0; i < q->nfilters[f]; i++) {
        char *next = sqlite3_mprintf("%s%slower(%Q)", sql, i ? ", " : "", q->filters[f][i]);
        sqlite3_free(sql);
        sql = next;
    }
    {
        char *next = sqlite3_mprintf("%s))", sql);
        sqlite3_free(sql);
        sql = next;
    }
    return sql;
}

/* The WHERE conditions of q except facet `except`'s filter (-1: all). */
static char *where_sql(const cn_registry_query *q, const direct_query *d, int except)
{
    char *sql = sqlite3_mprintf("%s", d->expr ? " AND reg_fts MATCH ?1" : "");
    int f;

    if (q->withdrawn != CN_REGISTRY_WITHDRAWN_INCLUDE) {
        char *next = sqlite3_mprintf("%s AND i.withdrawn = %d", sql,
                                     q->withdrawn == CN_REGISTRY_WITHDRAWN_ONLY);
        sqlite3_free(sql);
        sql = next;
    }
    if (q->node) {
        char *next = sqlite3_mprintf("%s AND i.node = (SELECT id FROM reg_nodes WHERE node_id >= "
                                     "%Q AND substr(node_id, 1, %d) = %Q)",
                                     sql, q->node, (int)strlen(q->node), q->node);
        sqlite3_free(sql);
        sql = next;
    }
    for (f = 0; f < CN_FACET_COUNT; f++) {
        char *filter, *next;
        if (q->nfilters[f] == 0 || f == except)
            continue;
        filter = facet_filter_sql(q, f);
        next = sqlite3_mprintf("%s%s", sql, filter);
        sqlite3_free(filter);
        sqlite3_free(sql);
        sql = next;
    }
    return sql;
}

static int prepare(sqlite3_stmt **out, sqlite3 *db, char *sql)
{
    int rc = sqlite3_prepare_v2(db, sql, -1, out, NULL);

    if (rc != SQLITE_OK)
        fprintf(stderr, "cn_search_bench: %s\n  in: %s\n", sqlite3_errmsg(db), sql);
    sqlite3_free(sql);
    return rc == SQLITE_OK ? 0 : 1;
}

static int direct_prepare(direct_query *d, sqlite3 *db, cn_registry *reg,
                          const cn_registry_query *q)
{
    const char *from = "reg_items i";
    const char *order;
    unsigned page = q->page ? q->page : 1, per_page = q->per_page ? q->per_page : 20;
    cn_reg_fts_query fq;
    char *where, *others, *in_list = NULL;
    int f, any_filter = 0;
    cn_registry_sort sort = q->sort;

    memset(d, 0, sizeof(*d));
    if (cn_reg_fts_query_build(&fq, reg, q->q) != 0)
        return die("expression");
    d->expr = fq.expr; /* the same MATCH expression as the API's */
    fq.expr = NULL;
    cn_reg_fts_query_clear(&fq);
    if (sort == CN_REGISTRY_SORT_DEFAULT || (sort == CN_REGISTRY_SORT_RELEVANCE && !d->expr))
        sort = d->expr ? CN_REGISTRY_SORT_RELEVANCE : CN_REGISTRY_SORT_RECENT;
    d->ranked = sort == CN_REGISTRY_SORT_RELEVANCE;
    if (d->expr)
        from = "reg_fts JOIN reg_items i ON i.id = reg_fts.rowid";
    order = sort == CN_REGISTRY_SORT_RELEVANCE
                ? "bm25(reg_fts, 10.0, 4.0, 1.0), i.updated DESC, i.id"
            : sort == CN_REGISTRY_SORT_REPLICATIONS ? "i.replications DESC, i.updated DESC, i.id"
                                                    : "i.updated DESC, i.id";
    where = where_sql(q, d, -1);
    if (prepare(&d->floor, db,
                sqlite3_mprintf("%s", d->expr ? "SELECT rowid FROM reg_fts WHERE reg_fts MATCH ?1"
                                              : "SELECT id FROM reg_items")) != 0 ||
        prepare(&d->page, db,
                sqlite3_mprintf(
                    "SELECT n.node_id, n.name, n.country, i.item, i.kind, i.latest, i.title,"
                    " i.description, i.withdrawn, i.updated, i.replications, (SELECT verified_at"
                    " FROM reg_versions v WHERE v.item = i.id AND v.version = i.latest)%s"
                    " FROM %s JOIN reg_nodes n ON n.id = i.node WHERE 1%s ORDER BY %s"
                    " LIMIT %u OFFSET %u",
                    d->ranked ? ", -bm25(reg_fts, 10.0, 4.0, 1.0)" : "", from, where, order,
                    per_page, (page - 1) * per_page)) != 0 ||
        prepare(&d->count, db, sqlite3_mprintf("SELECT count(*) FROM %s WHERE 1%s", from, where)))
        return 1;
    /* Facets without a filter: one GROUP BY under every filter. */
    for (f = 0; f < CN_FACET_COUNT; f++) {
        if (q->nfilters[f] == 0)
            continue;
        any_filter = 1;
        char *next = sqlite3_mprintf("%s%s%Q", in_list ? in_list : "", in_list ? ", " : "",
                                     cn_registry_facet_name((cn_registry_facet)f));
        sqlite3_free(in_list);
        in_list = next;
    }
    others =
        any_filter ? sqlite3_mprintf(" AND fv.facet NOT IN (%s)", in_list) : sqlite3_mprintf("");
    if (prepare(&d->facets[d->nfacets++], db,
                sqlite3_mprintf("SELECT fv.facet, fv.value, count(*) FROM %s JOIN reg_item_facets"
                                " fi ON fi.item = i.id JOIN reg_facet_values fv ON fv.id = fi.value"
                                " WHERE 1%s%s GROUP BY fv.id",
                                from, where, others)) != 0)
        return 1;
    sqlite3_free(others);
    sqlite3_free(in_list);
    sqlite3_free(where);
    /* Each filtered facet: its counts under the other filters. */
    for (f = 0; f < CN_FACET_COUNT; f++) {
        char *w;
        if (q->nfilters[f] == 0)
            continue;
        w = where_sql(q, d, f);
        if (prepare(&d->facets[d->nfacets++], db,
                    sqlite3_mprintf("SELECT fv.facet, fv.value, count(*) FROM %s JOIN"
                                    " reg_item_facets fi ON fi.item = i.id JOIN reg_facet_values"
                                    " fv ON fv.id = fi.value WHERE 1%s AND fv.facet = %Q"
                                    " GROUP BY fv.id",
                                    from, w, cn_registry_facet_name((cn_registry_facet)f))) != 0)
            return 1;
        sqlite3_free(w);
    }
    return 0;
}

static void direct_free(direct_query *d)
{
    size_t i;

    sqlite3_finalize(d->floor);
    sqlite3_finalize(d->page);
    sqlite3_finalize(d->count);
    for (i = 0; i < d->nfacets; i++)
        sqlite3_finalize(d->facets[i]);
    free(d->expr);
}

/* The floor: step through the matches of the text (every item without
 * one), reading each rowid, and nothing else. */
static void floor_run(direct_query *d)
{
    if (d->expr)
        sqlite3_bind_text(d->floor, 1, d->expr, -1, SQLITE_STATIC);
    while (sqlite3_step(d->floor) == SQLITE_ROW)
        (void)sqlite3_column_int64(d->floor, 0);
    sqlite3_reset(d->floor);
}

/* Run every statement; with check, collect what they answered into a
 * document shaped like the API's (total, results[].node/item, facets). */
static int direct_run(direct_query *d, json_t *check)
{
    sqlite3_stmt *all[CN_FACET_COUNT + 3];
    size_t n = 0, i;
    int64_t total = 0;
    json_t *results = check ? json_array() : NULL, *facets = check ? json_object() : NULL;

    all[n++] = d->page;
    all[n++] = d->count;
    for (i = 0; i < d->nfacets; i++)
        all[n++] = d->facets[i];
    for (i = 0; i < n; i++) {
        sqlite3_stmt *st = all[i];
        int cols = sqlite3_column_count(st), c;
        if (d->expr)
            sqlite3_bind_text(st, 1, d->expr, -1, SQLITE_STATIC);
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (c = 0; c < cols; c++)
                (void)sqlite3_column_text(st, c); /* read what an answer needs */
            if (st == d->count)
                total = sqlite3_column_int64(st, 0);
            if (!check)
                continue;
            if (st == d->page)
                json_array_append_new(results,
                                      json_pack("{s:s, s:s}", "node", sqlite3_column_text(st, 0),
                                                "item", sqlite3_column_text(st, 3)));
            else if (st != d->count) {
                char key[512];
                snprintf(key, sizeof(key), "%s\n%s", sqlite3_column_text(st, 0),
                         sqlite3_column_text(st, 1));
                json_object_set_new(facets, key, json_integer(sqlite3_column_int64(st, 2)));
            }
        }
        sqlite3_reset(st);
    }
    if (check) {
        json_object_set_new(check, "total", json_integer(total));
        json_object_set_new(check, "results", results);
        json_object_set_new(check, "facets", facets);
    }
    return 0;
}

/* Do the API's answer and the direct one agree? */
static int same_answer(const json_t *api, const json_t *direct, const char *qs)
{
    json_t *a = json_object_get(api, "results"), *b = json_object_get(direct, "results"), *list;
    const char *facet;
    size_t i;

    if (json_integer_value(json_object_get(api, "total")) !=
        json_integer_value(json_object_get(direct, "total"))) {
        fprintf(stderr, "%s: totals differ: api %lld, direct %lld\n", qs,
                (long long)json_integer_value(json_object_get(api, "total")),
                (long long)json_integer_value(json_object_get(direct, "total")));
        return 0;
    }
    if (json_array_size(a) != json_array_size(b))
        goto page;
    for (i = 0; i < json_array_size(a); i++) {
        json_t *x = json_array_get(a, i), *y = json_array_get(b, i);
        if (!json_equal(json_object_get(x, "node"), json_object_get(y, "node")) ||
            !json_equal(json_object_get(x, "item"), json_object_get(y, "item")))
            goto page;
    }
    json_object_foreach(json_object_get(api, "facets"), facet, list)
    {
        json_t *bucket;
        json_array_foreach(list, i, bucket)
        {
            char key[512];
            json_int_t count = json_integer_value(json_object_get(bucket, "count"));
            json_t *other;
            snprintf(key, sizeof(key), "%s\n%s", facet,
                     json_string_value(json_object_get(bucket, "value")));
            other = json_object_get(json_object_get(direct, "facets"), key);
            if ((other ? json_integer_value(other) : 0) != count) {
                fprintf(stderr, "%s: facet %s=%s: api %lld, direct %lld\n", qs, facet,
                        json_string_value(json_object_get(bucket, "value")), (long long)count,
                        (long long)(other ? json_integer_value(other) : 0));
                return 0;
            }
        }
    }
    return 1;
page:
    fprintf(stderr, "%s: the pages differ\n", qs);
    return 0;
}

/* ---- the HTTP client ---- */

#define HTTP_BODY_MAX (16 * 1024 * 1024)

typedef struct {
    CURL *curl;
    char *body;
    size_t len, cap;
    char url[4096];
    size_t base_len;
    long connects; /* connections opened */
} http_client;

static size_t http_write(char *data, size_t size, size_t n, void *cls)
{
    http_client *h = cls;
    size_t len = size * n;

    if (h->len + len + 1 > h->cap) {
        size_t cap = h->cap ? h->cap : 65536;
        char *next;
        while (cap < h->len + len + 1)
            cap *= 2;
        if (cap > HTTP_BODY_MAX || (next = realloc(h->body, cap)) == NULL)
            return 0; /* curl fails the transfer */
        h->body = next;
        h->cap = cap;
    }
    memcpy(h->body + h->len, data, len);
    h->len += len;
    h->body[h->len] = '\0';
    return len;
}

static int http_open(http_client *h, const char *base)
{
    memset(h, 0, sizeof(*h));
    h->base_len = (size_t)snprintf(h->url, sizeof(h->url), "%s/api/v1/search", base);
    if (h->base_len >= sizeof(h->url) - 1 || (h->curl = curl_easy_init()) == NULL)
        return -1;
    curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, http_write);
    curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h->curl, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(h->curl, CURLOPT_MAXCONNECTS, 1L);
    return 0;
}

static void http_close(http_client *h)
{
    curl_easy_cleanup(h->curl);
    free(h->body);
}

/* One GET /api/v1/search?qs on the client's connection; its body in
 * h->body. 0, or -1 with the reason on stderr. */
static int http_get(http_client *h, const char *qs)
{
    long status = 0, connects = 0;
    CURLcode rc;

    snprintf(h->url + h->base_len, sizeof(h->url) - h->base_len, "%s%s", *qs ? "?" : "", qs);
    curl_easy_setopt(h->curl, CURLOPT_URL, h->url);
    h->len = 0;
    if ((rc = curl_easy_perform(h->curl)) != CURLE_OK) {
        fprintf(stderr, "cn_search_bench: GET %s: %s\n", h->url, curl_easy_strerror(rc));
        return -1;
    }
    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(h->curl, CURLINFO_NUM_CONNECTS, &connects);
    h->connects += connects;
    if (status != 200) {
        fprintf(stderr, "cn_search_bench: GET %s: status %ld: %.200s\n", h->url, status,
                h->body ? h->body : "");
        return -1;
    }
    return 0;
}

/* The answer of the last http_get as a document, or NULL. */
static json_t *http_doc(const http_client *h)
{
    json_error_t jerr;
    json_t *doc = json_loadb(h->body, h->len, 0, &jerr);

    if (doc == NULL)
        fprintf(stderr, "cn_search_bench: GET %s: not JSON: %s\n", h->url, jerr.text);
    return doc;
}

/* ---- query ---- */

static int api_run(cn_registry *reg, const char *qs, json_t **keep)
{
    cn_registry_query q = CN_REGISTRY_QUERY_INIT;
    json_t *doc = NULL;
    char *text;
    int err;

    if ((err = cn_registry_query_parse(&q, qs)) == 0 &&
        (err = cn_registry_search(&doc, reg, &q)) == 0) {
        /* What /api/v1/search sends is the document's text. */
        text = json_dumps(doc, JSON_COMPACT);
        free(text);
    }
    cn_registry_query_clear(&q);
    if (keep)
        *keep = doc;
    else
        json_decref(doc);
    return err;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted samples. */
static double percentile(const double *v, size_t n, double p)
{
    size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);

    if (rank < 1)
        rank = 1;
    return v[(rank > n ? n : rank) - 1];
}

/* Sort samples and print their RESULT line. */
static void print_result(const char *name, double *v, size_t n)
{
    qsort(v, n, sizeof(double), cmp_double);
    printf("RESULT %s %.2f %.2f %.2f %zu\n", name, percentile(v, n, 50), percentile(v, n, 99),
           v[n - 1], n);
}

/* Which queries the slowest 1% of a path's samples (at or above its p99)
 * came from: "TAIL <path> <samples> <query>" per query. v[q * runs + r] is
 * run r of query q; v is left as it was. */
static void print_tail(const char *name, const double *v, int nq, int runs, char **qs)
{
    size_t n = (size_t)nq * (size_t)runs;
    double *sorted = malloc(n * sizeof(double)), p99;
    int i, r, count;

    if (sorted == NULL)
        return;
    memcpy(sorted, v, n * sizeof(double));
    qsort(sorted, n, sizeof(double), cmp_double);
    p99 = percentile(sorted, n, 99);
    for (i = 0; i < nq; i++) {
        for (count = 0, r = 0; r < runs; r++)
            count += v[(size_t)i * (size_t)runs + (size_t)r] >= p99;
        if (count > 0)
            printf("TAIL %s %d %s\n", name, count, *qs[i] ? qs[i] : "(everything)");
    }
    free(sorted);
}

enum { PATH_API, PATH_DIRECT, PATH_FLOOR, PATH_HTTP, PATHS };
static const char *const path_names[PATHS] = {"api", "direct", "floor", "http"};

typedef struct {
    const char *http; /* base URL of the serve, or NULL */
    int runs;         /* timed runs per query and path */
    int direct_runs;  /* ... of the direct SQL */
    int clients;      /* concurrent HTTP clients after the sequential runs */
} query_options;

/* One of the concurrent clients: a warm pass, then runs x every query. */
typedef struct {
    http_client h;
    const char *base;
    char **qs;
    int nq, runs, err;
    double *samples; /* nq * runs */
    pthread_barrier_t *start;
} client_job;

static void *client_main(void *cls)
{
    client_job *j = cls;
    int i, r;

    for (i = 0; i < j->nq && j->err == 0; i++)
        j->err = http_get(&j->h, j->qs[i]);
    pthread_barrier_wait(j->start);
    for (r = 0; r < j->runs && j->err == 0; r++)
        for (i = 0; i < j->nq && j->err == 0; i++) {
            double t = now_ms();
            j->err = http_get(&j->h, j->qs[i]);
            j->samples[r * j->nq + i] = now_ms() - t;
        }
    return NULL;
}

/* N clients at once, each its own connection and thread; their samples
 * into one RESULT line, their request rate into HTTP_RATE. */
static int run_clients(const query_options *o, int nq, char **qs, long *connects)
{
    client_job *jobs = calloc((size_t)o->clients, sizeof(*jobs));
    pthread_t *threads = calloc((size_t)o->clients, sizeof(*threads));
    size_t per = (size_t)nq * (size_t)o->runs, n = per * (size_t)o->clients;
    double *all = calloc(n, sizeof(double)), t0 = 0, wall;
    pthread_barrier_t start;
    char name[32];
    int c, started = 0, err = 0;

    if (!jobs || !threads || !all || pthread_barrier_init(&start, NULL, (unsigned)o->clients + 1))
        return -1;
    for (c = 0; c < o->clients; c++) {
        client_job *j = &jobs[c];
        j->base = o->http;
        j->qs = qs;
        j->nq = nq;
        j->runs = o->runs;
        j->start = &start;
        j->samples = all + (size_t)c * per;
        if (http_open(&j->h, o->http) != 0 || pthread_create(&threads[c], NULL, client_main, j))
            break;
        started++;
    }
    if (started == o->clients) {
        pthread_barrier_wait(&start);
        t0 = now_ms();
    } else
        err = -1; /* a thread missing at the barrier: cannot happen short of ENOMEM */
    for (c = 0; c < started; c++) {
        pthread_join(threads[c], NULL);
        err = err ? err : jobs[c].err;
    }
    wall = now_ms() - t0;
    for (c = 0; c < o->clients; c++) {
        *connects += jobs[c].h.connects;
        http_close(&jobs[c].h);
    }
    if (err == 0) {
        snprintf(name, sizeof(name), "http%d", o->clients);
        print_result(name, all, n);
        printf("HTTP_RATE %.0f\n", (double)n / (wall / 1000.0));
    }
    pthread_barrier_destroy(&start);
    free(all);
    free(jobs);
    free(threads);
    return err;
}

static int cmd_query(const query_options *o, const char *db, int nq, char **qs)
{
    cn_registry *reg = NULL;
    sqlite3 *raw = NULL;
    direct_query *d = calloc((size_t)nq, sizeof(*d));
    int runs[PATHS] = {o->runs, o->direct_runs, o->runs, o->http ? o->runs : 0};
    double *all[PATHS],
        *per = calloc((size_t)o->runs > (size_t)o->direct_runs ? (size_t)o->runs
                                                               : (size_t)o->direct_runs,
                      sizeof(double));
    double p50[PATHS] = {0}, mx[PATHS] = {0};
    http_client http = {0};
    long connects = 0;
    struct rusage ru;
    double t0;
    int i, r, k, bad = 0;

    for (k = 0; k < PATHS; k++)
        if ((all[k] = calloc((size_t)nq * (size_t)(runs[k] ? runs[k] : 1), sizeof(double))) == NULL)
            return 1;
    if (!d || !per)
        return 1;
    if (cn_registry_open(&reg, db) != 0)
        return die(db);
    if (sqlite3_open_v2(db, &raw, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return 1;
    if (o->http && http_open(&http, o->http) != 0)
        return 1;
    t0 = now_ms();
    if (api_run(reg, "", NULL) != 0)
        return die("search");
    printf("FIRST_SEARCH_MS %.1f\n", now_ms() - t0);
    if (o->http) {
        t0 = now_ms();
        if (http_get(&http, "") != 0)
            return 1;
        printf("FIRST_HTTP_MS %.1f\n", now_ms() - t0);
    }
    for (i = 0; i < nq; i++) {
        cn_registry_query q = CN_REGISTRY_QUERY_INIT;
        json_t *a = NULL, *b = json_object(), *h = NULL;
        if (cn_registry_query_parse(&q, qs[i]) != 0)
            return die(qs[i]);
        if (direct_prepare(&d[i], raw, reg, &q) != 0)
            return 1;
        cn_registry_query_clear(&q);
        /* The untimed pass: warm every path, and check the answers agree. */
        if (api_run(reg, qs[i], &a) != 0)
            return die(qs[i]);
        direct_run(&d[i], b);
        floor_run(&d[i]);
        if (!same_answer(a, b, qs[i]))
            bad++;
        if (o->http) {
            if (http_get(&http, qs[i]) != 0 || (h = http_doc(&http)) == NULL)
                return 1;
            if (!same_answer(h, b, qs[i])) {
                fprintf(stderr, "%s: (the HTTP answer)\n", qs[i]);
                bad++;
            }
        }
        json_decref(a);
        json_decref(b);
        json_decref(h);
    }
    printf("%-40s %6s %7s %7s %7s %7s %7s %7s %6s\n", "query", "total", "api p50", "api max",
           "sql p50", "sql max", "htt p50", "htt max", "floor");
    for (i = 0; i < nq; i++) {
        json_t *a = NULL;
        /* Each path's runs back to back, as a server answering the same
         * kind of request would (the direct runs would otherwise evict
         * everything the search had in the CPU caches). */
        for (k = 0; k < PATHS; k++) {
            for (r = 0; r < runs[k]; r++) {
                double t = now_ms();
                if (k == PATH_API)
                    api_run(reg, qs[i], r == 0 ? &a : NULL);
                else if (k == PATH_DIRECT)
                    direct_run(&d[i], NULL);
                else if (k == PATH_FLOOR)
                    floor_run(&d[i]);
                else if (http_get(&http, qs[i]) != 0)
                    return 1;
                all[k][i * runs[k] + r] = per[r] = now_ms() - t;
            }
            if (runs[k] == 0)
                continue;
            qsort(per, (size_t)runs[k], sizeof(double), cmp_double);
            p50[k] = percentile(per, (size_t)runs[k], 50);
            mx[k] = per[runs[k] - 1];
        }
        printf("%-40.40s %6lld %7.2f %7.2f %7.2f %7.2f %7.2f %7.2f %6.2f\n",
               *qs[i] ? qs[i] : "(everything)",
               (long long)json_integer_value(json_object_get(a, "total")), p50[PATH_API],
               mx[PATH_API], p50[PATH_DIRECT], mx[PATH_DIRECT], p50[PATH_HTTP], mx[PATH_HTTP],
               p50[PATH_FLOOR]);
        json_decref(a);
    }
    for (k = 0; k < PATHS; k++) {
        if (runs[k] > 0 && k != PATH_DIRECT)
            print_tail(path_names[k], all[k], nq, runs[k], qs);
        if (runs[k] > 0)
            print_result(path_names[k], all[k], (size_t)nq * (size_t)runs[k]);
        free(all[k]);
    }
    if (o->http) {
        /* What a sync does to the next search: any commit to state.db
         * (here a table of the benchmark's own) makes every handle reload
         * its in-memory copy of the index on its next search. */
        sqlite3 *w = NULL;
        if (sqlite3_open(db, &w) != SQLITE_OK ||
            sqlite3_exec(w,
                         "CREATE TABLE IF NOT EXISTS bench_touch(at INTEGER);"
                         "INSERT INTO bench_touch VALUES (unixepoch())",
                         NULL, NULL, NULL) != SQLITE_OK) {
            fprintf(stderr, "cn_search_bench: write to %s: %s\n", db, sqlite3_errmsg(w));
            sqlite3_close(w);
            return 1;
        }
        sqlite3_close(w);
        t0 = now_ms();
        if (http_get(&http, qs[0]) != 0)
            return 1;
        printf("AFTER_WRITE_HTTP_MS %.1f %s\n", now_ms() - t0, *qs[0] ? qs[0] : "(everything)");
        t0 = now_ms();
        api_run(reg, qs[0], NULL);
        printf("AFTER_WRITE_API_MS %.1f\n", now_ms() - t0);
        connects = http.connects;
        http_close(&http);
        if (o->clients > 1 && run_clients(o, nq, qs, &connects) != 0)
            return 1;
        printf("CONNECTIONS %ld\n", connects);
    }
    getrusage(RUSAGE_SELF, &ru);
    printf("PEAK_RSS_KIB %ld\n", ru.ru_maxrss);
    for (i = 0; i < nq; i++)
        direct_free(&d[i]);
    free(d);
    free(per);
    sqlite3_close(raw);
    cn_registry_free(reg);
    if (bad) {
        fprintf(stderr, "cn_search_bench: %d answers differed\n", bad);
        return 1;
    }
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: cn_search_bench load DB ITEMS.jsonl\n"
                    "       cn_search_bench query [--direct-runs N] [--http URL [--clients N]]\n"
                    "                             DB RUNS QUERY...\n");
    return 2;
}

int main(int argc, char **argv)
{
    query_options o = {NULL, 0, 0, 1};
    int i = 2, err;

    if (argc == 4 && strcmp(argv[1], "load") == 0)
        return cmd_load(argv[2], argv[3]);
    if (argc < 2 || strcmp(argv[1], "query") != 0)
        return usage();
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        if (strcmp(argv[i], "--direct-runs") == 0 && atoi(argv[i + 1]) > 0)
            o.direct_runs = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--http") == 0)
            o.http = argv[i + 1];
        else if (strcmp(argv[i], "--clients") == 0 && atoi(argv[i + 1]) > 0)
            o.clients = atoi(argv[i + 1]);
        else
            return usage();
    }
    if (argc - i < 3 || (o.runs = atoi(argv[i + 1])) <= 0)
        return usage();
    if (o.direct_runs == 0)
        o.direct_runs = o.runs;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 1;
    err = cmd_query(&o, argv[i], argc - i - 2, argv + i + 2);
    curl_global_cleanup();
    return err;
}
