#!/usr/bin/env bats
# NAT offload (io/nat_offload.h): once qtablesd has bound a TCP or UDP
# connection, the kernel rewrites its packets from the maps of table
# ip qtables_nat, which qtablesd fills (verdict maps whose elements go
# to chains that write a target's address and port); the packets are still queued
# and judged, with plain accepts. Real traffic in qt_topo's namespaces
# (client 10.0.1.2 - fw 10.0.1.1 / 10.0.2.1 - server 10.0.2.2): the
# data arrives whole, the maps hold the connection's elements while it
# lives and lose them when it is forgotten, checksums are right, and a
# handover or a crash never leaves a map rewriting what no daemon
# knows.

bats_require_minimum_version 1.5.0

load datapath_lib

# nft's listing of map NAME of qtables' table in the firewall
map_of() { ip netns exec "$FW" nft list map ip qtables_nat "$1" 2>&1; }
# elements of every map of the table (one per line)
elements() {
	ip netns exec "$FW" nft -j list table ip qtables_nat 2>/dev/null |
		"$PY" -c '
import json, sys
text = sys.stdin.read()
for o in (json.loads(text)["nftables"] if text.strip() else []):
    m = o.get("map")
    for e in (m or {}).get("elem", []):
        print(m["name"], json.dumps(e))'
}
# a counter of qtables --stats: the verdicts' "rewritten", the offload's
stat_rewritten() {
	ip netns exec "$FW" "$QT_BUILD/qtables" --stats |
		sed -n 's/.*verdicts: .*rewritten \([0-9]*\),.*/\1/p'
}
stat_offloaded() {
	ip netns exec "$FW" "$QT_BUILD/qtables" --stats |
		sed -n 's/^nat offload: .*connections offloaded \([0-9]*\),.*/\1/p'
}
# wait_until SECONDS CMD...: CMD succeeds within SECONDS
wait_until() {
	local t=$1; shift
	for _ in $(seq $((t * 20))); do "$@" && return 0; sleep 0.05; done
	"$@"
}
no_elements() { [ -z "$(elements)" ]; }
# the table's chains other than its base chains (one per line)
target_chains() {
	ip netns exec "$FW" nft -j list table "${1:-ip}" qtables_nat 2>/dev/null |
		"$PY" -c '
import json, sys
text = sys.stdin.read()
for o in (json.loads(text)["nftables"] if text.strip() else []):
    c = o.get("chain")
    if c and "hook" not in c:
        print(c["name"])'
}
no_chains() { [ -z "$(target_chains "$@")" ]; }
chain_of() { ip netns exec "$FW" nft list chain "$1" qtables_nat "$2" 2>&1; }
has_elements() { [ -n "$(elements)" ]; }

# tcp_sink PORT FILE: a server writing what one connection sends to FILE
tcp_sink() {
	ip netns exec "$S" socat -u "TCP-LISTEN:$1,reuseaddr" "OPEN:$2,creat,trunc" 3>&- &
	BGPIDS+=("$!")
	for _ in $(seq 100); do
		ip netns exec "$S" ss -Hltn "sport = :$1" | grep -q LISTEN && return 0
		sleep 0.02
	done
	return 1
}

# slow_send FILE DST PORT SECONDS: send FILE over one TCP connection,
# spread over about SECONDS (so that something can happen meanwhile)
slow_send() {
	ip netns exec "$C" "$PY" - "$@" <<'PY'
import socket, sys, time
path, dst, port, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
data = open(path, "rb").read()
s = socket.create_connection((dst, port), timeout=10)
chunk = 65536
n = (len(data) + chunk - 1) // chunk
t0 = time.time()
for i in range(n):
    s.sendall(data[i * chunk:(i + 1) * chunk])
    wait = t0 + secs * (i + 1) / n - time.time()
    if wait > 0:
        time.sleep(wait)
s.close()
PY
}

# udp_peer_server PORT: answers each datagram with its peer "ADDR:PORT"
udp_peer_server() {
	ip netns exec "$S" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
while True:
    d, a = s.recvfrom(4096)
    s.sendto(("%s:%d " % a).encode() + d, a)
' "$1" >/dev/null 2>&1 3>&- &
	BGPIDS+=("$!")
	for _ in $(seq 100); do
		ip netns exec "$S" ss -Hlun "sport = :$1" | grep -q . && return 0
		sleep 0.02
	done
	return 1
}

# udp_ask DST PORT N: N datagrams from one socket, one at a time; prints
# each answer's sender and the peer the server saw, then "lost K"; from
# the client, or from namespace ASK_NS
udp_ask() {
	ip netns exec "${ASK_NS:-$C}" "$PY" - "$@" <<'PY'
import socket, sys
dst, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
lost = 0
for i in range(n):
    msg = ("%d-" % i).encode() + b"z" * (i * 13 % 1400)
    s.sendto(msg, (dst, port))
    try:
        d, a = s.recvfrom(4096)
        peer, body = d.split(b" ", 1)
        ok = body == msg
        print("%s:%d %s %s" % (a[0], a[1], peer.decode(), "ok" if ok else "bad"))
    except socket.timeout:
        lost += 1
print("lost %d" % lost)
PY
}

