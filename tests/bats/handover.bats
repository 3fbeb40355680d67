#!/usr/bin/env bats
# Restarts and upgrades that lose no connection (daemon/handover.h):
# real traffic through qtablesd in the fw namespace of qt_topo (client
# 10.0.1.2 -- fw -- server 10.0.2.2) under a strict ruleset, where a
# connection the daemon forgot is cut for good (NEW only with --syn):
#
#   -P FORWARD DROP
#   -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
#   -A FORWARD -p tcp --syn -j ACCEPT
#
# A long TCP connection (flow.py: a line every 10 ms) must come through
# SIGTERM + a fresh start, and qtablesd --handover beside the running
# daemon, with every line in order, no reset, no packet dropped by the
# kernel's queue (queue_dropped, user_dropped). The longest gap at the
# receiver is printed with the results; how long it is, is measured by
# tests/bench/bench_handover_gap.sh, not asserted here. Counters and
# recent lists come through unchanged.
# SIGTERM with no daemon after it: the holder keeps the queues and
# steering for --handover-wait, then removes the steering; kill -9
# fails closed.

bats_require_minimum_version 1.5.0

load datapath_lib

FLOW=$BATS_TEST_DIRNAME/flow.py

setup() {
	QT_PREFIX=${QT_BATS_PREFIX:-qtho}$$-$BATS_TEST_NUMBER
	# shellcheck source=../lib/qt.sh
	source "$BATS_TEST_DIRNAME/../lib/qt.sh"
	[ -x "$QT_BUILD/qtablesd" ] || { echo "no $QT_BUILD/qtablesd (set QT_BUILD)" >&2; return 1; }
	DP=$BATS_TEST_DIRNAME/dp.py
	BGPIDS=()
	DPID=
	STATE=$QT_RUN/rules.v4
	qt_topo
	start_daemon --state "$STATE" --handover-wait 5 || return 1
}

teardown() {
	local p
	for p in "${BGPIDS[@]}"; do kill "$p" 2>/dev/null; done
	stop_daemon KILL
	# holders left by a test that failed half-way
	for p in $(holders); do kill -KILL "$p" 2>/dev/null; done
	qt_cleanup
}

# The holder processes the daemons' logs told of.
holders() {
	cat "$QT_RUN"/log* 2>/dev/null |
		sed -n 's/.*qtablesd: handover: holder \([0-9]*\) keeps.*/\1/p'
}

strict() {
	qt "$FW" -P FORWARD DROP
	qt "$FW" -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	qt "$FW" -A FORWARD -p tcp --syn -j ACCEPT
}

# flow_start SECONDS: the server, then the client sending for SECONDS.
flow_start() {
	# a background job truncates its files only when it runs: an old
	# "ready" would be read as the new server's
	rm -f "$QT_RUN/srv" "$QT_RUN/srv.err" "$QT_RUN/cli"
	ip netns exec "$S" "$PY" "$FLOW" serve 5001 >"$QT_RUN/srv" 2>"$QT_RUN/srv.err" &
	BGPIDS+=("$!")
	for _ in $(seq 100); do
		grep -q ready "$QT_RUN/srv.err" && break
		sleep 0.02
	done
	ip netns exec "$C" "$PY" "$FLOW" send 10.0.2.2 5001 "$1" >"$QT_RUN/cli" &
	CLIENT=$!
	BGPIDS+=("$CLIENT")
}

# Wait for the flow's end and check it whole: every line sent arrived,
# in order, without reset.
flow_whole() {
	wait "$CLIENT"
	for _ in $(seq 100); do
		[ -s "$QT_RUN/srv" ] && break
		sleep 0.05
	done
	local sent lines inorder end
	read -r _ sent _ end <"$QT_RUN/cli"
	echo "client: $(cat "$QT_RUN/cli")"
	echo "server: $(cat "$QT_RUN/srv")"
	# the figures, shown with the results (bats prints fd 3)
	echo "# receiver: $(cat "$QT_RUN/srv")" >&3
	[ "$end" = ok ]
	read -r _ lines _ inorder _ _ _ end <"$QT_RUN/srv"
	[ "$end" = eof ]
	[ "$inorder" = 1 ]
	[ "$lines" -eq "$sent" ]
	[ "$sent" -ge 200 ]
}

