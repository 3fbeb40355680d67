#!/usr/bin/env python3
"""Differential packet test of nft rules: verdicts and counters, the
kernel's nft vs qtables' nft.

Run by run-nft-packets.sh, which builds the twin topologies of
run-packets.sh (c1 -- fw1 -- s1 judged by the kernel, c2 -- fw2 -- s2
by qtablesd) with the observer tables "pdobs" (kernel nft, priority
-500/500: outside anything judged).

From a fixed seed we generate batches: nft tables of family ip or inet
with one to four base chains (prerouting, input, forward, postrouting;
priorities around and equal to iptables' tables and to each other),
regular chains reached by jump and goto, named and anonymous sets,
dynamic sets that rules fill (add/update @d { ip saddr }, a timeout of
an hour, a meter's per-source limit) and that earlier rules match, and
sometimes an iptables filter table (iptables-restore through qtables,
iptables-nft-restore on the kernel's side) beside them. Every rule
carries a counter. Per batch both firewalls get the ruleset; per case
the same frames leave both clients, and we compare which reached the
server or the firewall itself, and the listings of the batch's tables
(`nft list table`, counters included) and iptables' counters after it.

Then XCASES more cases (environment, default 48) of batches made of the
expressions beyond plain compares: concatenations in anonymous and
named sets (exact and interval), verdict maps (anonymous and named,
kube-proxy's concatenated shape, jump and goto), bitwise matches and
mark and ct mark sets (from maps, jhash and numgen inc), numgen inc (deterministic: both twins see the
same packets in the same order) and numgen random where every outcome
gives the same verdict (mod 1, or a set holding every value), jhash
with a given seed, and fib (the address type, oif, oifname, missing and
exists; ip tables only).

Then CTCASES more (default 32) of ct's keys: state and status compared
without an operator (any of the flags), with ! (none) and with == and
!= (the number, as nft 1.0.6 compares them), direction, the tuples' addresses and ports, ct protocol and
l3proto, expiration (0 before the connection is confirmed, as the
kernel reads its still relative timeout), bytes, packets and avgpkt
(counted from the first such rule on, as the kernel turns
nf_conntrack_acct on for it), zone (0), helper and label (none), alone,
in concatenations and in a verdict map.

Usage: nftpackets.py SEED NCASES FW1 FW2 C1 C2 S1 S2 QT_BUILD
Environment: QT_PDIFF_VERBOSE=1 prints passing cases too.
"""
import os
import random
import re
import subprocess
import sys
import time

from scapy.all import Ether, IP, TCP, UDP, ICMP, Raw, fragment, conf
import pdiff
from pdiff import CMAC, F0MAC, l2sock

conf.verb = 0

(SEED, NCASES, FW1, FW2, C1, C2, S1, S2, QT_BUILD) = sys.argv[1:10]
SEED = int(SEED)
NCASES = int(NCASES)
VERBOSE = os.environ.get("QT_PDIFF_VERBOSE") == "1"
XCASES = int(os.environ.get("XCASES", "48"))
CTCASES = int(os.environ.get("CTCASES", "32"))
PCASES = int(os.environ.get("PCASES", "24"))

KNFT = "/usr/sbin/nft"
QNFT = QT_BUILD + "/nft"
KIPT = "/usr/sbin/iptables-nft"
QIPT = QT_BUILD + "/iptables"


