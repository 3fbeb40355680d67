#!/usr/bin/python3
"""Record the kernel's REJECT replies as test vectors (run as root).

Two namespaces, PFX-c (10.77.0.1) -- PFX-f (10.77.0.2, forwards to 10.78.0.0/24 on
a veth pair of its own). The real iptables-nft REJECT sits in f's INPUT (packets to
10.77.0.2) and FORWARD (packets to 10.78.0.2). c sends each offending
packet with scapy and records what comes back. ICMP rate limiting is off
in f (icmp_ratemask=0) and f's transmit checksum offload is off so the
captured replies carry finished checksums.
Output: one line per case, see tests/unit/reject_vectors.txt.
Usage: gen_reject_vectors.py PREFIX > reject_vectors.txt
"""
import os
import subprocess
import sys
import time

PFX = sys.argv[1] if len(sys.argv) > 1 else "qthi"
C, F = PFX + "-c", PFX + "-f"


def sh(*cmd, check=True):
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


def nsx(ns, *cmd, check=True):
    return sh("ip", "netns", "exec", ns, *cmd, check=check)


def setup():
    for ns in (C, F):
        sh("ip", "netns", "del", ns, check=False)
        sh("ip", "netns", "add", ns)
    sh("ip", "link", "add", "c0", "netns", C, "type", "veth", "peer", "name", "f0", "netns", F)
    nsx(C, "ip", "addr", "add", "10.77.0.1/24", "dev", "c0")
    nsx(F, "ip", "addr", "add", "10.77.0.2/24", "brd", "10.77.0.255", "dev", "f0")
    for ns, dev in ((C, "c0"), (F, "f0")):
        nsx(ns, "ip", "link", "set", "lo", "up")
        nsx(ns, "ip", "link", "set", dev, "up")
    # the forwarding side: a veth pair kept inside f (no dummy driver here)
    nsx(F, "ip", "link", "add", "d0", "type", "veth", "peer", "name", "d1")
    nsx(F, "ip", "addr", "add", "10.78.0.1/24", "dev", "d0")
    nsx(F, "ip", "link", "set", "dev", "d1", "up")
    nsx(F, "ip", "link", "set", "dev", "d0", "up")
    nsx(F, "sysctl", "-qw", "net.ipv4.ip_forward=1")
    nsx(F, "sysctl", "-qw", "net.ipv4.icmp_ratemask=0")
    nsx(F, "ethtool", "-K", "f0", "tx", "off")
    nsx(C, "ip", "route", "add", "10.78.0.0/24", "via", "10.77.0.2")
    nsx(C, "ip", "route", "add", "224.0.0.0/4", "dev", "c0")


def teardown():
    for ns in (C, F):
        sh("ip", "netns", "del", ns, check=False)


