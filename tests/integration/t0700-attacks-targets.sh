#!/bin/bash
# The attack suite, part 1: target files, target names and bundles.
#
# A follower trusts the publisher's tree2; a staged server then offers a
# malicious tree. Each attack must be refused with exit 3 and a message
# naming what failed, leave the follower's mirrors/, repos/ and peer rows
# byte-for-byte unchanged, and the honest tree3 must sync cleanly afterwards
# (tests/attack/lib-attack.sh: attack_expect). An attack on one item's
# bundles fails that item alone: attack_expect_item.
. "$(dirname "$0")/lib.sh"
. "$CN_SOURCE_DIR/tests/attack/lib-attack.sh"

test_expect_success 'stage: a publisher with three trees and a follower trusting tree2' '
    attack_setup
'
PUBID=$(cat "$TRASH/pubid")

test_expect_success 'control: tree3 re-signed by forge (new targets, snapshot, timestamp) is accepted' '
    e=$(evil_tree control) &&
    tf=$(next_targets "$e") &&
    commit_targets "$e" "$tf" &&
    accept_expect control "$e"
'

# The other content is 1.0.0's full bundle as tree1 signs it (in layout 2
# tree3's metadata no longer lists 1.0.0, PROTOCOL §4.1).
test_expect_success 'arbitrary target: bundles replaced by other content are refused' '
    e=$(evil_tree arbitrary) &&
    other=$(target_file "$TRASH/tree1" items/$ITEM/1.0.0/full.bundle) &&
    for t in $ITEM/1.2.0/delta.bundle $ITEM/1.2.0/full.bundle $ITEM2/1.0.0/full.bundle; do
        f=$(target_file "$e" items/$t) && cp "$other" "$f" || exit 1
    done &&
    attack_expect arbitrary 3 "sha256|hash|length|size" "$e"
'

test_expect_success 'tampered target: one byte flipped in each new bundle is refused' '
    e=$(evil_tree tampered) &&
    for t in $ITEM/1.2.0/delta.bundle $ITEM/1.2.0/full.bundle $ITEM2/1.0.0/full.bundle; do
        flip_byte "$(target_file "$e" items/$t)" || exit 1
    done &&
    attack_expect tampered 3 "sha256|hash" "$e"
'

# A mirror takes a new version's manifest from the message of the signed tag
# its bundle brings (the same bytes, PROTOCOL §7), so it never reads the
# server's copy; an index follower, which takes no bundles, downloads it.
test_expect_success 'tampered target: a manifest flipped on the server is not taken by a mirror' '
    e=$(evil_tree tampered-manifest) &&
    mf=$(target_file "$e" items/$ITEM/1.2.0/manifest.json) &&
    cp "$mf" "$TRASH/honest-manifest.json" &&
    flip_byte "$mf" &&
    F="$TRASH/f-tampered-manifest" && rm -rf "$F" && cp -a "$BASE" "$F" &&
    stage "$e" && run_sync "$F" tampered-manifest &&
    test "$code" = 0 &&
    cmp "$F/mirrors/$PUBID/${mf#"$e"/}" "$TRASH/honest-manifest.json" &&
    honest_synced "$F" && rm -rf "$F"
'

test_expect_success 'tampered target: one byte flipped in a manifest is refused by an index follower' '
    IB="$TRASH/index-base" &&
    "$CITYNODE" --home "$IB" init --name "Sabadell (sample)" --country ES >/dev/null &&
    "$CITYNODE" --home "$IB" peer add "$URL" --expect "$PUBID" --policy index >/dev/null &&
    stage "$TRASH/tree2" && run_sync "$IB" index-base && test "$code" = 0 &&
    e=$(evil_tree tampered-manifest-index) &&
    flip_byte "$(target_file "$e" items/$ITEM/1.2.0/manifest.json)" &&
    ATTACK_FROM=$IB attack_run tampered-manifest-index 3 "sha256|hash" "$e" &&
    trusted_state "$F" >"$TRASH/tampered-manifest-index.after" &&
    diff "$TRASH/tampered-manifest-index.before" "$TRASH/tampered-manifest-index.after"
'

