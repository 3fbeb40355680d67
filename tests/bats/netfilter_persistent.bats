#!/usr/bin/env bats
# Debian's netfilter-persistent with iptables-persistent's plugins
# (15-ip4tables, 25-ip6tables; 1.0.20) run in two twin network
# namespaces: in one iptables, ip6tables and their -save and -restore are
# the real iptables-nft, in the other qtables. ufw, which the project
# also tests, Breaks these packages, so scripts/deps.sh unpacks them into
# a root of their own ($QT_NFP_ROOT) instead of installing them. Each run
# happens in a private mount namespace: that root's files are overlaid
# on /usr/sbin and /usr/share, and /etc is an overlay whose writes land in
# the twin's own directory, so the plugins write /etc/iptables/rules.v4
# and rules.v6 there and the host's /etc is never touched; the programs
# behind the iptables names are bound over by the twin's one.
#
# save: the files (content minus '#' lines, mode 0640) are the same in
# both twins after a ruleset of both families; start and reload load
# them (exit codes, messages and the resulting saves the same); a file
# that fails the test load is refused alike, leaving the rules as they
# were.

bats_require_minimum_version 1.5.0

NFP_ROOT=${QT_NFP_ROOT:-/usr/local/lib/qtables-test/netfilter-persistent}

setup() {
	QT_PREFIX=${QT_BATS_PREFIX:-qtnfp}$$-$BATS_TEST_NUMBER
	# shellcheck source=../lib/qt.sh
	source "$BATS_TEST_DIRNAME/../lib/qt.sh"
	[ -x "$QT_BUILD/qtablesd" ] || { echo "no $QT_BUILD/qtablesd (set QT_BUILD)" >&2; return 1; }
	[ -x "$NFP_ROOT/usr/sbin/netfilter-persistent" ] &&
		[ -x "$NFP_ROOT/usr/share/netfilter-persistent/plugins.d/25-ip6tables" ] ||
		skip "no netfilter-persistent in $NFP_ROOT (scripts/deps.sh unpacks it)"
	qt_ns kernel
	KNS=$QT_NS
	qt_ns qtables
	QNS=$QT_NS
	qt_daemon "$QNS" || return 1
	local t
	for t in kernel qtables; do
		mkdir -p "$QT_RUN/$t/up" "$QT_RUN/$t/work"
	done
}

teardown() {
	qt_cleanup
}

# in_twin TWIN CMD...: CMD in TWIN's namespace with the packages' files
# in place, TWIN's /etc, and TWIN's iptables programs.
in_twin() {
	local twin=$1; shift
	local ns bin
	case $twin in
	kernel) ns=$KNS bin=/usr/sbin/xtables-nft-multi ;;
	qtables) ns=$QNS bin=$QT_BUILD/qtables ;;
	esac
	ip netns exec "$ns" unshare -m --propagation private sh -c '
		r=$1 d=$2 b=$3; shift 3
		mount -t overlay overlay -o "lowerdir=$r/etc:/etc,upperdir=$d/up,workdir=$d/work" /etc &&
		mount -t overlay overlay -o "lowerdir=$r/usr/share:/usr/share" /usr/share &&
		mount -t overlay overlay -o "lowerdir=$r/usr/sbin:/usr/sbin" /usr/sbin || exit 99
		for n in iptables ip6tables iptables-restore ip6tables-restore \
			iptables-save ip6tables-save; do
			t=$(readlink -f "/usr/sbin/$n")
			[ "$(readlink -f "$b")" = "$t" ] || mount --bind "$b" "$t" || exit 99
		done
		mkdir -p /etc/iptables
		exec "$@"' sh "$NFP_ROOT" "$QT_RUN/$twin" "$bin" "$@"
}

# messages: the programs name themselves with their backend
msg_norm() {
	sed -e 's/^\(ip6\{0,1\}tables[a-z-]*\) v1\.8\.9 (\(nf_tables\|qtables\)): /\1: /'
}
# -save and the rules files without their comment lines
save_norm() { grep -v '^#'; }

