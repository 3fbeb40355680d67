#!/usr/bin/env bats
# nft rules enforced by qtablesd on real traffic, beside a twin whose
# firewall is the kernel's nft: client $C -- fw $FW (judged by
# qtablesd) and $C2 -- $FW2 (the kernel), the same addresses on both
# (10.0.1.2 -> 10.0.1.1, fd00:1::2 -> fd00:1::1). The same ruleset goes
# into both, the same traffic comes from both clients; what passes and
# the counters of `nft list ruleset` must be the kernel's.

RULES='table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iifname "lo" accept
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
		icmp type echo-request counter accept
		icmpv6 type echo-request counter accept
		tcp dport 22 counter accept
		udp dport 23 counter
	}
}'

load nft_twin_lib

setup() { twin_setup qtnftdp datapath_ready; }

# The link ready for IPv6 before the test (a new link may leave the
# first solicitation unanswered), then the neighbours forgotten:
# datapath_ready CLIENT FIREWALL
datapath_ready() {
	ip netns exec "$1" ping -6 -n -q -c 1 -w 5 fd00:1::1 >/dev/null 2>&1
	ip -n "$1" -6 neigh flush all
	ip -n "$2" -6 neigh flush all
	return 0
}

# A TCP server in NS on PORT answering "ok", both families.
listen() {
	ip netns exec "$1" socat TCP6-LISTEN:"$2",reuseaddr,fork,ipv6only=0 \
		SYSTEM:'echo ok' >/dev/null 2>&1 &
	serving "$1" "$2"
}

# fetch FROM ADDR PORT: what a connection reads ("ok", or nothing).
fetch() {
	local proto=TCP6
	case $2 in \[*) ;; *) proto=TCP4 ;; esac
	ip netns exec "$1" timeout 3 socat -T 2 - \
		"$proto:$2:$3,connect-timeout=1" </dev/null 2>/dev/null || true
}

# pings FROM N DST [-6]: how many echo requests were answered.
pings() {
	ip netns exec "$1" ping $4 -n -q -c "$2" -i 0.05 -W 1 "$3" 2>/dev/null |
		awk '/received/ { print $4 }'
}

# A UDP datagram FROM to ADDR PORT (nobody answers it).
datagram() {
	local proto=UDP6
	case $2 in \[*) ;; *) proto=UDP4 ;; esac
	echo x | ip netns exec "$1" socat -u - "$proto:$2:$3" 2>/dev/null || true
}

# The listing's counters: "rule-text packets N bytes M" lines (and what
# nft says on its standard error, unfiltered).
counters() {
	{ nft_of "$1" list ruleset 2>&4 |
		sed -n 's/^[[:space:]]*\(.*counter packets [0-9]* bytes [0-9]*\).*/\1/p'; } 4>&1
}

@test "inet input, policy drop, established and port 22 accepted: the kernel's verdicts and counters over IPv4 and IPv6" {
	twin_start "$RULES"
	listen "$FW" 22
	listen "$FW" 2323
	listen "$FW2" 22
	listen "$FW2" 2323
	local c side
	for side in qt k; do
		c=$C; [ $side = k ] && c=$C2
		[ "$(fetch "$c" 10.0.1.1 22)" = ok ]
		[ "$(fetch "$c" '[fd00:1::1]' 22)" = ok ]
		[ -z "$(fetch "$c" 10.0.1.1 2323)" ]
		[ -z "$(fetch "$c" '[fd00:1::1]' 2323)" ]
		[ "$(pings "$c" 3 10.0.1.1)" = 3 ]
		[ "$(pings "$c" 3 fd00:1::1 -6)" = 3 ]
		datagram "$c" 10.0.1.1 23
		datagram "$c" '[fd00:1::1]' 23
	done
	local mine kern
	same_twins counters
	# each counted something: one new echo per family, one SYN per
	# family on port 22, one datagram per family
	echo "$mine" | grep -q 'icmp type echo-request counter packets 1 bytes 84'
	echo "$mine" | grep -q 'tcp dport 22 counter packets 2 '
	echo "$mine" | grep -q 'udp dport 23 counter packets 2 '
}

# An inet table's reject of one family's type: nft makes the rule
# match that family alone (a meta nfproto it puts first, hidden in the
# listing), so the other family's connections pass.
REJECT_RULES='table inet filter {
	chain input {
		type filter hook input priority filter; policy accept;
		tcp dport 2323 counter reject with icmp host-unreachable
		tcp dport 2424 counter reject with icmpv6 admin-prohibited
		meta mark 7 counter reject with tcp reset
	}
}'

# connect_error FROM ADDR PORT: "ok", or the error a connection met.
connect_error() {
	local proto=TCP6
	case $2 in \[*) ;; *) proto=TCP4 ;; esac
	ip netns exec "$1" timeout 6 socat -T 2 - \
		"$proto:$2:$3,connect-timeout=4" </dev/null 2>&1 |
		sed -n 's/.*connect([^)]*): //p; /^ok$/p'
}

