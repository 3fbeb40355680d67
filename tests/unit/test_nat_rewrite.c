/* Rewriting (engine/nat_pkt.c): addresses, TCP/UDP ports, ICMP echo ids,
 * checksums checked with the test's own whole sums; a UDP checksum of 0
 * stays 0 and one that becomes 0 is written 0xffff; a wrong checksum
 * stays wrong by the same amount; a partial checksum (the queue's
 * "checksum not ready") is made whole; ICMP errors quoting a translated
 * connection get the quoted headers and the outer one rewritten. */
#include "crc32.h"
#include "csum.h"
#include "nat_harness.h"

static struct qt_ct_tuple tuple(uint8_t proto, const char *src, uint16_t sp,
				const char *dst, uint16_t dp)
{
	struct qt_ct_tuple t;
	memset(&t, 0, sizeof(t));
	t.src.ip = h_ip(src);
	t.dst.ip = h_ip(dst);
	t.sport = sp;
	t.dport = dp;
	t.proto = proto;
	return t;
}

static void tcp_udp(void)
{
	struct hpkt k;
	bool ch;
	h_tcp(&k, "10.0.1.2", 40000, "10.0.2.2", 80, 0x10, 77, 88);
	struct qt_ct_tuple t = tuple(IPPROTO_TCP, "192.168.7.9", 1234,
				     "10.0.2.2", 80);
	ok(qt_nat_manip_pkt(k.b, k.len, 0, &t, QT_NAT_MANIP_SRC, false, &ch) &&
	   ch, "TCP source rewritten");
	ok(h_saddr(&k) == h_ip("192.168.7.9") && h_sport(&k) == 1234,
	   "address and port");
	ok(h_ip_ok(k.b), "IP checksum");
	ok(h_l4_ok(k.b), "TCP checksum");
	t = tuple(IPPROTO_TCP, "0.0.0.0", 0, "172.16.0.1", 443);
	qt_nat_manip_pkt(k.b, k.len, 0, &t, QT_NAT_MANIP_DST, false, &ch);
	ok(h_daddr(&k) == h_ip("172.16.0.1") && h_dport(&k) == 443 &&
	   h_ip_ok(k.b) && h_l4_ok(k.b), "TCP destination, checksums hold");

	/* a wrong TCP checksum stays wrong by the same amount */
	h_tcp(&k, "10.0.1.2", 40000, "10.0.2.2", 80, 0x10, 77, 88);
	h_put16(k.b + 36, (uint16_t)(h_get16(k.b + 36) + 5));
	t = tuple(IPPROTO_TCP, "10.0.2.1", 2000, "0.0.0.0", 0);
	qt_nat_manip_pkt(k.b, k.len, 0, &t, QT_NAT_MANIP_SRC, false, &ch);
	uint16_t wrong = h_get16(k.b + 36);
	h_l4_fill(k.b, 16);
	is_int((uint16_t)(wrong - h_get16(k.b + 36)), 5,
	       "a wrong checksum stays 5 off");

	h_udp(&k, "10.0.1.2", 5000, "10.0.2.2", 53);
	t = tuple(IPPROTO_UDP, "10.0.2.1", 61000, "0.0.0.0", 0);
	qt_nat_manip_pkt(k.b, k.len, 0, &t, QT_NAT_MANIP_SRC, false, &ch);
	ok(h_ip_ok(k.b) && h_l4_ok(k.b) && h_sport(&k) == 61000,
	   "UDP rewritten, checksums hold");
	h_udp(&k, "10.0.1.2", 5000, "10.0.2.2", 53);
	h_put16(k.b + 26, 0);
	qt_nat_manip_pkt(k.b, k.len, 0, &t, QT_NAT_MANIP_SRC, false, &ch);
	ok(h_get16(k.b + 26) == 0 && h_sport(&k) == 61000 && h_ip_ok(k.b),
	   "a UDP checksum of 0 stays 0");

	/* a port that makes the UDP checksum come out 0: written 0xffff */
	bool found = false;
	for (unsigned p = 1; p < 65536 && !found; p++) {
		h_udp(&k, "10.0.1.2", 5000, "10.0.2.2", 53);
		struct hpkt c = k;
		h_put16(c.b + 20, (uint16_t)p);
		memcpy(c.b + 12, &t.src.ip, 4);
		h_put16(c.b + 26, 0);
		uint32_t s = h_sum(0, c.b + 12, 8) + IPPROTO_UDP + 13u;
		if (h_sum(s, c.b + 20, 13) != 0xffff)
			continue;
		found = true;
		struct qt_ct_tuple z = tuple(IPPROTO_UDP, "10.0.2.1", (uint16_t)p,
					     "0.0.0.0", 0);
		qt_nat_manip_pkt(k.b, k.len, 0, &z, QT_NAT_MANIP_SRC, false, &ch);
		is_int(h_get16(k.b + 26), 0xffff, "a sum of 0 is written 0xffff");
		ok(h_l4_ok(k.b), "and holds");
	}
	ok(found, "such a port exists");
}

