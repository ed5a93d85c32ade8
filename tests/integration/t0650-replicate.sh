#!/bin/bash
# t0650-replicate.sh - `citynode replicate NODE/ITEM[@V] DEST` with two real
# nodes on 127.0.0.1 (docs/PROTOCOL.md §11): a follower city (Leipzig) syncs
# a lighthouse city (Eindhoven) and replicates its solution into a working
# repository whose history is the lighthouse's signed tag, with provenance;
# its signed `replicates` attestation reaches the lighthouse, whose `show`
# lists who replicated what. Bad references write nothing. (Sample data from
# the Triangulum project.)
. "$(dirname "$0")/lib.sh"

L="$TRASH/eindhoven"
F="$TRASH/leipzig"
lh() { "$CITYNODE" --home "$L" "$@"; }
fo() { "$CITYNODE" --home "$F" "$@"; }

LPORT=$(test_free_port)
FPORT=$(test_free_port)

# Everything a refused replicate must leave alone on the follower.
follower_digest() {
    (cd "$F" && find public repos mirrors -type f -print0 >"$TRASH/follower.files" &&
        sort -z "$TRASH/follower.files" | xargs -0 sha256sum) >"$TRASH/follower.digest" &&
    sha256sum <"$TRASH/follower.digest"
}

test_expect_success 'the lighthouse publishes two versions of a solution from git' '
    lh init --name "Gemeente Eindhoven (sample)" --country NL --url "http://127.0.0.1:$LPORT" >lid &&
    mkdir src && cp "$SAMPLE" src/publiccode.yml && git -C src init -q &&
    echo "# Connected Urban Twins" >src/README.md && git -C src add . &&
    git -C src commit -qm "first release" && lh publish src >/dev/null &&
    sed -i "s/^softwareVersion: .*/softwareVersion: 1.1.0/" src/publiccode.yml &&
    echo "Twin of Strijp-S" >>src/README.md && git -C src commit -qam "second release" &&
    lh publish src >/dev/null &&
    test_serve "$L" "$LPORT" eindhoven
'
LID=$(cat "$TRASH/lid" 2>/dev/null)
LREPO="$L/repos/$LID/$ITEM.git"

test_expect_success 'the follower adds and syncs the lighthouse' '
    fo init --name "Stadt Leipzig (sample)" --country DE --url "http://127.0.0.1:$FPORT" >fid &&
    fo peer add "http://127.0.0.1:$LPORT" >/dev/null 2>&1 &&
    fo sync >/dev/null &&
    test -d "$F/repos/$LID/$ITEM.git"
'
FID=$(cat "$TRASH/fid" 2>/dev/null)

test_expect_success 'replicate clones the newest version into a working repository' '
    fo replicate "${LID:0:12}/$ITEM" twin >out && cat out &&
    head -1 out | grep -qx twin &&
    want=$(git -C "$LREPO" rev-parse "v1.1.0^{commit}") &&
    grep -qx "commit $want" out &&
    grep -qx "attestation attestations/replicates-${LID:0:16}-$ITEM-1.1.0.json" out &&
    test "$(git -C twin rev-parse HEAD)" = "$want" &&
    test "$(git -C twin symbolic-ref HEAD)" = refs/heads/main &&
    test -z "$(git -C twin status --porcelain)" &&
    git -C "$LREPO" log --format="%H %T %s" v1.1.0 >want.log &&
    git -C twin log --format="%H %T %s" >got.log &&
    cmp want.log got.log &&
    grep -q "Strijp-S" twin/README.md
'

test_expect_success 'stock git verify-tag accepts the signed tag in the working copy' '
    fo allowed-signers "${LID:0:12}" >signers &&
    grep -q "^citynode-$LID " signers &&
    git -C twin -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$TRASH/signers" \
        verify-tag v1.1.0 2>vt.err &&
    grep -q "Good \"git\" signature" vt.err &&
    test "$(git -C twin rev-parse v1.1.0)" = "$(git -C "$LREPO" rev-parse v1.1.0)"
'

test_expect_success 'the working copy records where it came from' '
    test "$(git -C twin config citynode.replicates)" = "$LID/$ITEM@1.1.0" &&
    test "$(git -C twin config citynode.commit)" = "$(git -C "$LREPO" rev-parse "v1.1.0^{commit}")" &&
    test "$(git -C twin config citynode.tag)" = "$(git -C "$LREPO" rev-parse v1.1.0)" &&
    test "$(git -C twin remote get-url origin)" = "http://127.0.0.1:$LPORT/git/$LID/$ITEM.git" &&
    python3 - "$LID" "$FID" <<-EOF &&
	import json, sys
	p = json.load(open("twin/.git/citynode-provenance.json"))
	assert p["replicates"]["node"] == sys.argv[1] and p["replicates"]["version"] == "1.1.0", p
	assert p["by"] == sys.argv[2], p
	EOF
    git -C twin fetch -q origin &&
    test "$(git -C twin rev-parse origin/main)" = "$(git -C "$LREPO" rev-parse main)"