def run(ns, args, inp=None):
    p = subprocess.run(["ip", "netns", "exec", ns] + args, input=inp,
                       capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


SET_ELEM = re.compile(r"(\d+)\s*\.\s*(0x[0-9a-f]+|\d+)")


def arrivals():
    res = []
    for s, f in ((S1, FW1), (S2, FW2)):
        seen = {}
        for where, ns, st in (("server", s, "seen"), ("fw", f, "seen"),
                              ("server-invalid", s, "bad")):
            out = run(ns, ["nft", "list", "set", "ip", "pdobs", st])[1]
            body = out.split("elements", 1)[1] if "elements" in out else ""
            for a, b in SET_ELEM.findall(body):
                seen.setdefault(int(a), set()).add((where, int(b, 0)))
        res.append(seen)
    return res


def flush_arrivals():
    for ns in (S1, S2, FW1, FW2):
        run(ns, ["nft", "flush", "set", "ip", "pdobs", "seen"])
    for ns in (S1, S2):
        run(ns, ["nft", "flush", "set", "ip", "pdobs", "bad"])


# ---- generation -------------------------------------------------------------

SRC_POOL = ["10.0.1.2", "10.0.1.9", "10.0.1.130", "10.0.3.7", "172.16.5.4",
            "192.168.77.1"]
FWD_DST = ["10.0.2.2", "10.0.2.77", "10.0.2.200"]
LOCAL_DST = ["10.0.1.1", "10.0.2.1"]
PORTS = [22, 53, 80, 443, 1000, 1024, 5000, 8080]
PRIOS = [-300, -200, -150, -100, -10, 0, 0, 0, 10, 50, 100, 200]
HOOKS = ["prerouting", "input", "forward", "postrouting"]


def addr_expr(r):
    k = r.random()
    if k < 0.35:
        return r.choice(SRC_POOL + FWD_DST + LOCAL_DST)
    if k < 0.6:
        return r.choice(["10.0.0.0/8", "10.0.1.0/24", "10.0.2.0/25", "172.16.0.0/12",
                         "192.168.0.0/16"])
    if k < 0.75:
        # (a range of one address too, which nft takes)
        return r.choice(["10.0.1.1-10.0.1.100", "10.0.2.50-10.0.2.255",
                         "10.0.2.77-10.0.2.77"])
    return "{ %s }" % ", ".join(sorted(set(r.sample(SRC_POOL + FWD_DST, r.randint(2, 4)))))


def port_expr(r):
    k = r.random()
    if k < 0.5:
        return str(r.choice(PORTS))
    if k < 0.7:
        a = r.choice(PORTS)
        return "%d-%d" % (a, a + r.choice([0, 1, 100, 5000]))
    return "{ %s }" % ", ".join(str(p) for p in sorted(set(r.sample(PORTS, r.randint(2, 4)))))


def neg(r):
    return "!= " if r.random() < 0.2 else ""


def gen_match(r, fam, sets):
    k = r.randrange(12)
    if k == 0:
        return "ip saddr %s%s" % (neg(r), addr_expr(r))
    if k == 1:
        return "ip daddr %s%s" % (neg(r), addr_expr(r))
    if k == 2:
        p = r.choice(["tcp", "udp"])
        return "%s dport %s%s" % (p, neg(r), port_expr(r))
    if k == 3:
        p = r.choice(["tcp", "udp"])
        return "%s sport %s" % (p, port_expr(r))
    if k == 4:
        return "meta l4proto %s" % r.choice(["tcp", "udp", "icmp", "{ tcp, udp }"])
    if k == 5:
        return "icmp type %s" % r.choice(["echo-request", "echo-reply",
                                          "{ echo-request, destination-unreachable }"])
    if k == 6:
        return "%s %s" % (r.choice(["iifname", "oifname"]),
                          r.choice(['"qtf0"', '"qtf1"', '{ "qtf0", "lo" }']))
    if k == 7:
        return "ip ttl %s" % r.choice(["< 64", "> 63", "64", "1-10", "!= 64"])
    if k == 8:
        return "ct state %s" % r.choice(["new", "established,related", "invalid",
                                         "{ new, established }", "!= new"])
    if k == 9:
        return "meta mark %s" % r.choice(["0x00000001", "0x00000000", "!= 0x00000001"])
    if k == 10 and sets:
        return "ip %s @%s" % (r.choice(["saddr", "daddr"]), r.choice(sets))
    if k == 11:
        return "tcp flags %s" % r.choice(["syn", "ack", "syn,ack", "rst"])
    return "meta l4proto udp"


def protos(m):
    """The transport protocols a match needs (nft refuses a rule that
    needs two)."""
    w = m.split()
    if w[0] in ("tcp", "udp", "icmp"):
        return {w[0]}
    if w[:2] == ["meta", "l4proto"]:
        return {m} if "{" in m else {w[2]}
    return set()


def gen_rule(r, fam, sets, chains, in_user, hook=None):
    parts, need = [], set()
    for _ in range(r.choice([0, 1, 1, 2, 2, 3])):
        m = gen_match(r, fam, sets)
        if need and protos(m) and protos(m) != need:
            continue
        need |= protos(m)
        parts.append(m)
    # nft lists "meta l4proto udp" before a udp field as the field's
    # dependency, which it leaves out: not typed, so listings compare
    fields = {m.split()[0] for m in parts}
    parts = [m for m in parts
             if not (m.startswith("meta l4proto ") and m.split()[2] in fields)]
    if r.random() < 0.1:
        # a limit no case reaches: the statement runs, never limits
        parts.append("limit rate 1000/second burst 100 packets")
    parts.append("counter")
    v = r.random()
    if r.random() < 0.15:
        parts.append("meta mark set 0x00000001")
    if r.random() < 0.1:
        parts.append('log prefix "nftpd "')
    if fam == "ip" and hook in ("input", "forward") and r.random() < 0.3:
        # its reply leaves the firewall's output, which the observers
        # drop in both twins: a drop as far as arrivals go (ip tables
        # only: an inet table's reject lists by the rule's family; and
        # only where the kernel takes it, input and forward)
        parts.append("reject" if need != {"tcp"} else "reject with tcp reset")
        return " ".join(parts)
    if chains and v < 0.2:
        parts.append("%s %s" % (r.choice(["jump", "goto"]), r.choice(chains)))
    elif v < 0.45:
        parts.append("accept")
    elif v < 0.65:
        parts.append("drop")
    elif in_user and v < 0.75:
        parts.append("return")
    return " ".join(parts)


def gen_batch(r, bno):
    """(nft text, table names [(family, name)], iptables restore text or None,
    description)."""
    tables = []
    text = []
    ntab = r.choice([1, 1, 2])
    desc = []
    for t in range(ntab):
        fam = r.choice(["ip", "inet"])
        name = "b%dt%d" % (bno, t)
        tables.append((fam, name))
        sets = []
        lines = ["table %s %s {" % (fam, name)]
        if r.random() < 0.4:
            sets.append("s")
            lines.append("\tset s { type ipv4_addr; flags interval; elements = { %s } ; }"
                         % ", ".join(sorted(set(r.sample(
                             ["10.0.1.2", "10.0.3.0/24", "172.16.0.0/12", "10.0.2.77",
                              "192.168.77.1"], 2)))))
        # a set the packets fill: matched by the chain's first rule,
        # filled by its last (the time elements have left is listed as
        # "expires X": see listing())
        # (drawn from a generator of their own, so that the batches
        # and packets the seed gives stay those without them)
        rd = random.Random(1000003 * bno + t)
        dyn = None
        if rd.random() < 0.35:
            dyn = rd.choice(["plain", "timeout", "meter"])
            lines.append("\tset d { type ipv4_addr; size 65535; flags dynamic%s; }"
                         % (",timeout; timeout 1h" if dyn == "timeout" else ""))
        users = ["u%d" % i for i in range(r.choice([0, 1, 2]))]
        for u in users:
            lines.append("\tchain %s {" % u)
            for _ in range(r.randint(1, 3)):
                lines.append("\t\t" + gen_rule(r, fam, sets, [], True))
            lines.append("\t}")
        nbase = r.choice([1, 2, 2, 3])
        for b in range(nbase):
            hook = r.choice(HOOKS)
            prio = r.choice(PRIOS)
            pol = "drop" if r.random() < 0.25 else "accept"
            lines.append("\tchain c%d {" % b)
            lines.append("\t\ttype filter hook %s priority %d; policy %s;" % (hook, prio, pol))
            if dyn == "meter" and b == 0:
                # the third packet of a source in the batch is over
                lines.append("\t\tupdate @d { ip saddr limit rate over 1/minute "
                             "burst 2 packets } counter drop")
            elif dyn and b == 0:
                lines.append("\t\tip %s @d counter%s" % (
                    rd.choice(["saddr", "daddr"]), rd.choice(["", " drop", " accept"])))
            for _ in range(r.randint(1, 4)):
                lines.append("\t\t" + gen_rule(r, fam, sets, users, False, hook))
            if dyn and dyn != "meter" and b == 0:
                lines.append("\t\t%s%s @d { ip %s } counter" % (
                    rd.choice(["", "meta l4proto udp ", "ip saddr 10.0.1.2 "]),
                    rd.choice(["add", "update"]), rd.choice(["saddr", "daddr"])))
            lines.append("\t}")
            desc.append("%s/%s:%s@%d/%s" % (fam, name, hook, prio, pol))
        lines.append("}")
        text += lines
    ipt = None
    if r.random() < 0.4:
        rules = []
        for _ in range(r.randint(1, 3)):
            ch = r.choice(["INPUT", "FORWARD"])
            m = r.choice(["-p udp --dport 53", "-p tcp --dport 80", "-s 10.0.1.0/24",
                          "-p icmp", "-d 10.0.2.77", ""])
            rules.append("-A %s %s -j %s" % (ch, m, r.choice(["ACCEPT", "DROP", "ACCEPT"])))
        ipt = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD %s [0:0]\n:OUTPUT ACCEPT [0:0]\n%s\nCOMMIT\n" % (
            r.choice(["ACCEPT", "ACCEPT", "DROP"]), "\n".join(rules))
        desc.append("iptables filter")
    return "\n".join(text) + "\n", tables, ipt, " ".join(desc)


