#!/bin/bash
# Stories of a city node publishing: init, publish from git and from a plain
# directory, stock git interop, versions that must increase, refusals that
# change nothing.
. "$(dirname "$0")/lib.sh"

H="$TRASH/home"
cn() { "$CITYNODE" --home "$H" "$@"; }

# A snapshot of everything a refused command must leave alone.
tree_digest() {
    (cd "$H" && find public repos keys config.yml -type f ! -name lock -print0 >"$TRASH/files" &&
        find repos -type f -path '*refs*' -print0 >"$TRASH/refs") &&
    (cd "$H" && sort -z "$TRASH/files" | xargs -0 sha256sum &&
        sort -z "$TRASH/refs" | xargs -0 cat) >"$TRASH/digest.in" &&
    sha256sum <"$TRASH/digest.in"
}

test_expect_success 'init prints the node id, which is sha256 of 1.root.json' '
    cn init --name "Stadt Leipzig" --country DE --code 14713000 >id.out &&
    test "$(cat id.out)" = "$(sha256sum "$H/public/tuf/1.root.json" | cut -c1-64)" &&
    test -f "$H/public/.well-known/citynode.json" &&
    test "$(stat -c %a "$H/keys/node.key")" = 600
'

test_expect_success 'init refuses a directory that already holds a node' '
    test_expect_code 1 cn init --name Again 2>err &&
    grep -q "already holds node" err
'

test_expect_success 'init without --name is a usage error' '
    test_expect_code 2 "$CITYNODE" --home "$TRASH/other" init
'

test_expect_success 'init --programme names the programmes in config.yml and node.json' '
    P="$TRASH/programmes" &&
    "$CITYNODE" --home "$P" init --name "Stadt Leipzig (sample)" --country DE \
        --programme "Triangulum (Horizon 2020 Smart Cities and Communities)" \
        --programme "Connected Urban Twins" >/dev/null 2>&1 &&
    grep -qx "programmes: \[\"Triangulum (Horizon 2020 Smart Cities and Communities)\",\"Connected Urban Twins\"\]" "$P/config.yml" &&
    node_json=$(find "$P/public/targets" -name "*.node.json") &&
    /usr/bin/python3 -c "import json,sys; p = json.load(open(sys.argv[1]))[\"programmes\"]; \
        assert p == [\"Triangulum (Horizon 2020 Smart Cities and Communities)\", \"Connected Urban Twins\"], p" \
        "$node_json" &&
    "$CITYNODE" --home "$P" verify >/dev/null &&
    sed -i "s/^programmes: .*/programmes: [\"Triangulum\", \"Triangulum\"]/" "$P/config.yml" &&
    test_expect_code 2 timeout 20 "$CITYNODE" --home "$P" serve --listen 127.0.0.1:0 2>dup.err &&
    grep -q "config.yml:[0-9]*: programmes: programme .Triangulum. is given twice" dup.err
'

test_expect_success 'init refuses a programme given twice or with a control character' '
    test_expect_code 2 "$CITYNODE" --home "$TRASH/p2" init --name X --programme A --programme A 2>e1 &&
    grep -q "given twice" e1 &&
    test_expect_code 2 "$CITYNODE" --home "$TRASH/p3" init --name X --programme "$(printf "a\tb")" 2>e2 &&
    grep -q "control character" e2 &&
    test ! -e "$TRASH/p2/config.yml" && test ! -e "$TRASH/p3/config.yml"
'

test_expect_success 'publish a git repository holding a publiccode.yml' '
    mkdir src && cd src && git init -q && cp "$SAMPLE" publiccode.yml &&
    echo "# Connected Urban Twins" >README.md && git add . && git commit -qm first &&
    cd .. && cn publish src >pub.out &&
    grep -q "/connected-urban-twins@1.0.0$" pub.out
'

ID=$(cat "$TRASH/id.out" 2>/dev/null)
REPO="$H/repos/$ID/connected-urban-twins.git"

test_expect_success 'stock git verify-tag accepts the tag with citynode allowed-signers' '
    cn allowed-signers >allowed &&
    git -C "$REPO" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$TRASH/allowed" \
        verify-tag v1.0.0 2>vt.err &&
    grep -q "Good \"git\" signature" vt.err
'

