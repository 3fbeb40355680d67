/* engine/nft_expr.c and engine/nft_lookup.c: the lookup (exact keys in
 * the hash whatever their number, sorted ranges of a set merged, ranges
 * of a concatenation part by part, a map's index per element), and nft
 * rules run through the program: concatenations in anonymous and named
 * sets, verdict maps (anonymous, named, concatenated as kube-proxy's,
 * jump and goto), element changes taking effect at the next compile,
 * bitwise matches and mark sets, numgen inc and random, jhash (the
 * kernel's jhash: lookup3's vectors), fib's address type; and what
 * stays refused. */
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "host_addrs.h"
#include "host_links.h"
#include "nat.h"
#include "nft_exec.h"
#include "nft_lookup.h"
#include "nft_model.h"
#include "nft_print.h"
#include "nft_run.h"
#include "program.h"
#include "rt_store.h"
#include "tap.h"

static struct nft_ruleset *nrs;
static struct qt_rt_store *store;
static struct qt_nft_store *nstore;
static struct qt_prog *prog;
static struct qt_buf err;
static struct qt_engine_env env;
static uint32_t last_mark;

static int nft(const char *text)
{
	struct nft_run_opts o = { 0 };
	struct qt_buf out, e;
	bool changed;
	qt_buf_init(&out);
	qt_buf_init(&e);
	int st = nft_run(&nrs, text, strlen(text), &o, &out, &e, &changed);
	if (st)
		printf("# nft: %s", qt_buf_str(&e));
	qt_buf_free(&out);
	qt_buf_free(&e);
	return st;
}

/* The new program is made before the old one goes, as the daemon swaps
 * them: the rules' runtimes carry over. */
static int compile(uint8_t family)
{
	struct qt_prog *old = prog;
	prog = NULL;
	qt_buf_reset(&err);
	struct qt_ruleset *rs = qt_ruleset_new(family);
	struct qt_prog *p = qt_prog_compile(rs, &env, store, &err);
	qt_ruleset_free(rs);
	int rc = -1;
	if (!p)
		goto out;
	struct qt_nft_prog *np = qt_nft_compile(nrs, family, &env, nstore,
						&err);
	if (!np || qt_prog_attach_nft(p, np, &err) < 0) {
		qt_prog_free(p);
		goto out;
	}
	prog = p;
	rc = 0;
out:
	qt_prog_free(old);
	return rc;
}

static int load(const char *rules)
{
	char text[8192];
	snprintf(text, sizeof(text), "flush ruleset\n%s", rules);
	if (nft(text))
		return -1;
	int rc = compile(AF_INET);
	if (rc)
		printf("# compile: %s", qt_buf_str(&err));
	return rc;
}

/* An IPv4 packet src -> dst, TCP or UDP sport -> dport, at INPUT. */
static int pkt4(const char *src, const char *dst, uint8_t proto,
		uint16_t sport, uint16_t dport, uint32_t mark)
{
	uint8_t b[40] = { 0x45, 0, 0, 40, 0, 0, 0, 0, 64, proto };
	inet_pton(AF_INET, src, b + 12);
	inet_pton(AF_INET, dst, b + 16);
	b[20] = (uint8_t)(sport >> 8);
	b[21] = (uint8_t)sport;
	b[22] = (uint8_t)(dport >> 8);
	b[23] = (uint8_t)dport;
	uint32_t len = proto == 6 ? 40 : 28;
	b[3] = (uint8_t)len;
	if (proto == 6)
		b[32] = 0x50;
	else
		b[25] = 8;
	if (!prog)
		return -1;
	struct qt_eval ev;
	qt_eval_init(&ev, b, len, len, len, QT_HOOK_LOCAL_IN, &env);
	ev.in = "eth0";
	ev.indev = 2;
	ev.mark = mark;
	ev.now_ns = 1000000000ull;
	int v = qt_prog_eval(prog, &ev, NULL);
	last_mark = ev.mark;
	return v;
}

static int udp(const char *src, uint16_t dport)
{
	return pkt4(src, "10.0.0.2", 17, 1000, dport, 0);
}

/* Every table shape (the key lengths with a lookup of their own and
 * others), as a set and as a map, from one element to many: each key
 * found (a map: the first element holding it), every other key not,
 * whichever bucket it landed in. */
static void lookup_shapes(void)
{
	static const unsigned lens[] = { 1, 2, 4, 8, 12, 16, 20, 40 };
	static const uint32_t counts[] = { 1, 10, 17, 300, 20000 };
	enum { MAXN = 20000 };
	struct qt_nft_lkey *k = calloc(MAXN, sizeof(*k));
	for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++)
		for (size_t ci = 0; ci < sizeof(counts) / sizeof(counts[0]); ci++)
			for (int map = 0; map < 2; map++) {
		unsigned klen = lens[li];
		/* a one-byte key: 127 values whose top bit is clear */
		uint32_t n = klen == 1 && counts[ci] > 120 ? 120 : counts[ci];
		memset(k, 0, n * sizeof(*k));
		for (uint32_t i = 0; i < n; i++) {
			/* keys spread over all their bytes, told apart by
			 * the last two (v, never 0), the first byte's top
			 * bit clear; element 3 the same key as element 1 */
			uint32_t v = (i == 3 ? 1 : i) + 1;
			for (unsigned b = 0; b < klen; b++)
				k[i].lo[b] = (uint8_t)(((v * 2654435761u) >>
							(8 * (b % 4))) ^ (b / 4));
			k[i].lo[klen - 1] = (uint8_t)v;
			if (klen > 1)
				k[i].lo[klen - 2] = (uint8_t)(v >> 8);
			k[i].lo[0] &= 0x7f;
			memcpy(k[i].hi, k[i].lo, klen);
		}
		struct qt_nft_lookup *l = qt_nft_lookup_build(klen, k, n, NULL,
							      0, !map);
		int bad = 0;
		for (uint32_t i = 0; i < n; i++) {
			int32_t want = !map ? 0 : i == 3 ? 1 : (int32_t)i;
			bad += qt_nft_lookup_find(l, k[i].lo) != want;
			uint8_t miss[QT_NFT_KEY_MAX];
			memcpy(miss, k[i].lo, klen);
			miss[0] |= 0x80;
			bad += qt_nft_lookup_find(l, miss) != -1;
			/* the last byte differs (its first bytes tell it
			 * from the key of the element it names then) */
			memcpy(miss, k[i].lo, klen);
			miss[klen - 1] ^= 0x80;
			bad += klen > 2 && qt_nft_lookup_find(l, miss) != -1;
		}
		uint8_t zero[QT_NFT_KEY_MAX] = { 0 };
		bad += qt_nft_lookup_find(l, zero) != -1;
		ok(!bad, "%u-byte keys, %u elements, as a %s: each found, "
		   "others not", klen, n, map ? "map" : "set");
		qt_nft_lookup_free(l);
	}
	free(k);
}

