/* A packet as the engine sees it: the headers parsed once into a small
 * descriptor that every match reads. Parsing never allocates and never
 * reads past len; what could not be parsed is said by flags, so matches
 * decide as the kernel does (a port match on a truncated or non-first
 * fragment does not match; -f matches non-first fragments). */
#ifndef QT_PACKET_H
#define QT_PACKET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "addr_types.h"

enum qt_pkt_status {
	QT_PKT_OK,
	QT_PKT_TOO_SHORT,      /* shorter than an IPv4 header */
	QT_PKT_BAD_VERSION,    /* not IPv4 */
	QT_PKT_BAD_IHL,        /* header length < 20 or beyond the data */
	QT_PKT_BAD_TOTLEN,     /* total length < header or > data */
	QT_PKT_BAD_EXTHDR,     /* IPv6: an extension header beyond the
	                          payload length, or more of them than
	                          QT_PKT_MAX_EXTHDRS */
};

/* IPv6 extension headers a packet may carry before its transport
 * header (the kernel's ipv6_ext_hdr(), ESP aside: it ends the chain
 * as a transport protocol would). A chain longer than this is refused
 * (QT_PKT_BAD_EXTHDR): no sane packet has more than one of each, and
 * the bound keeps the walk and the record below small. */
#define QT_PKT_MAX_EXTHDRS 8

struct qt_pkt_exthdr {
	uint8_t type;              /* IPPROTO_HOPOPTS, _ROUTING, _FRAGMENT,
	                              _DSTOPTS, _AH */
	uint8_t pad;
	uint16_t off;              /* from the IPv6 header's first byte */
};

struct qt_pkt {
	const uint8_t *data;       /* the IP header */
	uint32_t len;              /* bytes available (the queue's copy) */
	uint32_t ip_len;           /* the IP total length field */
	/* 8-byte aligned (the struct is, for its pointers): the engine
	 * compares them as two 64-bit words, which then never straddle a
	 * cache line */
	union qt_addr saddr, daddr;
	uint8_t family;            /* AF_INET or AF_INET6 */
	uint8_t ihl;               /* header length in bytes (IPv6: 40, the
	                              fixed header; l4 - data covers the
	                              extension headers) */
	uint8_t proto;             /* IPv6: the last next-header value met */
	uint8_t ttl;               /* IPv6: the hop limit */
	uint8_t tos;               /* IPv6: the traffic class */
	uint16_t ip_id;
	uint16_t frag_off;         /* offset in 8-byte units (IPv6: of the
	                              fragment header, if any) */
	bool more_frags;
	bool dont_frag;

	/* IPv6 only: the extension headers met in order, the fragment
	 * header's identification, and the flow label. */
	uint8_t nexthdrs;          /* entries of exthdr[] */
	bool frag_hdr;             /* a fragment header was met */
	bool exthdr_cut;           /* the copy ends inside an extension
	                              header: the chain is not all known */
	uint32_t frag_id;
	uint32_t flowlabel;
	uint16_t ah_off;           /* the first AH header's offset when the
	                              walk met one (0: none): see
	                              qt_pkt_tproto() */
	bool no_tproto;            /* a non-first fragment whose next header
	                              is an extension header: the rules see
	                              no protocol (qt_pkt_tproto()) */
	bool exthdr_bad;           /* the chain runs past the payload length
	                              (QT_PKT_BAD_EXTHDR): exthdr[] holds the
	                              headers before that point */
	struct qt_pkt_exthdr exthdr[QT_PKT_MAX_EXTHDRS];

	/* Layer 4: valid only when l4_ok (first fragment, header whole). */
	bool l4_ok;
	const uint8_t *l4;
	uint32_t l4_len;           /* bytes of transport data available */
	uint16_t sport, dport;     /* tcp, udp, sctp (host order) */
	uint8_t tcp_flags;         /* FIN 0x01 .. URG 0x20 (and ECE/CWR) */
	uint8_t tcp_doff;          /* header length in bytes */
	uint32_t tcp_seq, tcp_ack;
	uint16_t tcp_window;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id;          /* echo request/reply (ICMPv6's too) */
	uint32_t sctp_vtag;        /* the verification tag */
	const uint8_t *payload;    /* after the transport header */
	uint32_t payload_len;
};

/* Parse an IPv4 packet of len bytes. */
enum qt_pkt_status qt_pkt_parse_ipv4(struct qt_pkt *p, const uint8_t *data,
				     uint32_t len);
/* Parse an IPv6 packet of len bytes: the fixed header, then the
 * extension headers as the kernel's ipv6_skip_exthdr() walks them
 * (hop-by-hop, routing, fragment, destination options, AH; a
 * non-first fragment or NO_NEXT_HEADER ends the walk with no transport
 * header), then TCP, UDP, SCTP or ICMPv6 as for IPv4. ip_len is the
 * fixed header plus the payload length. */
enum qt_pkt_status qt_pkt_parse_ipv6(struct qt_pkt *p, const uint8_t *data,
				     uint32_t len);
/* The offset of p's first extension header of that type; -1: none. */
int qt_pkt_exthdr_off(const struct qt_pkt *p, uint8_t type);

/* The transport protocol and header as the rules see them. nf_tables
 * finds them with ipv6_find_hdr(IP6_FH_F_AUTH), which stops at an AH
 * header: behind AH the protocol is AH's (51) and the transport header
 * is AH itself, for nft's meta l4proto and th payloads and so for
 * ip6tables-nft's -p and the matches it makes of them. Conntrack, NAT,
 * REJECT, LOG and the matches that walk the chain themselves go past AH
 * (ipv6_skip_exthdr): p->proto and p->l4 are theirs. -1: no protocol
 * at all (ipv6_find_hdr's -ENOENT for a non-first fragment followed by
 * an extension header leaves nf_tables' pktinfo without one: meta
 * l4proto breaks the rule, so neither -p nor ! -p matches). */
static inline int qt_pkt_tproto(const struct qt_pkt *p)
{
	if (p->no_tproto)
		return -1;
	return p->ah_off ? IPPROTO_AH : p->proto;
}

static inline const uint8_t *qt_pkt_th(const struct qt_pkt *p, uint32_t *len)
{
	if (!p->ah_off) {
		*len = p->l4_len;
		return p->l4;
	}
	uint32_t end = p->ip_len < p->len ? p->ip_len : p->len;
	*len = end > p->ah_off ? end - p->ah_off : 0;
	return p->data + p->ah_off;
}
const char *qt_pkt_status_name(enum qt_pkt_status s);

#endif