test_expect_success 'mix-and-match: the targets file the snapshot names holds another version' '
    e=$(evil_tree mixmatch) &&
    t=$(targets_version "$e") &&
    cp "$e/tuf/$((t - 1)).targets.json" "$e/tuf/$t.targets.json" &&
    attack_expect mixmatch 3 "targets" "$e"
'

test_expect_success 'mix-and-match: a snapshot without hashes names a targets version whose file is another' '
    e=$(evil_tree mixversion) &&
    t=$(targets_version "$e") && s=$(snapshot_version "$e") &&
    cp "$e/tuf/$((t - 1)).targets.json" "$e/tuf/$t.targets.json" &&
    forge del "$e/tuf/$s.snapshot.json" signed meta targets.json hashes &&
    forge $SNAPSHOT_SIGN del "$e/tuf/$s.snapshot.json" signed meta targets.json length &&
    new_timestamp "$e" "$e/tuf/$s.snapshot.json" &&
    attack_expect mixversion 3 "targets.*version|version.*targets" "$e"
'

# In layout 2 the snapshot names an item role by version and length alone
# (PROTOCOL §4.1): the version inside the file must be the one named.
test_expect_success 'mix-and-match: the file of the metadata that signs an item holds its previous version' '
    e=$(evil_tree mixrole) &&
    f=$(role_file "$e" items/$ITEM/) &&
    v=$(forge get "$f" signed version) &&
    cp "${f%/*}/$((v - 1)).$(meta_name "$f")" "$f" &&
    attack_expect mixrole 3 "version|bytes|length|hash" "$e"
'

# bad_name LABEL NAME: the (malicious) publisher signs a target named NAME,
# an attestation, and stores it under its consistent name where it can.
bad_name() {
    e=$(evil_tree "name-$1") &&
    tf=$(next_targets "$e") && tv=$(forge get "$tf" signed version) &&
    printf "{\"type\":\"replicates\",\"by\":\"%s\"}" "$PUBID" >"$TRASH/evil-pwned.json" &&
    case "$2" in \"*) ;; *) place_target "$e" "$2" "$TRASH/evil-pwned.json" ;; esac &&
    forge $TARGETS_SIGN target "$tf" "$2" "$TRASH/evil-pwned.json" \
        "{\"kind\":\"attestation\",\"type\":\"replicates\"}" &&
    commit_signed_targets "$e" "$tf" "$tv" &&
    attack_expect "name-$1" 3 "target|path|name" "$e"
}

test_expect_success 'a target name with ../ components is refused' '
    bad_name dotdot "attestations/../../../../pwned.json"
'

test_expect_success 'a target name that is ../ at the top is refused' '
    bad_name dotdot-top "../pwned.json"
'

test_expect_success 'a target name with a leading / is refused' '
    bad_name slash "/attestations/pwned.json"
'

test_expect_success 'a target name with a NUL (\u0000 in the JSON) is refused' '
    bad_name nul "\"attestations/pwned.json\\u0000.txt\""
'

test_expect_success 'a target name with ? is refused' '
    bad_name question "attestations/pwned.json?x=1"
'

test_expect_success 'a target name with # is refused' '
    bad_name hash "attestations/pwned.json#x"
'

# prereq_tree NAME: tree3 whose $ITEM@1.2.0 is withdrawn and which offers
# instead the 1.3.0 of a publisher that went on from tree2 on its own with
# 1.2.0 and 1.3.0, so 1.3.0's delta names a prerequisite the follower never
# saw; $TRASH/evil-NAME, its next targets (unsigned) printed.
prereq_tree() {
    S="$TRASH/pub-$1" && rm -rf "$S" "$TRASH/src-$1" "$TRASH/other-$1" &&
    cp -a "$TRASH/publisher-at-2" "$S" && cp -a "$TRASH/src-at-2" "$TRASH/src-$1" &&
    echo "unpublished survey" >>"$TRASH/src-$1/README.md" &&
    git -C "$TRASH/src-$1" commit -qam "unpublished survey" &&
    "$CITYNODE" --home "$S" publish "$TRASH/src-$1" --version 1.2.0 >/dev/null &&
    echo "fourth survey" >>"$TRASH/src-$1/README.md" &&
    git -C "$TRASH/src-$1" commit -qam "fourth survey" &&
    "$CITYNODE" --home "$S" publish "$TRASH/src-$1" --version 1.3.0 >/dev/null &&
    "$CITYNODE" --home "$S" export "$TRASH/other-$1" >/dev/null &&
    e=$(evil_tree "$1") && tf=$(next_targets "$e" $ITEM) &&
    withdraw_version "$tf" $ITEM 1.2.0 &&
    graft_version "$e" "$tf" "$TRASH/other-$1" $ITEM 1.3.0 &&
    echo "$tf"
}

