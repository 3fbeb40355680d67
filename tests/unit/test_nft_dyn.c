/* engine/nft_dynset: nft's sets that packets fill and that forget, run
 * by the walk: add @set from one rule seen by a later one, elements
 * kept across a commit that leaves the set be and removed by flush set
 * and delete element, update refreshing a timeout, elements (added by
 * packets or given in the ruleset) expiring on the packet path, the
 * per-element limit of a meter (of packets or bytes, and a listing of
 * the latter read back as a state file), a full set breaking the rule,
 * ct count,
 * the listing of what packets added, and queue threads adding at once. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft_dynset.h"
#include "nft_exec.h"
#include "nft_model.h"
#include "nft_print.h"
#include "nft_run.h"
#include "program.h"
#include "qt_test.h"
#include "rt_store.h"
#include "set_store.h"
#include "tap.h"

static struct nft_ruleset *nrs;
static struct qt_ruleset *irs;
static struct qt_rt_store *store;
static struct qt_nft_store *nstore;
static struct qt_prog *prog;
static struct qt_buf err;
/* the packets' clock: the control thread's plus what a test let pass */
static uint64_t base_ns;

static int nft(const char *text)
{
	struct nft_run_opts o = { 0 };
	struct qt_buf out, e;
	bool changed;
	qt_buf_init(&out);
	qt_buf_init(&e);
	/* what packets added is in the model before a change, as the
	 * daemon syncs before each request */
	qt_nft_store_sync(nstore, nrs);
	int st = nft_run(&nrs, text, strlen(text), &o, &out, &e, &changed);
	if (st)
		printf("# nft: %s", qt_buf_str(&e));
	qt_buf_free(&out);
	qt_buf_free(&e);
	return st;
}

/* The new program is made while the old one runs, as the daemon swaps
 * them: the set runtimes carry over. */
static int compile(void)
{
	struct qt_prog *old = prog;
	prog = NULL;
	qt_buf_reset(&err);
	struct qt_prog *p = qt_prog_compile(irs, NULL, store, &err);
	if (!p) {
		qt_prog_free(old);
		return -1;
	}
	struct qt_nft_prog *np = qt_nft_compile(nrs, AF_INET, NULL, nstore,
						&err);
	if (!np || qt_prog_attach_nft(p, np, &err) < 0) {
		qt_prog_free(p);
		qt_prog_free(old);
		return -1;
	}
	qt_prog_free(old);
	prog = p;
	return 0;
}

/* A UDP packet 10.0.0.src -> 10.0.0.2:53 at INPUT, at ms after base. */
static int udp_at(uint8_t src, uint64_t ms)
{
	uint8_t b[28] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0,
			  10, 0, 0, 1, 10, 0, 0, 2,
			  0x03, 0xe8, 0, 53, 0, 8, 0, 0 };
	b[15] = src;
	struct qt_eval ev;
	qt_eval_init(&ev, b, sizeof(b), sizeof(b), sizeof(b),
		     QT_HOOK_LOCAL_IN, NULL);
	ev.in = "eth0";
	ev.now_ns = base_ns + ms * 1000000ull;
	return qt_prog_eval(prog, &ev, NULL);
}

static int udp(uint8_t src)
{
	return udp_at(src, 0);
}

static const struct nft_set *set_of(const char *name)
{
	qt_nft_store_sync(nstore, nrs);
	struct nft_table *t = nft_table_find(nrs, NFT_F_IP, "t");
	return t ? nft_set_find(t, name) : NULL;
}

static unsigned nelems(const char *name)
{
	const struct nft_set *s = set_of(name);
	return s ? s->nelems : 0;
}

static const char *listing(const char *name)
{
	static struct qt_buf b;
	qt_buf_free(&b);
	qt_buf_init(&b);
	const struct nft_set *s = set_of(name);
	struct nft_table *t = nft_table_find(nrs, NFT_F_IP, "t");
	struct nft_print_opts po = { 0 };
	if (s && t)
		nft_print_table(t, &po, &b);
	return qt_buf_str(&b);
}

/* ---- queue threads adding at once ---- */

struct adder {
	struct qt_dynset *d;
	uint8_t first;
	unsigned added;
};

