#!/bin/bash
# mirror.sh - a follower's first sync of a whole node, measured side by side
# with fetching and cloning the same bundles with stock tools.
#
#   bench/mirror.sh            (CITYNODE defaults to build/citynode)
#
# One run builds a publisher node with $BENCH_ITEMS (default 20) items, each a
# git history of $BENCH_ITEM_COMMITS source commits (gen-history.py) plus
# $BENCH_DATA_COMMITS commits adding a CSV position log of $BENCH_ROWS rows
# (gen-data.py): about 50 MB of full bundles in all, which zlib cannot shrink
# much further. `citynode serve` serves it on 127.0.0.1. Then, best of
# $BENCH_RUNS (default 3) each:
#
#   citynode   a fresh follower (init not timed): `citynode peer add URL` and
#              the first `citynode sync`, timed together; peak RSS of sync.
#              Every item must then be mirrored with its signed tag and
#              `citynode verify --all` must pass.
#   baseline   the same bytes with stock tools from the same server: one
#              `curl` fetching the newest full.bundle of every item (their
#              consistent-snapshot URLs read from the TUF targets metadata
#              before the clock starts), then `git clone --mirror` of each
#              downloaded bundle file.
#
# When the server answers git's dumb HTTP protocol (/git/<node>/<item>.git),
# `git clone --mirror` over HTTP of every item is timed too, for reference.
#
# Prints both times, the ratio citynode/baseline (target <= 1.2) and the peak
# RSS of the sync (target < 64 MiB). A missed target is reported, not an
# error: the script exits non-zero only when something fails to run.

bench=mirror
. "$(dirname "$0")/lib.sh"

BENCH_ITEMS=${BENCH_ITEMS:-20}
BENCH_ITEM_COMMITS=${BENCH_ITEM_COMMITS:-400}
BENCH_DATA_COMMITS=${BENCH_DATA_COMMITS:-36}
BENCH_ROWS=${BENCH_ROWS:-4000}
BENCH_RUNS=${BENCH_RUNS:-3}
TARGET=1.2
TARGET_RSS_MIB=64

port=$(bench_free_port)
url=http://127.0.0.1:$port
pub=$work/publisher
bench_publisher "$pub" "$url" "$BENCH_ITEMS" "$BENCH_ITEM_COMMITS" "$BENCH_DATA_COMMITS" "$BENCH_ROWS"
pub_id=$(sed -n 's/.*"node": *"\([0-9a-f]*\)".*/\1/p' "$pub/public/.well-known/citynode.json")
bench_serve "$pub" "$port"

# The newest full bundle of each item (one version each here).
bench_targets "$url" | awk '$1 ~ /^items\/.*\/full\.bundle$/' >"$work/bundles"
[ "$(wc -l <"$work/bundles")" -eq "$BENCH_ITEMS" ] ||
    bench_fail "the targets metadata lists $(wc -l <"$work/bundles") full bundles, wanted $BENCH_ITEMS"
bundle_bytes=$(awk '{ n += $2 } END { print n }' "$work/bundles")
objects=0
for repo in "$pub/repos/$pub_id"/*.git; do
    n=$(git -C "$repo" count-objects -v | awk '/^(count|in-pack):/ { n += $2 } END { print n }')
    objects=$((objects + n))
done
echo "mirror: $BENCH_ITEMS items, $((bundle_bytes / 1024 / 1024)) MiB of full bundles, $objects objects; best of $BENCH_RUNS runs each"

# curl's arguments: one -o FILE URL pair per bundle, in one invocation (so
# one connection, kept alive).
curl_args=()
while read -r path _ bundle_url; do
    item=${path#items/}
    item=${item%%/*}
    curl_args+=(-o "$work/base/$item.bundle" "$bundle_url")
done <"$work/bundles"

git_http=""
first_item=$(awk 'NR == 1 { sub(/^items\//, "", $1); sub(/\/.*/, "", $1); print $1 }' "$work/bundles")
if curl -fsS -o /dev/null "$url/git/$pub_id/$first_item.git/info/refs" 2>/dev/null; then
    git_http=yes
fi

