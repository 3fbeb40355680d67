#!/usr/bin/env bash
# Benchmark, not a test: prints numbers, asserts nothing.
#
#   tests/bench/bench_conntrack.sh [CONNS [SECONDS]]   (defaults 1000000 2)
#
# Builds tests/bench/bench_conntrack in QT_BUILD (default _build) and
# runs it: CONNS established UDP and TCP connections in one shard of the
# connection table, packets of those connections judged in process on
# one core (one at a time, and in bursts with qt_ct_prefetch), bytes per
# connection from the process's resident size, and the expiry of all of
# them in calls of bounded budget (256 entries, as the engine's per-burst
# call, and 8192, as its idle call): the longest call and the total.
# Targets (issue 4): >= 5 Mpps, <= 256 bytes per connection, no expiry
# call longer than 1 ms. Then the cost of accounting (the counts
# connbytes and nft's ct bytes read, kept only while a rule reads them):
# UDP packets judged with and without it, as a ratio of CPU time per
# packet. No root, no kernel, no namespaces.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${QT_BUILD:-$top/_build}
[ -f "$B/Makefile" ] || { echo "bench: no configured build in $B (set QT_BUILD)" >&2; exit 1; }
log=$(make -C "$B" -s tests/bench/bench_conntrack 2>&1) ||
	{ echo "$log" >&2; echo "bench: building tests/bench/bench_conntrack failed" >&2; exit 1; }
n=${1:-1000000}
secs=${2:-2}
"$B/tests/bench/bench_conntrack" "$n" 256 "$secs"
echo
echo "expiry with the idle budget (8192):"
"$B/tests/bench/bench_conntrack" "$n" 8192 0.2 | grep expiry
