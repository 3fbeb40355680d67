#!/usr/bin/env bats
# Targets, chains, policies, counters and the daemon's life, with real
# traffic through qtablesd in qt_topo's fw (see datapath.bats).

bats_require_minimum_version 1.5.0

load datapath_lib

commits() {
	ip netns exec "$FW" "$QT_BUILD/qtables" --stats |
		sed -n 's/.*commits \([0-9]*\).*/\1/p'
}
mac_of() { ip -n "$1" -br link show "$2" | awk '{ print $3 }'; }

@test "REJECT tcp-reset: the connect is refused at once" {
	tcp_listen 8080
	tcp_listen 8081
	qt $FW -A FORWARD -p tcp --dport 8080 -j REJECT --reject-with tcp-reset
	local t0 t1
	t0=$(date +%s%N)
	run ip netns exec "$C" timeout 2 nc -zv 10.0.2.2 8080
	t1=$(date +%s%N)
	[ "$status" -eq 1 ]
	[[ "$output" == *"Connection refused"* ]]
	[ $(( (t1 - t0) / 1000000 )) -lt 1000 ]
	ip netns exec "$C" timeout 2 nc -z 10.0.2.2 8081
	[ "$(cnt FORWARD 1)" -eq 1 ]
	# the RST comes from the server's address and acknowledges the SYN
	"$PY" -c 'import scapy' 2>/dev/null || return 0
	run ip netns exec "$C" "$PY" "$DP" reject 10.0.2.2 8080 tcp
	[ "$output" = "RST 10.0.2.2 1001" ]
	[ "$(cnt FORWARD 1)" -eq 2 ]
}

@test "REJECT: icmp-port-unreachable for UDP, the default" {
	qt $FW -A FORWARD -p udp --dport 5001 -j REJECT
	qt $FW -A FORWARD -p icmp -j ACCEPT
	recv_start 5002
	run ip netns exec "$C" "$PY" - <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("10.0.2.2", 5001))
s.send(b"x")
s.settimeout(1)
try:
    s.recv(100)
    print("answer")
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")
PY
	[ "$output" = "refused" ]
	udp_send 10.0.2.2 5002 2
	[ "$(recv_count)" -eq 2 ]
	[ "$(cnt FORWARD 1)" -eq 1 ]
	# the kernel's REJECT does not send its error through FORWARD
	[ "$(cnt FORWARD 2)" -eq 0 ]
}

@test "REJECT: each --reject-with type is seen by scapy with its type/code" {
	"$PY" -c 'import scapy' 2>/dev/null || skip "no scapy"
	local w n=0
	for w in icmp-net-unreachable:0 icmp-host-unreachable:1 \
		 icmp-proto-unreachable:2 icmp-port-unreachable:3 \
		 icmp-net-prohibited:9 icmp-host-prohibited:10 \
		 icmp-admin-prohibited:13; do
		qt $FW -F FORWARD
		qt $FW -A FORWARD -p udp --dport 5001 -j REJECT --reject-with "${w%%:*}"
		run ip netns exec "$C" "$PY" "$DP" reject 10.0.2.2 5001 udp
		[ "$output" = "3 ${w##*:} 10.0.1.1" ]
		[ "$(cnt FORWARD 1)" -eq 1 ]
		n=$((n + 1))
	done
	# a port the rule does not take is answered by the server itself
	run ip netns exec "$C" "$PY" "$DP" reject 10.0.2.2 5002 udp
	[ "$output" = "3 3 10.0.2.2" ]
	[ "$(cnt FORWARD 1)" -eq 1 ]
	[ $n -eq 7 ]
	[ -n "${QT_ORACLE:-}" ] || ip netns exec "$FW" "$QT_BUILD/qtables" --stats |
		grep -q 'REJECT replies sent 7, not sent 0$'
}

