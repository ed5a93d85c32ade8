/*
 * tuf_repo_tool.c - drive core/tuf.c's repository writer from a shell, so an
 * independent TUF client (tuf-js) can be pointed at what it writes.
 *
 *   cn_tuf_tool init PUBDIR KEYFILE                  new key (one for all roles), new repo
 *   cn_tuf_tool add PUBDIR KEYFILE TARGET SRC [JSON] add a target (custom JSON object), commit
 *   cn_tuf_tool rotate PUBDIR KEYFILE ROLE NEWKEYFILE  give ROLE a new key (written to NEWKEYFILE)
 *   cn_tuf_tool verify PUBDIR                        offline check of the whole tree
 *
 * With --delegate first, the repository is written in layout 2 (a delegated
 * role per item, docs/PROTOCOL.md §4.1).
 *
 * A test tool, not part of citynode: it prints errors and exits.
 */
#include "core/error.h"
#include "core/json.h"
#include "core/key.h"
#include "core/tuf.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int usage(void)
{
    fprintf(stderr, "usage: cn_tuf_tool [--delegate] init PUBDIR KEYFILE\n"
                    "       cn_tuf_tool add PUBDIR KEYFILE TARGET SRC [CUSTOM_JSON]\n"
                    "       cn_tuf_tool rotate PUBDIR KEYFILE ROLE NEWKEYFILE\n"
                    "       cn_tuf_tool verify PUBDIR\n");
    return 2;
}

static int run(int argc, char **argv, const cn_tuf_repo_options *opts)
{
    cn_tuf_repo *repo = NULL;
    cn_key *key = NULL, *newkey = NULL;
    json_t *custom = NULL;
    cn_tuf_keys keys;
    int err;

    if (strcmp(argv[1], "verify") == 0)
        return cn_tuf_verify_dir(argv[2], time(NULL));
    if (strcmp(argv[1], "init") == 0) {
        if ((err = cn_key_generate(&key)) != 0 || (err = cn_key_save_private(key, argv[3])) != 0)
            goto out;
        cn_tuf_keys_single(&keys, key);
        err = cn_tuf_repo_init(&repo, argv[2], &keys, opts);
        goto out;
    }
    if ((err = cn_key_load_private(&key, argv[3])) != 0)
        goto out;
    cn_tuf_keys_single(&keys, key);
    if ((err = cn_tuf_repo_open(&repo, argv[2], &keys, opts)) != 0)
        goto out;
    if (strcmp(argv[1], "add") == 0 && (argc == 6 || argc == 7)) {
        if (argc == 7 &&
            (err = cn_json_parse(&custom, argv[6], strlen(argv[6]), 16, "custom JSON")) != 0)
            goto out;
        if ((err = cn_tuf_repo_add_target_file(repo, argv[4], argv[5], custom)) != 0)
            goto out;
        err = cn_tuf_repo_commit(repo);
    } else if (strcmp(argv[1], "rotate") == 0 && argc == 6) {
        cn_tuf_role role;
        cn_tuf_role_keys rk = {{NULL}, 1, 1};
        if ((err = cn_tuf_role_from_name(&role, argv[4])) != 0 ||
            (err = cn_key_generate(&newkey)) != 0 ||
            (err = cn_key_save_private(newkey, argv[5])) != 0)
            goto out;
        rk.keys[0] = newkey;
        err = cn_tuf_repo_rotate_keys(repo, role, &rk);
    } else {
        err = CN_EUSAGE;
    }
out:
    json_decref(custom);
    cn_tuf_repo_free(repo);
    cn_key_free(newkey);
    cn_key_free(key);
    return err;
}

int main(int argc, char **argv)
{
    cn_tuf_repo_options opts = CN_TUF_REPO_OPTIONS_INIT;
    int err;

    if (argc > 1 && strcmp(argv[1], "--delegate") == 0) {
        opts.delegate_items = 1;
        argc--;
        argv++;
    }
    if (argc < 3)
        return usage();
    if ((err = run(argc, argv, &opts)) == CN_EUSAGE)
        return usage();
    if (err != 0) {
        fprintf(stderr, "cn_tuf_tool: %s\n", cn_error_message());
        return cn_error_exit_status(err);
    }
    return 0;
}
