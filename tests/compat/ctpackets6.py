#!/usr/bin/env python3
"""Differential test of IPv6 connection tracking: per-packet state,
kernel vs qtables.

Run by run-ctdiff6.sh, which builds two twin topologies
    c1 -- fw1 -- s1   (fw1: the kernel's conntrack through ip6tables-nft)
    c2 -- fw2 -- s2   (fw2: qtablesd)
with the same IPv6 addresses and MAC addresses; the end namespaces drop
everything they receive and send nothing. Both firewalls count in
FORWARD:
    -m conntrack --ctstate NEW | ESTABLISHED | RELATED | INVALID | UNTRACKED
(one rule each, no target) and then ACCEPT; raw PREROUTING makes udp
port 7 untracked.

Scripted sequences (from a fixed seed): TCP conversations (handshake,
data, close, reset, a SYN-ACK first, a stray ACK), SCTP associations
(the four-way handshake, data, shutdown or abort, a wrong verification
tag, a chunk before INIT), UDP (replies, an
untracked port, a fragmented datagram), ICMPv6 (echo request and reply,
a reply alone, errors quoting a tracked connection and quoting nothing,
neighbour solicitations and MLD reports, which are never tracked, an
unknown informational type). Each packet leaves the client or the
server as a raw frame through both firewalls at once; after it we
compare which state counter moved. Ends with "N passed, N failed".

Usage: ctpackets6.py SEED FW1 FW2 C1 C2 S1 S2 QT_BUILD
       ctpackets6.py --rules     (prints the ruleset, for ip6tables-restore)
Environment: QT_CTDIFF_VERBOSE=1 prints every packet.
"""
import os
import random
import sys
import time

from scapy.all import (Ether, IPv6, TCP, UDP, Raw, IPv6ExtHdrFragment, fragment6,
                       ICMPv6EchoRequest, ICMPv6EchoReply, ICMPv6DestUnreach,
                       ICMPv6ND_NS, ICMPv6MLReport, ICMPv6Unknown, conf,
                       SCTP, SCTPChunkInit, SCTPChunkInitAck, SCTPChunkParamStateCookie,
                       SCTPChunkCookieEcho, SCTPChunkCookieAck, SCTPChunkData,
                       SCTPChunkSACK, SCTPChunkShutdown, SCTPChunkShutdownAck,
                       SCTPChunkShutdownComplete, SCTPChunkAbort)
import pdiff
from pdiff import CMAC, F0MAC, SMAC, F1MAC, l2sock, Seq

conf.verb = 0

RULES = pdiff.CT_RULES

if sys.argv[1:] == ["--rules"]:
    sys.stdout.write(RULES)
    sys.exit(0)

(SEED, FW1, FW2, C1, C2, S1, S2, QT_BUILD) = sys.argv[1:9]
SEED = int(SEED)
VERBOSE = os.environ.get("QT_CTDIFF_VERBOSE") == "1"

CADDR, SADDR = "fd00:1::2", "fd00:2::2"
ROUTER = "fd00:2::77"
KIPT = "/usr/sbin/ip6tables-nft"
QIPT = QT_BUILD + "/ip6tables"
M32 = 1 << 32


moved = pdiff.ct_moved


def counters():
    return pdiff.ct_counters(((FW1, KIPT), (FW2, QIPT)))


class Tcp:
    def __init__(self, r, q, cp, sp):
        self.q = q
        self.addr = {"c": (CADDR, SADDR, cp, sp), "s": (SADDR, CADDR, sp, cp)}
        self.nxt = {"c": r.randrange(M32), "s": r.randrange(M32)}

    def pkt(self, side, flags, data=b"", ack=None):
        other = "s" if side == "c" else "c"
        src, dst, sp, dp = self.addr[side]
        s = self.nxt[side]
        a = (self.nxt[other] if ack is None else ack % M32) if "A" in flags else 0
        p = IPv6(src=src, dst=dst, hlim=64) / TCP(sport=sp, dport=dp, flags=flags,
                                                  seq=s, ack=a, window=29200)
        if data:
            p = p / Raw(data)
        self.nxt[side] = (s + len(data) + ("S" in flags) + ("F" in flags)) % M32
        self.q.add(side, p, "%s tcp %s%s" % (side, flags, " +%d" % len(data) if data else ""))
        return p

    def handshake(self):
        self.pkt("c", "S")
        self.pkt("s", "SA")
        self.pkt("c", "A")


class Gen:
    def __init__(self, r):
        self.r = r
        self.port = 30000
        self.ident = 100

    def ports(self):
        self.port += 1
        return self.port, self.r.choice([22, 80, 443, 8080])


def f_tcp_close(g, q):
    t = Tcp(g.r, q, *g.ports())
    t.handshake()
    for _ in range(g.r.randint(1, 3)):
        x = g.r.choice("cs")
        t.pkt(x, "PA", b"x" * g.r.choice([1, 100, 500]))
        t.pkt("s" if x == "c" else "c", "A")
    first = g.r.choice("cs")
    second = "s" if first == "c" else "c"
    t.pkt(first, "FA")
    t.pkt(second, "FA")
    t.pkt(first, "A")


