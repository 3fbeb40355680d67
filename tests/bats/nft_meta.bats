#!/usr/bin/env bats
# nft's meta keys on real traffic, enforced by qtablesd beside a twin
# whose firewall is the kernel's nft: client $C -- fw $FW (judged by
# qtablesd) and $C2 -- $FW2 (the kernel), the same addresses on both
# (10.0.1.2 <-> 10.0.1.1, fd00:1::2 <-> fd00:1::1). The same ruleset
# goes into both, the same traffic comes from both sides; the counters
# of `nft list ruleset` must be the kernel's: what the queue tells
# (socket owner, skb->priority), the interface table (ARPHRD type,
# group), the packet (protocol) and the clock (time, day, hour).

load nft_twin_lib

setup() { twin_setup qtnftmeta meta_ready; }

# The firewall's end of each twin in device group 7, the neighbours
# known both ways before the rules count anything: meta_ready CLIENT
# FIREWALL
meta_ready() {
	ip -n "$2" link set qtf0 group 7
	ip netns exec "$1" ping -n -q -c 1 -w 5 10.0.1.1 >/dev/null 2>&1
	ip netns exec "$1" ping -6 -n -q -c 1 -w 5 fd00:1::1 >/dev/null 2>&1
	return 0
}

# The listing's counters: "rule-text packets N" lines (and what nft
# says on its standard error, unfiltered).
counters() {
	{ nft_of "$1" list ruleset 2>&4 |
		sed -n 's/^[[:space:]]*\(.*counter packets [0-9]*\) bytes.*/\1/p'; } 4>&1
}

# A UDP datagram from NS to ADDR port 9 with socat's extra OPTS (run
# as whoever PREFIX makes it: setpriv ...).
send_as() {
	local ns=$1 addr=$2 opts=$3; shift 3
	echo x | ip netns exec "$ns" "$@" socat -u - "UDP4:$addr:9$opts" 2>/dev/null || true
}

@test "nft meta: socket owner, priority, output interface type and group, protocol of local packets as the kernel's" {
	local rules='table inet m {
	chain out {
		type filter hook output priority filter; policy accept;
		udp dport 9 meta skuid 4242 counter
		udp dport 9 meta skgid 4243 counter
		udp dport 9 meta skuid 0 counter
		udp dport 9 meta skuid != 4242 counter
		udp dport 9 meta skuid { 1-100, 4000-5000 } counter
		udp dport 9 meta priority 0:5 counter
		udp dport 9 meta priority none counter
		udp dport 9 meta oiftype ether counter
		udp dport 9 meta oiftype loopback counter
		udp dport 9 oifgroup 7 counter
		udp dport 9 oifgroup "default" counter
		udp dport 9 meta protocol ip counter
		udp dport 9 meta protocol ip6 counter
	}
}'
	twin_start "$rules"
	local fw
	for fw in "$FW" "$FW2"; do
		send_as "$fw" 10.0.1.2 "" setpriv --reuid 4242 --regid 4243 --clear-groups
		send_as "$fw" 10.0.1.2 "" setpriv --reuid 4242 --regid 4243 --clear-groups
		send_as "$fw" 10.0.1.2 ",priority=5" env
		send_as "$fw" 127.0.0.1 "" env
	done
	local mine kern
	same_twins counters
	# each side saw what it was sent: two datagrams of uid 4242, two
	# of root (one with priority 5), one through lo
	echo "$mine" | grep -qx 'udp dport 9 meta skuid 4242 counter packets 2'
	echo "$mine" | grep -qx 'udp dport 9 meta skgid 4243 counter packets 2'
	echo "$mine" | grep -qx 'udp dport 9 meta skuid 0 counter packets 2'
	echo "$mine" | grep -qx 'udp dport 9 meta priority 0:5 counter packets 1'
	echo "$mine" | grep -qx 'udp dport 9 meta oiftype loopback counter packets 1'
	echo "$mine" | grep -qx 'udp dport 9 oifgroup 7 counter packets 3'
	echo "$mine" | grep -qx 'udp dport 9 meta protocol ip counter packets 4'
}

@test "nft meta: day, hour and time of received packets against the clock, input interface type and group, as the kernel's" {
	start_daemon
	# the kernel's clock is UTC; nft reads hours and dates in local
	# time, which the test pins to UTC for both sides
	export TZ=UTC
	local day other hour past
	day=$(date -u +%A)
	other=$(date -u -d '+1 day' +%A)
	hour=$(date -u -d '-30 min' +%H:%M)
	past=$(date -u -d '-1 hour' '+%Y-%m-%d %H:%M:%S')
	local rules="table ip m {
	chain in {
		type filter hook input priority filter; policy accept;
		icmp type echo-request meta day \"$day\" counter
		icmp type echo-request meta day \"$other\" counter
		icmp type echo-request meta day != \"$day\" counter
		icmp type echo-request meta hour >= \"$hour\" counter
		icmp type echo-request meta hour < \"$hour\" counter
		icmp type echo-request meta time > \"$past\" counter
		icmp type echo-request meta time < \"$past\" counter
		icmp type echo-request meta iiftype ether counter
		icmp type echo-request meta iiftype != ether counter
		icmp type echo-request iifgroup 7 counter
		icmp type echo-request iifgroup != 7 counter
	}
}"
	echo "$rules" | nft_of qt -f -
	echo "$rules" | nft_of k -f -
	local c
	for c in "$C" "$C2"; do
		ip netns exec "$c" ping -n -q -c 3 -i 0.05 -W 1 10.0.1.1 >/dev/null
	done
	local mine kern
	same_twins counters
	echo "$mine" | grep -qx "icmp type echo-request meta day \"$day\" counter packets 3"
	echo "$mine" | grep -qx "icmp type echo-request meta day \"$other\" counter packets 0"
	echo "$mine" | grep -qx "icmp type echo-request meta time > \"$past\" counter packets 3"
	echo "$mine" | grep -qx 'icmp type echo-request meta iiftype ether counter packets 3'
	echo "$mine" | grep -qx 'icmp type echo-request iifgroup 7 counter packets 3'
}

@test "nft meta: what user space cannot know is listed as nft lists it but refused in a chain that runs" {
	start_daemon
	local r
	for r in 'meta cpu 1' 'meta cgroup 1048577' 'meta rtclassid "cosmos"' \
		 'meta sdif "lo"'; do
		run nft_of qt add table ip m
		run nft_of qt add chain ip m c
		run nft_of qt add rule ip m c "$r"
		echo "$r (regular chain): $output"
		[ "$status" -eq 0 ]
		run nft_of qt add chain ip m b '{ type filter hook input priority 0; }'
		[ "$status" -eq 0 ]
		run nft_of qt add rule ip m b "$r"
		echo "$r (base chain): $output"
		[ "$status" -ne 0 ]
		[[ "$output" == *"Error: qtables cannot"* ]]
		run nft_of qt delete table ip m
	done
}
