/*
 * ingest.c - what the node tells the registry: nodes, item versions,
 * and attestations (withdrawals, the mark-and-sweep of a full listing
 * and removal are in withdraw.c).
 *
 * Every public function here is one unit of work (cn_reg_write_begin/end):
 * it either changes everything it set out to or nothing. The derived state
 * of an item (its row in reg_items, facets, FTS row, isBasedOn edges and the
 * replication counts it touches) is recomputed from its versions by
 * cn_reg_refresh_item (refresh.c) whenever any of them changes.
 */
#include "core/error.h"
#include "core/name.h"
#include "core/semver.h"
#include "registry/internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MANIFEST_MAX (1024 * 1024)
#define SIGNERS_MAX  16

static char *json_text(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

/* ---- nodes ---- */

const char *cn_registry_source_name(cn_registry_source source)
{
    switch (source) {
    case CN_REGISTRY_SELF:
        return "self";
    case CN_REGISTRY_MIRROR:
        return "mirror";
    case CN_REGISTRY_INDEX:
        return "index";
    }
    return "unknown";
}

/* A short string field of a profile, or NULL; CN_EINVAL when present but
 * not a string or too long. */
static int profile_string(const char **out, const json_t *profile, const char *key, size_t max)
{
    const json_t *v = json_object_get(profile, key);

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_string(v) || json_string_length(v) > max)
        return cn_error_set(CN_EINVAL, "node.json: %s: expected a string of at most %zu bytes", key,
                            max);
    *out = json_string_value(v);
    return 0;
}

/* The programmes of a profile as stored: a JSON array of the strings
 * (at most 32, each at most 200 bytes). */
static char *programmes_text(const json_t *progs)
{
    json_t *list = json_array(), *e;
    char *text;
    size_t i;

    if (list == NULL)
        return NULL;
    json_array_foreach(progs, i, e)
    {
        if (json_array_size(list) < 32 && json_is_string(e) && json_string_length(e) <= 200)
            json_array_append(list, e);
    }
    text = json_text(list);
    json_decref(list);
    return text;
}

static int same_text(const unsigned char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == NULL && b == NULL;
    return strcmp((const char *)a, b) == 0;
}

int cn_registry_put_node(cn_registry *reg, const cn_registry_node_info *info)
{
    const char *name, *url, *country, *code;
    const json_t *progs;
    char *programmes = NULL, *profile = NULL, *logo = NULL;
    sqlite3_stmt *st;
    cn_reg_id_list items = {NULL, 0, 0};
    int64_t node_rowid = 0;
    int err, rc, exists = 0, changed = 0;
    size_t i;

    if ((err = cn_reg_check_node_id(info->node_id, "node")) != 0)
        return err;
    if (info->profile != NULL && !json_is_object(info->profile))
        return cn_error_set(CN_EINVAL, "node.json: expected an object");
    if ((err = profile_string(&name, info->profile, "name", 200)) != 0 ||
        (err = profile_string(&url, info->profile, "url", 2048)) != 0 ||
        (err = profile_string(&country, info->profile, "country", 8)) != 0 ||
        (err = profile_string(&code, info->profile, "code", 64)) != 0)
        return err;
    if (info->name)
        name = info->name;
    if (info->url)
        url = info->url;
    if (name == NULL || *name == '\0' || strlen(name) > 200)
        return cn_error_set(CN_EINVAL, "node %.12s: a name of 1 to 200 bytes is required",
                            info->node_id);
    progs = json_object_get(info->profile, "programmes");
    if (progs && !json_is_array(progs))
        return cn_error_set(CN_EINVAL, "node.json: programmes: expected a list");
    if (info->logo && (err = cn_registry_logo_check(info->logo)) != 0)
        return cn_error_wrap(err, "node %.12s", info->node_id);
    programmes = programmes_text(progs);
    profile = info->profile ? json_text(info->profile) : NULL;
    logo = cn_reg_logo_text(info->logo);
    if (programmes == NULL || (info->profile && profile == NULL) || (info->logo && !logo)) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto done;
    }

    if ((err = cn_reg_write_begin(reg)) != 0)
        goto done;
    if ((st = cn_reg_stmt(reg, ST_NODE_BY_ID)) == NULL) {
        err = CN_ERROR;
        goto out;
    }
    sqlite3_bind_text(st, 1, info->node_id, -1, SQLITE_STATIC);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        exists = 1;
        node_rowid = sqlite3_column_int64(st, 0);
        changed = !same_text(sqlite3_column_text(st, 1), name) ||
                  !same_text(sqlite3_column_text(st, 2), country) ||
                  !same_text(sqlite3_column_text(st, 3), programmes);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        err = cn_reg_sqlite_error(reg, "reading a node");
        goto out;
    }
    if ((st = cn_reg_stmt(reg, exists ? ST_NODE_UPDATE : ST_NODE_INSERT)) == NULL) {
        err = CN_ERROR;
        goto out;
    }
    sqlite3_bind_text(st, 1, info->node_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    if (url)
        sqlite3_bind_text(st, 3, url, -1, SQLITE_STATIC);
    if (country)
        sqlite3_bind_text(st, 4, country, -1, SQLITE_STATIC);
    if (code)
        sqlite3_bind_text(st, 5, code, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, programmes, -1, SQLITE_STATIC);
    if (profile)
        sqlite3_bind_text(st, 7, profile, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, cn_registry_source_name(info->source), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, info->verified_at);
    sqlite3_bind_int64(st, 10, (int64_t)time(NULL));
    if (logo)
        sqlite3_bind_text(st, 11, logo, -1, SQLITE_STATIC);
    if ((err = cn_reg_step_done(reg, st, "writing a node")) != 0 || !changed)
        goto out;
    /* Name, country and programmes are facets and search text of every
     * item of the node. */
    if ((st = cn_reg_stmt(reg, ST_NODE_ITEMS)) == NULL) {
        err = CN_ERROR;
        goto out;
    }
    sqlite3_bind_int64(st, 1, node_rowid);
    if ((err = cn_reg_ids_collect(&items, reg, st)) != 0)
        goto out;
    for (i = 0; i < items.n && err == 0; i++)
        err = cn_reg_refresh_item(reg, items.v[i]);
out:
    err = cn_reg_write_end(reg, err);
done:
    free(items.v);
    free(programmes);
    free(profile);
    free(logo);
    return err;
}

