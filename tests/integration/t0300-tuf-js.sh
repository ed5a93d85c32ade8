#!/bin/bash
# t0300-tuf-js.sh - what `citynode publish` and `citynode export` write is a
# TUF 1.0 repository an independent client accepts: tuf-js, trusting only the
# node's 1.root.json, refreshes and downloads a published manifest from a
# stock static web server and from `citynode serve`, and refuses a manifest
# altered by one byte.

. "$(dirname "$0")/lib.sh"

client="$CN_SOURCE_DIR/tests/interop/tufjs_client.mjs"
sample="$CN_SOURCE_DIR/examples/solutions/connected-urban-twins"
target=items/connected-urban-twins/1.0.0/manifest.json
home="$TRASH/home"
out="$TRASH/out"

# The exported file behind a target path (consistent-snapshot name
# <dir>/<sha256>.<name>), and exactly one of it.
exported_target() {
    set -- "$out/targets/items/connected-urban-twins/1.0.0/"*.manifest.json
    [ $# -eq 1 ] && [ -f "$1" ] || {
        echo "expected one exported manifest target, found: $*" >&2
        return 1
    }
    echo "$1"
}

# tufjs BASE_URL WORK_DIR: download $target with tuf-js, trusting out's root.
tufjs() {
    node "$client" "$1" "$out/tuf/1.root.json" "$2" "$target" -
}

# Servers: a stock static server over the exported tree, citynode's own.
py_port=$(test_free_port)
python3 -m http.server "$py_port" --bind 127.0.0.1 --directory "$out" \
    >"$TRASH/http.log" 2>&1 &
test_at_exit "kill $!"
py_base="http://127.0.0.1:$py_port"

test_expect_success 'a node publishes the sample solution from a git repository' '
    "$CITYNODE" --home "$home" init --name "Tuf Town" --url "http://127.0.0.1:1" >id &&
    grep -qE "^[0-9a-f]{64}$" id &&
    cp -R "$sample" src &&
    git -C src init -q &&
    git -C src add . &&
    git -C src -c user.name=Test -c user.email=test@example.org \
        commit -q -m "Connected Urban Twins 1.0.0" &&
    "$CITYNODE" --home "$home" publish src &&
    "$CITYNODE" --home "$home" export "$out" &&
    test -f "$out/tuf/1.root.json" &&
    test -f "$out/tuf/timestamp.json" &&
    exported_target >/dev/null
'

test_expect_success 'the node id is the sha256 of the exported 1.root.json' '
    echo "$(sha256sum <"$out/tuf/1.root.json" | cut -d" " -f1)" >want &&
    cmp id want
'

test_expect_success 'tuf-js downloads the manifest from a stock web server' '
    test_wait_http "$py_port" /tuf/timestamp.json &&
    tufjs "$py_base" w1 >got.json &&
    cmp got.json "$(exported_target)" &&
    python3 -c "import json,sys; d=json.load(open(\"got.json\")); \
sys.exit(d.get(\"name\") != \"Connected Urban Twins\")" &&
    grep -q "GET /targets/items/connected-urban-twins/1.0.0/[0-9a-f]\{64\}.manifest.json" http.log
'

test_expect_success 'tuf-js downloads the manifest from citynode serve' '
    port=$(test_free_port) &&
    { "$CITYNODE" --home "$home" serve --listen "127.0.0.1:$port" >serve.log 2>&1 &
      echo $! >serve.pid; } &&
    trap "kill \$(cat serve.pid) 2>/dev/null" EXIT &&
    test_wait_http "$port" /tuf/timestamp.json &&
    tufjs "http://127.0.0.1:$port" w2 >got.json &&
    cmp got.json "$(exported_target)" &&
    grep -q "\"name\": *\"Connected Urban Twins\"" got.json
'

test_expect_success 'tuf-js refuses a manifest changed by one byte' '
    f=$(exported_target) &&
    cp "$f" pristine.json &&
    python3 -c "import sys; p=sys.argv[1]; b=bytearray(open(p,\"rb\").read()); \
b[len(b)//2] ^= 0x01; open(p,\"wb\").write(b)" "$f" &&
    ! cmp -s "$f" pristine.json &&
    test_must_fail tufjs "$py_base" w3 >got.json 2>err &&
    cat err &&
    grep -qi "^tuf-js: .*hash" err &&
    test ! -s got.json &&
    cp pristine.json "$f" &&
    tufjs "$py_base" w3 >got.json &&
    cmp got.json pristine.json
'

test_done
