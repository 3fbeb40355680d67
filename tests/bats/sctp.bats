#!/usr/bin/env bats
# SCTP through qtablesd in the fw namespace of qt_topo (client 10.0.1.2
# -- fw -- server 10.0.2.2): the sctp match on ports and chunk types, and
# the engine's tracking of an association. The kernel here has no SCTP
# module (no sockets of that protocol), so both ends are played by
# sctp_peer.py: hand-built SCTP packets (CRC-32C included) sent and
# received through raw IP sockets, routed through fw as any packet is.
#
# QT_ORACLE=1 runs the same tests against the kernel: iptables-nft, its
# xt_sctp and nf_conntrack_proto_sctp, and conntrack(8) itself.

bats_require_minimum_version 1.5.0

load datapath_lib

PEER=$BATS_TEST_DIRNAME/sctp_peer.py

# The connection table of fw: ours, or the kernel's with QT_ORACLE.
ctv() {
	if [ -n "${QT_ORACLE:-}" ]; then
		ip netns exec "$FW" conntrack "$@"
	else
		ip netns exec "$FW" "$QT_BUILD/qtables-conntrack" "$@"
	fi
}

# listen NS FILE: what reaches NS for 30 s, one line a packet in FILE.
listen() {
	local ready=$QT_RUN/ready.$1
	ip netns exec "$1" "$PY" "$PEER" recv 30 --ready "$ready" >"$2" &
	BGPIDS+=("$!")
	for _ in $(seq 150); do
		[ -e "$ready" ] && return 0
		sleep 0.02
	done
	echo "no receiver in $1" >&2
	return 1
}

# to_s / to_c SPORT DPORT TAG CHUNK...: one packet from the client to
# the server, or back.
to_s() { ip netns exec "$C" "$PY" "$PEER" send 10.0.2.2 "$@"; }
to_c() { ip netns exec "$S" "$PY" "$PEER" send 10.0.1.2 "$@"; }

# arrived FILE LINE N: FILE has N lines equal to LINE (waits for them to
# come; a count that should stay lower is checked after a settling time).
arrived() {
	local n=0
	for _ in $(seq 50); do
		n=$(grep -cx -- "$2" "$1" || true)
		[ "$n" -ge "$3" ] && break
		sleep 0.02
	done
	sleep 0.1
	n=$(grep -cx -- "$2" "$1" || true)
	[ "$n" -eq "$3" ] || { echo "$1: $n of '$2', want $3:" >&2; cat "$1" >&2; return 1; }
}

@test "-p sctp --dport: an allowed port gets through, a refused one does not" {
	qt "$FW" -P FORWARD DROP
	qt "$FW" -A FORWARD -p sctp --dport 5000 -j ACCEPT
	qt "$FW" -A FORWARD -p sctp -m sctp --sport 5000 -j ACCEPT
	listen "$S" "$QT_RUN/s"
	listen "$C" "$QT_RUN/c"
	to_s 40000 5000 0 init:0x1111
	to_s 40001 5001 0 init:0x1112
	to_s 40000 5000 0x2222 data
	to_c 5000 40000 0x1111 init_ack:0x2222
	to_c 5001 40001 0x1112 abort
	arrived "$QT_RUN/s" "5000 1" 1
	arrived "$QT_RUN/s" "5000 0" 1
	arrived "$QT_RUN/s" "5001 1" 0
	arrived "$QT_RUN/c" "40000 2" 1
	arrived "$QT_RUN/c" "40001 6" 0
	[ "$(cnt FORWARD 1)" -eq 2 ]
	[ "$(cnt FORWARD 2)" -eq 1 ]
	[ "$(policy_pkts FORWARD)" -eq 2 ]
	run qt "$FW" -S FORWARD
	[ "${lines[1]}" = "-A FORWARD -p sctp -m sctp --dport 5000 -j ACCEPT" ]
}

@test "--chunk-types: INIT refused, DATA through; flags and only" {
	qt "$FW" -A FORWARD -p sctp -m sctp --chunk-types any INIT -j DROP
	qt "$FW" -A FORWARD -p sctp -m sctp --chunk-types only DATA:E,SACK -j ACCEPT
	qt "$FW" -A FORWARD -p sctp -j DROP
	listen "$S" "$QT_RUN/s"
	to_s 40000 5000 0 init:0x1111
	to_s 40000 5000 0x2222 data
	to_s 40000 5000 0x2222 sack data
	to_s 40000 5000 0x2222 data heartbeat
	arrived "$QT_RUN/s" "5000 1" 0
	arrived "$QT_RUN/s" "5000 0" 1
	arrived "$QT_RUN/s" "5000 3,0" 1
	arrived "$QT_RUN/s" "5000 0,4" 0
	[ "$(cnt FORWARD 1)" -eq 1 ]
	[ "$(cnt FORWARD 2)" -eq 2 ]
	[ "$(cnt FORWARD 3)" -eq 1 ]
	run qt "$FW" -L FORWARD
	[ "${lines[2]}" = "DROP       sctp --  anywhere             anywhere             sctp any INIT" ]
	[ "${lines[3]}" = "ACCEPT     sctp --  anywhere             anywhere             sctp only DATA:E,SACK" ]
}

