#!/usr/bin/env python3
"""Differential test of connection tracking: per-packet state, kernel vs qtables.

Run by run-ctdiff.sh, which builds two twin topologies
    c1 -- fw1 -- s1   (fw1: the kernel's conntrack through iptables-nft)
    c2 -- fw2 -- s2   (fw2: qtablesd)
with the same addresses and MAC addresses; the end namespaces drop
everything they receive before their stacks see it (so they never answer)
and send nothing themselves. Both firewalls count in FORWARD:
    -m conntrack --ctstate NEW | ESTABLISHED | RELATED | INVALID | UNTRACKED
(one rule each, no target) and then ACCEPT; raw PREROUTING makes udp
port 7 untracked.

Sequences (generated from a fixed seed): scripted conversations whose
packets leave the client (towards the server) or the server (towards the
client) as raw frames, one at a time, through both firewalls at once.
After each packet we read which state counter moved on either side and
compare. One line per mismatching packet; ends with "N passed, N failed".

Usage: ctpackets.py SEED PHASE FW1 FW2 C1 C2 S1 S2 QT_BUILD
       ctpackets.py --rules     (prints the ruleset, for iptables-restore)
PHASE names the run (loose1, loose0): it goes into the seed and the port
range, so phases never share a connection.
Environment: QT_CTDIFF_VERBOSE=1 prints every packet; QT_CTDIFF_ONLY=PREFIX
runs only the families whose name starts with PREFIX (e.g. "sctp").
"""
import os
import random
import sys
import time

from scapy.all import Ether, IP, TCP, UDP, ICMP, Raw, fragment, conf
from scapy.all import (SCTP, SCTPChunkInit, SCTPChunkInitAck, SCTPChunkCookieEcho,
                       SCTPChunkCookieAck, SCTPChunkData, SCTPChunkSACK,
                       SCTPChunkHeartbeatReq, SCTPChunkHeartbeatAck, SCTPChunkShutdown,
                       SCTPChunkShutdownAck, SCTPChunkShutdownComplete, SCTPChunkAbort,
                       SCTPChunkError)
import pdiff
from pdiff import CMAC, F0MAC, SMAC, F1MAC, l2sock, Seq

conf.verb = 0

if sys.argv[1:] == ["--rules"]:
    ARGS = ["0", "-", "", "", "", "", "", "", ""]
else:
    ARGS = sys.argv[1:10]
(SEED, PHASE, FW1, FW2, C1, C2, S1, S2, QT_BUILD) = ARGS
SEED = int(SEED)
VERBOSE = os.environ.get("QT_CTDIFF_VERBOSE") == "1"
ONLY = os.environ.get("QT_CTDIFF_ONLY", "")

CADDR, SADDR = "10.0.1.2", "10.0.2.2"
ROUTER = "10.0.2.77"    # a hop on the server side (ICMP errors)
KIPT = "/usr/sbin/iptables-nft"
QIPT = QT_BUILD + "/iptables"
RULES = pdiff.CT_RULES
moved = pdiff.ct_moved


def counters():
    """[kernel, qtables]: packet counters of FORWARD's 6 rules."""
    return pdiff.ct_counters(((FW1, KIPT), (FW2, QIPT)))


# ---- conversations -----------------------------------------------------

M32 = 1 << 32


class Tcp:
    """A TCP conversation between CADDR:cp and SADDR:sp whose sequence
    numbers we keep, as the two ends would."""

    def __init__(self, r, seq, cp, sp, caddr=CADDR, saddr=SADDR):
        self.r, self.q = r, seq
        self.addr = {"c": (caddr, saddr, cp, sp), "s": (saddr, caddr, sp, cp)}
        self.nxt = {"c": r.randrange(M32), "s": r.randrange(M32)}
        self.win = {"c": r.choice([512, 4096, 29200, 65535]),
                    "s": r.choice([512, 8192, 28960, 65535])}
        self.last = {}

    def pkt(self, side, flags, data=b"", seq=None, ack=None, win=None, opts=None,
            what=None, advance=True):
        other = "s" if side == "c" else "c"
        src, dst, sp, dp = self.addr[side]
        s = self.nxt[side] if seq is None else seq % M32
        a = 0
        if "A" in flags:
            a = self.nxt[other] if ack is None else ack % M32
        p = IP(src=src, dst=dst, ttl=64) / TCP(sport=sp, dport=dp, flags=flags, seq=s,
                                               ack=a, window=self.win[side] if win is None
                                               else win, options=opts or [])
        if data:
            p = p / Raw(data)
        if advance and seq is None:
            self.nxt[side] = (s + len(data) + ("S" in flags) + ("F" in flags)) % M32
        self.last[side] = p
        self.q.add(side, p, what or "%s %s%s" % (side, flags or "none",
                                                  " +%d" % len(data) if data else ""))
        return p

    def again(self, side, what=None):
        """Retransmit side's last packet."""
        self.q.add(side, self.last[side], what or "%s retransmit" % side)

    def data(self, r, side, n=None):
        n = n if n is not None else r.choice([1, 10, 100, 300])
        return self.pkt(side, "PA", b"x" * n)

    def handshake(self, opts_c=None, opts_s=None):
        self.pkt("c", "S", opts=opts_c)
        self.pkt("s", "SA", opts=opts_s)
        self.pkt("c", "A")


