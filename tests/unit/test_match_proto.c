/* The engine side of tcpmss, esp, ipcomp and dccp, and the refusal of
 * cpu, helper at commit (and connbytes turning the counts on): rules
 * typed as iptables commands, packets built as bytes here, each match
 * asked for a verdict.
 *
 * The facts were checked against the kernel (6.18, iptables-nft 1.8.9)
 * by tests/compat/run-packets.sh and run-packets6.sh, whose generators
 * send these protocols (short headers, malformed TCP options, DCCP data
 * offsets below the type's fields) through a kernel twin; "dropped"
 * means the match's hotdrop. */
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

/* IPv4 carrying l4 of proto; frag: the fragment offset field. */
static void ip_pkt(uint8_t proto, uint16_t frag, const uint8_t *l4,
		   uint32_t l4len)
{
	memset(buf, 0, sizeof(buf));
	buf[0] = 0x45;
	buf[2] = (uint8_t)((20 + l4len) >> 8);
	buf[3] = (uint8_t)(20 + l4len);
	buf[6] = (uint8_t)(frag >> 8);
	buf[7] = (uint8_t)frag;
	buf[8] = 64;
	buf[9] = proto;
	inet_pton(AF_INET, "10.0.0.1", buf + 12);
	inet_pton(AF_INET, "10.0.0.2", buf + 16);
	memcpy(buf + 20, l4, l4len);
	blen = 20 + l4len;
}

/* A SYN whose data offset is doff words, with optlen option bytes (the
 * packet holds them whatever doff says). */
static void syn(uint8_t doff, const uint8_t *opt, uint32_t optlen)
{
	uint8_t h[80] = { 0x04, 0xd2, 0, 80 };
	h[12] = (uint8_t)(doff << 4);
	h[13] = 0x02;
	if (optlen)
		memcpy(h + 20, opt, optlen);
	ip_pkt(IPPROTO_TCP, 0, h, 20 + optlen);
}

/* A DCCP header: ports, data offset, type, X; after the generic header
 * (12 bytes, 16 with X) the type's fields (none, 4, 8 or 12 bytes),
 * then opt. */
static void dccp(uint16_t dp, uint8_t doff, uint8_t type, bool x,
		 const uint8_t *opt, uint32_t optlen)
{
	uint8_t h[96] = { 0x13, 0x88 };
	h[2] = (uint8_t)(dp >> 8);
	h[3] = (uint8_t)dp;
	h[4] = doff;
	h[8] = (uint8_t)(type << 1 | x);
	uint32_t len = x ? 16 : 12;
	len += type == 2 ? 0 : type == 0 ? 4
	       : (type >= 3 && type <= 9 && type != 7) ? 8 : 12;
	if (optlen)
		memcpy(h + len, opt, optlen);
	ip_pkt(33, 0, h, len + optlen);
}

static struct qt_ruleset *rs;
static struct qt_ext_inst *inst;

static struct qt_ext_inst *rule(const char *cmd, const char *ext)
{
	struct qt_test_result r;
	qt_test_runs_free();
	if (rs)
		qt_ruleset_free(rs);
	rs = qt_ruleset_new(0);
	inst = NULL;
	if (qt_test_cmd(&rs, cmd, &r) != 0) {
		printf("# %s: %s", cmd, r.err.data ? r.err.data : "");
		qt_test_result_free(&r);
		return NULL;
	}
	qt_test_result_free(&r);
	struct qt_chain *c = qt_table_chain(rs->tables[QT_TABLE_FILTER], "INPUT");
	struct qt_rule *ru = c->rules[c->nrules - 1];
	for (unsigned i = 0; i < ru->nmatches; i++)
		if (!strcmp(ru->matches[i].ext->name, ext))
			inst = &ru->matches[i];
	if (inst)
		inst = qt_test_run(inst);
	return inst;
}

static bool hot;

static int judge(void)
{
	struct qt_eval ev;
	if (!inst)
		return -1;
	qt_eval_init(&ev, buf, blen, sizeof(buf), blen, QT_HOOK_LOCAL_IN, NULL);
	bool m = inst->ext->match(inst, &ev);
	hot = ev.hotdrop;
	return m;
}

#define MATCH(what) do { is_int(judge(), 1, "%s", what); \
	ok(!hot, "%s: not dropped", what); } while (0)
#define NOMATCH(what) do { is_int(judge(), 0, "%s", what); \
	ok(!hot, "%s: not dropped", what); } while (0)
#define DROPPED(what) do { is_int(judge(), 0, "%s", what); \
	ok(hot, "%s: dropped", what); } while (0)

static void test_tcpmss(void)
{
	static const uint8_t mss1460[] = { 2, 4, 0x05, 0xb4 };
	static const uint8_t mss999[] = { 2, 4, 0x03, 0xe7 };
	static const uint8_t bad_then[] = { 2, 3, 5, 2, 4, 0x05, 0xb4, 0 };
	static const uint8_t len2[] = { 1, 1, 1, 2, 2, 0, 0, 0 };
	static const uint8_t kind_last[] = { 1, 1, 1, 2 };

	rule("-A INPUT -p tcp -m tcpmss --mss 1000:1460", "tcpmss");
	syn(6, mss1460, 4);
	MATCH("tcpmss: MSS 1460 in 1000:1460");
	syn(6, mss999, 4);
	NOMATCH("tcpmss: MSS 999 below");
	syn(5, NULL, 0);
	NOMATCH("tcpmss: no options");
	syn(7, bad_then, 8);
	MATCH("tcpmss: an MSS of length 3 is stepped over, the next decides");
	syn(7, len2, 8);
	NOMATCH("tcpmss: an MSS of length 2 is none");
	syn(6, kind_last, 4);
	NOMATCH("tcpmss: kind 2 as the options' last byte is none");
	syn(15, mss1460, 4);
	DROPPED("tcpmss: options past the packet's end");
	syn(4, NULL, 0);
	DROPPED("tcpmss: a data offset below 5");

	rule("-A INPUT -p tcp -m tcpmss ! --mss 1000:1460", "tcpmss");
	syn(5, NULL, 0);
	MATCH("tcpmss !: no options matches");
	syn(6, mss1460, 4);
	NOMATCH("tcpmss !: MSS in range");
	syn(15, mss1460, 4);
	DROPPED("tcpmss !: options cut short drop all the same");
}

