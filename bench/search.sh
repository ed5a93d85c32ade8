#!/bin/bash
# search.sh - the registry's search over 100,000 items, measured side by
# side with the same questions asked of the SQLite file directly.
#
#   bench/search.sh     (CN_SEARCH_BENCH defaults to build/cn_search_bench)
#
# One run:
#
#   1. generates BENCH_ITEMS (default 100000) SAMPLE items from the seed
#      texts (bench/search_gen.py: titles from their nouns, descriptions
#      from runs of their words; ../shared/seeds, or BENCH_SEEDS) across 400
#      nodes, with replication attestations;
#   2. loads them into a fresh state.db through the registry's ingest API
#      (cn_registry_put_node/_version/_attestation, 1,000 per transaction)
#      and prints the load time and the file size;
#   3. runs the fixed query set below BENCH_RUNS (default 20) times per
#      query on each path (bench/search_bench.c):
#
#        registry  cn_registry_search: what GET /api/v1/search runs, from
#                  the query string to the JSON text of the answer
#        direct    the same questions (page, total, facet counts) as plain
#                  SQL on the same file, statements prepared beforehand
#        floor     only stepping through the FTS5 matches' rowids: the
#                  least work any exact answer needs (for scale)
#
#      checks that registry and direct give the same answers, and prints
#      p50 and p99 of each path, the ratios and the targets (p99 < 10 ms,
#      and within 2x of direct). The HTTP path (/api/v1/search through `serve`) becomes one
#      more column when serve routes it: a measurement that prints
#      "RESULT <name> <p50> <p99> <max> <n>" joins the table.
#
# A missed target is reported, not an error: the script exits non-zero only
# when something fails to run or the two paths disagree.

set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
TOOL=${CN_SEARCH_BENCH:-$src/build/cn_search_bench}
BENCH_ITEMS=${BENCH_ITEMS:-100000}
BENCH_RUNS=${BENCH_RUNS:-20}
BENCH_SEEDS=${BENCH_SEEDS:-$src/../shared/seeds}

[ -x "$TOOL" ] || {
    echo "search.sh: $TOOL is not built (make build, or set CN_SEARCH_BENCH)" >&2
    exit 1
}
seeds=("$BENCH_SEEDS"/*.txt)
[ -f "${seeds[0]}" ] || {
    echo "search.sh: no seed texts (*.txt) in $BENCH_SEEDS (set BENCH_SEEDS)" >&2
    exit 1
}

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

work=$(mktemp -d "${TMPDIR:-/tmp}/citynode-bench-search.XXXXXX")
trap 'rm -rf "$work"' EXIT

python3 "$src/bench/search_gen.py" "$BENCH_ITEMS" "$BENCH_SEEDS" >"$work/items.jsonl"
"$TOOL" load "$work/state.db" "$work/items.jsonl" >"$work/load.out"
load_line=$(sed -n 's/^LOAD //p' "$work/load.out")
db_bytes=$(sed -n 's/^DB_SIZE_BYTES //p' "$work/load.out")

"$TOOL" query "$work/state.db" "$BENCH_RUNS" "${QUERIES[@]}" >"$work/query.out"

echo "search over $BENCH_ITEMS SAMPLE items (generated from the seed texts), ${#QUERIES[@]} queries x $BENCH_RUNS runs"
echo "load:   $load_line"
echo "        state.db $((db_bytes / 1048576)) MiB ($((db_bytes / BENCH_ITEMS)) bytes per item)"
echo "first search after open: $(sed -n 's/^FIRST_SEARCH_MS //p' "$work/query.out") ms" \
    "(loads the in-memory copy of the index)"
echo
grep -v -e '^RESULT ' -e '^PEAK_RSS_KIB ' -e '^FIRST_SEARCH_MS ' "$work/query.out"
echo

# The summary: one column per measured path, each against direct SQL.
python3 - "$work/query.out" <<'EOF'
import sys

rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    if f and f[0] == "RESULT":
        rows[f[1]] = tuple(float(x) for x in f[2:5])
direct = rows["direct"]
names = {"api": "registry search", "direct": "direct SQL (same answer)",
         "floor": "floor (walk the matches)"}
print("%-30s %9s %9s %9s" % ("", "p50 ms", "p99 ms", "max ms"))
for name, (p50, p99, mx) in rows.items():
    print("%-30s %9.2f %9.2f %9.2f" % (names.get(name, name), p50, p99, mx))
for name, (p50, p99, mx) in rows.items():
    if name in ("direct", "floor"):
        continue
    for base in ("direct", "floor"):
        b = rows[base]
        print("%-30s %9.2f %9.2f" % ("ratio %s / %s" % (name, base), p50 / b[0], p99 / b[1]))
    ok99 = p99 < 10.0
    ok2x = p99 <= 2 * direct[1] and p50 <= 2 * direct[0]
    print("target %-23s p99 < 10 ms: %s; within 2x of direct: %s" % (
        name, "met" if ok99 else "MISSED", "met" if ok2x else "MISSED"))
EOF
echo "peak RSS of the query tool (every path, one process): $(($(sed -n 's/^PEAK_RSS_KIB //p' "$work/query.out") / 1024)) MiB"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