@test "nat offload: a 10 MB DNAT'd TCP transfer arrives intact, rewritten by the kernel; its elements are in the maps while the connection lives and go when it is flushed" {
	daemon_only
	head -c 10485760 /dev/urandom >"$QT_RUN/10m"
	tcp_sink 80 "$QT_RUN/got"
	qt "$FW" -t nat -A PREROUTING -p tcp -d 10.0.1.1 --dport 8080 \
		-j DNAT --to-destination 10.0.2.2:80
	ip netns exec "$C" timeout 30 socat -u "FILE:$QT_RUN/10m" TCP:10.0.1.1:8080
	for _ in $(seq 100); do
		[ "$(stat -c %s "$QT_RUN/got" 2>/dev/null)" = 10485760 ] && break
		sleep 0.05
	done
	[ "$(sha256sum <"$QT_RUN/got")" = "$(sha256sum <"$QT_RUN/10m")" ]
	# the connection (in TIME_WAIT now) has its two elements: the
	# client's packets to the server, the server's back, each going to
	# a chain that writes the address and port
	run -0 map_of dst_vmap
	[[ $output =~ 10\.0\.1\.2\ \.\ 10\.0\.1\.1\ \.\ tcp\ \.\ [0-9]+\ \.\ 8080\ :\ goto\ d_tcp_10\.0\.2\.2_80 ]]
	run -0 chain_of ip d_tcp_10.0.2.2_80
	[[ $output == *"ip daddr set 10.0.2.2 tcp dport set 80"* ]]
	run -0 map_of src_vmap
	[[ $output =~ 10\.0\.2\.2\ \.\ 10\.0\.1\.2\ \.\ tcp\ \.\ 80\ \.\ [0-9]+\ :\ goto\ s_tcp_10\.0\.1\.1_8080 ]]
	run -0 chain_of ip s_tcp_10.0.1.1_8080
	[[ $output == *"ip saddr set 10.0.1.1 tcp sport set 8080"* ]]
	# thousands of segments, but only the first ones were rewritten by
	# qtablesd: the kernel did the rest
	echo "rewritten by qtablesd: $(stat_rewritten); offloaded: $(stat_offloaded)"
	[ "$(stat_rewritten)" -lt 20 ]
	[ "$(stat_offloaded)" -eq 1 ]
	# forgotten: the elements go
	ip netns exec "$FW" "$QT_BUILD/qtables-conntrack" -F
	wait_until 3 no_elements
	# and with them the chains
	no_chains
}

@test "nat offload: a connection that times out leaves the maps" {
	daemon_only
	stop_daemon
	start_daemon --ct tcp_timeout_time_wait=1 --ct tcp_timeout_close=1
	qt "$FW" -P FORWARD ACCEPT
	tcp_sink 80 "$QT_RUN/got"
	qt "$FW" -t nat -A PREROUTING -p tcp -d 10.0.1.1 --dport 8080 \
		-j DNAT --to-destination 10.0.2.2:80
	echo hello | ip netns exec "$C" timeout 10 socat -u - TCP:10.0.1.1:8080
	wait_until 2 has_elements
	# closed: TIME_WAIT for a second, then forgotten by expiry
	wait_until 5 no_elements
	[ "$(cat "$QT_RUN/got")" = hello ]
}

@test "nat offload: UDP DNAT and MASQUERADE, datagrams of every size both ways through the kernel's maps" {
	daemon_only
	udp_peer_server 9000
	# stateful: a packet the engine took for another connection's (its
	# view of the kernel's rewrite not the kernel's) would be INVALID
	qt "$FW" -P FORWARD DROP
	qt "$FW" -A FORWARD -m conntrack --ctstate ESTABLISHED -j ACCEPT
	qt "$FW" -A FORWARD -d 10.0.2.2 -p udp --dport 9000 \
		-m conntrack --ctstate NEW -j ACCEPT
	qt "$FW" -t nat -A PREROUTING -p udp -d 10.0.1.1 --dport 5353 \
		-j DNAT --to-destination 10.0.2.2:9000
	qt "$FW" -t nat -A POSTROUTING -o qtf1 -j MASQUERADE
	run -0 udp_ask 10.0.1.1 5353 200
	echo "$output" | sort | uniq -c | sort -rn | head -5
	[ "${lines[200]}" = "lost 0" ]
	# every answer from the address and port asked, every datagram
	# seen by the server from the firewall's address, intact
	[ "$(echo "$output" | grep -c '^10\.0\.1\.1:5353 10\.0\.2\.1:[0-9]* ok$')" -eq 200 ]
	run -0 elements
	echo "$output"
	[ "$(echo "$output" | grep -c '"udp"')" -ge 4 ]
	echo "rewritten by qtablesd: $(stat_rewritten); offloaded: $(stat_offloaded)"
	# 400 packets each way through PREROUTING and POSTROUTING
	[ "$(stat_rewritten)" -lt 40 ]
	[ "$(stat_offloaded)" -eq 1 ]
}

