#!/usr/bin/env bats
# The state file end to end: whatever a commit accepted comes back
# identical after a restart, and a state file that is not whole (a
# directory, a FIFO, a read error, empty, cut short, cut at a COMMIT,
# without trailer) stops qtablesd from starting, with one line naming
# the file, while the steering rules of the daemon that died keep the
# namespace closed. --state-recover FILE starts from a fallback.

bats_require_minimum_version 1.5.0

setup() {
	QT_PREFIX=${QT_BATS_PREFIX:-qtsf}$$-$BATS_TEST_NUMBER
	# shellcheck source=../lib/qt.sh
	source "$BATS_TEST_DIRNAME/../lib/qt.sh"
	B=$QT_BUILD
	[ -x "$B/qtables" ] && [ -x "$B/qtablesd" ] || {
		echo "no qtables build in $B (set QT_BUILD)" >&2
		return 1
	}
	STATE=$QT_RUN/state/rules.v4
	GOOD=$QT_RUN/good.v4
}

teardown() {
	qt_cleanup
}

# ---- helpers ----

# save and -S with counters, without save's two date lines
snapshot() {
	qt_save "$1" -c | grep -v '^# [GC]'
	qt "$1" -S -v
}

dpid() { cat "$QT_RUN/$1.pid"; }
stats() { ip netns exec "$1" "$B/qtables" --stats; }

# SIGTERM, wait until it is gone, start again from the state file
restart() {
	qt_stop_daemon "$1"
	qt_daemon "$1" --no-datapath --state "$STATE"
}

# pings N DST: echo requests from the client; prints how many came back
pings() {
	ip netns exec "$C" ping -n -q -c "$1" -i 0.05 -W 0.3 "$2" 2>/dev/null |
		awk '/received/ { print $4 }'
}

# The namespaces of qt_topo and a daemon in fw whose ruleset drops what
# is forwarded, then killed with SIGKILL: its steering rules stay and
# hold the traffic, as after a crash.
crashed_firewall() {
	qt_topo
	qt_daemon "$FW" --state "$STATE"
	qt "$FW" -P FORWARD DROP
	qt "$FW" -A FORWARD -p icmp -s 10.9.9.9 -m comment --comment "a b" -j ACCEPT
	[ "$(pings 2 10.0.2.2)" -eq 0 ]
	local pid; pid=$(dpid "$FW")
	kill -9 "$pid"
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
	rm -f "$QT_RUN/$FW.pid"
	ipt_save "$FW" | grep -q -- '-j NFQUEUE'
	[ "$(pings 2 10.0.2.2)" -eq 0 ]
}

# Start qtablesd in fw from the state file (with extra arguments): it
# must refuse, in one line naming the file and saying $1, and install or
# remove nothing: the traffic stays blocked.
refused_and_closed() {
	local why=$1; shift
	local before; before=$(ipt_save "$FW" | grep -v '^#')
	run -1 timeout 10 ip netns exec "$FW" "$B/qtablesd" --state "$STATE" "$@"
	echo "$output"
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "qtablesd: not starting: "*"$STATE"*"$why"* ]]
	[ "$(ipt_save "$FW" | grep -v '^#')" = "$before" ]
	[ "$(pings 3 10.0.2.2)" -eq 0 ]
}

# ---- strings ----

@test "state file: names and texts with blanks, quotes, backslashes survive a restart" {
	qt_ns n; local N=$QT_NS
	qt_daemon "$N" --no-datapath --state "$STATE"
	qt "$N" -P INPUT DROP
	qt "$N" -A INPUT -i "+ -j ACCEPT"
	qt "$N" -A INPUT -i 'a"b' -j ACCEPT
	qt "$N" -A FORWARD ! -o 'x\y z' -j DROP
	qt "$N" -A INPUT -m comment --comment 'say "hi" \o/ it'"'"'s	tab' -j ACCEPT
	qt "$N" -A INPUT -j LOG --log-prefix ' "-j ACCEPT" \'
	qt "$N" -A INPUT -m recent --set --name 'my "list" \1'
	qt "$N" -A INPUT -m recent --rcheck --name 'x y' --mask 255.255.255.0
	qt "$N" -A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name '- -j DROP'
	qt "$N" -A INPUT -m string --algo kmp --string 'a "b" \c' -j DROP
	qt "$N" -N 'q"chain'
	qt "$N" -A 'q"chain' -j RETURN
	qt "$N" -A INPUT -j 'q"chain'
	qt "$N" -A OUTPUT -c 7 8 -o lo
	local before; before=$(snapshot "$N")
	restart "$N"
	[ "$(snapshot "$N")" = "$before" ]
	grep -q -- '-A INPUT -i "+ -j ACCEPT"$' "$STATE"
	# the very rules: -C and -D find them by what they mean
	qt "$N" -C INPUT -i "+ -j ACCEPT"
	qt "$N" -D INPUT -m recent --set --name 'my "list" \1'
	qt "$N" -D INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name '- -j DROP'
}

