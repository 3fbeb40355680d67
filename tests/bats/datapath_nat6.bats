#!/usr/bin/env bats
# NAT66 with real traffic through qtablesd: ip6tables' nat table on the
# IPv6 path. client $C (fd00:1::2, qtc0) -- fw $FW (qtf0 fd00:1::1 |
# qtf1 fd00:2::1) -- server $S (fd00:2::2, qts0). What the server sees
# as its peer, what the client gets back (a connected socket takes
# replies only from where it sent, and an ICMPv6 error only when the
# packet it quotes is its own), and the connection table in
# conntrack(8)'s lines. With QT_ORACLE=1 the same tests run against the
# kernel's ip6tables-nft and conntrack: every expectation here is what
# the kernel does.

bats_require_minimum_version 1.5.0

# The addresses the kernel gives clients fd00:1::2-c going to fd00:2::2
# from SNAT --to-source fd00:2::10-fd00:2::17 (its jhash2 of the
# addresses, asked of it with QT_ORACLE=1).
SNAT6_RANGE_WANT="fd00:2::13 fd00:2::10 fd00:2::11 fd00:2::11 fd00:2::12 fd00:2::17 fd00:2::11 fd00:2::11 fd00:2::17 fd00:2::10 fd00:2::16"

load nft_twin_lib

# the daemon killed, not stopped, at a test's end
TWIN_STOP_SIGNAL=KILL

setup() {
	oracle_setup qtn6dp topo6 || return 1
	if [ -n "${QT_ORACLE:-}" ]; then
		qt6() { local ns=$1; shift; ip netns exec "$ns" /usr/sbin/ip6tables-nft "$@"; }
	fi
}

qt6() { local ns=$1; shift; ip netns exec "$ns" "$QT_BUILD/ip6tables" "$@"; }

# Three namespaces joined by veths, IPv6 only (no duplicate address
# detection, no router solicitations: no packet the test did not send
# beyond neighbour discovery); sets C FW S.
topo6() {
	qt_ns c || return 1; C=$QT_NS
	qt_ns fw || return 1; FW=$QT_NS
	qt_ns s || return 1; S=$QT_NS
	ip6_quiet "$C" "$FW" "$S"
	ip link add qtc0 netns "$C" type veth peer name qtf0 netns "$FW" || return 1
	ip link add qts0 netns "$S" type veth peer name qtf1 netns "$FW" || return 1
	ip -n "$C" link set qtc0 up
	ip -n "$FW" link set qtf0 up
	ip -n "$FW" link set qtf1 up
	ip -n "$S" link set qts0 up
	topo_add6
}

# A TCP server in NS on PORT answering each connection with its peer
# "[ADDR]:PORT" and the address it was reached at: peer_server NS PORT
peer_server() {
	ip netns exec "$1" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", int(sys.argv[1])))
s.listen(64)
while True:
    c, a = s.accept()
    c.send(("[%s]:%d %s\n" % (a[0], a[1], c.getsockname()[0])).encode())
    c.close()
' "$2" >/dev/null 2>&1 3>&- &
	serving "$1" "$2"
}

@test "NAT66 DNAT of a TCP port: a 10 MB transfer arrives intact, the server sees the client, conntrack -L -f ipv6 as the kernel's" {
	peer_server "$S" 8080
	qt6 "$FW" -t nat -A PREROUTING -p tcp -d fd00:1::1 --dport 80 \
		-j DNAT --to-destination '[fd00:2::2]:8080'
	qt6 "$FW" -t nat -A PREROUTING -p tcp -d fd00:1::1 --dport 5001 \
		-j DNAT --to-destination '[fd00:2::2]:5002'
	run ask_from "$C" tcp fd00:1::1 80 fd00:1::2 40001
	[ "$output" = "[fd00:1::2]:40001 fd00:2::2" ]
	run ct_closed -f ipv6 -p tcp --orig-port-src 40001
	echo "$output"
	[ "$output" = "tcp 6  TIME_WAIT src=fd00:1::2 dst=fd00:1::1 sport=40001 dport=80 src=fd00:2::2 dst=fd00:1::2 sport=8080 dport=40001 [ASSURED] mark=0 use=1" ]

	head -c 10485760 /dev/urandom >"$QT_RUN/big"
	ip netns exec "$S" socat -u TCP6-LISTEN:5002,reuseaddr OPEN:"$QT_RUN/got",creat,trunc \
		2>/dev/null 3>&- &
	local srv=$!
	BGPIDS+=("$srv")
	for _ in $(seq 100); do
		ip netns exec "$S" ss -Hltn "sport = :5002" | grep -q LISTEN && break
		sleep 0.02
	done
	ip netns exec "$C" timeout 60 socat -u OPEN:"$QT_RUN/big" 'TCP6:[fd00:1::1]:5001'
	wait "$srv" || true
	[ "$(sha256sum <"$QT_RUN/big")" = "$(sha256sum <"$QT_RUN/got")" ]
	# the nat chain saw the first packet of each connection only
	run qt6 "$FW" -t nat -L PREROUTING -v -n -x
	echo "$output"
	[ "$(echo "$output" | awk '$3 == "DNAT" { print $1 }' | tr '\n' ' ')" = "1 1 " ]
}

