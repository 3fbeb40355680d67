#!/usr/bin/env bash
# Differential test of the nft front end: every step of a corpus
# (default: corpus_nft.txt, corpus_nft_json.txt, corpus_nft_meta.txt and
# corpus_nft_sets.txt
# beside this file)
# runs, in order, through the real nft 1.0.6 in a fresh namespace and through qtables' nft (a
# qtablesd of its own) in another. Per step we compare the exit code,
# standard error, standard output, and after the step `nft list
# ruleset`, `nft -a list ruleset` and `nft -j list ruleset` (libnftables'
# JSON). Each step is one pass or fail.
#
# Corpus format:
#   # ...       a comment
#   %reset      both sides start again from an empty ruleset (new
#               namespaces)
#   WORDS       one nft command line, shell-quoted (nft WORDS)
#   %file [OPTS]: TEXT   TEXT (printf %b) written to a file of the same
#               name on both sides, then nft OPTS -f FILE
#   %stdin [OPTS]: TEXT  TEXT (printf %b) on nft OPTS -f -
# (JSON input: OPTS -j, as in corpus_nft_json.txt; nft -e's process ids
# are masked in standard output)
# After a mismatch both sides are reset and the steps of the current
# block that passed are replayed, so one failure does not spread.
#
# Usage: run-nft.sh [CORPUS...]   (QT_DIFF_MAXDIFF=N lines of diff per failure)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/qt.sh"
trap qt_cleanup EXIT

corpora=("$@")
[ $# -gt 0 ] || corpora=("$here/corpus_nft.txt" "$here/corpus_nft_json.txt"
			 "$here/corpus_nft_meta.txt" "$here/corpus_nft_sets.txt")
maxdiff=${QT_DIFF_MAXDIFF:-60}
for corpus in "${corpora[@]}"; do
	[ -r "$corpus" ] || { echo "run-nft: cannot read $corpus"; echo "0 passed, 1 failed"; exit 1; }
done
[ -x /usr/sbin/nft ] || { echo "run-nft: /usr/sbin/nft missing"; echo "0 passed, 1 failed"; exit 1; }

qt_ns nftoracle || { echo "0 passed, 1 failed"; exit 1; }
ons=$QT_NS
qt_ns nftqt || { echo "0 passed, 1 failed"; exit 1; }
qns=$QT_NS
qt_daemon "$qns" || { echo "run-nft: qtablesd did not start"; echo "0 passed, 1 failed"; exit 1; }

work=$QT_RUN/nft
mkdir -p "$work"
input=$work/input.nft

side_nft() { [ "$1" = o ] && echo /usr/sbin/nft || echo "$QT_BUILD/nft"; }
side_ns() { [ "$1" = o ] && echo "$ons" || echo "$qns"; }

nft_in() { # side args... (stdin as given)
	local s=$1; shift
	ip netns exec "$(side_ns "$s")" "$(side_nft "$s")" "$@"
}

# "%file OPTS: TEXT" and "%stdin OPTS: TEXT"
run_text() { # side line kind
	local s=$1 rest=${2#"%$3"} opts text
	opts=${rest%%:*}
	text=${rest#*:}
	text=${text# }
	if [ "$3" = file ]; then
		printf '%b' "$text" >"$input"
		# shellcheck disable=SC2086
		nft_in "$s" $opts -f "$input" >"$work/$s.out" 2>"$work/$s.err" </dev/null
	else
		# shellcheck disable=SC2086
		printf '%b' "$text" | nft_in "$s" $opts -f - >"$work/$s.out" 2>"$work/$s.err"
	fi
	echo $? >"$work/$s.rc"
}

run_line() { # side corpus-line
	local s=$1 l=$2
	case $l in
	%file*) run_text "$s" "$l" file ;;
	%stdin*) run_text "$s" "$l" stdin ;;
	*)
		eval "args=($l)"
		nft_in "$s" "${args[@]}" >"$work/$s.out" 2>"$work/$s.err" </dev/null
		echo $? >"$work/$s.rc" ;;
	esac
}

