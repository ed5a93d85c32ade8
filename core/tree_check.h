/*
 * tree_check.h - the names, modes and shapes a git tree may have before
 * citynode signs it, mirrors it, checks it out or puts it into a ZIP.
 *
 * A tree is data from its publisher; a checkout or an archive of it writes
 * files where its names say. The rules follow git's fsck (fsck.c
 * fsck_tree, path.c is_hfs_dotgit/is_ntfs_dotgit), stricter where a
 * repository's bytes leave git:
 *
 *   - a name is not empty, ".", "..", and holds no '/' or NUL;
 *   - a name is not ".git" in any case, nor a name a file system maps to
 *     it: HFS+ ignores the zero-width and direction code points (U+200C-F,
 *     U+202A-E, U+206A-F, U+FEFF) anywhere in a name, NTFS drops trailing
 *     dots and spaces, reads "GIT~1" as the short name of ".git" and
 *     "name:stream" as name; every '\\'-separated part of a name is held to
 *     the same rules (Windows reads '\\' as a separator, so "..\\x" and
 *     ".git\\hooks" are refused too);
 *   - ".gitmodules" is not a symbolic link (git's gitmodulesSymlink);
 *   - a mode is one git writes: 040000, 100644, 100755, 120000, 160000
 *     (a gitlink: a submodule's commit, not in this repository), or the
 *     100664 of old gits;
 *   - a tree names no entry twice, so no path is both a file and a
 *     directory;
 *   - trees nest at most CN_TREE_MAX_DEPTH deep.
 *
 * Gitlinks are legitimate: their names are checked, their commits are not
 * looked for.
 *
 * For the ZIP writer and anything else that has a full path in hand,
 * cn_tree_check_path applies the name rules to every '/'-separated part.
 */
#ifndef CN_TREE_CHECK_H
#define CN_TREE_CHECK_H

#include <git2.h>
#include <stddef.h>

#define CN_TREE_MAX_DEPTH 256
#define CN_TREE_MAX_PATH  4096

/* One entry's name (len bytes, any bytes at all) with its mode (as the tree
 * stores it, e.g. 0100644). 0, or CN_EINVAL with a message naming the name
 * (non-printable bytes as \xNN) and what is wrong. */
int cn_tree_check_name(const char *name, size_t len, unsigned int mode);

/* A relative path as an archive or a checkout writes it: '/'-separated
 * parts, none empty (so no leading or trailing '/', no "//"), each passing
 * cn_tree_check_name's name rules; at most CN_TREE_MAX_PATH bytes. 0 or
 * CN_EINVAL naming the path. */
int cn_tree_check_path(const char *path, size_t len);

/* A tree object's raw bytes ("<octal mode> <name>\0<20-byte id>" entries):
 * every entry well-formed and passing cn_tree_check_name, no name twice.
 * Untrusted input of any length; reads only len bytes. 0 or CN_EINVAL. */
int cn_tree_check_raw(const void *data, size_t len);

typedef struct cn_tree_walk cn_tree_walk;

/* A walker over repo's trees that checks each tree object once however
 * many commits share it. */
int cn_tree_walk_new(cn_tree_walk **out, git_repository *repo);

/* Check the tree tree_id and every tree below it that this walker has not
 * checked yet: cn_tree_check_raw on each, depth, and that every entry but a
 * gitlink is in repo's object database (the connectivity a pack's indexer
 * would check, without demanding submodules' commits). CN_EINVAL naming the
 * full path of the first hostile entry ("a/b/.git: ..."), CN_EVERIFY naming
 * a missing object and its path, CN_ERROR/CN_ENOMEM when reading fails. */
int cn_tree_walk_check(cn_tree_walk *walk, const git_oid *tree_id);

/* Every commit revwalk yields (the caller pushes and hides) is parsed and
 * its tree checked with cn_tree_walk_check; the message of a failure names
 * the commit. CN_EVERIFY when a commit is missing or malformed. */
int cn_tree_walk_history(cn_tree_walk *walk, git_revwalk *revwalk);

/* What a walker tells of each object it passes: each tree once, when it
 * has been read and passed cn_tree_check_raw, and every blob entry (a
 * symbolic link's too) of such a tree, so a blob many trees share comes
 * many times. Returns 1 when the object is present, 0 when it is missing
 * (the walk then fails with CN_EVERIFY naming its path) or a negative
 * error code, which ends the walk with that error. */
typedef int (*cn_tree_walk_visit_fn)(void *payload, const git_oid *id, git_object_t type);

/* Tell fn (with payload) of every object the walk passes from now on. With
 * a visitor, the presence and type of blobs are the visitor's to check: the
 * walker no longer looks them up (what a caller that finds every object in
 * a pack index anyway would do twice). */
void cn_tree_walk_set_visitor(cn_tree_walk *walk, cn_tree_walk_visit_fn fn, void *payload);

/* The commits reachable from tip and not from hide (NULL: all of them)
 * checked in repo as cn_tree_walk_history does: what a publisher calls
 * before it signs. */
int cn_tree_check_history(git_repository *repo, const git_oid *tip, const git_oid *hide);

void cn_tree_walk_free(cn_tree_walk *walk);

#endif
