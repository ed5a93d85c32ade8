/*
 * tuf_client.c - the TUF client workflow (spec 1.0.31 §5.3-§5.6): from a
 * trusted root, walk the root chain, then timestamp, snapshot and targets,
 * refusing anything unsigned, rolled back, expired or mixed and matched.
 *
 * A refresh is all or nothing: it builds the new trusted set on the side and
 * only swaps it in when every check has passed, so a failed refresh leaves
 * the client trusting exactly what it trusted before. A caller that wants
 * each role on disk as soon as it verifies (the conformance client) sets a
 * persist hook; the in-memory state still changes all or nothing.
 *
 * Delegated targets roles are in core/tuf_delegated.c.
 */
#include "core/tuf_internal.h"

#include "core/error.h"
#include "core/file.h"
#include "core/hash.h"

#include <dirent.h>
#include <sys/stat.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cn_tuf_metadata *trusted_root(const cn_tuf_client *c)
{
    return c->roots[c->nroots - 1];
}

static int check_expiry(const cn_tuf_client *c, const cn_tuf_metadata *md, time_t now)
{
    return c->no_expiry ? 0 : cn_tuf_metadata_check_expiry(md, now);
}

/* Tell the persist hook (if any) that md verified as role. */
static int persist(const cn_tuf_client *c, const char *role, const cn_tuf_metadata *md)
{
    if (c->persist == NULL)
        return 0;
    return c->persist(c->persist_ctx, role, md->bytes, md->len);
}

void cn_tuf_client_set_persist(cn_tuf_client *c, cn_tuf_persist_fn fn, void *ctx)
{
    c->persist = fn;
    c->persist_ctx = ctx;
}

