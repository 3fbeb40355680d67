#!/usr/bin/env bats
# qtables-conntrack: the engine's connection table in conntrack(8)'s
# format, with real traffic through qtablesd in the fw namespace of
# qt_topo (client 10.0.1.2 -- fw -- server 10.0.2.2). Rules that use
# conntrack make the engine track; the lines, counts, deletions, flushes
# and statistics are then read with qtables-conntrack.
#
# QT_ORACLE=1 runs the same tests against the kernel: iptables-nft and
# conntrack(8) itself (whose summary lines say "conntrack v1.4.7
# (conntrack-tools)" where ours say "qtables-conntrack v1.4.7 (qtables)").

bats_require_minimum_version 1.5.0

load datapath_lib

# The view of the fw namespace: ours, or the kernel's with QT_ORACLE.
ctv() {
	if [ -n "${QT_ORACLE:-}" ]; then
		ip netns exec "$FW" conntrack "$@"
	else
		ip netns exec "$FW" "$QT_BUILD/qtables-conntrack" "$@"
	fi
}

# The summary line's start.
SUM='^(qtables-conntrack v1\.4\.7 \(qtables\)|conntrack v1\.4\.7 \(conntrack-tools\)): '

# Forwarding with state: what is established passes, new connections
# too; INVALID falls to the DROP policy.
state_rules() {
	qt "$FW" -A FORWARD -m state --state ESTABLISHED,RELATED -j ACCEPT
	qt "$FW" -A FORWARD -m state --state NEW -j ACCEPT
	qt "$FW" -P FORWARD DROP
}

# A TCP connection from the client to server port 8080 that stays open
# (idle) for $1 seconds; waits until the table shows it ESTABLISHED.
tcp_open() {
	ip netns exec "$S" socat TCP-LISTEN:8080,reuseaddr SYSTEM:"sleep $1" \
		>/dev/null 2>&1 &
	BGPIDS+=("$!")
	for _ in $(seq 100); do
		ip netns exec "$S" ss -Hltn "sport = :8080" | grep -q LISTEN && break
		sleep 0.02
	done
	ip netns exec "$C" sh -c "sleep $1 | socat - TCP:10.0.2.2:8080" \
		>/dev/null 2>&1 &
	BGPIDS+=("$!")
	for _ in $(seq 100); do
		ctv -L -p tcp --state ESTABLISHED 2>/dev/null | grep -q 'dport=8080' &&
			return 0
		sleep 0.03
	done
	echo "no ESTABLISHED entry for the connection:" >&2
	ctv -L >&2
	return 1
}

# Some of everything: a TCP connection, one UDP datagram nobody answers,
# a UDP exchange, a ping.
traffic() {
	tcp_open 20
	recv_start 5001
	[ "$(udp_send 10.0.2.2 5001 1)" -eq 1 ]
	[ "$(recv_count)" -eq 1 ]
	: >"$QT_RUN/pong.err"
	ip netns exec "$S" "$PY" "$DP" pong 5002 2>"$QT_RUN/pong.err" 3>&- &
	BGPIDS+=("$!")
	for _ in $(seq 250); do
		grep -q ready "$QT_RUN/pong.err" && break
		sleep 0.02
	done
	# -t: socat waits this long for the answer once its input has
	# ended (0.5 s by default, short on a loaded machine)
	run ip netns exec "$C" sh -c 'echo ping | socat -t 3 -T 3 - UDP:10.0.2.2:5002,sourceport=5555'
	echo "udp exchange: $status '$output'"
	[ "$output" = pong ]
	[ "$(pings 1 10.0.2.2 -W 2)" -eq 1 ]
}

A='10\.0\.1\.2'
B='10\.0\.2\.2'

