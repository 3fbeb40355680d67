#!/usr/bin/env bash
# Benchmark, not a test: prints numbers, asserts nothing.
#
#   tests/bench/bench_sets.sh [ROUNDS [MS_PER_SAMPLE]]   (defaults 9 30)
#
# Builds tests/bench/bench_sets in QT_BUILD (default _build) and runs it:
# one rule "-m set --match-set NAME src -j DROP" judged in process on
# one core with a set of 10 elements and of 100,000 (hash:ip, and
# hash:net with three prefix lengths), packets whose source is in the
# set and not; the bare lookup timed beside it. Medians of interleaved
# rounds, then the ratios 100,000/10 elements. No root, no kernel.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${QT_BUILD:-$top/_build}
[ -f "$B/Makefile" ] || { echo "bench: no configured build in $B (set QT_BUILD)" >&2; exit 1; }
log=$(make -C "$B" -s tests/bench/bench_sets 2>&1) ||
	{ echo "$log" >&2; echo "bench: building tests/bench/bench_sets failed" >&2; exit 1; }
exec "$B/tests/bench/bench_sets" "$@"
