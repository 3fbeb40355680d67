#!/usr/bin/env bats
# Real traffic through qtablesd: rules typed with `qt $FW ...` in the fw
# namespace of qt_topo (client 10.0.1.2 -- fw -- server 10.0.2.2) and
# judged by the daemon's NFQUEUE datapath. Every test asserts both what
# arrived and the exact rule counters.

bats_require_minimum_version 1.5.0

load datapath_lib

@test "base: -s/-d prefixes and ! (second client address 10.0.1.3)" {
	client_addr2
	qt $FW -A FORWARD -p icmp -s 10.0.1.3/32 -j DROP
	qt $FW -A FORWARD -p icmp -s 10.0.1.0/24 -d 10.0.2.0/24 -j ACCEPT
	qt $FW -A FORWARD -p icmp ! -d 10.0.1.0/25 -j DROP
	[ "$(pings 3 10.0.2.2 -I 10.0.1.3)" -eq 0 ]
	[ "$(pings 3 10.0.2.2)" -eq 3 ]
	[ "$(cnt FORWARD 1)" -eq 3 ]
	[ "$(cnt FORWARD 2)" -eq 3 ]
	# replies come from 10.0.2.2 to 10.0.1.2, which is in 10.0.1.0/25
	[ "$(cnt FORWARD 3)" -eq 0 ]
	[ "$(policy_pkts FORWARD)" -eq 3 ]
}

@test "base: -p and ! -p" {
	qt $FW -A FORWARD ! -p icmp -j DROP
	qt $FW -A FORWARD -p icmp -j ACCEPT
	recv_start 5001
	[ "$(udp_send 10.0.2.2 5001 4)" -eq 4 ]
	[ "$(recv_count)" -eq 0 ]
	[ "$(pings 2 10.0.2.2)" -eq 2 ]
	[ "$(cnt FORWARD 1)" -eq 4 ]
	[ "$(cnt FORWARD 2)" -eq 4 ]
	qt $FW -R FORWARD 1 -p udp -j DROP
	qt $FW -R FORWARD 2 -p 1 -j ACCEPT
	recv_start 5002
	udp_send 10.0.2.2 5002 3
	[ "$(recv_count)" -eq 0 ]
	[ "$(pings 2 10.0.2.2)" -eq 2 ]
	[ "$(cnt FORWARD 1)" -eq 3 ]
	[ "$(cnt FORWARD 2)" -eq 4 ]
}

@test "base: -i/-o with + and !" {
	qt $FW -A FORWARD -p icmp -i qtf0 -o qtf1 -j ACCEPT
	qt $FW -A FORWARD -p icmp -i qtf+ ! -o qtf1 -j ACCEPT
	qt $FW -A FORWARD -p icmp -i qtx+ -j DROP
	qt $FW -A FORWARD -p icmp ! -i qtf+ -j DROP
	qt $FW -A FORWARD -p udp -o qts+ -j DROP
	qt $FW -A FORWARD -p udp -o qtf+ -j DROP
	[ "$(pings 3 10.0.2.2)" -eq 3 ]
	[ "$(cnt FORWARD 1)" -eq 3 ]
	[ "$(cnt FORWARD 2)" -eq 3 ]
	[ "$(cnt FORWARD 3)" -eq 0 ]
	[ "$(cnt FORWARD 4)" -eq 0 ]
	recv_start 5001
	udp_send 10.0.2.2 5001 2
	[ "$(recv_count)" -eq 0 ]
	[ "$(cnt FORWARD 5)" -eq 0 ]
	[ "$(cnt FORWARD 6)" -eq 2 ]
}

