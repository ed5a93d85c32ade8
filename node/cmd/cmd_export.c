/*
 * cmd_export.c - `citynode export OUTDIR`: the static published tree.
 *
 * Any static web server or object store can serve OUTDIR (DESIGN.md §4).
 * Files are copied atomically, metadata last, so a server already serving
 * OUTDIR never shows metadata naming targets that are not there yet.
 *
 * On a terminal, and without --quiet, stderr shows the copy as git's progress
 * lines (meter.h): "Writing files", in bytes.
 */
#include "core/error.h"
#include "core/file.h"
#include "node/cmd/commands.h"
#include "node/cmd/meter.h"
#include "node/node.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CN_EXPORT_FILE_MAX ((size_t)4 << 30)
#define PHASE_WRITING      "Writing files"

typedef struct {
    int count_only; /* add up the sizes, copy nothing */
    const cn_progress *progress;
    uint64_t done, total;
} export_walk;

/* Copy the tree under from into to, leaving out the entry named skip (NULL:
 * none) at its top level; with w->count_only, only add up what it would copy. */
static int copy_tree(const char *from, const char *to, const char *skip, export_walk *w)
{
    DIR *d;
    struct dirent *e;
    int err = 0;

    if (!w->count_only && (err = cn_mkdir_p(to, 0755)) != 0)
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
            err = copy_tree(src, dst, NULL, w);
        else if (S_ISREG(st.st_mode) && w->count_only)
            w->total += (uint64_t)st.st_size;
        else if (S_ISREG(st.st_mode) &&
                 (err = cn_file_copy(src, dst, CN_EXPORT_FILE_MAX, 0644)) == 0) {
            w->done += (uint64_t)st.st_size;
            cn_progress_report(w->progress, PHASE_WRITING, w->done < w->total ? w->done : w->total,
                               w->total);
        }
        free(src);
        free(dst);
        if (err != 0)
            break;
    }
    closedir(d);
    return err;
}

/* The public tree into out: targets first, then metadata, the timestamp
 * last, so that a server already serving out never names a file that is not
 * there yet. */
static int export_tree(const char *public_dir, const char *out, export_walk *w)
{
    char *tuf_from = cn_path_join(public_dir, "tuf"), *tuf_to = cn_path_join(out, "tuf");
    char *ts_from = cn_path_join(public_dir, "tuf/timestamp.json");
    char *ts_to = cn_path_join(out, "tuf/timestamp.json");
    struct stat st;
    int err;

    if (!tuf_from || !tuf_to || !ts_from || !ts_to) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = copy_tree(public_dir, out, "tuf", w)) != 0 ||
        (err = copy_tree(tuf_from, tuf_to, "timestamp.json", w)) != 0)
        goto out;
    if (w->count_only)
        w->total += stat(ts_from, &st) == 0 ? (uint64_t)st.st_size : 0;
    else if ((err = cn_file_copy(ts_from, ts_to, CN_EXPORT_FILE_MAX, 0644)) == 0)
        cn_progress_report(w->progress, PHASE_WRITING, w->total, w->total);
out:
    free(ts_from);
    free(ts_to);
    free(tuf_from);
    free(tuf_to);
    return err;
}

int cn_cmd_export(const char *home_flag, int argc, char **argv)
{
    static const char synopsis[] = "export OUTDIR [--quiet]";
    static const struct option opts[] = {{"quiet", no_argument, NULL, 'q'}, {NULL, 0, NULL, 0}};
    export_walk w = {0, NULL, 0, 0};
    const char *outdir = NULL;
    cn_meter *meter = NULL;
    cn_node *node = NULL;
    char *home = NULL;
    char real_public[PATH_MAX], real_out[PATH_MAX];
    int c, err, quiet = 0;

    /* getopt_long's rules, as cli_opts.c checked them: an option is never
     * taken for OUTDIR ("--" ends the options). */
    optind = 0;
    while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
        if (c != 'q')
            return cn_cli_usage_error(synopsis, "unknown option");
        quiet = 1;
    }
    if (optind != argc - 1)
        return cn_cli_usage_error(synopsis, "expected one OUTDIR");
    outdir = argv[optind];
    if ((err = cn_home_resolve(&home, home_flag)) != 0 || (err = cn_node_open(&node, home, 0)) != 0)
        goto out;
    if ((err = cn_mkdir_p(outdir, 0755)) != 0)
        goto out;
    if (realpath(node->home->public_dir, real_public) && realpath(outdir, real_out) &&
        strncmp(real_out, real_public, strlen(real_public)) == 0) {
        err = cn_error_set(CN_EUSAGE, "OUTDIR must not be inside the node's public tree");
        goto out;
    }
    if ((meter = cn_meter_for_stderr(quiet)) != NULL) {
        cn_meter_count_bytes(meter, PHASE_WRITING);
        w.count_only = 1;
        if ((err = export_tree(node->home->public_dir, outdir, &w)) != 0)
            goto out;
        w.count_only = 0;
        w.progress = cn_meter_progress(meter);
    }
    if ((err = export_tree(node->home->public_dir, outdir, &w)) != 0)
        goto out;
    cn_meter_end(meter);
    fprintf(stderr, "exported node %.12s to %s\n", node->home->node_id, outdir);
out:
    cn_meter_free(meter);
    cn_node_free(node);
    free(home);
    return err ? cn_cli_fail(err) : 0;
}
