#!/usr/bin/env bats
# The Debian package: built from the tree (scripts/build-deb.sh, without
# the unit tests: they run elsewhere), lintian without errors, and
# installed, used as iptables and removed in a throw-away root
# (scripts/test-deb.sh: a private mount and network namespace; the host's
# packages and alternatives are checked unchanged). About a minute.

bats_require_minimum_version 1.5.0

setup() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null ||
		skip "dpkg-dev and debhelper are not installed"
	OUT=$(mktemp -d /tmp/qtbats-deb.XXXXXX)
}

teardown() {
	rm -rf "$OUT"
}

@test "package: builds, lintian has no errors, installs as the iptables alternative and removes cleanly" {
	DEB_BUILD_OPTIONS=nocheck run "$TOP/scripts/build-deb.sh" "$OUT"
	echo "$output"
	[ "$status" -eq 0 ]
	local deb; deb=$(ls "$OUT"/qtables_*_*.deb)
	dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/^ //; s/ .*//' | sort > "$OUT/deps"
	for d in iptables libmnl0 libnetfilter-queue1 liburcu8; do
		grep -qx "$d" "$OUT/deps"
	done
	# the iptables names are the alternatives system's, never the package's
	! dpkg-deb -c "$deb" | grep -qE '/usr/sbin/iptables' || false
	run "$TOP/scripts/test-deb.sh" "$deb"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *" passed, 0 failed"* ]]
	[[ $output == *"the host's iptables alternatives and packages are as before"* ]]
}
