#!/usr/bin/env python3
"""Print the nfnetlink_log messages of a capture (tcpdump -i nflog:N -w
FILE, link type NFLOG), one line each, in the order captured:

    group=G hook=H prefix=P mark=0xM len=L proto=N SRC>DST [sport>dport]

len is the payload the message carries (snaplen cuts it); the addresses
and ports are read from it when it holds them. The TLV layout is the
kernel's (include/uapi/linux/netfilter/nfnetlink_log.h; libpcap's
DLT_NFLOG keeps the attributes in host order, the values as sent).

Usage: nflog_read.py FILE"""
import socket
import struct
import sys

NFULA_PACKET_HDR, NFULA_MARK, NFULA_PAYLOAD, NFULA_PREFIX = 1, 2, 9, 10


def packets(data):
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    linktype = struct.unpack(end + "I", data[20:24])[0]
    if linktype != 239:
        raise SystemExit("not an NFLOG capture (link type %d)" % linktype)
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        yield data[off:off + incl]
        off += incl


def describe(rec):
    family, _, group = struct.unpack(">BBH", rec[:4])
    tlv = {}
    off = 4
    while off + 4 <= len(rec):
        length, typ = struct.unpack("<HH", rec[off:off + 4])
        if length < 4:
            break
        tlv[typ & 0x7fff] = rec[off + 4:off + length]
        off += (length + 3) & ~3
    hook = tlv[NFULA_PACKET_HDR][2] if NFULA_PACKET_HDR in tlv else -1
    prefix = tlv.get(NFULA_PREFIX, b"").rstrip(b"\0").decode(errors="replace")
    mark = struct.unpack(">I", tlv[NFULA_MARK])[0] if NFULA_MARK in tlv else 0
    pay = tlv.get(NFULA_PAYLOAD, b"")
    what = ""
    if family == socket.AF_INET and len(pay) >= 20:
        ihl = (pay[0] & 15) * 4
        proto = pay[9]
        what = "proto=%d %s>%s" % (proto, socket.inet_ntop(socket.AF_INET, pay[12:16]),
                                   socket.inet_ntop(socket.AF_INET, pay[16:20]))
        if proto in (6, 17) and len(pay) >= ihl + 4:
            what += " %d>%d" % struct.unpack(">HH", pay[ihl:ihl + 4])
    elif family == socket.AF_INET6 and len(pay) >= 40:
        proto = pay[6]
        what = "proto=%d %s>%s" % (proto, socket.inet_ntop(socket.AF_INET6, pay[8:24]),
                                   socket.inet_ntop(socket.AF_INET6, pay[24:40]))
        if proto in (6, 17) and len(pay) >= 44:
            what += " %d>%d" % struct.unpack(">HH", pay[40:44])
    return "group=%d hook=%d prefix=%s mark=0x%x len=%d %s" % (
        group, hook, prefix, mark, len(pay), what)


def main():
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    if len(data) < 24:
        return 0
    for rec in packets(data):
        print(describe(rec))
    return 0


if __name__ == "__main__":
    sys.exit(main())
