#!/bin/bash
# The command line a city learns alone (issue 15): every command and
# subcommand the binary knows (help --commands, its own table) answers
# --help, -h and `help COMMAND` with its usage on stdout, exit 0, writing
# nothing anywhere; `new` writes templates in German and English that
# validate once filled; a usage error is one line on stderr with the exact wording
# of tests/data/cli/usage-errors.txt; `config` shows and sets config.yml's
# keys with validation; citynode(1) renders without a groff warning; the
# install puts the binary, the man page and the bash completion where Debian
# packages put them.
. "$(dirname "$0")/lib.sh"

CASES="$CN_SOURCE_DIR/tests/data/cli/usage-errors.txt"

# In an empty directory with an empty HOME, --home naming a directory that
# does not exist: help must leave all three as they were.
quiet_citynode() {
    (cd "$TRASH/cwd" && HOME="$TRASH/emptyhome" CITYNODE_HOME= "$CITYNODE" --home "$TRASH/none" "$@")
}

nothing_written() {
    test -z "$(ls -A "$TRASH/cwd")" && test -z "$(ls -A "$TRASH/emptyhome")" &&
        test ! -e "$TRASH/none"
}

test_expect_success 'the binary lists its commands and subcommands' '
    mkdir cwd emptyhome &&
    "$CITYNODE" help --commands >commands &&
    grep -qx "publish" commands && grep -qx "peer add" commands &&
    grep -qx "tuf-client download" commands && grep -qx "config" commands &&
    test "$(wc -l <commands)" -ge 25
'

test_expect_success '--help, -h and help COMMAND: usage on stdout, exit 0, nothing written' '
    while read -r words; do
        quiet_citynode $words --help >out 2>err || exit 1
        grep -q "^usage: citynode $words\|^usage: citynode tuf-client .* ${words#tuf-client }" out ||
            exit 1
        grep -q "^Example:" out || exit 1
        test ! -s err || exit 1
        quiet_citynode $words -h >out.h 2>err || exit 1
        cmp out out.h || exit 1
        quiet_citynode help $words >out.help 2>err || exit 1
        cmp out out.help || exit 1
        test ! -s err || exit 1
        nothing_written || exit 1
    done <commands
'

test_expect_success 'export --help and verify --help run nothing' '
    quiet_citynode export --help >out &&
    grep -q "^usage: citynode export OUTDIR" out &&
    quiet_citynode verify --help >out &&
    grep -q "^usage: citynode verify" out &&
    nothing_written
'

test_expect_success 'the command list: citynode --help, citynode help, with descriptions' '
    quiet_citynode --help >list &&
    quiet_citynode help >list.help &&
    cmp list list.help &&
    grep -q "^  publish  *publish a new version of an item" list &&
    grep -q "^  config  *show or set the node" list &&
    test_expect_code 2 quiet_citynode 2>bare &&
    cmp list bare &&
    quiet_citynode --version >version &&
    grep -qx "citynode [0-9][0-9.]*" version &&
    nothing_written
'

test_expect_success 'an unknown option of any command: its usage status, one line, nothing written' '
    while read -r words; do
        status=2
        case $words in tuf-client*) status=1 ;; esac
        test_expect_code $status quiet_citynode $words --no-such-option >out 2>err || exit 1
        test ! -s out || exit 1
        test "$(wc -l <err)" -eq 1 || exit 1
        grep -q "^citynode: unknown option .--no-such-option. (see .citynode [a-z -]* --help.)$" err ||
            exit 1
        nothing_written || exit 1
    done <commands
'

test_expect_success 'usage errors read exactly as tests/data/cli/usage-errors.txt says' '
    grep -v "^#" "$CASES" >cases &&
    test "$(wc -l <cases)" -ge 20 &&
    while IFS="	" read -r args status expected; do
        test_expect_code "$status" quiet_citynode $args >out 2>err || exit 1
        printf "%s\n" "$expected" >want || exit 1
        cmp want err || exit 1
        test ! -s out || exit 1
    done <cases &&
    nothing_written
'

test_expect_success 'new: a template in each language; validate lists what to fill, by key' '
    for kind in solution dataset strategy; do
        for lang in de en; do
            d="new/$kind-$lang"
            "$CITYNODE" new $kind "$d" --lang $lang >path 2>/dev/null || exit 1
            manifest=$(cat path)
            test -f "$manifest" || exit 1
            grep -q "$(test $lang = de && echo PFLICHT || echo REQUIRED)" "$manifest" || exit 1
            test_expect_code 2 "$CITYNODE" validate "$d" 2>err || exit 1
            sed -n "s/^[^:]*:[0-9]*:[0-9]*: \([^:]*\):.*/\1/p" err | sort -u >keys || exit 1
            tr " " "\n" <"$CN_SOURCE_DIR/tests/data/cli/new-$kind.keys" | sed "s/LANG/$lang/" |
                sort -u >want || exit 1
            cmp want keys || exit 1
            sed -i -f "$CN_SOURCE_DIR/tests/data/cli/fill-$kind.sed" "$manifest" || exit 1
            touch "$d/data.csv" || exit 1
            "$CITYNODE" validate "$d" >out || exit 1
            grep -q "valid $kind" out || exit 1
        done
    done
'

test_expect_success 'new never overwrites a manifest' '
    cp new/strategy-de/citynode.yml before &&
    test_expect_code 1 "$CITYNODE" new strategy new/strategy-de 2>err &&
    grep -q "citynode.yml already exists: citynode new does not overwrite a manifest" err &&
    test_expect_code 1 "$CITYNODE" new dataset new/solution-en 2>err &&
    grep -q "publiccode.yml already exists" err &&
    cmp before new/strategy-de/citynode.yml
