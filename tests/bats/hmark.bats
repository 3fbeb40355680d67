#!/usr/bin/env bats
# HMARK and cluster on crafted packets, judged by qtablesd beside a twin
# whose firewall is the kernel's iptables-nft: client $C -- fw $FW
# (qtablesd) and $C2 -- $FW2 (the kernel). Each client sends the same
# packets (hmark.py: TCP, UDP, UDP-Lite, DCCP, SCTP, ESP, AH, GRE, ICMP
# and ICMPv6 echoes and errors, extension headers, fragments) from many
# spoofed sources, each of a length of its own; in mangle PREROUTING,
# after HMARK, a rule per packet and mark bit (or per packet and
# cluster node) counts it, so the counters say every packet's mark (or
# node), and they must be the kernel twin's.

load nft_twin_lib

HERE=$BATS_TEST_DIRNAME

setup() { twin_setup "${QT_BATS_PREFIX:-qthm}" hm_ready; }

hm_ready() {
	ip netns exec "$1" ping -n -q -c 1 -w 5 10.0.1.1 >/dev/null 2>&1
	ip netns exec "$1" ping -6 -n -q -c 1 -w 5 fd00:1::1 >/dev/null 2>&1
	return 0
}

# hm_ipt qt|k 4|6 ARGS: iptables (ip6tables) of either twin.
hm_ipt() {
	local side=$1 v=; shift
	[ "$1" = 4 ] || v=6
	shift
	if [ "$side" = qt ]; then
		ip netns exec "$FW" "$QT_BUILD/ip${v}tables" "$@"
	else
		ip netns exec "$FW2" "/usr/sbin/ip${v}tables-nft" "$@"
	fi
}

hm_restore() {
	local side=$1 v=
	[ "$2" = 4 ] || v=6
	if [ "$side" = qt ]; then
		ip netns exec "$FW" "$QT_BUILD/ip${v}tables-restore"
	else
		ip netns exec "$FW2" "/usr/sbin/ip${v}tables-nft-restore"
	fi
}

# The packets and bytes of each rule of mangle PREROUTING, with its text.
hm_counters() {
	hm_ipt "$1" "$2" -t mangle -L PREROUTING -v -n -x | sed -n '3,$p' |
		awk '{ $2 = ""; print }'
}

# hm_run 4|6 HEAD NBITS|cluster ARGS...: mangle PREROUTING made of HEAD
# (rules, one a line) and hmark.py's counting rules, in both twins;
# the packets sent from both clients; the counters compared once every
# packet has been counted on both sides (at most 20 s).
hm_run() {
	local fam=$1 head=$2 n i s
	shift 2
	start_daemon
	local count
	if [ "$1" = cluster ]; then
		count=$("$PY" "$HERE/hmark.py" cluster "$fam" "${@:2}")
	else
		count=$("$PY" "$HERE/hmark.py" bits "$fam" "$1")
	fi
	for s in qt k; do
		printf '*mangle\n:PREROUTING ACCEPT [0:0]\n%s\n%s\nCOMMIT\n' \
			"$head" "$count" | hm_restore "$s" "$fam" || return 1
	done
	npk=$("$PY" -c "import sys; sys.path.insert(0, '$HERE'); import hmark; print(len(hmark.packets($fam)))")
	ip netns exec "$C" "$PY" "$HERE/hmark.py" send qtc0 \
		"$(ip netns exec "$FW" cat /sys/class/net/qtf0/address)" "$fam"
	ip netns exec "$C2" "$PY" "$HERE/hmark.py" send qtc0 \
		"$(ip netns exec "$FW2" cat /sys/class/net/qtf0/address)" "$fam"
	# every packet counted by its length rule on the kernel's side
	# (but the two fragments conntrack's defragmentation keeps back
	# for the rest), and the same counters on both
	local arrived
	for i in $(seq 100); do
		mine=$(hm_counters qt "$fam")
		kern=$(hm_counters k "$fam")
		arrived=$(echo "$kern" | awk '/length/ && !/mark match|cluster/ { n += $1 } END { print n + 0 }')
		[ "$arrived" -ge $((npk - 2)) ] && [ "$mine" = "$kern" ] && break
		sleep 0.2
	done
	echo "packets sent $npk, counted by the kernel's twin $arrived"
	[ "$arrived" -ge $((npk - 2)) ] || return 1
	echo "qtables:"; echo "$mine" | awk '$1 != 0' | head -400
	diff <(echo "$kern") <(echo "$mine") || return 1
}