static void lookup_structure(void)
{
	enum { N = 100000 };
	struct qt_nft_lkey *k = calloc(N, sizeof(*k));
	for (uint32_t i = 0; i < N; i++) {
		uint32_t a = htonl(0x0a000000u + i * 7);
		memcpy(k[i].lo, &a, 4);
		memcpy(k[i].hi, &a, 4);
	}
	/* as a map: each key answers its element's index */
	struct qt_nft_lookup *l = qt_nft_lookup_build(4, k, N, NULL, 0, false);
	uint32_t ex, so, li;
	qt_nft_lookup_shape(l, &ex, &so, &li);
	is_int((int)ex, N, "100,000 exact keys in the hash");
	is_int((int)(so + li), 0, "no ranges");
	int bad = 0;
	for (uint32_t i = 0; i < N; i += 97) {
		uint32_t a = htonl(0x0a000000u + i * 7), b = htonl(0x0a000001u + i * 7);
		bad += qt_nft_lookup_find(l, (uint8_t *)&a) != (int32_t)i;
		bad += qt_nft_lookup_find(l, (uint8_t *)&b) != -1;
	}
	is_int(bad, 0, "each found at its index, its neighbours not");
	qt_nft_lookup_free(l);
	/* as a set (keys alone), the all-zero key among them */
	memset(k[5].lo, 0, 4);
	memset(k[5].hi, 0, 4);
	l = qt_nft_lookup_build(4, k, N, NULL, 0, true);
	qt_nft_lookup_shape(l, &ex, &so, &li);
	is_int((int)ex, N, "a set: 100,000 exact keys");
	bad = 0;
	for (uint32_t i = 0; i < N; i += 97) {
		uint32_t a = htonl(0x0a000000u + i * 7), b = htonl(0x0a000001u + i * 7);
		bad += qt_nft_lookup_find(l, (uint8_t *)&a) < 0 && i != 5;
		bad += qt_nft_lookup_find(l, (uint8_t *)&b) != -1;
	}
	uint32_t zero = 0, seven = htonl(0x0a000000u + 5 * 7);
	is_int(bad, 0, "a set: each found, its neighbours not");
	ok(qt_nft_lookup_find(l, (uint8_t *)&zero) >= 0, "0.0.0.0 found");
	is_int(qt_nft_lookup_find(l, (uint8_t *)&seven), -1,
	       "the key it replaced not");
	qt_nft_lookup_free(l);
	l = qt_nft_lookup_build(4, k + 6, 10, NULL, 0, true);
	is_int(qt_nft_lookup_find(l, (uint8_t *)&zero), -1,
	       "0.0.0.0 not in a set without it");
	qt_nft_lookup_free(l);

	/* a set's ranges merged; an exact key among them */
	memset(k, 0, 4 * sizeof(*k));
	k[0].lo[0] = 10; k[0].hi[0] = 20;
	k[1].lo[0] = 15; k[1].hi[0] = 30;
	k[2].lo[0] = 40; k[2].hi[0] = 40;
	k[3].lo[0] = 1; k[3].hi[0] = 2;
	l = qt_nft_lookup_build(1, k, 4, NULL, 0, true);
	qt_nft_lookup_shape(l, &ex, &so, &li);
	is_int((int)so, 2, "overlapping ranges merged: two left");
	uint8_t v = 25;
	ok(qt_nft_lookup_find(l, &v) >= 0, "25 in 10-20 + 15-30");
	v = 31;
	is_int(qt_nft_lookup_find(l, &v), -1, "31 in none");
	v = 40;
	ok(qt_nft_lookup_find(l, &v) >= 0, "40 exact");
	qt_nft_lookup_free(l);
	/* a map keeps each range's index */
	k[1].lo[0] = 21;
	l = qt_nft_lookup_build(1, k, 4, NULL, 0, false);
	v = 25;
	is_int(qt_nft_lookup_find(l, &v), 1, "a map's range answers its index");
	v = 2;
	is_int(qt_nft_lookup_find(l, &v), 3, "and another");
	qt_nft_lookup_free(l);

	/* a concatenation's ranges part by part: 10.0.0.0/8 . 80-90 */
	memset(k, 0, 2 * sizeof(*k));
	uint8_t parts[2] = { 4, 4 };
	k[0].lo[0] = 10; k[0].hi[0] = 10;
	memset(k[0].hi + 1, 0xff, 3);
	k[0].lo[5] = 80; k[0].hi[5] = 90;
	k[1].lo[0] = k[1].hi[0] = 1;
	k[1].lo[5] = k[1].hi[5] = 22;
	l = qt_nft_lookup_build(8, k, 2, parts, 2, true);
	qt_nft_lookup_shape(l, &ex, &so, &li);
	ok(ex == 1 && li == 1, "one exact, one checked part by part");
	uint8_t key[8] = { 10, 9, 9, 9, 0, 85, 0, 0 };
	is_int(qt_nft_lookup_find(l, key), 0, "10.9.9.9 . 85 in the range");
	key[5] = 5;
	is_int(qt_nft_lookup_find(l, key), -1,
	       "10.9.9.9 . 5 not (between the ends as one number)");
	uint8_t key2[8] = { 1, 0, 0, 0, 0, 22, 0, 0 };
	ok(qt_nft_lookup_find(l, key2) >= 0, "the exact one");
	qt_nft_lookup_free(l);

	/* a map answering values kept beside its 8-byte keys, over
	 * enough elements to fill buckets and probe past them */
	enum { NV = 3000 };
	struct qt_nft_lkey *kv = calloc(NV, sizeof(*kv));
	uint32_t *vals = calloc(NV, sizeof(*vals));
	for (unsigned i = 0; i < NV; i++) {
		kv[i].lo[0] = 10;
		kv[i].lo[2] = (uint8_t)(i >> 8);
		kv[i].lo[3] = (uint8_t)i;
		kv[i].lo[4] = 6;
		kv[i].lo[6] = (uint8_t)(i % 7);
		memcpy(kv[i].hi, kv[i].lo, 8);
		vals[i] = i * 256 + 1;
	}
	l = qt_nft_lookup_build_map(8, kv, NV, NULL, 0, vals);
	bad = 0;
	for (unsigned i = 0; i < NV; i++)
		bad += qt_nft_lookup_find(l, kv[i].lo) != (int32_t)(i * 256 + 1);
	is_int(bad, 0, "each key answers its own value");
	kv[0].lo[4] = 17;
	is_int(qt_nft_lookup_find(l, kv[0].lo), -1, "a key no element has");
	qt_nft_lookup_free(l);
	vals[5] = (uint32_t)INT32_MAX;
	ok(!qt_nft_lookup_build_map(8, kv, NV, NULL, 0, vals),
	   "a value too big for an answer is refused");
	free(vals);
	free(kv);
	free(k);
}

