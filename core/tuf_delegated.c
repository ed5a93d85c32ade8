/*
 * tuf_delegated.c - delegated targets roles on the client side (spec 1.0.31
 * §5.6.7): loading a role its delegator names, the pre-order depth-first
 * search for one target, and listing mode (every reachable role).
 *
 * Invariants: every entry of c->delegated verified under c->md[SNAPSHOT]
 * and the keys its parent (an earlier entry, or the top-level targets)
 * gives it; an entry's `delegation` points into its parent's JSON, which
 * lives as long as the entry (entries are only freed all together, by
 * cn_tuf_client_delegated_reset, before the top-level targets change).
 * c->index maps a name to its entry (open addressing, a power-of-two size
 * at least twice the entry count; slot value = entry index + 1, 0 = empty).
 */
#include "core/tuf_internal.h"

#include "core/error.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The entry named name, or CN_TUF_TOP_TARGETS if none. */
static size_t find_delegated(const cn_tuf_client *c, const char *name)
{
    size_t mask, i;

    if (c->index_cap == 0)
        return CN_TUF_TOP_TARGETS;
    mask = c->index_cap - 1;
    for (i = (size_t)name_hash(name) & mask; c->index[i] != 0; i = (i + 1) & mask)
        if (strcmp(c->delegated[c->index[i] - 1].name, name) == 0)
            return c->index[i] - 1;
    return CN_TUF_TOP_TARGETS;
}

static void index_put(cn_tuf_client *c, size_t entry)
{
    size_t mask = c->index_cap - 1, i;

    for (i = (size_t)name_hash(c->delegated[entry].name) & mask; c->index[i] != 0;
         i = (i + 1) & mask)
        ;
    c->index[i] = entry + 1;
}

