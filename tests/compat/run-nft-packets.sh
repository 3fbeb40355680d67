#!/usr/bin/env bash
# Differential packet test of nft rules: verdicts and counters. The twin
# topologies of run-packets.sh,
#   c1 -- fw1 -- s1   fw1 judged by the kernel's nft: the oracle
#   c2 -- fw2 -- s2   fw2 judged by qtablesd through qtables' nft
# with the same addresses, interface names and MAC addresses. Generated
# (ruleset, packet) cases (nftpackets.py, fixed seed; SEED=N to change
# it, PACKET_CASES=N for more or fewer): nft tables of family ip and
# inet with several base chains on one hook at different and equal
# priorities, regular chains, sets, dynamic sets the rules fill (add,
# update, a meter's limit; their "expires" normalised), and an iptables
# filter table beside them in some batches; we compare which packets
# reached the server (or the firewall itself) and the listings of the
# batch's tables with their counters (and iptables -L -v -n -x). Then
# XCASES=N (default 48) cases of batches of concatenations, verdict
# maps, bitwise operations, numgen, jhash and fib (nftpackets.py's
# gen_xbatch), CTCASES=N (default 32) of ct's keys (gen_ctbatch), then
# PCASES=N (default 24) cases of payload statements (ip dscp set, tcp
# dport set, ...) on packets the firewall forwards: the server's
# observers record the rewritten frag-off, its kernel drops a packet
# whose IPv4 header checksum is wrong, and its conntrack (set "bad")
# names one whose transport checksum is. One line per failing case;
# ends with "N passed, N failed".
#
# Observers as in run-packets.sh (nft table pdobs of the kernel, outside
# anything judged).
set -u
here=$(cd "$(dirname "$0")" && pwd)
QT_PREFIX=${QT_PREFIX:-qtnp$$}
. "$here/twins.sh" run-nft-packets
seed=${SEED:-20240611}
ncases=${PACKET_CASES:-160}

# twin N: twin_lan4 without IPv6, the observers
twin() {
	twin_lan4 "$1" || return 1
	local c=$TWIN_C f=$TWIN_F s=$TWIN_S ns
	# IPv4 cases only: no IPv6 of the links' own (router solicitations
	# at their own times) for inet tables to count in one twin alone
	for ns in "$c" "$f" "$s"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || return 1
	done
	# the server's kernel verifies transport checksums: no receive
	# checksum offload on its link (veth marks a packet's checksum
	# verified when it is on), set with ethtool's ETHTOOL_SRXCSUM
	ip netns exec "$s" "$py" - qts0 <<'PY' || return 1
import ctypes, fcntl, socket, struct, sys
val = ctypes.create_string_buffer(struct.pack("II", 0x15, 0))
ifr = struct.pack("16sP", sys.argv[1].encode(), ctypes.addressof(val))
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
fcntl.ioctl(sock.fileno(), 0x8946, ifr)
PY
	ip netns exec "$s" nft -f - <<'NFT' || return 1
table ip pdobs {
	set seen { typeof ip id . ip frag-off; flags dynamic; size 65535; }
	set bad { typeof ip id . ip frag-off; flags dynamic; size 65535; }
	chain pre { type filter hook prerouting priority -500; policy accept; update @seen { ip id . ip frag-off }; }
	chain ck { type filter hook prerouting priority -150; policy drop; ct state invalid update @bad { ip id . ip frag-off }; }
	chain out { type filter hook output priority -500; policy drop; }
}
NFT
	twin_pdobs_fw_c
}

start=$(date +%s)
twin 1 || die "cannot build the kernel twin"
twin 2 || die "cannot build the qtables twin"
qt_daemon "$FW2" --no-state --no-syslog || die "qtablesd did not start"
twin_qt_wait "$FW2"

echo "run-nft-packets: seed $seed, $ncases cases, ${XCASES:-48} of maps, numgen, jhash, fib and bitwise, ${CTCASES:-32} of ct's keys, ${PCASES:-24} of payload statements"
"$py" "$here/nftpackets.py" "$seed" "$ncases" "$FW1" "$FW2" "$C1" "$C2" "$S1" "$S2" "$QT_BUILD"
rc=$?
echo "run-nft-packets: $(( $(date +%s) - start ))s" >&2
exit $rc
