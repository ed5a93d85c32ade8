/*
 * file.c - atomic writes, bounded reads, directory helpers.
 */
#include "core/file.h"
#include "core/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes a streamed copy moves per read. */
#define COPY_CHUNK (256 * 1024)

char *cn_path_join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *p = malloc(la + lb + 2);

    if (p == NULL)
        return NULL;
    memcpy(p, a, la);
    if (la && a[la - 1] != '/')
        p[la++] = '/';
    memcpy(p + la, b, lb + 1);
    return p;
}

int cn_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0)
        return cn_error_set(CN_ERROR, "%s: %s", dir, strerror(errno));
    if (fsync(fd) != 0 && errno != EINVAL) {
        int e = errno;
        close(fd);
        return cn_error_set(CN_ERROR, "fsync %s: %s", dir, strerror(e));
    }
    close(fd);
    return 0;
}

void cn_path_dir(char *dir, size_t size, const char *path)
{
    char *slash;

    snprintf(dir, size, "%s", path);
    slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(dir, size, ".");
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int cn_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
    char tmp[PATH_MAX], dir[PATH_MAX];
    int fd = -1, err = CN_ERROR;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
        return cn_error_set(CN_EINVAL, "path too long: %s", path);
    if ((fd = mkstemp(tmp)) < 0)
        return cn_error_set(CN_ERROR, "cannot create temporary file for %s: %s", path,
                            strerror(errno));
    if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        cn_error_set(CN_ERROR, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        cn_error_set(CN_ERROR, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        cn_error_set(CN_ERROR, "cannot rename into %s: %s", path, strerror(errno));
        goto out;
    }
    cn_path_dir(dir, sizeof(dir), path);
    return cn_fsync_dir(dir);
out:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return err;
}

int cn_file_read(unsigned char **out, size_t *outlen, const char *path, size_t max)
{
    struct stat st;
    unsigned char *data = NULL;
    size_t got = 0;
    int fd, err = CN_ERROR;

    *out = NULL;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        if (errno == ENOENT)
            return cn_error_set(CN_ENOTFOUND, "%s: no such file", path);
        return cn_error_set(CN_ERROR, "%s: %s", path, strerror(errno));
    }
    if (fstat(fd, &st) != 0) {
        cn_error_set(CN_ERROR, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        err = cn_error_set(CN_EINVAL, "%s: not a regular file", path);
        goto out;
    }
    if ((size_t)st.st_size > max) {
        err = cn_error_set(CN_ELIMIT, "%s: %lld bytes exceeds the limit of %zu", path,
                           (long long)st.st_size, max);
        goto out;
    }
    if ((data = malloc((size_t)st.st_size + 1)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory reading %s", path);
        goto out;
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, data + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            cn_error_set(CN_ERROR, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    data[got] = '\0';
    *out = data;
    data = NULL;
    if (outlen)
        *outlen = got;
    err = 0;
out:
    free(data);
    close(fd);
    return err;
}

int cn_mkdir_p(const char *path, mode_t mode)
{
    char buf[PATH_MAX];
    size_t i, len = strlen(path);

    if (len == 0 || len >= sizeof(buf))
        return cn_error_set(CN_EINVAL, "bad directory path");
    memcpy(buf, path, len + 1);
    for (i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        buf[i] = '\0';
        if (mkdir(buf, mode) != 0 && errno != EEXIST)
            return cn_error_set(CN_ERROR, "cannot create directory %s: %s", buf, strerror(errno));
        if (i < len)
            buf[i] = '/';
    }
    if (!cn_dir_exists(path))
        return cn_error_set(CN_ERROR, "%s exists and is not a directory", path);
    return 0;
}

int cn_rmtree(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *e;
    int err = 0;

    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : cn_error_set(CN_ERROR, "%s: %s", path, strerror(errno));
    if (!S_ISDIR(st.st_mode)) {
        if (unlink(path) != 0)
            return cn_error_set(CN_ERROR, "cannot remove %s: %s", path, strerror(errno));
        return 0;
    }
    if ((d = opendir(path)) == NULL)
        return cn_error_set(CN_ERROR, "%s: %s", path, strerror(errno));
    while (err == 0 && (e = readdir(d)) != NULL) {
        char *child;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if ((child = cn_path_join(path, e->d_name)) == NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            break;
        }
        err = cn_rmtree(child);
        free(child);
    }
    closedir(d);
    if (err == 0 && rmdir(path) != 0)
        err = cn_error_set(CN_ERROR, "cannot remove %s: %s", path, strerror(errno));
    return err;
}

int cn_file_copy(const char *from, const char *to, size_t max, mode_t mode)
{
    char tmp[PATH_MAX], dir[PATH_MAX];
    unsigned char *chunk = NULL;
    size_t total = 0;
    ssize_t n;
    int in = -1, out = -1, err = CN_ERROR;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", to) >= (int)sizeof(tmp))
        return cn_error_set(CN_EINVAL, "path too long: %s", to);
    if ((in = open(from, O_RDONLY | O_CLOEXEC)) < 0)
        return cn_error_set(errno == ENOENT ? CN_ENOTFOUND : CN_ERROR, "%s: %s", from,
                            strerror(errno));
    if ((chunk = malloc(COPY_CHUNK)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((out = mkstemp(tmp)) < 0) {
        tmp[0] = '\0';
        cn_error_set(CN_ERROR, "cannot create temporary file for %s: %s", to, strerror(errno));
        goto out;
    }
    while ((n = read(in, chunk, COPY_CHUNK)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            cn_error_set(CN_ERROR, "%s: %s", from, strerror(errno));
            goto out;
        }
        if ((total += (size_t)n) > max) {
            err = cn_error_set(CN_ELIMIT, "%s is larger than %zu bytes", from, max);
            goto out;
        }
        if (write_all(out, chunk, (size_t)n) != 0) {
            cn_error_set(CN_ERROR, "cannot write %s: %s", to, strerror(errno));
            goto out;
        }
    }
    if (fchmod(out, mode) != 0 || fsync(out) != 0 || close(out) != 0) {
        out = -1;
        cn_error_set(CN_ERROR, "cannot write %s: %s", to, strerror(errno));
        goto out;
    }
    out = -1;
    if (rename(tmp, to) != 0) {
        cn_error_set(CN_ERROR, "cannot rename into %s: %s", to, strerror(errno));
        goto out;
    }
    tmp[0] = '\0';
    cn_path_dir(dir, sizeof(dir), to);
    err = cn_fsync_dir(dir);
out:
    if (out >= 0)
        close(out);
    if (tmp[0] != '\0')
        unlink(tmp);
    close(in);
    free(chunk);
    return err;
}

int cn_file_link_or_copy(const char *from, const char *to, size_t max)
{
    char dir[PATH_MAX];

    if (link(from, to) == 0) {
        cn_path_dir(dir, sizeof(dir), to);
        return cn_fsync_dir(dir);
    }
    if (errno == EEXIST)
        return cn_error_set(CN_EEXISTS, "%s exists", to);
    return cn_file_copy(from, to, max, 0644);
}

int cn_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int cn_dir_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int cn_file_is_stale_name(const char *name)
{
    static const char *const prefixes[] = {"tmp_pack_", "tmp_idx_", "tmp_rev_", "tmp_obj_"};
    size_t n = strlen(name), i;
    const char *g;

    if (n > 5 && strcmp(name + n - 5, ".lock") == 0)
        return 1;
    for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
        if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    if ((g = strstr(name, "_git2_")) != NULL && strlen(g + 6) == 6)
        return 1; /* libgit2's git_futils_mktmp */
    if ((g = strstr(name, ".tmp.")) != NULL && strlen(g + 5) == 6)
        return 1;
    return 0;
}

static int remove_stale(const char *dir, int depth)
{
    struct dirent *e;
    DIR *d;
    int err = 0;

    if ((d = opendir(dir)) == NULL)
        return 0;
    while (err == 0 && (e = readdir(d)) != NULL) {
        struct stat st;
        char *path;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if ((path = cn_path_join(dir, e->d_name)) == NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            break;
        }
        if (lstat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode) && depth < 8)
                err = remove_stale(path, depth + 1);
            else if (S_ISREG(st.st_mode) && cn_file_is_stale_name(e->d_name) && unlink(path) != 0 &&
                     errno != ENOENT)
                err =
                    cn_error_set(CN_ERROR, "cannot remove the stale %s: %s", path, strerror(errno));
        }
        free(path);
    }
    closedir(d);
    return err;
}

int cn_file_remove_stale(const char *dir)
{
    return remove_stale(dir, 0);
}
