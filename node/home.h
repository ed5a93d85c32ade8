/*
 * home.h - the node's directory (DESIGN.md §6) and its lock.
 *
 *   config.yml   keys/   public/   repos/<node-id>/<item>.git   mirrors/   lock
 *
 * One process at a time owns a node directory for writing: cn_home_open with
 * CN_HOME_LOCK takes an exclusive flock on <home>/lock and fails with
 * CN_ELOCKED if another process holds it.
 */
#ifndef CN_HOME_H
#define CN_HOME_H

#define CN_NODE_ID_HEX 64

typedef struct {
    char *root;
    char *config_path;
    char *keys_dir;
    char *public_dir;
    char *repos_dir;
    char *mirrors_dir;
    char *tmp_dir;
    char node_id[CN_NODE_ID_HEX + 1]; /* "" until the node is initialised */
    int lock_fd;
} cn_home;

enum {
    CN_HOME_LOCK = 1 << 0,       /* take the write lock */
    CN_HOME_MUST_EXIST = 1 << 1, /* fail unless the node was initialised */
    CN_HOME_CREATE = 1 << 2,     /* create the directory layout */
    CN_HOME_WAIT = 1 << 3,       /* with CN_HOME_LOCK: wait up to CN_HOME_LOCK_WAIT_S for it */
};

/* How long a command waits for the lock held by another process (serve's sync
 * round or re-signing, another command) before failing with CN_ELOCKED. */
#define CN_HOME_LOCK_WAIT_S 60

/* The home directory: flag (--home), else $CITYNODE_HOME, else
 * $HOME/.local/share/citynode. Heap-allocated. */
int cn_home_resolve(char **out, const char *flag);

int cn_home_open(cn_home **out, const char *root, int flags);
void cn_home_free(cn_home *home);

/* <home>/repos/<node_id>/<item>.git, heap-allocated. */
char *cn_home_repo_path(const cn_home *home, const char *node_id, const char *item);

/* The node id of a root file: sha256 hex of its bytes. */
int cn_home_node_id_of_root(char out[CN_NODE_ID_HEX + 1], const char *root_json_path);

#endif
