/* Classic BPF for -m bpf: the kernel's checks of a program
 * (bpf_check_classic) and the interpreter (extensions/lib/cbpf.c) on
 * packets built as bytes, then the match through rules: what is
 * refused at commit and why, the whole packet queued, the device an
 * ifindex load sees at each hook. Programs are written as
 * "code jt jf k" (nfbpf_compile's and tcpdump -ddd's text). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf.h"
#include "eval.h"
#include "ext.h"
#include "program.h"
#include "qt_test.h"
#include "rt_store.h"
#include "tap.h"

static struct qt_cbpf_insn prog[64];
static unsigned plen;

/* "code jt jf k,..." into prog */
static void P(const char *text)
{
	const char *s = text;
	plen = 0;
	while (*s && plen < 64) {
		unsigned c, jt, jf, k;
		int used = 0;
		if (sscanf(s, "%u %u %u %u%n", &c, &jt, &jf, &k, &used) != 4)
			break;
		prog[plen++] = (struct qt_cbpf_insn){ (uint16_t)c, (uint8_t)jt,
						     (uint8_t)jf, k };
		s += used;
		if (*s == ',')
			s++;
	}
}

/* An IPv4 TCP packet 10.0.0.1:1234 -> 10.0.0.2:80, TTL 64, with a TCP
 * header of doff words and payload. */
static uint8_t pkt[256];
static uint32_t pktlen;

static void tcp_pkt(unsigned doff, const char *payload)
{
	size_t pl = strlen(payload);
	memset(pkt, 0, sizeof(pkt));
	pktlen = (uint32_t)(20 + doff * 4 + pl);
	pkt[0] = 0x45;
	pkt[2] = (uint8_t)(pktlen >> 8);
	pkt[3] = (uint8_t)pktlen;
	pkt[8] = 64;
	pkt[9] = 6;
	memcpy(pkt + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	pkt[20] = 1234 >> 8;
	pkt[21] = 1234 & 0xff;
	pkt[23] = 80;
	pkt[32] = (uint8_t)(doff << 4);
	pkt[33] = 0x02;
	memcpy(pkt + 20 + doff * 4, payload, pl);
}

static bool cut;

static uint32_t run_on(uint32_t avail, uint32_t len, uint32_t mark, int ifindex)
{
	struct qt_cbpf_pkt p = { .data = pkt, .avail = avail, .len = len,
				 .protocol = 0x0800, .mark = mark,
				 .ifindex = ifindex };
	uint32_t r = qt_cbpf_run(prog, plen, &p);
	cut = p.cut;
	return r;
}

static uint32_t run(void)
{
	return run_on(pktlen, pktlen, 0, 3);
}

#define CHECK_OK(text) do { P(text); is_int(qt_cbpf_check(prog, plen), 0, \
	"taken: %s", text); } while (0)
#define CHECK_BAD(text) do { P(text); ok(qt_cbpf_check(prog, plen) != 0, \
	"refused: %s", text); } while (0)

