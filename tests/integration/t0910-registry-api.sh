#!/bin/bash
# The registry over HTTP (docs/api.yaml) with real nodes on 127.0.0.1 (sample
# cities of the Triangulum project): what a lighthouse publishes and a
# follower syncs is found through the follower's /api/v1/search with the
# right facets, also by a German word typed without its umlaut, and the CLI
# prints the same documents; a replication done on the follower appears in
# the lighthouse's graph after the lighthouse syncs; downloads, a solution's
# publiccode.yml, bad parameters and unknown paths answer as documented;
# `peer remove` drops the peer's items from the registry.
. "$(dirname "$0")/lib.sh"

L="$TRASH/eindhoven"
F="$TRASH/leipzig"
PL=$(test_free_port)
PF=$(test_free_port)

# GET PORT PATH OUTFILE: prints the HTTP status
get() { curl -sS -o "$3" -w "%{http_code}" "http://127.0.0.1:$1$2"; }
# Run python on a JSON file with the checks given on stdin.
check_json() { /usr/bin/python3 - "$@"; }

test_expect_success 'the lighthouse (sample: Eindhoven) publishes a strategy, two solutions, a dataset' '
    cn "$L" init --name "Eindhoven (sample)" --country NL --url "http://127.0.0.1:$PL" \
        --programme "Triangulum (Horizon 2020 Smart Cities and Communities)" >lid &&
    test_publish_example "$L" strategies/leipzig-triangulum &&
    test_publish_example "$L" solutions/zukunftsforum-zukunftslabor &&
    test_publish_example "$L" solutions/connected-urban-twins &&
    test_publish_example "$L" datasets/leipzig-west-beteiligung-2016 &&
    test_serve "$L" "$PL" lighthouse
'
LID=$(cat "$TRASH/lid" 2>/dev/null)

test_expect_success 'a follower (sample: Leipzig) syncs the lighthouse and serves' '
    cn "$F" init --name "Leipzig (sample)" --country DE --url "http://127.0.0.1:$PF" >fid &&
    cn "$F" peer add "http://127.0.0.1:$PL" >/dev/null 2>&1 &&
    cn "$F" sync >/dev/null 2>sync.err &&
    test_serve "$F" "$PF" follower
'
FID=$(cat "$TRASH/fid" 2>/dev/null)

test_expect_success 'API search on the follower finds "Mobilität" typed as Mobilitat, with facets' '
    test "$(get "$PF" "/api/v1/search?q=Mobilitat" hits.json)" = 200 &&
    check_json "$LID" hits.json <<-\PY
	import json, sys
	lid, path = sys.argv[1], sys.argv[2]
	doc = json.load(open(path))
	items = {(r["node"], r["item"]) for r in doc["results"]}
	assert (lid, "zukunftsforum-zukunftslabor") in items, items
	assert doc["total"] == len(doc["results"]) >= 1
	kinds = {b["value"]: b["count"] for b in doc["facets"]["kind"]}
	assert kinds.get("solution", 0) >= 1, kinds
	assert {b["value"] for b in doc["facets"]["city"]} == {"Eindhoven (sample)"}, doc["facets"]["city"]
	assert {b["value"]: b["count"] for b in doc["facets"]["country"]}["NL"] == doc["total"]
	PY
'

test_expect_success 'the CLI search prints the same document as the API' '
    get "$PF" "/api/v1/search?q=Zukunftslabor&kind=strategy&kind=solution&sort=recent" api.json >/dev/null &&
    cn "$F" search Zukunftslabor --kind strategy --kind solution --sort recent --json >cli.json &&
    check_json api.json cli.json <<-\PY
	import json, sys
	api, cli = (json.load(open(p)) for p in sys.argv[1:3])
	assert api == cli, (api, cli)
	assert api["total"] == 2 and api["query"]["sort"] == "recent", api
	assert sorted(api["query"]["filters"]["kind"]) == ["solution", "strategy"], api["query"]
	PY
'

