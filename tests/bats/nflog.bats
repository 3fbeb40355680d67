#!/usr/bin/env bats
# Logging to netlink groups (nft `log group N`, iptables -j NFLOG) on
# real traffic, beside a twin whose firewall is the kernel's: client $C
# -- fw $FW (judged by qtablesd) and $C2 -- $FW2 (the kernel's nft or
# iptables-nft), the same addresses on both (10.0.1.2 -> 10.0.1.1,
# fd00:1::2 -> fd00:1::1). A real nfnetlink_log listener (tcpdump -i
# nflog:GROUPS) in each firewall records the messages; nflog_read.py
# prints group, hook, prefix, mark, payload length and the packet of
# each: the two sides must hear the same messages in the same order per
# group, for accepted, dropped and rejected packets.

load nft_twin_lib

# the same MAC addresses on both twins, the neighbours known for good
TWIN_MAC_C=02:00:00:00:01:02
TWIN_MAC_FW=02:00:00:00:01:01

setup() {
	TDPIDS=()
	twin_setup qtnflog twin_static_neigh || return 1
	command -v tcpdump >/dev/null || { echo "no tcpdump (scripts/deps.sh)" >&2; return 1; }
}

# The listeners first (heard() stops them with their last messages),
# then the twins' own.
teardown() {
	local p
	for p in "${TDPIDS[@]}"; do kill "$p" 2>/dev/null; done
	twin_teardown
}

ipt_of() {
	local side=$1; shift
	if [ "$side" = qt ]; then
		ip netns exec "$FW" "$QT_BUILD/iptables" "$@"
	else
		ip netns exec "$FW2" /usr/sbin/iptables-nft "$@"
	fi
}

# listen SIDE GROUPS: a listener on the side's firewall, recording to
# $QT_RUN/SIDE.pcap, once it is bound.
listen() {
	local side=$1 groups=$2 ns=$FW
	[ "$side" = k ] && ns=$FW2
	: >"$QT_RUN/$side.td"
	ip netns exec "$ns" tcpdump -i "nflog:$groups" -U -w "$QT_RUN/$side.pcap" \
		2>"$QT_RUN/$side.td" &
	TDPIDS+=($!)
	for _ in $(seq 100); do
		grep -q listening "$QT_RUN/$side.td" 2>/dev/null && return 0
		sleep 0.05
	done
	cat "$QT_RUN/$side.td" >&2
	return 1
}

# The listeners stopped, each side's messages: $QT_RUN/SIDE.txt.
heard() {
	local p side
	# a group with a queue-threshold holds its messages until the
	# kernel's flush timer (a second) runs out
	sleep 1.5
	for p in "${TDPIDS[@]}"; do
		kill -INT "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	TDPIDS=()
	for side in qt k; do
		python3 "$BATS_TEST_DIRNAME/nflog_read.py" "$QT_RUN/$side.pcap" \
			>"$QT_RUN/$side.txt"
	done
}

# One group's messages of a side, in the order heard.
group_of() {
	grep "^group=$2 " "$QT_RUN/$1.txt" || true
}

# send FROM ADDR PORT: one datagram from port PORT + 30000 (the same on
# both twins), then a pause (each message apart).
send() {
	ip netns exec "$1" python3 -c '
import socket, sys, time
a, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", port + 30000))
s.sendto(b"x" * 100, (a, port))
time.sleep(0.05)
' "$2" "$3"
}

both() {
	local side c
	for side in qt k; do
		c=$C; [ $side = k ] && c=$C2
		"$@" "$c"
	done
}

# both_send "ADDR..." PORT...: from the client of each twin in turn,
# for each PORT a datagram to each ADDR.
both_send() {
	local addrs=$1 side c p a
	shift
	for side in qt k; do
		c=$C; [ $side = k ] && c=$C2
		for p in "$@"; do
			for a in $addrs; do send "$c" "$a" "$p"; done
		done
	done
}

