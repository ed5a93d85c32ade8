/*
 * home.c - node directory layout and lock.
 */
#include "node/home.h"
#include "core/error.h"
#include "core/file.h"
#include "core/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define CN_ROOT_MAX (64 * 1024)

int cn_home_resolve(char **out, const char *flag)
{
    const char *env = getenv("CITYNODE_HOME"), *home;

    if (flag && *flag)
        *out = strdup(flag);
    else if (env && *env)
        *out = strdup(env);
    else if ((home = getenv("HOME")) && *home)
        *out = cn_path_join(home, ".local/share/citynode");
    else
        return cn_error_set(CN_EUSAGE, "no node directory: pass --home DIR or set CITYNODE_HOME");
    return *out ? 0 : cn_error_set(CN_ENOMEM, "out of memory");
}

int cn_home_node_id_of_root(char out[CN_NODE_ID_HEX + 1], const char *root_json_path)
{
    return cn_sha256_file_hex(out, NULL, root_json_path, CN_ROOT_MAX);
}

static int take_lock(cn_home *home, int wait)
{
    unsigned tries = wait ? CN_HOME_LOCK_WAIT_S * 10 : 0;
    char *path = cn_path_join(home->root, "lock");
    int fd;

    if (path == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    free(path);
    if (fd < 0)
        return cn_error_set(CN_ERROR, "%s/lock: %s", home->root, strerror(errno));
    /* Poll rather than block: a plain blocking flock could wait forever on a
     * stuck holder, and the caller deserves a clear message instead. */
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK || tries-- == 0) {
            close(fd);
            return cn_error_set(CN_ELOCKED,
                                "%s is in use by another citynode process (serve or sync); "
                                "try again when it has finished",
                                home->root);
        }
        usleep(100 * 1000);
    }
    home->lock_fd = fd;
    return 0;
}

int cn_home_open(cn_home **out, const char *root, int flags)
{
    cn_home *h = calloc(1, sizeof(*h));
    char *root_json = NULL;
    int err = CN_ENOMEM;

    *out = NULL;
    if (h == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    h->lock_fd = -1;
    if ((h->root = strdup(root)) == NULL ||
        (h->config_path = cn_path_join(root, "config.yml")) == NULL ||
        (h->keys_dir = cn_path_join(root, "keys")) == NULL ||
        (h->public_dir = cn_path_join(root, "public")) == NULL ||
        (h->repos_dir = cn_path_join(root, "repos")) == NULL ||
        (h->mirrors_dir = cn_path_join(root, "mirrors")) == NULL ||
        (h->tmp_dir = cn_path_join(root, "tmp")) == NULL ||
        (root_json = cn_path_join(h->public_dir, "tuf/1.root.json")) == NULL) {
        cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if (flags & CN_HOME_CREATE) {
        if ((err = cn_mkdir_p(root, 0755)) != 0 || (err = cn_mkdir_p(h->keys_dir, 0700)) != 0 ||
            (err = cn_mkdir_p(h->public_dir, 0755)) != 0 ||
            (err = cn_mkdir_p(h->repos_dir, 0755)) != 0 ||
            (err = cn_mkdir_p(h->mirrors_dir, 0755)) != 0 ||
            (err = cn_mkdir_p(h->tmp_dir, 0700)) != 0)
            goto out;
    } else if (!cn_dir_exists(root)) {
        err = cn_error_set(CN_ENOTFOUND, "%s: no node here; create one with 'citynode init'", root);
        goto out;
    }
    if ((flags & CN_HOME_LOCK) && (err = take_lock(h, flags & CN_HOME_WAIT)) != 0)
        goto out;
    if (cn_file_exists(root_json)) {
        if ((err = cn_home_node_id_of_root(h->node_id, root_json)) != 0)
            goto out;
    } else if (flags & CN_HOME_MUST_EXIST) {
        err = cn_error_set(CN_ENOTFOUND, "%s: no node here; create one with 'citynode init'", root);
        goto out;
    }
    *out = h;
    h = NULL;
    err = 0;
out:
    free(root_json);
    cn_home_free(h);
    return err;
}

char *cn_home_repo_path(const cn_home *home, const char *node_id, const char *item)
{
    size_t n = strlen(home->repos_dir) + strlen(node_id) + strlen(item) + 8;
    char *p = malloc(n);

    if (p)
        snprintf(p, n, "%s/%s/%s.git", home->repos_dir, node_id, item);
    return p;
}

void cn_home_free(cn_home *home)
{
    if (home == NULL)
        return;
    if (home->lock_fd >= 0)
        close(home->lock_fd);
    free(home->root);
    free(home->config_path);
    free(home->keys_dir);
    free(home->public_dir);
    free(home->repos_dir);
    free(home->mirrors_dir);
    free(home->tmp_dir);
    free(home);
}
