#!/bin/bash
# A follower whose state.db is deleted or emptied while mirrors/ holds its
# peers' verified state refuses to go on as a node that follows nobody:
# peer list, sync, search, show and serve exit 1 naming state.db and the way back,
# and create nothing. A node that never added a peer runs without state.db
# as before. Moving mirrors/ aside and adding the peer again recovers.
. "$(dirname "$0")/lib.sh"

L="$TRASH/lighthouse"
F="$TRASH/follower"
N="$TRASH/newcomer"
PL=$(test_free_port)

# refused FILE: the message of a refusal names state.db and the recovery.
refused() {
    grep -q "state.db holds no peers" "$1" &&
    grep -q "mirrors holds what 1 peer sent" "$1" &&
    grep -q "Restore state.db from a backup" "$1" &&
    grep -q "citynode peer add URL" "$1"
}

test_expect_success 'a lighthouse (sample: Eindhoven) publishes; a follower syncs it' '
    cn "$L" init --name "Eindhoven (sample)" --country NL --url "http://127.0.0.1:$PL" >/dev/null &&
    mkdir src && cp "$SAMPLE" src/publiccode.yml &&
    (cd src && git init -q && echo "# Twins" >README.md && git add . && git commit -qm v1) &&
    cn "$L" publish src >/dev/null &&
    test_serve "$L" "$PL" lighthouse &&
    cn "$F" init --name "Leipzig (sample)" --country DE >/dev/null &&
    cn "$F" peer add "http://127.0.0.1:$PL" >/dev/null 2>&1 &&
    cn "$F" sync >/dev/null &&
    cn "$F" search twins >found.out 2>/dev/null &&
    grep -q "/$ITEM@1.0.0" found.out
'

test_expect_success 'a deleted state.db is refused by peer list, sync, search and show' '
    rm -f "$F"/state.db "$F"/state.db-wal "$F"/state.db-shm &&
    test_expect_code 1 cn "$F" peer list 2>list.err && refused list.err &&
    test_expect_code 1 cn "$F" sync 2>sync.err && refused sync.err &&
    test_expect_code 1 cn "$F" search twins 2>search.err && refused search.err &&
    test_expect_code 1 cn "$F" show "eindhoven-sample/$ITEM" 2>show.err && refused show.err &&
    test_expect_code 1 cn "$F" peer add "http://127.0.0.1:$PL" 2>add.err && refused add.err &&
    test ! -e "$F/state.db"
'

test_expect_success 'an emptied state.db is refused too' '
    : >"$F/state.db" &&
    test_expect_code 1 cn "$F" sync 2>empty.err && refused empty.err &&
    test ! -s "$F/state.db"
'

test_expect_success 'serve refuses to start on a lost state.db (a hint would recreate it)' '
    PF=$(test_free_port) &&
    test_expect_code 1 timeout 20 "$CITYNODE" --home "$F" serve --listen "127.0.0.1:$PF" \
        2>serve.err &&
    refused serve.err &&
    test ! -s "$F/state.db"
'

test_expect_success 'moving mirrors/ aside and adding the peer again recovers' '
    mv "$F/mirrors" "$TRASH/mirrors.old" &&
    cn "$F" peer add "http://127.0.0.1:$PL" >/dev/null 2>&1 &&
    cn "$F" sync >/dev/null &&
    cn "$F" search twins >again.out 2>/dev/null &&
    grep -q "/$ITEM@1.0.0" again.out &&
    cn "$F" show "eindhoven-sample/$ITEM" >show.out &&
    grep -q "^version:  1.0.0$" show.out
'

test_expect_success 'a node that never added a peer runs without state.db' '
    cn "$N" init --name "Prague (sample)" --country CZ >/dev/null &&
    test ! -e "$N/state.db" &&
    cn "$N" peer list >n-list.out &&
    grep -q "^no peers" n-list.out &&
    cn "$N" sync >n-sync.out &&
    grep -q "^no peers to sync" n-sync.out
'

test_done
