/* Connection tracking of IPv6 packets through the table
 * (engine/ct/conntrack.c): tuples of 128-bit addresses, TCP's handshake
 * as for IPv4, the ICMPv6 tracker (engine/ct/conntrack_icmpv6.c: echo,
 * the kernel's valid_new types, errors RELATED by the packet they
 * quote, neighbour discovery and MLD untracked), the IPv6 pseudo-header
 * checksum, and IPv4 and IPv6 entries of equal low address bytes kept
 * apart. On packets built here and a fake clock. The ICMPv6 states
 * asserted here were seen on Linux 6.18's conntrack (raw frames into a
 * namespace counted by ip6tables -m conntrack --ctstate at mangle
 * PREROUTING): echo request and node information query NEW, a lone
 * reply, a redirect, type 200, a bad checksum and a 4-byte ICMPv6
 * INVALID, NS and MLD UNTRACKED, packet too big, time exceeded (the
 * quoted packet with destination options) and type 100 quoting a flow
 * RELATED, an error to the wrong end, quoting nothing tracked or
 * nothing at all INVALID. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "conntrack.h"
#include "csum.h"
#include "packet.h"
#include "tap.h"

#define S 1000000000ull

struct pk {
	uint8_t b[256];
	uint32_t n;
	struct qt_pkt p;
};

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
}

/* The one's complement sum of b, by the book (RFC 1071), for checking
 * the library's sums. */
static uint32_t sum16(uint32_t s, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i += 2)
		s += (uint32_t)b[i] << 8 | (i + 1 < n ? b[i + 1] : 0);
	return s;
}

/* Sets the transport checksum at l4 + at (pseudo-header of RFC 8200). */
static void set_csum(struct pk *k, uint32_t l4off, unsigned at)
{
	uint32_t n = k->n - l4off;
	uint8_t *c = k->b + l4off + at;
	c[0] = c[1] = 0;
	uint32_t s = sum16(0, k->b + 8, 32);
	s += n >> 16;
	s += n & 0xffff;
	s += k->p.proto ? k->p.proto : k->b[6];
	s = sum16(s, k->b + l4off, n);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	put16(c, (uint16_t)~s);
}

/* An IPv6 packet from src to dst of protocol proto carrying l4[0..n),
 * with its transport checksum (at offset csum_at; <0: none) right. */
static struct qt_pkt *mk(struct pk *k, uint8_t proto, const char *src,
			 const char *dst, const uint8_t *l4, unsigned n,
			 int csum_at)
{
	memset(k->b, 0, sizeof(k->b));
	k->b[0] = 0x60;
	put16(k->b + 4, (uint16_t)n);
	k->b[6] = proto;
	k->b[7] = 64;
	inet_pton(AF_INET6, src, k->b + 8);
	inet_pton(AF_INET6, dst, k->b + 24);
	memcpy(k->b + 40, l4, n);
	k->n = 40 + n;
	k->p.proto = 0;
	if (csum_at >= 0)
		set_csum(k, 40, (unsigned)csum_at);
	qt_pkt_parse_ipv6(&k->p, k->b, k->n);
	return &k->p;
}

static struct qt_pkt *tcp(struct pk *k, const char *src, uint16_t sp,
			  const char *dst, uint16_t dp, uint8_t flags,
			  uint32_t seq, uint32_t ack)
{
	uint8_t u[20] = { 0 };
	put16(u, sp);
	put16(u + 2, dp);
	put32(u + 4, seq);
	put32(u + 8, ack);
	u[12] = 5 << 4;
	u[13] = flags;
	put16(u + 14, 65535);
	return mk(k, IPPROTO_TCP, src, dst, u, 20, 16);
}

static struct qt_pkt *udp(struct pk *k, const char *src, uint16_t sp,
			  const char *dst, uint16_t dp)
{
	uint8_t u[12] = { 0 };
	put16(u, sp);
	put16(u + 2, dp);
	put16(u + 4, 12);
	return mk(k, IPPROTO_UDP, src, dst, u, 12, 6);
}

static struct qt_pkt *icmp6(struct pk *k, const char *src, const char *dst,
			    uint8_t type, uint8_t code, uint16_t id)
{
	uint8_t u[24] = { type, code, 0, 0, 0, 0, 0, 1 };
	put16(u + 4, id);
	return mk(k, IPPROTO_ICMPV6, src, dst, u, type >= 130 ? 24 : 8, 2);
}