@test "-L: TCP, UDP and ICMP entries in conntrack's format" {
	state_rules
	traffic
	run --separate-stderr ctv -L
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	[[ "$stderr" =~ ${SUM}4\ flow\ entries\ have\ been\ shown\.$ ]]
	local l tcp=0 udp1=0 udp2=0 icmp=0
	for l in "${lines[@]}"; do
		if [[ "$l" =~ ^tcp\ {6}6\ 43(1[89][0-9]{2}|2000)\ ESTABLISHED\ src=$A\ dst=$B\ sport=([0-9]+)\ dport=8080\ src=$B\ dst=$A\ sport=8080\ dport=([0-9]+)\ \[ASSURED\]\ mark=0\ use=1$ ]]; then
			[ "${BASH_REMATCH[2]}" = "${BASH_REMATCH[3]}" ]
			tcp=$((tcp + 1))
		elif [[ "$l" =~ ^udp\ {6}17\ (2[0-9]|30)\ src=$A\ dst=$B\ sport=([0-9]+)\ dport=5001\ \[UNREPLIED\]\ src=$B\ dst=$A\ sport=5001\ dport=([0-9]+)\ mark=0\ use=1$ ]]; then
			[ "${BASH_REMATCH[2]}" = "${BASH_REMATCH[3]}" ]
			udp1=$((udp1 + 1))
		elif [[ "$l" =~ ^udp\ {6}17\ (2[0-9]|30)\ src=$A\ dst=$B\ sport=5555\ dport=5002\ src=$B\ dst=$A\ sport=5002\ dport=5555\ mark=0\ use=1$ ]]; then
			udp2=$((udp2 + 1))
		elif [[ "$l" =~ ^icmp\ {5}1\ (2[0-9]|30)\ src=$A\ dst=$B\ type=8\ code=0\ id=([0-9]+)\ src=$B\ dst=$A\ type=0\ code=0\ id=([0-9]+)\ mark=0\ use=1$ ]]; then
			[ "${BASH_REMATCH[2]}" = "${BASH_REMATCH[3]}" ]
			icmp=$((icmp + 1))
		fi
	done
	echo "tcp=$tcp udp1=$udp1 udp2=$udp2 icmp=$icmp"
	[ $tcp -eq 1 ] && [ $udp1 -eq 1 ] && [ $udp2 -eq 1 ] && [ $icmp -eq 1 ]
	# -C counts what -L shows
	run ctv -C
	[ "$output" = 4 ]
}

@test "-L filters: -p, -s/-d, --sport/--dport, --state, -u" {
	state_rules
	traffic
	ctv -L 2>&1   # shown when an assertion below fails
	n() { ctv -L "$@" 2>/dev/null | wc -l; }
	[ "$(n -p tcp)" -eq 1 ]
	[ "$(n -p udp)" -eq 2 ]
	[ "$(n -p icmp)" -eq 1 ]
	[ "$(n -p 17)" -eq 2 ]
	[ "$(n -s 10.0.1.2)" -eq 4 ]
	[ "$(n -s 10.0.1.0/24)" -eq 4 ]
	[ "$(n -s 10.0.2.2)" -eq 0 ]
	[ "$(n -d 10.0.2.2 -p icmp)" -eq 1 ]
	[ "$(n -r 10.0.2.2)" -eq 4 ]
	[ "$(n -q 10.0.2.2)" -eq 0 ]
	[ "$(n -p udp --dport 5001)" -eq 1 ]
	[ "$(n -p udp --sport 5555)" -eq 1 ]
	[ "$(n -p udp --reply-port-src 5002)" -eq 1 ]
	[ "$(n -p tcp --dport 8080 --state ESTABLISHED)" -eq 1 ]
	[ "$(n -p tcp --state TIME_WAIT)" -eq 0 ]
	[ "$(n -u ASSURED)" -ge 1 ]
	[ "$(n -u ASSURED -p tcp)" -eq 1 ]
	[ "$(n -u UNREPLIED)" -eq 1 ]
	ctv -L -u UNREPLIED 2>/dev/null | grep -q 'dport=5001 \[UNREPLIED\]'
	[ "$(n -u SEEN_REPLY)" -eq 3 ]
	[ "$(n -m 0)" -eq 4 ]
	[ "$(n -m 1)" -eq 0 ]
	[ "$(n -f ipv6)" -eq 0 ]
	run --separate-stderr ctv -L -p tcp --state ESTABLISHED
	[[ "$stderr" =~ ${SUM}1\ flow\ entries\ have\ been\ shown\.$ ]]
}

