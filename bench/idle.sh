#!/bin/bash
# idle.sh - a sync round over many peers that have nothing new.
#
#   bench/idle.sh              (CITYNODE defaults to build/citynode)
#
# $BENCH_PEERS (default 1000, a national registry's order of magnitude:
# Germany has 10,800 municipalities) nodes are made, each with `citynode
# init` (its own keys and node id), one small published item and `citynode
# export` into a directory of its own, as many at once as there are CPUs.
# One nginx on 127.0.0.1 serves them all, each node under its own host name
# and path prefix as its base URL (http://n0001.localhost:PORT/n0001 ...);
# its access log records every request with its size. A follower adds every
# node and syncs once (filling its mirrors), then syncs again, measured:
#
#   time       the wall time of the second `citynode sync` (target < 5 s)
#   requests   the requests it made per peer (target: 1, a conditional GET of
#              timestamp.json answered 304)
#   bytes      per peer, request and response with headers (target < 1 KiB)
#   memory     the peak RSS of the first sync and of the second
#
# The side-by-side baseline is the same conditional request made by stock
# curl for every peer, one curl process with all the URLs, its
# If-None-Match taken from the ETag nginx gave. A missed target is reported,
# not an error: the script exits non-zero only when something fails to run.
# Making 1,000 nodes and adding them takes a few minutes; BENCH_PEERS=100
# is a quick run.

bench=idle
. "$(dirname "$0")/lib.sh"

BENCH_PEERS=${BENCH_PEERS:-1000}
TARGET_S=5
TARGET_BYTES=1024

port=$(bench_free_port)
# Each node has a host name of its own, n0001.localhost ... (libcurl and
# curl take any *.localhost to be 127.0.0.1): a client keeps a connection
# per host, so every peer costs its own connection, as 1,000 cities' servers
# would, rather than sharing one kept-alive connection to one host.
url_of() { echo "http://n$1.localhost:$port/n$1"; }
mkdir -p "$work/trees" "$work/items"

# A node of its own: `citynode init` (its own keys, its own node id), one
# small item (a sample strategy manifest in a plain folder) published, the
# node exported. Every node is made as a city would make it; nothing is
# copied from another node.
make_node() {
    local n=$1 home=$work/nodes/n$1
    mkdir -p "$work/items/n$n"
    cat >"$work/items/n$n/citynode.yml" <<EOF
# SAMPLE DATA for citynode's idle benchmark; not a real city's strategy.
kind: strategy
id: bench-strategy
version: "1.0.0"
title: "Benchmark strategy $n"
programme: "citynode benchmark"
role: partner
summary: "A placeholder strategy so that the benchmark node $n publishes one item."
EOF
    "$CITYNODE" --home "$home" init --name "Bench Node $n" --url "$(url_of "$n")" >/dev/null 2>&1 ||
        bench_fail "init of node $n failed"
    "$CITYNODE" --home "$home" publish "$work/items/n$n" >/dev/null 2>"$work/items/n$n.err" || {
        cat "$work/items/n$n.err" >&2
        bench_fail "publish on node $n failed"
    }
    "$CITYNODE" --home "$home" export "$work/trees/n$n" >/dev/null 2>&1 ||
        bench_fail "export of node $n failed"
}

# The nodes are independent: as many are made at once as there are CPUs.
jobs=$(nproc 2>/dev/null || echo 2)
running=0
for n in $(seq -f %04g 1 "$BENCH_PEERS"); do
    if [ "$running" -ge "$jobs" ]; then
        wait -n || bench_fail "making the nodes failed"
        running=$((running - 1))
    fi
    make_node "$n" &
    running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
    wait -n || bench_fail "making the nodes failed"
    running=$((running - 1))
done
bench_nginx "$work/trees" "$port"
bench_wait_http "$(url_of 0001)/.well-known/citynode.json"

fol=$work/follower
"$CITYNODE" --home "$fol" init --name "Bench Follower" >/dev/null 2>&1 ||
    bench_fail "init of the follower failed"
for n in $(seq -f %04g 1 "$BENCH_PEERS"); do
    "${cn[@]}" --home "$fol" peer add "$(url_of "$n")" >/dev/null 2>"$work/add.err" || {
        cat "$work/add.err" >&2
        bench_fail "peer add $(url_of "$n") failed"
    }