@test "tcp: --syn --dport 8080 DROP: connect fails, another port works" {
	tcp_listen 8080
	tcp_listen 8081
	qt $FW -A FORWARD -p tcp --syn --dport 8080 -j DROP
	run ! ip netns exec "$C" timeout 0.5 nc -z 10.0.2.2 8080
	ip netns exec "$C" timeout 2 nc -z 10.0.2.2 8081
	[ "$(cnt FORWARD 1)" -eq 1 ]
	qt $FW -Z
	# ! --syn: everything of the 8081 connection except its SYN
	qt $FW -A FORWARD -p tcp ! --syn --dport 8081 -j ACCEPT
	qt $FW -A FORWARD -p tcp --tcp-flags ALL SYN -j ACCEPT
	qt $FW -A FORWARD -p tcp --tcp-flags SYN,ACK SYN,ACK --sport 8081 -j ACCEPT
	qt $FW -A FORWARD -p tcp --sport 1024: --dport 8000:8100 -j ACCEPT
	ip netns exec "$C" timeout 2 nc -z 10.0.2.2 8081
	[ "$(cnt FORWARD 1)" -eq 0 ]
	[ "$(cnt FORWARD 3)" -eq 1 ]
	[ "$(cnt FORWARD 4)" -eq 1 ]
	# the client's packets after the SYN (ACK, FIN, ...) hit rule 2
	[ "$(cnt FORWARD 2)" -ge 2 ]
	[ "$(cnt FORWARD 5)" -eq 0 ]
}

@test "udp: --dport/--sport, match and no match" {
	qt $FW -A FORWARD -p udp --dport 5001 -j DROP
	qt $FW -A FORWARD -p udp --sport 7000:7010 -j DROP
	qt $FW -A FORWARD -p udp ! --dport 5000:5005 -j ACCEPT
	recv_start 5001
	udp_send 10.0.2.2 5001 3
	[ "$(recv_count)" -eq 0 ]
	recv_start 5002
	udp_send 10.0.2.2 5002 4
	[ "$(recv_count)" -eq 4 ]
	recv_start 5003
	udp_send 10.0.2.2 5003 5 --sport 7005
	[ "$(recv_count)" -eq 0 ]
	recv_start 6000
	udp_send 10.0.2.2 6000 2 --sport 7011
	[ "$(recv_count)" -eq 2 ]
	[ "$(cnt FORWARD 1)" -eq 3 ]
	[ "$(cnt FORWARD 2)" -eq 5 ]
	[ "$(cnt FORWARD 3)" -eq 2 ]
}

@test "icmp: types by name, number and type/code" {
	qt $FW -A FORWARD -p icmp --icmp-type echo-request -j ACCEPT
	qt $FW -A FORWARD -p icmp --icmp-type 0/0 -j ACCEPT
	qt $FW -A FORWARD -p icmp --icmp-type port-unreachable -j ACCEPT
	qt $FW -A FORWARD -p icmp ! --icmp-type 3 -j DROP
	[ "$(pings 3 10.0.2.2)" -eq 3 ]
	[ "$(cnt FORWARD 1)" -eq 3 ]
	[ "$(cnt FORWARD 2)" -eq 3 ]
	[ "$(cnt FORWARD 3)" -eq 0 ]
	# a closed UDP port on the server answers port-unreachable (3/3)
	udp_send 10.0.2.2 9 1 >/dev/null
	sleep 0.2
	[ "$(cnt FORWARD 3)" -eq 1 ]
	[ "$(cnt FORWARD 4)" -eq 0 ]
	qt $FW -I FORWARD -p icmp --icmp-type echo-request -j DROP
	[ "$(pings 2 10.0.2.2)" -eq 0 ]
	[ "$(cnt FORWARD 1)" -eq 2 ]
	[ "$(cnt FORWARD 2)" -eq 3 ]
}

