#!/bin/bash
# Stories of following a node whose exported tree is served by a plain static
# web server: python3 -m http.server (Last-Modified only) and nginx (ETag and
# Last-Modified). A second sync with nothing new is one conditional request,
# answered 304.
. "$(dirname "$0")/lib.sh"

L="$TRASH/lighthouse"
F="$TRASH/follower"
EXPORT="$TRASH/export"
PY_PORT=$(test_free_port)
NG_PORT=$(test_free_port)

# The access log lines of a sync: python's stderr log or nginx's access log.
requests_since() { tail -n +"$(($2 + 1))" "$1"; }
lines() { wc -l <"$1"; }

stop_pid() { [ -f "$1" ] && kill "$(cat "$1")" 2>/dev/null; return 0; }
test_at_exit "stop_pid $TRASH/python.pid"

test_expect_success 'a lighthouse publishes and exports its tree (sample: Eindhoven)' '
    cn "$L" init --name "Eindhoven (sample)" --country NL --url "http://127.0.0.1:$PY_PORT" >lid &&
    mkdir src && cp "$SAMPLE" src/publiccode.yml &&
    (cd src && git init -q && git add . && git commit -qm "first version") &&
    cn "$L" publish src >/dev/null &&
    cn "$L" export "$EXPORT" >/dev/null &&
    test -f "$EXPORT/tuf/timestamp.json"
'

test_expect_success 'python3 -m http.server serves the export' '
    (cd "$EXPORT" && exec python3 -m http.server --bind 127.0.0.1 "$PY_PORT" \
        >"$TRASH/python.log" 2>&1) &
    echo $! >"$TRASH/python.pid"

    test_wait_http "$PY_PORT" /tuf/1.root.json
'

test_expect_success 'peer add prints the node id of the static tree' '
    cn "$F" init --name "Leipzig (sample)" --country DE >/dev/null &&
    cn "$F" peer add "http://127.0.0.1:$PY_PORT" >added &&
    test "$(cat added)" = "$(cat lid)"
'

test_expect_success 'the first sync fetches and verifies everything' '
    cn "$F" sync >sync1 &&
    grep -q "ok .* 3 targets" sync1 &&
    grep -q "new connected-urban-twins@1.0.0" sync1 &&
    cn "$F" verify --all >verify.out &&
    grep -q "mirror of node $(cut -c1-12 lid)" verify.out &&
    git -C "$F/repos/$(cat lid)/connected-urban-twins.git" tag >tags &&
    grep -qx v1.0.0 tags
'

test_expect_success 'with nothing new, the next sync is one request answered 304 (Last-Modified)' '
    before=$(lines "$TRASH/python.log") &&
    cn "$F" sync >sync2 &&
    grep -q "unchanged .* 1 request$" sync2 &&
    requests_since "$TRASH/python.log" "$before" >reqs &&
    test "$(grep -c "\"GET " reqs)" = 1 &&
    grep -q "\"GET /tuf/timestamp.json HTTP/1.1\" 304" reqs
'

test_expect_success 'peer list shows the last sync time, result and error' '
    cn "$F" peer list >list &&
    grep -q "eindhoven-sample .* mirror .* 20[0-9-]*T[0-9:]*Z  unchanged" list &&
    cn "$F" peer list --json >list.json &&
    python3 -c "
