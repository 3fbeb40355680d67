#!/usr/bin/env bats
# -m quota on real traffic through qtablesd (extensions/quota.c), in the
# fw namespace of qt_topo (client 10.0.1.2 -- fw -- server 10.0.2.2):
# UDP datagrams of chosen sizes from the client, judged at FORWARD; a
# receiver on the server notes which (numbered in their payload) arrived.
# The same datagrams go through the kernel's own quota match
# (iptables-nft) in a twin namespace, and both must let the same ones
# through. QT_ORACLE=1 runs the tests against the kernel at the fw too.

bats_require_minimum_version 1.5.0

load datapath_lib

# sized_send NS DST PORT FIRST SIZE...: datagrams numbered from FIRST,
# each SIZE bytes long as an IP packet (what the quota counts), 2 ms
# apart; prints the numbers of those the sending host's own tables let
# out (a kernel DROP at OUTPUT refuses the send at once).
sized_send() {
	ip netns exec "$1" "$PY" -c '
import socket, sys, time
dst, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
out = []
for size in sys.argv[4:]:
    body = b"%d " % n
    try:
        s.sendto(body.ljust(int(size) - 28, b"q"), (dst, port))
        out.append(n)
    except PermissionError:
        pass
    n += 1
    time.sleep(0.002)
print(" ".join(str(i) for i in out))
' "${@:2}"
}

# twin NAME: a namespace where the kernel's iptables-nft judges the same
# datagrams at OUTPUT on loopback (what it lets out is what passed)
twin() {
	qt_ns "$1" || return 1
	K=$QT_NS
}

@test "quota: exactly the quota's bytes pass, then nothing, however small, as the kernel's quota on the same datagrams" {
	qt $FW -A FORWARD -p udp --dport 5001 -m quota --quota 1050 -j ACCEPT
	qt $FW -A FORWARD -p udp --dport 5001 -j DROP
	qt $FW -A FORWARD -p udp --dport 5002 -m quota ! --quota 250 -j DROP
	run qt $FW -S FORWARD
	[ "${lines[1]}" = "-A FORWARD -p udp -m udp --dport 5001 -m quota --quota 1050 -j ACCEPT" ]
	[ "${lines[3]}" = "-A FORWARD -p udp -m udp --dport 5002 -m quota ! --quota 250 -j DROP" ]
	twin k
	ipt $K -A OUTPUT -o lo -p udp --dport 5001 -m quota --quota 1050 -j ACCEPT
	ipt $K -A OUTPUT -o lo -p udp --dport 5001 -j DROP
	ipt $K -A OUTPUT -o lo -p udp --dport 5002 -m quota ! --quota 250 -j DROP

	# ten of 100 bytes fit 1050; the eleventh does not and empties the
	# quota, so the 30 bytes after it do not pass either
	local sizes="100 100 100 100 100 100 100 100 100 100 100 30 30"
	seq_recv 5001
	# shellcheck disable=SC2086
	sized_send "$C" 10.0.2.2 5001 0 $sizes >/dev/null
	got=$(seq_got)
	# shellcheck disable=SC2086
	kernel=$(sized_send "$K" 127.0.0.1 5001 0 $sizes)
	echo "# qtables: $got; kernel: $kernel" >&3
	[ "$got" = "0 1 2 3 4 5 6 7 8 9" ]
	[ "$got" = "$kernel" ]
	[ "$(cnt FORWARD 1)" -eq 10 ]
	[ "$(cnt_bytes FORWARD 1)" -eq 1000 ]
	[ "$(cnt FORWARD 2)" -eq 3 ]

	# ! --quota: the datagrams over the quota match
	sizes="120 120 120 30 30"
	seq_recv 5002
	# shellcheck disable=SC2086
	sized_send "$C" 10.0.2.2 5002 0 $sizes >/dev/null
	got=$(seq_got)
	# shellcheck disable=SC2086
	kernel=$(sized_send "$K" 127.0.0.1 5002 0 $sizes)
	echo "# ! --quota: qtables: $got; kernel: $kernel" >&3
	[ "$got" = "0 1" ]
	[ "$got" = "$kernel" ]
	[ "$(cnt FORWARD 3)" -eq 3 ]

	# listed with the quota given, not what is left (as iptables-nft)
	run qt $FW -L FORWARD -n
	[[ "${lines[2]}" == *"udp dpt:5001 quota: 1050 bytes" ]]
	[[ "${lines[4]}" == *"udp dpt:5002 quota: 250 bytes" ]]
	[ "$(qt_save $FW | grep -c -- '--quota 1050 -j ACCEPT')" -eq 1 ]
	run ipt $K -L OUTPUT -n
	[[ "${lines[2]}" == *"udp dpt:5001 quota: 1050 bytes" ]]
}

@test "quota: what is left goes on across a commit that keeps the rule and through qtablesd --handover" {
	daemon_only
	# the next daemon reads the rules from the state file
	stop_daemon
	start_daemon --state "$QT_RUN/rules.v4"
	qt $FW -A FORWARD -p udp --dport 5001 -m quota --quota 1000 -j ACCEPT
	qt $FW -A FORWARD -p udp -j DROP
	seq_recv 5001
	sized_send "$C" 10.0.2.2 5001 0 100 100 100 100 >/dev/null
	# 600 left; a commit that leaves the rule as it is
	qt $FW -I FORWARD 1 -s 192.0.2.1 -j DROP
	sized_send "$C" 10.0.2.2 5001 4 100 100 100 100 >/dev/null
	# 200 left; the next daemon takes over
	local old=$DPID
	ip netns exec "$FW" "$QT_BUILD/qtablesd" --state "$QT_RUN/rules.v4" --handover \
		--log-stderr --no-syslog --handover-wait 0 2>"$QT_RUN/log.next" &
	DPID=$!
	for _ in $(seq 100); do
		grep -q '^State:.*Z' "/proc/$old/status" 2>/dev/null && break
		[ -d "/proc/$old" ] || break
		sleep 0.05
	done
	wait "$old"
	cat "$QT_RUN/log.next"
	qt $FW -S FORWARD
	sized_send "$C" 10.0.2.2 5001 8 100 100 100 100 >/dev/null
	got=$(seq_got)
	echo "# passed: $got" >&3
	[ "$got" = "0 1 2 3 4 5 6 7 8 9" ]
	[ "$(cnt FORWARD 2)" -eq 10 ]
	[ "$(cnt FORWARD 3)" -eq 2 ]
	run qt $FW -L FORWARD -n
	[[ "${lines[3]}" == *"udp dpt:5001 quota: 1000 bytes" ]]
}
