#!/bin/bash
# The attack suite, part 5: slow retrieval of metadata. A server that drips
# timestamp.json at 1 byte/s, and one that accepts the connection and never
# answers: the follower gives up at its minimum rate (exit 1; after 2 s, by
# config.yml sync_low_speed_time), keeps its trusted state, and syncs the
# honest tree3 afterwards (tests/attack/lib-attack.sh: attack_expect).
. "$(dirname "$0")/lib.sh"
. "$CN_SOURCE_DIR/tests/attack/lib-attack.sh"

test_expect_success 'stage: a publisher with three trees and a follower trusting tree2' '
    attack_setup &&
    echo "sync_low_speed_time: 2" >>"$BASE/config.yml"
'
PUBID=$(cat "$TRASH/pubid")

test_expect_success 'slow retrieval: timestamp.json dripping at 1 byte/s is abandoned (exit 1)' '
    start=$(date +%s) &&
    attack_expect slow-timestamp 1 "slow|speed|rate|timed? ?out" "$TRASH/tree3" \
        "[{\"path\":\"/tuf/timestamp.json\",\"mode\":\"drip\",\"interval\":1}]" &&
    test $(($(date +%s) - start)) -lt 60
'

test_expect_success 'a server that never answers is abandoned (exit 1)' '
    start=$(date +%s) &&
    attack_expect stall 1 "slow|speed|rate|timed? ?out" "$TRASH/tree3" \
        "[{\"path\":\"/tuf/timestamp.json\",\"mode\":\"stall\",\"seconds\":120}]" &&
    test $(($(date +%s) - start)) -lt 60
'

attack_summary
test_done
