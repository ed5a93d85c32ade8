#!/bin/bash
# Crash safety of `citynode sync` (DESIGN.md §6, PROTOCOL.md §8.6): a
# follower's first sync of 20 items (a few MB of history) and a later sync of
# new versions are killed with SIGKILL at many points: at fractions of an
# uninterrupted sync's duration, and the moment a partial download, a pack,
# a mirrored target file, new metadata or a ref appears. After every kill
# `citynode verify --all` passes and the stored mirror is consistent (forge
# check-mirror: the chain from the pinned root verifies, every stored target
# file matches its name, every version the trusted targets name has its
# signed tag); the next sync completes and the mirror then equals the
# publisher (same timestamp, same tags).
#
# The publisher writes layout 2, the default (a delegated role per item,
# docs/PROTOCOL.md §4.1), so the kills also fall between the item roles'
# writes; CN_TEST_LAYOUT=1 makes it write layout 1.
#
# SAMPLE DATA: the items are the examples/strategies documents (drawn from the
# seed documents), each with a random annex to give the history some weight.
. "$(dirname "$0")/lib.sh"
. "$CN_SOURCE_DIR/tests/attack/lib-attack.sh"

F0="$TRASH/follower-added"
NITEMS=20
# Bundles are sent at this many bytes/s per request, so that a first sync
# lasts long enough to be killed at many distinct points.
RATE=${CRASH_RATE:-4000000}

now_ms() { date +%s%3N; }

# item_dir N: the source repository of the N-th sample strategy.
item_dir() { echo "$TRASH/items/$1"; }

