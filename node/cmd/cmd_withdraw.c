/*
 * cmd_withdraw.c - `citynode withdraw ITEM[@V] --reason TEXT`.
 *
 * A city withdraws a version it published (or, without @V, every version of
 * the item) by signing that it did: the version's manifest target gets
 * custom.withdrawn = {"at": <RFC 3339 time>, "reason": <text>}
 * (docs/PROTOCOL.md §5). Nothing is deleted: the files, the bundles and the
 * signed tags stay, so a city that replicated the version can still verify
 * what it took, and every registry that follows this node shows the version
 * as withdrawn, with the reason, instead of dropping it. A version withdrawn
 * before keeps its first date and reason.
 *
 * Like publish, it commits new targets, snapshot and timestamp metadata,
 * re-indexes the node's registry and hints the peers that follow it.
 */
#include "core/error.h"
#include "core/json.h"
#include "core/name.h"
#include "core/semver.h"
#include "core/tuf.h"
#include "node/cmd/commands.h"
#include "node/federation/search_index.h"
#include "node/item.h"
#include "node/node.h"
#include "node/federation/follow.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CN_WITHDRAW_REASON_MAX 500 /* bytes: a sentence or two for people */

static const char synopsis[] = "withdraw ITEM[@V] --reason TEXT";

/* A reason is shown to people on every registry: 1 to 500 bytes of UTF-8
 * text without control characters but line breaks. */
static int check_reason(const char *reason)
{
    if (*reason == '\0')
        return cn_error_set(CN_EUSAGE, "--reason must not be empty");
    return cn_text_check("--reason", reason, strlen(reason), CN_WITHDRAW_REASON_MAX, CN_TEXT_LINES);
}

/* Mark one version's manifest target withdrawn in the pending targets.
 * *changed is 0 if it already was. */
static int withdraw_version(int *changed, cn_node *node, const cn_tuf_target_info *t,
                            const char *at, const char *reason)
{
    unsigned char *data = NULL;
    size_t len;
    json_t *custom = NULL;
    int err;

    *changed = 0;
    if (json_is_object(json_object_get(t->custom, "withdrawn")))
        return 0;
    if ((custom = t->custom ? json_deep_copy(t->custom) : json_object()) == NULL ||
        json_object_set_new(custom, "withdrawn",
                            json_pack("{s:s, s:s}", "at", at, "reason", reason)) != 0) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    /* The same bytes under the same name: only the signed custom data
     * changes. */
    if ((err = cn_node_read_target(&data, &len, node, t->path, CN_NODE_MANIFEST_MAX)) != 0 ||
        (err = cn_tuf_repo_add_target(node->tuf, t->path, data, len, custom)) != 0)
        goto out;
    *changed = 1;
out:
    json_decref(custom);
    free(data);
    return err;
}

/* Withdraw item (every version, or only version) and commit; *withdrawn and
 * *already count the versions. */
static int withdraw(size_t *withdrawn, size_t *already, cn_node *node, const char *item,
                    const char *version, const char *reason)
{
    size_t i, n = cn_tuf_repo_target_count(node->tuf), found = 0;
    char at[21], **paths = NULL;
    int err = 0;

    *withdrawn = *already = 0;
    cn_tuf_time_format(at, time(NULL));
    /* Collect first: adding a target may reorder the repo's list. */
    if ((paths = calloc(n ? n : 1, sizeof(*paths))) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    for (i = 0; i < n; i++) {
        const cn_tuf_target_info *t = cn_tuf_repo_target_at(node->tuf, i);
        const char *ip, *vp;
        size_t il, vl;

        if (!cn_item_is_manifest_target(t->path, &ip, &il, &vp, &vl) || il != strlen(item) ||
            strncmp(ip, item, il) != 0)
            continue;
        if (version && (vl != strlen(version) || strncmp(vp, version, vl) != 0))
            continue;
        if ((paths[found++] = strdup(t->path)) == NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
    }
    if (found == 0) {
        err = cn_error_set(CN_ENOTFOUND,
                           "%s%s%s%s is not published on this node — `citynode search "
                           "--node %.12s` lists its items",
                           version ? "" : "item '", item, version ? "@" : "'",
                           version ? version : "", node->home->node_id);
        goto out;
    }
    for (i = 0; i < found && err == 0; i++) {
        const cn_tuf_target_info *t;
        int changed;

        if ((err = cn_tuf_repo_get_target(&t, node->tuf, paths[i])) == 0 &&
            (err = withdraw_version(&changed, node, t, at, reason)) == 0)
            (*(changed ? withdrawn : already))++;
    }
    if (err == 0 && *withdrawn > 0)
        err = cn_tuf_repo_commit(node->tuf);
out:
    for (i = 0; i < found; i++)
        free(paths[i]);
    free(paths);
    return err;
}

int cn_cmd_withdraw(const char *home_flag, int argc, char **argv)
{
    static const struct option opts[] = {{"reason", required_argument, NULL, 'r'},
                                         {NULL, 0, NULL, 0}};
    const char *reason = NULL;
    cn_node *node = NULL;
    char *home = NULL, *item = NULL, *version = NULL, *at;
    size_t withdrawn = 0, already = 0;
    int c, err;

    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'r')
            return cn_cli_usage_error(synopsis, "unknown option");
        reason = optarg;
    }
    if (optind != argc - 1)
        return cn_cli_usage_error(synopsis, "expected one ITEM[@V]");
    if (reason == NULL)
        return cn_cli_usage_error(synopsis, "--reason TEXT is required: it is shown to people");
    if ((err = check_reason(reason)) != 0)
        return cn_cli_fail(err);
    if ((item = strdup(argv[optind])) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((at = strchr(item, '@')) != NULL) {
        *at = '\0';
        version = at + 1;
    }
    if (cn_name_check_slug(item) != 0 || (version && cn_semver_check(version) != 0)) {
        cn_error_clear();
        err = cn_error_set(CN_EUSAGE, "'%s' is not ITEM[@VERSION]", argv[optind]);
        goto out;
    }
    if ((err = cn_home_resolve(&home, home_flag)) != 0 ||
        (err = cn_node_open(&node, home, CN_NODE_WRITE | CN_NODE_WAIT)) != 0 ||
        (err = withdraw(&withdrawn, &already, node, item, version, reason)) != 0)
        goto out;
    if (withdrawn == 0) {
        printf("%s%s%s was already withdrawn\n", item, version ? "@" : "", version ? version : "");
        goto out;
    }
    if (cn_node_index_self(node) != 0) {
        fprintf(stderr, "warning: withdrawn, but not indexed for search: %s\n", cn_error_message());
        cn_error_clear();
    }
    cn_node_hint_peers_report(node);
    printf("withdrew %zu version%s of %s%s\n", withdrawn, withdrawn == 1 ? "" : "s", item,
           already ? " (others were withdrawn before)" : "");
out:
    cn_node_free(node);
    free(home);
    free(item);
    return err ? cn_cli_fail(err) : 0;
}