def pick(r, pool, lo, hi):
    return sorted(set(r.sample(pool, r.randint(lo, hi))))


def gen_xrule(r, fam, hook):
    """One rule of the expressions beyond plain compares, and the named
    sets and maps it needs ([lines])."""
    verdict = r.choice(["accept", "drop", "jump u0", "goto u1", ""])
    kinds = ["cset", "nset", "iset", "svc", "nodeport", "vmap", "l4vmap",
             "bitwise", "ctbits", "numgen_inc", "numgen_random", "jhash",
             "mapset", "hdr", "pset"]
    if fam == "ip" and hook in ("prerouting", "input", "forward"):
        kinds += ["fib", "fib", "fib"]
    k = r.choice(kinds)
    protos = ["tcp", "udp"]
    if k == "cset":
        el = ["%s . %s . %d" % (a, p, d) for a in pick(r, SRC_POOL, 1, 2)
              for p in pick(r, protos, 1, 2) for d in pick(r, PORTS, 1, 2)]
        return ("ip saddr . meta l4proto . th dport { %s } counter %s"
                % (", ".join(el), verdict)), []
    if k == "nset":
        el = ["%s . %d" % (a, d) for a in pick(r, FWD_DST + LOCAL_DST, 1, 3)
              for d in pick(r, PORTS, 1, 3)]
        return ("ip daddr . tcp dport @cs counter %s" % verdict,
                ["set cs { type ipv4_addr . inet_service; elements = { %s } }"
                 % ", ".join(el)])
    if k == "iset":
        return ("ip daddr . udp dport @ci counter %s" % (verdict or "drop"),
                ["set ci { type ipv4_addr . inet_service; flags interval; "
                 "elements = { 10.0.2.0/25 . 1-1024, 10.0.1.1 . 5000-8080, "
                 "10.0.2.200 . 53 } }"])
    if k == "svc":
        vs = ["jump u0", "goto u1", "drop", "accept"]
        el = ["%s . %s . %d : %s" % (a, p, d, r.choice(vs))
              for a in pick(r, FWD_DST + LOCAL_DST, 1, 3)
              for p in pick(r, protos, 1, 2) for d in pick(r, PORTS, 1, 3)]
        return ("ip daddr . meta l4proto . th dport vmap @svc",
                ["map svc { type ipv4_addr . inet_proto . inet_service : verdict; "
                 "elements = { %s } }" % ", ".join(el)])
    if k == "nodeport":
        el = ["%s . %d : %s" % (p, d, r.choice(["jump u0", "drop", "accept"]))
              for p in pick(r, protos, 1, 2) for d in pick(r, PORTS, 1, 3)]
        return ("ip daddr @nodeips meta l4proto . th dport vmap @np",
                ["set nodeips { type ipv4_addr; elements = { %s } }"
                 % ", ".join(pick(r, FWD_DST + LOCAL_DST, 1, 3)),
                 "map np { type inet_proto . inet_service : verdict; "
                 "elements = { %s } }" % ", ".join(el)])
    if k == "vmap":
        p = r.choice(protos)
        ports = pick(r, PORTS, 2, 4)
        vs = ["accept", "drop", "jump u0", "goto u1"]
        el = ["%d : %s" % (d, r.choice(vs)) for d in ports]
        if r.random() < 0.5:
            el.append("2000-4000 : %s" % r.choice(vs))
        return "%s dport vmap { %s }" % (p, ", ".join(el)), []
    if k == "l4vmap":
        el = ["%s : %s" % (p, r.choice(["accept", "drop", "jump u0", "continue"]))
              for p in pick(r, ["tcp", "udp", "icmp"], 1, 3)]
        return "meta l4proto vmap { %s }" % ", ".join(el), []
    if k == "bitwise":
        return r.choice([
            "meta mark set meta mark | 0x00004000 counter",
            "meta mark set meta mark ^ 0x00000003 counter",
            "meta mark & 0x0000000f == 0x00000005 counter %s" % verdict,
            "meta mark & 0x00004000 != 0x00000000 counter %s" % verdict,
            "meta mark & 0x000000f0 { 0x00000010, 0x00000050 } counter %s" % verdict,
        ]), []
    if k == "hdr":
        # header fields narrower than a byte, and verdict maps on them
        return r.choice([
            ("ip version 4 ip hdrlength 5 ip dscp cs0 ip ecn not-ect counter %s" % verdict, []),
            ("ip dscp != cs0 counter %s" % (verdict or "drop"), []),
            ("ip hdrlength vmap { 0-4 : drop, 5 : continue, 6 : accept } counter", []),
            ("tcp doff 5 tcp flags syn counter %s" % verdict, []),
            ("tcp doff != 5 counter drop", []),
            ("tcp flags == syn counter %s" % verdict, []),
            ("tcp flags != syn counter", []),
            ("tcp flags ! fin,rst tcp flags != syn / syn,ack counter %s" % verdict, []),
            ("tcp flags { syn, syn | ack } counter", []),
            ("ip frag-off 0 icmp type echo-request counter %s" % verdict, []),
        ])
    if k == "pset":
        # payload statements: the server's observer records the new
        # frag-off, and its kernel drops a packet whose IPv4 header
        # checksum the rewrite broke
        return r.choice([
            ("ip ttl set 9 ip dscp set af23 ip frag-off set 0x4000 counter", []),
            ("ip ecn set ect0 ip frag-off set 0x4000 ip ttl set 200 counter", []),
            ("tcp dport set 8080 ip frag-off set 0x4000 counter", []),
            ("udp sport set 53 ip frag-off set 0x4000 counter", []),
            ("tcp flags set syn counter", []),
            ("ip dscp af23 ip ttl 9 counter", []),
        ])
    if k == "mapset":
        el = ["%s : 0x%08x" % (a, r.choice([1, 5, 0x4000, 0x10]))
              for a in pick(r, SRC_POOL, 1, 3)]
        return r.choice([
            ("meta mark set ip saddr map { %s } counter" % ", ".join(el), []),
            ("ct mark set ip saddr map { %s } counter" % ", ".join(el), []),
            ("meta mark set ip daddr . meta l4proto . th dport map @mm counter %s" % verdict,
             ["map mm { type ipv4_addr . inet_proto . inet_service : mark; "
              "elements = { %s } }" % ", ".join(
                  "%s . %s . %d : 0x%08x" % (a, p, d, r.choice([1, 5, 0x4000]))
                  for a in pick(r, FWD_DST + LOCAL_DST, 1, 2)
                  for p in pick(r, protos, 1, 2) for d in pick(r, PORTS, 1, 3))]),
            # a mark of jhash or numgen inc, then compared: the counter
            # tells the number the rule set
            ("meta mark set jhash ip saddr . ip daddr mod 4 seed 0x%x "
             "offset 1 meta mark { 1, 3 } counter %s"
             % (r.randrange(1 << 32), verdict), []),
            ("ct mark set jhash ip saddr mod 2 seed 0x%x ct mark 1 counter"
             % r.randrange(1 << 32), []),
            ("ct mark set numgen inc mod 3 offset 100 ct mark 101 counter %s"
             % verdict, []),
        ])
    if k == "ctbits":
        return r.choice([
            "ct mark set meta mark & 0x0000ffff counter",
            "ct mark set ct mark | 0x00000001 counter",
            "ct mark & 0x00000001 != 0x00000000 counter %s" % verdict,
        ]), []
    if k == "numgen_inc":
        n = r.randint(2, 4)
        if r.random() < 0.5:
            vs = ["accept", "drop", "jump u0", "continue"]
            el = ["%d : %s" % (i, r.choice(vs)) for i in range(n)]
            return "numgen inc mod %d vmap { %s }" % (n, ", ".join(el)), []
        return ("numgen inc mod %d offset 7 %d counter %s"
                % (n, 7 + r.randrange(n), verdict)), []
    if k == "numgen_random":
        return r.choice([
            "numgen random mod 1 0 counter %s" % verdict,
            "numgen random mod 2 offset 5 { 5, 6 } counter %s" % verdict,
            "numgen random mod 3 0-2 counter %s" % verdict,
        ]), []
    if k == "jhash":
        n = r.randint(2, 4)
        vs = ["accept", "drop", "jump u0"]
        el = ["%d : %s" % (i, r.choice(vs)) for i in range(n)]
        keys = r.choice(["ip saddr", "ip saddr . ip daddr", "ip daddr . ip saddr"])
        return ("jhash %s mod %d seed 0x%x vmap { %s }"
                % (keys, n, r.randrange(1 << 32), ", ".join(el))), []
    return r.choice([
        "fib daddr type local counter %s" % verdict,
        "fib daddr type { broadcast, multicast } counter %s" % verdict,
        "fib saddr type local counter %s" % verdict,
        "fib daddr . iif type local counter %s" % verdict,
        "fib daddr type != unicast counter %s" % verdict,
        "fib saddr . iif oif missing counter drop",
        "fib saddr . iif oif exists counter %s" % verdict,
        "fib daddr oif missing counter %s" % verdict,
        'fib daddr oifname "qtf1" counter %s' % verdict,
        'fib saddr oifname { "qtf0", "lo" } counter %s' % verdict,
    ]), []


