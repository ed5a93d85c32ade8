#!/bin/bash
# run.sh - the external conformance suites (make conformance).
#
#   CONFORMANCE_DIR=.../shared/conformance CITYNODE=build/citynode tests/conformance/run.sh
#
# 1. publiccode.yml v0 cases of the reference parser, through `citynode validate`
#    (publiccode.sh; needs >= 95% agreement).
# 2. The JSON Schema Test Suite (draft 2020-12) through the validator
#    (jsonschema_suite, built next to citynode; every supported group must pass).
# The last line is "N passed, M failed", summing both suites' cases.
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

count() { sed -n "s/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\\$2/p" <<<"$1"; }
passed=$(($(count "$pc" 1) + $(count "$js" 1)))
failed=$(($(count "$pc" 2) + $(count "$js" 2)))
echo "$passed passed, $failed failed"
exit $status
