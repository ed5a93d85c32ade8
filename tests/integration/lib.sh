# lib.sh - a small test library in the style of git's t/test-lib.sh.
#
# Source it from a test script; each story is
#     test_expect_success 'what the behaviour is' '
#         commands...
#     '
# The commands run in a subshell with `set -e` inside the test's own scratch
# directory ($TRASH). Call test_done at the end: it prints "N passed, M failed"
# and exits non-zero if anything failed.

set -u

: "${CITYNODE:?CITYNODE must name the citynode binary}"
: "${CN_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"

TEST_NAME=$(basename "$0" .sh)
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/citynode-$TEST_NAME.XXXXXX")
test_passed=0
test_failed=0
test_cleanup_cmds=""

# Commands to run when the script exits (servers to stop, ...).
test_at_exit() {
    test_cleanup_cmds="$1; $test_cleanup_cmds"
}

test_exit_handler() {
    eval "$test_cleanup_cmds" >/dev/null 2>&1 || true
    if [ "${CN_KEEP_TRASH:-}" = "" ] && [ "$test_failed" -eq 0 ]; then
        rm -rf "$TRASH"
    else
        echo "# scratch directory kept: $TRASH"
    fi
}
trap test_exit_handler EXIT

test_expect_success() {
    desc=$1
    body=$2
    if (cd "$TRASH" && set -e && eval "$body") >"$TRASH/.out" 2>&1; then
        test_passed=$((test_passed + 1))
        echo "ok - $desc"
    else
        test_failed=$((test_failed + 1))
        echo "not ok - $desc"
        sed 's/^/#   /' "$TRASH/.out"
    fi
}

# test_expect_code CODE cmd...: run cmd, fail unless it exits with CODE.
test_expect_code() {
    want=$1
    shift
    set +e
    "$@"
    got=$?
    set -e
    if [ "$got" -ne "$want" ]; then
        echo "expected exit $want, got $got: $*" >&2
        return 1
    fi
}

# A free TCP port on 127.0.0.1.
test_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Wait until http://127.0.0.1:PORT/PATH answers (max ~10 s).
test_wait_http() {
    i=0
    while [ $i -lt 100 ]; do
        curl -fsS -o /dev/null "http://127.0.0.1:$1${2:-/}" 2>/dev/null && return 0
        sleep 0.1
        i=$((i + 1))
    done
    echo "server on port $1 did not come up" >&2
    return 1
}

# test_serve HOME PORT NAME: start `citynode serve` of HOME on 127.0.0.1:PORT
# in the background (log $TRASH/NAME.log, pid $TRASH/NAME.pid) and wait
# until it answers. test_stop_servers stops every process whose pid is in a
# $TRASH/*.pid file and waits until it is gone; it also runs at exit.
test_serve() {
    "$CITYNODE" --home "$1" serve --listen "127.0.0.1:$2" >"$TRASH/$3.log" 2>&1 &
    echo $! >"$TRASH/$3.pid"
    test_wait_http "$2" /tuf/timestamp.json
}
test_stop_servers() {
    for p in "$TRASH"/*.pid; do
        [ -e "$p" ] || continue
        pid=$(cat "$p")
        rm -f "$p"
        kill "$pid" 2>/dev/null || continue
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
            sleep 0.05
            i=$((i + 1))
        done
    done
    return 0
}
test_at_exit test_stop_servers

test_done() {
    echo "$test_passed passed, $test_failed failed"
    [ "$test_failed" -eq 0 ]
}
