/*
 * cmd_verify.c - `citynode verify`: re-check everything stored against the
 * signed metadata.
 *
 * --all checks, and names the first file that fails:
 *  1. the TUF chain from tuf/1.root.json to the current targets, and every
 *     current target's length and hash (cn_tuf_verify_dir);
 *  2. every older snapshot and targets version still published, against the
 *     root keys of its time;
 *  3. every file under targets/, whose consistent name carries its sha256;
 *  4. the unsigned .well-known pointer, against the signed profile;
 *  5. every item version's git tag: SSHSIG by a targets key, pointing at the
 *     commit the signed metadata names; and no tag of a version the metadata
 *     does not name (a publish killed before its commit point left it);
 *  6. every mirror of a peer (cn_mirror_verify): its metadata chain from the
 *     pinned root, its target files, its mirrored repositories' tags.
 * It warns when the node's own root expires within 30 days (node/keys.h).
 *
 * On a terminal, and without --quiet, stderr shows the hashing of the files
 * and the checks of the item versions as git's progress lines (meter.h).
 */
#include "core/error.h"
#include "core/file.h"
#include "core/git.h"
#include "core/hash.h"
#include "core/json.h"
#include "node/cmd/commands.h"
#include "node/cmd/meter.h"
#include "node/config.h"
#include "node/keys.h"
#include "node/node.h"
#include "node/profile.h"
#include "node/verify.h"
#include "peers/mirror.h"

#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define CN_TARGET_FILE_MAX ((size_t)4 << 30)

/* An older N.snapshot.json, N.targets.json or N.items.<item>.json: signed
 * by the role's keys of some root version. */
static int verify_old_metadata(cn_tuf_metadata *const *roots, size_t nroots, const char *path,
                               cn_tuf_role role)
{
    cn_tuf_metadata *md = NULL;
    unsigned char *data = NULL;
    size_t len, i;
    int err;

    if ((err = cn_file_read(&data, &len, path, CN_TUF_MAX_METADATA_LEN)) != 0)
        return err;
    if ((err = cn_tuf_metadata_parse(&md, data, len, CN_TUF_MAX_METADATA_LEN, role, path)) != 0) {
        err = CN_EVERIFY;
        goto out;
    }
    err = CN_EVERIFY;
    for (i = nroots; i-- > 0 && err != 0;)
        err = cn_tuf_metadata_verify(md, roots[i], role);
    if (err != 0)
        cn_error_set(CN_EVERIFY, "%s: not signed by any %s key of this node", path,
                     cn_tuf_role_name(role));
out:
    cn_tuf_metadata_free(md);
    free(data);
    return err;
}

/* ".items.<item>.json", the rest of an item role's file name (layout 2,
 * PROTOCOL §4.1): targets metadata signed by the targets keys. */
static int is_item_role_file(const char *rest)
{
    size_t n = strlen(rest);

    return strncmp(rest, ".items.", 7) == 0 && n > 12 && strcmp(rest + n - 5, ".json") == 0;
}

