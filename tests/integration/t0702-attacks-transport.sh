#!/bin/bash
# The attack suite, part 3: transport. A server that streams forever, lies
# about lengths, fails or is gone. Each is refused (exit 1 for transport,
# 3 where a cap or a check trips first) without changing anything the
# follower trusts, and the honest tree3 syncs afterwards
# (tests/attack/lib-attack.sh: attack_expect). Slow retrieval is in t0703.
. "$(dirname "$0")/lib.sh"
. "$CN_SOURCE_DIR/tests/attack/lib-attack.sh"

test_expect_success 'stage: a publisher with three trees and a follower trusting tree2' '
    attack_setup
'
PUBID=$(cat "$TRASH/pubid")
S3=$(snapshot_version "$TRASH/tree3" 2>/dev/null)
T3=$(targets_version "$TRASH/tree3" 2>/dev/null)

test_expect_success 'endless data for timestamp.json stops at its cap' '
    attack_expect endless-timestamp "1 3" "timestamp" "$TRASH/tree3" \
        "[{\"path\":\"/tuf/timestamp.json\",\"mode\":\"endless\"}]" &&
    grep -q "^GET /tuf/timestamp.json 200 endless" "$REQLOG"
'

test_expect_success 'endless data for the next root stops at its cap' '
    attack_expect endless-root "1 3" "root" "$TRASH/tree3" \
        "[{\"path\":\"/tuf/2.root.json\",\"mode\":\"endless\"}]"
'

test_expect_success 'endless data for the snapshot stops at its signed length' '
    attack_expect endless-snapshot "1 3" "snapshot" "$TRASH/tree3" \
        "[{\"path\":\"/tuf/$S3.snapshot.json\",\"mode\":\"endless\"}]"
'

test_expect_success 'endless data for the targets metadata stops at its signed length' '
    attack_expect endless-targets "1 3" "targets" "$TRASH/tree3" \
        "[{\"path\":\"/tuf/$T3.targets.json\",\"mode\":\"endless\"}]"
'

test_expect_success 'endless data for the new bundles stops at their signed length' '
    attack_expect endless-bundle "1 3" "bundle" "$TRASH/tree3" \
        "[{\"path\":\"/targets/items/.*\\\\.bundle\",\"mode\":\"endless\"}]" &&
    grep -q "bundle 200 endless" "$REQLOG"
'

test_expect_success 'a Content-Length longer than the body for timestamp.json' '
    attack_expect long-length "1 3" "timestamp" "$TRASH/tree3" \
        "[{\"path\":\"/tuf/timestamp.json\",\"mode\":\"lie-length\",\"delta\":100}]"
'

test_expect_success 'a Content-Length longer than the body for the new bundles' '
    attack_expect long-length-bundle "1 3" "bundle" "$TRASH/tree3" \
        "[{\"path\":\"/targets/items/.*\\\\.bundle\",\"mode\":\"lie-length\",\"delta\":4096}]"
'

test_expect_success 'a Content-Length shorter than the file for the new bundles' '
    attack_expect short-length-bundle "1 3" "bundle" "$TRASH/tree3" \
        "[{\"path\":\"/targets/items/.*\\\\.bundle\",\"mode\":\"lie-length\",\"delta\":-100}]"
'

test_expect_success 'a server answering 500 for timestamp.json is a transport failure' '
    attack_expect error-500 1 "500|timestamp" "$TRASH/tree3" \
        "[{\"path\":\"/tuf/timestamp.json\",\"mode\":\"status\",\"code\":500}]"
'

test_expect_success 'a server answering 500 for the new bundles is a transport failure' '
    attack_expect error-500-bundle 1 "500|bundle" "$TRASH/tree3" \
        "[{\"path\":\"/targets/items/.*\\\\.bundle\",\"mode\":\"status\",\"code\":500}]"
'

test_expect_success 'a peer that is gone (connection refused) is a transport failure' '
    stop_server &&
    F="$TRASH/f-gone" && cp -a "$BASE" "$F" &&
    trusted_state "$F" >"$TRASH/gone.before" &&
    run_sync "$F" gone &&
    test "$code" -eq 1 &&
    grep -Eiq "connect|refused|127.0.0.1" "$TRASH/gone.err" &&
    trusted_state "$F" >"$TRASH/gone.after" &&
    diff "$TRASH/gone.before" "$TRASH/gone.after" &&
    stage "$TRASH/tree3" && start_server &&
    run_sync "$F" gone-honest && test "$code" -eq 0 && honest_synced "$F"
'

attack_summary
test_done
