/* Rewriting packets from their connection's NAT bindings, as the
 * kernel's nf_nat_proto.c does (see nat.h).
 *
 * Checksums are updated incrementally (a checksum that was wrong stays
 * wrong by the same amount, as in the kernel); a UDP checksum of 0 (none)
 * stays 0 and an update giving 0 is written 0xffff. A packet the queue
 * marked "checksum not ready" (NFQA_SKB_CSUMNOTREADY: the kernel's
 * CHECKSUM_PARTIAL, the transport checksum field holding only the
 * pseudo-header's sum) is where the kernel would only adjust that
 * partial sum for the new addresses; but a packet handed back with a
 * verdict is marked as having no checksum at all (nfqnl_mangle sets
 * CHECKSUM_NONE, as extensions/TCPMSS.c found), so the whole transport
 * checksum is computed here instead, over the segment, which the copy
 * then must hold. */
#include "nat.h"

#include <string.h>

#include "crc32.h"
#include "csum.h"

#define ICMP_ECHOREPLY 0
#define ICMP_REDIRECT 5
#define ICMP_ECHO 8
#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY 129
#define NDISC_REDIRECT 137

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* icmp_manip_pkt: only the query types carry an id. */
static bool icmp_has_id(uint8_t type)
{
	switch (type) {
	case 0: case 8: case 13: case 14: case 15: case 16: case 17: case 18:
		return true;
	default:
		return false;
	}
}

/* ICMPv6's: the echo request and reply only. */
static bool icmp6_has_id(uint8_t type)
{
	return type == ICMPV6_ECHO_REQUEST || type == ICMPV6_ECHO_REPLY;
}

/* inet_proto_csum_replace4/16: a checksum covering an address (an
 * IPv4 header's, or a pseudo-header's) when it changes from -> to,
 * alen bytes of it. */
static void csum_replace_addr(uint8_t *check, const uint8_t *from,
			      const uint8_t *to, size_t alen)
{
	for (size_t i = 0; i < alen; i += 4)
		qt_csum_replace4(check, from + i, to + i);
}

/* What the rewrite needs of an IP header: the address the manip
 * changes, where the transport header starts (from the IP header),
 * whether there is one of the tuple's protocol, and the packet's
 * length by its header. */
struct ip_view {
	uint8_t *addr;
	size_t alen;
	uint32_t l4off;
	uint32_t tot;
	bool l4;
};

/* false: the header is not here whole. The kernel sees fragments
 * reassembled; a later fragment has no transport header to rewrite. */
static bool view_ipv4(uint8_t *ip, uint32_t avail, enum qt_nat_manip m,
		      struct ip_view *v)
{
	if (avail < 20)
		return false;
	uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	if (ihl < 20 || avail < ihl)
		return false;
	v->addr = ip + (m == QT_NAT_MANIP_SRC ? 12 : 16);
	v->alen = 4;
	v->l4off = ihl;
	v->tot = get16(ip + 2);
	v->l4 = (get16(ip + 6) & 0x1fff) == 0;
	return true;
}

/* nf_nat_ipv6_manip_pkt finds the transport header past the extension
 * headers (a non-first fragment has none: only the address changes). */
static bool view_ipv6(uint8_t *ip, uint32_t avail, enum qt_nat_manip m,
		      uint8_t proto, struct ip_view *v)
{
	if (avail < 40)
		return false;
	v->addr = ip + (m == QT_NAT_MANIP_SRC ? 8 : 24);
	v->alen = 16;
	v->tot = 40 + (uint32_t)get16(ip + 4);
	uint8_t p;
	v->l4off = 0;
	v->l4 = qt_ct_ipv6_l4(ip, avail, &p, &v->l4off) && p == proto;
	return true;
}

/* nf_nat_ipv4_manip_pkt and nf_nat_ipv6_manip_pkt: the transport
 * header's port (or echo id) and the address, with the checksums that
 * cover them. The families differ only in where the header puts
 * things (struct ip_view), in IPv4's header checksum, and in ICMPv6's
 * checksum covering the pseudo-header as TCP's and UDP's do. */
