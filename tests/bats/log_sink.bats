#!/usr/bin/env bats
# -j LOG lines where admins look: the journal (native protocol) when its
# socket exists, else syslog, else /dev/kmsg (dmesg). The sockets are the
# test's own listeners (log_listen.py), named by QTABLES_JOURNAL_SOCKET and
# QTABLES_SYSLOG_SOCKET; a packet on loopback of a namespace of our own
# meets a LOG rule at OUTPUT.

bats_require_minimum_version 1.5.0

PY=${QT_PY:-/usr/bin/python3}
[ -x "$PY" ] || PY=python3

setup() {
	QT_PREFIX=qtls$$-$BATS_TEST_NUMBER
	# shellcheck source=../lib/qt.sh
	source "$BATS_TEST_DIRNAME/../lib/qt.sh"
	[ -x "$QT_BUILD/qtablesd" ] || { echo "no $QT_BUILD/qtablesd (set QT_BUILD)" >&2; return 1; }
	LISTEN=$BATS_TEST_DIRNAME/log_listen.py
	BGPIDS=()
	DPID=
	TAG="qtls$$t$BATS_TEST_NUMBER: "
	qt_ns fw || return 1
	FW=$QT_NS
}

teardown() {
	local p
	[ -z "$DPID" ] || { kill "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null || true; }
	for p in "${BGPIDS[@]}"; do kill "$p" 2>/dev/null; done
	qt_cleanup
}

# listen KIND NAME: a listener at $QT_RUN/NAME writing $QT_RUN/NAME.out
listen() {
	"$PY" "$LISTEN" "$1" "$QT_RUN/$2" "$QT_RUN/$2.out" &
	BGPIDS+=($!)
	for _ in $(seq 100); do
		[ -e "$QT_RUN/$2.out.ready" ] && return 0
		sleep 0.05
	done
	echo "listener $2 did not start" >&2
	return 1
}

# qtablesd in the foreground of a background job (the environment is the
# caller's), stderr in $QT_RUN/err
start_daemon() {
	ip netns exec "$FW" "$QT_BUILD/qtablesd" --no-state 2>"$QT_RUN/err" &
	DPID=$!
	for _ in $(seq 100); do
		qt_ready "$FW" && return 0
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.03
	done
	cat "$QT_RUN/err" >&2
	return 1
}

# one UDP datagram to 127.0.0.1:5001 meets LOG at OUTPUT
log_one() {
	qt "$FW" -A OUTPUT -o lo -p udp --dport 5001 -j LOG --log-prefix "$TAG" \
		--log-level "${1:-notice}"
	ip netns exec "$FW" bash -c 'echo x > /dev/udp/127.0.0.1/5001'
}

# wait until FILE has a line with the tag
wait_line() {
	for _ in $(seq 100); do
		grep -qF "$TAG" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

@test "journal socket: the LOG line with the kernel's fields (native protocol)" {
	listen journal journal
	export QTABLES_JOURNAL_SOCKET=$QT_RUN/journal
	export QTABLES_SYSLOG_SOCKET=$QT_RUN/none
	start_daemon
	log_one notice
	wait_line "$QT_RUN/journal.out"
	cat "$QT_RUN/journal.out"
	"$PY" - "$QT_RUN/journal.out" "$TAG" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
r = [x for x in recs if x.get("MESSAGE", "").startswith(sys.argv[2])]
assert len(r) == 1, recs
r = r[0]
assert r["PRIORITY"] == "5", r
assert r["SYSLOG_IDENTIFIER"] == "kernel", r
assert r["SYSLOG_FACILITY"] == "0", r
assert " OUT=lo SRC=127.0.0.1 DST=127.0.0.1 " in r["MESSAGE"], r
assert "PROTO=UDP" in r["MESSAGE"] and "DPT=5001" in r["MESSAGE"], r
EOF
	run ip netns exec "$FW" "$QT_BUILD/qtables" --stats
	echo "$output" | grep '^log:'
	echo "$output" | grep -qF "log: LOG lines to journal ($QT_RUN/journal): written 1, not written 0"
}

@test "no journal, a syslog socket: <kern.level>kernel: line" {
	listen syslog log
	export QTABLES_JOURNAL_SOCKET=$QT_RUN/none
	export QTABLES_SYSLOG_SOCKET=$QT_RUN/log
	start_daemon
	log_one warning
	wait_line "$QT_RUN/log.out"
	cat "$QT_RUN/log.out"
	grep -q "\"raw\": \"<4>kernel: ${TAG}IN= OUT=lo SRC=127.0.0.1 " "$QT_RUN/log.out"
	ip netns exec "$FW" "$QT_BUILD/qtables" --stats | grep -qF "log: LOG lines to syslog ($QT_RUN/log): written 1,"
}

@test "neither: /dev/kmsg, read back with dmesg" {
	[ -w /dev/kmsg ] || skip "no writable /dev/kmsg"
	dmesg >/dev/null 2>&1 || skip "dmesg cannot read the kernel's log"
	export QTABLES_JOURNAL_SOCKET=$QT_RUN/none
	export QTABLES_SYSLOG_SOCKET=$QT_RUN/none
	start_daemon
	log_one info
	local out=
	for _ in $(seq 50); do
		out=$(dmesg -x | grep -F "$TAG") && break
		sleep 0.05
	done
	echo "$out"
	[ "$(echo "$out" | wc -l)" -eq 1 ]
	# the level is the rule's; the kernel files user writes as "user"
	echo "$out" | grep -qE "^user  ?:info  ?: \[ *[0-9.]+\] ${TAG}IN= OUT=lo SRC=127\.0\.0\.1 DST=127\.0\.0\.1 .*PROTO=UDP SPT=[0-9]+ DPT=5001 "
	ip netns exec "$FW" "$QT_BUILD/qtables" --stats | grep -qF "log: LOG lines to kmsg (/dev/kmsg)"
}

@test "lines that cannot be written are counted; the daemon goes on" {
	listen journal journal
	export QTABLES_JOURNAL_SOCKET=$QT_RUN/journal
	start_daemon
	# the listener goes away after the daemon chose it
	kill "${BGPIDS[0]}"
	wait "${BGPIDS[0]}" 2>/dev/null || true
	rm -f "$QT_RUN/journal"
	log_one notice
	ip netns exec "$FW" bash -c 'echo x > /dev/udp/127.0.0.1/5001'
	local st=
	for _ in $(seq 50); do
		st=$(ip netns exec "$FW" "$QT_BUILD/qtables" --stats | grep '^log:')
		[[ $st == *"not written 2;"* ]] && break
		sleep 0.05
	done
	echo "$st"
	[[ $st == "log: LOG lines to journal ($QT_RUN/journal): written 0, not written 2;"* ]]
	qt "$FW" -S OUTPUT >/dev/null
}

@test "--no-syslog: LOG lines go to no system log" {
	listen journal journal
	export QTABLES_JOURNAL_SOCKET=$QT_RUN/journal
	ip netns exec "$FW" "$QT_BUILD/qtablesd" --no-state --no-syslog 2>"$QT_RUN/err" &
	DPID=$!
	for _ in $(seq 100); do qt_ready "$FW" && break; sleep 0.03; done
	log_one notice
	sleep 0.3
	[ ! -s "$QT_RUN/journal.out" ]
	ip netns exec "$FW" "$QT_BUILD/qtables" --stats | grep -q '^log: LOG lines to no system log: written 0'
}
