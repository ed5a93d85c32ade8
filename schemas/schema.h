/*
 * schema.h - a JSON Schema (draft 2020-12) validator for a documented subset.
 *
 * Supported keywords (docs/SCHEMAS.md has the details):
 *   type, enum, const, properties, required, additionalProperties,
 *   patternProperties, items, prefixItems, minLength, maxLength, pattern,
 *   minimum, maximum, exclusiveMinimum, exclusiveMaximum, minItems, maxItems,
 *   uniqueItems, minProperties, maxProperties, allOf, anyOf, oneOf, not,
 *   if/then/else, $ref, $defs, $id, format, boolean schemas;
 *   annotations $schema, $comment, title, description, default, examples,
 *   readOnly, writeOnly, deprecated (a present deprecated key is a warning).
 *
 * A schema that uses any other keyword is refused by cn_schema_compile with
 * CN_EUNSUPPORTED and a message naming the keyword and where it is: a
 * subset validator must never pass a document it has only half checked.
 *
 * pattern and patternProperties are compiled with PCRE2 (UTF mode), whose
 * syntax covers what JSON Schema's ECMA-262 patterns use in practice.
 * $ref resolves JSON pointers and $id-based URIs inside the same document;
 * a reference to any other document is refused (CN_EUNSUPPORTED).
 *
 * format asserts date, date-time, email, uri, uri-reference and citynode's
 * extension spdx-expression (see format.h); any other format is refused.
 */
#ifndef CN_SCHEMA_H
#define CN_SCHEMA_H

#include <jansson.h>

#include "schemas/diag.h"

/* Compile flags. */
#define CN_SCHEMA_FORMAT_ANNOTATE 1u /* treat format as an annotation only */

/* How deep $ref chains and nesting may go while validating one instance. */
#define CN_SCHEMA_MAX_DEPTH 256

typedef struct cn_schema cn_schema;

/* Check and prepare schema (a JSON Schema document, boolean or object) for
 * validation. The compiled schema keeps a reference to the JSON. Errors:
 * CN_EUNSUPPORTED for keywords, formats, $schema dialects or references
 * outside the subset; CN_EINVAL for malformed keyword values or bad regular
 * expressions; the message names the schema path (`#/properties/name/pattern`). */
int cn_schema_compile(cn_schema **out, json_t *schema, unsigned flags);

/* Validate instance. Returns 0 when valid, CN_EINVAL when invalid (with one
 * error per failed check appended to diags, if diags is not NULL: key path of
 * the offending value, human message, no file or position), other codes for
 * resource failures. Deprecated keys add warnings but keep the verdict. */
int cn_schema_validate(const cn_schema *schema, const json_t *instance, cn_diagnostics *diags);

void cn_schema_free(cn_schema *schema);

/* JSON equality as JSON Schema defines it: numbers compare by value (1 == 1.0),
 * objects regardless of key order. */
int cn_json_schema_equal(const json_t *a, const json_t *b);

#endif
