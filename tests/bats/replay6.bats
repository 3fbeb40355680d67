#!/usr/bin/env bats
# qtables-replay with both families against the kernel: IPv4 and IPv6
# traffic sent to a namespace whose kernel iptables-nft and
# ip6tables-nft hold the rulesets below is captured there (tcpdump, one
# pcap with both families); the capture replayed at INPUT through the
# same two rulesets (--rules6) must give each rule the counters the
# kernel gave it. Rules of each family: ports, multiport, protocol
# types, addresses, length, hop limit/TTL, DROP and a user chain with
# RETURN.

RULES4='*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:udpc - [0:0]
-A INPUT -p udp -m udp --dport 5001 -j DROP
-A INPUT -p udp -j udpc
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
-A INPUT -p tcp -m tcp --tcp-flags SYN,ACK SYN -j ACCEPT
-A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT
-A udpc -p udp -m multiport --dports 5002,5003 -j ACCEPT
-A udpc -s 10.0.1.2/32 -m length --length 0:60 -j RETURN
-A udpc -m ttl --ttl-eq 64 -j ACCEPT
COMMIT'

RULES6='*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:udpc - [0:0]
-A INPUT -p udp -m udp --dport 5001 -j DROP
-A INPUT -p udp -j udpc
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
-A INPUT -s fd00:1::2/128 -p tcp -j ACCEPT
-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j ACCEPT
-A udpc -p udp -m multiport --dports 5002,5003 -j ACCEPT
-A udpc -s fd00:1::2/128 -m length --length 0:80 -j RETURN
-A udpc -m hl --hl-eq 64 -j ACCEPT
COMMIT'

setup() {
	QT_PREFIX=${QT_BATS_PREFIX:-qtnp-r}$$-$BATS_TEST_NUMBER
	# shellcheck source=../lib/qt.sh
	source "$BATS_TEST_DIRNAME/../lib/qt.sh"
	R=$QT_BUILD/qtables-replay
	[ -x "$R" ] || { echo "no $R (set QT_BUILD)" >&2; return 1; }
	command -v tcpdump >/dev/null || skip "no tcpdump"
	BGPIDS=()
	qt_ns c || return 1; C=$QT_NS
	qt_ns fw || return 1; FW=$QT_NS
	for ns in "$C" "$FW"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.router_solicitations=0 \
			net.ipv6.conf.all.router_solicitations=0 \
			net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
	done
	ip link add qtc0 netns "$C" type veth peer name qtf0 netns "$FW" || return 1
	ip -n "$C" addr add 10.0.1.2/24 dev qtc0
	ip -n "$FW" addr add 10.0.1.1/24 dev qtf0
	ip -n "$C" addr add fd00:1::2/64 dev qtc0 nodad
	ip -n "$FW" addr add fd00:1::1/64 dev qtf0 nodad
	ip -n "$C" link set qtc0 up
	ip -n "$FW" link set qtf0 up
	ip netns exec "$C" ping -6 -n -q -c 1 -w 5 fd00:1::1 >/dev/null 2>&1 || true
}

teardown() {
	local p
	for p in "${BGPIDS[@]}"; do kill "$p" 2>/dev/null; done
	qt_cleanup
}

# UDP datagrams of LEN payload bytes from the client to ADDR PORT with
# hop limit / TTL HL.
udp() {
	ip netns exec "$C" python3 -c '
import socket, sys
addr, port, n, hl = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
if fam == socket.AF_INET6:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, hl)
else:
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, hl)
s.sendto(b"x" * n, (addr, port))' "$@"
}

# tcpdump in the firewall writing what comes in on qtf0 that FILTER
# takes to PCAP, once it says it listens.
capture() {
	: >"$QT_RUN/tcpdump.err"
	ip netns exec "$FW" tcpdump -Q in -i qtf0 -U -s 0 -w "$1" "$2" \
		2>"$QT_RUN/tcpdump.err" &
	TPID=$!
	BGPIDS+=("$TPID")
	for _ in $(seq 200); do
		grep -q 'listening on' "$QT_RUN/tcpdump.err" && return 0
		sleep 0.05
	done
	cat "$QT_RUN/tcpdump.err" >&2
	return 1
}