static void test_check(void)
{
	CHECK_OK("6 0 0 1");
	CHECK_OK("48 0 0 9,21 0 1 6,6 0 0 1,6 0 0 0");
	CHECK_BAD("22 0 0 0,21 0 0 0");            /* last not a return */
	CHECK_BAD("21 0 1 6,6 0 0 1");              /* jf past the end */
	CHECK_OK("21 1 0 6,6 0 0 1,6 0 0 0");
	CHECK_BAD("21 2 0 6,6 0 0 1,6 0 0 0");      /* jt onto nothing */
	CHECK_OK("21 0 1 6,6 0 0 1,6 0 0 0");
	CHECK_OK("5 0 0 1,6 0 0 1,6 0 0 0");        /* ja to the last */
	CHECK_BAD("5 0 0 2,6 0 0 1,6 0 0 0");
	CHECK_BAD("52 0 0 0,22 0 0 0");             /* div #0 */
	CHECK_BAD("148 0 0 0,22 0 0 0");            /* mod #0 */
	CHECK_OK("60 0 0 0,22 0 0 0");              /* div x: checked when run */
	CHECK_OK("100 0 0 31,22 0 0 0");
	CHECK_BAD("100 0 0 32,22 0 0 0");           /* lsh #32 */
	CHECK_BAD("116 0 0 32,22 0 0 0");           /* rsh #32 */
	CHECK_OK("132 0 0 0,22 0 0 0");             /* neg */
	CHECK_BAD("140 0 0 0,22 0 0 0");            /* neg x: no such code */
	CHECK_BAD("8 0 0 0,22 0 0 0");              /* ldh #imm */
	CHECK_BAD("4 0 0 1");
	CHECK_BAD("7 0 0 1");
	/* memory: in range, written before read on every path */
	CHECK_BAD("96 0 0 0,22 0 0 0");
	CHECK_OK("2 0 0 15,97 0 0 15,22 0 0 0");
	CHECK_BAD("2 0 0 16,96 0 0 16,22 0 0 0");
	CHECK_BAD("21 0 1 0,2 0 0 1,96 0 0 1,22 0 0 0,6 0 0 0");
	CHECK_OK("2 0 0 1,21 0 1 0,2 0 0 2,96 0 0 1,22 0 0 0,6 0 0 0");
	CHECK_BAD("2 0 0 1,21 0 1 0,2 0 0 2,96 0 0 2,22 0 0 0,6 0 0 0");
	/* ancillary offsets: known ones only */
	CHECK_OK("32 0 0 4294963200,22 0 0 0");
	CHECK_OK("48 0 0 4294963240,22 0 0 0");
	CHECK_BAD("32 0 0 4294963201,22 0 0 0");
	CHECK_BAD("32 0 0 4294963264,22 0 0 0");
	CHECK_OK("32 0 0 4293918720,22 0 0 0");     /* SKF_NET_OFF */
	CHECK_OK("177 0 0 4294963201,22 0 0 0");    /* msh is no ancillary */
}

static void test_unseen(void)
{
	P("32 0 0 4294963200,22 0 0 0");
	ok(!qt_cbpf_unseen(prog, plen, 20), "protocol is answered");
	P("32 0 0 4294963220,32 0 0 4294963208,32 0 0 4294963240,22 0 0 0");
	ok(!qt_cbpf_unseen(prog, plen, 20), "mark, ifindex, alu_xor_x are answered");
	P("32 0 0 4294963236,22 0 0 0");
	is_str(qt_cbpf_unseen(prog, plen, 20),
	       "a queued packet does not tell which CPU handles it", "cpu");
	P("48 0 0 4294963256,22 0 0 0");
	ok(qt_cbpf_unseen(prog, plen, 20) != NULL, "random refused");
	P("32 0 0 4294963204,22 0 0 0");
	ok(qt_cbpf_unseen(prog, plen, 20) != NULL, "pkttype refused");
	P("48 0 0 4292870156,22 0 0 0");
	ok(qt_cbpf_unseen(prog, plen, 20) != NULL, "SKF_LL_OFF refused");
	P("177 0 0 4292870144,22 0 0 0");
	ok(qt_cbpf_unseen(prog, plen, 20) != NULL, "SKF_LL_OFF by msh refused");
	P("48 0 0 4293918729,22 0 0 0");
	ok(!qt_cbpf_unseen(prog, plen, 20), "SKF_NET_OFF is answered");
	P("48 0 0 4293918739,40 0 0 4293918738,32 0 0 4293918736,22 0 0 0");
	ok(!qt_cbpf_unseen(prog, plen, 20), "SKF_NET_OFF up to byte 19");
	P("40 0 0 4293918739,22 0 0 0");
	ok(qt_cbpf_unseen(prog, plen, 20) != NULL,
	   "SKF_NET_OFF: a half-word over byte 20 refused");
	P("177 0 0 4293918740,22 0 0 0");
	ok(qt_cbpf_unseen(prog, plen, 20) != NULL,
	   "SKF_NET_OFF + 20 by msh refused");
	ok(!qt_cbpf_unseen(prog, plen, 40), "... taken behind IPv6's 40 bytes");
	P("32 0 0 4293918756,22 0 0 0");
	ok(!qt_cbpf_unseen(prog, plen, 40), "IPv6: SKF_NET_OFF + 36 taken");
	P("32 0 0 4293918757,22 0 0 0");
	ok(qt_cbpf_unseen(prog, plen, 40) != NULL, "IPv6: + 37 refused");
}

