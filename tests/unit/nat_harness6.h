/* The IPv6 side of the NAT unit tests (test_nat6*.c): an ip6tables
 * ruleset compiled from commands, IPv6 packets built here with their
 * checksums (the pseudo-header's, computed by the test's own sums),
 * judged hook by hook as tests/unit/nat_harness.h judges IPv4 ones.
 * The firewall: eth0 (1) fd00:1::1 to the clients, eth1 (2) fd00:2::1
 * to the servers. */
#ifndef QT_NAT_HARNESS6_H
#define QT_NAT_HARNESS6_H

#include "nat_harness.h"

static inline void h6_ip(const char *s, uint8_t out[16])
{
	inet_pton(AF_INET6, s, out);
}

static inline bool h6_is(const uint8_t *a, const char *s)
{
	uint8_t b[16];
	h6_ip(s, b);
	return !memcmp(a, b, 16);
}

/* The transport header's offset: past a hop-by-hop header when there
 * is one (the only extension header these tests build). */
static inline uint32_t h6_l4off(const uint8_t *ip)
{
	return ip[6] == IPPROTO_HOPOPTS ? 48 : 40;
}

static inline uint8_t h6_proto(const uint8_t *ip)
{
	return ip[6] == IPPROTO_HOPOPTS ? ip[40] : ip[6];
}

/* The transport checksum's sum over pseudo-header and segment. */
static inline uint16_t h6_l4_sum(const uint8_t *ip)
{
	uint32_t off = h6_l4off(ip), n = 40 + h_get16(ip + 4) - off;
	uint32_t s = h_sum(0, ip + 8, 32);
	s += h6_proto(ip) + n;
	return h_sum(s, ip + off, n);
}

static inline bool h6_l4_ok(const uint8_t *ip)
{
	return h6_l4_sum(ip) == 0xffff;
}

static inline unsigned h6_csum_at(uint8_t proto)
{
	return proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 2;
}

static inline void h6_l4_fill(uint8_t *ip)
{
	uint8_t *th = ip + h6_l4off(ip);
	unsigned at = h6_csum_at(h6_proto(ip));
	h_put16(th + at, 0);
	uint16_t c = (uint16_t)~h6_l4_sum(ip);
	if (h6_proto(ip) == IPPROTO_UDP && c == 0)
		c = 0xffff;
	h_put16(th + at, c);
}

/* An IPv6 packet, checksum right; hbh: a hop-by-hop header first. */
static inline void h6_mk(struct hpkt *k, uint8_t proto, const char *src,
			 const char *dst, const uint8_t *l4, uint32_t n,
			 bool hbh)
{
	memset(k->b, 0, sizeof(k->b));
	k->b[0] = 0x60;
	uint32_t ext = hbh ? 8 : 0;
	h_put16(k->b + 4, (uint16_t)(ext + n));
	k->b[6] = hbh ? IPPROTO_HOPOPTS : proto;
	k->b[7] = 64;
	h6_ip(src, k->b + 8);
	h6_ip(dst, k->b + 24);
	if (hbh) {
		/* next header, length 0, a PadN option of 4 bytes */
		k->b[40] = proto;
		k->b[42] = 1;
		k->b[43] = 4;
	}
	memcpy(k->b + 40 + ext, l4, n);
	k->len = 40 + ext + n;
	h6_l4_fill(k->b);
}

static inline void h6_tcp(struct hpkt *k, const char *src, uint16_t sp,
			  const char *dst, uint16_t dp, uint8_t flags,
			  uint32_t seq, uint32_t ack, bool hbh)
{
	uint8_t u[24] = { 0 };
	h_put16(u, sp);
	h_put16(u + 2, dp);
	h_put16(u + 4, (uint16_t)(seq >> 16));
	h_put16(u + 6, (uint16_t)seq);
	h_put16(u + 8, (uint16_t)(ack >> 16));
	h_put16(u + 10, (uint16_t)ack);
	u[12] = 5 << 4;
	u[13] = flags;
	h_put16(u + 14, 65535);
	memcpy(u + 20, "data", 4);
	h6_mk(k, IPPROTO_TCP, src, dst, u, flags & 0x02 ? 20 : 24, hbh);
}

static inline void h6_udp(struct hpkt *k, const char *src, uint16_t sp,
			  const char *dst, uint16_t dp)
{
	uint8_t u[13] = { 0 };
	h_put16(u, sp);
	h_put16(u + 2, dp);
	h_put16(u + 4, 13);
	memcpy(u + 8, "hello", 5);
	h6_mk(k, IPPROTO_UDP, src, dst, u, 13, false);
}

