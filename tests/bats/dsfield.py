#!/usr/bin/env python3
"""Packets for mangle_dsfield.bats: what the client sends through the
firewall and what the server records of what arrives.

  dsfield.py send IFACE DSTMAC SEED   crafted IPv4/IPv6 UDP and TCP
        packets to 10.0.2.2 / fd00:2::2, ports 7001-7099, with varied
        TOS/traffic class, TTL, TCP flags and checksums (some wrong on
        purpose), sent as frames on IFACE (full checksums: none partial)
  dsfield.py big IFACE DSTMAC 4|6    one long datagram to port 7030
  dsfield.py sock                   datagrams and a connection from the
        client's own stack (ports 7101-7103: checksums left partial)
  dsfield.py end IFACE DSTMAC       the datagram that ends serve
  dsfield.py serve IFACE SECONDS READYFILE   on the server: every IP
        packet to ports 7000-7198 seen on IFACE until a second after the
        end datagram (at most SECONDS), in hex, one a line,
        then "got PORT PAYLOAD" for what the sockets of 7101-7103
        received
"""
import os
import random
import select
import socket
import struct
import sys
import time

V4_DST, V6_DST = "10.0.2.2", "fd00:2::2"
V4_SRC, V6_SRC = "10.0.1.2", "fd00:1::2"


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def send_all(iface, dstmac, seed):
    from scapy.all import IP, IPv6, TCP, UDP, Ether, Raw, get_if_hwaddr
    r = random.Random(seed)
    src = get_if_hwaddr(iface)
    frames = []
    toss = [0x00, 0x01, 0x02, 0x03, 0x10, 0x13, 0x28, 0xb8, 0xbb, 0xfc, 0xff]
    ttls = [2, 64, 100, 130, 255]

    def v4(port, tcp=False, flags="S", tos=None, ttl=None, ipid=None,
           l4sum=None):
        ip = IP(src=V4_SRC, dst=V4_DST, tos=r.choice(toss) if tos is None else tos,
                ttl=r.choice(ttls) if ttl is None else ttl,
                id=r.randrange(65536) if ipid is None else ipid)
        l4 = (TCP(sport=40000 + len(frames), dport=port, flags=flags, seq=7,
                  window=999) if tcp else UDP(sport=40000 + len(frames), dport=port))
        if l4sum is not None:
            l4.chksum = l4sum
        frames.append(bytes(Ether(src=src, dst=dstmac) / ip / l4 /
                            Raw(b"case%d-%d" % (port, len(frames)))))

    def v6(port, tcp=False, flags="S", tc=None):
        ip = IPv6(src=V6_SRC, dst=V6_DST, tc=r.choice(toss) if tc is None else tc,
                  fl=r.choice([0, 0x12345, 0xfffff]), hlim=r.choice(ttls))
        l4 = (TCP(sport=40000 + len(frames), dport=port, flags=flags, seq=7)
              if tcp else UDP(sport=40000 + len(frames), dport=port))
        frames.append(bytes(Ether(src=src, dst=dstmac) / ip / l4 /
                            Raw(b"case%d-%d" % (port, len(frames)))))

    # an IP id whose header checksum, as forwarded (the TTL one less),
    # is below 8: a DS field raised then borrows across the
    # checksum's end (the kernel's ipv4_change_dsfield folds it back)
    def carry_id(port, tos, ttl):
        a = socket.inet_aton(V4_SRC) + socket.inet_aton(V4_DST)
        n = 20 + 8 + len(b"case%d-%d" % (port, len(frames)))

        def hdr(i):
            return struct.pack("!BBHHHBBH", 0x45, tos, n, i, 0, ttl - 1, 17, 0) + a
        # the id adds to the one's complement sum as it is: solved for
        s0 = csum(hdr(0))
        for t in r.sample(range(0xfff8, 0x10000), 8):
            i = (t - s0) % 0xffff
            if ((~csum(hdr(i))) & 0xffff) < 0x08:
                return i
        return None

    for port in range(7001, 7013):
        for _ in range(10):
            v4(port, tcp=port in (7007, 7008))
        if port <= 7006:
            for tos in (0x00, 0x03, 0x13, 0xff):
                i = carry_id(port, tos, 64)
                if i is not None:
                    v4(port, tos=tos, ttl=64, ipid=i)
    for fl in ("SEC", "SE", "SC", "S", "PA", "AEC", "FC"):
        v4(7007, tcp=True, flags=fl)
        v4(7008, tcp=True, flags=fl)
        v4(7016, tcp=True, flags=fl)
        v4(7007, tcp=True, flags=fl, l4sum=0xdead)
        v4(7013, tcp=True, flags=fl, l4sum=0xbeef)
        v4(7013, tcp=True, flags=fl)
        v6(7025, tcp=True, flags=fl)
    for _ in range(10):
        v4(7014)
        v4(7014, tos=0x10)
        v4(7015)
        v4(7015, tos=0xb9)
        v4(7009, l4sum=0)
        for port in range(7021, 7025):
            v6(port)
        v6(7024, tc=0x03)
        v6(7025, tcp=True, tc=0x02)
    # non-first TCP fragments whose payload looks like a TCP header to
    # port 7017 (7027 over IPv6), with ECE or without: the kernel's ecn
    # match reads the flags there
    from scapy.all import IPv6ExtHdrFragment
    for i in range(4):
        body = struct.pack("!HHIIBBHHH", 1000 + i, 7017, 1, 0, 0x50,
                           0x42 if i & 1 else 0x02, 100, 0, 0) + b"fragment%d" % i
        ip = IP(src=V4_SRC, dst=V4_DST, proto=6, id=r.randrange(65536),
                frag=2 + i, flags=0)
        frames.append(bytes(Ether(src=src, dst=dstmac) / ip / Raw(body)))
        body = body[:2] + struct.pack("!H", 7027) + body[4:]
        ip = IPv6(src=V6_SRC, dst=V6_DST) / IPv6ExtHdrFragment(
            nh=6, offset=2 + i, m=1, id=r.randrange(1 << 32))
        frames.append(bytes(Ether(src=src, dst=dstmac) / ip / Raw(body)))
    # (where a non-first IPv6 fragment's flags are read: from its IPv6
    # header, whose byte 13 has ECE's bit in this source address)
    for i in range(2):
        body = struct.pack("!HHIIBBHHH", 1000 + i, 7027, 1, 0, 0x50, 0x02,
                           100, 0, 0) + b"fragment%d" % i
        ip = IPv6(src="fd00:1:40::2", dst=V6_DST) / IPv6ExtHdrFragment(
            nh=6, offset=2 + i, m=1, id=r.randrange(1 << 32))
        frames.append(bytes(Ether(src=src, dst=dstmac) / ip / Raw(body)))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for f in frames:
        s.send(f)
        time.sleep(0.002)
    print("sent %d" % len(frames))


