/*
 * cmd_show.c - `citynode show NODE/ITEM[@V] [--json]`.
 *
 * Shows an item's versions as the signed metadata lists them, and the
 * manifest of the chosen (default: newest) version. NODE is this node
 * (`self`, its id or a prefix of it) or a peer (its id, a unique prefix of at
 * least 8 hex digits, or its alias): a peer's item is read from the verified
 * state its mirror stores (peers/mirror.h), never from the network. --json
 * output is stable: {"node", "item", "kind", "version", "versions":
 * [{version, commit, tag, full_bundle: {target, path, length, sha256,
 * stored}, delta_bundle?, stored}], "bundles_stored", "manifest": {...},
 * "replicated_by": [{by, by_name, as, version, date, commit, tag,
 * attestation}]}, and for a peer "peer": {alias, name, policy}.
 *
 * "replicated by" comes from the replication attestations (docs/PROTOCOL.md
 * §11) in the verified mirrors of this node's peers, counted only when they
 * name the tag this node signed for that version.
 *
 * The registry's view of the same item - who signed the version, when this
 * node verified it, how many nodes replicated it - is GET
 * /api/v1/items/<node>/<item> (registry/registry.h, cn_registry_item): the
 * human output adds its signer and verification lines, and --api prints
 * that document as serve answers it.
 */
#include "node/cmd/commands.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/file.h"
#include "core/json.h"
#include "core/semver.h"
#include "core/term.h"
#include "node/federation/attestations.h"
#include "node/federation/follow.h"
#include "node/item.h"
#include "node/node.h"
#include "peers/mirror.h"
#include "peers/peers.h"
#include "registry/registry.h"

#include <getopt.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char synopsis[] = "show NODE/ITEM[@V] [--json | --api]";

/* Where the signed targets come from: this node's repository, or the trusted
 * state stored of a peer. */
typedef struct {
    const cn_node *node;
    const cn_tuf_client *peer; /* NULL: this node */
    const char *peer_id;
} show_source;

static size_t source_count(const show_source *src)
{
    return src->peer ? cn_tuf_client_target_count(src->peer)
                     : cn_tuf_repo_target_count(src->node->tuf);
}

static const cn_tuf_target_info *source_at(const show_source *src, size_t i)
{
    return src->peer ? cn_tuf_client_target_at(src->peer, i)
                     : cn_tuf_repo_target_at(src->node->tuf, i);
}

static int source_get(const cn_tuf_target_info **out, const show_source *src, const char *target)
{
    return src->peer ? cn_tuf_client_get_target_info(out, src->peer, target)
                     : cn_tuf_repo_get_target(out, src->node->tuf, target);
}

/* 1 if the file of target t is stored here: always for this node's own
 * targets, for a peer's only if its mirror holds it (not an `index` peer's
 * bundles). */
static int source_stores(const show_source *src, const cn_tuf_target_info *t)
{
    char *path = NULL;
    int stored;

    if (src->peer == NULL)
        return 1;
    stored = cn_mirror_target_path(&path, src->node->home->mirrors_dir, src->peer_id, t) == 0;
    free(path);
    cn_error_clear();
    return stored;
}

static json_t *file_json(const show_source *src, const char *item, const char *version,
                         const char *file)
{
    const cn_tuf_target_info *t;
    char target[CN_ITEM_TARGET_MAX], *rel = NULL;
    json_t *o;

    if (cn_item_target_path(target, item, version, file) != 0 || source_get(&t, src, target) != 0 ||
        cn_tuf_target_consistent_path(&rel, target, t->sha256) != 0) {
        cn_error_clear();
        return NULL;
    }
    o = json_pack("{s:s, s:s, s:I, s:s, s:b}", "target", target, "path", rel, "length",
                  (json_int_t)t->length, "sha256", t->sha256, "stored", source_stores(src, t));
    free(rel);
    return o;
}

