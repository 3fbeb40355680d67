#!/usr/bin/env bash
# Benchmark, not a test: prints numbers and ratios, asserts nothing.
#
#   tests/bench/bench_nat_rewrite.sh   (as root; about 1 minute with defaults)
#   environment: QT_BUILD (the build; default _build), ROUNDS (8),
#   SECONDS_PER_RUN (2), BENCH_PREFIX (the namespaces' prefix)
#
# The kernel's rewrite of NAT offload alone, without qtablesd or veths:
# what the chains of qtables' table (io/nat_offload.h) cost a packet,
# in the CPU of the process that sends it. Each leg is a namespace of
# its own where tests/bench/udp_flood floods 10.9.0.1:9000 from
# 10.9.0.1:40000 over lo: the whole path (OUTPUT, POSTROUTING, lo,
# PREROUTING, INPUT, where a table of every leg drops it after the NAT
# chains) runs in the sender's system calls and their softirqs, or in
# the ksoftirqd of its CPU: the sender is pinned to the last CPU and
# both are counted (what else that ksoftirqd does in the meantime is
# noise). The flow's element sets the address it has (a DNAT keeping
# the port: no reroute, checksums unchanged) at OUTPUT and PREROUTING;
# at POSTROUTING and INPUT the source map is looked up and missed.
# Legs:
#   bare   no NAT table;
#   vmap   the table qtablesd makes: one rule a hook, the tuple looked
#          up in a verdict map whose element goes to a chain that sets
#          the address (`ip daddr set 10.9.0.1`);
#   split  the same with a rule per protocol (`meta l4proto udp` first,
#          TCP's rule before it), as the table of before had;
#   two    the table of before: an address map and a port map keyed
#          with the new address, a rule per protocol, at each hook (two
#          lookups where the address is found, the second missed).
# Printed: each round's CPU time (user and system) per packet sent, in
# ns, the legs in an order that rotates; the medians of the rounds'
# ratios and of the differences (ns a packet).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${QT_BUILD:-$top/_build}
rounds=${ROUNDS:-8}
secs=${SECONDS_PER_RUN:-2}
pre=${BENCH_PREFIX:-qtbr$$}
[ "$(id -u)" = 0 ] || { echo "bench: run as root (network namespaces)" >&2; exit 1; }
[ -x "$B/tests/bench/udp_flood" ] ||
	{ echo "bench: no $B/tests/bench/udp_flood (set QT_BUILD; make it)" >&2; exit 1; }
legs=(bare vmap split two)
cleanup() {
	for leg in "${legs[@]}"; do ip netns del "$pre-$leg" 2>/dev/null || true; done
	rm -rf "${tmp:-}"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
tmp=$(mktemp -d)

flow='10.9.0.1 . 10.9.0.1 . udp . 40000 . 9000'
key='ip saddr . ip daddr . meta l4proto . th sport . th dport'
tkey='ipv4_addr . ipv4_addr . inet_proto . inet_service . inet_service'
hooks=("pre filter prerouting -100 d dst" "out route output -100 d dst"
	"post filter postrouting 100 s src" "in filter input 100 s src")
# table NAME SPLIT: the verdict maps' table, one rule a hook or (SPLIT
# 1) a rule per protocol
vmap_table() {
	echo "table ip $1 {"
	for m in dst_vmap:verdict dst_port:inet_service src_vmap:verdict src_port:inet_service; do
		echo "	map ${m%%:*} { type $tkey : ${m#*:}; }"
	done
	echo "	chain d_udp_10.9.0.1 { ip daddr set 10.9.0.1; }"
	for c in "${hooks[@]}"; do
		read -r name type hook prio which map <<<"$c"
		echo "	chain $name { type $type hook $hook priority $prio; policy accept;"
		if [ "$2" = 1 ]; then
			for p in tcp udp; do echo "		meta l4proto $p $key vmap @${map}_vmap"; done
		else
			echo "		$key vmap @${map}_vmap"
		fi
		echo "	}"
	done
	echo "}"
}
vmap_table qtbench_vmap 0 >"$tmp/vmap.nft"
vmap_table qtbench_split 1 >"$tmp/split.nft"
{
	echo "table ip qtbench_two {"
	for m in dst_addr:ipv4_addr dst_port:inet_service src_addr:ipv4_addr src_port:inet_service; do
		echo "	map ${m%%:*} { type $tkey : ${m#*:}; }"
	done
	for c in "${hooks[@]}"; do
		read -r name type hook prio which map <<<"$c"
		echo "	chain $name { type $type hook $hook priority $prio; policy accept;"
		for p in tcp udp; do
			echo "		meta l4proto $p ip ${which}addr set $key map @${map}_addr $p ${which}port set $key map @${map}_port"
		done
		echo "	}"
	done
	echo "}"
} >"$tmp/two.nft"
for leg in "${legs[@]}"; do
	ns=$pre-$leg
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add 10.9.0.1/32 dev lo
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="40000 40000"
	ip netns exec "$ns" nft "add table ip qtbench_sink; add chain ip qtbench_sink in { type filter hook input priority 200; }; add rule ip qtbench_sink in udp dport 9000 drop"
	case $leg in
	vmap|split)
		ip netns exec "$ns" nft -f "$tmp/$leg.nft"
		ip netns exec "$ns" nft "add element ip qtbench_$leg dst_vmap { $flow : goto d_udp_10.9.0.1 }" ;;
	two)
		ip netns exec "$ns" nft -f "$tmp/two.nft"
		ip netns exec "$ns" nft "add element ip qtbench_two dst_addr { $flow : 10.9.0.1 }" ;;
	esac
