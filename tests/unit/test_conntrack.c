/* The connection table (engine/ct/conntrack.c) and the UDP, ICMP and
 * generic trackers (engine/ct/conntrack_udp.c, conntrack_icmp.c,
 * conntrack_generic.c) through it, on packets built here and a fake
 * clock. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "conntrack.h"
#include "csum.h"
#include "packet.h"
#include "tap.h"

#define S 1000000000ull

struct pk {
	uint8_t b[128];
	struct qt_pkt p;
};

static uint32_t ip(const char *s)
{
	struct in_addr a;
	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* An IPv4 packet of protocol proto carrying l4[0..n). */
static struct qt_pkt *mk(struct pk *k, uint8_t proto, uint32_t src,
			 uint32_t dst, const uint8_t *l4, unsigned n)
{
	memset(k->b, 0, sizeof(k->b));
	k->b[0] = 0x45;
	put16(k->b + 2, (uint16_t)(20 + n));
	k->b[8] = 64;
	k->b[9] = proto;
	memcpy(k->b + 12, &src, 4);
	memcpy(k->b + 16, &dst, 4);
	memcpy(k->b + 20, l4, n);
	qt_pkt_parse_ipv4(&k->p, k->b, 20 + n);
	return &k->p;
}

static struct qt_pkt *udp(struct pk *k, uint32_t src, uint16_t sp,
			  uint32_t dst, uint16_t dp)
{
	uint8_t u[12] = { 0 };
	put16(u, sp);
	put16(u + 2, dp);
	put16(u + 4, 12);
	return mk(k, IPPROTO_UDP, src, dst, u, 12);
}

static struct qt_pkt *tcp(struct pk *k, uint32_t src, uint16_t sp,
			  uint32_t dst, uint16_t dp, uint8_t flags,
			  uint32_t seq, uint32_t ack)
{
	uint8_t u[20] = { 0 };
	put16(u, sp);
	put16(u + 2, dp);
	put16(u + 4, (uint16_t)(seq >> 16));
	put16(u + 6, (uint16_t)seq);
	put16(u + 8, (uint16_t)(ack >> 16));
	put16(u + 10, (uint16_t)ack);
	u[12] = 5 << 4;
	u[13] = flags;
	put16(u + 14, 65535);
	return mk(k, IPPROTO_TCP, src, dst, u, 20);
}

static struct qt_pkt *icmp(struct pk *k, uint32_t src, uint32_t dst,
			   uint8_t type, uint8_t code, uint16_t id)
{
	uint8_t u[8] = { type, code, 0, 0, 0, 0, 0, 1 };
	put16(u + 4, id);
	return mk(k, IPPROTO_ICMP, src, dst, u, 8);
}

/* An ICMP error from src to dst quoting the first 28 bytes of q. */
static struct qt_pkt *icmp_err(struct pk *k, uint32_t src, uint32_t dst,
			       uint8_t type, uint8_t code, const struct pk *q)
{
	uint8_t u[8 + 28] = { type, code };
	memcpy(u + 8, q->b, 28);
	return mk(k, IPPROTO_ICMP, src, dst, u, sizeof(u));
}

static struct qt_ct *mkct(uint32_t max)
{
	struct qt_ct_config c;
	qt_ct_config_default(&c);
	return qt_ct_new(&c, max);
}

/* qt_ct_in and, if an entry was made, confirm it (the packet accepted) */
static void in_ok(struct qt_ct *ct, const struct qt_pkt *p, uint64_t now,
		  struct qt_ct_verdict *v)
{
	qt_ct_in(ct, p, now, v);
	if (v->created)
		qt_ct_confirm(ct, v->e, now);
}

