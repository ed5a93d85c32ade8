# lib-attack.sh - the stage of the attack suite (tests/integration/t070*.sh).
#
# Source it after lib.sh. It gives each test script:
#
#   - an honest publisher ("Eindhoven (sample)") and three exported trees of
#     it: tree1 (lw-data@1.0.0), tree2 (lw-data@1.1.0), tree3 (lw-data@1.2.0
#     and a new item zukunftsforum-zukunftslabor@1.0.0), plus copies of the
#     publisher's home and source repository as they were at tree1 and at
#     tree2, for attacks that need another future;
#   - a staged web server (tests/attack/server.py) on $URL, whose tree and
#     misbehaviour `stage` switches without a restart;
#   - a follower ("Leipzig (sample)") that added the publisher and synced
#     tree2: $BASE, copied afresh for every scenario;
#   - attack_expect: run a sync against a staged tree, demand the exit status,
#     a message naming what failed and an unchanged trusted state, then demand
#     that the honest tree3 syncs cleanly;
#   - attack_expect_item: the same for an attack on one item's bundles, which
#     fails that item only (PROTOCOL §8): its repository unchanged, the peer's
#     other items and new metadata committed, then the publisher's next
#     metadata (recovery_tree) syncs cleanly;
#   - small forging helpers over $CN_FORGE (tests/attack/forge.c), for trees
#     in either metadata layout (docs/PROTOCOL.md §4, §4.1), which they read
#     from the tree itself.
#
# SAMPLE DATA: the items are the repository's examples/ (drawn from the seed
# documents), published under sample names.

: "${CN_FORGE:?CN_FORGE must name the cn_forge tool}"
ATTACK_DIR="$CN_SOURCE_DIR/tests/attack"

PORT=$(test_free_port)
URL="http://127.0.0.1:$PORT"
CTL="$TRASH/control.json"
REQLOG="$TRASH/requests.log"
P="$TRASH/publisher"
KEY="$P/keys/node.key"
BASE="$TRASH/follower-base"
SRC="$TRASH/src"
ITEM=lw-data
ITEM2=zukunftsforum-zukunftslabor
# Longest a single sync may take before the test calls it hung.
SYNC_TIMEOUT=${SYNC_TIMEOUT:-90}

forge() { "$CN_FORGE" "$@"; }

# ---------------------------------------------------------------------------
# The staged server
# ---------------------------------------------------------------------------

# stage TREE [RULES_JSON] [CONDITIONAL]: serve TREE (a directory, or "" for
# nothing but 404s) from now on, misbehaving as RULES say (server.py).
stage() {
    python3 - "$CTL" "$1" "${2:-[]}" "${3:-true}" <<'EOF'
import json, os, sys
ctl, root, rules, cond = sys.argv[1:5]
doc = {"root": root or None, "rules": json.loads(rules), "conditional": cond == "true"}
with open(ctl + ".tmp", "w") as f:
    json.dump(doc, f)
os.replace(ctl + ".tmp", ctl)
EOF
}

start_server() {
    python3 "$ATTACK_DIR/server.py" --port "$PORT" --control "$CTL" --log "$REQLOG" \
        2>"$TRASH/server.err" &
    echo $! >"$TRASH/server.pid"
    test_wait_http "$PORT" /tuf/1.root.json
}
stop_server() {
    [ -f "$TRASH/server.pid" ] || return 0
    kill "$(cat "$TRASH/server.pid")" 2>/dev/null
    wait "$(cat "$TRASH/server.pid")" 2>/dev/null
    rm -f "$TRASH/server.pid"
    return 0
}
test_at_exit stop_server

# ---------------------------------------------------------------------------
# The honest publisher and the follower
# ---------------------------------------------------------------------------

