/* IPv6 programs (an ip6tables ruleset compiled for the datapath):
 * addresses compared on all 128 bits, prefixes and masks of any length
 * (also masks that are not prefixes), interfaces, protocols and ports
 * as for IPv4. A program walked with classifiers judges every packet
 * as the same program walked rule by rule, counters included, over
 * random rulesets and packets (some with extension headers before the
 * transport header); hand-made packets get the verdicts ip6tables
 * gives; and a chain of 10,000 IPv6 prefixes is indexed, not walked:
 * a packet meets a handful of candidates. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "program.h"
#include "qt_test.h"
#include "tap.h"

static uint32_t rnd_state = 424242;
static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* A small pool of addresses, so that rules and packets meet: four
 * words, each from a few values, so every word can tell rules apart. */
static void pool_addr(uint8_t a[16])
{
	static const uint16_t g[] = { 0x2001, 0x0db8, 0xfd00, 0x0000 };
	for (int i = 0; i < 8; i++) {
		uint16_t v = i == 0 ? g[rnd() % 3] : i == 1 ? g[1 + rnd() % 3]
			   : (uint16_t)(rnd() % 3);
		a[2 * i] = (uint8_t)(v >> 8);
		a[2 * i + 1] = (uint8_t)v;
	}
}

static void addr_text(char *buf, size_t n)
{
	uint8_t a[16];
	char t[INET6_ADDRSTRLEN];
	pool_addr(a);
	inet_ntop(AF_INET6, a, t, sizeof(t));
	static const int lens[] = { 0, 16, 28, 32, 48, 64, 80, 96, 100, 112,
				    127, 128 };
	unsigned k = rnd() % 14;
	if (k == 12) {
		/* a mask that is not a prefix: words 0 and 3 only */
		snprintf(buf, n, "%s/ffff:ffff::ffff:ffff", t);
		return;
	}
	if (k == 13) {
		snprintf(buf, n, "%s/ffff:0:ffff::", t);
		return;
	}
	snprintf(buf, n, "%s/%d", t, lens[k]);
}

static void rand_rule(char *buf, size_t n, int nuser, bool in_user)
{
	char a[80];
	size_t k = 0;
	addr_text(a, sizeof(a));
	/* never "! A/0": the kernel refuses it */
	bool na = rnd() % 5 == 0 && !strstr(a, "/0");
	k += (size_t)snprintf(buf + k, n - k, " %s-s %s", na ? "! " : "", a);
	if (rnd() % 2) {
		addr_text(a, sizeof(a));
		bool nb = rnd() % 5 == 0 && !strstr(a, "/0");
		k += (size_t)snprintf(buf + k, n - k, " %s-d %s",
				      nb ? "! " : "", a);
	}
	switch (rnd() % 4) {
	case 0: {
		unsigned lo = rnd() % 40, hi = lo + rnd() % 5;
		k += (size_t)snprintf(buf + k, n - k, " -p tcp %s--dport %u:%u",
				      rnd() % 6 == 0 ? "! " : "", lo, hi);
		if (rnd() % 3 == 0)
			k += (size_t)snprintf(buf + k, n - k, " --sport %u",
					      rnd() % 40);
		break;
	}
	case 1:
		k += (size_t)snprintf(buf + k, n - k, " -p udp --sport %u",
				      rnd() % 40);
		break;
	case 2:
		k += (size_t)snprintf(buf + k, n - k, " %s-p ipv6-icmp",
				      rnd() % 4 == 0 ? "! " : "");
		break;
	default:
		break;
	}
	static const char *const ifs[] = { "eth0", "eth1", "eth+", "lo" };
	if (rnd() % 3 == 0)
		k += (size_t)snprintf(buf + k, n - k, " %s-i %s",
				      rnd() % 6 == 0 ? "! " : "", ifs[rnd() % 4]);
	unsigned t = rnd() % 10;
	if (t < 3)
		snprintf(buf + k, n - k, " -j ACCEPT");
	else if (t < 6)
		snprintf(buf + k, n - k, " -j DROP");
	else if (t < 7 && in_user)
		snprintf(buf + k, n - k, " -j RETURN");
	else if (t < 9 && nuser && !in_user)
		snprintf(buf + k, n - k, " -%c U%u", rnd() % 3 ? 'j' : 'g',
			 rnd() % (unsigned)nuser);
}