static void test_tuples(void)
{
	struct pk k;
	struct qt_ct_tuple t, r, rr;
	uint32_t a = ip("10.0.1.2"), b = ip("10.0.2.2");
	ok(qt_ct_tuple_of(udp(&k, a, 1000, b, 53), &t), "udp tuple");
	ok(t.src.ip == a && t.dst.ip == b && t.sport == 1000 && t.dport == 53 &&
	   t.proto == IPPROTO_UDP && !t.ip6 && !t.zone &&
	   !(t.src.all[1] | t.src.all[2] | t.src.all[3] | t.dst.all[1] |
	     t.dst.all[2] | t.dst.all[3]),
	   "udp tuple fields: IPv4, upper address words and zone zero");
	qt_ct_invert(&t, &r);
	ok(r.src.ip == b && r.dst.ip == a && r.sport == 53 && r.dport == 1000 &&
	   r.proto == IPPROTO_UDP, "udp inverted");
	qt_ct_invert(&r, &rr);
	ok(memcmp(&rr, &t, sizeof(t)) == 0, "invert twice is the tuple");

	ok(qt_ct_tuple_of(icmp(&k, a, b, 8, 0, 77), &t), "icmp tuple");
	ok(t.sport == 77 && t.dport == (8 << 8), "echo: id and type<<8|code");
	qt_ct_invert(&t, &r);
	ok(r.src.ip == b && r.dst.ip == a && r.sport == 77 && r.dport == 0,
	   "echo request inverts to echo reply");
	static const uint8_t pairs[][2] = { { 13, 14 }, { 15, 16 }, { 17, 18 },
					    { 0, 8 } };
	for (unsigned i = 0; i < 4; i++) {
		icmp(&k, a, b, pairs[i][0], 0, 1);
		qt_ct_tuple_of(&k.p, &t);
		qt_ct_invert(&t, &r);
		is_int(r.dport >> 8, pairs[i][1], "icmp %u inverts to %u",
		       pairs[i][0], pairs[i][1]);
	}

	uint8_t gre[4] = { 0 };
	ok(qt_ct_tuple_of(mk(&k, IPPROTO_GRE, a, b, gre, 4), &t) &&
	   t.sport == 0 && t.dport == 0 && t.proto == IPPROTO_GRE,
	   "generic: ports 0");
	/* a later fragment has no tuple */
	udp(&k, a, 1, b, 2);
	k.b[6] = 0x00;
	k.b[7] = 0x10;
	qt_pkt_parse_ipv4(&k.p, k.b, 32);
	ok(!qt_ct_tuple_of(&k.p, &t), "non-first fragment: no tuple");
	/* truncated udp header */
	uint8_t shortu[4] = { 0, 1, 0, 2 };
	ok(!qt_ct_tuple_of(mk(&k, IPPROTO_UDP, a, b, shortu, 4), &t),
	   "truncated udp: no tuple");
}

static void test_udp(void)
{
	struct qt_ct *ct = mkct(16);
	struct pk k;
	struct qt_ct_verdict v;
	uint32_t a = ip("10.0.1.2"), b = ip("10.0.2.2");
	uint64_t t0 = 1000 * S;

	qt_ct_in(ct, udp(&k, a, 1000, b, 53), t0, &v);
	ok(v.e && v.created && v.state == QT_CT_NEW && v.dir == QT_CT_ORIG,
	   "udp first packet: NEW, created");
	ok(!(v.e->status & QT_IPS_CONFIRMED), "unconfirmed before confirm");
	struct qt_ct_entry *e = v.e;
	qt_ct_confirm(ct, e, t0);
	ok(e->status & QT_IPS_CONFIRMED, "confirmed");
	is_int(qt_ct_seconds_left(e, t0), 30, "udp unreplied timeout 30");
	is_int(qt_ct_count(ct), 1, "count 1");

	in_ok(ct, udp(&k, a, 1000, b, 53), t0 + S / 2, &v);
	ok(v.e == e && !v.created && v.state == QT_CT_NEW,
	   "second packet before a reply: still NEW");
	in_ok(ct, udp(&k, b, 53, a, 1000), t0 + 1 * S, &v);
	ok(v.e == e && v.dir == QT_CT_REPLY && v.state == QT_CT_ESTABLISHED,
	   "reply: ESTABLISHED, REPLY");
	ok((e->status & QT_IPS_SEEN_REPLY) && !(e->status & QT_IPS_ASSURED),
	   "SEEN_REPLY, not ASSURED");
	is_int(qt_ct_seconds_left(e, t0 + 1 * S), 30, "reply: 30 s");
	in_ok(ct, udp(&k, a, 1000, b, 53), t0 + 3 * S / 2, &v);
	ok(v.state == QT_CT_ESTABLISHED && !(e->status & QT_IPS_ASSURED),
	   "within 2 s of the first: ESTABLISHED, not yet a stream");
	is_int(qt_ct_seconds_left(e, t0 + 3 * S / 2), 30, "still 30 s");
	in_ok(ct, udp(&k, a, 1000, b, 53), t0 + 3 * S, &v);
	ok(v.state == QT_CT_ESTABLISHED && (e->status & QT_IPS_ASSURED),
	   "after 2 s: ASSURED stream");
	is_int(qt_ct_seconds_left(e, t0 + 3 * S), 120, "stream timeout 120");

	uint64_t t1 = t0 + 3 * S;
	is_int(qt_ct_expire(ct, t1 + 119 * S, 100), 0, "not expired at 119 s");
	is_int(qt_ct_count(ct), 1, "still there");
	is_int(qt_ct_expire(ct, t1 + 121 * S, 100), 1, "expired at 121 s");
	is_int(qt_ct_count(ct), 0, "gone");
	is_int(qt_ct_stats(ct)->expired, 1, "stats.expired 1");

	/* unreplied: 30 s; refreshes move the expiry later (lazily) */
	uint64_t t2 = t1 + 200 * S;
	in_ok(ct, udp(&k, a, 2000, b, 53), t2, &v);
	in_ok(ct, udp(&k, a, 2000, b, 53), t2 + 20 * S, &v);
	is_int(qt_ct_expire(ct, t2 + 31 * S, 100), 0,
	       "refreshed at 20 s: alive at 31 s");
	is_int(qt_ct_expire(ct, t2 + 49 * S, 100), 0, "alive at 49 s");
	is_int(qt_ct_expire(ct, t2 + 51 * S, 100), 1, "expired at 51 s");

	/* a packet finding an expired entry the wheel has not reaped yet
	 * starts a new connection */
	uint64_t t3 = t2 + 100 * S;
	in_ok(ct, udp(&k, a, 3000, b, 53), t3, &v);
	struct qt_ct_entry *old = v.e;
	uint32_t oid = old->id;
	in_ok(ct, udp(&k, b, 53, a, 3000), t3 + 40 * S, &v);
	ok(v.created && v.state == QT_CT_NEW && v.dir == QT_CT_ORIG &&
	   v.e->id != oid, "expired entry found by a packet: new connection");
	is_int(qt_ct_count(ct), 1, "one entry");

	/* a malformed udp length */
	udp(&k, a, 4000, b, 53);
	put16(k.b + 24, 200);
	qt_ct_in(ct, &k.p, t3 + 41 * S, &v);
	ok(!v.e && v.state == QT_CT_INVALID, "bad udp length: INVALID");
	is_int(qt_ct_count(ct), 1, "no entry for it");
	qt_ct_free(ct);
}

