#!/usr/bin/env bash
# ufw's rule files (before.rules, after.rules, user.rules of the Debian
# ufw package, and its IPv6 ones before6.rules, after6.rules, user6.rules)
# restored with `iptables-restore -n` (`ip6tables-restore -n`), as ufw
# does, into the real iptables-nft (ip6tables-nft) and into qtables. Each file starts from an
# empty ruleset on both sides; the ufw-* chains it jumps to without
# declaring them (ufw creates those itself) are made with -N first. The
# restore's exit code and messages and the iptables-save output (minus
# '#' lines) must be the same. One pass/fail per file.
#
# Usage: run-ufw.sh [DIR]   (default /etc/ufw, else the package's copies)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/qt.sh"
trap qt_cleanup EXIT

dir=${1:-/etc/ufw}
[ -r "$dir/before.rules" ] || dir=/usr/share/ufw/iptables
if [ ! -r "$dir/before.rules" ]; then
	echo "run-ufw: no ufw rule files (install ufw: scripts/deps.sh)"
	echo "0 passed, 1 failed"
	exit 1
fi

work=$QT_RUN/ufw
mkdir -p "$work"
pass=0 fail=0 n=0

normalize() {
	sed -e 's/^\(ip6\{0,1\}tables[a-z-]*\) v1\.8\.9 (\(nf_tables\|qtables\)): /\1: PREFIX: /' \
	    -e 's/^\(ip6\{0,1\}tables\)-nft-restore/\1-restore/'
}

# Chains a file jumps to but does not declare.
undeclared() {
	local f=$1
	grep -oE -- '-[jg] ufw[A-Za-z0-9_-]*' "$f" | awk '{print $2}' | sort -u |
		while read -r c; do
			grep -q "^:$c " "$f" || echo "$c"
		done
}

# The family's programs: the oracle's and qtables' (run in namespace $1).
fam_ipt() { local ns=$1; shift; ip netns exec "$ns" "/usr/sbin/${v}tables-nft" "$@"; }
fam_ipt_restore() { local ns=$1; shift; ip netns exec "$ns" "/usr/sbin/${v}tables-nft-restore" "$@"; }
fam_ipt_save() { local ns=$1; shift; ip netns exec "$ns" "/usr/sbin/${v}tables-nft-save" "$@"; }
fam_qt() { local ns=$1; shift; ip netns exec "$ns" "$QT_BUILD/${v}tables" "$@"; }
fam_qt_restore() { local ns=$1; shift; ip netns exec "$ns" "$QT_BUILD/${v}tables-restore" "$@"; }
fam_qt_save() { local ns=$1; shift; ip netns exec "$ns" "$QT_BUILD/${v}tables-save" "$@"; }

for name in before.rules after.rules user.rules before6.rules after6.rules user6.rules; do
	f=$dir/$name
	case $name in
	*6.rules) v=ip6 ;;
	*) v=ip ;;
	esac
	n=$((n + 1))
	if [ ! -r "$f" ]; then
		echo "FAIL $name: missing ($f)"
		fail=$((fail + 1))
		continue
	fi
	qt_ns "o$n" || exit 1
	ons=$QT_NS
	qt_ns "q$n" || exit 1
	qns=$QT_NS
	qt_daemon "$qns" || { echo "FAIL $name: qtablesd did not start"; fail=$((fail + 1)); continue; }
	ok=1
	for c in $(undeclared "$f"); do
		fam_ipt "$ons" -N "$c" || ok=0
		fam_qt "$qns" -N "$c" || ok=0
	done
	fam_ipt_restore "$ons" -n <"$f" >"$work/o.out" 2>&1
	orc=$?
	fam_qt_restore "$qns" -n <"$f" >"$work/q.out" 2>&1
	qrc=$?
	fam_ipt_save "$ons" 2>&1 | grep -v '^#' >"$work/o.save"
	fam_qt_save "$qns" 2>&1 | grep -v '^#' >"$work/q.save"
	normalize <"$work/o.out" >"$work/o.msg"
	normalize <"$work/q.out" >"$work/q.msg"
	report=()
	[ $ok = 1 ] || report+=("creating the chains it jumps to failed")
	[ "$orc" = "$qrc" ] || report+=("restore exit code: oracle $orc, qtables $qrc")
	[ "$orc" = 0 ] || report+=("the oracle refused the file (exit $orc)")
	cmp -s "$work/o.msg" "$work/q.msg" || report+=("@msg")
	cmp -s "$work/o.save" "$work/q.save" || report+=("@save")
	if [ ${#report[@]} -eq 0 ]; then
		echo "ok $name ($(grep -c '^-A' "$work/o.save") rules)"
		pass=$((pass + 1))
	else
		echo "FAIL $name"
		for r in "${report[@]}"; do
			case $r in
			@msg) echo "   -- restore messages (oracle vs qtables):"
			      diff -u --label oracle --label qtables "$work/o.msg" "$work/q.msg" | sed 's/^/   /' ;;
			@save) echo "   -- ${v}tables-save (oracle vs qtables):"
			       diff -u --label oracle --label qtables "$work/o.save" "$work/q.save" | sed 's/^/   /' ;;
			*) echo "   -- $r" ;;
			esac
		done
		fail=$((fail + 1))
	fi
	qt_stop_daemon "$qns" &
done
wait

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
