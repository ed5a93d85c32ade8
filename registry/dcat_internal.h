/*
 * dcat_internal.h - what dcat.c (a dataset as DCAT-AP, the node's catalog)
 * shares with dcat_network.c (the network catalog and its records). Nothing
 * outside registry/ includes it.
 */
#ifndef CN_REGISTRY_DCAT_INTERNAL_H
#define CN_REGISTRY_DCAT_INTERNAL_H

#include "registry/registry.h"

#include <jansson.h>
#include <stdint.h>

/* Bounds on one catalog: bytes of stored manifests read, base URLs. */
#define DCAT_MANIFEST_BYTES (64 * 1024 * 1024)
#define DCAT_BASE_URL_MAX   512

#define DCAT_AP_3 "http://data.europa.eu/r5r/" /* DCAT-AP 3's namespace IRI */

/* What the datasets of one publisher share in a catalog. */
typedef struct {
    const char *base;        /* the publisher's base URL without a trailing '/' */
    const char *node_id;     /* the publisher's full id */
    int has_files;           /* the bundles are at base (self or mirror) */
    const char *mirror_base; /* network catalog: the serving node's base when it
                                mirrors the bundles of another publisher, else NULL */
    int oom;                 /* an allocation failed while building */
} cn_dcat_ctx;

/* One version of a dataset as the catalog shows it. */
typedef struct {
    const char *item;
    const char *version;
    const json_t *manifest;
    int64_t first_published; /* earliest live version's publication, 0 if unknown */
    int64_t published;       /* this version's */
} cn_dcat_item;

/* Add value to obj under key, stealing it; a NULL value is an allocation
 * that failed (c->oom is set). */
void cn_dcat_put(cn_dcat_ctx *c, json_t *obj, const char *key, json_t *value);
/* Append value to the array under key (made on first use), stealing it;
 * NULL is nothing to add. */
void cn_dcat_add(cn_dcat_ctx *c, json_t *obj, const char *key, json_t *value);
/* cn_dcat_put() of a value that may be NULL: then nothing is added. */
void cn_dcat_put_opt(cn_dcat_ctx *c, json_t *obj, const char *key, json_t *value);
/* {"@id": iri}; NULL when iri is no absolute URI, or out of memory (then
 * c->oom is set). */
json_t *cn_dcat_ref(cn_dcat_ctx *c, const char *iri);
/* cn_dcat_ref() of a formatted IRI. */
json_t *cn_dcat_ref_printf(cn_dcat_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* {"@id": "mailto:<email>"}, percent-encoded as RFC 6068 asks; NULL when
 * email is not an address. */
json_t *cn_dcat_mailto(cn_dcat_ctx *c, const char *email);
/* A JSON string (c->oom set when out of memory). */
json_t *cn_dcat_text(cn_dcat_ctx *c, const char *s);
/* A unix time as an xsd:dateTime value, NULL for 0. */
json_t *cn_dcat_date_time(cn_dcat_ctx *c, int64_t t);
/* The dcat:Dataset of d, published by c->node_id at c->base. */
json_t *cn_dcat_dataset_json(cn_dcat_ctx *c, const cn_dcat_item *d);
/* The @context of every DCAT document (a new object). */
json_t *cn_dcat_context(void);
/* The base URL without trailing '/' (*out to free): given, else node_url;
 * CN_EINVAL unless it is an absolute http(s) URL without query. */
int cn_dcat_base_url(char **out, const char *given, const char *node_url);
/* The serving node self: its full id, its row (-1 when it is not in its
 * own registry: it publishes nothing, and is named "citynode node <id>"),
 * its name and base URL (given, else its URL in the registry); *name and
 * *base are the caller's to free. */
int cn_dcat_serving_node(char id[65], int64_t *rowid, char **name, char **base, cn_registry *reg,
                         const char *self, const char *given);
/* A new dcat:Catalog iri of the node called name at base, its publisher,
 * with an empty dcat:dataset list; with an @context first when ctx (stolen,
 * as description is) is not NULL. */
json_t *cn_dcat_catalog_head(cn_dcat_ctx *c, json_t *ctx, const char *iri, const char *base,
                             const char *name, json_t *description);

#endif
