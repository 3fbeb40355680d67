#!/usr/bin/env bats
# The queue's copy range with a nat table and NAT offload on
# (daemon/datapath.c): the kernel rewrites translated connections'
# packets (io/nat_offload.h), so qtablesd asks for what its rules read
# (1500 bytes when it tracks connections), not whole packets; a packet
# that comes cut short and that qtablesd may have to rewrite itself (a
# connection's first packets, before the kernel has its elements) is
# queued again whole (NF_REPEAT with the whole copy asked for), and the
# later packets of its flow wait behind it (daemon/order_hold.h). Real
# traffic in qt_topo's namespaces (client 10.0.1.2 - fw 10.0.1.1 /
# 10.0.2.1 - server 10.0.2.2): what arrives is what was sent, in the
# order sent, and a rule that reads the payload still sees all of it.

bats_require_minimum_version 1.5.0

load datapath_lib

stats() { ip netns exec "$FW" "$QT_BUILD/qtables" --stats; }
# the copy range the kernel applies to queue 0 now
kernel_range() {
	stats | sed -n 's/^kernel queue 0: .*copy range \([0-9]*\),.*/\1/p'
}
requeued() {
	stats | sed -n 's/.*queued again whole \([0-9]*\),.*/\1/p' | head -1
}
wait_until() {
	local t=$1; shift
	for _ in $(seq $((t * 20))); do "$@" && return 0; sleep 0.05; done
	"$@"
}
range_is() { [ "$(kernel_range)" = "$1" ]; }

tcp_sink() {
	ip netns exec "$S" socat -u "TCP-LISTEN:$1,reuseaddr" "OPEN:$2,creat,trunc" 3>&- &
	BGPIDS+=("$!")
	for _ in $(seq 100); do
		ip netns exec "$S" ss -Hltn "sport = :$1" | grep -q LISTEN && return 0
		sleep 0.02
	done
	return 1
}
got_all() { [ "$(stat -c %s "$1" 2>/dev/null)" = "$2" ]; }

# udp_echo PORT: sends each datagram back as it came
udp_echo() {
	ip netns exec "$S" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
while True:
    d, a = s.recvfrom(65536)
    s.sendto(d, a)
' "$1" >/dev/null 2>&1 3>&- &
	BGPIDS+=("$!")
	for _ in $(seq 100); do
		ip netns exec "$S" ss -Hlun "sport = :$1" | grep -q . && return 0
		sleep 0.02
	done
	return 1
}

# udp_try DST PORT SPEC...: one socket; each SPEC is SIZE or SIZE@OFF
# (a datagram of SIZE bytes with QTMAGIC at OFF); prints "SPEC ok" when
# it came back intact, "SPEC lost" when nothing came within a second
udp_try() {
	ip netns exec "$C" "$PY" - "$@" <<'PY'
import os, socket, sys, time
dst, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
for spec in sys.argv[3:]:
    size, _, off = spec.partition("@")
    msg = bytearray(os.urandom(int(size)).replace(b"Q", b"q"))
    if off:
        msg[int(off):int(off) + 7] = b"QTMAGIC"
    s.sendto(bytes(msg), (dst, port))
    try:
        d, _ = s.recvfrom(65536)
        print(spec, "ok" if d == bytes(msg) else "bad")
    except socket.timeout:
        print(spec, "lost")
    time.sleep(0.2)
PY
}

# jumbo frames on every link: a 8000-byte datagram is one packet
jumbo() {
	ip -n "$C" link set qtc0 mtu 9000
	ip -n "$FW" link set qtf0 mtu 9000
	ip -n "$FW" link set qtf1 mtu 9000
	ip -n "$S" link set qts0 mtu 9000
}

