/*
 * feed.c - the registry's Atom feeds (RFC 4287; docs/api.yaml, "Feeds"):
 * a node's versions and withdrawals, one item's versions, the registry's
 * items newest first, and any search.
 *
 * Every entry is one version: in a node's or an item's feed the version
 * itself, in the items and search feeds the version that describes the
 * item (so a new version is a new entry there too). An entry's id is a
 * name-based UUID (RFC 9562 §5.8, SHA-256 as in its appendix B.2) of
 * "<node id>/<item>/<version>", the same in every registry that knows the
 * version, so an aggregator reading two registries sees one entry. Its
 * updated time comes from the signed data: the version's publication (its
 * signed tag), or its withdrawal, which updates the entry in place.
 *
 * Text from manifests goes through core/xml.h, so no manifest can make a
 * feed ill-formed or inject markup. A feed holds the newest
 * CN_REGISTRY_FEED_ENTRIES entries (a search feed: one page of results).
 */
#include "core/buf.h"
#include "core/error.h"
#include "core/hash.h"
#include "core/name.h"
#include "core/tuf.h"
#include "core/xml.h"
#include "registry/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FEED_PATH_MAX 512

/* One entry, borrowed from a statement row or a search hit. */
typedef struct {
    const char *node_id, *node_name, *node_url;
    const char *item, *kind, *version, *title, *summary, *withdrawn_reason;
    int withdrawn;
    int64_t published, updated;
    int describes_item; /* the items and search feeds: link the item, not the version */
} feed_entry;

/* A time as RFC 3339 UTC; t <= 0 (unknown) as the epoch, which Atom needs
 * some date for. */
static void feed_time(char out[32], int64_t t)
{
    time_t tt = (time_t)(t > 0 ? t : 0);
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 32, "1970-01-01T00:00:00Z");
}

/* urn:uuid: of SHA-256("citynode:" name), version 8 and the RFC 9562
 * variant set in the first 16 bytes. */
static void entry_id(char out[46], const char *node_id, const char *item, const char *version)
{
    char name[65 + 64 + 300 + 16];
    unsigned char h[CN_SHA256_LEN];
    char hex[33];

    snprintf(name, sizeof(name), "citynode:%s/%s/%s", node_id, item, version);
    cn_sha256(h, name, strlen(name));
    h[6] = (unsigned char)((h[6] & 0x0F) | 0x80);
    h[8] = (unsigned char)((h[8] & 0x3F) | 0x80);
    cn_hex_encode(hex, h, 16);
    snprintf(out, 46, "urn:uuid:%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16,
             hex + 20);
}

/* s percent-encoded as one URL path segment or query value (only RFC
 * 3986's unreserved characters stay as they are, so the result is also
 * safe in an XML attribute). */
static int put_url_part(cn_buf *out, const char *s)
{
    char *quoted = NULL;
    int err;

    if ((err = cn_tuf_quote(&quoted, s)) == 0)
        err = cn_buf_puts(out, quoted);
    free(quoted);
    return err;
}

/* <link rel="alternate" .../> of an entry: its page, and its JSON document. */
static int put_entry_links(cn_buf *out, const char *base, const feed_entry *e)
{
    int err = 0;

    for (int json = 0; json <= 1 && err == 0; json++) {
        err = cn_buf_printf(out, "    <link rel=\"alternate\" type=\"%s\" href=\"",
                            json ? "application/json" : "text/html");
        if (err == 0)
            err = cn_xml_puts(out, base, 1);
        if (err == 0)
            err = cn_buf_puts(out, json ? "/api/v1/items/" : "/?item=");
        if (err == 0)
            err = cn_buf_printf(out, "%s/%s", e->node_id, e->item);
        if (err == 0 && !e->describes_item) {
            err = cn_buf_puts(out, json ? "?version=" : "&amp;version=");
            if (err == 0)
                err = put_url_part(out, e->version);
        }
        if (err == 0)
            err = cn_buf_puts(out, "\"/>\n");
    }
    return err;
}