def f_tcp_rst(g, q):
    t = Tcp(g.r, q, *g.ports())
    t.handshake()
    t.pkt("c", "PA", b"hello")
    t.pkt(g.r.choice("cs"), "RA")
    t.pkt("c", "PA", b"after")


def f_tcp_synack_first(g, q):
    t = Tcp(g.r, q, *g.ports())
    t.pkt("s", "SA")


def f_tcp_stray_ack(g, q):
    t = Tcp(g.r, q, *g.ports())
    t.pkt("c", "A")
    t.pkt("s", "A")


class Sctp:
    """One association: each side's verification tag is the other's
    INIT tag (RFC 9260), INIT's own is 0."""

    def __init__(self, r, q, cp, sp):
        self.q = q
        self.addr = {"c": (CADDR, SADDR, cp, sp), "s": (SADDR, CADDR, sp, cp)}
        self.itag = {"c": r.randrange(1, M32), "s": r.randrange(1, M32)}
        self.tsn = {"c": r.randrange(M32), "s": r.randrange(M32)}

    def pkt(self, side, chunk, what, tag=None):
        other = "s" if side == "c" else "c"
        src, dst, sp, dp = self.addr[side]
        vt = self.itag[other] if tag is None else tag
        p = IPv6(src=src, dst=dst, hlim=64) / SCTP(sport=sp, dport=dp, tag=vt) / chunk
        self.q.add(side, p, "%s sctp %s" % (side, what))

    def handshake(self):
        self.pkt("c", SCTPChunkInit(init_tag=self.itag["c"], a_rwnd=65535, n_out_streams=1,
                                    n_in_streams=1, init_tsn=self.tsn["c"]), "INIT", tag=0)
        self.pkt("s", SCTPChunkInitAck(init_tag=self.itag["s"], a_rwnd=65535, n_out_streams=1,
                                       n_in_streams=1, init_tsn=self.tsn["s"],
                                       params=[SCTPChunkParamStateCookie(cookie=b"qtcookie")]),
                 "INIT-ACK")
        self.pkt("c", SCTPChunkCookieEcho(cookie=b"qtcookie"), "COOKIE-ECHO")
        self.pkt("s", SCTPChunkCookieAck(), "COOKIE-ACK")

    def data(self, side):
        other = "s" if side == "c" else "c"
        self.pkt(side, SCTPChunkData(tsn=self.tsn[side], data=b"d" * 20), "DATA")
        self.pkt(other, SCTPChunkSACK(cumul_tsn_ack=self.tsn[side], a_rwnd=65535), "SACK")
        self.tsn[side] = (self.tsn[side] + 1) % M32


def f_sctp_close(g, q):
    a = Sctp(g.r, q, *g.ports())
    a.handshake()
    for _ in range(g.r.randint(1, 2)):
        a.data(g.r.choice("cs"))
    first = g.r.choice("cs")
    second = "s" if first == "c" else "c"
    a.pkt(first, SCTPChunkShutdown(), "SHUTDOWN")
    a.pkt(second, SCTPChunkShutdownAck(), "SHUTDOWN-ACK")
    a.pkt(first, SCTPChunkShutdownComplete(), "SHUTDOWN-COMPLETE")


def f_sctp_abort(g, q):
    a = Sctp(g.r, q, *g.ports())
    a.handshake()
    a.data("c")
    a.pkt(g.r.choice("cs"), SCTPChunkAbort(), "ABORT")
    a.pkt("c", SCTPChunkData(tsn=a.tsn["c"], data=b"late"), "DATA after ABORT")


def f_sctp_bad_tag(g, q):
    a = Sctp(g.r, q, *g.ports())
    a.handshake()
    a.pkt("c", SCTPChunkData(tsn=a.tsn["c"], data=b"x"), "DATA with a wrong tag",
          tag=a.itag["s"] ^ 0x5a5a)
    a.data("c")


def f_sctp_no_init(g, q):
    a = Sctp(g.r, q, *g.ports())
    a.pkt("c", SCTPChunkData(tsn=1, data=b"x"), "DATA with no association")


def udp(src, dst, sp, dp, data=b"u"):
    return IPv6(src=src, dst=dst, hlim=64) / UDP(sport=sp, dport=dp) / Raw(data)


def f_udp(g, q):
    cp, sp = g.ports()
    q.add("c", udp(CADDR, SADDR, cp, 53), "c udp")
    q.add("s", udp(SADDR, CADDR, 53, cp), "s udp reply")
    q.add("c", udp(CADDR, SADDR, cp, 53), "c udp again")


def f_udp_untracked(g, q):
    cp, _ = g.ports()
    q.add("c", udp(CADDR, SADDR, cp, 7), "c udp to port 7 (notrack)")


def f_udp_frag(g, q):
    cp, _ = g.ports()
    p = IPv6(src=CADDR, dst=SADDR, hlim=64) / IPv6ExtHdrFragment(id=g.port) / \
        UDP(sport=cp, dport=5353) / Raw(b"f" * 1200)
    q.add("c", p, "c udp in fragments", frag=600)
    q.add("s", udp(SADDR, CADDR, 5353, cp), "s udp reply to the fragmented one")


