#!/bin/bash
# The registry's Atom feeds (docs/api.yaml, "Feeds") with real nodes on
# 127.0.0.1: a city (sample: Eindhoven) publishes three versions of a
# solution whose title holds markup, an ampersand and control characters,
# and a strategy; a follower (sample: Leipzig) syncs it. Each feed (one
# item's versions, a node's versions and withdrawals, the registry's items,
# a search) is well-formed XML for xmllint and an Atom feed for Python's
# feedparser, with one entry per version and entry ids that are the same
# on both nodes; a withdrawal updates its version's entry; conditional GETs
# answer 304 until something changes; the page links the feeds.
. "$(dirname "$0")/lib.sh"

L="$TRASH/eindhoven"
F="$TRASH/leipzig"
PL=$(test_free_port)
PF=$(test_free_port)

# GET PORT PATH OUTFILE [CURL ARGS...]: prints the HTTP status; headers in OUTFILE.h
get() {
    port=$1 path=$2 out=$3
    shift 3
    curl -sS -D "$out.h" -o "$out" -w "%{http_code}" "$@" "http://127.0.0.1:$port$path"
}
# header FILE NAME: the value of a response header saved by get
header() { sed -n "s/^$2: \(.*\)\r$/\1/Ip" "$1.h"; }
# atom FILE...: each file is well-formed XML (xmllint) and an Atom 1.0 feed
# feedparser reads without complaint (bozo 0); then the checks on stdin run
# with feeds = the parsed feeds, in order.
atom() {
    xmllint --noout "$@" &&
        /usr/bin/python3 -c '
import sys, feedparser
feeds = [feedparser.parse(open(p, "rb").read()) for p in sys.argv[1:]]
for p, f in zip(sys.argv[1:], feeds):
    assert f.version == "atom10" and not f.bozo, (p, f.version, f.get("bozo_exception"))
exec(sys.stdin.read())
' "$@"
}

test_expect_success 'a city publishes three versions of a solution with a hostile title, and a strategy' '
    cn "$L" init --name "Eindhoven & Co (sample)" --country NL --url "http://127.0.0.1:$PL" >lid &&
    mkdir src &&
    sed "s/^name: Connected Urban Twins/name: \"Twins <b>\\&amp;<\\/b> \\\\e[2J\\\\a end\"/" \
        "$SAMPLE" >src/publiccode.yml &&
    grep -q "^name: \"Twins <b>&amp;</b> .e\[2J" src/publiccode.yml &&
    (cd src && git init -q && git add . && git commit -qm v1) &&
    cn "$L" publish src >/dev/null &&
    for v in 1.1.0 1.2.0; do
        sed -i "s/^softwareVersion: .*/softwareVersion: \"$v\"/" src/publiccode.yml &&
        git -C src commit -qam "$v" &&
        cn "$L" publish src >/dev/null || return 1
    done &&
    test_publish_example "$L" strategies/leipzig-triangulum &&
    test_serve "$L" "$PL" lighthouse &&
    test "$(get "$PL" "/api/v1/search?kind=solution" hit.json)" = 200 &&
    /usr/bin/python3 -c "import json; print(json.load(open(\"hit.json\"))[\"results\"][0][\"item\"])" >item
'
LID=$(cat "$TRASH/lid" 2>/dev/null)
SOL=$(cat "$TRASH/item" 2>/dev/null)

test_expect_success 'a follower syncs the city and serves' '
    cn "$F" init --name "Leipzig (sample)" --country DE --url "http://127.0.0.1:$PF" >/dev/null &&
    cn "$F" peer add "http://127.0.0.1:$PL" >/dev/null 2>&1 &&
    cn "$F" sync >/dev/null 2>&1 &&
    test_serve "$F" "$PF" follower
'

test_expect_success 'an item feed has one entry per version, newest first, its text escaped' '
    test "$(get "$PL" "/api/v1/items/$LID/$SOL/versions.atom" item.atom)" = 200 &&
    test "$(header item.atom Content-Type)" = "application/atom+xml; charset=utf-8" &&
    atom item.atom <<-\PY
	f = feeds[0]
	titles = [e.title for e in f.entries]
	assert len(f.entries) == 3, titles
	assert [t.rsplit(" ", 1)[1] for t in titles] == ["1.2.0", "1.1.0", "1.0.0"], titles
	# markup stays text; ESC and BEL, which XML cannot carry, became U+FFFD
	assert titles[0].startswith("Twins <b>&amp;</b> \ufffd[2J\ufffd end"), repr(titles[0])
	ids = [e.id for e in f.entries]
	assert len(set(ids)) == 3 and all(i.startswith("urn:uuid:") for i in ids), ids
	e = f.entries[0]
	assert e.author == "Eindhoven & Co (sample)", e.author
	assert e.updated_parsed and e.published_parsed, e
	links = {l.type: l.href for l in e.links}
	assert links["text/html"].endswith("/?item=%s&version=1.2.0" % e.link.split("item=")[1].split("&")[0]), links
	assert "/api/v1/items/" in links["application/json"] and links["application/json"].endswith("?version=1.2.0"), links
	assert [t.term for t in e.tags] == ["solution"], e.tags
	assert f.feed.links[0].rel == "self" and f.feed.links[0].href.endswith("/versions.atom"), f.feed.links
	PY
'

