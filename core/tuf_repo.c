/*
 * tuf_repo.c - the TUF repository writer: a publisher's public/ tree with
 * consistent snapshots, written so that a reader (or a crash) only ever sees
 * a complete, signed state: target files first, then N.targets.json, then
 * N.snapshot.json, and timestamp.json last.
 */
#include "core/tuf_internal.h"
#include "core/tuf_roles.h"

#include "core/error.h"
#include "core/file.h"
#include "core/json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cn_tuf_repo {
    char *dir;
    cn_tuf_keys keys;
    int have_keys;
    cn_tuf_repo_options opts;
    cn_tuf_metadata *md[CN_TUF_ROLE_COUNT]; /* current published metadata, by role */
    json_t *pending;                        /* targets object for the next commit */
    cn_tuf_target_info *infos;              /* index of pending */
    size_t ninfos;
    int delegate;            /* layout 2: item targets in their roles (core/tuf_roles.h) */
    cn_tuf_item_roles roles; /* layout 2: the published item roles */
    int force;               /* the next commit writes every role anew */
    char *history_path;      /* layout 2: older versions' targets (cn_tuf_repo_options) */
    json_t *history;         /* what history_path holds: path -> file info */
};

static time_t repo_now(const cn_tuf_repo *repo)
{
    return repo->opts.now ? repo->opts.now : time(NULL);
}

void cn_tuf_keys_single(cn_tuf_keys *out, const cn_key *key)
{
    int i;

    memset(out, 0, sizeof(*out));
    for (i = 0; i < CN_TUF_ROLE_COUNT; i++) {
        out->role[i].keys[0] = key;
        out->role[i].nkeys = 1;
        out->role[i].threshold = 1;
    }
}

void cn_tuf_repo_set_now(cn_tuf_repo *repo, time_t now)
{
    repo->opts.now = now;
}

static int check_role_keys(const cn_tuf_role_keys *rk, const char *role, int need_private)
{
    size_t i;

    if (rk->nkeys == 0 || rk->nkeys > CN_TUF_MAX_ROLE_KEYS || rk->threshold < 1 ||
        rk->threshold > rk->nkeys)
        return cn_error_set(CN_EINVAL,
                            "%s role: need 1 to %u keys and a threshold between 1 and their "
                            "number",
                            role, CN_TUF_MAX_ROLE_KEYS);
    for (i = 0; i < rk->nkeys; i++) {
        if (rk->keys[i] == NULL)
            return cn_error_set(CN_EINVAL, "%s role: key %zu is missing", role, i + 1);
        if (need_private && !cn_key_has_private(rk->keys[i]))
            return cn_error_set(CN_EINVAL, "%s role: key %zu has no private part to sign with",
                                role, i + 1);
    }
    return 0;
}

static int reindex(cn_tuf_repo *repo)
{
    cn_tuf_target_info *arr;
    size_t n;
    int err;

    if ((err = cn_tuf_targets_index(&arr, &n, repo->pending, "pending targets")) != 0)
        return err;
    free(repo->infos);
    repo->infos = arr;
    repo->ninfos = n;
    return 0;
}