@test "REJECT at INPUT: the error comes from the address probed, like the kernel" {
	"$PY" -c 'import scapy' 2>/dev/null || skip "no scapy"
	qt $FW -A INPUT -p udp --dport 5001 -j REJECT --reject-with icmp-host-prohibited
	qt $FW -A INPUT -p tcp --dport 8080 -j REJECT --reject-with tcp-reset
	run ip netns exec "$C" "$PY" "$DP" reject 10.0.2.1 5001 udp
	[ "$output" = "3 10 10.0.2.1" ]
	run ip netns exec "$C" "$PY" "$DP" reject 10.0.2.1 8080 tcp
	[ "$output" = "RST 10.0.2.1 1001" ]
	run ip netns exec "$C" "$PY" "$DP" reject 10.0.2.1 5002 udp
	[ "$output" = "3 3 10.0.2.1" ]
	[ "$(cnt INPUT 1)" -eq 1 ]
	[ "$(cnt INPUT 2)" -eq 1 ]
}

@test "REJECT: no ICMP error for a unicast IP in a broadcast frame" {
	"$PY" -c 'import scapy' 2>/dev/null || skip "no scapy"
	qt $FW -A INPUT -p udp --dport 5001 -j REJECT
	fmac=$(mac_of "$FW" qtf0)
	run ip netns exec "$C" "$PY" "$DP" reject 10.0.1.1 5001 udp --frame "$fmac"
	[ "$output" = "3 3 10.0.1.1" ]
	# icmp_send answers no link-layer broadcast, whatever the address
	run ip netns exec "$C" "$PY" "$DP" reject 10.0.1.1 5001 udp --frame ff:ff:ff:ff:ff:ff
	[ "$output" = "none" ]
	[ "$(cnt INPUT 1)" -eq 2 ]
}

@test "LOG: the kernel's line format with prefix, and LOG does not stop" {
	daemon_only  # the kernel logs nothing here
	local fmac cmac
	fmac=$(mac_of "$FW" qtf0); cmac=$(mac_of "$C" qtc0)
	qt $FW -A FORWARD -p udp --dport 5001 -j LOG --log-prefix "dp-udp: "
	qt $FW -A FORWARD -p icmp --icmp-type echo-request -j LOG --log-prefix "dp-icmp "
	qt $FW -A FORWARD -p tcp --syn -j LOG --log-prefix "dp-tcp: "
	qt $FW -A FORWARD -p udp -j ACCEPT
	recv_start 5001
	udp_send 10.0.2.2 5001 2 --sport 7000 --payload "abcdefgh"
	udp_send 10.0.2.2 5001 1 --sport 7000 --payload "abcdefgh" --src 10.0.1.2
	[ "$(recv_count)" -eq 3 ]
	udp_send 10.0.2.2 5002 1 >/dev/null
	[ "$(pings 1 10.0.2.2)" -eq 1 ]
	tcp_listen 8081
	ip netns exec "$C" timeout 2 nc -z 10.0.2.2 8081
	sleep 0.2
	cat "$LOG"
	[ "$(cnt FORWARD 1)" -eq 3 ]
	[ "$(cnt FORWARD 4)" -eq 4 ]
	[ "$(grep -c '^dp-udp: ' "$LOG")" -eq 3 ]
	[ "$(grep -c '^dp-icmp ' "$LOG")" -eq 1 ]
	[ "$(grep -c '^dp-tcp: ' "$LOG")" -eq 1 ]
	local re_udp="^dp-udp: IN=qtf0 OUT=qtf1 MAC=$fmac:$cmac:08:00 SRC=10\.0\.1\.2 DST=10\.0\.2\.2 LEN=36 TOS=0x00 PREC=0x00 TTL=63 ID=[0-9]+ DF PROTO=UDP SPT=7000 DPT=5001 LEN=16 \$"
	[ "$(grep -cE "$re_udp" "$LOG")" -eq 3 ]
	local re_icmp="^dp-icmp IN=qtf0 OUT=qtf1 MAC=$fmac:$cmac:08:00 SRC=10\.0\.1\.2 DST=10\.0\.2\.2 LEN=84 TOS=0x00 PREC=0x00 TTL=63 ID=[0-9]+ DF PROTO=ICMP TYPE=8 CODE=0 ID=[0-9]+ SEQ=1 \$"
	grep -qE "$re_icmp" "$LOG"
	local re_tcp="^dp-tcp: IN=qtf0 OUT=qtf1 MAC=$fmac:$cmac:08:00 SRC=10\.0\.1\.2 DST=10\.0\.2\.2 LEN=60 TOS=0x00 PREC=0x00 TTL=63 ID=[0-9]+ DF PROTO=TCP SPT=[0-9]+ DPT=8081 WINDOW=[0-9]+ RES=0x00 SYN URGP=0 \$"
	grep -qE "$re_tcp" "$LOG"
}

