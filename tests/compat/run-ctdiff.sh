#!/usr/bin/env bash
# Differential test of connection tracking: the state of every packet.
# Two twin topologies,
#   c1 -- fw1 -- s1   fw1: the kernel's conntrack (iptables-nft rules)
#   c2 -- fw2 -- s2   fw2: qtablesd
# with the same addresses and MAC addresses. Scripted sequences
# (ctpackets.py, fixed seed; SEED=N to change it) send raw frames from
# both ends; after each packet we compare which of FORWARD's
# "-m conntrack --ctstate X" counters moved (NEW, ESTABLISHED, RELATED,
# INVALID, UNTRACKED). Two phases: the kernel's defaults (tcp_loose=1),
# then nf_conntrack_tcp_loose=0 in fw1 against qtablesd --ct tcp_loose=0.
# One line per mismatching packet; ends with "N passed, N failed".
#
# The end namespaces never answer: an nft table drops everything at
# prerouting before their stacks see it, and their output. fw* sends
# nothing of its own (output dropped) and has static neighbours.
set -u
here=$(cd "$(dirname "$0")" && pwd)
QT_PREFIX=${QT_PREFIX:-qtcd$$}
. "$here/twins.sh" run-ctdiff
seed=${SEED:-20261122}

# twin N: twin_base, static neighbours in fw, end namespaces silent
twin() {
	twin_base "$1" || return 1
	local c=$TWIN_C f=$TWIN_F s=$TWIN_S
	ip -n "$f" neigh replace 10.0.2.2 lladdr 02:00:00:00:02:02 dev qtf1 nud permanent
	ip -n "$f" neigh replace 10.0.2.77 lladdr 02:00:00:00:02:02 dev qtf1 nud permanent
	ip -n "$f" neigh replace 10.0.1.2 lladdr 02:00:00:00:01:02 dev qtf0 nud permanent
	ip netns exec "$f" sh -c 'for i in all default qtf0 qtf1; do
			sysctl -qw net.ipv4.conf.$i.send_redirects=0
		done' || return 1
	for x in "$c" "$s"; do
		ip netns exec "$x" nft -f - <<'NFT' || return 1
table ip ctobs {
	chain pre { type filter hook prerouting priority -500; policy drop; }
	chain out { type filter hook output priority -500; policy drop; }
}
NFT
	done
	ip netns exec "$f" nft -f - <<'NFT' || return 1
table ip ctobs {
	chain out { type filter hook output priority -500; policy drop; }
}
NFT
}

# qtablesd in fw2 with ARGS, the ruleset loaded and the steering in place
start_qt() {
	qt_stop_daemon "$FW2"
	qt_daemon "$FW2" --no-state --no-syslog "$@" || return 1
	twin_qt_wait "$FW2"
	"$py" "$here/ctpackets.py" --rules | qt_restore "$FW2" || return 1
}

start=$(date +%s)
twin 1 || die "cannot build the kernel twin"
twin 2 || die "cannot build the qtables twin"
"$py" "$here/ctpackets.py" --rules | ipt_restore "$FW1" || die "kernel refused the rules"

echo "run-ctdiff: seed $seed"
total_p=0 total_f=0 rc=0
for phase in loose1 loose0; do
	if [ $phase = loose0 ]; then
		ip netns exec "$FW1" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0 ||
			die "cannot set nf_conntrack_tcp_loose in fw1"
		start_qt --ct tcp_loose=0 || die "qtablesd --ct tcp_loose=0 did not start"
	else
		start_qt || die "qtablesd did not start"
	fi
	out=$("$py" "$here/ctpackets.py" "$seed" "$phase" "$FW1" "$FW2" "$C1" "$C2" "$S1" "$S2" "$QT_BUILD")
	r=$?
	printf '%s\n' "$out" | sed '$d'
	last=$(printf '%s\n' "$out" | tail -n 1)
	if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		total_p=$((total_p + BASH_REMATCH[1]))
		total_f=$((total_f + BASH_REMATCH[2]))
	else
		echo "run-ctdiff: $phase: $last"
		total_f=$((total_f + 1))
	fi
	[ $r = 0 ] || rc=1
done
echo "run-ctdiff: $(( $(date +%s) - start ))s" >&2
echo "$total_p passed, $total_f failed"
[ $total_f = 0 ] && [ $rc = 0 ]
