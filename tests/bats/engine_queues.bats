#!/usr/bin/env bats
# qtablesd with several queues (--queues 0-1: one thread per queue, the
# steering rule spreads packets with --queue-balance) and the statistics
# command that shows them.

bats_require_minimum_version 1.5.0

setup() {
	QT_PREFIX=${QT_BATS_PREFIX:-qteq}$$-$BATS_TEST_NUMBER
	# shellcheck source=../lib/qt.sh
	source "$BATS_TEST_DIRNAME/../lib/qt.sh"
	qt_topo
}

teardown() {
	qt_cleanup
}

# ping the server once from each of 16 client addresses; prints how many
# were answered
ping_from_many() {
	local n=0 i
	for i in $(seq 10 25); do
		ip -n "$C" addr add "10.0.1.$i/24" dev qtc0 2>/dev/null
	done
	for i in $(seq 10 25); do
		if ip netns exec "$C" ping -c1 -W1 -I "10.0.1.$i" 10.0.2.2 >/dev/null 2>&1; then
			n=$((n + 1))
		fi
	done
	echo "$n"
}

@test "--queues 0-1: two threads share the traffic, rules apply on both" {
	qt_daemon "$FW" --no-state --queues 0-1
	# no chain yet: nothing is queued at all
	run ip netns exec "$FW" iptables-nft-save -t mangle
	[[ "$output" != *"NFQUEUE"* ]]
	# a FORWARD chain: forwarded packets are queued there only
	qt "$FW" -P FORWARD ACCEPT
	run ip netns exec "$FW" iptables-nft-save -t mangle
	[[ "$output" == *"-A QTABLES-FWD -j NFQUEUE --queue-balance 0:1"* ]]
	[[ "$output" != *"QTABLES-PRE"* ]]
	[ "$(ping_from_many)" -eq 16 ]
	run ip netns exec "$FW" "$QT_BUILD/qtables" --stats
	[ "$status" -eq 0 ]
	echo "$output"
	[[ "$output" == *"engine: 2 queues (0-1)"* ]]
	q0=$(echo "$output" | awk '/^queue 0:/ { print $4 }')
	q1=$(echo "$output" | awk '/^queue 1:/ { print $4 }')
	# 16 flows, a request and a reply each, queued at FORWARD: both
	# queues had some, and together all
	[ "$q0" -gt 0 ]
	[ "$q1" -gt 0 ]
	[ $((q0 + q1)) -eq $((16 * 2)) ]
	qt "$FW" -A FORWARD -p icmp --icmp-type echo-request -j DROP
	[ "$(ping_from_many)" -eq 0 ]
	run qt "$FW" -L FORWARD -v -n -x
	[[ "$output" == *"      16     1344 DROP"* ]]
}

@test "--queues 0-1: broadcast frames meet the thread of their flow" {
	# the link-layer queues are balanced as the main ones: a broadcast
	# frame and the unicast reply to it share a thread, hence a
	# connection table
	qt_daemon "$FW" --no-state --queues 0-1
	qt "$FW" -A INPUT -p icmp -m pkttype --pkt-type broadcast
	qt "$FW" -A OUTPUT -p icmp -m state --state ESTABLISHED
	qt "$FW" -A OUTPUT -p icmp -m state --state NEW
	run ip netns exec "$FW" iptables-nft-save -t mangle
	[[ "$output" == *"-A QTABLES-IN -m pkttype --pkt-type broadcast -j NFQUEUE --queue-balance 65532:65533"* ]]
	[[ "$output" == *"-A QTABLES-IN -m pkttype --pkt-type multicast -j NFQUEUE --queue-balance 65534:65535"* ]]
	for i in $(seq 10 25); do
		ip -n "$C" addr add "10.0.1.$i/24" dev qtc0
	done
	for i in $(seq 10 25); do
		ip netns exec "$C" "${QT_PY:-/usr/bin/python3}" "$BATS_TEST_DIRNAME/dp.py" \
			frame ff:ff:ff:ff:ff:ff 10.0.1.1 $((100 + i)) 1 --icmp --src "10.0.1.$i" >/dev/null
	done
	sleep 0.3
	run qt "$FW" -L -v -n -x
	echo "$output"
	[ "$(qt "$FW" -L INPUT -v -n -x | awk 'NR == 3 { print $1 }')" -eq 16 ]
	[ "$(qt "$FW" -L OUTPUT -v -n -x | awk 'NR == 3 { print $1 }')" -eq 16 ]
	[ "$(qt "$FW" -L OUTPUT -v -n -x | awk 'NR == 4 { print $1 }')" -eq 0 ]
	run ip netns exec "$FW" "$QT_BUILD/qtables" --stats
	[[ "$output" == *"link-layer queues: broadcast 65532-65533, multicast 65534-65535, steered to"* ]]
}

@test "a link-layer queue held by another program: a warning, types derived" {
	ip netns exec "$FW" "$QT_BUILD/tests/bench/nfq_accept_all" -q 65534 --hooks PREROUTING \
		>"$QT_RUN/other.out" 2>&1 &
	other=$!
	for _ in $(seq 100); do grep -q ready "$QT_RUN/other.out" && break; sleep 0.05; done
	ip netns exec "$FW" "$QT_BUILD/qtablesd" --no-state --handover-wait 0 \
		>"$QT_RUN/d.out" 2>&1 &
	d=$!
	for _ in $(seq 100); do qt_ready "$FW" && break; sleep 0.05; done
	qt "$FW" -A INPUT -p udp -m pkttype --pkt-type broadcast
	run ip netns exec "$FW" "$QT_BUILD/qtables" --stats
	kill "$d" "$other"
	wait "$d" "$other" || true
	echo "$output"; cat "$QT_RUN/d.out"
	[[ "$output" == *"link-layer queues: none (frame types derived from the IP destination)"* ]]
	grep -q "NFQUEUE 65534: .*derived from the IP destination" "$QT_RUN/d.out"
}

