#!/bin/bash
# run.sh - run every benchmark under bench/ (`make bench`).
#
# Each bench/*.sh measures one operation side by side with its baseline in
# the same run and prints its own figures (bench/lib.sh is their shared
# helper, not a benchmark). CITYNODE (default build/citynode) is passed
# through. Exits non-zero if a benchmark failed to run; a missed performance
# target is reported by the benchmark, not treated as a failure.

set -u

src=$(cd "$(dirname "$0")/.." && pwd)
export CITYNODE=${CITYNODE:-$src/build/citynode}
failed=0
for bench in "$src"/bench/*.sh; do
    case $(basename "$bench") in
    run.sh | lib.sh) continue ;;
    esac
    echo "== $(basename "$bench" .sh)"
    if ! bash "$bench"; then
        echo "$(basename "$bench"): FAILED" >&2
        failed=$((failed + 1))
    fi
done
[ "$failed" -eq 0 ]
