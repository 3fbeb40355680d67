#!/usr/bin/env bash
# Differential test: every line of a corpus (default: corpus.txt and
# corpus_*.txt beside this file but nft's corpus_nft.txt, each from an empty ruleset) runs, in
# order, through the real iptables-nft in a fresh namespace and through
# qtables (a qtablesd of its own) in another. Per line we compare the exit code, the first stderr line (program prefix
# removed), standard output, and after the line the whole visible state:
# iptables-save (minus '#' lines) and, for every table that exists, -S,
# -L -n -v --line-numbers and -L. Each corpus line is one pass or fail.
#
# Corpus format: one command's arguments per line, shell-quoted.
#   # ...     a comment
#   %reset    both sides start again from an empty ruleset (in new
#             namespaces)
#   %restore [ARGS]: TEXT   iptables-restore ARGS with TEXT (printf %b)
#             on its standard input
#   %nfacct ARGS   nfacct(8) (the real one on the kernel's accounting
#             objects, qtables' nfacct on qtablesd's), its output and
#             exit code compared as a command's
#   %ipset ARGS    ipset(8) (the real one on the kernel's sets, qtables'
#             on qtablesd's), compared as a command's; the sets (ipset
#             save) are part of the state compared after each line
#   %ipset-restore [ARGS]: TEXT   ipset ARGS restore with TEXT (printf
#             %b) on its standard input
#   ipset output is compared with the hash seed (initval) and "Size in
#   memory" (xml's too) masked, elements sorted (the kernel lists them in hash
#   order) and the seconds left of element timeouts masked when not 0
#   %family 6 the lines after it (to the end of the corpus file, or the
#             next %family) run ip6tables, ip6tables-save and
#             ip6tables-restore on both sides and compare the IPv6
#             ruleset; %family 4 goes back (each corpus starts at 4)
# After a mismatch both sides are reset and the lines of the current
# block that passed are replayed, so one failure does not spread.
#
# Usage: run-diff.sh [CORPUS...]   (QT_DIFF_MAXDIFF=N lines of diff per failure)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/qt.sh"
trap qt_cleanup EXIT

if [ $# -gt 0 ]; then
	corpora=("$@")
else
	corpora=("$here/corpus.txt")
	# corpus_nft.txt is nft's (run-nft.sh)
	for f in "$here"/corpus_*.txt; do
		[ -f "$f" ] && [ "$(basename "$f")" != corpus_nft.txt ] && corpora+=("$f")
	done
fi
maxdiff=${QT_DIFF_MAXDIFF:-60}
for corpus in "${corpora[@]}"; do
	[ -r "$corpus" ] || { echo "run-diff: cannot read $corpus"; echo "0 passed, 1 failed"; exit 1; }
done
[ -x /usr/sbin/iptables-nft ] || { echo "run-diff: /usr/sbin/iptables-nft missing"; echo "0 passed, 1 failed"; exit 1; }

qt_ns oracle || { echo "0 passed, 1 failed"; exit 1; }
ons=$QT_NS
qt_ns qtables || { echo "0 passed, 1 failed"; exit 1; }
qns=$QT_NS
qt_daemon "$qns" || { echo "run-diff: qtablesd did not start"; echo "0 passed, 1 failed"; exit 1; }

work=$QT_RUN/diff
mkdir -p "$work"

# Both sides' programs, chosen by side name and the family (%family).
fam=4
ipt_name() { [ "$fam" = 6 ] && echo ip6tables || echo iptables; }
side_ipt() { [ "$1" = o ] && echo "/usr/sbin/$(ipt_name)-nft" || echo "$QT_BUILD/$(ipt_name)"; }
side_save() { [ "$1" = o ] && echo "/usr/sbin/$(ipt_name)-nft-save" || echo "$QT_BUILD/$(ipt_name)-save"; }
side_ns() { [ "$1" = o ] && echo "$ons" || echo "$qns"; }

# The version prefix and backend name are the only allowed difference.
normalize() {
	sed -e 's/^\(ip6\{0,1\}tables[a-z-]*\) v1\.8\.9 (\(nf_tables\|qtables\)): /\1: PREFIX: /' \
	    -e 's/ v1\.8\.9 (\(nf_tables\|qtables\))/ v1.8.9 (BACKEND)/g'
}

# ipset output as far as it is the same by nature on both sides.
ipset_norm() {
	sed -e 's/ initval 0x[0-9a-f]*//' -e 's/^Size in memory: .*/Size in memory: N/' \
	    -e '/^\(add \|[0-9]\|[0-9a-f]*:\)/s/ timeout [1-9][0-9]*/ timeout N/' \
	    -e 's/<initval>0x[0-9a-f]*<\/initval>/<initval\/>/' \
	    -e 's/^<memsize>[0-9]*</<memsize>N</' \
	    -e '/^<member>/s/<timeout>[1-9][0-9]*</<timeout>N</' |
	while IFS= read -r l; do
		# elements (Members: lines, add lines, xml's members) in one
		# order
		case $l in
		'add '*|'<member>'*) printf '1\t%s\n' "$l" ;;
		'Members:') printf '0\t%s\n' "$l"; inm=1; continue ;;
		'') inm=0; printf '0\t\n' ;;
		*) [ "${inm:-0}" = 1 ] && printf '1\t%s\n' "$l" || printf '0\t%s\n' "$l" ;;
		esac
	done | awk -F '\t' '
	# runs of element lines sorted, the rest as it is
	$1 == 1 { print | "sort"; open = 1; next }
	{ if (open) { close("sort"); open = 0 } print substr($0, 3) }
	END { if (open) close("sort") }' | sed 's/^1\t//'
}

