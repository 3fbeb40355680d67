/* The engine's connection tracking, modelled on the kernel's
 * nf_conntrack: tuples for both directions, per-protocol state (TCP with
 * the kernel's states and window tracking in engine/ct/conntrack_tcp.c;
 * UDP, ICMP and the generic tracker in engine/ct/conntrack_proto.c), the
 * kernel's default timeouts, a bounded table with early drop of entries
 * not yet assured, and expiry that never scans the table per packet.
 *
 * Where it runs (daemon/datapath.c): the first hook a packet meets in the
 * kernel's order (PREROUTING for arriving packets, OUTPUT for local ones)
 * calls qt_ct_in(): it finds or creates the entry, runs the protocol
 * tracker and says NEW / ESTABLISHED / RELATED / INVALID. A new entry is
 * unconfirmed: qt_ct_confirm() at the packet's last hook (INPUT or
 * POSTROUTING) accepted makes it live; a packet dropped before that
 * calls qt_ct_abandon(), and nothing of it stays (a dropped SYN leaves
 * no entry). Later hooks of the same packet get the same answer from the
 * engine's per-packet memory, not from the table.
 *
 * Threads: one table per queue thread ("shard"). NFQUEUE's
 * --queue-balance hashes addresses symmetrically, so both directions of
 * a connection reach the same thread; the packet path takes only its own
 * shard's lock (once per burst), which the control thread takes to list
 * or delete. Nothing on the packet path allocates: entries come from a
 * pool sized at start (ct_max), touched by the OS only when used. */
#ifndef QT_CONNTRACK_H
#define QT_CONNTRACK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "packet.h"

/* ---- tuples ---- */

/* One direction of a connection, as the kernel's nf_conntrack_tuple:
 * addresses in network order, ports in host order. ICMP: sport holds the
 * echo id, dport the type << 8 | code of the packet in this direction
 * (echo request one way, echo reply the other). Generic protocols: ports
 * 0. */
struct qt_ct_tuple {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t proto;
	uint8_t pad[3];           /* zero: tuples are compared bytewise */
};

enum qt_ct_dir { QT_CT_ORIG, QT_CT_REPLY };

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
#define QT_IPS_DYING      (1u << 9)

/* ---- TCP (engine/ct/conntrack_tcp.c) ---- */

/* The kernel's TCP conntrack states, in its order (TCP_CONNTRACK_*). */
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

/* ---- entries ---- */

struct qt_ct_entry {
	struct qt_ct_tuple t[2];  /* [QT_CT_ORIG], [QT_CT_REPLY] */
	uint32_t status;          /* QT_IPS_* */
	uint32_t mark;            /* ct mark (CONNMARK, connmark) */
	uint64_t expires;         /* CLOCK_MONOTONIC ns */
	uint32_t id;              /* for conntrack -L, never reused */
	uint32_t hnext[2];        /* hash chains, per direction: the next
	                             node as (pool index << 1 | dir) + 1;
	                             0 ends */
	uint32_t wnext, wprev;    /* expiry wheel list (pool index + 1) */
	uint32_t wslot;           /* the second (CLOCK_MONOTONIC) of the
	                             wheel slot it is linked in; unconfirmed:
	                             when it is dropped if never confirmed */
	uint32_t pad0;
	union {
		struct qt_ct_tcp tcp;
		uint64_t udp_stream_ts; /* ns: a packet after a reply, later
		                           than this (first packet + 2 s),
		                           makes a stream (the kernel's
		                           proto.udp.stream_ts) */
	} p;
};

/* ---- configuration: the kernel's defaults, each settable ---- */

/* Timeouts in seconds, named as the kernel's sysctls
 * (net.netfilter.nf_conntrack_*_timeout_*). */
struct qt_ct_timeouts {
	uint32_t tcp[QT_TCP_TIMEOUT_MAX]; /* by enum qt_ct_tcp_state; index
	                                     QT_TCP_RETRANS = max_retrans,
	                                     QT_TCP_UNACK = unacknowledged */
	uint32_t udp, udp_stream;
	uint32_t icmp;
	uint32_t generic;
};

struct qt_ct_config {
	uint32_t max;             /* entries; 0: the kernel's default, read
	                             from /proc/sys/net/netfilter/
	                             nf_conntrack_max (262144 here) */
	bool tcp_be_liberal;      /* kernel default 0 */
	bool tcp_loose;           /* kernel default 1: pick up mid-stream */
	uint32_t tcp_max_retrans; /* kernel default 3 */
	bool checksum;            /* kernel default 1: a packet whose TCP,
	                             UDP or ICMP checksum fails at PREROUTING
	                             is INVALID (nf_conntrack_checksum) */
	struct qt_ct_timeouts to;
	/* Large tables are backed by huge pages (fewer TLB misses), but a
	 * first touch may then wait for the kernel to compact memory (ms):
	 * a table filled by a handover, on the path of a restart, asks for
	 * them with qt_ct_hugepages() once its entries are in. */
	bool defer_hugepages;
};