@test "LOG: at OUTPUT (no IN, no MAC) with --log-uid and a mark" {
	daemon_only  # the kernel logs nothing here
	qt $FW -t mangle -A OUTPUT -p udp -j MARK --set-mark 0x2a
	qt $FW -A OUTPUT -p udp --dport 5001 -j LOG --log-prefix "out: " --log-uid
	recv_start 5001
	FROM=$FW udp_send 10.0.2.2 5001 1 --sport 7001 --payload "abcdefgh"
	[ "$(recv_count)" -eq 1 ]
	sleep 0.1
	cat "$LOG"
	grep -qE '^out: IN= OUT=qtf1 SRC=10\.0\.2\.1 DST=10\.0\.2\.2 LEN=36 TOS=0x00 PREC=0x00 TTL=64 ID=[0-9]+ DF PROTO=UDP SPT=7001 DPT=5001 LEN=16 UID=0 GID=0 MARK=0x2a $' "$LOG"
	[ "$(cnt OUTPUT 1)" -eq 1 ]
	[ "$(cnt OUTPUT 1 mangle)" -eq 1 ]
}

@test "LOG: --log-tcp-sequence, --log-tcp-options, --log-macdecode, --log-level" {
	daemon_only  # the kernel logs nothing here
	local fmac cmac
	fmac=$(mac_of "$FW" qtf0); cmac=$(mac_of "$C" qtc0)
	qt $FW -A FORWARD -p tcp --syn --dport 8081 -j LOG --log-prefix "seq: " --log-tcp-sequence --log-tcp-options --log-level debug
	qt $FW -A FORWARD -p tcp --syn --dport 8081 -j LOG --log-prefix "mac: " --log-macdecode
	qt $FW -A FORWARD -p tcp --syn --dport 8082 -j LOG --log-prefix "never: "
	tcp_listen 8081
	ip netns exec "$C" timeout 2 nc -z 10.0.2.2 8081
	sleep 0.1
	cat "$LOG"
	[ "$(grep -c '^seq: ' "$LOG")" -eq 1 ]
	[ "$(grep -c '^never: ' "$LOG")" -eq 0 ]
	grep -qE '^seq: IN=qtf0 OUT=qtf1 MAC=[0-9a-f:]{41} SRC=10\.0\.1\.2 DST=10\.0\.2\.2 LEN=60 TOS=0x00 PREC=0x00 TTL=63 ID=[0-9]+ DF PROTO=TCP SPT=[0-9]+ DPT=8081 SEQ=[0-9]+ ACK=0 WINDOW=[0-9]+ RES=0x00 SYN URGP=0 OPT \(020405B4[0-9A-F]{32}\) $' "$LOG"
	grep -qE "^mac: IN=qtf0 OUT=qtf1 MACSRC=$cmac MACDST=$fmac MACPROTO=0800 SRC=10\.0\.1\.2 DST=10\.0\.2\.2 LEN=60 .* DPT=8081 WINDOW=[0-9]+ RES=0x00 SYN URGP=0 \$" "$LOG"
	[ "$(cnt FORWARD 1)" -eq 1 ]
	[ "$(cnt FORWARD 2)" -eq 1 ]
	[ "$(cnt FORWARD 3)" -eq 0 ]
}

