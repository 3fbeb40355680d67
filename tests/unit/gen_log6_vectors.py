#!/usr/bin/python3
# Regenerate tests/unit/log6_vectors.txt from the running kernel: the IPv6
# twin of gen_log_vectors.py. Each packet is crafted with scapy, sent
# through a real ip6tables-nft -j LOG rule in a private namespace pair, and
# the kernel's own line (nf_log_ipv6) is read from /dev/kmsg.
# Needs root, ip6tables-nft, python3-scapy (Debian's, hence /usr/bin/python3).
# Usage: gen_log6_vectors.py OUTFILE   (NS prefix from $QT_GEN_PREFIX, "qthg6")
import os
import socket
import sys
import time



def send_main(how, hexpkt):
    """Runs inside a namespace: send one packet."""
    data = bytes.fromhex(hexpkt)
    if how.startswith("if:"):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((how[3:], 0))
        s.send(data)
    else:
        # IPPROTO_RAW on an IPv6 socket: the header is ours (IPV6_HDRINCL)
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
        dst = socket.inet_ntop(socket.AF_INET6, data[24:40])
        s.sendto(data, (dst, 0))


if len(sys.argv) == 4 and sys.argv[1] == "send":
    send_main(sys.argv[2], sys.argv[3])
    sys.exit(0)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("QT_GEN_PREFIX", "qthg6")
import gen_log_vectors as g  # noqa: E402

PFX = g.PFX
NSA, NSB, IFA, IFB, MACA, MACB = g.NSA, g.NSB, g.IFA, g.IFB, g.MACA, g.MACB
IPA, IPB = "2001:db8:77::1", "2001:db8:77::2"

from scapy.all import (Ether, IPv6, TCP, UDP, Raw,  # noqa: E402
                       IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrRouting, IPv6ExtHdrFragment,
                       ICMPv6EchoRequest, ICMPv6EchoReply,
                       ICMPv6DestUnreach, ICMPv6PacketTooBig,
                       ICMPv6TimeExceeded, ICMPv6ParamProblem,
                       ICMPv6ND_NS, ICMPv6MLReport, RouterAlert, PadN)
from scapy.layers.ipsec import ESP, AH  # noqa: E402


def eth(pkt):
    return bytes(Ether(src=MACA, dst=MACB) / pkt)


def ip6(**kw):
    kw.setdefault("src", IPA)
    kw.setdefault("dst", IPB)
    return IPv6(**kw)


SYN = g.SYN
ALLFL = g.ALLFL
UDPP = UDP(sport=5353, dport=53) / Raw(b"hello")
INNER_UDP = bytes(ip6(src=IPB, dst=IPA) / UDP(sport=53, dport=5353) /
                  Raw(b"x" * 10))
INNER_TCP = bytes(ip6(src=IPB, dst=IPA) /
                  TCP(sport=22, dport=40000, flags="SA", seq=5, ack=6,
                      options=[("MSS", 1400)]))
INNER_ECHO = bytes(ip6(src=IPB, dst="2001:db8:99::9", hlim=1) /
                   ICMPv6EchoRequest(id=7, seq=8))
INNER_HBH = bytes(ip6(src=IPB, dst=IPA) /
                  IPv6ExtHdrHopByHop(options=[RouterAlert()]) /
                  UDP(sport=1, dport=2))
HBH = IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\0" * 4)])
DST = IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0" * 4)])
RT = IPv6ExtHdrRouting(type=0, segleft=0, addresses=["2001:db8:77::5"])

V = []


def add(name, pkt, flags="", where="in", prefix=None, pre="", user=None):
    V.append((name, where, flags, prefix, pkt, pre, user))


add("tcp syn", eth(ip6() / SYN))
add("tcp syn seq+opt", eth(ip6() / SYN),
    "--log-tcp-sequence --log-tcp-options")
add("tcp syn all flags", eth(ip6(tc=0xb8, fl=0x12345) / SYN),
    "--log-tcp-sequence --log-tcp-options --log-ip-options --log-uid "
    "--log-macdecode")
add("tcp every flag", eth(ip6(tc=0xff, fl=0xfffff, hlim=255) / ALLFL),
    "--log-tcp-sequence")
add("tcp bad doff", eth(ip6() / TCP(sport=3, dport=4, dataofs=2, flags="F")),
    "--log-tcp-options --log-tcp-sequence")
