#!/bin/bash
# Stories of `citynode tuf-client`, the client command line of
# theupdateframework/tuf-conformance, against a node's published tree served
# by nginx (an independent static server whose access log says what was
# fetched): exact served bytes kept per role, each role kept as soon as it
# verifies, targets verified and cached, a delegated role found, kept under
# its percent-encoded name and reused, exit status exactly 0 or 1, and no
# node home anywhere.
. "$(dirname "$0")/lib.sh"

H="$TRASH/home"
M="$TRASH/metadata"
T="$TRASH/targets"
PORT=$(test_free_port)
URL="http://127.0.0.1:$PORT"
MANIFEST=items/$ITEM/1.0.0/manifest.json

# The client runs with an empty HOME and no CITYNODE_HOME: it needs no node.
mkdir -p "$TRASH/home-of-client"
tc() {
    env -u CITYNODE_HOME HOME="$TRASH/home-of-client" "$CITYNODE" tuf-client "$@"
}
refresh() {
    tc --metadata-dir "$M" --metadata-url "$URL/tuf" refresh
}
download() {
    tc --metadata-dir "$M" --metadata-url "$URL/tuf" --target-base-url "$URL/targets" \
        --target-dir "$T" "$@" download
}
# fetched PATH: how many times nginx served PATH (a regular expression) with 200.
fetched() {
    awk -v re="^GET $1 200 " '$0 ~ re { n++ } END { print n + 0 }' "$TRASH/nginx/access.log"
}

test_expect_success 'stage: a node publishes an item; nginx serves its public tree' '
    cn "$H" init --name "Teststadt" --country DE >/dev/null &&
    test_publish_example "$H" solutions/connected-urban-twins &&
    test_nginx "$PORT" "root $H/public;" &&
    test_wait_http "$PORT" /tuf/timestamp.json
'

test_expect_success 'init keeps the trusted root as root.json and makes no request' '
    before=$(wc -l <"$TRASH/nginx/access.log") &&
    tc --metadata-dir "$M" init "$H/public/tuf/1.root.json" &&
    cmp "$M/root.json" "$H/public/tuf/1.root.json" &&
    test "$(ls "$M")" = root.json &&
    test "$(wc -l <"$TRASH/nginx/access.log")" -eq "$before"
'

test_expect_success 'refresh keeps the exact served bytes of every top-level role' '
    refresh &&
    v=$(ls "$H/public/tuf" | sed -n "s/^\([0-9]*\)\.snapshot\.json$/\1/p" | sort -n | tail -1) &&
    cmp "$M/timestamp.json" "$H/public/tuf/timestamp.json" &&
    cmp "$M/snapshot.json" "$H/public/tuf/$v.snapshot.json" &&
    cmp "$M/targets.json" "$H/public/tuf/$v.targets.json" &&
    test "$(fetched /tuf/2.root.json)" -eq 0 &&
    test "$(fetched /tuf/$v.snapshot.json)" -eq 1
'

test_expect_success 'a second refresh with nothing new fetches only the timestamp and root 2' '
    cp "$TRASH/nginx/access.log" "$TRASH/nginx/access.log.before" &&
    refresh &&
    new=$(diff "$TRASH/nginx/access.log.before" "$TRASH/nginx/access.log" | grep -c "^> GET") &&
    test "$new" -eq 2
'

test_expect_success 'download stores a target verified against its signed hash' '
    download --target-name "$MANIFEST" &&
    f=$(ls "$T") &&
    test "$f" = "$(echo "$MANIFEST" | sed "s|/|%2F|g")" &&
    cmp "$T/$f" "$(ls "$H"/public/targets/items/$ITEM/1.0.0/*.manifest.json)" &&
    test "$(fetched "/targets/items/$ITEM/1.0.0/[0-9a-f]*\.manifest\.json")" -eq 1
'

test_expect_success 'a target already stored with the right hash is not fetched again' '
    download --target-name "$MANIFEST" &&
    test "$(fetched "/targets/items/$ITEM/1.0.0/[0-9a-f]*\.manifest\.json")" -eq 1
'

test_expect_success 'a target the metadata does not list fails with exit 1' '
    test_expect_code 1 download --target-name items/nothing/1.0.0/manifest.json &&
    test "$(ls "$T" | wc -l)" -eq 1
'

