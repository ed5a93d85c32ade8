#!/bin/bash
# Stories of what `citynode serve` offers other nodes: re-served mirrors under
# /mirrors/<node id>/, bare repositories for stock `git clone` over git's dumb
# HTTP protocol under /git/<node id>/<item>.git, and the hint inbox POST /inbox
# (docs/PROTOCOL.md §9, §12). Sample nodes: the Triangulum lighthouse
# Eindhoven and the follower Leipzig.
. "$(dirname "$0")/lib.sh"

SAMPLE="$CN_SOURCE_DIR/examples/solutions/connected-urban-twins"
L="$TRASH/eindhoven"
F="$TRASH/leipzig"
PORT=$(test_free_port)
URL="http://127.0.0.1:$PORT"
FPORT=$(test_free_port)
FURL="http://127.0.0.1:$FPORT"
export GIT_CONFIG_NOSYSTEM=1 HOME="$TRASH"

start_server() { # HOME_DIR PORT NAME
    "$CITYNODE" --home "$1" serve --listen "127.0.0.1:$2" >"$TRASH/$3.out" 2>&1 &
    echo $! >"$TRASH/$3.pid"
    test_wait_http "$2" /tuf/1.root.json
}
stop_server() { # NAME
    [ -f "$TRASH/$1.pid" ] || return 0
    kill "$(cat "$TRASH/$1.pid")" 2>/dev/null && wait "$(cat "$TRASH/$1.pid")" 2>/dev/null
    rm -f "$TRASH/$1.pid"
    return 0
}
test_at_exit 'stop_server lighthouse; stop_server follower'

# Status code of a request; the body goes to ./body.
code() {
    curl -s -o body -w "%{http_code}" --path-as-is "$@"
}

hint() { # NODE_ID VERSION [curl options]
    id=$1 v=$2
    shift 2
    code -X POST -H "Content-Type: application/json" \
        -d "{\"node\": \"$id\", \"timestamp\": $v}" "$@" "$URL/inbox"
}

test_expect_success 'setup: the lighthouse publishes and serves, the follower syncs and serves' '
    "$CITYNODE" --home "$L" init --name "Gemeente Eindhoven (sample)" --country NL >lid &&
    "$CITYNODE" --home "$F" init --name "Stadt Leipzig (sample)" --country DE >fid &&
    sed -i "s/^sync_interval: .*/sync_interval: 3600/" "$F/config.yml" &&
    git init -q src && cp "$SAMPLE/publiccode.yml" src/ &&
    echo "# Connected Urban Twins (sample)" >src/README.md &&
    git -C src add . && git -C src commit -qm "First version" &&
    "$CITYNODE" --home "$L" publish src >/dev/null &&
    start_server "$L" "$PORT" lighthouse &&
    "$CITYNODE" --home "$F" peer add "$URL" >/dev/null &&
    "$CITYNODE" --home "$F" sync >/dev/null &&
    start_server "$F" "$FPORT" follower
'
LID=$(cat "$TRASH/lid" 2>/dev/null)
FID=$(cat "$TRASH/fid" 2>/dev/null)

test_expect_success 'the follower re-serves the verified tree byte for byte under /mirrors/<node id>/' '
    for f in .well-known/citynode.json tuf/1.root.json tuf/timestamp.json; do
        curl -fsS "$FURL/mirrors/$LID/$f" >got && cmp got "$L/public/$f" || exit 1
    done &&
    curl -fsS "$FURL/mirrors/$LID/tuf/1.root.json" >root.json &&
    sha256sum root.json | grep -q "^$LID " &&
    (cd "$L/public" && find targets -type f) >targets &&
    test -s targets &&
    while read -r t; do
        curl -fsS "$FURL/mirrors/$LID/$t" >got && cmp got "$L/public/$t" || exit 1
    done <targets
'

test_expect_success 'mirrored files get ETags, 304 and ranges like the own tree' '
    etag=$(curl -fsSI "$FURL/mirrors/$LID/tuf/timestamp.json" | tr -d "\r" | sed -n "s/^ETag: //Ip") &&
    test -n "$etag" &&
    test "$(code -H "If-None-Match: $etag" "$FURL/mirrors/$LID/tuf/timestamp.json")" = 304 &&
    test "$(code -H "Range: bytes=0-9" "$FURL/mirrors/$LID/tuf/1.root.json")" = 206 &&
    test "$(cat body)" = "$(head -c 10 "$L/public/tuf/1.root.json")"
