#!/usr/bin/env bats
# nft's dynamic sets on real traffic through qtablesd
# (engine/nft_dynset.c): client $C (10.0.1.2) -- fw $FW (10.0.1.1),
# whose input hook qtablesd judges. An SSH-style meter (a per-source
# limit in a set the rule fills), ct count, and a set whose elements
# expire (a hash set's, an interval set's). QT_ORACLE=1 runs the same
# tests against the kernel's nft.

bats_require_minimum_version 1.5.0

load nft_twin_lib

setup() { oracle_setup qtnds fw_pair; }

# client $C (10.0.1.2, qtc0) -- fw $FW (10.0.1.1, qtf0), IPv4 only.
fw_pair() {
	qt_ns c || return 1; C=$QT_NS
	qt_ns fw || return 1; FW=$QT_NS
	ip link add qtc0 netns "$C" type veth peer name qtf0 netns "$FW" || return 1
	ip -n "$C" addr add 10.0.1.2/24 dev qtc0
	ip -n "$FW" addr add 10.0.1.1/24 dev qtf0
	ip -n "$C" link set qtc0 up
	ip -n "$FW" link set qtf0 up
}

# A TCP listener on the fw at port $1 that holds every connection
# until its client closes it.
listen() {
	ip netns exec "$FW" "$PY" -c '
import socket, sys, threading
def hold(c):
    while c.recv(100):
        pass
    c.close()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.0.1.1", int(sys.argv[1])))
s.listen(64)
while True:
    c, _ = s.accept()
    threading.Thread(target=hold, args=(c,), daemon=True).start()
' "$1" 3>&- &
	serving "$FW" "$1"
}

# conn PORT [HOLD]: a connection from the client, "ok" or "fail"
# (refused or unanswered within 1.5 s); kept open HOLD seconds.
CONN_PY='
import socket, sys, time
s = socket.socket()
s.settimeout(1.5)
try:
    s.connect(("10.0.1.1", int(sys.argv[1])))
except OSError:
    print("fail", flush=True)
    sys.exit(0)
print("ok", flush=True)
time.sleep(float(sys.argv[2]))
'
conn() {
	ip netns exec "$C" "$PY" -c "$CONN_PY" "$1" "${2:-0}"
}

# held PORT SECONDS FILE: a connection held open in the background (its
# process in HELD_PID: ip netns exec execs python); its ok/fail in FILE
# once made.
held() {
	ip netns exec "$C" "$PY" -c "$CONN_PY" "$1" "$2" >"$3" 3>&- &
	HELD_PID=$!
	BGPIDS+=("$HELD_PID")
	for _ in $(seq 100); do
		[ -s "$3" ] && return 0
		sleep 0.03
	done
	return 1
}

