/* The running datapath of qtablesd: one thread per NFQUEUE queue judging
 * packets with the current program, the steering rules that feed the
 * queues, and the swap of programs on every commit.
 *
 * Threads: the control thread (the daemon's) compiles and swaps; queue
 * threads only read the current program inside an RCU read-side section
 * (liburcu), so a packet is judged by one whole program, never half of
 * two, and no lock is taken on the packet path. The old program is freed
 * after a grace period. */
#ifndef QT_ENGINE_H
#define QT_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "../parser/buf.h"
#include "../parser/model.h"
#include "conntrack.h"

struct qt_engine_opts {
	uint16_t queue_first, queue_last;  /* one thread per queue */
	bool fail_open;         /* --queue-bypass + the fail-open flag */
	bool steer;             /* install steering rules (off in tests
	                           that steer themselves) */
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
};

struct qt_engine;

/* Compile rs, open the queues, start the threads, install steering. NULL
 * with a message in err on failure (nothing left installed). */
struct qt_engine *qt_engine_start(const struct qt_engine_opts *o,
				  struct qt_ruleset *rs, struct qt_buf *err);
/* Stop the threads, remove steering, free everything. */
void qt_engine_stop(struct qt_engine *e);

/* Compile rs and make it the program packets see. On failure nothing
 * changes and err says why. */
int qt_engine_commit(struct qt_engine *e, struct qt_ruleset *rs,
		     struct qt_buf *err);

/* Policy counters live in the engine (packets count them while the model
 * is being changed). Before a request: copy them into rs so that -L,
 * save and -Z see them (a snapshot is kept). After a request that
 * changed rs: take back the values the request set (-Z, -c, restore
 * counters), leaving alone the ones it did not touch. */
void qt_engine_policy_to_model(struct qt_engine *e, struct qt_ruleset *rs);
void qt_engine_policy_from_model(struct qt_engine *e,
				 const struct qt_ruleset *rs);

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
