#!/usr/bin/env python3
"""Differential packet test for IPv6: verdicts and counters, kernel
ip6tables-nft vs qtablesd.

Run by run-packets6.sh, which builds two twin topologies
    c1 -- fw1 -- s1   (fw1: the kernel's ip6tables-nft, the oracle)
    c2 -- fw2 -- s2   (fw2: qtablesd)
with the same addresses, interface names and MAC addresses, and an nft
table "pdobs6" in s* (prerouting) and fw* (input, after every hook of
ip6tables and of the steering) that records the flow label of every
IPv6 packet that got there: the flow label of a case's frames is its
marker (all fragments of one datagram carry the same).

First a directed batch (the protocol -p sees behind AH and in a
non-first fragment before destination options); then from a fixed
seed: batches of one ruleset (raw, mangle and filter, in
ip6tables' language: prefixes, tcp/udp ports, ICMPv6 types, interfaces,
connection states, user chains, and the IPv6 matches hl, frag, hbh,
dst, rt, ipv6header, ah, eui64, mh and srh) and several cases each: TCP,
UDP, ICMPv6 or mobility header packets, forwarded or to the firewall,
some behind extension headers (hop-by-hop and destination options with
and without options, routing type 0 with no segment left, a segment
routing header, an atomic fragment header, AH) and some cut into
fragments, some from the client's EUI-64 address. Per case we
compare which frames got to the server or to the firewall itself, and
what the case added to every counter of `ip6tables -t T -L -v -n -x`
(T = raw, mangle, filter), whose text must otherwise be identical.

Usage: packets6.py SEED NCASES FW1 FW2 C1 C2 S1 S2 QT_BUILD
Environment: QT_PDIFF_VERBOSE=1 prints passing cases too.
"""
import os
import random
import re
import socket
import struct
import subprocess
import sys
import time

from scapy.all import (Ether, IPv6, TCP, UDP, ICMPv6EchoRequest, ICMPv6EchoReply,
                       ICMPv6DestUnreach, ICMPv6TimeExceeded, ICMPv6PacketTooBig,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt, IPv6ExtHdrRouting,
                       IPv6ExtHdrFragment, Raw, fragment6, conf)
from scapy.layers.inet6 import (PadN, RouterAlert, IPv6ExtHdrSegmentRouting,
                                MIP6MH_BRR, MIP6MH_HoTI, MIP6MH_BU, MIP6MH_BE)
import pdiff
from pdiff import CMAC, F0MAC, l2sock, counter_diff

conf.verb = 0

(SEED, NCASES, FW1, FW2, C1, C2, S1, S2, QT_BUILD) = sys.argv[1:10]
SEED = int(SEED)
NCASES = int(NCASES)
VERBOSE = os.environ.get("QT_PDIFF_VERBOSE") == "1"

KIPT = "/usr/sbin/ip6tables-nft"
QIPT = QT_BUILD + "/ip6tables"
TABLES = ("raw", "mangle", "filter")


def both(scripts, inputs=(None, None)):
    return pdiff.both((FW1, FW2), scripts, inputs)


def listings():
    return pdiff.listings((FW1, FW2), (KIPT, QIPT), TABLES)


SET_ELEM = re.compile(r"(0x[0-9a-f]+|\d+)")


def arrivals():
    """{flow label: set of where} per twin."""
    res = []
    for s, f in ((S1, FW1), (S2, FW2)):
        seen = {}
        for where, ns in (("server", s), ("fw", f)):
            out = subprocess.run(["ip", "netns", "exec", ns, "nft", "list", "set",
                                  "ip6", "pdobs6", "seen"], capture_output=True,
                                 text=True).stdout
            body = out.split("elements", 1)[1] if "elements" in out else ""
            for a in SET_ELEM.findall(body):
                seen.setdefault(int(a, 0), set()).add(where)
        res.append(seen)
    return res


def flush_arrivals():
    ps = [subprocess.Popen(["ip", "netns", "exec", ns, "nft", "flush", "set",
                            "ip6", "pdobs6", "seen"])
          for ns in (S1, S2, FW1, FW2)]
    for p in ps:
        p.wait()


# ---- rules -------------------------------------------------------------

SRC_POOL = [("fd00:1::2", 128), ("fd00:1::", 64), ("fd00:1::7", 128),
            ("fd00::", 16), ("2001:db8::", 32), ("fd00:1::100", 120),
            ("fd00:1:0:0:8000::", 65)]
SRC_ADDRS = ["fd00:1::2", "fd00:1::7", "fd00:1::150", "fd00:1::8000:0:0:1",
             "2001:db8::5", "fd00:9::1"]
FWD_DST = [("fd00:2::2", 128), ("fd00:2::", 64), ("fd00:2::77", 128),
           ("fd00::", 8), ("fd00:2::40", 122)]
FWD_ADDRS = ["fd00:2::2", "fd00:2::77", "fd00:2::50"]
LOCAL_DST = [("fd00:1::1", 128), ("fd00:2::1", 128), ("fd00:1::", 64)]
PORTS = [22, 53, 80, 443, 1000, 1024, 5000, 8080, 65535]
ICMP6 = [("echo-request", (128, 0)), ("echo-reply", (129, 0)),
         ("128", (128, 0)), ("1/4", (1, 4)), ("port-unreachable", (1, 4)),
         ("destination-unreachable", (1, 0)), ("time-exceeded", (3, 0)),
         ("packet-too-big", (2, 0)), ("3/1", (3, 1))]