add("tcp truncated header", eth(ip6(nh=6) / Raw(bytes(SYN)[:10])),
    "--log-uid")
add("tcp options cut", eth(ip6(nh=6) / Raw(bytes(SYN)[:24])),
    "--log-tcp-options")
add("udp", eth(ip6() / UDPP))
add("udp macdecode", eth(ip6() / UDPP), "--log-macdecode")
add("udp truncated", eth(ip6(nh=17) / Raw(b"\x00\x35\x00")))
add("udplite", eth(ip6(nh=136) / Raw(bytes(UDP(sport=7, dport=9, len=8)))))
add("hop-by-hop udp", eth(ip6() / HBH / UDPP))
add("hop-by-hop udp ip-options", eth(ip6() / HBH / UDPP), "--log-ip-options")
add("every ext header", eth(ip6() / HBH / DST / RT / DST / UDPP),
    "--log-ip-options")
add("every ext header no opt", eth(ip6() / HBH / DST / RT / DST / UDPP))
add("first fragment", eth(ip6() / IPv6ExtHdrFragment(id=0xabcdef01, m=1) /
                          UDP(sport=1, dport=2, len=108) / Raw(b"a" * 16)),
    "--log-ip-options")
add("first fragment no opt", eth(ip6() / IPv6ExtHdrFragment(id=5, m=1) /
                                 UDP(sport=1, dport=2, len=108) /
                                 Raw(b"a" * 16)))
add("udp fragment", eth(ip6() / IPv6ExtHdrFragment(id=7, offset=3, nh=17) /
                        Raw(b"b" * 24)), "--log-ip-options --log-uid")
add("tcp fragment", eth(ip6() / IPv6ExtHdrFragment(id=8, offset=185, m=1,
                                                   nh=6) / Raw(b"c" * 8)),
    "--log-tcp-sequence")
add("fragment then dstopts", eth(ip6() / IPv6ExtHdrFragment(id=9, offset=2,
                                                            nh=60) /
                                 Raw(bytes(DST / UDPP))), "--log-ip-options")
add("fragment then dstopts no opt",
    eth(ip6() / IPv6ExtHdrFragment(id=9, offset=2, nh=60) /
        Raw(bytes(DST / UDPP))))
add("icmp6 fragment", eth(ip6() / IPv6ExtHdrFragment(id=10, offset=1, nh=58) /
                          Raw(b"d" * 8)))
add("fragment header cut", eth(ip6(nh=44) / Raw(b"\x11\x00\x00")),
    "--log-ip-options")
add("fragment header cut no opt", eth(ip6(nh=44) / Raw(b"\x11\x00\x00")))
add("ext header cut", eth(ip6(nh=60) / Raw(b"\x11")))
add("ext header cut ip-options", eth(ip6(nh=60) / Raw(b"\x11")),
    "--log-ip-options")
add("ah", eth(ip6() / AH(spi=0x1, seq=2, nh=17, icv=b"\0" * 12) / UDPP),
    "--log-ip-options")
add("ah no opt", eth(ip6() / AH(spi=0x1, seq=2, nh=17, icv=b"\0" * 12) /
                     UDPP))
add("ah cut", eth(ip6(nh=51) / Raw(b"\x11\x04" + b"\0" * 4)),
    "--log-ip-options")
add("ah fragment", eth(ip6() / IPv6ExtHdrFragment(id=11, offset=1, nh=51) /
                       Raw(b"e" * 8)), "--log-ip-options")
add("esp", eth(ip6() / ESP(spi=0xdeadbeef, seq=1) / Raw(b"\0" * 8)),
    "--log-ip-options --log-uid")
add("esp no opt", eth(ip6() / ESP(spi=0xdeadbeef, seq=1) / Raw(b"\0" * 8)),
    pre="-j MARK --set-mark 0x2a")
add("esp cut", eth(ip6(nh=50) / Raw(b"\0" * 3)), "--log-ip-options")
add("esp fragment", eth(ip6() / IPv6ExtHdrFragment(id=12, offset=1, nh=50) /
                        Raw(b"f" * 8)), "--log-ip-options")
add("no next header", eth(ip6(nh=59)))
add("no next header after hbh", eth(ip6() / IPv6ExtHdrHopByHop(nh=59)),
    "--log-ip-options")
add("sctp", eth(ip6(nh=132) / Raw(b"\0" * 12)))
add("echo request", eth(ip6() / ICMPv6EchoRequest(id=0x1234, seq=3,
                                                   data=b"ping")))
