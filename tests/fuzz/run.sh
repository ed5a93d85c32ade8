#!/bin/bash
# run.sh - run every libFuzzer harness of a fuzz build for a fixed time.
#
#   tests/fuzz/run.sh BUILD_DIR
#
# BUILD_DIR is a build configured with -DCN_FUZZ=ON and CC=clang (`make fuzz`
# makes build-fuzz). Each BUILD_DIR/fuzz_* program runs for $FUZZ_SECONDS
# (default 60) seconds. Its seed corpus is tests/data/<area>/ when that exists,
# where <area> is the harness name without "fuzz_" (fuzz_bundle_header uses
# tests/data/bundle_header/ if present, else tests/data/bundle/; YAML and
# manifest harnesses use tests/data/manifests/); seeds are
# only read. New inputs go to a scratch corpus, BUILD_DIR/fuzz-corpus/<name>/,
# kept between runs so that fuzzing resumes where it stopped; crashes, leaks
# and timeouts go to BUILD_DIR/fuzz-artifacts/<name>/. Nothing is written to
# the source tree.
#
# Prints one line per harness and "N passed, M failed"; exits 1 if any harness
# found something (or would not run), 2 on a usage error.

set -u

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
src=$(cd "$(dirname "$0")/../.." && pwd)

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
    echo "usage: $0 BUILD_DIR   (a build made with -DCN_FUZZ=ON)" >&2
    exit 2
fi
case $FUZZ_SECONDS in
'' | *[!0-9]*)
    echo "$0: FUZZ_SECONDS must be a whole number of seconds" >&2
    exit 2
    ;;
esac
build=$(cd "$1" && pwd)

# max_len NAME: the largest input worth trying for a harness, a little above
# the cap the parser enforces so that the refusal path is exercised too.
max_len() {
    case $1 in
    fuzz_sshsig*) echo 9000 ;;           # CN_SSHSIG_MAX_ARMORED 8192
    fuzz_bundle*) echo 16384 ;;          # header lines up to 4096, many refs
    fuzz_tuf*) echo 65536 ;;             # root/timestamp cap 64 KiB
    fuzz_manifest* | fuzz_yaml* | fuzz_schema*) echo 16384 ;;
    fuzz_json*) echo 16384 ;;
    fuzz_csv*) echo 70000 ;;             # CN_CSV_READ_MAX 64 KiB
    fuzz_markdown*) echo 16384 ;;
    *) echo 8192 ;;
    esac
}

# seed_dir NAME: the seed corpus under tests/data/ for a harness, or nothing.
# Harnesses whose inputs are manifests (YAML) use tests/data/manifests; others
# try the whole area name, then ever shorter "_"-separated prefixes, each also
# as a plural (fuzz_bundle_header -> tests/data/bundle).
seed_dir() {
    case $1 in
    fuzz_yaml* | fuzz_manifest* | fuzz_schema*)
        if [ -d "$src/tests/data/manifests" ]; then
            echo "$src/tests/data/manifests"
            return
        fi
        ;;
    esac
    area=${1#fuzz_}
    while [ -n "$area" ]; do
        for d in "$src/tests/data/$area" "$src/tests/data/${area}s"; do
            if [ -d "$d" ]; then
                echo "$d"
                return
            fi
        done
        case $area in
        *_*) area=${area%_*} ;;
        *) area= ;;
        esac
    done
}

passed=0
failed=0
found=0
for bin in "$build"/fuzz_*; do
    [ -f "$bin" ] && [ -x "$bin" ] || continue
    found=$((found + 1))
    name=$(basename "$bin")
    corpus="$build/fuzz-corpus/$name"
    artifacts="$build/fuzz-artifacts/$name"
    log="$build/fuzz-artifacts/$name.log"
    mkdir -p "$corpus" "$artifacts"
    start="$build/fuzz-artifacts/.$name.start"
    touch "$start"
    seeds=$(seed_dir "$name")
    # Each fuzzer runs from its artifact directory so that anything it drops
    # in the current directory stays out of the source tree.
    (cd "$artifacts" &&
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1 \
            UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
            "$bin" -max_total_time="$FUZZ_SECONDS" -max_len="$(max_len "$name")" \
            -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
            -artifact_prefix="$artifacts/" "$corpus" ${seeds:+"$seeds"}) >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    size=$(find "$corpus" -type f | wc -l)
    seed_note=${seeds:+seeds ${seeds#"$src"/}}
    if [ "$rc" -eq 0 ]; then
        passed=$((passed + 1))
        echo "ok   $name: ${runs:-?} runs in ${FUZZ_SECONDS}s, corpus $size, ${seed_note:-no seeds}"
    else
        failed=$((failed + 1))
        echo "FAIL $name: exit $rc after ${runs:-?} runs; log $log"
        find "$artifacts" -maxdepth 1 -type f -newer "$start" -printf '     artifact %p\n' 2>/dev/null
        grep -m 1 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | sed 's/^/     /'
    fi
done

if [ "$found" -eq 0 ]; then
    echo "$0: no fuzz_* programs in $build (configure with CC=clang -DCN_FUZZ=ON)" >&2
    exit 1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
