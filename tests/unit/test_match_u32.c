/* The u32 match: its grammar (save form, messages, limits) and its
 * engine side, rules typed as iptables commands and packets built as
 * bytes here.
 *
 * The facts were checked against iptables-nft 1.8.9 and the kernel
 * (6.18): the texts by tests/compat/corpus_u32.txt through run-diff.sh,
 * the verdicts by the u32 cases of run-packets.sh and run-packets6.sh,
 * which send such packets through a kernel twin. "dropped" means the
 * match's hotdrop. */
#include <arpa/inet.h>
#include <stdlib.h>

#include "eval.h"
#include "ext.h"
#include "program.h"
#include "qt_test.h"
#include "rt_store.h"
#include "tap.h"

static uint8_t buf[2048];
static uint32_t blen;

/* IPv4 TCP (data offset 5) from 10.0.0.1 to 10.0.0.2 carrying pay
 * (NULL: paylen zero bytes). */
static void tcp4(const void *pay, uint32_t paylen)
{
	memset(buf, 0, sizeof(buf));
	uint32_t tot = 40 + paylen;
	buf[0] = 0x45;
	buf[2] = (uint8_t)(tot >> 8);
	buf[3] = (uint8_t)tot;
	buf[8] = 64;
	buf[9] = IPPROTO_TCP;
	inet_pton(AF_INET, "10.0.0.1", buf + 12);
	inet_pton(AF_INET, "10.0.0.2", buf + 16);
	buf[20] = 0x04;
	buf[21] = 0xd2;
	buf[23] = 80;
	buf[32] = 0x50;
	buf[33] = 0x18;
	if (pay)
		memcpy(buf + 40, pay, paylen);
	blen = tot;
}

/* IPv6 UDP from 2001:db8::1 to 2001:db8::2 carrying pay. */
static void udp6(const void *pay, uint32_t paylen)
{
	memset(buf, 0, sizeof(buf));
	uint32_t plen = 8 + paylen;
	buf[0] = 0x60;
	buf[4] = (uint8_t)(plen >> 8);
	buf[5] = (uint8_t)plen;
	buf[6] = IPPROTO_UDP;
	buf[7] = 64;
	inet_pton(AF_INET6, "2001:db8::1", buf + 8);
	inet_pton(AF_INET6, "2001:db8::2", buf + 24);
	buf[41] = 53;
	buf[43] = 53;
	buf[44] = (uint8_t)(plen >> 8);
	buf[45] = (uint8_t)plen;
	memcpy(buf + 48, pay, paylen);
	blen = 40 + plen;
}

static struct qt_ruleset *rs;
static struct qt_ext_inst *inst;

static struct qt_ext_inst *rule_fam(uint8_t family, const char *cmd)
{
	struct qt_test_result r;
	qt_test_runs_free();
	if (rs)
		qt_ruleset_free(rs);
	rs = qt_ruleset_new(family);
	inst = NULL;
	if (qt_test_cmd(&rs, cmd, &r) != 0) {
		printf("# %s: %s", cmd, r.err.data ? r.err.data : "");
		qt_test_result_free(&r);
		ok(0, "rule refused: %s", cmd);
		return NULL;
	}
	qt_test_result_free(&r);
	struct qt_chain *c = qt_table_chain(rs->tables[QT_TABLE_FILTER], "INPUT");
	struct qt_rule *ru = c->rules[c->nrules - 1];
	for (unsigned i = 0; i < ru->nmatches; i++)
		if (!strcmp(ru->matches[i].ext->name, "u32"))
			inst = qt_test_run(&ru->matches[i]);
	return inst;
}

static struct qt_ext_inst *rule(const char *cmd)
{
	return rule_fam(0, cmd);
}

static bool hot;

/* The verdict on buf as a copy of copylen of its blen bytes. */
static int judge_copy(uint32_t copylen)
{
	struct qt_eval ev;
	if (!inst)
		return -1;
	qt_eval_init(&ev, buf, copylen, sizeof(buf), blen, QT_HOOK_LOCAL_IN,
		     NULL);
	bool m = inst->ext->match(inst, &ev);
	hot = ev.hotdrop;
	return m;
}

static int judge(void)
{
	return judge_copy(blen);
}

#define MATCH(what) do { is_int(judge(), 1, "%s", what); \
	ok(!hot, "%s: not dropped", what); } while (0)
#define NOMATCH(what) do { is_int(judge(), 0, "%s", what); \
	ok(!hot, "%s: not dropped", what); } while (0)