/* The kernel's defaults (tcp established 432000 s, syn_sent 120,
 * syn_recv 60, fin_wait 120, close_wait 60, last_ack 30, time_wait 120,
 * close 10, max_retrans 300, unacknowledged 300; udp 30 and 120 for
 * streams; icmp 30; generic 600). */
void qt_ct_config_default(struct qt_ct_config *c);
/* "NAME=VALUE" (tcp_timeout_established=3600, max=1000, tcp_loose=0, ...
 * the sysctl names without the nf_conntrack_ prefix): 0, or -1 when
 * NAME or VALUE is not valid. For qtablesd --ct NAME=VALUE. */
int qt_ct_config_set(struct qt_ct_config *c, const char *name_value);

/* ---- statistics, as conntrack -S ---- */
struct qt_ct_stats {
	uint64_t found, invalid, insert, insert_failed, drop, early_drop,
		 error, search_restart, expired, count;
};

/* ---- a shard: one thread's table ---- */

struct qt_ct;

/* A shard of max_entries entries (0: c->max, and when that is 0 too the
 * kernel's nf_conntrack_max). The pool and a hash table of the next
 * power of two >= 2 * max buckets are allocated here, untouched: memory
 * is used as entries are (about 150 bytes per connection). NULL: no
 * memory, or max_entries >= 2^30. */
struct qt_ct *qt_ct_new(const struct qt_ct_config *c, uint32_t max_entries);
void qt_ct_free(struct qt_ct *ct);
/* Huge pages for the table from now on (c->defer_hugepages). */
void qt_ct_hugepages(struct qt_ct *ct);

/* The shard's lock: the packet path holds it around a burst; anyone
 * else (listing, deleting) around their work. */
void qt_ct_lock(struct qt_ct *ct);
void qt_ct_unlock(struct qt_ct *ct);

/* What qt_ct_in() decided for a packet. */
struct qt_ct_verdict {
	struct qt_ct_entry *e;    /* NULL: INVALID without entry, or
	                             UNTRACKED */
	enum qt_ct_dir dir;
	enum qt_ct_state state;
	bool created;             /* e was made by this packet (unconfirmed) */
	bool table_full;          /* no entry could be made: the kernel drops
	                             the packet (counted as drop) */
};

/* The packet's tuple in its own direction; false when the packet has
 * none (not IPv4, truncated transport header, non-first fragment). */
bool qt_ct_tuple_of(const struct qt_pkt *p, struct qt_ct_tuple *t);
/* The tuple of the other direction (addresses and ports swapped; ICMP
 * echo request <-> reply). */
void qt_ct_invert(const struct qt_ct_tuple *t, struct qt_ct_tuple *out);

/* Optional, for a burst of packets: stage 0 starts loading the hash
 * bucket of p's tuple; stage 1, called some packets later (when that
 * bucket is in cache), starts loading the first entry of its chain; then
 * qt_ct_in() for p finds them in cache. With a million connections
 * nearly every lookup misses the cache: overlapping those misses for the
 * packets of a burst is what makes several Mpps possible. */
void qt_ct_prefetch(const struct qt_ct *ct, const struct qt_pkt *p,
		    unsigned stage);
/* Look up or create the packet's entry and run the protocol tracker, at
 * time now (ns). */
void qt_ct_in(struct qt_ct *ct, const struct qt_pkt *p, uint64_t now,
	      struct qt_ct_verdict *v);
/* The packet that made v->e left its last hook accepted: the entry goes
 * live (CONFIRMED, linked for expiry). */
void qt_ct_confirm(struct qt_ct *ct, struct qt_ct_entry *e, uint64_t now);
/* It was dropped before: the unconfirmed entry is removed. */
void qt_ct_abandon(struct qt_ct *ct, struct qt_ct_entry *e);
/* Remove an entry now (conntrack -D, -F). */
void qt_ct_delete(struct qt_ct *ct, struct qt_ct_entry *e);
/* Expire what is due at now, at most budget entries (so no call holds
 * packets up for long); returns how many were removed. */
unsigned qt_ct_expire(struct qt_ct *ct, uint64_t now, unsigned budget);
/* Seconds left before e expires (conntrack -L's third column). */
uint32_t qt_ct_seconds_left(const struct qt_ct_entry *e, uint64_t now);
/* Set e's timeout to secs from now (trackers use it). */
void qt_ct_set_timeout(struct qt_ct_entry *e, uint64_t now, uint32_t secs);

/* Find the entry of a tuple (either direction). */
struct qt_ct_entry *qt_ct_find(struct qt_ct *ct, const struct qt_ct_tuple *t,
			       enum qt_ct_dir *dir);