# Both sides heard the same, group by group; at least MIN messages.
same_heard() {
	local min=$1 g mine kern
	echo "qtables:"; cat "$QT_RUN/qt.txt"
	echo "kernel:"; cat "$QT_RUN/k.txt"
	for g in $(cut -d' ' -f1 "$QT_RUN/k.txt" "$QT_RUN/qt.txt" | sort -u | cut -d= -f2); do
		mine=$(group_of qt "$g"); kern=$(group_of k "$g")
		[ "$mine" = "$kern" ] || { echo "group $g differs"; return 1; }
	done
	[ "$(wc -l <"$QT_RUN/k.txt")" -ge "$min" ]
}

@test "nft log group: accepted, dropped (after a mark) and rejected datagrams, IPv4 and IPv6, two statements in order: the kernel's messages, prefix, group, mark and snaplen" {
	local rules='table inet t {
	chain in {
		type filter hook input priority filter; policy accept;
		udp dport 5001 log prefix "acc: " group 7 accept
		udp dport 5002 meta mark set 0x42 log prefix "drop: " group 7 snaplen 40 drop
		udp dport 5003 log group 8 queue-threshold 1 reject
		udp dport 5004 log prefix "one " group 7 log prefix "two " group 7
		udp dport 5005 counter
	}
}'
	start_daemon
	echo "$rules" | nft_of qt -f -
	echo "$rules" | nft_of k -f -
	listen qt 7,8
	listen k 7,8
	both_send "10.0.1.1 fd00:1::1" 5001 5002 5003 5004 5005
	heard
	same_heard 10
	# what the kernel said, seen on qtables' side
	grep -q '^group=7 hook=1 prefix=drop:  mark=0x42 len=40 proto=17 10.0.1.2>10.0.1.1' "$QT_RUN/qt.txt"
	grep -q '^group=8 hook=1 prefix= mark=0x0 len=128 proto=17 10.0.1.2>10.0.1.1' "$QT_RUN/qt.txt"
	grep -q '^group=7 hook=1 prefix=acc:  mark=0x0 len=148 proto=17 fd00:1::2>fd00:1::1' "$QT_RUN/qt.txt"
	# one then two, for each packet
	[ "$(group_of qt 7 | grep -o 'prefix=one \|prefix=two ' | tr -d '\n')" = \
	  "prefix=one prefix=two prefix=one prefix=two " ]
	! grep -q '>5005$' "$QT_RUN/qt.txt" || false
	# the datagram to 5002 dropped, to 5003 rejected, on both
	ip netns exec "$FW" "$QT_BUILD/qtables" --stats | grep -q 'packets tagged 8;'
}

@test "iptables -j NFLOG: the same messages as iptables-nft's, a MARK before the log and DROP or REJECT after it" {
	start_daemon
	local side
	for side in qt k; do
		ipt_of $side -A INPUT -p udp --dport 5001 -j NFLOG --nflog-group 7 --nflog-prefix 'acc "x"' 
		ipt_of $side -A INPUT -p udp --dport 5002 -j MARK --set-mark 0x7
		ipt_of $side -A INPUT -p udp --dport 5002 -j NFLOG --nflog-group 7 --nflog-prefix "dropped it" --nflog-size 28
		ipt_of $side -A INPUT -p udp --dport 5002 -j DROP
		ipt_of $side -A INPUT -p udp --dport 5003 -j NFLOG --nflog-group 9 --nflog-threshold 3
		ipt_of $side -A INPUT -p udp --dport 5003 -j REJECT
		ipt_of $side -A INPUT -p udp --dport 5004 -j NFLOG
	done
	[ "$(ipt_of qt -S INPUT)" = "$(ipt_of k -S INPUT)" ]
	listen qt 0,7,9
	listen k 0,7,9
	both_send 10.0.1.1 5001 5002 5003 5004
	heard
	same_heard 4
	grep -q '^group=7 hook=1 prefix=dropped it mark=0x7 len=28 ' "$QT_RUN/qt.txt"
	grep -q '^group=0 hook=1 prefix= mark=0x0 len=128 ' "$QT_RUN/qt.txt"
	grep -q '^group=9 ' "$QT_RUN/qt.txt"
	grep -q '^group=7 hook=1 prefix=acc "x" mark=0x0 ' "$QT_RUN/qt.txt"
}

