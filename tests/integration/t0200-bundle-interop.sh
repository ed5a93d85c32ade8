#!/bin/bash
# t0200-bundle-interop.sh - bundles and signed tags written by core/git.c and
# core/bundle.c are accepted by stock git (bundle verify, clone, fetch,
# fsck --strict, verify-tag with gpg.format=ssh), and bundles stock git writes
# are read back by core/bundle.c.

. "$(dirname "$0")/lib.sh"

: "${CN_BUNDLE_TOOL:?CN_BUNDLE_TOOL must name the cn_bundle_tool binary}"
tool=$CN_BUNDLE_TOOL

# Stock git, isolated from the user's and the system's configuration.
export HOME="$TRASH" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME="Lighthouse City" GIT_AUTHOR_EMAIL="city@example.org"
export GIT_COMMITTER_NAME="Lighthouse City" GIT_COMMITTER_EMAIL="city@example.org"
export GIT_AUTHOR_DATE="1700000000 +0100" GIT_COMMITTER_DATE="1700000000 +0100"

# commit_some N: N commits in ./work, each changing a file.
commit_some() {
    for i in $(seq 1 "$1"); do
        n=$(git -C work rev-list --count HEAD 2>/dev/null || echo 0)
        echo "revision $n" >"work/file$((n % 3)).txt" &&
        git -C work add -A &&
        git -C work commit -q -m "Change $n" || return 1
    done
}

verify_tag() { # verify_tag REPO TAG ALLOWED_SIGNERS
    git -C "$1" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$TRASH/$3" verify-tag "$2"
}

test_expect_success 'a work repository with history, a key and an empty node repo' '
    git init -q -b main work &&
    mkdir work/bin work/docs &&
    printf "#!/bin/sh\necho on\n" >work/bin/lamp.sh && chmod +x work/bin/lamp.sh &&
    echo "# Smart lighting" >work/docs/README.md &&
    ln -s docs/README.md work/README &&
    commit_some 3 &&
    "$tool" keygen key >key.pub &&
    grep -q "^ssh-ed25519 AAAA" key.pub &&
    test "$(stat -c %a key)" = 600
'

test_expect_success 'importing HEAD and tagging v1.0.0 with a signed tag' '
    "$tool" import node.git work >v1.commit &&
    test "$(cat v1.commit)" = "$(git -C work rev-parse HEAD)" &&
    "$tool" tag node.git v1.0.0 "$(cat v1.commit)" key >v1.tag &&
    test "$(git -C node.git cat-file -t v1.0.0)" = tag &&
    test "$(git -C node.git rev-parse "v1.0.0^{commit}")" = "$(cat v1.commit)" &&
    test_expect_code 1 "$tool" tag node.git v1.0.0 "$(cat v1.commit)" key
'

test_expect_success 'importing more history and tagging v2.0.0' '
    commit_some 4 &&
    "$tool" import node.git work >v2.commit &&
    test "$(cat v2.commit)" = "$(git -C work rev-parse HEAD)" &&
    "$tool" tag node.git v2.0.0 "$(cat v2.commit)" key >v2.tag &&
    git -C node.git fsck --strict --no-dangling
'

test_expect_success 'stock git verify-tag accepts the tags with the allowed signers line' '
    printf "citynode@example.org namespaces=\"git\" %s\n" "$(cat key.pub)" >allowed &&
    verify_tag node.git v1.0.0 allowed &&
    verify_tag node.git v2.0.0 allowed 2>err &&
    grep -q "Good \"git\" signature" err
'

test_expect_success 'the principal in allowed signers is matched by key, any name works' '
    printf "* namespaces=\"git\" %s\n" "$(cat key.pub)" >allowed-any &&
    verify_tag node.git v2.0.0 allowed-any &&
    printf "someone-else@example.net namespaces=\"git\" %s\n" "$(cat key.pub)" >allowed-other-name &&
    verify_tag node.git v2.0.0 allowed-other-name
'

test_expect_success 'stock git verify-tag refuses the tags for a different key' '
    "$tool" keygen other-key >other.pub &&
    printf "citynode@example.org namespaces=\"git\" %s\n" "$(cat other.pub)" >allowed-wrong &&
    test_must_fail verify_tag node.git v2.0.0 allowed-wrong
'

test_expect_success 'stock git verify-tag refuses a key allowed only for another namespace' '
    printf "citynode@example.org namespaces=\"file\" %s\n" "$(cat key.pub)" >allowed-file-ns &&
    test_must_fail verify_tag node.git v2.0.0 allowed-file-ns
'

test_expect_success 'writing full(v1), full(v2) and delta(v1..v2) bundles' '
    "$tool" write node.git full1.bundle refs/tags/v1.0.0 &&
    "$tool" write node.git full2.bundle refs/tags/v2.0.0 &&
    "$tool" write node.git delta.bundle refs/tags/v2.0.0 "$(cat v1.commit)" &&
    head -c 16 full2.bundle | grep -q "^# v2 git bundle" &&
    test "$(sed -n 2p delta.bundle)" = "-$(cat v1.commit) Change 2"
