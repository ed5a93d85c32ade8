#!/bin/sh
# demo.sh - what `make run` runs: a demo network of 41 nodes on 127.0.0.1,
# built from the three seed documents (the EU project Triangulum; the 2020
# cohort of Germany's "Modellprojekte Smart Cities"; among them Connected Urban
# Twins of Hamburg, Leipzig and München), and a registry of all of it on the
# first node.
#
#   Stadt Leipzig (Demo)          PORT     the registry to open: follows both networks
#                                          below and its partners Hamburg and München (so
#                                          it mirrors and indexes every node), publishes its
#                                          own sample items (leipzig-triangulum, the
#                                          solutions, its CUT component, the dataset),
#                                          replicates Eindhoven's demonstration and the CUT
#                                          components of Hamburg and München
#   Eindhoven (Demo)              PORT+1   Triangulum lighthouse: a sample solution; follows
#                                          the city that replicated it (policy index) to
#                                          see its attestation
#   Manchester (Demo)             PORT+2   lighthouse: likewise
#   Stavanger (Demo)              PORT+3   lighthouse: likewise
#   Prague (Demo)                 PORT+4   Triangulum follower: a sample strategy; mirrors
#                                          the lighthouses, replicates Manchester's
#   Sabadell (Demo)               PORT+5   follower: likewise, replicates Stavanger's
#   Triangulum consortium (Demo)  PORT+6   network node: network.json lists the six cities
#   Bad Belzig (Demo) ...         PORT+7   the 32 model projects of the 2020 cohort, one
#   ... Rostock (Demo)            PORT+38  node each, publishing its strategy
#                                          (examples/strategies/<project>); Hamburg's
#                                          (PORT+20, Connected Urban Twins) also publishes
#                                          its CUT component
#   Modellprojekte Smart Cities   PORT+39  network node: network.json lists the 32 model
#     2020 (Demo)                          projects' nodes
#   München (Demo)                PORT+40  Connected Urban Twins partner: publishes its
#                                          CUT component
#
# Connected Urban Twins: Hamburg, Leipzig and München each publish one platform
# component (examples/solutions/cut-*: logo, screenshot, README, CSV), follow
# the other two (policy mirror) and replicate their components, so each
# component has two replicas and two signed "replicates" attestations, and
# Leipzig's registry shows the three-way replication graph. Hamburg's node is
# made even when CITYNODE_DEMO_MODEL_PROJECTS leaves its model project out
# (then on the port after the network node, before München's).
#
# The script makes every node (the model projects in parallel), starts every
# node's `citynode serve` in the background, publishes, runs the peer add /
# network trust / sync / replicate steps, checks the result (every node
# verifies, the followers hold the lighthouses' signed tags, Leipzig holds
# every model project's strategy and finds them all in its registry, the
# replicas and attestations exist, Leipzig's replication graph of each CUT
# component names the other two cities, stock git clones from a mirror),
# prints a guide and then waits until Ctrl-C, which stops all nodes.
#
#   CITYNODE               the binary (default: build/citynode)
#   CITYNODE_DEMO_HOME     Leipzig's node directory (default: build/demo/leipzig); the
#                          other nodes' directories and run/ (logs, replicas, clones)
#                          are created next to it. Every run re-creates them all.
#   CITYNODE_DEMO_LISTEN   Leipzig's HOST:PORT (default: 127.0.0.1:8470); the other
#                          nodes listen on the ports after it (a node whose port is
#                          taken moves to a free one after those)
#   CITYNODE_DEMO_MODEL_PROJECTS
#                          how many of the 32 model projects get a node (default: all
#                          32; the first N in alphabetical order; 0 leaves out their
#                          network node too); Hamburg's and München's nodes are made
#                          either way, for Connected Urban Twins
#   CITYNODE_DEMO_JOBS     how many nodes are made at once (default: 4)
#   CITYNODE_DEMO_ONESHOT  1: set up and check, print the guide, stop all nodes and
#                          exit instead of waiting (for tests)
#
# The items are SAMPLE DATA drawn from public documents about Triangulum and
# the 2020 cohort of "Modellprojekte Smart Cities" (Connected Urban Twins among
# them); none is an official publication of the cities named in them, and the
# CUT components describe no real software.
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

started=$(date +%s)
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
nprojects=${CITYNODE_DEMO_MODEL_PROJECTS:-32}
case $nprojects in
'' | *[!0-9]*) die "CITYNODE_DEMO_MODEL_PROJECTS must be a number from 0 to 32, not '$nprojects'" ;;
esac
[ "$nprojects" -le 32 ] || die "CITYNODE_DEMO_MODEL_PROJECTS must be a number from 0 to 32, not '$nprojects'"
jobs=${CITYNODE_DEMO_JOBS:-4}
case $jobs in
'' | 0 | *[!0-9]*) die "CITYNODE_DEMO_JOBS must be a positive number, not '$jobs'" ;;
esac
oneshot=${CITYNODE_DEMO_ONESHOT:-}
cd "$root"

