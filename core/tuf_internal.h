/*
 * tuf_internal.h - what core/tuf.c, core/tuf_repo.c and core/tuf_client.c
 * share. Not part of the public API (that is core/tuf.h).
 */
#ifndef CN_TUF_INTERNAL_H
#define CN_TUF_INTERNAL_H

#include "core/tuf.h"

/* A parsed envelope. For targets metadata, targets[] lists the targets in
 * path order (paths and custom borrowed from json). */
struct cn_tuf_metadata {
    cn_tuf_role role;
    char what[64];   /* name used in messages, e.g. "timestamp.json" */
    json_t *json;    /* the whole envelope */
    json_t *signed_; /* borrowed from json */
    uint64_t version;
    time_t expires;
    unsigned char *bytes; /* exact input bytes */
    size_t len;
    int consistent_snapshot; /* root only */
    cn_tuf_target_info *targets;
    size_t ntargets;
    const json_t *delegations; /* targets only: signed.delegations, or NULL */
};

/* A public key a root or a delegation lists (core/tuf_key.c). */
typedef struct cn_tuf_pubkey cn_tuf_pubkey;

/* Parse a TUF key object {"keytype","scheme","keyval":{"public"}}: ed25519,
 * ECDSA P-256/P-384 or RSA (PSS or PKCS#1 v1.5) with SHA-256/384/512.
 * CN_EINVAL for anything else (such a key is never counted). */
int cn_tuf_pubkey_parse(cn_tuf_pubkey **out, const json_t *key);
void cn_tuf_pubkey_free(cn_tuf_pubkey *k);
/* The key's DER SubjectPublicKeyInfo, which identifies it whatever its keyid. */
const unsigned char *cn_tuf_pubkey_identity(const cn_tuf_pubkey *k, size_t *len);
/* 1 if sighex is k's valid signature over msg under k's scheme, else 0. */
int cn_tuf_pubkey_verify(const cn_tuf_pubkey *k, const char *sighex, const void *msg, size_t len);

/* Verify md's signatures against a role object {"keyids","threshold"} whose
 * keys are in keys (keyid -> key object): a threshold of distinct keys must
 * sign. role_name names the role in messages. CN_EVERIFY otherwise. */
int cn_tuf_verify_role(const cn_tuf_metadata *md, const json_t *keys, const json_t *role,
                       const char *role_name);

/* Check data against a "hashes" object: every sha256/sha512 given must
 * match, and at least one must be given (other algorithms are ignored).
 * CN_EVERIFY naming what otherwise. */
int cn_tuf_hashes_check(const json_t *hashes, const void *data, size_t len, const char *what);

/* Check a targets metadata's signed.delegations (core/tuf_delegation.c):
 * keys, and roles with a unique non-top-level name, unique keyids, a
 * threshold >= 1, terminating, and exactly one of paths and
 * path_hash_prefixes. CN_EINVAL naming the field otherwise. */
int cn_tuf_delegations_check(const json_t *delegations, const char *what);

/* 1 if the delegation `role` (a checked delegations.roles entry) covers
 * target_path: one of its paths patterns matches it component by component
 * (fnmatch with FNM_PATHNAME | FNM_NOESCAPE), or the sha256 hex of the path
 * starts with one of its path_hash_prefixes. Else 0. */
int cn_tuf_delegation_covers(const json_t *role, const char *target_path);

/* Parse and check a "meta" file-info object {version, length?, hashes?}. */
typedef struct {
    uint64_t version;
    int has_length;
    uint64_t length;
    const json_t *hashes; /* NULL if absent */
} cn_tuf_meta_info;

/* Look up signed.meta[name] in a timestamp or snapshot (already checked by
 * parse). CN_EINVAL if absent. */
int cn_tuf_meta_get(cn_tuf_meta_info *out, const cn_tuf_metadata *md, const char *name);

/* Check data against a meta info's length and hashes (CN_EVERIFY naming what). */
int cn_tuf_meta_check_bytes(const cn_tuf_meta_info *mi, const void *data, size_t len,
                            const char *what);

/* Build the sorted target info array from a targets object (path -> fileinfo),
 * checking each entry. *out is malloc'ed; paths/custom borrowed from targets. */
int cn_tuf_targets_index(cn_tuf_target_info **out, size_t *n, const json_t *targets,
                         const char *what);

/* Binary search in a sorted target info array. */
const cn_tuf_target_info *cn_tuf_targets_find(const cn_tuf_target_info *arr, size_t n,
                                              const char *path);

/* Sign `signed_` with every key of rk (each must hold its private key) plus,
 * if extra is not NULL, every key of extra not already used; return the
 * canonical envelope bytes (caller frees). */
int cn_tuf_sign_envelope(char **out, size_t *outlen, const json_t *signed_,
                         const cn_tuf_role_keys *rk, const cn_tuf_role_keys *extra);

/* 1 if the two roots authorize the same keyids and threshold for role. */
int cn_tuf_role_keys_equal(const cn_tuf_metadata *a, const cn_tuf_metadata *b, cn_tuf_role role);

/* "tuf/N.<role>.json" or, without consistent snapshots / for the timestamp,
 * "tuf/<role>.json" (heap string). */
char *cn_tuf_metadata_path(cn_tuf_role role, uint64_t version, int consistent);

/* A delegated targets role the client trusts (core/tuf_delegated.c). */
typedef struct {
    char *name;
    cn_tuf_metadata *md;
    size_t parent;                     /* index of the delegating role, or CN_TUF_TOP_TARGETS */
    const json_t *delegation;          /* the parent's delegations.roles entry (borrowed) */
    const cn_tuf_target_info **listed; /* targets the delegation chain covers (listing) */
    size_t nlisted;
} cn_tuf_delegated;

#define CN_TUF_TOP_TARGETS ((size_t)-1)

/* Bytes of a delegated role offered by cn_tuf_client_set_trusted_delegated
 * or trusted before the last refresh: used instead of a download when they
 * still verify. */
typedef struct {
    char *name;
    unsigned char *bytes;
    size_t len;
} cn_tuf_cached_role;

struct cn_tuf_client {
    time_t now;
    int no_expiry;           /* reading stored state: expiry is not checked */
    cn_tuf_metadata **roots; /* every root seen, ascending; the last is trusted */
    size_t nroots;
    cn_tuf_metadata *md[CN_TUF_ROLE_COUNT]; /* trusted timestamp, snapshot, targets */
    cn_tuf_persist_fn persist;              /* optional: told of each role that verified */
    void *persist_ctx;
    cn_tuf_delegated *delegated; /* delegated roles trusted under md[] */
    size_t ndelegated;
    size_t *index; /* name -> entry + 1, open addressing (core/tuf_delegated.c) */
    size_t index_cap;
    cn_tuf_cached_role *cached;
    size_t ncached;
    /* After cn_tuf_client_load_delegations: every trusted target, of the
     * top-level targets and of each delegated role, in path order, each
     * path once (what find_target would resolve it to); NULL otherwise. */
    const cn_tuf_target_info **view;
    size_t nview;
};

/* Forget every delegated role, keeping their bytes as cached candidates
 * (so an unchanged role is not downloaded again). */
int cn_tuf_client_delegated_reset(cn_tuf_client *c);
/* Drop the view of every target (the trusted set it points into changes). */
void cn_tuf_client_view_clear(cn_tuf_client *c);
/* Free delegated roles and cached bytes (cn_tuf_client_free). */
void cn_tuf_client_delegated_free(cn_tuf_client *c);

#endif