static void test_run(void)
{
	tcp_pkt(5, "GET /");
	/* tcp? */
	P("48 0 0 9,21 0 1 6,6 0 0 1,6 0 0 0");
	is_int(run(), 1, "protocol byte");
	pkt[9] = 17;
	is_int(run(), 0, "not tcp");
	pkt[9] = 6;
	/* dport via ldx msh and an indirect half-word load */
	P("177 0 0 0,72 0 0 2,21 0 1 80,6 0 0 65535,6 0 0 0");
	is_int(run(), 65535, "dport 80 through ldx msh");
	pkt[0] = 0x46;                 /* a header of 24 bytes: ports move */
	is_int(run(), 0, "the header length moves the ports");
	pkt[0] = 0x45;
	/* the payload's first word behind the TCP header's own length */
	const char *pay = "7 0 0 0,177 0 0 0,80 0 0 12,116 0 0 4,100 0 0 2,"
			  "2 0 0 1,135 0 0 0,97 0 0 1,12 0 0 0,7 0 0 0,"
			  "64 0 0 0,22 0 0 0";
	P(pay);
	is_int(qt_cbpf_check(prog, plen), 0, "payload program checks");
	is_int(run(), 0x47455420, "payload word 'GET '");
	tcp_pkt(8, "abcd");
	is_int(run(), 0x61626364, "behind 12 bytes of options");
	tcp_pkt(8, "abc");
	is_int(run(), 0, "a word past the end returns 0");
	tcp_pkt(5, "xyz");
	/* loads at the end: the last byte is there, the next is not */
	P("48 0 0 42,6 0 0 1");
	is_int(run(), 1, "last byte (42 of 43)");
	P("48 0 0 43,6 0 0 1");
	is_int(run(), 0, "byte 43 of 43: returns 0");
	P("40 0 0 42,6 0 0 1");
	is_int(run(), 0, "a half-word across the end");
	P("32 0 0 4294967295,6 0 0 1");
	is_int(run(), 0, "a negative offset below SKF_LL_OFF");
	P("48 0 0 4293918729,22 0 0 0");
	is_int(run(), 6, "SKF_NET_OFF + 9 is the protocol byte");
	P("48 0 0 4293918763,6 0 0 1");
	is_int(run(), 0, "SKF_NET_OFF past the end");
	P("1 0 0 4294967295,80 0 0 10,22 0 0 0");
	is_int(run(), 6, "X + k wraps: X=-1, k=10 reads byte 9");
	P("177 0 0 43,6 0 0 1");
	is_int(run(), 0, "ldx msh past the end returns 0");
	P("0 0 0 5,177 0 0 0,22 0 0 0");
	is_int(run(), 5, "ldx msh keeps A");
	/* what the copy lacks is past the end too */
	P("48 0 0 30,6 0 0 1");
	is_int(run_on(28, pktlen, 0, 3), 0, "past the copy");
	ok(cut, "... told");
	P("48 0 0 43,6 0 0 1");
	is_int(run_on(28, pktlen, 0, 3), 0, "past the packet, with a short copy");
	ok(!cut, "... is no cut");
	P("48 0 0 20,6 0 0 1");
	is_int(run_on(28, pktlen, 0, 3), 1, "inside the copy");
	ok(!cut, "... no cut");
	/* len */
	P("128 0 0 0,22 0 0 0");
	is_int(run(), 43, "ld len");
	P("129 0 0 0,135 0 0 0,22 0 0 0");
	is_int(run_on(pktlen, 1500, 0, 3), 1500, "ldx len is skb->len");
	/* ALU */
	P("0 0 0 7,4 0 0 3,36 0 0 6,20 0 0 4,52 0 0 4,148 0 0 5,164 0 0 255,"
	  "68 0 0 256,84 0 0 511,100 0 0 4,116 0 0 2,22 0 0 0");
	/* ((((7+3)*6-4)/4)%5)=4; ^255=251; |256=507; &511=507; <<4=8112; >>2=2028 */
	is_int(run(), 2028, "add mul sub div mod xor or and lsh rsh");
	P("0 0 0 1,132 0 0 0,22 0 0 0");
	is_int(run(), 0xffffffff, "neg");
	P("0 0 0 4294967295,4 0 0 2,22 0 0 0");
	is_int(run(), 1, "32-bit add wraps");
	P("1 0 0 0,0 0 0 9,60 0 0 0,6 0 0 1");
	is_int(run(), 0, "div by an X of 0 returns 0");
	P("1 0 0 0,0 0 0 9,156 0 0 0,6 0 0 1");
	is_int(run(), 0, "mod by an X of 0 returns 0");
	P("1 0 0 33,0 0 0 1,108 0 0 0,22 0 0 0");
	is_int(run(), 2, "lsh by X uses its low five bits");
	P("1 0 0 4,0 0 0 30,156 0 0 0,22 0 0 0");
	is_int(run(), 2, "mod x");
	P("1 0 0 12,0 0 0 10,172 0 0 0,22 0 0 0");
	is_int(run(), 6, "xor x");
	/* jumps */
	P("48 0 0 8,37 1 0 63,6 0 0 0,6 0 0 1");
	is_int(run(), 1, "jgt: 64 > 63");
	P("48 0 0 8,53 1 0 65,6 0 0 0,6 0 0 1");
	is_int(run(), 0, "jge: 64 < 65");
	P("48 0 0 8,53 1 0 64,6 0 0 0,6 0 0 1");
	is_int(run(), 1, "jge: 64 >= 64");
	P("48 0 0 33,69 0 1 2,6 0 0 1,6 0 0 0");
	is_int(run(), 1, "jset SYN");
	P("1 0 0 64,48 0 0 8,29 1 0 0,6 0 0 0,6 0 0 1");
	is_int(run(), 1, "jeq x");
	P("1 0 0 64,48 0 0 8,45 1 0 0,6 0 0 0,6 0 0 1");
	is_int(run(), 0, "jgt x: not greater");
	P("5 0 0 1,6 0 0 0,6 0 0 9");
	is_int(run(), 9, "ja");
	/* memory, tax, txa */
	P("0 0 0 11,2 0 0 3,1 0 0 4,3 0 0 7,96 0 0 7,7 0 0 0,96 0 0 3,12 0 0 0,22 0 0 0");
	is_int(run(), 15, "st, stx, ld mem, tax, add x");
	/* ancillary */
	P("32 0 0 4294963200,22 0 0 0");
	is_int(run(), 0x0800, "protocol");
	P("48 0 0 4294963220,22 0 0 0");
	is_int(run_on(pktlen, pktlen, 0xabcd1234, 3), 0xabcd1234,
	       "mark, whatever the size");
	P("32 0 0 4294963208,22 0 0 0");
	is_int(run(), 3, "ifindex");
	P("0 0 0 5,32 0 0 4294963208,6 0 0 0");
	is_int(run_on(pktlen, pktlen, 0, 0), 5, "no device: returns A");
	P("1 0 0 12,0 0 0 10,32 0 0 4294963240,22 0 0 0");
	is_int(run(), 6, "alu_xor_x");
	/* a program that did not pass the checks still ends */
	P("0 0 0 1,5 0 0 4294967295,6 0 0 1");
	is_int(run(), 0, "unchecked: a ja that would wrap returns 0");
	P("0 0 0 1,22 0 0 0,4 0 0 1");
	is_int(run(), 1, "unchecked: ret before the end");
	P("0 0 0 1,4 0 0 1");
	is_int(run(), 0, "unchecked: running off the end returns 0");
}