/* One <entry>. */
static int put_entry(cn_buf *out, const char *base, const feed_entry *e)
{
    char id[46], updated[32], published[32];
    int err;

    entry_id(id, e->node_id, e->item, e->version);
    feed_time(updated, e->updated);
    feed_time(published, e->published);
    if ((err = cn_buf_printf(out, "  <entry>\n    <id>%s</id>\n    <title>", id)) != 0 ||
        (err = cn_xml_puts(out, e->title, 0)) != 0 ||
        (err = cn_buf_puts(out, e->describes_item ? "" : " ")) != 0 ||
        (err = cn_xml_puts(out, e->describes_item ? NULL : e->version, 0)) != 0 ||
        (err = cn_buf_puts(out, e->withdrawn ? " (withdrawn)" : "")) != 0 ||
        (err = cn_buf_printf(out, "</title>\n    <updated>%s</updated>\n", updated)) != 0)
        return err;
    if (e->published > 0 &&
        (err = cn_buf_printf(out, "    <published>%s</published>\n", published)) != 0)
        return err;
    if ((err = cn_buf_puts(out, "    <author><name>")) != 0 ||
        (err = cn_xml_puts(out, e->node_name, 0)) != 0 || (err = cn_buf_puts(out, "</name>")) != 0)
        return err;
    /* a link for readers to follow: web URLs only */
    if (e->node_url &&
        (strncmp(e->node_url, "https://", 8) == 0 || strncmp(e->node_url, "http://", 7) == 0) &&
        ((err = cn_buf_puts(out, "<uri>")) != 0 || (err = cn_xml_puts(out, e->node_url, 0)) != 0 ||
         (err = cn_buf_puts(out, "</uri>")) != 0))
        return err;
    if ((err = cn_buf_puts(out, "</author>\n")) != 0 ||
        (err = put_entry_links(out, base, e)) != 0 ||
        (err = cn_buf_puts(out, "    <category term=\"")) != 0 ||
        (err = cn_xml_puts(out, e->kind, 1)) != 0 || (err = cn_buf_puts(out, "\"/>\n")) != 0)
        return err;
    if (e->withdrawn && (err = cn_buf_puts(out, "    <category term=\"withdrawn\"/>\n")) != 0)
        return err;
    if ((err = cn_buf_puts(out, "    <summary type=\"text\">")) != 0)
        return err;
    if (e->describes_item &&
        ((err = cn_buf_puts(out, "Version ")) != 0 || (err = cn_xml_puts(out, e->version, 0)) ||
         (err = cn_buf_puts(out, ". ")) != 0))
        return err;
    if (e->withdrawn && ((err = cn_buf_puts(out, "Withdrawn")) != 0 ||
                         (err = cn_buf_puts(out, e->withdrawn_reason ? ": " : "")) != 0 ||
                         (err = cn_xml_puts(out, e->withdrawn_reason, 0)) != 0 ||
                         (err = cn_buf_puts(out, ". ")) != 0))
        return err;
    if ((err = cn_xml_puts(out, e->summary, 0)) != 0 ||
        (err = cn_buf_puts(out, "</summary>\n  </entry>\n")) != 0)
        return err;
    return 0;
}

/* The feed's head: everything before the entries. */
static int put_head(cn_buf *out, const char *title, const char *author, int64_t updated,
                    const char *base, const char *self, const char *page)
{
    char when[32];
    int err;

    feed_time(when, updated);
    if ((err = cn_buf_puts(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                                "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n  <id>")) != 0 ||
        (err = cn_xml_puts(out, base, 0)) != 0 || (err = cn_xml_puts(out, self, 0)) != 0 ||
        (err = cn_buf_puts(out, "</id>\n  <title>")) != 0 ||
        (err = cn_xml_puts(out, title, 0)) != 0 ||
        (err = cn_buf_printf(out, "</title>\n  <updated>%s</updated>\n  <author><name>", when)) ||
        (err = cn_xml_puts(out, author, 0)) != 0 ||
        (err = cn_buf_puts(out, "</name></author>\n  <generator>citynode</generator>\n"
                                "  <link rel=\"self\" type=\"application/atom+xml\" href=\"")) ||
        (err = cn_xml_puts(out, base, 1)) != 0 || (err = cn_xml_puts(out, self, 1)) != 0 ||
        (err = cn_buf_puts(out, "\"/>\n  <link rel=\"alternate\" type=\"text/html\" href=\"")) ||
        (err = cn_xml_puts(out, base, 1)) != 0 || (err = cn_xml_puts(out, page, 1)) != 0 ||
        (err = cn_buf_puts(out, "\"/>\n")) != 0)
        return err;
    return 0;
}

