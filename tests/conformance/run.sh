#!/bin/bash
# run.sh - the external conformance suites (make conformance).
#
#   CONFORMANCE_DIR=.../shared/conformance CITYNODE=build/citynode tests/conformance/run.sh
#
# 1. publiccode.yml v0 cases of the reference parser, through `citynode validate`
#    (publiccode.sh; needs >= 95% agreement).
# 2. The JSON Schema Test Suite (draft 2020-12) through the validator
#    (jsonschema_suite, built next to citynode; every supported group must pass).
# 3. The DCAT-AP catalog of a node publishing every example dataset against the
#    DCAT-AP 3.0.1 and DCAT-AP.de 3.0 SHACL shapes (dcat.sh; no violation; the
#    warnings are counted and printed).
# 4. The ADMS-AP catalog of a node publishing every example solution against
#    SEMIC's ADMS-AP 2.0 validation rules (adms.sh; no error).
# The last line is "N passed, M failed", summing the suites' cases (a shape set
# is one case).
set -u
: "${CONFORMANCE_DIR:?set CONFORMANCE_DIR}" "${CITYNODE:?set CITYNODE}"
here=$(cd "$(dirname "$0")" && pwd)
suite_bin=${JSONSCHEMA_SUITE:-$(dirname "$CITYNODE")/jsonschema_suite}
status=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

echo "== publiccode.yml v0 (reference parser cases)"
CONFORMANCE_DIR="$CONFORMANCE_DIR" CITYNODE="$CITYNODE" bash "$here/publiccode.sh" | tee "$out"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
pc=$(tail -n 1 "$out")

echo "== JSON Schema Test Suite (draft 2020-12)"
if [ ! -x "$suite_bin" ]; then
    echo "no $suite_bin (build the jsonschema_suite target)" >&2
    exit 1
fi
"$suite_bin" "$CONFORMANCE_DIR/json-schema/draft2020-12" \
    "$CONFORMANCE_DIR/json-schema/remote-refs.tsv" | tee "$out"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
js=$(tail -n 1 "$out")

echo "== DCAT-AP 3.0.1 and DCAT-AP.de 3.0 SHACL shapes"
CONFORMANCE_DIR="$CONFORMANCE_DIR" CITYNODE="$CITYNODE" bash "$here/dcat.sh" | tee "$out"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
dc=$(tail -n 1 "$out")

echo "== ADMS-AP 2.0 validation rules (SEMICeu/adms-ap_validator)"
CONFORMANCE_DIR="$CONFORMANCE_DIR" CITYNODE="$CITYNODE" bash "$here/adms.sh" | tee "$out"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
ad=$(tail -n 1 "$out")

# count LINE 1|2: the passed (1) or failed (2) count of a suite's last line;
# 0 when a suite stopped before printing one (its status already failed).
count() {
    local n
    n=$(sed -n "s/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\\$2/p" <<<"$1")
    echo "${n:-0}"
}
passed=$(($(count "$pc" 1) + $(count "$js" 1) + $(count "$dc" 1) + $(count "$ad" 1)))
failed=$(($(count "$pc" 2) + $(count "$js" 2) + $(count "$dc" 2) + $(count "$ad" 2)))
echo "$passed passed, $failed failed"
exit $status
