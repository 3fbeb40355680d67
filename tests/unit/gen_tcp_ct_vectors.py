#!/usr/bin/python3
# Regenerate tests/unit/tcp_ct_vectors.txt from the running kernel's TCP
# connection tracker. Each sequence of packets (both directions of one
# connection) is crafted with scapy and sent from namespace S into
# namespace K over a veth pair; K forwards everything to a dummy device,
# so no TCP stack ever answers and every entry is confirmed at
# POSTROUTING. After each packet we read the state the packet got
# (counting rules -m conntrack --ctstate X in mangle FORWARD) and the
# entry (conntrack -L: state, seconds left, ASSURED).
# Needs root, iptables-nft, conntrack, python3-scapy (Debian's python).
# Usage: gen_tcp_ct_vectors.py OUTFILE  (netns prefix $QT_GEN_PREFIX, "qtct")
import os
import socket
import subprocess
import sys
import time

PFX = os.environ.get("QT_GEN_PREFIX", "qtct")
NSS, NSK = PFX + "-gs", PFX + "-gk"
IFS, IFK = PFX + "S0", PFX + "K0"
MACS, MACK = "02:00:00:00:78:0a", "02:00:00:00:78:0b"
IPA, IPB = "10.78.1.1", "10.78.2.2"   # client (ORIGINAL), server
STATES = ["INVALID", "NEW", "ESTABLISHED", "RELATED", "UNTRACKED"]


def sh(*args, check=True):
    r = subprocess.run(args, capture_output=True, text=True)
    if check and r.returncode:
        raise SystemExit("failed: %s\n%s" % (" ".join(args), r.stderr))
    return r


def nsx(ns, *args, check=True):
    return sh("ip", "netns", "exec", ns, *args, check=check)


if len(sys.argv) == 3 and sys.argv[1] == "sendsrv":
    # a sender living in NSS: one frame per hex line on stdin
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((sys.argv[2], 0))
    for line in sys.stdin:
        s.send(bytes.fromhex(line.strip()))
        sys.stdout.write("ok\n")
        sys.stdout.flush()
    sys.exit(0)

from scapy.all import Ether, IP, TCP, Raw  # noqa: E402


def setup():
    cleanup()
    for ns in (NSS, NSK):
        sh("ip", "netns", "add", ns)
    sh("ip", "link", "add", IFS, "netns", NSS, "address", MACS, "type",
       "veth", "peer", "name", IFK, "netns", NSK, "address", MACK)
    nsx(NSS, "ip", "link", "set", IFS, "up")
    nsx(NSK, "ip", "link", "set", IFK, "up")
    nsx(NSK, "ip", "link", "set", "lo", "up")
    nsx(NSK, "ip", "addr", "add", "10.78.0.1/24", "dev", IFK)
    # everything goes back out where it came from, to a MAC nobody
    # answers for (S drops it): no TCP stack sees these packets
    for ip in (IPA, IPB):
        nsx(NSK, "ip", "route", "add", ip, "dev", IFK)
        nsx(NSK, "ip", "neigh", "replace", ip, "lladdr",
            "02:00:00:00:78:ff", "dev", IFK, "nud", "permanent")
    for k in ("net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0",
              "net.ipv4.conf.default.rp_filter=0",
              "net.ipv4.conf.%s.rp_filter=0" % IFK,
              "net.ipv4.conf.all.send_redirects=0",
              "net.ipv4.conf.%s.send_redirects=0" % IFK):
        nsx(NSK, "sysctl", "-qw", k)
    ipt = ["iptables-nft", "-t", "mangle", "-A", "FORWARD", "-i", IFK]
    for st in STATES:
        nsx(NSK, *ipt, "-m", "conntrack", "--ctstate", st)


def cleanup():
    for ns in (NSS, NSK):
        sh("ip", "netns", "del", ns, check=False)


def counters():
    out = nsx(NSK, "iptables-nft", "-t", "mangle", "-L", "FORWARD", "-v",
              "-x", "-n").stdout.splitlines()[2:]
    return [int(line.split()[0]) for line in out]


def entry():
    r = nsx(NSK, "conntrack", "-L", "-p", "tcp", check=False)
    lines = [x for x in r.stdout.splitlines() if x.startswith("tcp")]
    if not lines:
        return "none", 0, 0
    f = lines[0].split()
    return f[3], int(f[2]), 1 if "[ASSURED]" in lines[0] else 0


