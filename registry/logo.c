/*
 * logo.c - a node's logo: the target node-logo.<ext> (docs/PROTOCOL.md §5),
 * what its bytes may be, and the record of it the registry keeps in
 * reg_nodes.logo (written by cn_registry_put_node).
 *
 * A logo is shown to people and never run; the types are few on purpose
 * (PNG, JPEG, WebP, SVG), each recognised by its first bytes, so that a
 * server never sends bytes under a type they are not.
 */
#include "core/error.h"
#include "registry/internal.h"

#include <string.h>

static const struct {
    const char *ext, *type;
} logo_types[] = {
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"webp", "image/webp"},
    {"svg", "image/svg+xml"},
};

#define LOGO_PREFIX "node-logo."

const char *cn_registry_logo_type(const char *path)
{
    size_t i, n = sizeof(LOGO_PREFIX) - 1;

    if (path == NULL || strncmp(path, LOGO_PREFIX, n) != 0)
        return NULL;
    for (i = 0; i < sizeof(logo_types) / sizeof(logo_types[0]); i++)
        if (strcmp(path + n, logo_types[i].ext) == 0)
            return logo_types[i].type;
    return NULL;
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Past the first occurrence of end (a NUL-terminated string) at or after
 * p, or NULL when data ends first. */
static const unsigned char *skip_past(const unsigned char *p, const unsigned char *lim,
                                      const char *end)
{
    size_t n = strlen(end);

    for (; (size_t)(lim - p) >= n; p++)
        if (memcmp(p, end, n) == 0)
            return p + n;
    return NULL;
}

static int starts(const unsigned char *p, const unsigned char *lim, const char *s)
{
    size_t n = strlen(s);

    return (size_t)(lim - p) >= n && memcmp(p, s, n) == 0;
}

static int is_svg(const unsigned char *p, const unsigned char *lim)
{
    if (starts(p, lim, "\xef\xbb\xbf"))
        p += 3;
    for (;;) {
        while (p < lim && is_space(*p))
            p++;
        if (starts(p, lim, "<?xml"))
            p = skip_past(p, lim, "?>");
        else if (starts(p, lim, "<!--"))
            p = skip_past(p + 4, lim, "-->");
        else if (starts(p, lim, "<!DOCTYPE"))
            p = skip_past(p, lim, ">");
        else
            break;
        if (p == NULL)
            return 0;
    }
    return starts(p, lim, "<svg") && lim - p > 4 && (is_space(p[4]) || p[4] == '>');
}

const char *cn_registry_logo_sniff(const unsigned char *data, size_t len)
{
    const unsigned char *lim = data + len;

    if (data == NULL || len == 0)
        return NULL;
    if (starts(data, lim, "\x89PNG\r\n\x1a\n"))
        return "png";
    if (starts(data, lim, "\xff\xd8\xff"))
        return "jpg";
    if (len >= 12 && memcmp(data, "RIFF", 4) == 0 && memcmp(data + 8, "WEBP", 4) == 0)
        return "webp";
    if (is_svg(data, lim))
        return "svg";
    return NULL;
}

int cn_registry_logo_check(const cn_registry_logo *logo)
{
    const char *type = cn_registry_logo_type(logo->path);

    if (type == NULL)
        return cn_error_set(CN_EINVAL,
                            "logo: target %.80s is not node-logo.png, .jpg, .webp or .svg",
                            logo->path ? logo->path : "(none)");
    if (logo->type == NULL || strcmp(logo->type, type) != 0)
        return cn_error_set(CN_EINVAL, "logo: target %s must have type %s, not %.60s", logo->path,
                            type, logo->type ? logo->type : "(none)");
    if (logo->length == 0 || logo->length > CN_REGISTRY_LOGO_MAX)
        return cn_error_set(CN_EINVAL, "logo: target %s has %llu bytes; 1 to %d are allowed",
                            logo->path, (unsigned long long)logo->length, CN_REGISTRY_LOGO_MAX);
    if (logo->sha256 == NULL || !cn_hex_is_lower_str(logo->sha256, 64))
        return cn_error_set(CN_EINVAL, "logo: target %s: sha256 must be 64 lowercase hex digits",
                            logo->path);
    return 0;
}

int cn_registry_node_logo(json_t **out, cn_registry *reg, const char *node)
{
    sqlite3_stmt *st = NULL;
    char node_id[65];
    json_t *logo = NULL;
    int err, rc, began;

    *out = NULL;
    if ((err = cn_reg_read_begin(reg, &began)) != 0)
        return err;
    if ((err = cn_reg_resolve_node(node_id, NULL, reg, node)) != 0)
        goto out;
    if (sqlite3_prepare_v2(reg->db, "SELECT logo FROM reg_nodes WHERE node_id = ?1", -1, &st,
                           NULL) != SQLITE_OK) {
        err = cn_reg_sqlite_error(reg, "reading a node's logo");
        goto out;
    }
    sqlite3_bind_text(st, 1, node_id, -1, SQLITE_STATIC);
    if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
        err = cn_reg_sqlite_error(reg, "reading a node's logo");
        goto out;
    }
    logo = cn_reg_column_json(st, 0);
    if (!json_is_object(logo)) {
        err = cn_error_set(CN_ENOTFOUND, "node %.12s has no logo", node_id);
        goto out;
    }
    if ((err = cn_reg_set(logo, "node", json_string(node_id))) != 0)
        goto out;
    *out = logo;
    logo = NULL;
out:
    json_decref(logo);
    sqlite3_finalize(st);
    cn_reg_read_end(reg, began);
    return err;
}

char *cn_reg_logo_text(const cn_registry_logo *logo)
{
    json_t *o;
    char *text;

    if (logo == NULL)
        return NULL;
    o = json_pack("{s:s, s:s, s:I, s:s}", "path", logo->path, "type", logo->type, "length",
                  (json_int_t)logo->length, "sha256", logo->sha256);
    text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    return text;
}
