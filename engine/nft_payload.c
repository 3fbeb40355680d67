/* See nft_payload.h.
 *
 * The kernel (nft_payload_set_eval) sums the bytes it writes before and
 * after, folds the difference into the header's checksum, and for a
 * field of the pseudo-header into the transport checksum too
 * (nft_payload_l4csum_update: TCP, UDP unless its checksum is 0, ICMPv6);
 * nft widens a field that is no even run of bytes to one (ip ttl is
 * written as ttl and protocol) so that the sums are of whole 16-bit
 * words. A transport field of a packet whose checksum is partial
 * (CHECKSUM_PARTIAL) has no checksum update in the kernel: its device
 * completes it later. A packet handed back to the queue loses that
 * state (see nat_pkt.c), so here the whole transport checksum is
 * computed instead, which is what leaves the kernel's device. */
#include "nft_payload.h"

#include <netinet/in.h>
#include <string.h>

#include "csum.h"

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* nft_csum_replace: a whole checksum from the old and new words' sums
 * (0 is written as 0xffff) */
static void csum_replace(uint8_t *check, uint16_t fsum, uint16_t tsum)
{
	uint32_t s = (uint16_t)~get16(check);
	s += (uint16_t)~fsum;
	s += tsum;
	uint16_t c = (uint16_t)~qt_csum_fold(s);
	put16(check, c ? c : 0xffff);
}

/* the transport checksum's offset (nft_payload_l4csum_offset), or -1 */
static int l4_csum_at(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP: return 16;
	case IPPROTO_UDP: return 6;
	case IPPROTO_ICMPV6: return 2;
	default: return -1;
	}
}

int qt_nft_pset_compile(struct qt_nft_pset *ps, const struct nft_stmt *s,
			struct qt_buf *err)
{
	const struct nft_field *f = s->field;
	memset(ps, 0, sizeof(*ps));
	bool ip = !strcmp(f->proto, "ip"), ip6 = !strcmp(f->proto, "ip6");
	bool inet_l4 = !strcmp(f->proto, "tcp") || !strcmp(f->proto, "udp") ||
		       !strcmp(f->proto, "icmp") ||
		       !strcmp(f->proto, "icmpv6");
	if ((!ip && !ip6 && !inet_l4) || s->nelems != 1 ||
	    qt_nft_part_compile(&ps->f, f) < 0 ||
	    (f->bits > 32 && f->bits != 128 && !(f->bits == 32 &&
						  f->offset % 8 == 0)) ||
	    (f->bits > 32 && f->offset % 8)) {
		qt_buf_printf(err, "Error: qtables cannot run %s %s set; ",
			      f->proto, f->name);
		return -1;
	}
	const struct nft_val *v = &s->elems[0].lo;
	unsigned n = (f->bits + 7) / 8;
	if (f->bits > 32) {
		qt_nft_val_fit(ps->val, n, v, false);
	} else {
		uint8_t b[4] = { 0 };
		qt_nft_val_fit(b, n, v, false);
		for (unsigned i = 0; i < n; i++)
			ps->bits = ps->bits << 8 | b[i];
	}
	if (ip) {
		ps->csum = true;
		ps->csum_off = 10;
		ps->pseudo = !strcmp(f->name, "saddr") ||
			     !strcmp(f->name, "daddr") ||
			     !strcmp(f->name, "protocol");
	} else if (ip6) {
		ps->pseudo = !strcmp(f->name, "saddr") ||
			     !strcmp(f->name, "daddr");
	} else {
		ps->csum = true;
		ps->csum_off = !strcmp(f->proto, "tcp") ? 16
			       : !strcmp(f->proto, "udp") ? 6 : 2;
	}
	return 0;
}

