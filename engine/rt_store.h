/* What the engine keeps of each rule beyond its text: its counters and
 * the state of its matches and target (limit buckets, recent lists,
 * quota counts). The model holds none of it; the daemon keeps one store
 * across commits and every program it compiles takes each rule's
 * runtime from it, keyed by the rule. Rulesets share unchanged rules
 * (the same struct qt_rule in the next ruleset), so a rule that carries
 * over keeps its counters and state, and a new rule starts afresh.
 *
 * Threads: the control thread finds, makes, sets and sweeps; queue
 * threads only count (atomics) and run matches through the pointers a
 * program holds, so the packet path does no lookup. A runtime no longer
 * in a ruleset in use nor in the running program is freed by a sweep,
 * which the caller runs only after the program swap's grace period. */
#ifndef QT_RT_STORE_H
#define QT_RT_STORE_H

#include <stdbool.h>

#include "buf.h"
#include "counters.h"
#include "eval.h"
#include "model.h"

/* The policy counters of every built-in chain. */
struct qt_policy_counters {
	struct qt_counters c[QT_NTABLES][QT_NHOOKS];
};

struct qt_rule_rt {
	struct qt_counters cnt;     /* atomic adds on the packet path */
	struct qt_rule *rule;       /* the key (the store holds a reference) */
	bool made;                  /* the states were made (compiled once) */
	unsigned nmatches;
	struct qt_ext_run *matches; /* the rule's matches with their state */
	struct qt_ext_run target;   /* QT_V_EXT: the target with its state */
};

struct qt_rt_store;

struct qt_rt_store *qt_rt_store_new(void);
/* Frees every runtime and state: no program may use them any more. */
void qt_rt_store_free(struct qt_rt_store *s);

/* The runtime of r, made (counters zero, no state yet) when absent. */
struct qt_rule_rt *qt_rt_get(struct qt_rt_store *s, struct qt_rule *r);
/* NULL when r has none. */
struct qt_rule_rt *qt_rt_find(const struct qt_rt_store *s,
			      const struct qt_rule *r);
/* Make the states of a runtime compiled for the first time (a no-op
 * after): 0, or -1 with a message in err when an extension cannot set
 * itself up (nothing made then). */
int qt_rt_make(struct qt_rule_rt *rt, const struct qt_engine_env *env,
	       struct qt_buf *err);

/* Counters for the parser (counters.h): rules' and policies'. */
const struct qt_counter_io *qt_rt_store_io(struct qt_rt_store *s);
struct qt_policy_counters *qt_rt_store_policy(struct qt_rt_store *s);

/* Sweeping (control thread): mark what is in use (the rulesets kept,
 * the running program: qt_prog_mark), then free the rest. */
void qt_rt_store_mark(struct qt_rt_store *s, const struct qt_rule *r);
void qt_rt_store_mark_ruleset(struct qt_rt_store *s,
			      const struct qt_ruleset *rs);
void qt_rt_store_sweep(struct qt_rt_store *s);
/* Runtimes held (tests). */
size_t qt_rt_store_count(const struct qt_rt_store *s);

#endif
