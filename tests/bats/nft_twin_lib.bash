# Shared set-up and helpers of the tests whose expectations are the
# kernel's, asked in one of three ways:
# - one topology, run twice (nft_fib6, nft_nat, nft_natmap,
#   datapath_nat6; nft_dynset without the server): client $C -- fw $FW
#   -- server $S, fw judged by qtablesd, or by the kernel's nft with
#   QT_ORACLE=1 (oracle_setup, nftfw, ct_list);
# - twins side by side (nft_meta, nft_datapath, nft_stmt, nflog,
#   nft_ctzone): client $C -- fw $FW judged by qtablesd beside $C2 --
#   $FW2 judged by the kernel, the same addresses on both (twin_setup,
#   nft_of, same_twins);
# - twins of three namespaces each, addressed by the file (datapath6,
#   npt6: twin_init and twin_trio).
# A file loads it (`load nft_twin_lib`) and defines setup() with one of
# them; all may use serving (a server's wait) and ask_from (a client).
# shellcheck shell=bash

# scapy is only in the system python on some machines
PY=${QT_PY:-/usr/bin/python3}
[ -x "$PY" ] || PY=python3

# twin_init PREFIX: qt.sh, its namespaces named PREFIX (or
# $QT_BATS_PREFIX), this run's PID and the test's number; no daemon yet.
twin_init() {
	# shellcheck disable=SC2034 # qt.sh reads it
	QT_PREFIX=${QT_BATS_PREFIX:-$1}$$-$BATS_TEST_NUMBER
	# shellcheck source=../lib/qt.sh
	source "$BATS_TEST_DIRNAME/../lib/qt.sh"
	[ -x "$QT_BUILD/qtablesd" ] || { echo "no $QT_BUILD/qtablesd (set QT_BUILD)" >&2; return 1; }
	BGPIDS=()
	DPID=
}

# oracle_setup PREFIX TOPO [ARGS]: namespaces by `TOPO ARGS`, and
# qtablesd in $FW unless QT_ORACLE=1 (the kernel judges then).
oracle_setup() {
	twin_init "$1" || return 1
	shift
	"$@" || return 1
	[ -n "${QT_ORACLE:-}" ] || start_daemon
}

# twin_setup PREFIX [READY]: the twins, C FW (qtablesd's: a test
# starts it) and C2 FW2 (the kernel's), each a pair by twin_pair, then
# `READY CLIENT FIREWALL` on each when given.
twin_setup() {
	twin_init "$1" || return 1
	twin_pair 1 || return 1
	C=$C_ FW=$FW_
	[ -z "${2:-}" ] || "$2" "$C" "$FW" || return 1
	twin_pair 2 || return 1
	C2=$C_ FW2=$FW_
	[ -z "${2:-}" ] || "$2" "$C2" "$FW2"
}

# Background jobs (a forking listener's children too), the daemon
# (stopped with $TWIN_STOP_SIGNAL, default TERM), the namespaces.
twin_teardown() {
	local p
	for p in "${BGPIDS[@]}"; do pkill -P "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
	stop_daemon "${TWIN_STOP_SIGNAL:-TERM}"
	qt_cleanup
}
teardown() { twin_teardown; }

# IPv6 in namespaces NS...: no duplicate address detection, no router
# solicitations (on the devices made after; nodad on the addresses).
ip6_quiet() {
	local ns
	for ns in "$@"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.router_solicitations=0 \
			net.ipv6.conf.all.router_solicitations=0 \
			net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
	done
}

