/* The handover snapshot (daemon/snapshot.c): connections of every TCP
 * state, UDP, ICMP and IPv6 ones come back with their state and the time they have
 * left, with their counts and labels; rule counters, a -m limit bucket, policy counters and a recent
 * list come back to the same rules; rules that changed get nothing; an
 * image damaged, truncated or of another version is refused whole. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conntrack.h"
#include "eval.h"
#include "recent_lists.h"
#include "snapshot.h"
#include "state_file.h"
#include "qt_test.h"
#include "tap.h"

#define S 1000000000ull

static uint64_t mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * S + (uint64_t)ts.tv_nsec;
}

static struct qt_ct_entry entry(uint8_t proto, uint32_t n, uint64_t expires)
{
	struct qt_ct_entry e;
	memset(&e, 0, sizeof(e));
	e.t[0].src.ip = htonl(0x0a000001);
	e.t[0].dst.ip = htonl(0x0a000100 + n);
	e.t[0].sport = (uint16_t)(40000 + n);
	e.t[0].dport = proto == IPPROTO_ICMP ? 8 << 8 : 80;
	e.t[0].proto = proto;
	qt_ct_invert(&e.t[0], &e.t[1]);
	e.status = QT_IPS_CONFIRMED | QT_IPS_SEEN_REPLY |
		   (n & 1 ? QT_IPS_ASSURED : 0);
	e.mark = 0x100 + n;
	e.id = 1000 + n;
	e.expires = expires;
	return e;
}

static bool same_entry(const struct qt_ct_entry *a, const struct qt_ct_entry *b)
{
	return !memcmp(a->t, b->t, sizeof(a->t)) && a->status == b->status &&
	       a->mark == b->mark && a->id == b->id &&
	       !memcmp(&a->p, &b->p, sizeof(a->p));
}

#define NCT (QT_TCP_MAX - 1 + 7)

static void test_conntrack(void)
{
	struct qt_ct_config cfg;
	qt_ct_config_default(&cfg);
	struct qt_ct *a = qt_ct_new(&cfg, 1024), *b = qt_ct_new(&cfg, 1024);
	uint64_t now = mono();
	struct qt_ct_entry want[NCT];
	unsigned n = 0;
	/* every TCP state an entry can be in, with window data */
	for (unsigned s = QT_TCP_SYN_SENT; s < QT_TCP_MAX; s++, n++) {
		want[n] = entry(IPPROTO_TCP, n, now + (100 + n) * S);
		want[n].p.tcp.state = (uint8_t)s;
		want[n].p.tcp.seen[0].td_end = 0x1000 * s;
		want[n].p.tcp.seen[1].td_maxwin = 0x2000 + s;
		want[n].p.tcp.seen[0].td_scale = 7;
		want[n].p.tcp.last_dir = 1;
	}
	want[n] = entry(IPPROTO_UDP, n, now + (100 + n) * S);
	qt_ct_set_udp_stream_ts(&want[n].p, now + 2 * S);
	n++;
	want[n] = entry(IPPROTO_ICMP, n, now + (100 + n) * S);
	n++;
	/* IPv6: an established TCP connection and an ICMPv6 echo */
	for (int k = 0; k < 2; k++, n++) {
		want[n] = entry(k ? IPPROTO_ICMPV6 : IPPROTO_TCP, n,
				now + (100 + n) * S);
		inet_pton(AF_INET6, "2001:db8::1", want[n].t[0].src.b);
		inet_pton(AF_INET6, "2001:db8:0:1::2", want[n].t[0].dst.b);
		want[n].t[0].dst.b[15] = (uint8_t)n;
		want[n].t[0].ip6 = 1;
		if (k)
			want[n].t[0].dport = 128 << 8;
		else
			want[n].p.tcp.state = QT_TCP_ESTABLISHED;
		qt_ct_invert(&want[n].t[0], &want[n].t[1]);
	}
	/* zones: one tuple in zone 7 and in none, both kept apart */
	want[n] = entry(IPPROTO_UDP, n, now + (100 + n) * S);
	want[n].t[0].zone = want[n].t[1].zone = 7;
	want[n + 1] = want[n];
	want[n + 1].t[0].zone = want[n + 1].t[1].zone = 0;
	want[n + 1].id++;
	want[n + 1].expires += S;
	n += 2;
	/* one about to expire: gone by the time it is loaded */
	want[n] = entry(IPPROTO_UDP, n, now + 2 * S);
	n++;
	for (unsigned i = 0; i < n; i++)
		ok(qt_ct_restore(a, &want[i], now) != NULL, "entry %u made", i);

	struct qt_ct *shards[1] = { a };
	struct qt_snap_src src = { .shards = shards, .nshards = 1 };
	struct qt_buf img, err;
	qt_buf_init(&img);
	qt_buf_init(&err);
	qt_snap_encode(&img, &src, now);

	shards[0] = b;
	struct qt_snap_counts c;
	uint64_t later = now + 5 * S;
	is_int(qt_snap_decode(img.data, img.len, &src, later, &c, &err), 0,
	       "the image loads");
	is_int(c.entries, n - 1, "every live connection is back");
	is_int(c.entries_skipped, 1, "the expired one is not");
	is_int(qt_ct_count(b), n - 1, "in the table");
	for (unsigned i = 0; i + 1 < n; i++) {
		enum qt_ct_dir d;
		struct qt_ct_entry *e = qt_ct_find(b, &want[i].t[1], &d);
		ok(e && d == QT_CT_REPLY && same_entry(e, &want[i]),
		   "%s entry %u (state %u): tuples, status, mark, id, state",
		   qt_ct_proto_name(want[i].t[0].proto), i, want[i].p.tcp.state);
		is_int(e ? qt_ct_seconds_left(e, later) : 0, 100 + i - 5,
		       "entry %u: its timeout ran on through the handover", i);
	}
	/* the restored entries expire as others do */
	is_int(qt_ct_expire(b, now + 200 * S, 1 << 20), n - 1,
	       "restored entries expire from the wheel");

	/* refused images change nothing */
	struct qt_ct *z = qt_ct_new(&cfg, 1024);
	shards[0] = z;
	struct { const char *what; size_t len; size_t flip; } bad[] = {
		{ "checksum", img.len, img.len / 2 },
		{ "checksum", img.len, img.len - 1 },
		{ "truncated", img.len - 1, (size_t)-1 },
		{ "truncated", img.len / 2, (size_t)-1 },
		{ "truncated", 20, (size_t)-1 },
		{ "not a qtables handover", img.len, 0 },
		{ "version", img.len, 8 },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *copy = malloc(img.len);
		memcpy(copy, img.data, img.len);
		if (bad[i].flip != (size_t)-1)
			copy[bad[i].flip] ^= 0x21;
		qt_buf_reset(&err);
		is_int(qt_snap_decode(copy, bad[i].len, &src, later, &c, &err), -1,
		       "damaged image %u refused", i);
		ok(strstr(qt_buf_str(&err), bad[i].what) != NULL,
		   "... saying %s: %s", bad[i].what, qt_buf_str(&err));
		free(copy);
	}
	is_int(qt_ct_count(z), 0, "nothing of a refused image was applied");
	/* another number of tables: connections are not placed */
	struct qt_ct *two[2] = { z, b };
	struct qt_snap_src src2 = { .shards = two, .nshards = 2 };
	qt_buf_reset(&err);
	is_int(qt_snap_decode(img.data, img.len, &src2, later, &c, &err), 0,
	       "an image for one queue loads beside two");
	is_int(qt_ct_count(z), 0, "... without its connections");
	ok(strstr(qt_buf_str(&err), "not taken over") != NULL, "... saying so");
	qt_buf_free(&img);
	qt_buf_free(&err);
	qt_ct_free(a);
	qt_ct_free(b);
	qt_ct_free(z);
}

