# lib.sh - a small test library in the style of git's t/test-lib.sh.
#
# Source it from a test script; each story is
#     test_expect_success 'what the behaviour is' '
#         commands...
#     '
# The commands run in a subshell with `set -e` inside the test's own scratch
# directory ($TRASH); the subshell's status is collected where bash does not
# ignore `set -e`, so a body stops at its first failing command. bash still
# ignores a failure inside `a && b` (but the last), after `!`, inside an `if`
# or `while` condition and in a pipe but the last command: chainlint.py
# finds those in every script (ctest integration/chainlint).
#
# test_expect_failure 'what is known to be broken' '...' is a story that
# documents a known breakage (git's sense): it fails as "# TODO known
# breakage" and, once fixed, passes as "# TODO known breakage vanished";
# neither fails the script. Call test_done at the end: it prints "N passed,
# M failed" and exits non-zero if anything failed or no story ran. A script
# that exits before test_done fails.

set -u

: "${CITYNODE:?CITYNODE must name the citynode binary}"
: "${CN_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"

# The identity of the commits stories make in their sample repositories.
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org \
    GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org

# The sample solution most stories publish (examples/, from the seed
# documents), and its item id; a story may name its own.
SAMPLE="$CN_SOURCE_DIR/examples/solutions/connected-urban-twins/publiccode.yml"
ITEM=connected-urban-twins

# cn HOME ARGS...: citynode on the node at HOME (a story may define its own).
cn() {
    home=$1
    shift
    "$CITYNODE" --home "$home" "$@"
}

TEST_NAME=$(basename "$0" .sh)
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/citynode-$TEST_NAME.XXXXXX")
test_passed=0
test_failed=0
test_broken=0
test_fixed=0
test_done_reached=
test_cleanup_cmds=""

# Commands to run when the script exits (servers to stop, ...).
test_at_exit() {
    test_cleanup_cmds="$1; $test_cleanup_cmds"
}

test_exit_handler() {
    status=$?
    eval "$test_cleanup_cmds" >/dev/null 2>&1 || true
    if [ -z "$test_done_reached" ]; then
        echo "not ok - script exited before test_done (exit $status)"
        test_failed=$((test_failed + 1))
        status=1
    fi
    if [ "${CN_KEEP_TRASH:-}" = "" ] && [ "$test_failed" -eq 0 ]; then
        rm -rf "$TRASH"
    else
        echo "# scratch directory kept: $TRASH"
    fi
    exit "$status"
}
trap test_exit_handler EXIT

# test_run_body BODY: run BODY in $TRASH with `set -e`, output to
# $TRASH/.out; $test_status is its exit status. The subshell is a command
# of its own, not the condition of an `if` or part of a `&&` list, where
# bash would turn `set -e` off inside it.
# The script's own `set -e`, if it has one, is off meanwhile: a failing story
# is reported, it does not end the script.
test_run_body() {
    local errexit=
    case $- in *e*) errexit=1 ;; esac
    set +e
    (
        cd "$TRASH" || exit 1
        set -e
        eval "$1"
    ) >"$TRASH/.out" 2>&1
    test_status=$?
    [ -z "$errexit" ] || set -e
}

# test_story success|failure DESC BODY: run BODY, count and report it as a
# story that must pass, or as a known breakage (git's test_expect_failure:
# failing is expected and fails nothing; passing is reported as vanished).
test_story() {
    kind=$1
    shift
    if [ $# -ne 2 ]; then
        echo "not ok - test_expect_$kind wants 2 arguments, got $#: ${1:-}"
        test_failed=$((test_failed + 1))
        return 1
    fi
    test_run_body "$2"
    case "$kind,$test_status" in
    success,0)
        test_passed=$((test_passed + 1))
        echo "ok - $1"
        ;;
    success,*)
        test_failed=$((test_failed + 1))
        echo "not ok - $1"
        sed 's/^/#   /' "$TRASH/.out"
        ;;
    failure,0)
        test_fixed=$((test_fixed + 1))
        echo "ok - $1 # TODO known breakage vanished"
        ;;
    *)
        test_broken=$((test_broken + 1))
        echo "not ok - $1 # TODO known breakage"
        sed 's/^/#   /' "$TRASH/.out"
        ;;
    esac
}
test_expect_success() { test_story success "$@"; }
# test_expect_failure DESC BODY: a story that shows a known breakage.
test_expect_failure() { test_story failure "$@"; }

