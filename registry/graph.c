/*
 * graph.c - GET /api/v1/graph/<node>/<item>: who replicated whom.
 *
 * A breadth-first walk from the item over two kinds of edges, in both
 * directions:
 *
 *   replicates  a signed attestation by node B: "we replicated A's item X
 *               at version V as our item Y" (Y may be null: a working copy
 *               not published as an item). Edge X -> Y (or X -> node B).
 *   isBasedOn   item Y's manifest names X's repository: a citynode git URL
 *               .../git/<node id>/<item>.git, or the `url` of X's
 *               publiccode.yml. Edge X -> Y; an URL the registry cannot
 *               resolve is an external graph node.
 *
 * Edges point the way knowledge flowed: from the original to the replica
 * (lighthouse -> follower). The walk stops after GRAPH_DEPTH_MAX steps or
 * GRAPH_NODES_MAX graph nodes; "truncated" is true when an edge led to a
 * graph node it left out.
 */
#include "core/error.h"
#include "core/name.h"
#include "registry/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GRAPH_DEPTH_MAX 4
#define GRAPH_NODES_MAX 200
#define KEY_MAX         2200

typedef struct {
    cn_registry *reg;
    sqlite3_stmt *item_st, *name_st, *att_down, *att_up, *based_down, *based_up, *url_items;
    json_t *nodes;     /* key -> graph node */
    json_t *list;      /* graph nodes in the order found */
    json_t *edges;     /* edges in the order found */
    json_t *edge_keys; /* dedupe */
    json_t *queue;     /* [node id, item] of the items still to expand */
    int frozen;        /* the last step: no new graph nodes, only edges among them */
    int truncated;
} graph;

static const char *const graph_sql[] = {
    "SELECT i.kind, i.title, i.withdrawn, n.name, i.url_key FROM reg_items i"
    " JOIN reg_nodes n ON n.id = i.node WHERE n.node_id = ?1 AND i.item = ?2",
    "SELECT name FROM reg_nodes WHERE node_id = ?1",
    "SELECT by_node, id, subject_version, date, withdrawn, verified_at, as_item"
    " FROM reg_attestations WHERE subject_node = ?1 AND subject_item = ?2 ORDER BY by_node, id",
    "SELECT subject_node, subject_item, id, subject_version, date, withdrawn, verified_at"
    " FROM reg_attestations WHERE by_node = ?1 AND as_item = ?2 ORDER BY id",
    "SELECT rn.node_id, ri.item, b.url FROM reg_based_on b JOIN reg_items ri ON ri.id = b.item"
    " JOIN reg_nodes rn ON rn.id = ri.node WHERE b.ref_node = ?1 AND b.ref_item = ?2"
    " UNION SELECT rn.node_id, ri.item, b.url FROM reg_based_on b"
    " JOIN reg_items ri ON ri.id = b.item JOIN reg_nodes rn ON rn.id = ri.node"
    " WHERE ?3 IS NOT NULL AND b.url_key = ?3 ORDER BY 1, 2",
    "SELECT b.url, b.url_key, b.ref_node, b.ref_item FROM reg_based_on b"
    " JOIN reg_items i ON i.id = b.item JOIN reg_nodes n ON n.id = i.node"
    " WHERE n.node_id = ?1 AND i.item = ?2 ORDER BY b.url",
    "SELECT n.node_id, i.item FROM reg_items i JOIN reg_nodes n ON n.id = i.node"
    " WHERE i.url_key = ?1 ORDER BY n.node_id, i.item",
};

static sqlite3_stmt **graph_stmt(graph *g, size_t i)
{
    sqlite3_stmt **all[] = {&g->item_st,    &g->name_st,  &g->att_down, &g->att_up,
                            &g->based_down, &g->based_up, &g->url_items};
    return all[i];
}

