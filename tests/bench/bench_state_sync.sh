#!/usr/bin/env bash
# Benchmark, not a test: prints numbers, asserts nothing.
#
#   tests/bench/bench_state_sync.sh [DIR [BYTES [ROUNDS]]]
#                           (defaults: a new directory in /tmp, 123000, 31)
#
# What qtablesd's durable save of its state file costs on this disk, on
# its own: write, fdatasync, rename, fsync of the directory, each timed
# (tests/bench/bench_state_sync.c), beside the same save without the two
# syncs. 123,000 bytes is the state file of bench_nft_elements.sh's
# 10,000 elements. DIR: where the state file lives (its disk is what is
# measured).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/qtbench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/bench_state_sync" "$top/tests/bench/bench_state_sync.c"
dir=${1:-$tmp}
"$tmp/bench_state_sync" "$dir" "${2:-123000}" "${3:-31}"