static int append_root(cn_tuf_metadata ***roots, size_t *n, cn_tuf_metadata *md)
{
    cn_tuf_metadata **r = realloc(*roots, (*n + 1) * sizeof(*r));

    if (r == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    r[(*n)++] = md;
    *roots = r;
    return 0;
}

int cn_tuf_client_new(cn_tuf_client **out, const void *trusted, size_t len, time_t now)
{
    cn_tuf_client *c = NULL;
    cn_tuf_metadata *root = NULL;
    int err;

    *out = NULL;
    if ((err = cn_tuf_metadata_parse(&root, trusted, len, CN_TUF_MAX_ROOT_LEN, CN_TUF_ROOT,
                                     "trusted root.json")) != 0)
        goto out;
    if ((err = cn_tuf_metadata_verify(root, root, CN_TUF_ROOT)) != 0)
        goto out;
    if ((c = calloc(1, sizeof(*c))) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    c->now = now;
    if ((err = append_root(&c->roots, &c->nroots, root)) != 0)
        goto out;
    root = NULL;
    *out = c;
    c = NULL;
out:
    cn_tuf_metadata_free(root);
    cn_tuf_client_free(c);
    return err;
}

void cn_tuf_client_free(cn_tuf_client *c)
{
    size_t i;

    if (c == NULL)
        return;
    for (i = 0; i < c->nroots; i++)
        cn_tuf_metadata_free(c->roots[i]);
    free(c->roots);
    for (i = 0; i < CN_TUF_ROLE_COUNT; i++)
        cn_tuf_metadata_free(c->md[i]);
    cn_tuf_client_delegated_free(c);
    free(c);
}

int cn_tuf_client_set_trusted(cn_tuf_client *c, cn_tuf_role role, const void *data, size_t len)
{
    static const size_t caps[CN_TUF_ROLE_COUNT] = {
        0, CN_TUF_MAX_METADATA_LEN, CN_TUF_MAX_METADATA_LEN, CN_TUF_MAX_TIMESTAMP_LEN};
    char what[48];
    cn_tuf_metadata *md = NULL;
    int err;

    if (role == CN_TUF_ROOT || (int)role < 0 || (int)role >= CN_TUF_ROLE_COUNT)
        return cn_error_set(CN_EINVAL, "set_trusted takes timestamp, snapshot or targets; "
                                       "a trusted root is given to cn_tuf_client_new");
    snprintf(what, sizeof(what), "trusted %s.json", cn_tuf_role_name(role));
    if ((err = cn_tuf_metadata_parse(&md, data, len, caps[role], role, what)) != 0)
        return err;
    if ((err = cn_tuf_metadata_verify(md, trusted_root(c), role)) != 0) {
        cn_tuf_metadata_free(md);
        return err;
    }
    cn_tuf_client_view_clear(c);
    cn_tuf_metadata_free(c->md[role]);
    c->md[role] = md;
    return 0;
}

/* Fetch path and parse it as role. If mi is given, the bytes must match its
 * length and hashes, and the fetch is capped at its length. */
static int fetch_md(cn_tuf_metadata **out, cn_tuf_fetch_fn fetch, void *ctx, const char *path,
                    size_t max, cn_tuf_role role, const cn_tuf_meta_info *mi)
{
    unsigned char *data = NULL;
    size_t len = 0;
    int err;

    *out = NULL;
    if (mi && mi->has_length && mi->length < max)
        max = (size_t)mi->length;
    if ((err = fetch(ctx, path, max, &data, &len)) != 0) {
        if (err == CN_ELIMIT && mi && mi->has_length)
            err = cn_error_wrap(CN_EVERIFY, "%s: longer than its signed length", path);
        goto out;
    }
    if (len > max) {
        err = cn_error_set(CN_EVERIFY, "%s: %zu bytes exceeds the limit of %zu", path, len, max);
        goto out;
    }
    if (mi && (err = cn_tuf_meta_check_bytes(mi, data, len, path)) != 0)
        goto out;
    err = cn_tuf_metadata_parse(out, data, len, max, role, path);
out:
    free(data);
    return err;
}

/* A new root's failed threshold, saying whose: "signed by 0 of 1 keys of
 * root 1 (the previous root)" or "... of root 2 itself". */
static int rotation_error(int err, const char *path, uint64_t root, const char *whose)
{
    const char *msg = cn_error_message(), *colon = strrchr(msg, ':');
    unsigned long long valid, threshold;

    if (err == CN_EVERIFY && colon &&
        sscanf(colon, ": %llu of %llu required signatures valid", &valid, &threshold) == 2)
        return cn_error_set(CN_EVERIFY, "%s: signed by %llu of %llu keys of root %" PRIu64 "%s",
                            path, valid, threshold, root, whose);
    return cn_error_wrap(err, "root %" PRIu64 "%s", root, whose);
}

/* Spec §5.3: walk N+1.root.json until the repository has no newer root. */
static int update_root(cn_tuf_metadata ***roots, size_t *nroots, const cn_tuf_client *c,
                       cn_tuf_fetch_fn fetch, void *ctx)
{
    const cn_tuf_metadata *cur = trusted_root(c);
    cn_tuf_metadata *md = NULL;
    char *path = NULL;
    size_t i;
    int err = 0;

    for (i = 0; i < CN_TUF_MAX_ROOT_ROTATIONS; i++) {
        if ((path = cn_tuf_metadata_path(CN_TUF_ROOT, cur->version + 1, 1)) == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        err = fetch_md(&md, fetch, ctx, path, CN_TUF_MAX_ROOT_LEN, CN_TUF_ROOT, NULL);
        if (err == CN_ENOTFOUND) {
            err = 0;
            break;
        }
        if (err != 0)
            goto out;
        /* Signed by a threshold of the trusted root's keys and of its own. */
        if ((err = cn_tuf_metadata_verify(md, cur, CN_TUF_ROOT)) != 0) {
            err = rotation_error(err, path, cur->version, " (the previous root)");
            goto out;
        }
        if ((err = cn_tuf_metadata_verify(md, md, CN_TUF_ROOT)) != 0) {
            err = rotation_error(err, path, cur->version + 1, " itself");
            goto out;
        }
        if (md->version != cur->version + 1) {
            err = cn_error_set(CN_EVERIFY, "%s: version %" PRIu64 ", expected %" PRIu64, path,
                               md->version, cur->version + 1);
            goto out;
        }
        if ((err = append_root(roots, nroots, md)) != 0)
            goto out;
        cur = md;
        md = NULL;
        if ((err = persist(c, "root", cur)) != 0)
            goto out;
        free(path);
        path = NULL;
    }
out:
    cn_tuf_metadata_free(md);
    free(path);
    return err;
}

void cn_tuf_client_set_check_expiry(cn_tuf_client *c, int check)
{
    c->no_expiry = !check;
}

int cn_tuf_client_update_root(cn_tuf_client *c, cn_tuf_fetch_fn fetch, void *ctx)
{
    cn_tuf_metadata **newroots = NULL;
    size_t nnew = 0, i;
    int err;

    if ((err = update_root(&newroots, &nnew, c, fetch, ctx)) != 0)
        goto out;
    for (i = 0; i < nnew; i++) {
        /* Each root was verified against its predecessor: keep what fits. */
        if ((err = append_root(&c->roots, &c->nroots, newroots[i])) != 0)
            goto out;
        newroots[i] = NULL;
    }
    /* Trusted metadata the newest root does not sign is dropped; delegated
     * roles are checked again when next needed. */
    if (nnew > 0 && (err = cn_tuf_client_delegated_reset(c)) != 0)
        goto out;
    for (i = CN_TUF_TARGETS; i < CN_TUF_ROLE_COUNT; i++) {
        if (nnew > 0 && c->md[i] &&
            cn_tuf_metadata_verify(c->md[i], trusted_root(c), (cn_tuf_role)i) != 0) {
            cn_tuf_metadata_free(c->md[i]);
            c->md[i] = NULL;
        }
    }
    cn_error_clear();
out:
    for (i = 0; i < nnew; i++)
        cn_tuf_metadata_free(newroots[i]);
    free(newroots);
    return err;
}

uint64_t cn_tuf_client_first_root_version(const cn_tuf_client *c)
{
    return c->roots[0]->version;
}

int cn_tuf_client_root_has_key(const cn_tuf_client *c, uint64_t version, cn_tuf_role role,
                               const unsigned char pub[CN_ED25519_PUB_LEN])
{
    char hex[2 * CN_ED25519_PUB_LEN + 1];
    const json_t *keys, *keyids, *id;
    size_t i, j;

    cn_hex_encode(hex, pub, CN_ED25519_PUB_LEN);
    for (i = 0; i < c->nroots; i++) {
        if (version != 0 && c->roots[i]->version != version)
            continue;
        keys = json_object_get(c->roots[i]->signed_, "keys");
        keyids = json_object_get(
            json_object_get(json_object_get(c->roots[i]->signed_, "roles"), cn_tuf_role_name(role)),
            "keyids");
        json_array_foreach(keyids, j, id)
        {
            const json_t *k = json_object_get(keys, json_string_value(id));
            const char *pk =
                json_string_value(json_object_get(json_object_get(k, "keyval"), "public"));
            if (pk && strcmp(pk, hex) == 0)
                return 1;
        }
    }
    return 0;
}

/* 1 if trusted md can be used as it is: not expired and, given mi, matching
 * its length and hashes. */
static int still_valid(const cn_tuf_client *c, const cn_tuf_metadata *md,
                       const cn_tuf_meta_info *mi)
{
    int ok = check_expiry(c, md, c->now) == 0 &&
             (mi == NULL || cn_tuf_meta_check_bytes(mi, md->bytes, md->len, md->what) == 0);

    cn_error_clear();
    return ok;
}

int cn_tuf_client_refresh(cn_tuf_client *c, cn_tuf_fetch_fn fetch, void *ctx)
{
    cn_tuf_metadata **newroots = NULL, *fresh[CN_TUF_ROLE_COUNT] = {NULL};
    const cn_tuf_metadata *root, *old[CN_TUF_ROLE_COUNT] = {NULL}, *use[CN_TUF_ROLE_COUNT] = {NULL};
    cn_tuf_meta_info mi;
    size_t nnew = 0, i;
    char *path = NULL;
    int r, err;

    if ((err = update_root(&newroots, &nnew, c, fetch, ctx)) != 0)
        goto out;
    root = nnew ? newroots[nnew - 1] : trusted_root(c);
    /* §5.3.10: a root that expired means a freeze attack or a dead repository. */
    if ((err = check_expiry(c, root, c->now)) != 0)
        goto out;
    for (r = CN_TUF_TARGETS; r < CN_TUF_ROLE_COUNT; r++)
        old[r] = c->md[r];
    /* §5.3.11: rotated timestamp or snapshot keys reset both (fast-forward
     * attack recovery); anything the new root does not sign is dropped. */
    if (nnew > 0) {
        if (!cn_tuf_role_keys_equal(trusted_root(c), root, CN_TUF_TIMESTAMP) ||
            !cn_tuf_role_keys_equal(trusted_root(c), root, CN_TUF_SNAPSHOT))
            old[CN_TUF_TIMESTAMP] = old[CN_TUF_SNAPSHOT] = NULL;
        for (r = CN_TUF_TARGETS; r < CN_TUF_ROLE_COUNT; r++)
            if (old[r] && cn_tuf_metadata_verify(old[r], root, (cn_tuf_role)r) != 0)
                old[r] = NULL;
        cn_error_clear();
    }

    /* §5.4 timestamp */
    if ((err = fetch_md(&fresh[CN_TUF_TIMESTAMP], fetch, ctx, "tuf/timestamp.json",
                        CN_TUF_MAX_TIMESTAMP_LEN, CN_TUF_TIMESTAMP, NULL)) != 0 ||
        (err = cn_tuf_metadata_verify(fresh[CN_TUF_TIMESTAMP], root, CN_TUF_TIMESTAMP)) != 0)
        goto out;
    use[CN_TUF_TIMESTAMP] = fresh[CN_TUF_TIMESTAMP];
    if (old[CN_TUF_TIMESTAMP]) {
        const cn_tuf_metadata *o = old[CN_TUF_TIMESTAMP], *n = fresh[CN_TUF_TIMESTAMP];
        cn_tuf_meta_info om;
        if (n->version < o->version) {
            err = cn_error_set(CN_EVERIFY,
                               "timestamp.json: version %" PRIu64 " is older than the trusted "
                               "version %" PRIu64 " (rollback)",
                               n->version, o->version);
            goto out;
        }
        if ((err = cn_tuf_meta_get(&om, o, "snapshot.json")) != 0 ||
            (err = cn_tuf_meta_get(&mi, n, "snapshot.json")) != 0)
            goto out;
        if (mi.version < om.version) {
            err = cn_error_set(CN_EVERIFY,
                               "timestamp.json: snapshot version %" PRIu64 " is older than the "
                               "trusted version %" PRIu64 " (rollback)",
                               mi.version, om.version);
            goto out;
        }
        if (n->version == o->version)
            use[CN_TUF_TIMESTAMP] = o; /* nothing new: keep what is trusted */
    }
    if ((err = check_expiry(c, use[CN_TUF_TIMESTAMP], c->now)) != 0)
        goto out;
    if (use[CN_TUF_TIMESTAMP] == fresh[CN_TUF_TIMESTAMP] &&
        (err = persist(c, "timestamp", fresh[CN_TUF_TIMESTAMP])) != 0)
        goto out;

    /* §5.5 snapshot */
    if ((err = cn_tuf_meta_get(&mi, use[CN_TUF_TIMESTAMP], "snapshot.json")) != 0)
        goto out;
    /* The trusted snapshot is final if the timestamp still names it and it
     * has not expired; otherwise a new one is fetched (and an expired one
     * still guards against rollback). */
    if (old[CN_TUF_SNAPSHOT] && old[CN_TUF_SNAPSHOT]->version == mi.version &&
        still_valid(c, old[CN_TUF_SNAPSHOT], NULL)) {
        use[CN_TUF_SNAPSHOT] = old[CN_TUF_SNAPSHOT];
    } else {
        if ((path = cn_tuf_metadata_path(CN_TUF_SNAPSHOT, mi.version, root->consistent_snapshot)) ==
            NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
        if ((err = fetch_md(&fresh[CN_TUF_SNAPSHOT], fetch, ctx, path, CN_TUF_MAX_METADATA_LEN,
                            CN_TUF_SNAPSHOT, &mi)) != 0 ||
            (err = cn_tuf_metadata_verify(fresh[CN_TUF_SNAPSHOT], root, CN_TUF_SNAPSHOT)) != 0)
            goto out;
        use[CN_TUF_SNAPSHOT] = fresh[CN_TUF_SNAPSHOT];
        if (use[CN_TUF_SNAPSHOT]->version != mi.version) {
            err = cn_error_set(CN_EVERIFY,
                               "%s: version %" PRIu64 ", but timestamp.json names %" PRIu64, path,
                               use[CN_TUF_SNAPSHOT]->version, mi.version);
            goto out;
        }
        if (old[CN_TUF_SNAPSHOT]) {
            /* §5.5.5: no targets metadata may disappear or go back. */
            const json_t *ometa = json_object_get(old[CN_TUF_SNAPSHOT]->signed_, "meta");
            const char *name;
            json_t *ofi;
            json_object_foreach((json_t *)ometa, name, ofi)
            {
                cn_tuf_meta_info a, b;
                if ((err = cn_tuf_meta_get(&a, old[CN_TUF_SNAPSHOT], name)) != 0)
                    goto out;
                if (cn_tuf_meta_get(&b, use[CN_TUF_SNAPSHOT], name) != 0) {
                    err = cn_error_set(CN_EVERIFY, "%s: %s is missing (trusted snapshot has it)",
                                       path, name);
                    goto out;
                }
                if (b.version < a.version) {
                    err = cn_error_set(CN_EVERIFY,
                                       "%s: %s version %" PRIu64 " is older than the trusted "
                                       "version %" PRIu64 " (rollback)",
                                       path, name, b.version, a.version);
                    goto out;
                }
            }
        }
        free(path);
        path = NULL;
    }
    if ((err = check_expiry(c, use[CN_TUF_SNAPSHOT], c->now)) != 0)
        goto out;
    if (use[CN_TUF_SNAPSHOT] == fresh[CN_TUF_SNAPSHOT] &&
        (err = persist(c, "snapshot", fresh[CN_TUF_SNAPSHOT])) != 0)
        goto out;

    /* §5.6 targets */
    if ((err = cn_tuf_meta_get(&mi, use[CN_TUF_SNAPSHOT], "targets.json")) != 0)
        goto out;
    if (old[CN_TUF_TARGETS] && old[CN_TUF_TARGETS]->version == mi.version &&
        still_valid(c, old[CN_TUF_TARGETS], &mi)) {
        use[CN_TUF_TARGETS] = old[CN_TUF_TARGETS];
    } else {
        if ((path = cn_tuf_metadata_path(CN_TUF_TARGETS, mi.version, root->consistent_snapshot)) ==
            NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
        if ((err = fetch_md(&fresh[CN_TUF_TARGETS], fetch, ctx, path, CN_TUF_MAX_METADATA_LEN,
                            CN_TUF_TARGETS, &mi)) != 0 ||
            (err = cn_tuf_metadata_verify(fresh[CN_TUF_TARGETS], root, CN_TUF_TARGETS)) != 0)
            goto out;
        use[CN_TUF_TARGETS] = fresh[CN_TUF_TARGETS];
        if (use[CN_TUF_TARGETS]->version != mi.version) {
            err =
                cn_error_set(CN_EVERIFY, "%s: version %" PRIu64 ", but the snapshot names %" PRIu64,
                             path, use[CN_TUF_TARGETS]->version, mi.version);
            goto out;
        }
    }
    if ((err = check_expiry(c, use[CN_TUF_TARGETS], c->now)) != 0)
        goto out;
    if (use[CN_TUF_TARGETS] == fresh[CN_TUF_TARGETS] &&
        (err = persist(c, "targets", fresh[CN_TUF_TARGETS])) != 0)
        goto out;

    /* Every check passed: swap the new trusted set in. Delegated roles
     * belong to the snapshot and targets they were checked under. */
    if ((nnew > 0 || use[CN_TUF_SNAPSHOT] != c->md[CN_TUF_SNAPSHOT] ||
         use[CN_TUF_TARGETS] != c->md[CN_TUF_TARGETS]) &&
        (err = cn_tuf_client_delegated_reset(c)) != 0)
        goto out;
    for (i = 0; i < nnew; i++) {
        if ((err = append_root(&c->roots, &c->nroots, newroots[i])) != 0)
            goto out; /* roots appended so far stay: each was fully verified */
        newroots[i] = NULL;
    }
    for (r = CN_TUF_TARGETS; r < CN_TUF_ROLE_COUNT; r++) {
        if (use[r] == c->md[r])
            continue;
        cn_tuf_metadata_free(c->md[r]);
        c->md[r] = fresh[r];
        fresh[r] = NULL;
    }
    err = 0;
out:
    for (i = 0; i < nnew; i++)
        cn_tuf_metadata_free(newroots[i]);
    free(newroots);
    for (r = 0; r < CN_TUF_ROLE_COUNT; r++)
        cn_tuf_metadata_free(fresh[r]);
    free(path);
    return err;
}

uint64_t cn_tuf_client_version(const cn_tuf_client *c, cn_tuf_role role)
{
    if (role == CN_TUF_ROOT)
        return trusted_root(c)->version;
    if ((int)role < 0 || (int)role >= CN_TUF_ROLE_COUNT || c->md[role] == NULL)
        return 0;
    return c->md[role]->version;
}

int cn_tuf_client_metadata_bytes(const unsigned char **out, size_t *len, const cn_tuf_client *c,
                                 cn_tuf_role role)
{
    const cn_tuf_metadata *md;

    *out = NULL;
    if ((int)role < 0 || (int)role >= CN_TUF_ROLE_COUNT)
        return cn_error_set(CN_EINVAL, "unknown role");
    md = role == CN_TUF_ROOT ? trusted_root(c) : c->md[role];
    if (md == NULL)
        return cn_error_set(CN_ENOTFOUND, "no trusted %s metadata", cn_tuf_role_name(role));
    *out = cn_tuf_metadata_bytes(md, len);
    return 0;
}

int cn_tuf_client_root_bytes(const unsigned char **out, size_t *len, const cn_tuf_client *c,
                             uint64_t version)
{
    size_t i;

    *out = NULL;
    for (i = 0; i < c->nroots; i++) {
        if (c->roots[i]->version == version) {
            *out = cn_tuf_metadata_bytes(c->roots[i], len);
            return 0;
        }
    }
    return cn_error_set(CN_ENOTFOUND, "root version %" PRIu64 " was not seen", version);
}

size_t cn_tuf_client_target_count(const cn_tuf_client *c)
{
    if (c->view)
        return c->nview;
    return c->md[CN_TUF_TARGETS] ? c->md[CN_TUF_TARGETS]->ntargets : 0;
}

const cn_tuf_target_info *cn_tuf_client_target_at(const cn_tuf_client *c, size_t i)
{
    if (i >= cn_tuf_client_target_count(c))
        return NULL;
    return c->view ? c->view[i] : &c->md[CN_TUF_TARGETS]->targets[i];
}

static int view_find_cmp(const void *key, const void *elem)
{
    return strcmp(key, (*(const cn_tuf_target_info *const *)elem)->path);
}

int cn_tuf_client_get_target_info(const cn_tuf_target_info **out, const cn_tuf_client *c,
                                  const char *target_path)
{
    const cn_tuf_metadata *t = c->md[CN_TUF_TARGETS];
    const cn_tuf_target_info *const *hit;

    if (c->view) {
        hit = bsearch(target_path, c->view, c->nview, sizeof(*c->view), view_find_cmp);
        *out = hit ? *hit : NULL;
    } else {
        *out = t ? cn_tuf_targets_find(t->targets, t->ntargets, target_path) : NULL;
    }
    return *out ? 0 : cn_error_set(CN_ENOTFOUND, "no trusted target %s", target_path);
}

int cn_tuf_client_fetch_target(unsigned char **out, size_t *outlen, const cn_tuf_client *c,
                               const cn_tuf_target_info *info, cn_tuf_fetch_fn fetch, void *ctx)
{
    char hex[CN_SHA256_HEX_LEN + 1];
    unsigned char *data = NULL;
    char *path = NULL;
    size_t len = 0;
    int err;

    *out = NULL;
    if (info->length > (uint64_t)SIZE_MAX)
        return cn_error_set(CN_ELIMIT, "%s: too large for this system", info->path);
    if (trusted_root(c)->consistent_snapshot)
        err = cn_tuf_target_consistent_path(&path, info->path,
                                            info->sha256[0] ? info->sha256 : info->sha512);
    else if ((path = cn_path_join("targets", info->path)) == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
    else
        err = 0;
    if (err != 0)
        goto out;
    if ((err = fetch(ctx, path, (size_t)info->length, &data, &len)) != 0) {
        if (err == CN_ELIMIT)
            err = cn_error_wrap(CN_EVERIFY, "target %s: longer than its signed length %" PRIu64,
                                info->path, info->length);
        else
            err = cn_error_wrap(err, "target %s", info->path);
        goto out;
    }
    if ((uint64_t)len != info->length) {
        err = cn_error_set(CN_EVERIFY, "%s: %zu bytes, target %s is signed with %" PRIu64, path,
                           len, info->path, info->length);
        goto out;
    }
    if (info->hashes != NULL) {
        if ((err = cn_tuf_hashes_check(info->hashes, data, len, path)) != 0) {
            err = cn_error_wrap(err, "target %s", info->path);
            goto out;
        }
    } else {
        cn_sha256_hex(hex, data, len);
        if (strcmp(hex, info->sha256) != 0) {
            err = cn_error_set(CN_EVERIFY, "%s: sha256 %s does not match target %s, signed %s",
                               path, hex, info->path, info->sha256);
            goto out;
        }
    }
    *out = data;
    data = NULL;
    if (outlen)
        *outlen = len;
out:
    free(data);
    free(path);
    return err;
}

int cn_tuf_fetch_dir(void *ctx, const char *path, size_t max_len, unsigned char **out,
                     size_t *outlen)
{
    const char *dir = ctx;
    char *full;
    int err;

    *out = NULL;
    /* Paths come from signed metadata and are checked, but a file reader
     * should not trust that: refuse anything that could leave dir. */
    if (path[0] == '/' || strstr(path, "..") != NULL)
        return cn_error_set(CN_EINVAL, "refusing to read %s", path);
    if ((full = cn_path_join(dir, path)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    err = cn_file_read(out, outlen, full, max_len);
    free(full);
    return err;
}

typedef struct {
    const cn_progress *progress;
    const char *phase;
    uint64_t done, total;
} target_files_walk;

/* The size of the regular files below dir, for a progress total. */
static uint64_t files_size(const char *dir)
{
    struct dirent *e;
    uint64_t total = 0;
    DIR *d;

    if ((d = opendir(dir)) == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        char *path;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            cn_file_is_stale_name(e->d_name) || (path = cn_path_join(dir, e->d_name)) == NULL)
            continue;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            total += files_size(path);
        else if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
            total += (uint64_t)st.st_size;
        free(path);
    }
    closedir(d);
    return total;
}

static int verify_target_files(const char *dir, size_t max_file, target_files_walk *w)
{
    struct dirent *e;
    DIR *d;
    int err = 0;

    if ((d = opendir(dir)) == NULL)
        return 0;
    while (err == 0 && (e = readdir(d)) != NULL) {
        char *path, digest[CN_SHA256_HEX_LEN + 1];
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if ((path = cn_path_join(dir, e->d_name)) == NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            break;
        }
        if (lstat(path, &st) != 0)
            err = cn_error_set(CN_ERROR, "%s: cannot stat", path);
        else if (S_ISDIR(st.st_mode))
            err = verify_target_files(path, max_file, w);
        else if (S_ISREG(st.st_mode) && cn_file_is_stale_name(e->d_name))
            err = 0; /* a killed writer's temporary file: no metadata names it,
                        the next writer removes it (cn_file_remove_stale) */
        else if (!S_ISREG(st.st_mode) || strlen(e->d_name) <= CN_SHA256_HEX_LEN + 1 ||
                 e->d_name[CN_SHA256_HEX_LEN] != '.')
            err = cn_error_set(CN_EVERIFY, "%s: not a target file (<sha256>.<name>)", path);
        else if ((err = cn_sha256_file_hex(digest, NULL, path, max_file)) == 0 &&
                 strncmp(digest, e->d_name, CN_SHA256_HEX_LEN) != 0)
            err = cn_error_set(CN_EVERIFY, "%s: content does not match its signed hash", path);
        if (err == 0 && S_ISREG(st.st_mode) && w->progress) {
            w->done += (uint64_t)st.st_size;
            cn_progress_report(w->progress, w->phase, w->done < w->total ? w->done : w->total,
                               w->total);
        }
        free(path);
    }
    closedir(d);
    return err;
}

int cn_tuf_verify_target_files(const char *targets_dir, size_t max_file)
{
    return cn_tuf_verify_target_files_reporting(targets_dir, max_file, NULL, NULL);
}

int cn_tuf_verify_target_files_reporting(const char *targets_dir, size_t max_file,
                                         const cn_progress *progress, const char *phase)
{
    target_files_walk w = {progress, phase, 0, 0};
    int err;

    if (progress != NULL && (w.total = files_size(targets_dir)) == 0)
        w.progress = NULL; /* nothing to hash: no phase */
    cn_progress_report(w.progress, phase, 0, w.total);
    err = verify_target_files(targets_dir, max_file, &w);
    cn_progress_end(w.progress, phase);
    return err;
}

int cn_tuf_verify_dir(const char *public_dir, time_t now)
{
    cn_tuf_client *c = NULL;
    unsigned char *root = NULL, *data = NULL;
    size_t len, i;
    int err;

    if ((err = cn_tuf_fetch_dir((void *)public_dir, "tuf/1.root.json", CN_TUF_MAX_ROOT_LEN, &root,
                                &len)) != 0)
        goto out;
    if ((err = cn_tuf_client_new(&c, root, len, now)) != 0 ||
        (err = cn_tuf_client_refresh(c, cn_tuf_fetch_dir, (void *)public_dir)) != 0 ||
        (err = cn_tuf_client_load_delegations(c, cn_tuf_fetch_dir, (void *)public_dir)) != 0)
        goto out;
    for (i = 0; i < cn_tuf_client_target_count(c); i++) {
        err = cn_tuf_client_fetch_target(&data, &len, c, cn_tuf_client_target_at(c, i),
                                         cn_tuf_fetch_dir, (void *)public_dir);
        free(data);
        data = NULL;
        if (err == CN_ENOTFOUND)
            err = cn_error_wrap(CN_EVERIFY, "target file missing");
        if (err != 0)
            goto out;
    }
out:
    cn_tuf_client_free(c);
    free(root);
    return err;
}