bool qt_nat_manip_pkt(uint8_t *data, uint32_t len, uint32_t iphoff,
		      const struct qt_ct_tuple *target, enum qt_nat_manip m,
		      bool partial, bool *changed)
{
	*changed = false;
	if (len <= iphoff)
		return false;
	uint8_t *ip = data + iphoff;
	uint32_t avail = len - iphoff;
	bool v6 = ip[0] >> 4 == 6;
	uint8_t proto = target->proto;
	struct ip_view v;
	if (!(v6 ? view_ipv6(ip, avail, m, proto, &v)
		 : view_ipv4(ip, avail, m, &v)))
		return false;
	uint8_t *addr = v.addr;
	const uint8_t *naddr = m == QT_NAT_MANIP_SRC ? target->src.b
						     : target->dst.b;
	uint16_t nport = m == QT_NAT_MANIP_SRC ? target->sport : target->dport;
	unsigned poff = m == QT_NAT_MANIP_SRC ? 0 : 2;
	bool addr_changes = memcmp(addr, naddr, v.alen) != 0;
	uint8_t *th = ip + v.l4off;
	/* the bytes of the transport header here */
	uint32_t room = v.l4 ? avail - v.l4off : 0;
	/* the segment, for checksums computed whole (an outer packet) */
	bool seg_whole = v.l4 && iphoff == 0 && v.tot >= v.l4off &&
			 len >= v.tot;
	uint32_t seg = seg_whole ? v.tot - v.l4off : 0;

	switch (v.l4 ? proto : 0) {
	case IPPROTO_TCP: {
		/* a quoted header may have only its first 8 bytes: ports,
		 * but no checksum to update */
		bool full = room >= 20;
		if (room < 8)
			return false;
		if (partial && (!full || !seg_whole))
			return false;
		uint16_t op = get16(th + poff);
		if (op == nport && !addr_changes)
			break;
		put16(th + poff, nport);
		*changed = true;
		/* partial: made whole below, once the address is in */
		if (!full || partial)
			break;
		csum_replace_addr(th + 16, addr, naddr, v.alen);
		qt_csum_replace2(th + 16, op, nport);
		break;
	}
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE: {
		if (room < 8)
			return false;
		/* UDP-Lite always has a checksum, UDP's 0 means none */
		bool csum = proto == IPPROTO_UDPLITE || get16(th + 6);
		if (partial && csum && !seg_whole)
			return false;
		uint16_t op = get16(th + poff);
		if (op == nport && !addr_changes)
			break;
		put16(th + poff, nport);
		*changed = true;
		if (!csum || partial)
			break;
		csum_replace_addr(th + 6, addr, naddr, v.alen);
		qt_csum_replace2(th + 6, op, nport);
		if (!get16(th + 6))
			put16(th + 6, 0xffff);
		break;
	}
	case IPPROTO_DCCP: {
		/* the checksum at 6 covers a pseudo-header as TCP's; only
		 * with the 12-byte generic header here */
		if (room < 8)
			return false;
		uint16_t op = get16(th + poff);
		if (op == nport && !addr_changes)
			break;
		put16(th + poff, nport);
		*changed = true;
		if (room < 12)
			break;
		csum_replace_addr(th + 6, addr, naddr, v.alen);
		qt_csum_replace2(th + 6, op, nport);
		break;
	}
	case IPPROTO_SCTP: {
		/* a CRC32c over the whole packet, not an Internet checksum:
		 * computed again when the header (and so the packet) is
		 * here whole */
		if (room < 8)
			return false;
		uint16_t op = get16(th + poff);
		if (op == nport)
			break;
		put16(th + poff, nport);
		*changed = true;
		if (room >= 12 && seg_whole && !partial) {
			memset(th + 8, 0, 4);
			uint32_t c = qt_crc32c(0, th, seg);
			th[8] = (uint8_t)c;
			th[9] = (uint8_t)(c >> 8);
			th[10] = (uint8_t)(c >> 16);
			th[11] = (uint8_t)(c >> 24);
		}
		break;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		/* each family's own ICMP only */
		if ((proto == IPPROTO_ICMPV6) != v6)
			break;
		if (room < 8)
			return false;
		/* ICMPv6's checksum covers the pseudo-header's address */
		if (v6 && addr_changes) {
			csum_replace_addr(th + 2, addr, naddr, v.alen);
			*changed = true;
		}
		if (!(v6 ? icmp6_has_id(th[0]) : icmp_has_id(th[0])))
			break;
		uint16_t oid = get16(th + 4), nid = target->sport;
		if (oid == nid)
			break;
		qt_csum_replace2(th + 2, oid, nid);
		put16(th + 4, nid);
		*changed = true;
		break;
	}
	default:
		break;
	}

	if (addr_changes) {
		if (!v6)
			csum_replace_addr(ip + 10, addr, naddr, v.alen);
		memcpy(addr, naddr, v.alen);
		*changed = true;
	}
	if (partial && *changed && seg_whole) {
		if (proto == IPPROTO_TCP && seg >= 20)
			qt_csum_l4_whole(ip, th, seg, IPPROTO_TCP, 16, false);
		else if ((proto == IPPROTO_UDP || proto == IPPROTO_UDPLITE) &&
			 seg >= 8 && (proto == IPPROTO_UDPLITE || get16(th + 6)))
			qt_csum_l4_whole(ip, th, seg, proto, 6, true);
	}
	return true;
}

