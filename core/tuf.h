/*
 * tuf.h - The Update Framework 1.0 (spec 1.0.31): metadata, the repository
 * writer (publisher side) and the client workflow (follower side).
 *
 * Metadata are envelopes {"signatures":[{"keyid","sig"}],"signed":{...}} whose
 * signatures are over the canonical JSON (core/json.h) of "signed". The
 * writer signs with ed25519 keys {"keytype":"ed25519","scheme":"ed25519",
 * "keyval":{"public":HEX}}; a keyid is the sha256 hex of that key object's
 * canonical JSON. The client also verifies ECDSA P-256/P-384 and RSA (PSS,
 * PKCS#1 v1.5) keys, targets hashed with sha256 and/or sha512, and delegated
 * targets roles (spec §5.6.7: pre-order depth-first search, terminating
 * delegations, path patterns, path_hash_prefixes).
 *
 * A repository lives in a directory (the node's public/ tree) with consistent
 * snapshots (DESIGN.md §4):
 *
 *   tuf/N.root.json        every root version, kept forever
 *   tuf/N.targets.json     targets metadata, one file per version
 *   tuf/N.snapshot.json    snapshot metadata, one file per version
 *   tuf/timestamp.json     the only file rewritten in place
 *   targets/<dir>/<sha256>.<name>   each target under its consistent name
 *
 * Every metadata file is written as canonical JSON bytes, so sha256 of
 * tuf/1.root.json (the node id) is stable. The writer produces top-level
 * roles only; delegated roles are named tuf/N.<role>.json, <role>
 * percent-encoded (cn_tuf_role_file_name).
 *
 * Thread-safety: objects are not shared between threads; distinct objects may
 * be used from distinct threads.
 */
#ifndef CN_TUF_H
#define CN_TUF_H

#include "core/hash.h"
#include "core/key.h"
#include "core/progress.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CN_TUF_SPEC_VERSION "1.0.31"

/* Size caps for metadata whose length is not yet known from signed metadata. */
#define CN_TUF_MAX_ROOT_LEN      (64u * 1024u)
#define CN_TUF_MAX_TIMESTAMP_LEN (64u * 1024u)
#define CN_TUF_MAX_METADATA_LEN  (16u * 1024u * 1024u) /* snapshot, targets */
/* Largest target path accepted (bytes, without NUL). */
#define CN_TUF_MAX_TARGET_PATH 1024u
/* Most keys a role may list in a repository this module writes. */
#define CN_TUF_MAX_ROLE_KEYS 8u
/* Most delegated roles one target search visits (spec §5.6.7.1, as python-tuf). */
#define CN_TUF_MAX_DELEGATION_SEARCH 32u
/* Most delegated roles cn_tuf_client_load_delegations loads. */
#define CN_TUF_MAX_DELEGATED_ROLES 100000u
/* Longest delegated role name accepted (bytes, without NUL). */
#define CN_TUF_MAX_ROLE_NAME 255u
/* How many root versions one refresh may walk (spec §5.3.3). */
#define CN_TUF_MAX_ROOT_ROTATIONS 1024u

/* Time spans (seconds) for the default expiry policy. */
#define CN_TUF_DAY  ((int64_t)86400)
#define CN_TUF_YEAR ((int64_t)365 * 86400)

typedef enum {
    CN_TUF_ROOT = 0,
    CN_TUF_TARGETS = 1,
    CN_TUF_SNAPSHOT = 2,
    CN_TUF_TIMESTAMP = 3,
} cn_tuf_role;

#define CN_TUF_ROLE_COUNT 4

/* "root", "targets", "snapshot", "timestamp". */
const char *cn_tuf_role_name(cn_tuf_role role);
/* Parse a role name; CN_EINVAL for anything else. */
int cn_tuf_role_from_name(cn_tuf_role *out, const char *name);

/* The file name of a role's metadata: "<role>.json", or with version > 0
 * "<version>.<role>.json", where role is percent-encoded as python-tuf does
 * (every byte but A-Z a-z 0-9 - . _ ~ becomes %XX), so a delegated role
 * named "a/b" is "a%2Fb.json". Heap string, caller frees. CN_EINVAL for an
 * empty name or one longer than CN_TUF_MAX_ROLE_NAME. */
