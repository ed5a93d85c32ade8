#!/bin/bash
# Stories of `citynode serve`: the static tree over HTTP with ETags, 304,
# ranges, no path escapes, and the timestamp re-signed before it expires.
. "$(dirname "$0")/lib.sh"

H="$TRASH/home"
PORT=$(test_free_port)
URL="http://127.0.0.1:$PORT"

start_server() {
    "$CITYNODE" --home "$H" serve --listen "127.0.0.1:$PORT" >"$TRASH/serve.out" 2>&1 &
    echo $! >"$TRASH/serve.pid"
    test_wait_http "$PORT" /tuf/1.root.json
}
stop_server() {
    kill "$(cat "$TRASH/serve.pid")" 2>/dev/null && wait "$(cat "$TRASH/serve.pid")" 2>/dev/null
    return 0
}
test_at_exit stop_server

test_expect_success 'serve answers with the published files, byte for byte' '
    "$CITYNODE" --home "$H" init --name "Stavanger kommune" --country NO >/dev/null &&
    start_server &&
    curl -fsS "$URL/tuf/1.root.json" >root.json &&
    cmp root.json "$H/public/tuf/1.root.json" &&
    curl -fsS "$URL/.well-known/citynode.json" >node.json &&
    grep -q "\"node\": \"$(sha256sum root.json | cut -c1-64)\"" node.json
'

test_expect_success 'a conditional request with the ETag gets 304' '
    etag=$(curl -fsSI "$URL/tuf/timestamp.json" | tr -d "\r" | sed -n "s/^ETag: //Ip") &&
    test -n "$etag" &&
    code=$(curl -s -o /dev/null -w "%{http_code}" -H "If-None-Match: $etag" "$URL/tuf/timestamp.json") &&
    test "$code" = 304
'

test_expect_success 'metadata goes gzip-compressed to a client that takes it, the same bytes decoded' '
    curl -fsS -H "Accept-Encoding: gzip" -D hdr -o ts.gz "$URL/tuf/timestamp.json" &&
    grep -qi "^Content-Encoding: gzip" hdr &&
    grep -qi "^Vary: Accept-Encoding" hdr &&
    gzip -dc ts.gz >ts.json &&
    cmp ts.json "$H/public/tuf/timestamp.json" &&
    curl -fsS -H "Accept-Encoding: deflate, gzip;q=0.5" -o root.gz "$URL/tuf/1.root.json" &&
    gzip -dc root.gz >root.decoded &&
    cmp root.decoded root.json
'

test_expect_success 'no gzip unless asked: none, q=0, a Range, or a target file' '
    curl -fsS -D hdr -o ts.plain "$URL/tuf/timestamp.json" &&
    ! grep -qi "^Content-Encoding" hdr && grep -qi "^Vary: Accept-Encoding" hdr &&
    cmp ts.plain "$H/public/tuf/timestamp.json" &&
    curl -fsS -H "Accept-Encoding: gzip;q=0, *;q=0.1" -D hdr -o ts.plain "$URL/tuf/timestamp.json" &&
    ! grep -qi "^Content-Encoding" hdr &&
    curl -fsS -H "Accept-Encoding: *;q=0" -D hdr -o ts.plain "$URL/tuf/timestamp.json" &&
    ! grep -qi "^Content-Encoding" hdr &&
    curl -fsS -H "Accept-Encoding: gzip" -H "Range: bytes=0-9" -D hdr -o part "$URL/tuf/1.root.json" &&
    ! grep -qi "^Content-Encoding" hdr && grep -q "^HTTP/1.1 206" hdr &&
    target=$(cd "$H/public" && find targets -type f -name "*.json" | head -n 1) &&
    test -n "$target" &&
    curl -fsS -H "Accept-Encoding: gzip" -D hdr -o t "$URL/$target" &&
    ! grep -qi "^Content-Encoding" hdr && cmp t "$H/public/$target"
'

