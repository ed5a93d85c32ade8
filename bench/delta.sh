#!/bin/bash
# delta.sh - what a follower downloads for a small new version, measured side
# by side with stock git's bundle of the same change and its signature, and
# whether it grows with the item's history.
#
#   bench/delta.sh             (CITYNODE defaults to build/citynode)
#
# A publisher node publishes $BENCH_ITEMS items (default 20), each v1.0.0 of a
# $BENCH_COMMITS-commit history from gen-history.py (default 300). Its
# exported tree (`citynode export`) is served by nginx on 127.0.0.1 (JSON
# gzip'ed, as an operator would set it up), whose access log records every
# request with its size. A follower adds the publisher and syncs (not
# measured). Then, twice, the publisher commits a 3-line change to item 1
# with stock git (a line added to each of three source files, the manifest's
# softwareVersion raised), publishes it and exports again, and the follower
# syncs:
#
#   - when item 1 reaches 2 versions (v1.1.0), and
#   - when it reaches $BENCH_HISTORY versions (default 53), after the versions
#     between were published (and followed) unmeasured.
#
#   citynode   the bytes of every response body nginx sent for the GETs of
#              that sync (metadata, manifest, delta bundle), and the requests
#   baseline   `git bundle create x.bundle OLD..NEW` in the publisher's
#              repository (the same commits and the signed tag) plus its
#              signature by `ssh-keygen -Y sign`: the stock way to ship the
#              change as a signed file
#
# BENCH_LAYOUT=1 publishes in layout 1 (metadata_layout: 1 in config.yml; the
# default is 2, docs/PROTOCOL.md §4.1).
#
# Prints both sizes and the ratio citynode/baseline (target <= 4, aim 3), with
# what the download was made of, and the growth from 2 to $BENCH_HISTORY
# versions (target <= 1.1). A missed target is reported, not an error.

bench=delta
. "$(dirname "$0")/lib.sh"

BENCH_ITEMS=${BENCH_ITEMS:-20}
BENCH_COMMITS=${BENCH_COMMITS:-300}
BENCH_HISTORY=${BENCH_HISTORY:-53}
BENCH_LAYOUT=${BENCH_LAYOUT:-2}
TARGET=4
GROWTH=1.1

command -v ssh-keygen >/dev/null || bench_fail "ssh-keygen is missing (package openssh-client)"
ssh-keygen -q -t ed25519 -N "" -C bench -f "$work/stock-key" >/dev/null

port=$(bench_free_port)
url=http://127.0.0.1:$port
pub=$work/publisher
tree=$work/tree
BENCH_CONFIG="metadata_layout: $BENCH_LAYOUT" bench_publisher "$pub" "$url" "$BENCH_ITEMS" \
    "$BENCH_COMMITS" 0 0
pub_id=$(sed -n 's/.*"node": *"\([0-9a-f]*\)".*/\1/p' "$pub/public/.well-known/citynode.json")
item=bench-item-$(printf "%0${#BENCH_ITEMS}d" 1)
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

# commit_version VERSION FILES LINES: commit a change of LINES new lines in
# each of FILES source files and the manifest's version, and publish it.
commit_version() {
    local version=$1 files=$2 lines=$3 f i=0 j
    for f in $(git -C "$repo" ls-files 'src/*' | head -n "$files"); do
        i=$((i + 1))
        for j in $(seq "$lines"); do
            sed -i "$((10 + j))a\\city data platform line $j of change $i for $version" "$repo/$f"
        done
    done
    sed -i "s/^softwareVersion: .*/softwareVersion: \"$version\"/" "$repo/publiccode.yml"
    git -C "$repo" -c user.name="Bench City" -c user.email=bench@example.org \
        commit -q -a -m "Release $version"
    "$CITYNODE" --home "$pub" publish "$repo" >/dev/null 2>&1 || bench_fail "publish of v$version failed"
}

# export_tree: the publisher's tree as nginx serves it. nginx's ETag and
# Last-Modified carry the file's mtime in whole seconds: a timestamp.json of
# the same size rewritten within the second the follower last saw would be
# answered 304, hence the wait.
export_tree() {
    sleep 1
    "$CITYNODE" --home "$pub" export "$tree" 2>/dev/null || bench_fail "export failed"
}