/* The name of the node that keeps this registry, into out ("citynode"
 * when it has none yet). */
static int self_name(char *out, size_t outlen, cn_registry *reg)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(reg->db, "SELECT name FROM reg_nodes WHERE source = 'self'", -1, &st,
                           NULL) != SQLITE_OK)
        return cn_reg_sqlite_error(reg, "reading the registry");
    rc = sqlite3_step(st);
    snprintf(out, outlen, "%s",
             rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : "citynode");
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0
                                                 : cn_reg_sqlite_error(reg, "reading the registry");
}

/* ---- a node's or an item's versions ---------------------------------- */

/* When an entry of the version row changed: its withdrawal, else its
 * publication, else when this registry verified it. */
#define VERSION_UPDATED                                                                            \
    "CASE WHEN v.withdrawn AND coalesce(v.withdrawn_at, 0) > 0 THEN v.withdrawn_at"                \
    " WHEN v.published > 0 THEN v.published ELSE v.verified_at END"

static int version_feed(cn_buf *out, int64_t *updated, cn_registry *reg, int64_t node_rowid,
                        int64_t item_id, const char *title, const char *author, const char *base,
                        const char *self, const char *page)
{
    sqlite3_stmt *st = NULL;
    cn_buf entries = CN_BUF_INIT;
    int64_t newest = 0;
    int rc, err = 0;

    if (sqlite3_prepare_v2(
            reg->db,
            "SELECT n.node_id, n.name, n.url, i.item, i.kind, v.version, v.title, i.description,"
            " v.withdrawn, v.withdrawn_reason, v.published, " VERSION_UPDATED
            " FROM reg_versions v JOIN reg_items i ON i.id = v.item JOIN reg_nodes n"
            " ON n.id = i.node WHERE i.node = ?1 AND (?2 = 0 OR i.id = ?2)"
            " ORDER BY 12 DESC, i.item, v.version DESC LIMIT ?3",
            -1, &st, NULL) != SQLITE_OK)
        return cn_reg_sqlite_error(reg, "reading versions");
    sqlite3_bind_int64(st, 1, node_rowid);
    sqlite3_bind_int64(st, 2, item_id);
    sqlite3_bind_int(st, 3, CN_REGISTRY_FEED_ENTRIES);
    while (err == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        feed_entry e = {
            .node_id = (const char *)sqlite3_column_text(st, 0),
            .node_name = (const char *)sqlite3_column_text(st, 1),
            .node_url = (const char *)sqlite3_column_text(st, 2),
            .item = (const char *)sqlite3_column_text(st, 3),
            .kind = (const char *)sqlite3_column_text(st, 4),
            .version = (const char *)sqlite3_column_text(st, 5),
            .title = (const char *)sqlite3_column_text(st, 6),
            .summary = (const char *)sqlite3_column_text(st, 7),
            .withdrawn = sqlite3_column_int(st, 8),
            .withdrawn_reason = (const char *)sqlite3_column_text(st, 9),
            .published = sqlite3_column_int64(st, 10),
            .updated = sqlite3_column_int64(st, 11),
        };
        if (e.updated > newest)
            newest = e.updated;
        err = put_entry(&entries, base, &e);
    }
    if (err == 0 && rc != SQLITE_DONE)
        err = cn_reg_sqlite_error(reg, "reading versions");
    sqlite3_finalize(st);
    if (err == 0 && (err = put_head(out, title, author, newest, base, self, page)) == 0 &&
        (err = cn_buf_put(out, entries.data, entries.len)) == 0)
        err = cn_buf_puts(out, "</feed>\n");
    cn_buf_free(&entries);
    *updated = newest;
    return err;
}