# The attacks below break one item's bundles, which fails that item alone
# (PROTOCOL §8): attack_expect_item demands $ITEM untouched, $ITEM2 and the
# new metadata committed, and then that the publisher's next metadata, with
# the refused version withdrawn and an honest one added, syncs.

# In layout 1 the follower holds 1.1.0, which the targets still list, and
# tries the delta after it. In layout 2 it holds no version the role lists
# and tries the newest delta only when it holds the signed previous_commit
# (PROTOCOL §4.1), so there the delta's custom says it follows 1.1.0, the
# version the follower holds; without that it would not download the delta
# at all and fail for want of a full bundle.
test_expect_success 'a validly signed delta bundle whose prerequisite the follower lacks is refused' '
    tf=$(prereq_tree prereq) && e="$TRASH/evil-prereq" &&
    forge del "$tf" signed targets items/$ITEM/1.3.0/full.bundle &&
    held=$(git -C "$BASE/repos/$PUBID/$ITEM.git" rev-parse "v1.1.0^{commit}") &&
    case "$(role_of "$e" items/$ITEM/)" in
    items.*)
        for t in manifest.json delta.bundle; do
            forge set "$tf" "\"1.1.0\"" signed targets items/$ITEM/1.3.0/$t custom previous &&
            forge set "$tf" "\"$held\"" signed targets items/$ITEM/1.3.0/$t custom previous_commit ||
                exit 1
        done
        ;;
    esac &&
    commit_targets "$e" "$tf" &&
    r=$(recovery_tree prereq "$e" $ITEM 1.3.0 "$TRASH/tree3" 1.2.0) &&
    attack_expect_item prereq $ITEM $ITEM2@1.0.0 "prerequisite|missing" "$e" "$r"
'

test_expect_success 'a "full" bundle that is the delta (prerequisite missing) is refused' '
    tf=$(prereq_tree prereq-full) && e="$TRASH/evil-prereq-full" &&
    delta=$(target_file "$TRASH/other-prereq-full" items/$ITEM/1.3.0/delta.bundle) &&
    forge target "$tf" items/$ITEM/1.3.0/full.bundle "$delta" &&
    place_target "$e" items/$ITEM/1.3.0/full.bundle "$delta" &&
    commit_targets "$e" "$tf" &&
    r=$(recovery_tree prereq-full "$e" $ITEM 1.3.0 "$TRASH/tree3" 1.2.0) &&
    attack_expect_item prereq-full $ITEM $ITEM2@1.0.0 "prerequisite|missing" "$e" "$r"
'

test_expect_success 'a bundle validly listed whose tag is signed by a key the root does not know' '
    e=$(evil_tree wrongtag) &&
    stranger_version wrongtag "$e" "$TRASH/publisher-at-2" "$TRASH/src-at-2" 1.2.0 1.1.0 &&
    r=$(recovery_tree wrongtag "$e" $ITEM 1.2.0 "$(tree4)" 1.3.0) &&
    attack_expect_item wrongtag $ITEM $ITEM2@1.0.0 "signature|signed|key" "$e" "$r"
'

test_expect_success 'a tag whose commit is not the custom.commit of the signed metadata' '
    e=$(evil_tree tagcommit) &&
    other=$(git -C "$P/repos/$PUBID/$ITEM.git" rev-parse "v1.1.0^{commit}") &&
    tf=$(next_targets "$e" $ITEM) &&
    for t in manifest.json full.bundle delta.bundle; do
        forge set "$tf" "\"$other\"" signed targets items/$ITEM/1.2.0/$t custom commit || exit 1
    done &&
    commit_targets "$e" "$tf" &&
    r=$(recovery_tree tagcommit "$e" $ITEM 1.2.0 "$(tree4)" 1.3.0) &&
    attack_expect_item tagcommit $ITEM $ITEM2@1.0.0 "commit" "$e" "$r"
