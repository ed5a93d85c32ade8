#!/bin/bash
# Flipping one byte of any published file makes `verify --all` exit 3 and
# name the file.
. "$(dirname "$0")/lib.sh"

H="$TRASH/home"

test_expect_success 'a node with two published versions verifies' '
    "$CITYNODE" --home "$H" init --name "City of Manchester" --country GB >/dev/null &&
    mkdir src && cd src && git init -q && cp "$SAMPLE" publiccode.yml && git add . &&
    git commit -qm one && "$CITYNODE" --home "$H" publish . >/dev/null &&
    echo more >README && git add README && git commit -qm two &&
    "$CITYNODE" --home "$H" publish . --version 1.0.1 >/dev/null &&
    cd .. && "$CITYNODE" --home "$H" verify --all
'

flip() {
    python3 - "$1" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x01
open(p, "wb").write(b)
PY
}

# One story per published file: copy the node, flip a byte, expect exit 3
# with the file's name in the message.
for f in $(cd "$H/public" 2>/dev/null && find . -type f | sed 's|^\./||' | sort); do
    test_expect_success "flipping a byte of $f fails verification naming it" '
        rm -rf copy && cp -a "$H" copy && flip "copy/public/$f" &&
        test_expect_code 3 "$CITYNODE" --home copy verify --all 2>err &&
        grep -qF "$(basename "$f")" err
    '
done

test_expect_success 'a tag moved to another commit fails verification' '
    rm -rf copy && cp -a "$H" copy &&
    id=$(sha256sum "$H/public/tuf/1.root.json" | cut -c1-64) &&
    repo="copy/repos/$id/connected-urban-twins.git" &&
    git -C "$repo" tag -f -a -m forged v1.0.1 "v1.0.0^{commit}" >/dev/null &&
    test_expect_code 3 "$CITYNODE" --home copy verify --all 2>err &&
    grep -q "v1.0.1" err
'

test_done