@test "nat offload: REDIRECT to a local server, and a local client's UDP DNAT'd at OUTPUT with a new port: the kernel rewrites at OUTPUT and INPUT too" {
	daemon_only
	# REDIRECT: the client's TCP to 10.0.1.1:80 goes to the firewall's
	# own port 8080; its answers leave through OUTPUT and POSTROUTING
	head -c 4000000 /dev/urandom >"$QT_RUN/4m"
	ip netns exec "$FW" socat -u TCP-LISTEN:8080,reuseaddr "OPEN:$QT_RUN/got,creat,trunc" 3>&- &
	BGPIDS+=("$!")
	wait_until 2 eval 'ip netns exec "$FW" ss -Hltn "sport = :8080" | grep -q LISTEN'
	qt "$FW" -t nat -A PREROUTING -p tcp -d 10.0.1.1 --dport 80 \
		-j REDIRECT --to-ports 8080
	ip netns exec "$C" timeout 30 socat -u "FILE:$QT_RUN/4m" TCP:10.0.1.1:80
	for _ in $(seq 100); do
		[ "$(stat -c %s "$QT_RUN/got" 2>/dev/null)" = 4000000 ] && break
		sleep 0.05
	done
	[ "$(sha256sum <"$QT_RUN/got")" = "$(sha256sum <"$QT_RUN/4m")" ]
	run -0 map_of dst_vmap
	[[ $output =~ 10\.0\.1\.2\ \.\ 10\.0\.1\.1\ \.\ tcp\ \.\ [0-9]+\ \.\ 80\ :\ goto\ d_tcp_10\.0\.1\.1_8080 ]]
	run -0 map_of src_vmap
	[[ $output =~ 10\.0\.1\.1\ \.\ 10\.0\.1\.2\ \.\ tcp\ \.\ 8080\ \.\ [0-9]+\ :\ goto\ s_tcp_10\.0\.1\.1_80 ]]
	echo "rewritten by qtablesd: $(stat_rewritten); offloaded: $(stat_offloaded)"
	[ "$(stat_rewritten)" -lt 20 ]
	[ "$(stat_offloaded)" -eq 1 ]
	# OUTPUT DNAT: the firewall's own datagrams to 10.0.1.99:5353 go to
	# the server's 9000 (a new address and port: routed again by the
	# route chain); the answers come back through INPUT as from
	# 10.0.1.99:5353
	udp_peer_server 9000
	qt "$FW" -t nat -A OUTPUT -p udp -d 10.0.1.99 --dport 5353 \
		-j DNAT --to-destination 10.0.2.2:9000
	ASK_NS=$FW run -0 udp_ask 10.0.1.99 5353 200
	echo "$output" | sort | uniq -c | sort -rn | head -5
	[ "${lines[200]}" = "lost 0" ]
	[ "$(echo "$output" | grep -c '^10\.0\.1\.99:5353 10\.0\.1\.1:[0-9]* ok$')" -eq 200 ]
	run -0 map_of dst_vmap
	[[ $output =~ 10\.0\.1\.1\ \.\ 10\.0\.1\.99\ \.\ udp\ \.\ [0-9]+\ \.\ 5353\ :\ goto\ d_udp_10\.0\.2\.2_9000 ]]
	run -0 map_of src_vmap
	[[ $output =~ 10\.0\.2\.2\ \.\ 10\.0\.1\.1\ \.\ udp\ \.\ 9000\ \.\ [0-9]+\ :\ goto\ s_udp_10\.0\.1\.99_5353 ]]
	echo "rewritten by qtablesd: $(stat_rewritten); offloaded: $(stat_offloaded)"
	[ "$(stat_rewritten)" -lt 40 ]
	[ "$(stat_offloaded)" -eq 2 ]
}

@test "nat offload: MASQUERADE of many TCP connections, each translated by the kernel after its first packets" {
	daemon_only
	qt "$FW" -t nat -A POSTROUTING -o qtf1 -j MASQUERADE
	tcp_sink 80 "$QT_RUN/got"
	head -c 2000000 /dev/urandom >"$QT_RUN/2m"
	ip netns exec "$C" timeout 30 socat -u "FILE:$QT_RUN/2m" TCP:10.0.2.2:80
	for _ in $(seq 100); do
		[ "$(stat -c %s "$QT_RUN/got" 2>/dev/null)" = 2000000 ] && break
		sleep 0.05
	done
	[ "$(sha256sum <"$QT_RUN/got")" = "$(sha256sum <"$QT_RUN/2m")" ]
	run -0 map_of src_vmap
	[[ $output =~ 10\.0\.1\.2\ \.\ 10\.0\.2\.2\ \.\ tcp\ \.\ [0-9]+\ \.\ 80\ :\ goto\ s_tcp_10\.0\.2\.1 ]]
	run -0 map_of dst_vmap
	[[ $output =~ 10\.0\.2\.2\ \.\ 10\.0\.2\.1\ \.\ tcp\ \.\ 80\ \.\ [0-9]+\ :\ goto\ d_tcp_10\.0\.1\.2 ]]
	# a chain per client address, not per connection
	[ "$(target_chains | wc -l)" -eq 2 ]
	echo "rewritten by qtablesd: $(stat_rewritten)"
	[ "$(stat_rewritten)" -lt 20 ]
}

