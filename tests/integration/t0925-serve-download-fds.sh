#!/bin/bash
# A download whose version path in the published tree is not a directory (a
# damaged tree, or a file dropped there by hand) is answered 404, and the
# server keeps no descriptor for it: fdopendir takes its descriptor only
# when it succeeds, so a failed one must be closed by the caller. Without
# that, every such request leaked one descriptor until serve hit its limit.
. "$(dirname "$0")/lib.sh"

N="$TRASH/sabadell"
P=$(test_free_port)

cn() { "$CITYNODE" --home "$N" "$@"; }
fd_count() { ls "/proc/$(cat "$TRASH/node.pid")/fd" >"$TRASH/fds" && wc -l <"$TRASH/fds"; }

test_expect_success 'a node (sample: Sabadell) serves its tree' '
    cn init --name "Sabadell (sample)" --country ES --url "http://127.0.0.1:$P" >id &&
    mkdir -p "$N/public/targets/items/ghost" &&
    echo "not a directory" >"$N/public/targets/items/ghost/9.9.9" &&
    test_serve "$N" "$P" node
'
ID=$(cat "$TRASH/id" 2>/dev/null)

test_expect_success 'a version path that is a file is 404 and leaks no descriptor' '
    url="http://127.0.0.1:$P/download/$ID/ghost/9.9.9/manifest.json" &&
    code=$(curl -sS -o /dev/null -w "%{http_code}" "$url") &&
    test "$code" = 404 &&
    before=$(fd_count) &&
    for i in $(seq 1 40); do
        curl -sS -o /dev/null "$url" || exit 1
    done &&
    after=$(fd_count) &&
    echo "descriptors before $before, after $after" &&
    test "$after" -lt $((before + 10))
'

test_done