/* The packet's length as far as the copy holds it. */
static uint32_t pkt_bytes(const struct qt_eval *ev)
{
	return ev->pkt.ip_len && ev->pkt.ip_len < ev->len ? ev->pkt.ip_len
							  : ev->len;
}

static void rewritten(struct qt_eval *ev)
{
	ev->rewritten = true;
	ev->csum_not_ready = false;
	if (ev->pkt.family == AF_INET6)
		qt_pkt_parse_ipv6(&ev->pkt, ev->data, ev->len);
	else
		qt_pkt_parse_ipv4(&ev->pkt, ev->data, ev->len);
}

/* Whether the binding of this manip applies to a packet of direction
 * dir: a source binding rewrites the original direction's source at
 * the source hooks, and the reply's destination at the destination
 * hooks (the kernel's statusbit ^ IPS_NAT_MASK). */
static bool binding_applies(const struct qt_ct_entry *e, enum qt_ct_dir dir,
			    enum qt_nat_manip m)
{
	uint32_t bit = m == QT_NAT_MANIP_SRC ? QT_IPS_SRC_NAT : QT_IPS_DST_NAT;
	if (dir == QT_CT_REPLY)
		bit ^= QT_IPS_NAT_MASK;
	return e->status & bit;
}

/* One's complement sums of 16-bit words, folded. */
static uint16_t oc_add(uint32_t a, uint32_t b)
{
	uint32_t x = a + b;
	while (x >> 16)
		x = (x & 0xffff) + (x >> 16);
	return (uint16_t)x;
}

static uint16_t field_sum(const uint8_t *p, size_t n)
{
	uint32_t x = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		x = oc_add(x, get16(p + i));
	return (uint16_t)x;
}

/* The kernel's nft_payload checksum update of a field whose words
 * summed fsum and now sum tsum: a whole checksum as nft_csum_replace
 * does it (a result of 0 written 0xffff), a partial one (only the
 * pseudo-header's sum, CHECKSUM_PARTIAL) as nft_payload_l4csum_update
 * does it. */
static void nft_csum(uint8_t *csum, uint16_t fsum, uint16_t tsum,
		     bool partial)
{
	uint16_t sum = get16(csum);
	if (partial) {
		sum = oc_add(oc_add(sum, (uint16_t)~fsum), tsum);
	} else {
		sum = (uint16_t)~oc_add(oc_add((uint16_t)~sum, (uint16_t)~fsum),
					tsum);
		if (sum == 0)
			sum = 0xffff;
	}
	put16(csum, sum);
}

/* The packet as the kernel's maps will leave it (io/nat_offload.h:
 * `ip daddr set ...` then `tcp dport set ...`), checksums as nft
 * computes them, so that the walk and the connection table's memory
 * of the packet at its later hooks see the bytes the kernel hands on:
 * the address, its IPv4 header checksum and the transport checksum
 * over the pseudo-header (a UDP one only when not 0), then the port
 * and the transport checksum (a whole one only). A new port in a UDP
 * packet whose checksum is 0 sets *udp0 and changes nothing: the
 * kernel would write a checksum there. false: no transport header. */