test_expect_success 'a tampered target fails with exit 1 and is not stored' '
    rm -rf "$T" &&
    served=$(ls "$H"/public/targets/items/$ITEM/1.0.0/*.manifest.json) &&
    cp "$served" "$TRASH/manifest.good" &&
    sed -i "s/Connected/Corrupted/" "$served" &&
    test_expect_code 1 download --target-name "$MANIFEST" 2>err &&
    grep -q "sha256" err &&
    test ! -e "$T/$(echo "$MANIFEST" | sed "s|/|%2F|g")" &&
    cp "$TRASH/manifest.good" "$served"
'

test_expect_success 'each role is kept as soon as it verifies: a bad snapshot leaves the new timestamp' '
    cp "$M/snapshot.json" snapshot.before &&
    (cd pub && echo "# more" >>publiccode.yml && git commit -qam more) &&
    cn "$H" publish pub --version 1.0.1 >/dev/null &&
    v=$(ls "$H/public/tuf" | sed -n "s/^\([0-9]*\)\.snapshot\.json$/\1/p" | sort -n | tail -1) &&
    cp "$H/public/tuf/$v.snapshot.json" snapshot.good &&
    sed -i "s/\"snapshot\"/\"snapshoT\"/" "$H/public/tuf/$v.snapshot.json" &&
    test_expect_code 1 refresh &&
    cmp "$M/timestamp.json" "$H/public/tuf/timestamp.json" &&
    cmp "$M/snapshot.json" snapshot.before &&
    cp snapshot.good "$H/public/tuf/$v.snapshot.json" &&
    refresh &&
    cmp "$M/snapshot.json" snapshot.good
'

# The node writes no delegations yet: forge (tests/attack/forge.c) adds one
# to its tree, signed with the node's key, as another TUF repository would
# publish it: targets delegates "team a" (a name that must be
# percent-encoded) for team/a/*, terminating.
forge() { "$CN_FORGE" "$@"; }
KEY="$H/keys/node.key"
PUB="$H/public"

test_expect_success 'stage: the tree gets a delegated role "team a" listing team/a/file.txt' '
    keyid=$(forge keyid "$KEY") &&
    keyobj=$(forge get "$PUB/tuf/1.root.json" signed keys "$keyid") &&
    s=$(forge get "$PUB/tuf/timestamp.json" signed meta snapshot.json version) &&
    t=$(forge get "$PUB/tuf/$s.snapshot.json" signed meta targets.json version) &&
    echo "delegated content" >file.txt &&
    echo "not delegated to team a" >other.txt &&
    role="$PUB/tuf/1.team a.json" &&
    cp "$PUB/tuf/$t.targets.json" "$role" &&
    forge set "$role" 1 signed version &&
    forge set "$role" "{}" signed targets &&
    forge target "$role" team/a/file.txt file.txt &&
    forge -s "$KEY" target "$role" other/file.txt other.txt &&
    cp "$PUB/tuf/$t.targets.json" "$PUB/tuf/$((t + 1)).targets.json" &&
    forge set "$PUB/tuf/$((t + 1)).targets.json" $((t + 1)) signed version &&
    forge -s "$KEY" set "$PUB/tuf/$((t + 1)).targets.json" \
        "{\"keys\":{\"$keyid\":$keyobj},\"roles\":[{\"name\":\"team a\",\"keyids\":[\"$keyid\"],\"threshold\":1,\"terminating\":true,\"paths\":[\"team/a/*\"]}]}" \
        signed delegations &&
    cp "$PUB/tuf/$s.snapshot.json" "$PUB/tuf/$((s + 1)).snapshot.json" &&
    forge set "$PUB/tuf/$((s + 1)).snapshot.json" $((s + 1)) signed version &&
    forge fileinfo "$PUB/tuf/$((s + 1)).snapshot.json" targets.json "$PUB/tuf/$((t + 1)).targets.json" &&
    forge -s "$KEY" fileinfo "$PUB/tuf/$((s + 1)).snapshot.json" "team a.json" "$role" &&
    v=$(forge get "$PUB/tuf/timestamp.json" signed version) &&
    forge set "$PUB/tuf/timestamp.json" $((v + 1)) signed version &&
    forge -s "$KEY" fileinfo "$PUB/tuf/timestamp.json" snapshot.json "$PUB/tuf/$((s + 1)).snapshot.json" &&
    mkdir -p "$PUB/targets/team/a" "$PUB/targets/other" &&
    cp file.txt "$PUB/targets/team/a/$(sha256sum file.txt | cut -c1-64).file.txt" &&
    cp other.txt "$PUB/targets/other/$(sha256sum other.txt | cut -c1-64).file.txt"
'

test_expect_success 'download finds a target through the delegation and keeps the role as "team%20a.json"' '
    download --target-name team/a/file.txt &&
    cmp "$T/team%2Fa%2Ffile.txt" file.txt &&
    cmp "$M/team%20a.json" "$PUB/tuf/1.team a.json" &&
    test "$(fetched "/tuf/1.team a.json")" -eq 1
'

test_expect_success 'a stored delegated role that is still current is not fetched again' '
    download --target-name team/a/file.txt &&
    test "$(fetched "/tuf/1.team a.json")" -eq 1
'

test_expect_success 'a target the role lists outside team/a/* is not found (exit 1)' '
    test_expect_code 1 download --target-name other/file.txt 2>err &&
    grep -q "no trusted target other/file.txt" err &&
    test ! -e "$T/other%2Ffile.txt"
'

test_expect_success 'a wrong command line exits 1, not 2' '
    test_expect_code 1 tc --metadata-dir "$M" frobnicate &&
    test_expect_code 1 tc init "$H/public/tuf/1.root.json" &&
    test_expect_code 1 tc --metadata-dir "$M" download
'

test_expect_success 'refresh without a trusted root fails with exit 1' '
    test_expect_code 1 tc --metadata-dir "$TRASH/empty" --metadata-url "$URL/tuf" refresh
'

test_expect_success 'no node home was created' '
    test -z "$(ls -A "$TRASH/home-of-client")"
'

test_done
