#!/bin/bash
# t1000-root-renewal.sh - a node renews its own root before it expires
# (docs/PROTOCOL.md §13). `init` signs a root for one year; `serve` and
# `publish` write root N+1 (same keys, signed by root N's keys) once less
# than a quarter of its lifetime is left, so followers keep syncing after
# the first year and a new follower still pins 1.root.json and walks the
# chain. A node whose root key is kept offline cannot renew: `verify` and
# `serve` warn, 30 days ahead, naming the date and what to do.
#
# Time passes with libfaketime: `at DAYS HOME ...` runs citynode DAYS days
# from now (git and ssh-keygen, its children, inherit the fake clock).
. "$(dirname "$0")/lib.sh"

L="$TRASH/lighthouse"
F="$TRASH/follower"
N="$TRASH/newcomer"
O="$TRASH/offline"
PL=$(test_free_port)
PF=$(test_free_port)
PO=$(test_free_port)
OTHER="$CN_SOURCE_DIR/examples/solutions/zukunftsforum-zukunftslabor"

at() { # DAYS HOME ARGS...
    days=$1 home=$2
    shift 2
    faketime -f "+${days}d" "$CITYNODE" --home "$home" "$@"
}
# The library faketime preloads: a server runs with it directly, so that
# test_stop_server's signal reaches citynode, not a faketime parent.
LIBFAKETIME=$(faketime -m -f +0d /bin/sh -c 'echo "$LD_PRELOAD"')
# A sanitizer build (CN_SANITIZE) refuses to run with a library preloaded
# ahead of its runtime unless told that this is fine.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
serve_at() { # DAYS HOME PORT NAME: test_serve with the clock DAYS days ahead
    printf '#!/bin/sh\nLD_PRELOAD=%s FAKETIME=+%sd exec %s "$@"\n' \
        "'$LIBFAKETIME'" "$1" "'$CITYNODE'" >"$TRASH/cn-at-$1" &&
    chmod +x "$TRASH/cn-at-$1" &&
    CITYNODE="$TRASH/cn-at-$1" test_serve "$2" "$3" "$4"
}
root_version() { # HOME: the newest N of tuf/N.root.json
    ls "$1/public/tuf/" >"$TRASH/tuf.ls" &&
    sed -n "s/^\([0-9]*\)\.root\.json$/\1/p" "$TRASH/tuf.ls" | sort -n | tail -1
}
expires() { # FILE: the signed expiry, as seconds since the epoch
    python3 -c 'import json,sys,calendar,time
e = json.load(open(sys.argv[1]))["signed"]["expires"]
print(calendar.timegm(time.strptime(e, "%Y-%m-%dT%H:%M:%SZ")))' "$1"
}
DAY=86400
NOW=$(date +%s)

test_expect_success 'day 0: a lighthouse publishes and serves, a follower syncs it' '
    at 0 "$L" init --name "Eindhoven (sample)" --country NL --url "http://127.0.0.1:$PL" >lid &&
    mkdir src && cp "$SAMPLE" src/publiccode.yml && git -C src init -q &&
    git -C src add . && git -C src commit -qm first && at 0 "$L" publish src >/dev/null &&
    test_serve "$L" "$PL" lighthouse &&
    at 0 "$F" init --name "Leipzig (sample)" --country DE >/dev/null &&
    at 0 "$F" peer add "http://127.0.0.1:$PL" >/dev/null &&
    at 0 "$F" sync >/dev/null &&
    test "$(root_version "$L")" = 1 &&
    test "$(expires "$L/public/tuf/1.root.json")" -lt $((NOW + 366 * DAY)) &&
    at 0 "$L" verify --all 2>err && test ! -s err
'
LID=$(cat "$TRASH/lid" 2>/dev/null)

