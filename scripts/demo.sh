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
# The script publishes, starts every node's `citynode serve` in the background,
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
#                          nodes listen on the six ports after it
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
cn() {
    cn_home=$(home "$1")
    shift
    "$CITYNODE" --home "$cn_home" "$@"
}

# step SLUG ARGS...: run citynode on SLUG's node, its output indented; stop the
# demo with that output if it fails.
step() {
    step_slug=$1
    shift
    if out=$(cn "$step_slug" "$@" 2>&1); then
        [ -z "$out" ] || echo "$out" | sed 's/^/   /'
    else
        echo "$out" | sed 's/^/   /' >&2
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
    for pid in $pids; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in $pids; do
        wait "$pid" 2>/dev/null || true
    done
    pids=""
}
trap stop_nodes EXIT
trap 'stop_nodes; exit 130' INT
trap 'stop_nodes; exit 143' TERM

for s in $slugs; do
    rm -rf "$(home "$s")"
done
rm -rf "$run"
mkdir -p "$run/logs" "$run/replicas" "$run/clones"
: >"$run/.citynode-demo"

echo "== the demo federation in $demo (SAMPLE DATA from the Triangulum seed documents)"
for s in $slugs; do
    set -- --name "$(get name "$s")" --url "$(url "$s")"
    [ "$(get country "$s")" = - ] || set -- "$@" --country "$(get country "$s")"
    [ "$s" != leipzig ] || set -- "$@" --code 14713000
    h=$(home "$s")
    mkdir -p "$(dirname "$h")"
    node_id=$("$CITYNODE" --home "$h" init "$@" 2>"$run/logs/init.err") || {
        cat "$run/logs/init.err" >&2
        die "init of $(get name "$s") failed"
    }
    eval "id_$s=\$node_id"
    printf '   %-30s %s  %s\n' "$(get name "$s")" "$(url "$s")" "$(echo "$node_id" | cut -c1-12)"
done

# publish_dir SLUG DIR: publish one item folder, print "DIR  ITEM@VERSION".
total=0
publish_dir() {
    out=$(cn "$1" publish "$2" 2>&1) || {
        echo "$out" >&2
        die "publish $2 on $(get name "$1") failed"
    }
    printf '   %-66s %s\n' "$2" "$(echo "$out" | sed -n 's/^[0-9a-f]*\///p' | head -n 1)"
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

# start SLUG...: serve each node in the background and wait until it answers
# with its own pointer (not another program's on the same port).
start() {
    for sv in "$@"; do
        "$CITYNODE" --home "$(home "$sv")" serve --listen "$host:$(get port "$sv")" \
            >>"$run/logs/$sv.log" 2>&1 &
        pids="$pids $!"
        eval "pid_$sv=\$!"
    done
    for sv in "$@"; do
        i=0
        until curl -fsS "$(url "$sv")/.well-known/citynode.json" 2>/dev/null | grep -q "$(id "$sv")"; do
            if ! kill -0 "$(get pid "$sv")" 2>/dev/null; then
                cat "$run/logs/$sv.log" >&2
                die "$(get name "$sv") did not start on $(url "$sv")"
            fi
            i=$((i + 1))
            [ $i -lt 200 ] || die "$(get name "$sv") does not answer on $(url "$sv") (is the port taken?)"
            sleep 0.1
        done
        echo "   serving $(get name "$sv") on $(url "$sv")"
    done
}

# The publishers serve first. Each follower runs its steps before its own
# server starts, and Leipzig, whose network trust adds every member, last.
echo "== starting the lighthouses and the consortium"
start $lighthouses triangulum

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
echo "== starting Prague and Sabadell"
start prague sabadell

echo "== $(get name leipzig): trusting the Triangulum consortium's network"
step leipzig peer add "$(url triangulum)"
step leipzig network trust "$(id triangulum)"
step leipzig sync
echo "== $(get name leipzig): replicating $(get name eindhoven)'s $demo_item"
step leipzig replicate "$(id eindhoven)/$demo_item" "$run/replicas/leipzig/eindhoven-$demo_item"
echo "== starting Leipzig"
start leipzig

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
    cn "$s" verify --all >/dev/null 2>"$run/logs/verify.err" || {
        cat "$run/logs/verify.err" >&2
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
git clone -q "$(url leipzig)/git/$(id eindhoven)/$demo_item.git" "$run/clones/eindhoven-via-leipzig" 2>"$run/logs/clone.err" || {
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
