#!/bin/sh
# demo.sh - what `make run` runs: a demo federation of seven nodes on
# 127.0.0.1, built from the seed documents on the EU project Triangulum.
#
#   Stadt Leipzig (Demo)          PORT     follower: every sample item under examples/
#                                          (but federation/), mirrors the lighthouses
#                                          through the consortium's network, replicates
#                                          Eindhoven's demonstration
#   Eindhoven (Demo)              PORT+1   lighthouse: a sample solution; follows the
#                                          city that replicated it (policy index) to
#                                          see its attestation
#   Manchester (Demo)             PORT+2   lighthouse: likewise
#   Stavanger (Demo)              PORT+3   lighthouse: likewise
#   Prague (Demo)                 PORT+4   follower: a sample strategy; mirrors the
#                                          lighthouses, replicates Manchester's
#   Sabadell (Demo)               PORT+5   follower: likewise, replicates Stavanger's
#   Triangulum consortium (Demo)  PORT+6   network node: network.json lists the six cities
#
# The script starts every node's `citynode serve` in the background, publishes,
# runs the peer add / network trust / sync / replicate steps, checks the result
# (every node verifies, the followers hold the lighthouses' signed tags, the
# replicas and attestations exist, stock git clones from a mirror), prints a
# guide and then waits until Ctrl-C, which stops all nodes.
#
#   CITYNODE               the binary (default: build/citynode)
#   CITYNODE_DEMO_HOME     Leipzig's node directory (default: build/demo/leipzig); the
#                          other nodes' directories and run/ (logs, replicas, clones)
#                          are created next to it. Every run re-creates them all.
#   CITYNODE_DEMO_LISTEN   Leipzig's HOST:PORT (default: 127.0.0.1:8470); the other
#                          nodes listen on the six ports after it (a node whose port
#                          is taken moves to a free one after those)
#   CITYNODE_DEMO_ONESHOT  1: set up and check, print the guide, stop all nodes and
#                          exit instead of waiting (for tests)
#
# The items are SAMPLE DATA drawn from public documents about Triangulum and
# the 2020 cohort of "Modellprojekte Smart Cities"; none is an official
# publication of the cities named in them.
set -eu

die() {
    echo "demo.sh: $*" >&2
    exit 1
}

# An absolute path for $1: relative paths are taken from directory $2.
absolute() {
    case $1 in
    /*) echo "$1" ;;
    *) echo "$2/$1" ;;
    esac
}

caller=$(pwd)
root=$(cd "$(dirname "$0")/.." && pwd)

# The defaults are relative to the repository; paths given in the
# environment are relative to where the script was started.
if [ -n "${CITYNODE:-}" ]; then
    case $CITYNODE in
    */*) CITYNODE=$(absolute "$CITYNODE" "$caller") ;;
    *) CITYNODE=$(command -v "$CITYNODE") || die "$CITYNODE: command not found" ;;
    esac
else
    CITYNODE=$root/build/citynode
fi
if [ -n "${CITYNODE_DEMO_HOME:-}" ]; then
    leipzig_home=$(absolute "$CITYNODE_DEMO_HOME" "$caller")
else
    leipzig_home=$root/build/demo/leipzig
fi
demo=$(dirname "$leipzig_home")
run=$demo/run
listen=${CITYNODE_DEMO_LISTEN:-127.0.0.1:8470}
host=${listen%:*}
base_port=${listen##*:}
case $base_port in
'' | *[!0-9]*) die "CITYNODE_DEMO_LISTEN must be HOST:PORT, not '$listen'" ;;
esac
[ "$base_port" -ge 1 ] && [ "$base_port" -le 65529 ] || die "port $base_port leaves no room for 7 nodes"
oneshot=${CITYNODE_DEMO_ONESHOT:-}
cd "$root"

[ -x "$CITYNODE" ] || die "$CITYNODE is not an executable; run 'make build' first (or set CITYNODE)"
command -v curl >/dev/null || die "curl is not installed"
command -v git >/dev/null || die "git is not installed"

# The nodes: slug, port offset, country, name.
nodes="leipzig 0 DE Stadt Leipzig (Demo)
eindhoven 1 NL Eindhoven (Demo)
manchester 2 GB Manchester (Demo)
stavanger 3 NO Stavanger (Demo)
prague 4 CZ Prague (Demo)
sabadell 5 ES Sabadell (Demo)
triangulum 6 - Triangulum consortium (Demo)"
lighthouses="eindhoven manchester stavanger"
# Which lighthouse each follower city replicates.
replicates_leipzig=eindhoven
replicates_prague=manchester
replicates_sabadell=stavanger
demo_item=triangulum-lighthouse-demonstration

