#!/bin/bash
# publish.sh - how long `citynode publish` takes on long histories, measured
# side by side with what stock tools need for the same job.
#
#   bench/publish.sh                      (CITYNODE defaults to build/citynode)
#   BENCH_CASES=small bench/publish.sh    one case only
#   BENCH_REPO=/path/to/repo bench/publish.sh
#
# Cases (BENCH_CASES, default "small large"; BENCH_REPO makes it "repo"):
#
#   small   3,000 commits ($BENCH_COMMITS) from gen-history.py: 200 files,
#           3 edited per commit, a 10 MiB pack
#   large   28,000 commits ($BENCH_LARGE_COMMITS) from gen-platform.py, the
#           size and shape of CKAN's history: ~290,000 objects, one pack of
#           ~235 MiB written by `git repack -a -d -f` as a forge's would be
#   repo    a clone of $BENCH_REPO with the sample publiccode.yml committed
#           on top (see docs/BENCHMARKS.md for how its two versions are made)
#
# Every generated history carries the sample solution's publiccode.yml at
# the top and is deterministic: the same commit ids in every run. For each
# case, $BENCH_RUNS times (default 3) each, best and median:
#
#   first publish
#     citynode   `citynode publish REPO` into a node made by a fresh `init`
#                (the init is not timed)
#     baseline   `git bundle create full.bundle HEAD` and
#                `ssh-keygen -Y sign -n git -f KEY full.bundle`, timed together
#   next version, after $BENCH_NEXT (default 100) more commits
#     citynode   `citynode publish REPO --version 1.1.0` into a copy of the
#                node the first publish left
#     baseline   `git bundle create delta.bundle OLD..NEW` and its signature
#
# It prints the times, peak RSS and bundle sizes with their ratios against
# the targets. A missed target is reported (MISSED), not an error: the script
# exits non-zero only when something fails to run. A citynode command is
# killed after $BENCH_TIMEOUT seconds (default 900).

bench=publish
. "$(dirname "$0")/lib.sh"

BENCH_CASES=${BENCH_CASES:-$([ -n "${BENCH_REPO:-}" ] && echo repo || echo small large)}
BENCH_COMMITS=${BENCH_COMMITS:-3000}
BENCH_LARGE_COMMITS=${BENCH_LARGE_COMMITS:-28000}
BENCH_NEXT=${BENCH_NEXT:-100}
BENCH_RUNS=${BENCH_RUNS:-3}
manifest=$src/examples/solutions/connected-urban-twins/publiccode.yml
ssh-keygen -q -t ed25519 -N "" -C bench -f "$work/key"

# A commit made by the benchmark, with fixed dates so its id is the same in
# every run.
bench_git() {
    GIT_AUTHOR_NAME="Bench City" GIT_AUTHOR_EMAIL=bench@example.org \
        GIT_COMMITTER_NAME="Bench City" GIT_COMMITTER_EMAIL=bench@example.org \
        GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z" \
        git -C "$repo" "$@"
}

# --- the cases: make_CASE builds $repo at its first version, next_CASE moves
# it to the next one. Both leave HEAD checked out.

make_small() {
    git init -q -b main "$repo"
    python3 "$src/bench/gen-history.py" "$((BENCH_COMMITS + BENCH_NEXT))" "$manifest" |
        git -C "$repo" fast-import --quiet
    # fast-import deltifies each blob against the one before it in the
    # stream, whatever its path; a clone from a forge has one pack whose
    # deltas were searched for.
    git -C "$repo" repack -q -a -d -f
    # gen-history.py's history is one line: the first BENCH_COMMITS commits
    # are the first version, the rest the next.
    git -C "$repo" branch -q next main
    git -C "$repo" reset -q --hard "main~$BENCH_NEXT"
}
next_small() { git -C "$repo" reset -q --hard next; }

make_large() {
    git init -q -b main "$repo"
    python3 "$src/bench/gen-platform.py" "$manifest" "$BENCH_LARGE_COMMITS" |
        git -C "$repo" fast-import --quiet --export-marks="$work/marks"
    git -C "$repo" repack -q -a -d -f
    git -C "$repo" checkout -q -f main
}
# The new commits' objects in a pack of whole objects, as new work is in
# loose objects: git deltifies them when it writes a bundle.
next_large() {
    python3 "$src/bench/gen-platform.py" "$manifest" "$((BENCH_LARGE_COMMITS + BENCH_NEXT))" \
        "$BENCH_LARGE_COMMITS" |
        git -C "$repo" fast-import --quiet --depth=0 --import-marks="$work/marks"
    git -C "$repo" reset -q --hard main
}

