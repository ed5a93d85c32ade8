#!/bin/bash
# Stories of the demo network (`make run`, scripts/demo.sh) run once without
# waiting (CITYNODE_DEMO_ONESHOT=1): the seven Triangulum nodes, the model
# projects of the Modellprojekte Smart Cities 2020 and their network node,
# and München come up on consecutive ports, the follower cities mirror the
# lighthouses verified and replicate one solution each, each model project
# publishes its strategy, Hamburg, Leipzig and München publish a component of
# Connected Urban Twins each from a git repository and replicate each
# other's, Leipzig follows both networks and its CUT partners and its
# registry finds everything, the replication graph of Connected Urban Twins
# among it, and a re-run without model projects starts afresh and keeps
# Hamburg's node for Connected Urban Twins.
#
# CITYNODE_DEMO_MODEL_PROJECTS (default: 14, the first model projects up to
# Hamburg's, so Hamburg's node is both a model project's and a CUT city's, as
# in `make run`) is passed on to the demo.
. "$(dirname "$0")/lib.sh"

DEMO="$TRASH/demo"
LEIPZIG="$DEMO/leipzig"
ITEM=triangulum-lighthouse-demonstration
NPROJECTS=${CITYNODE_DEMO_MODEL_PROJECTS:-14}
# The model projects the demo makes nodes for: the first NPROJECTS folders
# under examples/strategies/ but Leipzig's own.
PROJECTS=$(LC_ALL=C ls "$CN_SOURCE_DIR/examples/strategies" | grep -vx leipzig-triangulum | head -n "$NPROJECTS")
# Hamburg's node is the model project hamburg-cut's, or one of its own when
# the demo leaves that project out (1 then).
HAMBURG_OWN=1
echo "$PROJECTS" | grep -qx hamburg-cut && HAMBURG_OWN=0
# The demo's nodes: Leipzig, six more of Triangulum, the model projects and
# their network node, München and maybe Hamburg.
NNODES=$((7 + NPROJECTS + (NPROJECTS > 0) + 1 + HAMBURG_OWN))
# Connected Urban Twins: each city's node and the component it publishes.
CUT="leipzig:cut-beteiligung-leipzig hamburg-cut:cut-sensordaten-hamburg muenchen:cut-szenarien-muenchen"
# Its six replications: CITY:ORIGIN:ITEM, each city replicating the other two.
CUT_REPLICAS="leipzig:hamburg-cut:cut-sensordaten-hamburg leipzig:muenchen:cut-szenarien-muenchen
hamburg-cut:leipzig:cut-beteiligung-leipzig hamburg-cut:muenchen:cut-szenarien-muenchen
muenchen:leipzig:cut-beteiligung-leipzig muenchen:hamburg-cut:cut-sensordaten-hamburg"

