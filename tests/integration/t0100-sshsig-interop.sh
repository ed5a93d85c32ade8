#!/bin/bash
# t0100-sshsig-interop: our SSHSIG signatures and OpenSSH's are interchangeable.
#
# Stock ssh-keygen verifies what core/sshsig signs and core/sshsig verifies what
# ssh-keygen signs; tampering is caught by both, and git verify-tag accepts a
# tag we signed. Our side is driven through the cn_sshsig_tool test helper.
set -eu

. "$(dirname "$0")/lib.sh"

: "${CN_SSHSIG_TOOL:?CN_SSHSIG_TOOL must name the cn_sshsig_tool test helper}"
TOOL=$CN_SSHSIG_TOOL

test_expect_success 'setup: our key, an OpenSSH key and a message' '
    "$TOOL" keygen ours.key >ours.pub &&
    test "$(stat -c %a ours.key)" = 600 &&
    grep -q "^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]*=*\$" ours.pub &&
    ssh-keygen -q -t ed25519 -N "" -C theirs@example -f theirs &&
    printf "ours %s\n" "$(cat ours.pub)" >allowed_signers &&
    printf "theirs %s\n" "$(cut -d" " -f1,2 theirs.pub)" >>allowed_signers &&
    printf "object 0123456789abcdef\ntag v1.0.0\n\nthe bike-lane dataset\n" >msg &&
    printf "the bike-lane dataset, edited\n" >msg.tampered
'

test_expect_success 'ssh-keygen -Y verify accepts a signature we made' '
    "$TOOL" sign ours.key git <msg >msg.ours.sig &&
    head -n 1 msg.ours.sig | grep -qx -- "-----BEGIN SSH SIGNATURE-----" &&
    ssh-keygen -Y verify -f allowed_signers -I ours -n git -s msg.ours.sig <msg >out &&
    grep -q "Good \"git\" signature for ours" out
'

test_expect_success 'ssh-keygen -Y check-novalidate reads our signature too' '
    ssh-keygen -Y check-novalidate -n git -s msg.ours.sig <msg
'

test_expect_success 'we verify a signature made by ssh-keygen -Y sign and name its signer' '
    ssh-keygen -q -Y sign -f theirs -n git msg &&
    "$TOOL" verify git msg.sig <msg >signer &&
    test "$(cat signer)" = "$(cut -d" " -f1,2 theirs.pub)"
'

test_expect_success 'we verify an ssh-keygen signature made with hashalg=sha256' '
    cp msg msg256 &&
    ssh-keygen -q -Y sign -f theirs -n git -O hashalg=sha256 msg256 &&
    "$TOOL" verify git msg256.sig <msg >signer &&
    test "$(cat signer)" = "$(cut -d" " -f1,2 theirs.pub)"
'

test_expect_success 'a tampered message fails in ssh-keygen (our signature)' '
    test_expect_code 255 ssh-keygen -Y verify -f allowed_signers -I ours -n git \
        -s msg.ours.sig <msg.tampered
'

test_expect_success 'a tampered message fails in ours (ssh-keygen signature), exit 3' '
    test_expect_code 3 "$TOOL" verify git msg.sig <msg.tampered 2>err &&
    grep -q "does not verify" err
'

test_expect_success 'a tampered signature fails in both' '
    # flip one base64 character inside the 64 signature bytes (third data line)
    awk "NR == 4 { c = substr(\$0, 11, 1); r = (c == \"A\") ? \"B\" : \"A\";
                   \$0 = substr(\$0, 1, 10) r substr(\$0, 12) } { print }" \
        msg.ours.sig >bad.sig &&
    ! cmp -s msg.ours.sig bad.sig &&
    test_expect_code 255 ssh-keygen -Y verify -f allowed_signers -I ours -n git -s bad.sig <msg &&
    test_expect_code 3 "$TOOL" verify git bad.sig <msg
'

test_expect_success 'the namespace is checked by both' '
    test_expect_code 255 ssh-keygen -Y verify -f allowed_signers -I ours -n file \
        -s msg.ours.sig <msg &&
    test_expect_code 3 "$TOOL" verify file msg.ours.sig <msg 2>err &&
    grep -q "namespace" err
'

test_expect_success 'a signature by a non-ed25519 key is refused as invalid input, exit 2' '
    ssh-keygen -q -t ecdsa -N "" -f ecdsa &&
    cp msg msgec &&
    ssh-keygen -q -Y sign -f ecdsa -n git msgec &&
    test_expect_code 2 "$TOOL" verify git msgec.sig <msg 2>err &&
    grep -q "ssh-ed25519" err
'

test_expect_success 'garbage after the armor is refused, exit 2' '
    { cat msg.ours.sig && echo trailing; } >trailing.sig &&
    test_expect_code 2 "$TOOL" verify git trailing.sig <msg
'

test_expect_success 'a private key readable by others is refused with a hint' '
    cp ours.key open.key &&
    chmod 644 open.key &&
    test_expect_code 2 "$TOOL" sign open.key git <msg >/dev/null 2>err &&
    grep -q "chmod 600" err
'

test_expect_success 'git verify-tag accepts a tag we signed (gpg.format=ssh)' '
    git init -q repo &&
    git -C repo -c user.name=t -c user.email=t@example commit -q --allow-empty -m init &&
    commit=$(git -C repo rev-parse HEAD) &&
    printf "object %s\ntype commit\ntag v1.0.0\ntagger City <city@example> 1700000000 +0000\n\nrelease v1.0.0\n" \
        "$commit" >tag.payload &&
    "$TOOL" sign ours.key git <tag.payload >tag.sig &&
    cat tag.payload tag.sig >tag.obj &&
    tag=$(git -C repo mktag <tag.obj) &&
    git -C repo update-ref refs/tags/v1.0.0 "$tag" &&
    git -C repo -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$TRASH/allowed_signers" \
        verify-tag v1.0.0 2>err &&
    grep -q "Good \"git\" signature for ours" err
'

test_expect_success 'git verify-tag refuses that tag signed with the wrong namespace' '
    "$TOOL" sign ours.key file <tag.payload >tag.file.sig &&
    cat tag.payload tag.file.sig >tag2.obj &&
    tag=$(git -C repo mktag <tag2.obj) &&
    git -C repo update-ref refs/tags/v1.0.1 "$tag" &&
    ! git -C repo -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$TRASH/allowed_signers" \
        verify-tag v1.0.1 2>err
'

test_done