'

test_expect_success 'new takes its language from the locale without --lang' '
    LC_ALL= LC_MESSAGES= LANG=de_DE.UTF-8 "$CITYNODE" new strategy new/loc-de >/dev/null 2>&1 &&
    grep -q PFLICHT new/loc-de/citynode.yml &&
    LC_ALL=C "$CITYNODE" new strategy new/loc-en >/dev/null 2>&1 &&
    grep -q REQUIRED new/loc-en/citynode.yml
'

H="$TRASH/node"

test_expect_success 'config shows every key of docs/CONFIG.md, defaults marked' '
    "$CITYNODE" --home "$H" init --name "Stadt Test" >/dev/null &&
    printf "# a comment the city wrote\n" >>"$H/config.yml" &&
    cn "$H" config >all &&
    sed -n "s/^| \`\([a-z_]*\)\` |.*/\1/p" "$CN_SOURCE_DIR/docs/CONFIG.md" >keys &&
    test "$(wc -l <keys)" -ge 16 &&
    while read -r key; do
        grep -q "^$key " all || exit 1
    done <keys &&
    grep -q "^name  *Stadt Test$" all &&
    grep -q "^sync_connect_timeout  *10  (default)$" all &&
    grep -q "^imprint  *(not set)$" all &&
    test "$(cn "$H" config name)" = "Stadt Test"
'

test_expect_success 'config KEY VALUE sets it, keeping comments and the other keys' '
    cn "$H" config url https://citynode.leipzig.de &&
    test "$(cn "$H" config url)" = "https://citynode.leipzig.de" &&
    grep -qx "url: \"https://citynode.leipzig.de\"" "$H/config.yml" &&
    grep -qx "# a comment the city wrote" "$H/config.yml" &&
    grep -qx "name: \"Stadt Test\"" "$H/config.yml" &&
    cn "$H" config sync_interval 600 &&
    grep -qx "sync_interval: 600" "$H/config.yml" &&
    cn "$H" config imprint https://www.leipzig.de/impressum &&
    cn "$H" config >all &&
    grep -q "^imprint  *https://www.leipzig.de/impressum$" all &&
    cn "$H" config --unset imprint &&
    test_must_fail grep -q "^imprint" "$H/config.yml" &&
    cn "$H" verify >/dev/null
'

test_expect_success 'config refuses an invalid value, naming it, and writes nothing' '
    cp "$H/config.yml" before &&
    test_expect_code 2 cn "$H" config sync_interval soon 2>err &&
    grep -q "sync_interval: must be seconds" err &&
    test_expect_code 2 cn "$H" config url ftp://example.org 2>err &&
    grep -q "^citynode: url: .ftp://example.org.: only http:// and https:// URLs" err &&
    test_expect_code 2 cn "$H" config listen localhost 2>err &&
    grep -q "listen: .localhost. is not HOST:PORT" err &&
    test_expect_code 2 cn "$H" config imprint "not a url" 2>err &&
    grep -q "imprint: expected the http:// or https:// URL" err &&
    test_expect_code 2 cn "$H" config --unset name 2>err &&
    grep -q "name: required setting is missing" err &&
    test_expect_code 2 cn "$H" config sync_interval "$(printf "600\nname: Other")" 2>err &&
    grep -q "sync_interval: must be seconds" err &&
    cmp before "$H/config.yml"
'

test_expect_success 'an abbreviated option is that option, never an operand' '
    mkdir abbrev &&
    (cd abbrev && cn "$H" export --qui out >/dev/null) &&
    test -d abbrev/out && test ! -e abbrev/--qui &&
    cn "$H" verify --al >/dev/null &&
    cn "$H" export -- abbrev/out2 >/dev/null &&
    test -d abbrev/out2
'

test_expect_success 'citynode(1) renders without a groff warning and has every command' '
    man="$CN_BUILD_DIR/citynode.1" &&
    groff -man -ww -z "$man" 2>warnings &&
    test ! -s warnings &&
    while read -r words; do
        grep -qxF ".SS \"$(printf "%s" "$words" | sed "s/-/\\\\-/g")\"" "$man" || exit 1
    done <commands
'

test_expect_success 'the bash completion completes commands, subcommands and options' '
    comp="$CN_BUILD_DIR/citynode.bash-completion" &&
    bash -c ". \"$comp\" &&
        COMP_WORDS=(citynode pe) COMP_CWORD=1 && _citynode && echo \"\${COMPREPLY[*]}\" &&
        COMP_WORDS=(citynode peer a) COMP_CWORD=2 && _citynode && echo \"\${COMPREPLY[*]}\" &&
        COMP_WORDS=(citynode --home x peer add --p) COMP_CWORD=5 && _citynode &&
        echo \"\${COMPREPLY[*]}\" &&
        COMP_WORDS=(citynode help conf) COMP_CWORD=2 && _citynode && echo \"\${COMPREPLY[*]}\"" \
        >completed &&
    printf "peer\nadd\n--policy\nconfig\n" >want &&
    cmp want completed
'

test_expect_success 'the install puts binary, man page and completion where Debian puts them' '
    DESTDIR="$TRASH/stage" cmake --install "$CN_BUILD_DIR" --prefix /usr >/dev/null &&
    test -x "$TRASH/stage/usr/bin/citynode" &&
    cmp "$CN_BUILD_DIR/citynode.1" "$TRASH/stage/usr/share/man/man1/citynode.1" &&
    cmp "$CN_BUILD_DIR/citynode.bash-completion" \
        "$TRASH/stage/usr/share/bash-completion/completions/citynode"
'

test_done