# Packets the fw's kernel queues dropped (queue_dropped + user_dropped).
queue_drops() {
	ip netns exec "$FW" cat /proc/net/netfilter/nfnetlink_queue |
		awk '{ d += $6 + $7 } END { print d + 0 }'
}

# The next qtablesd (ARGS), already inside the fw namespace, started
# the moment the running one ($DPID) has ended - as a service manager
# restarts a service - so the gap measured is the daemons', not the time
# ip netns exec takes to enter a namespace or a shell to notice.
next_after_exit() {
	NEXTN=$(( ${NEXTN:-0} + 1 ))
	LOG2=$QT_RUN/log.next$NEXTN
	ip netns exec "$FW" "$PY" "$FLOW" exec-after "$DPID" \
		"$QT_BUILD/qtablesd" --no-state --log-stderr --no-syslog "$@" \
		2>"$LOG2" &
	NEXT=$!
	for _ in $(seq 250); do
		grep -q '^exec-after: watching' "$LOG2" && return 0
		sleep 0.02
	done
	echo "flow.py exec-after did not start" >&2
	return 1
}
next_serving() {
	DPID=$NEXT
	for _ in $(seq 100); do
		qt_ready "$FW" && return 0
		sleep 0.03
	done
	return 1
}

steered() { ipt_save "$FW" | grep -q 'QTABLES-'; }

# Has our child PID exited (a zombie counts) within SECONDS?
exits_within() {
	local pid=$1 n=$(( $2 * 20 ))
	for _ in $(seq "$n"); do
		grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && return 0
		[ -d "/proc/$pid" ] || return 0
		sleep 0.05
	done
	return 1
}

@test "handover: a TCP connection under a --syn ruleset survives SIGTERM and a fresh start: nothing lost, reset or dropped in the queue" {
	strict
	flow_start 3
	sleep 1
	before=$(queue_drops)
	next_after_exit --state "$STATE" --handover-wait 5
	kill -TERM "$DPID"
	wait "$DPID"
	next_serving
	flow_whole || { cat "$QT_RUN"/log*; false; }
	cat "$QT_RUN"/log*
	grep -q 'handover: 1 connections' "$LOG2"
	[ "$(queue_drops)" -eq "$before" ]
	# the holders handed over and left
	for p in $(holders); do ! kill -0 "$p" 2>/dev/null || false; done
	steered
	run qt "$FW" -S FORWARD
	[ "${lines[1]}" = "-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT" ]
}

@test "handover: qtablesd --handover beside the running daemon takes the connection, the queues and the control socket over" {
	strict
	flow_start 3
	sleep 1
	before=$(queue_drops)
	old=$DPID
	LOG2=$QT_RUN/log.beside
	ip netns exec "$FW" "$QT_BUILD/qtablesd" --state "$STATE" --handover \
		--log-stderr --no-syslog 2>"$LOG2" &
	DPID=$!
	# the old daemon hands over and exits by itself, successfully
	exits_within "$old" 5 || { kill "$old"; false; }
	wait "$old"
	# requests are answered all along, by the new daemon now
	qt "$FW" -S FORWARD >/dev/null
	flow_whole || { cat "$QT_RUN"/log*; false; }
	cat "$LOG2"
	grep -q 'handover: 1 connections' "$LOG2"
	[ "$(queue_drops)" -eq "$before" ]
	steered
	[ -z "$(holders)" ]
}

@test "handover: a handover nobody takes (the asker hangs up): the daemon goes on, connections and all" {
	strict
	flow_start 3
	sleep 1
	ip netns exec "$FW" "$PY" "$FLOW" ask-and-leave
	sleep 0.5
	kill -0 "$DPID"
	qt "$FW" -S FORWARD >/dev/null
	flow_whole
	cat "$LOG"
	grep -q 'handover failed' "$LOG"
	grep -q 'handover: 1 connections' "$LOG"
	steered
}

