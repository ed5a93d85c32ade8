#!/bin/bash
# A node's logo (docs/PROTOCOL.md §5, §15): config.yml's logo: is signed by
# publish as the target node-logo.<ext>; the node's registry and those of
# a mirror follower and an index follower name it in their node documents
# and serve the same bytes at /download/<node>/logo, as an image that runs
# no script (an SVG's <script> stays inert under the CSP); a logo too large
# or of another type is refused with a message saying what to do; a logo
# tampered with in the published tree is refused by a follower like any
# target, which keeps the logo it verified before.
. "$(dirname "$0")/lib.sh"

L="$TRASH/leipzig"
F="$TRASH/dresden"
X="$TRASH/chemnitz"
PL=$(test_free_port)
PF=$(test_free_port)
PX=$(test_free_port)
CSP="default-src .none.; style-src .unsafe-inline.; img-src .self. data:; sandbox"

# logo_served PORT NODE FILE: GET /download/NODE/logo from the registry on
# PORT answers FILE's bytes as an SVG with the safe headers and its sha256
# as the ETag, and the node documents name that URL.
logo_served() {
    curl -fsS -D hdr -o got "http://127.0.0.1:$1/download/$2/logo" &&
        cmp got "$3" &&
        tr -d "\r" <hdr >hdr.txt &&
        grep -qx "Content-Type: image/svg+xml" hdr.txt &&
        grep -qx "X-Content-Type-Options: nosniff" hdr.txt &&
        grep -qx "Content-Security-Policy: $CSP" hdr.txt &&
        grep -qx "ETag: \"$(sha256sum "$3" | cut -c1-64)\"" hdr.txt &&
        curl -fsS "http://127.0.0.1:$1/api/v1/nodes/$2" >node.json &&
        curl -fsS "http://127.0.0.1:$1/api/v1/nodes" >nodes.json &&
        /usr/bin/python3 - node.json nodes.json "$2" <<-\PY
	import json, sys
	one, many, node = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
	url = "/download/%s/logo" % node
	assert one["logo"] == url, one
	listed = [n for n in many["nodes"] if n["id"] == node]
	assert listed and listed[0]["logo"] == url, many
	PY
}

test_expect_success 'a logo too large, of another type, or missing is refused, naming what to do' '
    cn "$L" init --name "Leipzig (sample)" --country DE --url "http://127.0.0.1:$PL" >lid &&
    cp "$L/config.yml" config.orig &&
    printf "\211PNG\r\n\032\n" >"$L/big.png" &&
    head -c 270000 /dev/zero >>"$L/big.png" &&
    echo "logo: big.png" >>"$L/config.yml" &&
    test_must_fail test_publish_example "$L" solutions/connected-urban-twins &&
    grep -q "logo: $L/big.png has 270008 bytes; a logo may have at most 256 KiB" publish.err &&
    printf "GIF89a\001\000\001\000" >"$TRASH/logo.gif" &&
    cp config.orig "$L/config.yml" &&
    echo "logo: $TRASH/logo.gif" >>"$L/config.yml" &&
    test_must_fail test_publish_example "$L" solutions/connected-urban-twins &&
    grep -q "logo: $TRASH/logo.gif is not a PNG, JPEG, WebP or SVG image" publish.err &&
    cp config.orig "$L/config.yml" &&
    echo "logo: no-such.svg" >>"$L/config.yml" &&
    test_must_fail test_publish_example "$L" solutions/connected-urban-twins &&
    grep -q "logo: $L/no-such.svg: No such file or directory" publish.err &&
    test_must_fail cn "$L" show "self/$ITEM" >/dev/null 2>&1 &&
    test_must_fail grep -rq "node-logo" "$L/public/tuf"
'
LID=$(cat "$TRASH/lid" 2>/dev/null)