@test "-D with a filter, then -F, -C" {
	state_rules
	traffic
	run --separate-stderr ctv -D -p udp --dport 5001
	echo "$output"; echo "$stderr"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" =~ ^udp\ {6}17\ [0-9]+\ src=$A\ dst=$B\ sport=[0-9]+\ dport=5001\ \[UNREPLIED\] ]]
	[[ "$stderr" =~ ${SUM}1\ flow\ entries\ have\ been\ deleted\.$ ]]
	[ "$(ctv -C)" -eq 3 ]
	[ "$(ctv -L -p udp 2>/dev/null | wc -l)" -eq 1 ]
	# nothing left to delete: status 1
	run --separate-stderr ctv -D -p udp --dport 5001
	[ "$status" -eq 1 ]
	[[ "$stderr" =~ ${SUM}0\ flow\ entries\ have\ been\ deleted\.$ ]]
	# -D -s: the ICMP entry
	run --separate-stderr ctv -D -s 10.0.1.2 -p icmp
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^icmp\ {5}1\  ]]
	[ "$(ctv -C)" -eq 2 ]
	run --separate-stderr ctv -F
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[[ "$stderr" =~ ${SUM}connection\ tracking\ table\ has\ been\ emptied\.$ ]]
	[ "$(ctv -C)" -eq 0 ]
	run --separate-stderr ctv -L
	[ -z "$output" ]
	[[ "$stderr" =~ ${SUM}0\ flow\ entries\ have\ been\ shown\.$ ]]
	# a new ping is tracked again
	[ "$(pings 1 10.0.2.2)" -eq 1 ]
	[ "$(ctv -L -p icmp 2>/dev/null | wc -l)" -eq 1 ]
}

@test "-S: one statistics line per table, counting what happened" {
	state_rules
	traffic
	run ctv -S
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -ge 1 ]
	local l found=0 insert=0
	for l in "${lines[@]}"; do
		[[ "$l" =~ ^cpu=[0-9]+\ *$'\t'found=([0-9]+)\ invalid=[0-9]+\ insert=([0-9]+)\ insert_failed=[0-9]+\ drop=[0-9]+\ early_drop=[0-9]+\ error=[0-9]+\ search_restart=[0-9]+\ clash_resolve=[0-9]+\ chaintoolong=[0-9]+\ $ ]]
		found=$((found + BASH_REMATCH[1]))
		insert=$((insert + BASH_REMATCH[2]))
	done
	if [ -z "${QT_ORACLE:-}" ]; then
		# one table per queue thread: one (queue 0) here
		[ "${#lines[@]}" -eq 1 ]
	fi
	# found and insert stay 0, as in the kernel
	echo "found=$found insert=$insert"
}

@test "the connection mark: CONNMARK --set-mark, shown and filtered by -m" {
	state_rules
	qt "$FW" -t mangle -A PREROUTING -p icmp -j CONNMARK --set-mark 0x15
	[ "$(pings 1 10.0.2.2)" -eq 1 ]
	run --separate-stderr ctv -L -p icmp
	echo "$output"
	[[ "${lines[0]}" =~ \ mark=21\ use=1$ ]]
	[ "$(ctv -L -m 21 2>/dev/null | wc -l)" -eq 1 ]
	[ "$(ctv -L -m 5/0xf 2>/dev/null | wc -l)" -eq 1 ]
	[ "$(ctv -L -m 0 2>/dev/null | wc -l)" -eq 0 ]
}

@test "conntrack(8)'s messages and exit codes" {
	run --separate-stderr ctv -L -X
	[ "$status" -eq 2 ]
	[[ "$stderr" =~ ${SUM}unknown\ option\ \`-X\'$'\n'Try\ \` ]]
	run --separate-stderr ctv -L -D
	[ "$status" -eq 2 ]
	[[ "$stderr" =~ ${SUM}Invalid\ commands\ combination ]]
	run --separate-stderr ctv -C -p tcp
	[ "$status" -eq 2 ]
	[[ "$stderr" =~ ${SUM}Illegal\ option\ \`--protonum\'\ with\ this\ command ]]
	run --separate-stderr ctv -L -p tcp --state FOO
	[ "$status" -eq 2 ]
	[[ "$stderr" =~ ${SUM}unknown\ TCP\ state\ \`FOO\' ]]
	run --separate-stderr ctv -L -u FOO
	[ "$status" -eq 2 ]
	[[ "$stderr" =~ ${SUM}Bad\ parameter\ \`FOO\' ]]
	run --separate-stderr ctv -L --sport 80
	[ "$status" -eq 2 ]
	[[ "$stderr" =~ ${SUM}unknown\ option\ \`--sport\' ]]
	run ctv -h
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" =~ ^Usage:\ (qtables-)?conntrack\ \[commands\]\ \[options\]$ ]]
}

@test "without qtablesd: says it cannot reach it" {
	[ -z "${QT_ORACLE:-}" ] || skip "qtablesd only"
	stop_daemon
	run --separate-stderr ctv -L
	[ "$status" -eq 1 ]
	[[ "$stderr" =~ cannot\ reach\ qtablesd ]]
}