pings() {
	ip netns exec "$C" ping -n -q -c "${2:-1}" -i 0.2 -W 1 "$1" 2>/dev/null |
		sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

@test "nft meter: tcp dport 22 ct state new update @ratelimit { ip saddr limit rate over 3/minute } drop" {
	nftfw -f - <<'EOF'
table ip filter {
	set ratelimit {
		type ipv4_addr
		size 65535
		flags dynamic
	}
	chain input {
		type filter hook input priority filter; policy accept;
		tcp dport 22 ct state new update @ratelimit { ip saddr limit rate over 3/minute } counter drop
	}
}
EOF
	listen 22
	# the bucket holds the rate's burst (5 packets, as nft_limit's
	# default), then one new connection per 20 s: the first five of a
	# minute pass, the sixth and seventh are dropped
	local got=()
	for _ in 1 2 3 4 5 6 7; do got+=("$(conn 22)"); done
	echo "connections: ${got[*]}"
	[ "${got[*]}" = "ok ok ok ok ok fail fail" ]
	run nftfw list set ip filter ratelimit
	echo "$output"
	[[ "$output" == *"elements = { 10.0.1.2 limit rate over 3/minute }"* ]]
	# an established connection's packets are not new: unaffected,
	# and another rule's commit keeps the set and its bucket
	nftfw add chain ip filter other
	[ "$(conn 22)" = fail ]
	run nftfw list set ip filter ratelimit
	[[ "$output" == *"10.0.1.2"* ]]
	# flushing the set forgets the source: it starts afresh
	nftfw flush set ip filter ratelimit
	[ "$(conn 22)" = ok ]
}

@test "nft ct count over 2: a third concurrent connection is dropped, a closed one frees its place" {
	nftfw -f - <<'EOF'
table ip filter {
	chain input {
		type filter hook input priority filter; policy accept;
		tcp dport 2323 ct state new ct count over 2 counter drop
	}
}
EOF
	listen 2323
	held 2323 30 "$QT_RUN/h1"
	[ "$(cat "$QT_RUN/h1")" = ok ]
	held 2323 30 "$QT_RUN/h2"
	[ "$(cat "$QT_RUN/h2")" = ok ]
	local pid2=$HELD_PID
	[ "$(conn 2323)" = fail ]
	# the second closes: two connections again, one of them closed
	kill "$pid2"
	wait "$pid2" 2>/dev/null || true
	sleep 0.5
	[ "$(conn 2323 0)" = ok ]
	run nftfw list chain ip filter input
	echo "$output"
	[[ "$output" == *"ct count over 2 counter packets "* ]]
	[[ "$output" != *"counter packets 0 "* ]]
}

@test "nft set with timeouts: a source added by a packet is blocked until its element expires" {
	nftfw -f - <<'EOF'
table ip filter {
	set blocked {
		type ipv4_addr
		flags timeout
		timeout 3s
	}
	chain input {
		type filter hook input priority filter; policy accept;
		ip saddr @blocked drop
		udp dport 9999 add @blocked { ip saddr }
	}
}
EOF
	[ "$(pings 10.0.1.1)" = 1 ]
	# the knock: a datagram to 9999 adds the source for 3 s
	ip netns exec "$C" "$PY" -c '
import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("10.0.1.1", 9999))
'
	sleep 0.2
	run nftfw list set ip filter blocked
	echo "$output"
	[[ "$output" =~ elements\ =\ \{\ 10\.0\.1\.2\ expires\ [0-9]s[0-9]*ms\ \} ]]
	[ "$(pings 10.0.1.1)" = 0 ]
	sleep 3
	[ "$(pings 10.0.1.1)" = 1 ]
	run nftfw list set ip filter blocked
	echo "$output"
	[[ "$output" != *elements* ]]
	# an element typed with its own timeout expires as well
	nftfw add element ip filter blocked '{ 10.0.1.2 timeout 2s }'
	[ "$(pings 10.0.1.1)" = 0 ]
	run nftfw list set ip filter blocked
	[[ "$output" == *"10.0.1.2 timeout 2s expires "* ]]
	sleep 2
	[ "$(pings 10.0.1.1)" = 1 ]
	run nftfw list set ip filter blocked
	[[ "$output" != *elements* ]]
}

@test "nft interval set with timeouts: a range stops matching when it expires, one without a timeout stays" {
	nftfw -f - <<'EOF'
table ip filter {
	set blocked {
		type ipv4_addr
		flags interval,timeout
	}
	chain input {
		type filter hook input priority filter; policy accept;
		ip saddr @blocked drop
	}
}
EOF
	nftfw add element ip filter blocked '{ 10.0.1.0/29 timeout 4s, 10.0.1.100-10.0.1.110 }'
	[ "$(pings 10.0.1.1)" = 0 ]
	run nftfw list set ip filter blocked
	echo "$output"
	[[ "$output" == *"10.0.1.0/29 timeout 4s expires "* ]]
	[[ "$output" == *"10.0.1.100-10.0.1.110"* ]]
	sleep 5
	[ "$(pings 10.0.1.1)" = 1 ]
	run nftfw list set ip filter blocked
	echo "$output"
	[[ "$output" != *10.0.1.0/29* ]]
	[[ "$output" == *"elements = { 10.0.1.100-10.0.1.110 }"* ]]
	# a range of the client without a timeout blocks it for good
	nftfw add element ip filter blocked '{ 10.0.1.2-10.0.1.3 }'
	[ "$(pings 10.0.1.1)" = 0 ]
}

