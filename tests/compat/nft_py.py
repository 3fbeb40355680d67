#!/usr/bin/env python3
"""nftables' own tests/py files through the real nft and qtables' nft.

Usage: nft_py.py QT_BUILD KNOWN FILE.t...

Each .t file (format: tests/compat/nft_py/README) is read as nftables'
nft-test.py reads it: its '*FAMILY;TABLE;CHAIN[,CHAIN]' lines make a
table per family (ip, ip6 and inet here; arp, bridge and netdev are not
qtables' families) with the chains of its ':CHAIN;SPEC' lines, and its
steps run in order on both sides: '!NAME SPEC;ok|fail' makes a set or
map, '?NAME ELEMENTS;ok|fail' adds elements, 'RULE;ok|fail[;LISTED]'
adds the rule to every chain of the table (emptied of the step
before's rule in the same transaction) and lists the table. Both sides are one network namespace each: the
kernel's nft (the oracle) in one, qtables' nft and a qtablesd of its
own in the other; each step's exit code, messages and listing must be
the same.

KNOWN lists the steps where qtables is known to differ, one per line
as FILE: FAMILY: STEP (as a failure's report names it); they
count as known, not failed, and one that no longer differs is a
failure, so the list only shrinks.

nft runs inside each namespace from a worker process that entered it
once (setns), not through `ip netns exec` per command: a run makes
thousands of calls.
"""

import ctypes
import multiprocessing as mp
import os
import re
import subprocess
import sys
import tempfile

CLONE_NEWNET = 0x40000000
FAMILIES = ("ip", "ip6", "inet")
SET_WORDS = ("type", "typeof", "flags", "timeout", "size", "policy",
             "gc-interval", "counter", "elements", "auto-merge")

_nft = None
_dir = None


