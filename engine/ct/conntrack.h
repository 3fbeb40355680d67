/* The engine's connection table, modelled on the kernel's nf_conntrack:
 * entries with tuples for both directions (conntrack_entry.h), a
 * protocol tracker per protocol number behind one function table
 * (conntrack_proto.h: TCP with the kernel's states and window tracking
 * in conntrack_tcp.c, UDP and UDP-Lite in conntrack_udp.c, ICMP in
 * conntrack_icmp.c, ICMPv6 in conntrack_icmpv6.c, the rest in
 * conntrack_generic.c; IPv4 and IPv6 alike, tuples holding either), the kernel's
 * settings and timeouts as one table (conntrack_config.h), a bounded
 * table with early drop of entries not yet assured, and expiry that
 * never scans the table per packet. Dependencies run one way: this
 * table -> the trackers -> the configuration -> the entry.
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

#include "conntrack_config.h"
#include "conntrack_entry.h"
#include "conntrack_proto.h"
#include "packet.h"

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
 * is used as entries are (192 bytes, three cache lines, per connection
 * plus 8 bytes of buckets; tuples wide enough for IPv6). NULL: no memory, or max_entries >= 2^30. */
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
/* The same for a packet in zone z (NULL: the default zone): the zone
 * is part of a connection's identity, so the same tuple in two zones
 * is two connections (the kernel's nf_conntrack zones). A new entry
 * takes z's id in each direction (conntrack_entry.h: a tuple's zone);
 * an ICMP error finds what it quotes in z. */
void qt_ct_in_zone(struct qt_ct *ct, const struct qt_pkt *p,
		   const struct qt_ct_zone *z, uint64_t now,
		   struct qt_ct_verdict *v);
/* The packet that made v->e left its last hook accepted: the entry goes
 * live (CONFIRMED, linked for expiry). false: its reply tuple is still
 * one another connection holds (QT_CTS_REPLY_CLASH: NAT found no free
 * one), so it cannot go live; the kernel drops such a packet at
 * confirmation (insert_failed), and the caller abandons the entry. */
bool qt_ct_confirm(struct qt_ct *ct, struct qt_ct_entry *e, uint64_t now);
/* It was dropped before: the unconfirmed entry is removed. */
void qt_ct_abandon(struct qt_ct *ct, struct qt_ct_entry *e);
/* It was dropped, but a reply sent about it (REJECT's) is still to be
 * judged with it: the unconfirmed entry leaves the hash, so no packet
 * finds it any more (the kernel's unconfirmed entries are in no hash:
 * the rejected client's next SYN makes a connection of its own), and
 * stays until qt_ct_abandon() (or UNCONFIRMED_SECS after its creation,
 * as any unconfirmed entry). It can no longer be confirmed. */
void qt_ct_unhash(struct qt_ct *ct, struct qt_ct_entry *e);
/* REJECT sent a TCP reset for a packet of e: a confirmed TCP
 * connection goes to CLOSE with CLOSE's timeout, as the kernel's
 * nf_send_reset makes it (nf_ct_set_closing), though the reset itself
 * is never tracked. Anything else is left alone. */
void qt_ct_set_closing(struct qt_ct *ct, struct qt_ct_entry *e, uint64_t now);
/* A connection's bytes and packets per direction (the kernel's
 * nf_conn_acct). */
struct qt_ct_acct {
	uint64_t packets[2], bytes[2];
};
/* Accounting from now on (the kernel's nf_conntrack_acct, which an nft
 * rule reading ct bytes, packets or avgpkt turns on and nothing turns
 * off): entries made from now on count the packets their trackers
 * accept. -1: no memory for the counters. */
int qt_ct_acct_enable(struct qt_ct *ct);
/* e's counts, or false for an entry that does not count. */
bool qt_ct_acct_get(const struct qt_ct *ct, const struct qt_ct_entry *e,
		    struct qt_ct_acct *out);
/* Labels from now on (the kernel's nf_connlabels_get, which an nft
 * rule setting ct label takes and nothing gives back here): entries
 * made from now on have 128 label bits. -1: no memory for them. */
int qt_ct_labels_enable(struct qt_ct *ct);
/* e's label bits (16 bytes, bit n of the big-endian number: label n),
 * or false for an entry without. */
bool qt_ct_labels_get(const struct qt_ct *ct, const struct qt_ct_entry *e,
		      uint8_t *out);
/* Set the bits of v (nf_connlabels_replace with v as its mask); an
 * entry without labels keeps none. */