static void test_esp_ipcomp(void)
{
	uint8_t h[16] = { 0, 0, 1, 0x2c };   /* SPI 300 */

	rule("-A INPUT -p esp -m esp --espspi 256:300", "esp");
	ip_pkt(50, 0, h, 16);
	MATCH("esp: SPI 300 in 256:300");
	h[3] = 0x2d;
	ip_pkt(50, 0, h, 16);
	NOMATCH("esp: SPI 301");
	ip_pkt(50, 0, h, 7);
	DROPPED("esp: 7 bytes of header");
	ip_pkt(50, 1, h, 16);
	NOMATCH("esp: a non-first fragment");
	rule("-A INPUT -p esp -m esp ! --espspi 256:300", "esp");
	ip_pkt(50, 0, h, 16);
	MATCH("esp !: SPI 301");

	/* ipcomp: the CPI is the 16 bits after next header and flags */
	uint8_t c[8] = { 4, 0, 0, 5 };
	rule("-A INPUT -p ipcomp -m ipcomp --ipcompspi 5", "ipcomp");
	ip_pkt(108, 0, c, 8);
	MATCH("ipcomp: CPI 5");
	c[1] = 0xff;
	ip_pkt(108, 0, c, 8);
	MATCH("ipcomp: the flags are not looked at");
	c[3] = 6;
	ip_pkt(108, 0, c, 8);
	NOMATCH("ipcomp: CPI 6");
	ip_pkt(108, 0, c, 3);
	DROPPED("ipcomp: 3 bytes of header");
	rule("-A INPUT -p ipcomp -m ipcomp", "ipcomp");
	c[3] = 0;
	ip_pkt(108, 0, c, 8);
	MATCH("ipcomp bare: the range 0:0 holds CPI 0");
	c[3] = 1;
	ip_pkt(108, 0, c, 8);
	NOMATCH("ipcomp bare: not CPI 1");
}

static void test_dccp(void)
{
	static const uint8_t opt44[] = { 44, 3, 7, 0 };
	static const uint8_t opt1[] = { 1, 1, 1, 1 };

	rule("-A INPUT -p dccp -m dccp --dport 80 --dccp-types REQUEST,INVALID "
	     "--dccp-option 44", "dccp");
	dccp(80, 6, 0, true, opt44, 4);
	MATCH("dccp: REQUEST with X, option 44 after the service code");
	dccp(80, 5, 0, false, opt44, 4);
	MATCH("dccp: REQUEST without X");
	dccp(80, 7, 12, false, opt44, 4);
	MATCH("dccp: type 12 is INVALID's");
	dccp(81, 6, 0, true, opt44, 4);
	NOMATCH("dccp: another port");
	dccp(80, 6, 2, true, opt44, 4);
	NOMATCH("dccp: DATA is not among the types");
	dccp(80, 6, 0, true, opt1, 4);
	NOMATCH("dccp: no option 44");
	dccp(80, 4, 0, true, opt44, 4);
	DROPPED("dccp: a data offset below the type's fields");
	dccp(80, 12, 0, true, opt44, 4);
	DROPPED("dccp: options past the packet's end");
	ip_pkt(33, 0, opt44, 4);
	DROPPED("dccp: fewer than 12 bytes");

	rule("-A INPUT -p dccp -m dccp ! --dccp-option 44", "dccp");
	dccp(80, 6, 0, true, opt1, 4);
	MATCH("dccp !: option 44 absent");
	dccp(80, 4, 0, true, opt44, 4);
	DROPPED("dccp !: a data offset below the fields drops all the same");
	dccp(80, 5, 0, true, NULL, 0);
	MATCH("dccp !: no options at all");
}

/* The ruleset of cmd compiles (NULL msg wanted) or not, with msg. */
static void compiles(const char *cmd, const char *msg, bool acct)
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
		ok(p && qt_prog_uses_ct(p), "%s: tracks connections", cmd);
		ok(p && qt_prog_uses_acct(p) == acct, "%s: counts: %d", cmd, acct);
	}
	if (p)
		qt_prog_free(p);
	qt_buf_free(&err);
	qt_ruleset_free(r1);
	qt_rt_store_free(store);
}

static void test_commit(void)
{
	compiles("-A INPUT -m cpu --cpu 0",
		 "Error: qtables cannot run -m cpu: a queued packet does not "
		 "tell which CPU handles it\n", false);
	compiles("-A FORWARD -m helper ! --helper ftp",
		 "Error: qtables cannot run -m helper: qtables runs no "
		 "conntrack helpers, so no connection is expected by one\n",
		 false);
	compiles("-A INPUT -m connbytes --connbytes 5 --connbytes-mode bytes "
		 "--connbytes-dir both", NULL, true);
	compiles("-A INPUT -m conntrack --ctstate NEW", NULL, false);
}

int main(void)
{
	test_tcpmss();
	test_esp_ipcomp();
	test_dccp();
	test_commit();
	qt_test_runs_free();
	if (rs)
		qt_ruleset_free(rs);
	return done_testing();
}
