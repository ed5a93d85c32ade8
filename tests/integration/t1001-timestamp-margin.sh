#!/bin/bash
# t1001-timestamp-margin.sh - config.yml's timestamp_margin must leave the
# timestamp (which lives a day) at least an hour between re-signings: a
# margin near or above a day would make serve re-sign it on every check,
# forever. Such a margin is refused with the key, the line and the bound.
. "$(dirname "$0")/lib.sh"

H="$TRASH/home"
PORT=$(test_free_port)
cn() { "$CITYNODE" --home "$H" "$@"; }
set_margin() { sed -i "s/^timestamp_margin: .*/timestamp_margin: $1/" "$H/config.yml"; }

test_expect_success 'a margin of a day or more is refused: exit 2 naming the key and the bound' '
    cn init --name "Stavanger kommune (sample)" >/dev/null &&
    for m in 86400 172800 82801; do
        set_margin $m &&
        test_expect_code 2 timeout 20 "$CITYNODE" --home "$H" serve \
            --listen "127.0.0.1:$PORT" 2>err &&
        cat err &&
        grep -q "config.yml:[0-9]*: timestamp_margin: must be seconds (60..82800)" err || exit 1
    done
'

test_expect_success 'the largest margin allowed, 82800, is served' '
    set_margin 82800 &&
    test_serve "$H" "$PORT" node &&
    cn verify --all &&
    test_stop_server node
'

test_done
