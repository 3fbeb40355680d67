#!/usr/bin/env bats
# Stateful firewalls end to end: the usual examples with real traffic
# through qtablesd in the fw namespace of qt_topo (client 10.0.1.2 -- fw
# -- server 10.0.2.2), each checked by what arrives, the rule counters
# and the connection table (qtables-conntrack -L).
#
# QT_ORACLE=1 runs the same tests against the kernel (iptables-nft,
# nf_conntrack, conntrack(8)); daemon options --ct NAME=VALUE become the
# fw namespace's net.netfilter.nf_conntrack_NAME sysctls there.
# (The limit example is in datapath.bats.)

bats_require_minimum_version 1.5.0

load datapath_lib

CT=$BATS_TEST_DIRNAME/ct.py

# The connection table of the fw: ours, or the kernel's with QT_ORACLE.
ctv() {
	if [ -n "${QT_ORACLE:-}" ]; then
		ip netns exec "$FW" conntrack "$@"
	else
		ip netns exec "$FW" "$QT_BUILD/qtables-conntrack" "$@"
	fi
}
ctv_cmd() {
	if [ -n "${QT_ORACLE:-}" ]; then
		echo "ip netns exec $FW conntrack $*"
	else
		echo "ip netns exec $FW $QT_BUILD/qtables-conntrack $*"
	fi
}

# ct_set NAME=VALUE...: conntrack settings; the daemon is restarted
# with them (call before adding rules).
ct_set() {
	local a args=()
	if [ -n "${QT_ORACLE:-}" ]; then
		for a in "$@"; do
			ip netns exec "$FW" sysctl -qw "net.netfilter.nf_conntrack_$a" || return 1
		done
		return 0
	fi
	for a in "$@"; do args+=(--ct "$a"); done
	stop_daemon
	start_daemon "${args[@]}" || return 1
	qt "$FW" -P FORWARD ACCEPT
}

need_scapy() { "$PY" -c 'import scapy' 2>/dev/null || skip "no scapy"; }

# The ends of crafted connections have no sockets: their kernels would
# answer with RSTs. Drop those, not ct.py's (marked 7).
ends_quiet() {
	local ns
	for ns in "$C" "$S"; do
		ipt "$ns" -A OUTPUT -p tcp --tcp-flags RST RST -m mark ! --mark 7 -j DROP
	done
}