'

test_expect_success 'paths under /mirrors/ that leave the peer tree are refused' '
    upper=$(echo "$LID" | tr a-f A-F) &&
    echo secret >"$F/mirrors/$LID/notes.txt" &&
    for p in "mirrors/$LID/../../keys/node.key" "mirrors/$LID/%2e%2e/%2e%2e/keys/node.key" \
             "mirrors/$LID/tuf/..%2f..%2f..%2fkeys/node.key" "mirrors/%2e%2e/keys/node.key" \
             "mirrors/$upper/tuf/1.root.json" "mirrors/${LID%?}/tuf/1.root.json" \
             "mirrors/${LID}0/tuf/1.root.json" "mirrors/$LID/notes.txt" "mirrors/$LID" \
             "mirrors/$LID/" "mirrors/$LID//tuf/1.root.json" "mirrors/$LID/tuf/1.root.json%00" \
             "mirrors/../keys/node.key" "mirrors/$FID/tuf/1.root.json" \
             "mirrors/$LID/tuf/1.root.json%3fx" "mirrors/$LID/tuf%5c1.root.json"; do
        c=$(code "$FURL/$p") &&
        case "$c" in 400|404) ;; *) echo "$p gave $c"; exit 1;; esac &&
        ! grep -q "PRIVATE KEY\|secret" body || exit 1
    done &&
    rm "$F/mirrors/$LID/notes.txt"
'

test_expect_success 'a symlink in or as a mirror directory is not followed' '
    ln -s "$F/keys" "$F/mirrors/$LID/tuf/keys" &&
    test "$(code "$FURL/mirrors/$LID/tuf/keys/node.key")" = 404 &&
    rm "$F/mirrors/$LID/tuf/keys" &&
    fake=$(printf "%064d" 0 | tr 0 a) &&
    ln -s "$F/public" "$F/mirrors/$fake" &&
    test "$(code "$FURL/mirrors/$fake/tuf/1.root.json")" = 404 &&
    rm "$F/mirrors/$fake"
'

test_expect_success 'stock git clones an own item over /git/ and checks it' '
    git clone -q "$URL/git/$LID/connected-urban-twins.git" cut &&
    test -f cut/publiccode.yml &&
    git -C cut fsck --strict &&
    test "$(git -C cut tag)" = v1.0.0 &&
    "$CITYNODE" --home "$L" allowed-signers >allowed_signers &&
    git -C cut -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$PWD/allowed_signers" \
        verify-tag v1.0.0 2>verify.out &&
    grep -q "Good \"git\" signature for citynode-$LID" verify.out
'

test_expect_success 'a clone follows the next version (info/refs moves with publish)' '
    echo "Second version." >>src/README.md && git -C src commit -qam "Second version" &&
    "$CITYNODE" --home "$L" publish --version 1.1.0 src >/dev/null &&
    git -C cut pull -q --ff-only &&
    test "$(git -C cut tag | sort | tr "\n" " ")" = "v1.0.0 v1.1.0 " &&
    test "$(git -C cut rev-parse HEAD)" = "$(git -C cut rev-parse "v1.1.0^{commit}")"
'

test_expect_success 'cloning an item that does not exist fails cleanly' '
    test_expect_code 128 git clone -q "$URL/git/$LID/no-such-item.git" nope 2>err &&
    grep -q "not found" err && test ! -d nope &&
    test_expect_code 128 git clone -q "$URL/git/$FID/connected-urban-twins.git" nope 2>err &&
    test ! -d nope
'

test_expect_success 'stock git clones a mirrored item from the follower and checks it' '
    git clone -q "$FURL/git/$LID/connected-urban-twins.git" mirrored &&
    git -C mirrored fsck --strict &&
    test "$(git -C mirrored tag)" = v1.0.0 &&
    "$CITYNODE" --home "$F" allowed-signers "$LID" >lighthouse_signers &&
    git -C mirrored -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$PWD/lighthouse_signers" \
        verify-tag v1.0.0 2>verify.out &&
    grep -q "Good \"git\" signature for citynode-$LID" verify.out
'

