#!/bin/bash
# The network's DCAT-AP catalog harvested along a chain of registries: node C
# publishes a dataset; node A publishes one and follows C; node B follows A
# and C. A harvester reading A's network catalog and then B's, page by page
# (tests/dcat/harvest_chain.py: rdflib as ckanext-dcat parses, its hydra
# paging and its guids), holds each dataset once, with its original
# publisher and the record of the publisher's own catalog as its origin,
# whichever catalog and format it came through. The record named as origin
# is served by the publisher; Turtle and JSON-LD carry the same triples.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3 # Debian's python3 with python3-rdflib
PC=$(test_free_port)
PA=$(test_free_port)
PB=$(test_free_port)

cn() { # NODE ARGS...: citynode with NODE's home
    h="$TRASH/$1"
    shift
    "$CITYNODE" --home "$h" "$@"
}

publish_copy() { # NODE DIR: publish a copy of DIR as a git repository
    rm -rf "pub-$1" && cp -r "$2" "pub-$1" && git -C "pub-$1" init -q &&
    git -C "pub-$1" add . && git -C "pub-$1" commit -qm sample &&
    cn "$1" publish --quiet "pub-$1" >/dev/null
}

test_expect_success 'C publishes a dataset, A one and follows C, B follows A and C' '
    cn c init --name "Publisher C (sample)" --url "http://127.0.0.1:$PC" >c.id &&
    cn a init --name "Registry A (sample)" --url "http://127.0.0.1:$PA" >a.id &&
    cn b init --name "Registry B (sample)" --url "http://127.0.0.1:$PB" >b.id &&
    publish_copy c "$CN_SOURCE_DIR/tests/data/dcat/unmapped-values" &&
    publish_copy a "$CN_SOURCE_DIR/tests/data/dcat/every-key" &&
    test_serve "$TRASH/c" "$PC" c &&
    cn a peer add "http://127.0.0.1:$PC" >/dev/null 2>&1 && cn a sync --quiet &&
    test_serve "$TRASH/a" "$PA" a &&
    cn b peer add "http://127.0.0.1:$PA" >/dev/null 2>&1 &&
    cn b peer add "http://127.0.0.1:$PC" --policy index >/dev/null 2>&1 &&
    cn b sync --quiet &&
    test_serve "$TRASH/b" "$PB" b
'

C=$(cat "$TRASH/c.id" 2>/dev/null)
A=$(cat "$TRASH/a.id" 2>/dev/null)
C_DATASET="http://127.0.0.1:$PC/api/v1/items/$C/dcat-unmapped-values"
C_RECORD="http://127.0.0.1:$PC/dcat/datasets/$C/dcat-unmapped-values.jsonld"

test_expect_success 'B names the datasets of A and C under their publishers'"'"' URLs' '
    curl -fsS -D headers -o b.jsonld "http://127.0.0.1:$PB/dcat/network.jsonld" &&
    grep -qi "^content-type: application/ld+json" headers &&
    $PY "$CN_SOURCE_DIR/tests/dcat/read_catalog.py" b.jsonld >b-read.json &&
    $PY - "$C_DATASET" "http://127.0.0.1:$PA/api/v1/items/$A/dcat-every-key" <<-\EOF
	import json, sys
	d = json.load(open("b-read.json"))["datasets"]
	uris = sorted(x["extras"]["uri"] for x in d)
	assert uris == sorted(sys.argv[1:]), uris
	EOF
'

test_expect_success 'a harvest of A then B, page by page, holds each dataset once, as published' '
    $PY "$CN_SOURCE_DIR/tests/dcat/harvest_chain.py" \
        "http://127.0.0.1:$PA/dcat/network.jsonld?per_page=1" \
        "http://127.0.0.1:$PB/dcat/network.ttl?per_page=1" >harvest.json &&
    $PY - "$C/dcat-unmapped-values" "$C_DATASET" "$C_RECORD" "$A/dcat-every-key" <<-\EOF
	import json, sys
	h = json.load(open("harvest.json"))
	guid, uri, record, a_guid = sys.argv[1:]
	assert sorted(h) == sorted([guid, a_guid]), sorted(h)
	c = h[guid]
	assert c["uri"] == uri, c
	assert c["publisher"] == "Sample city", c
	assert c["origin"] == record, c
	assert len(c["catalogs"]) == 2, c
	assert h[a_guid]["publisher"] == "Stadt Leipzig", h[a_guid]
	assert len(h[a_guid]["catalogs"]) == 2, h[a_guid]
	EOF