static void partial(void)
{
	/* CHECKSUM_PARTIAL: the field holds the pseudo-header's sum only */
	struct hpkt k;
	bool ch;
	h_tcp(&k, "10.0.1.2", 40000, "10.0.2.2", 80, 0x10, 77, 88);
	uint32_t s = h_sum(0, k.b + 12, 8) + IPPROTO_TCP + 24u;
	h_put16(k.b + 36, h_sum(s, NULL, 0));
	struct qt_ct_tuple t = tuple(IPPROTO_TCP, "10.0.2.1", 3000, "0.0.0.0", 0);
	ok(qt_nat_manip_pkt(k.b, k.len, 0, &t, QT_NAT_MANIP_SRC, true, &ch),
	   "partial TCP rewritten");
	ok(h_l4_ok(k.b) && h_ip_ok(k.b), "its checksum made whole");
	h_udp(&k, "10.0.1.2", 5000, "10.0.2.2", 53);
	s = h_sum(0, k.b + 12, 8) + IPPROTO_UDP + 13u;
	h_put16(k.b + 26, h_sum(s, NULL, 0));
	t = tuple(IPPROTO_UDP, "10.0.2.1", 3000, "0.0.0.0", 0);
	qt_nat_manip_pkt(k.b, k.len, 0, &t, QT_NAT_MANIP_SRC, true, &ch);
	ok(h_l4_ok(k.b), "partial UDP made whole");
	/* partial and cut short: refused (it would go out wrong) */
	h_tcp(&k, "10.0.1.2", 40000, "10.0.2.2", 80, 0x10, 77, 88);
	ok(!qt_nat_manip_pkt(k.b, k.len - 2, 0, &t, QT_NAT_MANIP_SRC, true, &ch),
	   "partial without the whole segment: refused");

	/* through the walk: the packet handed back has a whole checksum */
	struct harness h;
	h_start(&h, (const char *const[]){
		"-t nat -A OUTPUT -p tcp -d 10.0.3.5 -j DNAT --to-destination 10.0.2.2:8080",
		NULL });
	h_tcp(&k, "10.0.2.1", 45000, "10.0.3.5", 80, 0x02, 1, 0);
	s = h_sum(0, k.b + 12, 8) + IPPROTO_TCP + 20u;
	h_put16(k.b + 36, h_sum(s, NULL, 0));
	is_int(h_hook(&h, &k, QT_HOOK_LOCAL_OUT, 0, 2, true), QT_XT_ACCEPT,
	       "OUTPUT");
	ok(h_daddr(&k) == h_ip("10.0.2.2") && h_dport(&k) == 8080 &&
	   h_l4_ok(k.b) && h_ip_ok(k.b), "DNAT in OUTPUT: checksum whole");
	h_stop(&h);
}

