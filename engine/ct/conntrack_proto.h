/* The protocol trackers by protocol number (one array), and what is
 * asked of a packet's or an entry's protocol through them: tuples,
 * names, checksums. The table code (conntrack.c) and the views reach
 * the trackers only through here; a protocol without a tracker of its
 * own is the generic tracker's. */
#ifndef QT_CONNTRACK_PROTO_H
#define QT_CONNTRACK_PROTO_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "conntrack_config.h"
#include "conntrack_entry.h"
#include "conntrack_tracker.h"
#include "packet.h"

/* [number]: that protocol's tracker; NULL: the generic tracker's. */
extern const struct qt_ct_proto *const qt_ct_protos[256];

static inline const struct qt_ct_proto *qt_ct_proto_of(uint8_t num)
{
	const struct qt_ct_proto *p = qt_ct_protos[num];
	return p ? p : &qt_ct_proto_generic;
}

/* The tracker of a tuple's protocol in its family: ICMPv6 has its
 * tracker in IPv6 only (in IPv4 it is the generic one's, as qtables
 * has always tracked it there), and ICMP in IPv6 is the generic
 * tracker's. */
static inline const struct qt_ct_proto *qt_ct_proto_at(bool ip6, uint8_t num)
{
	if (ip6 && num == IPPROTO_ICMPV6)
		return &qt_ct_proto_icmpv6;
	if (ip6 && num == IPPROTO_ICMP)
		return &qt_ct_proto_generic;
	return qt_ct_proto_of(num);
}

/* A packet's address into a tuple's. */
static inline void qt_ct_addr_from(union qt_ct_addr *a, const union qt_addr *pa,
				   bool ip6)
{
	if (ip6) {
		memcpy(a->b, &pa->v6, 16);
	} else {
		memset(a, 0, sizeof(*a));
		a->ip = pa->v4.s_addr;
	}
}

/* The protocol conntrack(8) calls name (any case); NULL: none. */
const struct qt_ct_proto *qt_ct_proto_by_name(const char *name);

/* The packet's tuple in its own direction; false when the packet has
 * none (neither IPv4 nor IPv6, truncated transport header, non-first fragment). */
bool qt_ct_tuple_of(const struct qt_pkt *p, struct qt_ct_tuple *t);
/* The tuple of the other direction (addresses and ports swapped; ICMP
 * echo request <-> reply); false when the protocol has no other
 * direction for it (out is still filled). */
bool qt_ct_invert(const struct qt_ct_tuple *t, struct qt_ct_tuple *out);

/* conntrack(8)'s protocol names: tcp, udp, udplite, icmp, sctp, dccp,
 * gre, icmpv6, else "unknown". */
const char *qt_ct_proto_name(uint8_t proto);
/* e's protocol state as conntrack -L shows it (TCP's "ESTABLISHED"
 * ...); NULL: its protocol shows none. */
const char *qt_ct_entry_state_name(const struct qt_ct_entry *e);
/* A protocol state handed over for an entry of protocol proto is one
 * its tracker can go on from. */
bool qt_ct_proto_state_sane(uint8_t proto, const union qt_ct_proto_state *ps);

/* Would the kernel's tracker check this packet's checksum, and does it
 * fail? Only at PREROUTING, with c->checksum, for a packet the kernel
 * has not verified, of a protocol whose tracker checks (TCP, UDP with a
 * checksum, ICMP), whole in the copy (a partial copy cannot be checked:
 * taken as good). */
bool qt_ct_checksum_fails(const struct qt_ct_config *c, const struct qt_pkt *p,
			  bool at_prerouting, bool unverified);

#endif
