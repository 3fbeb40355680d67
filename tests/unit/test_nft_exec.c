/* engine/nft_exec: nft base chains compiled into a family's program
 * beside iptables' tables: priority order at one hook (an nft chain
 * before and after iptables' filter, two nft chains of one priority:
 * the later first, as the kernel runs them), verdicts, jumps, gotos,
 * returns and policies, sets, flags, the classifier on many rules,
 * counters kept across commits and read back into the model, inet
 * rules in the IPv6 program, and what cannot run refused. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft_exec.h"
#include "nft_model.h"
#include "nft_print.h"
#include "nft_run.h"
#include "program.h"
#include "qt_test.h"
#include "rt_store.h"
#include "tap.h"

static struct nft_ruleset *nrs;
static struct qt_ruleset *irs;
static struct qt_rt_store *store;
static struct qt_nft_store *nstore;
static struct qt_prog *prog;
static struct qt_buf err;
static uint32_t last_mark;
static struct qt_eval last_ev;

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

static void ipt(const char *c)
{
	struct qt_test_result r;
	if (qt_test_cmd(&irs, c, &r))
		printf("# %s: %s", c, qt_buf_str(&r.err));
	qt_test_result_free(&r);
}

/* Compile both for family; 0, or -1 with err set. */
static int compile(uint8_t family)
{
	qt_prog_free(prog);
	prog = NULL;
	qt_buf_reset(&err);
	struct qt_ruleset *rs = family == AF_INET ? irs
				: qt_ruleset_new(AF_INET6);
	struct qt_prog *p = qt_prog_compile(rs, NULL, store, &err);
	if (rs != irs)
		qt_ruleset_free(rs);
	if (!p)
		return -1;
	struct qt_nft_prog *np = qt_nft_compile(nrs, family, NULL, nstore,
						&err);
	if (!np || qt_prog_attach_nft(p, np, &err) < 0) {
		qt_prog_free(p);
		return -1;
	}
	prog = p;
	return 0;
}

/* A UDP packet 10.0.0.1:1000 -> 10.0.0.2:dport at hook. */
static int udp4(unsigned hook, uint16_t dport, uint32_t mark)
{
	uint8_t b[28] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0,
			  10, 0, 0, 1, 10, 0, 0, 2,
			  0x03, 0xe8, 0, 0, 0, 8, 0, 0 };
	b[22] = (uint8_t)(dport >> 8);
	b[23] = (uint8_t)dport;
	struct qt_eval ev;
	qt_eval_init(&ev, b, sizeof(b), sizeof(b), sizeof(b), hook, NULL);
	ev.in = "eth0";
	ev.mark = mark;
	ev.now_ns = 1000000000ull;
	int v = qt_prog_eval(prog, &ev, NULL);
	last_mark = ev.mark;
	last_ev = ev;
	return v;
}

/* udp4 at INPUT at a time of the engine's clock */
static int udp4_at(uint64_t now_ns)
{
	uint8_t b[28] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0,
			  10, 0, 0, 1, 10, 0, 0, 2,
			  0x03, 0xe8, 0, 9, 0, 8, 0, 0 };
	struct qt_eval ev;
	qt_eval_init(&ev, b, sizeof(b), sizeof(b), sizeof(b),
		     QT_HOOK_LOCAL_IN, NULL);
	ev.in = "eth0";
	ev.now_ns = now_ns;
	return qt_prog_eval(prog, &ev, NULL);
}

/* How many of n 28-byte packets at one time a ruleset accepts. */
static unsigned accepted_of(unsigned n, uint64_t now_ns)
{
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++)
		k += udp4_at(now_ns) == QT_XT_ACCEPT;
	return k;
}

/* limit and quota as nft_limit and nft_quota run them: a bucket of
 * rate's bytes for a second plus the burst, each packet costing its
 * length; a quota consumed by every packet it sees */
