#!/bin/bash
# Crash safety of `citynode publish` (issue 10, point 3): a publish of a new
# version, of a folder item and of a git repository item, is SIGKILLed on
# entry of its K-th file-system commit call (rename, unlink, fsync, mkdir:
# every step that makes a write visible or durable), for every K until the
# publish completes. strace raises the kill (-e inject=...:signal=KILL), so
# each run stops at exactly the same point every time.
#
# After every kill the node holds the old published state or the new one:
# `verify --all` passes, or fails (exit 3) naming the tag the killed run left
# without a target; the next run of the same command completes the version
# (or, when the kill came after the commit point, says it is published); then
# `verify --all` passes, refs/heads/main and the tag name the signed commit,
# and a stock git clone of the repository checks out the published version.
#
# The node writes layout 2, the default (a delegated role per item, the
# older versions' targets in targets-history.json: docs/PROTOCOL.md §4.1).
# With CN_TEST_LAYOUT=1 (ctest integration/t1010-publish-crash-layout1) it
# writes layout 1 throughout; with CN_TEST_LAYOUT=upgrade
# (…-upgrade) it publishes 1.0.0 in layout 1 and the killed publish is the
# one that moves it to layout 2.
. "$(dirname "$0")/lib.sh"

H0="$TRASH/base"
CALLS=rename,renameat,renameat2,unlink,unlinkat,fsync,fdatasync,mkdir,mkdirat

# item_of NAME: the item id `publish` printed for $TRASH/NAME (NODE/ITEM@V).
item_of() { sed "s|^[^/]*/||; s|@.*||" "$TRASH/$1.ref"; }

ts_version() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["signed"]["version"])' "$1/public/tuf/timestamp.json"; }

# publish_killed_at HOME K ARGS...: publish, SIGKILLed on entry of its K-th
# call of $CALLS; $code is its exit status (137 when killed).
publish_killed_at() {
    h=$1 k=$2
    shift 2
    # LeakSanitizer cannot run under ptrace: no leak check for the traced run
    # (a sanitizer build checks the untraced runs that follow).
    if ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
        strace -f -qq -o /dev/null -e trace=$CALLS -e inject=$CALLS:signal=KILL:when=$k \
        "$CITYNODE" --home "$h" publish "$@" >"$TRASH/killed.out" 2>&1; then
        code=0
    else
        code=$?
    fi 2>/dev/null # bash reports the killed job here
}

# after_kill HOME ITEM VERSION WANT_COMMIT ARGS...: the checks above for the
# state a kill left in HOME.
after_kill() {
    h=$1 item=$2 v=$3 want=$4
    shift 4
    repo="$h/repos/$(cat "$TRASH/id")/$item.git"
    if "$CITYNODE" --home "$h" verify --all >"$TRASH/verify.out" 2>&1; then
        vcode=0
    else
        vcode=$?
    fi
    committed=0
    [ "$(ts_version "$h")" -eq "$(ts_version "$H0")" ] || committed=1
    if [ $vcode -ne 0 ]; then
        if [ $vcode -ne 3 ] || [ $committed -ne 0 ] ||
            ! grep -q "tag v$v has no signed target.*publish.*again" "$TRASH/verify.out"; then
            echo "verify --all after the kill (exit $vcode):"
            cat "$TRASH/verify.out"
            return 1
        fi
    fi
    if "$CITYNODE" --home "$h" publish "$@" >"$TRASH/retry.out" 2>&1; then
        rcode=0
    else
        rcode=$?
    fi
    if [ $committed -eq 1 ]; then
        [ $rcode -eq 2 ] && grep -q "$v is already published" "$TRASH/retry.out" ||
            { echo "retry after the commit point (exit $rcode):"; cat "$TRASH/retry.out"; return 1; }
    elif [ $rcode -ne 0 ]; then
        echo "the next publish fails (exit $rcode):"
        cat "$TRASH/retry.out"
        return 1
    fi
    published "$h" "$item" "$v" "$want"
}

