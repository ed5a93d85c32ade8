/*
 * schema_internal.h - what the parts of the JSON Schema validator share and
 * nobody else sees: the compiled schema, and the helpers between compiling
 * (schema_compile.c), resolving names (schema_uri.c) and validating
 * (schema_validate.c).
 */
#ifndef CN_SCHEMA_INTERNAL_H
#define CN_SCHEMA_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include "schemas/schema.h"

#include <pcre2.h>
#include <stddef.h>

typedef struct {
    char *text;
    pcre2_code *code;
} cn_schema_regex;

typedef struct {
    const json_t *from; /* the schema object holding $ref */
    const json_t *to;
} cn_schema_ref;

typedef struct {
    char *uri; /* absolute, without fragment */
    const json_t *node;
} cn_schema_resource;

typedef struct {
    const json_t *obj;
    char *uri;
} cn_schema_pending_ref;

struct cn_schema {
    json_t *root;
    unsigned flags;
    cn_schema_regex *regexes;
    size_t nregexes;
    cn_schema_ref *refs;
    size_t nrefs;
    cn_schema_resource *resources;
    size_t nresources;
    const json_t **visited;
    size_t nvisited, capvisited;
    cn_schema_pending_ref *pending;
    size_t npending;
};

/* Order cn_schema_ref by the schema object holding the $ref, and
 * cn_schema_regex by pattern text: the orders compile sorts them in and
 * validation bsearches them by. */
int cn_schema_ref_cmp(const void *a, const void *b);
int cn_schema_regex_cmp(const void *a, const void *b);

/* Whether a double has no fractional part (all doubles past 2^53 have none). */
int cn_schema_is_integral(double d);

/* ---- schema_uri.c ---- */

/* Resolve the URI reference ref against the absolute URI base (RFC 3986
 * section 5.2); heap result in *out. */
int cn_schema_uri_resolve(char **out, const char *base, const char *ref);
/* The node a JSON pointer (RFC 6901, percent-encoded as in a URI fragment)
 * names inside node, or NULL. */
const json_t *cn_schema_pointer_follow(const json_t *node, const char *ptr);

#endif