test_expect_success 'publish signs the SVG logo as node-logo.svg; the node serves it, inert' '
    cat >"$L/logo.svg" <<-\EOF &&
	<?xml version="1.0" encoding="UTF-8"?>
	<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" onload="alert(1)">
	<script>document.title = "pwned"; fetch("/api/v1/search");</script>
	<rect width="64" height="64" fill="#c00"/></svg>
	EOF
    cp config.orig "$L/config.yml" &&
    echo "logo: logo.svg" >>"$L/config.yml" &&
    test_publish_example "$L" solutions/connected-urban-twins &&
    targets=$(ls "$L/public/tuf/"*.targets.json | sort -V | tail -n 1) &&
    /usr/bin/python3 - "$targets" "$L/logo.svg" <<-\PY &&
	import hashlib, json, sys
	t = json.load(open(sys.argv[1]))["signed"]["targets"]["node-logo.svg"]
	data = open(sys.argv[2], "rb").read()
	assert t["custom"] == {"kind": "node-logo", "type": "image/svg+xml"}, t
	assert t["length"] == len(data) and t["hashes"]["sha256"] == hashlib.sha256(data).hexdigest(), t
	PY
    test_serve "$L" "$PL" leipzig &&
    logo_served "$PL" "$LID" "$L/logo.svg" &&
    etag="\"$(sha256sum "$L/logo.svg" | cut -c1-64)\"" &&
    code=$(curl -s -o /dev/null -w "%{http_code}" -H "If-None-Match: $etag" "http://127.0.0.1:$PL/download/$LID/logo") &&
    test "$code" = 304 &&
    curl -fsS -I -o head.raw "http://127.0.0.1:$PL/download/$LID/logo" &&
    tr -d "\r" <head.raw >head.txt &&
    grep -qx "Content-Type: image/svg+xml" head.txt &&
    code=$(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$PL/download/$LID/logo.svg") &&
    test "$code" = 404
'

test_expect_success 'a mirror follower and an index follower show it and serve the same bytes' '
    cn "$F" init --name "Dresden (sample)" --country DE >/dev/null &&
    cn "$F" peer add "http://127.0.0.1:$PL" >/dev/null 2>&1 &&
    cn "$F" sync >/dev/null 2>sync.err &&
    test_serve "$F" "$PF" dresden &&
    logo_served "$PF" "$LID" "$L/logo.svg" &&
    cn "$X" init --name "Chemnitz (sample)" --country DE >xid &&
    cn "$X" peer add --policy index "http://127.0.0.1:$PL" >/dev/null 2>&1 &&
    cn "$X" sync >/dev/null 2>sync.err &&
    test_must_fail test -d "$X/repos/$LID/$ITEM.git" &&
    test_serve "$X" "$PX" chemnitz &&
    logo_served "$PX" "$LID" "$L/logo.svg" &&
    curl -fsS "http://127.0.0.1:$PX/mirrors/$LID/targets/$(sha256sum "$L/logo.svg" | cut -c1-64).node-logo.svg" >re-served &&
    cmp re-served "$L/logo.svg" &&
    code=$(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$PX/download/$(cat xid)/logo") &&
    test "$code" = 404 &&
    curl -fsS "http://127.0.0.1:$PX/api/v1" >self.json &&
    grep -q "\"logo\":null" self.json &&
    /usr/bin/python3 "$CN_SOURCE_DIR/tests/api/check_openapi.py" "$CN_SOURCE_DIR/docs/api.yaml" \
        "/api/v1/nodes/$LID" 200 node.json /api/v1/nodes 200 nodes.json /api/v1 200 self.json
'

test_expect_success 'a node that publishes nothing signs its logo when serve starts, and removes it' '
    /usr/bin/python3 - "$X/logo.png" <<-\PY &&
	import struct, sys, zlib
	def chunk(kind, data):
	    body = kind + data
	    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
	png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
	       + chunk(b"IDAT", zlib.compress(b"\x00\xcc\x00\x00")) + chunk(b"IEND", b""))
	open(sys.argv[1], "wb").write(png)
	PY
    cp "$X/config.yml" x-config.orig &&
    echo "logo: logo.png" >>"$X/config.yml" &&
    test_stop_server chemnitz &&
    test_serve "$X" "$PX" chemnitz &&
    grep -q "^citynode serve: published the logo logo.png$" "$TRASH/chemnitz.log" &&
    curl -fsS -D hdr -o got "http://127.0.0.1:$PX/download/$(cat xid)/logo" &&
    cmp got "$X/logo.png" &&
    tr -d "\r" <hdr | grep -qx "Content-Type: image/png" &&
    curl -fsS "http://127.0.0.1:$PX/api/v1" >self.json &&
    grep -q "\"logo\":\"/download/$(cat xid)/logo\"" self.json &&
    test_stop_server chemnitz &&
    test_serve "$X" "$PX" chemnitz &&
    test_must_fail grep -q "published the logo" "$TRASH/chemnitz.log" &&
    cp x-config.orig "$X/config.yml" &&
    test_stop_server chemnitz &&
    test_serve "$X" "$PX" chemnitz &&
    grep -q "^citynode serve: published the logo (removed)$" "$TRASH/chemnitz.log" &&
    code=$(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$PX/download/$(cat xid)/logo") &&
    test "$code" = 404
'

test_expect_success 'a changed logo rides along with the next publish' '
    cp "$L/logo.svg" first.svg &&
    cat >"$L/logo.svg" <<-\EOF &&
	<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><circle r="16"/></svg>
	EOF
    (cd pub && echo "again" >again.txt && git add again.txt && git commit -qm again) &&
    cn "$L" publish --version 1.0.1 pub >/dev/null 2>publish.err &&
    logo_served "$PL" "$LID" "$L/logo.svg"
'

test_expect_success 'a logo tampered with in the published tree is refused by a follower' '
    cp "$L/logo.svg" logo.signed &&
    stored="$L/public/targets/$(sha256sum logo.signed | cut -c1-64).node-logo.svg" &&
    test -f "$stored" &&
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(2)</script></svg>" >"$stored" &&
    test_expect_code 3 cn "$F" sync >/dev/null 2>sync.err &&
    grep -q "node-logo.svg" sync.err &&
    logo_served "$PF" "$LID" first.svg
'

test_expect_success 'a stored logo changed behind the follower is not served' '
    kept="$F/mirrors/$LID/targets/$(sha256sum first.svg | cut -c1-64).node-logo.svg" &&
    test -f "$kept" &&
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(3)</script></svg>" >"$kept" &&
    code=$(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$PF/download/$LID/logo") &&
    test "$code" = 404 &&
    short=$(echo "$LID" | cut -c1-12) &&
    grep -q "the stored logo of node $short is not what was signed" "$TRASH/dresden.log"
'

test_done
