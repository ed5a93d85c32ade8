/*
 * node.h - an open node: its directory, its signing keys and its TUF repository.
 *
 * The default node has one ed25519 key for every role (DESIGN.md §5), kept in
 * keys/node.key (mode 0600, never served). `citynode keys rotate ROLE` gives a
 * role its own key in keys/<role>.key (docs/PROTOCOL.md §13); from then on
 * that file holds the role's key and node.key only the roles never rotated.
 *
 * A rotation writes, in this order:
 *   1. keys/<role>.key.new, the new private key (mode 0600, atomic);
 *   2. tuf/N+1.root.json authorizing it, signed by the old root keys (and by
 *      the new key when the role is root): the rotation's commit point;
 *   3. targets, snapshot and timestamp re-signed (what a client checks with
 *      root N+1);
 *   4. keys/<role>.key.new renamed over keys/<role>.key (the old key is gone;
 *      keys/node.key too once no role uses it).
 * Opening the node for writing finishes an interrupted rotation: a
 * <role>.key.new the newest root authorizes is a rotation past step 2, so the
 * metadata are re-signed with it and step 4 is done; one the root does not
 * authorize is a rotation that never committed and is removed. Either way the
 * node is left consistent and usable.
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
    cn_key *role_key[CN_TUF_ROLE_COUNT];       /* each role's private key (owned); NULL read-only */
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
 * interrupted rotation, see above), keys/<role>.key and keys/node.key that
 * the newest root authorizes for the role; CN_EVERIFY if none is. */
int cn_node_open(cn_node **out, const char *home_dir, int flags);
void cn_node_free(cn_node *node);

/* Rotate role's key (the steps at the top of this file): a new ed25519 key
 * in keys/<role>.key, root N+1 authorizing only it for role, and targets,
 * snapshot and timestamp re-signed. node must be open with CN_NODE_WRITE; on
 * success node->role_key[role] (and node->key for targets) is the new key. */
int cn_node_rotate_key(cn_node *node, cn_tuf_role role);

/* The file under keys/ holding the private half of the key with TUF keyid
 * keyid ("node.key", "targets.key", ...), into out; CN_ENOTFOUND if no key
 * file of this node holds it (a key kept offline). Reads the key files, so
 * the caller must be allowed to. */
int cn_node_key_file(char out[32], const cn_node *node, const char *keyid);

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

/* Split "NODE/ITEM[@VERSION]" into heap strings (version NULL if absent).
 * NODE must name this node (its id, an unambiguous prefix of >= 8 hex digits,
 * or "self"); CN_ENOTFOUND otherwise. */
int cn_node_parse_ref(char **item, char **version, const cn_node *node, const char *ref);

/* The keys the current root authorizes for role: a new JSON array of
 * {"keyid": HEX, "key": <TUF key object>}. */
int cn_node_role_keys(json_t **out, const cn_node *node, cn_tuf_role role);

/* 1 if some root of the node's chain authorized pub for role, else 0: tags
 * keep the key that signed them across rotations (docs/PROTOCOL.md §13). */
int cn_node_is_role_key(const cn_node *node, cn_tuf_role role,
                        const unsigned char pub[CN_ED25519_PUB_LEN]);

#endif
