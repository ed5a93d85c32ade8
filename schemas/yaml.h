/*
 * yaml.h - read a YAML document written by people into JSON, with positions;
 * and write JSON back out as YAML (a solution's publiccode.yml export).
 *
 * The reader (libyaml's event parser) accepts one document and builds a
 * jansson value, remembering for every node its key path (see diag.h) and the
 * 1-based line and column where it starts (for a map member: where its key
 * starts), so that a validator's complaint can point into the file.
 *
 * What it refuses, each with a diagnostic FILE:LINE:COL and CN_EINVAL (or
 * CN_ELIMIT for a bound): input that is not UTF-8 ("Invalid UTF-8"), YAML
 * syntax errors, aliases (no billion laughs), duplicate keys, keys that are
 * not scalars, more than one document, unknown tags, and input past the
 * limits below. A syntax error is reported where its cause is, with what to
 * do: a tab in indentation, a quote that is never closed (at the quote), a
 * line indented more or less than the one above it.
 *
 * Plain scalars are typed like YAML 1.2's core schema: null, ~ and the empty
 * value are null; true/false (also True, TRUE...) are booleans; decimal, 0o
 * octal and 0x hex integers are integers; decimals with a dot or exponent are
 * reals; everything else -- YAML 1.1's yes/no/on/off, dates like 2017-04-15,
 * .inf and .nan (JSON has no such numbers) -- stays a string. Quoted and
 * block scalars are always strings; the tag !!str forces a string.
 */
#ifndef CN_YAML_H
#define CN_YAML_H

#include <jansson.h>
#include <stddef.h>

#include "core/buf.h"
#include "schemas/diag.h"

#define CN_YAML_MAX_BYTES (1024 * 1024)
#define CN_YAML_MAX_DEPTH 64
#define CN_YAML_MAX_NODES 100000

typedef struct {
    size_t max_bytes; /* input size */
    size_t max_depth; /* nesting of maps and sequences */
    size_t max_nodes; /* scalars, maps and sequences together */
} cn_yaml_limits;

#define CN_YAML_LIMITS_INIT                                                                        \
    {                                                                                              \
        CN_YAML_MAX_BYTES, CN_YAML_MAX_DEPTH, CN_YAML_MAX_NODES                                    \
    }

typedef struct cn_yaml_doc cn_yaml_doc;

/* Parse len bytes of YAML. file names the input in diagnostics (may be NULL);
 * limits may be NULL for the defaults. On success *out owns the document. On
 * failure *out is NULL, a diagnostic has been added to diags (if not NULL)
 * and the cn_error message says the same. An empty input is the null
 * document. */
int cn_yaml_parse(cn_yaml_doc **out, cn_diagnostics *diags, const void *data, size_t len,
                  const char *file, const cn_yaml_limits *limits);

/* The document's value, owned by doc (json_incref it to keep it longer). */
json_t *cn_yaml_doc_root(const cn_yaml_doc *doc);

/* Where the node at key path starts. Returns CN_ENOTFOUND (without setting an
 * error message) for a path that is not in the document. */
int cn_yaml_doc_position(const cn_yaml_doc *doc, const char *path, unsigned *line, unsigned *col);

/* The source text of the plain scalar at key path when it was read as a
 * number ("0.4", "14", "0x1F"), or NULL (other nodes, unknown paths). */
const char *cn_yaml_doc_text(const cn_yaml_doc *doc, const char *path);

/* Number of nodes in the document. */
size_t cn_yaml_doc_nodes(const cn_yaml_doc *doc);

void cn_yaml_doc_free(cn_yaml_doc *doc);

/* Append root as a YAML document to out (block style, UTF-8, keys in the
 * object's order, without the top-level member skip_key if not NULL).
 * Reading it back with cn_yaml_parse gives root again: strings that would
 * read as another type are quoted. */
int cn_yaml_write(cn_buf *out, const json_t *root, const char *skip_key);

#endif
