/* NAT offload: the kernel rewrites the packets of connections qtablesd
 * has bound, from maps qtablesd fills.
 *
 * Without it a translated packet's verdict must carry the whole packet
 * (the kernel trims a queued packet to the length handed back), so
 * every packet of a translated flow is copied to user space and back
 * and its verdict leaves the batch. With it, qtablesd's own nft table
 * (QT_NATOFF_TABLE, families ip and ip6) holds, per family, two verdict
 * maps keyed by a packet's tuple (source and destination address,
 * protocol, ports: the concatenation `saddr . daddr . l4proto . sport .
 * dport`), dst_vmap and src_vmap, and base chains at the NAT hooks, at
 * a priority after the steering's queue (mangle, -150), whose one rule
 * looks the packet up there (`... vmap @dst_vmap`): one key build and
 * one lookup a hook, for any protocol (an ICMP packet's tuple is no
 * key). Destinations at PREROUTING (-100) and OUTPUT (-100, a route
 * chain: a new destination is routed again), sources at POSTROUTING
 * (100) and INPUT (100), where engine/nat.c rewrites each direction.
 * An element's verdict is a goto to a target chain named by what it
 * writes (d_udp_10.0.2.2_80: `ip daddr set 10.0.2.2 udp dport set 80`,
 * statelessly; the kernel fixes the IP and transport checksums), made
 * when an element first needs it and deleted with its last element,
 * all in nft's own expressions, so that nft lists the table and its
 * listing loads back. A service's side (the destination of the
 * original direction, the source of the reply) writes address and
 * port as constants; a client's side (the source of the original
 * direction, the destination of the reply) writes its address as a
 * constant and, only when the binding changes the port, the port from
 * a port map (dst_port, src_port) keyed by the tuple with the new
 * address in it: a chain per client address, not per connection.
 * A packet whose tuple is no key passes unchanged: so does a packet
 * qtablesd rewrote itself (its tuple is the translated one), so no
 * packet is rewritten twice whichever of the two did it.
 *
 * Lifecycle (daemon/datapath.c, one context per queue thread, used
 * under its connection table's lock): a connection whose bindings are
 * complete (confirmed, both manips done, translated, TCP or UDP) is
 * marked QT_CTS_OFFLOAD_PENDING at its packet's verdict
 * (qt_natoff_want); the burst's additions go to the kernel in one
 * nfnetlink batch (the target chains no element used yet made first,
 * then one NFT_MSG_NEWSETELEM per map) at the burst's end
 * (qt_natoff_sync). Once the kernel acknowledged them the entry is
 * QT_CTS_OFFLOADED and its packets, still queued and judged, are
 * rewritten for the walk only (engine/nat_pkt.c) and get plain,
 * batchable accepts; until then they are rewritten here as before. A
 * batch the kernel refuses marks its connections QT_CTS_OFFLOAD_NO
 * (rewritten here for good). An offloaded entry that goes (expiry,
 * delete, flush, MASQUERADE forget) has its elements queued for
 * removal (qt_natoff_forget, the table's forget hook), sent before the
 * next verdict the thread gives, with the chains they were the last
 * users of (the elements' removal first: the kernel refuses to delete
 * a chain an element jumps to). The chains are counted per process,
 * across the threads' contexts, under one lock that also orders their
 * batches. The table is made anew (empty) at
 * start, refilled from the connections a handover brought, and
 * deleted at stop and handover. */
#ifndef QT_NAT_OFFLOAD_H
#define QT_NAT_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conntrack.h"

#define QT_NATOFF_TABLE "qtables_nat"
#define QT_NATOFF_NFT "/usr/sbin/nft"

enum qt_natoff_map {
	QT_NATOFF_DST, QT_NATOFF_DST_PORT,    /* dst_vmap, dst_port */
	QT_NATOFF_SRC, QT_NATOFF_SRC_PORT,    /* src_vmap, src_port */
	QT_NATOFF_NMAPS
};

/* The maps' names, as the table's script declares them. */
const char *qt_natoff_map_name(enum qt_natoff_map m);

/* The longest key: two IPv6 addresses, protocol and ports, each field
 * padded to the kernel's 4-byte registers. */
#define QT_NATOFF_KEY_MAX 44
/* At most an element per map and direction. */
#define QT_NATOFF_ELEMS_MAX 8

/* What a target chain writes after the address. */
enum qt_natoff_write {
	QT_NATOFF_W_ADDR,          /* the address alone */
	QT_NATOFF_W_PORT,          /* and the port, a constant */
	QT_NATOFF_W_PORTMAP,       /* and the port from the port map */
};

/* A target chain: its name and its rule follow from these. */
struct qt_natoff_chain {
	uint8_t ip6, proto, dst;
	uint8_t write;             /* enum qt_natoff_write */
	uint8_t addr[16];
	uint16_t port;             /* QT_NATOFF_W_PORT's (host order) */
};

/* "d_udp_10.0.2.2_80", "s_tcp_fd00-1--2_pmap": direction, protocol,
 * the address (an IPv6 one with '-' for ':', which nft's identifiers
 * do not take), the constant port or "pmap" for the port map. */
