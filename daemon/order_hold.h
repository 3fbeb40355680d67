/* Keeping a flow's order while one of its packets is sent back to the
 * kernel unjudged (NF_REPEAT: queued again, at the tail of its queue).
 *
 * A packet P that came cut short and that qtablesd may have to rewrite
 * itself goes back to be queued again whole (daemon/datapath.c). The
 * packets of its flow already queued behind P, or queued before P comes
 * back, would be judged before it and overtake it. So once P is sent
 * back, every later packet of its flow at its hook is sent back too, in
 * order, and each is judged only when it comes back with every packet
 * before it judged: a flow's packets are judged in the order they first
 * came. A packet that comes back is known by its bytes (IP header, id
 * and length included, transport header and seq, the first payload
 * bytes) and its full length: nothing is carried by the packet, nothing
 * a rule could see.
 *
 * Nothing waits for ever: the kernel queues packets sent back in the
 * order of their verdicts, so a packet sent back after P that comes
 * back before P means P is gone (dropped, or let through by a full
 * queue's fail-open); a flow none of whose packets came back within
 * QT_HOLD_NS is let go. A packet sent back is judged by nobody: no
 * counter, quota, limit or conntrack entry sees it before it returns.
 *
 * One per queue thread, used by that thread only; nothing allocates
 * after qt_hold_new. */
#ifndef QT_ORDER_HOLD_H
#define QT_ORDER_HOLD_H

#include <stdbool.h>
#include <stdint.h>

/* A flow held at most this long after its oldest packet still out was
 * last sent back. */
#define QT_HOLD_NS 1000000000ull

/* What a packet is for the hold: its flow (addresses, protocol, ports
 * when it has them, hook and queue) and itself. */
struct qt_hold_pkt {
	uint64_t flow;
	uint64_t ident;
};

void qt_hold_pkt_of(const uint8_t *b, uint32_t len, uint32_t orig_len,
		    uint16_t queue, uint8_t hook, struct qt_hold_pkt *k);

struct qt_hold_stats {
	uint64_t held;          /* packets sent back to keep order */
	uint64_t lost;          /* packets sent back that never came back */
	uint64_t expired;       /* flows let go after QT_HOLD_NS */
	uint64_t overflow;      /* judged out of turn: no room to hold */
};

struct qt_hold;

struct qt_hold *qt_hold_new(void);
void qt_hold_free(struct qt_hold *h);

/* Is any flow held? (If not, qt_hold_arrive would judge every packet.) */
bool qt_hold_any(const struct qt_hold *h);

enum qt_hold_act {
	QT_HOLD_JUDGE,          /* its turn: judge it */
	QT_HOLD_REPEAT,         /* send it back (NF_REPEAT), unjudged */
};

/* A packet received. QT_HOLD_REPEAT: an earlier packet of its flow is
 * still out, the caller sends this one back too (its place is kept). */
enum qt_hold_act qt_hold_arrive(struct qt_hold *h, const struct qt_hold_pkt *k,
				uint64_t now);

/* The packet of the last qt_hold_arrive that said QT_HOLD_JUDGE is sent
 * back after all (it came cut short): the flow's later packets wait for
 * it. false: no room to hold its flow (it is sent back all the same;
 * its flow's order is not kept). */
bool qt_hold_sent_back(struct qt_hold *h, const struct qt_hold_pkt *k,
		       uint64_t now);

const struct qt_hold_stats *qt_hold_stats(const struct qt_hold *h);

#endif
