#!/usr/bin/env bats
# nft's limit, quota and log statements on real traffic, beside a twin
# whose firewall is the kernel's nft: client $C -- fw $FW (judged by
# qtablesd) and $C2 -- $FW2 (the kernel), the same addresses on both
# (10.0.1.2 -> 10.0.1.1, fd00:1::2 -> fd00:1::1). The same ruleset and
# the same burst of datagrams go to both; how many passed each rule,
# what the quotas used and the log lines must be the kernel's.

load nft_twin_lib

# the same MAC addresses on both twins (the log lines' MACSRC, MACDST)
TWIN_MAC_C=02:00:00:00:01:02
TWIN_MAC_FW=02:00:00:00:01:01

setup() { twin_setup qtnftst twin_static_neigh; }

teardown() {
	[ -z "${NFLOG_OLD:-}" ] || echo "$NFLOG_OLD" >/proc/sys/net/netfilter/nf_log_all_netns
	twin_teardown
}

# burst FROM ADDR PORT N SIZE: N datagrams of SIZE bytes of payload,
# sent at once (well inside the tenth of a second a limit here refills
# one datagram in).
burst() {
	ip netns exec "$1" python3 -c '
import socket, sys
a, port, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(n):
    s.sendto(b"x" * size, (a, port))
' "$2" "$3" "$4" "$5"
}

both() {
	local side c
	for side in qt k; do
		c=$C; [ $side = k ] && c=$C2
		"$@" "$c"
	done
}

@test "nft limit in bytes, over, and per week, and quota (over, used): as many datagrams pass as through the kernel's nft_limit and nft_quota, and the listings are the kernel's" {
	local rules='table ip t {
	chain in {
		type filter hook input priority filter; policy accept;
		udp dport 5001 limit rate 1 kbytes/second counter accept
		udp dport 5001 counter drop
		udp dport 5002 limit rate over 2 kbytes/second burst 512 bytes counter drop
		udp dport 5002 counter accept
		udp dport 5003 limit rate 3/week burst 3 packets counter accept
		udp dport 5003 counter drop
		udp dport 5004 quota 1000 bytes counter accept
		udp dport 5004 counter drop
		udp dport 5005 quota over 1 kbytes counter drop
		udp dport 5005 counter accept
	}
}'
	twin_start "$rules"
	send() {
		local p
		for p in ${PORTS:-5001 5002 5003 5004 5005}; do
			burst "$1" 10.0.1.1 $p 20 100
		done
	}
	both send
	local mine kern
	same_twins nft_of list ruleset
	# 128-byte datagrams: 8 fill a bucket of 1024 bytes; 2560 bytes
	# take 20; 3 a week; 7 stay within 1000 bytes, 8 within 1024 (a
	# quota is listed as used up to itself)
	echo "$mine" | grep -q 'limit rate 1 kbytes/second counter packets 8 bytes 1024 accept'
	echo "$mine" | grep -q 'burst 512 bytes counter packets 0 bytes 0 drop'
	echo "$mine" | grep -q 'limit rate 3/week burst 3 packets counter packets 3 '
	echo "$mine" | grep -q 'quota 1000 bytes used 1000 bytes counter packets 7 '
	echo "$mine" | grep -q 'quota over 1 kbytes used 1 kbytes counter packets 12 '
	# a commit keeps what the quotas used (the limits left be: they
	# refill with the time each twin took)
	nft_of qt add table ip other
	nft_of k add table ip other
	PORTS="5004 5005" both send
	same_twins nft_of list ruleset
	echo "$mine" | grep -q 'quota 1000 bytes used 1000 bytes counter packets 7 '
	echo "$mine" | grep -q 'quota over 1 kbytes used 1 kbytes counter packets 32 '
	same_twins nft_of -j list ruleset
}

@test "nft quota in an inet table: one quota for both families, as the kernel's" {
	local rules='table inet t {
	chain in {
		type filter hook input priority filter; policy accept;
		udp dport 5004 quota 1000 bytes counter accept
		udp dport 5004 counter drop
	}
}'
	twin_start "$rules"
	send() {
		burst "$1" 10.0.1.1 5004 4 100
		burst "$1" fd00:1::1 5004 4 80
	}
	both send
	local mine kern
	same_twins nft_of list ruleset
	echo "$mine" | grep -q 'quota 1000 bytes used 1000 bytes counter packets 7 '
}

