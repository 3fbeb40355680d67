#!/usr/bin/env bats
# TOS, DSCP, ECN and TTL on real packets, against the kernel's twin:
# client $C -- fw $FW (qtablesd) -- server $S beside $KC -- $KFW
# (kernel iptables-nft) -- $KS, the same addresses on both. The same
# crafted IPv4 and IPv6 packets (tests/bats/dsfield.py) go through both
# firewalls; what arrives at the servers must be the same bytes: the
# DS field, the TTL, the TCP flags and every checksum (the kernel's own
# update arithmetic, wrong TCP checksums kept wrong by the same amount);
# and -m ecn's verdict on non-first TCP fragments (the flags read from
# their payload, where the kernel looks for the TCP header).
# Packets of the client's own stack carry partial checksums over the
# veth: the kernel leaves them so, qtablesd hands the packet back and
# must complete them (compared by header and by the server's sockets).

load nft_twin_lib

RULES4='*mangle
-A PREROUTING -p udp --dport 7011 -j TTL --ttl-inc 200
-A FORWARD -p udp --dport 7001 -j TOS --set-tos 0x10
-A FORWARD -p udp --dport 7002 -j TOS --and-tos 0x0f
-A FORWARD -p udp --dport 7003 -j TOS --or-tos 0x12
-A FORWARD -p udp --dport 7004 -j TOS --xor-tos 0xff
-A FORWARD -p udp --dport 7005 -j DSCP --set-dscp-class EF
-A FORWARD -p udp --dport 7006 -j DSCP --set-dscp 0
-A FORWARD -p tcp --dport 7007 -j ECN --ecn-tcp-remove
-A FORWARD -p tcp --dport 7008 -j ECN --ecn-tcp-cwr 1 --ecn-tcp-ece 1 --ecn-ip-ect 1
-A FORWARD -p udp --dport 7009 -j ECN --ecn-ip-ect 3
-A FORWARD -p udp --dport 7012 -j TTL --ttl-dec 100
-A FORWARD -p tcp --dport 7013 -j DSCP --set-dscp 0x0a
-A FORWARD -p udp --dport 7014 -m tos --tos 0x10/0x3f -j DSCP --set-dscp 0x01
-A FORWARD -p udp --dport 7015 -m dscp --dscp-class EF -j TTL --ttl-set 9
-A FORWARD -p tcp --dport 7016 -m ecn --ecn-tcp-ece -j ECN --ecn-tcp-ece 0
-A POSTROUTING -p udp --dport 7010 -j TTL --ttl-set 1
-A POSTROUTING -p udp --dport 7101 -j DSCP --set-dscp-class AF41
-A POSTROUTING -p tcp --dport 7103 -j TTL --ttl-set 33
COMMIT
*filter
-A FORWARD -p tcp -f -m ecn ! --ecn-tcp-ece -j DROP
COMMIT'

RULES6='*mangle
-A FORWARD -p udp --dport 7021 -j TOS --set-tos 0x10
-A FORWARD -p udp --dport 7022 -j TOS --xor-tos 0xff
-A FORWARD -p udp --dport 7023 -j DSCP --set-dscp-class EF
-A FORWARD -p udp --dport 7024 -m dscp --dscp 0 -j DSCP --set-dscp 0x3f
-A FORWARD -p tcp --dport 7025 -m ecn --ecn-ip-ect 2 -j TOS --set-tos 0x01/0x03
-A POSTROUTING -p udp --dport 7102 -j DSCP --set-dscp-class CS3
COMMIT
*filter
-A FORWARD -p tcp -m frag --fragmore -m ecn ! --ecn-tcp-ece -j DROP
COMMIT'

setup() { twin_crafted_setup qtmgds; }

teardown() {
	twin_teardown
}

