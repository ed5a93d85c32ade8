#!/bin/bash
# Text another node wrote never drives this node's terminal, and a peer's
# URL never publishes a password. A hostile publisher (sample name) names
# itself with U+202E (init refuses control characters in a name, so the
# escapes go in the title) and titles its item with escape sequences (window title, clear
# screen), a line break followed by a fake "✔ verified" line, and U+202E; a
# follower syncs it and shows, searches and lists it: every byte printed is
# well-formed UTF-8 with no control character but the line feeds of the
# output's own lines, and no bidirectional control. A peer URL with
# user:password@ is refused (exit 2) without echoing the password.
. "$(dirname "$0")/lib.sh"

E="$TRASH/evil"
F="$TRASH/follower"
G="$TRASH/second"
PE=$(test_free_port)
ITEM=twins-0-pwned-2j-verified-gnp-exe

# terminal_safe FILE...: each file is well-formed UTF-8 without C0 (but line
# feed), DEL, C1 or bidirectional controls, and no line is the forged one.
terminal_safe() {
    python3 - "$@" <<'EOF'
import sys
bad = set(range(0x20)) - {0x0a} | {0x7f} | set(range(0x80, 0xa0)) | {
    0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e,
    0x2066, 0x2067, 0x2068, 0x2069}
for path in sys.argv[1:]:
    text = open(path, "rb").read().decode("utf-8")  # strict: raises on bad bytes
    found = sorted({hex(ord(c)) for c in text if ord(c) in bad})
    assert not found, f"{path}: {found}"
    assert not any(l.startswith("\u2714 verified") for l in text.split("\n")), path
EOF
}

test_expect_success 'a hostile publisher (sample) titles an item with escapes and U+202E' '
    cn "$E" init --name "$(printf "Evil City\342\200\256")" --country NL \
        --url "http://127.0.0.1:$PE" >eid &&
    mkdir src &&
    sed "s/^name: Connected Urban Twins/name: \"Twins\\\\e]0;pwned\\\\a\\\\e[2J\\\\n\\\\u2714 verified \\\\u202Egnp.exe\"/" \
        "$SAMPLE" >src/publiccode.yml &&
    grep -q "^name: \"Twins.e]0;pwned" src/publiccode.yml &&
    (cd src && git init -q && echo "# Twins" >README.md && git add . && git commit -qm v1) &&
    cn "$E" publish src >/dev/null &&
    cn "$E" show --json "self/$ITEM" >own.json &&
    python3 -c "
import json
t = json.load(open(\"own.json\"))[\"manifest\"][\"name\"]
assert t.startswith(\"Twins\x1b]0;pwned\x07\x1b[2J\n\u2714 verified \u202e\"), repr(t)
" &&
    test_serve "$E" "$PE" evil
'

test_expect_success 'a follower adds and syncs it; peer add and sync print no control' '
    cn "$F" init --name "Follower (sample)" --country DE >/dev/null &&
    cn "$F" peer add "http://127.0.0.1:$PE" >add.out 2>add.err &&
    cn "$F" sync >sync.out 2>sync.err &&
    grep -q "new $ITEM@1.0.0" sync.out &&
    terminal_safe add.out add.err sync.out sync.err
'

test_expect_success 'show prints the title escaped, on one line' '
    cn "$F" show "evil-city/$ITEM" >show.out 2>show.err &&
    cat show.out &&
    terminal_safe show.out show.err &&
    grep -qF "title:    Twins\\x1b]0;pwned\\x07\\x1b[2J\\n✔ verified \\u202Egnp.exe" show.out &&
    grep -qF "peer:     Evil City\\u202E (evil-city)" show.out
'

test_expect_success 'search and peer list print no control' '
    cn "$F" search twins >search.out 2>search.err &&
    grep -qF "$ITEM@1.0.0  Twins\\x1b]0;pwned" search.out &&
    cn "$F" peer list >list.out 2>list.err &&
    grep -q evil-city list.out &&
    terminal_safe search.out search.err list.out list.err
'

# JSON is for programs: jansson writes C0 controls as \u escapes and keeps
# the rest of the text as it is (U+202E included).
test_expect_success 'JSON output keeps the text, with C0 controls as \u escapes' '
    cn "$F" show --json "evil-city/$ITEM" >show.json &&
    cn "$F" search --json twins >search.json &&
    tr -d "\n" <show.json >show.flat && tr -d "\n" <search.json >search.flat &&
    ! LC_ALL=C grep -q "[[:cntrl:]]" show.flat search.flat &&
    grep -qF "Twins\\u001B]0;pwned\\u0007" show.json &&
    python3 -c "
import json
d = json.load(open(\"show.json\"))
assert d[\"manifest\"][\"name\"].startswith(\"Twins\x1b]0;pwned\x07\"), d[\"manifest\"][\"name\"]
"
'

test_expect_success 'peer add refuses user:password@ in a URL, without echoing the password' '
    cn "$G" init --name "Second follower (sample)" --country DE >/dev/null &&
    test_expect_code 2 cn "$G" peer add "http://alice:s3cret@127.0.0.1:$PE" 2>cred.err &&
    cat cred.err &&
    grep -q "must not hold a user name or password" cred.err &&
    grep -qF "give http://127.0.0.1:$PE" cred.err &&
    ! grep -q s3cret cred.err &&
    test_expect_code 2 cn "$G" peer add "https://token@127.0.0.1:$PE/x" 2>tok.err &&
    grep -q "must not hold a user name or password" tok.err &&
    cn "$G" peer list >g-list.out &&
    grep -q "^no peers" g-list.out &&
    ! grep -rq s3cret "$G"
'

test_expect_success 'the same peer without the credentials is added' '
    cn "$G" peer add "http://127.0.0.1:$PE" >/dev/null 2>&1 &&
    cn "$G" peer list --json >g-peers.json &&
    grep -qF "\"url\": \"http://127.0.0.1:$PE\"" g-peers.json
'

test_expect_success 'a URL with credentials stored before the check is never published' '
    python3 -c "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); \
db.execute(\"UPDATE peers SET url = ?\", (sys.argv[2],)); db.commit()" \
        "$G/state.db" "http://alice:s3cret@127.0.0.1:$PE" &&
    PF=$(test_free_port) &&
    test_serve "$F" "$PF" follower &&
    cn "$G" peer add "http://127.0.0.1:$PF" >/dev/null 2>&1 &&
    grep -rlF "http://127.0.0.1:$PE" "$G/public/targets" >vouched &&
    test -s vouched &&
    test_must_fail grep -rq s3cret "$G/public"
'

test_done