# IPv6 on qt_topo's links, up: client $C fd00:1::2 -- fw $FW (qtf0
# fd00:1::1 | qtf1 fd00:2::1) -- server $S fd00:2::2, fw forwarding.
topo_add6() {
	ip -n "$C" addr add fd00:1::2/64 dev qtc0 nodad
	ip -n "$FW" addr add fd00:1::1/64 dev qtf0 nodad
	ip -n "$FW" addr add fd00:2::1/64 dev qtf1 nodad
	ip -n "$S" addr add fd00:2::2/64 dev qts0 nodad
	ip -n "$C" -6 route add default via fd00:1::1
	ip -n "$S" -6 route add default via fd00:2::1
	ip netns exec "$FW" sysctl -qw net.ipv6.conf.all.forwarding=1
	# the links ready before the test (the first neighbour
	# solicitation on a new link may go unanswered for a second)
	ip netns exec "$C" ping -6 -n -q -c 1 -w 5 fd00:1::1 >/dev/null 2>&1
	ip netns exec "$S" ping -6 -n -q -c 1 -w 5 fd00:2::1 >/dev/null 2>&1
	return 0
}

# qt_topo with IPv6 beside IPv4.
topo() {
	qt_topo || return 1
	ip6_quiet "$C" "$FW" "$S"
	topo_add6
}

# twin_pair X: client NAME-cX and firewall NAME-fwX joined by a veth
# (qtc0 -- qtf0; with MAC addresses $TWIN_MAC_C and $TWIN_MAC_FW when
# set), 10.0.1.2/24 -- 10.0.1.1/24 and fd00:1::2/64 -- fd00:1::1/64,
# up; sets C_ and FW_.
twin_pair() {
	local x=$1
	qt_ns "c$x" || return 1; C_=$QT_NS
	qt_ns "fw$x" || return 1; FW_=$QT_NS
	ip6_quiet "$C_" "$FW_"
	ip link add qtc0 netns "$C_" ${TWIN_MAC_C:+address "$TWIN_MAC_C"} type veth \
		peer name qtf0 netns "$FW_" ${TWIN_MAC_FW:+address "$TWIN_MAC_FW"} || return 1
	ip -n "$C_" addr add 10.0.1.2/24 dev qtc0
	ip -n "$FW_" addr add 10.0.1.1/24 dev qtf0
	ip -n "$C_" addr add fd00:1::2/64 dev qtc0 nodad
	ip -n "$FW_" addr add fd00:1::1/64 dev qtf0 nodad
	ip -n "$C_" link set qtc0 up
	ip -n "$FW_" link set qtf0 up
}

# twin_static_neigh CLIENT FIREWALL: twin_setup's READY step for twins
# with fixed MAC addresses: the neighbours known both ways, for good
# (no solicitation among the packets a test counts or logs).
twin_static_neigh() {
	ip -n "$1" neigh replace 10.0.1.1 lladdr "$TWIN_MAC_FW" dev qtc0 nud permanent
	ip -n "$1" neigh replace fd00:1::1 lladdr "$TWIN_MAC_FW" dev qtc0 nud permanent
	ip -n "$2" neigh replace 10.0.1.2 lladdr "$TWIN_MAC_C" dev qtf0 nud permanent
	ip -n "$2" neigh replace fd00:1::2 lladdr "$TWIN_MAC_C" dev qtf0 nud permanent
}

# twin_trio X: client NAME-cX, firewall NAME-fwX and server NAME-sX,
# IPv6 quiet, joined by veths qtc0 -- qtf0 and qts0 -- qtf1 (no
# address, down: the caller's to give); sets C_ FW_ S_.
twin_trio() {
	local x=$1
	qt_ns "c$x" || return 1; C_=$QT_NS
	qt_ns "fw$x" || return 1; FW_=$QT_NS
	qt_ns "s$x" || return 1; S_=$QT_NS
	ip6_quiet "$C_" "$FW_" "$S_"
	ip link add qtc0 netns "$C_" type veth peer name qtf0 netns "$FW_" || return 1
	ip link add qts0 netns "$S_" type veth peer name qtf1 netns "$FW_"
}

