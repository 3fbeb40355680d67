#!/usr/bin/env bats
# -j CHECKSUM --checksum-fill on real traffic through qtablesd
# (extensions/CHECKSUM.c), in the fw namespace of qt_topo (client
# 10.0.1.2 -- fw -- server 10.0.2.2). A veth sends with its checksum
# offload on: a datagram or segment from the client's stack crosses
# both veths with only the pseudo-header's sum in its checksum field
# (CHECKSUM_PARTIAL) and the server's kernel trusts it, so tcpdump on
# the server shows it bad. CHECKSUM at the fw's POSTROUTING must make
# it arrive with its checksum right, as the kernel's target does
# (QT_ORACLE=1 runs the same tests against kernel iptables-nft).

bats_require_minimum_version 1.5.0

load datapath_lib

# capture FILTER: tcpdump -vv on the server's interface for one packet;
# capture_wait waits for it (not in a subshell: the capture is this
# shell's child) and puts what it saw in $output.
capture() {
	CAP_OUT=$QT_RUN/cap.$BATS_TEST_NUMBER
	# emptied before tcpdump starts: an earlier capture's "listening"
	# in the file must not be taken for this one's
	: >"$CAP_OUT.err"
	ip netns exec "$S" timeout 5 tcpdump -l -c 1 -n -vv -i qts0 "$@" \
		>"$CAP_OUT" 2>"$CAP_OUT.err" &
	CAP_PID=$!
	BGPIDS+=("$CAP_PID")
	for _ in $(seq 250); do
		grep -q listening "$CAP_OUT.err" && return 0
		sleep 0.02
	done
	return 1
}
capture_wait() {
	wait "$CAP_PID" || true
	output=$(cat "$CAP_OUT")
}

# One UDP datagram from the client's own stack (a socket: the checksum
# is left to the veth).
udp_once() {
	ip netns exec "$C" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"dhcp-like payload", (sys.argv[1], int(sys.argv[2])))
' "$@"
}

# One TCP SYN from the client's stack (nothing listens: it is refused).
syn_once() {
	ip netns exec "$C" "$PY" -c '
import socket, sys
s = socket.socket()
s.settimeout(1)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
except OSError:
    pass
' "$@"
}

@test "CHECKSUM: a UDP datagram with its checksum left to the veth arrives with it filled" {
	# without the target the datagram arrives with a half checksum:
	# the test sees offloaded traffic at all
	qt $FW -t mangle -A POSTROUTING -p udp --dport 6700 -j ACCEPT
	capture udp port 6700
	udp_once 10.0.2.2 6700
	capture_wait
	echo "$output"
	[[ "$output" == *"bad udp cksum"* ]]

	qt $FW -t mangle -A POSTROUTING -p udp --dport 6701 -j CHECKSUM --checksum-fill
	capture udp port 6701
	udp_once 10.0.2.2 6701
	capture_wait
	echo "$output"
	[[ "$output" == *"udp sum ok"* ]]
	[[ "$output" == *"length 17"* ]]
	[ "$(cnt POSTROUTING 2 mangle)" = 1 ]
}

@test "CHECKSUM: a TCP SYN with its checksum left to the veth arrives with it filled; others are untouched" {
	qt $FW -t mangle -A POSTROUTING -p tcp --dport 6702 -j CHECKSUM --checksum-fill
	capture tcp port 6702 and 'tcp[tcpflags] & tcp-syn != 0'
	syn_once 10.0.2.2 6702
	capture_wait
	echo "$output"
	[[ "$output" == *"(correct)"* ]]
	[[ "$output" != *"incorrect"* ]]

	# the same target at another port's rule does nothing to this one
	capture tcp port 6703 and 'tcp[tcpflags] & tcp-syn != 0'
	syn_once 10.0.2.2 6703
	capture_wait
	echo "$output"
	[[ "$output" == *"incorrect"* ]]
}

@test "CHECKSUM: a datagram whose checksum was computed is passed on as it is, a wrong one too" {
	qt $FW -t mangle -A POSTROUTING -p udp --dport 6704 -j CHECKSUM --checksum-fill
	capture udp port 6704
	# scapy writes the checksum itself (a raw socket: nothing is left
	# to the veth), here a wrong one the kernel leaves alone
	ip netns exec "$C" "$PY" -c '
from scapy.all import IP, UDP, Raw, send
send(IP(dst="10.0.2.2") / UDP(sport=4000, dport=6704, chksum=0x1234) / Raw(b"whole"), verbose=0)
'
	capture_wait
	echo "$output"
	[[ "$output" == *"bad udp cksum 0x1234"* ]]
	[ "$(cnt POSTROUTING 1 mangle)" = 1 ]
}
