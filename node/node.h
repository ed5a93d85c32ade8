/*
 * node.h - an open node: its directory, its signing key and its TUF repository.
 *
 * The default node has one ed25519 key for every role (DESIGN.md §5), kept in
 * keys/node.key (mode 0600, never served).
 */
#ifndef CN_NODE_H
#define CN_NODE_H

#include "core/key.h"
#include "core/tuf.h"
#include "node/home.h"

#include <jansson.h>

#define CN_NODE_KEY_FILE  "node.key"
#define CN_DEFAULT_URL    "http://127.0.0.1:8470"
#define CN_DEFAULT_LISTEN "127.0.0.1:8470"

typedef struct {
    cn_home *home;
    cn_key *key;
    cn_tuf_keys keys;
    cn_tuf_repo *tuf;
} cn_node;

enum {
    CN_NODE_WRITE = 1 << 0, /* take the directory lock and load the private key */
};

/* Open the initialised node at home_dir (see cn_home_resolve). */
int cn_node_open(cn_node **out, const char *home_dir, int flags);
void cn_node_free(cn_node *node);

/* The published manifest of an item version ("items/<id>/<version>/manifest.json"
 * target), read from the public tree and checked against its signed hash.
 * *out is a new reference. */
int cn_node_read_manifest(json_t **out, const cn_node *node, const char *item, const char *version);

/* The newest published version of item (semver precedence) and its target
 * custom data; CN_ENOTFOUND if the item was never published. *version is
 * heap-allocated. */
int cn_node_latest_version(char **version, const json_t **custom, const cn_node *node,
                           const char *item);

/* Split "NODE/ITEM[@VERSION]" into heap strings (version NULL if absent).
 * NODE must name this node (its id, an unambiguous prefix of >= 8 hex digits,
 * or "self"); CN_ENOTFOUND otherwise. */
int cn_node_parse_ref(char **item, char **version, const cn_node *node, const char *ref);

/* The keys the current root authorizes for role: a new JSON array of
 * {"keyid": HEX, "key": <TUF key object>}. */
int cn_node_role_keys(json_t **out, const cn_node *node, cn_tuf_role role);

/* 1 if pub is one of role's keys in the current root, else 0. */
int cn_node_is_role_key(const cn_node *node, cn_tuf_role role,
                        const unsigned char pub[CN_ED25519_PUB_LEN]);

#endif
