#!/usr/bin/env bats
# ip6tables' DNPT and SNPT on real traffic, twin topologies side by
# side: client (inside, fd00:1::/64) -- firewall -- server (outside,
# 2001:db8:2::/64), once with kernel ip6tables-nft in the firewall, once
# with qtablesd. The inside prefix is seen outside as 2001:db8:1::/64
# (RFC 6296: SNPT out of the outside interface, DNPT into it). Both
# targets map any address they are given (the firewall's own neighbour
# solicitations too): the rules select the prefix they translate.

load nft_twin_lib

RULES6='*mangle
-A PREROUTING -d 2001:db8:1::/64 -i qtf1 -j DNPT --src-pfx 2001:db8:1::/64 --dst-pfx fd00:1::/64
-A POSTROUTING -s fd00:1::/64 -o qtf1 -j SNPT --src-pfx fd00:1::/64 --dst-pfx 2001:db8:1::/64
COMMIT'

# fd00:1::2 as the server sees it. RFC 6296's arithmetic by hand: the
# inside prefix sums to 0xfd00 + 0x0001 = 0xfd01, the outside one to
# 0x2001 + 0x0db8 + 0x0001 = 0x2dba; 0xfd01 - 0x2dba = 0xcf47 in one's
# complement, added to the first interface identifier word (0) of a
# /64.
CLIENT_OUT=2001:db8:1:0:cf47::2

setup() {
	twin_init qtnp- || return 1
	twin q || return 1
	C=$C_ FW=$FW_ S=$S_
	twin k || return 1
	KC=$C_ KFW=$FW_ KS=$S_
	start_daemon || return 1
	echo "$RULES6" | ip netns exec "$FW" "$QT_BUILD/ip6tables-restore" || return 1
	echo "$RULES6" | ip netns exec "$KFW" /usr/sbin/ip6tables-nft-restore || return 1
}

# Namespaces NAME-c$1, -fw$1, -s$1: the client fd00:1::2 (qtc0), the
# firewall fd00:1::1 (qtf0) | 2001:db8:2::1 (qtf1), the server
# 2001:db8:2::2 (qts0), which knows no route to fd00:1::/64: only the
# translated prefix comes back. Sets C_ FW_ S_.
twin() {
	twin_trio "$1" || return 1
	ip -n "$C_" addr add fd00:1::2/64 dev qtc0 nodad
	ip -n "$FW_" addr add fd00:1::1/64 dev qtf0 nodad
	ip -n "$FW_" addr add 2001:db8:2::1/64 dev qtf1 nodad
	ip -n "$S_" addr add 2001:db8:2::2/64 dev qts0 nodad
	ip -n "$C_" link set qtc0 up
	ip -n "$FW_" link set qtf0 up
	ip -n "$FW_" link set qtf1 up
	ip -n "$S_" link set qts0 up
	ip -n "$C_" -6 route add default via fd00:1::1
	ip -n "$S_" -6 route add 2001:db8:1::/64 via 2001:db8:2::1
	ip netns exec "$FW_" sysctl -qw net.ipv6.conf.all.forwarding=1
	# the links ready for IPv6 before the test (the first neighbour
	# solicitation on a new link may go unanswered for a second)
	ip netns exec "$C_" ping -6 -n -q -c 1 -w 5 fd00:1::1 >/dev/null 2>&1
	ip netns exec "$S_" ping -6 -n -q -c 1 -w 5 2001:db8:2::1 >/dev/null 2>&1
	return 0
}

# A TCP server in NS on PORT that answers with the address it sees the
# connection come from.
listen_peer() {
	ip netns exec "$1" socat TCP6-LISTEN:"$2",reuseaddr,fork \
		SYSTEM:'echo "$SOCAT_PEERADDR"' >/dev/null 2>&1 &
	serving "$1" "$2"
}

# What a TCP connection from NS to [ADDR]:PORT reads (from the source
# address BIND when given), an address in its canonical form.
fetch() {
	local bind=${4:+,bind=[$4]}
	ip netns exec "$1" timeout 4 socat -T 3 - \
		"TCP6:[$2]:$3,connect-timeout=2$bind" </dev/null 2>/dev/null |
		"$PY" -c 'import ipaddress, sys
for l in sys.stdin:
    l = l.strip().strip("[]")
    try: print(ipaddress.ip_address(l))
    except ValueError: print(l)'
}

# The packet counts of a chain of the mangle table, one per line.
pkts() {
	awk 'NR > 2 { print $1, $3 }'
}

# A chain's listing without its counters: what qtables and the kernel
# must list alike.
rules() {
	awk 'NR > 2 { $1 = $2 = ""; print }'
}

