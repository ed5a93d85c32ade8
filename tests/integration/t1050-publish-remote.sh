#!/bin/bash
# Publish from where the code lives (issue 11, point 5): `publish URL
# [--ref TAG|BRANCH]` fetches one ref of a public repository over git:// (git
# daemon) or smart HTTP (nginx + fcgiwrap + git http-backend) and publishes
# exactly that commit, its manifest and the files it names read from the
# commit; `publish --ref REF DIR` does the same for a local repository, bare
# or with a working tree that differs. A server that stalls or floods ends
# the fetch within sync's bounds (config.yml), and nothing is published.
. "$(dirname "$0")/lib.sh"

H="$TRASH/home"
SRC="$TRASH/src"
SRV="$TRASH/srv"
GIT_PORT=$(test_free_port)
HTTP_PORT=$(test_free_port)
cn() { "$CITYNODE" --home "$H" "$@"; }

# serve_hostile MODE: a server on 127.0.0.1 that accepts and then sends
# nothing (silent) or a list of refs without end (flood); its port is in
# $TRASH/MODE.port, its pid in $TRASH/MODE.pid (stopped at exit).
serve_hostile() {
    cat >"$TRASH/hostile.py" <<-\EOF
	import socket, sys, threading
	s = socket.socket()
	s.bind(("127.0.0.1", 0))
	s.listen(8)
	print(s.getsockname()[1], flush=True)
	def flood(c):
	    i = 0
	    try:
	        while True:
	            body = b"0" * 40 + b" refs/heads/x%08d\n" % i
	            c.sendall(b"%04x" % (len(body) + 4) + body)
	            i += 1
	    except OSError:
	        pass
	held = []
	while True:
	    c, _ = s.accept()
	    held.append(c)
	    if sys.argv[1] == "flood":
	        threading.Thread(target=flood, args=(c,), daemon=True).start()
	EOF
    python3 "$TRASH/hostile.py" "$1" >"$TRASH/$1.port" &
    echo $! >"$TRASH/$1.pid"
    for _ in $(seq 100); do
        [ -s "$TRASH/$1.port" ] && return 0
        sleep 0.1
    done
    return 1
}

# A digest of everything a refused publish must leave alone.
tree_digest() {
    (cd "$1" && find public repos -type f ! -name lock -print0 >"$TRASH/files") &&
    (cd "$1" && sort -z "$TRASH/files" | xargs -0 sha256sum) >"$TRASH/digest.in" &&
    sha256sum <"$TRASH/digest.in"
}

# published HOME VERSION KIND: the published file of $ITEM@VERSION (manifest.json, full.bundle, ...).
published() {
    find "$1/public/targets/items/$ITEM/$2" -name "*.$3"
}

# tagged_commit HOME VERSION: the commit the item repository's tag vVERSION names.
tagged_commit() {
    git -C "$1/repos/$(cat "$1.id")/$ITEM.git" rev-parse "v$2^{commit}"
}

# commit_version VERSION MESSAGE: commit the sample at softwareVersion VERSION.
commit_version() {
    sed -i "s/^softwareVersion: .*/softwareVersion: \"$1\"/" "$SRC/publiccode.yml" &&
    git -C "$SRC" add -A && git -C "$SRC" commit -qm "$2"
}

test_expect_success 'stage: a repository with tags v1.0.0, v1.1.0, v2.0.0 and a branch' '
    cn init --name "Stadt Leipzig (sample)" --country DE >"$H.id" &&
    mkdir "$SRC" && git -C "$SRC" init -q -b main &&
    cp "$SAMPLE" "$SRC/publiccode.yml" &&
    sed -i "s/^releaseDate:/logo: logo.png\nreleaseDate:/" "$SRC/publiccode.yml" &&
    printf "\211PNG\r\n\032\n0000" >"$SRC/logo.png" &&
    commit_version 1.0.0 one && git -C "$SRC" tag -a v1.0.0 -m "Release 1.0.0" &&
    echo two >"$SRC/notes.txt" && commit_version 1.1.0 two && git -C "$SRC" tag v1.1.0 &&
    commit_version 2.0.0 three && git -C "$SRC" tag -a v2.0.0 -m "Release 2.0.0" &&
    git -C "$SRC" checkout -q -b next && commit_version 2.1.0 four &&
    git -C "$SRC" checkout -q main &&
    mkdir "$SRV" && git clone -q --bare "$SRC" "$SRV/src.git" &&
    git -C "$SRV/src.git" update-server-info
'

