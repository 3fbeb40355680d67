# Shared set-up of kube_proxy.bats (iptables mode) and kube_proxy_nft.bats
# (nftables mode): the twin nodes, each with its outside client, its
# endpoints and a pod, the program names kube-proxy runs linked into a
# folder per side (qtables' in $QT_RUN/qtbin, the kernel's in
# $QT_RUN/ntbin), and the probes whose answers are compared.
# A file loads it (`load kube_proxy_lib`) and calls kube_init from
# setup().
# shellcheck shell=bash

# scapy is only in the system python on some machines
PY=${QT_PY:-/usr/bin/python3}
[ -x "$PY" ] || PY=python3

# kube_init PREFIX: qt.sh, its namespaces named PREFIX (or
# $QT_BATS_PREFIX), this run's PID and the test's number; the two bin
# folders, empty.
kube_init() {
	# shellcheck disable=SC2034 # qt.sh reads it
	QT_PREFIX=${QT_BATS_PREFIX:-$1}$$-$BATS_TEST_NUMBER
	# shellcheck source=../lib/qt.sh
	source "$BATS_TEST_DIRNAME/../lib/qt.sh"
	BGPIDS=()
	mkdir -p "$QT_RUN/qtbin" "$QT_RUN/ntbin"
}

# The background jobs (the endpoints' servers) stopped.
bg_stop() {
	local p
	for p in "${BGPIDS[@]}"; do kill "$p" 2>/dev/null; done
	BGPIDS=()
}

teardown() {
	bg_stop
	qt_cleanup
}

# pair NS1 DEV1 ADDR1 NS2 DEV2 ADDR2: a veth between two namespaces,
# addressed, up.
pair() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" || return 1
	ip -n "$1" addr add "$3" dev "$2"
	ip -n "$4" addr add "$6" dev "$5"
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
}

# node SIDE XADDR NADDR: the namespaces of one twin, named ${SIDE}n,
# ${SIDE}x, ${SIDE}e, ${SIDE}p, their names in N X E P: the outside
# client X (XADDR/24) -- node N (NADDR/24 | 10.180.0.254/24 | 10.0.1.1/24)
# -- endpoints E (10.180.0.1-5, each answering on port 80 with its own
# address and the peer's), and pod P (10.0.1.5) on the node.
node() {
	local s=$1 xaddr=$2 naddr=$3 i
	qt_ns "${s}n"; N=$QT_NS
	qt_ns "${s}x"; X=$QT_NS
	qt_ns "${s}e"; E=$QT_NS
	qt_ns "${s}p"; P=$QT_NS
	pair "$X" qkx0 "$xaddr/24" "$N" qkn0 "$naddr/24"
	pair "$E" qke0 10.180.0.1/24 "$N" qkn1 10.180.0.254/24
	pair "$P" qkp0 10.0.1.5/24 "$N" qkn2 10.0.1.1/24
	for i in 2 3 4 5; do ip -n "$E" addr add 10.180.0.$i/24 dev qke0; done
	ip -n "$X" route add default via "$naddr"
	ip -n "$E" route add default via 10.180.0.254
	ip -n "$P" route add default via 10.0.1.1
	# a node has a default route: what no service catches goes there
	ip -n "$N" link add qknd type veth peer name qknd1
	ip -n "$N" addr add 198.51.100.1/24 dev qknd
	ip -n "$N" link set qknd up
	ip -n "$N" link set qknd1 up
	ip -n "$N" route add default via 198.51.100.2
	ip netns exec "$N" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$E" "$PY" -c '
import socket, threading
def serve(addr):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 80)); s.listen(64)
    while True:
        c, peer = s.accept()
        c.sendall(("%s %s\n" % (addr, peer[0])).encode())
        c.close()
for i in range(1, 6):
    threading.Thread(target=serve, args=("10.180.0.%d" % i,), daemon=True).start()
threading.Event().wait()
' 3>&- &
	BGPIDS+=($!)
}

# probe FROM DST PORT [N]: N connections (default 1); one line each:
# "ENDPOINT PEER", "refused", "timeout" or the errno's name.
probe() {
	ip netns exec "$1" "$PY" -c '
import errno, socket, sys
dst, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for _ in range(n):
    s = socket.socket(); s.settimeout(1.5)
    try:
        s.connect((dst, port)); print(s.recv(100).decode().strip())
    except ConnectionRefusedError: print("refused")
    except socket.timeout: print("timeout")
    except OSError as e: print(errno.errorcode.get(e.errno, str(e)))
    s.close()
' "$2" "$3" "${4:-1}"
}

# show_diff WHAT ORACLE MINE: the two files' difference in the test's
# output (TAP comments) when they differ; never fails.
show_diff() {
	cmp -s "$2" "$3" && return 0
	echo "# $1:" >&3
	diff -u "$2" "$3" | sed 's/^/# /' >&3
	return 0
}

# The oracle's own answers ($QT_RUN/n.seen) are what the rules mean:
# the endpoints (and the peers they saw) that both transactions' rules
# send the probes to, and the service without endpoints refuses.
oracle_as_meant() {
	grep -qx '10.180.0.4 10.180.0.254' "$QT_RUN/n.seen"
	grep -qx '10.180.0.5 10.180.0.254' "$QT_RUN/n.seen"
	grep -qx '10.180.0.1 10.0.1.5' "$QT_RUN/n.seen"
	grep -qx '10.180.0.3 10.180.0.254' "$QT_RUN/n.seen"
	[ "$(grep -A1 'without endpoints' "$QT_RUN/n.seen" | tail -1)" = refused ]
}
