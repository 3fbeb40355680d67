/* ipv6_find_hdr() over the chain util/packet.c recorded. */
#include "ip6_exthdr.h"

uint32_t qt_ip6_end(const struct qt_pkt *p)
{
	return p->ip_len < p->len ? p->ip_len : p->len;
}

enum qt_ip6_find qt_ip6_find_hdr(const struct qt_pkt *p, uint8_t type,
				 uint32_t *off)
{
	if (p->family != AF_INET6)
		return QT_IP6_NOENT;
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
