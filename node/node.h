/*
 * node.h - an open node: its directory, its signing keys and its TUF repository.
 *
 * Its keys (which file holds which role's key, rotation) are in keys.h.
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
    cn_key *key;                               /* the targets key (signs tags); NULL read-only */
    cn_key *role_key[CN_TUF_ROLE_COUNT];       /* each role's private key (owned); NULL read-only
                                                  and for a root key kept offline */
    char role_key_file[CN_TUF_ROLE_COUNT][32]; /* its file under keys/, e.g. "node.key" */
    cn_tuf_keys keys;                          /* role_key[] as the TUF repository borrows them */
    cn_tuf_repo *tuf;
} cn_node;

enum {
    CN_NODE_WRITE = 1 << 0, /* take the directory lock and load the private keys */
    CN_NODE_WAIT = 1 << 1,  /* with CN_NODE_WRITE: wait for the lock (CN_HOME_LOCK_WAIT_S) */
};

/* Open the initialised node at home_dir (see cn_home_resolve). With
 * CN_NODE_WRITE, each role's key is the first of keys/<role>.key.new (an
 * interrupted rotation, see keys.h), keys/<role>.key and keys/node.key that
 * the newest root authorizes for the role; CN_EVERIFY if none is, but for
 * the root, whose key may be kept offline (role_key[CN_TUF_ROOT] NULL). */
int cn_node_open(cn_node **out, const char *home_dir, int flags);
void cn_node_free(cn_node *node);

/* The largest published manifest read back (a manifest target's bytes). */
#define CN_NODE_MANIFEST_MAX (1024 * 1024)

/* The bytes of a published target (at most max), read from the public tree
 * under its consistent name and checked against its signed length and
 * hash; CN_ENOTFOUND if the pending targets do not name it. *out is heap. */
int cn_node_read_target(unsigned char **out, size_t *outlen, const cn_node *node,
                        const char *target, size_t max);

/* The published manifest of an item version ("items/<id>/<version>/manifest.json"
 * target), read from the public tree and checked against its signed hash.
 * *out is a new reference. */
int cn_node_read_manifest(json_t **out, const cn_node *node, const char *item, const char *version);

/* The newest published version of item (semver precedence) and its target
 * custom data; CN_ENOTFOUND if the item was never published. *version is
 * heap-allocated. */
int cn_node_latest_version(char **version, const json_t **custom, const cn_node *node,
                           const char *item);

/* Add target_path with data (len bytes, custom may be NULL) to the node's
 * TUF repository and commit, unless the published target already has exactly
 * these bytes. *changed (may be NULL) says which. The node must be open with
 * CN_NODE_WRITE. */
int cn_node_publish_target(int *changed, cn_node *node, const char *target_path, const char *data,
                           size_t len, const json_t *custom);

/* Split "NODE/ITEM[@VERSION]" into heap strings (version NULL if absent).
 * NODE must name this node (its id, an unambiguous prefix of >= 8 hex digits,
 * or "self"); CN_ENOTFOUND otherwise. */
int cn_node_parse_ref(char **item, char **version, const cn_node *node, const char *ref);

#endif