/* ---- through rules ---- */

static void compiles(const char *cmd, const char *msg)
{
	struct qt_test_result r;
	struct qt_ruleset *r1 = qt_ruleset_new(0);
	qt_test_cmd(&r1, cmd, &r);
	is_int(r.status, 0, "iptables %s", cmd);
	qt_test_result_free(&r);
	struct qt_rt_store *store = qt_rt_store_new();
	struct qt_buf err;
	qt_buf_init(&err);
	struct qt_prog *p = qt_prog_compile(r1, NULL, store, &err);
	if (msg) {
		ok(p == NULL, "%s: refused", cmd);
		is_str(qt_buf_str(&err), msg, "%s: the message", cmd);
	} else {
		ok(p != NULL, "%s: compiles", cmd);
		ok(p && qt_prog_copy_range(p) >= 0xffff,
		   "%s: whole packets queued (%u)", cmd,
		   p ? qt_prog_copy_range(p) : 0);
	}
	if (p)
		qt_prog_free(p);
	qt_buf_free(&err);
	qt_ruleset_free(r1);
	qt_rt_store_free(store);
}

/* A ruleset that did not come through -A (a state file) is held to
 * the kernel's checks at commit. */
static void test_unchecked(void)
{
	struct qt_test_result r;
	struct qt_ruleset *r1 = qt_ruleset_new(0);
	qt_test_cmd(&r1, "-A INPUT -m bpf --bytecode \"2,0 0 0 1,22 0 0 0\"", &r);
	is_int(r.status, 0, "a program taken");
	qt_test_result_free(&r);
	struct qt_chain *c = qt_table_chain(r1->tables[QT_TABLE_FILTER], "INPUT");
	/* its last instruction made a ld #1 (struct bpf_data: mode, len,
	 * pad, then the program) */
	uint8_t *d = c->rules[0]->matches[0].data;
	struct qt_cbpf_insn ld = { 0, 0, 0, 1 };
	memcpy(d + 8 + sizeof(ld), &ld, sizeof(ld));
	struct qt_rt_store *store = qt_rt_store_new();
	struct qt_buf err;
	qt_buf_init(&err);
	struct qt_prog *p = qt_prog_compile(r1, NULL, store, &err);
	ok(p == NULL, "a program the kernel refuses is not run");
	is_str(qt_buf_str(&err), "Error: qtables cannot run -m bpf: the kernel "
	       "refuses this program\n", "its message");
	if (p)
		qt_prog_free(p);
	qt_buf_free(&err);
	qt_ruleset_free(r1);
	qt_rt_store_free(store);
}

