#!/usr/bin/env bats
# qtablesd as a systemd service: the units pass systemd-analyze verify;
# under a notification socket of the test's own (log_listen.py notify,
# standing in for the service manager) READY=1 comes only once the saved
# ruleset runs and the steering rules are in place, the watchdog is
# pinged, and SIGHUP reads an edited state file again.

bats_require_minimum_version 1.5.0

PY=${QT_PY:-/usr/bin/python3}
[ -x "$PY" ] || PY=python3

setup() {
	QT_PREFIX=qtsd$$-$BATS_TEST_NUMBER
	# shellcheck source=../lib/qt.sh
	source "$BATS_TEST_DIRNAME/../lib/qt.sh"
	[ -x "$QT_BUILD/qtablesd" ] || { echo "no $QT_BUILD/qtablesd (set QT_BUILD)" >&2; return 1; }
	UNITS=$BATS_TEST_DIRNAME/../../systemd
	BGPIDS=()
	DPID=
}

teardown() {
	local p
	# helpers first: a daemon blocked writing to one of them stops only
	# once it is gone
	for p in "${BGPIDS[@]}"; do kill "$p" 2>/dev/null; done
	[ -z "$DPID" ] || { kill "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null || true; }
	qt_cleanup
}

# the notification socket at $QT_RUN/notify, datagrams in $QT_RUN/notify.out
listen_notify() {
	"$PY" "$BATS_TEST_DIRNAME/log_listen.py" notify "$QT_RUN/notify" "$QT_RUN/notify.out" &
	BGPIDS+=($!)
	for _ in $(seq 100); do
		[ -e "$QT_RUN/notify.out.ready" ] && return 0
		sleep 0.05
	done
	return 1
}

# the number of datagrams that set NAME=VALUE
count() {
	"$PY" -c 'import json,sys
n = sum(1 for l in open(sys.argv[1]) if json.loads(l).get(sys.argv[2]) == sys.argv[3])
print(n)' "$QT_RUN/notify.out" "$1" "$2" 2>/dev/null || echo 0
}

wait_count() {   # NAME VALUE N
	for _ in $(seq 200); do
		[ "$(count "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.05
	done
	return 1
}

@test "systemd-analyze verify: qtablesd.service and qtablesd@.service" {
	command -v systemd-analyze >/dev/null || skip "no systemd-analyze"
	local d; d=$(mktemp -d /tmp/qtsd-units.XXXXXX)
	# the units name the installed program; verify checks it exists
	sed "s|/usr/sbin/qtablesd|$QT_BUILD/qtablesd|" "$UNITS/qtablesd.service" \
		> "$d/qtablesd.service"
	sed "s|/usr/sbin/qtablesd|$QT_BUILD/qtablesd|" "$UNITS/qtablesd@.service" \
		> "$d/qtablesd@fw.service"
	run systemd-analyze verify --man=no "$d/qtablesd.service" "$d/qtablesd@fw.service"
	rm -rf "$d"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# what the service promises
	local u
	for u in qtablesd.service qtablesd@.service; do
		grep -qx 'Type=notify' "$UNITS/$u"
		grep -qx 'DefaultDependencies=no' "$UNITS/$u"
		grep -qx 'Before=network-pre.target shutdown.target' "$UNITS/$u"
		grep -qx 'Wants=network-pre.target' "$UNITS/$u"
		grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$UNITS/$u"
		grep -q '^WatchdogSec=' "$UNITS/$u"
		grep -qx 'ProtectSystem=strict' "$UNITS/$u"
		grep -q '^StateDirectory=qtables' "$UNITS/$u"
	done
	grep -qx 'NetworkNamespacePath=/run/netns/%i' "$UNITS/qtablesd@.service"
}

@test "READY=1 only once the saved ruleset runs and steering is in place; watchdog pings; SIGHUP reloads" {
	qt_ns fw; FW=$QT_NS
	local state=$QT_RUN/rules.v4
	printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n' > "$state"
	# what the namespace looks like the moment READY=1 arrives
	# (the listener holds qtablesd stopped meanwhile)
	export LISTEN_ON_READY="ip netns exec $FW /usr/sbin/iptables-nft -t mangle -S"
	listen_notify
	# restore text, not yet a state file: --state-recover takes it once
	NOTIFY_SOCKET=$QT_RUN/notify WATCHDOG_USEC=1000000 \
		ip netns exec "$FW" "$QT_BUILD/qtablesd" --state "$state" \
		--state-recover "$state" 2>"$QT_RUN/err" &
	DPID=$!
	wait_count READY 1 1 || { cat "$QT_RUN/err" "$QT_RUN/notify.out"; false; }
	local at_ready
	at_ready=$("$PY" -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("READY") == "1":
        print(r["on_ready"]); break' "$QT_RUN/notify.out")
	echo "$at_ready"
	# the steering chains (mangle) and their jumps were there (they are
	# installed once the saved ruleset compiled)
	echo "$at_ready" | grep -qx -- '-N QTABLES-IN'
	echo "$at_ready" | grep -qx -- '-A INPUT -j QTABLES-IN'
	run qt "$FW" -S INPUT
	[ "${lines[1]}" = "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT" ]
	grep -q '"MAINPID": "'"$DPID"'"' "$QT_RUN/notify.out"

	# the watchdog: a ping each half second while the threads go round
	wait_count WATCHDOG 1 4

	# an admin puts a ruleset (iptables-save text) there and reloads;
	# it is written back as a state file
	grep -q '^# qtablesd end:' "$state"
	printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 80 -j ACCEPT\nCOMMIT\n' > "$state"
	kill -HUP "$DPID"
	wait_count READY 1 2
	[ "$(count RELOADING 1)" -eq 1 ]
	run qt "$FW" -S INPUT
	echo "$output"
	[ "${lines[2]}" = "-A INPUT -p tcp -m tcp --dport 80 -j ACCEPT" ]
	for _ in $(seq 50); do grep -q '^# qtablesd end:' "$state" && break; sleep 0.1; done
	grep -q '^# qtablesd end:' "$state"
	# and one whose trailer no longer checks (edited in place) is refused
	sed -i 's/--dport 80/--dport 81/' "$state"
	kill -HUP "$DPID"
	wait_count READY 1 3
	run qt "$FW" -S INPUT
	[ "${lines[2]}" = "-A INPUT -p tcp -m tcp --dport 80 -j ACCEPT" ]

	# a file that does not load changes nothing: the running rules stay
	echo '-A INPUT -p nosuchproto -j ACCEPT' > "$state"
	kill -HUP "$DPID"
	wait_count READY 1 4
	run qt "$FW" -S INPUT
	[ "${lines[2]}" = "-A INPUT -p tcp -m tcp --dport 80 -j ACCEPT" ]
	grep -q 'SIGHUP: .* not loaded; the running ruleset stays' "$QT_RUN/err"
	kill -0 "$DPID"

	kill "$DPID"; wait "$DPID" || true; DPID=
	[ "$(count STOPPING 1)" -eq 1 ]
}

@test "a watchdog meant for another process (WATCHDOG_PID) gets no pings" {
	qt_ns fw; FW=$QT_NS
	listen_notify
	# a watchdog meant for another process is not ours to ping
	NOTIFY_SOCKET=$QT_RUN/notify WATCHDOG_USEC=400000 WATCHDOG_PID=1 \
		ip netns exec "$FW" "$QT_BUILD/qtablesd" --no-state 2>"$QT_RUN/err" &
	DPID=$!
	wait_count READY 1 1
	sleep 1
	[ "$(count WATCHDOG 1)" -eq 0 ]
}

@test "the watchdog pings stop while a queue thread is stuck (LOG to a stderr nobody reads)" {
	qt_ns fw; FW=$QT_NS
	listen_notify
	# stderr is a pipe whose reader never reads: once its buffer is full,
	# the queue thread writing LOG lines there blocks
	mkfifo "$QT_RUN/stuck"
	sleep 600 <"$QT_RUN/stuck" >/dev/null 2>&1 &
	local reader=$!
	BGPIDS+=($reader)
	NOTIFY_SOCKET=$QT_RUN/notify WATCHDOG_USEC=1000000 \
		ip netns exec "$FW" "$QT_BUILD/qtablesd" --no-state --no-syslog \
		--log-stderr 2>"$QT_RUN/stuck" &
	DPID=$!
	wait_count READY 1 1
	wait_count WATCHDOG 1 3
	qt "$FW" -A OUTPUT -o lo -p udp --dport 5001 -j LOG --log-prefix "a-long-prefix-for-lines: "
	# about 200 bytes a line: 2000 lines are several pipe buffers
	ip netns exec "$FW" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(2000):
    s.sendto(b"x", ("127.0.0.1", 5001))' &
	BGPIDS+=($!)
	sleep 2.5
	local n1; n1=$(count WATCHDOG 1)
	sleep 2
	local n2; n2=$(count WATCHDOG 1)
	echo "pings: $n1 then $n2"
	[ "$n2" -eq "$n1" ]
	# the reader goes: writes fail (EPIPE), the thread goes on, pings too
	kill "$reader"
	wait_count WATCHDOG 1 $((n2 + 2))
}

@test "the daemon works inside the unit's limits: its capability bounding set, no new privileges, a read-only root but its state" {
	command -v setpriv >/dev/null || skip "no setpriv"
	# the capabilities the unit keeps, as setpriv spells them
	local caps
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNITS/qtablesd.service" |
		tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
	[ -n "$caps" ]
	mkdir -p "$QT_RUN/state"
	printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n' \
		> "$QT_RUN/state/rules.v4"
	# a mount namespace of its own (ProtectSystem=strict: all read-only
	# but the state directory) and a network namespace of its own
	run unshare --mount --net --propagation private bash -c '
		set -e
		ip link set lo up
		mount --bind "$1/state" "$1/state"
		mount -o remount,bind,ro /
		! touch /etc/qtables-sandbox-probe 2>/dev/null || exit 1
		setpriv --bounding-set "-all,$2" --inh-caps=-all --no-new-privs \
			"$3/qtablesd" --state "$1/state/rules.v4" --daemon \
			--state-recover "$1/state/rules.v4" \
			--pidfile "$1/state/pid"
		"$3/iptables" -A INPUT -p udp --dport 53 -j ACCEPT
		"$3/iptables" -S INPUT
		/usr/sbin/iptables-nft -t mangle -S INPUT
		grep -c -- "-j ACCEPT" "$1/state/rules.v4"
		grep CapBnd "/proc/$(cat "$1/state/pid")/status"
		kill "$(cat "$1/state/pid")"' sh "$QT_RUN" "$caps" "$QT_BUILD"
	echo "$output"
	[ "$status" -eq 0 ]
	# rules loaded and changed, steering installed, the state written
	grep -qx -- '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT' <<<"$output"
	grep -qx -- '-A INPUT -p udp -m udp --dport 53 -j ACCEPT' <<<"$output"
	grep -qx -- '-A INPUT -j QTABLES-IN' <<<"$output"
	grep -qx '2' <<<"$output"
	# CAP_NET_ADMIN (12) and CAP_NET_RAW (13) only
	grep -qx $'CapBnd:\t0000000000003000' <<<"$output"
}