@test "NAT66 MASQUERADE: the server sees the firewall's address, by the longest prefix; clients on one port get distinct ones" {
	peer_server "$S" 8080
	qt6 "$FW" -t nat -A POSTROUTING -o qtf1 -j MASQUERADE
	# a second prefix on the server's link: the source follows the
	# destination (ipv6_dev_get_saddr's longest prefix)
	ip -n "$FW" addr add 2001:db8:2::1/64 dev qtf1 nodad
	ip -n "$S" addr add 2001:db8:2::2/64 dev qts0 nodad
	run ask_from "$C" tcp fd00:2::2 8080
	[ "${output%%]*}" = "[fd00:2::1" ]
	run ask_from "$C" tcp 2001:db8:2::2 8080
	[ "${output%%]*}" = "[2001:db8:2::1" ]
	# five clients from one source port: the first keeps it, the
	# others get ports of their own
	local i ports=()
	for i in 2 3 4 5 6; do
		[ "$i" = 2 ] || ip -n "$C" addr add "fd00:1::$i/64" dev qtc0 nodad
	done
	for i in 2 3 4 5 6; do
		run ask_from "$C" tcp fd00:2::2 8080 "fd00:1::$i" 41000
		echo "$output"
		[ "${output%%]*}" = "[fd00:2::1" ]
		ports+=("${output#*]:}")
	done
	[ "${ports[0]%% *}" = 41000 ]
	[ "$(printf '%s\n' "${ports[@]}" | awk '{ print $1 }' | sort -u | wc -l)" -eq 5 ]
	# the address goes: the connection mapped to it with it (the
	# kernel's masquerade notifier), the other one stays
	ip netns exec "$S" socat -u TCP6-LISTEN:8090,reuseaddr,fork OPEN:/dev/null >/dev/null 2>&1 3>&- &
	BGPIDS+=("$!")
	for _ in $(seq 100); do
		ip netns exec "$S" ss -Hltn "sport = :8090" | grep -q LISTEN && break
		sleep 0.02
	done
	ip netns exec "$C" socat -u OPEN:/dev/zero,readbytes=1 'TCP6:[2001:db8:2::2]:8090,sourceport=42001' >/dev/null 2>&1 3>&- &
	BGPIDS+=("$!")
	{ ip netns exec "$C" sleep 30 | ip netns exec "$C" socat -u - 'TCP6:[2001:db8:2::2]:8090,sourceport=42002' >/dev/null 2>&1; } 3>&- &
	BGPIDS+=("$!")
	{ ip netns exec "$C" sleep 30 | ip netns exec "$C" socat -u - 'TCP6:[fd00:2::2]:8090,sourceport=42003' >/dev/null 2>&1; } 3>&- &
	BGPIDS+=("$!")
	sleep 0.5
	run ct_list -f ipv6 -p tcp --state ESTABLISHED
	echo "$output"
	[ "$(grep -c 'dport=8090' <<<"$output")" -eq 2 ]
	ip -n "$FW" addr del 2001:db8:2::1/64 dev qtf1
	sleep 1
	run ct_list -f ipv6 -p tcp --state ESTABLISHED
	echo "$output"
	[ "$(grep -c 'dport=8090' <<<"$output")" -eq 1 ]
	grep -q 'sport=42003 dport=8090 src=fd00:2::2 dst=fd00:2::1' <<<"$output"
}

