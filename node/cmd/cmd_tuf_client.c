/*
 * cmd_tuf_client.c - `citynode tuf-client`: the client-under-test command
 * line of theupdateframework/tuf-conformance (its CLIENT-CLI.md), driving
 * the node's own TUF client (core/tuf_client.c, core/tuf_delegated.c):
 *
 *   tuf-client --metadata-dir DIR init TRUSTED_ROOT
 *   tuf-client --metadata-dir DIR --metadata-url URL refresh
 *   tuf-client --metadata-dir DIR --metadata-url URL --target-name PATH...
 *              --target-base-url URL --target-dir DIR download
 *
 * DIR holds the metadata trusted so far under unversioned names: root.json,
 * timestamp.json, snapshot.json, targets.json and <role>.json per delegated
 * role (the name percent-encoded as python-tuf does), each the exact bytes
 * served, written atomically as soon as it verified. Targets are stored in
 * the target directory under their percent-encoded path, and a target whose
 * stored copy still matches its signed length and hashes is not fetched
 * again. No node home is read or written. Exit status: 0 success, 1 anything
 * else (the suite asks for exactly these two).
 */
#include "core/error.h"
#include "core/file.h"
#include "core/json.h"
#include "core/tuf.h"
#include "node/cmd/commands.h"
#include "peers/http.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char synopsis[] =
    "tuf-client --metadata-dir DIR [--metadata-url URL] [--target-name PATH]... "
    "[--target-base-url URL] [--target-dir DIR] init ROOT | refresh | download";

typedef struct {
    const char *metadata_dir;
    const char *metadata_url;
    const char *target_base_url;
    const char *target_dir;
    const char **targets;
    size_t ntargets;
} options;

/* Where the client's "tuf/..." and "targets/..." paths are served from. */
typedef struct {
    cn_http *http;
    const char *metadata_url;
    const char *target_base_url;
} remote;

/* The fetch callback: tuf/X from the metadata URL, targets/X from the
 * target base URL, each capped at max_len bytes. */
