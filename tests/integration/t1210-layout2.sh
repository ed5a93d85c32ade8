#!/bin/bash
# t1210-layout2.sh - a node moves to layout 2 (a delegated role per item,
# docs/PROTOCOL.md §4.1, the default; metadata_layout: 1 in config.yml keeps
# layout 1) at its next publish, and its follower syncs across without being told: the new
# version arrives, older tags keep verifying, and a new version of one item
# costs the follower that item's role, not the others'. A new follower and
# tuf-js read the tree too, from the node and from the follower's mirror; a
# node new to an item starts from a mirror that followed deltas (the
# checkpoint PROTOCOL §4.1 describes).
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
    echo "metadata_layout: 1" >>"$L/config.yml" &&
    cn "$F" init --name "Stadt Leipzig (sample)" --country DE --url "http://127.0.0.1:$FPORT" >fid &&
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

# The release that made layout 2 the default: the setting goes, as in a
# config.yml written before it.
test_expect_success 'with layout 2 the default, the next publish moves the tree to item roles' '
    sed -i "/^metadata_layout:/d" "$L/config.yml" &&
    echo "# second version" >>twins/README.md &&
    git -C twins add . && git -C twins commit -qm "second version" &&
    cn "$L" publish twins --version 1.1.0 >/dev/null &&
    test -f "$L/public/tuf/1.items.connected-urban-twins.json" &&
    test -f "$L/public/tuf/1.items.leipzig-west-beteiligung-2016.json" &&
    cn "$L" verify --all >/dev/null &&
    export_later
'

# role_versions FILE: the versions an item role lists, one a line.
role_versions() {
    python3 - "$1" <<'EOF'
import json, sys
paths = json.load(open(sys.argv[1]))["signed"]["targets"]
print("\n".join(sorted({p.split("/")[2] for p in paths})))
EOF
}

test_expect_success 'an item role lists the newest version; the node still knows every one' '
    role_versions "$L/public/tuf/1.items.connected-urban-twins.json" >versions &&
    test "$(cat versions)" = 1.1.0 &&
    test -f "$L/targets-history.json" &&
    grep -q "items/connected-urban-twins/1.0.0/manifest.json" "$L/targets-history.json" &&
    cn "$L" show self/connected-urban-twins --json >own.json &&
    grep -q "\"version\": *\"1.0.0\"" own.json && grep -q "\"version\": *\"1.1.0\"" own.json
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
    grep -q "^GET /targets/items/connected-urban-twins/1.2.0/[0-9a-f]*.delta.bundle 200" reqs &&
    ! grep -q "full.bundle" reqs &&
    cn "$F" verify --all >/dev/null
'

test_expect_success 'the registry keeps the versions that left the role, not as withdrawn' '
    cn "$F" show "$LID/connected-urban-twins" --api >api.json &&
    python3 - api.json <<-EOF
	import json, sys
	doc = json.load(open(sys.argv[1]))
	versions = {v["version"]: v for v in doc["versions"]}
	assert set(versions) >= {"1.0.0", "1.1.0", "1.2.0"}, sorted(versions)
	assert not any(v.get("withdrawn") for v in versions.values()), versions
	EOF
'

test_expect_success 'show and replicate take a version that left the role from its signed tag' '
    cn "$F" show "$LID/connected-urban-twins" >show-all &&
    grep -q "^  1.0.0 .*(superseded, from its tag)$" show-all &&
    cn "$F" show --json "$LID/connected-urban-twins@1.0.0" >old.json &&
    cn "$L" show --json "self/connected-urban-twins@1.0.0" >own-old.json &&
    python3 -c "
