#!/bin/bash
# Stories of the demo network (`make run`, scripts/demo.sh) run once without
# waiting (CITYNODE_DEMO_ONESHOT=1): the seven Triangulum nodes, the model
# projects of the Modellprojekte Smart Cities 2020 and their network node come
# up on consecutive ports, the follower cities mirror the lighthouses verified
# and replicate one solution each, each model project publishes its strategy,
# Leipzig follows both networks and its registry finds everything, and a
# re-run starts afresh.
#
# CITYNODE_DEMO_MODEL_PROJECTS (default: all 32) is passed on to the demo.
. "$(dirname "$0")/lib.sh"

DEMO="$TRASH/demo"
LEIPZIG="$DEMO/leipzig"
ITEM=triangulum-lighthouse-demonstration
NPROJECTS=${CITYNODE_DEMO_MODEL_PROJECTS:-32}
# The demo's nodes: Leipzig, six more of Triangulum, the model projects and
# their network node.
NNODES=$((7 + NPROJECTS + (NPROJECTS > 0)))
# The model projects the demo makes nodes for: the first NPROJECTS folders
# under examples/strategies/ but Leipzig's own.
PROJECTS=$(LC_ALL=C ls "$CN_SOURCE_DIR/examples/strategies" | grep -vx leipzig-triangulum | head -n "$NPROJECTS")

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

run_demo() {
    CITYNODE_DEMO_MODEL_PROJECTS=$NPROJECTS CITYNODE_DEMO_ONESHOT=1 \
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
        $(test "$NPROJECTS" -eq 0 || echo msc2020); do
        "$CITYNODE" --home "$DEMO/$n" verify --all >/dev/null || { echo "$n"; exit 1; }
    done
'

# Leipzig's own items: every sample folder outside federation/ but the 32
# model projects' strategies (whether the demo made their nodes or not).
find "$CN_SOURCE_DIR/examples" -path "$CN_SOURCE_DIR/examples/federation" -prune -o \
    \( -name citynode.yml -o -name publiccode.yml \) -type f -print >"$TRASH/manifests"
NLEIPZIG=$(($(wc -l <"$TRASH/manifests") - 32))

test_expect_success 'Leipzig publishes its own sample items, each model project its strategy' '
    test "$(ls "$CN_SOURCE_DIR/examples/strategies" | grep -vx leipzig-triangulum | wc -l)" -eq 32 &&
    test "$(ls "$LEIPZIG/public/targets/items" | wc -l)" -eq "$NLEIPZIG" &&
    ls "$LEIPZIG/public/targets/items" >items &&
    ! grep -q "^msc2020-" items &&
    for i in leipzig-triangulum connected-urban-twins zukunftsforum-zukunftslabor \
        leipzig-west-beteiligung-2016; do
        "$CITYNODE" --home "$LEIPZIG" show "self/$i" >/dev/null || { echo "$i"; exit 1; }
    done &&
    for p in $PROJECTS; do
        test "$(ls "$DEMO/$p/public/targets/items")" = "msc2020-$p" &&
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
        $(test "$NPROJECTS" -eq 0 || echo msc2020); do
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
    grep -q "Leipzig.s registry: $((NLEIPZIG + 5 + NPROJECTS)) items of $((6 + NPROJECTS)) nodes;" \
        "$TRASH/demo.out" &&
    grep -q "replication in its graph; its web page answers at http://127.0.0.1:$BASE/$" "$TRASH/demo.out"
'

test_expect_success 'Leipzig registry (CLI): every publishing node is a city, Mobilitat finds Mobilität' '
    "$CITYNODE" --home "$LEIPZIG" search "" --json >all.json &&
    "$CITYNODE" --home "$LEIPZIG" search Mobilitat --json >mob.json &&
    python3 - "$NPROJECTS" "$NLEIPZIG" <<-\EOF
	import json, sys
	n, own = int(sys.argv[1]), int(sys.argv[2])
	doc = json.load(open("all.json"))
	cities = {b["value"]: b["count"] for b in doc["facets"]["city"]}
	programmes = {b["value"]: b["count"] for b in doc["facets"]["programme"]}
	assert doc["total"] == own + 5 + n, doc["total"]
	assert len(cities) == 6 + n, sorted(cities)
	assert cities["Stadt Leipzig (Demo)"] == own, cities
	assert programmes.get("Modellprojekte Smart Cities", 0) == n, programmes
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

test_expect_success 're-running the demo re-creates every node' '
    old=$(node_id leipzig) &&
    run_demo >"$TRASH/demo2.out" 2>&1 || { cat "$TRASH/demo2.out"; exit 1; }
    test "$(node_id leipzig)" != "$old" &&
    grep -q "demo network checked" "$TRASH/demo2.out"
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