# publish_sources: the publisher, its three trees, its state at tree2, and
# the follower base that trusts tree2.
# CN_TEST_LAYOUT=1 or 2 names the layout the publisher writes (config.yml
# metadata_layout: layout 1, or a delegated role per item, docs/PROTOCOL.md
# §4.1) explicitly, whatever citynode's default is, so CMake's reruns in the
# layout that is not the default (the -layout1 tests) keep meaning what they
# say when the default flips; unset, the publisher writes the default.
attack_setup() {
    "$CITYNODE" --home "$P" init --name "Eindhoven (sample)" --country NL --url "$URL" \
        >"$TRASH/pubid" &&
    PUBID=$(cat "$TRASH/pubid") &&
    case "${CN_TEST_LAYOUT:-}" in
    "") ;;
    1 | 2)
        sed -i "/^metadata_layout:/d" "$P/config.yml" &&
            echo "metadata_layout: $CN_TEST_LAYOUT" >>"$P/config.yml"
        ;;
    *) echo "CN_TEST_LAYOUT must be 1 or 2, not $CN_TEST_LAYOUT" && false ;;
    esac &&
    mkdir "$SRC" &&
    cp "$CN_SOURCE_DIR"/examples/datasets/leipzig-west-beteiligung-2016/* "$SRC/" &&
    sed -i "s/^id: .*/id: $ITEM/" "$SRC/citynode.yml" &&
    git -C "$SRC" init -q && git -C "$SRC" add . && git -C "$SRC" commit -qm "sample data" &&
    "$CITYNODE" --home "$P" publish "$SRC" >/dev/null &&
    "$CITYNODE" --home "$P" export "$TRASH/tree1" >/dev/null &&
    cp -a "$P" "$TRASH/publisher-at-1" && cp -a "$SRC" "$TRASH/src-at-1" &&
    echo "Leipzig-West, second survey" >>"$SRC/README.md" &&
    git -C "$SRC" add . && git -C "$SRC" commit -qm "second survey" &&
    "$CITYNODE" --home "$P" publish "$SRC" --version 1.1.0 >/dev/null &&
    "$CITYNODE" --home "$P" export "$TRASH/tree2" >/dev/null &&
    cp -a "$P" "$TRASH/publisher-at-2" && cp -a "$SRC" "$TRASH/src-at-2" &&
    echo "Leipzig-West, third survey" >>"$SRC/README.md" &&
    git -C "$SRC" commit -qam "third survey" &&
    "$CITYNODE" --home "$P" publish "$SRC" --version 1.2.0 >/dev/null &&
    mkdir "$TRASH/zf" &&
    cp "$CN_SOURCE_DIR"/examples/solutions/zukunftsforum-zukunftslabor/* "$TRASH/zf/" &&
    "$CITYNODE" --home "$P" publish "$TRASH/zf" >/dev/null &&
    "$CITYNODE" --home "$P" export "$TRASH/tree3" >/dev/null &&
    case "${CN_TEST_LAYOUT:-}" in
    1) ! is_layout2 "$TRASH/tree3" ;;
    2) is_layout2 "$TRASH/tree3" && ls "$TRASH"/tree3/tuf/*.items.*.json >/dev/null ;;
    esac &&
    stage "$TRASH/tree2" &&
    start_server &&
    "$CITYNODE" --home "$BASE" init --name "Leipzig (sample)" --country DE >/dev/null &&
    "$CITYNODE" --home "$BASE" peer add "$URL" --expect "$PUBID" >/dev/null &&
    "$CITYNODE" --home "$BASE" sync >/dev/null &&
    cmp "$BASE/mirrors/$PUBID/tuf/timestamp.json" "$TRASH/tree2/tuf/timestamp.json" &&
    git -C "$BASE/repos/$PUBID/$ITEM.git" rev-parse -q --verify refs/tags/v1.1.0 >/dev/null
}
PUBID=$(cat "$TRASH/pubid" 2>/dev/null || true)

# ---------------------------------------------------------------------------
# Trusted state and the attack story
# ---------------------------------------------------------------------------

# trusted_state HOME: every path below mirrors/ and repos/ with the sha256 of
# every file, and the peer rows of state.db without the fields that record
# the last attempt (last_sync, last_result, last_error).
trusted_state() {
    (cd "$1" && find mirrors repos -print | LC_ALL=C sort &&
        find mirrors repos -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum) &&
    python3 - "$1/state.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
tables = [r[0] for r in db.execute(
    "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'peer%' ORDER BY name")]
for t in tables:
    cols = [r[1] for r in db.execute(f"PRAGMA table_info({t})")
            if r[1] not in ("last_sync", "last_result", "last_error")]
    for row in db.execute(f"SELECT {','.join(cols)} FROM {t} ORDER BY 1, 2"):
        print(t, dict(zip(cols, row)))
EOF
}

# honest_synced HOME: the follower holds exactly tree3, verified.
honest_synced() {
    cmp "$1/mirrors/$PUBID/tuf/timestamp.json" "$TRASH/tree3/tuf/timestamp.json" &&
    test "$(git -C "$1/repos/$PUBID/$ITEM.git" rev-parse refs/tags/v1.2.0)" = \
        "$(git -C "$P/repos/$PUBID/$ITEM.git" rev-parse refs/tags/v1.2.0)" &&
    test "$(git -C "$1/repos/$PUBID/$ITEM2.git" rev-parse refs/tags/v1.0.0)" = \
        "$(git -C "$P/repos/$PUBID/$ITEM2.git" rev-parse refs/tags/v1.0.0)" &&
    "$CITYNODE" --home "$1" verify --all >/dev/null &&
    forge check-mirror "$1/mirrors/$PUBID" "$1/repos/$PUBID" >/dev/null
}

# run_sync HOME NAME: one `citynode sync`, its exit status in $code, its
# stderr in $TRASH/NAME.err; a line for the summary in $TRASH/summary.
run_sync() {
    set +e
    t0=$(date +%s%3N)
    timeout "$SYNC_TIMEOUT" "$CITYNODE" --home "$1" sync >"$TRASH/$2.out" 2>"$TRASH/$2.err"
    code=$?
    set -e
    echo "# $2: exit $code in $(($(date +%s%3N) - t0)) ms: $(head -n 1 "$TRASH/$2.err" | cut -c1-300)" |
        tee -a "$TRASH/summary"
}

# attack_summary: what each sync of the script answered (stdout, for the log).
attack_summary() {
    [ -f "$TRASH/summary" ] && grep -v "\.honest:" "$TRASH/summary"
    return 0
}

# attack_run NAME CODES REGEX TREE [RULES_JSON] [CONDITIONAL]: a fresh copy
# $F of the follower base ($ATTACK_FROM, default $BASE), its trusted state in
# $TRASH/NAME.before, syncs against TREE served with RULES. The sync must
# exit with one of CODES ("3", or "1 3"), say on stderr in one line what
# failed (matching the extended REGEX, case-insensitive), and write nothing
# outside the mirror.
attack_run() {
    name=$1 codes=$2 regex=$3 tree=$4
    F="$TRASH/f-$name"
    rm -rf "$F"
    cp -a "${ATTACK_FROM:-$BASE}" "$F"
    trusted_state "$F" >"$TRASH/$name.before"
    stage "$tree" "${5:-[]}" "${6:-true}"
    run_sync "$F" "$name"
    case " $codes " in
    *" $code "*) ;;
    *)
        echo "expected exit status $codes, got $code"
        cat "$TRASH/$name.err"
        return 1
        ;;
    esac
    if ! grep -Eiq -- "$regex" "$TRASH/$name.err" || [ "$(wc -l <"$TRASH/$name.err")" -gt 1 ]; then
        echo "stderr does not say in one line what failed (want /$regex/):"
        cat "$TRASH/$name.err"
        return 1
    fi
    if find "$F" "$TRASH" -name '*pwned*' ! -path "$TRASH/evil-*" | grep .; then
        echo "a file was written outside the mirror"
        return 1
    fi
}

# attack_expect NAME CODES REGEX TREE [RULES_JSON] [CONDITIONAL]
#
# attack_run, and then: mirrors/, repos/ and the peer rows are byte-for-byte
# as they were, and verify --all passes. Then the honest tree3 is served and
# must sync cleanly to exactly tree3.
attack_expect() {
    attack_run "$@" || return 1
    trusted_state "$F" >"$TRASH/$name.after"
    if ! diff "$TRASH/$name.before" "$TRASH/$name.after" ||
        ! "$CITYNODE" --home "$F" verify --all >/dev/null; then
        echo "the rejected sync changed the trusted state (diff above), or verify --all fails"
        return 1
    fi
    stage "$TRASH/tree3"
    run_sync "$F" "$name.honest"
    if [ "$code" -ne 0 ] || ! honest_synced "$F"; then
        echo "the honest tree3 does not sync after the attack, or is not held exactly:"
        cat "$TRASH/$name.honest.err"
        return 1
    fi
    rm -rf "$F"
}

# item_state HOME ITEM: every path of ITEM's mirrored repository (refs, packs)
# and of its stored bundles, with the sha256 of every file.
item_state() {
    (cd "$1" && { find "repos/$PUBID/$2.git" -print &&
        find "mirrors/$PUBID/targets/items/$2" -name '*.bundle' -print; } | LC_ALL=C sort &&
        { find "repos/$PUBID/$2.git" -type f -print0 &&
            find "mirrors/$PUBID/targets/items/$2" -name '*.bundle' -print0; } |
        LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

# signed_tag TREE ITEM VERSION: the custom.tag TREE's current metadata signs
# for ITEM@VERSION.
signed_tag() {
    forge get "$(role_file "$1" "items/$2/$3/manifest.json")" signed targets \
        "items/$2/$3/manifest.json" custom tag
}

# holds_tree HOME TREE: HOME trusts exactly TREE's metadata and holds every
# version it signs, verified.
holds_tree() {
    cmp "$1/mirrors/$PUBID/tuf/timestamp.json" "$2/tuf/timestamp.json" &&
    "$CITYNODE" --home "$1" verify --all >/dev/null &&
    forge check-mirror "$1/mirrors/$PUBID" "$1/repos/$PUBID" >/dev/null
}

# attack_expect_item NAME ITEM OTHER@VERSION REGEX TREE RECOVERY
#
# One item's bundles fail a check (PROTOCOL §8): attack_run with exit 3, the
# message naming "item ITEM" and REGEX. ITEM's repository (refs, packs) and
# stored bundles stay byte-for-byte as they were and its quarantine is gone,
# while the peer's other items are committed: the follower trusts TREE's
# metadata and holds OTHER@VERSION as TREE signs it; verify --all passes.
# Then RECOVERY, the publisher's next metadata (signed above TREE's), must
# sync cleanly and be held exactly.
attack_expect_item() {
    item=$2 other=${3%@*} over=${3#*@}
    item_state "${ATTACK_FROM:-$BASE}" "$item" >"$TRASH/$1.item-before"
    attack_run "$1" 3 "item $item failed: .*($4)" "$5" || return 1
    item_state "$F" "$item" >"$TRASH/$1.item-after"
    if ! diff "$TRASH/$1.item-before" "$TRASH/$1.item-after"; then
        echo "the refused item $item changed (diff above)"
        return 1
    fi
    if find "$F/tmp" -name "$item.git*" | grep .; then
        echo "the quarantine of $item is left behind"
        return 1
    fi
    if ! cmp "$F/mirrors/$PUBID/tuf/timestamp.json" "$5/tuf/timestamp.json" ||
        [ "$(git -C "$F/repos/$PUBID/$other.git" rev-parse "refs/tags/v$over")" != \
            "$(signed_tag "$5" "$other" "$over")" ]; then
        echo "the peer's other item $other@$over was not committed with the new metadata"
        return 1
    fi
    "$CITYNODE" --home "$F" verify --all >/dev/null || return 1
    stage "$6"
    run_sync "$F" "$1.recovered"
    if [ "$code" -ne 0 ] || ! holds_tree "$F" "$6"; then
        echo "the publisher's next metadata does not sync after the refused item:"
        cat "$TRASH/$1.recovered.err"
        return 1
    fi
    rm -rf "$F"
}

# targets_under TARGETS_FILE ITEM VERSION: the paths of ITEM@VERSION's targets
# (TARGETS_FILE: a targets.json, or in layout 2 the item's role).
targets_under() {
    forge get "$1" signed targets | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    if p.startswith(sys.argv[1]):
        print(p)' "items/$2/$3/"
}

# withdraw_version TARGETS_FILE ITEM VERSION: ITEM@VERSION's targets removed.
withdraw_version() {
    for t in $(targets_under "$1" "$2" "$3"); do
        forge del "$1" signed targets "$t" || return 1
    done
}

# graft_version TREE TARGETS_FILE FROM ITEM VERSION: ITEM@VERSION's targets,
# as the tree FROM signs and stores them, added to TARGETS_FILE (the one that
# signs ITEM's targets in TREE: next_targets TREE ITEM) and stored in TREE.
graft_version() {
    ft=$(role_file "$3" "items/$4/$5/")
    for t in $(targets_under "$ft" "$4" "$5"); do
        data=$(target_file "$3" "$t") &&
        forge target "$2" "$t" "$data" "$(forge get "$ft" signed targets "$t" custom)" &&
        place_target "$1" "$t" "$data" || return 1
    done
}

# stranger_version NAME TREE HOME SRC VERSION PREVIOUS: $ITEM@VERSION after
# PREVIOUS, built from the publisher's HOME and source SRC as they were at
# PREVIOUS, but tagged by a stranger's SSH key, signed into TREE's next
# targets of $ITEM (manifest, full and delta bundle) and stored there. Its
# manifest is PREVIOUS's as HOME published it (in layout 2 TREE's metadata
# no longer lists PREVIOUS).
stranger_version() {
    R="$TRASH/$1.git" W="$TRASH/src-$1" &&
    rm -rf "$R" "$W" && cp -a "$3/repos/$PUBID/$ITEM.git" "$R" && cp -a "$4" "$W" &&
    echo "a survey, by a stranger" >>"$W/README.md" && git -C "$W" commit -qam stranger &&
    "$CN_BUNDLE_TOOL" keygen "$TRASH/$1-ssh.key" >/dev/null &&
    commit=$("$CN_BUNDLE_TOOL" import "$R" "$W") &&
    tag=$("$CN_BUNDLE_TOOL" tag "$R" "v$5" "$commit" "$TRASH/$1-ssh.key") &&
    prev=$(git -C "$R" rev-parse "v$6^{commit}") &&
    "$CN_BUNDLE_TOOL" write "$R" "$TRASH/$1-delta.bundle" "refs/tags/v$5" "$prev" &&
    "$CN_BUNDLE_TOOL" write "$R" "$TRASH/$1-full.bundle" "refs/tags/v$5" &&
    sed "s/\"$6\"/\"$5\"/g" "$(target_file "$3/public" "items/$ITEM/$6/manifest.json")" \
        >"$TRASH/$1-manifest.json" &&
    tf=$(next_targets "$2" "$ITEM") &&
    for f in manifest full delta; do
        case $f in manifest) t=manifest.json ;; *) t=$f.bundle ;; esac
        custom="{\"kind\":\"dataset\",\"item\":\"$ITEM\",\"version\":\"$5\",\"file\":\"$f\",\"commit\":\"$commit\",\"tag\":\"$tag\",\"previous\":\"$6\",\"previous_commit\":\"$prev\"}"
        forge target "$tf" "items/$ITEM/$5/$t" "$TRASH/$1-$t" "$custom" &&
        place_target "$2" "items/$ITEM/$5/$t" "$TRASH/$1-$t" || return 1
    done &&
    commit_targets "$2" "$tf"
}

# tree4: the honest publisher's next tree after tree3 ($ITEM@1.3.0 and
# $ITEM2@1.1.0), built once; prints it.
tree4() {
    if [ ! -d "$TRASH/tree4" ]; then
        rm -rf "$TRASH/publisher-4" "$TRASH/src-4" "$TRASH/zf-4" &&
        cp -a "$P" "$TRASH/publisher-4" && cp -a "$SRC" "$TRASH/src-4" &&
        cp -a "$TRASH/zf" "$TRASH/zf-4" &&
        echo "Leipzig-West, fourth survey" >>"$TRASH/src-4/README.md" &&
        git -C "$TRASH/src-4" commit -qam "fourth survey" &&
        "$CITYNODE" --home "$TRASH/publisher-4" publish "$TRASH/src-4" --version 1.3.0 >/dev/null &&
        echo "A second round." >>"$TRASH/zf-4/README.md" &&
        "$CITYNODE" --home "$TRASH/publisher-4" publish "$TRASH/zf-4" --version 1.1.0 >/dev/null &&
        "$CITYNODE" --home "$TRASH/publisher-4" export "$TRASH/tree4" >/dev/null || return 1
    fi
    echo "$TRASH/tree4"
}

# delegating_tree: a tree of the honest publisher in layout 2 after tree2,
# built once; prints its name below $TRASH (for evil_tree). That is tree3
# when the publisher writes layout 2; else the publisher moves to layout 2
# (PROTOCOL §4.1, *Upgrade*) with its next version, $ITEM@1.3.0, after
# tree3, so stories on item roles run whatever layout the publisher writes.
delegating_tree() {
    if is_layout2 "$TRASH/tree3"; then
        echo tree3
        return 0
    fi
    if [ ! -d "$TRASH/tree-delegating" ]; then
        rm -rf "$TRASH/publisher-delegating" "$TRASH/src-delegating" &&
        cp -a "$P" "$TRASH/publisher-delegating" && cp -a "$SRC" "$TRASH/src-delegating" &&
        sed -i "/^metadata_layout:/d" "$TRASH/publisher-delegating/config.yml" &&
        echo "metadata_layout: 2" >>"$TRASH/publisher-delegating/config.yml" &&
        echo "Leipzig-West, fourth survey" >>"$TRASH/src-delegating/README.md" &&
        git -C "$TRASH/src-delegating" commit -qam "fourth survey" &&
        "$CITYNODE" --home "$TRASH/publisher-delegating" publish "$TRASH/src-delegating" \
            --version 1.3.0 >/dev/null &&
        "$CITYNODE" --home "$TRASH/publisher-delegating" export "$TRASH/tree-delegating" \
            >/dev/null &&
        is_layout2 "$TRASH/tree-delegating" || return 1
    fi
    echo tree-delegating
}

# snapshot_without TREE NAME: a new snapshot that does not name the
# metadata NAME ("targets.json", "items.<item>.json"), and a timestamp.
snapshot_without() {
    s=$(snapshot_version "$1") && sf="$1/tuf/$((s + 1)).snapshot.json" &&
    cp "$1/tuf/$s.snapshot.json" "$sf" &&
    forge set "$sf" $((s + 1)) signed version &&
    forge $SNAPSHOT_SIGN del "$sf" signed meta "$2" &&
    new_timestamp "$1" "$sf"
}

# recovery_tree NAME TREE ITEM WITHDRAW FROM VERSION: the publisher's next
# metadata after TREE: ITEM@WITHDRAW withdrawn, ITEM@VERSION as the tree FROM
# signs it added, signed above TREE; prints it.
recovery_tree() {
    r="$TRASH/recover-$1" && rm -rf "$r" && cp -a "$2" "$r" &&
    tf=$(next_targets "$r" "$3") &&
    withdraw_version "$tf" "$3" "$4" &&
    graft_version "$r" "$tf" "$5" "$3" "$6" &&
    commit_targets "$r" "$tf" &&
    echo "$r"
}

# accept_expect NAME TREE: a control: a fresh follower accepts TREE (forged
# by the same means as an attack, but valid) with exit 0 and then holds its
# timestamp, so a rejection elsewhere is for the reason the scenario names.
accept_expect() {
    F="$TRASH/f-$1"
    rm -rf "$F" && cp -a "$BASE" "$F" && stage "$2" && run_sync "$F" "$1"
    if [ "$code" -ne 0 ]; then
        echo "a valid forged tree was refused:"
        cat "$TRASH/$1.err"
        return 1
    fi
    cmp "$F/mirrors/$PUBID/tuf/timestamp.json" "$2/tuf/timestamp.json" &&
    "$CITYNODE" --home "$F" verify --all >/dev/null &&
    forge check-mirror "$F/mirrors/$PUBID" "$F/repos/$PUBID" >/dev/null &&
    rm -rf "$F"
}

# ---------------------------------------------------------------------------
# Forging helpers. Keys are given as forge options in $TARGETS_SIGN,
# $SNAPSHOT_SIGN, $TIMESTAMP_SIGN ("-s KEYFILE ..."), the publisher's by default.
# ---------------------------------------------------------------------------

TARGETS_SIGN="-s $KEY"
SNAPSHOT_SIGN="-s $KEY"
TIMESTAMP_SIGN="-s $KEY"

# evil_tree NAME [FROM]: a copy of FROM (default tree3) to forge in; prints it.
evil_tree() {
    rm -rf "$TRASH/evil-$1" && cp -a "$TRASH/${2:-tree3}" "$TRASH/evil-$1" && echo "$TRASH/evil-$1"
}

ts_version() { forge get "$1/tuf/timestamp.json" signed version; }
snapshot_version() { forge get "$1/tuf/timestamp.json" signed meta snapshot.json version; }
targets_version() { role_version "$1" targets; }

# Where a target is signed. In layout 1 (docs/PROTOCOL.md §4, §5) every
# target is in targets.json. In layout 2 (§4.1) targets.json delegates each
# item to a role items.<item> (tuf/<version>.items.<item>.json, signed by the
# targets key, its version and length in the snapshot), which lists the
# item's newest version only, and keeps the node's own documents. The helpers
# read the layout from the tree they are given (does its current targets.json
# delegate?), not from CN_TEST_LAYOUT: a story may forge a tree of either.

# is_layout2 TREE: TREE's current targets.json has delegations.
is_layout2() {
    forge get "$1/tuf/$(targets_version "$1").targets.json" signed delegations >/dev/null 2>&1
}

# role_version TREE ROLE: the version of ROLE ("targets", "items.<item>")
# TREE's current snapshot names.
role_version() {
    forge get "$1/tuf/$(snapshot_version "$1").snapshot.json" signed meta "$2.json" version
}

# role_of TREE PATH: the role that signs target PATH in TREE.
role_of() {
    case "$2" in
    items/*/*)
        if is_layout2 "$1"; then
            i=${2#items/} && echo "items.${i%%/*}" && return 0
        fi
        ;;
    esac
    echo targets
}