int cn_tuf_role_file_name(char **out, const char *role, uint64_t version);

/* s percent-encoded the same way (python's urllib.parse.quote(s, "")), e.g.
 * a target path as one file name. Heap string, caller frees. */
int cn_tuf_quote(char **out, const char *s);

/* ---------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------- */

/* "YYYY-MM-DDTHH:MM:SSZ" (UTC) into out (21 bytes with NUL). */
void cn_tuf_time_format(char out[21], time_t t);
/* Parse exactly "YYYY-MM-DDTHH:MM:SSZ"; CN_EINVAL otherwise. */
int cn_tuf_time_parse(time_t *out, const char *s);

/* The TUF keyid of key's public half (64 hex digits + NUL). */
int cn_tuf_keyid(char out[CN_SHA256_HEX_LEN + 1], const cn_key *key);

/* The TUF key object {"keytype","scheme","keyval":{"public"}} for key (new reference). */
int cn_tuf_key_json(json_t **out, const cn_key *key);

/* Check a target path: 1..CN_TUF_MAX_TARGET_PATH bytes of printable ASCII
 * without '\\', '?', '#', no leading or trailing '/', no empty, "." or ".."
 * component. CN_EINVAL naming the path otherwise. */
int cn_tuf_target_path_check(const char *path);

/* The consistent-snapshot file name of a target, relative to the public dir:
 * "targets/<dir>/<sha256>.<basename>" (heap string, caller frees). */
int cn_tuf_target_consistent_path(char **out, const char *target_path,
                                  const char sha256[CN_SHA256_HEX_LEN + 1]);

/* One target as recorded in targets metadata. */
typedef struct {
    const char *path;                   /* target path, e.g. "items/x/1.0.0/manifest.json" */
    uint64_t length;                    /* exact length in bytes */
    char sha256[CN_SHA256_HEX_LEN + 1]; /* lowercase hex; "" if not signed (citynode's
                                           own repositories always sign it) */
    const json_t *custom;               /* the "custom" object, or NULL if absent */
    char sha512[2 * CN_SHA512_LEN + 1]; /* lowercase hex; "" if not signed */
    const json_t *hashes;               /* every signed hash (borrowed), or NULL */
} cn_tuf_target_info;

/* 0 if data is exactly info->length bytes and matches every sha256 and
 * sha512 info gives (at least one must be given); CN_EVERIFY naming
 * info->path otherwise. */
int cn_tuf_verify_target_bytes(const cn_tuf_target_info *info, const void *data, size_t len);

/* ---------------------------------------------------------------------------
 * Metadata: parse and verify one envelope
 * ------------------------------------------------------------------------- */

typedef struct cn_tuf_metadata cn_tuf_metadata;

/* Parse len bytes of a metadata envelope of role `expect`. Fails with
 * CN_ELIMIT if len > max_len, CN_EINVAL (message naming `what` and the field)
 * for malformed JSON, a wrong _type, a spec_version whose major is not 1, a
 * missing or mistyped required field, a role listing a keyid twice, or for
 * targets malformed delegations; CN_EVERIFY for a keyid that signs twice
 * (spec §4.1). spec_version "1.0" (python-tuf's older form) is accepted as
 * "1.0.0". Signatures are not checked here. `what`
 * names the input in messages (e.g. "timestamp.json"). */
int cn_tuf_metadata_parse(cn_tuf_metadata **out, const void *data, size_t len, size_t max_len,
                          cn_tuf_role expect, const char *what);
void cn_tuf_metadata_free(cn_tuf_metadata *md);

cn_tuf_role cn_tuf_metadata_role(const cn_tuf_metadata *md);
uint64_t cn_tuf_metadata_version(const cn_tuf_metadata *md);
time_t cn_tuf_metadata_expires(const cn_tuf_metadata *md);
/* The "signed" object (borrowed; lives as long as md). */
const json_t *cn_tuf_metadata_signed(const cn_tuf_metadata *md);
/* The exact bytes md was parsed from (borrowed). */
const unsigned char *cn_tuf_metadata_bytes(const cn_tuf_metadata *md, size_t *len);