def gen_xbatch(r, bno):
    fam = "ip" if r.random() < 0.7 else "inet"
    name = "x%d" % bno
    decls, rules = {}, []
    hook = r.choice(["prerouting", "input", "forward"])
    for _ in range(r.randint(2, 5)):
        rule, need = gen_xrule(r, fam, hook)
        for d in need:
            decls.setdefault(d.split()[1], d)
        rules.append(rule)
    pol = "drop" if r.random() < 0.2 else "accept"
    lines = ["table %s %s {" % (fam, name)]
    lines += ["	" + d for d in decls.values()]
    lines.append("	chain u0 { counter; meta mark set meta mark | 0x00000010; }")
    lines.append("	chain u1 { counter; ip saddr 10.0.1.9 drop; }")
    lines.append("	chain c0 {")
    lines.append("		type filter hook %s priority %d; policy %s;"
                 % (hook, r.choice([-10, 0, 10]), pol))
    lines += ["		" + x for x in rules]
    lines.append("	}")
    lines.append("}")
    desc = "%s/%s:%s/%s x" % (fam, name, hook, pol)
    return "\n".join(lines) + "\n", [(fam, name)], None, desc


def gen_ctrule(r, fam):
    """One rule of ct's keys beyond state, status and mark: what the
    tracker knows of the connection (direction, its tuples, protocols,
    expiration, its counts once a rule reads them, the zones a batch's
    raw chain gives) and what it keeps none of (helpers, labels), each
    compared with what a packet of the cases may see."""
    verdict = r.choice(["accept", "drop", "jump u0", ""])
    src = r.choice(SRC_POOL)
    dst = r.choice(FWD_DST + LOCAL_DST)
    ports = ", ".join(str(p) for p in pick(r, PORTS, 1, 3))
    return r.choice([
        "ct direction original counter %s" % verdict,
        "ct status == confirmed counter %s" % verdict,
        "ct status != confirmed counter %s" % verdict,
        "ct status ! confirmed counter %s" % verdict,
        "ct status confirmed,seen-reply counter %s" % verdict,
        "ct state != established,related counter %s" % verdict,
        "ct state == new counter %s" % verdict,
        "ct direction reply counter %s" % verdict,
        "ct direction != reply counter %s" % verdict,
        "ct original ip saddr %s counter %s" % (src, verdict),
        "ct original ip saddr 10.0.1.0/24 counter %s" % verdict,
        "ct reply ip daddr %s counter %s" % (src, verdict),
        "ct reply ip saddr %s counter %s" % (dst, verdict),
        "ct original ip daddr { %s } counter %s" % (", ".join(pick(r, FWD_DST + LOCAL_DST, 1, 3)), verdict),
        "ct protocol tcp ct original proto-dst { %s } counter %s" % (ports, verdict),
        "ct protocol udp ct reply proto-src { %s } counter %s" % (ports, verdict),
        "ct original protocol 17 counter %s" % verdict,
        "ct protocol icmp ct original proto-dst 2048 counter %s" % verdict,
        "ct l3proto ipv4 counter %s" % verdict,
        "ct l3proto ipv6 counter %s" % verdict,
        "ct zone 0 counter %s" % verdict,
        "ct original zone 1 counter %s" % verdict,
        gen_zoneread(r, verdict),
        "ct packets 1 counter %s" % verdict,
        "ct original packets 2 counter %s" % verdict,
        "ct original bytes > 40 counter %s" % verdict,
        "ct bytes { 0-28, 40-60 } counter %s" % verdict,
        "ct reply packets 0 counter %s" % verdict,
        "ct avgpkt 28 counter %s" % verdict,
        "ct original avgpkt 40-100 counter %s" % verdict,
        "ct expiration 0 counter %s" % verdict,
        "ct expiration 1s-7d counter %s" % verdict,
        "ct expiration { 1s-1h, 1d-7d } counter %s" % verdict,
        'ct helper "ftp" counter drop',
        "ct label 5 counter drop",
        "ct direction . ct mark { original . 0x00000000 } counter %s" % verdict,
        "ct direction vmap { original : jump u0, reply : drop }",
        "ct mark set meta mark counter",
        "ct mark set (meta mark | 0x00000010) << 8 counter",
        "ct mark 0x00001000 counter %s" % verdict,
        "meta mark set ct mark >> 4 counter",
        "ct original ip saddr . ct original ip daddr { %s . %s } counter %s" % (src, dst, verdict),
    ])


