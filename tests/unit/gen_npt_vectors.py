#!/usr/bin/env python3
# The DNPT/SNPT vectors of tests/unit/test_npt.c: each packet's address
# mapped by RFC 6296's algorithm as written here (one's complement
# arithmetic as sums modulo 0xffff, not the kernel's folding), and by
# the real kernel. As root: UDP, TCP and ICMPv6 packets built here are
# sent from a raw socket in namespace qtnp-va through ip6tables-nft's
# DNPT (mangle OUTPUT) and SNPT (mangle POSTROUTING) over a veth pair
# and captured with a packet socket in qtnp-vb. Prints one C
# initializer per case: rule number, packet sent, the RFC's packet,
# the kernel's packet ("" when the kernel dropped it); the script stops
# if the RFC and the kernel disagree. The namespaces are removed.
import os, socket, struct, subprocess, sys, time

# (target, src-pfx, dst-pfx): the rule's number is its index
RULES = [
    ('DNPT', '2001:db8:1::/48', 'fd01:203:405::/48'),
    ('DNPT', '2001:db8:2:3::/64', 'fd00:aaaa:bbbb:cccc::/64'),
    ('DNPT', '2001:db8:3:400::/56', 'fd00:3:4:5f0::/60'),
    ('DNPT', '2001:db8::/32', 'fd44:4400::/40'),
    ('SNPT', 'fd01:203:405::/48', '2001:db8:1::/48'),
    ('SNPT', 'fd03:1:2:3::/64', '2001:db8:a:b::/64'),
]
PEER = 'fd99::2'
SELF = 'fd99::1'


def a2b(a): return socket.inet_pton(socket.AF_INET6, a)
def b2a(b): return socket.inet_ntop(socket.AF_INET6, b)


def words(b): return list(struct.unpack('!8H', b))


def rfc_map(rule, addr):
    """RFC 6296 section 3: the prefix replaced, then the checksum
    adjustment (sum of the source prefix minus sum of the destination
    prefix, modulo 0xffff) added to the word after a /48 or to the
    first word of the interface identifier that is not 0xffff; 0xffff
    is written as 0; None when every such word is 0xffff."""
    _, spfx, dpfx = rule
    sa, sl = spfx.split('/'); da, dl = dpfx.split('/')
    n = max(int(sl), int(dl))
    a = int.from_bytes(addr, 'big'); d = int.from_bytes(a2b(da), 'big')
    keep = (1 << (128 - n)) - 1
    a = (a & keep) | (d & ~keep & ((1 << 128) - 1))
    w = words(a.to_bytes(16, 'big'))
    adj = (sum(words(a2b(sa))) - sum(words(a2b(da)))) % 0xffff
    if n <= 48:
        i = 3
    else:
        i = next((k for k in range(4, 8) if w[k] != 0xffff), None)
        if i is None:
            return None
    w[i] = (w[i] + adj) % 0xffff
    return struct.pack('!8H', *w)


def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def pkt(src, dst, proto, tag):
    s, d = a2b(src), a2b(dst)
    if proto == 17:
        l4 = struct.pack('!HHHH', 40000, 7000 + tag, 8 + 6, 0) + b'npt%03d' % tag
        at = 6
    elif proto == 6:
        l4 = struct.pack('!HHIIBBHHH', 40000, 7000 + tag, 1, 0, 5 << 4, 0x02,
                         64240, 0, 0) + b'npt%03d' % tag
        at = 16
    else:
        l4 = struct.pack('!BBHHH', 128, 0, 0, 7000 + tag, 1) + b'npt%03d' % tag
        at = 2
    c = csum(s + d + struct.pack('!IxxxB', len(l4), proto) + l4)
    l4 = l4[:at] + struct.pack('!H', c) + l4[at + 2:]
    return struct.pack('!IHBB', 6 << 28, len(l4), proto, 64) + s + d + l4


def tag_of(p):
    return int(p[-3:].decode())


