/*
 * keys.c - a node's signing keys: which file under keys/ holds each role's
 * key, rotating a role's key, and finishing a rotation that was interrupted
 * (the order of the steps is in keys.h).
 */
#include "node/keys.h"
#include "core/error.h"
#include "core/file.h"
#include "node/verify.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Is key one of the keys root authorizes for role? */
static int root_authorizes(int *yes, const cn_tuf_metadata *root, cn_tuf_role role,
                           const cn_key *key)
{
    const json_t *ids =
        json_object_get(json_object_get(json_object_get(cn_tuf_metadata_signed(root), "roles"),
                                        cn_tuf_role_name(role)),
                        "keyids");
    char keyid[CN_SHA256_HEX_LEN + 1];
    size_t i;
    int err;

    *yes = 0;
    if ((err = cn_tuf_keyid(keyid, key)) != 0)
        return err;
    for (i = 0; i < json_array_size(ids) && !*yes; i++) {
        const char *id = json_string_value(json_array_get(ids, i));
        *yes = id != NULL && strcmp(keyid, id) == 0;
    }
    return 0;
}

/* keys/<name> into *path (heap). */
static int key_path(char **path, const cn_node *node, const char *name)
{
    if ((*path = cn_path_join(node->home->keys_dir, name)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    return 0;
}

/* Load keys/<name> if it exists and root authorizes it for role: *out the key,
 * or NULL (no error) when the file is absent or holds another key. */
static int try_key(cn_key **out, const cn_node *node, const char *name, const cn_tuf_metadata *root,
                   cn_tuf_role role)
{
    cn_key *key = NULL;
    char *path = NULL;
    int err, yes = 0;

    *out = NULL;
    if ((err = key_path(&path, node, name)) != 0)
        return err;
    err = cn_key_load_private(&key, path);
    if (err == CN_ENOTFOUND) {
        cn_error_clear();
        err = 0;
        goto out;
    }
    if (err != 0 || (err = root_authorizes(&yes, root, role, key)) != 0)
        goto out;
    if (yes) {
        *out = key;
        key = NULL;
    }
out:
    cn_key_free(key);
    free(path);
    return err;
}

/* Each role's key: keys/<role>.key.new, keys/<role>.key or keys/node.key,
 * the first the newest root authorizes. *finishing gets a bit per role whose
 * key is a .new file (an interrupted rotation past its commit point). */
int cn_node_keys_load(cn_node *n, unsigned *finishing)
{
    cn_tuf_metadata **roots = NULL;
    const cn_tuf_metadata *root;
    size_t nroots = 0;
    int r, err;

    *finishing = 0;
    if ((err = cn_verify_root_chain(&roots, &nroots, n->home->public_dir)) != 0)
        return cn_error_wrap(err, "cannot read the node's roots");
    root = roots[nroots - 1];
    for (r = 0; r < CN_TUF_ROLE_COUNT; r++) {
        const char *role = cn_tuf_role_name((cn_tuf_role)r);
        char names[3][32];
        int c;
        snprintf(names[0], sizeof(names[0]), "%s.key.new", role);
        snprintf(names[1], sizeof(names[1]), "%s.key", role);
        snprintf(names[2], sizeof(names[2]), "%s", CN_NODE_KEY_FILE);
        for (c = 0; c < 3 && n->role_key[r] == NULL; c++) {
            if ((err = try_key(&n->role_key[r], n, names[c], root, (cn_tuf_role)r)) != 0)
                goto out;
            if (n->role_key[r] != NULL) {
                snprintf(n->role_key_file[r], sizeof(n->role_key_file[r]), "%s", names[c]);
                if (c == 0)
                    *finishing |= 1u << r;
            }
        }
        if (n->role_key[r] == NULL && r == CN_TUF_ROOT)
            continue; /* kept offline: everything but a new root can be signed */
        if (n->role_key[r] == NULL) {
            err = cn_error_set(
                CN_EVERIFY, "no key in %s is authorized for the %s role by root version %" PRIu64,
                n->home->keys_dir, role, cn_tuf_metadata_version(root));
            goto out;
        }
        n->keys.role[r].keys[0] = n->role_key[r];
        n->keys.role[r].nkeys = 1;
        n->keys.role[r].threshold = 1;
    }
    n->key = n->role_key[CN_TUF_TARGETS];
out:
    cn_verify_root_chain_free(roots, nroots);
    return err;
}

/* Move keys/<role>.key.new over keys/<role>.key and make it durable. */
static int install_new_key(cn_node *n, cn_tuf_role role)
{
    char name[32], *from = NULL, *to = NULL;
    int err;

    snprintf(name, sizeof(name), "%s.key.new", cn_tuf_role_name(role));
    if ((err = key_path(&from, n, name)) != 0)
        return err;
    name[strlen(name) - 4] = '\0';
    if ((err = key_path(&to, n, name)) != 0)
        goto out;
    if (rename(from, to) != 0) {
        err = cn_error_set(CN_ERROR, "cannot rename %s to %s: %s", from, to, strerror(errno));
        goto out;
    }
    if ((err = cn_fsync_dir(n->home->keys_dir)) != 0)
        goto out;
    snprintf(n->role_key_file[role], sizeof(n->role_key_file[role]), "%s", name);
out:
    free(from);
    free(to);
    return err;
}

/* Once every role has its own key, keys/node.key authorizes nothing in the
 * newest root: remove it, so a rotation really retires the old key. */
static int drop_unused_node_key(cn_node *node)
{
    char *path = NULL;
    int r, err;

    for (r = 0; r < CN_TUF_ROLE_COUNT; r++)
        if (strcmp(node->role_key_file[r], CN_NODE_KEY_FILE) == 0)
            return 0;
    if ((err = key_path(&path, node, CN_NODE_KEY_FILE)) != 0)
        return err;
    if (remove(path) != 0 && errno != ENOENT)
        err = cn_error_set(CN_ERROR, "cannot remove %s: %s", path, strerror(errno));
    free(path);
    return err;
}

/* Finish interrupted rotations (see keys.h): re-sign with the new keys, then
 * install them; remove .new keys whose rotation never committed. */
int cn_node_keys_finish_rotations(cn_node *n, unsigned finishing)
{
    int r, err;

    if (finishing != 0 &&
        (err = cn_tuf_repo_resign_expiring(NULL, n->tuf, CN_TUF_YEAR * 1000)) != 0)
        return cn_error_wrap(err, "cannot finish an interrupted key rotation");
    for (r = 0; r < CN_TUF_ROLE_COUNT; r++) {
        char name[32], *path = NULL;
        if (finishing & (1u << r)) {
            if ((err = install_new_key(n, (cn_tuf_role)r)) != 0 ||
                (err = drop_unused_node_key(n)) != 0)
                return err;
            continue;
        }
        snprintf(name, sizeof(name), "%s.key.new", cn_tuf_role_name((cn_tuf_role)r));
        if ((err = key_path(&path, n, name)) != 0)
            return err;
        if (remove(path) != 0 && errno != ENOENT) {
            err = cn_error_set(CN_ERROR, "cannot remove %s: %s", path, strerror(errno));
            free(path);
            return err;
        }
        free(path);
    }
    return 0;
}

int cn_node_rotate_key(cn_node *node, cn_tuf_role role)
{
    cn_tuf_role_keys rk = {{NULL}, 1, 1};
    cn_key *key = NULL;
    uint64_t before;
    char name[32], *path = NULL;
    int err;

    if ((int)role < 0 || (int)role >= CN_TUF_ROLE_COUNT || node->role_key[role] == NULL)
        return cn_error_set(CN_EINVAL, "the node is not open for writing");
    if (node->role_key[CN_TUF_ROOT] == NULL)
        return cn_error_set(CN_EVERIFY,
                            "no key in %s is authorized for the root role, which signs a "
                            "rotation: put the root key back as %s/root.key",
                            node->home->keys_dir, node->home->keys_dir);
    snprintf(name, sizeof(name), "%s.key.new", cn_tuf_role_name(role));
    if ((err = key_path(&path, node, name)) != 0)
        return err;
    /* 1. The new key is on disk before any root names it. */
    if ((err = cn_key_generate(&key)) != 0 || (err = cn_key_save_private(key, path)) != 0)
        goto out;
    /* 2. + 3. Root N+1, then targets, snapshot and timestamp re-signed. */
    before = cn_tuf_repo_version(node->tuf, CN_TUF_ROOT);
    rk.keys[0] = key;
    if ((err = cn_tuf_repo_rotate_keys(node->tuf, role, &rk)) != 0) {
        if (cn_tuf_repo_version(node->tuf, CN_TUF_ROOT) == before) {
            remove(path); /* never committed: as if nothing happened */
        } else {
            /* Past the commit point: the repository now signs with the new
             * key; the next cn_node_open for writing re-signs and installs it. */
            cn_key_free(node->role_key[role]);
            node->role_key[role] = key;
            key = NULL;
        }
        goto out;
    }
    cn_key_free(node->role_key[role]);
    node->role_key[role] = key;
    key = NULL;
    node->keys.role[role] = rk;
    node->keys.role[role].keys[0] = node->role_key[role];
    if (role == CN_TUF_TARGETS)
        node->key = node->role_key[role];
    /* 4. The new key takes the role's file; the old one is gone. */
    if ((err = install_new_key(node, role)) != 0)
        goto out;
    err = drop_unused_node_key(node);
out:
    cn_key_free(key);
    free(path);
    return err;
}

int cn_node_key_file(char out[32], const cn_node *node, const char *keyid)
{
    char names[CN_TUF_ROLE_COUNT + 1][32], id[CN_SHA256_HEX_LEN + 1];
    int i, err;

    for (i = 0; i < CN_TUF_ROLE_COUNT; i++)
        snprintf(names[i], sizeof(names[i]), "%s.key", cn_tuf_role_name((cn_tuf_role)i));
    snprintf(names[CN_TUF_ROLE_COUNT], sizeof(names[0]), "%s", CN_NODE_KEY_FILE);
    for (i = 0; i <= CN_TUF_ROLE_COUNT; i++) {
        cn_key *key = NULL;
        char *path = NULL;
        if ((err = key_path(&path, node, names[i])) != 0)
            return err;
        err = cn_key_load_private(&key, path);
        free(path);
        if (err == CN_ENOTFOUND) {
            cn_error_clear();
            continue;
        }
        if (err != 0)
            return err;
        err = cn_tuf_keyid(id, key);
        cn_key_free(key);
        if (err != 0)
            return err;
        if (strcmp(id, keyid) == 0) {
            snprintf(out, 32, "%.31s", names[i]);
            return 0;
        }
    }
    return cn_error_set(CN_ENOTFOUND,
                        "no key file in %s holds key %.16s — restore %s from its backup "
                        "(`citynode keys list` shows the keys the node has)",
                        node->home->keys_dir, keyid, node->home->keys_dir);
}

/* The public keys the current root authorizes for role, as key objects. */
int cn_node_role_keys(json_t **out, const cn_node *node, cn_tuf_role role)
{
    const unsigned char *bytes;
    cn_tuf_metadata *root = NULL;
    const json_t *signed_, *keyids, *keys;
    json_t *list = json_array(), *id;
    size_t len, i;
    int err;

    *out = NULL;
    bytes = cn_tuf_repo_root_bytes(node->tuf, &len);
    if ((err = cn_tuf_metadata_parse(&root, bytes, len, CN_TUF_MAX_ROOT_LEN, CN_TUF_ROOT,
                                     "root.json")) != 0)
        goto out;
    signed_ = cn_tuf_metadata_signed(root);
    keys = json_object_get(signed_, "keys");
    keyids = json_object_get(
        json_object_get(json_object_get(signed_, "roles"), cn_tuf_role_name(role)), "keyids");
    json_array_foreach(keyids, i, id)
    {
        json_t *k = json_object_get(keys, json_string_value(id));
        if (k)
            json_array_append_new(list, json_pack("{s:O, s:O}", "keyid", id, "key", k));
    }
    *out = list;
    list = NULL;
out:
    json_decref(list);
    cn_tuf_metadata_free(root);
    return err;
}

int cn_node_is_role_key(const cn_node *node, cn_tuf_role role,
                        const unsigned char pub[CN_ED25519_PUB_LEN])
{
    return cn_verify_chain_has_key(node->home->public_dir, role, pub) == 1;
}

int cn_node_renew(unsigned *renewed, cn_node *node, int64_t timestamp_margin)
{
    int64_t margin[CN_TUF_ROLE_COUNT] = {CN_NODE_RENEW_MARGIN, CN_NODE_RENEW_MARGIN,
                                         CN_NODE_RENEW_MARGIN, timestamp_margin};

    if (node->role_key[CN_TUF_ROOT] == NULL)
        margin[CN_TUF_ROOT] = CN_TUF_NEVER; /* kept offline: cn_node_warn_root_expiry says so */
    return cn_tuf_repo_renew(renewed, node->tuf, margin);
}

/* Is a key of the current root in keys/? 1 yes, 0 no (kept offline), -1
 * cannot tell (the key files are not readable here). */
static int root_key_at_hand(const cn_node *node)
{
    json_t *keys = NULL, *entry;
    char file[32];
    size_t i;
    int found = 0, err;

    if (node->key != NULL) /* open for writing: cn_node_keys_load looked */
        return node->role_key[CN_TUF_ROOT] != NULL;
    if ((err = cn_node_role_keys(&keys, node, CN_TUF_ROOT)) != 0)
        found = -1;
    json_array_foreach(keys, i, entry)
    {
        const char *keyid = json_string_value(json_object_get(entry, "keyid"));
        if (found != 0 || keyid == NULL)
            break;
        err = cn_node_key_file(file, node, keyid);
        found = err == 0 ? 1 : err == CN_ENOTFOUND ? 0 : -1;
    }
    json_decref(keys);
    cn_error_clear();
    return found;
}

int cn_node_warn_root_expiry(const cn_node *node, const char *prefix, time_t now)
{
    time_t expires = cn_tuf_repo_expires(node->tuf, CN_TUF_ROOT);
    int at_hand;
    char when[21], span[80];

    if (expires - now > (time_t)CN_NODE_ROOT_WARN_DAYS * CN_TUF_DAY)
        return 0;
    at_hand = root_key_at_hand(node);
    cn_tuf_time_format(when, expires);
    if (expires > now)
        snprintf(span, sizeof(span), "expires on %s (in %lld days)", when,
                 (long long)((expires - now) / CN_TUF_DAY));
    else
        snprintf(span, sizeof(span), "expired on %s", when);
    fprintf(stderr,
            "%swarning: this node's root (version %" PRIu64 ") %s; from then on its followers "
            "refuse the node (their sync exits 3). %s\n",
            prefix, cn_tuf_repo_version(node->tuf, CN_TUF_ROOT), span,
            at_hand == 0 ? "The root key is not in keys/ (kept offline?): put it back as "
                           "keys/root.key and run 'citynode publish' or 'citynode serve', "
                           "which renew the root."
            : at_hand == 1 && node->key != NULL
                ? "Renewing it failed (see above); 'citynode publish' and 'citynode serve' "
                  "try again."
                : "'citynode publish' and 'citynode serve' renew it with the root key in "
                  "keys/ (keys/root.key once root was rotated).");
    return 1;
}

void cn_node_renew_report(cn_node *node, const char *prefix, int64_t timestamp_margin,
                          time_t *warned)
{
    unsigned done = 0;
    time_t now = time(NULL);
    char when[21];
    int err = cn_node_renew(&done, node, timestamp_margin);

    if (done & (1u << CN_TUF_ROOT)) {
        cn_tuf_time_format(when, cn_tuf_repo_expires(node->tuf, CN_TUF_ROOT));
        fprintf(stderr, "%srenewed root (version %" PRIu64 ", expires %s)\n", prefix,
                cn_tuf_repo_version(node->tuf, CN_TUF_ROOT), when);
    }
    if (done & (1u << CN_TUF_TARGETS))
        fprintf(stderr,
                "%sre-signed targets (version %" PRIu64 ") and snapshot (version %" PRIu64 ")\n",
                prefix, cn_tuf_repo_version(node->tuf, CN_TUF_TARGETS),
                cn_tuf_repo_version(node->tuf, CN_TUF_SNAPSHOT));
    if (done & (1u << CN_TUF_TIMESTAMP))
        fprintf(stderr, "%sre-signed timestamp (version %" PRIu64 ")\n", prefix,
                cn_tuf_repo_version(node->tuf, CN_TUF_TIMESTAMP));
    if (err != 0) {
        fprintf(stderr, "%scannot re-sign: %s\n", prefix, cn_error_message());
        cn_error_clear();
    }
    if (warned && *warned != 0 && now - *warned < CN_TUF_DAY)
        return;
    if (cn_node_warn_root_expiry(node, prefix, now) && warned)
        *warned = now;
}