@test "log group: a mark that comes with the tag's bits is no tag (not logged, cleared), and a ruleset on those bits is refused" {
	start_daemon
	nft_of qt -f - <<'EOF'
table ip t {
	chain out {
		type filter hook output priority filter; policy accept;
		udp dport 6000 log prefix "six " group 7
	}
}
EOF
	listen qt 7
	listen k 7
	# a local sender marking its datagrams as a tag of slot 1 would be
	ip netns exec "$FW" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 36, 0x08000001)   # SO_MARK
s.sendto(b"x", ("10.0.1.2", 6001))
s.sendto(b"y", ("10.0.1.2", 6000))
'
	heard
	cat "$QT_RUN/qt.txt"
	[ "$(wc -l <"$QT_RUN/qt.txt")" -eq 1 ]
	# the logged one carries its mark without the bits
	grep -q '^group=7 hook=3 prefix=six  mark=0x1 len=29 proto=17 10.0.1.1>10.0.1.2 ' "$QT_RUN/qt.txt"
	run nft_of qt add rule ip t out meta mark set 0x80000000
	[ "$status" -ne 0 ]
	[[ "$output" == *"Error: qtables cannot run log group with a rule that sets or matches mark bits 0xff800000"* ]]
	run ip netns exec "$FW" "$QT_BUILD/iptables" -A OUTPUT -m mark --mark 0x1000000/0x1000000
	[ "$status" -ne 0 ]
	[[ "$output" == *"mark bits 0xff800000 (mark)"* ]]
	# the ruleset in force is the one before
	nft_of qt list ruleset | grep -q 'log prefix "six " group 7'
	! nft_of qt list ruleset | grep -q 0x80000000 || false
}

@test "log group: the kernel's table follows the ruleset (made, replaced, deleted) and goes with the daemon" {
	start_daemon
	tables() { ip netns exec "$FW" /usr/sbin/nft list tables | grep -c qtables_log || true; }
	[ "$(tables)" -eq 0 ]
	nft_of qt add table ip t
	nft_of qt 'add chain ip t in { type filter hook input priority 0; }'
	nft_of qt add rule ip t in udp dport 5001 log group 7
	# IPv4's only: IPv6's program logs nothing
	[ "$(tables)" -eq 1 ]
	ip netns exec "$FW" /usr/sbin/nft list table ip qtables_log | grep -q 'log group 7 accept'
	nft_of qt add rule ip t in udp dport 5002 log group 3 prefix \"x\"
	ip netns exec "$FW" /usr/sbin/nft list table ip qtables_log | grep -q 'log prefix "x" group 3'
	# the first keeps its slot (chain t1_0_a) across the commit
	ip netns exec "$FW" /usr/sbin/nft list chain ip qtables_log t1_0_a | grep -q 'log group 7 accept'
	# a commit that logs nothing new leaves the table be (its handle)
	handle() { ip netns exec "$FW" /usr/sbin/nft -a list table ip qtables_log | sed -n '1s/.*# handle //p'; }
	local h; h=$(handle)
	[ -n "$h" ]
	nft_of qt add rule ip t in udp dport 5003 counter
	[ "$(handle)" = "$h" ]
	nft_of qt add rule ip t in udp dport 5004 log group 4
	[ "$(handle)" != "$h" ]
	# deleted by hand: the next commit makes it again
	ip netns exec "$FW" /usr/sbin/nft delete table ip qtables_log
	[ "$(tables)" -eq 0 ]
	nft_of qt add rule ip t in udp dport 5005 counter
	[ "$(tables)" -eq 1 ]
	ip netns exec "$FW" /usr/sbin/nft list table ip qtables_log | grep -q 'log group 4 accept'
	nft_of qt flush ruleset
	[ "$(tables)" -eq 0 ]
	nft_of qt add table ip t
	nft_of qt 'add chain ip t in { type filter hook input priority 0; }'
	nft_of qt add rule ip t in log group 7
	nft_of qt add table ip6 t
	nft_of qt 'add chain ip6 t in { type filter hook input priority 0; }'
	nft_of qt add rule ip6 t in log group 7
	[ "$(tables)" -eq 2 ]
	kill "$DPID"
	wait "$DPID" || true
	DPID=
	[ "$(tables)" -eq 0 ]
	# a daemon killed leaves its table; the next one's start takes it
	# away (here no rule logs)
	start_daemon
	nft_of qt add table ip t
	nft_of qt 'add chain ip t in { type filter hook input priority 0; }'
	nft_of qt add rule ip t in log group 7
	kill -9 "$DPID"
	wait "$DPID" || true
	DPID=
	[ "$(tables)" -eq 1 ]
	start_daemon
	[ "$(tables)" -eq 0 ]
}

