#!/usr/bin/env python3
"""Run iptables extension test vectors (.t files) against qtables, or
against the real iptables-nft to check the runner itself (--oracle).

Format: ../shared/iptables-tests/README.md. For every test line and every
chain: `iptables -t TABLE -A CHAIN RULE`, the exit status against RESULT,
for OK the line `-A CHAIN EXPECTED` in `iptables-save -t TABLE`, then
`iptables -t TABLE -D CHAIN RULE`, which must succeed. Prints one line per
failure and a final `N passed, N failed`.

Usage: vectors.py [--oracle] [--accept-either PATTERN]... FILE.t...
Must run inside a network namespace holding a qtablesd (or, with
--oracle, any fresh namespace)."""
import os
import shlex
import subprocess
import sys

build = os.environ.get("QT_BUILD", os.path.join(os.path.dirname(__file__), "../../_build"))


def tool(name, oracle):
    if oracle:
        return {"iptables": "/usr/sbin/iptables-nft",
                "iptables-save": "/usr/sbin/iptables-nft-save",
                "ip6tables": "/usr/sbin/ip6tables-nft",
                "ip6tables-save": "/usr/sbin/ip6tables-nft-save"}[name]
    return os.path.join(build, name)


def run(argv):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stdout, p.stderr


def cannot_run(fname, err):
    """The engine refuses the file's own extension at commit by design,
    as it cannot judge it (-m cpu, -m helper): such a line is skipped
    here; the offline run (tests/unit/test_ext_vectors.c) checks how it
    is read and saved."""
    ext = fname[:-2] if fname.endswith(".t") else fname
    return ("Error: qtables cannot run -m %s:" % ext.rstrip("6")) in err


def words(rule):
    # the .t files write rules as a shell would see them
    return shlex.split(rule)


def main():
    args = sys.argv[1:]
    oracle = False
    either = []
    files = []
    while args:
        a = args.pop(0)
        if a == "--oracle":
            oracle = True
        elif a == "--accept-either":
            either.append(args.pop(0))
        else:
            files.append(a)
    passed = failed = skipped = 0
    for f in files:
        # each file starts as iptables'; "%family 6" makes the rest
        # ip6tables' (the vectors of libip6t_*.t)
        ipt = tool("iptables", oracle)
        save = tool("iptables-save", oracle)
        chains = []
        table = "filter"
        name = os.path.basename(f)
        for lineno, line in enumerate(open(f), 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#") or line.startswith("> "):
                continue  # "> ": the message of a refused line (tests/ext)
            if line.startswith(":"):
                chains = line[1:].split(",")
                continue
            if line.startswith("*"):
                table = line[1:]
                continue
            if line.startswith("%iptables "):
                # a setup command (e.g. -N a chain for -g), run by the
                # tool under test as upstream's runner does
                rc, _, err = run([ipt] + words(line[len("%iptables "):]))
                if rc != 0:
                    print("FAIL %s:%d: setup failed (%d): %s\n     %s" % (name, lineno, rc, line, err.strip()))
                    failed += 1
                continue
            if line == "%family 6":
                ipt = tool("ip6tables", oracle)
                save = tool("ip6tables-save", oracle)
                continue
            if line[0] in "@%":
                skipped += 1  # external commands (nfct, nfacct): not ours
                continue
            parts = line.split(";")
            rule, expected, result = parts[0], parts[1], parts[2]
            variant = parts[3] if len(parts) > 3 else ""
            if variant == "LEGACY":
                if len(parts) > 4 and parts[4]:
                    result = parts[4]
                else:
                    skipped += 1
                    continue
            if expected == "=":
                expected = rule
            loose = any(p in rule for p in either)
            for chain in chains:
                where = "%s:%d [%s %s]" % (name, lineno, table, chain)
                rc, out, err = run([ipt, "-t", table, "-A", chain] + words(rule))
                if loose:
                    if rc == 0:
                        run([ipt, "-t", table, "-D", chain] + words(rule))
                    passed += 1
                    continue
                if result == "FAIL":
                    if rc == 0:
                        print("FAIL %s: accepted, should fail: %s" % (where, rule))
                        failed += 1
                        run([ipt, "-t", table, "-D", chain] + words(rule))
                    else:
                        passed += 1
                    continue
                if rc != 0 and not oracle and cannot_run(name, err):
                    skipped += 1
                    continue
                if rc != 0:
                    print("FAIL %s: refused (%d): %s\n     %s" % (where, rc, rule, err.strip().replace("\n", "\n     ")))
                    failed += 1
                    continue
                ok = True
                if result == "OK":
                    _, saved, _ = run([save, "-t", table])
                    want = ("-A %s %s" % (chain, expected)).rstrip()
                    lines = [l.rstrip() for l in saved.splitlines()]
                    if want not in lines:
                        got = [l for l in lines if l.startswith("-A %s " % chain) or l == "-A %s" % chain]
                        print("FAIL %s: saved differently\n     want: %s\n     got:  %s" % (where, want, " | ".join(got)))
                        ok = False
                rc, _, err = run([ipt, "-t", table, "-D", chain] + words(rule))
                if rc != 0:
                    print("FAIL %s: -D by meaning failed (%d): %s\n     %s" % (where, rc, rule, err.strip()))
                    ok = False
                    run([ipt, "-t", table, "-F", chain])
                if ok:
                    passed += 1
                else:
                    failed += 1
    print("%d passed, %d failed" % (passed, failed) + (", %d skipped" % skipped if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