@test "multiport: --dports, --sports, --ports, !" {
	qt $FW -A FORWARD -p udp -m multiport --dports 22,5000:5010,9000 -j DROP
	qt $FW -A FORWARD -p udp -m multiport --sports 7001,7003 -j DROP
	qt $FW -A FORWARD -p udp -m multiport --ports 6001,6002 -j DROP
	qt $FW -A FORWARD -p udp -m multiport ! --dports 6100 -j ACCEPT
	recv_start 5005; udp_send 10.0.2.2 5005 2; [ "$(recv_count)" -eq 0 ]
	recv_start 9000; udp_send 10.0.2.2 9000 1; [ "$(recv_count)" -eq 0 ]
	recv_start 5011; udp_send 10.0.2.2 5011 3; [ "$(recv_count)" -eq 3 ]
	recv_start 6100; udp_send 10.0.2.2 6100 2 --sport 7003; [ "$(recv_count)" -eq 0 ]
	recv_start 6101; udp_send 10.0.2.2 6101 2 --sport 7002; [ "$(recv_count)" -eq 2 ]
	recv_start 6102; udp_send 10.0.2.2 6102 1 --sport 6002; [ "$(recv_count)" -eq 0 ]
	recv_start 6100; udp_send 10.0.2.2 6100 4 --sport 6003; [ "$(recv_count)" -eq 4 ]
	[ "$(cnt FORWARD 1)" -eq 3 ]
	[ "$(cnt FORWARD 2)" -eq 2 ]
	[ "$(cnt FORWARD 3)" -eq 1 ]
	[ "$(cnt FORWARD 4)" -eq 5 ]
	[ "$(policy_pkts FORWARD)" -eq 4 ]
}

@test "iprange: --src-range and --dst-range, !" {
	client_addr2
	qt $FW -A FORWARD -p icmp -m iprange --src-range 10.0.1.3-10.0.1.10 -j DROP
	qt $FW -A FORWARD -p icmp -m iprange --dst-range 10.0.2.1-10.0.2.2 -j ACCEPT
	qt $FW -A FORWARD -p icmp -m iprange ! --src-range 10.0.2.0-10.0.2.255 -j DROP
	[ "$(pings 2 10.0.2.2 -I 10.0.1.3)" -eq 0 ]
	[ "$(pings 3 10.0.2.2)" -eq 3 ]
	[ "$(cnt FORWARD 1)" -eq 2 ]
	[ "$(cnt FORWARD 2)" -eq 3 ]
	[ "$(cnt FORWARD 3)" -eq 0 ]
	[ "$(policy_pkts FORWARD)" -eq 3 ]
}

@test "length: a range of IP total lengths" {
	qt $FW -A FORWARD -p icmp -m length --length 100:200 -j DROP
	qt $FW -A FORWARD -p icmp -m length ! --length 48 -j ACCEPT
	# -s 100: 20 + 8 + 100 = 128 bytes; -s 20: 48 bytes
	[ "$(pings 2 10.0.2.2 -s 100)" -eq 0 ]
	[ "$(pings 3 10.0.2.2 -s 20)" -eq 3 ]
	[ "$(pings 1 10.0.2.2 -s 500)" -eq 1 ]
	[ "$(cnt FORWARD 1)" -eq 2 ]
	[ "$(cnt FORWARD 2)" -eq 2 ]
	[ "$(policy_pkts FORWARD)" -eq 6 ]
}

@test "ttl: FORWARD sees the TTL after the forwarding decrement" {
	qt $FW -A FORWARD -p icmp -s 10.0.1.2 -m ttl --ttl-eq 9 -j DROP
	qt $FW -A FORWARD -p icmp -s 10.0.1.2 -m ttl --ttl-lt 5 -j DROP
	qt $FW -A FORWARD -p icmp -s 10.0.1.2 -m ttl --ttl-gt 62 -j ACCEPT
	[ "$(pings 2 10.0.2.2 -t 10)" -eq 0 ]
	[ "$(pings 1 10.0.2.2 -t 4)" -eq 0 ]
	[ "$(pings 3 10.0.2.2)" -eq 3 ]
	[ "$(pings 1 10.0.2.2 -t 20)" -eq 1 ]
	[ "$(cnt FORWARD 1)" -eq 2 ]
	[ "$(cnt FORWARD 2)" -eq 1 ]
	[ "$(cnt FORWARD 3)" -eq 3 ]
}

