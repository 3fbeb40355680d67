"""SCTP packets for nft_sctp.bats: `send` puts IPv4 and IPv6 frames on
qha0 for the firewall's own addresses (10.0.1.1, fd00:1::1), each one a
common header and chunks built byte by byte: chunk types in first and
later places, fields at their offsets, odd lengths padded to 4 bytes, a
chunk of length 0 (the walk's end), a chunk longer than the packet, a
chunk too short for a field, and a UDP datagram (no chunks)."""
import struct
import sys

from scapy.all import IP, IPv6, SCTP, UDP, Ether, Raw, conf, sendp

conf.verb = 0


def chunk(ctype, flags, body, length=None):
    n = 4 + len(body) if length is None else length
    raw = struct.pack("!BBH", ctype, flags, n) + body
    return raw + b"\0" * (-len(raw) % 4)


def data(stream, ppid, flags=3, tsn=1, ssn=0):
    return chunk(0, flags, struct.pack("!IHHI", tsn, stream, ssn, ppid) + b"hi")


def init(ctype=1, outs=10, ins=2, tsn=5):
    return chunk(ctype, 0, struct.pack("!IIHHI", 0x1234, 65536, outs, ins, tsn))


def sack(rwnd):
    return chunk(3, 0, struct.pack("!IIHH", 9, rwnd, 0, 0))


PAYLOADS = [
    data(1337, 7),
    init(),
    init(ctype=2, outs=3),
    sack(4096) + data(1337, 8, flags=0),
    chunk(4, 0, b"\x00\x01\x00\x04") + data(5, 7),
    chunk(10, 0, b"cookie") + chunk(11, 0, b""),
    chunk(7, 0, struct.pack("!I", 9)) + chunk(6, 1, b""),
    chunk(9, 0, b"x") + data(1337, 7),           # length 5, padded to 8
    chunk(14, 0, b"", length=0) + data(1337, 7),  # the walk ends at 0
    chunk(0, 3, b"\0" * 12, length=100),          # longer than the packet
    chunk(0, 3, b"\0\0\0\0"),                     # too short for stream
    chunk(12, 0, struct.pack("!I", 5)) + chunk(13, 0, struct.pack("!I", 8)),
    chunk(0x80, 0, struct.pack("!I", 12345)) + chunk(0xc0, 0, struct.pack("!I", 31337))
    + chunk(0xc1, 0, struct.pack("!I", 12345)),
    b"",                                          # the common header alone
    b"\0\0",                                      # and half a chunk header
]


def frames():
    out = []
    eth = Ether(src="02:00:00:00:0a:01", dst="02:00:00:00:0f:00")
    for i, p in enumerate(PAYLOADS):
        l4 = SCTP(sport=1000 + i, dport=5000, tag=7) / Raw(p)
        out.append(eth / IP(src="10.0.1.2", dst="10.0.1.1") / l4)
        out.append(eth / IPv6(src="fd00:1::2", dst="fd00:1::1") / l4)
    out.append(eth / IP(src="10.0.1.2", dst="10.0.1.1") / UDP(sport=1, dport=9) / Raw(b"x" * 40))
    return out


def main():
    for f in frames():
        sendp(f, iface="qha0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