# Everything a person can see of the ruleset, in one namespace entry.
dump_script='
ipt=$1 save=$2 ipset=$3
echo "== ipset save"
"$ipset" save 2>&1
s=$("$save" 2>&1 | grep -v "^#")
echo "== iptables-save"
printf "%s\n" "$s"
for t in $(printf "%s\n" "$s" | sed -n "s/^\*//p"); do
	echo "== -t $t -S"
	"$ipt" -t "$t" -S 2>&1; echo "(exit $?)"
	echo "== -t $t -L -n -v --line-numbers"
	"$ipt" -t "$t" -L -n -v --line-numbers 2>&1; echo "(exit $?)"
	echo "== -t $t -L"
	"$ipt" -t "$t" -L 2>&1; echo "(exit $?)"
done
'
dump() { # side outfile
	ip netns exec "$(side_ns "$1")" bash -c "$dump_script" dump \
		"$(side_ipt "$1")" "$(side_save "$1")" "$(side_ipset "$1")" 2>&1 |
		normalize | ipset_norm >"$2"
}

# The oracle's restore under the name iptables-restore (its messages
# carry the name it was called by).
mkdir -p "$work/bin"
ln -sf /usr/sbin/xtables-nft-multi "$work/bin/iptables-restore"
ln -sf /usr/sbin/xtables-nft-multi "$work/bin/ip6tables-restore"
side_restore() { [ "$1" = o ] && echo "$work/bin/$(ipt_name)-restore" || echo "$QT_BUILD/$(ipt_name)-restore"; }

run_words() { # side words... ; leaves $work/$side.{out,err,rc}
	local s=$1; shift
	ip netns exec "$(side_ns "$s")" "$(side_ipt "$s")" "$@" \
		>"$work/$s.out" 2>"$work/$s.err" </dev/null
	echo $? >"$work/$s.rc"
}

