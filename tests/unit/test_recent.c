/* -m recent on the packet path with a fake clock (HZ=250 without an
 * engine env), and the /proc/net/xt_recent view. Expected values follow
 * the kernel's recent_mt (checked against 6.18 in a namespace): the
 * timestamp ring has roundup_pow_of_two(max(20, hitcount)) slots (32 by
 * default), "oldest_pkt" prints the ring's next index, a list holds 100
 * addresses and evicts the least recently updated one, --reap drops at
 * most that one address, an inverted --update refreshes when its
 * condition fails. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "eval.h"
#include "program.h"
#include "recent_lists.h"
#include "qt_test.h"
#include "tap.h"

#define MS 1000000ull
#define S (1000 * MS)
#define BASE (1000 * S)       /* fake monotonic clock */
#define J0 (4294967296ull - 300 * 250) /* INITIAL_JIFFIES at HZ=250 */

static uint64_t jif(uint64_t ns)
{
	return ns / (4 * MS) + J0;
}

struct pk {
	const char *src, *dst;
	uint8_t ttl;          /* 0: 64 */
	unsigned hook;        /* 0: LOCAL_IN */
	int outdev;
};

static bool hit(const struct qt_ext_inst *in, uint64_t t, const struct pk *p)
{
	static uint8_t buf[64];
	struct qt_eval ev;

	memset(buf, 0, sizeof(buf));
	buf[0] = 0x45;
	buf[3] = 28;
	buf[8] = p->ttl ? p->ttl : 64;
	buf[9] = IPPROTO_UDP;
	inet_pton(AF_INET, p->src ? p->src : "10.0.0.1", buf + 12);
	inet_pton(AF_INET, p->dst ? p->dst : "10.9.9.9", buf + 16);
	qt_eval_init(&ev, buf, 28, sizeof(buf), 28,
		     p->hook ? p->hook : QT_HOOK_LOCAL_IN, NULL);
	ev.now_ns = BASE + t;
	ev.outdev = p->outdev;
	return in->ext->match(in, &ev);
}

static struct qt_ruleset *rs;

/* Append a rule to INPUT; its recent match, state made. */
static struct qt_ext_inst *rule(const char *cmd)
{
	struct qt_test_result r;
	struct qt_chain *c;
	struct qt_ext_inst *m;

	if (!rs)
		rs = qt_ruleset_new(0);
	qt_test_cmd(&rs, cmd, &r);
	if (r.status)
		printf("# %s: %s", cmd, qt_buf_str(&r.err));
	qt_test_result_free(&r);
	c = qt_table_chain(rs->tables[QT_TABLE_FILTER], "INPUT");
	m = qt_test_run(&c->rules[c->nrules - 1]->matches[c->rules[c->nrules - 1]->nmatches - 1]);
	if (!m)
		printf("# no state for %s\n", cmd);
	return m;
}

static void reset(void)
{
	qt_test_runs_free();
	qt_ruleset_free(rs);
	rs = NULL;
}

static const char *dump(const char *name)
{
	static struct qt_buf b;
	static bool init;

	if (!init) {
		qt_buf_init(&b);
		init = true;
	}
	qt_buf_reset(&b);
	if (qt_recent_dump(name, &b) < 0)
		return "(none)";
	return qt_buf_str(&b);
}

