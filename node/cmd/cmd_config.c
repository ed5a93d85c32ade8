/*
 * cmd_config.c - `citynode config [KEY [VALUE]]`, `citynode config --unset KEY`:
 * the node's settings in config.yml (docs/CONFIG.md).
 *
 *   config              every key, its value, "(default)" for one the file
 *                       does not set, "(not set)" for an optional key
 *   config KEY          the value alone (as config prints it)
 *   config KEY VALUE    set KEY; config --unset KEY removes it
 *
 * A change edits config.yml as text: the key's line (and the lines of a block
 * value under it) is replaced, or the key appended, so comments, order and
 * the other keys stay as the city wrote them. The new text must then load as
 * config.yml loads for every command (cn_config_parse), and url and listen
 * must pass the checks init and serve make; only then is it written,
 * atomically, under the node's lock. Nothing is written otherwise. A key
 * node.json carries (name, url, country, code, programmes) is signed anew
 * with it, and the pointer written, as init does, so peers learn it at
 * their next sync and `verify` agrees.
 */
#include "core/buf.h"
#include "core/error.h"
#include "core/file.h"
#include "core/term.h"
#include "node/cmd/commands.h"
#include "node/config.h"
#include "node/home.h"
#include "node/http/server.h"
#include "node/node.h"
#include "node/profile.h"
#include "peers/http.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_TEXT_MAX (256 * 1024)

typedef enum { TEXT, NUMBER, LIST } value_type;

/* docs/CONFIG.md's keys, in its order. */
static const struct {
    const char *key;
    value_type type;
} keys[] = {
    {"name", TEXT},
    {"url", TEXT},
    {"listen", TEXT},
    {"country", TEXT},
    {"code", TEXT},
    {"programmes", LIST},
    {"timestamp_margin", NUMBER},
    {"sync_interval", NUMBER},
    {"sync_connect_timeout", NUMBER},
    {"sync_low_speed_limit", NUMBER},
    {"sync_low_speed_time", NUMBER},
    {"metadata_layout", NUMBER},
    {"imprint", TEXT},
    {"privacy", TEXT},
    {"accessibility", TEXT},
    {"logo", TEXT},
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static int key_index(const char *key)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].key, key) == 0)
            return (int)i;
    return -1;
}

/* Does the line at p (to its end) set key at the top level ("key:", "key :")? */
static int line_sets(const char *p, size_t n, const char *key)
{
    size_t k = strlen(key);

    if (n <= k || strncmp(p, key, k) != 0)
        return 0;
    while (k < n && p[k] == ' ')
        k++;
    return k < n && p[k] == ':';
}

/* A line that belongs to the value above it: indented, or a block list item. */
static int is_continuation(const char *p, size_t n)
{
    return n > 0 && (p[0] == ' ' || p[0] == '\t' || p[0] == '-');
}

/* The text with every top-level line of key (and its continuation lines)
 * dropped, and replacement (NULL: nothing) where the first one was, or at
 * the end. *found tells whether the file set the key. */
static int edit(cn_buf *out, const char *text, size_t len, const char *key, const char *replacement,
                int *found)
{
    size_t i = 0, n;
    int err = 0, dropping = 0;

    *found = 0;
    while (i < len && err == 0) {
        const char *nl = memchr(text + i, '\n', len - i);
        n = nl ? (size_t)(nl - (text + i)) + 1 : len - i;
        if (line_sets(text + i, n, key)) {
            dropping = 1;
            if (!*found && replacement)
                err = cn_buf_puts(out, replacement);
            *found = 1;
        } else if (dropping && is_continuation(text + i, n)) {
            /* part of the dropped value */
        } else {
            dropping = 0;
            err = cn_buf_put(out, text + i, n);
        }
        i += n;
    }
    if (err == 0 && !*found && replacement) {
        if (out->len > 0 && out->data[out->len - 1] != '\n')
            err = cn_buf_puts(out, "\n");
        if (err == 0)
            err = cn_buf_puts(out, replacement);
    }
    return err;
}

static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

/* "key: VALUE\n" as config.yml holds it: text double-quoted with JSON's
 * escapes (YAML reads them), numbers bare, programmes a flow list (VALUE
 * given as one, or one name). */
