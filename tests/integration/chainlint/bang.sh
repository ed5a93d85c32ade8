#!/bin/bash
# `! cmd` is never caught by set -e.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'a negation in the middle' '
    ! grep -q secret body   # expect: bang-not-last
    true
'

test_expect_success 'a negation as the last command, or chained, is fine' '
    ! grep -q secret body &&
    true &&
    ! grep -q key body
'

test_expect_success 'a negated pipe passes when the product fails' '
    ! "$CITYNODE" peer list | grep -q eindhoven   # expect: bang-pipe
'

test_done
