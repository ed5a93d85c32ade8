#!/bin/bash
# dcat.sh - the DCAT-AP catalog of a node against the official SHACL shapes
# (make conformance).
#
#   CONFORMANCE_DIR=.../shared/conformance CITYNODE=build/citynode tests/conformance/dcat.sh
#
# A node in a scratch directory publishes every example dataset
# (examples/datasets/*) and the datasets of tests/data/dcat/ (every key the
# dataset schema has, and values with no IRI in the EU vocabularies), serves
# them on 127.0.0.1, and its /dcat/catalog.jsonld is validated by
# dcat_shacl.mjs against DCAT-AP 3.0.1 and DCAT-AP.de 3.0. Prints the
# violations and the counts; the last line is "dcat-ap: N passed, M failed"
# over the shape sets; exits 1 on any violation. DCAT_SHACL_VERBOSE=1 prints
# the warnings too.
set -u
shopt -s nullglob
: "${CONFORMANCE_DIR:?set CONFORMANCE_DIR}" "${CITYNODE:?set CITYNODE}"
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
scratch=$(mktemp -d /tmp/citynode-dcat-conformance.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$scratch"' EXIT

fail() {
    echo "dcat.sh: $*" >&2
    exit 1
}

[ -d "$here/../node_modules/rdf-validate-shacl" ] ||
    fail "tests/node_modules has no rdf-validate-shacl: run 'cd tests && npm ci'"
[ -f "$CONFORMANCE_DIR/dcat-ap/dcat-ap-3.0.1-shapes.ttl" ] ||
    fail "no DCAT-AP shapes under $CONFORMANCE_DIR/dcat-ap"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
home="$scratch/node"
cn() { "$CITYNODE" --home "$home" "$@"; }

cn init --name "Conformance (sample)" --country DE --code 14713000 --url "$base" \
    >/dev/null 2>"$scratch/init.err" || fail "init failed: $(cat "$scratch/init.err")"
for d in "$src"/examples/datasets/*/ "$src"/tests/data/dcat/*/; do
    rm -rf "$scratch/pub" && cp -r "$d" "$scratch/pub" &&
        git -C "$scratch/pub" init -q && git -C "$scratch/pub" add . &&
        git -C "$scratch/pub" -c user.name=t -c user.email=t@example.org commit -qm sample &&
        cn publish --quiet "$scratch/pub" >/dev/null 2>"$scratch/publish.err" ||
        fail "publishing $d failed: $(cat "$scratch/publish.err")"
done
cn serve --listen "127.0.0.1:$port" >"$scratch/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
    curl -fsS -o "$scratch/catalog.jsonld" "$base/dcat/catalog.jsonld" 2>/dev/null && break
    sleep 0.1
done
[ -s "$scratch/catalog.jsonld" ] || fail "serve gave no catalog (log: $(tail -n 3 "$scratch/serve.log"))"
node "$here/dcat_shacl.mjs" ${DCAT_SHACL_VERBOSE:+-v} "$CONFORMANCE_DIR" "$scratch/catalog.jsonld"