def gen_zoneread(r, verdict):
    """ct zone read: of both directions or one, as a set too."""
    return r.choice([
        "ct zone { 1, 2, 3 } counter %s" % verdict,
        "ct zone 4 counter %s" % verdict,
        "ct original zone 5 counter %s" % verdict,
        "ct reply zone 6 counter %s" % verdict,
        "ct zone 6 counter %s" % verdict,
        "ct zone 7 counter %s" % verdict,
        "ct zone != 0 counter %s" % verdict,
        "ct original zone 2-4 counter %s" % verdict,
    ])


def gen_zonerule(r):
    """A zone given before conntrack (raw priority): by the source, the
    protocol, the port, a hash or a mark; a second one that changes
    nothing (the first stays). Zones of both directions only: with a
    zone of one direction, a later unzoned packet of the same tuple
    clashes with the entry's unzoned reply, and the kernel drops it at
    confirmation, after the fw's observer at input priority 500, where
    qtablesd's verdict comes before it (nft_ctzone.bats has them)."""
    src = r.choice(SRC_POOL)
    ports = ", ".join(str(p) for p in pick(r, PORTS, 1, 3))
    return r.choice([
        "ip saddr %s ct zone set %d" % (src, r.randint(1, 3)),
        "meta l4proto udp ct zone set 2",
        "ip saddr 10.0.1.0/24 ct zone set 5",
        "tcp dport { %s } ct zone set 6" % ports,
        "ct zone set jhash ip saddr mod 3 seed 0xdeadbeef offset 1",
        "meta mark set 1 ct zone set mark map { 1 : 7, 2 : 3 }",
        "ct zone set 4 ct zone set 1",
        "udp dport { %s } notrack ct zone set 4" % ports,
    ])


