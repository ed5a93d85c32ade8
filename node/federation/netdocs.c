/*
 * netdocs.c - the network documents a node publishes and trusts (see
 * netdocs.h; formats in docs/PROTOCOL.md §10): its peers.json, a
 * coordinator's network.json, the candidates its peers vouch for, and the
 * networks it trusts.
 *
 * What this node publishes goes through its TUF repository like any target.
 * What it reads about others comes only from their verified mirrors
 * (peers/mirror.h) and is parsed as untrusted input (peers/discovery.h).
 */
#include "node/federation/netdocs.h"
#include "core/error.h"
#include "core/file.h"
#include "core/json.h"
#include "core/term.h"
#include "core/tuf.h"
#include "peers/http.h"
#include "peers/mirror.h"
#include "schemas/manifest.h"
#include "schemas/yaml.h"

#include <stdlib.h>
#include <string.h>

#define PEERS_TARGET   "peers.json"
#define NETWORK_TARGET "network.json"

/* ---- peers.json ------------------------------------------------------------ */

static int by_node(const void *a, const void *b)
{
    return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "node")),
                  json_string_value(json_object_get(*(json_t *const *)b, "node")));
}

/* The entries of peers.json, ordered by node id (a new array). */
static int peers_entries(json_t **out, cn_peers *db)
{
    cn_peer *peers = NULL;
    json_t *list = json_array();
    size_t n = 0, i;
    int err;

    *out = NULL;
    if (list == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if ((err = cn_peers_list(&peers, &n, db)) != 0)
        goto out;
    for (i = 0; i < n; i++) {
        const cn_peer *p = &peers[i];
        char *url;
        int bad;
        if (p->policy == CN_POLICY_BLOCK)
            continue;
        /* peer add refuses a user:password@ now, but one stored before it
         * did must still never be published: the follower keeps using it,
         * peers.json does not say it. */
        url = cn_http_url_public(p->url);
        bad = url == NULL ||
              json_array_append_new(list, json_pack("{s:s, s:s?, s:s, s:s}", "node", p->node_id,
                                                    "name", p->name, "url", url, "policy",
                                                    cn_peer_policy_name(p->policy))) != 0;
        free(url);
        if (bad) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
    }
    if ((err = cn_json_array_sort(list, by_node)) != 0)
        goto out;
    *out = list;
    list = NULL;
out:
    json_decref(list);
    cn_peer_list_free(peers, n);
    return err;
}

int cn_netdocs_publish_peers(cn_node *node, cn_peers *db)
{
    const cn_tuf_target_info *info;
    json_t *entries = NULL, *doc = NULL, *custom = NULL;
    char *bytes = NULL;
    int err;

    if ((err = peers_entries(&entries, db)) != 0)
        return err;
    if (json_array_size(entries) == 0 &&
        cn_tuf_repo_get_target(&info, node->tuf, PEERS_TARGET) != 0) {
        cn_error_clear(); /* never vouched for anyone: nothing to say */
        goto out;
    }
    if ((doc = json_pack("{s:O}", "peers", entries)) == NULL ||
        (custom = json_pack("{s:s}", "kind", "peers")) == NULL ||
        (bytes = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    err = cn_node_publish_target(NULL, node, PEERS_TARGET, bytes, strlen(bytes), custom);
out:
    free(bytes);
    json_decref(custom);
    json_decref(doc);
    json_decref(entries);
    return err;
}

/* ---- candidates ------------------------------------------------------------ */

/* Read and parse a peer's verified peers.json. CN_ENOTFOUND (no error
 * message) when the peer is not mirrored or publishes none. */
static int read_peers_doc(cn_peers_doc_entry **out, size_t *n, const cn_home *home,
                          const char *node_id)
{
    const cn_tuf_target_info *info;
    cn_tuf_client *client = NULL;
    unsigned char *data = NULL;
    size_t len;
    int err;

    *out = NULL;
    *n = 0;
    err = cn_mirror_load(&client, home->mirrors_dir, node_id);
    if (err == 0 && cn_tuf_client_get_target_info(&info, client, PEERS_TARGET) != 0)
        err = CN_ENOTFOUND;
    if (err == CN_ENOTFOUND) {
        cn_error_clear();
        goto out;
    }
    if (err != 0 || (err = cn_mirror_read_target(&data, &len, home->mirrors_dir, node_id, client,
                                                 PEERS_TARGET)) != 0)
        goto out;
    err = cn_peers_doc_parse(out, n, data, len, PEERS_TARGET);
out:
    free(data);
    cn_tuf_client_free(client);
    return err;
}

/* Add what one peer vouches for to cands (object keyed by node id). */
static int add_candidates(json_t *cands, const cn_home *home, cn_peers *db, const cn_peer *voucher,
                          FILE *warn)
{
    cn_peers_doc_entry *entries = NULL;
    size_t n = 0, i;
    int err;

    err = read_peers_doc(&entries, &n, home, voucher->node_id);
    if (err == CN_ENOTFOUND)
        return 0;
    if (err != 0) {
        if (err == CN_ENOMEM)
            return err;
        if (warn)
            cn_term_fprintf(warn, "citynode: peer %s: %s\n", voucher->alias, cn_error_message());
        cn_error_clear();
        return 0;
    }
    for (i = 0; i < n && err == 0; i++) {
        const cn_peers_doc_entry *e = &entries[i];
        json_t *c, *by;
        cn_peer known;
        int r;
        if (strcmp(e->node_id, home->node_id) == 0)
            continue;
        if ((r = cn_peers_get(&known, db, e->node_id)) == 0) {
            cn_peer_clear(&known);
            continue;
        }
        if (r != CN_ENOTFOUND) {
            err = r;
            break;
        }
        cn_error_clear();
        if ((c = json_object_get(cands, e->node_id)) == NULL) {
            c = json_pack("{s:s, s:s?, s:s, s:[]}", "node", e->node_id, "name", e->name, "url",
                          e->url, "vouched_by");
            if (c == NULL || json_object_set_new(cands, e->node_id, c) != 0) {
                err = cn_error_set(CN_ENOMEM, "out of memory");
                break;
            }
        }
        by = json_pack("{s:s, s:s}", "node", voucher->node_id, "alias", voucher->alias);
        if (by == NULL || json_array_append_new(json_object_get(c, "vouched_by"), by) != 0)
            err = cn_error_set(CN_ENOMEM, "out of memory");
    }
    cn_peers_doc_free(entries, n);
    return err;
}

int cn_netdocs_candidates(json_t **out, const cn_home *home, cn_peers *db, FILE *warn)
{
    cn_peer *peers = NULL;
    json_t *cands = json_object(), *list = json_array(), *c;
    const char *key;
    size_t n = 0, i;
    int err;

    *out = NULL;
    if (cands == NULL || list == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = cn_peers_list(&peers, &n, db)) != 0)
        goto out;
    for (i = 0; i < n && err == 0; i++)
        if (peers[i].policy != CN_POLICY_BLOCK)
            err = add_candidates(cands, home, db, &peers[i], warn);
    if (err != 0)
        goto out;
    json_object_foreach(cands, key, c)
    {
        if (json_array_append(list, c) != 0) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
    }
    if ((err = cn_json_array_sort(list, by_node)) != 0)
        goto out;
    *out = list;
    list = NULL;
out:
    json_decref(cands);
    json_decref(list);
    cn_peer_list_free(peers, n);
    return err;
}

int cn_netdocs_print_candidates(const cn_home *home, cn_peers *db, int as_json)
{
    json_t *list = NULL, *c, *by;
    size_t i, j;
    int err;

    if ((err = cn_netdocs_candidates(&list, home, db, stderr)) != 0)
        return err;
    if (as_json) {
        json_dumpf(list, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
        putchar('\n');
    } else if (json_array_size(list) == 0) {
        printf("no candidates: the peers' peers.json name no node this node does not follow\n");
    } else {
        cn_term_fprintf(stdout, "%-12s  %-24s  %-32s  %s\n", "NODE", "NAME", "URL", "VOUCHED BY");
        json_array_foreach(list, i, c)
        {
            const char *name = json_string_value(json_object_get(c, "name"));
            cn_term_fprintf(stdout, "%.12s  %-24s  %-32s  ",
                            json_string_value(json_object_get(c, "node")), name ? name : "-",
                            json_string_value(json_object_get(c, "url")));
            json_array_foreach(json_object_get(c, "vouched_by"), j, by)
            {
                cn_term_fprintf(stdout, "%s%s", j ? ", " : "",
                                json_string_value(json_object_get(by, "alias")));
            }
            putchar('\n');
        }
    }
    json_decref(list);
    return 0;
}

/* ---- network.json ---------------------------------------------------------- */

/* Read the document at path: YAML (JSON is YAML too, and keeps positions);
 * a .json file YAML cannot read (tabs) is read as plain JSON. */
static int read_network_file(json_t **out, cn_yaml_doc **ydoc, cn_diagnostics *diags,
                             const char *path)
{
    cn_diagnostics yd = CN_DIAGNOSTICS_INIT;
    unsigned char *data = NULL;
    size_t len, plen = strlen(path);
    int err;

    *out = NULL;
    *ydoc = NULL;
    if ((err = cn_file_read(&data, &len, path, CN_DISCOVERY_DOC_MAX)) != 0)
        return err;
    err = cn_yaml_parse(ydoc, &yd, data, len, path, NULL);
    if (err == 0) {
        *out = json_incref(cn_yaml_doc_root(*ydoc));
    } else if (plen > 5 && strcmp(path + plen - 5, ".json") == 0 &&
               cn_json_parse(out, data, len, CN_JSON_MAX_DEPTH, path) == 0) {
        cn_error_clear();
        err = 0;
    } else {
        size_t i;
        for (i = 0; i < yd.count; i++)
            if (cn_diagnostics_add(diags, yd.items[i].file, yd.items[i].line, yd.items[i].col,
                                   yd.items[i].path, yd.items[i].is_warning, "%s",
                                   yd.items[i].message) != 0)
                err = CN_ENOMEM;
    }
    cn_diagnostics_free(&yd);
    free(data);
    return err;
}

int cn_netdocs_publish_network(cn_node *node, const char *path, cn_diagnostics *diags,
                               char **network, size_t *nmembers)
{
    cn_diagnostics found = CN_DIAGNOSTICS_INIT;
    cn_yaml_doc *ydoc = NULL;
    json_t *doc = NULL, *custom = NULL;
    char *bytes = NULL;
    int err;

    if (network)
        *network = NULL;
    if (nmembers)
        *nmembers = 0;
    if ((err = read_network_file(&doc, &ydoc, diags, path)) != 0)
        goto out;
    err = cn_network_doc_validate(doc, &found);
    if (err == CN_EINVAL) {
        if (cn_diagnostics_place(diags, &found, ydoc, path) != 0)
            err = CN_ENOMEM;
        else
            cn_error_set(CN_EINVAL, "%s: not a valid network document (%zu problem%s)", path,
                         found.count, found.count == 1 ? "" : "s");
        goto out;
    }
    if (err != 0)
        goto out;
    if ((custom = json_pack("{s:s}", "kind", "network")) == NULL ||
        (bytes = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = cn_node_publish_target(NULL, node, NETWORK_TARGET, bytes, strlen(bytes), custom)) !=
        0)
        goto out;
    if (network &&
        (*network = strdup(json_string_value(json_object_get(doc, "network")))) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if (nmembers)
        *nmembers = json_array_size(json_object_get(doc, "members"));
out:
    free(bytes);
    json_decref(custom);
    json_decref(doc);
    cn_yaml_doc_free(ydoc);
    cn_diagnostics_free(&found);
    return err;
}

/* ---- trusting networks ----------------------------------------------------- */

/* One line per member that changed or failed; with all, also those left as
 * they were. Returns whether any member was added. */
static int report_members(const cn_network_apply_result *r, FILE *out, int all)
{
    size_t i;
    int added = 0;

    for (i = 0; i < r->nmembers; i++) {
        const cn_network_member_result *m = &r->members[i];
        const char *net = r->network ? r->network : "?";
        switch (m->outcome) {
        case CN_MEMBER_ADDED:
            added = 1;
            if (out)
                cn_term_fprintf(out, "network %s: added %.12s (%s), pinned\n", net, m->node_id,
                                m->name);
            break;
        case CN_MEMBER_KNOWN:
            if (out && all)
                cn_term_fprintf(out, "network %s: %.12s (%s) is a peer already\n", net, m->node_id,
                                m->name);
            break;
        case CN_MEMBER_SELF:
            if (out && all)
                cn_term_fprintf(out, "network %s: %.12s (%s) is this node\n", net, m->node_id,
                                m->name);
            break;
        case CN_MEMBER_REFUSED:
        case CN_MEMBER_FAILED:
            cn_term_fprintf(stderr, "citynode: network %s: %s %.12s (%s): %s\n", net,
                            m->outcome == CN_MEMBER_REFUSED ? "refused" : "could not add",
                            m->node_id, m->name, m->error ? m->error : "unknown error");
            break;
        }
    }
    return added;
}

static void apply_options(cn_network_apply_options *o, const cn_node *node)
{
    o->mirrors_dir = node->home->mirrors_dir;
    o->self_id = node->home->node_id;
}

int cn_netdocs_trust_network(cn_node *node, cn_peers *db, const cn_peer *coordinator,
                             cn_peer_policy policy, FILE *out)
{
    cn_network_apply_options opts = CN_NETWORK_APPLY_OPTIONS_INIT;
    cn_network_apply_result r = {0};
    const cn_tuf_target_info *info;
    cn_tuf_client *client = NULL;
    int err, perr;

    err = cn_mirror_load(&client, node->home->mirrors_dir, coordinator->node_id);
    if (err == 0 && cn_tuf_client_get_target_info(&info, client, NETWORK_TARGET) != 0)
        err = CN_ENOTFOUND;
    if (err == CN_ENOTFOUND) {
        err = cn_error_set(CN_EUSAGE, "peer %s (%.12s) publishes no network.json",
                           coordinator->alias, coordinator->node_id);
        goto out;
    }
    if (err != 0)
        goto out;
    if ((err = cn_network_trust_set(db, coordinator->node_id, policy)) != 0)
        goto out;
    apply_options(&opts, node);
    opts.force = 1;
    err = cn_network_apply(&r, db, coordinator->node_id, &opts);
    if (out)
        cn_term_fprintf(out, "trusting network %s of %s (%.12s): members get policy %s\n",
                        r.network ? r.network : "?", coordinator->alias, coordinator->node_id,
                        cn_peer_policy_name(policy));
    report_members(&r, out, 1);
    /* Members that were added are followed whatever else failed. */
    if ((perr = cn_netdocs_publish_peers(node, db)) != 0 && err == 0)
        err = perr;
out:
    cn_network_apply_result_clear(&r);
    cn_tuf_client_free(client);
    return err;
}

/* Report what a round's network handling did through progress. */
static void report_progress(const cn_network_apply_result *r,
                            void (*progress)(void *ctx, const char *node_id, const char *message),
                            void *ctx)
{
    const char *net = r->network ? r->network : "?";
    char msg[512];
    size_t i;

    for (i = 0; i < r->nmembers; i++) {
        const cn_network_member_result *m = &r->members[i];
        if (m->outcome == CN_MEMBER_ADDED)
            snprintf(msg, sizeof(msg), "added from network %s (%s), pinned", net, m->name);
        else if (m->outcome == CN_MEMBER_REFUSED || m->outcome == CN_MEMBER_FAILED)
            snprintf(msg, sizeof(msg), "%s from network %s (%s): %s",
                     m->outcome == CN_MEMBER_REFUSED ? "refused" : "could not add", net, m->name,
                     m->error ? m->error : "unknown error");
        else
            continue;
        if (progress)
            progress(ctx, m->node_id, msg);
        else if (m->outcome == CN_MEMBER_REFUSED)
            cn_term_fprintf(stderr, "citynode: %.12s %s\n", m->node_id, msg);
    }
}

int cn_netdocs_after_sync(cn_node *node, cn_peers *db,
                          void (*progress)(void *ctx, const char *node_id, const char *message),
                          void *ctx)
{
    cn_network_apply_options opts = CN_NETWORK_APPLY_OPTIONS_INIT;
    cn_network_trust *trusted = NULL;
    size_t n = 0, i, j;
    int err, added = 0;

    if ((err = cn_network_trust_list(&trusted, &n, db)) != 0)
        return err;
    apply_options(&opts, node);
    for (i = 0; i < n && err == 0; i++) {
        cn_network_apply_result r = {0};
        int aerr = cn_network_apply(&r, db, trusted[i].coordinator, &opts);
        report_progress(&r, progress, ctx);
        for (j = 0; j < r.nmembers; j++)
            added |= r.members[j].outcome == CN_MEMBER_ADDED;
        if (aerr != 0 && r.network == NULL && aerr != CN_ENOTFOUND) {
            /* The coordinator's document could not be read: say so, go on. */
            if (progress)
                progress(ctx, trusted[i].coordinator, cn_error_message());
        }
        if (aerr == CN_ENOMEM)
            err = aerr;
        cn_network_apply_result_clear(&r);
    }
    cn_network_trust_list_free(trusted, n);
    if (err == 0)
        cn_error_clear();
    if (added) {
        int perr = cn_netdocs_publish_peers(node, db);
        if (err == 0)
            err = perr;
    }
    return err;
}
