/* What the connection table holds, as data: tuples, the states a packet
 * is given, the kernel's status bits, the per-protocol state an entry
 * carries, and the entry itself. The lowest layer of engine/ct: the
 * configuration (conntrack_config.h), the trackers
 * (conntrack_tracker.h) and the table (conntrack.h) all build on it,
 * and it calls nothing. */
#ifndef QT_CONNTRACK_ENTRY_H
#define QT_CONNTRACK_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- tuples ---- */

/* An address in a tuple, as the kernel's nf_inet_addr: IPv4 in ip (the
 * other twelve bytes zero), IPv6 in all 16 bytes; network order. */
union qt_ct_addr {
	uint32_t ip;
	uint32_t all[4];
	uint8_t b[16];
};

/* One direction of a connection, as the kernel's nf_conntrack_tuple:
 * addresses in network order, ports in host order, the family in ip6
 * (0 for IPv4, so a zeroed tuple is an IPv4 one; an IPv6 address whose
 * last twelve bytes are zero is not an IPv4 one). ICMP and ICMPv6:
 * sport holds the echo id, dport the type << 8 | code of the packet in
 * this direction (echo request one way, echo reply the other).
 * Protocols without ports: 0. */
struct qt_ct_tuple {
	union qt_ct_addr src, dst;
	uint16_t sport, dport;
	uint8_t proto;
	uint8_t ip6;              /* 1: IPv6 addresses */
	uint16_t zone;            /* the connection's zone id in this
	                             direction (the kernel's
	                             nf_ct_zone_id(zone, dir)); 0: the
	                             default zone. Part of the identity:
	                             compared and hashed with the rest */
};

_Static_assert(sizeof(struct qt_ct_tuple) == 40,
	       "tuples are compared as five 64-bit words");

enum qt_ct_dir { QT_CT_ORIG, QT_CT_REPLY };

/* A packet's zone before it is tracked (the kernel's nf_conntrack_zone
 * of a template: CT --zone, nft's ct zone set): its id and the
 * directions it applies to; in the others the id is the default's. */
#define QT_CT_ZONE_DIR_ORIG 1u
#define QT_CT_ZONE_DIR_REPL 2u
#define QT_CT_ZONE_DIR_BOTH 3u
struct qt_ct_zone {
	uint16_t id;
	uint8_t dir;              /* QT_CT_ZONE_DIR_* */
};

/* nf_ct_zone_id: the zone's id in direction d; z NULL: the default. */
static inline uint16_t qt_ct_zone_id(const struct qt_ct_zone *z,
				     enum qt_ct_dir d)
{
	return z && (z->dir & (1u << d)) ? z->id : 0;
}

/* Whether two tuples are the same, as five 64-bit words without a
 * branch: a lookup compares every node it visits. */
static inline uint64_t qt_ct_word(const struct qt_ct_tuple *t, unsigned i)
{
	uint64_t w;
	memcpy(&w, (const uint8_t *)t + 8 * i, 8);
	return w;
}

static inline bool qt_ct_tuple_eq(const struct qt_ct_tuple *x,
				  const struct qt_ct_tuple *y)
{
	return !((qt_ct_word(x, 0) ^ qt_ct_word(y, 0)) |
		 (qt_ct_word(x, 1) ^ qt_ct_word(y, 1)) |
		 (qt_ct_word(x, 2) ^ qt_ct_word(y, 2)) |
		 (qt_ct_word(x, 3) ^ qt_ct_word(y, 3)) |
		 (qt_ct_word(x, 4) ^ qt_ct_word(y, 4)));
}

/* The state a packet is given (xt_state / xt_conntrack --ctstate). */
enum qt_ct_state {
	QT_CT_INVALID,
	QT_CT_NEW,
	QT_CT_ESTABLISHED,
	QT_CT_RELATED,
	QT_CT_UNTRACKED,
};

/* Status bits, the kernel's IPS_* values (conntrack -L and --ctstatus
 * show them). */
