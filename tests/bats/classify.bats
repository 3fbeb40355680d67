#!/usr/bin/env bats
# CLASSIFY and nft's meta priority set on real traffic, twin topologies
# side by side: client -- firewall -- server, once judged by qtablesd,
# once by the kernel (iptables-nft, nft). The firewall's device towards
# the server has an htb qdisc whose leaf classes take a packet by its
# priority (skb->priority naming a class of it), u32 filters taking the
# other UDP datagrams to a class of their own, and a default class for
# the rest (neighbour discovery, ICMP); the same datagrams through both
# firewalls must land in the same classes. qtablesd sets the priority
# in its verdict (NFQA_PRIORITY) and reads it at the packet's next hook.

load nft_twin_lib

setup() {
	twin_init qtcl || return 1
	trio q || return 1
	C=$C_ FW=$FW_
	trio k || return 1
	KC=$C_ KFW=$FW_
	# shellcheck disable=SC2034 # nft_of's kernel side
	FW2=$KFW
	start_daemon
}

# Namespaces NAME-c$1, -fw$1, -s$1: client 10.0.1.2, fd00:1::2 (qtc0)
# -- firewall 10.0.1.1, fd00:1::1 (qtf0) | 10.0.2.1, fd00:2::1 (qtf1)
# -- server 10.0.2.2, fd00:2::2 (qts0), forwarding; the qdisc on qtf1.
trio() {
	twin_trio_up "$1" || return 1
	local tc="tc -n $FW_"
	$tc qdisc add dev qtf1 root handle 1: htb default 30 || return 1
	$tc class add dev qtf1 parent 1: classid 1:1 htb rate 1gbit quantum 1514 || return 1
	local k
	for k in 10 20 30 40; do
		$tc class add dev qtf1 parent 1:1 classid 1:$k htb rate 100mbit \
			ceil 1gbit quantum 1514 || return 1
	done
	$tc filter add dev qtf1 parent 1: protocol ip prio 1 u32 \
		match ip protocol 17 0xff flowid 1:40 || return 1
	$tc filter add dev qtf1 parent 1: protocol ipv6 prio 2 u32 \
		match ip6 protocol 17 0xff flowid 1:40 || return 1
	# the neighbours known before the datagrams go (the first
	# solicitation on a new link may go unanswered for a second)
	ip netns exec "$C_" ping -n -q -c 1 -w 5 10.0.2.2 >/dev/null 2>&1
	ip netns exec "$C_" ping -6 -n -q -c 1 -w 5 fd00:2::2 >/dev/null 2>&1
	return 0
}

# send NS ADDR PORT:N...: N datagrams of 100 bytes to each PORT of ADDR.
send() {
	local ns=$1 addr=$2; shift 2
	ip netns exec "$ns" "$PY" - "$addr" "$@" <<'PY'
import socket, sys
addr = sys.argv[1]
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET,
                  socket.SOCK_DGRAM)
for pn in sys.argv[2:]:
    port, n = pn.split(":")
    for _ in range(int(n)):
        s.sendto(b"x" * 100, (addr, int(port)))
PY
}

# The packets of the UDP classes 1:10, 1:20 and 1:40 of NS's qtf1:
# "1:10=N 1:20=N 1:40=N".
classes() {
	tc -n "$1" -s class show dev qtf1 | awk '
		$1 == "class" { c = $3 }
		$1 == "Sent" && (c == "1:10" || c == "1:20" || c == "1:40") {
			n[c] = $4
		}
		END { printf "1:10=%d 1:20=%d 1:40=%d\n", n["1:10"], n["1:20"], n["1:40"] }'
}

# Wait (at most 10 s) until NS's UDP classes hold TOTAL packets.
wait_total() {
	local ns=$1 total=$2 got
	for _ in $(seq 100); do
		got=$(classes "$ns" | awk -F '[ =]' '{ print $2 + $4 + $6 }')
		[ "$got" -ge "$total" ] && return 0
		sleep 0.1
	done
	echo "$ns: $got of $total datagrams classified" >&2
	return 1
}