@test "nat offload: the kernel's rewrites keep checksums right: whole ones, partial ones of GSO segments, and a UDP checksum of 0" {
	daemon_only
	qt "$FW" -t nat -A PREROUTING -d 10.0.1.1 -p udp --dport 9000 \
		-j DNAT --to-destination 10.0.2.2
	qt "$FW" -t nat -A PREROUTING -d 10.0.1.1 -p tcp --dport 80 \
		-j DNAT --to-destination 10.0.2.2
	# a new port: the kernel would write a checksum into a UDP one of
	# 0, so such a connection is rewritten by qtablesd
	qt "$FW" -t nat -A PREROUTING -d 10.0.1.1 -p udp --dport 7000 \
		-j DNAT --to-destination 10.0.2.2:7001
	# a new port and a whole checksum: the port's write fixes it
	qt "$FW" -t nat -A PREROUTING -d 10.0.1.1 -p udp --dport 7100 \
		-j DNAT --to-destination 10.0.2.2:7101
	qt "$FW" -t nat -A POSTROUTING -o qtf1 -j MASQUERADE
	ip netns exec "$S" timeout 20 tcpdump -i qts0 -w "$QT_RUN/cap" -U \
		'(udp or tcp) and src 10.0.2.1' 2>/dev/null 3>&- &
	BGPIDS+=("$!")
	tcp_sink 80 /dev/null
	sleep 1
	# built whole by scapy: full checksums, and a UDP flow without one
	ip netns exec "$C" "$PY" - <<'PY'
from scapy.all import IP, UDP, Raw, send, conf
import time
conf.verb = 0
for i in range(6):
    send(IP(src="10.0.1.2", dst="10.0.1.1") / UDP(sport=40001, dport=9000) / Raw(b"x" * (100 + i)))
    send(IP(src="10.0.1.2", dst="10.0.1.1") / UDP(sport=40002, dport=9000, chksum=0) / Raw(b"y" * 100))
    send(IP(src="10.0.1.2", dst="10.0.1.1") / UDP(sport=40003, dport=7000, chksum=0) / Raw(b"w" * 100))
    send(IP(src="10.0.1.2", dst="10.0.1.1") / UDP(sport=40004, dport=7100) / Raw(b"v" * (50 + i)))
    time.sleep(0.2)
PY
	# a local socket's segments: partial checksums, GSO
	head -c 3000000 /dev/urandom | ip netns exec "$C" timeout 20 socat -u - TCP:10.0.1.1:80
	[ "$(stat_offloaded)" -ge 4 ]
	sleep 1
	kill "${BGPIDS[0]}"; wait "${BGPIDS[0]}" 2>/dev/null || true
	run -0 "$PY" - "$QT_RUN/cap" <<'PY'
import struct, sys
from scapy.all import rdpcap, IP
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s
kinds = {}
for p in rdpcap(sys.argv[1]):
    raw = bytes(p[IP])
    ihl = (raw[0] & 15) * 4
    tot = struct.unpack("!H", raw[2:4])[0]
    l4 = raw[ihl:tot]
    proto = raw[9]
    ph = raw[12:20] + struct.pack("!BBH", 0, proto, len(l4))
    field = struct.unpack("!H", l4[16:18] if proto == 6 else l4[6:8])[0]
    if csum(raw[:ihl]) != 0xffff:
        k = "BAD-IP"
    elif proto == 17 and l4[8:].strip(l4[8:9]):
        k = "BAD-DATA"         # each datagram is one byte repeated
    elif proto == 17 and field == 0:
        k = "udp-zero"
    elif csum(ph + l4) == 0xffff:
        k = "whole"
    elif field == csum(ph):
        k = "partial"          # the pseudo-header's sum: GSO, offload
    else:
        k = "BAD"
    kinds[(proto, k)] = kinds.get((proto, k), 0) + 1
for (proto, k), n in sorted(kinds.items()):
    print("%s %s %d" % ("tcp" if proto == 6 else "udp", k, n))
PY
	echo "$output"
	[[ $output != *BAD* ]]
	[[ $output == *"udp whole 12"* ]]
	[[ $output == *"udp udp-zero 12"* ]]
	[[ $output == *"tcp partial"* ]]
}

@test "nat offload: a packet qtablesd rewrote is not rewritten again by another connection's elements" {
	daemon_only
	# two servers behind the firewall
	ip -n "$S" addr add 10.0.2.3/24 dev qts0
	peer_answer() {
		ip netns exec "$S" "$PY" -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 80))
s.listen(8)
while True:
    c, a = s.accept()
    c.send(("%s\n" % sys.argv[1]).encode())
    c.close()
