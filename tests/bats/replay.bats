#!/usr/bin/env bats
# qtables-replay: packets from pcap files written by replay_pcap.py (or
# generated) judged by the engine without a kernel. The expected lines
# are worked out by hand from the rules, so a misjudging engine (jumps,
# RETURN, -f, port ranges, policies, counters) fails here.

bats_require_minimum_version 1.5.0

setup() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	B=${QT_BUILD:-$TOP/_build}
	R=$B/qtables-replay
	[ -x "$R" ] || { echo "no $R (set QT_BUILD)" >&2; return 1; }
	D=$(mktemp -d /tmp/qtbats-replay.XXXXXX)
	mkpcap() { python3 "$BATS_TEST_DIRNAME/replay_pcap.py" "$1" "$D/$1.pcap"; }
}

teardown() {
	rm -rf "$D"
}

fw_rules() {
	cat >"$D/fw.v4" <<'RULES'
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A FORWARD -p tcp -m tcp --dport 8000 -j MARK --set-mark 0x5
-A FORWARD -i eth0 -p udp -m mac --mac-source 02:00:00:00:01:02 -j MARK --set-mark 0x9
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:blk - [0:0]
:web - [0:0]
-A FORWARD -m ttl --ttl-lt 2 -j DROP
-A FORWARD -f -j DROP
-A FORWARD -s 10.0.1.66/32 -j blk
-A FORWARD -p tcp -m tcp --dport 8000:8080 -j web
-A FORWARD -p udp -m multiport --dports 53,123 -j ACCEPT
-A FORWARD -p icmp -m icmp --icmp-type 8 -j ACCEPT
-A FORWARD -p tcp -m tcp --dport 22 -j ACCEPT
-A blk -p tcp -m tcp --dport 22 -j RETURN
-A blk -j LOG --log-prefix "blk: "
-A blk -j DROP
-A web -p tcp -m tcp --dport 8080 -j RETURN
-A web -j ACCEPT
COMMIT
RULES
}

@test "replay: verdicts of an Ethernet capture through jumps, RETURN, -f, ranges, policy DROP" {
	mkpcap fw
	fw_rules
	run -0 "$R" --hook FORWARD --in eth0 --out eth1 "$D/fw.v4" "$D/fw.pcap"
	echo "$output"
	local want
	want=$(cat <<'EOF2'
1 ACCEPT mark=0x5
2 DROP
3 DROP
4 ACCEPT
5 DROP
6 ACCEPT mark=0x9
7 DROP mark=0x9
8 DROP mark=0x9
9 ACCEPT mark=0x9
10 ACCEPT
11 DROP
12 SKIP not IPv4 (ethertype 0x0806)
13 ACCEPT mark=0x5
14 DROP mark=0x5
EOF2
)
	diff <(echo "$want") <(echo "$output" | grep -v '^LOG ')
	# the one LOG line, before its packet's verdict
	[ "$(echo "$output" | grep -c '^LOG ')" -eq 1 ]
	echo "$output" | grep -A1 '^LOG ' | tail -1 | grep -qx '5 DROP'
	echo "$output" | grep -q '^LOG 4 blk: IN=eth0 OUT=eth1 .*SRC=10.0.1.66 DST=10.0.2.2 .*DPT=80 '
}

