/*
 * search.c - GET /api/v1/search.
 *
 * One read transaction: make the in-memory copy current, walk the FTS5
 * matches of the text (or every item when there is none), and for each
 * item that passes the filters count its facet values and offer it to a
 * bounded heap that keeps the best page * per_page in the requested order;
 * then read the page's items for display. The answer equals that of the
 * plain SQL in bench/search_bench.c (the benchmark's baseline), which
 * checks every query it times; the unit tests compare scores and order
 * with FTS5's bm25().
 */
#include "core/error.h"
#include "registry/internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    double score;
    int64_t updated;
    uint32_t replications;
    uint32_t id;
} hit;

/* 1 if a ranks before b. */
static int hit_before(const hit *a, const hit *b, cn_registry_sort sort)
{
    if (sort == CN_REGISTRY_SORT_RELEVANCE && a->score != b->score)
        return a->score > b->score;
    if (sort == CN_REGISTRY_SORT_REPLICATIONS && a->replications != b->replications)
        return a->replications > b->replications;
    if (a->updated != b->updated)
        return a->updated > b->updated;
    return a->id < b->id;
}

/* A heap of at most cap hits whose root is the one ranking last. */
typedef struct {
    hit *v;
    size_t n, cap;
    cn_registry_sort sort;
} hit_heap;

static void heap_sift_down(hit_heap *h, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, worst = i;
        hit t;
        if (l < h->n && hit_before(&h->v[worst], &h->v[l], h->sort))
            worst = l;
        if (r < h->n && hit_before(&h->v[worst], &h->v[r], h->sort))
            worst = r;
        if (worst == i)
            return;
        t = h->v[i];
        h->v[i] = h->v[worst];
        h->v[worst] = t;
        i = worst;
    }
}

static void heap_offer(hit_heap *h, const hit *x)
{
    size_t i;

    if (h->n < h->cap) {
        i = h->n++;
        h->v[i] = *x;
        while (i > 0) {
            size_t parent = (i - 1) / 2;
            hit t;
            if (!hit_before(&h->v[parent], &h->v[i], h->sort))
                break;
            t = h->v[i];
            h->v[i] = h->v[parent];
            h->v[parent] = t;
            i = parent;
        }
    } else if (h->cap > 0 && hit_before(x, &h->v[0], h->sort)) {
        h->v[0] = *x;
        heap_sift_down(h, 0);
    }
}

/* Pop everything: h->v ends up in rank order. */
static void heap_sort(hit_heap *h)
{
    size_t n = h->n;

    while (h->n > 1) {
        hit t = h->v[0];
        h->v[0] = h->v[--h->n];
        h->v[h->n] = t;
        heap_sift_down(h, 0);
    }
    h->n = n;
}

/* filtermask keeps one bit per facet. */
_Static_assert(CN_FACET_COUNT <= 32, "a search's filtermask has 32 bits");

typedef struct cn_reg_search {
    const cn_snapshot *snap;
    uint8_t *selected;   /* per value: chosen by a filter */
    uint32_t *counts;    /* per value: facet count */
    uint32_t filtermask; /* facets with a filter */
    uint32_t node;       /* reg_nodes.id to keep, 0: any */
    cn_registry_withdrawn withdrawn;
    hit_heap heap;
    size_t total;
    int ranked; /* score by relevance */
    int done;   /* cn_match() has seen every match */
    const cn_reg_fts_query *query;
} search_state;

const cn_reg_fts_query *cn_reg_search_query(const cn_reg_search *s)
{
    return s->query;
}

int cn_reg_search_ranked(const cn_reg_search *s)
{
    return s->ranked;
}

int cn_reg_search_done(const cn_reg_search *s)
{
    return s->done;
}

void cn_reg_search_set_done(cn_reg_search *s)
{
    s->done = 1;
}

