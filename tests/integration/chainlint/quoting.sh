#!/bin/bash
# A quote inside a single-quoted body splits it.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'a body with a stray quote' '   # expect: story-quoting
    grep -q 'two words' file
'

test_expect_success 'a body with a syntax error' '   # expect: story-syntax
    if true; then echo; fi fi
'

if true; then
    test_expect_success 'a story whose status is tested' '   # expect: story-context
        true
    ' || exit 1
fi

test_done
