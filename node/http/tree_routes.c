/*
 * tree_routes.c - the published tree (/.well-known/, /tuf/, /targets/, from
 * the node's public directory) and the peers' verified trees this node
 * re-serves (/mirrors/<node id>/…, docs/PROTOCOL.md §9).
 *
 * Which paths exist at all is decided before the file system is touched:
 * the three prefixes of a published tree, nothing else.
 */
#include "node/http/server_internal.h"

#include <string.h>

static const char *content_type(const char *path)
{
    const char *dot = strrchr(path, '.');

    if (dot == NULL)
        return "application/octet-stream";
    if (strcmp(dot, ".json") == 0)
        return "application/json";
    if (strcmp(dot, ".bundle") == 0)
        return "application/x-git-bundle";
    if (strcmp(dot, ".html") == 0)
        return "text/html; charset=utf-8";
    return "application/octet-stream";
}

/* The three parts of a published tree (docs/PROTOCOL.md §2). */
static int is_tree_path(const char *rel)
{
    return strncmp(rel, "tuf/", 4) == 0 || strncmp(rel, "targets/", 8) == 0 ||
           strncmp(rel, ".well-known/", 12) == 0;
}

/* Targets are served as they are stored (their names are their hashes);
 * metadata and the pointer are compressed for clients that take it. */
static unsigned tree_flags(const char *tree)
{
    return strncmp(tree, "targets/", 8) == 0 ? CN_SERVE_IMMUTABLE : CN_SERVE_GZIP;
}

/* /mirrors/<node id>/<tree path>: a peer's verified files (docs/PROTOCOL.md
 * §9); rel is "mirrors/…" and has passed cn_name_check_relpath. */
static enum MHD_Result serve_mirror(cn_server *srv, struct MHD_Connection *c, const char *rel)
{
    const char *below = rel + strlen("mirrors/"), *tree;

    if (!cn_serve_node_id_dir(below))
        return cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    tree = below + CN_NODE_ID_LEN + 1;
    if (!is_tree_path(tree))
        return cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    return cn_serve_below(c, srv->mirrors_dir, below, content_type(tree), tree_flags(tree));
}

enum MHD_Result cn_serve_tree(cn_server *srv, struct MHD_Connection *c, const char *rel)
{
    if (strncmp(rel, "mirrors/", 8) == 0)
        return serve_mirror(srv, c, rel);
    if (!is_tree_path(rel))
        return cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    return cn_serve_file(c, srv->root_fd, rel, content_type(rel), tree_flags(rel), NULL, NULL);
}
