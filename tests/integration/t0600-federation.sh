#!/bin/bash
# Stories of a federation of real nodes on 127.0.0.1 (sample cities from the
# Triangulum project): a lighthouse publishes, a follower adds it, syncs and
# verifies; the next version costs only its delta bundle; a third node syncs
# the lighthouse's items from the follower's mirror while the lighthouse is
# down; stock git clones and verifies what was mirrored.
. "$(dirname "$0")/lib.sh"

L="$TRASH/eindhoven"
F="$TRASH/leipzig"
T="$TRASH/prague"
PL=$(test_free_port)
PF=$(test_free_port)

# A digest of a node's trusted state of a peer: mirror files and repo refs.
mirror_digest() { # HOME ID
    (cd "$1" && find "mirrors/$2" -type f -print0 >"$TRASH/mirror.files" &&
        sort -z "$TRASH/mirror.files" | xargs -0 sha256sum &&
        git -C "repos/$2/$ITEM.git" show-ref) >"$TRASH/mirror.digest" &&
    sha256sum <"$TRASH/mirror.digest"
}

test_expect_success 'the lighthouse (sample: Eindhoven) publishes and serves' '
    cn "$L" init --name "Eindhoven (sample)" --country NL --url "http://127.0.0.1:$PL" >lid &&
    mkdir src && cp "$SAMPLE" src/publiccode.yml &&
    (cd src && git init -q && echo "# Connected Urban Twins" >README.md &&
     git add . && git commit -qm "first version") &&
    cn "$L" publish src >/dev/null &&
    test_serve "$L" "$PL" lighthouse
'

LID=$(cat "$TRASH/lid" 2>/dev/null)

test_expect_success 'the follower (sample: Leipzig) serves, adds the lighthouse: peer add prints its id' '
    cn "$F" init --name "Leipzig (sample)" --country DE --url "http://127.0.0.1:$PF" >fid &&
    test_serve "$F" "$PF" follower &&
    cn "$F" peer add "http://127.0.0.1:$PL" >added &&
    test "$(cat added)" = "$LID"
'

test_expect_success 'the follower syncs: the item is mirrored and verified' '
    cn "$F" sync >sync1 &&
    grep -q "^$(cut -c1-12 lid)  eindhoven-sample .* ok " sync1 &&
    grep -q "new $ITEM@1.0.0" sync1 &&
    cn "$F" verify --all >verify1 &&
    grep -q "mirror of node $(cut -c1-12 lid)" verify1 &&
    test "$(git -C "$F/repos/$LID/$ITEM.git" tag)" = v1.0.0 &&
    test "$(git -C "$F/repos/$LID/$ITEM.git" rev-parse main)" = \
         "$(git -C "$L/repos/$LID/$ITEM.git" rev-parse v1.0.0^{commit})" &&
    test "$(git -C "$F/repos/$LID/$ITEM.git" rev-parse v1.0.0)" = \
         "$(git -C "$L/repos/$LID/$ITEM.git" rev-parse v1.0.0)"
'

test_expect_success 'the follower re-serves the verified files byte for byte' '
    for f in tuf/1.root.json tuf/timestamp.json .well-known/citynode.json; do
        curl -fsS "http://127.0.0.1:$PF/mirrors/$LID/$f" >got &&
        cmp got "$F/mirrors/$LID/$f" || exit 1
    done &&
    curl -fsS "http://127.0.0.1:$PL/tuf/timestamp.json" >timestamp.json &&
    cmp timestamp.json "$F/mirrors/$LID/tuf/timestamp.json"
'

test_expect_success 'with nothing new, a sync is one request' '
    cn "$F" sync >sync2 &&
    grep -q "unchanged  0 targets  0 bytes  1 request$" sync2
'

