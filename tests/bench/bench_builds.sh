#!/usr/bin/env bash
# Benchmark, not a test: this build against the build of an earlier
# commit, measured side by side in one run (the machine is noisy, so the
# two alternate round by round).
#
#   tests/bench/bench_builds.sh REV [ROUNDS]     (default ROUNDS 9)
#
# Builds REV in a throw-away worktree, then:
#   engine  tests/bench/bench_engine of both builds, one round each in
#           turn: median Mpps per case and the ratio this/REV;
#   e2e     (as root) tests/bench/bench_e2e.sh with QT_BUILD_BEFORE set
#           to REV's build: its qtablesd beside this one's in the same
#           interleaved rounds (ratios q20/b20 and q10k/b10k).
# QT_BUILD selects this build (default _build).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 REV [ROUNDS]" >&2; exit 2; }
rev=$1 rounds=${2:-9}
B=${QT_BUILD:-$top/_build}
work=$(mktemp -d /tmp/qtables-bench-builds.XXXXXX)
cleanup() {
	git -C "$top" worktree remove --force "$work/src" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
git -C "$top" worktree add -q --detach "$work/src" "$rev"
echo "building $rev ($(git -C "$top" log -1 --format=%h "$rev")) in $work"
"$work/src/scripts/build.sh" "$work/build" >/dev/null
make -C "$work/build" -s tests/bench/bench_engine >/dev/null
make -C "$B" -s tests/bench/bench_engine >/dev/null
old=$work/build/tests/bench/bench_engine new=$B/tests/bench/bench_engine

# one round of one build: "shape rules packets Mpps" lines
one() { "$1" 1 | awk 'NF >= 4 && $2 ~ /^[0-9]+$/ && ($3 == "miss" || $3 == "last") { print $1, $2, $3, $4 }'; }
: >"$work/old" ; : >"$work/new"
for ((r = 0; r < rounds; r++)); do
	if ((r % 2)); then one "$new" >>"$work/new"; one "$old" >>"$work/old"
	else one "$old" >>"$work/old"; one "$new" >>"$work/new"; fi
done
echo
echo "engine: Mpps, medians of $rounds alternating rounds (this build / $rev)"
python3 - "$work/old" "$work/new" <<'PY'
import statistics, sys
def load(p):
    d = {}
    for line in open(p):
        s, n, k, v = line.split()
        d.setdefault((s, int(n), k), []).append(float(v))
    return {k: statistics.median(v) for k, v in d.items()}
old, new = load(sys.argv[1]), load(sys.argv[2])
print("%-10s %6s %-5s %9s %9s %7s" % ("shape", "rules", "pkt", "before", "this", "ratio"))
for k in sorted(old, key=lambda k: (k[0], k[1], k[2])):
    if k in new:
        print("%-10s %6d %-5s %9.2f %9.2f %6.2fx" % (k[0], k[1], k[2], old[k], new[k], new[k] / old[k]))
PY
if [ "$(id -u)" = 0 ]; then
	echo
	echo "e2e (this build's qtablesd: q20, q10k; $rev's: b20, b10k)"
	QT_BUILD=$B QT_BUILD_BEFORE=$work/build "$top/tests/bench/bench_e2e.sh" "${E2E_ROUNDS:-3}" "${E2E_SECS:-2}"
fi
