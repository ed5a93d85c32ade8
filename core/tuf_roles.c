/*
 * tuf_roles.c - the delegated item roles of layout 2 (core/tuf_roles.h).
 */
#include "core/tuf_roles.h"

#include "core/error.h"
#include "core/file.h"
#include "core/hash.h"
#include "core/name.h"
#include "core/semver.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cn_tuf_item_roles_clear(cn_tuf_item_roles *roles)
{
    size_t i;

    for (i = 0; i < roles->n; i++) {
        free(roles->v[i].name);
        cn_tuf_metadata_free(roles->v[i].md);
    }
    free(roles->v);
    roles->v = NULL;
    roles->n = 0;
}

time_t cn_tuf_item_roles_expires(const cn_tuf_item_roles *roles)
{
    time_t first = 0;
    size_t i;

    for (i = 0; i < roles->n; i++)
        if (first == 0 || roles->v[i].md->expires < first)
            first = roles->v[i].md->expires;
    return first;
}

/* The role an item target belongs to: "items.<item>" for a path
 * "items/<item>/<more>", into name (at least sizeof(CN_TUF_ITEM_ROLE_PREFIX)
 * + CN_SLUG_MAX bytes). 0 for a target of no item. */
static int role_of(char *name, size_t size, const char *path)
{
    const char *item = path + 6, *slash;

    if (strncmp(path, "items/", 6) != 0 || (slash = strchr(item, '/')) == NULL || slash == item ||
        slash - item > CN_SLUG_MAX || slash[1] == '\0')
        return 0;
    snprintf(name, size, "%s%.*s", CN_TUF_ITEM_ROLE_PREFIX, (int)(slash - item), item);
    return 1;
}

/* The version component of an item target path "items/<item>/<version>/<file>"
 * into out (CN_SEMVER_MAX + 1 bytes); 0 when path has no valid one. */
static int version_of(char *out, const char *path, const char **file)
{
    const char *v, *end;

    if (strncmp(path, "items/", 6) != 0 || (v = strchr(path + 6, '/')) == NULL ||
        (end = strchr(++v, '/')) == NULL || end == v || end - v > CN_SEMVER_MAX)
        return 0;
    memcpy(out, v, (size_t)(end - v));
    out[end - v] = '\0';
    *file = end + 1;
    if (cn_semver_check(out) != 0) {
        cn_error_clear();
        return 0;
    }
    return 1;
}

/* "tuf/<version>.<name>.json" (heap). */
static char *role_path(uint64_t version, const char *name)
{
    char buf[64 + CN_SLUG_MAX + 16];

    snprintf(buf, sizeof(buf), "tuf/%" PRIu64 ".%s.json", version, name);
    return strdup(buf);
}

