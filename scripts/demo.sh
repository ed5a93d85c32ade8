#!/bin/sh
# demo.sh - what `make run` runs: a demo node with every sample item under
# examples/ published, served in the foreground.
#
#   CITYNODE              the binary            (default: build/citynode)
#   CITYNODE_DEMO_HOME    the node's directory  (default: build/demo/home; re-created each run)
#   CITYNODE_DEMO_LISTEN  HOST:PORT to serve on (default: 127.0.0.1:8470)
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
    home=$(absolute "$CITYNODE_DEMO_HOME" "$caller")
else
    home=$root/build/demo/home
fi
listen=${CITYNODE_DEMO_LISTEN:-127.0.0.1:8470}
url="http://$listen"
cd "$root"

[ -x "$CITYNODE" ] || die "$CITYNODE is not an executable; run 'make build' first (or set CITYNODE)"

# Start fresh, but never remove a directory that is not a citynode home.
if [ -e "$home" ]; then
    if [ -f "$home/config.yml" ] && [ -d "$home/public" ]; then
        rm -rf "$home"
    elif [ -d "$home" ] && [ -z "$(ls -A "$home")" ]; then
        rmdir "$home"
    else
        die "$home exists and is not a citynode home; remove it or set CITYNODE_DEMO_HOME"
    fi
fi
mkdir -p "$(dirname "$home")"

node_id=$("$CITYNODE" --home "$home" init --name "Stadt Leipzig (Demo)" --url "$url" \
    --country DE --code 14713000 2>/dev/null) || die "init failed"
echo "== node 'Stadt Leipzig (Demo)' in $home"
echo "   node id $node_id"

# Every folder under examples/ with a manifest is one item.
items=$(find examples \( -name citynode.yml -o -name publiccode.yml \) -type f |
    sed 's,/[^/]*$,,' | LC_ALL=C sort -u)
[ -n "$items" ] || die "no manifests under $root/examples"
n=0
echo "== publishing the sample items under examples/"
while IFS= read -r dir; do
    out=$("$CITYNODE" --home "$home" publish "$dir" 2>&1) || {
        echo "$out" >&2
        die "publish $dir failed"
    }
    printf '   %-52s %s\n' "$dir" "$(echo "$out" | sed -n 's/^[0-9a-f]*\///p' | head -n 1)"
    n=$((n + 1))
done <<ITEMS
$items
ITEMS
echo "   $n items published"

"$CITYNODE" --home "$home" verify --all

cat <<MSG

== try
   curl $url/.well-known/citynode.json
   curl $url/tuf/timestamp.json
   $CITYNODE --home $home show self/leipzig-triangulum
   $CITYNODE --home $home show self/msc2020-berlin --json
   $CITYNODE --home $home show self/zukunftsforum-zukunftslabor
   $CITYNODE --home $home verify --all
   $CITYNODE --home $home allowed-signers
   $CITYNODE --home $home keys list

== serving on $url (Ctrl-C stops)
MSG

exec "$CITYNODE" --home "$home" serve --listen "$listen"
