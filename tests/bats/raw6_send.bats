#!/usr/bin/env bats
# qtablesd sends REJECT's replies to IPv6 packets on an IPPROTO_RAW
# AF_INET6 socket (daemon/datapath.c, send_raw), counting on the kernel
# to send the bytes it is given as they are (IPV6_HDRINCL: payload
# length, traffic class, flow label, hop limit, checksums untouched).
# Every reply recorded in tests/unit/reject6_vectors.txt, which the unit
# tests build byte for byte, is sent that way from one namespace and
# captured on the other end of a veth: it must arrive unchanged.

bats_require_minimum_version 1.5.0

PY=${QT_PY:-/usr/bin/python3}

setup() {
	QT_PREFIX=${QT_BATS_PREFIX:-qtr6}$$-$BATS_TEST_NUMBER
	# shellcheck source=../lib/qt.sh
	source "$BATS_TEST_DIRNAME/../lib/qt.sh"
	"$PY" -c 'import scapy' 2>/dev/null || skip "no scapy for $PY"
	qt_ns s
	SNS=$QT_NS
	qt_ns r
	RNS=$QT_NS
	ip link add r6s0 netns "$SNS" type veth peer name r6r0 netns "$RNS"
	ip -n "$SNS" addr add 2001:db8:77::2/64 dev r6s0 nodad
	ip -n "$RNS" addr add 2001:db8:77::1/64 dev r6r0 nodad
	ip -n "$SNS" link set r6s0 up
	ip -n "$RNS" link set r6r0 up
	# no neighbour discovery to wait for
	ip -n "$SNS" neigh add 2001:db8:77::1 dev r6s0 lladdr \
		"$(ip -n "$RNS" -br link show r6r0 | awk '{print $3}')"
}

teardown() {
	qt_cleanup
}

@test "IPPROTO_RAW AF_INET6: the kernel's recorded REJECT replies go out unchanged" {
	run ip netns exec "$RNS" "$PY" "$BATS_TEST_DIRNAME/raw6_send.py" check \
		"$SNS" r6r0 "$BATS_TEST_DIRNAME/../unit/reject6_vectors.txt"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *" sent, 0 differ"* ]]
}