@test "--stats counts verdicts: accepts, drops" {
	qt_daemon "$FW" --no-state
	qt "$FW" -A FORWARD -p icmp --icmp-type echo-request -s 10.0.1.2 -j DROP
	run ip netns exec "$C" ping -c3 -i0.2 -W1 10.0.2.2
	[ "$status" -ne 0 ]
	run ip netns exec "$FW" "$QT_BUILD/qtables" --stats
	echo "$output"
	# queued at FORWARD only (the one chain there is): three drops
	[[ "$output" == *"verdicts: accept 0, drop 3,"* ]]
	[[ "$output" == *"steering: hooks FORWARD (changed 1 times)"* ]]
	[[ "$output" == *"kernel queue 0:"* ]]
}

@test "steering follows the chains: queued where a table has its chain" {
	qt_daemon "$FW" --no-state
	qt "$FW" -t mangle -A PREROUTING -j MARK --set-mark 1
	qt "$FW" -A INPUT -p tcp --dport 1 -j DROP
	run ip netns exec "$FW" "$QT_BUILD/qtables" --stats
	[[ "$output" == *"steering: hooks PREROUTING INPUT (changed 2 times)"* ]]
	qt "$FW" -t mangle -F PREROUTING
	run ip netns exec "$FW" "$QT_BUILD/qtables" --stats
	# a flushed chain still exists (iptables-nft keeps it) ...
	[[ "$output" == *"steering: hooks PREROUTING INPUT (changed 2 times)"* ]]
	# ... until -X, which in iptables-nft deletes empty built-in chains
	# too (nft list ruleset shows an empty table then)
	qt "$FW" -t mangle -X
	run ip netns exec "$FW" "$QT_BUILD/qtables" --stats
	[[ "$output" == *"steering: hooks INPUT (changed 3 times)"* ]]
	kill "$(cat "$QT_RUN/$FW.pid")"
	for _ in $(seq 50); do [ -f "$QT_RUN/$FW.pid" ] || break; kill -0 "$(cat "$QT_RUN/$FW.pid")" 2>/dev/null || break; sleep 0.1; done
	run ip netns exec "$FW" iptables-nft-save
	[[ "$output" != *"QTABLES"* ]]
}

@test "bad queue numbers are refused with a clear message" {
	run ip netns exec "$FW" "$QT_BUILD/qtablesd" --no-state --queues 3-1
	[ "$status" -eq 2 ]
	[[ "$output" == *'bad queue numbers "3-1"'* ]]
}

@test "link-layer queues that overlap the main ones or pass 65535: refused with a message, no crash" {
	run ip netns exec "$FW" "$QT_BUILD/qtablesd" --no-state --no-syslog --l2-queues 0
	[ "$status" -eq 1 ]
	[[ "$output" == *"link-layer queues 0-1: overlap the main queues"* ]]
	run ip netns exec "$FW" "$QT_BUILD/qtablesd" --no-state --no-syslog --l2-queues 65535
	[ "$status" -eq 1 ]
	[[ "$output" == *"link-layer queues 65535-65536: beyond 65535"* ]]
	# refused before anything was installed: no steering left behind
	run ip netns exec "$FW" iptables-nft-save -t mangle
	[[ "$output" != *QTABLES-* ]]
}

# iptables-nft 1.8.9: a built-in chain made by -A does not count packets
# meeting its policy until -P, -Z or a restore line sets its counters
# (checked with the kernel: `nft list chain` shows no chain counter).
@test "policy counters start with -P, -Z or a restore line, not with -A" {
	qt_daemon "$FW" --no-state
	qt "$FW" -A FORWARD -p udp --dport 9 -j ACCEPT
	ip netns exec "$C" ping -c2 -i0.2 -W1 10.0.2.2 >/dev/null
	run qt "$FW" -L FORWARD -v -n -x
	[[ "${lines[0]}" == "Chain FORWARD (policy ACCEPT 0 packets, 0 bytes)" ]]
	qt "$FW" -Z FORWARD
	ip netns exec "$C" ping -c2 -i0.2 -W1 10.0.2.2 >/dev/null
	run qt "$FW" -L FORWARD -v -n -x
	[[ "${lines[0]}" == "Chain FORWARD (policy ACCEPT 4 packets, 336 bytes)" ]]
	# -P zeroes them (any -P, even the same policy)
	qt "$FW" -P FORWARD ACCEPT
	run qt "$FW" -L FORWARD -v -n -x
	[[ "${lines[0]}" == "Chain FORWARD (policy ACCEPT 0 packets, 0 bytes)" ]]
	ip netns exec "$C" ping -c1 -W1 10.0.2.2 >/dev/null
	run qt "$FW" -L FORWARD -v -n -x
	[[ "${lines[0]}" == "Chain FORWARD (policy ACCEPT 2 packets, 168 bytes)" ]]
}
