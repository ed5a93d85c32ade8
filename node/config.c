/*
 * config.c - config.yml: a flat YAML mapping of scalars.
 *
 *   name: "Stadt Leipzig"
 *   url: "http://127.0.0.1:8470"
 *   listen: "127.0.0.1:8470"
 *   programmes: ["Triangulum (Horizon 2020 Smart Cities and Communities)"]
 *   sync_interval: 300
 *   sync_low_speed_time: 15
 *   imprint: "https://www.leipzig.de/impressum"
 *   logo: "logo.svg"
 *
 * All values are scalars but programmes, a sequence of strings.
 * Strings are written as YAML double-quoted scalars, which accept JSON's
 * escapes, so any name round-trips.
 */
#include "node/config.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/file.h"
#include "core/name.h"
#include "node/node.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define CN_CONFIG_MAX               (256 * 1024)
#define CN_DEFAULT_TIMESTAMP_MARGIN (6 * 3600)
#define CN_MAX_SYNC_INTERVAL        (7 * 86400)

/* The timestamp lives a day (core/tuf.h) and serve re-signs it when less than
 * timestamp_margin is left: a margin near that day would re-sign it on every
 * check, so at least an hour must pass between re-signings. */
#define CN_MAX_TIMESTAMP_MARGIN (CN_TUF_DAY - 3600)

