# shellcheck shell=bash
# Shared by the end-to-end benchmarks (bench_e2e.sh, bench_nat.sh,
# bench_kube_restore.sh): source after tests/lib/qt.sh, with $B the
# build. Loads measured in the qt_topo shape (client -- fw -- server),
# each taking the namespaces as arguments so that one script can keep
# several topologies side by side.
#
#   e2e_ready NS                  wait until qtablesd in NS answers
#   e2e_rx_packets NS [DEV]       packets DEV (qts0) of NS received
#   e2e_udp_kpps C S ADDR SECS    64-byte UDP flood from C to ADDR:9000,
#                                 counted by S's kernel (dropped in its
#                                 raw table: no receiving process
#                                 competes for the CPUs): kpps; ADDR
#                                 IPv4 or IPv6 (84-byte frames)
#   e2e_tcp_gbps C ADDR SECS      one iperf3 flow to ADDR:5201: Gbit/s
#   e2e_median X...               the median
#   e2e_ratio A B                 A/B with two decimals, n/a when B is 0
#   e2e_cleanup                   end the processes in the array pids
#                                 (by PID, waiting for them), then
#                                 qt_cleanup; installed as the EXIT trap

e2e_ready() {
	# asked as qtables: the iptables names hand a namespace without a
	# daemon to the kernel's iptables-nft, which would answer for it
	for _ in $(seq 200); do qt_ready "$1" && return 0; sleep 0.05; done
	echo "bench: qtablesd in $1 did not answer" >&2
	return 1
}

e2e_rx_packets() {
	ip -n "$1" -s -j link show "${2:-qts0}" | python3 -c 'import json, sys
print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])'
}

e2e_udp_kpps() {
	local c=$1 s=$2 addr=$3 secs=$4 a b ipt=/usr/sbin/iptables-nft
	case $addr in *:*) ipt=/usr/sbin/ip6tables-nft ;; esac
	ip netns exec "$s" "$ipt" -t raw -I PREROUTING -p udp --dport 9000 -j DROP
	a=$(e2e_rx_packets "$s")
	ip netns exec "$c" "$B/tests/bench/udp_flood" send "$addr" 9000 "$secs" >/dev/null
	b=$(e2e_rx_packets "$s")
	ip netns exec "$s" "$ipt" -t raw -D PREROUTING -p udp --dport 9000 -j DROP
	awk -v a="$a" -v b="$b" -v s="$secs" 'BEGIN { printf "%.1f", (b - a) / s / 1000 }'
}

e2e_tcp_gbps() {
	ip netns exec "$1" iperf3 -c "$2" -p 5201 -t "$3" -J 2>/dev/null |
		python3 -c 'import json, sys
try:
    print("%.3f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))
except Exception:
    print("0")'
}

e2e_median() {
	printf '%s\n' "$@" | sort -g |
		awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

e2e_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

e2e_cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
	done
	qt_cleanup
}