/* Verify md's signatures against the keys and threshold that root (a parsed
 * root metadata) gives `role`: counts DISTINCT authorized keys (by keyid,
 * which parse made unique, and by key material) whose signature verifies;
 * unknown keyids are ignored, and so are keys of an unsupported type or
 * scheme. CN_EVERIFY with e.g.
 * "timestamp.json: 0 of 1 required signatures valid" when fewer than the
 * threshold verify. */
int cn_tuf_metadata_verify(const cn_tuf_metadata *md, const cn_tuf_metadata *root,
                           cn_tuf_role role);

/* 0 if md has not expired at now, CN_EVERIFY otherwise. */
int cn_tuf_metadata_check_expiry(const cn_tuf_metadata *md, time_t now);

/* ---------------------------------------------------------------------------
 * Repository writer (publisher side)
 * ------------------------------------------------------------------------- */

/* The keys of one role: borrowed pointers the caller keeps alive while a repo
 * uses them. Signing needs private keys; public-only keys suffice to open a
 * repository for reading. */
typedef struct {
    const cn_key *keys[CN_TUF_MAX_ROLE_KEYS];
    size_t nkeys;
    unsigned threshold; /* 1..nkeys */
} cn_tuf_role_keys;

typedef struct {
    cn_tuf_role_keys role[CN_TUF_ROLE_COUNT]; /* indexed by cn_tuf_role */
} cn_tuf_keys;

/* One key for every role, threshold 1 (DESIGN.md §5 default). */
void cn_tuf_keys_single(cn_tuf_keys *out, const cn_key *key);

typedef struct {
    unsigned int version;              /* CN_TUF_REPO_OPTIONS_VERSION */
    int64_t expiry[CN_TUF_ROLE_COUNT]; /* seconds from signing, by role */
    time_t now;                        /* 0: the real clock at each operation */
    size_t max_target_len;             /* cap for cn_tuf_repo_add_target_file */
    /* Layout 2 (docs/PROTOCOL.md §4.1): item targets ("items/<item>/…") in a
     * delegated role per item. A repository already in layout 2 stays in
     * it; one in layout 1 moves to it at its next commit when this is set. */
    int delegate_items;
    /* Layout 2 only: a file outside the published tree that keeps the
     * targets of older versions, which the item roles no longer list
     * (PROTOCOL §4.1: a role holds its item's newest version and withdrawn
     * versions' manifests). The repository still lists them (target_count,
     * get_target). NULL: the roles keep every version. */
    const char *history_path;
} cn_tuf_repo_options;

#define CN_TUF_REPO_OPTIONS_VERSION 1
#define CN_TUF_REPO_OPTIONS_INIT                                                                   \
    {                                                                                              \
        CN_TUF_REPO_OPTIONS_VERSION, {CN_TUF_YEAR, CN_TUF_YEAR, CN_TUF_YEAR, CN_TUF_DAY}, 0,       \
            ((size_t)4 << 30), 0, NULL                                                             \
    }

typedef struct cn_tuf_repo cn_tuf_repo;

/* Create a repository in public_dir (created if missing): writes
 * tuf/1.root.json listing keys' public halves per role, then an empty
 * tuf/1.targets.json, tuf/1.snapshot.json and tuf/timestamp.json signed with
 * keys (which must hold private keys). CN_EEXISTS if tuf/1.root.json exists.
 * opts may be NULL for the defaults. On success *out is the open repository. */
int cn_tuf_repo_init(cn_tuf_repo **out, const char *public_dir, const cn_tuf_keys *keys,
                     const cn_tuf_repo_options *opts);

/* Open an existing repository: the newest N.root.json, timestamp.json and the
 * snapshot and targets it names. keys may be NULL (read-only: operations that
 * sign fail with CN_EINVAL); otherwise each role's keys must be authorized
 * for that role by the current root (CN_EVERIFY otherwise). The root role
 * may list no key (root keys kept offline): the repository then signs
 * everything but a new root, and rotating or renewing fails with CN_EINVAL. */
