#!/bin/bash
# The README's "First steps" (issue 15, point 7) run as written: the block
# between <!-- first-steps:begin --> and <!-- first-steps:end --> is taken
# from README.md and run line by line, with three substitutions only — the
# build line (make) is left out and PATH names this build's citynode; HOME is
# this story's directory and the two ports are free ones; the editor is a
# script that fills the template's required keys as a person would
# (tests/data/cli/fill-solution.sed, the name written "Mängelmelder"). serve,
# started in the background by the block, is waited for before the next line
# and stopped at the end.
. "$(dirname "$0")/lib.sh"

P1=$(test_free_port)
P2=$(test_free_port)

# The README's block with the substitutions, as a script in $TRASH/steps.sh.
extract_steps() {
    sed -n '/^<!-- first-steps:begin -->$/,/^<!-- first-steps:end -->$/p' \
        "$CN_SOURCE_DIR/README.md" >block &&
        test "$(grep -c '^```' block)" = 2 &&
        printf '%s\n' 'wait_http() { for i in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.1; done; return 1; }' >"$TRASH/steps.sh" &&
        grep -v '^<!--\|^```\|^make ' block |
        sed -e "s|^export PATH=\$PWD/build:\$PATH|export PATH=$(dirname "$CITYNODE"):\$PATH|" \
            -e "s/8480/$P1/g" -e "s/8481/$P2/g" \
            -e "s|^\(citynode serve .*\) &\$|\1 \& echo \$! >\"$TRASH/serve.pid\"; wait_http $P1|" \
            >>"$TRASH/steps.sh"
}

test_expect_success 'the README has the first-steps block, with the commands a newcomer needs' '
    extract_steps &&
    grep -q "^citynode init " steps.sh && grep -q "^citynode new solution " steps.sh &&
    grep -q "^citynode publish " steps.sh && grep -q "^citynode serve " steps.sh &&
    grep -q "^citynode peer add " steps.sh && grep -q "^citynode replicate " steps.sh
'

# The editor a person would be: fills the required keys, names it Mängelmelder.
make_editor() {
    printf "%s\n" "#!/bin/sh" \
        "sed -i -f \"$CN_SOURCE_DIR/tests/data/cli/fill-solution.sed\" \"\$1\" &&" \
        "sed -i \"s/^name: Maengelmelder\$/name: Mängelmelder/\" \"\$1\"" >"$TRASH/editor" &&
        chmod +x "$TRASH/editor"
}

# Run steps.sh in $TRASH/home with bash -e (stdout in out, stderr in err),
# then stop the serve it started; on failure print what it said.
run_steps() {
    mkdir -p "$TRASH/home" &&
        HOME="$TRASH/home" EDITOR="$TRASH/editor" bash -e -c 'cd "$HOME" && . "$1"' steps \
            "$TRASH/steps.sh" >"$TRASH/out" 2>"$TRASH/err"
    status=$? # chainlint: ok (the status of the steps, kept while serve is stopped)
    if test -s "$TRASH/serve.pid"; then kill "$(cat "$TRASH/serve.pid")" 2>/dev/null; fi # chainlint: ok (serve may be gone)
    if test $status != 0; then cat "$TRASH/out" "$TRASH/err" >&2; fi # chainlint: ok (only prints)
    return $status
}

test_expect_success 'the first steps run as written: published, served, followed, replicated' '
    make_editor &&
    run_steps
'

test_expect_success 'Leipzig published maengelmelder and Hamburg holds a signed replica of it' '
    grep -q "/maengelmelder@1.0.0" out &&
    grep -q "Mängelmelder" out &&
    git -C home/maengelmelder-hamburg log --oneline >log &&
    test "$(wc -l <log)" -ge 1 &&
    test -f home/maengelmelder-hamburg/publiccode.yml &&
    grep -q "^name: Mängelmelder" home/maengelmelder-hamburg/publiccode.yml &&
    grep -q "^attestation attestations/replicates-.*-maengelmelder-1.0.0.json$" out &&
    ls home/citynode-hamburg/public/targets/attestations/*.replicates-*-maengelmelder-1.0.0.json
'

test_done