@test "log group across qtablesd --handover beside the running daemon: the next daemon's table, the same messages as before" {
	STATE=$QT_RUN/state
	start_daemon --state "$STATE"
	local rules='table inet t {
	chain in {
		type filter hook input priority filter; policy accept;
		udp dport 5001 log prefix "acc: " group 7 accept
		udp dport 5002 log prefix "drop: " group 7 drop
	}
}'
	echo "$rules" | nft_of qt -f -
	echo "$rules" | nft_of k -f -
	local old=$DPID
	ip netns exec "$FW" "$QT_BUILD/qtablesd" --state "$STATE" --handover \
		--log-stderr --no-syslog --handover-wait 0 2>"$QT_RUN/log.beside" &
	DPID=$!
	for _ in $(seq 100); do kill -0 "$old" 2>/dev/null || break; sleep 0.05; done
	! kill -0 "$old" 2>/dev/null || false
	qt_ready "$FW"
	# one table per family, the next daemon's
	[ "$(ip netns exec "$FW" /usr/sbin/nft list tables | grep -c qtables_log)" -eq 2 ]
	listen qt 7
	listen k 7
	traffic() {
		send "$1" 10.0.1.1 5001
		send "$1" 10.0.1.1 5002
		send "$1" fd00:1::1 5002
	}
	both traffic
	heard
	same_heard 3
	cat "$QT_RUN/log.beside"
	grep -q '^group=7 hook=1 prefix=drop:  mark=0x0 len=148 proto=17 fd00:1::2>fd00:1::1' "$QT_RUN/qt.txt"
}

@test "log group with nft's dnat: a statement after the translation logs the translated packet, dropped or accepted, as the kernel's; one before it is counted where the kernel logs it translated" {
	local rules='table ip t {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		udp dport 5001 dnat to 10.0.1.1:6001
		udp dport 5002 dnat to 10.0.1.1:6002
		udp dport 5003 dnat to 10.0.1.1:6003
	}

	chain early {
		type filter hook prerouting priority raw; policy accept;
		udp dport 5003 log prefix "early " group 8
	}

	chain after {
		type filter hook prerouting priority filter; policy accept;
		udp dport 6002 log prefix "dropped " group 7 drop
	}

	chain in {
		type filter hook input priority filter; policy accept;
		udp dport 6001 log prefix "in " group 7
	}
}'
	start_daemon
	echo "$rules" | nft_of qt -f -
	echo "$rules" | nft_of k -f -
	listen qt 7
	listen k 7
	both_send 10.0.1.1 5001 5002 5003
	heard
	same_heard 2
	grep -q '^group=7 hook=0 prefix=dropped  mark=0x0 len=128 proto=17 10.0.1.2>10.0.1.1 35002>6002$' "$QT_RUN/qt.txt"
	grep -q '^group=7 hook=1 prefix=in  mark=0x0 len=128 proto=17 10.0.1.2>10.0.1.1 35001>6001$' "$QT_RUN/qt.txt"
	# the early one met 5003 and is logged with 6003: said so
	ip netns exec "$FW" "$QT_BUILD/qtables" --stats | grep 'log offload'
	ip netns exec "$FW" "$QT_BUILD/qtables" --stats | grep -q 'rewritten otherwise than they met it 1$'
}

