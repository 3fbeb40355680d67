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
. "$here/twins.sh" run-packets
seed=${SEED:-20240611}
ncases=${PACKET_CASES:-320}

# twin N: twin_lan4, the observers
twin() {
	twin_lan4 "$1" || return 1
	local s=$TWIN_S
	ip netns exec "$s" nft -f - <<'NFT' || return 1
table ip pdobs {
	set seen { typeof ip id . ip frag-off; flags dynamic; size 65535; }
	chain pre { type filter hook prerouting priority -500; policy drop; update @seen { ip id . ip frag-off }; }
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

echo "run-packets: seed $seed, $ncases cases"
"$py" "$here/packets.py" "$seed" "$ncases" "$FW1" "$FW2" "$C1" "$C2" "$S1" "$S2" "$QT_BUILD"
rc=$?
echo "run-packets: $(( $(date +%s) - start ))s" >&2
exit $rc