# The Triangulum nodes: slug, port offset, country, name.
triangulum_nodes="leipzig 0 DE Stadt Leipzig (Demo)
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

# The 32 model projects of the 2020 cohort of "Modellprojekte Smart Cities":
# the folder of the project's strategy under examples/strategies/ (also the
# node's slug) and the name of its node: the lead applicant as the brochure
# names it.
model_projects="bad-belzig-wiesenburg Bad Belzig (Demo)
bamberg Bamberg (Demo)
barleben Gemeinde Barleben (Demo)
berlin Berlin (Demo)
darmstadt Darmstadt (Demo)
dortmund-schwerte Dortmund (Demo)
eichenzell Gemeinde Eichenzell (Demo)
eifelkreis-bitburg-pruem Eifelkreis Bitburg-Prüm (Demo)
freiburg Freiburg i. Br. (Demo)
fuchstal Gemeinde Fuchstal (Demo)
gelsenkirchen Gelsenkirchen (Demo)
guetersloh Gütersloh (Demo)
hagenow Hagenow (Demo)
hamburg-cut Hamburg (Demo)
heidenheim-aalen Heidenheim an der Brenz (Demo)
iserlohn Iserlohn (Demo)
jena Jena (Demo)
kassel Kassel (Demo)
kiel-region Kiel (Demo)
kirchheim-bei-muenchen Kirchheim b. München (Demo)
koeln Köln (Demo)
landkreis-hof Landkreis Hof (Demo)
landkreis-mayen-koblenz Landkreis Mayen-Koblenz (Demo)
landkreis-st-wendel Landkreis St. Wendel (Demo)
lemgo-kalletal Lemgo (Demo)
lohmar Lohmar (Demo)
luebeck Lübeck (Demo)
mannheim Mannheim (Demo)
moenchengladbach Mönchengladbach (Demo)
osnabrueck Osnabrück (Demo)
paderborn Paderborn (Demo)
rostock Rostock (Demo)"
msc_network="Modellprojekte Smart Cities 2020 (Demo)"
msc_programme="Modellprojekte Smart Cities"
triangulum_programme="Triangulum (Horizon 2020 Smart Cities and Communities)"

nodes=$triangulum_nodes
projects=""
if [ "$nprojects" -gt 0 ]; then
    projects=$(echo "$model_projects" | head -n "$nprojects" | cut -d' ' -f1 | tr '\n' ' ')
    nodes="$nodes
$(echo "$model_projects" | head -n "$nprojects" | awk '{ s = $1; $1 = ""; print s, 6 + NR, "DE" $0 }')
msc2020 $((7 + nprojects)) DE $msc_network"
fi
is_project() {
    case " $projects " in
    *" $1 "*) return 0 ;;
    *) return 1 ;;
    esac
}

# Connected Urban Twins, the model project hamburg-cut: Hamburg, Leipzig and
# München each publish one component (examples/solutions/<item>), and each
# replicates the other two's. Hamburg's node is the model project's, made
# even when CITYNODE_DEMO_MODEL_PROJECTS leaves the project out (it then
# publishes its component only); München's node comes after all the others.
cut_cities="leipzig hamburg-cut muenchen"
cut_item_leipzig=cut-beteiligung-leipzig
cut_item_hamburg_cut=cut-sensordaten-hamburg
cut_item_muenchen=cut-szenarien-muenchen
cut_next=$(echo "$nodes" | wc -l)
if ! is_project hamburg-cut; then
    nodes="$nodes
hamburg-cut $cut_next DE $(echo "$model_projects" | sed -n 's/^hamburg-cut //p')"
    cut_next=$((cut_next + 1))
fi
nodes="$nodes
muenchen $cut_next DE München (Demo)"
nnodes=$(echo "$nodes" | wc -l)
[ "$base_port" -ge 1 ] && [ "$base_port" -le $((65535 - nnodes + 1)) ] ||
    die "port $base_port leaves no room for $nnodes nodes"

[ -x "$CITYNODE" ] || die "$CITYNODE is not an executable; run 'make build' first (or set CITYNODE)"
command -v curl >/dev/null || die "curl is not installed"
command -v git >/dev/null || die "git is not installed"

# Each node's home, port, country, name, URL and (once made) id live in
# variables <what>_<slug> (a '-' in the slug as '_').
var() { echo "$1_$2" | tr - _; }
get() { eval "echo \"\$$(var "$1" "$2")\""; }
put() { eval "$(var "$1" "$2")=\$3"; }
url() { get url "$1"; }
home() { get home "$1"; }
id() { get id "$1"; }