test_expect_success 'day 300: serve renews the root, signed by the keys of root 1' '
    test_stop_server lighthouse &&
    serve_at 300 "$L" "$PL" lighthouse &&
    test "$(root_version "$L")" = 2 &&
    test "$(expires "$L/public/tuf/2.root.json")" -gt $((NOW + 600 * DAY)) &&
    grep -q "renewed root (version 2, expires " lighthouse.log &&
    python3 -c "import json,sys
a = json.load(open(sys.argv[1]))[\"signed\"]; b = json.load(open(sys.argv[2]))[\"signed\"]
assert a[\"keys\"] == b[\"keys\"] and a[\"roles\"] == b[\"roles\"]" \
        "$L/public/tuf/1.root.json" "$L/public/tuf/2.root.json" &&
    at 300 "$L" verify --all
'

test_expect_success 'day 300: publish renews the follower'"'"'s own root' '
    cp -r "$OTHER" other &&
    at 300 "$F" publish other >/dev/null 2>err &&
    grep -q "^renewed root (version 2, expires " err &&
    test "$(root_version "$F")" = 2 &&
    at 301 "$F" publish other --version 99.0.0 >/dev/null &&
    test "$(root_version "$F")" = 2
'

test_expect_success 'day 370: the existing follower syncs the renewed root and verifies' '
    test_stop_server lighthouse &&
    serve_at 370 "$L" "$PL" lighthouse &&
    at 370 "$F" sync >out && cat out &&
    test "$(root_version "$L")" = 2 &&
    cmp "$F/mirrors/$LID/tuf/2.root.json" "$L/public/tuf/2.root.json" &&
    serve_at 370 "$F" "$PF" follower &&
    at 370 "$F" verify --all &&
    at 370 "$L" verify --all
'

test_expect_success 'day 370: a new follower pins root 1, walks to root 2 and syncs' '
    at 370 "$N" init --name "Praha (sample)" --country CZ >/dev/null &&
    at 370 "$N" peer add "http://127.0.0.1:$PL" >added &&
    test "$(cat added)" = "$LID" &&
    at 370 "$N" sync >out && cat out &&
    test -f "$N/mirrors/$LID/tuf/2.root.json" &&
    at 370 "$N" verify --all
'

test_expect_success 'a node whose root key is offline keeps serving and publishing' '
    at 0 "$O" init --name "Offline (sample)" --url "http://127.0.0.1:$PO" >/dev/null &&
    at 0 "$O" keys rotate root >/dev/null &&
    mv "$O/keys/root.key" root.key.offline &&
    at 0 "$O" keys list >list && grep -q "^root .*(not in keys/)$" list &&
    at 300 "$O" publish src >/dev/null &&
    at 300 "$O" verify --all 2>err && test ! -s err &&
    test "$(root_version "$O")" = 2
'

test_expect_success 'day 340, root key offline: serve warns and keeps serving' '
    serve_at 340 "$O" "$PO" offline &&
    curl -fsS "http://127.0.0.1:$PO/tuf/timestamp.json" >/dev/null &&
    grep -q "^citynode serve: warning: .*root (version 2) expires on " offline.log &&
    grep -q "keys/root.key" offline.log &&
    test "$(root_version "$O")" = 2 &&
    test_stop_server offline &&
    test "$(grep -c warning: offline.log)" = 1
'

test_expect_success 'day 340, root key offline: verify warns with the date and what to do' '
    date=$(date -u -d "@$(expires "$O/public/tuf/2.root.json")" +%Y-%m-%d) &&
    at 340 "$O" verify --all >out 2>err && cat err &&
    grep -q "^warning: .*root (version 2) expires on $date" err &&
    grep -q "keys/root.key" err
'

test_expect_success 'the root key is back: the next publish renews the root' '
    mv root.key.offline "$O/keys/root.key" &&
    at 341 "$O" publish src --version 9.0.0 >/dev/null 2>err &&
    grep -q "^renewed root (version 3, expires " err &&
    test "$(root_version "$O")" = 3 &&
    at 341 "$O" verify --all 2>err && test ! -s err
'

test_done
