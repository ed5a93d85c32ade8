#!/bin/bash
# What is signed is what was checked (issue 10, point 4): a git repository is
# published as its HEAD commit, so its manifest is read from HEAD, and a
# working tree that differs from HEAD in tracked files, or a manifest that is
# not committed, is refused (exit 2, naming the paths) before anything is
# written.
. "$(dirname "$0")/lib.sh"

H="$TRASH/home"
R="$TRASH/repo"
cn() { "$CITYNODE" --home "$H" "$@"; }

# A digest of everything a refused publish must leave alone.
tree_digest() {
    (cd "$H" && find public repos -type f ! -name lock -print0 >"$TRASH/files") &&
    (cd "$H" && sort -z "$TRASH/files" | xargs -0 sha256sum) >"$TRASH/digest.in" &&
    sha256sum <"$TRASH/digest.in"
}

# signed_manifest VERSION: the published manifest.json of $ITEM@VERSION.
signed_manifest() {
    cat "$(find "$H/public/targets/items/$ITEM/$1" -name "*.manifest.json")"
}

test_expect_success 'stage: a node and a git repository at 1.0.0' '
    cn init --name "Stadt Leipzig (sample)" --country DE >"$TRASH/id" &&
    mkdir "$R" && cp "$SAMPLE" "$R/publiccode.yml" && echo one >"$R/notes.txt" &&
    git -C "$R" init -q && git -C "$R" add . && git -C "$R" commit -qm one &&
    cn publish "$R" >/dev/null 2>&1 &&
    signed_manifest 1.0.0 >m.json &&
    grep -q "\"softwareVersion\":\"1.0.0\"" m.json
'

test_expect_success 'an uncommitted manifest change is refused, naming the path; nothing is written' '
    before=$(tree_digest) &&
    sed -i "s/^softwareVersion: .*/softwareVersion: \"2.2.0\"/; s/^  - data-visualization/  - it-security/" \
        "$R/publiccode.yml" &&
    test_expect_code 2 cn publish "$R" 2>err &&
    grep "uncommitted changes to publiccode.yml" err &&
    grep -q "commit or stash" err &&
    test "$(tree_digest)" = "$before" &&
    cn verify --all >/dev/null
'

test_expect_success 'a staged change and a changed tracked file are refused too; untracked files are not' '
    git -C "$R" add publiccode.yml &&
    echo two >>"$R/notes.txt" &&
    test_expect_code 2 cn publish "$R" 2>err &&
    grep "uncommitted changes to notes.txt, publiccode.yml" err &&
    git -C "$R" checkout -q -- notes.txt &&
    git -C "$R" commit -qm "2.2.0" &&
    echo scratch >"$R/untracked.txt" &&
    cn publish "$R" >/dev/null 2>err
'

test_expect_success 'once committed, the committed manifest is what is signed' '
    signed_manifest 2.2.0 >m.json &&
    grep -q "\"softwareVersion\":\"2.2.0\"" m.json &&
    grep -q "it-security" m.json &&
    test "$(git -C "$H/repos/$(cat "$TRASH/id")/$ITEM.git" rev-parse "v2.2.0^{commit}")" = \
        "$(git -C "$R" rev-parse HEAD)"
'

test_expect_success 'a manifest valid in the working tree but invalid in HEAD is refused' '
    sed -i "s/^developmentStatus: .*/developmentStatus: nonsense/; s/^softwareVersion: .*/softwareVersion: \"2.3.0\"/" \
        "$R/publiccode.yml" &&
    git -C "$R" commit -qam "invalid" &&
    before=$(tree_digest) &&
    test_expect_code 2 cn publish "$R" 2>err &&
    grep -q "publiccode.yml:[0-9]*:.*developmentStatus" err &&
    sed -i "s/^developmentStatus: .*/developmentStatus: stable/" "$R/publiccode.yml" &&
    cn validate "$R/publiccode.yml" >/dev/null &&
    test_expect_code 2 cn publish "$R" 2>err &&
    grep "uncommitted changes to publiccode.yml" err &&
    test "$(tree_digest)" = "$before" &&
    cn verify --all >/dev/null
'

test_expect_success 'a manifest that is not committed is refused' '
    N="$TRASH/new" && mkdir "$N" && echo readme >"$N/README" &&
    git -C "$N" init -q && git -C "$N" add . && git -C "$N" commit -qm readme &&
    cp "$SAMPLE" "$N/publiccode.yml" &&
    test_expect_code 2 cn publish "$N" 2>err &&
    grep "$N/publiccode.yml is not committed" err
'

test_done
