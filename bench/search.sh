#!/bin/bash
# search.sh - GET /api/v1/search of a real `citynode serve` over 100,000
# items, measured side by side with the same questions asked of the SQLite
# file directly.
#
#   bench/search.sh   (CITYNODE defaults to build/citynode, CN_SEARCH_BENCH
#                      to the cn_search_bench beside it)
#
# One run:
#
#   1. makes a node home with `citynode init` and generates BENCH_ITEMS
#      (default 100000) SAMPLE items from the seed texts
#      (bench/search_gen.py: titles from their nouns, descriptions from runs
#      of their words; ../shared/seeds, or BENCH_SEEDS) across 400 nodes,
#      with replication attestations;
#   2. loads them into the home's state.db through the registry's ingest API
#      (cn_registry_put_node/_version/_attestation, 1,000 per transaction, as
#      a sync would) and prints the load time and the file size;
#   3. starts `citynode serve` on that home at 127.0.0.1:<free port>;
#   4. runs the fixed query set below on each path (bench/search_bench.c),
#      BENCH_RUNS (default 40) times per query, the direct SQL
#      BENCH_DIRECT_RUNS (default 3) times (it takes 0.1 to 1 s a query):
#
#        http      GET /api/v1/search?QUERY from the serve, one keep-alive
#                  connection, one request after the other (libcurl)
#        registry  cn_registry_search in the benchmark's own process: what
#                  the serve runs for that request, without the HTTP
#        direct    the same questions (page, total, facet counts) as plain
#                  SQL on the same file, statements prepared beforehand
#        floor     only stepping through the FTS5 matches' rowids: the
#                  least work any exact answer needs (for scale)
#        http2     BENCH_CLIENTS (default 2) clients at once, each on its own
#                  keep-alive connection, each running the whole set
#
#      after one untimed pass over every path that checks that http,
#      registry and direct give the same total, page and facet counts;
#   5. commits a row to a table of its own in state.db, as every sync
#      commits, and times the first query again on the http and registry
#      paths: after any commit, each registry handle (one per serve thread)
#      reloads its in-memory copy of the index on its next search;
#   6. prints p50 and p99 of each path, the ratios to direct SQL, the
#      targets (p99 < 10 ms, and within 2x of direct), which queries the
#      slowest 1% came from, the serve's peak RSS (VmHWM of
#      /proc/<pid>/status after the run) and the state.db size.
#
# A missed target is reported, not an error: the script exits non-zero only
# when something fails to run or the paths disagree.

bench=search
. "$(dirname "$0")/lib.sh"

TOOL=${CN_SEARCH_BENCH:-$(dirname "$CITYNODE")/cn_search_bench}
BENCH_ITEMS=${BENCH_ITEMS:-100000}
BENCH_RUNS=${BENCH_RUNS:-40}
BENCH_DIRECT_RUNS=${BENCH_DIRECT_RUNS:-3}
BENCH_CLIENTS=${BENCH_CLIENTS:-2}
BENCH_SEEDS=${BENCH_SEEDS:-$src/../shared/seeds}