# The marks of the kernel twin's packets, decoded from its bit rules:
# how many packets and how many distinct marks (a test must be able to
# fail: marks all alike prove nothing).
hm_marks() {
	hm_ipt k "$1" -t mangle -L PREROUTING -v -n -x | sed -n '3,$p' | "$PY" -c '
import re, sys
marks = {}
for line in sys.stdin:
    m = re.search(r"length (\d+)(?: mark match (0x[0-9a-f]+))?", line)
    if not m:
        continue
    marks.setdefault(m.group(1), 0)
    if m.group(2) and int(line.split()[0]) > 0:
        marks[m.group(1)] |= int(m.group(2), 16)
print(len(marks), len(set(marks.values())))'
}

# hm_mark 4|6 LENGTH: the mark of the kernel twin's packet of that
# length, decoded from its bit rules.
hm_mark() {
	hm_ipt k "$1" -t mangle -L PREROUTING -v -n -x | sed -n '3,$p' | "$PY" -c '
import re, sys
mark = 0
for line in sys.stdin:
    m = re.search(r"length (\d+) mark match (0x[0-9a-f]+)", line)
    if m and m.group(1) == sys.argv[1] and int(line.split()[0]) > 0:
        mark |= int(m.group(2), 16)
print(mark)' "$2"
}

# The length of the last packet (the error RELATED to the first UDP
# datagram's connection, whose length is BASE + 10).
hm_last() {
	"$PY" -c "import sys; sys.path.insert(0, '$HERE'); import hmark; print(hmark.BASE[$1] + len(hmark.packets($1)) - 1)"
}

# How many of the nodes the kernel twin's packets fell on.
hm_nodes() {
	hm_ipt k "$1" -t mangle -L PREROUTING -v -n -x | sed -n '3,$p' |
		awk '$1 > 0 && /length/ && /cluster/ { sub(/.*node_mask=/, ""); print $1 }' |
		sort -u | wc -l
}

@test "HMARK from the packet's tuple, IPv4: marks as the kernel's" {
	hm_run 4 '-A PREROUTING -j HMARK --hmark-tuple src,dst,sport,dport,proto --hmark-mod 1000 --hmark-rnd 0xdeadbeef --hmark-offset 5' 10
	read -r n d < <(hm_marks 4)
	echo "packets $n, marks $d"
	[ "$d" -gt 20 ]
}

@test "HMARK with prefixes, port masks and a protocol mask, IPv4" {
	hm_run 4 '-A PREROUTING -j HMARK --hmark-src-prefix 16 --hmark-dst-prefix 24 --hmark-sport-mask 0xff00 --hmark-dport-mask 0x00ff --hmark-proto-mask 0x3 --hmark-rnd 7 --hmark-mod 1023' 10
	read -r n d < <(hm_marks 4)
	echo "packets $n, marks $d"
	[ "$d" -gt 10 ]
}

@test "HMARK's whole hash (mod 0xffffffff) with an SPI and ports ORed in, IPv4" {
	hm_run 4 '-A PREROUTING -p esp -j HMARK --hmark-tuple spi,src --hmark-spi 0x10 --hmark-mod 0xffffffff --hmark-rnd 0x1234 --hmark-offset 1
-A PREROUTING ! -p esp -j HMARK --hmark-tuple src,dst,dport --hmark-sport 0x8000 --hmark-dport 3 --hmark-mod 0xffffffff --hmark-rnd 0 --hmark-offset 1' 32
	read -r n d < <(hm_marks 4)
	echo "packets $n, marks $d"
	[ "$d" -gt 20 ]
}

