#!/bin/bash
# t0301-tuf-js-tool.sh - repositories written by core/tuf.c (through
# cn_tuf_tool) are accepted by tuf-js, an independent TUF 1.0 client: refresh,
# download by consistent name, updates from persisted state, root key
# rotation; and tuf-js refuses a rolled-back timestamp and a tampered target.

. "$(dirname "$0")/lib.sh"

tool=${CN_TUF_TOOL:-${CN_BUILD_DIR:?CN_BUILD_DIR must name the build directory}/cn_tuf_tool}
client="$CN_SOURCE_DIR/tests/interop/tufjs_client.mjs"
pub="$TRASH/public"
mkdir -p "$pub"

port=$(test_free_port)
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$pub" >"$TRASH/http.log" 2>&1 &
server=$!
test_at_exit "kill $server"
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

test_done
