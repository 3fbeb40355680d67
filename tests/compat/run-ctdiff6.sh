#!/usr/bin/env bash
# Differential test of IPv6 connection tracking (ctpackets6.py): the
# state of every packet, kernel conntrack (ip6tables-nft rules) against
# qtablesd, twin topologies
#   c1 -- fw1 -- s1   fw1: the kernel's conntrack
#   c2 -- fw2 -- s2   fw2: qtablesd
# with the same IPv6 addresses and MAC addresses. After each packet we
# compare which of FORWARD's "-m conntrack --ctstate X" counters moved.
# The end namespaces never answer, fw* sends nothing of its own (static
# neighbours, output dropped). SEED=N to change the seed. Ends with
# "N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
QT_PREFIX=${QT_PREFIX:-qtcd6$$}
. "$here/twins.sh" run-ctdiff6
seed=${SEED:-20261207}
twins_need /usr/sbin/ip6tables-nft /usr/sbin/ip6tables-nft-restore

twin6() {
	twin_base6 "$1" || return 1
	local c=$TWIN_C f=$TWIN_F s=$TWIN_S ns a
	ip netns exec "$f" sh -c 'sysctl -qw net.ipv6.conf.all.forwarding=1
		for i in all default qtf0 qtf1; do
			sysctl -qw net.ipv6.conf.$i.accept_redirects=0
		done' || return 1
	for a in fd00:2::2 fd00:2::77; do
		ip -n "$f" neigh replace "$a" lladdr 02:00:00:00:02:02 dev qtf1 nud permanent
	done
	ip -n "$f" neigh replace fd00:1::2 lladdr 02:00:00:00:01:02 dev qtf0 nud permanent
	for ns in "$c" "$s"; do
		ip netns exec "$ns" nft -f - <<'NFT' || return 1
table ip6 ctobs6 {
	chain pre { type filter hook prerouting priority -500; policy drop; }
	chain out { type filter hook output priority -500; policy drop; }
}
NFT
	done
	ip netns exec "$f" nft -f - <<'NFT' || return 1
table ip6 ctobs6 {
	chain out { type filter hook output priority -500; policy drop; }
}
NFT
}

start=$(date +%s)
twin6 1 || die "cannot build the kernel twin"
twin6 2 || die "cannot build the qtables twin"
"$py" "$here/ctpackets6.py" --rules | ip netns exec "$FW1" /usr/sbin/ip6tables-nft-restore ||
	die "kernel refused the rules"
qt_daemon "$FW2" --no-state --no-syslog || die "qtablesd did not start"
for _ in $(seq 100); do qt "$FW2" -L >/dev/null 2>&1 && break; sleep 0.05; done
"$py" "$here/ctpackets6.py" --rules | ip netns exec "$FW2" "$QT_BUILD/ip6tables-restore" ||
	die "qtables refused the rules"
for _ in $(seq 100); do
	ip netns exec "$FW2" /usr/sbin/ip6tables-nft-save -t mangle 2>/dev/null |
		grep -q 'QTABLES-FWD -j NFQUEUE' && break
	sleep 0.05
done
sleep 0.5

echo "run-ctdiff6: seed $seed"
"$py" "$here/ctpackets6.py" "$seed" "$FW1" "$FW2" "$C1" "$C2" "$S1" "$S2" "$QT_BUILD"
rc=$?
echo "run-ctdiff6: $(( $(date +%s) - start ))s" >&2
exit $rc