# conn [NS] DST PORT: does a TCP connection open (0.7 s: one SYN)?
conn() {
	local ns=$C
	[ $# -eq 3 ] && { ns=$1; shift; }
	ip netns exec "$ns" timeout 0.7 nc -z "$1" "$2"
}

# A TCP connection held open from the client: hold PORT SECONDS; its
# socat's pid in $HELD (ip netns exec execs socat).
hold() {
	ip netns exec "$C" socat EXEC:"sleep $2" TCP:10.0.2.2:"$1" \
		>/dev/null 2>&1 3>&- &
	HELD=$!
	BGPIDS+=("$HELD")
}
# How many connections to PORT the client has ESTABLISHED.
n_est() { ip netns exec "$C" ss -Htn state established "dport = :$1" | wc -l; }
wait_est() {
	for _ in $(seq 100); do
		[ "$(n_est "$1")" -eq "$2" ] && return 0
		sleep 0.02
	done
	echo "not $2 established to :$1: $(n_est "$1")" >&2
	return 1
}

# listening NS -t|-u PORT: wait until a socket is bound there.
listening() {
	for _ in $(seq 100); do
		ip netns exec "$1" ss -Hln "$2" "sport = :$3" | grep -q . && return 0
		sleep 0.02
	done
	return 1
}

# The stateful default deny: what was opened from the client comes back,
# nothing is opened from the server; INVALID first.
default_deny() {
	qt "$FW" -P FORWARD DROP
	qt "$FW" -A FORWARD -m conntrack --ctstate INVALID -j DROP
	qt "$FW" -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	qt "$FW" -A FORWARD -i qtf0 -m conntrack --ctstate NEW -j ACCEPT
}

@test "default deny: replies to what the client opened come back (TCP, UDP, ping), nothing opens from the server" {
	default_deny
	tcp_listen 8080
	ip netns exec "$S" "$PY" "$DP" pong 5002 >/dev/null 2>&1 3>&- &
	BGPIDS+=("$!")
	ip netns exec "$C" socat TCP-LISTEN:9090,reuseaddr,fork SYSTEM:'echo ok' \
		>/dev/null 2>&1 3>&- &
	BGPIDS+=("$!")
	listening "$S" -u 5002
	listening "$C" -t 9090
	# TCP: the server's "ok" comes back
	run ip netns exec "$C" timeout 2 socat -T 1 - TCP:10.0.2.2:8080 </dev/null
	[ "$output" = ok ]
	# UDP: the answer comes back
	# -t: socat waits this long for the answer once its input has ended
	run ip netns exec "$C" sh -c 'echo ping | socat -t 3 -T 3 - UDP:10.0.2.2:5002'
	[ "$output" = pong ]
	[ "$(pings 2 10.0.2.2)" -eq 2 ]
	[ "$(cnt FORWARD 3)" -eq 3 ]
	local est; est=$(cnt FORWARD 2)
	[ "$est" -ge 6 ]
	[ "$(policy_pkts FORWARD)" -eq 0 ]
	# from the server: TCP, UDP and ping to the client all stop at the fw
	run ! conn "$S" 10.0.1.2 9090
	ip netns exec "$C" socat -T 1 UDP-RECVFROM:5003 - >"$QT_RUN/udp" 2>/dev/null 3>&- &
	BGPIDS+=("$!")
	listening "$C" -u 5003
	ip netns exec "$S" sh -c 'echo hi | socat - UDP:10.0.1.2:5003'
	run ip netns exec "$S" ping -n -q -c 1 -W 0.3 10.0.1.2
	[ "$status" -ne 0 ]
	sleep 0.3
	[ ! -s "$QT_RUN/udp" ]
	[ "$(policy_pkts FORWARD)" -eq 3 ]
	[ "$(cnt FORWARD 3)" -eq 3 ]
	[ "$(cnt FORWARD 2)" -eq "$est" ]
	# and the client still can
	conn 10.0.2.2 8080
}

@test "default deny, tcp_loose=0: a stray ACK, a stray RST and an out-of-window segment are INVALID and dropped" {
	need_scapy
	ct_set tcp_loose=0
	default_deny
	ends_quiet
	CT_CHECK="$(ctv_cmd -L -p tcp --dport 7000)" \
		run ip netns exec "$C" "$PY" "$CT" "$C" "$S" \
		cStrayA cStrayR cS sSA cA ck cD sA cOOW cD ck
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "cStrayA lost
cStrayR lost
cS arrived
sSA arrived
cA arrived
state ESTABLISHED 432000
cD arrived
sA arrived
cOOW lost
cD arrived
state ESTABLISHED 300" ]
	# (the last data is not acknowledged: the "unacknowledged" timeout,
	# 300 s, is the entry's)
	[ "$(cnt FORWARD 1)" -eq 3 ]
	# SYN only was NEW; the rest of the connection ESTABLISHED
	[ "$(cnt FORWARD 3)" -eq 1 ]
	[ "$(cnt FORWARD 2)" -eq 5 ]
	[ "$(policy_pkts FORWARD)" -eq 0 ]
}

@test "default deny, tcp_loose=1 (the default): a stray ACK is picked up as NEW, a stray RST stays INVALID" {
	need_scapy
	default_deny
	ends_quiet
	CT_CHECK="$(ctv_cmd -L -p tcp --sport 40101)" \
		run ip netns exec "$C" "$PY" "$CT" "$C" "$S" cStrayA ck cStrayR
	echo "$output"
	[ "$output" = "cStrayA arrived
state ESTABLISHED 300
cStrayR lost" ]
	[ "$(cnt FORWARD 1)" -eq 1 ]
	[ "$(cnt FORWARD 3)" -eq 1 ]
}

@test "ping to open SSH: port 22 answers only within the --seconds after an echo of total length 128" {
	tcp_listen 22
	qt "$FW" -P FORWARD DROP
	qt "$FW" -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	qt "$FW" -A FORWARD -p icmp --icmp-type echo-request -m length --length 128 \
		-m recent --set --name SSH
	qt "$FW" -A FORWARD -p icmp --icmp-type echo-request -j ACCEPT
	# 3 s instead of 15 so that the expiry is seen after 3.5 s of sleep
	qt "$FW" -A FORWARD -p tcp --dport 22 -m conntrack --ctstate NEW \
		-m recent --rcheck --seconds 3 --name SSH -j ACCEPT
	run ! conn 10.0.2.2 22
	# a knock of another length (20 + 8 + 50 = 78) does not open it
	[ "$(pings 1 10.0.2.2 -s 50)" -eq 1 ]
	run ! conn 10.0.2.2 22
	[ "$(cnt FORWARD 2)" -eq 0 ]
	# 20 + 8 + 100 = 128
	[ "$(pings 1 10.0.2.2 -s 100)" -eq 1 ]
	[ "$(cnt FORWARD 2)" -eq 1 ]
	conn 10.0.2.2 22
	conn 10.0.2.2 22
	[ "$(cnt FORWARD 4)" -eq 2 ]
	# the echo replies came back as ESTABLISHED
	[ "$(cnt FORWARD 1)" -ge 2 ]
	sleep 3.5
	run ! conn 10.0.2.2 22
	[ "$(cnt FORWARD 4)" -eq 2 ]
	[ "$(policy_pkts FORWARD)" -eq 3 ]
}

@test "at most N new HTTP connections per minute per source (--update --hitcount 9 -> LOG, DROP; --set, ACCEPT)" {
	tcp_listen 80
	client_addr2
	qt "$FW" -P FORWARD DROP
	qt "$FW" -A FORWARD -m state --state ESTABLISHED,RELATED -j ACCEPT
	qt "$FW" -A FORWARD -m state --state NEW -p tcp --dport 80 -m recent \
		--name http --update --seconds 60 --hitcount 9 -j LOG --log-prefix "http flood: "
	qt "$FW" -A FORWARD -m state --state NEW -p tcp --dport 80 -m recent \
		--name http --update --seconds 60 --hitcount 9 -j DROP
	qt "$FW" -A FORWARD -m state --state NEW -p tcp --dport 80 -m recent \
		--name http --set -j ACCEPT
	local ok=0
	for _ in $(seq 12); do
		conn 10.0.2.2 80 || break
		ok=$((ok + 1))
	done
	# the first that finds 9 stamps is the 10th: 9 pass (--update stamps
	# only when it matches, so the --set of the 9th makes the 9th stamp)
	[ $ok -eq 9 ]
	run ! conn 10.0.2.2 80
	# another source has its own list
	ip netns exec "$C" timeout 0.7 nc -z -s 10.0.1.3 10.0.2.2 80
	[ "$(cnt FORWARD 4)" -eq 10 ]
	[ "$(cnt FORWARD 2)" -eq 2 ]
	[ "$(cnt FORWARD 3)" -eq 2 ]
	if [ -z "${QT_ORACLE:-}" ]; then
		[ "$(grep -c 'http flood: .*SRC=10.0.1.2 .*DPT=80 ' "$LOG")" -eq 2 ]
	fi
}

@test "connlimit: two SSH connections per source, the third refused; a closed one frees its place (TIME_WAIT does not count)" {
	qt "$FW" -P FORWARD DROP
	qt "$FW" -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	qt "$FW" -A FORWARD -p tcp --dport 22 -m conntrack --ctstate NEW \
		-m connlimit --connlimit-above 2 -j REJECT --reject-with tcp-reset
	qt "$FW" -A FORWARD -p tcp --dport 22 -m conntrack --ctstate NEW -j ACCEPT
	ip netns exec "$S" socat TCP-LISTEN:22,reuseaddr,fork SYSTEM:'sleep 10' \
		>/dev/null 2>&1 3>&- &
	BGPIDS+=("$!")
	for _ in $(seq 100); do
		ip netns exec "$S" ss -Hltn "sport = :22" | grep -q LISTEN && break
		sleep 0.02
	done
	hold 22 10
	local first=$HELD
	wait_est 22 1
	hold 22 10
	wait_est 22 2
	run ip netns exec "$C" timeout 2 nc -zv 10.0.2.2 22
	[ "$status" -ne 0 ]
	[[ "$output" == *"Connection refused"* ]]
	[ "$(cnt FORWARD 2)" -eq 1 ]
	[ "$(cnt FORWARD 3)" -eq 2 ]
	# close the first: the client closed first, its entry goes TIME_WAIT
	kill "$first"
	wait_est 22 1
	for _ in $(seq 100); do
		ctv -L -p tcp --dport 22 --state TIME_WAIT 2>/dev/null | grep -q . && break
		sleep 0.03
	done
	ctv -L -p tcp --dport 22 --state TIME_WAIT 2>/dev/null | grep -q .
	hold 22 10
	wait_est 22 2
	[ "$(cnt FORWARD 3)" -eq 3 ]
	run ip netns exec "$C" timeout 2 nc -zv 10.0.2.2 22
	[[ "$output" == *"Connection refused"* ]]
	[ "$(cnt FORWARD 2)" -eq 2 ]
	[ "$(ctv -L -p tcp --dport 22 --state ESTABLISHED 2>/dev/null | wc -l)" -eq 2 ]
}

# udp_refused: a connected UDP socket sends to the server's port 5001
# (no listener) and reads: "refused", "timeout" or "answer".
udp_refused() {
	ip netns exec "$C" "$PY" - <<'PY'
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
}

@test "an ICMP port unreachable for an allowed UDP flow comes back as RELATED" {
	qt "$FW" -P FORWARD DROP
	qt "$FW" -A FORWARD -m conntrack --ctstate RELATED -j ACCEPT
	qt "$FW" -A FORWARD -m conntrack --ctstate ESTABLISHED -j ACCEPT
	qt "$FW" -A FORWARD -i qtf0 -p udp --dport 5001 -m conntrack --ctstate NEW -j ACCEPT
	run udp_refused
	[ "$output" = refused ]
	[ "$(cnt FORWARD 1)" -eq 1 ]
	[ "$(cnt FORWARD 2)" -eq 0 ]
	[ "$(cnt FORWARD 3)" -eq 1 ]
	[ "$(policy_pkts FORWARD)" -eq 0 ]
	# without the RELATED rule the error stops at the fw
	qt "$FW" -D FORWARD 1
	run udp_refused
	[ "$output" = timeout ]
	[ "$(cnt FORWARD 1)" -eq 0 ]
	[ "$(cnt FORWARD 2)" -eq 2 ]
	[ "$(policy_pkts FORWARD)" -eq 1 ]
}

@test "TCP teardown: ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT in the table, each with its timeout" {
	need_scapy
	qt "$FW" -P FORWARD DROP
	qt "$FW" -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	qt "$FW" -A FORWARD -i qtf0 -m conntrack --ctstate NEW -j ACCEPT
	ends_quiet
	CT_CHECK="$(ctv_cmd -L -p tcp --dport 7000)" \
		run ip netns exec "$C" "$PY" "$CT" "$C" "$S" \
		cS ck sSA ck cA ck cFA ck sA ck sFA ck cA ck
	echo "$output"
	[ "$output" = "cS arrived
state SYN_SENT 120
sSA arrived
state SYN_RECV 60
cA arrived
state ESTABLISHED 432000
cFA arrived
state FIN_WAIT 120
sA arrived
state CLOSE_WAIT 60
sFA arrived
state LAST_ACK 30
cA arrived
state TIME_WAIT 120" ]
	# (each with the kernel's default timeout, rounded up to 10 s)
	run --separate-stderr ctv -L -p tcp --dport 7000
	echo "$output"
	[[ "$output" =~ ^tcp\ +6\ 1[01][0-9]\ TIME_WAIT\ src=10\.0\.1\.2\ .*\[ASSURED\] ]]
}

@test "short timeouts expire entries: --ct udp_timeout=2, tcp_timeout_time_wait=2" {
	ct_set udp_timeout=2 tcp_timeout_time_wait=2
	qt "$FW" -A FORWARD -m state --state ESTABLISHED,RELATED -j ACCEPT
	qt "$FW" -A FORWARD -m state --state NEW -j ACCEPT
	qt "$FW" -P FORWARD DROP
	tcp_listen 8080
	udp_send 10.0.2.2 5001 1 >/dev/null
	ip netns exec "$C" timeout 2 socat -T 1 - TCP:10.0.2.2:8080 </dev/null >/dev/null
	sleep 0.2
	run --separate-stderr ctv -L -p udp
	echo "$output"
	[[ "$output" =~ ^udp\ +17\ [12]\ src=10\.0\.1\.2\ dst=10\.0\.2\.2\ .*dport=5001\ \[UNREPLIED\] ]]
	[ "$(ctv -L -p tcp --state TIME_WAIT 2>/dev/null | wc -l)" -eq 1 ]
	[ "$(ctv -C)" -eq 2 ]
	sleep 3
	# the kernel's count (-C) keeps expired entries until its garbage
	# collector or a dump (-L) removes them; ours does not
	[ -n "${QT_ORACLE:-}" ] || [ "$(ctv -C)" -eq 0 ]
	[ "$(ctv -L 2>/dev/null | wc -l)" -eq 0 ]
	[ "$(ctv -C)" -eq 0 ]
}
