#!/usr/bin/python3
# Regenerate tests/unit/log_vectors.txt from the running kernel: each packet
# is crafted with scapy, sent through a real iptables-nft -j LOG rule in a
# private namespace pair, and the kernel's own line is read from /dev/kmsg.
# Needs root, iptables-nft, python3-scapy (Debian's, hence /usr/bin/python3).
# Usage: gen_log_vectors.py OUTFILE   (NS prefix from $QT_GEN_PREFIX, "qthg")
import os
import select
import socket
import subprocess
import sys
import time

PFX = os.environ.get("QT_GEN_PREFIX", "qthg")
NSA, NSB = PFX + "-la", PFX + "-lb"
IFA, IFB = PFX + "A0", PFX + "B0"
MACA, MACB = "02:00:00:00:77:0a", "02:00:00:00:77:0b"
IPA, IPB = "10.77.0.1", "10.77.0.2"
SYSCTL = "/proc/sys/net/netfilter/nf_log_all_netns"


def sh(*args, check=True):
    r = subprocess.run(args, capture_output=True, text=True)
    if check and r.returncode:
        raise SystemExit("failed: %s\n%s" % (" ".join(args), r.stderr))
    return r


def send_main(how, hexpkt):
    """Runs inside a namespace: send one packet."""
    data = bytes.fromhex(hexpkt)
    if how.startswith("if:"):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((how[3:], 0))
        s.send(data)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        dst = socket.inet_ntoa(data[16:20])
        s.sendto(data, (dst, 0))


if len(sys.argv) == 4 and sys.argv[1] == "send":
    send_main(sys.argv[2], sys.argv[3])
    sys.exit(0)

from scapy.all import (Ether, IP, TCP, UDP, ICMP, IPOption_RR,  # noqa: E402
                       IPOption_Router_Alert, IPOption_NOP, Raw, GRE)
from scapy.layers.ipsec import ESP, AH  # noqa: E402


def eth(pkt):
    return bytes(Ether(src=MACA, dst=MACB) / pkt)


def ip(**kw):
    kw.setdefault("src", IPA)
    kw.setdefault("dst", IPB)
    kw.setdefault("id", 4242)
    return IP(**kw)


SYN = TCP(sport=40000, dport=22, seq=123456789, ack=0, flags="S",
          window=64240, options=[("MSS", 1460), ("SAckOK", b""),
                                 ("Timestamp", (1, 0)), ("NOP", None),
                                 ("WScale", 7)])
ALLFL = TCP(sport=1, dport=65535, seq=4294967295, ack=7, flags=0x1ff,
            window=0, urgptr=65535, reserved=7)
UDPP = UDP(sport=5353, dport=53) / Raw(b"hello")
INNER_UDP = bytes(ip(src=IPB, dst=IPA, id=99) / UDP(sport=53, dport=5353) /
                  Raw(b"x" * 10))
INNER_TCP = bytes(ip(src=IPB, dst=IPA, id=98, flags="DF") /
                  TCP(sport=22, dport=40000, flags="SA", seq=5, ack=6,
                      options=[("MSS", 1400)]))
INNER_ECHO = bytes(ip(src=IPB, dst="10.77.9.9", ttl=1) /
                   ICMP(type=8, id=7, seq=8))
INNER_OPT = bytes(ip(src=IPB, dst=IPA, options=[IPOption_Router_Alert()]) /
                  UDP(sport=1, dport=2))
RR = [IPOption_RR(pointer=4, routers=["0.0.0.0", "0.0.0.0"]),
      IPOption_NOP()]


# (name, where, flags, prefix, packet bytes)
#   where: "in" = PREROUTING on the veth, "out" = OUTPUT via a raw socket,
#          "lo" = PREROUTING on loopback.  flags: iptables-nft options.
V = []


def add(name, pkt, flags="", where="in", prefix=None, pre="", user=None):
    V.append((name, where, flags, prefix, pkt, pre, user))


add("tcp syn", eth(ip(flags="DF") / SYN))
add("tcp syn seq+opt", eth(ip(flags="DF") / SYN),
    "--log-tcp-sequence --log-tcp-options")
add("tcp syn all flags", eth(ip(flags="DF") / SYN),
    "--log-tcp-sequence --log-tcp-options --log-ip-options --log-uid "
    "--log-macdecode")
