#!/usr/bin/env bats
# The real ufw (Debian's 0.36.2) with IPV6=yes, run in two twin network
# namespaces: in one its iptables, ip6tables and their -restore and -save
# are the real iptables-nft, in the other qtables. ufw runs them by
# absolute path (/usr/sbin/iptables, ufw.common.iptables_dir) and its
# ufw-init by PATH, so each run happens in a private mount namespace
# where the program behind those names (/usr/sbin/xtables-nft-multi
# through the alternatives' links) is bound over by the twin's one; the
# twin's own copies of /etc/ufw, /etc/default/ufw and /lib/ufw (the lock
# file with TESTSTATE set) are bound over the host's, which are never
# touched. The package's pristine rule files are the start.
#
# A full cycle: enable, allow 22/tcp, limit ssh, deny from an IPv4 and an
# IPv6 address, reject (REJECT of both families), insert, delete, status
# verbose, reload, disable, reset.
# After every step ufw's exit code and output (reset's backup stamps
# aside) and iptables-save and ip6tables-save (minus '#' lines and
# counters) must be the same in both twins.

bats_require_minimum_version 1.5.0

setup() {
	QT_PREFIX=${QT_BATS_PREFIX:-qtufw}$$-$BATS_TEST_NUMBER
	# shellcheck source=../lib/qt.sh
	source "$BATS_TEST_DIRNAME/../lib/qt.sh"
	[ -x "$QT_BUILD/qtablesd" ] || { echo "no $QT_BUILD/qtablesd (set QT_BUILD)" >&2; return 1; }
	[ -x /usr/sbin/ufw ] && [ -r /usr/share/ufw/iptables/before6.rules ] ||
		skip "no ufw (scripts/deps.sh installs it)"
	qt_ns kernel
	KNS=$QT_NS
	qt_ns qtables
	QNS=$QT_NS
	qt_daemon "$QNS" || return 1
	local t
	for t in kernel qtables; do
		local d=$QT_RUN/$t
		mkdir -p "$d/etc/ufw" "$d/etc/default" "$d/lib/ufw"
		cp -a /usr/share/ufw/iptables/. "$d/etc/ufw/"
		cp -a /usr/share/ufw/ufw.conf /usr/share/ufw/before.init \
			/usr/share/ufw/after.init "$d/etc/ufw/"
		cp -a /etc/ufw/sysctl.conf "$d/etc/ufw/" 2>/dev/null ||
			: >"$d/etc/ufw/sysctl.conf"
		mkdir -p "$d/etc/ufw/applications.d"
		cp -a /usr/lib/ufw/. "$d/lib/ufw/"
		# IPv6 on, no kernel modules loaded on the host's behalf
		sed -e 's/^IPV6=.*/IPV6=yes/' -e 's/^IPT_MODULES=.*/IPT_MODULES=""/' \
			/etc/default/ufw >"$d/etc/default/ufw"
		chmod 644 "$d/etc/default/ufw"
	done
}

teardown() {
	qt_cleanup
}

# ufw_in TWIN CMD...: CMD in TWIN's namespace, with TWIN's ufw files and
# TWIN's iptables programs in place.
ufw_in() {
	local twin=$1; shift
	local ns bin
	case $twin in
	kernel) ns=$KNS bin=/usr/sbin/xtables-nft-multi ;;
	qtables) ns=$QNS bin=$QT_BUILD/qtables ;;
	esac
	# the files the names lead to (one multi-call program, usually)
	local targets n
	targets=$(for n in iptables ip6tables iptables-restore ip6tables-restore \
		iptables-save ip6tables-save; do readlink -f "/usr/sbin/$n"; done | sort -u)
	ip netns exec "$ns" unshare -m --propagation private sh -c '
		d=$1 b=$2 targets=$3; shift 3
		mount --bind "$d/etc/ufw" /etc/ufw &&
		mount --bind "$d/etc/default/ufw" /etc/default/ufw &&
		mount --bind "$d/lib/ufw" /usr/lib/ufw || exit 99
		for t in $targets; do
			[ "$(readlink -f "$b")" = "$t" ] || mount --bind "$b" "$t" || exit 99
		done
		TESTSTATE=1 exec "$@"' sh "$QT_RUN/$twin" "$bin" "$targets" "$@"
}

# -save without comment lines and counters
save_norm() { grep -v '^#' | sed -e 's/ \[[0-9]*:[0-9]*\]$//'; }
# ufw's output: reset's backup names carry the time
out_norm() { sed -E 's/\.[0-9]{8}_[0-9]{6}/.STAMP/g'; }

