/* IPv6 packet parsing: the fixed header, every extension header the
 * kernel's ipv6_skip_exthdr() walks, fragments, truncation by the
 * copy, malformed chains, and random bytes that must never be read
 * past (run under ASan by make check's sanitizer build). */
#include <arpa/inet.h>
#include <stdlib.h>

#include "packet.h"
#include "tap.h"

static uint8_t buf[4096];

/* An IPv6 header with next header nh and plen bytes of payload copied
 * from pl; returns the length. */
static size_t ipv6(uint8_t nh, const uint8_t *pl, size_t plen)
{
	memset(buf, 0, 40);
	buf[0] = 0x6a;                  /* version 6, traffic class 0xab */
	buf[1] = 0xb1;                  /* flow label 0x12345 */
	buf[2] = 0x23;
	buf[3] = 0x45;
	buf[4] = (uint8_t)(plen >> 8);
	buf[5] = (uint8_t)plen;
	buf[6] = nh;
	buf[7] = 63;
	inet_pton(AF_INET6, "2001:db8::1", buf + 8);
	inet_pton(AF_INET6, "2001:db8::2", buf + 24);
	memcpy(buf + 40, pl, plen);
	return 40 + plen;
}

static const uint8_t syn[20] = { 0x30, 0x39, 0x00, 0x16, 0, 0, 0, 1, 0, 0, 0, 0,
				 0x50, 0x02, 0xfa, 0xf0, 0, 0, 0, 0 };

/* An options header (hop-by-hop, destination options, routing) of
 * 8 * (1 + ext) bytes before next, padded with PadN. */
static size_t opt_hdr(uint8_t *b, uint8_t next, uint8_t ext)
{
	size_t n = 8u * (1u + ext);
	memset(b, 0, n);
	b[0] = next;
	b[1] = ext;
	b[2] = 1;                       /* PadN */
	b[3] = (uint8_t)(n - 4);
	return n;
}

static size_t frag_hdr(uint8_t *b, uint8_t next, uint16_t off8, bool more,
		       uint32_t id)
{
	memset(b, 0, 8);
	b[0] = next;
	uint16_t fo = (uint16_t)(off8 << 3 | (more ? 1 : 0));
	b[2] = (uint8_t)(fo >> 8);
	b[3] = (uint8_t)fo;
	b[4] = (uint8_t)(id >> 24);
	b[5] = (uint8_t)(id >> 16);
	b[6] = (uint8_t)(id >> 8);
	b[7] = (uint8_t)id;
	return 8;
}

/* AH: payload length in 4-byte units minus 2. */
static size_t ah_hdr(uint8_t *b, uint8_t next, uint8_t len4)
{
	size_t n = ((size_t)len4 + 2) * 4;
	memset(b, 0, n);
	b[0] = next;
	b[1] = len4;
	return n;
}

