#!/bin/bash
# t0660-discovery.sh - discovery (docs/PROTOCOL.md §10) with real nodes on
# 127.0.0.1: the Triangulum consortium's coordinator node publishes a network
# document listing the three lighthouse cities; a follower that trusts it ends
# up following all three with their ids pinned, and members added later arrive
# with the next sync; a member whose root does not hash to its listed id is
# refused; a node's peers.json lets another node list candidate peers; a
# network document with mistakes is refused with FILE:LINE:COL: key.path.
# (Sample data: Triangulum, lighthouses Eindhoven, Manchester, Stavanger;
# followers Leipzig, Prague, Sabadell; Schwerte from the 2020 cohort of the
# Modellprojekte Smart Cities.)
. "$(dirname "$0")/lib.sh"

cn() { h=$1; shift; "$CITYNODE" --home "$TRASH/$h" "$@"; }
node_id() { sha256sum <"$TRASH/$1/public/tuf/1.root.json" | cut -c1-64; }
targets_version() {
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["signed"]["version"])' \
        "$TRASH/$1/public/tuf/timestamp.json"
}

# start NAME HOME COUNTRY: init a node with its own port and serve it.
start() {
    port=$(test_free_port)
    cn "$2" init --name "$1 (sample)" --country "$3" --url "http://127.0.0.1:$port" >/dev/null 2>&1 &&
    echo "$port" >"$TRASH/$2.port" &&
    { "$CITYNODE" --home "$TRASH/$2" serve --listen "127.0.0.1:$port" >"$TRASH/$2.log" 2>&1 &
      echo $! >"$TRASH/$2.pid"; } &&
    test_wait_http "$port" /tuf/timestamp.json
}
url() { echo "http://127.0.0.1:$(cat "$TRASH/$1.port")"; }

# member NAME HOME: one member entry of a network document
member() { printf '  - node: %s\n    name: %s\n    url: %s\n' "$(node_id "$2")" "$1" "$(url "$2")"; }

test_expect_success 'the coordinator and three lighthouse nodes run' '
    start "Triangulum consortium" coord DE &&
    start Eindhoven eindhoven NL &&
    start Manchester manchester GB &&
    start Stavanger stavanger NO
'

test_expect_success 'network publish refuses a document with mistakes, naming line and key path' '
    v=$(targets_version coord) &&
    cat >bad.yml <<-EOF &&
	network: Triangulum
	members:
	  - node: 1234
	    name: Eindhoven
	    url: ftp://eindhoven.example
	  - name: Manchester
	    url: http://127.0.0.1:1
	    mayor: someone
	EOF
    test_expect_code 2 cn coord network publish bad.yml 2>err && cat err &&
    grep -q "^bad.yml:3:5: members\[0\].node: " err &&
    grep -q "^bad.yml:5:5: members\[0\].url: " err &&
    grep -q "^bad.yml:6:5: members\[1\]: required key .node. is missing" err &&
    grep -q "^bad.yml:8:5: members\[1\].mayor: unknown key" err &&
    test "$(targets_version coord)" = "$v"
'

test_expect_success 'network publish refuses a member listed twice' '
    { echo "network: Triangulum" && echo "members:" && member Eindhoven eindhoven &&
      member Eindhoven eindhoven; } >twice.yml &&
    test_expect_code 2 cn coord network publish twice.yml 2>err &&
    grep -q "^twice.yml:[0-9]*:[0-9]*: members\[1\].node: .* listed twice" err
'

