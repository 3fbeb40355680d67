/* The classifier and the walk: candidate lists are ascending supersets
 * of the rules that can match, and a program walked with classifiers
 * judges every packet as the same program walked rule by rule (random
 * rulesets with prefixes, ports, protocols, inversions, jumps, goto and
 * RETURN, random packets), counters included. Plus the walk's semantics
 * on a few hand-made chains. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "program.h"
#include "qt_test.h"
#include "tap.h"

static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* ---- the classifier alone ---- */

static void cls_random(uint32_t n, unsigned trials)
{
	struct qt_cls_range *r = calloc(n, sizeof(*r));
	static const uint32_t maxv[QT_CLS_NFIELDS] = {
		UINT32_MAX, UINT32_MAX, 255, 65535, 65535, UINT32_MAX, UINT32_MAX,
		UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX,
		UINT32_MAX };
	for (uint32_t i = 0; i < n; i++) {
		qt_cls_range_any(&r[i]);
		for (int f = 0; f < QT_CLS_NFIELDS; f++) {
			if (rnd() % 3 == 0)
				continue;       /* does not care */
			uint32_t a = rnd() % 64, b = a + rnd() % 8;
			if (f == QT_CLS_SRC || f == QT_CLS_DST) {
				a <<= 20;
				b = (b << 20) | 0xfffff;
			}
			r[i].lo[f] = a;
			r[i].hi[f] = b > maxv[f] ? maxv[f] : b;
		}
	}
	struct qt_cls *c = qt_cls_build(r, n);
	char desc[200] = "";
	if (c)
		qt_cls_describe(c, desc, sizeof(desc));
	ok(c != NULL, "%u rules: built (%s)", n, desc);
	uint32_t *l = malloc(((size_t)n + 1) * sizeof(*l));
	unsigned bad = 0;
	for (unsigned t = 0; t < trials && c; t++) {
		uint32_t key[QT_CLS_NFIELDS];
		for (int f = 0; f < QT_CLS_NFIELDS; f++) {
			key[f] = rnd() % 80;
			if (f == QT_CLS_SRC || f == QT_CLS_DST)
				key[f] = key[f] << 20 | (rnd() & 0xfffff);
		}
		/* both ports, the source port alone (2-3 transport bytes),
		 * or none */
		unsigned r4 = rnd() % 4;
		unsigned ports = r4 == 0 ? 0 : r4 == 1 ? QT_CLS_HAS_SPORT
			       : QT_CLS_HAS_SPORT | QT_CLS_HAS_DPORT;
		uint32_t m = 0, x;
		struct qt_cls_cand cand;
		qt_cls_lookup(c, key, ports, &cand);
		while ((x = qt_cls_next(&cand)) != UINT32_MAX)
			l[m++] = x;
		for (uint32_t k = 1; k < m; k++)
			if (l[k] <= l[k - 1])
				bad++;
		for (uint32_t i = 0; i < n; i++) {
			bool could = true;
			for (int f = 0; f < QT_CLS_NFIELDS; f++) {
				bool port = f == QT_CLS_SPORT || f == QT_CLS_DPORT;
				bool any = r[i].lo[f] == 0 && r[i].hi[f] == maxv[f];
				unsigned bit = f == QT_CLS_SPORT ? QT_CLS_HAS_SPORT
					     : QT_CLS_HAS_DPORT;
				if (port && !(ports & bit)) {
					if (!any)
						could = false;
				} else if (key[f] < r[i].lo[f] || key[f] > r[i].hi[f])
					could = false;
			}
			if (!could)
				continue;
			bool found = false;
			for (uint32_t k = 0; k < m; k++)
				found |= l[k] == i;
			if (!found)
				bad++;
		}
	}
	is_int(bad, 0, "%u rules: %u lookups, lists ascending and complete",
	       n, trials);
	qt_cls_free(c);
	free(r);
	free(l);
}

/* ---- programs: classified walk == plain walk ---- */