# twin_trio_up X: twin_trio X with qt_topo's addresses on both families
# (client 10.0.1.2, fd00:1::2 -- fw 10.0.1.1, fd00:1::1 | 10.0.2.1,
# fd00:2::1 -- server 10.0.2.2, fd00:2::2), the links up, the client's
# and the server's routes through the firewall, which forwards; sets
# C_ FW_ S_. Warming the neighbours is the caller's.
twin_trio_up() {
	twin_trio "$1" || return 1
	ip -n "$C_" addr add 10.0.1.2/24 dev qtc0
	ip -n "$FW_" addr add 10.0.1.1/24 dev qtf0
	ip -n "$FW_" addr add 10.0.2.1/24 dev qtf1
	ip -n "$S_" addr add 10.0.2.2/24 dev qts0
	ip -n "$C_" addr add fd00:1::2/64 dev qtc0 nodad
	ip -n "$FW_" addr add fd00:1::1/64 dev qtf0 nodad
	ip -n "$FW_" addr add fd00:2::1/64 dev qtf1 nodad
	ip -n "$S_" addr add fd00:2::2/64 dev qts0 nodad
	ip -n "$C_" link set qtc0 up
	ip -n "$FW_" link set qtf0 up
	ip -n "$FW_" link set qtf1 up
	ip -n "$S_" link set qts0 up
	ip -n "$C_" route add default via 10.0.1.1
	ip -n "$S_" route add default via 10.0.2.1
	ip -n "$C_" -6 route add default via fd00:1::1
	ip -n "$S_" -6 route add default via fd00:2::1
	ip netns exec "$FW_" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1
}

# twin_crafted_setup PREFIX: twin_init PREFIX, then twin_trio_up for
# qtablesd's side (sets C FW S) and for the kernel twin (KC KFW KS),
# each with its neighbours known before any packet of the test.
twin_crafted_setup() {
	twin_init "$1" || return 1
	local x
	for x in "" k; do
		twin_trio_up "$x" || return 1
		ip netns exec "$C_" ping -n -q -c 1 -w 5 10.0.2.2 >/dev/null 2>&1
		ip netns exec "$C_" ping -6 -n -q -c 1 -w 5 fd00:2::2 >/dev/null 2>&1
		if [ -n "$x" ]; then
			KC=$C_ KFW=$FW_ KS=$S_
		else
			C=$C_ FW=$FW_ S=$S_
		fi
	done
}

