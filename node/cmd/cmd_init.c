/*
 * cmd_init.c - `citynode init`: create a node, its key and its TUF repository.
 *
 * The node id printed is sha256(public/tuf/1.root.json): self-certifying and
 * stable across key rotation (DESIGN.md §1). A failed init removes what it
 * created, so it can simply be run again.
 */
#include "core/error.h"
#include "core/file.h"
#include "core/json.h"
#include "core/name.h"
#include "node/cmd/commands.h"
#include "node/config.h"
#include "node/home.h"
#include "node/node.h"
#include "node/profile.h"
#include "peers/http.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char synopsis[] =
    "init --name NAME [--url BASE_URL] [--country CC] [--code AGS] [--programme NAME]...";

/* The URL is published in node.json and in every follower's peers.json:
 * the same rules as a peer's URL (no user name or password). */
static int check_url(const char *url)
{
    int err = cn_http_check_url(url);

    return err ? cn_error_wrap(err, "--url") : 0;
}

/* The name is the tagger of every version tag the node signs, and git's
 * identity line ("tagger NAME <EMAIL> TIME") cannot hold '<' or '>', nor a
 * name that is only blanks; refused here rather than at every publish. */
static int check_name(const char *name)
{
    const char *bad = strpbrk(name, "<>");
    int err;

    if ((err = cn_text_check("--name", name, strlen(name), 200, 0)) != 0)
        return err;
    if (bad != NULL)
        return cn_error_set(CN_EUSAGE,
                            "--name '%s': '%c' is not allowed (the name signs every version as "
                            "its git tagger, which cannot hold '<' or '>')",
                            name, *bad);
    if (name[strspn(name, " \t")] == '\0')
        return cn_error_set(CN_EUSAGE, "--name must not be blank");
    return 0;
}

static int check_country(const char *cc)
{
    if (strlen(cc) != 2 || !isupper((unsigned char)cc[0]) || !isupper((unsigned char)cc[1]))
        return cn_error_set(CN_EUSAGE, "--country '%s' must be an ISO 3166-1 alpha-2 code like DE",
                            cc);
    return 0;
}

static int create_node(char node_id[CN_NODE_ID_HEX + 1], cn_home *home, const cn_config *cfg)
{
    cn_key *key = NULL;
    cn_tuf_keys keys;
    cn_tuf_repo *tuf = NULL;
    char *key_path = NULL;
    int err;

    if ((key_path = cn_path_join(home->keys_dir, CN_NODE_KEY_FILE)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if ((err = cn_key_generate(&key)) != 0 || (err = cn_key_save_private(key, key_path)) != 0)
        goto out;
    cn_tuf_keys_single(&keys, key);
    if ((err = cn_tuf_repo_init(&tuf, home->public_dir, &keys, NULL)) != 0 ||
        (err = cn_tuf_repo_node_id(node_id, tuf)) != 0)
        goto out;
    if ((err = cn_profile_publish(tuf, node_id, cfg)) != 0 || (err = cn_tuf_repo_commit(tuf)) != 0)
        goto out;
    if ((err = cn_profile_write_pointer(home->public_dir, node_id, cfg)) != 0)
        goto out;
    err = cn_config_write(cfg, home->config_path);
out:
    cn_tuf_repo_free(tuf);
    cn_key_free(key);
    free(key_path);
    return err;
}

int cn_cmd_init(const char *home_flag, int argc, char **argv)
{
    static const struct option opts[] = {
        {"name", required_argument, NULL, 'n'},      {"url", required_argument, NULL, 'u'},
        {"country", required_argument, NULL, 'c'},   {"code", required_argument, NULL, 'a'},
        {"programme", required_argument, NULL, 'p'}, {NULL, 0, NULL, 0},
    };
    cn_config cfg = {0};
    cn_home *home = NULL;
    char *home_dir = NULL, node_id[CN_NODE_ID_HEX + 1];
    const char *usage = NULL;
    int c, err = 0;

    optind = 0;
    cfg.url = CN_DEFAULT_URL;
    cfg.listen = CN_DEFAULT_LISTEN;
    while (usage == NULL && err == 0 && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            cfg.name = optarg;
            break;
        case 'u':
            cfg.url = optarg;
            break;
        case 'c':
            cfg.country = optarg;
            break;
        case 'a':
            cfg.code = optarg;
            break;
        case 'p':
            err = cn_config_add_programme(&cfg, optarg);
            break;
        default:
            usage = "unknown option";
        }
    }
    if (usage == NULL && err == 0) {
        if (optind != argc)
            usage = "unexpected argument";
        else if (cfg.name == NULL || cfg.name[0] == '\0' || strlen(cfg.name) > 200)
            usage = "--name NAME is required (at most 200 bytes)";
    }
    if (usage != NULL) {
        err = cn_cli_usage_error(synopsis, usage);
        goto done;
    }
    if (err != 0 || (err = check_name(cfg.name)) != 0 || (err = check_url(cfg.url)) != 0 ||
        (cfg.country && (err = check_country(cfg.country))) ||
        (err = cn_home_resolve(&home_dir, home_flag)) != 0)
        goto out;
    if ((err = cn_home_open(&home, home_dir, CN_HOME_CREATE | CN_HOME_LOCK)) != 0)
        goto out;
    if (home->node_id[0] != '\0') {
        err = cn_error_set(CN_EEXISTS, "%s already holds node %s", home_dir, home->node_id);
        goto out;
    }
    if ((err = create_node(node_id, home, &cfg)) != 0) {
        /* Leave nothing half-made: the next init starts from scratch. */
        char *key_path = cn_path_join(home->keys_dir, CN_NODE_KEY_FILE);
        if (key_path)
            remove(key_path);
        free(key_path);
        cn_rmtree(home->public_dir);
        remove(home->config_path);
        goto out;
    }
    printf("%s\n", node_id);
    fprintf(stderr, "initialised node '%s' in %s\n", cfg.name, home_dir);
    if (strcmp(cfg.url, CN_DEFAULT_URL) == 0) /* what others would be told */
        fprintf(stderr,
                "note: its URL is %s, which only this machine reaches; before other nodes "
                "follow it, set the URL they reach it at with `citynode config url URL`, or "
                "edit url: in %s\n",
                CN_DEFAULT_URL, home->config_path);
out:
    err = err ? cn_cli_fail(err) : 0;
done:
    for (size_t i = 0; i < cfg.nprogrammes; i++)
        free(cfg.programmes[i]);
    cn_home_free(home);
    free(home_dir);
    return err;
}
