/* The ICMPv6 tracker, as the kernel's nf_conntrack_proto_icmpv6.c
 * (Linux 6.x): echo and node information queries are pseudo-
 * connections keyed by their identifier (request one way, reply the
 * other); neighbour discovery and MLD are never tracked (UNTRACKED);
 * an error (type below 128: destination unreachable, packet too big,
 * time exceeded, parameter problem, and the unassigned ones) quoting a
 * tracked packet is RELATED to its connection; any other type cannot
 * start one. Only in IPv6: ICMPv6 inside IPv4 is the generic
 * tracker's (conntrack_proto.h). */
#include "conntrack_tracker.h"

#include <netinet/in.h>
#include <string.h>

#include "packet.h"

enum {
	ICMPV6_ECHO_REQUEST = 128,
	ICMPV6_ECHO_REPLY = 129,
	ICMPV6_NI_QUERY = 139,
	ICMPV6_NI_REPLY = 140,
};

/* The reply type of a query type (and back), as the kernel's invmap. */
static int icmpv6_inverse(unsigned type)
{
	switch (type) {
	case ICMPV6_ECHO_REQUEST: return ICMPV6_ECHO_REPLY;
	case ICMPV6_ECHO_REPLY: return ICMPV6_ECHO_REQUEST;
	case ICMPV6_NI_QUERY: return ICMPV6_NI_REPLY;
	case ICMPV6_NI_REPLY: return ICMPV6_NI_QUERY;
	default: return -1;
	}
}

/* The kernel's valid_new: the types that may make an entry. */
static bool icmpv6_valid_new(unsigned type)
{
	return type == ICMPV6_ECHO_REQUEST || type == ICMPV6_NI_QUERY;
}

/* The kernel's noct_valid_new: MLD query, report and done (130-132),
 * router and neighbour solicitation and advertisement (133-136) and
 * the MLDv2 report (143) are left untracked. A redirect (137) is not
 * among them: it is tracked, and cannot start a connection. */
static bool icmpv6_untracked(unsigned type)
{
	return (type >= 130 && type <= 136) || type == 143;
}

static bool icmpv6_tuple(const uint8_t *l4, uint32_t n, struct qt_ct_tuple *t)
{
	/* icmpv6_pkt_to_tuple: the 8-byte header, the identifier field
	 * whatever the type */
	if (n < 8)
		return false;
	t->sport = qt_ct_get16(l4 + 4);
	t->dport = (uint16_t)(l4[0] << 8 | l4[1]);
	return true;
}

static bool icmpv6_invert(const struct qt_ct_tuple *t, struct qt_ct_tuple *out)
{
	int inv = icmpv6_inverse(t->dport >> 8);
	out->sport = t->sport;
	out->dport = inv < 0 ? t->dport
			     : (uint16_t)((unsigned)inv << 8 | (t->dport & 0xff));
	return inv >= 0;
}

/* The quoted packet's transport header (see conntrack.h). */
bool qt_ct_ipv6_l4(const uint8_t *ip, uint32_t n, uint8_t *proto,
		   uint32_t *off)
{
	uint8_t nh = ip[6];
	uint32_t at = 40;
	for (unsigned k = 0;; k++) {
		if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING &&
		    nh != IPPROTO_FRAGMENT && nh != IPPROTO_AH &&
		    nh != IPPROTO_DSTOPTS && nh != IPPROTO_NONE)
			break;
		if (nh == IPPROTO_NONE || k == QT_PKT_MAX_EXTHDRS || at + 8 > n)
			return false;
		const uint8_t *h = ip + at;
		uint32_t hlen;
		if (nh == IPPROTO_FRAGMENT) {
			if (qt_ct_get16(h + 2) & ~7u)
				return false;
			hlen = 8;
		} else if (nh == IPPROTO_AH) {
			hlen = ((uint32_t)h[1] + 2) << 2;
		} else {
			hlen = ((uint32_t)h[1] + 1) << 3;
		}
		nh = h[0];
		at += hlen;
	}
	if (at > n)
		return false;
	*proto = nh;
	*off = at;
	return true;
}

/* nf_conntrack_icmpv6_error(): neighbour discovery and MLD are left
 * untracked; queries (128 and up) are tracked as usual; an error is
 * taken apart down to the packet it quotes (the IPv6 header after the
 * 8-byte ICMPv6 header), whose tuple the table makes with that
 * protocol's tracker (nf_conntrack_inet_error). */
static enum qt_ct_error icmpv6_error(const struct qt_pkt *p,
				     const struct qt_ct_tuple *t,
				     struct qt_ct_quote *q)
{
	unsigned type = t->dport >> 8;
	if (icmpv6_untracked(type))
		return QT_CT_ERR_UNTRACKED;
	if (type >= 128)
		return QT_CT_ERR_NONE;
	const uint8_t *ip = p->l4 + 8;
	uint32_t n = p->l4_len - 8;
	uint8_t proto;
	uint32_t off;
	if (n < 40 || !qt_ct_ipv6_l4(ip, n, &proto, &off))
		return QT_CT_ERR_BAD;
	memcpy(q->src.b, ip + 8, 16);
	memcpy(q->dst.b, ip + 24, 16);
	q->ip6 = 1;
	q->proto = proto;
	q->l4 = ip + off;
	q->l4_len = n - off;
	return QT_CT_ERR_QUOTES;
}

static struct qt_ct_step icmpv6_packet(struct qt_ct_entry *e,
				       const struct qt_pkt *p,
				       enum qt_ct_dir dir,
				       const struct qt_ct_config *c,
				       uint64_t now)
{
	(void)p;
	(void)dir;
	(void)now;
	/* "invalid new type": an entry only for a query the kernel lets
	 * start one; a lone reply or another type is INVALID */
	if (!(e->status & QT_IPS_CONFIRMED) &&
	    !icmpv6_valid_new(e->t[QT_CT_ORIG].dport >> 8))
		return qt_ct_step(QT_CT_TRACK_INVALID, QT_CT_TIMEOUT_KEEP);
	return qt_ct_step(QT_CT_TRACK_OK, c->to.icmpv6);
}

static struct qt_ct_step icmpv6_new(struct qt_ct_entry *e,
				    const struct qt_pkt *p,
				    const struct qt_ct_config *c, uint64_t now)
{
	return icmpv6_packet(e, p, QT_CT_ORIG, c, now);
}

static bool always(const struct qt_pkt *p)
{
	(void)p;
	return true;
}

const struct qt_ct_proto qt_ct_proto_icmpv6 = {
	.num = IPPROTO_ICMPV6, .name = "icmpv6", .errors_first = true,
	.tuple = icmpv6_tuple, .invert = icmpv6_invert, .error = icmpv6_error,
	.checksummed = always,
	.new_conn = icmpv6_new, .packet = icmpv6_packet,
};
