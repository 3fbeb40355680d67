#!/usr/bin/env bash
# Benchmark, not a test: prints numbers, asserts nothing. Not in check.sh.
#
#   tests/bench/bench_e2e6.sh [ROUNDS] [SECONDS]     (defaults 5 3; as root)
#
# IPv6 against IPv4 end to end: the same loads over both families
# through the same firewall, client -- fw -- server (the addresses of
# tests/lib/qt.sh qt_topo, and fd00:1::2 -- fd00:1::1 | fd00:2::1 --
# fd00:2::2), in three firewalls, each a topology of its own set up
# once:
#   none   plain forwarding, no rules, no queue: the kernel's own cost
#          of each family;
#   q20    qtablesd with a realistic 20-rule ruleset in iptables and
#          its twin in ip6tables (the same rules, ICMPv6 for ICMP, and
#          two more in INPUT for neighbour discovery, which IPv4 does
#          with ARP outside iptables), both loaded: a dual-stack host;
#   q10k   qtablesd with 10,000 blocklist rules + accept in each family
#          (-s 100.64.X.Y/32 and -s 2001:db8:X:Y::/64 -j DROP, never
#          the client's), both loaded.
# Loads, each run once per family per round:
#   udp  a flood of 18-byte UDP datagrams (tests/bench/udp_flood) for
#        SECONDS, counted by the server's kernel (its interface's
#        received packets; dropped in its raw table, so no receiving
#        process competes for the CPUs): kpps. The frames are 64 bytes
#        over IPv4 and 84 over IPv6 (its header is 20 bytes longer):
#        the same datagrams, as an application sends them;
#   tcp  one iperf3 TCP flow: Gbit/s received.
# Per round the firewalls and families run in turn, the order rotated
# every round and the family order swapped, so that a noisy moment of a
# shared machine hits all of them. Printed: medians with the spread
# (lowest..highest) over the rounds, the cost of one packet
# (1/throughput, microseconds), the ratio IPv6/IPv4 of that cost
# (target <= 1.2) per firewall and the same ratio of what the firewall
# adds to plain forwarding (q - none: the queue round trip and the
# engine), and the load average before and after.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${1:-5}
secs=${2:-3}
[ "$(id -u)" = 0 ] || { echo "bench: run as root (network namespaces)" >&2; exit 1; }
QT_PREFIX=${QT_PREFIX:-qtb6e$$}
. "$top/tests/lib/qt.sh"
B=$QT_BUILD
. "$top/tests/bench/e2e_lib.sh"
for f in qtablesd qtables-restore ip6tables-restore tests/bench/udp_flood; do
	[ -x "$B/$f" ] || { echo "bench: no $B/$f (set QT_BUILD; make it)" >&2; exit 1; }
done
command -v iperf3 >/dev/null || { echo "bench: no iperf3 (scripts/deps.sh)" >&2; exit 1; }

