/*
 * web_assets.h - the registry's web page (the files of node/web/), compiled
 * into the binary by node/embed-web.cmake.
 */
#ifndef CN_WEB_ASSETS_H
#define CN_WEB_ASSETS_H

#include <stddef.h>

typedef struct {
    const char *name; /* file name in node/web/, e.g. "app.js" */
    const unsigned char *data;
    size_t len;
    const char *etag; /* a strong ETag from the file's SHA-256 */
} cn_web_asset;

/* Terminated by an entry whose name is NULL. */
extern const cn_web_asset cn_web_assets[];

#endif
