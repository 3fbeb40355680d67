#!/usr/bin/env python3
"""One IPv6 probe from this namespace and the firewall's reply to it.

reply6.py udp|tcp DST DPORT: sends from the interface toward DST a UDP
datagram (source port 40000, payload "qt-probe") or a TCP SYN (source
port 40001, sequence 1000), both with flow label 0 and hop limit 64,
and prints the first packet coming back from DST as hex, with the
flow label of an ICMPv6 error zeroed (the kernel draws it from a hash
keyed by a secret of its boot), or "none" after two seconds."""
import sys

from scapy.all import (IPv6, TCP, UDP, AsyncSniffer, conf, raw, send)

conf.verb = 0


def main():
    kind, dst, dport = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if kind == "udp":
        pkt = IPv6(dst=dst, fl=0, hlim=64) / UDP(sport=40000, dport=dport) / b"qt-probe"
    else:
        pkt = IPv6(dst=dst, fl=0, hlim=64) / TCP(sport=40001, dport=dport,
                                                 flags="S", seq=1000)
    # neighbour discovery's own packets are not the reply
    sn = AsyncSniffer(filter=f"ip6 and src host {dst} and not "
                      "(icmp6 and ip6[40] >= 133 and ip6[40] <= 137)",
                      count=1, timeout=2)
    sn.start()
    import time
    time.sleep(0.2)
    send(pkt)
    sn.join()
    got = sn.results or []
    if not got:
        print("none")
        return
    b = bytearray(raw(got[0][IPv6]))
    if b[6] == 58:
        b[1] &= 0xf0
        b[2] = b[3] = 0
    print(b.hex())


main()