@test "state file: newlines and NUL bytes that restore lets in survive a restart" {
	qt_ns n; local N=$QT_NS
	qt_daemon "$N" --no-datapath --state "$STATE"
	# a quote open at a line's end keeps the newline (as in iptables);
	# a NUL byte ends the line there, as iptables-nft-restore reads it
	printf '%b' '*filter\n:INPUT DROP [0:0]\n' \
		'-A INPUT -m comment --comment "two\n' \
		'-A INPUT -i "e\n' \
		'-A FORWARD -o x" y\n' \
		'-A INPUT -m recent --set --name "r\n' \
		'-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name "h\n' \
		'-A INPUT -m string --algo bm --string "s\n' \
		'-A INPUT -j LOG --log-prefix "nul\0 -j ACCEPT\n' \
		'-A INPUT -i "n u\0l -j DROP\n' \
		'-A INPUT -m comment --comment "ab\\\0c\n' \
		'COMMIT\n' | qt_restore "$N"
	local before; before=$(snapshot "$N")
	echo "$before"
	[ "$(qt "$N" -S INPUT | wc -l)" -gt 9 ]
	restart "$N"
	[ "$(snapshot "$N")" = "$before" ]
	qt "$N" -C INPUT -i "n u"
	qt "$N" -C INPUT -m comment --comment "ab"
}

# ---- files that are not whole ----

@test "state file: a directory refuses the start; traffic stays blocked" {
	crashed_firewall
	rm -f "$STATE"
	mkdir "$STATE"
	refused_and_closed "is a directory"
}

@test "state file: a FIFO refuses the start; traffic stays blocked" {
	crashed_firewall
	rm -f "$STATE"
	mkfifo "$STATE"
	refused_and_closed "is not a regular file"
}

@test "state file: a read error refuses the start" {
	qt_ns n; local N=$QT_NS
	# the start of a process's own address space reads as EIO
	run -1 timeout 10 ip netns exec "$N" "$B/qtablesd" --no-datapath \
		--state /proc/self/mem
	[ "$output" = "qtablesd: not starting: state file /proc/self/mem cannot be read: Input/output error (--state-recover FILE starts from another file)" ]
}

@test "state file: an empty one refuses the start; traffic stays blocked" {
	crashed_firewall
	: >"$STATE"
	refused_and_closed "is empty"
}

@test "state file: one cut short refuses the start; traffic stays blocked" {
	crashed_firewall
	truncate -s $(($(stat -c %s "$STATE") / 2)) "$STATE"
	refused_and_closed "cut short or damaged"
}

@test "state file: one cut at a COMMIT (trailer gone) refuses the start; traffic stays blocked" {
	crashed_firewall
	sed -i '$d' "$STATE"
	[ "$(tail -n 1 "$STATE")" = COMMIT ]
	refused_and_closed "cut short or damaged"
}

@test "state file: a changed byte refuses the start; traffic stays blocked" {
	crashed_firewall
	sed -i 's/FORWARD DROP/FORWARD DRXP/' "$STATE"
	refused_and_closed "damaged: its checksum"
}

