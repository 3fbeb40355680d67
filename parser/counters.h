/* Counters as the parser sees them: read and set through an interface
 * it is given, never kept in the model. Packets count in the running
 * program (engine/rt_store.h); offline, --test and tests use a plain
 * store in memory (qt_counter_mem below).
 *
 * Rule counters are keyed by the rule: an unchanged rule is the same
 * struct qt_rule across commits (rulesets share rules), so its counters
 * go on. Policy counters are keyed by table and hook. */
#ifndef QT_COUNTERS_H
#define QT_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"

struct qt_counter_io {
	void *user;
	struct qt_counters (*rule_get)(void *user, const struct qt_rule *r);
	/* r may be a rule of no ruleset yet (-A -c, restore --counters) */
	void (*rule_set)(void *user, struct qt_rule *r, struct qt_counters c);
	struct qt_counters (*policy_get)(void *user, enum qt_table_id t,
					 enum qt_hook h);
	void (*policy_set)(void *user, enum qt_table_id t, enum qt_hook h,
			   struct qt_counters c);
};

/* What a request sets of the policy counters, applied to the store only
 * once the request's ruleset is committed (a failed command, a refused
 * restore block or a commit the engine cannot run sets nothing): the
 * policy counters belong to the chains, which a failure throws away. */
struct qt_policy_pending {
	bool set[QT_NTABLES][QT_NHOOKS];
	struct qt_counters c[QT_NTABLES][QT_NHOOKS];
};

/* The counters a request works with: io (may be NULL: all zero, sets
 * dropped) and its pending policy sets (may be NULL: none kept). */
struct qt_counter_view {
	const struct qt_counter_io *io;
	struct qt_policy_pending *pending;
};

struct qt_counters qt_cnt_rule(const struct qt_counter_view *v,
			       const struct qt_rule *r);
void qt_cnt_rule_set(const struct qt_counter_view *v, struct qt_rule *r,
		     struct qt_counters c);
/* Pending first, then the store. */
struct qt_counters qt_cnt_policy(const struct qt_counter_view *v,
				 enum qt_table_id t, enum qt_hook h);
void qt_cnt_policy_set(const struct qt_counter_view *v, enum qt_table_id t,
		       enum qt_hook h, struct qt_counters c);
/* A table made anew: its chains' policy counters start at zero. */
void qt_cnt_policy_zero_table(const struct qt_counter_view *v,
			      enum qt_table_id t);

/* Pending sets of src added to dst (src's win). */
void qt_policy_pending_merge(struct qt_policy_pending *dst,
			     const struct qt_policy_pending *src);
/* Into the store. */
void qt_policy_pending_apply(const struct qt_policy_pending *p,
			     const struct qt_counter_io *io);

/* A map from rules to values, holding a reference on each rule so that
 * its address cannot be reused by another rule while it is a key. */
struct qt_rule_map;
struct qt_rule_map *qt_rule_map_new(void);
/* free_val (may be NULL) is called on each value. */
void qt_rule_map_free(struct qt_rule_map *m, void (*free_val)(void *));
void *qt_rule_map_get(const struct qt_rule_map *m, const struct qt_rule *r);
/* Adds r (a reference taken) with value v; r must not be there. */
void qt_rule_map_put(struct qt_rule_map *m, struct qt_rule *r, void *v);
/* Sweeping: mark what stays (each rule of the rulesets still in use),
 * then drop every rule not marked (free_val on its value) and clear
 * the marks. */
void qt_rule_map_mark(struct qt_rule_map *m, const struct qt_rule *r);
void qt_rule_map_mark_ruleset(struct qt_rule_map *m,
			      const struct qt_ruleset *rs);
void qt_rule_map_sweep(struct qt_rule_map *m, void (*free_val)(void *));
/* Each entry in turn (no changes meanwhile). */
void qt_rule_map_each(const struct qt_rule_map *m,
		      void (*fn)(void *user, struct qt_rule *r, void *v),
		      void *user);
size_t qt_rule_map_count(const struct qt_rule_map *m);

/* The plain store: counters in memory, nothing counting them. */
struct qt_counter_mem;
struct qt_counter_mem *qt_counter_mem_new(void);
void qt_counter_mem_free(struct qt_counter_mem *m);
const struct qt_counter_io *qt_counter_mem_io(struct qt_counter_mem *m);
/* Forgets the rules in none of the rulesets. */
void qt_counter_mem_sweep(struct qt_counter_mem *m,
			  struct qt_ruleset *const *keep, unsigned n);

#endif
