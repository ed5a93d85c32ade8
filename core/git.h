/*
 * git.h - the git operations publishing needs, over libgit2.
 */
#ifndef CN_GIT_H
#define CN_GIT_H

#include "core/key.h"
#include "core/pack_plan.h"
#include "core/progress.h"

#include <git2.h>

/* Call once per process before any other cn_git or cn_bundle call
 * (git_libgit2_init plus citynode's settings); safe to call repeatedly. */
int cn_git_init(void);

/* Open or create a bare repository at path. */
int cn_git_open_bare(git_repository **out, const char *path);

/* Copy into repo the history of commit, which the (non-bare or bare)
 * repository at src_path holds, by reusing its packed objects
 * (core/pack_plan.h): one new pack with what repo lacks. Every tree read is
 * checked by core/tree_check.h's rules first (CN_EINVAL naming src_path,
 * the commit and the path); CN_EUNSUPPORTED for a shallow repository.
 * Reports "Counting objects" and "Writing objects" through progress (may
 * be NULL). Refs are not touched. When history is not NULL and the import
 * counted and copied commit's whole history (repo held none of it),
 * *history receives that count, located in repo, for cn_bundle_write's
 * full bundle (the caller frees it); else NULL. */
int cn_git_import(git_repository *repo, const char *src_path, const git_oid *commit,
                  const cn_progress *progress, cn_pack_plan **history);

/* Copy into repo, which holds none of it, the history of the commits tips
 * and the annotated tag objects tags (ntags of them), all of which src
 * holds: one pack written by reuse, as cn_git_import does. Refs are not
 * touched. */
int cn_git_copy_history(git_repository *repo, git_repository *src, const git_oid *tips,
                        size_t ntips, const git_oid *tags, size_t ntags,
                        const cn_progress *progress);

/* The tracked paths of the (non-bare) repository at path whose index or
 * working-tree copy differs from HEAD (modified, added, deleted, renamed,
 * type changed), sorted; untracked and ignored files and submodules are not
 * looked at. A bare repository has none. *head gets HEAD's commit. Free out
 * with git_strarray_dispose. CN_EINVAL if HEAD names no commit. */
int cn_git_uncommitted_paths(git_strarray *out, git_oid *head, const char *path);

/* The content of the file at path (relative to the root, '/'-separated) in
 * the tree of commit, at most max bytes, as a NUL-terminated heap buffer.
 * CN_ENOTFOUND if the tree has no such file, CN_ELIMIT if it is larger. */
int cn_git_read_commit_file(unsigned char **out, size_t *len, git_repository *repo,
                            const git_oid *commit, const char *path, size_t max);

/* Commit the files under dir (recursively; .git skipped; executable bit and
 * symlinks kept, other special files refused) as a new commit whose parent is
 * parent (NULL for a root commit). Files are read with a per-file cap. */
int cn_git_snapshot_dir(git_oid *out, git_repository *repo, const char *dir, const git_oid *parent,
                        const git_signature *author, const char *message);

/* cn_git_snapshot_dir reporting the files added so far through progress
 * (may be NULL) as the phase CN_GIT_PHASE_SNAPSHOT, its total not known. */
#define CN_GIT_PHASE_SNAPSHOT "Adding files"
int cn_git_snapshot_dir_progress(git_oid *out, git_repository *repo, const char *dir,
                                 const git_oid *parent, const git_signature *author,
                                 const char *message, const cn_progress *progress);

/* Create the annotated tag refs/tags/<name> on commit, signed in SSHSIG
 * format (namespace "git") with key, so stock `git verify-tag` accepts it.
 * Fails with CN_EEXISTS if the tag exists. */
int cn_git_tag_signed(git_oid *out, git_repository *repo, const char *name, const git_oid *commit,
                      const git_signature *tagger, const char *message, const cn_key *key);

/* Verify the SSHSIG on the annotated tag tag_oid: on success, signer gets the
 * signing public key and *target the commit the tag points at. CN_EVERIFY if
 * the tag has no valid signature. */
int cn_git_tag_verify(unsigned char signer[CN_ED25519_PUB_LEN], git_oid *target,
                      git_repository *repo, const git_oid *tag_oid);

/* The message of the annotated tag tag_oid as its object holds it, without
 * the signature block that follows: *out (malloc'ed, caller frees) and
 * *len. A message cn_git_tag_signed was given without a final newline
 * ends with one added. The signature is not checked here
 * (cn_git_tag_verify). CN_EINVAL if tag_oid is not a tag. */
int cn_git_tag_message(unsigned char **out, size_t *len, git_repository *repo,
                       const git_oid *tag_oid);

/* The directory new packs of repo go into (<objects>/pack), heap-allocated. */
int cn_git_pack_dir(char **out, git_repository *repo);

/* The names of the packs in pack_dir ("pack-<hash>.pack"), sorted: *out
 * (free with cn_git_pack_names_free) and *n; none when pack_dir does not
 * exist. */
int cn_git_pack_names(char ***out, size_t *n, const char *pack_dir);
void cn_git_pack_names_free(char **names, size_t n);

/* Write info/refs and objects/info/packs as `git update-server-info` does, so
 * the repository can be cloned over git's dumb HTTP protocol by a static file
 * server. Call after every change of refs or packs; each file is replaced
 * atomically. */
int cn_git_update_server_info(git_repository *repo);

/* Is ancestor an ancestor of (or equal to) descendant? 1 yes, 0 no, <0 error. */
int cn_git_is_ancestor(git_repository *repo, const git_oid *ancestor, const git_oid *descendant);

/* Set the error message from libgit2's last error, prefixed, and return code. */
int cn_git_error(int code, const char *what);

#endif