test_expect_success 'git daemon and nginx + git http-backend serve it' '
    git daemon --listen=127.0.0.1 --port="$GIT_PORT" --base-path="$SRV" --export-all \
        --reuseaddr --pid-file="$TRASH/daemon.pid" "$SRV" >"$TRASH/daemon.log" 2>&1 &
    fcgiwrap -s "unix:$TRASH/fcgi.sock" >"$TRASH/fcgiwrap.log" 2>&1 &
    echo $! >"$TRASH/fcgiwrap.pid"
    test_nginx "$HTTP_PORT" "location / {
        include /etc/nginx/fastcgi_params;
        fastcgi_param SCRIPT_FILENAME /usr/lib/git-core/git-http-backend;
        fastcgi_param GIT_PROJECT_ROOT $SRV;
        fastcgi_param GIT_HTTP_EXPORT_ALL \"\";
        fastcgi_param PATH_INFO \$uri;
        fastcgi_pass unix:$TRASH/fcgi.sock;
    }" &&
    test_wait_http "$HTTP_PORT" "/src.git/info/refs?service=git-upload-pack" &&
    git ls-remote "git://127.0.0.1:$GIT_PORT/src.git" >ls &&
    grep -q "refs/tags/v2.0.0" ls
'

test_expect_success 'publish git://... --ref v1.0.0 publishes the tag'"'"'s commit and its manifest' '
    cn publish "git://127.0.0.1:$GIT_PORT/src.git" --ref v1.0.0 >out 2>err &&
    test "$(cat out)" = "$(cut -c1-12 "$H.id")/$ITEM@1.0.0" &&
    test "$(tagged_commit "$H" 1.0.0)" = "$(git -C "$SRC" rev-parse "v1.0.0^{commit}")" &&
    grep -q "\"softwareVersion\":\"1.0.0\"" "$(published "$H" 1.0.0 manifest.json)" &&
    grep -q "\"logo\":\"logo.png\"" "$(published "$H" 1.0.0 manifest.json)" &&
    test ! -e "$H/tmp/publish-fetch" &&
    cn verify --all >/dev/null
'

test_expect_success 'its full bundle clones with stock git and passes fsck --strict' '
    git clone -q "$(published "$H" 1.0.0 full.bundle)" clone1 &&
    test "$(git -C clone1 rev-parse HEAD)" = "$(git -C "$SRC" rev-parse "v1.0.0^{commit}")" &&
    git -C clone1 fsck --strict --no-dangling
'

test_expect_success 'publish http://... --ref v1.1.0 (a lightweight tag) gives a delta bundle' '
    cn publish "http://127.0.0.1:$HTTP_PORT/src.git" --ref v1.1.0 >/dev/null 2>err &&
    grep -q "delta bundle" err &&
    test "$(tagged_commit "$H" 1.1.0)" = "$(git -C "$SRC" rev-parse v1.1.0)" &&
    delta=$(published "$H" 1.1.0 delta.bundle) &&
    git -C clone1 bundle verify "$delta" &&
    git -C clone1 fetch -q "$delta" "refs/tags/*:refs/tags/*" &&
    test "$(git -C clone1 rev-parse "v1.1.0^{commit}")" = "$(git -C "$SRC" rev-parse v1.1.0)" &&
    git -C clone1 fsck --strict --no-dangling &&
    grep -q "^GET /src.git/info/refs 200 " "$TRASH/nginx/access.log" &&
    grep -q "^POST /src.git/git-upload-pack 200 " "$TRASH/nginx/access.log"
'

test_expect_success 'without --ref, the remote HEAD is published' '
    cn publish "http://127.0.0.1:$HTTP_PORT/src.git" >/dev/null 2>&1 &&
    test "$(tagged_commit "$H" 2.0.0)" = "$(git -C "$SRC" rev-parse main)" &&
    grep -q "\"softwareVersion\":\"2.0.0\"" "$(published "$H" 2.0.0 manifest.json)"
'

test_expect_success 'a branch is published as its head commit' '
    cn publish "git://127.0.0.1:$GIT_PORT/src.git" --ref next >/dev/null 2>&1 &&
    test "$(tagged_commit "$H" 2.1.0)" = "$(git -C "$SRC" rev-parse next)" &&
    git clone -q "$(published "$H" 2.1.0 full.bundle)" clone2 &&
    git -C clone2 fsck --strict --no-dangling
'

test_expect_success 'an unknown ref is refused (exit 2), naming it; nothing is published' '
    before=$(tree_digest "$H") &&
    test_expect_code 2 cn publish "git://127.0.0.1:$GIT_PORT/src.git" --ref v9.9.9 2>err &&
    grep -q "no tag or branch .v9.9.9." err &&
    test_expect_code 2 cn publish "http://127.0.0.1:$HTTP_PORT/src.git" --ref "bad..name" 2>err &&
    grep -q "not a valid tag or branch name" err &&
    test "$(tree_digest "$H")" = "$before" &&
    test ! -e "$H/tmp/publish-fetch"
'

test_expect_success 'file://, ssh:// and scp-like addresses are refused (exit 2); no password is printed' '
    test_expect_code 2 cn publish "file://$SRV/src.git" --ref v1.0.0 2>err &&
    grep -q "only http://, https:// and git:// URLs" err &&
    test_expect_code 2 cn publish "ssh://alice:s3cret@127.0.0.1/src.git" 2>err &&
    grep -q "ssh://127.0.0.1/src.git" err &&
    test_expect_code 2 cn publish "git@127.0.0.1:src.git" 2>err &&
    grep -q "not fetched over ssh" err &&
    test_expect_code 1 cn publish "http://alice:s3cret@127.0.0.1:$HTTP_PORT/none.git" 2>err &&
    grep -q "http://127.0.0.1:$HTTP_PORT/none.git" err &&
    ! grep -q s3cret err