static void concatenations(void)
{
	is_int(load("table ip t {\n"
		    " set s { type ipv4_addr . inet_service; elements = { "
		    "10.0.0.1 . 53, 10.0.0.3 . 80 } }\n"
		    " set r { type ipv4_addr . inet_service; flags interval; "
		    "elements = { 10.1.0.0/16 . 100-200 } }\n"
		    " chain in { type filter hook input priority 0;\n"
		    "  ip saddr . udp dport { 10.0.0.1 . 80, 10.0.0.3 . 53 } drop\n"
		    "  ip saddr . udp dport @s meta mark set 7 drop\n"
		    "  ip saddr . udp dport @r drop\n"
		    "  ip saddr . udp dport { 10.0.0.3 . 81 } meta mark set 1\n"
		    " }\n}\n"), 0, "concatenated sets compile");
	is_int(udp("10.0.0.1", 80), QT_XT_DROP, "anonymous: 10.0.0.1 . 80");
	is_int(udp("10.0.0.3", 53), QT_XT_DROP, "anonymous: 10.0.0.3 . 53");
	is_int(udp("10.0.0.1", 53), QT_XT_DROP, "named: 10.0.0.1 . 53");
	is_int((int)last_mark, 7, "by the named set's rule");
	is_int(udp("10.0.0.3", 81), QT_XT_ACCEPT, "10.0.0.3 . 81: none");
	is_int((int)last_mark, 1, "the last rule set the mark");
	is_int(udp("10.1.7.7", 150), QT_XT_DROP, "interval: 10.1.7.7 . 150");
	is_int(udp("10.1.7.7", 250), QT_XT_ACCEPT, "interval: port outside");
	is_int(udp("10.2.0.0", 150), QT_XT_ACCEPT, "interval: address outside");
	is_int(udp("10.0.0.9", 9), QT_XT_ACCEPT, "10.0.0.9 . 9: none");
	is_int((int)last_mark, 0, "no mark");
}

static void verdict_maps(void)
{
	is_int(load("table ip t {\n"
		    " map svc { type ipv4_addr . inet_proto . inet_service : verdict;\n"
		    "  elements = { 10.0.0.2 . udp . 53 : jump dns, "
		    "10.0.0.2 . tcp . 80 : goto web, 10.0.0.2 . udp . 9 : drop } }\n"
		    " set nodeips { type ipv4_addr; elements = { 10.0.0.2 } }\n"
		    " map np { type inet_proto . inet_service : verdict;\n"
		    "  elements = { udp . 30000 : drop } }\n"
		    " chain dns { meta mark set 53; }\n"
		    " chain web { meta mark set 80; return; }\n"
		    " chain in { type filter hook input priority 0; policy drop;\n"
		    "  udp dport vmap { 1 : accept, 2 : drop, 3-5 : accept }\n"
		    "  ip daddr . meta l4proto . th dport vmap @svc\n"
		    "  ip daddr @nodeips meta l4proto . th dport vmap @np\n"
		    "  meta mark 53 accept\n"
		    " }\n}\n"), 0, "verdict maps compile");
	is_int(udp("1.1.1.1", 1), QT_XT_ACCEPT, "vmap: 1 accept");
	is_int(udp("1.1.1.1", 2), QT_XT_DROP, "vmap: 2 drop");
	is_int(udp("1.1.1.1", 4), QT_XT_ACCEPT, "vmap: 4 in 3-5");
	is_int(udp("1.1.1.1", 6), QT_XT_DROP, "vmap: no element, next rules, "
	       "the policy");
	is_int(udp("1.1.1.1", 53), QT_XT_ACCEPT,
	       "kube-proxy's shape: jump dns, back, mark 53 accepts");
	is_int((int)last_mark, 53, "the jumped-to chain set it");
	is_int(pkt4("1.1.1.1", "10.0.0.2", 6, 1000, 80, 0), QT_XT_DROP,
	       "goto web: its return ends the base chain (policy)");
	is_int((int)last_mark, 80, "web ran");
	is_int(udp("1.1.1.1", 9), QT_XT_DROP, "an element's drop");
	/* the key packed into 8 bytes still tells each part apart */
	is_int(pkt4("1.1.1.1", "10.0.0.2", 6, 1000, 53, 0), QT_XT_DROP,
	       "tcp . 53: not udp's element (the policy)");
	is_int(udp("1.1.1.1", 0x3500), QT_XT_DROP,
	       "port 13568 (53's bytes swapped): no element");
	is_int(pkt4("1.1.1.1", "10.0.0.53", 6, 1000, 80, 0), QT_XT_DROP,
	       "10.0.0.53 . tcp . 80: no element (the policy)");
	is_int((int)last_mark, 0, "web did not run");
	is_int(pkt4("1.1.1.1", "10.0.0.2", 17, 1, 30000, 0), QT_XT_DROP,
	       "nodeport map behind a set");
	is_int(pkt4("1.1.1.1", "10.0.0.3", 17, 1, 30000, 0), QT_XT_DROP,
	       "another address: the policy");
	is_int(nft("add element ip t svc { 10.0.0.2 . udp . 7 : accept }\n"
		   "delete element ip t svc { 10.0.0.2 . udp . 9 }\n"), 0,
	       "elements changed");
	is_int(udp("1.1.1.1", 7), QT_XT_DROP, "not before the compile");
	is_int(compile(AF_INET), 0, "compiled again (as each commit does)");
	is_int(udp("1.1.1.1", 7), QT_XT_ACCEPT, "the new element runs");
	is_int(pkt4("1.1.1.1", "10.0.0.2", 17, 1, 9, 0), QT_XT_DROP,
	       "the deleted one is gone (policy drop)");
	is_int(nft("add chain ip t lone\nadd element ip t svc { 10.0.0.2 . "
		   "udp . 8 : jump lone }\nadd rule ip t lone drop\n"), 0,
	       "an element jumps to a chain only it reaches");
	is_int(compile(AF_INET), 0, "compiled");
	is_int(udp("1.1.1.1", 8), QT_XT_DROP, "that chain was compiled and runs");
}