/* Counts (connbytes, nft ct bytes) and labels come through: a rule
 * matching on them judges a connection the same after a restart. */
static void test_conntrack_ext(void)
{
	struct qt_ct_config cfg;
	qt_ct_config_default(&cfg);
	struct qt_ct *a = qt_ct_new(&cfg, 1024), *b = qt_ct_new(&cfg, 1024);
	uint64_t now = mono();
	struct qt_ct_entry w[3];
	struct qt_ct_entry *in[3];
	for (unsigned i = 0; i < 3; i++) {
		w[i] = entry(IPPROTO_UDP, i, now + 100 * S);
		in[i] = qt_ct_restore(a, &w[i], now);
	}
	struct qt_ct_acct acct = { { 7, 3 }, { 700, 300 } };
	uint8_t lab[16] = { [0] = 0x80, [15] = 0x05 };
	ok(qt_ct_restore_ext(a, in[0], &acct, NULL), "entry 0: counts");
	ok(qt_ct_restore_ext(a, in[1], &acct, lab), "entry 1: counts, labels");
	/* entry 2 made before either was on: neither */
	struct qt_ct *shards[1] = { a };
	struct qt_snap_src src = { .shards = shards, .nshards = 1 };
	struct qt_buf img, err;
	qt_buf_init(&img);
	qt_buf_init(&err);
	qt_snap_encode(&img, &src, now);
	shards[0] = b;
	struct qt_snap_counts c;
	ok(!qt_ct_ext_on(b), "the new table counts nothing yet");
	is_int(qt_snap_decode(img.data, img.len, &src, now + S, &c, &err), 0,
	       "the image loads: %s", qt_buf_str(&err));
	is_int(c.entries, 3, "the three connections are back");
	struct qt_ct_acct got;
	uint8_t gl[16];
	enum qt_ct_dir d;
	struct qt_ct_entry *e = qt_ct_find(b, &w[0].t[0], &d);
	ok(e && qt_ct_acct_get(b, e, &got) && !memcmp(&got, &acct, sizeof(got)),
	   "entry 0: its counts, both directions");
	ok(e && !qt_ct_labels_get(b, e, gl), "entry 0: no labels");
	e = qt_ct_find(b, &w[1].t[0], &d);
	ok(e && qt_ct_acct_get(b, e, &got) && !memcmp(&got, &acct, sizeof(got)) &&
	   qt_ct_labels_get(b, e, gl) && !memcmp(gl, lab, 16),
	   "entry 1: its counts and labels");
	e = qt_ct_find(b, &w[2].t[0], &d);
	ok(e && !qt_ct_acct_get(b, e, &got) && !qt_ct_labels_get(b, e, gl),
	   "entry 2: none, as before");
	ok(qt_ct_ext_on(b), "the new table keeps them from now on");
	/* a table that keeps none writes the image as before: no section
	 * an older daemon would not know */
	struct qt_ct *p = qt_ct_new(&cfg, 1024);
	for (unsigned i = 0; i < 3; i++)
		ok(qt_ct_restore(p, &w[i], now) != NULL, "plain entry %u", i);
	shards[0] = p;
	struct qt_buf img2;
	qt_buf_init(&img2);
	qt_snap_encode(&img2, &src, now);
	shards[0] = a;
	struct qt_buf img3;
	qt_buf_init(&img3);
	qt_snap_encode(&img3, &src, now);
	/* a section's head (tag, length, shard, count: 20 bytes) and a
	 * record of 96 bytes for each of the two connections with any */
	is_int(img3.len - img2.len, 20 + 2 * 96,
	       "counts and labels: one more section, two records");
	qt_buf_free(&img);
	qt_buf_free(&img2);
	qt_buf_free(&img3);
	qt_buf_free(&err);
	qt_ct_free(a);
	qt_ct_free(b);
	qt_ct_free(p);
}

