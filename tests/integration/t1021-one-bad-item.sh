#!/bin/bash
# t1021-one-bad-item.sh - one bad item never stops a peer's other items
# (issue 10, PROTOCOL §8). A publisher with two items; a hostile stage
# serves its next metadata with one item's new version carrying a tag signed
# by a key the publisher never authorized, the other item's new version
# honest. The follower's sync exits 3 naming the bad item and its check,
# commits the honest item (repository, `show`) with the new metadata, and
# keeps the bad item's repository as it was. `verify --all` passes (a
# refused version is not held, as an `index` peer's versions are not),
# `show` says the refused version's bundles are not stored, and `replicate`
# of it fails naming the check (exit 3) while its held versions replicate.
# The publisher's next honest version of the bad item then syncs.
. "$(dirname "$0")/lib.sh"
. "$CN_SOURCE_DIR/tests/attack/lib-attack.sh"

test_expect_success 'stage: a publisher with three trees and a follower trusting tree2' '
    attack_setup
'
PUBID=$(cat "$TRASH/pubid")
NODE=${PUBID:0:12}

test_expect_success 'the hostile stage: tree3 plus a $ITEM@1.2.1 whose tag a stranger signed' '
    e=$(evil_tree badtag) &&
    stranger_version badtag "$e" "$P" "$SRC" 1.2.1 1.2.0
'

test_expect_success 'the sync exits 3 naming the bad item; the other item and the metadata are committed' '
    cp -a "$BASE" f &&
    item_state f $ITEM >item.before &&
    stage "$TRASH/evil-badtag" &&
    test_expect_code 3 "$CITYNODE" --home f sync >out 2>err &&
    cat err &&
    test "$(wc -l <err)" -eq 1 &&
    grep -q "item $ITEM failed: .*v1.2.1 is signed by a key no root of the publisher authorizes" err &&
    ! grep -q "item $ITEM2 failed" err &&
    grep -q "new $ITEM2@1.0.0" out &&
    item_state f $ITEM >item.after &&
    diff item.before item.after &&
    find f/tmp -name "$ITEM.git*" >left &&
    test ! -s left &&
    cmp f/mirrors/$PUBID/tuf/timestamp.json "$TRASH/evil-badtag/tuf/timestamp.json" &&
    test "$(git -C f/repos/$PUBID/$ITEM2.git rev-parse refs/tags/v1.0.0)" = \
        "$(git -C "$P/repos/$PUBID/$ITEM2.git" rev-parse refs/tags/v1.0.0)" &&
    "$CITYNODE" --home f show "$NODE/$ITEM2" >show2 &&
    grep -q "1\.0\.0" show2 &&
    "$CITYNODE" --home f peer list >peers &&
    grep -q "$ITEM" peers
'

test_expect_success 'verify --all passes; show and replicate tell the refused version' '
    "$CITYNODE" --home f verify --all >/dev/null &&
    "$CITYNODE" --home f show "$NODE/$ITEM" --json >show.json &&
    python3 - show.json <<-EOF &&
	import json, sys
	doc = json.load(open(sys.argv[1]))
	v = {x["version"]: x for x in doc["versions"]}
	assert v["1.2.1"]["stored"] is False, v["1.2.1"]
	assert v["1.1.0"]["stored"] is True, v["1.1.0"]
	EOF
    test_expect_code 3 "$CITYNODE" --home f replicate "$NODE/$ITEM@1.2.1" copy 2>rerr &&
    cat rerr &&
    grep -q "$ITEM@1.2.1.*signed by a key no root" rerr &&
    test ! -e copy &&
    "$CITYNODE" --home f replicate "$NODE/$ITEM@1.1.0" copy >/dev/null &&
    test -f copy/README.md
'

test_expect_success 'the publisher'"'"'s next honest version of the bad item syncs' '
    r=$(recovery_tree next "$TRASH/evil-badtag" $ITEM 1.2.1 "$(tree4)" 1.3.0) &&
    stage "$r" &&
    "$CITYNODE" --home f sync >out 2>err &&
    grep -q "new $ITEM@1.3.0" out &&
    holds_tree f "$r" &&
    test "$(git -C f/repos/$PUBID/$ITEM.git rev-parse refs/tags/v1.3.0)" = \
        "$(git -C "$TRASH/publisher-4/repos/$PUBID/$ITEM.git" rev-parse refs/tags/v1.3.0)"
'

test_done
