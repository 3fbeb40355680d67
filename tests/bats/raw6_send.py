#!/usr/bin/python3
"""Send IPv6 packets as qtablesd's REJECT path does (socket(AF_INET6,
SOCK_RAW, IPPROTO_RAW): the header is the caller's) and check that what
arrives on the other end of a veth is byte for byte what was sent.

  raw6_send.py send HEX                 (in the sending namespace)
  raw6_send.py check SENDER_NS IFACE VECTORS
                                        (in the receiving namespace:
                                        every reply of the vector file)
Prints one line per packet; exits 1 when one differs or is missing."""
import socket
import subprocess
import sys
import time


def send(hexpkt):
    data = bytes.fromhex(hexpkt)
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(data, (socket.inet_ntop(socket.AF_INET6, data[24:40]), 0))


def check(sender, iface, vectors):
    from scapy.all import AsyncSniffer, IPv6
    import logging
    logging.getLogger("scapy").setLevel(logging.ERROR)
    bad = 0
    n = 0
    for line in open(vectors):
        f = line.split()
        if not f or f[0].startswith("#") or f[6] == "-":
            continue
        want = bytes.fromhex(f[6])
        src = socket.inet_ntop(socket.AF_INET6, want[8:24])
        sn = AsyncSniffer(iface=iface, store=True,
                          lfilter=lambda p: IPv6 in p and p[IPv6].src == src)
        sn.start()
        time.sleep(0.1)
        subprocess.run(["ip", "netns", "exec", sender, sys.executable,
                        __file__, "send", want.hex()], check=True)
        time.sleep(0.2)
        got = [bytes(p[IPv6]) for p in sn.stop()]
        n += 1
        if got and got[0] == want:
            print("ok %s" % f[0])
        else:
            bad += 1
            print("DIFFERS %s: sent %s, arrived %s" %
                  (f[0], want.hex(), got[0].hex() if got else "nothing"))
    print("%d sent, %d differ" % (n, bad))
    return 1 if bad or n < 20 else 0


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2])
        sys.exit(0)
    sys.exit(check(sys.argv[2], sys.argv[3], sys.argv[4]))