' "$1" >/dev/null 2>&1 3>&- &
		BGPIDS+=("$!")
	}
	peer_answer 10.0.2.2
	peer_answer 10.0.2.3
	sleep 0.5
	# B: the client to 10.0.2.2:80 goes to 10.0.2.3; A: the client to
	# 10.0.1.1:8080 goes to 10.0.2.2:80, what B's packets look like
	qt "$FW" -t nat -A PREROUTING -d 10.0.2.2 -p tcp --dport 80 \
		-j DNAT --to-destination 10.0.2.3
	qt "$FW" -t nat -A PREROUTING -d 10.0.1.1 -p tcp --dport 8080 \
		-j DNAT --to-destination 10.0.2.2:80
	connect_from() { # DST PORT: from client port 41000, the answer
		ip netns exec "$C" "$PY" - "$@" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.0.1.2", 41000))
s.settimeout(5)
s.connect((sys.argv[1], int(sys.argv[2])))
print(s.recv(100).decode().strip())
PY
	}
	run -0 connect_from 10.0.2.2 80
	[ "$output" = 10.0.2.3 ]
	# B lives on (TIME_WAIT) with its elements: its original tuple is
	# the tuple A's first packets have once qtablesd rewrote them
	run -0 map_of dst_vmap
	[[ $output == *"10.0.1.2 . 10.0.2.2 . tcp . 41000 . 80 : goto d_tcp_10.0.2.3"* ]]
	run -0 connect_from 10.0.1.1 8080
	[ "$output" = 10.0.2.2 ]
}

@test "nat offload: qtablesd --handover in the middle of a DNAT'd and masqueraded transfer: nothing lost, the new daemon's maps hold the connection" {
	daemon_only
	stop_daemon
	STATE=$QT_RUN/rules.v4
	start_daemon --state "$STATE" --handover-wait 5
	qt "$FW" -P FORWARD ACCEPT
	qt "$FW" -t nat -A PREROUTING -p tcp -d 10.0.1.1 --dport 8080 \
		-j DNAT --to-destination 10.0.2.2:80
	qt "$FW" -t nat -A POSTROUTING -o qtf1 -j MASQUERADE
	head -c 8000000 /dev/urandom >"$QT_RUN/8m"
	tcp_sink 80 "$QT_RUN/got"
	slow_send "$QT_RUN/8m" 10.0.1.1 8080 4 3>&- &
	local sender=$!
	BGPIDS+=("$sender")
	wait_until 3 has_elements
	sleep 1
	old=$DPID
	ip netns exec "$FW" "$QT_BUILD/qtablesd" --state "$STATE" --handover \
		--handover-wait 0 --log-stderr --no-syslog 2>"$QT_RUN/log2" 3>&- &
	DPID=$!
	for _ in $(seq 100); do kill -0 "$old" 2>/dev/null || break; sleep 0.05; done
	! kill -0 "$old" 2>/dev/null || false
	# the new daemon made the maps anew and put the connection back
	wait_until 3 has_elements
	run -0 map_of src_vmap
	[[ $output =~ 10\.0\.1\.2\ \.\ 10\.0\.2\.2\ \.\ tcp\ \.\ [0-9]+\ \.\ 80\ :\ goto\ s_tcp_10\.0\.2\.1 ]]
	run -0 chain_of ip s_tcp_10.0.2.1
	[ "$(stat_offloaded)" -ge 1 ]
	wait "$sender"
	for _ in $(seq 100); do
		[ "$(stat -c %s "$QT_RUN/got" 2>/dev/null)" = 8000000 ] && break
		sleep 0.05
	done
	[ "$(sha256sum <"$QT_RUN/got")" = "$(sha256sum <"$QT_RUN/8m")" ]
	cat "$QT_RUN/log2"
	grep -Eq 'handover: [1-9][0-9]* connections' "$QT_RUN/log2"
	# a clean stop deletes the table
	stop_daemon
	run ip netns exec "$FW" nft list table ip qtables_nat
	[ "$status" -ne 0 ]
}

@test "nat offload: elements a killed daemon left are deleted by the next start; the table comes with the first nat rule; --no-nat-offload makes none" {
	daemon_only
	qt "$FW" -t nat -A PREROUTING -p tcp -d 10.0.1.1 --dport 8080 \
		-j DNAT --to-destination 10.0.2.2:80
	tcp_sink 80 "$QT_RUN/got"
	echo hello | ip netns exec "$C" timeout 10 socat -u - TCP:10.0.1.1:8080
	wait_until 2 has_elements
	stop_daemon KILL
	has_elements
	# a daemon without nat rules: the table is gone
	start_daemon
	no_elements
	run ip netns exec "$FW" nft list table ip qtables_nat
	[ "$status" -ne 0 ]
	# the first nat rule makes it, empty
	qt "$FW" -t nat -A PREROUTING -p tcp -d 10.0.1.1 --dport 8080 \
		-j DNAT --to-destination 10.0.2.2:80
	run -0 ip netns exec "$FW" nft list table ip qtables_nat
	no_elements
	stop_daemon
	start_daemon --no-nat-offload
	run ip netns exec "$FW" nft list table ip qtables_nat
	[ "$status" -ne 0 ]
	qt "$FW" -t nat -A PREROUTING -p tcp -d 10.0.1.1 --dport 8080 \
		-j DNAT --to-destination 10.0.2.2:80
	tcp_sink 80 "$QT_RUN/got2"
	echo again | ip netns exec "$C" timeout 10 socat -u - TCP:10.0.1.1:8080
	wait_until 2 test -s "$QT_RUN/got2"
	[ "$(cat "$QT_RUN/got2")" = again ]
	ip netns exec "$FW" "$QT_BUILD/qtables" --stats | grep -q '^nat offload: IPv4 off, IPv6 off'
}

