/*
 * fuzz_yaml.c - libFuzzer harness: the YAML reader, then schema validation
 * of whatever document it produced against each of the four schemas, and
 * the writer: the document written back as YAML (cn_yaml_write, the
 * publiccode.yml export) must read back as the same value.
 */
#include "schemas/manifest.h"
#include "schemas/yaml.h"

#include <jansson.h>
#include <stdlib.h>

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Write root as YAML and read it back: the same value, or a bug. (Values
 * the writer cannot express fail cleanly: nesting deeper than the reader
 * allows, or a document over the reader's size limit.) */
static void round_trip(const json_t *root)
{
    cn_buf out = CN_BUF_INIT;
    cn_yaml_doc *back = NULL;

    if (cn_yaml_write(&out, root, NULL) == 0 && out.len <= CN_YAML_MAX_BYTES) {
        if (cn_yaml_parse(&back, NULL, out.data, out.len, "written.yml", NULL) != 0 ||
            !json_equal(cn_yaml_doc_root(back), (json_t *)root))
            abort();
        cn_yaml_doc_free(back);
    }
    cn_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cn_diagnostics d = CN_DIAGNOSTICS_INIT;
    cn_yaml_doc *doc = NULL;
    unsigned line, col;
    int kind;

    if (cn_yaml_parse(&doc, &d, data, size, "fuzz.yml", NULL) == 0) {
        cn_yaml_doc_position(doc, "", &line, &col);
        for (kind = CN_KIND_SOLUTION; kind <= CN_KIND_NODE; kind++)
            cn_schema_validate_json((cn_kind)kind, cn_yaml_doc_root(doc), &d);
        round_trip(cn_yaml_doc_root(doc));
        cn_yaml_doc_free(doc);
    }
    cn_diagnostics_free(&d);
    return 0;
}
