#!/bin/bash
# `citynode serve` under load: 200 concurrent clients for 30 s (wrk) on the
# requests followers make - the pointer, the timestamp, a 304 on a known
# ETag, a target by Range and in full, git's info/refs and a pack - must give
# no failed request, and the server's peak memory must stay bounded.
#
# The bound: libmicrohttpd keeps a 32 KiB memory pool per connection (200
# connections: ~6.4 MiB), files go out with sendfile from the page cache,
# nothing of a request is kept after it ends, and the process with its
# libraries mapped in starts at ~10 MiB; measured peak ~18 MiB. 64 MiB leaves
# room for that and fails on anything that grows per request or per
# connection. Under AddressSanitizer the server runs with a 16 MiB quarantine
# of freed blocks (the default 256 MiB would fill up and hide the server's own
# use); shadow memory roughly triples the rest, measured peak ~60 MiB, bound
# 128 MiB.
. "$(dirname "$0")/lib.sh"

SAMPLE="$CN_SOURCE_DIR/examples/solutions/connected-urban-twins"
H="$TRASH/home"
PORT=$(test_free_port)
URL="http://127.0.0.1:$PORT"
DURATION=${CN_LOAD_SECONDS:-30}
CONNECTIONS=200
export GIT_CONFIG_NOSYSTEM=1 HOME="$TRASH"

if ldd "$CITYNODE" | grep -q libasan; then
    BOUND_KB=$((128 * 1024))
else
    BOUND_KB=$((64 * 1024))
fi

start_server() {
    # under ASan, a small quarantine, so peak RSS shows the server's own use
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16" \
        "$CITYNODE" --home "$H" serve --listen "127.0.0.1:$PORT" >"$TRASH/serve.out" 2>&1 &
    echo $! >"$TRASH/serve.pid"
    test_wait_http "$PORT" /tuf/timestamp.json
}
stop_server() {
    [ -f "$TRASH/serve.pid" ] || return 0
    kill "$(cat "$TRASH/serve.pid")" 2>/dev/null && wait "$(cat "$TRASH/serve.pid")" 2>/dev/null
    rm -f "$TRASH/serve.pid"
    return 0
}
test_at_exit stop_server

test_expect_success 'setup: Eindhoven (sample) publishes two versions and serves them' '
    "$CITYNODE" --home "$H" init --name "Gemeente Eindhoven (sample)" --country NL >id &&
    git init -q src && cp "$SAMPLE/publiccode.yml" src/ &&
    head -c 20000 /dev/urandom | base64 >src/readings.txt &&
    git -C src add . && git -C src commit -qm "First version" &&
    "$CITYNODE" --home "$H" publish src >/dev/null &&
    echo more >>src/readings.txt && git -C src commit -qam "Second version" &&
    "$CITYNODE" --home "$H" publish --version 1.1.0 src >/dev/null &&
    start_server
'

test_expect_success "$CONNECTIONS clients for ${DURATION}s: no failed request, bounded memory" '
    id=$(cat id) &&
    full=$(cd "$H/public" && ls targets/items/connected-urban-twins/1.1.0/*.full.bundle) &&
    delta=$(cd "$H/public" && ls targets/items/connected-urban-twins/1.1.0/*.delta.bundle) &&
    repo="/git/$id/connected-urban-twins.git" &&
    pack=$(sed -n "s/^P //p" "$H/repos/$id/connected-urban-twins.git/objects/info/packs" | head -n 1) &&
    test -n "$pack" &&
    etag=$(curl -fsSI "$URL/tuf/1.root.json" | tr -d "\r" | sed -n "s/^ETag: //Ip") &&
    cat >mix.lua <<-\EOF &&
	-- One request after another from a fixed mix, per connection. (No HEAD:
	-- wrk would wait for the body a HEAD response announces but never sends.)
	local reqs = {}
	local n = 0
	function init(args)
	    reqs = {
	        wrk.format("GET", "/.well-known/citynode.json"),
	        wrk.format("GET", "/tuf/timestamp.json"),
	        wrk.format("GET", "/tuf/1.root.json", { ["If-None-Match"] = args[1] }),
	        wrk.format("GET", "/" .. args[2], { ["Range"] = "bytes=1000-8999" }),
	        wrk.format("GET", "/" .. args[3]),
	        wrk.format("GET", args[4] .. "/info/refs"),
	        wrk.format("GET", args[4] .. "/objects/pack/" .. args[5]),
	    }
	end
	function request()
	    n = n + 1
	    return reqs[n % #reqs + 1]
	end
	EOF
    wrk -t 2 -c "$CONNECTIONS" -d "${DURATION}s" --timeout 10s --latency -s mix.lua "$URL" \
        -- "$etag" "$full" "$delta" "$repo" "$pack" >wrk.out 2>&1 &&
    cat wrk.out &&
    pid=$(cat "$TRASH/serve.pid") &&
    hwm=$(awk "/^VmHWM:/ { print \$2 }" "/proc/$pid/status") &&
    requests=$(sed -n "s/^ *\([0-9]*\) requests in.*/\1/p" wrk.out) &&
    rps=$(sed -n "s/^Requests\/sec: *//p" wrk.out) &&
    { grep -E "requests in|Requests/sec|Latency|50%|90%|99%|Non-2xx|Socket errors" wrk.out &&
      echo "peak RSS of serve: $((hwm / 1024)) MiB (VmHWM $hwm kB; bound $((BOUND_KB / 1024)) MiB)"; } >"$TRASH/summary" &&
    test "$requests" -gt 0 &&
    ! grep -q "Non-2xx or 3xx responses" wrk.out &&
    ! grep -q "Socket errors" wrk.out &&
    test "$hwm" -lt "$BOUND_KB" &&
    test "$(readlink "/proc/$pid/exe")" = "$(readlink -f "$CITYNODE")"
'

[ -f "$TRASH/summary" ] && sed "s/^ */# /" "$TRASH/summary"

test_expect_success 'the server still answers correctly after the load, then stops cleanly' '
    curl -fsS "$URL/tuf/1.root.json" >root.json &&
    cmp root.json "$H/public/tuf/1.root.json" &&
    pid=$(cat serve.pid) && kill "$pid" && rm serve.pid &&
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done &&
    ! grep -qi "error\|leak" serve.out &&
    grep -q "stopping" serve.out
'

test_done