static int verify_metadata_dir(const char *public_dir)
{
    char *tuf_dir = cn_path_join(public_dir, "tuf");
    cn_tuf_metadata **roots = NULL;
    size_t nroots = 0;
    struct dirent *e;
    DIR *d = NULL;
    int err;

    if (tuf_dir == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if ((err = cn_verify_root_chain(&roots, &nroots, public_dir)) != 0)
        goto out;
    if ((d = opendir(tuf_dir)) == NULL) {
        err = cn_error_set(CN_ERROR, "cannot read %s", tuf_dir);
        goto out;
    }
    while (err == 0 && (e = readdir(d)) != NULL) {
        char path[4096];
        const char *dot = strchr(e->d_name, '.');
        if (dot == NULL || e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", tuf_dir, e->d_name);
        if (strcmp(dot, ".snapshot.json") == 0)
            err = verify_old_metadata(roots, nroots, path, CN_TUF_SNAPSHOT);
        else if (strcmp(dot, ".targets.json") == 0 || is_item_role_file(dot))
            err = verify_old_metadata(roots, nroots, path, CN_TUF_TARGETS);
    }
out:
    if (d)
        closedir(d);
    cn_verify_root_chain_free(roots, nroots);
    free(tuf_dir);
    return err;
}

/* The pointer is unsigned, so it must say exactly what the signed profile and
 * the node id say: render it and compare bytes. */
static int verify_pointer(const cn_home *home)
{
    char *path = cn_path_join(home->public_dir, ".well-known/citynode.json"), *expected = NULL;
    unsigned char *actual = NULL;
    size_t alen, elen;
    cn_config *cfg = NULL;
    int err;

    if (path == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if ((err = cn_config_read(&cfg, home->config_path)) != 0 ||
        (err = cn_profile_pointer_bytes(&expected, &elen, home->node_id, cfg)) != 0 ||
        (err = cn_file_read(&actual, &alen, path, 64 * 1024)) != 0)
        goto out;
    if (alen != elen || memcmp(actual, expected, alen) != 0)
        err = cn_error_set(CN_EVERIFY, "%s: does not match the node's id and signed profile", path);
out:
    free(actual);
    free(expected);
    free(path);
    cn_config_free(cfg);
    return err;
}

/* A published file that does not parse is a verification failure too. */
static int as_verify_failure(int err)
{
    return (err == CN_EINVAL || err == CN_ELIMIT || err == CN_ENOTFOUND) ? CN_EVERIFY : err;
}

int cn_verify_tree(const cn_home *home, const cn_progress *progress)
{
    char *targets_dir = NULL;
    int err;

    /* Every metadata file on its own first, so a damaged one is named. */
    if ((err = verify_metadata_dir(home->public_dir)) != 0)
        return as_verify_failure(err);
    if ((err = cn_tuf_verify_dir(home->public_dir, time(NULL))) != 0)
        return cn_error_wrap(as_verify_failure(err), "%s", home->public_dir);
    if ((targets_dir = cn_path_join(home->public_dir, "targets")) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    err = cn_tuf_verify_target_files_reporting(targets_dir, CN_TARGET_FILE_MAX, progress,
                                               CN_VERIFY_PHASE_FILES);
    free(targets_dir);
    if (err != 0)
        return as_verify_failure(err);
    return as_verify_failure(verify_pointer(home));
}

/* Every peer's mirror: metadata, target files and mirrored tags. */
static int verify_mirrors(const cn_home *h, cn_meter *meter)
{
    char **ids = NULL;
    size_t n = 0, i;
    int err;

    if ((err = cn_mirror_list(&ids, &n, h->mirrors_dir)) != 0)
        return err;
    for (i = 0; i < n && err == 0; i++) {
        err = cn_mirror_verify(h->mirrors_dir, h->repos_dir, ids[i], cn_meter_progress(meter));
        cn_meter_end(meter);
        if (err == 0)
            printf("verified: mirror of node %.12s, signatures and hashes good\n", ids[i]);
        else
            err = as_verify_failure(err);
    }
    for (i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    return err;
}

int cn_cmd_verify(const char *home_flag, int argc, char **argv)
{
    static const char synopsis[] = "verify [NODE/ITEM[@V] | --all] [--quiet]";
    static const struct option opts[] = {
        {"quiet", no_argument, NULL, 'q'}, {"all", no_argument, NULL, 'a'}, {NULL, 0, NULL, 0}};
    const char *what = NULL; /* NODE/ITEM[@V], or NULL for all */
    cn_meter *meter = NULL;
    cn_node *node = NULL;
    cn_home *h = NULL;
    char *home = NULL, *item = NULL, *version = NULL;
    size_t n;
    int c, err, quiet = 0, all = 0;

    /* getopt_long's rules, as cli_opts.c checked them. */
    optind = 0;
    while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
        if (c == 'q')
            quiet = 1;
        else if (c == 'a')
            all = 1;
        else
            return cn_cli_usage_error(synopsis, "unknown option");
    }
    if (optind < argc - 1 || (all && optind < argc))
        return cn_cli_usage_error(synopsis, "too many arguments");
    if (optind < argc)
        what = argv[optind];
    if ((err = cn_home_resolve(&home, home_flag)) != 0 ||
        (err = cn_home_open(&h, home, CN_HOME_MUST_EXIST)) != 0)
        goto out;
    /* The tree is checked before the repository is opened from it, so a
     * damaged file is reported as a verification failure with its name. */
    if ((meter = cn_meter_for_stderr(quiet)) != NULL) {
        cn_meter_count_bytes(meter, CN_VERIFY_PHASE_FILES);
        cn_meter_count_bytes(meter, CN_MIRROR_PHASE_FILES);
    }
    if (what == NULL && (err = cn_verify_tree(h, cn_meter_progress(meter))) != 0)
        goto out;
    if ((err = cn_node_open(&node, home, 0)) != 0) {
        err = as_verify_failure(err);
        goto out;
    }
    cn_meter_end(meter);
    cn_node_warn_root_expiry(node, "", time(NULL));
    if (what != NULL && (err = cn_node_parse_ref(&item, &version, node, what)) != 0)
        goto out;
    if ((err = cn_verify_item_tags(node, item, version, &n, cn_meter_progress(meter))) != 0)
        goto out;
    cn_meter_end(meter);
    printf("verified: node %.12s, %zu item version%s, signatures and hashes good\n",
           node->home->node_id, n, n == 1 ? "" : "s");
    if (item == NULL && (err = verify_mirrors(h, meter)) != 0)
        goto out;
out:
    cn_meter_free(meter);
    free(item);
    free(version);
    cn_node_free(node);
    cn_home_free(h);
    free(home);
    return err ? cn_cli_fail(err) : 0;
}
