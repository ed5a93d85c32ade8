#!/bin/bash
# Progress where it was missing (issue 15, point 6): `network trust` (the
# coordinator's sync, a first sync of a peer), `replicate` (an index peer's
# bundles, the history copied, the files checked out) and `publish` of a
# plain directory (its files added) show git's progress lines on stderr when it
# is a terminal, and only then; never with --quiet; stdout is the same either
# way. The commands run under a real pseudo-terminal (on_terminal.py);
# CITYNODE_PROGRESS_DELAY=0 lifts git's one-second delay so that a small
# node's quick phases show at all. (publish, sync, verify --all and export:
# t1050-progress.)
. "$(dirname "$0")/lib.sh"

L="$TRASH/lighthouse"
PL=$(test_free_port)
export CITYNODE_PROGRESS_DELAY=0

test_expect_success 'a coordinator publishes an item and a network of itself, and serves' '
    cn "$L" init --name "Eindhoven (sample)" --url "http://127.0.0.1:$PL" >lid &&
    mkdir src && cp "$SAMPLE" src/publiccode.yml &&
    head -c 300000 /dev/urandom >src/data.bin &&
    (cd src && git init -q && git add . && git commit -qm one) &&
    cn "$L" publish src >/dev/null 2>&1 &&
    printf "network: Triangulum (sample)\nmembers:\n  - node: %s\n    name: Eindhoven\n    url: %s\n" \
        "$(cat lid)" "http://127.0.0.1:$PL" >network.yml &&
    cn "$L" network publish network.yml >/dev/null &&
    test_serve "$L" "$PL" lighthouse &&
    for f in tty plain quiet; do
        cn "$TRASH/$f" init --name "Leipzig $f (sample)" >/dev/null &&
        cn "$TRASH/$f" peer add "http://127.0.0.1:$PL" >/dev/null 2>&1 || exit 1
    done
'

test_expect_success 'network trust on a terminal: the first sync of the coordinator in phases' '
    test_on_terminal trust.tty --home "$TRASH/tty" network trust eindhoven-sample >trust.out &&
    test_meter_lines trust.tty >trust.meter &&
    grep -qx "Checking peers: 100% (1/1), done\." trust.meter &&
    grep -qE "^Fetching metadata: [0-9]+, done\.$" trust.meter &&
    grep -qE "^Receiving files: 100% \([0-9.]+ KiB/[0-9.]+ KiB\) \| [0-9.]+ [KMG]iB/s, done\.$" \
        trust.meter &&
    grep -q "is a peer already" trust.out
'

test_expect_success 'network trust off a terminal and with --quiet: the same stdout, no meter' '
    cn "$TRASH/plain" network trust eindhoven-sample >trust-plain.out 2>trust-plain.err &&
    cmp trust.out trust-plain.out &&
    test ! -s trust-plain.err &&
    test_on_terminal trust-q.tty --home "$TRASH/quiet" network trust eindhoven-sample --quiet \
        >trust-q.out &&
    cmp trust.out trust-q.out &&
    test ! -s trust-q.tty
'

test_expect_success 'replicate on a terminal: the history copied, the files checked out' '
    mkdir a b c &&
    (cd a && test_on_terminal ../replicate.tty --home "$TRASH/tty" replicate \
        "$(cut -c1-12 ../lid)/$ITEM" twin >../replicate.out) &&
    test_meter_lines replicate.tty >replicate.meter &&
    grep -qE "^Writing objects: 100% \(([0-9]+)/\1\), done\.$" replicate.meter &&
    grep -qE "^Checking out files: 100% \(([0-9]+)/\1\), done\.$" replicate.meter &&
    cmp src/data.bin a/twin/data.bin
'

test_expect_success 'replicate off a terminal and with --quiet: the same stdout, no meter' '
    (cd b && cn "$TRASH/plain" replicate "$(cut -c1-12 ../lid)/$ITEM" twin \
        >../replicate-plain.out 2>../replicate-plain.err) &&
    cmp replicate.out replicate-plain.out &&
    test ! -s replicate-plain.err &&
    (cd c && test_on_terminal ../replicate-q.tty --home "$TRASH/quiet" replicate --quiet \
        "$(cut -c1-12 ../lid)/$ITEM" twin >../replicate-q.out) &&
    cmp replicate.out replicate-q.out &&
    test ! -s replicate-q.tty
'

test_expect_success 'replicate from an index peer on a terminal: its bundles received first' '
    cn "$TRASH/index" init --name "Leipzig index (sample)" >/dev/null &&
    cn "$TRASH/index" peer add "http://127.0.0.1:$PL" --policy index >/dev/null 2>&1 &&
    cn "$TRASH/index" sync >/dev/null &&
    mkdir d &&
    (cd d && test_on_terminal ../replicate-i.tty --home "$TRASH/index" replicate \
        "$(cut -c1-12 ../lid)/$ITEM" twin >../replicate-i.out) &&
    cmp replicate.out replicate-i.out &&
    test_meter_lines replicate-i.tty >replicate-i.meter &&
    grep -qE "^Receiving files: 100% \([0-9.]+ KiB/[0-9.]+ KiB\) \| [0-9.]+ [KMG]iB/s, done\.$" \
        replicate-i.meter &&
    grep -qE "^Checking out files: 100% \(([0-9]+)/\1\), done\.$" replicate-i.meter
'

test_expect_success 'publish of a plain directory on a terminal: its files added, then the bundle' '
    mkdir -p flat/docs &&
    cp "$CN_SOURCE_DIR/examples/strategies/bamberg/citynode.yml" flat/ &&
    for i in 1 2 3 4 5; do
        head -c 20000 /dev/urandom >"flat/docs/part$i.bin" || exit 1
    done &&
    test_on_terminal publish.tty --home "$L" publish flat >publish.out &&
    test_meter_lines publish.tty >publish.meter &&
    grep -qx "Adding files: 6, done\." publish.meter &&
    grep -qE "^Writing full bundle: 100% \(([0-9]+)/\1\), done\.$" publish.meter &&
    tr "\r" "\n" <publish.tty | grep -q "^published strategy " &&
    echo more >flat/docs/part6.bin &&
    cn "$L" publish flat --version 1.0.1 >publish2.out 2>publish2.err &&
    test "$(wc -l <publish2.err)" = 1 &&
    grep -q "^published strategy .*@1.0.1 " publish2.err
'

test_expect_success 'usage: --quiet is named in the synopses' '
    "$CITYNODE" --help >help &&
    "$CITYNODE" replicate --help >help-replicate &&
    "$CITYNODE" network trust --help >help-trust &&
    grep -q "replicate NODE/ITEM\[@V\] DEST \[--as ITEM\] \[--quiet\]" help-replicate &&
    grep -q "network trust NODE \[--policy mirror|index\] \[--quiet\]" help-trust &&
    grep -q "replicate and network trust show their" help
'

test_done
