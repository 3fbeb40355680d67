/* Packet parsing: well-formed headers, truncation, fragments, garbage. */
#include <arpa/inet.h>
#include <stdlib.h>

#include "packet.h"
#include "tap.h"

static size_t ipv4(uint8_t *b, uint8_t proto, uint16_t frag, const uint8_t *l4,
		   size_t l4len)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	uint16_t tot = (uint16_t)(20 + l4len);
	b[2] = (uint8_t)(tot >> 8);
	b[3] = (uint8_t)tot;
	b[4] = 0x12;
	b[5] = 0x34;
	b[6] = (uint8_t)(frag >> 8);
	b[7] = (uint8_t)frag;
	b[8] = 64;
	b[9] = proto;
	inet_pton(AF_INET, "10.0.0.1", b + 12);
	inet_pton(AF_INET, "10.0.0.2", b + 16);
	memcpy(b + 20, l4, l4len);
	return 20 + l4len;
}

int main(void)
{
	uint8_t buf[2048];
	struct qt_pkt p;
	const uint8_t syn[20] = { 0x30, 0x39, 0x00, 0x16, 0, 0, 0, 1, 0, 0, 0, 0,
				  0x50, 0x02, 0xfa, 0xf0, 0, 0, 0, 0 };
	size_t n = ipv4(buf, IPPROTO_TCP, 0x4000, syn, sizeof(syn));

	is_int(qt_pkt_parse_ipv4(&p, buf, (uint32_t)n), QT_PKT_OK, "tcp syn parses");
	ok(p.l4_ok, "transport header found");
	is_int(p.sport, 12345, "sport");
	is_int(p.dport, 22, "dport");
	is_int(p.tcp_flags, 0x02, "SYN flag");
	is_int(p.tcp_seq, 1, "sequence number");
	ok(p.dont_frag && !p.more_frags && p.frag_off == 0, "DF, first fragment");
	is_int(p.ttl, 64, "ttl");
	is_int(p.payload_len, 0, "no payload");

	/* the queue copied only part of the TCP header */
	is_int(qt_pkt_parse_ipv4(&p, buf, 30), QT_PKT_OK, "truncated copy parses");
	ok(!p.l4_ok, "truncated transport header is not trusted");

	/* a non-first fragment has no transport header at all */
	n = ipv4(buf, IPPROTO_TCP, 0x0010, syn, sizeof(syn));
	is_int(qt_pkt_parse_ipv4(&p, buf, (uint32_t)n), QT_PKT_OK, "fragment parses");
	ok(p.frag_off == 16 && !p.l4_ok, "non-first fragment: offset, no ports");

	const uint8_t echo[8] = { 8, 0, 0, 0, 0x12, 0x34, 0, 1 };
	n = ipv4(buf, IPPROTO_ICMP, 0, echo, sizeof(echo));
	is_int(qt_pkt_parse_ipv4(&p, buf, (uint32_t)n), QT_PKT_OK, "icmp parses");
	ok(p.icmp_type == 8 && p.icmp_code == 0 && p.icmp_id == 0x1234,
	   "echo request type, code, id");

	const uint8_t udp[12] = { 0, 53, 0x30, 0x39, 0, 12, 0, 0, 'a', 'b', 'c', 'd' };
	n = ipv4(buf, IPPROTO_UDP, 0, udp, sizeof(udp));
	is_int(qt_pkt_parse_ipv4(&p, buf, (uint32_t)n), QT_PKT_OK, "udp parses");
	ok(p.sport == 53 && p.dport == 12345 && p.payload_len == 4 &&
	   memcmp(p.payload, "abcd", 4) == 0, "udp ports and payload");

	/* SCTP: the common header's ports and verification tag; the
	 * chunks are the payload */
	const uint8_t sctp[16] = { 0x13, 0x88, 0x9c, 0x40, 0xde, 0xad, 0xbe, 0xef,
				   0, 0, 0, 0, 1, 0, 0, 4 };
	n = ipv4(buf, IPPROTO_SCTP, 0, sctp, sizeof(sctp));
	is_int(qt_pkt_parse_ipv4(&p, buf, (uint32_t)n), QT_PKT_OK, "sctp parses");
	ok(p.l4_ok && p.sport == 5000 && p.dport == 40000 &&
	   p.sctp_vtag == 0xdeadbeef && p.payload_len == 4 && p.payload[0] == 1,
	   "sctp ports, tag and chunks");
	n = ipv4(buf, IPPROTO_SCTP, 0, sctp, 11);
	is_int(qt_pkt_parse_ipv4(&p, buf, (uint32_t)n), QT_PKT_OK,
	       "sctp cut short parses");
	ok(!p.l4_ok, "an SCTP common header of 11 bytes is not trusted");

	/* malformed headers are refused with a reason */
	is_int(qt_pkt_parse_ipv4(&p, buf, 10), QT_PKT_TOO_SHORT, "10 bytes: too short");
	buf[0] = 0x65;
	is_int(qt_pkt_parse_ipv4(&p, buf, (uint32_t)n), QT_PKT_BAD_VERSION, "version 6 in v4 parser");
	buf[0] = 0x4f;
	is_int(qt_pkt_parse_ipv4(&p, buf, 40), QT_PKT_BAD_IHL, "ihl beyond the data");
	buf[0] = 0x45;
	buf[2] = 0;
	buf[3] = 10;
	is_int(qt_pkt_parse_ipv4(&p, buf, (uint32_t)n), QT_PKT_BAD_TOTLEN, "total length below header");

	/* random bytes never crash and never read past len */
	srand(1);
	for (int i = 0; i < 100000; i++) {
		uint32_t len = (uint32_t)(rand() % 80);
		uint8_t *r = malloc(len ? len : 1);
		for (uint32_t j = 0; j < len; j++)
			r[j] = (uint8_t)rand();
		if (len)
			r[0] = (uint8_t)(0x40 | (r[0] & 0x0f));
		qt_pkt_parse_ipv4(&p, r, len);
		if (p.l4_ok && p.payload)
			ok(p.payload + p.payload_len <= r + len, "random %d: payload within the data", i);
		free(r);
	}
	ok(1, "100000 random packets parsed without a crash");
	return done_testing();
}