# listed_as_kernel CHAIN...: each mangle CHAIN of qtables' twin listed
# as the kernel's twin lists its own, every rule having met packets.
listed_as_kernel() {
	local c ours
	for c in "$@"; do
		run ip netns exec "$FW" "$QT_BUILD/ip6tables" -t mangle -L "$c" -v -n -x
		ours=$output
		run ip netns exec "$KFW" /usr/sbin/ip6tables-nft -t mangle -L "$c" -v -n -x
		echo "$c qtables:"; echo "$ours"; echo "$c kernel:"; echo "$output"
		[ "$(echo "$ours" | rules)" = "$(echo "$output" | rules)" ]
		echo "$ours" | pkts | grep -Eq '^[1-9][0-9]* [DS]NPT$'
	done
}

# How many TCP packets of a connection each way, and how long, is the
# endpoints' timing (whether an ACK rides on data depends on when the
# server's forked reply is written), not the firewall's: so rule
# counters are compared with the kernel's own at the server's end of
# the wire, rules without a target in NS counting every TCP packet to
# (INPUT) and from (OUTPUT) PORT.
count_at_server() {
	ip netns exec "$1" /usr/sbin/ip6tables-nft -A INPUT -p tcp --dport "$2" &&
		ip netns exec "$1" /usr/sbin/ip6tables-nft -A OUTPUT -p tcp --sport "$2"
}

# "packets bytes" of each rule of CHAIN in table TABLE, listed in NS by
# CMD.
counters() {
	ip netns exec "$1" "$2" -t "$3" -L "$4" -v -n -x | awk 'NR > 2 { print $1, $2 }'
}

# Do FW's rule counters (CMD, mangle) equal server NS's wire counts:
# chain TO's rule the packets the server received, chain FROM's those it
# sent? A packet still in flight when the connection's last read
# returns (a final ACK in the queue) arrives within a budget of 2 s.
counted_as_wire() {
	local fw=$1 cmd=$2 ns=$3 to=$4 from=$5 out in sin sout
	for _ in $(seq 40); do
		out=$(counters "$fw" "$cmd" mangle "$to")
		in=$(counters "$fw" "$cmd" mangle "$from")
		sin=$(counters "$ns" /usr/sbin/ip6tables-nft filter INPUT)
		sout=$(counters "$ns" /usr/sbin/ip6tables-nft filter OUTPUT)
		[ "$out" = "$sin" ] && [ "$in" = "$sout" ] && break
		sleep 0.05
	done
	echo "$fw: $to '$out' $from '$in'; server received '$sin' sent '$sout'"
	[ "$out" = "$sin" ] && [ "$in" = "$sout" ]
}

@test "SNPT/DNPT: a TCP connection from inside works through both firewalls; the server sees the same translated address" {
	listen_peer "$S" 8080
	listen_peer "$KS" 8080
	count_at_server "$S" 8080
	count_at_server "$KS" 8080
	run fetch "$KC" 2001:db8:2::2 8080
	echo "kernel: server saw '$output'"
	local kernel=$output
	run fetch "$C" 2001:db8:2::2 8080
	echo "qtables: server saw '$output'"
	[ "$output" = "$kernel" ]
	# RFC 6296's address
	[ "$output" = "$CLIENT_OUT" ]
	# each rule met packets, listed as the kernel lists its own
	listed_as_kernel PREROUTING POSTROUTING
	# every packet of the connection each way through its rule (SNPT
	# on the way out, DNPT on the way back), as the kernel's own rules
	# count them
	counted_as_wire "$KFW" /usr/sbin/ip6tables-nft "$KS" POSTROUTING PREROUTING
	counted_as_wire "$FW" "$QT_BUILD/ip6tables" "$S" POSTROUTING PREROUTING
}

@test "DNPT/SNPT: a connection from outside to the translated address reaches the inside host, which sees the server's own address" {
	listen_peer "$C" 8081
	listen_peer "$KC" 8081
	run fetch "$KS" "$CLIENT_OUT" 8081
	echo "kernel: client saw '$output'"
	local kernel=$output
	[ "$kernel" = 2001:db8:2::2 ]
	run fetch "$S" "$CLIENT_OUT" 8081
	echo "qtables: client saw '$output'"
	[ "$output" = "$kernel" ]
	# the untranslated inside address is not reachable from outside
	ip -n "$S" -6 route add fd00:1::/64 via 2001:db8:2::1
	run fetch "$S" fd00:1::2 8081
	echo "qtables, to fd00:1::2 itself: '$output'"
	[ -z "$output" ]
}

