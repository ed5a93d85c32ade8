/*
 * keys.h - a node's signing keys.
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
#ifndef CN_NODE_KEYS_H
#define CN_NODE_KEYS_H

#include "node/node.h"

/* Each role's key into n->role_key[] (and n->keys, n->key): the first of
 * keys/<role>.key.new, keys/<role>.key and keys/node.key that the newest
 * root authorizes for the role; CN_EVERIFY if none is, but for the root,
 * whose key may be kept offline (role_key[CN_TUF_ROOT] is then NULL). *finishing gets a bit
 * per role whose key is a .new file (a rotation past its commit point). */
int cn_node_keys_load(cn_node *n, unsigned *finishing);

/* Finish the interrupted rotations cn_node_keys_load found (see above):
 * re-sign with the new keys, then install them; remove the .new keys whose
 * rotation never committed. n's TUF repository must be open. */
int cn_node_keys_finish_rotations(cn_node *n, unsigned finishing);

/* Rotate role's key (the steps at the top of this file): a new ed25519 key
 * in keys/<role>.key, root N+1 authorizing only it for role, and targets,
 * snapshot and timestamp re-signed. node must be open with CN_NODE_WRITE; on
 * success node->role_key[role] (and node->key for targets) is the new key. */
int cn_node_rotate_key(cn_node *node, cn_tuf_role role);

/* Renewal. init signs root, targets and snapshot for a year (the default
 * policy of core/tuf.h); each is renewed once less than a quarter of that is
 * left, the root as version N+1 with the same keys, signed by root N's keys
 * (cn_tuf_repo_renew: its one file is the commit point, so a renewal is
 * crash-safe like a rotation). A root key kept offline (no file under keys/
 * holds it) cannot renew the root: the commands warn from
 * CN_NODE_ROOT_WARN_DAYS before it expires. */
#define CN_NODE_RENEW_MARGIN   (CN_TUF_YEAR / 4)
#define CN_NODE_ROOT_WARN_DAYS 30

/* Renew what is due: root, targets and snapshot expiring within
 * CN_NODE_RENEW_MARGIN (the root only if its key is loaded), the timestamp
 * within timestamp_margin (CN_TUF_NEVER: not). *renewed (may be NULL) gets a
 * bit (1u << role) per role written. node must be open with CN_NODE_WRITE. */
int cn_node_renew(unsigned *renewed, cn_node *node, int64_t timestamp_margin);

/* If the node's root expires within CN_NODE_ROOT_WARN_DAYS of now (or has
 * expired), print a warning on stderr after prefix, naming the version, the
 * date and what to do; 1 if printed, else 0. */
int cn_node_warn_root_expiry(const cn_node *node, const char *prefix, time_t now);

/* For serve and publish: cn_node_renew, then one line on stderr (after
 * prefix) per renewal or for a failure, then cn_node_warn_root_expiry. With
 * warned not NULL, the warning is printed at most once a day: *warned is when
 * it last was (0: never). The caller's own work stands whatever happens here,
 * so nothing is returned. */
void cn_node_renew_report(cn_node *node, const char *prefix, int64_t timestamp_margin,
                          time_t *warned);

/* The file under keys/ holding the private half of the key with TUF keyid
 * keyid ("node.key", "targets.key", ...), into out; CN_ENOTFOUND if no key
 * file of this node holds it (a key kept offline). Reads the key files, so
 * the caller must be allowed to. */
int cn_node_key_file(char out[32], const cn_node *node, const char *keyid);

/* The keys the current root authorizes for role: a new JSON array of
 * {"keyid": HEX, "key": <TUF key object>}. */
int cn_node_role_keys(json_t **out, const cn_node *node, cn_tuf_role role);

/* 1 if some root of the node's chain authorized pub for role, else 0: tags
 * keep the key that signed them across rotations (docs/PROTOCOL.md §13). */
int cn_node_is_role_key(const cn_node *node, cn_tuf_role role,
                        const unsigned char pub[CN_ED25519_PUB_LEN]);

#endif