static void icmp_echo(void)
{
	struct hpkt k;
	bool ch;
	h_echo(&k, "10.0.1.2", "10.0.2.2", 8, 0x1111);
	struct qt_ct_tuple t = tuple(IPPROTO_ICMP, "10.0.2.1", 0x2222,
				     "0.0.0.0", 8 << 8);
	qt_nat_manip_pkt(k.b, k.len, 0, &t, QT_NAT_MANIP_SRC, false, &ch);
	ok(h_get16(k.b + 24) == 0x2222 && h_l4_ok(k.b) && h_ip_ok(k.b),
	   "echo id rewritten, checksums hold");
	/* an error type has no id */
	h_echo(&k, "10.0.1.2", "10.0.2.2", 3, 0x1111);
	qt_nat_manip_pkt(k.b, k.len, 0, &t, QT_NAT_MANIP_SRC, false, &ch);
	is_int(h_get16(k.b + 24), 0x1111, "not in an error");
}

/* The quoted packet's fields, at the error's offset 28. */
static uint32_t q_saddr(const struct hpkt *k)
{
	uint32_t a;
	memcpy(&a, k->b + 28 + 12, 4);
	return a;
}

static uint32_t q_daddr(const struct hpkt *k)
{
	uint32_t a;
	memcpy(&a, k->b + 28 + 16, 4);
	return a;
}

static void icmp_errors(void)
{
	struct harness h;
	h_start(&h, (const char *const[]){
		"-t nat -A POSTROUTING -o eth1 -p udp -j SNAT --to-source 10.0.2.1:7000",
		"-t nat -A PREROUTING -p tcp -d 10.0.1.1 --dport 80 "
		"-j DNAT --to-destination 10.0.2.2:8080",
		NULL });
	struct hpkt k, q, e;
	/* SNAT: the server's error to 10.0.2.1 quotes 10.0.2.1:7000 */
	h_udp(&k, "10.0.1.2", 5000, "10.0.2.2", 6000);
	h_forward(&h, &k);
	is_int(h_sport(&k), 7000, "SNAT to port 7000");
	q = k;              /* as the server received it */
	h_icmp_err(&e, "10.0.2.2", "10.0.2.1", &q);
	is_int(h_forward(&h, &e), QT_XT_ACCEPT, "the error forwarded");
	ok(h_daddr(&e) == h_ip("10.0.1.2"), "outer: to the client");
	ok(q_saddr(&e) == h_ip("10.0.1.2") && h_get16(e.b + 48) == 5000,
	   "quoted: the client's own source and port");
	ok(q_daddr(&e) == h_ip("10.0.2.2") && h_get16(e.b + 50) == 6000,
	   "quoted: destination kept");
	ok(h_ip_ok(e.b), "outer IP checksum");
	ok(h_l4_ok(e.b), "ICMP checksum computed again");
	ok(h_ip_ok(e.b + 28), "quoted IP checksum");
	/* the quoted UDP checksum, over the quoted (whole) datagram */
	struct hpkt inner;
	memcpy(inner.b, e.b + 28, q.len);
	inner.len = q.len;
	ok(h_l4_ok(inner.b), "quoted UDP checksum");

	/* DNAT, TCP: the server's error about 10.0.2.2:8080 */
	h_tcp(&k, "10.0.1.2", 40000, "10.0.1.1", 80, 0x02, 1, 0);
	h_forward(&h, &k);
	q = k;
	h_icmp_err(&e, "10.0.2.2", "10.0.1.2", &q);
	is_int(h_forward(&h, &e), QT_XT_ACCEPT, "the TCP error forwarded");
	ok(h_saddr(&e) == h_ip("10.0.1.1"), "outer: from 10.0.1.1");
	ok(q_daddr(&e) == h_ip("10.0.1.1") && h_get16(e.b + 50) == 80,
	   "quoted: the client's destination 10.0.1.1:80");
	memcpy(inner.b, e.b + 28, q.len);
	ok(h_ip_ok(e.b) && h_l4_ok(e.b) && h_ip_ok(inner.b) && h_l4_ok(inner.b),
	   "every checksum holds");

	/* a bad ICMP checksum: dropped, as the kernel's NAT drops it */
	h_icmp_err(&e, "10.0.2.2", "10.0.1.2", &q);
	h_put16(e.b + 22, (uint16_t)(h_get16(e.b + 22) + 1));
	is_int(h_forward(&h, &e), QT_XT_DROP, "bad checksum: dropped");
	h_stop(&h);
}

