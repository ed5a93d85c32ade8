#!/bin/bash
# Search across a federation of real nodes on 127.0.0.1 (sample cities of the
# Triangulum project): what a lighthouse publishes is found by its own
# `search` right away and, once a follower has synced, by the follower's,
# including a German word typed without its umlaut; filters narrow the hits
# and --json prints the registry's document with its facets.
. "$(dirname "$0")/lib.sh"

L="$TRASH/eindhoven"
F="$TRASH/leipzig"
PL=$(test_free_port)

test_expect_success 'the lighthouse (sample: Eindhoven) publishes a strategy and two solutions' '
    cn "$L" init --name "Eindhoven (sample)" --country NL --url "http://127.0.0.1:$PL" >lid &&
    test_publish_example "$L" strategies/leipzig-triangulum &&
    test_publish_example "$L" solutions/zukunftsforum-zukunftslabor &&
    test_publish_example "$L" solutions/connected-urban-twins
'

LID=$(cat "$TRASH/lid" 2>/dev/null)
L12=$(cut -c1-12 "$TRASH/lid" 2>/dev/null)

test_expect_success 'the lighthouse finds its own items right after publishing' '
    cn "$L" search "Urban Twins" >own &&
    grep -q "^solution  $L12/connected-urban-twins@" own &&
    test "$(wc -l <own)" -eq 1 &&
    cn "$L" search "Leipzig-West" >own2 &&
    grep -q "^strategy  $L12/leipzig-triangulum@1.0.0  Smart City Implementation Strategy Leipzig-West$" own2
'

test_expect_success 'a follower (sample: Leipzig) adds the lighthouse and syncs' '
    test_serve "$L" "$PL" lighthouse &&
    cn "$F" init --name "Leipzig (sample)" --country DE >/dev/null &&
    cn "$F" peer add "http://127.0.0.1:$PL" >/dev/null &&
    cn "$F" sync >sync.out 2>sync.err &&
    ! grep -q "search index" sync.out sync.err
'

test_expect_success 'the follower finds "Mobilität" typed as Mobilitat' '
    cn "$F" search Mobilitat >hits &&
    grep -q "^solution  $L12/zukunftsforum-zukunftslabor@1.0.0  " hits &&
    cn "$F" search mobilitaet >hits2 &&
    grep -q "/zukunftsforum-zukunftslabor@" hits2
'

test_expect_success '--kind filters the hits' '
    cn "$F" search Zukunftslabor >both &&
    grep -q "/leipzig-triangulum@" both && grep -q "/zukunftsforum-zukunftslabor@" both &&
    cn "$F" search Zukunftslabor --kind strategy >strat &&
    test "$(wc -l <strat)" -eq 1 &&
    grep -q "^strategy  $L12/leipzig-triangulum@1.0.0" strat &&
    cn "$F" search Zukunftslabor --kind strategy --kind solution >two &&
    test "$(wc -l <two)" -eq 2 &&
    cn "$F" search Zukunftslabor --city "Eindhoven (sample)" >city &&
    test "$(wc -l <city)" -eq 2 &&
    cn "$F" search Zukunftslabor --city Nowhere >none &&
    test "$(wc -l <none)" -eq 0
'

test_expect_success '--json prints the registry document with its facets' '
    cn "$F" search Zukunftslabor --json >doc.json &&
    python3 - "$LID" doc.json <<-\PY
	import json, sys
	lid, path = sys.argv[1], sys.argv[2]
	doc = json.load(open(path))
	assert doc["total"] == 2, doc["total"]
	assert {r["item"] for r in doc["results"]} == {"leipzig-triangulum", "zukunftsforum-zukunftslabor"}
	assert all(r["node"] == lid for r in doc["results"])
	kinds = {b["value"]: b["count"] for b in doc["facets"]["kind"]}
	assert kinds == {"strategy": 1, "solution": 1}, kinds
	cities = {b["value"]: b["count"] for b in doc["facets"]["city"]}
	assert cities == {"Eindhoven (sample)": 2}, cities
	countries = {b["value"]: b["count"] for b in doc["facets"]["country"]}
	assert countries == {"NL": 2}, countries
	PY
'

test_expect_success 'the follower does not find items nobody published' '
    cn "$F" search Triangulum-Nirgendwo >nothing &&
    test "$(wc -l <nothing)" -eq 0
'

test_expect_success 'a bad filter exits 2 with the registry message naming it' '
    test_expect_code 2 cn "$F" search Mobilitat --theme "$(printf "a\tb")" 2>bad.err &&
    grep -q "theme" bad.err &&
    test_expect_code 2 cn "$F" search Mobilitat --kind "$(head -c 300 /dev/zero | tr "\\0" x)" 2>long.err &&
    grep -q "kind" long.err
'

test_done