static void test_icmp(void)
{
	struct qt_ct *ct = mkct(16);
	struct pk k, q;
	struct qt_ct_verdict v;
	uint32_t a = ip("10.0.1.2"), b = ip("10.0.2.2"), x = ip("10.0.3.3");
	uint64_t t0 = 5 * S;

	in_ok(ct, icmp(&k, a, b, 8, 0, 7), t0, &v);
	ok(v.created && v.state == QT_CT_NEW, "echo request: NEW");
	struct qt_ct_entry *e = v.e;
	is_int(qt_ct_seconds_left(e, t0), 30, "icmp timeout 30");
	in_ok(ct, icmp(&k, b, a, 0, 0, 8), t0, &v);
	ok(!v.e && v.state == QT_CT_INVALID, "echo reply with another id: INVALID");
	in_ok(ct, icmp(&k, b, a, 0, 0, 7), t0, &v);
	ok(v.e == e && v.dir == QT_CT_REPLY && v.state == QT_CT_ESTABLISHED,
	   "echo reply with the id: ESTABLISHED");
	in_ok(ct, icmp(&k, a, b, 8, 0, 7), t0, &v);
	ok(v.e == e && v.state == QT_CT_ESTABLISHED,
	   "next request: ESTABLISHED");
	is_int(qt_ct_count(ct), 1, "one entry");

	uint64_t inval = qt_ct_stats(ct)->invalid;
	in_ok(ct, icmp(&k, a, b, 9, 0, 0), t0, &v);
	ok(!v.e && v.state == QT_CT_INVALID, "router advertisement: INVALID");
	in_ok(ct, icmp(&k, a, b, 14, 0, 0), t0, &v);
	ok(!v.e && v.state == QT_CT_INVALID, "lone timestamp reply: INVALID");
	is_int(qt_ct_stats(ct)->invalid, inval + 2, "counted invalid");
	uint64_t err = qt_ct_stats(ct)->error;
	in_ok(ct, icmp(&k, a, b, 40, 0, 0), t0, &v);
	ok(!v.e && v.state == QT_CT_INVALID, "type 40: INVALID");
	is_int(qt_ct_stats(ct)->error, err + 1, "counted as error");
	is_int(qt_ct_count(ct), 1, "no entries for them");
	in_ok(ct, icmp(&k, a, b, 13, 0, 3), t0, &v);
	ok(v.created && v.state == QT_CT_NEW, "timestamp request: NEW");

	/* RELATED: a port unreachable quoting a tracked UDP flow */
	in_ok(ct, udp(&q, a, 1000, b, 53), t0, &v);
	struct qt_ct_entry *f = v.e;
	in_ok(ct, icmp_err(&k, b, a, 3, 3, &q), t0, &v);
	ok(v.e == f && v.state == QT_CT_RELATED && v.dir == QT_CT_REPLY,
	   "port unreachable from the server: RELATED, REPLY");
	/* from a router on the way, same */
	in_ok(ct, icmp_err(&k, x, a, 11, 0, &q), t0, &v);
	ok(v.e == f && v.state == QT_CT_RELATED, "time exceeded from a router: RELATED");
	/* an error in the original direction quoting the reply */
	struct pk q2;
	udp(&q2, b, 53, a, 1000);
	in_ok(ct, icmp_err(&k, a, b, 3, 3, &q2), t0, &v);
	ok(v.e == f && v.state == QT_CT_RELATED && v.dir == QT_CT_ORIG,
	   "error quoting the reply direction: RELATED, ORIG");
	/* the outer destination is not the flow's */
	err = qt_ct_stats(ct)->error;
	in_ok(ct, icmp_err(&k, b, x, 3, 3, &q), t0, &v);
	ok(!v.e && v.state == QT_CT_INVALID, "error to another host: INVALID");
	/* quoting something untracked */
	udp(&q2, a, 1001, b, 53);
	in_ok(ct, icmp_err(&k, b, a, 3, 3, &q2), t0, &v);
	ok(!v.e && v.state == QT_CT_INVALID, "error quoting no connection: INVALID");
	is_int(qt_ct_stats(ct)->error, err + 2, "both counted as error");
	/* an error quoting the echo request */
	icmp(&q2, a, b, 8, 0, 7);
	in_ok(ct, icmp_err(&k, x, a, 11, 0, &q2), t0, &v);
	ok(v.e == e && v.state == QT_CT_RELATED, "error quoting a ping: RELATED");
	is_int(qt_ct_count(ct), 3, "errors made no entries");
	qt_ct_free(ct);
}

