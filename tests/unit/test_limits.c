/* -m limit and -m hashlimit on the packet path: rules typed as iptables
 * commands, their state made as the engine makes it, packets judged at
 * times the test chooses. Expected counts follow from the kernel's
 * buckets (nft_limit for -m limit under iptables-nft, xt_hashlimit
 * revision 3 at HZ=250 for -m hashlimit; see test_ratelimit.c) and from
 * xt_hashlimit's table rules (masks, ports, expiry by the collector,
 * htable-max at least htable-size, a full table drops the packet). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "eval.h"
#include "qt_test.h"
#include "tap.h"

#define MS 1000000ull
#define S (1000 * MS)
#define JIFFY (4 * MS)        /* HZ=250, used without an engine env */

static uint64_t base;         /* a jiffy boundary after the states were made */

static void set_base(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	base = (uint64_t)ts.tv_sec * S + (uint64_t)ts.tv_nsec + 2 * JIFFY;
	base -= base % JIFFY;
}

struct pk {
	uint8_t proto;
	const char *src, *dst;
	uint16_t sport, dport;
	uint16_t len;         /* IP total length (0: 28) */
};

static uint32_t build(uint8_t *b, const struct pk *p)
{
	uint16_t len = p->len ? p->len : 28;
	uint16_t v;

	memset(b, 0, 1500);
	b[0] = 0x45;
	v = htons(len);
	memcpy(b + 2, &v, 2);
	b[8] = 64;
	b[9] = p->proto ? p->proto : IPPROTO_UDP;
	inet_pton(AF_INET, p->src ? p->src : "10.0.0.1", b + 12);
	inet_pton(AF_INET, p->dst ? p->dst : "10.9.9.9", b + 16);
	if (len >= 24) {
		v = htons(p->sport ? p->sport : 1000);
		memcpy(b + 20, &v, 2);
		v = htons(p->dport ? p->dport : 53);
		memcpy(b + 22, &v, 2);
	}
	if (len >= 28) {
		v = htons((uint16_t)(len - 20));
		memcpy(b + 24, &v, 2);
	}
	return len;
}

static int drops;             /* hot drops seen by run() */

/* n packets like p at base + t: how many match. */
static int run(const struct qt_ext_inst *in, uint64_t t, int n,
	       const struct pk *p)
{
	static uint8_t buf[1500];
	struct qt_eval ev;
	int hits = 0;

	for (int i = 0; i < n; i++) {
		uint32_t len = build(buf, p);
		qt_eval_init(&ev, buf, len, sizeof(buf), len,
			     QT_HOOK_LOCAL_IN, NULL);
		ev.now_ns = base + t;
		if (in->ext->match(in, &ev))
			hits++;
		if (ev.hotdrop)
			drops++;
	}
	return hits;
}

/* Add the rules (INPUT), return the match of each rule, states made. */
static struct qt_ruleset *rules(const char **cmds, int n,
				struct qt_ext_inst **out)
{
	struct qt_ruleset *rs = qt_ruleset_new(0);
	struct qt_test_result r;

	for (int i = 0; i < n; i++) {
		qt_test_cmd(&rs, cmds[i], &r);
		is_int(r.status, 0, "iptables %s", cmds[i]);
		if (r.status)
			printf("# %s", qt_buf_str(&r.err));
		qt_test_result_free(&r);
	}
	struct qt_chain *c = qt_table_chain(rs->tables[QT_TABLE_FILTER], "INPUT");
	for (int i = 0; i < n; i++) {
		out[i] = qt_test_run(&c->rules[i]->matches[c->rules[i]->nmatches - 1]);
		is_int(out[i] ? 0 : -1, 0, "state made for rule %d", i + 1);
	}
	set_base();
	drops = 0;
	return rs;
}

