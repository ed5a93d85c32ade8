#!/bin/bash
# The attack suite, part 2: the TUF metadata chain. Rollback of timestamp,
# snapshot and targets, freeze, wrong keys, thresholds, and root rotations
# signed by only one side. Each attack is refused with exit 3 and changes
# nothing the follower trusts; the honest tree3 syncs afterwards
# (tests/attack/lib-attack.sh: attack_expect). Controls show that the same
# forging, done right, is accepted.
. "$(dirname "$0")/lib.sh"
. "$CN_SOURCE_DIR/tests/attack/lib-attack.sh"

test_expect_success 'stage: a publisher with three trees and a follower trusting tree2' '
    attack_setup &&
    forge newkey "$TRASH/stranger.key" >/dev/null &&
    forge newkey "$TRASH/second.key" >/dev/null &&
    forge newkey "$TRASH/newroot.key" >/dev/null
'
PUBID=$(cat "$TRASH/pubid")
STRANGER="$TRASH/stranger.key"
SECOND="$TRASH/second.key"
NEWROOT="$TRASH/newroot.key"

# --- rollback ----------------------------------------------------------------

test_expect_success 'rollback of timestamp: the older, validly signed tree1 is refused' '
    attack_expect rollback-timestamp 3 "timestamp" "$TRASH/tree1"
'

test_expect_success 'rollback of snapshot: a new timestamp naming an older snapshot is refused' '
    e=$(evil_tree rollback-snapshot tree2) &&
    s=$(snapshot_version "$e") &&
    new_timestamp "$e" "$e/tuf/$((s - 1)).snapshot.json" &&
    attack_expect rollback-snapshot 3 "snapshot" "$e"
'

test_expect_success 'rollback of targets: a new snapshot naming an older targets is refused' '
    e=$(evil_tree rollback-targets tree2) &&
    t=$(targets_version "$e") &&
    snap=$(new_snapshot "$e" "$e/tuf/$((t - 1)).targets.json") &&
    new_timestamp "$e" "$snap" &&
    attack_expect rollback-targets 3 "targets" "$e"
'

# --- freeze ------------------------------------------------------------------

test_expect_success 'freeze: a validly signed timestamp that has expired is refused' '
    e=$(evil_tree freeze-expired) &&
    v=$(ts_version "$e") &&
    forge set "$e/tuf/timestamp.json" "\"$(expires_in -3600)\"" signed expires &&
    forge $TIMESTAMP_SIGN set "$e/tuf/timestamp.json" $((v + 1)) signed version &&
    attack_expect freeze-expired 3 "expire" "$e"
'

test_expect_success 'freeze: the trusted timestamp expires and the server replays it (304 and 200)' '
    e=$(evil_tree freeze-replay tree2) &&
    v=$(ts_version "$e") &&
    forge set "$e/tuf/timestamp.json" "\"$(expires_in 3)\"" signed expires &&
    forge $TIMESTAMP_SIGN set "$e/tuf/timestamp.json" $((v + 1)) signed version &&
    rm -rf "$TRASH/frozen" && cp -a "$BASE" "$TRASH/frozen" &&
    stage "$e" && run_sync "$TRASH/frozen" frozen-first && test "$code" -eq 0 &&
    sleep 4 &&
    ATTACK_FROM="$TRASH/frozen" attack_expect freeze-replay-304 3 "expire" "$e" &&
    ATTACK_FROM="$TRASH/frozen" attack_expect freeze-replay-200 3 "expire" "$e" "[]" false
'

# --- wrong keys --------------------------------------------------------------

test_expect_success 'wrong key: a timestamp signed by a key the root does not list' '
    e=$(evil_tree wrongkey-timestamp) &&
    TIMESTAMP_SIGN="-s $STRANGER" new_timestamp "$e" "$e/tuf/$(snapshot_version "$e").snapshot.json" &&
    attack_expect wrongkey-timestamp 3 "timestamp.*signature|signature.*timestamp" "$e"
'

test_expect_success 'wrong key: a snapshot signed by a key the root does not list' '
    e=$(evil_tree wrongkey-snapshot) &&
    snap=$(SNAPSHOT_SIGN="-s $STRANGER" new_snapshot "$e" "$e/tuf/$(targets_version "$e").targets.json") &&
    new_timestamp "$e" "$snap" &&
    attack_expect wrongkey-snapshot 3 "snapshot.*signature|signature.*snapshot" "$e"
'

test_expect_success 'wrong key: targets signed by a key the root does not list' '
    e=$(evil_tree wrongkey-targets) &&
    tf=$(next_targets "$e") &&
    TARGETS_SIGN="-s $STRANGER" commit_targets "$e" "$tf" &&
    attack_expect wrongkey-targets 3 "targets.*signature|signature.*targets" "$e"
'

# --- thresholds --------------------------------------------------------------

# two_key_root TREE: root 2 gives the timestamp role the publisher's key and
# a second key with threshold 2, signed by the (unchanged) root key.
two_key_root() {
    r=$(new_root "$1") && forge -s "$KEY" rolekeys "$r" timestamp 2 "$KEY" "$SECOND"
}

test_expect_success 'control: root 2 asks 2 of 2 timestamp keys; a timestamp signed by both is accepted' '
    e=$(evil_tree threshold-control) &&
    two_key_root "$e" &&
    TIMESTAMP_SIGN="-s $KEY -s $SECOND" new_timestamp "$e" "$e/tuf/$(snapshot_version "$e").snapshot.json" &&
    accept_expect threshold-control "$e"
'

test_expect_success 'threshold: a timestamp signed by 1 of the 2 keys root 2 requires is refused' '
    e=$(evil_tree threshold) &&
    two_key_root "$e" &&
    new_timestamp "$e" "$e/tuf/$(snapshot_version "$e").snapshot.json" &&
    attack_expect threshold 3 "signature|threshold" "$e"
'

test_expect_success 'threshold: the same key signing twice does not count as 2 keys' '
    e=$(evil_tree dupsig) &&
    two_key_root "$e" &&
    new_timestamp "$e" "$e/tuf/$(snapshot_version "$e").snapshot.json" &&
    forge dupsig "$e/tuf/timestamp.json" &&
    test "$(forge get "$e/tuf/timestamp.json" signatures | grep -o keyid | wc -l)" -eq 2 &&
    attack_expect dupsig 3 "signature|threshold" "$e"
'

# --- root rotation -----------------------------------------------------------

test_expect_success 'control: root 2 moving the root role to a new key, signed by old and new, is accepted' '
    e=$(evil_tree rotation-control) &&
    r=$(new_root "$e") &&
    forge -s "$KEY" -s "$NEWROOT" rolekeys "$r" root 1 "$NEWROOT" &&
    accept_expect rotation-control "$e"
'

test_expect_success 'root rotation signed by only the old root key is refused' '
    e=$(evil_tree rotation-old) &&
    r=$(new_root "$e") &&
    forge -s "$KEY" rolekeys "$r" root 1 "$NEWROOT" &&
    attack_expect rotation-old 3 "root" "$e"
'

test_expect_success 'root rotation signed by only the new root key is refused' '
    e=$(evil_tree rotation-new) &&
    r=$(new_root "$e") &&
    forge -s "$NEWROOT" rolekeys "$r" root 1 "$NEWROOT" &&
    attack_expect rotation-new 3 "root" "$e"
'

test_expect_success 'a root file whose version is not the one its name promises is refused' '
    e=$(evil_tree root-version) &&
    r=$(new_root "$e") &&
    forge -s "$KEY" set "$r" 3 signed version &&
    attack_expect root-version 3 "root" "$e"
'

attack_summary
test_done
