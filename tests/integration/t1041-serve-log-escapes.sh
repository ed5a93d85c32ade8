#!/bin/bash
# What serve writes to its log is text for a terminal too: a peer whose
# timestamp.json begins with an escape sequence makes the sync fail, and
# the failure's message quotes those bytes (the JSON parser names the token
# near the error). serve's log escapes them as every command's output does
# (core/term.h), so reading the log never runs a peer's escape sequence.
. "$(dirname "$0")/lib.sh"

L="$TRASH/eindhoven"
F="$TRASH/leipzig"
PL=$(test_free_port)
PF=$(test_free_port)

test_expect_success 'a follower (sample: Leipzig) follows a static peer (sample: Eindhoven)' '
    cn "$L" init --name "Eindhoven (sample)" --country NL --url "http://127.0.0.1:$PL" >/dev/null &&
    (cd "$L/public" && exec python3 -m http.server --bind 127.0.0.1 "$PL" \
        >"$TRASH/static.log" 2>&1) &
    echo $! >"$TRASH/static.pid" &&
    test_wait_http "$PL" /tuf/1.root.json &&
    cn "$F" init --name "Leipzig (sample)" --country DE >/dev/null &&
    cn "$F" peer add "http://127.0.0.1:$PL" >/dev/null 2>&1 &&
    cn "$F" sync >/dev/null
'

test_expect_success 'serve logs a hostile timestamp.json failure with the escape escaped' '
    printf "\033]0;pwned\007{" >"$L/public/tuf/timestamp.json" &&
    # python serves Last-Modified to the second: a newer time, so that the
    # follower does not take it for the timestamp it already has (304).
    touch -d "now + 1 minute" "$L/public/tuf/timestamp.json" &&
    echo "sync_interval: 1" >>"$F/config.yml" &&
    test_serve "$F" "$PF" follower &&
    i=0 &&
    while ! grep -q "failed:" "$TRASH/follower.log" && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done &&
    test_stop_server follower &&
    grep -q "failed: .*timestamp.json" "$TRASH/follower.log" &&
    grep -qF "near '\''\\x1b'\''" "$TRASH/follower.log" &&
    test_must_fail grep -q "$(printf "\033")" "$TRASH/follower.log"
'

test_done
