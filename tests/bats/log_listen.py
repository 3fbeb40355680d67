#!/usr/bin/env python3
"""A datagram listener standing in for journald or a syslog daemon.

    log_listen.py journal|syslog|notify SOCKET OUT

Binds SOCKET (a path, or @name for an abstract one), then appends one JSON
object per datagram to OUT: for `journal` the fields of the native
protocol (https://systemd.io/JOURNAL_NATIVE_PROTOCOL/: FIELD=value lines,
or FIELD, a newline, a 64-bit little-endian length and the bytes),
for `notify` the sd_notify assignments, for `syslog` {"raw": text}.
Each object carries "t", the monotonic time it arrived. With notify, the
command in $LISTEN_ON_READY runs the moment READY=1 arrives and its output
is kept as "on_ready" (what the system looked like when the daemon said it
was ready): the sender (known from its credentials, "pid") is stopped with
SIGSTOP while the command runs, so it cannot finish its set-up meanwhile.
Runs until killed.
"""
import array
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time


def parse_journal(data):
    fields = {}
    i = 0
    while i < len(data):
        nl = data.index(b"\n", i)
        line = data[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:
            k = line
            (n,) = struct.unpack_from("<Q", data, nl + 1)
            start = nl + 9
            v = data[start:start + n]
            if data[start + n:start + n + 1] != b"\n":
                raise ValueError("binary field %r not ended by a newline" % k)
            i = start + n + 1
        fields[k.decode()] = v.decode(errors="replace")
    return fields


def parse_notify(data):
    out = {}
    for line in data.decode(errors="replace").split("\n"):
        if "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
    return out


def main():
    kind, path, out = sys.argv[1:4]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    addr = "\0" + path[1:] if path.startswith("@") else path
    if not path.startswith("@") and os.path.exists(path):
        os.unlink(path)
    s.bind(addr)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    with open(out + ".ready", "w"):
        pass
    while True:
        data, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(12))
        pid = None
        for level, typ, cdata in anc:
            if level == socket.SOL_SOCKET and typ == socket.SCM_CREDENTIALS:
                pid = array.array("i", cdata[:12])[0]
        if kind == "journal":
            rec = parse_journal(data)
        elif kind == "notify":
            rec = parse_notify(data)
            cmd = os.environ.get("LISTEN_ON_READY")
            if rec.get("READY") == "1" and cmd:
                if pid:
                    os.kill(pid, signal.SIGSTOP)
                try:
                    rec["on_ready"] = subprocess.run(
                        cmd, shell=True, capture_output=True, text=True).stdout
                finally:
                    if pid:
                        os.kill(pid, signal.SIGCONT)
        else:
            rec = {"raw": data.decode(errors="replace")}
        rec["t"] = time.monotonic()
        rec["pid"] = pid
        with open(out, "a") as f:
            f.write(json.dumps(rec) + "\n")


if __name__ == "__main__":
    main()