# both CMD...: CMD in both twins; the same exit code and messages.
both() {
	local k q kr=0 qr=0
	k=$(in_twin kernel "$@" 2>&1) || kr=$?
	q=$(in_twin qtables "$@" 2>&1) || qr=$?
	echo "== $*: kernel exit $kr, qtables exit $qr"
	echo "-- kernel:"; echo "$k"
	[ "$k" = "$q" ] || { echo "-- qtables:"; echo "$q"; }
	[ "$kr" -ne 99 ] && [ "$qr" -ne 99 ] || { echo "mounts failed"; return 1; }
	[ "$kr" = "$qr" ] || return 1
	diff -u --label kernel --label qtables <(msg_norm <<<"$k") <(msg_norm <<<"$q")
	BOTH_OUT=$k
	BOTH_RC=$kr
}

# The live rulesets of both families are the same in both twins.
same_saves() {
	local s
	for s in iptables-save ip6tables-save; do
		diff -u --label "kernel $s" --label "qtables $s" \
			<(in_twin kernel "$s" 2>&1 | save_norm) \
			<(in_twin qtables "$s" 2>&1 | save_norm) || return 1
	done
}

# The saved files: the same content and mode 0640 in both twins.
same_files() {
	local f t
	for f in rules.v4 rules.v6; do
		for t in kernel qtables; do
			[ -f "$QT_RUN/$t/up/iptables/$f" ] || { echo "$t: no $f"; return 1; }
			[ "$(stat -c %a "$QT_RUN/$t/up/iptables/$f")" = 640 ] ||
				{ echo "$t: $f mode $(stat -c %a "$QT_RUN/$t/up/iptables/$f")"; return 1; }
		done
		diff -u --label "kernel $f" --label "qtables $f" \
			<(save_norm <"$QT_RUN/kernel/up/iptables/$f") \
			<(save_norm <"$QT_RUN/qtables/up/iptables/$f") || return 1
	done
}

# A ruleset of both families, typed as an administrator would.
ruleset() {
	both iptables -N LOGDROP
	both iptables -A LOGDROP -j LOG --log-prefix "drop: " --log-level 6
	both iptables -A LOGDROP -j DROP
	both iptables -A INPUT -i lo -j ACCEPT
	both iptables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	both iptables -A INPUT -p tcp --dport 22 -j ACCEPT
	both iptables -A INPUT -s 192.0.2.0/24 -j LOGDROP
	both iptables -A INPUT -p udp -j REJECT --reject-with icmp-host-prohibited
	both iptables -t nat -A POSTROUTING -s 10.0.0.0/8 -o eth9 -j MASQUERADE
	both ip6tables -N LOG6
	both ip6tables -A LOG6 -j LOG --log-prefix "v6: " --log-ip-options
	both ip6tables -A INPUT -p ipv6-icmp -j ACCEPT
	both ip6tables -A INPUT -s 2001:db8::/32 -p tcp --dport 443 -j REJECT --reject-with tcp-reset
	both ip6tables -A INPUT -p tcp --dport 22 -j ACCEPT
	both ip6tables -A INPUT -j LOG6
	both ip6tables -A INPUT -j REJECT
	both ip6tables -A FORWARD -j REJECT --reject-with icmp6-adm-prohibited
	same_saves
}

@test "netfilter-persistent save: rules.v4 and rules.v6 the same as iptables-nft's, mode 0640" {
	ruleset
	both netfilter-persistent save
	[ "$BOTH_RC" = 0 ]
	[[ "$BOTH_OUT" == *"15-ip4tables save"*"25-ip6tables save"* ]]
	same_files
	grep -q -- '-A INPUT -s 2001:db8::/32 -p tcp -m tcp --dport 443 -j REJECT --reject-with tcp-reset' \
		"$QT_RUN/qtables/up/iptables/rules.v6"
	grep -q -- '-A POSTROUTING -s 10.0.0.0/8 -o eth9 -j MASQUERADE' \
		"$QT_RUN/qtables/up/iptables/rules.v4"
	# nothing of it reached the host
	[ ! -e /etc/iptables/rules.v4 ] || [ "$(stat -c %Y /etc/iptables/rules.v4)" -lt "$(stat -c %Y "$QT_RUN/qtables/up/iptables/rules.v4")" ]
}

