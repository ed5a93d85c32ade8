/*
 * pack.c - thin pack writer (pack.h): collect the objects with a revwalk and
 * tree walks, pick delta bases by path in the prerequisite's tree, encode
 * deltas with core/delta.c and stream the pack through zlib and SHA-1.
 *
 * Memory: the object list (two ids per object), a set of the ids seen
 * (including every object of the prerequisite's tree), and one object with
 * its base and their delta at a time.
 */
#include "core/pack.h"
#include "core/buf.h"
#include "core/delta.h"
#include "core/error.h"
#include "core/git.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define OBJ_REF_DELTA 7
#define ZCHUNK        (64 * 1024)
/* zlib takes at most UINT_MAX bytes per call; feed it a bounded slice. */
#define ZSLICE ((size_t)1 << 30)

/* ---- a set of object ids ----------------------------------------------- */

/* Open addressing with linear probing; an all-zero id marks a free slot (the
 * zero id names no object). */
typedef struct {
    git_oid *slots;
    size_t cap; /* a power of two, or 0 */
    size_t len;
} oid_set;

static size_t oid_slot(const git_oid *oid, size_t cap)
{
    size_t h;

    memcpy(&h, oid->id, sizeof(h));
    return h & (cap - 1);
}

static int oid_set_grow(oid_set *s)
{
    size_t cap = s->cap ? s->cap * 2 : 1024, i, j;
    git_oid *slots = calloc(cap, sizeof(*slots));

    if (slots == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    for (i = 0; i < s->cap; i++) {
        if (git_oid_is_zero(&s->slots[i]))
            continue;
        for (j = oid_slot(&s->slots[i], cap); !git_oid_is_zero(&slots[j]); j = (j + 1) & (cap - 1))
            ;
        git_oid_cpy(&slots[j], &s->slots[i]);
    }
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return 0;
}

/* 1 if oid was added, 0 if it was there already, <0 on error. */
static int oid_set_add(oid_set *s, const git_oid *oid)
{
    size_t j;
    int err;

    if (s->len >= 2 * CN_PACK_MAX_OBJECTS)
        return cn_error_set(CN_ELIMIT, "more than %u objects to consider for one pack",
                            2 * CN_PACK_MAX_OBJECTS);
    if (2 * (s->len + 1) > s->cap && (err = oid_set_grow(s)) != 0)
        return err;
    for (j = oid_slot(oid, s->cap); !git_oid_is_zero(&s->slots[j]); j = (j + 1) & (s->cap - 1))
        if (git_oid_equal(&s->slots[j], oid))
            return 0;
    git_oid_cpy(&s->slots[j], oid);
    s->len++;
    return 1;
}

/* ---- the object list --------------------------------------------------- */

typedef struct {
    git_oid oid;
    git_oid base; /* the receiver's version of this path; zero if none */
} entry;

typedef struct {
    entry *v;
    size_t len, cap;
} entry_list;

static int entry_push(entry_list *l, const git_oid *oid, const git_oid *base)
{
    entry *v;
    size_t cap;

    if (l->len == l->cap) {
        cap = l->cap ? l->cap * 2 : 64;
        if ((v = realloc(l->v, cap * sizeof(*v))) == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        l->v = v;
        l->cap = cap;
    }
    git_oid_cpy(&l->v[l->len].oid, oid);
    if (base)
        git_oid_cpy(&l->v[l->len].base, base);
    else
        memset(&l->v[l->len].base, 0, sizeof(git_oid));
    l->len++;
    return 0;
}

struct cn_pack_thin {
    git_repository *repo;
    git_tree *prereq_tree;
    oid_set seen;
    entry_list commits, others, contents; /* written in this order */
    cn_buf path;                          /* scratch for tree walks */
    int err;                              /* first error inside a tree walk */
};

size_t cn_pack_thin_count(const cn_pack_thin *p)
{
    return p->commits.len + p->others.len + p->contents.len;
}

void cn_pack_thin_free(cn_pack_thin *p)
{
    if (p == NULL)
        return;
    git_tree_free(p->prereq_tree);
    free(p->seen.slots);
    free(p->commits.v);
    free(p->others.v);
    free(p->contents.v);
    cn_buf_free(&p->path);
    free(p);
}

/* git_tree_walk callback over the prerequisite's tree: everything in it the
 * receiver has. A subtree already seen is skipped (returns 1). */
static int mark_cb(const char *root, const git_tree_entry *te, void *payload)
{
    cn_pack_thin *p = payload;
    git_object_t type = git_tree_entry_type(te);
    int r;

    if (type != GIT_OBJECT_TREE && type != GIT_OBJECT_BLOB)
        return 0; /* a submodule's commit is not ours to send */
    if ((r = oid_set_add(&p->seen, git_tree_entry_id(te))) < 0) {
        p->err = r;
        return -1;
    }
    return r == 0 && type == GIT_OBJECT_TREE ? 1 : 0;
}

/* The id of the object at path in the prerequisite's tree if it has the same
 * type; NULL otherwise. */
static int base_at(git_oid *out, cn_pack_thin *p, const char *path, git_object_t type)
{
    git_tree_entry *te = NULL;
    int found = 0;

    if (git_tree_entry_bypath(&te, p->prereq_tree, path) == 0) {
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

/* git_tree_walk callback over a new commit's tree: each tree or blob not
 * seen yet goes into the pack, with the prerequisite's object at the same
 * path as its delta base. */
static int collect_cb(const char *root, const git_tree_entry *te, void *payload)
{
    cn_pack_thin *p = payload;
    git_object_t type = git_tree_entry_type(te);
    const git_oid *oid = git_tree_entry_id(te);
    git_oid base;
    int r;

    if (type != GIT_OBJECT_TREE && type != GIT_OBJECT_BLOB)
        return 0;
    if ((r = oid_set_add(&p->seen, oid)) <= 0) {
        if (r < 0) {
            p->err = r;
            return -1;
        }
        return type == GIT_OBJECT_TREE ? 1 : 0;
    }
    cn_buf_reset(&p->path);
    if ((r = cn_buf_puts(&p->path, root)) != 0 ||
        (r = cn_buf_puts(&p->path, git_tree_entry_name(te))) != 0 ||
        (r = entry_push(&p->contents, oid,
                        base_at(&base, p, (const char *)p->path.data, type) ? &base : NULL)) != 0) {
        p->err = r;
        return -1;
    }
    return 0;
}

static int collect_commit(cn_pack_thin *p, const git_oid *oid)
{
    git_commit *c = NULL;
    git_tree *tree = NULL;
    int r, err;

    if ((err = oid_set_add(&p->seen, oid)) <= 0)
        return err;
    if ((err = entry_push(&p->commits, oid, NULL)) != 0)
        return err;
    if (git_commit_lookup(&c, p->repo, oid) < 0 || git_commit_tree(&tree, c) < 0) {
        err = cn_git_error(CN_ERROR, "cannot read commit");
        goto out;
    }
    if ((err = oid_set_add(&p->seen, git_tree_id(tree))) <= 0)
        goto out;
    if ((err = entry_push(&p->contents, git_tree_id(tree), git_tree_id(p->prereq_tree))) != 0)
        goto out;
    p->err = 0;
    if ((r = git_tree_walk(tree, GIT_TREEWALK_PRE, collect_cb, p)) < 0)
        err = p->err ? p->err : cn_git_error(CN_ERROR, "cannot walk tree");
out:
    git_tree_free(tree);
    git_commit_free(c);
    return err;
}

int cn_pack_thin_new(cn_pack_thin **out, git_repository *repo, const git_oid *head,
                     const git_oid *prerequisite)
{
    cn_pack_thin *p;
    git_commit *prereq = NULL;
    git_revwalk *walk = NULL;
    git_oid oid;
    int r, err = CN_ERROR;

    *out = NULL;
    if ((p = calloc(1, sizeof(*p))) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    p->repo = repo;
    if (git_commit_lookup(&prereq, repo, prerequisite) < 0 ||
        git_commit_tree(&p->prereq_tree, prereq) < 0) {
        err = cn_git_error(CN_ENOTFOUND, "prerequisite commit");
        goto out;
    }
    /* The receiver has the prerequisite's whole tree. */
    if ((err = oid_set_add(&p->seen, prerequisite)) < 0 ||
        (err = oid_set_add(&p->seen, git_tree_id(p->prereq_tree))) < 0)
        goto out;
    p->err = 0;
    if (git_tree_walk(p->prereq_tree, GIT_TREEWALK_PRE, mark_cb, p) < 0) {
        err = p->err ? p->err : cn_git_error(CN_ERROR, "cannot walk tree");
        goto out;
    }
    if (git_revwalk_new(&walk, repo) < 0 || git_revwalk_push(walk, head) < 0 ||
        git_revwalk_hide(walk, prerequisite) < 0) {
        err = cn_git_error(CN_ERROR, "cannot walk history");
        goto out;
    }
    while ((r = git_revwalk_next(&oid, walk)) == 0)
        if ((err = collect_commit(p, &oid)) < 0)
            goto out;
    if (r != GIT_ITEROVER) {
        err = cn_git_error(CN_ERROR, "cannot walk history");
        goto out;
    }
    *out = p;
    p = NULL;
    err = 0;
out:
    git_revwalk_free(walk);
    git_commit_free(prereq);
    cn_pack_thin_free(p);
    return err;
}

int cn_pack_thin_insert(cn_pack_thin *p, const git_oid *oid)
{
    int r = oid_set_add(&p->seen, oid);

    return r <= 0 ? r : entry_push(&p->others, oid, NULL);
}

/* ---- writing ----------------------------------------------------------- */

typedef struct {
    cn_pack_write_fn fn;
    void *payload;
    EVP_MD_CTX *sha;
} pack_out;

/* Every byte of the pack goes through here, into the trailer's SHA-1. */
static int pack_emit(void *payload, const void *data, size_t len)
{
    pack_out *o = payload;

    if (EVP_DigestUpdate(o->sha, data, len) != 1)
        return cn_error_set(CN_ERROR, "SHA-1 failed");
    if (o->fn(o->payload, data, len) != 0)
        return cn_error_set(CN_ERROR, "cannot write pack");
    return 0;
}

static int count_emit(void *payload, const void *data, size_t len)
{
    *(size_t *)payload += len;
    return 0;
}

static int buf_emit(void *payload, const void *data, size_t len)
{
    return cn_buf_put(payload, data, len);
}

/* zlib-compress data into fn, ZCHUNK bytes of output at a time. */
static int deflate_to(cn_pack_write_fn fn, void *payload, const void *data, size_t len)
{
    unsigned char *chunk = NULL;
    const unsigned char *p = data;
    z_stream zs;
    size_t n;
    int r, err = CN_ENOMEM;

    memset(&zs, 0, sizeof(zs));
    if ((chunk = malloc(ZCHUNK)) == NULL || deflateInit(&zs, Z_DEFAULT_COMPRESSION) != Z_OK) {
        free(chunk);
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    do {
        if (zs.avail_in == 0 && len > 0) {
            n = len > ZSLICE ? ZSLICE : len;
            zs.next_in = (unsigned char *)(uintptr_t)p;
            zs.avail_in = (uInt)n;
            p += n;
            len -= n;
        }
        zs.next_out = chunk;
        zs.avail_out = ZCHUNK;
        r = deflate(&zs, len > 0 ? Z_NO_FLUSH : Z_FINISH);
        if (r == Z_STREAM_ERROR) {
            err = cn_error_set(CN_ERROR, "zlib deflate failed");
            goto out;
        }
        if ((err = fn(payload, chunk, ZCHUNK - zs.avail_out)) != 0)
            goto out;
    } while (r != Z_STREAM_END);
    err = 0;
out:
    deflateEnd(&zs);
    free(chunk);
    return err;
}

/* The entry header: type in bits 4-6 of the first byte, then the inflated
 * size, 4 bits in the first byte and 7 in each further one. */
static int put_entry_header(pack_out *o, int type, size_t size)
{
    unsigned char h[16];
    size_t n = 0;

    h[n] = (unsigned char)((type << 4) | (size & 0x0f));
    for (size >>= 4; size > 0; size >>= 7) {
        h[n++] |= 0x80;
        h[n] = (unsigned char)(size & 0x7f);
    }
    return pack_emit(o, h, n + 1);
}

/* The delta of obj against base, zlib'd, if its entry would take at most
 * three quarters of the whole object's; zdelta->len is 0 otherwise. */
static int try_delta(cn_buf *delta, cn_buf *zdelta, git_odb *odb, git_odb_object *obj,
                     const git_oid *base_oid)
{
    git_odb_object *base = NULL;
    size_t zwhole = 0, size = git_odb_object_size(obj);
    int err = 0;

    cn_buf_reset(delta);
    cn_buf_reset(zdelta);
    if (size > CN_DELTA_MAX_SIZE)
        return 0;
    if (git_odb_read(&base, odb, base_oid) < 0) {
        git_error_clear(); /* the receiver has it, we may not: send whole */
        return 0;
    }
    if (git_odb_object_size(base) > CN_DELTA_MAX_SIZE)
        goto out;
    if (cn_delta_create(delta, git_odb_object_data(base), git_odb_object_size(base),
                        git_odb_object_data(obj), size, size / 2) != 0) {
        cn_error_clear();
        goto out; /* too large, or not worth it */
    }
    if ((err = deflate_to(buf_emit, zdelta, delta->data, delta->len)) != 0 ||
        (err = deflate_to(count_emit, &zwhole, git_odb_object_data(obj), size)) != 0)
        goto out;
    if (GIT_OID_RAWSZ + zdelta->len > zwhole - zwhole / 4)
        cn_buf_reset(zdelta);
out:
    git_odb_object_free(base);
    return err;
}

static int write_entry(pack_out *o, git_odb *odb, const entry *e, cn_buf *delta, cn_buf *zdelta)
{
    char hex[GIT_OID_HEXSZ + 1];
    git_odb_object *obj = NULL;
    size_t size;
    int err;

    if (git_odb_read(&obj, odb, &e->oid) < 0) {
        git_oid_tostr(hex, sizeof(hex), &e->oid);
        return cn_git_error(CN_ERROR, hex);
    }
    size = git_odb_object_size(obj);
    if (size > CN_PACK_MAX_OBJECT) {
        git_oid_tostr(hex, sizeof(hex), &e->oid);
        err =
            cn_error_set(CN_ELIMIT, "object %s is larger than %zu bytes", hex, CN_PACK_MAX_OBJECT);
        goto out;
    }
    cn_buf_reset(zdelta);
    if (!git_oid_is_zero(&e->base) && (err = try_delta(delta, zdelta, odb, obj, &e->base)) != 0)
        goto out;
    if (zdelta->len > 0) {
        if ((err = put_entry_header(o, OBJ_REF_DELTA, delta->len)) == 0 &&
            (err = pack_emit(o, e->base.id, GIT_OID_RAWSZ)) == 0)
            err = pack_emit(o, zdelta->data, zdelta->len);
    } else if ((err = put_entry_header(o, (int)git_odb_object_type(obj), size)) == 0) {
        err = deflate_to(pack_emit, o, git_odb_object_data(obj), size);
    }
out:
    git_odb_object_free(obj);
    return err;
}

int cn_pack_thin_write(cn_pack_thin *p, cn_pack_write_fn fn, void *payload)
{
    const entry_list *lists[3] = {&p->commits, &p->others, &p->contents};
    unsigned char hdr[12] = {'P', 'A', 'C', 'K', 0, 0, 0, 2};
    unsigned char sha[EVP_MAX_MD_SIZE];
    pack_out o = {fn, payload, NULL};
    cn_buf delta = CN_BUF_INIT, zdelta = CN_BUF_INIT;
    git_odb *odb = NULL;
    size_t count = cn_pack_thin_count(p), i, k;
    unsigned int shalen = 0;
    int err = CN_ERROR;

    if (count > CN_PACK_MAX_OBJECTS)
        return cn_error_set(CN_ELIMIT, "more than %u objects for one pack", CN_PACK_MAX_OBJECTS);
    if (git_repository_odb(&odb, p->repo) < 0)
        return cn_git_error(CN_ERROR, "cannot open object database");
    if ((o.sha = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(o.sha, EVP_sha1(), NULL) != 1) {
        cn_error_set(CN_ERROR, "SHA-1 unavailable");
        goto out;
    }
    for (i = 0; i < 4; i++)
        hdr[8 + i] = (unsigned char)(count >> (8 * (3 - i)));
    if ((err = pack_emit(&o, hdr, sizeof(hdr))) != 0)
        goto out;
    for (k = 0; k < 3; k++)
        for (i = 0; i < lists[k]->len; i++)
            if ((err = write_entry(&o, odb, &lists[k]->v[i], &delta, &zdelta)) != 0)
                goto out;
    if (EVP_DigestFinal_ex(o.sha, sha, &shalen) != 1 || shalen != GIT_OID_RAWSZ) {
        err = cn_error_set(CN_ERROR, "SHA-1 failed");
        goto out;
    }
    if (fn(payload, sha, shalen) != 0) {
        err = cn_error_set(CN_ERROR, "cannot write pack");
        goto out;
    }
    err = 0;
out:
    EVP_MD_CTX_free(o.sha);
    cn_buf_free(&delta);
    cn_buf_free(&zdelta);
    git_odb_free(odb);
    return err;
}
