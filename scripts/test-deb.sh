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
	check "qtables is an alternative for iptables at priority 5, slaves save and restore" \
		sh -c 'update-alternatives --query iptables | tr "\n" "|" |
		       grep -q "Alternative: /usr/sbin/qtables|Priority: 5|Slaves:| iptables-restore /usr/sbin/qtables-restore| iptables-save /usr/sbin/qtables-save"'
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
