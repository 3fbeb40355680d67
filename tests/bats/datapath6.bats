#!/usr/bin/env bats
# IPv6 on the packet path: ip6tables rules enforced by qtablesd on real
# traffic between namespaces. client $C (fd00:1::2, qtc0) -- fw $FW
# (qtf0 fd00:1::1 | qtf1 fd00:2::1) -- server $S (fd00:2::2, qts0), the
# IPv4 addresses of tests/lib/qt.sh's topology too.

load nft_twin_lib

# A default-deny stateful INPUT as ufw's before6.rules has it: loopback,
# ESTABLISHED,RELATED and ICMPv6 accepted (neighbour discovery), one
# TCP port open.
RULES6='*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p ipv6-icmp -j ACCEPT
-A INPUT -p tcp -m tcp --dport 2222 -j ACCEPT
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -p ipv6-icmp -j ACCEPT
-A FORWARD -p tcp -m tcp --dport 5001 -j ACCEPT
COMMIT'

setup() {
	twin_init qtv6dp || return 1
	topo6 "" || return 1
	C=$C_ FW=$FW_ S=$S_
}

teardown() {
	[ -z "${NFLOG_OLD:-}" ] || echo "$NFLOG_OLD" >/proc/sys/net/netfilter/nf_log_all_netns
	TWIN_STOP_SIGNAL=KILL twin_teardown
}

# Three namespaces NAME-c$1, -fw$1, -s$1 joined by veths, IPv4 and IPv6
# (no duplicate address detection, no router solicitations: no packet
# the test did not send, beyond neighbour discovery); sets C_ FW_ S_.
topo6() {
	local ns
	twin_trio_up "$1" || return 1
	# the links ready for IPv6 before any test: on new links the kernel
	# may leave the first neighbour solicitation unanswered for a second
	# (with or without a firewall); the neighbours met meanwhile are
	# forgotten again, so that every test starts from the same state
	ip netns exec "$C_" ping -6 -n -q -c 1 -w 5 fd00:1::1 >/dev/null 2>&1
	ip netns exec "$S_" ping -6 -n -q -c 1 -w 5 fd00:2::1 >/dev/null 2>&1
	for ns in "$C_" "$FW_" "$S_"; do
		ip -n "$ns" -6 neigh flush all
	done
	return 0
}

qt6() { local ns=$1; shift; ip netns exec "$ns" "$QT_BUILD/ip6tables" "$@"; }
qt6_restore() { local ns=$1; shift; ip netns exec "$ns" "$QT_BUILD/ip6tables-restore" "$@"; }
ipt6() { local ns=$1; shift; ip netns exec "$ns" /usr/sbin/ip6tables-nft "$@"; }
ipt6_restore() { local ns=$1; shift; ip netns exec "$ns" /usr/sbin/ip6tables-nft-restore "$@"; }
ipt6_save() { local ns=$1; shift; ip netns exec "$ns" /usr/sbin/ip6tables-nft-save "$@"; }

# A TCP server in namespace NS on PORT answering "ok" and closing.
listen() {
	ip netns exec "$1" socat TCP6-LISTEN:"$2",reuseaddr,fork,ipv6only=0 \
		SYSTEM:'echo ok' >/dev/null 2>&1 &
	serving "$1" "$2"
}

# What a connection from the client to ADDR PORT reads ("ok", or
# nothing when it cannot connect within a second). ADDR bracketed for
# IPv6.
fetch() {
	local proto=TCP6
	case $1 in \[*) ;; *) proto=TCP4 ;; esac
	ip netns exec "${FROM:-$C}" timeout 3 socat -T 2 - \
		"$proto:$1:$2,connect-timeout=1" </dev/null 2>/dev/null || true
}

# pings6 N DST: echo requests from the client; how many were answered.
pings6() {
	ip netns exec "${FROM:-$C}" ping -6 -n -q -c "$1" -i 0.05 -W 1 "$2" 2>/dev/null |
		awk '/received/ { print $4 }'
}