#define QT_IPS_EXPECTED   (1u << 0)
#define QT_IPS_SEEN_REPLY (1u << 1)
#define QT_IPS_ASSURED    (1u << 2)
#define QT_IPS_CONFIRMED  (1u << 3)
#define QT_IPS_SRC_NAT    (1u << 4)
#define QT_IPS_DST_NAT    (1u << 5)
#define QT_IPS_NAT_MASK   (QT_IPS_SRC_NAT | QT_IPS_DST_NAT)
#define QT_IPS_SRC_NAT_DONE (1u << 7)
#define QT_IPS_DST_NAT_DONE (1u << 8)
#define QT_IPS_DYING      (1u << 9)
/* The engine's own, above the kernel's bits (never shown): the reply
 * tuple was taken by another connection when this entry was made, so
 * it is not in the hash; NAT's binding must choose another one before
 * the entry can be confirmed. */
#define QT_CTS_REPLY_CLASH (1u << 31)
/* In the by-source index of source mappings (conntrack.h,
 * qt_ct_bysrc_add). */
#define QT_CTS_BYSRC (1u << 30)
/* NAT offload (io/nat_offload.h): the connection's rewrites are in the
 * kernel's maps, so the kernel rewrites its packets and their verdicts
 * carry none (OFFLOADED); they are being added (PENDING); they cannot
 * be (NO: every packet rewritten here, as without offload). */
#define QT_CTS_OFFLOADED (1u << 29)
#define QT_CTS_OFFLOAD_PENDING (1u << 28)
#define QT_CTS_OFFLOAD_NO (1u << 27)
/* Counted (qt_ct_acct_get): made while accounting was on, as the
 * kernel gives an entry its acct extension when nf_conntrack_acct is
 * on at its creation. */
#define QT_CTS_ACCT (1u << 26)
/* Has labels (qt_ct_labels_get): made while a rule set them, as the
 * kernel gives an entry its labels extension once a rule uses them. */
#define QT_CTS_LABELS (1u << 25)
/* Out of the hash (qt_ct_unhash): an unconfirmed entry whose packet
 * was dropped, kept only for the reply a REJECT sent about it. */
#define QT_CTS_UNHASHED (1u << 24)
#define QT_CTS_OFFLOAD_MASK (QT_CTS_OFFLOADED | QT_CTS_OFFLOAD_PENDING | \
			     QT_CTS_OFFLOAD_NO)

/* ---- TCP's state (engine/ct/conntrack_tcp.c) ---- */

/* The kernel's TCP conntrack states, in its order (TCP_CONNTRACK_*);
 * past QT_TCP_MAX the tracker's own markers and the two timeouts that
 * are not states (their slots in struct qt_ct_timeouts.tcp). */
enum qt_ct_tcp_state {
	QT_TCP_NONE, QT_TCP_SYN_SENT, QT_TCP_SYN_RECV, QT_TCP_ESTABLISHED,
	QT_TCP_FIN_WAIT, QT_TCP_CLOSE_WAIT, QT_TCP_LAST_ACK,
	QT_TCP_TIME_WAIT, QT_TCP_CLOSE, QT_TCP_SYN_SENT2,
	QT_TCP_MAX, QT_TCP_IGNORE, QT_TCP_RETRANS, QT_TCP_UNACK,
	QT_TCP_TIMEOUT_MAX
};

/* Per direction: ip_ct_tcp_state. */
struct qt_ct_tcp_dir {
	uint32_t td_end;          /* max of seq + len */
	uint32_t td_maxend;       /* max of ack + max(win, 1) */
	uint32_t td_maxwin;       /* max(win) */
	uint32_t td_maxack;       /* max of ack */
	uint8_t td_scale;         /* window scale factor */
	uint8_t flags;            /* IP_CT_TCP_FLAG_* */
};

/* Per connection: ip_ct_tcp. */
struct qt_ct_tcp {
	struct qt_ct_tcp_dir seen[2];
	uint8_t state;            /* enum qt_ct_tcp_state */
	uint8_t last_dir;
	uint8_t retrans;
	uint8_t last_index;
	uint32_t last_seq, last_ack, last_end;
	uint16_t last_win;
	uint8_t last_wscale, last_flags;
};

/* ---- SCTP's state (engine/ct/conntrack_sctp.c) ---- */

/* The kernel's SCTP conntrack states, in its order (SCTP_CONNTRACK_*). */
enum qt_ct_sctp_state {
	QT_SCTP_NONE, QT_SCTP_CLOSED, QT_SCTP_COOKIE_WAIT,
	QT_SCTP_COOKIE_ECHOED, QT_SCTP_ESTABLISHED, QT_SCTP_SHUTDOWN_SENT,
	QT_SCTP_SHUTDOWN_RECD, QT_SCTP_SHUTDOWN_ACK_SENT,
	QT_SCTP_HEARTBEAT_SENT,
	QT_SCTP_MAX
};

