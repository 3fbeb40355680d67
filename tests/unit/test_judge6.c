/* IPv6 packets through the engine's entry point (qt_eval_init, then
 * qt_judge at each hook of the packet's path, as the daemon's queue
 * threads judge): parsed as IPv6, tracked by the connection table with
 * their 128-bit tuples, remembered between hooks by the glue
 * (engine/ct_glue.c) under their whole addresses (two packets in
 * flight that differ past the first 32 bits are told apart), and seen
 * by the
 * conntrack match. A TCP handshake to a local server, an ICMPv6 error
 * quoting one of its packets RELATED, an error quoting nothing tracked
 * INVALID; the IPv4 nat table leaves IPv6 connections untranslated.
 * The rules are family-blind (--ctstate only), so the IPv4 ruleset
 * judges them as ip6tables' would. */
#include "nat_harness.h"

#define SYN 0x02
#define ACK 0x10

static const char *const CLIENT = "2001:db8::1", *const SERVER = "2001:db8:0:1::2",
		  *const ROUTER = "2001:db8::fe";

/* The one's complement sum of n bytes from s, folded (the test's own). */
static uint16_t sum6(uint32_t s, const uint8_t *b, uint32_t n)
{
	return h_sum(s, b, n);
}

/* An IPv6 packet of protocol proto from src to dst carrying l4[0..n),
 * its transport checksum (at csum_at) right over the pseudo-header. */
static void mk6(struct hpkt *k, uint8_t proto, const char *src,
		const char *dst, const uint8_t *l4, uint32_t n,
		unsigned csum_at)
{
	memset(k->b, 0, sizeof(k->b));
	k->b[0] = 0x60;
	h_put16(k->b + 4, (uint16_t)n);
	k->b[6] = proto;
	k->b[7] = 64;
	inet_pton(AF_INET6, src, k->b + 8);
	inet_pton(AF_INET6, dst, k->b + 24);
	memcpy(k->b + 40, l4, n);
	k->len = 40 + n;
	uint8_t *c = k->b + 40 + csum_at;
	c[0] = c[1] = 0;
	uint32_t s = sum6(0, k->b + 8, 32);
	s += (n >> 16) + (n & 0xffff) + proto;
	h_put16(c, (uint16_t)~sum6(s, k->b + 40, n));
}

static void tcp6(struct hpkt *k, const char *src, uint16_t sp,
		 const char *dst, uint16_t dp, uint8_t flags, uint32_t seq,
		 uint32_t ack)
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
	mk6(k, IPPROTO_TCP, src, dst, u, flags & SYN ? 20 : 24, 16);
}

/* ICMPv6 destination unreachable (port) from src to dst quoting q. */
static void unreach6(struct hpkt *k, const char *src, const char *dst,
		     const struct hpkt *q)
{
	uint8_t u[8 + 128] = { 1, 4 };
	uint32_t n = q->len < 128 ? q->len : 128;
	memcpy(u + 8, q->b, n);
	mk6(k, IPPROTO_ICMPV6, src, dst, u, 8 + n, 2);
}

/* k judged at one hook; its conntrack state as the rules saw it
 * (-1: not tracked). */
static int hook6(struct harness *h, struct hpkt *k, unsigned hook,
		 int in, int out, int *state)
{
	struct qt_eval ev;
	int st = qt_eval_init(&ev, k->b, k->len, sizeof(k->b), k->len, hook,
			      &h->env);
	ok(st == QT_PKT_OK && ev.pkt.family == AF_INET6,
	   "parsed as IPv6 at hook %u", hook);
	ev.indev = in;
	ev.outdev = out;
	ev.in = h_ifname(in);
	ev.out = h_ifname(out);
	ev.now_ns = h->now;
	qt_ctg_burst_begin(h->ctg, h->now);
	int v = qt_judge(h->prog, h->ctg, &ev, NULL);
	qt_ctg_burst_end(h->ctg);
	*state = ev.ct_valid ? ev.ct_state : -1;
	k->len = ev.len;
	return v;
}

