#!/bin/bash
# t1101-publish-large-files.sh - files over 50 MiB are published: one that
# does not compress (random bytes) and one that compresses well (CSV text),
# each in a repository of its own (an item whose blobs libgit2 would try to
# deltify against each other costs minutes on today's code), as 1.0.0; each
# file changes in the middle and grows, and 2.0.0 is published with a delta
# bundle. Stock git takes every bundle (test_bundle_full, test_bundle_delta
# in lib.sh), and a follower syncs both versions and verifies. Other shapes
# of history: t1100.
. "$(dirname "$0")/lib.sh"

# Stock git, isolated from the user's and the system's configuration.
export HOME="$TRASH" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

H="$TRASH/publisher"
F="$TRASH/follower"
PH=$(test_free_port)
MIB=$((1024 * 1024))

# publish DIR [ARGS]: commit everything in DIR and publish it.
publish() {
    local dir=$1
    shift
    git -C "$dir" add -A &&
        git -C "$dir" commit -q -m "Data of $*" &&
        cn "$H" publish "$dir" "$@" >"$TRASH/published" &&
        grep -q "/shape-$dir@" "$TRASH/published"
}

# random_bytes FILE SEED SIZE: SIZE bytes that do not compress, the same for
# the same SEED.
random_bytes() {
    python3 -c 'import random, sys
sys.stdout.buffer.write(random.Random(int(sys.argv[1])).randbytes(int(sys.argv[2])))' "$2" "$3" >"$1"
}

# csv_rows FILE FIRST SIZE: SIZE bytes of sensor readings from row FIRST on,
# text that compresses well.
csv_rows() {
    python3 -c 'import sys
first, size = int(sys.argv[1]), int(sys.argv[2])
rows = "".join("%d,lamp-%04d,2026-01-01T00:%02d:00Z,%d.%d\n" % (i, i % 5000, i % 60, i % 97, i % 10)
               for i in range(first, first + size // 40))
sys.stdout.write(rows[:size])' "$2" "$3" >"$1"
}

test_expect_success 'a publisher node serves' '
    cn "$H" init --name "Publisher (sample)" --url "http://127.0.0.1:$PH" >hid &&
    test_serve "$H" "$PH" publisher
'

HID=$(cat "$TRASH/hid" 2>/dev/null)

test_expect_success 'random 1.0.0: a 60 MiB file of random bytes' '
    test_sample_repo random "Shape Random" &&
    random_bytes random/tiles.bin 1 $((60 * MIB)) &&
    test "$(stat -c %s random/tiles.bin)" -eq $((60 * MIB)) &&
    publish random --version 1.0.0
'

test_expect_success 'random 1.0.0: stock git takes the full bundle' '
    test_publish_bundles "$H" shape-random 1.0.0 random
'

test_expect_success 'text 1.0.0: a 60 MiB CSV file' '
    test_sample_repo text "Shape Text" &&
    csv_rows text/readings.csv 0 $((60 * MIB)) &&
    test "$(stat -c %s text/readings.csv)" -eq $((60 * MIB)) &&
    publish text --version 1.0.0
'

test_expect_success 'text 1.0.0: stock git takes the full bundle' '
    test_publish_bundles "$H" shape-text 1.0.0 text
'

test_expect_success 'a follower syncs both at 1.0.0, verify --all passes' '
    cn "$F" init --name "Follower (sample)" >/dev/null &&
    cn "$F" peer add "http://127.0.0.1:$PH" >added &&
    test "$(cat added)" = "$HID" &&
    cn "$F" sync >sync1 &&
    grep -q "new shape-random@1.0.0\$" sync1 &&
    grep -q "new shape-text@1.0.0\$" sync1 &&
    cn "$F" verify --all
'

test_expect_success 'random 2.0.0: 4 KiB replaced in the middle, 1 MiB appended' '
    random_bytes patch 2 4096 &&
    dd if=patch of=random/tiles.bin bs=4096 seek=$((30 * MIB / 4096)) conv=notrunc status=none &&
    random_bytes more 3 $MIB &&
    cat more >>random/tiles.bin &&
    publish random --version 2.0.0
'

test_expect_success 'random 2.0.0: stock git takes the full and the delta bundle' '
    test_publish_bundles "$H" shape-random 2.0.0 random 1.0.0
'

test_expect_success 'text 2.0.0: a row corrected in the middle, 1 MiB of rows appended' '
    sed -i "1000000s/.*/1000000,lamp-0000,corrected/" text/readings.csv &&
    csv_rows more 3200000 $MIB &&
    cat more >>text/readings.csv &&
    publish text --version 2.0.0
'

test_expect_success 'text 2.0.0: stock git takes the full and the delta bundle' '
    test_publish_bundles "$H" shape-text 2.0.0 text 1.0.0
'

test_expect_success 'the follower syncs both at 2.0.0 by their deltas, verify --all passes' '
    cn "$F" sync >sync2 &&
    grep -q "new shape-random@2.0.0\$" sync2 &&
    grep -q "new shape-text@2.0.0\$" sync2 &&
    cn "$F" verify --all &&
    for src in random text; do
        dir="$F/mirrors/$HID/targets/items/shape-$src/2.0.0" &&
        test_one_file "$dir"/*.delta.bundle &&
        test "$dir"/*.full.bundle = "$dir/*.full.bundle" &&
        test "$(git -C "$F/repos/$HID/shape-$src.git" rev-parse main)" = \
             "$(git -C "$src" rev-parse HEAD)" &&
        git -C "$F/repos/$HID/shape-$src.git" fsck --strict --no-dangling || exit 1
    done
'

test_done