'

test_expect_success 'the follower published a signed attestation and still verifies' '
    fo verify --all &&
    a=$(ls "$F"/public/targets/attestations/*.replicates-"${LID:0:16}"-$ITEM-1.1.0.json) &&
    python3 - "$a" "$LID" "$FID" "$(git -C "$LREPO" rev-parse v1.1.0)" <<-EOF
	import json, sys
	a = json.load(open(sys.argv[1]))
	assert a["type"] == "replicates" and a["by"] == sys.argv[3], a
	s = a["subject"]
	assert s["node"] == sys.argv[2] and s["item"] == "connected-urban-twins", a
	assert s["version"] == "1.1.0" and s["tag"] == sys.argv[4] and a["as"] is None, a
	EOF
'

test_expect_success 'replicate @1.0.0 --as checks out the older version, making missing directories' '
    fo replicate --as twin-leipzig "gemeente-eindhoven-sample/$ITEM@1.0.0" work/twin-1.0 >out &&
    test "$(git -C work/twin-1.0 rev-parse HEAD)" = "$(git -C "$LREPO" rev-parse "v1.0.0^{commit}")" &&
    ! grep -q "Strijp-S" work/twin-1.0/README.md &&
    grep -q "replicates-${LID:0:16}-$ITEM-1.0.0.json" out &&
    mkdir empty && fo replicate --as twin-leipzig "$LID/$ITEM@1.0.0" empty >/dev/null &&
    test -d empty/.git
'

test_expect_success 'bad references and a used DEST are refused and write nothing' '
    before=$(follower_digest) &&
    mkdir used && echo x >used/file &&
    for args in "0123456789ab/$ITEM new1" "gemeente-eindhoven-sample/no-such-item new1" \
                "gemeente-eindhoven-sample/$ITEM@9.9.9 new1" "gemeente-eindhoven-sample/$ITEM@1.0 new1" \
                "gemeente-eindhoven-sample/../etc new1" "gemeente-eindhoven-sample/$ITEM@1.0.0/../x new1" \
                "$ITEM new1" "self/$ITEM new1" "gemeente-eindhoven-sample/$ITEM used" \
                "gemeente-eindhoven-sample/$ITEM twin" "gemeente-eindhoven-sample/$ITEM used/file/new1" \
                "gemeente-eindhoven-sample/nope nodir/new1"; do
        test_expect_code 2 fo replicate $args 2>err || { echo "args: $args"; exit 1; }
        test -s err && test "$(wc -l <err)" = 1 || { cat err; exit 1; }
    done &&
    test ! -e new1 && test ! -e nodir && test "$(ls used)" = file &&
    test -z "$(ls -A . | grep replicate-)" &&
    test "$(follower_digest)" = "$before"
'

test_expect_success 'the lighthouse follows the follower and sees who replicated its solution' '
    test_serve "$F" "$FPORT" leipzig &&
    lh peer add "http://127.0.0.1:$FPORT" >/dev/null 2>&1 &&
    lh sync >/dev/null &&
    lh show "self/$ITEM" >show.out && cat show.out &&
    grep -q "^replicated by ${FID:0:12} (Stadt Leipzig (sample)) as a working copy at version 1.1.0" show.out &&
    grep -q "^replicated by ${FID:0:12} (Stadt Leipzig (sample)) as twin-leipzig at version 1.0.0" show.out &&
    lh show --json "self/$ITEM" >show.json &&
    python3 -c "import json; r = json.load(open(\"show.json\"))[\"replicated_by\"]; \
assert [x[\"version\"] for x in r] == [\"1.0.0\", \"1.1.0\"], r"
'

test_expect_success 'an index peer is fetched on demand before it is replicated' '
    "$CITYNODE" --home "$TRASH/prague" init --name "Praha (sample)" --country CZ >/dev/null 2>&1 &&
    "$CITYNODE" --home "$TRASH/prague" peer add --policy index "http://127.0.0.1:$LPORT" \
        >/dev/null 2>&1 &&
    "$CITYNODE" --home "$TRASH/prague" sync >/dev/null &&
    "$CITYNODE" --home "$TRASH/prague" replicate "gemeente-eindhoven-sample/$ITEM" prague-twin >/dev/null &&
    test "$(git -C prague-twin rev-parse HEAD)" = "$(git -C "$LREPO" rev-parse "v1.1.0^{commit}")" &&
    "$CITYNODE" --home "$TRASH/prague" verify --all
'

test_done
