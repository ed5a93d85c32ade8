#!/bin/bash
# delta.sh - what a follower downloads for a small new version, measured side
# by side with stock git's bundle of the same change.
#
#   bench/delta.sh             (CITYNODE defaults to build/citynode)
#
# A publisher node publishes one item, v1.0.0, a $BENCH_COMMITS-commit history
# from gen-history.py (default 1000). Its exported tree (`citynode export`) is
# served by nginx on 127.0.0.1, whose access log records every request with
# its size. A follower adds the publisher and syncs (not measured). Then the
# publisher commits a small change with stock git (a line added to each of
# three source files, the manifest's softwareVersion raised to 1.1.0),
# publishes v1.1.0 and exports again, and the follower syncs:
#
#   citynode   the bytes of every response body nginx sent for the GETs of
#              that sync (metadata, manifest, delta bundle), and the requests
#   baseline   the size of `git bundle create x.bundle v1.0.0..v1.1.0` in the
#              publisher's repository: the same commits and the signed tag
#
# Prints both sizes and the ratio citynode/baseline (target <= 2), with what
# the download was made of. For comparison it then does the same for a larger
# version, v1.2.0 (five lines in each of 30 files), where the fixed cost of
# the metadata weighs less. A missed target is reported, not an error.

bench=delta
. "$(dirname "$0")/lib.sh"

BENCH_COMMITS=${BENCH_COMMITS:-1000}
TARGET=2

port=$(bench_free_port)
url=http://127.0.0.1:$port
pub=$work/publisher
tree=$work/tree
bench_publisher "$pub" "$url" 1 "$BENCH_COMMITS" 0 0
pub_id=$(sed -n 's/.*"node": *"\([0-9a-f]*\)".*/\1/p' "$pub/public/.well-known/citynode.json")
item=bench-item-1
repo=$work/src/$item
"$CITYNODE" --home "$pub" export "$tree" 2>/dev/null || bench_fail "export failed"
bench_nginx "$tree" "$port"
bench_wait_http "$url/.well-known/citynode.json"

fol=$work/follower
"$CITYNODE" --home "$fol" init --name "Bench Follower" >/dev/null 2>&1 ||
    bench_fail "init of the follower failed"
"${cn[@]}" --home "$fol" peer add "$url" >/dev/null || bench_fail "citynode peer add failed"
"${cn[@]}" --home "$fol" sync >/dev/null || bench_fail "the first citynode sync failed"
git -C "$fol/repos/$pub_id/$item.git" rev-parse -q --verify refs/tags/v1.0.0 >/dev/null ||
    bench_fail "the follower did not mirror $item v1.0.0"

# release VERSION FILES LINES: commit a change of LINES new lines in each of
# FILES source files and the manifest's version, publish it, export it, and
# let the follower sync; then print the figures of that sync.
release() {
    local version=$1 files=$2 lines=$3 f i=0 j old
    old=$(git -C "$pub/repos/$pub_id/$item.git" describe --tags --abbrev=0 main)
    for f in $(git -C "$repo" ls-files 'src/*' | head -n "$files"); do
        i=$((i + 1))
        for j in $(seq "$lines"); do
            sed -i "$((10 + j))a\\city data platform line $j of change $i for $version" "$repo/$f"
        done
    done
    sed -i "s/^softwareVersion: .*/softwareVersion: \"$version\"/" "$repo/publiccode.yml"
    git -C "$repo" -c user.name="Bench City" -c user.email=bench@example.org \
        commit -q -a -m "Release $version"
    changed=$(git -C "$repo" diff --name-only HEAD^ HEAD | wc -l)
    "$CITYNODE" --home "$pub" publish "$repo" >/dev/null 2>&1 || bench_fail "publish of v$version failed"
    # nginx's ETag and Last-Modified carry the file's mtime in whole seconds:
    # a timestamp.json of the same size rewritten within the second the
    # follower last saw would be answered 304.
    sleep 1
    "$CITYNODE" --home "$pub" export "$tree" 2>/dev/null || bench_fail "export failed"

    mark=$(wc -l <"$log")
    m=$(measure "${cn[@]}" --home "$fol" sync) || bench_fail "the citynode sync of v$version failed"
    sync_s=${m% *}
    tail -n +"$((mark + 1))" "$log" >"$work/requests"
    [ "$(git -C "$fol/repos/$pub_id/$item.git" rev-parse "refs/tags/v$version" 2>/dev/null)" = \
        "$(git -C "$pub/repos/$pub_id/$item.git" rev-parse "refs/tags/v$version")" ] ||
        bench_fail "the follower does not have the publisher's tag v$version"

    rm -f "$work/stock.bundle"
    git -C "$pub/repos/$pub_id/$item.git" bundle create -q "$work/stock.bundle" "$old..v$version" \
        2>/dev/null || bench_fail "git bundle create failed"
    stock=$(stat -c %s "$work/stock.bundle")
    delta_len=$(bench_targets "$url" | awk -v p="items/$item/$version/delta.bundle" '$1 == p { print $2 }')

    python3 - "$work/requests" "$stock" "$TARGET" "$sync_s" "$changed" "${delta_len:-0}" \
        "$old" "v$version" "$lines" <<'EOF2'
import sys

log, stock, target, seconds, changed, delta_len, old, new, lines = sys.argv[1:]
stock, target, changed, delta_len = int(stock), float(target), int(changed), int(delta_len)
parts = {"metadata (tuf/, pointer)": 0, "manifest": 0, "bundles": 0, "other": 0}
body = sent = requests = 0
statuses = {}
listing = []
others = []
for line in open(log):
    method, uri, status, body_bytes, bytes_sent, _ = line.split()
    name = uri.rsplit("/", 1)[-1]
    if method != "GET":  # a hint (POST /inbox) the follower sends: not a download
        others.append("%s %s %s" % (method, uri, status))
        continue
    body_bytes = int(body_bytes)
    listing.append("%s %s %d" % (name if len(name) < 40 else "..." + name[-24:], status, body_bytes))
    requests += 1
    body += body_bytes
    sent += int(bytes_sent)
    statuses[status] = statuses.get(status, 0) + 1
    if uri.startswith("/tuf/") or uri.startswith("/.well-known/"):
        parts["metadata (tuf/, pointer)"] += body_bytes
    elif uri.endswith(".manifest.json"):
        parts["manifest"] += body_bytes
    elif uri.endswith(".bundle"):
        parts["bundles"] += body_bytes
    else:
        parts["other"] += body_bytes
ratio = body / stock
verdict = "met" if ratio <= target else "MISSED"
print("delta %s: %d files changed (%s new lines each in the source files), %s..%s"
      % (new, changed, lines, old, new))
print("delta %s: citynode downloaded %d bytes, stock git bundle %d bytes, ratio %.3f (target <= %g): %s"
      % (new, body, stock, ratio, target, verdict))
print("delta %s: %d GET requests (%s), %d bytes with headers, sync %.2f s%s"
      % (new, requests, ", ".join("%d x %s" % (n, s) for s, n in sorted(statuses.items())), sent,
         float(seconds), "; also " + ", ".join(others) if others else ""))
print("delta %s: the download: " % new + ", ".join("%s %d" % kv for kv in parts.items())
      + "; citynode's delta.bundle is %.2f x the stock bundle" % (delta_len / stock))
print("delta %s: requests (file, status, body bytes): %s" % (new, "; ".join(listing)))
EOF2
}

log=$work/nginx/access.log
# The measured case: a small new version, one line in each of three files.
release 1.1.0 3 1
# For comparison: a larger one, five lines in each of 30 files.
release 1.2.0 30 5