static int entry(cn_buf *out, size_t k, const char *value)
{
    json_t *j = NULL;
    char *s = NULL;
    int err;

    /* Bare only what cannot end the line or start another: digits for a
     * number, a one-line flow list; anything else is quoted, and the loader
     * says what is wrong with it. */
    if ((keys[k].type == NUMBER && value[0] != '\0' &&
         strspn(value, "-0123456789") == strlen(value)) ||
        (keys[k].type == LIST && value[0] == '[' && !has_control(value)))
        return cn_buf_printf(out, "%s: %s\n", keys[k].key, value);
    j = keys[k].type == LIST ? json_pack("[s]", value) : json_string(value);
    if (j == NULL)
        return cn_error_set(CN_EINVAL, "%s: the value is not valid UTF-8", keys[k].key);
    s = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
    json_decref(j);
    if (s == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    err = cn_buf_printf(out, "%s: %s\n", keys[k].key, s);
    free(s);
    return err;
}

/* The checks init and serve make beyond loading. */
static int check_more(const cn_config *cfg)
{
    char host[256];
    unsigned short port;
    int err;

    if ((err = cn_http_check_url(cfg->url)) != 0)
        return cn_error_wrap(err, "url");
    if (cn_server_parse_listen(host, sizeof(host), &port, cfg->listen) != 0) {
        cn_error_clear();
        return cn_error_set(CN_EINVAL,
                            "listen: '%s' is not HOST:PORT (a numeric address, [IPv6] in "
                            "brackets), e.g. listen: 127.0.0.1:8470",
                            cfg->listen);
    }
    return 0;
}

/* The value of key k as config prints it, into out; 1 if it has one. */
static int value_of(cn_buf *out, const cn_config *cfg, size_t k)
{
    const char *key = keys[k].key;
    const char *text = NULL;
    long long number = 0;

    if (strcmp(key, "programmes") == 0) {
        for (size_t i = 0; i < cfg->nprogrammes; i++)
            if (cn_buf_printf(out, "%s%s", i ? ", " : "", cfg->programmes[i]) != 0)
                return 0;
        return cfg->nprogrammes > 0;
    }
    if (keys[k].type == NUMBER) {
        if (strcmp(key, "timestamp_margin") == 0)
            number = cfg->timestamp_margin;
        else if (strcmp(key, "sync_interval") == 0)
            number = cfg->sync_interval == CN_SYNC_NEVER ? 0 : cfg->sync_interval;
        else if (strcmp(key, "sync_connect_timeout") == 0)
            number = cfg->sync_connect_timeout;
        else if (strcmp(key, "sync_low_speed_limit") == 0)
            number = cfg->sync_low_speed_limit;
        else if (strcmp(key, "sync_low_speed_time") == 0)
            number = cfg->sync_low_speed_time;
        else
            number = cfg->metadata_layout;
        return cn_buf_printf(out, "%lld", number) == 0;
    }
    const char *const *slots[] = {
        (const char *const *)&cfg->name,    (const char *const *)&cfg->url,
        (const char *const *)&cfg->listen,  (const char *const *)&cfg->country,
        (const char *const *)&cfg->code,    (const char *const *)&cfg->imprint,
        (const char *const *)&cfg->privacy, (const char *const *)&cfg->accessibility,
        (const char *const *)&cfg->logo};
    static const char *const names[] = {"name",    "url",     "listen",        "country", "code",
                                        "imprint", "privacy", "accessibility", "logo"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(key, names[i]) == 0)
            text = *slots[i];
    if (text == NULL)
        return 0;
    return cn_buf_puts(out, text) == 0;
}

/* The keys the signed profile (node.json) and the pointer carry. */
static int in_profile(const char *key)
{
    static const char *const profile_keys[] = {"name", "url", "country", "code", "programmes"};

    for (size_t i = 0; i < sizeof(profile_keys) / sizeof(profile_keys[0]); i++)
        if (strcmp(key, profile_keys[i]) == 0)
            return 1;
    return 0;
}

/* node.json signed anew and the pointer written for cfg, as init does: what
 * peers read at their next sync. config.yml is already written: a failure
 * here is told, and running the same command again finishes it. */
static int resign_profile(cn_node *node, const cn_config *cfg)
{
    int err;

    if ((err = cn_profile_publish(node->tuf, node->home->node_id, cfg)) != 0 ||
        (err = cn_tuf_repo_commit(node->tuf)) != 0 ||
        (err = cn_profile_write_pointer(node->home->public_dir, node->home->node_id, cfg)) != 0)
        return cn_error_wrap(err, "config.yml is changed, but signing node.json failed (run the "
                                  "command again)");
    return 0;
}

static int show(const unsigned char *data, size_t len, const cn_config *cfg, const char *key)
{
    cn_buf v = CN_BUF_INIT, scratch = CN_BUF_INIT;
    int found, has;

    for (size_t k = 0; k < NKEYS; k++) {
        if (key != NULL && strcmp(key, keys[k].key) != 0)
            continue;
        v.len = 0;
        has = value_of(&v, cfg, k);
        if (key != NULL) {
            if (has)
                cn_term_fprintf(stdout, "%.*s\n", (int)v.len, (const char *)v.data);
            break;
        }
        scratch.len = 0;
        edit(&scratch, (const char *)data, len, keys[k].key, NULL, &found);
        cn_term_fprintf(stdout, "%-21s %.*s%s\n", keys[k].key, has ? (int)v.len : 0,
                        has ? (const char *)v.data : "",
                        !has    ? "(not set)"
                        : found ? ""
                                : "  (default)");
    }
    cn_buf_free(&v);
    cn_buf_free(&scratch);
    return 0;
}

int cn_cmd_config(const char *home_flag, int argc, char **argv)
{
    static const char synopsis[] = "config [KEY [VALUE]] | config --unset KEY";
    const char *key = NULL, *value = NULL;
    cn_buf text = CN_BUF_INIT, line = CN_BUF_INIT;
    cn_config *cfg = NULL, *next = NULL;
    cn_home *h = NULL;
    const cn_home *hm;
    cn_node *node = NULL;
    unsigned char *data = NULL;
    char *home = NULL;
    size_t len = 0;
    int i, k = -1, unset = 0, found, err;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--unset") == 0)
            unset = 1;
        else if (key == NULL)
            key = argv[i];
        else
            value = argv[i];
    }
    if (key != NULL && (k = key_index(key)) < 0) {
        char problem[160];
        snprintf(problem, sizeof(problem),
                 "'%.40s' is not a key of config.yml ('citynode config' lists them)", key);
        return cn_cli_usage_error(synopsis, problem);
    }
    if (unset && (key == NULL || value != NULL))
        return cn_cli_usage_error(synopsis, "--unset takes one KEY");
    /* A change takes the node's lock and keys: node.json is re-signed. */
    if ((err = cn_home_resolve(&home, home_flag)) != 0 ||
        (err = value || unset ? cn_node_open(&node, home, CN_NODE_WRITE | CN_NODE_WAIT)
                              : cn_home_open(&h, home, CN_HOME_MUST_EXIST)) != 0)
        goto out;
    hm = node ? node->home : h;
    if ((err = cn_file_read(&data, &len, hm->config_path, CONFIG_TEXT_MAX)) != 0 ||
        (err = cn_config_parse(&cfg, data, len, hm->config_path)) != 0)
        goto out;
    if (value == NULL && !unset) {
        err = show(data, len, cfg, key);
        goto out;
    }
    /* The new line, NUL-terminated, edited into the file's text. */
    if (!unset &&
        ((err = entry(&line, (size_t)k, value)) != 0 || (err = cn_buf_put(&line, "", 1)) != 0))
        goto out;
    if ((err = edit(&text, (const char *)data, len, key, unset ? NULL : (const char *)line.data,
                    &found)) != 0)
        goto out;
    if (unset && !found) {
        printf("%s is not set in %s\n", key, hm->config_path);
        goto out;
    }
    if ((err = cn_config_parse(&next, (const unsigned char *)text.data, text.len,
                               hm->config_path)) != 0 ||
        (err = check_more(next)) != 0 ||
        (err = cn_file_write_atomic(hm->config_path, text.data, text.len, 0644)) != 0)
        goto out;
    if (in_profile(key))
        err = resign_profile(node, next);
out:
    cn_buf_free(&line);
    cn_buf_free(&text);
    cn_config_free(cfg);
    cn_config_free(next);
    cn_home_free(h);
    cn_node_free(node);
    free(data);
    free(home);
    return err ? cn_cli_fail(err) : 0;
}
