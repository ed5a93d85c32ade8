#!/bin/bash
# t1210-layout2.sh - a node moves to layout 2 (a delegated role per item,
# docs/PROTOCOL.md §4.1, metadata_layout: 2 in config.yml) at its next
# publish, and its follower syncs across without being told: the new
# version arrives, older tags keep verifying, and a new version of one item
# costs the follower that item's role, not the others'. A new follower and
# tuf-js read the tree too, from the node and from the follower's mirror.
# Sample nodes: the lighthouse Eindhoven and the follower Leipzig.
. "$(dirname "$0")/lib.sh"

L="$TRASH/eindhoven"
F="$TRASH/leipzig"
EXPORT="$TRASH/export"
PORT=$(test_free_port)
URL="http://127.0.0.1:$PORT"
FPORT=$(test_free_port)
client="$CN_SOURCE_DIR/tests/interop/tufjs_client.mjs"
export GIT_CONFIG_NOSYSTEM=1 HOME="$TRASH"
test_at_exit test_stop_servers

lines() { wc -l <"$TRASH/nginx/access.log"; }
# export_later: nginx's validators have one-second granularity.
export_later() { sleep 1.1 && cn "$L" export "$EXPORT" >/dev/null; }

test_expect_success 'setup: Eindhoven publishes two items in layout 1, Leipzig follows' '
    cn "$L" init --name "Gemeente Eindhoven (sample)" --country NL --url "$URL" >lid &&
    cn "$F" init --name "Stadt Leipzig (sample)" --country DE >fid &&
    test_sample_repo twins "Connected Urban Twins" &&
    git -C twins add . && git -C twins commit -qm "first version" &&
    cn "$L" publish twins >/dev/null &&
    test_publish_example "$L" datasets/leipzig-west-beteiligung-2016 &&
    cn "$L" export "$EXPORT" >/dev/null &&
    test_nginx "$PORT" "root $EXPORT; location / { }" &&
    test_wait_http "$PORT" /tuf/1.root.json &&
    cn "$F" peer add "$URL" --expect "$(cat lid)" >/dev/null &&
    cn "$F" sync >/dev/null &&
    ! ls "$EXPORT"/tuf/*.items.*.json 2>/dev/null
'
LID=$(cat "$TRASH/lid" 2>/dev/null)

test_expect_success 'with metadata_layout 2, the next publish moves the tree to item roles' '
    echo "metadata_layout: 2" >>"$L/config.yml" &&
    echo "# second version" >>twins/README.md &&
    git -C twins add . && git -C twins commit -qm "second version" &&
    cn "$L" publish twins --version 1.1.0 >/dev/null &&
    test -f "$L/public/tuf/1.items.connected-urban-twins.json" &&
    test -f "$L/public/tuf/1.items.leipzig-west-beteiligung-2016.json" &&
    cn "$L" verify --all >/dev/null &&
    export_later
'

test_expect_success 'the follower syncs across: the new version, its role files, every tag' '
    cn "$F" sync >sync1 &&
    grep -q "new connected-urban-twins@1.1.0" sync1 &&
    test -f "$F/mirrors/$LID/tuf/1.items.connected-urban-twins.json" &&
    cmp "$F/mirrors/$LID/tuf/1.items.connected-urban-twins.json" \
        "$EXPORT/tuf/1.items.connected-urban-twins.json" &&
    git -C "$F/repos/$LID/connected-urban-twins.git" rev-parse -q --verify refs/tags/v1.0.0 &&
    git -C "$F/repos/$LID/connected-urban-twins.git" rev-parse -q --verify refs/tags/v1.1.0 &&
    cn "$F" verify --all >/dev/null &&
    cn "$F" show "$LID/connected-urban-twins" >show &&
    grep -q "1.1.0" show
'

test_expect_success 'a new version of one item: the follower fetches that role, not the other' '
    echo "# third version" >>twins/README.md &&
    git -C twins add . && git -C twins commit -qm "third version" &&
    cn "$L" publish twins --version 1.2.0 >/dev/null &&
    export_later &&
    before=$(lines) &&
    cn "$F" sync >sync2 &&
    grep -q "new connected-urban-twins@1.2.0" sync2 &&
    tail -n +"$((before + 1))" "$TRASH/nginx/access.log" >reqs &&
    grep -q "^GET /tuf/2.items.connected-urban-twins.json 200" reqs &&
    ! grep -q "items.leipzig-west" reqs &&
    ! grep -q "targets.json" reqs &&
    cn "$F" verify --all >/dev/null
'

test_expect_success 'a new follower adds the node in layout 2 and gets every version' '
    cn "$TRASH/sabadell" init --name "Ajuntament de Sabadell (sample)" --country ES >/dev/null &&
    cn "$TRASH/sabadell" peer add "$URL" --expect "$LID" >/dev/null &&
    cn "$TRASH/sabadell" sync >/dev/null &&
    git -C "$TRASH/sabadell/repos/$LID/connected-urban-twins.git" tag >tags &&
    grep -qx v1.0.0 tags && grep -qx v1.2.0 tags &&
    cn "$TRASH/sabadell" verify --all >/dev/null
'

test_expect_success 'a follower of the follower reads the re-served tree (mirrors are transport)' '
    test_serve "$F" "$FPORT" leipzig &&
    cn "$TRASH/prague" init --name "Praha (sample)" --country CZ >/dev/null &&
    cn "$TRASH/prague" peer add "http://127.0.0.1:$FPORT/mirrors/$LID" --expect "$LID" >/dev/null &&
    cn "$TRASH/prague" sync >/dev/null &&
    git -C "$TRASH/prague/repos/$LID/connected-urban-twins.git" rev-parse -q --verify \
        refs/tags/v1.2.0 &&
    cn "$TRASH/prague" verify --all >/dev/null
'

test_expect_success 'tuf-js reads the node and the mirror through the item roles' '
    m=items/connected-urban-twins/1.2.0/manifest.json &&
    node "$client" "$URL" "$EXPORT/tuf/1.root.json" w1 "$m" - >from-node &&
    node "$client" "http://127.0.0.1:$FPORT/mirrors/$LID" "$EXPORT/tuf/1.root.json" w2 "$m" - \
        >from-mirror &&
    cmp from-node from-mirror &&
    grep -q "connected-urban-twins" from-node
'

test_done
