#!/usr/bin/env bats
# REJECT's replies are RELATED to the connection they refuse, as the
# kernel's are (nf_reject_ipv4/6 and icmp_send attach the rejected
# packet's conntrack to the reply): a host whose OUTPUT lets out only
# ESTABLISHED,RELATED still refuses connections at once instead of
# leaving its clients to time out. Real traffic through qt_topo's fw
# (see datapath.bats); QT_ORACLE=1 runs the same against the kernel.

bats_require_minimum_version 1.5.0

load datapath_lib

# ipt_fam 4|6 ARGS...: the family's iptables in the fw (qt or q6).
ipt_fam() {
	if [ "$1" = 6 ]; then q6 "$FW" "${@:2}"; else qt "$FW" "${@:2}"; fi
}

# Neighbour discovery let out of an IPv6 fw whose OUTPUT drops.
nd_out() {
	q6 "$FW" -A OUTPUT -p ipv6-icmp --icmpv6-type neighbour-solicitation -j ACCEPT
	q6 "$FW" -A OUTPUT -p ipv6-icmp --icmpv6-type neighbour-advertisement -j ACCEPT
}

# The hardened OUTPUT: only packets of known connections leave (and, for
# IPv6, neighbour discovery): hardened [4|6]
hardened() {
	local fam=${1:-4}
	ipt_fam "$fam" -P OUTPUT DROP
	ipt_fam "$fam" -A OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	[ "$fam" = 4 ] || nd_out
}

q6() {
	if [ -n "${QT_ORACLE:-}" ]; then
		ip netns exec "$1" /usr/sbin/ip6tables-nft "${@:2}"
	else
		ip netns exec "$1" "$QT_BUILD/ip6tables" "${@:2}"
	fi
}
cnt6() {
	q6 "$FW" -t "${3:-filter}" -L "$1" -v -n -x --line-numbers |
		awk -v n="$2" '$1 == n { print $2 }'
}

topo6_addrs() {
	ip -n "$C" addr add fd00:1::2/64 dev qtc0 nodad
	ip -n "$FW" addr add fd00:1::1/64 dev qtf0 nodad
	ip -n "$FW" addr add fd00:2::1/64 dev qtf1 nodad
	ip -n "$S" addr add fd00:2::2/64 dev qts0 nodad
	ip -n "$C" -6 route add default via fd00:1::1
	ip -n "$S" -6 route add default via fd00:2::1
	ip netns exec "$FW" sysctl -qw net.ipv6.conf.all.forwarding=1
}

# The connection table of the fw: ours, or the kernel's.
ct_lines() {
	if [ -n "${QT_ORACLE:-}" ]; then
		ip netns exec "$FW" conntrack -L "$@" 2>/dev/null
	else
		ip netns exec "$FW" "$QT_BUILD/qtables-conntrack" -L "$@" 2>/dev/null
	fi | grep -c .
}

# udp_err FAMILY DST PORT: one datagram from the client ($FROM); prints
# the error the socket reports (errno name), or "timeout".
udp_err() {
	ip netns exec "${FROM:-$C}" "$PY" - "$@" <<'PY'
import errno, socket, sys
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.connect((sys.argv[2], int(sys.argv[3])))
s.send(b"x")
s.settimeout(3)
try:
    s.recv(100)
    print("answer")
except socket.timeout:
    print("timeout")
except OSError as e:
    print(errno.errorcode[e.errno])
PY
}

@test "REJECT tcp-reset at INPUT: RELATED in OUTPUT, the connect refused" {
	hardened
	qt "$FW" -A INPUT -p tcp --dport 8080 -j REJECT --reject-with tcp-reset
	run ip netns exec "$C" timeout 5 nc -zv 10.0.1.1 8080
	[ "$status" -eq 1 ]
	[[ "$output" == *"Connection refused"* ]]
	[ "$(cnt INPUT 1)" -eq 1 ]
	[ "$(cnt OUTPUT 1)" -eq 1 ]
	[ "$(policy_pkts OUTPUT)" -eq 0 ]
	# the refused connection is never confirmed
	[ "$(ct_lines -p tcp)" -eq 0 ]
}

@test "REJECT ICMP types at INPUT: RELATED in OUTPUT, the error reaches the client" {
	hardened
	qt "$FW" -A INPUT -p udp --dport 5001 -j REJECT
	qt "$FW" -A INPUT -p udp --dport 5002 -j REJECT --reject-with icmp-host-prohibited
	qt "$FW" -A INPUT -p udp --dport 5003 -j REJECT --reject-with icmp-admin-prohibited
	[ "$(udp_err 4 10.0.1.1 5001)" = ECONNREFUSED ]
	[ "$(udp_err 4 10.0.1.1 5002)" = EHOSTUNREACH ]
	[ "$(udp_err 4 10.0.1.1 5003)" = EHOSTUNREACH ]
	[ "$(cnt OUTPUT 1)" -eq 3 ]
	[ "$(policy_pkts OUTPUT)" -eq 0 ]
	[ "$(ct_lines -p udp)" -eq 0 ]
}

