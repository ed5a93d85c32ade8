#!/bin/bash
# adms.sh - the ADMS-AP catalog of a node against SEMIC's ADMS-AP 2.0
# validation rules (make conformance).
#
#   CONFORMANCE_DIR=.../shared/conformance CITYNODE=build/citynode tests/conformance/adms.sh
#
# A node in a scratch directory publishes every example solution
# (examples/solutions/*), one of them in a second version, and withdraws its
# first; it serves on 127.0.0.1, and /adms/catalog.jsonld, /adms/catalog.ttl
# and /adms/network.ttl are run through the rule query of
# SEMICeu/adms-ap_validator (adms_rules.py, with rdflib). Prints each finding
# and the counts; the last line is "adms-ap: N passed, M failed" over the
# documents; exits 1 on any error.
set -u
: "${CONFORMANCE_DIR:?set CONFORMANCE_DIR}" "${CITYNODE:?set CITYNODE}"
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
rules="$CONFORMANCE_DIR/adms-ap/adms-ap-rules.rq"
scratch=$(mktemp -d /tmp/citynode-adms-conformance.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$scratch"' EXIT

fail() {
    echo "adms.sh: $*" >&2
    exit 1
}

[ -f "$rules" ] || fail "no ADMS-AP rule query at $rules"
/usr/bin/python3 -c "import rdflib" 2>/dev/null || fail "Debian's python3-rdflib is missing"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
node="$scratch/node"
"$CITYNODE" --home "$node" init --name "Conformance node (sample)" --country DE --url "$base" \
    >/dev/null 2>"$scratch/err" || fail "init failed: $(cat "$scratch/err")"
for d in "$src"/examples/solutions/*/; do
    pub="$scratch/$(basename "$d")"
    cp -r "$d" "$pub" && git -C "$pub" init -q && git -C "$pub" add . &&
        git -C "$pub" -c user.name=t -c user.email=t@example.org commit -qm sample &&
        "$CITYNODE" --home "$node" publish --quiet "$pub" >/dev/null 2>"$scratch/err" ||
        fail "publishing $d failed: $(cat "$scratch/err")"
done
# A second version of the first solution, and its first withdrawn: a
# release per version, one of them adms:status Withdrawn.
first=$(ls -d "$src"/examples/solutions/*/ | head -n 1)
pub="$scratch/$(basename "$first")"
sed -i 's/^softwareVersion: .*/softwareVersion: "1.1.0"/' "$pub/publiccode.yml" &&
    git -C "$pub" -c user.name=t -c user.email=t@example.org commit -qam "second version" &&
    "$CITYNODE" --home "$node" publish --quiet "$pub" --version 1.1.0 >/dev/null 2>"$scratch/err" &&
    "$CITYNODE" --home "$node" withdraw "$(basename "$first")@1.0.0" \
        --reason "superseded by 1.1.0 (conformance run)" >/dev/null 2>"$scratch/err" ||
    fail "the second version failed: $(cat "$scratch/err")"

"$CITYNODE" --home "$node" serve --listen "127.0.0.1:$port" >"$scratch/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
    curl -fsS -o /dev/null "$base/tuf/timestamp.json" 2>/dev/null && break
    sleep 0.1
done
passed=0 failed=0
for f in catalog.jsonld:json-ld catalog.ttl:turtle network.ttl:turtle; do
    curl -fsS -o "$scratch/${f%%:*}" "$base/adms/${f%%:*}" || fail "GET $base/adms/${f%%:*} failed"
    echo "-- /adms/${f%%:*}"
    if /usr/bin/python3 "$here/adms_rules.py" "$rules" "$scratch/${f%%:*}" "${f#*:}"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
done
echo "adms-ap: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