static void test_limit(void)
{
	const char *cmds[] = {
		"-A INPUT -m limit --limit 10/minute --limit-burst 3",
		"-A INPUT -m limit",
		"-A INPUT -m limit --limit 10/sec --limit-burst 1",
	};
	struct qt_ext_inst *m[3];
	struct qt_ruleset *rs = rules(cmds, 3, m);
	struct pk p = { 0 };

	is_int(run(m[0], 0, 10, &p), 3, "limit 10/min burst 3: 3 of 10 at once");
	is_int(run(m[0], 6 * S - 1, 1, &p), 0, "1 ns short of 6 s: none");
	is_int(run(m[0], 6 * S, 2, &p), 1, "6 s after the burst: one more");
	is_int(run(m[0], 12 * S, 1, &p), 1, "12 s: one more");
	is_int(run(m[0], 1000 * S, 10, &p), 3, "long idle: refill capped at the burst");

	is_int(run(m[1], 0, 20, &p), 5, "defaults 3/hour burst 5: 5 pass");
	is_int(run(m[1], 1199 * S, 1, &p), 0, "3/hour: 1199 s not enough");
	is_int(run(m[1], 1200 * S, 1, &p), 1, "3/hour: 1200 s gives one");

	is_int(run(m[2], 0, 3, &p), 1, "10/sec burst 1: one at once");
	is_int(run(m[2], 100 * MS, 1, &p), 1, "100 ms later: one");
	is_int(run(m[2], 150 * MS, 1, &p), 0, "50 ms after that: none");
	/* a packet stamped earlier than one already judged (another
	 * thread's burst) must not be taken for a huge refill */
	is_int(run(m[2], 120 * MS, 3, &p), 0, "an earlier stamp refills nothing");
	is_int(run(m[2], 200 * MS, 1, &p), 1, "200 ms: one");
	qt_test_runs_free();
	qt_ruleset_free(rs);
}

static void test_hashlimit_srcip(void)
{
	const char *cmds[] = {
		"-A INPUT -m hashlimit --hashlimit-upto 10/min --hashlimit-burst 3 "
		"--hashlimit-mode srcip --hashlimit-srcmask 24 --hashlimit-name a",
		"-A INPUT -m hashlimit --hashlimit-upto 10/min --hashlimit-burst 3 "
		"--hashlimit-mode dstip --hashlimit-name b",
	};
	struct qt_ext_inst *m[2];
	struct qt_ruleset *rs = rules(cmds, 2, m);
	struct pk a1 = { .src = "10.0.0.1" }, a2 = { .src = "10.0.0.200" };
	struct pk b1 = { .src = "10.0.1.1" }, c1 = { .src = "192.168.0.1" };

	is_int(run(m[0], 0, 5, &a1), 3, "srcip/24: 10.0.0.1 gets its burst of 3");
	is_int(run(m[0], 0, 2, &a2), 0, "10.0.0.200 is in the same /24: none");
	is_int(run(m[0], 0, 5, &b1), 3, "10.0.1.1 has its own bucket");
	is_int(run(m[0], 0, 5, &c1), 3, "192.168.0.1 too");
	is_int(run(m[0], 6 * S - JIFFY, 1, &a2), 0, "1499 jiffies: none for the /24");
	is_int(run(m[0], 6 * S, 2, &a2), 1, "1500 jiffies: one");

	/* dstip mode: sources do not matter, the source mask neither */
	struct pk d1 = { .src = "1.1.1.1", .dst = "10.1.1.1" };
	struct pk d2 = { .src = "2.2.2.2", .dst = "10.1.1.1" };
	struct pk d3 = { .src = "1.1.1.1", .dst = "10.1.1.2" };
	is_int(run(m[1], 0, 2, &d1), 2, "dstip: two to 10.1.1.1");
	is_int(run(m[1], 0, 2, &d2), 1, "from elsewhere to 10.1.1.1: the one left");
	is_int(run(m[1], 0, 4, &d3), 3, "10.1.1.2: its own burst");
	is_int(drops, 0, "no packet dropped");
	qt_test_runs_free();
	qt_ruleset_free(rs);
}

