/*
 * pack_plan.c - count the objects a pack carries and find where each one
 * lies packed (pack_plan.h); pack_reuse.c writes the pack.
 *
 * A full plan walks the commits with libgit2's revwalk and their trees with
 * core/tree_check.h's walker, whose visitor files every tree and blob here
 * once, located in the repository's pack indexes as it comes. A thin plan
 * walks as core/pack.c's thin writer did: the prerequisite's tree first
 * (what the receiver has), then each new commit's tree with its paths, so
 * each new blob or tree gets the prerequisite's object at its path as a
 * delta base to try.
 */
#include "core/pack_plan.h"
#include "core/error.h"
#include "core/file.h"
#include "core/git.h"
#include "core/pack_plan_internal.h"
#include "core/tree_check.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deepest chain of alternates followed, as git's. */
#define MAX_ALTERNATE_DEPTH 5
/* Longest objects/info/alternates file read. */
#define MAX_ALTERNATES_FILE (64 * 1024)

/* ---- sets of object ids ------------------------------------------------ */

static size_t slot_of(const git_oid *oid, size_t cap)
{
    size_t h;

    memcpy(&h, oid->id, sizeof(h));
    return h & (cap - 1);
}

static const git_oid *elem(const void *base, size_t stride, size_t i)
{
    return (const git_oid *)((const unsigned char *)base + i * stride);
}

long cn_oid_index_find(const oid_index *x, const void *base, size_t stride, const git_oid *oid)
{
    size_t j;

    if (x->cap == 0)
        return -1;
    for (j = slot_of(oid, x->cap); x->slots[j] != 0; j = (j + 1) & (x->cap - 1))
        if (memcmp(elem(base, stride, x->slots[j] - 1)->id, oid->id, GIT_OID_RAWSZ) == 0)
            return (long)x->slots[j] - 1;
    return -1;
}

static void place(uint32_t *slots, size_t cap, const git_oid *oid, uint32_t value)
{
    size_t j;

    for (j = slot_of(oid, cap); slots[j] != 0; j = (j + 1) & (cap - 1))
        ;
    slots[j] = value;
}

