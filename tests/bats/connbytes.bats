#!/usr/bin/env bats
# -m connbytes on real flows, enforced by qtablesd beside a twin whose
# firewall is the kernel's iptables-nft: client $C -- fw $FW (judged by
# qtablesd) and $C2 -- $FW2 (the kernel), the same addresses on both.
# A UDP echo service on each firewall answers every datagram of one
# connection, so both directions count; rules in INPUT (the client's
# datagrams) and OUTPUT (the echoes) read the packets, bytes and
# average size of the connection in each direction, and their counters
# must be the kernel twin's after each exchange.

load nft_twin_lib

setup() { twin_setup "${QT_BATS_PREFIX:-qtcbytes}" twin_ready; }

# The neighbours known both ways before the rules count anything.
twin_ready() {
	ip netns exec "$1" ping -n -q -c 1 -w 5 10.0.1.1 >/dev/null 2>&1
	ip netns exec "$1" ping -6 -n -q -c 1 -w 5 fd00:1::1 >/dev/null 2>&1
	return 0
}

RULES='*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p udp --dport 7 -m connbytes --connbytes 3 --connbytes-mode packets --connbytes-dir original
-A INPUT -p udp --dport 7 -m connbytes --connbytes 2:3 --connbytes-mode packets --connbytes-dir reply
-A INPUT -p udp --dport 7 -m connbytes --connbytes 5: --connbytes-mode packets --connbytes-dir both
-A INPUT -p udp --dport 7 -m connbytes ! --connbytes 4 --connbytes-mode packets --connbytes-dir both
-A INPUT -p udp --dport 7 -m connbytes --connbytes 200 --connbytes-mode bytes --connbytes-dir both
-A INPUT -p udp --dport 7 -m connbytes --connbytes 0:60 --connbytes-mode avgpkt --connbytes-dir original
-A INPUT -p udp --dport 7 -m connbytes --connbytes 60 --connbytes-mode avgpkt --connbytes-dir reply
-A INPUT -p udp --dport 7 -m connbytes --connbytes 0:0 --connbytes-mode packets --connbytes-dir reply
-A OUTPUT -p udp --sport 7 -m connbytes --connbytes 3 --connbytes-mode packets --connbytes-dir reply
-A OUTPUT -p udp --sport 7 -m connbytes --connbytes 100:300 --connbytes-mode bytes --connbytes-dir original
-A OUTPUT -p udp --sport 7 -m connbytes ! --connbytes 2:4 --connbytes-mode packets --connbytes-dir both
-A OUTPUT -p udp --sport 7 -m connbytes --connbytes 1:1 --connbytes-mode packets --connbytes-dir reply -j DROP
COMMIT
'

# cb_ipt qt|k [6] ARGS: iptables (ip6tables with 6) of either twin.
cb_ipt() {
	local side=$1 v=; shift
	[ "$1" != 6 ] || { v=6; shift; }
	if [ "$side" = qt ]; then
		ip netns exec "$FW" "$QT_BUILD/ip${v}tables" "$@"
	else
		ip netns exec "$FW2" "/usr/sbin/ip${v}tables-nft" "$@"
	fi
}

# The counters of INPUT and OUTPUT, a line per rule.
cb_counters() {
	cb_ipt "$1" ${2:+"$2"} -L INPUT -v -n -x | sed -n '3,$p'
	cb_ipt "$1" ${2:+"$2"} -L OUTPUT -v -n -x | sed -n '3,$p'
}

# echo_server NS: answers each datagram to UDP port 7, IPv4 and IPv6
# (an answer OUTPUT drops is left).
echo_server() {
	ip netns exec "$1" "$PY" -c '
import select, socket
ss = []
for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, 7))
    ss.append(s)
while True:
    for s in select.select(ss, [], [])[0]:
        d, a = s.recvfrom(2000)
        try:
            s.sendto(d, a)
        except PermissionError:
            pass    # dropped in OUTPUT
' &
	serving "$1" 7 udp
}

# exchange NS ADDR SIZE...: one socket sends a datagram of each SIZE
# and waits for its echo; prints how many came back.
exchange() {
	local ns=$1 addr=$2; shift 2
	ip netns exec "$ns" "$PY" - "$addr" "$@" <<'PY'
import socket, sys
addr, sizes = sys.argv[1], [int(x) for x in sys.argv[2:]]
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
s.connect((addr, 7))
got = 0
for n in sizes:
    s.send(b"x" * n)
    try:
        s.recv(2000)
        got += 1
    except socket.timeout:
        pass
print(got)
PY
}

