#!/bin/bash
# Progress on a terminal (issue 11): sync, verify --all and export show
# git's progress lines on stderr when it is a terminal, and only then; never
# with --quiet; stdout is the same either way; off a terminal stderr is byte
# for byte what it was before the meter existed. The commands run under a
# real pseudo-terminal (on_terminal.py); CITYNODE_PROGRESS_DELAY=0 lifts
# git's one-second delay so that a small node's quick phases show at all.
. "$(dirname "$0")/lib.sh"

L="$TRASH/lighthouse"
L2="$TRASH/second"
F="$TRASH/follower"
PL=$(test_free_port)
P2=$(test_free_port)

test_expect_success 'a lighthouse publishes two versions and serves; a follower adds it' '
    cn "$L" init --name "Eindhoven (sample)" --url "http://127.0.0.1:$PL" >lid &&
    mkdir src && cp "$SAMPLE" src/publiccode.yml &&
    (cd src && git init -q && git add . && git commit -qm one) &&
    cn "$L" publish src >/dev/null 2>&1 &&
    (cd src && head -c 300000 /dev/urandom >data.bin && git add . && git commit -qm two) &&
    cn "$L" publish src --version 1.1.0 >/dev/null 2>&1 &&
    test_serve "$L" "$PL" lighthouse &&
    cn "$F" init --name "Leipzig (sample)" >/dev/null &&
    cn "$F" peer add "http://127.0.0.1:$PL" >/dev/null
'

LID=$(cat "$TRASH/lid" 2>/dev/null)

test_expect_success 'sync on a terminal: phases with percentages, each ended with done' '
    CITYNODE_PROGRESS_DELAY=0 test_on_terminal sync.tty --home "$F" sync >sync.out &&
    test_meter_lines sync.tty >sync.meter &&
    grep -qx "Checking peers: 100% (1/1), done\." sync.meter &&
    grep -qE "^Fetching metadata: [0-9]+, done\.$" sync.meter &&
    grep -qE "^Receiving files: +[0-9]+% \([0-9.]+ [KM]iB/[0-9.]+ [KM]iB\)" sync.meter &&
    grep -qE "^Receiving files: 100% \([0-9.]+ KiB/[0-9.]+ KiB\) \| [0-9.]+ [KMG]iB/s, done\.$" \
        sync.meter &&
    # each bundle indexed and its history checked (core/bundle.h phases)
    grep -qE "^Indexing objects: 100% \(([0-9]+)/\1\), done\.$" sync.meter &&
    grep -qE "^Checking history: 100% \(([0-9]+)/\1\), done\.$" sync.meter &&
    grep -q "^$(cut -c1-12 lid)  eindhoven-sample .* ok " sync.out &&
    grep -q "new $ITEM@1.1.0" sync.out &&
    # the events of the round start on lines of their own
    grep -q "^  $(cut -c1-12 lid) fetched " sync.tty
'

test_expect_success 'verify --all on a terminal: the same stdout, phases on stderr' '
    cn "$F" verify --all >verify.out 2>verify.err &&
    CITYNODE_PROGRESS_DELAY=0 test_on_terminal verify.tty --home "$F" verify --all >verify-tty.out &&
    cmp verify.out verify-tty.out &&
    test_meter_lines verify.tty >verify.meter &&
    grep -qE "^Verifying mirror files: 100% \(.*\) \| .*/s, done\.$" verify.meter &&
    CITYNODE_PROGRESS_DELAY=0 test_on_terminal verify-l.tty --home "$L" verify --all >verify-l.out &&
    test_meter_lines verify-l.tty >verify-l.meter &&
    grep -qx "Verifying items: 100% (2/2), done\." verify-l.meter &&
    grep -qE "^Verifying files: 100% \(.*\) \| .*/s, done\.$" verify-l.meter
'

