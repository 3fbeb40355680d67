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
	return v;
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

int main(void)
{
	qt_buf_init(&err);
	store = qt_rt_store_new();
	nstore = qt_nft_store_new();
	nrs = nft_ruleset_new();
	irs = qt_ruleset_new(AF_INET);

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
	is_int(compile(AF_INET), -1, "a nat chain's rules are refused");
	ok(strstr(qt_buf_str(&err), "chain ip n post") != NULL,
	   "the message names the chain");
	is_int(nft("flush ruleset\ntable ip n { chain post { type nat hook "
		   "postrouting priority 100;\n}\n}\n"), 0, "an empty nat chain");
	is_int(compile(AF_INET), 0, "is taken");
	is_int(nft("flush ruleset\ntable bridge b { chain c { type filter "
		   "hook input priority 0;\n}\n}\n"), 0, "a bridge base chain");
	is_int(compile(AF_INET), -1, "is refused");
	is_int(nft("flush ruleset\ntable ip n { chain c { limit rate 10 "
		   "kbytes/second\n}\n}\n"), 0, "a byte limit off any hook");
	is_int(compile(AF_INET), 0, "judges nothing: taken");
	is_int(nft("add chain ip n base { type filter hook input priority 0; }\n"
		   "add rule ip n base jump c\n"), 0, "reached from a base chain");
	is_int(compile(AF_INET), -1, "then refused");
	ok(strstr(qt_buf_str(&err), "limits of bytes") != NULL, "saying why");
	/* the language holds more than the walk runs: each of these
	 * refused in a base chain, never judged as a plain compare */
	static const char *const not_yet[][2] = {
		{ "meta mark and 0x4000 == 0 drop", "bitwise operations" },
		{ "numgen random mod 2 vmap { 0 : drop, 1 : accept }", "numgen" },
		{ "ip daddr . tcp dport { 10.0.0.1 . 80 } drop", "concatenations" },
		{ "fib daddr type local drop", "fib" },
		{ "tcp dport vmap { 22 : drop }", "verdict maps" },
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