static char *rand_ruleset(unsigned nrules)
{
	size_t cap = 256 + (size_t)nrules * 200, k = 0;
	char *t = malloc(cap), rule[256];
	int nuser = 3;
	k += (size_t)snprintf(t + k, cap - k, "*filter\n:INPUT ACCEPT [0:0]\n"
			      ":FORWARD %s [0:0]\n:OUTPUT ACCEPT [0:0]\n",
			      rnd() % 2 ? "DROP" : "ACCEPT");
	for (int u = 0; u < nuser; u++)
		k += (size_t)snprintf(t + k, cap - k, ":U%d - [0:0]\n", u);
	for (unsigned i = 0; i < nrules; i++) {
		int chain = (int)(rnd() % 4) - 1;
		rand_rule(rule, sizeof(rule), nuser, chain >= 0);
		if (chain < 0)
			k += (size_t)snprintf(t + k, cap - k, "-A FORWARD%s\n", rule);
		else
			k += (size_t)snprintf(t + k, cap - k, "-A U%d%s\n", chain, rule);
	}
	snprintf(t + k, cap - k, "COMMIT\n");
	return t;
}

/* An IPv6 packet: proto after an optional hop-by-hop options header
 * (8 bytes, PadN), ports sp/dp. */
static uint32_t build6(uint8_t *b, const uint8_t *src, const uint8_t *dst,
		       uint8_t proto, uint16_t sp, uint16_t dp, bool hbh)
{
	memset(b, 0, 96);
	b[0] = 0x60;
	uint32_t l4 = proto == 6 ? 20 : 8, ext = hbh ? 8 : 0;
	uint32_t pl = ext + l4;
	b[4] = (uint8_t)(pl >> 8);
	b[5] = (uint8_t)pl;
	b[6] = hbh ? 0 : proto;
	b[7] = 64;
	memcpy(b + 8, src, 16);
	memcpy(b + 24, dst, 16);
	uint8_t *x = b + 40;
	if (hbh) {
		x[0] = proto;
		x[1] = 0;
		x[2] = 1;               /* PadN, 4 bytes of padding */
		x[3] = 4;
		x += 8;
	}
	x[0] = (uint8_t)(sp >> 8); x[1] = (uint8_t)sp;
	x[2] = (uint8_t)(dp >> 8); x[3] = (uint8_t)dp;
	if (proto == 6) {
		x[12] = 5 << 4;
		x[13] = 0x02;
	} else if (proto == 58) {
		x[0] = 128;             /* echo request */
		x[1] = 0;
	}
	return 40 + pl;
}

static void counters_text(struct qt_ruleset *rs, struct qt_rt_store *st,
			  struct qt_buf *b)
{
	const struct qt_policy_counters *pol = qt_rt_store_policy(st);
	const struct qt_table *t = rs->tables[QT_TABLE_FILTER];
	for (unsigned ci = 0; ci < t->nchains; ci++) {
		const struct qt_chain *c = t->chains[ci];
		if (c->builtin)
			qt_buf_printf(b, "%s policy %llu\n", c->name,
				      (unsigned long long)pol->c[QT_TABLE_FILTER][c->hook].pkts);
		for (unsigned i = 0; i < c->nrules; i++) {
			const struct qt_rule_rt *rt = qt_rt_find(st, c->rules[i]);
			qt_buf_printf(b, "%s %u %llu/%llu\n", c->name, i,
				      (unsigned long long)(rt ? rt->cnt.pkts : 0),
				      (unsigned long long)(rt ? rt->cnt.bytes : 0));
		}
	}
}