@test "MARK: --set-mark, --or-mark, --and-mark seen by later -m mark rules" {
	qt $FW -t mangle -A FORWARD -p udp -j MARK --set-mark 0x10
	qt $FW -t mangle -A FORWARD -p udp --dport 5002 -j MARK --or-mark 0x3
	qt $FW -t mangle -A FORWARD -p udp --dport 5003 -j MARK --and-mark 0x0
	qt $FW -A FORWARD -m mark --mark 0x10 -j ACCEPT
	qt $FW -A FORWARD -m mark --mark 0x13 -j DROP
	qt $FW -A FORWARD -p udp -m mark --mark 0 -j DROP
	recv_start 5001; udp_send 10.0.2.2 5001 2; [ "$(recv_count)" -eq 2 ]
	recv_start 5002; udp_send 10.0.2.2 5002 3; [ "$(recv_count)" -eq 0 ]
	recv_start 5003; udp_send 10.0.2.2 5003 4; [ "$(recv_count)" -eq 0 ]
	[ "$(cnt FORWARD 1 mangle)" -eq 9 ]
	[ "$(cnt FORWARD 2 mangle)" -eq 3 ]
	[ "$(cnt FORWARD 3 mangle)" -eq 4 ]
	[ "$(cnt FORWARD 1)" -eq 2 ]
	[ "$(cnt FORWARD 2)" -eq 3 ]
	[ "$(cnt FORWARD 3)" -eq 4 ]
	# a mark set in filter is seen by the next rule of the same chain
	qt $FW -F FORWARD
	qt $FW -A FORWARD -p icmp -j MARK --set-xmark 0x100/0xf00
	qt $FW -A FORWARD -p icmp -m mark --mark 0x100/0xf00 -j DROP
	[ "$(pings 2 10.0.2.2)" -eq 0 ]
	[ "$(cnt FORWARD 1)" -eq 2 ]
	[ "$(cnt FORWARD 2)" -eq 2 ]
}

@test "TCPMSS: --set-mss 1000 on forwarded SYNs, seen by the server" {
	tcp_listen 8081
	tcp_listen 8082
	qt $FW -t mangle -A FORWARD -p tcp --dport 8081 --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1000
	local cap=$QT_RUN/cap
	ip netns exec "$S" timeout 3 tcpdump -i qts0 -n -l -v -c 2 \
		'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn' >"$cap" 2>"$cap.err" &
	BGPIDS+=("$!")
	local tpid=$!
	for _ in $(seq 250); do grep -q listening "$cap.err" && break; sleep 0.02; done
	ip netns exec "$C" timeout 2 nc -z 10.0.2.2 8081
	ip netns exec "$C" timeout 2 nc -z 10.0.2.2 8082
	wait "$tpid" || true
	cat "$cap"
	[ "$(grep -c 'Flags \[S\]' "$cap")" -eq 2 ]
	grep '10.0.2.2.8081: Flags \[S\]' "$cap" | grep -q 'mss 1000,'
	grep '10.0.2.2.8082: Flags \[S\]' "$cap" | grep -q 'mss 1460,'
	[ "$(cnt FORWARD 1 mangle)" -eq 1 ]
}

@test "TCPMSS: --clamp-mss-to-pmtu follows the outgoing interface's MTU" {
	ip -n "$FW" link set qtf1 mtu 1400
	ip -n "$S" link set qts0 mtu 1400
	tcp_listen 8081
	qt $FW -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu
	local cap=$QT_RUN/cap
	ip netns exec "$S" timeout 3 tcpdump -i qts0 -n -l -v -c 1 \
		'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn' >"$cap" 2>"$cap.err" &
	BGPIDS+=("$!")
	local tpid=$!
	for _ in $(seq 250); do grep -q listening "$cap.err" && break; sleep 0.02; done
	ip netns exec "$C" timeout 2 nc -z 10.0.2.2 8081
	wait "$tpid" || true
	cat "$cap"
	grep '10.0.2.2.8081: Flags \[S\]' "$cap" | grep -q 'mss 1360,'
	# the server's SYN-ACK (mss 1360 already, towards a 1500 link) too
	[ "$(cnt FORWARD 1 mangle)" -eq 2 ]
}