'

test_expect_success 'a server that accepts and sends nothing ends the fetch (sync_low_speed_time), TLS or not' '
    serve_hostile silent &&
    cp "$H/config.yml" config.saved &&
    echo "sync_low_speed_time: 2" >>"$H/config.yml" &&
    before=$(tree_digest "$H") &&
    test_expect_code 1 timeout 120 "$CITYNODE" --home "$H" publish \
        "http://127.0.0.1:$(cat "$TRASH/silent.port")/src.git" 2>err &&
    grep -q "no data from the server for 2 s" err &&
    test_expect_code 1 timeout 120 "$CITYNODE" --home "$H" publish \
        "git://127.0.0.1:$(cat "$TRASH/silent.port")/src.git" --ref v3.0.0 2>err &&
    grep -q "no data from the server for 2 s" err &&
    test_expect_code 1 timeout 120 "$CITYNODE" --home "$H" publish \
        "https://127.0.0.1:$(cat "$TRASH/silent.port")/src.git" 2>err &&
    grep -q "no data from the server for 2 s" err &&
    test "$(tree_digest "$H")" = "$before" &&
    test ! -e "$H/tmp/publish-fetch" &&
    cp config.saved "$H/config.yml"
'

test_expect_success 'a server that floods its list of refs is cut off (exit 2)' '
    serve_hostile flood &&
    before=$(tree_digest "$H") &&
    test_expect_code 2 timeout 300 "$CITYNODE" --home "$H" publish \
        "git://127.0.0.1:$(cat "$TRASH/flood.port")/src.git" 2>err &&
    grep -q "list of refs is larger than 33554432 bytes" err &&
    test "$(tree_digest "$H")" = "$before" &&
    test ! -e "$H/tmp/publish-fetch"
'

test_expect_success 'a killed fetch'"'"'s scratch repository is removed by the next publish' '
    mkdir -p "$H/tmp/publish-fetch/objects" && echo junk >"$H/tmp/publish-fetch/junk" &&
    test_expect_code 2 cn publish "git://127.0.0.1:$GIT_PORT/src.git" --ref v1.0.0 2>err &&
    grep -q "versions must increase" err &&
    test ! -e "$H/tmp/publish-fetch"
'

H2="$TRASH/home2"
test_expect_success 'publish --ref v1.0.0 DIR: the tag, whatever the working tree holds' '
    "$CITYNODE" --home "$H2" init --name "Stadt Halle (sample)" --country DE >"$H2.id" &&
    git clone -q "$SRC" work &&
    sed -i "s/^softwareVersion: .*/softwareVersion: \"9.9.9\"/" work/publiccode.yml &&
    rm work/logo.png && echo dirty >work/notes.txt &&
    test_expect_code 2 "$CITYNODE" --home "$H2" publish work 2>err &&
    grep -q "uncommitted changes" err &&
    "$CITYNODE" --home "$H2" publish --ref v1.0.0 work >/dev/null 2>&1 &&
    test "$(tagged_commit "$H2" 1.0.0)" = "$(git -C "$SRC" rev-parse "v1.0.0^{commit}")" &&
    grep -q "\"softwareVersion\":\"1.0.0\"" "$(published "$H2" 1.0.0 manifest.json)"
'

test_expect_success 'publish --ref v1.1.0 of a bare repository gives a delta bundle' '
    "$CITYNODE" --home "$H2" publish --ref refs/tags/v1.1.0 "$SRV/src.git" >/dev/null 2>err &&
    grep -q "delta bundle" err &&
    test "$(tagged_commit "$H2" 1.1.0)" = "$(git -C "$SRC" rev-parse v1.1.0)" &&
    git clone -q "$(published "$H2" 1.1.0 full.bundle)" clone3 &&
    git -C clone3 fsck --strict --no-dangling
'

test_expect_success 'from a ref, the files the manifest names are looked up in the commit' '
    git -C work checkout -q -b nologo v2.0.0 &&
    git -C work rm -q logo.png &&
    sed -i "s/^softwareVersion: .*/softwareVersion: \"3.0.0\"/" work/publiccode.yml &&
    git -C work commit -qam "no logo" &&
    printf "\211PNG\r\n\032\n0000" >work/logo.png &&
    before=$(tree_digest "$H2") &&
    test_expect_code 2 "$CITYNODE" --home "$H2" publish --ref nologo work 2>err &&
    grep -q "logo: no such file: logo.png" err &&
    test "$(tree_digest "$H2")" = "$before"
'

test_expect_success '--ref needs a git repository; a plain directory is refused (exit 2)' '
    mkdir plain && cp "$SAMPLE" plain/publiccode.yml &&
    test_expect_code 2 "$CITYNODE" --home "$H2" publish --ref v1.0.0 plain 2>err &&
    grep -q "plain: --ref needs a git repository" err
'

test_done
