/* What the NAT unit tests (test_nat_*.c) share: a ruleset compiled from
 * iptables commands, a connection table, packets built here with their
 * checksums, and each packet judged at the hooks of its path as the
 * daemon judges them (qt_judge per hook, inside a burst). Checksums are
 * verified with a computation of the test's own (whole sums, never the
 * incremental updates the engine makes). */
#ifndef QT_NAT_HARNESS_H
#define QT_NAT_HARNESS_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conntrack.h"
#include "ct_glue.h"
#include "host_addrs.h"
#include "judge.h"
#include "nat.h"
#include "program.h"
#include "rt_store.h"
#include "qt_test.h"
#include "tap.h"

#define NS_PER_S 1000000000ull

static inline uint32_t h_ip(const char *s)
{
	struct in_addr a;
	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static inline uint16_t h_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void h_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The one's complement sum of n bytes, folded (the test's own). */
static inline uint16_t h_sum(uint32_t s, const uint8_t *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		s += i % 2 ? b[i] : (uint32_t)b[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Is the IP header checksum right? */
static inline bool h_ip_ok(const uint8_t *ip)
{
	return h_sum(0, ip, (ip[0] & 15) * 4u) == 0xffff;
}

/* Does the transport checksum of the packet hold (pseudo-header for
 * TCP and UDP)? */
static inline bool h_l4_ok(const uint8_t *ip)
{
	uint32_t ihl = (ip[0] & 15) * 4u, n = h_get16(ip + 2) - ihl;
	uint32_t s = 0;
	if (ip[9] == IPPROTO_TCP || ip[9] == IPPROTO_UDP) {
		s = h_sum(0, ip + 12, 8);
		s += ip[9] + n;
	}
	return h_sum(s, ip + ihl, n) == 0xffff;
}

/* Write the transport checksum of the packet whole (check field at at). */
static inline void h_l4_fill(uint8_t *ip, unsigned at)
{
	uint32_t ihl = (ip[0] & 15) * 4u, n = h_get16(ip + 2) - ihl;
	uint8_t *th = ip + ihl;
	h_put16(th + at, 0);
	uint32_t s = 0;
	if (ip[9] == IPPROTO_TCP || ip[9] == IPPROTO_UDP) {
		s = h_sum(0, ip + 12, 8);
		s += ip[9] + n;
	}
	uint16_t c = (uint16_t)~h_sum(s, th, n);
	if (ip[9] == IPPROTO_UDP && c == 0)
		c = 0xffff;
	h_put16(th + at, c);
}

static inline void h_ip_fill(uint8_t *ip)
{
	h_put16(ip + 10, 0);
	h_put16(ip + 10, (uint16_t)~h_sum(0, ip, (ip[0] & 15) * 4u));
}

struct hpkt {
	uint8_t b[1600];
	uint32_t len;
};

/* An IPv4 packet, checksums right. */
static inline void h_mk(struct hpkt *k, uint8_t proto, const char *src,
			const char *dst, const uint8_t *l4, uint32_t n)
{
	memset(k->b, 0, sizeof(k->b));
	k->b[0] = 0x45;
	h_put16(k->b + 2, (uint16_t)(20 + n));
	h_put16(k->b + 4, 0x1234);
	k->b[8] = 64;
	k->b[9] = proto;
	uint32_t s = h_ip(src), d = h_ip(dst);
	memcpy(k->b + 12, &s, 4);
	memcpy(k->b + 16, &d, 4);
	memcpy(k->b + 20, l4, n);
	k->len = 20 + n;
	h_ip_fill(k->b);
	if (proto == IPPROTO_TCP)
		h_l4_fill(k->b, 16);
	else if (proto == IPPROTO_UDP)
		h_l4_fill(k->b, 6);
	else if (proto == IPPROTO_ICMP)
		h_l4_fill(k->b, 2);
}

static inline void h_tcp(struct hpkt *k, const char *src, uint16_t sp,
			 const char *dst, uint16_t dp, uint8_t flags,
			 uint32_t seq, uint32_t ack)
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
	h_mk(k, IPPROTO_TCP, src, dst, u, flags & 0x02 ? 20 : 24);
}

static inline void h_udp(struct hpkt *k, const char *src, uint16_t sp,
			 const char *dst, uint16_t dp)
{
	uint8_t u[13] = { 0 };
	h_put16(u, sp);
	h_put16(u + 2, dp);
	h_put16(u + 4, 13);
	memcpy(u + 8, "hello", 5);
	h_mk(k, IPPROTO_UDP, src, dst, u, 13);
}

static inline void h_echo(struct hpkt *k, const char *src, const char *dst,
			  uint8_t type, uint16_t id)
{
	uint8_t u[16] = { type, 0, 0, 0, 0, 0, 0, 1, 'p', 'i', 'n', 'g' };
	h_put16(u + 4, id);
	h_mk(k, IPPROTO_ICMP, src, dst, u, 16);
}

/* An ICMP error (type 3 code 3) from src to dst quoting q whole. */
static inline void h_icmp_err(struct hpkt *k, const char *src,
			      const char *dst, const struct hpkt *q)
{
	uint8_t u[8 + 1600] = { 3, 3 };
	memcpy(u + 8, q->b, q->len);
	h_mk(k, IPPROTO_ICMP, src, dst, u, 8 + q->len);
}

static inline uint32_t h_saddr(const struct hpkt *k)
{
	uint32_t a;
	memcpy(&a, k->b + 12, 4);
	return a;
}

static inline uint32_t h_daddr(const struct hpkt *k)
{
	uint32_t a;
	memcpy(&a, k->b + 16, 4);
	return a;
}

static inline uint16_t h_sport(const struct hpkt *k)
{
	return h_get16(k->b + 20);
}

static inline uint16_t h_dport(const struct hpkt *k)
{
	return h_get16(k->b + 22);
}

struct harness {
	struct qt_ruleset *rs;
	struct qt_rt_store *store;
	struct qt_prog *prog;
	struct qt_ctg *ctg;
	struct qt_addrs *addrs;
	struct qt_engine_env env;
	uint64_t now;
};

/* The firewall's interfaces: eth0 (1) 10.0.1.1 to the clients, eth1 (2)
 * 10.0.2.1 to the servers. */
static inline void h_start(struct harness *h, const char *const *cmds)
{
	memset(h, 0, sizeof(*h));
	h->rs = qt_ruleset_new(0);
	for (; *cmds; cmds++) {
		struct qt_test_result r;
		qt_test_cmd(&h->rs, *cmds, &r);
		if (r.status)
			printf("# %s: %s", *cmds, qt_buf_str(&r.err));
		qt_test_result_free(&r);
	}
	h->addrs = qt_addrs_new();
	struct qt_addrs_addr ad[2] = {
		{ .ifindex = 1, .a = { h_ip("10.0.1.1") } },
		{ .ifindex = 2, .a = { h_ip("10.0.2.1") } },
	};
	qt_addrs_publish(h->addrs, NULL, 0, ad, 2);
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

static inline void h_stop(struct harness *h)
{
	qt_prog_free(h->prog);
	qt_ctg_free(h->ctg);
	qt_rt_store_free(h->store);
	qt_addrs_free(h->addrs);
	qt_ruleset_free(h->rs);
}

static inline const char *h_ifname(int i)
{
	return i == 1 ? "eth0" : i == 2 ? "eth1" : i == 9 ? "lo" : "";
}

/* k judged at one hook (in/out: interface indexes, 0 none); k is
 * rewritten in place as the verdict would carry it. */
static inline int h_hook(struct harness *h, struct hpkt *k, unsigned hook,
			 int in, int out, bool partial)
{
	struct qt_eval ev;
	qt_eval_init(&ev, k->b, k->len, sizeof(k->b), k->len, hook, &h->env);
	ev.indev = in;
	ev.outdev = out;
	ev.in = h_ifname(in);
	ev.out = h_ifname(out);
	ev.now_ns = h->now;
	ev.csum_not_ready = partial;
	qt_ctg_burst_begin(h->ctg, h->now);
	int v = qt_judge(h->prog, h->ctg, &ev, NULL);
	qt_ctg_burst_end(h->ctg);
	k->len = ev.len;
	return v;
}

/* A forwarded packet: PREROUTING, FORWARD, POSTROUTING (eth0 -> eth1
 * when from the clients' side, else the other way). */
static inline int h_forward(struct harness *h, struct hpkt *k)
{
	bool from_client = (ntohl(h_saddr(k)) >> 8 & 0xff) == 1;
	int in = from_client ? 1 : 2, out = from_client ? 2 : 1;
	int v = h_hook(h, k, QT_HOOK_PRE_ROUTING, in, 0, false);
	if (v == QT_XT_ACCEPT)
		v = h_hook(h, k, QT_HOOK_FORWARD, in, out, false);
	if (v == QT_XT_ACCEPT)
		v = h_hook(h, k, QT_HOOK_POST_ROUTING, 0, out, false);
	return v;
}

/* The entry of the connection whose original tuple has this source. */
static inline struct qt_ct_entry *h_entry(struct harness *h, uint8_t proto,
					  const char *src, uint16_t sport,
					  const char *dst, uint16_t dport)
{
	struct qt_ct_tuple t;
	memset(&t, 0, sizeof(t));
	t.src.ip = h_ip(src);
	t.dst.ip = h_ip(dst);
	t.sport = sport;
	t.dport = dport;
	t.proto = proto;
	enum qt_ct_dir d;
	return qt_ct_find(qt_ctg_shard(h->ctg), &t, &d);
}

/* Packets of rule n (1-based) of a nat chain. */
static inline uint64_t h_nat_count(struct harness *h, const char *chain,
				   unsigned n)
{
	struct qt_chain *c = qt_table_chain(h->rs->tables[QT_TABLE_NAT], chain);
	struct qt_rule_rt *rt = qt_rt_get(h->store, c->rules[n - 1]);
	return rt->cnt.pkts;
}

#endif