@test "nat copy: with a nat table the queue copies headers, not whole packets; a 10 MB DNAT'd transfer and an untranslated one arrive intact" {
	daemon_only
	qt "$FW" -P FORWARD DROP
	qt "$FW" -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	qt "$FW" -A FORWARD -d 10.0.2.2 -p tcp --dport 80 -m conntrack --ctstate NEW -j ACCEPT
	qt "$FW" -t nat -A PREROUTING -p tcp -d 10.0.1.1 --dport 8080 \
		-j DNAT --to-destination 10.0.2.2:80
	run -0 stats
	echo "$output" | grep -E '^engine|^copy range|^kernel queue 0'
	[[ $output == *"copy range while the kernel translates: 1500 "* ]]
	wait_until 3 range_is 1500
	head -c 10485760 /dev/urandom >"$QT_RUN/10m"
	tcp_sink 80 "$QT_RUN/got"
	ip netns exec "$C" timeout 30 socat -u "FILE:$QT_RUN/10m" TCP:10.0.1.1:8080
	wait_until 5 got_all "$QT_RUN/got" 10485760
	[ "$(sha256sum <"$QT_RUN/got")" = "$(sha256sum <"$QT_RUN/10m")" ]
	tcp_sink 80 "$QT_RUN/got2"
	ip netns exec "$C" timeout 30 socat -u "FILE:$QT_RUN/10m" TCP:10.0.2.2:80
	wait_until 5 got_all "$QT_RUN/got2" 10485760
	[ "$(sha256sum <"$QT_RUN/got2")" = "$(sha256sum <"$QT_RUN/10m")" ]
	# the copy stays (or is back to) the headers' once nothing needs
	# whole packets
	wait_until 3 range_is 1500
	run -0 stats
	echo "$output" | grep -E 'verdicts|^nat offload'
	[[ $output == *"connections offloaded 1,"* ]]
}

@test "nat copy: a connection's first packet, cut short, is queued again whole and translated by qtablesd; the copy goes back to headers after" {
	daemon_only
	jumbo
	udp_echo 9000
	qt "$FW" -t nat -A PREROUTING -p udp -d 10.0.1.1 --dport 5353 \
		-j DNAT --to-destination 10.0.2.2:9000
	qt "$FW" -t nat -A POSTROUTING -o qtf1 -j MASQUERADE
	wait_until 3 range_is 1500
	[ "$(requeued)" = 0 ]
	# 8000 bytes in one packet, the first of its connection: no
	# element is in the kernel's maps yet, qtablesd rewrites it
	run -0 udp_try 10.0.1.1 5353 8000 8000 100 7000
	echo "$output"
	[ "$output" = "$(printf '8000 ok\n8000 ok\n100 ok\n7000 ok')" ]
	run -0 stats
	echo "$output" | grep -E 'verdicts|^nat offload|^kernel queue 0'
	[ "$(requeued)" -ge 1 ]
	[[ $output == *"connections offloaded 1,"* ]]
	wait_until 3 range_is 1500
}

@test "nat copy: a rule that reads the payload keeps whole packets coming: a string match past the first 1500 bytes still drops" {
	daemon_only
	jumbo
	udp_echo 9000
	qt "$FW" -t nat -A PREROUTING -p udp -d 10.0.1.1 --dport 5353 \
		-j DNAT --to-destination 10.0.2.2:9000
	qt "$FW" -A FORWARD -p udp -m string --algo bm --string QTMAGIC -j DROP
	run -0 stats
	[[ $output != *"copy range while the kernel translates"* ]]
	wait_until 3 range_is 65531
	# a small one first: the connection is offloaded before the large
	# ones come
	run -0 udp_try 10.0.1.1 5353 100 8000 8000@5000 8000@100 8000
	echo "$output"
	[ "$output" = "$(printf '100 ok\n8000 ok\n8000@5000 lost\n8000@100 lost\n8000 ok')" ]
	[ "$(requeued)" = 0 ]
}

@test "nat copy: --no-nat-offload copies whole packets (qtablesd rewrites every translated one)" {
	daemon_only
	stop_daemon
	start_daemon --no-nat-offload
	jumbo
	udp_echo 9000
	qt "$FW" -t nat -A PREROUTING -p udp -d 10.0.1.1 --dport 5353 \
		-j DNAT --to-destination 10.0.2.2:9000
	run -0 stats
	[[ $output != *"copy range while the kernel translates"* ]]
	wait_until 3 range_is 65531
	run -0 udp_try 10.0.1.1 5353 8000 100 8000
	echo "$output"
	[ "$output" = "$(printf '8000 ok\n100 ok\n8000 ok')" ]
	[ "$(requeued)" = 0 ]
}

