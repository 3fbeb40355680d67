#!/usr/bin/env bats
# -m nfacct and the nfacct program on real traffic through qtablesd
# (extensions/nfacct.c, daemon/acct_view.c), in the fw namespace of
# qt_topo (client 10.0.1.2 -- fw -- server 10.0.2.2). QT_ORACLE=1 runs
# the tests that do not restart the daemon against the kernel's own
# xt_nfacct and nfacct(8), to check what they expect.

bats_require_minimum_version 1.5.0

load datapath_lib

# nfacct in the fw namespace: qtables' or (QT_ORACLE) the kernel's
nf() {
	if [ -n "${QT_ORACLE:-}" ]; then
		ip netns exec "$FW" /usr/sbin/nfacct "$@"
	else
		ip netns exec "$FW" "$QT_BUILD/nfacct" "$@"
	fi
}

# The packets and bytes nfacct shows for an object: "P B".
acct_of() {
	nf get "$1" | sed -n 's/^{ pkts = \([0-9]*\), bytes = \([0-9]*\)[ ,].*/\1 \2/p' |
		awk '{ print $1 + 0, $2 + 0 }'
}

# N datagrams of 100 bytes (IP length) from the client to the server.
send100() {
	udp_send 10.0.2.2 "$1" "$2" --gap 0.005 --payload "$(printf '%072d' 0)" >/dev/null
}

@test "nfacct: every rule that names the object counts the packet into it, bytes as the IP length" {
	nf add fwd
	qt "$FW" -A FORWARD -p udp --dport 7001 -m nfacct --nfacct-name fwd
	qt "$FW" -A FORWARD -m nfacct --nfacct-name fwd -j ACCEPT
	run qt "$FW" -S FORWARD
	[ "${lines[1]}" = "-A FORWARD -p udp -m udp --dport 7001 -m nfacct --nfacct-name  fwd" ]
	recv_start 7001
	send100 7001 5
	[ "$(recv_count)" = 5 ]
	# 5 datagrams of 100 bytes, counted by both rules
	[ "$(acct_of fwd)" = "10 1000" ]
	# another port: only the second rule
	recv_start 7002
	send100 7002 3
	[ "$(recv_count)" = 3 ]
	[ "$(acct_of fwd)" = "13 1300" ]
	[ "$(cnt FORWARD 1)" = 5 ]
	[ "$(cnt FORWARD 2)" = 8 ]
	# list reset shows the counters, then they start again
	run nf list reset
	[ "$output" = "{ pkts = 00000000000000000013, bytes = 00000000000000001300 } = fwd;" ]
	[ "$(acct_of fwd)" = "0 0" ]
}

@test "nfacct: an object with a packet quota matches only once the quota is passed" {
	nf add lim packet 3
	qt "$FW" -A FORWARD -p udp --dport 7003 -m nfacct --nfacct-name lim -j DROP
	seq_recv 7003
	# six datagrams of 31 bytes (IP length), numbered in their payload
	for i in 1 2 3 4 5 6; do
		udp_send 10.0.2.2 7003 1 --payload "$i x" >/dev/null
	done
	run seq_got
	echo "$output"
	# under the quota the match does not match; the 4th passes it
	[ "$output" = "1 2 3" ]
	run nf get lim
	[ "$output" = "{ pkts = 00000000000000000006, bytes = 00000000000000000186, quota = 00000000000000000003, mode = packet, overquota = yes } = lim;" ]
}

@test "nfacct: an object must exist for a rule, and cannot go while a rule counts into it" {
	run qt "$FW" -A FORWARD -m nfacct --nfacct-name nope
	[ "$status" = 4 ]
	[[ "$output" == *"RULE_APPEND failed (No such file or directory): rule in chain FORWARD" ]]
	nf add used
	qt "$FW" -A FORWARD -m nfacct --nfacct-name used
	run nf delete used
	[ "$status" = 1 ]
	[ "$output" = "nfacct v1.0.2: error: Device or resource busy" ]
	nf flush
	[ "$(nf list | wc -l)" = 1 ]
	qt "$FW" -D FORWARD -m nfacct --nfacct-name used
	nf delete used
	[ -z "$(nf list)" ]
}

@test "nfacct: an object made in the kernel over netlink (as kube-proxy makes its own) can be named by a rule, with its quota" {
	daemon_only
	# the real nfacct(8) talks nfnetlink_acct to the kernel, as
	# kube-proxy does; the kernel's objects are not qtables' yet
	ip netns exec "$FW" /usr/sbin/nfacct add kobj
	ip netns exec "$FW" /usr/sbin/nfacct add kquota packet 3
	[ -z "$(nf list)" ]
	qt "$FW" -A FORWARD -p udp --dport 7004 -m nfacct --nfacct-name kobj
	printf '*filter\n-A FORWARD -m nfacct --nfacct-name kquota -j DROP\nCOMMIT\n' |
		ip netns exec "$FW" "$QT_BUILD/iptables-restore" --noflush
	run nf list
	[[ "$output" == *"bytes = 00000000000000000000 } = kobj;"* ]]
	[[ "$output" == *"quota = 00000000000000000003, mode = packet, overquota = no } = kquota;"* ]]
	# and it counts as an object made with nfacct does
	recv_start 7004
	send100 7004 5
	[ "$(acct_of kobj)" = "5 500" ]
	# an object in neither place still fails the rule
	run qt "$FW" -A FORWARD -m nfacct --nfacct-name nowhere
	[ "$status" = 4 ]
	ip netns exec "$FW" /usr/sbin/nfacct flush
}

@test "nfacct: objects come back after a restart from the state file, and with their counters after a handover" {
	daemon_only
	STATE=$QT_RUN/rules.v4
	stop_daemon
	start_daemon --state "$STATE"
	nf add kept
	nf add 'with blank' byte 1000
	qt "$FW" -A FORWARD -m nfacct --nfacct-name kept
	grep -q '^#nfacct kept - 0$' "$STATE"
	grep -q '^#nfacct with%20blank byte 1000$' "$STATE"
	recv_start 7004
	send100 7004 4
	[ "$(recv_count)" = 4 ]
	[ "$(acct_of kept)" = "4 400" ]

	# the next daemon takes the running one's place: counters too
	ip netns exec "$FW" "$QT_BUILD/qtablesd" --state "$STATE" --handover \
		--log-stderr --no-syslog --handover-wait 0 2>"$QT_RUN/log.next" &
	local next=$!
	wait "$DPID" || true
	DPID=$next
	for _ in $(seq 100); do qt_ready "$FW" && break; sleep 0.03; done
	[ "$(acct_of kept)" = "4 400" ]
	run nf list
	[ "${lines[1]}" = "{ pkts = 00000000000000000000, bytes = 00000000000000000000, quota = 00000000000000001000, mode = byte, overquota = no } = with blank;" ]
	recv_start 7004
	send100 7004 1
	[ "$(recv_count)" = 1 ]
	[ "$(acct_of kept)" = "5 500" ]

	# a stop and a fresh start: the objects are there (counters start
	# again, as a reboot's), and the rule counts into its object
	stop_daemon
	start_daemon --state "$STATE"
	run nf list
	[ "${#lines[@]}" = 2 ]
	[ "$(acct_of kept)" = "0 0" ]
	recv_start 7004
	send100 7004 2
	[ "$(recv_count)" = 2 ]
	[ "$(acct_of kept)" = "2 200" ]
}
