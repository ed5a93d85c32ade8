#!/bin/bash
# A failure set -e does not see: && lists that are not last, and commands
# inside a tested place (&&-list, if condition) not joined to the next.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'a chain broken in the middle' '
    "$CITYNODE" init --name x &&
    "$CITYNODE" publish src   # expect: chain-not-last
    "$CITYNODE" verify
'

test_expect_success 'a subshell in a chain with a lost command' '
    (
        cd src   # expect: broken-chain
        git commit -qam change   # expect: broken-chain
        git tag v1
    ) &&
    true
'

test_expect_success 'a loop inside a chain whose body failure is lost' '
    for f in a b c; do
        test -f "$f"   # expect: broken-chain
    done &&
    true
'

test_expect_success 'the same loop, done right' '
    for f in a b c; do
        test -f "$f" || exit 1
    done &&
    true
'

test_expect_success 'a loop at statement level stops on failure anyway' '
    for f in a b c; do
        test -f "$f"
    done
    true
'

test_expect_success 'a chain as the last command of a loop body' '
    for f in a b c; do
        test -f "$f" &&
        cat "$f"   # expect: chain-not-last
    done
    true
'

helper() {
    cd "$1"   # expect: broken-chain
    git init -q   # expect: broken-chain
    git add .
}

test_done
