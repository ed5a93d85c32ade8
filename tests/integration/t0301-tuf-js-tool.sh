#!/bin/bash
# t0301-tuf-js-tool.sh - repositories written by core/tuf.c (through
# cn_tuf_tool) are accepted by tuf-js, an independent TUF 1.0 client: refresh,
# download by consistent name, updates from persisted state, root key
# rotation; and tuf-js refuses a rolled-back timestamp and a tampered target.

. "$(dirname "$0")/lib.sh"

tool=${CN_TUF_TOOL:-${CN_BUILD_DIR:?CN_BUILD_DIR must name the build directory}/cn_tuf_tool}
client="$CN_SOURCE_DIR/tests/interop/tufjs_client.mjs"

# serve_dir DIR LOG: python3 -m http.server for DIR (made if missing), its
# log in LOG, stopped at exit; its port in $served_port.
serve_dir() {
    mkdir -p "$1" && served_port=$(test_free_port) || return 1
    python3 -m http.server "$served_port" --bind 127.0.0.1 --directory "$1" >"$2" 2>&1 &
    test_at_exit "kill $!"
}

pub="$TRASH/public"
serve_dir "$pub" "$TRASH/http.log"
port=$served_port
base="http://127.0.0.1:$port"

# tufjs WORKDIR TARGET [EXPECTED]: refresh and download with tuf-js from base.
tufjs() {
    node "$client" "$base" "$pub/tuf/1.root.json" "$@"
}

test_expect_success 'a new repository with one target' '
    "$tool" init "$pub" key &&
    test -f "$pub/tuf/1.root.json" &&
    echo "{\"name\":\"smart-lighting\"}" >manifest.json &&
    "$tool" add "$pub" key items/smart-lighting/1.0.0/manifest.json manifest.json \
        "{\"kind\":\"solution\",\"version\":\"1.0.0\"}" &&
    test -f "$pub/tuf/2.targets.json" && test -f "$pub/tuf/2.snapshot.json" &&
    test_wait_http "$port" /tuf/timestamp.json
'

test_expect_success 'tuf-js refreshes and downloads the target by its consistent name' '
    tufjs w1 items/smart-lighting/1.0.0/manifest.json manifest.json >out.json &&
    cat out.json &&
    grep -q "\"kind\":\"solution\"" out.json &&
    grep -q "\"rootVersion\":1" out.json &&
    grep -q "GET /targets/items/smart-lighting/1.0.0/[0-9a-f]\{64\}.manifest.json" http.log
'

test_expect_success 'tuf-js follows a new version from its persisted metadata' '
    cp "$pub/tuf/timestamp.json" timestamp.v2.json &&
    head -c 20000 /dev/urandom >node.bin &&
    "$tool" add "$pub" key node.json node.bin &&
    tufjs w1 node.json node.bin >out.json &&
    grep -q "\"length\":20000" out.json &&
    grep -q "\"version\":3" w1/metadata/timestamp.json
'

test_expect_success 'tuf-js refuses a rolled-back timestamp' '
    cp "$pub/tuf/timestamp.json" timestamp.v3.json &&
    cp timestamp.v2.json "$pub/tuf/timestamp.json" &&
    test_must_fail tufjs w1 node.json 2>err &&
    cat err &&
    grep -q "timestamp version 2 is less than current version 3" err &&
    cp timestamp.v3.json "$pub/tuf/timestamp.json" &&
    tufjs w1 node.json node.bin
'

test_expect_success 'tuf-js follows a root key rotation (old and fresh clients)' '
    "$tool" rotate "$pub" key root newroot &&
    test -f "$pub/tuf/2.root.json" &&
    tufjs w1 node.json node.bin >out.json &&
    grep -q "\"rootVersion\":2" out.json &&
    tufjs w2 node.json node.bin >out.json &&
    grep -q "\"rootVersion\":2" out.json &&
    "$tool" verify "$pub"
'