static int version_cmp(const void *a, const void *b)
{
    const char *va = json_string_value(json_object_get(*(json_t *const *)a, "version"));
    const char *vb = json_string_value(json_object_get(*(json_t *const *)b, "version"));
    return cn_semver_compare(va, vb);
}

/* The version of an item target path "items/<item>/<version>/<file>" of
 * item, into version (size bytes); 0 for a target of another item or none. */
static int target_version(char *version, size_t size, const char *path, const char *item)
{
    size_t ilen = strlen(item);
    const char *v, *end;

    if (strncmp(path, "items/", 6) != 0 || strncmp(path + 6, item, ilen) != 0 ||
        path[6 + ilen] != '/')
        return 0;
    v = path + 7 + ilen;
    if ((end = strchr(v, '/')) == NULL || (size_t)(end - v) >= size || strchr(end + 1, '/'))
        return 0;
    snprintf(version, size, "%.*s", (int)(end - v), v);
    if (cn_semver_check(version) != 0) {
        cn_error_clear();
        return 0;
    }
    return 1;
}

/* Versions of item, oldest first, as a new JSON array: every version a
 * target names (its manifest, or in layout 2 the bundles of a checkpoint,
 * PROTOCOL §4.1). */
static json_t *collect_versions(const show_source *src, const char *item, const char **kind)
{
    size_t i, n = source_count(src);
    json_t *list = json_array(), *seen = json_object();

    for (i = 0; list && seen && i < n; i++) {
        const cn_tuf_target_info *t = source_at(src, i);
        char version[128];
        json_t *entry, *full, *delta;
        if (!target_version(version, sizeof(version), t->path, item) ||
            json_object_get(seen, version) != NULL)
            continue;
        json_object_set_new(seen, version, json_true());
        *kind = json_string_value(json_object_get(t->custom, "kind"));
        entry = json_pack("{s:s, s:O?, s:O?}", "version", version, "commit",
                          json_object_get(t->custom, "commit"), "tag",
                          json_object_get(t->custom, "tag"));
        if ((full = file_json(src, item, version, "full.bundle")))
            json_object_set_new(entry, "full_bundle", full);
        if ((delta = file_json(src, item, version, "delta.bundle")))
            json_object_set_new(entry, "delta_bundle", delta);
        json_array_append_new(list, entry);
    }
    json_decref(seen);
    /* Out of memory leaves the versions unsorted: still worth showing. */
    cn_json_array_sort(list, version_cmp);
    cn_error_clear();
    return list;
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* Who replicated node_id/item, from the peers' attestations; an empty array
 * for a node that follows nobody (no state.db). */
static int collect_replications(json_t **out, const cn_node *node, const char *node_id,
                                const char *item, const json_t *versions)
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
    err = cn_attestation_list(out, node->home, db, node_id, item, tags);
out:
    cn_peers_free(db);
    free(db_path);
    json_decref(tags);
    if (err == 0 && *out == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
    return err;
}

/* The peer that node_ref (id, unique prefix or alias; nlen bytes) names;
 * CN_ENOTFOUND in the words of an unknown node when there is none. */
static int find_peer(cn_peer *out, const cn_node *node, const char *node_ref, size_t nlen)
{
    cn_peers *db = NULL;
    char *db_path = cn_path_join(node->home->root, "state.db"), *ref = strndup(node_ref, nlen);
    int err = CN_ENOTFOUND;

    memset(out, 0, sizeof(*out));
    if (db_path == NULL || ref == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    /* No state.db yet: this node follows nobody. */
    if (cn_file_exists(db_path) && (err = cn_node_peers_open(&db, node->home)) == 0)
        err = cn_peers_get(out, db, ref);
    if (err == CN_ENOTFOUND)
        err = cn_error_set(CN_ENOTFOUND,
                           "'%.80s' is neither this node nor a peer (not a node known here; "
                           "this node is %.12s, see 'citynode peer list')",
                           ref, node->home->node_id);
out:
    cn_peers_free(db);
    free(ref);
    free(db_path);
    return err;
}

/* The manifest of a peer's item@version, checked against its signed hash,
 * or, for a version whose manifest the signed targets do not list, its
 * verified tag's message (PROTOCOL §4.1, Older versions). */
static int read_peer_manifest(json_t **out, const show_source *src, const char *item,
                              const char *version)
{
    char target[CN_ITEM_TARGET_MAX], commit[41], tag[41];
    unsigned char *bytes = NULL;
    size_t len = 0;
    json_error_t jerr;
    int err;

    *out = NULL;
    if ((err = cn_item_target_path(target, item, version, "manifest.json")) != 0)
        return err;
    err = cn_mirror_read_target(&bytes, &len, src->node->home->mirrors_dir, src->peer_id, src->peer,
                                target);
    if (err == CN_ENOTFOUND) {
        cn_error_clear();
        err = cn_mirror_history_version(commit, tag, &bytes, &len, src->node->home->repos_dir,
                                        src->peer_id, src->peer, item, version);
        if (err == CN_ENOTFOUND)
            err = cn_error_set(CN_ENOTFOUND,
                               "%s@%s: peer %.12s lists its bundles, not its manifest, which "
                               "comes with its signed tag; this node holds no bundles of it "
                               "('citynode replicate %.12s/%s@%s DEST' fetches them)",
                               item, version, src->peer_id, src->peer_id, item, version);
    }
    if (err != 0)
        return err;
    *out = json_loadb((const char *)bytes, len, JSON_REJECT_DUPLICATES, &jerr);
    free(bytes);
    if (*out == NULL || !json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return cn_error_set(CN_EVERIFY, "%s of node %.12s: not a JSON object", target,
                            src->peer_id);
    }
    return 0;
}

/* The version entry of versions named version, or NULL. */
static const json_t *find_version(const json_t *versions, const char *version)
{
    const json_t *v;
    size_t i;

    json_array_foreach(versions, i, v)
    {
        if (strcmp(str(v, "version"), version) == 0)
            return v;
    }
    return NULL;
}

/* The versions of a peer's item that left its signed targets (layout 2,
 * PROTOCOL §4.1) and whose tags the mirror repository holds verified, older
 * than the newest listed version, added to versions (sorted, not empty)
 * marked "superseded". A tag that does not verify is left out
 * (`citynode verify` names it). */
static int add_superseded(json_t *versions, const show_source *src, const char *item)
{
    const char *newest = str(json_array_get(versions, json_array_size(versions) - 1), "version");
    json_t *found = NULL, *v;
    size_t i;
    int err;

    if ((err = cn_mirror_history_versions(&found, src->node->home->repos_dir, src->peer_id,
                                          src->peer, item, 0)) != 0)
        return err;
    json_array_foreach(found, i, v)
    {
        /* A newer tag is a sync's that stopped before its metadata. */
        if (cn_semver_compare(str(v, "version"), newest) >= 0 ||
            find_version(versions, str(v, "version")) != NULL)
            continue;
        if (json_object_set_new(v, "superseded", json_true()) != 0 ||
            json_array_append(versions, v) != 0) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            break;
        }
    }
    json_decref(found);
    if (err == 0)
        err = cn_json_array_sort(versions, version_cmp);
    return err;
}

/* Mark each of a peer's versions "stored" when its content is here: in the
 * mirrored repository as the tag the peer signed (a mirror fetches only the
 * newest full bundle and later deltas; sync or replicate put every version in
 * the repository), or as a stored full bundle. An `index` peer's versions are
 * not, until `citynode replicate` fetches them. */
static int mark_stored(json_t *versions, const show_source *src, const char *item)
{
    git_repository *repo = NULL;
    cn_buf buf = CN_BUF_INIT;
    char *path = NULL;
    json_t *v;
    size_t i;
    int err = 0;

    if (cn_buf_printf(&buf, "%s/%s/%s.git", src->node->home->repos_dir, src->peer_id, item) != 0 ||
        (path = cn_buf_detach(&buf, NULL)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if (cn_dir_exists(path) && git_repository_open_bare(&repo, path) != 0)
        repo = NULL; /* an unborn or damaged repository holds nothing */
    json_array_foreach(versions, i, v)
    {
        char ref[160];
        git_oid oid;
        int stored = json_is_true(json_object_get(json_object_get(v, "full_bundle"), "stored"));
        if (!stored && repo != NULL &&
            snprintf(ref, sizeof(ref), "refs/tags/v%s", str(v, "version")) < (int)sizeof(ref) &&
            git_reference_name_to_id(&oid, repo, ref) == 0)
            stored = strcmp(git_oid_tostr_s(&oid), str(v, "tag")) == 0;
        if (json_object_set_new(v, "stored", json_boolean(stored)) != 0) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
    }
out:
    git_repository_free(repo);
    cn_buf_free(&buf);
    free(path);
    return err;
}

/* NODE/ITEM[@V] of a peer: out as for this node's items plus "peer". */
static int show_peer(json_t **out, const cn_node *node, const char *ref)
{
    const char *slash = strchr(ref, '/'), *kind = "";
    cn_peer peer;
    cn_tuf_client *trusted = NULL;
    json_t *versions = NULL, *manifest = NULL, *replicated = NULL;
    const json_t *entry;
    char *item = NULL, *version = NULL, *self_ref = NULL;
    show_source src = {node, NULL, NULL};
    int err;

    *out = NULL;
    if ((err = find_peer(&peer, node, ref, (size_t)(slash - ref))) != 0)
        return err;
    /* ITEM[@V] is checked as for this node's items. */
    if ((self_ref = malloc(strlen(slash) + 5)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    memcpy(self_ref, "self", 4);
    strcpy(self_ref + 4, slash);
    if ((err = cn_node_parse_ref(&item, &version, node, self_ref)) != 0)
        goto out;
    if ((err = cn_mirror_load(&trusted, node->home->mirrors_dir, peer.node_id)) != 0) {
        if (err == CN_ENOTFOUND)
            cn_error_set(err,
                         "nothing of peer %.12s (%s) is stored yet; 'citynode sync' fetches it",
                         peer.node_id, peer.alias);
        goto out;
    }
    src.peer = trusted;
    src.peer_id = peer.node_id;
    versions = collect_versions(&src, item, &kind);
    if (json_array_size(versions) > 0 && (err = add_superseded(versions, &src, item)) != 0)
        goto out;
    if (json_array_size(versions) == 0) {
        err = cn_error_set(CN_ENOTFOUND, "item '%s' is not published by peer %.12s (%s)", item,
                           peer.node_id, peer.alias);
        goto out;
    }
    if (version == NULL &&
        (version = strdup(
             str(json_array_get(versions, json_array_size(versions) - 1), "version"))) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((entry = find_version(versions, version)) == NULL) {
        err = cn_error_set(CN_ENOTFOUND, "%s@%s is not published by peer %.12s (%s)", item, version,
                           peer.node_id, peer.alias);
        goto out;
    }
    if ((err = mark_stored(versions, &src, item)) != 0 ||
        (err = read_peer_manifest(&manifest, &src, item, version)) != 0 ||
        (err = collect_replications(&replicated, node, peer.node_id, item, versions)) != 0)
        goto out;
    *out = json_pack("{s:s, s:{s:s, s:s?, s:s}, s:s, s:s, s:s, s:O, s:b, s:O, s:O}", "node",
                     peer.node_id, "peer", "alias", peer.alias, "name", peer.name, "policy",
                     cn_peer_policy_name(peer.policy), "item", item, "kind", kind, "version",
                     version, "versions", versions, "bundles_stored",
                     json_is_true(json_object_get(entry, "stored")), "manifest", manifest,
                     "replicated_by", replicated);
    if (*out == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
out:
    json_decref(replicated);
    json_decref(manifest);
    json_decref(versions);
    cn_tuf_client_free(trusted);
    free(self_ref);
    free(item);
    free(version);
    cn_peer_clear(&peer);
    return err;
}

/* NODE/ITEM[@V] of this node. */
static int show_own(json_t **out, const cn_node *node, char *item, char *version)
{
    show_source src = {node, NULL, NULL};
    json_t *versions = NULL, *manifest = NULL, *replicated = NULL;
    const char *kind = "";
    int err;

    *out = NULL;
    if (version == NULL && (err = cn_node_latest_version(&version, NULL, node, item)) != 0)
        goto out;
    if ((err = cn_node_read_manifest(&manifest, node, item, version)) != 0)
        goto out;
    versions = collect_versions(&src, item, &kind);
    if ((err = collect_replications(&replicated, node, node->home->node_id, item, versions)) != 0)
        goto out;
    *out = json_pack("{s:s, s:s, s:s, s:s, s:O, s:b, s:O, s:O}", "node", node->home->node_id,
                     "item", item, "kind", kind, "version", version, "versions", versions,
                     "bundles_stored", 1, "manifest", manifest, "replicated_by", replicated);
    if (*out == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
out:
    json_decref(replicated);
    json_decref(versions);
    json_decref(manifest);
    free(version);
    free(item);
    return err;
}

/* The registry's document for the item of out (cn_registry_item), or NULL
 * with the error set. */
static int registry_item(json_t **doc, const cn_node *node, const json_t *out)
{
    cn_registry_query q = CN_REGISTRY_QUERY_INIT;
    cn_registry *reg = NULL;
    const char *version = str(out, "version");
    char *db = cn_path_join(node->home->root, "state.db");
    int err;

    *doc = NULL;
    if (db == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if ((err = cn_registry_open(&reg, db)) == 0 && *version &&
        (err = cn_registry_query_set(&q, "version", version, strlen(version))) == 0)
        err = cn_registry_item(doc, reg, str(out, "node"), str(out, "item"), &q);
    if (err == 0)
        err = cn_item_describe_files(*doc, node->home->repos_dir);
    cn_registry_query_clear(&q);
    cn_registry_free(reg);
    free(db);
    return err;
}

static void print_registry(const json_t *doc)
{
    static const char *const swhid_types[] = {"rel", "rev", "dir"};
    const json_t *v = json_object_get(doc, "version"), *k;
    const char *verified = str(v, "verified_at"), *published = str(v, "published");
    size_t i;

    if (*published)
        cn_term_fprintf(stdout, "published: %s\n", published);
    json_array_foreach(json_object_get(v, "signers"), i, k)
    {
        cn_term_fprintf(stdout, "signed by: key %s%s%s\n", json_string_value(k),
                        *verified ? ", verified here at " : "", verified);
    }
    /* The tag, its commit, the tree (docs/api.yaml, Swhids), those known. */
    for (i = 0; i < sizeof(swhid_types) / sizeof(swhid_types[0]); i++)
        if (*str(json_object_get(v, "swhids"), swhid_types[i]))
            cn_term_fprintf(stdout, "swhid: %s\n",
                            str(json_object_get(v, "swhids"), swhid_types[i]));
    cn_term_fprintf(stdout, "replications: %lld node%s\n",
                    (long long)json_integer_value(json_object_get(doc, "replications")),
                    json_integer_value(json_object_get(doc, "replications")) == 1 ? "" : "s");
    if (json_is_true(json_object_get(v, "withdrawn")))
        cn_term_fprintf(stdout, "withdrawn: %s\n",
                        *str(v, "withdrawn_reason") ? str(v, "withdrawn_reason") : "yes");
}

static void print_human(const json_t *out)
{
    const json_t *m = json_object_get(out, "manifest"), *peer = json_object_get(out, "peer"), *v;
    const char *title = str(m, "title");
    size_t i;

    if (!*title)
        title = str(m, "name");
    cn_term_fprintf(stdout, "%s/%s  (%s)\n", str(out, "node"), str(out, "item"), str(out, "kind"));
    if (peer)
        cn_term_fprintf(stdout, "peer:     %s (%s), policy %s\n",
                        *str(peer, "name") ? str(peer, "name") : "?", str(peer, "alias"),
                        str(peer, "policy"));
    if (*title)
        cn_term_fprintf(stdout, "title:    %s\n", title);
    cn_term_fprintf(stdout, "version:  %s\n", str(out, "version"));
    if (peer)
        cn_term_fprintf(stdout, "bundles:  %s\n",
                        json_is_true(json_object_get(out, "bundles_stored"))
                            ? "stored here (verified mirror)"
                            : "not fetched; `citynode replicate` fetches them");
    printf("versions:\n");
    json_array_foreach(json_object_get(out, "versions"), i, v)
    {
        cn_term_fprintf(stdout, "  %-12s commit %.12s  tag %.12s%s\n", str(v, "version"),
                        str(v, "commit"), str(v, "tag"),
                        json_object_get(v, "delta_bundle") ? "  (delta)"
                        : json_is_true(json_object_get(v, "superseded"))
                            ? "  (superseded, from its tag)"
                            : "");
    }
    json_array_foreach(json_object_get(out, "replicated_by"), i, v)
    {
        const char *as = str(v, "as");
        cn_term_fprintf(stdout, "replicated by %.12s (%s) as %s at version %s on %.10s\n",
                        str(v, "by"), *str(v, "by_name") ? str(v, "by_name") : "?",
                        *as ? as : "a working copy", str(v, "version"), str(v, "date"));
    }
}

int cn_cmd_show(const char *home_flag, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"api", no_argument, NULL, 'a'}, {NULL, 0, NULL, 0}};
    cn_node *node = NULL;
    json_t *out = NULL, *doc = NULL;
    char *home = NULL, *item = NULL, *version = NULL;
    int c, as_json = 0, as_api = 0, err;

    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'j' && c != 'a')
            return cn_cli_usage_error(synopsis, "unknown option");
        *(c == 'j' ? &as_json : &as_api) = 1;
    }
    if (as_json && as_api)
        return cn_cli_usage_error(synopsis, "--json and --api exclude each other");
    if (optind != argc - 1)
        return cn_cli_usage_error(synopsis, "expected one NODE/ITEM[@V]");
    if ((err = cn_home_resolve(&home, home_flag)) != 0 ||
        (err = cn_node_open(&node, home, 0)) != 0 || (err = cn_node_state_check(node->home)) != 0)
        goto out;
    err = cn_node_parse_ref(&item, &version, node, argv[optind]);
    if (err == 0) {
        err = show_own(&out, node, item, version); /* takes item and version */
    } else if (err == CN_ENOTFOUND) {
        /* Not this node: perhaps a peer. */
        cn_error_clear();
        err = show_peer(&out, node, argv[optind]);
    }
    if (err != 0)
        goto out;
    if (as_api) {
        if ((err = registry_item(&doc, node, out)) != 0)
            goto out;
        json_dumpf(doc, stdout, JSON_INDENT(2));
        putchar('\n');
    } else if (as_json) {
        json_dumpf(out, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
        putchar('\n');
    } else {
        print_human(out);
        if (registry_item(&doc, node, out) == 0)
            print_registry(doc);
        else
            cn_term_fprintf(stdout, "registry: %s\n", cn_error_message());
        cn_error_clear();
    }
out:
    json_decref(doc);
    json_decref(out);
    cn_node_free(node);
    free(home);
    return err ? cn_cli_fail(err) : 0;
}