# release VERSION FILES LINES LABEL: commit and publish VERSION, export it,
# let the follower sync; then print the figures of that sync under LABEL and
# keep the bytes in "$work/LABEL.bytes".
release() {
    local version=$1 files=$2 lines=$3 label=$4 old changed
    old=$(git -C "$pub/repos/$pub_id/$item.git" describe --tags --abbrev=0 main)
    commit_version "$version" "$files" "$lines"
    changed=$(git -C "$repo" diff --name-only HEAD^ HEAD | wc -l)
    export_tree

    mark=$(wc -l <"$log")
    m=$(measure "${cn[@]}" --home "$fol" sync) || bench_fail "the citynode sync of v$version failed"
    sync_s=${m% *}
    tail -n +"$((mark + 1))" "$log" >"$work/requests"
    [ "$(git -C "$fol/repos/$pub_id/$item.git" rev-parse "refs/tags/v$version" 2>/dev/null)" = \
        "$(git -C "$pub/repos/$pub_id/$item.git" rev-parse "refs/tags/v$version")" ] ||
        bench_fail "the follower does not have the publisher's tag v$version"

    rm -f "$work/stock.bundle" "$work/stock.bundle.sig"
    git -C "$pub/repos/$pub_id/$item.git" bundle create -q "$work/stock.bundle" "$old..v$version" \
        2>/dev/null || bench_fail "git bundle create failed"
    ssh-keygen -q -Y sign -n git -f "$work/stock-key" "$work/stock.bundle" 2>/dev/null ||
        bench_fail "ssh-keygen -Y sign failed"
    stock_bundle=$(stat -c %s "$work/stock.bundle")
    stock=$((stock_bundle + $(stat -c %s "$work/stock.bundle.sig")))
    delta_len=$(bench_targets "$url" | awk -v p="items/$item/$version/delta.bundle" '$1 == p { print $2 }')

    python3 - "$work/requests" "$stock" "$TARGET" "$sync_s" "$changed" "${delta_len:-0}" \
        "$old" "v$version" "$lines" "$label" "$stock_bundle" "$work/$label.bytes" <<'EOF2'
import sys

(log, stock, target, seconds, changed, delta_len, old, new, lines, label, stock_bundle,
 keep) = sys.argv[1:]
stock, target, changed, delta_len = int(stock), float(target), int(changed), int(delta_len)
stock_bundle = int(stock_bundle)
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
open(keep, "w").write("%d\n" % body)
print("delta %s: %s: %d files changed (%s new lines each in the source files), %s..%s"
      % (label, new, changed, lines, old, new))
print("delta %s: citynode downloaded %d bytes, stock git bundle + signature %d bytes "
      "(%d + %d), ratio %.2f (target <= %g, aim 3): %s"
      % (label, body, stock, stock_bundle, stock - stock_bundle, ratio, target, verdict))
print("delta %s: %d GET requests (%s), %d bytes with headers, sync %.2f s%s"
      % (label, requests, ", ".join("%d x %s" % (n, s) for s, n in sorted(statuses.items())),
         sent, float(seconds), "; also " + ", ".join(others) if others else ""))
print("delta %s: the download: " % label + ", ".join("%s %d" % kv for kv in parts.items())
      + "; citynode's delta.bundle is %.2f x the stock bundle" % (delta_len / stock_bundle))
print("delta %s: requests (file, status, body bytes): %s" % (label, "; ".join(listing)))
EOF2
}

log=$work/nginx/access.log
# Two versions of item 1: the measured 3-line change.
release 1.1.0 3 1 "2 versions"
# The versions between, published and followed, not measured.
for minor in $(seq 2 $((BENCH_HISTORY - 2))); do
    commit_version "1.$minor.0" 3 1
done
export_tree
"${cn[@]}" --home "$fol" sync >/dev/null || bench_fail "the sync of the versions between failed"
# The same change at BENCH_HISTORY versions.
release "1.$((BENCH_HISTORY - 1)).0" 3 1 "$BENCH_HISTORY versions"

# Layout 2: how the changed item's role varied over its history (it lists a
# checkpoint's full bundle and up to 16 deltas besides the newest version,
# PROTOCOL §4.1), gzip'ed as nginx sends it: the update that happens to fall
# on the largest role costs that much more.
python3 - "$tree/tuf" "$item" <<'EOF'
import glob, gzip, json, os, sys
tuf, item = sys.argv[1:3]
sizes = []
for path in glob.glob("%s/*.items.%s.json" % (tuf, item)):
    data = open(path, "rb").read()
    deltas = sum(1 for p in json.loads(data)["signed"]["targets"] if p.endswith("/delta.bundle"))
    sizes.append((len(gzip.compress(data, 6)), deltas))
if sizes:
    small, big = min(sizes), max(sizes)
    print("delta roles: %d versions of items.%s, gzip'ed %d to %d bytes (%d to %d delta bundles "
          "listed): one update costs at most %d bytes more than another"
          % (len(sizes), item, small[0], big[0], small[1], big[1], big[0] - small[0]))
EOF

python3 - "$(cat "$work/2 versions.bytes")" "$(cat "$work/$BENCH_HISTORY versions.bytes")" \
    "$BENCH_HISTORY" "$GROWTH" <<'EOF'
import sys
two, many, n, target = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
growth = many / two
print("delta growth: %d bytes at 2 versions, %d at %s, growth %.2f (target <= %g): %s"
      % (two, many, n, growth, target, "met" if growth <= target else "MISSED"))
EOF