def _enter(ns, nft, workdir):
    global _nft, _dir
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open("/run/netns/" + ns, os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns " + ns)
    os.close(fd)
    _nft, _dir = nft, workdir


def _run(args_text):
    """(rc, stdout, stderr) of nft ARGS, or of nft -f with TEXT."""
    args, text = args_text
    if text is not None:
        path = os.path.join(_dir, "step.nft")
        with open(path, "w") as f:
            f.write(text)
        args = args + ["-f", path]
    p = subprocess.run([_nft] + args, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True)
    err = p.stderr.replace(_dir + "/", "")
    return p.returncode, p.stdout, err


class Side:
    def __init__(self, name, nft, ns, workdir):
        self.name = name
        self.pool = mp.Pool(1, initializer=_enter, initargs=(ns, nft, workdir))

    def call(self, args, text=None):
        return self.pool.apply_async(_run, ((args, text),))


def parse(path):
    chains, tables, steps = {}, [], []
    for raw in open(path, encoding="utf-8", errors="replace"):
        line = raw.rstrip("\n")
        if not line or line.startswith(("#", "-")):
            continue
        if line.startswith(":"):
            name, spec = line[1:].split(";", 1)
            chains[name] = spec
        elif line.startswith("*"):
            fam, table, names = line[1:].split(";")
            if fam in FAMILIES:
                tables.append((fam, table, names.split(",")))
        elif line[0] in "!?" and ";" in line:
            body, want = line[1:].rsplit(";", 1)
            steps.append((line[0], body.strip(), want.strip()))
        elif ";" in line:
            parts = line.split(";")
            steps.append(("rule", parts[0].strip(), parts[1].strip()))
    return chains, tables, steps


# An element's time left runs on between the two sides' listings (and
# their clocks tick apart): compared without it, its presence kept.
EXPIRES = re.compile(r"expires [0-9dhms]+")


def comparable(out):
    return [EXPIRES.sub("expires", x) if isinstance(x, str) else x
            for x in out]


def set_command(fam, table, body):
    """'!NAME SPEC' as nft-test.py sends it: add set (or map, when the
    type has a ':') with the spec's words as statements."""
    name, _, spec = body.partition(" ")
    kind = "map" if re.search(r"\s:\s", spec) else "set"
    words = spec.split()
    stmts, cur = [], []
    for w in words:
        if w in SET_WORDS and cur:
            stmts.append(" ".join(cur))
            cur = []
        cur.append(w)
    if cur:
        stmts.append(" ".join(cur))
    return "add %s %s %s %s { %s ; }\n" % (kind, fam, table, name, " ; ".join(stmts))


def main():
    build, known_path, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    known = set()
    if os.path.exists(known_path):
        for line in open(known_path):
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                known.add(line)
    # QT_PREFIX as tests/lib/qt.sh takes it: the caller's namespaces
    prefix = os.environ.get("QT_PREFIX", "qtnpy") + "%d" % os.getpid()
    ons, qns = prefix + "-oracle", prefix + "-qt"
    work = tempfile.mkdtemp(prefix="qtnftpy.")
    pidfile = os.path.join(work, "qtablesd.pid")
    for ns in (ons, qns):
        subprocess.run(["ip", "netns", "add", ns], check=True)
        subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
    passed = failed = nknown = 0
    seen_known, differed = set(), set()
    try:
        subprocess.run(["ip", "netns", "exec", qns, build + "/qtablesd", "--daemon",
                        "--pidfile", pidfile, "--handover-wait", "0", "--no-state"],
                       check=True)
        os.makedirs(work + "/o")
        os.makedirs(work + "/q")
        sides = [Side("nft", "/usr/sbin/nft", ons, work + "/o"),
                 Side("qtables", build + "/nft", qns, work + "/q")]

        def both(args, text=None):
            futs = [s.call(args, text) for s in sides]
            return [f.get(timeout=60) for f in futs]

        for path in files:
            fname = os.path.basename(path)
            chains, tables, steps = parse(path)
            fpass = ffail = fknown = 0
            for fam, table, names in tables:
                names = [n for n in names if n in chains and "device" not in chains[n]]
                if not names:
                    continue
                both(["flush", "ruleset"])
                setup = "add table %s %s\n" % (fam, table)
                for n in names:
                    setup += "add chain %s %s %s { %s ; }\n" % (fam, table, n, chains[n])
                res = both([], setup)
                if res[0][0] != 0 or res[0] != res[1]:
                    print("FAIL %s: %s: the table and chains: %r vs %r"
                          % (fname, fam, res[0], res[1]))
                    failed += 1
                    ffail += 1
                    continue
                flush = "".join("flush chain %s %s %s\n" % (fam, table, n) for n in names)
                for kind, body, want in steps:
                    if kind == "!":
                        text = set_command(fam, table, body)
                    elif kind == "?":
                        name, _, elems = body.partition(" ")
                        text = "add element %s %s %s { %s }\n" % (fam, table, name, elems)
                    else:
                        # the chains emptied of the last rule in the
                        # same transaction as this one is added
                        text = flush + "".join("add rule %s %s %s %s\n" % (fam, table, n, body)
                                               for n in names)
                    res = both([], text)
                    outs = [list(r) for r in res]
                    if kind == "rule" and (res[0][0] == 0 or res[1][0] == 0):
                        futs = [s.call(["list", "table", fam, table]) for s in sides]
                        for o, f in zip(outs, futs):
                            rc, out, err = f.get(60)
                            o.append(out + err)
                    step = "%s %s %s" % ({"!": "set", "?": "element"}.get(kind, "rule"), body, want)
                    tag = "%s: %s: %s" % (fname, fam, step)
                    same = comparable(outs[0]) == comparable(outs[1])
                    if tag in known:
                        seen_known.add(tag)
                        if not same:
                            differed.add(tag)
                            nknown += 1
                            fknown += 1
                        continue
                    if same:
                        passed += 1
                        fpass += 1
                        continue
                    failed += 1
                    ffail += 1
                    print("FAIL %s: %s: %s" % (fname, fam, step))
                    for what, a, b in zip(("exit code", "stdout", "stderr", "listing"),
                                          outs[0], outs[1]):
                        if a != b:
                            print("   -- %s: nft %r" % (what, a))
                            print("   -- %s: qt  %r" % (what, b))
            print("%s: %d passed, %d failed, %d known differences"
                  % (fname, fpass, ffail, fknown))
    finally:
        if os.path.exists(pidfile):
            try:
                os.kill(int(open(pidfile).read()), 15)
            except (OSError, ValueError):
                pass
        for ns in (ons, qns):
            subprocess.run(["ip", "netns", "del", ns])
        subprocess.run(["rm", "-rf", work])
    ran = {os.path.basename(f) for f in files}
    for k in sorted(k for k in known if k.split(":", 1)[0] in ran):
        if k not in seen_known:
            print("FAIL known difference never met (remove it): %s" % k)
            failed += 1
        elif k not in differed:
            print("FAIL known difference no longer differs (remove it): %s" % k)
            failed += 1
    print("%d known differences" % nknown)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
