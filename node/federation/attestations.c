/*
 * attestations.c - the replication attestations of docs/PROTOCOL.md §11: the
 * ones this node signs when it replicates a peer's item, and the ones its
 * peers published about an item, read from their verified mirrors only.
 */
#include "node/federation/attestations.h"
#include "core/error.h"
#include "core/json.h"
#include "core/name.h"
#include "core/semver.h"
#include "core/tuf.h"
#include "peers/mirror.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ATTESTATION_PREFIX "attestations/"
#define ATTESTATION_MAX    (64 * 1024)

int cn_attestation_path(char out[CN_ATTESTATION_PATH_MAX], const char *node_id, const char *item,
                        const char *version)
{
    char v[128];
    size_t i;
    int n;

    if (strlen(node_id) != CN_NODE_ID_HEX || cn_name_check_slug(item) != 0 ||
        cn_semver_check(version) != 0 || strlen(version) >= sizeof(v))
        return cn_error_set(CN_EINVAL, "cannot name an attestation for %.12s/%s@%s", node_id, item,
                            version);
    for (i = 0; version[i]; i++)
        v[i] = version[i] == '+' ? '_' : version[i];
    v[i] = '\0';
    n = snprintf(out, CN_ATTESTATION_PATH_MAX, ATTESTATION_PREFIX "replicates-%.16s-%s-%s.json",
                 node_id, item, v);
    if (n < 0 || n >= CN_ATTESTATION_PATH_MAX)
        return cn_error_set(CN_EINVAL, "attestation name too long for %s@%s", item, version);
    return cn_tuf_target_path_check(out);
}

int cn_attestation_publish(char path[CN_ATTESTATION_PATH_MAX], cn_node *node, const char *node_id,
                           const char *item, const char *version, const char *commit,
                           const char *tag, const char *as)
{
    json_t *doc = NULL, *custom = NULL;
    char date[21], *bytes = NULL;
    int err;

    if ((err = cn_attestation_path(path, node_id, item, version)) != 0)
        return err;
    cn_tuf_time_format(date, time(NULL));
    doc = json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s}, s:o}", "type", "replicates", "by",
                    node->home->node_id, "date", date, "subject", "node", node_id, "item", item,
                    "version", version, "commit", commit, "tag", tag, "as",
                    as ? json_string(as) : json_null());
    custom = json_pack("{s:s, s:s}", "kind", "attestation", "type", "replicates");
    if (doc == NULL || custom == NULL ||
        (bytes = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    err = cn_node_publish_target(NULL, node, path, bytes, strlen(bytes), custom);
out:
    free(bytes);
    json_decref(custom);
    json_decref(doc);
    return err;
}

/* 1 if doc is a well-formed replication attestation signed by `signer`. */
static int attestation_ok(const json_t *doc, const char *signer)
{
    const json_t *s = json_object_get(doc, "subject"), *as = json_object_get(doc, "as");
    const char *type = json_string_value(json_object_get(doc, "type"));
    const char *by = json_string_value(json_object_get(doc, "by"));
    const char *date = json_string_value(json_object_get(doc, "date"));
    const char *item = json_string_value(json_object_get(s, "item"));
    const char *version = json_string_value(json_object_get(s, "version"));
    time_t t;

    return type && strcmp(type, "replicates") == 0 && by && strcmp(by, signer) == 0 && date &&
           cn_tuf_time_parse(&t, date) == 0 && json_is_string(json_object_get(s, "node")) &&
           cn_peer_is_node_id(json_string_value(json_object_get(s, "node"))) && item &&
           cn_name_check_slug(item) == 0 && version && cn_semver_check(version) == 0 &&
           cn_hex_is_lower_str(json_string_value(json_object_get(s, "commit")), 40) &&
           cn_hex_is_lower_str(json_string_value(json_object_get(s, "tag")), 40) &&
           (as == NULL || json_is_null(as) ||
            (json_is_string(as) && cn_name_check_slug(json_string_value(as)) == 0));
}

/* The attestations of one peer about node_id/item, appended to list. */
static int peer_replications(json_t *list, const cn_home *home, const cn_peer *peer,
                             const char *node_id, const char *item, const json_t *expected_tags)
{
    cn_tuf_client *client = NULL;
    size_t i, n;
    int err;

    err = cn_mirror_load(&client, home->mirrors_dir, peer->node_id);
    if (err == CN_ENOTFOUND) {
        cn_error_clear();
        return 0;
    }
    if (err != 0)
        return err;
    n = cn_tuf_client_target_count(client);
    for (i = 0; i < n; i++) {
        const cn_tuf_target_info *t = cn_tuf_client_target_at(client, i);
        const char *kind = json_string_value(json_object_get(t->custom, "kind"));
        const json_t *s, *want;
        unsigned char *data = NULL;
        json_t *doc = NULL, *entry;
        size_t len;
        if (strncmp(t->path, ATTESTATION_PREFIX, strlen(ATTESTATION_PREFIX)) != 0 || !kind ||
            strcmp(kind, "attestation") != 0 || t->length > ATTESTATION_MAX)
            continue;
        if (cn_mirror_read_target(&data, &len, home->mirrors_dir, peer->node_id, client, t->path) !=
                0 ||
            cn_json_parse(&doc, data, len, 8, t->path) != 0 ||
            !attestation_ok(doc, peer->node_id)) {
            cn_error_clear(); /* not stored (index peer) or not an attestation we read */
            free(data);
            json_decref(doc);
            continue;
        }
        free(data);
        s = json_object_get(doc, "subject");
        want = expected_tags ? json_object_get(expected_tags,
                                               json_string_value(json_object_get(s, "version")))
                             : NULL;
        if (strcmp(json_string_value(json_object_get(s, "node")), node_id) != 0 ||
            strcmp(json_string_value(json_object_get(s, "item")), item) != 0 ||
            (expected_tags && !json_equal(want, json_object_get(s, "tag")))) {
            json_decref(doc);
            continue;
        }
        entry = json_pack("{s:s, s:s?, s:O, s:O, s:O, s:O, s:O, s:s}", "by", peer->node_id,
                          "by_name", peer->name, "as", json_object_get(doc, "as"), "version",
                          json_object_get(s, "version"), "date", json_object_get(doc, "date"),
                          "commit", json_object_get(s, "commit"), "tag", json_object_get(s, "tag"),
                          "attestation", t->path);
        json_decref(doc);
        if (entry == NULL || json_array_append_new(list, entry) != 0) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            break;
        }
    }
    cn_tuf_client_free(client);
    return err;
}

static int by_version_then_node(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = cn_semver_compare(json_string_value(json_object_get(x, "version")),
                              json_string_value(json_object_get(y, "version")));
    return c ? c
             : strcmp(json_string_value(json_object_get(x, "by")),
                      json_string_value(json_object_get(y, "by")));
}

int cn_attestation_list(json_t **out, const cn_home *home, cn_peers *db, const char *node_id,
                        const char *item, const json_t *expected_tags)
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
    for (i = 0; i < n && err == 0; i++)
        if (strcmp(peers[i].node_id, node_id) != 0)
            err = peer_replications(list, home, &peers[i], node_id, item, expected_tags);
    if (err != 0)
        goto out;
    if ((err = cn_json_array_sort(list, by_version_then_node)) != 0)
        goto out;
    *out = list;
    list = NULL;
out:
    json_decref(list);
    cn_peer_list_free(peers, n);
    return err;
}
