/*
 * cmd_show.c - `citynode show NODE/ITEM[@V] [--json]`.
 *
 * Shows an item's versions as the signed metadata lists them, and the
 * manifest of the chosen (default: newest) version. --json output is stable:
 * {"node", "item", "kind", "version", "versions": [{version, commit, tag,
 * full_bundle: {path, length, sha256}, delta_bundle?}], "manifest": {...},
 * "replicated_by": [{by, by_name, as, version, date, commit, tag,
 * attestation}]}.
 *
 * "replicated by" comes from the replication attestations (docs/PROTOCOL.md
 * §11) in the verified mirrors of this node's peers, counted only when they
 * name the tag this node signed for that version.
 */
#include "core/error.h"
#include "core/semver.h"
#include "core/file.h"
#include "node/commands.h"
#include "node/discovery.h"
#include "node/item.h"
#include "node/node.h"
#include "node/sync.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char synopsis[] = "show NODE/ITEM[@V] [--json]";

static json_t *file_json(const cn_node *node, const char *item, const char *version,
                         const char *file)
{
    const cn_tuf_target_info *t;
    char target[CN_ITEM_TARGET_MAX], *rel = NULL;
    json_t *o;

    if (cn_item_target_path(target, item, version, file) != 0 ||
        cn_tuf_repo_get_target(&t, node->tuf, target) != 0 ||
        cn_tuf_target_consistent_path(&rel, target, t->sha256) != 0) {
        cn_error_clear();
        return NULL;
    }
    o = json_pack("{s:s, s:s, s:I, s:s}", "target", target, "path", rel, "length",
                  (json_int_t)t->length, "sha256", t->sha256);
    free(rel);
    return o;
}

static int version_cmp(const void *a, const void *b)
{
    const char *va = json_string_value(json_object_get(*(json_t *const *)a, "version"));
    const char *vb = json_string_value(json_object_get(*(json_t *const *)b, "version"));
    return cn_semver_compare(va, vb);
}