@test "replay: --save-counters gives rule and policy counters" {
	mkpcap fw
	fw_rules
	run -0 "$R" --hook FORWARD --in eth0 --out eth1 --save-counters "$D/fw.v4" "$D/fw.pcap"
	echo "$output"
	local want
	want=$(cat <<'EOF2'
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [13:472]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
[3:120] -A FORWARD -p tcp -m tcp --dport 8000 -j MARK --set-xmark 0x5/0xffffffff
[4:128] -A FORWARD -i eth0 -p udp -m mac --mac-source 02:00:00:00:01:02 -j MARK --set-xmark 0x9/0xffffffff
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [4:144]
:OUTPUT ACCEPT [0:0]
:blk - [0:0]
:web - [0:0]
[1:40] -A FORWARD -m ttl --ttl-lt 2 -j DROP
[1:32] -A FORWARD -f -j DROP
[2:80] -A FORWARD -s 10.0.1.66/32 -j blk
[3:120] -A FORWARD -p tcp -m tcp --dport 8000:8080 -j web
[2:64] -A FORWARD -p udp -m multiport --dports 53,123 -j ACCEPT
[1:32] -A FORWARD -p icmp -m icmp --icmp-type 8 -j ACCEPT
[1:40] -A FORWARD -p tcp -m tcp --dport 22 -j ACCEPT
[1:40] -A blk -p tcp -m tcp --dport 22 -j RETURN
[1:40] -A blk -j LOG --log-prefix "blk: "
[1:40] -A blk -j DROP
[1:40] -A web -p tcp -m tcp --dport 8080 -j RETURN
[2:80] -A web -j ACCEPT
COMMIT
EOF2
)
	diff <(echo "$want") <(echo "$output" | sed -n '/^\*mangle/,$p')
}

@test "replay: --counters starts from the file's counters; INPUT sees no FORWARD rule" {
	mkpcap fw
	fw_rules
	sed -i 's/^:FORWARD DROP \[0:0\]/:FORWARD DROP [10:1000]/; s/^:INPUT ACCEPT \[0:0\]/:INPUT ACCEPT [1:1]/' "$D/fw.v4"
	run -0 "$R" --hook INPUT --counters --save-counters "$D/fw.v4" "$D/fw.pcap"
	echo "$output"
	# every IPv4 packet accepted by the filter INPUT policy
	[ "$(echo "$output" | grep -c '^[0-9]* ACCEPT$')" -eq 13 ]
	echo "$output" | grep -qx ':FORWARD DROP \[10:1000\]'
	# filter INPUT: the file's [1:1] and 13 packets of 472 bytes
	[ "$(echo "$output" | sed -n '/^\*filter/,$p' | grep -x ':INPUT ACCEPT \[14:473\]')" ]
}

@test "replay: raw IP, Linux cooked and big-endian nanosecond captures" {
	mkpcap raw; mkpcap sll; mkpcap swapped
	printf '%s\n' '*filter' ':INPUT DROP [0:0]' ':FORWARD ACCEPT [0:0]' ':OUTPUT ACCEPT [0:0]' \
		'-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT' \
		'-A INPUT -m mac --mac-source 02:00:00:00:01:02 -p tcp --dport 23 -j ACCEPT' \
		'COMMIT' >"$D/r.v4"
	run -0 "$R" "$D/r.v4" "$D/raw.pcap"
	[ "$output" = "$(printf '1 ACCEPT\n2 DROP\n3 SKIP not IPv4 (IP version 6)')" ]
	# the IPv6 record (hop limit 0, a hop-by-hop header cut short) by
	# the ip6tables ruleset; without the iptables one IPv4 is skipped
	printf '%s\n' '*filter' ':INPUT ACCEPT [0:0]' ':FORWARD ACCEPT [0:0]' ':OUTPUT ACCEPT [0:0]' \
		'-A INPUT -m hl --hl-eq 0 -j DROP' 'COMMIT' >"$D/r.v6"
	run -0 "$R" --rules6 "$D/r.v6" "$D/r.v4" "$D/raw.pcap"
	[ "$output" = "$(printf '1 ACCEPT\n2 DROP\n3 DROP malformed=bad_exthdr')" ]
	run -0 "$R" -6 "$D/r.v6" "$D/raw.pcap"
	[ "$output" = "$(printf '1 SKIP not IPv6 (IP version 4)\n2 SKIP not IPv6 (IP version 4)\n3 DROP malformed=bad_exthdr')" ]
	# the cooked header's address is the hardware address (-m mac)
	run -0 "$R" --in eth0 "$D/r.v4" "$D/sll.pcap"
	[ "$output" = "$(printf '1 ACCEPT\n2 ACCEPT')" ]
	run -0 "$R" "$D/r.v4" "$D/sll.pcap"
	[ "$output" = "$(printf '1 ACCEPT\n2 DROP')" ]
	run -0 "$R" "$D/r.v4" "$D/swapped.pcap"
	[ "$output" = "$(printf '1 ACCEPT\n2 DROP')" ]
}