# The audit log: the kernel here has auditing off (AUDIT_GET enabled=0),
# so neither side writes a record and none can be compared; what is
# compared is what can be seen: the listings, the kernel table's audit
# statement, and what becomes of the packets (counters on both sides,
# a group message the same chain logs).

# probe SIDE: a kernel table on the side's firewall after the filter
# rules (priority 10), counting per port what goes on, and what goes on
# with mark 0x42 and with any of the tag's bits set.
probe() {
	local ns=$FW
	[ "$1" = k ] && ns=$FW2
	ip netns exec "$ns" /usr/sbin/nft -f - <<'PROBE'
table inet qtprobe {
	chain in {
		type filter hook input priority 10; policy accept;
		meta mark & 0xff800000 != 0 counter
		meta mark 0x42 counter
		udp dport 5001 counter
		udp dport 5002 counter
		udp dport 5003 counter
		udp dport 5004 counter
		udp dport 5005 counter
	}
}
PROBE
}

probe_of() {
	local ns=$FW
	[ "$1" = k ] && ns=$FW2
	ip netns exec "$ns" /usr/sbin/nft list table inet qtprobe
}

@test "log level audit (auditing off, no record to see): listed as nft lists it, the kernel table's chains hold it, packets tagged and accepted, dropped or rejected as the kernel twin's: the same counters, mark and group messages" {
	local rules='table inet t {
	chain in {
		type filter hook input priority filter; policy accept;
		udp dport 5001 counter log level audit accept
		udp dport 5002 counter log level audit drop
		udp dport 5003 counter log level audit log group 7 reject
		udp dport 5004 counter log level audit
		udp dport 5005 meta mark set 0x42 log level audit log prefix "m " group 7 counter
	}
}'
	start_daemon
	echo "$rules" | nft_of qt -f -
	echo "$rules" | nft_of k -f -
	[ "$(nft_of qt list ruleset)" = "$(nft_of k list ruleset)" ]
	[ "$(nft_of qt -j list ruleset)" = "$(nft_of k -j list ruleset)" ]
	# the kernel's table: audit alone, accepted and dropped, and audit
	# then group 7 in one chain
	local tbl
	tbl=$(ip netns exec "$FW" /usr/sbin/nft list table ip qtables_log)
	echo "$tbl"
	echo "$tbl" | grep -q 'meta mark set meta mark & 0x007fffff log level audit accept$'
	echo "$tbl" | grep -q 'meta mark set meta mark & 0x007fffff log level audit drop$'
	echo "$tbl" | grep -q 'log level audit log group 7 drop$'
	echo "$tbl" | grep -q 'log level audit log prefix "m " group 7 accept$'
	ip netns exec "$FW" /usr/sbin/nft list table ip6 qtables_log | grep -q 'log level audit accept$'
	probe qt
	probe k
	listen qt 7
	listen k 7
	both_send "10.0.1.1 fd00:1::1" 5001 5002 5003 5004 5005
	heard
	same_heard 4
	# rule counters, and what went on after the rules: the same
	local mine kern
	same_twins nft_of list table inet t
	echo "$mine" | grep -q 'udp dport 5002 counter packets 2 '
	same_twins probe_of
	# accepted: 5001, 5004, 5005 (the mark restored, no tag bit left)
	echo "$mine" | grep -q 'udp dport 5001 counter packets 2 '
	echo "$mine" | grep -q 'udp dport 5002 counter packets 0 '
	echo "$mine" | grep -q 'udp dport 5003 counter packets 0 '
	echo "$mine" | grep -q 'meta mark 0x00000042 counter packets 2 '
	echo "$mine" | grep -q 'meta mark != 0x00000000/9 counter packets 0 '
	grep -q '^group=7 hook=1 prefix= mark=0x0 len=128 proto=17 10.0.1.2>10.0.1.1 ' "$QT_RUN/qt.txt"
	grep -q '^group=7 hook=1 prefix=m  mark=0x42 len=128 proto=17 10.0.1.2>10.0.1.1 ' "$QT_RUN/qt.txt"
	# every packet met an audit statement: each tagged
	ip netns exec "$FW" "$QT_BUILD/qtables" --stats | grep -q 'packets tagged 10;'
}