# with_manifest COMMIT PARENT...: a commit of COMMIT's tree plus the sample
# publiccode.yml at the top, with the given parents; prints its id.
with_manifest() {
    local commit=$1 blob tree p parents=()
    shift
    for p in "$@"; do parents+=(-p "$p"); done
    blob=$(git -C "$repo" hash-object -w "$manifest")
    rm -f "$work/index"
    GIT_INDEX_FILE=$work/index git -C "$repo" read-tree "$commit"
    GIT_INDEX_FILE=$work/index git -C "$repo" update-index --add --cacheinfo "100644,$blob,publiccode.yml"
    tree=$(GIT_INDEX_FILE=$work/index git -C "$repo" write-tree)
    bench_git commit-tree "$tree" "${parents[@]}" -m "Publish with citynode"
}

# An existing repository: its HEAD~k, the newest first-parent ancestor with
# at least BENCH_NEXT commits after it, plus the manifest is the first
# version; the next is a merge of that commit and HEAD with the manifest,
# as the publisher's branch would merge upstream's newer history.
make_repo() {
    local lo=1 hi mid
    [ -n "${BENCH_REPO:-}" ] || bench_fail "the repo case needs BENCH_REPO=/path/to/repo"
    git clone -q --no-local --no-checkout "$BENCH_REPO" "$repo" ||
        bench_fail "cannot clone $BENCH_REPO"
    upstream=$(git -C "$repo" rev-parse HEAD)
    hi=$(git -C "$repo" rev-list --first-parent --count HEAD)
    hi=$((hi - 1))
    [ "$(git -C "$repo" rev-list --count "HEAD~$hi..HEAD")" -ge "$BENCH_NEXT" ] ||
        bench_fail "$BENCH_REPO has fewer than $BENCH_NEXT commits after its root"
    while [ "$lo" -lt "$hi" ]; do
        mid=$(((lo + hi) / 2))
        if [ "$(git -C "$repo" rev-list --count "HEAD~$mid..HEAD")" -ge "$BENCH_NEXT" ]; then
            hi=$mid
        else
            lo=$((mid + 1))
        fi
    done
    first=$(with_manifest "HEAD~$lo" "HEAD~$lo")
    git -C "$repo" checkout -q -f -B bench "$first"
}
next_repo() {
    git -C "$repo" update-ref refs/heads/bench "$(with_manifest "$upstream" HEAD "$upstream")"
    git -C "$repo" reset -q --hard bench
}

# --- measuring

