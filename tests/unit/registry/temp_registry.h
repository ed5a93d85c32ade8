/*
 * temp_registry.h - a registry in a fresh temporary directory for a unit
 * test of registry/, and its removal (shared by test_registry.c and
 * test_dcat.c; header-only, so each test program stays one file to link).
 */
#ifndef CN_TEST_TEMP_REGISTRY_H
#define CN_TEST_TEMP_REGISTRY_H

#include "core/error.h"
#include "core/file.h"
#include "registry/registry.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct {
    char dir[256]; /* $TMPDIR/cn-<name>-XXXXXX */
    char db[300];  /* <dir>/state.db */
    cn_registry *reg;
} temp_registry;

/* Create the directory and open a registry in it; -1 (with a line on
 * stderr) if either fails. */
static inline int temp_registry_open(temp_registry *t, const char *name)
{
    const char *tmp = getenv("TMPDIR");

    snprintf(t->dir, sizeof(t->dir), "%s/cn-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
    if (mkdtemp(t->dir) == NULL)
        return -1;
    snprintf(t->db, sizeof(t->db), "%s/state.db", t->dir);
    if (cn_registry_open(&t->reg, t->db) != 0) {
        fprintf(stderr, "open: %s\n", cn_error_message());
        return -1;
    }
    return 0;
}

static inline void temp_registry_close(temp_registry *t)
{
    cn_registry_free(t->reg);
    t->reg = NULL;
    cn_rmtree(t->dir);
}

#endif
