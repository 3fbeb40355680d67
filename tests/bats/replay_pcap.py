#!/usr/bin/env python3
"""Write the small pcap files tests/bats/replay.bats replays.

    replay_pcap.py CASE OUT

CASE: fw (Ethernet, the packets of the firewall case), raw (linktype
101), sll (linktype 113), swapped (big-endian, nanosecond timestamps),
limit (packets at chosen times), trunc (last record cut short), absurd
(a record claiming 4 GiB), pcapng (the other format's magic), sll2
(linktype 276, tcpdump -i any's: IPv4 and IPv6), ip6raw (linktype 229).
Only the standard library (struct): no scapy needed.
"""
import struct
import sys

MAC_SRC = bytes.fromhex("020000000102")
MAC_DST = bytes.fromhex("020000000201")


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def addr(a):
    return bytes(int(x) for x in a.split("."))


def ipv4(src, dst, proto, l4, ident=1, frag=0, mf=False, ttl=64):
    fo = (0x2000 if mf else 0) | frag
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), ident, fo,
                    ttl, proto, 0, addr(src), addr(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + l4


def l4sum(src, dst, proto, seg):
    return csum(addr(src) + addr(dst) + struct.pack("!BBH", 0, proto,
                                                    len(seg)) + seg)


def tcp(src, dst, sport, dport, flags=0x02, payload=b"", **kw):
    seg = struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, 5 << 4, flags,
                      65535, 0, 0) + payload
    c = l4sum(src, dst, 6, seg)
    seg = seg[:16] + struct.pack("!H", c) + seg[18:]
    return ipv4(src, dst, 6, seg, **kw)


def tcps(src, dst, sport, dport, flags, seq, ack, payload=b"", **kw):
    """A TCP segment with chosen sequence and acknowledgement numbers."""
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                      65535, 0, 0) + payload
    c = l4sum(src, dst, 6, seg)
    seg = seg[:16] + struct.pack("!H", c) + seg[18:]
    return ipv4(src, dst, 6, seg, **kw)


def udp(src, dst, sport, dport, payload=b"x" * 4, **kw):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = l4sum(src, dst, 17, seg) or 0xFFFF
    seg = seg[:6] + struct.pack("!H", c) + seg[8:]
    return ipv4(src, dst, 17, seg, **kw)


def icmp(src, dst, typ, code=0, **kw):
    m = struct.pack("!BBHHH", typ, code, 0, 7, 1) + b"ping"
    m = m[:2] + struct.pack("!H", csum(m)) + m[4:]
    return ipv4(src, dst, 1, m, **kw)


def eth(ip, vlan=None, etype=0x0800):
    tag = struct.pack("!HH", 0x8100, vlan) if vlan is not None else b""
    return MAC_DST + MAC_SRC + tag + struct.pack("!H", etype) + ip


def udp6(src, dst, sport, dport, payload=b"x" * 4, hlim=64):
    s, d = (bytes.fromhex(a) for a in (src, dst))
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = csum(s + d + struct.pack("!IxxxB", len(seg), 17) + seg) or 0xFFFF
    seg = seg[:6] + struct.pack("!H", c) + seg[8:]
    return struct.pack("!IHBB", 6 << 28, len(seg), 17, hlim) + s + d + seg


def sll2(ip, etype):
    # protocol, reserved, interface 2, ARPHRD_ETHER, packet type 0 (to
    # us), a 6-byte address padded to 8
    return struct.pack("!HHIHBB", etype, 0, 2, 1, 0, 6) + MAC_SRC + \
        b"\0\0" + ip


def sll(ip):
    # packet type 0 (to us), ARPHRD_ETHER, 6-byte address padded to 8
    return struct.pack("!HHH", 0, 1, 6) + MAC_SRC + b"\0\0" + \
        struct.pack("!H", 0x0800) + ip


def pcap(linktype, recs, big=False, nsec=False):
    e = ">" if big else "<"
    magic = 0xA1B23C4D if nsec else 0xA1B2C3D4
    out = struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, 65535, linktype)
    for t, frame in recs:
        sec = int(t)
        frac = round((t - sec) * (1e9 if nsec else 1e6))
        out += struct.pack(e + "IIII", 1700000000 + sec, frac, len(frame),
                           len(frame)) + frame
    return out