import json, sys
p = json.load(open(\"list.json\"))[0]
assert p[\"last_result\"] == \"unchanged\" and p[\"last_error\"] is None, p
assert p[\"last_sync\"] > 0 and p[\"timestamp_version\"] >= 1, p
"
'

test_expect_success 'an unreachable peer: exit 1, and peer list shows the error' '
    stop_pid "$TRASH/python.pid" && sleep 0.3 &&
    test_expect_code 1 cn "$F" sync >sync3 2>err3 &&
    grep -q "failed" sync3 &&
    grep -q "127.0.0.1:$PY_PORT/tuf/timestamp.json" err3 &&
    cn "$F" peer list >list &&
    grep -q "failed" list && grep -q "error: http://127.0.0.1:$PY_PORT/tuf/timestamp.json" list &&
    cn "$F" verify --all >/dev/null
'

test_expect_success 'nginx serves the same export; the follower re-points and syncs' '
    test_nginx "$NG_PORT" "root $EXPORT; location / { }" &&
    test_wait_http "$NG_PORT" /tuf/1.root.json &&
    cn "$F" peer remove eindhoven-sample 2>/dev/null &&
    cn "$F" peer add "http://127.0.0.1:$NG_PORT" --expect "$(cat lid)" >added &&
    test "$(cat added)" = "$(cat lid)" &&
    cn "$F" sync >sync4 &&
    grep -q "ok .* 3 targets" sync4 &&
    cn "$F" verify --all >/dev/null
'

test_expect_success 'with nothing new, one request answered 304 by nginx (ETag)' '
    before=$(lines "$TRASH/nginx/access.log") &&
    cn "$F" sync >sync5 &&
    grep -q "unchanged .* 1 request$" sync5 &&
    requests_since "$TRASH/nginx/access.log" "$before" >reqs &&
    test "$(lines reqs)" = 1 &&
    grep -qx "GET /tuf/timestamp.json 304 0" reqs
'

# nginx's ETag is "<mtime>-<size>" with one-second mtimes: a timestamp.json
# re-exported within the second of the last one, at the same size, keeps its
# ETag and is answered 304. A real publisher re-exports far apart; the test
# makes sure a second has passed.
export_later() {
    sleep 1.1 && cn "$L" export "$EXPORT" >/dev/null
}

test_expect_success 'a new version exported: the follower fetches only its delta bundle' '
    (cd src && echo "# Connected Urban Twins" >README.md && git add . &&
     git commit -qm "second version") &&
    cn "$L" publish src --version 1.1.0 >/dev/null &&
    export_later &&
    before=$(lines "$TRASH/nginx/access.log") &&
    cn "$F" sync >sync6 &&
    grep -q "new connected-urban-twins@1.1.0" sync6 &&
    requests_since "$TRASH/nginx/access.log" "$before" >reqs &&
    grep -q "^GET /targets/items/connected-urban-twins/1.1.0/[0-9a-f]*.delta.bundle 200" reqs &&
    ! grep -q "full.bundle" reqs &&
    ! grep -q "manifest.json" reqs &&
    ! grep -q "citynode.json" reqs &&
    git -C "$F/repos/$(cat lid)/connected-urban-twins.git" log --format=%s main >log &&
    test "$(head -1 log)" = "second version" &&
    cn "$F" verify --all >/dev/null
'

test_expect_success 'the pointer is fetched again when the mirror lacks it' '
    id=$(cat lid) &&
    rm "$F/mirrors/$id/.well-known/citynode.json" &&
    (cd src && echo "pointer" >>README.md && git commit -qam "a version to sync") &&
    cn "$L" publish src --version 1.1.1 >/dev/null &&
    export_later &&
    before=$(lines "$TRASH/nginx/access.log") &&
    cn "$F" sync >/dev/null &&
    requests_since "$TRASH/nginx/access.log" "$before" >reqs &&
    grep -q "^GET /.well-known/citynode.json 200" reqs &&
    cmp "$F/mirrors/$id/.well-known/citynode.json" "$EXPORT/.well-known/citynode.json" &&
    cn "$F" verify --all >/dev/null
'

test_expect_success 'two peers with something new are synced in one round' '
    cn "$TRASH/second" init --name "Manchester (sample)" --country GB >mid &&
    cn "$TRASH/second" publish "$CN_SOURCE_DIR/examples/datasets/leipzig-west-beteiligung-2016" \
        >/dev/null &&
    cn "$TRASH/second" export "$EXPORT/second" >/dev/null &&
    cn "$F" peer add "http://127.0.0.1:$NG_PORT/second" >added &&
    test "$(cat added)" = "$(cat mid)" &&
    (cd src && echo "more" >>README.md && git commit -qam "third version") &&
    cn "$L" publish src --version 1.2.0 >/dev/null &&
    export_later &&
    cn "$F" sync >sync7 &&
    grep -q "^$(cut -c1-12 lid)  eindhoven-sample .* ok " sync7 &&
    grep -q "^$(cut -c1-12 mid)  manchester-sample .* ok " sync7 &&
    grep -q "new connected-urban-twins@1.2.0" sync7 &&
    grep -q "new leipzig-west-beteiligung-2016@" sync7 &&
    cn "$F" verify --all >verify7 &&
    test "$(grep -c "mirror of node" verify7)" = 2
'

test_done