static bool kernel_view(struct qt_eval *ev, const struct qt_ct_tuple *target,
			enum qt_nat_manip m, bool *changed, bool *udp0)
{
	struct qt_pkt *p = &ev->pkt;
	*changed = false;
	uint8_t proto = target->proto;
	uint32_t need = proto == IPPROTO_TCP ? 20 : 8;
	if (!p->l4_ok || !p->l4 || p->l4_len < need)
		return false;
	uint8_t *l4 = ev->data + (p->l4 - ev->data);
	uint8_t *l4sum = l4 + (proto == IPPROTO_TCP ? 16 : 6);
	bool partial = ev->csum_not_ready;
	bool v6 = p->family == AF_INET6;
	bool src = m == QT_NAT_MANIP_SRC;
	uint8_t *port = l4 + (src ? 0 : 2);
	uint16_t np = src ? target->sport : target->dport;
	if (proto == IPPROTO_UDP && get16(port) != np && !get16(l4sum) &&
	    !partial) {
		*udp0 = true;
		return true;
	}
	size_t alen = v6 ? 16 : 4;
	uint8_t *addr = ev->data + (v6 ? (src ? 8 : 24) : (src ? 12 : 16));
	const uint8_t *na = src ? target->src.b : target->dst.b;
	if (memcmp(addr, na, alen)) {
		uint16_t fsum = field_sum(addr, alen), tsum = field_sum(na, alen);
		if (!v6)
			nft_csum(ev->data + 10, fsum, tsum, false);
		if (proto == IPPROTO_TCP || get16(l4sum) || partial)
			nft_csum(l4sum, fsum, tsum, partial);
		memcpy(addr, na, alen);
		*changed = true;
	}
	if (get16(port) != np) {
		uint8_t nb[2] = { (uint8_t)(np >> 8), (uint8_t)np };
		if (!partial)
			nft_csum(l4sum, field_sum(port, 2), field_sum(nb, 2),
				 false);
		put16(port, np);
		*changed = true;
	}
	return true;
}

/* Is the packet's rewrite the kernel's (io/nat_offload.h)? Its
 * connection's rewrites are in the kernel's maps, and the packet is no
 * fragment: the kernel's maps are keyed by ports, which a later
 * fragment lacks, and the kernel leaves a fragment's transport
 * checksum alone. */
static bool offloaded(const struct qt_ct_entry *e, const struct qt_pkt *p)
{
	return (e->status & QT_CTS_OFFLOADED) && !p->frag_off &&
	       !p->more_frags && !p->frag_hdr;
}

/* A packet rewritten here (its connection not offloaded yet) next
 * meets the kernel's maps (io/nat_offload.h) with its new tuple. That
 * is no key of them, unless an offloaded connection's packets arrive
 * at this hook looking the same: the same client port sent to the
 * address this one is translated to, and translated too. That
 * connection's rewrites go back to user space (and out of the maps
 * before this verdict), so no packet is rewritten twice. Only the
 * key of a manip that comes first in its direction is a tuple of the
 * table (a source map's key after a destination manip is none): a
 * DNAT and SNAT of one direction meeting so would need a client
 * mapped to its own address and port. */
static void revoke_meeting(struct qt_eval *ev, const struct qt_ct_entry *e,
			   enum qt_ct_dir dir, enum qt_nat_manip m,
			   const struct qt_ct_tuple *target)
{
	struct qt_ct *ct = ev->ct_shard;
	/* the maps hold TCP and UDP keys only */
	if (!ct || (e->t[dir].proto != IPPROTO_TCP &&
		    e->t[dir].proto != IPPROTO_UDP))
		return;
	/* the packet as it leaves: at a destination hook its tuple with
	 * the new destination; at a source hook with both */
	struct qt_ct_tuple now = e->t[dir];
	if (m == QT_NAT_MANIP_SRC && binding_applies(e, dir, QT_NAT_MANIP_DST)) {
		now.dst = target->dst;
		now.dport = target->dport;
	}
	if (m == QT_NAT_MANIP_SRC) {
		now.src = target->src;
		now.sport = target->sport;
	} else {
		now.dst = target->dst;
		now.dport = target->dport;
	}
	enum qt_ct_dir xd;
	struct qt_ct_entry *x = qt_ct_find(ct, &now, &xd);
	if (!x || x == e || !(x->status & QT_CTS_OFFLOADED) ||
	    !binding_applies(x, xd, m) ||
	    (m == QT_NAT_MANIP_SRC && binding_applies(x, xd, QT_NAT_MANIP_DST)))
		return;
	qt_ct_offload_revoke(ct, x);
}

int qt_nat_packet(struct qt_eval *ev, enum qt_nat_manip m)
{
	const struct qt_ct_entry *e = ev->ct;
	enum qt_ct_dir dir = (enum qt_ct_dir)ev->ct_dir;
	if (!e || !binding_applies(e, dir, m))
		return QT_XT_ACCEPT;
	/* what the packet must look like: the inverse of the other
	 * direction's tuple */
	struct qt_ct_tuple target;
	qt_ct_invert(&e->t[!dir], &target);
	bool changed;
	if (offloaded(e, &ev->pkt)) {
		/* the kernel's maps rewrite the packet itself after this
		 * hook's verdict: the walk sees it as it will be, and the
		 * verdict carries nothing */
		bool udp0 = false;
		if (!kernel_view(ev, &target, m, &changed, &udp0))
			return QT_XT_DROP;
		if (!udp0) {
			if (changed) {
				rewritten(ev);
				ev->kernel_nat = true;
			}
			return QT_XT_ACCEPT;
		}
		/* the kernel would break this UDP checksum of 0 (it updates
		 * it for a new port): the connection is rewritten here */
		qt_ct_offload_revoke(ev->ct_shard, ev->ct);
	}
	/* a copy shorter than the packet cannot be handed back whole */
	if (ev->len < ev->orig_len)
		return QT_XT_DROP;
	revoke_meeting(ev, e, dir, m, &target);
	if (!qt_nat_manip_pkt(ev->data, pkt_bytes(ev), 0, &target, m,
			      ev->csum_not_ready, &changed))
		return QT_XT_DROP;
	if (changed)
		rewritten(ev);
	return QT_XT_ACCEPT;
}

