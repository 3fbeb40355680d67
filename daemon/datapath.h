/* The running datapath of qtablesd: one thread per NFQUEUE queue judging
 * packets with the current program, the steering rules that feed the
 * queues, and the swap of programs on every commit.
 *
 * Threads: the control thread (the daemon's) compiles and swaps; queue
 * threads only read the current program inside an RCU read-side section
 * (liburcu), so a packet is judged by one whole program, never half of
 * two, and no lock is taken on the packet path. The old program is freed
 * after a grace period. */
#ifndef QT_DATAPATH_H
#define QT_DATAPATH_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "model.h"
#include "conntrack.h"
#include "rt_store.h"

struct qt_engine;
struct qt_nfq_handed;

struct qt_engine_opts {
	/* Rule counters, extension state and policy counters
	 * (engine/rt_store.h): the caller's, kept across commits and
	 * engines; it must outlive the engine. */
	struct qt_rt_store *store;
	/* The IPv6 ruleset (ip6tables) the engine starts with, and the
	 * store it counts into, as store is the IPv4 ruleset's (NULL: an
	 * empty IPv6 ruleset / a store of the engine's own). One engine
	 * judges both families: each packet by its family's program. */
	struct qt_ruleset *rs6;
	struct qt_rt_store *store6;
	uint16_t queue_first, queue_last;  /* one thread per queue */
	bool fail_open;         /* --queue-bypass + the fail-open flag */
	bool steer;             /* install steering rules (off in tests
	                           that steer themselves) */
	/* No NAT offload (io/nat_offload.h): every translated packet is
	 * rewritten by qtablesd and carried back in its verdict. */
	bool nat_offload_off;
	bool log_stderr;        /* LOG lines to stderr as well */
	bool log_syslog;        /* LOG lines to syslog */
	struct qt_ct_config ct; /* connection tracking (qt_ct_config_default
	                           and --ct NAME=VALUE) */
	/* Queues that tell the frame's link-layer type (see steering.h):
	 * 2 x as many as the main queues from l2_first (l2_set), else the
	 * last ones (65536 - 2 x queues ..); l2_off: none (the type is then
	 * derived from the IP destination). */
	bool l2_off, l2_set;
	uint16_t l2_first;
	/* A handover (daemon/handover.h): the queue sockets of the daemon
	 * before, adopted instead of bound (one per thread, in queue order;
	 * handed[i].fd < 0 or a count that does not match: bound afresh;
	 * the engine owns every handed fd from qt_engine_start on),
	 * and a hook run once the program and connection tables exist and
	 * before any packet is judged, to put the handed-over state in. */
	const struct qt_nfq_handed *handed;
	unsigned nhanded;
	void (*prime)(struct qt_engine *e, void *user);
	void *prime_user;
	/* The steering the daemon before left installed (NULL: unknown):
	 * when it is what this program needs, it is kept as it is rather
	 * than installed again (one iptables-nft-restore less competing
	 * with the queue threads just after a restart). */
	const struct qt_steer_config *steered_now;
};

struct qt_engine;

/* One queue thread's socket and the queues bound to it. */
struct qt_nfq_handed {
	int fd;
	unsigned nq;
	uint16_t queues[4];     /* QT_NFQ_MAX_BOUND */
};

/* Compile rs (and o->rs6), open the queues, start the threads, install
 * steering. NULL with a message in err on failure (nothing left
 * installed). */
struct qt_engine *qt_engine_start(const struct qt_engine_opts *o,
				  struct qt_ruleset *rs, struct qt_buf *err);
/* Stop the threads, remove steering, free everything. */
void qt_engine_stop(struct qt_engine *e);

/* For a handover: stop judging (packets in flight get their verdicts),
 * leave the steering in place, and give up the queue sockets into out
 * (at most max; returns the count) without unbinding them: packets wait
 * in the kernel's queue for the next daemon. *sc receives the steering
 * installed (false returned through *steered when none). The tables
 * stay readable (qt_engine_ct_shard) until qt_engine_stop, which then
 * frees without touching the kernel. */
struct qt_steer_config;
unsigned qt_engine_release(struct qt_engine *e, struct qt_nfq_handed *out,
			   unsigned max, struct qt_steer_config *sc,
			   bool *steered);

/* Compile rs and make it the program packets of its family (rs->family)
 * see; the other family's program and steering stay as they are. On
 * failure nothing changes and err says why. */
int qt_engine_commit(struct qt_engine *e, struct qt_ruleset *rs,
		     struct qt_buf *err);

/* The nft ruleset (daemon/nft_view.h) changed: both families'
 * programs are compiled again with it, rs4 and rs6 (NULL: none) as
 * their iptables rulesets, and swapped one after the other. -1 with
 * err when either cannot run (the caller puts the nft ruleset back
 * and commits again, so that both run the one before). */
int qt_engine_commit_nft(struct qt_engine *e, struct qt_ruleset *rs4,
			 struct qt_ruleset *rs6, struct qt_buf *err);

/* The store the engine counts into (its opts' store), and the IPv6
 * ruleset's. */
struct qt_rt_store *qt_engine_store(struct qt_engine *e);
struct qt_rt_store *qt_engine_store6(struct qt_engine *e);
/* Marks in the store the runtimes the running program uses, before the
 * caller sweeps it (control thread, after a commit has returned: the
 * programs before are freed then, past their grace period). */
void qt_engine_mark(struct qt_engine *e);

/* Connection tracking, for the control thread's views (qtables-conntrack):
 * one table per queue thread; take a shard's lock (qt_ct_lock) around any
 * use. NULL/0 when the engine does not run. */
struct qt_ct;
unsigned qt_engine_ct_shards(struct qt_engine *e);
struct qt_ct *qt_engine_ct_shard(struct qt_engine *e, unsigned i);

/* The same counters as qt_engine_stats, as metric families (json and
 * prometheus output of `qtables --stats -o`). */
struct qt_metrics;
void qt_engine_metrics(struct qt_engine *e, struct qt_metrics *m);

/* Has every queue thread gone round its loop within max_age_ns? (They
 * wake at least every 200 ms, packets or not; the watchdog asks.) */
bool qt_engine_alive(struct qt_engine *e, uint64_t max_age_ns);

/* The statistics text (`qtables --stats`): the kernel's queue counters
 * and the engine's own. */
void qt_engine_stats(struct qt_engine *e, struct qt_buf *out);

#endif
