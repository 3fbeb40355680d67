#!/usr/bin/env bash
# Benchmark, not a test: prints numbers, asserts nothing.
#
#   tests/bench/bench_nft_elements.sh [ELEMENTS] [RUNS]
#                                      (defaults 10000 11; as root)
#
# In one run, side by side in fresh network namespaces: one `nft -f`
# of a file that flushes the ruleset, adds a table and an ipv4_addr set
# and ELEMENTS elements in one `add element`, loaded by the kernel's
# nft 1.0.6 and by qtables' nft into qtablesd (with its state file, so
# persistence is included), in rounds that alternate the two. Prints the
# median, least and first wall times (the first run loads into an empty
# ruleset), the median of the rounds' ratios, the CPU time of
# each side (qtables: client and daemon), and the ratios kernel/qtables
# (the target: qtables at least 5x faster). The two listings are
# compared afterwards. QT_BUILD selects the build (default _build).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${QT_BUILD:-$top/_build}
n=${1:-10000}
runs=${2:-11}
[ "$(id -u)" = 0 ] || { echo "bench: run as root (network namespaces)" >&2; exit 1; }
[ -x "$B/qtablesd" ] || { echo "bench: no build in $B (set QT_BUILD)" >&2; exit 1; }
NFT=/usr/sbin/nft

pfx=${QT_PREFIX:-qtbnft}$$
tmp=$(mktemp -d /tmp/qtbench.XXXXXX)
nses=()
pids=()
cleanup() {
	local p ns
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
	done
	for ns in "${nses[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
newns() { ip netns add "$pfx-$1"; ip -n "$pfx-$1" link set lo up; nses+=("$pfx-$1"); }

cc -O2 -o "$tmp/timeit" "$top/tests/bench/timeit.c"
T=$tmp/timeit

{
	echo "flush ruleset"
	echo "add table ip bench"
	echo "add set ip bench addrs { type ipv4_addr ; }"
	printf 'add element ip bench addrs { '
	awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++)
		printf "%s10.%d.%d.%d", i ? ", " : "", int(i / 65536) % 256,
			int(i / 256) % 256, i % 256 }'
	echo " }"
} >"$tmp/elements.nft"

newns k; K=$pfx-k
newns q; Q=$pfx-q
ip netns exec "$Q" "$B/qtablesd" --timing --state "$tmp/state/rules.v4" 2>"$tmp/q.log" &
dpid=$!
pids+=("$dpid")
for _ in $(seq 100); do
	ip netns exec "$Q" "$B/qtables" -S >/dev/null 2>&1 && break
	sleep 0.05
done

field() { echo "$1" | awk -v f="$2" '{ print $f }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
# CPU seconds of RUNS loads: the command's own (user+sys, kernel work
# done in its system calls included) plus, for qtables, the daemon's
cpu() {   # NS DAEMON_PID CMD...
	local ns=$1 d=$2; shift 2
	local d0=0 d1=0 c
	[ "$d" = - ] || d0=$(ticks "$d")
	c=$( { /usr/bin/time -f '%U %S' ip netns exec "$ns" sh -c \
		'for i in $(seq '"$runs"'); do "$@" >/dev/null; done' sh "$@"; } 2>&1 |
		tail -1 | awk '{ print $1 + $2 }')
	[ "$d" = - ] || d1=$(ticks "$d")
	awk -v c="$c" -v d="$((d1 - d0))" -v hz="$hz" -v r="$runs" \
		'BEGIN { printf "%.1f", (c + d / hz) * 1000 / r }'
}

echo "qtables bench: nft -f adding $n elements ($(wc -c <"$tmp/elements.nft") bytes), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
# rounds alternate the two sides (kernel then qtables, then qtables
# then kernel), so that a change of the machine's load weighs on both;
# each round's ratio compares two loads made one after the other
kt=() qt=() rr=()
for r in $(seq "$runs"); do
	if [ $((r % 2)) = 1 ]; then
		k=$(ip netns exec "$K" "$T" 1 -q -- "$NFT" -f "$tmp/elements.nft")
		q=$(ip netns exec "$Q" "$T" 1 -q -- "$B/nft" -f "$tmp/elements.nft")
	else
		q=$(ip netns exec "$Q" "$T" 1 -q -- "$B/nft" -f "$tmp/elements.nft")
		k=$(ip netns exec "$K" "$T" 1 -q -- "$NFT" -f "$tmp/elements.nft")
	fi
	kt+=("$(field "$k" 1)") qt+=("$(field "$q" 1)")
	rr+=("$(ratio "$(field "$k" 1)" "$(field "$q" 1)")")
done
med() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
	printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
least() { printf '%s\n' "$@" | sort -g | head -1; }
printf '   %-30s median %8.1f  min %8.1f  first %8.1f ms\n' "nft 1.0.6 -> kernel" \
	"$(med "${kt[@]}")" "$(least "${kt[@]}")" "${kt[0]}"
printf '   %-30s median %8.1f  min %8.1f  first %8.1f ms\n' "qtables nft -> qtablesd" \
	"$(med "${qt[@]}")" "$(least "${qt[@]}")" "${qt[0]}"
echo "   kernel/qtables wall: median of the rounds' ratios $(med "${rr[@]}")x, least $(least "${rr[@]}")x, ratio of the medians $(ratio "$(med "${kt[@]}")" "$(med "${qt[@]}")")x  (target: >= 5)"
last=$(grep 'timing:' "$tmp/q.log" | tail -1)
echo "   inside qtablesd, the last load: $(echo "$last" | sed 's/.*bytes, status [0-9]*, //')"
kc=$(cpu "$K" - "$NFT" -f "$tmp/elements.nft")
qc=$(cpu "$Q" "$dpid" "$B/nft" -f "$tmp/elements.nft")
echo "   CPU per load: kernel nft $kc ms, qtables (client + daemon) $qc ms; kernel/qtables $(ratio "$kc" "$qc")x"
if diff <(ip netns exec "$K" "$NFT" list ruleset) \
	<(ip netns exec "$Q" "$B/nft" list ruleset) >/dev/null; then
	echo "   both listings are identical"
else
	echo "   NOTE: the two listings differ (a compatibility bug, not a timing)"
fi