# both ADDR TOTAL PORT:N...: the same traffic through both twins (to
# ADDR from the client, and from the firewall itself the PORT:N words
# of $LOCAL), TOTAL datagrams in all; their classes compared.
both() {
	local addr=$1 total=$2 lp; shift 2
	send "$C" "$addr" "$@"
	send "$KC" "$addr" "$@"
	read -ra lp <<<"${LOCAL:-}"
	if [ ${#lp[@]} -gt 0 ]; then
		send "$FW" "$addr" "${lp[@]}"
		send "$KFW" "$addr" "${lp[@]}"
	fi
	wait_total "$FW" "$total"
	wait_total "$KFW" "$total"
	mine=$(classes "$FW")
	kern=$(classes "$KFW")
	echo "qtables: $mine"
	echo "kernel: $kern"
	[ "$mine" = "$kern" ]
}

CLASSIFY_RULES='*mangle
-A FORWARD -p udp --dport 5010 -j CLASSIFY --set-class 1:10
-A POSTROUTING -p udp --dport 5020 -j CLASSIFY --set-class 1:20
-A OUTPUT -p udp --dport 5030 -j CLASSIFY --set-class 1:10
-A POSTROUTING -p udp --dport 5040 -j CLASSIFY --set-class 0001:0010
-A FORWARD -p udp --dport 5050 -j CLASSIFY --set-class 2:5
-A FORWARD -p udp --dport 5060 -j CLASSIFY --set-class 1:20
-A POSTROUTING -p udp --dport 5060 -j CLASSIFY --set-class 1:10
-A FORWARD -p udp --dport 5070 -j CLASSIFY --set-class 1:20
-A POSTROUTING -p udp --dport 5070 -j CLASSIFY --set-class 0:0
COMMIT'

# 5010: FORWARD's class; 5020: POSTROUTING's; 5030: the firewall's own
# (OUTPUT); 5040 the class of the priority, not of the filter; 5050 a
# priority naming no class of the qdisc (the filters then); 5060 the
# later hook's priority; 5070 priority 0 again (the filters); 5080 none
# (the filters)
PORTS=(5010:3 5020:5 5040:7 5050:2 5060:4 5070:6 5080:1)
LOCAL_PORTS="5030:3 5020:2 5080:1"

@test "CLASSIFY (iptables): forwarded and local datagrams land in the kernel's htb classes" {
	echo "$CLASSIFY_RULES" | ip netns exec "$FW" "$QT_BUILD/iptables-restore"
	echo "$CLASSIFY_RULES" | ip netns exec "$KFW" /usr/sbin/iptables-nft-restore
	LOCAL=$LOCAL_PORTS both 10.0.2.2 34 "${PORTS[@]}"
	# the classes were used: the comparison compared something
	[[ "$kern" == "1:10=17 1:20=7 1:40=10" ]]
}

@test "CLASSIFY (ip6tables): forwarded and local datagrams land in the kernel's htb classes" {
	echo "$CLASSIFY_RULES" | ip netns exec "$FW" "$QT_BUILD/ip6tables-restore"
	echo "$CLASSIFY_RULES" | ip netns exec "$KFW" /usr/sbin/ip6tables-nft-restore
	LOCAL=$LOCAL_PORTS both fd00:2::2 34 "${PORTS[@]}"
	[[ "$kern" == "1:10=17 1:20=7 1:40=10" ]]
}

NFT_RULES='table inet t {
	chain fw {
		type filter hook forward priority mangle; policy accept;
		udp dport 5010 meta priority set 1:10
		udp dport 5011 meta priority set udp dport map { 5011 : 1:20, 5012 : 1:10 }
		udp dport 5012 meta priority set udp dport map { 5011 : 1:20, 5012 : 1:10 }
		udp dport 5013 meta priority set 1:20
		udp dport 5014 meta priority set root
		udp dport 5015 meta priority set 1:10
	}
	chain post {
		type filter hook postrouting priority filter; policy accept;
		meta priority 1:20 udp dport 5013 meta priority set 1:10
		meta priority 1:10 udp dport 5015 meta priority set meta priority | 0:20
		udp dport 5016 meta priority set none
		meta priority 1:10 counter
		meta priority 1:30 counter
		meta priority root counter
	}
	chain out {
		type route hook output priority mangle; policy accept;
		udp dport 5020 meta priority set 1:20
	}
}'

# 5010 a value; 5011, 5012 a map's; 5013 set at FORWARD, read and set
# again at POSTROUTING; 5014 root (no class: the filters); 5015 or'ed
# with 0:20 at POSTROUTING (1:30); 5016 none; 5020 the firewall's own
NFT_PORTS=(5010:3 5011:5 5012:2 5013:4 5014:6 5015:1 5016:2)

# the rules' counters, one line each
counters() { nft_of "$1" list chain inet t post | sed -n 's/.*\(meta priority [^ ]* counter packets [0-9]*\).*/\1/p'; }

@test "nft meta priority set: IPv4 and IPv6 datagrams land in the kernel's htb classes, a priority set at FORWARD is read at POSTROUTING" {
	echo "$NFT_RULES" | nft_of qt -f -
	echo "$NFT_RULES" | nft_of k -f -
	LOCAL="5020:3" both 10.0.2.2 25 "${NFT_PORTS[@]}"
	[[ "$kern" == "1:10=9 1:20=8 1:40=8" ]]
	LOCAL="5020:3" both fd00:2::2 50 "${NFT_PORTS[@]}"
	[[ "$kern" == "1:10=18 1:20=16 1:40=16" ]]
	same_twins counters
	echo "$mine" | grep -qx 'meta priority 1:10 counter packets 18'
}

# (a nat rule of another source turns the kernel's connection tracking
# on, without which its nat chains never run)
@test "CLASSIFY in the nat table: only a connection's first datagram is classified, as by the kernel" {
	local rules='*nat
-A POSTROUTING -s 192.0.2.0/24 -j MASQUERADE
-A POSTROUTING -p udp --dport 5090 -j CLASSIFY --set-class 1:10
-A OUTPUT -p udp --dport 5091 -j CLASSIFY --set-class 1:20
COMMIT'
	echo "$rules" | ip netns exec "$FW" "$QT_BUILD/iptables-restore"
	echo "$rules" | ip netns exec "$KFW" /usr/sbin/iptables-nft-restore
	# one socket each: one connection of 4 datagrams, one of 3
	LOCAL="5091:3" both 10.0.2.2 7 5090:4
	[[ "$kern" == "1:10=1 1:20=1 1:40=5" ]]
}