STATES = ["NEW", "ESTABLISHED", "RELATED,ESTABLISHED", "INVALID", "UNTRACKED",
          "NEW,INVALID"]

# The IPv6 matches and the packets that exercise them come from a second
# generator, so that the rest of a seed's rulesets and packets stay as
# they were before they were added.
RX = random.Random(SEED * 6 + 1)
# tos, dscp and ecn and the traffic classes and TCP flags that meet
# them: a third generator, for the same reason
RD = random.Random(SEED * 6 + 2)
TC_VALUES = [0x00, 0x01, 0x02, 0x03, 0x10, 0x12, 0xb8, 0xba, 0x28, 0xff]


def ds_match(r, tcp):
    k = r.random()
    if k < 0.35:
        return "-m tos %s--tos %s" % (neg(r), r.choice(
            ["0x10", "0x12/0x3f", "Minimize-Delay", "0xb8/0xfc", "0x03/0x03", "0xff"]))
    if k < 0.7:
        return "-m dscp %s%s" % (neg(r), r.choice(
            ["--dscp 0", "--dscp 0x2e", "--dscp 4", "--dscp-class EF", "--dscp-class AF11"]))
    o = []
    if tcp:
        for f in ("--ecn-tcp-ece", "--ecn-tcp-cwr"):
            if r.random() < 0.5:
                o.append("%s%s" % (neg(r, 0.3), f))
    if not o or r.random() < 0.4:
        o.append("%s--ecn-ip-ect %d" % (neg(r, 0.3), r.randrange(4)))
    return "-m ecn " + " ".join(o)


# the client's MAC 02:00:00:00:01:02 as an EUI-64 interface identifier
EUI64_SRC = "fd00:1::ff:fe00:102"
HDR_NAMES = ["hop", "dst", "route", "frag", "auth", "esp", "none", "prot",
             "hop-by-hop", "ipv6-opts", "ipv6-route", "ipv6-frag", "ah", "44"]
OPT_LISTS = ["5", "1", "5:2", "1:0", "5:2,1", "5:2,1:0", "1,5", "30", "30:2,1:4"]
MH_TYPES = ["bu", "binding-refresh-request", "0", "1:2", "be", "5:7", "hoti"]


def ip6_match(x):
    """One of ip6tables' IPv6 matches, with options drawn from x."""
    k = x.choice(["hl", "frag", "frag", "ipv6header", "ipv6header", "hbh", "dst",
                  "rt", "rt", "ah", "eui64", "srh"])
    if k == "hl":
        op = x.choice(["%s--hl-eq" % neg(x, 0.3), "--hl-lt", "--hl-gt"])
        return "-m hl %s %d" % (op, x.choice([0, 1, 2, 63, 64, 65, 255]))
    if k == "frag":
        o = []
        if x.random() < 0.5:
            a = x.choice([0, 1, 50, 100, 65535])
            o.append("%s--fragid %d:%d" % (neg(x, 0.3), a, a + x.choice([0, 50, 1000, 4294967295 - a])))
        if x.random() < 0.3:
            o.append("%s--fraglen %d" % (neg(x, 0.3), x.choice([0, 8, 16])))
        if x.random() < 0.2:
            o.append("--fragres")
        f = x.random()
        if f < 0.2:
            o.append("--fragfirst")
        elif f < 0.4:
            o.append("--fragmore")
        elif f < 0.6:
            o.append("--fraglast")
        return "-m frag " + " ".join(o)
    if k == "ipv6header":
        hs = ",".join(x.sample(HDR_NAMES, x.choice([1, 1, 2, 3])))
        return "-m ipv6header %s--header %s%s" % (neg(x, 0.3), hs,
                                                  " --soft" if x.random() < 0.5 else "")
    if k in ("hbh", "dst"):
        o = []
        if x.random() < 0.5:
            o.append("%s--%s-len %d" % (neg(x, 0.3), k, x.choice([0, 8, 16])))
        if x.random() < 0.6 or not o:
            o.append("--%s-opts %s" % (k, x.choice(OPT_LISTS)))
        return "-m %s %s" % (k, " ".join(o))
    if k == "rt":
        o = []
        t = x.choice([None, 0, 0, 4, 2])
        if t is not None:
            o.append("%s--rt-type %d" % (neg(x, 0.2), t))
        if x.random() < 0.4:
            o.append("%s--rt-segsleft %s" % (neg(x, 0.3), x.choice(["0", "1:5", "0:0", "1"])))
        if x.random() < 0.3:
            o.append("%s--rt-len %d" % (neg(x, 0.3), x.choice([8, 24, 40])))
        if t == 0 and x.random() < 0.5:
            o.append("--rt-0-addrs %s" % x.choice(["fd00:2::2", "fd00:2::77,fd00:2::2",
                                                   "fd00:2::2,fd00:2::77"]))
            if x.random() < 0.5:
                o.append("--rt-0-not-strict")
        if t == 0 and x.random() < 0.2:
            o.append("--rt-0-res")
        return "-m rt " + " ".join(o)
    if k == "ah":
        o = []
        if x.random() < 0.7:
            a = x.choice([0, 256, 300, 1000])
            o.append("%s--ahspi %d:%d" % (neg(x, 0.3), a, a + x.choice([0, 50, 4294967295 - a])))
        if x.random() < 0.3:
            o.append("%s--ahlen %d" % (neg(x, 0.3), x.choice([4, 24])))
        if x.random() < 0.2 or not o:
            o.append("--ahres")
        return "-m ah " + " ".join(o)
    if k == "eui64":
        return "-m eui64"
    o = []
    for _ in range(x.choice([1, 1, 2])):
        o.append(x.choice(["%s--srh-next-hdr %d" % (neg(x, 0.3), x.choice([6, 17, 58])),
                           "%s--srh-segs-left-%s 0" % (neg(x, 0.3), x.choice(["eq", "gt", "lt"])),
                           "--srh-last-entry-eq %d" % x.choice([0, 1]),
                           "--srh-hdr-len-%s 4" % x.choice(["eq", "gt", "lt"]),
                           "%s--srh-tag 0" % neg(x, 0.3),
                           "%s--srh-lsid fd00:2::/64" % neg(x, 0.3),
                           "--srh-nsid fd00:2::77"]))
    return "-m srh " + " ".join(o)