int cn_tuf_repo_open(cn_tuf_repo **out, const char *public_dir, const cn_tuf_keys *keys,
                     const cn_tuf_repo_options *opts);
void cn_tuf_repo_free(cn_tuf_repo *repo);

/* Override the clock for following operations (0: real clock again). */
void cn_tuf_repo_set_now(cn_tuf_repo *repo, time_t now);

/* Add or replace a target in the pending targets metadata, and store data
 * atomically under its consistent name (targets/<dir>/<sha256>.<name>). custom
 * (an object, or NULL) is copied. Nothing is visible to clients until
 * cn_tuf_repo_commit. */
int cn_tuf_repo_add_target(cn_tuf_repo *repo, const char *target_path, const void *data, size_t len,
                           const json_t *custom);
/* Same, reading the content from src_path (at most opts->max_target_len bytes). */
int cn_tuf_repo_add_target_file(cn_tuf_repo *repo, const char *target_path, const char *src_path,
                                const json_t *custom);
/* Remove a target from the pending targets metadata (its file stays, as
 * older snapshots may name it). CN_ENOTFOUND if absent. */
int cn_tuf_repo_remove_target(cn_tuf_repo *repo, const char *target_path);

/* Publish: write N+1.targets.json, then M+1.snapshot.json, then
 * timestamp.json (version +1), each atomically and signed by its role's keys,
 * with expiries from the policy. In layout 2 (delegate_items) each item role
 * whose targets changed is written first (tuf/V+1.items.<item>.json), and
 * the top-level targets only when its own targets or the delegations
 * changed. */
int cn_tuf_repo_commit(cn_tuf_repo *repo);

/* For a long-running server: re-sign what expires within margin seconds.
 * If targets or snapshot expire within margin, this is a full commit;
 * otherwise if only the timestamp does, a new timestamp version is written.
 * *resigned (may be NULL) is set to 1 if anything was written, else 0. */
int cn_tuf_repo_resign_expiring(int *resigned, cn_tuf_repo *repo, int64_t margin);

/* For cn_tuf_repo_renew: a margin that leaves its role as it is. */
#define CN_TUF_NEVER ((int64_t)-1)

/* Renew what expires within margin[role] seconds (CN_TUF_NEVER: never), in
 * this order:
 *  1. root: tuf/(N+1).root.json with the same keys and thresholds and a new
 *     expiry, signed by the current root keys, which are its own too, as
 *     spec §5.3.4 asks. Its one atomic write is the commit point: before it
 *     root N is in force, after it root N+1, and the other metadata verify
 *     under either, so a crash anywhere leaves a consistent repository;
 *  2. targets and snapshot: a commit of the published targets (pending
 *     changes are kept for the caller's own commit), which writes a new
 *     timestamp too; otherwise
 *  3. the timestamp alone: a new version.
 * *renewed (may be NULL) gets a bit (1u << role) per role written, also when
 * a later step fails. Renewing the root needs the root keys (CN_EINVAL when
 * the repository was opened without them). */
int cn_tuf_repo_renew(unsigned *renewed, cn_tuf_repo *repo,
                      const int64_t margin[CN_TUF_ROLE_COUNT]);

/* Write tuf/(N+1).root.json in which `role` is given new_keys (public halves
 * are listed; threshold from new_keys), signed by the current root keys AND
 * (when role is root) by the new root keys, as spec §5.3.4 requires. The repo
 * then signs `role` with new_keys (borrowed as for open) and commits, so
 * clients find targets/snapshot/timestamp signed by the new keys. new_keys
 * NULL keeps every key and only renews the root's version and expiry. */
int cn_tuf_repo_rotate_keys(cn_tuf_repo *repo, cn_tuf_role role, const cn_tuf_role_keys *new_keys);