test_expect_success 'filters, facets and paging over the API' '
    get "$PF" "/api/v1/search?kind=dataset" ds.json >/dev/null &&
    get "$PF" "/api/v1/search?per_page=1&page=2&sort=recent" p2.json >/dev/null &&
    check_json ds.json p2.json <<-\PY
	import json, sys
	ds, p2 = (json.load(open(p)) for p in sys.argv[1:3])
	assert [r["item"] for r in ds["results"]] == ["leipzig-west-beteiligung-2016"], ds["results"]
	# the programme of the node (init --programme) applies to all its items, datasets too
	progs = {b["value"]: b["count"] for b in ds["facets"]["programme"]}
	assert progs.get("Triangulum (Horizon 2020 Smart Cities and Communities)") == 1, progs
	# disjunctive facets: the kind facet still counts all four kinds of items
	assert sum(b["count"] for b in ds["facets"]["kind"]) == 4, ds["facets"]["kind"]
	assert p2["page"] == 2 and p2["per_page"] == 1 and p2["pages"] == 4 and len(p2["results"]) == 1
	PY
'

test_expect_success 'the follower replicates a solution; the lighthouse sees it in its graph after sync' '
    cn "$F" replicate "${LID:0:12}/connected-urban-twins" twin >/dev/null &&
    get "$PF" "/api/v1/graph/$LID/connected-urban-twins" fgraph.json >/dev/null &&
    grep -q "\"to\":\"$FID" fgraph.json &&
    cn "$L" peer add --policy index "http://127.0.0.1:$PF" >/dev/null 2>&1 &&
    cn "$L" sync >/dev/null 2>lsync.err &&
    test "$(get "$PL" "/api/v1/graph/$LID/connected-urban-twins" graph.json)" = 200 &&
    test "$(get "$PL" "/api/v1/items/$LID/connected-urban-twins" item.json)" = 200 &&
    check_json "$LID" "$FID" graph.json item.json <<-\PY
	import json, sys
	lid, fid = sys.argv[1], sys.argv[2]
	graph, item = (json.load(open(p)) for p in sys.argv[3:5])
	assert graph["root"] == lid + "/connected-urban-twins", graph["root"]
	edges = graph["edges"]
	rep = [e for e in edges if e["from"] == graph["root"] and e["to"].startswith(fid)
	       and e["type"] == "replicates"]
	assert len(rep) == 1, edges
	assert rep[0]["version"] == "1.0.0" and rep[0]["withdrawn"] is False, rep
	assert rep[0]["attestation"].startswith("replicates-" + lid[:16]), rep
	nodes = {n["id"]: n for n in graph["nodes"]}
	assert any(n.get("node") == fid for n in graph["nodes"]), nodes
	assert item["replications"] == 1, item["replications"]
	v = item["version"]
	assert v["signers"] and all(len(k) == 64 for k in v["signers"]), v["signers"]
	assert v["verified_at"] and v["published"], v
	assert item["git"] == "/git/%s/connected-urban-twins.git" % lid, item.get("git")
	PY
'

test_expect_success 'search sorted by replications puts the replicated solution first' '
    cn "$L" search --sort replications --kind solution --json >rep.json &&
    check_json rep.json <<-\PY
	import json, sys
	doc = json.load(open(sys.argv[1]))
	assert doc["results"][0]["item"] == "connected-urban-twins", doc["results"]
	assert doc["results"][0]["replications"] == 1
	PY
'

test_expect_success 'show --api prints the item document that serve answers' '
    cn "$L" show "self/connected-urban-twins" --api >show.json &&
    get "$PL" "/api/v1/items/$LID/connected-urban-twins" served.json >/dev/null &&
    check_json show.json served.json <<-\PY &&
	import json, sys
	a, b = (json.load(open(p)) for p in sys.argv[1:3])
	assert a == b, (a, b)
	PY
    cn "$L" show "self/connected-urban-twins" >show.txt &&
    grep -q "^signed by: key [0-9a-f]\{64\}, verified here at " show.txt &&
    grep -q "^replications: 1 node$" show.txt
'

test_expect_success 'downloads serve the verified files of own and mirrored items' '
    test "$(get "$PF" "/download/$LID/connected-urban-twins/1.0.0/full.bundle" cut.bundle)" = 200 &&
    git init -q --bare vb.git && git -C vb.git bundle verify ../cut.bundle 2>/dev/null &&
    test "$(get "$PF" "/download/$LID/connected-urban-twins/1.0.0/manifest.json" m.json)" = 200 &&
    sha=$(sha256sum m.json | cut -d" " -f1) &&
    test -f "$F/mirrors/$LID/targets/items/connected-urban-twins/1.0.0/$sha.manifest.json" &&
    test "$(get "$PF" "/download/$LID/connected-urban-twins/9.9.9/full.bundle" none)" = 404 &&
    test "$(get "$PF" "/download/$LID/connected-urban-twins/1.0.0/x.bundle" none)" = 404 &&
    test "$(get "$PL" "/download/$LID/connected-urban-twins/1.0.0/full.bundle" own.bundle)" = 200 &&
    cmp own.bundle cut.bundle