import json
a = json.load(open(\"old.json\")); b = json.load(open(\"own-old.json\"))
assert a[\"version\"] == \"1.0.0\" and a[\"manifest\"] == b[\"manifest\"], a
" &&
    cn "$F" replicate "$LID/connected-urban-twins@1.0.0" old-copy >/dev/null &&
    test "$(git -C old-copy rev-parse HEAD)" = \
        "$(git -C "$L/repos/$LID/connected-urban-twins.git" rev-parse "v1.0.0^{commit}")" &&
    test_expect_code 2 cn "$F" replicate "$LID/connected-urban-twins@0.9.0" none 2>err &&
    grep -q "neither in the signed targets of peer .* nor among the older versions" err
'

test_expect_success 'a targets key rotation signs every item role anew; the follower follows' '
    cn "$L" keys rotate targets >/dev/null &&
    test -f "$L/public/tuf/3.items.connected-urban-twins.json" &&
    test -f "$L/public/tuf/2.items.leipzig-west-beteiligung-2016.json" &&
    cn "$L" verify --all >/dev/null &&
    export_later &&
    cn "$F" sync >/dev/null &&
    cmp "$F/mirrors/$LID/tuf/timestamp.json" "$EXPORT/tuf/timestamp.json" &&
    cn "$F" verify --all >/dev/null
'

test_expect_success 'a new follower adds the node in layout 2 and gets every version' '
    cn "$TRASH/sabadell" init --name "Ajuntament de Sabadell (sample)" --country ES >/dev/null &&
    cn "$TRASH/sabadell" peer add "$URL" --expect "$LID" >/dev/null &&
    cn "$TRASH/sabadell" sync >/dev/null &&
    git -C "$TRASH/sabadell/repos/$LID/connected-urban-twins.git" tag >tags &&
    grep -qx v1.0.0 tags && grep -qx v1.2.0 tags &&
    cn "$TRASH/sabadell" verify --all >/dev/null &&
    cn "$TRASH/sabadell" show "$LID/connected-urban-twins" --api >new-api.json &&
    cn "$L" show --json "self/connected-urban-twins@1.0.0" >own-1.json &&
    python3 - new-api.json own-1.json <<-EOF
	import json, sys
	doc = json.load(open(sys.argv[1])); own = json.load(open(sys.argv[2]))
	versions = {v["version"]: v for v in doc["versions"]}
	assert set(versions) >= {"1.0.0", "1.1.0", "1.2.0"}, sorted(versions)
	assert not any(v.get("withdrawn") for v in versions.values()), versions
	assert versions["1.0.0"]["commit"] == own["versions"][0]["commit"], versions["1.0.0"]
	EOF
'

test_expect_success 'tuf-js reads the node and the mirror through the item roles' '
    test_serve "$F" "$FPORT" leipzig &&
    m=items/connected-urban-twins/1.2.0/manifest.json &&
    node "$client" "$URL" "$EXPORT/tuf/1.root.json" w1 "$m" - >from-node &&
    node "$client" "http://127.0.0.1:$FPORT/mirrors/$LID" "$EXPORT/tuf/1.root.json" w2 "$m" - \
        >from-mirror &&
    cmp from-node from-mirror &&
    grep -q "connected-urban-twins" from-node
'

test_expect_success 'Eindhoven down: a follower that holds the item takes 1.3.0 from the mirror' '
    cn "$TRASH/sabadell" peer add "http://127.0.0.1:$FPORT" >/dev/null &&
    cn "$TRASH/sabadell" sync >/dev/null &&
    echo "# fourth version" >>twins/README.md &&
    git -C twins add . && git -C twins commit -qm "fourth version" &&
    cn "$L" publish twins --version 1.3.0 >/dev/null &&
    export_later &&
    cn "$F" sync >/dev/null &&
    test_stop_server nginx &&
    cn "$TRASH/sabadell" sync >sync3 2>err3 &&
    grep -q "new connected-urban-twins@1.3.0" sync3 &&
    cn "$TRASH/sabadell" verify --all >/dev/null
'

# A mirror that followed by deltas holds a full bundle its roles list (the
# checkpoint's, PROTOCOL §4.1, Mirrors), so a node new to the item can start
# from it when the publisher is gone.
test_expect_success 'the mirror holds a listed full bundle of every item it follows' '
    python3 - "$F/mirrors/$LID" <<-EOF
	import glob, json, os, sys
	mirror = sys.argv[1]
	snap = max(glob.glob(mirror + "/tuf/*.snapshot.json"),
	           key=lambda p: int(os.path.basename(p).split(".")[0]))
	meta = json.load(open(snap))["signed"]["meta"]
	roles = [n[:-5] for n in meta if n.startswith("items.")]
	assert roles, meta
	for role in roles:
	    doc = json.load(open("%s/tuf/%d.%s.json" % (mirror, meta[role + ".json"]["version"], role)))
	    fulls = [(p, t) for p, t in doc["signed"]["targets"].items() if p.endswith("/full.bundle")]
	    held = [p for p, t in fulls if os.path.exists("%s/targets/%s/%s.full.bundle" % (
	        mirror, p.rsplit("/", 1)[0], t["hashes"]["sha256"]))]
	    assert held, (role, [p for p, t in fulls])
	EOF
'

test_expect_success 'a follower new to the item starts from a mirror that followed deltas' '
    cn "$TRASH/prague" init --name "Praha (sample)" --country CZ >/dev/null &&
    cn "$TRASH/prague" peer add "http://127.0.0.1:$FPORT/mirrors/$LID" --expect "$LID" >/dev/null &&
    cn "$TRASH/prague" sync >/dev/null &&
    git -C "$TRASH/prague/repos/$LID/connected-urban-twins.git" rev-parse -q --verify \
        refs/tags/v1.3.0 &&
    cn "$TRASH/prague" verify --all >/dev/null
'

test_done
