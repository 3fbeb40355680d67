#!/usr/bin/env python3
"""New TCP connections, one after another, for the connection-rate benchmarks.

    tcp_connects.py serve PORT            accept and close, until killed
    tcp_connects.py connect ADDR PORT N   N connections to ADDR:PORT, each
                                          opened (handshake done) then
                                          reset; prints "conns N failed F
                                          seconds S per_s R"

Closing with a reset (SO_LINGER 0) leaves no TIME_WAIT behind on the
client, so thousands of connections in a row never run out of ports.
Every connection is a new flow through the firewall: its first packet
walks the nat table."""
import socket
import struct
import sys
import time


def serve(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(4096)
    print("ready", flush=True)
    while True:
        c, _ = s.accept()
        c.close()


def connect(addr, port, n):
    linger = struct.pack("ii", 1, 0)
    failed = 0
    t0 = time.monotonic()
    for _ in range(n):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        c.settimeout(2)
        try:
            c.connect((addr, port))
        except OSError:
            failed += 1
        c.close()
    dt = time.monotonic() - t0
    print("conns %d failed %d seconds %.3f per_s %.1f" % (n, failed, dt, (n - failed) / dt))


def main():
    a = sys.argv[1:]
    if len(a) == 2 and a[0] == "serve":
        serve(int(a[1]))
    elif len(a) == 4 and a[0] == "connect":
        connect(a[1], int(a[2]), int(a[3]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
