/*
 * file.h - crash-safe file writes and bounded file reads.
 *
 * cn_file_write_atomic writes to a temporary file in the same directory,
 * fsyncs it, renames it over the target and fsyncs the directory: a reader
 * sees the old content or the new, never a mix, even after a crash.
 */
#ifndef CN_FILE_H
#define CN_FILE_H

#include <stddef.h>
#include <sys/types.h>

int cn_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* Read a whole file into a NUL-terminated heap buffer (caller frees).
 * Fails with CN_ELIMIT if the file is larger than max bytes, CN_ENOTFOUND if
 * it does not exist. */
int cn_file_read(unsigned char **out, size_t *outlen, const char *path, size_t max);

/* mkdir -p with the given mode for each created directory. */
int cn_mkdir_p(const char *path, mode_t mode);

/* Remove a directory tree (like rm -rf); a missing path is not an error. */
int cn_rmtree(const char *path);

/* Copy a file atomically, streaming (a temporary file next to to, synced,
 * renamed into place, the directory synced). CN_ELIMIT when from is larger
 * than max bytes, CN_ENOTFOUND when it does not exist; to is untouched on
 * failure. */
int cn_file_copy(const char *from, const char *to, size_t max, mode_t mode);

/* Make to (which must not exist) another name of from's content: a hard
 * link when both are on one file system (from must not change afterwards),
 * else cn_file_copy with mode 0644. The directory is synced. */
int cn_file_link_or_copy(const char *from, const char *to, size_t max);

int cn_file_exists(const char *path);
int cn_dir_exists(const char *path);

/* fsync a directory so a rename inside it is durable. */
int cn_fsync_dir(const char *dir);

/* The directory part of path into dir (size bytes): "." for a bare name,
 * "/" for a name in the root. */
void cn_path_dir(char *dir, size_t size, const char *path);

/* Is name what libgit2, git or citynode leaves behind when killed mid-write:
 * *.lock, git's and libgit2's temporary pack and object files (tmp_pack_*,
 * tmp_idx_*, tmp_rev_*, tmp_obj_*, *_git2_XXXXXX), or cn_file_write_atomic's
 * <name>.tmp.XXXXXX? */
int cn_file_is_stale_name(const char *name);

/* Remove every regular file with such a name below dir (at most 8 levels
 * deep). Only for a directory no other writer uses at the time (the node
 * lock held): a live writer's lock or temporary file would go too. A
 * missing dir is not an error. */
int cn_file_remove_stale(const char *dir);

/* Heap-allocated "a/b" (a and b joined with one '/'); NULL on OOM. */
char *cn_path_join(const char *a, const char *b);

#endif