done
log=$work/nginx/access.log
mark=$(wc -l <"$log")
m=$(measure "${cn[@]}" --home "$fol" sync) || bench_fail "the first citynode sync failed"
fill_s=${m% *}
fill_rss=${m#* }
fill_requests=$(($(wc -l <"$log") - mark))

# The round that counts.
mark=$(wc -l <"$log")
m=$(measure "${cn[@]}" --home "$fol" sync) || bench_fail "the second citynode sync failed"
idle_s=${m% *}
idle_rss=${m#* }
tail -n +"$((mark + 1))" "$log" >"$work/idle.log"

# Baseline: stock curl, one conditional GET of timestamp.json per peer with
# the ETag nginx gives, all in one process.
urls=()
for n in $(seq -f %04g 1 "$BENCH_PEERS"); do
    urls+=("$(url_of "$n")/tuf/timestamp.json")
done
mapfile -t etags < <(curl -fsSI "${urls[@]}" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
[ "${#etags[@]}" -eq "$BENCH_PEERS" ] || bench_fail "nginx gave ${#etags[@]} ETags for $BENCH_PEERS peers"
curl_args=()
for i in "${!urls[@]}"; do
    curl_args+=(--next -s -o /dev/null -H "If-None-Match: ${etags[$i]}" "${urls[$i]}")
done
mark=$(wc -l <"$log")
m=$(measure curl "${curl_args[@]:1}") || bench_fail "the baseline curl failed"
curl_s=${m% *}
tail -n +"$((mark + 1))" "$log" >"$work/curl.log"

python3 - "$work/idle.log" "$work/curl.log" "$BENCH_PEERS" "$idle_s" "$curl_s" "$TARGET_S" \
    "$TARGET_BYTES" "$fill_s" "$fill_requests" "$((idle_rss / 1024))" "$((fill_rss / 1024))" <<'EOF'
import sys

(idle_log, curl_log, peers, idle_s, curl_s, target_s, target_bytes, fill_s, fill_requests,
 rss_mib, fill_rss_mib) = sys.argv[1:]
peers, target_bytes = int(peers), int(target_bytes)
idle_s, curl_s, target_s = float(idle_s), float(curl_s), float(target_s)


def per_peer(path):
    stats = {}
    statuses = {}
    for line in open(path):
        method, uri, status, body, sent, received = line.split()
        peer = uri.split("/")[1]
        s = stats.setdefault(peer, [0, 0, 0])
        s[0] += 1
        s[1] += int(sent) + int(received)
        s[2] += int(body)
        statuses[status] = statuses.get(status, 0) + 1
    return stats, statuses


def verdict(ok):
    return "met" if ok else "MISSED"


stats, statuses = per_peer(idle_log)
base, base_statuses = per_peer(curl_log)
silent = peers - len(stats)
reqs = [s[0] for s in stats.values()] + [0] * silent
wire = [s[1] for s in stats.values()] + [0] * silent
body = sum(s[2] for s in stats.values())
print("idle: %d peers, nothing new: citynode sync %.3f s (target < %g s): %s; baseline curl %.3f s, "
      "ratio %.2f" % (peers, idle_s, target_s, verdict(idle_s < target_s), curl_s, idle_s / curl_s))
print("idle: requests per peer: max %d, mean %.2f (target 1): %s; responses %s"
      % (max(reqs), sum(reqs) / peers, verdict(max(reqs) == 1 and min(reqs) == 1),
         ", ".join("%d x %s" % (n, s) for s, n in sorted(statuses.items()))))
print("idle: bytes per peer (request + response, headers included): max %d, mean %.0f "
      "(target < %d): %s; response bodies %d bytes in all"
      % (max(wire), sum(wire) / peers, target_bytes, verdict(max(wire) < target_bytes), body))
bw = [s[1] for s in base.values()]
print("idle: baseline curl per peer: %d request, mean %.0f bytes; responses %s"
      % (max(s[0] for s in base.values()), sum(bw) / len(bw),
         ", ".join("%d x %s" % (n, s) for s, n in sorted(base_statuses.items()))))
print("idle: first sync (filling the mirrors) %.2f s, %s requests, peak RSS %s MiB; "
      "peak RSS of the idle sync %s MiB" % (float(fill_s), fill_requests, fill_rss_mib, rss_mib))
EOF
