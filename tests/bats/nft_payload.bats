#!/usr/bin/env bats
# nft's payload statements on real IPv6 packets, beside a twin whose
# router is the kernel's nft: a -- f -- b twice, f judged by qtablesd in
# one and by the kernel in the other, the same frames sent from a; what
# b receives (every byte: addresses, traffic class, flow label, hop
# limit, transport checksums) must be the kernel's. (IPv4 payload
# statements: run-nft-packets.sh's payload cases.)

RULES='table ip6 t {
	chain fw {
		type filter hook forward priority 0;
		udp dport 9 ip6 daddr set fd00:2::3 ip6 dscp set af42 ip6 flowlabel set 12345
		tcp dport 9 ip6 saddr set fd00:1::77 ip6 ecn set ce tcp dport set 99
		udp dport 10 ip6 hoplimit set 3 udp sport set 53
	}
}'

setup() {
	QT_PREFIX=${QT_BATS_PREFIX:-qtnftpl}$$-$BATS_TEST_NUMBER
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

# twin N: a -- f -- b, IPv6, static neighbours; sets A F B
twin() {
	qt_ns "a$1" || return 1; A=$QT_NS
	qt_ns "f$1" || return 1; F=$QT_NS
	qt_ns "b$1" || return 1; B=$QT_NS
	ip link add qha0 netns "$A" address 02:00:00:00:0a:01 type veth \
		peer name qhf0 netns "$F" address 02:00:00:00:0f:00 || return 1
	ip link add qhb0 netns "$B" address 02:00:00:00:0b:01 type veth \
		peer name qhf1 netns "$F" address 02:00:00:00:0f:01 || return 1
	local ns
	for ns in "$A" "$F" "$B"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.router_solicitations=0 \
			net.ipv6.conf.default.router_solicitations=0 \
			net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	done
	ip -n "$A" link set qha0 up
	ip -n "$B" link set qhb0 up
	ip -n "$F" link set qhf0 up
	ip -n "$F" link set qhf1 up
	ip netns exec "$F" sysctl -qw net.ipv6.conf.all.forwarding=1
	ip -n "$F" addr add fd00:1::1/64 dev qhf0 nodad
	ip -n "$F" addr add fd00:2::1/64 dev qhf1 nodad
	ip -n "$F" neigh replace fd00:2::2 lladdr 02:00:00:00:0b:01 dev qhf1 nud permanent
	ip -n "$F" neigh replace fd00:2::3 lladdr 02:00:00:00:0b:01 dev qhf1 nud permanent
}

# What b of the twin receives of a's frames.
exchange() {
	ip netns exec "$B" "$PY" "$BATS_TEST_DIRNAME/payload6.py" recv 3 >"$QT_RUN/$1" &
	local rp=$!
	sleep 1.5
	ip netns exec "$A" "$PY" "$BATS_TEST_DIRNAME/payload6.py" send
	wait "$rp"
}

@test "IPv6 payload statements: addresses (the transport checksum's pseudo-header), dscp, ecn, flow label, hop limit and ports rewritten as the kernel rewrites them" {
	twin 1
	echo "$RULES" | ip netns exec "$F" /usr/sbin/nft -f -
	exchange kernel
	twin 2
	qt_daemon "$F" --no-state
	for _ in $(seq 100); do qt_ready "$F" && break; sleep 0.03; done
	echo "$RULES" | ip netns exec "$F" "$QT_BUILD/nft" -f -
	exchange qtables
	echo "kernel:"; cat "$QT_RUN/kernel"
	echo "qtables:"; cat "$QT_RUN/qtables"
	[ "$(wc -l <"$QT_RUN/kernel")" -eq 3 ]
	! grep -q bad "$QT_RUN/kernel" || false
	diff <(sort "$QT_RUN/kernel") <(sort "$QT_RUN/qtables")
}

@test "nft: header fields, tcp flags' forms and payload statements come back identical after a restart from the state file" {
	qt_ns st
	local st=$QT_RUN/state
	qt_daemon "$QT_NS" --no-datapath --state "$st"
	ip netns exec "$QT_NS" "$QT_BUILD/nft" -f - <<'NFT'
table inet t {
	chain c {
		ip dscp cs1 ip ecn ce ip version 4 ip hdrlength 5 ip frag-off 33-45
		ip6 flowlabel 22 ip6 dscp af42 tcp doff 8
		tcp flags ! fin,rst tcp flags != syn / fin,syn
		tcp flags & (fin | syn | rst | psh | ack | urg) == { fin, ack, psh | ack }
		tcp flags == syn tcp flags { syn, syn | ack }
		icmp id 3
		icmpv6 mtu 1280
		ip saddr & 0xffff0000 == 0xffff0000 ip protocol { comp, icmp }
		ip dscp set af23 tcp flags set syn,ack
		ip6 daddr set ::1
	}
}
NFT
	before=$(ip netns exec "$QT_NS" "$QT_BUILD/nft" list ruleset)
	echo "$before"
	qt_stop_daemon "$QT_NS"
	qt_daemon "$QT_NS" --no-datapath --state "$st"
	after=$(ip netns exec "$QT_NS" "$QT_BUILD/nft" list ruleset)
	[ "$before" = "$after" ]
}
