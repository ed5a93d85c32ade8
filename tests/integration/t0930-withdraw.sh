#!/bin/bash
# `citynode withdraw ITEM[@V] --reason TEXT` with two real nodes on 127.0.0.1
# (sample cities of the Triangulum project): the publisher signs that a
# version is withdrawn; nothing is deleted (files, bundles and tags still
# verify, a replica keeps working), and the publisher's registry and, after a
# sync, the follower's show the version - then the whole item - as withdrawn
# with its reason and date, never dropping it.
. "$(dirname "$0")/lib.sh"

L="$TRASH/eindhoven"
F="$TRASH/leipzig"
PL=$(test_free_port)
PF=$(test_free_port)

lh() { "$CITYNODE" --home "$L" "$@"; }
fo() { "$CITYNODE" --home "$F" "$@"; }
get() { curl -sS -o "$3" -w "%{http_code}" "http://127.0.0.1:$1$2"; }
# Everything the publisher has signed and stored, to show a refused command changes nothing.
tree_digest() {
    (cd "$L" && find public repos -type f -print0 >"$TRASH/files" &&
        sort -z "$TRASH/files" | xargs -0 sha256sum) >"$TRASH/digest.in" &&
    sha256sum <"$TRASH/digest.in"
}

test_expect_success 'the lighthouse (sample: Eindhoven) publishes two versions; a follower syncs' '
    lh init --name "Eindhoven (sample)" --country NL --url "http://127.0.0.1:$PL" >lid &&
    mkdir src && cp "$CN_SOURCE_DIR/examples/solutions/$ITEM/publiccode.yml" src/ &&
    git -C src init -q && git -C src add . && git -C src commit -qm one &&
    lh publish src >/dev/null 2>&1 &&
    sed -i "s/^softwareVersion: .*/softwareVersion: 1.1.0/" src/publiccode.yml &&
    git -C src commit -qam two && lh publish src >/dev/null 2>&1 &&
    test_serve "$L" "$PL" lighthouse &&
    fo init --name "Stadt Leipzig (sample)" --country DE --url "http://127.0.0.1:$PF" >/dev/null &&
    fo peer add "http://127.0.0.1:$PL" >/dev/null 2>&1 &&
    fo sync >/dev/null 2>&1 &&
    fo replicate "$(cut -c1-12 lid)/$ITEM@1.0.0" replica >/dev/null
'
LID=$(cat "$TRASH/lid" 2>/dev/null)

test_expect_success 'withdraw needs a reason and a published item, and then changes nothing' '
    before=$(tree_digest) &&
    test_expect_code 2 lh withdraw "$ITEM@1.0.0" 2>e1 && grep -q "reason" e1 &&
    test_expect_code 2 lh withdraw "$ITEM@1.0.0" --reason "$(printf "a\\tb")" 2>e2 &&
    grep -q "control character" e2 &&
    test_expect_code 2 lh withdraw "$ITEM@1.0.0" --reason "$(head -c 501 /dev/zero | tr "\\0" x)" 2>e3 &&
    test_expect_code 1 lh withdraw no-such-item --reason gone 2>e4 && grep -q "no-such-item" e4 &&
    test_expect_code 1 lh withdraw "$ITEM@9.9.9" --reason gone 2>e5 && grep -q "9.9.9" e5 &&
    test_expect_code 2 lh withdraw "../x" --reason gone &&
    test "$(tree_digest)" = "$before"
'

test_expect_success 'withdrawing a version signs it in the targets metadata; the files stay' '
    ts=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[\"signed\"][\"version\"])" "$L/public/tuf/timestamp.json") &&
    lh withdraw "$ITEM@1.0.0" --reason "Superseded by 1.1.0, which fixes the data import" >out &&
    grep -qx "withdrew 1 version of $ITEM" out &&
    ts2=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[\"signed\"][\"version\"])" "$L/public/tuf/timestamp.json") &&
    test "$ts2" -gt "$ts" &&
    lh verify --all >/dev/null &&
    test "$(get "$PL" "/download/$LID/$ITEM/1.0.0/full.bundle" b.bundle)" = 200 &&
    lh show "self/$ITEM@1.0.0" >show.txt &&
    grep -q "^withdrawn: Superseded by 1.1.0, which fixes the data import$" show.txt