@test "IPv6 default-deny stateful INPUT: the open port connects, another does not, ping6 passes, neighbours resolve after the cache is flushed" {
	start_daemon
	echo "$RULES6" | qt6_restore "$FW"
	listen "$FW" 2222
	listen "$FW" 2223
	[ "$(fetch '[fd00:1::1]' 2222)" = ok ]
	[ -z "$(fetch '[fd00:1::1]' 2223)" ]
	[ "$(pings6 3 fd00:1::1)" = 3 ]
	# neighbour discovery on both sides goes through the engine again
	ip -n "$C" neigh flush dev qtc0
	ip -n "$FW" neigh flush dev qtf0
	[ "$(pings6 3 fd00:1::1)" = 3 ]
	ip -n "$C" -6 neigh show fd00:1::1 dev qtc0 | grep -Eq 'lladdr .* (REACHABLE|STALE|DELAY|PROBE)'
	[ "$(fetch '[fd00:1::1]' 2222)" = ok ]
	# the engine judged them: the policy dropped the SYN to 2223, the
	# ICMPv6 rule counted the first echo request and neighbour
	# solicitations (untracked; later echo requests are ESTABLISHED)
	run qt6 "$FW" -L INPUT -v -n -x
	echo "$output"
	[ "$(echo "$output" | sed -n 's/^Chain INPUT (policy DROP \([0-9]*\) packets.*/\1/p')" -ge 1 ]
	[ "$(echo "$output" | awk '$3 == "ACCEPT" && ($4 == "58" || $4 == "ipv6-icmp") { print $1 }')" -ge 2 ]
	# IPv6 is not judged by the IPv4 ruleset: it is empty and accepts
	[ "$(FROM=$C fetch 10.0.1.1 2223)" = ok ]
}

@test "IPv6 default-deny without the ICMPv6 rule: neighbour discovery fails (the engine enforces it)" {
	start_daemon
	echo "$RULES6" | grep -v 'ipv6-icmp' | qt6_restore "$FW"
	ip -n "$C" neigh flush dev qtc0
	ip -n "$FW" neigh flush dev qtf0
	[ "$(pings6 2 fd00:1::1)" = 0 ]
	# with it back, they resolve
	qt6 "$FW" -I INPUT -p ipv6-icmp -j ACCEPT
	[ "$(pings6 3 fd00:1::1)" = 3 ]
}

@test "IPv6 forwarded: a 10 MB transfer through the stateful FORWARD chain arrives intact" {
	start_daemon
	echo "$RULES6" | qt6_restore "$FW"
	head -c 10485760 /dev/urandom >"$QT_RUN/big"
	ip netns exec "$S" socat -u TCP6-LISTEN:5001,reuseaddr OPEN:"$QT_RUN/got",creat,trunc \
		2>/dev/null &
	BGPIDS+=("$!")
	local srv=$!
	for _ in $(seq 100); do
		ip netns exec "$S" ss -Hltn "sport = :5001" | grep -q LISTEN && break
		sleep 0.02
	done
	ip netns exec "$C" timeout 60 socat -u OPEN:"$QT_RUN/big" TCP6:[fd00:2::2]:5001
	wait "$srv" || true
	[ "$(sha256sum <"$QT_RUN/big")" = "$(sha256sum <"$QT_RUN/got")" ]
	# one SYN met the port rule, the rest was ESTABLISHED
	run qt6 "$FW" -L FORWARD -v -n -x
	echo "$output"
	[ "$(echo "$output" | awk '/dpt:5001/ { print $1 }')" = 1 ]
	# a port not open is not forwarded
	listen "$S" 5002
	[ -z "$(fetch '[fd00:2::2]' 5002)" ]
}

# The counters' columns of one chain: pkts bytes target prot.
counts() {
	awk 'NR > 2 { p = $4; if (p == "58") p = "ipv6-icmp"; if (p == "6") p = "tcp"
		if (p == "17") p = "udp"; print $1, $2, $3, p }
	     NR == 1 { print }'
}