'

test_expect_success 'a tag object that is not the custom.tag of the signed metadata' '
    e=$(evil_tree tagobject) &&
    other=$(git -C "$P/repos/$PUBID/$ITEM.git" rev-parse v1.1.0) &&
    tf=$(next_targets "$e" $ITEM) &&
    for t in manifest.json full.bundle delta.bundle; do
        forge set "$tf" "\"$other\"" signed targets items/$ITEM/1.2.0/$t custom tag || exit 1
    done &&
    commit_targets "$e" "$tf" &&
    r=$(recovery_tree tagobject "$e" $ITEM 1.2.0 "$(tree4)" 1.3.0) &&
    attack_expect_item tagobject $ITEM $ITEM2@1.0.0 "tag" "$e" "$r"
'

# --- beyond the list of the issue: a malicious publisher rewriting what it
# --- published, and custom fields that do not match their target path.

# The rewriting publisher went on from tree1 on its own. Its metadata that
# signs $ITEM must be of a newer version than the one the follower trusts,
# or the follower keeps its own copy without reading the server's (TUF
# §5.6: the snapshot names the same version): in layout 1 the new item's
# publish raised targets.json above tree2's, in layout 2 it did not touch
# items.$ITEM, which is as old as tree2's. So the attacker re-signs the
# metadata of $ITEM once more, which in layout 1 changes nothing.
test_expect_success 'a version the follower holds, re-signed with another commit and tag, is refused' '
    S="$TRASH/pub-rewrite" && W="$TRASH/src-rewrite" && rm -rf "$S" "$W" &&
    cp -a "$TRASH/publisher-at-1" "$S" && cp -a "$TRASH/src-at-1" "$W" &&
    echo "a rewritten second survey" >>"$W/README.md" &&
    git -C "$W" add . && git -C "$W" commit -qm "rewritten second survey" &&
    "$CITYNODE" --home "$S" publish "$W" --version 1.1.0 >/dev/null &&
    "$CITYNODE" --home "$S" publish "$TRASH/zf" >/dev/null &&
    "$CITYNODE" --home "$S" export "$TRASH/evil-rewrite" >/dev/null &&
    e="$TRASH/evil-rewrite" &&
    tf=$(next_targets "$e" $ITEM) &&
    commit_targets "$e" "$tf" &&
    test "$(ts_version "$e")" -gt "$(ts_version "$TRASH/tree2")" &&
    test "$(role_version "$e" "$(role_of "$e" items/$ITEM/1.1.0/)")" -gt \
        "$(role_version "$TRASH/tree2" "$(role_of "$e" items/$ITEM/1.1.0/)")" &&
    attack_expect rewrite 3 "1\.1\.0|tag|commit" "$e"
'

test_expect_success 'a custom.item that is not an item id (../) is refused' '
    e=$(evil_tree custom-item) &&
    tf=$(next_targets "$e" $ITEM2) &&
    for t in manifest.json full.bundle; do
        forge set "$tf" "\"../../../../pwned\"" signed targets items/$ITEM2/1.0.0/$t custom item || exit 1
    done &&
    commit_targets "$e" "$tf" &&
    attack_expect custom-item 3 "item" "$e"
'

test_expect_success 'a target whose custom names another item than its path is refused' '
    e=$(evil_tree custom-other) &&
    tf=$(next_targets "$e" $ITEM2) &&
    for t in manifest.json full.bundle; do
        forge set "$tf" "\"$ITEM\"" signed targets items/$ITEM2/1.0.0/$t custom item &&
        forge set "$tf" "\"1.3.0\"" signed targets items/$ITEM2/1.0.0/$t custom version || exit 1
    done &&
    commit_targets "$e" "$tf" &&
    attack_expect custom-other 3 "item|path|version" "$e"
'

attack_summary
test_done