done

cpu=$(($(nproc) - 1))
ksoft=$(pgrep -x "ksoftirqd/$cpu" | head -1)
[ -n "$ksoft" ] || { echo "bench: no ksoftirqd/$cpu" >&2; exit 1; }
hz=$(getconf CLK_TCK)
ticks() { # PID: its user and system time, clock ticks
	awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}
# run LEG: "NS_PER_PACKET PACKETS" of one flood
run() {
	local k0 k1
	k0=$(ticks "$ksoft")
	/usr/bin/time -f '%S %U' -o "$tmp/time" taskset -c "$cpu" ip netns exec "$pre-$1" \
		"$B/tests/bench/udp_flood" send 10.9.0.1 9000 "$secs" >"$tmp/out"
	k1=$(ticks "$ksoft")
	awk -v t="$(cat "$tmp/time")" -v k=$(((k1 - k0))) -v hz="$hz" \
		'{ split(t, c, " "); printf "%.0f %d\n", (c[1] + c[2] + k / hz) * 1e9 / $2, $2 }' "$tmp/out"
}

echo "qtables bench: the kernel's rewrite of NAT offload, CPU per packet of a flood over lo"
echo "($rounds rounds of $secs s per leg, interleaved; $(nproc) CPUs, $(uname -r))"
declare -A NS
for ((r = 0; r < rounds; r++)); do
	line="round $((r + 1)):"
	for ((i = 0; i < ${#legs[@]}; i++)); do
		leg=${legs[(i + r) % ${#legs[@]}]}
		read -r ns n < <(run "$leg")
		NS[$leg,$r]=$ns
		line+=" $leg ${ns}ns ($((n / secs / 1000))kpps)"
	done
	echo "$line"
done

# stat FORMAT X...: "MEDIAN [LOW-HIGH]", the median printed with FORMAT
stat() {
	local f=$1 x
	shift
	x=$(printf '%s\n' "$@" | sort -g)
	printf '%s [%s..%s]' "$(echo "$x" | awk -v f="$f" '{ v[NR] = $1 } END { printf f, NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')" \
		"$(echo "$x" | head -1)" "$(echo "$x" | tail -1)"
}
echo
echo "(each: the median of the $rounds rounds' own [the lowest-the highest])"
for p in vmap/bare two/bare vmap/two vmap/split; do
	a=${p%/*} b=${p#*/} rs=() ds=()
	for ((r = 0; r < rounds; r++)); do
		rs+=("$(awk -v a="${NS[$a,$r]}" -v b="${NS[$b,$r]}" 'BEGIN { printf "%.3f", a / b }')")
		ds+=("$((NS[$a,$r] - NS[$b,$r]))")
	done
	printf '%-11s CPU per packet ratio %-20s difference %s ns\n' "$p:" "$(stat %.3f "${rs[@]}")" "$(stat %.0f "${ds[@]}")"
done
