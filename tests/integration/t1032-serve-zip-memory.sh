#!/bin/bash
# files.zip under 40 slow readers: the archive of a version is built once
# (at most two at a time; a request beyond gets 503 with Retry-After) into
# the node's tmp/zip/ and sent from there like any file, so serve's peak
# memory stays far below 40 copies of the archive (it once built one in
# memory per request: 40 readers of a 31 MiB item took 1.3 GB). The archive
# is still the version's tree, file for file.
. "$(dirname "$0")/lib.sh"

H="$TRASH/home"
PORT=$(test_free_port)
SAMPLE="$CN_SOURCE_DIR/examples/solutions/connected-urban-twins"
export GIT_CONFIG_NOSYSTEM=1 HOME="$TRASH"

if ldd "$CITYNODE" | grep -q libasan; then
    BOUND_KB=$((384 * 1024))
else
    BOUND_KB=$((256 * 1024))
fi

# slow_readers N URL: N downloads at 10 kB/s in the background (each stops
# after 30 s; a 503 is retried as its Retry-After says), their pids in
# $TRASH/readers; each writes reader-I.part.
slow_readers() {
    : >"$TRASH/readers"
    for i in $(seq 1 "$1"); do
        curl -s --limit-rate 10k --max-time 30 --retry 10 --retry-max-time 30 \
            -o "reader-$i.part" "$2" &
        echo $! >>"$TRASH/readers"
    done
}
stop_readers() {
    [ -f "$TRASH/readers" ] || return 0
    # shellcheck disable=SC2046
    kill $(cat "$TRASH/readers") 2>/dev/null
    return 0
}
test_at_exit stop_readers

test_expect_success 'setup: a node publishes an item of ~30 MiB of incompressible files' '
    "$CITYNODE" --home "$H" init --name "Gemeente Eindhoven (sample)" --country NL >id &&
    git init -q src && cp "$SAMPLE/publiccode.yml" src/ &&
    mkdir src/data &&
    for i in 1 2 3; do
        head -c $((10 * 1024 * 1024)) /dev/urandom >src/data/scan-$i.bin || exit 1
    done &&
    git -C src add . && git -C src commit -qm "First version" &&
    "$CITYNODE" --home "$H" publish src >/dev/null &&
    test_serve "$H" "$PORT" serve
'
ID=$(cat "$TRASH/id" 2>/dev/null)
URL="http://127.0.0.1:$PORT/download/$ID/connected-urban-twins/1.0.0/files.zip"

test_expect_success '40 slow readers of files.zip: serve stays under its memory bound' '
    slow_readers 40 "$URL" &&
    while read -r pid; do
        wait "$pid" || : # chainlint: ok (a slow reader ends by its --max-time, exit 28)
    done <"$TRASH/readers" &&
    hwm=$(awk "/^VmHWM:/ { print \$2 }" "/proc/$(cat serve.pid)/status") &&
    echo "serve peak RSS: $hwm kB (bound $BOUND_KB kB)" &&
    test "$hwm" -lt "$BOUND_KB" &&
    for i in $(seq 1 40); do
        head -c 4 "reader-$i.part" | od -An -tx1 | grep -q "50 4b 03 04" ||
            { echo "reader $i got no archive"; exit 1; }
    done
'

test_expect_success 'the archive is the tree of the signed tag, file for file' '
    curl -fsS -D headers -o files.zip "$URL" &&
    grep -qi "^etag: \"[0-9a-f]\{40\}.zip\"" headers &&
    repo="$H/repos/$ID/connected-urban-twins.git" &&
    test_zip_is_tree files.zip "$repo" v1.0.0 &&
    code=$(curl -s -o part -w "%{http_code}" -H "Range: bytes=100-199" "$URL") &&
    test "$code" = 206 &&
    test "$(od -An -tx1 part)" = "$(tail -c +101 files.zip | head -c 100 | od -An -tx1)"
'

test_done
