/* The engine program: a committed ruleset compiled for judging packets.
 *
 * Per hook, the tables in netfilter's order; per chain, the rules as an
 * array plus a classifier (engine/classify.c) that hands each packet the
 * ascending list of rules that can match it, so the cost of a packet does
 * not grow with the number of rules it cannot match. Jumps, goto, RETURN
 * and policies behave as in the kernel.
 *
 * A program is immutable once built and holds a reference on every rule
 * it uses. Rule counters, extension state and policy counters live in
 * the store the caller keeps across programs (engine/rt_store.h): the
 * program points at each rule's runtime, so the packet path looks
 * nothing up, and a rule that carries over keeps its counters and
 * state. Evaluating is thread-safe (counters are atomic); free a
 * program only when no thread can still be evaluating it (RCU). */
#ifndef QT_PROGRAM_H
#define QT_PROGRAM_H

#include <stdint.h>

#include "buf.h"
#include "model.h"
#include "eval.h"
#include "rt_store.h"

struct qt_prog_stats {
	uint64_t evals;            /* qt_prog_eval calls */
	uint64_t rules_tried;      /* candidate rules whose matches ran */
	uint64_t too_deep;         /* packets dropped: jump stack overflow */
};

struct qt_prog;

/* Compile rs (rules gain references; their runtimes in store are found
 * or made, with their extensions' state). NULL with a message in err
 * when a rule cannot run. */
struct qt_prog *qt_prog_compile(struct qt_ruleset *rs,
				const struct qt_engine_env *env,
				struct qt_rt_store *store, struct qt_buf *err);
/* The same, sharing with prev (the program running now) the work of
 * every chain whose rules did not change. */
struct qt_prog *qt_prog_compile_from(struct qt_ruleset *rs,
				     const struct qt_engine_env *env,
				     struct qt_rt_store *store,
				     const struct qt_prog *prev,
				     struct qt_buf *err);
void qt_prog_free(struct qt_prog *p);
/* Give p (before anyone evaluates it) the nft base chains of its
 * family (engine/nft_exec.h), which it owns from then on: each hook
 * runs its iptables tables, conntrack and the nft base chains in
 * ascending priority, and a hook with a base chain is used (queued).
 * 0, or -1 with a message in err (out of memory). */
struct qt_nft_prog;
int qt_prog_attach_nft(struct qt_prog *p, struct qt_nft_prog *np,
		       struct qt_buf *err);
/* Marks in store the runtimes p uses (before a sweep). */
void qt_prog_mark(const struct qt_prog *p, struct qt_rt_store *store);

/* Tests: compile every chain without a classifier (each packet tries
 * every rule), to check that classifying changes nothing. */
void qt_prog_force_linear(bool on);

/* The bytes of each packet the queue must copy for this ruleset. */
uint32_t qt_prog_copy_range(const struct qt_prog *p);
/* The bytes each packet needs when the kernel rewrites the packets of
 * translated connections (io/nat_offload.h): what the rules read, as
 * without a nat table. A translated packet rewritten by qtablesd itself
 * still needs the whole packet (qt_prog_copy_range): the datapath asks
 * for it again then (daemon/datapath.c). */
uint32_t qt_prog_copy_range_offloaded(const struct qt_prog *p);
/* How a chain's classifier split its rules (engine/classify.h's
 * qt_cls_describe), for the benchmark's report. */
void qt_prog_describe_chain(const struct qt_prog *p, enum qt_table_id t,
			    const char *chain, char *buf, unsigned len);
/* Log to a netlink group (engine/nflog_tag.h), once p is whole (nft
 * attached): refuse what cannot run (too many parameters, a rule on
 * the mark bits the tag takes), and give the parameters slots,
 * keeping prev's (the program running now, or NULL). 0, or -1 with
 * the message in err. */
struct qt_nflog_slots;
int qt_prog_nflog_finish(struct qt_prog *p, const struct qt_prog *prev,
			 struct qt_buf *err);
/* The slots, NULL when p logs to no group. */
const struct qt_nflog_slots *qt_prog_nflog_slots(const struct qt_prog *p);
/* True when a rule reads the socket owner of local packets (owner,
 * LOG --log-uid): only then is the queue asked for it. */
bool qt_prog_wants_owner(const struct qt_prog *p);
/* A rule reads the frame's link-layer type (pkttype, LOG's MAC=, REJECT):
 * worth having the queues tell it. */
bool qt_prog_wants_l2type(const struct qt_prog *p);
/* True when a rule reads or changes connection tracking: the engine
 * then tracks connections (ev->ct_in) and queues every hook. */
bool qt_prog_uses_ct(const struct qt_prog *p);
/* Whether a rule reads a connection's counts: the tracker counts from
 * the first packet judged (nf_conntrack_acct, never turned off). */
bool qt_prog_uses_acct(const struct qt_prog *p);
/* Whether a rule sets a connection's labels: connections have them
 * from the first packet judged. */
bool qt_prog_uses_labels(const struct qt_prog *p);
/* True when a target of the ruleset may grow packets (TCPMSS): the
 * engine then hands it a copy with room. */
bool qt_prog_rewrites(const struct qt_prog *p);
/* True when the nat table has a built-in chain: connections are then
 * bound and their packets rewritten (engine/nat.h), in place (no copy
 * with room is needed: addresses and ports keep their size). */
bool qt_prog_nat(const struct qt_prog *p);
/* True when a table walked at this hook has its built-in chain there
 * (created, as iptables-nft creates chains: by a rule, a policy, a
 * restore): only then must packets of this hook be queued at all. */
bool qt_prog_hook_used(const struct qt_prog *p, unsigned hook);

/* Judge ev at ev->hook: QT_XT_ACCEPT or QT_XT_DROP. Counts rule and
 * policy counters with ev->orig_len bytes. stats may be NULL. */
int qt_prog_eval(const struct qt_prog *p, struct qt_eval *ev,
		 struct qt_prog_stats *stats);

#endif