static const char *text(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

enum { ADDED = 1, EXISTS = 2, FULL = 3 };

/* Add a graph node (item when item is set, else the node itself) unless
 * known; *status says which. key gets its key. */
static int add_node(int *status, char key[KEY_MAX], graph *g, const char *node_id, const char *item)
{
    sqlite3_stmt *st;
    json_t *o;
    int rc;

    snprintf(key, KEY_MAX, "%s%s%s", node_id, item ? "/" : "", item ? item : "");
    if (json_object_get(g->nodes, key)) {
        *status = EXISTS;
        return 0;
    }
    if (g->frozen || json_array_size(g->list) >= GRAPH_NODES_MAX) {
        g->truncated = 1;
        *status = FULL;
        return 0;
    }
    o = json_pack("{s:s, s:s, s:s, s:s?}", "id", key, "type", item ? "item" : "node", "node",
                  node_id, "item", item);
    if (o == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    st = item ? g->item_st : g->name_st;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, node_id, -1, SQLITE_STATIC);
    if (item)
        sqlite3_bind_text(st, 2, item, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && item) {
        json_object_set_new(o, "known", json_true());
        json_object_set_new(o, "kind", cn_reg_column_json_string(st, 0));
        json_object_set_new(o, "title", cn_reg_column_json_string(st, 1));
        json_object_set_new(o, "withdrawn", json_boolean(sqlite3_column_int(st, 2)));
        json_object_set_new(o, "node_name", cn_reg_column_json_string(st, 3));
    } else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        json_object_set_new(o, "known", json_boolean(rc == SQLITE_ROW));
        if (!item && rc == SQLITE_ROW)
            json_object_set_new(o, "node_name", cn_reg_column_json_string(st, 0));
        else if (item) {
            /* An item the registry has not indexed: name its node if known. */
            sqlite3_reset(g->name_st);
            sqlite3_bind_text(g->name_st, 1, node_id, -1, SQLITE_STATIC);
            if (sqlite3_step(g->name_st) == SQLITE_ROW)
                json_object_set_new(o, "node_name", cn_reg_column_json_string(g->name_st, 0));
            sqlite3_reset(g->name_st);
        }
    } else {
        json_decref(o);
        sqlite3_reset(st);
        return cn_reg_sqlite_error(g->reg, "reading the graph");
    }
    sqlite3_reset(st);
    if (json_object_set(g->nodes, key, o) != 0 || json_array_append_new(g->list, o) != 0)
        return cn_error_set(CN_ENOMEM, "out of memory");
    *status = ADDED;
    if (item && json_array_append_new(g->queue, json_pack("[s, s]", node_id, item)) != 0)
        return cn_error_set(CN_ENOMEM, "out of memory");
    return 0;
}

static int add_external(int *status, char key[KEY_MAX], graph *g, const char *url)
{
    json_t *o;

    snprintf(key, KEY_MAX, "url:%s", url);
    if (json_object_get(g->nodes, key)) {
        *status = EXISTS;
        return 0;
    }
    if (g->frozen || json_array_size(g->list) >= GRAPH_NODES_MAX) {
        g->truncated = 1;
        *status = FULL;
        return 0;
    }
    if ((o = json_pack("{s:s, s:s, s:s, s:b}", "id", key, "type", "external", "url", url, "known",
                       0)) == NULL ||
        json_object_set(g->nodes, key, o) != 0 || json_array_append_new(g->list, o) != 0)
        return cn_error_set(CN_ENOMEM, "out of memory");
    *status = ADDED;
    return 0;
}