bool qt_nft_pset_run(const struct qt_nft_pset *ps, struct qt_eval *ev)
{
	uint8_t cur[NFT_VAL_MAX];
	/* the field's dependencies (family, protocol) and its presence */
	if (!qt_nft_part_load(&ps->f, ev, cur))
		return false;
	struct qt_pkt *p = &ev->pkt;
	bool th = ps->f.src == QT_NFT_SRC_TH;
	/* the transport header where the load found it (AH's, behind AH) */
	uint32_t thlen;
	const uint8_t *t = qt_pkt_th(p, &thlen);
	uint8_t *h = th ? ev->data + (t - ev->data) : ev->data;
	uint32_t hlen = th ? thlen : p->len;
	/* the bytes written: whole 16-bit words of the header */
	unsigned first = ps->f.off, span;
	if (ps->f.bits)
		span = (ps->f.bitoff + ps->f.bits + 7u) / 8u;
	else
		span = ps->f.len;
	unsigned lo = first & ~1u, hi = (first + span + 1u) & ~1u;
	if (hi > hlen || hi - lo > 20)
		return false;
	uint8_t now[20];
	memcpy(now, h + lo, hi - lo);
	uint8_t *at = now + (first - lo);
	if (ps->f.bits) {
		unsigned shift = span * 8u - ps->f.bitoff - ps->f.bits;
		uint32_t mask = (uint32_t)((1ull << ps->f.bits) - 1) << shift;
		uint32_t x = 0;
		for (unsigned i = 0; i < span; i++)
			x = x << 8 | at[i];
		x = (x & ~mask) | (ps->bits << shift & mask);
		for (unsigned i = 0; i < span; i++)
			at[span - 1 - i] = (uint8_t)(x >> (8 * i));
	} else if (ps->f.len > 4) {
		memcpy(at, ps->val, ps->f.len);
	} else {
		for (unsigned i = 0; i < ps->f.len; i++)
			at[ps->f.len - 1 - i] = (uint8_t)(ps->bits >> (8 * i));
	}
	if (!memcmp(now, h + lo, hi - lo))
		return true;
	uint16_t fsum = qt_csum_fold(qt_csum_add(0, h + lo, hi - lo));
	uint16_t tsum = qt_csum_fold(qt_csum_add(0, now, hi - lo));
	bool partial = ev->csum_not_ready;
	bool full_l4 = false;
	int l4at = p->l4_ok && p->l4 ? l4_csum_at(p->proto) : -1;
	if (l4at >= 0 && p->l4_len < (uint32_t)l4at + 2)
		l4at = -1;
	if ((ps->csum || ps->pseudo) && (!th || !partial)) {
		if (ps->pseudo && l4at >= 0) {
			uint8_t *l4 = ev->data + (p->l4 - ev->data);
			if (partial)
				full_l4 = true;
			else if (p->proto != IPPROTO_UDP || get16(l4 + l4at))
				csum_replace(l4 + l4at, fsum, tsum);
		}
		if (ps->csum)
			csum_replace(h + ps->csum_off, fsum, tsum);
	}
	if (th && partial)
		full_l4 = true;
	memcpy(h + lo, now, hi - lo);
	ev->rewritten = true;
	/* the segment whole in the copy: its checksum made whole */
	uint32_t l4off = l4at >= 0 ? (uint32_t)(p->l4 - ev->data) : 0;
	uint32_t tot = p->family == AF_INET6 ? 40u + get16(ev->data + 4)
					     : get16(ev->data + 2);
	if (full_l4 && l4at >= 0 && tot <= ev->len && tot >= l4off + 8)
		qt_csum_l4_whole(ev->data, ev->data + l4off, tot - l4off,
				 p->proto, (unsigned)l4at,
				 p->proto == IPPROTO_UDP);
	else
		full_l4 = false;
	ev->csum_not_ready = ev->csum_not_ready && !full_l4;
	if (p->family == AF_INET6)
		qt_pkt_parse_ipv6(p, ev->data, ev->len);
	else
		qt_pkt_parse_ipv4(p, ev->data, ev->len);
	return true;
}
