"""Talk to qtablesd's control socket as the qtables client does.

The first bytes of a request carry the proof of privilege: a
NETLINK_NETFILTER socket made by the sending process (ipc/peer_auth.h).
`connect()` returns a connected socket; `send_request()` sends the request
with or without that proof.
"""
import socket

NETLINK_NETFILTER = 12


def connect(name="qtables/control", timeout=60):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # blocking while connecting: a full backlog makes a connect with a
    # timeout fail at once (EAGAIN) instead of waiting its turn
    s.connect("\0" + name)
    s.settimeout(timeout)
    return s


def send_request(s, data, proof=True, shutdown=True):
    """Send data (bytes); the first byte carries a fresh netlink socket
    unless proof is False."""
    if not data:
        if shutdown:
            s.shutdown(socket.SHUT_WR)
        return
    if proof:
        nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                           NETLINK_NETFILTER)
        try:
            socket.send_fds(s, [data[:1]], [nl.fileno()])
        finally:
            nl.close()
        rest = data[1:]
    else:
        rest = data
    send_rest(s, rest, shutdown)


def send_rest(s, rest, shutdown=True):
    """The bytes after the first: a daemon that refuses the proof answers
    on the first bytes and closes, so the rest may meet a closed socket
    (the answer still waits to be read)."""
    try:
        if rest:
            s.sendall(rest)
        if shutdown:
            s.shutdown(socket.SHUT_WR)
    except (BrokenPipeError, ConnectionResetError):
        pass


def read_reply(s):
    rep = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            rep += b
    except (ConnectionResetError, socket.timeout):
        pass
    return rep