int cn_oid_index_add(oid_index *x, const void *base, size_t stride, size_t n)
{
    uint32_t *slots;
    size_t cap, i;

    if (n >= UINT32_MAX - 1)
        return cn_error_set(CN_ELIMIT, "too many objects for one pack");
    if (2 * (n + 1) > x->cap) {
        cap = x->cap ? x->cap * 2 : 1024;
        while (2 * (n + 1) > cap)
            cap *= 2;
        if ((slots = calloc(cap, sizeof(*slots))) == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        for (i = 0; i < x->cap; i++)
            if (x->slots[i] != 0)
                place(slots, cap, elem(base, stride, x->slots[i] - 1), x->slots[i]);
        free(x->slots);
        x->slots = slots;
        x->cap = cap;
    }
    place(x->slots, x->cap, elem(base, stride, n), (uint32_t)n + 1);
    return 0;
}

void cn_oid_index_free(oid_index *x)
{
    free(x->slots);
    x->slots = NULL;
    x->cap = 0;
}

/* A growing stack of object ids. */
typedef struct {
    git_oid *v;
    size_t len, cap;
} oid_stack;

static int oid_stack_push(oid_stack *st, const git_oid *oid)
{
    git_oid *grown;
    size_t cap;

    if (st->len == st->cap) {
        cap = st->cap ? st->cap * 2 : 64;
        if ((grown = realloc(st->v, cap * sizeof(*grown))) == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        st->v = grown;
        st->cap = cap;
    }
    git_oid_cpy(&st->v[st->len++], oid);
    return 0;
}

/* ---- the packs of a repository ------------------------------------------ */

static int store_add_dir(pack_store *s, const char *objects_dir, int depth);

/* objects/info/alternates: one object directory per line, absolute or
 * relative to objects_dir; '#' starts a comment. */
static int store_add_alternates(pack_store *s, const char *objects_dir, int depth)
{
    unsigned char *data = NULL;
    char *path, *line, *next, *dir;
    size_t len;
    int err;

    if ((path = cn_path_join(objects_dir, "info/alternates")) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    err = cn_file_read(&data, &len, path, MAX_ALTERNATES_FILE);
    free(path);
    if (err == CN_ENOTFOUND) {
        cn_error_clear();
        return 0;
    }
    if (err != 0)
        return err;
    if (depth >= MAX_ALTERNATE_DEPTH) {
        free(data);
        return cn_error_set(CN_ELIMIT, "%s: alternates nest deeper than %d", objects_dir,
                            MAX_ALTERNATE_DEPTH);
    }
    for (line = (char *)data; err == 0 && line != NULL && *line != '\0'; line = next) {
        if ((next = strchr(line, '\n')) != NULL)
            *next++ = '\0';
        if (*line == '\0' || *line == '#')
            continue;
        dir = line[0] == '/' ? strdup(line) : cn_path_join(objects_dir, line);
        if (dir == NULL)
            err = cn_error_set(CN_ENOMEM, "out of memory");
        else
            err = store_add_dir(s, dir, depth + 1);
        free(dir);
    }
    free(data);
    return err;
}

static int store_add_pack(pack_store *s, const char *path)
{
    cn_pack_index **grown, *ix = NULL;
    int err = cn_pack_index_open(&ix, path);

    if (err == CN_ENOTFOUND) {
        cn_error_clear(); /* a pack whose index is still being written */
        return 0;
    }
    if (err != 0)
        return err;
    if (s->npacks >= UINT16_MAX - 1) {
        cn_pack_index_free(ix);
        return cn_error_set(CN_ELIMIT, "more than %d packs; run `git gc`", UINT16_MAX - 1);
    }
    if ((grown = realloc(s->packs, (s->npacks + 1) * sizeof(*grown))) == NULL) {
        cn_pack_index_free(ix);
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    s->packs = grown;
    s->packs[s->npacks++] = ix;
    return 0;
}

/* Has the store taken objects_dir already (alternates may name each
 * other, or one directory twice)? Records it if not: 1 seen, 0 new. */
static int store_seen_dir(pack_store *s, const char *objects_dir)
{
    char *real = realpath(objects_dir, NULL), **grown;
    size_t i;

    if (real == NULL)
        return 0; /* a directory that does not exist adds nothing */
    for (i = 0; i < s->ndirs; i++)
        if (strcmp(s->dirs[i], real) == 0) {
            free(real);
            return 1;
        }
    if ((grown = realloc(s->dirs, (s->ndirs + 1) * sizeof(*grown))) == NULL) {
        free(real);
        return 0;
    }
    s->dirs = grown;
    s->dirs[s->ndirs++] = real;
    return 0;
}

static int store_add_dir(pack_store *s, const char *objects_dir, int depth)
{
    char *pack_dir, **names = NULL, *path;
    size_t n = 0, i;
    int err;

    if (store_seen_dir(s, objects_dir))
        return 0;
    if ((pack_dir = cn_path_join(objects_dir, "pack")) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    /* Name order, so a plan's output does not depend on the directory's. */
    err = cn_git_pack_names(&names, &n, pack_dir);
    for (i = 0; i < n && err == 0; i++) {
        if ((path = cn_path_join(pack_dir, names[i])) == NULL)
            err = cn_error_set(CN_ENOMEM, "out of memory");
        else
            err = store_add_pack(s, path);
        free(path);
    }
    cn_git_pack_names_free(names, n);
    free(pack_dir);
    return err == 0 ? store_add_alternates(s, objects_dir, depth) : err;
}

static void store_free(pack_store *s)
{
    size_t i;

    for (i = 0; i < s->npacks; i++)
        cn_pack_index_free(s->packs[i]);
    for (i = 0; i < s->ndirs; i++)
        free(s->dirs[i]);
    free(s->packs);
    free(s->dirs);
    s->packs = NULL;
    s->npacks = 0;
    s->dirs = NULL;
    s->ndirs = 0;
}

static int store_open(pack_store *s, git_repository *repo)
{
    git_buf objdir = GIT_BUF_INIT;
    int err;

    if (git_repository_item_path(&objdir, repo, GIT_REPOSITORY_ITEM_OBJECTS) < 0)
        return cn_git_error(CN_ERROR, "cannot find the object directory");
    err = store_add_dir(s, objdir.ptr, 0);
    git_buf_dispose(&objdir);
    return err;
}

/* 1 + the index of the pack holding oid (*pos its position there), or 0. */
static uint16_t store_find(uint32_t *pos, const pack_store *s, const git_oid *oid)
{
    size_t i;

    for (i = 0; i < s->npacks; i++)
        if (cn_pack_index_find(pos, s->packs[i], oid))
            return (uint16_t)(i + 1);
    return 0;
}

/* ---- the plan's objects ------------------------------------------------- */

static long plan_find(const cn_pack_plan *p, const git_oid *oid)
{
    return cn_oid_index_find(&p->index, p->v, sizeof(*p->v), oid);
}

int cn_pack_plan_has(const cn_pack_plan *p, const git_oid *oid)
{
    return cn_oid_index_find(&p->have_index, p->have, sizeof(*p->have), oid) >= 0;
}

/* Add oid, found where it lies: 1 if added, 0 if the plan holds it already,
 * CN_ENOTFOUND (no message) if the repository lacks it, <0 on error. */
static int plan_add(cn_pack_plan *p, const git_oid *oid, git_object_t type, const git_oid *base)
{
    plan_object *o;
    uint32_t pos = 0;
    uint16_t pack;
    size_t cap;
    int err;

    if (plan_find(p, oid) >= 0)
        return 0;
    if (p->len >= CN_PACK_MAX_OBJECTS)
        return cn_error_set(CN_ELIMIT, "more than %u objects for one pack", CN_PACK_MAX_OBJECTS);
    if ((pack = store_find(&pos, &p->store, oid)) == 0 && !git_odb_exists(p->odb, oid))
        return CN_ENOTFOUND;
    if (p->len == p->cap) {
        cap = p->cap ? p->cap * 2 : 1024;
        if ((o = realloc(p->v, cap * sizeof(*o))) == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        p->v = o;
        if (p->thin) {
            git_oid *b = realloc(p->bases, cap * sizeof(*b));
            if (b == NULL)
                return cn_error_set(CN_ENOMEM, "out of memory");
            p->bases = b;
        }
        p->cap = cap;
    }
    o = &p->v[p->len];
    memset(o, 0, sizeof(*o));
    git_oid_cpy(&o->oid, oid);
    o->pos = pos;
    o->pack = pack;
    o->type = (uint8_t)type;
    if (p->thin) {
        if (base)
            git_oid_cpy(&p->bases[p->len], base);
        else
            memset(&p->bases[p->len], 0, sizeof(git_oid));
    }
    if ((err = cn_oid_index_add(&p->index, p->v, sizeof(*p->v), p->len)) != 0)
        return err;
    p->len++;
    if ((p->len & 0x3ff) == 0)
        cn_progress_report(p->progress, "Counting objects", p->len, 0);
    return 1;
}

static int missing(const git_oid *oid, const char *what)
{
    char hex[GIT_OID_HEXSZ + 1];

    git_oid_tostr(hex, sizeof(hex), oid);
    return cn_error_set(CN_EVERIFY, "%s %s is missing from the repository", what, hex);
}

int cn_pack_plan_insert(cn_pack_plan *p, const git_oid *oid, git_object_t type)
{
    int r = plan_add(p, oid, type, NULL);

    return r == CN_ENOTFOUND ? missing(oid, git_object_type2string(type)) : r < 0 ? r : 0;
}

size_t cn_pack_plan_count(const cn_pack_plan *p)
{
    return p->len;
}

void cn_pack_plan_free(cn_pack_plan *p)
{
    if (p == NULL)
        return;
    store_free(&p->store);
    git_odb_free(p->odb);
    free(p->v);
    free(p->bases);
    free(p->have);
    cn_oid_index_free(&p->index);
    cn_oid_index_free(&p->have_index);
    free(p);
}

/* ---- a full plan: commits and their trees, each tree checked once ------- */

static int visit(void *payload, const git_oid *oid, git_object_t type)
{
    cn_pack_plan *p = payload;
    git_object_t actual;
    size_t size;
    int r = plan_add(p, oid, type, NULL);

    if (r == CN_ENOTFOUND)
        return 0;
    /* A blob met for the first time is what its tree says it is. */
    if (r == 1 && p->check_blob_types && type == GIT_OBJECT_BLOB &&
        (git_odb_read_header(&size, &actual, p->odb, oid) < 0 || actual != GIT_OBJECT_BLOB)) {
        char hex[GIT_OID_HEXSZ + 1];
        git_error_clear();
        git_oid_tostr(hex, sizeof(hex), oid);
        return cn_error_set(CN_EVERIFY, "a tree names %s as a file, but its object is not a blob",
                            hex);
    }
    return r < 0 ? r : 1;
}

/* Read an object for the walk (cn_tree_walk_read_fn): from the packs
 * through the plan's reader, else (a loose object, or one too large for
 * the reader) through libgit2. */
static int plan_read(void *payload, const git_oid *oid, git_object_t *type, unsigned char **data,
                     size_t *len)
{
    cn_pack_plan *p = payload;
    git_odb_object *obj = NULL;
    uint32_t pos;
    uint16_t pack;
    int t, err;

    if ((pack = store_find(&pos, &p->store, oid)) != 0) {
        err = cn_pack_reader_read(p->reader, pack, pos, &t, data, len);
        if (err != CN_ELIMIT) {
            *type = (git_object_t)t;
            return err;
        }
        cn_error_clear();
    }
    if (git_odb_read(&obj, p->odb, oid) < 0) {
        git_error_clear();
        return CN_ENOTFOUND;
    }
    *type = git_odb_object_type(obj);
    *len = git_odb_object_size(obj);
    if ((*data = malloc(*len ? *len : 1)) == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
    else
        memcpy(*data, git_odb_object_data(obj), *len);
    git_odb_object_free(obj);
    return *data ? 0 : err;
}

/* A commit's tree and, when parents is not NULL, its parents (appended). */
static int read_commit(git_oid *tree, oid_stack *parents, cn_pack_plan *p, const git_oid *commit)
{
    char hex[GIT_OID_HEXSZ + 1];
    unsigned char *data = NULL;
    const char *at, *end;
    git_object_t type;
    git_oid parent;
    size_t len = 0;
    int err;

    if ((err = plan_read(p, commit, &type, &data, &len)) != 0)
        return err == CN_ENOTFOUND ? missing(commit, "commit") : err;
    at = (const char *)data;
    end = at + len;
    if (type != GIT_OBJECT_COMMIT || len < 5 + GIT_OID_HEXSZ + 1 || memcmp(at, "tree ", 5) != 0 ||
        at[5 + GIT_OID_HEXSZ] != '\n' || git_oid_fromstrn(tree, at + 5, GIT_OID_HEXSZ) < 0)
        goto bad;
    at += 5 + GIT_OID_HEXSZ + 1;
    while (parents && end - at >= 7 + GIT_OID_HEXSZ + 1 && memcmp(at, "parent ", 7) == 0) {
        if (at[7 + GIT_OID_HEXSZ] != '\n' || git_oid_fromstrn(&parent, at + 7, GIT_OID_HEXSZ) < 0)
            goto bad;
        if ((err = oid_stack_push(parents, &parent)) != 0)
            goto out;
        at += 7 + GIT_OID_HEXSZ + 1;
    }
    err = 0;
    goto out;
bad:
    git_error_clear();
    git_oid_tostr(hex, sizeof(hex), commit);
    err = cn_error_set(CN_EVERIFY, "commit %s is malformed", hex);
out:
    free(data);
    return err;
}

/* The next commit of the walk: from revwalk, or (revwalk NULL) from the
 * stack of commits still to visit, each once. 1 and *commit, 0 at the end. */
static int next_commit(git_oid *commit, cn_pack_plan *p, git_revwalk *revwalk, oid_stack *todo)
{
    int r;

    if (revwalk) {
        if ((r = git_revwalk_next(commit, revwalk)) == 0)
            return 1;
        return r == GIT_ITEROVER
                   ? 0
                   : cn_error_set(CN_EVERIFY, "the history is incomplete: %s",
                                  git_error_last() ? git_error_last()->message : "unreadable");
    }
    while (todo->len > 0) {
        *commit = todo->v[--todo->len];
        if (plan_find(p, commit) < 0)
            return 1;
    }
    return 0;
}

/* Every commit from the tips down and its trees. Without commits to hide,
 * the commits are followed here (each read once, through the plan's
 * reader); else libgit2's revwalk tells which to leave out. */
static int walk_full(cn_pack_plan *p, git_revwalk *revwalk, const cn_pack_plan_opts *opts)
{
    char hex[GIT_OID_HEXSZ + 1];
    cn_tree_walk *trees = NULL;
    oid_stack todo = {NULL, 0, 0};
    git_oid commit, tree;
    size_t i;
    int r, err;

    if ((err = cn_tree_walk_new(&trees, p->repo)) != 0 ||
        (err = cn_pack_reader_new(&p->reader, &p->store)) != 0)
        goto out;
    cn_tree_walk_set_visitor(trees, visit, p);
    cn_tree_walk_set_reader(trees, plan_read, p);
    for (i = 0; i < opts->ntips && revwalk == NULL; i++)
        if ((err = oid_stack_push(&todo, &opts->tips[i])) != 0)
            goto out;
    while ((r = next_commit(&commit, p, revwalk, &todo)) == 1) {
        if ((err = plan_add(p, &commit, GIT_OBJECT_COMMIT, NULL)) < 0) {
            if (err == CN_ENOTFOUND)
                err = missing(&commit, "commit");
            goto out;
        }
        if ((err = read_commit(&tree, revwalk ? NULL : &todo, p, &commit)) != 0)
            goto out;
        if ((err = cn_tree_walk_check(trees, &tree)) != 0) {
            git_oid_tostr(hex, sizeof(hex), &commit);
            cn_error_wrap(err, "commit %.12s", hex);
            goto out;
        }
    }
    err = r;
out:
    free(todo.v);
    cn_pack_reader_free(p->reader);
    p->reader = NULL;
    cn_tree_walk_free(trees);
    return err;
}

/* ---- a thin plan: new objects, with the prerequisite's as bases --------- */

typedef struct {
    cn_pack_plan *plan;
    git_tree *prereq_tree;
    git_tree *parent_tree; /* the commit being walked's first parent's, or NULL */
    cn_buf path;
    int err;
} thin_walk;

static int have_add(cn_pack_plan *p, const git_oid *oid)
{
    git_oid *grown;
    size_t cap;
    int err;

    if (cn_pack_plan_has(p, oid))
        return 0;
    if (p->nhave >= 2 * (size_t)CN_PACK_MAX_OBJECTS)
        return cn_error_set(CN_ELIMIT, "more than %u objects to consider for one pack",
                            2 * CN_PACK_MAX_OBJECTS);
    if (p->nhave == p->have_cap) {
        cap = p->have_cap ? p->have_cap * 2 : 1024;
        if ((grown = realloc(p->have, cap * sizeof(*grown))) == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        p->have = grown;
        p->have_cap = cap;
    }
    git_oid_cpy(&p->have[p->nhave], oid);
    if ((err = cn_oid_index_add(&p->have_index, p->have, sizeof(*p->have), p->nhave)) != 0)
        return err;
    p->nhave++;
    return 1;
}

/* git_tree_walk callback over the prerequisite's tree: what the receiver
 * has. A subtree already marked is skipped (returns 1). */
static int mark_cb(const char *root, const git_tree_entry *te, void *payload)
{
    thin_walk *t = payload;
    git_object_t type = git_tree_entry_type(te);
    int r;

    (void)root;
    if (type != GIT_OBJECT_TREE && type != GIT_OBJECT_BLOB)
        return 0; /* a submodule's commit is not ours to send */
    if ((r = have_add(t->plan, git_tree_entry_id(te))) < 0) {
        t->err = r;
        return -1;
    }
    return r == 0 && type == GIT_OBJECT_TREE ? 1 : 0;
}

/* The id of the object at path in the prerequisite's tree if it has the
 * same type: 1 and *out, else 0. */
static int base_at(git_oid *out, const git_tree *tree, const char *path, git_object_t type)
{
    git_tree_entry *te = NULL;
    int found = 0;

    if (git_tree_entry_bypath(&te, tree, path) == 0) {
        if (git_tree_entry_type(te) == type) {
            git_oid_cpy(out, git_tree_entry_id(te));
            found = 1;
        }
        git_tree_entry_free(te);
    } else {
        git_error_clear();
    }
    return found;
}

/* A new tree of a thin plan passes cn_tree_check_raw; the message names
 * its path (empty for a commit's root tree). */
static int check_new_tree(cn_pack_plan *p, const git_oid *oid, const char *path)
{
    git_odb_object *obj = NULL;
    int err;

    if (git_odb_read(&obj, p->odb, oid) < 0) {
        git_error_clear();
        return missing(oid, "tree");
    }
    err = cn_tree_check_raw(git_odb_object_data(obj), git_odb_object_size(obj));
    git_odb_object_free(obj);
    if (err != 0 && path[0] != '\0')
        cn_error_wrap(err, "\"%s\"", path);
    return err;
}

/* git_tree_walk callback over a new commit's tree: each tree or blob the
 * receiver lacks and the plan does not hold yet goes in, with the
 * prerequisite's object at the same path as its base. */
static int collect_cb(const char *root, const git_tree_entry *te, void *payload)
{
    thin_walk *t = payload;
    git_object_t type = git_tree_entry_type(te);
    const git_oid *oid = git_tree_entry_id(te);
    git_oid base;
    int r;

    if (type != GIT_OBJECT_TREE && type != GIT_OBJECT_BLOB)
        return 0;
    if (cn_pack_plan_has(t->plan, oid) || plan_find(t->plan, oid) >= 0)
        return type == GIT_OBJECT_TREE ? 1 : 0;
    cn_buf_reset(&t->path);
    if ((r = cn_buf_puts(&t->path, root)) != 0 ||
        (r = cn_buf_puts(&t->path, git_tree_entry_name(te))) != 0)
        goto fail;
    /* The closest older version: the parent's, else the receiver's. */
    r = plan_add(
        t->plan, oid, type,
        (t->parent_tree && base_at(&base, t->parent_tree, (const char *)t->path.data, type)) ||
                base_at(&base, t->prereq_tree, (const char *)t->path.data, type)
            ? &base
            : NULL);
    if (r == CN_ENOTFOUND)
        r = missing(oid, git_object_type2string(type));
    if (r == 1 && type == GIT_OBJECT_TREE)
        r = check_new_tree(t->plan, oid, (const char *)t->path.data);
    if (r >= 0)
        return 0;
fail:
    t->err = r;
    return -1;
}

/* Everything commit's tree holds is the receiver's: a commit outside the
 * range (the prerequisite, or a parent the prerequisite reaches, where a
 * side branch forked before it) as git's --thin assumes. */
static int mark_held(thin_walk *t, const git_commit *commit)
{
    git_tree *tree = NULL;
    int r, err;

    if ((r = have_add(t->plan, git_commit_id(commit))) <= 0)
        return r;
    if (git_commit_tree(&tree, commit) < 0)
        return cn_git_error(CN_EVERIFY, "cannot read commit");
    if ((err = have_add(t->plan, git_tree_id(tree))) == 1) {
        t->err = 0;
        if (git_tree_walk(tree, GIT_TREEWALK_PRE, mark_cb, t) < 0)
            err = t->err ? t->err : cn_git_error(CN_ERROR, "cannot walk tree");
        else
            err = 0;
    }
    git_tree_free(tree);
    return err < 0 ? err : 0;
}

/* The parents of c outside the range: their trees are the receiver's. */
static int mark_boundary(thin_walk *t, const git_commit *c)
{
    git_commit *parent = NULL;
    unsigned int i;
    int err = 0;

    for (i = 0; err == 0 && i < git_commit_parentcount(c); i++) {
        const git_oid *id = git_commit_parent_id(c, i);
        if (plan_find(t->plan, id) >= 0 || cn_pack_plan_has(t->plan, id))
            continue; /* in the range (walked oldest first), or marked */
        if (git_commit_parent(&parent, c, i) < 0)
            return cn_git_error(CN_EVERIFY, "cannot read a parent commit");
        err = mark_held(t, parent);
        git_commit_free(parent);
        parent = NULL;
    }
    return err;
}

static int walk_thin(cn_pack_plan *p, git_revwalk *walk, const git_oid *prerequisite)
{
    thin_walk t = {p, NULL, NULL, CN_BUF_INIT, 0};
    git_commit *prereq = NULL, *c = NULL, *parent = NULL;
    git_tree *tree = NULL;
    git_oid oid;
    int r, err = CN_ERROR;

    if (git_commit_lookup(&prereq, p->repo, prerequisite) < 0 ||
        git_commit_tree(&t.prereq_tree, prereq) < 0) {
        err = cn_git_error(CN_ENOTFOUND, "prerequisite commit");
        goto out;
    }
    if ((err = mark_held(&t, prereq)) != 0)
        goto out;
    while ((r = git_revwalk_next(&oid, walk)) == 0) {
        if ((err = plan_add(p, &oid, GIT_OBJECT_COMMIT, NULL)) < 0)
            goto out;
        if (git_commit_lookup(&c, p->repo, &oid) < 0 || git_commit_tree(&tree, c) < 0) {
            err = cn_git_error(CN_EVERIFY, "cannot read commit");
            goto out;
        }
        if ((err = mark_boundary(&t, c)) != 0)
            goto out;
        if (git_commit_parentcount(c) > 0 && git_commit_parent(&parent, c, 0) == 0 &&
            git_commit_tree(&t.parent_tree, parent) < 0)
            t.parent_tree = NULL;
        git_error_clear();
        if (!cn_pack_plan_has(p, git_tree_id(tree))) {
            if ((err = plan_add(p, git_tree_id(tree), GIT_OBJECT_TREE,
                                t.parent_tree ? git_tree_id(t.parent_tree)
                                              : git_tree_id(t.prereq_tree))) < 0 ||
                (err == 1 && (err = check_new_tree(p, git_tree_id(tree), "")) != 0))
                goto out;
            t.err = 0;
            if (git_tree_walk(tree, GIT_TREEWALK_PRE, collect_cb, &t) < 0) {
                err = t.err ? t.err : cn_git_error(CN_ERROR, "cannot walk tree");
                goto out;
            }
        }
        git_tree_free(t.parent_tree);
        git_commit_free(parent);
        git_tree_free(tree);
        git_commit_free(c);
        t.parent_tree = NULL;
        parent = NULL;
        tree = NULL;
        c = NULL;
    }
    err = r == GIT_ITEROVER ? 0 : cn_git_error(CN_ERROR, "cannot walk history");
out:
    git_tree_free(t.parent_tree);
    git_commit_free(parent);
    git_tree_free(tree);
    git_commit_free(c);
    git_tree_free(t.prereq_tree);
    git_commit_free(prereq);
    cn_buf_free(&t.path);
    return err;
}

/* ---- making a plan ------------------------------------------------------ */

int cn_pack_plan_new(cn_pack_plan **out, git_repository *repo, const cn_pack_plan_opts *opts)
{
    cn_pack_plan *p;
    git_revwalk *walk = NULL;
    size_t i;
    int err = CN_ERROR;

    *out = NULL;
    if (opts->ntips == 0 || (opts->thin && opts->nhide != 1))
        return cn_error_set(CN_EINVAL, "a pack plan needs tips (and one prerequisite if thin)");
    if ((p = calloc(1, sizeof(*p))) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    p->repo = repo;
    p->thin = opts->thin;
    p->progress = opts->progress;
    p->check_blob_types = opts->check_blob_types;
    if (git_repository_odb(&p->odb, repo) < 0) {
        cn_git_error(CN_ERROR, "cannot open the object database");
        goto out;
    }
    if ((err = store_open(&p->store, repo)) != 0)
        goto out;
    if (!p->thin && opts->nhide == 0) {
        err = walk_full(p, NULL, opts);
        goto counted;
    }
    err = CN_ERROR;
    if (git_revwalk_new(&walk, repo) < 0) {
        cn_git_error(CN_ERROR, "cannot walk history");
        goto out;
    }
    for (i = 0; i < opts->ntips; i++)
        if (git_revwalk_push(walk, &opts->tips[i]) < 0) {
            err = cn_git_error(CN_EVERIFY, "cannot walk history");
            goto out;
        }
    for (i = 0; i < opts->nhide; i++)
        if (git_revwalk_hide(walk, &opts->hide[i]) < 0) {
            err = cn_git_error(CN_EVERIFY, "cannot walk history");
            goto out;
        }
    /* A thin plan goes oldest first, so each version is written before the
     * next one, whose delta base it is. */
    if (p->thin && git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) < 0) {
        err = cn_git_error(CN_ERROR, "cannot walk history");
        goto out;
    }
    err = p->thin ? walk_thin(p, walk, &opts->hide[0]) : walk_full(p, walk, opts);
counted:
    if (err != 0)
        goto out;
    cn_progress_report(p->progress, "Counting objects", p->len, p->len);
    cn_progress_end(p->progress, "Counting objects");
    *out = p;
    p = NULL;
out:
    git_revwalk_free(walk);
    cn_pack_plan_free(p);
    return err;
}

int cn_pack_plan_relocate(cn_pack_plan *p, git_repository *repo)
{
    struct location {
        uint32_t pos;
        uint16_t pack;
    } *where = NULL;
    pack_store store = {NULL, 0, NULL, 0};
    git_odb *odb = NULL;
    size_t i;
    int err;

    if (git_repository_odb(&odb, repo) < 0)
        return cn_git_error(CN_ERROR, "cannot open the object database");
    if ((err = store_open(&store, repo)) != 0)
        goto out;
    if ((where = malloc((p->len ? p->len : 1) * sizeof(*where))) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    /* Everything found first, changed after: on failure the plan is as
     * it was. */
    for (i = 0; i < p->len; i++) {
        const plan_object *o = &p->v[i];
        if ((where[i].pack = store_find(&where[i].pos, &store, &o->oid)) == 0 &&
            !git_odb_exists(odb, &o->oid)) {
            err = missing(&o->oid, git_object_type2string((git_object_t)o->type));
            goto out;
        }
    }
    for (i = 0; i < p->len; i++) {
        p->v[i].pack = where[i].pack;
        p->v[i].pos = where[i].pos;
    }
    store_free(&p->store);
    git_odb_free(p->odb);
    p->store = store;
    p->odb = odb;
    p->repo = repo;
    memset(&store, 0, sizeof(store));
    odb = NULL;
out:
    free(where);
    store_free(&store);
    git_odb_free(odb);
    return err;
}

/* ---- what another repository has -------------------------------------- */

/* Every loose object of repo's object directory, into have. */
static int list_loose(git_oid **have, size_t *n, oid_index *index, git_repository *repo)
{
    char hex[GIT_OID_HEXSZ + 1], sub[3];
    git_buf objdir = GIT_BUF_INIT;
    struct dirent *de;
    size_t cap = 0;
    char *dir;
    DIR *d;
    int i, err = 0;

    if (git_repository_item_path(&objdir, repo, GIT_REPOSITORY_ITEM_OBJECTS) < 0)
        return cn_git_error(CN_ERROR, "cannot find the object directory");
    for (i = 0; i < 256 && err == 0; i++) {
        snprintf(sub, sizeof(sub), "%02x", i);
        if ((dir = cn_path_join(objdir.ptr, sub)) == NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            break;
        }
        d = opendir(dir);
        free(dir);
        while (d != NULL && err == 0 && (de = readdir(d)) != NULL) {
            git_oid oid, *grown;
            if (strlen(de->d_name) != GIT_OID_HEXSZ - 2)
                continue;
            memcpy(hex, sub, 2);
            memcpy(hex + 2, de->d_name, GIT_OID_HEXSZ - 2);
            hex[GIT_OID_HEXSZ] = '\0';
            if (git_oid_fromstr(&oid, hex) < 0) {
                git_error_clear();
                continue;
            }
            if (*n == cap) {
                cap = cap ? cap * 2 : 256;
                if ((grown = realloc(*have, cap * sizeof(*grown))) == NULL) {
                    err = cn_error_set(CN_ENOMEM, "out of memory");
                    break;
                }
                *have = grown;
            }
            git_oid_cpy(&(*have)[*n], &oid);
            if ((err = cn_oid_index_add(index, *have, sizeof(**have), *n)) == 0)
                (*n)++;
        }
        if (d != NULL)
            closedir(d);
    }
    git_buf_dispose(&objdir);
    return err;
}

int cn_pack_plan_exclude_present(cn_pack_plan *p, git_repository *repo)
{
    pack_store dest = {NULL, 0, NULL, 0};
    oid_index loose_index = {NULL, 0};
    git_oid *loose = NULL;
    size_t nloose = 0, i, kept = 0;
    uint32_t pos;
    int err;

    if ((err = store_open(&dest, repo)) != 0 ||
        (err = list_loose(&loose, &nloose, &loose_index, repo)) != 0)
        goto out;
    for (i = 0; i < p->len; i++) {
        if (store_find(&pos, &dest, &p->v[i].oid) != 0 ||
            cn_oid_index_find(&loose_index, loose, sizeof(*loose), &p->v[i].oid) >= 0)
            continue;
        if (kept != i) {
            p->v[kept] = p->v[i];
            if (p->thin)
                p->bases[kept] = p->bases[i];
        }
        kept++;
    }
    if (kept != p->len) {
        p->len = kept;
        cn_oid_index_free(&p->index);
        for (i = 0; i < p->len; i++)
            if ((err = cn_oid_index_add(&p->index, p->v, sizeof(*p->v), i)) != 0)
                goto out;
    }
out:
    store_free(&dest);
    cn_oid_index_free(&loose_index);
    free(loose);
    return err;
}
