#!/bin/bash
# The node's name signs every version as its git tagger (issue 10, point 7):
# init refuses a name git's identity line cannot hold ('<', '>', only
# blanks, control characters), naming the character, and creates nothing;
# a name with other punctuation publishes. Its public URL follows a peer URL's
# rules: no user name or password, which node.json would publish.
. "$(dirname "$0")/lib.sh"

test_expect_success 'init refuses a name with < or >, naming the character' '
    test_expect_code 2 "$CITYNODE" --home "$TRASH/a" init --name "Stadt <Test>" 2>err &&
    grep "'\''<'\'' is not allowed" err &&
    test_expect_code 2 "$CITYNODE" --home "$TRASH/b" init --name "Stadt Test>" 2>err &&
    grep "'\''>'\'' is not allowed" err &&
    test ! -e "$TRASH/a/config.yml" && test ! -e "$TRASH/a/public" && test ! -e "$TRASH/b/config.yml"
'

test_expect_success 'init refuses a blank name and one with a control character' '
    test_expect_code 2 "$CITYNODE" --home "$TRASH/c" init --name "   " 2>err &&
    grep -q "must not be blank" err &&
    test_expect_code 2 "$CITYNODE" --home "$TRASH/d" init --name "$(printf "Stadt\nTest")" 2>err &&
    grep -q "control character" err &&
    test ! -e "$TRASH/c/config.yml" && test ! -e "$TRASH/d/config.yml"
'

test_expect_success 'init refuses a URL with a user name or password, and does not echo it' '
    test_expect_code 2 "$CITYNODE" --home "$TRASH/e" init --name "Stadt Test" \
        --url "http://stadt:geheim@127.0.0.1:8470" 2>err &&
    grep -q "user name or password" err &&
    test_must_fail grep -q geheim err &&
    test ! -e "$TRASH/e/config.yml"
'

test_expect_success 'a name with other punctuation is the tagger of what it publishes' '
    H="$TRASH/ok" &&
    "$CITYNODE" --home "$H" init --name "Stadt Ulm & Neu-Ulm (\"Donau\", Test)" >id &&
    mkdir dir && cp "$CN_SOURCE_DIR/examples/strategies/bamberg/citynode.yml" dir/ &&
    "$CITYNODE" --home "$H" publish dir >out &&
    item=$(sed "s|^[^/]*/||; s|@.*||" out) &&
    git -C "$H/repos/$(cat id)/$item.git" cat-file tag v1.0.0 >tag &&
    grep -q "^tagger Stadt Ulm & Neu-Ulm (\"Donau\", Test) <" tag
'

test_done