/* An ICMPv6 error from src to dst quoting q (as much as fits). */
static struct qt_pkt *icmp6_err(struct pk *k, const char *src, const char *dst,
				uint8_t type, uint8_t code, const struct pk *q)
{
	uint8_t u[8 + 160] = { type, code };
	uint32_t n = q->n < 160 ? q->n : 160;
	memcpy(u + 8, q->b, n);
	return mk(k, IPPROTO_ICMPV6, src, dst, u, 8 + n, 2);
}

static struct qt_ct *mkct(uint32_t max)
{
	struct qt_ct_config c;
	qt_ct_config_default(&c);
	return qt_ct_new(&c, max);
}

static void in_ok(struct qt_ct *ct, const struct qt_pkt *p, uint64_t now,
		  struct qt_ct_verdict *v)
{
	qt_ct_in(ct, p, now, v);
	if (v->created)
		qt_ct_confirm(ct, v->e, now);
}

static const char *A = "2001:db8::1", *B = "2001:db8:0:1::2";

static void test_tuples(void)
{
	struct pk k;
	struct qt_ct_tuple t, r;
	ok(qt_ct_tuple_of(udp(&k, A, 1000, B, 53), &t), "udp tuple");
	struct in6_addr a, b;
	inet_pton(AF_INET6, A, &a);
	inet_pton(AF_INET6, B, &b);
	ok(t.ip6 == 1 && !memcmp(t.src.b, &a, 16) && !memcmp(t.dst.b, &b, 16) &&
	   t.sport == 1000 && t.dport == 53 && t.proto == IPPROTO_UDP,
	   "its 128-bit addresses, ports, protocol");
	ok(qt_ct_invert(&t, &r) && r.ip6 == 1 && !memcmp(r.src.b, &b, 16) &&
	   !memcmp(r.dst.b, &a, 16) && r.sport == 53 && r.dport == 1000,
	   "inverted");
	ok(qt_ct_tuple_of(icmp6(&k, A, B, 128, 0, 77), &t) &&
	   t.sport == 77 && t.dport == 128 << 8, "echo request tuple");
	ok(qt_ct_invert(&t, &r) && r.dport == 129 << 8 && r.sport == 77,
	   "inverts to the echo reply");
	ok(qt_ct_tuple_of(icmp6(&k, A, B, 139, 0, 5), &t) &&
	   qt_ct_invert(&t, &r) && r.dport == 140 << 8,
	   "node information query inverts to its reply");
	ok(qt_ct_tuple_of(icmp6(&k, A, B, 137, 0, 0), &t) && !qt_ct_invert(&t, &r),
	   "a redirect has no inverse");

	/* a fragment header: the first fragment has ports, a later one
	 * has no tuple (the kernel tracks reassembled packets) */
	uint8_t u[8 + 12] = { IPPROTO_UDP, 0, 0, 1, 0, 0, 0, 9 };
	put16(u + 8, 1000);
	put16(u + 10, 53);
	mk(&k, IPPROTO_FRAGMENT, A, B, u, sizeof(u), -1);
	ok(qt_ct_tuple_of(&k.p, &t) && t.dport == 53, "first fragment: tuple");
	u[2] = 0x01;
	mk(&k, IPPROTO_FRAGMENT, A, B, u, sizeof(u), -1);
	ok(!qt_ct_tuple_of(&k.p, &t), "non-first fragment: no tuple");
	ok(sizeof(struct qt_ct_tuple) == 40, "a tuple is 40 bytes");
}

/* IPv4 10.0.0.1 and the IPv6 address 0a00:0001:: share their first
 * four bytes: their tuples must differ. */
static void test_families_apart(void)
{
	struct qt_ct *ct = mkct(64);
	struct pk k;
	struct qt_ct_verdict v;
	in_ok(ct, udp(&k, "a00:1::", 1000, "a00:2::", 53), 0, &v);
	ok(v.state == QT_CT_NEW && v.e, "IPv6 udp: NEW");
	uint8_t b4[40] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, IPPROTO_UDP, 0, 0,
			   10, 0, 0, 1, 10, 0, 0, 2 };
	put16(b4 + 20, 1000);
	put16(b4 + 22, 53);
	put16(b4 + 24, 8);
	struct qt_pkt p4;
	qt_pkt_parse_ipv4(&p4, b4, 28);
	in_ok(ct, &p4, 0, &v);
	ok(v.state == QT_CT_NEW && v.created, "IPv4 of the same low bytes: NEW, its own entry");
	is_int(qt_ct_count(ct), 2, "two entries");
	qt_ct_free(ct);
}

