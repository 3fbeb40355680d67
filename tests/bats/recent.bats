#!/usr/bin/env bats
# -m recent with real traffic through qtablesd (fw namespace of qt_topo:
# client 10.0.1.2 -- fw -- server 10.0.2.2), and the lists seen and
# edited as /proc/net/xt_recent/NAME through `qtables --recent NAME`.
# QT_ORACLE=1 runs the same tests against the kernel (its /proc file).
#
# "New connection" is written `-p tcp --syn` (not `-m state --state NEW`)
# and replies are let through by port, as connection tracking is not
# judged by the engine yet.

bats_require_minimum_version 1.5.0

load datapath_lib

# The list as /proc shows it.
recent_view() {
	if [ -n "${QT_ORACLE:-}" ]; then
		ip netns exec "$FW" cat "/proc/net/xt_recent/$1"
	else
		ip netns exec "$FW" "$QT_BUILD/qtables" --recent "$@" </dev/null
	fi
}

# One edit line ("+addr", "-addr", "/") as one write to the list.
recent_edit() {
	if [ -n "${QT_ORACLE:-}" ]; then
		ip netns exec "$FW" sh -c "printf '%s\n' '$2' >/proc/net/xt_recent/$1"
	else
		printf '%s\n' "$2" | ip netns exec "$FW" "$QT_BUILD/qtables" --recent "$1"
	fi
}

# conn [SRC] PORT: does a TCP connection to the server open (0.7 s, no
# SYN retransmission)?
conn() {
	local src=()
	[ $# -eq 2 ] && { src=(-s "$1"); shift; }
	ip netns exec "$C" timeout 0.7 nc -z "${src[@]}" 10.0.2.2 "$1"
}

@test "recent: at most 8 new HTTP connections per minute per source (--update --seconds 60 --hitcount 9 -> LOG, DROP)" {
	client_addr2
	tcp_listen 80
	qt $FW -A FORWARD -p tcp --dport 80 --syn -m recent --set --name HTTP
	qt $FW -A FORWARD -p tcp --dport 80 --syn -m recent --update \
		--seconds 60 --hitcount 9 --name HTTP -j LOG --log-prefix "HTTP-FLOOD "
	qt $FW -A FORWARD -p tcp --dport 80 --syn -m recent --update \
		--seconds 60 --hitcount 9 --name HTTP -j DROP
	for i in 1 2 3 4 5 6 7 8; do
		conn 80 || { echo "connection $i refused" >&2; return 1; }
	done
	run ! conn 80
	run ! conn 80
	# another source has its own count
	conn 10.0.1.3 80
	[ "$(cnt FORWARD 1)" -eq 11 ]
	[ "$(cnt FORWARD 2)" -eq 2 ]
	[ "$(cnt FORWARD 3)" -eq 2 ]
	if [ -z "${QT_ORACLE:-}" ]; then
		[ "$(grep -c 'HTTP-FLOOD .*SRC=10.0.1.2 ' "$LOG")" -eq 2 ]
	fi
	# 10 --set, 2 x 2 --update that matched: 14 stamps; the TTL as it
	# was before forwarding (the kernel adds back the hop)
	run recent_view HTTP
	[ "$status" -eq 0 ]
	echo "$output"
	[ "${#lines[@]}" -eq 2 ]
	line=$(printf '%s\n' "$output" | grep '^src=10.0.1.2 ')
	[[ "$line" =~ ^src=10\.0\.1\.2\ ttl:\ 64\ last_seen:\ [0-9]+\ oldest_pkt:\ 14\ [0-9]+(,\ [0-9]+){13}$ ]]
	line=$(printf '%s\n' "$output" | grep '^src=10.0.1.3 ')
	[[ "$line" =~ ^src=10\.0\.1\.3\ ttl:\ 64\ last_seen:\ ([0-9]+)\ oldest_pkt:\ 1\ ([0-9]+)$ ]]
	[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
}

@test "recent: ping of total length 128 opens SSH for a few seconds (--rcheck --seconds 2)" {
	tcp_listen 22
	qt $FW -A FORWARD -p icmp --icmp-type echo-request -m length --length 128 \
		-m recent --set --name SSH
	qt $FW -A FORWARD -p icmp -j ACCEPT
	qt $FW -A FORWARD -p tcp --dport 22 -m recent --rcheck --seconds 2 \
		--name SSH -j ACCEPT
	qt $FW -A FORWARD -p tcp --sport 22 -j ACCEPT
	qt $FW -P FORWARD DROP
	run ! conn 22
	# 100 bytes of data: 20 + 8 + 100 = 128; 50 bytes do not open it
	[ "$(pings 1 10.0.2.2 -s 50)" -eq 1 ]
	run ! conn 22
	[ "$(cnt FORWARD 1)" -eq 0 ]
	[ "$(pings 1 10.0.2.2 -s 100)" -eq 1 ]
	[ "$(cnt FORWARD 1)" -eq 1 ]
	conn 22
	sleep 2.3
	run ! conn 22
	# knock again
	[ "$(pings 1 10.0.2.2 -s 100)" -eq 1 ]
	conn 22
	run recent_view SSH
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^src=10\.0\.1\.2\ ttl:\ 64\ last_seen:\ [0-9]+\ oldest_pkt:\ 2\ [0-9]+,\ [0-9]+$ ]]
}