make_items() {
    i=0
    for doc in "$CN_SOURCE_DIR"/examples/strategies/*/citynode.yml; do
        i=$((i + 1))
        [ $i -le $NITEMS ] || break
        d=$(item_dir $i)
        mkdir -p "$d" && cp "$doc" "$d/" &&
        head -c $((120000 + i * 7000)) /dev/urandom >"$d/sample-annex.bin" &&
        git -C "$d" init -q && git -C "$d" add . && git -C "$d" commit -qm "sample strategy" &&
        "$CITYNODE" --home "$P" publish "$d" >/dev/null || return 1
    done
}

# bump_items FIRST LAST VERSION: a new commit and version for items FIRST..LAST.
bump_items() {
    for i in $(seq "$1" "$2"); do
        d=$(item_dir $i)
        head -c 40000 /dev/urandom >>"$d/sample-annex.bin" &&
        git -C "$d" commit -qam "annex $3" &&
        "$CITYNODE" --home "$P" publish "$d" --version "$3" >/dev/null || return 1
    done
}

# consistent HOME: verify --all and forge check-mirror both pass.
consistent() {
    "$CITYNODE" --home "$1" verify --all >"$TRASH/verify.out" 2>&1 ||
        { echo "verify --all fails:"; cat "$TRASH/verify.out"; return 1; }
    forge check-mirror "$1/mirrors/$PUBID" "$1/repos/$PUBID" >"$TRASH/check.out" 2>&1 ||
        { echo "the mirror is inconsistent:"; cat "$TRASH/check.out"; return 1; }
}

# what_is_stored HOME: one line of what the killed sync left behind.
what_is_stored() {
    tmpf=$(find "$1/tmp" -type f 2>/dev/null | wc -l)
    tgt=$(find "$1/mirrors/$PUBID/targets" -type f 2>/dev/null | wc -l)
    repos=$(find "$1/repos/$PUBID" -maxdepth 1 -name '*.git' 2>/dev/null | wc -l)
    tags=$(find "$1/repos/$PUBID" -path '*refs/tags/*' -type f 2>/dev/null | wc -l)
    ts=$(forge get "$1/mirrors/$PUBID/tuf/timestamp.json" signed version 2>/dev/null || echo none)
    echo "tmp files $tmpf, mirrored targets $tgt, repos $repos, tag refs $tags, trusted timestamp $ts"
}

# kill_after HOME MS|EVENT NAME: start a sync, SIGKILL it after MS
# milliseconds or when EVENT (a find expression below HOME) first matches,
# then demand a consistent node. $killed_at says what happened.
kill_after() {
    "$CITYNODE" --home "$1" sync >"$TRASH/$3.out" 2>&1 &
    pid=$!
    start=$(now_ms)
    case "$2" in
    [0-9]*)
        sleep "$(printf "%d.%03d" $(($2 / 1000)) $(($2 % 1000)))"
        ;;
    *)
        while kill -0 $pid 2>/dev/null && [ -z "$(eval "find $1 $2 -print -quit" 2>/dev/null)" ]; do
            [ $(($(now_ms) - start)) -lt 30000 ] || break
            sleep 0.005 # leave the sync a core of its own
        done
        ;;
    esac
    if kill -9 $pid 2>/dev/null; then
        wait $pid 2>/dev/null # chainlint: ok (the status of a process we killed)
        killed_at="killed after $(($(now_ms) - start)) ms"
    else
        wait $pid
        finished=$?
        killed_at="finished (exit $finished) before the kill"
    fi
    echo "# $(date +%T.%2N) $3 ($2): $killed_at; $(what_is_stored "$1")" |
        tee -a "$TRASH/summary" || return 1
    case "$killed_at" in
    "finished (exit 0)"*|killed*) ;;
    *) echo "the sync failed:"; cat "$TRASH/$3.out"; return 1 ;;
    esac
    consistent "$1"
}

test_expect_success "stage: a publisher with $NITEMS items and several versions" '
    "$CITYNODE" --home "$P" init --name "Eindhoven (sample)" --country NL --url "$URL" \
        >"$TRASH/pubid" &&
    PUBID=$(cat "$TRASH/pubid") &&
    case "${CN_TEST_LAYOUT:-2}" in 1) echo "metadata_layout: 1" >>"$P/config.yml" ;; esac &&
    make_items &&
    bump_items 1 8 1.1.0 && bump_items 1 4 1.2.0 &&
    case "${CN_TEST_LAYOUT:-2}" in 2) ls "$P"/public/tuf/*.items.*.json >/dev/null ;; esac &&
    "$CITYNODE" --home "$P" export "$TRASH/tree-a" >/dev/null &&
    echo "# tree-a: $(du -sk "$TRASH/tree-a" | cut -f1) KiB" &&
    stage "$TRASH/tree-a" "[{\"path\":\"/targets/.*\\\\.bundle\",\"mode\":\"throttle\",\"rate\":$RATE}]" &&
    start_server &&
    "$CITYNODE" --home "$F0" init --name "Leipzig (sample)" --country DE >/dev/null &&
    "$CITYNODE" --home "$F0" peer add "$URL" --expect "$PUBID" >/dev/null
'
PUBID=$(cat "$TRASH/pubid")

test_expect_success 'reference: an uninterrupted first sync, timed' '
    rm -rf "$TRASH/ref" && cp -a "$F0" "$TRASH/ref" &&
    t0=$(now_ms) &&
    "$CITYNODE" --home "$TRASH/ref" sync >/dev/null &&
    echo $(($(now_ms) - t0)) >"$TRASH/first-sync-ms" &&
    echo "# first sync: $(cat "$TRASH/first-sync-ms") ms" &&
    cmp "$TRASH/ref/mirrors/$PUBID/tuf/timestamp.json" "$TRASH/tree-a/tuf/timestamp.json" &&
    consistent "$TRASH/ref"
'
T_FIRST=$(cat "$TRASH/first-sync-ms" 2>/dev/null || echo 2000)

test_expect_success 'SIGKILL at 8 moments of a first sync leaves a consistent node each time' '
    bad=0 &&
    for k in 1 2 3 4 5 6 7 8; do
        F="$TRASH/f-time-$k" && rm -rf "$F" && cp -a "$F0" "$F" &&
        kill_after "$F" $((T_FIRST * k / 9 + 10)) time-$k || bad=$((bad + 1))
        # every fourth is resumed below, with every event kill
        [ $((k % 4)) -eq 0 ] || rm -rf "$F"
    done &&
    test $bad -eq 0
'

# Events need no throttle: they wait for what they wait for.
test_expect_success 'SIGKILL the moment a partial download, a pack, a target, metadata, a tag or a lock appears' '
    stage "$TRASH/tree-a" &&
    n=0 && bad=0 &&
    for ev in "-path \"*/tmp/*\" -type f" \
              "-path \"*/repos/*/objects/pack/*.pack\"" \
              "-path \"*/mirrors/*/targets/*\" -type f" \
              "-path \"*/mirrors/*/tuf/*.targets.json\"" \
              "-path \"*/mirrors/*/tuf/*.snapshot.json\"" \
              "-path \"*/repos/*/refs/tags/*\"" \
              "-path \"*/repos/*/refs/heads/main\"" \
              "-path \"*/repos/*\" -name \"*.lock\""; do
        n=$((n + 1)) &&
        F="$TRASH/f-event-$n" && rm -rf "$F" && cp -a "$F0" "$F" &&
        kill_after "$F" "$ev" "event-$n" || bad=$((bad + 1))
    done &&
    test $bad -eq 0
'

test_expect_success 'after each kill the next sync completes and holds exactly the publisher tree' '
    bad=0
    for F in "$TRASH"/f-time-* "$TRASH"/f-event-*; do
        if ! "$CITYNODE" --home "$F" sync >"$TRASH/resume.out" 2>&1; then
            bad=$((bad + 1))
            echo "resume of $F failed:"
            cat "$TRASH/resume.out"
        elif cmp "$F/mirrors/$PUBID/tuf/timestamp.json" "$TRASH/tree-a/tuf/timestamp.json" &&
            consistent "$F"; then
            rm -rf "$F"
        else
            bad=$((bad + 1))
        fi
    done
    test $bad -eq 0
'

test_expect_success 'repeated kills during a sync of new versions (deltas), each resuming the last' '
    F="$TRASH/ref" &&
    bump_items 1 10 2.0.0 && bump_items 5 7 2.1.0 &&
    "$CITYNODE" --home "$P" export "$TRASH/tree-b" >/dev/null &&
    stage "$TRASH/tree-b" "[{\"path\":\"/targets/.*\\\\.bundle\",\"mode\":\"throttle\",\"rate\":$((RATE / 8))}]" &&
    k=0 &&
    while [ $k -lt 40 ]; do
        k=$((k + 1))
        kill_after "$F" $((k * 50)) delta-$k || exit 1
        case "$killed_at" in finished*) break ;; esac
    done &&
    echo "# the delta sync completed after $((k - 1)) kills" &&
    test $k -gt 3
'

test_expect_success 'finally the follower holds the publisher tree: same timestamp, same tags' '
    F="$TRASH/ref" &&
    "$CITYNODE" --home "$F" sync >/dev/null &&
    cmp "$F/mirrors/$PUBID/tuf/timestamp.json" "$TRASH/tree-b/tuf/timestamp.json" &&
    consistent "$F" &&
    for r in "$P/repos/$PUBID"/*.git; do
        item=$(basename "$r") &&
        git -C "$r" for-each-ref --format="%(objectname) %(refname)" refs/tags >"$TRASH/pub.tags" &&
        git -C "$F/repos/$PUBID/$item" for-each-ref --format="%(objectname) %(refname)" refs/tags \
            >"$TRASH/mirror.tags" &&
        diff "$TRASH/pub.tags" "$TRASH/mirror.tags" &&
        test "$(git -C "$r" rev-parse refs/heads/main)" = \
            "$(git -C "$F/repos/$PUBID/$item" rev-parse refs/heads/main)" &&
        git -C "$F/repos/$PUBID/$item" fsck --no-dangling >/dev/null 2>&1 || exit 1
    done
'

[ -f "$TRASH/summary" ] && cat "$TRASH/summary"
test_done
