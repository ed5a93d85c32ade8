#!/bin/bash
# Stories of the demo federation (`make run`, scripts/demo.sh) run once without
# waiting (CITYNODE_DEMO_ONESHOT=1): seven nodes come up on consecutive ports,
# the follower cities mirror the lighthouses verified and replicate one
# solution each, Leipzig keeps its sample items, and a re-run starts afresh.
. "$(dirname "$0")/lib.sh"

DEMO="$TRASH/demo"
LEIPZIG="$DEMO/leipzig"
ITEM=triangulum-lighthouse-demonstration

# Seven consecutive free ports: the demo's nodes listen on BASE ... BASE+6.
# Below Linux's ephemeral range, so no client connection of a test running
# alongside holds one of them.
BASE=$(python3 -c '
import random, socket
for _ in range(200):
    base = random.randrange(20000, 32000)  # below the ephemeral range (32768-)
    socks = []
    try:
        for p in range(base, base + 7):
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
')

run_demo() {
    CITYNODE_DEMO_ONESHOT=1 CITYNODE_DEMO_HOME="$LEIPZIG" CITYNODE_DEMO_LISTEN="127.0.0.1:$BASE" \
        timeout 300 "$CN_SOURCE_DIR/scripts/demo.sh"
}
node_id() {
    sed -n 's/.*"node": *"\([0-9a-f]\{64\}\)".*/\1/p' "$DEMO/$1/public/.well-known/citynode.json"
}
tag_commit() { # HOME NODE_ID: the commit v1.0.0 of the demo item in HOME's repository
    git -C "$1/repos/$2/$ITEM.git" rev-parse "refs/tags/v1.0.0^{commit}"
}

test_expect_success 'the demo sets up, checks and stops seven nodes' '
    test -n "$BASE" &&
    run_demo >"$TRASH/demo.out" 2>&1 || { cat "$TRASH/demo.out"; exit 1; }
    grep -q "demo federation checked" "$TRASH/demo.out" &&
    for p in $(seq "$BASE" $((BASE + 6))); do
        grep -q "http://127.0.0.1:$p  *[0-9a-f]\{12\}  serving$" "$TRASH/demo.out" &&
        ! curl -s -o /dev/null "http://127.0.0.1:$p/" || { echo "port $p"; exit 1; }
    done
'

test_expect_success 'every node of the federation verifies' '
    for n in leipzig eindhoven manchester stavanger prague sabadell triangulum; do
        "$CITYNODE" --home "$DEMO/$n" verify --all >/dev/null || { echo "$n"; exit 1; }
    done
'

test_expect_success 'Leipzig still publishes the sample items under examples/' '
    find "$CN_SOURCE_DIR/examples" -path "$CN_SOURCE_DIR/examples/federation" -prune -o \
        \( -name citynode.yml -o -name publiccode.yml \) -type f -print >manifests &&
    test "$(ls "$LEIPZIG/public/targets/items" | wc -l)" -eq "$(wc -l <manifests)" &&
    "$CITYNODE" --home "$LEIPZIG" show self/leipzig-triangulum >/dev/null &&
    "$CITYNODE" --home "$LEIPZIG" show self/msc2020-berlin >/dev/null
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

test_expect_success 'Leipzig follows the consortium and, through its network, the other cities' '
    "$CITYNODE" --home "$LEIPZIG" peer list --json >peers.json &&
    for n in triangulum eindhoven manchester stavanger prague sabadell; do
        grep -q "$(node_id $n)" peers.json || { echo "no peer $n"; exit 1; }
    done &&
    grep -q "network:$(node_id triangulum)" peers.json
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
    grep -q "demo federation checked" "$TRASH/demo2.out"
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
