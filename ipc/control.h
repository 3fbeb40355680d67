/* qtablesd's control socket: an abstract Unix socket, which Linux scopes
 * to the network namespace, so `ip netns exec NS qtables ...` reaches the
 * daemon of NS with no configuration. */
#ifndef QT_CONTROL_H
#define QT_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

/* The abstract name (without the leading NUL); QTABLES_SOCKET in the
 * environment overrides it, for tests that run several daemons in one
 * namespace. */
const char *qt_control_name(void);

/* Server side (daemon/control_server.h serves it). Returns a listening,
 * non-blocking fd or -1 (errno set). */
int qt_control_listen(void);
/* Read a whole request (until the peer shuts down its write side).
 * Returns 0, or -1 on error, when it exceeds max bytes (EFBIG) or when
 * it takes longer than timeout_ms in all (ETIMEDOUT; -1: no limit). */
int qt_control_read_all(int fd, struct qt_buf *b, size_t max, int timeout_ms);
int qt_control_write_all(int fd, const char *p, size_t n);

/* Client side: connect, send with the proof of privilege
 * (ipc/peer_auth.h), read the whole reply. -1 with errno when no
 * daemon answers. */
int qt_control_call(const char *req, size_t len, struct qt_buf *reply);
/* Sends the first byte of req with the proof of privilege: a netfilter
 * netlink socket made here, now, by this process, so the daemon asks
 * the kernel about this process as it is at this moment. len > 0. */
int qt_control_send_with_proof(int fd, const char *req, size_t len);

#endif