@test "SNPT: an inside address whose interface identifier is all 0xffff cannot be translated: dropped by both" {
	local ns
	for ns in "$C" "$KC"; do
		ip -n "$ns" addr add fd00:1::ffff:ffff:ffff:ffff/64 dev qtc0 nodad
	done
	listen_peer "$S" 8082
	listen_peer "$KS" 8082
	ip netns exec "$FW" "$QT_BUILD/ip6tables" -t mangle -Z
	ip netns exec "$KFW" /usr/sbin/ip6tables-nft -t mangle -Z
	for ns in "$C" "$KC"; do
		run ip netns exec "$ns" timeout 4 socat -T 2 - \
			"TCP6:[2001:db8:2::2]:8082,bind=[fd00:1::ffff:ffff:ffff:ffff],connect-timeout=1" </dev/null
		echo "$ns: '$output'"
		[ -z "$output" ] || [ "$status" -ne 0 ]
		[ "$status" -ne 0 ]
	done
	# the SYNs met the rule in both (retransmitted as often: a timed
	# connect, so the numbers may differ by one under load)
	run ip netns exec "$FW" "$QT_BUILD/ip6tables" -t mangle -L POSTROUTING -v -n -x
	echo "$output"
	echo "$output" | pkts | grep -Eq '^[1-9][0-9]* SNPT$'
	run ip netns exec "$KFW" /usr/sbin/ip6tables-nft -t mangle -L POSTROUTING -v -n -x
	echo "$output"
	echo "$output" | pkts | grep -Eq '^[1-9][0-9]* SNPT$'
	# and other inside hosts still get through
	[ "$(fetch "$C" 2001:db8:2::2 8082 fd00:1::2)" = "$CLIENT_OUT" ]
}

# What NS gets back for a UDP datagram from port 40404 to [ADDR]:9999:
# each ICMPv6 error within 1.5 s, its sender, type, code, pointer and
# the packet it quotes (bytes in hex).
icmp6_errors() {
	ip netns exec "$1" "$PY" - "$2" <<'PY'
import socket, sys, time
r = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
r.settimeout(1.5)
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
u.bind(("", 40404))
u.sendto(b"npt", (sys.argv[1], 9999))
end = time.time() + 1.5
while time.time() < end:
    try:
        d, a = r.recvfrom(2000)
    except socket.timeout:
        break
    if d[0] < 128:
        print(a[0], d[0], d[1], int.from_bytes(d[4:8], "big"), d.hex())
PY
}

@test "DNPT: an address it cannot map (interface identifier all 0xffff) is answered with the kernel's ICMPv6 parameter problem, then dropped" {
	run icmp6_errors "$KS" 2001:db8:1::ffff:ffff:ffff:ffff
	echo "kernel: $output"
	local kernel=$output
	# type 4 code 0 (erroneous header field) pointing at the
	# destination address, from the firewall's address on the way
	# back; the quote holds the prefix already mapped
	[ "${kernel%% *}" = 2001:db8:2::1 ]
	[[ "$kernel" == "2001:db8:2::1 4 0 24 "* ]]
	[[ "$kernel" == *fd00000100000000ffffffffffffffff* ]]
	run icmp6_errors "$S" 2001:db8:1::ffff:ffff:ffff:ffff
	echo "qtables: $output"
	[ "$output" = "$kernel" ]
	# an address it can map gets no error from either
	run icmp6_errors "$S" 2001:db8:1::5
	[ -z "$output" ]
}

@test "DNPT at OUTPUT, SNPT at INPUT: the firewall's own connection to a mapped address reaches the server and its replies map back" {
	# 2001:db8:9::/64 stands for the server's 2001:db8:2::/64 (sums
	# 0x2dc2 and 0x2dbb: the adjustment is 7), so the server's
	# 2001:db8:2::2 is 2001:db8:9:0:fff8::2 here: 0xfff8 + 7 is 0xffff,
	# written as 0
	local fw
	for fw in "$FW" "$KFW"; do
		local cmd=/usr/sbin/ip6tables-nft
		[ "$fw" = "$FW" ] && cmd=$QT_BUILD/ip6tables
		ip netns exec "$fw" "$cmd" -t mangle -A OUTPUT -d 2001:db8:9::/64 \
			-j DNPT --src-pfx 2001:db8:9::/64 --dst-pfx 2001:db8:2::/64
		ip netns exec "$fw" "$cmd" -t mangle -A INPUT -s 2001:db8:2::/64 -p tcp \
			-j SNPT --src-pfx 2001:db8:2::/64 --dst-pfx 2001:db8:9::/64
		ip -n "$fw" -6 route add 2001:db8:9::/64 dev qtf1
	done
	listen_peer "$S" 8083
	listen_peer "$KS" 8083
	count_at_server "$S" 8083
	count_at_server "$KS" 8083
	run fetch "$KFW" 2001:db8:9:0:fff8::2 8083
	echo "kernel: server saw '$output'"
	[ "$output" = 2001:db8:2::1 ]
	run fetch "$FW" 2001:db8:9:0:fff8::2 8083
	echo "qtables: server saw '$output'"
	[ "$output" = 2001:db8:2::1 ]
	listed_as_kernel OUTPUT INPUT
	# every packet of the connection each way through its rule, no
	# more, no fewer, as the kernel's own rules count them
	counted_as_wire "$KFW" /usr/sbin/ip6tables-nft "$KS" OUTPUT INPUT
	counted_as_wire "$FW" "$QT_BUILD/ip6tables" "$S" OUTPUT INPUT
}