/* Add an edge from -> to of type with the members of extra (stolen). */
static int add_edge(graph *g, const char *from, const char *to, const char *type, const char *id,
                    json_t *extra)
{
    char key[3 * KEY_MAX + 64];
    json_t *e;

    snprintf(key, sizeof(key), "%s\n%s\n%s\n%s", from, to, type, id ? id : "");
    if (json_object_get(g->edge_keys, key)) {
        json_decref(extra);
        return 0;
    }
    e = json_pack("{s:s, s:s, s:s}", "from", from, "to", to, "type", type);
    if (e == NULL || (extra && json_object_update(e, extra) != 0) ||
        json_object_set_new(g->edge_keys, key, json_true()) != 0 ||
        json_array_append_new(g->edges, e) != 0) {
        json_decref(extra);
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    json_decref(extra);
    return 0;
}

/* The edge data of an attestation row whose columns from id_col on are id,
 * subject_version, date, withdrawn, verified_at. */
static json_t *attestation_extra(sqlite3_stmt *st, int id_col)
{
    return json_pack(
        "{s:o, s:o, s:o, s:b, s:o}", "attestation", cn_reg_column_json_string(st, id_col),
        "version", cn_reg_column_json_string(st, id_col + 1), "date",
        cn_reg_column_json_string(st, id_col + 2), "withdrawn", sqlite3_column_int(st, id_col + 3),
        "verified_at", cn_reg_time_json(sqlite3_column_int64(st, id_col + 4)));
}

/* Add the graph node of item node_id/item (item NULL: of the node) and an
 * edge of type between it and self_key: to self_key when upstream, else
 * from it. extra is stolen, as by add_edge. */
static int link_item(graph *g, const char *self_key, int upstream, const char *node_id,
                     const char *item, const char *type, const char *id, json_t *extra)
{
    char key[KEY_MAX];
    int status, err;

    if ((err = add_node(&status, key, g, node_id, item)) != 0 || status == FULL) {
        json_decref(extra);
        return err;
    }
    if (upstream)
        return add_edge(g, key, self_key, type, id, extra);
    return add_edge(g, self_key, key, type, id, extra);
}

/* Bind node_id and item to st (as ?1, ?2) for a new run. */
static sqlite3_stmt *bind_item(sqlite3_stmt *st, const char *node_id, const char *item)
{
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, node_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, item, -1, SQLITE_STATIC);
    return st;
}

/* Every edge at item node_id/item, adding the graph nodes at their other
 * ends. A column's text stays valid while its statement is not stepped, so
 * rows are read in place while add_node runs other statements. */
static int expand(graph *g, const char *node_id, const char *item, const char *self_key)
{
    char key[KEY_MAX];
    char *url_key = NULL;
    int err = 0, status = 0; /* add_external sets it when it succeeds */
    sqlite3_stmt *st;

    /* Its own url, for isBasedOn edges that name it by URL. */
    st = bind_item(g->item_st, node_id, item);
    if (sqlite3_step(st) == SQLITE_ROW && text(st, 4))
        url_key = strdup(text(st, 4));
    sqlite3_reset(st);

    /* Downstream: attestations naming it. */
    st = bind_item(g->att_down, node_id, item);
    while (err == 0 && sqlite3_step(st) == SQLITE_ROW) {
        json_t *extra = attestation_extra(st, 1);
        if (extra == NULL)
            err = cn_error_set(CN_ENOMEM, "out of memory");
        else
            err = link_item(g, self_key, 0, text(st, 0), text(st, 6), "replicates", text(st, 1),
                            extra);
    }
    sqlite3_reset(st);

    /* Downstream: items whose isBasedOn names it. */
    st = bind_item(g->based_down, node_id, item);
    if (url_key)
        sqlite3_bind_text(st, 3, url_key, -1, SQLITE_STATIC);
    while (err == 0 && sqlite3_step(st) == SQLITE_ROW)
        err = link_item(g, self_key, 0, text(st, 0), text(st, 1), "isBasedOn", text(st, 2),
                        json_pack("{s:o}", "url", cn_reg_column_json_string(st, 2)));
    sqlite3_reset(st);

    /* Upstream: its own node's attestations that it is a replica. */
    st = bind_item(g->att_up, node_id, item);
    while (err == 0 && sqlite3_step(st) == SQLITE_ROW) {
        json_t *extra = attestation_extra(st, 2);
        if (extra == NULL)
            err = cn_error_set(CN_ENOMEM, "out of memory");
        else
            err = link_item(g, self_key, 1, text(st, 0), text(st, 1), "replicates", text(st, 2),
                            extra);
    }
    sqlite3_reset(st);

    /* Upstream: its own isBasedOn URLs, to the items they name where the
     * registry knows them, else to the URL. */
    st = bind_item(g->based_up, node_id, item);
    while (err == 0 && sqlite3_step(st) == SQLITE_ROW) {
        const char *url = text(st, 0), *rn = text(st, 2), *ri = text(st, 3);
        int resolved = 0;
        if (rn && ri) {
            resolved = 1;
            err =
                link_item(g, self_key, 1, rn, ri, "isBasedOn", url, json_pack("{s:s}", "url", url));
        } else {
            sqlite3_stmt *u = g->url_items;
            sqlite3_reset(u);
            sqlite3_bind_text(u, 1, text(st, 1), -1, SQLITE_STATIC);
            while (err == 0 && sqlite3_step(u) == SQLITE_ROW) {
                resolved = 1;
                err = link_item(g, self_key, 1, text(u, 0), text(u, 1), "isBasedOn", url,
                                json_pack("{s:s}", "url", url));
            }
            sqlite3_reset(u);
        }
        if (err == 0 && !resolved && (err = add_external(&status, key, g, url)) == 0 &&
            status != FULL)
            err = add_edge(g, key, self_key, "isBasedOn", url, json_pack("{s:s}", "url", url));
    }
    sqlite3_reset(st);
    free(url_key);
    return err;
}

