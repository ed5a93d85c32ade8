#!/bin/bash
# The pages a German public body must link (docs/CONFIG.md): config.yml's
# imprint, privacy and accessibility are http(s) URLs, checked with an
# error that names the key and what to write; GET /api/v1 names them as
# "legal", and says whether the node serves publicly ("public": it listens
# on an address other than loopback); serving publicly, serve warns at
# start once for each page that is missing.
. "$(dirname "$0")/lib.sh"

H="$TRASH/home"
P=$(test_free_port)

# serve_public: serve $H on every address (0.0.0.0), so publicly; the
# story talks to it on 127.0.0.1 only. Log $TRASH/public.log.
serve_public() {
    "$CITYNODE" --home "$H" serve --listen "0.0.0.0:$P" >"$TRASH/public.log" 2>&1 &
    echo $! >"$TRASH/public.pid"
    test_wait_http "$P" /api/v1
}

test_expect_success 'a legal page that is not an http(s) URL is refused by its key' '
    cn "$H" init --name "Stadt Beispiel" --country DE --url https://citynode.example.de >/dev/null &&
    cp "$H/config.yml" config.orig &&
    for bad in "ftp://www.example.de/impressum" "www.example.de/impressum" \
        "https://" "https:///impressum" "\"https://www.example.de/a b\""; do
        cp config.orig "$H/config.yml" &&
        echo "imprint: $bad" >>"$H/config.yml" &&
        test_expect_code 2 cn "$H" search x 2>err &&
        grep -q "config.yml:[0-9]*: imprint: expected the http:// or https:// URL of the node.s Impressum" err &&
        grep -q "e.g. imprint: https://" err || exit 1
    done &&
    cp config.orig "$H/config.yml" &&
    echo "accessibility: javascript:alert(1)" >>"$H/config.yml" &&
    test_expect_code 2 cn "$H" search x 2>err &&
    grep -q "accessibility: expected the http:// or https:// URL of the node.s Erkl.rung zur Barrierefreiheit" err &&
    cp config.orig "$H/config.yml"
'

test_expect_success 'on loopback: /api/v1 names no pages, is not public, and serve warns of nothing' '
    test_serve "$H" "$P" local &&
    curl -fsS "http://127.0.0.1:$P/api/v1" >api.json &&
    /usr/bin/python3 - api.json <<-\PY &&
	import json, sys
	doc = json.load(open(sys.argv[1]))
	assert doc["legal"] == {"imprint": None, "privacy": None, "accessibility": None}, doc["legal"]
	assert doc["public"] is False, doc
	assert doc["node"]["name"] == "Stadt Beispiel", doc["node"]
	PY
    test_stop_server local &&
    test_must_fail grep -q "warning" "$TRASH/local.log"
'

test_expect_success 'serving publicly with one page configured: the two missing ones are warned of' '
    echo "imprint: https://www.example.de/impressum" >>"$H/config.yml" &&
    serve_public &&
    curl -fsS "http://127.0.0.1:$P/api/v1/" >api.json &&
    /usr/bin/python3 - api.json <<-\PY &&
	import json, sys
	doc = json.load(open(sys.argv[1]))
	assert doc["legal"] == {"imprint": "https://www.example.de/impressum", "privacy": None,
	                        "accessibility": None}, doc["legal"]
	assert doc["public"] is True, doc
	PY
    test_stop_server public &&
    grep "warning" "$TRASH/public.log" >warnings &&
    test "$(wc -l <warnings)" -eq 2 &&
    grep -q "^citynode serve: warning: no Datenschutzerkl.rung (privacy policy) configured (set privacy: https://… in $H/config.yml); German public bodies must link one$" warnings &&
    grep -q "^citynode serve: warning: no Erkl.rung zur Barrierefreiheit (accessibility statement) configured (set accessibility: https://… in $H/config.yml)" warnings &&
    test_must_fail grep -q "Impressum" warnings
'

test_expect_success 'all three configured: no warning, all three in /api/v1' '
    echo "privacy: https://www.example.de/datenschutz" >>"$H/config.yml" &&
    echo "accessibility: http://www.example.de/barrierefreiheit?lang=de" >>"$H/config.yml" &&
    serve_public &&
    curl -fsS "http://127.0.0.1:$P/api/v1" >api.json &&
    /usr/bin/python3 - api.json <<-\PY &&
	import json, sys
	doc = json.load(open(sys.argv[1]))
	assert doc["legal"] == {"imprint": "https://www.example.de/impressum",
	                        "privacy": "https://www.example.de/datenschutz",
	                        "accessibility": "http://www.example.de/barrierefreiheit?lang=de"}, doc
	assert doc["public"] is True, doc
	PY
    /usr/bin/python3 "$CN_SOURCE_DIR/tests/api/check_openapi.py" "$CN_SOURCE_DIR/docs/api.yaml" \
        /api/v1 200 api.json &&
    test_stop_server public &&
    test_must_fail grep -q "warning" "$TRASH/public.log"
'

test_done
