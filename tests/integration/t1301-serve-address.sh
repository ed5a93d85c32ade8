#!/bin/bash
# No silently wrong address (issue 15, point 4): init without --url says
# that its URL reaches this machine only and how to set it; a node whose url: is a
# loopback address (http://127.0.0.1:8470 when init had no --url) and that
# serves on loopback at another port warns at start, naming both and how to
# set the URL; serving beyond loopback with a loopback url: is refused
# before anything listens (exit 2). A matching or non-loopback url: says
# nothing (docs/CONFIG.md "url"). The wording is in tests/data/names/.
. "$(dirname "$0")/lib.sh"

H="$TRASH/home"
P=$(test_free_port)

# want FILE: tests/data/names/FILE with this story's port and home.
want() {
    sed "s|@PORT@|$P|g; s|@HOME@|$H|g" "$CN_SOURCE_DIR/tests/data/names/$1"
}

# serve_public: serve $H on every address (0.0.0.0); log $TRASH/public.log.
serve_public() {
    "$CITYNODE" --home "$H" serve --listen "0.0.0.0:$P" >"$TRASH/public.log" 2>&1 &
    echo $! >"$TRASH/public.pid"
    test_wait_http "$P" /tuf/timestamp.json
}

test_expect_success 'init without --url says so; on loopback at another port serve warns and serves' '
    cn "$H" init --name "Stadt Beispiel" >/dev/null 2>init.err &&
    want init-default-url.err >expect &&
    cmp expect init.err &&
    cn "$TRASH/with-url" init --name "Stadt Beispiel" --url "https://citynode.example.de" \
        >/dev/null 2>init2.err &&
    test_must_fail grep -q "^note:" init2.err &&
    test_serve "$H" "$P" node &&
    curl -fsS "http://127.0.0.1:$P/tuf/timestamp.json" >/dev/null &&
    test_stop_server node &&
    grep "tells peers" "$TRASH/node.log" >got &&
    want serve-loopback-port.err >expect &&
    cmp expect got
'

test_expect_success 'serving beyond loopback with a loopback url is refused before it listens' '
    test_expect_code 2 cn "$H" serve --listen "0.0.0.0:$P" >out 2>err &&
    test ! -s out &&
    want serve-public-loopback-url.err >expect &&
    cmp expect err &&
    test_expect_code 2 cn "$H" serve --listen "[::]:$P" 2>err6 &&
    grep -q "listens on \[::\]:$P, reachable from other machines" err6 &&
    test_must_fail curl -fsS "http://127.0.0.1:$P/tuf/timestamp.json"
'

test_expect_success 'a url at the listening port, as localhost too, says nothing' '
    sed -i "s|^url: .*|url: \"http://127.0.0.1:$P\"|" "$H/config.yml" &&
    test_serve "$H" "$P" same &&
    test_stop_server same &&
    test_must_fail grep -q "tells peers" "$TRASH/same.log" &&
    sed -i "s|^url: .*|url: \"http://localhost:$P/\"|" "$H/config.yml" &&
    test_serve "$H" "$P" localhost &&
    test_stop_server localhost &&
    test_must_fail grep -q "tells peers" "$TRASH/localhost.log"
'

test_expect_success 'a port in use, a host name: what to do instead' '
    test_serve "$H" "$P" first &&
    test_expect_code 1 cn "$H" serve --listen "127.0.0.1:$P" >out 2>err &&
    test_stop_server first &&
    test ! -s out &&
    grep "^citynode:" err >got &&
    want serve-in-use.err >expect &&
    cmp expect got &&
    test_expect_code 2 cn "$H" serve --listen "nohost:$P" 2>err &&
    want serve-not-numeric.err >expect &&
    cmp expect err
'

test_expect_success 'a url others reach: serving on every address starts, without that warning' '
    sed -i "s|^url: .*|url: \"https://citynode.example.de\"|" "$H/config.yml" &&
    serve_public &&
    test_stop_server public &&
    grep -q "^serving node" "$TRASH/public.log" &&
    test_must_fail grep -q "tells peers" "$TRASH/public.log"
'

test_done
