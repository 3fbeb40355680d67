#!/usr/bin/env bash
# The quickstart demonstration: qtablesd judging real packets.
#
#   client 10.0.1.2 --- firewall (qtablesd) --- server 10.0.2.2
#
# Three network namespaces; the firewall forwards between the two others
# and qtablesd decides every packet. A default ruleset is loaded with
# qtables-restore, then allowed and forbidden traffic is sent and the
# outcome, the counters, the engine's statistics and the LOG lines are
# printed. Everything is removed at the end, also on failure.
# QT_BUILD selects the build (default _build).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
QT_PREFIX=qtdemo$$
. "$top/tests/lib/qt.sh"

PID=
SRV_PIDS=()
cleanup() {
	local p
	for p in "${SRV_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	if [ -n "$PID" ]; then
		kill "$PID" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
	fi
	qt_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM

say() { printf '\n== %s\n' "$*"; }
ns_c() { ip netns exec "$C" "$@"; }

say "Three namespaces: client 10.0.1.2 -- firewall -- server 10.0.2.2"
qt_topo
log=$QT_RUN/qtablesd.log
ip netns exec "$FW" "$QT_BUILD/qtablesd" --no-state --no-syslog --log-stderr \
	--handover-wait 0 2>"$log" &
PID=$!
for _ in $(seq 100); do qt "$FW" -L >/dev/null 2>&1 && break; sleep 0.05; done
qt "$FW" -L >/dev/null || { echo "qtablesd did not start:"; cat "$log"; exit 1; }
echo "qtablesd runs in the firewall namespace (PID $PID)"

# Services on the server: a tiny web server on 80, something listening
# on 22 (stands in for sshd) and on 8080 (a port the rules do not open).
for port in 80 22 8080; do
	ip netns exec "$S" socat TCP-LISTEN:$port,fork,reuseaddr \
		SYSTEM:"echo HTTP/1.0 200 OK; echo; echo hello from the server port $port" \
		2>/dev/null &
	SRV_PIDS+=($!)
done

rules=$QT_RUN/rules.v4
cat >"$rules" <<'EOF'
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:LOGDROP - [0:0]
# The firewall itself: loopback, replies, and pings at a limited rate.
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A INPUT -p icmp --icmp-type echo-request -m limit --limit 2/sec --limit-burst 5 -j ACCEPT
-A INPUT -j LOGDROP
# Pings to the server: 2 a second, bursts of 5, whatever their state (a
# ping's requests share one connection: after the first reply they are
# ESTABLISHED, so the limit comes first).
-A FORWARD -i qtf0 -o qtf1 -d 10.0.2.2 -p icmp --icmp-type echo-request -m limit --limit 2/sec --limit-burst 5 -j ACCEPT
-A FORWARD -p icmp --icmp-type echo-request -j DROP
# Stateful: what belongs to a connection already let through passes; a
# packet that fits no connection is dropped.
-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A FORWARD -m conntrack --ctstate INVALID -j DROP
# New connections, from the client side only:
# SSH to the server: 3 new connections a minute per source address.
-A FORWARD -i qtf0 -o qtf1 -d 10.0.2.2 -p tcp --dport 22 -m conntrack --ctstate NEW -m hashlimit --hashlimit-upto 3/min --hashlimit-burst 3 --hashlimit-mode srcip --hashlimit-name ssh -j ACCEPT
# The web service on the server.
-A FORWARD -i qtf0 -o qtf1 -d 10.0.2.2 -p tcp --dport 80 -m conntrack --ctstate NEW -j ACCEPT
-A FORWARD -j LOGDROP
# Log what is dropped (at most 5 lines a second), then drop it.
-A LOGDROP -m limit --limit 5/sec --limit-burst 10 -j LOG --log-prefix "qtables drop: "
-A LOGDROP -j DROP
COMMIT
EOF
say "The ruleset, loaded with: qtables-restore < rules.v4"
cat "$rules"
ip netns exec "$FW" "$QT_BUILD/qtables-restore" <"$rules"

# One TCP request from the client; prints the answer or "" on a timeout.
tcp_get() {
	ns_c timeout 3 socat -T2 - TCP:10.0.2.2:"$1",connect-timeout=1 \
		</dev/null 2>/dev/null | tail -1 || true
}
result() { printf '  %-48s %s\n' "$1" "$2"; }

say "Traffic from the client"
out=$(tcp_get 80)
result "HTTP to server port 80 (allowed)" \
	"$([ -n "$out" ] && echo "PASSED: \"$out\"" || echo "refused")"
out=$(tcp_get 8080)
result "TCP to server port 8080 (not allowed)" \
	"$([ -n "$out" ] && echo "PASSED: \"$out\"" || echo "refused (dropped, connect timed out)")"
rx=$(ns_c ping -c 3 -i 0.2 -W 1 10.0.2.2 | sed -n 's/.* \([0-9]*\) received.*/\1/p')
result "3 pings to the server, 5 a second" "$rx of 3 answered"
rx=$(ns_c ping -c 50 -i 0.01 -W 1 10.0.2.2 | sed -n 's/.* \([0-9]*\) received.*/\1/p')
result "ping flood: 50 pings at 100 a second" "$rx of 50 answered (limit 2/s, burst 5)"
rx=$(ns_c ping -c 3 -i 0.2 -W 1 10.0.1.1 | sed -n 's/.* \([0-9]*\) received.*/\1/p')
result "3 pings to the firewall itself" "$rx of 3 answered"
ok=0
for _ in 1 2 3 4 5 6; do
	out=$(tcp_get 22)
	[ -n "$out" ] && ok=$((ok + 1))
done
result "6 SSH connections in a row to port 22" "$ok passed, $((6 - ok)) refused (3/min per source)"

say "qtables -L -v -n (counters)"
qt "$FW" -L -v -n
say "qtables --stats (the engine)"
ip netns exec "$FW" "$QT_BUILD/qtables" --stats
say "LOG lines (qtablesd --log-stderr; they also go to syslog without --no-syslog)"
n=$(grep -c 'qtables drop: ' "$log" || true)
grep 'qtables drop: ' "$log" | head -8
[ "$n" -le 8 ] || echo "... ($n lines in all)"
echo
echo "Done: stopping qtablesd and deleting the namespaces."
