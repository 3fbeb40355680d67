#!/usr/bin/env python3
"""Packets for tcpoptstrip.bats: what the client sends through the
firewall and what the server records of what arrives.

  tcpoptstrip.py send IFACE DSTMAC   crafted IPv4 and IPv6 TCP segments
        to 10.0.2.2 / fd00:2::2, ports 7201-7219, each carrying one of
        a list of option sets (Linux's SYN, md5, kind 30, timestamps
        and SACK blocks on data segments, malformed lists), some with
        wrong checksums, some with bad data offsets, non-first
        fragments; sent as frames on IFACE, every checksum whole.
        Prints "sent N" and "dropped M" (the segments whose header the
        kernel's target drops: data offset below 5 or past the packet)
  tcpoptstrip.py sock               a connection from the client's own
        stack to port 7220 (its checksums left partial over the veth)
  tcpoptstrip.py end IFACE DSTMAC   the datagram that ends serve
  tcpoptstrip.py serve IFACE SECONDS READYFILE   on the server: every
        IP packet to ports 7200-7298 seen on IFACE until a second after
        the end datagram (at most SECONDS), in hex, one a line, then
        "got 7220 DATA" for what the socket of 7220 received
"""
import select
import socket
import struct
import sys
import time

V4_DST, V6_DST = "10.0.2.2", "fd00:2::2"
V4_SRC, V6_SRC = "10.0.1.2", "fd00:1::2"

TS = bytes([8, 10, 0, 1, 0x23, 0x45, 0, 0, 0, 0])


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def pad(o, fill=0):
    return o + bytes([fill]) * (-len(o) % 4)


# (name, options, TCP flags, payload)
SYN = 0x02
ACKPSH = 0x18
OPTSETS = [
    ("linux-syn", bytes([2, 4, 5, 0xb4, 4, 2]) + TS + bytes([1, 3, 3, 7]),
     SYN, b""),
    ("mss", bytes([2, 4, 5, 0xb4]), SYN, b""),
    ("md5", pad(bytes([19, 18]) + bytes(range(0x30, 0x40)) + bytes([1, 1]) +
                bytes([2, 4, 5, 0x78])), SYN, b""),
    ("kind30", bytes([30, 6, 0xde, 0xad, 0xbe, 0xef, 1, 1, 2, 4, 4, 0]),
     SYN, b""),
    ("ts-sack", bytes([1, 1]) + TS + bytes([1, 1, 5, 10, 0, 0, 0x10, 0, 0,
                                            0, 0x20, 0]),
     ACKPSH, b"data carrying timestamps and a SACK block"),
    ("sack2", bytes([1, 1, 5, 18]) + bytes(range(1, 17)), ACKPSH, b"two blocks"),
    ("odd", bytes([1, 2, 4, 5, 0xb4, 1, 1, 1, 1, 3, 3, 7]), SYN, b""),
    ("len0", bytes([5, 0, 2, 4, 5, 0xb4, 0, 0]), SYN, b""),
    ("eol-first", bytes([0, 2, 4, 5, 0xb4, 0, 0, 0]), SYN, b""),
    ("past-end", bytes([2, 4, 5, 0xb4, 8, 10, 0, 0]), SYN, b""),
    ("last-byte", bytes([1, 1, 1, 19]), SYN, b""),
    ("len1", bytes([30, 1, 254, 1, 19, 1, 30, 2]), SYN, b""),
    ("exp254", bytes([254, 6, 0xf9, 0x89, 0, 0, 30, 2]), ACKPSH, b"x"),
    ("full", bytes([2, 4, 5, 0xb4, 19, 18]) + bytes(16) + TS +
     bytes([4, 2, 3, 3, 8, 1]), SYN, b""),
    ("none", b"", SYN, b""),
]
OPTSETS = [(n, pad(o), f, p) for n, o, f, p in OPTSETS]
PORTS4 = list(range(7201, 7210))
PORTS6 = list(range(7211, 7216))


def tcp(src, dst, sport, dport, opts, flags, payload, v6, fix=0,
        doff=None, check=None):
    """A TCP segment; fix is added to its correct checksum (0: right);
    check, when given, is the field as it is."""
    doff = (20 + len(opts)) // 4 if doff is None else doff
    h = struct.pack("!HHIIBBHHH", sport, dport, 0x1000 + dport, 7 if flags & 0x10 else 0,
                    doff << 4, flags, 999, 0, 0) + opts + payload
    n = len(h)
    if v6:
        ph = (socket.inet_pton(socket.AF_INET6, src) +
              socket.inet_pton(socket.AF_INET6, dst) + struct.pack("!IxxxB", n, 6))
    else:
        ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!xBH", 6, n)
    c = (~csum(ph + h)) & 0xffff
    if check is None:
        c = (c + fix) & 0xffff
    else:
        c = check
    return h[:16] + struct.pack("!H", c) + h[18:]


def ip4(seg, ident, frag=0, src=V4_SRC):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), ident & 0xffff,
                    frag, 64, 6, 0,
                    socket.inet_aton(src), socket.inet_aton(V4_DST))
    h = h[:10] + struct.pack("!H", (~csum(h)) & 0xffff) + h[12:]
    return h + seg


def ip6(seg, ext=b"", nh=6, src=V6_SRC):
    """ext: extension headers before seg (nh the first one's type)."""
    return (struct.pack("!IHBB", 0x60000000, len(ext) + len(seg),
                        nh if ext else 6, 64) +
            socket.inet_pton(socket.AF_INET6, src) +
            socket.inet_pton(socket.AF_INET6, V6_DST) + ext + seg)