/* Maps and sets declared by typeof, concatenations too: listed as
 * written, run as their types. */
static void typeof_keys(void)
{
	const char *text =
		"table ip t {\n"
		"\tmap a {\n"
		"\t\ttypeof ip daddr . meta l4proto . th dport : verdict\n"
		"\t\telements = { 10.0.0.2 . udp . 80 : drop }\n"
		"\t}\n\n"
		"\tmap b {\n"
		"\t\ttypeof ip saddr . udp dport : meta mark\n"
		"\t\telements = { 10.0.0.1 . 81 : 0x00000009 }\n"
		"\t}\n\n"
		"\tmap d {\n"
		"\t\ttypeof iifname : ct mark\n"
		"\t}\n\n"
		"\tchain in {\n"
		"\t\ttype filter hook input priority filter; policy accept;\n"
		"\t\tip daddr . meta l4proto . th dport vmap @a\n"
		"\t\tmeta mark set ip saddr . udp dport map @b\n"
		"\t}\n"
		"}\n";
	is_int(load(text), 0, "typeof maps with concatenated keys");
	struct qt_buf l;
	qt_buf_init(&l);
	struct nft_print_opts po = { 0 };
	nft_print_ruleset(nrs, -1, &po, &l);
	is_str(qt_buf_str(&l), text, "listed as written (nft lists them so)");
	qt_buf_free(&l);
	is_int(udp("10.0.0.1", 80), QT_XT_DROP, "the typeof verdict map");
	is_int(udp("10.0.0.1", 81), QT_XT_ACCEPT, "the typeof mark map");
	is_int((int)last_mark, 9, "its value");
}

static void bitwise(void)
{
	is_int(load("table ip t {\n"
		    " chain in { type filter hook input priority 0;\n"
		    "  meta mark & 0xff00 == 0x100 drop\n"
		    "  meta mark and 0x1 != 0 meta mark set meta mark | 0x4000 accept\n"
		    "  meta mark 0x20 meta mark set meta mark ^ 0x30 accept\n"
		    "  meta mark 0x40 mark set mark or 0x4000 accept\n"
		    "  meta mark & 0xf0 { 0x50, 0x60 } meta mark set meta mark & 0xf accept\n"
		    " }\n}\n"), 0, "bitwise matches and sets compile");
	is_int(pkt4("1.1.1.1", "10.0.0.2", 17, 1, 1, 0x1ff), QT_XT_DROP,
	       "0x1ff & 0xff00 == 0x100");
	is_int(pkt4("1.1.1.1", "10.0.0.2", 17, 1, 1, 0x201), QT_XT_ACCEPT,
	       "0x201: the odd mark");
	is_int((int)last_mark, 0x4201, "or 0x4000");
	is_int(pkt4("1.1.1.1", "10.0.0.2", 17, 1, 1, 0x20), QT_XT_ACCEPT, "0x20");
	is_int((int)last_mark, 0x10, "xor 0x30");
	is_int(pkt4("1.1.1.1", "10.0.0.2", 17, 1, 1, 0x40), QT_XT_ACCEPT, "0x40");
	is_int((int)last_mark, 0x4040, "mark or 0x4000");
	is_int(pkt4("1.1.1.1", "10.0.0.2", 17, 1, 1, 0x64), QT_XT_ACCEPT, "0x64");
	is_int((int)last_mark, 0x4, "& 0xf0 in a set, then & 0xf");
	is_int(pkt4("1.1.1.1", "10.0.0.2", 17, 1, 1, 0x74), QT_XT_ACCEPT, "0x74");
	is_int((int)last_mark, 0x74, "none matched");
}

/* A UDP packet at INPUT with the socket owner, skb->priority and the
 * clock given. */
static int pkt_meta(bool has_uid, uint32_t uid, uint32_t priority,
		    time_t wall)
{
	uint8_t b[28] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17 };
	inet_pton(AF_INET, "1.1.1.1", b + 12);
	inet_pton(AF_INET, "10.0.0.2", b + 16);
	b[25] = 8;
	if (!prog)
		return -1;
	struct qt_eval ev;
	qt_eval_init(&ev, b, 28, 28, 28, QT_HOOK_LOCAL_IN, &env);
	ev.in = "eth0";
	ev.indev = 2;
	ev.has_uid = ev.has_gid = has_uid;
	ev.uid = uid;
	ev.gid = uid + 1;
	ev.priority = priority;
	ev.wall.tv_sec = wall;
	return qt_prog_eval(prog, &ev, NULL);
}