# role_file TREE PATH: TREE's current metadata file that signs target PATH.
role_file() {
    r=$(role_of "$1" "$2") && echo "$1/tuf/$(role_version "$1" "$r").$r.json"
}

# meta_name FILE: the name a snapshot lists metadata FILE by (N.targets.json:
# targets.json; N.items.<item>.json: items.<item>.json).
meta_name() {
    b=${1##*/} && echo "${b#*.}"
}

# next_targets TREE [ITEM]: a copy of the current metadata that signs ITEM's
# targets (without ITEM: the top-level targets) with its version V+1, as
# tuf/(V+1).targets.json or, in layout 2, tuf/(V+1).items.ITEM.json, to edit
# (unsigned until commit_targets); prints its path.
next_targets() {
    case "${2:-}" in
    "") r=targets ;;
    *) r=$(role_of "$1" "items/$2/") ;;
    esac &&
    v=$(role_version "$1" "$r") &&
    cp "$1/tuf/$v.$r.json" "$1/tuf/$((v + 1)).$r.json" &&
    forge set "$1/tuf/$((v + 1)).$r.json" $((v + 1)) signed version &&
    echo "$1/tuf/$((v + 1)).$r.json"
}

# new_snapshot TREE FILE [VERSION]: tuf/(S+1).snapshot.json naming FILE, a
# targets.json or an items.<item> role (its version taken from inside it
# unless VERSION is given), the other roles' entries kept, signed with
# $SNAPSHOT_SIGN; prints its path. An item role is named by version and
# length only, as a publisher names it (§4.1).
new_snapshot() {
    s=$(snapshot_version "$1") && sf="$1/tuf/$((s + 1)).snapshot.json" &&
    m=$(meta_name "$2") &&
    cp "$1/tuf/$s.snapshot.json" "$sf" &&
    forge set "$sf" $((s + 1)) signed version &&
    forge fileinfo "$sf" "$m" "$2" ${3:-} &&
    case "$m" in
    targets.json) ;;
    *) forge del "$sf" signed meta "$m" hashes ;;
    esac &&
    forge $SNAPSHOT_SIGN sign "$sf" &&
    echo "$sf"
}