# A packet description, shared with tests/unit/test_conntrack_tcp.c:
#   DIR FLAGS seq=N ack=N win=N len=N [opt=o1,o2,...]
# DIR O (client -> server) or R; FLAGS letters of F S R P A U E C or '-';
# options: mss, sackok, ts, wsN, sack:L-R (one block).
def build(desc, sport, dport):
    tok = desc.split()
    d, fl = tok[0], tok[1]
    kv = dict(t.split("=", 1) for t in tok[2:])
    opts = []
    for o in filter(None, kv.get("opt", "").split(",")):
        if o == "mss":
            opts.append(("MSS", 1460))
        elif o == "sackok":
            opts.append(("SAckOK", b""))
        elif o == "ts":
            opts.append(("Timestamp", (1, 0)))
        elif o.startswith("ws"):
            opts += [("NOP", None), ("WScale", int(o[2:]))]
        elif o.startswith("sack:"):
            lo, hi = o[5:].split("-")
            opts += [("NOP", None), ("NOP", None),
                     ("SAck", (int(lo), int(hi)))]
        else:
            raise SystemExit("bad option " + o)
    src, dst, sp, dp = (IPA, IPB, sport, dport) if d == "O" else \
        (IPB, IPA, dport, sport)
    flags = "" if fl == "-" else fl
    t = TCP(sport=sp, dport=dp, flags=flags, seq=int(kv["seq"]),
            ack=int(kv["ack"]), window=int(kv["win"]), options=opts)
    pkt = Ether(src=MACS, dst=MACK) / IP(src=src, dst=dst, ttl=64) / t
    n = int(kv.get("len", "0"))
    if n:
        pkt = pkt / Raw(b"d" * n)
    return bytes(pkt)


# ---- the sequences ----
C, S = 1000, 50000            # initial sequence numbers
SEQS = []


def seq(name, pkts, loose=1, liberal=0):
    SEQS.append((name, loose, liberal, pkts))


def hs(copt="mss,sackok,ws7", sopt="mss,sackok,ws7", cwin=64240,
       swin=65160):
    return ["O S seq=%d ack=0 win=%d opt=%s" % (C, cwin, copt),
            "R SA seq=%d ack=%d win=%d opt=%s" % (S, C + 1, swin, sopt),
            "O A seq=%d ack=%d win=502" % (C + 1, S + 1)]


