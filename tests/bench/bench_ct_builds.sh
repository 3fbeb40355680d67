#!/usr/bin/env bash
# Benchmark, not a test: this build's connection table against the one
# of an earlier commit, side by side in one run (the machine is noisy,
# so the two alternate round by round).
#
#   tests/bench/bench_ct_builds.sh REV [ROUNDS [CONNS [SECONDS]]]
#                                  (defaults 9, 10000, 1)
#
# Builds REV in a throw-away worktree (or takes its configured build
# from QT_BUILD_BEFORE), then runs tests/bench/bench_conntrack of both
# builds in turn, CONNS connections, SECONDS per case: median Mpps per
# case (UDP and TCP, one packet at a time and in prefetched bursts), the
# best round (other load only ever slows a round down) and the ratios
# this/REV, per second of wall time and (-cpu) of the
# benchmark thread's CPU time, with each build's entry size. REV's
# build uses this tree's tests/bench/bench_conntrack.c. QT_BUILD selects
# this build (default _build). No root, no kernel, no namespaces.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 REV [ROUNDS [CONNS [SECONDS]]]" >&2; exit 2; }
rev=$1 rounds=${2:-9} conns=${3:-10000} secs=${4:-1}
B=${QT_BUILD:-$top/_build}
work=$(mktemp -d /tmp/qtables-bench-ct.XXXXXX)
cleanup() {
	git -C "$top" worktree remove --force "$work/src" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
before=${QT_BUILD_BEFORE:-}
if [ -z "$before" ]; then
	git -C "$top" worktree add -q --detach "$work/src" "$rev"
	# both builds measure with this tree's benchmark program
	cp "$top/tests/bench/bench_conntrack.c" "$work/src/tests/bench/"
	echo "building $rev ($(git -C "$top" log -1 --format=%h "$rev")) in $work"
	"$work/src/scripts/build.sh" "$work/build" >/dev/null
	before=$work/build
fi
make -C "$before" -s tests/bench/bench_conntrack >/dev/null
make -C "$B" -s tests/bench/bench_conntrack >/dev/null
old=$before/tests/bench/bench_conntrack new=$B/tests/bench/bench_conntrack

# one round of one build: "proto mode Mpps" lines, and "proto entry N"
one() {
	"$1" "$conns" 256 "$secs" | awk '
		/ Mpps / {
			sub(":", "", $1); m = ($7 == "bursts" ? "burst" : "single")
			print $1, m, $2
			for (i = 1; i < NF; i++) if ($(i + 1) == "Mpps" && $(i + 2) == "of") print $1, m "-cpu", $i
		}
		/ entry / { sub(":", "", $1); print $1, "entry", $(NF - 1) }'
}
: >"$work/old" ; : >"$work/new"
for ((r = 0; r < rounds; r++)); do
	if ((r % 2)); then one "$new" >>"$work/new"; one "$old" >>"$work/old"
	else one "$old" >>"$work/old"; one "$new" >>"$work/new"; fi
done
echo
echo "conntrack, $conns connections: Mpps, medians and bests of $rounds alternating rounds (this build / $rev)"
python3 - "$work/old" "$work/new" <<'PY'
import statistics, sys
def load(p):
    d = {}
    for line in open(p):
        proto, mode, v = line.split()
        d.setdefault((proto, mode), []).append(float(v))
    return d
old, new = load(sys.argv[1]), load(sys.argv[2])
print("%-5s %-10s %8s %8s %6s   %8s %8s %6s" % ("proto", "mode", "before", "this", "ratio", "best-bef", "best-thi", "ratio"))
for k in sorted(old):
    if k in new and k[1] != "entry":
        mo, mn = statistics.median(old[k]), statistics.median(new[k])
        bo, bn = max(old[k]), max(new[k])
        print("%-5s %-10s %8.2f %8.2f %5.2fx   %8.2f %8.2f %5.2fx" % (k[0], k[1], mo, mn, mn / mo, bo, bn, bn / bo))
e = ("udp", "entry")
if e in old and e in new:
    print("entry: %d bytes before, %d bytes this" % (old[e][0], new[e][0]))
PY
