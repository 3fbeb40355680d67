#!/usr/bin/env bash
# Benchmark, not a test: prints numbers, asserts nothing.
#
#   tests/bench/bench_engine.sh [ROUNDS [MS_PER_SAMPLE]]   (defaults 9 30)
#
# Builds tests/bench/bench_engine in QT_BUILD (default _build) and runs
# it: the engine's walk (qt_prog_eval) in process on one core, rulesets
# of 10, 20 and 10,000 rules in one chain (blocklist, ports, mixed
# shapes; the blocklist and plain prefixes in IPv6 and IPv4), packets
# matching no rule and matching the last one; medians of interleaved
# rounds, then the cost ratios 10,000/10 rules and IPv6/IPv4. No root,
# no kernel, no namespaces.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${QT_BUILD:-$top/_build}
[ -f "$B/Makefile" ] || { echo "bench: no configured build in $B (set QT_BUILD)" >&2; exit 1; }
log=$(make -C "$B" -s tests/bench/bench_engine 2>&1) ||
	{ echo "$log" >&2; echo "bench: building tests/bench/bench_engine failed" >&2; exit 1; }
out=$("$B/tests/bench/bench_engine" "$@")
echo "$out"
echo
echo "summary (ratio = ns per packet with 10,000 rules / with 10 rules):"
echo "$out" | awk '/^ratio /{printf "  %-10s %-4s %s\n", $2, $3, $4}'
echo "IPv6/IPv4 (ns per packet, same shape and rule count):"
echo "$out" | awk '/^v6\/v4 /{printf "  %-10s %5s %-4s %s\n", $2, $3, $4, $5}'
