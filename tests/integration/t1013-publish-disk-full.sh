#!/bin/bash
# publish on a full disk (issue 10, point 8) says "No space left on device",
# whichever write hits the limit (an object of the snapshot, the import
# pack, a bundle; a target file is a hard link to its bundle, so it takes
# no space of its own), publishes nothing (verify --all passes),
# and once space is freed the same publish completes. The node lives on a
# 2 MiB tmpfs (the stories run as root); a filler file takes all but a
# varying part of it.
. "$(dirname "$0")/lib.sh"

DISK="$TRASH/disk"
H="$DISK/home"

test_expect_success 'stage: a 2 MiB tmpfs, a folder item and a git item of 300 kB each' '
    mkdir "$DISK" &&
    mount -t tmpfs -o size=2m tmpfs "$DISK" &&
    mkdir folder &&
    cp "$CN_SOURCE_DIR/examples/strategies/bamberg/citynode.yml" folder/ &&
    head -c 300000 /dev/urandom >folder/data.bin &&
    mkdir git &&
    cp "$CN_SOURCE_DIR/examples/solutions/connected-urban-twins/publiccode.yml" git/ &&
    head -c 300000 /dev/urandom >git/data.bin &&
    git -C git init -q && git -C git add . && git -C git commit -qm one
'
test_at_exit "umount '$DISK'"

# full_disk_publish DIR FREE_KB: on a fresh node with about FREE_KB left,
# publish DIR fails naming the full disk and leaves nothing published; with
# the filler gone it publishes.
full_disk_publish() {
    rm -rf "$H" "$DISK/filler" &&
    "$CITYNODE" --home "$H" init --name "Stadt Leipzig (sample)" >/dev/null 2>&1 &&
    used=$(du -sk "$DISK" | cut -f1) &&
    { head -c $(((2048 - used - $2) * 1024)) /dev/zero >"$DISK/filler" 2>/dev/null || :; } && # chainlint: ok (filling the disk may end in ENOSPC)
    test_expect_code 1 "$CITYNODE" --home "$H" publish "$1" 2>err &&
    echo "# $1, $2 kB free: $(cat err)" >>"$TRASH/summary" &&
    grep -q "No space left on device" err &&
    test_must_fail grep -q "not found" err &&
    "$CITYNODE" --home "$H" verify --all >/dev/null &&
    rm "$DISK/filler" &&
    "$CITYNODE" --home "$H" publish "$1" >/dev/null 2>&1 &&
    "$CITYNODE" --home "$H" verify --all >/dev/null
}

test_expect_success 'a folder item on a full disk: the disk is named at every write' '
    for free in 100 300 400 500 600; do
        full_disk_publish folder $free || exit 1
    done
'

test_expect_success 'a git repository item on a full disk: the disk is named at every write' '
    for free in 100 300 500; do
        full_disk_publish git $free || exit 1
    done
'

[ -f "$TRASH/summary" ] && cat "$TRASH/summary"
test_done