/* Versions of item, oldest first, as a new JSON array. */
static json_t *collect_versions(const cn_node *node, const char *item, const char **kind)
{
    size_t i, n = cn_tuf_repo_target_count(node->tuf), ilen, vlen, count;
    json_t *list = json_array(), **sorted, *v;

    for (i = 0; i < n; i++) {
        const cn_tuf_target_info *t = cn_tuf_repo_target_at(node->tuf, i);
        const char *ip, *vp;
        char version[128];
        json_t *entry, *full, *delta;
        if (!cn_item_is_manifest_target(t->path, &ip, &ilen, &vp, &vlen) || ilen != strlen(item) ||
            strncmp(ip, item, ilen) != 0 || vlen >= sizeof(version))
            continue;
        snprintf(version, sizeof(version), "%.*s", (int)vlen, vp);
        if (cn_semver_check(version) != 0)
            continue;
        *kind = json_string_value(json_object_get(t->custom, "kind"));
        entry = json_pack("{s:s, s:O?, s:O?}", "version", version, "commit",
                          json_object_get(t->custom, "commit"), "tag",
                          json_object_get(t->custom, "tag"));
        if ((full = file_json(node, item, version, "full.bundle")))
            json_object_set_new(entry, "full_bundle", full);
        if ((delta = file_json(node, item, version, "delta.bundle")))
            json_object_set_new(entry, "delta_bundle", delta);
        json_array_append_new(list, entry);
    }
    cn_error_clear();
    count = json_array_size(list);
    if (count < 2 || (sorted = malloc(count * sizeof(*sorted))) == NULL)
        return list;
    json_array_foreach(list, i, v) sorted[i] = json_incref(v);
    qsort(sorted, count, sizeof(*sorted), version_cmp);
    json_array_clear(list);
    for (i = 0; i < count; i++)
        json_array_append_new(list, sorted[i]);
    free(sorted);
    return list;
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* Who replicated item, from the peers' attestations; an empty array for a
 * node that follows nobody (no state.db). */
static int collect_replications(json_t **out, const cn_node *node, const char *item,
                                const json_t *versions)
{
    json_t *tags = json_object(), *v;
    cn_peers *db = NULL;
    char *db_path = cn_path_join(node->home->root, "state.db");
    size_t i;
    int err = 0;

    *out = NULL;
    if (tags == NULL || db_path == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if (!cn_file_exists(db_path)) {
        *out = json_array();
        goto out;
    }
    json_array_foreach(versions, i, v)
    {
        json_object_set(tags, json_string_value(json_object_get(v, "version")),
                        json_object_get(v, "tag"));
    }
    if ((err = cn_node_peers_open(&db, node->home)) != 0)
        goto out;
    err = cn_discovery_replications(out, node->home, db, node->home->node_id, item, tags);
out:
    cn_peers_free(db);
    free(db_path);
    json_decref(tags);
    if (err == 0 && *out == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
    return err;
}

static void print_human(const json_t *out)
{
    const json_t *m = json_object_get(out, "manifest"), *v;
    const char *title = str(m, "title");
    size_t i;

    if (!*title)
        title = str(m, "name");
    printf("%s/%s  (%s)\n", str(out, "node"), str(out, "item"), str(out, "kind"));
    if (*title)
        printf("title:    %s\n", title);
    printf("version:  %s\n", str(out, "version"));
    printf("versions:\n");
    json_array_foreach(json_object_get(out, "versions"), i, v)
    {
        printf("  %-12s commit %.12s  tag %.12s%s\n", str(v, "version"), str(v, "commit"),
               str(v, "tag"), json_object_get(v, "delta_bundle") ? "  (delta)" : "");
    }
    json_array_foreach(json_object_get(out, "replicated_by"), i, v)
    {
        const char *as = str(v, "as");
        printf("replicated by %.12s (%s) as %s at version %s on %.10s\n", str(v, "by"),
               *str(v, "by_name") ? str(v, "by_name") : "?", *as ? as : "a working copy",
               str(v, "version"), str(v, "date"));
    }
}

int cn_cmd_show(const char *home_flag, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
    cn_node *node = NULL;
    json_t *versions = NULL, *manifest = NULL, *replicated = NULL, *out = NULL;
    char *home = NULL, *item = NULL, *version = NULL;
    const char *kind = "";
    int c, as_json = 0, err;

    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'j')
            return cn_cli_usage_error(synopsis, "unknown option");
        as_json = 1;
    }
    if (optind != argc - 1)
        return cn_cli_usage_error(synopsis, "expected one NODE/ITEM[@V]");
    if ((err = cn_home_resolve(&home, home_flag)) != 0 ||
        (err = cn_node_open(&node, home, 0)) != 0 ||
        (err = cn_node_parse_ref(&item, &version, node, argv[optind])) != 0)
        goto out;
    if (version == NULL && (err = cn_node_latest_version(&version, NULL, node, item)) != 0)
        goto out;
    if ((err = cn_node_read_manifest(&manifest, node, item, version)) != 0)
        goto out;
    versions = collect_versions(node, item, &kind);
    if ((err = collect_replications(&replicated, node, item, versions)) != 0)
        goto out;
    out = json_pack("{s:s, s:s, s:s, s:s, s:O, s:O, s:O}", "node", node->home->node_id, "item",
                    item, "kind", kind, "version", version, "versions", versions, "manifest",
                    manifest, "replicated_by", replicated);
    if (out == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if (as_json) {
        json_dumpf(out, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
        putchar('\n');
    } else {
        print_human(out);
    }
out:
    json_decref(out);
    json_decref(replicated);
    json_decref(versions);
    json_decref(manifest);
    free(item);
    free(version);
    cn_node_free(node);
    free(home);
    return err ? cn_cli_fail(err) : 0;
}