def send_all(iface, dstmac):
    mac = open("/sys/class/net/%s/address" % iface).read().strip()
    eth4 = bytes.fromhex(dstmac.replace(":", "")) + bytes.fromhex(mac.replace(":", "")) + b"\x08\x00"
    eth6 = eth4[:12] + b"\x86\xdd"
    frames, dropped = [], 0
    sport = 40000
    dstopts = bytes([6, 0, 1, 4, 0, 0, 0, 0])  # PadN of 4, then TCP
    for name, opts, flags, payload in OPTSETS:
        for port in PORTS4:
            for fix, check in ((0, None), (0x1111, None), (0, 0xffff),
                               (0, 0x0000)):
                sport += 1
                seg = tcp(V4_SRC, V4_DST, sport, port, opts, flags, payload,
                          False, fix, check=check)
                frames.append(eth4 + ip4(seg, sport & 0xffff))
        for port in PORTS6:
            for ext in (b"", dstopts):
                sport += 1
                seg = tcp(V6_SRC, V6_DST, sport, port, opts, flags, payload, True)
                frames.append(eth6 + ip6(seg, ext, 60))
            sport += 1
            seg = tcp(V6_SRC, V6_DST, sport, port, opts, flags, payload, True,
                      0x2222)
            frames.append(eth6 + ip6(seg))
    # from a source of their own (the rules for it have no port match,
    # which would not meet a fragment or a header cut short): every
    # option set, data offsets below 5 and past the packet and a header
    # of 12 bytes (dropped by the target), non-first fragments whose
    # payload looks like a TCP header (left as they are)
    src4, src6 = "10.0.1.3", "fd00:1::3"
    for name, opts, flags, payload in OPTSETS:
        sport += 1
        frames.append(eth4 + ip4(tcp(src4, V4_DST, sport, 7230, opts, flags,
                                     payload, False), sport, src=src4))
        sport += 1
        frames.append(eth6 + ip6(tcp(src6, V6_DST, sport, 7231, opts, flags,
                                     payload, True), src=src6))
        for doff in (4, 15):
            sport += 1
            seg = tcp(src4, V4_DST, sport, 7230, opts, flags, payload, False,
                      doff=doff)
            frames.append(eth4 + ip4(seg, sport, src=src4))
            sport += 1
            seg = tcp(src6, V6_DST, sport, 7231, opts, flags, payload, True,
                      doff=doff)
            frames.append(eth6 + ip6(seg, src=src6))
            # a data offset of 15 may hold in a segment with data: the
            # kernel then walks the data as options
            if doff < 5 or 20 + len(opts) + len(payload) < doff * 4:
                dropped += 2
        sport += 1
        seg = tcp(src4, V4_DST, sport, 7230, opts, flags, payload, False)
        frames.append(eth4 + ip4(seg, sport, frag=3, src=src4))
        frames.append(eth4 + ip4(seg[:12], sport + 1, src=src4))
        dropped += 1
        sport += 1
        seg = tcp(src6, V6_DST, sport, 7231, opts, flags, payload, True)
        frag = struct.pack("!BxHI", 6, 3 << 3, sport)
        frames.append(eth6 + ip6(seg, frag, 44, src=src6))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for f in frames:
        s.send(f)
        time.sleep(0.002)
    print("sent %d" % len(frames))
    print("dropped %d" % dropped)


def send_end(iface, dstmac):
    """The server's signal that all was sent: a datagram to port 7299."""
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"end", (V4_DST, 7299))


def sock_one():
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.settimeout(5)
    try:
        t.connect((V4_DST, 7220))
        t.sendall(b"sock7220")
        t.shutdown(socket.SHUT_WR)
        t.recv(10)
        print("connected")
    except OSError as e:
        print("connect failed: %s" % e)
    t.close()


def l4_of(p):
    """(protocol, offset) of what follows IPv4's header or IPv6's
    extension headers (hop-by-hop, routing, destination, fragment)."""
    if p[0] >> 4 == 4:
        return p[9], (p[0] & 15) * 4
    nxt, off = p[6], 40
    while nxt in (0, 43, 44, 60) and len(p) >= off + 8:
        nxt, off = p[off], off + (8 if nxt == 44 else (p[off + 1] + 1) * 8)
    return nxt, off


def serve(iface, seconds, ready):
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    raw.bind((iface, 0))
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((V4_DST, 7220))
    ls.listen(4)
    open(ready, "w").close()
    seen, got = [], []
    end = time.time() + seconds
    while time.time() < end:
        rd, _, _ = select.select([raw, ls], [], [], 0.1)
        for s in rd:
            if s is raw:
                f, a = raw.recvfrom(65535)
                if a[2] == socket.PACKET_OUTGOING:
                    continue
                eth = struct.unpack("!H", f[12:14])[0]
                p = f[14:]
                if eth not in (0x0800, 0x86dd) or len(p) < 24:
                    continue
                nxt, off = l4_of(p)
                if nxt not in (6, 17) or len(p) < off + 4:
                    continue
                dport = struct.unpack("!H", p[off + 2:off + 4])[0]
                if dport == 7299:
                    end = min(end, time.time() + 1)
                elif 7200 <= dport < 7299:
                    seen.append(p.hex())
            else:
                c, _ = ls.accept()
                c.settimeout(2)
                try:
                    got.append("got 7220 " + c.recv(100).decode())
                    c.sendall(b"ok")
                except OSError:
                    pass
                c.close()
    for x in sorted(seen):
        print(x)
    for x in sorted(got):
        print(x)


if __name__ == "__main__":
    if sys.argv[1] == "end":
        send_end(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "send":
        send_all(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "sock":
        sock_one()
    else:
        serve(sys.argv[2], float(sys.argv[3]), sys.argv[4])