static void meta_keys(void)
{
	/* nft reads hours and dates in local time: UTC here, as the
	 * kernel's clock */
	setenv("TZ", "UTC", 1);
	tzset();
	const time_t monday = 1700438400;       /* 2023-11-20 00:00:00 */
	is_int(load("table ip t {\n"
		    " chain in { type filter hook input priority 0;\n"
		    "  meta skuid 1000 meta mark set 1 drop\n"
		    "  meta skgid 2001 drop\n"
		    "  meta skuid != 1000 meta mark set 2 drop\n"
		    " }\n}\n"), 0, "meta skuid, skgid compile");
	ok(qt_prog_wants_owner(prog), "and ask the queue for the owner");
	is_int(pkt_meta(true, 1000, 0, monday), QT_XT_DROP, "uid 1000");
	is_int(pkt_meta(true, 2000, 0, monday), QT_XT_DROP, "gid 2001");
	is_int(pkt_meta(true, 7, 0, monday), QT_XT_DROP, "uid 7: != 1000");
	is_int(pkt_meta(false, 0, 0, monday), QT_XT_ACCEPT,
	       "no socket: neither == nor != (the kernel breaks the rule)");
	is_int(load("table ip t {\n"
		    " chain in { type filter hook input priority 0;\n"
		    "  meta priority 1:2 drop\n"
		    "  meta protocol ip6 drop\n"
		    " }\n}\n"), 0, "meta priority, protocol compile");
	is_int(pkt_meta(false, 0, 0x10002, monday), QT_XT_DROP, "priority 1:2");
	is_int(pkt_meta(false, 0, 0x10003, monday), QT_XT_ACCEPT,
	       "priority 1:3; an IPv4 packet is no ip6");
	is_int(load("table ip t {\n"
		    " chain in { type filter hook input priority 0;\n"
		    "  meta day \"Tuesday\" drop\n"
		    "  meta hour \"10:00\"-\"11:00\" drop\n"
		    "  meta time < \"2023-11-20 00:00:00\" drop\n"
		    " }\n}\n"), 0, "meta day, hour, time compile");
	is_int(pkt_meta(false, 0, 0, monday + 86400), QT_XT_DROP, "Tuesday");
	is_int(pkt_meta(false, 0, 0, monday + 10 * 3600 + 59), QT_XT_DROP,
	       "Monday 10:00:59");
	is_int(pkt_meta(false, 0, 0, monday + 11 * 3600 + 1), QT_XT_ACCEPT,
	       "Monday 11:00:01");
	is_int(pkt_meta(false, 0, 0, monday - 1), QT_XT_DROP,
	       "a second before the date");
	is_int(pkt_meta(false, 0, 0, monday), QT_XT_ACCEPT, "the date itself");
	is_int(load("table ip t {\n"
		    " chain in { type filter hook input priority 0;\n"
		    "  meta cpu 1 drop\n"
		    " }\n}\n"), -1, "meta cpu is refused in a base chain");
}

static void numgen_jhash(void)
{
	is_int(load("table ip t {\n"
		    " chain c1 { meta mark set 1; }\n"
		    " chain c2 { meta mark set 2; }\n"
		    " chain in { type filter hook input priority 0;\n"
		    "  udp dport 1 numgen inc mod 3 vmap { 0 : drop, 1 : jump c1, "
		    "2 : jump c2 }\n"
		    "  udp dport 2 numgen inc mod 2 offset 10 10 drop\n"
		    "  udp dport 3 numgen random mod 1 0 drop\n"
		    "  udp dport 4 numgen random mod 2 offset 5 { 5, 6 } drop\n"
		    "  udp dport 5 numgen random mod 2 offset 5 7 drop\n"
		    " }\n}\n"), 0, "numgen compiles");
	int seq[6];
	for (int i = 0; i < 6; i++) {
		seq[i] = udp("1.1.1.1", 1) == QT_XT_DROP ? 0 : (int)last_mark;
	}
	ok(seq[0] == 0 && seq[1] == 1 && seq[2] == 2 && seq[3] == 0 &&
	   seq[4] == 1 && seq[5] == 2, "numgen inc mod 3: 0 1 2 0 1 2 "
	   "(got %d %d %d %d %d %d)", seq[0], seq[1], seq[2], seq[3], seq[4],
	   seq[5]);
	is_int(udp("1.1.1.1", 2), QT_XT_DROP, "inc offset 10: 10");
	is_int(udp("1.1.1.1", 2), QT_XT_ACCEPT, "then 11");
	is_int(udp("1.1.1.1", 2), QT_XT_DROP, "then 10");
	is_int(compile(AF_INET), 0, "compiled again");
	is_int(udp("1.1.1.1", 2), QT_XT_ACCEPT,
	       "the counter carried over the commit: 11");
	int d3 = 0, d4 = 0, d5 = 0;
	for (int i = 0; i < 50; i++) {
		d3 += udp("1.1.1.1", 3) == QT_XT_DROP;
		d4 += udp("1.1.1.1", 4) == QT_XT_DROP;
		d5 += udp("1.1.1.1", 5) == QT_XT_DROP;
	}
	ok(d3 == 50 && d4 == 50 && d5 == 0,
	   "random mod 1 is 0, mod 2 offset 5 in { 5, 6 }, never 7");

	/* lookup3's vectors: the kernel's jhash is hashlittle */
	is_int((int)qt_nat_jhash("", 0, 0), (int)0xdeadbeefu, "jhash of nothing");
	is_int((int)qt_nat_jhash("Four score and seven years ago", 30, 0),
	       0x17770551, "jhash, lookup3's vector");
	is_int((int)qt_nat_jhash("Four score and seven years ago", 30, 1),
	       (int)0xcd628161u, "with initval 1");
	uint32_t w[2] = { 0x04030201, 0x08070605 };
	is_int((int)qt_nat_jhash("\1\2\3\4\5\6\7\10", 8, 9),
	       (int)qt_nat_jhash2(w, 2, 9), "over whole words: jhash2");

	/* jhash ip saddr . udp dport mod 2 seed 0x1: the bucket of each
	 * packet as computed here over the padded concatenation */
	is_int(load("table ip t {\n"
		    " chain in { type filter hook input priority 0;\n"
		    "  jhash ip saddr . udp dport mod 4 seed 0x1 offset 100 vmap "
		    "{ 100 : drop, 101 : accept, 102 : drop, 103 : accept }\n"
		    " }\n}\n"), 0, "jhash compiles");
	int bad = 0;
	for (unsigned i = 1; i < 40; i++) {
		char a[32];
		snprintf(a, sizeof(a), "10.0.0.%u", i);
		uint8_t key[8] = { 10, 0, 0, (uint8_t)i, 0x00, 0x35, 0, 0 };
		uint32_t h = qt_nat_jhash(key, 8, 1);
		uint32_t b = (uint32_t)(((uint64_t)h * 4) >> 32);
		int want = b % 2 ? QT_XT_ACCEPT : QT_XT_DROP;
		bad += udp(a, 53) != want;
	}
	is_int(bad, 0, "each packet in the bucket of its key");
}