@test "handover: rule and policy counters and recent lists are the same after a restart" {
	qt "$FW" -A INPUT -p udp --dport 9999 -m recent --set --name seen
	qt "$FW" -A INPUT -p udp --dport 9999 -m limit --limit 1/min --limit-burst 2 -j ACCEPT
	qt "$FW" -P INPUT DROP
	udp_send 10.0.1.1 9999 5 --gap 0.01 >/dev/null
	FROM=$S udp_send 10.0.2.1 9999 3 --gap 0.01 >/dev/null
	sleep 0.2
	counters=$(qt "$FW" -L -v -n -x)
	list=$(ip netns exec "$FW" "$QT_BUILD/qtables" --recent seen </dev/null)
	echo "$counters"
	echo "$list"
	[ -n "$list" ]
	[ "$(cnt INPUT 1)" -eq 8 ]
	[ "$(cnt INPUT 2)" -eq 2 ]
	next_after_exit --state "$STATE"
	kill -TERM "$DPID"
	wait "$DPID"
	next_serving
	[ "$(qt "$FW" -L -v -n -x)" = "$counters" ]
	[ "$(ip netns exec "$FW" "$QT_BUILD/qtables" --recent seen </dev/null)" = "$list" ]
	# the limit's bucket came over spent: the next datagram is over it
	udp_send 10.0.1.1 9999 1 >/dev/null
	sleep 0.2
	[ "$(cnt INPUT 2)" -eq 2 ]
	[ "$(cnt INPUT 1)" -eq 9 ]
}

@test "handover: a connection's counts come through a restart: connbytes judges it the same" {
	qt "$FW" -A INPUT -p udp --dport 9999 -m connbytes --connbytes 4: \
		--connbytes-dir original --connbytes-mode packets -j DROP
	udp_send 10.0.1.1 9999 3 --sport 5555 --gap 0.01 >/dev/null
	sleep 0.2
	[ "$(cnt INPUT 1)" -eq 0 ]
	next_after_exit --state "$STATE"
	kill -TERM "$DPID"
	wait "$DPID"
	next_serving
	ip netns exec "$FW" "$QT_BUILD/qtables-conntrack" -L -p udp 2>&1 || true
	# the fourth and fifth datagrams of the connection: over the count
	udp_send 10.0.1.1 9999 2 --sport 5555 --gap 0.01 >/dev/null
	sleep 0.2
	[ "$(cnt INPUT 1)" -eq 2 ]
}

@test "handover: SIGTERM with no qtablesd after it keeps the queues and steering for --handover-wait, then gives the namespace back to the kernel's tables" {
	stop_daemon
	# long enough for the checks below on a loaded machine
	start_daemon --state "$STATE" --handover-wait 5
	strict
	[ "$(pings 3 10.0.2.2)" -eq 0 ]   # no SYN: the strict ruleset drops pings
	qt "$FW" -A FORWARD -p icmp -j ACCEPT
	[ "$(pings 3 10.0.2.2)" -eq 3 ]
	kill -TERM "$DPID"
	wait "$DPID"
	DPID=
	cat "$QT_RUN/log"
	holder=$(holders)
	[ -n "$holder" ]
	kill -0 "$holder"
	# held: steering in place, packets wait in the queue (fail closed)
	steered
	[ "$(pings 2 10.0.2.2)" -eq 0 ]
	# nobody came: the holder removes the steering and leaves
	for _ in $(seq 100); do kill -0 "$holder" 2>/dev/null || break; sleep 0.1; done
	! kill -0 "$holder" 2>/dev/null || false
	! steered || false
	[ "$(pings 3 10.0.2.2)" -eq 3 ]
}

@test "handover: --handover-wait 0 removes the steering at SIGTERM, as without a handover" {
	stop_daemon
	start_daemon --state "$STATE" --handover-wait 0
	strict
	steered
	stop_daemon
	! steered || false
	[ -z "$(holders)" ]
}

@test "handover: kill -9 fails closed: steering stays, traffic stops until a restart, which reloads the state file; connections are lost" {
	strict
	qt "$FW" -A FORWARD -p icmp -j ACCEPT
	[ "$(pings 3 10.0.2.2)" -eq 3 ]
	flow_start 3
	sleep 0.5
	stop_daemon KILL
	steered
	[ "$(pings 2 10.0.2.2)" -eq 0 ]
	[ -z "$(holders)" ]
	start_daemon --state "$STATE"
	[ "$(pings 3 10.0.2.2)" -eq 3 ]
	run qt "$FW" -S FORWARD
	[ "${lines[3]}" = "-A FORWARD -p icmp -j ACCEPT" ]
	# the connection was forgotten: its packets are not --syn, it dies
	# (the client says how it ended: a missing line is no pass)
	wait "$CLIENT" || true
	echo "client: $(cat "$QT_RUN/cli")"
	grep -Eqx 'sent [0-9]+ end (reset|error)' "$QT_RUN/cli"
}
