/*
 * fuzz_yaml.c - libFuzzer harness: the YAML reader, then schema validation
 * of whatever document it produced against each of the four schemas.
 */
#include "schemas/manifest.h"
#include "schemas/yaml.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
        cn_yaml_doc_free(doc);
    }
    cn_diagnostics_free(&d);
    return 0;
}
