#!/usr/bin/env python3
"""Pin an eBPF socket filter program ("r0 = 1; exit") at PATH, in a bpf
file system, for bpf_pinned.bats: what -m bpf --object-pinned names.
Usage: bpf_pin.py PATH"""
import ctypes
import os
import struct
import sys

NR_BPF = 321                 # x86_64
BPF_PROG_LOAD, BPF_OBJ_PIN = 5, 6
BPF_PROG_TYPE_SOCKET_FILTER = 1

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    r = libc.syscall(ctypes.c_long(NR_BPF), ctypes.c_long(cmd), buf,
                     ctypes.c_uint(128))
    if r < 0:
        e = ctypes.get_errno()
        sys.exit("bpf(%d): %s" % (cmd, os.strerror(e)))
    return r


# mov64 r0, 1; exit
insns = ctypes.create_string_buffer(struct.pack("<BBhi", 0xb7, 0, 0, 1) +
                                    struct.pack("<BBhi", 0x95, 0, 0, 0), 16)
lic = ctypes.create_string_buffer(b"GPL")
fd = bpf(BPF_PROG_LOAD, struct.pack("=IIQQIIQII", BPF_PROG_TYPE_SOCKET_FILTER, 2,
                                    ctypes.addressof(insns), ctypes.addressof(lic),
                                    0, 0, 0, 0, 0))
path = ctypes.create_string_buffer(sys.argv[1].encode())
bpf(BPF_OBJ_PIN, struct.pack("=QII", ctypes.addressof(path), fd, 0))