test_expect_success 'stock git verify-tag refuses the tag for another key' '
    "$CITYNODE" --home "$TRASH/stranger" init --name Stranger >/dev/null 2>&1 &&
    "$CITYNODE" --home "$TRASH/stranger" allowed-signers >stranger.signers &&
    ! git -C "$REPO" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$TRASH/stranger.signers" \
        verify-tag v1.0.0 2>/dev/null
'

test_expect_success 'stock git clones the full bundle and fsck --strict is clean' '
    full=$(ls "$H"/public/targets/items/connected-urban-twins/1.0.0/*.full.bundle) &&
    git clone -q "$full" clone1 2>/dev/null &&
    git -C clone1 fsck --strict &&
    test "$(git -C clone1 rev-parse HEAD)" = "$(git -C src rev-parse HEAD)" &&
    test "$(git -C clone1 cat-file -t v1.0.0)" = tag
'

test_expect_success 'the next version gets a delta bundle that stock git fetches' '
    (cd src && echo "Leipzig West" >>README.md && git commit -qam second) &&
    cn publish src --version 1.1.0 &&
    delta=$(ls "$H"/public/targets/items/connected-urban-twins/1.1.0/*.delta.bundle) &&
    head -c 200 "$delta" | grep -q "^-$(git -C src rev-parse HEAD~1)" &&
    git -C clone1 fetch -q "$delta" "refs/tags/*:refs/tags/*" &&
    test "$(git -C clone1 rev-parse "v1.1.0^{commit}")" = "$(git -C src rev-parse HEAD)" &&
    git -C clone1 fsck --strict
'

test_expect_success 'a version that does not increase is refused and changes nothing' '
    before=$(tree_digest) &&
    test_expect_code 2 cn publish src --version 1.0.9 2>err &&
    grep -q "versions must increase" err &&
    test_expect_code 2 cn publish src --version 1.1.0 &&
    test "$(tree_digest)" = "$before"
'

test_expect_success 'an invalid manifest is refused with FILE:LINE:COL and changes nothing' '
    before=$(tree_digest) &&
    mkdir bad && sed "s/^developmentStatus: beta/developmentStatus: 42/" "$SAMPLE" >bad/publiccode.yml &&
    test_expect_code 2 cn publish bad --version 9.0.0 2>err &&
    grep -q "publiccode.yml:[0-9]*:[0-9]*: developmentStatus" err &&
    test "$(tree_digest)" = "$before"
'

test_expect_success 'a plain directory is snapshotted into a commit on the previous version' '
    mkdir plain && cp "$SAMPLE" plain/publiccode.yml && echo data >plain/notes.txt &&
    cn publish plain --version 1.2.0 &&
    git -C "$REPO" cat-file -p "v1.2.0^{commit}" >commit &&
    grep -q "^parent $(git -C src rev-parse HEAD)" commit &&
    git -C "$REPO" show "v1.2.0:notes.txt" >notes.txt &&
    grep -q data notes.txt
'

test_expect_success 'publish waits for the node lock another process holds, then runs' '
    flock -x "$H/lock" sleep 2 &
    holder=$! &&
    sleep 0.3 &&
    start=$(date +%s) &&
    cn publish plain --version 1.2.1 &&
    wait $holder &&
    test $(( $(date +%s) - start )) -ge 1 &&
    git -C "$REPO" rev-parse -q --verify refs/tags/v1.2.1
'

test_expect_success 'show lists every version, newest manifest first, also as JSON' '
    cn show self/connected-urban-twins >show.out &&
    grep -q "1.0.0" show.out && grep -q "1.2.1" show.out &&
    cn show "${ID:0:12}/connected-urban-twins@1.1.0" --json >show.json &&
    python3 -c "import json,sys; d=json.load(open(\"show.json\")); assert d[\"version\"]==\"1.1.0\"; assert [v[\"version\"] for v in d[\"versions\"]]==[\"1.0.0\",\"1.1.0\",\"1.2.0\",\"1.2.1\"]; assert d[\"manifest\"][\"name\"]==\"Connected Urban Twins\""
'

test_expect_success 'show names an unknown node or item' '
    test_expect_code 1 cn show 00000000/connected-urban-twins 2>err && grep -q "not a node" err &&
    test_expect_code 1 cn show self/nothing-here 2>err && grep -q "not published" err
'

test_expect_success 'verify --all passes on the untouched node' '
    cn verify --all >v.out && grep -q "4 item versions" v.out
'

test_done
