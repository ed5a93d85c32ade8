#!/bin/bash
# t0950-browser.sh - the registry's web page in a real browser (Debian's
# chromium, headless, driven by playwright-core: tests/browser/registry.mjs)
# against `citynode serve` of a lighthouse city that publishes sample items
# and follows a follower city that replicated one of its solutions (sample
# data of the Triangulum project and the Modellprojekte Smart Cities):
# instant search, a German word typed without its umlaut, a facet, the item
# page with its versions, signer and verification time, the replication
# graph's link to the follower, back navigation, the SWHIDs of the item's
# tag, commit and tree (as git rev-parse gives them) on the page and in the
# JSON-LD the server puts into an item's URL, no console errors, a phone
# width. Then (tests/browser/pages.mjs) the solution's logo (an SVG with a
# script that must not run) and screenshot (a PNG) from its verified tree,
# a CSV of the dataset (windows-1252, ';') downloaded byte for byte as git
# has it and previewed as a table, the README rendered without its raw HTML,
# a facet by category, gzip on and off, a registry that published nothing of
# its own, and axe-core (WCAG 2.1 A/AA) with 0 violations on every page
# type at 1280 and 360 px in English and German, each page type's
# screenshot kept under $CN_BUILD_DIR/artifacts/t0950/.
. "$(dirname "$0")/lib.sh"

L="$TRASH/eindhoven"
F="$TRASH/leipzig"
N="$TRASH/network"
PL=$(test_free_port)
PF=$(test_free_port)
PN=$(test_free_port)
ART="${CN_BUILD_DIR:-$TRASH}/artifacts"

lh() { "$CITYNODE" --home "$L" "$@"; }
fo() { "$CITYNODE" --home "$F" "$@"; }

publish_example() { # DIR [SETUP]: SETUP runs in the copy before its commit
    rm -rf pub && cp -r "$CN_SOURCE_DIR/examples/$1" pub &&
    (cd pub && ${2:-true} && git init -q && git add . && git commit -qm sample) &&
    lh publish pub >/dev/null
}

# A table of Leipzig's districts as a city office's spreadsheet saves it:
# windows-1252 (ä as \344, € as \200), ';' between columns, CRLF, a quoted cell.
add_cp1252_csv() {
    mkdir -p daten &&
    printf 'Stadtteil;Fl\344che (km\262);Einwohner;Budget (\200);Anmerkung\r\n' >daten/stadtteile.csv &&
    printf 'Altlindenau;1,9;9500;12000;"Hafen; Kanal"\r\n' >>daten/stadtteile.csv &&
    printf 'Lindenau;2,3;13000;8000;\r\n' >>daten/stadtteile.csv &&
    printf 'Gr\374nau-Mitte;1,4;11000;5000;Gro\337wohnsiedlung\r\n' >>daten/stadtteile.csv
}

# Sixteen minutes of meetings: a file list long enough to start collapsed.
add_minutes() {
    mkdir -p protokolle &&
    for i in 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16; do
        printf "Protokoll der Sitzung %s\n" "$i" >"protokolle/sitzung-$i.txt" || exit 1
    done
}