@test "NAT66 REDIRECT: to a port of the firewall, reached at the in-interface's first address; ::1 for its own packets" {
	peer_server "$FW" 9090
	qt6 "$FW" -t nat -A PREROUTING -i qtf0 -p tcp --dport 80 -j REDIRECT --to-ports 9090
	qt6 "$FW" -t nat -A OUTPUT -p tcp --dport 81 -j REDIRECT --to-ports 9090
	run ask_from "$C" tcp fd00:2::2 80 fd00:1::2 43000
	[ "$output" = "[fd00:1::2]:43000 fd00:1::1" ]
	run ask_from "$FW" tcp fd00:2::2 81
	echo "$output"
	[ "${output##* }" = "::1" ]
	run ct_closed -f ipv6 -p tcp --orig-port-src 43000
	echo "$output"
	[ "$output" = "tcp 6  TIME_WAIT src=fd00:1::2 dst=fd00:2::2 sport=43000 dport=80 src=fd00:1::1 dst=fd00:1::2 sport=9090 dport=43000 [ASSURED] mark=0 use=1" ]
}

@test "NAT66 NETMAP of a prefix: destination and source networks mapped, host parts kept" {
	peer_server "$S" 8080
	ip -n "$S" addr add 2001:db8:9::/64 dev qts0 nodad 2>/dev/null || true
	ip -n "$S" -6 route add 2001:db8:77::/64 via fd00:2::1
	qt6 "$FW" -t nat -A PREROUTING -d 2001:db8:100::/64 -j NETMAP --to fd00:2::/64
	qt6 "$FW" -t nat -A POSTROUTING -s fd00:1::/64 -o qtf1 -j NETMAP --to 2001:db8:77::/64
	ip -n "$C" -6 route add 2001:db8:100::/64 via fd00:1::1
	run ask_from "$C" tcp 2001:db8:100::2 8080 fd00:1::2 44000
	[ "$output" = "[2001:db8:77::2]:44000 fd00:2::2" ]
	run ct_closed -f ipv6 -p tcp --orig-port-src 44000
	echo "$output"
	[ "$output" = "tcp 6  TIME_WAIT src=fd00:1::2 dst=2001:db8:100::2 sport=44000 dport=8080 src=fd00:2::2 dst=2001:db8:77::2 sport=8080 dport=44000 [ASSURED] mark=0 use=1" ]
}

@test "NAT66 ICMPv6 error for a translated UDP flow: it reaches the client with outer and quoted headers as the client knows them" {
	qt6 "$FW" -t nat -A PREROUTING -p udp -d fd00:1::1 --dport 53 \
		-j DNAT --to-destination '[fd00:2::2]:5353'
	qt6 "$FW" -t nat -A POSTROUTING -o qtf1 -j MASQUERADE
	# nothing listens on the server's 5353: it answers port
	# unreachable; the client captures ICMPv6 and sends from a
	# connected socket, which the kernel tells of the error only
	# when the quoted packet is the one it sent
	run ip netns exec "$C" "$PY" - <<'PY'
import socket, struct
raw = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
raw.settimeout(3)
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
u.bind(("fd00:1::2", 45000))
u.connect(("fd00:1::1", 53))
u.send(b"hello")
u.settimeout(3)
try:
    u.recv(100)
    res = "answer"
except ConnectionRefusedError:
    res = "refused"
except socket.timeout:
    res = "timeout"
print(res)
while True:
    try:
        m, a = raw.recvfrom(2048)
    except socket.timeout:
        print("no error")
        break
    if m[0] != 1:
        continue
    inner = m[8:]
    isrc = socket.inet_ntop(socket.AF_INET6, inner[8:24])
    idst = socket.inet_ntop(socket.AF_INET6, inner[24:40])
    sp, dp = struct.unpack("!HH", inner[40:44])
    print("type %d code %d from %s quoting %s:%d > %s:%d" %
          (m[0], m[1], a[0], isrc, sp, idst, dp))
    break
PY
	echo "$output"
	[ "${lines[0]}" = refused ]
	[ "${lines[1]}" = "type 1 code 4 from fd00:1::1 quoting fd00:1::2:45000 > fd00:1::1:53" ]
	run ct_list -f ipv6 -p udp
	echo "$output"
	[ "$output" = "udp 17  src=fd00:1::2 dst=fd00:1::1 sport=45000 dport=53 [UNREPLIED] src=fd00:2::2 dst=fd00:2::1 sport=5353 dport=45000 mark=0 use=1" ]
}