# The same traffic: 5 echo requests, a connection to the open port, 3
# UDP datagrams to a closed one.
traffic() {
	[ "$(pings6 5 fd00:1::1)" = 5 ]
	[ "$(fetch '[fd00:1::1]' 2222)" = ok ]
	for i in 1 2 3; do
		echo "d$i" | ip netns exec "${FROM:-$C}" socat -u - UDP6:[fd00:1::1]:9999
	done
	sleep 0.3
}

@test "IPv6 counters: ip6tables -L -v -x as kernel ip6tables-nft counts the same ruleset and traffic (twin namespaces)" {
	# the twin: kernel ip6tables-nft, no daemon
	topo6 k || return 1
	local KC=$C_ KFW=$FW_
	start_daemon
	echo "$RULES6" | qt6_restore "$FW"
	echo "$RULES6" | ipt6_restore "$KFW"
	# no neighbour discovery in the counts: permanent neighbours
	for pair in "$C qtc0 $FW qtf0" "$KC qtc0 $KFW qtf0"; do
		set -- $pair
		ip -n "$1" neigh replace fd00:1::1 lladdr "$(ip -n "$3" -j link show "$4" |
			"$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')" \
			dev "$2" nud permanent
		ip -n "$3" neigh replace fd00:1::2 lladdr "$(ip -n "$1" -j link show "$2" |
			"$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')" \
			dev "$4" nud permanent
	done
	listen "$FW" 2222
	listen "$KFW" 2222
	sleep 1
	qt6 "$FW" -Z
	ipt6 "$KFW" -Z
	traffic
	FROM=$KC traffic
	run qt6 "$FW" -L INPUT -v -n -x
	local ours=$output
	run ipt6 "$KFW" -L INPUT -v -n -x
	local kernel=$output
	echo "qtables:"; echo "$ours"; echo "kernel:"; echo "$kernel"
	[ "$(echo "$ours" | counts)" = "$(echo "$kernel" | counts)" ]
	# and something was counted at all
	echo "$ours" | counts | grep -q '^1 .* ACCEPT tcp$'
}

@test "IPv4 and IPv6 rulesets enforced side by side: each commit changes only its family" {
	start_daemon
	listen "$FW" 2222
	listen "$FW" 2223
	qt "$FW" -A INPUT -p tcp --dport 2222 -j DROP
	[ -z "$(fetch 10.0.1.1 2222)" ]
	[ "$(fetch '[fd00:1::1]' 2222)" = ok ]
	qt6 "$FW" -A INPUT -p tcp --dport 2223 -j DROP
	[ -z "$(fetch '[fd00:1::1]' 2223)" ]
	[ "$(fetch 10.0.1.1 2223)" = ok ]
	[ -z "$(fetch 10.0.1.1 2222)" ]
	qt "$FW" -F INPUT
	[ "$(fetch 10.0.1.1 2222)" = ok ]
	[ -z "$(fetch '[fd00:1::1]' 2223)" ]
	[ "$(fetch '[fd00:1::1]' 2222)" = ok ]
}

@test "IPv6 steering: QTABLES chains in ip6tables-nft-save while qtablesd runs, for the hooks used; gone after it stops" {
	start_daemon
	run ipt6_save "$FW"
	echo "$output"
	# no IPv6 rule yet: no hook queued, kernel conntrack kept out
	! echo "$output" | grep -q 'QTABLES-IN' || false
	echo "$output" | grep -q -- '-A QTABLES-RAW-PRE -j CT --notrack'
	qt6 "$FW" -A INPUT -p tcp --dport 1 -j DROP
	run ipt6_save "$FW"
	echo "$output"
	echo "$output" | grep -q -- '-A INPUT -j QTABLES-IN'
	echo "$output" | grep -q -- '-A QTABLES-IN -j NFQUEUE --queue-num 0'
	! echo "$output" | grep -q 'QTABLES-FWD' || false
	# a stateful rule queues every hook and has nf_defrag_ipv6 reassemble
	qt6 "$FW" -A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT
	run ipt6_save "$FW"
	echo "$output" | grep -q -- '-A FORWARD -j QTABLES-FWD'
	echo "$output" | grep -q -- '-A QTABLES-RAW-PRE -m conntrack --ctstate UNTRACKED'
	stop_daemon TERM
	run ipt6_save "$FW"
	echo "$output"
	! echo "$output" | grep -q 'QTABLES' || false
}