legs=(none q20 q10k)
fams=(4 6)
declare -A FWN CN SN
pids=()
trap e2e_cleanup EXIT
trap 'exit 1' INT TERM
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- rulesets (the 20 rules of bench_e2e.sh, and their IPv6 twin) ----
r20=$QT_RUN/r20.v4
cat >"$r20" <<'EOF'
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -p icmp --icmp-type echo-request -m limit --limit 5/sec -j ACCEPT
-A INPUT -p tcp --dport 22 --syn -m hashlimit --hashlimit-upto 3/min --hashlimit-burst 3 --hashlimit-mode srcip --hashlimit-name ssh -j ACCEPT
-A INPUT -p tcp --dport 22 ! --syn -j ACCEPT
-A INPUT -m limit --limit 5/min -j LOG --log-prefix "in drop: "
-A FORWARD -p tcp --tcp-flags ALL NONE -j DROP
-A FORWARD -p tcp --tcp-flags SYN,FIN SYN,FIN -j DROP
-A FORWARD -i qtf0 -s 192.168.0.0/16 -j DROP
-A FORWARD -i qtf0 -s 172.16.0.0/12 -j DROP
-A FORWARD -d 10.0.2.2 -p udp --dport 53 -j ACCEPT
-A FORWARD -d 10.0.2.2 -p tcp -m multiport --dports 22,25 --syn -m hashlimit --hashlimit-upto 10/min --hashlimit-mode srcip --hashlimit-name fwd -j ACCEPT
-A FORWARD -d 10.0.2.2 -p tcp --dport 443 -j ACCEPT
-A FORWARD -d 10.0.2.2 -p tcp --dport 80 -j ACCEPT
-A FORWARD -p icmp --icmp-type echo-request -m limit --limit 10/sec -j ACCEPT
-A FORWARD -i qtf1 -s 10.0.2.2 -p tcp -m multiport --sports 22,80,443,5201 ! --syn -j ACCEPT
-A FORWARD -i qtf1 -s 10.0.2.2 -p icmp --icmp-type echo-reply -j ACCEPT
-A FORWARD -d 10.0.2.2 -p tcp --dport 5201 -j ACCEPT
-A FORWARD -d 10.0.2.2 -p udp --dport 9000 -m length --length 0:1500 -j ACCEPT
-A FORWARD -m limit --limit 5/min -j LOG --log-prefix "fwd drop: "
-A FORWARD -j DROP
COMMIT
EOF
r20_6=$QT_RUN/r20.v6
cat >"$r20_6" <<'EOF'
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -p ipv6-icmp --icmpv6-type neighbour-solicitation -m hl --hl-eq 255 -j ACCEPT
-A INPUT -p ipv6-icmp --icmpv6-type neighbour-advertisement -m hl --hl-eq 255 -j ACCEPT
-A INPUT -p ipv6-icmp --icmpv6-type echo-request -m limit --limit 5/sec -j ACCEPT
-A INPUT -p tcp --dport 22 --syn -m hashlimit --hashlimit-upto 3/min --hashlimit-burst 3 --hashlimit-mode srcip --hashlimit-name ssh6 -j ACCEPT
-A INPUT -p tcp --dport 22 ! --syn -j ACCEPT
-A INPUT -m limit --limit 5/min -j LOG --log-prefix "in drop: "
-A FORWARD -p tcp --tcp-flags ALL NONE -j DROP
-A FORWARD -p tcp --tcp-flags SYN,FIN SYN,FIN -j DROP
-A FORWARD -i qtf0 -s fc00::/8 -j DROP
-A FORWARD -i qtf0 -s fe80::/10 -j DROP
-A FORWARD -d fd00:2::2 -p udp --dport 53 -j ACCEPT
-A FORWARD -d fd00:2::2 -p tcp -m multiport --dports 22,25 --syn -m hashlimit --hashlimit-upto 10/min --hashlimit-mode srcip --hashlimit-name fwd6 -j ACCEPT
-A FORWARD -d fd00:2::2 -p tcp --dport 443 -j ACCEPT
-A FORWARD -d fd00:2::2 -p tcp --dport 80 -j ACCEPT
-A FORWARD -p ipv6-icmp --icmpv6-type echo-request -m limit --limit 10/sec -j ACCEPT
-A FORWARD -i qtf1 -s fd00:2::2 -p tcp -m multiport --sports 22,80,443,5201 ! --syn -j ACCEPT
-A FORWARD -i qtf1 -s fd00:2::2 -p ipv6-icmp --icmpv6-type echo-reply -j ACCEPT
-A FORWARD -d fd00:2::2 -p tcp --dport 5201 -j ACCEPT
-A FORWARD -d fd00:2::2 -p udp --dport 9000 -m length --length 0:1500 -j ACCEPT
-A FORWARD -m limit --limit 5/min -j LOG --log-prefix "fwd drop: "
-A FORWARD -j DROP
COMMIT
EOF
# The client's fd00:1::2 is outside fc00::/8 and fe80::/10, as
# 10.0.1.2 is outside 192.168/16 and 172.16/12: its packets pass both.
r10k=$QT_RUN/r10k.v4
r10k6=$QT_RUN/r10k.v6
{
	echo '*filter'
	echo ':INPUT ACCEPT [0:0]'
	echo ':FORWARD ACCEPT [0:0]'
	echo ':OUTPUT ACCEPT [0:0]'
	for ((i = 0; i < 10000; i++)); do
		echo "-A FORWARD -s 100.64.$((i / 250)).$((i % 250 + 1))/32 -j DROP"
	done
	echo '-A FORWARD -j ACCEPT'
	echo 'COMMIT'
} >"$r10k"
{
	echo '*filter'
	echo ':INPUT ACCEPT [0:0]'
	echo ':FORWARD ACCEPT [0:0]'
	echo ':OUTPUT ACCEPT [0:0]'
	for ((i = 0; i < 10000; i++)); do
		printf -- '-A FORWARD -s 2001:db8:%x:%x::/64 -j DROP\n' $((i / 250)) $((i % 250 + 1))
	done
	echo '-A FORWARD -j ACCEPT'
	echo 'COMMIT'
} >"$r10k6"