def f_echo(g, q):
    g.ident += 1
    q.add("c", IPv6(src=CADDR, dst=SADDR) / ICMPv6EchoRequest(id=g.ident, seq=1),
          "c echo request")
    q.add("s", IPv6(src=SADDR, dst=CADDR) / ICMPv6EchoReply(id=g.ident, seq=1),
          "s echo reply")
    q.add("c", IPv6(src=CADDR, dst=SADDR) / ICMPv6EchoRequest(id=g.ident, seq=2),
          "c echo request again")


def f_echo_reply_alone(g, q):
    g.ident += 1
    q.add("s", IPv6(src=SADDR, dst=CADDR) / ICMPv6EchoReply(id=g.ident, seq=1),
          "s echo reply with no request")


def f_related(g, q):
    cp, _ = g.ports()
    orig = udp(CADDR, SADDR, cp, 9999, b"q")
    q.add("c", orig, "c udp")
    err = IPv6(src=ROUTER, dst=CADDR) / ICMPv6DestUnreach(code=4) / orig
    q.add("s", err, "s port unreachable quoting it")


def f_unrelated(g, q):
    cp, _ = g.ports()
    orig = udp(CADDR, SADDR, cp + 5000, 9998, b"q")
    err = IPv6(src=ROUTER, dst=CADDR) / ICMPv6DestUnreach(code=4) / orig
    q.add("s", err, "s port unreachable quoting nothing tracked")


def f_ndp_mld(g, q):
    q.add("c", IPv6(src=CADDR, dst=SADDR, hlim=255) / ICMPv6ND_NS(tgt=SADDR),
          "c neighbour solicitation")
    q.add("s", IPv6(src=SADDR, dst=CADDR, hlim=64) / ICMPv6MLReport(mladdr="ff02::1:ff00:2"),
          "s MLD report")


def f_unknown_type(g, q):
    q.add("c", IPv6(src=CADDR, dst=SADDR) / ICMPv6Unknown(type=200, code=0, msgbody=b"abcd"),
          "c ICMPv6 type 200")


FAMILIES = [(f_tcp_close, 8), (f_tcp_rst, 4), (f_tcp_synack_first, 2),
            (f_tcp_stray_ack, 2), (f_udp, 4), (f_udp_untracked, 2), (f_udp_frag, 2),
            (f_echo, 4), (f_echo_reply_alone, 2), (f_related, 3), (f_unrelated, 2),
            (f_ndp_mld, 2), (f_unknown_type, 1), (f_sctp_close, 3), (f_sctp_abort, 2),
            (f_sctp_bad_tag, 2), (f_sctp_no_init, 1)]


def frames(side, pkt, frag):
    src, dst = (CMAC, F0MAC) if side == "c" else (SMAC, F1MAC)
    p = IPv6(bytes(pkt))
    parts = fragment6(p, frag) if frag else [p]
    return [bytes(Ether(src=src, dst=dst) / f) for f in parts]


def main():
    r = random.Random(SEED)
    g = Gen(r)
    seqs = []
    for fam, n in FAMILIES:
        for _ in range(n):
            q = Seq(fam.__name__[2:])
            fam(g, q)
            seqs.append(q)
    r.shuffle(seqs)
    socks = {"c": (l2sock(C1, "qtc0"), l2sock(C2, "qtc0")),
             "s": (l2sock(S1, "qts0"), l2sock(S2, "qts0"))}
    passed = failed = 0
    t0 = time.time()
    prev = counters()
    for qi, q in enumerate(seqs):
        for pi, (side, pkt, what, frag) in enumerate(q.steps):
            for f in frames(side, pkt, frag):
                socks[side][0].send(f)
                socks[side][1].send(f)
            deadline = time.time() + 1.0
            while True:
                cur = counters()
                a = [moved(p, c) for p, c in zip(prev, cur)]
                if (a[0][1] >= 1 and a[1][1] >= 1) or time.time() > deadline:
                    break
                time.sleep(0.005)
            if a[0] != a[1]:
                time.sleep(0.05)
                cur = counters()
                a = [moved(p, c) for p, c in zip(prev, cur)]
            prev = cur
            if a[0] == a[1]:
                passed += 1
                if VERBOSE:
                    print("ok   seq %d (%s) pkt %d: %s -> %s" % (qi, q.name, pi, what, a[0][0]))
            else:
                failed += 1
                print("FAIL seq %d (%s) pkt %d: %s: kernel %s%s, qtables %s%s"
                      % (qi, q.name, pi, what,
                         a[0][0], "" if a[0][1] == 1 else " (accepted %d)" % a[0][1],
                         a[1][0], "" if a[1][1] == 1 else " (accepted %d)" % a[1][1]))
    npk = sum(len(q.steps) for q in seqs)
    sys.stderr.write("ctpackets6: seed %d, %d sequences, %d packets, %.1fs\n"
                     % (SEED, len(seqs), npk, time.time() - t0))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