/* The rules, their runtimes made in store (states included), as a
 * compile makes them. */
static struct qt_ruleset *rules(const char *const *cmds, unsigned n,
				struct qt_rt_store *store)
{
	struct qt_ruleset *rs = qt_ruleset_new(0);
	struct qt_test_result r;
	for (unsigned i = 0; i < n; i++) {
		qt_test_cmd(&rs, cmds[i], &r);
		if (r.status)
			printf("# %s: %s", cmds[i], qt_buf_str(&r.err));
		qt_test_result_free(&r);
	}
	struct qt_table *t = rs->tables[QT_TABLE_FILTER];
	for (unsigned ci = 0; t && ci < t->nchains; ci++)
		for (unsigned k = 0; k < t->chains[ci]->nrules; k++) {
			struct qt_buf err;
			qt_buf_init(&err);
			if (qt_rt_make(qt_rt_get(store, t->chains[ci]->rules[k]),
				       NULL, &err) < 0)
				printf("# %s", qt_buf_str(&err));
			qt_buf_free(&err);
		}
	return rs;
}

static struct qt_rule_rt *rule(struct qt_rt_store *store,
			       struct qt_ruleset *rs, const char *chain,
			       unsigned k)
{
	return qt_rt_find(store,
		qt_table_chain(rs->tables[QT_TABLE_FILTER], chain)->rules[k]);
}

