#!/bin/bash
# `show NODE/ITEM[@V]` for a peer's item (sample cities from the Triangulum
# project): a lighthouse publishes two versions, a mirror follower and an
# index follower sync it, and both show the item from the verified state
# they stored, by the peer's id prefix or alias, as text and as JSON.
. "$(dirname "$0")/lib.sh"

L="$TRASH/eindhoven"
F="$TRASH/leipzig"
X="$TRASH/prague"
PL=$(test_free_port)

test_expect_success 'the lighthouse (sample: Eindhoven) publishes two versions and serves' '
    cn "$L" init --name "Eindhoven (sample)" --country NL --url "http://127.0.0.1:$PL" >lid &&
    mkdir src && cp "$SAMPLE" src/publiccode.yml &&
    (cd src && git init -q && echo "# Connected Urban Twins" >README.md &&
     git add . && git commit -qm "first version") &&
    cn "$L" publish src >/dev/null &&
    (cd src && echo "Replicated in Leipzig-West" >>README.md && git commit -qam "second version") &&
    cn "$L" publish src --version 1.1.0 >/dev/null &&
    test_serve "$L" "$PL" lighthouse
'

LID=$(cat "$TRASH/lid" 2>/dev/null)

test_expect_success 'a follower (sample: Leipzig) that follows nobody: a peer id is unknown' '
    cn "$F" init --name "Leipzig (sample)" --country DE >fid &&
    test_expect_code 1 cn "$F" show "${LID:0:12}/$ITEM" 2>err &&
    grep -q "neither this node nor a peer" err
'

test_expect_success 'the follower adds and syncs the lighthouse' '
    cn "$F" peer add "http://127.0.0.1:$PL" >/dev/null &&
    cn "$F" sync >sync1 && grep -q "new $ITEM@1.1.0" sync1
'

test_expect_success 'show by id prefix: the newest version, every version, bundles stored' '
    cn "$F" show "${LID:0:12}/$ITEM" >show.out && cat show.out &&
    grep -q "^$LID/$ITEM  (solution)$" show.out &&
    grep -q "^peer:     Eindhoven (sample) (eindhoven-sample), policy mirror$" show.out &&
    grep -q "^version:  1.1.0$" show.out &&
    grep -q "^bundles:  stored here" show.out &&
    grep -q "^  1.0.0 " show.out && grep -q "^  1.1.0 .*(delta)$" show.out
'

test_expect_success 'show by alias at a version, and the full id' '
    cn "$F" show "eindhoven-sample/$ITEM@1.0.0" >show1.out &&
    grep -q "^version:  1.0.0$" show1.out &&
    cn "$F" show "$LID/$ITEM@1.1.0" >show2.out &&
    grep -q "^version:  1.1.0$" show2.out
'

test_expect_success 'show --json of a peer item: versions, manifest, node id, as the lighthouse says' '
    cn "$F" show --json "eindhoven-sample/$ITEM@1.0.0" >show.json &&
    cn "$L" show --json "self/$ITEM@1.0.0" >own.json &&
    LID="$LID" python3 -c "
import json, os
d = json.load(open(\"show.json\")); o = json.load(open(\"own.json\"))
assert d[\"node\"] == os.environ[\"LID\"], d[\"node\"]
assert d[\"item\"] == \"connected-urban-twins\" and d[\"kind\"] == \"solution\"
assert d[\"version\"] == \"1.0.0\"
assert [v[\"version\"] for v in d[\"versions\"]] == [\"1.0.0\", \"1.1.0\"]
assert d[\"manifest\"][\"name\"] == \"Connected Urban Twins\"
assert d[\"manifest\"] == o[\"manifest\"]
assert d[\"peer\"] == {\"alias\": \"eindhoven-sample\", \"name\": \"Eindhoven (sample)\", \"policy\": \"mirror\"}, d[\"peer\"]
assert d[\"bundles_stored\"] is True
assert [v[\"stored\"] for v in d[\"versions\"]] == [True, True]
for a, b in zip(d[\"versions\"], o[\"versions\"]):
    assert a[\"commit\"] == b[\"commit\"] and a[\"tag\"] == b[\"tag\"]
    assert a[\"full_bundle\"][\"sha256\"] == b[\"full_bundle\"][\"sha256\"]
"
'

test_expect_success 'unknown items, versions and nodes of a peer are named' '
    test_expect_code 1 cn "$F" show "eindhoven-sample/nothing-here" 2>err &&
    grep -q "nothing-here. is not published by peer ${LID:0:12}" err &&
    test_expect_code 1 cn "$F" show "eindhoven-sample/$ITEM@9.9.9" 2>err &&
    grep -q "$ITEM@9.9.9 is not published by peer" err &&
    test_expect_code 1 cn "$F" show "00000000/$ITEM" 2>err &&
    grep -q "neither this node nor a peer" err &&
    test_expect_code 1 cn "$F" show "no-such-city/$ITEM" 2>err &&
    grep -q "neither this node nor a peer" err &&
    test_expect_code 2 cn "$F" show "eindhoven-sample/Not_A_Slug" 2>err
'

test_expect_success 'show self/ still shows this node'"'"'s own items' '
    mkdir own && cp "$SAMPLE" own/publiccode.yml &&
    (cd own && git init -q && echo "# Leipzig twin" >README.md && git add . && git commit -qm one) &&
    cn "$F" publish own >/dev/null &&
    cn "$F" show "self/$ITEM" >self.out &&
    grep -q "^$(cat fid)/$ITEM  (solution)$" self.out &&
    cn "$F" show "$(cut -c1-8 fid)/$ITEM" >peer.out &&
    cmp peer.out self.out &&
    ! grep -q "^peer:" self.out
'

test_expect_success 'an index follower (sample: Prague) shows the item; its bundles are not fetched' '
    cn "$X" init --name "Praha (sample)" --country CZ >/dev/null &&
    cn "$X" peer add --policy index "http://127.0.0.1:$PL" >/dev/null &&
    cn "$X" sync >/dev/null &&
    cn "$X" show "${LID:0:8}/$ITEM" >index.out && cat index.out &&
    grep -q "^peer:     .*policy index$" index.out &&
    grep -q "^version:  1.1.0$" index.out &&
    grep -q "^bundles:  not fetched; .citynode replicate. fetches them$" index.out &&
    cn "$X" show --json "eindhoven-sample/$ITEM@1.1.0" >index.json &&
    python3 -c "
import json
d = json.load(open(\"index.json\"))
assert d[\"bundles_stored\"] is False and d[\"peer\"][\"policy\"] == \"index\"
assert [v[\"stored\"] for v in d[\"versions\"]] == [False, False]
assert [v[\"full_bundle\"][\"stored\"] for v in d[\"versions\"]] == [False, False]
assert d[\"manifest\"][\"name\"] == \"Connected Urban Twins\"
" &&
    # Layout 2 lists 1.0.0 as the checkpoint, by its bundles: its manifest
    # comes with its tag, which an index follower does not hold.
    test_expect_code 1 cn "$X" show "eindhoven-sample/$ITEM@1.0.0" 2>err &&
    grep -q "citynode replicate ${LID:0:12}/$ITEM@1.0.0 DEST" err
'

test_done