/* TCP through the table (the tracker is engine/ct/conntrack_tcp.c's). */
static void test_tcp(void)
{
	struct qt_ct *ct = mkct(16);
	struct pk k;
	struct qt_ct_verdict v;
	uint32_t a = ip("10.0.1.2"), b = ip("10.0.2.2");
	uint64_t t0 = 7 * S;

	qt_ct_in(ct, tcp(&k, a, 40000, b, 80, 0x02, 1000, 0), t0, &v);
	ok(v.created && v.state == QT_CT_NEW, "SYN: NEW, created");
	qt_ct_abandon(ct, v.e);
	is_int(qt_ct_count(ct), 0, "a dropped SYN leaves nothing");
	in_ok(ct, tcp(&k, a, 40000, b, 80, 0x02, 1000, 0), t0, &v);
	struct qt_ct_entry *e = v.e;
	ok(e && v.state == QT_CT_NEW, "SYN again: NEW");
	in_ok(ct, tcp(&k, b, 80, a, 40000, 0x12, 5000, 1001), t0, &v);
	ok(v.e == e && v.dir == QT_CT_REPLY && v.state == QT_CT_ESTABLISHED,
	   "SYN ACK: ESTABLISHED, REPLY");
	in_ok(ct, tcp(&k, a, 40000, b, 80, 0x10, 1001, 5001), t0, &v);
	ok(v.e == e && v.state == QT_CT_ESTABLISHED, "ACK: ESTABLISHED");
	is_int(e->p.tcp.state, QT_TCP_ESTABLISHED, "tcp state ESTABLISHED");
	ok(e->status & QT_IPS_ASSURED, "ASSURED");
	is_int(qt_ct_seconds_left(e, t0), 432000, "established timeout");
	/* RST: the timeout goes down to close's 10 s; the entry moves to
	 * an earlier wheel slot at once */
	in_ok(ct, tcp(&k, a, 40000, b, 80, 0x04, 1001, 0), t0 + S, &v);
	ok(v.e == e, "RST of the connection");
	is_int(qt_ct_seconds_left(e, t0 + S), 10, "close timeout 10 s");
	is_int(qt_ct_expire(ct, t0 + 12 * S, 100), 1, "expired 11 s after the RST");
	is_int(qt_ct_count(ct), 0, "gone");
	qt_ct_free(ct);
}

static void test_full(void)
{
	struct qt_ct *ct = mkct(4);
	struct pk k;
	struct qt_ct_verdict v;
	uint32_t a = ip("10.0.1.2"), b = ip("10.0.2.2");
	uint64_t t0 = 100 * S;
	struct qt_ct_entry *e[4];
	for (unsigned i = 0; i < 4; i++) {
		in_ok(ct, udp(&k, a, (uint16_t)(1000 + i), b, 53), t0, &v);
		e[i] = v.e;
	}
	is_int(qt_ct_count(ct), 4, "table full (4)");
	qt_ct_in(ct, udp(&k, a, 2000, b, 53), t0, &v);
	ok(v.created && !v.table_full, "full: a non-assured entry evicted");
	uint64_t ed = qt_ct_stats(ct)->early_drop;
	ok(ed >= 1 && ed <= 4, "early_drop counted (%llu: the kernel evicts "
	   "every non-assured entry of the first chain with one)",
	   (unsigned long long)ed);
	is_int(qt_ct_count(ct), 4 - ed + 1, "count: 4 - evicted + the new one");
	qt_ct_abandon(ct, v.e);

	/* all assured: nothing to evict */
	qt_ct_free(ct);
	ct = mkct(4);
	for (unsigned i = 0; i < 4; i++) {
		uint16_t sp = (uint16_t)(1000 + i);
		in_ok(ct, udp(&k, a, sp, b, 53), t0, &v);
		in_ok(ct, udp(&k, b, 53, a, sp), t0 + S, &v);
		in_ok(ct, udp(&k, a, sp, b, 53), t0 + 3 * S, &v);
		ok(v.e && (v.e->status & QT_IPS_ASSURED), "flow %u assured", i);
	}
	qt_ct_in(ct, udp(&k, a, 2000, b, 53), t0 + 3 * S, &v);
	ok(!v.e && v.table_full && v.state == QT_CT_INVALID,
	   "all assured: table full, no entry");
	is_int(qt_ct_stats(ct)->drop, 1, "drop counted");
	is_int(qt_ct_stats(ct)->early_drop, 0, "nothing evicted");
	/* established packets still pass */
	qt_ct_in(ct, udp(&k, b, 53, a, 1002), t0 + 4 * S, &v);
	ok(v.e && v.state == QT_CT_ESTABLISHED, "existing flows unaffected");
	(void)e;
	qt_ct_free(ct);
}