# The solution's pictures and README: an SVG logo with a script that must
# not run, a PNG screenshot, and a README.md with raw HTML that must not show.
add_pictures() { # DIR
    cat >"$1/logo.svg" <<-\SVG &&
	<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
	<script>window.parent.cnLogoScriptRan = true; document.title = "pwned";</script>
	<rect width="64" height="64" rx="8" fill="#1d4e89"/>
	<circle cx="32" cy="32" r="16" fill="#f2a900"/>
	</svg>
	SVG
    mkdir -p "$1/screenshots" &&
    python3 - "$1/screenshots/overview.png" <<-\PY &&
	import struct, sys, zlib
	w, h = 160, 100
	raw = b"".join(b"\x00" + b"".join(bytes((x * 255 // w, y * 255 // h, 137)) for x in range(w)) for y in range(h))
	def chunk(t, d):
	    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
	png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
	open(sys.argv[1], "wb").write(png + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
	PY
    cat >"$1/README.md" <<-\MD &&
	# Connected Urban Twins

	A **digital twin** of the city, shared by [Hamburg](https://www.hamburg.de/), Leipzig and München.

	<script>window.cnReadmeScriptRan = true;</script>
	<div class="raw-html-marker" onclick="alert(1)">RAW HTML MARKER</div>

	## Install

	    git clone https://example.org/samples/connected-urban-twins.git

	[a bad link](javascript:alert(1)) and ![the overview](screenshots/overview.png)
	MD
    sed -i "s/^    localisedName: Connected Urban Twins$/&\n    screenshots:\n      - screenshots\/overview.png/" "$1/publiccode.yml" &&
    printf "\nlogo: logo.svg\n" >>"$1/publiccode.yml" &&
    grep -q "^      - screenshots/overview.png" "$1/publiccode.yml"
}

test_expect_success 'the lighthouse (sample: Eindhoven) publishes solutions, a dataset and strategies' '
    lh init --name "Gemeente Eindhoven (sample)" --country NL --url "http://127.0.0.1:$PL" >lid &&
    publish_example solutions/zukunftsforum-zukunftslabor &&
    publish_example datasets/leipzig-west-beteiligung-2016 add_cp1252_csv &&
    publish_example strategies/leipzig-triangulum add_minutes &&
    publish_example strategies/guetersloh &&
    mkdir twin-src &&
    cp "$CN_SOURCE_DIR/examples/solutions/connected-urban-twins/publiccode.yml" twin-src/ &&
    add_pictures twin-src &&
    (cd twin-src && git init -q && git add . && git commit -qm "first release") &&
    lh publish twin-src >/dev/null &&
    sed -i "s/^softwareVersion: .*/softwareVersion: 1.1.0/" twin-src/publiccode.yml &&
    (cd twin-src && git commit -qam "second release") &&
    lh publish twin-src >/dev/null &&
    printf "imprint: %s\nprivacy: %s\naccessibility: %s\n" https://www.example.nl/colofon \
        https://www.example.nl/privacy https://www.example.nl/toegankelijkheid >>"$L/config.yml" &&
    test_serve "$L" "$PL" lighthouse
'
LID=$(cat "$TRASH/lid" 2>/dev/null)

test_expect_success 'the follower (sample: Leipzig) syncs, replicates the solution and serves' '
    fo init --name "Stadt Leipzig (sample)" --country DE --url "http://127.0.0.1:$PF" >fid &&
    fo peer add "http://127.0.0.1:$PL" >/dev/null 2>&1 &&
    fo sync >/dev/null &&
    fo replicate "${LID:0:12}/connected-urban-twins" twin >/dev/null &&
    cp twin-src/screenshots/overview.png "$F/logo.png" &&
    echo "logo: logo.png" >>"$F/config.yml" &&
    test_serve "$F" "$PF" follower
'
FID=$(cat "$TRASH/fid" 2>/dev/null)

test_expect_success 'the lighthouse follows the follower and its API shows the replication' '
    lh peer add "http://127.0.0.1:$PF" >/dev/null 2>&1 &&
    lh sync >/dev/null &&
    lh withdraw connected-urban-twins@1.0.0 --reason "Superseded by 1.1.0" >/dev/null &&
    lh withdraw msc2020-guetersloh --reason "Replaced by a newer strategy" >/dev/null &&
    curl -fsS "http://127.0.0.1:$PL/api/v1/graph/$LID/connected-urban-twins" >graph.json &&
    grep -q "\"replicates\"" graph.json && grep -q "$FID" graph.json &&
    curl -fsS "http://127.0.0.1:$PL/" >index.html &&
    grep -q "/assets/app.js" index.html
'

# The network's node keeps only the index of the lighthouse (no files) and
# serves on every address (0.0.0.0), so publicly, with only its Impressum
# configured; the story talks to it on 127.0.0.1 only. Its url: is a public
# one (serve refuses to advertise a loopback URL while it listens publicly).
test_expect_success 'a network node that published nothing of its own follows the lighthouse and serves' '
    "$CITYNODE" --home "$N" init --name "Netzwerk Smarte Städte (sample)" --country DE \
        --url "https://netzwerk.example.de" >/dev/null &&
    "$CITYNODE" --home "$N" peer add "http://127.0.0.1:$PL" --policy index >/dev/null 2>&1 &&
    "$CITYNODE" --home "$N" sync >/dev/null &&
    echo "imprint: https://www.example.de/impressum" >>"$N/config.yml" &&
    { "$CITYNODE" --home "$N" serve --listen "0.0.0.0:$PN" >"$TRASH/network.log" 2>&1 &
      echo $! >"$TRASH/network.pid"; } &&
    test_wait_http "$PN" /api/v1/ &&
    curl -fsS "http://127.0.0.1:$PN/api/v1/" >network-root.json &&
    grep -q "Netzwerk Smarte" network-root.json
'

test_expect_success 'the web page works in a headless chromium (tests/browser/registry.mjs)' '
    mkdir -p "$ART" &&
    repo="$L/repos/$LID/connected-urban-twins.git" &&
    git -C "$L/repos/$LID/leipzig-west-beteiligung-2016.git" show v1.0.0:daten/stadtteile.csv \
        >expected.csv &&
    git -C "$repo" show v1.1.0:logo.svg >expected-logo.svg &&
    swhids=$(printf "{\"rel\": \"swh:1:rel:%s\", \"rev\": \"swh:1:rev:%s\", \"dir\": \"swh:1:dir:%s\"}" \
        "$(git -C "$repo" rev-parse v1.1.0)" "$(git -C "$repo" rev-parse "v1.1.0^{commit}")" \
        "$(git -C "$repo" rev-parse "v1.1.0^{tree}")") &&
    (cd "$CN_SOURCE_DIR/tests" &&
        CN_WEB_URL="http://127.0.0.1:$PL" CN_LIGHTHOUSE_ID="$LID" CN_FOLLOWER_ID="$FID" \
        CN_TWIN_SWHIDS="$swhids" CN_NETWORK_URL="http://127.0.0.1:$PN" \
        CN_EXPECTED_CSV="$TRASH/expected.csv" CN_EXPECTED_LOGO="$TRASH/expected-logo.svg" \
        CN_ARTIFACTS_DIR="$ART" timeout 240 node browser/registry.mjs) >browser.out 2>&1 ||
        { cat browser.out; exit 1; }
    cat browser.out
'
test -f "$ART/t0950-item-page.png" && echo "# screenshot of the item page: $ART/t0950-item-page.png"
test -d "$ART/t0950" && echo "# screenshots of each page type: $ART/t0950/<page>-<lang>-<width>.png"
grep "^# page weight" "$TRASH/browser.out" 2>/dev/null

test_done