seq("handshake, data, client closes first", hs() + [
    "O PA seq=1001 ack=50001 win=502 len=100",
    "R A seq=50001 ack=1101 win=509",
    "R PA seq=50001 ack=1101 win=509 len=200",
    "O A seq=1101 ack=50201 win=501",
    "O FA seq=1101 ack=50201 win=501",
    "R A seq=50201 ack=1102 win=509",
    "R FA seq=50201 ack=1102 win=509",
    "O A seq=1102 ack=50202 win=501",
])
seq("server closes first", hs() + [
    "R FA seq=50001 ack=1001 win=509",
    "O A seq=1001 ack=50002 win=502",
    "O FA seq=1001 ack=50002 win=502",
    "R A seq=50002 ack=1002 win=509",
])
seq("both FIN at once", hs() + [
    "O FA seq=1001 ack=50001 win=502",
    "R FA seq=50001 ack=1001 win=509",
    "O A seq=1002 ack=50002 win=502",
    "R A seq=50002 ack=1002 win=509",
])
seq("FIN then RST", hs() + [
    "O FA seq=1001 ack=50001 win=502",
    "R R seq=50001 ack=0 win=0",
])
seq("RST from client in established", hs() + [
    "O R seq=1001 ack=0 win=0",
    "O A seq=1001 ack=50001 win=502",
])
seq("RST from server with ack", hs() + [
    "R RA seq=50001 ack=1001 win=0",
])
seq("RST out of window", hs() + [
    "O PA seq=1001 ack=50001 win=502 len=10",
    "R A seq=50001 ack=1011 win=509",
    "R R seq=3000000 ack=0 win=0",
    "R R seq=40000 ack=0 win=0",
    "R R seq=50005 ack=0 win=0",
    "R R seq=50001 ack=0 win=0",
])
seq("RST answering SYN", [
    "O S seq=1000 ack=0 win=64240 opt=mss",
    "R RA seq=0 ack=1001 win=0",
])
seq("RST answering SYN wrong ack", [
    "O S seq=1000 ack=0 win=64240 opt=mss",
    "R RA seq=0 ack=7777 win=0",
])
seq("SYN retransmitted, new ISN", [
    "O S seq=1000 ack=0 win=64240 opt=mss",
    "O S seq=1000 ack=0 win=64240 opt=mss",
    "O S seq=2000 ack=0 win=64240 opt=mss",
    "R SA seq=50000 ack=1001 win=65160 opt=mss",
    "R SA seq=50000 ack=2001 win=65160 opt=mss",
    "O A seq=2001 ack=50001 win=502",
])
seq("SYN/ACK acking nothing sent", [
    "O S seq=1000 ack=0 win=64240 opt=mss",
    "R SA seq=50000 ack=9999 win=65160 opt=mss",
    "R SA seq=50000 ack=1001 win=65160 opt=mss",
])
seq("simultaneous open", [
    "O S seq=1000 ack=0 win=64240 opt=mss,ws7",
    "R S seq=50000 ack=0 win=65160 opt=mss,ws7",
    "O SA seq=1000 ack=50001 win=64240 opt=mss,ws7",
    "R SA seq=50000 ack=1001 win=65160 opt=mss,ws7",
    "O A seq=1001 ack=50001 win=502",
    "R A seq=50001 ack=1001 win=509",
])
seq("simultaneous open, reply ACK", [
    "O S seq=1000 ack=0 win=64240 opt=mss",
    "R S seq=50000 ack=0 win=65160 opt=mss",
    "O SA seq=1000 ack=50001 win=64240 opt=mss",
    "R A seq=50001 ack=1001 win=65160",
    "O A seq=1001 ack=50001 win=64240",
])
seq("out of window data", hs() + [
    "O PA seq=1001 ack=50001 win=502 len=100",
    "O PA seq=900000 ack=50001 win=502 len=100",
    "O PA seq=1001 ack=90000 win=502 len=10",
    "R A seq=50001 ack=1101 win=509",
    "O PA seq=1001 ack=50001 win=502 len=100",
])
seq("old ACK, far below", hs() + [
    "O A seq=1001 ack=3000000000 win=502",
    "R A seq=50001 ack=1001 win=509",
])
seq("data beyond the window without scaling", hs("mss", "mss,ws7") + [
    "O PA seq=1001 ack=50001 win=502 len=1000",
    "R A seq=50001 ack=2001 win=1",
    "O PA seq=2001 ack=50001 win=502 len=1000",
    "O PA seq=2001 ack=50001 win=502 len=1",
])
seq("window scaling both sides", hs("mss,ws7", "mss,ws7", 64240, 65160) + [
    "R A seq=50001 ack=1001 win=2000",
    "O PA seq=1001 ack=50001 win=502 len=1400",
    "O PA seq=2401 ack=50001 win=502 len=1400",
    "R A seq=50001 ack=3801 win=2000",
])
seq("window scaling one side", hs("mss,ws7", "mss", 64240, 65160) + [
    "R A seq=50001 ack=1001 win=2000",
    "O PA seq=1001 ack=50001 win=502 len=1400",
    "O PA seq=2401 ack=50001 win=502 len=1400",
    "R A seq=50001 ack=3801 win=65000",
    "O PA seq=3801 ack=50001 win=502 len=1400",
])
seq("retransmissions", hs() + [
    "O PA seq=1001 ack=50001 win=502 len=100",
    "O PA seq=1001 ack=50001 win=502 len=100",
    "O PA seq=1001 ack=50001 win=502 len=100",
    "O PA seq=1001 ack=50001 win=502 len=100",
    "O PA seq=1001 ack=50001 win=502 len=100",
    "R A seq=50001 ack=1101 win=509",
])
seq("retransmitted pure ACK", hs() + [
    "O A seq=1001 ack=50001 win=502",
    "O A seq=1001 ack=50001 win=502",
    "O A seq=1001 ack=50001 win=502",
    "O A seq=1001 ack=50001 win=503",
    "R A seq=50001 ack=1001 win=509",
])
seq("zero window", hs() + [
    "R A seq=50001 ack=1001 win=0",
    "O A seq=1001 ack=50001 win=502",
])
seq("loose pickup", [
    "O A seq=1000 ack=50000 win=502",
    "R A seq=50000 ack=1000 win=509",
    "O PA seq=1000 ack=50000 win=502 len=10",
    "R A seq=50000 ack=1010 win=509",
])
seq("loose pickup of FIN and SYN/ACK", [
    "O FA seq=1000 ack=50000 win=502",
    "O SA seq=1000 ack=50000 win=502",
    "O R seq=1000 ack=0 win=0",
    "O - seq=1000 ack=0 win=0",
])
seq("loose off", [
    "O A seq=1000 ack=50000 win=502",
    "O PA seq=1000 ack=50000 win=502 len=10",
    "O S seq=1000 ack=0 win=64240 opt=mss",
], loose=0)
seq("be_liberal", hs() + [
    "O PA seq=900000 ack=50001 win=502 len=100",
    "O PA seq=1001 ack=90000 win=502 len=10",
    "R A seq=50001 ack=1001 win=509",
], liberal=1)
seq("invalid flags", [
    "O SF seq=1000 ack=0 win=64240",
    "O SR seq=1000 ack=0 win=64240",
    "O F seq=1000 ack=0 win=64240",
    "O PU seq=1000 ack=0 win=64240",
    "O SEC seq=1000 ack=0 win=64240 opt=mss",
])
seq("invalid flags mid connection", hs() + [
    "O FPU seq=1001 ack=50001 win=502",
    "R - seq=50001 ack=1001 win=509",
    "O A seq=1001 ack=50001 win=502",
])
seq("SYN in TIME_WAIT reopens", hs() + [
    "O FA seq=1001 ack=50001 win=502",
    "R FA seq=50001 ack=1002 win=509",
    "O A seq=1002 ack=50002 win=502",
    "O S seq=900000 ack=0 win=64240 opt=mss",
    "R SA seq=700000 ack=900001 win=65160 opt=mss",
])
seq("SYN in established ignored", hs() + [
    "O S seq=900000 ack=0 win=64240 opt=mss",
    "R A seq=50001 ack=1001 win=509",
    "O A seq=1001 ack=50001 win=502",
])
seq("SYN in established, SYN/ACK resyncs", hs() + [
    "O S seq=900000 ack=0 win=64240 opt=mss,ws5",
    "R SA seq=700000 ack=900001 win=65160 opt=mss,ws5",
    "O A seq=900001 ack=700001 win=502",
    "R A seq=700001 ack=900001 win=509",
])
seq("SYN in LAST_ACK, challenge ACK", hs() + [
    "O FA seq=1001 ack=50001 win=502",
    "R FA seq=50001 ack=1001 win=509",
    "O S seq=900000 ack=0 win=64240 opt=mss",
    "R A seq=50002 ack=1002 win=509",
    "O A seq=1002 ack=50002 win=502",
])
seq("RST answering an ignored SYN", hs() + [
    "O S seq=900000 ack=0 win=64240 opt=mss",
    "R RA seq=50001 ack=900001 win=0",
])
seq("SYN after RST reopens", hs() + [
    "O R seq=1001 ack=0 win=0",
    "O S seq=900000 ack=0 win=64240 opt=mss",
])
seq("SYN_SENT: ACK from server ignored", [
    "O S seq=1000 ack=0 win=64240 opt=mss",
    "R A seq=50000 ack=1001 win=509",
    "O A seq=1001 ack=50000 win=502",
])
seq("SACK beyond data", hs("mss,sackok", "mss,sackok") + [
    "O PA seq=1001 ack=50001 win=502 len=100",
    "R A seq=50001 ack=1001 win=509 opt=sack:1051-1101",
    "R A seq=50001 ack=1001 win=509 opt=sack:1051-1201",
])