static void fixed_header(void)
{
	struct qt_pkt p;
	size_t n = ipv6(IPPROTO_TCP, syn, sizeof(syn));
	is_int(qt_pkt_parse_ipv6(&p, buf, (uint32_t)n), QT_PKT_OK, "tcp syn parses");
	ok(p.family == AF_INET6 && p.l4_ok, "IPv6, transport header found");
	is_int(p.tos, 0xab, "traffic class where tos is");
	is_int(p.flowlabel, 0x12345, "flow label");
	is_int(p.ttl, 63, "hop limit where ttl is");
	is_int(p.ip_len, 60, "ip_len: header and payload");
	is_int(p.proto, IPPROTO_TCP, "protocol");
	ok(p.sport == 12345 && p.dport == 22 && p.tcp_flags == 0x02 &&
	   p.tcp_seq == 1, "tcp ports, flags, sequence");
	struct in6_addr a;
	inet_pton(AF_INET6, "2001:db8::1", &a);
	ok(!memcmp(&p.saddr.v6, &a, 16), "source address");
	inet_pton(AF_INET6, "2001:db8::2", &a);
	ok(!memcmp(&p.daddr.v6, &a, 16), "destination address");
	uint32_t thlen;
	ok(p.ah_off == 0 && qt_pkt_tproto(&p) == IPPROTO_TCP &&
	   qt_pkt_th(&p, &thlen) == p.l4 && thlen == p.l4_len,
	   "without AH the rules' protocol and transport header are the walk's");
	ok(p.nexthdrs == 0 && !p.frag_hdr && p.frag_off == 0,
	   "no extension headers, not a fragment");

	is_int(qt_pkt_parse_ipv6(&p, buf, 39), QT_PKT_TOO_SHORT, "39 bytes: too short");
	buf[0] = 0x45;
	is_int(qt_pkt_parse_ipv6(&p, buf, (uint32_t)n), QT_PKT_BAD_VERSION,
	       "version 4 refused");
	n = ipv6(IPPROTO_TCP, syn, sizeof(syn));
	is_int(qt_pkt_parse_ipv6(&p, buf, 50), QT_PKT_OK, "copy cut in tcp parses");
	ok(!p.l4_ok && p.proto == IPPROTO_TCP, "a cut tcp header is not trusted");

	/* payload length beyond the copy: truncation, not an error */
	buf[4] = 0x05;
	is_int(qt_pkt_parse_ipv6(&p, buf, (uint32_t)n), QT_PKT_OK,
	       "payload longer than the copy parses");
	ok(p.l4_ok && p.l4_len == 20, "the transport bytes the copy has");
	/* payload length shorter than the copy: the rest is padding */
	buf[4] = 0;
	buf[5] = 20;
	uint8_t extra[8] = { 0 };
	memcpy(buf + 60, extra, 8);
	is_int(qt_pkt_parse_ipv6(&p, buf, 68), QT_PKT_OK, "trailing bytes parse");
	ok(p.l4_len == 20 && p.payload_len == 0, "only the payload length counts");

	const uint8_t udp[12] = { 0, 53, 0x30, 0x39, 0, 12, 0, 0, 'a', 'b', 'c', 'd' };
	n = ipv6(IPPROTO_UDP, udp, sizeof(udp));
	is_int(qt_pkt_parse_ipv6(&p, buf, (uint32_t)n), QT_PKT_OK, "udp parses");
	ok(p.sport == 53 && p.dport == 12345 && p.payload_len == 4 &&
	   !memcmp(p.payload, "abcd", 4), "udp ports and payload");

	const uint8_t sctp[16] = { 0x13, 0x88, 0x9c, 0x40, 0xde, 0xad, 0xbe, 0xef,
				   0, 0, 0, 0, 1, 0, 0, 4 };
	n = ipv6(IPPROTO_SCTP, sctp, sizeof(sctp));
	is_int(qt_pkt_parse_ipv6(&p, buf, (uint32_t)n), QT_PKT_OK, "sctp parses");
	ok(p.l4_ok && p.sport == 5000 && p.dport == 40000 &&
	   p.sctp_vtag == 0xdeadbeef, "sctp ports and tag");

	const uint8_t echo[8] = { 128, 0, 0, 0, 0x12, 0x34, 0, 1 };
	n = ipv6(IPPROTO_ICMPV6, echo, sizeof(echo));
	is_int(qt_pkt_parse_ipv6(&p, buf, (uint32_t)n), QT_PKT_OK, "icmpv6 parses");
	ok(p.l4_ok && p.icmp_type == 128 && p.icmp_code == 0 &&
	   p.icmp_id == 0x1234, "echo request type, code, id");
	const uint8_t ns[24] = { 135, 0, 0, 0, 0x12, 0x34 };
	n = ipv6(IPPROTO_ICMPV6, ns, sizeof(ns));
	qt_pkt_parse_ipv6(&p, buf, (uint32_t)n);
	ok(p.icmp_type == 135 && p.icmp_id == 0,
	   "neighbour solicitation: no echo id");
	n = ipv6(IPPROTO_ICMPV6, echo, 7);
	qt_pkt_parse_ipv6(&p, buf, (uint32_t)n);
	ok(!p.l4_ok, "icmpv6 of 7 bytes is not trusted");

	/* ICMPv6 inside IPv4 stays opaque, as before */
	uint8_t v4[28] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, IPPROTO_ICMPV6 };
	memcpy(v4 + 20, echo, 8);
	qt_pkt_parse_ipv4(&p, v4, 28);
	ok(p.l4_ok && p.icmp_type == 0 && p.payload_len == 8,
	   "icmpv6 in IPv4 is not read as ICMPv6");

	/* NO_NEXT_HEADER: nothing follows */
	n = ipv6(IPPROTO_NONE, syn, sizeof(syn));
	is_int(qt_pkt_parse_ipv6(&p, buf, (uint32_t)n), QT_PKT_OK, "no next header parses");
	ok(!p.l4_ok && p.proto == IPPROTO_NONE, "no transport after NO_NEXT_HEADER");
	/* ESP is a transport protocol to the walk */
	n = ipv6(IPPROTO_ESP, syn, sizeof(syn));
	qt_pkt_parse_ipv6(&p, buf, (uint32_t)n);
	ok(p.l4_ok && p.proto == IPPROTO_ESP && p.payload_len == 20 &&
	   p.nexthdrs == 0, "ESP ends the walk as a protocol");
}

