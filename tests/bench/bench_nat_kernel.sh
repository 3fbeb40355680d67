#!/usr/bin/env bash
# Benchmark, not a test: prints numbers and ratios, asserts nothing.
#
#   tests/bench/bench_nat_kernel.sh   (as root; about 1 minute with defaults)
#   environment: ROUNDS (6), SECONDS_PER_RUN (3), BENCH_PREFIX (the
#   namespaces' prefix)
#
# Of what a translated UDP flow costs qtablesd more per packet than an
# untranslated one (bench_nat.sh's dnat against plain), how much is the
# kernel's rewrite of the offloaded flow. With NAT offload the kernel
# rewrites each packet at the chains of the table qtables_nat, after
# the queue: they run inside the verdict's send, so their time is
# qtablesd's. Three firewalls in the shape of bench_nat.sh, the UDP
# flood only:
#   plain  bench_nat.sh's plain;
#   krw    plain, plus a copy of the dnat firewall's qtables_nat table
#          (its chains as they are) whose dst_vmap map sends the
#          client's flow to a chain that sets the address it has
#          (10.0.2.2 to itself), as dnat's chain sets its new one: the
#          kernel does for each packet what it does for dnat's (the
#          tuple looked up, the address set and the checksums fixed,
#          the source map at POSTROUTING looked up and missed) while
#          qtablesd does plain's work. The client's source port is
#          pinned (40000) so that one element holds its flow;
#   dnat   bench_nat.sh's dnat.
# Printed: qtablesd's CPU time (user and system, every thread) per
# packet the server received, each round's ratios and their medians:
# krw/plain is the kernel's rewrite, dnat/krw what is left for
# qtablesd's own work on a translated packet. Before the rounds, the
# copy is shown to act: with its element's address one the server does
# not have, the server receives nothing.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${ROUNDS:-6}
secs=${SECONDS_PER_RUN:-3}
[ "$(id -u)" = 0 ] || { echo "bench: run as root (network namespaces)" >&2; exit 1; }
QT_PREFIX=${BENCH_PREFIX:-qtbk$$}
. "$top/tests/lib/qt.sh"
B=$QT_BUILD
. "$top/tests/bench/e2e_lib.sh"
for f in qtablesd qtables-restore qtables tests/bench/udp_flood; do
	[ -x "$B/$f" ] || { echo "bench: no $B/$f (set QT_BUILD; make it)" >&2; exit 1; }
done
command -v nft >/dev/null || { echo "bench: no nft" >&2; exit 1; }

legs=(plain krw dnat)
declare -A FWN CN SN DST
declare -A TAG=([plain]=p [krw]=k [dnat]=d)
pids=()
trap e2e_cleanup EXIT
trap 'exit 1' INT TERM

cat >"$QT_RUN/plain.v4" <<'R'
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -d 10.0.2.2/32 -p udp -m udp --dport 9000 -m conntrack --ctstate NEW -j ACCEPT
COMMIT
R
{
	cat "$QT_RUN/plain.v4"
	cat <<'R'
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -d 10.0.1.1/32 -p udp -m udp --dport 9000 -j DNAT --to-destination 10.0.2.2
COMMIT
R
} >"$QT_RUN/dnat.v4"

echo "qtables bench: the kernel's rewrite of an offloaded UDP flow, in qtablesd's CPU per packet"
echo "($rounds rounds of $secs s per firewall, interleaved; $(nproc) CPUs, $(uname -r))"
base_prefix=$QT_PREFIX
for leg in "${legs[@]}"; do
	QT_PREFIX=$base_prefix${TAG[$leg]}
	qt_topo
	FWN[$leg]=$FW CN[$leg]=$C SN[$leg]=$S
	qt_daemon "$FW" --no-state --no-syslog
	e2e_ready "$FW"
	case $leg in
	dnat) ip netns exec "$FW" "$B/qtables-restore" <"$QT_RUN/dnat.v4"; DST[$leg]=10.0.1.1 ;;
	*) ip netns exec "$FW" "$B/qtables-restore" <"$QT_RUN/plain.v4"; DST[$leg]=10.0.2.2 ;;
	esac
done
QT_PREFIX=$base_prefix

# krw: the dnat firewall's table, copied under another name
kfw=${FWN[krw]}
ip netns exec "${FWN[dnat]}" nft list table ip qtables_nat |
	sed 's/qtables_nat/qtbench_krw/' >"$QT_RUN/krw.nft"
grep -q 'vmap @dst_vmap' "$QT_RUN/krw.nft" ||
	{ echo "bench: no qtables_nat table in the dnat firewall (NAT offload off?)" >&2; exit 1; }