static void build_packet(uint8_t *b, uint32_t *len, uint32_t src,
			 uint32_t dst, uint8_t proto, uint16_t sp,
			 uint16_t dp, bool frag)
{
	memset(b, 0, 64);
	b[0] = 0x45;
	uint32_t l4 = proto == 6 ? 20 : 8;
	*len = 20 + l4;
	b[2] = (uint8_t)(*len >> 8);
	b[3] = (uint8_t)*len;
	b[8] = 64;
	b[9] = proto;
	if (frag)
		b[7] = 8;               /* offset 64 bytes: a later fragment */
	uint32_t s = htonl(src), d = htonl(dst);
	memcpy(b + 12, &s, 4);
	memcpy(b + 16, &d, 4);
	uint8_t *t = b + 20;
	t[0] = (uint8_t)(sp >> 8); t[1] = (uint8_t)sp;
	t[2] = (uint8_t)(dp >> 8); t[3] = (uint8_t)dp;
	if (proto == 6) {
		t[12] = 5 << 4;
		t[13] = (uint8_t)(rnd() & 0x3f);
	} else if (proto == 1) {
		t[0] = (uint8_t)(rnd() % 16);
	}
}

static const char *rand_addr(char *buf, size_t n)
{
	static const int lens[] = { 8, 16, 24, 32, 0 };
	int l = lens[rnd() % 5];
	/* never "! A/0": the kernel refuses it */
	snprintf(buf, n, "%s10.%u.%u.%u/%d", l && rnd() % 5 == 0 ? "! " : "",
		 rnd() % 4, rnd() % 4, rnd() % 4, l);
	return buf;
}

static void rand_rule(char *buf, size_t n, int nuser, bool in_user)
{
	char a[40], b[40];
	size_t k = 0;
	rand_addr(a, sizeof(a));
	rand_addr(b, sizeof(b));
	/* "! 10.1.2.3/8" becomes "! -s 10.1.2.3/8" */
	bool na = a[0] == '!', nb = b[0] == '!';
	k += (size_t)snprintf(buf + k, n - k, " %s-s %s", na ? "! " : "",
			      a + (na ? 2 : 0));
	if (rnd() % 2)
		k += (size_t)snprintf(buf + k, n - k, " %s-d %s",
				      nb ? "! " : "", b + (nb ? 2 : 0));
	switch (rnd() % 5) {
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
		k += (size_t)snprintf(buf + k, n - k, " %s-p icmp",
				      rnd() % 4 == 0 ? "! " : "");
		break;
	case 3:
		if (rnd() % 3 == 0)
			k += (size_t)snprintf(buf + k, n - k, " %s-f",
					      rnd() % 2 ? "! " : "");
		break;
	default:
		break;
	}
	/* interfaces: exact names (indexed), prefixes and inversions (not) */
	static const char *const ifs[] = { "eth0", "eth1", "ppp7", "ppp70", "eth+",
					   "ppp+", "lo", "+" };
	if (rnd() % 3 == 0)
		k += (size_t)snprintf(buf + k, n - k, " %s-i %s",
				      rnd() % 6 == 0 ? "! " : "", ifs[rnd() % 8]);
	if (rnd() % 4 == 0)
		k += (size_t)snprintf(buf + k, n - k, " %s-o %s",
				      rnd() % 6 == 0 ? "! " : "", ifs[rnd() % 8]);
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
	/* else: no target, counts only */
}

static char *rand_ruleset(unsigned nrules)
{
	size_t cap = 256 + (size_t)nrules * 160, k = 0;
	char *t = malloc(cap), rule[200];
	int nuser = 3;
	k += (size_t)snprintf(t + k, cap - k, "*filter\n:INPUT ACCEPT [0:0]\n"
			      ":FORWARD %s [0:0]\n:OUTPUT ACCEPT [0:0]\n",
			      rnd() % 2 ? "DROP" : "ACCEPT");
	for (int u = 0; u < nuser; u++)
		k += (size_t)snprintf(t + k, cap - k, ":U%d - [0:0]\n", u);
	for (unsigned i = 0; i < nrules; i++) {
		int chain = (int)(rnd() % 4) - 1;   /* -1: FORWARD */
		rand_rule(rule, sizeof(rule), nuser, chain >= 0);
		if (chain < 0)
			k += (size_t)snprintf(t + k, cap - k, "-A FORWARD%s\n", rule);
		else
			k += (size_t)snprintf(t + k, cap - k, "-A U%d%s\n", chain, rule);
	}
	snprintf(t + k, cap - k, "COMMIT\n");
	return t;
}