@test "chains: jump, goto and RETURN" {
	qt $FW -N web
	qt $FW -N deny
	qt $FW -N sub
	qt $FW -A FORWARD -p udp --dport 5002 -g sub
	qt $FW -A FORWARD -p udp -j web
	qt $FW -A FORWARD -p udp -j ACCEPT
	qt $FW -A web -p udp --dport 5001 -j deny
	qt $FW -A web -p udp --dport 5004 -g sub
	qt $FW -A web -j RETURN
	qt $FW -A web -j DROP
	qt $FW -A deny -j DROP
	qt $FW -A sub -j RETURN
	qt $FW -A sub -j DROP
	qt $FW -P FORWARD DROP
	recv_start 5001; udp_send 10.0.2.2 5001 2; [ "$(recv_count)" -eq 0 ]
	# goto from FORWARD itself: sub's RETURN ends FORWARD: its policy drops
	recv_start 5002; udp_send 10.0.2.2 5002 3; [ "$(recv_count)" -eq 0 ]
	recv_start 5003; udp_send 10.0.2.2 5003 4; [ "$(recv_count)" -eq 4 ]
	# goto from web (jumped to): sub's RETURN goes back to FORWARD rule 3
	recv_start 5004; udp_send 10.0.2.2 5004 1; [ "$(recv_count)" -eq 1 ]
	[ "$(cnt FORWARD 1)" -eq 3 ]
	[ "$(cnt FORWARD 2)" -eq 7 ]
	[ "$(cnt FORWARD 3)" -eq 5 ]
	[ "$(cnt web 1)" -eq 2 ]
	[ "$(cnt web 2)" -eq 1 ]
	[ "$(cnt web 3)" -eq 4 ]
	[ "$(cnt web 4)" -eq 0 ]
	[ "$(cnt deny 1)" -eq 2 ]
	[ "$(cnt sub 1)" -eq 4 ]
	[ "$(cnt sub 2)" -eq 0 ]
	[ "$(policy_pkts FORWARD)" -eq 3 ]
	# with policy ACCEPT the goto'd packets pass, still without rule 3
	# (what -P does to the policy's counters: see the policy test)
	qt $FW -P FORWARD ACCEPT
	local p0
	p0=$(policy_pkts FORWARD)
	recv_start 5002; udp_send 10.0.2.2 5002 2; [ "$(recv_count)" -eq 2 ]
	[ "$(cnt FORWARD 3)" -eq 5 ]
	[ "$(policy_pkts FORWARD)" -eq $((p0 + 2)) ]
}

@test "policy: -P FORWARD DROP with an accept rule, policy counters" {
	qt $FW -P FORWARD DROP
	qt $FW -A FORWARD -p icmp -j ACCEPT
	[ "$(pings 3 10.0.2.2)" -eq 3 ]
	recv_start 5001
	udp_send 10.0.2.2 5001 3 --payload "abcdefgh"
	[ "$(recv_count)" -eq 0 ]
	[ "$(cnt FORWARD 1)" -eq 6 ]
	qt $FW -L FORWARD -v -n -x | head -1
	[ "$(qt $FW -L FORWARD -v -n -x | head -1)" = "Chain FORWARD (policy DROP 3 packets, 108 bytes)" ]
	qt_save $FW -c | grep -qx ':FORWARD DROP \[3:108\]'
	qt $FW -S FORWARD -v | grep -qx -- '-P FORWARD DROP -c 3 108'
	qt $FW -S FORWARD -v | grep -qx -- '-A FORWARD -p icmp -c 6 504 -j ACCEPT'
	# -P, even to the same policy, starts its counters anew (the kernel's
	# iptables-nft does); the rules keep theirs
	qt $FW -P FORWARD DROP
	[ "$(policy_pkts FORWARD)" -eq 0 ]
	[ "$(cnt FORWARD 1)" -eq 6 ]
}

