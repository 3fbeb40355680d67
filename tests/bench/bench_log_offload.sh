#!/usr/bin/env bash
# Benchmark: what log group costs a commit. The kernel logs what the
# engine tags (io/log_offload.h), from a table qtablesd makes at each
# commit that changes the log statements' parameters: an nft run.
#
#   tests/bench/bench_log_offload.sh [SLOTS] [RUNS]   (defaults 15 9; as root)
#
# In a namespace of its own, one qtablesd; each run times one nft
# command through qtables' nft (client, commit, answer):
#   plain    a rule added to a ruleset that logs to no group
#   same     a rule added to a ruleset that logs to SLOTS groups, the
#            log statements unchanged (the table is left as it is)
#   new      a log statement with new parameters added to such a ruleset
#            (the table of SLOTS slots made again), one taken out after
# Prints the medians (ms) and the ratios to plain, measured side by side.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${QT_BUILD:-$top/_build}
slots=${1:-15}
runs=${2:-9}
[ "$(id -u)" = 0 ] || { echo "bench: run as root (network namespaces)" >&2; exit 1; }
[ -x "$B/qtablesd" ] || { echo "bench: no build in $B (set QT_BUILD)" >&2; exit 1; }
[ "$slots" -ge 2 ] && [ "$slots" -le 15 ] || { echo "bench: SLOTS 2..15" >&2; exit 1; }

ns=${QT_PREFIX:-qtlogb$$}-fw
tmp=$(mktemp -d /tmp/qtlogb.XXXXXX)
dpid=
cleanup() {
	[ -z "$dpid" ] || { kill "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null || true; }
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" "$B/qtablesd" --no-state --no-syslog --handover-wait 0 \
	2>"$tmp/log" &
dpid=$!
for _ in $(seq 200); do
	ip netns exec "$ns" "$B/qtables" -S >/dev/null 2>&1 && break
	sleep 0.03
done
nft() { ip netns exec "$ns" "$B/nft" "$@"; }
nft add table ip p
nft 'add chain ip p in { type filter hook input priority 0; }'
nft add table ip l
nft 'add chain ip l in { type filter hook input priority 0; }'

ms() { # command...: its wall time in ms (three decimals)
	local a b
	a=$(date +%s%N)
	"$@" >/dev/null
	b=$(date +%s%N)
	echo "scale=3; ($b - $a) / 1000000" | bc
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# the ruleset that logs: SLOTS - 1 groups (one slot left for "new")
for g in $(seq 1 $((slots - 1))); do
	nft add rule ip l in udp dport $((5000 + g)) log prefix \"g$g \" group "$g"
done
: >"$tmp/plain"; : >"$tmp/same"; : >"$tmp/new"
for r in $(seq "$runs"); do
	# side by side, each run: plain, same, new (and the new one out)
	ms nft add rule ip p in udp dport $((6000 + r)) counter >>"$tmp/plain"
	ms nft add rule ip l in udp dport $((7000 + r)) counter >>"$tmp/same"
	ms nft add rule ip l in udp dport 9999 log group $((100 + r)) >>"$tmp/new"
	h=$(nft -a list chain ip l in | sed -n 's/.*group '$((100 + r))' # handle \([0-9]*\)$/\1/p')
	nft delete rule ip l in handle "$h"
done
ip netns exec "$ns" /usr/sbin/nft list table ip qtables_log >/dev/null ||
	{ echo "bench: no log table" >&2; exit 1; }
p=$(median <"$tmp/plain"); s=$(median <"$tmp/same"); n=$(median <"$tmp/new")
echo "commit medians over $runs runs, $slots slots: plain $p ms, same $s ms, new $n ms"
echo "ratios to plain: same $(echo "scale=2; $s / $p" | bc), new $(echo "scale=2; $n / $p" | bc)"