static void extension_headers(void)
{
	struct qt_pkt p;
	uint8_t pl[512];
	size_t at = 0;
	/* every kind once: hop-by-hop, destination options, routing,
	 * fragment (first), AH, destination options, TCP */
	at += opt_hdr(pl + at, IPPROTO_DSTOPTS, 0);
	at += opt_hdr(pl + at, IPPROTO_ROUTING, 1);
	at += opt_hdr(pl + at, IPPROTO_FRAGMENT, 0);
	at += frag_hdr(pl + at, IPPROTO_AH, 0, true, 0xcafe0001);
	at += ah_hdr(pl + at, IPPROTO_DSTOPTS, 4);
	at += opt_hdr(pl + at, IPPROTO_TCP, 2);
	memcpy(pl + at, syn, sizeof(syn));
	at += sizeof(syn);
	size_t n = ipv6(IPPROTO_HOPOPTS, pl, at);
	is_int(qt_pkt_parse_ipv6(&p, buf, (uint32_t)n), QT_PKT_OK,
	       "a chain of every extension header parses");
	is_int(p.nexthdrs, 6, "six extension headers recorded");
	const uint8_t want_t[6] = { IPPROTO_HOPOPTS, IPPROTO_DSTOPTS,
		IPPROTO_ROUTING, IPPROTO_FRAGMENT, IPPROTO_AH, IPPROTO_DSTOPTS };
	const uint16_t want_o[6] = { 40, 48, 64, 72, 80, 104 };
	bool same = true;
	for (int i = 0; i < 6; i++)
		same = same && p.exthdr[i].type == want_t[i] &&
		       p.exthdr[i].off == want_o[i];
	ok(same, "their types and offsets, in order");
	is_int(qt_pkt_exthdr_off(&p, IPPROTO_ROUTING), 64, "routing header's offset");
	is_int(qt_pkt_exthdr_off(&p, IPPROTO_DSTOPTS), 48, "first dstopts' offset");
	is_int(qt_pkt_exthdr_off(&p, IPPROTO_ESP), -1, "no ESP header");
	ok(p.frag_hdr && p.frag_off == 0 && p.more_frags && p.frag_id == 0xcafe0001,
	   "fragment header: first, more fragments, id");
	ok(p.l4_ok && p.proto == IPPROTO_TCP && p.dport == 22 &&
	   p.l4 == buf + 128, "TCP found after the chain (AH counted in 4-byte units)");
	/* the rules' view (nf_tables' ipv6_find_hdr with IP6_FH_F_AUTH):
	 * the walk ends at AH, which is the transport header */
	uint32_t thlen;
	const uint8_t *th = qt_pkt_th(&p, &thlen);
	ok(p.ah_off == 80 && qt_pkt_tproto(&p) == IPPROTO_AH && th == buf + 80 &&
	   thlen == n - 80, "rules see AH as the protocol, its header as the transport's");

	/* a non-first fragment: the walk stops at the fragment header */
	at = 0;
	at += opt_hdr(pl + at, IPPROTO_FRAGMENT, 0);
	at += frag_hdr(pl + at, IPPROTO_TCP, 185, false, 7);
	memcpy(pl + at, syn, sizeof(syn));
	at += sizeof(syn);
	n = ipv6(IPPROTO_HOPOPTS, pl, at);
	is_int(qt_pkt_parse_ipv6(&p, buf, (uint32_t)n), QT_PKT_OK, "non-first fragment parses");
	ok(p.frag_off == 185 && !p.more_frags && p.frag_id == 7 && !p.l4_ok &&
	   p.proto == IPPROTO_TCP, "offset, last, id; protocol but no ports");
	ok(!p.no_tproto && qt_pkt_tproto(&p) == IPPROTO_TCP,
	   "the rules see its protocol");
	/* one whose next header is an extension header: nf_tables finds
	 * no protocol (ipv6_find_hdr: -ENOENT) */
	at = frag_hdr(pl, IPPROTO_DSTOPTS, 185, false, 7);
	memcpy(pl + at, syn, sizeof(syn));
	n = ipv6(IPPROTO_FRAGMENT, pl, at + sizeof(syn));
	is_int(qt_pkt_parse_ipv6(&p, buf, (uint32_t)n), QT_PKT_OK,
	       "non-first fragment before dstopts parses");
	ok(p.no_tproto && qt_pkt_tproto(&p) == -1 && p.proto == IPPROTO_DSTOPTS,
	   "the rules see no protocol there; the walk's is dstopts");

	/* an extension header past the payload length is malformed */
	at = opt_hdr(pl, IPPROTO_TCP, 3);
	n = ipv6(IPPROTO_DSTOPTS, pl, at);
	buf[5] = 16;
	is_int(qt_pkt_parse_ipv6(&p, buf, (uint32_t)n), QT_PKT_BAD_EXTHDR,
	       "dstopts of 32 bytes in a payload of 16: bad");
	/* nf_tables' walk reads the first bytes and goes on by the length:
	 * TCP is the rules' protocol */
	ok(!p.no_tproto && qt_pkt_tproto(&p) == IPPROTO_TCP && !p.l4_ok,
	   "the rules see the next header, TCP, with no header to read");
	buf[5] = 4;
	is_int(qt_pkt_parse_ipv6(&p, buf, (uint32_t)n), QT_PKT_BAD_EXTHDR,
	       "a payload of 4 bytes cannot hold an extension header");
	ok(!p.no_tproto && qt_pkt_tproto(&p) == IPPROTO_TCP,
	   "its first two bytes still lead the rules to TCP");
	buf[5] = 1;
	qt_pkt_parse_ipv6(&p, buf, (uint32_t)n);
	ok(p.no_tproto, "one byte of it: no protocol (the kernel's read fails)");
	buf[40] = IPPROTO_DSTOPTS;
	buf[5] = 16;
	qt_pkt_parse_ipv6(&p, buf, (uint32_t)n);
	ok(p.no_tproto, "past the payload into another header: no protocol");
	buf[40] = IPPROTO_TCP;
	/* the copy ends inside it: not malformed, only unknown */
	n = ipv6(IPPROTO_DSTOPTS, pl, at);
	is_int(qt_pkt_parse_ipv6(&p, buf, 60), QT_PKT_OK, "copy cut in dstopts parses");
	ok(p.exthdr_cut && !p.l4_ok && p.nexthdrs == 1, "cut: chain not known, no transport");
	is_int(qt_pkt_parse_ipv6(&p, buf, 44), QT_PKT_OK, "copy cut before 8 bytes parses");
	ok(p.exthdr_cut && !p.l4_ok && p.nexthdrs == 0 && p.proto == IPPROTO_DSTOPTS,
	   "cut at the header's start: the header's type as the protocol");

	/* the bound: QT_PKT_MAX_EXTHDRS headers pass, one more does not */
	at = 0;
	for (int i = 0; i < QT_PKT_MAX_EXTHDRS; i++)
		at += opt_hdr(pl + at, i + 1 < QT_PKT_MAX_EXTHDRS ?
			      IPPROTO_DSTOPTS : IPPROTO_UDP, 0);
	const uint8_t udp[8] = { 0, 1, 0, 2, 0, 8, 0, 0 };
	memcpy(pl + at, udp, 8);
	n = ipv6(IPPROTO_DSTOPTS, pl, at + 8);
	is_int(qt_pkt_parse_ipv6(&p, buf, (uint32_t)n), QT_PKT_OK, "8 extension headers parse");
	ok(p.l4_ok && p.dport == 2 && p.nexthdrs == QT_PKT_MAX_EXTHDRS,
	   "udp after 8 extension headers");
	at = 0;
	for (int i = 0; i <= QT_PKT_MAX_EXTHDRS; i++)
		at += opt_hdr(pl + at, i < QT_PKT_MAX_EXTHDRS ?
			      IPPROTO_DSTOPTS : IPPROTO_UDP, 0);
	memcpy(pl + at, udp, 8);
	n = ipv6(IPPROTO_DSTOPTS, pl, at + 8);
	is_int(qt_pkt_parse_ipv6(&p, buf, (uint32_t)n), QT_PKT_BAD_EXTHDR,
	       "9 extension headers are refused");

	/* a jumbogram: payload length 0 before hop-by-hop */
	at = opt_hdr(pl, IPPROTO_UDP, 0);
	memcpy(pl + at, udp, 8);
	n = ipv6(IPPROTO_HOPOPTS, pl, at + 8);
	buf[4] = buf[5] = 0;
	is_int(qt_pkt_parse_ipv6(&p, buf, (uint32_t)n), QT_PKT_OK, "jumbogram parses");
	ok(p.l4_ok && p.dport == 2 && p.ip_len == n, "its length is the copy's");
	/* payload length 0 otherwise: nothing follows */
	n = ipv6(IPPROTO_UDP, udp, 8);
	buf[4] = buf[5] = 0;
	is_int(qt_pkt_parse_ipv6(&p, buf, (uint32_t)n), QT_PKT_OK, "empty payload parses");
	ok(!p.l4_ok && p.l4_len == 0, "no transport bytes");
}