/* Current published (or, for targets, pending) state. */
uint64_t cn_tuf_repo_version(const cn_tuf_repo *repo, cn_tuf_role role);
/* The expiry of role's published metadata (0 if none). */
time_t cn_tuf_repo_expires(const cn_tuf_repo *repo, cn_tuf_role role);
size_t cn_tuf_repo_target_count(const cn_tuf_repo *repo);
/* The i-th target in path order (borrowed until the repo changes or is freed). */
const cn_tuf_target_info *cn_tuf_repo_target_at(const cn_tuf_repo *repo, size_t i);
/* Look a target up by path; CN_ENOTFOUND if absent. */
int cn_tuf_repo_get_target(const cn_tuf_target_info **out, const cn_tuf_repo *repo,
                           const char *target_path);
/* The bytes of the current root (borrowed). */
const unsigned char *cn_tuf_repo_root_bytes(const cn_tuf_repo *repo, size_t *len);
/* The node id: sha256 hex of tuf/1.root.json's bytes. */
int cn_tuf_repo_node_id(char out[CN_SHA256_HEX_LEN + 1], const cn_tuf_repo *repo);

/* ---------------------------------------------------------------------------
 * Client workflow (follower side), spec §5.3-§5.6
 * ------------------------------------------------------------------------- */

/* Fetch a repository file by its path relative to the repository base, e.g.
 * "tuf/2.root.json", "tuf/timestamp.json", "tuf/3.snapshot.json" or
 * "targets/items/x/1.0.0/<sha256>.manifest.json". Must fail with CN_ELIMIT
 * rather than return more than max_len bytes, and return CN_ENOTFOUND when the
 * file does not exist (this ends the root chain walk). On success *out is a
 * malloc'ed buffer the client frees. */
typedef int (*cn_tuf_fetch_fn)(void *ctx, const char *path, size_t max_len, unsigned char **out,
                               size_t *outlen);

/* A fetch callback reading files below a directory; ctx is the directory
 * (const char *). */
int cn_tuf_fetch_dir(void *ctx, const char *path, size_t max_len, unsigned char **out,
                     size_t *outlen);

typedef struct cn_tuf_client cn_tuf_client;

/* Start from trusted root bytes (e.g. the pinned 1.root.json or the newest
 * root persisted after a previous refresh). The root must verify with its own
 * keys. now is the time used for every expiry check. */
int cn_tuf_client_new(cn_tuf_client **out, const void *trusted_root, size_t len, time_t now);
void cn_tuf_client_free(cn_tuf_client *c);

/* Load previously trusted timestamp, snapshot or targets bytes (in that
 * order), for rollback protection and to avoid refetching unchanged files.
 * They must verify against the current trusted root (expiry is not checked):
 * CN_EVERIFY otherwise, and the client then simply does not use them. */
int cn_tuf_client_set_trusted(cn_tuf_client *c, cn_tuf_role role, const void *data, size_t len);

/* Told of one piece of metadata as soon as it verified (version, rollback,
 * hashes, signatures and expiry): role is "root" (once per new root
 * version, in order), "timestamp", "snapshot", "targets" or a delegated
 * role's name; data are the exact bytes served. A nonzero return ends the
 * refresh or search with that error. */
typedef int (*cn_tuf_persist_fn)(void *ctx, const char *role, const unsigned char *data,
                                 size_t len);

/* Call fn for each role as soon as it verifies during refresh,
 * find_target and load_delegations (NULL: no calls, the default). This is
 * the TUF conformance client's mode (spec §5.3.8, §5.4.5, §5.5.7, §5.6.6):
 * what verified stays trusted on disk even if a later step fails. The
 * client's own trusted state is still swapped all or nothing. */
void cn_tuf_client_set_persist(cn_tuf_client *c, cn_tuf_persist_fn fn, void *ctx);

/* The whole client workflow: update root (N+1.root.json until CN_ENOTFOUND,
 * each signed by the old and by its own root threshold, version N+1), check
 * root expiry, drop trusted timestamp/snapshot if their keys rotated, then
 * timestamp, snapshot and targets with every check of spec §5.4-§5.6.
 * Fails with CN_EVERIFY on any signature, version, rollback, hash, length or
 * expiry failure; on failure the previously trusted state is kept. */