# new_timestamp TREE SNAPSHOT_FILE: timestamp.json version+1 naming
# SNAPSHOT_FILE, signed with $TIMESTAMP_SIGN.
new_timestamp() {
    v=$(ts_version "$1") &&
    forge set "$1/tuf/timestamp.json" $((v + 1)) signed version &&
    forge $TIMESTAMP_SIGN fileinfo "$1/tuf/timestamp.json" snapshot.json "$2"
}

# commit_signed_targets TREE TARGETS_FILE VERSION: a new snapshot and
# timestamp over targets already signed (e.g. by a forge -s edit of a file
# forge cannot read back: a name with a NUL byte).
commit_signed_targets() {
    snap=$(new_snapshot "$1" "$2" "$3") &&
    new_timestamp "$1" "$snap"
}

# new_root TREE: tuf/(N+1).root.json, a copy of the newest root with version
# N+1, to edit and sign; prints its path.
new_root() {
    n=1
    while [ -f "$1/tuf/$((n + 1)).root.json" ]; do n=$((n + 1)); done
    cp "$1/tuf/$n.root.json" "$1/tuf/$((n + 1)).root.json" &&
    forge set "$1/tuf/$((n + 1)).root.json" $((n + 1)) signed version &&
    echo "$1/tuf/$((n + 1)).root.json"
}