# (rule, source, destination, protocol)
CASES = [
    (0, SELF, '2001:db8:1:1::1234', 17),
    (0, SELF, '2001:db8:1:ffff::1', 17),
    (0, SELF, '2001:db8:1:0:ffff:ffff:ffff:ffff', 6),
    (1, SELF, '2001:db8:2:3::1', 17),
    (1, SELF, '2001:db8:2:3:ffff::1', 6),
    (1, SELF, '2001:db8:2:3:ffff:ffff:1:2', 58),
    (1, SELF, '2001:db8:2:3:ffff:ffff:ffff:7', 17),
    (1, SELF, '2001:db8:2:3:ffff:ffff:ffff:ffff', 17),
    (2, SELF, '2001:db8:3:4ab:1:2:3:4', 17),
    (2, SELF, '2001:db8:3:4ff:ffff:0:0:1', 6),
    (3, SELF, '2001:db8:4:5:6:7:8:9', 17),
    (3, SELF, '2001:db8:ffff:ffff::', 58),
    (4, 'fd01:203:405:1::1234', PEER, 17),
    (4, 'fd01:203:405:2::9', PEER, 6),
    (5, 'fd03:1:2:3:0:0:0:1', PEER, 17),
    (5, 'fd03:1:2:3:ffff:ffff:ffff:ffff', PEER, 17),
    (5, 'fd03:1:2:3:ffff:ffff:ffff:fffe', PEER, 58),
]


def expected_zero_case():
    """A /48 destination whose adjusted word sums to 0xffff (written
    as 0): word 3 = minus the adjustment."""
    _, spfx, dpfx = RULES[0]
    adj = (sum(words(a2b(spfx.split('/')[0]))) -
           sum(words(a2b(dpfx.split('/')[0])))) % 0xffff
    w = (0xffff - adj) % 0xffff
    return '2001:db8:1:%x::5' % w


CASES.append((0, SELF, expected_zero_case(), 17))


def sh(c): subprocess.run(c, shell=True, check=True)


def packets():
    return [pkt(src, dst, proto, i) for i, (_, src, dst, proto) in enumerate(CASES)]


if sys.argv[1:] == ['child-send']:
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for p in packets():
        try:
            s.sendto(p, (b2a(p[24:40]), 0))
        except PermissionError:
            pass            # a target dropped it
        time.sleep(0.03)
    sys.exit(0)

try:
    sh('ip netns add qtnp-va; ip netns add qtnp-vb')
    sh('ip link add qtnpa0 netns qtnp-va type veth peer name qtnpb0 netns qtnp-vb')
    for ns, dev, addr in (('qtnp-va', 'qtnpa0', SELF), ('qtnp-vb', 'qtnpb0', PEER)):
        sh('ip -n %s link set lo up; ip -n %s addr add %s/64 dev %s nodad; '
           'ip -n %s link set %s up' % (ns, ns, addr, dev, ns, dev))
    sh('ip -n qtnp-va -6 route add default via %s dev qtnpa0' % PEER)
    for i, (t, spfx, dpfx) in enumerate(RULES):
        sel = '-d ' + spfx if t == 'DNPT' else '-s ' + spfx
        chain = 'OUTPUT' if t == 'DNPT' else 'POSTROUTING'
        sh('ip netns exec qtnp-va ip6tables-nft -t mangle -A %s %s -j %s '
           '--src-pfx %s --dst-pfx %s' % (chain, sel, t, spfx, dpfx))
    time.sleep(0.5)
    rx = subprocess.Popen(['ip', 'netns', 'exec', 'qtnp-vb', 'python3', '-c', '''
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x86dd))
s.bind(("qtnpb0", 0)); s.settimeout(3)
print("ready", flush=True)
while True:
    try:
        f = s.recv(70000)[14:]
    except socket.timeout: break
    except OSError: continue
    # not the kernel's ICMPv6 errors about them, which quote them
    if f[6] in (6, 17) or (f[6] == 58 and f[40] >= 128):
        if f[-6:-3] == b"npt": print(f.hex(), flush=True)
'''], stdout=subprocess.PIPE, text=True)
    assert rx.stdout.readline().strip() == 'ready'
    sh('ip netns exec qtnp-va python3 %s child-send' % os.path.abspath(__file__))
    got = {}
    for line in rx.stdout:
        b = bytes.fromhex(line.strip())
        got[tag_of(b)] = b
    rx.wait()
    for i, p in enumerate(packets()):
        rule = CASES[i][0]
        source = RULES[rule][0] == 'SNPT'
        at = 8 if source else 24
        m = rfc_map(RULES[rule], p[at:at + 16])
        want = b'' if m is None else p[:at] + m + p[at + 16:]
        kern = got.get(i, b'')
        if want != kern:
            sys.exit('case %d: the RFC gives %s, the kernel %s' %
                     (i, want.hex() or '-', kern.hex() or '-'))
        print('\t{ %d, "%s",\n\t  "%s" },' % (rule, p.hex(), kern.hex()))
finally:
    subprocess.run('ip netns del qtnp-va; ip netns del qtnp-vb', shell=True)