def gen_ctbatch(r, bno):
    fam = "ip" if r.random() < 0.7 else "inet"
    name = "k%d" % bno
    hook = r.choice(["prerouting", "input", "forward"])
    rules = [gen_ctrule(r, fam) for _ in range(r.randint(2, 5))]
    pol = "drop" if r.random() < 0.2 else "accept"
    lines = ["table %s %s {" % (fam, name)]
    if r.random() < 0.5:
        # zones: the same tuples tracked apart, read by ct zone
        rules.insert(r.randint(0, len(rules)),
                     gen_zoneread(r, r.choice(["accept", "drop", ""])))
        lines.append("	chain z0 {")
        lines.append("		type filter hook prerouting priority raw; policy accept;")
        lines += ["		" + gen_zonerule(r) for _ in range(r.randint(1, 3))]
        lines.append("	}")
    lines.append("	chain u0 { counter; }")
    lines.append("	chain c0 {")
    lines.append("		type filter hook %s priority %d; policy %s;"
                 % (hook, r.choice([-10, 0, 10]), pol))
    lines += ["		" + x for x in rules]
    lines.append("	}")
    lines.append("}")
    return "\n".join(lines) + "\n", [(fam, name)], None, "%s/%s:%s/%s ct" % (fam, name, hook, pol)