@test "nft set of a concatenation: a packet adds ip saddr . tcp dport, only that port is then blocked" {
	nftfw -f - <<'EOF'
table ip filter {
	set seen {
		type ipv4_addr . inet_service
		flags dynamic,timeout
		timeout 1m
	}
	chain input {
		type filter hook input priority filter; policy accept;
		ip saddr . tcp dport @seen counter drop
		tcp dport { 2201, 2202 } ct state new add @seen { ip saddr . tcp dport }
	}
}
EOF
	listen 2201
	listen 2202
	# the first connection to each port goes in and adds its pair
	[ "$(conn 2201)" = ok ]
	run nftfw list set ip filter seen
	echo "$output"
	[[ "$output" =~ elements\ =\ \{\ 10\.0\.1\.2\ \.\ 2201\ expires\ [0-9]+s[0-9]*ms\ \} ]]
	# the pair is blocked, the other port still open
	[ "$(conn 2201)" = fail ]
	[ "$(conn 2202)" = ok ]
	[ "$(conn 2202)" = fail ]
	# a pair deleted by hand is open again
	nftfw delete element ip filter seen '{ 10.0.1.2 . 2201 }'
	[ "$(conn 2201)" = ok ]
}

# pings of SIZE bytes of data: how many of COUNT came back
bigpings() {
	ip netns exec "$C" ping -n -q -c "$2" -i 0.2 -W 1 -s "$1" 10.0.1.1 \
		2>/dev/null | sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

@test "nft set update with a byte limit: each source's bucket is charged by packet length" {
	nftfw -f - <<'EOF2'
table ip filter {
	set bw {
		type ipv4_addr
		flags dynamic,timeout
		timeout 1m
	}
	chain input {
		type filter hook input priority filter; policy accept;
		icmp type echo-request update @bw { ip saddr limit rate over 2 kbytes/second } counter drop
	}
}
EOF2
	# the bucket holds one second: 2048 bytes. A 1428-byte packet
	# takes 0.7 s of it, so the next right after is over the rate
	[ "$(bigpings 1400 1)" = 1 ]
	[ "$(bigpings 1400 1)" = 0 ]
	run nftfw list set ip filter bw
	echo "$output"
	[[ "$output" =~ elements\ =\ \{\ 10\.0\.1\.2\ limit\ rate\ over\ 2\ kbytes/second\ expires\ [0-9]+s[0-9]*ms\ \} ]]
	# refilled after a second
	sleep 1.1
	[ "$(bigpings 1400 1)" = 1 ]
	# 84-byte packets cost 0.04 s each: a run of them all passes
	sleep 1.1
	[ "$(pings 10.0.1.1 8)" = 8 ]
	run nftfw list chain ip filter input
	echo "$output"
	[[ "$output" == *"update @bw { ip saddr limit rate over 2 kbytes/second } counter packets 1 bytes 1428 drop"* ]]
}

@test "nft set of iifname . ip saddr: a packet adds its interface and source, which then match" {
	nftfw -f - <<'EOF2'
table ip filter {
	set seen {
		type ifname . ipv4_addr
		flags dynamic,timeout
		timeout 1m
	}
	chain input {
		type filter hook input priority filter; policy accept;
		iifname . ip saddr @seen counter drop
		icmp type echo-request add @seen { iifname . ip saddr }
	}
}
EOF2
	[ "$(pings 10.0.1.1)" = 1 ]
	run nftfw list set ip filter seen
	echo "$output"
	[[ "$output" =~ elements\ =\ \{\ \"qtf0\"\ \.\ 10\.0\.1\.2\ expires\ [0-9]+s[0-9]*ms\ \} ]]
	[ "$(pings 10.0.1.1)" = 0 ]
	# the element the packet added is the one typed by hand
	nftfw delete element ip filter seen '{ "qtf0" . 10.0.1.2 }'
	[ "$(pings 10.0.1.1)" = 1 ]
	nftfw flush set ip filter seen
	nftfw add element ip filter seen '{ "qtf0" . 10.0.1.2 }'
	[ "$(pings 10.0.1.1)" = 0 ]
	# another interface's pair does not match
	nftfw flush set ip filter seen
	nftfw add element ip filter seen '{ "lo" . 10.0.1.2 }'
	run nftfw list set ip filter seen
	echo "$output"
	[ "$(pings 10.0.1.1)" = 1 ]
}