@test "replay: tcpdump -i any's Linux cooked v2 and raw IPv6 captures, IPv6 by --rules6" {
	mkpcap sll2; mkpcap ip6raw
	printf '%s\n' '*filter' ':INPUT DROP [0:0]' ':FORWARD ACCEPT [0:0]' ':OUTPUT ACCEPT [0:0]' \
		'-A INPUT -m mac --mac-source 02:00:00:00:01:02 -p tcp --dport 22 -j ACCEPT' \
		'COMMIT' >"$D/r.v4"
	printf '%s\n' '*filter' ':INPUT ACCEPT [0:0]' ':FORWARD ACCEPT [0:0]' ':OUTPUT ACCEPT [0:0]' \
		'-A INPUT -m hl --hl-lt 2 -j DROP' \
		'-A INPUT -m mac --mac-source 02:00:00:00:01:02 -s fd00:1::2 -p udp --dport 53 -j MARK --set-mark 7' \
		'COMMIT' >"$D/r.v6"
	# the cooked v2 header's address is the hardware address (-m mac)
	run -0 "$R" --in eth0 --rules6 "$D/r.v6" "$D/r.v4" "$D/sll2.pcap"
	echo "$output"
	[ "$output" = "$(printf '1 ACCEPT\n2 ACCEPT mark=0x7\n3 DROP\n4 SKIP not IPv4 or IPv6 (ethertype 0x0806)')" ]
	run -0 "$R" --in eth0 "$D/r.v4" "$D/sll2.pcap"
	[ "$output" = "$(printf '1 ACCEPT\n2 SKIP not IPv4 (ethertype 0x86dd)\n3 SKIP not IPv4 (ethertype 0x86dd)\n4 SKIP not IPv4 (ethertype 0x0806)')" ]
	run -0 "$R" --rules6 "$D/r.v6" "$D/ip6raw.pcap"
	[ "$output" = "$(printf '1 ACCEPT\n2 DROP')" ]
	run -0 "$R" --save-counters --rules6 "$D/r.v6" "$D/ip6raw.pcap"
	echo "$output"
	echo "$output" | grep -qx '\[1:52\] -A INPUT -m hl --hl-lt 2 -j DROP'
}

@test "replay: -m limit runs on the capture's clock" {
	mkpcap limit
	printf '%s\n' '*filter' ':INPUT DROP [0:0]' ':FORWARD ACCEPT [0:0]' ':OUTPUT ACCEPT [0:0]' \
		'-A INPUT -p icmp -m limit --limit 1/sec --limit-burst 1 -j ACCEPT' 'COMMIT' >"$D/l.v4"
	# packets at 0, 0.1, 1.2, 1.3, 1.4 and 3.0 s
	run -0 "$R" "$D/l.v4" "$D/limit.pcap"
	[ "$output" = "$(printf '1 ACCEPT\n2 DROP\n3 ACCEPT\n4 DROP\n5 DROP\n6 ACCEPT')" ]
}

@test "replay: targets print their LOG lines and REJECT replies" {
	printf '%s\n' '*filter' ':INPUT ACCEPT [0:0]' ':FORWARD ACCEPT [0:0]' ':OUTPUT ACCEPT [0:0]' \
		'-A INPUT -p udp -j LOG --log-level 6 --log-prefix "u "' \
		'-A INPUT -p udp -j REJECT' \
		'-A INPUT -p tcp -j REJECT --reject-with tcp-reset' 'COMMIT' >"$D/t.v4"
	run -0 "$R" --gen 20 --gen-spec 'proto=udp/tcp,len=8' "$D/t.v4"
	echo "$output"
	[ "$(echo "$output" | grep -c '^[0-9]* DROP$')" -eq 20 ]
	local u; u=$(echo "$output" | grep -c '^LOG 6 u IN= OUT= .* PROTO=UDP ')
	[ "$u" -ge 1 ] && [ "$u" -lt 20 ]
	# port unreachable: 20 + 8 + the whole offending packet (20 + 8 + 8);
	# a reset: 40
	[ "$(echo "$output" | grep -c '^REPLY 64 45c0')" -eq "$u" ]
	[ "$(echo "$output" | grep -c '^REPLY 40 45')" -eq $((20 - u)) ]
}