twin_run() { # [6] ADDR
	local v=${1:-} addr
	[ "$v" = 6 ] && addr=fd00:1::1 || { v=; addr=10.0.1.1; }
	start_daemon
	echo "$RULES" | ip netns exec "$FW" "$QT_BUILD/ip${v}tables-restore"
	echo "$RULES" | ip netns exec "$FW2" "/usr/sbin/ip${v}tables-nft-restore"
	echo_server "$FW"
	echo_server "$FW2"
	local round sizes
	for round in "10 20 30" "100 5" "1 1 1 1 200" "50"; do
		# shellcheck disable=SC2086 # the sizes are words
		a=$(exchange "$C" "$addr" $round)
		# shellcheck disable=SC2086
		b=$(exchange "$C2" "$addr" $round)
		echo "round $round: qtables $a echoes, kernel $b"
		[ "$a" = "$b" ]
		mine=$(cb_counters qt $v)
		kern=$(cb_counters k $v)
		echo "qtables:"; echo "$mine"; echo "kernel:"; echo "$kern"
		[ "$mine" = "$kern" ]
	done
	# the rules told the packets apart: their counts are not all alike
	[ "$(echo "$mine" | awk '{ print $1 }' | sort -u | wc -l)" -ge 3 ]
}

@test "connbytes: packets, bytes and average size of a UDP connection in each direction, counted in INPUT and OUTPUT as the kernel twin counts them (IPv4)" {
	twin_run
}

@test "connbytes: the same over IPv6 (ip6tables)" {
	twin_run 6
}

# burst NS ADDR N: N datagrams of 40 bytes to port 9 from one socket,
# back to back (unconnected: the port unreachable errors stop nothing).
burst() {
	ip netns exec "$1" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(int(sys.argv[2])):
    s.sendto(b"y" * 12, (sys.argv[1], 9))
' "$2" "$3"
}

@test "connbytes: a burst of a new connection's datagrams, back to back: each packet's rules read the counts as its own tracking left them, as the kernel's run-to-completion does, not the later packets' tracked while it waits for INPUT" {
	local rules='*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p udp --dport 9 -m connbytes --connbytes 1:1 --connbytes-mode packets --connbytes-dir original
-A INPUT -p udp --dport 9 -m connbytes --connbytes 2:2 --connbytes-mode packets --connbytes-dir original
-A INPUT -p udp --dport 9 -m connbytes --connbytes 3:5 --connbytes-mode packets --connbytes-dir both
-A INPUT -p udp --dport 9 -m connbytes --connbytes 0:80 --connbytes-mode bytes --connbytes-dir original
-A INPUT -p udp --dport 9 -m connbytes --connbytes 40 --connbytes-mode avgpkt --connbytes-dir original
COMMIT
'
	start_daemon
	echo "$rules" | ip netns exec "$FW" "$QT_BUILD/iptables-restore"
	echo "$rules" | ip netns exec "$FW2" /usr/sbin/iptables-nft-restore
	local i
	for i in 1 2 3; do
		burst "$C" 10.0.1.1 8
		burst "$C2" 10.0.1.1 8
	done
	sleep 0.5
	mine=$(cb_counters qt)
	kern=$(cb_counters k)
	echo "qtables:"; echo "$mine"; echo "kernel:"; echo "$kern"
	[ "$mine" = "$kern" ]
	# three connections, one packet each at 1 and at 2
	echo "$kern" | grep -q '^ *3 .*connbytes 1:1 '
}

# nft's chain with a counter per rule, of either twin.
nft_counters() {
	if [ "$1" = qt ]; then
		ip netns exec "$FW" "$QT_BUILD/nft" list chain ip cb input
	else
		ip netns exec "$FW2" /usr/sbin/nft list chain ip cb input
	fi
}

@test "nft ct packets, bytes and avgpkt: the same burst, each packet's rules reading the counts its own tracking left, as the kernel twin's nft does" {
	local rules='table ip cb {
	chain input {
		type filter hook input priority filter; policy accept;
		udp dport 9 ct original packets 1 counter
		udp dport 9 ct original packets 2 counter
		udp dport 9 ct packets 3-5 counter
		udp dport 9 ct original bytes 0-80 counter
		udp dport 9 ct original avgpkt 40 counter
		udp dport 9 ct reply packets 0 counter
	}
}'
	start_daemon
	echo "$rules" | ip netns exec "$FW" "$QT_BUILD/nft" -f -
	echo "$rules" | ip netns exec "$FW2" /usr/sbin/nft -f -
	local i
	for i in 1 2 3; do
		burst "$C" 10.0.1.1 8
		burst "$C2" 10.0.1.1 8
	done
	sleep 0.5
	mine=$(nft_counters qt)
	kern=$(nft_counters k)
	echo "qtables:"; echo "$mine"; echo "kernel:"; echo "$kern"
	[ "$mine" = "$kern" ]
	# three connections, one packet each at 1 and at 2; every packet
	# of them without a reply
	echo "$kern" | grep -q 'ct original packets 1 counter packets 3 '
	echo "$kern" | grep -q 'ct reply packets 0 counter packets 24 '
}