static bool count_fn(struct qt_ct_entry *e, void *user)
{
	(void)e;
	unsigned *n = user;
	return ++*n < 2;
}

static bool all_fn(struct qt_ct_entry *e, void *user)
{
	unsigned *n = user;
	ok(e->status & QT_IPS_CONFIRMED, "each: confirmed entry %u", *n);
	++*n;
	return true;
}

static void test_lifecycle(void)
{
	struct qt_ct *ct = mkct(16);
	struct pk k;
	struct qt_ct_verdict v;
	uint32_t a = ip("10.0.1.2"), b = ip("10.0.2.2");
	uint64_t t0 = 50 * S;

	qt_ct_in(ct, udp(&k, a, 1, b, 2), t0, &v);
	ok(v.created, "created");
	qt_ct_abandon(ct, v.e);
	is_int(qt_ct_count(ct), 0, "abandon: count 0");
	struct qt_ct_tuple t;
	qt_ct_tuple_of(&k.p, &t);
	ok(!qt_ct_find(ct, &t, NULL), "abandon: not found");
	qt_ct_invert(&t, &t);
	ok(!qt_ct_find(ct, &t, NULL), "abandon: reply tuple not found");
	is_int(qt_ct_expire(ct, t0 + S, 100), 0, "nothing to expire");
	qt_ct_in(ct, udp(&k, a, 1, b, 2), t0, &v);
	ok(v.created && v.state == QT_CT_NEW, "after abandon: NEW again");
	/* a later hook of the same packet, before confirmation */
	struct qt_ct_verdict v2;
	qt_ct_in(ct, udp(&k, b, 2, a, 1), t0, &v2);
	ok(v2.e == v.e && v2.dir == QT_CT_REPLY, "unconfirmed entry is found");
	/* never confirmed nor abandoned: removed after 5 s */
	is_int(qt_ct_expire(ct, t0 + 4 * S, 100), 0, "unconfirmed kept 4 s");
	is_int(qt_ct_expire(ct, t0 + 6 * S, 100), 1, "unconfirmed removed at 6 s");
	is_int(qt_ct_count(ct), 0, "count 0");

	/* delete, each */
	struct qt_ct_entry *e[3];
	for (unsigned i = 0; i < 3; i++) {
		in_ok(ct, udp(&k, a, (uint16_t)(10 + i), b, 2), t0, &v);
		e[i] = v.e;
	}
	qt_ct_in(ct, udp(&k, a, 99, b, 2), t0, &v);    /* unconfirmed */
	unsigned n = 0;
	qt_ct_each(ct, all_fn, &n);
	is_int(n, 3, "each: the 3 confirmed entries");
	n = 0;
	qt_ct_each(ct, count_fn, &n);
	is_int(n, 2, "each: stops when fn says so");
	qt_ct_abandon(ct, v.e);
	enum qt_ct_dir d;
	udp(&k, b, 2, a, 11);
	qt_ct_tuple_of(&k.p, &t);
	ok(qt_ct_find(ct, &t, &d) == e[1] && d == QT_CT_REPLY, "find by reply tuple");
	qt_ct_delete(ct, e[1]);
	ok(!qt_ct_find(ct, &t, &d), "deleted: not found");
	is_int(qt_ct_count(ct), 2, "count 2");
	is_int(qt_ct_expire(ct, t0 + 31 * S, 100), 2, "the others expire");
	is_int(qt_ct_count(ct), 0, "count 0");
	qt_ct_free(ct);
}

/* 1,000,000 entries made due at once: each call bounded by its budget. */
static void test_expire_million(void)
{
	const uint32_t N = 1000000;
	struct qt_ct *ct = mkct(N);
	struct pk k;
	struct qt_ct_verdict v;
	uint64_t t0 = 10 * S;
	unsigned made = 0;
	for (uint32_t i = 0; i < N; i++) {
		in_ok(ct, udp(&k, htonl(0x0a000000u | (i >> 8)), (uint16_t)(1024 + (i & 255)),
			      ip("10.255.0.1"), 53), t0 + (i % 20) * S / 10, &v);
		made += v.created;
	}
	is_int(made, N, "1,000,000 entries");
	is_int(qt_ct_count(ct), N, "count 1,000,000");
	unsigned calls = 0, over = 0, total = 0;
	uint64_t now = t0 + 40 * S;
	for (;;) {
		unsigned r = qt_ct_expire(ct, now, 1000);
		calls++;
		if (r > 1000)
			over++;
		total += r;
		if (!r && !qt_ct_count(ct))
			break;
		if (calls > 10 * N / 1000)
			break;
	}
	is_int(over, 0, "no call removed more than its budget");
	is_int(total, N, "all expired");
	is_int(qt_ct_count(ct), 0, "count 0");
	ok(calls >= N / 1000, "in %u calls", calls);
	qt_ct_free(ct);
}