/* Per association: ip_ct_sctp. */
struct qt_ct_sctp {
	uint32_t vtag[2];         /* the tag each direction's packets carry
	                             (host order; 0: not known yet) */
	uint8_t state;            /* enum qt_ct_sctp_state */
	uint8_t hb_vtag_failed;   /* a HEARTBEAT came with another tag (a
	                             peer restarted): its ACK may take it */
	uint8_t last_dir;         /* of that HEARTBEAT */
	uint8_t init[2];          /* an INIT was seen in that direction and
	                             no COOKIE ACK since */
	uint8_t pad[3];
};

/* The protocol's own state in an entry, written only by its tracker.
 * Four-byte aligned (UDP's time is two words) so that it packs against
 * the entry's fields without a hole: TCP's 60 bytes are its size. */
union qt_ct_proto_state {
	struct qt_ct_tcp tcp;
	struct qt_ct_sctp sctp;
	uint32_t udp_stream_ts[2];  /* ns, low word first (read and written
	                               through qt_ct_udp_stream_ts): a
	                               packet after a reply, later than
	                               this (first packet + 2 s), makes a
	                               stream (the kernel's
	                               proto.udp.stream_ts) */
};

/* ---- entries ---- */

/* Laid out for the packet path, in a pool aligned to cache lines
 * (engine/ct/conntrack.c) with entries of three lines: a lookup reads
 * a tuple (compared as five 64-bit words) and on a miss the chain link
 * beside it; a packet of an established connection then reads and
 * writes status, timeout, id, mark and the protocol's state. A packet
 * of any protocol but TCP (whose state is 60 bytes) so touches only
 * the first two lines; the wheel's links and MASQUERADE's interface,
 * which no packet of an established connection reads, come last. */
struct qt_ct_entry {
	uint32_t hnext[2];        /* hash chains, per direction: the next
	                             node as (pool index << 1 | dir) + 1;
	                             0 ends */
	struct qt_ct_tuple t[2];  /* [QT_CT_ORIG], [QT_CT_REPLY] */
	uint32_t status;          /* QT_IPS_* */
	uint32_t wslot;           /* the second (CLOCK_MONOTONIC) of the
	                             wheel slot it is linked in; unconfirmed:
	                             when it is dropped if never confirmed */
	uint64_t expires;         /* CLOCK_MONOTONIC ns */
	uint32_t id;              /* for conntrack -L, never reused (the
	                             engine's glue checks it at every hook) */
	uint32_t mark;            /* ct mark (CONNMARK, connmark) */
	union qt_ct_proto_state p;
	uint32_t wnext, wprev;    /* expiry wheel list (pool index + 1) */
	int32_t masq_ifindex;     /* MASQUERADE's out-interface (the
	                             kernel's nat->masq_index): the entry
	                             goes when its address does; 0: none */
	uint32_t bnext, bprev;    /* the by-source index of source
	                             mappings (QT_CTS_BYSRC): pool index
	                             + 1; and to three lines: an entry of
	                             184 bytes would straddle four */
};

_Static_assert(sizeof(struct qt_ct_entry) == 192,
	       "an entry is three cache lines");
_Static_assert(offsetof(struct qt_ct_entry, p) + sizeof(struct qt_ct_sctp)
	       <= 128, "every state but TCP's in the first two lines");

static inline uint64_t qt_ct_udp_stream_ts(const union qt_ct_proto_state *p)
{
	return (uint64_t)p->udp_stream_ts[1] << 32 | p->udp_stream_ts[0];
}

static inline void qt_ct_set_udp_stream_ts(union qt_ct_proto_state *p,
					   uint64_t ns)
{
	p->udp_stream_ts[0] = (uint32_t)ns;
	p->udp_stream_ts[1] = (uint32_t)(ns >> 32);
}

#define QT_CT_NS_PER_SEC 1000000000ull

/* Seconds left before e expires at now (conntrack -L's third column). */
static inline uint32_t qt_ct_seconds_left(const struct qt_ct_entry *e,
					  uint64_t now)
{
	if (e->expires <= now)
		return 0;
	uint64_t s = (e->expires - now) / QT_CT_NS_PER_SEC;
	return s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

#endif