ip netns exec "$kfw" nft -f "$QT_RUN/krw.nft"
# chains as qtablesd makes them for a DNAT that keeps the port
for a in 10.0.2.99 10.0.2.2; do
	ip netns exec "$kfw" nft "add chain ip qtbench_krw krw_$a { ip daddr set $a; }"
done
ip netns exec "${CN[krw]}" sysctl -qw net.ipv4.ip_local_port_range="40000 40000"
krw_elem() { # add|delete ADDR
	ip netns exec "$kfw" nft "$1 element ip qtbench_krw dst_vmap { 10.0.1.2 . 10.0.2.2 . udp . 40000 . 9000 ${2:+: goto krw_$2} }"
}
krw_got() { # packets the krw server received during a 1 s flood
	local a b
	a=$(e2e_rx_packets "${SN[krw]}")
	ip netns exec "${CN[krw]}" "$B/tests/bench/udp_flood" send 10.0.2.2 9000 1 >/dev/null
	b=$(e2e_rx_packets "${SN[krw]}")
	echo $((b - a))
}
krw_elem add 10.0.2.99
echo "krw check: its element to 10.0.2.99, the server received $(krw_got) packets in 1 s (0: the copy rewrites)"
krw_elem delete
krw_elem add 10.0.2.2
echo "krw check: its element to 10.0.2.2 (the address it has), $(krw_got) packets in 1 s"
# every flow's first packets (the connections, the offload) before the rounds
for leg in plain dnat; do
	ip netns exec "${CN[$leg]}" "$B/tests/bench/udp_flood" send "${DST[$leg]}" 9000 1 >/dev/null
done
sleep 0.5

declare -A CPU KPPS
R_KP=() R_DP=() R_DK=() T_KP=() T_DP=() T_DK=()
for ((r = 0; r < rounds; r++)); do
	line="round $((r + 1)):"
	for ((i = 0; i < ${#legs[@]}; i++)); do
		leg=${legs[(i + r) % ${#legs[@]}]}
		pid=$(cat "$QT_RUN/${FWN[$leg]}.pid")
		c0=$(e2e_cpu_us "$pid") n0=$(e2e_rx_packets "${SN[$leg]}")
		u=$(e2e_udp_kpps "${CN[$leg]}" "${SN[$leg]}" "${DST[$leg]}" "$secs"); u=${u:-0}
		c1=$(e2e_cpu_us "$pid") n1=$(e2e_rx_packets "${SN[$leg]}")
		CPU[$leg,$r]=$(awk -v c=$((c1 - c0)) -v n=$((n1 - n0)) \
			'BEGIN { if (n > 0) printf "%.3f", c / n; else print 0 }')
		KPPS[$leg,$r]=$u
		line+=" $leg ${u}kpps ${CPU[$leg,$r]}us"
		sleep 0.2
	done
	R_KP+=("$(e2e_ratio "${CPU[krw,$r]}" "${CPU[plain,$r]}")")
	R_DP+=("$(e2e_ratio "${CPU[dnat,$r]}" "${CPU[plain,$r]}")")
	R_DK+=("$(e2e_ratio "${CPU[dnat,$r]}" "${CPU[krw,$r]}")")
	T_KP+=("$(e2e_ratio "${KPPS[plain,$r]}" "${KPPS[krw,$r]}")")
	T_DP+=("$(e2e_ratio "${KPPS[plain,$r]}" "${KPPS[dnat,$r]}")")
	T_DK+=("$(e2e_ratio "${KPPS[krw,$r]}" "${KPPS[dnat,$r]}")")
	echo "$line  (CPU krw/plain ${R_KP[-1]} dnat/plain ${R_DP[-1]} dnat/krw ${R_DK[-1]})"
done

# spread X...: "MEDIAN [LOW-HIGH]" of the rounds' ratios
spread() {
	local x
	x=$(printf '%s\n' "$@" | grep -v n/a | sort -g)
	[ -n "$x" ] || { echo "n/a"; return; }
	# shellcheck disable=SC2086
	printf '%.2f [%s-%s]' "$(e2e_median $x)" "$(echo "$x" | head -1)" "$(echo "$x" | tail -1)"
}
echo
echo "(each: the median of the $rounds rounds' own ratios [the lowest-the highest])"
printf '%-11s qtablesd CPU per packet %-17s cost per packet %-17s %s\n' \
	"krw/plain:" "$(spread "${R_KP[@]}")" "$(spread "${T_KP[@]}")" "the kernel's rewrite alone" \
	"dnat/plain:" "$(spread "${R_DP[@]}")" "$(spread "${T_DP[@]}")" "translated against untranslated" \
	"dnat/krw:" "$(spread "${R_DK[@]}")" "$(spread "${T_DK[@]}")" "qtablesd's own work on a translated packet"
