/* The daemon side of the control socket: one event loop reads every
 * connection at once, so no client can hold up another, and hands each
 * complete request, one at a time, to the daemon.
 *
 * A connection is served only once the kernel has vouched for its peer
 * (ipc/peer_auth.h): the proof rides on the first bytes, and a peer
 * without one is answered with a refusal before its request is looked at.
 * Each connection has a deadline for its request and another for its
 * reply; past either it is dropped (with a message when it can still be
 * written). At most QT_CONTROL_MAX_CONNS are open; a new one beyond that
 * closes the one that has been idle longest. */
#ifndef QT_CONTROL_SERVER_H
#define QT_CONTROL_SERVER_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

#define QT_CONTROL_MAX_CONNS 256
#define QT_CONTROL_REQUEST_MS 5000   /* connect to the end of the request */
#define QT_CONTROL_REPLY_MS 5000     /* for the peer to take its reply */

struct qt_peer {
	uid_t uid;   /* as the kernel saw the peer when it connected */
	pid_t pid;
	int fd;      /* the connection (non-blocking), for a request whose
	                answer is more than a reply (the handover) */
};

/* Runs one complete, authorized request; fills reply (framed with
 * qt_reply_encode). */
typedef void qt_control_serve_fn(void *ctx, const struct qt_peer *peer,
				 struct qt_buf *req, struct qt_buf *reply);

struct qt_control_counters {
	unsigned long accepted, refused, timed_out, evicted, too_large;
};

struct qt_control_server;

/* Serves the listening socket lfd (taken over: closed by _free). max_req:
 * the largest request read. NULL on failure (errno set). */
struct qt_control_server *qt_control_server_new(int lfd, size_t max_req,
						qt_control_serve_fn *serve,
						void *ctx);
void qt_control_server_free(struct qt_control_server *s);

/* Serves until a signal arrives on the signalfd sfd (its number is
 * returned, the siginfo read), max_wait_ms pass (0 is returned; -1: no
 * limit) or the serve function asks it to stop (QT_CONTROL_STOPPED). */
#define QT_CONTROL_STOPPED (-2)
/* ... or the fd given to qt_control_server_watch is readable. */
#define QT_CONTROL_WATCHED (-3)
int qt_control_server_run(struct qt_control_server *s, int sfd,
			  int max_wait_ms);

/* One more fd (a timer) whose readiness makes run return
 * QT_CONTROL_WATCHED; the caller reads it. */
int qt_control_server_watch(struct qt_control_server *s, int fd);

/* From the serve function: run returns once the request is answered. */
void qt_control_server_stop(struct qt_control_server *s);

const struct qt_control_counters *
qt_control_server_counters(const struct qt_control_server *s);

#endif
