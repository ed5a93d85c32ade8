#!/bin/bash
# t1020-receive-hostile.sh - what a follower receives (issue 10): an item
# whose repository has a git submodule publishes, syncs, verifies and
# replicates; trees with hostile paths (.git in any spelling, .., a name
# both file and directory) are refused by publish (exit 2) and, served
# signed by a hostile publisher, by the follower's sync (exit 3, that item
# unchanged, the publisher's other items committed); a small bundle inflating
# to 300 MiB is refused by the follower naming the limit, its sync staying
# under 256 MiB of memory.
. "$(dirname "$0")/lib.sh"
. "$CN_SOURCE_DIR/tests/attack/lib-attack.sh"

test_expect_success 'stage: a publisher with three trees and a follower trusting tree2' '
    attack_setup
'
PUBID=$(cat "$TRASH/pubid")

# hostile_commit REPO NAME MODE: a commit on REPO's main branch whose tree is
# its HEAD's plus one entry NAME (a tree holding hooks/post-checkout, mode
# 0755, when MODE is 040000; else a blob); prints the commit.
hostile_commit() {
    blob=$(printf "#!/bin/sh\necho owned\n" | git -C "$1" hash-object -w --stdin) &&
    hook=$(printf "100755 blob %s\tpost-checkout\n" "$blob" | git -C "$1" mktree) &&
    hooks=$(printf "040000 tree %s\thooks\n" "$hook" | git -C "$1" mktree) &&
    git -C "$1" ls-tree HEAD >"$TRASH/entries" &&
    if [ "$3" = 040000 ]; then
        printf "040000 tree %s\t%s\n" "$hooks" "$2" >>"$TRASH/entries"
    else
        printf "%s blob %s\t%s\n" "$3" "$blob" "$2" >>"$TRASH/entries"
    fi &&
    tree=$(git -C "$1" mktree <"$TRASH/entries") &&
    git -C "$1" commit-tree "$tree" -p HEAD -m "hostile $2"
}

test_expect_success 'publish refuses trees with hostile paths, naming the path (exit 2)' '
    cp -a "$TRASH/publisher-at-2" pub && cp -a "$TRASH/src-at-2" hsrc &&
    for name in .git .GIT Git~1 ".git." "$(printf ".g\342\200\214it")" ..; do
        c=$(hostile_commit hsrc "$name" 040000) &&
        git -C hsrc update-ref HEAD "$c" &&
        test_expect_code 2 "$CITYNODE" --home pub publish hsrc --version 1.2.0 2>err &&
        grep -q "hostile path" err &&
        git -C hsrc update-ref HEAD HEAD~1 || exit 1
    done &&
    c=$(hostile_commit hsrc README.md 040000) &&
    git -C hsrc update-ref HEAD "$c" &&
    test_expect_code 2 "$CITYNODE" --home pub publish hsrc --version 1.2.0 2>err &&
    grep -q "README.md.*both a file and a directory" err &&
    git -C hsrc update-ref HEAD HEAD~1 &&
    "$CITYNODE" --home pub publish hsrc --version 1.2.0 >/dev/null
'

# bundle_of REPO COMMIT OUT: a git bundle of COMMIT as HEAD and refs/tags/v1.0.0.
bundle_of() {
    git -C "$1" tag -f v1.0.0 "$2" >/dev/null &&
    git -C "$1" update-ref --no-deref HEAD "$2" &&
    git -C "$1" bundle create "$3" HEAD v1.0.0 2>/dev/null
}

# serve_as_item2 NAME BUNDLE: tree3 with BUNDLE as the signed full bundle of
# $ITEM2@1.0.0 (in the metadata that signs it: items.$ITEM2 in layout 2);
# prints the tree.
serve_as_item2() {
    e=$(evil_tree "$1") &&
    tf=$(next_targets "$e" "$ITEM2") &&
    forge target "$tf" items/$ITEM2/1.0.0/full.bundle "$2" &&
    place_target "$e" items/$ITEM2/1.0.0/full.bundle "$2" &&
    commit_targets "$e" "$tf" &&
    echo "$e"
}