# step ARGS...: ufw ARGS in both twins; the same exit code, output and
# rulesets of both families.
step() {
	local k q kr=0 qr=0
	k=$(ufw_in kernel ufw "$@" 2>&1) || kr=$?
	q=$(ufw_in qtables ufw "$@" 2>&1) || qr=$?
	echo "== ufw $*: kernel exit $kr, qtables exit $qr"
	echo "-- kernel:"; echo "$k"
	[ "$k" = "$q" ] || { echo "-- qtables:"; echo "$q"; }
	[ "$kr" -ne 99 ] && [ "$qr" -ne 99 ] || { echo "mounts failed"; return 1; }
	[ "$kr" = "$qr" ] || return 1
	diff -u --label kernel --label qtables <(out_norm <<<"$k") <(out_norm <<<"$q") || return 1
	local s
	for s in iptables-save ip6tables-save; do
		diff -u --label "kernel $s" --label "qtables $s" \
			<(ufw_in kernel "$s" 2>&1 | save_norm) \
			<(ufw_in qtables "$s" 2>&1 | save_norm) || return 1
	done
	STEP_OUT=$k
}

cycle() {
	step --force enable
	[[ "$STEP_OUT" == *"Firewall is active"* ]]
	step allow 22/tcp
	[[ "$STEP_OUT" == *"Rule added (v6)"* ]]
	step limit ssh
	step deny from 192.0.2.7
	step deny from 2001:db8::7
	step reject 113/tcp
	step reject out to 2001:db8:5::/64
	[[ "$STEP_OUT" == "Rule added (v6)" ]]
	step insert 1 allow from 198.51.100.0/24 to any port 80 proto tcp
	step insert 1 deny from 2001:db8:1::/48 to any port 25 proto tcp
	step --force delete 3
	step status verbose
	[[ "$STEP_OUT" == *"Anywhere (v6)              DENY IN     2001:db8::7"* ]]
	step status numbered
	# the rules files ufw wrote from what the programs told it
	diff -u "$QT_RUN/kernel/etc/ufw/user.rules" "$QT_RUN/qtables/etc/ufw/user.rules"
	diff -u "$QT_RUN/kernel/etc/ufw/user6.rules" "$QT_RUN/qtables/etc/ufw/user6.rules"
	step reload
	step --force disable
	step status
	[[ "$STEP_OUT" == "Status: inactive" ]]
	step --force enable
	step --force reset
	[[ "$STEP_OUT" == *"Backing up 'user6.rules'"* ]]
	step status
}

# ufw's before6.rules drops routing header type 0 with -m rt and checks
# neighbour discovery's hop limit with -m hl.
have_rt_hl() {
	ip netns exec "$QNS" "$QT_BUILD/ip6tables" -N qtufw-probe >/dev/null 2>&1
	local ok=0
	ip netns exec "$QNS" "$QT_BUILD/ip6tables" -A qtufw-probe -m rt --rt-type 0 \
		>/dev/null 2>&1 &&
	ip netns exec "$QNS" "$QT_BUILD/ip6tables" -A qtufw-probe -m hl --hl-eq 255 \
		>/dev/null 2>&1 || ok=1
	ip netns exec "$QNS" "$QT_BUILD/ip6tables" -F qtufw-probe >/dev/null 2>&1
	ip netns exec "$QNS" "$QT_BUILD/ip6tables" -X qtufw-probe >/dev/null 2>&1
	return $ok
}

@test "ufw IPV6=yes: enable .. reset, the same output and rulesets as with iptables-nft" {
	have_rt_hl || skip "qtables' ip6tables has no -m rt / -m hl yet (ufw's before6.rules needs them)"
	cycle
}

@test "ufw IPV6=yes, before6.rules without its rt and hl rules: enable .. reset, the same as with iptables-nft" {
	local t
	for t in kernel qtables; do
		sed -i -e '/-m rt --rt-type 0/d' -e '/-m hl --hl-eq/d' \
			"$QT_RUN/$t/etc/ufw/before6.rules"
	done
	cycle
}

@test "ufw IPV6=no: the IPv6 ruleset stays empty in both twins" {
	local t
	for t in kernel qtables; do
		sed -i 's/^IPV6=.*/IPV6=no/' "$QT_RUN/$t/etc/default/ufw"
	done
	step --force enable
	step allow 22/tcp
	[[ "$STEP_OUT" == "Rules updated" || "$STEP_OUT" == "Rule added" ]]
	step deny from 2001:db8::7
	step status verbose
	step --force disable
}
