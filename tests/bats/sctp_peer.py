#!/usr/bin/env python3
"""SCTP packets for tests/bats/sctp.bats, run inside a namespace. The
kernel of the test machines has no SCTP module, so the two ends of an
association are played by this program: packets built by hand (common
header, chunks, CRC-32C) and sent through a raw IP socket, so they take
the namespace's routes and the firewall's path as a real end's would.

  sctp_peer.py send DST SPORT DPORT TAG CHUNK...
      one packet with verification tag TAG (a number) and the chunks in
      order, each one of: init:ITAG, init_ack:ITAG (ITAG: the initiate
      tag), cookie_echo, cookie_ack, data, sack, heartbeat,
      heartbeat_ack, shutdown, shutdown_ack, shutdown_complete, abort
  sctp_peer.py recv SECONDS [--ready FILE] [--addrs]
      for SECONDS, one line per SCTP packet received: "DPORT TYPE,TYPE"
      (the chunk types by number); creates FILE once listening. With
      --addrs: "SRC:SPORT > DST:DPORT TYPE,TYPE crc=ok" (or crc=bad),
      what a translated packet must show of its addresses and checksum.
"""
import os
import socket
import struct
import sys
import time

CHUNK = {
    "data": 0, "init": 1, "init_ack": 2, "sack": 3, "heartbeat": 4,
    "heartbeat_ack": 5, "abort": 6, "shutdown": 7, "shutdown_ack": 8,
    "cookie_echo": 10, "cookie_ack": 11, "shutdown_complete": 14,
}


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def chunk(word):
    name, _, arg = word.partition(":")
    t = CHUNK[name]
    if t in (1, 2):          # INIT, INIT ACK: tag, a_rwnd, streams, TSN
        value = struct.pack("!IIHHI", int(arg, 0), 65535, 2, 2, 1000)
    elif t == 0:             # DATA: TSN, stream, sequence, PPID, data
        value = struct.pack("!IHHI", 1001, 0, 0, 0) + b"data"
    elif t == 3:             # SACK: cumulative TSN, a_rwnd, no gaps
        value = struct.pack("!IIHH", 1000, 65535, 0, 0)
    elif t == 7:             # SHUTDOWN: cumulative TSN
        value = struct.pack("!I", 1000)
    elif t == 10:
        value = b"cookie-cookie"
    elif t in (4, 5):        # heartbeat info parameter
        value = struct.pack("!HH", 1, 8) + b"info"
    else:
        value = b""
    flags = 0x03 if t == 0 else 0   # DATA: a whole message (B, E)
    c = struct.pack("!BBH", t, flags, 4 + len(value)) + value
    return c + b"\0" * (-len(c) % 4)


def send(dst, sport, dport, tag, words):
    body = b"".join(chunk(w) for w in words)
    hdr = struct.pack("!HHII", int(sport), int(dport), int(tag, 0), 0)
    crc = crc32c(hdr + body)
    pkt = hdr[:8] + struct.pack("<I", crc) + body
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_SCTP)
    s.sendto(pkt, (dst, 0))
    s.close()


def crc_ok(l4):
    """The CRC-32C in the common header is that of the packet with the
    field zeroed, stored little-endian as send() stores it."""
    want = struct.unpack("<I", l4[8:12])[0]
    return crc32c(l4[:8] + b"\0\0\0\0" + l4[12:]) == want


def recv(seconds, ready, addrs):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_SCTP)
    s.settimeout(0.1)
    if ready:
        open(ready, "w").close()
    end = time.time() + seconds
    while time.time() < end:
        try:
            pkt = s.recv(65535)
        except socket.timeout:
            continue
        ihl = (pkt[0] & 0x0F) * 4
        total = struct.unpack("!H", pkt[2:4])[0]
        l4 = pkt[ihl:total]
        if len(l4) < 12:
            continue
        dport = struct.unpack("!H", l4[2:4])[0]
        types, off = [], 12
        while off + 4 <= len(l4):
            t, _, ln = struct.unpack("!BBH", l4[off:off + 4])
            types.append(str(t))
            if ln < 4:
                break
            off += (ln + 3) & ~3
        if addrs:
            sport = struct.unpack("!H", l4[0:2])[0]
            print("%s:%d > %s:%d %s crc=%s" % (
                socket.inet_ntoa(pkt[12:16]), sport,
                socket.inet_ntoa(pkt[16:20]), dport, ",".join(types),
                "ok" if crc_ok(l4) else "bad"), flush=True)
        else:
            print("%d %s" % (dport, ",".join(types)), flush=True)


def main(argv):
    if len(argv) >= 6 and argv[1] == "send":
        send(argv[2], argv[3], argv[4], argv[5], argv[6:])
        return 0
    if len(argv) >= 3 and argv[1] == "recv":
        ready = None
        if "--ready" in argv:
            ready = argv[argv.index("--ready") + 1]
        recv(float(argv[2]), ready, "--addrs" in argv)
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