void qt_ct_labels_set(struct qt_ct *ct, const struct qt_ct_entry *e,
		      const uint8_t *v);
/* Whether the table keeps counts or labels (either enable above). */
bool qt_ct_ext_on(const struct qt_ct *ct);
/* A restored entry's counts (acct, NULL: none) and labels (16 bytes,
 * NULL: none) as the daemon before kept them (a handover): the kernel
 * keeps an entry's extensions for its life, so they are turned on for
 * the table if they were not. false: no memory for them (the entry
 * then counts nothing, as one made before they were on). */
bool qt_ct_restore_ext(struct qt_ct *ct, struct qt_ct_entry *e,
		       const struct qt_ct_acct *acct, const uint8_t *labels);
/* Remove an entry now (conntrack -D, -F). */
void qt_ct_delete(struct qt_ct *ct, struct qt_ct_entry *e);
/* Called (the shard's lock held) for an entry marked QT_CTS_OFFLOADED
 * as it is removed, by whatever removes it (expiry, early drop, a
 * delete, a MASQUERADE forget), before its memory is reused: NAT
 * offload takes its rewrites out of the kernel. NULL: none. */
void qt_ct_set_forget_hook(struct qt_ct *ct,
			   void (*fn)(const struct qt_ct_entry *e, void *user),
			   void *user);
/* Take e's rewrites out of the kernel (the forget hook, as if it went)
 * and mark it QT_CTS_OFFLOAD_NO: its packets are rewritten here from
 * now on. For an offloaded entry whose map keys another connection's
 * packets, rewritten here, would meet. */
void qt_ct_offload_revoke(struct qt_ct *ct, struct qt_ct_entry *e);
/* Expire what is due at now, at most budget entries (so no call holds
 * packets up for long); returns how many were removed. */
unsigned qt_ct_expire(struct qt_ct *ct, uint64_t now, unsigned budget);

/* ---- NAT's view of the table (engine/nat.c) ---- */

/* While on, a new entry whose reply tuple another connection holds is
 * made all the same, marked QT_CTS_REPLY_CLASH with that tuple left
 * out of the hash, for NAT's binding to resolve as the kernel's
 * get_unique_tuple() does; while off (no NAT in the ruleset) such a
 * packet is refused as before. */
void qt_ct_allow_reply_clash(struct qt_ct *ct, bool on);
/* Is the reply tuple held by a connection other than ignore (either of
 * its directions)? The kernel's nf_conntrack_tuple_taken(). */
bool qt_ct_tuple_taken(const struct qt_ct *ct, const struct qt_ct_tuple *t,
		       const struct qt_ct_entry *ignore);
/* Give an unconfirmed e the reply tuple r (the kernel's
 * nf_conntrack_alter_reply): rehashed; a taken r leaves the entry
 * marked QT_CTS_REPLY_CLASH (it then cannot be confirmed). */
void qt_ct_set_reply(struct qt_ct *ct, struct qt_ct_entry *e,
		     const struct qt_ct_tuple *r);

/* The by-source index of source mappings (the kernel's nf_nat_bysource,
 * for find_appropriate_src): an entry whose source NAT changed its
 * tuple is added (unconfirmed or not) and leaves with the entry. */
void qt_ct_bysrc_add(struct qt_ct *ct, struct qt_ct_entry *e);

/* The transport header of the IPv6 packet at ip (n bytes), past its
 * extension headers as ipv6_skip_exthdr() finds them (in the bytes
 * there are, not bounded by the payload length, as the kernel reads
 * an error's quoted packet): its protocol and offset from ip; false
 * where the kernel finds no protocol: a header cut short, NO NEXT
 * HEADER, or a non-first fragment. */
bool qt_ct_ipv6_l4(const uint8_t *ip, uint32_t n, uint8_t *proto,
		   uint32_t *off);
/* The indexed entries whose original tuple has t's source address, port
 * (ICMP: id) and protocol: the first after prev (NULL: the first). */
const struct qt_ct_entry *qt_ct_bysrc_next(const struct qt_ct *ct,
					   const struct qt_ct_tuple *t,
					   const struct qt_ct_entry *prev);

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
 * checked by the ICMP error handler: error; ICMPv6 in IPv6 alike). */
void qt_ct_count_bad_checksum(struct qt_ct *ct, const struct qt_pkt *p);
uint32_t qt_ct_count(const struct qt_ct *ct);
const struct qt_ct_config *qt_ct_config(const struct qt_ct *ct);

/* "NEW", "ESTABLISHED" ... */
const char *qt_ct_state_name(enum qt_ct_state s);

#endif