# NNODES consecutive free ports: the demo's nodes listen on BASE ... Below
# Linux's ephemeral range, so no client connection of a test running
# alongside holds one of them.
BASE=$(python3 -c '
import random, socket, sys
n = int(sys.argv[1])
for _ in range(200):
    base = random.randrange(20000, 32000 - n)  # below the ephemeral range (32768-)
    socks = []
    try:
        for p in range(base, base + n):
            s = socket.socket()
            s.bind(("127.0.0.1", p))
            socks.append(s)
    except OSError:
        continue
    finally:
        for s in socks:
            s.close()
    print(base)
    break
' "$NNODES")

run_demo() { # [N]: with N model projects (default: NPROJECTS)
    CITYNODE_DEMO_MODEL_PROJECTS=${1:-$NPROJECTS} CITYNODE_DEMO_ONESHOT=1 \
        CITYNODE_DEMO_HOME="$LEIPZIG" CITYNODE_DEMO_LISTEN="127.0.0.1:$BASE" timeout 300 "$CN_SOURCE_DIR/scripts/demo.sh"
}
node_id() {
    sed -n 's/.*"node": *"\([0-9a-f]\{64\}\)".*/\1/p' "$DEMO/$1/public/.well-known/citynode.json"
}
tag_commit() { # HOME NODE_ID: the commit v1.0.0 of the demo item in HOME's repository
    git -C "$1/repos/$2/$ITEM.git" rev-parse "refs/tags/v1.0.0^{commit}"
}

test_expect_success "the demo sets up, checks and stops $NNODES nodes" '
    test -n "$BASE" &&
    { run_demo >"$TRASH/demo.out" 2>&1 || { cat "$TRASH/demo.out"; exit 1; }; } &&
    grep -q "demo network checked" "$TRASH/demo.out" &&
    for p in $(seq "$BASE" $((BASE + NNODES - 1))); do
        grep -q "http://127.0.0.1:$p  *[0-9a-f]\{12\}  serving" "$TRASH/demo.out" &&
        ! curl -s -o /dev/null "http://127.0.0.1:$p/" || { echo "port $p"; exit 1; }
    done &&
    sed -n "/^== open /,\$p" "$TRASH/demo.out" | head -n 1 >first &&
    test "$(cat first)" = "== open http://127.0.0.1:$BASE/ in a browser"
'

test_expect_success 'every node of the network verifies' '
    for n in leipzig eindhoven manchester stavanger prague sabadell triangulum $PROJECTS \
        $(test "$NPROJECTS" -eq 0 || echo msc2020) hamburg-cut muenchen; do
        "$CITYNODE" --home "$DEMO/$n" verify --all >/dev/null || { echo "$n"; exit 1; }
    done
'

# Leipzig's own items: every sample folder outside federation/ but the 32
# model projects' strategies (whether the demo made their nodes or not) and
# Hamburg's and München's components of Connected Urban Twins.
find "$CN_SOURCE_DIR/examples" -path "$CN_SOURCE_DIR/examples/federation" -prune -o \
    \( -name citynode.yml -o -name publiccode.yml \) -type f -print >"$TRASH/manifests"
NLEIPZIG=$(($(wc -l <"$TRASH/manifests") - 32 - 2))

test_expect_success 'Leipzig publishes its own sample items, each model project its strategy' '
    test "$(ls "$CN_SOURCE_DIR/examples/strategies" | grep -vx leipzig-triangulum | wc -l)" -eq 32 &&
    test "$(ls "$LEIPZIG/public/targets/items" | wc -l)" -eq "$NLEIPZIG" &&
    ls "$LEIPZIG/public/targets/items" >items &&
    ! grep -q "^msc2020-" items &&
    for i in leipzig-triangulum connected-urban-twins zukunftsforum-zukunftslabor \
        leipzig-west-beteiligung-2016 cut-beteiligung-leipzig; do
        "$CITYNODE" --home "$LEIPZIG" show "self/$i" >/dev/null || { echo "$i"; exit 1; }
    done &&
    for p in $PROJECTS; do
        ls "$DEMO/$p/public/targets/items" >items &&
        grep -vx cut-sensordaten-hamburg items >own &&
        test "$(cat own)" = "msc2020-$p" &&
        "$CITYNODE" --home "$DEMO/$p" show "self/msc2020-$p" >out &&
        grep -q "^version:  1.0.0$" out &&
        grep -q "SAMPLE DATA" "$CN_SOURCE_DIR/examples/strategies/$p/citynode.yml" ||
            { echo "$p"; exit 1; }
    done
'

test_expect_success 'the lighthouses publish their sample demonstration' '
    for n in eindhoven manchester stavanger; do
        "$CITYNODE" --home "$DEMO/$n" show "self/$ITEM" >out &&
        grep -q "(sample)" out || { echo "$n"; cat out; exit 1; }
    done
'

test_expect_success 'each follower mirrors every lighthouse at its signed tag' '
    for f in leipzig prague sabadell; do
        for l in eindhoven manchester stavanger; do
            id=$(node_id $l) &&
            test "$(tag_commit "$DEMO/$f" "$id")" = "$(tag_commit "$DEMO/$l" "$id")" &&
            test -f "$DEMO/$f/mirrors/$id/tuf/timestamp.json" &&
            cmp "$DEMO/$f/mirrors/$id/tuf/1.root.json" "$DEMO/$l/public/tuf/1.root.json" &&
            (cd "$DEMO/$l/public/targets/items/$ITEM/1.0.0" && ls) >want &&
            (cd "$DEMO/$f/mirrors/$id/targets/items/$ITEM/1.0.0" && ls) >got &&
            cmp want got ||
                { echo "$f does not mirror $l"; exit 1; }
        done
    done
'

test_expect_success 'stock git verifies a mirrored tag with the allowed signers citynode prints' '
    id=$(node_id eindhoven) &&
    "$CITYNODE" --home "$LEIPZIG" allowed-signers "$id" >allowed_signers &&
    git -C "$LEIPZIG/repos/$id/$ITEM.git" -c gpg.format=ssh \
        -c gpg.ssh.allowedSignersFile="$TRASH/allowed_signers" verify-tag v1.0.0
'

test_expect_success 'Leipzig follows both networks and, through them, every other node' '
    "$CITYNODE" --home "$LEIPZIG" peer list --json >peers.json &&
    for n in triangulum eindhoven manchester stavanger prague sabadell $PROJECTS \
        $(test "$NPROJECTS" -eq 0 || echo msc2020) hamburg-cut muenchen; do
        grep -q "$(node_id $n)" peers.json || { echo "no peer $n"; exit 1; }
    done &&
    grep -q "network:$(node_id triangulum)" peers.json &&
    { test "$NPROJECTS" -eq 0 || grep -q "network:$(node_id msc2020)" peers.json; }
'

test_expect_success 'Leipzig mirrors every model project at its signed tag' '
    for p in $PROJECTS; do
        id=$(node_id $p) &&
        test "$(git -C "$LEIPZIG/repos/$id/msc2020-$p.git" rev-parse refs/tags/v1.0.0)" = \
            "$(git -C "$DEMO/$p/repos/$id/msc2020-$p.git" rev-parse refs/tags/v1.0.0)" ||
            { echo "$p"; exit 1; }
    done
'

test_expect_success 'the demo checked Leipzig registry through the API its web page uses' '
    grep -q "Leipzig.s registry: $((NLEIPZIG + 5 + NPROJECTS + 2)) items of $((6 + NPROJECTS + 1 + HAMBURG_OWN)) nodes;" \
        "$TRASH/demo.out" &&
    grep -q "two cities. replications; its web page answers at http://127.0.0.1:$BASE/$" "$TRASH/demo.out"
'

test_expect_success 'Leipzig registry (CLI): every publishing node is a city, Mobilitat finds Mobilität' '
    "$CITYNODE" --home "$LEIPZIG" search "" --json >all.json &&
    "$CITYNODE" --home "$LEIPZIG" search Mobilitat --json >mob.json &&
    python3 - "$NPROJECTS" "$NLEIPZIG" "$HAMBURG_OWN" <<-\EOF
	import json, sys
	n, own, hamburg = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
	doc = json.load(open("all.json"))
	cities = {b["value"]: b["count"] for b in doc["facets"]["city"]}
	programmes = {b["value"]: b["count"] for b in doc["facets"]["programme"]}
	# the strategies of the model projects, the CUT components of Hamburg and München
	assert doc["total"] == own + 5 + n + 2, doc["total"]
	assert len(cities) == 6 + n + 1 + hamburg, sorted(cities)
	assert cities["Stadt Leipzig (Demo)"] == own, cities
	assert cities["München (Demo)"] == 1, cities
	assert cities["Hamburg (Demo)"] == 2 - hamburg, cities
	assert programmes.get("Modellprojekte Smart Cities", 0) == n + 2, programmes
	mob = json.load(open("mob.json"))
	projects = {r["node_name"] for r in mob["results"]
	            if r["kind"] == "strategy" and r["item"].startswith("msc2020-")}
	assert len(projects) >= (5 if n == 32 else 0), projects
	EOF
'

test_expect_success 'each follower replicated one lighthouse: a checkout and an attestation' '
    for pair in leipzig:eindhoven prague:manchester sabadell:stavanger; do
        f=${pair%:*} l=${pair#*:} &&
        dest="$DEMO/run/replicas/$f/$l-$ITEM" &&
        test "$(git -C "$dest" rev-parse HEAD)" = "$(tag_commit "$DEMO/$l" "$(node_id $l)")" &&
        test -f "$dest/citynode.yml" &&
        grep -l "\"replicates\"" "$DEMO/$f/public/targets/attestations/"*.json >att &&
        grep -q "$(node_id $l)" $(cat att) || { echo "$f/$l"; exit 1; }
    done
'

test_expect_success 'Connected Urban Twins: each city publishes its component from a git repository' '
    for pair in $CUT; do
        c=${pair%:*} i=${pair#*:} &&
        repo="$DEMO/$c/repos/$(node_id $c)/$i.git" &&
        git -C "$repo" ls-tree -r --name-only v1.0.0 >files &&
        for f in publiccode.yml README.md logo.svg; do
            grep -qx "$f" files || { echo "$c: no $f"; exit 1; }
        done &&
        grep -q "^screenshots/.*\.png$" files &&
        grep -q "^logo: logo.svg$" "$CN_SOURCE_DIR/examples/solutions/$i/publiccode.yml" &&
        git -C "$repo" show v1.0.0:README.md >readme &&
        grep -q "^# .*(Beispiel" readme &&
        git -C "$repo" log -1 --format=%an "v1.0.0^{commit}" >author &&
        grep -q "^Connected Urban Twins, Projektbüro .* (Beispiel)$" author &&
        "$CITYNODE" --home "$DEMO/$c" show "self/$i" >out &&
        grep -q "^version:  1.0.0$" out || { echo "$c/$i"; exit 1; }
    done &&
    # Hamburg publishes its CSV in windows-1252, byte for byte (an ö is one byte)
    git -C "$DEMO/hamburg-cut/repos/$(node_id hamburg-cut)/cut-sensordaten-hamburg.git" \
        show v1.0.0:daten/sensorstandorte.csv >hh.csv &&
    cmp hh.csv "$CN_SOURCE_DIR/examples/solutions/cut-sensordaten-hamburg/daten/sensorstandorte.csv" &&
    LC_ALL=C grep -q "$(printf "M\366nckebergstra\337e")" hh.csv &&
    test "$(ls "$DEMO/muenchen/public/targets/items")" = cut-szenarien-muenchen
'

test_expect_success 'Connected Urban Twins: each city replicated the other two components, attested' '
    for r in $CUT_REPLICAS; do
        c=${r%%:*} o=${r#*:} &&
        o=${o%:*} oi=${r##*:} &&
        dest="$DEMO/run/replicas/$c/$oi" &&
        test "$(git -C "$dest" rev-parse HEAD)" = \
            "$(git -C "$DEMO/$o/repos/$(node_id $o)/$oi.git" rev-parse "refs/tags/v1.0.0^{commit}")" &&
        test -f "$dest/publiccode.yml" &&
        ls "$DEMO/$c/public/targets/attestations/" >att &&
        grep -q "replicates-$(node_id $o | cut -c1-16)-$oi-1.0.0.json$" att ||
            { echo "$c did not replicate $o/$oi"; exit 1; }
    done &&
    test "$(echo $CUT_REPLICAS | wc -w)" -eq 6
'

test_expect_success 'Leipzig registry: the graph of each CUT component has the other two cities' '
    port=$(test_free_port) &&
    test_serve "$LEIPZIG" "$port" leipzig &&
    for pair in $CUT; do
        o=${pair%:*} oi=${pair#*:} &&
        curl -fsS "http://127.0.0.1:$port/api/v1/graph/$(node_id $o)/$oi" >graph.json &&
        python3 - "$(node_id $o)/$oi" "$(node_id leipzig) $(node_id hamburg-cut) $(node_id muenchen)" \
            <<-\EOF || { echo "$o/$oi"; cat graph.json; exit 1; }
	import json, sys
	# the two cities of Connected Urban Twins but the publisher
	root = sys.argv[1]
	want = sorted(n for n in sys.argv[2].split() if n != root.split("/")[0])
	assert len(want) == 2, want
	g = json.load(open("graph.json"))
	assert g["root"] == root, g["root"]
	edges = [e for e in g["edges"] if e["type"] == "replicates"]
	assert all(e["from"] == root and not e["withdrawn"] for e in edges), edges
	assert sorted(e["to"] for e in edges) == want, edges
	EOF
    done &&
    test_stop_server leipzig
'

test_expect_success 're-running the demo without model projects re-creates every node, Hamburg too' '
    old=$(node_id leipzig) &&
    { run_demo 0 >"$TRASH/demo2.out" 2>&1 || { cat "$TRASH/demo2.out"; exit 1; }; } &&
    test "$(node_id leipzig)" != "$old" &&
    grep -q "demo network checked" "$TRASH/demo2.out" &&
    grep -q "^== the demo network in $DEMO: 9 nodes$" "$TRASH/demo2.out" &&
    grep -q "^   Hamburg (Demo)  *http://127.0.0.1:$((BASE + 7))  *[0-9a-f]\{12\}  serving$" "$TRASH/demo2.out" &&
    grep -q "^   München (Demo)  *http://127.0.0.1:$((BASE + 8))  *[0-9a-f]\{12\}  serving$" "$TRASH/demo2.out" &&
    test "$(ls "$DEMO/hamburg-cut/public/targets/items")" = cut-sensordaten-hamburg &&
    test ! -e "$DEMO/msc2020" &&
    for p in $PROJECTS; do
        test "$p" = hamburg-cut || test ! -e "$DEMO/$p" || { echo "$p left"; exit 1; }
    done &&
    grep -q "each component of Connected Urban Twins the other" "$TRASH/demo2.out"
'

test_expect_success 'the demo refuses to remove a directory that is not a citynode home' '
    mkdir -p other/eindhoven && echo keep >other/eindhoven/file &&
    test_expect_code 1 env CITYNODE_DEMO_ONESHOT=1 CITYNODE_DEMO_HOME="$TRASH/other/leipzig" \
        CITYNODE_DEMO_LISTEN="127.0.0.1:$BASE" "$CN_SOURCE_DIR/scripts/demo.sh" 2>err &&
    test "$(cat other/eindhoven/file)" = keep &&
    test ! -e other/leipzig &&
    grep -q "not a citynode home" err
'

test_done