test_expect_success 'export on a terminal: Writing files in bytes, then its line of its own' '
    CITYNODE_PROGRESS_DELAY=0 test_on_terminal export.tty --home "$L" export out1 >export.out &&
    test ! -s export.out &&
    test_meter_lines export.tty >export.meter &&
    grep -qE "^Writing files: 100% \([0-9.]+ KiB/[0-9.]+ KiB\) \| .*/s, done\.$" export.meter &&
    tail -n 1 export.tty >last &&
    grep -qx "exported node $(cut -c1-12 lid) to out1" last
'

test_expect_success 'off a terminal, stderr carries no meter: byte for byte what it was' '
    rm -rf out2 &&
    CITYNODE_PROGRESS_DELAY=0 cn "$L" export out2 >export2.out 2>export2.err &&
    printf "exported node %s to out2\n" "$(cut -c1-12 lid)" >export2.want &&
    cmp export2.want export2.err &&
    test ! -s export2.out &&
    CITYNODE_PROGRESS_DELAY=0 cn "$F" verify --all >verify2.out 2>verify2.err &&
    test ! -s verify2.err &&
    cmp verify.out verify2.out &&
    CITYNODE_PROGRESS_DELAY=0 cn "$F" sync >sync2.out 2>sync2.err &&
    test ! -s sync2.err &&
    grep -q "unchanged  0 targets  0 bytes  1 request$" sync2.out &&
    (cd src && echo 1.1.1 >>data.bin && git commit -qam 1.1.1) &&
    CITYNODE_PROGRESS_DELAY=0 cn "$L" publish src --version 1.1.1 >publish2.out 2>publish2.err &&
    commit=$(git -C src rev-parse --short=12 HEAD) &&
    printf "published solution %s@1.1.1 (commit %s, tag v1.1.1, delta bundle)\n" "$ITEM" \
        "$commit" >publish2.want &&
    cmp publish2.want publish2.err
'

test_expect_success '--quiet silences the meter and the round events on a terminal' '
    (cd src && echo three >>data.bin && git commit -qam three) &&
    cn "$L" publish src --version 1.2.0 >/dev/null 2>&1 &&
    CITYNODE_PROGRESS_DELAY=0 test_on_terminal sync-q.tty --home "$F" sync --quiet >sync-q.out &&
    test ! -s sync-q.tty &&
    grep -q "new $ITEM@1.2.0" sync-q.out &&
    CITYNODE_PROGRESS_DELAY=0 test_on_terminal verify-q.tty --home "$F" verify --quiet --all \
        >verify-q.out &&
    test ! -s verify-q.tty &&
    rm -rf out3 &&
    CITYNODE_PROGRESS_DELAY=0 test_on_terminal export-q.tty --home "$L" export out3 --quiet \
        >/dev/null &&
    printf "exported node %s to out3\n" "$(cut -c1-12 lid)" >export-q.want &&
    cmp export-q.want export-q.tty &&
    (cd src && echo four >>data.bin && git commit -qam four) &&
    test_on_terminal publish-q.tty --home "$L" publish src --version 1.3.0 --quiet >publish-q.out &&
    test "$(cat publish-q.out)" = "$(cut -c1-12 lid)/$ITEM@1.3.0" &&
    grep -q "^published solution $ITEM@1.3.0 " publish-q.tty
'

test_expect_success 'publish on a terminal: its phases, then the outcome on a line of its own' '
    (cd src && echo 1.3.1 >>data.bin && git commit -qam 1.3.1) &&
    CITYNODE_PROGRESS_DELAY=0 test_on_terminal publish.tty --home "$L" publish src --version 1.3.1 \
        >publish.out &&
    test "$(cat publish.out)" = "$(cut -c1-12 lid)/$ITEM@1.3.1" &&
    test_meter_lines publish.tty >publish.meter &&
    grep -qE "^Counting objects: 100% \(([0-9]+)/\1\), done\.$" publish.meter &&
    grep -qE "^Writing objects: 100% \(([0-9]+)/\1\), done\.$" publish.meter &&
    grep -q "^published solution $ITEM@1.3.1 " publish.tty.lines