while read -r slug offset country name; do
    if [ "$slug" = leipzig ]; then
        h=$leipzig_home
    else
        h=$demo/$slug
    fi
    p=$((base_port + offset))
    eval "home_$slug=\$h port_$slug=\$p country_$slug=\$country"
    eval "name_$slug=\$name url_$slug=\"http://\$host:\$p\""
done <<EOF
$nodes
EOF
slugs=$(echo "$nodes" | cut -d' ' -f1)
get() { eval "echo \"\$${1}_$2\""; }
url() { get url "$1"; }
home() { get home "$1"; }
id() { get id "$1"; }

# Every process the demo starts in the background runs under $guard: setpriv
# has the kernel send it SIGTERM when this script dies, however it dies. So
# Ctrl-C or a kill ends the script at once (it sets no trap for them) and
# every node it started stops as promptly as if it had been killed itself.
# Without setpriv (util-linux), traps stop the nodes instead.
#
# bg CMD...: run CMD so and wait for it; the shell stays interruptible
# meanwhile. cn SLUG ARGS...: citynode on SLUG's node so, its stdout in
# $run/logs/cn.out and its stderr in $run/logs/cn.err.
guard=""
if command -v setpriv >/dev/null && setpriv --pdeathsig TERM true 2>/dev/null; then
    guard="setpriv --pdeathsig TERM"
fi
running=""
bg() {
    $guard "$@" &
    running=$!
    if wait "$running"; then
        running=""
        return 0
    else
        bg_status=$?
        running=""
        return $bg_status
    fi
}
cn() {
    cn_home=$(home "$1")
    shift
    bg "$CITYNODE" --home "$cn_home" "$@" >"$run/logs/cn.out" 2>"$run/logs/cn.err"
}

# step SLUG ARGS...: run citynode on SLUG's node, its output indented; stop the
# demo with that output if it fails.
step() {
    step_slug=$1
    shift
    if cn "$step_slug" "$@"; then
        cat "$run/logs/cn.err" "$run/logs/cn.out" | sed 's/^/   /'
    else
        cat "$run/logs/cn.err" "$run/logs/cn.out" | sed 's/^/   /' >&2
        die "citynode --home $(home "$step_slug") $* failed"
    fi
}

# Start fresh, but never remove a directory that is not a citynode home (or
# the demo's own run/ directory): check every one before removing any.
for s in $slugs; do
    h=$(home "$s")
    [ -e "$h" ] || continue
    if [ -f "$h/config.yml" ] && [ -d "$h/public" ]; then
        :
    elif [ -d "$h" ] && [ -z "$(ls -A "$h")" ]; then
        :
    else
        die "$h exists and is not a citynode home; remove it or set CITYNODE_DEMO_HOME"
    fi
done
if [ -e "$run" ] && [ ! -f "$run/.citynode-demo" ]; then
    die "$run exists and is not the demo's; remove it or set CITYNODE_DEMO_HOME"
fi

# Every node's server, stopped when the script ends (Ctrl-C, kill, error).
pids=""
stop_nodes() {
    for pid in $running $pids; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in $running $pids; do
        wait "$pid" 2>/dev/null || true
    done
    running=""
    pids=""
}
trap stop_nodes EXIT
if [ -z "$guard" ]; then
    trap 'stop_nodes; exit 130' INT
    trap 'stop_nodes; exit 143' TERM
fi

for s in $slugs; do
    rm -rf "$(home "$s")"
done
rm -rf "$run"
mkdir -p "$run/logs" "$run/replicas" "$run/clones"
: >"$run/.citynode-demo"

# make_node SLUG PORT: a fresh node for SLUG whose URL names PORT.
make_node() {
    rm -rf "$(home "$1")"
    mkdir -p "$(dirname "$(home "$1")")"
    eval "port_$1=\$2 url_$1=\"http://\$host:\$2\""
    set -- "$1" --name "$(get name "$1")" --url "$(url "$1")"
    [ "$(get country "$1")" = - ] || set -- "$@" --country "$(get country "$1")"
    [ "$1" != leipzig ] || set -- "$@" --code 14713000
    mk_slug=$1
    shift
    cn "$mk_slug" init "$@" || {
        cat "$run/logs/cn.err" >&2
        die "init of $(get name "$mk_slug") failed"
    }
    eval "id_$mk_slug=\$(cat \"\$run/logs/cn.out\")"
}

# serve_node SLUG: start SLUG's server in the background and wait until it
# answers with its own pointer (not another program's on the same port).
# Returns 1 if the server exited instead: its port is taken.
serve_node() {
    $guard "$CITYNODE" --home "$(home "$1")" serve --listen "$host:$(get port "$1")" \
        >>"$run/logs/$1.log" 2>&1 &
    sv_pid=$!
    pids="$sv_pid $pids"
    i=0
    until curl -fsS "$(url "$1")/.well-known/citynode.json" 2>/dev/null | grep -q "$(id "$1")"; do
        if ! kill -0 "$sv_pid" 2>/dev/null; then
            wait "$sv_pid" 2>/dev/null || true
            return 1
        fi
        i=$((i + 1))
        [ $i -lt 400 ] || die "$(get name "$1") does not answer on $(url "$1")"
        bg sleep 0.05
    done
}