[ -x "$TOOL" ] || bench_fail "$TOOL is not built (make build, or set CN_SEARCH_BENCH)"
seeds=("$BENCH_SEEDS"/*.txt)
[ -f "${seeds[0]}" ] || bench_fail "no seed texts (*.txt) in $BENCH_SEEDS (set BENCH_SEEDS)"

# The fixed query set: what people type into the search box and click in
# the facets, including the broad words that match most of the index.
QUERIES=(
    "q=Mobilit%C3%A4t"                           # a topic, with its umlaut
    "q=mobilitaet"                               # ... typed without it
    "q=Mobilitat"                                # ... or without the dots
    "q=smart"                                    # the broadest word
    "q=smart+city"                               # two broad words
    "q=Stadt"                                    # broad, prefix of many compounds
    "q=mo"                                       # typing: 2 letters
    "q=digi"                                     # typing: 4 letters
    "q=digital"                                  # typing: 7 letters
    "q=B%C3%BCrgerbeteiligung"                   # a long compound
    "q=Klimaschutz+Quartier"                     # two specific words
    "q=Energie&kind=dataset"                     # text and a facet
    "q=Daten+Plattform&per_page=50"              # a bigger page
    "q=Wissen&page=5"                            # a later page
    "q=Leipzig"                                  # a city by name
    "q=Zukunftslabor"                            # a rare word
    "q=nachhaltig&country=DE&kind=strategy"      # text and two facets
    "q=Verkehr&sort=replications"                # most replicated first
    "q=Quartier&theme=TRAN&sort=recent"          # newest first
    ""                                           # browse everything
    "kind=solution&status=stable"                # facets only
    "theme=ENVI&theme=ENER"                      # two values of a facet
    "sort=replications"                          # the most replicated items
    "programme=Triangulum&field=Mobilit%C3%A4t"  # facets only
    "q=xylophon"                                 # no match
)

started=$(date +%s)
home=$work/home
"$CITYNODE" --home "$home" init --name "Search Bench (SAMPLE)" >/dev/null 2>&1 ||
    bench_fail "init of the node failed"
python3 "$src/bench/search_gen.py" "$BENCH_ITEMS" "$BENCH_SEEDS" >"$work/items.jsonl" ||
    bench_fail "search_gen.py failed"
"$TOOL" load "$home/state.db" "$work/items.jsonl" >"$work/load.out" ||
    bench_fail "loading the items into $home/state.db failed"
rm -f "$work/items.jsonl"
load_line=$(sed -n 's/^LOAD //p' "$work/load.out")

port=$(bench_free_port)
bench_serve "$home" "$port"
serve_pid=${bench_pids##* }

"$TOOL" query --direct-runs "$BENCH_DIRECT_RUNS" --http "http://127.0.0.1:$port" \
    --clients "$BENCH_CLIENTS" "$home/state.db" "$BENCH_RUNS" "${QUERIES[@]}" \
    >"$work/query.out" || {
    cat "$work/query.out"
    bench_fail "a query failed, or the paths answered differently"
}
# The serve's memory after every request of the run (it is still up).
serve_kib() { sed -n "s/^$1:[[:space:]]*\\([0-9]*\\) kB/\\1/p" "/proc/$serve_pid/status"; }
serve_hwm=$(serve_kib VmHWM)
serve_rss=$(serve_kib VmRSS)
db_bytes=$(stat -c %s "$home/state.db")
wal_bytes=$(stat -c %s "$home/state.db-wal" 2>/dev/null || echo 0)

echo "search over $BENCH_ITEMS SAMPLE items (generated from the seed texts), ${#QUERIES[@]} queries," \
    "$BENCH_RUNS runs each ($BENCH_DIRECT_RUNS of the direct SQL)"
echo "load:   $load_line"
echo "        state.db $((db_bytes / 1048576)) MiB ($((db_bytes / BENCH_ITEMS)) bytes per item)," \
    "WAL $((wal_bytes / 1024)) KiB"
echo "first search after open: $(sed -n 's/^FIRST_SEARCH_MS //p' "$work/query.out") ms in process," \
    "$(sed -n 's/^FIRST_HTTP_MS //p' "$work/query.out") ms over HTTP" \
    "(loads the handle's in-memory copy of the index)"
echo
grep -v -e '^RESULT ' -e '^PEAK_RSS_KIB ' -e '^FIRST_' -e '^HTTP_RATE ' -e '^CONNECTIONS ' \
    -e '^TAIL ' -e '^AFTER_WRITE_' "$work/query.out"
echo

# The summary: one row per path, each against direct SQL.
python3 - "$work/query.out" <<'EOF'
import sys

rows, info, tail = {}, {}, {}
for line in open(sys.argv[1]):
    f = line.split()
    if f and f[0] == "RESULT":
        rows[f[1]] = tuple(float(x) for x in f[2:5]) + (int(f[5]),)
    elif f and f[0] == "TAIL":
        tail.setdefault(f[1], []).append("%s x%s" % (f[3], f[2]))
    elif len(f) >= 2:
        info[f[0]] = f[1:]
direct = rows["direct"]
names = {"http": "HTTP API (serve, keep-alive)", "api": "registry in-process",
         "direct": "direct SQL (same answer)", "floor": "floor (walk the matches)"}
together = sorted(k for k in rows if k.startswith("http") and k != "http")
for k in together:
    names[k] = "HTTP API, %s clients at once" % k[4:]
print("%-32s %8s %8s %8s %8s %8s %8s" % ("", "p50 ms", "p99 ms", "max ms", "samples",
                                         "p50/SQL", "p99/SQL"))
for k in ["http", "api", "direct", "floor"] + together:
    p50, p99, mx, n = rows[k]
    print("%-32s %8.2f %8.2f %8.2f %8d %8.3f %8.3f" % (names[k], p50, p99, mx, n,
                                                     p50 / direct[0], p99 / direct[1]))
for k in ["http", "api"] + together:
    p50, p99 = rows[k][:2]
    print("target %-28s p99 < 10 ms: %-6s within 2x of direct SQL: %s" % (
        names[k], "met;" if p99 < 10.0 else "MISSED;",
        "met" if p99 <= 2 * direct[1] and p50 <= 2 * direct[0] else "MISSED"))
print("HTTP minus in-process: p50 %+.2f ms, p99 %+.2f ms" % (
    rows["http"][0] - rows["api"][0], rows["http"][1] - rows["api"][1]))
for k in ("http", "api"):
    print("the slowest 1%% of %s came from: %s" % (names[k], ", ".join(tail.get(k, []))))
for k in together:
    print("%s clients at once: %s requests/s in all" % (k[4:], info["HTTP_RATE"][0]))
print("connections the HTTP clients opened: %s (1 + %d if every request was kept alive)"
      % (info["CONNECTIONS"][0], int(together[0][4:]) if together else 0))
print("first search after a commit to state.db (as every sync makes; %s): %s ms over HTTP,"
      " %s ms in process" % (info["AFTER_WRITE_HTTP_MS"][1], info["AFTER_WRITE_HTTP_MS"][0],
                             info["AFTER_WRITE_API_MS"][0]))
EOF
echo "serve: peak RSS (VmHWM) $((serve_hwm / 1024)) MiB, RSS after the run $((serve_rss / 1024)) MiB"
echo "benchmark tool (registry handle, SQL, HTTP clients): peak RSS" \
    "$(($(sed -n 's/^PEAK_RSS_KIB //p' "$work/query.out") / 1024)) MiB"
echo "wall time $(($(date +%s) - started)) s; load average $(cut -d' ' -f1-3 /proc/loadavg)" \
    "on $(nproc) CPUs"