/* The name and row of a node, resolved from a reference. */
static int node_named(char id[65], int64_t *rowid, char *name, size_t namelen, cn_registry *reg,
                      const char *ref)
{
    sqlite3_stmt *st = NULL;
    int err;

    if ((err = cn_reg_resolve_node(id, rowid, reg, ref)) != 0)
        return err;
    if (sqlite3_prepare_v2(reg->db, "SELECT name FROM reg_nodes WHERE id = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return cn_reg_sqlite_error(reg, "reading a node");
    sqlite3_bind_int64(st, 1, *rowid);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(name, namelen, "%s", (const char *)sqlite3_column_text(st, 0));
    else
        err = cn_reg_sqlite_error(reg, "reading a node");
    sqlite3_finalize(st);
    return err;
}

static int node_feed(cn_buf *out, int64_t *updated, cn_registry *reg, const char *node,
                     const char *base, const char *self)
{
    char id[65], name[512], title[600], page[80];
    int64_t rowid;
    int err;

    if ((err = node_named(id, &rowid, name, sizeof(name), reg, node)) != 0)
        return err;
    snprintf(title, sizeof(title), "%s: new versions and withdrawals", name);
    snprintf(page, sizeof(page), "/?node=%s", id);
    return version_feed(out, updated, reg, rowid, 0, title, name, base, self, page);
}

static int item_feed(cn_buf *out, int64_t *updated, cn_registry *reg, const char *node,
                     const char *item, const char *base, const char *self)
{
    char id[65], name[512], title[1024], page[160];
    sqlite3_stmt *st = NULL;
    int64_t rowid, item_id;
    int err;

    if ((err = node_named(id, &rowid, name, sizeof(name), reg, node)) != 0)
        return err;
    if (cn_name_check_slug(item) != 0)
        return cn_error_set(CN_EINVAL, "item: expected an item id ([a-z0-9][a-z0-9-]{0,62})");
    if ((err = cn_reg_item_id(&item_id, reg, id, item)) != 0)
        return err;
    if (sqlite3_prepare_v2(reg->db, "SELECT title FROM reg_items WHERE id = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return cn_reg_sqlite_error(reg, "reading an item");
    sqlite3_bind_int64(st, 1, item_id);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(title, sizeof(title), "%s: versions", (const char *)sqlite3_column_text(st, 0));
    else
        err = cn_reg_sqlite_error(reg, "reading an item");
    sqlite3_finalize(st);
    if (err != 0)
        return err;
    snprintf(page, sizeof(page), "/?item=%s/%s", id, item);
    return version_feed(out, updated, reg, rowid, item_id, title, name, base, self, page);
}

/* ---- the items and search feeds -------------------------------------- */

/* The time in a search hit's key ("2024-05-02T09:30:00Z"), 0 if null. */
static int64_t hit_time(const json_t *hit, const char *key)
{
    const char *s = json_string_value(json_object_get(hit, key));
    struct tm tm;
    char z = 0;

    memset(&tm, 0, sizeof(tm));
    if (s == NULL || strlen(s) != 20 ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &z) != 7 ||
        z != 'Z')
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

/* Search with q (sort recent and CN_REGISTRY_FEED_ENTRIES per page unless
 * the request says otherwise), one entry per hit. The page of the feed is
 * the web page's search with the same parameters. */
static int search_feed(cn_buf *out, int64_t *updated, cn_registry *reg, const cn_registry_query *q,
                       const char *base, const char *self)
{
    static const cn_registry_query empty = CN_REGISTRY_QUERY_INIT;
    cn_registry_query fq = q ? *q : empty; /* borrows q's strings */
    cn_buf entries = CN_BUF_INIT, page = CN_BUF_INIT;
    json_t *doc = NULL, *hit;
    char name[512], title[1024];
    const char *text, *qs = strchr(self, '?');
    int64_t newest = 0;
    size_t i;
    int err;

    if (fq.sort == CN_REGISTRY_SORT_DEFAULT)
        fq.sort = CN_REGISTRY_SORT_RECENT;
    if (fq.per_page == 0)
        fq.per_page = CN_REGISTRY_FEED_ENTRIES;
    if ((err = self_name(name, sizeof(name), reg)) != 0 ||
        (err = cn_registry_search(&doc, reg, &fq)) != 0)
        return err;
    json_array_foreach(json_object_get(doc, "results"), i, hit)
    {
        feed_entry e = {
            .node_id = json_string_value(json_object_get(hit, "node")),
            .node_name = json_string_value(json_object_get(hit, "node_name")),
            .item = json_string_value(json_object_get(hit, "item")),
            .kind = json_string_value(json_object_get(hit, "kind")),
            .version = json_string_value(json_object_get(hit, "version")),
            .title = json_string_value(json_object_get(hit, "title")),
            .summary = json_string_value(json_object_get(hit, "description")),
            .withdrawn = json_is_true(json_object_get(hit, "withdrawn")),
            .published = hit_time(hit, "updated"),
            .describes_item = 1,
        };
        if (e.node_id == NULL || e.item == NULL || e.version == NULL) {
            err = cn_error_set(CN_ERROR, "a search hit without node, item or version");
            break;
        }
        e.updated = e.published ? e.published : hit_time(hit, "verified_at");
        if (e.updated > newest)
            newest = e.updated;
        if ((err = put_entry(&entries, base, &e)) != 0)
            break;
    }
    text = q ? q->q : NULL;
    if (text && *text)
        snprintf(title, sizeof(title), "%s: search for \"%s\"", name, text);
    else if (q && q->given)
        snprintf(title, sizeof(title), "%s: search", name);
    else
        snprintf(title, sizeof(title), "%s: new items", name);
    if (err == 0 && (err = cn_buf_printf(&page, "/%s", qs ? qs : "")) == 0 &&
        (err = put_head(out, title, name, newest, base, self, (const char *)page.data)) == 0 &&
        (err = cn_buf_put(out, entries.data, entries.len)) == 0)
        err = cn_buf_puts(out, "</feed>\n");
    cn_buf_free(&entries);
    cn_buf_free(&page);
    json_decref(doc);
    *updated = newest;
    return err;
}

/* ---- routes ------------------------------------------------------------ */

int cn_registry_feed(cn_buf *out, int64_t *updated, cn_registry *reg, const char *path,
                     const cn_registry_query *query, const char *base_url, const char *self)
{
    static const char prefix[] = "/api/v1/";
    char buf[FEED_PATH_MAX + 1], *node, *item, *end;
    int err, began = 0;

    *updated = 0;
    cn_error_clear();
    if (path == NULL || strncmp(path, prefix, sizeof(prefix) - 1) != 0 ||
        strlen(path) > FEED_PATH_MAX)
        return cn_error_set(CN_ENOTFOUND, "no such feed: %.100s", path ? path : "");
    snprintf(buf, sizeof(buf), "%s", path + sizeof(prefix) - 1);
    /* cn_registry_search reads in a transaction of its own */
    if (strcmp(buf, "search.atom") == 0)
        return search_feed(out, updated, reg, query, base_url, self);
    if ((err = cn_reg_query_check_allowed(query, 0, path)) != 0)
        return err;
    if (strcmp(buf, "items.atom") == 0)
        return search_feed(out, updated, reg, NULL, base_url, self);
    /* one snapshot for the feed's reads */
    if ((err = cn_reg_read_begin(reg, &began)) != 0)
        return err;
    /* nodes/<node>/versions.atom, items/<node>/<item>/versions.atom */
    if (strncmp(buf, "nodes/", 6) == 0 && (end = strchr(buf + 6, '/')) != NULL &&
        strcmp(end, "/versions.atom") == 0) {
        node = buf + 6;
        *end = '\0';
        err = node_feed(out, updated, reg, node, base_url, self);
        goto out;
    }
    if (strncmp(buf, "items/", 6) == 0 && (item = strchr(buf + 6, '/')) != NULL &&
        (end = strchr(item + 1, '/')) != NULL && strcmp(end, "/versions.atom") == 0) {
        node = buf + 6;
        *item++ = '\0';
        *end = '\0';
        err = item_feed(out, updated, reg, node, item, base_url, self);
        goto out;
    }
    err = cn_error_set(CN_ENOTFOUND, "no such feed: %.100s", path);
out:
    cn_reg_read_end(reg, began);
    return err;
}