/* Read and parse dir/relpath. */
static int load_md(cn_tuf_metadata **out, const cn_tuf_repo *repo, const char *relpath,
                   cn_tuf_role role, size_t max)
{
    unsigned char *data = NULL;
    char *path = cn_path_join(repo->dir, relpath);
    size_t len;
    int err;

    *out = NULL;
    if (path == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if ((err = cn_file_read(&data, &len, path, max)) == 0)
        err = cn_tuf_metadata_parse(out, data, len, max, role, relpath);
    free(data);
    free(path);
    return err;
}

/* Sign signed_ for role (plus extra keys), parse the result back, and write it
 * atomically to tuf/<name>. *out gets the new metadata. */
static int write_md(cn_tuf_metadata **out, cn_tuf_repo *repo, json_t *signed_, cn_tuf_role role,
                    const cn_tuf_role_keys *extra)
{
    char *bytes = NULL, *rel = NULL, *path = NULL;
    cn_tuf_metadata *md = NULL;
    size_t len;
    uint64_t version = (uint64_t)json_integer_value(json_object_get(signed_, "version"));
    int err;

    *out = NULL;
    if (!repo->have_keys || repo->keys.role[role].nkeys == 0) {
        err =
            cn_error_set(CN_EINVAL, "repository opened without %s keys: cannot sign %s",
                         repo->have_keys ? cn_tuf_role_name(role) : "any", cn_tuf_role_name(role));
        goto out;
    }
    if ((err = cn_tuf_sign_envelope(&bytes, &len, signed_, &repo->keys.role[role], extra)) != 0)
        goto out;
    if ((rel = cn_tuf_metadata_path(role, version, 1)) == NULL ||
        (path = cn_path_join(repo->dir, rel)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = cn_tuf_metadata_parse(&md, bytes, len, SIZE_MAX, role, rel)) != 0)
        goto out;
    /* A new root must satisfy what clients check (spec 5.3.4-5.3.5) before
     * anyone can see it: the previous root's threshold and its own. */
    if (role == CN_TUF_ROOT &&
        ((repo->md[CN_TUF_ROOT] &&
          (err = cn_tuf_metadata_verify(md, repo->md[CN_TUF_ROOT], CN_TUF_ROOT)) != 0) ||
         (err = cn_tuf_metadata_verify(md, md, CN_TUF_ROOT)) != 0))
        goto out;
    /* Other roles must meet the current root's threshold (fewer keys than
     * the threshold would publish metadata no client accepts). */
    if (role != CN_TUF_ROOT && repo->md[CN_TUF_ROOT] &&
        (err = cn_tuf_metadata_verify(md, repo->md[CN_TUF_ROOT], role)) != 0)
        goto out;
    if ((err = cn_file_write_atomic(path, bytes, len, 0644)) != 0)
        goto out;
    *out = md;
    md = NULL;
out:
    cn_tuf_metadata_free(md);
    free(path);
    free(rel);
    free(bytes);
    return err;
}

/* The common signed fields. */
static json_t *signed_head(const cn_tuf_repo *repo, cn_tuf_role role, uint64_t version)
{
    char when[21];

    cn_tuf_time_format(when, repo_now(repo) + (time_t)repo->opts.expiry[role]);
    return json_pack("{s:s, s:s, s:I, s:s}", "_type", cn_tuf_role_name(role), "spec_version",
                     CN_TUF_SPEC_VERSION, "version", (json_int_t)version, "expires", when);
}

static json_t *file_meta(const cn_tuf_metadata *md)
{
    char hex[CN_SHA256_HEX_LEN + 1];

    cn_sha256_hex(hex, md->bytes, md->len);
    return json_pack("{s:I, s:I, s:{s:s}}", "version", (json_int_t)md->version, "length",
                     (json_int_t)md->len, "hashes", "sha256", hex);
}

static void replace_md(cn_tuf_repo *repo, cn_tuf_role role, cn_tuf_metadata *md)
{
    cn_tuf_metadata_free(repo->md[role]);
    repo->md[role] = md;
}

static int write_timestamp(cn_tuf_repo *repo, const cn_tuf_metadata *snapshot)
{
    uint64_t v = repo->md[CN_TUF_TIMESTAMP] ? repo->md[CN_TUF_TIMESTAMP]->version + 1 : 1;
    json_t *s = signed_head(repo, CN_TUF_TIMESTAMP, v);
    cn_tuf_metadata *md = NULL;
    int err;

    if (s == NULL ||
        json_object_set_new(s, "meta", json_pack("{s:o}", "snapshot.json", file_meta(snapshot))) !=
            0) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = write_md(&md, repo, s, CN_TUF_TIMESTAMP, NULL)) != 0)
        goto out;
    replace_md(repo, CN_TUF_TIMESTAMP, md);
out:
    json_decref(s);
    return err;
}

/* Layout 2: write the item roles that changed, and set the top-level
 * targets' "targets" and "delegations" in ts; *same when they are the
 * published ones (the top-level targets need no new version). */
/* Layout 2 with a history file: the targets the item roles keep, and the
 * older versions' written to the history file first, so that a target
 * leaves the published roles only once it is kept there. */
