/* Logging to a netlink group (nft `log group N`, iptables -j NFLOG) is
 * the kernel's: nfnetlink_log messages can only come from it (ulogd and
 * libnetfilter_log drop any a process sends); so is the audit log (nft
 * `log level audit`, iptables -j AUDIT): an AUDIT_NETFILTER_PKT record
 * is the kernel's own, with the packet's mark. So the engine only notes
 * which log statements a packet met, and tells the kernel through the
 * verdict's mark: a tag in bits of the mark qtables keeps for itself
 * while a ruleset logs to a group (QT_NFLOG_MASK), which a kernel chain
 * right after the queue reads, takes out of the mark again (restoring
 * the mark the rules left), logs with each statement's parameters in
 * order, and then accepts, or drops when the verdict was a drop
 * (io/log_offload.h has the kernel's side).
 *
 * The tag, bits 23-31 of the mark:
 *   bit 31      the engine's verdict was a drop (the kernel drops after
 *               logging)
 *   bits 27-30  the first statement's slot, 1..15
 *   bits 23-26  the second statement's slot, 0 (none) or 1..15
 * A slot names one distinct set of parameters (group, prefix, snaplen,
 * queue-threshold; or the audit log, which takes none) of a family's
 * program: at most QT_NFLOG_SLOTS of
 * them, and at most QT_NFLOG_HITS logged per packet and hook.
 *
 * While a program logs, a packet is judged with those bits cleared (a
 * mark set by something else before the queue is never taken for a
 * tag) and rules may neither set nor match them (refused at commit). */
#ifndef QT_NFLOG_TAG_H
#define QT_NFLOG_TAG_H

#include <stdbool.h>
#include <stdint.h>

#define QT_NFLOG_MASK 0xff800000u
#define QT_NFLOG_DROP 0x80000000u
#define QT_NFLOG_SLOTS 15
#define QT_NFLOG_HITS 2
/* nft's and the kernel's NF_LOG_PREFIXLEN, less the NUL */
#define QT_NFLOG_PREFIX_MAX 127

/* One log statement's parameters, as the kernel's nft_log takes them. */
struct qt_nflog {
	/* level audit: the kernel's audit log, every other field 0 (nft_log
	 * takes no other parameter with it; xt_AUDIT's --type is in no
	 * record the kernel writes) */
	bool audit;
	uint16_t group;
	uint16_t threshold;         /* queue-threshold; 0: none */
	uint32_t snaplen;
	bool has_snaplen;           /* snaplen given (0 copies nothing) */
	char prefix[QT_NFLOG_PREFIX_MAX + 1];   /* zero-padded */
};

bool qt_nflog_same(const struct qt_nflog *a, const struct qt_nflog *b);

/* The distinct parameters a program logs with (at most QT_NFLOG_SLOTS;
 * over counts what did not fit). */
struct qt_nflog_used {
	const struct qt_nflog *p[QT_NFLOG_SLOTS];
	unsigned n, over;
};
/* x into u unless the same parameters are there. */
void qt_nflog_note(struct qt_nflog_used *u, const struct qt_nflog *x);

/* A family's slots: slot[i - 1] is slot i's parameters, NULL: free. */
struct qt_nflog_slots {
	const struct qt_nflog *slot[QT_NFLOG_SLOTS];
};

/* Slots for the n distinct parameters used[]: what prev (the running
 * program's, or NULL) has keeps its slot, the rest take slots prev left
 * free (a packet judged by the old program just before the swap is then
 * never logged with a new statement's parameters), else any free one.
 * 0, or -1 when more than QT_NFLOG_SLOTS. */
int qt_nflog_assign(const struct qt_nflog *const *used, unsigned n,
		    const struct qt_nflog_slots *prev,
		    struct qt_nflog_slots *out);
/* The slot (1..15) of x, 0 when none. */
unsigned qt_nflog_slot_of(const struct qt_nflog_slots *s,
			  const struct qt_nflog *x);
/* How many slots are taken. */
unsigned qt_nflog_count(const struct qt_nflog_slots *s);

/* The tag of slots first (1..15) and second (0..15), drop or not. */
static inline uint32_t qt_nflog_tag(unsigned first, unsigned second,
				    bool drop)
{
	return (drop ? QT_NFLOG_DROP : 0) | (uint32_t)(first & 15) << 27 |
	       (uint32_t)(second & 15) << 23;
}

static inline unsigned qt_nflog_tag_first(uint32_t mark)
{
	return (mark >> 27) & 15;
}

static inline unsigned qt_nflog_tag_second(uint32_t mark)
{
	return (mark >> 23) & 15;
}

static inline bool qt_nflog_tag_drop(uint32_t mark)
{
	return (mark & QT_NFLOG_DROP) != 0;
}

#endif
