/* The engine's per-rule runtime across commits (engine/rt_store.h): a
 * rule that carries over into the next program keeps its counters and
 * its extension state, a new rule starts afresh, a rule gone is freed
 * by the sweep; and the counters the parser reads and sets through the
 * store's interface are those packets count. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "program.h"
#include "qt_test.h"
#include "rt_store.h"
#include "tap.h"

/* A UDP packet 10.0.0.1:1000 -> 10.0.0.2:DPORT judged at INPUT. */
static int judge(const struct qt_prog *p, uint16_t dport)
{
	uint8_t b[28] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0,
			  10, 0, 0, 1, 10, 0, 0, 2,
			  0x03, 0xe8, 0, 0, 0, 8, 0, 0 };
	b[22] = (uint8_t)(dport >> 8);
	b[23] = (uint8_t)dport;
	struct qt_eval ev;
	qt_eval_init(&ev, b, sizeof(b), sizeof(b), sizeof(b),
		     QT_HOOK_LOCAL_IN, NULL);
	ev.now_ns = 1000000000ull;
	return qt_prog_eval(p, &ev, NULL);
}

static struct qt_rule *rule_at(struct qt_ruleset *rs, unsigned k)
{
	return qt_table_chain(rs->tables[QT_TABLE_FILTER], "INPUT")->rules[k];
}

static void cmd(struct qt_ruleset **rs, const char *c)
{
	struct qt_test_result r;
	if (qt_test_cmd(rs, c, &r))
		printf("# %s: %s", c, qt_buf_str(&r.err));
	qt_test_result_free(&r);
}

static void sweep(struct qt_rt_store *s, const struct qt_ruleset *rs,
		  const struct qt_prog *p)
{
	qt_rt_store_mark_ruleset(s, rs);
	qt_prog_mark(p, s);
	qt_rt_store_sweep(s);
}

int main(void)
{
	struct qt_rt_store *s = qt_rt_store_new();
	struct qt_ruleset *rs = qt_ruleset_new(AF_INET);
	struct qt_buf err;
	qt_buf_init(&err);
	cmd(&rs, "-A INPUT -p udp --dport 53 -m limit --limit 1/hour "
		 "--limit-burst 2 -j ACCEPT");
	cmd(&rs, "-A INPUT -p udp --dport 53 -j DROP");
	cmd(&rs, "-P INPUT ACCEPT");

	struct qt_prog *p1 = qt_prog_compile(rs, NULL, s, &err);
	ok(p1 != NULL, "compiled");
	struct qt_rule *limited = rule_at(rs, 0), *dropper = rule_at(rs, 1);
	is_int(judge(p1, 53), QT_XT_ACCEPT, "1st: within the burst");
	is_int(judge(p1, 53), QT_XT_ACCEPT, "2nd: within the burst");
	is_int(judge(p1, 53), QT_XT_DROP, "3rd: burst spent, the next rule drops");
	judge(p1, 80);
	const struct qt_rule_rt *rt = qt_rt_find(s, limited);
	is_int(rt ? (int)rt->cnt.pkts : -1, 2, "rule 1 counted 2 packets");
	is_int(rt ? (int)rt->cnt.bytes : -1, 56, "and their bytes");
	is_int((int)qt_rt_store_policy(s)->c[QT_TABLE_FILTER][QT_HOOK_LOCAL_IN].pkts,
	       1, "the policy counted the other one");
	void *bucket = rt ? rt->matches[1].state : NULL;
	ok(bucket != NULL, "the limit's bucket is in the runtime");

	/* the next commit: a rule inserted before both */
	struct qt_ruleset *rs2 = qt_ruleset_clone(rs);
	cmd(&rs2, "-I INPUT -p udp --dport 99 -j DROP");
	struct qt_prog *p2 = qt_prog_compile_from(rs2, NULL, s, p1, &err);
	ok(p2 != NULL, "the next program compiled");
	ok(rule_at(rs2, 1) == limited, "the rule carried over is the same rule");
	const struct qt_rule_rt *rt2 = qt_rt_find(s, limited);
	ok(rt2 == rt, "and has the same runtime");
	is_int(rt2 ? (int)rt2->cnt.pkts : -1, 2, "its counters go on");
	ok(rt2 && rt2->matches[1].state == bucket, "its bucket goes on");
	is_int(judge(p2, 53), QT_XT_DROP, "the spent bucket still refuses");
	const struct qt_rule_rt *fresh = qt_rt_find(s, rule_at(rs2, 0));
	is_int(fresh ? (int)fresh->cnt.pkts : -1, 0, "the new rule starts at 0");
	qt_prog_free(p1);
	sweep(s, rs2, p2);
	is_int((int)qt_rt_store_count(s), 3, "nothing in use was swept");

	/* the parser's interface: what it reads is what packets counted;
	 * what it sets is what packets count on from */
	const struct qt_counter_io *io = qt_rt_store_io(s);
	struct qt_counters c = io->rule_get(io->user, dropper);
	is_int((int)c.pkts, 2, "read through the interface: rule 2's packets");
	io->rule_set(io->user, dropper, (struct qt_counters){ 100, 1000 });
	judge(p2, 53);
	c = io->rule_get(io->user, dropper);
	is_int((int)c.pkts, 101, "set through the interface, counted on");
	is_int((int)c.bytes, 1028, "bytes too");
	io->policy_set(io->user, QT_TABLE_FILTER, QT_HOOK_LOCAL_IN,
		       (struct qt_counters){ 0, 0 });
	judge(p2, 80);
	is_int((int)io->policy_get(io->user, QT_TABLE_FILTER,
				   QT_HOOK_LOCAL_IN).pkts, 1,
	       "policy counters: zeroed, then one packet");

	/* rule 2 deleted: its runtime goes once no program uses it */
	struct qt_ruleset *rs3 = qt_ruleset_clone(rs2);
	cmd(&rs3, "-D INPUT 3");
	struct qt_prog *p3 = qt_prog_compile_from(rs3, NULL, s, p2, &err);
	sweep(s, rs3, p2);
	ok(qt_rt_find(s, dropper) != NULL,
	   "kept while the program before still uses it");
	qt_prog_free(p2);
	qt_ruleset_free(rs2);
	qt_ruleset_free(rs);
	sweep(s, rs3, p3);
	is_int((int)qt_rt_store_count(s), 2, "swept once no program uses it");
	ok(qt_rt_find(s, limited) != NULL, "the others stay");

	qt_prog_free(p3);
	qt_ruleset_free(rs3);
	qt_rt_store_free(s);
	qt_buf_free(&err);
	return done_testing();
}
