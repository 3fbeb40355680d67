#!/usr/bin/env bats
# nft's sctp chunk expression on real SCTP packets, beside a twin judged
# by the kernel's nft: a -- f twice, f judged by qtablesd in one and by
# the kernel in the other; the same frames (sctp_chunks.py: chunk types
# first and later, odd lengths padded, a chunk of length 0, one longer
# than the packet, one too short for its field, IPv4 and IPv6, and a
# UDP datagram) arrive at f, whose input chain counts them rule by rule.
# The counters must be the kernel's.

RULES='table inet t {
	chain in {
		type filter hook input priority 0;
		meta l4proto sctp counter
		sctp chunk data exists counter
		sctp chunk data missing counter
		sctp chunk init exists counter
		sctp chunk init num-outbound-streams 10 counter
		sctp chunk init initial-tsn 5 sctp chunk init a-rwnd 65536 counter
		sctp chunk init-ack num-outbound-streams 3 counter
		sctp chunk data stream 1337 counter
		sctp chunk data stream != 1337 counter
		sctp chunk data flags 3 counter
		sctp chunk data ppid 8 counter
		sctp chunk data type 0 counter
		sctp chunk data length 18 counter
		sctp chunk sack a-rwnd 4096 counter
		sctp chunk sack exists sctp chunk data exists counter
		sctp chunk heartbeat length 8 counter
		sctp chunk error length 5 counter
		sctp chunk shutdown-complete exists counter
		sctp chunk cookie-echo exists sctp chunk cookie-ack exists counter
		sctp chunk shutdown cum-tsn-ack 9 sctp chunk abort flags 1 counter
		sctp chunk abort missing counter
		sctp chunk ecne lowest-tsn 5 sctp chunk cwr lowest-tsn 8 counter
		sctp chunk asconf-ack seqno 12345 counter
		sctp chunk forward-tsn new-cum-tsn 31337 counter
		sctp chunk asconf seqno 12345 counter
		sctp chunk sack a-rwnd { 1, 4096 } counter
		sctp chunk data stream 1000-2000 counter
		udp dport 9 sctp chunk data missing counter
		udp dport 9 sctp chunk data stream 0 counter
		meta nfproto ipv6 sctp chunk data exists counter
		sctp chunk data stream . sctp sport { 1337 . 1000, 1337 . 1007 } counter
		meta mark set sctp chunk data stream map { 1337 : 7, 5 : 8 }
		meta mark 7 counter
		meta mark 8 counter
	}
}'

setup() {
	QT_PREFIX=${QT_BATS_PREFIX:-qtnftsc}$$-$BATS_TEST_NUMBER
	# shellcheck source=../lib/qt.sh
	source "$BATS_TEST_DIRNAME/../lib/qt.sh"
	[ -x "$QT_BUILD/qtablesd" ] || { echo "no $QT_BUILD/qtablesd (set QT_BUILD)" >&2; return 1; }
	PY=
	for p in python3 /usr/bin/python3; do
		if command -v "$p" >/dev/null && "$p" -c 'import scapy.all' 2>/dev/null; then
			PY=$p; break
		fi
	done
	[ -n "$PY" ] || skip "python3 scapy missing"
}

teardown() {
	qt_cleanup
}

# twin N: a -- f, f with 10.0.1.1 and fd00:1::1; sets A F
twin() {
	qt_ns "a$1" || return 1; A=$QT_NS
	qt_ns "f$1" || return 1; F=$QT_NS
	ip link add qha0 netns "$A" address 02:00:00:00:0a:01 type veth \
		peer name qhf0 netns "$F" address 02:00:00:00:0f:00 || return 1
	local ns
	for ns in "$A" "$F"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.router_solicitations=0 \
			net.ipv6.conf.default.router_solicitations=0 \
			net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	done
	ip -n "$A" link set qha0 up
	ip -n "$F" link set qhf0 up
	ip -n "$F" addr add 10.0.1.1/24 dev qhf0
	ip -n "$F" addr add fd00:1::1/64 dev qhf0 nodad
}

# The counters of f's rules after a's frames, one line per rule.
counters() {
	ip netns exec "$A" "$PY" "$BATS_TEST_DIRNAME/sctp_chunks.py"
	sleep 0.5
	ip netns exec "$F" "$1" list table inet t | grep counter >"$QT_RUN/$2"
}

@test "nft sctp chunk: presence and fields of chunks on real SCTP packets (IPv4, IPv6) count as the kernel counts them" {
	twin 1
	echo "$RULES" | ip netns exec "$F" /usr/sbin/nft -f -
	counters /usr/sbin/nft kernel
	twin 2
	qt_daemon "$F" --no-state
	for _ in $(seq 100); do qt_ready "$F" && break; sleep 0.03; done
	echo "$RULES" | ip netns exec "$F" "$QT_BUILD/nft" -f -
	counters "$QT_BUILD/nft" qtables
	diff -u "$QT_RUN/kernel" "$QT_RUN/qtables"
	# the kernel saw every SCTP frame, and the rules tell them apart
	grep -q "meta l4proto sctp counter packets 30 " "$QT_RUN/kernel"
	[ "$(sed 's/.*packets //' "$QT_RUN/kernel" | sort -u | wc -l)" -gt 5 ]
}

@test "nft sctp chunk: rules come back identical after a restart from the state file" {
	qt_ns st
	local st=$QT_RUN/state
	qt_daemon "$QT_NS" --no-datapath --state "$st"
	echo "$RULES" | ip netns exec "$QT_NS" "$QT_BUILD/nft" -f -
	before=$(ip netns exec "$QT_NS" "$QT_BUILD/nft" list ruleset)
	echo "$before"
	echo "$before" | grep -q "sctp chunk init-ack num-outbound-streams 3 counter"
	qt_stop_daemon "$QT_NS"
	qt_daemon "$QT_NS" --no-datapath --state "$st"
	after=$(ip netns exec "$QT_NS" "$QT_BUILD/nft" list ruleset)
	[ "$before" = "$after" ]
}
