#!/usr/bin/env bash
# Install the qtables package into a throw-away root and use it as the
# host's iptables: switch the alternative, `iptables -V` says qtables,
# `iptables -A/-S` and `iptables-save` work through it with a qtablesd
# running, the units verify with everything installed, and removal gives
# iptables back to iptables-nft.
#
#   scripts/test-deb.sh [DEB]     (as root; builds the package when no DEB)
#
# The throw-away root: a private mount namespace (unshare -m) in which
# /usr, /etc and /var are overlays whose upper layers live on a tmpfs, and
# a private network namespace (unshare -n) for the daemon. dpkg,
# update-alternatives and the maintainer scripts write only to the upper
# layers, which vanish with the namespace: the host's packages and
# alternatives are never touched (checked before and after).
# Prints one line per check and ends with "N passed, N failed".
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)

if [ "${1:-}" = --inside ]; then
	deb=$2 tmp=$3
	pass=0 fail=0
	check() {   # DESCRIPTION COMMAND...
		local what=$1; shift
		if "$@" >"$tmp/out" 2>&1; then
			pass=$((pass + 1)); echo "ok - $what"
		else
			fail=$((fail + 1)); echo "FAILED - $what"; sed 's/^/    /' "$tmp/out"
		fi
	}
	mount -t tmpfs -o size=512m,mode=0700 qtables-test "$tmp"
	for d in usr etc var; do
		mkdir -p "$tmp/$d.up" "$tmp/$d.work"
		mount -t overlay overlay \
			-o "lowerdir=/$d,upperdir=$tmp/$d.up,workdir=$tmp/$d.work" "/$d"
	done
	ip link set lo up
	export DEBIAN_FRONTEND=noninteractive
	alt() { update-alternatives --query iptables; }
	now() { readlink /etc/alternatives/iptables; }

	check "dpkg -i installs the package" dpkg -i "$deb"
	# qtables' stanza of the query: the lines from its "Alternative:" on
	update-alternatives --query iptables |
		awk '/^Alternative: /{ a = $2 } a == "/usr/sbin/qtables"' >"$tmp/alt"
	check "qtables is an alternative for iptables at priority 5, slaves save, restore and their completions" \
		sh -c 'c=/usr/share/bash-completion/completions; f=$1
		       grep -qx "Priority: 5" "$f" &&
		       grep -qx " iptables-restore /usr/sbin/qtables-restore" "$f" &&
		       grep -qx " iptables-save /usr/sbin/qtables-save" "$f" &&
		       grep -qx " iptables.bash-completion $c/qtables" "$f" &&
		       grep -qx " iptables-save.bash-completion $c/qtables" "$f" &&
		       grep -qx " iptables-restore.bash-completion $c/qtables" "$f"' _ "$tmp/alt"
	check "installing does not take iptables over (still iptables-nft)" \
		test "$(now)" = /usr/sbin/iptables-nft
	check "the default accept-all state is in /var/lib/qtables" \
		grep -qx ':INPUT ACCEPT \[0:0\]' /var/lib/qtables/rules.v4
	check "the units verify with the package installed" \
		systemd-analyze verify /lib/systemd/system/qtablesd.service
	check "update-alternatives --set iptables /usr/sbin/qtables" \
		update-alternatives --set iptables /usr/sbin/qtables
	check "iptables is qtables now" test "$(now)" = /usr/sbin/qtables
	check "iptables -V says qtables" \
		sh -c '[ "$(iptables -V)" = "iptables v1.8.9 (qtables)" ]'
	check "iptables-save -V and iptables-restore -V say qtables" \
		sh -c 'iptables-save -V | grep -q qtables && iptables-restore -V | grep -q qtables'
	/usr/sbin/qtablesd --daemon --state /var/lib/qtables/rules.v4 \
		--pidfile "$tmp/qtablesd.pid" 2>"$tmp/qtablesd.err" ||
		cat "$tmp/qtablesd.err"
	check "qtablesd runs with the packaged state" test -s "$tmp/qtablesd.pid"
	check "iptables -A through the alternative" \
		iptables -A INPUT -p tcp --dport 22 -j ACCEPT
	check "iptables -S shows it" \
		sh -c 'iptables -S INPUT | grep -qx -- "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT"'
	check "iptables-save shows it" \
		sh -c 'iptables-save | grep -qx -- "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT"'
	check "iptables-restore through the alternative" \
		sh -c 'printf "*filter\n-A INPUT -p udp --dport 53 -j ACCEPT\nCOMMIT\n" | iptables-restore --noflush &&
		       iptables -S INPUT | grep -qx -- "-A INPUT -p udp -m udp --dport 53 -j ACCEPT"'
	check "the daemon kept them in its state file" \
		grep -q -- '--dport 53 -j ACCEPT' /var/lib/qtables/rules.v4
	check "the bash completion is installed for qtables' names" \
		sh -c 'cd /usr/share/bash-completion/completions &&
		       [ -f qtables ] && for n in qtables-save qtables-restore qtables-conntrack qtablesd qtables-replay; do
		       [ "$(readlink -f $n)" = "$PWD/qtables" ] || exit 1; done'
	check "the iptables names complete through qtables (the alternative's slaves)" \
		sh -c 'for n in iptables iptables-save iptables-restore; do
		       [ "$(readlink -f /usr/share/bash-completion/completions/$n)" = /usr/share/bash-completion/completions/qtables ] || exit 1; done'
	check "completing 'iptables -A ' offers the daemon's chains" \
		bash -c 'iptables -N from-completion &&
		         source /usr/share/bash-completion/completions/iptables &&
		         complete -p iptables | grep -q _qtables &&
		         COMP_WORDS=(iptables -A "") COMP_CWORD=2 && _qtables &&
		         printf "%s\n" "${COMPREPLY[@]}" | grep -qx from-completion &&
		         iptables -X from-completion'

	# ufw: enable, allow, status, disable through the iptables names
	# (IPv4 only: qtables has no IPv6 yet)
	sed -i 's/^IPV6=.*/IPV6=no/' /etc/default/ufw
	check "ufw --force enable" ufw --force enable
	check "ufw's chains are in the daemon" \
		sh -c 'iptables -S | grep -qx -- "-A INPUT -j ufw-before-logging-input" &&
		       iptables -S ufw-user-input >/dev/null'
	check "ufw allow 22/tcp" ufw allow 22/tcp
	check "the rule is in ufw-user-input" \
		sh -c 'iptables -S ufw-user-input | grep -qx -- "-A ufw-user-input -p tcp -m tcp --dport 22 -j ACCEPT"'
	check "ufw status shows it" \
		sh -c 'ufw status | grep -q "^Status: active" && ufw status | grep -qE "^22/tcp +ALLOW +Anywhere"'
	check "ufw disable" ufw disable
	check "after ufw disable its chains are empty and the policy is ACCEPT" \
		sh -c '! iptables -S | grep -q -- "^-A ufw-" && iptables -S INPUT | grep -qx -- "-P INPUT ACCEPT"'

	# fail2ban: a jail of our own with the iptables-multiport action, its
	# server's socket, pid and log in the throw-away root
	if command -v fail2ban-client >/dev/null; then
		f2b=$tmp/f2b
		cp -a /etc/fail2ban "$f2b"
		rm -f "$f2b"/jail.d/* "$f2b"/jail.local "$f2b"/fail2ban.local
		: >"$tmp/auth.log"
		cat >"$f2b/fail2ban.local" <<-EOF
		[Definition]
		logtarget = $tmp/f2b.log
		socket = $tmp/f2b.sock
		pidfile = $tmp/f2b.pid
		dbfile = :memory:
		allowipv6 = no
		EOF
		cat >"$f2b/jail.local" <<-EOF
		[DEFAULT]
		banaction = iptables-multiport
		[qttest]
		enabled = true
		filter = sshd
		port = 22,2222
		logpath = $tmp/auth.log
		backend = polling
		EOF
		f2bc() { fail2ban-client -c "$f2b" "$@"; }
		check "fail2ban-client start (jail with iptables-multiport)" \
			sh -c 'fail2ban-client -c "$1" start && for i in $(seq 100); do
			       fail2ban-client -c "$1" status qttest >/dev/null 2>&1 && exit 0; sleep 0.1; done; exit 1' _ "$f2b"
		check "fail2ban-client set qttest banip 192.0.2.7" f2bc set qttest banip 192.0.2.7
		check "the ban is in iptables -S" \
			sh -c 'iptables -S f2b-qttest | grep -qx -- "-A f2b-qttest -s 192.0.2.7/32 -j REJECT --reject-with icmp-port-unreachable"'
		# the action starts on the first ban: its chain and the jump
		check "fail2ban's jump to its chain is in INPUT" \
			sh -c 'iptables -S INPUT | grep -qx -- "-A INPUT -p tcp -m multiport --dports 22,2222 -j f2b-qttest"'
		check "fail2ban-client set qttest unbanip 192.0.2.7" f2bc set qttest unbanip 192.0.2.7
		check "the unban removed it" \
			sh -c '! iptables -S f2b-qttest | grep -q 192.0.2.7'
		check "fail2ban-client stop removes its chain" \
			sh -c 'fail2ban-client -c "$1" stop && for i in $(seq 50); do
			       ! iptables -S | grep -q f2b-qttest && exit 0; sleep 0.1; done; iptables -S; exit 1' _ "$f2b"
		# a server that did not stop would outlive the throw-away root
		p=$(cat "$tmp/f2b.pid" 2>/dev/null) &&
			grep -q fail2ban-server "/proc/$p/cmdline" 2>/dev/null &&
			kill "$p"
	else
		check "fail2ban is installed (scripts/deps.sh)" false
	fi

	[ -s "$tmp/qtablesd.pid" ] && kill "$(cat "$tmp/qtablesd.pid")" 2>/dev/null
	sleep 0.3
	check "dpkg -r removes the package" dpkg -r qtables
	check "removal gives iptables back to iptables-nft" \
		test "$(now)" = /usr/sbin/iptables-nft
	check "removal takes qtables out of the alternatives" \
		sh -c '! update-alternatives --query iptables | grep -q qtables'
	check "iptables -V says nf_tables again" \
		sh -c 'iptables -V | grep -q "(nf_tables)"'
	check "dpkg --purge removes the state" \
		sh -c 'dpkg --purge qtables && [ ! -e /var/lib/qtables ]'
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
fi

[ "$(id -u)" -eq 0 ] || { echo "test-deb: needs root (namespaces, mounts)" >&2; exit 2; }
deb=${1:-}
if [ -z "$deb" ]; then
	out=$(mktemp -d /tmp/qtables-testdeb.XXXXXX)
	DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-nocheck} "$top/scripts/build-deb.sh" "$out" >/dev/null
	deb=$(ls "$out"/qtables_*.deb)
fi
deb=$(readlink -f "$deb")
tmp=$(mktemp -d /tmp/qtables-root.XXXXXX)
before=$(update-alternatives --query iptables; dpkg-query -W -f='${Status}\n' qtables 2>&1 || true)
st=0
unshare --mount --net --propagation private -- bash "$0" --inside "$deb" "$tmp" || st=$?
after=$(update-alternatives --query iptables; dpkg-query -W -f='${Status}\n' qtables 2>&1 || true)
rmdir "$tmp" 2>/dev/null || true
if [ "$before" != "$after" ]; then
	echo "test-deb: the host's alternatives or packages changed!" >&2
	diff <(echo "$before") <(echo "$after") >&2
	exit 1
fi
echo "test-deb: the host's iptables alternatives and packages are as before"
exit "$st"
