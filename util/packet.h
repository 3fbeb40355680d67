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
};

struct qt_pkt {
	const uint8_t *data;       /* the IP header */
	uint32_t len;              /* bytes available (the queue's copy) */
	uint32_t ip_len;           /* the IP total length field */
	uint8_t family;
	uint8_t ihl;               /* header length in bytes */
	uint8_t proto;
	uint8_t ttl;
	uint8_t tos;
	uint16_t ip_id;
	uint16_t frag_off;         /* offset in 8-byte units */
	bool more_frags;
	bool dont_frag;
	union qt_addr saddr, daddr;

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
	uint16_t icmp_id;          /* echo request/reply */
	uint32_t sctp_vtag;        /* the verification tag */
	const uint8_t *payload;    /* after the transport header */
	uint32_t payload_len;
};

/* Parse an IPv4 packet of len bytes. */
enum qt_pkt_status qt_pkt_parse_ipv4(struct qt_pkt *p, const uint8_t *data,
				     uint32_t len);
const char *qt_pkt_status_name(enum qt_pkt_status s);

#endif