static void test_commit(void)
{
	compiles("-A INPUT -m bpf --bytecode \"4,48 0 0 9,21 0 1 6,6 0 0 1,6 0 0 0\"",
		 NULL);
	compiles("-A FORWARD -m bpf --bytecode \"2,32 0 0 4294963220,22 0 0 0\"",
		 NULL);
	compiles("-A INPUT -m bpf --bytecode \"2,32 0 0 4294963236,22 0 0 0\"",
		 "Error: qtables cannot run -m bpf: a queued packet does not "
		 "tell which CPU handles it\n");
	compiles("-A INPUT -m bpf --bytecode \"2,32 0 0 4294963224,22 0 0 0\"",
		 "Error: qtables cannot run -m bpf: a queued packet does not "
		 "carry its queue mapping\n");
	compiles("-A INPUT -m bpf --bytecode \"2,48 0 0 4292870144,22 0 0 0\"",
		 "Error: qtables cannot run -m bpf: the link-layer header "
		 "(SKF_LL_OFF) is not in what the queue hands over\n");
	compiles("-A INPUT -m bpf --bytecode \"2,48 0 0 4293918740,22 0 0 0\"",
		 "Error: qtables cannot run -m bpf: a load from SKF_NET_OFF "
		 "past the network header reads the skb's linear data, whose "
		 "end the queue does not tell\n");
}

/* The device an ifindex load sees: the input one up to FORWARD, the
 * output one at POSTROUTING, none at OUTPUT (the program returns A). */