@test "counters: -Z resets, and carry over across later commits" {
	qt $FW -A FORWARD -p icmp --icmp-type echo-request -j ACCEPT
	qt $FW -A FORWARD -p icmp -j ACCEPT
	[ "$(pings 3 10.0.2.2)" -eq 3 ]
	[ "$(cnt FORWARD 1)" -eq 3 ]
	[ "$(cnt FORWARD 2)" -eq 3 ]
	# another rule added: the unchanged ones keep their counts
	qt $FW -A FORWARD -p udp -j DROP
	qt $FW -I FORWARD -p tcp -j ACCEPT
	qt $FW -t mangle -A PREROUTING -p udp -j ACCEPT
	[ "$(cnt FORWARD 2)" -eq 3 ]
	[ "$(cnt FORWARD 3)" -eq 3 ]
	[ "$(pings 2 10.0.2.2)" -eq 2 ]
	[ "$(cnt FORWARD 1)" -eq 0 ]
	[ "$(cnt FORWARD 2)" -eq 5 ]
	[ "$(cnt FORWARD 3)" -eq 5 ]
	# -Z of one rule, then of the chain
	qt $FW -Z FORWARD 2
	[ "$(cnt FORWARD 2)" -eq 0 ]
	[ "$(cnt FORWARD 3)" -eq 5 ]
	[ "$(pings 1 10.0.2.2)" -eq 1 ]
	[ "$(cnt FORWARD 2)" -eq 1 ]
	[ "$(cnt FORWARD 3)" -eq 6 ]
	qt $FW -Z
	[ "$(cnt FORWARD 2)" -eq 0 ]
	[ "$(cnt FORWARD 3)" -eq 0 ]
	[ "$(pings 2 10.0.2.2)" -eq 2 ]
	[ "$(cnt FORWARD 2)" -eq 2 ]
	[ "$(cnt FORWARD 3)" -eq 2 ]
}

@test "1,000 commits under a paced UDP flow: no packet lost, exact counter" {
	qt $FW -P FORWARD DROP
	qt $FW -A FORWARD -p udp --dport 5001 -j ACCEPT
	local before=0 after=1000 stop=$QT_RUN/stop
	[ -n "${QT_ORACLE:-}" ] || before=$(commits)
	RECV_SECS=60 recv_start 5001
	udp_send 10.0.2.2 5001 20000 --gap 0.005 --until "$stop" >"$QT_RUN/sent" &
	local spid=$!
	BGPIDS+=("$spid")
	sleep 0.1
	for _ in $(seq 500); do
		qt $FW -I FORWARD -p tcp --dport 9999 -j DROP
		qt $FW -D FORWARD 1
	done
	sleep 0.1
	touch "$stop"
	wait "$spid"
	local sent got
	sent=$(cat "$QT_RUN/sent")
	got=$(recv_count)
	echo "sent $sent received $got"
	[ -n "${QT_ORACLE:-}" ] || after=$(commits)
	[ $((after - before)) -eq 1000 ]
	[ "$sent" -gt 100 ]
	[ "$got" -eq "$sent" ]
	[ "$(cnt FORWARD 1)" -eq "$sent" ]
	[ "$(policy_pkts FORWARD)" -eq 0 ]
}

