#!/usr/bin/env bash
# nftables' own tests/py rules (tests/compat/nft_py/*.t, see its README)
# through the real nft and qtables' nft: each .t file becomes a corpus
# for run-nft.sh (a table and chain per family of its '*' lines, one
# `add rule` step per rule line), so exit codes, messages and listings
# are compared as there. Lines qtables cannot read yet are skipped and
# reported as such.
#
# Usage: run-nft-py.sh [FILE.t...]
set -u
here=$(cd "$(dirname "$0")" && pwd)
files=("$@")
[ $# -gt 0 ] || files=("$here"/nft_py/*.t)
work=$(mktemp -d /tmp/qtnftpy.XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 - "$work" "${files[@]}" <<'PY'
import os, re, sys
work, files = sys.argv[1], sys.argv[2:]
# words of expressions qtables' nft does not read yet
unsupported = re.compile(r"\b(vmap|map|sequence|ackseq|doff|reserved|"
                         r"urgptr|window|checksum|length|option|hdrlength)\b|:")
for f in files:
    chains, families, steps, skipped = {}, [], [], 0
    for line in open(f):
        line = line.rstrip("\n")
        if line.startswith(":"):
            name, spec = line[1:].split(";", 1)
            chains[name] = spec
        elif line.startswith("*"):
            fam, table, chain = line[1:].split(";")
            if fam in ("ip", "ip6", "inet"):
                families.append((fam, table, chain))
        elif line and not line.startswith(("#", "-")) and ";" in line:
            rule = line.split(";")[0].strip()
            if unsupported.search(rule):
                skipped += 1
                continue
            steps.append(rule)
    out = os.path.join(work, os.path.basename(f) + ".corpus")
    with open(out, "w") as o:
        for fam, table, chain in families:
            o.write("%reset\n")
            o.write("add table %s %s\n" % (fam, table))
            o.write("'add chain %s %s %s { %s; }'\n" % (fam, table, chain, chains[chain]))
            for r in steps:
                o.write("'add rule %s %s %s %s'\n" % (fam, table, chain, r.replace("'", "")))
            o.write("-a list ruleset\n")
    print("%s: %d rules, %d skipped (expressions qtables does not read yet)"
          % (os.path.basename(f), len(steps), skipped))
PY
"$here/run-nft.sh" "$work"/*.corpus
