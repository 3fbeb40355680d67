#!/usr/bin/env bats
# The IPv6 ruleset (ip6tables) beside the IPv4 one: each committed on
# its own, the IPv6 one in a file of its own next to the state file
# (rules.v4 -> rules.v6), both back after a restart and a SIGHUP; a
# damaged IPv6 file refuses the start as a damaged IPv4 one does; the
# IPv4 file stays what it was before there were two families.

bats_require_minimum_version 1.5.0

setup() {
	QT_PREFIX=${QT_BATS_PREFIX:-qtsf6}$$-$BATS_TEST_NUMBER
	# shellcheck source=../lib/qt.sh
	source "$BATS_TEST_DIRNAME/../lib/qt.sh"
	B=$QT_BUILD
	[ -x "$B/qtables" ] && [ -x "$B/qtablesd" ] || {
		echo "no qtables build in $B (set QT_BUILD)" >&2
		return 1
	}
	STATE=$QT_RUN/state/rules.v4
	STATE6=$QT_RUN/state/rules.v6
}

teardown() {
	qt_cleanup
}

q6() { local ns=$1; shift; ip netns exec "$ns" "$B/ip6tables" "$@"; }
q6_save() { local ns=$1; shift; ip netns exec "$ns" "$B/ip6tables-save" "$@"; }

snapshot() {
	qt_save "$1" | grep -v '^# [GC]'
	q6_save "$1" -c | grep -v '^# [GC]'
	q6 "$1" -L -n -v
}

restart() {
	qt_stop_daemon "$1"
	qt_daemon "$1" --no-datapath --state "$STATE"
}

@test "ip6 state: both families survive a restart, each in its own file" {
	qt_ns n; local N=$QT_NS
	qt_daemon "$N" --no-datapath --state "$STATE"
	qt "$N" -A INPUT -s 10.0.0.0/8 -j ACCEPT
	q6 "$N" -P INPUT DROP
	q6 "$N" -A INPUT -s 2001:db8::/64,::1 -p tcp --dport 22 -j ACCEPT
	q6 "$N" -A INPUT -p icmpv6 --icmpv6-type neighbour-solicitation -j ACCEPT
	q6 "$N" -N 'v6"chain'
	q6 "$N" -A 'v6"chain' -m comment --comment 'say "hi"' -j REJECT
	q6 "$N" -t mangle -A PREROUTING -d fe80::/ffff:ffff:0:ffff:: -j MARK --set-mark 1
	local before; before=$(snapshot "$N")
	[ -f "$STATE6" ]
	head -n 1 "$STATE6" | grep -q 'restore with ip6tables-restore -c'
	# the IPv4 file holds IPv4 rules only, the IPv6 file IPv6 ones
	[ -f "$STATE" ]
	! grep -q 2001:db8 "$STATE" || false
	! grep -q 10.0.0.0 "$STATE6" || false
	grep -q -- '-A INPUT -s 2001:db8::/64 -p tcp -m tcp --dport 22 -j ACCEPT' "$STATE6"
	restart "$N"
	[ "$(snapshot "$N")" = "$before" ]
	# the very rules: -C and -D find them by what they mean
	q6 "$N" -C INPUT -s ::1 -p tcp --dport 22 -j ACCEPT
	q6 "$N" -D INPUT -s 2001:db8::/64 -p tcp --dport 22 -j ACCEPT
	[ "$(q6 "$N" -S INPUT)" = "$(printf -- '-P INPUT DROP\n-A INPUT -s ::1/128 -p tcp -m tcp --dport 22 -j ACCEPT\n-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 135 -j ACCEPT')" ]
	[ "$(qt "$N" -S INPUT)" = "$(printf -- '-P INPUT ACCEPT\n-A INPUT -s 10.0.0.0/8 -j ACCEPT')" ]
}

@test "ip6 state: the families are committed apart" {
	qt_ns n; local N=$QT_NS
	qt_daemon "$N" --no-datapath --state "$STATE"
	qt "$N" -A INPUT -j ACCEPT
	local v4; v4=$(cat "$STATE")
	q6 "$N" -A INPUT -j DROP
	q6 "$N" -F
	q6 "$N" -N x
	# an IPv6 change leaves the IPv4 file as it was
	[ "$(cat "$STATE")" = "$v4" ]
	qt "$N" -F
	[ "$(q6 "$N" -S)" = "$(printf -- '-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n-N x')" ]
	# a restore of one family flushes only that family
	printf '*filter\n-A FORWARD -d ::2 -j ACCEPT\nCOMMIT\n' | ip netns exec "$N" "$B/ip6tables-restore"
	printf '*filter\n-A FORWARD -d 10.0.0.2 -j ACCEPT\nCOMMIT\n' | ip netns exec "$N" "$B/iptables-restore"
	[ "$(q6 "$N" -S FORWARD)" = "$(printf -- '-P FORWARD ACCEPT\n-A FORWARD -d ::2/128 -j ACCEPT')" ]
	[ "$(qt "$N" -S FORWARD)" = "$(printf -- '-P FORWARD ACCEPT\n-A FORWARD -d 10.0.0.2/32 -j ACCEPT')" ]
}

@test "ip6 state: a damaged IPv6 file refuses the start" {
	qt_ns n; local N=$QT_NS
	qt_daemon "$N" --no-datapath --state "$STATE"
	q6 "$N" -A INPUT -s 2001:db8::1 -j DROP
	qt_stop_daemon "$N"
	sed -i 's/2001:db8::1/2001:db8::2/' "$STATE6"
	run ! qt_daemon "$N" --no-datapath --state "$STATE"
	[[ "$output" == *"state file $STATE6 is damaged"* ]]
}

@test "ip6 state: SIGHUP reads the IPv6 file again" {
	qt_ns n; local N=$QT_NS
	qt_daemon "$N" --no-datapath --state "$STATE"
	q6 "$N" -A INPUT -s 2001:db8::1 -j DROP
	qt "$N" -A INPUT -s 10.0.0.1 -j DROP
	# an administrator's ip6tables-save output in the file's place
	printf '*filter\n-A INPUT -s 2001:db8::7 -j ACCEPT\nCOMMIT\n' >"$STATE6"
	kill -HUP "$(cat "$QT_RUN/$N.pid")"
	local i
	for i in $(seq 50); do
		q6 "$N" -S INPUT | grep -q 2001:db8::7 && break
		sleep 0.1
	done
	[ "$(q6 "$N" -S INPUT)" = "$(printf -- '-P INPUT ACCEPT\n-A INPUT -s 2001:db8::7/128 -j ACCEPT')" ]
	[ "$(qt "$N" -S INPUT)" = "$(printf -- '-P INPUT ACCEPT\n-A INPUT -s 10.0.0.1/32 -j DROP')" ]
	# written back whole: the next start takes it
	head -n 1 "$STATE6" | grep -q '^# qtablesd state file'
	restart "$N"
	[ "$(q6 "$N" -S INPUT)" = "$(printf -- '-P INPUT ACCEPT\n-A INPUT -s 2001:db8::7/128 -j ACCEPT')" ]
}

@test "ip6 state: without a state file the IPv6 ruleset lives in memory" {
	qt_ns n; local N=$QT_NS
	qt_daemon "$N" --no-datapath
	q6 "$N" -A OUTPUT -d ::1 -j ACCEPT
	[ "$(q6 "$N" -S OUTPUT)" = "$(printf -- '-P OUTPUT ACCEPT\n-A OUTPUT -d ::1/128 -j ACCEPT')" ]
	[ "$(qt "$N" -S OUTPUT)" = "-P OUTPUT ACCEPT" ]
}