@test "base: -f matches the non-first fragments (scapy) sent from fw" {
	# Forwarded fragments are reassembled before the hooks (the steering's
	# CT rule turns on defragmentation), so the fragments come from a raw
	# socket with IP_NODEFRAG on fw itself, at OUTPUT.
	"$PY" -c 'import scapy' 2>/dev/null || skip "no scapy"
	qt $FW -A OUTPUT -p udp -f -j ACCEPT
	qt $FW -A OUTPUT -p udp ! -f -d 10.0.2.2 -j ACCEPT
	qt $FW -A OUTPUT -p udp -f -j DROP
	recv_start 5001
	[ "$(FROM=$FW udp_send 10.0.2.2 5001 2)" -eq 2 ]
	[ "$(recv_count)" -eq 2 ]
	[ "$(cnt OUTPUT 1)" -eq 0 ]
	[ "$(cnt OUTPUT 2)" -eq 2 ]
	qt $FW -Z OUTPUT
	recv_start 4001
	ip netns exec "$FW" "$PY" "$DP" frags 10.0.2.2 4001
	[ "$(recv_count)" -eq 1 ]
	[ "$(cnt OUTPUT 1)" -eq 2 ]
	[ "$(cnt_bytes OUTPUT 1)" -eq 100 ]
	[ "$(cnt OUTPUT 2)" -eq 1 ]
	qt $FW -D OUTPUT 1
	recv_start 4001
	ip netns exec "$FW" "$PY" "$DP" frags 10.0.2.2 4001
	[ "$(recv_count)" -eq 0 ]
	[ "$(cnt OUTPUT 2)" -eq 2 ]
}

@test "string: bm and kmp, --icase, --from/--to, --hex-string" {
	qt $FW -A FORWARD -p udp -m string --string SECRET --algo bm -j DROP
	qt $FW -A FORWARD -p udp -m string --string topsecret --algo kmp --icase -j DROP
	# payload starts at 28 (IP 20 + UDP 8): "ab" + marker at 30..35
	qt $FW -A FORWARD -p udp -m string --string marker --algo bm --from 30 --to 36 -j DROP
	qt $FW -A FORWARD -p udp -m string --hex-string '|de ad|beef' --algo kmp -j DROP
	qt $FW -A FORWARD -p udp -m string ! --string zzz --algo bm -j ACCEPT
	recv_start 5001
	udp_send 10.0.2.2 5001 1 --payload "xxSECRETxx"
	udp_send 10.0.2.2 5001 1 --payload "xxsecretxx"
	udp_send 10.0.2.2 5001 1 --payload "..TopSecret.."
	udp_send 10.0.2.2 5001 1 --payload "abmarker"
	udp_send 10.0.2.2 5001 1 --payload "abcdefmarker"
	udp_send 10.0.2.2 5001 1 --hexpayload "00dead62656566"
	udp_send 10.0.2.2 5001 1 --hexpayload "00deae62656566"
	udp_send 10.0.2.2 5001 1 --payload "zzz"
	[ "$(recv_count)" -eq 4 ]
	[ "$(cnt FORWARD 1)" -eq 1 ]
	[ "$(cnt FORWARD 2)" -eq 1 ]
	[ "$(cnt FORWARD 3)" -eq 1 ]
	[ "$(cnt FORWARD 4)" -eq 1 ]
	[ "$(cnt FORWARD 5)" -eq 3 ]
	[ "$(policy_pkts FORWARD)" -eq 1 ]
}

@test "time: a window that includes now vs one that does not" {
	local in_s in_e out_s out_e today other
	in_s=$(date -u -d '-1 hour' +%H:%M:%S); in_e=$(date -u -d '+1 hour' +%H:%M:%S)
	out_s=$(date -u -d '+2 hour' +%H:%M:%S); out_e=$(date -u -d '+3 hour' +%H:%M:%S)
	today=$(date -u +%a); other=$(date -u -d '+1 day' +%a)
	qt $FW -A FORWARD -p icmp -m time --timestart "$out_s" --timestop "$out_e" -j DROP
	qt $FW -A FORWARD -p icmp -m time --weekdays "$other" -j DROP
	qt $FW -A FORWARD -p icmp -m time --datestop 2020-01-01T00:00:00 -j DROP
	qt $FW -A FORWARD -p icmp -m time --timestart "$in_s" --timestop "$in_e" --weekdays "$today" -j ACCEPT
	[ "$(pings 3 10.0.2.2)" -eq 3 ]
	[ "$(cnt FORWARD 1)" -eq 0 ]
	[ "$(cnt FORWARD 2)" -eq 0 ]
	[ "$(cnt FORWARD 3)" -eq 0 ]
	[ "$(cnt FORWARD 4)" -eq 6 ]
	qt $FW -I FORWARD -p icmp -s 10.0.1.2 -m time --timestart "$in_s" --timestop "$in_e" --datestart 2020-01-01 -j DROP
	[ "$(pings 2 10.0.2.2)" -eq 0 ]
	[ "$(cnt FORWARD 1)" -eq 2 ]
}