@test "nat offload: IPv6, a DNAT'd and masqueraded 10 MB transfer and UDP with a new port through the ip6 table's maps" {
	daemon_only
	ip -n "$C" addr add fd00:1::2/64 dev qtc0 nodad
	ip -n "$FW" addr add fd00:1::1/64 dev qtf0 nodad
	ip -n "$FW" addr add fd00:2::1/64 dev qtf1 nodad
	ip -n "$S" addr add fd00:2::2/64 dev qts0 nodad
	ip -n "$C" -6 route add default via fd00:1::1
	ip -n "$S" -6 route add default via fd00:2::1
	ip netns exec "$FW" sysctl -qw net.ipv6.conf.all.forwarding=1
	ip netns exec "$C" ping -6 -n -q -c 1 -w 5 fd00:1::1 >/dev/null 2>&1 || true
	ip netns exec "$S" ping -6 -n -q -c 1 -w 5 fd00:2::1 >/dev/null 2>&1 || true
	ip netns exec "$FW" "$QT_BUILD/ip6tables" -t nat -A PREROUTING -p tcp \
		-d fd00:1::1 --dport 8080 -j DNAT --to-destination '[fd00:2::2]:80'
	ip netns exec "$FW" "$QT_BUILD/ip6tables" -t nat -A POSTROUTING -o qtf1 \
		-j MASQUERADE
	head -c 10485760 /dev/urandom >"$QT_RUN/10m"
	ip netns exec "$S" socat -u TCP6-LISTEN:80,reuseaddr "OPEN:$QT_RUN/got,creat,trunc" 3>&- &
	BGPIDS+=("$!")
	for _ in $(seq 100); do
		ip netns exec "$S" ss -Hltn "sport = :80" | grep -q LISTEN && break
		sleep 0.02
	done
	ip netns exec "$C" timeout 30 socat -u "FILE:$QT_RUN/10m" 'TCP6:[fd00:1::1]:8080'
	for _ in $(seq 100); do
		[ "$(stat -c %s "$QT_RUN/got" 2>/dev/null)" = 10485760 ] && break
		sleep 0.05
	done
	[ "$(sha256sum <"$QT_RUN/got")" = "$(sha256sum <"$QT_RUN/10m")" ]
	run -0 ip netns exec "$FW" nft list map ip6 qtables_nat dst_vmap
	echo "$output"
	[[ $output =~ fd00:1::2\ \.\ fd00:1::1\ \.\ tcp\ \.\ [0-9]+\ \.\ 8080\ :\ goto\ d_tcp_fd00-2--2_80 ]]
	run -0 ip netns exec "$FW" nft list map ip6 qtables_nat src_vmap
	[[ $output =~ fd00:1::2\ \.\ fd00:2::2\ \.\ tcp\ \.\ [0-9]+\ \.\ 80\ :\ goto\ s_tcp_fd00-2--1 ]]
	run -0 chain_of ip6 d_tcp_fd00-2--2_80
	[[ $output == *"ip6 daddr set fd00:2::2 tcp dport set 80"* ]]
	echo "rewritten by qtablesd: $(stat_rewritten); offloaded: $(stat_offloaded)"
	[ "$(stat_rewritten)" -lt 20 ]
	[ "$(stat_offloaded)" -eq 1 ]
	# UDP with a new port, masqueraded too: 200 datagrams each way
	ip netns exec "$FW" "$QT_BUILD/ip6tables" -t nat -A PREROUTING -p udp \
		-d fd00:1::1 --dport 5353 -j DNAT --to-destination '[fd00:2::2]:9000'
	ip netns exec "$S" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("::", 9000))
while True:
    d, a = s.recvfrom(4096)
    s.sendto(("[%s]:%d " % a[:2]).encode() + d, a)
' >/dev/null 2>&1 3>&- &
	BGPIDS+=("$!")
	wait_until 2 eval 'ip netns exec "$S" ss -Hlun "sport = :9000" | grep -q .'
	run -0 ip netns exec "$C" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(1)
good = lost = 0
for i in range(200):
    msg = ("%d-" % i).encode() + b"z" * (i * 13 % 1200)
    s.sendto(msg, ("fd00:1::1", 5353))
    try:
        d, a = s.recvfrom(4096)
        peer, body = d.split(b" ", 1)
        good += a[0] == "fd00:1::1" and a[1] == 5353 and \
            peer.startswith(b"[fd00:2::1]:") and body == msg
    except socket.timeout:
        lost += 1