static int put_entry(cn_buf *b, const char *key, const char *value)
{
    json_t *s;
    char *quoted;
    int err;

    if (value == NULL)
        return 0;
    if ((s = json_string(value)) == NULL)
        return cn_error_set(CN_EINVAL, "config value for %s is not valid UTF-8", key);
    quoted = json_dumps(s, JSON_ENCODE_ANY);
    json_decref(s);
    if (quoted == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    err = cn_buf_printf(b, "%s: %s\n", key, quoted);
    free(quoted);
    return err;
}

/* programmes: ["A", "B"]: a flow sequence of double-quoted strings. */
static int put_programmes(cn_buf *b, const cn_config *cfg)
{
    json_t *list;
    char *text;
    int err;

    if (cfg->nprogrammes == 0)
        return 0;
    if ((list = json_array()) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    for (size_t i = 0; i < cfg->nprogrammes; i++)
        if (json_array_append_new(list, json_string(cfg->programmes[i])) != 0) {
            json_decref(list);
            return cn_error_set(CN_EINVAL, "programme '%s' is not valid UTF-8", cfg->programmes[i]);
        }
    text = json_dumps(list, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(list);
    if (text == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    err = cn_buf_printf(b, "programmes: %s\n", text);
    free(text);
    return err;
}

int cn_config_add_programme(cn_config *cfg, const char *name)
{
    int err;

    if (*name == '\0')
        return cn_error_set(CN_EINVAL, "a programme's name must not be empty");
    if ((err = cn_text_check("programme", name, strlen(name), CN_CONFIG_PROGRAMME_MAX, 0)) != 0)
        return err;
    for (size_t i = 0; i < cfg->nprogrammes; i++)
        if (strcmp(cfg->programmes[i], name) == 0)
            return cn_error_set(CN_EINVAL, "programme '%.60s' is given twice", name);
    if (cfg->nprogrammes == CN_CONFIG_PROGRAMMES_MAX)
        return cn_error_set(CN_ELIMIT, "at most %d programmes", CN_CONFIG_PROGRAMMES_MAX);
    if ((cfg->programmes[cfg->nprogrammes] = strdup(name)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    cfg->nprogrammes++;
    return 0;
}

/* programmes: a sequence of strings (each checked by cn_config_add_programme). */
static int set_programmes(cn_config *cfg, yaml_document_t *doc, yaml_node_t *v, const char *path,
                          size_t line)
{
    yaml_node_item_t *it;
    int err;

    if (v->type != YAML_SEQUENCE_NODE)
        return cn_error_set(CN_EINVAL, "%s:%zu: programmes: expected a list of names", path, line);
    for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        yaml_node_t *e = yaml_document_get_node(doc, *it);
        if (e == NULL || e->type != YAML_SCALAR_NODE)
            return cn_error_set(CN_EINVAL, "%s:%zu: programmes: expected a list of names", path,
                                line);
        if ((err = cn_config_add_programme(cfg, (const char *)e->data.scalar.value)) != 0)
            return cn_error_wrap(err, "%s:%zu: programmes", path, line);
    }
    return 0;
}

int cn_config_write(const cn_config *cfg, const char *path)
{
    cn_buf b = CN_BUF_INIT;
    int64_t sync_interval = cfg->sync_interval ? cfg->sync_interval : CN_DEFAULT_SYNC_INTERVAL;
    int err;

    if (sync_interval == CN_SYNC_NEVER)
        sync_interval = 0;
    if ((err = cn_buf_puts(&b, "# citynode node configuration (see docs/CONFIG.md)\n")) != 0 ||
        (err = put_entry(&b, "name", cfg->name)) != 0 ||
        (err = put_entry(&b, "url", cfg->url)) != 0 ||
        (err = put_entry(&b, "listen", cfg->listen)) != 0 ||
        (err = put_entry(&b, "country", cfg->country)) != 0 ||
        (err = put_entry(&b, "code", cfg->code)) != 0 || (err = put_programmes(&b, cfg)) != 0 ||
        (err = cn_buf_printf(&b, "timestamp_margin: %lld\n",
                             (long long)(cfg->timestamp_margin ? cfg->timestamp_margin
                                                               : CN_DEFAULT_TIMESTAMP_MARGIN))) !=
            0 ||
        (err = cn_buf_printf(&b, "sync_interval: %lld\n", (long long)sync_interval)) != 0 ||
        (cfg->sync_connect_timeout &&
         cfg->sync_connect_timeout != CN_DEFAULT_SYNC_CONNECT_TIMEOUT &&
         (err = cn_buf_printf(&b, "sync_connect_timeout: %lld\n",
                              (long long)cfg->sync_connect_timeout)) != 0) ||
        (cfg->sync_low_speed_limit &&
         cfg->sync_low_speed_limit != CN_DEFAULT_SYNC_LOW_SPEED_LIMIT &&
         (err = cn_buf_printf(&b, "sync_low_speed_limit: %lld\n",
                              (long long)cfg->sync_low_speed_limit)) != 0) ||
        (cfg->sync_low_speed_time && cfg->sync_low_speed_time != CN_DEFAULT_SYNC_LOW_SPEED_TIME &&
         (err = cn_buf_printf(&b, "sync_low_speed_time: %lld\n",
                              (long long)cfg->sync_low_speed_time)) != 0) ||
        (cfg->metadata_layout && cfg->metadata_layout != CN_DEFAULT_METADATA_LAYOUT &&
         (err = cn_buf_printf(&b, "metadata_layout: %d\n", cfg->metadata_layout)) != 0) ||
        (err = put_entry(&b, "imprint", cfg->imprint)) != 0 ||
        (err = put_entry(&b, "privacy", cfg->privacy)) != 0 ||
        (err = put_entry(&b, "accessibility", cfg->accessibility)) != 0 ||
        (err = put_entry(&b, "logo", cfg->logo)) != 0)
        goto out;
    err = cn_file_write_atomic(path, b.data, b.len, 0644);
out:
    cn_buf_free(&b);
    return err;
}

/* An integer setting in min..max. */
static int set_seconds(int64_t *slot, const char *key, const char *value, long long min,
                       long long max, const char *path, size_t line)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(value, &end, 10);
    if (errno || *end || end == value || v < min || v > max)
        return cn_error_set(CN_EINVAL, "%s:%zu: %s: must be an integer (%lld..%lld)", path, line,
                            key, min, max);
    *slot = v;
    return 0;
}

/* The legal pages: which page each key names, for the error. */
static const struct {
    const char *key, *page, *example;
} legal_keys[] = {
    {"imprint", "Impressum", "https://www.example.de/impressum"},
    {"privacy", "Datenschutzerklärung (privacy policy)", "https://www.example.de/datenschutz"},
    {"accessibility", "Erklärung zur Barrierefreiheit (accessibility statement)",
     "https://www.example.de/barrierefreiheit"},
};

/* An http or https URL with a host, without white space or control
 * characters, at most CN_CONFIG_URL_MAX bytes. */
static int is_page_url(const char *v)
{
    size_t i, n = strlen(v), skip;

    if (strncmp(v, "https://", 8) == 0)
        skip = 8;
    else if (strncmp(v, "http://", 7) == 0)
        skip = 7;
    else
        return 0;
    if (n > CN_CONFIG_URL_MAX || n == skip || v[skip] == '/' || v[skip] == '?' || v[skip] == '#')
        return 0;
    for (i = 0; i < n; i++)
        if ((unsigned char)v[i] <= ' ' || v[i] == 0x7f || v[i] == '"' || v[i] == '<' ||
            v[i] == '>' || v[i] == '\\')
            return 0;
    return 1;
}

static int set_legal(char **slot, size_t k, const char *value, const char *path, size_t line)
{
    if (!is_page_url(value))
        return cn_error_set(CN_EINVAL,
                            "%s:%zu: %s: expected the http:// or https:// URL of the node's %s "
                            "(at most %d bytes, no spaces), e.g. %s: %s",
                            path, line, legal_keys[k].key, legal_keys[k].page, CN_CONFIG_URL_MAX,
                            legal_keys[k].key, legal_keys[k].example);
    free(*slot);
    *slot = strdup(value);
    return *slot ? 0 : cn_error_set(CN_ENOMEM, "out of memory");
}

static int set_field(cn_config *cfg, const char *key, const char *value, const char *path,
                     size_t line)
{
    char **legal[] = {&cfg->imprint, &cfg->privacy, &cfg->accessibility};
    char **slot = NULL;

    if (strcmp(key, "name") == 0)
        slot = &cfg->name;
    else if (strcmp(key, "url") == 0)
        slot = &cfg->url;
    else if (strcmp(key, "listen") == 0)
        slot = &cfg->listen;
    else if (strcmp(key, "country") == 0)
        slot = &cfg->country;
    else if (strcmp(key, "code") == 0)
        slot = &cfg->code;
    else if (strcmp(key, "timestamp_margin") == 0) {
        char *end;
        long long v;
        errno = 0;
        v = strtoll(value, &end, 10);
        if (errno || *end || end == value || v < 60 || v > CN_MAX_TIMESTAMP_MARGIN)
            return cn_error_set(CN_EINVAL,
                                "%s:%zu: timestamp_margin: must be seconds (60..%lld): serve "
                                "re-signs the timestamp when less than this is left of its "
                                "%lld s, so a margin near that would re-sign it over and over",
                                path, line, (long long)CN_MAX_TIMESTAMP_MARGIN,
                                (long long)CN_TUF_DAY);
        cfg->timestamp_margin = v;
        return 0;
    } else if (strcmp(key, "sync_interval") == 0) {
        char *end;
        long long v;
        errno = 0;
        v = strtoll(value, &end, 10);
        if (errno || *end || end == value || v < 0 || v > CN_MAX_SYNC_INTERVAL)
            return cn_error_set(CN_EINVAL,
                                "%s:%zu: sync_interval: must be seconds (0 for never, up to %d)",
                                path, line, CN_MAX_SYNC_INTERVAL);
        cfg->sync_interval = v ? v : CN_SYNC_NEVER;
        return 0;
    } else if (strcmp(key, "sync_connect_timeout") == 0)
        return set_seconds(&cfg->sync_connect_timeout, key, value, 1, 600, path, line);
    else if (strcmp(key, "sync_low_speed_limit") == 0)
        return set_seconds(&cfg->sync_low_speed_limit, key, value, 1, 1 << 30, path, line);
    else if (strcmp(key, "sync_low_speed_time") == 0)
        return set_seconds(&cfg->sync_low_speed_time, key, value, 1, 3600, path, line);
    else if (strcmp(key, "logo") == 0) {
        if (*value == '\0' || strlen(value) > 4096 ||
            cn_text_check("logo", value, strlen(value), 4096, 0) != 0) {
            cn_error_clear();
            return cn_error_set(CN_EINVAL,
                                "%s:%zu: logo: expected the path of a PNG, JPEG, WebP or SVG "
                                "file (absolute, or relative to the node's directory), e.g. "
                                "logo: logo.svg",
                                path, line);
        }
        slot = &cfg->logo;
    } else if (strcmp(key, "metadata_layout") == 0) {
        if (strcmp(value, "1") != 0 && strcmp(value, "2") != 0)
            return cn_error_set(CN_EINVAL,
                                "%s:%zu: metadata_layout: must be 1 (everything in targets.json) "
                                "or 2 (a delegated role per item, docs/PROTOCOL.md §4.1)",
                                path, line);
        cfg->metadata_layout = value[0] - '0';
        return 0;
    } else {
        for (size_t k = 0; k < sizeof(legal_keys) / sizeof(legal_keys[0]); k++)
            if (strcmp(key, legal_keys[k].key) == 0)
                return set_legal(legal[k], k, value, path, line);
        return cn_error_set(CN_EINVAL, "%s:%zu: %s: unknown setting", path, line, key);
    }
    free(*slot);
    *slot = strdup(value);
    return *slot ? 0 : cn_error_set(CN_ENOMEM, "out of memory");
}

int cn_config_read(cn_config **out, const char *path)
{
    unsigned char *data = NULL;
    size_t len;
    int err;

    *out = NULL;
    if ((err = cn_file_read(&data, &len, path, CN_CONFIG_MAX)) != 0)
        return err;
    err = cn_config_parse(out, data, len, path);
    free(data);
    return err;
}

int cn_config_parse(cn_config **out, const unsigned char *data, size_t len, const char *path)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_node_t *root;
    yaml_node_pair_t *pair;
    cn_config *cfg = NULL;
    int err, have_doc = 0;

    *out = NULL;
    if (len > CN_CONFIG_MAX)
        return cn_error_set(CN_ELIMIT, "%s: larger than %d bytes", path, CN_CONFIG_MAX);
    if (!yaml_parser_initialize(&parser))
        return cn_error_set(CN_ENOMEM, "out of memory");
    yaml_parser_set_input_string(&parser, data, len);
    if (!yaml_parser_load(&parser, &doc)) {
        err = cn_error_set(CN_EINVAL, "%s:%zu:%zu: %s", path, parser.problem_mark.line + 1,
                           parser.problem_mark.column + 1,
                           parser.problem ? parser.problem : "YAML syntax error");
        goto out;
    }
    have_doc = 1;
    if ((cfg = calloc(1, sizeof(*cfg))) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    cfg->timestamp_margin = CN_DEFAULT_TIMESTAMP_MARGIN;
    cfg->sync_interval = CN_DEFAULT_SYNC_INTERVAL;
    cfg->sync_connect_timeout = CN_DEFAULT_SYNC_CONNECT_TIMEOUT;
    cfg->sync_low_speed_limit = CN_DEFAULT_SYNC_LOW_SPEED_LIMIT;
    cfg->sync_low_speed_time = CN_DEFAULT_SYNC_LOW_SPEED_TIME;
    cfg->metadata_layout = CN_DEFAULT_METADATA_LAYOUT;
    root = yaml_document_get_root_node(&doc);
    if (root == NULL || root->type != YAML_MAPPING_NODE) {
        err = cn_error_set(CN_EINVAL, "%s: expected a mapping of settings", path);
        goto out;
    }
    for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
        yaml_node_t *k = yaml_document_get_node(&doc, pair->key);
        yaml_node_t *v = yaml_document_get_node(&doc, pair->value);
        if (k != NULL && v != NULL && k->type == YAML_SCALAR_NODE &&
            strcmp((const char *)k->data.scalar.value, "programmes") == 0) {
            if ((err = set_programmes(cfg, &doc, v, path, k->start_mark.line + 1)) != 0)
                goto out;
            continue;
        }
        if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE || v->type != YAML_SCALAR_NODE) {
            err = cn_error_set(CN_EINVAL, "%s:%zu: settings must be 'key: value' scalars", path,
                               k ? k->start_mark.line + 1 : 0);
            goto out;
        }
        if ((err = set_field(cfg, (const char *)k->data.scalar.value,
                             (const char *)v->data.scalar.value, path, k->start_mark.line + 1)))
            goto out;
    }
    if (cfg->name == NULL) {
        err = cn_error_set(CN_EINVAL, "%s: name: required setting is missing", path);
        goto out;
    }
    if ((cfg->url == NULL && (cfg->url = strdup(CN_DEFAULT_URL)) == NULL) ||
        (cfg->listen == NULL && (cfg->listen = strdup(CN_DEFAULT_LISTEN)) == NULL)) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    *out = cfg;
    cfg = NULL;
out:
    if (have_doc)
        yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    cn_config_free(cfg);
    return err;
}

void cn_config_free(cn_config *cfg)
{
    if (cfg == NULL)
        return;
    free(cfg->name);
    free(cfg->url);
    free(cfg->listen);
    free(cfg->country);
    free(cfg->code);
    free(cfg->imprint);
    free(cfg->privacy);
    free(cfg->accessibility);
    free(cfg->logo);
    for (size_t i = 0; i < cfg->nprogrammes; i++)
        free(cfg->programmes[i]);
    free(cfg);
}