@test "comment: counted like a rule without it" {
	qt $FW -A FORWARD -p icmp -m comment --comment "let ping through" -j ACCEPT
	qt $FW -A FORWARD -p udp -m comment --comment "no udp" -j DROP
	[ "$(pings 3 10.0.2.2)" -eq 3 ]
	recv_start 5001; udp_send 10.0.2.2 5001 2; [ "$(recv_count)" -eq 0 ]
	[ "$(cnt FORWARD 1)" -eq 6 ]
	[ "$(cnt FORWARD 2)" -eq 2 ]
	qt_save $FW -c | grep -qx -- '\[6:504\] -A FORWARD -p icmp -m comment --comment "let ping through" -j ACCEPT'
}

@test "mark: MARK in mangle PREROUTING, -m mark in filter" {
	client_addr2
	qt $FW -t mangle -A PREROUTING -s 10.0.1.3 -j MARK --set-mark 0x5
	qt $FW -t mangle -A PREROUTING -s 10.0.1.2 -j MARK --set-mark 0x104
	qt $FW -A FORWARD -m mark --mark 5 -j DROP
	qt $FW -A FORWARD -m mark --mark 0x4/0xff -j ACCEPT
	qt $FW -A FORWARD -m mark ! --mark 0 -j DROP
	[ "$(pings 2 10.0.2.2 -I 10.0.1.3)" -eq 0 ]
	[ "$(pings 3 10.0.2.2)" -eq 3 ]
	[ "$(cnt PREROUTING 1 mangle)" -eq 2 ]
	[ "$(cnt PREROUTING 2 mangle)" -eq 3 ]
	[ "$(cnt FORWARD 1)" -eq 2 ]
	[ "$(cnt FORWARD 2)" -eq 3 ]
	[ "$(cnt FORWARD 3)" -eq 0 ]
	# the replies carry no mark
	[ "$(policy_pkts FORWARD)" -eq 3 ]
}

@test "mac: --mac-source of the client, !" {
	local cmac
	cmac=$(ip -n "$C" -br link show qtc0 | awk '{ print $3 }')
	qt $FW -A FORWARD -p icmp -m mac --mac-source "$cmac" -j ACCEPT
	qt $FW -A FORWARD -p icmp -m mac --mac-source 02:00:00:00:00:01 -j DROP
	qt $FW -A FORWARD -p icmp -m mac ! --mac-source "$cmac" -j ACCEPT
	[ "$(pings 3 10.0.2.2)" -eq 3 ]
	[ "$(cnt FORWARD 1)" -eq 3 ]
	[ "$(cnt FORWARD 2)" -eq 0 ]
	[ "$(cnt FORWARD 3)" -eq 3 ]
	qt $FW -I FORWARD -m mac --mac-source "${cmac^^}" -j DROP
	[ "$(pings 2 10.0.2.2)" -eq 0 ]
	[ "$(cnt FORWARD 1)" -eq 2 ]
}

@test "pkttype: broadcast to fw's broadcast address vs unicast (INPUT)" {
	qt $FW -A INPUT -p udp -m pkttype --pkt-type broadcast -j DROP
	qt $FW -A INPUT -p udp -m pkttype --pkt-type unicast -j ACCEPT
	qt $FW -A INPUT -p udp -m pkttype --pkt-type multicast -j ACCEPT
	recv_start 5001 "$FW"
	udp_send 10.0.1.255 5001 3 --bcast
	udp_send 10.0.1.1 5001 2
	[ "$(recv_count)" -eq 2 ]
	[ "$(cnt INPUT 1)" -eq 3 ]
	[ "$(cnt INPUT 2)" -eq 2 ]
	[ "$(cnt INPUT 3)" -eq 0 ]
}

