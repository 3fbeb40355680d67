#!/usr/bin/env python3
"""kube-proxy's iptables-restore payload of a full sync, at scale.

    gen_kube_proxy.py payload SERVICES   the restore text on stdout
    gen_kube_proxy.py jumps              the iptables commands kube-proxy
                                         runs before it (one per line,
                                         arguments after "iptables")
    gen_kube_proxy.py service I          "CLUSTER_IP PORT" of service I

The shape is kube-proxy's in iptables mode (pkg/proxy/iptables/proxier.go,
syncProxyRules; the text of proxier_test.go's expected payloads, as in
tests/compat/apps/kube-proxy.steps): IPv4, the pod CIDR 10.0.0.0/8 as
local detector, masquerade bit 0x4000, --random-fully, no nfacct
counters. Every service is a TCP ClusterIP service with two endpoints:
a KUBE-SERVICES jump with its comment, a KUBE-SVC-* chain with the
KUBE-MARK-MASQ rule for traffic from outside the pod CIDR and the
endpoints chosen by -m statistic (probability 1/2, ten decimals), a
KUBE-SEP-* chain per endpoint with the hairpin KUBE-MARK-MASQ and the
DNAT. Chain names are kube-proxy's hashes (base32 of SHA-256 of the
service port name and protocol, and of the endpoint).

Service I: ns{I//100}/svc{I}:p80, cluster IP 172.30.{I//250}.{I%250+1}
port 80, endpoints 10.180.{I//125}.{2*(I%125)+1} and +1, port 8080.
"""
import base64
import hashlib
import sys


def h16(text):
    return base64.b32encode(hashlib.sha256(text.encode()).digest()).decode()[:16]


def service(i):
    name = "ns%d/svc%d:p80" % (i // 100, i)
    cip = "172.30.%d.%d" % (i // 250, i % 250 + 1)
    base = 2 * (i % 125) + 1
    eps = ["10.180.%d.%d:8080" % (i // 125, base + k) for k in range(2)]
    return name, cip, eps


def payload(n, out):
    w = out.write
    w("*filter\n")
    for c in ("KUBE-NODEPORTS", "KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES",
              "KUBE-FIREWALL", "KUBE-FORWARD", "KUBE-PROXY-FIREWALL"):
        w(":%s - [0:0]\n" % c)
    w('-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" '
      "-d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP\n")
    w("-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP\n")
    w('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" '
      "-m mark --mark 0x4000/0x4000 -j ACCEPT\n")
    w('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" '
      "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n")
    w("COMMIT\n")
    w("*nat\n")
    chains = ["KUBE-NODEPORTS", "KUBE-SERVICES", "KUBE-MARK-MASQ", "KUBE-POSTROUTING"]
    rules = []
    for i in range(n):
        name, cip, eps = service(i)
        svc = "KUBE-SVC-" + h16(name + "tcp")
        seps = ["KUBE-SEP-" + h16(name + "tcp" + ep) for ep in eps]
        chains.append(svc)
        chains.extend(seps)
        rules.append('-A KUBE-SERVICES -m comment --comment "%s cluster IP" '
                     "-m tcp -p tcp -d %s --dport 80 -j %s" % (name, cip, svc))
        rules.append('-A %s -m comment --comment "%s cluster IP" -m tcp -p tcp -d %s '
                     "--dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ" % (svc, name, cip))
        for k, (ep, sep) in enumerate(zip(eps, seps)):
            left = len(eps) - k
            prob = ("-m statistic --mode random --probability %.10f " % (1.0 / left)
                    if left > 1 else "")
            rules.append('-A %s -m comment --comment "%s -> %s" %s-j %s'
                         % (svc, name, ep, prob, sep))
        for ep, sep in zip(eps, seps):
            rules.append("-A %s -m comment --comment %s -s %s -j KUBE-MARK-MASQ"
                         % (sep, name, ep.split(":")[0]))
            rules.append("-A %s -m comment --comment %s -m tcp -p tcp -j DNAT "
                         "--to-destination %s" % (sep, name, ep))
    rules.append('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; '
                 'NOTE: this must be the last rule in this chain" '
                 "-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS")
    rules.append("-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000")
    rules.append("-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN")
    rules.append("-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000")
    rules.append('-A KUBE-POSTROUTING -m comment --comment '
                 '"kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully')
    for c in chains:
        w(":%s - [0:0]\n" % c)
    for r in rules:
        w(r + "\n")
    w("COMMIT\n")


# EnsureChain + EnsureRule(Prepend) of iptablesJumpChains and
# iptablesKubeletJumpChains, in proxier.go's order
JUMPS = [
    ("filter", "KUBE-EXTERNAL-SERVICES", "INPUT", '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals"'),
    ("filter", "KUBE-EXTERNAL-SERVICES", "FORWARD", '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals"'),
    ("filter", "KUBE-NODEPORTS", "INPUT", '-m comment --comment "kubernetes health check service ports"'),
    ("filter", "KUBE-SERVICES", "FORWARD", '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals"'),
    ("filter", "KUBE-SERVICES", "OUTPUT", '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals"'),
    ("filter", "KUBE-FORWARD", "FORWARD", '-m comment --comment "kubernetes forwarding rules"'),
    ("filter", "KUBE-PROXY-FIREWALL", "INPUT", '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall"'),
    ("filter", "KUBE-PROXY-FIREWALL", "OUTPUT", '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall"'),
    ("filter", "KUBE-PROXY-FIREWALL", "FORWARD", '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall"'),
    ("nat", "KUBE-SERVICES", "OUTPUT", '-m comment --comment "kubernetes service portals"'),
    ("nat", "KUBE-SERVICES", "PREROUTING", '-m comment --comment "kubernetes service portals"'),
    ("nat", "KUBE-POSTROUTING", "POSTROUTING", '-m comment --comment "kubernetes postrouting rules"'),
    ("filter", "KUBE-FIREWALL", "INPUT", ""),
    ("filter", "KUBE-FIREWALL", "OUTPUT", ""),
]


def jumps(out):
    made = set()
    for table, chain, builtin, args in JUMPS:
        if (table, chain) not in made:
            out.write("-w 5 -W 100000 -N %s -t %s\n" % (chain, table))
            made.add((table, chain))
        out.write("-w 5 -W 100000 -I %s -t %s %s%s-j %s\n"
                  % (builtin, table, args, " " if args else "", chain))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "payload":
        payload(int(sys.argv[2]), sys.stdout)
    elif len(sys.argv) == 2 and sys.argv[1] == "jumps":
        jumps(sys.stdout)
    elif len(sys.argv) == 3 and sys.argv[1] == "service":
        _, cip, _ = service(int(sys.argv[2]))
        print(cip, 80)
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
