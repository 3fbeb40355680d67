#!/usr/bin/env bash
# Benchmark, not a test: prints numbers, asserts nothing.
#
#   tests/bench/bench_restore.sh [RULES] [RESTORE_RUNS] [ADD_RUNS]
#                                 (defaults 10000 11 51; as root)
#
# In one run, side by side in fresh network namespaces:
#  1. restoring a generated RULES-rule file into qtablesd (with its state
#     file, so persistence is included) vs iptables-nft-restore of the
#     same file into the kernel;
#  2. committing one `-A` into that RULES-rule ruleset: client wall time
#     (fork+exec+reply, measured by timeit inside the namespace), the
#     daemon's own time for the request (qtablesd --timing), the same
#     with --no-state, and iptables-nft -A for comparison.
# Medians of the runs; "first" is the first run (into an empty ruleset
# for the restores). QT_BUILD selects the build (default _build).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${QT_BUILD:-$top/_build}
rules=${1:-10000}
rruns=${2:-11}
aruns=${3:-51}
[ "$(id -u)" = 0 ] || { echo "bench: run as root (network namespaces)" >&2; exit 1; }
[ -x "$B/qtablesd" ] || { echo "bench: no build in $B (set QT_BUILD)" >&2; exit 1; }
NFT_RESTORE=/usr/sbin/iptables-nft-restore
NFT=/usr/sbin/iptables-nft

pfx=qtbench$$
tmp=$(mktemp -d /tmp/qtbench.XXXXXX)
nses=()
pids=()
cleanup() {
	local p n
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
	done
	for n in "${nses[@]}"; do ip netns del "$n" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
newns() { ip netns add "$pfx-$1"; ip -n "$pfx-$1" link set lo up; nses+=("$pfx-$1"); }

cc -O2 -o "$tmp/timeit" "$top/tests/bench/timeit.c"
T=$tmp/timeit

"$top/tests/bench/gen_rules.sh" "$rules" >"$tmp/rules.v4"

start_qtablesd() {   # NS LOG ARGS...
	local ns=$1 log=$2; shift 2
	ip netns exec "$ns" "$B/qtablesd" --timing "$@" 2>"$log" &
	pids+=($!)
	for _ in $(seq 100); do
		ip netns exec "$ns" "$B/qtables" -S >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "bench: qtablesd did not start in $ns" >&2
	exit 1
}

newns q; Q=$pfx-q
newns n; NQ=$pfx-n
newns o; O=$pfx-o
start_qtablesd "$Q" "$tmp/q.log" --state "$tmp/state/rules.v4"
start_qtablesd "$NQ" "$tmp/n.log" --no-state

field() { echo "$1" | awk -v f="$2" '{ print $f }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

echo "qtables bench: $(grep -c '^-A' "$tmp/rules.v4") rules ($(wc -c <"$tmp/rules.v4") bytes), $(nproc) cores, $(uname -r)"
echo
echo "== restore of the $rules-rule file (median of $rruns runs, ms)"
qr=$(ip netns exec "$Q" "$T" "$rruns" -i "$tmp/rules.v4" -q -- "$B/qtables-restore")
nr=$(ip netns exec "$O" "$T" "$rruns" -i "$tmp/rules.v4" -q -- "$NFT_RESTORE")
printf '   %-34s median %9.1f  min %9.1f  first %9.1f\n' "qtables-restore -> qtablesd" \
	"$(field "$qr" 1)" "$(field "$qr" 2)" "$(field "$qr" 5)"
printf '   %-34s median %9.1f  min %9.1f  first %9.1f\n' "iptables-nft-restore -> kernel" \
	"$(field "$nr" 1)" "$(field "$nr" 2)" "$(field "$nr" 5)"
echo "   ratio qtables/iptables-nft (median): $(ratio "$(field "$qr" 1)" "$(field "$nr" 1)")  (target: <= 1)"
# in the daemon: the last restore request
last=$(grep 'timing:' "$tmp/q.log" | tail -1)
echo "   inside qtablesd, last restore: $(echo "$last" | sed 's/.*bytes, status [0-9]*, //')"
if diff <(ip netns exec "$Q" "$B/qtables-save" | grep -v '^#') \
	<(ip netns exec "$O" /usr/sbin/iptables-nft-save | grep -v '^#') >/dev/null; then
	echo "   both saves are identical"
else
	echo "   NOTE: the two saves differ (a compatibility bug, not a timing)"
fi
ip netns exec "$NQ" "$B/qtables-restore" <"$tmp/rules.v4"

echo
echo "== one -A committed into the $rules-rule ruleset (median of $aruns runs, ms)"
v=$(ip netns exec "$Q" "$T" "$aruns" -q -- "$B/qtables" -V)
skip=$(grep -c 'timing:' "$tmp/q.log")
qa=$(ip netns exec "$Q" "$T" "$aruns" -- "$B/qtables" -A INPUT -s 192.0.2.1/32 -j DROP)
skipn=$(grep -c 'timing:' "$tmp/n.log")
na=$(ip netns exec "$NQ" "$T" "$aruns" -- "$B/qtables" -A INPUT -s 192.0.2.1/32 -j DROP)
oa=$(ip netns exec "$O" "$T" "$aruns" -- "$NFT" -A INPUT -s 192.0.2.1/32 -j DROP)
# daemon-side medians of the -A requests: run, saved, replied (cumulative)
inside() {
	grep 'timing:' "$1" | tail -n +"$(($2 + 1))" |
		sed 's/.*run \([0-9.]*\) saved \([0-9.]*\) replied \([0-9.]*\) ms/\1 \2 \3/' |
		awk '{ r[NR] = $1; s[NR] = $2; t[NR] = $3 }
		     function med(a, n,   i, j, x) {
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
				if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x }
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
		     END { printf "run %.2f, +save %.2f, total %.2f", med(r, NR), med(s, NR) - med(r, NR), med(t, NR) }'
}
printf '   %-34s median %7.2f  min %7.2f  max %7.2f\n' "qtables -A (state file)" \
	"$(field "$qa" 1)" "$(field "$qa" 2)" "$(field "$qa" 3)"
echo "      inside qtablesd: $(inside "$tmp/q.log" "$skip") ms  (target: client < 10 ms)"
printf '   %-34s median %7.2f  min %7.2f  max %7.2f\n' "qtables -A (--no-state)" \
	"$(field "$na" 1)" "$(field "$na" 2)" "$(field "$na" 3)"
echo "      inside qtablesd: $(inside "$tmp/n.log" "$skipn") ms"
printf '   %-34s median %7.2f  min %7.2f  max %7.2f\n' "iptables-nft -A" \
	"$(field "$oa" 1)" "$(field "$oa" 2)" "$(field "$oa" 3)"
printf '   %-34s median %7.2f   (process start, no daemon call)\n' "qtables -V" "$(field "$v" 1)"
echo "   ratio qtables/iptables-nft (-A, median): $(ratio "$(field "$qa" 1)" "$(field "$oa" 1)")"
echo "   state file: $(wc -c <"$tmp/state/rules.v4") bytes"