@test "IPv6 ruleset enforced again after a restart (state file) and after SIGHUP" {
	local st=$QT_RUN/rules.v4
	start_daemon --state "$st"
	echo "$RULES6" | qt6_restore "$FW"
	listen "$FW" 2222
	listen "$FW" 2223
	[ -z "$(fetch '[fd00:1::1]' 2223)" ]
	stop_daemon TERM
	# no daemon, no steering: the kernel's (empty) tables let it in
	[ "$(fetch '[fd00:1::1]' 2223)" = ok ]
	start_daemon --state "$st"
	[ -z "$(fetch '[fd00:1::1]' 2223)" ]
	[ "$(fetch '[fd00:1::1]' 2222)" = ok ]
	[ "$(pings6 2 fd00:1::1)" = 2 ]
	# SIGHUP reads the IPv6 file again and runs it
	echo "$RULES6" | sed 's/--dport 2222 -j ACCEPT/--dport 2223 -j ACCEPT/' \
		>"$QT_RUN/rules.v6"
	kill -HUP "$DPID"
	for _ in $(seq 50); do
		qt6 "$FW" -S INPUT | grep -q 'dport 2223' && break
		sleep 0.1
	done
	[ "$(fetch '[fd00:1::1]' 2223)" = ok ]
	[ -z "$(fetch '[fd00:1::1]' 2222)" ]
}

@test "IPv6 ruleset, counters and connections taken over by qtablesd --handover without a state file" {
	start_daemon
	echo "$RULES6" | qt6_restore "$FW"
	listen "$FW" 2222
	listen "$FW" 2223
	[ "$(fetch '[fd00:1::1]' 2222)" = ok ]
	[ -z "$(fetch '[fd00:1::1]' 2223)" ]
	local old=$DPID
	ip netns exec "$FW" "$QT_BUILD/qtablesd" --no-state --handover --log-stderr \
		--no-syslog --handover-wait 0 2>>"$QT_RUN/log.next" &
	DPID=$!
	for _ in $(seq 100); do
		kill -0 "$old" 2>/dev/null || break
		sleep 0.05
	done
	wait "$old" || true
	cat "$QT_RUN/log.next"
	run qt6 "$FW" -S INPUT
	echo "$output"
	[ "${lines[0]}" = "-P INPUT DROP" ]
	echo "$output" | grep -q -- '--dport 2222 -j ACCEPT'
	# the counters went on from where they were
	[ "$(qt6 "$FW" -L INPUT -v -n -x | awk '/dpt:2222/ { print $1 }')" = 1 ]
	[ "$(qt6 "$FW" -L INPUT -v -n -x | sed -n 's/^Chain INPUT (policy DROP \([0-9]*\) packets.*/\1/p')" -ge 1 ]
	# and it is enforced
	[ -z "$(fetch '[fd00:1::1]' 2223)" ]
	[ "$(fetch '[fd00:1::1]' 2222)" = ok ]
	[ "$(qt6 "$FW" -L INPUT -v -n -x | awk '/dpt:2222/ { print $1 }')" = 2 ]
	ipt6_save "$FW" | grep -q -- '-A QTABLES-IN -j NFQUEUE'
}