static inline void h6_echo(struct hpkt *k, const char *src, const char *dst,
			   uint8_t type, uint16_t id)
{
	uint8_t u[16] = { type, 0, 0, 0, 0, 0, 0, 1, 'p', 'i', 'n', 'g' };
	h_put16(u + 4, id);
	h6_mk(k, IPPROTO_ICMPV6, src, dst, u, 16, false);
}

/* An ICMPv6 port unreachable from src to dst quoting q whole. */
static inline void h6_icmp_err(struct hpkt *k, const char *src,
			       const char *dst, const struct hpkt *q)
{
	uint8_t u[8 + 1600] = { 1, 4 };
	memcpy(u + 8, q->b, q->len);
	h6_mk(k, IPPROTO_ICMPV6, src, dst, u, 8 + q->len, false);
}

static inline const uint8_t *h6_saddr(const struct hpkt *k)
{
	return k->b + 8;
}

static inline const uint8_t *h6_daddr(const struct hpkt *k)
{
	return k->b + 24;
}

static inline uint16_t h6_sport(const struct hpkt *k)
{
	return h_get16(k->b + h6_l4off(k->b));
}

static inline uint16_t h6_dport(const struct hpkt *k)
{
	return h_get16(k->b + h6_l4off(k->b) + 2);
}

/* The harness of nat_harness.h with an IPv6 ruleset and addresses:
 * eth0 (1) fd00:1::1/64, eth1 (2) fe80::2/64 (link scope, listed
 * first, as the kernel lists a link's own), then fd00:2::1/64 and
 * 2001:db8:2::1/64; lo (9) ::1/128. */
static inline void h6_start(struct harness *h, const char *const *cmds)
{
	memset(h, 0, sizeof(*h));
	h->rs = qt_ruleset_new(AF_INET6);
	for (; *cmds; cmds++) {
		struct qt_test_result r;
		qt_test_cmd(&h->rs, *cmds, &r);
		if (r.status)
			printf("# %s: %s", *cmds, qt_buf_str(&r.err));
		qt_test_result_free(&r);
	}
	h->addrs = qt_addrs_new();
	struct qt_addrs_addr ad[5] = {
		{ .ifindex = 1, .family = AF_INET6, .plen = 64 },
		{ .ifindex = 2, .family = AF_INET6, .plen = 64,
		  .scope = RT_SCOPE_LINK },
		{ .ifindex = 2, .family = AF_INET6, .plen = 64 },
		{ .ifindex = 2, .family = AF_INET6, .plen = 64 },
		{ .ifindex = 9, .family = AF_INET6, .plen = 128,
		  .scope = RT_SCOPE_HOST },
	};
	h6_ip("fd00:1::1", ad[0].a6.s6_addr);
	h6_ip("fe80::2", ad[1].a6.s6_addr);
	h6_ip("fd00:2::1", ad[2].a6.s6_addr);
	h6_ip("2001:db8:2::1", ad[3].a6.s6_addr);
	h6_ip("::1", ad[4].a6.s6_addr);
	qt_addrs_publish(h->addrs, NULL, 0, ad, 5);
	h->env.addrs = h->addrs;
	h->store = qt_rt_store_new();
	struct qt_buf err;
	qt_buf_init(&err);
	h->prog = qt_prog_compile(h->rs, &h->env, h->store, &err);
	if (!h->prog)
		printf("# compile: %s", qt_buf_str(&err));
	qt_buf_free(&err);
	struct qt_ct_config c;
	qt_ct_config_default(&c);
	h->ctg = qt_ctg_new(&c, 4096);
	h->now = 100 * NS_PER_S;
	qt_nat_seed(1);
}

/* A forwarded packet: from fd00:1::/64 it goes eth0 -> eth1, else the
 * other way. */
static inline int h6_forward(struct harness *h, struct hpkt *k)
{
	uint8_t net1[16];
	h6_ip("fd00:1::", net1);
	bool from_client = !memcmp(h6_saddr(k), net1, 8);
	int in = from_client ? 1 : 2, out = from_client ? 2 : 1;
	int v = h_hook(h, k, QT_HOOK_PRE_ROUTING, in, 0, false);
	if (v == QT_XT_ACCEPT)
		v = h_hook(h, k, QT_HOOK_FORWARD, in, out, false);
	if (v == QT_XT_ACCEPT)
		v = h_hook(h, k, QT_HOOK_POST_ROUTING, 0, out, false);
	return v;
}

#endif