@test "REJECT at FORWARD: its reply leaves through OUTPUT as RELATED" {
	hardened
	qt "$FW" -A FORWARD -p tcp --dport 8080 -j REJECT --reject-with tcp-reset
	qt "$FW" -A FORWARD -p udp --dport 5001 -j REJECT
	run ip netns exec "$C" timeout 5 nc -zv 10.0.2.2 8080
	[ "$status" -eq 1 ]
	[[ "$output" == *"Connection refused"* ]]
	[ "$(udp_err 4 10.0.2.2 5001)" = ECONNREFUSED ]
	[ "$(cnt FORWARD 1)" -eq 1 ]
	[ "$(cnt FORWARD 2)" -eq 1 ]
	[ "$(cnt OUTPUT 1)" -eq 2 ]
	[ "$(policy_pkts OUTPUT)" -eq 0 ]
	[ "$(ct_lines)" -eq 0 ]
}

@test "REJECT: the reply carries the rejected connection's ct mark, direction REPLY" {
	qt "$FW" -P OUTPUT DROP
	qt "$FW" -t mangle -A PREROUTING -p tcp --dport 8080 -j CONNMARK --set-mark 7
	qt "$FW" -A OUTPUT -m connmark --mark 7 -m conntrack --ctstate RELATED --ctdir REPLY -j ACCEPT
	qt "$FW" -A OUTPUT -m conntrack --ctstate RELATED -j ACCEPT
	qt "$FW" -A OUTPUT -m conntrack --ctstate INVALID -j ACCEPT
	qt "$FW" -A INPUT -p tcp -j REJECT --reject-with tcp-reset
	qt "$FW" -A INPUT -p udp -j REJECT
	run ip netns exec "$C" timeout 5 nc -zv 10.0.1.1 8080
	[[ "$output" == *"Connection refused"* ]]
	run ip netns exec "$C" timeout 5 nc -zv 10.0.1.1 8081
	[[ "$output" == *"Connection refused"* ]]
	[ "$(udp_err 4 10.0.1.1 5001)" = ECONNREFUSED ]
	[ "$(cnt OUTPUT 1)" -eq 1 ]
	[ "$(cnt OUTPUT 2)" -eq 2 ]
	[ "$(cnt OUTPUT 3)" -eq 0 ]
	[ "$(policy_pkts OUTPUT)" -eq 0 ]
}

@test "REJECT IPv6 at INPUT and FORWARD: tcp-reset and ICMPv6 errors are RELATED" {
	topo6_addrs
	hardened 6
	q6 "$FW" -A INPUT -p tcp --dport 8080 -j REJECT --reject-with tcp-reset
	q6 "$FW" -A INPUT -p udp --dport 5001 -j REJECT
	q6 "$FW" -A INPUT -p udp --dport 5002 -j REJECT --reject-with icmp6-adm-prohibited
	q6 "$FW" -A FORWARD -p tcp --dport 8080 -j REJECT --reject-with tcp-reset
	q6 "$FW" -A FORWARD -p udp --dport 5001 -j REJECT
	run ip netns exec "$C" timeout 5 nc -zv fd00:1::1 8080
	[[ "$output" == *"Connection refused"* ]]
	run ip netns exec "$C" timeout 5 nc -zv fd00:2::2 8080
	[[ "$output" == *"Connection refused"* ]]
	[ "$(udp_err 6 fd00:1::1 5001)" = ECONNREFUSED ]
	[ "$(udp_err 6 fd00:1::1 5002)" = EACCES ]
	[ "$(udp_err 6 fd00:2::2 5001)" = ECONNREFUSED ]
	[ "$(cnt6 INPUT 1)" -eq 1 ]
	[ "$(cnt6 FORWARD 1)" -eq 1 ]
	[ "$(cnt6 OUTPUT 1)" -eq 5 ]
	[ "$(ct_lines -f ipv6)" -eq 0 ]
}

nftfw() {
	if [ -n "${QT_ORACLE:-}" ]; then
		ip netns exec "$FW" /usr/sbin/nft "$@"
	else
		ip netns exec "$FW" "$QT_BUILD/nft" "$@"
	fi
}

@test "nft reject: the replies are RELATED in the output hook" {
	nftfw -f - <<'NFT'
table inet t {
	chain in {
		type filter hook input priority 0;
		tcp dport 8080 reject with tcp reset
		udp dport 5001 reject
		udp dport 5002 reject with icmpx admin-prohibited
	}
	chain out {
		type filter hook output priority 0; policy drop;
		ct state related ct direction reply counter accept
		ct state established counter accept
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
	}
}
NFT
	topo6_addrs
	run ip netns exec "$C" timeout 5 nc -zv 10.0.1.1 8080
	[[ "$output" == *"Connection refused"* ]]
	run ip netns exec "$C" timeout 5 nc -zv fd00:1::1 8080
	[[ "$output" == *"Connection refused"* ]]
	[ "$(udp_err 4 10.0.1.1 5001)" = ECONNREFUSED ]
	[ "$(udp_err 4 10.0.1.1 5002)" = EHOSTUNREACH ]
	[ "$(udp_err 6 fd00:1::1 5001)" = ECONNREFUSED ]
	run nftfw list chain inet t out
	[[ "$output" == *"ct direction reply counter packets 5 "* ]]
}

