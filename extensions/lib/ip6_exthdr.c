/* ipv6_find_hdr() over the chain util/packet.c recorded. */
#include "ip6_exthdr.h"

uint32_t qt_ip6_end(const struct qt_pkt *p)
{
	return p->ip_len < p->len ? p->ip_len : p->len;
}

/* ipv6_find_hdr(target, no flags) over the packet's bytes, for a chain
 * that runs past the payload: the kernel reads each header's first
 * bytes only (a routing header's 4, a fragment header's offset) and goes
 * on by the length they give; a read past the payload fails (-EBADMSG). */
static enum qt_ip6_find find_malformed(const struct qt_pkt *p, uint8_t type,
				       uint32_t *off)
{
	uint32_t end = qt_ip6_end(p), start = 40;
	uint8_t nh = p->data[6];
	for (unsigned i = 0; i < 256; i++) {
		if (nh == type) {
			*off = start;
			return QT_IP6_FOUND;
		}
		if ((nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING &&
		     nh != IPPROTO_FRAGMENT && nh != IPPROTO_AH &&
		     nh != IPPROTO_DSTOPTS) || nh == IPPROTO_NONE)
			return QT_IP6_NOENT;
		uint32_t need = nh == IPPROTO_ROUTING || nh == IPPROTO_FRAGMENT
				? 4 : 2;
		if (start + need > end)
			return QT_IP6_BADMSG;
		const uint8_t *h = p->data + start;
		uint32_t hlen;
		if (nh == IPPROTO_FRAGMENT) {
			if ((h[2] << 8 | h[3]) & ~0x7)
				return QT_IP6_NOENT;
			hlen = 8;
		} else if (nh == IPPROTO_AH) {
			hlen = qt_ip6_authlen(h);
		} else {
			hlen = qt_ip6_optlen(h);
		}
		nh = h[0];
		start += hlen;
	}
	return QT_IP6_BADMSG;
}

enum qt_ip6_find qt_ip6_find_hdr(const struct qt_pkt *p, uint8_t type,
				 uint32_t *off)
{
	if (p->family != AF_INET6)
		return QT_IP6_NOENT;
	if (p->exthdr_bad)
		return find_malformed(p, type, off);
	for (unsigned i = 0; i < p->nexthdrs && i < QT_PKT_MAX_EXTHDRS; i++)
		if (p->exthdr[i].type == type) {
			*off = p->exthdr[i].off;
			return QT_IP6_FOUND;
		}
	/* The walk stopped where the copy ended: the kernel, which has
	 * the whole packet, would have gone on; what it would have found
	 * is unknown, and a header it cannot read makes it drop. A
	 * non-first fragment ends the walk with the header unfound. */
	if (p->exthdr_cut && !(p->frag_hdr && p->frag_off))
		return QT_IP6_BADMSG;
	return QT_IP6_NOENT;
}

uint32_t qt_ip6_chain_copy_need(const struct qt_ext_inst *in)
{
	(void)in;
	return QT_IP6_CHAIN_COPY;
}