@test "pkttype: the frame's type, not the IP destination's (INPUT)" {
	qt $FW -A INPUT -p udp -m pkttype --pkt-type broadcast
	qt $FW -A INPUT -p udp -m pkttype --pkt-type multicast
	qt $FW -A INPUT -p udp -m pkttype --pkt-type unicast
	fwmac=$(mac_of "$FW" qtf0)
	frame ff:ff:ff:ff:ff:ff 10.0.1.1 5001 3    # unicast IP, broadcast frame
	frame 01:00:5e:00:00:fb 10.0.1.1 5001 2    # unicast IP, multicast frame
	frame "$fwmac" 10.0.1.255 5001 4           # broadcast IP, unicast frame
	frame "$fwmac" 10.0.1.1 5001 1
	[ "$(cnt INPUT 1)" -eq 3 ]
	[ "$(cnt INPUT 2)" -eq 2 ]
	[ "$(cnt INPUT 3)" -eq 5 ]
	if [ -z "${QT_ORACLE:-}" ]; then
		ip netns exec "$FW" "$QT_BUILD/qtables" --stats | grep -q '^link-layer queues: broadcast 65534-65534, multicast 65535-65535, steered to$'
	fi
}

@test "LOG: MAC= of a unicast IP in a broadcast frame" {
	daemon_only
	qt $FW -A INPUT -p udp --dport 5001 -j LOG --log-prefix "l2: "
	cmac=$(mac_of "$C" qtc0)
	frame ff:ff:ff:ff:ff:ff 10.0.1.1 5001 1
	for _ in $(seq 50); do grep -q 'l2: ' "$QT_RUN/log" && break; sleep 0.05; done
	grep 'l2: ' "$QT_RUN/log" | grep -q "MAC=ff:ff:ff:ff:ff:ff:$cmac:08:00 SRC=10.0.1.2 DST=10.0.1.1 "
}

@test "addrtype: --dst-type LOCAL in INPUT vs forwarded" {
	qt $FW -A INPUT -p icmp -m addrtype --dst-type LOCAL -j ACCEPT
	qt $FW -A INPUT -p icmp -j DROP
	qt $FW -A FORWARD -p icmp -m addrtype --dst-type LOCAL -j DROP
	qt $FW -A FORWARD -p icmp -m addrtype --dst-type UNICAST --src-type UNICAST -j ACCEPT
	qt $FW -A FORWARD -p icmp -m addrtype ! --dst-type UNICAST -j DROP
	[ "$(pings 2 10.0.1.1)" -eq 2 ]
	[ "$(pings 1 10.0.2.1)" -eq 1 ]
	[ "$(pings 3 10.0.2.2)" -eq 3 ]
	[ "$(cnt INPUT 1)" -eq 3 ]
	[ "$(cnt INPUT 2)" -eq 0 ]
	[ "$(cnt FORWARD 1)" -eq 0 ]
	[ "$(cnt FORWARD 2)" -eq 6 ]
	[ "$(cnt FORWARD 3)" -eq 0 ]
}

@test "addrtype: --limit-iface-in, --dst-type BROADCAST" {
	qt $FW -A INPUT -p icmp -m addrtype --dst-type LOCAL --limit-iface-in -j ACCEPT
	qt $FW -A INPUT -p icmp -m addrtype --dst-type LOCAL -j ACCEPT
	qt $FW -A INPUT -p udp -m addrtype --dst-type BROADCAST -j DROP
	qt $FW -A INPUT -p udp -m addrtype --dst-type LOCAL --limit-iface-in -j ACCEPT
	# 10.0.1.1 is qtf0's (the arrival interface), 10.0.2.1 qtf1's
	[ "$(pings 2 10.0.1.1)" -eq 2 ]
	[ "$(pings 3 10.0.2.1)" -eq 3 ]
	recv_start 5001 "$FW"
	udp_send 10.0.1.255 5001 2 --bcast
	udp_send 10.0.1.1 5001 1
	[ "$(recv_count)" -eq 1 ]
	[ "$(cnt INPUT 1)" -eq 2 ]
	[ "$(cnt INPUT 2)" -eq 3 ]
	[ "$(cnt INPUT 3)" -eq 2 ]
	[ "$(cnt INPUT 4)" -eq 1 ]
}