# Every model project's home, made or not (a re-run removes those left out).
for s in $(echo "$model_projects" | cut -d' ' -f1) msc2020; do
    put home "$s" "$demo/$s"
done
while read -r slug offset country name; do
    if [ "$slug" = leipzig ]; then
        put home "$slug" "$leipzig_home"
    else
        put home "$slug" "$demo/$slug"
    fi
    put country "$slug" "$country"
    put name "$slug" "$name"
    put port "$slug" $((base_port + offset))
    put url "$slug" "http://$host:$((base_port + offset))"
done <<EOF
$nodes
EOF
slugs=$(echo "$nodes" | cut -d' ' -f1)

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
# the demo's own run/ directory): check every one before removing any. That
# includes the model projects left out by CITYNODE_DEMO_MODEL_PROJECTS.
for s in $slugs $(echo "$model_projects" | cut -d' ' -f1) msc2020; do
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

for s in $slugs $(echo "$model_projects" | cut -d' ' -f1) msc2020; do
    rm -rf "$(home "$s")"
done
rm -rf "$run"
mkdir -p "$run/logs" "$run/replicas" "$run/clones"
: >"$run/.citynode-demo"

# setup_node SLUG: a fresh node for SLUG whose URL names its port; a model
# project's node also publishes its strategy. Its output goes to
# $run/logs/SLUG.{init,publish}.{out,err}; it may run in the background.
setup_node() {
    su_log=$run/logs/$1
    rm -rf "$(home "$1")"
    mkdir -p "$(dirname "$(home "$1")")"
    set -- "$1" --name "$(get name "$1")" --url "$(url "$1")"
    [ "$(get country "$1")" = - ] || set -- "$@" --country "$(get country "$1")"
    [ "$1" != leipzig ] || set -- "$@" --code 14713000
    # The programme each city takes part in (node.json), a facet of all its
    # items: Hamburg and München as partners of Connected Urban Twins.
    if is_project "$1" || [ "$1" = msc2020 ] || [ "$1" = hamburg-cut ] || [ "$1" = muenchen ]; then
        set -- "$@" --programme "$msc_programme"
    else
        set -- "$@" --programme "$triangulum_programme"
    fi
    su_slug=$1
    shift
    $guard "$CITYNODE" --home "$(home "$su_slug")" init "$@" >"$su_log.init.out" 2>"$su_log.init.err" ||
        return 1
    if is_project "$su_slug"; then
        $guard "$CITYNODE" --home "$(home "$su_slug")" publish "examples/strategies/$su_slug" \
            >"$su_log.publish.out" 2>"$su_log.publish.err" || return 1
    fi
}

# made SLUG: read the id of the node setup_node made; stop the demo with the
# output of the step that failed if it did not.
made() {
    md_log=$run/logs/$1
    if [ ! -s "$md_log.init.out" ]; then
        cat "$md_log.init.err" >&2 2>/dev/null || true
        die "init of $(get name "$1") failed"
    fi
    if is_project "$1" && ! grep -q '@' "$md_log.publish.out" 2>/dev/null; then
        cat "$md_log.publish.err" >&2 2>/dev/null || true
        die "publish examples/strategies/$1 on $(get name "$1") failed"
    fi
    put id "$1" "$(cat "$md_log.init.out")"
}

# make_node SLUG PORT: a fresh node for SLUG whose URL names PORT.
make_node() {
    put port "$1" "$2"
    put url "$1" "http://$host:$2"
    setup_node "$1" || true
    made "$1"
}

# in_parallel FUNC SLUG...: FUNC SLUG for every SLUG in the background,
# $jobs at a time; returns once all have finished, whatever their status.
in_parallel() {
    ip_func=$1
    shift
    ip_batch=""
    ip_n=0
    for ip_s in "$@" ""; do
        if [ -n "$ip_s" ]; then
            $ip_func "$ip_s" &
            ip_batch="$ip_batch $!"
            ip_n=$((ip_n + 1))
            [ "$ip_n" -ge "$jobs" ] || continue
        fi
        for ip_pid in $ip_batch; do
            wait "$ip_pid" || true
        done
        ip_batch=""
        ip_n=0
    done
}

# make_nodes SLUG...: make_node at each one's port, in parallel.
make_nodes() {
    in_parallel setup_node "$@"
    for mn_s in "$@"; do
        made "$mn_s"
    done
}