static int expand_queued(graph *g, size_t from, size_t to)
{
    char key[KEY_MAX];
    size_t i;
    int err = 0;

    for (i = from; i < to && err == 0; i++) {
        json_t *e = json_array_get(g->queue, i);
        char *n = strdup(json_string_value(json_array_get(e, 0)));
        char *it = strdup(json_string_value(json_array_get(e, 1)));
        if (n == NULL || it == NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
        } else {
            snprintf(key, sizeof(key), "%s/%s", n, it);
            err = expand(g, n, it, key);
        }
        free(n);
        free(it);
    }
    return err;
}

static int walk(graph *g, const char *node_id, const char *item)
{
    char key[KEY_MAX];
    size_t head = 0, end, depth;
    int err, status;

    if ((err = add_node(&status, key, g, node_id, item)) != 0)
        return err;
    /* The queue grows as expand adds items; each pass is one more step
     * away from the root. */
    for (depth = 0; depth < GRAPH_DEPTH_MAX && head < json_array_size(g->queue); depth++) {
        end = json_array_size(g->queue);
        if ((err = expand_queued(g, head, end)) != 0)
            return err;
        head = end;
    }
    /* The items found at the last step: their edges among the graph nodes
     * shown, and "truncated" if they lead further. */
    g->frozen = 1;
    return expand_queued(g, head, json_array_size(g->queue));
}

int cn_registry_graph(json_t **out, cn_registry *reg, const char *node, const char *item)
{
    graph g;
    char node_id[65], root[KEY_MAX];
    int64_t item_id;
    size_t i;
    int err = 0, began = 0;

    *out = NULL;
    memset(&g, 0, sizeof(g));
    g.reg = reg;
    g.nodes = json_object();
    g.list = json_array();
    g.edges = json_array();
    g.edge_keys = json_object();
    g.queue = json_array();
    if (!g.nodes || !g.list || !g.edges || !g.edge_keys || !g.queue) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = cn_reg_read_begin(reg, &began)) != 0)
        goto out;
    if ((err = cn_reg_resolve_node(node_id, NULL, reg, node)) != 0)
        goto out;
    if (item == NULL || cn_name_check_slug(item) != 0) {
        err = cn_error_set(CN_EINVAL, "item: expected an item id ([a-z0-9][a-z0-9-]{0,62})");
        goto out;
    }
    if ((err = cn_reg_item_id(&item_id, reg, node_id, item)) != 0)
        goto out;
    for (i = 0; i < sizeof(graph_sql) / sizeof(graph_sql[0]); i++) {
        if (sqlite3_prepare_v2(reg->db, graph_sql[i], -1, graph_stmt(&g, i), NULL) != SQLITE_OK) {
            err = cn_reg_sqlite_error(reg, "reading the graph");
            goto out;
        }
    }
    if ((err = walk(&g, node_id, item)) != 0)
        goto out;
    snprintf(root, sizeof(root), "%s/%s", node_id, item);
    if ((*out = json_pack("{s:s, s:O, s:O, s:b}", "root", root, "nodes", g.list, "edges", g.edges,
                          "truncated", g.truncated)) == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
out:
    for (i = 0; i < sizeof(graph_sql) / sizeof(graph_sql[0]); i++)
        sqlite3_finalize(*graph_stmt(&g, i));
    cn_reg_read_end(reg, began);
    json_decref(g.nodes);
    json_decref(g.list);
    json_decref(g.edges);
    json_decref(g.edge_keys);
    json_decref(g.queue);
    return err;
}