/* The save form of a rule, or the message refusing it. */
static void saves(const char *expr, const char *want)
{
	char cmd[512];
	struct qt_test_result r;
	struct qt_ruleset *r1 = qt_ruleset_new(0);
	snprintf(cmd, sizeof(cmd), "-A INPUT -m u32 --u32 \"%s\"", expr);
	int st = qt_test_cmd(&r1, cmd, &r);
	if (st == 0) {
		struct qt_buf b;
		qt_buf_init(&b);
		const char *s = qt_test_save(r1, &b);
		const char *at = strstr(s, "-A INPUT");
		char got[512] = "";
		if (at) {
			size_t n = strcspn(at, "\n");
			snprintf(got, sizeof(got), "%.*s", (int)n, at);
		}
		is_str(got, want, "u32 \"%s\" saves", expr);
		qt_buf_free(&b);
	} else {
		const char *e = r.err.data ? r.err.data : "";
		const char *m = strstr(e, "u32: ");
		if (!m)
			m = strstr(e, "RULE_APPEND");
		char got[256] = "";
		if (m)
			snprintf(got, sizeof(got), "%.*s", (int)strcspn(m, "\n"), m);
		is_str(got, want, "u32 \"%s\" refused (status %d)", expr, st);
	}
	qt_test_result_free(&r);
	qt_ruleset_free(r1);
}

static void test_grammar(void)
{
	saves("0 >> 28 = 4 && 8 & 0xFF0000 >> 16 = 6, 17",
	      "-A INPUT -m u32 --u32 \"0x0>>0x1c=0x4&&0x8&0xff0000>>0x10=0x6,0x11\"");
	saves(" 0 = 5 : 1 , 010 ", "-A INPUT -m u32 --u32 \"0x0=0x5:0x1,0x8\"");
	saves("0@1<<2>>3&4=+4294967295",
	      "-A INPUT -m u32 --u32 \"0x0@0x1<<0x2>>0x3&0x4=0xffffffff\"");
	saves("0@1@2@3@4@5@6@7@8@9=1",
	      "-A INPUT -m u32 --u32 \"0x0@0x1@0x2@0x3@0x4@0x5@0x6@0x7@0x8@0x9=0x1\"");
	saves("0@1@2@3@4@5@6@7@8@9@10=1", "u32: at char 22: too many operators");
	saves("0=1,2,3,4,5,6,7,8,9,10,11", "u32: at char 25: too many \",\"s");
	saves("0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1",
	      "u32: at char 53: too many \"&&\"s");
	saves("0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1",
	      "u32: at char 54: too many \"&&\"s");
	saves("0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=",
	      "u32: test ended with no value specified");
	saves("", "u32: abrupt end of input after location specifier");
	saves("0=1&&", "u32: abrupt end of input after location specifier");
	saves("=1", "u32: at char 0: location spec missing");
	saves("0=&&1=1", "u32: at char 3: value spec missing");
	saves("0x=1", "u32: at char 1: operator expected");
	saves("0=0x", "u32: at char 3: expected \",\" or \"&&\"");
	saves("0= -1", "u32: at char 3: not a number or out of range");
	saves("0=4294967296", "u32: at char 2: not a number or out of range");
	saves("0=1: -2", "u32: at char 4: not a number or out of range");
	saves("0=1&2", "u32: at char 4: a second '&' was expected");
	saves("0 < < 1=1", "u32: at char 3: a second '<' was expected");
	saves("0>1=1", "u32: at char 2: a second '>' was expected");
	saves("0>>31=1", "-A INPUT -m u32 --u32 \"0x0>>0x1f=0x1\"");
	saves("0>>32=1", "RULE_APPEND failed (Invalid argument): rule in chain INPUT");
	saves("0=1&&0<<0xffffffff=1",
	      "RULE_APPEND failed (Invalid argument): rule in chain INPUT");
}

