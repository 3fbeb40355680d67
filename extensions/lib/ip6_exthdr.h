/* What the IPv6 extension-header matches (frag, hbh, dst, rt, ah, srh)
 * share: finding a header as the kernel's ipv6_find_hdr() does, over
 * the chain util/packet.c walked, and reading its bytes only where the
 * queue's copy has them. */
#ifndef QT_IP6_EXTHDR_H
#define QT_IP6_EXTHDR_H

#include <stdbool.h>
#include <stdint.h>

#include "packet.h"

enum qt_ip6_find {
	QT_IP6_FOUND,
	QT_IP6_NOENT,      /* not in the chain (the kernel's -ENOENT) */
	QT_IP6_BADMSG,     /* the chain could not be read that far: the
	                      copy ends before the header (-EBADMSG, which
	                      the matches answer by dropping the packet) */
};

/* The first header of that type in p's chain: its offset from the IPv6
 * header into *off. As ipv6_find_hdr(), a non-first fragment ends the
 * search (its fragment header is still found). */
enum qt_ip6_find qt_ip6_find_hdr(const struct qt_pkt *p, uint8_t type,
				 uint32_t *off);

/* The bytes of p that may be read: the copy, up to the payload's end
 * (what the kernel calls skb->len). */
uint32_t qt_ip6_end(const struct qt_pkt *p);

/* n bytes at off lie inside what may be read. */
static inline bool qt_ip6_have(const struct qt_pkt *p, uint32_t off,
			       uint32_t n)
{
	return off + n <= qt_ip6_end(p) && off + n >= off;
}

/* What the queue must copy of each packet for a match that reads the
 * header chain: RFC 8200's minimum link MTU, within which RFC 7112
 * wants a first fragment to carry the whole chain. Beyond it a chain
 * is cut and the packet dropped, as a match cannot judge it. */
#define QT_IP6_CHAIN_COPY 1280

struct qt_ext_inst;
/* copy_need of those matches: QT_IP6_CHAIN_COPY. */
uint32_t qt_ip6_chain_copy_need(const struct qt_ext_inst *in);

/* The length in bytes of an options-like header (hop-by-hop,
 * destination options, routing) from its second byte: ipv6_optlen(). */
static inline uint32_t qt_ip6_optlen(const uint8_t *h)
{
	return ((uint32_t)h[1] + 1) << 3;
}

/* An authentication header's length in bytes: ipv6_authlen(). */
static inline uint32_t qt_ip6_authlen(const uint8_t *h)
{
	return ((uint32_t)h[1] + 2) << 2;
}

#endif
