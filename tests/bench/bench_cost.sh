#!/usr/bin/env bash
# Benchmark, not a test: prints numbers, asserts nothing.
#
#   tests/bench/bench_cost.sh [COUNTS] [SECONDS] [ROUNDS]
#        (defaults "10 100 1000 3000 10000" 2 3; as root)
#
# The cost of one forwarded packet against the number of rules, qtablesd
# beside the kernel's iptables-nft, measured side by side in one run: two
# topologies of tests/lib/qt.sh qt_topo (client, firewall, server), one
# with qtablesd in the firewall namespace, one with the kernel's rules.
# For each rule count both get the same ruleset: COUNT blocklist rules
# in FORWARD that the flood never matches (-s 100.64.x.y/32 -j DROP, the
# shape of bench_e2e.sh's q10k/k10k) and a final ACCEPT. A 64-byte UDP
# flood (tests/bench/udp_flood) runs for SECONDS and the server's kernel
# counts what arrived; the cost per packet is 1/throughput in
# microseconds. Rounds alternate which side goes first; medians.
# Prints one line per count: "RULES QTABLES_US KERNEL_US QTABLES_KPPS
# KERNEL_KPPS" after a '#' header (the figure script plots it).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
counts=${1:-10 100 1000 3000 10000}
secs=${2:-2}
rounds=${3:-3}
[ "$(id -u)" = 0 ] || { echo "bench: run as root (network namespaces)" >&2; exit 1; }
QT_PREFIX=qtbc$$
. "$top/tests/lib/qt.sh"
B=$QT_BUILD
for f in qtablesd qtables-restore tests/bench/udp_flood; do
	[ -x "$B/$f" ] || { echo "bench: no $B/$f (set QT_BUILD; make it)" >&2; exit 1; }
done
trap qt_cleanup EXIT
trap 'exit 1' INT TERM

ruleset() { # COUNT -> restore text
	echo '*filter'
	echo ':INPUT ACCEPT [0:0]'
	echo ':FORWARD ACCEPT [0:0]'
	echo ':OUTPUT ACCEPT [0:0]'
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++)
		printf "-A FORWARD -s 100.%d.%d.%d/32 -j DROP\n", 64 + int(i / 62500), int(i / 250) % 250, i % 250 + 1 }'
	echo '-A FORWARD -j ACCEPT'
	echo 'COMMIT'
}

declare -A FWN CN SN
base=$QT_PREFIX
for side in q k; do
	QT_PREFIX=$base$side
	qt_topo
	FWN[$side]=$FW CN[$side]=$C SN[$side]=$S
done
QT_PREFIX=$base
qt_daemon "${FWN[q]}" --no-state --no-syslog
for _ in $(seq 200); do qt "${FWN[q]}" -L INPUT >/dev/null 2>&1 && break; sleep 0.05; done

rx_packets() { # side -> packets the server's interface received
	ip -n "${SN[$1]}" -s -j link show qts0 | python3 -c 'import json, sys
print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])'
}

kpps_once() { # side -> kpps counted by the server's kernel
	local side=$1 a b
	ipt "${SN[$side]}" -t raw -I PREROUTING -p udp --dport 9000 -j DROP
	a=$(rx_packets "$side")
	ip netns exec "${CN[$side]}" "$B/tests/bench/udp_flood" send 10.0.2.2 9000 "$secs" >/dev/null
	b=$(rx_packets "$side")
	ipt "${SN[$side]}" -t raw -D PREROUTING -p udp --dport 9000 -j DROP
	awk -v a="$a" -v b="$b" -v s="$secs" 'BEGIN { printf "%.1f", (b - a) / s / 1000 }'
}

median() {
	printf '%s\n' "$@" | sort -g |
		awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

echo "# rules qtables_us_per_packet kernel_us_per_packet qtables_kpps kernel_kpps ($rounds rounds of $secs s, $(nproc) CPUs, $(uname -r))"
for n in $counts; do
	ruleset "$n" >"$QT_RUN/r.v4"
	ip netns exec "${FWN[q]}" "$B/qtables-restore" <"$QT_RUN/r.v4"
	ipt_restore "${FWN[k]}" <"$QT_RUN/r.v4"
	qs=() ks=()
	for ((r = 0; r < rounds; r++)); do
		if ((r % 2)); then
			ks+=("$(kpps_once k)"); qs+=("$(kpps_once q)")
		else
			qs+=("$(kpps_once q)"); ks+=("$(kpps_once k)")
		fi
	done
	q=$(median "${qs[@]}") k=$(median "${ks[@]}")
	awk -v n="$n" -v q="$q" -v k="$k" 'BEGIN {
		printf "%d %.3f %.3f %.1f %.1f\n", n, (q > 0 ? 1000 / q : 0), (k > 0 ? 1000 / k : 0), q, k }'
done
