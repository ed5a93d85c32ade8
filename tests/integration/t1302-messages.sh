#!/bin/bash
# Messages that say what to do (issue 15, point 5): the failures a city's
# staff meets with peer, sync, replicate, withdraw, show and verify name
# what failed and the next step, never a bare "failed" (`sync nobody` said
# only "citynode: failed"). The exact wording is in
# tests/data/names/messages/ (its README says how a case is compared).
. "$(dirname "$0")/lib.sh"

F="$TRASH/follower"
L="$TRASH/lighthouse"
PL=$(test_free_port)
PX=$(test_free_port)
D="$CN_SOURCE_DIR/tests/data/names/messages"

# expect FILE: the case's wording with this story's node id and port.
expect() {
    sed "s|@NODE@|$(cut -c1-12 "$TRASH/fid")|g; s|@PORT@|$PX|g" "$D/$1" |
        sed "s|@LID@|$(cut -c1-12 "$TRASH/lid" 2>/dev/null)|g"
}

# fails CODE CASE ARGS...: citynode ARGS on the follower exits CODE, prints
# nothing on stdout and the case's wording on stderr.
fails() {
    code=$1
    case=$2
    shift 2
    test_expect_code "$code" cn "$F" "$@" >"$case.out" 2>"$case.got" &&
        test ! -s "$case.out" &&
        sed -E "s/ after [0-9]+ ms/ after N ms/" "$case.got" >"$case.norm" &&
        expect "$case.err" >"$case.want" &&
        cmp "$case.want" "$case.norm"
}

test_expect_success 'a node that follows nobody yet' '
    cn "$F" init --name "Leipzig (sample)" >fid
'

test_expect_success 'sync, peer remove and allowed-signers of no peer: how to list and follow' '
    fails 1 sync-nobody sync nobody &&
    fails 1 sync-prefix sync 12345678 &&
    fails 1 peer-remove-nobody peer remove nobody &&
    fails 1 allowed-signers-nobody allowed-signers nobody
'

test_expect_success 'replicate from no peer: how to follow and sync it' '
    fails 2 replicate-nobody replicate nobody/x twin &&
    test ! -e twin
'

test_expect_success 'withdraw, show and verify of no item: how to list the items' '
    fails 1 withdraw-unknown withdraw nothing --reason "not ours" &&
    fails 1 withdraw-unknown-version withdraw nothing@1.0.0 --reason "not ours" &&
    fails 1 show-unknown show self/nothing &&
    fails 1 verify-unknown verify self/nothing
'

test_expect_success 'peer add of an address nothing serves: what to check' '
    fails 1 peer-add-unreachable peer add "http://127.0.0.1:$PX"
'

test_expect_success 'a peer without the item; a followed peer that is down: sync tries again' '
    cn "$L" init --name "Eindhoven (sample)" --url "http://127.0.0.1:$PL" >lid &&
    test_serve "$L" "$PL" lighthouse &&
    cn "$F" peer add "http://127.0.0.1:$PL" >/dev/null 2>&1 &&
    cn "$F" sync >/dev/null &&
    fails 2 replicate-no-item replicate eindhoven-sample/nothing twin &&
    test_stop_server lighthouse &&
    test_expect_code 1 cn "$F" sync >out 2>err &&
    grep "^citynode: $(cut -c1-12 lid): " err >line &&
    test "$(wc -l <line)" = 1 &&
    suffix=$(cat "$D/sync-peer-down.suffix") &&
    text=$(cat line) &&
    test "${text%"$suffix"}" != "$text"
'

test_done