test_expect_success 'the coordinator publishes the Triangulum network of three lighthouses' '
    { echo "network: Triangulum (sample)" &&
      echo "description: Smart-city lighthouse project, Horizon 2020 (sample data)" &&
      echo "members:" && member Eindhoven eindhoven && member Manchester manchester &&
      member Stavanger stavanger; } >network.yml &&
    cn coord network publish network.yml >out && cat out &&
    grep -q "network Triangulum (sample), 3 members" out &&
    ls "$TRASH"/coord/public/targets/*.network.json &&
    v=$(targets_version coord) &&
    cn coord network publish network.yml >/dev/null &&
    test "$(targets_version coord)" = "$v" &&
    cn coord verify --all
'

test_expect_success 'trusting a node that is not a peer, or publishes no network, is refused' '
    test_free_port >leipzig.port &&
    cn leipzig init --name "Leipzig (sample)" --country DE --url "$(url leipzig)" >/dev/null 2>&1 &&
    test_expect_code 2 cn leipzig network trust "$(node_id coord)" 2>err &&
    grep -q "is not a peer" err &&
    cn leipzig peer add "$(url eindhoven)" >/dev/null 2>&1 &&
    test_expect_code 2 cn leipzig network trust eindhoven-sample 2>err &&
    grep -q "publishes no network.json" err &&
    test "$(cn leipzig peer list --json | python3 -c "import json,sys; print(len(json.load(sys.stdin)))")" = 1
'

test_expect_success 'a follower that trusts the network follows all three lighthouses, pinned' '
    cn leipzig peer add "$(url coord)" >/dev/null 2>&1 &&
    cn leipzig network trust triangulum-consortium-sample >out && cat out &&
    test "$(grep -c ": added [0-9a-f]\{12\} .*, pinned$" out)" = 2 &&
    grep -q "$(node_id eindhoven | cut -c1-12) (Eindhoven) is a peer already" out &&
    cn leipzig peer list --json >peers.json &&
    for h in manchester stavanger; do
        id=$(node_id $h) &&
        python3 - "$id" "network:$(node_id coord)" <<-EOF || exit 1
	import json, sys
	peers = {p["node"]: p for p in json.load(open("peers.json"))}
	p = peers[sys.argv[1]]
	assert p["via"] == sys.argv[2], p
	assert p["policy"] == "mirror", p
	EOF
        cmp "$TRASH/leipzig/mirrors/$id/tuf/1.root.json" "$TRASH/$h/public/tuf/1.root.json" ||
            exit 1
    done &&
    cn leipzig sync >sync.out && cat sync.out &&
    test "$(grep -c " ok \| unchanged " sync.out)" = 4
'

test_expect_success 'trusting again changes nothing and says who is followed already' '
    cn leipzig network trust triangulum-consortium-sample >out &&
    test "$(grep -c "is a peer already" out)" = 3 &&
    test "$(cn leipzig peer list --json | python3 -c "import json,sys; print(len(json.load(sys.stdin)))")" = 4
'

test_expect_success 'a member the coordinator adds later is followed after the next sync' '
    start Praha prague CZ &&
    { cat network.yml && member Praha prague; } >network2.yml &&
    cn coord network publish network2.yml >/dev/null &&
    cn leipzig sync >/dev/null &&
    cn leipzig peer list --json >peers.json &&
    grep -q "\"node\": \"$(node_id prague)\"" peers.json &&
    cn leipzig sync >/dev/null
'

test_expect_success 'a member whose root does not hash to its listed id is refused and not added' '
    prague=$(node_id prague) &&
    { echo "network: Triangulum (sample)" && echo "members:" && member Eindhoven eindhoven &&
      printf "  - node: %s\n    name: Praha\n    url: %s\n" "$prague" "$(url manchester)"; } \
        >network3.yml &&
    cn coord network publish network3.yml >/dev/null &&
    cn sabadell init --name "Sabadell (sample)" --country ES >/dev/null 2>&1 &&
    cn sabadell peer add "$(url coord)" >/dev/null 2>&1 &&
    test_expect_code 3 cn sabadell network trust triangulum-consortium-sample >out 2>err &&
    cat out err &&
    grep -q "added $(node_id eindhoven | cut -c1-12) " out &&
    grep -q "refused ${prague:0:12} (Praha)" err &&
    cn sabadell peer list --json >peers.json &&
    ! grep -q "$prague" peers.json &&
    ! grep -q "$(node_id manchester)" peers.json &&
    test ! -e "$TRASH/sabadell/mirrors/$prague" &&
    test ! -e "$TRASH/sabadell/mirrors/$(node_id manchester)"
'

test_expect_success 'a refused member is not tried again until the document changes' '
    cn sabadell sync >/dev/null 2>err &&
    ! grep -q refused err &&
    cn sabadell peer list --json >peers.json &&
    ! grep -q "$(node_id prague)" peers.json
'

test_expect_success 'the follower publishes peers.json naming whom it follows' '
    python3 - "$TRASH/leipzig/public/tuf" <<-EOF &&
	import json, sys, glob, os
	d = sys.argv[1]
	ts = json.load(open(os.path.join(d, "timestamp.json")))["signed"]
	sv = ts["meta"]["snapshot.json"]["version"]
	snap = json.load(open(os.path.join(d, "%d.snapshot.json" % sv)))["signed"]
	tv = snap["meta"]["targets.json"]["version"]
	t = json.load(open(os.path.join(d, "%d.targets.json" % tv)))["signed"]["targets"]
	assert t["peers.json"]["custom"] == {"kind": "peers"}, t["peers.json"]
	h = t["peers.json"]["hashes"]["sha256"]
	doc = json.load(open(os.path.join(d, "..", "targets", h + ".peers.json")))
	assert len(doc["peers"]) == 5, doc
	assert all(p["policy"] == "mirror" and p["url"].startswith("http://") for p in doc["peers"])
	EOF
    cn leipzig verify --all
'

test_expect_success 'another node lists the peers of its peers as candidates' '
    port=$(cat leipzig.port) &&
    { "$CITYNODE" --home "$TRASH/leipzig" serve --listen "127.0.0.1:$port" >leipzig.log 2>&1 &
      echo $! >leipzig.pid; } &&
    test_wait_http "$port" /tuf/timestamp.json &&
    cn schwerte init --name "Stadt Schwerte (sample)" --country DE >/dev/null 2>&1 &&
    cn schwerte peer add "$(url leipzig)" >/dev/null 2>&1 &&
    cn schwerte peer list --candidates >out && cat out &&
    grep -q "^no candidates" out &&
    cn schwerte sync >/dev/null &&
    cn schwerte peer list --candidates >out && cat out &&
    test "$(grep -c " leipzig-sample$" out)" = 5 &&
    grep -q "^$(node_id eindhoven | cut -c1-12) .*Eindhoven (sample) .*$(url eindhoven) " out &&
    cn schwerte peer list --candidates --json >cand.json &&
    python3 -c "import json; c = json.load(open(\"cand.json\")); \
assert len(c) == 5 and all(x[\"vouched_by\"][0][\"alias\"] == \"leipzig-sample\" for x in c), c"
'

test_expect_success 'a candidate that is followed is no longer a candidate' '
    cn schwerte peer add "$(url stavanger)" >/dev/null 2>&1 &&
    cn schwerte peer list --candidates >out &&
    test "$(grep -c " leipzig-sample$" out)" = 4 &&
    ! grep -q "^$(node_id stavanger | cut -c1-12) " out
'

test_done