# published HOME ITEM VERSION WANT_COMMIT: verify --all passes, and the
# repository's main, tags and info/refs are those of VERSION (WANT_COMMIT,
# if given); a stock clone checks it out.
published() {
    h=$1 item=$2 v=$3 want=$4
    repo="$h/repos/$(cat "$TRASH/id")/$item.git"
    "$CITYNODE" --home "$h" verify --all >"$TRASH/verify.out" 2>&1 ||
        { echo "verify --all after the publish:"; cat "$TRASH/verify.out"; return 1; }
    main=$(git -C "$repo" rev-parse refs/heads/main) &&
    test "$main" = "$(git -C "$repo" rev-parse "v$v^{commit}")" ||
        { echo "refs/heads/main is not v$v"; return 1; }
    [ -z "$want" ] || [ "$main" = "$want" ] ||
        { echo "published $main, not the source's HEAD $want"; return 1; }
    git -C "$repo" for-each-ref --format='%(refname)' refs/tags >"$TRASH/tags" &&
    printf 'refs/tags/v1.0.0\nrefs/tags/v%s\n' "$v" | cmp - "$TRASH/tags" ||
        { echo "tags:"; cat "$TRASH/tags"; return 1; }
    grep -q "refs/tags/v$v^{}" "$repo/info/refs" ||
        { echo "info/refs lacks v$v"; return 1; }
    [ "${CN_TEST_LAYOUT:-2}" = 1 ] || {
        ls "$h"/public/tuf/*.items."$item".json >/dev/null 2>&1 &&
            grep -q "items/$item/1.0.0/" "$h/targets-history.json"
    } || { echo "not in layout 2: no role of $item, or 1.0.0 not in the history"; return 1; }
    rm -rf "$TRASH/clone" &&
    git clone -q "$repo" "$TRASH/clone" 2>/dev/null &&
    test "$(git -C "$TRASH/clone" rev-parse HEAD)" = "$main" ||
        { echo "a clone does not check out v$v"; return 1; }
}

# crash_every_step ITEM VERSION WANT_COMMIT ARGS...: kill at K = 1, 2, ...
# until a run completes; each kill point is checked in a fresh copy of $H0.
crash_every_step() {
    item=$1 v=$2 want=$3
    shift 3
    k=0
    while [ $k -lt 1000 ]; do
        k=$((k + 1))
        h="$TRASH/k$k"
        rm -rf "$h" && cp -a "$H0" "$h" || return 1
        publish_killed_at "$h" $k "$@" || return 1
        case $code in
        0) break ;;
        137) ;;
        *) echo "publish failed at K=$k (exit $code):"; cat "$TRASH/killed.out"; return 1 ;;
        esac
        after_kill "$h" "$item" "$v" "$want" "$@" || { echo "after the kill at K=$k"; return 1; }
        rm -rf "$h" || return 1
    done
    echo "# $item@$v: killed at $((k - 1)) points, then completed" >>"$TRASH/summary"
    test $k -gt 10 && test $code -eq 0 &&
    published "$h" "$item" "$v" "$want"
}

test_expect_success 'stage: a node with a folder item and a git item at 1.0.0' '
    "$CITYNODE" --home "$H0" init --name "Stadt Leipzig (sample)" --country DE >"$TRASH/id" &&
    case "${CN_TEST_LAYOUT:-2}" in 1 | upgrade) echo "metadata_layout: 1" >>"$H0/config.yml" ;; esac &&
    mkdir "$TRASH/folder" &&
    cp "$CN_SOURCE_DIR/examples/strategies/bamberg/citynode.yml" "$TRASH/folder/" &&
    echo "first" >"$TRASH/folder/notes.txt" &&
    "$CITYNODE" --home "$H0" publish "$TRASH/folder" --version 1.0.0 >"$TRASH/folder.ref" &&
    mkdir "$TRASH/git" &&
    cp "$CN_SOURCE_DIR/examples/solutions/connected-urban-twins/publiccode.yml" "$TRASH/git/" &&
    git -C "$TRASH/git" init -q && git -C "$TRASH/git" add . &&
    git -C "$TRASH/git" commit -qm one &&
    "$CITYNODE" --home "$H0" publish "$TRASH/git" --version 1.0.0 >"$TRASH/git.ref" &&
    echo "second" >>"$TRASH/folder/notes.txt" &&
    echo "second" >"$TRASH/git/notes.txt" && git -C "$TRASH/git" add notes.txt &&
    git -C "$TRASH/git" commit -qm two &&
    "$CITYNODE" --home "$H0" verify --all >/dev/null &&
    case "${CN_TEST_LAYOUT:-2}" in upgrade) sed -i "/^metadata_layout:/d" "$H0/config.yml" ;; esac
'

test_expect_success 'a folder item: SIGKILL at every step of publishing 1.1.0' '
    item=$(item_of folder) &&
    crash_every_step "$item" 1.1.0 "" "$TRASH/folder" --version 1.1.0
'

test_expect_success 'a git repository item: SIGKILL at every step of publishing 1.1.0' '
    item=$(item_of git) &&
    crash_every_step "$item" 1.1.0 "$(git -C "$TRASH/git" rev-parse HEAD)" "$TRASH/git" --version 1.1.0
'

test_expect_success 'verify --all names a tag without a target; publish removes it, stale locks and temporaries, and goes on' '
    h="$TRASH/leftover" && rm -rf "$h" && cp -a "$H0" "$h" &&
    item=$(item_of folder) &&
    repo="$h/repos/$(cat "$TRASH/id")/$item.git" &&
    git -C "$repo" tag -a -m leftover v1.1.0 refs/heads/main &&
    : >"$repo/refs/heads/main.lock" &&
    full=$(find "$h/public/targets/items/$item" -name "*.full.bundle") &&
    echo partial >"$full.tmp.AbC123" &&
    test_expect_code 3 "$CITYNODE" --home "$h" verify --all 2>err &&
    grep "tag v1.1.0 has no signed target" err &&
    grep -q "publish $item again" err &&
    "$CITYNODE" --home "$h" publish "$TRASH/folder" --version 1.2.0 >/dev/null 2>err &&
    grep -q "removed tag v1.1.0 of $item" err &&
    test_must_fail git -C "$repo" rev-parse -q --verify refs/tags/v1.1.0 &&
    test ! -e "$repo/refs/heads/main.lock" && test ! -e "$full.tmp.AbC123" &&
    "$CITYNODE" --home "$h" verify --all >/dev/null
'

[ -f "$TRASH/summary" ] && cat "$TRASH/summary"
test_done
