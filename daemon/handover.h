/* Restarts and upgrades that lose no connection: one qtablesd hands the
 * next its queue sockets (bound all along, so packets wait in the
 * kernel's queue instead of being dropped), with --handover its
 * listening control socket (so no request is refused in between), and
 * a snapshot of its
 * state (daemon/snapshot.h, in a sealed memory file), all in one
 * message with SCM_RIGHTS.
 *
 * Two ways to get there:
 *  - qtablesd --handover beside a running daemon asks it over the
 *    control socket ("#qtables 1 handover"); the old one stops judging,
 *    answers with everything and exits leaving the steering rules.
 *  - SIGTERM then a fresh start (systemctl restart): the stopping daemon
 *    leaves a holder process (double-forked, a session of its own) that
 *    keeps the sockets and the steering and waits on the abstract socket
 *    "@<control name>/handover" for the next qtablesd, for a bounded
 *    time (--handover-wait); clients meanwhile find no daemon, as
 *    between any stop and start. Nobody in time: it removes the steering (the
 *    namespace is back to the kernel's own tables, as an explicit stop
 *    always did) and exits.
 * Only a peer that may change the firewall (uid 0 or CAP_NET_ADMIN) is
 * given anything, and the side taking only accepts from a uid 0 peer. */
#ifndef QT_HANDOVER_H
#define QT_HANDOVER_H

#include <stdbool.h>
#include <sys/types.h>

#include "buf.h"
#include "model.h"
#include "datapath.h"
#include "steering.h"

#define QT_HANDOVER_MAX_QUEUES 64
/* --handover-wait's default, in seconds: longer than a restart or a
 * package upgrade's stop-unpack-start takes, short enough that a stop
 * meant as a stop soon gives the namespace back. */
#define QT_HANDOVER_WAIT_DEFAULT 30

struct qt_handover {
	int lfd;                  /* listening control socket, or -1 */
	int snapfd;               /* the snapshot image, or -1 */
	unsigned nq;              /* queue sockets, one per queue thread */
	struct qt_nfq_handed q[QT_HANDOVER_MAX_QUEUES];
	struct qt_ruleset *rs;    /* the next daemon's, for the snapshot */
	struct qt_ruleset *rs6;   /* its IPv6 ruleset, likewise */
	bool steered;             /* the steering left installed: */
	struct qt_steer_config sc;
};

void qt_handover_init(struct qt_handover *h);
void qt_handover_close(struct qt_handover *h);

/* One message: a header line naming what follows, the fds by
 * SCM_RIGHTS. 0, or -1 with errno. */
int qt_handover_send(int sock, const struct qt_handover *h);
/* 0, or -1 with the reason in err (nothing kept open). */
int qt_handover_recv(int sock, struct qt_handover *h, struct qt_buf *err);

/* The running daemon's side. */
/* Stop e and pack what the next daemon needs into h: e's queue sockets,
 * lfd, and a snapshot of e's connection tables and the state and
 * counters of rs's rules and chains (from e's store), and of rs6's
 * (e's IPv6 store) with its text. sc and steered:
 * the steering left installed. 0, or -1 with err (e then still judges
 * nothing: the caller stops it). */
struct qt_steer_config;
int qt_handover_pack(struct qt_engine *e, struct qt_ruleset *rs,
		     struct qt_ruleset *rs6, int lfd, struct qt_handover *h,
		     struct qt_steer_config *sc, bool *steered,
		     struct qt_buf *err);
/* At SIGTERM: pack (without the listening socket: while no daemon
 * runs, clients are told so at once, as between any stop and start),
 * and leave a holder waiting wait_s seconds. Returns true when the
 * holder took over (the caller then stops e, which removes nothing);
 * false when it failed (reported on stderr; the steering is then
 * removed, as without a handover). */
bool qt_handover_leave_holder(struct qt_engine *e, struct qt_ruleset *rs,
			      struct qt_ruleset *rs6, unsigned wait_s);
/* The "#qtables 1 handover" request on fd: pack and send. When the next
 * daemon has everything: *given, e is freed (the steering stays, now
 * the next daemon's) and NULL is returned; this daemon then exits.
 * Otherwise the peer is told why and the engine to go on with is
 * returned: e when nothing was stopped, or one started again (eo) from
 * what was packed - its own queue sockets and state; NULL only if even
 * that failed (this daemon then stops, leaving the steering: fail
 * closed). */
struct qt_engine *qt_handover_give(struct qt_engine *e,
				   const struct qt_engine_opts *eo,
				   struct qt_ruleset *rs, int lfd, int fd,
				   bool *given);

/* The next daemon's side, before it loads the state file: from the
 * running daemon (running: qtablesd --handover) or from a holder.
 * 1 when handed everything, 0 when nobody was there to hand over, -1
 * with err on failure. */
int qt_handover_take(bool running, struct qt_handover *h, struct qt_buf *err);
/* A daemon that judges no packets (--no-datapath) was handed queues:
 * it lets them go and removes the steering left for them, as a stop
 * does (nothing would judge those packets). */
void qt_handover_drop_queues(struct qt_handover *h);
/* The IPv6 ruleset's text the daemon before handed over (for a daemon
 * without a state file), appended to out: 1, 0 when none was handed,
 * -1 with err when the state cannot be read or is refused. */
int qt_handover_text6(const struct qt_handover *h, struct qt_buf *out,
		      struct qt_buf *err);
/* Fill o's adopt and prime fields from h (kept alive by the caller
 * until qt_engine_start returns); o->rs6 is set already. */
void qt_handover_engine_opts(struct qt_handover *h, struct qt_engine_opts *o,
			     struct qt_ruleset *rs);

#endif
