/* IPv4 header parsing into struct qt_pkt. */
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
	default:
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
