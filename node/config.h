/*
 * config.h - the node's config.yml: name, public URL, listen address, limits,
 * intervals.
 */
#ifndef CN_CONFIG_H
#define CN_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CN_CONFIG_PROGRAMMES_MAX 16
#define CN_CONFIG_PROGRAMME_MAX  200 /* bytes of one programme's name */

typedef struct {
    char *name;
    char *url;                                  /* public base URL, no trailing slash */
    char *listen;                               /* HOST:PORT for serve */
    char *country;                              /* ISO 3166-1 alpha-2, may be NULL */
    char *code;                                 /* AGS/ARS/LAU code, may be NULL */
    char *programmes[CN_CONFIG_PROGRAMMES_MAX]; /* funding programmes and networks the
                                                   city takes part in (node.json) */
    size_t nprogrammes;
    int64_t timestamp_margin; /* serve re-signs the timestamp this long before expiry (s) */
    int64_t sync_interval;    /* serve syncs its peers every this many seconds, or
                                 CN_SYNC_NEVER ("sync_interval: 0" in config.yml); after
                                 cn_config_read never 0, and 0 is written as the default */
    /* Sync transfers (0: the default; cn_config_read fills them in): give
     * up connecting after sync_connect_timeout s, and abort a transfer
     * slower than sync_low_speed_limit bytes/s for sync_low_speed_time s. */
    int64_t sync_connect_timeout;
    int64_t sync_low_speed_limit;
    int64_t sync_low_speed_time;
    /* How the signed metadata is laid out (docs/PROTOCOL.md §4.1): 1, every
     * target in targets.json, or 2, a delegated role per item (the default:
     * a layout-1 tree moves to it at its next publish). A tree already in
     * layout 2 stays in it. */
    int metadata_layout;
    /* The node's pages a German public body must link (http or https URLs,
     * may be NULL): Impressum, Datenschutzerklärung, Erklärung zur
     * Barrierefreiheit. The registry's /api/v1 names them. */
    char *imprint;
    char *privacy;
    char *accessibility;
    /* The city's logo file as config.yml gives it: absolute, or relative to
     * the node's home (cn_config_logo_path); NULL: none. publish signs it
     * as the target node-logo.<ext> (node/logo.h). */
    char *logo;
} cn_config;

#define CN_CONFIG_URL_MAX 2048 /* bytes of a legal page's URL */

#define CN_SYNC_NEVER                   (-1)
#define CN_DEFAULT_SYNC_INTERVAL        300
#define CN_DEFAULT_SYNC_CONNECT_TIMEOUT 10
#define CN_DEFAULT_SYNC_LOW_SPEED_LIMIT 1024
#define CN_DEFAULT_SYNC_LOW_SPEED_TIME  15
#define CN_DEFAULT_METADATA_LAYOUT      2

/* Write config.yml atomically. */
int cn_config_write(const cn_config *cfg, const char *path);
/* Read config.yml; missing optional keys get defaults. */
int cn_config_read(cn_config **out, const char *path);
/* The same from len bytes of config.yml's text (at most 256 KiB); path
 * names the file in errors. */
int cn_config_parse(cn_config **out, const unsigned char *data, size_t len, const char *path);
void cn_config_free(cn_config *cfg);

/* Add a programme (1 to CN_CONFIG_PROGRAMME_MAX bytes, no control
 * characters, not twice, at most CN_CONFIG_PROGRAMMES_MAX). */
int cn_config_add_programme(cn_config *cfg, const char *name);

#endif
