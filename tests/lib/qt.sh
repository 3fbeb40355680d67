# Test helpers: source this file from bash tests.
#
#   qt_ns NAME          create namespace "$QT_PREFIX-NAME" (lo up); its name
#                       is then in $QT_NS (not printed: call it directly,
#                       not in $(...), so cleanup knows about it)
#   qt_daemon NS [ARGS] start qtablesd in NS (no state file unless ARGS say)
#   qt NS ARGS...       run qtables as `iptables` in NS
#   qt_save NS / qt_restore NS ARGS
#   ipt NS ARGS...      the real iptables (nft) in NS: the oracle
#   qt_cleanup          stop our daemons by PID, delete our namespaces
#
# Every namespace and process is ours: the prefix carries our PID.
QT_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
QT_BUILD=${QT_BUILD:-$QT_TOP/_build}
QT_PREFIX=${QT_PREFIX:-qt$$}
QT_RUN=${QT_RUN:-$(mktemp -d /tmp/qtrun.XXXXXX)}
QT_NSES=()

qt_ns() {
	local ns="$QT_PREFIX-$1"
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up
	QT_NSES+=("$ns")
	QT_NS=$ns
}

qt_daemon() {
	local ns=$1; shift
	local args=("$@")
	[ ${#args[@]} -gt 0 ] || args=(--no-state)
	# a stop is a stop here (no holder waits for a next daemon):
	# tests/bats/handover.bats asks for one
	ip netns exec "$ns" "$QT_BUILD/qtablesd" --daemon \
		--pidfile "$QT_RUN/$ns.pid" --handover-wait 0 "${args[@]}"
}

qt() { local ns=$1; shift; ip netns exec "$ns" "$QT_BUILD/iptables" "$@"; }
# Does NS's qtablesd answer? Asked under the name qtables, which never
# hands a namespace without a daemon to the kernel's iptables-nft as the
# iptables names do (ipc/kernel_fallback.h).
qt_ready() { ip netns exec "$1" "$QT_BUILD/qtables" -S >/dev/null 2>&1; }
qt_save() { local ns=$1; shift; ip netns exec "$ns" "$QT_BUILD/iptables-save" "$@"; }
qt_restore() { local ns=$1; shift; ip netns exec "$ns" "$QT_BUILD/iptables-restore" "$@"; }
ipt() { local ns=$1; shift; ip netns exec "$ns" /usr/sbin/iptables-nft "$@"; }
ipt_save() { local ns=$1; shift; ip netns exec "$ns" /usr/sbin/iptables-nft-save "$@"; }
ipt_restore() { local ns=$1; shift; ip netns exec "$ns" /usr/sbin/iptables-nft-restore "$@"; }

# Is process $1 still running? A daemon's exited process waits as a
# zombie until PID 1 reaps it (the orphan of --daemon's fork), which some
# init processes do only after a second or more: kill -0 still succeeds
# on a zombie, so its state is read instead.
qt_alive() {
	local st
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

qt_stop_daemon() {
	local ns=$1 pidf="$QT_RUN/$1.pid"
	if [ -f "$pidf" ]; then
		local pid; pid=$(cat "$pidf")
		kill "$pid" 2>/dev/null
		for _ in $(seq 50); do qt_alive "$pid" || break; sleep 0.05; done
		rm -f "$pidf"
	fi
}

qt_cleanup() {
	local ns
	for ns in "${QT_NSES[@]}"; do
		qt_stop_daemon "$ns"
		ip netns del "$ns" 2>/dev/null
	done
	QT_NSES=()
	rm -rf "$QT_RUN"
}

# The datapath tests' three namespaces:
#   client $C (10.0.1.2, qtc0) -- fw $FW (qtf0 10.0.1.1 | qtf1 10.0.2.1)
#   -- server $S (10.0.2.2, qts0); fw forwards. Sets C, FW, S.
qt_topo() {
	qt_ns c || return 1; C=$QT_NS
	qt_ns fw || return 1; FW=$QT_NS
	qt_ns s || return 1; S=$QT_NS
	ip link add qtc0 netns "$C" type veth peer name qtf0 netns "$FW" || return 1
	ip link add qts0 netns "$S" type veth peer name qtf1 netns "$FW" || return 1
	ip -n "$C" addr add 10.0.1.2/24 dev qtc0
	ip -n "$FW" addr add 10.0.1.1/24 dev qtf0
	ip -n "$FW" addr add 10.0.2.1/24 dev qtf1
	ip -n "$S" addr add 10.0.2.2/24 dev qts0
	ip -n "$C" link set qtc0 up
	ip -n "$FW" link set qtf0 up
	ip -n "$FW" link set qtf1 up
	ip -n "$S" link set qts0 up
	ip -n "$C" route add default via 10.0.1.1
	ip -n "$S" route add default via 10.0.2.1
	ip netns exec "$FW" sysctl -qw net.ipv4.ip_forward=1
}

# ct_closed ARGS...: the test's ct_list ARGS once the TCP entry it shows
# reached TIME_WAIT (2 s at most): a close's last ACK may still be in
# the queue when the exchange that made it returns.
ct_closed() {
	local out _
	for _ in $(seq 40); do
		out=$(ct_list "$@")
		[[ $out != *TIME_WAIT* ]] || break
		sleep 0.05
	done
	echo "$out"
}