@test "NAT66 ping through MASQUERADE from two clients with one echo id: both answered, distinct ids at the server" {
	qt6 "$FW" -t nat -A POSTROUTING -o qtf1 -j MASQUERADE
	ip -n "$C" addr add fd00:1::3/64 dev qtc0 nodad
	local a b
	# ping's socket: the echo id is its port (kernel ping sockets)
	ip netns exec "$C" sysctl -qw net.ipv4.ping_group_range="0 2147483647"
	run ip netns exec "$C" "$PY" - <<'PY'
import socket
def echo(src):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM, socket.IPPROTO_ICMPV6)
    s.bind((src, 777))
    s.settimeout(2)
    s.sendto(b"\x80\x00\x00\x00\x00\x00\x00\x01ping", ("fd00:2::2", 0))
    return s
a, b = echo("fd00:1::2"), echo("fd00:1::3")
for s in (a, b):
    try:
        m, p = s.recvfrom(100)
        print("reply %d from %s" % (m[0], p[0]))
    except socket.timeout:
        print("timeout")
PY
	echo "$output"
	[ "${lines[0]}" = "reply 129 from fd00:2::2" ]
	[ "${lines[1]}" = "reply 129 from fd00:2::2" ]
	run ct_list -f ipv6 -p icmpv6
	echo "$output"
	[ "$(wc -l <<<"$output")" -eq 2 ]
	# the first keeps its id at the server, the second another
	grep -q 'src=fd00:1::2 dst=fd00:2::2 type=128 code=0 id=777 src=fd00:2::2 dst=fd00:2::1 type=129 code=0 id=777 ' <<<"$output"
	! grep -q 'src=fd00:1::3 dst=fd00:2::2 type=128 code=0 id=777 src=fd00:2::2 dst=fd00:2::1 type=129 code=0 id=777 ' <<<"$output"
}

@test "A forwarded packet's REJECT: the ICMPv6 error comes from the source the kernel picks towards the sender, not from the address rejected" {
	qt6 "$FW" -A FORWARD -p udp --dport 9999 -j REJECT
	ip -n "$FW" addr add 2001:db8:1::1/64 dev qtf0 nodad
	ip -n "$C" addr add 2001:db8:1::2/64 dev qtc0 nodad
	run ip netns exec "$C" "$PY" - <<'PY'
import socket
raw = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
raw.settimeout(2)
for src in ("fd00:1::2", "2001:db8:1::2"):
    u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    u.bind((src, 0))
    u.sendto(b"x", ("fd00:2::2", 9999))
    res = "none"
    while True:
        try:
            m, a = raw.recvfrom(2048)
        except socket.timeout:
            break
        if m[0] == 1:
            res = "type %d code %d from %s" % (m[0], m[1], a[0])
            break
    print(res)
PY
	echo "$output"
	[ "${lines[0]}" = "type 1 code 4 from fd00:1::1" ]
	[ "${lines[1]}" = "type 1 code 4 from 2001:db8:1::1" ]
}

@test "NAT66 SNAT to an IPv6 address range: each client the address the kernel gives it" {
	peer_server "$S" 8080
	local i
	for i in $(seq 10 17); do ip -n "$FW" addr add "fd00:2::$i/64" dev qtf1 nodad; done
	for i in $(seq 3 12); do ip -n "$C" addr add "fd00:1::$i/64" dev qtc0 nodad; done
	qt6 "$FW" -t nat -A POSTROUTING -o qtf1 -j SNAT --to-source fd00:2::10-fd00:2::17
	: >"$QT_RUN/seen"
	for i in $(seq 2 12); do
		ask_from "$C" tcp fd00:2::2 8080 "fd00:1::$i" 49000 >>"$QT_RUN/seen"
	done
	cat "$QT_RUN/seen"
	[ "$(sed 's/\]:.*//; s/^\[//' "$QT_RUN/seen" | tr '\n' ' ')" = "$SNAT6_RANGE_WANT " ]
	# the first connection of each address keeps its port, the
	# others sharing it get other ones: no two alike
	[ "$(sed 's/ .*//' "$QT_RUN/seen" | sort -u | wc -l)" -eq 11 ]
	[ "$(grep -c ']:49000 ' "$QT_RUN/seen")" -eq 6 ]
}

