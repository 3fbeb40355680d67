/* The function table every protocol tracker fills in (one file each:
 * conntrack_tcp.c, conntrack_udp.c, conntrack_icmp.c, conntrack_sctp.c,
 * conntrack_generic.c), and what the table code may ask of a protocol.
 * Trackers read the entry they are given and the configuration, and
 * return what they decided: they never call into the table
 * (conntrack.c), which applies their timeouts and owns expiry, hashing
 * and locking. Nothing here allocates or keeps global state. */
#ifndef QT_CONNTRACK_TRACKER_H
#define QT_CONNTRACK_TRACKER_H

#include <stdbool.h>
#include <stdint.h>

#include "conntrack_config.h"
#include "conntrack_entry.h"
#include "packet.h"

/* What a tracker says of a packet. */
enum qt_ct_track {
	QT_CT_TRACK_OK,           /* valid; the protocol state moved on */
	QT_CT_TRACK_INVALID,      /* INVALID: the entry is left as the
	                             kernel leaves it (a new one is not
	                             made) */
	QT_CT_TRACK_REOPEN,       /* the kernel kills the entry and looks
	                             the packet up again, as the first of a
	                             new connection (a SYN reopening a
	                             closed TCP connection) */
};

/* The entry's timeout is left as it is. */
#define QT_CT_TIMEOUT_KEEP UINT32_MAX

struct qt_ct_step {
	enum qt_ct_track verdict;
	uint32_t timeout;         /* seconds from now the entry lives on
	                             (also with INVALID: TCP shortens a dead
	                             connection's life), or
	                             QT_CT_TIMEOUT_KEEP */
};

static inline struct qt_ct_step qt_ct_step(enum qt_ct_track v, uint32_t to)
{
	struct qt_ct_step s = { v, to };
	return s;
}

/* What an ICMP-like protocol's error check says of a packet. */
enum qt_ct_error {
	QT_CT_ERR_NONE,           /* not an error: tracked as usual */
	QT_CT_ERR_BAD,            /* INVALID, counted as an error */
	QT_CT_ERR_QUOTES,         /* an error quoting the packet in *q: it
	                             is RELATED to that packet's connection,
	                             if tracked */
	QT_CT_ERR_UNTRACKED,      /* never tracked: UNTRACKED, no entry
	                             (ICMPv6 neighbour discovery and MLD) */
};

/* The packet an ICMP error quotes: its addresses and protocol, and its
 * transport bytes as far as the error carries them. */
struct qt_ct_quote {
	union qt_ct_addr src, dst;
	uint8_t ip6;              /* IPv6 addresses */
	uint8_t proto;
	const uint8_t *l4;
	uint32_t l4_len;
};

struct qt_ct_proto {
	uint8_t num;              /* the IP protocol number */
	const char *name;         /* conntrack(8)'s name ("unknown" for the
	                             generic tracker) */
	bool ports;               /* the tuple's sport and dport are the
	                             transport header's first four bytes
	                             (conntrack(8) shows and filters them) */
	bool errors_first;        /* a packet refused before the tracker
	                             (no tuple, bad checksum) is counted as
	                             an error, not as invalid: ICMP's are
	                             refused by the kernel's ICMP error
	                             handler */

	/* The transport part of a tuple (sport, dport) from the l4 bytes
	 * l4[0..n); false: too short. */
	bool (*tuple)(const uint8_t *l4, uint32_t n, struct qt_ct_tuple *t);
	/* The transport part of the other direction's tuple into out;
	 * false when t has no other direction (out then keeps t's type:
	 * such a tuple never makes an entry, the tracker refuses it). */
	bool (*invert)(const struct qt_ct_tuple *t, struct qt_ct_tuple *out);
	/* Before any lookup (the kernel's l4proto error handler); NULL:
	 * no such check. t: the packet's tuple. */
	enum qt_ct_error (*error)(const struct qt_pkt *p,
				  const struct qt_ct_tuple *t,
				  struct qt_ct_quote *q);
	/* Does the kernel verify this packet's checksum (when it verifies
	 * checksums at all)? NULL: never. */
	bool (*checksummed)(const struct qt_pkt *p);

	/* The first packet of a new entry e (tuples set, everything else
	 * zero, direction ORIG): sets up the protocol state. INVALID: the
	 * packet cannot start a connection, no entry is made. */
	struct qt_ct_step (*new_conn)(struct qt_ct_entry *e,
				      const struct qt_pkt *p,
				      const struct qt_ct_config *c,
				      uint64_t now);
	/* A later packet of e in direction dir. May set QT_IPS_ASSURED;
	 * reads QT_IPS_SEEN_REPLY as it was before this packet (the table
	 * sets it after a valid REPLY packet, as nf_conntrack_in() does)
	 * and QT_IPS_CONFIRMED (clear: the packet that made the entry is
	 * still between its hooks). */
	struct qt_ct_step (*packet)(struct qt_ct_entry *e,
				    const struct qt_pkt *p, enum qt_ct_dir dir,
				    const struct qt_ct_config *c,
				    uint64_t now);

	/* conntrack -L's state column: the names of the protocol's states
	 * by number (nstates of them) and an entry's state. NULL: the
	 * protocol shows none. */
	const char *const *state_names;
	unsigned nstates;
	unsigned (*state_of)(const union qt_ct_proto_state *ps);
	/* A protocol state handed over by an earlier daemon is one this
	 * tracker can go on from; NULL: any is. */
	bool (*state_sane)(const union qt_ct_proto_state *ps);
};

/* Helpers for trackers. */

static inline uint16_t qt_ct_get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* The tuple and inverse of protocols with ports (qt_ct_proto.ports). */
bool qt_ct_ports_tuple(const uint8_t *l4, uint32_t n, struct qt_ct_tuple *t);
bool qt_ct_ports_invert(const struct qt_ct_tuple *t, struct qt_ct_tuple *out);

/* The trackers, each in its file. */
extern const struct qt_ct_proto qt_ct_proto_tcp;      /* conntrack_tcp.c */
extern const struct qt_ct_proto qt_ct_proto_udp;      /* conntrack_udp.c */
extern const struct qt_ct_proto qt_ct_proto_udplite;
extern const struct qt_ct_proto qt_ct_proto_icmp;     /* conntrack_icmp.c */
extern const struct qt_ct_proto qt_ct_proto_sctp;     /* conntrack_sctp.c */
extern const struct qt_ct_proto qt_ct_proto_generic;  /* conntrack_generic.c */
extern const struct qt_ct_proto qt_ct_proto_dccp;
extern const struct qt_ct_proto qt_ct_proto_gre;
extern const struct qt_ct_proto qt_ct_proto_icmpv6;   /* conntrack_icmpv6.c */
extern const struct qt_ct_proto qt_ct_proto_icmpv6_in_ipv4;  /* generic */

/* TCP's state names (conntrack_tcp.c), also for conntrack --state. */
const char *qt_ct_tcp_state_name(unsigned s);

#endif