@test "HMARK from the connection (--hmark-tuple ct), IPv4" {
	export HM_CT=1
	hm_run 4 '-A PREROUTING -m conntrack --ctstate NEW,ESTABLISHED,RELATED,INVALID,UNTRACKED
-A PREROUTING -j HMARK --hmark-tuple ct,src,dst,sport,dport,proto --hmark-mod 997 --hmark-rnd 42 --hmark-offset 3' 10
	read -r n d < <(hm_marks 4)
	echo "packets $n, marks $d"
	[ "$d" -gt 10 ]
	# the error RELATED to the first datagram's connection: its mark
	first=$(hm_mark 4 310) last=$(hm_mark 4 "$(hm_last 4)")
	echo "first datagram $first, related error $last"
	[ "$first" -ne 0 ] && [ "$first" = "$last" ]
}

@test "HMARK from the packet's tuple, IPv6: marks as the kernel's" {
	hm_run 6 '-A PREROUTING -j HMARK --hmark-tuple src,dst,sport,dport,proto --hmark-mod 1000 --hmark-rnd 0xdeadbeef --hmark-offset 5' 10
	read -r n d < <(hm_marks 6)
	echo "packets $n, marks $d"
	[ "$d" -gt 20 ]
}

@test "HMARK with prefixes and masks, and the whole hash, IPv6" {
	hm_run 6 '-A PREROUTING -p tcp -j HMARK --hmark-src-prefix 100 --hmark-dst-prefix 64 --hmark-sport-mask 0xfff0 --hmark-proto-mask 0xff --hmark-rnd 9 --hmark-mod 0xffffffff
-A PREROUTING ! -p tcp -j HMARK --hmark-tuple src --hmark-spi-mask 0xffff --hmark-spi 0x30000 --hmark-rnd 0xfeedcafe --hmark-mod 0xffffffff --hmark-offset 1' 32
	read -r n d < <(hm_marks 6)
	echo "packets $n, marks $d"
	[ "$d" -gt 15 ]
}

@test "HMARK from the connection (--hmark-tuple ct), IPv6" {
	export HM_CT=1
	hm_run 6 '-A PREROUTING -m conntrack --ctstate NEW,ESTABLISHED,RELATED,INVALID,UNTRACKED
-A PREROUTING -j HMARK --hmark-tuple ct,src,dst,sport,dport,proto --hmark-mod 997 --hmark-rnd 42 --hmark-offset 3' 10
	read -r n d < <(hm_marks 6)
	echo "packets $n, marks $d"
	[ "$d" -gt 10 ]
	# the error RELATED to the first datagram's connection: its mark
	first=$(hm_mark 6 410) last=$(hm_mark 6 "$(hm_last 6)")
	echo "first datagram $first, related error $last"
	[ "$first" -ne 0 ] && [ "$first" = "$last" ]
}

@test "cluster: the node of each connection's source, IPv4, as the kernel's" {
	export HM_CT=1
	hm_run 4 '-A PREROUTING -m cluster --cluster-total-nodes 2 ! --cluster-local-node 2 --cluster-hash-seed 0xdeadbeef' cluster 5 0x12345678
	[ "$(hm_nodes 4)" -ge 3 ]
}

@test "cluster: eight nodes, inverted, IPv4" {
	export HM_CT=1
	hm_run 4 '' cluster 8 0 inv
}

@test "cluster: the node of each connection's source, IPv6, as the kernel's" {
	export HM_CT=1
	hm_run 6 '' cluster 5 0xfeedcafe
	[ "$(hm_nodes 6)" -ge 3 ]
}

@test "cluster: three nodes, inverted, IPv6" {
	export HM_CT=1
	hm_run 6 '' cluster 3 7 inv
}

@test "HMARK --hmark-tuple ct with nothing else tracking connections: no mark on either twin" {
	# xt_HMARK does not turn connection tracking on: alone, it finds no
	# connection and leaves every mark
	hm_run 4 '-A PREROUTING -j HMARK --hmark-tuple ct,src,dst --hmark-mod 7 --hmark-rnd 1 --hmark-offset 1' 3
	read -r n d < <(hm_marks 4)
	echo "packets $n, marks $d"
	[ "$n" -gt 30 ] && [ "$d" -eq 1 ] && [ "$(hm_mark 4 310)" -eq 0 ]
}