test_expect_success 'only the files of the dumb protocol are served from a repository' '
    repo="git/$LID/connected-urban-twins.git" &&
    test "$(code "$URL/$repo/info/refs")" = 200 &&
    curl -fsSI "$URL/$repo/info/refs" >headers &&
    tr -d "\r" <headers | grep -qi "^Content-Type: text/plain" &&
    test "$(code "$URL/$repo/HEAD")" = 200 && grep -q "^ref: refs/heads/main" body &&
    test "$(code "$URL/$repo/objects/info/packs")" = 200 &&
    pack=$(sed -n "s/^P //p" body | head -n 1) &&
    test "$(code "$URL/$repo/objects/pack/$pack")" = 200 &&
    test "$(code "$URL/$repo/objects/pack/${pack%.pack}.idx")" = 200 &&
    tag=$(git -C cut rev-parse v1.1.0) &&
    test "$(code "$URL/$repo/objects/${tag%${tag#??}}/${tag#??}")" = 200 &&
    for p in config description hooks/pre-receive objects/info/alternates \
             objects/info/http-alternates refs/heads/main packed-refs info/exclude \
             "objects/pack/${pack%.pack}.keep" objects/pack/pack-XYZ.pack \
             "../$LID/connected-urban-twins.git/config" "connected-urban-twins.git/HEAD"; do
        c=$(code "$URL/$repo/$p") &&
        case "$c" in 400|404) ;; *) echo "$p gave $c"; exit 1;; esac || exit 1
    done &&
    for p in "git/$LID/Bad_Item.git/HEAD" "git/$LID/connected-urban-twins/HEAD" \
             "git/$LID/..git/HEAD" "git/$LID/%2e%2e.git/HEAD" "git/abc/connected-urban-twins.git/HEAD" \
             "git/$LID/connected-urban-twins.git/../../../keys/node.key"; do
        c=$(code "$URL/$p") &&
        case "$c" in 400|404) ;; *) echo "$p gave $c"; exit 1;; esac || exit 1
    done
'

test_expect_success 'a symlinked repository is not followed' '
    fake=$(printf "%064d" 0 | tr 0 b) &&
    ln -s "$L/repos/$LID" "$L/repos/$fake" &&
    test "$(code "$URL/git/$fake/connected-urban-twins.git/HEAD")" = 404 &&
    rm "$L/repos/$fake"
'

test_expect_success 'only POST reaches /inbox and only GET and HEAD reach the rest' '
    test "$(code "$URL/inbox")" = 405 &&
    test "$(code -X PUT -d x "$URL/inbox")" = 405 &&
    test "$(code -X POST -d x "$URL/tuf/timestamp.json")" = 405 &&
    test "$(code -X DELETE "$URL/git/$LID/connected-urban-twins.git/HEAD")" = 405
'

# Hints count against the sender's address (10 a minute). The tests that
# send bad ones use an address of their own, so that 127.0.0.1 keeps its
# budget for the hints the nodes send each other (a sync that brought
# something new), which cannot choose theirs.
test_expect_success 'a hint larger than 1 KiB gets 413, by length or by counting' '
    head -c 2000 /dev/zero | tr "\0" " " >big &&
    test "$(code -X POST --interface 127.0.0.5 --data-binary @big "$URL/inbox")" = 413 &&
    test "$(code -X POST --interface 127.0.0.5 -H "Transfer-Encoding: chunked" --data-binary @big \
        "$URL/inbox")" = 413
'

test_expect_success 'a malformed hint gets 400' '
    for body in "" "x" "[]" "{\"node\": \"$FID\"}" "{\"timestamp\": 3}" \
                "{\"node\": \"$(echo "$FID" | tr a-f A-F)\", \"timestamp\": 3}" \
                "{\"node\": \"$FID\", \"timestamp\": -1}"; do
        c=$(code -X POST --interface 127.0.0.5 -d "$body" "$URL/inbox") &&
        test "$c" = 400 || { echo "<$body> gave $c"; exit 1; }
    done
'

test_expect_success 'a hint from a node that is not followed gets 204' '
    test "$(hint "$FID" 2 --interface 127.0.0.2)" = 204
'

