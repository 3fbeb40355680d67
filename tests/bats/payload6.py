"""Frames through a router for nft_payload.bats: `send` puts IPv6 UDP
and TCP frames (correct checksums) on qha0; `recv` captures on qhb0 for
a few seconds and prints each IPv6 packet that arrived, in hex, with
"ok" or "bad" for its transport checksum as the receiver computes it."""
import sys
import time

from scapy.all import IPv6, TCP, UDP, Ether, Raw, AsyncSniffer, conf, sendp

conf.verb = 0


def frames():
    out = []
    for l4 in (UDP(sport=1000, dport=9), TCP(sport=1000, dport=9, flags="S"),
               UDP(sport=1001, dport=10)):
        out.append(Ether(src="02:00:00:00:0a:01", dst="02:00:00:00:0f:00")
                   / IPv6(src="fd00:1::2", dst="fd00:2::2", hlim=64, tc=0)
                   / l4 / Raw(b"hello"))
    return out


def verdict(ip):
    l4 = ip.payload
    got = l4.chksum
    again = IPv6(bytes(ip))
    again[l4.__class__].chksum = None
    want = IPv6(bytes(again))[l4.__class__].chksum
    return "ok" if got == want else "bad"


def main():
    if sys.argv[1] == "send":
        for f in frames():
            sendp(f, iface="qha0")
        return 0
    s = AsyncSniffer(iface="qhb0", lfilter=lambda p: IPv6 in p and
                     (UDP in p or TCP in p))
    s.start()
    time.sleep(float(sys.argv[2]))
    s.stop()
    for p in s.results:
        print(bytes(p[IPv6]).hex(), verdict(p[IPv6]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
