/*
 * manifest.h - load, validate and identify an item's manifest.
 *
 * A manifest is a citynode.yml (top-level kind solution|dataset|strategy,
 * id, version) or a publiccode.yml, which is a solution as it is: its id is
 * the slug of `name` unless `id` is given, its version `softwareVersion`
 * (when that is semver) unless `version` is given.
 *
 * Loading reads the YAML (schemas/yaml.h), validates it against the kind's
 * schema compiled into the program (schemas/embedded.h) and checks the
 * relative file references a manifest makes (publiccode logo,
 * monochromeLogo, screenshots, legal.authorsFile; dataset distribution
 * `file`) against the manifest's directory: relative names only, no "..",
 * no absolute paths or file: URLs; HTTP(S) URLs are not fetched.
 *
 * Every problem becomes a diagnostic with file, line, column and key path.
 */
#ifndef CN_MANIFEST_H
#define CN_MANIFEST_H

#include <jansson.h>

#include "schemas/diag.h"
#include "schemas/schema.h"
#include "schemas/yaml.h"

typedef enum {
    CN_KIND_SOLUTION = 0,
    CN_KIND_DATASET,
    CN_KIND_STRATEGY,
    CN_KIND_NODE, /* the city profile, node.json; not an item kind */
} cn_kind;

/* "solution", "dataset", "strategy", "node". */
const char *cn_kind_name(cn_kind kind);

/* Parse an item kind name (solution, dataset, strategy; not node). */
int cn_kind_from_name(cn_kind *out, const char *name);

typedef struct {
    cn_kind kind;
    char *id;      /* slug, [a-z0-9][a-z0-9-]{0,62} */
    char *version; /* semver 2.0, or NULL when the manifest names none */
    char *title;   /* name (solution) or title (dataset, strategy) */
    char *path;    /* the manifest file that was read */
    json_t *doc;   /* the whole manifest */
} cn_manifest;

/* Manifest file names looked for in a directory, in order. */
#define CN_MANIFEST_NAMES                                                                          \
    {                                                                                              \
        "citynode.yml", "publiccode.yml", "publiccode.yaml", NULL                                  \
    }

/* Load the manifest at path: a file of any name, or a directory holding
 * one of CN_MANIFEST_NAMES. Returns 0 with *out set when the manifest is
 * valid (warnings may have been added to diags); CN_EINVAL when it is not
 * (diagnostics in diags, *out NULL); CN_ENOTFOUND, CN_ERROR for I/O problems
 * (message in cn_error_message(), nothing in diags). */
int cn_manifest_load(cn_manifest **out, cn_diagnostics *diags, const char *path);

/* The same for YAML already in memory. file names it in diagnostics and its
 * directory is where relative file references are looked up. */
int cn_manifest_parse(cn_manifest **out, cn_diagnostics *diags, const void *data, size_t len,
                      const char *file);

/* Where a manifest's relative file references (logo, screenshots, a
 * dataset's files) are looked up instead of beside the manifest file: a
 * commit's tree, for a manifest read from git. find says whether the file
 * rel (as the manifest wrote it, relative to the manifest's directory)
 * exists: 1 with up to n of its first bytes in head (*got of them), 0 if
 * not, <0 on error (message set). */
typedef struct {
    int (*find)(void *ctx, const char *rel, unsigned char *head, size_t n, size_t *got);
    void *ctx;
} cn_manifest_files;

/* cn_manifest_parse, with file references looked up through files (NULL:
 * beside file, as cn_manifest_parse does); file only names the manifest in
 * diagnostics then. */
int cn_manifest_parse_files(cn_manifest **out, cn_diagnostics *diags, const void *data, size_t len,
                            const char *file, const cn_manifest_files *files);

void cn_manifest_free(cn_manifest *m);

/* Validate a document without positions (e.g. node.json, or a manifest.json
 * received from a peer) against the schema of kind. Diagnostics carry key
 * paths and line 0. Returns 0 or CN_EINVAL. File references are not checked. */
int cn_schema_validate_json(cn_kind kind, const json_t *doc, cn_diagnostics *diags);

/* Compile the embedded schema of kind (caller frees with cn_schema_free). */
int cn_schema_for_kind(cn_schema **out, cn_kind kind);

/* Compile an embedded schema by its file name, e.g. "network.schema.json";
 * CN_ENOTFOUND if this build has no such schema. */
int cn_schema_embedded(cn_schema **out, const char *name);

/* Copy the diagnostics of from into diags with file and the line and column
 * of each key path in doc (or of its nearest ancestor there; the document's
 * start for the root). doc may be NULL (no positions). */
int cn_diagnostics_place(cn_diagnostics *diags, const cn_diagnostics *from, const cn_yaml_doc *doc,
                         const char *file);

#endif
