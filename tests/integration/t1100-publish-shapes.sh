#!/bin/bash
# t1100-publish-shapes.sh - repositories shaped like real projects are
# published, and stock git takes every bundle publish writes: objects spread
# over several packs, a kept pack, loose objects and an alternate, some of
# them twice (in two packs, loose and packed); a wide
# history of merges (30 topics, an octopus, a resolved conflict, a branch
# older than the version before); many unrelated roots; empty commits and
# empty trees; a submodule. Each shape is published as 1.0.0, then with more
# commits as 2.0.0 (a delta bundle); every bundle passes test_bundle_full or
# test_bundle_delta (lib.sh), and a follower syncs both versions and
# verifies. Files over 50 MiB: t1101.
. "$(dirname "$0")/lib.sh"

# Stock git, isolated from the user's and the system's configuration.
export HOME="$TRASH" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_MERGE_AUTOEDIT=no

H="$TRASH/publisher"
F="$TRASH/follower"
PH=$(test_free_port)
SHAPES="shape-packs shape-merges shape-roots shape-empty shape-submodule"

# edit DIR FILE LINE: commit LINE added to FILE in the repository DIR.
edit() {
    echo "$3" >>"$1/$2" &&
        git -C "$1" add "$2" &&
        git -C "$1" commit -q -m "$2: $3"
}

# merge_topics FIRST LAST: in the repository merges, topic branches FIRST to
# LAST start together at main, get two commits each, and are merged into
# main one after another (--no-ff).
merge_topics() {
    local i
    for i in $(seq "$1" "$2"); do
        git -C merges branch "topic$i" main || return 1
    done &&
        for i in $(seq "$1" "$2"); do
            git -C merges checkout -q "topic$i" &&
                edit merges "topic$i.txt" one &&
                edit merges "topic$i.txt" two || return 1
        done &&
        git -C merges checkout -q main &&
        for i in $(seq "$1" "$2"); do
            git -C merges merge -q --no-ff -m "Merge topic$i" "topic$i" || return 1
        done
}

# count_files GLOB: how many files the (expanded) GLOB matched.
count_files() {
    if [ -e "$1" ]; then echo $#; else echo 0; fi
}

# publish DIR VERSION: publish the repository DIR, the source of the item
# shape-DIR, as VERSION on the publisher.
publish() {
    cn "$H" publish "$1" --version "$2" >"$TRASH/published" &&
        grep -q "/shape-$1@$2\$" "$TRASH/published"
}

test_expect_success 'a publisher node serves' '
    cn "$H" init --name "Publisher (sample)" --url "http://127.0.0.1:$PH" >hid &&
    test_serve "$H" "$PH" publisher
'

HID=$(cat "$TRASH/hid" 2>/dev/null)

test_expect_success 'packs 1.0.0: objects in two packs of an alternate, a kept pack, another pack, loose' '
    test_sample_repo upstream "Shape Packs" &&
    seq 1 3000 >upstream/numbers.txt &&
    git -C upstream add . &&
    git -C upstream commit -q -m start &&
    for i in 1 2 3 4; do edit upstream numbers.txt "upstream $i" || exit 1; done &&
    git -C upstream repack -q -d &&
    for i in 5 6 7; do edit upstream numbers.txt "upstream $i" || exit 1; done &&
    git -C upstream repack -q -d &&
    git clone -q --shared upstream packs &&
    test -s packs/.git/objects/info/alternates &&
    for i in 1 2 3; do edit packs numbers.txt "local $i" || exit 1; done &&
    git -C packs repack -q -d &&
    for p in packs/.git/objects/pack/*.pack; do touch "${p%.pack}.keep" || exit 1; done &&
    for i in 4 5; do edit packs notes.txt "local $i" || exit 1; done &&
    git -C packs repack -q -d &&
    for i in 6 7; do edit packs numbers.txt "local $i" || exit 1; done &&
    test "$(count_files packs/.git/objects/pack/*.pack)" -eq 2 &&
    test "$(count_files packs/.git/objects/pack/*.keep)" -eq 1 &&
    git -C packs count-objects -v >count &&
    grep -qx "count: 6" count &&
    publish packs 1.0.0
'

test_expect_success 'packs 1.0.0: stock git takes the full bundle' '
    test_publish_bundles "$H" shape-packs 1.0.0 packs
'

test_expect_success 'merges 1.0.0: 30 topics merged in turn, an octopus, a resolved conflict' '
    test_sample_repo merges "Shape Merges" &&
    seq 1 300 >merges/shared.txt &&
    git -C merges add . &&
    git -C merges commit -q -m start &&
    git -C merges branch late &&
    merge_topics 1 30 &&
    for i in 1 2 3 4; do
        git -C merges checkout -q -b "octo$i" main &&
        edit merges "octo$i.txt" "octopus arm $i" || exit 1
    done &&
    git -C merges checkout -q main &&
    git -C merges merge -q --no-ff -m "Merge four arms" octo1 octo2 octo3 octo4 &&
    test "$(git -C merges rev-list --min-parents=5 --count HEAD)" -eq 1 &&
    git -C merges checkout -q -b fix main &&
    sed -i "10s/.*/ten, fixed/" merges/shared.txt &&
    git -C merges commit -q -am "Fix line ten" &&
    git -C merges checkout -q main &&
    sed -i "10s/.*/ten, changed/" merges/shared.txt &&
    git -C merges commit -q -am "Change line ten" &&
    test_must_fail git -C merges merge -q fix >conflict &&
    grep -q "CONFLICT (content): Merge conflict in shared.txt" conflict &&
    seq 1 300 >merges/shared.txt &&
    sed -i "10s/.*/ten, fixed and changed/" merges/shared.txt &&
    git -C merges add shared.txt &&
    git -C merges commit -q --no-edit &&
    git -C merges rev-parse -q --verify HEAD^2 &&
    git -C merges checkout -q late &&
    sed -i "200s/.*/two hundred, late/" merges/shared.txt &&
    git -C merges commit -q -am "Late change, merged after 1.0.0" &&
    edit merges late.txt "late" &&
    git -C merges checkout -q main &&
    publish merges 1.0.0
