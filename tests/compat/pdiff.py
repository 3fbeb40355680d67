"""What the differential packet runners share (packets.py, packets6.py,
nftpackets.py, ctpackets.py, ctpackets6.py): the twins' MAC addresses,
raw sockets in their namespaces, a shell command in both firewalls at
once, the wait until qtablesd has judged all that was sent, iptables
listings taken apart into text and counters, and the FORWARD chain of
conntrack states that ctpackets*.py read.

The twins (twins.sh): c1 -- fw1 -- s1 judged by the kernel, c2 -- fw2 --
s2 by qtablesd, the same addresses, interface names and MAC addresses
on both.
"""
import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from netns import in_ns  # noqa: E402

CMAC, F0MAC = "02:00:00:00:01:02", "02:00:00:00:01:01"   # client qtc0, fw qtf0
SMAC, F1MAC = "02:00:00:00:02:02", "02:00:00:00:02:01"   # server qts0, fw qtf1


# ---- namespaces ----------------------------------------------------------

def l2sock(ns, dev="qtc0"):
    """A raw AF_PACKET socket on DEV, opened inside namespace NS."""
    def mk():
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((dev, 0))
        return s
    return in_ns(ns, mk)


def nsrun(ns, script, inp=None):
    return subprocess.Popen(["ip", "netns", "exec", ns, "sh", "-c", script],
                            stdin=subprocess.PIPE if inp is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def both(nss, scripts, inputs=(None, None)):
    """Run scripts[i] in nss[i] (the two firewalls) at once:
    ([out1, out2], [rc1, rc2])."""
    ps = [nsrun(ns, s, i) for ns, s, i in zip(nss, scripts, inputs)]
    outs = [p.communicate(i)[0] for p, i in zip(ps, inputs)]
    return outs, [p.returncode for p in ps]


class QueueWatch:
    """The firewall FW's /proc/net/netfilter/nfnetlink_queue: nothing
    waiting and nothing new queued twice in a row means qtablesd has
    judged everything sent."""

    def __init__(self, fw):
        self.f = in_ns(fw, lambda: open("/proc/net/netfilter/nfnetlink_queue", "rb", buffering=0))

    def state(self):
        self.f.seek(0)
        total = seq = 0
        for line in self.f.read().decode().splitlines():
            w = line.split()
            if len(w) >= 8:
                total += int(w[2])
                seq += int(w[7])
        return total, seq

    def settle(self):
        last = None
        for _ in range(400):
            st = self.state()
            if st[0] == 0 and st == last:
                return
            last = st
            time.sleep(0.002)


# ---- listings and counters -----------------------------------------------

NUM_RULE = re.compile(r"^(\s*)(\d+)(\s+)(\d+)(\s)")
NUM_POL = re.compile(r"^(Chain \S+ \(policy \S+ )(\d+)( packets, )(\d+)( bytes\))$")


def list_script(ipt, tables):
    """The shell command listing TABLES with IPT, counters exact."""
    return "; ".join("%s -t %s -L -v -n -x" % (ipt, t) for t in tables)


def parse(text):
    """Listing -> (shape lines, counters [(line index, pkts, bytes)])."""
    shape, ctr = [], []
    for i, line in enumerate(text.splitlines()):
        m = NUM_POL.match(line)
        if m:
            ctr.append((i, int(m.group(2)), int(m.group(4))))
            line = m.group(1) + "P" + m.group(3) + "B" + m.group(5)
        else:
            m = NUM_RULE.match(line)
            if m:
                ctr.append((i, int(m.group(2)), int(m.group(4))))
                line = "P B" + line[m.end() - 1:]
        shape.append(line)
    return shape, ctr


def listings(nss, ipts, tables):
    """TABLES listed by ipts[i] in nss[i] (the two firewalls) at once,
    each parsed."""
    (o1, o2), _ = both(nss, [list_script(ipt, tables) for ipt in ipts])
    return parse(o1), parse(o2)


def counter_diff(a, b):
    """Deltas between two parsed listings: {line index: (pkts, bytes)}."""
    return {i: (p - bp, by - bb) for (i, p, by), (_, bp, bb) in zip(b[1], a[1])}


# ---- conntrack states (ctpackets.py, ctpackets6.py) -----------------------

CT_STATES = ("NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED")
# UDP port 7 untracked; FORWARD counts each state, then accepts.
CT_RULES = """*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -p udp --dport 7 -j CT --notrack
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
""" + "".join("-A FORWARD -m conntrack --ctstate %s\n" % s for s in CT_STATES) + \
    "-A FORWARD -j ACCEPT\nCOMMIT\n"

CT_LIST_ARGS = ["-t", "filter", "-L", "FORWARD", "-v", "-n", "-x"]
CT_NUM_RULE = re.compile(r"^\s*(\d+)\s+(\d+)\s")


def ct_counters(sides):
    """Packet counters of CT_RULES' 6 FORWARD rules on each (namespace,
    iptables program) of SIDES, listed at once."""
    ps = [in_ns(ns, lambda c=cmd: subprocess.Popen([c] + CT_LIST_ARGS, stdout=subprocess.PIPE,
                                                  stderr=subprocess.STDOUT, text=True))
          for ns, cmd in sides]
    res = []
    for p in ps:
        out = p.communicate()[0]
        c = [int(m.group(1)) for m in map(CT_NUM_RULE.match, out.splitlines()) if m]
        if len(c) != 6:
            raise RuntimeError("unexpected listing: %r" % out[:300])
        res.append(c)
    return res


def ct_moved(before, after):
    """What a step did to ct_counters: the states it counted (by name,
    "-" for none) and how many packets FORWARD accepted."""
    d = [a - b for a, b in zip(after, before)]
    names = [CT_STATES[i] for i in range(5) for _ in range(d[i])]
    return ",".join(names) or "-", d[5]


class Seq:
    """One scripted sequence: a name and its steps (side, IP packet, what)."""

    def __init__(self, name):
        self.name = name
        self.steps = []

    def add(self, side, pkt, what, frag=None):
        self.steps.append((side, pkt, what, frag))