add("echo reply", eth(ip6() / ICMPv6EchoReply(id=1, seq=65535)))
add("icmp6 header cut", eth(ip6(nh=58) / Raw(b"\x80\x00\x00\x00")))
add("port unreachable (udp)",
    eth(ip6() / ICMPv6DestUnreach(code=4) / Raw(INNER_UDP)))
add("unreachable quoting 8 bytes of tcp",
    eth(ip6() / ICMPv6DestUnreach(code=1) / Raw(INNER_TCP[:48])),
    "--log-tcp-sequence")
add("unreachable quoting whole tcp",
    eth(ip6() / ICMPv6DestUnreach(code=3) / Raw(INNER_TCP)),
    "--log-tcp-sequence --log-tcp-options --log-uid")
add("unreachable quoting a cut header",
    eth(ip6() / ICMPv6DestUnreach(code=0) / Raw(INNER_UDP[:30])))
add("unreachable quoting nothing", eth(ip6() / ICMPv6DestUnreach(code=0)))
add("packet too big", eth(ip6() / ICMPv6PacketTooBig(mtu=1280) /
                          Raw(INNER_UDP)))
add("time exceeded (echo)", eth(ip6() / ICMPv6TimeExceeded(code=0) /
                                Raw(INNER_ECHO)))
add("param problem", eth(ip6() / ICMPv6ParamProblem(code=1, ptr=40) /
                         Raw(INNER_UDP)))
add("unreachable quoting hop-by-hop",
    eth(ip6() / ICMPv6DestUnreach(code=4) / Raw(INNER_HBH)),
    "--log-ip-options")
add("error quoting an error",
    eth(ip6() / ICMPv6DestUnreach(code=4) /
        Raw(bytes(ip6(src=IPB, dst=IPA) / ICMPv6PacketTooBig(mtu=1300) /
                  Raw(INNER_UDP)))))
add("neighbour solicitation", eth(ip6(hlim=255) /
                                  ICMPv6ND_NS(tgt=IPB)))
add("mld report", eth(ip6(hlim=1) / ICMPv6MLReport(mladdr="ff02::1:3")))
add("unknown icmp6 type", eth(ip6(nh=58) / Raw(b"\xc8\x09\x00\x00" +
                                                b"\0" * 4)))
add("mark", eth(ip6() / UDPP), pre="-j MARK --set-mark 0x2a")
add("empty prefix", eth(ip6() / UDPP), prefix="")
add("out uid", bytes(ip6() / UDPP), "--log-uid", where="out")
add("out uid 1234/4321", bytes(ip6() / UDPP), "--log-uid", where="out",
    user=(1234, 4321))
add("out no uid", bytes(ip6() / SYN), where="out")
add("lo", bytes(ip6(src="::1", dst="::1") / UDPP), where="lo")
add("lo macdecode", bytes(ip6(src="::1", dst="::1") / UDPP),
    "--log-macdecode", where="lo")
# the kernel's line ends at 1016 characters (nf_log's buffer)
MANY_DST = ip6(src=IPB, dst=IPA)
for _ in range(140):
    MANY_DST = MANY_DST / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0" * 4)])
add("unreachable quoting 140 destination options: a cut line",
    eth(ip6() / ICMPv6DestUnreach(code=4) /
        Raw(bytes(MANY_DST / UDP(sport=53, dport=5353)))),
    "--log-ip-options")
add("unreachable quoting 76 destination options: a whole line",
    eth(ip6() / ICMPv6DestUnreach(code=4) /
        Raw(bytes(MANY_DST)[:40 + 8 * 76])),
    "--log-ip-options")


def ipt(ns, *args):
    g.sh("ip", "netns", "exec", ns, "ip6tables-nft", *args)


