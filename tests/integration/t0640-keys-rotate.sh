#!/bin/bash
# t0640-keys-rotate.sh - `citynode keys rotate ROLE` (docs/PROTOCOL.md §13):
# each role gets its own key and a new root; the node keeps verifying, an
# independent TUF client (tuf-js) that trusted the old root follows the
# rotations, tags signed before a rotation still verify with stock git, and a
# rotation interrupted at either side of its commit point leaves the node
# usable; a follower that synced before the rotations follows the root chain
# forward and keeps verifying.
. "$(dirname "$0")/lib.sh"

CLIENT="$CN_SOURCE_DIR/tests/interop/tufjs_client.mjs"
H="$TRASH/home"
cn() { "$CITYNODE" --home "$H" "$@"; }
fo() { "$CITYNODE" --home "$TRASH/follower" "$@"; }

root_version() {
    ls "$H/public/tuf/" >"$TRASH/tuf.ls" &&
    sed -n "s/^\([0-9]*\)\.root\.json$/\1/p" "$TRASH/tuf.ls" | sort -n | tail -1
}
# keyid (16 digits) and file of ROLE in `keys list`
role_line() {
    cn keys list >"$TRASH/keys.list" &&
    awk -v r="$1" '$1 == r { print $2, $4 }' "$TRASH/keys.list"
}
# publish_version V: commit a new version of the sample in src and publish it
publish_version() {
    sed -i "s/^softwareVersion: .*/softwareVersion: $1/" src/publiccode.yml &&
    echo "$1" >>src/CHANGES && git -C src add . && git -C src commit -qm "release $1" &&
    cn publish src >/dev/null
}
verify_tag() { # verify_tag SIGNERS_FILE TAG
    git -C "$H/repos/$ID/connected-urban-twins.git" -c gpg.format=ssh \
        -c gpg.ssh.allowedSignersFile="$TRASH/$1" verify-tag "$2"
}

# A stock static server over the published tree (no lock, so rotations and
# the server never race).
PORT=$(test_free_port)
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$H/public" >"$TRASH/http.log" 2>&1 &
test_at_exit "kill $!"
BASE="http://127.0.0.1:$PORT"

test_expect_success 'a node publishes version 1.0.0 with its single key' '
    cn init --name "Stavanger kommune (sample)" --country NO >id &&
    mkdir src && cp "$SAMPLE" src/publiccode.yml && git -C src init -q &&
    git -C src add . && git -C src commit -qm first && cn publish src >/dev/null &&
    cn keys list >list && test "$(grep -c " keys/node.key$" list)" = 4 &&
    cn allowed-signers >signers.before
'
ID=$(cat "$TRASH/id" 2>/dev/null)

test_expect_success 'tuf-js trusts the first root and refreshes' '
    test_wait_http "$PORT" /tuf/timestamp.json &&
    node "$CLIENT" "$BASE" "$H/public/tuf/1.root.json" tufjs \
        items/connected-urban-twins/1.0.0/manifest.json >got &&
    grep -q "\"rootVersion\":1" got
'

test_expect_success 'a follower syncs the node before any rotation' '
    fo init --name "Stadt Leipzig (sample)" --country DE >/dev/null 2>&1 &&
    fo peer add "$BASE" >/dev/null 2>&1 &&
    fo sync >/dev/null &&
    test -f "$TRASH/follower/mirrors/$ID/tuf/timestamp.json" &&
    test ! -e "$TRASH/follower/mirrors/$ID/tuf/2.root.json"
'

test_expect_success 'rotating targets writes keys/targets.key and root 2' '
    old=$(role_line targets) &&
    cn keys rotate targets >out && cat out &&
    grep -q "^rotated targets: key [0-9a-f]\{16\} in keys/targets.key, root version 2$" out &&
    test "$(stat -c %a "$H/keys/targets.key")" = 600 &&
    new=$(role_line targets) && test "$new" != "$old" &&
    test "${new#* }" = keys/targets.key &&
    test "$(role_line root | cut -d" " -f2)" = keys/node.key &&
    test "$(root_version)" = 2 &&
    cn verify --all
'

test_expect_success 'a new version is signed with the new targets key' '
    publish_version 1.1.0 &&
    cn verify --all &&
    cn allowed-signers >signers &&
    test "$(wc -l <signers)" = 2 &&
    tail -1 signers >signers.current &&
    verify_tag signers.current v1.1.0 2>err && grep -q "Good \"git\" signature" err
