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
# width. A screenshot of the item page is kept under $CN_BUILD_DIR/artifacts/.
. "$(dirname "$0")/lib.sh"

L="$TRASH/eindhoven"
F="$TRASH/leipzig"
PL=$(test_free_port)
PF=$(test_free_port)
ART="${CN_BUILD_DIR:-$TRASH}/artifacts"

lh() { "$CITYNODE" --home "$L" "$@"; }
fo() { "$CITYNODE" --home "$F" "$@"; }

publish_example() { # DIR
    rm -rf pub && cp -r "$CN_SOURCE_DIR/examples/$1" pub &&
    (cd pub && git init -q && git add . && git commit -qm sample) &&
    lh publish pub >/dev/null
}

test_expect_success 'the lighthouse (sample: Eindhoven) publishes solutions, a dataset and strategies' '
    lh init --name "Gemeente Eindhoven (sample)" --country NL --url "http://127.0.0.1:$PL" >lid &&
    publish_example solutions/zukunftsforum-zukunftslabor &&
    publish_example datasets/leipzig-west-beteiligung-2016 &&
    publish_example strategies/leipzig-triangulum &&
    publish_example strategies/guetersloh &&
    mkdir twin-src &&
    cp "$CN_SOURCE_DIR/examples/solutions/connected-urban-twins/publiccode.yml" twin-src/ &&
    (cd twin-src && git init -q && git add . && git commit -qm "first release") &&
    lh publish twin-src >/dev/null &&
    sed -i "s/^softwareVersion: .*/softwareVersion: 1.1.0/" twin-src/publiccode.yml &&
    (cd twin-src && git commit -qam "second release") &&
    lh publish twin-src >/dev/null &&
    test_serve "$L" "$PL" lighthouse
'
LID=$(cat "$TRASH/lid" 2>/dev/null)

test_expect_success 'the follower (sample: Leipzig) syncs, replicates the solution and serves' '
    fo init --name "Stadt Leipzig (sample)" --country DE --url "http://127.0.0.1:$PF" >fid &&
    fo peer add "http://127.0.0.1:$PL" >/dev/null 2>&1 &&
    fo sync >/dev/null &&
    fo replicate "${LID:0:12}/connected-urban-twins" twin >/dev/null &&
    test_serve "$F" "$PF" follower
'
FID=$(cat "$TRASH/fid" 2>/dev/null)

test_expect_success 'the lighthouse follows the follower and its API shows the replication' '
    lh peer add "http://127.0.0.1:$PF" >/dev/null 2>&1 &&
    lh sync >/dev/null &&
    lh withdraw connected-urban-twins@1.0.0 --reason "Superseded by 1.1.0" >/dev/null &&
    curl -fsS "http://127.0.0.1:$PL/api/v1/graph/$LID/connected-urban-twins" >graph.json &&
    grep -q "\"replicates\"" graph.json && grep -q "$FID" graph.json &&
    curl -fsS "http://127.0.0.1:$PL/" >index.html &&
    grep -q "/assets/app.js" index.html
'

test_expect_success 'the web page works in a headless chromium (tests/browser/registry.mjs)' '
    mkdir -p "$ART" &&
    repo="$L/repos/$LID/connected-urban-twins.git" &&
    swhids=$(printf "{\"rel\": \"swh:1:rel:%s\", \"rev\": \"swh:1:rev:%s\", \"dir\": \"swh:1:dir:%s\"}" \
        "$(git -C "$repo" rev-parse v1.1.0)" "$(git -C "$repo" rev-parse "v1.1.0^{commit}")" \
        "$(git -C "$repo" rev-parse "v1.1.0^{tree}")") &&
    (cd "$CN_SOURCE_DIR/tests" &&
        CN_WEB_URL="http://127.0.0.1:$PL" CN_LIGHTHOUSE_ID="$LID" CN_FOLLOWER_ID="$FID" \
        CN_TWIN_SWHIDS="$swhids" \
        CN_ARTIFACTS_DIR="$ART" timeout 120 node browser/registry.mjs) >browser.out 2>&1 ||
        { cat browser.out; exit 1; }
    cat browser.out
'
test -f "$ART/t0950-item-page.png" && echo "# screenshot of the item page: $ART/t0950-item-page.png"

test_done
