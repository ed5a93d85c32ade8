#!/bin/bash
# dcat.sh - the DCAT-AP catalog of a node against the official SHACL shapes
# (make conformance).
#
#   CONFORMANCE_DIR=.../shared/conformance CITYNODE=build/citynode tests/conformance/dcat.sh
#
# Two nodes in a scratch directory: one publishes every example dataset
# (examples/datasets/*) and tests/data/dcat/every-key (every key the dataset
# schema has), and follows the other, which publishes
# tests/data/dcat/unmapped-values (values with no IRI in the vocabularies).
# The first serves on 127.0.0.1, and its catalog, network catalog (JSON-LD
# and Turtle) and the record of the other's dataset are validated by
# dcat_shacl.mjs against DCAT-AP 3.0.1 and DCAT-AP.de 3.0. Prints the
# violations and the counts; the last line is "dcat-ap: N passed, M failed"
# over the shape sets; exits 1 on any violation. DCAT_SHACL_VERBOSE=1 prints
# the warnings too.
set -u
: "${CONFORMANCE_DIR:?set CONFORMANCE_DIR}" "${CITYNODE:?set CITYNODE}"
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
scratch=$(mktemp -d /tmp/citynode-dcat-conformance.XXXXXX)
pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$scratch"' EXIT

fail() {
    echo "dcat.sh: $*" >&2
    exit 1
}

[ -d "$here/../node_modules/rdf-validate-shacl" ] ||
    fail "tests/node_modules has no rdf-validate-shacl: run 'cd tests && npm ci'"
[ -f "$CONFORMANCE_DIR/dcat-ap/dcat-ap-3.0.1-shapes.ttl" ] ||
    fail "no DCAT-AP shapes under $CONFORMANCE_DIR/dcat-ap"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# publish HOME DIR: publish a copy of DIR as a git repository.
publish() {
    rm -rf "$scratch/pub" && cp -r "$2" "$scratch/pub" &&
        git -C "$scratch/pub" init -q && git -C "$scratch/pub" add . &&
        git -C "$scratch/pub" -c user.name=t -c user.email=t@example.org commit -qm sample &&
        "$CITYNODE" --home "$1" publish --quiet "$scratch/pub" >/dev/null 2>"$scratch/publish.err" ||
        fail "publishing $2 failed: $(cat "$scratch/publish.err")"
}
# serve HOME PORT: serve HOME until the script ends, once it answers.
serve() {
    "$CITYNODE" --home "$1" serve --listen "127.0.0.1:$2" >"$1.log" 2>&1 &
    pids="$pids $!"
    for _ in $(seq 100); do
        curl -fsS -o /dev/null "http://127.0.0.1:$2/tuf/timestamp.json" 2>/dev/null && return 0
        sleep 0.1
    done
    fail "serve $1 did not answer (log: $(tail -n 3 "$1.log"))"
}

# The publisher of the dataset without IRIs, and the node whose catalogs
# are checked: it publishes the rest and follows the first, so its network
# catalog holds another publisher's dataset, record and mirrored bundle.
pport=$(free_port)
port=$(free_port)
base="http://127.0.0.1:$port"
for n in publisher:$pport node:$port; do
    "$CITYNODE" --home "$scratch/${n%%:*}" init --name "Conformance ${n%%:*} (sample)" --country DE \
        --code 14713000 --url "http://127.0.0.1:${n#*:}" >/dev/null 2>"$scratch/init.err" ||
        fail "init failed: $(cat "$scratch/init.err")"
done
publish "$scratch/publisher" "$src/tests/data/dcat/unmapped-values"
for d in "$src"/examples/datasets/*/ "$src"/tests/data/dcat/every-key/; do
    publish "$scratch/node" "$d"
done
serve "$scratch/publisher" "$pport"
"$CITYNODE" --home "$scratch/node" peer add "http://127.0.0.1:$pport" >"$scratch/peer" 2>&1 &&
    "$CITYNODE" --home "$scratch/node" sync --quiet >/dev/null 2>>"$scratch/peer" ||
    fail "following the publisher failed: $(cat "$scratch/peer")"
serve "$scratch/node" "$port"
publisher=$(ls "$scratch/publisher/repos")
docs=()
for p in catalog.jsonld catalog.ttl network.jsonld network.ttl \
    "datasets/$publisher/dcat-unmapped-values.ttl"; do
    f="$scratch/$(basename "$p")"
    curl -fsS -o "$f" "$base/dcat/$p" || fail "GET $base/dcat/$p failed"
    docs+=("$f")
done
grep -q "dcat-unmapped-values" "$scratch/network.jsonld" ||
    fail "the network catalog has not the publisher's dataset"
node "$here/dcat_shacl.mjs" ${DCAT_SHACL_VERBOSE:+-v} "$CONFORMANCE_DIR" "${docs[@]}"