HEAD = """# TCP connection tracking as Linux %s does it (tests/unit/
# gen_tcp_ct_vectors.py; iptables-nft 1.8.9, conntrack-tools). One
# sequence per blank-line-separated block: 'name:', 'sysctl: loose=L
# liberal=B' (nf_conntrack_tcp_loose / _be_liberal), then per packet a
# 'pkt:' line (DIR FLAGS seq= ack= win= len= opt=; DIR O = original
# direction) and a 'want:' line: the state the packet got (ctstate), the
# entry after it (conntrack -L state or none), seconds left (read a
# moment later: may be a little below the timeout set) and ASSURED.
"""


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: gen_tcp_ct_vectors.py OUTFILE")
    setup()
    sender = subprocess.Popen(
        ["ip", "netns", "exec", NSS, "/usr/bin/python3", __file__,
         "sendsrv", IFS], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True)
    out = [HEAD % os.uname().release]
    try:
        for i, (name, loose, liberal, pkts) in enumerate(SEQS):
            nsx(NSK, "sysctl", "-qw",
                "net.netfilter.nf_conntrack_tcp_loose=%d" % loose)
            nsx(NSK, "sysctl", "-qw",
                "net.netfilter.nf_conntrack_tcp_be_liberal=%d" % liberal)
            nsx(NSK, "conntrack", "-F", check=False)
            sport, dport = 30000 + i, 80
            out.append("name: %s\nsysctl: loose=%d liberal=%d" %
                       (name, loose, liberal))
            for desc in pkts:
                before = counters()
                sender.stdin.write(build(desc, sport, dport).hex() + "\n")
                sender.stdin.flush()
                sender.stdout.readline()
                time.sleep(0.05)
                after = counters()
                got = [STATES[k] for k in range(len(STATES))
                       if after[k] != before[k]]
                if len(got) != 1:
                    raise SystemExit("%s: %s: saw %r" % (name, desc, got))
                st, left, assured = entry()
                out.append("pkt: %s\nwant: %s %s %d %d" %
                           (desc, got[0], st, left, assured))
            out.append("")
    finally:
        sender.stdin.close()
        sender.wait()
        cleanup()
    with open(sys.argv[1], "w") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()
