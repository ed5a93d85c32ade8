/*
 * tuf_roles.h - the delegated item roles a repository writes (layout 2,
 * docs/PROTOCOL.md §4.1): one targets role "items.<item>" per item, signed by
 * the targets keys, delegated from the top-level targets for the paths
 * "items/<item>/ * / *" (without the spaces). Internal to core/tuf_repo.c.
 *
 * The repository keeps every target in one pending object, as in layout 1;
 * a commit splits it: item targets go to their item's role, the rest stays
 * in the top-level targets with the delegations. A role whose targets did not
 * change keeps its version and file, so a new version of one item writes one
 * role.
 */
#ifndef CN_TUF_ROLES_H
#define CN_TUF_ROLES_H

#include "core/tuf_internal.h"

#include <jansson.h>
#include <stddef.h>

/* The prefix of every item role's name. */
#define CN_TUF_ITEM_ROLE_PREFIX "items."

/* One published item role. */
typedef struct {
    char *name;          /* "items.<item>" */
    cn_tuf_metadata *md; /* as published */
} cn_tuf_item_role;

typedef struct {
    cn_tuf_item_role *v; /* by name */
    size_t n;
} cn_tuf_item_roles;

void cn_tuf_item_roles_clear(cn_tuf_item_roles *roles);

/* The earliest expiry among the roles (0 when there is none). */
time_t cn_tuf_item_roles_expires(const cn_tuf_item_roles *roles);

/* Read the roles the top-level targets delegate, each at the version the
 * snapshot names, from dir's tuf/<version>.<name>.json, and add their targets
 * to pending. The files are the repository's own: their versions and shape
 * are checked, their signatures are the client's to check. */
int cn_tuf_item_roles_load(cn_tuf_item_roles *roles, json_t *pending, const char *dir,
                           const cn_tuf_metadata *targets, const cn_tuf_metadata *snapshot);

/* The newest-version rule of layout 2, with its checkpoint (PROTOCOL §4.1):
 * split pending into *kept (every target of no item; each item's targets of
 * its newest version by semver; the full bundle of its checkpoint and the
 * delta bundles of the versions between the checkpoint and the newest; the
 * manifest.json of every version whose custom carries "withdrawn") and
 * *pruned (the rest), both new objects. The checkpoint stays where the
 * published role (in published, which may be NULL) has its oldest full
 * bundle until more than 16 versions, or deltas of more than half that full
 * bundle's length and more than 64 KiB, follow it, or a version without a
 * delta does; it then moves to the newest version. */
int cn_tuf_item_roles_split_newest(json_t **kept, json_t **pruned, const json_t *pending,
                                   const cn_tuf_item_roles *published);

/* What a commit of layout 2 writes before the top-level targets. */
typedef struct {
    const char *dir;              /* the public directory */
    const cn_tuf_role_keys *keys; /* the targets role's keys, private halves */
    const char *expires;          /* "YYYY-MM-DDTHH:MM:SSZ" for a new role version */
    int force;                    /* write every role anew (renewal, key rotation) */
} cn_tuf_item_roles_commit_args;

/* Split pending: write each item role whose targets changed (or every one,
 * with force) as a new version, and give the top-level targets' "targets"
 * (the targets of no item) in *top and its "delegations" in *delegations
 * (new references), and each role's snapshot entry ({"version", "length"}
 * under "<name>.json") in snapshot_meta. Roles of items no longer in pending
 * are dropped. */
int cn_tuf_item_roles_commit(cn_tuf_item_roles *roles, json_t **top, json_t **delegations,
                             json_t *snapshot_meta, const json_t *pending,
                             const cn_tuf_item_roles_commit_args *args);

#endif