static int prune_to_history(json_t **kept, cn_tuf_repo *repo)
{
    json_t *pruned = NULL, *doc = NULL;
    char *bytes = NULL;
    size_t len;
    int err;

    if ((err = cn_tuf_item_roles_split_newest(kept, &pruned, repo->pending, &repo->roles)) != 0)
        return err;
    if (repo->history && json_equal(pruned, repo->history)) {
        json_decref(pruned);
        return 0;
    }
    if ((doc = json_pack("{s:O}", "targets", pruned)) == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
    else if ((err = cn_json_canonical(&bytes, &len, doc)) == 0 &&
             (err = cn_file_write_atomic(repo->history_path, bytes, len, 0644)) == 0) {
        json_decref(repo->history);
        repo->history = pruned;
        pruned = NULL;
    }
    if (err != 0) {
        json_decref(*kept);
        *kept = NULL;
    }
    free(bytes);
    json_decref(doc);
    json_decref(pruned);
    return err;
}

/* The history file's older versions, added to pending where it lacks them. */
static int load_history(cn_tuf_repo *repo)
{
    unsigned char *data = NULL;
    json_t *doc = NULL, *targets, *value;
    const char *path;
    size_t len;
    int err;

    if (!cn_file_exists(repo->history_path))
        return 0;
    if ((err = cn_file_read(&data, &len, repo->history_path, CN_TUF_MAX_METADATA_LEN * 4)) != 0 ||
        (err = cn_json_parse(&doc, (const char *)data, len, 16, repo->history_path)) != 0)
        goto out;
    if (!json_is_object(targets = json_object_get(doc, "targets"))) {
        err = cn_error_set(CN_EINVAL, "%s: no \"targets\" object", repo->history_path);
        goto out;
    }
    json_object_foreach(targets, path, value)
    {
        if (json_object_get(repo->pending, path) == NULL &&
            json_object_set(repo->pending, path, value) != 0) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
    }
    json_decref(repo->history);
    repo->history = json_incref(targets);
out:
    json_decref(doc);
    free(data);
    return err;
}

static int commit_roles(cn_tuf_repo *repo, json_t *ts, json_t *meta, int *same)
{
    const cn_tuf_metadata *old = repo->md[CN_TUF_TARGETS];
    json_t *top = NULL, *delegations = NULL, *kept = NULL;
    char expires[21];
    cn_tuf_item_roles_commit_args args;
    int err;

    cn_tuf_time_format(expires, repo_now(repo) + (time_t)repo->opts.expiry[CN_TUF_TARGETS]);
    args.dir = repo->dir;
    args.keys = &repo->keys.role[CN_TUF_TARGETS];
    args.expires = expires;
    args.force = repo->force;
    if (!repo->have_keys || args.keys->nkeys == 0)
        return cn_error_set(CN_EINVAL, "repository opened without targets keys: cannot sign");
    if (repo->history_path && (err = prune_to_history(&kept, repo)) != 0)
        return err;
    err = cn_tuf_item_roles_commit(&repo->roles, &top, &delegations, meta,
                                   kept ? kept : repo->pending, &args);
    json_decref(kept);
    if (err != 0)
        return err;
    *same = !repo->force && old != NULL &&
            json_equal(json_object_get(old->signed_, "targets"), top) &&
            json_equal(json_object_get(old->signed_, "delegations"), delegations);
    if (json_object_set_new(ts, "targets", top) != 0 ||
        json_object_set_new(ts, "delegations", delegations) != 0)
        return cn_error_set(CN_ENOMEM, "out of memory");
    return 0;
}

int cn_tuf_repo_commit(cn_tuf_repo *repo)
{
    cn_tuf_metadata *targets = NULL, *snapshot = NULL;
    uint64_t tv = repo->md[CN_TUF_TARGETS] ? repo->md[CN_TUF_TARGETS]->version + 1 : 1;
    uint64_t sv = repo->md[CN_TUF_SNAPSHOT] ? repo->md[CN_TUF_SNAPSHOT]->version + 1 : 1;
    json_t *ts = NULL, *ss = NULL, *meta = json_object();
    int err, same = 0;

    ts = signed_head(repo, CN_TUF_TARGETS, tv);
    if (ts == NULL || meta == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if (repo->delegate || repo->opts.delegate_items) {
        if ((err = commit_roles(repo, ts, meta, &same)) != 0)
            goto out;
        repo->delegate = 1;
    } else if (json_object_set(ts, "targets", repo->pending) != 0) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if (!same && (err = write_md(&targets, repo, ts, CN_TUF_TARGETS, NULL)) != 0)
        goto out;
    ss = signed_head(repo, CN_TUF_SNAPSHOT, sv);
    if (ss == NULL ||
        json_object_set_new(meta, "targets.json",
                            file_meta(same ? repo->md[CN_TUF_TARGETS] : targets)) != 0 ||
        json_object_set(ss, "meta", meta) != 0) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = write_md(&snapshot, repo, ss, CN_TUF_SNAPSHOT, NULL)) != 0)
        goto out;
    if ((err = write_timestamp(repo, snapshot)) != 0)
        goto out;
    if (!same)
        replace_md(repo, CN_TUF_TARGETS, targets);
    replace_md(repo, CN_TUF_SNAPSHOT, snapshot);
    targets = snapshot = NULL;
out:
    cn_tuf_metadata_free(targets);
    cn_tuf_metadata_free(snapshot);
    json_decref(ts);
    json_decref(ss);
    json_decref(meta);
    return err;
}

/* The signed part of a root: every role's keys from `keys`, or for roles
 * where keys is NULL, copied from prev (a parsed root). */