static void stateful_stmts(void)
{
	static const struct {
		const char *rule;
		unsigned first, later;  /* of 20 at 1 s; of 20 at 1.1 s */
	} t[] = {
		/* 280 bytes: 10 packets of 28 bytes, one more each 0.1 s */
		{ "limit rate 280 bytes/second accept", 10, 1 },
		{ "limit rate 280 bytes/second burst 56 bytes accept", 12, 1 },
		{ "limit rate over 280 bytes/second drop", 10, 1 },
		/* the bucket of a week: 2 packets, none a tenth later */
		{ "limit rate 2/week burst 2 packets accept", 2, 0 },
		{ "limit rate 10/second accept", 5, 1 },
		/* 84 bytes are under 100, the fourth packet passes it */
		{ "quota 100 bytes accept", 3, 0 },
		{ "quota over 100 bytes drop", 3, 0 },
		{ "quota 1 kbytes used 1000 bytes accept", 0, 0 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char text[256];
		/* a rule that drops lets pass what it does not take */
		bool accepts = strstr(t[i].rule, "accept") != NULL;
		snprintf(text, sizeof(text), "flush ruleset\ntable ip l%zu {\n"
			 "chain in { type filter hook input priority 0; "
			 "policy %s;\n%s\n}\n}\n", i, accepts ? "drop" : "accept",
			 t[i].rule);
		is_int(nft(text), 0, "%s", t[i].rule);
		is_int(compile(AF_INET), 0, "compiled");
		unsigned a = accepted_of(20, 1000000000ull);
		unsigned b = accepted_of(20, 1100000000ull);
		is_int((int)a, (int)t[i].first, "%s: at first", t[i].rule);
		is_int((int)b, (int)t[i].later, "%s: 0.1 s later", t[i].rule);
	}
	/* what a quota consumed is listed, and survives a commit */
	is_int(nft("flush ruleset\ntable ip q {\nchain in { type filter hook "
		   "input priority 0; policy drop;\nquota 100 bytes accept\n"
		   "}\n}\n"), 0, "a quota");
	is_int(compile(AF_INET), 0, "compiled");
	is_int((int)accepted_of(2, 1000000000ull), 2, "two packets under it");
	/* the daemon reads the runtime back before a commit */
	qt_nft_store_sync(nstore, nrs);
	is_int(nft("add table ip other\n"), 0, "another commit");
	is_int(compile(AF_INET), 0, "compiled again");
	is_int((int)accepted_of(2, 1000000000ull), 1, "one more under it");
	qt_nft_store_sync(nstore, nrs);
	struct qt_buf out;
	qt_buf_init(&out);
	struct nft_print_opts po = { 0 };
	nft_print_ruleset(nrs, -1, &po, &out);
	ok(strstr(qt_buf_str(&out), "quota 100 bytes used 100 bytes accept")
	   != NULL, "listed with what it consumed, no more than the quota");
	qt_buf_free(&out);

	/* named objects: one state for every rule that names them */
	is_int(nft("flush ruleset\ntable ip n {\ncounter c { packets 1 bytes 2 }"
		   "\nquota q { 84 bytes }\nlimit l { rate 2/minute burst 3 "
		   "packets }\nchain in { type filter hook input priority 0; "
		   "policy drop;\ncounter name \"c\"\nudp dport 9 quota name "
		   "\"q\" counter name c accept\nudp dport 9 limit name l "
		   "accept\n}\n}\n"), 0, "named counter, quota and limit");
	is_int(compile(AF_INET), 0, "compiled");
	/* 3 under the quota; then 3 the limit's bucket holds */
	is_int((int)accepted_of(8, 1000000000ull), 6, "the quota, then the "
	       "limit");
	qt_nft_store_sync(nstore, nrs);
	qt_buf_init(&out);
	nft_print_ruleset(nrs, -1, &po, &out);
	ok(strstr(qt_buf_str(&out), "counter c {\n\t\tpackets 12 bytes 310\n")
	   != NULL, "the counter: its start and both rules' packets");
	ok(strstr(qt_buf_str(&out), "84 bytes used 84 bytes") != NULL,
	   "the quota used");
	qt_buf_free(&out);
	qt_prog_free(prog);
	prog = NULL;
}

/* A UDP packet 2001:db8::1 -> 2001:db8::2 port dport at INPUT. */
static int udp6(uint16_t dport)
{
	uint8_t b[48] = { 0x60, 0, 0, 0, 0, 8, 17, 64 };
	static const uint8_t s[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t d[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	memcpy(b + 8, s, 16);
	memcpy(b + 24, d, 16);
	b[40] = 0x03;
	b[41] = 0xe8;
	b[42] = (uint8_t)(dport >> 8);
	b[43] = (uint8_t)dport;
	b[45] = 8;
	struct qt_eval ev;
	qt_eval_init(&ev, b, sizeof(b), sizeof(b), sizeof(b),
		     QT_HOOK_LOCAL_IN, NULL);
	ev.in = "eth0";
	return qt_prog_eval(prog, &ev, NULL);
}

/* The counter of rule index ri of chain (table by name) after a sync. */
static long counted(const char *table, const char *chain, unsigned ri)
{
	qt_nft_store_sync(nstore, nrs);
	for (unsigned ti = 0; ti < nrs->ntables; ti++) {
		struct nft_table *t = &nrs->tables[ti];
		if (strcmp(t->name, table))
			continue;
		struct nft_chain *c = nft_chain_find(t, chain);
		if (!c || ri >= c->nrules)
			return -1;
		for (unsigned i = 0; i < c->rules[ri].n; i++)
			if (c->rules[ri].stmts[i].kind == NFT_S_COUNTER)
				return (long)c->rules[ri].stmts[i].packets;
	}
	return -1;
}

static long ipt_counted(unsigned k)
{
	struct qt_rule *r = qt_table_chain(irs->tables[QT_TABLE_FILTER],
					   "INPUT")->rules[k];
	const struct qt_rule_rt *rt = qt_rt_find(store, r);
	return rt ? (long)rt->cnt.pkts : -1;
}

/* ---- IPv6 addresses in the classifier ---- */

/* An address of a small space, so that rules overlap and packets
 * meet several: the words vary where prefixes of every length end. */
static void addr6_of(uint32_t r, uint8_t a[16])
{
	static const uint32_t w1[] = { 0, 1, 0x10000, 0xffff, 0x1ffff };
	static const uint32_t w2[] = { 0, 1, 0x80000000, 0xffffffff };
	static const uint32_t w3[] = { 0, 1, 0x10, 0x7fffffff, 0xffffffff };
	uint32_t w[4] = { 0x20010db8, w1[r % 5], w2[(r / 5) % 4],
			  w3[(r / 20) % 5] };
	for (unsigned i = 0; i < 16; i++)
		a[i] = (uint8_t)(w[i / 4] >> (24 - 8 * (i % 4)));
}

static void addr6_mask(uint8_t a[16], unsigned plen, bool ones)
{
	for (unsigned i = 0; i < 128; i++)
		if (i >= plen) {
			uint8_t bit = (uint8_t)(0x80 >> (i % 8));
			a[i / 8] = ones ? a[i / 8] | bit
					: (uint8_t)(a[i / 8] & ~bit);
		}
}

/* a + d (d = 1 or -1), 128 bits wrapping */
static void addr6_step(uint8_t a[16], int d)
{
	for (int i = 15; i >= 0; i--) {
		a[i] = (uint8_t)(a[i] + d);
		if (a[i] != (d > 0 ? 0 : 0xff))
			break;
	}
}

struct rule6 {
	unsigned n;                    /* conditions */
	bool src[2], ne[2];
	unsigned plen[2];              /* of a prefix; 128: a value */
	uint8_t lo[2][16], hi[2][16];
};

static bool rule6_meets(const struct rule6 *r, const uint8_t s[16],
			const uint8_t d[16])
{
	for (unsigned c = 0; c < r->n; c++) {
		const uint8_t *a = r->src[c] ? s : d;
		bool in = memcmp(a, r->lo[c], 16) >= 0 &&
			  memcmp(a, r->hi[c], 16) <= 0;
		if (in == r->ne[c])
			return false;
	}
	return true;
}

static int udp6_addrs(const uint8_t s[16], const uint8_t d[16])
{
	uint8_t b[48] = { 0x60, 0, 0, 0, 0, 8, 17, 64 };
	memcpy(b + 8, s, 16);
	memcpy(b + 24, d, 16);
	b[40] = 0x03;
	b[41] = 0xe8;
	b[43] = 53;
	b[45] = 8;
	struct qt_eval ev;
	qt_eval_init(&ev, b, sizeof(b), sizeof(b), sizeof(b),
		     QT_HOOK_LOCAL_IN, NULL);
	ev.in = "eth0";
	return qt_prog_eval(prog, &ev, NULL);
}

/* Every rule's counter in chain c6/in. */
static void counts6(long *v, unsigned n)
{
	qt_nft_store_sync(nstore, nrs);
	const struct nft_table *t = nft_table_find(nrs, NFT_F_IP6, "c6");
	const struct nft_chain *c = t ? nft_chain_find((struct nft_table *)t,
						       "in") : NULL;
	for (unsigned ri = 0; ri < n; ri++) {
		v[ri] = -1;
		for (unsigned i = 0; c && ri < c->nrules && i < c->rules[ri].n; i++)
			if (c->rules[ri].stmts[i].kind == NFT_S_COUNTER)
				v[ri] = (long)c->rules[ri].stmts[i].packets;
	}
}

/* Rules on IPv6 source and destination addresses (values, prefixes of
 * every length, ranges, two matches on one address, != ) are indexed by
 * the four words of the address, and each packet still meets every
 * rule it matches and no other: each rule only counts, so every
 * matching rule shows in its counter, and a rule the classifier left
 * out of a packet's candidates would miss one. */
static void test_classify_ip6(void)
{
	enum { NR = 240 };
	static struct rule6 rules[NR];
	static const unsigned plens[] = { 128, 127, 96, 65, 64, 63, 48, 33,
					  32, 24 };
	struct qt_buf t;
	qt_buf_init(&t);
	qt_buf_puts(&t, "flush ruleset\ntable ip6 c6 { chain in { type filter "
		    "hook input priority 0; policy accept;\n");
	uint32_t rnd = 99;
	for (unsigned i = 0; i < NR; i++) {
		struct rule6 *r = &rules[i];
		memset(r, 0, sizeof(*r));
		unsigned kind = i % 6;
		r->n = kind == 3 || kind == 5 ? 2 : 1;
		for (unsigned c = 0; c < r->n; c++) {
			rnd = rnd * 1103515245u + 12345u;
			uint32_t x = rnd >> 8;
			r->src[c] = kind == 1 ? false : kind == 3 ? c == 0 : true;
			r->ne[c] = kind == 4;
			addr6_of(x, r->lo[c]);
			memcpy(r->hi[c], r->lo[c], 16);
			r->plen[c] = 128;
			if (kind == 2) {          /* a range */
				addr6_of(x / 7 + 3, r->hi[c]);
				if (memcmp(r->lo[c], r->hi[c], 16) > 0) {
					uint8_t tmp[16];
					memcpy(tmp, r->lo[c], 16);
					memcpy(r->lo[c], r->hi[c], 16);
					memcpy(r->hi[c], tmp, 16);
				}
			} else if (kind != 1) {   /* a prefix */
				unsigned pl = plens[(x >> 12) %
						    (sizeof(plens) / sizeof(plens[0]))];
				if (kind == 5 && c == 1) {
					/* a longer prefix inside the first */
					memcpy(r->lo[c], r->lo[0], 16);
					pl = pl < 96 ? pl + 32 : 128;
				}
				r->plen[c] = pl;
				addr6_mask(r->lo[c], pl, false);
				memcpy(r->hi[c], r->lo[c], 16);
				addr6_mask(r->hi[c], pl, true);
			}
			char lo[INET6_ADDRSTRLEN], hi[INET6_ADDRSTRLEN];
			inet_ntop(AF_INET6, r->lo[c], lo, sizeof(lo));
			inet_ntop(AF_INET6, r->hi[c], hi, sizeof(hi));
			qt_buf_printf(&t, "ip6 %s %s%s", r->src[c] ? "saddr"
				      : "daddr", r->ne[c] ? "!= " : "", lo);
			if (kind == 2)
				qt_buf_printf(&t, "-%s", hi);
			else if (r->plen[c] < 128)
				qt_buf_printf(&t, "/%u", r->plen[c]);
			qt_buf_puts(&t, " ");
		}
		qt_buf_puts(&t, "counter\n");
	}
	qt_buf_puts(&t, "}\n}\n");
	is_int(nft(qt_buf_str(&t)), 0, "%d rules on IPv6 addresses", NR);
	qt_buf_free(&t);
	is_int(compile(AF_INET6), 0, "compiled");
	struct qt_nft_prog *np = qt_nft_compile(nrs, AF_INET6, NULL, nstore,
						&err);
	char desc[256];
	qt_nft_describe_base(np, 0, desc, sizeof(desc));
	qt_nft_prog_free(np);
	ok(strstr(desc, "src") && strstr(desc, "dst") &&
	   strncmp(desc, "any:", 4), "indexed by addresses (%s)", desc);

	/* packets at each rule's ends and just outside them, against each
	 * other rule's ends */
	static long before[NR], after[NR];
	unsigned wrong = 0, met = 0, npkt = 0;
	counts6(before, NR);
	for (unsigned i = 0; i < NR; i++)
		for (int e = 0; e < 4; e++) {
			uint8_t a[16], o[16];
			const struct rule6 *r = &rules[i];
			memcpy(a, e < 2 ? r->lo[0] : r->hi[0], 16);
			if (e == 1)
				addr6_step(a, -1);
			if (e == 3)
				addr6_step(a, 1);
			const struct rule6 *q = &rules[(i * 7 + (unsigned)e) % NR];
			memcpy(o, e % 2 ? q->hi[q->n - 1] : q->lo[q->n - 1], 16);
			const uint8_t *s = r->src[0] ? a : o;
			const uint8_t *d = r->src[0] ? o : a;
			udp6_addrs(s, d);
			npkt++;
			counts6(after, NR);
			for (unsigned k = 0; k < NR; k++) {
				bool want = rule6_meets(&rules[k], s, d);
				met += want;
				if ((after[k] - before[k] == 1) != want) {
					if (wrong++ < 5)
						printf("# packet %u: rule %u "
						       "counted %ld, matches %d\n",
						       npkt, k,
						       after[k] - before[k], want);
				}
				before[k] = after[k];
			}
		}
	is_int((int)wrong, 0, "%u packets: each counted by exactly the rules "
	       "it matches (%u matches)", npkt, met);
}

/* udp4 with the priority the packet came with; its priority after */
static uint32_t udp4_prio(unsigned hook, uint16_t dport, uint32_t prio)
{
	uint8_t b[28] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0,
			  10, 0, 0, 1, 10, 0, 0, 2,
			  0x03, 0xe8, 0, 0, 0, 8, 0, 0 };
	b[22] = (uint8_t)(dport >> 8);
	b[23] = (uint8_t)dport;
	struct qt_eval ev;
	qt_eval_init(&ev, b, sizeof(b), sizeof(b), sizeof(b), hook, NULL);
	ev.in = "eth0";
	ev.priority = prio;
	qt_prog_eval(prog, &ev, NULL);
	last_ev = ev;
	return ev.priority;
}

/* meta priority set in running chains, each form the mark's set takes
 * (a value, none and root, a map's value, a field's with a bitwise
 * operation, a hash), and the priority read by a later chain of the
 * hook: iptables' CLASSIFY (mangle, -150) before an nft chain at 0,
 * after one at -200; the mark is left alone. */
static void priority_set(void)
{
	ipt("-F");
	ipt("-t mangle -A POSTROUTING -p udp --dport 7 -j CLASSIFY --set-class 7:7");
	is_int(nft("flush ruleset\n"
		   "table ip p {\n"
		   "  chain fw { type filter hook forward priority 0;\n"
		   "    udp dport 1 meta priority set 1:2\n"
		   "    udp dport 2 meta priority set none\n"
		   "    udp dport 3 meta priority set root\n"
		   "    udp dport 4 meta priority set udp dport map { 4 : 1:4, 5 : 2:5 }\n"
		   "    udp dport 5 meta priority set udp dport map { 4 : 1:4, 5 : 2:5 }\n"
		   "    udp dport 6 meta priority set udp dport map { 4 : 1:4 }\n"
		   "    udp dport 7 meta priority set meta priority | 0:1\n"
		   "    udp dport 8 meta priority set jhash ip saddr mod 1 offset 9\n"
		   "  }\n"
		   "  chain early { type filter hook postrouting priority -200;\n"
		   "    meta priority 7:7 counter\n"
		   "  }\n"
		   "  chain late { type filter hook postrouting priority 0;\n"
		   "    meta priority 7:7 counter\n"
		   "    meta priority 1:2 meta priority set 3:3\n"
		   "  }\n"
		   "}\n"), 0, "chains setting priorities");
	is_int(compile(AF_INET), 0, "compiled: meta priority set runs");
	is_int((int)udp4_prio(QT_HOOK_FORWARD, 1, 0), 0x10002, "set 1:2");
	ok(!last_ev.mark_changed && last_ev.mark == 0, "the mark left alone");
	is_int((int)udp4_prio(QT_HOOK_FORWARD, 2, 0x10002), 0, "set none");
	is_int((int)udp4_prio(QT_HOOK_FORWARD, 3, 0), (int)0xffffffff, "set root");
	is_int((int)udp4_prio(QT_HOOK_FORWARD, 4, 0), 0x10004, "a map's 1:4");
	is_int((int)udp4_prio(QT_HOOK_FORWARD, 5, 0), 0x20005, "a map's 2:5");
	is_int((int)udp4_prio(QT_HOOK_FORWARD, 6, 0x30003), 0x30003,
	       "no element: the rule breaks, the priority stays");
	is_int((int)udp4_prio(QT_HOOK_FORWARD, 7, 0x30002), 0x30003,
	       "the priority or'ed with 0:1");
	is_int((int)udp4_prio(QT_HOOK_FORWARD, 8, 0), 9, "jhash mod 1 offset 9");
	is_int((int)udp4_prio(QT_HOOK_FORWARD, 9, 0x50005), 0x50005,
	       "no rule: as the packet came");
	is_int((int)udp4_prio(QT_HOOK_POST_ROUTING, 7, 0), 0x70007,
	       "CLASSIFY at POSTROUTING");
	is_int((int)counted("p", "early", 0), 0, "the chain at -200 ran before it");
	is_int((int)counted("p", "late", 0), 1, "the chain at 0 saw 7:7");
	is_int((int)udp4_prio(QT_HOOK_POST_ROUTING, 1, 0x10002), 0x30003,
	       "a priority set at FORWARD read at POSTROUTING");
	is_int((int)udp4_prio(QT_HOOK_POST_ROUTING, 7, 0x10002), 0x70007,
	       "CLASSIFY's before the chain at 0 reads it");
	ipt("-t mangle -F");
}

int main(void)
{
	qt_buf_init(&err);
	store = qt_rt_store_new();
	nstore = qt_nft_store_new();
	nrs = nft_ruleset_new();
	irs = qt_ruleset_new(AF_INET);
	priority_set();

	/* priority order with iptables' filter table (0) on INPUT */
	ipt("-A INPUT -p udp --dport 53 -j DROP");
	ipt("-A INPUT -p udp --dport 54 -j ACCEPT");
	ipt("-A INPUT -p udp --dport 55 -j ACCEPT");
	is_int(nft("table ip early {\n"
		   "  chain in { type filter hook input priority -10;\n"
		   "    udp dport 53 counter accept\n"
		   "    udp dport 54 counter drop\n"
		   "  }\n"
		   "}\n"
		   "table ip late {\n"
		   "  chain in { type filter hook input priority 10;\n"
		   "    udp dport 53 counter\n"
		   "    udp dport 55 counter drop\n"
		   "  }\n"
		   "}\n"), 0, "two tables around filter");
	is_int(compile(AF_INET), 0, "compiled with iptables' filter");
	ok(qt_prog_hook_used(prog, QT_HOOK_LOCAL_IN), "INPUT is used");
	is_int(udp4(QT_HOOK_LOCAL_IN, 53, 0), QT_XT_DROP,
	       "accepted at -10, dropped by filter at 0");
	is_int((int)counted("early", "in", 0), 1, "the -10 chain counted it");
	is_int((int)counted("late", "in", 0), 0, "the 10 chain never saw it");
	is_int(udp4(QT_HOOK_LOCAL_IN, 54, 0), QT_XT_DROP, "dropped at -10");
	is_int((int)ipt_counted(1), 0, "filter's rule never saw it");
	is_int(udp4(QT_HOOK_LOCAL_IN, 55, 0), QT_XT_DROP,
	       "filter accepts, the chain at 10 drops");
	is_int((int)ipt_counted(2), 1, "filter's rule counted it");
	is_int((int)counted("late", "in", 1), 1, "and the 10 chain");
	is_int(udp4(QT_HOOK_LOCAL_IN, 56, 0), QT_XT_ACCEPT, "others pass");
	is_int(udp4(QT_HOOK_FORWARD, 55, 0), QT_XT_ACCEPT,
	       "another hook: none of it");

	/* counters carry over a commit that keeps the rule */
	is_int(nft("add rule ip late in udp dport 57 drop\n"), 0, "a rule more");
	is_int(compile(AF_INET), 0, "compiled again");
	is_int((int)counted("late", "in", 1), 1, "the counter carried over");
	is_int(udp4(QT_HOOK_LOCAL_IN, 57, 0), QT_XT_DROP, "the new rule runs");

	/* equal priorities: the chain registered later runs first */
	is_int(nft("flush ruleset\n"
		   "table ip a { chain c { type filter hook output priority 0;"
		   " meta mark set 7 counter\n}\n}\n"
		   "table ip b { chain c { type filter hook output priority 0;"
		   " meta mark 7 counter; meta mark 0 counter\n}\n}\n"), 0,
	       "two chains at priority 0");
	is_int(compile(AF_INET), 0, "compiled");
	is_int(udp4(QT_HOOK_LOCAL_OUT, 1, 0), QT_XT_ACCEPT, "passes");
	is_int((int)counted("b", "c", 0), 0, "b ran before a set the mark");
	is_int((int)counted("b", "c", 1), 1, "so it saw mark 0");
	is_int((int)counted("a", "c", 0), 1, "then a ran");
	is_int((int)last_mark, 7, "and the verdict carries its mark");

	/* jumps, gotos, returns, policies, sets, flags */
	is_int(nft("flush ruleset\n"
		   "table inet f {\n"
		   "  set ports { type inet_service; elements = { 60, 61 } ; }\n"
		   "  chain in { type filter hook input priority 0; policy drop;\n"
		   "    ct state established,related accept\n"
		   "    ct state invalid udp dport 99 drop\n"
		   "    udp dport @ports jump named\n"
		   "    udp dport { 70-79, 90 } goto ranged\n"
		   "    udp dport != 80 return\n"
		   "    iifname \"eth9*\" drop\n"
		   "    iifname \"eth*\" accept\n"
		   "  }\n"
		   "  chain named { udp dport 61 accept; counter; }\n"
		   "  chain ranged { udp dport 75 return; udp dport 90 drop; accept; }\n"
		   "  chain unused { meta l4proto udp drop; }\n"
		   "}\n"), 0, "an inet table");
	is_int(compile(AF_INET), 0, "compiled");
	is_int(udp4(QT_HOOK_LOCAL_IN, 99, 0), QT_XT_DROP,
	       "no conntrack ran: ct state invalid");
	is_int(udp4(QT_HOOK_LOCAL_IN, 61, 0), QT_XT_ACCEPT, "set, jump, accept");
	is_int(udp4(QT_HOOK_LOCAL_IN, 60, 0), QT_XT_DROP,
	       "back from the jump, then return: the policy drops");
	is_int((int)counted("f", "named", 1), 1, "the jumped-to chain counted");
	is_int(udp4(QT_HOOK_LOCAL_IN, 72, 0), QT_XT_ACCEPT, "goto, accept");
	is_int(udp4(QT_HOOK_LOCAL_IN, 75, 0), QT_XT_DROP,
	       "a return from a goto's chain ends the base chain: policy");
	is_int(udp4(QT_HOOK_LOCAL_IN, 90, 0), QT_XT_DROP, "dropped there");
	is_int(udp4(QT_HOOK_LOCAL_IN, 80, 0), QT_XT_ACCEPT,
	       "iifname \"eth*\" accepts eth0 (\"eth9*\" does not drop it)");
	is_int(compile(AF_INET6), 0, "the inet table in the IPv6 program");
	is_int(udp6(61), QT_XT_ACCEPT, "IPv6: set and jump");
	is_int(udp6(60), QT_XT_DROP, "IPv6: the policy");

	/* many rules: the classifier hands the packet its candidates */
	struct qt_buf big;
	qt_buf_init(&big);
	qt_buf_puts(&big, "flush ruleset\ntable ip m { chain in {"
		    " type filter hook input priority 0;\n");
	for (unsigned i = 0; i < 2000; i++)
		qt_buf_printf(&big, "udp dport %u counter drop\n", 1000 + i);
	qt_buf_puts(&big, "ip saddr 10.0.0.0/8 udp dport 999 counter drop\n"
		    "}\n}\n");
	is_int(nft(qt_buf_str(&big)), 0, "2001 rules");
	qt_buf_free(&big);
	is_int(compile(AF_INET), 0, "compiled");
	is_int(udp4(QT_HOOK_LOCAL_IN, 2999, 0), QT_XT_DROP, "the last port rule");
	is_int((int)counted("m", "in", 1999), 1, "counted there");
	is_int(udp4(QT_HOOK_LOCAL_IN, 999, 0), QT_XT_DROP, "the prefix rule");
	is_int(udp4(QT_HOOK_LOCAL_IN, 3000, 0), QT_XT_ACCEPT, "none: policy");

	/* a set's elements, overlapping and out of order, looked up as
	 * the union they make (sorted and merged at compile time) */
	is_int(nft("flush ruleset\ntable ip s {\nset p { type inet_service; "
		   "flags interval; elements = { 5, 1500-2500, 1000-1999, "
		   "3000, 7000-7999 } }\nchain in { type filter hook input "
		   "priority 0;\nudp dport @p drop\nudp dport { 9, 1-3, "
		   "2-4, 20-30, 22-23 } drop\n}\n}\n"), 0, "overlapping set elements");
	is_int(compile(AF_INET), 0, "compiled");
	static const struct { uint16_t port; int v; } in_set[] = {
		{ 5, QT_XT_DROP }, { 999, QT_XT_ACCEPT }, { 1000, QT_XT_DROP },
		{ 1999, QT_XT_DROP }, { 2000, QT_XT_DROP }, { 2500, QT_XT_DROP },
		{ 2501, QT_XT_ACCEPT }, { 3000, QT_XT_DROP },
		{ 6999, QT_XT_ACCEPT }, { 7999, QT_XT_DROP },
		{ 8000, QT_XT_ACCEPT }, { 65535, QT_XT_ACCEPT },
		/* the anonymous set's 1-3 and 2-4 merged */
		{ 1, QT_XT_DROP }, { 4, QT_XT_DROP }, { 6, QT_XT_ACCEPT },
		{ 8, QT_XT_ACCEPT }, { 9, QT_XT_DROP }, { 10, QT_XT_ACCEPT },
		/* 22-23 inside 20-30: 25 is still in the union */
		{ 25, QT_XT_DROP }, { 30, QT_XT_DROP }, { 31, QT_XT_ACCEPT },
	};
	for (size_t i = 0; i < sizeof(in_set) / sizeof(in_set[0]); i++)
		is_int(udp4(QT_HOOK_LOCAL_IN, in_set[i].port, 0), in_set[i].v,
		       "port %u", in_set[i].port);

	/* a ct expression anywhere turns tracking on, as in the kernel */
	is_int(nft("flush ruleset\ntable ip q {\nchain u {\nct state new "
		   "accept\n}\n}\n"), 0, "a ct rule no packet reaches");
	is_int(compile(AF_INET), 0, "compiled");
	ok(qt_prog_uses_ct(prog), "the program tracks connections");

	/* fail closed */
	is_int(nft("flush ruleset\ntable ip n { chain post { type nat hook "
		   "postrouting priority 100; counter\n}\n}\n"), 0, "a nat rule");
	is_int(compile(AF_INET), 0, "a nat chain's rules run (test_nft_nat)");
	ok(qt_prog_nat(prog), "and the program translates");
	is_int(nft("flush ruleset\ntable ip n { chain pre { type nat hook "
		   "prerouting priority -100; dnat to ip saddr map { 10.0.0.1 "
		   ": 10.0.0.2 }\n}\n}\n"), 0, "a nat map");
	is_int(compile(AF_INET), 0, "runs (test_nft_nat)");
	is_int(nft("flush ruleset\ntable ip n { map m { type ipv4_addr : "
		   "ipv4_addr; timeout 1m; }\nchain pre { type nat hook "
		   "prerouting priority -100; dnat to ip saddr map @m\n}\n}\n"),
	       0, "a nat map whose elements expire");
	ok(compile(AF_INET) == -1 &&
	   strstr(qt_buf_str(&err), "chain ip n pre") != NULL,
	   "is refused, the message naming the chain");
	is_int(nft("flush ruleset\ntable bridge b { chain c { type filter "
		   "hook input priority 0;\n}\n}\n"), 0, "a bridge base chain");
	is_int(compile(AF_INET), -1, "is refused");
	/* vlan fields: the queue gives neither the frame's own tag nor
	 * its ether type, so a chain that runs refuses them, naming what
	 * the rule lists first (vlan type lists ether type 8021q) */
	static const char *const vlan_rules[][2] = {
		{ "vlan id 10", "vlan id" }, { "vlan pcp 3", "vlan pcp" },
		{ "vlan cfi 1", "vlan dei" }, { "vlan type ip", "ether type" },
		{ "vlan id { 1-5 } counter", "vlan id" },
		{ "ether type vlan vlan id 3", "vlan id" },
	};
	for (size_t i = 0; i < sizeof(vlan_rules) / sizeof(*vlan_rules);
	     i++) {
		char t[256];
		snprintf(t, sizeof(t), "flush ruleset\ntable inet v { chain "
			 "c { %s\n}\nchain in { type filter hook input "
			 "priority 0; }\n}\n", vlan_rules[i][0]);
		is_int(nft(t), 0, "a vlan rule in a chain off any hook");
		is_int(compile(AF_INET), 0, "compiles: it never runs");
		char add[128], want[64];
		snprintf(add, sizeof(add), "add rule inet v in %s\n",
			 vlan_rules[i][0]);
		is_int(nft(add), 0, "the same in an input chain");
		snprintf(want, sizeof(want), "qtables cannot match %s here",
			 vlan_rules[i][1]);
		ok(compile(AF_INET) == -1 &&
		   strstr(qt_buf_str(&err), want) != NULL,
		   "is refused at commit, naming the field");
	}
	/* log group: the engine notes the statements met, in order; the
	 * kernel logs them (engine/nflog_tag.h) */
	is_int(nft("flush ruleset\ntable ip n { chain c { log group 2"
		   "\n}\n}\n"), 0, "an nflog log off any hook");
	is_int(compile(AF_INET), 0, "judges nothing: taken");
	is_int(nft("add chain ip n base { type filter hook input priority 0; }\n"
		   "add rule ip n base jump c\n"
		   "add rule ip n base udp dport 53 log prefix \"dns\" group 3 "
		   "snaplen 40 queue-threshold 2 drop\n"), 0,
	       "reached from a base chain, and another");
	is_int(compile(AF_INET), 0, "then compiled");
	is_int(qt_prog_nflog_finish(prog, NULL, &err), 0, "given slots");
	const struct qt_nflog_slots *sl = qt_prog_nflog_slots(prog);
	is_int(sl ? (int)qt_nflog_count(sl) : -1, 2, "one per parameters");
	is_int(udp4(QT_HOOK_LOCAL_IN, 53, 0x1234), QT_XT_DROP, "a packet to 53");
	is_int(last_ev.nflog_n, 2, "met both");
	ok(last_ev.nflog_n == 2 && last_ev.nflog[0]->group == 2 &&
	   last_ev.nflog[1]->group == 3 &&
	   !strcmp(last_ev.nflog[1]->prefix, "dns") &&
	   last_ev.nflog[1]->has_snaplen && last_ev.nflog[1]->snaplen == 40 &&
	   last_ev.nflog[1]->threshold == 2 && !last_ev.nflog[0]->has_snaplen,
	   "in order, with their parameters");
	is_int(last_mark, 0x1234, "the mark untouched by the walk");
	is_int(udp4(QT_HOOK_LOCAL_IN, 54, 0), QT_XT_ACCEPT, "a packet to 54");
	is_int(last_ev.nflog_n, 1, "met the first only");
	/* log level audit: one more parameter set, the audit log's, which
	 * the kernel writes as it logs to a group */
	is_int(nft("add rule ip n base udp dport 55 log level audit drop\n"),
	       0, "log level audit");
	is_int(compile(AF_INET), 0, "compiled");
	is_int(qt_prog_nflog_finish(prog, NULL, &err), 0, "given slots");
	sl = qt_prog_nflog_slots(prog);
	is_int(sl ? (int)qt_nflog_count(sl) : -1, 3, "audit takes a slot");
	is_int(udp4(QT_HOOK_LOCAL_IN, 55, 0), QT_XT_DROP, "a packet to 55");
	ok(last_ev.nflog_n == 2 && !last_ev.nflog[0]->audit &&
	   last_ev.nflog[0]->group == 2 && last_ev.nflog[1]->audit &&
	   !last_ev.nflog[1]->group && !last_ev.nflog[1]->prefix[0],
	   "log group 2, then audit with no other parameter");
	/* the mark bits the tag takes: a rule on them is refused */
	static const char *const on_bits[] = {
		"meta mark set 0x80000000", "meta mark 0x00800000",
		"meta mark and 0xff000000 == 0x01000000",
		"meta mark set ct mark", "meta mark set meta mark or 0x40000000",
		"ct mark set 0x10000000",
	};
	for (size_t i = 0; i < sizeof(on_bits) / sizeof(on_bits[0]); i++) {
		char text[256];
		snprintf(text, sizeof(text), "add rule ip n c %s\n", on_bits[i]);
		is_int(nft(text), 0, "with %s", on_bits[i]);
		is_int(compile(AF_INET), 0, "compiled");
		ok(qt_prog_nflog_finish(prog, NULL, &err) == -1 &&
		   strstr(qt_buf_str(&err), "0xff800000") != NULL,
		   "refused with log group, naming the bits");
		is_int(nft("flush chain ip n c\nadd rule ip n c log group 2\n"),
		       0, "taken out");
	}
	static const char *const off_bits[] = {
		"meta mark set 0x7fffff", "meta mark 0x10",
		"meta mark and 0xff == 0x01", "ct mark set meta mark",
		"meta mark set meta mark and 0x7f", "ct mark 0x80000000",
	};
	for (size_t i = 0; i < sizeof(off_bits) / sizeof(off_bits[0]); i++) {
		char text[256];
		snprintf(text, sizeof(text), "add rule ip n c %s\n", off_bits[i]);
		is_int(nft(text), 0, "with %s", off_bits[i]);
		is_int(compile(AF_INET), 0, "compiled");
		is_int(qt_prog_nflog_finish(prog, NULL, &err), 0,
		       "runs beside log group");
		is_int(nft("flush chain ip n c\nadd rule ip n c log group 2\n"),
		       0, "taken out");
	}
	/* iptables' targets and matches on those bits, beside it */
	static const struct { const char *rule; bool refused; } ipt_bits[] = {
		{ "-A INPUT -j MARK --set-xmark 0x80000000/0x80000000", true },
		{ "-A INPUT -j MARK --or-mark 0x00800000", true },
		{ "-A INPUT -j MARK --and-mark 0x7f", false },
		{ "-A INPUT -j MARK --set-mark 0x42", false },
		{ "-A INPUT -m mark --mark 0x1000000/0x1000000", true },
		{ "-A INPUT -m mark --mark 0/0xff800000", false },
		{ "-A INPUT -j CONNMARK --set-mark 0x10000000", true },
		{ "-A INPUT -j CONNMARK --restore-mark", false },
		{ "-A INPUT -j CONNMARK --save-mark", false },
		{ "-A INPUT -m connmark --mark 0x80000000", false },
		{ "-A INPUT -j NFLOG --nflog-group 9", false },
		{ "-A INPUT -j AUDIT --type drop", false },
	};
	for (size_t i = 0; i < sizeof(ipt_bits) / sizeof(ipt_bits[0]); i++) {
		ipt("-F INPUT");
		ipt(ipt_bits[i].rule);
		is_int(compile(AF_INET), 0, "%s compiled", ipt_bits[i].rule);
		int rc = qt_prog_nflog_finish(prog, NULL, &err);
		is_int(rc, ipt_bits[i].refused ? -1 : 0, "%s beside log group: %s",
		       ipt_bits[i].rule, ipt_bits[i].refused ? "refused" : "runs");
	}
	ipt("-F INPUT");
	/* more parameters than the tag has slots */
	is_int(nft("flush chain ip n c\n"), 0, "emptied");
	for (unsigned g = 1; g <= QT_NFLOG_SLOTS + 1; g++) {
		char text[128];
		snprintf(text, sizeof(text), "add rule ip n c log group %u\n", g);
		nft(text);
	}
	is_int(compile(AF_INET), 0, "16 groups compiled");
	ok(qt_prog_nflog_finish(prog, NULL, &err) == -1 &&
	   strstr(qt_buf_str(&err), "more than 15") != NULL,
	   "refused: more than the slots");
	/* the language holds more than the walk runs: each of these
	 * refused in a base chain, never judged as a plain compare
	 * (tests/unit/test_nft_expr.c runs what it does run) */
	static const char *const not_yet[][2] = {
		/* a key of another shape than the set's */
		{ "update @tmo { ip saddr . tcp dport } drop",
		  "as this set's key" },
	};
	for (size_t i = 0; i < sizeof(not_yet) / sizeof(not_yet[0]); i++) {
		char text[256];
		snprintf(text, sizeof(text), "flush ruleset\ntable ip y {\nset "
			 "tmo { type ipv4_addr; flags timeout; }\nchain in { "
			 "type filter hook input priority 0;\n%s\n}\n}\n",
			 not_yet[i][0]);
		is_int(nft(text), 0, "taken by the language: %s", not_yet[i][0]);
		is_int(compile(AF_INET), -1, "refused by the walk");
		ok(strstr(qt_buf_str(&err), not_yet[i][1]) != NULL,
		   "naming %s", not_yet[i][1]);
	}

	test_classify_ip6();
	stateful_stmts();

	qt_prog_free(prog);
	prog = NULL;
	is_int((int)qt_nft_store_count(nstore), 0, "runtimes freed with programs");
	qt_nft_store_free(nstore);
	qt_rt_store_free(store);
	nft_ruleset_free(nrs);
	qt_ruleset_free(irs);
	qt_buf_free(&err);
	return done_testing();
}
