/* Connection tracking on the packet path: what a queue thread does
 * around the walk so that every hook of a packet sees the same answer.
 *
 * The kernel decides a packet's conntrack state once, at PREROUTING or
 * OUTPUT, and the packet carries it (skb->_nfct) through later hooks.
 * Each hook's packet reaches us as a separate queued message, so the
 * thread remembers, per packet, what it decided: a small direct-mapped
 * memory keyed by the packet's unchanging header fields (addresses,
 * protocol, IP id and length, fragment offset, the first 8 transport
 * bytes; not the TTL or checksums, which forwarding changes). Later
 * hooks look the packet up there; the last hook (INPUT, POSTROUTING)
 * confirms a new entry when the packet is accepted, and a drop at any
 * hook abandons it - unless a REJECT sent a reply about the packet
 * (ev->ct_attach): the entry is then held, out of the table's hash,
 * until that reply has been judged with it at OUTPUT (RELATED, the
 * kernel's nf_ct_attach) and left, or a short wait is over. */
#ifndef QT_CT_GLUE_H
#define QT_CT_GLUE_H

#include <stdbool.h>
#include <stdint.h>

#include "conntrack.h"
#include "eval.h"

struct qt_ctg;

/* A thread's table (max entries) and packet memory. NULL on failure. */
struct qt_ctg *qt_ctg_new(const struct qt_ct_config *c, uint32_t max);
void qt_ctg_free(struct qt_ctg *g);
struct qt_ct *qt_ctg_shard(struct qt_ctg *g);

/* Around a burst: takes the table's lock and expires a bounded number
 * of entries; end releases it. */
void qt_ctg_burst_begin(struct qt_ctg *g, uint64_t now);
void qt_ctg_burst_end(struct qt_ctg *g);
/* While idle: expire what is due (bounded). */
void qt_ctg_idle(struct qt_ctg *g, uint64_t now);

/* Before the walk of ev (inside a burst): PREROUTING/OUTPUT get the
 * ct_in callback the walk runs after raw; other hooks get their ct_*
 * fields from the packet memory. nat: the program translates addresses
 * (a new entry whose reply tuple is taken is then made, for NAT to
 * resolve: qt_ct_allow_reply_clash). */
void qt_ctg_prepare(struct qt_ctg *g, struct qt_eval *ev, bool nat);
/* Count connections' bytes and packets from now on (see
 * qt_ct_acct_enable). */
void qt_ctg_acct_on(struct qt_ctg *g);
/* Give connections labels from now on (see qt_ct_labels_enable). */
void qt_ctg_labels_on(struct qt_ctg *g);
/* After the walk: confirm (accepted at the packet's last hook) or
 * abandon (dropped) an entry this packet made; a packet rewritten at
 * this hook is remembered as it looks now. Returns the verdict: DROP
 * when the entry cannot be confirmed (its reply tuple is another
 * connection's, as the kernel's confirmation refuses it). */
int qt_ctg_done(struct qt_ctg *g, struct qt_eval *ev, int verdict);

/* Before the walk of ev (inside a burst, nothing changed by it): may
 * the nat step at this hook rewrite the packet here rather than leave
 * it to the kernel's maps (io/nat_offload.h)? False only for a TCP or
 * UDP packet, no fragment and no SYN, of a known connection that is
 * offloaded or that no binding translates; true for anything else (a
 * new connection, one not offloaded yet, ICMP). A copy shorter than
 * the packet cannot be handed back rewritten: the datapath has the
 * kernel queue such a packet again, whole, when this says true. */
bool qt_ctg_nat_may_rewrite(struct qt_ctg *g, const struct qt_eval *ev);

struct qt_ctg_stats {
	uint64_t remembered, recalled, forgotten; /* packet memory */
	uint64_t confirmed, abandoned, table_full;
};
const struct qt_ctg_stats *qt_ctg_stats(const struct qt_ctg *g);

#endif