/* A UDP packet 2001:db8::1 -> 2001:db8::2 port dport at INPUT. */
static int udp6(uint16_t dport)
{
	uint8_t b[48] = { 0x60, 0, 0, 0, 0, 8, 17, 64 };
	inet_pton(AF_INET6, "2001:db8::1", b + 8);
	inet_pton(AF_INET6, "2001:db8::2", b + 24);
	b[40] = 0x03;
	b[41] = 0xe8;
	b[42] = (uint8_t)(dport >> 8);
	b[43] = (uint8_t)dport;
	b[45] = 8;
	if (!prog)
		return -1;
	struct qt_eval ev;
	qt_eval_init(&ev, b, sizeof(b), sizeof(b), sizeof(b),
		     QT_HOOK_LOCAL_IN, &env);
	ev.in = "eth0";
	ev.mark = 0;
	int v = qt_prog_eval(prog, &ev, NULL);
	last_mark = ev.mark;
	return v;
}

static void ipv6_keys(void)
{
	is_int(nft("flush ruleset\ntable inet t {\n"
		   " chain in { type filter hook input priority 0;\n"
		   "  ip6 saddr . udp dport { 2001:db8::1 . 53, 2001:db8::9 . 54 } drop\n"
		   "  meta nfproto . meta l4proto . th dport vmap { ipv6 . udp . 55 : "
		   "accept, ipv4 . udp . 56 : drop }\n"
		   "  ip6 saddr & ffff:ffff:: == 2001:db8:: meta mark set 3\n"
		   " }\n}\n"), 0, "IPv6 keys in an inet table");
	is_int(compile(AF_INET6), 0, "the IPv6 program");
	is_int(udp6(53), QT_XT_DROP, "ip6 saddr . udp dport: 16 + 4 bytes");
	is_int(udp6(54), QT_XT_ACCEPT, "another port");
	is_int((int)last_mark, 3, "a bitwise mask over 16 bytes");
	is_int(udp6(55), QT_XT_ACCEPT, "nfproto . l4proto . dport");
	is_int((int)last_mark, 0, "accepted by the map before the mark");
	is_int(compile(AF_INET), 0, "and the IPv4 program");
	is_int(udp("10.0.0.1", 56), QT_XT_DROP, "ipv4 . udp . 56");
}

static void value_maps(void)
{
	is_int(load("table ip t {\n"
		    " map m { type ipv4_addr : mark; elements = { 10.0.0.7 : 0x10 } }\n"
		    " map m2 { type ipv4_addr . inet_service : mark; elements = "
		    "{ 10.0.0.8 . 53 : 0x11 } }\n"
		    " chain in { type filter hook input priority 0;\n"
		    "  meta mark set ip saddr map { 10.0.0.1 : 0x5, 10.0.1.0/24 : 7 }\n"
		    "  meta mark set ip saddr map @m\n"
		    "  meta mark set ip saddr . udp dport map @m2\n"
		    "  meta mark set ip saddr . udp dport map { 10.0.0.9 . 9 : 0x99 }\n"
		    "  meta mark set ip saddr map { 10.0.0.1 : 0x6 } drop\n"
		    " }\n}\n"), 0, "mark set from maps compiles");
	is_int(udp("10.0.1.77", 1), QT_XT_ACCEPT, "10.0.1.77");
	is_int((int)last_mark, 7, "its prefix's value");
	is_int(udp("10.0.0.7", 1), QT_XT_ACCEPT, "10.0.0.7");
	is_int((int)last_mark, 0x10, "the named map's value");
	is_int(udp("10.0.0.8", 53), QT_XT_ACCEPT, "10.0.0.8 . 53");
	is_int((int)last_mark, 0x11, "the named concatenated map's value");
	is_int(udp("10.0.0.9", 9), QT_XT_ACCEPT, "10.0.0.9 . 9");
	is_int((int)last_mark, 0x99, "the anonymous concatenated map's value");
	is_int(udp("10.0.0.3", 1), QT_XT_ACCEPT,
	       "no element: the rule breaks (its drop does not run)");
	is_int((int)last_mark, 0, "and no mark is set");
	is_int(udp("10.0.0.1", 1), QT_XT_DROP, "10.0.0.1: the last rule drops");
	is_int((int)last_mark, 6, "after setting its value");
	struct qt_buf l;
	qt_buf_init(&l);
	struct nft_print_opts po = { 0 };
	nft_print_ruleset(nrs, -1, &po, &l);
	ok(strstr(qt_buf_str(&l), "meta mark set ip saddr map { 10.0.0.1 : "
		  "0x00000005, 10.0.1.0/24 : 0x00000007 }\n") &&
	   strstr(qt_buf_str(&l), "meta mark set ip saddr . udp dport map "
		  "@m2\n"), "listed as nft lists them");
	qt_buf_free(&l);
}

/* Marks set from numgen and jhash, a masked map key, and catch-all
 * elements (`*`): what a key no other element holds finds. */
