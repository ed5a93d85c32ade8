#!/bin/bash
# serve answers gzip'ed when the client takes it (issue: compressed answers):
# the page and its assets, API documents, feeds, the DCAT and ADMS catalogs,
# an item's page with its JSON-LD. With Accept-Encoding: gzip the body is
# gzip whose content is byte for byte the plain answer, under an ETag of its
# own that revalidates to 304; without it nothing is encoded; both say Vary:
# Accept-Encoding. A body too small to gain is sent as it is.
# Sample node: Leipzig with the example solution Connected Urban Twins.
. "$(dirname "$0")/lib.sh"

H="$TRASH/leipzig"
P=$(test_free_port)
BASE="http://127.0.0.1:$P"
test_at_exit test_stop_servers

# fetch NAME PATH [HEADER]: body in NAME.body (as sent), headers in NAME.h.
fetch() {
    curl -fsS -D "$1.h" -o "$1.body" ${3:+-H "$3"} "$BASE$2"
}
header() { # FILE NAME: the value of header NAME in FILE, without CR
    sed -n "s/^$2: *//Ip" "$1" | tr -d '\r'
}

test_expect_success 'setup: Leipzig publishes a solution and serves' '
    "$CITYNODE" --home "$H" init --name "Stadt Leipzig (sample)" --country DE --url "$BASE" \
        >id &&
    cp -r "$CN_SOURCE_DIR/examples/solutions/connected-urban-twins" cut &&
    (cd cut && git init -q && git add . && git commit -qm sample) &&
    "$CITYNODE" --home "$H" publish cut >/dev/null &&
    test_serve "$H" "$P" leipzig
'

# same_inside PATH: PATH plain and gzip'ed, the same bytes inside.
same_inside() {
    fetch plain "$1" &&
    fetch zipped "$1" "Accept-Encoding: gzip" &&
    test -z "$(header plain.h Content-Encoding)" &&
    test "$(header zipped.h Content-Encoding)" = gzip &&
    test "$(header plain.h Vary)" = Accept-Encoding &&
    test "$(header zipped.h Vary)" = Accept-Encoding &&
    gzip -dc zipped.body >unzipped &&
    cmp plain.body unzipped &&
    test "$(wc -c <zipped.body)" -lt "$(wc -c <plain.body)"
}

test_expect_success 'each answer gzip'"'"'ed only when asked, the same bytes inside' '
    item="$(cat id)/connected-urban-twins" &&
    for path in / /assets/app.js /assets/style.css "/api/v1/search?q=twins" \
        "/api/v1/items/$item" /api/v1/items.atom /dcat/catalog.jsonld /adms/catalog.ttl \
        "/?item=$item"; do
        same_inside "$path" || exit 1
    done
'

test_expect_success 'the gzip'"'"'ed representation has its own ETag, revalidated to 304' '
    for path in /assets/app.js /api/v1/items.atom; do
        fetch plain "$path" && fetch zipped "$path" "Accept-Encoding: gzip" &&
        etag=$(header zipped.h ETag) &&
        test "$etag" != "$(header plain.h ETag)" &&
        case "$etag" in *-gzip\") ;; *) echo "ETag $etag" && exit 1 ;; esac &&
        code=$(curl -sS -o /dev/null -w "%{http_code}" -H "Accept-Encoding: gzip" \
            -H "If-None-Match: $etag" "$BASE$path") &&
        test "$code" = 304 &&
        code=$(curl -sS -o /dev/null -w "%{http_code}" -H "If-None-Match: $etag" "$BASE$path") &&
        test "$code" = 200 || exit 1
    done
'

test_expect_success 'a small answer goes as it is' '
    curl -sS -D small.h -o small.body -H "Accept-Encoding: gzip" "$BASE/api/v1/items/00000000/none" &&
    test "$(wc -c <small.body)" -lt 256 &&
    test -z "$(header small.h Content-Encoding)" &&
    grep -q "error" small.body
'

test_done
