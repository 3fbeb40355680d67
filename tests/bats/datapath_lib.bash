# Shared setup and helpers of tests/bats/datapath*.bats.
# shellcheck shell=bash

# scapy is only in the system python on some machines
PY=${QT_PY:-/usr/bin/python3}
[ -x "$PY" ] || PY=python3

setup() {
	QT_PREFIX=${QT_BATS_PREFIX:-qtdb}$$-$BATS_TEST_NUMBER
	# shellcheck source=../lib/qt.sh
	source "$BATS_TEST_DIRNAME/../lib/qt.sh"
	DP=$BATS_TEST_DIRNAME/dp.py
	[ -x "$QT_BUILD/qtablesd" ] || { echo "no $QT_BUILD/qtablesd (set QT_BUILD)" >&2; return 1; }
	BGPIDS=()
	DPID=
	qt_topo
	if [ -n "${QT_ORACLE:-}" ]; then
		# QT_ORACLE=1: the same tests against the kernel's own
		# iptables-nft (no daemon), to check what they expect
		qt() { ipt "$@"; }
		qt_save() { ipt_save "$@"; }
	else
		start_daemon || return 1
	fi
	# iptables-nft gives a built-in chain's policy a counter only once
	# -P was used on it: do so, so that policy counters are defined
	qt "$FW" -P FORWARD ACCEPT
}

# For tests of qtablesd itself (its log, stats, signals).
daemon_only() { [ -z "${QT_ORACLE:-}" ] || skip "qtablesd only"; }

teardown() {
	local p
	for p in "${BGPIDS[@]}"; do kill "$p" 2>/dev/null; done
	stop_daemon KILL
	qt_cleanup
}

# qtablesd in the foreground of a background job, LOG lines in $QT_RUN/log.
start_daemon() {
	LOG=$QT_RUN/log
	# a stop is a stop (no holder: handover.bats asks for one)
	ip netns exec "$FW" "$QT_BUILD/qtablesd" --no-state --log-stderr \
		--no-syslog --handover-wait 0 "$@" 2>"$LOG" &
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
	kill "-${1:-TERM}" "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null || true
	DPID=
}

# Packets of rule N of CHAIN (table $3, default filter).
cnt() {
	qt "$FW" -t "${3:-filter}" -L "$1" -v -n -x --line-numbers |
		awk -v n="$2" '$1 == n { print $2 }'
}
cnt_bytes() {
	qt "$FW" -t "${3:-filter}" -L "$1" -v -n -x --line-numbers |
		awk -v n="$2" '$1 == n { print $3 }'
}
# Packets of the policy of a built-in chain: "Chain X (policy P N packets, M bytes)"
policy_pkts() {
	qt "$FW" -t "${2:-filter}" -L "$1" -v -n -x |
		sed -n '1s/^Chain [^ ]* (policy [A-Z]* \([0-9]*\) packets, [0-9]* bytes)$/\1/p'
}

# pings N DST [ping args]: echo requests from the client, 20 ms apart;
# prints how many were answered.
pings() {
	local n=$1 dst=$2; shift 2
	ip netns exec "$C" ping -n -q -c "$n" -i 0.02 -W 0.3 "$@" "$dst" 2>/dev/null |
		awk '/received/ { print $4 }'
}

client_addr2() { ip -n "$C" addr add 10.0.1.3/24 dev qtc0; }

# A UDP counter on the server (or in namespace $2): recv_start PORT [NS]
# (it counts until recv_count says the senders are done)
recv_start() {
	RECV_OUT=$QT_RUN/recv.$1
	# a background job truncates its files only when it runs: an
	# earlier receiver's "ready" must not be read as this one's
	rm -f "$RECV_OUT.stop" "$RECV_OUT.err"
	ip netns exec "${2:-$S}" "$PY" "$DP" recv "$1" "${RECV_SECS:-3}" --quiet 0.3 \
		--stop-file "$RECV_OUT.stop" >"$RECV_OUT" 2>"$RECV_OUT.err" &
	RECV_PID=$!
	BGPIDS+=("$RECV_PID")
	for _ in $(seq 250); do
		grep -q ready "$RECV_OUT.err" 2>/dev/null && return 0
		sleep 0.02
	done
	return 1
}
# How many datagrams arrived: at most 0.3 s after the last one or after
# this call, whichever is later (the senders are done when it is called).
recv_count() {
	touch "$RECV_OUT.stop"
	# called in $(...): a subshell cannot wait for the receiver, so its
	# one line of output is what says it is done
	local t=0
	while [ ! -s "$RECV_OUT" ] && [ $t -lt 500 ]; do sleep 0.02; t=$((t + 1)); done
	cat "$RECV_OUT"
}
# udp_send DST PORT N [dp.py send options]: from the client (or $FROM)
udp_send() { ip netns exec "${FROM:-$C}" "$PY" "$DP" send "$@"; }

