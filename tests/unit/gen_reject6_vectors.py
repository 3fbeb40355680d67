#!/usr/bin/python3
"""Record the kernel's IPv6 REJECT replies as test vectors (run as root).

The IPv6 twin of gen_reject_vectors.py. Two namespaces, PFX-c
(2001:db8:77::1) -- PFX-f (2001:db8:77::2, forwards to 2001:db8:78::/64 on
a veth pair of its own). The real ip6tables-nft REJECT sits in f's INPUT
(packets to 2001:db8:77::2) and FORWARD (packets to 2001:db8:78::2),
matching the case's source address. c sends each offending packet with
scapy and records what comes back. ICMPv6 rate limiting is off in f
(net.ipv6.icmp.ratelimit=0), neighbours are static and DAD, router
solicitations and MLD reports are off, so only replies are on the wire;
f's transmit checksum offload is off so the captured replies carry
finished checksums.
Output: one line per case, see tests/unit/reject6_vectors.txt.
Usage: gen_reject6_vectors.py PREFIX > reject6_vectors.txt
"""
import os
import subprocess
import sys
import time

PFX = sys.argv[1] if len(sys.argv) > 1 else "qthi6"
C, F = PFX + "-c", PFX + "-f"
CA, FA, FW = "2001:db8:77::1", "2001:db8:77::2", "2001:db8:78::2"
CMAC, FMAC = "02:00:00:00:78:0c", "02:00:00:00:78:0f"


def sh(*cmd, check=True):
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


def nsx(ns, *cmd, check=True):
    return sh("ip", "netns", "exec", ns, *cmd, check=check)


