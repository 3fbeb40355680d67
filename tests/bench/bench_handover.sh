#!/usr/bin/env bash
# Benchmark, not a test: prints numbers (its exit status says only
# whether every connection came back).
#
#   tests/bench/bench_handover.sh [CONNS [TABLES]]   (defaults 1000000 1)
#
# Builds tests/bench/bench_handover in QT_BUILD (default _build) and runs
# it: CONNS established TCP connections handed over as qtablesd hands
# them to the next daemon (snapshot encoded, sealed memory file, checked
# and loaded into fresh tables), each step timed. Target: under 1 s for
# a million. No root, no kernel, no namespaces.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${QT_BUILD:-$top/_build}
[ -f "$B/Makefile" ] || { echo "bench: no configured build in $B (set QT_BUILD)" >&2; exit 1; }
log=$(make -C "$B" -s tests/bench/bench_handover 2>&1) ||
	{ echo "$log" >&2; echo "bench: building tests/bench/bench_handover failed" >&2; exit 1; }
"$B/tests/bench/bench_handover" "${1:-1000000}" "${2:-1}"
