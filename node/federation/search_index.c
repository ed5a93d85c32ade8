/*
 * search_index.c - feeding the registry from this node's own tree and from its
 * peers' verified mirrors (see search_index.h and registry/registry.h).
 */
#include "node/federation/search_index.h"
#include "core/error.h"
#include "core/file.h"
#include "core/json.h"
#include "core/semver.h"
#include "node/item.h"
#include "node/keys.h"
#include "peers/mirror.h"
#include "peers/peers.h"
#include "registry/registry.h"

#include <git2.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Bound on a node.json, manifest or attestation read for indexing. */
#define INDEX_FILE_MAX (1024 * 1024)
/* Bound on the signers of one targets metadata. */
#define INDEX_SIGNERS_MAX 16

#define ATTESTATION_PREFIX "attestations/"

/* Where a node's targets come from: this node's repository or a peer's
 * trusted state as its mirror stores it. */
typedef struct {
    cn_node *node;
    const cn_tuf_client *peer; /* NULL: this node */
    const char *node_id;
} index_source;

static size_t source_count(const index_source *src)
{
    return src->peer ? cn_tuf_client_target_count(src->peer)
                     : cn_tuf_repo_target_count(src->node->tuf);
}

static const cn_tuf_target_info *source_at(const index_source *src, size_t i)
{
    return src->peer ? cn_tuf_client_target_at(src->peer, i)
                     : cn_tuf_repo_target_at(src->node->tuf, i);
}

