#!/usr/bin/env bats
# TCPOPTSTRIP on real packets, against the kernel's twin:
# client $C -- fw $FW (qtablesd) -- server $S beside $KC -- $KFW
# (kernel iptables-nft) -- $KS, the same addresses on both. The same
# crafted IPv4 and IPv6 TCP segments (tests/bats/tcpoptstrip.py: SYNs
# with Linux's options, md5, kind 30, data segments with timestamps and
# SACK blocks, malformed option lists, wrong checksums, bad data
# offsets, non-first fragments) go through both firewalls; what
# arrives at the servers must be the same bytes, checksums included,
# and the same ones must be missing. A connection of the client's own
# stack (partial checksums over the veth) must get through qtablesd
# with its SYN's options stripped as the kernel strips them.

load nft_twin_lib

RULES4='*mangle
-A PREROUTING -p tcp --dport 7208 -j TCPOPTSTRIP --strip-options timestamp,md5
-A FORWARD -p tcp --dport 7201 -j TCPOPTSTRIP --strip-options mss
-A FORWARD -p tcp --dport 7202 -j TCPOPTSTRIP --strip-options wscale,sack-permitted,timestamp
-A FORWARD -p tcp --dport 7203 -j TCPOPTSTRIP --strip-options sack,timestamp
-A FORWARD -p tcp --dport 7204 -j TCPOPTSTRIP --strip-options md5
-A FORWARD -p tcp --dport 7205 -j TCPOPTSTRIP --strip-options 30
-A FORWARD -p tcp --dport 7206 -j TCPOPTSTRIP --strip-options 2,3,4,5,8,19,30,254
-A FORWARD -p tcp --dport 7207 -j TCPOPTSTRIP
-A FORWARD -p tcp --dport 7201 -j TCPOPTSTRIP --strip-options timestamp
-A FORWARD -p tcp -s 10.0.1.3 -j TCPOPTSTRIP --strip-options mss,sack,19
-A FORWARD -p tcp --dport 7220 -j TCPOPTSTRIP --strip-options wscale,timestamp,sack-permitted
-A POSTROUTING -p tcp --dport 7209 -j TCPOPTSTRIP --strip-options mss,sack-permitted
COMMIT'

RULES6='*mangle
-A FORWARD -p tcp --dport 7211 -j TCPOPTSTRIP --strip-options mss,wscale
-A FORWARD -p tcp --dport 7212 -j TCPOPTSTRIP --strip-options sack-permitted,sack,timestamp
-A FORWARD -p tcp --dport 7213 -j TCPOPTSTRIP --strip-options md5,30
-A FORWARD -p tcp --dport 7214 -j TCPOPTSTRIP --strip-options 254
-A FORWARD -p tcp -s fd00:1::3 -j TCPOPTSTRIP --strip-options timestamp,md5,30
-A POSTROUTING -p tcp --dport 7215 -j TCPOPTSTRIP --strip-options wscale,mss,8
COMMIT'

setup() { twin_crafted_setup qtostrip; }

teardown() {
	twin_teardown
}

# the crafted arrivals (ports other than 7220), one hex line each
crafted() {
	grep -v '^got' "$1" | "$PY" -c '
import sys
sys.path.insert(0, sys.argv[1])
from tcpoptstrip import l4_of
for l in sys.stdin:
    p = bytes.fromhex(l.strip())
    _, off = l4_of(p)
    if int.from_bytes(p[off + 2:off + 4], "big") != 7220:
        print(l.strip())' "$BATS_TEST_DIRNAME"
}