static int build_root(json_t **out, const cn_tuf_repo *repo, uint64_t version,
                      const cn_tuf_metadata *prev, cn_tuf_role role, const cn_tuf_role_keys *rk)
{
    json_t *s = signed_head(repo, CN_TUF_ROOT, version), *keys = json_object(),
           *roles = json_object();
    char keyid[CN_SHA256_HEX_LEN + 1];
    int i, err = CN_ENOMEM;
    size_t j;

    *out = NULL;
    if (s == NULL || keys == NULL || roles == NULL)
        goto nomem;
    for (i = 0; i < CN_TUF_ROLE_COUNT; i++) {
        const char *name = cn_tuf_role_name((cn_tuf_role)i);
        json_t *ids;

        if (prev != NULL && (rk == NULL || (int)role != i)) {
            /* keep this role as it is */
            json_t *r = json_object_get(json_object_get(prev->signed_, "roles"), name);
            json_t *pids = json_object_get(r, "keyids");
            if (json_object_set(roles, name, r) != 0)
                goto nomem;
            for (j = 0; j < json_array_size(pids); j++) {
                const char *id = json_string_value(json_array_get(pids, j));
                json_t *k = json_object_get(json_object_get(prev->signed_, "keys"), id);
                if (k != NULL && json_object_set(keys, id, k) != 0)
                    goto nomem;
            }
            continue;
        }
        {
            const cn_tuf_role_keys *use = prev ? rk : &repo->keys.role[i];
            if ((ids = json_array()) == NULL)
                goto nomem;
            for (j = 0; j < use->nkeys; j++) {
                json_t *k;
                if ((err = cn_tuf_keyid(keyid, use->keys[j])) != 0 ||
                    (err = cn_tuf_key_json(&k, use->keys[j])) != 0) {
                    json_decref(ids);
                    goto out;
                }
                err = CN_ENOMEM;
                if (json_object_set_new(keys, keyid, k) != 0 ||
                    json_array_append_new(ids, json_string(keyid)) != 0) {
                    json_decref(ids);
                    goto nomem;
                }
            }
            if (json_object_set_new(roles, name,
                                    json_pack("{s:o, s:I}", "keyids", ids, "threshold",
                                              (json_int_t)use->threshold)) != 0)
                goto nomem;
        }
    }
    if (json_object_set(s, "keys", keys) != 0 || json_object_set(s, "roles", roles) != 0 ||
        json_object_set_new(s, "consistent_snapshot", json_true()) != 0)
        goto nomem;
    *out = s;
    s = NULL;
    err = 0;
    goto out;
nomem:
    err = cn_error_set(CN_ENOMEM, "out of memory");
out:
    json_decref(s);
    json_decref(keys);
    json_decref(roles);
    return err;
}

