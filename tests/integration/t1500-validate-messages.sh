#!/bin/bash
# t1500-validate-messages.sh - what `citynode validate` says about a faulty
# publiccode.yml, word for word. Each case is tests/data/messages/NAME.yml
# with NAME.expected beside it: the first line is "exit N", the status
# validate must end with; the lines after it are exactly what it must print
# on stderr (run in that directory, as `citynode validate NAME.yml`). A case
# without its .expected fails, so a new case cannot go unchecked.
. "$(dirname "$0")/lib.sh"

DATA="$CN_SOURCE_DIR/tests/data/messages"

# check_case NAME: validate NAME.yml and compare with NAME.expected.
check_case() {
    status=0
    (cd "$DATA" && "$CITYNODE" validate "$1.yml") >"$TRASH/$1.out" 2>"$TRASH/$1.err" || status=$?
    { echo "exit $status" && cat "$TRASH/$1.err"; } >"$TRASH/$1.got" &&
        diff -u "$DATA/$1.expected" "$TRASH/$1.got"
}

test_expect_success 'the messages cases are there' '
    ls "$DATA"/*.yml >cases &&
    test "$(wc -l <cases)" -ge 20
'

for yml in "$DATA"/*.yml; do
    name=$(basename "$yml" .yml)
    test_expect_success "validate $name.yml: stderr and exit status as in $name.expected" '
        check_case "$name"
    '
done

test_expect_success 'a valid case prints its verdict on stdout, nothing on stderr' '
    (cd "$DATA" && "$CITYNODE" validate valid.yml) >out 2>err &&
    grep -q "valid.yml: valid solution smart-lighting-west@2.1.0" out &&
    test ! -s err
'

test_done