@test "state file: --state-recover starts from the fallback and writes it back" {
	crashed_firewall
	truncate -s 100 "$STATE"
	printf '*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -i "qtf0" -p icmp -j ACCEPT\nCOMMIT\n' >"$GOOD"
	# a fallback that does not load either: no start
	printf '*filter\n-A FORWARD -j NOSUCH\nCOMMIT\n' >"$QT_RUN/bad.v4"
	run -1 timeout 10 ip netns exec "$FW" "$B/qtablesd" --state "$STATE" \
		--state-recover "$QT_RUN/bad.v4"
	echo "$output"
	[ "${#lines[@]}" -eq 5 ]
	[[ "${lines[1]}" == "qtablesd: not starting: recovery file $QT_RUN/bad.v4 does not restore: "*"Chain 'NOSUCH' does not exist"* ]]
	# then the error at its line
	[ "${lines[2]}" = "qtablesd: $QT_RUN/bad.v4:2:15: Chain 'NOSUCH' does not exist" ]
	[ "${lines[3]}" = "qtablesd: -A FORWARD -j NOSUCH" ]
	[ "${lines[4]}" = "qtablesd:               ^~~~~~" ]
	[ "$(pings 2 10.0.2.2)" -eq 0 ]
	qt_daemon "$FW" --state "$STATE" --state-recover "$GOOD" 2>"$QT_RUN/err"
	cat "$QT_RUN/err"
	grep -q "state file $STATE is cut short or damaged.*; starting from $GOOD" "$QT_RUN/err"
	[ "$(pings 3 10.0.2.2)" -eq 3 ]
	qt "$FW" -C FORWARD -i qtf0 -p icmp -j ACCEPT
	tail -n 1 "$STATE" | grep -q '^# qtablesd end: 1 tables, '
	# the next start needs no fallback
	qt_stop_daemon "$FW"
	qt_daemon "$FW" --state "$STATE"
	qt "$FW" -C FORWARD -i qtf0 -p icmp -j ACCEPT
}

@test "state file: one of an older qtablesd (no trailer) is refused, then loaded with --state-recover" {
	qt_ns n; local N=$QT_NS
	mkdir -p "$(dirname "$STATE")"
	printf '*filter\n:INPUT DROP [1:2]\n[3:4] -A INPUT -i lo -j ACCEPT\nCOMMIT\n' >"$STATE"
	run -1 timeout 10 ip netns exec "$N" "$B/qtablesd" --no-datapath --state "$STATE"
	[[ "$output" == *"state file $STATE has no trailer line"*"--state-recover"* ]]
	qt_daemon "$N" --no-datapath --state "$STATE" --state-recover "$STATE"
	[ "$(qt "$N" -S INPUT -v)" = "$(printf -- '-P INPUT DROP -c 1 2\n-A INPUT -i lo -c 3 4 -j ACCEPT')" ]
	head -n 1 "$STATE" | grep -q '^# qtablesd state file'
	restart "$N"
	qt "$N" -C INPUT -i lo -j ACCEPT
}

@test "state file: a missing one is an empty ruleset (the first start)" {
	qt_ns n; local N=$QT_NS
	qt_daemon "$N" --no-datapath --state "$STATE"
	[ "$(qt "$N" -S)" = "$(printf -- '-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT')" ]
}

@test "state file: failed writes are counted by --stats" {
	qt_ns n; local N=$QT_NS
	qt_daemon "$N" --no-datapath --state "$STATE"
	qt "$N" -A INPUT -j ACCEPT
	stats "$N" | grep -qx 'state file: writes failed 0'
	# the directory becomes a file: nothing can be written below it
	rm -rf "$(dirname "$STATE")"
	touch "$(dirname "$STATE")"
	run -4 qt "$N" -A INPUT -j DROP
	run -4 qt "$N" -A INPUT -j DROP
	stats "$N" | grep -qx 'state file: writes failed 2'
	[ "$(qt "$N" -S INPUT)" = "$(printf -- '-P INPUT ACCEPT\n-A INPUT -j ACCEPT')" ]
}

@test "state file: an ipset change that cannot be written is undone (sets as before, the rule's set object kept)" {
	qt_ns n; local N=$QT_NS
	qt_daemon "$N" --no-datapath --state "$STATE"
	is() { ip netns exec "$N" "$QT_BUILD/ipset" "$@"; }
	is create keep hash:net family inet6 counters
	is add keep 2001:db8::/32 packets 5 bytes 7
	is add keep 2001:db8:1::/48 nomatch
	ip netns exec "$N" "$QT_BUILD/ip6tables" -A INPUT -m set --match-set keep src -j DROP
	local before; before=$(is save | grep -v '^create')
	rm -rf "$(dirname "$STATE")"
	touch "$(dirname "$STATE")"
	run -4 is add keep 2001:db9::/32
	run -4 is create other hash:ip
	run -4 is flush keep
	run -4 is -exist add keep 2001:db8:1::/48
	[ "$(is save | grep -v '^create')" = "$before" ]
	run -1 is list other
	# the rule still holds the set it was made with: ipset's destroy
	# says it is in use
	run -1 is destroy keep
	[ "$output" = "ipset v7.17: Set cannot be destroyed: it is in use by a kernel component" ]
}