/* Random bytes after a valid fixed header, in a buffer of exactly
 * their length: every pointer the parser gives stays inside it. */
static void random_bytes(void)
{
	srand(6);
	int bad = 0;
	for (int round = 0; round < 200000; round++) {
		uint32_t n = 40 + (uint32_t)(rand() % 160);
		uint8_t *b = malloc(n);
		for (uint32_t i = 0; i < n; i++)
			b[i] = (uint8_t)rand();
		b[0] = (uint8_t)(0x60 | (b[0] & 0x0f));
		if (round % 2) {
			/* chains of extension headers more often */
			static const uint8_t kinds[] = { 0, 43, 44, 51, 60, 59, 6,
							 17, 58, 132, 50 };
			b[6] = kinds[rand() % 11];
			for (uint32_t i = 40; i + 1 < n; i += 8) {
				b[i] = kinds[rand() % 11];
				b[i + 1] = (uint8_t)(rand() % 2);
			}
			b[4] = 0;
			b[5] = (uint8_t)(n - 40 + rand() % 8 - 4);
		}
		struct qt_pkt p;
		enum qt_pkt_status s = qt_pkt_parse_ipv6(&p, b, n);
		if (s == QT_PKT_OK) {
			const uint8_t *end = b + n;
			if (p.l4 && (p.l4 < b + 40 || p.l4 + p.l4_len > end))
				bad++;
			if (p.l4_ok && p.payload &&
			    (p.payload < p.l4 || p.payload + p.payload_len > end))
				bad++;
			for (unsigned i = 0; i < p.nexthdrs; i++)
				if (p.exthdr[i].off + 8u > n)
					bad++;
			if (p.nexthdrs > QT_PKT_MAX_EXTHDRS)
				bad++;
		}
		free(b);
	}
	is_int(bad, 0, "200,000 random packets: every pointer inside the data");
}

int main(void)
{
	fixed_header();
	extension_headers();
	random_bytes();
	return done_testing();
}
