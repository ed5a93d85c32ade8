/*
 * pack_plan_internal.h - what pack_plan.c (counting) and pack_reuse.c
 * (writing) share: the plan's records, the packs they point into, and the
 * sets of object ids both look things up in.
 */
#ifndef CN_PACK_PLAN_INTERNAL_H
#define CN_PACK_PLAN_INTERNAL_H

#include "core/buf.h"
#include "core/pack_plan.h"

#include <git2.h>
#include <stddef.h>
#include <stdint.h>

/* An object of the plan. */
typedef struct {
    git_oid oid;
    uint64_t out_offset; /* where its entry starts in the new pack, once written */
    uint32_t pos;        /* its position in its pack's index */
    uint16_t pack;       /* 1 + the index of the pack holding it; 0: not packed */
    uint8_t type;        /* the git_object_t the walk expects */
    uint8_t written;
    uint8_t actual; /* its type as written (a delta's is its base's) */
} plan_object;

/* Open-addressing hash of object ids kept elsewhere: slots hold 1 + the
 * index of an element of an array whose elements start with a git_oid. */
typedef struct {
    uint32_t *slots;
    size_t cap; /* a power of two, or 0 */
} oid_index;

/* Every pack of a repository and of its alternates. */
typedef struct {
    cn_pack_index **packs;
    size_t npacks;
    char **dirs; /* the object directories taken, resolved */
    size_t ndirs;
} pack_store;

/* Largest object cn_pack_reader reads (a tree or a commit, while
 * counting); larger ones are read through libgit2. */
#define CN_PACK_READ_MAX ((size_t)256 << 20)

/* Reads whole objects from a pack_store's packs, delta chains resolved,
 * with a bounded cache of recent delta bases (core/pack_read.c). The store
 * must outlive it. */
typedef struct cn_pack_reader cn_pack_reader;

int cn_pack_reader_new(cn_pack_reader **out, const pack_store *store);

/* The object at position pos of pack number pack (1-based): *type, and
 * *data (malloc'd, the caller frees it) of *len bytes. CN_EVERIFY naming
 * the pack and offset when an entry is damaged; CN_ELIMIT past
 * CN_PACK_READ_MAX. */
int cn_pack_reader_read(cn_pack_reader *r, uint16_t pack, uint32_t pos, int *type,
                        unsigned char **data, size_t *len);

void cn_pack_reader_free(cn_pack_reader *r);

struct cn_pack_plan {
    git_repository *repo;
    git_odb *odb;
    pack_store store;
    plan_object *v;
    size_t len, cap;
    oid_index index; /* over v */
    /* A thin plan: the receiver's objects (the prerequisite's tree), and
     * for each object of v the id of the prerequisite's object at the same
     * path (zero if none): a delta base to try. */
    int thin;
    git_oid *have;
    size_t nhave, have_cap;
    oid_index have_index;
    git_oid *bases;
    const cn_progress *progress;
    cn_pack_reader *reader; /* while counting */
    int check_blob_types;
};

/* The element of base (elements stride bytes apart) that index holds with
 * id oid: its array index, or -1. */
long cn_oid_index_find(const oid_index *x, const void *base, size_t stride, const git_oid *oid);

/* Index element n (its id at base + n * stride), which must not be there
 * yet; the index grows to keep at most half its slots in use. */
int cn_oid_index_add(oid_index *x, const void *base, size_t stride, size_t n);

void cn_oid_index_free(oid_index *x);

/* Is oid among the receiver's objects of a thin plan? */
int cn_pack_plan_has(const cn_pack_plan *plan, const git_oid *oid);

#endif