# node_line SLUG NOTE: the node's line in the listing.
node_line() {
    printf '   %-30s %-24s %s  %s\n' "$(get name "$1")" "$(url "$1")" "$(id "$1" | cut -c1-12)" "$2"
}

# Every node but Leipzig serves from the start: the others must reach each
# other while they follow and replicate. A node whose port turns out to be
# taken moves to a port after the seven (its URL names its port, so it is
# made again). Leipzig serves once it has followed everybody, on the port
# given.
echo "== the demo federation in $demo (SAMPLE DATA from the Triangulum seed documents)"
make_node leipzig "$base_port"
node_line leipzig "serves once it has followed the others"
spare=$((base_port + 7))
for s in $slugs; do
    [ "$s" != leipzig ] || continue
    make_node "$s" "$(get port "$s")"
    until serve_node "$s"; do
        [ "$spare" -lt $((base_port + 27)) ] && [ "$spare" -le 65535 ] ||
            die "$(get name "$s") found no free port; see $run/logs/$s.log"
        echo "   port $(get port "$s") is taken; $(get name "$s") moves to $spare"
        make_node "$s" "$spare"
        spare=$((spare + 1))
    done
    node_line "$s" serving
done

# publish_dir SLUG DIR: publish one item folder, print "DIR  ITEM@VERSION".
total=0
publish_dir() {
    cn "$1" publish "$2" || {
        cat "$run/logs/cn.err" "$run/logs/cn.out" >&2
        die "publish $2 on $(get name "$1") failed"
    }
    printf '   %-66s %s\n' "$2" "$(sed -n 's/^[0-9a-f]*\///p' "$run/logs/cn.out" | head -n 1)"
    total=$((total + 1))
}

# Leipzig keeps every sample item under examples/ but the federation's.
items=$(find examples -path examples/federation -prune -o \
    \( -name citynode.yml -o -name publiccode.yml \) -type f -print |
    sed 's,/[^/]*$,,' | LC_ALL=C sort -u)
[ -n "$items" ] || die "no manifests under $root/examples"
echo "== $(get name leipzig): publishing the sample items under examples/"
while IFS= read -r dir; do
    publish_dir leipzig "$dir"
