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
	grep -E '^not ok ' "$1" | head -20 | sed 's/^/   /'
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

for suite in tests/compat/run-*.sh; do
	[ -x "$suite" ] || continue
	note "compat: $(basename "$suite")"
	if [ "$(basename "$suite")" = run-diff.sh ]; then
		# the longest suite, two programs started per corpus line:
		# its corpora in two lanes at once, each in namespaces of its
		# own, the biggest corpus first into the lane with fewer lines
		lanes=("" "")
		lines=(0 0)
		while read -r n f; do
			[ "${lines[0]}" -le "${lines[1]}" ] && l=0 || l=1
			lanes[l]+=" $f"
			lines[l]=$((lines[l] + n))
		done < <(wc -l tests/compat/corpus*.txt | grep -v ' total$' |
			grep -v '/corpus_nft\.txt$' | sort -rn)
		# shellcheck disable=SC2086
		QT_BUILD=$top/_build "$suite" ${lanes[0]} \
			>"$logdir/run-diff.1.log" 2>&1 &
		lane=$!
		# shellcheck disable=SC2086
		QT_BUILD=$top/_build "$suite" ${lanes[1]} \
			>"$logdir/run-diff.2.log" 2>&1
		wait "$lane"
		for l in 1 2; do
			grep -E '^(FAIL|not ok)' "$logdir/run-diff.$l.log" | head -20 | sed 's/^/   /'
			add_summary "$logdir/run-diff.$l.log"
		done
		continue
	fi
	QT_BUILD=$top/_build "$suite" >"$logdir/$(basename "$suite").log" 2>&1
	grep -E '^(FAIL|not ok)' "$logdir/$(basename "$suite").log" | head -20 | sed 's/^/   /'
	add_summary "$logdir/$(basename "$suite").log"
done

if ls tests/bats/*.bats >/dev/null 2>&1; then
	note "bats (network namespaces, real traffic)"
	QT_BUILD=$top/_build bats --tap tests/bats >"$logdir/bats.log" 2>&1
	add_tap "$logdir/bats.log"
fi

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