@test "iptables -j AUDIT (auditing off, no record to see): iptables-save and -L as iptables-nft's; packets tagged, logged by the kernel's table and accepted, dropped or rejected as the kernel twin's: the same counters, mark and group messages" {
	start_daemon
	local side
	for side in qt k; do
		ipt_of $side -A INPUT -p udp --dport 5001 -j AUDIT --type accept
		ipt_of $side -A INPUT -p udp --dport 5001 -j ACCEPT
		ipt_of $side -A INPUT -p udp --dport 5002 -j MARK --set-mark 0x42
		ipt_of $side -A INPUT -p udp --dport 5002 -j AUDIT --type DROP
		ipt_of $side -A INPUT -p udp --dport 5002 -j NFLOG --nflog-group 7
		ipt_of $side -A INPUT -p udp --dport 5002 -j DROP
		ipt_of $side -A INPUT -p udp --dport 5003 -j AUDIT --type reject
		ipt_of $side -A INPUT -p udp --dport 5003 -j REJECT
		ipt_of $side -A INPUT -p udp --dport 5004 -j MARK --set-mark 0x42
		ipt_of $side -A INPUT -p udp --dport 5004 -j AUDIT --type accept
	done
	save_of() {
		if [ "$1" = qt ]; then
			ip netns exec "$FW" "$QT_BUILD/iptables-save" | grep -v '^#'
		else
			ip netns exec "$FW2" /usr/sbin/iptables-nft-save | grep -v '^#'
		fi
	}
	[ "$(save_of qt)" = "$(save_of k)" ]
	save_of qt | grep -q -- '-A INPUT -p udp -m udp --dport 5002 -j AUDIT --type drop$'
	ip netns exec "$FW" /usr/sbin/nft list table ip qtables_log | grep -q 'log level audit log group 7 drop$'
	probe qt
	probe k
	listen qt 7
	listen k 7
	both_send 10.0.1.1 5001 5002 5003 5004
	heard
	same_heard 1
	grep -q '^group=7 hook=1 prefix= mark=0x42 len=128 proto=17 10.0.1.2>10.0.1.1 ' "$QT_RUN/qt.txt"
	local mine kern
	same_twins ipt_of -L INPUT -n -v -x
	echo "$mine" | grep -q '^ *1 *128 AUDIT .* udp dpt:5002 AUDIT drop$'
	same_twins probe_of
	echo "$mine" | grep -q 'udp dport 5001 counter packets 1 '
	echo "$mine" | grep -q 'udp dport 5002 counter packets 0 '
	echo "$mine" | grep -q 'udp dport 5003 counter packets 0 '
	echo "$mine" | grep -q 'meta mark 0x00000042 counter packets 1 '
	echo "$mine" | grep -q 'meta mark != 0x00000000/9 counter packets 0 '
	ip netns exec "$FW" "$QT_BUILD/qtables" --stats | grep -q 'packets tagged 4;'
}