def neg(r, p=0.25):
    return "! " if r.random() < p else ""


# tcpmss, esp, ipcomp and dccp: a generator of their own, for the same
# reason.
RY = random.Random(SEED * 6 + 5)
NEWP = {"esp": 50, "ipcomp": 108, "dccp": 33}
SPI6 = [0, 255, 256, 300, 4000, 65535, 65536, 4294967295]
# what the batch's rules of these name, for its packets to meet them
PICKS = []


def proto_match(y):
    """A rule's -p and match of tcpmss, esp, ipcomp or dccp."""
    k = y.choice(["tcpmss", "esp", "ipcomp", "dccp"])
    if k == "tcpmss":
        lo = y.choice([0, 536, 1220, 1440])
        hi = max(lo, y.choice([lo, 1440, 65535]))
        PICKS.append(("tcp", "mss", [lo, hi, max(0, lo - 1), min(65535, hi + 1)]))
        return "-p tcp -m tcpmss %s--mss %s" % (neg(y, 0.3), lo if lo == hi else "%d:%d" % (lo, hi))
    if k in ("esp", "ipcomp"):
        a = y.choice(SPI6)
        b = max(a, y.choice(SPI6))
        PICKS.append((k, "pspi", [a, b, max(0, a - 1), min(4294967295, b + 1)]))
        e = "" if y.random() < 0.15 else " %s--%sspi %s" % (
            neg(y, 0.3), "esp" if k == "esp" else "ipcomp", a if a == b else "%d:%d" % (a, b))
        return "-p %s -m %s%s" % (k, k, e)
    o = []
    if y.random() < 0.5:
        o.append("%s--%s %s" % (neg(y, 0.3), y.choice(["sport", "dport"]),
                                y.choice(["80", "1000:2000", "0:1023", "5000:"])))
    if y.random() < 0.5:
        o.append("%s--dccp-types %s" % (neg(y, 0.3), ",".join(
            y.sample(["REQUEST", "RESPONSE", "DATA", "ACK", "RESET", "INVALID"], 2))))
    if y.random() < 0.4 or not o:
        o.append("%s--dccp-option %d" % (neg(y, 0.3), y.choice([1, 32, 44])))
    PICKS.append(("dccp", "dtype", [0, 1, 2, 3, 7, 12]))
    return "-p dccp -m dccp " + " ".join(o)


def gen_rule(r, ctx, spec_hint):
    a = []
    if r.random() < 0.4:
        ad, ln = r.choice(SRC_POOL)
        a.append("%s-s %s/%d" % (neg(r), ad, ln))
    if r.random() < 0.3:
        ad, ln = r.choice(LOCAL_DST if ctx == "INPUT" else FWD_DST)
        a.append("%s-d %s/%d" % (neg(r), ad, ln))
    k = r.random()
    if k < 0.35:
        a.append("-p tcp")
        if r.random() < 0.7:
            a.append("%s--%s %s" % (neg(r), r.choice(["dport", "sport"]),
                                     r.choice(PORTS)))
        if r.random() < 0.2:
            a.append(r.choice(["--syn", "! --syn"]))
    elif k < 0.6:
        a.append("-p udp")
        if r.random() < 0.7:
            a.append("%s--%s %d:%d" % (neg(r), r.choice(["dport", "sport"]),
                                        r.choice(PORTS), 65535))
    elif k < 0.8:
        a.append("%s-p ipv6-icmp" % neg(r, 0.15))
        if "! -p" not in a[-1] and r.random() < 0.6:
            a.append("-m icmp6 %s--icmpv6-type %s" % (neg(r, 0.2), r.choice(ICMP6)[0]))
    if r.random() < 0.25:
        ins = ["-i qtf0", "-i qtf+", "! -i qtf0", "-i qtf1"]
        outs = ["-o qtf1", "! -o qtf1", "-o qtf+"]
        a.append(r.choice(ins + outs if ctx == "FORWARD" else ins))
    if r.random() < 0.25:
        a.append("-m conntrack %s--ctstate %s" % (neg(r, 0.2), r.choice(STATES)))
    if RX.random() < 0.3:
        a.append(ip6_match(RX))
    if RY.random() < 0.15 and not any("-p " in w for w in a):
        a.append(proto_match(RY))
    k = RX.random()
    if k < 0.14 and not any("-p " in w for w in a):
        if k < 0.04:
            a.append("-p mh -m mh %s--mh-type %s" % (neg(RX, 0.3), RX.choice(MH_TYPES)))
        else:
            # behind AH the protocol -p sees is AH's; a non-first
            # fragment before destination options has none
            a.append("%s-p %s" % (neg(RX, 0.4), RX.choice(["ah", "51", "ipv6-mh", "ipv6-opts",
                                                           "tcp", "udp"])))
    if RD.random() < 0.25:
        a.append(ds_match(RD, "-p tcp" in a))
    return " ".join(a)


