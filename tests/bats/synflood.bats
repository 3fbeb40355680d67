#!/usr/bin/env bats
# A SYN flood from random sources (hping3 --flood -S --rand-source, 30 s)
# through qtablesd --ct-max 5000 with a stateful ruleset (ESTABLISHED
# accept, NEW tcp 80 accept, policy DROP), in the fw namespace of
# qt_topo (client 10.0.1.2 -- fw -- server 10.0.2.2). While it lasts:
# the connection table fills to its bound and no further, the daemon
# answers, its memory stays bounded, and a connection opened before the
# flood keeps working (slowly perhaps: the flood takes both cores, so
# each echo gets 5 s, but every one must come back). After it: the table
# is still within its bound and -S counted what could not get in.

bats_require_minimum_version 1.5.0

load datapath_lib

FLOOD_SECS=30
CT_MAX=5000

ctc() { ip netns exec "$FW" "$QT_BUILD/qtables-conntrack" "$@"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$DPID/status"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

@test "synflood: 30 s of random-source SYNs against --ct-max 5000: bounded table and memory, daemon answers, an established connection keeps working" {
	daemon_only
	command -v hping3 >/dev/null || skip "hping3 missing (scripts/deps.sh installs it)"
	stop_daemon
	start_daemon --ct-max "$CT_MAX"
	# the flood's replies go nowhere quietly; sources are random
	ip -n "$FW" route add blackhole default
	ip netns exec "$FW" sh -c 'for i in all default qtf0 qtf1; do
		sysctl -qw net.ipv4.conf.$i.rp_filter=0; done'
	qt "$FW" -P FORWARD DROP
	qt "$FW" -A FORWARD -m state --state ESTABLISHED -j ACCEPT
	qt "$FW" -A FORWARD -p tcp --dport 80 -m state --state NEW -j ACCEPT

	# an echo service on the server, and a session to it from before the flood
	ip netns exec "$S" socat TCP-LISTEN:80,reuseaddr,fork EXEC:cat \
		>/dev/null 2>&1 &
	BGPIDS+=("$!")
	for _ in $(seq 100); do
		ip netns exec "$S" ss -Hltn "sport = :80" | grep -q LISTEN && break
		sleep 0.02
	done
	ECHO=$QT_RUN/echo
	# connects, then (after the flood started) 5 lines 4 s apart, each
	# echoed within 5 s; prints "ok I SECS" per echo, or why it stopped
	ip netns exec "$C" "$PY" -c '
import socket, sys, time
s = socket.create_connection(("10.0.2.2", 80), timeout=5)
print("connected", flush=True)
time.sleep(4)
for i in range(5):
    t = time.time()
    try:
        s.sendall(b"line %d\n" % i)
        buf = b""
        while not buf.endswith(b"\n"):
            d = s.recv(100)
            if not d:
                break
            buf += d
    except OSError as e:
        print("error %d %s" % (i, e), flush=True)
        break
    dt = time.time() - t
    good = buf == b"line %d\n" % i and dt < 5
    print("%s %d %.2f" % ("ok" if good else "bad", i, dt), flush=True)
    time.sleep(max(0, 4 - dt))
' >"$ECHO" 2>&1 &
	EPID=$!
	BGPIDS+=("$EPID")
	for _ in $(seq 100); do grep -q connected "$ECHO" && break; sleep 0.05; done
	grep -q connected "$ECHO" || { cat "$ECHO" >&2; return 1; }
	[ "$(ctc -C)" -ge 1 ]

	rss0=$(rss_kib)
	ip netns exec "$C" timeout "$FLOOD_SECS" hping3 --flood -q -S -p 80 \
		--rand-source 10.0.2.2 >/dev/null 2>&1 &
	FPID=$!
	BGPIDS+=("$FPID")

	# every 2 s: table count, a listing's latency, memory
	maxc=0 maxl=0 maxr=$rss0 samples=0
	sleep 2
	while kill -0 "$FPID" 2>/dev/null; do
		c=$(ctc -C)
		[ -n "$c" ] || { echo "qtables-conntrack -C gave nothing" >&2; return 1; }
		[ "$c" -gt "$maxc" ] && maxc=$c
		t0=$(now_ms)
		qt "$FW" -L -n >/dev/null || { echo "qtables -L failed during the flood" >&2; return 1; }
		l=$(($(now_ms) - t0))
		[ "$l" -gt "$maxl" ] && maxl=$l
		r=$(rss_kib)
		[ "$r" -gt "$maxr" ] && maxr=$r
		samples=$((samples + 1))
		echo "flood sample $samples: count $c, -L ${l} ms, rss ${r} KiB" >&2
		sleep 2
	done
	wait "$FPID" 2>/dev/null || true
	wait "$EPID" 2>/dev/null || true
	after=$(ctc -C)
	stats=$(ctc -S)
	echo "count max $maxc after $after; -L max ${maxl} ms; rss ${rss0} -> max ${maxr} KiB" >&2
	echo "$stats" >&2
	cat "$ECHO" >&2
	ip netns exec "$FW" "$QT_BUILD/qtables" --stats >&2 || true

	[ "$samples" -ge 5 ]
	# the table filled (the flood got through) but not beyond its bound
	[ "$maxc" -ge $((CT_MAX * 9 / 10)) ]
	[ "$maxc" -le "$CT_MAX" ]
	[ "$after" -le "$CT_MAX" ]
	[ "$maxl" -lt 1000 ]
	[ $((maxr - rss0)) -lt $((64 * 1024)) ]
	# the session from before: all 5 echoes, each within 5 s
	[ "$(grep -c '^ok ' "$ECHO")" -eq 5 ]
	# what could not get in was evicted or dropped, and counted
	drops=$(echo "$stats" | awk '{ for (i = 1; i <= NF; i++)
		if ($i ~ /^(drop|early_drop)=/) { split($i, a, "="); n += a[2] } }
		END { print n + 0 }')
	[ "$drops" -gt 0 ]
}
