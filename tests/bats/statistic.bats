#!/usr/bin/env bats
# -m statistic on real traffic through qtablesd (extensions/statistic.c),
# in the fw namespace of qt_topo (client 10.0.1.2 -- fw -- server
# 10.0.2.2): UDP datagrams from the client, judged at FORWARD, counted by
# the rule counters and by a receiver on the server that notes which
# datagrams (numbered in their payload) arrived.
# QT_ORACLE=1 runs the same tests against the kernel's iptables-nft.

bats_require_minimum_version 1.5.0

load datapath_lib

# seq_send PORT FIRST LAST: datagrams numbered FIRST..LAST to the server,
# 2 ms apart (so the order through the queue is the order sent).
seq_send() {
	ip netns exec "$C" "$PY" -c '
import socket, sys, time
port, first, last = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(first, last + 1):
    s.sendto(b"%d seq" % i, ("10.0.2.2", port))
    time.sleep(0.002)
' "$@"
}
# The numbers FIRST..LAST that are P modulo N: expect FIRST LAST N P
expect() { seq "$1" "$2" | awk -v n="$3" -v p="$4" '$1 % n == p' | xargs; }

@test "statistic: --mode random --probability 0.25 passes 25% +- 3% of 10,000 datagrams, ! --probability 0.25 the rest" {
	qt $FW -A FORWARD -p udp --dport 5001 -m statistic --mode random --probability 0.25 -j ACCEPT
	qt $FW -A FORWARD -p udp --dport 5001 -j DROP
	qt $FW -A FORWARD -p udp --dport 5002 -m statistic --mode random ! --probability 0.25 -j ACCEPT
	qt $FW -A FORWARD -p udp --dport 5002 -j DROP
	run qt $FW -S FORWARD
	[ "${lines[1]}" = "-A FORWARD -p udp -m udp --dport 5001 -m statistic --mode random --probability 0.25000000000 -j ACCEPT" ]
	[ "${lines[3]}" = "-A FORWARD -p udp -m udp --dport 5002 -m statistic --mode random ! --probability 0.25000000000 -j ACCEPT" ]
	run qt $FW -L FORWARD -n
	[[ "${lines[2]}" == *"udp dpt:5001 statistic mode random probability 0.25000000000" ]]
	[[ "${lines[4]}" == *"udp dpt:5002 statistic mode random ! probability 0.25000000000" ]]

	local port rule got passed dropped
	for port in 5001 5002; do
		RECV_SECS=10 recv_start $port
		[ "$(udp_send 10.0.2.2 $port 10000 --gap 0.0001)" -eq 10000 ]
		got=$(recv_count)
		rule=$(( (port - 5001) * 2 + 1 ))
		passed=$(cnt FORWARD $rule)
		dropped=$(cnt FORWARD $((rule + 1)))
		echo "# port $port: passed $passed, dropped $dropped, received $got" >&3
		# every datagram judged once, and what passed arrived
		[ $((passed + dropped)) -eq 10000 ]
		[ "$got" -eq "$passed" ]
		if [ $port = 5001 ]; then
			[ "$passed" -ge 2200 ] && [ "$passed" -le 2800 ]
		else
			[ "$passed" -ge 7200 ] && [ "$passed" -le 7800 ]
		fi
	done
}

@test "statistic: --probability 0 passes nothing, 1 everything" {
	qt $FW -A FORWARD -p udp --dport 5001 -m statistic --mode random --probability 0 -j DROP
	qt $FW -A FORWARD -p udp --dport 5001 -m statistic --mode random --probability 1 -j ACCEPT
	qt $FW -A FORWARD -p udp --dport 5001 -j DROP
	recv_start 5001
	[ "$(udp_send 10.0.2.2 5001 500 --gap 0.001)" -eq 500 ]
	[ "$(recv_count)" -eq 500 ]
	[ "$(cnt FORWARD 1)" -eq 0 ]
	[ "$(cnt FORWARD 2)" -eq 500 ]
	[ "$(cnt FORWARD 3)" -eq 0 ]
}