C, C2, S = "10.0.1.2", "10.0.1.66", "10.0.2.2"
C6 = "fd000001" + "0" * 23 + "2"    # fd00:1::2
S6 = "fd000002" + "0" * 23 + "2"    # fd00:2::2
# the firewall case: the expected verdicts are in replay.bats
FW = [
    eth(tcp(C, S, 40000, 8000)),                  # 1 web: ACCEPT, mark
    eth(tcp(C, S, 40001, 8080)),                  # 2 web RETURNs: policy
    eth(tcp(C, S, 40002, 8081)),                  # 3 outside 8000:8080
    eth(tcp(C2, S, 40003, 22)),                   # 4 blk RETURNs, then 22
    eth(tcp(C2, S, 40004, 80)),                   # 5 blk: LOG, DROP
    eth(udp(C, S, 5000, 53)),                     # 6 multiport
    eth(udp(C, S, 5000, 54)),                     # 7 policy
    eth(udp(C, S, 5000, 53, frag=185)),           # 8 -f: DROP
    eth(udp(C, S, 5000, 53, mf=True)),            # 9 first fragment
    eth(icmp(C, S, 8)),                           # 10 echo-request
    eth(icmp(C, S, 0)),                           # 11 echo-reply: policy
    eth(bytes(28), etype=0x0806),                 # 12 ARP: SKIP
    eth(tcp(C, S, 40005, 8000), vlan=5),          # 13 VLAN-tagged web
    eth(tcp(C, S, 40006, 8000, ttl=1)),           # 14 ttl 1: DROP first
]


def main():
    case, out = sys.argv[1], sys.argv[2]
    if case == "fw":
        data = pcap(1, [(i * 0.001, f) for i, f in enumerate(FW)])
    elif case == "raw":
        data = pcap(101, [(0, tcp(C, S, 1, 22)), (0.5, udp(C, S, 1, 53)),
                          (1, b"\x60" + bytes(39))])
    elif case == "sll":
        data = pcap(113, [(0, sll(tcp(C, S, 1, 22))),
                          (1, sll(tcp(C, S, 1, 23)))])
    elif case == "swapped":
        data = pcap(101, [(0.25, tcp(C, S, 1, 22)), (0.5, udp(C, S, 1, 53))],
                    big=True, nsec=True)
    elif case == "limit":
        data = pcap(101, [(t, icmp(C, S, 8)) for t in
                          (0.0, 0.1, 1.2, 1.3, 1.4, 3.0)])
    elif case == "trunc":
        data = pcap(1, [(0, eth(tcp(C, S, 1, 22))), (1, eth(tcp(C, S, 1, 22)))])
        data = data[:-10]
    elif case == "absurd":
        data = pcap(1, [(0, eth(tcp(C, S, 1, 22)))])
        data += struct.pack("<IIII", 1700000001, 0, 0xFFFFFFF0, 0xFFFFFFF0)
        data += b"\0" * 64
    elif case == "stateful":
        # a handshake and data, a stray ACK from elsewhere, a SYN from
        # the server side (raw IP)
        other = "10.0.1.9"
        data = pcap(101, [
            (0.0, tcps(C, S, 40000, 80, 0x02, 1000, 0, ident=1)),
            (0.1, tcps(S, C, 80, 40000, 0x12, 5000, 1001, ident=2)),
            (0.2, tcps(C, S, 40000, 80, 0x10, 1001, 5001, ident=3)),
            (0.3, tcps(S, C, 80, 40000, 0x18, 5001, 1001, b"data", ident=4)),
            (0.4, tcps(other, S, 40001, 80, 0x10, 777, 1, ident=5)),
            (0.5, tcps(S, C, 81, 40002, 0x02, 9000, 0, ident=6)),
        ])
    elif case == "sll2":
        data = pcap(276, [(0, sll2(tcp(C, S, 1, 22), 0x0800)),
                          (1, sll2(udp6(C6, S6, 1, 53), 0x86DD)),
                          (2, sll2(udp6(C6, S6, 1, 54, hlim=1), 0x86DD)),
                          (3, sll2(b"\0" * 28, 0x0806))])
    elif case == "ip6raw":
        data = pcap(229, [(0, udp6(C6, S6, 1, 53)),
                          (1, udp6(C6, S6, 1, 54, hlim=1))])
    elif case == "pcapng":
        data = struct.pack("<IIIHH", 0x0A0D0D0A, 28, 0x1A2B3C4D, 1, 0) + \
            bytes(16)
    else:
        sys.exit("unknown case " + case)
    with open(out, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