static int add_role(cn_tuf_item_roles *roles, const char *name, cn_tuf_metadata *md)
{
    cn_tuf_item_role *grown = realloc(roles->v, (roles->n + 1) * sizeof(*grown));

    if (grown == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    roles->v = grown;
    if ((grown[roles->n].name = strdup(name)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    grown[roles->n++].md = md;
    return 0;
}

int cn_tuf_item_roles_load(cn_tuf_item_roles *roles, json_t *pending, const char *dir,
                           const cn_tuf_metadata *targets, const cn_tuf_metadata *snapshot)
{
    const json_t *list = json_object_get(json_object_get(targets->signed_, "delegations"), "roles");
    cn_tuf_metadata *md = NULL;
    unsigned char *data = NULL;
    char *rel = NULL, *path = NULL, file[CN_SLUG_MAX + 32];
    size_t i, len;
    int err = 0;

    for (i = 0; i < json_array_size(list) && err == 0; i++) {
        const char *name = json_string_value(json_object_get(json_array_get(list, i), "name"));
        cn_tuf_meta_info mi;
        if (name == NULL || strncmp(name, CN_TUF_ITEM_ROLE_PREFIX, 6) != 0 ||
            strlen(name) > sizeof(file) - 8)
            return cn_error_set(CN_EINVAL, "%s: delegation %zu is not an item role", targets->what,
                                i + 1);
        snprintf(file, sizeof(file), "%s.json", name);
        if ((err = cn_tuf_meta_get(&mi, snapshot, file)) != 0)
            return cn_error_wrap(err, "%s", snapshot->what);
        if ((rel = role_path(mi.version, name)) == NULL || (path = cn_path_join(dir, rel)) == NULL)
            err = cn_error_set(CN_ENOMEM, "out of memory");
        if (err == 0 && (err = cn_file_read(&data, &len, path, CN_TUF_MAX_METADATA_LEN)) == 0 &&
            (err = cn_tuf_metadata_parse(&md, data, len, CN_TUF_MAX_METADATA_LEN, CN_TUF_TARGETS,
                                         rel)) == 0) {
            if (md->version != mi.version)
                err =
                    cn_error_set(CN_EVERIFY, "%s: version %" PRIu64 ", the snapshot names %" PRIu64,
                                 rel, md->version, mi.version);
            else if (json_object_update(pending, json_object_get(md->signed_, "targets")) != 0)
                err = cn_error_set(CN_ENOMEM, "out of memory");
            else if ((err = add_role(roles, name, md)) == 0)
                md = NULL;
        }
        cn_tuf_metadata_free(md);
        md = NULL;
        free(data);
        data = NULL;
        free(path);
        path = NULL;
        free(rel);
        rel = NULL;
    }
    return err;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static cn_tuf_item_role *find_role(const cn_tuf_item_roles *roles, const char *name)
{
    size_t i;

    for (i = 0; i < roles->n; i++)
        if (strcmp(roles->v[i].name, name) == 0)
            return &roles->v[i];
    return NULL;
}

/* Versions a checkpoint may stay behind the newest, and the bytes of deltas
 * after it that never move it (PROTOCOL §4.1, Mirrors): a small item's
 * mirrors need not fetch a new full bundle for every version. */
#define CHECKPOINT_SPAN        16
#define CHECKPOINT_DELTA_FLOOR (64 * 1024)

/* The oldest version whose full bundle role lists, into out (CN_SEMVER_MAX
 * + 1 bytes); 0 when it lists none. */
static int oldest_full(char *out, const cn_tuf_item_role *role)
{
    char version[CN_SEMVER_MAX + 1];
    const char *path, *file;
    json_t *value;
    int found = 0;

    json_object_foreach(json_object_get(role->md->signed_, "targets"), path, value)
    {
        if (version_of(version, path, &file) && strcmp(file, "full.bundle") == 0 &&
            (!found || cn_semver_compare(version, out) < 0)) {
            memcpy(out, version, sizeof(version));
            found = 1;
        }
    }
    return found;
}

static int cmp_semver(const void *a, const void *b)
{
    return cn_semver_compare(*(const char *const *)a, *(const char *const *)b);
}

/* The checkpoint among one item's versions (ascending, files[version] =
 * {"full": length, "delta": length} as far as they exist): the role's
 * previous checkpoint while every version after it has a delta bundle, at
 * most CHECKPOINT_SPAN versions follow it and their deltas add up to at most
 * half its full bundle (or CHECKPOINT_DELTA_FLOOR); else the newest version. A version without a
 * delta (its history does not contain the one before) starts the chain anew. */
static size_t checkpoint_of(const char *const *v, size_t n, const json_t *files,
                            const char *previous)
{
    size_t c = n - 1, i, count = 0;
    json_int_t sum = 0, full;

    for (i = 0; previous && i < n; i++)
        if (strcmp(v[i], previous) == 0)
            c = i;
    for (i = c + 1; i < n; i++) {
        const json_t *delta = json_object_get(json_object_get(files, v[i]), "delta");
        if (delta == NULL) {
            c = i;
            count = 0;
            sum = 0;
            continue;
        }
        count++;
        sum += json_integer_value(delta);
    }
    full = json_integer_value(json_object_get(json_object_get(files, v[c]), "full"));
    return count > CHECKPOINT_SPAN || (sum > full / 2 && sum > CHECKPOINT_DELTA_FLOOR) ? n - 1 : c;
}

/* Per item role: its versions' bundle lengths, {"<role>": {"<version>":
 * {"full": n, "delta": n}}} (a version with neither is listed empty). */
static int bundle_lengths(json_t *byrole, const json_t *pending)
{
    char role[CN_SLUG_MAX + 16], version[CN_SEMVER_MAX + 1];
    const char *path, *file;
    json_t *value, *r, *v;

    json_object_foreach((json_t *)pending, path, value)
    {
        if (!role_of(role, sizeof(role), path) || !version_of(version, path, &file))
            continue;
        if ((r = json_object_get(byrole, role)) == NULL &&
            (json_object_set_new(byrole, role, json_object()) != 0 ||
             (r = json_object_get(byrole, role)) == NULL))
            return cn_error_set(CN_ENOMEM, "out of memory");
        if ((v = json_object_get(r, version)) == NULL &&
            (json_object_set_new(r, version, json_object()) != 0 ||
             (v = json_object_get(r, version)) == NULL))
            return cn_error_set(CN_ENOMEM, "out of memory");
        if ((strcmp(file, "full.bundle") == 0 || strcmp(file, "delta.bundle") == 0) &&
            json_object_set(v, strcmp(file, "full.bundle") == 0 ? "full" : "delta",
                            json_object_get(value, "length")) != 0)
            return cn_error_set(CN_ENOMEM, "out of memory");
    }
    return 0;
}

/* For each item role, {"newest": version, "checkpoint": version} in *out. */
static int item_bounds(json_t *out, const json_t *pending, const cn_tuf_item_roles *published)
{
    json_t *byrole = json_object(), *files;
    const char *role, **v = NULL;
    size_t n, cap = 0;
    int err = 0;

    if (byrole == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if ((err = bundle_lengths(byrole, pending)) != 0)
        goto out;
    json_object_foreach(byrole, role, files)
    {
        const cn_tuf_item_role *old = published ? find_role(published, role) : NULL;
        char previous[CN_SEMVER_MAX + 1];
        const char *version;
        json_t *unused;
        size_t c;
        if (json_object_size(files) > cap) {
            const char **grown = realloc(v, json_object_size(files) * sizeof(*v));
            if (grown == NULL) {
                err = cn_error_set(CN_ENOMEM, "out of memory");
                goto out;
            }
            v = grown;
            cap = json_object_size(files);
        }
        n = 0;
        json_object_foreach(files, version, unused) v[n++] = version;
        qsort(v, n, sizeof(*v), cmp_semver);
        c = checkpoint_of(v, n, files, old && oldest_full(previous, old) ? previous : NULL);
        if (json_object_set_new(
                out, role, json_pack("{s:s, s:s}", "newest", v[n - 1], "checkpoint", v[c])) != 0) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
    }
out:
    free(v);
    json_decref(byrole);
    return err;
}

int cn_tuf_item_roles_split_newest(json_t **kept, json_t **pruned, const json_t *pending,
                                   const cn_tuf_item_roles *published)
{
    json_t *bounds = json_object(), *value;
    char role[CN_SLUG_MAX + 16], version[CN_SEMVER_MAX + 1];
    const char *path, *file;
    int err;

    *kept = json_object();
    *pruned = json_object();
    if (bounds == NULL || *kept == NULL || *pruned == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto fail;
    }
    if ((err = item_bounds(bounds, pending, published)) != 0)
        goto fail;
    /* The newest version keeps its targets, the checkpoint its full bundle,
     * the versions between their deltas, an older version its manifest if
     * it was withdrawn. */
    json_object_foreach((json_t *)pending, path, value)
    {
        int keep = 1;
        if (role_of(role, sizeof(role), path) && version_of(version, path, &file)) {
            const json_t *b = json_object_get(bounds, role);
            const char *newest = json_string_value(json_object_get(b, "newest"));
            const char *checkpoint = json_string_value(json_object_get(b, "checkpoint"));
            int to_newest = cn_semver_compare(version, newest);
            int to_checkpoint = cn_semver_compare(version, checkpoint);
            keep = to_newest == 0 ||
                   (strcmp(file, "manifest.json") == 0 &&
                    json_object_get(json_object_get(value, "custom"), "withdrawn") != NULL) ||
                   (strcmp(file, "full.bundle") == 0 && to_checkpoint == 0) ||
                   (strcmp(file, "delta.bundle") == 0 && to_checkpoint > 0 && to_newest < 0);
        }
        if (json_object_set(keep ? *kept : *pruned, path, value) != 0) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto fail;
        }
    }
    json_decref(bounds);
    return 0;
fail:
    json_decref(bounds);
    json_decref(*kept);
    json_decref(*pruned);
    *kept = *pruned = NULL;
    return err;
}

/* Sign and write version `version` of role name with targets, parsed back
 * into *out. */
static int write_role(cn_tuf_metadata **out, const char *name, uint64_t version, json_t *targets,
                      const cn_tuf_item_roles_commit_args *args)
{
    json_t *s = json_pack("{s:s, s:s, s:I, s:s, s:O}", "_type", "targets", "spec_version",
                          CN_TUF_SPEC_VERSION, "version", (json_int_t)version, "expires",
                          args->expires, "targets", targets);
    char *bytes = NULL, *rel = role_path(version, name), *path = NULL;
    size_t len;
    int err;

    *out = NULL;
    if (s == NULL || rel == NULL || (path = cn_path_join(args->dir, rel)) == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
    else if ((err = cn_tuf_sign_envelope(&bytes, &len, s, args->keys, NULL)) == 0 &&
             (err = cn_tuf_metadata_parse(out, bytes, len, SIZE_MAX, CN_TUF_TARGETS, rel)) == 0 &&
             (err = cn_file_write_atomic(path, bytes, len, 0644)) != 0) {
        cn_tuf_metadata_free(*out);
        *out = NULL;
    }
    free(path);
    free(rel);
    free(bytes);
    json_decref(s);
    return err;
}

/* The top-level targets' delegations: the targets keys, one role per item
 * (names sorted). */
static int delegations_of(json_t **out, const char *const *names, size_t n,
                          const cn_tuf_role_keys *keys)
{
    char keyid[CN_SHA256_HEX_LEN + 1], paths[CN_SLUG_MAX + 16];
    json_t *d = json_pack("{s:{}, s:[]}", "keys", "roles"), *keyids = json_array(), *key;
    size_t i;
    int err = 0;

    *out = NULL;
    if (d == NULL || keyids == NULL)
        goto nomem;
    for (i = 0; i < keys->nkeys; i++) {
        if ((err = cn_tuf_keyid(keyid, keys->keys[i])) != 0 ||
            (err = cn_tuf_key_json(&key, keys->keys[i])) != 0)
            goto out;
        if (json_object_set_new(json_object_get(d, "keys"), keyid, key) != 0 ||
            json_array_append_new(keyids, json_string(keyid)) != 0)
            goto nomem;
    }
    for (i = 0; i < n; i++) {
        snprintf(paths, sizeof(paths), "items/%s/*/*", names[i] + 6);
        if (json_array_append_new(json_object_get(d, "roles"),
                                  json_pack("{s:s, s:O, s:I, s:[s], s:b}", "name", names[i],
                                            "keyids", keyids, "threshold",
                                            (json_int_t)keys->threshold, "paths", paths,
                                            "terminating", 1)) != 0)
            goto nomem;
    }
    *out = d;
    d = NULL;
    goto out;
nomem:
    err = cn_error_set(CN_ENOMEM, "out of memory");
out:
    json_decref(keyids);
    json_decref(d);
    return err;
}

int cn_tuf_item_roles_commit(cn_tuf_item_roles *roles, json_t **top, json_t **delegations,
                             json_t *snapshot_meta, const json_t *pending,
                             const cn_tuf_item_roles_commit_args *args)
{
    cn_tuf_item_roles next = {NULL, 0};
    json_t *items = json_object(), *value;
    const char *path, **names = NULL;
    char name[CN_SLUG_MAX + 16], file[CN_SLUG_MAX + 32];
    size_t i, n = 0;
    int err = 0;

    *top = json_object();
    *delegations = NULL;
    if (items == NULL || *top == NULL)
        goto nomem;
    json_object_foreach((json_t *)pending, path, value)
    {
        json_t *into = *top;
        if (role_of(name, sizeof(name), path)) {
            if ((into = json_object_get(items, name)) == NULL &&
                (json_object_set_new(items, name, json_object()) != 0 ||
                 (into = json_object_get(items, name)) == NULL))
                goto nomem;
        }
        if (json_object_set(into, path, value) != 0)
            goto nomem;
    }
    if ((names = calloc(json_object_size(items) + 1, sizeof(*names))) == NULL)
        goto nomem;
    json_object_foreach(items, path, value) names[n++] = path;
    qsort(names, n, sizeof(*names), cmp_str);
    for (i = 0; i < n && err == 0; i++) {
        cn_tuf_item_role *old = find_role(roles, names[i]);
        json_t *targets = json_object_get(items, names[i]);
        cn_tuf_metadata *md = NULL;
        if (old && !args->force &&
            json_equal(json_object_get(old->md->signed_, "targets"), targets)) {
            /* Unchanged: the published version stays, moved to next. */
            if ((err = add_role(&next, names[i], old->md)) != 0)
                break;
            old->md = NULL;
        } else if ((err = write_role(&md, names[i], old ? old->md->version + 1 : 1, targets,
                                     args)) != 0 ||
                   (err = add_role(&next, names[i], md)) != 0) {
            cn_tuf_metadata_free(md);
            break;
        }
        snprintf(file, sizeof(file), "%s.json", names[i]);
        md = next.v[next.n - 1].md;
        if (json_object_set_new(snapshot_meta, file,
                                json_pack("{s:I, s:I}", "version", (json_int_t)md->version,
                                          "length", (json_int_t)md->len)) != 0)
            err = cn_error_set(CN_ENOMEM, "out of memory");
    }
    if (err == 0)
        err = delegations_of(delegations, names, n, args->keys);
    if (err != 0) {
        /* What was written stays on disk; the published roles stay in force. */
        for (i = 0; i < next.n; i++) {
            cn_tuf_item_role *old = find_role(roles, next.v[i].name);
            if (old && old->md == NULL) {
                old->md = next.v[i].md;
                next.v[i].md = NULL;
            }
        }
        cn_tuf_item_roles_clear(&next);
        goto out;
    }
    cn_tuf_item_roles_clear(roles);
    *roles = next;
    goto out;
nomem:
    err = cn_error_set(CN_ENOMEM, "out of memory");
out:
    if (err != 0) {
        json_decref(*top);
        *top = NULL;
    }
    free(names);
    json_decref(items);
    return err;
}