void cn_reg_consider(search_state *s, int64_t id, double score)
{
    const cn_snapshot *snap = s->snap;
    const cn_snap_item *it;
    const uint32_t *ids;
    uint32_t pass = 0, failing;
    size_t j;
    hit h;

    if (id < 0 || (size_t)id >= snap->nitems || !(it = &snap->items[id])->present)
        return;
    if ((s->withdrawn == CN_REGISTRY_WITHDRAWN_EXCLUDE && it->withdrawn) ||
        (s->withdrawn == CN_REGISTRY_WITHDRAWN_ONLY && !it->withdrawn) ||
        (s->node && it->node != s->node))
        return;
    ids = snap->facet_ids + it->facet_off;
    if (s->filtermask) {
        for (j = 0; j < it->nfacets; j++)
            if (s->selected[ids[j]])
                pass |= 1u << snap->values[ids[j]].facet;
    }
    failing = s->filtermask & ~pass;
    if (failing == 0) {
        for (j = 0; j < it->nfacets; j++)
            s->counts[ids[j]]++;
        s->total++;
        h.score = score;
        h.updated = it->updated;
        h.replications = it->replications;
        h.id = (uint32_t)id;
        heap_offer(&s->heap, &h);
    } else if ((failing & (failing - 1)) == 0) {
        /* Fails only its own facet's filter: counts for that facet, so a
         * page can offer the other values of the facet. */
        for (j = 0; j < it->nfacets; j++)
            if ((1u << snap->values[ids[j]].facet) == failing)
                s->counts[ids[j]]++;
    }
}

/* Walk the matches of expr through cn_match(), which scores them and calls
 * cn_reg_consider; it may see them all on its first call (one phrase). */
static int scan_matches(search_state *s, cn_registry *reg, const char *expr)
{
    sqlite3_stmt *st = cn_reg_stmt(reg, ST_SEARCH);
    int rc;

    if (st == NULL)
        return CN_ERROR;
    sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 2, CN_REGISTRY_WEIGHT_TITLE);
    sqlite3_bind_double(st, 3, CN_REGISTRY_WEIGHT_DESCRIPTION);
    sqlite3_bind_double(st, 4, CN_REGISTRY_WEIGHT_KEYWORDS);
    reg->search = s;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && !s->done)
        ;
    reg->search = NULL;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        rc = cn_reg_sqlite_error(reg, "searching");
        sqlite3_reset(st);
        return rc;
    }
    sqlite3_reset(st);
    return 0;
}

/* The filters as selected values; values no item has yet go to unknown
 * ({facet: [value, ...]}) so the answer can still show them. */
static int select_filters(search_state *s, json_t *unknown, const cn_registry_query *q)
{
    const cn_snapshot *snap = s->snap;
    size_t f, i, v;

    for (f = 0; f < CN_FACET_COUNT; f++) {
        for (i = 0; i < q->nfilters[f]; i++) {
            int found = 0;
            s->filtermask |= 1u << f;
            for (v = 0; v < snap->nvalues; v++) {
                if (snap->values[v].facet == f &&
                    strcasecmp(snap->values[v].value, q->filters[f][i]) == 0) {
                    s->selected[v] = 1;
                    found = 1;
                }
            }
            if (!found) {
                const char *name = cn_registry_facet_name((cn_registry_facet)f);
                json_t *list = json_object_get(unknown, name);
                if (list == NULL && json_object_set_new(unknown, name, list = json_array()))
                    return cn_error_set(CN_ENOMEM, "out of memory");
                if (json_array_append_new(list, json_string(q->filters[f][i])) != 0)
                    return cn_error_set(CN_ENOMEM, "out of memory");
            }
        }
    }
    return 0;
}

typedef struct {
    uint32_t count;
    uint32_t value; /* dense value index */
    const char *text;
} bucket_ref;

static int bucket_cmp(const void *a, const void *b)
{
    const bucket_ref *x = a, *y = b;

    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->text, y->text);
}

static json_t *bucket(const char *facet, const char *value, uint32_t count, int selected)
{
    json_t *b = json_pack("{s:s, s:I, s:b}", "value", value, "count", (json_int_t)count, "selected",
                          selected);

    if (b && strcmp(facet, "theme") == 0) {
        json_t *label = cn_reg_theme_label(value);
        if (label)
            json_object_set_new(b, "label", label);
    }
    return b;
}