static void *add_many(void *arg)
{
	struct adder *a = arg;
	struct qt_dynset_op op = { .kind = QT_DYN_ADD };
	for (unsigned i = 0; i < 20000; i++) {
		uint8_t k[4] = { 10, a->first, (uint8_t)(i >> 8), (uint8_t)i };
		a->added += qt_dynset_update(a->d, &op, k, 64, base_ns);
	}
	return NULL;
}

static void threads(void)
{
	struct qt_dynsets *r = qt_dynsets_new();
	struct nft_ruleset *rs = nft_ruleset_new();
	struct nft_run_opts o = { 0 };
	struct qt_buf out, e;
	bool changed;
	qt_buf_init(&out);
	qt_buf_init(&e);
	const char *text = "table ip t {\n set s { type ipv4_addr; size 50000; "
			   "flags dynamic; }\n}\n";
	if (nft_run(&rs, text, strlen(text), &o, &out, &e, &changed))
		printf("# nft: %s", qt_buf_str(&e));
	struct nft_table *t = nft_table_find(rs, NFT_F_IP, "t");
	if (!t) {
		ok(false, "the table is there");
		return;
	}
	struct qt_dynset *d = qt_dynset_get(r, t, nft_set_find(t, "s"),
					    qt_set_now_ms(), &e);
	ok(d != NULL, "a runtime of 50,000 slots");
	struct adder a[3] = { { d, 1, 0 }, { d, 2, 0 }, { d, 1, 0 } };
	pthread_t th[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, add_many, &a[i]);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	/* two threads add the same 20,000 keys: each is there once; the
	 * third's 20,000 others all fit; then the set is 10,000 short */
	is_int((int)qt_dynset_count(d, qt_set_now_ms()), 40000,
	       "three threads adding at once: every key once");
	is_int((int)(a[0].added + a[1].added + a[2].added), 60000,
	       "an add of a key that is there goes on");
	struct qt_dynset_op op = { .kind = QT_DYN_ADD };
	unsigned more = 0;
	for (unsigned i = 0; i < 20000; i++) {
		uint8_t k[4] = { 10, 3, (uint8_t)(i >> 8), (uint8_t)i };
		more += qt_dynset_update(d, &op, k, 64, base_ns);
	}
	is_int((int)more, 10000, "the set full at its size: the rest break");
	qt_dynset_put(r, d);
	is_int((int)qt_dynsets_count(r), 0, "the runtime freed at its last put");
	qt_dynsets_free(r);
	nft_ruleset_free(rs);
	qt_buf_free(&out);
	qt_buf_free(&e);
}

