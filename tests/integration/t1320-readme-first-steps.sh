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
        grep -v '^<!--\|^```\|^make ' block |
        sed -e "s|^export PATH=\$PWD/build:\$PATH|export PATH=$(dirname "$CITYNODE"):\$PATH|" \
            -e "s/8480/$P1/g" -e "s/8481/$P2/g" \
            -e "s|^\(citynode serve .*\) &\$|\1 \& echo \$! >\"$TRASH/serve.pid\"; wait_http $P1|" \
            >"$TRASH/steps.sh"
}

test_expect_success 'the README has the first-steps block, with the commands a newcomer needs' '
    extract_steps &&
    grep -q "^citynode init " steps.sh && grep -q "^citynode new solution " steps.sh &&
    grep -q "^citynode publish " steps.sh && grep -q "^citynode serve " steps.sh &&
    grep -q "^citynode peer add " steps.sh && grep -q "^citynode replicate " steps.sh
'

test_expect_success 'the first steps run as written: published, served, followed, replicated' '
    mkdir home &&
    printf "%s\n" "#!/bin/sh" \
        "sed -i -f \"$CN_SOURCE_DIR/tests/data/cli/fill-solution.sed\" \"\$1\" &&" \
        "sed -i \"s/^name: Maengelmelder\$/name: Mängelmelder/\" \"\$1\"" >editor &&
    chmod +x editor &&
    (
        cd home &&
        export HOME="$TRASH/home" EDITOR="$TRASH/editor" &&
        wait_http() { test_wait_http "$@"; } &&
        set -e &&
        . "$TRASH/steps.sh"
    ) >out 2>err
    status=$?
    if test -s serve.pid; then kill "$(cat serve.pid)" 2>/dev/null; fi
    test $status = 0 || { cat out err; false; }
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
