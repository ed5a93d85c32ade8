/*
 * sync.c - the node's side of following peers (see sync.h).
 */
#include "node/sync.h"
#include "core/error.h"
#include "core/file.h"

#include <stdlib.h>

int cn_node_peers_open(cn_peers **out, const cn_home *home)
{
    char *path = cn_path_join(home->root, "state.db");
    int err;

    *out = NULL;
    if (path == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    err = cn_peers_open(out, path);
    free(path);
    return err;
}
