#!/usr/bin/env bats
# -m set on real traffic through qtablesd (extensions/set.c over
# sets/set_store.c), in the fw namespace of qt_topo (client 10.0.1.2 and
# 10.0.1.3 -- fw -- server 10.0.2.2): networks matched by prefix, src and
# dst, '!', element counters; and the sets, their counters and timeouts
# and the rules' hold on them across a restart, a handover and SIGHUP.

bats_require_minimum_version 1.5.0

load datapath_lib

is() { ip netns exec "$FW" "$QT_BUILD/ipset" "$@"; }

# How many of N datagrams from address SRC reach the server's PORT.
through() { # src port n
	recv_start "$2"
	udp_send 10.0.2.2 "$2" "$3" --src "$1" --gap 0.005 >/dev/null
	recv_count
}

# "PACKETS BYTES" of element E of set S
elem_counters() {
	is list "$1" | sed -n "s|^$2 .*packets \([0-9]*\) bytes \([0-9]*\).*|\1 \2|p"
}

restart_with_state() {
	stop_daemon TERM
	start_daemon --state "$STATE" --handover-wait 0
}

@test "ipset: -m set matches networks by prefix, src and dst, inverted, and counts into the element" {
	client_addr2
	is create nets hash:net counters
	is add nets 10.0.1.2
	is add nets 10.0.0.0/16
	is create servers hash:ip
	is add servers 10.0.2.2
	qt "$FW" -A FORWARD -p udp --dport 7001 -m set --match-set nets src -j DROP
	qt "$FW" -A FORWARD -p udp --dport 7002 -m set ! --match-set servers dst -j DROP
	qt "$FW" -A FORWARD -p udp --dport 7003 -m set --match-set servers src -j DROP
	# 10.0.1.2 is its own element, 10.0.1.3 meets 10.0.0.0/16
	[ "$(through 10.0.1.2 7001 3)" = 0 ]
	[ "$(through 10.0.1.3 7001 2)" = 0 ]
	[ "$(elem_counters nets 10.0.1.2)" = "3 90" ]
	[ "$(elem_counters nets 10.0.0.0/16)" = "2 60" ]
	# the destination is in servers: not dropped; the source is not
	[ "$(through 10.0.1.2 7002 3)" = 3 ]
	[ "$(through 10.0.1.2 7003 3)" = 3 ]
	# the most specific element goes, the wider one still matches
	is del nets 10.0.1.2
	[ "$(through 10.0.1.2 7001 2)" = 0 ]
	[ "$(elem_counters nets 10.0.0.0/16)" = "4 120" ]
	is flush nets
	[ "$(through 10.0.1.2 7001 2)" = 2 ]
	run is list -t nets
	[[ "$output" == *"References: 1"* ]]
}

@test "ipset: sets, counters and timeouts kept across a restart, a handover and SIGHUP; rules keep matching the sets ipset changes" {
	daemon_only
	STATE=$QT_RUN/rules.v4
	restart_with_state
	client_addr2
	is create ban hash:ip timeout 600 counters
	is add ban 10.0.1.2 timeout 500
	is add ban 10.0.1.9 timeout 0
	qt "$FW" -A FORWARD -p udp --dport 7001 -m set --match-set ban src -j DROP
	[ "$(through 10.0.1.2 7001 3)" = 0 ]
	[ "$(elem_counters ban 10.0.1.2)" = "3 90" ]
	before=$(is save | sed 's/timeout [1-9][0-9]*/timeout N/')

	restart_with_state
	[ "$(is save | sed 's/timeout [1-9][0-9]*/timeout N/')" = "$before" ]
	t=$(is list ban | sed -n 's/^10.0.1.2 timeout \([0-9]*\) .*/\1/p')
	[ "$t" -le 500 ] && [ "$t" -ge 490 ]
	[ "$(through 10.0.1.2 7001 2)" = 0 ]
	[ "$(elem_counters ban 10.0.1.2)" = "5 150" ]
	# the reloaded rule holds the reloaded set: a new ban takes effect
	is add ban 10.0.1.3
	[ "$(through 10.0.1.3 7001 2)" = 0 ]

	# a handover beside the running daemon
	old=$DPID
	ip netns exec "$FW" "$QT_BUILD/qtablesd" --state "$STATE" --handover \
		--log-stderr --no-syslog --handover-wait 0 2>"$QT_RUN/log2" &
	DPID=$!
	for _ in $(seq 100); do kill -0 "$old" 2>/dev/null || break; sleep 0.05; done
	! kill -0 "$old" 2>/dev/null || false
	[ "$(elem_counters ban 10.0.1.2)" = "5 150" ]
	[ "$(elem_counters ban 10.0.1.3)" = "2 60" ]
	[ "$(through 10.0.1.3 7001 1)" = 0 ]
	is del ban 10.0.1.3
	[ "$(through 10.0.1.3 7001 2)" = 2 ]

	# SIGHUP reads the state file again: the rule still sees what ipset
	# does after it
	kill -HUP "$DPID"
	sleep 0.3
	[ "$(elem_counters ban 10.0.1.2)" = "5 150" ]
	is add ban 10.0.1.3
	[ "$(through 10.0.1.3 7001 2)" = 0 ]
	run is destroy ban
	[ "$status" = 1 ]
	[ "$output" = "ipset v7.17: Set cannot be destroyed: it is in use by a kernel component" ]
}

@test "ipset: -j SET adds the sender to a set on the packet path, and a later rule rejects what the set holds; --del-set takes it out; port types match" {
	client_addr2
	is create seen hash:ip timeout 600
	is create svc hash:ip,port
	is add svc 10.0.2.2,udp:7005
	# a datagram to 7004 puts its sender into seen; seen may not reach 7006
	qt "$FW" -A FORWARD -p udp --dport 7004 -j SET --add-set seen src --timeout 300
	qt "$FW" -A FORWARD -p udp --dport 7006 -m set --match-set seen src -j DROP
	qt "$FW" -A FORWARD -p udp --dport 7007 -j SET --del-set seen src
	qt "$FW" -A FORWARD -m set --match-set svc dst,dst -j DROP
	[ "$(through 10.0.1.3 7006 2)" = 2 ]
	[ "$(through 10.0.1.3 7004 1)" = 1 ]
	run is list seen
	[[ "$output" == *$'\n10.0.1.3 timeout 29'[0-9]* ]]
	[ "$(through 10.0.1.3 7006 2)" = 0 ]
	[ "$(through 10.0.1.2 7006 2)" = 2 ]
	[ "$(through 10.0.1.3 7007 1)" = 1 ]
	[ "$(through 10.0.1.3 7006 2)" = 2 ]
	# address and port of the destination: only udp 7005 is in svc
	[ "$(through 10.0.1.2 7005 2)" = 0 ]
	[ "$(through 10.0.1.2 7008 2)" = 2 ]
	run is list -t seen
	[[ "$output" == *"References: 3"* ]]
}

@test "ipset: -m set --packets-lt matches while the element counted fewer packets; ! --update-counters leaves them" {
	is create quota hash:ip counters
	is add quota 10.0.1.2
	# the first 3 packets of an element pass, the rest are dropped
	qt "$FW" -A FORWARD -p udp --dport 7009 -m set --match-set quota src --packets-lt 3 -j ACCEPT
	qt "$FW" -A FORWARD -p udp --dport 7009 -m set --match-set quota src ! --update-counters -j DROP
	[ "$(through 10.0.1.2 7009 5)" = 3 ]
	# counted by the first rule while it matched, not by the second
	[ "$(elem_counters quota 10.0.1.2)" = "3 90" ]
}