static void test_config(void)
{
	struct qt_ct_config c;
	qt_ct_config_default(&c);
	is_int(c.to.tcp[QT_TCP_ESTABLISHED], 432000, "tcp established 432000");
	is_int(c.to.tcp[QT_TCP_TIME_WAIT], 120, "time_wait 120");
	is_int(c.to.udp, 30, "udp 30");
	is_int(c.to.udp_stream, 120, "udp stream 120");
	is_int(c.to.icmp, 30, "icmp 30");
	is_int(c.to.generic, 600, "generic 600");
	ok(!c.tcp_be_liberal && c.tcp_loose && c.tcp_max_retrans == 3,
	   "liberal 0, loose 1, max_retrans 3");
	is_int(qt_ct_config_set(&c, "tcp_timeout_established=3600"), 0, "set established");
	is_int(c.to.tcp[QT_TCP_ESTABLISHED], 3600, "established 3600");
	is_int(qt_ct_config_set(&c, "nf_conntrack_udp_timeout_stream=180"), 0,
	       "with the sysctl prefix");
	is_int(c.to.udp_stream, 180, "udp stream 180");
	is_int(qt_ct_config_set(&c, "max=1000"), 0, "max");
	is_int(c.max, 1000, "max 1000");
	is_int(qt_ct_config_set(&c, "tcp_loose=0"), 0, "loose 0");
	ok(!c.tcp_loose, "loose off");
	is_int(qt_ct_config_set(&c, "tcp_loose=2"), -1, "bool 2 refused");
	is_int(qt_ct_config_set(&c, "udp_timeout=-1"), -1, "negative refused");
	is_int(qt_ct_config_set(&c, "udp_timeout="), -1, "empty refused");
	is_int(qt_ct_config_set(&c, "bogus=1"), -1, "unknown name refused");
	is_int(qt_ct_config_set(&c, "udp_timeout"), -1, "no value refused");
	is_int(qt_ct_config_set(&c, "icmp_timeout=99999999999"), -1, "too big refused");
	is_str(qt_ct_state_name(QT_CT_RELATED), "RELATED", "state name");
	is_str(qt_ct_proto_name(IPPROTO_UDP), "udp", "proto name");
	is_str(qt_ct_proto_name(47), "gre", "gre");
	is_str(qt_ct_proto_name(200), "unknown", "unknown");
}

/* Set the transport checksum of the packet in k right (TCP, UDP with
 * the pseudo-header; ICMP without), then add delta to it (0: right);
 * and the IP header's checksum right. */
static const struct qt_pkt *with_csum(struct pk *k, uint16_t delta)
{
	struct qt_pkt *p = &k->p;
	uint32_t n = p->ip_len - p->ihl;
	uint8_t *l4 = k->b + p->ihl;
	unsigned off = p->proto == IPPROTO_TCP ? 16 : p->proto == IPPROTO_UDP ? 6 : 2;
	put16(l4 + off, 0);
	uint32_t s = qt_csum_add(0, l4, n);
	if (p->proto != IPPROTO_ICMP) {
		s = qt_csum_add(s, k->b + 12, 8);
		s += p->proto + n;
	}
	uint16_t c = (uint16_t)~qt_csum_fold(s);
	if (p->proto == IPPROTO_UDP && c == 0)
		c = 0xffff;
	put16(l4 + off, (uint16_t)(c + delta));
	/* the IP header's own, as ip_rcv has verified it */
	put16(k->b + 10, 0);
	put16(k->b + 10, (uint16_t)~qt_csum_fold(qt_csum_add(0, k->b, 20)));
	qt_pkt_parse_ipv4(p, k->b, p->len);
	return p;
}

