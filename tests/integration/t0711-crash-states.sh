#!/bin/bash
# Crash safety, deterministically: the states a SIGKILLed `citynode sync`
# leaves between its steps (PROTOCOL.md §8.6: target files, then refs, then
# metadata), built exactly, since t0710's random kills only hit the short
# windows of the commit now and then. In each state `verify --all` passes,
# and the next sync completes and holds the publisher's tree3.
#
# A state is made from a follower that synced tree3 completely: its trusted
# metadata and peer row are put back to what they were at tree2 (the commit
# point not reached), and the refs are left as the kill would leave them.
. "$(dirname "$0")/lib.sh"
. "$CN_SOURCE_DIR/tests/attack/lib-attack.sh"

test_expect_success 'stage: a publisher with three trees and a follower trusting tree2' '
    attack_setup &&
    rm -rf "$TRASH/full" && cp -a "$BASE" "$TRASH/full" &&
    stage "$TRASH/tree3" &&
    "$CITYNODE" --home "$TRASH/full" sync >/dev/null &&
    honest_synced "$TRASH/full"
'
PUBID=$(cat "$TRASH/pubid")

# killed_state NAME: a follower that stored everything of tree3 but was killed
# before its metadata moved; prints its home.
killed_state() {
    G="$TRASH/g-$1"
    rm -rf "$G" && cp -a "$TRASH/full" "$G" &&
    rm -rf "$G/mirrors/$PUBID/tuf" && cp -a "$BASE/mirrors/$PUBID/tuf" "$G/mirrors/$PUBID/tuf" &&
    rm -f "$G"/state.db* && cp -a "$BASE"/state.db* "$G/" &&
    echo "$G"
}

# recovers HOME NAME: verify --all passes in the crash state, and the next
# sync completes and holds tree3.
recovers() {
    if ! "$CITYNODE" --home "$1" verify --all >"$TRASH/$2.verify" 2>&1; then
        echo "verify --all fails in the state a kill leaves:"
        cat "$TRASH/$2.verify"
        return 1
    fi
    run_sync "$1" "$2" # chainlint: ok (run_sync leaves the status in $code)
    if [ "$code" -ne 0 ]; then
        echo "the next sync does not complete:"
        cat "$TRASH/$2.err"
        return 1
    fi
    honest_synced "$1" || { echo "after the next sync the follower does not hold tree3"; return 1; }
}

test_expect_success 'killed after the target files moved into the mirror, before any ref' '
    G=$(killed_state targets) &&
    rm -rf "$G/repos/$PUBID" && cp -a "$BASE/repos/$PUBID" "$G/repos/$PUBID" &&
    recovers "$G" targets
'

test_expect_success 'killed after the tags of a new version moved, before refs/heads/main' '
    G=$(killed_state main-behind) &&
    git -C "$G/repos/$PUBID/$ITEM.git" update-ref refs/heads/main "$(git -C "$G/repos/$PUBID/$ITEM.git" rev-parse "v1.1.0^{commit}")" &&
    recovers "$G" main-behind &&
    test "$(git -C "$G/repos/$PUBID/$ITEM.git" rev-parse refs/heads/main)" = \
        "$(git -C "$G/repos/$PUBID/$ITEM.git" rev-parse "v1.2.0^{commit}")"
'

test_expect_success 'killed after the tags of a new item moved, before refs/heads/main' '
    G=$(killed_state main-missing) &&
    git -C "$G/repos/$PUBID/$ITEM2.git" update-ref -d refs/heads/main &&
    recovers "$G" main-missing &&
    test "$(git -C "$G/repos/$PUBID/$ITEM2.git" rev-parse refs/heads/main)" = \
        "$(git -C "$G/repos/$PUBID/$ITEM2.git" rev-parse "v1.0.0^{commit}")"
'

test_expect_success 'killed while libgit2 held ref locks (stale main.lock and v1.2.0.lock)' '
    G="$TRASH/g-ref-locks" && rm -rf "$G" && cp -a "$BASE" "$G" &&
    : >"$G/repos/$PUBID/$ITEM.git/refs/heads/main.lock" &&
    : >"$G/repos/$PUBID/$ITEM.git/refs/tags/v1.2.0.lock" &&
    recovers "$G" ref-locks
'

test_expect_success 'killed while a new repository was created (stale config.lock)' '
    G="$TRASH/g-config-lock" && rm -rf "$G" && cp -a "$BASE" "$G" &&
    R="$G/repos/$PUBID/$ITEM2.git" &&
    mkdir -p "$R/objects/pack" "$R/objects/info" "$R/refs/heads" "$R/refs/tags" &&
    : >"$R/config.lock" &&
    recovers "$G" config-lock
'

attack_summary
test_done
