#!/usr/bin/env bats
# The kernel side of the datapath: io/nfq and io/steering through
# tests/bench/nfq_accept_all, in three namespaces
#   client (10.0.1.2) -- fw (10.0.1.1 | 10.0.2.1) -- server (10.0.2.2)
# made in setup and removed in teardown, even when a test fails.

bats_require_minimum_version 1.5.0

setup() {
	QT_PREFIX=${QT_BATS_PREFIX:-qtbats}$$-$BATS_TEST_NUMBER
	# shellcheck source=../lib/qt.sh
	source "$BATS_TEST_DIRNAME/../lib/qt.sh"
	A=$QT_BUILD/tests/bench/nfq_accept_all
	[ -x "$A" ] || { echo "no $A (set QT_BUILD)" >&2; return 1; }
	qt_topo
	# the counts per hook are of the IPv4 traffic the tests send: no
	# IPv6 neighbour discovery or MLD of the new links (IPv6 is steered
	# too) in them
	local ns
	for ns in "$C" "$FW" "$S"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
	APID=
}

teardown() {
	if [ -n "$APID" ]; then
		kill -9 "$APID" 2>/dev/null
		wait "$APID" 2>/dev/null
	fi
	qt_cleanup
}

# Start nfq_accept_all in fw with ARGS; wait until it says "ready".
start() {
	OUT=$QT_RUN/accept_all.out
	: >"$OUT"
	ip netns exec "$FW" "$A" "$@" >"$OUT" 2>&1 &
	APID=$!
	for _ in $(seq 100); do
		grep -q '^ready$' "$OUT" && return 0
		kill -0 "$APID" 2>/dev/null || break
		sleep 0.05
	done
	echo "nfq_accept_all did not start:" >&2
	cat "$OUT" >&2
	return 1
}

# Stop it with signal $1 and wait for it to end.
stop() {
	kill "-$1" "$APID"
	wait "$APID" || true
	APID=
}

counter() { awk -v k="$1" '$0 ~ "^"k" " { print $NF }' "$OUT"; }
# ICMP echo from client to $2 (default the server), $1 times (default 3):
# succeeds when every request is answered within a second. (python: ping
# itself is not installed everywhere.)
ping_ok() {
	ip netns exec "$C" python3 - "${1:-3}" "${2:-10.0.2.2}" <<'PY'
import socket, struct, sys, time
count, dst = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
def csum(b):
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xffff); t += t >> 16
    return ~t & 0xffff
for seq in range(count):
    body = struct.pack("!BBHHH", 8, 0, 0, 0x5174, seq) + b"qtables-nfq-test"
    body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
    s.sendto(body, (dst, 0))
    end = time.time() + 1
    while True:
        left = end - time.time()
        if left <= 0:
            sys.exit(1)
        s.settimeout(left)
        try:
            r, _ = s.recvfrom(2048)
        except socket.timeout:
            sys.exit(1)
        ihl = (r[0] & 15) * 4
        t, _, _, i, q = struct.unpack("!BBHHH", r[ihl:ihl + 8])
        if t == 0 and i == 0x5174 and q == seq:
            break
    time.sleep(0.2)
PY
}
steering() { ip netns exec "$FW" /usr/sbin/iptables-nft-save | grep -c 'QTABLES' || true; }

# Send 1 MiB over TCP from client to server; compare what arrived.
tcp_transfer() {
	head -c 1048576 /dev/urandom >"$QT_RUN/data"
	ip netns exec "$S" timeout 20 socat -u TCP-LISTEN:5001,reuseaddr \
		"CREATE:$QT_RUN/recv" &
	local lpid=$!
	sleep 0.3
	ip netns exec "$C" timeout 20 socat -u "FILE:$QT_RUN/data" TCP:10.0.2.2:5001
	wait "$lpid"
	cmp "$QT_RUN/data" "$QT_RUN/recv"
}

@test "nfq: forwarded ping and TCP pass through the queue at the right hooks" {
	ping_ok 1
	start -q 7
	[ "$(steering)" -gt 0 ]
	ip netns exec "$FW" /usr/sbin/iptables-nft-save -t mangle |
		grep -qx -- '-A QTABLES-FWD -j NFQUEUE --queue-num 7'
	ip netns exec "$FW" /usr/sbin/iptables-nft-save -t raw |
		grep -qx -- '-A QTABLES-RAW-PRE -j CT --notrack'
	ping_ok 3
	tcp_transfer
	stop TERM
	cat "$OUT"
	[ "$(counter packets)" -ge 100 ]
	# forwarded: seen at PREROUTING, FORWARD and POSTROUTING, never local
	[ "$(counter 'hook PREROUTING')" -ge 50 ]
	[ "$(counter 'hook FORWARD')" -eq "$(counter 'hook PREROUTING')" ]
	[ "$(counter 'hook POSTROUTING')" -eq "$(counter 'hook FORWARD')" ]
	[ "$(counter 'hook INPUT')" -eq 0 ]
	[ "$(counter 'hook OUTPUT')" -eq 0 ]
	[ "$(counter bad)" -eq 0 ]
	[ "$(counter nl_errors)" -eq 0 ]
	# every packet got exactly one verdict
	[ $(( $(counter batched) + $(counter accepts) )) -eq "$(counter packets)" ]
	[ "$(steering)" -eq 0 ]
	ping_ok 1
}

@test "nfq: local traffic of fw is seen at INPUT and OUTPUT" {
	start -q 3 --no-batch
	ping_ok 3 10.0.1.1
	stop INT
	cat "$OUT"
	[ "$(counter 'hook INPUT')" -ge 3 ]
	[ "$(counter 'hook OUTPUT')" -ge 3 ]
	[ "$(counter 'hook FORWARD')" -eq 0 ]
	[ "$(counter batches)" -eq 0 ]
	[ "$(counter accepts)" -eq "$(counter packets)" ]
	[ "$(steering)" -eq 0 ]
}

@test "nfq: fail-closed steering left behind stops traffic until removed" {
	start -q 1
	ping_ok 1
	stop KILL
	[ "$(steering)" -gt 0 ]
	run ! ping_ok 2
	ip netns exec "$FW" "$A" --remove
	[ "$(steering)" -eq 0 ]
	ping_ok 1
	# removing when nothing is installed is fine too
	ip netns exec "$FW" "$A" --remove
}

@test "nfq: fail-open steering passes traffic when nobody listens" {
	start -q 2 --fail-open
	ip netns exec "$FW" /usr/sbin/iptables-nft-save -t mangle |
		grep -qx -- '-A QTABLES-PRE -j NFQUEUE --queue-num 2 --queue-bypass'
	ping_ok 1
	stop KILL
	[ "$(steering)" -gt 0 ]
	ping_ok 3
	tcp_transfer
	ip netns exec "$FW" "$A" --remove
	[ "$(steering)" -eq 0 ]
}

@test "nfq: a second listener on a bound queue is refused" {
	start -q 4 --no-steering
	run ip netns exec "$FW" "$A" -q 4 --no-steering
	[ "$status" -eq 1 ]
	[[ "$output" == *"queue 4: Operation not permitted"* ]]
	stop TERM
}
