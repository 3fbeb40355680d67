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
	BGPIDS=()
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
	local p
	for p in "${BGPIDS[@]}"; do kill "$p" 2>/dev/null; done
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

# ufw's before6.rules as the package has it: it drops routing header
# type 0 with -m rt and checks neighbour discovery's hop limit with -m hl.
@test "ufw IPV6=yes: enable .. reset, the same output and rulesets as with iptables-nft" {
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

# A client namespace joined to TWIN's by a veth: 10.9.0.2 / fd09::2 there,
# 10.9.0.1 / fd09::1 on the twin, and TCP listeners on the twin's ports
# 22 and 2323 (both families) answering "ok". The client's name in
# CLIENT (called directly, not in $(...): qt_cleanup must know the
# namespace, and teardown the listeners).
client_of() {
	local twin=$1 ns c
	case $twin in kernel) ns=$KNS ;; qtables) ns=$QNS ;; esac
	qt_ns "c$twin" || return 1
	c=$QT_NS
	for n in "$c" "$ns"; do
		ip netns exec "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.router_solicitations=0 \
			net.ipv6.conf.default.router_solicitations=0
		ip -n "$n" link set lo up
	done
	ip link add qtu0 netns "$c" type veth peer name qtu1 netns "$ns" || return 1
	ip -n "$c" addr add 10.9.0.2/24 dev qtu0
	ip -n "$c" addr add fd09::2/64 dev qtu0 nodad
	ip -n "$ns" addr add 10.9.0.1/24 dev qtu1
	ip -n "$ns" addr add fd09::1/64 dev qtu1 nodad
	ip -n "$c" link set qtu0 up
	ip -n "$ns" link set qtu1 up
	local p
	# (fd 3 closed: bats waits for whoever holds it)
	for p in 22 2323; do
		ip netns exec "$ns" socat TCP6-LISTEN:$p,reuseaddr,fork,ipv6only=0 \
			SYSTEM:'echo ok' >/dev/null 2>&1 3>&- &
		BGPIDS+=("$!")
	done
	CLIENT=$c
}

# What the client of a twin sees: each port over each family ("ok" or
# "-"), and how many of 3 pings of each family were answered.
probe() {
	local c=$1 a p got
	for a in 10.9.0.1 '[fd09::1]'; do
		for p in 22 2323; do
			got=$(ip netns exec "$c" timeout 3 socat -T 2 - \
				"TCP:$a:$p,connect-timeout=1" </dev/null 2>/dev/null)
			echo "$a:$p ${got:--}"
		done
	done
	echo "ping4 $(ip netns exec "$c" ping -n -q -c 3 -i 0.1 -W 1 10.9.0.1 |
		awk '/received/ { print $4 }')"
	echo "ping6 $(ip netns exec "$c" ping -6 -n -q -c 3 -i 0.1 -W 1 fd09::1 |
		awk '/received/ { print $4 }')"
}

@test "ufw IPV6=yes: traffic of both families judged as in the kernel's twin (allowed port, default deny, pings, neighbour discovery)" {
	local ck cq
	client_of kernel && ck=$CLIENT
	client_of qtables && cq=$CLIENT
	sleep 0.3
	step --force enable
	step allow 22/tcp
	local k q
	k=$(probe "$ck"); q=$(probe "$cq")
	echo "kernel:"; echo "$k"; echo "qtables:"; echo "$q"
	[ "$k" = "$q" ]
	# and what that is: 22 open, 2323 closed by the default deny, pings
	# answered (ufw's before rules), neighbours resolved through it
	[ "$(grep -c ':22 ok$' <<<"$q")" = 2 ]
	[ "$(grep -c ':2323 -$' <<<"$q")" = 2 ]
	grep -qx 'ping4 3' <<<"$q"
	grep -qx 'ping6 3' <<<"$q"
	# a deny of the client's IPv6 address ahead of the allow closes 22
	# to it over IPv6 only
	step prepend deny from fd09::2
	k=$(probe "$ck"); q=$(probe "$cq")
	echo "kernel:"; echo "$k"; echo "qtables:"; echo "$q"
	[ "$k" = "$q" ]
	grep -qx '\[fd09::1\]:22 -' <<<"$q"
	grep -qx '10.9.0.1:22 ok' <<<"$q"
}