# "%restore [ARGS]: TEXT" feeds TEXT (printf %b escapes) to iptables-restore.
run_restore() { # side line
	local s=$1 rest=${2#%restore} rargs text
	rargs=${rest%%:*}
	text=${rest#*:}
	text=${text# }
	# shellcheck disable=SC2086
	printf '%b' "$text" | ip netns exec "$(side_ns "$s")" "$(side_restore "$s")" \
		$rargs >"$work/$s.out" 2>"$work/$s.err"
	echo $? >"$work/$s.rc"
}

# "%nfacct ARGS": nfacct(8) of each side
side_nfacct() { [ "$1" = o ] && echo /usr/sbin/nfacct || echo "$QT_BUILD/nfacct"; }
run_nfacct() { # side line
	local s=$1
	eval "args=(${2#%nfacct})"
	# called "nfacct" on both sides: its usage line names argv[0]
	ip netns exec "$(side_ns "$s")" bash -c 'exec -a nfacct "$@"' nfacct \
		"$(side_nfacct "$s")" "${args[@]}" \
		>"$work/$s.out" 2>"$work/$s.err" </dev/null
	echo $? >"$work/$s.rc"
}

# "%ipset ARGS" and "%ipset-restore [ARGS]: TEXT": ipset(8) of each side
side_ipset() { [ "$1" = o ] && echo /usr/sbin/ipset || echo "$QT_BUILD/ipset"; }
run_ipset() { # side line
	local s=$1
	eval "args=(${2#%ipset})"
	ip netns exec "$(side_ns "$s")" "$(side_ipset "$s")" "${args[@]}" \
		>"$work/$s.out.raw" 2>"$work/$s.err" </dev/null
	echo $? >"$work/$s.rc"
	ipset_norm <"$work/$s.out.raw" >"$work/$s.out"
}
run_ipset_restore() { # side line
	local s=$1 rest=${2#%ipset-restore} rargs text
	rargs=${rest%%:*}
	text=${rest#*:}
	text=${text# }
	# shellcheck disable=SC2086
	printf '%b' "$text" | ip netns exec "$(side_ns "$s")" "$(side_ipset "$s")" \
		$rargs restore >"$work/$s.out" 2>"$work/$s.err"
	echo $? >"$work/$s.rc"
}

run_line() { # side corpus-line
	local s=$1 l=$2
	case $l in
	%restore*) run_restore "$s" "$l" ;;
	%nfacct*) run_nfacct "$s" "$l" ;;
	%ipset-restore*) run_ipset_restore "$s" "$l" ;;
	%ipset*) run_ipset "$s" "$l" ;;
	*) eval "args=($l)"; run_words "$s" "${args[@]}" ;;
	esac
}

# Both sides start again in new namespaces (the old ones are deleted; a
# daemon may take a second to exit: we do not wait for it).
gen=0
reset_sides() {
	local oldo=$ons
	gen=$((gen + 1))
	qt_ns "oracle$gen" || exit 1
	ons=$QT_NS
	ip netns del "$oldo" 2>/dev/null
	local old=$qns pidf="$QT_RUN/$qns.pid"
	[ -f "$pidf" ] && kill "$(cat "$pidf")" 2>/dev/null
	rm -f "$pidf"
	qt_ns "qtables$gen" || exit 1
	qns=$QT_NS
	qt_daemon "$qns" || { echo "run-diff: qtablesd did not start"; exit 1; }
	ip netns del "$old" 2>/dev/null
}

show_diff() { # label fileA fileB
	echo "   -- $1 (oracle vs qtables):"
	diff -u --label oracle --label qtables "$2" "$3" | sed -n "1,${maxdiff}p" | sed 's/^/   /'
}

pass=0 fail=0 nfile=0
for corpus in "${corpora[@]}"; do
nfile=$((nfile + 1))
[ $nfile = 1 ] || reset_sides
fam=4
where=$(basename "$corpus")
lineno=0
block=()   # lines of the current block that passed (for replay)
while IFS= read -r line || [ -n "$line" ]; do
	lineno=$((lineno + 1))
	case $line in
	''|'#'*) continue ;;
	%reset) reset_sides; block=(); continue ;;
	'%family 4'|'%family 6') fam=${line#%family }; continue ;;
	esac
	case $line in
	%restore*|%nfacct*|%ipset*) ;;
	%*) echo "FAIL $where:$lineno: unknown directive: $line"; fail=$((fail + 1)); continue ;;
	*)
		if ! eval "args=($line)" 2>/dev/null; then
			echo "FAIL $where:$lineno: cannot split: $line"
			fail=$((fail + 1))
			continue
		fi ;;
	esac
	for s in o q; do run_line "$s" "$line"; done
	ok=1 report=()
	orc=$(cat "$work/o.rc") qrc=$(cat "$work/q.rc")
	[ "$orc" = "$qrc" ] || { ok=0; report+=("exit code: oracle $orc, qtables $qrc"); }
	for s in o q; do
		head -n 1 "$work/$s.err" | normalize >"$work/$s.err1"
		normalize <"$work/$s.out" >"$work/$s.outn"
	done
	cmp -s "$work/o.err1" "$work/q.err1" || { ok=0; report+=("@err1"); }
	cmp -s "$work/o.outn" "$work/q.outn" || { ok=0; report+=("@out"); }
	dump o "$work/o.state"
	dump q "$work/q.state"
	cmp -s "$work/o.state" "$work/q.state" || { ok=0; report+=("@state"); }
	if [ $ok = 1 ]; then
		pass=$((pass + 1))
		block+=("$line")
		continue
	fi
	fail=$((fail + 1))
	case $line in
	%*) echo "FAIL $where:$lineno: $line" ;;
	*) echo "FAIL $where:$lineno: $(ipt_name) $line" ;;
	esac
	for r in "${report[@]}"; do
		case $r in
		@err1) show_diff "first stderr line" "$work/o.err1" "$work/q.err1" ;;
		@out) show_diff "stdout" "$work/o.outn" "$work/q.outn" ;;
		@state) show_diff "state after the line" "$work/o.state" "$work/q.state" ;;
		*) echo "   -- $r" ;;
		esac
	done
	# resynchronise: start again and replay what passed in this block
	reset_sides
	for l in "${block[@]}"; do
		for s in o q; do run_line "$s" "$l"; done
	done
done <"$corpus"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
