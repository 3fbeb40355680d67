#!/usr/bin/env bash
# Benchmark, not a test: prints numbers, asserts nothing.
#
#   tests/bench/bench_nft_sets.sh [ROUNDS [MS_PER_SAMPLE]]   (defaults 9 30)
#
# Builds tests/bench/bench_nft_sets in QT_BUILD (default _build) and runs it:
# one nft rule judged in process on one core: `ip saddr @s drop` with a
# set of 10 and of 100,000 ipv4_addr elements, and kube-proxy's `ip
# daddr . meta l4proto . th dport vmap @m` over 10,000 elements;
# packets whose key is in the set and not; the bare lookup
# (engine/nft_lookup.c) timed beside it. Medians of interleaved rounds,
# then the ratios against the 10-element set. No root, no kernel.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${QT_BUILD:-$top/_build}
[ -f "$B/Makefile" ] || { echo "bench: no configured build in $B (set QT_BUILD)" >&2; exit 1; }
log=$(make -C "$B" -s tests/bench/bench_nft_sets 2>&1) ||
	{ echo "$log" >&2; echo "bench: building tests/bench/bench_nft_sets failed" >&2; exit 1; }
exec "$B/tests/bench/bench_nft_sets" "$@"
