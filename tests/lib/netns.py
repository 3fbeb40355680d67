"""Network namespace helpers shared by the tests' python scripts
(tests/bats/ct.py, tests/compat/packets.py, tests/compat/ctpackets.py).
They import it with tests/lib put on sys.path."""
import ctypes
import os

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)


def in_ns(ns, fn):
    """fn() with the calling thread inside netns ns (a name under
    /run/netns), then back: setns() moves only the calling thread, so the
    scripts call it from their single thread."""
    own = os.open("/proc/self/ns/net", os.O_RDONLY)
    fd = os.open("/run/netns/" + ns, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + ns)
        return fn()
    finally:
        libc.setns(own, CLONE_NEWNET)
        os.close(fd)
        os.close(own)
