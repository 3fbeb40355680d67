#!/usr/bin/env bash
# Make the figures of README.md, into docs/ (as root: namespaces):
#
#   docs/graph.svg  `qtables -L --graph` of docs/example.rules.v4,
#                   rendered by Graphviz dot
#   docs/cost.svg   per-packet cost against the number of rules, qtablesd
#                   beside the kernel's iptables-nft, from
#                   tests/bench/bench_cost.sh (numbers in docs/cost.dat)
#
#   scripts/make-figures.sh [graph|cost|all]     (default all)
#
# Installs graphviz and gnuplot-nox when missing; uses the build in
# QT_BUILD (default _build, made by scripts/build.sh when absent).
# BENCH_COUNTS, BENCH_SECONDS and BENCH_ROUNDS pass through to the
# benchmark.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
what=${1:-all}
[ "$(id -u)" = 0 ] || { echo "make-figures: run as root (network namespaces)" >&2; exit 1; }
export QT_BUILD=${QT_BUILD:-$top/_build}
[ -x "$QT_BUILD/qtablesd" ] || "$top/scripts/build.sh"
need=()
command -v dot >/dev/null || need+=(graphviz)
command -v gnuplot >/dev/null || need+=(gnuplot-nox)
if [ ${#need[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
mkdir -p "$top/docs"

graph() {
	local ns=qtfig$$ pid
	ip netns add "$ns"
	ip netns exec "$ns" "$QT_BUILD/qtablesd" --no-state --no-datapath \
		--handover-wait 0 2>/dev/null &
	pid=$!
	for _ in $(seq 100); do
		ip netns exec "$ns" "$QT_BUILD/qtables" -S INPUT >/dev/null 2>&1 && break
		sleep 0.05
	done
	local st=0
	{ ip netns exec "$ns" "$QT_BUILD/qtables-restore" <"$top/docs/example.rules.v4" &&
	  ip netns exec "$ns" "$QT_BUILD/qtables" -L --graph >"$top/docs/graph.dot" &&
	  dot -Tsvg "$top/docs/graph.dot" >"$top/docs/graph.svg"; } || st=$?
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	ip netns del "$ns"
	rm -f "$top/docs/graph.dot"
	[ "$st" -eq 0 ] && echo "make-figures: docs/graph.svg"
	return "$st"
}

cost() {
	"$top/tests/bench/bench_cost.sh" "${BENCH_COUNTS:-10 100 1000 3000 10000}" \
		"${BENCH_SECONDS:-2}" "${BENCH_ROUNDS:-3}" >"$top/docs/cost.dat"
	cat "$top/docs/cost.dat"
	gnuplot <<-PLOT
	set terminal svg size 720,440 dynamic font "sans,12"
	set output "$top/docs/cost.svg"
	set title "Cost of a forwarded packet against the number of rules"
	set xlabel "rules in FORWARD (none matching the packet)"
	set ylabel "microseconds per packet (1 / throughput)"
	set logscale x
	set logscale y
	set key top left
	set grid
	plot "$top/docs/cost.dat" using 1:2 with linespoints lw 2 pt 7 title "qtablesd (user space)", \
	     "$top/docs/cost.dat" using 1:3 with linespoints lw 2 pt 5 title "iptables-nft (kernel)"
	PLOT
	echo "make-figures: docs/cost.svg"
}

case $what in
graph) graph ;;
cost) cost ;;
all) graph; cost ;;
*) echo "usage: make-figures.sh [graph|cost|all]" >&2; exit 2 ;;
esac