# commit_targets TREE TARGETS_FILE: sign the edited targets (or item role)
# with $TARGETS_SIGN, then a new snapshot and timestamp over it.
commit_targets() {
    forge $TARGETS_SIGN sign "$2" &&
    snap=$(new_snapshot "$1" "$2") &&
    new_timestamp "$1" "$snap"
}

# place_target TREE NAME DATA: DATA under NAME's consistent name in TREE, as a
# publisher would store it (no name checks: the attacker chooses NAME), when
# that name stays inside TREE.
place_target() {
    sha=$(sha256sum "$3" | cut -c1-64)
    case "$2" in
    */*) dir=${2%/*} base=${2##*/} ;;
    *) dir="" base=$2 ;;
    esac
    dest=$(realpath -m "$1/targets/$dir/$sha.$base")
    case "$dest" in
    "$(realpath "$1")"/*) mkdir -p "${dest%/*}" && cp "$3" "$dest" ;;
    esac
}

# target_file TREE PATH: the stored file of target PATH as TREE's current
# metadata signs it (in layout 2: only the newest version of an item).
target_file() {
    sha=$(forge get "$(role_file "$1" "$2")" signed targets "$2" hashes sha256) &&
    ls "$1"/targets/"${2%/*}"/"$sha".*
}

# flip_byte FILE: flip one bit of the byte in the middle of FILE.
flip_byte() {
    python3 - "$1" <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x01
open(p, "wb").write(b)
EOF
}

# expires_in SECONDS: a TUF time that far from now (negative: the past).
expires_in() { date -u -d "@$(($(date +%s) + $1))" +%Y-%m-%dT%H:%M:%SZ; }