PSETS = [
    "ip dscp set af23 ip ttl set 9 ip frag-off set 0x4000",
    "ip ecn set ect0 ip frag-off set 0x4000",
    "ip hdrlength 5 ip frag-off set 0x4000 ip id set 0x0101",
    "tcp dport set 8080 ip frag-off set 0x4000",
    "tcp flags set syn ip frag-off set 0x4000",
    "tcp sequence set 12345 tcp window set 7",
    "udp sport set 53 ip frag-off set 0x4000",
    "udp checksum set 0",
    "icmp id set 77 ip frag-off set 0x4000",
    "ip saddr set 10.0.1.77 ip frag-off set 0x4000",
    "ip daddr set 10.0.2.77",
    "ip dscp cs0 ip dscp set cs1",
]


PMATCH = [
    "tcp flags == syn", "tcp flags != syn", "tcp flags syn",
    "tcp flags ! fin,rst", "tcp flags != syn / syn,ack",
    "tcp flags syn,ack / syn,ack", "tcp flags { syn, syn | ack }",
    "tcp flags & (syn | ack) == syn", "tcp doff 5", "ip hdrlength 5",
    "ip version 4", "ip ecn not-ect", "ip frag-off 0",
    "icmp type echo-request icmp id 9", "icmp id != 0",
    # the dependency after !=, and fields listed as another field or
    # as a raw payload where the listing's type has no such field
    "icmp type != echo-request icmp sequence 0",
    "icmp type != redirect icmp gateway 0",
    "icmp type { destination-unreachable, echo-request } icmp sequence 1",
    "icmp type { destination-unreachable, echo-request } icmp id != 0",
]


def gen_pbatch(r, bno):
    """Payload statements on packets that go on to the server."""
    fam = "ip" if r.random() < 0.6 else "inet"
    name = "p%d" % bno
    hook = r.choice(["prerouting", "forward"])
    rules = [r.choice(PMATCH) + " counter" for _ in range(r.randint(1, 3))]
    rules += [r.choice(PSETS) + " counter" for _ in range(r.randint(1, 3))]
    rules.append("ip dscp vmap { cs1 : continue, af23 : continue } counter")
    lines = ["table %s %s {" % (fam, name), "	chain c0 {",
             "		type filter hook %s priority %d; policy accept;"
             % (hook, r.choice([-10, 0, 10]))]
    lines += ["		" + x for x in rules]
    lines += ["	}", "}"]
    return "\n".join(lines) + "\n", [(fam, name)], None, "%s/%s:%s p" % (fam, name, hook)


def gen_spec(r):
    local = r.random() < 0.35
    s = {"src": "10.0.1.2" if r.random() < 0.6 else r.choice(SRC_POOL),
         "dst": r.choice(LOCAL_DST if local else FWD_DST),
         "ttl": r.choice([2, 63, 64, 64, 65, 128]),
         "proto": r.choice(["tcp", "tcp", "udp", "udp", "icmp"]),
         "sport": r.choice(PORTS + [r.randrange(1025, 65536)]),
         "dport": r.choice(PORTS), "flags": r.choice(["S", "S", "SA", "A", "R"]),
         "icmp": r.choice([(8, 0), (0, 0), (3, 3)]), "frag": None}
    if r.random() < 0.08:
        s["frag"] = 16
    return s


def build(s, ipid):
    l3 = IP(src=s["src"], dst=s["dst"], ttl=s["ttl"], id=ipid)
    if s["proto"] == "tcp":
        l4 = TCP(sport=s["sport"], dport=s["dport"], flags=s["flags"], seq=1000 + ipid,
                 window=512)
    elif s["proto"] == "udp":
        l4 = UDP(sport=s["sport"], dport=s["dport"])
    else:
        l4 = ICMP(type=s["icmp"][0], code=s["icmp"][1], id=ipid, seq=1)
    pkt = l3 / l4
    if s["frag"]:
        pkt = pkt / Raw(b"F" * 48)
    pkt = IP(bytes(pkt))
    frames = fragment(pkt, fragsize=s["frag"]) if s["frag"] else [pkt]
    return [bytes(Ether(src=CMAC, dst=F0MAC) / f) for f in frames]


def describe(s):
    d = "%s %s>%s ttl=%d" % (s["proto"], s["src"], s["dst"], s["ttl"])
    if s["proto"] in ("tcp", "udp"):
        d += " %d>%d" % (s["sport"], s["dport"])
    if s["proto"] == "tcp":
        d += " flags=%s" % s["flags"]
    if s["proto"] == "icmp":
        d += " icmp=%d/%d" % s["icmp"]
    if s["frag"]:
        d += " frag=%d" % s["frag"]
    return d


# ---- the run ---------------------------------------------------------------

EXPIRES = re.compile(r"expires [0-9dhms]+")


def listing(ns, nft, tables, ipt):
    out = []
    for fam, name in tables:
        out.append(EXPIRES.sub("expires X", run(ns, [nft, "list", "table", fam, name])[1]))
    if ipt:
        out.append(run(ns, [ipt, "-L", "-v", "-n", "-x"])[1])
    return "".join(out)