/* Every rule's and policy's counters, as text. */
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

static void walk_equal(unsigned round, unsigned nrules, unsigned npkts)
{
	char *text = rand_ruleset(nrules);
	struct qt_ruleset *rs = qt_ruleset_new(AF_INET);
	struct qt_test_result res;
	qt_test_restore(&rs, text, "", &res);
	ok(res.status == 0, "round %u: random ruleset restored", round);
	if (res.status != 0)
		printf("# restore: %s", qt_buf_str(&res.err));
	qt_test_result_free(&res);

	/* each program counts into a store of its own */
	struct qt_rt_store *pol1 = qt_rt_store_new(), *pol2 = qt_rt_store_new();
	struct qt_buf e, c1, c2;
	qt_buf_init(&e);
	qt_buf_init(&c1);
	qt_buf_init(&c2);
	qt_prog_force_linear(false);
	/* built from a predecessor holding the same chains, which is then
	 * freed: the shared classifiers must outlive it */
	struct qt_prog *first = qt_prog_compile(rs, NULL, pol1, &e);
	struct qt_prog *fast = qt_prog_compile_from(rs, NULL, pol1, first, &e);
	qt_prog_free(first);
	qt_prog_force_linear(true);
	struct qt_prog *slow = qt_prog_compile(rs, NULL, pol2, &e);
	qt_prog_force_linear(false);
	if (res.status != 0 || !fast || !slow) {
		ok(0, "round %u: compiled: %s", round, qt_buf_str(&e));
		free(text);
		return;
	}
	/* the same packets through each, counters compared after */
	uint8_t (*pk)[64] = malloc((size_t)npkts * 64);
	uint32_t *len = malloc(npkts * sizeof(*len));
	int *v1 = malloc(npkts * sizeof(int));
	/* the interfaces each packet came in and goes out by */
	static const char *const names[] = { "eth0", "eth1", "ppp7", "ppp70",
					     "ppp700", "lo", "wlan0", "" };
	unsigned *via = malloc(npkts * sizeof(*via));
	static const uint8_t protos[] = { 6, 17, 1, 47 };
	for (unsigned i = 0; i < npkts; i++) {
		uint32_t src = 0x0a000000 | (rnd() % 4) << 16 | (rnd() % 4) << 8 | rnd() % 4;
		uint32_t dst = 0x0a000000 | (rnd() % 4) << 16 | (rnd() % 4) << 8 | rnd() % 4;
		build_packet(pk[i], &len[i], src, dst, protos[rnd() % 4],
			     (uint16_t)(rnd() % 42), (uint16_t)(rnd() % 42),
			     rnd() % 10 == 0);
		via[i] = rnd() % 64;
		/* a transport part of 2 or 3 bytes: the source port only */
		if (rnd() % 10 == 0 && !(pk[i][6] & 0x1f) && !pk[i][7]) {
			len[i] = 20 + 2 + rnd() % 2;
			pk[i][2] = 0;
			pk[i][3] = (uint8_t)len[i];
		}
	}
	for (unsigned i = 0; i < npkts; i++) {
		struct qt_eval ev;
		qt_eval_init(&ev, pk[i], len[i], len[i], len[i],
			     QT_HOOK_FORWARD, NULL);
		ev.in = names[via[i] % 8];
		ev.out = names[via[i] / 8];
		v1[i] = qt_prog_eval(fast, &ev, NULL);
	}
	counters_text(rs, pol1, &c1);
	unsigned diff = 0;
	for (unsigned i = 0; i < npkts; i++) {
		struct qt_eval ev;
		qt_eval_init(&ev, pk[i], len[i], len[i], len[i],
			     QT_HOOK_FORWARD, NULL);
		ev.in = names[via[i] % 8];
		ev.out = names[via[i] / 8];
		diff += qt_prog_eval(slow, &ev, NULL) != v1[i];
	}
	counters_text(rs, pol2, &c2);
	is_int(diff, 0, "round %u: %u rules, %u packets: same verdicts",
	       round, nrules, npkts);
	is_str(qt_buf_str(&c1), qt_buf_str(&c2), "round %u: same counters",
	       round);
	if (strcmp(qt_buf_str(&c1), qt_buf_str(&c2)) && getenv("QT_TC_DEBUG")) {
		printf("# ruleset:\n%s", text);
		for (unsigned i = 0; i < npkts; i++) {
			printf("# pkt %u:", i);
			for (unsigned j = 0; j < len[i]; j++)
				printf(" %02x", pk[i][j]);
			printf("\n");
		}
	}
	qt_prog_free(fast);
	qt_prog_free(slow);
	qt_rt_store_free(pol1);
	qt_rt_store_free(pol2);
	qt_ruleset_free(rs);
	qt_buf_free(&e);
	qt_buf_free(&c1);
	qt_buf_free(&c2);
	free(pk);
	free(len);
	free(v1);
	free(via);
	free(text);
}

