#!/usr/bin/env bash
# Benchmark, not a test: prints numbers, asserts nothing.
#
#   tests/bench/bench_nat_ab.sh BASE_BUILD   (as root; about 3 minutes)
#   environment: QT_BUILD (the build to try; default _build), ROUNDS (6),
#                SECONDS_PER_RUN (3), TCP_ONLY (set: no UDP flood),
#                BENCH_PREFIX (the namespaces' prefix)
#
# A change to the NAT datapath measured against the build before it:
# bench_nat.sh's masq firewall (DNAT to the server, MASQUERADE out of
# its side: every packet rewritten at PREROUTING and POSTROUTING,
# accepted plain at FORWARD) twice, each in a topology of its own, one
# run by BASE_BUILD's qtablesd and one by QT_BUILD's, the same loads
# alternating between them round by round (A B, then B A). On a shared
# machine the ratios of bench_nat.sh swing by a third from run to run;
# two builds side by side in one run show what the change did. Prints
# medians, every round, and each daemon's verdict counters; beside the
# throughput, what each build's qtablesd spent (its CPU time, user and
# system, every thread) per packet the server received (UDP) and per
# megabyte (TCP), as bench_nat.sh counts it.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "bench: run as root (network namespaces)" >&2; exit 1; }
[ $# = 1 ] || { echo "usage: $0 BASE_BUILD" >&2; exit 1; }
rounds=${ROUNDS:-6}
secs=${SECONDS_PER_RUN:-3}
QT_PREFIX=${BENCH_PREFIX:-qtab$$}
. "$top/tests/lib/qt.sh"
declare -A BIN=([A]=$(cd "$1" && pwd) [B]=$QT_BUILD)
B=${BIN[B]}
. "$top/tests/bench/e2e_lib.sh"
for leg in A B; do
	for f in qtablesd qtables-restore qtables tests/bench/udp_flood; do
		[ -x "${BIN[$leg]}/$f" ] || { echo "bench: no ${BIN[$leg]}/$f" >&2; exit 1; }
	done
done
command -v iperf3 >/dev/null || { echo "bench: no iperf3 (scripts/deps.sh)" >&2; exit 1; }
pids=()
trap e2e_cleanup EXIT
trap 'exit 1' INT TERM

rules() {
	cat <<'R'
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -d 10.0.2.2/32 -p udp -m udp --dport 9000 -m conntrack --ctstate NEW -j ACCEPT
-A FORWARD -d 10.0.2.2/32 -p tcp -m tcp --dport 5201 -m conntrack --ctstate NEW -j ACCEPT
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -d 10.0.1.1/32 -p udp -m udp --dport 9000 -j DNAT --to-destination 10.0.2.2
-A PREROUTING -d 10.0.1.1/32 -p tcp -m tcp --dport 5201 -j DNAT --to-destination 10.0.2.2
-A POSTROUTING -o qtf1 -j MASQUERADE
COMMIT
R
}

echo "qtables bench: the masq firewall of bench_nat.sh, A ${BIN[A]} against B ${BIN[B]}"
echo "($rounds rounds of $secs s per load and build, alternating; $(nproc) CPUs, $(uname -r))"
declare -A CN SN FWN UDP TCP RU RT CU CT
base_prefix=$QT_PREFIX
for leg in A B; do
	QT_PREFIX=$base_prefix$leg
	qt_topo
	CN[$leg]=$C SN[$leg]=$S FWN[$leg]=$FW
	ip netns exec "$S" iperf3 -s -p 5201 >/dev/null 2>&1 &
	pids+=($!)
	QT_BUILD=${BIN[$leg]} qt_daemon "$FW" --no-state --no-syslog
	QT_BUILD=${BIN[$leg]} e2e_ready "$FW"
	rules | ip netns exec "$FW" "${BIN[$leg]}/qtables-restore"
done
QT_PREFIX=$base_prefix
sleep 0.5

# cpu_per LEG BEFORE_US UNITS_BEFORE UNITS_AFTER SCALE: qtablesd's
# CPU us since BEFORE_US per SCALE units received
cpu_per() {
	local now
	now=$(e2e_cpu_us "$(cat "$QT_RUN/${FWN[$1]}.pid")")
	awk -v c=$((now - $2)) -v a="$3" -v b="$4" -v k="$5" \
		'BEGIN { if (b > a) printf "%.3f", c * k / (b - a); else print 0 }'
}
for ((r = 0; r < rounds; r++)); do
	line="round $((r + 1)):"
	order="A B"
	[ $((r % 2)) = 0 ] || order="B A"
	for leg in $order; do
		u=0 CU[$leg,$r]=0
		pid=$(cat "$QT_RUN/${FWN[$leg]}.pid")
		if [ -z "${TCP_ONLY:-}" ]; then
			c0=$(e2e_cpu_us "$pid") n0=$(e2e_rx_packets "${SN[$leg]}")
			u=$(e2e_udp_kpps "${CN[$leg]}" "${SN[$leg]}" 10.0.1.1 "$secs"); u=${u:-0}
			CU[$leg,$r]=$(cpu_per "$leg" "$c0" "$n0" "$(e2e_rx_packets "${SN[$leg]}")" 1)
			sleep 0.2
		fi
		c0=$(e2e_cpu_us "$pid") n0=$(e2e_rx_bytes "${SN[$leg]}")
		t=$(e2e_tcp_gbps "${CN[$leg]}" 10.0.1.1 "$secs"); t=${t:-0}
		CT[$leg,$r]=$(cpu_per "$leg" "$c0" "$n0" "$(e2e_rx_bytes "${SN[$leg]}")" 1000000)
		sleep 0.2
		UDP[$leg]="${UDP[$leg]:-} $u"
		TCP[$leg]="${TCP[$leg]:-} $t"
		RU[$leg,$r]=$u RT[$leg,$r]=$t
		line+=" $leg ${u}kpps/${t}Gbps"
	done
	echo "$line"
done

echo
printf '%-6s %10s %12s   (medians of %d rounds)\n' build "udp kpps" "tcp Gbit/s" "$rounds"
declare -A MU MT
for leg in A B; do
	# shellcheck disable=SC2086
	MU[$leg]=$(e2e_median ${UDP[$leg]})
	# shellcheck disable=SC2086
	MT[$leg]=$(e2e_median ${TCP[$leg]})
	printf '%-6s %10.1f %12.3f\n' "$leg" "${MU[$leg]}" "${MT[$leg]}"
done
echo "B/A throughput: udp $(e2e_ratio "${MU[B]}" "${MU[A]}") tcp $(e2e_ratio "${MT[B]}" "${MT[A]}")  (of the medians)"
# each round's own B/A (the two measured seconds apart), their median
round_med() {
	local -n v=$1
	local r x
	x=$(for ((r = 0; r < rounds; r++)); do e2e_ratio "${v[B,$r]}" "${v[A,$r]}"; echo; done | grep -v n/a | sort -g)
	[ -n "$x" ] || { echo n/a; return; }
	# shellcheck disable=SC2086
	printf '%.2f [%s-%s]' "$(e2e_median $x)" "$(echo "$x" | head -1)" "$(echo "$x" | tail -1)"
}
echo "B/A throughput, median of the rounds' own [lowest-highest]: udp $(round_med RU) tcp $(round_med RT)"
# CPU per unit: A/B, so that above 1 says B spends less, as above
round_cpu() {
	local -n v=$1
	local r x
	x=$(for ((r = 0; r < rounds; r++)); do e2e_ratio "${v[A,$r]}" "${v[B,$r]}"; echo; done | grep -v n/a | sort -g)
	[ -n "$x" ] || { echo n/a; return; }
	# shellcheck disable=SC2086
	printf '%.2f [%s-%s]' "$(e2e_median $x)" "$(echo "$x" | head -1)" "$(echo "$x" | tail -1)"
}
for leg in A B; do
	# shellcheck disable=SC2046
	printf '%-6s qtablesd CPU udp %8.2f us/packet  tcp %8.2f us/MB   (medians)\n' "$leg" \
		"$(e2e_median $(for ((r = 0; r < rounds; r++)); do echo "${CU[$leg,$r]}"; done))" \
		"$(e2e_median $(for ((r = 0; r < rounds; r++)); do echo "${CT[$leg,$r]}"; done))"
done
echo "A/B qtablesd CPU per unit, median of the rounds' own [lowest-highest]: udp $(round_cpu CU) tcp $(round_cpu CT)  (above 1: B spends less)"
echo
for leg in A B; do
	fw=${FWN[$leg]}
	echo "$leg stats: $(ip netns exec "$fw" "${BIN[$leg]}/qtables" --stats | grep -E 'verdicts|messages' | tr -s ' ' | paste -sd';')"
	echo "$leg FORWARD: $(ip netns exec "$fw" "${BIN[$leg]}/qtables" -L FORWARD -v -n -x | head -1)"
done