'

test_expect_success 'merges 1.0.0: stock git takes the full bundle' '
    test_publish_bundles "$H" shape-merges 1.0.0 merges
'

test_expect_success 'roots 1.0.0: 20 parentless histories merged as unrelated' '
    test_sample_repo roots "Shape Roots" &&
    git -C roots add . &&
    git -C roots commit -q -m start &&
    for i in $(seq 1 25); do
        git -C roots checkout -q --orphan "root$i" &&
        git -C roots rm -rqf . &&
        mkdir "roots/part$i" &&
        seq "$i" 200 >"roots/part$i/data.txt" &&
        git -C roots add "part$i" &&
        git -C roots commit -q -m "Root $i" || exit 1
    done &&
    git -C roots checkout -q main &&
    for i in $(seq 1 20); do
        git -C roots merge -q --allow-unrelated-histories -m "Merge root $i" "root$i" || exit 1
    done &&
    test "$(git -C roots rev-list --max-parents=0 --count HEAD)" -eq 21 &&
    publish roots 1.0.0
'

test_expect_success 'roots 1.0.0: stock git takes the full bundle' '
    test_publish_bundles "$H" shape-roots 1.0.0 roots
'

test_expect_success 'empty 1.0.0: an empty root, an empty commit, an empty tree mid-history' '
    test_sample_repo empty "Shape Empty" &&
    git -C empty commit -q --allow-empty -m "An empty root" &&
    test "$(git -C empty rev-parse "HEAD^{tree}")" = "$(git hash-object -t tree /dev/null)" &&
    git -C empty add publiccode.yml &&
    git -C empty commit -q -m "The manifest" &&
    git -C empty commit -q --allow-empty -m "Empty in the middle" &&
    edit empty notes.txt "a note" &&
    git -C empty rm -rq . &&
    git -C empty commit -q -m "Everything removed" &&
    test "$(git -C empty rev-parse "HEAD^{tree}")" = "$(git hash-object -t tree /dev/null)" &&
    git -C empty checkout -q HEAD~1 -- . &&
    git -C empty commit -q -m "Everything back" &&
    git -C empty commit -q --allow-empty -m "Empty at HEAD" &&
    test "$(git -C empty rev-parse "HEAD^{tree}")" = "$(git -C empty rev-parse "HEAD~1^{tree}")" &&
    publish empty 1.0.0
'

test_expect_success 'empty 1.0.0: stock git takes the full bundle' '
    test_publish_bundles "$H" shape-empty 1.0.0 empty
'

test_expect_success 'submodule 1.0.0: a gitlink whose commits the repository lacks' '
    git init -q -b main lib &&
    edit lib lib.c "int one;" &&
    edit lib lib.c "int two;" &&
    test_sample_repo submodule "Shape Submodule" &&
    git -C submodule add . &&
    git -C submodule commit -q -m start &&
    git -C submodule -c protocol.file.allow=always submodule --quiet add "$TRASH/lib" vendor/lib &&
    git -C submodule commit -q -m "Vendor lib" &&
    git -C submodule ls-files -s vendor/lib >gitlink &&
    grep -q "^160000 $(git -C lib rev-parse HEAD) 0	vendor/lib\$" gitlink &&
    test_must_fail git -C submodule cat-file -e "$(git -C lib rev-parse HEAD)" &&
    edit submodule README.md "With a submodule" &&
    publish submodule 1.0.0
'

test_expect_success 'submodule 1.0.0: stock git takes the full bundle' '
    test_publish_bundles "$H" shape-submodule 1.0.0 submodule
'

# synced_ok SYNC_OUTPUT VERSION: the follower took every shape at VERSION.
synced_ok() {
    local item
    for item in $SHAPES; do
        grep -q "new $item@$2\$" "$1" || return 1
    done
}