# runs LABEL CMD...: run CMD $BENCH_RUNS times (after `setup_LABEL RUN`);
# sets best_s, median_s and rss_kib (the largest peak RSS of the runs).
runs() {
    local label=$1 run m times=()
    shift
    rss_kib=0
    for run in $(seq "$BENCH_RUNS"); do
        "setup_$label" "$run"
        m=$("$@") || bench_fail "$case: $label run $run failed: $*"
        times+=("${m% *}")
        [ "${m#* }" -le "$rss_kib" ] || rss_kib=${m#* }
    done
    read -r best_s median_s <<<"$(python3 -c '
import statistics, sys
t = [float(x) for x in sys.argv[1:]]
print("%.2f %.2f" % (min(t), statistics.median(t)))' "${times[@]}")"
}

# verdict A B TARGET: "ratio R (target <= TARGET): met|MISSED" for A/B.
verdict() {
    local r
    r=$(bench_ratio "$1" "$2" "$3")
    echo "ratio ${r% *} (target <= $3): ${r#* }"
}

# The baseline: git's bundle of REVS in $bundle, signed as citynode signs.
stock_bundle() {
    # shellcheck disable=SC2016 # the script is sh's, its arguments follow
    measure sh -c 'git -C "$1" bundle create -q "$2" "$3" &&
        ssh-keygen -q -Y sign -n git -f "$4" "$2"' sh "$repo" "$bundle" "$1" "$work/key"
}

# seconds T0 T1: the time between two `date +%s.%N`, to a tenth.
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

setup_first() {
    rm -rf "$home"
    "$CITYNODE" --home "$home" init --name "Bench $1" >/dev/null 2>&1 || bench_fail "init failed"
}
setup_next() {
    rm -rf "$home"
    cp -a "$work/home.v1" "$home"
}
setup_stock() { rm -f "$bundle" "$bundle.sig"; }

target_file() {
    find "$home/public/targets" -path "*/$1/*" -name "*.$2" -printf '%s\n'
}

run_case() {
    local t0 t1 commits objects pack old new full stock delta
    case=$1
    repo=$work/$case/repo
    home=$work/$case/home
    mkdir -p "$work/$case"
    t0=$(date +%s.%N)
    "make_$case"
    t1=$(date +%s.%N)
    commits=$(git -C "$repo" rev-list --count HEAD)
    objects=$(git -C "$repo" rev-list --objects HEAD | wc -l)
    pack=$(git -C "$repo" count-objects -v | sed -n 's/^size-pack: //p')
    printf 'publish %s: HEAD %.12s, %d commits, %d objects, pack %d MiB (made in %s s); %d runs each: best (median)\n' \
        "$case" "$(git -C "$repo" rev-parse HEAD)" "$commits" "$objects" "$((pack / 1024))" \
        "$(seconds "$t0" "$t1")" "$BENCH_RUNS"

    runs first measure "${cn[@]}" --home "$home" publish "$repo"
    local cn_s=$best_s cn_med=$median_s cn_rss=$rss_kib
    full=$(target_file 1.0.0 full.bundle)
    cp -a "$home" "$work/home.v1"
    bundle=$work/$case/full.bundle
    runs stock stock_bundle HEAD
    git -C "$repo" bundle verify -q "$bundle" >/dev/null 2>&1 || bench_fail "$case: git's bundle does not verify"
    stock=$(stat -c %s "$bundle")
    echo "publish $case first: citynode $cn_s s ($cn_med), baseline $best_s s ($median_s)," \
        "$(verdict "$cn_s" "$best_s" 1.5)"
    echo "publish $case first: peak RSS citynode $((cn_rss / 1024)) MiB, baseline $((rss_kib / 1024)) MiB," \
        "$(verdict "$cn_rss" "$rss_kib" 2)"
    echo "publish $case first: full bundle citynode $((full / 1024)) KiB, stock git $((stock / 1024)) KiB"
    rm -f "$bundle" "$bundle.sig"

    old=$(git -C "$repo" rev-parse HEAD)
    t0=$(date +%s.%N)
    "next_$case"
    t1=$(date +%s.%N)
    new=$(git -C "$repo" rev-parse HEAD)
    printf 'publish %s next: %d new commits, %d new objects (made in %s s)\n' "$case" \
        "$(git -C "$repo" rev-list --count "$old..$new")" \
        "$(git -C "$repo" rev-list --objects "$old..$new" | wc -l)" "$(seconds "$t0" "$t1")"
    runs next measure "${cn[@]}" --home "$home" publish "$repo" --version 1.1.0
    cn_s=$best_s cn_med=$median_s cn_rss=$rss_kib
    delta=$(target_file 1.1.0 delta.bundle)
    [ -n "$delta" ] || bench_fail "$case: citynode wrote no delta bundle for 1.1.0"
    bundle=$work/$case/delta.bundle
    runs stock stock_bundle "$old..HEAD"
    stock=$(stat -c %s "$bundle")
    echo "publish $case next: citynode $cn_s s ($cn_med), target <= 3 s:" \
        "$(bench_ratio "$cn_s" 1 3 | sed 's/.* //'); baseline $best_s s ($median_s)," \
        "ratio $(bench_ratio "$cn_s" "$best_s" 1 | sed 's/ .*//')"
    echo "publish $case next: delta bundle citynode $delta bytes, stock git $stock bytes," \
        "$(verdict "$delta" "$stock" 1.1)"
    echo "publish $case next: peak RSS citynode $((cn_rss / 1024)) MiB, baseline $((rss_kib / 1024)) MiB"
    rm -rf "$work/${case:?}" "$work/home.v1"
}

for c in $BENCH_CASES; do
    case $c in
    small | large | repo) run_case "$c" ;;
    *) bench_fail "unknown case '$c' in BENCH_CASES (small, large, repo)" ;;
    esac
done
