#!/bin/bash
# Failures swallowed on purpose or by a pipe.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'or-true hides the assertion' '
    grep -q ready server.log || true   # expect: or-true
    "$CITYNODE" verify --all || echo "verify failed"   # expect: or-true
'

test_expect_success 'the product feeding a pipe' '
    "$CITYNODE" show self/x | grep -q 1.0.0 &&   # expect: pipe-lost
    cat show.out | grep -q 1.0.0 &&
    git -C repo log --oneline | wc -l >n   # expect: pipe-lost
'

test_expect_success 'a marked pipe with a reason is accepted' '
    yes | head -n 3 >three   # chainlint: ok (yes dies of SIGPIPE by design)
'

test_expect_success 'a marked pipe without a reason is not' '
    yes | head -n 3 >three   # expect: pipe-lost # chainlint: ok
'

test_expect_success 'the exit status read by hand' '
    "$CITYNODE" verify
    echo $?   # expect: exit-status
'

test_expect_success 'set +e turns the harness off' '
    set +e   # expect: set-plus-e
    false
'

test_expect_success 'local hides the status' '
    f() {
        local id=$(cat id.out)   # expect: masked-status
        echo "$id"
    }
    f
'

wait_for() {
    "$@" &
    pid=$!
    wait $pid
    rc=$?
    echo "$rc"
}

test_done
