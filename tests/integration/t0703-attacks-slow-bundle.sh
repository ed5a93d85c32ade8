#!/bin/bash
# The attack suite, part 4: slow retrieval of a target. The server sends the
# new bundles at 1 byte/s; the follower gives up once the transfer stays
# below its minimum rate (exit 1), keeps its trusted state, and syncs the
# honest tree3 afterwards (tests/attack/lib-attack.sh: attack_expect). The
# follower gives up after 2 s below the rate (config.yml sync_low_speed_time)
# instead of the default 15 s. Apart from t0704 so that ctest runs the two
# waits side by side.
. "$(dirname "$0")/lib.sh"
. "$CN_SOURCE_DIR/tests/attack/lib-attack.sh"

test_expect_success 'stage: a publisher with three trees and a follower trusting tree2' '
    attack_setup &&
    echo "sync_low_speed_time: 2" >>"$BASE/config.yml"
'
PUBID=$(cat "$TRASH/pubid")

test_expect_success 'slow retrieval: bundles dripping at 1 byte/s are abandoned (exit 1)' '
    start=$(date +%s) &&
    attack_expect slow-bundle 1 "slow|speed|rate|timed? ?out" "$TRASH/tree3" \
        "[{\"path\":\"/targets/items/.*\\\\.bundle\",\"mode\":\"drip\",\"interval\":1}]" &&
    echo "# gave up and recovered in $(($(date +%s) - start)) s" &&
    test $(($(date +%s) - start)) -lt 60
'

attack_summary
test_done