static void test_checksum(void)
{
	struct qt_ct_config c;
	qt_ct_config_default(&c);
	ok(c.checksum, "nf_conntrack_checksum defaults to 1");
	struct pk k;
	uint32_t a = ip("10.0.1.2"), b = ip("10.0.2.2");
	const struct qt_pkt *p;

	tcp(&k, a, 1000, b, 80, 0x02, 7, 0);
	ok(!qt_ct_checksum_fails(&c, with_csum(&k, 0), true, true), "tcp: right checksum holds");
	p = with_csum(&k, 1);
	ok(qt_ct_checksum_fails(&c, p, true, true), "tcp: wrong checksum fails");
	ok(!qt_ct_checksum_fails(&c, p, false, true), "tcp: checked at PREROUTING only");
	ok(!qt_ct_checksum_fails(&c, p, true, false), "tcp: not when the kernel verified it");
	struct qt_pkt cut = *p;
	cut.len = 30;
	cut.l4_len = 10;
	ok(!qt_ct_checksum_fails(&c, &cut, true, true), "tcp: a partial copy cannot be checked");

	udp(&k, a, 1000, b, 53);
	ok(!qt_ct_checksum_fails(&c, &k.p, true, true), "udp: checksum 0 (none) is not checked");
	ok(!qt_ct_checksum_fails(&c, with_csum(&k, 0), true, true), "udp: right checksum holds");
	ok(qt_ct_checksum_fails(&c, with_csum(&k, 0x100), true, true), "udp: wrong checksum fails");

	icmp(&k, a, b, 8, 0, 99);
	ok(!qt_ct_checksum_fails(&c, with_csum(&k, 0), true, true),
	   "icmp: right checksum holds (no pseudo-header)");
	ok(qt_ct_checksum_fails(&c, with_csum(&k, 3), true, true), "icmp: wrong checksum fails");

	uint8_t g[8] = { 0 };
	mk(&k, 47, a, b, g, 8);
	ok(!qt_ct_checksum_fails(&c, &k.p, true, true), "gre: no checksum checked");

	tcp(&k, a, 1000, b, 80, 0x02, 7, 0);
	p = with_csum(&k, 1);
	k.b[6] = 0x20;          /* more fragments */
	qt_pkt_parse_ipv4(&k.p, k.b, k.p.len);
	ok(!qt_ct_checksum_fails(&c, &k.p, true, true), "a fragment is not checked");

	tcp(&k, a, 1000, b, 80, 0x02, 7, 0);
	p = with_csum(&k, 1);
	is_int(qt_ct_config_set(&c, "checksum=0"), 0, "nf_conntrack_checksum=0");
	ok(!qt_ct_checksum_fails(&c, p, true, true), "checksum off: not checked");
	is_int(qt_ct_config_set(&c, "nf_conntrack_checksum=2"), -1, "checksum=2 refused");

	struct qt_ct *ct = mkct(16);
	struct qt_pkt bp = { .family = AF_INET, .proto = IPPROTO_TCP };
	qt_ct_count_bad_checksum(ct, &bp);
	bp.proto = IPPROTO_UDP;
	qt_ct_count_bad_checksum(ct, &bp);
	bp.proto = IPPROTO_ICMP;
	qt_ct_count_bad_checksum(ct, &bp);
	is_int(qt_ct_stats(ct)->invalid, 2, "bad tcp/udp checksums count as invalid");
	is_int(qt_ct_stats(ct)->error, 1, "a bad icmp checksum counts as error");
	qt_ct_free(ct);
}

/* Zones (the kernel's nf_conntrack zones): the same tuple in two zones
 * is two connections; a zone of one direction leaves the other in the
 * default zone; an ICMP error finds what it quotes in its own zone. */
static void in_zone(struct qt_ct *ct, const struct qt_pkt *p,
		    const struct qt_ct_zone *z, uint64_t now,
		    struct qt_ct_verdict *v)
{
	qt_ct_in_zone(ct, p, z, now, v);
	if (v->created)
		qt_ct_confirm(ct, v->e, now);
}

