#!/bin/bash
# t1020-sync-enospc.sh - a full disk during a sync is an I/O error (exit 1,
# "No space left on device"), not a verification failure (exit 3): the
# follower's tmp/ is a 2.5 MB tmpfs (in a private mount namespace of its
# own, unshare -rm), which holds the 2 MB bundle but not its indexed pack.
# The follower's trusted state is unchanged, and a sync with room succeeds.
. "$(dirname "$0")/lib.sh"

L="$TRASH/lighthouse"
F="$TRASH/follower"
PORT=$(test_free_port)

# Every file of the follower's mirrors/ and repos/ with its sha256.
state() {
    (cd "$F" && find mirrors repos -type f >"$TRASH/files" && sort "$TRASH/files" >"$TRASH/sorted" &&
        while read -r f; do sha256sum "$f" || return 1; done <"$TRASH/sorted")
}

test_expect_success 'a publisher serves a solution with 2 MB of incompressible data' '
    "$CITYNODE" --home "$L" init --name L --country NL --url "http://127.0.0.1:$PORT" >/dev/null &&
    mkdir src && cp "$SAMPLE" src/publiccode.yml && head -c 2000000 /dev/urandom >src/data.bin &&
    git -C src init -q && git -C src add . && git -C src commit -qm release &&
    "$CITYNODE" --home "$L" publish src >/dev/null &&
    test_serve "$L" "$PORT" lighthouse &&
    "$CITYNODE" --home "$F" init --name F --country DE >/dev/null &&
    "$CITYNODE" --home "$F" peer add "http://127.0.0.1:$PORT" >/dev/null 2>&1
'

test_expect_success 'a sync whose tmp/ fills up exits 1 naming no space left' '
    state >before &&
    test_expect_code 1 unshare -rm sh -c "mount -t tmpfs -o size=2500k tmpfs \"\$1/tmp\" &&
        exec \"\$2\" --home \"\$1\" sync" sh "$F" "$CITYNODE" 2>err &&
    cat err &&
    grep -q "No space left on device" err &&
    state >after &&
    cmp before after
'

test_expect_success 'with room again, the sync succeeds' '
    "$CITYNODE" --home "$F" sync >/dev/null &&
    "$CITYNODE" --home "$F" verify --all >/dev/null
'

test_done