@test "nft quota of a set's elements: as many datagrams pass each address as through the kernel's, the boundary included" {
	local rules='table ip t {
	set s {
		type ipv4_addr
		size 16
		flags dynamic
	}

	chain in {
		type filter hook input priority filter; policy accept;
		udp dport 5006 update @s { ip saddr quota 384 bytes } counter accept
		udp dport 5006 counter drop
	}
}'
	twin_start "$rules"
	send() { burst "$1" 10.0.1.1 5006 5 100; }
	both send
	local mine kern
	same_twins nft_of list ruleset
	# 3 of 128 bytes reach 384 without passing it
	echo "$mine" | grep -q '10.0.1.2 quota 384 bytes used 384 bytes'
	echo "$mine" | grep -q 'counter packets 3 bytes 384 accept'
}

@test "nft named counter, quota and limit: every rule that names one shares it, across commits, as the kernel's objects" {
	local rules='table inet t {
	counter c {
		packets 1 bytes 2
	}

	quota q {
		1000 bytes
	}

	limit l {
		rate 1 kbytes/second
	}

	chain in {
		type filter hook input priority filter; policy accept;
		udp dport 5007 counter name "c" quota name "q" accept
		udp dport 5008 counter name "c" limit name "l" accept
		udp dport { 5007, 5008 } counter drop
	}
}'
	twin_start "$rules"
	send() {
		burst "$1" 10.0.1.1 5007 4 100
		burst "$1" fd00:1::1 5007 4 80
		burst "$1" 10.0.1.1 5008 12 100
	}
	both send
	local mine kern
	same_twins nft_of list ruleset
	# 7 of 8 within the quota over both families; 8 of 12 within the
	# limit's second of bytes
	echo "$mine" | grep -q 'packets 21 bytes 2562'
	echo "$mine" | grep -q '1000 bytes used 1000 bytes'
	echo "$mine" | grep -q 'counter packets 5 bytes 640 drop'
	# another rule naming the quota, in another commit: the same one
	nft_of qt add rule inet t in udp dport 5009 quota name q accept
	nft_of k add rule inet t in udp dport 5009 quota name q accept
	nft_of qt add rule inet t in udp dport 5009 drop
	nft_of k add rule inet t in udp dport 5009 drop
	send9() { burst "$1" 10.0.1.1 5009 2 100; }
	both send9
	same_twins nft_of list ruleset
	same_twins nft_of -j list counters
	# a reset lists the counts, and they start again from nothing
	same_twins nft_of reset counters
	nft_of qt reset quota inet t q >/dev/null
	nft_of k reset quota inet t q >/dev/null
	send9() { burst "$1" 10.0.1.1 5007 3 100; }
	both send9
	same_twins nft_of list ruleset
	echo "$mine" | grep -q 'packets 3 bytes 384'
	echo "$mine" | grep -q '1000 bytes used 384 bytes'
	run nft_of qt delete quota inet t q
	[ "$status" -eq 1 ]
	[[ "$output" == *"Device or resource busy"* ]]
}

@test "nft named counters, quotas and limits in maps: the object each key finds counts and judges, a key of no element breaks the rule, as the kernel's objref" {
	local rules='table inet t {
	counter c7 {
		packets 0 bytes 0
	}

	counter c8 {
		packets 0 bytes 0
	}

	quota q {
		500 bytes
	}

	limit l {
		rate 1 kbytes/second
	}

	map cm {
		type inet_service : counter
		elements = { 5008 : "c8" }
	}

	chain in {
		type filter hook input priority filter; policy accept;
		counter name udp dport map { 5007 : "c7", 5008 : "c8" }
		counter name udp dport map @cm
		quota name udp dport map { 5007 : "q" } accept
		limit name udp dport map { 5008 : "l" } accept
		udp dport { 5007, 5008, 5009 } counter drop
	}
}'
	start_daemon
	echo "$rules" | nft_of qt -f -
	echo "$rules" | nft_of k -f -
	send() {
		burst "$1" 10.0.1.1 5007 4 100
		burst "$1" fd00:1::1 5007 4 80
		burst "$1" 10.0.1.1 5008 12 100
		burst "$1" 10.0.1.1 5009 2 100
	}
	both send
	local mine kern
	same_twins nft_of list ruleset
	# c7: 8 datagrams; c8 by both rules: 24; to 5009 no object, none
	# accepted: the drop counts the ones over the quota and limit too
	echo "$mine" | grep -A1 "counter c7" | grep -q "packets 8 "
	echo "$mine" | grep -A1 'counter c8' | grep -q 'packets 24 '
	mine=$(nft_of qt -j list ruleset); kern=$(nft_of k -j list ruleset)
	[ "$mine" = "$kern" ]
	run nft_of qt delete counter inet t c8
	[ "$status" -eq 1 ]
	[[ "$output" == *"Device or resource busy"* ]]
}