# test_expect_code CODE cmd...: run cmd, fail unless it exits with CODE.
test_expect_code() {
    local want=$1 got=0
    shift
    "$@" || got=$?
    if [ "$got" -ne "$want" ]; then
        echo "test_expect_code: expected exit $want, got $got: $*" >&2
        return 1
    fi
}

# test_must_fail cmd...: cmd must fail the way a program refuses, with a
# status from 1 to 125 or 128 (git's die); success, a signal (status > 128),
# "cannot run" (126) and "not found" (127) fail. For the product and the tools a story
# drives; `! cmd` would pass on a crash.
test_must_fail() {
    local got=0
    "$@" || got=$?
    if [ "$got" -eq 0 ]; then
        echo "test_must_fail: command succeeded: $*" >&2
        return 1
    elif [ "$got" -gt 128 ]; then
        echo "test_must_fail: died of signal $((got - 128)): $*" >&2
        return 1
    elif [ "$got" -eq 126 ] || [ "$got" -eq 127 ]; then
        echo "test_must_fail: could not run (exit $got): $*" >&2
        return 1
    fi
    return 0
}

# test_on_terminal LOG ARGS...: citynode ARGS with stderr on a terminal (a
# pseudo-terminal, on_terminal.py) whose bytes go to LOG; stdout stays the
# caller's.
test_on_terminal() {
    log=$1
    shift
    python3 "$CN_SOURCE_DIR/tests/integration/on_terminal.py" "$log" "$CITYNODE" "$@"
}

# test_meter_lines LOG: the progress meter's lines in a terminal log, a
# phase's counters or its end.
test_meter_lines() {
    tr '\r' '\n' <"$1" >"$1.lines" &&
        sed -nE '/^[A-Z][a-z]+( [a-z]+)*: .*([0-9]%|done\.$)/p' "$1.lines"
}

# A free TCP port on 127.0.0.1.
test_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Wait until http://127.0.0.1:PORT/PATH answers (max ~10 s).
test_wait_http() {
    i=0
    while [ $i -lt 100 ]; do
        curl -fsS -o /dev/null "http://127.0.0.1:$1${2:-/}" 2>/dev/null && return 0
        sleep 0.1
        i=$((i + 1))
    done
    echo "server on port $1 did not come up" >&2
    return 1
}

# test_nginx PORT SERVER...: start nginx in the background on
# 127.0.0.1:PORT with SERVER (nginx directives) as its server block's body;
# its files are in $TRASH/nginx/ (access.log: "METHOD URI STATUS BYTES"
# lines, error.log), its pid in $TRASH/nginx.pid (test_stop_server nginx; it
# is stopped at exit). The caller waits for it to answer.
test_nginx() {
    port=$1
    shift
    mkdir -p "$TRASH/nginx/tmp" && chmod 755 "$TRASH" || return 1
    user=
    [ "$(id -u)" -ne 0 ] || user="user root;"
    cat >"$TRASH/nginx/nginx.conf" <<-EOF
	$user
	worker_processes 1;
	pid $TRASH/nginx.pid;
	error_log $TRASH/nginx/error.log warn;
	events { worker_connections 64; }
	http {
	    log_format t "\$request_method \$uri \$status \$body_bytes_sent";
	    access_log $TRASH/nginx/access.log t;
	    client_body_temp_path $TRASH/nginx/tmp/body;
	    proxy_temp_path $TRASH/nginx/tmp/proxy;
	    fastcgi_temp_path $TRASH/nginx/tmp/fastcgi;
	    uwsgi_temp_path $TRASH/nginx/tmp/uwsgi;
	    scgi_temp_path $TRASH/nginx/tmp/scgi;
	    types { application/json json; }
	    default_type application/octet-stream;
	    server { listen 127.0.0.1:$port; $* }
	}
	EOF
    nginx=$(command -v nginx || echo /usr/sbin/nginx)
    "$nginx" -p "$TRASH/nginx" -c "$TRASH/nginx/nginx.conf" -g "daemon off;" \
        >"$TRASH/nginx/stderr" 2>&1 &
}