static void test_engine(void)
{
	/* IPv4 and (TCP or UDP) */
	rule("-A INPUT -m u32 --u32 \"0 >> 28 = 4 && 8 & 0xFF0000 >> 16 = 6, 17\"");
	tcp4(NULL, 0);
	MATCH("IPv4 TCP");
	buf[9] = IPPROTO_ICMP;
	NOMATCH("IPv4 ICMP");

	/* the first 4 bytes of the TCP payload, through two '@' */
	rule("-A INPUT -m u32 --u32 \"0 >> 22 & 0x3C @ 12 >> 26 & 0x3C @ 0 = 0x47455420\"");
	tcp4("GET / HTTP/1.0", 14);
	MATCH("payload GET through @");
	tcp4("PUT / HTTP/1.0", 14);
	NOMATCH("payload PUT");
	tcp4("GET", 3);
	NOMATCH("a payload of 3 bytes: the word is past the end");
	tcp4(NULL, 0);
	NOMATCH("no payload");
	rule("-A INPUT -m u32 ! --u32 \"0 >> 22 & 0x3C @ 12 >> 26 & 0x3C @ 0 = 0x47455420\"");
	tcp4("GET", 3);
	MATCH("!: a word past the end is no match, then inverted");

	/* the last word of the packet is read, one byte further is not */
	rule("-A INPUT -m u32 --u32 \"40 = 0x41424344\"");
	tcp4("ABCD", 4);
	MATCH("the packet's last 4 bytes");
	rule("-A INPUT -m u32 --u32 \"41 = 0:0xffffffff\"");
	NOMATCH("a word one byte past the end");
	/* the length is the packet's, not the buffer's */
	rule("-A INPUT -m u32 --u32 \"44 = 0\"");
	NOMATCH("the zeroed bytes after the packet are not read");

	/* '@' overflowing the base */
	rule("-A INPUT -m u32 --u32 \"0 >> 22 & 0x3C @ 0 = 0xffffffff\"");
	tcp4("\xff\xff\xff\xff", 4);
	buf[20] = buf[21] = buf[22] = buf[23] = 0xff;
	MATCH("a word read at the base");
	rule("-A INPUT -m u32 --u32 \"0 >> 22 & 0x3C @ 0 @ 0 = 0:0xffffffff\"");
	NOMATCH("a base that overflows");
	rule("-A INPUT -m u32 ! --u32 \"0 >> 22 & 0x3C @ 0 @ 0 = 0:0xffffffff\"");
	MATCH("!: a base that overflows");

	/* fragments, sizes, ranges */
	rule("-A INPUT -m u32 --u32 \"4 & 0x3FFF = 0 && 0 & 0xFFFF = 0x100:0xFFFF\"");
	tcp4(NULL, 0);
	NOMATCH("40 bytes: below 256");
	tcp4(NULL, 300);
	MATCH("340 bytes, not a fragment");
	buf[7] = 1;
	NOMATCH("a fragment");
	rule("-A INPUT -m u32 --u32 \"0 & 0xFFFF = 0x200:0x100\"");
	NOMATCH("a range whose low end is above its high end holds nothing");
	rule("-A INPUT -m u32 --u32 \"0 >> 31 << 31 = 0 && 8 >> 24 = 1:63,64\"");
	MATCH("shifts by 31, the second of two ranges");

	/* several tests: every one must hold */
	rule("-A INPUT -m u32 --u32 \"0 >> 28 = 4 && 0 >> 28 = 6\"");
	NOMATCH("one test of two fails");
}

static void test_copy(void)
{
	rule("-A INPUT -m u32 --u32 \"400 = 0\"");
	is_int((int)inst->ext->copy_need(inst), 0xffff, "copy_need 0xffff");
	tcp4(NULL, 600);
	is_int(judge_copy(640), 1, "the whole packet");
	ok(!hot, "not dropped");
	is_int(judge_copy(404), 1, "a copy that ends with the word");
	ok(!hot, "not dropped");
	is_int(judge_copy(402), 0, "a word past the copy, inside the packet");
	ok(hot, "dropped rather than guessed");
	rule("-A INPUT -m u32 --u32 \"0 >> 28 = 4\"");
	is_int(judge_copy(64), 1, "a short copy holding the word");
	ok(!hot, "not dropped");

	struct qt_rt_store *store = qt_rt_store_new();
	struct qt_buf err;
	qt_buf_init(&err);
	struct qt_prog *p = qt_prog_compile(rs, NULL, store, &err);
	ok(p != NULL, "compiles");
	ok(p && qt_prog_copy_range(p) >= 0xffff, "the queue copies whole packets");
	if (p)
		qt_prog_free(p);
	qt_buf_free(&err);
	qt_rt_store_free(store);
}

static void test_ipv6(void)
{
	rule_fam(AF_INET6, "-A INPUT -m u32 --u32 \"0 >> 28 = 6 && 4 >> 8 & 0xFF = 17 "
		 "&& 48 = 0x01020304\"");
	udp6("\x01\x02\x03\x04", 4);
	MATCH("IPv6 UDP and its first payload word");
	buf[51] = 5;
	NOMATCH("another payload word");
	udp6("\x01\x02\x03", 3);
	NOMATCH("the payload word past the end");
}

int main(void)
{
	test_grammar();
	test_engine();
	test_copy();
	test_ipv6();
	qt_test_runs_free();
	if (rs)
		qt_ruleset_free(rs);
	return done_testing();
}