def setup():
    for ns in (NSA, NSB):
        g.sh("ip", "netns", "add", ns)
        g.sh("ip", "-n", ns, "link", "set", "lo", "up")
        for k in ("all", "default"):
            # no router solicitations or DAD: only our packets on the wire
            for key, val in (("router_solicitations", "0"),
                             ("accept_dad", "0"), ("dad_transmits", "0")):
                g.sh("ip", "netns", "exec", ns, "sysctl", "-qw",
                     "net.ipv6.conf.%s.%s=%s" % (k, key, val))
    g.sh("ip", "link", "add", IFA, "netns", NSA, "address", MACA, "type",
         "veth", "peer", "name", IFB, "netns", NSB, "address", MACB)
    g.sh("ip", "-n", NSA, "addr", "add", IPA + "/64", "dev", IFA, "nodad")
    g.sh("ip", "-n", NSB, "addr", "add", IPB + "/64", "dev", IFB, "nodad")
    g.sh("ip", "-n", NSA, "link", "set", IFA, "up")
    g.sh("ip", "-n", NSB, "link", "set", IFB, "up")
    g.sh("ip", "-n", NSA, "neigh", "add", IPB, "lladdr", MACB, "dev", IFA)
    g.sh("ip", "-n", NSB, "neigh", "add", IPA, "lladdr", MACA, "dev", IFB)
    time.sleep(3)   # the links' own MLD reports pass before the first rule


def src_of(pkt, where):
    ippkt = pkt[14:] if where == "in" else pkt
    return socket.inet_ntop(socket.AF_INET6, ippkt[8:24])


def run_one(fd, i, v):
    name, where, flags, prefix, pkt, pre, user = v
    if prefix is None:
        prefix = "%s-%d " % (PFX, i)
    if where == "out":
        ns, chain, match, how = NSA, "OUTPUT", ["-o", IFA], "raw"
    elif where == "lo":
        ns, chain, match, how = NSB, "PREROUTING", ["-i", "lo"], "raw"
    else:
        ns, chain, match, how = NSB, "PREROUTING", ["-i", IFB], "if:" + IFA
    # the source keeps the links' own chatter (MLD, ND) out of the log
    match += ["-s", src_of(pkt, where)]
    sender = NSB if where == "lo" else NSA
    ipt(ns, "-t", "raw", "-F", chain)
    if pre:
        ipt(ns, "-t", "raw", "-A", chain, *match, *pre.split())
    args = ["-t", "raw", "-A", chain, *match, "-j", "LOG"]
    if prefix:
        args += ["--log-prefix", prefix]
    ipt(ns, *args, *flags.split())
    g.kmsg_drain(fd)
    as_user = []
    if user:
        as_user = ["setpriv", "--reuid", str(user[0]), "--regid",
                   str(user[1]), "--clear-groups", "--inh-caps", "+net_raw",
                   "--ambient-caps", "+net_raw"]
    g.sh("ip", "netns", "exec", sender, *as_user, "/usr/bin/python3",
         os.path.abspath(__file__), "send", how, pkt.hex())
    time.sleep(0.3)
    dev = {"out": IFA, "lo": "lo"}.get(where, IFB)
    lines = [ln for ln in g.kmsg_drain(fd)
             if ln.startswith(prefix) and
             (ln.startswith(prefix + "IN=%s " % dev) or
              ln.startswith(prefix + "IN= OUT=%s " % dev))]
    ipt(ns, "-t", "raw", "-F", chain)
    if not lines or (len(lines) > 1 and where != "lo"):
        raise SystemExit("%s: expected one kernel line, got %r" % (name, lines))
    if where == "in":
        mac, ippkt, ether = pkt[:14], pkt[14:], 1
    elif where == "lo":
        mac, ippkt, ether = bytes(12) + b"\x86\xdd", pkt, 0
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
    old = open(g.SYSCTL).read().strip()
    g.cleanup()
    fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
    os.lseek(fd, 0, os.SEEK_END)
    recs = []
    try:
        setup()
        with open(g.SYSCTL, "w") as f:
            f.write("1")
        for i, v in enumerate(V):
            recs.append(run_one(fd, i, v))
    finally:
        with open(g.SYSCTL, "w") as f:
            f.write(old)
        g.cleanup()
    kernel = os.uname().release
    with open(outfile, "w") as f:
        f.write("# -j LOG lines printed by Linux %s (ip6tables-nft 1.8.9),\n"
                "# made by tests/unit/gen_log6_vectors.py. Records as in\n"
                "# log_vectors.txt; packet: the IPv6 packet in hex.\n"
                % kernel)
        for r in recs:
            f.write("\n")
            for k in ("name", "rule", "in", "out", "mac", "ether", "uid",
                      "gid", "mark", "flags", "prefix", "packet", "kernel"):
                f.write("%s: %s\n" % (k, r[k]))
    print("%d vectors written" % len(recs))


if __name__ == "__main__":
    main()