'

test_expect_success 'tags signed before the rotation verify with stock git and allowed-signers' '
    verify_tag signers v1.0.0 2>err && grep -q "Good \"git\" signature" err &&
    verify_tag signers v1.1.0 &&
    ! verify_tag signers.current v1.0.0 2>/dev/null &&
    cmp signers.before <(head -1 signers)
'

test_expect_success 'a key left over from a rotation that never reached its root is discarded' '
    openssl genpkey -algorithm ed25519 -out "$H/keys/timestamp.key.new" 2>/dev/null &&
    chmod 600 "$H/keys/timestamp.key.new" &&
    before=$(role_line timestamp) && v=$(root_version) &&
    publish_version 1.2.0 &&
    test ! -e "$H/keys/timestamp.key.new" &&
    test "$(role_line timestamp)" = "$before" && test "$(root_version)" = "$v" &&
    cn verify --all
'

test_expect_success 'a rotation stopped after its new root is finished by the next writer' '
    cp -a "$H/public/tuf" tuf.before &&
    cn keys rotate snapshot >/dev/null && v=$(root_version) &&
    for f in "$H"/public/tuf/*; do
        b=$(basename "$f");
        [ -e "tuf.before/$b" ] || [ "$b" = "$v.root.json" ] || rm "$f";
    done &&
    cp tuf.before/timestamp.json "$H/public/tuf/timestamp.json" &&
    mv "$H/keys/snapshot.key" "$H/keys/snapshot.key.new" &&
    test_expect_code 3 cn verify --all 2>err && cat err &&
    publish_version 1.3.0 &&
    test ! -e "$H/keys/snapshot.key.new" &&
    test "$(role_line snapshot | cut -d" " -f2)" = keys/snapshot.key &&
    test "$(root_version)" = "$v" &&
    cn verify --all
'

test_expect_success 'rotating timestamp and root, then targets again' '
    cn keys rotate timestamp >/dev/null &&
    cn keys rotate root >/dev/null &&
    cn verify --all &&
    test ! -e "$H/keys/node.key" &&
    cn keys rotate targets >/dev/null &&
    test "$(root_version)" = 6 &&
    cn keys list >list && cat list &&
    for r in root targets snapshot timestamp; do
        grep -q "^$r .* keys/$r.key$" list || exit 1;
    done &&
    publish_version 2.0.0 &&
    cn verify --all
'

test_expect_success 'every tag still verifies against every targets key of the chain' '
    cn allowed-signers >signers &&
    test "$(wc -l <signers)" = 3 &&
    for t in v1.0.0 v1.1.0 v1.2.0 v1.3.0 v2.0.0; do verify_tag signers $t 2>/dev/null || exit 1; done
'

test_expect_success 'tuf-js follows the root chain from its old root and downloads 2.0.0' '
    node "$CLIENT" "$BASE" "$H/public/tuf/1.root.json" tufjs \
        items/connected-urban-twins/2.0.0/manifest.json >got && cat got &&
    grep -q "\"rootVersion\":6" got &&
    node "$CLIENT" "$BASE" "$H/public/tuf/1.root.json" fresh \
        items/connected-urban-twins/2.0.0/manifest.json >got &&
    grep -q "\"rootVersion\":6" got
'

test_expect_success 'the follower fast-forwards the root chain, syncs 2.0.0 and verifies' '
    fo sync >out && cat out &&
    test -f "$TRASH/follower/mirrors/$ID/tuf/6.root.json" &&
    cmp "$TRASH/follower/mirrors/$ID/tuf/6.root.json" "$H/public/tuf/6.root.json" &&
    fo verify --all &&
    fo allowed-signers "$ID" >fsigners &&
    cmp fsigners signers &&
    for t in v1.0.0 v2.0.0; do
        git -C "$TRASH/follower/repos/$ID/connected-urban-twins.git" -c gpg.format=ssh \
            -c gpg.ssh.allowedSignersFile="$TRASH/fsigners" verify-tag $t 2>/dev/null || exit 1
    done
'

test_expect_success 'an unknown role is a usage error that changes nothing' '
    v=$(root_version) &&
    test_expect_code 2 cn keys rotate delegation 2>err &&
    grep -q "unknown role .delegation." err &&
    test_expect_code 2 cn keys rotate 2>/dev/null &&
    test "$(root_version)" = "$v"
'

test_done