@test "TOS, DSCP, ECN, TTL (and tos, dscp, ecn in front of them): the bytes that arrive as the kernel's twin writes them, checksums included; partial checksums completed" {
	start_daemon
	echo "$RULES4" | ip netns exec "$FW" "$QT_BUILD/iptables-restore"
	echo "$RULES6" | ip netns exec "$FW" "$QT_BUILD/ip6tables-restore"
	echo "$RULES4" | ip netns exec "$KFW" /usr/sbin/iptables-nft-restore
	echo "$RULES6" | ip netns exec "$KFW" /usr/sbin/ip6tables-nft-restore
	local ours=$QT_RUN/ours kern=$QT_RUN/kern
	crafted_side dsfield.py "$C" "$FW" "$S" "$ours" "send 7" sock
	crafted_side dsfield.py "$KC" "$KFW" "$KS" "$kern" "send 7" sock
	cat "$ours.send" "$ours.sock" "$kern.sock"
	# the crafted ones (ports below 7100): the same bytes
	grep -v '^got' "$ours" | "$PY" -c '
import sys
for l in sys.stdin:
    p = bytes.fromhex(l.strip())
    off = (p[0] & 15) * 4 if p[0] >> 4 == 4 else 40
    if int.from_bytes(p[off + 2:off + 4], "big") < 7100:
        print(l.strip())' >"$ours.crafted"
	grep -v '^got' "$kern" | "$PY" -c '
import sys
for l in sys.stdin:
    p = bytes.fromhex(l.strip())
    off = (p[0] & 15) * 4 if p[0] >> 4 == 4 else 40
    if int.from_bytes(p[off + 2:off + 4], "big") < 7100:
        print(l.strip())' >"$kern.crafted"
	echo "crafted arrivals: ours $(wc -l <"$ours.crafted"), kernel's $(wc -l <"$kern.crafted")"
	diff "$kern.crafted" "$ours.crafted"
	# every packet sent arrived (none lost, which would hide a difference)
	# (but the fragments -m ecn drops: IPv4's whose payload has no ECE
	# where the TCP flags would be, IPv6's whose IPv6 header has none
	# in its byte 13, whatever their payload)
	[ "$(wc -l <"$kern.crafted")" -eq "$(($(sed -n 's/^sent //p' "$ours.send") - 6))" ]
	[ "$(grep -Ec '1b69000000010{8}5042' "$kern.crafted")" -eq 2 ]
	[ "$(grep -Ec '1b69000000010{8}5002' "$kern.crafted")" -eq 0 ]
	[ "$(grep -Ec '^6.{15}fd000001004000.*1b73000000010{8}5002' "$kern.crafted")" -eq 2 ]
	[ "$(grep -Ec '1b73' "$kern.crafted")" -eq 2 ]
	# and the kernel did rewrite them (the test compares rewrites): the
	# DSCP of port 7005 is EF, port 7010's TTL 1, port 7007's TCP
	# flags without ECE and CWR
	"$PY" - "$kern.crafted" <<'PY'
import sys
n = {7005: 0, 7010: 0, 7007: 0, 7023: 0}
for l in open(sys.argv[1]):
    p = bytes.fromhex(l.strip())
    if p[0] >> 4 == 6:
        port = int.from_bytes(p[42:44], "big")
        if port == 7023:
            assert ((p[0] & 15) << 4 | p[1] >> 4) >> 2 == 0x2e, l
            n[port] += 1
        continue
    off = (p[0] & 15) * 4
    port = int.from_bytes(p[off + 2:off + 4], "big")
    if port == 7005:
        assert p[1] >> 2 == 0x2e, l
    elif port == 7010:
        assert p[8] == 1, l
    elif port == 7007:
        assert not p[off + 13] & 0xc0, l
    else:
        continue
    n[port] += 1
assert all(v >= 5 for v in n.values()), n
PY
	# the stack's own packets: the same IP headers (how many segments
	# a connection takes is the stacks' choice); each received
	# (a partial checksum left in a packet handed back fails it)
	for f in "$ours" "$kern"; do
		grep -v '^got' "$f" | "$PY" -c '
import sys
for l in sys.stdin:
    p = bytes.fromhex(l.strip())
    v4 = p[0] >> 4 == 4
    off = (p[0] & 15) * 4 if v4 else 40
    if int.from_bytes(p[off + 2:off + 4], "big") >= 7100:
        # the IPv4 id (so the header checksum) and the IPv6 flow
        # label are the stack'"'"'s own choice
        print((p[:4] + p[6:10] + p[12:off] if v4 else
               bytes([p[0], p[1] & 0xf0]) + p[4:8]).hex())' | sort -u >"$f.stack"
	done
	cat "$ours.stack"
	diff "$kern.stack" "$ours.stack"
	grep '^got' "$kern" >"$kern.got" || true
	grep '^got' "$ours" >"$ours.got" || true
	cat "$ours.got"
	diff "$kern.got" "$ours.got"
	[ "$(wc -l <"$ours.got")" -eq 7 ]
	grep -q '^connected' "$ours.sock"
	# the checksums of ours verify
	grep -v '^got' "$ours" | "$PY" -c '
import sys, struct, socket
def cs(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return s
for l in sys.stdin:
    p = bytes.fromhex(l.strip())
    v4 = p[0] >> 4 == 4
    off = (p[0] & 15) * 4 if v4 else 40
    if int.from_bytes(p[off + 2:off + 4], "big") < 7100:
        continue
    proto = p[9] if v4 else p[6]
    seg = p[off:]
    ph = (p[12:20] if v4 else p[8:40]) + struct.pack("!HH", proto, len(seg))
    assert cs(ph + seg) == 0xffff, "bad checksum: " + l
    if v4: assert cs(p[:off]) == 0xffff, "bad header checksum: " + l
print("checksums hold")'
	run ip netns exec "$FW" "$QT_BUILD/iptables" -t mangle -L FORWARD -v -n -x
	echo "$output"
	[ "$(echo "$output" | awk '$3 == "DSCP" && /udp dpt:7005/ { print $1 }')" -ge 10 ]
}

@test "each target alone in its ruleset (no rule asking for payload): a long packet it rewrites arrives whole, as the kernel's twin hands it on (HL too)" {
	start_daemon
	local rule fam out=$QT_RUN/big n=0
	for rule in "4 -j TTL --ttl-set 9" "4 -j TOS --set-tos 0x10" \
		    "4 -j DSCP --set-dscp 1" "4 -j ECN --ecn-ip-ect 2" \
		    "6 -j HL --hl-set 9" "6 -j TOS --set-tos 0x10" \
		    "6 -j DSCP --set-dscp 1"; do
		fam=${rule%% *}
		local ipt=iptables
		[ "$fam" = 6 ] && ipt=ip6tables
		printf '*mangle\n-A FORWARD -p udp --dport 7030 %s\nCOMMIT\n' "${rule#* }" |
			ip netns exec "$FW" "$QT_BUILD/$ipt-restore"
		printf '*mangle\n-A FORWARD -p udp --dport 7030 %s\nCOMMIT\n' "${rule#* }" |
			ip netns exec "$KFW" "/usr/sbin/$ipt-nft-restore"
		crafted_side dsfield.py "$C" "$FW" "$S" "$out.q$n" "big $fam"
		crafted_side dsfield.py "$KC" "$KFW" "$KS" "$out.k$n" "big $fam"
		echo "$rule: ours $(head -c 60 "$out.q$n") ($(wc -c <"$out.q$n") chars), kernel's $(head -c 60 "$out.k$n") ($(wc -c <"$out.k$n") chars)"
		[ -s "$out.k$n" ]
		cmp "$out.k$n" "$out.q$n"
		# the kernel rewrote it (the rule met the packet)
		[ "$(head -c 4 "$out.k$n")" != 4501 ] && [ "$(head -c 4 "$out.k$n")" != 6001 ]
		# the next rule alone in its table
		ip netns exec "$FW" "$QT_BUILD/$ipt" -t mangle -F
		ip netns exec "$KFW" "/usr/sbin/$ipt-nft" -t mangle -F
		n=$((n + 1))
	done
}
