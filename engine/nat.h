/* Network address translation as the kernel's nf_nat does it, on the
 * engine's own connection table.
 *
 * A binding is the connection's reply tuple when it is not the inverse
 * of the original one (as in nf_conntrack): a source binding changes
 * the reply's destination, a destination binding its source. It is made
 * once, by the first packet of a connection (unconfirmed, NEW), at the
 * nat table's hooks: PREROUTING and OUTPUT decide the destination
 * (priority -100), INPUT and POSTROUTING the source (100). The nat
 * table's targets (extensions/NAT.c, NETMAP.c) call qt_nat_setup();
 * a connection no target bound at a hook gets the null binding there
 * (the kernel's nf_nat_alloc_null_binding), which keeps its tuple
 * unless another connection holds its reply (then a free port is
 * chosen). Later packets never walk the nat table again: every packet
 * of the connection, both directions, is rewritten from the binding
 * (qt_nat_packet), and ICMP errors quoting it have both their headers
 * rewritten (qt_nat_icmp_reply).
 *
 * Choosing the new tuple follows get_unique_tuple(): a source mapping
 * keeps the original tuple when it is in the range and free; addresses
 * of a range are chosen by a hash of the source and destination (only
 * the source with --persistent), the kernel's jhash2, so the same
 * client gets the same address as from the kernel; a port (ICMP echo
 * id) is kept when in the range and free, else searched from an offset
 * (0 for a destination mapping, random for a source one and for
 * --random/--random-fully; the shifted port map's distance for
 * DNAT's "/base") over at most 128 candidates, then halving windows from
 * new random offsets. "Free" means the candidate's reply tuple is in no
 * other connection (one hash lookup), so no tuple in use is reused.
 *
 * IPv6 connections (ip6tables' nat table, the IPv6 program's) take the
 * same path: tuples hold 16-byte addresses, a range's addresses are
 * chosen word by word as find_best_ips_proto does for IPv6, and the
 * packet rewriting is nf_nat_ipv6_manip_pkt's (no header checksum; the
 * transport and ICMPv6 checksums cover the addresses).
 *
 * Nothing here allocates or locks: the table is the calling thread's
 * shard, whose lock the burst holds. */
#ifndef QT_NAT_H
#define QT_NAT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "conntrack.h"
#include "eval.h"
#include "ext.h"

enum qt_nat_manip { QT_NAT_MANIP_SRC, QT_NAT_MANIP_DST };

/* The kernel's HOOK2MANIP: POSTROUTING and INPUT map the source. */
static inline enum qt_nat_manip qt_nat_hook_manip(unsigned hook)
{
	return hook == QT_HOOK_POST_ROUTING || hook == QT_HOOK_LOCAL_IN
	       ? QT_NAT_MANIP_SRC : QT_NAT_MANIP_DST;
}

/* Has e its binding for this manip already? */
static inline bool qt_nat_done(const struct qt_ct_entry *e,
			       enum qt_nat_manip m)
{
	return e->status & (m == QT_NAT_MANIP_SRC ? QT_IPS_SRC_NAT_DONE
						   : QT_IPS_DST_NAT_DONE);
}

/* A range of the one address a (IPv6 when ip6), ports and flags as
 * they were: what MASQUERADE, REDIRECT and NETMAP hand on. */
static inline void qt_nat_range_set_addr(struct qt_nat_range *r,
					 const union qt_ct_addr *a, bool ip6)
{
	r->flags |= QT_NAT_MAP_IPS;
	if (ip6) {
		r->family = AF_INET6;
		memcpy(r->min_addr6, a->b, 16);
		memcpy(r->max_addr6, a->b, 16);
	} else {
		r->min_addr = r->max_addr = a->ip;
	}
}

/* nf_nat_setup_info: bind ev's connection (ev->ct, unconfirmed) for m
 * into range r. QT_XT_ACCEPT (also when there is nothing to bind: a
 * confirmed entry, none, a binding made already). */