@test "REJECT after DNAT: the replies are translated back, as the kernel's" {
	qt "$FW" -t nat -A PREROUTING -d 10.0.1.1 -p tcp --dport 8080 -j DNAT --to-destination 10.0.2.2:80
	qt "$FW" -t nat -A PREROUTING -d 10.0.1.1 -p udp --dport 5001 -j DNAT --to-destination 10.0.2.2:53
	qt "$FW" -A FORWARD -p tcp --dport 80 -j REJECT --reject-with tcp-reset
	qt "$FW" -A FORWARD -p udp --dport 53 -j REJECT
	hardened
	run ip netns exec "$C" timeout 5 nc -zv 10.0.1.1 8080
	[[ "$output" == *"Connection refused"* ]]
	[ "$(udp_err 4 10.0.1.1 5001)" = ECONNREFUSED ]
	[ "$(cnt OUTPUT 1)" -eq 2 ]
	[ "$(ct_lines)" -eq 0 ]
}

@test "REJECT in a zone: NOTRACK in raw OUTPUT leaves the reply its connection" {
	qt "$FW" -t raw -A PREROUTING -p tcp --dport 8080 -j CT --zone 5
	qt "$FW" -t raw -A OUTPUT -p tcp -j CT --notrack
	qt "$FW" -A INPUT -p tcp --dport 8080 -j REJECT --reject-with tcp-reset
	hardened
	run ip netns exec "$C" timeout 5 nc -zv 10.0.1.1 8080
	[[ "$output" == *"Connection refused"* ]]
	[ "$(cnt OUTPUT 1)" -eq 1 ]
	[ "$(ct_lines)" -eq 0 ]
}

@test "nft reject: the reply is in the rejected connection's zone" {
	nftfw -f - <<'NFT'
table ip t {
	chain raw {
		type filter hook prerouting priority raw;
		tcp dport 8080 ct zone set 5
	}
	chain in {
		type filter hook input priority 0;
		tcp dport 8080 reject with tcp reset
	}
	chain out {
		type filter hook output priority 0; policy drop;
		ct zone 5 ct state related ct mark 0 counter accept
		ct state established,related counter accept
	}
}
NFT
	run ip netns exec "$C" timeout 5 nc -zv 10.0.1.1 8080
	[[ "$output" == *"Connection refused"* ]]
	run nftfw list chain ip t out
	[[ "$output" == *"ct mark 0x00000000 counter packets 1 "* ]]
}

# reset_closes 4|6: a server's connection whose long segment FORWARD
# rejects with a reset: the reset is RELATED (OUTPUT's first rule lets
# it out), and sending it closes the connection (CLOSE, still listed).
reset_closes() {
	local fam=$1 dst=10.0.2.2 listen=TCP-LISTEN cntf=cnt ctf=()
	if [ "$fam" = 6 ]; then
		dst=fd00:2::2 listen=TCP6-LISTEN cntf=cnt6 ctf=(-f ipv6)
		topo6_addrs
	fi
	ip netns exec "$S" socat "$listen:8080,reuseaddr" SYSTEM:'sleep 3' \
		>/dev/null 2>&1 &
	BGPIDS+=("$!")
	for _ in $(seq 100); do
		ip netns exec "$S" ss -Hltn "sport = :8080" | grep -q LISTEN && break
		sleep 0.02
	done
	ipt_fam "$fam" -P OUTPUT DROP
	ipt_fam "$fam" -A OUTPUT -m conntrack --ctstate RELATED --ctdir REPLY -j ACCEPT
	ipt_fam "$fam" -A OUTPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT
	[ "$fam" = 4 ] || nd_out
	ipt_fam "$fam" -A FORWARD -p tcp --dport 8080 -m length --length 100: -j REJECT --reject-with tcp-reset
	run ip netns exec "$C" timeout 5 "$PY" - "$dst" <<'PY'
import socket, sys
s = socket.create_connection((sys.argv[1], 8080), timeout=3)
s.send(b"x" * 200)
try:
    print("data" if s.recv(100) else "closed")
except ConnectionResetError:
    print("reset")
except socket.timeout:
    print("timeout")
PY
	[ "$output" = reset ]
	[ "$($cntf FORWARD 1)" -eq 1 ]
	[ "$($cntf OUTPUT 1)" -eq 1 ]
	[ "$($cntf OUTPUT 2)" -eq 0 ]
	# the reset itself is not tracked, but sending it closes the
	# connection (the kernel's nf_ct_set_closing)
	[ "$(ct_lines "${ctf[@]}" -p tcp --state CLOSE)" -eq 1 ]
	[ "$(ct_lines "${ctf[@]}" -p tcp --state ESTABLISHED)" -eq 0 ]
}

@test "REJECT of an established connection's segment: the reset is RELATED, the connection CLOSE" {
	reset_closes 4
}

@test "IPv6: REJECT of an established connection's segment: the reset is RELATED, the connection CLOSE" {
	reset_closes 6
}