test_expect_success 'the lighthouse publishes 1.1.0: the follower fetches only its delta bundle' '
    (cd src && echo "Replicated in Leipzig-West" >>README.md && git commit -qam "second version") &&
    cn "$L" publish src --version 1.1.0 >/dev/null &&
    cn "$F" sync >sync3 &&
    grep -q "new $ITEM@1.1.0" sync3 &&
    grep -q " ok  *2 targets " sync3 &&
    ls "$F/mirrors/$LID/targets/items/$ITEM/1.1.0/" >files &&
    grep -q "\.delta\.bundle$" files && ! grep -q "\.full\.bundle$" files &&
    full=$(ls "$L"/public/targets/items/$ITEM/1.1.0/*.full.bundle) &&
    delta=$(ls "$L"/public/targets/items/$ITEM/1.1.0/*.delta.bundle) &&
    bytes=$(sed -n "s/.* \([0-9]*\) bytes .*/\1/p" sync3) &&
    test "$bytes" -lt $(( $(stat -c %s "$delta") + 16384 )) &&
    test "$(stat -c %s "$full")" -gt "$(stat -c %s "$delta")" &&
    git -C "$F/repos/$LID/$ITEM.git" tag >tags &&
    printf "v1.0.0\nv1.1.0\n" | cmp - tags &&
    cn "$F" verify --all >/dev/null
'

test_expect_success 'stock git clones the mirror and verify-tag accepts the lighthouse signature' '
    cn "$L" allowed-signers >allowed &&
    git clone -q "$F/repos/$LID/$ITEM.git" clone &&
    grep -q "Leipzig-West" clone/README.md &&
    git -C clone -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$TRASH/allowed" \
        verify-tag v1.1.0 2>vt.err &&
    grep -q "Good \"git\" signature" vt.err &&
    git -C "$F/repos/$LID/$ITEM.git" fsck --strict --no-dangling 2>fsck.err
'

test_expect_success 'stock git clones the mirrored repository over the follower'"'"'s HTTP' '
    git clone -q "http://127.0.0.1:$PF/git/$LID/$ITEM.git" httpclone &&
    test "$(git -C httpclone rev-parse HEAD)" = "$(git -C clone rev-parse HEAD)"
'

test_expect_success 'a third node (sample: Prague) adds the lighthouse and the follower' '
    cn "$T" init --name "Prague (sample)" --country CZ >/dev/null &&
    cn "$T" peer add "http://127.0.0.1:$PL" >added &&
    test "$(cat added)" = "$LID" &&
    cn "$T" peer add "http://127.0.0.1:$PF" >added &&
    test "$(cat added)" = "$(cat fid)" &&
    cn "$T" sync leipzig-sample >sync4 &&
    grep -q " ok " sync4
'

test_expect_success 'the lighthouse is down: the third node syncs its items from the follower' '
    test_stop_server lighthouse &&
    cn "$T" sync eindhoven-sample >sync5 2>err5 &&
    grep -q "ok .* via http://127.0.0.1:$PF/mirrors/$LID" sync5 &&
    grep -q "new $ITEM@1.1.0" sync5 &&
    cn "$T" verify --all >/dev/null &&
    test "$(git -C "$T/repos/$LID/$ITEM.git" rev-parse v1.1.0)" = \
         "$(git -C "$L/repos/$LID/$ITEM.git" rev-parse v1.1.0)" &&
    test "$(git -C "$T/repos/$LID/$ITEM.git" rev-parse main)" = \
         "$(git -C "$L/repos/$LID/$ITEM.git" rev-parse v1.1.0^{commit})" &&
    cmp "$T/mirrors/$LID/tuf/timestamp.json" "$F/mirrors/$LID/tuf/timestamp.json"
'

test_expect_success 'the follower cannot reach the lighthouse: exit 1, trusted state unchanged' '
    before=$(mirror_digest "$F" "$LID") &&
    test_expect_code 1 cn "$F" sync eindhoven-sample >sync6 2>err6 &&
    grep -q "failed" sync6 &&
    grep -q "127.0.0.1:$PL/tuf/timestamp.json" err6 &&
    test "$(mirror_digest "$F" "$LID")" = "$before" &&
    cn "$F" peer list >list &&
    grep -q "error: http://127.0.0.1:$PL/tuf/timestamp.json" list
'

test_expect_success 'peer remove forgets the peer, its mirror and its repositories' '
    cn "$T" peer remove eindhoven-sample 2>/dev/null &&
    test ! -e "$T/mirrors/$LID" && test ! -e "$T/repos/$LID" &&
    cn "$T" peer list >peers &&
    ! grep -q eindhoven peers &&
    cn "$T" verify --all >/dev/null
'

test_done