static void walk_equal6(unsigned round, unsigned nrules, unsigned npkts)
{
	char *text = rand_ruleset(nrules);
	struct qt_ruleset *rs = qt_ruleset_new(AF_INET6);
	struct qt_test_result res;
	qt_test_restore(&rs, text, "", &res);
	ok(res.status == 0, "round %u: random IPv6 ruleset restored", round);
	if (res.status != 0)
		printf("# restore: %s", qt_buf_str(&res.err));
	qt_test_result_free(&res);
	struct qt_rt_store *s1 = qt_rt_store_new(), *s2 = qt_rt_store_new();
	struct qt_buf e, c1, c2;
	qt_buf_init(&e);
	qt_buf_init(&c1);
	qt_buf_init(&c2);
	qt_prog_force_linear(false);
	struct qt_prog *fast = qt_prog_compile(rs, NULL, s1, &e);
	qt_prog_force_linear(true);
	struct qt_prog *slow = qt_prog_compile(rs, NULL, s2, &e);
	qt_prog_force_linear(false);
	if (res.status != 0 || !fast || !slow) {
		ok(0, "round %u: compiled: %s", round, qt_buf_str(&e));
		free(text);
		return;
	}
	static const char *const names[] = { "eth0", "eth1", "lo", "wlan0" };
	static const uint8_t protos[] = { 6, 17, 58, 47 };
	uint8_t pk[96];
	unsigned diff = 0, accepted = 0;
	for (unsigned i = 0; i < npkts; i++) {
		uint8_t src[16], dst[16];
		pool_addr(src);
		pool_addr(dst);
		uint32_t len = build6(pk, src, dst, protos[rnd() % 4],
				      (uint16_t)(rnd() % 42),
				      (uint16_t)(rnd() % 42), rnd() % 5 == 0);
		const char *in = names[rnd() % 4];
		int v[2];
		for (int w = 0; w < 2; w++) {
			struct qt_eval ev;
			qt_eval_init(&ev, pk, len, len, len, QT_HOOK_FORWARD, NULL);
			ev.in = in;
			ev.out = "eth1";
			v[w] = qt_prog_eval(w ? slow : fast, &ev, NULL);
		}
		diff += v[0] != v[1];
		accepted += v[0] == QT_XT_ACCEPT;
	}
	counters_text(rs, s1, &c1);
	counters_text(rs, s2, &c2);
	is_int(diff, 0, "round %u: %u IPv6 rules, %u packets (%u accepted): "
	       "same verdicts", round, nrules, npkts, accepted);
	is_str(qt_buf_str(&c1), qt_buf_str(&c2), "round %u: same counters",
	       round);
	qt_prog_free(fast);
	qt_prog_free(slow);
	qt_rt_store_free(s1);
	qt_rt_store_free(s2);
	qt_ruleset_free(rs);
	qt_buf_free(&e);
	qt_buf_free(&c1);
	qt_buf_free(&c2);
	free(text);
}

/* ---- verdicts by hand ---- */

static struct qt_prog *compile6(const char *text, struct qt_ruleset **rs,
				struct qt_rt_store *st)
{
	*rs = qt_ruleset_new(AF_INET6);
	struct qt_test_result res;
	qt_test_restore(rs, text, "", &res);
	if (res.status != 0)
		printf("# restore: %s", qt_buf_str(&res.err));
	qt_test_result_free(&res);
	struct qt_buf e;
	qt_buf_init(&e);
	struct qt_prog *p = qt_prog_compile(*rs, NULL, st, &e);
	if (!p)
		printf("# compile: %s", qt_buf_str(&e));
	qt_buf_free(&e);
	return p;
}

static int judge6(const struct qt_prog *p, unsigned hook, const char *src,
		  const char *dst, uint8_t proto, uint16_t dport, bool hbh)
{
	uint8_t s[16], d[16], b[96];
	inet_pton(AF_INET6, src, s);
	inet_pton(AF_INET6, dst, d);
	uint32_t len = build6(b, s, d, proto, 1000, dport, hbh);
	struct qt_eval ev;
	qt_eval_init(&ev, b, len, len, len, hook, NULL);
	ev.in = "eth0";
	ev.out = "";
	return qt_prog_eval(p, &ev, NULL);
}