done <<ITEMS
$items
ITEMS
for s in $lighthouses prague sabadell; do
    echo "== $(get name "$s"): publishing"
    for dir in examples/federation/"$s"/*/; do
        publish_dir "$s" "${dir%/}"
    done
done
echo "   $total items published"

# The consortium's member list names the node ids init just made.
echo "== $(get name triangulum): publishing network.json"
{
    echo '{"network": "Triangulum (Demo)",'
    echo ' "description": "SAMPLE DATA for the citynode demo: the six cities of the Horizon 2020 Smart Cities and Communities project TRIANGULUM - The three point project: Demonstrate, Disseminate, Replicate (2015-2019). Lighthouse cities: Eindhoven, Manchester, Stavanger; Follower cities: Leipzig, Prague, Sabadell.",'
    echo ' "members": ['
    sep=" "
    for s in $lighthouses leipzig prague sabadell; do
        printf '  %s{"node": "%s", "name": "%s", "url": "%s"}\n' "$sep" "$(id "$s")" \
            "$(get name "$s")" "$(url "$s")"
        sep=","
    done
    echo ' ]}'
} >"$run/network.json"
step triangulum network publish "$run/network.json"

for s in prague sabadell; do
    echo "== $(get name "$s"): following the lighthouses"
    for l in $lighthouses; do
        step "$s" peer add "$(url "$l")"
    done
    step "$s" sync
    l=$(get replicates "$s")
    echo "== $(get name "$s"): replicating $(get name "$l")'s $demo_item"
    step "$s" replicate "$(id "$l")/$demo_item" "$run/replicas/$s/$l-$demo_item"
done

echo "== $(get name leipzig): trusting the Triangulum consortium's network"
step leipzig peer add "$(url triangulum)"
step leipzig network trust "$(id triangulum)"
step leipzig sync
echo "== $(get name leipzig): replicating $(get name eindhoven)'s $demo_item"
step leipzig replicate "$(id eindhoven)/$demo_item" "$run/replicas/leipzig/eindhoven-$demo_item"
echo "== starting Leipzig"
serve_node leipzig || {
    cat "$run/logs/leipzig.log" >&2
    die "$(get name leipzig) could not listen on $(url leipzig)"
}
node_line leipzig serving

# Each lighthouse follows the city that replicated it (index: metadata,
# manifests and attestations, no bundles), while its own server runs.
for f in leipzig prague sabadell; do
    l=$(get replicates "$f")
    echo "== $(get name "$l"): following $(get name "$f") to see its attestation"
    step "$l" peer add "$(url "$f")" --policy index
    step "$l" sync "$(id "$f")"
done

# check: what the federation must show; any failure stops the demo.
echo "== checking"
for s in $slugs; do
    cn "$s" verify --all || {
        cat "$run/logs/cn.err" "$run/logs/cn.out" >&2
        die "verify --all failed on $(get name "$s")"
    }
done
for s in leipzig prague sabadell; do
    for l in $lighthouses; do
        mirrored=$(git -C "$(home "$s")/repos/$(id "$l")/$demo_item.git" rev-parse -q --verify \
            refs/tags/v1.0.0 2>/dev/null) || die "$(get name "$s") has not mirrored $(get name "$l")"
        [ "$mirrored" = "$(git -C "$(home "$l")/repos/$(id "$l")/$demo_item.git" rev-parse refs/tags/v1.0.0)" ] ||
            die "$(get name "$s")'s mirror of $(get name "$l") differs"
    done
    l=$(get replicates "$s")
    git -C "$run/replicas/$s/$l-$demo_item" cat-file -e \
        "$(git -C "$(home "$l")/repos/$(id "$l")/$demo_item.git" rev-parse 'refs/tags/v1.0.0^{commit}')" ||
        die "$(get name "$s")'s replica lacks $(get name "$l")'s history"
    grep -l "\"replicates\"" "$(home "$l")/mirrors/$(id "$s")/targets/attestations/"*.json 2>/dev/null |
        xargs grep -l "$(id "$l")" >/dev/null 2>&1 ||
        die "$(get name "$l") has no attestation of $(get name "$s")'s replication"
done
echo "   every node verifies; the followers mirror the lighthouses at their signed tags"
echo "   Leipzig, Prague and Sabadell each hold a replica in $run/replicas, and each"
echo "   lighthouse holds the verified attestation of the city that replicated it"
bg git clone -q "$(url leipzig)/git/$(id eindhoven)/$demo_item.git" "$run/clones/eindhoven-via-leipzig" \
    2>"$run/logs/clone.err" || {
    cat "$run/logs/clone.err" >&2
    die "git clone from Leipzig's mirror of Eindhoven failed"
}
curl -fsS "$(url leipzig)/mirrors/$(id eindhoven)/tuf/timestamp.json" |
    cmp -s - "$(home leipzig)/mirrors/$(id eindhoven)/tuf/timestamp.json" ||
    die "Leipzig does not re-serve its mirror of Eindhoven byte for byte"
echo "   git clone of Eindhoven's item from Leipzig's mirror works; /mirrors/ is byte-identical"

c=$CITYNODE
e=$(id eindhoven)
cat <<MSG

== open
   $(url leipzig)/                  Stadt Leipzig (Demo): its web page
   $(url leipzig)/.well-known/citynode.json
   $(url leipzig)/mirrors/$e/.well-known/citynode.json
                                          Eindhoven's tree, as Leipzig verified and re-serves it
   $(url triangulum)/.well-known/citynode.json      the consortium (network.json is one of its targets)

== try
   $c --home $(home leipzig) peer list
   $c --home $(home leipzig) peer list --candidates
   $c --home $(home leipzig) show self/leipzig-triangulum
   $c --home $(home leipzig) show self/msc2020-berlin --json
   $c --home $(home leipzig) verify --all
   $c --home $(home leipzig) sync
   $c --home $(home prague) peer list
   git clone $(url stavanger)/git/$(id stavanger)/$demo_item.git
   git clone $(url leipzig)/git/$e/$demo_item.git   (Leipzig's verified mirror)
   git -C $run/replicas/leipzig/eindhoven-$demo_item log --oneline
   $c --home $(home leipzig) allowed-signers $e >$run/allowed_signers
   git -C $(home leipzig)/repos/$e/$demo_item.git -c gpg.format=ssh \\
       -c gpg.ssh.allowedSignersFile=$run/allowed_signers verify-tag v1.0.0
   $c --home $(home eindhoven) peer list            (Leipzig, followed for its attestation)
   $c --home $(home eindhoven) allowed-signers

MSG

if [ -n "$oneshot" ]; then
    echo "== demo federation checked; stopping (CITYNODE_DEMO_ONESHOT)"
    exit 0
fi
echo "== serving 7 nodes on $(url leipzig) ... $(url triangulum) (Ctrl-C stops them all)"
wait
