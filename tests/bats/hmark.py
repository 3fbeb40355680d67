#!/usr/bin/env python3
"""Packets and counting rules for hmark.bats: crafted flows from many
(spoofed) sources to the firewall, each of a length of its own, so that
rules matching one length and one bit of the mark (or one cluster node)
read every packet's mark off their counters.

  hmark.py send IFACE DSTMAC 4|6         the packets, as frames on IFACE
  hmark.py bits 4|6 NBITS                per packet: a rule counting it
        and one per mark bit below NBITS (-m length -m mark)
  hmark.py cluster 4|6 TOTAL SEED [!]    per packet: a rule counting it
        and one per node 1..TOTAL, -m length -m cluster
        --cluster-local-node (with '!' inverted)
With HM_CT=1 in the environment: the packets for connection tracking.

The packets: TCP, UDP, UDP-Lite, DCCP, SCTP, ESP, AH, GRE, ICMP echo,
ICMP errors quoting TCP, UDP, ESP, an echo and a fragment, a timestamp
request, fragments, IP options (in the packet and in a quoted header);
IPv6 the same with ICMPv6, a hop-by-hop and a destination options
header, AH before TCP, a first and a later fragment, an error quoting a
packet behind AH; last, in each family, an error about the firewall's
answer to the first UDP datagram (RELATED to its connection).
"""
import os
import random
import socket
import sys

V4_FW, V6_FW = "10.0.1.1", "fd00:1::1"
# HM_CT=1: for rules that read the connection, without the UDP-Lite
# and DCCP packets, which this kernel's conntrack and qtablesd's track
# apart (a UDP-Lite checksum of 0 is INVALID to the kernel only; the
# kernel has no DCCP tracker, so its tuple has no ports)
CT = os.environ.get("HM_CT") == "1"
BASE = {4: 300, 6: 400}


def packets(fam):
    from scapy.all import (AH, ESP, GRE, ICMP, IP, SCTP, TCP, UDP, IPv6,
                           ICMPv6DestUnreach, ICMPv6EchoRequest,
                           IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                           IPv6ExtHdrHopByHop, Raw)
    r = random.Random(20251208 + fam)
    out = []

    def a4():
        return "10.%d.%d.%d" % (r.randrange(256), r.randrange(256),
                                r.randrange(1, 255))

    def a6():
        # the first word varies too: cluster hashes only that one
        return "fd%02x:%x::%x:%x" % (r.randrange(256), r.randrange(65536),
                                     r.randrange(65536), r.randrange(1, 65536))

    def port():
        return r.choice([r.randrange(1, 65536), r.randrange(1, 1024),
                         80, 443, 53, 65535])

    if fam == 4:
        def ip(**kw):
            kw.setdefault("src", a4())
            return IP(dst=V4_FW, **kw)
        for _ in range(10):
            out.append(ip() / TCP(sport=port(), dport=port(), flags="S"))
        for _ in range(10):
            out.append(ip() / UDP(sport=port(), dport=port()))
        first_udp = out[-10]
        if not CT:
            out.append(ip(proto=136) / Raw(bytes.fromhex("30391f90000c0000")))
            out.append(ip(proto=33) / Raw(bytes.fromhex("04d2162e0500000000000000")))
        out.append(ip() / SCTP(sport=port(), dport=port()))
        for _ in range(3):
            out.append(ip() / ESP(spi=r.randrange(1 << 32), seq=1))
        for _ in range(2):
            out.append(ip() / AH(spi=r.randrange(1 << 32), seq=1, nh=6) /
                       TCP(sport=port(), dport=port()))
        out.append(ip() / GRE() / Raw(b"x" * 8))
        for _ in range(3):
            out.append(ip() / ICMP(type=8, id=r.randrange(65536)))
        out.append(ip() / ICMP(type=13))
        out.append(ip() / ICMP(type=3, code=3) /
                   IP(src=V4_FW, dst=a4()) / UDP(sport=port(), dport=port()))
        out.append(ip() / ICMP(type=11) /
                   IP(src=a4(), dst=a4()) / TCP(sport=port(), dport=port()))
        out.append(ip() / ICMP(type=12) /
                   IP(src=a4(), dst=a4()) / ESP(spi=r.randrange(1 << 32)))
        out.append(ip() / ICMP(type=5) /
                   IP(src=a4(), dst=a4()) / UDP(sport=port(), dport=port()))
        out.append(ip() / ICMP(type=4) /
                   IP(src=a4(), dst=a4()) / ICMP(type=8, id=77))
        out.append(ip() / ICMP(type=3, code=1) /
                   IP(src=a4(), dst=a4(), flags="MF") / UDP(sport=port(), dport=port()))
        # an error quoting a header of 12 bytes (the padding after it
        # reads as the rest: addresses 0)
        out.append(ip() / ICMP(type=3, code=0) / Raw(bytes(IP(src=a4(), dst=a4()))[:12]))
        out.append(ip(flags="MF", id=4321) / UDP(sport=port(), dport=port()))
        out.append(ip(frag=100, id=4322, proto=17) / Raw(b"y" * 16))
        # IP options: the ports past them, in the packet and in an
        # error's quoted header
        from scapy.all import IPOption_Router_Alert
        out.append(ip(options=[IPOption_Router_Alert()]) /
                   UDP(sport=port(), dport=port()))
        out.append(ip() / ICMP(type=11) /
                   IP(src=a4(), dst=a4(), options=[IPOption_Router_Alert()]) /
                   TCP(sport=port(), dport=port()))
        # an error about the firewall's answer to the first datagram:
        # RELATED to its connection
        u = first_udp
        out.append(ip() / ICMP(type=3, code=3) /
                   IP(src=V4_FW, dst=u[IP].src) /
                   UDP(sport=u[UDP].dport, dport=u[UDP].sport))
        return out

    def ip6(**kw):
        kw.setdefault("src", a6())
        return IPv6(dst=V6_FW, **kw)
    for _ in range(10):
        out.append(ip6() / TCP(sport=port(), dport=port(), flags="S"))
    for _ in range(10):
        out.append(ip6() / UDP(sport=port(), dport=port()))
    first_udp = out[-10]
    out.append(ip6() / SCTP(sport=port(), dport=port()))
    for _ in range(2):
        out.append(ip6() / ESP(spi=r.randrange(1 << 32), seq=1))
    for _ in range(2):
        out.append(ip6() / AH(spi=r.randrange(1 << 32), seq=1, nh=6) /
                   TCP(sport=port(), dport=port()))
    out.append(ip6() / IPv6ExtHdrHopByHop() / UDP(sport=port(), dport=port()))
    out.append(ip6() / IPv6ExtHdrDestOpt() / TCP(sport=port(), dport=port()))
    for _ in range(3):
        out.append(ip6() / ICMPv6EchoRequest(id=r.randrange(65536)))
    out.append(ip6() / ICMPv6DestUnreach(code=4) /
               IPv6(src=V6_FW, dst=a6()) / UDP(sport=port(), dport=port()))
    out.append(ip6() / ICMPv6DestUnreach(code=1) /
               IPv6(src=a6(), dst=a6()) / TCP(sport=port(), dport=port()))
    out.append(ip6() / ICMPv6DestUnreach(code=1) /
               IPv6(src=a6(), dst=a6()) / AH(spi=0x1234567, nh=17) /
               UDP(sport=port(), dport=port()))
    out.append(ip6() / ICMPv6DestUnreach(code=1) / Raw(b"\x60" + b"\0" * 20))
    out.append(ip6() / IPv6ExtHdrFragment(id=99, m=1, offset=0) /
               UDP(sport=port(), dport=port()))
    out.append(ip6() / IPv6ExtHdrFragment(id=98, m=0, offset=20, nh=17) /
               Raw(b"z" * 16))
    out.append(ip6(nh=59) / Raw(b"n" * 8))
    u = first_udp
    out.append(ip6() / ICMPv6DestUnreach(code=4) /
               IPv6(src=V6_FW, dst=u[IPv6].src) /
               UDP(sport=u[UDP].dport, dport=u[UDP].sport))
    return out