@test "nft ether saddr in an inet table: the queue's link-layer source matched as the kernel's link header, none on output; ether type refused" {
	local rules='table inet t {
	set macs {
		type ether_addr
		elements = { 02:00:00:00:01:02 }
	}

	chain in {
		type filter hook input priority filter; policy accept;
		ether saddr 02:00:00:00:09:09 udp dport 5010 counter drop
		ether saddr 02:00:00:00:01:02 udp dport 5010 counter drop
		ip saddr . ether saddr { 10.0.1.2 . 02:00:00:00:01:02 } udp dport 5011 counter drop
		ether saddr @macs udp dport 5012 counter drop
		ether saddr != 02:00:00:00:01:02 counter
	}

	chain out {
		type filter hook output priority filter; policy accept;
		ether saddr 02:00:00:00:01:01 counter
		meta l4proto icmp counter
	}
}'
	start_daemon
	echo "$rules" | nft_of qt -f -
	echo "$rules" | nft_of k -f -
	send() {
		burst "$1" 10.0.1.1 5010 3 100
		burst "$1" 10.0.1.1 5011 2 100
		burst "$1" fd00:1::1 5012 2 100
		burst "$1" 10.0.1.1 5013 1 100
	}
	both send
	local mine kern
	same_twins nft_of list ruleset
	echo "$mine" | grep -q 'ether saddr 02:00:00:00:01:02 udp dport 5010 counter packets 3 '
	echo "$mine" | grep -q 'ether saddr 02:00:00:00:01:01 counter packets 0 '
	mine=$(nft_of qt -j list ruleset); kern=$(nft_of k -j list ruleset)
	[ "$mine" = "$kern" ]
	# the queue gives no destination or type of the link-layer header
	run nft_of qt add rule inet t in ether type ip counter
	[ "$status" -eq 1 ]
	[[ "$output" == *"qtables cannot"* ]]
}

@test "nft log with flags (tcp sequence and options, ip options, ether, all): the kernel's log lines" {
	local tag="qtl$$t$BATS_TEST_NUMBER"
	local rules="table ip t {
	chain in {
		type filter hook input priority filter; policy accept;
		tcp dport 7001 log prefix \"$tag-seq \" flags tcp sequence,options
		tcp dport 7001 log prefix \"$tag-eth \" level debug flags ether
		tcp dport 7001 log prefix \"$tag-all \" flags all
		udp dport 7002 log prefix \"$tag-ip \" flags ip options flags skuid
	}
}"
	NFLOG_OLD=$(cat /proc/sys/net/netfilter/nf_log_all_netns)
	echo 1 >/proc/sys/net/netfilter/nf_log_all_netns
	twin_start "$rules"
	send() {
		ip netns exec "$1" timeout 2 socat -u - \
			TCP4:10.0.1.1:7001,connect-timeout=1,mss=1400 </dev/null \
			>/dev/null 2>&1 || true
		burst "$1" 10.0.1.1 7002 1 10
	}
	both send
	sleep 0.2
	local k o kind
	for kind in seq eth all ip; do
		# one SYN (the kernel's firewall answers it with a reset);
		# IP IDs and the TCP sequence are the client's, the same
		# packet as far as each twin's client made it
		k=$(dmesg | grep -F "$tag-$kind " | tail -1 | sed 's/^\[[ 0-9.]*\] //')
		o=$(grep -F "$tag-$kind " "$LOG" | tail -1)
		echo "kernel: $k"; echo "ours:   $o"
		[ -n "$k" ]
		strip() { sed -E 's/ ID=[0-9]+//; s/ SPT=[0-9]+//; s/ SEQ=[0-9]+//; s/ WINDOW=[0-9]+//; s/ OPT \([0-9A-F]*\)//'; }
		[ "$(echo "$o" | strip)" = "$(echo "$k" | strip)" ]
	done
	# what the flags add, in both
	grep -F "$tag-seq " "$LOG" | grep -qE ' SEQ=[0-9]+ ACK=0 .* OPT \([0-9A-F]+\)'
	grep -F "$tag-eth " "$LOG" | grep -q ' MACSRC=02:00:00:00:01:02 MACDST=02:00:00:00:01:01 MACPROTO=0800 '
}

