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
export GIT_CONFIG_NOSYSTEM=1 HOME="$TRASH"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org

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

test_expect_success 'setup: a lighthouse publishes and serves, a follower exists' '
    "$CITYNODE" --home "$L" init --name "Gemeente Eindhoven (sample)" --country NL >lid &&
    "$CITYNODE" --home "$F" init --name "Stadt Leipzig (sample)" --country DE >fid &&
    git init -q src && cp "$SAMPLE/publiccode.yml" src/ &&
    echo "# Connected Urban Twins (sample)" >src/README.md &&
    git -C src add . && git -C src commit -qm "First version" &&
    "$CITYNODE" --home "$L" publish src >/dev/null &&
    start_server "$L" "$PORT" lighthouse
'
LID=$(cat "$TRASH/lid" 2>/dev/null)
FID=$(cat "$TRASH/fid" 2>/dev/null)

test_expect_success 'a mirrored tree is re-served byte for byte under /mirrors/<node id>/' '
    # what a sync leaves: a byte-identical copy of the peer'"'"'s tree
    mkdir -p "$L/mirrors/$FID" &&
    cp -a "$F/public/." "$L/mirrors/$FID/" &&
    for f in .well-known/citynode.json tuf/1.root.json tuf/timestamp.json; do
        curl -fsS "$URL/mirrors/$FID/$f" >got && cmp got "$F/public/$f" || exit 1
    done &&
    test "$(sha256sum <got | cut -c1-64)" != "" &&
    curl -fsS "$URL/mirrors/$FID/tuf/1.root.json" | sha256sum | grep -q "^$FID "
'

test_expect_success 'mirrored files get ETags, 304 and ranges like the own tree' '
    etag=$(curl -fsSI "$URL/mirrors/$FID/tuf/timestamp.json" | tr -d "\r" | sed -n "s/^ETag: //Ip") &&
    test -n "$etag" &&
    test "$(code -H "If-None-Match: $etag" "$URL/mirrors/$FID/tuf/timestamp.json")" = 304 &&
    test "$(code -H "Range: bytes=0-9" "$URL/mirrors/$FID/tuf/1.root.json")" = 206 &&
    test "$(cat body)" = "$(head -c 10 "$F/public/tuf/1.root.json")"
'

test_expect_success 'paths under /mirrors/ that leave the peer tree are refused' '
    upper=$(echo "$FID" | tr a-f A-F) &&
    echo secret >"$L/mirrors/$FID/notes.txt" &&
    for p in "mirrors/$FID/../../keys/node.key" "mirrors/$FID/%2e%2e/%2e%2e/keys/node.key" \
             "mirrors/$FID/tuf/..%2f..%2f..%2fkeys/node.key" "mirrors/%2e%2e/keys/node.key" \
             "mirrors/$upper/tuf/1.root.json" "mirrors/${FID%?}/tuf/1.root.json" \
             "mirrors/${FID}0/tuf/1.root.json" "mirrors/$FID/notes.txt" "mirrors/$FID" \
             "mirrors/$FID/" "mirrors/$FID//tuf/1.root.json" "mirrors/$FID/tuf/1.root.json%00" \
             "mirrors/../keys/node.key" "mirrors/$LID/tuf/1.root.json"; do
        c=$(code "$URL/$p") &&
        case "$c" in 400|404) ;; *) echo "$p gave $c"; exit 1;; esac &&
        ! grep -q "PRIVATE KEY\|secret" body || exit 1
    done
'

test_expect_success 'a symlink in or as a mirror directory is not followed' '
    ln -s "$L/keys" "$L/mirrors/$FID/tuf/keys" &&
    test "$(code "$URL/mirrors/$FID/tuf/keys/node.key")" = 404 &&
    rm "$L/mirrors/$FID/tuf/keys" &&
    fake=$(printf "%064d" 0 | tr 0 a) &&
    ln -s "$L/public" "$L/mirrors/$fake" &&
    test "$(code "$URL/mirrors/$fake/tuf/1.root.json")" = 404 &&
    rm "$L/mirrors/$fake"
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

test_expect_success 'only the files of the dumb protocol are served from a repository' '
    repo="git/$LID/connected-urban-twins.git" &&
    test "$(code "$URL/$repo/info/refs")" = 200 &&
    curl -fsSI "$URL/$repo/info/refs" | tr -d "\r" | grep -qi "^Content-Type: text/plain" &&
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

test_expect_success 'a hint larger than 1 KiB gets 413, by length or by counting' '
    head -c 2000 /dev/zero | tr "\0" " " >big &&
    test "$(code -X POST --data-binary @big "$URL/inbox")" = 413 &&
    test "$(code -X POST -H "Transfer-Encoding: chunked" --data-binary @big "$URL/inbox")" = 413
'

test_expect_success 'a malformed hint gets 400' '
    for body in "" "x" "[]" "{\"node\": \"$FID\"}" "{\"timestamp\": 3}" \
                "{\"node\": \"$(echo "$FID" | tr a-f A-F)\", \"timestamp\": 3}" \
                "{\"node\": \"$FID\", \"timestamp\": -1}"; do
        c=$(code -X POST -d "$body" "$URL/inbox") &&
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

test_done
