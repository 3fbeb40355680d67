#!/usr/bin/env bats
# nft's meta keys on real traffic, enforced by qtablesd beside a twin
# whose firewall is the kernel's nft: client $C -- fw $FW (judged by
# qtablesd) and $C2 -- $FW2 (the kernel), the same addresses on both
# (10.0.1.2 <-> 10.0.1.1, fd00:1::2 <-> fd00:1::1). The same ruleset
# goes into both, the same traffic comes from both sides; the counters
# of `nft list ruleset` must be the kernel's: what the queue tells
# (socket owner, skb->priority), the interface table (ARPHRD type,
# group), the packet (protocol) and the clock (time, day, hour).

setup() {
	QT_PREFIX=${QT_BATS_PREFIX:-qtnftmeta}$$-$BATS_TEST_NUMBER
	# shellcheck source=../lib/qt.sh
	source "$BATS_TEST_DIRNAME/../lib/qt.sh"
	[ -x "$QT_BUILD/qtablesd" ] || { echo "no $QT_BUILD/qtablesd (set QT_BUILD)" >&2; return 1; }
	DPID=
	pair 1 || return 1
	C=$C_ FW=$FW_
	pair 2 || return 1
	C2=$C_ FW2=$FW_
}

teardown() {
	stop_daemon
	qt_cleanup
}

# Client NAME-c$1 and firewall NAME-fw$1 joined by a veth, IPv4 and IPv6
# (no duplicate address detection nor router solicitations); the
# firewall's end in device group 7; sets C_ and FW_.
pair() {
	local x=$1 ns
	qt_ns "c$x" || return 1; C_=$QT_NS
	qt_ns "fw$x" || return 1; FW_=$QT_NS
	for ns in "$C_" "$FW_"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.router_solicitations=0 \
			net.ipv6.conf.all.router_solicitations=0 \
			net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
	done
	ip link add qtc0 netns "$C_" type veth peer name qtf0 netns "$FW_" || return 1
	ip -n "$C_" addr add 10.0.1.2/24 dev qtc0
	ip -n "$FW_" addr add 10.0.1.1/24 dev qtf0
	ip -n "$C_" addr add fd00:1::2/64 dev qtc0 nodad
	ip -n "$FW_" addr add fd00:1::1/64 dev qtf0 nodad
	ip -n "$FW_" link set qtf0 group 7
	ip -n "$C_" link set qtc0 up
	ip -n "$FW_" link set qtf0 up
	# neighbours known both ways before the rules count anything
	ip netns exec "$C_" ping -n -q -c 1 -w 5 10.0.1.1 >/dev/null 2>&1
	ip netns exec "$C_" ping -6 -n -q -c 1 -w 5 fd00:1::1 >/dev/null 2>&1
	return 0
}

start_daemon() {
	LOG=$QT_RUN/log
	ip netns exec "$FW" "$QT_BUILD/qtablesd" --no-state --log-stderr \
		--no-syslog --handover-wait 0 2>>"$LOG" &
	DPID=$!
	for _ in $(seq 100); do
		qt_ready "$FW" && return 0
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.03
	done
	echo "qtablesd did not start:" >&2
	cat "$LOG" >&2
	return 1
}

stop_daemon() {
	[ -n "$DPID" ] || return 0
	kill "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null || true
	DPID=
}

# nft of the qtables side (qt) or of the kernel twin (k).
nft_of() {
	local side=$1; shift
	if [ "$side" = qt ]; then
		ip netns exec "$FW" "$QT_BUILD/nft" "$@"
	else
		ip netns exec "$FW2" /usr/sbin/nft "$@"
	fi
}

# The listing's counters: "rule-text packets N" lines.
counters() {
	nft_of "$1" list ruleset |
		sed -n 's/^[[:space:]]*\(.*counter packets [0-9]*\) bytes.*/\1/p'
}

# Both sides' counters, printed; equal, or the test fails.
same_counters() {
	run counters qt
	echo "qtables:"; echo "$output"
	QT_COUNTERS=$output
	run counters k
	echo "kernel:"; echo "$output"
	[ "$QT_COUNTERS" = "$output" ]
}

# A UDP datagram from NS to ADDR port 9 with socat's extra OPTS (run
# as whoever PREFIX makes it: setpriv ...).
send_as() {
	local ns=$1 addr=$2 opts=$3; shift 3
	echo x | ip netns exec "$ns" "$@" socat -u - "UDP4:$addr:9$opts" 2>/dev/null || true
}

@test "nft meta: socket owner, priority, output interface type and group, protocol of local packets as the kernel's" {
	start_daemon
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
	echo "$rules" | nft_of qt -f -
	echo "$rules" | nft_of k -f -
	local fw
	for fw in "$FW" "$FW2"; do
		send_as "$fw" 10.0.1.2 "" setpriv --reuid 4242 --regid 4243 --clear-groups
		send_as "$fw" 10.0.1.2 "" setpriv --reuid 4242 --regid 4243 --clear-groups
		send_as "$fw" 10.0.1.2 ",priority=5" env
		send_as "$fw" 127.0.0.1 "" env
	done
	same_counters
	# each side saw what it was sent: two datagrams of uid 4242, two
	# of root (one with priority 5), one through lo
	echo "$QT_COUNTERS" | grep -qx 'udp dport 9 meta skuid 4242 counter packets 2'
	echo "$QT_COUNTERS" | grep -qx 'udp dport 9 meta skgid 4243 counter packets 2'
	echo "$QT_COUNTERS" | grep -qx 'udp dport 9 meta skuid 0 counter packets 2'
	echo "$QT_COUNTERS" | grep -qx 'udp dport 9 meta priority 0:5 counter packets 1'
	echo "$QT_COUNTERS" | grep -qx 'udp dport 9 meta oiftype loopback counter packets 1'
	echo "$QT_COUNTERS" | grep -qx 'udp dport 9 oifgroup 7 counter packets 3'
	echo "$QT_COUNTERS" | grep -qx 'udp dport 9 meta protocol ip counter packets 4'
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
	same_counters
	echo "$QT_COUNTERS" | grep -qx "icmp type echo-request meta day \"$day\" counter packets 3"
	echo "$QT_COUNTERS" | grep -qx "icmp type echo-request meta day \"$other\" counter packets 0"
	echo "$QT_COUNTERS" | grep -qx "icmp type echo-request meta time > \"$past\" counter packets 3"
	echo "$QT_COUNTERS" | grep -qx 'icmp type echo-request meta iiftype ether counter packets 3'
	echo "$QT_COUNTERS" | grep -qx 'icmp type echo-request iifgroup 7 counter packets 3'
}

@test "nft meta: what user space cannot know is listed as nft lists it but refused in a chain that runs" {
	start_daemon
	local r
	for r in 'meta cpu 1' 'meta cgroup 1048577' 'meta rtclassid "cosmos"' \
		 'meta sdif "lo"' 'meta priority set cafe:beef'; do
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