static int fetch_remote(void *ctx, const char *path, size_t max_len, unsigned char **out,
                        size_t *outlen)
{
    const remote *r = ctx;
    cn_http_request req;
    const char *base, *rest;
    char *url = NULL;
    size_t n;
    int err;

    *out = NULL;
    memset(&req, 0, sizeof(req));
    if (strncmp(path, "tuf/", 4) == 0) {
        base = r->metadata_url;
        rest = path + 4;
    } else if (strncmp(path, "targets/", 8) == 0 && r->target_base_url) {
        base = r->target_base_url;
        rest = path + 8;
    } else {
        return cn_error_set(CN_EINVAL, "no URL to fetch %s from", path);
    }
    n = strlen(base);
    if (n > 0 && base[n - 1] == '/')
        n--;
    if ((url = malloc(n + strlen(rest) + 2)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    snprintf(url, n + strlen(rest) + 2, "%.*s/%s", (int)n, base, rest);
    req.url = url;
    req.max_body = max_len;
    req.timeout_s = 60;
    if ((err = cn_http_get(r->http, &req)) == 0) {
        *out = req.body;
        *outlen = req.len;
        req.body = NULL;
    }
    cn_http_request_clear(&req);
    free(url);
    return err;
}

/* The persist hook: DIR/<role>.json, atomically. */
static int persist_role(void *ctx, const char *role, const unsigned char *data, size_t len)
{
    const char *dir = ctx;
    char *name = NULL, *path = NULL;
    int err;

    if ((err = cn_tuf_role_file_name(&name, role, 0)) != 0)
        return err;
    if ((path = cn_path_join(dir, name)) == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
    else
        err = cn_file_write_atomic(path, data, len, 0644);
    if (err == 0)
        fprintf(stderr, "tuf-client: trusted %s\n", name);
    free(path);
    free(name);
    return err;
}

/* Read DIR/<name> if it exists (*out NULL otherwise). */
static int read_local(unsigned char **out, size_t *len, const char *dir, const char *name,
                      size_t max)
{
    char *path = cn_path_join(dir, name);
    int err;

    *out = NULL;
    if (path == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    err = cn_file_read(out, len, path, max);
    free(path);
    if (err == CN_ENOTFOUND) {
        cn_error_clear();
        return 0;
    }
    return err;
}

static int cmd_init(const options *o, const char *root_file)
{
    unsigned char *data = NULL;
    cn_tuf_client *c = NULL;
    size_t len = 0;
    int err;

    if ((err = cn_file_read(&data, &len, root_file, CN_TUF_MAX_ROOT_LEN)) != 0 ||
        (err = cn_tuf_client_new(&c, data, len, time(NULL))) != 0 ||
        (err = cn_mkdir_p(o->metadata_dir, 0755)) != 0)
        goto out;
    err = persist_role((void *)o->metadata_dir, "root", data, len);
out:
    cn_tuf_client_free(c);
    free(data);
    return err;
}

/* A client from DIR/root.json, offered whatever else DIR trusts, refreshed. */
static int open_and_refresh(cn_tuf_client **out, const options *o, remote *r)
{
    static const cn_tuf_role roles[] = {CN_TUF_TIMESTAMP, CN_TUF_SNAPSHOT, CN_TUF_TARGETS};
    unsigned char *data = NULL;
    cn_tuf_client *c = NULL;
    size_t len = 0, i;
    int err;

    *out = NULL;
    if (o->metadata_url == NULL)
        return cn_error_set(CN_EUSAGE, "--metadata-url is required");
    if ((err = read_local(&data, &len, o->metadata_dir, "root.json", CN_TUF_MAX_ROOT_LEN)) != 0)
        goto out;
    if (data == NULL) {
        err = cn_error_set(CN_ENOTFOUND, "%s/root.json: no trusted root (run init first)",
                           o->metadata_dir);
        goto out;
    }
    if ((err = cn_tuf_client_new(&c, data, len, time(NULL))) != 0)
        goto out;
    for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
        char name[32];
        free(data);
        snprintf(name, sizeof(name), "%s.json", cn_tuf_role_name(roles[i]));
        if ((err = read_local(&data, &len, o->metadata_dir, name, CN_TUF_MAX_METADATA_LEN)) != 0)
            goto out;
        /* What no longer verifies is simply not trusted (spec §5.4.1). */
        if (data != NULL && cn_tuf_client_set_trusted(c, roles[i], data, len) != 0)
            fprintf(stderr, "tuf-client: ignoring %s: %s\n", name, cn_error_message());
        cn_error_clear();
    }
    cn_tuf_client_set_persist(c, persist_role, (void *)o->metadata_dir);
    if ((err = cn_tuf_client_refresh(c, fetch_remote, r)) != 0)
        goto out;
    *out = c;
    c = NULL;
out:
    cn_tuf_client_free(c);
    free(data);
    return err;
}

/* Offer DIR/<role>.json for each role the trusted targets delegate to
 * (directly or not), as far as the stored files go. */
static void offer_delegated(cn_tuf_client *c, const char *dir, const unsigned char *targets,
                            size_t tlen)
{
    json_t *queue = json_array(), *md;
    size_t i;

    if (queue == NULL || cn_json_parse(&md, targets, tlen, CN_JSON_MAX_DEPTH, "targets") != 0) {
        cn_error_clear();
        json_decref(queue);
        return;
    }
    json_array_append_new(queue, md);
    for (i = 0; i < json_array_size(queue) && i < CN_TUF_MAX_DELEGATED_ROLES; i++) {
        const json_t *roles = json_object_get(
            json_object_get(json_object_get(json_array_get(queue, i), "signed"), "delegations"),
            "roles");
        const json_t *r;
        size_t j;
        json_array_foreach(roles, j, r)
        {
            const char *name = json_string_value(json_object_get(r, "name"));
            unsigned char *data = NULL;
            char *file = NULL;
            size_t len = 0;
            if (name == NULL || cn_tuf_role_file_name(&file, name, 0) != 0 ||
                read_local(&data, &len, dir, file, CN_TUF_MAX_METADATA_LEN) != 0 || data == NULL ||
                cn_tuf_client_set_trusted_delegated(c, name, data, len) != 0) {
                free(file);
                free(data);
                cn_error_clear();
                continue;
            }
            if (cn_json_parse(&md, data, len, CN_JSON_MAX_DEPTH, file) == 0)
                json_array_append_new(queue, md);
            cn_error_clear();
            free(file);
            free(data);
        }
    }
    json_decref(queue);
}

/* Fetch one target (unless the stored copy still matches) into the target dir. */
static int download_one(cn_tuf_client *c, const options *o, remote *r, const char *target)
{
    const cn_tuf_target_info *info;
    unsigned char *data = NULL;
    char *name = NULL, *path = NULL;
    size_t len = 0;
    int err;

    if ((err = cn_tuf_client_find_target(&info, c, target, fetch_remote, r)) != 0)
        goto out;
    if ((err = cn_tuf_quote(&name, target)) != 0)
        goto out;
    if ((path = cn_path_join(o->target_dir, name)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if (info->length <= CN_TUF_MAX_METADATA_LEN &&
        cn_file_read(&data, &len, path, (size_t)info->length) == 0 &&
        cn_tuf_verify_target_bytes(info, data, len) == 0) {
        fprintf(stderr, "tuf-client: %s is up to date\n", target);
        goto out;
    }
    cn_error_clear();
    free(data);
    data = NULL;
    if ((err = cn_tuf_client_fetch_target(&data, &len, c, info, fetch_remote, r)) != 0 ||
        (err = cn_mkdir_p(o->target_dir, 0755)) != 0 ||
        (err = cn_file_write_atomic(path, data, len, 0644)) != 0)
        goto out;
    fprintf(stderr, "tuf-client: downloaded %s\n", target);
out:
    free(data);
    free(path);
    free(name);
    return err;
}

static int cmd_download(const options *o, remote *r)
{
    const unsigned char *tbytes;
    cn_tuf_client *c = NULL;
    size_t tlen, i;
    int err;

    if (o->ntargets == 0 || o->target_base_url == NULL || o->target_dir == NULL)
        return cn_error_set(CN_EUSAGE,
                            "download needs --target-name, --target-base-url and --target-dir");
    if ((err = open_and_refresh(&c, o, r)) != 0)
        goto out;
    if (cn_tuf_client_metadata_bytes(&tbytes, &tlen, c, CN_TUF_TARGETS) == 0)
        offer_delegated(c, o->metadata_dir, tbytes, tlen);
    for (i = 0; i < o->ntargets && err == 0; i++)
        err = download_one(c, o, r, o->targets[i]);
out:
    cn_tuf_client_free(c);
    return err;
}

static int parse_args(options *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"metadata-dir", required_argument, NULL, 'd'},
        {"metadata-url", required_argument, NULL, 'u'},
        {"target-name", required_argument, NULL, 'n'},
        {"target-base-url", required_argument, NULL, 'b'},
        {"target-dir", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    int ch;

    optind = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            o->metadata_dir = optarg;
            break;
        case 'u':
            o->metadata_url = optarg;
            break;
        case 'n':
            o->targets[o->ntargets++] = optarg;
            break;
        case 'b':
            o->target_base_url = optarg;
            break;
        case 't':
            o->target_dir = optarg;
            break;
        default:
            return CN_EUSAGE;
        }
    }
    return 0;
}

int cn_cmd_tuf_client(const char *home, int argc, char **argv)
{
    options o;
    remote r = {NULL, NULL, NULL};
    const char *cmd;
    int err;

    (void)home; /* the conformance client keeps no node home */
    memset(&o, 0, sizeof(o));
    if ((o.targets = calloc((size_t)argc, sizeof(*o.targets))) == NULL) {
        cn_cli_fail(cn_error_set(CN_ENOMEM, "out of memory"));
        return 1;
    }
    if (parse_args(&o, argc, argv) != 0 || optind >= argc || o.metadata_dir == NULL) {
        free(o.targets);
        cn_cli_usage_error(synopsis, "--metadata-dir and a command are required");
        return 1;
    }
    cmd = argv[optind];
    if (strcmp(cmd, "init") == 0 && optind + 2 == argc) {
        err = cmd_init(&o, argv[optind + 1]);
    } else if ((strcmp(cmd, "refresh") == 0 || strcmp(cmd, "download") == 0) &&
               optind + 1 == argc) {
        cn_tuf_client *c = NULL;
        r.metadata_url = o.metadata_url;
        r.target_base_url = o.target_base_url;
        if ((err = cn_http_new(&r.http, NULL)) == 0) {
            if (strcmp(cmd, "refresh") == 0)
                err = open_and_refresh(&c, &o, &r);
            else
                err = cmd_download(&o, &r);
        }
        cn_tuf_client_free(c);
        cn_http_free(r.http);
    } else {
        free(o.targets);
        cn_cli_usage_error(synopsis, "unknown command or wrong arguments");
        return 1;
    }
    free(o.targets);
    if (err != 0) {
        cn_cli_fail(err);
        return 1;
    }
    return 0;
}