def padded(fam):
    """Each packet padded to a length of its own (BASE + index): the
    padding is the innermost payload, lengths and checksums built over
    it."""
    from scapy.all import Raw
    res = []
    for i, p in enumerate(packets(fam)):
        want = BASE[fam] + i
        n = len(bytes(p))
        assert n <= want, (i, n)
        b = bytes(p / Raw(b"\0" * (want - n))) if want > n else bytes(p)
        assert len(b) == want, (i, len(b))
        res.append(b)
    return res


def send(iface, dstmac, fam):
    src = open("/sys/class/net/%s/address" % iface).read().strip()
    mac = lambda m: bytes.fromhex(m.replace(":", ""))
    eth = mac(dstmac) + mac(src) + (b"\x08\x00" if fam == 4 else b"\x86\xdd")
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for b in padded(fam):
        s.send(eth + b)


def main():
    cmd, fam = sys.argv[1], int(sys.argv[2] if sys.argv[1] != "send" else sys.argv[4])
    if cmd == "send":
        send(sys.argv[2], sys.argv[3], fam)
        return
    n = len(packets(fam))
    for i in range(n):
        ln = BASE[fam] + i
        if cmd == "bits":
            print("-A PREROUTING -m length --length %d" % ln)
            for b in range(int(sys.argv[3])):
                print("-A PREROUTING -m length --length %d -m mark --mark 0x%x/0x%x"
                      % (ln, 1 << b, 1 << b))
        elif cmd == "cluster":
            total, seed = int(sys.argv[3]), sys.argv[4]
            inv = "! " if len(sys.argv) > 5 else ""
            print("-A PREROUTING -m length --length %d" % ln)
            for k in range(1, total + 1):
                print("-A PREROUTING -m length --length %d -m cluster "
                      "--cluster-total-nodes %d %s--cluster-local-node %d "
                      "--cluster-hash-seed %s" % (ln, total, inv, k, seed))


if __name__ == "__main__":
    main()