@test "statistic: --mode nth --every 3 passes exactly the datagrams numbered --packet modulo 3, and ! the others" {
	qt $FW -A FORWARD -p udp --dport 5001 -m statistic --mode nth --every 3 --packet 0 -j ACCEPT
	qt $FW -A FORWARD -p udp --dport 5002 -m statistic --mode nth --every 3 --packet 2 -j ACCEPT
	qt $FW -A FORWARD -p udp --dport 5003 -m statistic --mode nth ! --every 3 --packet 1 -j ACCEPT
	qt $FW -A FORWARD -p udp -j DROP
	run qt $FW -L FORWARD -n
	[[ "${lines[2]}" == *"udp dpt:5001 statistic mode nth every 3" ]]
	[[ "${lines[3]}" == *"udp dpt:5002 statistic mode nth every 3 packet 2" ]]
	[[ "${lines[4]}" == *"udp dpt:5003 statistic mode nth ! every 3 packet 1" ]]
	run qt $FW -S FORWARD
	[ "${lines[1]}" = "-A FORWARD -p udp -m udp --dport 5001 -m statistic --mode nth --every 3 --packet 0 -j ACCEPT" ]
	[ "${lines[3]}" = "-A FORWARD -p udp -m udp --dport 5003 -m statistic --mode nth ! --every 3 --packet 1 -j ACCEPT" ]

	seq_recv 5001
	seq_send 5001 0 29
	got=$(seq_got)
	echo "# --packet 0: $got" >&3
	[ "$got" = "$(expect 0 29 3 0)" ]
	seq_recv 5002
	seq_send 5002 0 29
	got=$(seq_got)
	echo "# --packet 2: $got" >&3
	[ "$got" = "$(expect 0 29 3 2)" ]
	seq_recv 5003
	seq_send 5003 0 29
	got=$(seq_got)
	echo "# ! --packet 1: $got" >&3
	[ "$got" = "$(seq 0 29 | awk '$1 % 3 != 1' | xargs)" ]
	[ "$(cnt FORWARD 1)" -eq 10 ]
	[ "$(cnt FORWARD 2)" -eq 10 ]
	[ "$(cnt FORWARD 3)" -eq 20 ]
	[ "$(cnt FORWARD 4)" -eq 50 ]
}

@test "statistic: the nth count of a rule goes on across a commit that keeps the rule, and starts afresh for a rule made again" {
	qt $FW -A FORWARD -p udp --dport 5001 -m statistic --mode nth --every 3 --packet 0 -j ACCEPT
	qt $FW -A FORWARD -p udp -j DROP
	seq_recv 5001
	seq_send 5001 0 4
	# a commit that leaves the rule as it is
	qt $FW -I FORWARD 1 -s 192.0.2.1 -j DROP
	seq_send 5001 5 10
	got=$(seq_got)
	echo "# across the commit: $got" >&3
	[ "$got" = "$(expect 0 10 3 0)" ]
	[ "$(cnt FORWARD 2)" -eq 4 ]
	# deleted and added again: a new rule, counting from its --packet
	qt $FW -D FORWARD -p udp --dport 5001 -m statistic --mode nth --every 3 --packet 0 -j ACCEPT
	qt $FW -I FORWARD 2 -p udp --dport 5001 -m statistic --mode nth --every 3 --packet 0 -j ACCEPT
	seq_recv 5001
	seq_send 5001 0 5
	got=$(seq_got)
	echo "# made again: $got" >&3
	[ "$got" = "$(expect 0 5 3 0)" ]
}

@test "statistic: the nth count goes to the next daemon with qtablesd --handover" {
	daemon_only
	# the next daemon reads the rules from the state file
	stop_daemon
	start_daemon --state "$QT_RUN/rules.v4"
	qt $FW -A FORWARD -p udp --dport 5001 -m statistic --mode nth --every 4 --packet 1 -j ACCEPT
	qt $FW -A FORWARD -p udp -j DROP
	seq_recv 5001
	seq_send 5001 0 6
	local old=$DPID
	ip netns exec "$FW" "$QT_BUILD/qtablesd" --state "$QT_RUN/rules.v4" --handover --log-stderr \
		--no-syslog --handover-wait 0 2>"$QT_RUN/log.next" &
	DPID=$!
	for _ in $(seq 100); do
		grep -q '^State:.*Z' "/proc/$old/status" 2>/dev/null && break
		[ -d "/proc/$old" ] || break
		sleep 0.05
	done
	wait "$old"
	cat "$QT_RUN/log.next"
	qt $FW -S FORWARD
	seq_send 5001 7 13
	got=$(seq_got)
	echo "# across the handover: $got" >&3
	[ "$got" = "$(expect 0 13 4 1)" ]
}