test_expect_success 'the gzip answer has its own ETag, and each gets its 304' '
    plain=$(curl -fsSI "$URL/tuf/timestamp.json" | tr -d "\r" | sed -n "s/^ETag: //Ip") &&
    gz=$(curl -fsSI -H "Accept-Encoding: gzip" "$URL/tuf/timestamp.json" | tr -d "\r" | sed -n "s/^ETag: //Ip") &&
    test -n "$plain" && test -n "$gz" && test "$plain" != "$gz" &&
    code=$(curl -s -o /dev/null -w "%{http_code}" -H "Accept-Encoding: gzip" -H "If-None-Match: $gz" "$URL/tuf/timestamp.json") &&
    test "$code" = 304 &&
    code=$(curl -s -o /dev/null -w "%{http_code}" -H "If-None-Match: $gz" "$URL/tuf/timestamp.json") &&
    test "$code" = 200
'

test_expect_success 'a byte range gets 206 with exactly those bytes' '
    curl -fsS -H "Range: bytes=2-11" -D hdr "$URL/tuf/1.root.json" >part &&
    grep -q "^HTTP/1.1 206" hdr &&
    grep -qi "^Content-Range: bytes 2-11/$(stat -c %s root.json)" hdr &&
    test "$(cat part)" = "$(head -c 12 root.json | tail -c 10)"
'

test_expect_success 'a range past the end gets 416' '
    code=$(curl -s -o /dev/null -w "%{http_code}" -H "Range: bytes=999999-" "$URL/tuf/1.root.json") &&
    test "$code" = 416
'

test_expect_success 'paths that try to leave the tree are refused' '
    for p in "tuf/../keys/node.key" "tuf/%2e%2e/%2e%2e/keys/node.key" "tuf/..%2fkeys" \
             "keys/node.key" "config.yml" "tuf/1.root.json%00" "tuf/x?y"; do
        code=$(curl -s -o body -w "%{http_code}" --path-as-is "$URL/$p") &&
        case "$code" in 400|404) ;; *) echo "$p gave $code"; exit 1;; esac &&
        ! grep -q "PRIVATE KEY" body || exit 1
    done
'

test_expect_success 'a symlink inside public/ is not followed' '
    ln -s "$H/keys" "$H/public/tuf/keys" &&
    code=$(curl -s -o body -w "%{http_code}" "$URL/tuf/keys/node.key") &&
    rm "$H/public/tuf/keys" &&
    test "$code" = 404 && ! grep -q "PRIVATE KEY" body
'

test_expect_success 'only GET and HEAD are allowed' '
    code=$(curl -s -o /dev/null -w "%{http_code}" -X POST -d x "$URL/tuf/timestamp.json") &&
    test "$code" = 405
'

# A server whose clock runs 23 hours ahead (libfaketime, preloaded directly so
# that stop_server's signal reaches citynode): the timestamp then expires
# within the default margin of 6 hours.
LIBFAKETIME=$(faketime -m -f +0d /bin/sh -c 'echo "$LD_PRELOAD"')
# A sanitizer build (CN_SANITIZE) refuses to run with a library preloaded
# ahead of its runtime unless told that this is fine.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
test_expect_success 'serve re-signs a timestamp that expires within the margin' '
    stop_server &&
    before=$(python3 -c "import json;print(json.load(open(\"$H/public/tuf/timestamp.json\"))[\"signed\"][\"version\"])") &&
    LD_PRELOAD=$LIBFAKETIME FAKETIME=+23h start_server &&
    after=$(curl -fsS "$URL/tuf/timestamp.json" | python3 -c "import json,sys;print(json.load(sys.stdin)[\"signed\"][\"version\"])") &&
    test "$after" -gt "$before" &&
    "$CITYNODE" --home "$H" verify --all
'

test_expect_success 'publish works while serve is running' '
    mkdir plain && cp "$CN_SOURCE_DIR/examples/solutions/connected-urban-twins/publiccode.yml" plain/ &&
    "$CITYNODE" --home "$H" publish plain >/dev/null &&
    curl -fsS "$URL/tuf/timestamp.json" >/dev/null
'

test_expect_success 'a second server on the same port fails with a clear error' '
    test_expect_code 1 "$CITYNODE" --home "$H" serve --listen "127.0.0.1:$PORT" 2>err &&
    grep -q "cannot listen" err
'

test_done