add("tcp every flag", eth(ip(tos=0xff) / ALLFL), "--log-tcp-sequence")
add("tcp ae only", eth(ip() / TCP(sport=1, dport=2, flags=0x110)))
add("tcp reserved only", eth(ip() / TCP(sport=1, dport=2, flags="R",
                                        reserved=5)))
add("tcp bad doff", eth(ip() / TCP(sport=3, dport=4, dataofs=2, flags="F")),
    "--log-tcp-options --log-tcp-sequence")
add("tcp 40 bytes of options", eth(ip() / TCP(sport=3, dport=4, options=[
    ("NOP", None)] * 39 + [("EOL", None)])), "--log-tcp-options")
add("tcp payload", eth(ip(ttl=1) / TCP(sport=80, dport=3333, flags="PA",
                                       seq=1, ack=2) / Raw(b"data")),
    "--log-tcp-options")
add("tcp truncated header", eth(ip(proto=6) / Raw(bytes(SYN)[:10])),
    "--log-uid")
add("tcp options cut", eth(ip(proto=6) / Raw(bytes(SYN)[:24])),
    "--log-tcp-options")
add("udp", eth(ip() / UDPP))
add("udp macdecode", eth(ip() / UDPP), "--log-macdecode")
add("udp truncated", eth(ip(proto=17) / Raw(b"\x00\x35\x00")))
add("udplite", eth(ip(proto=136) / Raw(bytes(UDP(sport=7, dport=9, len=8)))))
add("icmp echo tos", eth(ip(tos=0xb8) / ICMP(type=8, id=0x1234, seq=3) /
                         Raw(b"ping")))
add("icmp echo reply", eth(ip(tos=0x03) / ICMP(type=0, id=1, seq=65535)))
add("icmp port unreachable (udp)",
    eth(ip(src=IPB, dst=IPA) / ICMP(type=3, code=3) / Raw(INNER_UDP[:28])))
add("icmp port unreachable whole udp",
    eth(ip() / ICMP(type=3, code=3) / Raw(INNER_UDP)),
    "--log-uid --log-ip-options")
add("icmp unreachable (tcp 8 bytes)",
    eth(ip() / ICMP(type=3, code=1) / Raw(INNER_TCP[:28])),
    "--log-tcp-sequence")
add("icmp frag needed (tcp whole)",
    eth(ip() / ICMP(type=3, code=4, nexthopmtu=1400) / Raw(INNER_TCP)),
    "--log-tcp-sequence --log-tcp-options")
add("icmp redirect", eth(ip() / ICMP(type=5, code=1, gw="10.77.0.254") /
                         Raw(INNER_UDP[:28])))
add("icmp time exceeded (echo)",
    eth(ip() / ICMP(type=11, code=0) / Raw(INNER_ECHO)))
add("icmp source quench", eth(ip() / ICMP(type=4) / Raw(INNER_ECHO[:24])))
add("icmp param problem", eth(ip() / ICMP(type=12, ptr=20) /
                              Raw(INNER_UDP[:28])))
add("icmp inner ip options", eth(ip() / ICMP(type=3, code=2) /
                                 Raw(INNER_OPT)), "--log-ip-options")
add("icmp inner options cut", eth(ip() / ICMP(type=3, code=2) /
                                  Raw(INNER_OPT[:28])), "--log-ip-options")
add("icmp inner frag needed", eth(ip() / ICMP(type=3, code=3) /
                                  Raw(bytes(ip(src=IPB, dst=IPA) /
                                            ICMP(type=3, code=4,
                                                 nexthopmtu=576) /
                                            Raw(INNER_UDP[:28])))))
BIGIHL = bytes([0x4f]) + INNER_OPT[1:28]
add("icmp inner header cut", eth(ip() / ICMP(type=3, code=2) / Raw(BIGIHL)),
    "--log-ip-options")
add("icmp inner header cut no opt", eth(ip() / ICMP(type=3, code=2) /
                                        Raw(BIGIHL)))
add("icmp unreachable short", eth(ip() / ICMP(type=3, code=3) /
                                  Raw(INNER_UDP[:12])))
