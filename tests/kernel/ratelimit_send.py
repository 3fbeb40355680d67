# Sends UDP to 127.0.0.1:9 on a schedule "ms:count:payload,..." and
# prints "ns ip_len" for each packet, for ratelimit_sim.
import socket, sys, time
sched = [tuple(int(x) for x in e.split(':')) for e in sys.argv[1].split(',')]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
t0 = time.monotonic_ns()
out = []
for ms, cnt, pl in sched:
    target = t0 + ms * 1000000
    while time.monotonic_ns() < target:
        d = (target - time.monotonic_ns()) / 1e9
        if d > 0.002: time.sleep(d - 0.001)
    for _ in range(cnt):
        t = time.monotonic_ns()
        s.sendto(b'x' * pl, ('127.0.0.1', 9))
        out.append((t, 28 + pl))
for t, l in out:
    print(t, l)