static json_t *facets_json(const search_state *s, const json_t *unknown)
{
    const cn_snapshot *snap = s->snap;
    json_t *out = json_object();
    bucket_ref *order = malloc((snap->nvalues + 1) * sizeof(*order));
    size_t f, v, n, i;

    if (out == NULL || order == NULL)
        goto fail;
    for (f = 0; f < CN_FACET_COUNT; f++) {
        const char *name = cn_registry_facet_name((cn_registry_facet)f);
        json_t *list = json_array(), *u;
        if (list == NULL || json_object_set_new(out, name, list) != 0)
            goto fail;
        for (n = 0, v = 0; v < snap->nvalues; v++) {
            if (snap->values[v].facet == f && (s->counts[v] > 0 || s->selected[v])) {
                order[n].count = s->counts[v];
                order[n].value = (uint32_t)v;
                order[n++].text = snap->values[v].value;
            }
        }
        qsort(order, n, sizeof(*order), bucket_cmp);
        for (i = 0; i < n; i++) {
            if (i >= CN_REGISTRY_FACET_BUCKETS_MAX && !s->selected[order[i].value])
                continue;
            if (json_array_append_new(list, bucket(name, order[i].text, order[i].count,
                                                   s->selected[order[i].value])) != 0)
                goto fail;
        }
        json_array_foreach(json_object_get(unknown, name), i, u)
        {
            if (json_array_append_new(list, bucket(name, json_string_value(u), 0, 1)) != 0)
                goto fail;
        }
    }
    free(order);
    return out;
fail:
    free(order);
    json_decref(out);
    return NULL;
}

static json_t *result_json(cn_registry *reg, const hit *h, int with_score)
{
    sqlite3_stmt *st = cn_reg_stmt(reg, ST_ITEM_DISPLAY);
    json_t *r = NULL;

    if (st == NULL)
        return NULL;
    sqlite3_bind_int64(st, 1, h->id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        r = json_object();
        if (cn_reg_set(r, "node", cn_reg_column_json_string(st, 0)) != 0 ||
            cn_reg_set(r, "node_name", cn_reg_column_json_string(st, 1)) != 0 ||
            cn_reg_set(r, "country", cn_reg_column_json_string(st, 2)) != 0 ||
            cn_reg_set(r, "item", cn_reg_column_json_string(st, 3)) != 0 ||
            cn_reg_set(r, "kind", cn_reg_column_json_string(st, 4)) != 0 ||
            cn_reg_set(r, "version", cn_reg_column_json_string(st, 5)) != 0 ||
            cn_reg_set(r, "title", cn_reg_column_json_string(st, 6)) != 0 ||
            cn_reg_set(r, "description", cn_reg_column_json_string(st, 7)) != 0 ||
            cn_reg_set(r, "withdrawn", json_boolean(sqlite3_column_int(st, 8))) != 0 ||
            cn_reg_set(r, "updated", cn_reg_time_json(sqlite3_column_int64(st, 9))) != 0 ||
            cn_reg_set(r, "replications", json_integer(sqlite3_column_int64(st, 10))) != 0 ||
            cn_reg_set(r, "verified_at", cn_reg_time_json(sqlite3_column_int64(st, 11))) != 0 ||
            (with_score && cn_reg_set(r, "score", json_real(h->score)) != 0)) {
            json_decref(r);
            r = NULL;
        }
    } else {
        cn_reg_sqlite_error(reg, "reading a result");
    }
    sqlite3_reset(st);
    return r;
}

static json_t *query_echo(const cn_registry_query *q, json_t *terms, int prefix,
                          cn_registry_sort sort)
{
    static const char *const withdrawn[] = {"include", "exclude", "only"};
    json_t *filters = json_object(), *o;
    size_t f, i;

    for (f = 0; filters && f < CN_FACET_COUNT; f++) {
        json_t *list;
        if (q->nfilters[f] == 0)
            continue;
        list = json_array();
        for (i = 0; list && i < q->nfilters[f]; i++)
            json_array_append_new(list, json_string(q->filters[f][i]));
        json_object_set_new(filters, cn_registry_facet_name((cn_registry_facet)f), list);
    }
    o = json_pack("{s:s?, s:O?, s:b, s:o?, s:s?, s:s, s:s}", "q", q->q, "terms", terms, "prefix",
                  prefix, "filters", filters, "node", q->node, "sort", cn_reg_sort_name(sort),
                  "withdrawn", withdrawn[q->withdrawn <= 2 ? q->withdrawn : 0]);
    return o;
}