# test_publish_example HOME DIR: publish examples/DIR (a sample item) on the
# node at HOME from a fresh git repository in ./pub; a warning fails it.
test_publish_example() {
    rm -rf pub && cp -r "$CN_SOURCE_DIR/examples/$2" pub &&
    (cd pub && git init -q && git add . && git commit -qm "sample") &&
    cn "$1" publish pub >/dev/null 2>publish.err &&
    test_must_fail grep -q "warning" publish.err
}

# test_sample_repo DIR NAME: a new git repository DIR (branch main) holding,
# not committed yet, the sample manifest renamed NAME: the item is NAME as a
# slug ("Shape Packs": shape-packs).
test_sample_repo() {
    git init -q -b main "$1" &&
        sed "s/^name: Connected Urban Twins\$/name: $2/" "$SAMPLE" >"$1/publiccode.yml" &&
        grep -qx "name: $2" "$1/publiccode.yml"
}

# test_serve HOME PORT NAME: start `citynode serve` of HOME on 127.0.0.1:PORT
# in the background (log $TRASH/NAME.log, pid $TRASH/NAME.pid) and wait
# until it answers. test_stop_server NAME stops that server and waits until
# it is gone; test_stop_servers does so for every $TRASH/*.pid file, and
# runs at exit.
test_serve() {
    "$CITYNODE" --home "$1" serve --listen "127.0.0.1:$2" >"$TRASH/$3.log" 2>&1 &
    echo $! >"$TRASH/$3.pid"
    test_wait_http "$2" /tuf/timestamp.json
}
test_stop_server() { # NAME: stop the server whose pid is in $TRASH/NAME.pid
    [ -e "$TRASH/$1.pid" ] || return 0
    pid=$(cat "$TRASH/$1.pid")
    rm -f "$TRASH/$1.pid"
    kill "$pid" 2>/dev/null || return 0
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.05
        i=$((i + 1))
    done
    return 0
}
test_stop_servers() {
    for p in "$TRASH"/*.pid; do
        [ -e "$p" ] || continue
        test_stop_server "$(basename "$p" .pid)"
    done
    return 0
}
test_at_exit test_stop_servers

# test_zip_is_tree ZIP REPO TAG: ZIP is a valid archive (every CRC checks)
# of exactly the files of TAG's tree in the git repository REPO, byte for byte.
test_zip_is_tree() {
    rm -rf "$TRASH/.zip-want" && mkdir "$TRASH/.zip-want" &&
        git -C "$2" ls-tree -r --name-only "$3" >"$TRASH/.zip-want.names" &&
        git -C "$2" archive -o "$TRASH/.zip-want.tar" "$3" &&
        tar -x -C "$TRASH/.zip-want" -f "$TRASH/.zip-want.tar" &&
        python3 - "$1" "$TRASH/.zip-want" "$TRASH/.zip-want.names" <<-\PY
	import os, sys, zipfile
	z = zipfile.ZipFile(sys.argv[1])
	assert z.testzip() is None
	names = sorted(z.namelist())
	want = sorted(open(sys.argv[3]).read().split("\n")[:-1])
	assert names == want, (names, want)
	for n in names:
	    assert z.read(n) == open(os.path.join(sys.argv[2], n), "rb").read(), n
	PY
}

# Bundles citynode wrote (docs/PROTOCOL.md §7), checked with stock git alone.
# test_bundle_full and test_bundle_delta take the bundle BUNDLE of commit
# COMMIT of the source repository SRC, whose history holds the commit of
# every tag the bundle lists; each such tag must be the tag the clone gets,
# pass `git verify-tag` with the allowed signers file SIGNERS (an absolute
# path; `citynode allowed-signers`) and point into COMMIT's history.
# Scratch files go to $TRASH/.bundle.
#
# test_bundle_full BUNDLE COMMIT SRC SIGNERS CLONE: a full bundle passes
# `git bundle verify` in an empty repository; its pack, through
# `git index-pack --strict`, holds exactly the objects of COMMIT's history in
# SRC (`git rev-list --objects`) and the tags; `git clone` into CLONE gives
# HEAD at COMMIT, `git fsck --strict` is clean and the history the same.
test_bundle_full() {
    local b="$TRASH/.bundle"
    test_bundle_split "$1" "$2" &&
        test_must_fail grep -q "^-" "$b/header" &&
        git init -q --bare "$b/empty.git" &&
        git -C "$b/empty.git" bundle verify -q "$1" &&
        test_bundle_index "$b/empty.git" &&
        test_bundle_ids "$b/history" "$3" "$2" &&
        sort "$b/history" "$b/tag-ids" >"$b/want" &&
        diff -u "$b/want" "$b/objects" &&
        git -c advice.detachedHead=false clone -q "$1" "$5" &&
        test "$(git -C "$5" rev-parse HEAD)" = "$2" &&
        git -C "$5" fsck --strict --no-dangling &&
        test_bundle_same_history "$5" HEAD "$3" "$2" &&
        test_bundle_tags "$5" "$4" "$2"
}

# test_bundle_delta BUNDLE COMMIT SRC SIGNERS BASE: a delta bundle, BASE a
# clone of the version it builds on, passes `git bundle verify` in BASE,
# which holds its one prerequisite; its pack, through `git index-pack
# --strict --fix-thin` into a repository that borrows BASE's objects, holds
# nothing but objects of COMMIT's history and the tags, and every object of
# `git rev-list --objects COMMIT ^prerequisite`; `git fetch` into BASE gives
# COMMIT, `git fsck --strict` is clean and the history the same as SRC's.
test_bundle_delta() {
    local b="$TRASH/.bundle" prereq
    test_bundle_split "$1" "$2" &&
        grep "^-" "$b/header" >"$b/prereqs" &&
        test "$(wc -l <"$b/prereqs")" -eq 1 &&
        prereq=$(cut -c2-41 "$b/prereqs") &&
        git -C "$5" bundle verify -q "$1" &&
        git init -q --bare "$b/thin.git" &&
        echo "$(git -C "$5" rev-parse --absolute-git-dir)/objects" >"$b/thin.git/objects/info/alternates" &&
        test_bundle_index "$b/thin.git" --fix-thin &&
        test_bundle_ids "$b/history" "$3" "$2" &&
        sort "$b/history" "$b/tag-ids" >"$b/allowed" &&
        comm -23 "$b/objects" "$b/allowed" >"$b/foreign" &&
        diff -u /dev/null "$b/foreign" &&
        test_bundle_ids "$b/needed" "$3" "$2" "^$prereq" &&
        comm -13 "$b/objects" "$b/needed" >"$b/missing" &&
        diff -u /dev/null "$b/missing" &&
        git -C "$5" fetch -q "$1" "refs/tags/*:refs/tags/*" &&
        git -C "$5" fetch -q "$1" HEAD &&
        test "$(git -C "$5" rev-parse FETCH_HEAD)" = "$2" &&
        git -C "$5" fsck --strict --no-dangling &&
        test_bundle_same_history "$5" FETCH_HEAD "$3" "$2" &&
        test_bundle_tags "$5" "$4" "$2"
}

# test_publish_bundles HOME ITEM VERSION SRC [PREVIOUS]: the bundles the node
# at HOME published of ITEM@VERSION, from the git repository SRC at its HEAD:
# the one full bundle passes test_bundle_full, cloned into
# $TRASH/clones/ITEM@VERSION; with PREVIOUS the one delta bundle passes
# test_bundle_delta, fetched into the clone of ITEM@PREVIOUS (which moves on
# to VERSION), and without PREVIOUS there is none. Tags are checked against
# HOME's allowed signers.
test_publish_bundles() {
    local dir="$1/public/targets/items/$2/$3" head full delta
    head=$(git -C "$4" rev-parse HEAD) &&
        "$CITYNODE" --home "$1" allowed-signers >"$TRASH/.signers" &&
        mkdir -p "$TRASH/clones" &&
        full=$(test_one_file "$dir"/*.full.bundle) &&
        test_bundle_full "$full" "$head" "$4" "$TRASH/.signers" "$TRASH/clones/$2@$3" &&
        if [ $# -eq 4 ]; then
            test "$dir"/*.delta.bundle = "$dir/*.delta.bundle" # the glob matched nothing
        else
            delta=$(test_one_file "$dir"/*.delta.bundle) &&
                test_bundle_delta "$delta" "$head" "$4" "$TRASH/.signers" "$TRASH/clones/$2@$5"
        fi
}

# test_one_file GLOB: the one file the (expanded) GLOB matched, on stdout;
# fails if it matched none or more than one.
test_one_file() {
    [ $# -eq 1 ] && [ -f "$1" ] && echo "$1"
}

# test_bundle_split BUNDLE COMMIT: the header of BUNDLE (up to the blank line
# that ends it), which must name COMMIT as HEAD, to .bundle/header; the ids
# of its tags to .bundle/tag-ids and their ref lines to .bundle/tags; its
# pack (the bytes after the header) to .bundle/pack.
test_bundle_split() {
    local b="$TRASH/.bundle"
    rm -rf "$b" && mkdir "$b" &&
        sed "/^\$/q" "$1" >"$b/header" &&
        test "$(head -n 1 "$b/header")" = "# v2 git bundle" &&
        grep -qx "$2 HEAD" "$b/header" &&
        grep " refs/tags/" "$b/header" >"$b/tags" &&
        cut -d" " -f1 "$b/tags" >"$b/tag-ids" &&
        tail -c +$(($(wc -c <"$b/header") + 1)) "$1" >"$b/pack"
}

# test_bundle_index REPO [--fix-thin]: index .bundle/pack into REPO with
# `git index-pack --strict`; the ids of the objects the pack itself holds
# (not the bases --fix-thin appends after them) to .bundle/objects, sorted.
test_bundle_index() {
    local b="$TRASH/.bundle" pack end
    git -C "$1" index-pack --strict ${2:-} --stdin <"$b/pack" >"$b/indexed" &&
        pack=$(cut -f2 "$b/indexed") &&
        git show-index <"$1/objects/pack/pack-$pack.idx" >"$b/index" &&
        end=$(($(wc -c <"$b/pack") - 20)) &&
        awk -v end="$end" '$1 < end { print $2 }' "$b/index" >"$b/objects.unsorted" &&
        sort "$b/objects.unsorted" >"$b/objects"
}

# test_bundle_ids FILE REPO REV...: the ids of `git rev-list --objects REV...`
# in REPO to FILE, sorted.
test_bundle_ids() {
    local out=$1 repo=$2
    shift 2
    git -C "$repo" rev-list --objects "$@" >"$out.list" &&
        cut -c1-40 "$out.list" >"$out.unsorted" &&
        sort "$out.unsorted" >"$out"
}

# test_bundle_same_history REPO REV SRC COMMIT: REV's history in REPO has the
# objects of COMMIT's in SRC.
test_bundle_same_history() {
    test_bundle_ids "$TRASH/.bundle/got-history" "$1" "$2" &&
        test_bundle_ids "$TRASH/.bundle/src-history" "$3" "$4" &&
        diff -u "$TRASH/.bundle/src-history" "$TRASH/.bundle/got-history"
}

# test_bundle_tags REPO SIGNERS COMMIT: each tag of .bundle/tags is REPO's
# tag of that name, passes `git verify-tag` and points into COMMIT's history.
test_bundle_tags() {
    local id ref
    test -s "$TRASH/.bundle/tags" &&
        while read -r id ref; do
            test "$(git -C "$1" rev-parse "$ref")" = "$id" &&
                git -C "$1" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$2" verify-tag "$ref" &&
                git -C "$1" merge-base --is-ancestor "$ref^{commit}" "$3" || return 1
        done <"$TRASH/.bundle/tags"
}

test_done() {
    test_done_reached=1
    if [ $((test_passed + test_failed + test_broken + test_fixed)) -eq 0 ]; then
        echo "not ok - no story ran"
        test_failed=1
    fi
    [ "$test_broken" -eq 0 ] || echo "# $test_broken known breakage(s)"
    [ "$test_fixed" -eq 0 ] || echo "# $test_fixed known breakage(s) vanished"
    echo "$test_passed passed, $test_failed failed"
    [ "$test_failed" -eq 0 ] && exit 0
    exit 1
}