static void by_hand(void)
{
	struct qt_ruleset *rs;
	struct qt_rt_store *st = qt_rt_store_new();
	struct qt_prog *p = compile6(
		"*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n"
		":OUTPUT ACCEPT [0:0]\n"
		"-A INPUT -s 2001:db8::1/128 -j DROP\n"
		"-A INPUT -s 2001:db8::/64 -p tcp --dport 22 -j ACCEPT\n"
		"-A INPUT -s 2001:db8:0:1::/64 -p tcp --dport 80 -j ACCEPT\n"
		"-A INPUT ! -d fd00::/8 -p udp --dport 53 -j ACCEPT\n"
		"-A INPUT -s ::1:0:0:5/::ffff:ffff:ffff:ffff -j ACCEPT\n"
		"-A INPUT -p ipv6-icmp -j ACCEPT\n"
		"COMMIT\n", &rs, st);
	ok(p != NULL, "hand-made IPv6 ruleset compiled");
	const int A = QT_XT_ACCEPT, D = QT_XT_DROP, IN = QT_HOOK_LOCAL_IN;
	if (p) {
		is_int(judge6(p, IN, "2001:db8::1", "2001:db8::ff", 6, 22, false),
		       D, "the /128 drops its host (before the /64 accepts)");
		is_int(judge6(p, IN, "2001:db8::2", "2001:db8::ff", 6, 22, false),
		       A, "another host of the /64: port 22 accepted");
		is_int(judge6(p, IN, "2001:db8::2", "2001:db8::ff", 6, 22, true),
		       A, "the same behind a hop-by-hop header");
		is_int(judge6(p, IN, "2001:db8:0:2::2", "2001:db8::ff", 6, 22,
			      false), D, "outside the /64 (its word 1 differs): "
		       "policy");
		is_int(judge6(p, IN, "2001:db8:0:1::9", "2001:db8::ff", 6, 80,
			      false), A, "2001:db8:0:1::/64 port 80");
		is_int(judge6(p, IN, "2001:db9::2", "2001:db8::ff", 6, 22, false),
		       D, "another /32: policy");
		is_int(judge6(p, IN, "2001:db8::1:2", "2001:db8:0:0:1::1", 17, 53,
			      false), A, "! -d fd00::/8, udp 53: accepted");
		is_int(judge6(p, IN, "2001:db8::1:2", "fd00::1", 17, 53, false),
		       D, "to fd00::/8: policy");
		is_int(judge6(p, IN, "3fff::1:0:0:5", "fd00::1", 17, 9, false),
		       A, "a mask of the low 64 bits: ::1:0:0:5 from any "
		       "network");
		is_int(judge6(p, IN, "3fff::1:0:0:6", "fd00::1", 17, 9, false),
		       D, "the low 64 bits differ: policy");
		is_int(judge6(p, IN, "3fff::7", "fd00::1", 58, 0, false), A,
		       "ipv6-icmp accepted");
		is_int((int)qt_rt_store_policy(st)->c[QT_TABLE_FILTER][QT_HOOK_LOCAL_IN].pkts,
		       4, "the policy counted the 4 packets it judged");
	}
	qt_prog_free(p);
	qt_ruleset_free(rs);
	qt_rt_store_free(st);
}

/* The protocol -p compares, as nf_tables' pktinfo gives it
 * (ipv6_find_hdr with IP6_FH_F_AUTH): AH's behind an AH header, and
 * none at all for a non-first fragment whose next header is an
 * extension header, which then meets neither -p nor ! -p. */
static int judge_bytes(const char *rule, uint8_t *b, uint32_t len)
{
	char text[256];
	snprintf(text, sizeof(text), "*filter\n:INPUT DROP [0:0]\n"
		 ":FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
		 "-A INPUT %s -j ACCEPT\nCOMMIT\n", rule);
	struct qt_ruleset *rs;
	struct qt_rt_store *st = qt_rt_store_new();
	struct qt_prog *p = compile6(text, &rs, st);
	int v = -1;
	if (p) {
		struct qt_eval ev;
		qt_eval_init(&ev, b, len, len, len, QT_HOOK_LOCAL_IN, NULL);
		ev.in = "eth0";
		ev.out = "";
		v = qt_prog_eval(p, &ev, NULL);
	}
	qt_prog_free(p);
	qt_ruleset_free(rs);
	qt_rt_store_free(st);
	return v;
}