# ---- one dual-stack topology per firewall ----
topo_dual() {
	qt_topo || return 1
	local ns
	for ns in "$C" "$FW" "$S"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.router_solicitations=0 \
			net.ipv6.conf.all.router_solicitations=0 \
			net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
	done
	ip -n "$C" addr add fd00:1::2/64 dev qtc0 nodad
	ip -n "$FW" addr add fd00:1::1/64 dev qtf0 nodad
	ip -n "$FW" addr add fd00:2::1/64 dev qtf1 nodad
	ip -n "$S" addr add fd00:2::2/64 dev qts0 nodad
	ip -n "$C" -6 route add default via fd00:1::1
	ip -n "$S" -6 route add default via fd00:2::1
	ip netns exec "$FW" sysctl -qw net.ipv6.conf.all.forwarding=1
}

echo "setting up: ${legs[*]}, IPv4 and IPv6 (rulesets of $(grep -c '^-A' "$r20")+$(grep -c '^-A' "$r20_6") and $(grep -c '^-A' "$r10k")+$(grep -c '^-A' "$r10k6") rules)"
base_prefix=$QT_PREFIX
for leg in "${legs[@]}"; do
	QT_PREFIX=$base_prefix$leg
	topo_dual
	FWN[$leg]=$FW CN[$leg]=$C SN[$leg]=$S
	ip netns exec "$S" iperf3 -s -p 5201 >/dev/null 2>&1 &
	pids+=($!)
	case $leg in
	q20 | q10k)
		qt_daemon "$FW" --no-state --no-syslog
		e2e_ready "$FW"
		case $leg in q20) f=$r20 f6=$r20_6 ;; *) f=$r10k f6=$r10k6 ;; esac
		ip netns exec "$FW" "$B/qtables-restore" <"$f"
		ip netns exec "$FW" "$B/ip6tables-restore" <"$f6"
		;;
	esac
	# neighbours known before the first run (a first solicitation on
	# a new link may go unanswered for a second)
	ip netns exec "$C" ping -n -q -c 1 -w 5 10.0.2.2 >/dev/null 2>&1 || true
	ip netns exec "$C" ping -6 -n -q -c 1 -w 5 fd00:2::2 >/dev/null 2>&1 || true
done
QT_PREFIX=$base_prefix

addr_of() { if [ "$1" = 6 ]; then echo fd00:2::2; else echo 10.0.2.2; fi; }