static int repo_alloc(cn_tuf_repo **out, const char *public_dir, const cn_tuf_keys *keys,
                      const cn_tuf_repo_options *opts, int need_private)
{
    cn_tuf_repo_options defaults = CN_TUF_REPO_OPTIONS_INIT;
    cn_tuf_repo *repo;
    int i, err;

    *out = NULL;
    if (opts != NULL && opts->version != CN_TUF_REPO_OPTIONS_VERSION)
        return cn_error_set(CN_EINVAL, "cn_tuf_repo_options version %u not supported",
                            opts->version);
    for (i = 0; keys != NULL && i < CN_TUF_ROLE_COUNT; i++) {
        /* An open repository may do without its root keys (kept offline). */
        if (i == CN_TUF_ROOT && !need_private && keys->role[i].nkeys == 0)
            continue;
        if ((err = check_role_keys(&keys->role[i], cn_tuf_role_name((cn_tuf_role)i),
                                   need_private)) != 0)
            return err;
    }
    if ((repo = calloc(1, sizeof(*repo))) == NULL || (repo->dir = strdup(public_dir)) == NULL ||
        (repo->pending = json_object()) == NULL) {
        cn_tuf_repo_free(repo);
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    repo->opts = opts ? *opts : defaults;
    repo->opts.history_path = NULL; /* borrowed: the copy below is the repository's */
    if (opts && opts->history_path && (repo->history_path = strdup(opts->history_path)) == NULL) {
        cn_tuf_repo_free(repo);
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    if (keys) {
        repo->keys = *keys;
        repo->have_keys = 1;
    }
    *out = repo;
    return 0;
}

int cn_tuf_repo_init(cn_tuf_repo **out, const char *public_dir, const cn_tuf_keys *keys,
                     const cn_tuf_repo_options *opts)
{
    cn_tuf_repo *repo = NULL;
    cn_tuf_metadata *root = NULL;
    char *tufdir = NULL, *rootpath = NULL;
    json_t *rs = NULL;
    int err;

    *out = NULL;
    if (keys == NULL)
        return cn_error_set(CN_EINVAL, "a new TUF repository needs keys");
    if ((err = repo_alloc(&repo, public_dir, keys, opts, 1)) != 0)
        return err;
    if ((tufdir = cn_path_join(public_dir, "tuf")) == NULL ||
        (rootpath = cn_path_join(tufdir, "1.root.json")) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if (cn_file_exists(rootpath)) {
        err = cn_error_set(CN_EEXISTS, "%s already exists: the TUF repository is initialized",
                           rootpath);
        goto out;
    }
    if ((err = cn_mkdir_p(tufdir, 0755)) != 0)
        goto out;
    if ((err = build_root(&rs, repo, 1, NULL, CN_TUF_ROOT, NULL)) != 0)
        goto out;
    /* The root is written last: until it exists, init can simply be rerun. */
    if ((err = cn_tuf_repo_commit(repo)) != 0)
        goto out;
    if ((err = write_md(&root, repo, rs, CN_TUF_ROOT, NULL)) != 0)
        goto out;
    replace_md(repo, CN_TUF_ROOT, root);
    *out = repo;
    repo = NULL;
out:
    json_decref(rs);
    free(rootpath);
    free(tufdir);
    cn_tuf_repo_free(repo);
    return err;
}

/* Each provided key must be authorized for its role by the current root. */
static int check_keys_authorized(const cn_tuf_repo *repo)
{
    const cn_tuf_metadata *root = repo->md[CN_TUF_ROOT];
    char keyid[CN_SHA256_HEX_LEN + 1];
    size_t j, k;
    int i, err;

    for (i = 0; i < CN_TUF_ROLE_COUNT; i++) {
        const char *name = cn_tuf_role_name((cn_tuf_role)i);
        const json_t *ids = json_object_get(
            json_object_get(json_object_get(root->signed_, "roles"), name), "keyids");
        for (j = 0; j < repo->keys.role[i].nkeys; j++) {
            int found = 0;
            if ((err = cn_tuf_keyid(keyid, repo->keys.role[i].keys[j])) != 0)
                return err;
            for (k = 0; k < json_array_size(ids) && !found; k++)
                found = strcmp(keyid, json_string_value(json_array_get(ids, k))) == 0;
            if (!found)
                return cn_error_set(CN_EVERIFY,
                                    "key %.16s is not a %s key of this repository's root "
                                    "(version %" PRIu64 ")",
                                    keyid, name, root->version);
        }
    }
    return 0;
}

int cn_tuf_repo_open(cn_tuf_repo **out, const char *public_dir, const cn_tuf_keys *keys,
                     const cn_tuf_repo_options *opts)
{
    cn_tuf_repo *repo = NULL;
    cn_tuf_metadata *md = NULL;
    cn_tuf_meta_info mi;
    uint64_t v;
    char *rel = NULL;
    int err;

    *out = NULL;
    if ((err = repo_alloc(&repo, public_dir, keys, opts, 0)) != 0)
        return err;
    /* The newest root: walk the chain, each version signed by its predecessor. */
    for (v = 1;; v++) {
        free(rel);
        if ((rel = cn_tuf_metadata_path(CN_TUF_ROOT, v, 1)) == NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
        err = load_md(&md, repo, rel, CN_TUF_ROOT, CN_TUF_MAX_ROOT_LEN);
        if (err == CN_ENOTFOUND && v > 1)
            break;
        if (err != 0)
            goto out;
        if (md->version != v) {
            err = cn_error_set(CN_EVERIFY, "%s: version %" PRIu64 " in the file", rel, md->version);
            goto out;
        }
        if ((v > 1 &&
             (err = cn_tuf_metadata_verify(md, repo->md[CN_TUF_ROOT], CN_TUF_ROOT)) != 0) ||
            (err = cn_tuf_metadata_verify(md, md, CN_TUF_ROOT)) != 0)
            goto out;
        replace_md(repo, CN_TUF_ROOT, md);
        md = NULL;
    }
    if ((err = load_md(&md, repo, "tuf/timestamp.json", CN_TUF_TIMESTAMP,
                       CN_TUF_MAX_TIMESTAMP_LEN)) != 0)
        goto out;
    replace_md(repo, CN_TUF_TIMESTAMP, md);
    md = NULL;
    if ((err = cn_tuf_meta_get(&mi, repo->md[CN_TUF_TIMESTAMP], "snapshot.json")) != 0)
        goto out;
    free(rel);
    if ((rel = cn_tuf_metadata_path(CN_TUF_SNAPSHOT, mi.version, 1)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = load_md(&md, repo, rel, CN_TUF_SNAPSHOT, CN_TUF_MAX_METADATA_LEN)) != 0)
        goto out;
    replace_md(repo, CN_TUF_SNAPSHOT, md);
    md = NULL;
    if ((err = cn_tuf_meta_get(&mi, repo->md[CN_TUF_SNAPSHOT], "targets.json")) != 0)
        goto out;
    free(rel);
    if ((rel = cn_tuf_metadata_path(CN_TUF_TARGETS, mi.version, 1)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = load_md(&md, repo, rel, CN_TUF_TARGETS, CN_TUF_MAX_METADATA_LEN)) != 0)
        goto out;
    replace_md(repo, CN_TUF_TARGETS, md);
    md = NULL;
    json_decref(repo->pending);
    repo->pending = json_deep_copy(json_object_get(repo->md[CN_TUF_TARGETS]->signed_, "targets"));
    if (repo->pending == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if (json_object_get(repo->md[CN_TUF_TARGETS]->signed_, "delegations") != NULL) {
        repo->delegate = 1;
        if ((err = cn_tuf_item_roles_load(&repo->roles, repo->pending, repo->dir,
                                          repo->md[CN_TUF_TARGETS], repo->md[CN_TUF_SNAPSHOT])) !=
                0 ||
            (repo->history_path && (err = load_history(repo)) != 0))
            goto out;
    }
    if ((err = reindex(repo)) != 0)
        goto out;
    if (repo->have_keys && (err = check_keys_authorized(repo)) != 0)
        goto out;
    *out = repo;
    repo = NULL;
out:
    free(rel);
    cn_tuf_metadata_free(md);
    cn_tuf_repo_free(repo);
    return err;
}

void cn_tuf_repo_free(cn_tuf_repo *repo)
{
    int i;

    if (repo == NULL)
        return;
    for (i = 0; i < CN_TUF_ROLE_COUNT; i++)
        cn_tuf_metadata_free(repo->md[i]);
    free(repo->infos);
    json_decref(repo->pending);
    cn_tuf_item_roles_clear(&repo->roles);
    json_decref(repo->history);
    free(repo->history_path);
    free(repo->dir);
    free(repo);
}

/* Record target_path's file info (length, sha256 hex, custom) as pending. */
static int record_target(cn_tuf_repo *repo, const char *target_path, size_t len, const char *hex,
                         const json_t *custom)
{
    json_t *fi;
    int err;

    fi = json_pack("{s:I, s:{s:s}}", "length", (json_int_t)len, "hashes", "sha256", hex);
    if (fi == NULL ||
        (custom != NULL && json_object_set_new(fi, "custom", json_deep_copy(custom)) != 0) ||
        json_object_set(repo->pending, target_path, fi) != 0)
        err = cn_error_set(CN_ENOMEM, "out of memory");
    else
        err = reindex(repo);
    json_decref(fi);
    return err;
}

/* Check target_path and custom, and find where the content with SHA-256
 * hex is stored (*path, heap-allocated; its directory made). *exists says
 * whether it is there already: consistent names are content-addressed. */
static int target_file_path(char **path, int *exists, cn_tuf_repo *repo, const char *target_path,
                            const char *hex, const json_t *custom)
{
    char *rel = NULL, *slash;
    int err;

    *path = NULL;
    if ((err = cn_tuf_target_path_check(target_path)) != 0)
        return err;
    if (custom != NULL && !json_is_object(custom))
        return cn_error_set(CN_EINVAL, "%s: custom metadata must be a JSON object", target_path);
    if (custom != NULL) {
        /* Refuse now what could not be signed at commit (e.g. real numbers). */
        char *canon = NULL;
        if ((err = cn_json_canonical(&canon, NULL, custom)) != 0)
            return cn_error_wrap(err, "%s: custom metadata", target_path);
        free(canon);
    }
    if ((err = cn_tuf_target_consistent_path(&rel, target_path, hex)) != 0)
        return err;
    *path = cn_path_join(repo->dir, rel);
    free(rel);
    if (*path == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if ((*exists = cn_file_exists(*path)) == 0) {
        slash = strrchr(*path, '/');
        *slash = '\0';
        err = cn_mkdir_p(*path, 0755);
        *slash = '/';
    }
    if (err != 0) {
        free(*path);
        *path = NULL;
    }
    return err;
}

int cn_tuf_repo_add_target(cn_tuf_repo *repo, const char *target_path, const void *data, size_t len,
                           const json_t *custom)
{
    char hex[CN_SHA256_HEX_LEN + 1];
    char *path = NULL;
    int err, exists = 0;

    cn_sha256_hex(hex, data, len);
    if ((err = target_file_path(&path, &exists, repo, target_path, hex, custom)) == 0 &&
        (exists || (err = cn_file_write_atomic(path, data, len, 0644)) == 0))
        err = record_target(repo, target_path, len, hex, custom);
    free(path);
    return err;
}

int cn_tuf_repo_add_target_file(cn_tuf_repo *repo, const char *target_path, const char *src_path,
                                const json_t *custom)
{
    char hex[CN_SHA256_HEX_LEN + 1];
    char *path = NULL;
    size_t len = 0;
    int err, exists = 0;

    /* Hashed as it streams by; then stored under its hash by a hard link
     * (a bundle of hundreds of megabytes is not copied, nor held in memory)
     * or, across file systems, a streamed copy. */
    if ((err = cn_sha256_file_hex(hex, &len, src_path, repo->opts.max_target_len)) != 0 ||
        (err = target_file_path(&path, &exists, repo, target_path, hex, custom)) != 0)
        goto out;
    if (!exists && (err = cn_file_link_or_copy(src_path, path, repo->opts.max_target_len)) != 0)
        goto out;
    err = record_target(repo, target_path, len, hex, custom);
out:
    free(path);
    return err;
}

int cn_tuf_repo_remove_target(cn_tuf_repo *repo, const char *target_path)
{
    if (json_object_get(repo->pending, target_path) == NULL)
        return cn_error_set(CN_ENOTFOUND, "target %s is not in the repository", target_path);
    json_object_del(repo->pending, target_path);
    return reindex(repo);
}

/* Is role's published metadata due: it expires within margin (not CN_TUF_NEVER)? */
static int is_due(const cn_tuf_repo *repo, cn_tuf_role role, int64_t margin)
{
    time_t expires = repo->md[role]->expires, roles = cn_tuf_item_roles_expires(&repo->roles);

    /* The targets are due when the top-level role or any item role is. */
    if (role == CN_TUF_TARGETS && roles != 0 && roles < expires)
        expires = roles;
    return margin != CN_TUF_NEVER && expires <= repo_now(repo) + (time_t)margin;
}

/* Root N+1: the same keys and thresholds, a new expiry, signed by the
 * current root keys. Its one atomic write is the commit point. */
static int renew_root(cn_tuf_repo *repo)
{
    const cn_tuf_metadata *old = repo->md[CN_TUF_ROOT];
    cn_tuf_metadata *root = NULL;
    json_t *rs = NULL;
    int err;

    if ((err = build_root(&rs, repo, old->version + 1, old, CN_TUF_ROOT, NULL)) == 0 &&
        (err = write_md(&root, repo, rs, CN_TUF_ROOT, NULL)) == 0)
        replace_md(repo, CN_TUF_ROOT, root);
    json_decref(rs);
    return err;
}

/* A commit of the published targets, not of pending changes: every role
 * signed anew. */
static int recommit_published(cn_tuf_repo *repo)
{
    json_t *saved = repo->pending;
    size_t i;
    int err;

    repo->pending = json_deep_copy(json_object_get(repo->md[CN_TUF_TARGETS]->signed_, "targets"));
    for (i = 0; repo->pending && i < repo->roles.n; i++)
        if (json_object_update(repo->pending,
                               json_object_get(repo->roles.v[i].md->signed_, "targets")) != 0) {
            json_decref(repo->pending);
            repo->pending = NULL;
        }
    if (repo->pending && repo->history && json_object_update(repo->pending, repo->history) != 0) {
        json_decref(repo->pending);
        repo->pending = NULL;
    }
    if (repo->pending == NULL) {
        repo->pending = saved;
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    repo->force = 1;
    err = cn_tuf_repo_commit(repo);
    repo->force = 0;
    json_decref(repo->pending);
    repo->pending = saved;
    return err;
}

int cn_tuf_repo_renew(unsigned *renewed, cn_tuf_repo *repo, const int64_t margin[CN_TUF_ROLE_COUNT])
{
    unsigned done = 0;
    int err = 0;

    if (renewed)
        *renewed = 0;
    if (is_due(repo, CN_TUF_ROOT, margin[CN_TUF_ROOT])) {
        if ((err = renew_root(repo)) != 0)
            return cn_error_wrap(err, "cannot renew the root (version %" PRIu64 ")",
                                 repo->md[CN_TUF_ROOT]->version);
        done |= 1u << CN_TUF_ROOT;
    }
    if (is_due(repo, CN_TUF_TARGETS, margin[CN_TUF_TARGETS]) ||
        is_due(repo, CN_TUF_SNAPSHOT, margin[CN_TUF_SNAPSHOT])) {
        if ((err = recommit_published(repo)) == 0)
            done |= 1u << CN_TUF_TARGETS | 1u << CN_TUF_SNAPSHOT | 1u << CN_TUF_TIMESTAMP;
    } else if (is_due(repo, CN_TUF_TIMESTAMP, margin[CN_TUF_TIMESTAMP])) {
        if ((err = write_timestamp(repo, repo->md[CN_TUF_SNAPSHOT])) == 0)
            done |= 1u << CN_TUF_TIMESTAMP;
    }
    if (renewed)
        *renewed = done;
    return err;
}

int cn_tuf_repo_resign_expiring(int *resigned, cn_tuf_repo *repo, int64_t margin)
{
    const int64_t margins[CN_TUF_ROLE_COUNT] = {CN_TUF_NEVER, margin, margin, margin};
    unsigned done = 0;
    int err = cn_tuf_repo_renew(&done, repo, margins);

    if (resigned)
        *resigned = done != 0;
    return err;
}

int cn_tuf_repo_rotate_keys(cn_tuf_repo *repo, cn_tuf_role role, const cn_tuf_role_keys *new_keys)
{
    const cn_tuf_metadata *old = repo->md[CN_TUF_ROOT];
    cn_tuf_metadata *root = NULL;
    cn_tuf_keys saved = repo->keys;
    json_t *rs = NULL;
    int err;

    if (!repo->have_keys || repo->keys.role[CN_TUF_ROOT].nkeys == 0)
        return cn_error_set(CN_EINVAL, "repository opened without root keys: cannot rotate keys");
    if ((int)role < 0 || (int)role >= CN_TUF_ROLE_COUNT)
        return cn_error_set(CN_EINVAL, "unknown role");
    if (new_keys && (err = check_role_keys(new_keys, cn_tuf_role_name(role), 1)) != 0)
        return err;
    if ((err = build_root(&rs, repo, old->version + 1, old, role, new_keys)) != 0)
        goto out;
    /* Signed by the current root keys and, for a root rotation, the new ones. */
    if ((err = write_md(&root, repo, rs, CN_TUF_ROOT, role == CN_TUF_ROOT ? new_keys : NULL)) != 0)
        goto out;
    replace_md(repo, CN_TUF_ROOT, root);
    root = NULL;
    if (new_keys)
        repo->keys.role[role] = *new_keys;
    if ((err = cn_tuf_repo_resign_expiring(NULL, repo, CN_TUF_YEAR * 1000)) != 0) {
        repo->keys = saved;
        goto out;
    }
out:
    json_decref(rs);
    return err;
}

time_t cn_tuf_repo_expires(const cn_tuf_repo *repo, cn_tuf_role role)
{
    if ((int)role < 0 || (int)role >= CN_TUF_ROLE_COUNT || repo->md[role] == NULL)
        return 0;
    return repo->md[role]->expires;
}

uint64_t cn_tuf_repo_version(const cn_tuf_repo *repo, cn_tuf_role role)
{
    if ((int)role < 0 || (int)role >= CN_TUF_ROLE_COUNT || repo->md[role] == NULL)
        return 0;
    return repo->md[role]->version;
}

size_t cn_tuf_repo_target_count(const cn_tuf_repo *repo)
{
    return repo->ninfos;
}

const cn_tuf_target_info *cn_tuf_repo_target_at(const cn_tuf_repo *repo, size_t i)
{
    return i < repo->ninfos ? &repo->infos[i] : NULL;
}

int cn_tuf_repo_get_target(const cn_tuf_target_info **out, const cn_tuf_repo *repo,
                           const char *target_path)
{
    *out = cn_tuf_targets_find(repo->infos, repo->ninfos, target_path);
    return *out ? 0 : cn_error_set(CN_ENOTFOUND, "target %s is not in the repository", target_path);
}

const unsigned char *cn_tuf_repo_root_bytes(const cn_tuf_repo *repo, size_t *len)
{
    return cn_tuf_metadata_bytes(repo->md[CN_TUF_ROOT], len);
}

int cn_tuf_repo_node_id(char out[CN_SHA256_HEX_LEN + 1], const cn_tuf_repo *repo)
{
    unsigned char *data = NULL;
    char *path = cn_path_join(repo->dir, "tuf/1.root.json");
    size_t len;
    int err;

    if (path == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if ((err = cn_file_read(&data, &len, path, CN_TUF_MAX_ROOT_LEN)) == 0)
        cn_sha256_hex(out, data, len);
    free(data);
    free(path);
    return err;
}