/* The other manip: an error's quoted packet went the other way. */
static enum qt_nat_manip other_manip(enum qt_nat_manip m)
{
	return m == QT_NAT_MANIP_SRC ? QT_NAT_MANIP_DST : QT_NAT_MANIP_SRC;
}

/* The checksum over the ICMP message at icmp (n bytes), and for
 * ICMPv6 the pseudo-header of the IPv6 header at ip, as it is now. */
static uint32_t icmp_sum(const uint8_t *ip, const uint8_t *icmp, uint32_t n,
			 bool v6)
{
	if (!v6)
		return qt_csum_add(0, icmp, n);
	uint32_t s = qt_csum_add(0, ip + 8, 32);
	s += IPPROTO_ICMPV6 + n;
	return qt_csum_add(s, icmp, n);
}

/* nf_nat_icmp_reply_translation and nf_nat_icmpv6_reply_translation:
 * the quoted packet rewritten, the ICMP checksum (for ICMPv6 covering
 * the outer addresses) computed whole after it, then updated with the
 * outer header. */
int qt_nat_icmp_reply(struct qt_eval *ev, enum qt_nat_manip m)
{
	const struct qt_ct_entry *e = ev->ct;
	enum qt_ct_dir dir = (enum qt_ct_dir)ev->ct_dir;
	if (!e)
		return QT_XT_ACCEPT;
	bool v6 = ev->pkt.family == AF_INET6;
	if (v6 && !ev->pkt.l4_ok)
		return QT_XT_DROP;
	uint32_t n = pkt_bytes(ev);
	uint32_t hdrlen = v6 ? (uint32_t)(ev->pkt.l4 - ev->data) : ev->pkt.ihl;
	/* the ICMP header and the quoted IP header must be here */
	if (n < hdrlen + 8 + (v6 ? 40 : 20))
		return QT_XT_DROP;
	uint8_t *icmp = ev->data + hdrlen;
	/* a copy shorter than the packet can neither be verified nor be
	 * handed back whole (the copy range asks for whole packets) */
	bool whole = ev->len >= ev->orig_len;
	/* nf_ip_checksum, nf_ip6_checksum: the kernel verifies the message
	 * before it touches it */
	if (whole &&
	    qt_csum_fold(icmp_sum(ev->data, icmp, n - hdrlen, v6)) != 0xffff)
		return QT_XT_DROP;
	if (icmp[0] == (v6 ? NDISC_REDIRECT : ICMP_REDIRECT)) {
		/* a redirect for a translated (or not yet bound)
		 * connection would send the host elsewhere: dropped */
		uint32_t done = QT_IPS_SRC_NAT_DONE | QT_IPS_DST_NAT_DONE;
		if ((e->status & done) != done || (e->status & QT_IPS_NAT_MASK))
			return QT_XT_DROP;
	}
	if (!binding_applies(e, dir, m))
		return QT_XT_ACCEPT;
	if (!whole)
		return QT_XT_DROP;
	/* the quoted packet went the other way: it gets the other
	 * direction's tuple by the other manip */
	bool ch;
	if (!qt_nat_manip_pkt(ev->data, n, hdrlen + 8, &e->t[!dir],
			      other_manip(m), false, &ch))
		return QT_XT_DROP;
	put16(icmp + 2, 0);
	put16(icmp + 2, (uint16_t)~qt_csum_fold(icmp_sum(ev->data, icmp,
							  n - hdrlen, v6)));
	/* the outer header as a reply to what was sent */
	struct qt_ct_tuple target;
	qt_ct_invert(&e->t[!dir], &target);
	target.proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	if (!qt_nat_manip_pkt(ev->data, n, 0, &target, m, false, &ch))
		return QT_XT_DROP;
	rewritten(ev);
	return QT_XT_ACCEPT;
}