static void values_and_catchall(void)
{
	is_int(load("table ip t {\n"
		    " set s { type ipv4_addr; elements = { 10.0.0.5, * } }\n"
		    " chain in { type filter hook input priority 0;\n"
		    "  udp dport 1 meta mark set numgen inc mod 3 offset 100\n"
		    "  udp dport 2 meta mark set jhash ip saddr mod 4 seed 0x1 offset 20\n"
		    "  udp dport 3 ip saddr @s meta mark set 1\n"
		    "  udp dport 4 meta mark set ip saddr map { 10.0.0.5 : 2, * : 3 }\n"
		    "  udp dport 5 ip saddr vmap { 10.0.0.5 : accept, * : drop }\n"
		    "  udp dport 6 meta mark set ip saddr and 255.255.0.0 map "
		    "{ 10.7.0.0 : 9 }\n"
		    "  udp dport 7 ip saddr != { 10.0.0.5, * } drop\n"
		    " }\n}\n"), 0, "numgen, jhash, masked keys and * compile");
	int seq[4];
	for (int i = 0; i < 4; i++) {
		udp("1.1.1.1", 1);
		seq[i] = (int)last_mark;
	}
	ok(seq[0] == 100 && seq[1] == 101 && seq[2] == 102 && seq[3] == 100,
	   "mark set numgen inc mod 3 offset 100: 100 101 102 100");
	static const char *const addrs[] = { "1.1.1.1", "10.0.0.5",
					     "192.168.9.3", "172.16.0.1" };
	bool all = true;
	for (size_t i = 0; i < sizeof(addrs) / sizeof(*addrs); i++) {
		struct in_addr a;
		inet_pton(AF_INET, addrs[i], &a);
		uint32_t h = qt_nat_jhash(&a, 4, 1);
		uint32_t want = (uint32_t)(((uint64_t)h * 4) >> 32) + 20;
		udp(addrs[i], 2);
		all &= last_mark == want;
	}
	ok(all, "mark set jhash: the kernel's jhash of the address, "
	   "scaled to mod, plus offset");
	udp("1.2.3.4", 3);
	is_int((int)last_mark, 1, "a named set's *: any address is in it");
	udp("10.0.0.5", 4);
	is_int((int)last_mark, 2, "a map's element");
	udp("10.0.0.6", 4);
	is_int((int)last_mark, 3, "a key the map lacks: its *'s value");
	is_int(udp("10.0.0.5", 5), QT_XT_ACCEPT, "a verdict map's element");
	is_int(udp("10.0.0.6", 5), QT_XT_DROP, "and its *'s verdict");
	udp("10.7.3.4", 6);
	is_int((int)last_mark, 9, "the map's key masked before the lookup");
	udp("10.8.3.4", 6);
	is_int((int)last_mark, 0, "another network: no element, no mark");
	is_int(udp("9.9.9.9", 7), QT_XT_ACCEPT, "!= a set with *: nothing");
	is_int(load("table ip t {\n"
		    " chain in { type filter hook input priority 0;\n"
		    "  ct mark set symhash mod 2\n"
		    " }\n}\n"), -1, "symhash (the kernel's flow hash) is "
	       "refused in a chain that runs");
	is_int(load("table ip t {\n"
		    " chain pre { type nat hook prerouting priority 0;\n"
		    "  dnat to ip saddr map { 10.0.0.5 : 1.2.3.4, * : 5.6.7.8 }\n"
		    " }\n}\n"), -1, "a nat map's * is refused");
}

static void fib(void)
{
	struct qt_addrs_route r[2] = {
		{ .dst = 0x0a000002, .mask = 0xffffffff, .len = 32,
		  .type = RTN_LOCAL, .oif = 2, .local = 1 },
		{ .dst = 0x0a0000ff, .mask = 0xffffffff, .len = 32,
		  .type = RTN_BROADCAST, .oif = 2, .local = 1 },
	};
	env.addrs = qt_addrs_new();
	qt_addrs_publish((struct qt_addrs *)env.addrs, r, 2, NULL, 0);
	is_int(load("table ip t {\n"
		    " chain in { type filter hook input priority 0;\n"
		    "  fib daddr type local meta mark set 1\n"
		    "  fib daddr . iif type local meta mark set meta mark | 2\n"
		    "  fib daddr type { broadcast, multicast } drop\n"
		    "  fib saddr type != unicast drop\n"
		    " }\n}\n"), 0, "fib's type compiles");
	is_int(pkt4("1.1.1.1", "10.0.0.2", 17, 1, 1, 0), QT_XT_ACCEPT,
	       "to the local address");
	is_int((int)last_mark, 3, "local, and by its device; no oif at input");
	is_int(pkt4("1.1.1.1", "10.0.0.3", 17, 1, 1, 0), QT_XT_ACCEPT,
	       "another address");
	is_int((int)last_mark, 0, "unicast");
	is_int(pkt4("1.1.1.1", "10.0.0.255", 17, 1, 1, 0), QT_XT_DROP,
	       "the broadcast address");
	is_int(pkt4("1.1.1.1", "224.0.0.1", 17, 1, 1, 0), QT_XT_DROP,
	       "a multicast one");
	is_int(pkt4("10.0.0.2", "10.0.0.3", 17, 1, 1, 0), QT_XT_DROP,
	       "from the local address: saddr type local");

	/* fib's oif: the route's device; with iif, that device or none */
	struct qt_addrs_route r2[] = {
		{ .dst = 0x0a000002, .mask = 0xffffffff, .len = 32,
		  .type = RTN_LOCAL, .oif = 2, .local = 1 },
		{ .dst = 0x0a000000, .mask = 0xffffff00, .len = 24,
		  .type = RTN_UNICAST, .oif = 2 },
		{ .dst = 0x0a090000, .mask = 0xffff0000, .len = 16,
		  .type = RTN_UNICAST, .oif = 3 },
		{ .dst = 0x0a080000, .mask = 0xffff0000, .len = 16,
		  .type = RTN_BLACKHOLE },
	};
	qt_addrs_publish((struct qt_addrs *)env.addrs, r2, 4, NULL, 0);
	struct qt_link lk[2] = { { .ifindex = 2, .name = "eth0" },
				 { .ifindex = 3, .name = "eth3" } };
	env.links = qt_links_new();
	qt_links_publish((struct qt_links *)env.links, lk, 2);
	is_int(load("table ip t {\n"
		    " chain in { type filter hook input priority 0;\n"
		    "  fib daddr oifname \"eth3\" meta mark set 9\n"
		    "  fib daddr oifname \"eth0\" meta mark set 8\n"
		    "  fib daddr oif missing meta mark set 7\n"
		    "  fib saddr . iif oif missing drop\n"
		    " }\n}\n"), 0, "fib's oif, oifname, missing compile");
	is_int(pkt4("10.0.0.5", "10.9.0.1", 17, 1, 1, 0), QT_XT_ACCEPT,
	       "from a source routed back by its device");
	is_int((int)last_mark, 9, "to 10.9.0.1: oifname eth3");
	is_int(pkt4("10.0.0.5", "10.0.0.9", 17, 1, 1, 0), QT_XT_ACCEPT, "to 10.0.0.9");
	is_int((int)last_mark, 8, "oifname eth0");
	is_int(pkt4("10.0.0.5", "10.0.0.2", 17, 1, 1, 0), QT_XT_ACCEPT,
	       "to the local address");
	is_int((int)last_mark, 7, "a local route: missing");
	is_int(pkt4("10.0.0.5", "10.8.0.1", 17, 1, 1, 0), QT_XT_ACCEPT,
	       "to a blackhole");
	is_int((int)last_mark, 7, "missing");
	is_int(pkt4("10.9.0.5", "10.0.0.2", 17, 1, 1, 0), QT_XT_DROP,
	       "from a source routed by another device: dropped (rpfilter)");
	is_int(pkt4("1.1.1.1", "10.0.0.2", 17, 1, 1, 0), QT_XT_DROP,
	       "from a source with no route: dropped");
	qt_prog_free(prog);
	prog = NULL;
	qt_addrs_free((struct qt_addrs *)env.addrs);
	env.addrs = NULL;
	qt_links_free((struct qt_links *)env.links);
	env.links = NULL;
	is_int(nft("flush ruleset\ntable inet t { chain in { type filter hook "
		   "input priority 0; fib daddr type local accept\n}\n}\n"), 0,
	       "fib in an inet table");
	is_int(compile(AF_INET), 0, "runs for IPv4");
	is_int(compile(AF_INET6), 0, "and for IPv6");
}