test_expect_success 'a follower syncs every shape at 1.0.0, verify --all passes' '
    cn "$F" init --name "Follower (sample)" >/dev/null &&
    cn "$F" peer add "http://127.0.0.1:$PH" >added &&
    test "$(cat added)" = "$HID" &&
    cn "$F" sync >sync1 &&
    synced_ok sync1 1.0.0 &&
    cn "$F" verify --all >verify1 &&
    for item in $SHAPES; do
        test "$(git -C "$F/repos/$HID/$item.git" rev-parse main)" = \
             "$(git -C "$H/repos/$HID/$item.git" rev-parse main)" || exit 1
    done
'

# The same object in two packs (what repack -b leaves beside a kept pack), and
# loose as well as packed (what repack without -d leaves).
test_expect_success 'packs 2.0.0: a pull, objects in two packs, objects loose and packed' '
    for i in 8 9; do edit upstream upstream.txt "upstream $i" || exit 1; done &&
    edit packs notes.txt "local 8" &&
    git -C packs pull -q --no-rebase origin main &&
    git -C packs rev-parse -q --verify HEAD^2 &&
    git -C packs repack -q -a -d -l --pack-kept-objects &&
    test "$(count_files packs/.git/objects/pack/*.pack)" -eq 2 &&
    for i in 9 10; do edit packs numbers.txt "local $i" || exit 1; done &&
    git -C packs repack -q &&
    test "$(count_files packs/.git/objects/pack/*.pack)" -eq 3 &&
    git -C packs count-objects -v >count &&
    grep -qx "count: 6" count &&
    publish packs 2.0.0
'

test_expect_success 'packs 2.0.0: stock git takes the full and the delta bundle' '
    test_publish_bundles "$H" shape-packs 2.0.0 packs 1.0.0
'

test_expect_success 'merges 2.0.0: five more topics, and a branch forked before 1.0.0' '
    merge_topics 31 35 &&
    git -C merges merge -q -m "Merge the late branch" late &&
    git -C merges merge-base --is-ancestor late HEAD &&
    publish merges 2.0.0
'

test_expect_success 'merges 2.0.0: stock git takes the full and the delta bundle' '
    test_publish_bundles "$H" shape-merges 2.0.0 merges 1.0.0
'

# git merge refuses an octopus of unrelated histories ("Unable to find common
# commit"); histories imported as one merge are made with plumbing.
test_expect_success 'roots 2.0.0: five more roots in one octopus' '
    git -C roots read-tree HEAD root21 root22 root23 root24 root25 &&
    tree=$(git -C roots write-tree) &&
    octopus=$(git -C roots commit-tree "$tree" -m "Merge five roots" -p HEAD \
        -p root21 -p root22 -p root23 -p root24 -p root25) &&
    git -C roots reset -q --hard "$octopus" &&
    test "$(git -C roots rev-list --min-parents=6 --count HEAD)" -eq 1 &&
    test "$(git -C roots rev-list --max-parents=0 --count HEAD)" -eq 26 &&
    publish roots 2.0.0
'

test_expect_success 'roots 2.0.0: stock git takes the full and the delta bundle' '
    test_publish_bundles "$H" shape-roots 2.0.0 roots 1.0.0
'

test_expect_success 'empty 2.0.0: only empty commits since 1.0.0' '
    git -C empty commit -q --allow-empty -m "Empty for 2.0.0" &&
    git -C empty commit -q --allow-empty -m "Empty again" &&
    publish empty 2.0.0
'

test_expect_success 'empty 2.0.0: stock git takes the full and the delta bundle' '
    test_publish_bundles "$H" shape-empty 2.0.0 empty 1.0.0 &&
    test "$(grep -c "" .bundle/objects)" -eq 3
'

test_expect_success 'submodule 2.0.0: the gitlink moves to commits the repository lacks' '
    edit lib lib.c "int three;" &&
    git -C submodule/vendor/lib pull -q origin main &&
    git -C submodule add vendor/lib &&
    git -C submodule commit -q -m "Update lib" &&
    test_must_fail git -C submodule cat-file -e "$(git -C lib rev-parse HEAD)" &&
    publish submodule 2.0.0
'

test_expect_success 'submodule 2.0.0: stock git takes the full and the delta bundle' '
    test_publish_bundles "$H" shape-submodule 2.0.0 submodule 1.0.0
'

test_expect_success 'the follower syncs every shape at 2.0.0 by its delta, verify --all passes' '
    cn "$F" sync >sync2 &&
    synced_ok sync2 2.0.0 &&
    cn "$F" verify --all >verify2 &&
    for item in $SHAPES; do
        dir="$F/mirrors/$HID/targets/items/$item/2.0.0" &&
        test "$(count_files "$dir"/*.delta.bundle)" -eq 1 &&
        test "$(count_files "$dir"/*.full.bundle)" -eq 0 &&
        test "$(git -C "$F/repos/$HID/$item.git" rev-parse main)" = \
             "$(git -C "$H/repos/$HID/$item.git" rev-parse main)" &&
        git -C "$F/repos/$HID/$item.git" fsck --strict --no-dangling || exit 1
    done
'

test_done
