#!/bin/bash
# A city node's datasets as a DCAT-AP catalog: a real node (sample: Leipzig)
# publishes the sample datasets under examples/, a second sample dataset in
# two versions and a strategy, serves them, and /dcat/catalog.jsonld is read
# the way CKAN's DCAT harvester reads it (rdflib's JSON-LD parser, then
# ckanext-dcat's DCAT-AP mapping, tests/dcat/read_catalog.py) and compared
# with the published manifests (tests/dcat/check_catalog.py). The links the
# catalog gives lead to the signed bundle and the item's page.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3 # Debian's python3 with python3-rdflib
H="$TRASH/leipzig"
P=$(test_free_port)
BASE="http://127.0.0.1:$P"

cn() { "$CITYNODE" --home "$H" "$@"; }

publish_dir() { # DIR
    (cd "$1" && { [ -d .git ] || git init -q; } && git add . && git commit -qm "sample") &&
    cn publish "$1" >/dev/null 2>publish.err &&
    ! grep -q "warning" publish.err
}

# The published manifest of item@version (the bytes of its manifest target).
manifest_of() { # ITEM VERSION
    ls "$H"/public/targets/items/"$1"/"$2"/*.manifest.json
}

# A sample dataset drawn from the Leipzig strategy of the seed documents (see
# examples/strategies/leipzig-triangulum): its measures as a CSV inside the
# bundle, and the strategy's registry document as a URL distribution. It
# carries the keys the example leaves out: landing page, dates, maintainer,
# e-mail addresses, several themes, a second licence, and a keyword that JSON
# and HTML would both have to escape.
write_measures() { # DIR VERSION TITLE
    mkdir -p "$1" &&
    cat >"$1/massnahmen.csv" <<'EOF' &&
nr,massnahme
1,Citizen engagement events in Leipzig-West (2016)
2,Future panel (Zukunftsforum)
3,Future lab (Zukunftslabor)
4,Digital City Unit
5,Positive energy districts in the SCC1 project SPARCs
EOF
    cat >"$1/citynode.yml" <<EOF
# SAMPLE DATA for citynode's tests, drawn from the seed documents (the
# measures of Leipzig's Triangulum strategy); not an official publication.
kind: dataset
id: leipzig-west-massnahmen
version: "$2"
title: "$3"
description: >-
  The measures of the smart city strategy for Leipzig-West (Triangulum), one
  row per measure, and the strategy as the registry describes it.
publisher:
  name: "Stadt Leipzig"
  url: "https://www.leipzig.de"
  email: "digital@leipzig.de"
contactPoint:
  name: "Stadt Leipzig, Digital City Unit"
  email: "digital@leipzig.de"
  url: "https://www.leipzig.de/digitalestadt"
maintainer:
  name: "Digital City Unit (sample)"
theme:
  - GOVE
  - REGI
  - TECH
license: "http://dcat-ap.de/def/licenses/cc-by/4.0"
spatial: "14713000"
keywords:
  - Triangulum
  - Maßnahmen
  - "</script><b>\"quoted\" \\\\ back"
issued: "2016-09-01"
modified: "2024-05-17"
accrualPeriodicity: irregular
landingPage: "https://www.leipzig.de/buergerservice-und-verwaltung/unsere-stadt/smart-city"
language:
  - en
  - de-DE
distributions:
  - title: "Massnahmen"
    format: CSV
    mediaType: text/csv
    file: massnahmen.csv
  - title: "Strategy (registry document)"
    format: JSON
    mediaType: application/json
    url: "$BASE/api/v1/items/\${NODE}/leipzig-triangulum"
    license: "http://dcat-ap.de/def/licenses/dl-zero-de/2.0"
EOF
}

test_expect_success 'a node (sample: Leipzig) publishes the sample datasets and a strategy' '
    cn init --name "Leipzig (sample)" --country DE --code 14713000 --url "$BASE" >id &&
    for d in "$CN_SOURCE_DIR"/examples/datasets/*/; do
        rm -rf pub && cp -r "$d" pub && publish_dir pub || exit 1
    done &&
    rm -rf pub && cp -r "$CN_SOURCE_DIR/examples/strategies/leipzig-triangulum" pub &&
    publish_dir pub
'

ID=$(cat "$TRASH/id" 2>/dev/null)

test_expect_success 'it publishes a second dataset in two versions' '
    write_measures m 1.0.0 "Massnahmen Leipzig-West (sample)" &&
    sed -i "s/\${NODE}/$ID/" m/citynode.yml && publish_dir m &&
    write_measures m 1.1.0 "Maßnahmen der Strategie Leipzig-West (sample)" &&
    sed -i "s/\${NODE}/$ID/" m/citynode.yml && publish_dir m
'

test_expect_success 'serve answers /dcat/catalog.jsonld as application/ld+json' '
    test_serve "$H" "$P" serve &&
    curl -fsS -D headers -o catalog.jsonld "$BASE/dcat/catalog.jsonld" &&
    grep -qi "^content-type: application/ld+json" headers
'

test_expect_success 'the Turtle catalog holds the same triples, escapes and all' '
    curl -fsS -D headers -o catalog.ttl "$BASE/dcat/catalog.ttl" &&
    grep -qi "^content-type: text/turtle" headers &&
    grep -qF "\"</script><b>\\\"quoted\\\" \\\\ back\"" catalog.ttl &&
    $PY -c "
from rdflib import Graph
from rdflib.compare import isomorphic
t = Graph().parse(\"catalog.ttl\", format=\"turtle\")
j = Graph().parse(\"catalog.jsonld\", format=\"json-ld\")
assert len(t) > 100 and isomorphic(t, j), (len(t), len(j))"
'

test_expect_success 'rdflib reads it: one catalog, absolute IRIs, every distribution reachable' '
    $PY "$CN_SOURCE_DIR/tests/dcat/read_catalog.py" catalog.jsonld "$BASE" >harvested.json &&
    $PY -c "import json,sys; d=json.load(open(\"harvested.json\")); sys.exit(len(d[\"datasets\"]) == 0)"
'

test_expect_success 'what a harvester reads is what the manifests say, newest versions only' '
    manifests="" &&
    for d in "$CN_SOURCE_DIR"/examples/datasets/*/; do
        item=$(basename "$d") &&
        manifests="$manifests $(manifest_of "$item" 1.0.0)" || exit 1
    done &&
    $PY "$CN_SOURCE_DIR/tests/dcat/check_catalog.py" harvested.json "$ID" "$BASE" \
        $manifests "$(manifest_of leipzig-west-massnahmen 1.1.0)" >diffs.ok &&
    test ! -s diffs.ok &&
    grep -q "Maßnahmen der Strategie Leipzig-West (sample)" harvested.json &&
    ! grep -q "Massnahmen Leipzig-West (sample)" harvested.json &&
    ! grep -q "\"identifier\": \"$ID/leipzig-triangulum\"" harvested.json
'

test_expect_success 'the checks can fail: another manifest, a relative IRI, a missing dataset' '
    $PY -c "
import json, sys
m = json.load(open(sys.argv[1])); m[\"title\"] = \"Something else\"; m[\"theme\"] = [\"AGRI\"]
json.dump(m, open(\"wrong.json\", \"w\"))" "$(manifest_of leipzig-west-massnahmen 1.1.0)" &&
    test_expect_code 1 $PY "$CN_SOURCE_DIR/tests/dcat/check_catalog.py" harvested.json "$ID" \
        "$BASE" wrong.json $(manifest_of leipzig-west-beteiligung-2016 1.0.0) >diffs &&
    grep -q "title: got" diffs && grep -q "theme: got" diffs &&
    test_expect_code 1 $PY "$CN_SOURCE_DIR/tests/dcat/check_catalog.py" harvested.json "$ID" \
        "$BASE" "$(manifest_of leipzig-west-massnahmen 1.1.0)" >diffs &&
    grep -q "^datasets: got" diffs &&
    sed "s|\"$BASE/download/|\"download/|" catalog.jsonld >relative.jsonld &&
    test_expect_code 1 $PY "$CN_SOURCE_DIR/tests/dcat/read_catalog.py" relative.jsonld "$BASE" \
        >/dev/null 2>err &&
    grep -q "not an absolute IRI" err
'

test_expect_success 'the bundle a distribution names is the signed bundle, the landing page the web page' '
    $PY -c "
import json
for d in json.load(open(\"harvested.json\"))[\"datasets\"]:
    for r in d[\"resources\"]:
        if r[\"uri\"].endswith(\"#bundle\"):
            print(r[\"url\"])
    if d[\"url\"].startswith(\"http://127.0.0.1\"):
        print(d[\"url\"])" >urls &&
    test "$(grep -c "/full.bundle$" urls)" -eq 2 &&
    grep "/full.bundle$" urls | while read -r u; do
        curl -fsS -o b "$u" && head -c 16 b | grep -q "^# v2 git bundle" || exit 1
    done &&
    u=$(grep -v "/full.bundle$" urls | head -1) &&
    case "$u" in "$BASE/?item=$ID/leipzig-west-beteiligung-2016") ;; *) false ;; esac &&
    curl -fsS -o page "$u" && grep -qi "<html" page &&
    bundle=$(grep "leipzig-west-massnahmen/1.1.0/full.bundle$" urls) &&
    curl -fsS -o m.bundle "$bundle" && git clone -q m.bundle clone &&
    test -f clone/massnahmen.csv
'

test_expect_success 'the strategy URL distribution resolves to the registry document' '
    curl -fsS "$BASE/api/v1/items/$ID/leipzig-triangulum" >item.json &&
    grep -q "\"kind\": *\"strategy\"" item.json
'

test_done