@test "netfilter-persistent flush, start, reload: the saved rulesets come back alike" {
	ruleset
	both netfilter-persistent save
	both netfilter-persistent flush
	[ "$BOTH_RC" = 0 ]
	same_saves
	run -0 in_twin qtables iptables-save
	[[ "$output" != *"LOGDROP"* ]]
	both netfilter-persistent start
	[ "$BOTH_RC" = 0 ]
	same_saves
	# what start loaded is what was saved
	diff -u <(save_norm <"$QT_RUN/qtables/up/iptables/rules.v6") \
		<(in_twin qtables ip6tables-save | save_norm)
	diff -u <(save_norm <"$QT_RUN/qtables/up/iptables/rules.v4") \
		<(in_twin qtables iptables-save | save_norm)
	# a change made after the save goes again on reload
	both iptables -A INPUT -p tcp --dport 8080 -j ACCEPT
	both ip6tables -I INPUT -s 2001:db8:9::/48 -j DROP
	both netfilter-persistent reload
	[ "$BOTH_RC" = 0 ]
	same_saves
	run -0 in_twin qtables ip6tables-save
	[[ "$output" != *"2001:db8:9::/48"* ]]
	both netfilter-persistent stop
	[[ "$BOTH_OUT" == *"Automatic flush disabled"* ]]
	same_saves
}

@test "netfilter-persistent start: a rules file that fails its test load, or its load, is refused alike" {
	ruleset
	both netfilter-persistent save
	local t f
	for t in kernel qtables; do
		for f in rules.v4 rules.v6; do
			cp "$QT_RUN/$t/up/iptables/$f" "$QT_RUN/$t/$f.good"
		done
	done
	both iptables -A INPUT -p tcp --dport 9999 -j ACCEPT
	both ip6tables -A INPUT -p tcp --dport 9999 -j ACCEPT

	# an option no match has: the test load (restore --test) refuses it
	for t in kernel qtables; do
		for f in rules.v4 rules.v6; do
			sed 's/^\(-A INPUT -p tcp -m tcp --dport 22\) -j ACCEPT$/\1 --bogus -j ACCEPT/' \
				"$QT_RUN/$t/$f.good" >"$QT_RUN/$t/up/iptables/$f"
			grep -q -- --bogus "$QT_RUN/$t/up/iptables/$f"
		done
	done
	both netfilter-persistent start
	[ "$BOTH_RC" = 0 ]
	[[ "$BOTH_OUT" == *"Error: IPv4 rules failed test load. New rules NOT loaded"* ]]
	[[ "$BOTH_OUT" == *"Error: IPv6 rules failed test load. New rules NOT loaded"* ]]
	same_saves
	run -0 in_twin qtables iptables-save
	[[ "$output" == *"--dport 9999 -j ACCEPT"* ]]
	run -0 in_twin qtables ip6tables-save
	[[ "$output" == *"--dport 9999 -j ACCEPT"* ]]

	# a jump to a chain that is not there passes the test load (the
	# oracle checks jumps only when it commits) and fails the load: the
	# plugin stops there (set -e), netfilter-persistent exits 1
	for t in kernel qtables; do
		for f in rules.v4 rules.v6; do
			sed 's/^\(-A INPUT -p tcp -m tcp --dport 22\) -j ACCEPT$/\1 -j NOSUCHCHAIN/' \
				"$QT_RUN/$t/$f.good" >"$QT_RUN/$t/up/iptables/$f"
			grep -q NOSUCHCHAIN "$QT_RUN/$t/up/iptables/$f"
		done
	done
	both netfilter-persistent start
	[ "$BOTH_RC" = 1 ]
	[[ "$BOTH_OUT" == *"15-ip4tables exited with return code 2"* ]]
	[[ "$BOTH_OUT" == *"25-ip6tables exited with return code 2"* ]]
	[[ "$BOTH_OUT" != *"failed test load"* ]]
	# the rules in place stay
	same_saves
	run -0 in_twin qtables ip6tables-save
	[[ "$output" == *"--dport 9999 -j ACCEPT"* ]]
}