/* Room for one more entry in c->delegated and the index. */
static int grow(cn_tuf_client *c)
{
    size_t i;

    if (c->ndelegated % 64 == 0) {
        cn_tuf_delegated *d = realloc(c->delegated, (c->ndelegated + 64) * sizeof(*d));
        if (d == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        c->delegated = d;
    }
    if (2 * (c->ndelegated + 1) > c->index_cap) {
        size_t cap = c->index_cap ? 2 * c->index_cap : 128, *idx = calloc(cap, sizeof(*idx));
        if (idx == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        free(c->index);
        c->index = idx;
        c->index_cap = cap;
        for (i = 0; i < c->ndelegated; i++)
            index_put(c, i);
    }
    return 0;
}

static void cached_free(cn_tuf_cached_role *r)
{
    free(r->name);
    free(r->bytes);
    memset(r, 0, sizeof(*r));
}

/* Keep bytes (ownership passes, also on failure) as the candidate for name. */
static int cache_put(cn_tuf_client *c, char *name, unsigned char *bytes, size_t len)
{
    cn_tuf_cached_role *r;
    size_t i;

    for (i = 0; i < c->ncached; i++) {
        if (strcmp(c->cached[i].name, name) == 0) {
            free(name);
            free(c->cached[i].bytes);
            c->cached[i].bytes = bytes;
            c->cached[i].len = len;
            return 0;
        }
    }
    if ((r = realloc(c->cached, (c->ncached + 1) * sizeof(*r))) == NULL) {
        free(name);
        free(bytes);
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    c->cached = r;
    r[c->ncached].name = name;
    r[c->ncached].bytes = bytes;
    r[c->ncached].len = len;
    c->ncached++;
    return 0;
}

/* Take the candidate bytes for name out of the cache (1), or 0 if none. */
static int cache_take(cn_tuf_client *c, const char *name, unsigned char **bytes, size_t *len)
{
    size_t i;

    for (i = 0; i < c->ncached; i++) {
        if (strcmp(c->cached[i].name, name) != 0)
            continue;
        *bytes = c->cached[i].bytes;
        *len = c->cached[i].len;
        c->cached[i].bytes = NULL;
        cached_free(&c->cached[i]);
        c->cached[i] = c->cached[--c->ncached];
        return 1;
    }
    return 0;
}

int cn_tuf_client_set_trusted_delegated(cn_tuf_client *c, const char *name, const void *data,
                                        size_t len)
{
    unsigned char *copy;
    char *n;

    if (len > CN_TUF_MAX_METADATA_LEN)
        return cn_error_set(CN_ELIMIT, "%s.json: %zu bytes exceeds the limit of %u", name, len,
                            CN_TUF_MAX_METADATA_LEN);
    if ((n = strdup(name)) == NULL || (copy = malloc(len ? len : 1)) == NULL) {
        free(n);
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    memcpy(copy, data, len);
    return cache_put(c, n, copy, len);
}

void cn_tuf_client_view_clear(cn_tuf_client *c)
{
    free(c->view);
    c->view = NULL;
    c->nview = 0;
}

typedef struct {
    const cn_tuf_target_info *t;
    size_t rank; /* where find_target meets it: 0 top-level, then load order */
} view_entry;

static int view_cmp(const void *a, const void *b)
{
    const view_entry *x = a, *y = b;
    int r = strcmp(x->t->path, y->t->path);

    return r ? r : (x->rank > y->rank) - (x->rank < y->rank);
}

/* The view of every trusted target (struct cn_tuf_client). Roles were
 * loaded depth first in delegation order, as find_target visits them, so
 * of two roles listing a path the one loaded first wins, and the top-level
 * targets before any. */
static int build_view(cn_tuf_client *c)
{
    const cn_tuf_metadata *top = c->md[CN_TUF_TARGETS];
    view_entry *all;
    size_t n = top->ntargets, i, j, k = 0;

    for (i = 0; i < c->ndelegated; i++)
        n += cn_tuf_client_delegated_target_count(c, i);
    cn_tuf_client_view_clear(c);
    if ((all = malloc((n ? n : 1) * sizeof(*all))) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    for (j = 0; j < top->ntargets; j++)
        all[k++] = (view_entry){&top->targets[j], 0};
    for (i = 0; i < c->ndelegated; i++)
        for (j = 0; j < cn_tuf_client_delegated_target_count(c, i); j++)
            all[k++] = (view_entry){cn_tuf_client_delegated_target_at(c, i, j), i + 1};
    qsort(all, n, sizeof(*all), view_cmp);
    if ((c->view = malloc((n ? n : 1) * sizeof(*c->view))) == NULL) {
        free(all);
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    for (i = 0; i < n; i++)
        if (i == 0 || strcmp(all[i].t->path, all[i - 1].t->path) != 0)
            c->view[c->nview++] = all[i].t;
    free(all);
    return 0;
}

int cn_tuf_client_delegated_reset(cn_tuf_client *c)
{
    size_t i;
    int err = 0;

    cn_tuf_client_view_clear(c);
    for (i = 0; i < c->ndelegated; i++) {
        cn_tuf_delegated *d = &c->delegated[i];
        unsigned char *bytes = d->md->bytes;
        int e;

        d->md->bytes = NULL;
        e = cache_put(c, d->name, bytes, d->md->len);
        if (err == 0)
            err = e;
        cn_tuf_metadata_free(d->md);
        free(d->listed);
    }
    free(c->delegated);
    free(c->index);
    c->delegated = NULL;
    c->index = NULL;
    c->ndelegated = c->index_cap = 0;
    return err;
}

void cn_tuf_client_delegated_free(cn_tuf_client *c)
{
    size_t i;

    cn_tuf_client_delegated_reset(c);
    for (i = 0; i < c->ncached; i++)
        cached_free(&c->cached[i]);
    free(c->cached);
    c->cached = NULL;
    c->ncached = 0;
}

static const cn_tuf_metadata *role_md(const cn_tuf_client *c, size_t idx)
{
    return idx == CN_TUF_TOP_TARGETS ? c->md[CN_TUF_TARGETS] : c->delegated[idx].md;
}

/* Check bytes as delegated role `name`: the snapshot's length and hashes,
 * a threshold of the delegator's keys for it, the version the snapshot
 * names, expiry. */
static int accept_role(cn_tuf_metadata **out, const cn_tuf_client *c, const unsigned char *data,
                       size_t len, const cn_tuf_meta_info *mi, const json_t *keys,
                       const json_t *delegation, const char *name, const char *what)
{
    cn_tuf_metadata *md = NULL;
    int err;

    *out = NULL;
    if ((err = cn_tuf_meta_check_bytes(mi, data, len, what)) != 0 ||
        (err = cn_tuf_metadata_parse(&md, data, len, CN_TUF_MAX_METADATA_LEN, CN_TUF_TARGETS,
                                     what)) != 0 ||
        (err = cn_tuf_verify_role(md, keys, delegation, name)) != 0)
        goto out;
    if (md->version != mi->version) {
        err = cn_error_set(CN_EVERIFY, "%s: version %" PRIu64 ", but the snapshot names %" PRIu64,
                           what, md->version, mi->version);
        goto out;
    }
    if (!c->no_expiry && (err = cn_tuf_metadata_check_expiry(md, c->now)) != 0)
        goto out;
    *out = md;
    md = NULL;
out:
    cn_tuf_metadata_free(md);
    return err;
}

/* Fetch a delegated role's file, at most max bytes. */
static int fetch_role(unsigned char **out, size_t *len, const cn_tuf_client *c, const char *name,
                      const cn_tuf_meta_info *mi, cn_tuf_fetch_fn fetch, void *ctx)
{
    size_t max = CN_TUF_MAX_METADATA_LEN;
    char *file = NULL, *path = NULL;
    int err;

    *out = NULL;
    if (mi->has_length && mi->length < max)
        max = (size_t)mi->length;
    if ((err = cn_tuf_role_file_name(
             &file, name, c->roots[c->nroots - 1]->consistent_snapshot ? mi->version : 0)) != 0)
        goto out;
    if ((path = malloc(strlen(file) + 5)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    snprintf(path, strlen(file) + 5, "tuf/%s", file);
    if ((err = fetch(ctx, path, max, out, len)) != 0) {
        if (err == CN_ELIMIT && mi->has_length)
            err = cn_error_wrap(CN_EVERIFY, "%s: longer than its signed length", path);
        goto out;
    }
    if (*len > max) {
        err = cn_error_set(CN_EVERIFY, "%s: %zu bytes exceeds the limit of %zu", path, *len, max);
        free(*out);
        *out = NULL;
    }
out:
    free(file);
    free(path);
    return err;
}

/* The targets of entry idx that the delegation chain above it covers. */
static int list_covered(cn_tuf_client *c, size_t idx)
{
    cn_tuf_delegated *d = &c->delegated[idx];
    size_t i, up;

    if (d->md->ntargets > 0 && (d->listed = calloc(d->md->ntargets, sizeof(*d->listed))) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    for (i = 0; i < d->md->ntargets; i++) {
        const char *path = d->md->targets[i].path;
        int covered = 1;
        for (up = idx; up != CN_TUF_TOP_TARGETS && covered; up = c->delegated[up].parent)
            covered = cn_tuf_delegation_covers(c->delegated[up].delegation, path);
        if (covered)
            d->listed[d->nlisted++] = &d->md->targets[i];
    }
    return 0;
}

/* The entry for the role `delegation` (an entry of parent's delegations)
 * names: already trusted, or a verified candidate, or fetched and verified
 * (and then persisted). */
static int load_role(size_t *out, cn_tuf_client *c, size_t parent, const json_t *delegation,
                     cn_tuf_fetch_fn fetch, void *ctx)
{
    const char *name = json_string_value(json_object_get(delegation, "name"));
    const json_t *keys = json_object_get(role_md(c, parent)->delegations, "keys");
    char metaname[CN_TUF_MAX_ROLE_NAME + 8], what[CN_TUF_MAX_ROLE_NAME + 8];
    unsigned char *data = NULL;
    cn_tuf_metadata *md = NULL;
    cn_tuf_delegated *d;
    cn_tuf_meta_info mi;
    size_t len = 0;
    int err, fetched = 0;

    /* A role trusted through another delegator gains no authority from it:
     * it must verify with the keys this delegator gives it too. */
    if ((*out = find_delegated(c, name)) != CN_TUF_TOP_TARGETS)
        return cn_tuf_verify_role(c->delegated[*out].md, keys, delegation, name);
    if (c->ndelegated >= CN_TUF_MAX_DELEGATED_ROLES)
        return cn_error_set(CN_ELIMIT, "more than %u delegated roles", CN_TUF_MAX_DELEGATED_ROLES);
    snprintf(metaname, sizeof(metaname), "%s.json", name);
    snprintf(what, sizeof(what), "%s.json", name);
    if (cn_tuf_meta_get(&mi, c->md[CN_TUF_SNAPSHOT], metaname) != 0)
        return cn_error_set(CN_EVERIFY, "role %s is delegated but the snapshot does not list it",
                            name);
    if (cache_take(c, name, &data, &len)) {
        err = accept_role(&md, c, data, len, &mi, keys, delegation, name, what);
        free(data);
        data = NULL;
        cn_error_clear(); /* a stale candidate is simply not used */
    }
    if (md == NULL) {
        if ((err = fetch_role(&data, &len, c, name, &mi, fetch, ctx)) != 0 ||
            (err = accept_role(&md, c, data, len, &mi, keys, delegation, name, what)) != 0)
            goto out;
        fetched = 1;
    }
    if ((err = grow(c)) != 0)
        goto out;
    d = &c->delegated[c->ndelegated];
    memset(d, 0, sizeof(*d));
    if ((d->name = strdup(name)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    d->md = md;
    d->parent = parent;
    d->delegation = delegation;
    md = NULL;
    *out = c->ndelegated++;
    index_put(c, *out);
    if ((err = list_covered(c, *out)) != 0)
        goto out;
    if (fetched && c->persist &&
        (err = c->persist(c->persist_ctx, name, d->md->bytes, d->md->len)) != 0)
        goto out;
out:
    cn_tuf_metadata_free(md);
    free(data);
    return err;
}

/* A role still to visit: its delegation entry (NULL: the top-level
 * targets) and the entry of the role that delegates it. */
typedef struct {
    const json_t *delegation;
    size_t parent;
} pending;

typedef struct {
    pending *v;
    size_t n, cap;
} pending_stack;

static int push(pending_stack *s, const json_t *delegation, size_t parent)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        pending *v = realloc(s->v, cap * sizeof(*v));
        if (v == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n].delegation = delegation;
    s->v[s->n].parent = parent;
    s->n++;
    return 0;
}

static int need_targets(const cn_tuf_client *c)
{
    if (c->md[CN_TUF_TARGETS] == NULL || c->md[CN_TUF_SNAPSHOT] == NULL)
        return cn_error_set(CN_EINVAL, "no trusted targets metadata: refresh first");
    return 0;
}

int cn_tuf_client_find_target(const cn_tuf_target_info **out, cn_tuf_client *c,
                              const char *target_path, cn_tuf_fetch_fn fetch, void *ctx)
{
    const char *visited[CN_TUF_MAX_DELEGATION_SEARCH + 1];
    pending_stack stack = {NULL, 0, 0};
    size_t nvisited = 0, i, first;
    int err;

    *out = NULL;
    if ((err = need_targets(c)) != 0 || (err = push(&stack, NULL, CN_TUF_TOP_TARGETS)) != 0)
        goto out;
    while (nvisited <= CN_TUF_MAX_DELEGATION_SEARCH && stack.n > 0) {
        pending p = stack.v[--stack.n];
        const char *name =
            p.delegation ? json_string_value(json_object_get(p.delegation, "name")) : "targets";
        const cn_tuf_metadata *md;
        const json_t *roles, *r;
        size_t idx = CN_TUF_TOP_TARGETS;
        int seen = 0;

        for (i = 0; i < nvisited && !seen; i++)
            seen = strcmp(visited[i], name) == 0;
        if (seen)
            continue;
        if (p.delegation && (err = load_role(&idx, c, p.parent, p.delegation, fetch, ctx)) != 0)
            goto out;
        md = role_md(c, idx);
        if ((*out = cn_tuf_targets_find(md->targets, md->ntargets, target_path)) != NULL)
            goto out;
        visited[nvisited++] = name;
        /* Children that cover the path, pushed so the first is visited first;
         * a terminating one ends the search below it. */
        roles = json_object_get(md->delegations, "roles");
        first = stack.n;
        json_array_foreach(roles, i, r)
        {
            if (!cn_tuf_delegation_covers(r, target_path))
                continue;
            if ((err = push(&stack, r, idx)) != 0)
                goto out;
            if (json_is_true(json_object_get(r, "terminating"))) {
                /* No backtracking: only this role's children stay. */
                memmove(stack.v, stack.v + first, (stack.n - first) * sizeof(*stack.v));
                stack.n -= first;
                first = 0;
                break;
            }
        }
        for (i = 0; stack.n > 0 && first + i < stack.n - 1 - i; i++) {
            pending t = stack.v[first + i];
            stack.v[first + i] = stack.v[stack.n - 1 - i];
            stack.v[stack.n - 1 - i] = t;
        }
    }
    err = cn_error_set(CN_ENOTFOUND, "no trusted target %s", target_path);
out:
    free(stack.v);
    return err;
}

int cn_tuf_client_load_delegations(cn_tuf_client *c, cn_tuf_fetch_fn fetch, void *ctx)
{
    pending_stack stack = {NULL, 0, 0};
    unsigned char *done = NULL;
    size_t i, ndone = 0;
    int err;

    if ((err = need_targets(c)) != 0 || (err = push(&stack, NULL, CN_TUF_TOP_TARGETS)) != 0)
        goto out;
    while (stack.n > 0) {
        pending p = stack.v[--stack.n];
        const json_t *roles;
        size_t idx = CN_TUF_TOP_TARGETS;

        if (p.delegation) {
            if ((err = load_role(&idx, c, p.parent, p.delegation, fetch, ctx)) != 0)
                goto out;
            if (idx >= ndone) { /* a visited flag per entry */
                unsigned char *d = realloc(done, c->ndelegated);
                if (d == NULL) {
                    err = cn_error_set(CN_ENOMEM, "out of memory");
                    goto out;
                }
                memset(d + ndone, 0, c->ndelegated - ndone);
                done = d;
                ndone = c->ndelegated;
            }
            if (done[idx])
                continue;
            done[idx] = 1;
        }
        roles = json_object_get(role_md(c, idx)->delegations, "roles");
        for (i = json_array_size(roles); i > 0; i--)
            if ((err = push(&stack, json_array_get(roles, i - 1), idx)) != 0)
                goto out;
    }
    err = build_view(c);
out:
    free(done);
    free(stack.v);
    return err;
}

size_t cn_tuf_client_delegated_count(const cn_tuf_client *c)
{
    return c->ndelegated;
}

const char *cn_tuf_client_delegated_at(const cn_tuf_client *c, size_t i)
{
    return i < c->ndelegated ? c->delegated[i].name : NULL;
}

uint64_t cn_tuf_client_delegated_version(const cn_tuf_client *c, size_t i)
{
    return i < c->ndelegated ? c->delegated[i].md->version : 0;
}

int cn_tuf_client_delegated_bytes(const unsigned char **out, size_t *len, const cn_tuf_client *c,
                                  size_t i)
{
    *out = NULL;
    if (i >= c->ndelegated)
        return cn_error_set(CN_ENOTFOUND, "no delegated role %zu", i);
    *out = cn_tuf_metadata_bytes(c->delegated[i].md, len);
    return 0;
}

size_t cn_tuf_client_delegated_target_count(const cn_tuf_client *c, size_t i)
{
    return i < c->ndelegated ? c->delegated[i].nlisted : 0;
}

const cn_tuf_target_info *cn_tuf_client_delegated_target_at(const cn_tuf_client *c, size_t i,
                                                            size_t j)
{
    return j < cn_tuf_client_delegated_target_count(c, i) ? c->delegated[i].listed[j] : NULL;
}