@test "TCPOPTSTRIP: IPv4 and IPv6 segments arrive with the bytes the kernel's twin writes, checksums included; the same ones dropped; the stack's own connection stripped and received" {
	start_daemon
	echo "$RULES4" | ip netns exec "$FW" "$QT_BUILD/iptables-restore"
	echo "$RULES6" | ip netns exec "$FW" "$QT_BUILD/ip6tables-restore"
	echo "$RULES4" | ip netns exec "$KFW" /usr/sbin/iptables-nft-restore
	echo "$RULES6" | ip netns exec "$KFW" /usr/sbin/ip6tables-nft-restore
	local ours=$QT_RUN/ours kern=$QT_RUN/kern
	crafted_side tcpoptstrip.py "$C" "$FW" "$S" "$ours" send sock
	crafted_side tcpoptstrip.py "$KC" "$KFW" "$KS" "$kern" send sock
	cat "$ours.send" "$ours.sock" "$kern.sock"
	crafted "$ours" >"$ours.crafted"
	crafted "$kern" >"$kern.crafted"
	echo "crafted arrivals: ours $(wc -l <"$ours.crafted"), kernel's $(wc -l <"$kern.crafted")"
	diff "$kern.crafted" "$ours.crafted"
	# every segment sent arrived but those the target drops (none
	# lost, which would hide a difference)
	local sent dropped
	sent=$(sed -n 's/^sent //p' "$ours.send")
	dropped=$(sed -n 's/^dropped //p' "$ours.send")
	[ "$dropped" -gt 0 ]
	[ "$(wc -l <"$kern.crafted")" -eq $((sent - dropped)) ]
	# and the kernel did strip (the test compares rewrites): port 7202's
	# Linux SYNs lost their timestamps, 7204's md5 and 7205's kind 30
	# are NOPs, IPv6's 7213 too; wrong checksums arrive wrong
	"$PY" - "$kern.crafted" "$BATS_TEST_DIRNAME" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
from tcpoptstrip import l4_of, csum
n = {"ts": 0, "md5": 0, "k30": 0, "md5v6": 0, "wrong": 0}
for l in open(sys.argv[1]):
    p = bytes.fromhex(l.strip())
    _, off = l4_of(p)
    th = p[off:]
    port = int.from_bytes(th[2:4], "big")
    opts = th[20:(th[12] >> 4) * 4]
    if p[0] >> 4 == 4 and (p[6] & 0x1f or p[7]):
        continue
    if port == 7202 and opts[:4] == bytes([2, 4, 5, 0xb4]) and len(opts) == 20:
        assert opts[4:16] == bytes([1]) * 12, l
        n["ts"] += 1
    if port == 7204 and opts[18:] == bytes([1, 1, 2, 4, 5, 0x78]):
        assert opts[:18] == bytes([1]) * 18, l
        n["md5"] += 1
    if port == 7205 and len(opts) == 12 and opts[:6] in (bytes([1]) * 6,):
        n["k30"] += 1
    if port == 7213 and opts[18:] == bytes([1, 1, 2, 4, 5, 0x78]):
        assert opts[:18] == bytes([1]) * 18, l
        n["md5v6"] += 1
    if p[0] >> 4 == 4 and 7201 <= port <= 7209:
        ph = p[12:20] + bytes([0, 6]) + len(th).to_bytes(2, "big")
        s = csum(ph + th)
        if s != 0xffff:
            n["wrong"] += 1
print(n)
assert n["ts"] >= 4 and n["md5"] >= 4 and n["k30"] >= 4 and n["md5v6"] >= 3, n
assert n["wrong"] > 0, n
PY
	# the stack's connection: received through both, its SYN's options
	# the same (wscale, timestamps and SACK permitted NOPs), and the
	# checksums of ours whole
	grep -q '^connected' "$ours.sock"
	grep -q '^connected' "$kern.sock"
	[ "$(grep -c '^got 7220 sock7220' "$ours")" -eq 1 ]
	for f in "$ours" "$kern"; do
		grep -v '^got' "$f" | "$PY" -c '
import sys
sys.path.insert(0, sys.argv[1])
from tcpoptstrip import l4_of
for l in sys.stdin:
    p = bytes.fromhex(l.strip())
    _, off = l4_of(p)
    th = p[off:]
    if int.from_bytes(th[2:4], "big") == 7220 and th[13] == 0x02:
        print(th[20:(th[12] >> 4) * 4].hex())' "$BATS_TEST_DIRNAME" >"$f.syn"
	done
	cat "$ours.syn"
	[ -s "$kern.syn" ]
	diff "$kern.syn" "$ours.syn"
	! grep -qv '^020405b4'"$(printf '01%.0s' $(seq 16))"'$' "$ours.syn" || false
	# the counters of the rules met
	run ip netns exec "$FW" "$QT_BUILD/iptables" -t mangle -L FORWARD -v -n -x
	echo "$output"
	[ "$(echo "$output" | awk '$3 == "TCPOPTSTRIP" && /dpt:7204/ { print $1 }')" -ge 60 ]
}