static unsigned lines(const char *s)
{
	unsigned n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static bool has(const char *name, const char *addr)
{
	char k[64];
	snprintf(k, sizeof(k), "src=%s ", addr);
	const char *d = dump(name);
	return strstr(d, k) != NULL;
}

static void test_set_rcheck_remove(void)
{
	struct qt_ext_inst *set = rule("-A INPUT -m recent --set --name A");
	struct qt_ext_inst *chk = rule("-A INPUT -m recent --rcheck --name A");
	struct qt_ext_inst *nchk = rule("-A INPUT -m recent ! --rcheck --name A");
	struct qt_ext_inst *rem = rule("-A INPUT -m recent --remove --name A");
	struct qt_ext_inst *nset = rule("-A INPUT -m recent ! --set --name A");
	struct pk p = { 0 };
	char want[256];

	ok(!hit(chk, 0, &p), "rcheck: empty list, no match");
	ok(hit(nchk, 0, &p), "! --rcheck: empty list matches");
	ok(!hit(rem, 0, &p), "remove: absent address, no match");
	ok(hit(set, 0, &p), "set: matches");
	snprintf(want, sizeof(want),
		 "src=10.0.0.1 ttl: 64 last_seen: %llu oldest_pkt: 1 %llu\n",
		 (unsigned long long)jif(BASE), (unsigned long long)jif(BASE));
	is_str(dump("A"), want, "/proc line after one --set");
	ok(hit(chk, S, &p), "rcheck: listed address matches");
	ok(!hit(nchk, S, &p), "! --rcheck: listed address does not");
	ok(hit(set, 2 * S, &p), "set again: matches");
	snprintf(want, sizeof(want),
		 "src=10.0.0.1 ttl: 64 last_seen: %llu oldest_pkt: 2 %llu, %llu\n",
		 (unsigned long long)jif(BASE + 2 * S),
		 (unsigned long long)jif(BASE),
		 (unsigned long long)jif(BASE + 2 * S));
	is_str(dump("A"), want, "second --set adds a stamp");
	ok(hit(rem, 3 * S, &p), "remove: listed address matches");
	is_str(dump("A"), "", "and is gone");
	ok(!hit(rem, 3 * S, &p), "remove again: no match");
	ok(!hit(nset, 4 * S, &p), "! --set never matches");
	ok(hit(chk, 4 * S, &p), "but it adds the address");
	reset();
	is_str(dump("A"), "(none)", "last rule gone: list freed");
}

/* The classic example: at most 8 new connections per minute. */
static void test_update_hitcount(void)
{
	struct qt_ext_inst *set = rule("-A INPUT -m recent --set --name H");
	struct qt_ext_inst *upd = rule(
		"-A INPUT -m recent --update --seconds 60 --hitcount 9 --name H");
	struct pk p = { .src = "10.0.0.7" }, q = { .src = "10.0.0.8" };
	int first_drop = 0, drops = 0;

	for (int i = 1; i <= 12; i++) {
		hit(set, (uint64_t)i * S, &p);
		if (hit(upd, (uint64_t)i * S, &p)) {
			drops++;
			if (!first_drop)
				first_drop = i;
		}
	}
	is_int(first_drop, 9, "9th packet within 60 s is the first caught");
	is_int(drops, 4, "and every one after it");
	hit(set, 12 * S, &q);
	ok(!hit(upd, 12 * S, &q), "another source has its own count");
	/* at 65 s only the stamps of 5..65 s count: 8 --set, 4 --update
	 * (9..12 s matched and refreshed), this --set: 13 */
	hit(set, 65 * S, &p);
	ok(hit(upd, 65 * S, &p), "stamps of 5..65 s still reach 9");
	hit(set, 66 * S + 4 * MS, &p);
	ok(hit(upd, 66 * S + 4 * MS, &p), "at 66 s too (1 s gone)");
	hit(set, 200 * S, &p);
	ok(!hit(upd, 200 * S, &p), "after a quiet minute: 1 hit, passes");
	reset();
}

static void test_seconds_edge(void)
{
	struct qt_ext_inst *set = rule("-A INPUT -m recent --set --name E");
	struct qt_ext_inst *chk = rule(
		"-A INPUT -m recent --rcheck --seconds 2 --name E");
	struct pk p = { 0 };

	hit(set, 0, &p);
	ok(hit(chk, 1 * S, &p), "1 s after: within 2 s");
	ok(hit(chk, 2 * S, &p), "exactly 2 s (500 jiffies) after: within");
	ok(!hit(chk, 2 * S + 4 * MS, &p), "one jiffy later: out");
	ok(hit(chk, 2 * S + 3 * MS, &p), "same jiffy: still in");
	reset();
}

static void test_ring(void)
{
	struct qt_ext_inst *set = rule("-A INPUT -m recent --set --name R");
	struct qt_ext_inst *h20 = rule(
		"-A INPUT -m recent --rcheck --hitcount 20 --name R");
	struct qt_ext_inst *h32 = rule(
		"-A INPUT -m recent --rcheck --hitcount 32 --seconds 100 --name R");
	struct pk p = { 0 };
	const char *d;

	for (int i = 0; i < 40; i++)
		hit(set, (uint64_t)i * S, &p);
	d = dump("R");
	ok(strstr(d, " oldest_pkt: 8 ") != NULL,
	   "40 stamps: ring index 8 (40 - 32)");
	/* 32 stamps: "src=... oldest_pkt: N" then 31 ", " */
	unsigned commas = 0;
	for (const char *c = d; *c; c++)
		commas += *c == ',';
	is_int(commas, 31, "ring of 32 stamps (roundup_pow_of_two(20))");
	char want[64];
	snprintf(want, sizeof(want), "last_seen: %llu ",
		 (unsigned long long)jif(BASE + 39 * S));
	ok(strstr(d, want) != NULL, "last_seen is the newest stamp");
	ok(hit(h20, 40 * S, &p), "hitcount 20 reached");
	ok(hit(h32, 40 * S, &p), "hitcount 32 reached with 32 slots");
	/* a rule needing a longer ring flushes and grows the list */
	struct qt_ext_inst *h21 = rule(
		"-A INPUT -m recent --rcheck --hitcount 21 --name R");
	is_int((int)lines(dump("R")), 1, "hitcount 21 fits 32 slots: kept");
	struct qt_ext_inst *h40 = rule(
		"-A INPUT -m recent --rcheck --hitcount 40 --name R");
	is_str(dump("R"), "", "hitcount 40: the kernel flushes the list");
	for (int i = 0; i < 40; i++)
		hit(set, (uint64_t)(50 + i) * S, &p);
	ok(hit(h40, 90 * S, &p), "40 hits kept in 64 slots");
	ok(hit(h21, 90 * S, &p), "and 21");
	reset();
}

static void test_eviction(void)
{
	struct qt_ext_inst *set = rule("-A INPUT -m recent --set --name V");
	struct qt_ext_inst *chk = rule("-A INPUT -m recent --rcheck --name V");
	char a[32];
	struct pk p = { .src = a };

	for (int i = 1; i <= 100; i++) {
		snprintf(a, sizeof(a), "10.1.0.%d", i);
		hit(set, (uint64_t)i * MS, &p);
	}
	is_int((int)lines(dump("V")), 100, "100 addresses kept");
	snprintf(a, sizeof(a), "10.1.0.1");
	hit(set, S, &p);             /* now the most recent */
	snprintf(a, sizeof(a), "10.1.0.101");
	hit(set, 2 * S, &p);
	is_int((int)lines(dump("V")), 100, "still 100 after the 101st");
	snprintf(a, sizeof(a), "10.1.0.2");
	ok(!hit(chk, 3 * S, &p), "least recently updated (.2) evicted");
	snprintf(a, sizeof(a), "10.1.0.1");
	ok(hit(chk, 3 * S, &p), "refreshed .1 kept");
	snprintf(a, sizeof(a), "10.1.0.101");
	ok(hit(chk, 3 * S, &p), "newest kept");
	ok(strncmp(dump("V"), "src=10.1.0.3 ", 13) == 0,
	   "dump starts with the oldest (.3)");
	reset();
}

static void test_reap(void)
{
	struct qt_ext_inst *set = rule("-A INPUT -m recent --set --name P");
	struct qt_ext_inst *reap = rule(
		"-A INPUT -m recent --rcheck --seconds 10 --reap --name P");
	struct pk a = { .src = "10.2.0.1" }, b = { .src = "10.2.0.2" },
		  c = { .src = "10.2.0.3" };

	hit(set, 0, &a);
	hit(set, 1 * S, &b);
	hit(set, 30 * S, &c);
	ok(hit(reap, 30 * S, &c), "reap rule: c within 10 s");
	is_int((int)lines(dump("P")), 2, "one packet reaps one old address");
	ok(!has("P", "10.2.0.1"), "the oldest (a) went");
	ok(hit(reap, 30 * S, &c), "second packet: c still within");
	is_int((int)lines(dump("P")), 1, "then b");
	ok(hit(reap, 31 * S, &c), "c not reaped (fresh)");
	is_int((int)lines(dump("P")), 1, "c stays");
	ok(!hit(reap, 45 * S, &c), "c too old for --seconds 10");
	is_int((int)lines(dump("P")), 0, "and reaped itself (not updating)");
	reset();
}

static void test_rttl_mask_rdest(void)
{
	struct qt_ext_inst *set = rule("-A INPUT -m recent --set --name T");
	struct qt_ext_inst *ttl = rule(
		"-A INPUT -m recent --rcheck --rttl --name T");
	struct qt_ext_inst *mset = rule(
		"-A INPUT -m recent --set --name M --mask 255.255.255.0");
	struct qt_ext_inst *mchk = rule(
		"-A INPUT -m recent --rcheck --name M --mask 255.255.255.0");
	struct qt_ext_inst *mfull = rule(
		"-A INPUT -m recent --rcheck --name M");
	struct qt_ext_inst *dset = rule(
		"-A INPUT -m recent --set --name D --rdest");
	struct qt_ext_inst *dchk = rule(
		"-A INPUT -m recent --rcheck --name D --rsource");
	struct pk p64 = { .ttl = 64 }, p63 = { .ttl = 63 };

	hit(set, 0, &p64);
	ok(hit(ttl, S, &p64), "rttl: same TTL matches");
	ok(!hit(ttl, S, &p63), "rttl: other TTL does not");
	/* forwarded packets: the kernel adds one back (TTL before routing) */
	struct pk fwd = { .ttl = 63, .hook = QT_HOOK_FORWARD, .outdev = 3 };
	ok(hit(ttl, S, &fwd), "rttl at FORWARD: 63 + 1 matches 64");
	ok(qt_recent_write("T", "+10.0.0.9", 9, BASE) == 0, "+addr: ttl 0");
	struct pk p9 = { .src = "10.0.0.9", .ttl = 5 };
	ok(hit(ttl, S, &p9), "rttl: an entry of ttl 0 matches any TTL");

	struct pk m1 = { .src = "10.3.0.1" }, m2 = { .src = "10.3.0.77" };
	hit(mset, 0, &m1);
	ok(hit(mchk, S, &m2), "mask /24: another host of the net matches");
	ok(!hit(mfull, S, &m1), "without the mask: 10.3.0.1 not listed");
	ok(strncmp(dump("M"), "src=10.3.0.0 ", 13) == 0,
	   "the masked address is kept");

	struct pk d1 = { .src = "10.4.0.1", .dst = "10.4.0.2" };
	struct pk d2 = { .src = "10.4.0.2", .dst = "10.4.0.1" };
	hit(dset, 0, &d1);
	ok(strncmp(dump("D"), "src=10.4.0.2 ", 13) == 0,
	   "--rdest keeps the destination");
	ok(hit(dchk, S, &d2), "seen as a source later");
	ok(!hit(dchk, S, &d1), "not the other side");
	reset();
}

/* recent_mt: an inverted --update refreshes when its condition fails. */
static void test_inverted_update(void)
{
	struct qt_ext_inst *set = rule("-A INPUT -m recent --set --name I");
	struct qt_ext_inst *nupd = rule(
		"-A INPUT -m recent ! --update --hitcount 3 --name I");
	struct qt_ext_inst *upd = rule(
		"-A INPUT -m recent --update --hitcount 5 --name I");
	struct pk p = { 0 };

	ok(hit(nupd, 0, &p), "! --update: absent address matches");
	is_str(dump("I"), "", "and adds nothing");
	hit(set, 0, &p);
	ok(hit(nupd, S, &p), "1 stamp < 3: matches");
	ok(strstr(dump("I"), "oldest_pkt: 2 ") != NULL,
	   "and refreshes (the kernel's ret is true)");
	ok(hit(nupd, 2 * S, &p), "2 stamps < 3: matches, refreshes");
	ok(!hit(nupd, 3 * S, &p), "3 stamps: no match");
	ok(strstr(dump("I"), "oldest_pkt: 3 ") != NULL, "and no refresh");
	ok(!hit(upd, 4 * S, &p), "--update --hitcount 5: 3 < 5, no match");
	ok(strstr(dump("I"), "oldest_pkt: 3 ") != NULL,
	   "a failed --update does not refresh");
	reset();
}

static struct qt_rt_store *store;

/* As the daemon after a commit: runtimes of rules gone are freed. */
static void sweep(const struct qt_ruleset *rs, const struct qt_prog *p)
{
	qt_rt_store_mark_ruleset(store, rs);
	qt_prog_mark(p, store);
	qt_rt_store_sweep(store);
}

static void test_sharing_and_commit(void)
{
	struct qt_ext_inst *s1 = rule("-A INPUT -m recent --set --name S1");
	struct qt_ext_inst *c1 = rule("-A INPUT -m recent --rcheck --name S1");
	struct qt_ext_inst *c2 = rule("-A INPUT -m recent --rcheck --name S2");
	struct qt_ext_inst *cd = rule("-A INPUT -m recent --rcheck");
	struct pk p = { 0 };
	struct qt_buf err, names;
	struct qt_test_result r;

	hit(s1, 0, &p);
	ok(hit(c1, 0, &p), "rules naming S1 share its list");
	ok(!hit(c2, 0, &p), "S2 is another list");
	ok(!hit(cd, 0, &p), "no --name: DEFAULT");
	qt_buf_init(&names);
	qt_recent_names(&names);
	is_str(qt_buf_str(&names), "S1\nS2\nDEFAULT\n", "names in order made");
	qt_buf_free(&names);

	/* the engine's way: compile, change, compile, free the old one */
	qt_buf_init(&err);
	store = qt_rt_store_new();
	struct qt_prog *p1 = qt_prog_compile(rs, NULL, store, &err);
	ok(p1 != NULL, "compiled");
	/* from here on only the programs' runtimes name the lists */
	qt_test_runs_free();
	qt_test_cmd(&rs, "-D INPUT 1", &r);
	qt_test_result_free(&r);
	qt_test_cmd(&rs, "-D INPUT 1", &r);
	qt_test_result_free(&r);
	qt_test_cmd(&rs, "-A INPUT -p udp -m recent --rcheck --name S1", &r);
	qt_test_result_free(&r);
	struct qt_prog *p2 = qt_prog_compile(rs, NULL, store, &err);
	ok(p2 != NULL, "re-compiled with other rules naming S1");
	qt_prog_free(p1);
	sweep(rs, p2);
	ok(has("S1", "10.0.0.1"), "S1 kept its address across the commit");
	qt_test_cmd(&rs, "-F INPUT", &r);
	qt_test_result_free(&r);
	struct qt_prog *p3 = qt_prog_compile(rs, NULL, store, &err);
	qt_prog_free(p2);
	sweep(rs, p3);
	is_str(dump("S1"), "(none)", "no rule names S1: freed");
	qt_prog_free(p3);
	qt_buf_free(&err);
	reset();
}

static void test_proc(void)
{
	struct qt_ext_inst *set = rule("-A INPUT -m recent --set --name W");
	struct qt_buf out, err;
	char want[256];

	(void)set;
	is_int(qt_recent_write("X", "+1.2.3.4", 8, BASE), -ENOENT,
	       "unknown list: ENOENT");
	is_int(qt_recent_write("W", "+1.2.3.4\n", 9, BASE), 0, "+addr");
	is_int(qt_recent_write("W", "+1.2.3.4", 8, BASE + S), 0, "+addr again");
	snprintf(want, sizeof(want),
		 "src=1.2.3.4 ttl: 0 last_seen: %llu oldest_pkt: 2 %llu, %llu\n",
		 (unsigned long long)jif(BASE + S),
		 (unsigned long long)jif(BASE),
		 (unsigned long long)jif(BASE + S));
	is_str(dump("W"), want, "refreshed, ttl 0");
	is_int(qt_recent_write("W", "+01.2.3.5", 9, BASE), 0,
	       "leading zero accepted (in4_pton)");
	is_int((int)lines(dump("W")), 2, "two addresses");
	static const char *bad[] = {
		"bad", "+1.2.3", "+1.2.3.4 ", "+1.2.3.4x", "+ 1.2.3.4",
		"+256.1.1.1", "+1.2.3.4.5", "-", "+",
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(qt_recent_write("W", bad[i], strlen(bad[i]), BASE),
		       -EINVAL, "refused: '%s'", bad[i]);
	is_int(qt_recent_write("W", "-9.9.9.9", 8, BASE), 0,
	       "-absent: no error");
	is_int(qt_recent_write("W", "-1.2.3.5", 8, BASE), 0, "-addr");
	is_int((int)lines(dump("W")), 1, "one left");
	is_int(qt_recent_write("W", "/x", 2, BASE), 0, "/ flushes");
	is_str(dump("W"), "", "empty");

	/* the daemon's request */
	qt_buf_init(&out);
	qt_buf_init(&err);
	static const char r1[] = "#qtables 1 recent qtables W\n+5.5.5.5\n"
				 "+6.6.6.6\nnope\n-5.5.5.5\n";
	is_int(qt_recent_request(r1, sizeof(r1) - 1, &out, &err), 1,
	       "request with a bad line: status 1");
	is_str(qt_buf_str(&err), "qtables: /proc/net/xt_recent/W: line 3: "
	       "write error: Invalid argument\n", "its message");
	is_str(qt_buf_str(&out), "", "edits print nothing");
	ok(strncmp(dump("W"), "src=6.6.6.6 ", 12) == 0 &&
	   lines(dump("W")) == 1, "the other lines were applied");
	qt_buf_reset(&err);
	static const char r2[] = "#qtables 1 recent qtables W\n";
	is_int(qt_recent_request(r2, sizeof(r2) - 1, &out, &err), 0, "dump");
	is_str(qt_buf_str(&out), dump("W"), "dump text");
	qt_buf_reset(&out);
	static const char r3[] = "#qtables 1 recent qtables NOPE\n";
	is_int(qt_recent_request(r3, sizeof(r3) - 1, &out, &err), 1,
	       "unknown name: status 1");
	is_str(qt_buf_str(&err), "qtables: /proc/net/xt_recent/NOPE: "
	       "No such file or directory\n", "as /proc says it");
	static const char r4[] = "#qtables 1 recent qtables\n";
	is_int(qt_recent_request(r4, sizeof(r4) - 1, &out, &err), 0, "names");
	is_str(qt_buf_str(&out), "W\n", "one list");
	qt_buf_free(&out);
	qt_buf_free(&err);
	reset();
}

int main(void)
{
	test_set_rcheck_remove();
	test_update_hitcount();
	test_seconds_edge();
	test_ring();
	test_eviction();
	test_reap();
	test_rttl_mask_rdest();
	test_inverted_update();
	test_sharing_and_commit();
	test_proc();
	return done_testing();
}