static void test_tcp_handshake(void)
{
	struct qt_ct *ct = mkct(64);
	struct pk k;
	struct qt_ct_verdict v;
	in_ok(ct, tcp(&k, A, 40000, B, 80, 0x02, 100, 0), 0, &v);
	ok(v.state == QT_CT_NEW && v.e, "SYN: NEW");
	is_str(qt_ct_entry_state_name(v.e), "SYN_SENT", "SYN_SENT");
	struct qt_ct_entry *e = v.e;
	in_ok(ct, tcp(&k, B, 80, A, 40000, 0x12, 500, 101), S, &v);
	ok(v.state == QT_CT_ESTABLISHED && v.e == e && v.dir == QT_CT_REPLY,
	   "SYN/ACK: ESTABLISHED, reply direction");
	is_str(qt_ct_entry_state_name(e), "SYN_RECV", "SYN_RECV");
	in_ok(ct, tcp(&k, A, 40000, B, 80, 0x10, 101, 501), 2 * S, &v);
	ok(v.state == QT_CT_ESTABLISHED && v.e == e, "ACK: ESTABLISHED");
	is_str(qt_ct_entry_state_name(e), "ESTABLISHED", "TCP ESTABLISHED");
	ok(e->status & QT_IPS_ASSURED, "assured");
	/* out of the window: INVALID, as for IPv4 */
	in_ok(ct, tcp(&k, A, 40000, B, 80, 0x10, 101 + 3000000, 501), 3 * S, &v);
	ok(v.state == QT_CT_INVALID, "data far beyond the window: INVALID");
	/* the same ports to another IPv6 address: another connection */
	in_ok(ct, tcp(&k, A, 40000, "2001:db8:0:1::3", 80, 0x02, 7, 0), 3 * S, &v);
	ok(v.state == QT_CT_NEW && v.e != e, "another destination: NEW");
	qt_ct_free(ct);
}