'

test_expect_success 'files.zip holds the files of the signed tag, for people without git' '
    repo="$L/repos/$LID/zukunftsforum-zukunftslabor.git" &&
    test "$(get "$PF" "/download/$LID/zukunftsforum-zukunftslabor/1.0.0/files.zip" files.zip)" = 200 &&
    curl -sS -D zip.headers -o /dev/null "http://127.0.0.1:$PF/download/$LID/zukunftsforum-zukunftslabor/1.0.0/files.zip" &&
    grep -qi "^content-type: application/zip" zip.headers &&
    grep -qi "^content-disposition: attachment; filename=\"zukunftsforum-zukunftslabor-1.0.0.zip\"" zip.headers &&
    grep -qi "^x-content-type-options: nosniff" zip.headers &&
    grep -qi "^referrer-policy: no-referrer" zip.headers &&
    etag=$(sed -n "s/^[Ee][Tt]ag: \(.*\)\r$/\1/p" zip.headers) &&
    test "$(curl -s -o /dev/null -w "%{http_code}" -H "If-None-Match: $etag" \
        "http://127.0.0.1:$PF/download/$LID/zukunftsforum-zukunftslabor/1.0.0/files.zip")" = 304 &&
    test_zip_is_tree files.zip "$repo" v1.0.0 &&
    get "$PF" "/download/$LID/zukunftsforum-zukunftslabor/1.0.0/files.zip" again.zip >/dev/null &&
    cmp files.zip again.zip &&
    test "$(get "$PF" "/download/$LID/zukunftsforum-zukunftslabor/9.9.9/files.zip" none)" = 404
'

test_expect_success 'a solution exports its publiccode.yml as signed; a strategy has none' '
    test "$(get "$PF" "/api/v1/items/$LID/connected-urban-twins/publiccode.yml" pc.yml)" = 200 &&
    cmp pc.yml "$CN_SOURCE_DIR/examples/solutions/connected-urban-twins/publiccode.yml" &&
    test "$(get "$PF" "/api/v1/items/$LID/zukunftsforum-zukunftslabor/publiccode.yml" zf.yml)" = 200 &&
    check_json zf.yml "$CN_SOURCE_DIR/examples/solutions/zukunftsforum-zukunftslabor/citynode.yml" <<-\PY &&
	import sys, yaml
	out, src = (yaml.safe_load(open(p)) for p in sys.argv[1:3])
	src.pop("kind")
	assert out["publiccodeYmlVersion"] == src["publiccodeYmlVersion"]
	assert out["name"] == src["name"] and out["description"] == src["description"], out
	assert "kind" not in out
	PY
    test "$(get "$PF" "/api/v1/items/$LID/leipzig-triangulum/publiccode.yml" st.json)" = 404 &&
    grep -q "only solutions" st.json
'

test_expect_success 'bad parameters and unknown paths are 400 and 404 with a message' '
    test "$(get "$PF" "/api/v1/search?per_page=500" e1.json)" = 400 && grep -q "per_page" e1.json &&
    test "$(get "$PF" "/api/v1/search?q=a%00b" e2.json)" = 400 && grep -q "\"q: " e2.json &&
    test "$(get "$PF" "/api/v1/search?colour=red" e3.json)" = 400 && grep -q "colour" e3.json &&
    test "$(get "$PF" "/api/v1/items/$LID/no-such-item" e4.json)" = 404 &&
    test "$(get "$PF" "/api/v1/nope" e5.json)" = 404 && grep -q "\"status\":404" e5.json &&
    test "$(curl -s -o /dev/null -w "%{http_code}" -X POST "http://127.0.0.1:$PF/api/v1/search")" = 405
'

test_expect_success '/api/v1/ names the node that keeps the registry' '
    test "$(get "$PL" "/api/v1" root.json)" = 200 &&
    test "$(get "$PL" "/api/v1/" slash.json)" = 200 &&
    cmp root.json slash.json &&
    check_json "$LID" root.json <<-\PY
	import json, sys
	doc = json.load(open(sys.argv[2]))
	assert doc["api"] == "v1" and doc["node"]["id"] == sys.argv[1], doc
	assert doc["node"]["source"] == "self" and doc["node"]["name"] == "Eindhoven (sample)", doc
	PY