@test "recent: lists viewed and edited as /proc/net/xt_recent (+addr, -addr, /)" {
	tcp_listen 22
	qt $FW -A FORWARD -p tcp --dport 22 -m recent --rcheck --name ADMIN -j ACCEPT
	qt $FW -A FORWARD -p tcp --sport 22 -j ACCEPT
	qt $FW -A FORWARD -m recent --rcheck --name OTHER --rdest
	qt $FW -P FORWARD DROP
	run ! conn 22
	run recent_view ADMIN
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	recent_edit ADMIN +10.0.1.2
	recent_edit ADMIN +10.9.9.9
	conn 22
	run recent_view ADMIN
	echo "$output"
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[*]}" =~ src=10\.0\.1\.2\ ttl:\ 0\ last_seen:\ ([0-9]+)\ oldest_pkt:\ 1\ ([0-9]+) ]]
	[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
	recent_edit ADMIN -10.0.1.2
	run ! conn 22
	run recent_view ADMIN
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" =~ ^src=10\.9\.9\.9\  ]]
	recent_edit ADMIN /
	run recent_view ADMIN
	[ -z "$output" ]
	run recent_edit ADMIN garbage
	[ "$status" -ne 0 ]
	run recent_view NOSUCH
	[ "$status" -eq 1 ]
	[[ "$output" == *"NOSUCH: No such file or directory"* ]]
	run recent_edit NOSUCH +1.2.3.4
	[ "$status" -ne 0 ]
	if [ -z "${QT_ORACLE:-}" ]; then
		# several lines at once; the names
		printf '+1.1.1.1\n+2.2.2.2\n-1.1.1.1\n' |
			ip netns exec "$FW" "$QT_BUILD/qtables" --recent ADMIN
		run recent_view ADMIN
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" =~ ^src=2\.2\.2\.2\  ]]
		run ip netns exec "$FW" "$QT_BUILD/qtables" --recent </dev/null
		[ "$status" -eq 0 ]
		[ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "ADMIN OTHER " ]
		run ip netns exec "$FW" "$QT_BUILD/qtables" --recent NOSUCH </dev/null
		[ "$output" = "qtables: /proc/net/xt_recent/NOSUCH: No such file or directory" ]
	else
		[ "$(ip netns exec "$FW" ls /proc/net/xt_recent | sort | tr '\n' ' ')" = "ADMIN OTHER " ]
	fi
}

@test "recent: a list outlives commits while a rule names it" {
	qt $FW -A FORWARD -p icmp -m recent --set --name KEEP
	[ "$(pings 2 10.0.2.2)" -eq 2 ]
	run recent_view KEEP
	[ "${#lines[@]}" -eq 2 ]
	# other commits: a rule added, the first replaced by an equal one
	qt $FW -A FORWARD -p udp -j ACCEPT
	qt $FW -I FORWARD 1 -p icmp -m recent --rcheck --name KEEP
	qt $FW -D FORWARD 2
	run recent_view KEEP
	[ "${#lines[@]}" -eq 2 ]
	[ "$(pings 1 10.0.2.2)" -eq 1 ]
	[ "$(cnt FORWARD 1)" -eq 2 ]
	qt $FW -D FORWARD 1
	run recent_view KEEP
	[ "$status" -eq 1 ]
}