/* Put back a confirmed entry handed over by an earlier daemon
 * (daemon/snapshot.c): src's tuples, status, mark, id, expiry and
 * protocol state, linked for expiry. NULL when src is not confirmed, the
 * table is full or either tuple is taken. */
struct qt_ct_entry *qt_ct_restore(struct qt_ct *ct,
				  const struct qt_ct_entry *src, uint64_t now);
/* Before restoring n entries: the pool's memory for them is made
 * present in one call, not page by page as each is written. */
void qt_ct_restore_prepare(struct qt_ct *ct, uint32_t n);
/* qt_ct_prefetch for a tuple about to be restored (stage 0: its
 * bucket, stage 1: the first entry of its chain). */
void qt_ct_prefetch_tuple(const struct qt_ct *ct, const struct qt_ct_tuple *t,
			  unsigned stage);
/* Call fn for every confirmed entry; fn returns false to stop. */
void qt_ct_each(struct qt_ct *ct,
		bool (*fn)(struct qt_ct_entry *e, void *user), void *user);

const struct qt_ct_stats *qt_ct_stats(const struct qt_ct *ct);
/* A packet found INVALID before the table was asked, for a checksum
 * that fails: counted as the kernel counts it (TCP, UDP: invalid; ICMP,
 * checked by the ICMP error handler: error). */
void qt_ct_count_bad_checksum(struct qt_ct *ct, uint8_t proto);
/* Would the kernel's tracker check this packet's checksum, and does it
 * fail? Only at PREROUTING, with c->checksum, for a packet the kernel
 * has not verified, of TCP, UDP (with a checksum) or ICMP, whole in the
 * copy (a partial copy cannot be checked: taken as good). */
bool qt_ct_checksum_fails(const struct qt_ct_config *c, const struct qt_pkt *p,
			  bool at_prerouting, bool unverified);
uint32_t qt_ct_count(const struct qt_ct *ct);
const struct qt_ct_config *qt_ct_config(const struct qt_ct *ct);

/* ---- protocol trackers (conntrack_tcp.c, conntrack_proto.c) ---- */

/* A new entry for packet p (first packet, direction ORIG): set up the
 * protocol state and timeout. false: the packet cannot start a
 * connection (TCP: not a SYN with loose off, or invalid flags): the
 * packet is INVALID and no entry is made. TCP: this runs the whole first
 * packet (state, window data, timeout); do not also call
 * qt_ct_tcp_packet() for it. */
bool qt_ct_tcp_new(struct qt_ct_entry *e, const struct qt_pkt *p,
		   const struct qt_ct_config *c, uint64_t now);
/* A packet of an existing entry in direction dir: update the state and
 * timeout. Returns false when the packet is INVALID (out of window,
 * bad flags...): the entry is left as the kernel leaves it. May set
 * QT_IPS_ASSURED. *destroy: the kernel would kill the entry (e.g. a SYN
 * reopening a TIME_WAIT connection: the caller removes it and treats the
 * packet as new; returned with false). TCP (conntrack_tcp.c): a RST
 * before any reply is valid but kills the entry in the kernel: the
 * tracker sets its timeout to 0 (expired at once, not *destroy). The
 * tracker reads QT_IPS_SEEN_REPLY as it was before this packet: the
 * caller sets it after a valid REPLY packet, as nf_conntrack_in() does. */
bool qt_ct_tcp_packet(struct qt_ct_entry *e, const struct qt_pkt *p,
		      enum qt_ct_dir dir, const struct qt_ct_config *c,
		      uint64_t now, bool *destroy);

bool qt_ct_udp_packet(struct qt_ct_entry *e, const struct qt_pkt *p,
		      enum qt_ct_dir dir, const struct qt_ct_config *c,
		      uint64_t now);
bool qt_ct_icmp_packet(struct qt_ct_entry *e, const struct qt_pkt *p,
		       enum qt_ct_dir dir, const struct qt_ct_config *c,
		       uint64_t now);
bool qt_ct_generic_packet(struct qt_ct_entry *e, const struct qt_pkt *p,
			  enum qt_ct_dir dir, const struct qt_ct_config *c,
			  uint64_t now);
/* An ICMP error: the tuple of the packet it quotes, seen from the
 * quoting side (the kernel's icmp_error_message()). false: it quotes
 * nothing trackable. */
bool qt_ct_icmp_error_inner(const struct qt_pkt *p, struct qt_ct_tuple *inner);

/* icmp_is_err(): destination unreachable, source quench, redirect, time
 * exceeded, parameter problem. */
bool qt_ct_icmp_is_error(uint8_t type);

/* Names for conntrack -L ("ESTABLISHED", "tcp" ...). */
const char *qt_ct_tcp_state_name(unsigned s);
const char *qt_ct_state_name(enum qt_ct_state s);
/* conntrack(8)'s protocol names: tcp, udp, udplite, icmp, sctp, dccp,
 * gre, else "unknown". */
const char *qt_ct_proto_name(uint8_t proto);

#endif
