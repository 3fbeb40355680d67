#!/usr/bin/env python3
"""A long TCP connection for tests/bats/handover.bats (run inside a
namespace).

  flow.py serve PORT
      accept one connection; for each line received, note when it came
      (monotonic); at the end print one summary line:
      "lines N inorder 0|1 maxgap_ms G end eof|reset|error"
      ("inorder": the lines were 0, 1, 2 ... with none missing or
      doubled; maxgap: the longest time between two lines, measured
      here, at the receiver). Prints "ready" on stderr once listening.
  flow.py send HOST PORT SECONDS [--gap S]
      connect, send "SEQ\\n" every S seconds (default 0.01) for SECONDS,
      close; print "sent N end ok|reset|error".
  flow.py ask-and-leave
      ask the qtablesd of this namespace for a handover
      (@qtables/control, or $QTABLES_SOCKET) and hang up before the
      answer can come: a handover nobody takes.
  flow.py exec-after PID PROGRAM ARGS...
      wait until process PID ends (a pidfd: as a service manager waits),
      then become PROGRAM: the next daemon starts the moment the old one
      is gone, with nothing else to start in between.
"""
import os
import select
import socket
import sys
import time


def serve(port):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(1)
    print("ready", file=sys.stderr, flush=True)
    c, _ = ls.accept()
    buf = b""
    n = 0
    inorder = True
    last = None
    maxgap = 0.0
    end = "eof"
    while True:
        try:
            d = c.recv(65536)
        except ConnectionResetError:
            end = "reset"
            break
        except OSError:
            end = "error"
            break
        if not d:
            break
        now = time.monotonic()
        buf += d
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if line != str(n).encode():
                inorder = False
            n += 1
            if last is not None:
                maxgap = max(maxgap, now - last)
            last = now
    print("lines %d inorder %d maxgap_ms %.1f end %s"
          % (n, inorder, maxgap * 1000, end), flush=True)


def send(host, port, secs, gap):
    s = socket.create_connection((host, port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    n = 0
    end = "ok"
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < secs:
            s.sendall(b"%d\n" % n)
            n += 1
            # paced against the start, so a stall does not stretch the run
            nxt = t0 + n * gap
            d = nxt - time.monotonic()
            if d > 0:
                time.sleep(d)
        s.shutdown(socket.SHUT_WR)
        s.settimeout(10)
        s.recv(1)
    except ConnectionResetError:
        end = "reset"
    except OSError:
        end = "error"
    s.close()
    print("sent %d end %s" % (n, end), flush=True)


def ask_and_leave():
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
    import qtctl
    name = os.environ.get("QTABLES_SOCKET") or "qtables/control"
    s = qtctl.connect(name)
    # with the proof of privilege every client sends
    qtctl.send_request(s, b"#qtables 1 handover\n", shutdown=False)
    # closed, not only shut for writing: the daemon sees the end of the
    # request only once nobody is left to answer
    s.close()


def exec_after(pid, argv):
    fd = os.pidfd_open(pid)
    # the caller waits for this line before it ends the process watched:
    # a fixed sleep is too short for a python start on a loaded machine
    print("exec-after: watching %d" % pid, file=sys.stderr, flush=True)
    select.select([fd], [], [])
    os.close(fd)
    os.execv(argv[0], argv)


def main():
    a = sys.argv[1:]
    gap = 0.01
    if "--gap" in a:
        i = a.index("--gap")
        gap = float(a[i + 1])
        del a[i:i + 2]
    if a[:1] == ["ask-and-leave"]:
        ask_and_leave()
    elif a[:1] == ["exec-after"]:
        exec_after(int(a[1]), a[2:])
    elif a[:1] == ["serve"]:
        serve(int(a[1]))
    elif a[:1] == ["send"]:
        send(a[1], int(a[2]), float(a[3]), gap)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