# qtablesd ARGS in a mount namespace of its own whose /usr/sbin holds
# the same programs (symbolic links to them), so that the test can
# break ip6tables-nft-restore for this daemon alone: break_ip6_restore.
start_daemon_own_sbin() {
	local orig=$QT_RUN/sbin
	mkdir -p "$orig"
	LOG=$QT_RUN/log
	unshare -m sh -c '
		mount --make-rprivate / && mount --bind /usr/sbin "$1" &&
		mount -t tmpfs none /usr/sbin || exit 1
		for f in "$1"/*; do ln -s "$f" "/usr/sbin/${f##*/}"; done
		[ -n "$3" ] && ln -sf /bin/false /usr/sbin/ip6tables-nft-restore
		shift 3
		exec ip netns exec "$0" "$@"' "$FW" "$orig" x "${BROKEN:-}" \
		"$QT_BUILD/qtablesd" --no-state --log-stderr --no-syslog \
		--handover-wait 0 2>>"$LOG" &
	DPID=$!
	for _ in $(seq 100); do
		qt_ready "$FW" && return 0
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.03
	done
	return 1
}
break_ip6_restore() {
	nsenter --mount="/proc/$DPID/ns/mnt" ln -sf /bin/false /usr/sbin/ip6tables-nft-restore
}

@test "IPv6 steering that cannot be installed fails closed: the start is refused; a commit that needs it is refused and the running ruleset stays" {
	BROKEN=1 run start_daemon_own_sbin
	[ "$status" -ne 0 ]
	grep -q 'ip6tables-nft-restore' "$QT_RUN/log"
	stop_daemon KILL
	start_daemon_own_sbin
	listen "$FW" 2222
	qt6 "$FW" -A INPUT -p tcp --dport 2222 -j DROP
	[ -z "$(fetch '[fd00:1::1]' 2222)" ]
	break_ip6_restore
	# FORWARD's first rule needs the FORWARD hook steered: refused
	run qt6 "$FW" -A FORWARD -j DROP
	echo "$output"
	[ "$status" -ne 0 ]
	echo "$output" | grep -q 'not applied'
	[ "$(qt6 "$FW" -S FORWARD)" = "-P FORWARD ACCEPT" ]
	# what ran before still runs, IPv4 commits still work
	[ -z "$(fetch '[fd00:1::1]' 2222)" ]
	qt "$FW" -A INPUT -p tcp --dport 2223 -j DROP
	listen "$FW" 2223
	[ -z "$(fetch 10.0.1.1 2223)" ]
}

@test "IPv6 ruleset kept and enforced across SIGHUP without a state file" {
	start_daemon
	listen "$FW" 2223
	qt6 "$FW" -A INPUT -p tcp --dport 2223 -j DROP
	[ -z "$(fetch '[fd00:1::1]' 2223)" ]
	kill -HUP "$DPID"
	sleep 0.5
	qt6 "$FW" -S INPUT | grep -q -- '--dport 2223 -j DROP'
	[ -z "$(fetch '[fd00:1::1]' 2223)" ]
}

# The same MAC addresses in twin topologies, so that LOG's MAC= agrees.
same_macs() { # client-ns fw-ns
	ip -n "$1" link set qtc0 address 02:00:00:00:01:02
	ip -n "$2" link set qtf0 address 02:00:00:00:01:01
}

