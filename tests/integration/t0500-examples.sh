#!/bin/bash
# Stories of the sample data under examples/ and of scripts/demo.sh (what
# `make run` runs): every manifest is valid, the demo publishes them all,
# serves the TUF tree and passes verification.
. "$(dirname "$0")/lib.sh"

EX="$CN_SOURCE_DIR/examples"
DEMO_HOME="$TRASH/demo/home"
PORT=$(test_free_port)
URL="http://127.0.0.1:$PORT"

stop_demo() {
    [ -f "$TRASH/demo.pid" ] || return 0
    pid=$(cat "$TRASH/demo.pid")
    kill "$pid" 2>/dev/null
    # The demo may not be this shell's child (wait cannot see it): poll until it
    # is gone, so a restarted demo never finds its ports still taken.
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    rm -f "$TRASH/demo.pid"
    return 0
}
test_at_exit stop_demo

# start_demo: run demo.sh in the background and wait until it serves the
# timestamp (publishing every item first can take a while under ASan).
start_demo() {
    CITYNODE_DEMO_LISTEN="127.0.0.1:$PORT" CITYNODE_DEMO_HOME="$DEMO_HOME" \
        "$CN_SOURCE_DIR/scripts/demo.sh" >"$TRASH/demo.out" 2>&1 &
    echo $! >"$TRASH/demo.pid"
    i=0
    while [ $i -lt 600 ]; do
        curl -fsS -o /dev/null "$URL/tuf/timestamp.json" 2>/dev/null && return 0
        kill -0 "$(cat "$TRASH/demo.pid")" 2>/dev/null || break
        sleep 0.1
        i=$((i + 1))
    done
    cat "$TRASH/demo.out" >&2
    echo "demo did not come up on port $PORT" >&2
    return 1
}

manifest_dirs() {
    find "$EX" \( -name citynode.yml -o -name publiccode.yml \) -type f >"$TRASH/manifests" &&
    sed 's,/[^/]*$,,' "$TRASH/manifests" | sort -u
}

test_expect_success 'every manifest under examples/ validates' '
    manifest_dirs >dirs &&
    test -s dirs &&
    while read -r d; do
        "$CITYNODE" validate "$d" || { echo "invalid: $d"; exit 1; }
    done <dirs
'

test_expect_success 'every manifest is marked as sample data' '
    find "$EX" \( -name citynode.yml -o -name publiccode.yml \) -type f >files &&
    while read -r f; do
        head -n 3 "$f" | grep -q "^# SAMPLE DATA for citynode.s demo, drawn from the seed documents" ||
            { echo "not marked as a sample: $f"; exit 1; }
        head -n 3 "$f" | grep -q "not an official" ||
            { echo "no disclaimer: $f"; exit 1; }
    done <files
'

test_expect_success 'the 2020 cohort has its 32 model projects, each a model-project strategy' '
    grep -l "^programme: \"Modellprojekte Smart Cities\"" "$EX"/strategies/*/citynode.yml >msc &&
    test "$(wc -l <msc)" -eq 32 &&
    while read -r f; do
        grep -q "^cohort: 2020$" "$f" &&
        grep -q "^role: model-project$" "$f" &&
        grep -q "^motto: " "$f" &&
        grep -q "^cityCategory: " "$f" || { echo "incomplete: $f"; exit 1; }
    done <msc
'

test_expect_success 'an invalid manifest is refused, so the check above can fail' '
    mkdir bad &&
    sed "s/^role: model-project$/role: lighthouse-city/" \
        "$EX/strategies/berlin/citynode.yml" >bad/citynode.yml &&
    test_expect_code 2 "$CITYNODE" validate bad 2>err &&
    grep -q "citynode.yml:[0-9]*:[0-9]*" err
'

test_expect_success 'the dataset ships its CSV file' '
    d="$EX/datasets/leipzig-west-beteiligung-2016" &&
    test -s "$d/beteiligung-leipzig-west-2016.csv" &&
    size=$(stat -c %s "$d/beteiligung-leipzig-west-2016.csv") &&
    grep -q "byteSize: $size$" "$d/citynode.yml"
'

test_expect_success 'demo.sh publishes every item and serves the TUF tree' '
    start_demo &&
    curl -fsS "$URL/tuf/timestamp.json" >timestamp.json &&
    cmp timestamp.json "$DEMO_HOME/public/tuf/timestamp.json" &&
    curl -fsS "$URL/.well-known/citynode.json" >node.json &&
    grep -q "Stadt Leipzig (Demo)" node.json &&
    n=$(manifest_dirs | wc -l) &&
    grep -q "   $n items published" "$TRASH/demo.out" &&
    grep -q "http://127.0.0.1:$PORT" "$TRASH/demo.out"
'

test_expect_success 'verify --all passes on the demo home' '
    "$CITYNODE" --home "$DEMO_HOME" verify --all >out &&
    grep -q "good" out
'

test_expect_success 'show finds a strategy with its real motto' '
    "$CITYNODE" --home "$TRASH/demo/berlin" show self/msc2020-berlin --json >berlin.json &&
    grep -q "\"motto\": \"Die Stadt intelligent und menschengerecht digitalisieren\"" berlin.json &&
    "$CITYNODE" --home "$TRASH/demo/hamburg-cut" show self/msc2020-hamburg-cut --json >cut.json &&
    grep -q "\"motto\": \"CUT verbindet: Städte, Menschen, Wissen\"" cut.json &&
    "$CITYNODE" --home "$DEMO_HOME" show self/leipzig-triangulum --json >tri.json &&
    grep -q "\"role\": \"follower\"" tri.json
'

test_expect_success 'show finds the solution with its transfer block and the dataset' '
    "$CITYNODE" --home "$DEMO_HOME" show self/zukunftsforum-zukunftslabor --json >sol.json &&
    grep -q "digital@leipzig.de" sol.json &&
    grep -q "\"lessonsLearned\"" sol.json &&
    "$CITYNODE" --home "$DEMO_HOME" show self/leipzig-west-beteiligung-2016 >ds.out &&
    grep -q "(dataset)" ds.out
'

test_expect_success 're-running demo.sh starts a fresh node' '
    old=$(sha256sum "$DEMO_HOME/public/tuf/1.root.json" | cut -c1-64) &&
    stop_demo &&
    start_demo &&
    new=$(sha256sum "$DEMO_HOME/public/tuf/1.root.json" | cut -c1-64) &&
    test "$old" != "$new" &&
    "$CITYNODE" --home "$DEMO_HOME" verify --all &&
    stop_demo
'

test_expect_success 'demo.sh refuses to remove a directory that is not a citynode home' '
    mkdir -p notahome && echo keep >notahome/file &&
    test_expect_code 1 env CITYNODE_DEMO_HOME="$TRASH/notahome" \
        CITYNODE_DEMO_LISTEN="127.0.0.1:$PORT" "$CN_SOURCE_DIR/scripts/demo.sh" 2>err &&
    test "$(cat notahome/file)" = keep &&
    grep -q "not a citynode home" err
'

test_done
