#!/usr/bin/env python3
"""Crafted TCP for tests/bats/conntrack.bats: both ends of a connection
played by this script, so that every segment (and so every conntrack
state in between) is ours to time.

  ct.py CLIENT_NS SERVER_NS STEP...

Raw sockets are opened in the client's and the server's namespace (by
setns); packets go client 10.0.1.2 <-> server 10.0.2.2 through the fw.
Each sent segment is looked for on a raw TCP socket of the receiving
namespace and reported as "NAME arrived" or "NAME lost". Steps:

  cS sSA cA cFA sA sFA cD sD   SYN, SYN/ACK, ACK, FIN/ACK, data "hello"
                               from the client (c) or the server (s),
                               sequence numbers kept as the peers would
  cOOW      data from the client with seq + 10^9 (outside any window)
  cStrayA   an ACK of no connection (other port)
  cStrayR   a RST of no connection (other port)
  ck        prints "state X T": the 4th field of the output of the shell
            command $CT_CHECK (the connection's conntrack line) and the
            3rd (its timeout) rounded up to 10 s, or "state none"

Packets are sent with SO_MARK $CT_MARK (default 7), so that the ends'
own RSTs (the ends have no sockets) can be dropped by a rule that lets
ours through. Ports: client 40100, server $CT_PORT (default 7000).
"""
import os
import select
import socket
import struct
import subprocess
import sys
import time

from scapy.all import IP, TCP, Raw  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from netns import in_ns  # noqa: E402

CLI, SRV = "10.0.1.2", "10.0.2.2"
CPORT = 40100
SPORT = int(os.environ.get("CT_PORT", "7000"))
MARK = int(os.environ.get("CT_MARK", "7"))


def tx_sock():
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.SOL_SOCKET, 36, MARK)  # SO_MARK
    return s


def rx_sock():
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    s.setblocking(False)
    return s


class End:
    def __init__(self, ns, addr, port, peer, pport, isn):
        self.tx = in_ns(ns, tx_sock)
        self.rx = in_ns(ns, rx_sock)
        self.addr, self.port, self.peer, self.pport = addr, port, peer, pport
        self.seq, self.ack = isn, 0


def drain(s):
    while True:
        try:
            s.recv(70000)
        except BlockingIOError:
            return


def arrived(rx, sport, dport, seq, flags, wait=0.3):
    """Was a TCP segment (sport, dport, seq, flags) received?"""
    end = time.monotonic() + wait
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return False
        r, _, _ = select.select([rx], [], [], left)
        if not r:
            return False
        try:
            b = rx.recv(70000)
        except BlockingIOError:
            continue
        ihl = (b[0] & 15) * 4
        sp, dp, sq = struct.unpack("!HHI", b[ihl:ihl + 8])
        fl = b[ihl + 13]
        if (sp, dp, sq, fl) == (sport, dport, seq, flags):
            return True


def send(frm, to, name, flags, seq=None, ack=None, data=b"", sport=None):
    seq = frm.seq if seq is None else seq
    ack = frm.ack if ack is None else ack
    sport = frm.port if sport is None else sport
    tcp = TCP(sport=sport, dport=frm.pport, flags=flags, seq=seq,
              ack=ack if "A" in flags else 0, window=64000)
    pkt = IP(src=frm.addr, dst=frm.peer, ttl=64) / tcp
    if data:
        pkt = pkt / Raw(data)
    raw = bytes(pkt)
    fl = raw[20 + 13]
    drain(to.rx)
    frm.tx.sendto(raw, (frm.peer, 0))
    ok = arrived(to.rx, sport, frm.pport, seq, fl)
    print(name, "arrived" if ok else "lost", flush=True)
    return seq + len(data) + (1 if ("S" in flags or "F" in flags) else 0)


def check():
    out = subprocess.run(["sh", "-c", os.environ["CT_CHECK"]],
                         capture_output=True, text=True).stdout.split()
    if len(out) < 4:
        print("state none", flush=True)
        return
    # the timeout left, rounded up to 10 s: 119 and 120 both say 120
    print("state", out[3], -(-int(out[2]) // 10) * 10, flush=True)


def main():
    cns, sns = sys.argv[1], sys.argv[2]
    c = End(cns, CLI, CPORT, SRV, SPORT, 1000)
    s = End(sns, SRV, SPORT, CLI, CPORT, 500000)
    for st in sys.argv[3:]:
        if st == "ck":
            check()
            continue
        frm, to = (c, s) if st[0] == "c" else (s, c)
        op = st[1:]
        if op == "S":
            frm.seq = send(frm, to, st, "S")
        elif op == "SA":
            frm.ack = to.seq
            frm.seq = send(frm, to, st, "SA")
        elif op == "A":
            frm.ack = to.seq
            send(frm, to, st, "A")
        elif op == "FA":
            frm.ack = to.seq
            frm.seq = send(frm, to, st, "FA")
        elif op == "D":
            frm.ack = to.seq
            frm.seq = send(frm, to, st, "PA", data=b"hello")
        elif op == "OOW":
            send(frm, to, st, "PA", seq=frm.seq + 10**9, data=b"hello")
        elif op == "StrayA":
            send(frm, to, st, "A", seq=77777, ack=88888, sport=CPORT + 1)
        elif op == "StrayR":
            send(frm, to, st, "R", seq=99999, sport=CPORT + 2)
        else:
            sys.exit("unknown step " + st)
        time.sleep(0.02)


if __name__ == "__main__":
    main()