def target(r, users, in_user):
    k = r.random()
    if k < 0.3:
        return "-j ACCEPT"
    if k < 0.55:
        return "-j DROP"
    if k < 0.65 and in_user:
        return "-j RETURN"
    if k < 0.8 and users and not in_user:
        return "-%s %s" % (r.choice("jjg"), r.choice(users))
    return ""


def gen_ruleset(r):
    PICKS.clear()
    out = []
    users = ["U1", "U2"] if r.random() < 0.5 else []
    # raw and mangle count (the policy stays ACCEPT there)
    out.append("*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]")
    for _ in range(r.randint(0, 2)):
        out.append("-A PREROUTING %s" % gen_rule(r, "PREROUTING", None))
    out.append("COMMIT\n*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n"
               ":FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]")
    for _ in range(r.randint(0, 2)):
        ch = r.choice(["PREROUTING", "FORWARD", "INPUT"])
        out.append("-A %s %s" % (ch, gen_rule(r, ch if ch != "PREROUTING" else "INPUT", None)))
    out.append("COMMIT\n*filter\n:INPUT %s [0:0]\n:FORWARD %s [0:0]\n:OUTPUT ACCEPT [0:0]"
               % (r.choice(["ACCEPT", "DROP"]), r.choice(["ACCEPT", "DROP"])))
    for u in users:
        out.append(":%s - [0:0]" % u)
    for ch in ("INPUT", "FORWARD"):
        for _ in range(r.randint(1, 6)):
            out.append(("-A %s %s %s" % (ch, gen_rule(r, ch, None),
                                         target(r, users, False))).rstrip())
    for u in users:
        for _ in range(r.randint(0, 3)):
            out.append(("-A %s %s %s" % (u, gen_rule(r, "FORWARD", None),
                                         target(r, users, True))).rstrip())
    out.append("COMMIT\n")
    return "\n".join(out)


# ---- bpf ------------------------------------------------------------------
# Classic BPF programs (-m bpf --bytecode) on IPv6 packets, from a
# generator of their own (the other cases of a seed stay): the next
# header, ports read by indirect loads behind the fixed header, the
# hop limit and an address word with ALU and jumps, the payload
# length, loads at and past the end (absolute, indirect, SKF_NET_OFF,
# LEN) and the protocol ancillary load (ETH_P_IPV6).

RB = random.Random(SEED * 6 + 7)
BPF6_PICKS = []     # fields the batch's bpf rules look at, for its packets


def bpf6_rule(b):
    """A rule's -m bpf, as "code jt jf k" lines ending in returns."""
    k = b.randrange(6)
    port = b.choice(PORTS)
    if k == 0:
        nh = b.choice([6, 17, 58, 0, 44])
        prog = ["48 0 0 6", "21 0 1 %d" % nh, "6 0 0 1", "6 0 0 0"]
    elif k == 1:
        proto, at = b.choice([(6, "tcp"), (17, "udp")]), b.choice([0, 2])
        prog = ["48 0 0 6", "21 0 4 %d" % proto[0],
                "1 0 0 %d" % b.choice([40, 40, 39]), "72 0 0 %d" % at,
                "21 0 1 %d" % port, "6 0 0 65535", "6 0 0 0"]
        BPF6_PICKS.append({"proto": proto[1], "sport" if at == 0 else "dport": port,
                           "ext": []})
    elif k == 2:
        prog = ["48 0 0 7", "%d 0 2 %d" % (b.choice([37, 53]), b.choice([1, 2, 63, 64])),
                "32 0 0 20", "84 0 0 %d" % b.choice([1, 0xff, 0xffff]), "22 0 0 0",
                "6 0 0 0"]
    elif k == 3:
        prog = ["40 0 0 4", "%d 0 1 %d" % (b.choice([37, 53, 21]), b.choice([0, 8, 20, 100])),
                "6 0 0 1", "6 0 0 0"]
    elif k == 4:
        at = b.choice([39, 40, 47, 48, 59, 60, 99, 139, 140, 1239, 1240])
        BPF6_PICKS.append({"len": b.choice([0, 8, 100, 1200])})
        prog = b.choice([["48 0 0 %d" % at, "6 0 0 1"],
                         ["1 0 0 %d" % (at - 2), "72 0 0 1", "22 0 0 0"],
                         ["48 0 0 %d" % (0xfff00000 + b.choice([6, 7, 39])), "22 0 0 0"],
                         ["128 0 0 0", "37 0 1 %d" % at, "6 0 0 1", "6 0 0 0"]])
    else:
        prog = ["32 0 0 4294963200", "21 0 1 34525", "6 0 0 1", "6 0 0 0"]
    return '-m bpf --bytecode "%d,%s"' % (len(prog), ",".join(prog))


_gen_rule_without_bpf = gen_rule
_gen_ruleset_without_bpf = gen_ruleset


def gen_ruleset(r):    # noqa: F811
    BPF6_PICKS.clear()
    return _gen_ruleset_without_bpf(r)