print("good %d lost %d" % (good, lost))'
	[ "$output" = "good 200 lost 0" ]
	run -0 ip netns exec "$FW" nft list map ip6 qtables_nat dst_vmap
	[[ $output =~ fd00:1::2\ \.\ fd00:1::1\ \.\ udp\ \.\ [0-9]+\ \.\ 5353\ :\ goto\ d_udp_fd00-2--2_9000 ]]
	run -0 chain_of ip6 d_udp_fd00-2--2_9000
	[[ $output == *"ip6 daddr set fd00:2::2 udp dport set 9000"* ]]
	echo "rewritten by qtablesd: $(stat_rewritten); offloaded: $(stat_offloaded)"
	[ "$(stat_rewritten)" -lt 60 ]
	[ "$(stat_offloaded)" -eq 2 ]
}

@test "nat offload: a UDP flow whose first datagram the kernel drops between hooks is confirmed by the next one and offloaded" {
	daemon_only
	udp_peer_server 9000
	qt "$FW" -P FORWARD ACCEPT
	qt "$FW" -t nat -A PREROUTING -d 10.0.1.1 -p udp --dport 9000 \
		-j DNAT --to-destination 10.0.2.2
	# a kernel table of the test's own drops the datagram "lost" at
	# FORWARD before the queue there (the steering's chains are at
	# -150): judged at PREROUTING, its entry made, it never reaches
	# the hook that confirms, as under a full queue
	ip netns exec "$FW" nft -f - <<'NFT'
table ip qtlost {
	chain early {
		type filter hook forward priority -200; policy accept;
		udp dport 9000 @th,64,32 0x6c6f7374 counter drop
	}
}
NFT
	run ip netns exec "$C" "$PY" -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(b"lost", ("10.0.1.1", 9000))
time.sleep(0.2)
s.sendto(b"kept", ("10.0.1.1", 9000))
print(s.recvfrom(4096)[0].decode())
'
	echo "$output"
	[[ "$output" == *" kept" ]]
	# the kernel dropped the first one
	ip netns exec "$FW" nft list table ip qtlost | grep -q 'counter packets 1 '
	# the second confirmed the entry (listed: confirmed entries only)
	# and its elements went to the kernel's maps, well inside the 5 s
	# an unconfirmed entry would wait
	run ip netns exec "$FW" "$QT_BUILD/qtables-conntrack" -L -p udp
	echo "$output"
	[[ "$output" == *"dst=10.0.1.1 sport="*"dport=9000 src=10.0.2.2"* ]]
	wait_until 1 has_elements
	[ "$(stat_offloaded)" -ge 1 ]
}

# list_loads FAMILY: qtables' table as nft lists it loads with nft -f
# into a namespace of its own and lists back the same
list_loads() {
	local ns=${QT_PREFIX}-load
	ip netns exec "$FW" nft list table "$1" qtables_nat >"$QT_RUN/$1.nft"
	ip netns add "$ns"
	ip netns exec "$ns" nft -f "$QT_RUN/$1.nft" || { ip netns del "$ns"; return 1; }
	ip netns exec "$ns" nft list table "$1" qtables_nat >"$QT_RUN/$1.back"
	ip netns del "$ns"
	diff -u "$QT_RUN/$1.nft" "$QT_RUN/$1.back"
}