# start_node SLUG: start SLUG's server in the background. await_node SLUG:
# wait until it answers with its own pointer (not another program's on the
# same port); returns 1 if the server exited instead: its port is taken.
start_node() {
    # Leipzig serves the registry people open; the other nodes serve only
    # their peers, and one HTTP thread each is plenty.
    sn_threads=1
    [ "$1" != leipzig ] || sn_threads=4
    $guard "$CITYNODE" --home "$(home "$1")" serve --listen "$host:$(get port "$1")" \
        --threads "$sn_threads" >>"$run/logs/$1.log" 2>&1 &
    put pid "$1" $!
    pids="$! $pids"
}
await_node() {
    aw_pid=$(get pid "$1")
    i=0
    until curl -fsS -m 2 "$(url "$1")/.well-known/citynode.json" 2>/dev/null | grep -q "$(id "$1")"; do
        if ! kill -0 "$aw_pid" 2>/dev/null; then
            wait "$aw_pid" 2>/dev/null || true
            return 1
        fi
        i=$((i + 1))
        [ $i -lt 400 ] || die "$(get name "$1") does not answer on $(url "$1")"
        bg sleep 0.05
    done
}

# serve_nodes SLUG...: start every one's server, then wait for each; a node
# whose port turns out to be taken moves to a port after the demo's (its URL
# names its port, so it is made again).
spare=$((base_port + nnodes))
spare_end=$((spare + 20))
serve_nodes() {
    for sn_s in "$@"; do
        start_node "$sn_s"
    done
    for sn_s in "$@"; do
        until await_node "$sn_s"; do
            [ "$spare" -lt "$spare_end" ] && [ "$spare" -le 65535 ] ||
                die "$(get name "$sn_s") found no free port; see $run/logs/$sn_s.log"
            echo "   port $(get port "$sn_s") is taken; $(get name "$sn_s") moves to $spare"
            make_node "$sn_s" "$spare"
            spare=$((spare + 1))
            start_node "$sn_s"
        done
    done
}

# node_line SLUG NOTE: the node's line in the listing.
node_line() {
    nl_name=$(get name "$1")
    # printf pads bytes: widen the field by the UTF-8 continuation bytes.
    nl_wide=$(($(printf %s "$nl_name" | wc -c) - $(printf %s "$nl_name" | LC_ALL=C tr -d '\200-\277' | wc -c)))
    printf "   %-$((39 + nl_wide))s %-24s %s  %s\n" "$nl_name" "$(url "$1")" "$(id "$1" | cut -c1-12)" "$2"
}

# Every node but Leipzig serves from the start: the others must reach each
# other while they follow and replicate. Leipzig serves once it has followed
# everybody, on the port given.
echo "== the demo network in $demo: $nnodes nodes"
echo "   (SAMPLE DATA from the seed documents on Triangulum, the Modellprojekte Smart Cities 2020"
echo "   and their Connected Urban Twins of Hamburg, Leipzig and München)"
others=$(echo "$slugs" | grep -vx leipzig)
# shellcheck disable=SC2086 # word splitting of slug lists is intended
make_nodes $slugs
# shellcheck disable=SC2086
serve_nodes $others
node_line leipzig "serves once it has followed the others"
for s in $others; do
    if is_project "$s"; then
        node_line "$s" "serving $(sed -n 's/^[0-9a-f]*\///p' "$run/logs/$s.publish.out" | head -n 1)"
    else
        node_line "$s" serving
    fi
done

# publish_dir SLUG DIR [LABEL]: publish one item folder (or git repository),
# print "DIR  ITEM@VERSION" (LABEL instead of DIR if given).
total=$nprojects
publish_dir() {
    cn "$1" publish "$2" || {
        cat "$run/logs/cn.err" "$run/logs/cn.out" >&2
        die "publish $2 on $(get name "$1") failed"
    }
    printf '   %-66s %s\n' "${3:-$2}" "$(sed -n 's/^[0-9a-f]*\///p' "$run/logs/cn.out" | head -n 1)"
    total=$((total + 1))
}

# cut_publish SLUG: publish SLUG's component of Connected Urban Twins as a
# city publishes its software, from a git repository: examples/solutions/<item>
# committed once in $run/sources/<item> by the contact its publiccode.yml
# names, on its releaseDate (whatever the user's git configuration and
# environment say about identity, signing, hooks or line endings: the CSV
# files keep their bytes).
cut_publish() {
    cp_item=$(get cut_item "$1")
    cp_src=$run/sources/$cp_item
    mkdir -p "$run/sources"
    cp -R "examples/solutions/$cp_item" "$cp_src"
    cp_who=$(sed -n 's/^ *- name: //p' "$cp_src/publiccode.yml" | head -n 1)
    cp_mail=$(sed -n 's/^ *email: //p' "$cp_src/publiccode.yml" | head -n 1)
    cp_date="$(sed -n 's/^releaseDate: //p' "$cp_src/publiccode.yml")T10:00:00+01:00"
    {
        git -c init.defaultBranch=main init -q "$cp_src" &&
            git -C "$cp_src" -c core.autocrlf=false add -A &&
            GIT_AUTHOR_NAME=$cp_who GIT_AUTHOR_EMAIL=$cp_mail GIT_AUTHOR_DATE=$cp_date \
                GIT_COMMITTER_NAME=$cp_who GIT_COMMITTER_EMAIL=$cp_mail GIT_COMMITTER_DATE=$cp_date \
                git -C "$cp_src" -c commit.gpgsign=false -c core.hooksPath=/dev/null \
                -c core.autocrlf=false commit -q -m "$(sed -n 's/^name: //p' "$cp_src/publiccode.yml")"
    } >"$run/logs/$1.git.out" 2>&1 || {
        cat "$run/logs/$1.git.out" >&2
        die "git could not commit $cp_src"
    }
    publish_dir "$1" "$cp_src" "examples/solutions/$cp_item (a git repository)"
}