/* ---- versions ---- */

/* A string member that must agree with expected when present. */
static int check_agrees(const json_t *obj, const char *key, const char *expected, const char *where)
{
    const json_t *v = json_object_get(obj, key);

    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_string(v) || strcmp(json_string_value(v), expected) != 0)
        return cn_error_set(CN_EINVAL, "%s: %s: expected '%s'", where, key, expected);
    return 0;
}

static int signers_json(char **out, const cn_registry_version_info *info)
{
    json_t *list;
    size_t i, n;

    *out = NULL;
    if (info->nsigners > SIGNERS_MAX)
        return cn_error_set(CN_ELIMIT, "signers: at most %d", SIGNERS_MAX);
    if ((list = json_array()) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    for (i = 0; i < info->nsigners; i++) {
        const char *s = info->signers[i];
        if (s == NULL || (n = strlen(s)) == 0 || n > 128 || !cn_hex_is_lower(s, n)) {
            json_decref(list);
            return cn_error_set(CN_EINVAL, "signers: expected key ids in lowercase hex");
        }
        json_array_append_new(list, json_string(s));
    }
    *out = json_text(list);
    json_decref(list);
    return *out ? 0 : cn_error_set(CN_ENOMEM, "out of memory");
}

/* commit and tag of the target custom data, when they look like object ids. */
static const char *custom_oid(const json_t *custom, const char *key)
{
    const char *s = json_string_value(json_object_get(custom, key));
    size_t n = s ? strlen(s) : 0;

    return (n == 40 || n == 64) && cn_hex_is_lower(s, n) ? s : NULL;
}

/* The tree id given with a version, when it looks like an object id of
 * the same format (length) as the commit's. */
static const char *tree_oid(const cn_registry_version_info *info, const char *commit)
{
    const char *s = info->tree;
    size_t n = s ? strlen(s) : 0;

    if (commit == NULL || n != strlen(commit) || !cn_hex_is_lower(s, n))
        return NULL;
    return s;
}

/* The version a manifest names: "version", or a solution's semver
 * softwareVersion. */
static const char *manifest_version(const json_t *m)
{
    const char *v = json_string_value(json_object_get(m, "version"));

    if (v == NULL) {
        v = json_string_value(json_object_get(m, "softwareVersion"));
        if (v && cn_semver_check(v) != 0) {
            cn_error_clear();
            v = NULL;
        }
    }
    return v;
}

int cn_registry_put_version(cn_registry *reg, const cn_registry_version_info *info)
{
    const json_t *m = info->manifest, *custom = info->custom;
    const char *kind, *item, *version, *title;
    char *manifest = NULL, *custom_text = NULL, *signers = NULL;
    sqlite3_stmt *st;
    int64_t node_rowid, item_id = 0;
    int err, rc, found = 0;

    if ((err = cn_reg_check_node_id(info->node_id, "node")) != 0)
        return err;
    if (!json_is_object(m))
        return cn_error_set(CN_EINVAL, "manifest: expected an object");
    if (custom != NULL && !json_is_object(custom))
        return cn_error_set(CN_EINVAL, "custom: expected an object");
    if ((kind = cn_reg_manifest_kind(m)) == NULL)
        return cn_error_set(CN_EINVAL, "manifest: kind: expected solution, dataset or strategy "
                                       "(or a publiccode.yml)");
    item = info->item ? info->item : json_string_value(json_object_get(m, "id"));
    version = info->item_version ? info->item_version : manifest_version(m);
    if (item == NULL)
        return cn_error_set(CN_EINVAL, "manifest: id: missing, and no item id was given");
    if ((err = cn_name_check_slug(item)) != 0)
        return cn_error_wrap(err, "item");
    if (version == NULL)
        return cn_error_set(CN_EINVAL, "manifest: version: missing, and no version was given");
    if ((err = cn_semver_check(version)) != 0)
        return cn_error_wrap(err, "version");
    if ((err = check_agrees(m, "id", item, "manifest")) != 0 ||
        (err = check_agrees(m, "version", version, "manifest")) != 0 ||
        (err = check_agrees(custom, "kind", kind, "custom")) != 0 ||
        (err = check_agrees(custom, "item", item, "custom")) != 0 ||
        (err = check_agrees(custom, "version", version, "custom")) != 0)
        return err;
    title = json_string_value(json_object_get(m, strcmp(kind, "solution") ? "title" : "name"));
    if ((err = signers_json(&signers, info)) != 0)
        return err;
    manifest = json_text(m);
    custom_text = custom ? json_text(custom) : NULL;
    if (manifest == NULL || (custom && custom_text == NULL)) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto done;
    }
    if (strlen(manifest) > MANIFEST_MAX) {
        err = cn_error_set(CN_ELIMIT, "manifest of %s@%s: larger than %d bytes", item, version,
                           MANIFEST_MAX);
        goto done;
    }

    if ((err = cn_reg_write_begin(reg)) != 0)
        goto done;
    if ((rc = cn_reg_node_row(&node_rowid, reg, info->node_id, "reading a node")) <= 0) {
        err = rc < 0 ? rc
                     : cn_error_set(CN_ENOTFOUND,
                                    "node %.12s is not in the registry; put the node before its "
                                    "items",
                                    info->node_id);
        goto out;
    }
    if ((st = cn_reg_stmt(reg, ST_ITEM_KIND)) == NULL) {
        err = CN_ERROR;
        goto out;
    }
    sqlite3_bind_int64(st, 1, node_rowid);
    sqlite3_bind_text(st, 2, item, -1, SQLITE_STATIC);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        found = 1;
        item_id = sqlite3_column_int64(st, 0);
        if (strcmp((const char *)sqlite3_column_text(st, 1), kind) != 0)
            err = cn_error_set(CN_EINVAL, "item %s is a %s; version %s says %s", item,
                               (const char *)sqlite3_column_text(st, 1), version, kind);
    } else if (rc != SQLITE_DONE) {
        err = cn_reg_sqlite_error(reg, "reading an item");
    }
    sqlite3_reset(st);
    if (err != 0)
        goto out;
    if (!found) {
        if ((st = cn_reg_stmt(reg, ST_ITEM_INSERT)) == NULL) {
            err = CN_ERROR;
            goto out;
        }
        sqlite3_bind_int64(st, 1, node_rowid);
        sqlite3_bind_text(st, 2, item, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
        if ((err = cn_reg_step_done(reg, st, "adding an item")) != 0)
            goto out;
        item_id = sqlite3_last_insert_rowid(reg->db);
    }
    if ((st = cn_reg_stmt(reg, ST_VERSION_UPSERT)) == NULL) {
        err = CN_ERROR;
        goto out;
    }
    sqlite3_bind_int64(st, 1, item_id);
    sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, title ? title : item, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, manifest, -1, SQLITE_STATIC);
    if (custom_text)
        sqlite3_bind_text(st, 5, custom_text, -1, SQLITE_STATIC);
    if (custom_oid(custom, "commit"))
        sqlite3_bind_text(st, 6, custom_oid(custom, "commit"), -1, SQLITE_STATIC);
    if (custom_oid(custom, "tag"))
        sqlite3_bind_text(st, 7, custom_oid(custom, "tag"), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, signers, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, info->published);
    sqlite3_bind_int64(st, 10, info->verified_at);
    if (tree_oid(info, custom_oid(custom, "commit")))
        sqlite3_bind_text(st, 11, tree_oid(info, custom_oid(custom, "commit")), -1, SQLITE_STATIC);
    if ((err = cn_reg_step_done(reg, st, "writing a version")) != 0)
        goto out;
    err = cn_reg_refresh_item(reg, item_id);