# A TCP server on the server that accepts and closes: tcp_listen PORT
tcp_listen() {
	ip netns exec "$S" socat TCP-LISTEN:"$1",reuseaddr,fork SYSTEM:'echo ok' \
		>/dev/null 2>&1 &
	BGPIDS+=("$!")
	for _ in $(seq 100); do
		ip netns exec "$S" ss -Hltn "sport = :$1" | grep -q LISTEN && return 0
		sleep 0.02
	done
	return 1
}

# Link-layer frames from the client (dp.py frame MAC DST PORT N ...).
frame() { ip netns exec "$C" "$PY" "$DP" frame "$@" >/dev/null; }
# The MAC address of interface $2 in namespace $1.
mac_of() {
	ip -n "$1" -j link show "$2" |
		"$PY" -c 'import json, sys; print(json.load(sys.stdin)[0]["address"])'
}

# seq_recv PORT: a receiver on the server noting the numbers of the
# datagrams that reach PORT; seq_got prints them, sorted, once the
# senders are done (0.3 s after the last datagram).
seq_recv() {
	SEQ_OUT=$QT_RUN/seq.$1
	rm -f "$SEQ_OUT.stop" "$SEQ_OUT.err"
	ip netns exec "$S" "$PY" -c '
import os, socket, sys, time
port, stop = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", port))
print("ready", file=sys.stderr, flush=True)
got, last, stopped = [], time.monotonic(), None
s.settimeout(0.05)
while True:
    try:
        got.append(int(s.recv(2048).split(b" ")[0]))
        last = time.monotonic()
    except socket.timeout:
        now = time.monotonic()
        if stopped is None and os.path.exists(stop):
            stopped = now
        if stopped is not None and now - max(last, stopped) > 0.3:
            break
        if now - last > 60:
            break
print(" ".join(str(n) for n in sorted(got)), flush=True)
' "$1" "$SEQ_OUT.stop" >"$SEQ_OUT" 2>"$SEQ_OUT.err" &
	BGPIDS+=("$!")
	for _ in $(seq 250); do
		grep -q ready "$SEQ_OUT.err" 2>/dev/null && return 0
		sleep 0.02
	done
	return 1
}
seq_got() {
	touch "$SEQ_OUT.stop"
	local t=0
	while [ ! -s "$SEQ_OUT" ] && [ $t -lt 500 ]; do sleep 0.02; t=$((t + 1)); done
	cat "$SEQ_OUT"
}

# The segments the server's TCP had to queue out of order (reordered or
# lost on the way): TcpExtTCPOFOQueue of its namespace.
ofo_segments() {
	ip netns exec "$S" awk '/^TcpExt:/ { if (!n) { n = split($0, h); next }
		for (i = 2; i <= NF; i++) if (h[i] == "TCPOFOQueue") print $i }' \
		/proc/net/netstat
}

# Each flow's packets taken in on one CPU at the firewall's and the
# server's veths (RPS over every CPU, chosen by the flow's hash), for
# the tests of order. A veth hands a packet to the backlog of the CPU
# that sent it, and a verdict's send is that sender: a queue thread
# the scheduler moves to the other CPU while softirqs wait for
# ksoftirqd (a loaded machine) can have its later segment overtake an
# earlier one through that CPU's backlog. That is the host's
# scheduling, not the verdicts' order, which is what the tests check:
# with RPS the wire keeps the order in which verdicts were sent.
flows_one_cpu() {
	local n mask
	n=$(nproc)
	[ "$n" -le 31 ] || n=31
	mask=$(printf %x $(((1 << n) - 1)))
	ip netns exec "$FW" sh -c "echo $mask >/sys/class/net/qtf0/queues/rx-0/rps_cpus"
	ip netns exec "$S" sh -c "echo $mask >/sys/class/net/qts0/queues/rx-0/rps_cpus"
}

# The addresses on both sides of the firewall resolved for good before
# a test of order sends: a flow's first packets wait in the kernel's
# queue of an unresolved neighbour, and when the answer comes that
# queue is flushed on the CPU that took it in while a packet sent on
# another CPU (a verdict's send) may already go straight out ahead of
# them: the neighbour table's order, with or without a firewall, not
# the verdicts'.
link_mac() { # NS DEV
	ip -n "$1" -j link show "$2" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)[0]["address"])'
}
neigh_known() {
	ip -n "$C" neigh replace 10.0.1.1 lladdr "$(link_mac "$FW" qtf0)" dev qtc0 nud permanent
	ip -n "$FW" neigh replace 10.0.1.2 lladdr "$(link_mac "$C" qtc0)" dev qtf0 nud permanent
	ip -n "$FW" neigh replace 10.0.2.2 lladdr "$(link_mac "$S" qts0)" dev qtf1 nud permanent
	ip -n "$S" neigh replace 10.0.2.1 lladdr "$(link_mac "$FW" qtf1)" dev qts0 nud permanent
}