@test "nft meta mark and ct mark set jhash, numgen inc and a map of a masked key: each mark's count is the kernel's" {
	local rules='table ip t {
	chain in {
		type filter hook input priority filter; policy accept;
		udp dport 6001-6008 meta mark set jhash ip saddr . udp dport mod 4 seed 0x1234 offset 10
		meta mark 10 counter
		meta mark 11 counter
		meta mark 12 counter
		meta mark 13 counter
		udp dport 6001-6008 ct mark set numgen inc mod 3 offset 100
		ct mark 100 counter
		ct mark 101 counter
		ct mark 102 counter
		udp dport 6001-6008 meta mark set jhash ip saddr . ip daddr . udp dport mod 2 seed 0xdeadbeef
		meta mark 0 counter
		meta mark 1 counter
		udp dport 6001-6008 ct mark set jhash udp dport mod 5 offset 1
		ct mark 0 counter
		udp dport 6001-6008 meta mark set ip saddr and 255.255.0.0 map { 10.0.0.0 : 5, 10.0.1.2 : 6 }
		meta mark 5 counter
		meta mark 6 counter
	}
}'
	twin_start "$rules"
	send() {
		local p
		for p in 6001 6002 6003 6004 6005 6006 6007 6008; do
			burst "$1" 10.0.1.1 $p 2 10
		done
	}
	both send
	local mine kern
	# the rule without a seed: each side's own random seed, but never
	# 0 with offset 1
	same_twins nft_of list ruleset
	echo "$mine" | grep -q 'ct mark 0x00000000 counter packets 0 '
	# numgen inc goes round: 16 packets over 3 values
	echo "$mine" | grep -q 'ct mark 0x00000064 counter packets 6 '
	# the map's key is the address masked
	echo "$mine" | grep -q 'meta mark 0x00000005 counter packets 16 '
}

@test "nft catch-all elements (*) of sets, verdict maps and maps: what a key no other element holds finds, counted as by the kernel" {
	local rules='table ip t {
	set s {
		type ipv4_addr
		elements = { 10.9.9.9, * }
	}

	chain j {
		counter
	}

	chain in {
		type filter hook input priority filter; policy accept;
		udp dport 6101 ip saddr @s counter
		udp dport 6101 ip saddr { 10.9.9.9, * } counter
		udp dport 6101 ip saddr != { 10.9.9.9, * } counter
		udp dport 6101 meta mark set ip saddr map { 10.9.9.9 : 1, * : 7 }
		meta mark 7 counter
		udp dport 6101 meta mark set ip saddr map { 10.0.1.2 : 3, * : 7 }
		meta mark 3 counter
		udp dport 6101 ip saddr vmap { 10.9.9.9 : accept, * : jump j }
		udp dport 6101 counter
		ip saddr . udp dport vmap { 10.0.1.2 . 6102 : jump j, * : drop }
		counter
	}
}'
	twin_start "$rules"
	send() {
		burst "$1" 10.0.1.1 6101 3 10
		burst "$1" 10.0.1.1 6102 2 10
		burst "$1" 10.0.1.1 6103 4 10
	}
	both send
	local mine kern
	same_twins nft_of list ruleset
	echo "$mine" | grep -q 'ip saddr @s counter packets 3 '
	echo "$mine" | grep -q 'ip saddr != { 10.9.9.9, \* } counter packets 0 '
	echo "$mine" | grep -q 'meta mark 0x00000007 counter packets 3 '
	echo "$mine" | grep -q 'meta mark 0x00000003 counter packets 3 '
	# j: the 3 of 6101 through the first vmap's catch-all, the 2 of
	# 6102 through the concatenation's element; 6101 and 6103 are
	# dropped by the concatenation's *: the last counter sees 6102's
	echo "$mine" | grep -q '^		counter packets 5 '
	echo "$mine" | grep -q '^		counter packets 2 '
}
