#!/usr/bin/env python3
# The TCPMSS vectors of tests/unit/test_targets.c, from the real kernel.
# As root: TCP packets built here are sent from a raw socket in namespace
# qttg-a through the kernel's TCPMSS (iptables-nft rules in mangle
# POSTROUTING) over a veth pair with MTU 1400, captured with a packet
# socket in qttg-b. Prints "name|packet sent|packet captured" (hex, from
# the IP header) per case; the namespaces are removed afterwards.
import os, socket, struct, subprocess, sys, time

def sh(c): subprocess.run(c, shell=True, check=True)

def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b)//2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def pkt(dport, flags, opts=b'', payload=b'', bad=False):
    src, dst = socket.inet_aton('10.99.0.1'), socket.inet_aton('10.99.0.2')
    doff = (20 + len(opts)) // 4
    th = struct.pack('!HHIIBBHHH', 40000, dport, 123456789, 0, doff << 4, flags, 64240, 0, 0) + opts
    seg = th + payload
    c = csum(src + dst + struct.pack('!BBH', 0, 6, len(seg)) + seg)
    if bad: c ^= 0x1234
    seg = seg[:16] + struct.pack('!H', c) + seg[18:]
    ih = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(seg), 4242, 0x4000, 64, 6, 0, src, dst)
    ih = ih[:10] + struct.pack('!H', csum(ih)) + ih[12:]
    return ih + seg

MSS1460 = bytes.fromhex('020405b4')
cases = [
  ('syn mss1460 set1000', pkt(1111, 0x02, MSS1460 + bytes.fromhex('0402080a000000010000000001030307'))),
  ('syn mss900 set1000', pkt(1111, 0x02, bytes.fromhex('02040384'))),
  ('syn noopt set1000', pkt(1111, 0x02)),
  ('syn sackts noopt set1000', pkt(1111, 0x02, bytes.fromhex('0402080a0000000100000000'))),
  ('syn data noopt', pkt(1111, 0x02, b'', b'hello')),
  ('syn badcsum mss1460', pkt(1111, 0x02, MSS1460, bad=True)),
  ('ack noopt nosynmatch', pkt(2222, 0x10)),
  ('ack mss1460 nosynmatch', pkt(2222, 0x10, MSS1460)),
  ('syn mss1460 clamp', pkt(3333, 0x02, MSS1460)),
  ('syn noopt clamp', pkt(3333, 0x02)),
  ('syn mss1460 set100', pkt(4444, 0x02, MSS1460)),
]

if sys.argv[1:] == ['child-send']:
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for name, p in cases:
        s.sendto(p, ('10.99.0.2', 0)); time.sleep(0.05)
    sys.exit(0)

try:
    sh('ip netns add qttg-a; ip netns add qttg-b')
    sh('ip link add qttga0 netns qttg-a type veth peer name qttgb0 netns qttg-b')
    sh('ip -n qttg-a addr add 10.99.0.1/24 dev qttga0; ip -n qttg-a link set qttga0 up mtu 1400')
    sh('ip -n qttg-b addr add 10.99.0.2/24 dev qttgb0; ip -n qttg-b link set qttgb0 up mtu 1400')
    sh('ip -n qttg-b link set lo up; ip -n qttg-a link set lo up')
    r = 'ip netns exec qttg-a iptables-nft -t mangle -A POSTROUTING '
    sh(r + '-p tcp --dport 1111 --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1000')
    sh(r + '-p tcp --dport 2222 -j TCPMSS --set-mss 1000')
    sh(r + '-p tcp --dport 3333 -j TCPMSS --clamp-mss-to-pmtu')
    sh(r + '-p tcp --dport 4444 -j TCPMSS --set-mss 100')
    time.sleep(0.5)
    rx = subprocess.Popen(['ip', 'netns', 'exec', 'qttg-b', 'python3', '-c', '''
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind(("qttgb0", 0)); s.settimeout(3)
print("ready", flush=True)
try:
    while True:
        f = s.recv(70000)
        if f[14+9] == 6: print(f[14:].hex(), flush=True)
except socket.timeout: pass
'''], stdout=subprocess.PIPE, text=True)
    assert rx.stdout.readline().strip() == 'ready'
    sh('ip netns exec qttg-a python3 %s child-send' % os.path.abspath(__file__))
    got = [l.strip() for l in rx.stdout]
    rx.wait()
    bydport = {}
    for g in got:
        b = bytes.fromhex(g); ihl = (b[0] & 15) * 4
        bydport.setdefault(struct.unpack('!H', b[ihl+2:ihl+4])[0], []).append(g)
    for name, p in cases:
        ihl = 20; dp = struct.unpack('!H', p[ihl+2:ihl+4])[0]
        out = bydport[dp].pop(0) if bydport.get(dp) else '-'
        print(name + '|' + p.hex() + '|' + out)
finally:
    subprocess.run('ip netns del qttg-a; ip netns del qttg-b', shell=True)
