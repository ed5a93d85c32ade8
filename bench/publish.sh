#!/bin/bash
# publish.sh - how long `citynode publish` takes on a long history, measured
# side by side with what stock tools need for the same job.
#
#   bench/publish.sh            (CITYNODE defaults to build/citynode)
#
# One run builds a 3,000-commit repository with `git fast-import` (the sample
# solution's publiccode.yml at the top, a few source files changed in every
# commit) and then times, best of $BENCH_RUNS (default 3) each:
#
#   citynode   `citynode publish REPO` into a node made by a fresh `init`
#              (the init is not timed)
#   baseline   `git bundle create full.bundle HEAD --all` and
#              `ssh-keygen -Y sign -n git -f KEY full.bundle`, timed together:
#              the stock way to ship the same history as one signed file
#
# It prints both times, the ratio citynode/baseline against the target
# (<= 1.5) and the peak RSS of the publish. A missed target is reported, not
# an error: the script exits non-zero only when something fails to run.

set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
CITYNODE=${CITYNODE:-$src/build/citynode}
BENCH_COMMITS=${BENCH_COMMITS:-3000}
BENCH_RUNS=${BENCH_RUNS:-3}
TARGET=1.5

[ -x "$CITYNODE" ] || {
    echo "publish.sh: $CITYNODE is not built (make build, or set CITYNODE)" >&2
    exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/citynode-bench-publish.XXXXXX")
trap 'rm -rf "$work"' EXIT
repo="$work/repo"
measure() { python3 "$src/bench/measure.py" "$@"; }

# The repository: a deterministic history, checked out so that publish finds
# publiccode.yml at its top.
git init -q -b main "$repo"
python3 "$src/bench/gen-history.py" "$BENCH_COMMITS" \
    "$src/examples/solutions/connected-urban-twins/publiccode.yml" |
    git -C "$repo" fast-import --quiet
git -C "$repo" checkout -q -f main
commits=$(git -C "$repo" rev-list --count HEAD)
objects=$(git -C "$repo" count-objects -v | sed -n 's/^in-pack: //p')
[ "$commits" -eq "$BENCH_COMMITS" ] || {
    echo "publish.sh: generated $commits commits, wanted $BENCH_COMMITS" >&2
    exit 1
}
ssh-keygen -q -t ed25519 -N "" -C bench -f "$work/key"

# best_of LABEL CMD...: run CMD $BENCH_RUNS times (after `setup_LABEL`), keep
# the fastest time in best_s and the largest peak RSS in best_rss_kib.
best_of() {
    label=$1
    shift
    best_s=
    best_rss_kib=0
    for run in $(seq "$BENCH_RUNS"); do
        "setup_$label" "$run"
        if ! m=$(measure "$@"); then
            echo "publish.sh: $label run $run failed: $*" >&2
            exit 1
        fi
        s=${m% *}
        rss=${m#* }
        if [ -z "$best_s" ] || python3 -c "import sys; sys.exit(not $s < $best_s)"; then
            best_s=$s
        fi
        if [ "$rss" -gt "$best_rss_kib" ]; then
            best_rss_kib=$rss
        fi
    done
}

setup_citynode() {
    rm -rf "$work/home"
    "$CITYNODE" --home "$work/home" init --name "Bench $1" >/dev/null 2>&1
}
best_of citynode "$CITYNODE" --home "$work/home" publish "$repo"
cn_s=$best_s
cn_rss=$best_rss_kib
published=$(find "$work/home/public/targets" -name '*.full.bundle' -printf '%s\n')

setup_baseline() {
    rm -f "$work/full.bundle" "$work/full.bundle.sig"
}
best_of baseline sh -c 'git -C "$1" bundle create -q "$2/full.bundle" HEAD --all &&
    ssh-keygen -q -Y sign -n git -f "$2/key" "$2/full.bundle" 2>/dev/null' sh "$repo" "$work"
base_s=$best_s
base_rss=$best_rss_kib
git -C "$repo" bundle verify -q "$work/full.bundle" >/dev/null 2>&1
test -s "$work/full.bundle.sig"
stock=$(stat -c %s "$work/full.bundle")

python3 - "$cn_s" "$base_s" "$TARGET" <<'EOF'
import sys
cn, base, target = (float(a) for a in sys.argv[1:])
ratio = cn / base
verdict = "met" if ratio <= target else "MISSED"
print("publish: citynode %.2f s, baseline %.2f s, ratio %.2f (target <= %g): %s"
      % (cn, base, ratio, target, verdict))
EOF
echo "publish: $commits commits, $objects objects; best of $BENCH_RUNS runs each"
echo "publish: peak RSS citynode $((cn_rss / 1024)) MiB, baseline $((base_rss / 1024)) MiB"
echo "publish: full bundle citynode $((published / 1024)) KiB, stock git $((stock / 1024)) KiB"