/* A target's bytes checked against its signed hash, parsed as a JSON object. */
static int read_json_target(json_t **out, const index_source *src, const cn_tuf_target_info *t)
{
    unsigned char *data = NULL;
    char *rel = NULL, *path = NULL;
    size_t len = 0;
    int err;

    *out = NULL;
    if (t->length > INDEX_FILE_MAX)
        return cn_error_set(CN_ELIMIT, "%s of node %.12s: larger than %d bytes", t->path,
                            src->node_id, INDEX_FILE_MAX);
    if (src->peer) {
        err = cn_mirror_read_target(&data, &len, src->node->home->mirrors_dir, src->node_id,
                                    src->peer, t->path);
    } else {
        if ((err = cn_tuf_target_consistent_path(&rel, t->path, t->sha256)) != 0)
            goto out;
        if ((path = cn_path_join(src->node->home->public_dir, rel)) == NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
        if ((err = cn_file_read(&data, &len, path, INDEX_FILE_MAX)) == 0)
            err = cn_tuf_verify_target_bytes(t, data, len);
    }
    if (err == 0)
        err = cn_json_parse(out, data, len, CN_JSON_MAX_DEPTH, t->path);
    if (err == 0 && !json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        err =
            cn_error_set(CN_EVERIFY, "%s of node %.12s: not a JSON object", t->path, src->node_id);
    }
out:
    free(data);
    free(path);
    free(rel);
    return err;
}

/* The key ids whose signatures the trusted targets metadata carries (a
 * peer's), or the keys the current root authorizes for targets (this node's:
 * it signs with them). Strings borrowed from *holder. */
static int targets_signers(const char **ids, size_t *n, json_t **holder, const index_source *src)
{
    const unsigned char *bytes;
    const json_t *sigs, *s;
    size_t len, i;
    int err;

    *n = 0;
    *holder = NULL;
    if (src->peer) {
        if ((err = cn_tuf_client_metadata_bytes(&bytes, &len, src->peer, CN_TUF_TARGETS)) != 0 ||
            (err = cn_json_parse(holder, bytes, len, CN_JSON_MAX_DEPTH, "targets.json")) != 0)
            return err;
        sigs = json_object_get(*holder, "signatures");
    } else {
        if ((err = cn_node_role_keys(holder, src->node, CN_TUF_TARGETS)) != 0)
            return err;
        sigs = *holder;
    }
    json_array_foreach(sigs, i, s)
    {
        const char *id = json_string_value(json_object_get(s, "keyid"));

        if (id && *n < INDEX_SIGNERS_MAX)
            ids[(*n)++] = id;
    }
    return 0;
}

/* What the version's signed tag in the node's repository tells besides
 * the ids the signed metadata names: its tagger time and the tree of its
 * commit. The tag is found by the id in custom (signed), and its commit
 * must be the one custom names; the tree id then comes from that commit's
 * bytes, which hash to the commit id. Left 0 and empty when the repository
 * or tag is not here (an `index` peer's items, until their bundles are). */
typedef struct {
    int64_t published;
    char tree[GIT_OID_HEXSZ + 1];
} tag_facts;

static void read_tag_facts(tag_facts *out, const index_source *src, const char *item,
                           const json_t *custom)
{
    const char *tag = json_string_value(json_object_get(custom, "tag"));
    const char *commit = json_string_value(json_object_get(custom, "commit"));
    char rel[CN_ITEM_TARGET_MAX + CN_PEER_ID_HEX + 8];
    git_repository *repo = NULL;
    git_tag *t = NULL;
    git_commit *c = NULL;
    git_oid oid, commit_oid;
    char *path;

    memset(out, 0, sizeof(*out));
    if (tag == NULL || git_oid_fromstr(&oid, tag) != 0)
        return;
    snprintf(rel, sizeof(rel), "%s/%s.git", src->node_id, item);
    if ((path = cn_path_join(src->node->home->repos_dir, rel)) == NULL)
        return;
    if (git_repository_open_bare(&repo, path) == 0 && git_tag_lookup(&t, repo, &oid) == 0) {
        if (git_tag_tagger(t) != NULL)
            out->published = (int64_t)git_tag_tagger(t)->when.time;
        if (commit != NULL && git_oid_fromstr(&commit_oid, commit) == 0 &&
            git_oid_equal(git_tag_target_id(t), &commit_oid) &&
            git_commit_lookup(&c, repo, &commit_oid) == 0)
            git_oid_tostr(out->tree, sizeof(out->tree), git_commit_tree_id(c));
    }
    git_commit_free(c);
    git_tag_free(t);
    git_repository_free(repo);
    git_error_clear();
    free(path);
}

/* Remember the first error of a node's puts, go on with the next target. */
static void keep_first(int *first, int err)
{
    if (err != 0 && *first == 0)
        *first = err;
    else if (err != 0)
        cn_error_clear();
}

/* A version its publisher withdrew (`citynode withdraw`, docs/PROTOCOL.md
 * §5): custom.withdrawn = {"at": RFC 3339, "reason": text}. A malformed
 * mark still withdraws (the publisher signed it), dated 0 and without a
 * reason. */
static int index_withdrawal(cn_registry *reg, const char *node_id, const char *item,
                            const char *version, const json_t *custom)
{
    const json_t *w = json_object_get(custom, "withdrawn");
    const char *at = json_string_value(json_object_get(w, "at"));
    const char *reason = json_string_value(json_object_get(w, "reason"));
    time_t when = 0;

    if (!json_is_object(w))
        return 0;
    if (reason != NULL && strlen(reason) > CN_REGISTRY_REASON_MAX)
        reason = NULL; /* the mark stands; a reason past the bound is not shown */
    if (at == NULL || cn_tuf_time_parse(&when, at) != 0) {
        cn_error_clear();
        when = 0;
    }
    return cn_registry_withdraw(reg, node_id, item, version, (int64_t)when, reason);
}

/* Keep in newest[item] the newest listed version of item and its kind. */
static int note_newest(json_t *newest, const char *item, const char *version, const json_t *custom)
{
    const char *had = json_string_value(json_object_get(json_object_get(newest, item), "version"));

    if (had && cn_semver_compare(had, version) >= 0)
        return 0;
    return json_object_set_new(newest, item,
                               json_pack("{s:s, s:O?}", "version", version, "kind",
                                         json_object_get(custom, "kind"))) == 0
               ? 0
               : cn_error_set(CN_ENOMEM, "out of memory");
}

/* The versions of a peer's item that left its signed targets (layout 2,
 * PROTOCOL §4.1, Older versions), older than newest, from the verified tags
 * its mirror repository holds: each manifest is its tag's message, the
 * custom what the tag proves. An index peer holds no tags: nothing. */
static int index_superseded(cn_registry *reg, const index_source *src, const char *item,
                            const char *newest, const char *kind, const char **signers,
                            size_t nsigners, int64_t now)
{
    json_t *found = NULL, *v;
    size_t i;
    int first = 0, err;

    if ((err = cn_mirror_history_versions(&found, src->node->home->repos_dir, src->node_id,
                                          src->peer, item, 1)) != 0)
        return err;
    json_array_foreach(found, i, v)
    {
        cn_registry_version_info vi = CN_REGISTRY_VERSION_INFO_INIT;
        const char *version = json_string_value(json_object_get(v, "version"));
        tag_facts facts;
        json_t *custom;

        if (cn_semver_compare(version, newest) >= 0)
            continue; /* a tag a sync moved before its metadata */
        if ((custom = json_pack("{s:s?, s:s, s:s, s:s, s:O, s:O}", "kind", kind, "item", item,
                                "version", version, "file", "manifest", "commit",
                                json_object_get(v, "commit"), "tag", json_object_get(v, "tag"))) ==
            NULL) {
            keep_first(&first, cn_error_set(CN_ENOMEM, "out of memory"));
            break;
        }
        vi.node_id = src->node_id;
        vi.item = item;
        vi.item_version = version;
        vi.manifest = json_object_get(v, "manifest");
        vi.custom = custom;
        vi.signers = signers;
        vi.nsigners = nsigners;
        read_tag_facts(&facts, src, item, custom);
        vi.published = facts.published;
        vi.tree = facts.tree[0] ? facts.tree : NULL;
        vi.verified_at = now;
        keep_first(&first, cn_registry_put_version(reg, &vi));
        json_decref(custom);
    }
    json_decref(found);
    return first;
}

static int index_targets(cn_registry *reg, const index_source *src, int64_t now)
{
    const char *signers[INDEX_SIGNERS_MAX];
    json_t *holder = NULL, *newest = NULL;
    size_t nsigners = 0, i, n = source_count(src);
    int first = 0, err;

    if ((err = targets_signers(signers, &nsigners, &holder, src)) != 0)
        return err;
    if ((newest = json_object()) == NULL) {
        json_decref(holder);
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    for (i = 0; i < n; i++) {
        const cn_tuf_target_info *t = source_at(src, i);
        const char *ip, *vp;
        size_t ilen, vlen, plen = strlen(ATTESTATION_PREFIX), tlen = strlen(t->path);
        json_t *doc = NULL;

        if (cn_item_is_manifest_target(t->path, &ip, &ilen, &vp, &vlen)) {
            cn_registry_version_info vi = CN_REGISTRY_VERSION_INFO_INIT;
            tag_facts facts;
            char *item = strndup(ip, ilen), *version = strndup(vp, vlen);

            if (item == NULL || version == NULL)
                err = cn_error_set(CN_ENOMEM, "out of memory");
            else if ((err = read_json_target(&doc, src, t)) == 0) {
                vi.node_id = src->node_id;
                vi.item = item;
                vi.item_version = version;
                vi.manifest = doc;
                vi.custom = t->custom;
                vi.signers = signers;
                vi.nsigners = nsigners;
                read_tag_facts(&facts, src, item, t->custom);
                vi.published = facts.published;
                vi.tree = facts.tree[0] ? facts.tree : NULL;
                vi.verified_at = now;
                if ((err = cn_registry_put_version(reg, &vi)) == 0)
                    err = index_withdrawal(reg, src->node_id, item, version, t->custom);
                if (err == 0)
                    err = note_newest(newest, item, version, t->custom);
            }
            free(item);
            free(version);
        } else if (tlen > plen + 5 && strncmp(t->path, ATTESTATION_PREFIX, plen) == 0 &&
                   strcmp(t->path + tlen - 5, ".json") == 0 &&
                   strchr(t->path + plen, '/') == NULL) {
            char *id = strndup(t->path + plen, tlen - plen - 5);

            if (id == NULL)
                err = cn_error_set(CN_ENOMEM, "out of memory");
            else if ((err = read_json_target(&doc, src, t)) == 0)
                err = cn_registry_put_attestation(reg, src->node_id, id, doc, now);
            free(id);
        } else {
            continue;
        }
        json_decref(doc);
        keep_first(&first, err);
    }
    /* A peer in layout 2 lists its items' newest versions alone. */
    if (src->peer && cn_tuf_client_delegated_count(src->peer) > 0) {
        const char *item;
        json_t *at;
        json_object_foreach(newest, item, at)
        {
            keep_first(&first, index_superseded(reg, src, item,
                                                json_string_value(json_object_get(at, "version")),
                                                json_string_value(json_object_get(at, "kind")),
                                                signers, nsigners, now));
        }
    }
    json_decref(newest);
    json_decref(holder);
    return first;
}

/* The node's logo target (docs/PROTOCOL.md §5) into *logo, 1 when it has
 * one that keeps the rules, else 0: a logo that breaks them is not shown,
 * and the rest of the node is indexed as ever. */
static int find_logo(cn_registry_logo *logo, const index_source *src)
{
    static const char *const paths[] = {"node-logo.svg", "node-logo.png", "node-logo.webp",
                                        "node-logo.jpg"};
    const cn_tuf_target_info *t;
    size_t i;

    for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        if ((src->peer ? cn_tuf_client_get_target_info(&t, src->peer, paths[i])
                       : cn_tuf_repo_get_target(&t, src->node->tuf, paths[i])) != 0) {
            cn_error_clear();
            continue;
        }
        logo->path = t->path;
        logo->type = json_string_value(json_object_get(t->custom, "type"));
        logo->sha256 = t->sha256;
        logo->length = t->length;
        if (cn_registry_logo_check(logo) == 0)
            return 1;
        cn_error_clear();
    }
    return 0;
}

/* One node, in one transaction: the node, mark, its targets, sweep. */
static int index_node(cn_registry *reg, const index_source *src, cn_registry_source source,
                      const char *name, const char *url)
{
    cn_registry_node_info ni = CN_REGISTRY_NODE_INFO_INIT;
    cn_registry_logo logo;
    const cn_tuf_target_info *t = NULL;
    json_t *profile = NULL;
    int64_t now = (int64_t)time(NULL);
    int err, terr;

    /* node.json is optional: without it the directory shows the name given. */
    if ((src->peer ? cn_tuf_client_get_target_info(&t, src->peer, "node.json")
                   : cn_tuf_repo_get_target(&t, src->node->tuf, "node.json")) == 0) {
        if ((err = read_json_target(&profile, src, t)) != 0)
            return err;
    } else {
        cn_error_clear();
    }
    ni.node_id = src->node_id;
    ni.profile = profile;
    if (profile == NULL || !json_is_string(json_object_get(profile, "name")))
        ni.name = name;
    if (profile == NULL || !json_is_string(json_object_get(profile, "url")))
        ni.url = url;
    ni.source = source;
    ni.verified_at = now;
    if (find_logo(&logo, src))
        ni.logo = &logo;
    if ((err = cn_registry_begin(reg)) != 0)
        goto out;
    if ((err = cn_registry_put_node(reg, &ni)) != 0 ||
        (err = cn_registry_mark_node(reg, src->node_id)) != 0) {
        cn_registry_rollback(reg);
        goto out;
    }
    terr = index_targets(reg, src, now);
    /* A peer in layout 2 lists its items' newest versions alone. */
    if ((err = src->peer && cn_tuf_client_delegated_count(src->peer) > 0
                   ? cn_registry_sweep_node_items(reg, src->node_id, now, NULL)
                   : cn_registry_sweep_node(reg, src->node_id, now, NULL)) != 0 ||
        (err = cn_registry_commit(reg)) != 0) {
        cn_registry_rollback(reg);
        goto out;
    }
    err = terr;
out:
    json_decref(profile);
    return err;
}

static int open_registry(cn_registry **out, const cn_node *node)
{
    char *db = cn_path_join(node->home->root, "state.db");
    int err;

    if (db == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    err = cn_registry_open(out, db);
    free(db);
    return err;
}

int cn_node_index_self(cn_node *node)
{
    index_source src = {node, NULL, node->home->node_id};
    cn_registry *reg = NULL;
    char name[32];
    int err;

    snprintf(name, sizeof(name), "node %.12s", node->home->node_id);
    if ((err = open_registry(&reg, node)) == 0)
        err = index_node(reg, &src, CN_REGISTRY_SELF, name, NULL);
    cn_registry_free(reg);
    return err;
}

int cn_node_index_self_missing(cn_node *node)
{
    cn_registry *reg = NULL;
    int err, has;

    if ((err = open_registry(&reg, node)) != 0)
        return err;
    if ((has = cn_registry_has_node(reg, node->home->node_id)) == 0) {
        index_source src = {node, NULL, node->home->node_id};
        char name[32];

        snprintf(name, sizeof(name), "node %.12s", node->home->node_id);
        err = index_node(reg, &src, CN_REGISTRY_SELF, name, NULL);
    } else if (has < 0) {
        err = has;
    }
    cn_registry_free(reg);
    return err;
}

/* Is node_id in report, with trusted metadata that changed? */
static int report_changed(const cn_sync_report *report, const char *node_id)
{
    for (size_t i = 0; report != NULL && i < report->npeers; i++)
        if (report->peers[i].changed && strcmp(report->peers[i].node_id, node_id) == 0)
            return 1;
    return 0;
}

/* Is node_id missing from the registry? (A peer mirrored before this node
 * had a registry, or whose indexing failed once.) A failure to read counts
 * as missing: indexing again is the safe side. */
static int registry_lacks(cn_registry *reg, const char *node_id)
{
    int has = cn_registry_has_node(reg, node_id);

    cn_error_clear();
    return has != 1;
}

/* Does a migration of the registry wait for every node to be indexed
 * again? A failure to read counts as no: the mark stays for the next round. */
static int registry_reindex_pending(cn_registry *reg)
{
    int pending = cn_registry_reindex_pending(reg);

    cn_error_clear();
    return pending == 1;
}

/* Is this node itself in the registry (it published, or replicated)? */
static int registry_has_self(cn_registry *reg, const cn_node *node)
{
    int has = cn_registry_has_node(reg, node->home->node_id);

    cn_error_clear();
    return has == 1;
}

/* Every peer, read before the registry opens (one connection at a time). */
static int all_peers(cn_peer **out, size_t *n, const cn_node *node)
{
    cn_peers *db = NULL;
    char *path;
    int err;

    *out = NULL;
    *n = 0;
    if ((path = cn_path_join(node->home->root, "state.db")) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    err = cn_peers_open(&db, path);
    free(path);
    if (err == 0)
        err = cn_peers_list(out, n, db);
    cn_peers_free(db);
    return err;
}

/* The work of cn_node_index_peers; with only set, that peer alone, indexed
 * whether or not anything changed (cn_node_index_peer). */
static int index_peers(cn_node *node, const cn_sync_report *report, const char *only)
{
    cn_peer *peers = NULL;
    cn_registry *reg = NULL;
    size_t n = 0, i;
    int first = 0, err, reindex;

    if ((err = all_peers(&peers, &n, node)) != 0)
        goto out;
    if ((err = open_registry(&reg, node)) != 0)
        goto out;
    reindex = only == NULL && registry_reindex_pending(reg);
    if (reindex && registry_has_self(reg, node)) {
        index_source self = {node, NULL, node->home->node_id};
        char name[32];

        snprintf(name, sizeof(name), "node %.12s", node->home->node_id);
        keep_first(&first, index_node(reg, &self, CN_REGISTRY_SELF, name, NULL));
    }
    for (i = 0; i < n; i++) {
        cn_tuf_client *trusted = NULL;
        index_source src = {node, NULL, peers[i].node_id};

        if (peers[i].policy == CN_POLICY_BLOCK ||
            (only != NULL && strcmp(peers[i].node_id, only) != 0) ||
            (only == NULL && !reindex && !report_changed(report, peers[i].node_id) &&
             !registry_lacks(reg, peers[i].node_id)))
            continue;
        err = cn_mirror_load(&trusted, node->home->mirrors_dir, peers[i].node_id);
        if (err == CN_ENOTFOUND) { /* never synced: nothing to index yet */
            cn_error_clear();
            continue;
        }
        if (err == 0) {
            src.peer = trusted;
            err = index_node(reg, &src,
                             peers[i].policy == CN_POLICY_INDEX ? CN_REGISTRY_INDEX
                                                                : CN_REGISTRY_MIRROR,
                             peers[i].name ? peers[i].name : peers[i].alias, peers[i].url);
        }
        cn_tuf_client_free(trusted);
        keep_first(&first, err);
    }
    /* Every node was tried once: one whose indexing failed is indexed again
     * when it changes, as after any failure, not on every round. */
    if (reindex)
        keep_first(&first, cn_registry_reindex_done(reg));
    err = first;
out:
    cn_registry_free(reg);
    cn_peer_list_free(peers, n);
    return err;
}

int cn_node_index_peers(cn_node *node, const cn_sync_report *report)
{
    return index_peers(node, report, NULL);
}

int cn_node_index_peer(cn_node *node, const char *node_id)
{
    return index_peers(node, NULL, node_id);
}

int cn_node_index_forget(cn_node *node, const char *node_id)
{
    cn_registry *reg = NULL;
    int err;

    if ((err = open_registry(&reg, node)) == 0)
        err = cn_registry_remove_node(reg, node_id);
    if (err == CN_ENOTFOUND) { /* never indexed */
        cn_error_clear();
        err = 0;
    }
    cn_registry_free(reg);
    return err;
}
