#!/usr/bin/env python3
"""Traffic for tests/bats/datapath*.bats (run inside a namespace).

  dp.py send DST PORT N [--src A] [--sport P] [--gap S] [--payload TEXT]
        [--hexpayload HEX] [--bcast] [--until FILE]
      N UDP datagrams (payload default "x\\n"), fewer if FILE appears;
      prints how many were sent.
  dp.py recv PORT SECONDS [--quiet Q] [--stop-file FILE]
      count UDP datagrams reaching PORT; stops SECONDS after start, or
      once nothing came for Q seconds after the first; prints the count.
      With FILE: the quiet time counts only once FILE exists (the
      senders are done: slow ones on a loaded machine are not cut off),
      and SECONDS from then. Prints "ready" on stderr once bound.
  dp.py pong PORT
      answer every UDP datagram reaching PORT with "pong\\n", in one
      process (socat's UDP-RECVFROM,fork forks and runs a shell per
      datagram, which on a loaded machine answers later than its client
      waits); prints "ready" on stderr once bound.
  dp.py frags DST PORT        (scapy) one UDP datagram in 3 fragments
  dp.py frame MAC DST PORT N [--iface IF] [--src A] [--icmp]  (scapy) N
      UDP datagrams (echo requests with --icmp) from A (default IF's
      address), in Ethernet frames to MAC whatever DST is (a unicast IP
      in a broadcast frame...), sent on IF (default qtc0)
  dp.py reject DST PORT PROTO [--frame MAC] (scapy) send one probe (udp or
      tcp SYN; with --frame in an Ethernet frame to MAC from qtc0) and
      print "TYPE CODE SRC" of the ICMP error or "RST SRC" that answers it,
      or "none".
"""
import os
import socket
import sys
import time


def opt(args, name, default=None):
    if name in args:
        i = args.index(name)
        v = args[i + 1]
        del args[i:i + 2]
        return v
    return default


def flag(args, name):
    if name in args:
        args.remove(name)
        return True
    return False


def send(args):
    src = opt(args, "--src")
    sport = int(opt(args, "--sport", "0"))
    gap = float(opt(args, "--gap", "0"))
    payload = opt(args, "--payload", "x\n").encode()
    hexp = opt(args, "--hexpayload")
    if hexp is not None:
        payload = bytes.fromhex(hexp)
    bcast = flag(args, "--bcast")
    until = opt(args, "--until")
    dst, port, n = args[0], int(args[1]), int(args[2])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if bcast:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    if src or sport:
        s.bind((src or "0.0.0.0", sport))
    sent = 0
    t0 = time.monotonic()
    for i in range(n):
        if gap:
            # paced on a clock, not by sleeping a gap after each send
            while time.monotonic() < t0 + i * gap:
                time.sleep(max(0.0, t0 + i * gap - time.monotonic()))
        if until and os.path.exists(until):
            break
        try:
            s.sendto(payload, (dst, port))
        except PermissionError:
            # the kernel's own DROP at OUTPUT says so at once (qtablesd's,
            # judged later, cannot): not sent
            continue
        sent += 1
    print(sent, flush=True)


def recv(args):
    quiet = float(opt(args, "--quiet", "0"))
    stop_file = opt(args, "--stop-file")
    port, secs = int(args[0]), float(args[1])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    print("ready", file=sys.stderr, flush=True)
    start = time.monotonic()
    end = start + (60 if stop_file else secs)
    stopped = None
    n = 0
    last = None
    while True:
        now = time.monotonic()
        if stop_file and stopped is None and os.path.exists(stop_file):
            stopped = now
            end = min(end, now + secs)
        left = end - now
        if stop_file and stopped is None:
            left = min(left, 0.05)  # look for the file again soon
        elif quiet and (last is not None or stopped is not None):
            ref = max(last or 0, stopped or 0)
            left = min(left, ref + quiet - now)
        if left <= 0 and (stopped is not None or not stop_file or now >= end):
            break
        s.settimeout(max(left, 0.001))
        try:
            s.recv(65535)
        except socket.timeout:
            continue
        n += 1
        last = time.monotonic()
    print(n, flush=True)


def frags(args):
    """Through a raw IP socket (so the OUTPUT hook sees them) with
    IP_NODEFRAG, so conntrack's defragmentation leaves them alone."""
    from scapy.all import IP, UDP, Raw, fragment
    dst, port = args[0], int(args[1])
    pkt = IP(dst=dst, id=4242) / UDP(sport=4000, dport=port) / Raw(b"f" * 100)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, 22, 1)  # IP_NODEFRAG
    n = 0
    for f in fragment(pkt, fragsize=48):
        try:
            s.sendto(bytes(f), (dst, 0))
        except PermissionError:  # dropped at OUTPUT by the kernel itself
            pass
        n += 1
    print(n)


def reject(args):
    from scapy.all import Ether, IP, UDP, TCP, ICMP, sr1, srp1, conf, get_if_addr
    conf.verb = 0
    mac = opt(args, "--frame")
    dst, port, proto = args[0], int(args[1]), args[2]
    if proto == "udp":
        probe = IP(dst=dst) / UDP(sport=40000, dport=port) / b"probe"
    else:
        probe = IP(dst=dst) / TCP(sport=40001, dport=port, flags="S", seq=1000)
    if mac:
        # in an Ethernet frame to mac, whatever dst is
        probe[IP].src = get_if_addr("qtc0")
        r = srp1(Ether(dst=mac) / probe, iface="qtc0", timeout=1)
    else:
        r = sr1(probe, timeout=1)
    if r is None:
        print("none")
    elif r.haslayer(ICMP):
        print(r[ICMP].type, r[ICMP].code, r[IP].src)
    elif r.haslayer(TCP) and r[TCP].flags & 0x04:
        print("RST", r[IP].src, r[TCP].ack)
    else:
        print("other", r.summary())


def frame(args):
    from scapy.all import Ether, IP, UDP, ICMP, conf, get_if_addr, sendp
    conf.verb = 0
    iface = opt(args, "--iface", "qtc0")
    src = opt(args, "--src")
    icmp = flag(args, "--icmp")
    mac, dst, port, n = args[0], args[1], int(args[2]), int(args[3])
    l4 = ICMP(id=port) if icmp else UDP(sport=4321, dport=port)
    p = Ether(dst=mac) / IP(src=src or get_if_addr(iface), dst=dst) / l4 / b"x\n"
    sendp([p] * n, iface=iface)
    print(n, flush=True)


def pong(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(args[0])))
    print("ready", file=sys.stderr, flush=True)
    while True:
        _, peer = s.recvfrom(65535)
        s.sendto(b"pong\n", peer)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"send": send, "recv": recv, "frags": frags, "reject": reject,
     "frame": frame, "pong": pong}[cmd](args)


if __name__ == "__main__":
    main()
