#!/bin/bash
# Software Heritage identifiers (docs/api.yaml, Swhids): every version the
# registry describes carries swh:1:rel: (its signed tag), swh:1:rev: (the
# commit) and swh:1:dir: (the commit's tree), equal to what git rev-parse
# gives for the tag, its commit and its tree: for the node's own item and
# for a follower's mirrored copy. An index-only follower holds no
# repository: it knows the tag and commit from the signed metadata, the tree
# not (null), until `replicate` fetches the item's bundles. A state.db
# from before trees were kept (registry schema 1) is migrated, and the next
# sync round indexes every node again, once, which fills the trees in.
. "$(dirname "$0")/lib.sh"

L="$TRASH/eindhoven"
F="$TRASH/leipzig"
X="$TRASH/prague"
PL=$(test_free_port)

# swhids_match API.json REPO VERSION: the document's swhids are the tag v<VERSION>,
# its commit and its tree in the bare repository REPO, as git rev-parse gives them.
swhids_match() {
    rel=$(git -C "$2" rev-parse "v$3") &&
        rev=$(git -C "$2" rev-parse "v$3^{commit}") &&
        dir=$(git -C "$2" rev-parse "v$3^{tree}") &&
        /usr/bin/python3 - "$1" "$3" "$rel" "$rev" "$dir" <<-\PY
	import json, sys
	path, version, rel, rev, dir_ = sys.argv[1:6]
	doc = json.load(open(path))
	want = {"rel": "swh:1:rel:" + rel, "rev": "swh:1:rev:" + rev, "dir": "swh:1:dir:" + dir_}
	assert rel != rev != dir_, (rel, rev, dir_)
	v = doc["version"]
	assert v["version"] == version, v["version"]
	assert v["swhids"] == want, (v["swhids"], want)
	assert v["tree"] == dir_ and v["commit"] == rev and v["tag"] == rel, v
	listed = [e for e in doc["versions"] if e["version"] == version]
	assert listed and listed[0]["swhids"] == want, listed
	PY
}

test_expect_success 'a node publishes a solution; its SWHIDs are its tag, commit and tree' '
    cn "$L" init --name "Eindhoven (sample)" --country NL --url "http://127.0.0.1:$PL" >lid &&
    test_publish_example "$L" solutions/connected-urban-twins &&
    cn "$L" show "self/$ITEM" --api >own.json &&
    swhids_match own.json "$L/repos/$(cat lid)/$ITEM.git" 1.0.0 &&
    cn "$L" show "self/$ITEM" >own.txt &&
    repo="$L/repos/$(cat lid)/$ITEM.git" &&
    grep -qx "swhid: swh:1:rel:$(git -C "$repo" rev-parse v1.0.0)" own.txt &&
    grep -qx "swhid: swh:1:rev:$(git -C "$repo" rev-parse "v1.0.0^{commit}")" own.txt &&
    grep -qx "swhid: swh:1:dir:$(git -C "$repo" rev-parse "v1.0.0^{tree}")" own.txt &&
    test_serve "$L" "$PL" lighthouse
'
LID=$(cat "$TRASH/lid" 2>/dev/null)

test_expect_success 'a follower mirrors it: the SWHIDs of its copy are the same objects' '
    cn "$F" init --name "Leipzig (sample)" --country DE >/dev/null &&
    cn "$F" peer add "http://127.0.0.1:$PL" >/dev/null 2>&1 &&
    cn "$F" sync >/dev/null 2>sync.err &&
    cn "$F" show "$LID/$ITEM" --api >mirror.json &&
    swhids_match mirror.json "$F/repos/$LID/$ITEM.git" 1.0.0 &&
    swhids_match mirror.json "$L/repos/$LID/$ITEM.git" 1.0.0
'

test_expect_success 'an index-only follower has the tag and commit SWHIDs, the tree null' '
    cn "$X" init --name "Prague (sample)" --country CZ >/dev/null &&
    cn "$X" peer add --policy index "http://127.0.0.1:$PL" >/dev/null 2>&1 &&
    cn "$X" sync >/dev/null 2>sync.err &&
    test_must_fail test -d "$X/repos/$LID/$ITEM.git" &&
    cn "$X" show "$LID/$ITEM" --api >index.json &&
    /usr/bin/python3 - index.json own.json <<-\PY
	import json, sys
	idx, own = (json.load(open(p))["version"] for p in sys.argv[1:3])
	assert idx["swhids"]["rev"] == own["swhids"]["rev"], idx["swhids"]
	assert idx["swhids"]["rel"] == own["swhids"]["rel"], idx["swhids"]
	assert idx["swhids"]["dir"] is None and idx["tree"] is None, idx
	PY
'

test_expect_success 'once the index-only follower replicates it, the tree is known' '
    cn "$X" replicate "$LID/$ITEM" work >/dev/null 2>replicate.err &&
    cn "$X" show "$LID/$ITEM" --api >fetched.json &&
    swhids_match fetched.json "$X/repos/$LID/$ITEM.git" 1.0.0
'

test_expect_success 'the documents with and without a tree are as docs/api.yaml says' '
    /usr/bin/python3 "$CN_SOURCE_DIR/tests/api/check_openapi.py" "$CN_SOURCE_DIR/docs/api.yaml" \
        "/api/v1/items/$LID/$ITEM" 200 own.json "/api/v1/items/$LID/$ITEM" 200 index.json
'

# Make STATE.DB look as registry schema version 1 left it: no tree_id column
# (nor the logo column of schema 3).
downgrade() {
    /usr/bin/python3 - "$1" <<-\PY
	import sqlite3, sys
	db = sqlite3.connect(sys.argv[1])
	db.execute("ALTER TABLE reg_versions DROP COLUMN tree_id")
	db.execute("ALTER TABLE reg_nodes DROP COLUMN logo")
	db.execute("UPDATE reg_meta SET value = '1' WHERE key = 'schema_version'")
	db.commit()
	PY
}

test_expect_success 'a schema-1 state.db is migrated; the next sync round fills the trees in' '
    downgrade "$F/state.db" &&
    downgrade "$L/state.db" &&
    cn "$F" show "$LID/$ITEM" --api >migrated.json &&
    /usr/bin/python3 - migrated.json "$F/state.db" <<-\PY &&
	import json, sqlite3, sys
	v = json.load(open(sys.argv[1]))["version"]
	assert v["swhids"]["dir"] is None and v["swhids"]["rev"].startswith("swh:1:rev:"), v
	db = sqlite3.connect(sys.argv[2])
	assert db.execute("SELECT value FROM reg_meta WHERE key = ?", ("schema_version",)).fetchone() == ("3",)
	PY
    cn "$F" sync >/dev/null 2>sync2.err &&
    cn "$F" show "$LID/$ITEM" --api >refilled.json &&
    swhids_match refilled.json "$F/repos/$LID/$ITEM.git" 1.0.0 &&
    cn "$L" sync >/dev/null 2>sync3.err &&
    cn "$L" show "self/$ITEM" --api >own2.json &&
    swhids_match own2.json "$L/repos/$LID/$ITEM.git" 1.0.0 &&
    /usr/bin/python3 - "$F/state.db" "$L/state.db" <<-\PY
	import sqlite3, sys
	for path in sys.argv[1:3]:
	    db = sqlite3.connect(path)
	    # indexed again once: the mark the migration left is gone
	    assert db.execute("SELECT count(*) FROM reg_meta WHERE key = ?", ("reindex",)).fetchone() == (0,), path
	PY
'

test_done