static void test_icmpv6(void)
{
	struct qt_ct *ct = mkct(64);
	struct pk k, q;
	struct qt_ct_verdict v;
	in_ok(ct, icmp6(&k, A, B, 128, 0, 9), 0, &v);
	ok(v.state == QT_CT_NEW && v.e, "echo request: NEW");
	struct qt_ct_entry *e = v.e;
	ok(qt_ct_seconds_left(e, 0) == 30, "icmpv6 timeout 30 s");
	in_ok(ct, icmp6(&k, B, A, 129, 0, 9), S, &v);
	ok(v.state == QT_CT_ESTABLISHED && v.e == e && v.dir == QT_CT_REPLY,
	   "echo reply: ESTABLISHED");
	in_ok(ct, icmp6(&k, B, A, 129, 0, 10), S, &v);
	ok(v.state == QT_CT_INVALID && !v.e, "a reply of another id: INVALID");
	uint64_t inval = qt_ct_stats(ct)->invalid;
	in_ok(ct, icmp6(&k, A, B, 137, 0, 0), S, &v);
	ok(v.state == QT_CT_INVALID && !v.e, "redirect: INVALID (not a valid new type)");
	in_ok(ct, icmp6(&k, A, B, 200, 0, 0), S, &v);
	ok(v.state == QT_CT_INVALID && !v.e, "type 200: INVALID");
	is_int(qt_ct_stats(ct)->invalid, inval + 2, "counted invalid");
	in_ok(ct, icmp6(&k, A, B, 139, 0, 3), S, &v);
	ok(v.state == QT_CT_NEW && v.e, "node information query: NEW");

	/* neighbour discovery and MLD: UNTRACKED, no entry */
	uint32_t n = qt_ct_count(ct);
	const uint8_t noct[] = { 130, 131, 132, 133, 134, 135, 136, 143 };
	bool all = true;
	for (unsigned i = 0; i < sizeof(noct); i++) {
		qt_ct_in(ct, icmp6(&k, "fe80::1", "ff02::1", noct[i], 0, 0), S, &v);
		all = all && v.state == QT_CT_UNTRACKED && !v.e && !v.created;
	}
	ok(all, "NDP and MLD (130-136, 143): UNTRACKED");
	is_int(qt_ct_count(ct), n, "no entry made for them");

	/* errors: RELATED by the packet they quote */
	struct pk syn;
	in_ok(ct, udp(&syn, A, 5000, B, 6000), 2 * S, &v);
	struct qt_ct_entry *u = v.e;
	const uint8_t errs[] = { 1, 2, 3, 4 };
	all = true;
	for (unsigned i = 0; i < sizeof(errs); i++) {
		qt_ct_in(ct, icmp6_err(&k, "2001:db8:ffff::1", A, errs[i], 0, &syn),
			 2 * S, &v);
		all = all && v.state == QT_CT_RELATED && v.e == u &&
		      v.dir == QT_CT_REPLY;
	}
	ok(all, "unreachable, too big, time exceeded, parameter problem: RELATED");
	uint64_t err = qt_ct_stats(ct)->error;
	qt_ct_in(ct, icmp6_err(&k, "2001:db8:ffff::1", "2001:db8::9", 1, 4, &syn),
		 2 * S, &v);
	ok(v.state == QT_CT_INVALID, "an error sent elsewhere than the quoted source: INVALID");
	udp(&q, A, 5001, B, 6000);
	qt_ct_in(ct, icmp6_err(&k, B, A, 1, 4, &q), 2 * S, &v);
	ok(v.state == QT_CT_INVALID, "an error quoting an untracked packet: INVALID");
	is_int(qt_ct_stats(ct)->error, err + 2, "both counted as errors");
	/* the quoted packet's extension headers are skipped */
	uint8_t body[8 + 12] = { IPPROTO_UDP, 0, 1, 4, 0, 0, 0, 0 };
	put16(body + 8, 5000);
	put16(body + 10, 6000);
	put16(body + 12, 12);
	mk(&q, IPPROTO_DSTOPTS, A, B, body, sizeof(body), -1);
	qt_ct_in(ct, icmp6_err(&k, B, A, 1, 4, &q), 2 * S, &v);
	ok(v.state == QT_CT_RELATED && v.e == u, "quoted packet with dstopts: RELATED");
	/* a quoted non-first fragment has no tuple */
	uint8_t fr[8 + 12] = { IPPROTO_UDP, 0, 0, 0x11, 0, 0, 0, 1 };
	memcpy(fr + 8, body + 8, 12);
	mk(&q, IPPROTO_FRAGMENT, A, B, fr, sizeof(fr), -1);
	qt_ct_in(ct, icmp6_err(&k, B, A, 1, 4, &q), 2 * S, &v);
	ok(v.state == QT_CT_INVALID, "quoted non-first fragment: INVALID");
	/* an unassigned type below 128 is an error too */
	qt_ct_in(ct, icmp6_err(&k, "2001:db8:ffff::1", A, 100, 0, &syn), 2 * S, &v);
	ok(v.state == QT_CT_RELATED && v.e == u, "type 100 quoting the flow: RELATED");
	/* an error quoting the echo request: RELATED to the echo */
	icmp6(&q, A, B, 128, 0, 9);
	qt_ct_in(ct, icmp6_err(&k, B, A, 3, 0, &q), 2 * S, &v);
	ok(v.state == QT_CT_RELATED && v.e == e, "time exceeded quoting the echo: RELATED");
	/* an error cut before the quoted IPv6 header */
	icmp6(&k, B, A, 1, 0, 0);
	qt_ct_in(ct, &k.p, 2 * S, &v);
	ok(v.state == QT_CT_INVALID, "an error with no quoted header: INVALID");
	/* too short for an ICMPv6 header: an error, as the kernel's
	 * "short packet" */
	err = qt_ct_stats(ct)->error;
	uint8_t shorty[4] = { 128, 0, 0, 0 };
	qt_ct_in(ct, mk(&k, IPPROTO_ICMPV6, A, B, shorty, 4, -1), 2 * S, &v);
	ok(v.state == QT_CT_INVALID && qt_ct_stats(ct)->error == err + 1,
	   "4-byte ICMPv6: INVALID, counted as error");

	/* ICMPv6 in IPv4 stays with the generic tracker */
	uint8_t b4[28] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, IPPROTO_ICMPV6, 0, 0,
			   10, 0, 0, 1, 10, 0, 0, 2, 135 };
	struct qt_pkt p4;
	qt_pkt_parse_ipv4(&p4, b4, 28);
	in_ok(ct, &p4, 3 * S, &v);
	ok(v.state == QT_CT_NEW && v.e, "ICMPv6 inside IPv4: generic, NEW");
	qt_ct_free(ct);
}