/* ---- the walk's semantics, by hand ---- */

static int judge(struct qt_prog *p, unsigned hook, const char *src,
		 const char *dst, uint8_t proto, uint16_t dport)
{
	uint8_t b[64];
	uint32_t len;
	struct in_addr s, d;
	inet_pton(AF_INET, src, &s);
	inet_pton(AF_INET, dst, &d);
	build_packet(b, &len, ntohl(s.s_addr), ntohl(d.s_addr), proto, 1000,
		     dport, false);
	struct qt_eval ev;
	qt_eval_init(&ev, b, len, len, len, hook, NULL);
	return qt_prog_eval(p, &ev, NULL);
}

static void semantics(void)
{
	struct qt_ruleset *rs = qt_ruleset_new(AF_INET);
	struct qt_test_result res;
	qt_test_restore(&rs,
		"*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n"
		":OUTPUT ACCEPT [0:0]\n:A - [0:0]\n:B - [0:0]\n"
		"-A INPUT -s 10.0.0.1 -j A\n"
		"-A INPUT -s 10.0.0.2 -g B\n"
		"-A INPUT -s 10.0.0.3 -j RETURN\n"
		"-A INPUT -p tcp --dport 22 -j ACCEPT\n"
		"-A A -p tcp --dport 80 -j ACCEPT\n"
		"-A A -p tcp --dport 81 -j RETURN\n"
		"-A A -j B\n"
		"-A A -p tcp --dport 82 -j ACCEPT\n"
		"-A B -p tcp --dport 83 -j ACCEPT\n"
		"-A B -p tcp --dport 84 -j DROP\n"
		"-A FORWARD -i eth+ -j DROP\n"
		"COMMIT\n*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
		"-A PREROUTING -s 10.9.9.9 -j DROP\nCOMMIT\n", "", &res);
	is_int(res.status, 0, "semantics ruleset restored");
	qt_test_result_free(&res);
	struct qt_rt_store *store = qt_rt_store_new();
	struct qt_buf e;
	qt_buf_init(&e);
	struct qt_prog *p = qt_prog_compile(rs, NULL, store, &e);
	const int A = QT_XT_ACCEPT, D = QT_XT_DROP, IN = QT_HOOK_LOCAL_IN;
	is_int(judge(p, IN, "10.0.0.1", "1.1.1.1", 6, 80), A, "jump, accept inside");
	is_int(judge(p, IN, "10.0.0.1", "1.1.1.1", 6, 22), A, "jump, fall back, accept after");
	is_int(judge(p, IN, "10.0.0.1", "1.1.1.1", 6, 81), D, "RETURN then policy DROP");
	is_int(judge(p, IN, "10.0.0.1", "1.1.1.1", 6, 83), A, "nested jump accepts");
	is_int(judge(p, IN, "10.0.0.1", "1.1.1.1", 6, 82), A, "B returns into A");
	is_int(judge(p, IN, "10.0.0.2", "1.1.1.1", 6, 22), D,
	       "goto: the end of B is the end of INPUT (policy)");
	is_int(judge(p, IN, "10.0.0.2", "1.1.1.1", 6, 83), A, "goto, accept in B");
	is_int(judge(p, IN, "10.0.0.3", "1.1.1.1", 6, 22), D,
	       "RETURN in a built-in chain: policy");
	is_int(judge(p, IN, "10.0.0.4", "1.1.1.1", 17, 22), D, "udp 22: policy");
	is_int((int)qt_rt_store_policy(store)->c[QT_TABLE_FILTER][QT_HOOK_LOCAL_IN].pkts, 4,
	       "policy counted the 4 packets it judged");
	is_int(judge(p, QT_HOOK_PRE_ROUTING, "10.9.9.9", "1.1.1.1", 6, 1), D,
	       "raw PREROUTING drops");
	is_int(judge(p, QT_HOOK_FORWARD, "10.9.9.9", "1.1.1.1", 6, 1), A,
	       "FORWARD: no interface, -i eth+ does not match");
	qt_prog_free(p);
	qt_rt_store_free(store);
	qt_ruleset_free(rs);
	qt_buf_free(&e);
}