out:
    err = cn_reg_write_end(reg, err);
done:
    free(manifest);
    free(custom_text);
    free(signers);
    return err;
}

/* ---- attestations ---- */

int cn_registry_put_attestation(cn_registry *reg, const char *signed_by, const char *id,
                                const json_t *doc, int64_t verified_at)
{
    const json_t *subject = json_object_get(doc, "subject"), *as = json_object_get(doc, "as");
    const char *type = json_string_value(json_object_get(doc, "type"));
    const char *by = json_string_value(json_object_get(doc, "by"));
    const char *snode = json_string_value(json_object_get(subject, "node"));
    const char *sitem = json_string_value(json_object_get(subject, "item"));
    const char *sversion = json_string_value(json_object_get(subject, "version"));
    const char *date = json_string_value(json_object_get(doc, "date"));
    char *text = NULL;
    sqlite3_stmt *st;
    int err;

    if ((err = cn_reg_check_node_id(signed_by, "attestation signer")) != 0 ||
        (err = cn_reg_check_attestation_id(id)) != 0)
        return err;
    if (!json_is_object(doc))
        return cn_error_set(CN_EINVAL, "attestation %s: expected an object", id);
    if (type == NULL || strcmp(type, "replicates") != 0)
        return cn_error_set(CN_EINVAL, "attestation %s: type: expected 'replicates'", id);
    if (by == NULL || strcmp(by, signed_by) != 0)
        return cn_error_set(CN_EVERIFY,
                            "attestation %s: by: names %.12s, but %.12s signed it; a node can "
                            "only attest for itself",
                            id, by ? by : "nobody", signed_by);
    if (!json_is_object(subject))
        return cn_error_set(CN_EINVAL, "attestation %s: subject: expected an object", id);
    if ((err = cn_reg_check_node_id(snode, "attestation subject.node")) != 0)
        return err;
    if (sitem == NULL || cn_name_check_slug(sitem) != 0)
        return cn_error_set(CN_EINVAL, "attestation %s: subject.item: expected an item id", id);
    if (sversion == NULL || cn_semver_check(sversion) != 0)
        return cn_error_set(CN_EINVAL, "attestation %s: subject.version: expected a version", id);
    if (as && !json_is_null(as) &&
        (!json_is_string(as) || cn_name_check_slug(json_string_value(as)) != 0))
        return cn_error_set(CN_EINVAL, "attestation %s: as: expected an item id or null", id);
    if (date && strlen(date) > 64)
        return cn_error_set(CN_EINVAL, "attestation %s: date: too long", id);
    if ((text = json_text(doc)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if (strlen(text) > 64 * 1024) {
        free(text);
        return cn_error_set(CN_ELIMIT, "attestation %s: larger than 64 KiB", id);
    }

    if ((err = cn_reg_write_begin(reg)) != 0)
        goto done;
    if ((err = cn_reg_node_known(reg, signed_by)) != 0)
        goto out;
    if ((st = cn_reg_stmt(reg, ST_ATTESTATION_UPSERT)) == NULL) {
        err = CN_ERROR;
        goto out;
    }
    sqlite3_bind_text(st, 1, signed_by, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, snode, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, sitem, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, sversion, -1, SQLITE_STATIC);
    if (custom_oid(subject, "commit"))
        sqlite3_bind_text(st, 6, custom_oid(subject, "commit"), -1, SQLITE_STATIC);
    if (custom_oid(subject, "tag"))
        sqlite3_bind_text(st, 7, custom_oid(subject, "tag"), -1, SQLITE_STATIC);
    if (json_is_string(as))
        sqlite3_bind_text(st, 8, json_string_value(as), -1, SQLITE_STATIC);
    if (date)
        sqlite3_bind_text(st, 9, date, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 11, verified_at);
    if ((err = cn_reg_step_done(reg, st, "writing an attestation")) != 0)
        goto out;
    err = cn_reg_recount_subject(reg, snode, sitem);
out:
    err = cn_reg_write_end(reg, err);
done:
    free(text);
    return err;
}
