/*
 * mirror.h - reading what a follower stored of a peer: the trusted metadata
 * and target files under <mirrors_dir>/<node id>/ (the layout of
 * docs/PROTOCOL.md §2, re-served byte-identically) and the mirrored bare
 * repositories under <repos_dir>/<node id>/.
 */
#ifndef CN_MIRROR_H
#define CN_MIRROR_H

#include "core/tuf.h"

#include <git2.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* The largest target file a follower accepts (4 GiB): sync refuses a longer
 * signed length before fetching anything, verify --all a longer stored file. */
#define CN_MIRROR_TARGET_FILE_MAX ((uint64_t)4 << 30)

/* A TUF client holding the peer's trusted state as stored: the pinned
 * 1.root.json, the newest stored root, timestamp.json and the snapshot and
 * targets it names. Signatures and hashes are checked; expiry is not (a
 * stored mirror stays readable when its peer goes quiet). CN_ENOTFOUND if
 * node_id is not mirrored here. */
int cn_mirror_load(cn_tuf_client **out, const char *mirrors_dir, const char *node_id);

/* Path of the stored file of a target (heap string); CN_ENOTFOUND if this
 * mirror does not hold it (an `index` peer's bundles). */
int cn_mirror_target_path(char **out, const char *mirrors_dir, const char *node_id,
                          const cn_tuf_target_info *info);

/* Read a stored target checked against its signed length and sha256
 * (CN_EVERIFY naming the file otherwise). */
int cn_mirror_read_target(unsigned char **out, size_t *len, const char *mirrors_dir,
                          const char *node_id, const cn_tuf_client *trusted,
                          const char *target_path);

/* cn_mirror_read_target of a target whose signed length and sha256 the
 * caller holds (info->path only names it in messages). */
int cn_mirror_read_target_info(unsigned char **out, size_t *len, const char *mirrors_dir,
                               const char *node_id, const cn_tuf_target_info *info);

/* cn_mirror_read_target for a document that must not exceed max bytes: a
 * target signed as longer is refused before a byte of it is read
 * (CN_ELIMIT naming the target and max); a signed peer may list files of
 * up to CN_MIRROR_TARGET_FILE_MAX. */
int cn_mirror_read_target_capped(unsigned char **out, size_t *len, const char *mirrors_dir,
                                 const char *node_id, const cn_tuf_client *trusted,
                                 const char *target_path, size_t max);

/* `citynode verify --all` for one peer: the metadata chain from the pinned
 * root, every trusted target's custom against its path
 * (cn_mirror_check_custom), every stored target file's length and hash, and
 * in each mirrored repository every tag: the ones the trusted targets name
 * by object id, commit and an SSHSIG by a key some root of the chain
 * authorized for targets, the others (moved by a sync killed before its
 * metadata) by that SSHSIG; refs/heads/main, when there, at the commit of
 * one of those tags (it lags behind the newest after such a kill). A
 * repository whose creation was killed (cn_mirror_repo_unborn) is skipped.
 * CN_EVERIFY naming the first bad file or tag. The hashing of the target
 * files is reported through progress (may be NULL) as CN_MIRROR_PHASE_FILES,
 * counted in bytes. */
int cn_mirror_verify(const char *mirrors_dir, const char *repos_dir, const char *node_id,
                     const cn_progress *progress);

#define CN_MIRROR_PHASE_FILES "Verifying mirror files"

/* Node ids with a mirror directory here (heap array of heap strings, free
 * each and the array). */
int cn_mirror_list(char ***out, size_t *n, const char *mirrors_dir);

/* The starting point of a refresh (what sync uses): a client from the pinned
 * 1.root.json, the stored root chain walked, and the stored timestamp,
 * snapshot and targets set as trusted when they verify under the newest
 * stored root (a sync killed between writing a new root and its timestamp
 * leaves them unverifiable: they are then simply not used). now is for the
 * client's later refresh. CN_ENOTFOUND if the peer has no pinned root here. */
int cn_mirror_load_for_update(cn_tuf_client **out, const char *mirrors_dir, const char *node_id,
                              time_t now);

/* The signed custom data of item@version: of its manifest target, else of
 * its full bundle. CN_ENOTFOUND if the trusted targets do not list it. */
int cn_mirror_item_custom(const json_t **out, const cn_tuf_client *trusted, const char *item,
                          const char *version);

/* Check the annotated tag tag_oid in repo as an older version `version`
 * that the signed targets no longer list (layout 2, PROTOCOL §4.1): its
 * name is v<version> and its SSHSIG (namespace git) is by a key that some
 * root the client holds authorizes for the targets role. CN_EVERIFY naming
 * what failed. */
int cn_mirror_check_history_tag(git_repository *repo, const cn_tuf_client *trusted,
                                const char *version, const git_oid *tag_oid);

/* A version of item that left the signed targets (layout 2, PROTOCOL §4.1,
 * Older versions) as the mirror repository <repos_dir>/<node_id>/<item>.git
 * proves it: refs/tags/v<version> is a tag cn_mirror_check_history_tag
 * accepts. commit and tag (41 bytes each) get its ids in hex; *manifest, when
 * manifest is not NULL, the tag message without its final newline (the
 * version's manifest.json, byte for byte, §7; the caller frees it).
 * CN_ENOTFOUND when the repository holds no such tag, CN_EVERIFY when it
 * holds one that does not verify. */
int cn_mirror_history_version(char commit[41], char tag[41], unsigned char **manifest,
                              size_t *manifest_len, const char *repos_dir, const char *node_id,
                              const cn_tuf_client *trusted, const char *item, const char *version);

/* The versions of item the mirror repository holds as version tags whose
 * manifest the signed targets do not list (older versions, and those a
 * checkpoint lists by their bundles alone), each checked as
 * cn_mirror_history_version checks it, ascending by semver: *out is a new
 * array of {"version", "commit", "tag"} (with "manifest", the parsed tag
 * message, when with_manifest), empty when there is no repository. The
 * repository is opened once. A tag that does not verify, or whose message
 * is not a JSON object, is left out (`citynode verify` names it). */
int cn_mirror_history_versions(json_t **out, const char *repos_dir, const char *node_id,
                               const cn_tuf_client *trusted, const char *item, int with_manifest);

/* Check the annotated tag tag_oid in repo as version `version` of item:
 * it is the object custom.tag, it points at custom.commit, and its SSHSIG
 * (namespace git) is by a key that some root the client holds authorizes
 * for the targets role. CN_EVERIFY naming what failed. */
int cn_mirror_check_tag(git_repository *repo, const cn_tuf_client *trusted, const char *item,
                        const char *version, const git_oid *tag_oid);

/* Check a target's custom data against its path (PROTOCOL §5, §10, §11):
 * items/<item>/<version>/<file> must say kind solution|dataset|strategy,
 * that item, that version, file manifest|full|delta, commit and tag as 40
 * hex, previous (an earlier semver) with previous_commit or neither;
 * node.json, peers.json and network.json their kind; attestations/<name>.json
 * kind attestation with a type; any other path no kind of those. CN_EVERIFY
 * naming the target otherwise. */
int cn_mirror_check_custom(const cn_tuf_target_info *t);

/* 1 if path is a directory left by a repository creation that was killed:
 * no HEAD, no packed-refs, no ref (only, perhaps, lock files). Nothing in it
 * is referenced, so sync may remove it and verify skips it. */
int cn_mirror_repo_unborn(const char *path);

#endif
