/*
 * api.c - the routes of /api/v1/ (docs/api.yaml), so that an HTTP server
 * only hands over the path and the parameters and sends back the document.
 */
#include "core/error.h"
#include "registry/internal.h"

#include <stdio.h>
#include <string.h>

#define PATH_MAX_BYTES 512
#define SEGMENTS_MAX   4

int cn_registry_http_status(int err)
{
    switch (err) {
    case 0:
        return 200;
    case CN_EINVAL:
    case CN_EUSAGE:
    case CN_ELIMIT:
        return 400;
    case CN_ENOTFOUND:
        return 404;
    default:
        return 500;
    }
}

json_t *cn_registry_error_json(int status, const char *message)
{
    return json_pack("{s:{s:i, s:s}}", "error", "status", status, "message",
                     message ? message : "");
}

/* Split path (after the prefix) on '/' into at most SEGMENTS_MAX pieces
 * copied into buf; 0 segments or an empty one is an error. */
static int split(char *seg[SEGMENTS_MAX], size_t *n, char *buf, const char *rest)
{
    char *p;

    strcpy(buf, rest);
    *n = 0;
    for (p = buf;;) {
        char *slash = strchr(p, '/');
        if (*n == SEGMENTS_MAX)
            return CN_ENOTFOUND;
        seg[(*n)++] = p;
        if (slash == NULL)
            break;
        *slash = '\0';
        p = slash + 1;
    }
    for (size_t i = 0; i < *n; i++)
        if (*seg[i] == '\0')
            return CN_ENOTFOUND;
    return 0;
}

/* GET /api/v1/: the API's version and the node that keeps the registry
 * (the one indexed as "self"). */
static int api_root(json_t **out, cn_registry *reg, const cn_registry_query *q)
{
    sqlite3_stmt *st = NULL;
    char self[65];
    json_t *node = NULL;
    int rc, err;

    if ((err = cn_reg_query_check_allowed(q, 0, "/api/v1/")) != 0)
        return err;
    if (sqlite3_prepare_v2(reg->db, "SELECT node_id FROM reg_nodes WHERE source = 'self'", -1, &st,
                           NULL) != SQLITE_OK)
        return cn_reg_sqlite_error(reg, "reading the registry");
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        snprintf(self, sizeof(self), "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return cn_error_set(CN_ENOTFOUND, "this registry has no node of its own yet");
    if (rc != SQLITE_ROW)
        return cn_reg_sqlite_error(reg, "reading the registry");
    if ((err = cn_registry_node(&node, reg, self)) != 0)
        return err;
    if ((*out = json_pack("{s:s, s:s, s:o}", "api", "v1", "openapi", "docs/api.yaml", "node",
                          node)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    return 0;
}

static int route(json_t **out, cn_registry *reg, const char *path, const cn_registry_query *q)
{
    static const char prefix[] = "/api/v1/";
    char buf[PATH_MAX_BYTES + 1], *seg[SEGMENTS_MAX];
    size_t n;
    int err;

    if (strcmp(path, prefix) == 0 || strcmp(path, "/api/v1") == 0)
        return api_root(out, reg, q);
    if (strncmp(path, prefix, sizeof(prefix) - 1) != 0 || strlen(path) > PATH_MAX_BYTES ||
        split(seg, &n, buf, path + sizeof(prefix) - 1) != 0)
        goto unknown;
    if (n == 1 && strcmp(seg[0], "search") == 0)
        return cn_registry_search(out, reg, q);
    if (n == 1 && strcmp(seg[0], "nodes") == 0)
        return cn_registry_nodes(out, reg, q);
    if (n == 2 && strcmp(seg[0], "nodes") == 0) {
        if ((err = cn_reg_query_check_allowed(q, 0, "/api/v1/nodes/<node>")) != 0)
            return err;
        return cn_registry_node(out, reg, seg[1]);
    }
    if (n == 3 && strcmp(seg[0], "items") == 0)
        return cn_registry_item(out, reg, seg[1], seg[2], q);
    if (n == 4 && strcmp(seg[0], "items") == 0 && strcmp(seg[3], "versions") == 0) {
        if ((err = cn_reg_query_check_allowed(q, 0, "/api/v1/items/<node>/<item>/versions")))
            return err;
        return cn_registry_versions(out, reg, seg[1], seg[2]);
    }
    if (n == 4 && strcmp(seg[0], "items") == 0 && strcmp(seg[3], "codemeta.json") == 0) {
        if ((err = cn_reg_query_check_allowed(q, 1u << CN_REGISTRY_PARAM_VERSION,
                                              "/api/v1/items/<node>/<item>/codemeta.json")))
            return err;
        return cn_registry_item_codemeta(out, reg, seg[1], seg[2], q, NULL);
    }
    if (n == 3 && strcmp(seg[0], "graph") == 0) {
        if ((err = cn_reg_query_check_allowed(q, 0, "/api/v1/graph/<node>/<item>")) != 0)
            return err;
        return cn_registry_graph(out, reg, seg[1], seg[2]);
    }
unknown:
    return cn_error_set(CN_ENOTFOUND, "no such API endpoint: %.100s", path);
}

int cn_registry_api_get(json_t **out, int *status, cn_registry *reg, const char *path,
                        const cn_registry_query *query)
{
    int err;

    *out = NULL;
    cn_error_clear();
    err = route(out, reg, path ? path : "", query);
    *status = cn_registry_http_status(err);
    if (err != 0) {
        /* 500s carry no internals (SQLite messages, file names); the caller
         * logs cn_error_message(). */
        *out = cn_registry_error_json(*status, *status == 500 ? "internal error in the registry"
                                                              : cn_error_message());
    }
    return err;
}