/* In from eth0 to a local process: PREROUTING, INPUT. The state is
 * INPUT's (the packet memory's answer), which must be PREROUTING's. */
static int in6(struct harness *h, struct hpkt *k, int *state)
{
	int pre, v = hook6(h, k, QT_HOOK_PRE_ROUTING, 1, 0, &pre);
	if (v == QT_XT_ACCEPT)
		v = hook6(h, k, QT_HOOK_LOCAL_IN, 1, 0, state);
	else
		*state = pre;
	if (v == QT_XT_ACCEPT)
		ok(pre == *state, "INPUT recalls PREROUTING's state");
	return v;
}

/* From a local process out of eth0: OUTPUT, POSTROUTING. */
static int out6(struct harness *h, struct hpkt *k, int *state)
{
	int v = hook6(h, k, QT_HOOK_LOCAL_OUT, 0, 1, state);
	int post;
	if (v == QT_XT_ACCEPT) {
		v = hook6(h, k, QT_HOOK_POST_ROUTING, 0, 1, &post);
		ok(post == *state, "POSTROUTING recalls OUTPUT's state");
	}
	return v;
}

static struct qt_ct_entry *entry6(struct harness *h, const char *src,
				  uint16_t sp, const char *dst, uint16_t dp)
{
	struct qt_ct_tuple t;
	memset(&t, 0, sizeof(t));
	inet_pton(AF_INET6, src, t.src.b);
	inet_pton(AF_INET6, dst, t.dst.b);
	t.ip6 = 1;
	t.proto = IPPROTO_TCP;
	t.sport = sp;
	t.dport = dp;
	enum qt_ct_dir d;
	return qt_ct_find(qt_ctg_shard(h->ctg), &t, &d);
}

static uint64_t count(struct harness *h, unsigned table, const char *chain,
		      unsigned n)
{
	struct qt_chain *c = qt_table_chain(h->rs->tables[table], chain);
	return qt_rt_get(h->store, c->rules[n - 1])->cnt.pkts;
}