declare -A UDP TCP
for ((r = 0; r < rounds; r++)); do
	order=()
	for ((i = 0; i < ${#legs[@]}; i++)); do order+=("${legs[(i + r) % ${#legs[@]}]}"); done
	if ((r % 2)); then fo=(6 4); else fo=(4 6); fi
	line="round $((r + 1)):"
	for leg in "${order[@]}"; do
		for fam in "${fo[@]}"; do
			a=$(addr_of "$fam")
			u=$(e2e_udp_kpps "${CN[$leg]}" "${SN[$leg]}" "$a" "$secs"); u=${u:-0}
			sleep 0.2
			t=$(e2e_tcp_gbps "${CN[$leg]}" "$a" "$secs"); t=${t:-0}
			sleep 0.2
			UDP[$leg$fam]="${UDP[$leg$fam]:-} $u"
			TCP[$leg$fam]="${TCP[$leg$fam]:-} $t"
			line+=" $leg/v$fam ${u}kpps/${t}Gbps"
		done
	done
	echo "$line"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

spread() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s..%s", lo, hi }'; }
us() { awk -v k="$1" 'BEGIN { if (k > 0) printf "%.3f", 1000 / k; else print "n/a" }'; }

echo
printf '%-5s %-4s %10s %18s %10s %12s %18s\n' firewall fam "udp kpps" "(spread)" "us/packet" "tcp Gbit/s" "(spread)"
declare -A MU MT
for leg in "${legs[@]}"; do
	for fam in "${fams[@]}"; do
		k=$leg$fam
		# shellcheck disable=SC2086
		MU[$k]=$(e2e_median ${UDP[$k]})
		# shellcheck disable=SC2086
		MT[$k]=$(e2e_median ${TCP[$k]})
		# shellcheck disable=SC2086
		printf '%-8s v%-3s %10.1f %18s %10s %12.3f %18s\n' "$leg" "$fam" "${MU[$k]}" \
			"($(spread ${UDP[$k]}))" "$(us "${MU[$k]}")" "${MT[$k]}" "($(spread ${TCP[$k]}))"
	done
done
echo
echo "cost of a packet IPv6/IPv4 (udp: kpps v4 / kpps v6; tcp: Gbit/s v4 / v6; target <= 1.2):"
for leg in "${legs[@]}"; do
	# per round too, for the spread of the ratio itself
	read -ra u4 <<<"${UDP[${leg}4]}"
	read -ra u6 <<<"${UDP[${leg}6]}"
	rs=()
	for ((i = 0; i < ${#u4[@]}; i++)); do rs+=("$(e2e_ratio "${u4[i]}" "${u6[i]}")"); done
	printf 'v6/v4 %-5s udp %s (rounds %s)  tcp %s\n' "$leg" \
		"$(e2e_ratio "${MU[${leg}4]}" "${MU[${leg}6]}")" "$(spread "${rs[@]}")" \
		"$(e2e_ratio "${MT[${leg}4]}" "${MT[${leg}6]}")"
done
echo
echo "what the firewall adds to plain forwarding, per udp packet (us; 1/kpps(q) - 1/kpps(none)):"
for leg in q20 q10k; do
	a4=$(awk -v q="${MU[${leg}4]}" -v n="${MU[none4]}" 'BEGIN { if (q > 0 && n > 0) printf "%.3f", 1000 / q - 1000 / n; else print 0 }')
	a6=$(awk -v q="${MU[${leg}6]}" -v n="${MU[none6]}" 'BEGIN { if (q > 0 && n > 0) printf "%.3f", 1000 / q - 1000 / n; else print 0 }')
	printf 'added %-5s v4 %s  v6 %s  v6/v4 %s\n' "$leg" "$a4" "$a6" "$(e2e_ratio "$a6" "$a4")"
done
echo
echo "load average before: $load_before  after: $load_after  ($(nproc) CPUs; $rounds rounds of $secs s)"
# What the firewalls saw, to show the packets really went through them.
for leg in q20 q10k; do
	echo "$leg: $(ip netns exec "${FWN[$leg]}" "$B/qtables" --stats | grep -E '^queue|verdicts|^kernel' | tr -s ' ' | paste -sd';')"
done