int main(void)
{
	qt_buf_init(&err);
	store = qt_rt_store_new();
	nstore = qt_nft_store_new();
	nrs = nft_ruleset_new();
	irs = qt_ruleset_new(AF_INET);
	base_ns = qt_set_now_ms() * 1000000ull;

	/* add @set in one rule, seen by an earlier one at the next packet */
	is_int(nft("table ip t {\n set seen { type ipv4_addr; flags dynamic; }\n"
		   " chain in { type filter hook input priority 0;\n"
		   "  ip saddr @seen drop\n"
		   "  ip saddr 10.0.0.1 add @seen { ip saddr }\n }\n}\n"), 0,
	       "a ruleset adding from the packet path");
	is_int(compile(), 0, "compiled");
	is_int(udp(1), QT_XT_ACCEPT, "the first packet passes and adds");
	is_int(udp(1), QT_XT_DROP, "the next meets its address in the set");
	is_int(udp(9), QT_XT_ACCEPT, "another address is not in it");
	is_int((int)nelems("seen"), 1, "the model lists what the packet added");
	ok(strstr(listing("seen"), "elements = { 10.0.0.1 }") != NULL,
	   "listed as nft lists it");

	/* kept across a commit that leaves the set be: one of iptables'
	 * rules (no sync of the model before it), and an nft one */
	is_int(udp(5), QT_XT_ACCEPT, "another address passes...");
	is_int(nft("add rule ip t in ip saddr 10.0.0.5 add @seen { ip saddr }\n"),
	       0, "...once a rule adds it");
	is_int(compile(), 0, "compiled");
	is_int(udp(5), QT_XT_ACCEPT, "added, after the model was synced");
	is_int(compile(), 0, "compiled again, as an iptables commit does");
	is_int(udp(5), QT_XT_DROP, "what packets added since is kept");
	is_int(nft("add chain ip t other\nadd rule ip t other counter\n"), 0,
	       "a rule elsewhere");
	is_int(compile(), 0, "compiled again");
	is_int(udp(1), QT_XT_DROP, "the element packets added survives it");
	is_int(nft("flush set ip t seen\n"), 0, "flush set");
	is_int(compile(), 0, "compiled");
	is_int(udp(1), QT_XT_ACCEPT, "the element is gone (and added again)");
	is_int(udp(1), QT_XT_DROP, "there again");
	is_int(nft("delete element ip t seen { 10.0.0.1 }\n"), 0,
	       "delete element of an element a packet added");
	is_int(compile(), 0, "compiled");
	is_int((int)nelems("seen"), 0, "gone from the listing");
	is_int(nft("add element ip t seen { 10.0.0.9 }\n"), 0, "add element");
	is_int(compile(), 0, "compiled");
	is_int(udp(9), QT_XT_DROP, "an element typed is matched");

	/* timeouts: update refreshes, add does not */
	is_int(nft("flush ruleset\ntable ip t {\n"
		   " set e { type ipv4_addr; flags timeout; timeout 10s; }\n"
		   " set u { type ipv4_addr; flags timeout; timeout 10s; }\n"
		   " chain in { type filter hook input priority 0;\n"
		   "  ip saddr @e counter drop\n"
		   "  ip saddr 10.0.0.1 add @e { ip saddr }\n"
		   "  ip saddr 10.0.0.2 update @u { ip saddr timeout 2s }\n"
		   " }\n}\n"), 0, "sets with timeouts");
	is_int(compile(), 0, "compiled");
	is_int(udp_at(1, 0), QT_XT_ACCEPT, "added with the set's 10s");
	is_int(udp_at(1, 9000), QT_XT_DROP, "there at 9s");
	is_int(udp_at(1, 10001), QT_XT_ACCEPT, "expired at 10s: passes, added again");
	is_int(udp_at(1, 19000), QT_XT_DROP, "and there 9s later");
	is_int(udp_at(2, 0), QT_XT_ACCEPT, "update adds with its own timeout");
	ok(strstr(listing("u"), "10.0.0.2 timeout 2s expires ") != NULL,
	   "listed with its timeout and what is left of it");
	is_int(udp_at(2, 1500), QT_XT_ACCEPT, "updated at 1.5s");
	is_int(nft("add rule ip t in ip saddr @u counter drop\n"), 0,
	       "a rule matching the updated set");
	is_int(compile(), 0, "compiled, the set kept");
	is_int(udp_at(2, 3000), QT_XT_DROP,
	       "still there at 3s: update refreshed its 2s");

	/* elements with timeouts given in the ruleset */
	is_int(nft("flush ruleset\ntable ip t {\n"
		   " set g { type ipv4_addr; flags timeout;\n"
		   "  elements = { 10.0.0.1 timeout 1s, 10.0.0.2 } }\n"
		   " chain in { type filter hook input priority 0;\n"
		   "  ip saddr @g drop\n }\n}\n"), 0, "elements with timeouts");
	is_int(compile(), 0, "compiled");
	is_int(udp_at(1, 0), QT_XT_DROP, "matched before its time");
	is_int(udp_at(1, 1500), QT_XT_ACCEPT, "not after it");
	is_int(udp_at(2, 1500), QT_XT_DROP, "one without a timeout stays");
	ok(strstr(listing("g"), "elements = { 10.0.0.1 timeout 1s expires ") != NULL,
	   "listed with expires while it lives");

	/* a meter: per-element limit */
	is_int(nft("flush ruleset\ntable ip t {\n"
		   " set m { type ipv4_addr; flags dynamic; }\n"
		   " chain in { type filter hook input priority 0;\n"
		   "  update @m { ip saddr limit rate over 3/minute } drop\n"
		   " }\n}\n"), 0, "a meter");
	is_int(compile(), 0, "compiled");
	int passed = 0;
	for (int i = 0; i < 8; i++)
		passed += udp_at(1, (uint64_t)i) == QT_XT_ACCEPT;
	is_int(passed, 5, "the burst of 5 passes, then the rate is over");
	is_int(udp_at(2, 10), QT_XT_ACCEPT, "another address has its own bucket");
	is_int(udp_at(1, 20100), QT_XT_ACCEPT, "one more after 20 s");
	is_int(udp_at(1, 20200), QT_XT_DROP, "and only one");
	ok(strstr(listing("m"), "10.0.0.1 limit rate over 3/minute") != NULL,
	   "the element lists its limit");

	/* a meter of bytes: 56 bytes/second, no burst, holds one second;
	 * a 28-byte packet takes half of it */
	is_int(nft("flush ruleset\ntable ip t {\n"
		   " set b { type ipv4_addr; flags dynamic; }\n"
		   " chain in { type filter hook input priority 0;\n"
		   "  update @b { ip saddr limit rate over 56 bytes/second } drop\n"
		   " }\n}\n"), 0, "a meter of bytes");
	is_int(compile(), 0, "compiled");
	is_int(udp_at(1, 0), QT_XT_ACCEPT, "the first packet: half the bucket");
	is_int(udp_at(1, 1), QT_XT_ACCEPT, "the second: the rest of it");
	is_int(udp_at(1, 2), QT_XT_DROP, "the third is over the rate");
	is_int(udp_at(2, 2), QT_XT_ACCEPT, "another address has its own bucket");
	is_int(udp_at(1, 500), QT_XT_ACCEPT, "half a second later: one more");
	is_int(udp_at(1, 501), QT_XT_DROP, "and only one");
	ok(strstr(listing("b"), "10.0.0.1 limit rate over 56 bytes/second,")
	   != NULL, "the element lists its limit in bytes");
	{
		/* nft reads no byte limit without a burst in an element;
		 * the daemon's state file has them */
		char *text = strdup(listing("b"));
		struct nft_ruleset *back = nft_ruleset_new();
		struct nft_run_opts o = { .own_listing = true };
		struct qt_buf out, e;
		bool changed;
		qt_buf_init(&out);
		qt_buf_init(&e);
		is_int(nft_run(&back, text, strlen(text), &o, &out, &e,
			       &changed), 0, "the listing read back as a state "
		       "file");
		o.own_listing = false;
		qt_buf_reset(&e);
		nft_ruleset_free(back);
		back = nft_ruleset_new();
		is_int(nft_run(&back, text, strlen(text), &o, &out, &e,
			       &changed), 1, "nft refuses it");
		ok(strstr(qt_buf_str(&e), "limit burst must be > 0") != NULL,
		   "with nft's message");
		nft_ruleset_free(back);
		qt_buf_free(&out);
		qt_buf_free(&e);
		free(text);
	}

	/* a meter's counter and quota; ct count per element */
	is_int(nft("flush ruleset\ntable ip t {\n"
		   " set c { type ipv4_addr; flags dynamic; }\n"
		   " set q { type ipv4_addr; flags dynamic; }\n"
		   " set n { type ipv4_addr; flags dynamic; }\n"
		   " chain in { type filter hook input priority 0;\n"
		   "  update @c { ip saddr counter }\n"
		   "  update @q { ip saddr quota over 112 bytes } drop\n"
		   "  ip saddr 10.0.0.7 add @n { ip saddr ct count over 0 } drop\n"
		   " }\n}\n"), 0, "counter, quota and ct count in set updates");
	is_int(compile(), 0, "compiled");
	passed = 0;
	for (int i = 0; i < 5; i++)
		passed += udp(1) == QT_XT_ACCEPT;
	is_int(passed, 4, "28-byte packets: the fourth reaches 112 bytes, "
	       "the fifth passes them, over the quota (the kernel's 3 "
	       "echoes of 40 bytes under quota 120 bytes)");
	ok(strstr(listing("c"), "10.0.0.1 counter packets 5 bytes 140") != NULL,
	   "the element counted every packet");
	ok(strstr(listing("q"), "10.0.0.1 quota over 112 bytes used 112 bytes")
	   != NULL, "the quota used, listed at most at the quota");
	is_int(udp(7), QT_XT_DROP, "ct count over 0 of the element: its own "
	       "connection");
	ok(strstr(listing("n"), "10.0.0.7 ct count over 0") != NULL,
	   "listed with its ct count");

	/* a packet's delete is not undone by a commit */
	is_int(nft("flush ruleset\ntable ip t {\n"
		   " set s { type ipv4_addr; flags dynamic;\n"
		   "  elements = { 10.0.0.1, 10.0.0.2 } }\n"
		   " chain in { type filter hook input priority 0;\n"
		   "  ip saddr @s drop\n"
		   "  ip saddr 10.0.0.3 delete @s { ip daddr }\n }\n}\n"), 0,
	       "delete @set from the packet path");
	is_int(compile(), 0, "compiled");
	is_int(udp(1), QT_XT_DROP, "an element typed is matched");
	is_int(nft("add element ip t s { 10.0.0.2 }\n"), 0, "synced");
	is_int(compile(), 0, "compiled");
	/* 10.0.0.3 -> 10.0.0.2 deletes 10.0.0.2... */
	{
		uint8_t b[28] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0,
				  10, 0, 0, 3, 10, 0, 0, 2,
				  0x03, 0xe8, 0, 53, 0, 8, 0, 0 };
		struct qt_eval ev;
		qt_eval_init(&ev, b, sizeof(b), sizeof(b), sizeof(b),
			     QT_HOOK_LOCAL_IN, NULL);
		ev.in = "eth0";
		ev.now_ns = base_ns;
		qt_prog_eval(prog, &ev, NULL);
	}
	is_int(compile(), 0, "compiled again, with no sync in between");
	is_int(udp(2), QT_XT_ACCEPT, "the element the packet deleted stays gone");
	is_int(udp(1), QT_XT_DROP, "the other stays");

	/* a full set breaks the rule */
	is_int(nft("flush ruleset\ntable ip t {\n"
		   " set f { type ipv4_addr; size 2; flags dynamic; }\n"
		   " chain in { type filter hook input priority 0;\n"
		   "  add @f { ip saddr } counter drop\n }\n}\n"), 0,
	       "a set of size 2");
	is_int(compile(), 0, "compiled");
	is_int(udp(1), QT_XT_DROP, "first added");
	is_int(udp(2), QT_XT_DROP, "second added");
	is_int(udp(3), QT_XT_ACCEPT, "the third does not fit: the rule breaks");
	is_int(udp(1), QT_XT_DROP, "one that is there still goes on");

	/* ct count: the packet's own connection counts (one untracked
	 * packet counts itself once) */
	is_int(nft("flush ruleset\ntable ip t {\n"
		   " chain in { type filter hook input priority 0;\n"
		   "  ct count over 1 drop\n  ct count 0 drop\n }\n}\n"), 0,
	       "ct count");
	is_int(compile(), 0, "compiled");
	ok(qt_prog_uses_ct(prog), "ct count tracks connections");
	is_int(udp(1), QT_XT_ACCEPT, "one connection: neither over 1 nor up to 0");
	is_int(nft("add rule ip t in ct count over 0 drop\n"), 0, "over 0");
	is_int(compile(), 0, "compiled");
	is_int(udp(1), QT_XT_DROP, "its own connection is over 0");

	/* interval sets with timeouts: a range stops matching when it
	 * expires; one without a timeout stays */
	is_int(nft("flush ruleset\ntable ip t {\n"
		   " set i { type ipv4_addr; flags interval,timeout; }\n"
		   " chain in { type filter hook input priority 0;\n"
		   "  ip saddr @i drop\n }\n}\n"
		   "add element ip t i { 10.0.0.0/29 timeout 1s, "
		   "10.0.0.100-10.0.0.110 }\n"), 0,
	       "an interval set that expires");
	is_int(compile(), 0, "compiled");
	/* the packets' clock from the commit on */
	base_ns = qt_set_now_ms() * 1000000ull;
	is_int(udp_at(5, 0), QT_XT_DROP, "in the prefix while it lives");
	is_int(udp_at(8, 0), QT_XT_ACCEPT, "past its end");
	is_int(udp_at(105, 0), QT_XT_DROP, "in the range");
	is_int(udp_at(111, 0), QT_XT_ACCEPT, "past the range");
	is_int(udp_at(99, 0), QT_XT_ACCEPT, "before it");
	ok(strstr(listing("i"), "10.0.0.0/29 timeout 1s expires ") != NULL,
	   "listed with what is left of its timeout");
	is_int(udp_at(5, 1001), QT_XT_ACCEPT, "expired at 1s: no longer matched");
	is_int(udp_at(105, 1001), QT_XT_DROP, "the range without one stays");
	is_int(nft("add element ip t i { 10.0.0.50 timeout 1h }\n"), 0,
	       "another element, a commit later");
	is_int(compile(), 0, "compiled");
	is_int(udp_at(50, 0), QT_XT_DROP, "the new one matches");
	is_int(udp_at(5, 1001), QT_XT_ACCEPT,
	       "the expired one does not come back with the commit");
	is_int(nft("add table ip u\nadd set ip u j { type ipv4_addr; "
		   "flags interval,timeout; timeout 1h; elements = { "
		   "10.1.0.0/16 } ; }\n"), 0, "a set no rule looks up");
	is_int(compile(), 0, "compiled");
	{
		qt_nft_store_sync(nstore, nrs);
		struct nft_table *u = nft_table_find(nrs, NFT_F_IP, "u");
		struct qt_buf b;
		qt_buf_init(&b);
		struct nft_print_opts po = { 0 };
		if (u)
			nft_print_table(u, &po, &b);
		if (!strstr(qt_buf_str(&b), "10.1.0.0/16 expires "))
			printf("# %s", qt_buf_str(&b));
		ok(strstr(qt_buf_str(&b), "10.1.0.0/16 expires ") != NULL,
		   "its elements expire and list what is left all the same");
		qt_buf_free(&b);
	}

	/* named objects in maps: the object the key finds; a key of no
	 * element breaks the rule */
	is_int(nft("flush ruleset\ntable ip t {\n"
		   " counter c1 { packets 0 bytes 0 }\n"
		   " quota q { 56 bytes }\n"
		   " chain in { type filter hook input priority 0;\n"
		   "  counter name ip saddr map { 10.0.0.1 : \"c1\" }\n"
		   "  quota name ip saddr map { 10.0.0.1 : \"q\" } drop\n"
		   " }\n}\n"), 0, "a counter and a quota in maps");
	is_int(compile(), 0, "compiled");
	is_int(udp(1), QT_XT_DROP, "within the quota its key finds");
	is_int(udp(1), QT_XT_DROP, "up to it");
	is_int(udp(1), QT_XT_ACCEPT, "past it: the rule breaks");
	is_int(udp(2), QT_XT_ACCEPT, "a key of no element breaks the rule");
	{
		qt_nft_store_sync(nstore, nrs);
		struct nft_table *t = nft_table_find(nrs, NFT_F_IP, "t");
		struct qt_buf b;
		qt_buf_init(&b);
		struct nft_print_opts po = { 0 };
		if (t)
			nft_print_table(t, &po, &b);
		const char *l = qt_buf_str(&b);
		ok(strstr(l, "counter c1 {\n\t\tpackets 3 bytes 84\n") != NULL,
		   "the key's counter counted its three");
		ok(strstr(l, "56 bytes used 56 bytes") != NULL,
		   "the quota what passed it");
		if (!strstr(l, "used 56 bytes"))
			printf("# %s", l);
		qt_buf_free(&b);
	}

	/* what the runtime cannot hold is refused, never half run */
	is_int(nft("flush ruleset\ntable ip t {\n"
		   " set i { type ipv4_addr . inet_service; "
		   "flags interval,timeout; }\n"
		   " chain in { type filter hook input priority 0;\n"
		   "  ip saddr . udp dport @i drop\n }\n}\n"), 0,
	       "a concatenated interval set that expires");
	is_int(compile(), -1, "refused by the walk");
	ok(strstr(qt_buf_str(&err), "concatenated interval sets") != NULL,
	   "saying why");

	threads();

	qt_prog_free(prog);
	is_int((int)qt_nft_store_count(nstore), 0, "runtimes freed with programs");
	qt_nft_store_free(nstore);
	qt_rt_store_free(store);
	qt_ruleset_free(irs);
	nft_ruleset_free(nrs);
	qt_buf_free(&err);
	return done_testing();
}