# crafted_side SCRIPT CLIENT FW SERVER OUT STEP...: SCRIPT (beside the
# .bats file) records what reaches the server's qts0 into OUT while the
# client runs each STEP, "VERB [ARG...]" ("sock" as it is, any other
# verb on qtc0 towards the firewall's MAC), its output in OUT.VERB, then
# sends the end datagram; back once the server stopped (a second after
# that, at most 60 s).
crafted_side() {
	local py=$BATS_TEST_DIRNAME/$1 c=$2 fw=$3 s=$4 out=$5 step mac
	shift 5
	mac=$(ip -n "$fw" -o link show qtf0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
	rm -f "$out.ready"
	ip netns exec "$s" "$PY" "$py" serve qts0 60 "$out.ready" \
		>"$out" 2>"$out.err" &
	local srv=$!
	BGPIDS+=("$srv")
	for _ in $(seq 500); do [ -e "$out.ready" ] && break; sleep 0.02; done
	for step in "$@"; do
		local w
		read -ra w <<<"$step"
		if [ "${w[0]}" = sock ]; then
			ip netns exec "$c" "$PY" "$py" sock >"$out.sock"
		else
			ip netns exec "$c" "$PY" "$py" "${w[0]}" qtc0 "$mac" \
				"${w[@]:1}" >"$out.${w[0]}"
		fi
	done
	ip netns exec "$c" "$PY" "$py" end qtc0 "$mac"
	wait "$srv" || true
}

# start_daemon [ARGS]: qtablesd in $FW with ARGS after --no-state (a
# --state of theirs wins), in the foreground of a background job, its
# log in $LOG.
# shellcheck disable=SC2120 # the .bats files pass ARGS
start_daemon() {
	LOG=$QT_RUN/log
	ip netns exec "$FW" "$QT_BUILD/qtablesd" --no-state --log-stderr \
		--no-syslog --handover-wait 0 "$@" 2>>"$LOG" 3>&- &
	DPID=$!
	for _ in $(seq 200); do
		qt_ready "$FW" && return 0
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.03
	done
	echo "qtablesd did not start:" >&2
	cat "$LOG" >&2
	return 1
}

# stop_daemon [SIGNAL]
stop_daemon() {
	[ -n "$DPID" ] || return 0
	kill "-${1:-TERM}" "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null || true
	DPID=
}

# nft of fw: qtables', or the kernel's with QT_ORACLE=1.
nftfw() {
	if [ -n "${QT_ORACLE:-}" ]; then
		ip netns exec "$FW" /usr/sbin/nft "$@"
	else
		ip netns exec "$FW" "$QT_BUILD/nft" "$@"
	fi
}

# nft of the qtables twin (qt) or of the kernel twin (k).
nft_of() {
	local side=$1; shift
	if [ "$side" = qt ]; then
		ip netns exec "$FW" "$QT_BUILD/nft" "$@"
	else
		ip netns exec "$FW2" /usr/sbin/nft "$@"
	fi
}

# same_twins FUNC [ARGS]: what `FUNC qt ARGS` and `FUNC k ARGS` print
# (standard output; either failing fails the test), printed, in $mine
# and $kern; the same, or the test fails.
same_twins() {
	local f=$1; shift
	mine=$("$f" qt "$@")
	kern=$("$f" k "$@")
	echo "qtables: $mine"; echo "kernel: $kern"
	[ "$mine" = "$kern" ]
}

# twin_start RULES: qtablesd started, RULES (nft -f) in both twins.
twin_start() {
	start_daemon || return 1
	echo "$1" | nft_of qt -f - || return 1
	echo "$1" | nft_of k -f -
}

# serving NS PORT [udp], right after a server's background job: the job
# ($!) ends with the test; waits until NS listens on TCP PORT (with udp,
# has a UDP socket on it).
serving() {
	BGPIDS+=("$!")
	local opts=-Hltn want=LISTEN
	[ "${3:-}" != udp ] || { opts=-Hlun; want=.; }
	for _ in $(seq 100); do
		ip netns exec "$1" ss "$opts" "sport = :$2" | grep -q "$want" && return 0
		sleep 0.02
	done
	return 1
}

# ask_from NS tcp|udp DST PORT [SRC SPORT]: one connection (datagram)
# from NS, IPv4 or IPv6 as DST is; prints the answer, "refused" or
# "timeout"
ask_from() {
	local ns=$1; shift
	ip netns exec "$ns" "$PY" - "$@" <<'PY'
import socket, sys
proto, dst, port = sys.argv[1:4]
src = sys.argv[4] if len(sys.argv) > 4 else ""
sport = int(sys.argv[5]) if len(sys.argv) > 5 else 0
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
if src or sport:
    s.bind((src, sport))
s.settimeout(2)
try:
    s.connect((dst, int(port)))
    if proto == "udp":
        s.send(b"hello")
    print(s.recv(100).decode().strip())
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")
PY
}

# fw's connection table in conntrack(8)'s lines: conntrack(8) on the
# kernel, qtables-conntrack on qtablesd; the timeout column (which
# runs) left out: ct_list [conntrack -L options]
ct_list() {
	if [ -n "${QT_ORACLE:-}" ]; then
		ip netns exec "$FW" conntrack -L "$@" 2>/dev/null
	else
		ip netns exec "$FW" "$QT_BUILD/qtables-conntrack" -L "$@" 2>/dev/null
	fi | awk '{ $3 = ""; print }' | sort
}