static void test_checksums(void)
{
	struct qt_ct_config c;
	qt_ct_config_default(&c);
	struct pk k;
	struct qt_pkt *p = udp(&k, A, 1000, B, 53);
	ok(qt_pkt_csum_holds(p), "udp: the pseudo-header checksum holds");
	ok(!qt_ct_checksum_fails(&c, p, true, true), "not INVALID at PREROUTING");
	k.b[40 + 8] ^= 1;
	ok(!qt_pkt_csum_holds(&k.p), "udp: one bit changed, it fails");
	ok(qt_ct_checksum_fails(&c, &k.p, true, true), "INVALID at PREROUTING");
	ok(!qt_ct_checksum_fails(&c, &k.p, false, true), "not checked elsewhere");
	p = tcp(&k, A, 1, B, 2, 0x02, 5, 0);
	ok(qt_pkt_csum_holds(p), "tcp holds");
	k.b[9] ^= 0x80;        /* the source address: in the pseudo-header */
	qt_pkt_parse_ipv6(&k.p, k.b, k.n);
	ok(!qt_pkt_csum_holds(&k.p), "tcp: a changed source address fails");
	p = icmp6(&k, A, B, 128, 0, 1);
	ok(qt_pkt_csum_holds(p), "icmpv6 holds (pseudo-header included)");
	k.b[7] = 1;            /* the hop limit: not covered */
	qt_pkt_parse_ipv6(&k.p, k.b, k.n);
	ok(qt_pkt_csum_holds(&k.p), "the hop limit is not covered");
	k.b[40 + 4] ^= 1;
	ok(!qt_pkt_csum_holds(&k.p), "icmpv6: a changed id fails");
	/* the checksum after extension headers covers only the transport */
	uint8_t body[8 + 12] = { IPPROTO_UDP, 0, 1, 4, 0, 0, 0, 0 };
	put16(body + 8, 7);
	put16(body + 10, 8);
	put16(body + 12, 12);
	mk(&k, IPPROTO_DSTOPTS, A, B, body, sizeof(body), -1);
	k.p.proto = IPPROTO_UDP;
	set_csum(&k, 48, 6);
	qt_pkt_parse_ipv6(&k.p, k.b, k.n);
	ok(qt_pkt_csum_holds(&k.p), "udp after dstopts holds");
	/* a copy that lacks part of the packet cannot be checked */
	qt_pkt_parse_ipv6(&k.p, k.b, k.n - 2);
	k.b[40 + 8 + 8] ^= 1;
	ok(qt_pkt_csum_holds(&k.p), "a partial copy: taken as good");
}

/* Zones hold for IPv6 as for IPv4: the same tuple in zone 1 and in
 * none is two connections, a reply in zone 1 finds zone 1's, and an
 * ICMPv6 error in zone 1 is related to it. */
static void test_zones6(void)
{
	struct qt_ct *ct = mkct(64);
	struct pk k, q;
	struct qt_ct_verdict v;
	const struct qt_ct_zone z1 = { 1, QT_CT_ZONE_DIR_BOTH };
	qt_ct_in_zone(ct, udp(&k, A, 1000, B, 53), &z1, 0, &v);
	struct qt_ct_entry *e1 = v.e;
	ok(v.created && e1 && e1->t[QT_CT_REPLY].zone == 1, "zone 1: NEW");
	qt_ct_confirm(ct, e1, 0);
	in_ok(ct, udp(&k, A, 1000, B, 53), 0, &v);
	ok(v.created && v.e != e1, "no zone: another connection");
	qt_ct_in_zone(ct, udp(&k, B, 53, A, 1000), &z1, 0, &v);
	ok(v.e == e1 && v.state == QT_CT_ESTABLISHED && v.dir == QT_CT_REPLY,
	   "a reply in zone 1 finds zone 1's");
	udp(&q, A, 1000, B, 53);
	qt_ct_in_zone(ct, icmp6_err(&k, B, A, 1, 4, &q), &z1, 0, &v);
	ok(v.state == QT_CT_RELATED && v.e == e1,
	   "an error in zone 1: related to zone 1's");
	qt_ct_free(ct);
}

int main(void)
{
	test_tuples();
	test_families_apart();
	test_tcp_handshake();
	test_icmpv6();
	test_checksums();
	test_zones6();
	return done_testing();
}