# best LABEL SECONDS RSS: keep the fastest time and the largest RSS per label.
declare -A best_s best_rss
best() {
    local label=$1 s=$2 rss=$3
    if [ -z "${best_s[$label]:-}" ] || python3 -c "import sys; sys.exit(not $s < ${best_s[$label]})"; then
        best_s[$label]=$s
    fi
    if [ "$rss" -gt "${best_rss[$label]:-0}" ]; then
        best_rss[$label]=$rss
    fi
}
split() { # "SECONDS RSS" -> s rss
    s=${1% *}
    rss=${1#* }
}

for run in $(seq "$BENCH_RUNS"); do
    # baseline: curl, then git clone --mirror of every bundle file
    rm -rf "$work/base"
    mkdir -p "$work/base"
    m=$(measure curl -sS --fail "${curl_args[@]}") || bench_fail "baseline curl failed"
    split "$m"
    best curl "$s" "$rss"
    m=$(measure sh -c 'for b in "$1"/*.bundle; do
            git clone -q --mirror "$b" "${b%.bundle}.git" || exit 1
        done' sh "$work/base") || bench_fail "baseline git clone --mirror failed"
    split "$m"
    best clone "$s" "$rss"
    [ "$(ls -d "$work/base"/*.git | wc -l)" -eq "$BENCH_ITEMS" ] || bench_fail "baseline cloned too few"

    if [ -n "$git_http" ]; then
        rm -rf "$work/http"
        mkdir -p "$work/http"
        m=$(measure sh -c 'while read -r path _ _; do
                item=${path#items/}; item=${item%%/*}
                git clone -q --mirror "$1/git/$2/$item.git" "$3/$item.git" || exit 1
            done <"$4"' sh "$url" "$pub_id" "$work/http" "$work/bundles") ||
            bench_fail "git clone --mirror over dumb HTTP failed"
        split "$m"
        best http "$s" "$rss"
    fi

    # citynode: a fresh follower, peer add + first sync
    rm -rf "$work/follower"
    "$CITYNODE" --home "$work/follower" init --name "Bench Follower" >/dev/null 2>&1 ||
        bench_fail "init of the follower failed"
    m=$(measure "${cn[@]}" --home "$work/follower" peer add "$url") ||
        bench_fail "citynode peer add $url failed"
    split "$m"
    add_s=$s
    m=$(measure "${cn[@]}" --home "$work/follower" sync) || bench_fail "citynode sync failed"
    split "$m"
    best sync "$s" "$rss"
    best citynode "$(python3 -c "print($add_s + $s)")" "$rss"

    # The follower must hold every item at the publisher's signed tag.
    for repo in "$pub/repos/$pub_id"/*.git; do
        mirror=$work/follower/repos/$pub_id/$(basename "$repo")
        [ "$(git -C "$mirror" rev-parse refs/tags/v1.0.0 2>/dev/null)" = \
            "$(git -C "$repo" rev-parse refs/tags/v1.0.0)" ] ||
            bench_fail "the follower's $(basename "$repo") lacks the publisher's tag v1.0.0"
    done
    "$CITYNODE" --home "$work/follower" verify --all >/dev/null 2>&1 ||
        bench_fail "citynode verify --all failed on the follower"
done

base_total=$(python3 -c "print(${best_s[curl]} + ${best_s[clone]})")
read -r ratio verdict < <(bench_ratio "${best_s[citynode]}" "$base_total" "$TARGET")
sync_mib=$((best_rss[sync] / 1024))
rss_verdict=met
[ "$sync_mib" -lt "$TARGET_RSS_MIB" ] || rss_verdict=MISSED

printf 'mirror: citynode %.2f s, baseline %.2f s, ratio %s (target <= %s): %s\n' \
    "${best_s[citynode]}" "$base_total" "$ratio" "$TARGET" "$verdict"
printf 'mirror: peak RSS citynode sync %d MiB (target < %d MiB): %s; curl %d MiB, git clone %d MiB\n' \
    "$sync_mib" "$TARGET_RSS_MIB" "$rss_verdict" "$((best_rss[curl] / 1024))" "$((best_rss[clone] / 1024))"
printf 'mirror: citynode = peer add + sync %.2f s; baseline = curl %.2f s + git clone --mirror (from the bundle files) %.2f s\n' \
    "${best_s[citynode]}" "${best_s[curl]}" "${best_s[clone]}"
if [ -n "$git_http" ]; then
    printf 'mirror: for reference, git clone --mirror of every item over dumb HTTP (/git/): %.2f s, peak RSS %d MiB\n' \
        "${best_s[http]}" "$((best_rss[http] / 1024))"
fi
