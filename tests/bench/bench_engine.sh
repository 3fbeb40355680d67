#!/usr/bin/env bash
# Benchmark, not a test: prints numbers, asserts nothing.
#
#   tests/bench/bench_engine.sh [ROUNDS [MS_PER_SAMPLE [CASES]]]
#                                                       (defaults 9 30 all)
#   tests/bench/bench_engine.sh --instructions [CASES]
#
# Builds tests/bench/bench_engine in QT_BUILD (default _build) and runs
# it: the engine's walk (qt_prog_eval) in process on one core, rulesets
# of 10, 20 and 10,000 rules in one chain (blocklist, ports, mixed
# shapes; the blocklist and plain prefixes in IPv6 and IPv4), packets
# matching no rule and matching the last one; medians of interleaved
# rounds, then the cost ratios 10,000/10 rules and IPv6/IPv4. No root,
# no kernel, no namespaces. CASES: bench_engine's filter (e.g.
# prefix6/20/last,prefix4/20/last).
#
# --instructions counts instead of timing: each case alone under
# valgrind's callgrind, the instructions of qt_prog_eval (all it calls
# included) divided by its calls, and the IPv6/IPv4 ratio of those
# counts. Deterministic, so it holds on a machine other work keeps busy,
# where timings do not; it does not see what instructions wait for
# (cache misses, the counters' atomic adds), which the timed runs do.
# Default CASES: the IPv6 shapes and their IPv4 twins at 20 and 10,000
# rules, both kinds of packet.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${QT_BUILD:-$top/_build}
[ -f "$B/Makefile" ] || { echo "bench: no configured build in $B (set QT_BUILD)" >&2; exit 1; }
log=$(make -C "$B" -s tests/bench/bench_engine 2>&1) ||
	{ echo "$log" >&2; echo "bench: building tests/bench/bench_engine failed" >&2; exit 1; }

# instructions per packet of one case (SHAPE/RULES/KIND): callgrind's
# count inside qt_prog_eval over the calls the bench made
instructions() {
	local out log
	out=$(mktemp /tmp/qtbench-cg.XXXXXX)
	log=$(valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect=qt_prog_eval \
		"$B/tests/bench/bench_engine" 1 2 "$1" 2>&1) ||
		{ rm -f "$out"; echo "bench: callgrind failed on $1" >&2; return 1; }
	rm -f "$out"
	echo "$log" | awk '/ packets judged in all/ { n = $1 }
		/Collected :/ { ir = $NF }
		END { if (n) printf "%.1f\n", ir / n }'
}
if [ "${1:-}" = --instructions ]; then
	command -v valgrind >/dev/null || { echo "bench: no valgrind" >&2; exit 1; }
	cases=${2:-}
	if [ -z "$cases" ]; then
		for n in 20 10000; do
			for k in miss last; do
				cases+="${cases:+,}blocklist/$n/$k,blocklist6/$n/$k,prefix4/$n/$k,prefix6/$n/$k"
			done
		done
	fi
	declare -A IR
	echo "instructions per packet in qt_prog_eval (callgrind):"
	IFS=, read -ra list <<<"$cases"
	for c in "${list[@]}"; do
		IR[$c]=$(instructions "$c")
		printf '  %-22s %8s\n' "$c" "${IR[$c]}"
	done
	echo "IPv6/IPv4 (instructions per packet, same shape, size and kind):"
	for c in "${list[@]}"; do
		case $c in blocklist6/*) t=blocklist/${c#*/} ;; prefix6/*) t=prefix4/${c#*/} ;; *) continue ;; esac
		[ -n "${IR[$t]:-}" ] || continue
		printf '  %-22s %s\n' "$c" "$(awk -v a="${IR[$c]}" -v b="${IR[$t]}" 'BEGIN { printf "%.2fx", a / b }')"
	done
	exit 0
fi
out=$("$B/tests/bench/bench_engine" "$@")
echo "$out"
echo
echo "summary (ratio = ns per packet with 10,000 rules / with 10 rules):"
echo "$out" | awk '/^ratio /{printf "  %-10s %-4s %s\n", $2, $3, $4}'
echo "IPv6/IPv4 (ns per packet, same shape and rule count):"
echo "$out" | awk '/^v6\/v4 /{printf "  %-10s %5s %-4s %s\n", $2, $3, $4, $5}'