test_expect_success 'a signed bundle whose tree holds .GIT/hooks is refused by the follower' '
    git init -q evil1 && cp -a "$TRASH/zf/." evil1/ && git -C evil1 add . &&
    git -C evil1 commit -qm release &&
    c=$(hostile_commit evil1 .GIT 040000) &&
    bundle_of evil1 "$c" "$TRASH/evil1.bundle" &&
    git -C evil1 bundle verify "$TRASH/evil1.bundle" >/dev/null 2>&1 &&
    e=$(serve_as_item2 dotgit "$TRASH/evil1.bundle") &&
    r=$(recovery_tree dotgit "$e" $ITEM2 1.0.0 "$(tree4)" 1.1.0) &&
    attack_expect_item dotgit $ITEM2 $ITEM@1.2.0 "\\.GIT.*hostile path" "$e" "$r"
'

test_expect_success 'a signed bundle with a name both file and directory, or "..", is refused' '
    git init -q evil2 && cp -a "$TRASH/zf/." evil2/ && git -C evil2 add . &&
    git -C evil2 commit -qm release &&
    c=$(hostile_commit evil2 .. 100644) &&
    bundle_of evil2 "$c" "$TRASH/evil2.bundle" &&
    e=$(serve_as_item2 dotdot "$TRASH/evil2.bundle") &&
    r=$(recovery_tree dotdot "$e" $ITEM2 1.0.0 "$(tree4)" 1.1.0) &&
    attack_expect_item dotdot $ITEM2 $ITEM@1.2.0 "\"\\.\\.\".*hostile path" "$e" "$r" &&
    git -C evil2 ls-tree --name-only HEAD~1 >names &&
    name=$(head -n 1 names) &&
    git -C evil2 update-ref --no-deref HEAD HEAD~1 &&
    c=$(hostile_commit evil2 "$name" 040000) &&
    bundle_of evil2 "$c" "$TRASH/evil3.bundle" &&
    e=$(serve_as_item2 dup "$TRASH/evil3.bundle") &&
    r=$(recovery_tree dup "$e" $ITEM2 1.0.0 "$(tree4)" 1.1.0) &&
    attack_expect_item dup $ITEM2 $ITEM@1.2.0 "both a file and a directory" "$e" "$r"
'

test_expect_success 'a 300 KB bundle of a 300 MiB blob is refused naming the limit, in < 256 MiB' '
    git init -q bomb && cp -a "$TRASH/zf/." bomb/ &&
    head -c 300M /dev/zero >bomb/zeros.csv && git -C bomb add . &&
    git -C bomb commit -qm release && rm bomb/zeros.csv &&
    bundle_of bomb "$(git -C bomb rev-parse HEAD)" "$TRASH/bomb.bundle" &&
    test "$(stat -c %s "$TRASH/bomb.bundle")" -lt 1048576 &&
    e=$(serve_as_item2 bomb "$TRASH/bomb.bundle") &&
    rm -rf fbomb && cp -a "$BASE" fbomb && stage "$e" &&
    test_expect_code 3 /usr/bin/time -v -o rss "$CITYNODE" --home fbomb sync 2>err &&
    grep -q "exceeds the limit of 33554432 bytes" err &&
    kb=$(sed -n "s/.*Maximum resident set size (kbytes): //p" rss) &&
    echo "peak RSS $kb KiB" &&
    test "$kb" -lt 262144
'

test_expect_success 'an item whose repository has a submodule publishes, syncs, verifies, replicates' '
    git init -q lib && echo "lib" >lib/lib.txt && git -C lib add . && git -C lib commit -qm lib &&
    git init -q sub && cp -a "$TRASH/zf/." sub/ && git -C sub add . &&
    git -C sub -c protocol.file.allow=always submodule add -q "$TRASH/lib" vendor/lib &&
    git -C sub commit -qm "with a submodule" &&
    cp -a "$TRASH/publisher-at-2" pubsub &&
    "$CITYNODE" --home pubsub publish sub >/dev/null &&
    "$CITYNODE" --home pubsub export subtree >/dev/null &&
    rm -rf fsub && cp -a "$BASE" fsub && stage "$TRASH/subtree" &&
    "$CITYNODE" --home fsub sync >/dev/null &&
    "$CITYNODE" --home fsub verify --all >/dev/null &&
    "$CITYNODE" --home fsub replicate "${PUBID:0:12}/$ITEM2" twin >/dev/null &&
    test -f twin/.gitmodules && grep -q "vendor/lib" twin/.gitmodules &&
    git -C twin ls-tree HEAD vendor/lib >gitlink &&
    grep -q "^160000 commit $(git -C lib rev-parse HEAD)	vendor/lib$" gitlink
'

test_done