# Leipzig keeps every sample item under examples/ but the federation's, the
# model projects' strategies (all 32, whether they have a node or not) and
# the components of Connected Urban Twins (published from git repositories
# below, its own among them): its own strategy, the solutions and the dataset.
items=$(find examples -path examples/federation -prune -o \
    \( -name citynode.yml -o -name publiccode.yml \) -type f -print |
    sed 's,/[^/]*$,,' | LC_ALL=C sort -u |
    grep -vxF "$(echo "$model_projects" | sed 's,^\([^ ]*\) .*,examples/strategies/\1,')
examples/solutions/$cut_item_leipzig
examples/solutions/$cut_item_hamburg_cut
examples/solutions/$cut_item_muenchen")
[ -n "$items" ] || die "no manifests under $root/examples"
echo "== $(get name leipzig): publishing its sample items under examples/"
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
for s in $cut_cities; do
    echo "== $(get name "$s"): publishing its component of Connected Urban Twins"
    cut_publish "$s"
done
echo "   $total items published"

# network_json NAME DESCRIPTION SLUG...: a network.json listing the nodes
# (the ids init just made).
network_json() {
    printf '{"network": "%s",\n "description": "%s",\n "members": [\n' "$1" "$2"
    shift 2
    nj_sep=" "
    for nj_s in "$@"; do
        printf '  %s{"node": "%s", "name": "%s", "url": "%s"}\n' "$nj_sep" "$(id "$nj_s")" \
            "$(get name "$nj_s")" "$(url "$nj_s")"
        nj_sep=","
    done
    echo ' ]}'
}
echo "== $(get name triangulum): publishing network.json"
network_json "Triangulum (Demo)" "SAMPLE DATA for the citynode demo: the six cities of the Horizon 2020 Smart Cities and Communities project TRIANGULUM - The three point project: Demonstrate, Disseminate, Replicate (2015-2019). Lighthouse cities: Eindhoven, Manchester, Stavanger; Follower cities: Leipzig, Prague, Sabadell." \
    eindhoven manchester stavanger leipzig prague sabadell >"$run/triangulum-network.json"
step triangulum network publish "$run/triangulum-network.json"
if [ -n "$projects" ]; then
    echo "== $(get name msc2020): publishing network.json"
    # shellcheck disable=SC2086
    network_json "$msc_network" "SAMPLE DATA for the citynode demo: the 32 model projects of the 2020 cohort of the federal programme Modellprojekte Smart Cities (Leitthema: Gemeinwohl und Netzwerkstadt / Stadtnetzwerk), each publishing its strategy on its own node. Not an official publication of the programme or of the municipalities named." \
        $projects >"$run/msc2020-network.json"
    step msc2020 network publish "$run/msc2020-network.json"
fi

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

# cut_replicate CITY FROM: CITY, which follows FROM, replicates FROM's
# component of Connected Urban Twins into $run/replicas/CITY/<item>.
cut_replicate() {
    cr_item=$(get cut_item "$2")
    echo "== $(get name "$1"): replicating $(get name "$2")'s $cr_item"
    step "$1" replicate "$(id "$2")/$cr_item" "$run/replicas/$1/$cr_item"
}
echo "== Connected Urban Twins: Hamburg and München follow and replicate each other"
step hamburg-cut peer add "$(url muenchen)"
step muenchen peer add "$(url hamburg-cut)"
step hamburg-cut sync
cut_replicate hamburg-cut muenchen
step muenchen sync
cut_replicate muenchen hamburg-cut

echo "== $(get name leipzig): trusting the Triangulum consortium's network"
step leipzig peer add "$(url triangulum)"
step leipzig network trust "$(id triangulum)"
if [ -n "$projects" ]; then
    echo "== $(get name leipzig): trusting the network of the model projects"
    step leipzig peer add "$(url msc2020)"
    cn leipzig network trust "$(id msc2020)" || {
        cat "$run/logs/cn.err" "$run/logs/cn.out" >&2
        die "citynode --home $(home leipzig) network trust $(id msc2020) failed"
    }
    cp "$run/logs/cn.out" "$run/logs/leipzig.trust-msc2020.out"
    head -n 3 "$run/logs/cn.out" | sed 's/^/   /'
    echo "   ... $(grep -c ': added [0-9a-f]*.*pinned$' "$run/logs/cn.out" || true) members added, pinned" \
        "(all in $run/logs/leipzig.trust-msc2020.out)"
fi
# Hamburg follows from the network of the model projects when it is one of
# them; Leipzig mirrors both partners either way.
echo "== $(get name leipzig): following its partners in Connected Urban Twins"
is_project hamburg-cut || step leipzig peer add "$(url hamburg-cut)"
step leipzig peer add "$(url muenchen)"
echo "== $(get name leipzig): syncing everything it follows"
cn leipzig sync || {
    cat "$run/logs/cn.err" "$run/logs/cn.out" >&2
    die "citynode --home $(home leipzig) sync failed"
}
cp "$run/logs/cn.out" "$run/logs/leipzig.sync.out"
echo "   $(grep -c '^[0-9a-f]\{12\} ' "$run/logs/cn.out" || true) peers synced," \
    "$(grep -c '^ *new ' "$run/logs/cn.out" || true) new items (all in $run/logs/leipzig.sync.out)"
echo "== $(get name leipzig): replicating $(get name eindhoven)'s $demo_item"
step leipzig replicate "$(id eindhoven)/$demo_item" "$run/replicas/leipzig/eindhoven-$demo_item"
cut_replicate leipzig hamburg-cut
cut_replicate leipzig muenchen
echo "== starting Leipzig"
start_node leipzig
await_node leipzig || {
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

# Hamburg and München follow Leipzig now that it serves, and replicate its
# component; Leipzig syncs them again for those two attestations.
for s in hamburg-cut muenchen; do
    echo "== $(get name "$s"): following $(get name leipzig)"
    step "$s" peer add "$(url leipzig)"
    step "$s" sync
    cut_replicate "$s" leipzig
done
echo "== $(get name leipzig): syncing Hamburg and München for their attestations"
step leipzig sync "$(id hamburg-cut)" "$(id muenchen)"

# check: what the network must show; any failure stops the demo.
echo "== checking"
verify_node() {
    "$CITYNODE" --home "$(home "$1")" verify --all >"$run/logs/$1.verify.out" 2>&1 ||
        : >"$run/logs/$1.verify.failed"
}
# shellcheck disable=SC2086
in_parallel verify_node $slugs
for s in $slugs; do
    [ ! -f "$run/logs/$s.verify.failed" ] || {
        cat "$run/logs/$s.verify.out" >&2
        die "verify --all failed on $(get name "$s")"
    }
done
# tag SLUG HOME NODE ITEM: the object tag v1.0.0 of ITEM of NODE is in HOME.
tag() {
    git -C "$2/repos/$3/$4.git" rev-parse -q --verify refs/tags/v1.0.0 2>/dev/null ||
        die "$(get name "$1") holds no v1.0.0 of $4 of $3"
}
for s in leipzig prague sabadell; do
    for l in $lighthouses; do
        [ "$(tag "$s" "$(home "$s")" "$(id "$l")" $demo_item)" = \
            "$(tag "$l" "$(home "$l")" "$(id "$l")" $demo_item)" ] ||
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
# Connected Urban Twins: each city mirrors the other two's components at their
# signed tags and holds a replica of each, and each city holds the verified
# attestations of the two that replicated its own.
for o in $cut_cities; do
    oi=$(get cut_item "$o")
    for c in $cut_cities; do
        [ "$c" != "$o" ] || continue
        [ "$(tag "$c" "$(home "$c")" "$(id "$o")" "$oi")" = "$(tag "$o" "$(home "$o")" "$(id "$o")" "$oi")" ] ||
            die "$(get name "$c")'s mirror of $(get name "$o")'s $oi differs"
        git -C "$run/replicas/$c/$oi" cat-file -e \
            "$(git -C "$(home "$o")/repos/$(id "$o")/$oi.git" rev-parse 'refs/tags/v1.0.0^{commit}')" ||
            die "$(get name "$c")'s replica lacks $(get name "$o")'s $oi"
        # attestations/<sha256>.replicates-<origin id16>-<item>-<V>.json (PROTOCOL §11)
        grep -qs '"replicates"' "$(home "$o")/mirrors/$(id "$c")/targets/attestations/"*".replicates-$(id "$o" |
            cut -c1-16)-$oi-1.0.0.json" ||
            die "$(get name "$o") has no attestation of $(get name "$c")'s replication of $oi"
    done
done
echo "   Hamburg, Leipzig and München each replicated the other two's component of Connected"
echo "   Urban Twins, and each holds the verified attestations of the two that replicated its own"
for s in $projects; do
    item=$(sed -n 's/^[0-9a-f]*\/\(.*\)@.*/\1/p' "$run/logs/$s.publish.out" | head -n 1)
    [ "$(tag leipzig "$(home leipzig)" "$(id "$s")" "$item")" = \
        "$(tag "$s" "$(home "$s")" "$(id "$s")" "$item")" ] ||
        die "Leipzig's mirror of $(get name "$s")'s $item differs"
done
bg git clone -q "$(url leipzig)/git/$(id eindhoven)/$demo_item.git" "$run/clones/eindhoven-via-leipzig" \
    2>"$run/logs/clone.err" || {
    cat "$run/logs/clone.err" >&2
    die "git clone from Leipzig's mirror of Eindhoven failed"
}
curl -fsS "$(url leipzig)/mirrors/$(id eindhoven)/tuf/timestamp.json" |
    cmp -s - "$(home leipzig)/mirrors/$(id eindhoven)/tuf/timestamp.json" ||
    die "Leipzig does not re-serve its mirror of Eindhoven byte for byte"
echo "   git clone of Eindhoven's item from Leipzig's mirror works; /mirrors/ is byte-identical"

# The registry on Leipzig, as its web page asks for it (/api/v1, docs/api.yaml):
# every node that publishes an item is there and a value of the city facet,
# the programme facet counts the model projects' strategies, and Prague's
# replication of Manchester's demonstration is an edge of its graph.
l=$(url leipzig)
api() {
    curl -fsS "$l/api/v1/$1" >"$run/logs/api.json" 2>"$run/logs/api.err" || {
        cat "$run/logs/api.err" >&2
        die "GET $l/api/v1/$1 failed"
    }
}
curl -fsS "$l/" 2>"$run/logs/api.err" | grep -qi '<html' || die "$l/ serves no web page"
api "search?per_page=100"
publishing=0
for s in $slugs; do
    [ "$s" != triangulum ] && [ "$s" != msc2020 ] || continue
    grep -q "\"node\":\"$(id "$s")\"" "$run/logs/api.json" ||
        die "Leipzig's registry has no items of $(get name "$s")"
    publishing=$((publishing + 1))
done
indexed=$(sed -n 's/.*"total":\([0-9]*\),.*/\1/p' "$run/logs/api.json" | head -n 1)
cities=$(grep -o '"city":\[[^]]*\]' "$run/logs/api.json" | grep -o '{"value":' | wc -l)
[ "$cities" -eq "$publishing" ] ||
    die "Leipzig's registry lists $cities cities, not the $publishing nodes that publish"
# The model projects' strategies and Hamburg's and München's components are
# in the programme of Connected Urban Twins' funding (their node.json names it).
grep -o '"programme":\[[^]]*\]' "$run/logs/api.json" |
    grep -q "{\"value\":\"$msc_programme\",\"count\":$((nprojects + 2))," ||
    die "Leipzig's registry does not count the $nprojects strategies of the model projects" \
        "and the 2 components of Hamburg and München"
# Every item of the six Triangulum cities is in their programme (their node.json
# names it): Leipzig's own (its CUT component too), the lighthouses' 3
# demonstrations, the followers' 2.
ntriangulum=$(($(echo "$items" | wc -l) + 1 + 5))
grep -o '"programme":\[[^]]*\]' "$run/logs/api.json" |
    grep -q "{\"value\":\"$triangulum_programme\",\"count\":$ntriangulum," ||
    die "Leipzig's registry does not count the $ntriangulum items of the Triangulum cities"
api "search?q=mobilitat"
grep -q '"total":[1-9]' "$run/logs/api.json" || die "Leipzig's registry finds nothing for 'mobilitat'"
api "graph/$(id manchester)/$demo_item"
grep -q "\"to\":\"$(id prague)[^\"]*\",\"type\":\"replicates\"" "$run/logs/api.json" ||
    die "the graph of Manchester's $demo_item on Leipzig lacks Prague's replication"
# Connected Urban Twins: the graph of each city's component has the other
# two cities' replications.
for o in $cut_cities; do
    api "graph/$(id "$o")/$(get cut_item "$o")"
    for c in $cut_cities; do
        [ "$c" != "$o" ] || continue
        grep -q "\"to\":\"$(id "$c")[^\"]*\",\"type\":\"replicates\"" "$run/logs/api.json" ||
            die "the graph of $(get name "$o")'s $(get cut_item "$o") on Leipzig lacks" \
                "$(get name "$c")'s replication"
    done
done
# ... and the category facet finds the three (publiccode.yml categories).
api "search?category=geographic-information-systems&per_page=100"
for o in $cut_cities; do
    grep -q "\"node\":\"$(id "$o")\",[^{}]*\"item\":\"$(get cut_item "$o")\"" "$run/logs/api.json" ||
        die "Leipzig's registry does not find $(get name "$o")'s $(get cut_item "$o") by its category"
done
echo "   Leipzig's registry: $indexed items of $cities nodes; Manchester's demonstration has"
echo "   Prague's replication in its graph, each component of Connected Urban Twins the other"
echo "   two cities' replications; its web page answers at $l/"

elapsed=$(($(date +%s) - started))
c=$CITYNODE
e=$(id eindhoven)
cat <<MSG

== open $l/ in a browser
   the registry of the demo network: $indexed items of $cities nodes, as $(get name leipzig) follows them
   (the Triangulum cities and $nprojects model projects of the Modellprojekte Smart Cities 2020)

== try
   $l/?q=mobilitat
                  "Mobilitat" finds "Mobilität": the model projects' strategies
   $l/?programme=Modellprojekte%20Smart%20Cities
                  the programme facet: one strategy per model project, and the CUT
                  components of Hamburg and München
   $l/?kind=strategy&country=DE&city=Berlin%20(Demo)
                  the city facet
   $l/?item=$(id manchester)/$demo_item
                  Manchester's demonstration: its versions, signer, and Prague in its replication graph
   $l/?view=nodes
                  every node Leipzig knows
   $l/api/v1/search?q=mobilitat                the same as JSON (docs/api.yaml)
   $l/api/v1/graph/$(id manchester)/$demo_item
   $l/api/v1/nodes
   $l/api/v1/search.atom?q=mobilitat           the same search as an Atom feed
   $l/api/v1/nodes/$(id manchester)/versions.atom
                  Manchester's new versions and withdrawals, for a feed reader
   $c --home $(home leipzig) search Mobilität
   $c --home $(home leipzig) search Mobilitat --city "Berlin (Demo)"
   $c --home $(home leipzig) peer list
   $c --home $(home leipzig) show self/leipzig-triangulum
   $c --home $(home leipzig) verify --all
   $c --home $(home prague) peer list
   git clone $(url stavanger)/git/$(id stavanger)/$demo_item.git
   git clone $l/git/$e/$demo_item.git   (Leipzig's verified mirror)
   git -C $run/replicas/leipzig/eindhoven-$demo_item log --oneline
   $c --home $(home leipzig) allowed-signers $e >$run/allowed_signers
   git -C $(home leipzig)/repos/$e/$demo_item.git -c gpg.format=ssh \\
       -c gpg.ssh.allowedSignersFile=$run/allowed_signers verify-tag v1.0.0
   $c --home $(home eindhoven) peer list            (Leipzig, followed for its attestation)

== Connected Urban Twins: each city's component, replicated by the other two
   $l/?item=$(id hamburg-cut)/$cut_item_hamburg_cut
                  Hamburg's: logo, screenshot, README and files (a CSV in windows-1252);
                  Leipzig and München in its replication graph
   $l/?item=$(id leipzig)/$cut_item_leipzig
                  Leipzig's: Hamburg and München in its replication graph
   $l/?item=$(id muenchen)/$cut_item_muenchen
                  München's: a CSV in UTF-8; Hamburg and Leipzig in its replication graph
   $l/api/v1/graph/$(id hamburg-cut)/$cut_item_hamburg_cut
   $l/api/v1/search?category=geographic-information-systems
                  the category facet: the three components (and Leipzig's CUT project)
   $l/?view=nodes                  Hamburg (Demo) and München (Demo) among the nodes
   git -C $run/replicas/leipzig/$cut_item_hamburg_cut log --oneline
   $c --home $(home muenchen) show $(id leipzig)/$cut_item_leipzig

== more
   $l/.well-known/citynode.json
   $l/mirrors/$e/.well-known/citynode.json
                  Eindhoven's tree, as Leipzig verified and re-serves it
   $(url triangulum)/.well-known/citynode.json      the consortium (network.json is one of its targets)
MSG
[ -z "$projects" ] ||
    echo "   $(url msc2020)/.well-known/citynode.json      the model projects' network node"
echo
echo "== $nnodes nodes set up and checked in $elapsed s; their logs are in $run/logs"
if [ -n "$oneshot" ]; then
    echo "== demo network checked; stopping (CITYNODE_DEMO_ONESHOT)"
    exit 0
fi
echo "== serving $nnodes nodes on $(url leipzig) ... (Ctrl-C stops them all)"
wait