@test "IPv6 LOG and REJECT on real traffic: the log line and the replies (tcp-reset, icmp6-port-unreachable, -no-route, -adm-prohibited, -addr-unreachable) as the kernel's twin gives them" {
	local tag="qt6l$$t$BATS_TEST_NUMBER "
	local rules="*filter
-A INPUT -p udp --dport 9999 -j LOG --log-prefix \"$tag\"
-A INPUT -p udp --dport 9999 -j REJECT
-A INPUT -p tcp --dport 2223 -j REJECT --reject-with tcp-reset
-A INPUT -p udp --dport 9996 -j REJECT --reject-with icmp6-no-route
-A INPUT -p udp --dport 9997 -j REJECT --reject-with icmp6-adm-prohibited
-A INPUT -p udp --dport 9998 -j REJECT --reject-with icmp6-addr-unreachable
COMMIT"
	topo6 k || return 1
	same_macs "$C" "$FW"
	same_macs "$C_" "$FW_"
	# the kernel logs from namespaces other than the first only when
	# told to (the previous value is put back by teardown)
	NFLOG_OLD=$(cat /proc/sys/net/netfilter/nf_log_all_netns)
	echo 1 >/proc/sys/net/netfilter/nf_log_all_netns
	start_daemon
	echo "$rules" | qt6_restore "$FW"
	echo "$rules" | ipt6_restore "$FW_"
	local ours_udp ours_tcp kern_udp kern_tcp
	ours_udp=$(ip netns exec "$C" "$PY" "$BATS_TEST_DIRNAME/reply6.py" udp fd00:1::1 9999)
	ours_tcp=$(ip netns exec "$C" "$PY" "$BATS_TEST_DIRNAME/reply6.py" tcp fd00:1::1 2223)
	kern_udp=$(ip netns exec "$C_" "$PY" "$BATS_TEST_DIRNAME/reply6.py" udp fd00:1::1 9999)
	kern_tcp=$(ip netns exec "$C_" "$PY" "$BATS_TEST_DIRNAME/reply6.py" tcp fd00:1::1 2223)
	echo "udp: ours $ours_udp"; echo "udp: kernel $kern_udp"
	echo "tcp: ours $ours_tcp"; echo "tcp: kernel $kern_tcp"
	[ "$kern_udp" != none ] && [ "$kern_tcp" != none ]
	[ "${kern_udp:80:2}" = 01 ] && [ "${kern_tcp:12:2}" = 06 ]
	[ "$ours_udp" = "$kern_udp" ]
	[ "$ours_tcp" = "$kern_tcp" ]
	# the other ICMPv6 types: destination unreachable with their codes
	local port code ours kern
	for port in 9996:00 9997:01 9998:03; do
		code=${port#*:} port=${port%:*}
		ours=$(ip netns exec "$C" "$PY" "$BATS_TEST_DIRNAME/reply6.py" udp fd00:1::1 "$port")
		kern=$(ip netns exec "$C_" "$PY" "$BATS_TEST_DIRNAME/reply6.py" udp fd00:1::1 "$port")
		echo "udp $port: ours $ours"; echo "udp $port: kernel $kern"
		[ "${kern:80:4}" = "01$code" ]
		[ "$ours" = "$kern" ]
	done
	# the log line: the kernel's from the kernel's log, ours from the
	# daemon's LOG stream (--log-stderr)
	local kline oline
	kline=$(dmesg | grep -F "$tag" | tail -1 | sed 's/^\[[ 0-9.]*\] //')
	oline=$(grep -F "$tag" "$LOG" | tail -1)
	echo "kernel: $kline"; echo "ours:   $oline"
	[ -n "$kline" ]
	[ "$oline" = "$kline" ]
	run qt6 "$FW" -L INPUT -v -n -x
	[ "$(echo "$output" | awk '$3 == "REJECT" { n += $1 } END { print n }')" = 5 ]
}

# first_syn NS_C NS_S PORT: the first SYN the client's stack sends to
# [fd00:2::2]:PORT as tcpdump on the server shows it (nothing listens
# there: the client is refused). A loaded machine can start tcpdump
# after the SYN has gone by, so an empty capture is tried again, twice;
# a SYN the firewall lost stays missing and fails the caller.
first_syn() {
	local c=$1 s=$2 port=$3 cap=$QT_RUN/syn.$BATS_TEST_NUMBER.$1 try tpid
	for try in 1 2 3; do
		# emptied here, not only by the child's redirection: the
		# previous capture's "listening" must not be read as this one's
		: >"$cap.err"
		ip netns exec "$s" timeout 5 tcpdump -l -c 1 -n -vv -i qts0 \
			"ip6 and tcp dst port $port and ip6[53] & 0x12 == 0x02" \
			>"$cap" 2>"$cap.err" &
		tpid=$!
		for _ in $(seq 250); do grep -q listening "$cap.err" && break; sleep 0.02; done
		ip netns exec "$c" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET6)
s.settimeout(1)
try:
    s.connect(("fd00:2::2", int(sys.argv[1])))
except OSError:
    pass
' "$port"
		wait "$tpid" || true
		[ -s "$cap" ] && break
		echo "first_syn $port: no SYN captured (try $try): $(cat "$cap.err")" >&2
	done
	cat "$cap"
}