static uint32_t hdr6(uint8_t *b, uint8_t nh, const uint8_t *pl, uint32_t n)
{
	memset(b, 0, 40);
	b[0] = 0x60;
	b[4] = (uint8_t)(n >> 8);
	b[5] = (uint8_t)n;
	b[6] = nh;
	b[7] = 64;
	inet_pton(AF_INET6, "2001:db8::1", b + 8);
	inet_pton(AF_INET6, "2001:db8::2", b + 24);
	memcpy(b + 40, pl, n);
	return 40 + n;
}

static void transport_view(void)
{
	const int A = QT_XT_ACCEPT, D = QT_XT_DROP;
	uint8_t b[128], pl[80];
	/* AH (next header TCP, 24 bytes) before a SYN to port 22 */
	memset(pl, 0, sizeof(pl));
	pl[0] = 6;
	pl[1] = 4;
	pl[7] = 1;                      /* SPI 1 */
	pl[24 + 3] = 22;
	pl[24 + 12] = 5 << 4;
	pl[24 + 13] = 0x02;
	uint32_t ah = hdr6(b, 51, pl, 44);
	is_int(judge_bytes("-p tcp", b, ah), D, "behind AH: -p tcp does not match");
	is_int(judge_bytes("-p tcp --dport 22", b, ah), D, "nor -p tcp --dport 22");
	is_int(judge_bytes("! -p tcp", b, ah), A, "! -p tcp does");
	is_int(judge_bytes("-p ah", b, ah), A, "-p ah does");
	/* a non-first fragment whose next header is destination options */
	memset(pl, 0, sizeof(pl));
	pl[0] = 60;
	pl[2] = (185 << 3) >> 8;
	pl[3] = (uint8_t)(185 << 3);
	pl[7] = 7;
	uint32_t nf = hdr6(b, 44, pl, 24);
	is_int(judge_bytes("-p tcp", b, nf), D,
	       "non-first fragment before dstopts: -p tcp does not match");
	is_int(judge_bytes("! -p tcp", b, nf), D, "nor ! -p tcp");
	is_int(judge_bytes("-p ipv6-opts", b, nf), D, "nor -p ipv6-opts");
	is_int(judge_bytes("! -p udp", b, nf), D, "nor ! -p udp");
	is_int(judge_bytes("-s ::/0", b, nf), A, "a rule without -p does");
	/* the first fragment: dstopts, then TCP */
	memset(pl, 0, sizeof(pl));
	pl[0] = 60;
	pl[3] = 1;                      /* offset 0, more fragments */
	pl[8] = 6;
	pl[10] = 1;                     /* PadN */
	pl[11] = 4;
	pl[16 + 3] = 22;
	pl[16 + 12] = 5 << 4;
	pl[16 + 13] = 0x02;
	uint32_t ff = hdr6(b, 44, pl, 36);
	is_int(judge_bytes("-p tcp --dport 22", b, ff), A,
	       "its first fragment: -p tcp --dport 22 matches");
	/* a non-first fragment of TCP itself: the protocol is TCP's */
	memset(pl, 0, sizeof(pl));
	pl[0] = 6;
	pl[2] = (185 << 3) >> 8;
	pl[3] = (uint8_t)(185 << 3);
	uint32_t nt = hdr6(b, 44, pl, 24);
	is_int(judge_bytes("-p tcp", b, nt), A, "a non-first TCP fragment: -p tcp matches");
}

/* Masks of length 0, left out of the comparison (every address is in
 * ::/0; ip6tables-nft refuses an inverted one, as qtables does), masks
 * of the low bits only, and an inverted prefix. */