dump() { # side outfile
	{
		echo "== list ruleset"
		nft_in "$1" list ruleset 2>&1
		echo "== -a list ruleset"
		nft_in "$1" -a list ruleset 2>&1
		echo "== -j list ruleset"
		# nft 1.0.6 prints a dormant table's flags from freed memory
		# (garbage, or the document stops there): compared up to them
		nft_in "$1" -j list ruleset 2>&1 |
			sed -E 's/("table": \{"family": "[a-z0-9]+", "name": "([^"\\]|\\.)*", "handle": [0-9]+, "flags": ).*/\1(freed by nft 1.0.6)/'
	} | expires_masked >"$2"
}

# An element's time left differs by the milliseconds between the two
# sides' commands: compared to the minute (text) or that it is there
# (JSON's seconds).
expires_masked() {
	sed -E 's/( expires ([0-9]+d)?([0-9]+h)?([0-9]+m)?)([0-9]+s)?([0-9]+ms)?/\1/g
		s/("expires": )[0-9]+/\1N/g'
}

gen=0
reset_sides() {
	local oldo=$ons
	gen=$((gen + 1))
	qt_ns "nftoracle$gen" || exit 1
	ons=$QT_NS
	ip netns del "$oldo" 2>/dev/null
	local old=$qns pidf="$QT_RUN/$qns.pid"
	[ -f "$pidf" ] && kill "$(cat "$pidf")" 2>/dev/null
	rm -f "$pidf"
	qt_ns "nftqt$gen" || exit 1
	qns=$QT_NS
	qt_daemon "$qns" || { echo "run-nft: qtablesd did not start"; exit 1; }
	ip netns del "$old" 2>/dev/null
}

show_diff() { # label fileA fileB
	echo "   -- $1 (nft vs qtables):"
	diff -u --label nft --label qtables "$2" "$3" | sed -n "1,${maxdiff}p" | sed 's/^/   /'
}

pass=0 fail=0 nfile=0
for corpus in "${corpora[@]}"; do
nfile=$((nfile + 1))
[ $nfile = 1 ] || reset_sides
where=$(basename "$corpus")
lineno=0
block=()
while IFS= read -r line || [ -n "$line" ]; do
	lineno=$((lineno + 1))
	case $line in
	''|'#'*) continue ;;
	%reset) reset_sides; block=(); continue ;;
	%file*|%stdin*) ;;
	%*) echo "FAIL $where:$lineno: unknown directive: $line"; fail=$((fail + 1)); continue ;;
	*)
		if ! eval "args=($line)" 2>/dev/null; then
			echo "FAIL $where:$lineno: cannot split: $line"
			fail=$((fail + 1))
			continue
		fi ;;
	esac
	for s in o q; do run_line "$s" "$line"; done
	# -e ends with "# new generation N by process PID (nft)": the
	# process ids differ
	sed -i -E 's/^(# new generation [0-9]+ by process )[0-9]+ /\1PID /' \
		"$work/o.out" "$work/q.out"
	for s in o q; do
		expires_masked <"$work/$s.out" >"$work/$s.outm"
		mv "$work/$s.outm" "$work/$s.out"
	done
	ok=1 report=()
	orc=$(cat "$work/o.rc") qrc=$(cat "$work/q.rc")
	[ "$orc" = "$qrc" ] || { ok=0; report+=("exit code: nft $orc, qtables $qrc"); }
	cmp -s "$work/o.err" "$work/q.err" || { ok=0; report+=("@err"); }
	cmp -s "$work/o.out" "$work/q.out" || { ok=0; report+=("@out"); }
	dump o "$work/o.state"
	dump q "$work/q.state"
	cmp -s "$work/o.state" "$work/q.state" || { ok=0; report+=("@state"); }
	if [ $ok = 1 ]; then
		pass=$((pass + 1))
		block+=("$line")
		continue
	fi
	fail=$((fail + 1))
	echo "FAIL $where:$lineno: $line"
	for r in "${report[@]}"; do
		case $r in
		@err) show_diff "stderr" "$work/o.err" "$work/q.err" ;;
		@out) show_diff "stdout" "$work/o.out" "$work/q.out" ;;
		@state) show_diff "state after the step" "$work/o.state" "$work/q.state" ;;
		*) echo "   -- $r" ;;
		esac
	done
	reset_sides
	for l in "${block[@]}"; do
		for s in o q; do run_line "$s" "$l"; done
	done
done <"$corpus"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