int cn_tuf_client_refresh(cn_tuf_client *c, cn_tuf_fetch_fn fetch, void *ctx);

/* Check expiry (the default) or not. A client reading state it stored
 * itself (a mirror on disk, `verify --all`) turns the check off, so a peer
 * that went quiet stays readable; every signature, version, hash and length
 * is still checked. */
void cn_tuf_client_set_check_expiry(cn_tuf_client *c, int check);

/* Only the root part of the workflow (spec §5.3.3-§5.3.9): walk
 * N+1.root.json until CN_ENOTFOUND, each signed by a threshold of the old
 * and of its own root keys. Roots that verify are kept even if a later one
 * fails; trusted timestamp/snapshot/targets the newest root no longer signs
 * are dropped. Expiry is not checked here. */
int cn_tuf_client_update_root(cn_tuf_client *c, cn_tuf_fetch_fn fetch, void *ctx);

/* The version of the root the client was created with. */
uint64_t cn_tuf_client_first_root_version(const cn_tuf_client *c);

/* 1 if pub is a key the root of `version` (0: any root this client holds,
 * from the one it was created with to the newest) authorizes for role. */
int cn_tuf_client_root_has_key(const cn_tuf_client *c, uint64_t version, cn_tuf_role role,
                               const unsigned char pub[CN_ED25519_PUB_LEN]);

/* Version of the trusted metadata of role (0 if none). */
uint64_t cn_tuf_client_version(const cn_tuf_client *c, cn_tuf_role role);
/* The bytes of the trusted metadata of role, to persist after everything
 * they name is stored; CN_ENOTFOUND if none. Borrowed from c. */
int cn_tuf_client_metadata_bytes(const unsigned char **out, size_t *len, const cn_tuf_client *c,
                                 cn_tuf_role role);
/* Bytes of root version `version` if this client saw it (the initial trusted
 * root and every root fetched by refresh), for re-serving; CN_ENOTFOUND otherwise. */
int cn_tuf_client_root_bytes(const unsigned char **out, size_t *len, const cn_tuf_client *c,
                             uint64_t version);

/* Targets of the trusted targets metadata, in path order (borrowed from c,
 * valid until the next refresh or free): the top-level targets, and after
 * cn_tuf_client_load_delegations every target of every delegated role as
 * well, each path once (resolved as cn_tuf_client_find_target would). */
size_t cn_tuf_client_target_count(const cn_tuf_client *c);
const cn_tuf_target_info *cn_tuf_client_target_at(const cn_tuf_client *c, size_t i);
/* CN_ENOTFOUND if those targets do not list target_path (no role is
 * fetched here: cn_tuf_client_find_target searches and fetches). */
int cn_tuf_client_get_target_info(const cn_tuf_target_info **out, const cn_tuf_client *c,
                                  const char *target_path);

/* Fetch a target by its consistent name (<sha256>.<name>, or <sha512>.<name>
 * when only sha512 is signed; the plain path without consistent snapshots)
 * with max_len = its signed length and verify length and every sha256 and
 * sha512 signed (CN_EVERIFY naming the target otherwise). *out is malloc'ed,
 * caller frees. */
int cn_tuf_client_fetch_target(unsigned char **out, size_t *outlen, const cn_tuf_client *c,
                               const cn_tuf_target_info *info, cn_tuf_fetch_fn fetch, void *ctx);

/* ---- Delegated targets roles (spec §5.6.7) ---------------------------------
 *
 * A delegated role is fetched as tuf/<version>.<name>.json under consistent
 * snapshots (tuf/<name>.json otherwise; name percent-encoded,
 * cn_tuf_role_file_name), capped at the length the snapshot gives, checked
 * against its hashes, signed by a threshold of the keys its delegating role
 * gives it, of exactly the version the snapshot names, and not expired.
 * Trusted delegated roles belong to the trusted snapshot: a refresh that
 * changes anything forgets them, but keeps their bytes as candidates, so a
 * role whose version the new snapshot still names is not downloaded again.
 */