def setup():
    for ns in (C, F):
        sh("ip", "netns", "del", ns, check=False)
        sh("ip", "netns", "add", ns)
        for k in ("all", "default"):
            for key, val in (("router_solicitations", "0"), ("accept_dad", "0"),
                             ("dad_transmits", "0"), ("accept_ra", "0"),
                             ("force_mld_version", "1")):
                nsx(ns, "sysctl", "-qw", "net.ipv6.conf.%s.%s=%s" % (k, key, val))
    sh("ip", "link", "add", "c0", "netns", C, "address", CMAC, "type", "veth",
       "peer", "name", "f0", "netns", F, "address", FMAC)
    nsx(C, "ip", "addr", "add", CA + "/64", "dev", "c0", "nodad")
    nsx(F, "ip", "addr", "add", FA + "/64", "dev", "f0", "nodad")
    for ns, dev in ((C, "c0"), (F, "f0")):
        nsx(ns, "ip", "link", "set", "lo", "up")
        nsx(ns, "ip", "link", "set", dev, "up")
    nsx(F, "ip", "link", "add", "d0", "type", "veth", "peer", "name", "d1")
    nsx(F, "ip", "addr", "add", "2001:db8:78::1/64", "dev", "d0", "nodad")
    nsx(F, "ip", "link", "set", "dev", "d1", "up")
    nsx(F, "ip", "link", "set", "dev", "d0", "up")
    nsx(F, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1")
    nsx(F, "sysctl", "-qw", "net.ipv6.icmp.ratelimit=0")
    # (replies are checksummed in full by the kernel; no offload to undo,
    # but where ethtool is there the offload goes too)
    nsx(F, "ethtool", "-K", "f0", "tx", "off", check=False)
    nsx(C, "ip", "route", "add", "2001:db8:78::/64", "via", FA)
    nsx(C, "ip", "neigh", "add", FA, "lladdr", FMAC, "dev", "c0")
    nsx(F, "ip", "neigh", "add", CA, "lladdr", CMAC, "dev", "f0")
    time.sleep(2)   # the links' own MLD reports pass


def teardown():
    for ns in (C, F):
        sh("ip", "netns", "del", ns, check=False)


def cases():
    from scapy.all import (IPv6, TCP, UDP, Raw, IPv6ExtHdrHopByHop,
                           IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, PadN,
                           ICMPv6EchoRequest, ICMPv6EchoReply,
                           ICMPv6DestUnreach, ICMPv6PacketTooBig,
                           ICMPv6ParamProblem, ICMPv6ND_NS)
    L = FA

    def ip(dst, **kw):
        kw.setdefault("src", CA)
        kw.setdefault("hlim", 63)
        return IPv6(dst=dst, **kw)

    def badsum(pkt, off):
        b = bytearray(bytes(pkt))
        b[off] ^= 0x5a
        return bytes(b)

    syn = TCP(sport=40000, dport=80, flags="S", seq=1000, window=64240)
    pay = Raw(b"0123456789")
    big = Raw(bytes(range(256)) * 4)
    udp = UDP(sport=50000, dport=9999) / Raw(b"hello, reject")
    hbh = IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\0" * 4)])
    dst = IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0" * 4)])
    C_ = []

    def add(name, with_, pkt, emac=None):
        C_.append((name, with_, pkt if isinstance(pkt, bytes) else bytes(pkt), emac))

    # tcp-reset
    add("rst_syn", "tcp-reset", ip(L) / syn)
    add("rst_ack_payload", "tcp-reset", ip(L) / TCP(sport=40001, dport=80, flags="PA", seq=5000, ack=7000) / pay)
    add("rst_fin_payload", "tcp-reset", ip(L) / TCP(sport=40002, dport=80, flags="FP", seq=0xfffffffe, ack=0) / Raw(b"abcde"))
    add("rst_synfin", "tcp-reset", ip(L) / TCP(sport=40003, dport=80, flags="SF", seq=77))
    add("rst_syn_options", "tcp-reset", ip(L) / TCP(sport=40004, dport=443, flags="S", seq=123456789,
                                                     options=[("MSS", 1460), ("WScale", 7), ("SAckOK", b"")]))
    add("rst_tc_flow", "tcp-reset", ip(L, tc=0xb8, fl=0x12345) / syn)
    add("rst_big_payload", "tcp-reset", ip(L) / TCP(sport=40005, dport=80, flags="A", seq=1, ack=2) / big)
    add("rst_hbh_dstopts", "tcp-reset", ip(L) / hbh / dst / syn)
    add("rst_forward", "tcp-reset", ip(FW) / syn)
    add("rst_to_rst", "tcp-reset", ip(L) / TCP(sport=40006, dport=80, flags="R", seq=9))
    add("rst_to_rst_ack", "tcp-reset", ip(L) / TCP(sport=40007, dport=80, flags="RA", seq=9, ack=10))
    add("rst_bad_csum", "tcp-reset", badsum(ip(L) / syn, 40 + 16))
    add("rst_nonfirst_frag", "tcp-reset", ip(FW) / IPv6ExtHdrFragment(id=1, offset=1, nh=6) / Raw(b"x" * 24))
    add("rst_mcast", "tcp-reset", ip("ff02::1") / syn)
    add("rst_src_mcast", "tcp-reset", ip(L, src="ff02::5") / syn)
    add("rst_l2mcast", "tcp-reset", ip(L) / syn, "33:33:00:00:00:01")
    # icmpv6 errors
    for w in ("", "icmp6-no-route", "icmp6-adm-prohibited",
              "icmp6-addr-unreachable", "icmp6-port-unreachable",
              "icmp6-policy-fail", "icmp6-reject-route"):
        add("udp_" + (w or "default"), w, ip(L) / udp)
    add("udp_big", "", ip(L) / UDP(sport=50001, dport=9999) / big)
    # the quote is at most 1280 - 40 - 8 = 1232 bytes of the packet
    add("udp_1232", "", ip(L) / UDP(sport=50001, dport=9999) / Raw(b"q" * 1184))
    add("udp_1233", "", ip(L) / UDP(sport=50001, dport=9999) / Raw(b"q" * 1185))
    add("udp_1400", "", ip(L) / UDP(sport=50001, dport=9999) / Raw(b"r" * 1352))
    add("udp_tc_flow", "", ip(L, tc=0xb9, fl=0xfffff) / udp)
    add("udp_hbh_dstopts", "", ip(L) / hbh / dst / udp)
    nocs = ip(L) / UDP(sport=50002, dport=9999, chksum=0) / pay
    add("udp_no_csum", "", nocs)
    add("udp_bad_csum", "", badsum(ip(L) / udp, 40 + 6))
    add("udp_forward", "", ip(FW) / udp)
    add("udp_forward_admin", "icmp6-adm-prohibited", ip(FW) / udp)
    add("udp_first_frag", "", ip(FW) / IPv6ExtHdrFragment(id=2, m=1) /
        UDP(sport=50003, dport=9999, len=200, chksum=0x1111) / Raw(b"f" * 64))
    add("udp_first_frag_nocsum", "", ip(FW) / IPv6ExtHdrFragment(id=3, m=1) /
        UDP(sport=50003, dport=9999, len=200, chksum=0) / Raw(b"f" * 64))
    add("udp_nonfirst_frag", "", ip(FW) / IPv6ExtHdrFragment(id=4, offset=1, nh=17) / Raw(b"y" * 40))
    add("udp_mcast", "", ip("ff02::1") / udp)
    add("udp_l2mcast", "", ip(L) / udp, "33:33:00:00:00:01")
    add("udp_src_mcast", "", ip(L, src="ff02::5") / udp)
    add("udp_src_any", "", ip(L, src="::") / udp)
    add("tcp_port_unreach", "", ip(L) / syn)
    add("tcp_bad_csum_icmp", "", badsum(ip(L) / syn, 40 + 16))
    add("icmp_echo", "", ip(L) / ICMPv6EchoRequest(id=7, seq=1, data=b"ping"))
    add("icmp_echo_reply", "icmp6-adm-prohibited", ip(L) / ICMPv6EchoReply(id=7, seq=1))
    add("icmp_ns", "", ip(L, hlim=255) / ICMPv6ND_NS(tgt=L))
    add("icmp_type200", "", ip(L) / ICMPv6EchoRequest(type=200))
    add("icmp_dest_unreach", "", ip(L) / ICMPv6DestUnreach(code=4) / Raw(bytes(ip(L) / udp)))
    add("icmp_pkt_too_big", "", ip(L) / ICMPv6PacketTooBig(mtu=1280) / Raw(bytes(ip(L) / udp)))
    add("icmp_param_prob", "", ip(L) / ICMPv6ParamProblem(ptr=6) / Raw(bytes(ip(L) / udp)))
    add("icmp_type127", "", ip(L) / ICMPv6EchoRequest(type=127))
    add("icmp_bad_csum", "", badsum(ip(L) / ICMPv6EchoRequest(id=7, seq=1), 40 + 2))
    add("no_next_header", "", ip(L, nh=59) / Raw(b"\0" * 8))
    add("proto253_zero", "", ip(L, nh=253) / Raw(b"\0" * 8))
    add("proto253_random", "", ip(L, nh=253) / Raw(b"random payload"))
    add("esp_any", "", ip(L, nh=50) / Raw(b"\x00\x00\x10\x01stuff"))
    add("sctp_any", "icmp6-no-route", ip(L, nh=132) / Raw(b"\x00\x01\x00\x02" + b"\0" * 8))
    return C_


def main():
    if os.environ.get("QT_GEN_INNER") != "1":
        try:
            setup()
            env = dict(os.environ, QT_GEN_INNER="1")
            r = subprocess.run(["ip", "netns", "exec", C, sys.executable, __file__, PFX], env=env)
            sys.exit(r.returncode)
        finally:
            teardown()
    from scapy.all import Ether, AsyncSniffer, sendp, IPv6
    import logging
    logging.getLogger("scapy").setLevel(logging.ERROR)
    print("# IPv6 REJECT replies of the kernel (%s), ip6tables-nft 1.8.9;"
          " generated by tests/unit/gen_reject6_vectors.py. Addresses:"
          " client 2001:db8:77::1, the rejecting host 2001:db8:77::2,"
          " forwarded destinations 2001:db8:78::/64" % os.uname().release)
    print("# name reject-with hook(in|fwd) l2(host|mcast: the frame's"
          " destination) icmp-saddr(- = the packet's destination)"
          " offending-hex reply-hex(- = no reply)")

    sent = [b""]

    def mine(p):
        if IPv6 not in p or p[IPv6].src == CA:
            return False
        b = bytes(p[IPv6])
        # our own packet (its source is not c's), and the links' own
        # neighbour discovery and MLD (from link-local sources), are not
        # replies
        return b != sent[0] and not p[IPv6].src.startswith("fe80:")

    for name, with_, pkt, emac_ in cases():
        src = IPv6(pkt).src
        for chain in ("INPUT", "FORWARD"):
            nsx(F, "ip6tables-nft", "-F", chain)
            cmd = ["ip6tables-nft", "-A", chain, "-s", src]
            if with_ == "tcp-reset":
                cmd += ["-p", "tcp"]
            cmd += ["-j", "REJECT"]
            if with_:
                cmd += ["--reject-with", with_]
            nsx(F, *cmd)
        dst = IPv6(pkt).dst
        hook = "fwd" if dst.startswith("2001:db8:78:") else "in"
        if dst.startswith("ff02:"):
            emac = "33:33:00:00:00:01"
        else:
            emac = FMAC
        emac = emac_ or emac
        sent[0] = pkt
        sn = AsyncSniffer(iface="c0", store=True, lfilter=mine)
        sn.start()
        time.sleep(0.15)
        sendp(Ether(dst=emac, src=CMAC, type=0x86dd) / pkt, iface="c0", verbose=False)
        time.sleep(0.35)
        got = sn.stop()
        if os.environ.get("QT_GEN_DEBUG"):
            print(name, [p.summary() for p in got], file=sys.stderr)
        replies = [bytes(p[IPv6])[:40 + IPv6(bytes(p[IPv6])).plen] for p in got]
        if len(replies) > 1:
            print("# %s: %d replies" % (name, len(replies)), file=sys.stderr)
        out = replies[0].hex() if replies else "-"
        saddr = FA if hook == "fwd" else "-"
        l2 = "host" if emac == FMAC else "mcast"
        print(name, with_ or "default", hook, l2, saddr, pkt.hex(), out)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