/* Of n packets from 10.0.0.SRC at now, how many the rule's first
 * match (a bucket) lets through. */
static int hits_from(struct qt_rule_rt *r, uint8_t src, uint64_t now, int n)
{
	uint8_t pkt[28] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0,
			    10, 0, 0, src, 10, 9, 9, 9 };
	struct qt_eval ev;
	int hits = 0;
	for (int i = 0; i < n; i++) {
		qt_eval_init(&ev, pkt, sizeof(pkt), sizeof(pkt), sizeof(pkt),
			     QT_HOOK_LOCAL_IN, NULL);
		ev.now_ns = now;
		hits += r->matches[0].in.ext->match(&r->matches[0].in, &ev);
	}
	return hits;
}

static int limit_hits(struct qt_rule_rt *r, uint64_t now, int n)
{
	return hits_from(r, 1, now, n);
}

static void test_rules(void)
{
	static const char *const before[] = {
		"-A INPUT -m limit --limit 1/min --limit-burst 3 -j ACCEPT",
		"-A INPUT -s 10.0.0.1 -j ACCEPT",
		"-N LOGS",
		"-A LOGS -p tcp --dport 22 -j DROP",
		"-P INPUT DROP",
		("-A LOGS -m hashlimit --hashlimit-upto 1/min --hashlimit-burst 2 "
		 "--hashlimit-mode srcip --hashlimit-name hot"),
	};
	/* the next daemon's: rule 2 of INPUT changed */
	static const char *const after[] = {
		"-A INPUT -m limit --limit 1/min --limit-burst 3 -j ACCEPT",
		"-A INPUT -s 10.0.0.2 -j ACCEPT",
		"-N LOGS",
		"-A LOGS -p tcp --dport 22 -j DROP",
		"-P INPUT DROP",
		("-A LOGS -m hashlimit --hashlimit-upto 1/min --hashlimit-burst 2 "
		 "--hashlimit-mode srcip --hashlimit-name hot"),
	};
	struct qt_rt_store *s1 = qt_rt_store_new(), *s2 = qt_rt_store_new();
	struct qt_ruleset *rs = rules(before, 6, s1), *rs2 = rules(after, 6, s2);
	uint64_t now = mono() + S;
	is_int(limit_hits(rule(s1, rs, "INPUT", 0), now, 5), 3,
	       "the burst of 3 is spent before the handover");
	is_int(hits_from(rule(s1, rs, "LOGS", 1), 5, now, 3), 2,
	       "hashlimit: 2 of 3 from 10.0.0.5 before the handover");
	rule(s1, rs, "INPUT", 0)->cnt = (struct qt_counters){ 3, 84 };
	rule(s1, rs, "INPUT", 1)->cnt = (struct qt_counters){ 7, 700 };
	rule(s1, rs, "LOGS", 0)->cnt = (struct qt_counters){ 11, 1100 };
	qt_rt_store_policy(s1)->c[QT_TABLE_FILTER][QT_HOOK_LOCAL_IN] =
		(struct qt_counters){ 42, 4242 };

	/* a recent list with two addresses */
	struct qt_recent_list *l = qt_recent_get("handover_t", 0, 250);
	qt_recent_write("handover_t", "+10.0.0.7", 9, now);
	qt_recent_write("handover_t", "+10.0.0.8", 9, now + S);
	qt_recent_write("handover_t", "+10.0.0.7", 9, now + 2 * S);
	struct qt_buf d1, d2, img, err;
	qt_buf_init(&d1);
	qt_buf_init(&d2);
	qt_buf_init(&img);
	qt_buf_init(&err);
	qt_recent_dump("handover_t", &d1);

	struct qt_snap_src src = { .rs = rs, .store = s1 };
	qt_snap_encode(&img, &src, now);
	qt_recent_write("handover_t", "/", 1, now);
	qt_recent_dump("handover_t", &d2);
	is_str(qt_buf_str(&d2), "", "the list is flushed");

	struct qt_snap_src dst = { .rs = rs2, .store = s2 };
	struct qt_snap_counts c;
	is_int(qt_snap_decode(img.data, img.len, &dst, now, &c, &err), 0,
	       "rules and lists load");
	is_int(c.rules, 3, "three rules found again");
	is_int(c.states_skipped, 0, "every state fitted its rule");
	is_int(c.rules_skipped, 1, "the changed one is not");
	is_int(c.lists, 1, "the recent list is back");
	is_int(c.policies, 3, "the policy counters of filter's chains are back");
	is_int(limit_hits(rule(s2, rs2, "INPUT", 0), now, 5), 0,
	       "the limit bucket is still spent after the handover");
	is_int(hits_from(rule(s2, rs2, "LOGS", 1), 5, now, 1), 0,
	       "hashlimit: 10.0.0.5's bucket is still spent after it");
	is_int(hits_from(rule(s2, rs2, "LOGS", 1), 6, now, 3), 2,
	       "hashlimit: another source has its own, full bucket");
	is_int(rule(s2, rs2, "INPUT", 0)->cnt.pkts, 3, "counters of INPUT 1");
	is_int(rule(s2, rs2, "INPUT", 0)->cnt.bytes, 84, "bytes of INPUT 1");
	is_int(rule(s2, rs2, "INPUT", 1)->cnt.pkts, 0,
	       "a changed rule starts from its own counters");
	is_int(rule(s2, rs2, "LOGS", 0)->cnt.pkts, 11, "counters of a user chain's rule");
	is_int(qt_rt_store_policy(s2)->c[QT_TABLE_FILTER][QT_HOOK_LOCAL_IN].pkts, 42,
	       "policy packets");
	qt_buf_reset(&d2);
	qt_recent_dump("handover_t", &d2);
	is_str(qt_buf_str(&d2), qt_buf_str(&d1),
	       "the recent list's addresses and stamps are the same");
	qt_recent_put(l);
	qt_buf_free(&d1);
	qt_buf_free(&d2);
	qt_buf_free(&img);
	qt_buf_free(&err);
	qt_rt_store_free(s1);
	qt_rt_store_free(s2);
	qt_ruleset_free(rs);
	qt_ruleset_free(rs2);
}