test_expect_success 'a node feed has every version of every item; the entry ids are the same on the follower' '
    test "$(get "$PL" "/api/v1/nodes/$LID/versions.atom" node.atom)" = 200 &&
    test "$(get "$PF" "/api/v1/nodes/${LID:0:12}/versions.atom" fnode.atom)" = 200 &&
    test "$(get "$PF" "/api/v1/items/$LID/$SOL/versions.atom" fitem.atom)" = 200 &&
    atom node.atom fnode.atom item.atom fitem.atom <<-\PY
	node, fnode, item, fitem = feeds
	assert len(node.entries) == 4, [e.title for e in node.entries]
	assert {e.id for e in node.entries} == {e.id for e in fnode.entries}
	assert [e.id for e in item.entries] == [e.id for e in fitem.entries]
	assert {e.id for e in item.entries} < {e.id for e in node.entries}
	assert sorted(t.term for e in node.entries for t in e.tags) == ["solution"] * 3 + ["strategy"]
	PY
'

test_expect_success 'the items feed and a search feed have an entry per item, its version'"'"'s id' '
    test "$(get "$PF" "/api/v1/items.atom" items.atom)" = 200 &&
    test "$(get "$PF" "/api/v1/search.atom?q=Twins&kind=solution" search.atom)" = 200 &&
    test "$(get "$PF" "/api/v1/search.atom?q=nothing-like-this" none.atom)" = 200 &&
    atom items.atom search.atom none.atom item.atom <<-\PY
	items, search, none, item = feeds
	assert len(items.entries) == 2, [e.title for e in items.entries]
	assert len(search.entries) == 1 and search.entries[0].id == item.entries[0].id, search.entries
	assert "Version 1.2.0." in search.entries[0].summary, search.entries[0].summary
	assert none.entries == [] and none.feed.updated == "1970-01-01T00:00:00Z", none.feed
	assert search.feed.links[0].href.endswith("/api/v1/search.atom?q=Twins&kind=solution"), search.feed.links
	assert search.feed.links[1].href.endswith("/?q=Twins&kind=solution"), search.feed.links
	PY
'

test_expect_success 'feeds refuse what the search API refuses, and unknown nodes and items' '
    test "$(get "$PF" "/api/v1/search.atom?per_page=500" e1.json)" = 400 && grep -q "per_page" e1.json &&
    test "$(get "$PF" "/api/v1/items.atom?q=x" e2.json)" = 400 && grep -q "unknown parameter\|q" e2.json &&
    test "$(get "$PF" "/api/v1/nodes/0000000000000000/versions.atom" e3.json)" = 404 &&
    test "$(get "$PF" "/api/v1/items/$LID/no-such-item/versions.atom" e4.json)" = 404 &&
    test "$(get "$PF" "/api/v1/nope.atom" e5.json)" = 404 &&
    /usr/bin/python3 "$CN_SOURCE_DIR/tests/api/check_openapi.py" "$CN_SOURCE_DIR/docs/api.yaml" \
        /api/v1/search.atom 400 e1.json \
        /api/v1/items.atom 400 e2.json \
        /api/v1/nodes/0000000000000000/versions.atom 404 e3.json \
        "/api/v1/items/$LID/no-such-item/versions.atom" 404 e4.json
'

test_expect_success 'a conditional GET of an unchanged feed is 304, by ETag and by date' '
    etag=$(header node.atom ETag) && test -n "$etag" &&
    lastmod=$(header node.atom Last-Modified) && test -n "$lastmod" &&
    test "$(get "$PL" "/api/v1/nodes/$LID/versions.atom" again.atom -H "If-None-Match: $etag")" = 304 &&
    test ! -s again.atom &&
    test "$(get "$PL" "/api/v1/nodes/$LID/versions.atom" again.atom -H "If-Modified-Since: $lastmod")" = 304 &&
    test "$(get "$PL" "/api/v1/nodes/$LID/versions.atom" again.atom -H "If-None-Match: \"other\"")" = 200 &&
    cmp node.atom again.atom &&
    test "$(get "$PL" "/api/v1/nodes/$LID/versions.atom" again.atom \
        -H "If-Modified-Since: Thu, 01 Jan 1970 00:00:01 GMT")" = 200
'

test_expect_success 'a withdrawal updates its version'"'"'s entry in place; the old ETag is then stale' '
    sleep 1 &&
    cn "$L" withdraw "$SOL@1.0.0" --reason "Superseded by 1.1.0 & <later>" >/dev/null &&
    test "$(get "$PL" "/api/v1/nodes/$LID/versions.atom" after.atom -H "If-None-Match: $(header node.atom ETag)")" = 200 &&
    atom node.atom after.atom <<-\PY
	before, after = feeds
	assert [e.id for e in sorted(before.entries, key=lambda e: e.id)] == \
	       [e.id for e in sorted(after.entries, key=lambda e: e.id)]
	w = after.entries[0]
	assert w.title.endswith("1.0.0 (withdrawn)"), w.title
	assert "withdrawn" in [t.term for t in w.tags], w.tags
	assert w.summary.startswith("Withdrawn: Superseded by 1.1.0 & <later>. "), w.summary
	old = {e.id: e for e in before.entries}[w.id]
	assert w.updated_parsed > old.updated_parsed and after.feed.updated_parsed > before.feed.updated_parsed
	PY
'

test_expect_success 'the page links the feed of the registry'"'"'s new items' '
    test "$(get "$PL" / page.html)" = 200 &&
    grep -q "<link rel=\"alternate\" type=\"application/atom+xml\"[^>]*href=\"/api/v1/items.atom\"" page.html
'

test_done
