#!/usr/bin/env bash
# Differential packet test: verdicts and counters. Two twin topologies,
#   c1 -- fw1 -- s1   fw1 judged by the kernel (iptables-nft): the oracle
#   c2 -- fw2 -- s2   fw2 judged by qtablesd
# with the same addresses, interface names and MAC addresses. Generated
# (ruleset, packet) cases (packets.py, fixed seed; SEED=N to change it,
# PACKET_CASES=N for more or fewer) go out of both clients; we compare
# which packets reached the server (or the firewall itself) and what
# each case added to every counter of iptables -L -v -n -x (raw, mangle,
# filter). One line per failing case; ends with "N passed, N failed".
#
# Observers (nft table pdobs, outside iptables' tables): the server drops
# everything at prerouting after recording (ip id . frag-off); the
# firewall records what its INPUT let through and sends nothing itself
# (its output is dropped first), so no replies disturb the counters.
set -u
here=$(cd "$(dirname "$0")" && pwd)
QT_PREFIX=${QT_PREFIX:-qtpd$$}
. "$here/../lib/qt.sh"
trap qt_cleanup EXIT
seed=${SEED:-20240611}
ncases=${PACKET_CASES:-320}

skip() { echo "run-packets: skipped: $*"; echo "0 passed, 0 failed"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
py=
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import scapy.all' 2>/dev/null; then
		py=$p; break
	fi
done
[ -n "$py" ] || skip "python3 scapy missing (scripts/deps.sh installs python3-scapy)"
for t in /usr/sbin/iptables-nft /usr/sbin/iptables-nft-restore nft; do
	command -v "$t" >/dev/null || skip "$t missing"
done
[ -x "$QT_BUILD/qtablesd" ] || { echo "run-packets: no $QT_BUILD/qtablesd (set QT_BUILD)"; echo "0 passed, 1 failed"; exit 1; }

die() { echo "run-packets: $*"; echo "0 passed, 1 failed"; exit 1; }

# twin N: namespaces c$N fw$N s$N; sets C$N FW$N S$N
twin() {
	local n=$1 c f s
	qt_ns "c$n" || return 1; c=$QT_NS
	qt_ns "fw$n" || return 1; f=$QT_NS
	qt_ns "s$n" || return 1; s=$QT_NS
	ip link add qtc0 netns "$c" address 02:00:00:00:01:02 type veth \
		peer name qtf0 netns "$f" address 02:00:00:00:01:01 || return 1
	ip link add qts0 netns "$s" address 02:00:00:00:02:02 type veth \
		peer name qtf1 netns "$f" address 02:00:00:00:02:01 || return 1
	ip -n "$c" addr add 10.0.1.2/24 brd + dev qtc0
	ip -n "$f" addr add 10.0.1.1/24 brd + dev qtf0
	ip -n "$f" addr add 10.0.2.1/24 brd + dev qtf1
	ip -n "$s" addr add 10.0.2.2/24 brd + dev qts0
	ip -n "$c" link set qtc0 up
	ip -n "$f" link set qtf0 up
	ip -n "$f" link set qtf1 up
	ip -n "$s" link set qts0 up
	ip -n "$c" route add default via 10.0.1.1
	ip -n "$s" route add default via 10.0.2.1
	# every other destination goes to the server; no ARP on the way
	ip -n "$f" route add default via 10.0.2.2
	for a in 10.0.2.2 10.0.2.77 10.0.2.200; do
		ip -n "$f" neigh replace "$a" lladdr 02:00:00:00:02:02 dev qtf1 nud permanent
	done
	ip -n "$c" neigh replace 10.0.1.1 lladdr 02:00:00:00:01:01 dev qtc0 nud permanent
	ip netns exec "$f" sh -c 'sysctl -qw net.ipv4.ip_forward=1
		for i in all default qtf0 qtf1; do
			sysctl -qw net.ipv4.conf.$i.rp_filter=0
			sysctl -qw net.ipv4.conf.$i.accept_local=0
		done
		sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=0' || return 1
	ip netns exec "$s" nft -f - <<'NFT' || return 1
table ip pdobs {
	set seen { typeof ip id . ip frag-off; flags dynamic; size 65535; }
	chain pre { type filter hook prerouting priority -500; policy drop; update @seen { ip id . ip frag-off }; }
	chain out { type filter hook output priority -500; policy drop; }
}
NFT
	ip netns exec "$f" nft -f - <<'NFT' || return 1
table ip pdobs {
	set seen { typeof ip id . ip frag-off; flags dynamic; size 65535; }
	chain in { type filter hook input priority 500; policy drop; update @seen { ip id . ip frag-off }; }
	chain out { type filter hook output priority -500; policy drop; }
}
NFT
	ip netns exec "$c" nft -f - <<'NFT' || return 1
table ip pdobs {
	chain in { type filter hook input priority -500; policy drop; }
}
NFT
	eval "C$n=$c FW$n=$f S$n=$s"
}

start=$(date +%s)
twin 1 || die "cannot build the kernel twin"
twin 2 || die "cannot build the qtables twin"
qt_daemon "$FW2" --no-state --no-syslog || die "qtablesd did not start"
for _ in $(seq 100); do qt "$FW2" -L >/dev/null 2>&1 && break; sleep 0.05; done
# the steering must be in place before the first packet
for _ in $(seq 100); do
	ip netns exec "$FW2" /usr/sbin/iptables-nft-save -t mangle 2>/dev/null |
		grep -q 'QTABLES-FWD -j NFQUEUE' && break
	sleep 0.05
done

echo "run-packets: seed $seed, $ncases cases"
"$py" "$here/packets.py" "$seed" "$ncases" "$FW1" "$FW2" "$C1" "$C2" "$S1" "$S2" "$QT_BUILD"
rc=$?
echo "run-packets: $(( $(date +%s) - start ))s" >&2
exit $rc