@test "nft: an inet table's reject with icmp or icmpv6 answers its own family and lets the other pass, as the kernel's does" {
	twin_start "$REJECT_RULES"
	listen "$FW" 2323
	listen "$FW" 2424
	listen "$FW2" 2323
	listen "$FW2" 2424
	local c side out=()
	for side in qt k; do
		c=$C; [ $side = k ] && c=$C2
		out+=("$(connect_error "$c" 10.0.1.1 2323)|$(connect_error "$c" '[fd00:1::1]' 2323)|$(connect_error "$c" 10.0.1.1 2424)|$(connect_error "$c" '[fd00:1::1]' 2424)")
	done
	echo "qtables: ${out[0]}"
	echo "kernel:  ${out[1]}"
	[ "${out[0]}" = "${out[1]}" ]
	[ "${out[1]}" = "No route to host|ok|ok|Permission denied" ]
	# (the kernel's first icmpv6 error may come too late for the
	# client, which sends its SYN again: 2424's count is 1 or 2)
	run counters qt
	echo "qtables: $output"
	local mine=$output
	run counters k
	echo "kernel: $output"
	[ "$(echo "$mine" | grep -v 2424)" = "$(echo "$output" | grep -v 2424)" ]
	echo "$mine" | grep -q '^meta nfproto ipv4 tcp dport 2323 counter packets 1 '
	echo "$mine" | grep -q '^meta nfproto ipv6 tcp dport 2424 counter packets [12] '
	echo "$mine" | grep -q '^meta l4proto tcp meta mark 0x00000007 counter packets 0 '
}

@test "nft: a rule the engine cannot run is refused and changes nothing; deleting the accept rule closes the port" {
	start_daemon
	echo "$RULES" | nft_of qt -f -
	listen "$FW" 22
	[ "$(fetch "$C" 10.0.1.1 22)" = ok ]
	run nft_of qt add rule inet filter input meta cpu 1 accept
	[ "$status" -eq 1 ]
	[[ "$output" == *"chain inet filter input"* ]]
	run nft_of qt list ruleset
	[[ "$output" != *"cpu"* ]]
	local h
	h=$(nft_of qt -a list chain inet filter input | sed -n 's/.*tcp dport 22 counter .* # handle \([0-9]*\)$/\1/p')
	[ -n "$h" ]
	nft_of qt delete rule inet filter input handle "$h"
	[ -z "$(fetch "$C" 10.0.1.1 22)" ]
	[ -z "$(fetch "$C" '[fd00:1::1]' 22)" ]
	# a table without a base chain holds what it likes
	nft_of qt add table ip spare
	nft_of qt add chain ip spare c
	nft_of qt add rule ip spare c log group 2 accept
}

# kube-proxy's shape: a named verdict map keyed by ip daddr . meta
# l4proto . th dport, one keyed by meta l4proto . th dport behind a set
# of node addresses, elements that jump, go to and drop.
VMAP_RULES='table ip svc {
	set nodeips {
		type ipv4_addr
		elements = { 10.0.1.1 }
	}
	map services {
		type ipv4_addr . inet_proto . inet_service : verdict
		elements = { 10.0.1.1 . tcp . 22 : jump allow,
			     10.0.1.1 . tcp . 2323 : drop,
			     10.0.1.1 . udp . 23 : goto counted }
	}
	map nodeports {
		type inet_proto . inet_service : verdict
		elements = { tcp . 2424 : drop }
	}
	chain allow {
		counter packets 0 bytes 0 accept
	}
	chain counted {
		counter packets 0 bytes 0
	}
	chain input {
		type filter hook input priority filter; policy accept;
		ct state established,related accept
		ip daddr . meta l4proto . th dport vmap @services
		ip daddr @nodeips meta l4proto . th dport vmap @nodeports
		meta l4proto tcp counter packets 0 bytes 0
	}
}'

# A TCP server in NS on PORT answering "ok" (IPv4), bats' fd 3 closed.
listen4() {
	ip netns exec "$1" socat TCP4-LISTEN:"$2",reuseaddr,fork \
		SYSTEM:'echo ok' >/dev/null 2>&1 3>&- &
	serving "$1" "$2"
}