static void test_zones(void)
{
	struct qt_ct *ct = mkct(64);
	struct pk k, q;
	struct qt_ct_verdict v;
	uint32_t a = ip("10.0.1.2"), b = ip("10.0.2.2");
	uint64_t t0 = 1000 * S;
	const struct qt_ct_zone z1 = { 1, QT_CT_ZONE_DIR_BOTH };
	const struct qt_ct_zone z2 = { 2, QT_CT_ZONE_DIR_BOTH };
	const struct qt_ct_zone z0 = { 0, QT_CT_ZONE_DIR_BOTH };

	is_int(qt_ct_zone_id(&z1, QT_CT_ORIG), 1, "zone id: both directions");
	is_int(qt_ct_zone_id(NULL, QT_CT_REPLY), 0, "no zone: the default");

	in_zone(ct, udp(&k, a, 1000, b, 53), &z1, t0, &v);
	struct qt_ct_entry *e1 = v.e;
	ok(v.created && v.state == QT_CT_NEW && e1 &&
	   e1->t[QT_CT_ORIG].zone == 1 && e1->t[QT_CT_REPLY].zone == 1,
	   "zone 1: a new entry with zone 1 in both tuples");
	in_zone(ct, udp(&k, a, 1000, b, 53), &z2, t0, &v);
	struct qt_ct_entry *e2 = v.e;
	ok(v.created && e2 && e2 != e1 && e2->t[QT_CT_ORIG].zone == 2,
	   "the same tuple in zone 2: another connection");
	in_ok(ct, udp(&k, a, 1000, b, 53), t0, &v);
	struct qt_ct_entry *e0 = v.e;
	ok(v.created && e0 && e0 != e1 && e0 != e2 &&
	   e0->t[QT_CT_ORIG].zone == 0, "and without a zone: a third");
	is_int(qt_ct_count(ct), 3, "three entries");
	in_zone(ct, udp(&k, a, 1000, b, 53), &z0, t0, &v);
	ok(!v.created && v.e == e0, "zone 0 given is the default zone");

	in_zone(ct, udp(&k, b, 53, a, 1000), &z2, t0 + S, &v);
	ok(!v.created && v.e == e2 && v.dir == QT_CT_REPLY &&
	   v.state == QT_CT_ESTABLISHED, "a reply in zone 2 finds zone 2's");
	ok((e2->status & QT_IPS_SEEN_REPLY) &&
	   !(e1->status & QT_IPS_SEEN_REPLY) &&
	   !(e0->status & QT_IPS_SEEN_REPLY),
	   "only that connection saw a reply");
	in_zone(ct, udp(&k, a, 1000, b, 53), &z1, t0 + S, &v);
	ok(v.e == e1 && v.state == QT_CT_NEW, "zone 1's is still NEW");

	struct qt_ct_tuple t;
	qt_ct_tuple_of(udp(&k, a, 1000, b, 53), &t);
	enum qt_ct_dir d;
	ok(qt_ct_find(ct, &t, &d) == e0, "find: the tuple in the default zone");
	t.zone = 2;
	ok(qt_ct_find(ct, &t, &d) == e2, "find: the tuple with zone 2");
	ok(e1->status & e2->status & QT_CTS_OFFLOAD_NO &&
	   !(e0->status & QT_CTS_OFFLOAD_NO),
	   "zoned entries are never offloaded (the kernel's maps have no "
	   "zone)");

	/* a zone of the original direction only: replies come unzoned */
	const struct qt_ct_zone zo = { 5, QT_CT_ZONE_DIR_ORIG };
	in_zone(ct, udp(&k, a, 2000, b, 53), &zo, t0, &v);
	struct qt_ct_entry *eo = v.e;
	ok(v.created && eo && eo->t[QT_CT_ORIG].zone == 5 &&
	   eo->t[QT_CT_REPLY].zone == 0, "orig zone 5: reply tuple unzoned");
	in_ok(ct, udp(&k, b, 53, a, 2000), t0 + S, &v);
	ok(!v.created && v.e == eo && v.dir == QT_CT_REPLY,
	   "an unzoned reply finds it");
	in_zone(ct, udp(&k, b, 53, a, 2000), &z0, t0 + S, &v);
	ok(v.e == eo && v.dir == QT_CT_REPLY, "so does one in zone 0");
	qt_ct_in(ct, udp(&k, a, 2000, b, 53), t0 + S, &v);
	ok(v.created && v.e != eo && (v.e->status & QT_CTS_REPLY_CLASH) &&
	   !qt_ct_confirm(ct, v.e, t0 + S),
	   "an unzoned original is another one, NEW, whose reply is taken: "
	   "its confirmation fails, as the kernel's");
	qt_ct_abandon(ct, v.e);
	in_zone(ct, udp(&k, b, 53, a, 2000), &zo, t0 + S, &v);
	ok(v.e == eo && v.dir == QT_CT_REPLY,
	   "a reply given the same orig zone finds it by its reply id");

	/* a zone of the reply direction only */
	const struct qt_ct_zone zr = { 6, QT_CT_ZONE_DIR_REPL };
	in_zone(ct, udp(&k, a, 3000, b, 53), &zr, t0, &v);
	struct qt_ct_entry *er = v.e;
	ok(v.created && er && er->t[QT_CT_ORIG].zone == 0 &&
	   er->t[QT_CT_REPLY].zone == 6, "reply zone 6: original unzoned");
	qt_ct_in(ct, udp(&k, b, 53, a, 3000), t0 + S, &v);
	ok(v.created && v.e != er && (v.e->status & QT_CTS_REPLY_CLASH) &&
	   !qt_ct_confirm(ct, v.e, t0 + S), "an unzoned reply does not find "
	   "it, and clashes with its original tuple at confirmation");
	qt_ct_abandon(ct, v.e);
	in_zone(ct, udp(&k, b, 53, a, 3000), &z2, t0 + S, &v);
	ok(v.e != er, "nor one in another zone");
	const struct qt_ct_zone z6 = { 6, QT_CT_ZONE_DIR_BOTH };
	in_zone(ct, udp(&k, b, 53, a, 3000), &z6, t0 + S, &v);
	ok(v.e == er && v.dir == QT_CT_REPLY, "a reply in zone 6 does");

	/* ICMP errors: RELATED in their own zone only */
	udp(&q, b, 53, a, 1000);
	in_zone(ct, icmp_err(&k, a, b, 3, 3, &q), &z2, t0 + 2 * S, &v);
	ok(v.state == QT_CT_RELATED && v.e == e2,
	   "an error in zone 2 is related to zone 2's connection");
	in_zone(ct, icmp_err(&k, a, b, 3, 3, &q), &z1, t0 + 2 * S, &v);
	ok(v.state == QT_CT_RELATED && v.e == e1, "in zone 1 to zone 1's");
	const struct qt_ct_zone z9 = { 9, QT_CT_ZONE_DIR_BOTH };
	in_zone(ct, icmp_err(&k, a, b, 3, 3, &q), &z9, t0 + 2 * S, &v);
	ok(v.state == QT_CT_INVALID && !v.e, "in zone 9 to nothing");
	qt_ct_free(ct);
}

int main(void)
{
	test_checksum();
	test_tuples();
	test_udp();
	test_icmp();
	test_tcp();
	test_full();
	test_lifecycle();
	test_expire_million();
	test_config();
	test_zones();
	return done_testing();
}