'

test_expect_success 'the publisher registry shows the version withdrawn, the item not' '
    test "$(get "$PL" "/api/v1/items/$LID/$ITEM/versions" v.json)" = 200 &&
    /usr/bin/python3 - v.json <<-\PY
	import json, sys
	doc = json.load(open(sys.argv[1]))
	v = {x["version"]: x for x in doc["versions"]}
	assert v["1.0.0"]["withdrawn"] is True, v["1.0.0"]
	assert v["1.0.0"]["withdrawn_reason"] == "Superseded by 1.1.0, which fixes the data import"
	assert v["1.0.0"]["withdrawn_at"], v["1.0.0"]
	assert v["1.1.0"]["withdrawn"] is False and doc["withdrawn"] is False, doc
	PY
'

test_expect_success 'after a sync the follower shows it withdrawn too, and still verifies' '
    fo sync >/dev/null 2>sync.err &&
    fo verify --all >/dev/null &&
    fo search --node "${LID:0:12}" --json >s.json &&
    fo show "${LID:0:12}/$ITEM@1.0.0" --api >item.json &&
    /usr/bin/python3 - s.json item.json <<-\PY &&
	import json, sys
	s, item = (json.load(open(p)) for p in sys.argv[1:3])
	assert s["total"] == 1 and s["results"][0]["withdrawn"] is False, s
	v = item["version"]
	assert v["version"] == "1.0.0" and v["withdrawn"] is True, v
	assert v["withdrawn_reason"].startswith("Superseded by 1.1.0"), v
	PY
    git -C replica log --oneline >/dev/null
'

test_expect_success 'withdrawing the whole item marks the item; search still finds it, marked' '
    lh withdraw "$ITEM" --reason "No longer maintained by the city" >out2 &&
    grep -qx "withdrew 1 version of $ITEM (others were withdrawn before)" out2 &&
    fo sync >/dev/null 2>&1 &&
    fo search Twins --json >all.json &&
    fo search Twins --withdrawn exclude --json >ex.json &&
    fo search Twins --withdrawn only --json >only.json &&
    /usr/bin/python3 - all.json ex.json only.json <<-\PY
	import json, sys
	a, ex, only = (json.load(open(p)) for p in sys.argv[1:4])
	assert a["total"] == 1 and a["results"][0]["withdrawn"] is True, a
	assert ex["total"] == 0, ex
	assert only["total"] == 1, only
	PY
'

test_expect_success 'the withdrawn documents are what docs/api.yaml specifies' '
    /usr/bin/python3 "$CN_SOURCE_DIR/tests/api/check_openapi.py" "$CN_SOURCE_DIR/docs/api.yaml" \
        "/api/v1/items/$LID/$ITEM/versions" 200 v.json \
        "/api/v1/items/$LID/$ITEM" 200 item.json \
        /api/v1/search 200 all.json
'

test_expect_success 'withdrawing again changes nothing and says so' '
    before=$(tree_digest) &&
    lh withdraw "$ITEM" --reason "again" >again &&
    grep -qx "$ITEM was already withdrawn" again &&
    test "$(tree_digest)" = "$before" &&
    lh show "self/$ITEM@1.0.0" >show.out &&
    grep -q "^withdrawn: Superseded by 1.1.0" show.out
'

test_expect_success 'a publish says which followed peer its hint did not reach, and succeeds' '
    test_serve "$F" "$PF" follower &&
    lh peer add --policy index "http://127.0.0.1:$PF" >/dev/null 2>&1 &&
    test_stop_servers &&
    sed -i "s/^softwareVersion: .*/softwareVersion: 1.2.0/" src/publiccode.yml &&
    git -C src commit -qam three && lh publish src >/dev/null 2>pub.err &&
    grep -q "^note: a hint did not arrive: http://127.0.0.1:$PF/inbox: " pub.err &&
    ! grep -q "hinted" pub.err
'

test_done