# conntrack 1.4.7's --src-nat, --dst-nat and --any-nat with an IPv6
# address (bare, or [IP6]:PORT): the same lists from the kernel's
# conntrack (QT_ORACLE=1) and from qtables-conntrack.
@test "conntrack -L -f ipv6 --src-nat, --dst-nat, --any-nat IP6[:PORT] select as conntrack's own" {
	peer_server "$S" 8080
	ip -n "$C" addr add fd00:1::3/64 dev qtc0 nodad
	qt6 "$FW" -t nat -A PREROUTING -p tcp -d fd00:1::1 --dport 80 \
		-j DNAT --to-destination '[fd00:2::2]:8080'
	qt6 "$FW" -t nat -A POSTROUTING -o qtf1 -s fd00:1::3 -p tcp \
		-j SNAT --to-source '[fd00:2::1]:6000'
	# 46000: DNAT with a port; 46001: source NAT, the port changed;
	# 46002: untranslated
	run ask_from "$C" tcp fd00:1::1 80 fd00:1::2 46000
	[ "$output" = "[fd00:1::2]:46000 fd00:2::2" ]
	run ask_from "$C" tcp fd00:2::2 8080 fd00:1::3 46001
	[ "$output" = "[fd00:2::1]:6000 fd00:2::2" ]
	run ask_from "$C" tcp fd00:2::2 8080 fd00:1::2 46002
	[ "$output" = "[fd00:1::2]:46002 fd00:2::2" ]
	sports() {
		ct_list -f ipv6 "$@" | sed -n 's/^[^=]* src=[^ ]* dst=[^ ]* sport=\([0-9]*\).*/\1/p' |
			sort -n | tr '\n' ' '
	}
	sports_any() {
		local ctl=(conntrack)
		[ -n "${QT_ORACLE:-}" ] || ctl=("$QT_BUILD/qtables-conntrack")
		ip netns exec "$FW" "${ctl[@]}" -L "$@" 2>/dev/null |
			sed -n 's/^[^=]* src=[^ ]* dst=[^ ]* sport=\([0-9]*\).*/\1/p' |
			sort -n | tr '\n' ' '
	}
	[ "$(sports)" = "46000 46001 46002 " ]
	[ "$(sports --src-nat fd00:2::1)" = "46001 " ]
	# the address sets the family: -f ipv6 is not needed
	[ "$(sports_any --src-nat fd00:2::1)" = "46001 " ]
	[ "$(sports --src-nat '[fd00:2::1]:6000')" = "46001 " ]
	[ "$(sports --src-nat '[fd00:2::1]:46001')" = "" ]
	# conntrack 1.4.7 compares no IPv6 address: any selects the
	# entries translated so, the port still counts
	[ "$(sports --src-nat fd00:3::9)" = "46001 " ]
	[ "$(sports --src-nat '[fd00:3::9]:6000')" = "46001 " ]
	[ "$(sports --dst-nat '[fd00:3::9]:6000')" = "" ]
	[ "$(sports --dst-nat fd00:2::2)" = "46000 " ]
	[ "$(sports -g '[fd00:2::2]:8080')" = "46000 " ]
	[ "$(sports --any-nat fd00:2::2)" = "46000 46001 " ]
	[ "$(sports -j fd00:2::1)" = "46000 46001 " ]
	local ctl=(conntrack)
	[ -n "${QT_ORACLE:-}" ] || ctl=("$QT_BUILD/qtables-conntrack")
	run ip netns exec "$FW" "${ctl[@]}" -L -f ipv6 --src-nat 10.0.2.1
	[ "$status" -eq 2 ]
	[[ "$output" == *"mismatched address family"* ]]
	run ip netns exec "$FW" "${ctl[@]}" -L --src-nat '[fd00:2::1]'
	[ "$status" -eq 2 ]
	[[ "$output" == *"Invalid IP address \`[fd00:2::1]'"* ]]
}