static void test_hooks(void)
{
	struct qt_test_result r;
	struct qt_ruleset *r1 = qt_ruleset_new(0);
	qt_test_cmd(&r1, "-A INPUT -m bpf --bytecode "
		    "\"3,0 0 0 7,32 0 0 4294963208,22 0 0 0\"", &r);
	is_int(r.status, 0, "ifindex rule");
	qt_test_result_free(&r);
	struct qt_chain *c = qt_table_chain(r1->tables[QT_TABLE_FILTER], "INPUT");
	struct qt_ext_inst *in = qt_test_run(&c->rules[0]->matches[0]);
	static const struct { unsigned hook; int indev, outdev; bool want; } t[] = {
		{ QT_HOOK_PRE_ROUTING, 2, 0, true },
		{ QT_HOOK_LOCAL_IN, 2, 0, true },
		{ QT_HOOK_FORWARD, 2, 3, true },
		{ QT_HOOK_POST_ROUTING, 0, 3, true },
		{ QT_HOOK_LOCAL_OUT, 0, 3, true },
	};
	tcp_pkt(5, "");
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct qt_eval ev;
		qt_eval_init(&ev, pkt, pktlen, sizeof(pkt), pktlen, t[i].hook, NULL);
		ev.indev = t[i].indev;
		ev.outdev = t[i].outdev;
		ok(in->ext->match(in, &ev) == t[i].want, "hook %u matches", t[i].hook);
	}
	/* the same with A = 0 before the load: OUTPUT returns 0 */
	qt_test_runs_free();
	qt_ruleset_free(r1);
	r1 = qt_ruleset_new(0);
	qt_test_cmd(&r1, "-A OUTPUT -m bpf --bytecode "
		    "\"2,32 0 0 4294963208,22 0 0 0\"", &r);
	qt_test_result_free(&r);
	c = qt_table_chain(r1->tables[QT_TABLE_FILTER], "OUTPUT");
	in = qt_test_run(&c->rules[0]->matches[0]);
	struct qt_eval ev;
	qt_eval_init(&ev, pkt, pktlen, sizeof(pkt), pktlen, QT_HOOK_LOCAL_OUT, NULL);
	ev.outdev = 3;
	ok(!in->ext->match(in, &ev), "OUTPUT: no device, A is 0");
	qt_eval_init(&ev, pkt, pktlen, sizeof(pkt), pktlen, QT_HOOK_POST_ROUTING, NULL);
	ev.outdev = 3;
	ok(in->ext->match(in, &ev), "POSTROUTING: the output device");
	qt_test_runs_free();
	qt_ruleset_free(r1);
}

/* A byte inside the packet the queue did not copy: dropped. */
static void test_cut(void)
{
	struct qt_test_result r;
	struct qt_ruleset *r1 = qt_ruleset_new(0);
	qt_test_cmd(&r1, "-A INPUT -m bpf --bytecode \"2,48 0 0 1500,6 0 0 1\"", &r);
	qt_test_result_free(&r);
	struct qt_chain *c = qt_table_chain(r1->tables[QT_TABLE_FILTER], "INPUT");
	struct qt_ext_inst *in = qt_test_run(&c->rules[0]->matches[0]);
	tcp_pkt(5, "");
	struct qt_eval ev;
	qt_eval_init(&ev, pkt, pktlen, sizeof(pkt), 2000, QT_HOOK_LOCAL_IN, NULL);
	ok(!in->ext->match(in, &ev), "a load past the copy: no match");
	ok(ev.hotdrop, "... and the packet dropped");
	qt_eval_init(&ev, pkt, pktlen, sizeof(pkt), 1000, QT_HOOK_LOCAL_IN, NULL);
	ok(!in->ext->match(in, &ev) && !ev.hotdrop,
	   "past the packet itself: no match, not dropped");
	qt_test_runs_free();
	qt_ruleset_free(r1);
}

int main(void)
{
	test_check();
	test_unseen();
	test_run();
	test_commit();
	test_unchecked();
	test_hooks();
	test_cut();
	return done_testing();
}