@test "commits by iptables-restore --noflush under a flow, two queues" {
	daemon_only
	stop_daemon TERM
	start_daemon --queues 3-4
	qt $FW -P FORWARD DROP
	qt $FW -A FORWARD -p udp --dport 5001 -j ACCEPT
	ip netns exec "$FW" iptables-nft-save -t mangle | grep -q -- '--queue-balance 3:4'
	local stop=$QT_RUN/stop before after
	before=$(commits)
	RECV_SECS=60 recv_start 5001
	# several source addresses: --queue-balance hashes the addresses, so
	# the queues are likely (not sure) to share the flows
	local i pids=()
	for i in 3 4 5; do ip -n "$C" addr add "10.0.1.$i/24" dev qtc0; done
	for i in 2 3 4 5; do
		udp_send 10.0.2.2 5001 20000 --gap 0.005 --src "10.0.1.$i" \
			--until "$stop" >"$QT_RUN/sent.$i" &
		pids+=("$!")
		BGPIDS+=("$!")
	done
	sleep 0.1
	for _ in $(seq 200); do
		printf '*filter\n-I FORWARD -p tcp --dport 9999 -j DROP\nCOMMIT\n' |
			qt_restore $FW --noflush
		printf '*filter\n-D FORWARD -p tcp --dport 9999 -j DROP\nCOMMIT\n' |
			qt_restore $FW --noflush
	done
	touch "$stop"
	wait "${pids[@]}"
	local sent=0 got
	for i in 2 3 4 5; do sent=$((sent + $(cat "$QT_RUN/sent.$i"))); done
	got=$(recv_count)
	echo "sent $sent received $got"
	after=$(commits)
	ip netns exec "$FW" "$QT_BUILD/qtables" --stats
	[ $((after - before)) -eq 400 ]
	[ "$got" -eq "$sent" ]
	[ "$(cnt FORWARD 1)" -eq "$sent" ]
	[ "$(policy_pkts FORWARD)" -eq 0 ]
	# every one was judged at FORWARD by one of the two queues
	[ "$(ip netns exec "$FW" "$QT_BUILD/qtables" --stats |
		sed -n 's/^queue [34]: packets .*FORWARD \([0-9]*\),.*/\1/p' |
		awk '{ s += $1 } END { print s }')" -eq "$sent" ]
}

@test "daemon: SIGTERM removes the steering rules" {
	daemon_only
	qt $FW -A FORWARD -p icmp -j DROP
	[ "$(pings 1 10.0.2.2)" -eq 0 ]
	[ "$(ip netns exec "$FW" iptables-nft-save | grep -c QTABLES)" -gt 0 ]
	stop_daemon TERM
	[ "$(ip netns exec "$FW" iptables-nft-save | grep -c QTABLES)" -eq 0 ]
	# nobody judges now: the kernel forwards
	[ "$(pings 2 10.0.2.2)" -eq 2 ]
}

@test "daemon: SIGKILL fails closed by default, open with --fail-open" {
	daemon_only
	# a rule in FORWARD, so that the hook is steered to the queue
	qt $FW -A FORWARD -p icmp -j ACCEPT
	[ "$(pings 1 10.0.2.2)" -eq 1 ]
	stop_daemon KILL
	[ "$(ip netns exec "$FW" iptables-nft-save | grep -c QTABLES)" -gt 0 ]
	[ "$(pings 2 10.0.2.2)" -eq 0 ]
	start_daemon --fail-open
	qt $FW -A FORWARD -p icmp -j ACCEPT
	[ "$(pings 1 10.0.2.2)" -eq 1 ]
	[ "$(cnt FORWARD 1)" -eq 2 ]
	ip netns exec "$FW" iptables-nft-save -t mangle | grep -q -- '--queue-bypass'
	stop_daemon KILL
	[ "$(ip netns exec "$FW" iptables-nft-save | grep -c QTABLES)" -gt 0 ]
	[ "$(pings 3 10.0.2.2)" -eq 3 ]
}

@test "daemon: qtables --stats counts packets and verdicts" {
	daemon_only
	qt $FW -A FORWARD -p icmp --icmp-type echo-request -j DROP
	[ "$(pings 4 10.0.2.2)" -eq 0 ]
	recv_start 5001; udp_send 10.0.2.2 5001 3; [ "$(recv_count)" -eq 3 ]
	local st
	st=$(ip netns exec "$FW" "$QT_BUILD/qtables" --stats)
	echo "$st"
	# 4 pings dropped at FORWARD, 3 datagrams passed; the other hooks
	# are only queued while they have rules (none here)
	local total
	total=$(sed -n 's/^queue 0: packets \([0-9]*\) .*/\1/p' <<<"$st")
	[[ "$st" == *"verdicts: accept $((total - 4)), drop 4,"* ]]
	[[ "$st" == *"INPUT 0, FORWARD 7, OUTPUT 0,"* ]]
	[[ "$st" == *"errors: parse 0, truncated 0, overflow 0, bad messages 0, netlink 0, send 0, too deep 0"* ]]
	[ "$(cnt FORWARD 1)" -eq 4 ]
}
