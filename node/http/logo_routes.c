/*
 * logo_routes.c - GET /download/<node>/logo: a node's logo (docs/PROTOCOL.md
 * §5, §15), the target node-logo.<ext> the registry recorded when it
 * verified the node's targets: this node's own from its published tree, a
 * followed node's from its mirror directory (policy mirror and index alike
 * store every target that is not a bundle).
 *
 * A logo is an image for people and never runs: it goes with the type its
 * signed record names only when its bytes are that type, with nosniff and
 * a sandboxing Content-Security-Policy (an SVG's scripts do not run, even
 * when the URL is opened on its own), and only when they still have the
 * signed length and sha256.
 */
#include "core/error.h"
#include "core/hash.h"
#include "core/name.h"
#include "node/http/server_internal.h"
#include "registry/registry.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What the contract gives every single file the registry serves. */
#define LOGO_CSP "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; sandbox"

int cn_serve_is_logo_path(const char *rel, char node[CN_NODE_ID_LEN + 1])
{
    static const char prefix[] = "download/", suffix[] = "/logo";
    const char *id = rel + sizeof(prefix) - 1;

    if (strncmp(rel, prefix, sizeof(prefix) - 1) != 0 ||
        strlen(id) != CN_NODE_ID_LEN + sizeof(suffix) - 1 ||
        strcmp(id + CN_NODE_ID_LEN, suffix) != 0 || !cn_hex_is_lower(id, CN_NODE_ID_LEN))
        return 0;
    memcpy(node, id, CN_NODE_ID_LEN);
    node[CN_NODE_ID_LEN] = '\0';
    return 1;
}

/* Read the stored target (at most CN_REGISTRY_LOGO_MAX bytes) below the
 * node's tree: 0 with the bytes, or -1. */
static int read_stored(unsigned char **out, size_t *len, cn_server *srv, const char *node,
                       const char *path, const char *sha256)
{
    char rel[CN_SERVE_MAX_PATH];
    unsigned char *buf = NULL;
    struct stat st;
    int base_fd = -1, fd = -1, ok = -1;
    ssize_t n;
    size_t got = 0;

    if (srv->node_id != NULL && strcmp(node, srv->node_id) == 0) {
        base_fd = dup(srv->root_fd);
    } else if (srv->mirrors_dir != NULL) {
        char mirror[CN_SERVE_MAX_PATH];
        snprintf(mirror, sizeof(mirror), "%s/%s", srv->mirrors_dir, node);
        base_fd = open(mirror, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    snprintf(rel, sizeof(rel), "targets/%s.%s", sha256, path);
    if (base_fd < 0 || (fd = cn_serve_open_below(base_fd, rel)) < 0 || fstat(fd, &st) != 0 ||
        !S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > CN_REGISTRY_LOGO_MAX ||
        (buf = malloc((size_t)st.st_size)) == NULL)
        goto out;
    while (got < (size_t)st.st_size && (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
        got += (size_t)n;
    if (got == (size_t)st.st_size) {
        *out = buf;
        *len = got;
        buf = NULL;
        ok = 0;
    }
out:
    free(buf);
    if (fd >= 0)
        close(fd);
    if (base_fd >= 0)
        close(base_fd);
    return ok;
}

enum MHD_Result cn_serve_logo(cn_server *srv, struct MHD_Connection *c, cn_registry *reg,
                              const char *node)
{
    json_t *logo = NULL;
    unsigned char *data = NULL;
    char etag[CN_SHA256_HEX_LEN + 3], digest[CN_SHA256_HEX_LEN + 1];
    const char *path, *type, *sha256, *ext;
    struct MHD_Response *r;
    enum MHD_Result ret;
    size_t len = 0;
    int err, not_modified;

    if ((err = cn_registry_node_logo(&logo, reg, node)) != 0)
        return cn_serve_send_error(c, err);
    path = json_string_value(json_object_get(logo, "path"));
    type = json_string_value(json_object_get(logo, "type"));
    sha256 = json_string_value(json_object_get(logo, "sha256"));
    if (path == NULL || type == NULL || sha256 == NULL ||
        read_stored(&data, &len, srv, node, path, sha256) != 0) {
        ret = cn_serve_send_error(
            c, cn_error_set(CN_ENOTFOUND, "the logo of node %.12s is not stored here", node));
        goto out;
    }
    /* The bytes the signature covers, and of the type they claim. */
    cn_sha256_hex(digest, data, len);
    ext = cn_registry_logo_sniff(data, len);
    if (strcmp(digest, sha256) != 0 || ext == NULL ||
        strcmp(path + strlen("node-logo."), ext) != 0) {
        fprintf(stderr, "citynode serve: the stored logo of node %.12s is not what was signed\n",
                node);
        ret = cn_serve_send_error(
            c, cn_error_set(CN_ENOTFOUND, "the logo of node %.12s is not stored here", node));
        goto out;
    }
    snprintf(etag, sizeof(etag), "\"%s\"", sha256);
    not_modified = cn_serve_not_modified(c, etag, 0);
    if (not_modified) {
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    } else {
        r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
        if (r != NULL)
            data = NULL;
    }
    if (r == NULL) {
        ret = MHD_NO;
        goto out;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
    /* The URL stays when the logo changes: revalidate, by its ETag. */
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Content-Security-Policy", LOGO_CSP);
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    ret = MHD_queue_response(c, not_modified ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK, r);
    MHD_destroy_response(r);
out:
    free(data);
    json_decref(logo);
    return ret;
}
