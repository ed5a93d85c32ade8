#!/bin/bash
# Ids people can read (issue 15, point 3): an id derived from a name
# transliterates its letters ("Mängelmelder" is maengelmelder, not
# m-ngelmelder); an explicit id stays as written; an item a node published
# under the rule before keeps its id when a new version is published from a
# manifest without `id:`; a peer's alias is derived the same way (core/name.h,
# docs/SCHEMAS.md "Ids derived from names").
. "$(dirname "$0")/lib.sh"

N="$TRASH/node"
N2="$TRASH/fresh"
M="$TRASH/muenchen"
PM=$(test_free_port)

# manifest DIR [ID]: the sample named "Mängelmelder", with id: ID if given.
manifest() {
    mkdir -p "$1" &&
        sed "s/^name: .*/name: \"Mängelmelder (München)\"/" "$SAMPLE" >"$1/publiccode.yml" &&
        if test -n "${2:-}"; then echo "id: $2" >>"$1/publiccode.yml"; fi
}

test_expect_success 'a name with umlauts becomes an id people can read' '
    cn "$N2" init --name "Fresh (sample)" >fresh.id &&
    manifest new &&
    cn "$N2" publish new >out 2>err &&
    test "$(cat out)" = "$(cut -c1-12 fresh.id)/maengelmelder-muenchen@1.0.0" &&
    test_must_fail grep -q "^note:" err &&
    test -d "$N2/repos/$(cat fresh.id)/maengelmelder-muenchen.git"
'

test_expect_success 'validate shows the id; a name without Latin letters asks for an id' '
    "$CITYNODE" validate new >out &&
    test "$(cat out)" = "new: valid solution maengelmelder-muenchen@1.0.0" &&
    mkdir tokyo &&
    sed "s/^name: .*/name: \"東京都 (東京)\"/" "$SAMPLE" >tokyo/publiccode.yml &&
    test_expect_code 2 "$CITYNODE" validate tokyo 2>err &&
    cmp "$CN_SOURCE_DIR/tests/data/names/no-latin.err" err &&
    test_expect_code 2 cn "$N2" publish tokyo 2>err &&
    cmp "$CN_SOURCE_DIR/tests/data/names/no-latin.err" err
'

test_expect_success 'an explicit id stays as written' '
    cn "$N" init --name "Old (sample)" >node.id &&
    manifest old m-ngelmelder-m-nchen &&
    (cd old && git init -q && git add . && git commit -qm one) &&
    cn "$N" publish old >out 2>err &&
    test "$(cat out)" = "$(cut -c1-12 node.id)/m-ngelmelder-m-nchen@1.0.0"
'

test_expect_success 'an item published under the old rule keeps its id, with a note' '
    manifest old &&
    (cd old && git commit -qam "no id") &&
    cn "$N" publish old --version 1.1.0 >out 2>err &&
    test "$(cat out)" = "$(cut -c1-12 node.id)/m-ngelmelder-m-nchen@1.1.0" &&
    grep "^note:" err >note &&
    cmp "$CN_SOURCE_DIR/tests/data/names/keep-id.note" note &&
    test ! -e "$N/repos/$(cat node.id)/maengelmelder-muenchen.git" &&
    cn "$N" show "$(cat node.id)/m-ngelmelder-m-nchen" >show &&
    grep -q "1.1.0" show
'

test_expect_success 'an explicit new id starts the new item; the old id is not taken then' '
    manifest old maengelmelder-muenchen &&
    (cd old && git commit -qam "new id") &&
    cn "$N" publish old --version 2.0.0 >out 2>err &&
    test "$(cat out)" = "$(cut -c1-12 node.id)/maengelmelder-muenchen@2.0.0" &&
    manifest old &&
    (cd old && git commit -qam "no id again") &&
    cn "$N" publish old --version 2.1.0 >out 2>err &&
    test "$(cat out)" = "$(cut -c1-12 node.id)/maengelmelder-muenchen@2.1.0" &&
    test_must_fail grep -q "^note:" err
'

test_expect_success 'a peer named "München (Demo)" gets the alias muenchen-demo' '
    cn "$M" init --name "München (Demo)" --url "http://127.0.0.1:$PM" >mid &&
    test_serve "$M" "$PM" muenchen &&
    cn "$N2" peer add "http://127.0.0.1:$PM" >out 2>err &&
    test_stop_server muenchen &&
    grep -q "^added peer muenchen-demo (München (Demo)), policy mirror" err &&
    cn "$N2" peer list --json >peers.json &&
    grep -q "\"alias\": *\"muenchen-demo\"" peers.json
'

test_done