# The MSS option's value in first_syn's output.
mss_of() { grep -o 'mss [0-9]*' | head -1 | cut -d' ' -f2; }

@test "IPv6 TCPMSS: --set-mss and --clamp-mss-to-pmtu (the MTU minus 60) on forwarded SYNs, as the kernel's twin writes them" {
	topo6 k || return 1
	local KC=$C_ KFW=$FW_ KS=$S_
	local rules='*mangle
-A FORWARD -p tcp --dport 8081 --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1000
-A FORWARD -p tcp --dport 8082 --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu
COMMIT'
	local ns
	for ns in "$FW" "$KFW"; do ip -n "$ns" link set qtf1 mtu 1400; done
	for ns in "$S" "$KS"; do ip -n "$ns" link set qts0 mtu 1400; done
	start_daemon
	echo "$rules" | qt6_restore "$FW"
	echo "$rules" | ipt6_restore "$KFW"
	local port ours kern
	for port in 8081 8082 8083; do
		ours=$(first_syn "$C" "$S" $port | mss_of)
		kern=$(first_syn "$KC" "$KS" $port | mss_of)
		echo "port $port: ours mss $ours, kernel mss $kern"
		[ -n "$kern" ]
		[ "$ours" = "$kern" ]
	done
	# what the kernel wrote: 1000, 1400 - 60, and the client's own
	[ "$(first_syn "$C" "$S" 8081 | mss_of)" = 1000 ]
	[ "$(first_syn "$C" "$S" 8082 | mss_of)" = 1340 ]
	[ "$(first_syn "$C" "$S" 8083 | mss_of)" = 1440 ]
	# the segments still hold their checksums (tcpdump checks them)
	run first_syn "$C" "$S" 8082
	echo "$output"
	[[ "$output" != *incorrect* ]]
}

@test "IPv6 CHECKSUM --checksum-fill: a datagram and a SYN whose checksums the client's stack left to the veth arrive with them filled" {
	start_daemon
	local rules='*mangle
-A POSTROUTING -p udp --dport 6701 -j CHECKSUM --checksum-fill
-A POSTROUTING -p tcp --dport 6702 -j CHECKSUM --checksum-fill
COMMIT'
	echo "$rules" | qt6_restore "$FW"
	local cap=$QT_RUN/csum6
	udp6_once() {
		ip netns exec "$C" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.sendto(b"dhcpv6-like payload", ("fd00:2::2", int(sys.argv[1])))
' "$1"
	}
	capture6() {
		: >"$cap.err"
		ip netns exec "$S" timeout 5 tcpdump -l -c 1 -n -vv -i qts0 "$@" \
			>"$cap" 2>"$cap.err" &
		CAP_PID=$!
		for _ in $(seq 250); do grep -q listening "$cap.err" && return 0; sleep 0.02; done
	}
	# without the target: half a checksum (the test sees offload at all)
	capture6 ip6 and udp dst port 6700
	udp6_once 6700
	wait "$CAP_PID" || true
	cat "$cap"
	grep -q 'bad udp cksum' "$cap"
	capture6 ip6 and udp dst port 6701
	udp6_once 6701
	wait "$CAP_PID" || true
	cat "$cap"
	grep -q 'udp sum ok' "$cap"
	# a SYN: tcpdump says (correct) of a filled checksum
	run first_syn "$C" "$S" 6702
	echo "$output"
	[[ "$output" == *"(correct)"* ]]
	run first_syn "$C" "$S" 6703
	echo "$output"
	[[ "$output" == *"incorrect"* ]]
	run qt6 "$FW" -t mangle -L POSTROUTING -v -n -x
	echo "$output"
	[ "$(echo "$output" | awk '$3 == "CHECKSUM" { n += $1 } END { print n }')" -ge 2 ]
}
