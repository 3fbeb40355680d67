#!/usr/bin/env bats
# fib for IPv6 with real traffic through qtablesd in qt_topo's fw:
# client $C (fd00:1::2, and fd00:9::2 that fw has no route back to
# until a test adds one) -- fw $FW (qtf0 fd00:1::1 | qtf1 fd00:2::1)
# -- server $S (fd00:2::2). A reverse path filter (fib saddr . iif oif
# missing), fib's address type and device, the daemon's IPv6 routes
# following a route added while it runs. With QT_ORACLE=1 the same
# tests run against the kernel's nft: every expectation here is what
# the kernel does.

bats_require_minimum_version 1.5.0

load nft_twin_lib

setup() { oracle_setup qtfib6 topo_fib6; }

# fd00:9::2 beside the client's address: a source fw has no route back
# to until a test adds one.
topo_fib6() {
	topo || return 1
	ip -n "$C" addr add fd00:9::2/64 dev qtc0 nodad
}

# Packets of the counter of the rule whose text has WORDS in chain
# inet f CHAIN: cnt CHAIN WORDS
cnt() {
	nftfw list chain inet f "$1" | grep -F -- "$2" |
		grep -o 'counter packets [0-9]*' | awk '{ print $3 }'
}

# ping6 from the client: ping_from SRC DST
ping_from() {
	ip netns exec "$C" ping -6 -n -q -c 1 -w 2 -I "$1" "$2" >/dev/null 2>&1
}

# The filter looks at echo requests only: multicast listener reports
# from the unspecified address, sent when a device comes up, would be
# counted at a time of their own.
@test "nft fib ip6: a reverse path filter drops a source fw has no route back to, until it has one" {
	nftfw -f - <<'EOF'
table inet f {
	chain pre {
		type filter hook prerouting priority 0; policy accept;
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
		icmpv6 type echo-request fib saddr . iif oif missing counter drop
	}
}
EOF
	ping_from fd00:1::2 fd00:1::1
	ping_from fd00:1::2 fd00:2::2
	[ "$(cnt pre 'oif missing')" = 0 ]
	run ping_from fd00:9::2 fd00:1::1
	[ "$status" -ne 0 ]
	[ "$(cnt pre 'oif missing')" -ge 1 ]
	# a route back by qtf0: the daemon sees it, the filter lets it in
	ip -n "$FW" -6 route add fd00:9::/64 via fd00:1::2 dev qtf0
	sleep 0.3
	local before
	before=$(cnt pre 'oif missing')
	ping_from fd00:9::2 fd00:1::1
	[ "$(cnt pre 'oif missing')" = "$before" ]
	# a route back by the other device: dropped again
	ip -n "$FW" -6 route replace fd00:9::/64 via fd00:2::2 dev qtf1
	sleep 0.3
	run ping_from fd00:9::2 fd00:1::1
	[ "$status" -ne 0 ]
	[ "$(cnt pre 'oif missing')" -gt "$before" ]
}

@test "nft fib ip6: address types and the route's device" {
	nftfw -f - <<'EOF'
table inet f {
	chain pre {
		type filter hook prerouting priority 0; policy accept;
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
		fib daddr . iif type local counter
		fib daddr type local counter
		fib daddr type unicast counter
		fib daddr type blackhole counter drop
		fib daddr oifname "qtf1" counter
	}
}
EOF
	ip -n "$FW" -6 route add blackhole fd00:66::/64
	sleep 0.3
	# to fw's address of the incoming device
	ping_from fd00:1::2 fd00:1::1
	[ "$(cnt pre 'iif type local')" = 1 ]
	[ "$(cnt pre 'fib daddr type local')" = 1 ]
	# to fw's address of the other device: local, not by iif
	ping_from fd00:1::2 fd00:2::1
	[ "$(cnt pre 'iif type local')" = 1 ]
	[ "$(cnt pre 'fib daddr type local')" = 2 ]
	# through fw to the server: unicast, by qtf1
	ping_from fd00:1::2 fd00:2::2
	[ "$(cnt pre 'type unicast')" -ge 1 ]
	[ "$(cnt pre 'oifname')" -ge 1 ]
	# to the blackhole route
	run ping_from fd00:1::2 fd00:66::1
	[ "$status" -ne 0 ]
	[ "$(cnt pre 'type blackhole')" -ge 1 ]
}