def send_big(iface, dstmac, fam):
    """One 1200-byte UDP datagram to port 7030 (IPv4 or IPv6): longer
    than the header copy a ruleset without payload rules asks for."""
    from scapy.all import IP, IPv6, UDP, Ether, Raw, get_if_hwaddr
    ip = (IP(src=V4_SRC, dst=V4_DST, tos=0x01, ttl=64) if fam == "4" else
          IPv6(src=V6_SRC, dst=V6_DST, tc=0x01, hlim=64))
    f = bytes(Ether(src=get_if_hwaddr(iface), dst=dstmac) / ip /
              UDP(sport=40000, dport=7030) / Raw(bytes(range(256)) * 4 + b"x" * 136))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    s.send(f)
    print("sent big %d" % (len(f) - 14))


def send_end(iface, dstmac):
    """The server's signal that all was sent: a datagram to port 7199."""
    from scapy.all import IP, UDP, Ether, get_if_hwaddr
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    s.send(bytes(Ether(src=get_if_hwaddr(iface), dst=dstmac) /
                 IP(src=V4_SRC, dst=V4_DST) / UDP(sport=40000, dport=7199)))


def sock_all():
    for fam, dst, port in ((socket.AF_INET, V4_DST, 7101),
                           (socket.AF_INET6, V6_DST, 7102)):
        u = socket.socket(fam, socket.SOCK_DGRAM)
        for i in range(3):
            u.sendto(b"sock%d-%d" % (port, i), (dst, port))
        u.close()
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.settimeout(3)
    try:
        t.connect((V4_DST, 7103))
        t.sendall(b"sock7103")
        t.shutdown(socket.SHUT_WR)
        t.recv(10)
        print("connected")
    except OSError as e:
        print("connect failed: %s" % e)
    t.close()


def serve(iface, seconds, ready):
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    raw.bind((iface, 0))
    socks = {}
    for fam, addr, port in ((socket.AF_INET, V4_DST, 7101),
                            (socket.AF_INET6, V6_DST, 7102)):
        u = socket.socket(fam, socket.SOCK_DGRAM)
        u.bind((addr, port))
        socks[u] = port
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((V4_DST, 7103))
    ls.listen(4)
    socks[ls] = 7103
    open(ready, "w").close()
    seen, got = [], []
    # until a second after the end datagram (port 7199) came, at most
    # the given seconds
    end = time.time() + seconds
    while time.time() < end:
        rd, _, _ = select.select([raw] + list(socks), [], [], 0.1)
        for s in rd:
            if s is raw:
                f, a = raw.recvfrom(65535)
                if a[2] == socket.PACKET_OUTGOING:
                    continue
                eth = struct.unpack("!H", f[12:14])[0]
                p = f[14:]
                if eth == 0x0800 and len(p) >= 24:
                    nxt, off = p[9], (p[0] & 15) * 4
                elif eth == 0x86dd and len(p) >= 44:
                    nxt, off = p[6], 40
                    if nxt == 44 and len(p) >= 52:
                        nxt, off = p[40], 48
                else:
                    continue
                if nxt in (6, 17) and len(p) >= off + 4:
                    dport = struct.unpack("!H", p[off + 2:off + 4])[0]
                    if dport == 7199:
                        end = min(end, time.time() + 1)
                    elif 7000 <= dport < 7200:
                        seen.append(p.hex())
            elif s is ls:
                c, _ = ls.accept()
                c.settimeout(2)
                try:
                    got.append("got 7103 " + c.recv(100).decode())
                    c.sendall(b"ok")
                except OSError:
                    pass
                c.close()
            else:
                data = s.recv(2000)
                got.append("got %d %s" % (socks[s], data.decode()))
    for x in sorted(seen):
        print(x)
    for x in sorted(got):
        print(x)


if __name__ == "__main__":
    if sys.argv[1] == "big":
        send_big(sys.argv[2], sys.argv[3], sys.argv[4])
    elif sys.argv[1] == "end":
        send_end(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "send":
        send_all(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif sys.argv[1] == "sock":
        sock_all()
    else:
        serve(sys.argv[2], float(sys.argv[3]), sys.argv[4])