@test "nft: a named concatenated verdict map (kube-proxy's shape) judges real connections as the kernel's does, and element changes take effect at their commit" {
	twin_start "$VMAP_RULES"
	local side c p
	for side in qt k; do
		c=$C; [ $side = k ] && c=$C2
		ns=$FW; [ $side = k ] && ns=$FW2
		for p in 22 2323 2424 2525; do listen4 "$ns" $p; done
	done
	for side in qt k; do
		c=$C; [ $side = k ] && c=$C2
		[ "$(fetch "$c" 10.0.1.1 22)" = ok ]         # jump allow: accept
		[ -z "$(fetch "$c" 10.0.1.1 2323)" ]         # drop
		[ -z "$(fetch "$c" 10.0.1.1 2424)" ]         # the nodeport map
		[ "$(fetch "$c" 10.0.1.1 2525)" = ok ]       # no element: on
		datagram "$c" 10.0.1.1 23                    # goto counted
	done
	local mine kern
	same_twins counters
	# allow's SYN, counted's datagram, 2525's SYN past both maps
	[ "$mine" = "counter packets 1 bytes 60
counter packets 1 bytes 30
meta l4proto tcp counter packets 1 bytes 60" ]
	# the maps change: 2525 dropped, 2323 open, 22 gone (on to the
	# last rule, accepted by the policy)
	for side in qt k; do
		nft_of $side add element ip svc services '{ 10.0.1.1 . tcp . 2525 : drop }'
		nft_of $side delete element ip svc services '{ 10.0.1.1 . tcp . 2323, 10.0.1.1 . tcp . 22 }'
		nft_of $side add element ip svc nodeports '{ tcp . 2323 : jump allow }'
	done
	for side in qt k; do
		c=$C; [ $side = k ] && c=$C2
		[ -z "$(fetch "$c" 10.0.1.1 2525)" ]
		[ "$(fetch "$c" 10.0.1.1 2323)" = ok ]
		[ "$(fetch "$c" 10.0.1.1 22)" = ok ]
	done
	same_twins counters
}

@test "nft: ct's keys on real echo exchanges (direction, tuples of both directions, expiration, counts, zone, l3proto; status with ==, != and !) count as the kernel's over IPv4 and IPv6" {
	local rules='table inet ctk {
	chain input {
		type filter hook input priority filter; policy accept;
		ct direction original ct original ip saddr 10.0.1.2 counter
		ct direction original ct original ip6 saddr fd00:1::2 counter
		ct direction reply counter
		meta l4proto icmp ct original proto-dst 2048 counter
		ct expiration 0 counter
		ct expiration 1s-30s counter
		ct original packets 1 counter
		ct packets 3 counter
		ct original bytes 168 counter
		ct avgpkt 84 counter
		ct zone 0 ct l3proto ipv6 counter
		ct direction . ct original ip daddr { original . 10.0.1.1 } counter
		ct mark set (meta mark | 0x00000010) << 8
		ct mark 0x00001000 counter
		meta mark set ct mark >> 4 meta mark 0x00000100 counter
		ct label 5 counter
		ct label 6 counter
	}
	chain output {
		type filter hook output priority filter; policy accept;
		ct direction reply ct reply ip daddr 10.0.1.2 counter
		ct direction reply ct reply ip6 daddr fd00:1::2 counter
		ct reply packets 1 counter
		ct reply ip saddr 10.0.1.1 ct reply bytes > 100 counter
		meta nfproto ipv4 ct state != established,related counter
		ct status == confirmed counter
		ct status != confirmed counter
		ct status ! seen-reply counter
		ct status confirmed counter
		ct label set 5
		ct direction vmap { original : drop, reply : jump count }
	}
	chain count {
		counter
	}
}'
	twin_start "$rules"
	local c side
	for side in qt k; do
		c=$C; [ $side = k ] && c=$C2
		[ "$(pings "$c" 3 10.0.1.1)" = 3 ]
		[ "$(pings "$c" 3 fd00:1::1 -6)" = 3 ]
	done
	local mine kern
	same_twins counters
	# both directions, both families, counted
	echo "$mine" | grep -q 'ct original ip saddr 10.0.1.2 counter packets 3 '
	echo "$mine" | grep -q 'ct reply ip6 daddr fd00:1::2 counter packets 3 '
	# the first echo of each family, before its entry is confirmed
	# (nft lists an expiration of 0 as nothing)
	echo "$mine" | grep -q 'ct expiration  counter packets 2 '
	echo "$mine" | grep -q 'ct packets 3 counter packets 2 '
	echo "$mine" | grep -q '^counter packets 6 '
	# a bitmask with == and != is compared as a number, with ! and
	# without an operator by its flags: the replies' status is
	# confirmed and seen-reply
	echo "$mine" | grep -q 'ct state != established | related counter packets 3 '
	echo "$mine" | grep -q 'ct status == confirmed counter packets 0 '
	echo "$mine" | grep -q 'ct status != confirmed counter packets 6 '
	echo "$mine" | grep -q 'ct status ! seen-reply counter packets 0 '
	echo "$mine" | grep -q 'ct status confirmed counter packets 6 '
	# a mark shifted into ct mark and back
	echo "$mine" | grep -q 'ct mark 0x00001000 counter packets 6 '
	echo "$mine" | grep -q 'meta mark 0x00000100 counter packets 6 '
	# the label the first reply set, on the echoes after it
	echo "$mine" | grep -q 'ct label 5 counter packets 4 '
	echo "$mine" | grep -q 'ct label 6 counter packets 0 '
}