def gen_rule(r, ctx, spec_hint):    # noqa: F811 (bpf rules mixed in)
    a = _gen_rule_without_bpf(r, ctx, spec_hint)
    if RB.random() < 0.12:
        # alone mostly: the generated conditions would hide it
        return (a + " " if RB.random() < 0.3 else "") + bpf6_rule(RB)
    return a


# ---- packets -------------------------------------------------------------

def gen_spec(r):
    s = {"local": r.random() < 0.35}
    s["src"] = r.choice(SRC_ADDRS)
    s["dst"] = r.choice(["fd00:1::1", "fd00:2::1"]) if s["local"] else r.choice(FWD_ADDRS)
    s["proto"] = r.choice(["tcp", "tcp", "udp", "icmp6"])
    s["sport"] = r.choice(PORTS + [40000])
    s["dport"] = r.choice(PORTS)
    s["flags"] = r.choice(["S", "S", "SA", "A", "R", "F"])
    s["icmp"] = r.choice(ICMP6)[1]
    s["ext"] = r.choice([[], [], [], ["hbh"], ["dst"], ["rt"], ["hbh", "dst"],
                         ["atomic"], ["frag"], ["hbh", "frag"]])
    s["len"] = r.choice([0, 8, 100, 1200])
    s["hlim"] = r.choice([64, 64, 1, 2])
    s["tc"] = RD.choice(TC_VALUES)
    if RD.random() < 0.25:
        s["flags"] += RD.choice(["E", "C", "EC"])
    # the second generator's part: more extension headers, AH, the
    # mobility header, the client's EUI-64 address
    k = RX.random()
    if k < 0.08:
        s["ext"] = ["hbho"]
    elif k < 0.14:
        s["ext"] = ["dsto"]
    elif k < 0.2:
        s["ext"] = ["rt2"]
    elif k < 0.25:
        s["ext"] = ["srh"]
    elif k < 0.33:
        s["ext"] = RX.choice([["ah"], ["hbho", "ah"], ["ah", "dsto"]])
    elif k < 0.37:
        s["ext"] = ["hbho", "dsto", "frag"]
    elif k < 0.42:
        # destination options in the fragmentable part: a non-first
        # fragment's next header is an extension header
        s["ext"] = RX.choice([["frag", "fdsto"], ["hbh", "frag", "fdsto"]])
    if RX.random() < 0.07:
        s["proto"] = "mh"
        s["mh"] = RX.choice([0, 1, 5, 7])
    if RX.random() < 0.12:
        s["src"] = EUI64_SRC
    s["spi"] = RX.choice([256, 300, 4000])
    # the third generator's part: esp, ipcomp, dccp, TCP's MSS option
    s["pspi"] = RY.choice(SPI6)
    s["mss"] = RY.choice([None, None, 536, 1220, 1440, 1441])
    s["dtype"], s["dx"] = RY.randrange(16), RY.random() < 0.5
    s["dopts"] = RY.choice([[], [1], [32], [0, 44], [1, 1, 32]])
    s["short"] = RY.random() < 0.05
    if RY.random() < 0.15 and s["proto"] != "mh":
        s["proto"] = RY.choice(["esp", "ipcomp", "dccp"])
    if PICKS and RY.random() < 0.4 and s["proto"] != "mh":
        proto, key, vals = RY.choice(PICKS)
        s["proto"], s[key] = proto, RY.choice(vals)
        if proto == "tcp":
            s["flags"] = "S"
    return s


_gen_spec_without_bpf = gen_spec


def gen_spec(r):    # noqa: F811 (packets moved towards the bpf rules)
    s = _gen_spec_without_bpf(r)
    if BPF6_PICKS and RB.random() < 0.5:
        s.update(RB.choice(BPF6_PICKS))
    return s


