#!/usr/bin/env bash
# Benchmark: how long qtablesd takes from start to READY=1 with a saved
# RULES-rule state file, beside iptables-nft-restore of the same rules.
#
#   tests/bench/bench_ready.sh [RULES] [RUNS]     (defaults 10000 9; as root)
#
# The state file is made once (qtables-restore into a qtablesd with
# --state). Each run then starts qtablesd with it, with the datapath (so
# the time includes compiling the ruleset, binding the queues and
# installing the steering rules), in a fresh network namespace, under a
# notification socket of ready_time's own, and stops it again
# (--handover-wait 0: the next run must not wait for a holder). Each
# iptables-nft-restore run loads the same rules into a fresh namespace.
# Prints the medians (ms) and their ratio, and the CPU time qtablesd used
# (start to exit, user + system: what a busy machine inflates least);
# exits 1 when the median time to READY=1 is over LIMIT_MS (default 200).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${QT_BUILD:-$top/_build}
rules=${1:-10000}
runs=${2:-9}
limit=${LIMIT_MS:-200}
[ "$(id -u)" = 0 ] || { echo "bench: run as root (network namespaces)" >&2; exit 1; }
[ -x "$B/qtablesd" ] || { echo "bench: no build in $B (set QT_BUILD)" >&2; exit 1; }
NFT_RESTORE=/usr/sbin/iptables-nft-restore

pfx=qtready$$
tmp=$(mktemp -d /tmp/qtready.XXXXXX)
nses=()
dpid=
cleanup() {
	[ -z "$dpid" ] || { kill "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null || true; }
	local n
	for n in "${nses[@]}"; do ip netns del "$n" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
newns() { ip netns add "$pfx-$1"; ip -n "$pfx-$1" link set lo up; nses+=("$pfx-$1"); }
delns() { ip netns del "$pfx-$1"; }

cc -O2 -o "$tmp/ready_time" "$top/tests/bench/ready_time.c"
cc -O2 -o "$tmp/timeit" "$top/tests/bench/timeit.c"
"$top/tests/bench/gen_rules.sh" "$rules" >"$tmp/rules.v4"

# the state file, written by the daemon itself
newns mk
ip netns exec "$pfx-mk" "$B/qtablesd" --no-datapath --state "$tmp/state.v4" \
	--handover-wait 0 2>"$tmp/mk.err" &
dpid=$!
for _ in $(seq 100); do
	ip netns exec "$pfx-mk" "$B/qtables" -S INPUT 1 >/dev/null 2>&1 && break
	sleep 0.05
done
ip netns exec "$pfx-mk" "$B/qtables-restore" <"$tmp/rules.v4"
kill "$dpid"; wait "$dpid" 2>/dev/null || true; dpid=
delns mk

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

: >"$tmp/q.out"; : >"$tmp/n.ms"
for i in $(seq "$runs"); do
	newns "q$i"
	"$tmp/ready_time" "/run/netns/$pfx-q$i" 10000 -- "$B/qtablesd" \
		--state "$tmp/state.v4" --handover-wait 0 --no-syslog \
		${QT_READY_ARGS:-} 2>>"$tmp/q.err" >>"$tmp/q.out" ||
		{ cat "$tmp/q.err" >&2; exit 1; }
	delns "q$i"
	newns "n$i"
	ip netns exec "$pfx-n$i" "$tmp/timeit" 1 -i "$tmp/rules.v4" -q -- \
		"$NFT_RESTORE" | awk '{ print $1 }' >>"$tmp/n.ms"
	delns "n$i"
done
awk '{ print $1 }' "$tmp/q.out" >"$tmp/q.ms"
awk '{ print $2 }' "$tmp/q.out" >"$tmp/q.cpu"
q=$(median <"$tmp/q.ms")
qc=$(median <"$tmp/q.cpu")
n=$(median <"$tmp/n.ms")
echo "qtables bench: start to READY=1 with a $(grep -c '^-A' "$tmp/rules.v4")-rule state file ($(wc -c <"$tmp/state.v4") bytes), $runs runs, $(nproc) cores, $(uname -r)"
printf '   %-40s median %8.1f ms  (runs: %s)\n' "qtablesd start -> READY=1" "$q" "$(tr '\n' ' ' <"$tmp/q.ms")"
printf '   %-40s median %8.1f ms  (runs: %s)\n' "qtablesd CPU, start to exit" "$qc" "$(tr '\n' ' ' <"$tmp/q.cpu")"
printf '   %-40s median %8.1f ms  (runs: %s)\n' "iptables-nft-restore, same rules" "$n" "$(tr '\n' ' ' <"$tmp/n.ms")"
awk -v a="$q" -v b="$n" 'BEGIN { printf "   ratio qtablesd READY / iptables-nft-restore: %.2f\n", (b > 0 ? a / b : 0) }'
awk -v a="$q" -v l="$limit" 'BEGIN { if (a > l) { printf "   over the %d ms target\n", l; exit 1 } printf "   within the %d ms target\n", l }'
