/* IPv4 and IPv6 header parsing into struct qt_pkt. */
#include "packet.h"

#include <string.h>

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

const char *qt_pkt_status_name(enum qt_pkt_status s)
{
	static const char *const names[] = {
		[QT_PKT_OK] = "ok",
		[QT_PKT_TOO_SHORT] = "too_short",
		[QT_PKT_BAD_VERSION] = "bad_version",
		[QT_PKT_BAD_IHL] = "bad_ihl",
		[QT_PKT_BAD_TOTLEN] = "bad_totlen",
		[QT_PKT_BAD_EXTHDR] = "bad_exthdr",
	};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/* The transport header, if this is the first fragment and it is whole. */
static void parse_l4(struct qt_pkt *p)
{
	const uint8_t *l4 = p->l4;
	uint32_t n = p->l4_len;
	switch (p->proto) {
	case IPPROTO_TCP: {
		if (n < 20)
			return;
		uint8_t doff = (uint8_t)((l4[12] >> 4) * 4);
		if (doff < 20 || doff > n)
			return;
		p->sport = get16(l4);
		p->dport = get16(l4 + 2);
		p->tcp_seq = get32(l4 + 4);
		p->tcp_ack = get32(l4 + 8);
		p->tcp_flags = l4[13];
		p->tcp_window = get16(l4 + 14);
		p->tcp_doff = doff;
		p->payload = l4 + doff;
		p->payload_len = n - doff;
		p->l4_ok = true;
		return;
	}
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		if (n < 8)
			return;
		p->sport = get16(l4);
		p->dport = get16(l4 + 2);
		p->payload = l4 + 8;
		p->payload_len = n - 8;
		p->l4_ok = true;
		return;
	case IPPROTO_SCTP:
		/* the common header; the chunks follow (sctp_chunks.h) */
		if (n < 12)
			return;
		p->sport = get16(l4);
		p->dport = get16(l4 + 2);
		p->sctp_vtag = get32(l4 + 4);
		p->payload = l4 + 12;
		p->payload_len = n - 12;
		p->l4_ok = true;
		return;
	case IPPROTO_ICMP:
		if (n < 8)
			return;
		p->icmp_type = l4[0];
		p->icmp_code = l4[1];
		if (p->icmp_type == 0 || p->icmp_type == 8)
			p->icmp_id = get16(l4 + 4);
		p->payload = l4 + 8;
		p->payload_len = n - 8;
		p->l4_ok = true;
		return;
	case IPPROTO_ICMPV6:
		/* ICMPv6's header only in IPv6: in IPv4 it stays opaque, as
		 * the kernel's IPv4 matches see it */
		if (p->family != AF_INET6)
			goto opaque;
		if (n < 8)
			return;
		p->icmp_type = l4[0];
		p->icmp_code = l4[1];
		if (p->icmp_type == 128 || p->icmp_type == 129)
			p->icmp_id = get16(l4 + 4);
		p->payload = l4 + 8;
		p->payload_len = n - 8;
		p->l4_ok = true;
		return;
	default:
	opaque:
		p->payload = l4;
		p->payload_len = n;
		p->l4_ok = true;
		return;
	}
}

enum qt_pkt_status qt_pkt_parse_ipv4(struct qt_pkt *p, const uint8_t *data,
				     uint32_t len)
{
	memset(p, 0, sizeof(*p));
	p->data = data;
	p->len = len;
	p->family = AF_INET;
	if (len < 20)
		return QT_PKT_TOO_SHORT;
	if ((data[0] >> 4) != 4)
		return QT_PKT_BAD_VERSION;
	p->ihl = (uint8_t)((data[0] & 0x0f) * 4);
	if (p->ihl < 20 || p->ihl > len)
		return QT_PKT_BAD_IHL;
	p->tos = data[1];
	p->ip_len = get16(data + 2);
	/* the queue may copy less than the whole packet: only a total length
	 * below the header is malformed; the rest is truncation */
	if (p->ip_len < p->ihl)
		return QT_PKT_BAD_TOTLEN;
	p->ip_id = get16(data + 4);
	uint16_t fo = get16(data + 6);
	p->dont_frag = fo & 0x4000;
	p->more_frags = fo & 0x2000;
	p->frag_off = fo & 0x1fff;
	p->ttl = data[8];
	p->proto = data[9];
	memcpy(&p->saddr.v4, data + 12, 4);
	memcpy(&p->daddr.v4, data + 16, 4);
	uint32_t end = p->ip_len < len ? p->ip_len : len;
	p->l4 = data + p->ihl;
	p->l4_len = end - p->ihl;
	if (p->frag_off == 0)
		parse_l4(p);
	return QT_PKT_OK;
}

/* The kernel's ipv6_ext_hdr(): the headers ipv6_skip_exthdr() walks
 * over (NO_NEXT_HEADER among them, ending the walk). */
static bool ipv6_ext_hdr(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_FRAGMENT || nh == IPPROTO_AH ||
	       nh == IPPROTO_NONE || nh == IPPROTO_DSTOPTS;
}

/* A chain that runs past the payload length, as nf_tables' walk
 * (ipv6_find_hdr with IP6_FH_F_AUTH) sees it for the rules: it reads
 * only each header's first bytes (2, a routing header's 4) and goes on
 * by the length they give, stopping at AH; the first read past the
 * payload fails (-EBADMSG: no protocol), while a next header that is no
 * extension header is the protocol, with no transport header behind
 * it. nh is the header at off; end the bytes there are to read. */
static void malformed_view(struct qt_pkt *p, const uint8_t *data,
			   uint32_t end, uint32_t off, uint8_t nh)
{
	p->proto = nh;
	if (p->ah_off)
		return;
	for (unsigned i = 0; i <= QT_PKT_MAX_EXTHDRS; i++) {
		if (!ipv6_ext_hdr(nh) || nh == IPPROTO_NONE) {
			p->proto = nh;
			return;
		}
		uint32_t need = nh == IPPROTO_ROUTING ? 4
			      : nh == IPPROTO_FRAGMENT ? 8 : 2;
		if (off + need > end || off > UINT16_MAX ||
		    nh == IPPROTO_FRAGMENT)
			break;
		if (nh == IPPROTO_AH) {
			p->ah_off = (uint16_t)off;
			return;
		}
		const uint8_t *h = data + off;
		off += ((uint32_t)h[1] + 1) << 3;
		nh = h[0];
	}
	p->no_tproto = true;
}

enum qt_pkt_status qt_pkt_parse_ipv6(struct qt_pkt *p, const uint8_t *data,
				     uint32_t len)
{
	memset(p, 0, sizeof(*p));
	p->data = data;
	p->len = len;
	p->family = AF_INET6;
	if (len < 40)
		return QT_PKT_TOO_SHORT;
	if ((data[0] >> 4) != 6)
		return QT_PKT_BAD_VERSION;
	p->ihl = 40;
	p->tos = (uint8_t)((data[0] & 0x0f) << 4 | data[1] >> 4);
	p->flowlabel = get32(data) & 0xfffff;
	uint32_t plen = get16(data + 4);
	uint8_t nh = data[6];
	p->ttl = data[7];
	memcpy(&p->saddr.v6, data + 8, 16);
	memcpy(&p->daddr.v6, data + 24, 16);
	/* a payload length of 0 before a hop-by-hop header is a jumbogram
	 * (RFC 2675): its length is the packet's, as far as we have it */
	p->ip_len = plen || nh != IPPROTO_HOPOPTS ? 40 + plen
						  : (len > 40 ? len : 40);
	uint32_t end = p->ip_len < len ? p->ip_len : len;
	uint32_t off = 40;
	bool first = true;      /* not a non-first fragment */
	while (ipv6_ext_hdr(nh) && nh != IPPROTO_NONE) {
		if (p->nexthdrs == QT_PKT_MAX_EXTHDRS)
			return QT_PKT_BAD_EXTHDR;
		if (off + 8 > p->ip_len) {
			p->exthdr_bad = true;
			malformed_view(p, data, end, off, nh);
			return QT_PKT_BAD_EXTHDR;
		}
		if (off + 8 > end) {
			/* the copy ends here: what follows is unknown */
			p->exthdr_cut = true;
			break;
		}
		const uint8_t *h = data + off;
		uint32_t hlen;
		p->exthdr[p->nexthdrs].type = nh;
		p->exthdr[p->nexthdrs].off = (uint16_t)off;
		p->nexthdrs++;
		if (nh == IPPROTO_FRAGMENT) {
			uint16_t fo = get16(h + 2);
			hlen = 8;
			p->frag_hdr = true;
			p->frag_off = fo >> 3;
			p->more_frags = fo & 1;
			p->frag_id = get32(h + 4);
			if (p->frag_off)
				first = false;
		} else if (nh == IPPROTO_AH) {
			hlen = ((uint32_t)h[1] + 2) << 2;
			if (!p->ah_off)
				p->ah_off = (uint16_t)off;
		} else {
			hlen = ((uint32_t)h[1] + 1) << 3;
		}
		if (off + hlen > p->ip_len) {
			p->exthdr_bad = true;
			malformed_view(p, data, end, off + hlen, h[0]);
			return QT_PKT_BAD_EXTHDR;
		}
		nh = h[0];
		if (!first) {
			/* as ipv6_skip_exthdr: the walk stops at a non-first
			 * fragment, its next header being the protocol; one
			 * that is an extension header is no protocol to
			 * nf_tables (ipv6_find_hdr: -ENOENT) */
			p->no_tproto = ipv6_ext_hdr(nh) && nh != IPPROTO_NONE;
			off += hlen;
			break;
		}
		off += hlen;
		if (off > end) {
			p->exthdr_cut = true;
			break;
		}
	}
	p->proto = nh;
	if (off > end)
		return QT_PKT_OK;
	p->l4 = data + off;
	p->l4_len = end - off;
	if (first && !p->exthdr_cut && nh != IPPROTO_NONE)
		parse_l4(p);
	return QT_PKT_OK;
}

int qt_pkt_exthdr_off(const struct qt_pkt *p, uint8_t type)
{
	for (unsigned i = 0; i < p->nexthdrs && i < QT_PKT_MAX_EXTHDRS; i++)
		if (p->exthdr[i].type == type)
			return p->exthdr[i].off;
	return -1;
}