test_expect_success 'tuf-js and verify refuse a tampered target' '
    f=$(ls "$pub"/targets/*.node.json) &&
    printf X | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null &&
    test_must_fail tufjs w3 node.json 2>err &&
    cat err &&
    grep -q "hash" err &&
    test_expect_code 3 "$tool" verify "$pub" 2>err &&
    grep -q "node.json" err
'

# Layout 2 (docs/PROTOCOL.md §4.1): a delegated role per item.
pub2="$TRASH/public2"
serve_dir "$pub2" "$TRASH/http2.log"
port2=$served_port
tufjs2() {
    node "$client" "http://127.0.0.1:$port2" "$pub2/tuf/1.root.json" "$@"
}
# signed FILE KEY...: a value of FILE's signed part, as JSON.
signed() {
    python3 - "$@" <<'EOF'
import json, sys
v = json.load(open(sys.argv[1]))["signed"]
for k in sys.argv[2:]:
    v = v[int(k)] if isinstance(v, list) else v.get(k)
print(json.dumps(v, sort_keys=True))
EOF
}
snapshot2() { echo "$pub2/tuf/$(signed "$pub2/tuf/timestamp.json" meta snapshot.json version).snapshot.json"; }

test_expect_success 'layout 2: each item in a role of its own, the rest in targets.json' '
    "$tool" --delegate init "$pub2" key2 &&
    echo "{\"name\":\"smart-lighting\"}" >sl.json &&
    echo "{\"name\":\"open-data\"}" >od.json &&
    "$tool" --delegate add "$pub2" key2 items/smart-lighting/1.0.0/manifest.json sl.json \
        "{\"kind\":\"solution\"}" &&
    "$tool" --delegate add "$pub2" key2 items/open-data/1.0.0/manifest.json od.json &&
    "$tool" --delegate add "$pub2" key2 node.json node.bin &&
    test -f "$pub2/tuf/1.items.smart-lighting.json" &&
    test -f "$pub2/tuf/1.items.open-data.json" &&
    t=$(signed "$(snapshot2)" meta targets.json version) &&
    signed "$pub2/tuf/$t.targets.json" targets >top.json &&
    grep -q "node.json" top.json && ! grep -q "items/" top.json &&
    signed "$pub2/tuf/$t.targets.json" delegations roles 1 >role.json &&
    grep -q "\"name\": \"items.smart-lighting\"" role.json &&
    grep -q "\"paths\": \\[\"items/smart-lighting/\\*/\\*\"\\]" role.json &&
    grep -q "\"terminating\": true" role.json &&
    signed "$(snapshot2)" meta items.open-data.json >meta.json &&
    grep -q "\"version\": 1" meta.json && grep -q "\"length\": " meta.json &&
    test_wait_http "$port2" /tuf/timestamp.json
'

test_expect_success 'layout 2: tuf-js finds item targets through their delegation' '
    tufjs2 w4 items/smart-lighting/1.0.0/manifest.json sl.json >out.json &&
    grep -q "\"kind\":\"solution\"" out.json &&
    tufjs2 w4 items/open-data/1.0.0/manifest.json od.json &&
    tufjs2 w4 node.json node.bin &&
    grep -q "GET /tuf/1.items.smart-lighting.json" "$TRASH/http2.log"
'

test_expect_success 'layout 2: citynode tuf-client (the tuf-conformance client) reads it too' '
    mkdir md2 tg2 &&
    "$CITYNODE" tuf-client --metadata-dir md2 init "$pub2/tuf/1.root.json" &&
    "$CITYNODE" tuf-client --metadata-dir md2 --metadata-url "http://127.0.0.1:$port2/tuf" \
        --target-name items/open-data/1.0.0/manifest.json \
        --target-base-url "http://127.0.0.1:$port2/targets" --target-dir tg2 download &&
    cmp md2/items.open-data.json "$pub2/tuf/1.items.open-data.json" &&
    cmp tg2/items%2Fopen-data%2F1.0.0%2Fmanifest.json od.json
'

test_expect_success 'layout 2: a new version of one item writes its role alone' '
    t=$(signed "$(snapshot2)" meta targets.json version) &&
    echo "{\"name\":\"smart-lighting\",\"v\":2}" >sl2.json &&
    "$tool" add "$pub2" key2 items/smart-lighting/1.1.0/manifest.json sl2.json &&
    test -f "$pub2/tuf/2.items.smart-lighting.json" &&
    ! test -f "$pub2/tuf/2.items.open-data.json" &&
    test "$(signed "$(snapshot2)" meta targets.json version)" = "$t" &&
    test "$(signed "$(snapshot2)" meta items.open-data.json version)" = 1 &&
    tufjs2 w4 items/smart-lighting/1.1.0/manifest.json sl2.json
'

pub3="$TRASH/public3"
serve_dir "$pub3" "$TRASH/http3.log"
port3=$served_port
tufjs3() {
    node "$client" "http://127.0.0.1:$port3" "$pub3/tuf/1.root.json" "$@"
}

test_expect_success 'layout 2: a layout-1 repository moves over at its next commit; tuf-js follows' '
    "$tool" init "$pub3" key3 &&
    "$tool" add "$pub3" key3 items/smart-lighting/1.0.0/manifest.json sl.json &&
    grep -q "items/smart-lighting" "$pub3/tuf/2.targets.json" &&
    test_wait_http "$port3" /tuf/timestamp.json &&
    tufjs3 w5 items/smart-lighting/1.0.0/manifest.json sl.json &&
    "$tool" --delegate add "$pub3" key3 items/open-data/1.0.0/manifest.json od.json &&
    grep -q "\"delegations\"" "$pub3/tuf/3.targets.json" &&
    signed "$pub3/tuf/3.targets.json" targets >top3.json &&
    ! grep -q "items/" top3.json &&
    test -f "$pub3/tuf/1.items.smart-lighting.json" &&
    tufjs3 w5 items/smart-lighting/1.0.0/manifest.json sl.json &&
    tufjs3 w5 items/open-data/1.0.0/manifest.json od.json &&
    "$tool" add "$pub3" key3 node.json node.bin &&
    ! test -f "$pub3/tuf/2.items.smart-lighting.json" &&
    tufjs3 w5 node.json node.bin
'

test_expect_success 'layout 2: a targets key rotation signs every item role anew' '
    "$tool" rotate "$pub3" key3 targets newtargets3 &&
    test -f "$pub3/tuf/2.items.smart-lighting.json" &&
    test -f "$pub3/tuf/2.items.open-data.json" &&
    tufjs3 w5 items/smart-lighting/1.0.0/manifest.json sl.json &&
    tufjs3 w6 items/open-data/1.0.0/manifest.json od.json
'

test_done
