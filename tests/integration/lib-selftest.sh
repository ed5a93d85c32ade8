#!/bin/bash
# lib-selftest.sh - the harness must be able to fail.
#
# Runs tiny story scripts against lib.sh and checks what each reports: a
# story whose middle command fails is "not ok", test_expect_code and
# test_must_fail fail a story on the wrong status, test_expect_failure
# reports known breakages without failing the script, and a script that
# never reaches test_done, or runs no story, fails. Registered as the ctest
# test integration/lib-selftest.

set -u

LIB="$(cd "$(dirname "$0")" && pwd)/lib.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/citynode-lib-selftest.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0

# case NAME WANT_STATUS WANT_REGEX... < SCRIPT: run SCRIPT (lib.sh sourced
# first) and demand its exit status (0 or "nonzero") and that its output
# matches every WANT_REGEX (a regex starting with "!" must not match).
case_() {
    local name=$1 want=$2 got=0 re bad=
    shift 2
    { echo ". \"$LIB\""; cat; } >"$WORK/$name.sh"
    CITYNODE=/bin/false TMPDIR="$WORK" bash "$WORK/$name.sh" >"$WORK/$name.out" 2>&1 ||
        got=$?
    if [ "$want" = nonzero ] && [ "$got" -eq 0 ]; then
        bad="exit 0, wanted non-zero"
    elif [ "$want" != nonzero ] && [ "$got" -ne "$want" ]; then
        bad="exit $got, wanted $want"
    fi
    for re in "$@"; do
        case $re in
        !*) grep -Eq -- "${re#!}" "$WORK/$name.out" && bad="$bad; output matches '${re#!}'" ;;
        *) grep -Eq -- "$re" "$WORK/$name.out" || bad="$bad; output lacks '$re'" ;;
        esac
    done
    if [ -z "$bad" ]; then
        passed=$((passed + 1))
        echo "ok - $name"
    else
        failed=$((failed + 1))
        echo "not ok - $name: ${bad#; }"
        sed 's/^/#   /' "$WORK/$name.out"
    fi
}

case_ passing-story 0 '^ok - fine$' '^1 passed, 0 failed$' <<'EOF'
test_expect_success 'fine' '
    true &&
    test 1 = 1
'
test_done
EOF

case_ middle-command-fails nonzero '^not ok - middle$' '!^reached' <<'EOF'
test_expect_success 'middle' '
    true
    false
    echo reached
'
test_done
EOF

case_ middle-function-fails nonzero '^not ok - helper$' '!^reached' <<'EOF'
helper() {
    false
    echo reached
}
test_expect_success 'helper' '
    helper
    true
'
test_done
EOF

case_ middle-subshell-fails nonzero '^not ok - subshell$' '!^reached' <<'EOF'
test_expect_success 'subshell' '
    (cd . && false)
    echo reached
'
test_done
EOF

case_ loop-iteration-fails nonzero '^not ok - loop$' '!^reached' <<'EOF'
test_expect_success 'loop' '
    for i in 1 2 3; do
        test $i != 2
    done
    echo reached
'
test_done
EOF

case_ script-set-e-still-reports nonzero '^not ok - first$' '^ok - second$' \
    '^1 passed, 1 failed$' <<'EOF'
set -e
test_expect_success 'first' '
    false
'
test_expect_success 'second' '
    true
'
test_done
EOF

case_ expect-code-right 0 '^ok - code$' <<'EOF'
test_expect_success 'code' '
    test_expect_code 3 sh -c "exit 3"
    true
'
test_done
EOF

case_ expect-code-wrong nonzero '^not ok - code$' 'expected exit 3, got 4' '!^reached' <<'EOF'
test_expect_success 'code' '
    test_expect_code 3 sh -c "exit 4"
    echo reached
'
test_done
EOF

case_ expect-code-success-is-wrong nonzero '^not ok - code$' 'expected exit 1, got 0' <<'EOF'
test_expect_success 'code' '
    test_expect_code 1 true &&
    true
'
test_done
EOF

case_ must-fail-refusal 0 '^ok - refused$' <<'EOF'
test_expect_success 'refused' '
    test_must_fail sh -c "exit 2"
    test_must_fail false
'
test_done
EOF

case_ must-fail-success nonzero '^not ok - succeeded$' 'command succeeded' '!^reached' <<'EOF'
test_expect_success 'succeeded' '
    test_must_fail true
    echo reached
'
test_done
EOF

case_ must-fail-signal nonzero '^not ok - crashed$' 'died of signal 9' <<'EOF'
test_expect_success 'crashed' '
    test_must_fail sh -c "kill -9 \$\$"
'
test_done
EOF

case_ must-fail-not-found nonzero '^not ok - missing$' 'could not run' <<'EOF'
test_expect_success 'missing' '
    test_must_fail /nonexistent/citynode
'
test_done
EOF

case_ known-breakage 0 '^not ok - broken # TODO known breakage$' '^ok - fine$' \
    '^1 passed, 0 failed$' <<'EOF'
test_expect_failure 'broken' '
    false
'
test_expect_success 'fine' '
    true
'
test_done
EOF

case_ known-breakage-vanished 0 '^ok - fixed # TODO known breakage vanished$' <<'EOF'
test_expect_failure 'fixed' '
    true
'
test_done
EOF

case_ no-test-done nonzero '^ok - fine$' '^not ok - script exited before test_done' <<'EOF'
test_expect_success 'fine' '
    true
'
EOF

case_ exit-before-test-done nonzero '^not ok - script exited before test_done' <<'EOF'
test_expect_success 'fine' '
    true
'
exit 0
test_done
EOF

case_ unbound-variable nonzero '^not ok - script exited before test_done' <<'EOF'
echo "$NO_SUCH_VARIABLE"
test_expect_success 'fine' '
    true
'
test_done
EOF

case_ no-story nonzero '^not ok - no story ran$' <<'EOF'
test_done
EOF

case_ story-with-a-stray-quote nonzero '^not ok - test_expect_success wants 2 arguments' <<'EOF'
test_expect_success 'quote' '
    grep -q 'two words' /dev/null
'
test_done
EOF

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