/* Offer stored bytes of delegated role name (e.g. what a previous run
 * persisted). Nothing is checked now: when the role is next needed, the bytes
 * are used instead of a download if they pass every check above, else they
 * are dropped and the role is downloaded. */
int cn_tuf_client_set_trusted_delegated(cn_tuf_client *c, const char *name, const void *data,
                                        size_t len);

/* Find target_path as spec §5.6.7 says: the top-level targets, then a
 * pre-order depth-first search of the delegations whose paths (shell-style
 * patterns matched per '/'-separated component) or path_hash_prefixes
 * (of the sha256 hex of the path) cover it, stopping below a terminating
 * delegation, visiting at most CN_TUF_MAX_DELEGATION_SEARCH roles and each
 * role once. Delegated roles are fetched as needed (see above). *out is
 * borrowed from c until the next refresh. CN_ENOTFOUND if no role reached
 * lists the path; CN_EVERIFY (and the like) if a role on the way fails. */
int cn_tuf_client_find_target(const cn_tuf_target_info **out, cn_tuf_client *c,
                              const char *target_path, cn_tuf_fetch_fn fetch, void *ctx);

/* Listing mode: fetch every delegated role reachable from the top-level
 * targets (depth first, in delegation order, each name once, whatever its
 * paths; at most CN_TUF_MAX_DELEGATED_ROLES), reusing candidates that still
 * verify. Fails on the first role that does not verify, including a role a
 * second delegator names with keys that do not sign it. Roles are told to
 * the persist hook as they are fetched. */
int cn_tuf_client_load_delegations(cn_tuf_client *c, cn_tuf_fetch_fn fetch, void *ctx);

/* The delegated roles trusted now (loaded by find_target or
 * load_delegations), in the order they were loaded. */
size_t cn_tuf_client_delegated_count(const cn_tuf_client *c);
/* The name of the i-th delegated role (borrowed), NULL past the end. */
const char *cn_tuf_client_delegated_at(const cn_tuf_client *c, size_t i);
/* The version of the i-th delegated role (0 past the end). */
uint64_t cn_tuf_client_delegated_version(const cn_tuf_client *c, size_t i);
/* The exact bytes of the i-th delegated role, to persist (borrowed);
 * CN_ENOTFOUND past the end. */
int cn_tuf_client_delegated_bytes(const unsigned char **out, size_t *len, const cn_tuf_client *c,
                                  size_t i);
/* The targets of the i-th delegated role that its delegation chain covers
 * (each delegation's paths or path_hash_prefixes from the top-level targets
 * down), in path order; a target a role lists outside what it was delegated
 * is left out. A path two roles list resolves as cn_tuf_client_find_target
 * says. Borrowed from c until the next refresh. */
size_t cn_tuf_client_delegated_target_count(const cn_tuf_client *c, size_t i);
const cn_tuf_target_info *cn_tuf_client_delegated_target_at(const cn_tuf_client *c, size_t i,
                                                            size_t j);

/* Check every file below targets_dir (a tree's targets/ directory): each must
 * be a regular file named <sha256>.<name> whose content hashes to that
 * sha256 (read up to max_file bytes). Symlinks and other special files are
 * refused; a temporary file a killed writer left (cn_file_is_stale_name) is
 * skipped. CN_EVERIFY naming the first bad file; a missing directory is no
 * error (nothing published yet). */
int cn_tuf_verify_target_files(const char *targets_dir, size_t max_file);

/* cn_tuf_verify_target_files, reporting through progress (may be NULL)
 * under phase the bytes hashed so far of the files' total size (a first walk
 * adds it up; the phase ends with the check). */
int cn_tuf_verify_target_files_reporting(const char *targets_dir, size_t max_file,
                                         const cn_progress *progress, const char *phase);

/* Offline check of a whole public/ tree (`citynode verify --all`): run the
 * client workflow from tuf/1.root.json reading files from public_dir, every
 * delegated role included, then check every target file's length and
 * sha256. CN_EVERIFY naming the first
 * bad file otherwise. */
int cn_tuf_verify_dir(const char *public_dir, time_t now);

#endif