'

test_expect_success 'git bundle verify accepts the full bundles' '
    git init -q --bare empty.git &&
    git -C empty.git bundle verify ../full1.bundle &&
    git -C empty.git bundle verify ../full2.bundle >verify.out 2>&1 &&
    grep -q "is okay" verify.out
'

test_expect_success 'git bundle verify refuses the delta bundle without its prerequisite' '
    test_must_fail git -C empty.git bundle verify ../delta.bundle 2>err &&
    grep -q "$(cat v1.commit)" err
'

test_expect_success 'git clone of the full bundle gives v2 with its tag, fsck --strict clean' '
    git clone -q full2.bundle clone2 &&
    test "$(git -C clone2 rev-parse HEAD)" = "$(cat v2.commit)" &&
    test "$(git -C clone2 rev-parse v2.0.0)" = "$(cat v2.tag)" &&
    git -C clone2 fsck --strict --no-dangling &&
    test -x clone2/bin/lamp.sh &&
    test "$(readlink clone2/README)" = docs/README.md &&
    verify_tag clone2 v2.0.0 allowed
'

test_expect_success 'git fetch of the delta bundle into a clone of v1 yields v2' '
    git clone -q full1.bundle clone1 &&
    test "$(git -C clone1 rev-parse HEAD)" = "$(cat v1.commit)" &&
    git -C clone1 bundle verify ../delta.bundle &&
    git -C clone1 fetch -q ../delta.bundle "refs/tags/*:refs/tags/*" &&
    git -C clone1 fetch -q ../delta.bundle HEAD &&
    test "$(git -C clone1 rev-parse FETCH_HEAD)" = "$(cat v2.commit)" &&
    test "$(git -C clone1 rev-parse "v2.0.0^{commit}")" = "$(cat v2.commit)" &&
    git -C clone1 fsck --strict --no-dangling &&
    verify_tag clone1 v2.0.0 allowed
'

test_expect_success 'reading our bundles back: full, then delta, refs untouched' '
    "$tool" read mirror.git full1.bundle >refs1 &&
    grep -q "^$(cat v1.commit) HEAD$" refs1 &&
    grep -q "^$(cat v1.tag) refs/tags/v1.0.0$" refs1 &&
    "$tool" read mirror.git delta.bundle >refs2 &&
    grep -q "^$(cat v2.tag) refs/tags/v2.0.0$" refs2 &&
    test -z "$(git -C mirror.git for-each-ref)" &&
    test "$(git -C mirror.git cat-file -t "$(cat v2.commit)")" = commit &&
    git -C mirror.git update-ref refs/tags/v2.0.0 "$(cat v2.tag)" &&
    "$tool" verify mirror.git refs/tags/v2.0.0 >signer &&
    grep -q " $(cat v2.commit)$" signer &&
    git -C mirror.git fsck --strict --no-dangling
'

test_expect_success 'reading a delta bundle into a repository lacking its prerequisite fails' '
    test_expect_code 1 "$tool" read fresh.git delta.bundle 2>err &&
    grep -q "$(cat v1.commit)" err &&
    test -z "$(ls fresh.git/objects/pack)"
'

test_expect_success 'reading bundles stock git wrote: full, then thin delta' '
    git -C work tag -a -m "stock tag" stock-v1 "$(cat v1.commit)" &&
    git -C work bundle create -q ../stock-full.bundle stock-v1 &&
    "$tool" read stock.git stock-full.bundle >refs &&
    grep -q "^$(git -C work rev-parse stock-v1) refs/tags/stock-v1$" refs &&
    git -C work bundle create -q ../stock-delta.bundle "$(cat v1.commit)..main" &&
    "$tool" read stock.git stock-delta.bundle >refs &&
    grep -q "^$(cat v2.commit) refs/heads/main$" refs &&
    git -C stock.git update-ref refs/heads/main "$(cat v2.commit)" &&
    git -C stock.git fsck --strict --no-dangling &&
    test_expect_code 1 "$tool" read fresh2.git stock-delta.bundle
'

test_expect_success 'a bundle with a damaged pack is refused by us and by git' '
    cp full2.bundle damaged.bundle &&
    size=$(stat -c %s damaged.bundle) &&
    printf "\377\377\377\377" | dd of=damaged.bundle bs=1 seek=$((size - 200)) conv=notrunc 2>/dev/null &&
    test_expect_code 1 "$tool" read damaged.git damaged.bundle &&
    test -z "$(ls damaged.git/objects/pack)" &&
    test_must_fail git clone -q damaged.bundle damaged-clone
'

test_done