static void test_hashlimit_ports(void)
{
	const char *cmds[] = {
		"-A INPUT -p udp -m hashlimit --hashlimit-upto 1/sec --hashlimit-burst 1 "
		"--hashlimit-mode dstport --hashlimit-name dp",
		"-A INPUT -m hashlimit --hashlimit-upto 1/sec --hashlimit-burst 1 "
		"--hashlimit-mode srcip,srcport --hashlimit-name sp",
	};
	struct qt_ext_inst *m[2];
	struct qt_ruleset *rs = rules(cmds, 2, m);

	struct pk p80 = { .dport = 80 }, p81 = { .dport = 81 };
	struct pk p80b = { .src = "10.7.7.7", .sport = 4444, .dport = 80 };
	is_int(run(m[0], 0, 3, &p80), 1, "dstport: one to port 80");
	is_int(run(m[0], 0, 3, &p81), 1, "port 81 has its own bucket");
	is_int(run(m[0], 0, 1, &p80b), 0, "other source and port, same dport: none");
	is_int(run(m[0], 1 * S, 2, &p80b), 1, "1 s later: one again");

	struct pk s1 = { .src = "10.0.0.1", .sport = 1000 };
	struct pk s2 = { .src = "10.0.0.1", .sport = 1001 };
	struct pk s3 = { .src = "10.0.0.2", .sport = 1000 };
	struct pk s1d = { .src = "10.0.0.1", .sport = 1000, .dport = 99 };
	is_int(run(m[1], 0, 2, &s1), 1, "srcip,srcport: one for 10.0.0.1:1000");
	is_int(run(m[1], 0, 2, &s2), 1, "10.0.0.1:1001 is another flow");
	is_int(run(m[1], 0, 2, &s3), 1, "10.0.0.2:1000 too");
	is_int(run(m[1], 0, 1, &s1d), 0, "the destination port is not in the key");
	/* ICMP has no ports: all of it shares the zero port */
	struct pk i1 = { .proto = IPPROTO_ICMP, .src = "10.0.0.1", .sport = 1 };
	struct pk i2 = { .proto = IPPROTO_ICMP, .src = "10.0.0.1", .sport = 2 };
	is_int(run(m[1], 0, 1, &i1) + run(m[1], 0, 1, &i2), 1,
	       "ICMP from one source: one bucket whatever its bytes");
	is_int(drops, 0, "no packet dropped yet");
	/* a UDP header cut short: the ports cannot be read, hot drop */
	struct pk cut = { .len = 22 };
	is_int(run(m[1], 0, 1, &cut), 0, "truncated ports do not match");
	is_int(drops, 1, "and the packet is dropped");
	qt_test_runs_free();
	qt_ruleset_free(rs);
}

static void test_hashlimit_modes(void)
{
	const char *cmds[] = {
		"-A INPUT -m hashlimit --hashlimit-above 10/sec --hashlimit-burst 2 "
		"--hashlimit-name ab",
		"-A INPUT -m hashlimit --hashlimit-upto 1kb/s --hashlimit-name by",
		"-A INPUT -m hashlimit --hashlimit-upto 2/sec --hashlimit-rate-match "
		"--hashlimit-name rm",
		"-A INPUT -m hashlimit ! --hashlimit-upto 10/sec --hashlimit-burst 2 "
		"--hashlimit-name ab2",
	};
	struct qt_ext_inst *m[4];
	struct qt_ruleset *rs = rules(cmds, 4, m);
	struct pk p = { 0 }, q = { .src = "10.3.3.3" };
	struct pk b100 = { .len = 100 };

	is_int(run(m[0], 0, 5, &p), 3, "above 10/sec burst 2: 3 of 5 are over");
	is_int(run(m[0], 0, 5, &q), 5, "no mode: one bucket for all sources, all 5 over");
	is_int(run(m[0], 100 * MS, 2, &p), 1, "100 ms: one under, one over");
	is_int(run(m[3], 0, 5, &p), 3, "! --hashlimit-upto is --hashlimit-above");

	is_int(run(m[1], 0, 10, &b100), 9, "1kb/s: 9 packets of 100 bytes");
	is_int(run(m[1], 19 * JIFFY, 1, &b100), 0, "19 jiffies: short");
	is_int(run(m[1], 20 * JIFFY, 1, &b100), 1, "20 jiffies: enough for 7 chunks");

	is_int(run(m[2], 0, 10, &p), 7, "rate-match 2/sec: 7 in the first window");
	is_int(run(m[2], 1 * S, 2, &p), 0, "the window was over the rate: none");
	is_int(run(m[2], 2 * S, 3, &p), 3, "2 in the last window is the rate: all pass");
	is_int(run(m[2], 3 * S, 1, &p), 0, "3 in a window is over it again");
	qt_test_runs_free();
	qt_ruleset_free(rs);
}

static void test_hashlimit_expire(void)
{
	const char *cmds[] = {
		"-A INPUT -m hashlimit --hashlimit-upto 1/min --hashlimit-burst 1 "
		"--hashlimit-mode srcip --hashlimit-name ex "
		"--hashlimit-htable-expire 1000 --hashlimit-htable-gcinterval 500",
	};
	struct qt_ext_inst *m[1];
	struct qt_ruleset *rs = rules(cmds, 1, m);
	struct pk a = { .src = "10.0.0.1" };

	is_int(run(m[0], 0, 2, &a), 1, "1/min burst 1: one");
	is_int(run(m[0], 900 * MS, 1, &a), 0, "0.9 s later: the entry is alive, empty");
	/* it expires at 1.9 s; the collector runs every 0.5 s */
	is_int(run(m[0], 1900 * MS - JIFFY, 1, &a), 0,
	       "just before expiring (and refreshed): empty");
	/* expires at 2.896 s; a collector run comes by 3.396 s */
	is_int(run(m[0], 3400 * MS, 2, &a), 1,
	       "idle past expiry and a collector run: a fresh bucket");
	is_int(run(m[0], 3500 * MS, 1, &a), 0, "which the packet used up");
	qt_test_runs_free();
	qt_ruleset_free(rs);
}

