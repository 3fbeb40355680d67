#!/usr/bin/env bash
# Differential packet test for IPv6 (packets6.py): verdicts and counters
# of kernel ip6tables-nft and of qtablesd, twin topologies
#   c1 -- fw1 -- s1   fw1 judged by the kernel (ip6tables-nft): the oracle
#   c2 -- fw2 -- s2   fw2 judged by qtablesd
# with the same IPv6 addresses (fd00:1::/64 client side, fd00:2::/64
# server side), interface names and MAC addresses, static neighbours
# and no neighbour discovery, router solicitation or MLD of their own
# (the clients send nothing but the test's frames, the firewalls
# nothing at all). SEED=N, PACKET_CASES=N as run-packets.sh. Ends with
# "N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
QT_PREFIX=${QT_PREFIX:-qtpd6$$}
. "$here/twins.sh" run-packets6
seed=${SEED:-20261207}
ncases=${PACKET_CASES:-200}
twins_need /usr/sbin/ip6tables-nft /usr/sbin/ip6tables-nft-restore

twin6() {
	twin_base6 "$1" || return 1
	local c=$TWIN_C f=$TWIN_F s=$TWIN_S
	ip -n "$c" -6 route add default via fd00:1::1
	ip -n "$s" -6 route add default via fd00:2::1
	ip -n "$f" -6 route add default via fd00:2::2
	ip netns exec "$f" sysctl -qw net.ipv6.conf.all.forwarding=1 || return 1
	local a
	for a in fd00:2::2 fd00:2::77 fd00:2::50 fd00:9::1; do
		ip -n "$f" neigh replace "$a" lladdr 02:00:00:00:02:02 dev qtf1 nud permanent
	done
	ip -n "$f" neigh replace fd00:1::2 lladdr 02:00:00:00:01:02 dev qtf0 nud permanent
	ip netns exec "$s" nft -f - <<'NFT' || return 1
table ip6 pdobs6 {
	set seen { typeof ip6 flowlabel; flags dynamic; size 65535; }
	chain pre { type filter hook prerouting priority -500; policy drop; update @seen { ip6 flowlabel }; }
	chain out { type filter hook output priority -500; policy drop; }
}
NFT
	ip netns exec "$f" nft -f - <<'NFT' || return 1
table ip6 pdobs6 {
	set seen { typeof ip6 flowlabel; flags dynamic; size 65535; }
	chain in { type filter hook input priority 500; policy drop; update @seen { ip6 flowlabel }; }
	chain out { type filter hook output priority -500; policy drop; }
}
NFT
	ip netns exec "$c" nft -f - <<'NFT' || return 1
table ip6 pdobs6 {
	chain in { type filter hook input priority -500; policy drop; }
	chain out { type filter hook output priority -500; policy drop; }
}
NFT
}

start=$(date +%s)
twin6 1 || die "cannot build the kernel twin"
twin6 2 || die "cannot build the qtables twin"
qt_daemon "$FW2" --no-state --no-syslog || die "qtablesd did not start"
for _ in $(seq 100); do qt "$FW2" -L >/dev/null 2>&1 && break; sleep 0.05; done
# whatever the twins' kernels sent at link up has passed
sleep 1

echo "run-packets6: seed $seed, $ncases cases"
"$py" "$here/packets6.py" "$seed" "$ncases" "$FW1" "$FW2" "$C1" "$C2" "$S1" "$S2" "$QT_BUILD"
rc=$?
echo "run-packets6: $(( $(date +%s) - start ))s" >&2
exit $rc