int qt_nat_setup(struct qt_eval *ev, const struct qt_nat_range *r,
		 enum qt_nat_manip m);
/* The null binding at a nat hook where no target bound. */
int qt_nat_null_binding(struct qt_eval *ev, enum qt_nat_manip m);

/* Rewrite ev's packet at a nat hook from its connection's bindings
 * (nf_nat_packet): QT_XT_ACCEPT, or QT_XT_DROP for a packet that cannot
 * be rewritten (its transport header or, where the checksum must be
 * made whole, its data missing from the copy). Sets ev->rewritten and
 * parses the headers again when something changed. */
int qt_nat_packet(struct qt_eval *ev, enum qt_nat_manip m);
/* An ICMP error RELATED to a connection (nf_nat_icmp_reply_translation):
 * the quoted packet and the outer header rewritten, the ICMP checksum
 * computed again. QT_XT_DROP for a bad ICMP checksum or a redirect
 * quoting a translated connection, as the kernel drops them. */
int qt_nat_icmp_reply(struct qt_eval *ev, enum qt_nat_manip m);

/* The packet rewriting itself (nf_nat_ipv4_manip_pkt, and
 * nf_nat_ipv6_manip_pkt for an IPv6 header there): the IP header at
 * data + iphoff (len bytes at data) gets target's source (SRC) or
 * destination (DST) address and port/id, checksums updated
 * incrementally; full: the transport header is whole here (an ICMP
 * error's quoted header may have only 8 bytes: its checksum is then left
 * alone, as the kernel leaves it); partial: the transport checksum holds
 * only the pseudo-header sum (NFQA_SKB_CSUMNOTREADY) and is made whole
 * over the segment. false: not enough bytes. *changed tells whether a
 * byte changed. */
bool qt_nat_manip_pkt(uint8_t *data, uint32_t len, uint32_t iphoff,
		      const struct qt_ct_tuple *target, enum qt_nat_manip m,
		      bool partial, bool *changed);

/* The choice of the new tuple (get_unique_tuple) for an entry e of
 * table ct whose packets look like *cur now: *out. In the last attempts
 * of a port search it may remove a closing TCP connection that holds
 * a candidate (nf_nat_used_tuple_harder). Exposed for tests. */
void qt_nat_unique_tuple(struct qt_ct *ct, const struct qt_ct_entry *e,
			 const struct qt_ct_tuple *cur,
			 const struct qt_nat_range *r, enum qt_nat_manip m,
			 struct qt_ct_tuple *out);

struct qt_links;
struct qt_addrs_addr;
/* The kernel's masquerade notifiers (nf_nat_masquerade.c): remove from
 * ct (its lock held) the connections MASQUERADE bound to an interface
 * that is down or gone now (l), and those mapped to an address removed
 * from their interface since the last call (gone[0..ngone), pairs of
 * interface and address). A connection mapped to another interface's
 * address, because its own had none, stays while both are up. Returns
 * how many. It walks the table: for the control thread, on a change of
 * the addresses or interfaces. */
unsigned qt_nat_masq_forget(struct qt_ct *ct, const struct qt_links *l,
			    const struct qt_addrs_addr *gone, size_t ngone);

/* The kernel's jhash2 (Bob Jenkins' lookup3 over 32-bit words). */
uint32_t qt_nat_jhash2(const uint32_t *k, uint32_t n, uint32_t initval);
/* The kernel's jhash over len bytes (nft's jhash expression): whole
 * 32-bit words read in the CPU's order, so over 4n bytes it is jhash2
 * of those words. */
uint32_t qt_nat_jhash(const void *key, uint32_t len, uint32_t initval);

/* The random source of port offsets, per thread: seeded from the
 * system's on first use; a fixed seed makes the choices repeatable
 * (qtables-replay, tests). */
void qt_nat_seed(uint64_t seed);
uint16_t qt_nat_random16(void);

#endif
