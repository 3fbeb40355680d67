#!/usr/bin/env python3
"""Make tests/ext/NAME.t, one vector file per extension, from the upstream
iptables 1.8.9 vectors (../shared/iptables-tests, GPL-2.0, the Netfilter
project; test data, kept unchanged) with, under each line that must be
refused, the message iptables-nft prints for it ("> " lines), asked of
the real iptables-nft in a throw-away network namespace.

Run as root when an extension or its upstream file changes:
    tests/ext/gen_vectors.py [NAME...]
The result is data checked in; tests/unit/test_ext_vectors.c runs it
offline in make check, tests/compat/run-vectors.sh through qtablesd.
"""
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "../.."))
UPSTREAM = os.path.normpath(os.path.join(TOP, "../shared/iptables-tests"))
IPT = "/usr/sbin/iptables-nft"
IP6T = "/usr/sbin/ip6tables-nft"


def upstream_file(name):
    """The upstream vector file of an extension (or of the base options)."""
    if name == "iptables":
        return "iptables.t"
    if name == "standard":
        return "libxt_standard.t"
    for prefix in ("libxt_", "libipt_", "libip6t_"):
        f = prefix + name + ".t"
        if os.path.exists(os.path.join(UPSTREAM, f)):
            return f
    # NAME6, asked for by name: the IPv6 vectors of an extension whose
    # families have files of their own (libipt_ah.t and libip6t_ah.t
    # make ah.t and ah6.t)
    if name.endswith("6"):
        f = "libip6t_" + name[:-1] + ".t"
        if os.path.exists(os.path.join(UPSTREAM, f)):
            return f
    return None


def extensions():
    names = ["iptables", "standard"]
    for f in sorted(os.listdir(os.path.join(TOP, "extensions"))):
        if f.endswith(".c"):
            names.append(f[:-2])
    return names


def oracle(ns, argv, ipt=IPT):
    p = subprocess.run(["ip", "netns", "exec", ns, ipt] + argv,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    return p.returncode, p.stderr


def generate(name, ns):
    src = upstream_file(name)
    if not src:
        print("%s: no upstream vectors; left alone" % name)
        return
    out = ["# Vectors of %s: iptables 1.8.9's %s (GPL-2.0, the Netfilter" % (name, src),
           "# project; test data, unchanged) with the messages iptables-nft",
           "# prints for the refused lines (\"> \" lines, tests/ext/gen_vectors.py).",
           "# Format: ../../../shared/iptables-tests/README.md."]
    # IPv6's vectors (libip6t_*) go through ip6tables, on both sides
    ipt = IPT
    if src.startswith("libip6t_"):
        out.append("%family 6")
        ipt = IP6T
    table, chains = "filter", []
    for line in open(os.path.join(UPSTREAM, src)):
        line = line.rstrip("\n")
        out.append(line)
        if not line or line.startswith("#"):
            continue
        if line.startswith(":"):
            chains = line[1:].split(",")
            continue
        if line.startswith("*"):
            table = line[1:]
            continue
        if line.startswith("%iptables "):
            oracle(ns, shlex.split(line[len("%iptables "):]), ipt)
            continue
        if line.startswith("@nfacct "):
            # the accounting objects the lines need, made in the kernel
            subprocess.run(["ip", "netns", "exec", ns, "nfacct"] +
                           shlex.split(line[1:])[1:],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            continue
        if line[0] in "@%":
            continue
        parts = line.split(";")
        if len(parts) < 3 or not chains:
            continue
        result = parts[2]
        if len(parts) > 3 and parts[3] == "LEGACY":
            result = parts[4] if len(parts) > 4 and parts[4] else ""
        if result != "FAIL":
            continue
        rc, err = oracle(ns, ["-t", table, "-A", chains[0]] + shlex.split(parts[0]), ipt)
        if rc == 0:
            # accepted after all: take it back, say nothing
            oracle(ns, ["-t", table, "-D", chains[0]] + shlex.split(parts[0]), ipt)
            continue
        for e in err.rstrip("\n").split("\n"):
            out.append("> " + e)
    with open(os.path.join(HERE, name + ".t"), "w") as f:
        f.write("\n".join(out) + "\n")
    print("%s: from %s" % (name, src))


def main():
    names = sys.argv[1:] or extensions()
    for n in names:
        # a namespace of its own for each file, as upstream's runner
        # starts each file from an empty ruleset
        ns = "qtgenvec%d-%s" % (os.getpid(), n)
        subprocess.run(["ip", "netns", "add", ns], check=True)
        try:
            generate(n, ns)
        finally:
            subprocess.run(["ip", "netns", "del", ns])


if __name__ == "__main__":
    main()