# The capture ended once it holds N records (at most 5 s later).
capture_end() {
	local n=$1 pcap=$2
	for _ in $(seq 100); do
		[ "$(python3 -c 'import sys
d = open(sys.argv[1], "rb").read()
n, off = 0, 24
while off + 16 <= len(d):
    off += 16 + int.from_bytes(d[off + 8:off + 12], "little"); n += 1
print(n)' "$pcap" 2>/dev/null)" -ge "$n" ] 2>/dev/null && break
		sleep 0.05
	done
	kill -INT "$TPID"
	wait "$TPID" 2>/dev/null || true
}

# The rule lines of a save with their counters: "[P:B] -A CHAIN ...".
rule_counts() {
	grep -E '^\[[0-9]+:[0-9]+\] -A '
}

@test "replay --rules6: one capture of IPv4 and IPv6 traffic, each family judged by its ruleset, counters as the kernel's" {
	echo "$RULES4" | ip netns exec "$FW" /usr/sbin/iptables-nft-restore
	echo "$RULES6" | ip netns exec "$FW" /usr/sbin/ip6tables-nft-restore
	local pcap=$QT_RUN/both.pcap
	# only what the client sends to the firewall, ARP aside (neighbour
	# discovery is ICMPv6 and is judged too)
	capture "$pcap" 'ip or ip6'
	local a
	for a in 10.0.1.1 fd00:1::1; do
		udp "$a" 5001 10 64
		udp "$a" 5002 10 64
		udp "$a" 5003 200 64
		udp "$a" 5004 4 64
		udp "$a" 5004 300 64
		udp "$a" 5005 300 7
		udp "$a" 5005 4 9
	done
	ip netns exec "$C" ping -n -q -c 2 -i 0.2 10.0.1.1 >/dev/null
	ip netns exec "$C" ping -6 -n -q -c 2 -i 0.2 fd00:1::1 >/dev/null
	# SYNs answered by resets (no listener): one to an accepted port,
	# one to the catch-all SYN rule
	ip netns exec "$C" timeout 3 socat - TCP4:10.0.1.1:22,connect-timeout=1 </dev/null 2>/dev/null || true
	ip netns exec "$C" timeout 3 socat - TCP6:[fd00:1::1]:23,connect-timeout=1 </dev/null 2>/dev/null || true
	ip netns exec "$C" timeout 3 socat - TCP6:[fd00:1::1]:22,connect-timeout=1 </dev/null 2>/dev/null || true
	ip netns exec "$C" timeout 3 socat - TCP4:10.0.1.1:23,connect-timeout=1 </dev/null 2>/dev/null || true
	# 14 datagrams, 4 pings, 4 SYNs
	capture_end 22 "$pcap"

	echo "$RULES4" >"$QT_RUN/rules.v4"
	echo "$RULES6" >"$QT_RUN/rules.v6"
	run "$R" --hook INPUT --in qtf0 --save-counters --rules6 "$QT_RUN/rules.v6" \
		"$QT_RUN/rules.v4" "$pcap"
	echo "$output"
	[ "$status" -eq 0 ]
	# every record judged: both families have a ruleset
	! echo "$output" | grep -q ' SKIP ' || false
	echo "$output" | grep -Eq '^[0-9]+ DROP$'
	local ours=$output
	run ip netns exec "$FW" /usr/sbin/iptables-nft-save -c
	local k4=$output
	run ip netns exec "$FW" /usr/sbin/ip6tables-nft-save -c
	local k6=$output
	# the replay prints the IPv4 ruleset, then the IPv6 one
	local o4 o6
	o4=$(echo "$ours" | sed -n '/^\*filter/,/^COMMIT/p' | sed -n '1,/^COMMIT/p')
	o6=$(echo "$ours" | sed -n '/^\*filter/,/^COMMIT/p' | sed '1,/^COMMIT/d')
	echo "== IPv4 ours"; echo "$o4" | rule_counts
	echo "== IPv4 kernel"; echo "$k4" | rule_counts
	echo "== IPv6 ours"; echo "$o6" | rule_counts
	echo "== IPv6 kernel"; echo "$k6" | rule_counts
	[ "$(echo "$o4" | rule_counts)" = "$(echo "$k4" | rule_counts)" ]
	[ "$(echo "$o6" | rule_counts)" = "$(echo "$k6" | rule_counts)" ]
	# and every rule of each family met packets but the catch-alls
	[ "$(echo "$o4" | rule_counts | grep -c '^\[0:0\]')" -eq 0 ]
	[ "$(echo "$o6" | rule_counts | grep -c '^\[0:0\]')" -eq 0 ]
}

@test "replay --rules6: without it IPv6 records are skipped; with it alone IPv4 records are" {
	local pcap=$QT_RUN/both.pcap
	capture "$pcap" udp
	udp 10.0.1.1 5001 10 64
	udp fd00:1::1 5001 10 64
	capture_end 2 "$pcap"
	echo "$RULES4" >"$QT_RUN/rules.v4"
	echo "$RULES6" >"$QT_RUN/rules.v6"
	run "$R" "$QT_RUN/rules.v4" "$pcap"
	echo "$output"
	[ "$output" = "$(printf '1 DROP\n2 SKIP not IPv4 (ethertype 0x86dd)')" ]
	run "$R" --rules6 "$QT_RUN/rules.v6" "$pcap"
	echo "$output"
	[ "$output" = "$(printf '1 SKIP not IPv6 (ethertype 0x0800)\n2 DROP')" ]
	run "$R" -6 "$QT_RUN/rules.v6" "$QT_RUN/rules.v4" "$pcap"
	echo "$output"
	[ "$output" = "$(printf '1 DROP\n2 DROP')" ]
	# ip6tables' own targets rewrite IPv6 packets in the replay too
	printf '%s\n' '*mangle' ':PREROUTING ACCEPT [0:0]' \
		'-A PREROUTING -j DNPT --src-pfx fd00:1::/64 --dst-pfx fd00:2::/64' \
		'COMMIT' >"$QT_RUN/npt.v6"
	run "$R" --hook PREROUTING --rules6 "$QT_RUN/npt.v6" "$QT_RUN/rules.v4" "$pcap"
	echo "$output"
	[ "$output" = "$(printf '1 ACCEPT\n2 ACCEPT rewritten')" ]
	# an IPv4 ruleset given as the IPv6 one is refused, naming the file
	run "$R" --rules6 "$QT_RUN/rules.v4" "$pcap"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"rules.v4: not a valid ruleset"* ]]
	run "$R" --gen 3 --rules6 "$QT_RUN/rules.v6" "$QT_RUN/rules.v4"
	[ "$status" -eq 2 ]
	run "$R" --rules6 - - "$pcap"
	[ "$status" -eq 2 ]
}