int cn_registry_search(json_t **out, cn_registry *reg, const cn_registry_query *q)
{
    static const cn_registry_query empty = CN_REGISTRY_QUERY_INIT;
    search_state s;
    json_t *unknown = NULL, *results = NULL, *doc = NULL, *facets = NULL;
    cn_reg_fts_query fq;
    char node_id[65];
    unsigned page, per_page;
    cn_registry_sort sort;
    int err, began = 0;
    size_t i, offset;
    int64_t node_rowid = 0;

    *out = NULL;
    memset(&s, 0, sizeof(s));
    if (q == NULL)
        q = &empty;
    if ((err = cn_reg_query_check_allowed(
             q,
             (1u << CN_REGISTRY_PARAM_Q) | (1u << CN_REGISTRY_PARAM_FILTER) |
                 (1u << CN_REGISTRY_PARAM_NODE) | (1u << CN_REGISTRY_PARAM_SORT) |
                 (1u << CN_REGISTRY_PARAM_WITHDRAWN) | (1u << CN_REGISTRY_PARAM_PAGE) |
                 (1u << CN_REGISTRY_PARAM_PER_PAGE),
             "/api/v1/search")) != 0)
        return err;
    page = q->page ? q->page : 1;
    per_page = q->per_page ? q->per_page : CN_REGISTRY_PER_PAGE_DEFAULT;
    if ((size_t)page * per_page > CN_REGISTRY_WINDOW_MAX)
        return cn_error_set(CN_EINVAL,
                            "page: only the first %d results can be paged through (page %u of "
                            "%u per page); narrow the search",
                            CN_REGISTRY_WINDOW_MAX, page, per_page);
    offset = (size_t)(page - 1) * per_page;
    if ((err = cn_reg_fts_query_build(&fq, reg, q->q)) != 0)
        return err;
    sort = q->sort;
    if (sort == CN_REGISTRY_SORT_DEFAULT || (sort == CN_REGISTRY_SORT_RELEVANCE && !fq.expr))
        sort = fq.expr ? CN_REGISTRY_SORT_RELEVANCE : CN_REGISTRY_SORT_RECENT;

    if ((err = cn_reg_read_begin(reg, &began)) != 0)
        goto out;
    if ((err = cn_reg_snapshot_refresh(reg)) != 0)
        goto out;
    if (q->node && (err = cn_reg_resolve_node(node_id, &node_rowid, reg, q->node)) != 0)
        goto out;
    s.snap = reg->snap;
    s.node = (uint32_t)node_rowid;
    s.withdrawn = q->withdrawn;
    s.heap.sort = sort;
    s.ranked = sort == CN_REGISTRY_SORT_RELEVANCE;
    s.query = &fq;
    s.heap.cap = offset + per_page;
    s.selected = calloc(s.snap->nvalues + 1, 1);
    s.counts = calloc(s.snap->nvalues + 1, sizeof(*s.counts));
    s.heap.v = malloc(s.heap.cap * sizeof(*s.heap.v));
    if (s.selected == NULL || s.counts == NULL || s.heap.v == NULL ||
        (unknown = json_object()) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = select_filters(&s, unknown, q)) != 0)
        goto out;
    if (fq.expr) {
        if ((err = scan_matches(&s, reg, fq.expr)) != 0)
            goto out;
    } else {
        for (i = 0; i < s.snap->nitems; i++)
            cn_reg_consider(&s, (int64_t)i, 0.0);
    }
    heap_sort(&s.heap);
    if ((results = json_array()) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    for (i = offset; i < s.heap.n; i++) {
        json_t *r = result_json(reg, &s.heap.v[i], sort == CN_REGISTRY_SORT_RELEVANCE);
        if (r == NULL || json_array_append_new(results, r) != 0) {
            err = cn_error_last() ? cn_error_last() : cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
    }
    if ((facets = facets_json(&s, unknown)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    doc = json_pack("{s:o, s:I, s:I, s:I, s:I, s:O, s:O}", "query",
                    query_echo(q, fq.terms, fq.prefix, sort), "total", (json_int_t)s.total, "page",
                    (json_int_t)page, "per_page", (json_int_t)per_page, "pages",
                    (json_int_t)((s.total + per_page - 1) / per_page), "results", results, "facets",
                    facets);
    if (doc == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
out:
    cn_reg_read_end(reg, began);
    cn_reg_fts_query_clear(&fq);
    free(s.selected);
    free(s.counts);
    free(s.heap.v);
    json_decref(unknown);
    json_decref(results);
    json_decref(facets);
    if (err == 0)
        *out = doc;
    return err;
}