/* A chain of per-interface rules (a concentrator's ppp0..ppp4999) is
 * indexed by interface, not walked: the name decides in one lookup. */
static void iface_chain(void)
{
	size_t cap = 64 + 5000 * 40, k = 0;
	char *t = malloc(cap);
	k += (size_t)snprintf(t + k, cap - k, "*filter\n:FORWARD ACCEPT [0:0]\n");
	for (unsigned i = 0; i < 5000; i++)
		k += (size_t)snprintf(t + k, cap - k, "-A FORWARD -i ppp%u -o eth0 -j %s\n",
				      i, i % 2 ? "ACCEPT" : "DROP");
	snprintf(t + k, cap - k, "COMMIT\n");
	struct qt_ruleset *rs = qt_ruleset_new(AF_INET);
	struct qt_test_result res;
	qt_test_restore(&rs, t, "", &res);
	qt_test_result_free(&res);
	struct qt_rt_store *store = qt_rt_store_new();
	struct qt_buf e;
	qt_buf_init(&e);
	struct qt_prog *p = qt_prog_compile(rs, NULL, store, &e);
	char desc[200] = "";
	if (p)
		qt_prog_describe_chain(p, QT_TABLE_FILTER, "FORWARD", desc, sizeof(desc));
	ok(strstr(desc, "in:5000/1") != NULL, "5000 -i rules: indexed by interface (%s)", desc);
	uint8_t pk[64];
	uint32_t len;
	build_packet(pk, &len, 0x0a000001, 0x0a000002, 17, 1, 2, false);
	int v[3];
	const char *in[3] = { "ppp4242", "ppp4243", "ppp5000" };
	for (int i = 0; i < 3 && p; i++) {
		struct qt_eval ev;
		qt_eval_init(&ev, pk, len, len, len, QT_HOOK_FORWARD, NULL);
		ev.in = in[i];
		ev.out = "eth0";
		v[i] = qt_prog_eval(p, &ev, NULL);
	}
	ok(p && v[0] == QT_XT_DROP && v[1] == QT_XT_ACCEPT && v[2] == QT_XT_ACCEPT,
	   "ppp4242 dropped, ppp4243 accepted, ppp5000 (no rule) by the policy");
	qt_prog_free(p);
	qt_rt_store_free(store);
	qt_ruleset_free(rs);
	qt_buf_free(&e);
	free(t);
}

int main(void)
{
	iface_chain();
	cls_random(3, 200);
	cls_random(50, 2000);
	cls_random(2000, 300);
	semantics();
	for (unsigned r = 0; r < 40; r++)
		walk_equal(r, 5 + rnd() % 300, 400);
	return done_testing();
}