@test "nat copy: REJECT of a large packet of a translated connection quotes its payload as far as ICMP may (576 bytes)" {
	daemon_only
	jumbo
	udp_echo 9000
	qt "$FW" -t nat -A PREROUTING -p udp -d 10.0.1.1 --dport 5353 \
		-j DNAT --to-destination 10.0.2.2:9000
	qt "$FW" -A FORWARD -p udp -m length --length 4000:65535 -j REJECT
	wait_until 3 range_is 1500
	# an answered small datagram first (the connection offloaded), then
	# 8000 bytes: the error quotes the IP and UDP headers and the
	# datagram's first bytes, which must be what was sent
	run -0 ip netns exec "$C" "$PY" - <<'PY'
import os, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
r.settimeout(2)
s.sendto(b"hi", ("10.0.1.1", 5353))
print("small", s.recvfrom(100)[0] == b"hi")
msg = os.urandom(8000)
s.sendto(msg, ("10.0.1.1", 5353))
while True:
    d = r.recv(2000)
    ihl = (d[0] & 15) * 4
    if d[ihl] == 3:
        break
q = d[ihl + 8:]
qihl = (q[0] & 15) * 4
body = q[qihl + 8:]
print("error", len(d), "type", d[ihl], "code", d[ihl + 1])
print("quoted", len(body), body == msg[:len(body)])
PY
	echo "$output"
	[ "${lines[0]}" = "small True" ]
	[ "${lines[1]}" = "error 576 type 3 code 3" ]
	[ "${lines[2]}" = "quoted 520 True" ]
}

held() {
	stats | sed -n 's/.*behind one of their flow \([0-9]*\)$/\1/p' | head -1
}

# sha_server PORT: answers each connection, once its peer is done
# sending, with the sha256 of what came
sha_server() {
	ip netns exec "$S" "$PY" -c '
import hashlib, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(64)
while True:
    c, _ = s.accept()
    h = hashlib.sha256()
    while True:
        d = c.recv(65536)
        if not d:
            break
        h.update(d)
    c.sendall(h.hexdigest().encode())
    c.close()
' "$1" >/dev/null 2>&1 3>&- &
	BGPIDS+=("$!")
	for _ in $(seq 100); do
		ip netns exec "$S" ss -Hltn "sport = :$1" | grep -q LISTEN && return 0
		sleep 0.02
	done
	return 1
}

@test "nat copy: TCP connections through DNAT starting with large and small segments at once: none overtakes a segment queued again whole" {
	daemon_only
	jumbo
	# each write its own segment, sent at once
	ip netns exec "$C" sysctl -qw net.ipv4.tcp_autocorking=0 || true
	qt "$FW" -P FORWARD DROP
	qt "$FW" -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	qt "$FW" -A FORWARD -d 10.0.2.2 -p tcp --dport 80 -m conntrack --ctstate NEW -j ACCEPT
	qt "$FW" -t nat -A PREROUTING -p tcp -d 10.0.1.1 --dport 8080 \
		-j DNAT --to-destination 10.0.2.2:80
	sha_server 80
	# the kernel refuses the connections' elements (their table is
	# gone): qtablesd rewrites every packet of them itself, as a
	# connection's first packets before the kernel has its elements
	wait_until 3 range_is 1500
	ip netns exec "$FW" nft delete table ip qtables_nat
	flows_one_cpu
	neigh_known
	local ofo0 out
	ofo0=$(ofo_segments)
	# each connection's first data segment (8000 bytes) comes cut short
	# while the queue copies 1500 bytes and is queued again whole; the
	# 300-byte ones sent right behind it come whole and must not be
	# judged before it (the server's TCP would queue them out of order)
	for i in $(seq 8); do
		wait_until 5 range_is 1500
		out=$(ip netns exec "$C" "$PY" - <<'PY'
import hashlib, os, socket
s = socket.create_connection(("10.0.1.1", 8080), timeout=5)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
h = hashlib.sha256()
for k in range(5):
    for size in (8000, 300):
        d = os.urandom(size)
        h.update(d)
        s.send(d)
s.shutdown(socket.SHUT_WR)
got = b""
while len(got) < 64:
    d = s.recv(64)
    if not d:
        break
    got += d
print("ok" if got.decode() == h.hexdigest() else "bad")
PY
)
		echo "connection $i: $out"
		[ "$out" = ok ]
	done
	run -0 stats
	echo "$output" | grep -E 'verdicts|packets queued again|^nat offload'
	echo "segments queued out of order at the server: $(($(ofo_segments) - ofo0))"
	[ "$(($(ofo_segments) - ofo0))" -eq 0 ]
	# what the test is about happened: first segments queued again,
	# later ones held behind them
	[ "$(requeued)" -ge 8 ]
	[ "$(held)" -ge 1 ]
}