'

test_expect_success 'the origin is the record the publisher serves, for the same dataset' '
    curl -fsS -o c-record.jsonld "$C_RECORD" &&
    $PY - "$C_RECORD" "$C_DATASET" <<-\EOF
	import sys
	from rdflib import Graph, Namespace, URIRef
	from rdflib.namespace import FOAF
	DCT = Namespace("http://purl.org/dc/terms/")
	g = Graph().parse("c-record.jsonld", format="json-ld")
	record, dataset = URIRef(sys.argv[1]), URIRef(sys.argv[2])
	assert g.value(record, FOAF.primaryTopic) == dataset
	assert g.value(record, DCT.source) is None  # the original names no source
	EOF
'

test_expect_success 'Turtle and JSON-LD carry the same triples (but the page IRIs)' '
    curl -fsS -D headers -o b.ttl "http://127.0.0.1:$PB/dcat/network.ttl" &&
    grep -qi "^content-type: text/turtle" headers &&
    curl -fsS -o r.ttl "http://127.0.0.1:$PB/dcat/datasets/$C/dcat-unmapped-values.ttl" &&
    curl -fsS -o r.jsonld "http://127.0.0.1:$PB/dcat/datasets/$C/dcat-unmapped-values.jsonld" &&
    $PY - <<-\EOF
	from rdflib import Graph, Namespace
	from rdflib.compare import isomorphic
	HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
	def load(path, fmt):
	    g = Graph().parse(path, format=fmt)
	    for page in list(g.subjects(predicate=None, object=HYDRA.PagedCollection)):
	        g.remove((page, None, None))
	    return g
	assert isomorphic(load("b.ttl", "turtle"), load("b.jsonld", "json-ld"))
	assert isomorphic(load("r.ttl", "turtle"), load("r.jsonld", "json-ld"))
	assert len(load("r.ttl", "turtle")) > 20
	EOF
'

test_expect_success 'pages past the last and bad page numbers are refused' '
    test "$(curl -s -o /dev/null -w "%{http_code}" \
        "http://127.0.0.1:$PB/dcat/network.jsonld?page=3&per_page=1")" = 404 &&
    test "$(curl -s -o /dev/null -w "%{http_code}" \
        "http://127.0.0.1:$PB/dcat/network.jsonld?page=0")" = 400 &&
    test "$(curl -s -o /dev/null -w "%{http_code}" \
        "http://127.0.0.1:$PB/dcat/network.ttl?per_page=1001")" = 400 &&
    test "$(curl -s -o /dev/null -w "%{http_code}" \
        "http://127.0.0.1:$PB/dcat/datasets/$C/nothing.jsonld")" = 404
'

test_expect_success 'the harvest can fail: another origin for the same dataset, no records' '
    mkdir tampered &&
    sed "s|$C_RECORD|http://127.0.0.1:$PB/elsewhere.jsonld|" b.ttl >tampered/b.ttl &&
    ! cmp -s b.ttl tampered/b.ttl &&
    PT=$(test_free_port) &&
    { python3 -m http.server "$PT" --bind 127.0.0.1 --directory tampered >http.log 2>&1 &
      echo $! >"$TRASH/tampered.pid"; } &&
    test_wait_http "$PT" /b.ttl &&
    test_expect_code 1 $PY "$CN_SOURCE_DIR/tests/dcat/harvest_chain.py" \
        "http://127.0.0.1:$PA/dcat/network.jsonld" "http://127.0.0.1:$PT/b.ttl" \
        >/dev/null 2>err &&
    grep -q "dcat-unmapped-values: origin" err &&
    test_expect_code 1 $PY "$CN_SOURCE_DIR/tests/dcat/harvest_chain.py" \
        "http://127.0.0.1:$PA/dcat/catalog.jsonld" >/dev/null 2>err &&
    grep -q "has no catalog record" err
'

test_done
