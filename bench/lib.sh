# lib.sh - what the federation benchmarks (mirror.sh, delta.sh, idle.sh) share.
#
# Source it after setting `bench` to the benchmark's name. It checks
# $CITYNODE, makes the scratch directory $work (removed at exit unless
# $BENCH_KEEP is set, with every server started through bench_bg stopped
# first), and provides:
#
#   bench_free_port            a free TCP port on 127.0.0.1
#   bench_wait_http URL        wait until URL answers 2xx (max ~20 s)
#   bench_bg CMD...            start CMD in the background, stopped at exit
#   bench_serve HOME PORT      `citynode serve` of HOME on 127.0.0.1:PORT
#   bench_nginx ROOT PORT      nginx serving ROOT statically on 127.0.0.1:PORT;
#                              its access log is $work/nginx/access.log, one
#                              line per request: METHOD URI STATUS BODY_BYTES
#                              BYTES_SENT (with headers) REQUEST_LENGTH
#   bench_publisher HOME URL N COMMITS DATA_COMMITS ROWS
#                              a node publishing N items bench-item-01 ...
#                              (config.yml gets the lines of $BENCH_CONFIG),
#                              each a git history of COMMITS commits from
#                              gen-history.py plus DATA_COMMITS commits of
#                              ROWS-row CSV files from gen-data.py
#   bench_targets BASE_URL     the served targets, read from the TUF metadata
#                              (timestamp -> snapshot -> targets) with python3:
#                              one line "PATH LENGTH URL" per target, URL under
#                              its consistent-snapshot name
#   measure CMD...             bench/measure.py: prints "SECONDS MAXRSS_KIB"
#   "${cn[@]}" ARGS...         citynode ARGS, killed after $BENCH_TIMEOUT seconds
#                              (default 900), so a hung sync cannot hang `make bench`
#   bench_fail MSG             print MSG and exit 1

set -eu

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CITYNODE=${CITYNODE:-$src/build/citynode}

bench_fail() {
    echo "$bench.sh: $*" >&2
    exit 1
}

[ -x "$CITYNODE" ] || bench_fail "$CITYNODE is not built (make build, or set CITYNODE)"
for tool in git curl python3; do
    command -v "$tool" >/dev/null || bench_fail "$tool is not installed"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/citynode-bench-$bench.XXXXXX")
bench_pids=""

bench_cleanup() {
    for pid in $bench_pids; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in $bench_pids; do
        wait "$pid" 2>/dev/null || true
    done
    if [ -n "${BENCH_KEEP:-}" ]; then
        echo "$bench.sh: kept $work" >&2
    else
        rm -rf "$work"
    fi
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

measure() { python3 "$src/bench/measure.py" "$@"; }
cn=(timeout "${BENCH_TIMEOUT:-900}" "$CITYNODE")

bench_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

bench_wait_http() {
    local i=0
    while [ $i -lt 200 ]; do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.1
        i=$((i + 1))
    done
    bench_fail "$1 did not answer"
}

bench_bg() {
    "$@" &
    bench_pids="$bench_pids $!"
}

bench_serve() {
    bench_bg "$CITYNODE" --home "$1" serve --listen "127.0.0.1:$2" >>"$work/serve.log" 2>&1
    bench_wait_http "http://127.0.0.1:$2/.well-known/citynode.json"
}

bench_nginx() {
    local root=$1 port=$2 dir=$work/nginx user=""
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] ||
        bench_fail "nginx is not installed (package nginx-light)"
    mkdir -p "$dir/tmp"
    # Workers of a master started as root would run as nobody, who cannot
    # read the scratch directory (mode 0700).
    [ "$(id -u)" -eq 0 ] && user="user root;"
    cat >"$dir/nginx.conf" <<EOF
$user
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    log_format bench '\$request_method \$uri \$status \$body_bytes_sent \$bytes_sent \$request_length';
    access_log $dir/access.log bench;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    types { application/json json; }
    default_type application/octet-stream;
    keepalive_requests 10000;
    gzip on;
    gzip_types application/json;
    server {
        listen 127.0.0.1:$port;
        root $root;
        location / { }
    }
}
EOF
    local bin
    bin=$(command -v nginx || echo /usr/sbin/nginx)
    bench_bg "$bin" -p "$dir" -c "$dir/nginx.conf"
    : >"$dir/access.log"
}

bench_publisher() {
    local home=$1 url=$2 n=$3 commits=$4 data_commits=$5 rows=$6 i repo
    "$CITYNODE" --home "$home" init --name "Bench Publisher" --url "$url" >/dev/null 2>&1 ||
        bench_fail "init of the publisher failed"
    # BENCH_CONFIG: lines for the publisher's config.yml, before it publishes.
    [ -z "${BENCH_CONFIG:-}" ] || printf '%s\n' "$BENCH_CONFIG" >>"$home/config.yml"
    for i in $(seq -w 1 "$n"); do
        repo=$work/src/bench-item-$i
        git init -q -b main "$repo"
        sed "s/^name: .*/name: Bench Item $i/" \
            "$src/examples/solutions/connected-urban-twins/publiccode.yml" >"$work/src/manifest.yml"
        python3 "$src/bench/gen-history.py" "$commits" "$work/src/manifest.yml" |
            git -C "$repo" fast-import --quiet
        if [ "$data_commits" -gt 0 ]; then
            python3 "$src/bench/gen-data.py" "$data_commits" "$rows" "$((10#$i))" |
                git -C "$repo" fast-import --quiet
        fi
        git -C "$repo" checkout -q -f main
        "$CITYNODE" --home "$home" publish "$repo" >/dev/null 2>"$work/publish.err" || {
            cat "$work/publish.err" >&2
            bench_fail "publish of bench-item-$i failed"
        }
    done
}

bench_targets() {
    python3 - "$1" <<'EOF'
import json
import sys
import urllib.parse
import urllib.request

base = sys.argv[1].rstrip("/") + "/"


def get(url):
    with urllib.request.urlopen(url) as r:
        return json.load(r)


pointer = get(base + ".well-known/citynode.json")
meta = urllib.parse.urljoin(base, pointer["metadata"])
files = urllib.parse.urljoin(base, pointer["targets"])
timestamp = get(meta + "timestamp.json")["signed"]
snapshot = get(meta + "%d.snapshot.json" % timestamp["meta"]["snapshot.json"]["version"])["signed"]
targets = get(meta + "%d.targets.json" % snapshot["meta"]["targets.json"]["version"])["signed"]
listed = dict(targets["targets"])
# Layout 2 (docs/PROTOCOL.md §4.1): each item's targets in a delegated role.
for role in targets.get("delegations", {}).get("roles", []):
    name = role["name"]
    version = snapshot["meta"][name + ".json"]["version"]
    listed.update(get(meta + "%d.%s.json" % (version, urllib.parse.quote(name, safe="")))
                  ["signed"]["targets"])
for path, info in sorted(listed.items()):
    head, _, name = path.rpartition("/")
    consistent = (head + "/" if head else "") + info["hashes"]["sha256"] + "." + name
    print(path, info["length"], files + consistent)
EOF
}

# python3 -c with the figures as argv: ratio A/B and a verdict against TARGET.
bench_ratio() {
    python3 -c '
import sys
a, b, target = (float(x) for x in sys.argv[1:4])
r = a / b if b else float("inf")
print("%.2f %s" % (r, "met" if r <= target else "MISSED"))' "$@"
}