'

test_expect_success 'the node directory lists both nodes with their sources' '
    get "$PL" "/api/v1/nodes" nodes.json >/dev/null &&
    check_json "$LID" "$FID" nodes.json <<-\PY
	import json, sys
	lid, fid = sys.argv[1], sys.argv[2]
	doc = json.load(open(sys.argv[3]))
	src = {n["id"]: n["source"] for n in doc["nodes"]}
	assert src == {lid: "self", fid: "index"}, src
	PY
'

test_expect_success 'an index-only peer'"'"'s item has no git path: the key is absent, not null' '
    test_publish_example "$F" strategies/jena &&
    cn "$L" sync >/dev/null 2>lsync2.err &&
    test "$(get "$PL" "/api/v1/items/$FID/msc2020-jena" indexed.json)" = 200 &&
    test "$(get "$PL" "/api/v1/items/$FID/msc2020-jena/versions" indexed-v.json)" = 200 &&
    test "$(get "$PL" "/api/v1/search?node=$FID" indexed-s.json)" = 200 &&
    check_json indexed.json indexed-v.json indexed-s.json <<-\PY
	import json, sys
	doc = json.load(open(sys.argv[1]))
	assert doc["node"]["source"] == "index", doc["node"]
	assert "git" not in doc, doc.get("git")
	hits = json.load(open(sys.argv[3]))["results"]
	assert [h["item"] for h in hits] == ["msc2020-jena"], hits
	PY
'

test_expect_success 'every answer above is what docs/api.yaml specifies' '
    get "$PL" "/api/v1/items/$LID/connected-urban-twins/versions" versions.json >/dev/null &&
    get "$PL" "/api/v1/nodes/$FID" node.json >/dev/null &&
    /usr/bin/python3 "$CN_SOURCE_DIR/tests/api/check_openapi.py" "$CN_SOURCE_DIR/docs/api.yaml" \
        /api/v1/search 200 hits.json \
        /api/v1/search 200 ds.json \
        /api/v1/search 200 p2.json \
        "/api/v1/items/$LID/connected-urban-twins" 200 item.json \
        "/api/v1/items/$LID/connected-urban-twins/versions" 200 versions.json \
        "/api/v1/graph/$LID/connected-urban-twins" 200 graph.json \
        /api/v1/nodes 200 nodes.json \
        "/api/v1/nodes/$FID" 200 node.json \
        "/api/v1/items/$FID/msc2020-jena" 200 indexed.json \
        "/api/v1/items/$FID/msc2020-jena/versions" 200 indexed-v.json \
        "/api/v1/search?node=$FID" 200 indexed-s.json \
        /api/v1 200 root.json \
        /api/v1/search 400 e1.json \
        /api/v1/search 400 e2.json \
        /api/v1/search 400 e3.json \
        "/api/v1/items/$LID/no-such-item" 404 e4.json \
        "/api/v1/items/$LID/leipzig-triangulum/publiccode.yml" 404 st.json
'

test_expect_success 'the checker of docs/api.yaml finds a document that breaks it' '
    /usr/bin/python3 -c "import json,sys; d = json.load(open(sys.argv[1])); \
        d[\"results\"][0][\"withdrawn\"] = \"no\"; del d[\"total\"]; json.dump(d, open(sys.argv[2], \"w\"))" \
        hits.json broken.json &&
    test_expect_code 1 /usr/bin/python3 "$CN_SOURCE_DIR/tests/api/check_openapi.py" \
        "$CN_SOURCE_DIR/docs/api.yaml" /api/v1/search 200 broken.json 2>broken.err &&
    grep -q "results/0/withdrawn" broken.err && grep -q "total" broken.err
'

test_expect_success 'peer remove drops the peer and its items from the registry' '
    test_stop_servers &&
    cn "$F" peer remove "${LID:0:12}" 2>remove.err &&
    cn "$F" search Mobilitat >after &&
    test "$(wc -l <after)" -eq 0 &&
    test_expect_code 1 cn "$F" show "${LID:0:12}/connected-urban-twins" --api 2>gone.err &&
    grep -q "${LID:0:12}" gone.err
'

test_done