add("icmp timestamp", eth(ip() / ICMP(type=13) / Raw(b"\0" * 12)))
add("icmp timestamp short", eth(ip(proto=1) /
                                Raw(b"\x0d\x00\x00\x00" + b"\0" * 8)))
add("icmp header cut", eth(ip(proto=1) / Raw(b"\x08\x00\x00\x00")))
add("icmp unknown type", eth(ip() / ICMP(type=200, code=9)))
add("ip options", eth(ip(options=RR) / UDPP), "--log-ip-options")
add("ip options not asked", eth(ip(options=RR) / UDPP))
add("first fragment", eth(ip(flags="MF", proto=17) /
                          Raw(bytes(UDP(sport=1, dport=2, len=108) /
                                    Raw(b"a" * 16)))))
add("udp fragment", eth(ip(frag=3, proto=17) / Raw(b"b" * 24)))
add("tcp fragment", eth(ip(frag=185, flags="MF", proto=6) / Raw(b"c" * 8)),
    "--log-tcp-sequence --log-uid")
add("icmp fragment", eth(ip(frag=1, proto=1) / Raw(b"d" * 8)))
add("ah fragment", eth(ip(frag=1, proto=51) / Raw(b"e" * 8)))
add("esp fragment", eth(ip(frag=1, proto=50) / Raw(b"f" * 8)))
add("ce bit", eth(ip(flags=4 | 2) / UDPP))
add("esp", eth(ip() / ESP(spi=0xdeadbeef, seq=1) / Raw(b"\0" * 8)))
add("ah", eth(ip() / AH(spi=0x1, seq=2, nh=59, icv=b"\0" * 12)))
add("ah cut", eth(ip(proto=51) / Raw(b"\0" * 6)))
add("esp cut", eth(ip(proto=50) / Raw(b"\0" * 3)))
add("gre", eth(ip() / GRE() / Raw(b"\0" * 4)))
add("sctp", eth(ip(proto=132) / Raw(b"\0" * 12)))
add("no payload", eth(ip(proto=253)))
add("mark", eth(ip() / UDPP), pre="-j MARK --set-mark 0x2a")
add("empty prefix", eth(ip() / UDPP), prefix="")
add("long prefix", eth(ip() / UDPP), prefix="a-29-byte-prefix-of-qthg-xx: ")
add("out uid", bytes(ip() / UDPP), "--log-uid", where="out")
add("out uid 1234/4321", bytes(ip() / UDPP), "--log-uid", where="out",
    user=(1234, 4321))
add("out no uid", bytes(ip() / SYN), where="out")
add("out uid tcp", bytes(ip() / SYN), "--log-uid --log-macdecode",
    where="out")
add("lo", bytes(ip(src="127.0.0.1", dst="127.0.0.1") / UDPP), where="lo")
add("lo macdecode", bytes(ip(src="127.0.0.1", dst="127.0.0.1") / UDPP),
    "--log-macdecode", where="lo")


def ipt(ns, *args):
    sh("ip", "netns", "exec", ns, "iptables-nft", *args)


def setup():
    for ns in (NSA, NSB):
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
    sh("ip", "link", "add", IFA, "netns", NSA, "address", MACA, "type", "veth",
       "peer", "name", IFB, "netns", NSB, "address", MACB)
    sh("ip", "-n", NSA, "addr", "add", IPA + "/24", "dev", IFA)
    sh("ip", "-n", NSB, "addr", "add", IPB + "/24", "dev", IFB)
    sh("ip", "-n", NSA, "link", "set", IFA, "up")
    sh("ip", "-n", NSB, "link", "set", IFB, "up")
    sh("ip", "-n", NSA, "neigh", "add", IPB, "lladdr", MACB, "dev", IFA)
    time.sleep(1)


def cleanup():
    for ns in (NSA, NSB):
        sh("ip", "netns", "del", ns, check=False)


def kmsg_drain(fd):
    out = []
    while True:
        r, _, _ = select.select([fd], [], [], 0)
        if not r:
            return out
        try:
            rec = os.read(fd, 8192).decode("utf-8", "replace")
        except BlockingIOError:
            return out
        except OSError:   # EPIPE: overwritten records
            continue
        out.append(rec.split(";", 1)[1].split("\n", 1)[0])