def dccp6(s, pay):
    """A DCCP header as packets.py makes one, its checksum over the IPv6
    pseudo-header."""
    t, x = s["dtype"], s["dx"]
    h = struct.pack("!HHBBH", s["sport"], s["dport"], 0, 0, 0)
    h += bytes([(t << 1) | (1 if x else 0)]) + (b"\x00\x00\x01" if not x else b"\x00\x00\x00")
    if x:
        h += b"\x00\x00\x00\x01"
    h += {2: b"", 0: b"\x00" * 4}.get(t, b"\x00" * 8 if t in (3, 4, 5, 6, 8, 9) else b"\x00" * 12)
    opts = b""
    for o in s["dopts"]:
        opts += bytes([o]) if o < 32 else bytes([o, 3, 7])
    h += opts + b"\x00" * (-len(opts) % 4)
    h = h[:4] + bytes([len(h) // 4]) + h[5:]
    data = h + pay
    ph = (socket.inet_pton(socket.AF_INET6, s["src"]) + socket.inet_pton(socket.AF_INET6, s["dst"]) +
          struct.pack("!IxxxB", len(data), 33))
    b = ph + data + b"\x00" * (len(data) % 2)
    c = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while c >> 16:
        c = (c & 0xffff) + (c >> 16)
    return data[:6] + struct.pack("!H", ~c & 0xffff) + data[8:]


def l4(s):
    pay = Raw(b"x" * s["len"]) if s["len"] else None
    if s["proto"] in NEWP:
        raw = b"x" * s["len"]
        if s["proto"] == "esp":
            b, cut = struct.pack("!II", s["pspi"], 1) + raw, 5
        elif s["proto"] == "ipcomp":
            b, cut = struct.pack("!BBH", 59, 0, s["pspi"] & 0xffff) + raw, 3
        else:
            b, cut = dccp6(s, raw), 9
        return Raw(b[:cut] if s["short"] else b)
    if s["proto"] == "tcp" and s["mss"] is not None:
        p = TCP(sport=s["sport"], dport=s["dport"], flags=s["flags"], seq=1000, ack=0,
                options=[("MSS", s["mss"])])
        return p / pay if pay else p
    if s["proto"] == "mh":
        p = {0: MIP6MH_BRR, 1: MIP6MH_HoTI, 5: MIP6MH_BU, 7: MIP6MH_BE}[s["mh"]]()
        return p
    if s["proto"] == "tcp":
        p = TCP(sport=s["sport"], dport=s["dport"], flags=s["flags"], seq=1000, ack=0)
    elif s["proto"] == "udp":
        p = UDP(sport=s["sport"], dport=s["dport"])
    else:
        t, c = s["icmp"]
        if t == 128:
            p = ICMPv6EchoRequest(id=7, seq=1)
        elif t == 129:
            p = ICMPv6EchoReply(id=7, seq=1)
        elif t == 1:
            p = ICMPv6DestUnreach(code=c) / IPv6(src=s["dst"], dst=s["src"]) / UDP(
                sport=s["dport"], dport=s["sport"])
        elif t == 2:
            p = ICMPv6PacketTooBig(mtu=1280) / IPv6(src=s["dst"], dst=s["src"]) / UDP()
        else:
            p = ICMPv6TimeExceeded(code=c) / IPv6(src=s["dst"], dst=s["src"]) / UDP()
    return p / pay if pay else p


# Chains that run past the payload length (the next header, then the
# bytes after the fixed header): nf_tables' walk reads each header's
# first bytes only, and the rules' protocol is where it ends.
MALFORMED = {
    # destination options of 32 bytes in a payload of 16, then TCP
    "bad-dst": (60, bytes([6, 3, 1, 2]) + bytes(12)),
    # hop-by-hop, then destination options running past it, then TCP
    "bad-hbh-dst": (0, bytes([60, 0, 1, 4]) + bytes(4) + bytes([6, 3, 1, 2]) + bytes(12)),
    # destination options running past the payload into another one
    "bad-dst-dst": (60, bytes([60, 3, 1, 2]) + bytes(12)),
    # AH claiming 48 bytes in 16
    "bad-ah": (51, bytes([6, 10]) + bytes(14)),
    # two bytes of destination options (length 0), then UDP
    "bad-short": (60, bytes([17, 0])),
    # a routing header cut after 2 bytes
    "bad-rt": (43, bytes([6, 0])),
}


def build(s, mark):
    ip = IPv6(src=s["src"], dst=s["dst"], fl=mark, hlim=s["hlim"], tc=s.get("tc", 0))
    bad = [e for e in s["ext"] if e in MALFORMED]
    if bad:
        nh, body = MALFORMED[bad[0]]
        return [bytes(Ether(src=CMAC, dst=F0MAC) /
                      IPv6(src=s["src"], dst=s["dst"], fl=mark, hlim=s["hlim"], nh=nh,
                           tc=s.get("tc", 0),
                           plen=len(body)) / Raw(body))]
    hdrs = ip
    ext = s["ext"]
    nh = NEWP.get(s["proto"])
    if "hbh" in ext:
        hdrs = hdrs / IPv6ExtHdrHopByHop()
    if "hbho" in ext:
        hdrs = hdrs / IPv6ExtHdrHopByHop(options=[RouterAlert(), PadN(optdata=b"")])
    if "dst" in ext:
        hdrs = hdrs / IPv6ExtHdrDestOpt()
    if "rt" in ext:
        hdrs = hdrs / IPv6ExtHdrRouting(type=0, segleft=0, addresses=[])
    if "rt2" in ext:
        hdrs = hdrs / IPv6ExtHdrRouting(type=0, segleft=0, addresses=["fd00:2::77", "fd00:2::2"])
    if "srh" in ext:
        hdrs = hdrs / IPv6ExtHdrSegmentRouting(segleft=0, addresses=["fd00:2::2", "fd00:2::77"])
    if "atomic" in ext:
        hdrs = hdrs / IPv6ExtHdrFragment(offset=0, m=0, id=mark)
    if "ah" in ext:
        # scapy's AH does not chain under IPv6: its bytes by hand (RFC
        # 4302: next header, length in 32-bit words minus 2, reserved,
        # SPI, sequence, a 96-bit ICV), then the headers after it, whose
        # checksum does not see AH
        after = IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0\0")]) if "dsto" in ext else None
        if nh and after:
            after.nh = nh
        rest = IPv6(src=s["src"], dst=s["dst"]) / (after / l4(s) if after else l4(s))
        if nh and not after:
            rest[IPv6].nh = nh
        rest = bytes(rest)
        nh = rest[6]
        hdrs.lastlayer().nh = 51
        ah = struct.pack("!BBHII", nh, 4, 0, s["spi"], 1) + bytes(12)
        pkt = hdrs / Raw(ah + rest[40:])
        return [bytes(Ether(src=CMAC, dst=F0MAC) / pkt)]
    if "dsto" in ext:
        hdrs = hdrs / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0\0")])
    if nh:
        hdrs.lastlayer().nh = nh
    pkt = hdrs / l4(s)
    if "frag" in ext:
        kw = {"nh": nh} if nh else {}
        if "fdsto" in ext:
            pkt = hdrs / IPv6ExtHdrFragment(id=mark) / IPv6ExtHdrDestOpt(**kw) / l4(s)
        else:
            pkt = hdrs / IPv6ExtHdrFragment(id=mark, **kw) / l4(s)
        frags = fragment6(pkt, 104 if s["len"] < 200 else 600)
    else:
        frags = [pkt]
    return [bytes(Ether(src=CMAC, dst=F0MAC) / f) for f in frags]


def describe(s):
    d = "%s %s -> %s" % (s["proto"], s["src"], s["dst"])
    if s["proto"] in ("tcp", "udp"):
        d += " %d->%d" % (s["sport"], s["dport"])
    if s["proto"] == "tcp":
        d += " [%s]" % s["flags"]
    if s["proto"] == "icmp6":
        d += " type %d/%d" % s["icmp"]
    if s["proto"] == "mh":
        d += " type %d" % s["mh"]
    if s["proto"] in ("esp", "ipcomp"):
        d += " spi %d" % s["pspi"]
    if s["proto"] == "dccp":
        d += " %d->%d type %d%s opts %s" % (s["sport"], s["dport"], s["dtype"],
                                           " x" if s["dx"] else "", s["dopts"])
    if s["proto"] == "tcp" and s["mss"] is not None:
        d += " mss %d" % s["mss"]
    if s["short"] and s["proto"] in NEWP:
        d += " cut-short"
    if "ah" in s["ext"]:
        d += " spi %d" % s["spi"]
    if s["ext"]:
        d += " ext " + "+".join(s["ext"])
    if any(e in MALFORMED for e in s["ext"]):
        return d
    d += " len %d hlim %d tc 0x%02x" % (s["len"], s["hlim"], s.get("tc", 0))
    return d


def directed_batches():
    """Before the random batches: the protocol -p sees where nf_tables
    finds it (ipv6_find_hdr with IP6_FH_F_AUTH): AH's behind AH, none
    for a non-first fragment whose next header is an extension header,
    and where its walk ends in a chain that runs past the payload. No
    rule tracks, so nothing reassembles the fragments."""
    def rules(ms):
        return ("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n" +
                "".join("-A FORWARD %s\n" % m for m in ms) + "COMMIT\n")

    def specs(exts):
        return [{"local": False, "src": "fd00:1::2", "dst": "fd00:2::2", "proto": proto,
                 "sport": 1000, "dport": 80, "flags": "S", "icmp": (128, 0), "ext": ext,
                 "len": 1200, "hlim": 64, "spi": 256, "pspi": 0, "mss": None,
                 "dtype": 0, "dx": False, "dopts": [], "short": False}
                for ext in exts for proto in ("tcp", "udp")]
    protos = ["-p tcp", "! -p tcp", "-p udp --dport 80", "-p ipv6-opts", "! -p ipv6-opts",
              "-p ah", "! -p ah", "! -p udp"]
    return [(rules(protos + ["-m frag --fragmore", "-m frag --fraglast",
                             "-m ipv6header --header frag,dst --soft", "-p tcp -j DROP"]),
             specs([["frag", "fdsto"], ["hbh", "frag", "fdsto"], ["frag"], ["ah"],
                    ["ah", "dsto"], ["hbho", "ah"]])),
            # the malformed chains: -p, then the extension header
            # matches, which drop a packet whose chain they cannot read
            (rules(protos + ["-m ipv6header --header dst --soft", "-m srh --srh-next-hdr 6",
                             "-m dst --dst-len 8", "-m hbh", "-m ah", "-m rt --rt-type 0",
                             "-m frag", "-p tcp -j DROP"]),
             specs([[m] for m in MALFORMED]))]


# ---- u32 -------------------------------------------------------------------
# Rules of the u32 match from a generator of their own (seeded from
# SEED), added to or put in place of a generated rule after it was drawn,
# so that the other cases of a seed stay what they were: the next
# header, payload length, hop limit and addresses, TCP and UDP payload
# words through '@' (the payload is "x" bytes), fragment headers, and
# words read at, just past and far past the packet's end. Each comes
# with what moves a packet towards it, picked for some of the batch's
# packets.

RU = random.Random(SEED * 6 + 5)
U32_PICKS = []


def u32_spec(**kw):
    def h(s):
        for k, v in kw.items():
            s[k] = RU.choice(v)
    return h


U32_RULES6 = [
    ("0 >> 28 = 6 && 4 >> 8 & 0xFF = 6,17", u32_spec(ext=[[], ["hbh"]])),
    ("4 >> 16 = 0:100", u32_spec(len=[0, 8, 100, 1200])),
    ("4 >> 8 & 0xFF = 44 && 40 & 0xFFF8 = 0", u32_spec(ext=[["frag"], ["atomic"], []])),
    ("4 >> 8 & 0xFF = 44 && 40 & 0xFFF9 = 1", u32_spec(ext=[["frag"], ["atomic"]])),
    ("4 >> 8 & 0xFF = 6 && 52 >> 26 & 0x3C @ 40 = 0x78787878",
     u32_spec(proto=["tcp"], ext=[[]], len=[0, 8, 100])),
    ("4 >> 8 & 0xFF = 17 && 48 = 0x78787878", u32_spec(proto=["udp"], ext=[[]], len=[0, 8])),
    ("4 & 0xFF = 64:255 && 8 = 0xfd000001", u32_spec(hlim=[64, 2])),
    ("0 >> 20 & 0xFF = 0:0x10", u32_spec(tc=[0x00, 0x10, 0xb8])),
    ("4 >> 16 @ 36 = 0:0xFFFFFFFF", u32_spec(len=[0, 8, 100])),
    ("4 >> 16 @ 37 = 0:0xFFFFFFFF", u32_spec(len=[0, 8, 100])),
    ("40 @ 0 = 0:0xFFFFFFFF", u32_spec(proto=["tcp", "udp"], ext=[[]])),
    ("4 >> 16 << 1 @ 0 @ 0xFFFFFFF0 = 0:0xFFFFFFFF", u32_spec(len=[0, 100])),
]


_gen_rule_without_u32 = gen_rule
_gen_spec_without_u32 = gen_spec
_gen_ruleset_without_u32 = gen_ruleset


def gen_rule(r, ctx, spec_hint):
    a = _gen_rule_without_u32(r, ctx, spec_hint)
    if RU.random() < 0.15:
        e, hint = RU.choice(U32_RULES6)
        U32_PICKS.append(hint)
        m = "-m u32 %s--u32 \"%s\"" % ("! " if RU.random() < 0.25 else "", e)
        a = a + " " + m if a and RU.random() < 0.5 else m
    return a


def gen_spec(r):
    s = _gen_spec_without_u32(r)
    if U32_PICKS and RU.random() < 0.5:
        RU.choice(U32_PICKS)(s)
    return s


def gen_ruleset(r):
    U32_PICKS.clear()
    return _gen_ruleset_without_u32(r)


def main():
    r = random.Random(SEED)
    s1, s2 = l2sock(C1), l2sock(C2)
    qw = pdiff.QueueWatch(FW2)
    passed = failed = 0
    mark = 1
    bno = 0
    t0 = time.time()
    directed = directed_batches()
    total = NCASES + sum(len(sp) for _, sp in directed)
    while passed + failed < total:
        bno += 1
        if directed:
            text, specs = directed.pop(0)
        else:
            text = gen_ruleset(r)
            ncase = min(r.randint(6, 10), total - passed - failed)
            specs = [gen_spec(r) for _ in range(ncase)]
        zero = "; ".join("{ipt} -t %s -Z" % t for t in TABLES)
        (o1, o2), (rc1, rc2) = both(
            ["/usr/sbin/ip6tables-nft-restore || exit $?; " + zero.format(ipt=KIPT),
             QT_BUILD + "/ip6tables-restore || exit $?; " + zero.format(ipt=QIPT)],
            (text, text))
        if rc1 != 0 or rc2 != 0:
            if rc1 != 0 and rc2 != 0:
                continue
            for _ in specs:
                failed += 1
            print("FAIL batch %d: restore: kernel rc %d, qtables rc %d: %s"
                  % (bno, rc1, rc2, (o1 + o2).strip().replace("\n", " / ")[:300]))
            continue
        flush_arrivals()
        qw.settle()
        prev = listings()
        cases = []
        for s in specs:
            m = mark
            mark += 1
            for f in build(s, m):
                s1.send(f)
                s2.send(f)
            cur = None
            for attempt in range(6):
                time.sleep(0.002 if attempt == 0 else 0.04)
                qw.settle()
                cur = listings()
                d1 = counter_diff(prev[0], cur[0])
                d2 = counter_diff(prev[1], cur[1])
                if d1 == d2:
                    break
            cases.append((s, m, cur[0][0] == cur[1][0], d1, d2, cur))
            prev = cur
        time.sleep(0.02)
        qw.settle()
        a1, a2 = arrivals()
        for n, (s, m, shape_ok, d1, d2, cur) in enumerate(cases):
            msgs = []
            g1, g2 = sorted(a1.get(m, ())), sorted(a2.get(m, ()))
            if g1 != g2:
                msgs.append("arrived: kernel %s qtables %s" % (g1 or "-", g2 or "-"))
            if not shape_ok and n == 0:
                k = [x for x in cur[0][0] if x not in cur[1][0]][:3]
                q = [x for x in cur[1][0] if x not in cur[0][0]][:3]
                msgs.append("listing differs: kernel %r qtables %r" % (k, q))
            if len(cur[0][0]) != len(cur[1][0]):
                if n > 0:
                    msgs.append("listing differs (counters not comparable)")
            elif d1 != d2:
                lines = cur[0][0]
                for i in sorted(d1):
                    if d1[i] != d2.get(i):
                        msgs.append("counter %r: kernel +%d/%d qtables +%d/%d"
                                    % (lines[i].strip()[:90], d1[i][0], d1[i][1],
                                       d2[i][0], d2[i][1]))
            if msgs:
                failed += 1
                print("FAIL batch %d case %d: %s" % (bno, n, describe(s)))
                for x in msgs[:6]:
                    print("   " + x)
                if os.environ.get("QT_PDIFF_RULES"):
                    print("   ruleset:\n" + text)
            else:
                passed += 1
                if VERBOSE:
                    print("ok batch %d: %s -> %s" % (bno, describe(s), ",".join(g1) or "dropped"))
    sys.stderr.write("packets6: seed %d, %d batches, %d cases, %.1fs\n"
                     % (SEED, bno, mark - 1, time.time() - t0))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
