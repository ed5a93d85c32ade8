#!/bin/bash
# Stories of `citynode serve` and the Range header (RFC 9110 §14): a range
# that is not digits, '-' and digits is syntactically invalid and ignored
# (200 with the whole file), never read as a negative or signed number.
. "$(dirname "$0")/lib.sh"

H="$TRASH/home"
PORT=$(test_free_port)
URL="http://127.0.0.1:$PORT"

test_expect_success 'setup: a node serves its tree' '
    "$CITYNODE" --home "$H" init --name "Stavanger kommune" --country NO >/dev/null &&
    test_serve "$H" "$PORT" serve &&
    curl -fsS "$URL/tuf/1.root.json" >root.json
'

test_expect_success 'an invalid range is ignored: 200 with the whole file' '
    for r in "bytes=0--1" "bytes=+1-2" "bytes=-+5" "bytes= 1-2" "bytes=1-+2" "bytes=1- 2" \
             "bytes=--5" "bytes=0x1-2" "bytes=5-2" "bytes=0-1,3-4" "bytes=-" "bytes=1" \
             "bytes=99999999999999999999-" "bytes=-99999999999999999999"; do
        code=$(curl -s -o body -w "%{http_code}" -H "Range: $r" "$URL/tuf/1.root.json") &&
        test "$code" = 200 || { echo "Range: $r gave $code"; exit 1; }
        cmp body root.json || exit 1
    done
'

test_expect_success 'valid ranges still get 206 or 416' '
    code=$(curl -s -o body -w "%{http_code}" -H "Range: bytes=-5" "$URL/tuf/1.root.json") &&
    test "$code" = 206 &&
    test "$(cat body)" = "$(tail -c 5 root.json)" &&
    code=$(curl -s -o body -w "%{http_code}" -H "Range: bytes=3-" "$URL/tuf/1.root.json") &&
    test "$code" = 206 &&
    test "$(cat body)" = "$(tail -c +4 root.json)" &&
    code=$(curl -s -o body -w "%{http_code}" -H "Range: bytes=0-999999" "$URL/tuf/1.root.json") &&
    test "$code" = 206 &&
    cmp body root.json &&
    code=$(curl -s -o /dev/null -w "%{http_code}" -H "Range: bytes=-0" "$URL/tuf/1.root.json") &&
    test "$code" = 416
'

test_done
