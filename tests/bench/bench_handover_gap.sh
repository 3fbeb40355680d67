#!/usr/bin/env bash
# Benchmark, not a test: prints numbers, asserts nothing (its exit status
# says only whether every flow came through whole).
#
#   tests/bench/bench_handover_gap.sh     (as root; about a minute)
#   environment: ROUNDS (5), BENCH_PREFIX (the namespaces' prefix)
#
# How long a connection through qtablesd stalls while the daemon is
# replaced, measured at the receiver: a TCP flow (tests/bats/flow.py, a
# line every 10 ms) from client to server through the fw namespace of
# tests/lib/qt.sh qt_topo under a strict ruleset (FORWARD DROP,
# ESTABLISHED,RELATED accepted, NEW only with --syn), for 3 seconds in
# three ways every round:
#   steady    the daemon runs throughout: the gap the machine itself
#             makes (scheduling, the sender's timer);
#   restart   SIGTERM, and a fresh qtablesd started the moment the old
#             one has exited, as a service manager restarts a service
#             (the handover through the holder process);
#   beside    qtablesd --handover started beside the running daemon.
# Printed: each flow's longest gap between two lines, then the medians
# and restart/steady, beside/steady. The target is a replacement gap
# under 50 ms. tests/bats/handover.bats checks that such flows lose,
# reorder and reset nothing; the time is measured here, not there.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${ROUNDS:-5}
[ "$(id -u)" = 0 ] || { echo "bench: run as root (network namespaces)" >&2; exit 1; }
QT_PREFIX=${BENCH_PREFIX:-qtbh$$}
. "$top/tests/lib/qt.sh"
B=$QT_BUILD
. "$top/tests/bench/e2e_lib.sh"
[ -x "$B/qtablesd" ] || { echo "bench: no $B/qtablesd (set QT_BUILD; make it)" >&2; exit 1; }
FLOW=$top/tests/bats/flow.py
STATE=$QT_RUN/rules.v4
pids=()
trap e2e_cleanup EXIT
trap 'exit 1' INT TERM

qt_topo

# qtablesd in the foreground of a background job: $DPID
daemon_start() {
	ip netns exec "$FW" "$B/qtablesd" --state "$STATE" --handover-wait 5 \
		--log-stderr --no-syslog "$@" 2>>"$QT_RUN/log" &
	DPID=$!
	pids+=("$DPID")
	e2e_ready "$FW"
}
daemon_start
qt "$FW" -P FORWARD DROP
qt "$FW" -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
qt "$FW" -A FORWARD -p tcp --syn -j ACCEPT

flow_start() {
	# the last flow's files go first: the background job truncates them
	# only when it runs, and an old "ready" would be read as the new one's
	rm -f "$QT_RUN/srv" "$QT_RUN/srv.err" "$QT_RUN/cli"
	ip netns exec "$S" python3 "$FLOW" serve 5001 >"$QT_RUN/srv" 2>"$QT_RUN/srv.err" &
	SRV=$!
	pids+=("$SRV")
	for _ in $(seq 100); do
		grep -q ready "$QT_RUN/srv.err" && break
		sleep 0.02
	done
	ip netns exec "$C" python3 "$FLOW" send 10.0.2.2 5001 3 >"$QT_RUN/cli" &
	CLIENT=$!
	pids+=("$CLIENT")
}
# the flow's longest gap in ms, in $GAP (these run in the script's own
# shell, not in $(...): restart and beside change $DPID); fails when the
# flow did not come whole
flow_gap() {
	wait "$CLIENT"
	for _ in $(seq 100); do [ -s "$QT_RUN/srv" ] && break; sleep 0.05; done
	wait "$SRV" 2>/dev/null || true
	local lines= inorder= gap= end=
	read -r _ lines _ inorder _ gap _ end <"$QT_RUN/srv" || true
	if [ "$inorder" != 1 ] || [ "$end" != eof ]; then
		echo "bench: the flow did not come through whole:" \
			"client: $(cat "$QT_RUN/cli"), server: $(cat "$QT_RUN/srv")" >&2
		cat "$QT_RUN"/log* >&2
		return 1
	fi
	GAP=$gap
}

steady() { flow_start; flow_gap; }
restart() {
	flow_start
	sleep 1
	ip netns exec "$FW" python3 "$FLOW" exec-after "$DPID" \
		"$B/qtablesd" --state "$STATE" --handover-wait 5 --log-stderr \
		--no-syslog 2>"$QT_RUN/log.next" &
	local next=$!
	pids+=("$next")
	for _ in $(seq 250); do
		grep -q '^exec-after: watching' "$QT_RUN/log.next" && break
		sleep 0.02
	done
	kill -TERM "$DPID"
	wait "$DPID" || true
	DPID=$next
	e2e_ready "$FW"
	flow_gap
}
beside() {
	flow_start
	sleep 1
	local old=$DPID
	daemon_start --handover
	wait "$old" || true
	flow_gap
}

S_=() R_=() H_=()
printf '%-6s %10s %10s %10s   (longest gap at the receiver, ms)\n' round steady restart beside
for r in $(seq "$rounds"); do
	steady; S_+=("$GAP")
	restart; R_+=("$GAP")
	beside; H_+=("$GAP")
	printf '%-6s %10s %10s %10s\n' "$r" "${S_[-1]}" "${R_[-1]}" "${H_[-1]}"
done
ms=$(e2e_median "${S_[@]}"); mr=$(e2e_median "${R_[@]}"); mh=$(e2e_median "${H_[@]}")
printf '%-6s %10s %10s %10s\n' median "$ms" "$mr" "$mh"
echo "restart/steady $(e2e_ratio "$mr" "$ms"), beside/steady $(e2e_ratio "$mh" "$ms"); target: a replacement gap under 50 ms"
