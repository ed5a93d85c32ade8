/*
 * cmd_keys.c - `citynode keys list`, `citynode keys rotate ROLE` and
 * `citynode allowed-signers [NODE]`.
 *
 * allowed-signers prints one line per key that any root of the node's chain
 * authorized for the targets role (tags keep the key that signed them,
 * docs/PROTOCOL.md §13): this node's, or a followed peer's from its
 * verified mirror.
 */
#include "node/cmd/commands.h"
#include "core/error.h"
#include "core/file.h"
#include "core/tuf.h"
#include "node/federation/follow.h"
#include "node/keys.h"
#include "node/node.h"
#include "node/verify.h"
#include "peers/peers.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int keys_list(cn_node *node)
{
    int err = 0, r;

    printf("%-10s %-16s %-8s %s\n", "ROLE", "KEYID", "TYPE", "FILE");
    for (r = 0; r < CN_TUF_ROLE_COUNT && err == 0; r++) {
        json_t *keys, *entry;
        size_t i;
        if ((err = cn_node_role_keys(&keys, node, (cn_tuf_role)r)) != 0)
            break;
        json_array_foreach(keys, i, entry)
        {
            const char *keyid = json_string_value(json_object_get(entry, "keyid"));
            char file[32] = "";
            if (keyid == NULL)
                continue;
            err = cn_node_key_file(file, node, keyid);
            if (err == CN_ENOTFOUND) { /* a key kept elsewhere, e.g. offline */
                cn_error_clear();
                err = 0;
            } else if (err != 0) {
                break;
            }
            printf("%-10s %.16s %-8s %s%s\n", cn_tuf_role_name((cn_tuf_role)r), keyid,
                   json_string_value(json_object_get(json_object_get(entry, "key"), "keytype")),
                   file[0] ? "keys/" : "", file[0] ? file : "(not in keys/)");
        }
        json_decref(keys);
    }
    return err;
}

static int keys_rotate(const char *home, const char *role_name)
{
    cn_node *node = NULL;
    cn_tuf_role role;
    char keyid[CN_SHA256_HEX_LEN + 1];
    int err;

    if (cn_tuf_role_from_name(&role, role_name) != 0)
        return cn_error_set(CN_EUSAGE,
                            "unknown role '%s' (expected root, targets, snapshot or timestamp)",
                            role_name);
    if ((err = cn_node_open(&node, home, CN_NODE_WRITE | CN_NODE_WAIT)) != 0 ||
        (err = cn_node_rotate_key(node, role)) != 0 ||
        (err = cn_tuf_keyid(keyid, node->role_key[role])) != 0)
        goto out;
    printf("rotated %s: key %.16s in keys/%s, root version %" PRIu64 "\n", role_name, keyid,
           node->role_key_file[role], cn_tuf_repo_version(node->tuf, CN_TUF_ROOT));
out:
    cn_node_free(node);
    return err;
}

int cn_cmd_keys(const char *home_flag, int argc, char **argv)
{
    static const char synopsis[] = "keys list | keys rotate ROLE";
    cn_node *node = NULL;
    char *home = NULL;
    int err;

    if (argc == 2 && strcmp(argv[1], "list") == 0) {
        if ((err = cn_home_resolve(&home, home_flag)) != 0 ||
            (err = cn_node_open(&node, home, 0)) != 0)
            goto out;
        err = keys_list(node);
    } else if (argc == 3 && strcmp(argv[1], "rotate") == 0) {
        if ((err = cn_home_resolve(&home, home_flag)) != 0)
            goto out;
        err = keys_rotate(home, argv[2]);
    } else {
        return cn_cli_usage_error(synopsis, "expected 'keys list' or 'keys rotate ROLE'");
    }
out:
    cn_node_free(node);
    free(home);
    return err ? cn_cli_fail(err) : 0;
}

/* One allowed-signers line per key any root of the chain at tree_dir
 * authorized for targets: tags keep the key that signed them. */
static int print_allowed_signers(const char *tree_dir, const char *node_id)
{
    json_t *keys = NULL, *entry;
    size_t i;
    int err;

    if ((err = cn_verify_chain_role_keys(&keys, tree_dir, CN_TUF_TARGETS)) != 0)
        return err;
    json_array_foreach(keys, i, entry)
    {
        const json_t *key = json_object_get(entry, "key");
        const char *hex =
            json_string_value(json_object_get(json_object_get(key, "keyval"), "public"));
        const char *type = json_string_value(json_object_get(key, "keytype"));
        cn_key *k = NULL;
        char *ssh = NULL;
        if (hex == NULL || type == NULL || strcmp(type, "ed25519") != 0)
            continue; /* git verifies SSHSIG with ssh keys only */
        if ((err = cn_key_from_public_hex(&k, hex)) != 0 ||
            (err = cn_key_ssh_public(&ssh, k)) != 0) {
            cn_key_free(k);
            break;
        }
        /* The principal is the node id: git only needs some principal whose
         * key matches (ssh-keygen -Y find-principals), and the id names the
         * publisher unambiguously. */
        printf("citynode-%s namespaces=\"git\" %s\n", node_id, ssh);
        free(ssh);
        cn_key_free(k);
    }
    json_decref(keys);
    return err;
}

/* The peer NODE names: its id into id, its mirror directory into *tree. */
static int peer_tree(char id[CN_NODE_ID_HEX + 1], char **tree, const cn_home *h, const char *ref)
{
    cn_peers *db = NULL;
    cn_peer peer = {0};
    char *db_path = cn_path_join(h->root, "state.db");
    int err;

    *tree = NULL;
    if (db_path == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if (!cn_file_exists(db_path)) {
        err = cn_error_set(CN_ENOTFOUND, "'%s' is not a node known here", ref);
        goto out;
    }
    if ((err = cn_node_peers_open(&db, h)) != 0 || (err = cn_peers_get(&peer, db, ref)) != 0)
        goto out;
    memcpy(id, peer.node_id, CN_NODE_ID_HEX + 1);
    if ((*tree = cn_path_join(h->mirrors_dir, peer.node_id)) == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
out:
    cn_peer_clear(&peer);
    cn_peers_free(db);
    free(db_path);
    return err;
}

int cn_cmd_allowed_signers(const char *home_flag, int argc, char **argv)
{
    static const char synopsis[] = "allowed-signers [NODE]";
    cn_home *h = NULL;
    char *home = NULL, *tree = NULL, id[CN_NODE_ID_HEX + 1];
    int err;

    if (argc > 2)
        return cn_cli_usage_error(synopsis, "too many arguments");
    if ((err = cn_home_resolve(&home, home_flag)) != 0 ||
        (err = cn_home_open(&h, home, CN_HOME_MUST_EXIST)) != 0)
        goto out;
    if (argc == 1 || strcmp(argv[1], "self") == 0 ||
        (strlen(argv[1]) >= 8 && strncmp(argv[1], h->node_id, strlen(argv[1])) == 0))
        err = print_allowed_signers(h->public_dir, h->node_id);
    else if ((err = peer_tree(id, &tree, h, argv[1])) == 0)
        err = print_allowed_signers(tree, id);
out:
    free(tree);
    cn_home_free(h);
    free(home);
    return err ? cn_cli_fail(err) : 0;
}