def main():
    r = random.Random(SEED)
    s1, s2 = l2sock(C1), l2sock(C2)
    qw = pdiff.QueueWatch(FW2)
    passed = failed = 0
    ipid = 1
    bno = 0
    t0 = time.time()
    while passed + failed < NCASES + XCASES + CTCASES + PCASES:
        bno += 1
        xphase = passed + failed >= NCASES
        ctphase = passed + failed >= NCASES + XCASES
        pphase = passed + failed >= NCASES + XCASES + CTCASES
        if pphase:
            text, tables, iptxt, desc = gen_pbatch(r, bno)
            ncase = min(r.randint(6, 10),
                        NCASES + XCASES + CTCASES + PCASES - passed - failed)
        elif ctphase:
            text, tables, iptxt, desc = gen_ctbatch(r, bno)
            ncase = min(r.randint(6, 10),
                        NCASES + XCASES + CTCASES - passed - failed)
        elif xphase:
            text, tables, iptxt, desc = gen_xbatch(r, bno)
            ncase = min(r.randint(6, 10), NCASES + XCASES - passed - failed)
        else:
            text, tables, iptxt, desc = gen_batch(r, bno)
            ncase = min(r.randint(6, 10), NCASES - passed - failed)
        specs = [gen_spec(r) for _ in range(ncase)]
        for s in specs:
            if pphase:
                s["frag"] = None
                s["dst"] = r.choice(FWD_DST)
            elif xphase:
                # numgen inc counts each frame: whole packets only;
                # and now and then the broadcast address of fw's link
                s["frag"] = None
                if r.random() < 0.1:
                    s["dst"] = "10.0.1.255"
        # iptables first (its tables count as registered before the
        # nft chains of the batch, as qtables orders equal priorities)
        ipt_restore = ("/usr/sbin/iptables-nft-restore", QT_BUILD + "/iptables-restore")
        rcs = []
        for ns, nft, rest in ((FW1, KNFT, ipt_restore[0]), (FW2, QNFT, ipt_restore[1])):
            rc = 0
            msg = ""
            if iptxt:
                rc, msg = run(ns, [rest], iptxt)
            if rc == 0:
                rc, msg = run(ns, [nft, "-f", "-"], text)
            rcs.append((rc, msg))
        if rcs[0][0] != 0 or rcs[1][0] != 0:
            if rcs[0][0] != 0 and rcs[1][0] != 0:
                if VERBOSE:
                    print("note: batch %d refused by both: %s" % (bno, rcs[0][1][:200]))
            else:
                for s in specs:
                    failed += 1
                print("FAIL batch %d (%d cases): load: kernel rc %d, qtables rc %d: %s | %s"
                      % (bno, len(specs), rcs[0][0], rcs[1][0],
                         (rcs[0][1] + rcs[1][1]).strip().replace("\n", " / ")[:400], desc))
            cleanup(tables, iptxt)
            continue
        flush_arrivals()
        qw.settle()
        results = []
        for s in specs:
            fr = build(s, ipid)
            ids = [ipid]
            ipid += 1
            for f in fr:
                s1.send(f)
                s2.send(f)
            l1 = l2 = None
            for attempt in range(6):
                time.sleep(0.002 if attempt == 0 else 0.04)
                qw.settle()
                l1 = listing(FW1, KNFT, tables, KIPT if iptxt else None)
                l2 = listing(FW2, QNFT, tables, QIPT if iptxt else None)
                if l1 == l2:
                    break
            results.append((s, ids, l1, l2))
        time.sleep(0.02)
        qw.settle()
        a1, a2 = arrivals()
        for s, ids, l1, l2 in results:
            msgs = []
            got1 = {i: sorted(a1.get(i, ())) for i in ids}
            got2 = {i: sorted(a2.get(i, ())) for i in ids}
            if got1 != got2:
                msgs.append("arrived: kernel %r qtables %r" % (got1, got2))
            if l1 != l2:
                k = [x for x in l1.splitlines() if x not in l2.splitlines()][:4]
                q = [x for x in l2.splitlines() if x not in l1.splitlines()][:4]
                msgs.append("listing: kernel %r qtables %r" % (k, q))
            if msgs:
                failed += 1
                print("FAIL batch %d: %s" % (bno, desc))
                print("   packet: %s" % describe(s))
                for m in msgs:
                    print("   " + m[:600])
            else:
                passed += 1
                if VERBOSE:
                    print("ok batch %d: %s -> %s" % (bno, describe(s),
                          ",".join(sorted({w for v in got1.values() for w, _ in v})) or "dropped"))
        if VERBOSE or os.environ.get("QT_PDIFF_SHOW"):
            print("batch %d ruleset:\n%s" % (bno, text))
        cleanup(tables, iptxt)
    sys.stderr.write("nftpackets: seed %d, %d batches, %.1fs\n" % (SEED, bno, time.time() - t0))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def cleanup(tables, iptxt):
    for ns, nft, ipt in ((FW1, KNFT, KIPT), (FW2, QNFT, QIPT)):
        for fam, name in tables:
            run(ns, [nft, "delete", "table", fam, name])
        if iptxt:
            run(ns, [ipt, "-F"])
            run(ns, [ipt, "-P", "FORWARD", "ACCEPT"])


if __name__ == "__main__":
    sys.exit(main())