@test "owner: OUTPUT from fw as uid 0 vs as nobody" {
	local nobody
	nobody=$(id -u nobody)
	qt $FW -A OUTPUT -p udp -m owner --uid-owner nobody -j DROP
	qt $FW -A OUTPUT -p udp -m owner --uid-owner 0 -j ACCEPT
	qt $FW -A OUTPUT -p udp -m owner ! --uid-owner "$nobody" -j ACCEPT
	recv_start 5001
	FROM=$FW udp_send 10.0.2.2 5001 3
	ip netns exec "$FW" setpriv --reuid="$nobody" --regid="$(id -g nobody)" \
		--clear-groups "$PY" "$DP" send 10.0.2.2 5001 4
	[ "$(recv_count)" -eq 3 ]
	[ "$(cnt OUTPUT 1)" -eq 4 ]
	[ "$(cnt OUTPUT 2)" -eq 3 ]
	[ "$(cnt OUTPUT 3)" -eq 0 ]
	# by group, and --socket-exists (the ICMP error the server sends
	# back is answered by nobody: forwarded traffic has no socket)
	qt $FW -F OUTPUT
	qt $FW -A OUTPUT -p udp -m owner --gid-owner "$(id -g nobody)" -j DROP
	qt $FW -A OUTPUT -p udp -m owner --socket-exists -j ACCEPT
	recv_start 5002
	FROM=$FW udp_send 10.0.2.2 5002 2
	ip netns exec "$FW" setpriv --reuid="$nobody" --regid="$(id -g nobody)" \
		--clear-groups "$PY" "$DP" send 10.0.2.2 5002 3
	[ "$(recv_count)" -eq 2 ]
	[ "$(cnt OUTPUT 1)" -eq 3 ]
	[ "$(cnt OUTPUT 2)" -eq 2 ]
}

@test "limit: 10 quick pings, --limit 10/minute --limit-burst 3: exactly 3 replies" {
	qt $FW -A FORWARD -p icmp --icmp-type echo-request -m limit --limit 10/minute --limit-burst 3 -j ACCEPT
	qt $FW -A FORWARD -p icmp --icmp-type echo-request -j DROP
	[ "$(pings 10 10.0.2.2)" -eq 3 ]
	[ "$(cnt FORWARD 1)" -eq 3 ]
	[ "$(cnt FORWARD 2)" -eq 7 ]
}

@test "hashlimit: per source address, two sources" {
	client_addr2
	qt $FW -A FORWARD -p icmp --icmp-type echo-request -m hashlimit --hashlimit-upto 10/minute --hashlimit-burst 2 --hashlimit-mode srcip --hashlimit-name dpb -j ACCEPT
	qt $FW -A FORWARD -p icmp --icmp-type echo-request -j DROP
	[ "$(pings 5 10.0.2.2)" -eq 2 ]
	[ "$(pings 4 10.0.2.2 -I 10.0.1.3)" -eq 2 ]
	[ "$(pings 2 10.0.2.2)" -eq 0 ]
	[ "$(cnt FORWARD 1)" -eq 4 ]
	[ "$(cnt FORWARD 2)" -eq 7 ]
	# one bucket for all: --hashlimit-mode absent
	qt $FW -F FORWARD
	qt $FW -A FORWARD -p icmp --icmp-type echo-request -m hashlimit --hashlimit-upto 10/minute --hashlimit-burst 2 --hashlimit-name dpc -j ACCEPT
	qt $FW -A FORWARD -p icmp --icmp-type echo-request -j DROP
	[ "$(pings 3 10.0.2.2)" -eq 2 ]
	[ "$(pings 2 10.0.2.2 -I 10.0.1.3)" -eq 0 ]
	[ "$(cnt FORWARD 1)" -eq 2 ]
	[ "$(cnt FORWARD 2)" -eq 3 ]
}
