#!/usr/bin/env python3
"""Make corpus_xt6.txt: every line of the extension vectors that come
from upstream's libxt_*.t (tests/ext/*.t, both families' extensions),
run through ip6tables in run-diff.sh against ip6tables-nft 1.8.9.

Upstream's runner takes libxt_*.t through iptables only, and their
expected texts and messages are IPv4's; here each rule is appended with
ip6tables and deleted again by meaning, in the first chain its file
names, and run-diff.sh compares the exit code, the message and every
listing after each step with the real ip6tables-nft's. Lines IPv6 does
not take (an IPv4 address, -p icmp) must be refused alike.

Usage: gen_corpus_xt6.py > corpus_xt6.txt   (again when tests/ext changes)
"""
import glob
import os

HERE = os.path.dirname(os.path.abspath(__file__))
EXT = os.path.normpath(os.path.join(HERE, "../ext"))


def main():
    out = ["# The libxt_*.t vectors (tests/ext, from iptables 1.8.9's files,",
           "# GPL-2.0, the Netfilter project; test data) through ip6tables:",
           "# each rule appended, then deleted by meaning, in its file's first",
           "# chain, compared with ip6tables-nft (run-diff.sh). Made by",
           "# gen_corpus_xt6.py; do not edit.",
           "%family 6"]
    for f in sorted(glob.glob(os.path.join(EXT, "*.t"))):
        with open(f) as fh:
            lines = fh.read().splitlines()
        if not lines or "libxt_" not in lines[0]:
            continue
        out.append("# %s" % os.path.basename(f))
        out.append("%reset")
        table, chain = "filter", None
        for line in lines:
            if not line or line.startswith("#") or line.startswith("> "):
                continue
            if line.startswith(":"):
                chain = line[1:].split(",")[0]
                continue
            if line.startswith("*"):
                table = line[1:]
                continue
            if line.startswith("%iptables "):
                out.append(line[len("%iptables "):])
                continue
            if line[0] in "@%" or chain is None:
                continue
            parts = line.split(";")
            # iptables-legacy's lines only
            if len(parts) > 3 and parts[3] == "LEGACY" and not (len(parts) > 4 and parts[4]):
                continue
            t = "" if table == "filter" else "-t %s " % table
            out.append("%s-A %s %s" % (t, chain, parts[0]))
            out.append("%s-D %s %s" % (t, chain, parts[0]))
    print("\n".join(out))


if __name__ == "__main__":
    main()
