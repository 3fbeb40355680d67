/* What the kernel's nf_ct_get() hands the conntrack-reading matches and
 * targets (state, conntrack, connmark, CONNMARK, connlimit), from the
 * ct_* fields the engine filled in (engine/eval.h).
 *
 * The kernel attaches no entry to an INVALID packet (nf_conntrack_in
 * clears skb->_nfct when the protocol tracker refuses a packet, even of
 * a known connection), nor to an UNTRACKED one; before conntrack ran
 * (the raw table) there is nothing either, and the packet reads as
 * INVALID, or UNTRACKED once CT --notrack / NOTRACK marked it. So the
 * entry is given only for NEW, ESTABLISHED and RELATED. */
#ifndef QT_CT_ENTRY_H
#define QT_CT_ENTRY_H

#include "conntrack.h"
#include "eval.h"

static inline enum qt_ct_state qt_ctv_state(const struct qt_eval *ev)
{
	/* before conntrack a template reads as its IP_CT_NEW */
	if (!ev->ct_valid)
		return ev->untracked ? QT_CT_UNTRACKED
		     : ev->ct_tmpl ? QT_CT_NEW : QT_CT_INVALID;
	return (enum qt_ct_state)ev->ct_state;
}

/* The entry, or NULL where the kernel's nf_ct_get() gives NULL. */
static inline struct qt_ct_entry *qt_ctv_entry(const struct qt_eval *ev)
{
	if (!ev->ct_valid)
		return NULL;
	switch (ev->ct_state) {
	case QT_CT_NEW:
	case QT_CT_ESTABLISHED:
	case QT_CT_RELATED:
		return ev->ct;
	default:
		return NULL;
	}
}

/* The kernel's state bit of a packet with an entry: 1 << (ctinfo % 3 +
 * 1), the same in xt_state and xt_conntrack. INVALID and UNTRACKED
 * differ between the two and are left to the caller. */
static inline unsigned qt_ctv_statebit(enum qt_ct_state s)
{
	switch (s) {
	case QT_CT_ESTABLISHED: return 1u << 1;
	case QT_CT_RELATED:     return 1u << 2;
	case QT_CT_NEW:         return 1u << 3;
	default:                return 0;
	}
}

#endif