@test "replay: --gen is deterministic per seed and follows --gen-spec" {
	printf '%s\n' '*filter' ':INPUT DROP [0:0]' ':FORWARD ACCEPT [0:0]' ':OUTPUT ACCEPT [0:0]' \
		'-A INPUT -s 192.0.2.0/28 -p tcp -m tcp --dport 80:89 -j ACCEPT' 'COMMIT' >"$D/g.v4"
	run -0 "$R" --gen 200 --seed 7 --gen-spec 'proto=tcp,src=192.0.2.0/27,dport=80-99,len=0' --save-counters "$D/g.v4"
	local a=$output
	run -0 "$R" --gen 200 --seed 7 --gen-spec 'proto=tcp,src=192.0.2.0/27,dport=80-99,len=0' --save-counters "$D/g.v4"
	[ "$output" = "$a" ]
	run -0 "$R" --gen 200 --seed 8 --gen-spec 'proto=tcp,src=192.0.2.0/27,dport=80-99,len=0' "$D/g.v4"
	[ "$output" != "$(echo "$a" | grep -E '^[0-9]+ ')" ]
	# about a quarter match (half the sources, half the ports); each
	# is a SYN of 44 bytes (an MSS option)
	local n; n=$(echo "$a" | grep -c '^[0-9]* ACCEPT$')
	[ "$n" -gt 20 ] && [ "$n" -lt 80 ]
	echo "$a" | grep -qx "\[$n:$((n * 44))\] -A INPUT -s 192.0.2.0/28 -p tcp -m tcp --dport 80:89 -j ACCEPT"
	echo "$a" | grep -qx ":INPUT DROP \[$((200 - n)):$(((200 - n) * 44))\]"
}

@test "replay: malformed captures and rulesets: a message naming the file, exit 1" {
	mkpcap trunc; mkpcap absurd; mkpcap pcapng
	printf '%s\n' '*filter' ':INPUT ACCEPT [0:0]' 'COMMIT' >"$D/ok.v4"
	run -1 "$R" "$D/ok.v4" "$D/trunc.pcap"
	[ "${lines[0]}" = "1 ACCEPT" ]
	[[ "$output" == *"trunc.pcap: record 2: truncated data (44 of 54 bytes)"* ]]
	run -1 "$R" "$D/ok.v4" "$D/absurd.pcap"
	[[ "$output" == *"absurd.pcap: record 2: captured length 4294967280 is absurd"* ]]
	run -1 "$R" "$D/ok.v4" "$D/pcapng.pcap"
	[[ "$output" == *"pcapng.pcap: a pcapng file"* ]]
	run -1 "$R" "$D/ok.v4" "$D/ok.v4"
	[[ "$output" == *"ok.v4: not a pcap file"* ]]
	run -1 "$R" "$D/ok.v4" "$D/missing.pcap"
	[[ "$output" == *"missing.pcap: cannot open"* ]]
	head -c 30 "$D/trunc.pcap" >"$D/short.pcap"
	run -1 "$R" "$D/ok.v4" "$D/short.pcap"
	[[ "$output" == *"short.pcap: record 1: truncated record header"* ]]
	printf '%s\n' '*filter' '-A INPUT -p tcp --dport 99999 -j ACCEPT' 'COMMIT' >"$D/bad.v4"
	run -1 "$R" "$D/bad.v4" "$D/trunc.pcap"
	[[ "$output" == *"bad.v4: not a valid ruleset"* ]]
	[[ "$output" == *"invalid port/service \`99999'"* ]]
	run -2 "$R" --hook NOWHERE "$D/ok.v4" "$D/trunc.pcap"
	run -2 "$R" "$D/ok.v4"
}