def run_one(fd, i, v):
    name, where, flags, prefix, pkt, pre, user = v
    if prefix is None:
        prefix = "%s-%d " % (PFX, i)
    if where == "out":
        ns, table, chain, match = NSA, "raw", "OUTPUT", ["-o", IFA]
        how = "raw"
    elif where == "lo":
        ns, table, chain, match = NSB, "raw", "PREROUTING", ["-i", "lo"]
        how = "raw"
    else:
        ns, table, chain, match = NSB, "raw", "PREROUTING", ["-i", IFB]
        how = "if:" + IFA
    sender = NSB if where == "lo" else NSA
    ipt(ns, "-t", table, "-F", chain)
    if pre:
        ipt(ns, "-t", table, "-A", chain, *match, *pre.split())
    args = ["-t", table, "-A", chain, *match, "-j", "LOG"]
    if prefix:
        args += ["--log-prefix", prefix]
    ipt(ns, *args, *flags.split())
    kmsg_drain(fd)
    as_user = []
    if user:   # a raw socket owned by another user: UID and GID differ
        as_user = ["setpriv", "--reuid", str(user[0]), "--regid",
                   str(user[1]), "--clear-groups", "--inh-caps", "+net_raw",
                   "--ambient-caps", "+net_raw"]
    sh("ip", "netns", "exec", sender, *as_user, "/usr/bin/python3", __file__,
       "send", how, pkt.hex())
    time.sleep(0.3)
    dev = {"out": IFA, "lo": "lo"}.get(where, IFB)
    lines = [ln for ln in kmsg_drain(fd)
             if ln.startswith(prefix) and
             (" IN=%s " % dev in ln or " OUT=%s " % dev in ln or
              ln.startswith(prefix + "IN=%s " % dev) or
              ln.startswith(prefix + "IN= OUT=%s " % dev))]
    ipt(ns, "-t", table, "-F", chain)
    # (on lo the port-unreachable answer follows: the first line is ours)
    if not lines or (len(lines) > 1 and where != "lo"):
        raise SystemExit("%s: expected one kernel line, got %r" % (name, lines))
    # the packet as the hook saw it: IP header on (link header apart)
    if where == "in":
        mac, ippkt, ether = pkt[:14], pkt[14:], 1
    elif where == "lo":
        mac, ippkt, ether = bytes(12) + b"\x08\x00", pkt, 0
    else:
        mac, ippkt, ether = b"", pkt, 0
    return {
        "name": name,
        "rule": " ".join(args + flags.split()),
        "in": dev if where != "out" else "",
        "out": dev if where == "out" else "",
        "mac": mac.hex(),
        "ether": str(ether),
        "uid": str(user[0] if user else 0) if where == "out" else "-",
        "gid": str(user[1] if user else 0) if where == "out" else "-",
        "mark": "0x2a" if pre else "0",
        "flags": flags,
        "prefix": prefix,
        "packet": ippkt.hex(),
        "kernel": lines[0],
    }


def main():
    outfile = sys.argv[1]
    old = open(SYSCTL).read().strip()
    cleanup()
    fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
    os.lseek(fd, 0, os.SEEK_END)
    recs = []
    try:
        setup()
        with open(SYSCTL, "w") as f:
            f.write("1")
        for i, v in enumerate(V):
            recs.append(run_one(fd, i, v))
    finally:
        with open(SYSCTL, "w") as f:
            f.write(old)
        cleanup()
    kernel = os.uname().release
    with open(outfile, "w") as f:
        f.write("# -j LOG lines printed by Linux %s (iptables-nft 1.8.9),\n"
                "# made by tests/unit/gen_log_vectors.py. One record per\n"
                "# blank-line-separated block; 'key: value' with the value\n"
                "# taken verbatim to the end of the line (trailing blanks\n"
                "# count). packet: the IP packet in hex; mac: the link\n"
                "# header; uid/gid '-' when no socket.\n" % kernel)
        for r in recs:
            f.write("\n")
            for k in ("name", "rule", "in", "out", "mac", "ether", "uid",
                      "gid", "mark", "flags", "prefix", "packet", "kernel"):
                f.write("%s: %s\n" % (k, r[k]))
    print("%d vectors written" % len(recs))


if __name__ == "__main__":
    main()