def cases():
    from scapy.all import (IP, TCP, UDP, ICMP, Raw, IPOption_NOP, IPOption_EOL,
                           IPOption_RR, IPOption_Timestamp)
    L, FW = "10.77.0.2", "10.78.0.2"
    src = "10.77.0.1"

    def ip(dst, **kw):
        kw.setdefault("id", 0x1234)
        kw.setdefault("ttl", 63)
        return IP(src=src, dst=dst, **kw)

    def badsum(pkt, layer):
        b = bytearray(bytes(pkt))
        off = 20 + (16 if layer == "tcp" else 6 if layer == "udp" else 2)
        b[off] ^= 0x5a
        return bytes(b)

    syn = TCP(sport=40000, dport=80, flags="S", seq=1000, window=64240)
    pay = Raw(b"0123456789")
    big = Raw(bytes(range(256)) * 4)
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
    add("rst_tos", "tcp-reset", ip(L, tos=0xb8) / syn)
    add("rst_big_payload", "tcp-reset", ip(L) / TCP(sport=40005, dport=80, flags="A", seq=1, ack=2) / big)
    add("rst_forward", "tcp-reset", ip(FW) / syn)
    add("rst_to_rst", "tcp-reset", ip(L) / TCP(sport=40006, dport=80, flags="R", seq=9))
    add("rst_to_rst_ack", "tcp-reset", ip(L) / TCP(sport=40007, dport=80, flags="RA", seq=9, ack=10))
    add("rst_bad_csum", "tcp-reset", badsum(ip(L) / syn, "tcp"))
    add("rst_nonfirst_frag", "tcp-reset", ip(FW, frag=8) / Raw(b"x" * 24))
    add("rst_bcast", "tcp-reset", ip("10.77.0.255") / syn)
    add("rst_l2bcast", "tcp-reset", ip(L) / syn, "ff:ff:ff:ff:ff:ff")
    # icmp errors
    udp = UDP(sport=50000, dport=9999) / Raw(b"hello, reject")
    for w in ("", "icmp-net-unreachable", "icmp-host-unreachable", "icmp-port-unreachable",
              "icmp-proto-unreachable", "icmp-net-prohibited", "icmp-host-prohibited",
              "icmp-admin-prohibited"):
        add("udp_" + (w or "default"), w, ip(L) / udp)
    add("udp_big", "", ip(L) / UDP(sport=50001, dport=9999) / big)
    add("udp_548", "", ip(L) / UDP(sport=50001, dport=9999) / Raw(b"q" * 520))
    add("udp_549", "", ip(L) / UDP(sport=50001, dport=9999) / Raw(b"q" * 521))
    add("udp_tos_options", "", ip(L, tos=0xb9, options=[IPOption_NOP(), IPOption_NOP(), IPOption_NOP(), IPOption_EOL()]) / udp)
    rr = [IPOption_RR(pointer=4, routers=["0.0.0.0"] * 3)]
    add("udp_rr", "", ip(L, options=rr) / udp)
    add("udp_rr_big", "", ip(L, options=rr) / UDP(sport=50001, dport=9999) / big)
    add("udp_ts", "", ip(L, options=[IPOption_Timestamp(flg=0, pointer=5, length=12, timestamp=0),
                                     IPOption_NOP(), IPOption_NOP(), IPOption_NOP(), IPOption_NOP()]) / udp)
    add("rst_rr", "tcp-reset", ip(L, options=rr) / syn)
    nocs = ip(L) / UDP(sport=50002, dport=9999, chksum=0) / pay
    add("udp_no_csum", "", nocs)
    add("udp_bad_csum", "", badsum(ip(L) / udp, "udp"))
    add("udp_forward", "", ip(FW) / udp)
    add("udp_forward_admin", "icmp-admin-prohibited", ip(FW) / udp)
    add("udp_first_frag", "", ip(FW, flags="MF") / UDP(sport=50003, dport=9999, len=200, chksum=0x1111) / Raw(b"f" * 64))
    add("udp_first_frag_nocsum", "", ip(FW, flags="MF") / UDP(sport=50003, dport=9999, len=200, chksum=0) / Raw(b"f" * 64))
    add("udp_nonfirst_frag", "", ip(FW, frag=8) / Raw(b"y" * 40))
    add("udp_bcast", "", ip("10.77.0.255") / udp)
    add("udp_lbcast", "", ip("255.255.255.255") / udp)
    add("udp_mcast", "", ip("224.0.0.1") / udp)
    add("udp_l2bcast", "", ip(L) / udp, "ff:ff:ff:ff:ff:ff")
    add("tcp_port_unreach", "", ip(L) / syn)
    add("tcp_bad_csum_icmp", "", badsum(ip(L) / syn, "tcp"))
    add("icmp_echo", "", ip(L) / ICMP(type=8, id=7, seq=1) / pay)
    add("icmp_timestamp", "icmp-host-prohibited", ip(L) / ICMP(type=13) / Raw(b"\0" * 12))
    add("icmp_type18", "", ip(L) / ICMP(type=18) / Raw(b"\0" * 4))
    add("icmp_type19", "", ip(L) / ICMP(type=19) / Raw(b"\0" * 4))
    add("icmp_dest_unreach", "", ip(L) / ICMP(type=3, code=3) / Raw(bytes(ip(L) / udp)[:28]))
    add("icmp_time_exceeded", "", ip(L) / ICMP(type=11) / Raw(bytes(ip(L) / udp)[:28]))
    add("icmp_redirect", "", ip(L) / ICMP(type=5) / Raw(bytes(ip(L) / udp)[:28]))
    add("icmp_bad_csum", "", badsum(ip(L) / ICMP(type=8, id=7, seq=1) / pay, "icmp"))
    add("proto253_zero", "", ip(L, proto=253) / Raw(b"\0" * 8))
    add("proto253_sum_ffff", "", ip(L, proto=253) / Raw(b"\xff\xff" + b"\0" * 6))
    add("proto253_random", "", ip(L, proto=253) / Raw(b"random payload"))
    add("gre_any", "icmp-proto-unreachable", ip(L, proto=47) / Raw(b"\x12\x34\x56\x78junk"))
    add("esp_any", "", ip(L, proto=50) / Raw(b"\x00\x00\x10\x01stuff"))
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
    from scapy.all import Ether, AsyncSniffer, sendp, get_if_hwaddr, IP
    import logging
    logging.getLogger("scapy").setLevel(logging.ERROR)
    fmac = nsx(F, "cat", "/sys/class/net/f0/address").stdout.strip()
    # resolve c's MAC in f first so no reply waits for ARP
    nsx(F, "ping", "-c1", "-W1", "10.77.0.1", check=False)
    print("# REJECT replies of the kernel (%s), iptables-nft 1.8.9; generated by"
          " tests/unit/gen_reject_vectors.py. Addresses: client 10.77.0.1, the"
          " rejecting host 10.77.0.2 (broadcast 10.77.0.255), forwarded"
          " destinations 10.78.0.0/24" % os.uname().release)
    print("# name reject-with hook(in|fwd) l2(host|bcast|mcast: the frame's"
          " destination) icmp-saddr(- = the packet's destination)"
          " offending-hex reply-hex(- = no reply)")
    for name, with_, pkt, emac_ in cases():
        for chain in ("INPUT", "FORWARD"):
            nsx(F, "iptables-nft", "-F", chain)
            cmd = ["iptables-nft", "-A", chain, "-s", "10.77.0.1"]
            if with_ == "tcp-reset":
                cmd += ["-p", "tcp"]
            cmd += ["-j", "REJECT"]
            if with_:
                cmd += ["--reject-with", with_]
            nsx(F, *cmd)
        dst = IP(pkt).dst
        hook = "fwd" if dst.startswith("10.78.") else "in"
        if dst == "224.0.0.1":
            emac = "01:00:5e:00:00:01"
        elif dst.endswith(".255"):
            emac = "ff:ff:ff:ff:ff:ff"
        else:
            emac = fmac
        emac = emac_ or emac
        sn = AsyncSniffer(iface="c0", store=True,
                          lfilter=lambda p: IP in p and p[IP].src != "10.77.0.1")
        sn.start()
        time.sleep(0.15)
        sendp(Ether(dst=emac, src=get_if_hwaddr("c0"), type=0x0800) / pkt, iface="c0", verbose=False)
        time.sleep(0.35)
        got = sn.stop()
        if os.environ.get("QT_GEN_DEBUG"):
            print(name, [p.summary() for p in got], file=sys.stderr)
        replies = [bytes(p[IP])[:IP(bytes(p[IP])).len] for p in got]
        if len(replies) > 1:
            print("# %s: %d replies" % (name, len(replies)), file=sys.stderr)
        out = replies[0].hex() if replies else "-"
        saddr = "10.77.0.2" if hook == "fwd" else "-"
        l2 = "host" if emac == fmac else "bcast" if emac.startswith("ff") else "mcast"
        print(name, with_ or "default", hook, l2, saddr, pkt.hex(), out)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
