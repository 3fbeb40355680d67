#!/usr/bin/env bash
# Install what is missing, build, and run every test suite of qtables.
# Ends with one line: "N passed, N failed" (the sum over all suites).
set -u
top=$(cd "$(dirname "$0")" && pwd)
cd "$top"
[ "$(id -u)" = 0 ] || { echo "check.sh: run as root (tests use network namespaces)"; exit 1; }

./scripts/deps.sh || { echo "check.sh: installing dependencies failed"; echo "0 passed, 1 failed"; exit 1; }

pass=0 fail=0
logdir=$top/_build/test-logs
note() { printf '== %s\n' "$*"; }

# count "N passed, N failed" from the last such line of a log
add_summary() {
	local line
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
	if [ -z "$line" ]; then
		echo "   (no summary line: counted as 1 failure)"
		fail=$((fail + 1))
		return
	fi
	local p f
	p=$(echo "$line" | awk '{print $1}')
	f=$(echo "$line" | awk '{print $3}')
	pass=$((pass + p)); fail=$((fail + f))
	echo "   $line"
}

# automake's harness: "# PASS:  N", "# FAIL:  N", "# ERROR: N", "# XPASS: N"
add_automake() {
	local p f
	p=$(grep -E '^# PASS: ' "$1" | tail -1 | awk '{print $3}')
	f=$(grep -E '^# (FAIL|ERROR|XPASS): ' "$1" | awk '{s += $3} END {print s + 0}')
	[ -n "$p" ] || { echo "   (make check printed no summary)"; fail=$((fail + 1)); return; }
	pass=$((pass + p)); fail=$((fail + f))
	echo "   $p passed, $f failed"
}

# bats --tap: "ok N ..." / "not ok N ..."
add_tap() {
	local p f
	p=$(grep -cE '^ok ' "$1")
	f=$(grep -cE '^not ok ' "$1")
	pass=$((pass + p)); fail=$((fail + f))
	echo "   $p passed, $f failed"
	# each failure with the first lines of what bats printed for it, so
	# a failure seen only in CI can be diagnosed from its output
	awk '/^not ok / { n = 0; show = 1; print; next }
	     /^ok / { show = 0 }
	     show && /^#/ && n < 25 { print; n++ }' "$1" | head -120 | sed 's/^/   /'
}

note "build"
if ! ./scripts/build.sh "$top/_build"; then
	echo "check.sh: the build failed"
	echo "0 passed, 1 failed"
	exit 1
fi
mkdir -p "$logdir"

note "unit tests (make check)"
(cd _build && make -j"$(nproc)" check >"$logdir/unit.log" 2>&1)
grep -E '^(FAIL|ERROR):' "$logdir/unit.log" | head -20 | sed 's/^/   /'
add_automake "$logdir/unit.log"

if [ "${QT_SKIP_ASAN:-0}" != 1 ]; then
	note "unit tests under ASan+UBSan"
	if ./scripts/build.sh "$top/_build_asan" --enable-sanitizers CC=clang; then
		(cd _build_asan && ASAN_OPTIONS=detect_leaks=1 make -j"$(nproc)" check >"$logdir/asan.log" 2>&1)
		grep -E '^(FAIL|ERROR):' "$logdir/asan.log" | head -20 | sed 's/^/   /'
		add_automake "$logdir/asan.log"
	else
		echo "   sanitizer build failed"; fail=$((fail + 1))
	fi
fi

if [ "${QT_SKIP_FUZZ:-0}" != 1 ]; then
	note "fuzz target builds (clang, libFuzzer; run it with tests/fuzz/run.sh SECONDS)"
	if tests/fuzz/run.sh --build-only "$top/_build_fuzz" >"$logdir/fuzz-build.log" 2>&1; then
		pass=$((pass + 1)); echo "   1 passed, 0 failed"
	else
		fail=$((fail + 1)); echo "   0 passed, 1 failed"
		tail -20 "$logdir/fuzz-build.log" | sed 's/^/   /'
	fi
fi

# Every compat suite (run-diff once per corpus) and every bats file is a
# job; two workers take the jobs in turn from one list, longest first,
# each in namespaces of its own (names carry the job's PID). Most of a
# job's time is waiting on packets and programs, so two at once roughly
# halve the time on two cores. Tests that measure time (gaps, paced
# flows) run afterwards, alone.
serial_bats="handover.bats datapath_targets.bats"
jobs=$logdir/jobs
: >"$jobs"
while read -r _ f; do
	printf 'diff %s\n' "$f" >>"$jobs"
done < <(wc -l tests/compat/corpus*.txt | grep -v ' total$' |
	grep -v '/corpus_nft[^/]*\.txt$' | sort -rn)
for suite in tests/compat/run-*.sh; do
	[ -x "$suite" ] && [ "$(basename "$suite")" != run-diff.sh ] &&
		printf 'compat %s\n' "$suite" >>"$jobs"
done
if ls tests/bats/*.bats >/dev/null 2>&1; then
	# shellcheck disable=SC2012
	for f in $(ls -S tests/bats/*.bats); do
		case " $serial_bats " in *" $(basename "$f") "*) continue ;; esac
		printf 'bats %s\n' "$f" >>"$jobs"
	done
fi
njobs=$(wc -l <"$jobs")
echo 0 >"$logdir/jobs.next"

run_job() { # N KIND FILE
	local start=$SECONDS
	case $2 in
	diff) QT_BUILD=$top/_build tests/compat/run-diff.sh "$3" ;;
	compat) QT_BUILD=$top/_build "$3" ;;
	bats) QT_BUILD=$top/_build bats --tap "$3" ;;
	esac >"$logdir/job.$1.log" 2>&1
	echo $((SECONDS - start)) >"$logdir/job.$1.secs"
}

worker() {
	local n kind file
	while :; do
		{
			flock 9
			n=$(cat "$logdir/jobs.next")
			echo $((n + 1)) >"$logdir/jobs.next"
		} 9>"$logdir/jobs.lock"
		[ "$n" -lt "$njobs" ] || return 0
		read -r kind file < <(sed -n "$((n + 1))p" "$jobs")
		run_job "$n" "$kind" "$file"
	done
}

note "compat suites and bats, two at once ($njobs jobs)"
worker &
other=$!
worker
wait "$other"

report_job() { # N KIND FILE
	note "$2: $(basename "$3") ($(cat "$logdir/job.$1.secs" 2>/dev/null || echo '?') s)"
	if [ "$2" = bats ]; then
		add_tap "$logdir/job.$1.log"
	else
		grep -E '^(FAIL|not ok)' "$logdir/job.$1.log" | head -20 | sed 's/^/   /'
		add_summary "$logdir/job.$1.log"
	fi
}
n=0
while read -r kind file; do
	report_job "$n" "$kind" "$file"
	n=$((n + 1))
done <"$jobs"

for f in $serial_bats; do
	[ -e "tests/bats/$f" ] || continue
	run_job "s$f" bats "tests/bats/$f"
	report_job "s$f" bats "tests/bats/$f"
done

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
