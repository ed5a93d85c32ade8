/*
 * cmd_keys.c - `citynode keys list` and `citynode allowed-signers`.
 */
#include "core/error.h"
#include "core/tuf.h"
#include "node/commands.h"
#include "node/node.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cn_cmd_keys(const char *home_flag, int argc, char **argv)
{
    static const char synopsis[] = "keys list";
    cn_node *node = NULL;
    char *home = NULL;
    int err, r;

    if (argc != 2 || strcmp(argv[1], "list") != 0)
        return cn_cli_usage_error(synopsis, "expected 'keys list'");
    if ((err = cn_home_resolve(&home, home_flag)) != 0 || (err = cn_node_open(&node, home, 0)) != 0)
        goto out;
    printf("%-10s %-16s %-8s %s\n", "ROLE", "KEYID", "TYPE", "FILE");
    for (r = 0; r < CN_TUF_ROLE_COUNT; r++) {
        json_t *keys, *entry;
        size_t i;
        if ((err = cn_node_role_keys(&keys, node, (cn_tuf_role)r)) != 0)
            goto out;
        json_array_foreach(keys, i, entry)
        {
            printf("%-10s %.16s %-8s keys/%s\n", cn_tuf_role_name((cn_tuf_role)r),
                   json_string_value(json_object_get(entry, "keyid")),
                   json_string_value(json_object_get(json_object_get(entry, "key"), "keytype")),
                   CN_NODE_KEY_FILE);
        }
        json_decref(keys);
    }
out:
    cn_node_free(node);
    free(home);
    return err ? cn_cli_fail(err) : 0;
}

int cn_cmd_allowed_signers(const char *home_flag, int argc, char **argv)
{
    static const char synopsis[] = "allowed-signers [NODE]";
    cn_node *node = NULL;
    json_t *keys = NULL, *entry;
    char *home = NULL;
    size_t i;
    int err;

    if (argc > 2)
        return cn_cli_usage_error(synopsis, "too many arguments");
    if ((err = cn_home_resolve(&home, home_flag)) != 0 || (err = cn_node_open(&node, home, 0)) != 0)
        goto out;
    if (argc == 2 && strcmp(argv[1], "self") != 0 &&
        (strlen(argv[1]) < 8 || strncmp(argv[1], node->home->node_id, strlen(argv[1])) != 0)) {
        err = cn_error_set(CN_ENOTFOUND, "'%s' is not a node known here", argv[1]);
        goto out;
    }
    if ((err = cn_node_role_keys(&keys, node, CN_TUF_TARGETS)) != 0)
        goto out;
    json_array_foreach(keys, i, entry)
    {
        const char *hex = json_string_value(
            json_object_get(json_object_get(json_object_get(entry, "key"), "keyval"), "public"));
        cn_key *k = NULL;
        char *ssh = NULL;
        if (hex == NULL || (err = cn_key_from_public_hex(&k, hex)) != 0 ||
            (err = cn_key_ssh_public(&ssh, k)) != 0) {
            cn_key_free(k);
            goto out;
        }
        /* The principal is the node id: git only needs some principal whose
         * key matches (ssh-keygen -Y find-principals), and the id names the
         * publisher unambiguously. */
        printf("citynode-%s namespaces=\"git\" %s\n", node->home->node_id, ssh);
        free(ssh);
        cn_key_free(k);
    }
out:
    json_decref(keys);
    cn_node_free(node);
    free(home);
    return err ? cn_cli_fail(err) : 0;
}