/* An IPv6 UDP packet from src to dst coming in by eth0 (2). */
static int pkt6(const char *src, const char *dst)
{
	uint8_t b[48] = { 0x60, 0, 0, 0, 0, 8, 17, 64 };
	inet_pton(AF_INET6, src, b + 8);
	inet_pton(AF_INET6, dst, b + 24);
	b[41] = 1;
	b[43] = 1;
	b[45] = 8;
	if (!prog)
		return -1;
	struct qt_eval ev;
	qt_eval_init(&ev, b, sizeof(b), sizeof(b), sizeof(b),
		     QT_HOOK_LOCAL_IN, &env);
	ev.in = "eth0";
	ev.indev = 2;
	ev.mark = 0;
	int v = qt_prog_eval(prog, &ev, NULL);
	last_mark = ev.mark;
	return v;
}

static struct qt_addrs_route6 route6(const char *dst, unsigned len,
				     unsigned type, int oif, bool local)
{
	struct qt_addrs_route6 r = { .len = (uint8_t)len, .type = (uint8_t)type,
				     .oif = oif, .local = local };
	inet_pton(AF_INET6, dst, &r.dst);
	return r;
}

/* fib for IPv6: the local table's routes before main's, an address of
 * iif local, failing routes by their type, the subnet-router anycast
 * address, and the route's device */
static void fib6(void)
{
	struct qt_addrs_route6 r6[] = {
		route6("2001:db8:1::1", 128, RTN_LOCAL, 2, true),
		route6("2001:db8:1::", 64, RTN_UNICAST, 2, false),
		route6("2001:db8:9::", 48, RTN_UNICAST, 3, false),
		route6("2001:db8:6::", 48, RTN_BLACKHOLE, 0, false),
		route6("2001:db8:7::", 48, RTN_PROHIBIT, 0, false),
	};
	struct qt_addrs_addr a6 = { .ifindex = 2, .family = AF_INET6,
				    .plen = 64 };
	inet_pton(AF_INET6, "2001:db8:1::1", &a6.a6);
	env.addrs = qt_addrs_new();
	qt_addrs_publish6((struct qt_addrs *)env.addrs, NULL, 0, r6,
			  sizeof(r6) / sizeof(r6[0]), &a6, 1);
	struct qt_link lk[2] = { { .ifindex = 2, .name = "eth0" },
				 { .ifindex = 3, .name = "eth3" } };
	env.links = qt_links_new();
	qt_links_publish((struct qt_links *)env.links, lk, 2);
	is_int(nft("flush ruleset\ntable ip6 t {\n"
		    " chain in { type filter hook input priority 0;\n"
		    "  fib daddr . iif type local meta mark set 1 accept\n"
		    "  fib daddr type vmap { blackhole : drop, prohibit : drop, "
		    "anycast : accept }\n"
		    "  fib daddr type unreachable meta mark set 2 accept\n"
		    "  fib daddr oifname \"eth3\" meta mark set 3 accept\n"
		    "  fib saddr . iif oif missing drop\n"
		    " }\n}\n"), 0, "fib for IPv6");
	is_int(compile(AF_INET6), 0, "compiles");
	is_int(pkt6("2001:db8:1::5", "2001:db8:1::1"), QT_XT_ACCEPT,
	       "to the address of iif");
	is_int((int)last_mark, 1, "local");
	is_int(pkt6("2001:db8:1::5", "2001:db8:6::1"), QT_XT_DROP,
	       "to a blackhole route: dropped");
	is_int(pkt6("2001:db8:1::5", "2001:db8:7::1"), QT_XT_DROP,
	       "to a prohibit route: dropped");
	is_int(pkt6("2001:db8:1::5", "2001:db8:1::"), QT_XT_ACCEPT,
	       "to the subnet-router anycast address: anycast");
	is_int((int)last_mark, 0, "accepted by the map");
	is_int(pkt6("2001:db8:1::5", "2001:db8:5::1"), QT_XT_ACCEPT,
	       "to no route");
	is_int((int)last_mark, 2, "unreachable");
	is_int(pkt6("2001:db8:1::5", "2001:db8:9::1"), QT_XT_ACCEPT,
	       "to a route by eth3");
	is_int((int)last_mark, 3, "oifname eth3");
	is_int(pkt6("2001:db8:9::5", "2001:db8:1::2"), QT_XT_DROP,
	       "from a source routed by another device: dropped (rpfilter)");
	is_int(pkt6("2001:db8:1::5", "2001:db8:1::2"), QT_XT_ACCEPT,
	       "from a source routed back by iif: on");
	qt_prog_free(prog);
	prog = NULL;
	qt_addrs_free((struct qt_addrs *)env.addrs);
	env.addrs = NULL;
	qt_links_free((struct qt_links *)env.links);
	env.links = NULL;
}

int main(void)
{
	qt_buf_init(&err);
	store = qt_rt_store_new();
	nstore = qt_nft_store_new();
	nrs = nft_ruleset_new();
	lookup_shapes();
	lookup_structure();
	concatenations();
	verdict_maps();
	typeof_keys();
	bitwise();
	meta_keys();
	numgen_jhash();
	value_maps();
	values_and_catchall();
	ipv6_keys();
	fib();
	fib6();
	qt_prog_free(prog);
	prog = NULL;
	is_int((int)qt_nft_store_count(nstore), 0, "runtimes freed with programs");
	qt_nft_store_free(nstore);
	qt_rt_store_free(store);
	nft_ruleset_free(nrs);
	qt_buf_free(&err);
	return done_testing();
}
