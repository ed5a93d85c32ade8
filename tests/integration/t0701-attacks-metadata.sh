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

# --- the metadata that signs an item ---------------------------------------
#
# In layout 2 (PROTOCOL §4.1) an item's targets are signed by its own role
# items.<item>, which the snapshot names by version and length only; in
# layout 1 by targets.json. The same attacks on whichever signs $ITEM.

test_expect_success 'control: the metadata that signs an item, re-signed by forge at a new version, is accepted' '
    e=$(evil_tree item-role-control) &&
    tf=$(next_targets "$e" $ITEM) &&
    commit_targets "$e" "$tf" &&
    accept_expect item-role-control "$e"
'

test_expect_success 'wrong key: the metadata that signs an item, signed by a key its delegator does not give it' '
    e=$(evil_tree item-role-wrongkey) &&
    tf=$(next_targets "$e" $ITEM) &&
    TARGETS_SIGN="-s $STRANGER" commit_targets "$e" "$tf" &&
    attack_expect item-role-wrongkey 3 "signature" "$e"
'

test_expect_success 'rollback: a snapshot naming an older version of the metadata that signs an item' '
    e=$(evil_tree item-role-rollback tree2) &&
    r=$(role_of "$e" items/$ITEM/) &&
    old=$(($(role_version "$e" "$r") - 1)) &&
    snap=$(new_snapshot "$e" "$e/tuf/$old.$r.json") &&
    new_timestamp "$e" "$snap" &&
    attack_expect item-role-rollback 3 "version|rollback|older" "$e"
'

test_expect_success 'the metadata that signs an item, longer than the snapshot says, is refused' '
    e=$(evil_tree item-role-length) &&
    tf=$(next_targets "$e" $ITEM) && m=$(meta_name "$tf") &&
    forge $TARGETS_SIGN sign "$tf" &&
    snap=$(new_snapshot "$e" "$tf") &&
    len=$(forge get "$snap" signed meta "$m" length) &&
    forge $SNAPSHOT_SIGN set "$snap" $((len - 1)) signed meta "$m" length &&
    new_timestamp "$e" "$snap" &&
    attack_expect item-role-length 3 "length|bytes|limit|exceeds" "$e"
'

test_expect_success 'a snapshot that does not name the metadata that signs an item is refused' '
    e=$(evil_tree item-role-unnamed) &&
    snapshot_without "$e" "$(meta_name "$(role_file "$e" items/$ITEM/)")" &&
    attack_expect item-role-unnamed 3 "snapshot|$ITEM|targets" "$e"
'

# $ITEM2 is new in tree3: the follower trusts no metadata of it yet, so no
# rule about what a trusted snapshot named protects it.
test_expect_success 'a snapshot that does not name the metadata that signs an item new to the follower is refused' '
    e=$(evil_tree item-role-unnamed-new) &&
    snapshot_without "$e" "$(meta_name "$(role_file "$e" items/$ITEM2/)")" &&
    attack_expect item-role-unnamed-new 3 "snapshot|$ITEM2|targets" "$e"
'

# A role signs only the targets its delegation covers (items/<item>/*/*):
# items.$ITEM signing a version of $ITEM2 (the publisher's own, tag and
# all) must not make it $ITEM2's. TUF ignores such a target (spec §5.6.7),
# so the sync succeeds without it. Only layout 2 delegates: when the
# publisher writes layout 1 the story uses its next tree in layout 2.
test_expect_success 'a target an item role signs outside its paths (a version of another item) is not taken' '
    e=$(evil_tree item-role-paths "$(delegating_tree)") &&
    tf=$(next_targets "$e" $ITEM) &&
    graft_version "$e" "$tf" "$(tree4)" $ITEM2 1.1.0 &&
    commit_targets "$e" "$tf" &&
    test -n "$(targets_under "$tf" $ITEM2 1.1.0)" &&
    F="$TRASH/f-item-role-paths" && rm -rf "$F" && cp -a "$BASE" "$F" &&
    stage "$e" && run_sync "$F" item-role-paths &&
    test "$code" = 0 &&
    holds_tree "$F" "$e" &&
    test_must_fail git -C "$F/repos/$PUBID/$ITEM2.git" rev-parse -q --verify refs/tags/v1.1.0 &&
    test -z "$(find "$F/mirrors/$PUBID/targets/items/$ITEM2" -path "*/1.1.0/*")" &&
    rm -rf "$F"
'

attack_summary
test_done