static void test_hashlimit_max(void)
{
	const char *cmds[] = {
		"-A INPUT -m hashlimit --hashlimit-upto 1/min --hashlimit-burst 1 "
		"--hashlimit-mode srcip --hashlimit-name mx "
		"--hashlimit-htable-size 16 --hashlimit-htable-max 16 "
		"--hashlimit-htable-expire 2000 --hashlimit-htable-gcinterval 1000",
		/* the kernel raises htable-max to htable-size */
		"-A INPUT -m hashlimit --hashlimit-upto 1/min --hashlimit-burst 1 "
		"--hashlimit-mode srcip --hashlimit-name mx2 "
		"--hashlimit-htable-size 16 --hashlimit-htable-max 4",
	};
	struct qt_ext_inst *m[2];
	struct qt_ruleset *rs = rules(cmds, 2, m);
	char src[32];
	int pass = 0, pass2 = 0;

	for (int i = 0; i < 16; i++) {
		snprintf(src, sizeof(src), "10.0.0.%d", i + 1);
		struct pk p = { .src = src };
		pass += run(m[0], 0, 1, &p);
		pass2 += run(m[1], 0, 1, &p);
	}
	is_int(pass, 16, "16 sources fill htable-max 16");
	is_int(pass2, 16, "htable-max 4 below htable-size 16 holds 16");
	is_int(drops, 0, "none dropped");
	struct pk more = { .src = "10.0.1.1" };
	is_int(run(m[0], 0, 1, &more), 0, "a 17th source does not match");
	is_int(drops, 1, "it is dropped: the table is full");
	struct pk old = { .src = "10.0.0.3" };
	is_int(run(m[0], 0, 1, &old), 0, "a known source is still judged (empty)");
	is_int(drops, 1, "and not dropped");
	is_int(run(m[1], 0, 1, &more), 0, "the other table is full at 16 too");
	is_int(drops, 2, "dropped");
	/* all entries expire by 2 s (the one refreshed: 2 s), collected by 3 s */
	is_int(run(m[0], 3100 * MS, 1, &more), 1, "after collection there is room");
	is_int(drops, 2, "not dropped");
	qt_test_runs_free();
	qt_ruleset_free(rs);
}

static void test_hashlimit_shared(void)
{
	const char *cmds[] = {
		"-A INPUT -m hashlimit --hashlimit-upto 10/min --hashlimit-burst 2 "
		"--hashlimit-name shared",
		"-A INPUT -m hashlimit --hashlimit-above 10/min --hashlimit-burst 2 "
		"--hashlimit-name shared",
		"-A INPUT -m hashlimit --hashlimit-upto 10/min --hashlimit-burst 2 "
		"--hashlimit-name other",
	};
	struct qt_ext_inst *m[3];
	struct qt_ruleset *rs = rules(cmds, 3, m);
	struct pk p = { 0 };

	ok(qt_ext_state(m[0]) == qt_ext_state(m[1]), "same name: one table");
	ok(qt_ext_state(m[0]) != qt_ext_state(m[2]), "another name: another table");
	is_int(run(m[0], 0, 1, &p), 1, "rule 1 takes one of the shared burst");
	is_int(run(m[1], 0, 1, &p), 0, "rule 2 (above) takes the other: under, no match");
	is_int(run(m[0], 0, 1, &p), 0, "rule 1 finds the bucket empty");
	is_int(run(m[1], 0, 1, &p), 1, "rule 2 is over the limit");
	is_int(run(m[2], 0, 3, &p), 2, "the other name has its own burst");
	/* one rule goes; the table stays for the other */
	qt_test_run_free(m[1]);
	is_int(run(m[0], 0, 1, &p), 0, "the table (and its empty bucket) lives on");
	is_int(run(m[0], 6 * S, 1, &p), 1, "refilled at the rate");
	qt_test_runs_free();
	qt_ruleset_free(rs);
}

int main(void)
{
	test_limit();
	test_hashlimit_srcip();
	test_hashlimit_ports();
	test_hashlimit_modes();
	test_hashlimit_expire();
	test_hashlimit_max();
	test_hashlimit_shared();
	return done_testing();
}
