/*
 * git_routes.c - /git/<node id>/<item>.git/…: the bare repositories of this
 * node and of its mirrored peers, for git's dumb HTTP protocol
 * (gitprotocol-http(5)): HEAD, info/refs, objects/info/packs, packs, their
 * indexes and loose objects, and nothing else.
 */
#include "node/http/server_internal.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/name.h"

#include <string.h>

/* The files of a bare repository that git's dumb HTTP client reads (see
 * gitprotocol-http(5), "Dumb Clients"). objects/info/alternates and
 * http-alternates are left out on purpose: a repository served here never
 * points the client elsewhere. Returns the content type, or NULL if path is
 * not one of them. */
static const char *git_file_type(const char *path, int *immutable)
{
    static const char pack_prefix[] = "objects/pack/pack-";
    size_t n = strlen(path), pp = sizeof(pack_prefix) - 1;

    *immutable = 0;
    if (strcmp(path, "HEAD") == 0 || strcmp(path, "info/refs") == 0 ||
        strcmp(path, "objects/info/packs") == 0)
        return "text/plain; charset=utf-8";
    *immutable = 1;
    if (strncmp(path, pack_prefix, pp) == 0 && cn_hex_is_lower(path + pp, 40)) {
        if (strcmp(path + pp + 40, ".pack") == 0 && n == pp + 45)
            return "application/x-git-packed-objects";
        if (strcmp(path + pp + 40, ".idx") == 0 && n == pp + 44)
            return "application/x-git-packed-objects-toc";
    }
    if (n == 8 + 2 + 1 + 38 && strncmp(path, "objects/", 8) == 0 && cn_hex_is_lower(path + 8, 2) &&
        path[10] == '/' && cn_hex_is_lower(path + 11, 38))
        return "application/x-git-loose-object";
    return NULL;
}

enum MHD_Result cn_serve_git(cn_server *srv, struct MHD_Connection *c, const char *rel)
{
    const char *below = rel + strlen("git/"), *repo, *slash, *ctype;
    char item[CN_SLUG_MAX + 1];
    size_t len;
    int immutable;

    if (!cn_serve_node_id_dir(below))
        return cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    repo = below + CN_NODE_ID_LEN + 1;
    if ((slash = strchr(repo, '/')) == NULL || (len = (size_t)(slash - repo)) <= 4 ||
        len - 4 > CN_SLUG_MAX || memcmp(slash - 4, ".git", 4) != 0)
        return cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    memcpy(item, repo, len - 4);
    item[len - 4] = '\0';
    if (cn_name_check_slug(item) != 0) {
        cn_error_clear();
        return cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    }
    if ((ctype = git_file_type(slash + 1, &immutable)) == NULL)
        return cn_serve_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    return cn_serve_below(c, srv->repos_dir, below, ctype, immutable ? CN_SERVE_IMMUTABLE : 0u);
}