static void handshake_and_error(void)
{
	struct harness h;
	h_start(&h, (const char *const[]){
		"-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT",
		"-A INPUT -m conntrack --ctstate RELATED -j ACCEPT",
		"-A INPUT -p tcp --syn -m conntrack --ctstate NEW -j ACCEPT",
		"-P INPUT DROP",
		"-A OUTPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT",
		"-P OUTPUT DROP",
		/* the IPv4 nat table: never an IPv6 connection's */
		"-t nat -A PREROUTING -p tcp -j DNAT --to-destination 10.0.2.2",
		NULL });
	ok(h.prog != NULL, "compiled");
	struct hpkt k, synack;
	int st;

	tcp6(&k, CLIENT, 40000, SERVER, 80, SYN, 1000, 0);
	uint8_t before[80];
	memcpy(before, k.b, sizeof(before));
	is_int(in6(&h, &k, &st), QT_XT_ACCEPT, "SYN accepted");
	is_int(st, QT_CT_NEW, "SYN NEW");
	ok(!memcmp(before, k.b, sizeof(before)), "SYN not translated by the IPv4 nat table");
	struct qt_ct_entry *e = entry6(&h, CLIENT, 40000, SERVER, 80);
	ok(e != NULL, "the connection is in the table under its IPv6 tuple");
	if (e) {
		ok(e->t[QT_CT_ORIG].ip6 && e->t[QT_CT_REPLY].ip6,
		   "both tuples IPv6");
		ok(e->status & QT_IPS_CONFIRMED, "confirmed at INPUT");
		ok(!(e->status & (QT_IPS_NAT_MASK | QT_IPS_SRC_NAT_DONE |
				  QT_IPS_DST_NAT_DONE)), "no NAT binding");
	}

	tcp6(&synack, SERVER, 80, CLIENT, 40000, SYN | ACK, 5000, 1001);
	is_int(out6(&h, &synack, &st), QT_XT_ACCEPT, "SYN-ACK sent");
	is_int(st, QT_CT_ESTABLISHED, "SYN-ACK ESTABLISHED (the reply)");

	tcp6(&k, CLIENT, 40000, SERVER, 80, ACK, 1001, 5001);
	is_int(in6(&h, &k, &st), QT_XT_ACCEPT, "ACK accepted");
	is_int(st, QT_CT_ESTABLISHED, "ACK ESTABLISHED");
	e = entry6(&h, CLIENT, 40000, SERVER, 80);
	ok(e && e->p.tcp.state == QT_TCP_ESTABLISHED &&
	   (e->status & QT_IPS_SEEN_REPLY), "TCP state ESTABLISHED, reply seen");

	/* two packets in flight at once, alike but for the client's
	 * address past its first 32 bits: each later hook recalls its own */
	struct hpkt mine, other6;
	int pre, pre2, in1, in2;
	tcp6(&mine, CLIENT, 40000, SERVER, 80, ACK, 1001, 5001);
	tcp6(&other6, "2001:db8::3", 40000, SERVER, 80, ACK, 1001, 5001);
	hook6(&h, &mine, QT_HOOK_PRE_ROUTING, 1, 0, &pre);
	hook6(&h, &other6, QT_HOOK_PRE_ROUTING, 1, 0, &pre2);
	is_int(hook6(&h, &mine, QT_HOOK_LOCAL_IN, 1, 0, &in1), QT_XT_ACCEPT,
	       "the connection's ACK accepted with another in flight");
	is_int(hook6(&h, &other6, QT_HOOK_LOCAL_IN, 1, 0, &in2), QT_XT_DROP,
	       "the stranger's dropped");
	ok(pre == QT_CT_ESTABLISHED && in1 == pre && pre2 == QT_CT_NEW &&
	   in2 == pre2, "each recalled its own state (ESTABLISHED, NEW)");

	/* a router on the way back cannot deliver the SYN-ACK */
	unreach6(&k, ROUTER, SERVER, &synack);
	is_int(in6(&h, &k, &st), QT_XT_ACCEPT, "the ICMPv6 error accepted");
	is_int(st, QT_CT_RELATED, "the error RELATED");
	is_int((int)count(&h, QT_TABLE_FILTER, "INPUT", 2), 1,
	       "counted by the RELATED rule");

	/* an error quoting a packet of no connection */
	struct hpkt other;
	tcp6(&other, SERVER, 81, CLIENT, 40001, SYN | ACK, 7000, 1);
	unreach6(&k, ROUTER, SERVER, &other);
	is_int(in6(&h, &k, &st), QT_XT_DROP, "an error quoting nothing tracked dropped");
	is_int(st, QT_CT_INVALID, "INVALID");

	/* a lone ACK: NEW to the loose tracker, but not a SYN */
	tcp6(&k, CLIENT, 40002, SERVER, 80, ACK, 1, 1);
	is_int(in6(&h, &k, &st), QT_XT_DROP, "an ACK of no connection dropped");
	is_int(st, QT_CT_NEW, "NEW (picked up mid-stream)");

	is_int((int)count(&h, QT_TABLE_FILTER, "INPUT", 1), 2, "two ESTABLISHED in");
	is_int((int)count(&h, QT_TABLE_FILTER, "INPUT", 3), 1, "one NEW");
	is_int((int)count(&h, QT_TABLE_NAT, "PREROUTING", 1), 0,
	       "the IPv4 nat chain saw no IPv6 packet");
	is_int((int)qt_ct_count(qt_ctg_shard(h.ctg)), 1, "one connection tracked");
	h_stop(&h);
}

int main(void)
{
	handshake_and_error();
	return done_testing();
}