@test "replay: random garbage captures never crash it" {
	local i
	printf '%s\n' '*filter' ':FORWARD ACCEPT [0:0]' '-A FORWARD -p tcp --dport 1:100 -j DROP' \
		'-A FORWARD -m mac --mac-source 00:11:22:33:44:55 -j DROP' 'COMMIT' >"$D/ok.v4"
	for i in $(seq 1 40); do
		python3 - "$D/g.pcap" "$i" <<'PY'
import random, struct, sys
r = random.Random(int(sys.argv[2]))
out = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, r.choice([1, 101, 113]))
for _ in range(r.randint(0, 20)):
    n = r.choice([0, 1, 13, 14, 16, 20, 40, 60, r.randint(0, 300)])
    claimed = n if r.random() < 0.8 else r.randint(0, 1 << 32 - 1)
    body = bytes(r.getrandbits(8) for _ in range(n))
    if r.random() < 0.5 and n >= 20:
        body = body[:14] + bytes([0x45]) + body[15:]
    out += struct.pack("<IIII", 1700000000, r.randint(0, 999999), claimed, n) + body
if r.random() < 0.3:
    out = out[:r.randint(0, len(out))]
open(sys.argv[1], "wb").write(out)
PY
		run "$R" --hook FORWARD --in eth0 "$D/ok.v4" "$D/g.pcap"
		# judged to the end, or stopped with a message; never a
		# signal or a sanitizer's report (a sanitized build exits 1)
		[[ "$output" != *Sanitizer* && "$output" != *"runtime error"* ]]
		[ "$status" -eq 0 ] || { [ "$status" -eq 1 ] && [[ "$output" == *"qtables-replay: "*"g.pcap: "* ]]; }
	done
}

@test "replay: connection tracking: a handshake is NEW then ESTABLISHED, a stray ACK and a server SYN are refused" {
	mkpcap stateful
	cat >"$D/st.v4" <<'RULES'
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m state --state ESTABLISHED,RELATED -j ACCEPT
-A FORWARD -s 10.0.1.2 -p tcp --syn -m conntrack --ctstate NEW -j ACCEPT
COMMIT
RULES
	run "$R" --hook FORWARD --save-counters "$D/st.v4" "$D/stateful.pcap"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1 ACCEPT" ]
	[ "${lines[1]}" = "2 ACCEPT" ]
	[ "${lines[2]}" = "3 ACCEPT" ]
	[ "${lines[3]}" = "4 ACCEPT" ]
	[ "${lines[4]}" = "5 DROP" ]
	[ "${lines[5]}" = "6 DROP" ]
	[[ "$output" == *":FORWARD DROP [2:80]"* ]]
	[[ "$output" == *"[3:124] -A FORWARD -m state --state RELATED,ESTABLISHED -j ACCEPT"* ]]
	[[ "$output" == *"[1:40] -A FORWARD -s 10.0.1.2/32 -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -m conntrack --ctstate NEW -j ACCEPT"* ]]
}

@test "replay: NAT rewrites the first packet's connection and the ones after it" {
	cat >"$D/nat.v4" <<'RULES'
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -p udp --dport 53 -j DNAT --to-destination 10.9.9.9:5353
COMMIT
RULES
	run -0 "$R" --hook PREROUTING --gen 4 \
		--gen-spec proto=udp,src=10.0.1.2,dst=10.0.2.2,sport=4000,dport=53 \
		--save-counters "$D/nat.v4"
	[ "${lines[0]}" = "1 ACCEPT rewritten" ]
	[ "${lines[3]}" = "4 ACCEPT rewritten" ]
	# one connection: the nat chain walked once
	echo "$output" | grep -q "^\[1:[0-9]*\] -A PREROUTING -p udp -m udp --dport 53 -j DNAT --to-destination 10.9.9.9:5353$"
	run -0 "$R" --hook PREROUTING --gen 2 \
		--gen-spec proto=udp,src=10.0.1.2,dst=10.0.2.2,sport=4000,dport=54 \
		"$D/nat.v4"
	[ "${lines[0]}" = "1 ACCEPT" ]
}