static void quoted_eight_bytes(void)
{
	/* only 8 bytes of the quoted TCP header: ports, no checksum */
	struct hpkt k;
	bool ch;
	h_tcp(&k, "10.0.1.2", 40000, "10.0.2.2", 80, 0x10, 77, 88);
	uint8_t before = k.b[36];
	struct qt_ct_tuple t = tuple(IPPROTO_TCP, "10.0.2.1", 999, "0.0.0.0", 0);
	ok(qt_nat_manip_pkt(k.b, 28, 0, &t, QT_NAT_MANIP_SRC, false, &ch),
	   "a header of 8 bytes");
	ok(h_sport(&k) == 999 && k.b[36] == before, "port, checksum untouched");
	ok(!qt_nat_manip_pkt(k.b, 26, 0, &t, QT_NAT_MANIP_SRC, false, &ch),
	   "fewer: refused");
}

static void sctp(void)
{
	/* the CRC32c check value of RFC 3720's "123456789" */
	is_int((int)qt_crc32c(0, "123456789", 9),
	       (int)0xe3069283u, "CRC32c of 123456789");
	struct hpkt k;
	uint8_t u[28] = { 0 };
	h_put16(u, 5000);
	h_put16(u + 2, 80);
	u[12] = 1;          /* an INIT chunk, its header and some bytes */
	h_put16(u + 14, 16);
	h_mk(&k, IPPROTO_SCTP, "10.0.1.2", "10.0.2.2", u, sizeof(u));
	struct qt_ct_tuple t = tuple(IPPROTO_SCTP, "10.0.2.1", 6000,
				     "0.0.0.0", 0);
	bool ch;
	ok(qt_nat_manip_pkt(k.b, k.len, 0, &t, QT_NAT_MANIP_SRC, false, &ch) &&
	   ch, "SCTP rewritten");
	uint8_t got[4];
	memcpy(got, k.b + 28, 4);
	memset(k.b + 28, 0, 4);
	/* the CRC computed bit by bit here, stored little-endian */
	uint32_t c = 0xffffffffu;
	for (uint32_t i = 20; i < k.len; i++) {
		c ^= k.b[i];
		for (int b = 0; b < 8; b++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
	}
	c = ~c;
	ok(h_sport(&k) == 6000 && got[0] == (uint8_t)c &&
	   got[1] == (uint8_t)(c >> 8) && got[2] == (uint8_t)(c >> 16) &&
	   got[3] == (uint8_t)(c >> 24), "port and CRC32c");
	ok(h_ip_ok(k.b), "IP checksum");
}

static void redirect_errors(void)
{
	/* an ICMP redirect about a translated connection is dropped (it
	 * would send the host elsewhere), one about another passes */
	struct harness h;
	h_start(&h, (const char *const[]){
		"-t nat -A POSTROUTING -o eth1 -s 10.0.1.2 -j SNAT --to-source 10.0.2.1",
		NULL });
	struct hpkt k, q, e;
	h_udp(&k, "10.0.1.2", 5000, "10.0.2.2", 53);
	h_forward(&h, &k);
	q = k;
	h_icmp_err(&e, "10.0.2.2", "10.0.2.1", &q);
	e.b[20] = 5;        /* redirect */
	h_l4_fill(e.b, 2);
	is_int(h_hook(&h, &e, QT_HOOK_PRE_ROUTING, 2, 0, false), QT_XT_DROP,
	       "a redirect about a translated connection: dropped");
	h_udp(&k, "10.0.1.3", 5000, "10.0.2.2", 53);
	h_forward(&h, &k);
	q = k;
	h_icmp_err(&e, "10.0.2.2", "10.0.1.3", &q);
	e.b[20] = 5;
	h_l4_fill(e.b, 2);
	is_int(h_hook(&h, &e, QT_HOOK_PRE_ROUTING, 2, 0, false), QT_XT_ACCEPT,
	       "one about an untranslated connection: passes");
	h_stop(&h);
}

int main(void)
{
	sctp();
	redirect_errors();
	tcp_udp();
	partial();
	icmp_echo();
	icmp_errors();
	quoted_eight_bytes();
	return done_testing();
}
