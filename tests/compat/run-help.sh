#!/usr/bin/env bash
# Help text: `iptables -h` and, for every extension (tests/ext/NAME.t),
# `-m NAME -h` or `-j NAME -h`, through the real iptables-nft (in a fresh
# namespace) and through qtables (a qtablesd in another namespace).
# Standard output must be identical except the first line
# ("iptables v1.8.9 (nf_tables)" vs "iptables v1.8.9 (qtables)"), and so
# must the exit code. One pass or fail per case.
#
# Usage: run-help.sh [--framing]
#   --framing  also the cases that show how the helps of several loaded
#              extensions follow each other (target first, then matches
#              in rule order; -p alone loads the protocol's match)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/qt.sh"
trap qt_cleanup EXIT

framing=false
[ "${1:-}" = --framing ] && framing=true

[ -x /usr/sbin/iptables-nft ] || { echo "run-help: /usr/sbin/iptables-nft missing"; echo "0 passed, 1 failed"; exit 1; }
qt_ns oracle || { echo "0 passed, 1 failed"; exit 1; }
ons=$QT_NS
qt_ns qtables || { echo "0 passed, 1 failed"; exit 1; }
qns=$QT_NS
qt_daemon "$qns" || { echo "run-help: qtablesd did not start"; echo "0 passed, 1 failed"; exit 1; }

work=$QT_RUN/help
mkdir -p "$work"
pass=0 fail=0

# ip6tables for the extensions whose vectors are IPv6's ("%family 6").
prog=iptables
o_ipt() { local ns=$1; shift; ip netns exec "$ns" "/usr/sbin/$prog-nft" "$@"; }
q_ipt() { local ns=$1; shift; ip netns exec "$ns" "$QT_BUILD/$prog" "$@"; }

# The first line names the backend; it is the one allowed difference.
first_line_ok() {
	[ "$(head -n 1 "$1")" = "$prog v1.8.9 (nf_tables)" ] &&
	[ "$(head -n 1 "$2")" = "$prog v1.8.9 (qtables)" ]
}

check() {
	local label=$1; shift
	local o=$work/o.out q=$work/q.out orc qrc
	o_ipt "$ons" "$@" >"$o" 2>"$work/o.err"; orc=$?
	q_ipt "$qns" "$@" >"$q" 2>"$work/q.err"; qrc=$?
	if [ "$orc" = "$qrc" ] && first_line_ok "$o" "$q" &&
	   cmp -s <(tail -n +2 "$o") <(tail -n +2 "$q"); then
		pass=$((pass + 1))
		return
	fi
	fail=$((fail + 1))
	echo "FAIL $label: $prog $* (exit $orc, qtables $qrc)"
	diff <(tail -n +2 "$o") <(tail -n +2 "$q") | head -n 40 | sed 's/^/  /'
	[ "$orc" = 0 ] || sed 's/^/  oracle stderr: /' "$work/o.err" | head -n 3
	[ "$qrc" = 0 ] || sed 's/^/  qtables stderr: /' "$work/q.err" | head -n 3
	first_line_ok "$o" "$q" ||
		echo "  first lines: '$(head -n 1 "$o")' / '$(head -n 1 "$q")'"
}

check plain -h
prog=ip6tables
check plain6 -h
# an extension with a help of each family
check REJECT6 -j REJECT -h
prog=iptables

# Every extension, by the names of its vectors (one tests/ext/NAME.t per
# extension name; a file may register several, as extensions/NAT.c
# does), as a target or a match by how its vectors load it; those of
# the generic options and the standard verdicts load neither.
n=0
for f in "$QT_TOP"/tests/ext/*.t; do
	name=$(basename "$f" .t)
	prog=iptables
	grep -qx '%family 6' "$f" && prog=ip6tables
	if grep -qE -- "-j $name( |;|\$)" "$f"; then
		check "$name" -j "$name" -h
	elif grep -qE -- "-[mp] $name( |;|\$)" "$f"; then
		check "$name" -m "$name" -h
	else
		continue
	fi
	n=$((n + 1))
done
prog=iptables
if [ "$n" = 0 ]; then
	echo "run-help: no extensions found"
	fail=$((fail + 1))
fi

if $framing; then
	check "-p tcp" -p tcp -h
	check "-p icmp" -p icmp -h
	check "-p 6" -p 6 -h
	check "-p TCP" -p TCP -h
	check "! -p udp" ! -p udp -h
	check "-p tcp -m state" -p tcp -m state -h
	check "-p tcp --dport" -m state -p tcp --dport 22 -h
	check "implicit and -m tcp" -p tcp --syn -m tcp --dport 3 -h
	check "-m twice" -m udp -m udp -h
	check "target first" -p tcp -m udp -m state -j LOG -h
	check "-j ACCEPT" -j ACCEPT -h
	check "-j QUEUE" -p udp -j QUEUE -h
	check "-j user chain" -j foo -h
	check "after -h" -h -m udp
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