/* The IPv6 ruleset goes in the image too: its rules' counters and its
 * policy counters under tags of their own (an IPv4 rule of the same
 * text takes none of them), and its text, which a next daemon without
 * a state file restores. */
static void test_rules6(void)
{
	struct qt_rt_store *s4 = qt_rt_store_new(), *s6 = qt_rt_store_new(),
			   *t6 = qt_rt_store_new(), *t4 = qt_rt_store_new();
	struct qt_ruleset *rs6 = qt_ruleset_new(AF_INET6);
	struct qt_test_result r;
	qt_test_restore(&rs6, "*filter\n:INPUT DROP [0:0]\n"
			"-A INPUT -s 2001:db8::/32 -j ACCEPT\n"
			"-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n",
			"", &r);
	is_int(r.status, 0, "IPv6 ruleset restored");
	qt_test_result_free(&r);
	struct qt_table *t = rs6->tables[QT_TABLE_FILTER];
	for (unsigned k = 0; k < 2; k++)
		qt_rt_get(s6, t->chains[0]->rules[k])->cnt =
			(struct qt_counters){ 5 + k, 500 + k };
	qt_rt_store_policy(s6)->c[QT_TABLE_FILTER][QT_HOOK_LOCAL_IN] =
		(struct qt_counters){ 9, 900 };
	/* an IPv4 rule with the same text as IPv6's second */
	static const char *const v4[] = { "-A INPUT -p tcp --dport 22 -j ACCEPT" };
	struct qt_ruleset *rs4 = rules(v4, 1, s4);
	uint64_t now = mono() + S;
	struct qt_buf img, err, text;
	qt_buf_init(&img);
	qt_buf_init(&err);
	qt_buf_init(&text);
	struct qt_snap_src src = { .rs = rs4, .store = s4, .rs6 = rs6,
				   .store6 = s6 };
	qt_snap_encode(&img, &src, now);
	is_int(qt_snap_text6(img.data, img.len, now, &text, &err), 1,
	       "the IPv6 ruleset's text is in the image");
	struct qt_ruleset *back = NULL;
	is_int(qt_state_parse6(qt_buf_str(&text), text.len, &back, NULL, &err),
	       0, "and restores: %s", qt_buf_str(&err));
	struct qt_ruleset *rs4b = rules(v4, 1, t4);
	struct qt_snap_src dst = { .rs = rs4b, .store = t4, .rs6 = back,
				   .store6 = t6 };
	struct qt_snap_counts c;
	is_int(qt_snap_decode(img.data, img.len, &dst, now, &c, &err), 0,
	       "the image loads");
	is_int(c.rules, 3, "two IPv6 rules and the IPv4 one found again");
	const struct qt_table *bt = back ? back->tables[QT_TABLE_FILTER] : NULL;
	const struct qt_rule_rt *x = bt ? qt_rt_find(t6, bt->chains[0]->rules[1])
				       : NULL;
	ok(x && x->cnt.pkts == 6 && x->cnt.bytes == 501,
	   "an IPv6 rule's counters are back");
	is_int(qt_rt_store_policy(t6)->c[QT_TABLE_FILTER][QT_HOOK_LOCAL_IN].pkts,
	       9, "the IPv6 policy counters are back");
	is_int(rule(t4, rs4b, "INPUT", 0)->cnt.pkts, 0,
	       "the IPv4 rule of the same text keeps its own (none)");
	is_int(qt_rt_store_policy(t4)->c[QT_TABLE_FILTER][QT_HOOK_LOCAL_IN].pkts,
	       0, "and IPv4's policy counters are not IPv6's");
	qt_buf_reset(&text);
	src.rs6 = NULL;
	qt_buf_reset(&img);
	qt_snap_encode(&img, &src, now);
	is_int(qt_snap_text6(img.data, img.len, now, &text, &err), 0,
	       "no IPv6 ruleset: no text");
	qt_buf_free(&img);
	qt_buf_free(&err);
	qt_buf_free(&text);
	qt_ruleset_free(rs6);
	qt_ruleset_free(back);
	qt_ruleset_free(rs4);
	qt_ruleset_free(rs4b);
	qt_rt_store_free(s4);
	qt_rt_store_free(s6);
	qt_rt_store_free(t4);
	qt_rt_store_free(t6);
}

int main(void)
{
	test_conntrack();
	test_conntrack_ext();
	test_rules();
	test_rules6();
	return done_testing();
}