# ---- sequence families -------------------------------------------------------

class Gen:
    def __init__(self, r, port_base):
        self.r = r
        self.port = port_base
        self.icmp_id = (port_base * 7) & 0xffff
        self.far = 0

    def ports(self):
        self.port += 1
        return self.port, self.r.choice([22, 80, 443, 8080, 5000 + self.port % 1000])

    def far_addr(self):
        """A server-side address of its own (pairs for generic protocols)."""
        self.far += 1
        return "10.%d.%d.%d" % (9 + self.port // 10000, self.far // 250, 1 + self.far % 250)


def f_handshake_close(g, q, first):
    r = g.r
    t = Tcp(r, q, *g.ports())
    t.handshake()
    for _ in range(r.randint(1, 4)):
        x = r.choice("cs")
        t.data(r, x)
        t.pkt("s" if x == "c" else "c", "A")
    second = "s" if first == "c" else "c"
    t.pkt(first, "FA")
    t.pkt(second, "A")
    if r.random() < 0.5:
        t.data(r, second)
        t.pkt(first, "A")
    t.pkt(second, "FA")
    t.pkt(first, "A")
    if r.random() < 0.5:
        t.again(first, "%s last ACK again" % first)


def f_close_client(g, q):
    f_handshake_close(g, q, "c")


def f_close_server(g, q):
    f_handshake_close(g, q, "s")


def f_fin_both(g, q):
    """Both FINs cross (simultaneous close)."""
    r = g.r
    t = Tcp(r, q, *g.ports())
    t.handshake()
    t.data(r, "c")
    t.pkt("s", "A")
    t.pkt("c", "FA")
    t.pkt("s", "FA", ack=(t.nxt["c"] - 1))
    t.pkt("c", "A")
    t.pkt("s", "A")


def f_rst(g, q):
    r = g.r
    t = Tcp(r, q, *g.ports())
    t.handshake()
    t.data(r, "c")
    t.pkt("s", "A")
    side = r.choice("cs")
    k = r.randrange(4)
    if k == 0:
        t.pkt(side, "R", what="%s RST in window" % side)
    elif k == 1:
        t.pkt(side, "RA", what="%s RST/ACK in window" % side)
    elif k == 2:
        t.pkt(side, "R", seq=t.nxt[side] + 5000000, what="%s RST out of window" % side)
    else:
        t.pkt(side, "R", seq=t.nxt[side] + r.choice([1, 100]), what="%s RST inexact seq" % side)
    t.data(r, r.choice("cs"))
    t.pkt(r.choice("cs"), "A")


def f_rst_synsent(g, q):
    """Connection refused: RST/ACK answering the SYN; then SYN again."""
    r = g.r
    t = Tcp(r, q, *g.ports())
    t.pkt("c", "S")
    if r.random() < 0.5:
        t.pkt("s", "RA", what="s RST/ACK to SYN")
    else:
        t.pkt("s", "RA", ack=t.nxt["c"] + 77, what="s RST/ACK bad ack to SYN")
    t.nxt["c"] = (t.nxt["c"] + 1000) % M32
    t.pkt("c", "S", what="c SYN to closed")
    t.pkt("s", "SA")
    t.pkt("c", "A")


def f_retrans(g, q):
    r = g.r
    t = Tcp(r, q, *g.ports())
    t.pkt("c", "S")
    t.again("c", "c SYN retransmit")
    t.pkt("s", "SA")
    t.again("s", "s SYN/ACK retransmit")
    t.pkt("c", "A")
    t.data(r, "c")
    t.again("c", "c data retransmit")
    t.pkt("s", "A")
    t.again("c", "c data retransmit after ACK")
    t.data(r, "s")
    t.again("s")
    t.pkt("c", "A")


def f_out_of_window(g, q):
    r = g.r
    t = Tcp(r, q, *g.ports())
    t.handshake()
    t.data(r, "c")
    t.pkt("s", "A")
    side = r.choice("cs")
    other = "s" if side == "c" else "c"
    k = r.randrange(4)
    if k == 0:
        t.pkt(side, "PA", b"y" * 50, seq=t.nxt[side] + 3000000, what="%s data far ahead" % side)
    elif k == 1:
        t.pkt(side, "PA", b"y" * 50, seq=t.nxt[side] - 3000000, what="%s data far behind" % side)
    elif k == 2:
        t.pkt(side, "A", ack=t.nxt[other] + 2000000, what="%s ACK of unsent data" % side)
    else:
        t.pkt(side, "PA", b"z" * 1400, seq=t.nxt[side] + t.win[other] + 100,
              what="%s data beyond window" % side)
    t.data(r, side)
    t.pkt(other, "A")


def f_stray(g, q):
    """Packets without a connection: loose pick-up or INVALID."""
    r = g.r
    t = Tcp(r, q, *g.ports())
    side = r.choice("cs")
    other = "s" if side == "c" else "c"
    fl = r.choice(["A", "PA", "R", "RA", "FA", "F", "SA"])
    if fl in ("A", "PA"):
        t.pkt(side, fl, b"q" * 20 if fl == "PA" else b"", what="%s stray %s" % (side, fl))
        t.pkt(other, "A")
        t.data(r, side)
        t.pkt(other, "A")
    else:
        t.pkt(side, fl, what="%s stray %s" % (side, fl))
        t.pkt(side, "S")
        t.pkt(other, "SA")


def f_bad_flags(g, q):
    r = g.r
    t = Tcp(r, q, *g.ports())
    fl = r.choice(["SF", "SR", "", "FPU", "SRA", "U"])
    t.pkt("c", fl, what="c invalid flags %r" % fl, advance=False)
    t.handshake()
    t.pkt(r.choice("cs"), r.choice(["SF", "", "SRAF"]), what="invalid flags in connection",
          advance=False)
    t.data(r, "c")


def f_time_wait_reopen(g, q):
    r = g.r
    t = Tcp(r, q, *g.ports())
    t.handshake()
    t.data(r, "c")
    t.pkt("s", "A")
    t.pkt("c", "FA")
    t.pkt("s", "FA")
    t.pkt("c", "A")
    t.nxt["c"] = (t.nxt["c"] + r.choice([1, 100000])) % M32
    t.pkt("c", "S", what="c SYN in TIME_WAIT")
    t.pkt("s", "SA")
    t.pkt("c", "A")
    t.data(r, "s")


def f_simultaneous(g, q):
    r = g.r
    t = Tcp(r, q, *g.ports())
    t.pkt("c", "S")
    t.pkt("s", "S", what="s SYN (simultaneous open)")
    t.pkt("c", "SA", seq=t.nxt["c"] - 1, what="c SYN/ACK")
    t.pkt("s", "SA", seq=t.nxt["s"] - 1, what="s SYN/ACK")
    t.pkt("c", "A")
    t.data(r, "c")
    t.pkt("s", "A")


def f_wscale(g, q):
    r = g.r
    t = Tcp(r, q, *g.ports())
    both_ = r.random() < 0.7
    wc, ws = r.choice([2, 7, 14]), r.choice([0, 3, 7])
    t.win["c"], t.win["s"] = 1000, 1000
    t.pkt("c", "S", opts=[("MSS", 1460), ("WScale", wc), ("SAckOK", b"")])
    t.pkt("s", "SA", opts=[("MSS", 1460)] + ([("WScale", ws)] if both_ else []))
    t.pkt("c", "A")
    # more than the window's unscaled value: fine only if scaling applies
    for _ in range(3):
        t.pkt("c", "PA", b"w" * 1400, what="c 1400 bytes (window 1000 << %d%s)"
              % (ws, "" if both_ else ", unscaled"))
        t.pkt("s", "A")
    # out of order, after a gap: inside the window only when scaled
    gap = r.choice([1500, 5000, 200000])
    t.pkt("c", "PA", b"g" * 100, seq=t.nxt["c"] + gap,
          what="c 100 bytes %d ahead (window 1000 << %d%s)" % (gap, ws, "" if both_ else ", unscaled"))
    t.data(r, "s")
    t.pkt("c", "A")


def f_synack_first(g, q):
    """The server side speaks first (SYN from the server)."""
    r = g.r
    t = Tcp(r, q, *g.ports())
    t.pkt("s", "S")
    t.pkt("c", "SA")
    t.pkt("s", "A")
    t.data(r, "s")
    t.pkt("c", "A")


def f_udp(g, q):
    r = g.r
    cp, sp = g.ports()
    sp = r.choice([53, 123, 5353, 4000 + cp % 1000])
    c = IP(src=CADDR, dst=SADDR) / UDP(sport=cp, dport=sp) / Raw(b"req")
    s = IP(src=SADDR, dst=CADDR) / UDP(sport=sp, dport=cp) / Raw(b"resp")
    k = r.randrange(3)
    if k == 0:          # request / response
        q.add("c", c, "c udp request")
        if r.random() < 0.5:
            q.add("c", c, "c udp request again")
        q.add("s", s, "s udp response")
        q.add("c", c, "c udp after reply")
        q.add("s", s, "s udp again")
    elif k == 1:        # one-way
        for i in range(r.randint(2, 4)):
            q.add("c", c, "c udp one-way #%d" % i)
    else:               # the server side starts
        q.add("s", s, "s udp first")
        q.add("c", c, "c udp answer")
        q.add("s", s, "s udp")


def f_udp_untracked(g, q):
    cp, _ = g.ports()
    q.add("c", IP(src=CADDR, dst=SADDR) / UDP(sport=cp, dport=7) / Raw(b"e"), "c udp to 7 (notrack)")
    q.add("s", IP(src=SADDR, dst=CADDR) / UDP(sport=7, dport=cp) / Raw(b"e"), "s udp from 7")
    q.add("c", IP(src=CADDR, dst=SADDR) / UDP(sport=cp, dport=7) / Raw(b"e"), "c udp to 7 again")


def f_udp_frag(g, q):
    r = g.r
    cp, sp = g.ports()
    big = IP(src=CADDR, dst=SADDR, id=r.randrange(1, 65535)) / UDP(sport=cp, dport=sp) / \
        Raw(b"F" * r.choice([200, 600]))
    q.add("c", big, "c udp in fragments", frag=r.choice([64, 128]))
    q.add("s", IP(src=SADDR, dst=CADDR) / UDP(sport=sp, dport=cp) / Raw(b"ok"), "s udp reply")
    q.add("c", IP(src=CADDR, dst=SADDR) / UDP(sport=cp, dport=sp) / Raw(b"more"), "c udp")


def f_icmp_echo(g, q):
    r = g.r
    g.icmp_id = (g.icmp_id + 1) & 0xffff
    i = g.icmp_id
    req = IP(src=CADDR, dst=SADDR) / ICMP(type=8, id=i, seq=1) / Raw(b"ping")
    rep = IP(src=SADDR, dst=CADDR) / ICMP(type=0, id=i, seq=1) / Raw(b"ping")
    bad = IP(src=SADDR, dst=CADDR) / ICMP(type=0, id=(i + 1000) & 0xffff, seq=1) / Raw(b"ping")
    k = r.randrange(3)
    if k == 0:
        q.add("c", req, "c echo request")
        q.add("s", bad, "s echo reply, wrong id")
        q.add("s", rep, "s echo reply")
        q.add("c", req, "c echo request again")
    elif k == 1:
        q.add("s", rep, "s echo reply, nothing asked")
        q.add("c", req, "c echo request")
        q.add("c", req, "c echo request again (unreplied)")
        q.add("s", rep, "s echo reply")
    else:
        sreq = IP(src=SADDR, dst=CADDR) / ICMP(type=8, id=i, seq=3)
        q.add("s", sreq, "s echo request")
        q.add("c", IP(src=CADDR, dst=SADDR) / ICMP(type=0, id=i, seq=3), "c echo reply")
        q.add("c", IP(src=CADDR, dst=SADDR) / ICMP(type=13, id=i), "c timestamp request")


def bad_csum(pkt):
    """pkt with its transport checksum made wrong (the kernel's conntrack
    checks it at PREROUTING: INVALID, nothing tracked or advanced)."""
    p = IP(bytes(pkt))
    l4 = p.payload      # the outer transport header, not a quoted one
    l4.chksum ^= 0x5555
    return IP(bytes(p))


def f_bad_checksum(g, q):
    r = g.r
    k = r.randrange(4)
    if k == 0:          # TCP: each bad copy first, then the real one
        t = Tcp(r, q, *g.ports())
        for side, flags, data in (("c", "S", b""), ("s", "SA", b""), ("c", "A", b""),
                                  ("c", "PA", b"x" * r.choice([1, 100])), ("s", "A", b""),
                                  ("s", "R", b"")):
            p = t.pkt(side, flags, data, advance=False, what="%s %s bad checksum" % (side, flags))
            q.steps[-1] = (side, bad_csum(p), q.steps[-1][2], None)
            if flags != "R":
                t.pkt(side, flags, data)
        t.pkt("c", "PA", b"after")
    elif k == 1:        # UDP, and UDP without a checksum (0: not checked)
        cp, sp = g.ports()
        c = IP(src=CADDR, dst=SADDR) / UDP(sport=cp, dport=sp) / Raw(b"req")
        s = IP(src=SADDR, dst=CADDR) / UDP(sport=sp, dport=cp) / Raw(b"resp")
        q.add("c", bad_csum(c), "c udp bad checksum")
        q.add("c", c, "c udp")
        q.add("s", bad_csum(s), "s udp bad checksum")
        q.add("s", IP(src=SADDR, dst=CADDR) / UDP(sport=sp, dport=cp, chksum=0) / Raw(b"r0"),
              "s udp without checksum")
        q.add("c", c, "c udp again")
    elif k == 2:        # ICMP echo
        g.icmp_id = (g.icmp_id + 1) & 0xffff
        i = g.icmp_id
        req = IP(src=CADDR, dst=SADDR) / ICMP(type=8, id=i, seq=1) / Raw(b"ping")
        rep = IP(src=SADDR, dst=CADDR) / ICMP(type=0, id=i, seq=1) / Raw(b"ping")
        q.add("c", bad_csum(req), "c echo request bad checksum")
        q.add("c", req, "c echo request")
        q.add("s", bad_csum(rep), "s echo reply bad checksum")
        q.add("s", rep, "s echo reply")
    else:               # an ICMP error about a tracked flow
        cp, sp = g.ports()
        c = IP(src=CADDR, dst=SADDR) / UDP(sport=cp, dport=sp) / Raw(b"req")
        q.add("c", c, "c udp")
        e = icmp_err(SADDR, CADDR, c)
        q.add("s", bad_csum(e), "s port unreachable bad checksum")
        q.add("s", e, "s port unreachable")


def quote(p):
    """The part of p an ICMP error quotes: its IP header and 8 bytes."""
    b = bytes(p)
    return b[:20 + 8]


def icmp_err(src, dst, orig, t=3, c=3):
    return IP(src=src, dst=dst) / ICMP(type=t, code=c) / Raw(quote(orig))


def f_icmp_related(g, q):
    r = g.r
    cp, sp = g.ports()
    proto = r.choice(["udp", "tcp", "icmp"])
    if proto == "udp":
        c = IP(src=CADDR, dst=SADDR) / UDP(sport=cp, dport=sp) / Raw(b"abc")
        s = IP(src=SADDR, dst=CADDR) / UDP(sport=sp, dport=cp) / Raw(b"abc")
        q.add("c", c, "c udp")
        if r.random() < 0.5:
            q.add("s", s, "s udp reply")
    elif proto == "tcp":
        t = Tcp(r, q, cp, sp)
        t.pkt("c", "S")
        if r.random() < 0.5:
            t.pkt("s", "SA")
            t.pkt("c", "A")
        c = t.last["c"]
        s = IP(src=SADDR, dst=CADDR) / TCP(sport=sp, dport=cp, seq=t.nxt["s"], ack=t.nxt["c"],
                                           flags="A")
    else:
        g.icmp_id = (g.icmp_id + 1) & 0xffff
        c = IP(src=CADDR, dst=SADDR) / ICMP(type=8, id=g.icmp_id, seq=9)
        s = IP(src=SADDR, dst=CADDR) / ICMP(type=0, id=g.icmp_id, seq=9)
        q.add("c", c, "c echo request")
    who = r.choice([SADDR, ROUTER])
    typ = r.choice([(3, 3), (3, 1), (11, 0), (3, 4), (12, 0)])
    q.add("s", icmp_err(who, CADDR, c, *typ), "s icmp %d/%d from %s quoting c %s"
          % (typ[0], typ[1], who, proto))
    # an error from the client side quoting the reply direction
    q.add("c", icmp_err(CADDR, SADDR, s, 3, 3), "c icmp 3/3 quoting s %s" % proto)
    if proto == "udp":
        q.add("c", c, "c udp after errors")


def f_icmp_unrelated(g, q):
    r = g.r
    cp, sp = g.ports()
    k = r.randrange(4)
    if k == 0:
        o = IP(src=CADDR, dst=SADDR) / UDP(sport=cp, dport=sp)
        what = "quoting an unknown udp flow"
    elif k == 1:
        o = IP(src=CADDR, dst=SADDR) / TCP(sport=cp, dport=sp, flags="S", seq=5)
        what = "quoting an unknown tcp flow"
    elif k == 2:
        o = IP(src=CADDR, dst=SADDR) / ICMP(type=8, id=(g.icmp_id + 5000) & 0xffff)
        what = "quoting an unknown echo"
    else:
        # an error quoting an error: never related
        o = IP(src=CADDR, dst=SADDR) / ICMP(type=3, code=3) / Raw(b"\x00" * 8)
        what = "quoting an icmp error"
    q.add("s", icmp_err(SADDR, CADDR, o), "s icmp 3/3 " + what)
    q.add("s", icmp_err(ROUTER, CADDR, o, 11, 0), "s icmp 11/0 " + what)


def f_generic(g, q):
    r = g.r
    far = g.far_addr()
    proto = r.choice([47, 47, 253])
    body = b"\x00\x00\x08\x00" + b"g" * 16 if proto == 47 else b"payload"
    c = IP(src=CADDR, dst=far, proto=proto) / Raw(body)
    s = IP(src=far, dst=CADDR, proto=proto) / Raw(body)
    name = "gre" if proto == 47 else "proto %d" % proto
    if r.random() < 0.7:
        q.add("c", c, "c " + name)
        q.add("c", c, "c %s again" % name)
        q.add("s", s, "s %s reply" % name)
        q.add("c", c, "c " + name)
    else:
        q.add("s", s, "s %s first" % name)
        q.add("c", c, "c " + name)



class Sctp:
    """An SCTP association between CADDR:cp and SADDR:sp: each side's own
    verification tag, which the other side puts in what it sends."""

    def __init__(self, r, seq, cp, sp):
        self.r, self.q = r, seq
        self.addr = {"c": (CADDR, SADDR, cp, sp), "s": (SADDR, CADDR, sp, cp)}
        self.tag = {"c": r.randrange(1, M32), "s": r.randrange(1, M32)}
        self.tsn = {"c": r.randrange(M32), "s": r.randrange(M32)}

    def pkt(self, side, chunks, what, tag=None, bad_crc=False):
        other = "s" if side == "c" else "c"
        src, dst, sp, dp = self.addr[side]
        vt = self.tag[other] if tag is None else tag
        p = IP(src=src, dst=dst) / SCTP(sport=sp, dport=dp, tag=vt)
        if chunks is not None:
            p = p / chunks
        if bad_crc:
            p = IP(bytes(p))
            p[SCTP].chksum ^= 0x5555
            p = IP(bytes(p))
        self.q.add(side, p, "%s %s" % (side, what))
        return p

    def init(self, side, tag=0, what="INIT"):
        return self.pkt(side, SCTPChunkInit(init_tag=self.tag[side], a_rwnd=65535,
                                            n_out_streams=2, n_in_streams=2,
                                            init_tsn=self.tsn[side]), what, tag=tag)

    def init_ack(self, side, what="INIT_ACK"):
        return self.pkt(side, SCTPChunkInitAck(init_tag=self.tag[side], a_rwnd=65535,
                                               n_out_streams=2, n_in_streams=2,
                                               init_tsn=self.tsn[side]), what)

    def data(self, side, n=20, what=None):
        self.tsn[side] = (self.tsn[side] + 1) % M32
        return self.pkt(side, SCTPChunkData(tsn=self.tsn[side], beginning=1, ending=1,
                                            data=b"d" * n), what or "DATA")

    def sack(self, side):
        other = "s" if side == "c" else "c"
        return self.pkt(side, SCTPChunkSACK(cumul_tsn_ack=self.tsn[other], a_rwnd=65535),
                        "SACK")

    def handshake(self, first="c", bundle=False):
        second = "s" if first == "c" else "c"
        self.init(first)
        self.init_ack(second)
        ce = SCTPChunkCookieEcho(cookie=b"cookie-" + bytes([self.r.randrange(256)]) * 8)
        if bundle:
            self.tsn[first] = (self.tsn[first] + 1) % M32
            ce = ce / SCTPChunkData(tsn=self.tsn[first], beginning=1, ending=1, data=b"early")
        self.pkt(first, ce, "COOKIE_ECHO" + (" + DATA" if bundle else ""))
        self.pkt(second, SCTPChunkCookieAck(), "COOKIE_ACK")

    def shutdown(self, first):
        second = "s" if first == "c" else "c"
        self.pkt(first, SCTPChunkShutdown(cumul_tsn_ack=self.tsn[second]), "SHUTDOWN")
        self.pkt(second, SCTPChunkShutdownAck(), "SHUTDOWN_ACK")
        self.pkt(first, SCTPChunkShutdownComplete(), "SHUTDOWN_COMPLETE")


def f_sctp_assoc(g, q):
    """An association from setup to shutdown."""
    r = g.r
    a = Sctp(r, q, *g.ports())
    first = "c" if r.random() < 0.8 else "s"
    a.handshake(first, bundle=r.random() < 0.3)
    for _ in range(r.randint(1, 3)):
        x = r.choice("cs")
        a.data(x)
        a.sack("s" if x == "c" else "c")
    if r.random() < 0.3:
        x = r.choice("cs")
        a.pkt(x, SCTPChunkHeartbeatReq(), "HEARTBEAT")
        a.pkt("s" if x == "c" else "c", SCTPChunkHeartbeatAck(), "HEARTBEAT_ACK")
    a.shutdown(r.choice("cs"))
    if r.random() < 0.5:
        a.data(r.choice("cs"), what="DATA after the shutdown")


def f_sctp_abort(g, q):
    """An association aborted, with the T flag and the tags right or wrong."""
    r = g.r
    a = Sctp(r, q, *g.ports())
    k = r.randrange(4)
    if k == 0:
        a.init("c")
        a.pkt("s", SCTPChunkAbort(TCB=1), "ABORT (T) answering the INIT", tag=a.tag["c"])
    else:
        a.handshake()
        a.data("c")
        side = r.choice("cs")
        other = "s" if side == "c" else "c"
        if k == 1:
            a.pkt(side, SCTPChunkAbort(), "ABORT")
        elif k == 2:
            a.pkt(side, SCTPChunkAbort(TCB=1), "ABORT (T) with its own tag",
                  tag=a.tag[side])
        else:
            a.pkt(side, SCTPChunkAbort(), "ABORT with a wrong tag", tag=a.tag[other] ^ 1)
    a.data(r.choice("cs"), what="DATA after the ABORT")
    a.init("c", what="INIT again")


def f_sctp_bad(g, q):
    """Packets the kernel finds INVALID, each before or inside an association."""
    r = g.r
    a = Sctp(r, q, *g.ports())
    k = r.randrange(10)
    if k == 0:
        a.init("c", tag=r.randrange(1, M32), what="INIT with a tag")
    elif k == 1:
        a.data("c", what="DATA with no association")
    elif k == 2:
        a.pkt("c", SCTPChunkInit(init_tag=a.tag["c"], init_tsn=1) / SCTPChunkData(data=b"x"),
              "INIT bundled with DATA", tag=0)
    elif k == 3:
        a.pkt("s", SCTPChunkCookieAck(), "COOKIE_ACK with no association")
    elif k == 4:
        a.pkt("c", SCTPChunkInit(init_tag=a.tag["c"], init_tsn=1), "INIT, bad CRC", tag=0,
              bad_crc=True)
    elif k == 5:
        a.pkt("c", Raw(b"\x01\x00\x00\x00"), "a chunk of length 0", tag=0)
    elif k == 6:
        a.pkt("c", None, "no chunk at all", tag=0)
    elif k == 7:
        a.init("c")
        a.init("c", what="INIT again (retransmit)")
    elif k == 8:
        a.init("c")
        a.init_ack("s")
        a.pkt("c", SCTPChunkData(data=b"x") / SCTPChunkCookieEcho(cookie=b"c"),
              "COOKIE_ECHO after DATA")
    else:
        a.pkt("c", SCTPChunkShutdownAck(), "SHUTDOWN_ACK out of the blue")
        a.pkt("s", SCTPChunkShutdownComplete(TCB=1), "SHUTDOWN_COMPLETE (T)",
              tag=a.tag["s"])
    if k not in (7, 8):
        a.handshake()
    if r.random() < 0.5:
        a.pkt("c", SCTPChunkData(tsn=9, data=b"w"), "DATA with a wrong tag",
              tag=a.tag["s"] ^ 7)
    a.data("s")


def f_sctp_heartbeat(g, q):
    """A HEARTBEAT with no association (a path of a multi-homed one)."""
    r = g.r
    a = Sctp(r, q, *g.ports())
    x = r.choice("cs")
    y = "s" if x == "c" else "c"
    a.pkt(x, SCTPChunkHeartbeatReq(), "HEARTBEAT, no association")
    if r.random() < 0.7:
        a.pkt(y, SCTPChunkHeartbeatAck(), "HEARTBEAT_ACK")
    a.data(r.choice("cs"))
    a.pkt(x, SCTPChunkHeartbeatReq(), "HEARTBEAT, another tag", tag=a.tag[y] ^ 3)
    a.pkt(y, SCTPChunkHeartbeatAck(), "HEARTBEAT_ACK, another tag", tag=a.tag[x] ^ 5)
    a.data(x)


FAMILIES = [
    (f_close_client, 4), (f_close_server, 4), (f_fin_both, 2), (f_rst, 5),
    (f_rst_synsent, 2), (f_retrans, 3), (f_out_of_window, 5), (f_stray, 5),
    (f_bad_flags, 2), (f_time_wait_reopen, 3), (f_simultaneous, 2), (f_wscale, 3),
    (f_synack_first, 1), (f_udp, 4), (f_udp_untracked, 1), (f_udp_frag, 2),
    (f_icmp_echo, 3), (f_icmp_related, 5), (f_icmp_unrelated, 3), (f_generic, 3),
    (f_bad_checksum, 6), (f_sctp_assoc, 5), (f_sctp_abort, 4), (f_sctp_bad, 8),
    (f_sctp_heartbeat, 3),
]


def gen_sequences(r, port_base):
    g = Gen(r, port_base)
    seqs = []
    for fam, n in FAMILIES:
        if not fam.__name__[2:].startswith(ONLY):
            continue
        for _ in range(n):
            q = Seq(fam.__name__[2:])
            fam(g, q)
            seqs.append(q)
    r.shuffle(seqs)
    return seqs


# ---- the run ---------------------------------------------------------------

def frames(side, pkt, frag):
    src, dst = (CMAC, F0MAC) if side == "c" else (SMAC, F1MAC)
    p = IP(bytes(pkt))
    parts = fragment(p, fragsize=frag) if frag else [p]
    return [bytes(Ether(src=src, dst=dst) / f) for f in parts]


def main():
    phase_no = {"loose1": 0, "loose0": 1}.get(PHASE, 2)
    r = random.Random("%d/%s" % (SEED, PHASE))
    seqs = gen_sequences(r, 20000 + phase_no * 10000)
    socks = {"c": (l2sock(C1, "qtc0"), l2sock(C2, "qtc0")),
             "s": (l2sock(S1, "qts0"), l2sock(S2, "qts0"))}
    passed = failed = 0
    t0 = time.time()
    prev = counters()
    for qi, q in enumerate(seqs):
        for pi, (side, pkt, what, frag) in enumerate(q.steps):
            fr = frames(side, pkt, frag)
            for f in fr:
                socks[side][0].send(f)
                socks[side][1].send(f)
            # both datapaths count the packet at ACCEPT (the kernel maybe
            # drops one: then we wait our time for qtables)
            deadline = time.time() + 1.0
            while True:
                cur = counters()
                a = [moved(p, c) for p, c in zip(prev, cur)]
                if (a[0][1] >= 1 and a[1][1] >= 1) or time.time() > deadline:
                    break
                if a[0][1] >= 1 and a[1][1] == 0:
                    time.sleep(0.005)
            # settle: nothing more should come
            if a[0] != a[1]:
                time.sleep(0.05)
                cur = counters()
                a = [moved(p, c) for p, c in zip(prev, cur)]
            prev = cur
            if a[0] == a[1]:
                passed += 1
                if VERBOSE:
                    print("ok   %s seq %d (%s) pkt %d: %s -> %s"
                          % (PHASE, qi, q.name, pi, what, a[0][0]))
            else:
                failed += 1
                print("FAIL %s seq %d (%s) pkt %d: %s: kernel %s%s, qtables %s%s"
                      % (PHASE, qi, q.name, pi, what,
                         a[0][0], "" if a[0][1] == 1 else " (accepted %d)" % a[0][1],
                         a[1][0], "" if a[1][1] == 1 else " (accepted %d)" % a[1][1]))
                if VERBOSE:
                    print("     %s" % pkt.summary())
    npk = sum(len(q.steps) for q in seqs)
    sys.stderr.write("ctpackets: %s: seed %d, %d sequences, %d packets, %.1fs\n"
                     % (PHASE, SEED, len(seqs), npk, time.time() - t0))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--rules"]:
        sys.stdout.write(RULES)
        sys.exit(0)
    sys.exit(main())