@test "nat offload: nft lists the table, its maps and target chains in its own words, and the listing loads back: DNAT, MASQUERADE keeping and changing the port, REDIRECT, TCP and UDP, IPv4 and IPv6" {
	daemon_only
	qt "$FW" -P FORWARD ACCEPT
	# IPv4: TCP DNAT; UDP DNAT, masqueraded keeping the port; UDP
	# masqueraded to another port; TCP REDIRECT to the firewall
	tcp_sink 80 "$QT_RUN/got"
	udp_peer_server 9000
	udp_peer_server 9001
	ip netns exec "$FW" socat -u TCP-LISTEN:8081,reuseaddr "OPEN:$QT_RUN/got2,creat,trunc" 3>&- &
	BGPIDS+=("$!")
	wait_until 2 eval 'ip netns exec "$FW" ss -Hltn "sport = :8081" | grep -q LISTEN'
	qt "$FW" -t nat -A PREROUTING -p tcp -d 10.0.1.1 --dport 8080 \
		-j DNAT --to-destination 10.0.2.2:80
	qt "$FW" -t nat -A PREROUTING -p tcp -d 10.0.1.1 --dport 81 \
		-j REDIRECT --to-ports 8081
	qt "$FW" -t nat -A PREROUTING -p udp -d 10.0.1.1 --dport 5353 \
		-j DNAT --to-destination 10.0.2.2:9000
	qt "$FW" -t nat -A POSTROUTING -o qtf1 -p udp --dport 9001 \
		-j MASQUERADE --to-ports 20000-20010
	qt "$FW" -t nat -A POSTROUTING -o qtf1 -j MASQUERADE
	echo hello | ip netns exec "$C" timeout 10 socat -u - TCP:10.0.1.1:8080
	echo again | ip netns exec "$C" timeout 10 socat -u - TCP:10.0.1.1:81
	run -0 udp_ask 10.0.1.1 5353 5
	[ "${lines[5]}" = "lost 0" ]
	run -0 udp_ask 10.0.2.2 9001 5
	[ "${lines[5]}" = "lost 0" ]
	# the server saw the masqueraded port
	[[ "${lines[0]}" =~ ^10\.0\.2\.2:9001\ 10\.0\.2\.1:200(0[0-9]|10)\ ok$ ]]
	# IPv6: TCP DNAT masqueraded; UDP DNAT masqueraded to another port
	# (servers on ports of their own: a dual-stack socket would clash
	# with IPv4's)
	ip -n "$C" addr add fd00:1::2/64 dev qtc0 nodad
	ip -n "$FW" addr add fd00:1::1/64 dev qtf0 nodad
	ip -n "$FW" addr add fd00:2::1/64 dev qtf1 nodad
	ip -n "$S" addr add fd00:2::2/64 dev qts0 nodad
	ip -n "$C" -6 route add default via fd00:1::1
	ip -n "$S" -6 route add default via fd00:2::1
	ip netns exec "$FW" sysctl -qw net.ipv6.conf.all.forwarding=1
	ip netns exec "$FW" "$QT_BUILD/ip6tables" -t nat -A PREROUTING -p tcp \
		-d fd00:1::1 --dport 8080 -j DNAT --to-destination '[fd00:2::2]:82'
	ip netns exec "$FW" "$QT_BUILD/ip6tables" -t nat -A PREROUTING -p udp \
		-d fd00:1::1 --dport 5353 -j DNAT --to-destination '[fd00:2::2]:9002'
	ip netns exec "$FW" "$QT_BUILD/ip6tables" -t nat -A POSTROUTING -o qtf1 \
		-p udp -j MASQUERADE --to-ports 20000-20010
	ip netns exec "$FW" "$QT_BUILD/ip6tables" -t nat -A POSTROUTING -o qtf1 \
		-j MASQUERADE
	ip netns exec "$S" socat -u TCP6-LISTEN:82,reuseaddr "OPEN:$QT_RUN/got6,creat,trunc" 3>&- &
	BGPIDS+=("$!")
	ip netns exec "$S" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("::", 9002))
while True:
    d, a = s.recvfrom(4096)
    s.sendto(("[%s]:%d " % a[:2]).encode() + d, a)
' >/dev/null 2>&1 3>&- &
	BGPIDS+=("$!")
	wait_until 2 eval 'ip netns exec "$S" ss -Hltn "sport = :82" | grep -q LISTEN'
	wait_until 2 eval 'ip netns exec "$S" ss -Hlun "sport = :9002" | grep -q .'
	ip netns exec "$C" ping -6 -n -q -c 1 -w 5 fd00:1::1 >/dev/null 2>&1 || true
	echo hello6 | ip netns exec "$C" timeout 10 socat -u - 'TCP6:[fd00:1::1]:8080'
	run -0 ip netns exec "$C" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(1)
for i in range(5):
    s.sendto(b"x", ("fd00:1::1", 5353))
    print(s.recvfrom(4096)[0].decode())'
	[[ "${lines[0]}" =~ ^\[fd00:2::1\]:200(0[0-9]|10)\ x$ ]]
	wait_until 2 eval '[ "$(stat_offloaded)" -ge 6 ]'
	# every kind of chain, in nft's words
	run -0 ip netns exec "$FW" nft list table ip qtables_nat
	echo "$output"
	[[ $output == *"ip saddr . ip daddr . meta l4proto . th sport . th dport vmap @dst_vmap"* ]]
	[[ $output == *"chain d_tcp_10.0.2.2_80 {"* ]]
	[[ $output == *"chain d_tcp_10.0.1.1_8081 {"* ]]
	[[ $output == *"chain s_tcp_10.0.1.1_81 {"* ]]
	[[ $output == *"chain d_udp_10.0.2.2_9000 {"* ]]
	[[ $output == *"chain s_udp_10.0.2.1 {"* ]]
	[[ $output == *"ip saddr set 10.0.2.1 udp sport set ip saddr . ip daddr . meta l4proto . udp sport . udp dport map @src_port"* ]]
	[[ $output == *"ip daddr set 10.0.1.2 udp dport set ip saddr . ip daddr . meta l4proto . udp sport . udp dport map @dst_port"* ]]
	run -0 ip netns exec "$FW" nft list table ip6 qtables_nat
	echo "$output"
	[[ $output == *"chain d_tcp_fd00-2--2_82 {"* ]]
	[[ $output == *"chain s_tcp_fd00-2--1 {"* ]]
	[[ $output == *"ip6 saddr set fd00:2::1 udp sport set ip6 saddr . ip6 daddr . meta l4proto . udp sport . udp dport map @src_port"* ]]
	# and the listings load back as they were
	list_loads ip
	list_loads ip6
}