test_expect_success 'more than 10 hints a minute from one address get 429, others still pass' '
    i=1 && while [ $i -le 9 ]; do
        c=$(hint "$FID" 3 --interface 127.0.0.2) && test "$c" = 204 || exit 1
        i=$((i + 1))
    done &&
    test "$(hint "$FID" 3 --interface 127.0.0.2)" = 429 &&
    test "$(hint "$FID" 3 --interface 127.0.0.3)" = 204
'

# Wait up to 30 s (a loaded CI machine) for tag v$1 of the lighthouse's item on the follower's server.
wait_for_version() {
    i=0
    until git ls-remote --tags "$FURL/git/$LID/connected-urban-twins.git" >"$TRASH/ls-remote" 2>/dev/null &&
        grep -q "refs/tags/v$1\$" "$TRASH/ls-remote"; do
        i=$((i + 1))
        if [ $i -ge 300 ]; then
            echo "the follower never got v$1" >&2
            cat "$TRASH/follower.out" >&2
            return 1
        fi
        sleep 0.1
    done
}

# Wait up to 30 s for a line matching $2 in file $1. (A round logs its line
# after it has indexed and hinted, which is after its refs are served.)
wait_for_line() {
    i=0
    until grep -q "$2" "$1"; do
        i=$((i + 1))
        if [ $i -ge 300 ]; then
            echo "no line like '$2' in $1:" >&2
            cat "$1" >&2
            return 1
        fi
        sleep 0.1
    done
}

test_expect_success 'a hint from a followed node gets 202 and makes serve sync that node' '
    "$CITYNODE" --home "$L" peer add "$FURL" >/dev/null &&
    test "$(hint "$FID" 1 --interface 127.0.0.4)" = 202 &&
    wait_for_line "$TRASH/lighthouse.out" "sync $(echo "$FID" | cut -c1-12): updated"
'

test_expect_success 'a publish hints the follower, whose serve syncs it within seconds' '
    echo "Third version." >>src/README.md && git -C src commit -qam "Third version" &&
    "$CITYNODE" --home "$L" publish --version 1.2.0 src >/dev/null 2>pub.err &&
    { grep -q "hinted 1 peer" pub.err || { cat pub.err >&2; false; }; } &&
    wait_for_version 1.2.0 &&
    wait_for_line "$TRASH/follower.out" "sync $(echo "$LID" | cut -c1-12): updated" &&
    "$CITYNODE" --home "$F" verify --all &&
    git -C mirrored pull -q --ff-only &&
    test "$(git -C mirrored rev-parse HEAD)" = "$(git -C src rev-parse HEAD)"
'

test_expect_success 'a hinted sync waits while a command holds the node lock' '
    flock -x "$F/lock" sleep 3 &
    holder=$! &&
    sleep 0.2 &&
    echo "Fourth version." >>src/README.md && git -C src commit -qam "Fourth version" &&
    "$CITYNODE" --home "$L" publish --version 1.3.0 src >/dev/null 2>pub.err &&
    grep -q "hinted 1 peer" pub.err &&
    sleep 2 &&
    git ls-remote --tags "$FURL/git/$LID/connected-urban-twins.git" >remote-tags &&
    ! grep -q "v1.3.0$" remote-tags &&
    wait "$holder" &&
    wait_for_version 1.3.0
'

test_expect_success 'serve syncs on its interval without any hint' '
    stop_server follower &&
    sed -i "s/^sync_interval: .*/sync_interval: 2/" "$F/config.yml" &&
    "$CITYNODE" --home "$L" peer remove "$FID" >/dev/null &&
    start_server "$F" "$FPORT" follower &&
    echo "Fifth version." >>src/README.md && git -C src commit -qam "Fifth version" &&
    "$CITYNODE" --home "$L" publish --version 1.4.0 src >/dev/null 2>pub.err &&
    ! grep -q "hinted" pub.err &&
    wait_for_version 1.4.0 &&
    "$CITYNODE" --home "$F" verify --all
'

test_expect_success 'both servers stop cleanly on SIGTERM, sync thread included' '
    for name in follower lighthouse; do
        pid=$(cat "$TRASH/$name.pid") && kill "$pid" && rm "$TRASH/$name.pid" &&
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done &&
        grep -q "citynode serve: stopping" "$TRASH/$name.out" &&
        ! grep -q "ERROR\|runtime error" "$TRASH/$name.out" || exit 1
    done
'

test_done