#define QT_NATOFF_CHAIN_NAME 64
void qt_natoff_chain_name(const struct qt_natoff_chain *c, char *buf,
			  size_t len);

struct qt_natoff_elem {
	uint8_t map;               /* enum qt_natoff_map */
	uint8_t ip6;
	uint8_t klen, vlen;        /* bytes of key and value */
	uint8_t key[QT_NATOFF_KEY_MAX];
	uint8_t val[2];            /* a port map's port */
	struct qt_natoff_chain chain;   /* a verdict map's target */
};

/* Can e's rewrites go to the kernel: TCP or UDP, confirmed, both
 * bindings made and at least one translating, not marked already? */
bool qt_natoff_eligible(const struct qt_ct_entry *e);
/* e's elements, both directions (none for a binding that changes
 * nothing); returns how many (<= QT_NATOFF_ELEMS_MAX). */
unsigned qt_natoff_elems(const struct qt_ct_entry *e,
			 struct qt_natoff_elem *out);

/* The nft script that makes the table of a family anew (empty), or,
 * install false, deletes it (whether or not it is there). Returns
 * the length, or -1 when it does not fit. */
int qt_natoff_script(bool ip6, bool install, char *buf, size_t len);
/* Run it through nft (QT_NATOFF_NFT): 0, or -1 with nft's message. */
int qt_natoff_table(const char *nft, bool ip6, bool install, char *err,
		    size_t errlen);

/* Delete the table of both families, in one nft run, when either is
 * there (asked over netlink first: no nft process when none is): what
 * a daemon that was killed left. */
int qt_natoff_remove_all(const char *nft, char *err, size_t errlen);

/* One nfnetlink batch in buf: adding, the chains ch[0..nch) made
 * (NFT_MSG_NEWCHAIN and NFT_MSG_NEWRULE each) and then
 * NFT_MSG_NEWSETELEM of el[0..n); removing, NFT_MSG_DELSETELEM of
 * el[0..n) and then NFT_MSG_DELCHAIN of ch[0..nch). One message per
 * family and map holding its elements, each message asking for an
 * acknowledgement, with sequence numbers from seq. Returns the bytes
 * (0: does not fit, or nothing to send) and the messages through
 * *nmsg. */
size_t qt_natoff_batch(uint8_t *buf, size_t cap, uint32_t seq, bool add,
		       const struct qt_natoff_chain *ch, unsigned nch,
		       const struct qt_natoff_elem *el, unsigned n,
		       unsigned *nmsg);

struct qt_natoff;

/* A context for the connection table ct (its lock held when any of
 * the calls below is made, but open and close): a netlink socket and
 * the pending changes; for the families whose table is installed. It
 * sets ct's forget hook. NULL with a message in err. */
struct qt_natoff *qt_natoff_open(struct qt_ct *ct, bool ip4, bool ip6,
				 char *err, size_t errlen);
void qt_natoff_close(struct qt_natoff *o);

/* The verdict of a packet of e was accept: mark e pending if it can be
 * offloaded and there is room in this burst's batch. */
void qt_natoff_want(struct qt_natoff *o, struct qt_ct_entry *e);
/* The forget hook: e (offloaded) is going; its elements are removed
 * before the next verdict (qt_natoff_sync_forgets). */
void qt_natoff_forget(const struct qt_ct_entry *e, void *o);
/* Whether removals wait: they must reach the kernel before a verdict
 * (a connection made anew with that tuple may not be translated). */
static inline bool qt_natoff_forgets_wait(const struct qt_natoff *o);
/* Send the removals that wait. 0, or -1 when the kernel refused them:
 * then every map is flushed and every entry of the table taken back
 * to rewriting here. */
int qt_natoff_sync_forgets(struct qt_natoff *o);
/* The removals, then the additions: pending entries still there become
 * offloaded, or, refused, never offloaded. 0, or -1 (refused: logged
 * by the caller once, see qt_natoff_take_error). */
int qt_natoff_sync(struct qt_natoff *o);
/* Every entry of the table that can be offloaded, offloaded now (a
 * handover's connections at start): 0, or -1. */
int qt_natoff_refill(struct qt_natoff *o);

struct qt_natoff_stats {
	uint64_t offloaded, forgotten, refused, batches, flushes;
	/* the time the queue thread spent sending batches and waiting
	 * for their acknowledgements: in all, and the longest one (us) */
	uint64_t wait_us, wait_max_us;
};
const struct qt_natoff_stats *qt_natoff_stats(const struct qt_natoff *o);
/* The first refusal's message since the last call ("" when none). */
const char *qt_natoff_take_error(struct qt_natoff *o);

/* ---- inline ---- */

struct qt_natoff_head {
	unsigned ndel;
};

static inline bool qt_natoff_forgets_wait(const struct qt_natoff *o)
{
	return ((const struct qt_natoff_head *)(const void *)o)->ndel != 0;
}

#endif