'

test_expect_success '--json output and its stderr are the same on a terminal and off it' '
    CITYNODE_PROGRESS_DELAY=0 cn "$F" show "$LID/$ITEM" --json >show.json 2>show.err &&
    CITYNODE_PROGRESS_DELAY=0 test_on_terminal show.tty --home "$F" show "$LID/$ITEM" --json \
        >show-tty.json &&
    cmp show.json show-tty.json &&
    cmp show.err show.tty &&
    CITYNODE_PROGRESS_DELAY=0 cn "$F" peer list --json >peers.json 2>peers.err &&
    CITYNODE_PROGRESS_DELAY=0 test_on_terminal peers.tty --home "$F" peer list --json >peers-tty.json &&
    cmp peers.json peers-tty.json &&
    cmp peers.err peers.tty
'

test_expect_success 'git delay: a run quicker than a second shows nothing of the meter' '
    test_on_terminal verify-d.tty --home "$F" verify --all >verify-d.out &&
    test ! -s verify-d.tty &&
    rm -rf out4 &&
    test_on_terminal export-d.tty --home "$L" export out4 >/dev/null &&
    printf "exported node %s to out4\n" "$(cut -c1-12 lid)" >export-d.want &&
    cmp export-d.want export-d.tty
'

test_expect_success 'two peers with something new sync on threads: Syncing peers counts them' '
    cn "$L2" init --name "Prague (sample)" --url "http://127.0.0.1:$P2" >/dev/null &&
    test_publish_example "$L2" datasets/leipzig-west-beteiligung-2016 &&
    test_serve "$L2" "$P2" second &&
    cn "$F" peer add "http://127.0.0.1:$P2" >/dev/null &&
    (cd src && echo five >>data.bin && git commit -qam five) &&
    cn "$L" publish src --version 1.4.0 >/dev/null 2>&1 &&
    CITYNODE_PROGRESS_DELAY=0 test_on_terminal two.tty --home "$F" sync >two.out &&
    test_meter_lines two.tty >two.meter &&
    grep -qx "Checking peers: 100% (2/2), done\." two.meter &&
    grep -qx "Syncing peers: 100% (2/2), done\." two.meter &&
    test "$(grep -c " ok " two.out)" = 2
'

test_expect_success 'a failed sync ends its lines before its error' '
    test_stop_server lighthouse &&
    test_stop_server second &&
    export CITYNODE_PROGRESS_DELAY=0 &&
    test_expect_code 1 test_on_terminal fail.tty --home "$F" sync >fail.out &&
    tr "\r" "\n" <fail.tty >fail.lines &&
    grep -q "^citynode: $(cut -c1-12 lid): " fail.lines &&
    grep -qx "Checking peers: 100% (2/2), done\." fail.lines &&
    test_must_fail grep -q "%.*citynode:" fail.tty
'

test_expect_success 'usage: an unknown option is refused, --quiet is named in the synopses' '
    test_expect_code 2 cn "$F" sync --loud 2>usage.err &&
    grep -qx "citynode: unknown option .--loud. (see .citynode sync --help.)" usage.err &&
    "$CITYNODE" sync --help >help &&
    grep -q "sync \[NODE...\] \[--quiet\]" help &&
    "$CITYNODE" publish --help >help &&
    grep -q "publish DIR|URL \[--ref TAG|BRANCH\] \[--version V\] \[--quiet\]" help &&
    "$CITYNODE" verify --help >help &&
    grep -q "verify \[NODE/ITEM\[@V\] | --all\] \[--quiet\]" help &&
    "$CITYNODE" export --help >help &&
    grep -q "export OUTDIR \[--quiet\]" help &&
    "$CITYNODE" --help >help &&
    grep -q "terminal; --quiet turns it off" help
'

test_done