A='10\.0\.1\.2'
B='10\.0\.2\.2'

@test "conntrack: an association is NEW, then ESTABLISHED and ASSURED; a wrong tag is INVALID; -L in conntrack(8)'s format" {
	qt "$FW" -P FORWARD DROP
	qt "$FW" -A FORWARD -m conntrack --ctstate INVALID -j DROP
	qt "$FW" -A FORWARD -m conntrack --ctstate ESTABLISHED -j ACCEPT
	qt "$FW" -A FORWARD -p sctp --dport 5000 -m conntrack --ctstate NEW -j ACCEPT
	listen "$S" "$QT_RUN/s"
	listen "$C" "$QT_RUN/c"
	to_s 40000 5000 0 init:0x1111
	arrived "$QT_RUN/s" "5000 1" 1
	run --separate-stderr ctv -L -p sctp
	echo "$output"
	[[ "${lines[0]}" =~ ^sctp\ {5}132\ (9|10)\ CLOSED\ src=$A\ dst=$B\ sport=40000\ dport=5000\ \[UNREPLIED\]\ src=$B\ dst=$A\ sport=5000\ dport=40000\ mark=0\ use=1$ ]]
	to_c 5000 40000 0x1111 init_ack:0x2222
	to_s 40000 5000 0x2222 cookie_echo
	to_c 5000 40000 0x1111 cookie_ack
	to_s 40000 5000 0x2222 data
	to_s 40000 5000 0x3333 data
	to_c 5000 40000 0x1111 sack
	arrived "$QT_RUN/c" "40000 2" 1
	arrived "$QT_RUN/s" "5000 10" 1
	arrived "$QT_RUN/c" "40000 11" 1
	arrived "$QT_RUN/s" "5000 0" 1
	arrived "$QT_RUN/c" "40000 3" 1
	[ "$(cnt FORWARD 1)" -eq 1 ]      # the DATA with a wrong tag
	[ "$(cnt FORWARD 2)" -eq 5 ]
	[ "$(cnt FORWARD 3)" -eq 1 ]
	run --separate-stderr ctv -L
	echo "$output"
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" =~ ^sctp\ {5}132\ (20[0-9]|210)\ ESTABLISHED\ src=$A\ dst=$B\ sport=40000\ dport=5000\ src=$B\ dst=$A\ sport=5000\ dport=40000\ \[ASSURED\]\ mark=0\ use=1$ ]]
	[ "$(ctv -L -p sctp --state ESTABLISHED 2>/dev/null | wc -l)" -eq 1 ]
	[ "$(ctv -L -p sctp --dport 5000 2>/dev/null | wc -l)" -eq 1 ]
	# the shutdown, by the server
	to_c 5000 40000 0x1111 shutdown
	run --separate-stderr ctv -L -p sctp --state SHUTDOWN_RECD
	[ "${#lines[@]}" -eq 1 ]
	to_s 40000 5000 0x2222 shutdown_ack
	to_c 5000 40000 0x1111 shutdown_complete
	arrived "$QT_RUN/c" "40000 14" 1
	run --separate-stderr ctv -L -p sctp
	echo "$output"
	[[ "${lines[0]}" =~ ^sctp\ {5}132\ (9|10)\ CLOSED\ src=$A\ dst=$B\ sport=40000\ dport=5000\ src=$B\ dst=$A\ sport=5000\ dport=40000\ \[ASSURED\]\ mark=0\ use=1$ ]]
}

@test "conntrack: what the server opens is NEW and refused by the port rule; a HEARTBEAT with no association is HEARTBEAT_SENT, its ACK establishes it" {
	qt "$FW" -P FORWARD DROP
	qt "$FW" -A FORWARD -m conntrack --ctstate ESTABLISHED -j ACCEPT
	qt "$FW" -A FORWARD -p sctp --dport 5000 -m conntrack --ctstate NEW -j ACCEPT
	listen "$C" "$QT_RUN/c"
	listen "$S" "$QT_RUN/s"
	to_c 5000 40000 0 init:0x1111
	to_s 40007 5000 0x4444 heartbeat
	arrived "$QT_RUN/c" "40000 1" 0
	arrived "$QT_RUN/s" "5000 4" 1
	[ "$(policy_pkts FORWARD)" -eq 1 ]
	run --separate-stderr ctv -L -p sctp --dport 5000
	echo "$output"
	[[ "${lines[0]}" =~ ^sctp\ {5}132\ (2[0-9]|30)\ HEARTBEAT_SENT\ src=$A\ dst=$B\ sport=40007\ dport=5000\ \[UNREPLIED\]\ src=$B\ dst=$A\ sport=5000\ dport=40007\ mark=0\ use=1$ ]]
	to_c 5000 40007 0x5555 heartbeat_ack
	arrived "$QT_RUN/c" "40007 5" 1
	run --separate-stderr ctv -L -p sctp --dport 5000
	echo "$output"
	[[ "${lines[0]}" =~ ^sctp\ {5}132\ (20[0-9]|210)\ ESTABLISHED\ src=$A\ dst=$B\ sport=40007\ dport=5000\ src=$B\ dst=$A\ sport=5000\ dport=40007\ \[ASSURED\]\ mark=0\ use=1$ ]]
}