static void partial_masks(void)
{
	struct qt_ruleset *rs;
	struct qt_rt_store *st = qt_rt_store_new();
	struct qt_prog *p = compile6(
		"*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
		":OUTPUT ACCEPT [0:0]\n"
		"-A INPUT -s ::/0 -d ::/0 -p udp -j DROP\n"
		"-A INPUT -d ::9/::ffff:ffff -p tcp -j DROP\n"
		"-A INPUT ! -s 2001:db8::/32 -p tcp --dport 23 -j DROP\n"
		"COMMIT\n", &rs, st);
	ok(p != NULL, "IPv6 rules with zero and partial masks compiled");
	const int A = QT_XT_ACCEPT, D = QT_XT_DROP, IN = QT_HOOK_LOCAL_IN;
	if (p) {
		is_int(judge6(p, IN, "2001:db8::1", "fd00::1", 17, 53, false), D,
		       "-s ::/0 -d ::/0 matches every packet");
		is_int(judge6(p, IN, "::", "::", 17, 53, false), D,
		       "from and to :: too");
		is_int(judge6(p, IN, "2001:db8::1", "fd00:1:2:3::9", 6, 22,
			      false), D, "::9/::ffff:ffff: the low 32 bits");
		is_int(judge6(p, IN, "2001:db8::1", "fd00::1:9", 6, 22, false), A,
		       "::9/::ffff:ffff: all of the low 32 bits count");
		is_int(judge6(p, IN, "2001:db8:ff::1", "fd00::1", 6, 23, false),
		       A, "! -s 2001:db8::/32: not from inside it");
		is_int(judge6(p, IN, "2001:db9::1", "fd00::1", 6, 23, false), D,
		       "! -s 2001:db8::/32: from outside it");
	}
	qt_prog_free(p);
	qt_ruleset_free(rs);
	qt_rt_store_free(st);
}

/* A blocklist of 10,000 IPv6 networks (/48s of many /32s, /64s of one
 * /32, host addresses of one /96): each packet meets a few candidates,
 * not the 10,000 rules. */
static void big_lists(void)
{
	static const char *const kinds[] = { "/48s", "/64s of one /32",
					     "/128s of one /96" };
	for (int kind = 0; kind < 3; kind++) {
		size_t cap = 128 + 10000 * 64, k = 0;
		char *t = malloc(cap);
		k += (size_t)snprintf(t + k, cap - k, "*filter\n:INPUT ACCEPT [0:0]\n");
		for (unsigned i = 0; i < 10000; i++) {
			uint32_t x = rnd();
			if (kind == 0)
				k += (size_t)snprintf(t + k, cap - k,
					"-A INPUT -s %x:%x:%x::/48 -j DROP\n",
					0x2000 + (x & 0xfff), (x >> 12) & 0xffff,
					i);
			else if (kind == 1)
				k += (size_t)snprintf(t + k, cap - k,
					"-A INPUT -s 2001:db8:%x:%x::/64 -j DROP\n",
					x & 0xffff, i);
			else
				k += (size_t)snprintf(t + k, cap - k,
					"-A INPUT -s 2001:db8::%x:%x/128 -j DROP\n",
					(i >> 8) & 0xff, (x & 0xff00) | (i & 0xff));
		}
		snprintf(t + k, cap - k, "COMMIT\n");
		struct qt_ruleset *rs;
		struct qt_rt_store *st = qt_rt_store_new();
		struct qt_prog *p = compile6(t, &rs, st);
		char desc[200] = "?";
		if (p)
			qt_prog_describe_chain(p, QT_TABLE_FILTER, "INPUT", desc,
					       sizeof(desc));
		/* the longest lists, added up ("src1:10000/2 any:0") */
		unsigned longest = 0;
		for (const char *c = desc; (c = strpbrk(c, "/:")); c++) {
			if (*c == '/')
				longest += (unsigned)atoi(c + 1);
			else if (!strncmp(c - 3, "any", 3))
				longest += (unsigned)atoi(c + 1);
		}
		ok(p && longest <= 8, "10,000 IPv6 %s: indexed, at most %u "
		   "candidates a packet (%s)", kinds[kind], longest, desc);
		qt_prog_free(p);
		qt_ruleset_free(rs);
		qt_rt_store_free(st);
		free(t);
	}
}

int main(void)
{
	by_hand();
	transport_view();
	partial_masks();
	big_lists();
	for (unsigned r = 0; r < 30; r++)
		walk_equal6(r, 5 + rnd() % 300, 600);
	return done_testing();
}
