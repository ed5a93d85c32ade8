/*
 * cmd_export.c - `citynode export OUTDIR`: the static published tree.
 *
 * Any static web server or object store can serve OUTDIR (DESIGN.md §4).
 * Files are copied atomically, metadata last, so a server already serving
 * OUTDIR never shows metadata naming targets that are not there yet.
 */
#include "core/error.h"
#include "core/file.h"
#include "node/cmd/commands.h"
#include "node/node.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CN_EXPORT_FILE_MAX ((size_t)4 << 30)

/* Copy the tree under from into to, leaving out the entry named skip (NULL:
 * none) at its top level. */
static int copy_tree(const char *from, const char *to, const char *skip)
{
    DIR *d;
    struct dirent *e;
    int err;

    if ((err = cn_mkdir_p(to, 0755)) != 0)
        return err;
    if ((d = opendir(from)) == NULL)
        return cn_error_set(CN_ERROR, "%s: %s", from, strerror(errno));
    while ((e = readdir(d)) != NULL) {
        char *src, *dst;
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            (skip && strcmp(e->d_name, skip) == 0) || strstr(e->d_name, ".tmp.") != NULL)
            continue;
        src = cn_path_join(from, e->d_name);
        dst = cn_path_join(to, e->d_name);
        if (src == NULL || dst == NULL)
            err = cn_error_set(CN_ENOMEM, "out of memory");
        else if (lstat(src, &st) != 0)
            err = cn_error_set(CN_ERROR, "%s: %s", src, strerror(errno));
        else if (S_ISDIR(st.st_mode))
            err = copy_tree(src, dst, NULL);
        else if (S_ISREG(st.st_mode))
            err = cn_file_copy(src, dst, CN_EXPORT_FILE_MAX, 0644);
        free(src);
        free(dst);
        if (err != 0)
            break;
    }
    closedir(d);
    return err;
}

int cn_cmd_export(const char *home_flag, int argc, char **argv)
{
    static const char synopsis[] = "export OUTDIR";
    cn_node *node = NULL;
    char *home = NULL, *tuf_from = NULL, *tuf_to = NULL, *ts_from = NULL, *ts_to = NULL;
    char real_public[PATH_MAX], real_out[PATH_MAX];
    int err;

    if (argc != 2)
        return cn_cli_usage_error(synopsis, "expected one OUTDIR");
    if ((err = cn_home_resolve(&home, home_flag)) != 0 || (err = cn_node_open(&node, home, 0)) != 0)
        goto out;
    if ((err = cn_mkdir_p(argv[1], 0755)) != 0)
        goto out;
    if (realpath(node->home->public_dir, real_public) && realpath(argv[1], real_out) &&
        strncmp(real_out, real_public, strlen(real_public)) == 0) {
        err = cn_error_set(CN_EUSAGE, "OUTDIR must not be inside the node's public tree");
        goto out;
    }
    tuf_from = cn_path_join(node->home->public_dir, "tuf");
    tuf_to = cn_path_join(argv[1], "tuf");
    ts_from = cn_path_join(node->home->public_dir, "tuf/timestamp.json");
    ts_to = cn_path_join(argv[1], "tuf/timestamp.json");
    if (!tuf_from || !tuf_to || !ts_from || !ts_to) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    /* Targets first, then metadata, the timestamp last: a server already
     * serving OUTDIR never names a file that is not there yet. */
    if ((err = copy_tree(node->home->public_dir, argv[1], "tuf")) != 0 ||
        (err = copy_tree(tuf_from, tuf_to, "timestamp.json")) != 0 ||
        (err = cn_file_copy(ts_from, ts_to, CN_EXPORT_FILE_MAX, 0644)) != 0)
        goto out;
    fprintf(stderr, "exported node %.12s to %s\n", node->home->node_id, argv[1]);
out:
    free(ts_from);
    free(ts_to);
    free(tuf_from);
    free(tuf_to);
    cn_node_free(node);
    free(home);
    return err ? cn_cli_fail(err) : 0;
}
