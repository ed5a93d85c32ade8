#!/bin/bash
# Constructs that are right: nothing to report.
. "$(dirname "$0")/../lib.sh"

for f in a b; do
    test_expect_success "story per file $f" '
        test_expect_code 1 false &&
        test_must_fail "$CITYNODE" verify
    '
done

start() {
    "$CITYNODE" serve >log 2>&1 &
    echo $! >pid
    wait_http "$1"
}

test_expect_success 'statement style under set -e' '
    mkdir src
    cd src
    git init -q
    cd ..
    x=$(cat id.out)
    test -n "$x"
    while read -r t; do
        curl -fsS "$t" >got && cmp got "$t" || exit 1
    done <targets
    case "$x" in
    a*) echo a ;;
    *) echo other ;;
    esac
    cat >conf <<-EOF
	key: value
	EOF
    if grep -q a conf; then
        echo yes
    fi
    "$CITYNODE" show >out 2>&1 &&
    grep -q 1.0.0 out
'

test_done
